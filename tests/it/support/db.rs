//! Test databases on both backends: a SQLite file in a temporary directory, or a fresh PostgreSQL
//! database per test (random name, created from `template0` with a non-C collation so that ordering
//! bugs show up), dropped when the handle is dropped — also when the test panics.
//!
//! PostgreSQL is the one on 127.0.0.1:5432 (trust auth, user `postgres`), or `PARTNERFIT_TEST_PG_URL`
//! (an admin URL such as `postgres://postgres@127.0.0.1:5432/postgres`). It must be reachable: CI has
//! it, and a test that cannot reach it fails with how to start it.

use sqlx::postgres::PgConnection;
use sqlx::{Connection, Executor};
use std::time::Duration;
use tokio::sync::OnceCell;

pub const PG_URL_ENV: &str = "PARTNERFIT_TEST_PG_URL";
/// Set to `1` to run the ordering tests on a PostgreSQL server that cannot create ICU databases (see
/// [`TestDb::assert_locale_collation`]).
pub const ALLOW_C_COLLATION_ENV: &str = "PARTNERFIT_TEST_ALLOW_C_COLLATION";
const DEFAULT_PG_ADMIN_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";
/// Test databases are named `pf_test_<pid>_<random>`: a later run drops those of dead processes.
const PREFIX: &str = "pf_test_";

/// Which backend a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Db {
    Sqlite,
    Postgres,
}

/// One test's database; dropping it deletes it.
pub struct TestDb {
    pub backend: Db,
    /// What the app and the binary get as their database URL.
    pub url: String,
    /// The working directory of the test (the SQLite file lives here).
    pub dir: tempfile::TempDir,
    pg_name: Option<String>,
}

/// The admin URL of the test PostgreSQL server.
pub fn pg_admin_url() -> String {
    std::env::var(PG_URL_ENV)
        .ok()
        .filter(|u| !u.trim().is_empty())
        .unwrap_or_else(|| DEFAULT_PG_ADMIN_URL.to_string())
}

/// The same server, another database.
fn pg_url_for(db: &str) -> String {
    let admin = pg_admin_url();
    let (base, query) = match admin.split_once('?') {
        Some((b, q)) => (b.to_string(), format!("?{q}")),
        None => (admin.clone(), String::new()),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let root = match base[scheme_end..].find('/') {
        Some(i) => &base[..scheme_end + i],
        None => &base[..],
    };
    format!("{root}/{db}{query}")
}

async fn admin_connection() -> PgConnection {
    let url = pg_admin_url();
    match tokio::time::timeout(Duration::from_secs(10), PgConnection::connect(&url)).await {
        Ok(Ok(c)) => c,
        Ok(Err(e)) => panic!(
            "the PostgreSQL half of the tests needs a server at {url} ({e}). Start it with \
             `pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start` (`.ci/run` does), \
             or point {PG_URL_ENV} at another one"
        ),
        Err(_) => panic!(
            "PostgreSQL at {url} did not answer within 10 s. Start it with \
             `pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start`, or set {PG_URL_ENV}"
        ),
    }
}

fn pid_alive(pid: u32) -> bool {
    std::path::Path::new(&format!("/proc/{pid}")).exists()
}

/// Once per test process: drop test databases left behind by test processes that were killed.
async fn sweep_stale(conn: &mut PgConnection) {
    static SWEPT: OnceCell<()> = OnceCell::const_new();
    SWEPT
        .get_or_init(|| async {
            let names: Vec<String> = sqlx::query_scalar(
                "SELECT datname FROM pg_database WHERE datname LIKE 'pf\\_test\\_%'",
            )
            .fetch_all(&mut *conn)
            .await
            .unwrap_or_default();
            for name in names {
                let pid = name
                    .strip_prefix(PREFIX)
                    .and_then(|r| r.split('_').next())
                    .and_then(|p| p.parse::<u32>().ok());
                if pid.is_some_and(|p| !pid_alive(p)) {
                    let _ = conn
                        .execute(sqlx::AssertSqlSafe(format!(
                            "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
                        )))
                        .await;
                }
            }
        })
        .await;
}

impl TestDb {
    pub async fn new(backend: Db) -> TestDb {
        match backend {
            Db::Sqlite => TestDb::sqlite(),
            Db::Postgres => TestDb::postgres().await,
        }
    }

    pub fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("test.db").display());
        TestDb {
            backend: Db::Sqlite,
            url,
            dir,
            pg_name: None,
        }
    }

    pub async fn postgres() -> TestDb {
        let mut conn = admin_connection().await;
        sweep_stale(&mut conn).await;
        let name = format!(
            "{PREFIX}{}_{:016x}",
            std::process::id(),
            rand::random::<u64>()
        );
        // An ICU collation that ignores punctuation at first level: were a column not byte-wise, its
        // ORDER BY would differ from SQLite's and the tests would see it.
        let icu = format!(
            "CREATE DATABASE \"{name}\" TEMPLATE template0 ENCODING 'UTF8' LOCALE_PROVIDER icu ICU_LOCALE 'en-US' LOCALE 'C.UTF-8'"
        );
        if let Err(e) = conn.execute(sqlx::AssertSqlSafe(icu)).await {
            // Said, not silent: on the default collation the tests cannot tell a byte-wise ORDER BY from a
            // locale's, and `assert_locale_collation` fails the test that depends on it.
            eprintln!(
                "the test database {name} cannot have the ICU collation ({e}): it gets the server's default \
                 collation, and ordering bugs a locale would show may pass unseen"
            );
            conn.execute(sqlx::AssertSqlSafe(format!("CREATE DATABASE \"{name}\"")))
                .await
                .unwrap_or_else(|e| panic!("cannot create the test database {name}: {e}"));
        }
        let _ = conn.close().await;
        TestDb {
            backend: Db::Postgres,
            url: pg_url_for(&name),
            dir: tempfile::tempdir().unwrap(),
            pg_name: Some(name),
        }
    }

    /// On PostgreSQL: fails unless the database's default collation is a locale's, not byte order (the ICU one
    /// `postgres()` asks for): a test of byte-wise ordering proves nothing on a byte-order database. Set
    /// [`ALLOW_C_COLLATION_ENV`]`=1` to let it pass (with a note) on a server without ICU. Nothing on SQLite.
    pub async fn assert_locale_collation(&self) {
        if self.backend != Db::Postgres {
            return;
        }
        let mut conn = PgConnection::connect(&self.url)
            .await
            .unwrap_or_else(|e| panic!("cannot connect to {}: {e}", self.url));
        // 'a' < 'B' in every locale's order; in byte order 'B' (66) comes first.
        let (provider, collate, locale_order): (String, String, bool) = sqlx::query_as(
            "SELECT datlocprovider::text, datcollate::text, 'a' < 'B' FROM pg_database \
             WHERE datname = current_database()",
        )
        .fetch_one(&mut conn)
        .await
        .unwrap();
        let _ = conn.close().await;
        if locale_order {
            return;
        }
        let what = format!(
            "the test database has a byte-order collation (provider {provider}, collate {collate}): the server \
             could not create it with ICU, so a byte-wise ORDER BY cannot be told from a locale's here"
        );
        if std::env::var(ALLOW_C_COLLATION_ENV).as_deref() == Ok("1") {
            eprintln!("{what}; going on, as {ALLOW_C_COLLATION_ENV}=1 says");
        } else {
            panic!(
                "{what}. Use a PostgreSQL built with ICU (Debian's is), or set {ALLOW_C_COLLATION_ENV}=1 to \
                 run without this check"
            );
        }
    }

    /// The PostgreSQL database name (None on SQLite).
    pub fn pg_name(&self) -> Option<&str> {
        self.pg_name.as_deref()
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let Some(name) = self.pg_name.take() else {
            return;
        };
        // Drop runs inside the test's runtime, which cannot be blocked on: a thread with its own.
        let dropped = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async move {
                let url = pg_admin_url();
                if let Ok(mut c) = PgConnection::connect(&url).await {
                    let _ = c
                        .execute(sqlx::AssertSqlSafe(format!(
                            "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
                        )))
                        .await;
                    let _ = c.close().await;
                }
            })
        })
        .join();
        let _ = dropped;
    }
}

/// Runs each `async fn NAME(db: Db)` twice, as the tests `NAME::sqlite` and `NAME::postgres`.
macro_rules! both_backends {
    ($($name:ident),+ $(,)?) => {
        $(
            mod $name {
                #[tokio::test]
                async fn sqlite() {
                    super::$name($crate::support::db::Db::Sqlite).await
                }
                #[tokio::test]
                async fn postgres() {
                    super::$name($crate::support::db::Db::Postgres).await
                }
            }
        )+
    };
}
pub(crate) use both_backends;

/// Limit the SQLite file of `store` to `pages` pages, as a full disk would (SQLite's "database or disk is full";
/// `None`: SQLite's default, no limit to speak of). Every connection of the pool is held at once, so that each
/// gets the limit.
pub async fn limit_pages(store: &partnerfit::store::Store, pages: Option<i64>) {
    let pool = store.pool();
    let mut held = Vec::new();
    for _ in 0..pool.options().get_max_connections() {
        held.push(pool.acquire().await.unwrap());
    }
    for conn in &mut held {
        let pragma = format!("PRAGMA max_page_count = {}", pages.unwrap_or(0xFFFF_FFFE));
        sqlx::raw_sql(sqlx::AssertSqlSafe(pragma))
            .execute(&mut **conn)
            .await
            .unwrap();
    }
}

/// Limit each file `cmd`'s process writes to `limit` bytes (`RLIMIT_FSIZE`, with SIGXFSZ ignored: a write
/// past it fails with EFBIG, as one fails with ENOSPC on a full disk).
pub fn limit_file_size(cmd: &mut std::process::Command, limit: u64) {
    use std::os::unix::process::CommandExt;
    // SAFETY: between fork and exec only async-signal-safe calls (signal, setrlimit), no allocation.
    unsafe {
        cmd.pre_exec(move || {
            libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
            let rlimit = libc::rlimit {
                rlim_cur: limit,
                rlim_max: limit,
            };
            if libc::setrlimit(libc::RLIMIT_FSIZE, &rlimit) != 0 {
                return Err(std::io::Error::last_os_error());
            }
            Ok(())
        });
    }
}

/// Partners of workspace `ws` as an older key version stored them: each `(name, key it stored)` (every stored
/// key distinct, as the unique index had them); their ids. The stored key version is set to 3, so the next
/// re-key recomputes them.
pub async fn legacy_partners(
    s: &partnerfit::store::Store,
    ws: &str,
    rows: &[(&str, &str)],
) -> Vec<i64> {
    let now = super::utc(2026, 1, 1, 0, 0);
    let mut ids = Vec::new();
    for (n, (name, key)) in rows.iter().enumerate() {
        let placeholder = partnerfit::store::NewPartner {
            name: partnerfit::domain::PartnerName::parse(&format!("placeholder {n}")).unwrap(),
            partner_type: partnerfit::domain::PartnerType::Si,
            lifecycle: partnerfit::domain::Lifecycle::Prospect,
            champion: None,
            note: None,
        };
        let id = s.add_partner(ws, &placeholder, "ana", now).await.unwrap();
        sqlx::query("UPDATE partners SET name = $1, name_key = $2 WHERE id = $3")
            .bind(name)
            .bind(key)
            .bind(id)
            .execute(s.pool())
            .await
            .unwrap();
        ids.push(id);
    }
    sqlx::query("UPDATE name_key_version SET version = 3")
        .execute(s.pool())
        .await
        .unwrap();
    ids
}
