//! On a SQLite file, the statements of a `/screen` — taking the interaction's id ([`Store::take_event`]), the
//! screen read ([`Store::screen_facts`]) and, for a name that is not a partner's, the read of what answers it
//! ([`Store::name_facts`], when the caller's copy of the names is current) — run on a connection of our own, on
//! the calling task's thread: rusqlite over the same libsqlite3-sys as sqlx. sqlx runs each SQLite connection
//! on a worker thread of its own, and every statement is a hand-off to that thread and back (two thread
//! wake-ups, the channel, the Any driver's row conversion); that was most of the bot's voluntary context
//! switches per interaction and a good part of its instructions beyond the end-to-end floor (BENCHMARKS.md,
//! issue 21 item 6). A statement here is SQLite's work only: a B-tree probe or an insert read from the page
//! cache, tens of microseconds.
//!
//! What would make the thread wait is never done here, so the runtime is not blocked on the disk or on
//! another writer:
//! - the busy timeout is 0: a statement that meets another connection's lock (a writer of this or another
//!   process) fails at once with `SQLITE_BUSY`, and the caller runs it the usual way instead (sqlx's worker
//!   thread, which waits up to the 15 s busy timeout);
//! - the connection never checkpoints the WAL (`wal_autocheckpoint = 0`; a checkpoint `fsync`s the WAL and the
//!   database). Every [`CHECKPOINT_EVERY`]th take runs the usual way instead, on a connection that checkpoints
//!   once the WAL is over SQLite's 1,000 pages, as every other write of the store does;
//! - its commits do not wait for the disk (`synchronous = NORMAL`, as on the connection that takes ids the
//!   usual way, [`super::delivered`] says why that is safe).
//!
//! Nothing changes for the statements' semantics: the same SQL (the take as an insert and a read of the
//! settings in one transaction, where the usual way reads them with `RETURNING`: SQLite fills a temporary table
//! of its own for every `RETURNING`), each statement run to its end (a write's commit error is its error, as
//! [`super::write`] requires), committed before it is answered and seen by every other process at once. When
//! the connection is busy with another task's statement, cannot be opened, or a statement fails in any way (a
//! transaction is then rolled back), the statement runs the usual way and its answer or error is that one's;
//! after a failure other than a lock the connection is opened again (at most once a second), so a broken
//! connection costs no failed command. PostgreSQL is not concerned: its statements go over the network anyway.
//!
//! [`Direct::reader`] opens read-only connections of their own to the same file, for a read of seconds on a
//! blocking thread ([`super::bulk`]), which must never hold this one.

use super::{SQLITE_EVERY_CONNECTION, SQLITE_NO_DISK_WAIT};
use rusqlite::types::ToSql;
use rusqlite::{Connection, ErrorCode, OpenFlags};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// Every this many takes, one runs on the usual connection, which checkpoints the WAL when it is due.
pub(crate) const CHECKPOINT_EVERY: u64 = 128;
/// How long after opening the connection failed it is not tried again (statements run the usual way).
const REOPEN_AFTER: Duration = Duration::from_secs(1);

/// The connection (see the module's doc), opened when first used and again after it failed.
pub(crate) struct Direct {
    slot: std::sync::Mutex<Slot>,
    path: PathBuf,
    takes: AtomicU64,
}

#[derive(Default)]
struct Slot {
    conn: Option<Connection>,
    /// The store is closed: never open again.
    closed: bool,
    /// When opening last failed.
    failed_at: Option<Instant>,
}

impl std::fmt::Debug for Direct {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Direct").finish_non_exhaustive()
    }
}

/// A statement's parameters by name (`$1`, …): the store's SQL numbers them, and SQLite numbers parameters
/// by first appearance, not by their digits.
pub(crate) type Params<'a> = [(&'a str, &'a dyn ToSql)];

impl Direct {
    /// For the SQLite database at `url` (a `sqlite://` URL of a file; None for one opened read-only or
    /// immutable, or one whose URL does not parse).
    pub(crate) fn sqlite(url: &str) -> Option<Direct> {
        use std::str::FromStr;
        if url.contains(":memory:") || url.contains("mode=ro") || url.contains("immutable") {
            return None;
        }
        let options = sqlx::sqlite::SqliteConnectOptions::from_str(url).ok()?;
        Some(Direct {
            slot: std::sync::Mutex::new(Slot::default()),
            path: options.get_filename().to_path_buf(),
            takes: AtomicU64::new(0),
        })
    }

    fn open(&self) -> rusqlite::Result<Connection> {
        // The file exists: the pool opened (or created) it first.
        let conn = Connection::open_with_flags(
            &self.path,
            OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        // The store's usual pragmas, but for the three differences the module's doc gives: no busy timeout,
        // commits that do not wait for the disk, and no checkpoint.
        conn.busy_timeout(Duration::ZERO)?;
        conn.execute_batch(&format!(
            "{SQLITE_EVERY_CONNECTION}; {SQLITE_NO_DISK_WAIT}; PRAGMA wal_autocheckpoint = 0;"
        ))?;
        Ok(conn)
    }

    /// Whether this take may run here: all but every [`CHECKPOINT_EVERY`]th (see the module's doc).
    pub(crate) fn take_here(&self) -> bool {
        self.takes.fetch_add(1, Ordering::Relaxed) % CHECKPOINT_EVERY != CHECKPOINT_EVERY - 1
    }

    /// Run `f` on the connection: None when it is busy with another task, cannot be opened, or `f` failed
    /// (the caller then runs the statement the usual way).
    fn with<T>(&self, f: impl FnOnce(&Connection) -> rusqlite::Result<T>) -> Option<T> {
        // Another task's statement holds it for microseconds, but waiting would block this thread: go the
        // usual way instead.
        let mut slot = match self.slot.try_lock() {
            Ok(slot) => slot,
            // A statement panicked while holding it: the slot itself is still whole.
            Err(std::sync::TryLockError::Poisoned(p)) => p.into_inner(),
            Err(std::sync::TryLockError::WouldBlock) => return None,
        };
        if slot.closed {
            return None;
        }
        if slot.conn.is_none() {
            if slot.failed_at.is_some_and(|t| t.elapsed() < REOPEN_AFTER) {
                return None;
            }
            match self.open() {
                Ok(conn) => {
                    slot.failed_at = None;
                    slot.conn = Some(conn);
                }
                Err(e) => {
                    slot.failed_at = Some(Instant::now());
                    tracing::warn!(error = %e, "could not open the direct SQLite connection; statements use the pool");
                    return None;
                }
            }
        }
        let conn = slot.conn.as_ref()?;
        match f(conn) {
            Ok(v) => Some(v),
            // A lock met outside a transaction: the connection is as it was.
            Err(e) if is_lock(&e) && conn.is_autocommit() => None,
            Err(e) => {
                tracing::warn!(error = %e, "the direct SQLite connection failed; the statement runs on the pool and the connection opens again");
                slot.conn = None;
                None
            }
        }
    }

    /// Run the write `insert` (no `RETURNING`) and, when it changed a row, the read `then` with its rows handed to
    /// `f`, in one transaction that takes the write lock first (`BEGIN IMMEDIATE`) and is committed before this
    /// answers (a commit error is the call's error, and any error rolls the transaction back). Some(None) when
    /// the insert changed no row. One transaction where a `RETURNING` of the read would have SQLite fill a
    /// temporary table of its own for each call.
    pub(crate) fn insert_then_read<T>(
        &self,
        insert: &str,
        params: &Params<'_>,
        then: &str,
        then_params: &Params<'_>,
        f: impl FnOnce(&mut rusqlite::Rows<'_>) -> rusqlite::Result<T>,
    ) -> Option<Option<T>> {
        self.with(|conn| {
            conn.prepare_cached("BEGIN IMMEDIATE")?.execute([])?;
            let done = (|| {
                let read = if conn.prepare_cached(insert)?.execute(params)? > 0 {
                    let mut stmt = conn.prepare_cached(then)?;
                    let mut rows = stmt.query(then_params)?;
                    Some(f(&mut rows)?)
                } else {
                    None
                };
                conn.prepare_cached("COMMIT")?.execute([])?;
                Ok(read)
            })();
            if done.is_err() && !conn.is_autocommit() {
                // Its own error, if any, leaves the transaction open: `with` then drops the connection.
                let _ = conn.execute_batch("ROLLBACK");
            }
            done
        })
    }

    /// Run the read `sql` and hand its rows to `f`.
    pub(crate) fn read<T>(
        &self,
        sql: &str,
        params: &Params<'_>,
        f: impl FnOnce(&mut rusqlite::Rows<'_>) -> rusqlite::Result<T>,
    ) -> Option<T> {
        self.with(|conn| {
            let mut stmt = conn.prepare_cached(sql)?;
            let mut rows = stmt.query(params)?;
            f(&mut rows)
        })
    }

    /// A new read-only connection to the same file, for a long read on a blocking thread ([`super::bulk`]): not
    /// this one, which a `/screen` must never wait for. It waits for another writer's lock as the pool's
    /// connections do. An error when the store is closed.
    pub(crate) fn reader(&self) -> rusqlite::Result<Connection> {
        if self.slot.lock().unwrap_or_else(|p| p.into_inner()).closed {
            return Err(rusqlite::Error::SqliteFailure(
                rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_MISUSE),
                Some("the store is closed".into()),
            ));
        }
        let conn = Connection::open_with_flags(
            &self.path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        conn.busy_timeout(super::SQLITE_BUSY_TIMEOUT)?;
        conn.execute_batch(SQLITE_EVERY_CONNECTION)?;
        Ok(conn)
    }

    /// Close the connection for good (the store is closing).
    pub(crate) fn close(&self) {
        let mut slot = self.slot.lock().unwrap_or_else(|p| p.into_inner());
        slot.closed = true;
        slot.conn = None;
    }
}

/// Whether a failure is another connection's lock (`SQLITE_BUSY`, `SQLITE_LOCKED`): the connection is fine.
fn is_lock(e: &rusqlite::Error) -> bool {
    matches!(
        e.sqlite_error_code(),
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked)
    )
}

#[cfg(test)]
mod tests {
    /// The pragmas each connection runs with, read back from SQLite: the pool's (the store's usual ones) and the
    /// direct connection's (the same foreign keys; no busy timeout, no checkpoint, commits not waiting for the disk).
    #[tokio::test]
    async fn the_direct_connection_differs_from_the_pools_only_as_documented() {
        let (_dir, store, url) = super::super::tests::on_a_temp_file().await;
        let pool = |pragma: &'static str| {
            let store = &store;
            async move {
                sqlx::query_scalar::<_, i64>(pragma)
                    .fetch_one(store.pool())
                    .await
                    .unwrap()
            }
        };
        assert_eq!(pool("PRAGMA foreign_keys").await, 1);
        assert_eq!(pool("PRAGMA busy_timeout").await, 15_000);
        assert_eq!(pool("PRAGMA wal_autocheckpoint").await, 1_000);
        store.close().await;
        let direct = super::Direct::sqlite(&url).unwrap();
        let read = |pragma: &str| {
            direct
                .read(pragma, &[], |rows| {
                    rows.next()?.map_or(Ok(-1), |r| r.get::<_, i64>(0))
                })
                .unwrap()
        };
        assert_eq!(read("PRAGMA foreign_keys"), 1);
        assert_eq!(read("PRAGMA busy_timeout"), 0);
        assert_eq!(read("PRAGMA wal_autocheckpoint"), 0);
        // NORMAL
        assert_eq!(read("PRAGMA synchronous"), 1);
        // The bundled SQLite is built as .cargo/config.toml says: no memory statistics, no global page cache.
        let options = direct
            .read("PRAGMA compile_options", &[], |rows| {
                let mut all = Vec::new();
                while let Some(row) = rows.next()? {
                    all.push(row.get::<_, String>(0)?);
                }
                Ok(all)
            })
            .unwrap();
        assert!(
            options.iter().any(|o| o == "DEFAULT_MEMSTATUS=0"),
            "{options:?}"
        );
        assert!(
            !options.iter().any(|o| o == "ENABLE_MEMORY_MANAGEMENT"),
            "{options:?}"
        );
    }

    /// `insert_then_read`: the read's rows when the insert changed a row, None for a repeat; a failed read rolls
    /// the insert back (nothing taken), and the connection is left outside any transaction, ready for the next.
    #[tokio::test]
    async fn an_insert_and_its_read_commit_together_or_not_at_all() {
        let (_dir, store, url) = super::super::tests::on_a_temp_file().await;
        store.close().await;
        let direct = super::Direct::sqlite(&url).unwrap();
        let count = |key: &str| {
            direct
                .read(
                    "SELECT COUNT(*) FROM delivered_events WHERE event_key = $1",
                    &[("$1", &key)],
                    |rows| rows.next()?.map_or(Ok(-1), |r| r.get::<_, i64>(0)),
                )
                .unwrap()
        };
        let insert = super::super::delivered::INSERT_SQL;
        let read_two =
            |rows: &mut rusqlite::Rows<'_>| rows.next()?.map_or(Ok(-1), |r| r.get::<_, i64>(0));
        let take = |key: &str, then: &str| {
            direct.insert_then_read(
                insert,
                &[
                    ("$1", &key),
                    ("$2", &"1"),
                    ("$3", &"2026-12-06T00:00:00Z"),
                    ("$4", &"test:0"),
                ],
                then,
                &[],
                read_two,
            )
        };
        assert_eq!(take("a", "SELECT 2"), Some(Some(2)));
        assert_eq!(take("a", "SELECT 2"), Some(None));
        assert_eq!(count("a"), 1);
        // The read fails (no such table) after the insert: nothing is taken, and the call says it could not.
        assert_eq!(take("b", "SELECT n FROM no_such_table"), None);
        assert_eq!(count("b"), 0);
        assert_eq!(take("b", "SELECT 2"), Some(Some(2)));
        assert_eq!(count("b"), 1);
        direct.close();
    }
}
