//! Unit tests of the store's own parts (backends, URLs), and the helpers the store's modules' tests share.

use super::*;

/// A store on a new SQLite file in a temporary directory (which must outlive the store), and the file's URL.
pub(super) async fn on_a_temp_file() -> (tempfile::TempDir, Store, String) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("p.db").display());
    let store = Store::open(&url).await.unwrap();
    (dir, store, url)
}

#[test]
fn backend_from_url() {
    assert_eq!(Backend::of_url("sqlite://x.db").unwrap(), Backend::Sqlite);
    assert_eq!(
        Backend::of_url("postgres://u@h/db").unwrap(),
        Backend::Postgres
    );
    assert_eq!(
        Backend::of_url("postgresql://u@h/db").unwrap(),
        Backend::Postgres
    );
    assert!(Backend::of_url("mysql://u@h/db")
        .unwrap_err()
        .contains("unknown database URL scheme"));
}

#[test]
fn pg_hosts_never_carry_credentials() {
    assert_eq!(
        pg_host("postgres://app:s3cret@db.example:6543/pf"),
        "db.example:6543"
    );
    assert_eq!(
        pg_host("postgres://app@db.example/pf?sslmode=require"),
        "db.example:5432"
    );
    assert_eq!(pg_host("postgresql://a:b@c@127.0.0.1/pf"), "127.0.0.1:5432");
    assert_eq!(pg_host("postgres:///pf"), "localhost:5432");
}

#[test]
fn sqlite_urls_create_files() {
    assert_eq!(
        sqlite_url_with_create("sqlite://a.db"),
        "sqlite://a.db?mode=rwc"
    );
    assert_eq!(
        sqlite_url_with_create("sqlite://a.db?x=1"),
        "sqlite://a.db?x=1&mode=rwc"
    );
    assert_eq!(
        sqlite_url_with_create("sqlite://a.db?mode=ro"),
        "sqlite://a.db?mode=ro"
    );
}

/// A write that meets another connection's write lock and gives up waiting for it (here at once: busy timeout 0,
/// where the store's connections wait [`SQLITE_BUSY_TIMEOUT`]) is [`StoreError::Busy`], which the user is told
/// as the app's `DATABASE_BUSY` — not the apology of an internal error (`busy_is_told_not_apologised_for` in
/// tests/it/internal_errors.rs checks that mapping).
#[tokio::test]
async fn a_write_locked_out_by_another_connection_is_busy() {
    let (dir, store, _url) = on_a_temp_file().await;
    let holder = rusqlite::Connection::open(dir.path().join("p.db")).unwrap();
    holder.execute_batch("BEGIN IMMEDIATE").unwrap();
    let mut conn = store.pool().acquire().await.unwrap().detach();
    conn.execute("PRAGMA busy_timeout = 0").await.unwrap();
    let e = conn
        .execute("CREATE TABLE busy_probe (x INTEGER)")
        .await
        .unwrap_err();
    let e = StoreError::from(e);
    assert!(matches!(e, StoreError::Busy(_)), "{e:?}");
    holder.execute_batch("ROLLBACK").unwrap();
    conn.close().await.unwrap();
    store.close().await;
}
