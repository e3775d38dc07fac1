//! Files the command line writes outside Discord: `digest … --chart FILE.png`, `export WHAT -o FILE`, and the
//! folder where the console puts the files replies carry (`console --out-dir`). A path is checked before any
//! work is done, so a bad one is one line and nothing is written; a file is written whole or not at all.
//!
//! A file is replaced by renaming a complete one over it, so the path must end at a regular file or at nothing
//! yet. A symbolic link is followed: the file it leads to is replaced and the link stays. Refused: a folder, a
//! device, a named pipe or a socket (the rename would replace it with a plain file), and a link that leads
//! nowhere (where it points may be no place meant for this file; the error says to create that file first).

use crate::config::ConfigError;
use std::io::Write;
use std::path::{Path, PathBuf};

/// How many links one path may go through, as the kernel allows (`ELOOP` past it).
const MAX_LINKS: usize = 40;

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

/// Why a file cannot be written at a path.
#[derive(Debug)]
enum Refused {
    /// The path (after its links) is a folder.
    Folder(PathBuf),
    /// A device, named pipe or socket (named by the text) at this path, after the links.
    NotAFile(PathBuf, &'static str),
    /// The links lead to this path, where nothing is.
    Dangling(PathBuf),
    /// More than [`MAX_LINKS`] links, or a loop of them.
    TooManyLinks,
    /// The path could not be looked at (e.g. no permission on its folder).
    Io(std::io::Error),
}

/// What a path that is not a folder nor a regular file is, in words.
fn kind_of(t: std::fs::FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if t.is_fifo() {
            return "a named pipe";
        }
        if t.is_char_device() || t.is_block_device() {
            return "a device";
        }
        if t.is_socket() {
            return "a socket";
        }
    }
    let _ = t;
    "not a regular file"
}

/// The path a file written at `path` lands at: `path` itself, or the end of the symbolic link(s) at `path`.
/// It is a regular file or nothing yet (a new file), never a link.
fn resolve(path: &Path) -> Result<PathBuf, Refused> {
    let mut at = path.to_path_buf();
    for _ in 0..=MAX_LINKS {
        let meta = match std::fs::symlink_metadata(&at) {
            Ok(m) => m,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && at == path => return Ok(at),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Err(Refused::Dangling(at))
            }
            Err(e) => return Err(Refused::Io(e)),
        };
        let t = meta.file_type();
        if t.is_symlink() {
            let to = std::fs::read_link(&at).map_err(Refused::Io)?;
            // A relative link is relative to the folder the link is in; an absolute one replaces the path.
            at = match at.parent() {
                Some(folder) => folder.join(to),
                None => to,
            };
        } else if t.is_file() {
            return Ok(at);
        } else if t.is_dir() {
            return Err(Refused::Folder(at));
        } else {
            return Err(Refused::NotAFile(at, kind_of(t)));
        }
    }
    Err(Refused::TooManyLinks)
}

impl Refused {
    /// What is wrong with `path`, to follow it in a sentence ("p is a named pipe, not a file").
    fn about(&self, path: &Path) -> String {
        let via = |at: &Path| {
            if at == path {
                String::new()
            } else {
                format!("leads to {}, which ", at.display())
            }
        };
        match self {
            Refused::Folder(at) => format!("{}is a folder", via(at)),
            Refused::NotAFile(at, kind) => format!("{}is {kind}, not a file", via(at)),
            Refused::Dangling(at) => format!(
                "is a link to {}, which does not exist: create that file first",
                at.display()
            ),
            Refused::TooManyLinks => "goes through too many links (or a loop of them)".into(),
            Refused::Io(e) => format!("cannot be looked at ({e})"),
        }
    }
}

/// A file may be written at `path`: it is a new file in an existing folder or a regular file, possibly through
/// symbolic links (see the module's doc). Returns where the file lands: `path` unless it is a link. `example`
/// is a file name to suggest when `path` is a folder.
pub fn check_target(path: &Path, what: &str, example: &str) -> Result<PathBuf, ConfigError> {
    let at = match resolve(path) {
        Ok(at) => at,
        Err(Refused::Folder(at)) if at == path => {
            return Err(ConfigError(format!(
                "{what} {} is a folder: give a file name, e.g. {}",
                path.display(),
                path.join(example).display()
            )))
        }
        Err(r @ Refused::Dangling(_)) => {
            return Err(ConfigError(format!(
                "{what} {} {} or give another path",
                path.display(),
                r.about(path)
            )))
        }
        Err(r) => {
            return Err(ConfigError(format!(
                "{what} {} {}: give the path of a file",
                path.display(),
                r.about(path)
            )))
        }
    };
    check_folder(&folder_of(&at), &format!("{what} {}", path.display()))?;
    Ok(at)
}

/// Write `bytes` to `path` whole or not at all: into a temporary file beside it, then renamed over it. A link
/// at `path` is followed and stays (the file it leads to is replaced); a path that is not a regular file nor a
/// new one is refused (see the module's doc). A failed write (a full disk) is an error, and nothing is left.
pub fn write_whole(path: &Path, bytes: &[u8], what: &str) -> anyhow::Result<()> {
    let at = resolve(path).map_err(|r| {
        anyhow::anyhow!(
            "cannot write {what} {}: it {}",
            path.display(),
            r.about(path)
        )
    })?;
    let name = at
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = folder_of(&at).join(format!(".{name}.partnerfit-{}", std::process::id()));
    let fail = |e: std::io::Error| anyhow::anyhow!("cannot write {what} {}: {e}", path.display());
    let written = (|| {
        // A new file, never one that is there (a stale one of this process id is removed first).
        let create = || {
            std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&tmp)
        };
        let mut f = match create() {
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                std::fs::remove_file(&tmp)?;
                create()?
            }
            other => other?,
        };
        f.write_all(bytes)?;
        // Errors the disk reports late (no space left) are errors of this write, not lost on close.
        f.sync_all()
    })();
    if let Err(e) = written {
        let _ = std::fs::remove_file(&tmp);
        return Err(fail(e));
    }
    std::fs::rename(&tmp, &at).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        fail(e)
    })
}

/// Whether a write to stdout failed because its reader went away (`partnerfit … | head`): the command then
/// stops writing and succeeds quietly, as command line tools do (`export` to stdout, [`print_stdout`]).
pub fn reader_gone(e: &std::io::Error) -> bool {
    e.kind() == std::io::ErrorKind::BrokenPipe
}

/// Print `text` to stdout (locked, then flushed), for the command line's output: `help --markdown`, a digest,
/// `doctor`'s checklist, what `demo` wrote. A reader gone ([`reader_gone`]) is a quiet success where
/// `print!` would panic; another failure is a one-line error.
pub fn print_stdout(text: std::fmt::Arguments<'_>) -> anyhow::Result<()> {
    write_quietly(&mut std::io::stdout().lock(), text)
}

/// Print `text` to stderr, for the command line's notes and last error line. A failure to write there (stderr
/// closed, or its reader gone: `partnerfit digest 2>&1 | head`) is ignored: a note has nowhere else to go, and
/// `eprintln!` would panic instead.
pub fn print_stderr(text: std::fmt::Arguments<'_>) {
    let _ = std::io::stderr().lock().write_fmt(text);
}

/// [`print_stdout`] to any writer.
fn write_quietly(out: &mut impl Write, text: std::fmt::Arguments<'_>) -> anyhow::Result<()> {
    match out.write_fmt(text).and_then(|()| out.flush()) {
        Err(e) if reader_gone(&e) => Ok(()),
        Err(e) => Err(anyhow::anyhow!("cannot write to stdout: {e}")),
        Ok(()) => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A writer that fails every write with `kind`.
    struct Failing(std::io::ErrorKind);
    impl Write for Failing {
        fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
            Err(self.0.into())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_reader_gone_is_a_quiet_success_and_other_failures_are_errors() {
        let mut v = Vec::new();
        write_quietly(&mut v, format_args!("{}\n", "week 2026-W47")).unwrap();
        assert_eq!(v, b"week 2026-W47\n");
        write_quietly(
            &mut Failing(std::io::ErrorKind::BrokenPipe),
            format_args!("x"),
        )
        .unwrap();
        let e = write_quietly(
            &mut Failing(std::io::ErrorKind::PermissionDenied),
            format_args!("x"),
        )
        .unwrap_err();
        assert_eq!(e.to_string(), "cannot write to stdout: permission denied");
    }

    #[test]
    fn paths_are_checked_before_anything_is_written() {
        let dir = tempfile::tempdir().unwrap();
        let ok = dir.path().join("w.png");
        assert_eq!(check_target(&ok, "--chart", "chart.png").unwrap(), ok);
        let missing = dir.path().join("nope").join("w.png");
        let e = check_target(&missing, "--chart", "chart.png")
            .unwrap_err()
            .0;
        assert!(e.contains("does not exist") && e.contains("nope"), "{e}");
        let e = check_target(dir.path(), "--chart", "chart.png")
            .unwrap_err()
            .0;
        assert!(e.contains("is a folder") && e.contains("chart.png"), "{e}");
        assert!(check_target(Path::new("bare.png"), "--chart", "chart.png").is_ok());
        let e = check_folder(&ok, "--out-dir").unwrap_err().0;
        assert!(e.contains("does not exist"), "{e}");
        std::fs::write(&ok, b"x").unwrap();
        assert!(check_folder(&ok, "--out-dir")
            .unwrap_err()
            .0
            .contains("is a file"));
        assert_eq!(check_target(&ok, "--chart", "chart.png").unwrap(), ok);
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

    /// A named pipe at `path`, made by `mkfifo`.
    #[cfg(unix)]
    fn mkfifo(path: &Path) {
        let status = std::process::Command::new("mkfifo")
            .arg(path)
            .status()
            .unwrap();
        assert!(status.success(), "mkfifo {}", path.display());
    }

    #[cfg(unix)]
    fn is_fifo(path: &Path) -> bool {
        use std::os::unix::fs::FileTypeExt;
        std::fs::symlink_metadata(path)
            .unwrap()
            .file_type()
            .is_fifo()
    }

    #[cfg(unix)]
    #[test]
    fn a_named_pipe_is_refused_and_stays_a_pipe() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("p");
        mkfifo(&p);
        let e = check_target(&p, "-o", "roster.csv").unwrap_err().0;
        assert_eq!(
            e,
            format!(
                "-o {} is a named pipe, not a file: give the path of a file",
                p.display()
            )
        );
        // Had it changed into one between the check and the write: refused there too (and nothing blocks on it).
        let e = write_whole(&p, b"png", "the chart to")
            .unwrap_err()
            .to_string();
        assert!(e.contains("is a named pipe, not a file"), "{e}");
        assert!(is_fifo(&p), "still a named pipe");
        // Through a link, the pipe is named where the link leads.
        let link = dir.path().join("link");
        std::os::unix::fs::symlink("p", &link).unwrap();
        let e = check_target(&link, "--chart", "chart.png").unwrap_err().0;
        assert!(
            e.contains("leads to") && e.contains("which is a named pipe, not a file"),
            "{e}"
        );
        assert!(write_whole(&link, b"png", "the chart to").is_err());
        assert!(is_fifo(&p));
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(names.len(), 2, "nothing else is written");
    }

    #[cfg(unix)]
    #[test]
    fn a_link_is_followed_and_stays_a_link() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real.csv");
        std::fs::write(&real, b"old").unwrap();
        let link = dir.path().join("link.csv");
        std::os::unix::fs::symlink("real.csv", &link).unwrap();
        // Where the file lands: the link's end, relative to the link's folder.
        assert_eq!(check_target(&link, "-o", "roster.csv").unwrap(), real);
        write_whole(&link, b"new", "the chart to").unwrap();
        assert!(std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(std::fs::read_link(&link).unwrap(), Path::new("real.csv"));
        assert_eq!(std::fs::read(&real).unwrap(), b"new");
        // A link to a link, the second one absolute, in another folder.
        let sub = dir.path().join("sub");
        std::fs::create_dir(&sub).unwrap();
        let outer = sub.join("outer.csv");
        std::os::unix::fs::symlink(&link, &outer).unwrap();
        assert_eq!(check_target(&outer, "-o", "roster.csv").unwrap(), real);
        write_whole(&outer, b"newer", "the chart to").unwrap();
        assert_eq!(std::fs::read(&real).unwrap(), b"newer");
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(names.len(), 3, "no temporary file is left behind");
    }

    #[cfg(unix)]
    #[test]
    fn a_link_that_leads_nowhere_is_refused_and_nothing_is_created() {
        let dir = tempfile::tempdir().unwrap();
        let link = dir.path().join("link.csv");
        std::os::unix::fs::symlink("gone.csv", &link).unwrap();
        let e = check_target(&link, "-o", "roster.csv").unwrap_err().0;
        assert_eq!(
            e,
            format!(
                "-o {} is a link to {}, which does not exist: create that file first or give another path",
                link.display(),
                dir.path().join("gone.csv").display()
            )
        );
        assert!(write_whole(&link, b"x", "the chart to").is_err());
        assert!(!dir.path().join("gone.csv").exists());
        // A loop of links goes nowhere either.
        let (a, b) = (dir.path().join("a"), dir.path().join("b"));
        std::os::unix::fs::symlink("b", &a).unwrap();
        std::os::unix::fs::symlink("a", &b).unwrap();
        let e = check_target(&a, "-o", "roster.csv").unwrap_err().0;
        assert!(e.contains("too many links"), "{e}");
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(names.len(), 3, "nothing is written");
    }
}
