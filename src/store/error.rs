//! How the store fails: [`StoreError`], with the failures an operator or a user can act on told apart from
//! the rest — a full disk, an unwritable file, a lock another process held too long, a database that is away —
//! from SQLite's result codes and PostgreSQL's SQLSTATEs, so the app can say what happened instead of
//! apologising, and the scheduler can tell a write worth trying again from a bad query.

/// A failure of the store.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A unique constraint refused the write; the payload names the constraint's table.
    #[error("already exists ({0})")]
    Conflict(String),
    #[error("stored data is invalid: {0}")]
    Corrupt(String),
    /// The disk is full (SQLite's SQLITE_FULL, PostgreSQL's `disk_full`): the write was not committed.
    #[error("the database is full: {0}")]
    Full(#[source] sqlx::Error),
    /// The database file cannot be written (SQLite's SQLITE_READONLY or SQLITE_IOERR, PostgreSQL's
    /// `read_only_sql_transaction`): the write was not committed.
    #[error("the database cannot be written: {0}")]
    Unwritable(#[source] sqlx::Error),
    /// Another connection held SQLite's lock for longer than the busy timeout (SQLite's SQLITE_BUSY or
    /// SQLITE_LOCKED, "database is locked"), or a PostgreSQL row lock was not granted within
    /// `super::PG_LOCK_TIMEOUT` (`lock_not_available`: an import of the workspace holds it): the statement gave
    /// up, and nothing of it was committed.
    #[error("the database is busy: {0}")]
    Busy(#[source] sqlx::Error),
    #[error(transparent)]
    Db(sqlx::Error),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// The database server could not be reached at start, or was not taking connections yet (refused, no
    /// answer in time, starting up, too many clients): it may pass. The message names the host, never a
    /// password.
    #[error("{0}")]
    Unreachable(String),
    /// The database server answered at start and refused the connection for good (a wrong password, a missing
    /// database, a TLS setting it does not support): the URL or the server's set-up is to be fixed. The message
    /// names the host, never a password.
    #[error("{0}")]
    Refused(String),
}

impl From<sqlx::Error> for StoreError {
    /// A full disk and an unwritable file are told apart from other failures: they are the operator's to fix,
    /// and the user is told so. So is a SQLite lock that another connection held past the busy timeout: it
    /// passes, and the user is told to try again.
    fn from(e: sqlx::Error) -> StoreError {
        let sqlx::Error::Database(db) = &e else {
            return StoreError::Db(e);
        };
        if db.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some() {
            // The extended result code; its low byte is the primary code.
            match db
                .code()
                .and_then(|c| c.parse::<i32>().ok())
                .map(|c| c & 0xff)
            {
                Some(SQLITE_FULL) => StoreError::Full(e),
                Some(SQLITE_READONLY | SQLITE_IOERR) => StoreError::Unwritable(e),
                Some(SQLITE_BUSY | SQLITE_LOCKED) => StoreError::Busy(e),
                _ => StoreError::Db(e),
            }
        } else {
            match db.code().as_deref() {
                Some(PG_DISK_FULL) => StoreError::Full(e),
                Some(PG_READ_ONLY_TRANSACTION) => StoreError::Unwritable(e),
                Some(PG_LOCK_NOT_AVAILABLE) => StoreError::Busy(e),
                _ => StoreError::Db(e),
            }
        }
    }
}

/// SQLite's primary result codes (sqlite.org/rescode.html).
const SQLITE_BUSY: i32 = 5;
const SQLITE_LOCKED: i32 = 6;
const SQLITE_READONLY: i32 = 8;
const SQLITE_IOERR: i32 = 10;
const SQLITE_FULL: i32 = 13;
/// PostgreSQL's SQLSTATEs (class 53 "insufficient resources", class 25 "invalid transaction state").
const PG_DISK_FULL: &str = "53100";
const PG_READ_ONLY_TRANSACTION: &str = "25006";
/// A lock not granted within the transaction's `lock_timeout` (`super::PG_LOCK_TIMEOUT`; class 55 "object not
/// in prerequisite state").
pub(crate) const PG_LOCK_NOT_AVAILABLE: &str = "55P03";

impl StoreError {
    /// Map a unique violation to [`StoreError::Conflict`].
    pub(crate) fn from_write(e: sqlx::Error, what: &str) -> StoreError {
        match &e {
            sqlx::Error::Database(db) if db.is_unique_violation() => {
                StoreError::Conflict(what.into())
            }
            _ => StoreError::from(e),
        }
    }
    /// The database could not store a write (a full disk, an unwritable file, a lock another process held past
    /// the busy timeout): nothing was committed, and the same write may succeed later.
    pub fn is_unstorable(&self) -> bool {
        matches!(
            self,
            StoreError::Full(_) | StoreError::Unwritable(_) | StoreError::Busy(_)
        )
    }
    /// A connection-level failure (the database went away), as opposed to a bad query.
    pub fn is_unavailable(&self) -> bool {
        match self {
            StoreError::Unreachable(_) => true,
            StoreError::Db(
                sqlx::Error::Io(_)
                | sqlx::Error::PoolTimedOut
                | sqlx::Error::PoolClosed
                | sqlx::Error::Tls(_),
            ) => true,
            // PostgreSQL: connection exceptions (08…) and shutdowns (57P01 admin, 57P02 crash, 57P03 starting).
            StoreError::Db(sqlx::Error::Database(db)) => db
                .code()
                .is_some_and(|c| c.starts_with("08") || matches!(&*c, "57P01" | "57P02" | "57P03")),
            _ => false,
        }
    }
}

pub type Result<T> = std::result::Result<T, StoreError>;

/// Whether an error says the connection is gone rather than the statement failed: nothing was read, and a read
/// may run again on another connection. PostgreSQL's `08…` (connection exception) and `57P01`–`57P03`
/// (the server shutting down or starting) count; so do I/O, TLS and protocol errors and a crashed SQLite
/// worker thread.
pub(crate) fn connection_lost(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::Protocol(_)
        | sqlx::Error::WorkerCrashed => true,
        sqlx::Error::Database(d) => d
            .code()
            .is_some_and(|c| c.starts_with("08") || matches!(&*c, "57P01" | "57P02" | "57P03")),
        _ => false,
    }
}
