//! The project on disk: the [`World`] the commands read, and how a
//! project's root is found from a path inside it.

use crate::load::World;
use std::path::{Path, PathBuf};

/// The project folder on disk.
pub struct Disk {
    pub root: PathBuf,
}

/// The largest file a project may import: far above any real project (a
/// written-out 100,000-droplet file is 20 MB), far below what a link to a
/// device or a huge file would make the compiler read.
pub const MAX_SOURCE_BYTES: u64 = 64 << 20;

impl World for Disk {
    /// Symbolic links are followed, and then the file must lie inside the
    /// project folder and be a regular file: an import cannot read a
    /// credentials file, a FIFO (which would block) or a device.
    fn read(&self, path: &str) -> Result<String, String> {
        use std::io::Read;
        let io = |e: std::io::Error| match e.kind() {
            std::io::ErrorKind::NotFound => "no such file".to_string(),
            _ => e.to_string(),
        };
        let root = self.root.canonicalize().map_err(io)?;
        let real = self.root.join(path).canonicalize().map_err(io)?;
        if !real.starts_with(&root) {
            return Err("it is a link to a file outside the project folder".to_string());
        }
        let meta = std::fs::metadata(&real).map_err(io)?;
        if !meta.is_file() {
            return Err("not a regular file".to_string());
        }
        if meta.len() > MAX_SOURCE_BYTES {
            return Err(format!("larger than {} MiB", MAX_SOURCE_BYTES >> 20));
        }
        let mut text = String::new();
        std::fs::File::open(&real)
            .map_err(io)?
            .take(MAX_SOURCE_BYTES + 1)
            .read_to_string(&mut text)
            .map_err(|e| match e.kind() {
                std::io::ErrorKind::InvalidData => "not UTF-8 text".to_string(),
                _ => io(e),
            })?;
        if text.len() as u64 > MAX_SOURCE_BYTES {
            return Err(format!("larger than {} MiB", MAX_SOURCE_BYTES >> 20));
        }
        Ok(text)
    }
}

/// The project folder for `given`: the nearest folder, from `given` (or
/// the folder of a file given) upward, that holds the entry file.
pub fn project_root(given: &Path) -> Result<PathBuf, String> {
    let start = if given.is_file() {
        given
            .parent()
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
    } else {
        given.to_path_buf()
    };
    let start = if start.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        start
    };
    if start.join(crate::load::ENTRY_FILE).is_file() {
        return Ok(start);
    }
    let absolute = start
        .canonicalize()
        .map_err(|_| format!("{} does not exist", given.display()))?;
    absolute
        .ancestors()
        .find(|d| d.join(crate::load::ENTRY_FILE).is_file())
        .map(Path::to_path_buf)
        .ok_or_else(|| {
            format!(
                "no {} in {} or any folder above it (a project is a folder with an {} entry file)",
                crate::load::ENTRY_FILE,
                given.display(),
                crate::load::ENTRY_FILE
            )
        })
}
