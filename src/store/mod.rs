//! The database: the only module with SQL. One [`Store`] over an sqlx `Any` pool picks SQLite (embedded, the
//! default) or PostgreSQL from the URL; queries use portable SQL with `$n` parameters, and migrations for each
//! backend live in `migrations/<backend>/`. Multi-row writes run in transactions; uniqueness is enforced by
//! constraints, never by check-then-insert. Every write runs to its end before it is answered ([`write`]), so a
//! write that could not be committed (a full disk) is an error, never an acknowledgement.

/// `$query()`'s `$fetch` (`fetch_one`, `fetch_optional`) on `$store`'s kept connection when it is free, else
/// on a pooled one, and once more on a pooled one when the kept connection was lost under it
/// ([`ReadConn::lost_after`]): the interactive reads' one way to the database. (A macro: a closure that
/// builds the statement again cannot be passed to a generic function whose future borrows the connection.)
macro_rules! read_kept {
    ($store:expr, $query:ident, $fetch:ident) => {{
        let mut conn = $store.read_conn().await?;
        match $query().$fetch(conn.conn()).await {
            Err(e) if conn.lost_after(&e) => {
                drop(conn);
                $query().$fetch($store.pool()).await?
            }
            r => r?,
        }
    }};
}

mod allocations;
mod bulk;
mod codec;
mod delivered;
mod direct;
mod error;
mod evidence;
mod export;
mod migrate_lock;
mod name_facts;
mod outcomes;
mod partners;
mod pg_bulk;
mod profiles;
mod rechecks;
mod schedules;
mod screen_facts;
mod seed;
mod send_pace;
mod settings;
mod side_conn;
mod transfer;
mod workspaces;
mod write;

pub use allocations::*;
pub(crate) use codec::{day, get, opt_day, opt_ts, parse_col};
pub use codec::{parse_ts, ts};
pub use delivered::Held;
pub(crate) use error::connection_lost;
pub use error::{Result, StoreError};
pub use evidence::*;
pub use export::*;
pub use name_facts::*;
pub use outcomes::*;
pub use partners::*;
pub use profiles::*;
pub use rechecks::*;
pub use schedules::*;
pub use screen_facts::ScreenFacts;
pub use send_pace::AHEAD_AT_MOST;
pub use settings::*;
pub use transfer::*;

use sqlx::any::AnyPoolOptions;
use sqlx::{AnyPool, Connection, Executor, Row};
use std::time::Duration;

// FLOAT_NULLS: a query that binds an `Option<f64>` is not kept as a prepared statement
// (`.persistent(false)`): sqlx 0.9's Any driver sends a NULL `f64` to PostgreSQL as a `float4` parameter,
// so a statement first prepared with a NULL there would declare `float4` for good, and a later 8-byte
// value fails with "incorrect binary data format in bind parameter". Unnamed statements declare their
// parameter types on every execution.

/// How far a database's migrations are, against the ones this binary carries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationStatus {
    /// The newest migration applied (version, description); None when none is.
    pub applied: Option<(i64, String)>,
    /// This binary's migrations the database lacks, oldest first.
    pub missing: Vec<(i64, String)>,
    /// This binary's newest migration.
    pub latest: Option<(i64, String)>,
}

/// Which database engine the URL picked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    /// The backend of a database URL, or an error naming the schemes we know.
    pub fn of_url(url: &str) -> std::result::Result<Backend, String> {
        let scheme = url
            .split(':')
            .next()
            .unwrap_or_default()
            .to_ascii_lowercase();
        match scheme.as_str() {
            // Without a file name SQLite opens a private temporary database per connection: every connection
            // of the pool would see an empty one of its own.
            "sqlite" if sqlite_file_is_empty(url) => Err(
                "the SQLite URL names no file: use sqlite://FILE (e.g. sqlite://partnerfit.db), or sqlite::memory:"
                    .to_string(),
            ),
            "sqlite" => Ok(Backend::Sqlite),
            "postgres" | "postgresql" => Ok(Backend::Postgres),
            _ => Err(format!(
                "unknown database URL scheme `{}`: use sqlite://FILE or postgres://USER@HOST/DB",
                crate::domain::snippet(&scheme)
            )),
        }
    }
}

/// Whether a `sqlite:` URL names no file (and no in-memory database): `sqlite:`, `sqlite://`, `sqlite://?…`.
fn sqlite_file_is_empty(url: &str) -> bool {
    let rest = url.get("sqlite:".len()..).unwrap_or_default();
    let rest = rest.strip_prefix("//").unwrap_or(rest);
    let path = rest.split('?').next().unwrap_or_default();
    path.is_empty() && !url.contains("mode=memory")
}

/// How long the first connection to PostgreSQL may take at start.
const PG_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a query waits for a pooled PostgreSQL connection (including reconnecting) before it fails:
/// short, so that a command answers its apology within Discord's 3 seconds while the database is away.
pub(super) const PG_ACQUIRE_TIMEOUT: Duration = Duration::from_secs(2);

/// `host:port` of a PostgreSQL URL (credentials left out), for messages.
pub fn pg_host(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    let authority = rest.split(['/', '?']).next().unwrap_or(rest);
    let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let host = if host.is_empty() { "localhost" } else { host };
    if host.contains(':') && !host.ends_with(']') {
        host.to_string()
    } else {
        format!("{host}:5432")
    }
}

/// Whether a failed first connection to PostgreSQL may pass by itself: the server away or not answering (an
/// I/O error: refused, reset, no route, a name not resolved), or answering that it cannot take the connection
/// yet (SQLSTATE class 08, `57P03` starting up, `53300` too many clients). A wrong password, a missing
/// database or a TLS mismatch will not: the URL or the server's set-up has to change.
fn connect_may_pass(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Io(_) | sqlx::Error::PoolTimedOut => true,
        sqlx::Error::Database(db) => db
            .code()
            .is_some_and(|c| c.starts_with("08") || matches!(&*c, "57P03" | "53300")),
        _ => false,
    }
}

/// The database handle shared by every part of the bot.
#[derive(Debug, Clone)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    /// One connection kept out of the pool for the interactive reads (`/screen`, autocomplete, name search).
    /// sqlx's pool checks a connection when it hands it out and again when it takes it back: on SQLite a
    /// round trip to its worker thread each, on PostgreSQL a round trip to the server each (three where one
    /// would do). A kept connection answers without them (BENCHMARKS.md). While it is busy, a read takes a
    /// pooled connection, so reads never queue for it. When it fails with a connection-level error (the
    /// server restarted, the network dropped it), the read runs once more on a pooled connection, which the
    /// pool checks before handing it out, and the kept one is connected again before its next use: a restart
    /// of the server costs no failed read.
    kept: Option<std::sync::Arc<KeptConn>>,
    /// On a SQLite file, the connection that takes event ids without waiting for the disk
    /// ([`delivered`], [`side_conn`]).
    claims: Option<std::sync::Arc<side_conn::SideConn>>,
    /// Except on an in-memory SQLite database, the connection that reserves the bot's send slots
    /// ([`send_pace`]).
    pace: Option<std::sync::Arc<side_conn::SideConn>>,
    /// On a SQLite file, the connection that takes event ids and runs the screen reads on the calling thread,
    /// without a hand-off to a worker thread ([`direct`]).
    direct: Option<std::sync::Arc<direct::Direct>>,
    /// On PostgreSQL, what the evidence cache's first loads open their own connection with ([`pg_bulk`]).
    pg_bulk: Option<std::sync::Arc<pg_bulk::PgBulk>>,
    /// This process's id, the first part of the owner token of each delivery it takes an event id for
    /// ([`delivered`]): 128 random bits in hex, drawn when the store is connected (its clones share it).
    owner: std::sync::Arc<str>,
    /// The number of the next delivery this process takes an event id for: with [`Store::owner`], each
    /// delivery's own owner token ([`Store::next_event_owner`]; shared by the clones).
    deliveries: std::sync::Arc<std::sync::atomic::AtomicU64>,
}

struct KeptConn {
    /// None once the store is closed, or after the connection was lost (until it is connected again).
    conn: tokio::sync::Mutex<Option<sqlx::AnyConnection>>,
    /// Set after a connection-level error: the next read connects again first.
    lost: std::sync::atomic::AtomicBool,
    /// Set when the store is closed: never connect again.
    closed: std::sync::atomic::AtomicBool,
    /// When connecting again last failed: not tried again for [`KEPT_RETRY_AFTER`] (reads use the pool).
    failed_at: std::sync::Mutex<Option<std::time::Instant>>,
    /// The URL to connect again with (it may hold a password: never shown, so no `Debug` of it).
    url: String,
}

impl std::fmt::Debug for KeptConn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KeptConn")
            .field("lost", &self.lost)
            .field("closed", &self.closed)
            .finish_non_exhaustive()
    }
}

/// How long the kept connection is not connected again after connecting failed.
const KEPT_RETRY_AFTER: Duration = Duration::from_secs(1);
/// How long connecting the kept connection again may take before the read uses the pool instead.
const KEPT_CONNECT_TIMEOUT: Duration = Duration::from_millis(500);

impl KeptConn {
    async fn connect(url: &str) -> std::result::Result<sqlx::AnyConnection, sqlx::Error> {
        let mut conn = sqlx::AnyConnection::connect(url).await?;
        if url.starts_with("sqlite:") {
            sqlite_pragmas(&mut conn).await?;
        }
        Ok(conn)
    }

    /// Connect again after the connection was lost, unless the store is closed or the last try failed a
    /// moment ago; a failure leaves it to the pool.
    async fn reconnect(&self, slot: &mut Option<sqlx::AnyConnection>) {
        use std::sync::atomic::Ordering::Relaxed;
        if self.lost.swap(false, Relaxed) {
            // Dropped, not closed: a lost connection cannot say goodbye.
            slot.take();
        }
        if slot.is_some() || self.closed.load(Relaxed) {
            return;
        }
        let failed_at = || self.failed_at.lock().unwrap_or_else(|p| p.into_inner());
        if failed_at().is_some_and(|t| t.elapsed() < KEPT_RETRY_AFTER) {
            return;
        }
        match tokio::time::timeout(KEPT_CONNECT_TIMEOUT, KeptConn::connect(&self.url)).await {
            Ok(Ok(conn)) => {
                *failed_at() = None;
                *slot = Some(conn);
                tracing::info!("the kept database connection is connected again");
            }
            Ok(Err(e)) => {
                *failed_at() = Some(std::time::Instant::now());
                tracing::warn!(error = %e, "the kept database connection could not connect again; reads use the pool");
            }
            Err(_) => {
                *failed_at() = Some(std::time::Instant::now());
                tracing::warn!("the kept database connection did not connect again in time; reads use the pool");
            }
        }
    }
}

/// A connection for one interactive read: the kept one, or one from the pool.
enum ReadConn<'a> {
    Kept(
        tokio::sync::MappedMutexGuard<'a, sqlx::AnyConnection>,
        &'a std::sync::atomic::AtomicBool,
    ),
    Pooled(sqlx::pool::PoolConnection<sqlx::Any>),
}

impl ReadConn<'_> {
    fn conn(&mut self) -> &mut sqlx::AnyConnection {
        match self {
            ReadConn::Kept(conn, _) => conn,
            ReadConn::Pooled(conn) => conn,
        }
    }

    /// Whether a failed read is to run once more on a pooled connection: it failed on the kept connection
    /// with a connection-level error (then the kept connection is connected again before its next use).
    #[must_use]
    fn lost_after(&self, e: &sqlx::Error) -> bool {
        let ReadConn::Kept(_, lost) = self else {
            return false;
        };
        if !connection_lost(e) {
            return false;
        }
        tracing::warn!(error = %e, "the kept database connection failed; the read runs again on a pooled one");
        lost.store(true, std::sync::atomic::Ordering::Relaxed);
        true
    }
}

impl Store {
    /// Connect (creating a SQLite file when missing) and apply pending migrations: on a SQLite file, one
    /// process at a time, under the lock of `store/migrate_lock.rs` (processes started together on a new
    /// file would otherwise both set it up, and one fail).
    #[tracing::instrument(skip_all, fields(backend))]
    pub async fn open(url: &str) -> Result<Store> {
        let _lock = match Backend::of_url(url) {
            Ok(Backend::Sqlite) => {
                migrate_lock::MigrateLock::acquire(migrate_lock::sqlite_file(url).as_deref()).await
            }
            _ => migrate_lock::MigrateLock::none(),
        };
        let store = Store::connect(url).await?;
        store.migrate_unlocked().await?;
        Ok(store)
    }

    /// Connect without migrating.
    pub async fn connect(url: &str) -> Result<Store> {
        sqlx::any::install_default_drivers();
        let backend = Backend::of_url(url).map_err(StoreError::Corrupt)?;
        tracing::Span::current().record("backend", format!("{backend:?}"));
        let (url, checked) = match backend {
            Backend::Sqlite => (sqlite_url_with_create(url), None),
            Backend::Postgres => {
                // One direct connection first: its error says what is wrong (refused, unknown host, bad
                // password, no such database), where the pool would only report a timeout. It becomes the
                // kept connection of the interactive reads.
                let host = pg_host(url);
                let conn = match tokio::time::timeout(
                    PG_CONNECT_TIMEOUT,
                    sqlx::AnyConnection::connect(url),
                )
                .await
                {
                    Ok(Ok(conn)) => conn,
                    Ok(Err(e)) => {
                        let hint = match &e {
                            sqlx::Error::Io(_) => " — is PostgreSQL running and listening there?",
                            _ => "",
                        };
                        let message = format!("cannot connect to PostgreSQL at {host}: {e}{hint}");
                        return Err(if connect_may_pass(&e) {
                            StoreError::Unreachable(message)
                        } else {
                            StoreError::Refused(message)
                        });
                    }
                    Err(_) => {
                        return Err(StoreError::Unreachable(format!(
                            "cannot connect to PostgreSQL at {host}: no answer within {} s",
                            PG_CONNECT_TIMEOUT.as_secs()
                        )))
                    }
                };
                (url.to_string(), Some(conn))
            }
        };
        // Each connection to `sqlite::memory:` opens its own empty database: an in-memory store is one
        // connection, kept for the life of the pool (closing it would drop the data).
        let in_memory = backend == Backend::Sqlite && url.contains(":memory:");
        let options = AnyPoolOptions::new()
            .max_connections(match backend {
                Backend::Sqlite if in_memory => 1,
                Backend::Sqlite => 4,
                Backend::Postgres => 8,
            })
            .acquire_timeout(match backend {
                Backend::Sqlite => Duration::from_secs(10),
                Backend::Postgres => PG_ACQUIRE_TIMEOUT,
            });
        let options = if in_memory {
            options
                .min_connections(1)
                .idle_timeout(None)
                .max_lifetime(None)
        } else {
            options
        };
        let options = if backend == Backend::Sqlite {
            // An embedded connection cannot drop the way a network one can: no check on every hand-out.
            options
                .test_before_acquire(false)
                .after_connect(|conn, _meta| Box::pin(sqlite_pragmas(conn)))
        } else {
            options
        };
        let pool = options.connect(&url).await?;
        if backend == Backend::Sqlite {
            // WAL is a property of the file: readers never block the writer.
            sqlx::query("PRAGMA journal_mode = WAL")
                .fetch_optional(&pool)
                .await?;
        }
        let claims = (backend == Backend::Sqlite && !in_memory)
            .then(|| std::sync::Arc::new(side_conn::SideConn::new(&url, delivered::CLAIMS_SETUP)));
        let pace = (!in_memory)
            .then(|| std::sync::Arc::new(side_conn::SideConn::new(&url, send_pace::PACE_SETUP)));
        let direct = match backend {
            Backend::Sqlite => direct::Direct::sqlite(&url).map(std::sync::Arc::new),
            Backend::Postgres => None,
        };
        let pg_bulk = match backend {
            Backend::Postgres => pg_bulk::PgBulk::new(&url).map(std::sync::Arc::new),
            Backend::Sqlite => None,
        };
        let kept = if !in_memory {
            let conn = match checked {
                Some(conn) => conn,
                None => KeptConn::connect(&url).await?,
            };
            Some(std::sync::Arc::new(KeptConn {
                conn: tokio::sync::Mutex::new(Some(conn)),
                lost: Default::default(),
                closed: Default::default(),
                failed_at: Default::default(),
                url,
            }))
        } else {
            None
        };
        Ok(Store {
            pool,
            backend,
            kept,
            claims,
            pace,
            direct,
            pg_bulk,
            owner: format!("{:032x}", rand::random::<u128>()).into(),
            deliveries: Default::default(),
        })
    }

    /// A connection for an interactive read: the kept one when it is free, else a pooled one.
    async fn read_conn(&self) -> Result<ReadConn<'_>> {
        if let Some(kept) = &self.kept {
            if let Ok(mut guard) = kept.conn.try_lock() {
                kept.reconnect(&mut guard).await;
                if let Ok(conn) = tokio::sync::MutexGuard::try_map(guard, Option::as_mut) {
                    return Ok(ReadConn::Kept(conn, &kept.lost));
                }
            }
        }
        Ok(ReadConn::Pooled(self.pool.acquire().await?))
    }

    /// Connect to a database that exists, without migrating: unlike [`Store::connect`], a missing SQLite file
    /// is an error, not a new empty database (for `partnerfit doctor`, which changes nothing).
    pub async fn connect_existing(url: &str) -> Result<Store> {
        let url = match Backend::of_url(url) {
            Ok(Backend::Sqlite) if !url.contains("mode=") => {
                let sep = if url.contains('?') { '&' } else { '?' };
                format!("{url}{sep}mode=rw")
            }
            _ => url.to_string(),
        };
        Store::connect(&url).await
    }

    /// The migrations this binary carries for the backend.
    fn migrator(&self) -> sqlx::migrate::Migrator {
        match self.backend {
            Backend::Sqlite => sqlx::migrate!("./migrations/sqlite"),
            Backend::Postgres => sqlx::migrate!("./migrations/postgres"),
        }
    }

    /// Which of this binary's migrations the database has, read without applying any.
    #[tracing::instrument(skip_all)]
    pub async fn migration_status(&self) -> Result<MigrationStatus> {
        let known: Vec<(i64, String)> = self
            .migrator()
            .iter()
            .filter(|m| m.migration_type.is_up_migration())
            .map(|m| (m.version, m.description.to_string()))
            .collect();
        let applied: Vec<i64> = match sqlx::query_scalar(
            "SELECT version FROM _sqlx_migrations WHERE success ORDER BY version",
        )
        .fetch_all(self.pool())
        .await
        {
            Ok(v) => v,
            // No migrations table: nothing was ever applied.
            Err(sqlx::Error::Database(_)) => Vec::new(),
            Err(e) => return Err(e.into()),
        };
        let newest = applied.iter().max().copied();
        Ok(MigrationStatus {
            applied: newest.map(|v| {
                let d = known.iter().find(|(k, _)| *k == v).map(|(_, d)| d.clone());
                (v, d.unwrap_or_default())
            }),
            missing: known
                .iter()
                .filter(|(v, _)| !applied.contains(v))
                .cloned()
                .collect(),
            latest: known.last().cloned(),
        })
    }

    /// Apply pending migrations of this backend, one process at a time: on a SQLite file under the lock of
    /// `store/migrate_lock.rs`, on PostgreSQL under the advisory lock sqlx's migrator takes there.
    pub async fn migrate(&self) -> Result<()> {
        let _lock = match self.backend {
            Backend::Sqlite => {
                let file: String =
                    sqlx::query_scalar("SELECT file FROM pragma_database_list WHERE name = 'main'")
                        .fetch_one(&self.pool)
                        .await?;
                let file = (!file.is_empty()).then(|| std::path::PathBuf::from(file));
                migrate_lock::MigrateLock::acquire(file.as_deref()).await
            }
            Backend::Postgres => migrate_lock::MigrateLock::none(),
        };
        self.migrate_unlocked().await
    }

    /// [`Store::migrate`] under the lock the caller holds (the name keys' one-time update included).
    #[tracing::instrument(name = "migrate", skip_all)]
    async fn migrate_unlocked(&self) -> Result<()> {
        self.migrator().run(&self.pool).await?;
        self.rekey_names().await?;
        Ok(())
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// A transaction for a command that reads a partner's data and writes on what it read (`/log`'s weekly
    /// limits, a rename): every other such transaction of the partner waits for it. On SQLite it holds the write
    /// lock from its start (`BEGIN IMMEDIATE`); on PostgreSQL it first locks the partner's row with `lock`
    /// (`FOR UPDATE` or `FOR NO KEY UPDATE`), waiting at most [`PG_LOCK_TIMEOUT`] (an import holds the rows). A
    /// partner that is gone locks nothing: the write then fails on its own.
    pub(crate) async fn begin_for_partner(
        &self,
        ws: &str,
        partner_id: i64,
        lock: RowLock,
    ) -> Result<sqlx::Transaction<'static, sqlx::Any>> {
        Ok(match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await?,
            Backend::Postgres => {
                let mut tx = self.pool.begin().await?;
                sqlx::query(PG_LOCK_TIMEOUT).execute(&mut *tx).await?;
                let sql = match lock {
                    RowLock::ForUpdate => {
                        "SELECT id FROM partners WHERE workspace_id = $1 AND id = $2 FOR UPDATE"
                    }
                    RowLock::ForNoKeyUpdate => {
                        "SELECT id FROM partners WHERE workspace_id = $1 AND id = $2 FOR NO KEY UPDATE"
                    }
                };
                sqlx::query(sql)
                    .bind(ws)
                    .bind(partner_id)
                    .fetch_optional(&mut *tx)
                    .await?;
                tx
            }
        })
    }

    /// Whether the database answers a trivial query (the readiness check): one row of a table, so that on
    /// SQLite the file is read (a read transaction checks the WAL and reads what changed); `SELECT 1` alone never
    /// touches the file and succeeds on a failing disk.
    pub async fn ping(&self) -> Result<()> {
        sqlx::query("SELECT 1 FROM _sqlx_migrations LIMIT 1")
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The pool's connections: (idle, busy).
    pub fn pool_connections(&self) -> (usize, usize) {
        let size = self.pool.size() as usize;
        let idle = self.pool.num_idle().min(size);
        (idle, size - idle)
    }

    pub async fn close(&self) {
        // First: the last connection to close checkpoints the WAL, which is not this one's to do.
        if let Some(direct) = &self.direct {
            direct.close();
        }
        if let Some(pg_bulk) = &self.pg_bulk {
            pg_bulk.close();
        }
        if let Some(kept) = &self.kept {
            kept.closed
                .store(true, std::sync::atomic::Ordering::Relaxed);
            if let Some(conn) = kept.conn.lock().await.take() {
                let _ = conn.close().await;
            }
        }
        if let Some(claims) = &self.claims {
            claims.close().await;
        }
        if let Some(pace) = &self.pace {
            pace.close().await;
        }
        self.pool.close().await;
    }
}

/// What every SQLite connection of the store sets, whichever it is (the pool's, the kept and side connections,
/// and [`direct`]'s): enforce foreign keys.
pub(crate) const SQLITE_EVERY_CONNECTION: &str = "PRAGMA foreign_keys = ON";
/// How long a SQLite connection waits for another writer's lock before failing: every connection but
/// [`direct`]'s, which waits for none (it runs on the calling task's thread; see its doc).
pub(crate) const SQLITE_BUSY_TIMEOUT: Duration = Duration::from_secs(15);
/// What a PostgreSQL transaction that locks a partner's row for a command (`/log`, a rename) runs first: the
/// lock is waited for at most a second. An import of the workspace holds every partner row until it commits;
/// past the second the statement gives up ([`StoreError::Busy`]: the user is told the database is busy and
/// nothing was recorded), inside Discord's three seconds, instead of holding a pool connection until the
/// import ends.
/// How [`Store::begin_for_partner`] locks the partner's row on PostgreSQL.
#[derive(Debug, Clone, Copy)]
pub(crate) enum RowLock {
    /// For a write of the row's key columns (a rename changes `name_key`).
    ForUpdate,
    /// For writes that only point at the row (an allocation's foreign key).
    ForNoKeyUpdate,
}

pub(crate) const PG_LOCK_TIMEOUT: &str = "SET LOCAL lock_timeout = '1s'";
/// Commits that do not wait for the disk: on the SQLite connections that take event ids ([`delivered`] says
/// why that is safe) and reserve send slots ([`send_pace`]), and on [`direct`]'s.
pub(crate) const SQLITE_NO_DISK_WAIT: &str = "PRAGMA synchronous = NORMAL";

/// What every SQLite connection but [`direct`]'s sets: [`SQLITE_EVERY_CONNECTION`], and wait for a writer up to
/// [`SQLITE_BUSY_TIMEOUT`] instead of failing at once.
async fn sqlite_pragmas(conn: &mut sqlx::AnyConnection) -> std::result::Result<(), sqlx::Error> {
    static PRAGMAS: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        format!(
            "{SQLITE_EVERY_CONNECTION}; PRAGMA busy_timeout = {};",
            SQLITE_BUSY_TIMEOUT.as_millis()
        )
    });
    conn.execute(sqlx::AssertSqlSafe(PRAGMAS.as_str())).await?;
    Ok(())
}

/// `sqlite://file.db` opens read-write and creates the file when missing (`mode=rwc`), unless a mode is given.
fn sqlite_url_with_create(url: &str) -> String {
    if url.contains("mode=") || url.contains(":memory:") {
        url.to_string()
    } else if url.contains('?') {
        format!("{url}&mode=rwc")
    } else {
        format!("{url}?mode=rwc")
    }
}

impl Store {
    /// Every row of every table (of one workspace, or of all), in a stable order, as text: tests compare it
    /// before and after a refused command to prove nothing changed.
    pub async fn snapshot(&self, workspace: Option<&str>) -> Result<String> {
        const TABLES: &[(&str, &str)] = &[
            ("workspace_settings", "workspace_id"),
            ("profiles", "id"),
            ("profile_revisions", "profile_id, revision"),
            ("traits", "id"),
            ("partners", "id"),
            ("partner_names", "id"),
            ("signed_periods", "id"),
            ("evidence", "id"),
            ("allocations", "id"),
            ("outcomes", "id"),
            ("schedules", "workspace_id, digest"),
            ("digest_runs", "workspace_id, digest, period"),
            ("recheck_results", "workspace_id, quarter"),
        ];
        let mut out = String::new();
        for (table, order) in TABLES {
            let filter = match (workspace, *table) {
                (None, _) => "",
                (Some(_), "profile_revisions") => {
                    "WHERE profile_id IN (SELECT id FROM profiles WHERE workspace_id = $1)"
                }
                (Some(_), _) => "WHERE workspace_id = $1",
            };
            let sql = format!("SELECT * FROM {table} {filter} ORDER BY {order}");
            let query = sqlx::query(sqlx::AssertSqlSafe(sql));
            let query = match workspace {
                Some(ws) => query.bind(ws.to_string()),
                None => query,
            };
            let rows = query.fetch_all(self.pool()).await?;
            out.push_str(&format!("# {table}: {}\n", rows.len()));
            for r in &rows {
                let cols: Vec<String> = (0..r.len())
                    .map(|i| {
                        r.try_get::<Option<String>, _>(i)
                            .map(|v| format!("{v:?}"))
                            .or_else(|_| r.try_get::<Option<i64>, _>(i).map(|v| format!("{v:?}")))
                            .or_else(|_| r.try_get::<Option<f64>, _>(i).map(|v| format!("{v:?}")))
                            .unwrap_or_else(|_| "?".into())
                    })
                    .collect();
                out.push_str(&cols.join("|"));
                out.push('\n');
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests;
