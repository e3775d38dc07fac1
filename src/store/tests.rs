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
    // A SQLite URL without a file would give every pooled connection an empty temporary database.
    for empty in ["sqlite://", "sqlite:", "SQLITE://", "sqlite://?mode=rwc"] {
        let e = Backend::of_url(empty).unwrap_err();
        assert!(
            e.contains("names no file: use sqlite://FILE"),
            "{empty}: {e}"
        );
    }
    for named in [
        "sqlite::memory:",
        "sqlite://?mode=memory",
        "sqlite:x.db",
        "sqlite:///tmp/x.db",
        "sqlite://x.db?mode=ro",
    ] {
        assert_eq!(Backend::of_url(named).unwrap(), Backend::Sqlite, "{named}");
    }
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
