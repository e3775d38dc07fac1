//! Files the command line writes outside Discord: `digest … --chart FILE.png` and the folder where the
//! console puts the files replies carry (`console --out-dir`). A path is checked before any work is done, so
//! a bad one is one line and nothing is written; a file is written whole or not at all.

use crate::config::ConfigError;
use std::path::{Path, PathBuf};

/// The folder a file at `path` goes into (`.` for a bare file name).
fn folder_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// `dir` must be an existing folder.
pub fn check_folder(dir: &Path, what: &str) -> Result<(), ConfigError> {
    match std::fs::metadata(dir) {
        Ok(m) if m.is_dir() => Ok(()),
        Ok(_) => Err(ConfigError(format!(
            "{what} {} is a file, not a folder",
            dir.display()
        ))),
        Err(_) => Err(ConfigError(format!(
            "{what}: the folder {} does not exist; create it first or choose another",
            dir.display()
        ))),
    }
}

/// A file may be written at `path`: its folder exists and the path is not a folder itself.
pub fn check_target(path: &Path, what: &str) -> Result<(), ConfigError> {
    if path.is_dir() {
        return Err(ConfigError(format!(
            "{what} {} is a folder: give a file name, e.g. {}",
            path.display(),
            path.join("chart.png").display()
        )));
    }
    check_folder(&folder_of(path), &format!("{what} {}", path.display()))
}

/// Write `bytes` to `path` whole or not at all: into a temporary file beside it, then renamed over it.
pub fn write_whole(path: &Path, bytes: &[u8], what: &str) -> Result<(), ConfigError> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = folder_of(path).join(format!(".{name}.partnerfit-{}", std::process::id()));
    let fail =
        |e: std::io::Error| ConfigError(format!("cannot write {what} {}: {e}", path.display()));
    if let Err(e) = std::fs::write(&tmp, bytes) {
        let _ = std::fs::remove_file(&tmp);
        return Err(fail(e));
    }
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        fail(e)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_checked_before_anything_is_written() {
        let dir = tempfile::tempdir().unwrap();
        let ok = dir.path().join("w.png");
        assert!(check_target(&ok, "--chart").is_ok());
        let missing = dir.path().join("nope").join("w.png");
        let e = check_target(&missing, "--chart").unwrap_err().0;
        assert!(e.contains("does not exist") && e.contains("nope"), "{e}");
        let e = check_target(dir.path(), "--chart").unwrap_err().0;
        assert!(e.contains("is a folder"), "{e}");
        assert!(check_target(Path::new("bare.png"), "--chart").is_ok());
        let e = check_folder(&ok, "--out-dir").unwrap_err().0;
        assert!(e.contains("does not exist"), "{e}");
        std::fs::write(&ok, b"x").unwrap();
        assert!(check_folder(&ok, "--out-dir")
            .unwrap_err()
            .0
            .contains("is a file"));
    }

    #[test]
    fn a_file_is_written_whole() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("c.png");
        write_whole(&p, b"first", "the chart").unwrap();
        write_whole(&p, b"second", "the chart").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"second");
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(names.len(), 1, "no temporary file is left behind");
    }
}
