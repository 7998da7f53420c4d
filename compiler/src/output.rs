//! Writing the output folder. Used by the CLI only (the compiler itself
//! does no IO). Every new file is first written to a staging folder and
//! then renamed into place, so a failure while writing leaves the previous
//! output as it was; files that an earlier build wrote and this one no
//! longer produces are removed; files infrac did not write are never
//! touched. What infrac wrote is listed in `.infrac-manifest`.

use crate::backends::Files;
use std::collections::BTreeSet;
use std::io;
use std::path::{Component, Path, PathBuf};

pub const MANIFEST: &str = ".infrac-manifest";

#[derive(Debug, Default, PartialEq, Eq)]
pub struct Summary {
    pub written: usize,
    pub unchanged: usize,
    pub removed: usize,
}

/// Output paths come from the compiler, but are checked again here: a
/// path must be relative and stay inside the output folder.
pub fn safe_relative(path: &str) -> bool {
    let p = Path::new(path);
    !path.is_empty()
        && !path.contains('\\')
        && p.components().all(|c| matches!(c, Component::Normal(_)))
}

pub fn read_manifest(out: &Path) -> BTreeSet<String> {
    std::fs::read_to_string(out.join(MANIFEST))
        .map(|t| {
            t.lines()
                .filter(|l| safe_relative(l))
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default()
}

pub fn write(out: &Path, files: &Files) -> io::Result<Summary> {
    let previous = read_manifest(out);
    for path in files.keys() {
        if !safe_relative(path) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("refusing to write outside the output folder: {path}"),
            ));
        }
        let target = out.join(path);
        if !previous.contains(path) && target.exists() {
            let same = std::fs::read(&target).is_ok_and(|old| old == files[path].as_bytes());
            if !same {
                return Err(io::Error::new(
                    io::ErrorKind::AlreadyExists,
                    format!("{} exists and was not written by infrac; move it away or choose another --out", target.display()),
                ));
            }
        }
    }
    std::fs::create_dir_all(out)?;
    let mut summary = Summary::default();
    let changed: Vec<&String> = files
        .iter()
        .filter(|(path, text)| {
            std::fs::read(out.join(path)).map_or(true, |old| old != text.as_bytes())
        })
        .map(|(p, _)| p)
        .collect();
    summary.unchanged = files.len() - changed.len();

    let staging = out.join(format!(".infrac-staging-{}", std::process::id()));
    let staged = (|| -> io::Result<()> {
        for path in &changed {
            let dest = staging.join(path);
            if let Some(parent) = dest.parent() {
                std::fs::create_dir_all(parent)?;
            }
            std::fs::write(dest, files[*path].as_bytes())?;
        }
        Ok(())
    })();
    if let Err(e) = staged {
        let _ = std::fs::remove_dir_all(&staging);
        return Err(e);
    }
    for path in &changed {
        let dest = out.join(path);
        if let Some(parent) = dest.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::rename(staging.join(path), dest)?;
        summary.written += 1;
    }
    let _ = std::fs::remove_dir_all(&staging);

    for old in previous.iter().filter(|p| !files.contains_key(*p)) {
        let path = out.join(old);
        if path.is_file() {
            std::fs::remove_file(&path)?;
            summary.removed += 1;
            remove_empty_parents(out, &path);
        }
    }
    let manifest: String = files.keys().map(|k| format!("{k}\n")).collect();
    let tmp = out.join(format!("{MANIFEST}.tmp"));
    std::fs::write(&tmp, manifest)?;
    std::fs::rename(tmp, out.join(MANIFEST))?;
    Ok(summary)
}

fn remove_empty_parents(root: &Path, file: &Path) {
    let mut dir: Option<PathBuf> = file.parent().map(Path::to_path_buf);
    while let Some(d) = dir {
        if d == root || std::fs::remove_dir(&d).is_err() {
            break;
        }
        dir = d.parent().map(Path::to_path_buf);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_plain_relative_paths_are_safe() {
        assert!(safe_relative("terraform/main.tf"));
        assert!(!safe_relative("../x"));
        assert!(!safe_relative("/etc/passwd"));
        assert!(!safe_relative("a/../../b"));
        assert!(!safe_relative("./a"));
        assert!(!safe_relative(""));
    }
}
