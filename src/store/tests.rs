//! Unit tests of the store's own parts (the timestamp codec, errors, opening), and the helpers the store's
//! modules' tests share.

use super::codec::stamp_text;
use super::*;
use chrono::{DateTime, NaiveDate, Utc};

/// A store on a new SQLite file in a temporary directory (which must outlive the store), and the file's URL.
pub(super) async fn on_a_temp_file() -> (tempfile::TempDir, Store, String) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("p.db").display());
    let store = Store::open(&url).await.unwrap();
    (dir, store, url)
}

#[test]
fn stored_days_and_timestamps_decode_once() {
    let chrono_day = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok();
    for s in [
        "2026-11-26",
        "2024-02-29",
        "0999-01-01",
        "2025-02-29",
        "2026-13-01",
        "2026-1-01",
        "x",
        "2026-11-26T00",
        "2026-11-2x",
    ] {
        assert_eq!(day(s).ok(), chrono_day(s), "{s}");
    }
    let t = parse_ts("2026-07-08T12:00:05.000042Z").unwrap();
    assert_eq!(ts(t), "2026-07-08T12:00:05.000042Z");
    assert!(matches!(
        parse_ts("2026-07-08"),
        Err(StoreError::Corrupt(_))
    ));
    // Other RFC 3339 forms are chrono's to read; a leap second is one.
    for (s, micros) in [
        ("2026-07-08T12:00:05Z", 0),
        ("2026-07-08T14:00:05.000042+02:00", 42),
        ("2026-07-08t12:00:05.000042z", 42),
    ] {
        assert_eq!(
            parse_ts(s).unwrap(),
            parse_ts("2026-07-08T12:00:05.000000Z").unwrap()
                + chrono::Duration::microseconds(micros),
            "{s}"
        );
    }
    assert_eq!(
        parse_ts("2016-12-31T23:59:60.500000Z").unwrap(),
        DateTime::parse_from_rfc3339("2016-12-31T23:59:60.500000Z").unwrap()
    );
    for s in [
        "2026-02-30T12:00:05.000042Z",
        "2026-07-08T24:00:05.000042Z",
        "2026-07-08T12:00:05.00004xZ",
    ] {
        assert!(matches!(parse_ts(s), Err(StoreError::Corrupt(_))), "{s}");
    }
}

proptest::proptest! {
    /// Every instant the store writes is read back by the fast path, to the microsecond.
    #[test]
    fn the_store_s_text_is_read_without_chrono_s_parser(micros in -62_135_596_800_000_000i64..253_402_300_799_999_999) {
        let t = DateTime::from_timestamp_micros(micros).unwrap();
        proptest::prop_assert_eq!(stamp_text(ts(t).as_bytes()), Some(t));
    }

    /// Whatever the fast path reads, chrono's parser reads the same: text of the store's shape with any
    /// digits, or any text at all.
    #[test]
    fn the_fast_path_agrees_with_chrono(s in "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{6}Z|.{0,30}") {
        let chrono = DateTime::parse_from_rfc3339(&s).map(|t| t.with_timezone(&Utc)).ok();
        if let Some(fast) = stamp_text(s.as_bytes()) {
            proptest::prop_assert_eq!(Some(fast), chrono);
        }
        proptest::prop_assert_eq!(parse_ts(&s).ok(), chrono);
    }
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
