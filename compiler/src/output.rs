//! Writing the output folder. Used by the CLI only (the compiler itself
//! does no IO). Every new file is first written to a staging folder and
//! then renamed into place, the file it replaces kept until all are in
//! place, so a failure while writing or renaming leaves the previous output
//! as it was; files that an earlier build wrote and this one no longer
//! produces are removed; files infrac did not write are never touched, and
//! a symbolic link to a folder inside the output is never written through.
//! What infrac wrote is listed in `.infrac-manifest`.

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

/// Staging folders and manifest drafts that a build interrupted before it
/// could clean up (killed, out of disk) left behind.
fn remove_leftovers(out: &Path) {
    let Ok(entries) = std::fs::read_dir(out) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name();
        let name = name.to_string_lossy();
        if name.starts_with(".infrac-staging-") {
            let _ = std::fs::remove_dir_all(e.path());
        } else if name == format!("{MANIFEST}.tmp") {
            let _ = std::fs::remove_file(e.path());
        }
    }
}

/// A folder on the way to `path` inside `out` that is a symbolic link:
/// writing through it would write outside the output folder.
fn linked_folder(out: &Path, path: &str) -> Option<PathBuf> {
    let mut at = out.to_path_buf();
    let parts: Vec<&str> = path.split('/').collect();
    for part in &parts[..parts.len().saturating_sub(1)] {
        at.push(part);
        if std::fs::symlink_metadata(&at).is_ok_and(|m| m.file_type().is_symlink()) {
            return Some(at);
        }
    }
    None
}

pub fn write(out: &Path, files: &Files) -> io::Result<Summary> {
    let previous = read_manifest(out);
    remove_leftovers(out);
    for path in files.keys() {
        if !safe_relative(path) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!("refusing to write outside the output folder: {path}"),
            ));
        }
        if let Some(link) = linked_folder(out, path) {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "{} is a symbolic link: refusing to write through it; make it a folder",
                    link.display()
                ),
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
    // Each file replaced keeps its previous version under the staging
    // folder until all are in place: if one rename fails, those done are
    // undone, and the output is the previous one, whole.
    let backups = staging.join(".previous");
    let mut done: Vec<(&String, bool)> = Vec::new();
    let placed = (|| -> io::Result<()> {
        for path in &changed {
            let dest = out.join(path);
            if let Some(parent) = dest.parent() {
                std::fs::create_dir_all(parent)?;
            }
            let had = dest.exists();
            if had {
                let backup = backups.join(path);
                if let Some(parent) = backup.parent() {
                    std::fs::create_dir_all(parent)?;
                }
                std::fs::rename(&dest, &backup)?;
            }
            done.push((path, had));
            std::fs::rename(staging.join(path), &dest)?;
        }
        Ok(())
    })();
    if let Err(e) = placed {
        for (path, had) in done.into_iter().rev() {
            let dest = out.join(path);
            if had {
                let _ = std::fs::rename(backups.join(path), &dest);
            } else {
                let _ = std::fs::remove_file(&dest);
                remove_empty_parents(out, &dest);
            }
        }
        let _ = std::fs::remove_dir_all(&staging);
        return Err(e);
    }
    summary.written = changed.len();
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
