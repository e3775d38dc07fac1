//! One process at a time creates and migrates a SQLite file. sqlx's migrator takes no lock on SQLite (on
//! PostgreSQL it holds `pg_advisory_lock` while it runs, and the `Any` driver passes its `lock()` on to the
//! backend's), so two processes started together on a new file both found no migration applied and both
//! applied the first: one of them failed ("table … already exists", or the UNIQUE constraint on
//! `_sqlx_migrations.version`). Before that, the store's `PRAGMA journal_mode = WAL` on a new file fails at
//! once, without waiting, while another connection holds the file ("database is locked").
//!
//! [`MigrateLock`] is an exclusive lock on a file beside the database, `<database file>.migrate-lock`, held
//! while the store connects and migrates: a second process waits for it, then finds the file in WAL mode and
//! the migrations applied. The lock is SQLite's own: the lock file is an empty SQLite database held in a
//! `BEGIN EXCLUSIVE` transaction, which another connection, in this process or another, cannot begin until
//! it ends (std's `File::lock` would do, but is newer than this crate's minimum Rust, 1.85). The lock file is
//! created when missing and never removed: removing it while another process waits on it would let a third
//! lock a new file of the same name while the second holds the old one. The lock ends when its holder drops
//! it or exits, however it exits. An in-memory database is its own process's and needs none.

use std::path::{Path, PathBuf};

/// Held while a SQLite file is migrated; released when dropped (the connection closes, its transaction
/// with it).
#[derive(Debug)]
pub(super) struct MigrateLock {
    _held: Option<rusqlite::Connection>,
}

/// How long one attempt to begin the exclusive transaction waits before the next (the wait has no end: a
/// migration takes as long as it takes, and a holder that dies releases the lock).
const WAIT_STEP: std::time::Duration = std::time::Duration::from_secs(1);

/// The lock file of the SQLite database at `db`: beside it, `<file name>.migrate-lock`.
pub(super) fn lock_path(db: &Path) -> PathBuf {
    let mut name = db.as_os_str().to_os_string();
    name.push(".migrate-lock");
    PathBuf::from(name)
}

/// The one name of the database file at `db`, however a process named it (relative, through links): the file
/// resolved, or its folder when the file is not there yet.
fn canonical(db: &Path) -> PathBuf {
    if let Ok(p) = std::fs::canonicalize(db) {
        return p;
    }
    match (db.parent(), db.file_name()) {
        (Some(folder), Some(name)) => {
            let folder = if folder.as_os_str().is_empty() {
                Path::new(".")
            } else {
                folder
            };
            std::fs::canonicalize(folder)
                .map(|f| f.join(name))
                .unwrap_or_else(|_| db.to_path_buf())
        }
        _ => db.to_path_buf(),
    }
}

/// The database file of a `sqlite:` URL; None for an in-memory database, or a URL that does not parse (the
/// connection then says what is wrong with it).
pub(super) fn sqlite_file(url: &str) -> Option<PathBuf> {
    use std::str::FromStr;
    if url.contains(":memory:") || url.contains("mode=memory") {
        return None;
    }
    let options = sqlx::sqlite::SqliteConnectOptions::from_str(url).ok()?;
    let file = options.get_filename();
    (!file.as_os_str().is_empty()).then(|| file.to_path_buf())
}

/// Open the lock file at `path` (created when missing) and begin an exclusive transaction on it, waiting for
/// any other holder. Blocks the thread.
fn lock(path: &Path) -> rusqlite::Result<rusqlite::Connection> {
    let conn = rusqlite::Connection::open(path)?;
    conn.busy_timeout(std::time::Duration::ZERO)?;
    let busy =
        |e: &rusqlite::Error| e.sqlite_error_code() == Some(rusqlite::ErrorCode::DatabaseBusy);
    match conn.execute_batch("BEGIN EXCLUSIVE") {
        Ok(()) => return Ok(conn),
        Err(e) if busy(&e) => {
            tracing::debug!(lock = %path.display(), "another process is migrating this database; waiting for it");
        }
        Err(e) => return Err(e),
    }
    conn.busy_timeout(WAIT_STEP)?;
    loop {
        match conn.execute_batch("BEGIN EXCLUSIVE") {
            Ok(()) => return Ok(conn),
            Err(e) if busy(&e) => continue,
            Err(e) => return Err(e),
        }
    }
}

impl MigrateLock {
    /// No lock (an in-memory database, or PostgreSQL, whose migrator locks the database itself).
    pub(super) fn none() -> MigrateLock {
        MigrateLock { _held: None }
    }

    /// Wait for the lock of the SQLite database file `db` (None: an in-memory or temporary database, which
    /// needs none). A lock file that cannot be created or locked (a read-only folder) is logged and the store
    /// goes on without it, as it did before the lock existed.
    pub(super) async fn acquire(db: Option<&Path>) -> MigrateLock {
        let Some(db) = db else {
            return MigrateLock::none();
        };
        let path = lock_path(&canonical(db));
        // Waiting blocks a thread: not one of the runtime's.
        let held = {
            let path = path.clone();
            tokio::task::spawn_blocking(move || lock(&path)).await
        };
        match held
            .map_err(|e| e.to_string())
            .and_then(|r| r.map_err(|e| e.to_string()))
        {
            Ok(conn) => MigrateLock { _held: Some(conn) },
            Err(e) => {
                tracing::warn!(lock = %path.display(), error = %e, "cannot lock the migration lock file; going on without it");
                MigrateLock::none()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lock_file_is_beside_the_database_file_of_the_url() {
        assert_eq!(
            lock_path(Path::new("/srv/pf/partnerfit.db")),
            Path::new("/srv/pf/partnerfit.db.migrate-lock")
        );
        let file = |url| sqlite_file(url).map(|p| p.display().to_string());
        assert_eq!(
            file("sqlite://partnerfit.db").as_deref(),
            Some("partnerfit.db")
        );
        assert_eq!(
            file("sqlite:///srv/pf/x.db?mode=rwc").as_deref(),
            Some("/srv/pf/x.db")
        );
        for memory in [
            "sqlite::memory:",
            "sqlite://:memory:",
            "sqlite://?mode=memory",
        ] {
            assert_eq!(file(memory), None, "{memory}");
        }
    }

    /// Whether another connection could take the lock file at `path` now, without waiting.
    fn free_now(path: &Path) -> bool {
        let probe = rusqlite::Connection::open(path).unwrap();
        probe.busy_timeout(std::time::Duration::ZERO).unwrap();
        match probe.execute_batch("BEGIN EXCLUSIVE") {
            Ok(()) => true,
            Err(e) if e.sqlite_error_code() == Some(rusqlite::ErrorCode::DatabaseBusy) => false,
            Err(e) => panic!("probing {}: {e}", path.display()),
        }
    }

    #[cfg(unix)]
    #[tokio::test]
    async fn a_second_holder_waits_for_the_first() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("x.db");
        let first = MigrateLock::acquire(Some(&db)).await;
        assert!(first._held.is_some());
        let file = lock_path(&canonical(&db));
        assert!(lock_path(&db).exists(), "beside the database");
        // Held: no other connection can begin its exclusive transaction, so `lock` cannot return before the
        // first is dropped (no sleep needed to see that it waits).
        assert!(!free_now(&file), "the first holds the lock");
        // The same file by another name: relative to a folder through a link, the same lock file.
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(dir.path(), &link).unwrap();
        assert_eq!(lock_path(&canonical(&link.join("x.db"))), file);
        let waiting = tokio::spawn({
            let db = link.join("x.db");
            async move { MigrateLock::acquire(Some(&db)).await }
        });
        assert!(!free_now(&file), "still the first's");
        drop(first);
        let second = tokio::time::timeout(std::time::Duration::from_secs(10), waiting)
            .await
            .expect("the second takes the lock once the first is dropped")
            .unwrap();
        assert!(second._held.is_some());
        assert!(!free_now(&file), "the second holds it now");
        drop(second);
        assert!(free_now(&file), "released when dropped");
        assert!(
            MigrateLock::acquire(None).await._held.is_none(),
            "in memory: no lock"
        );
    }
}
