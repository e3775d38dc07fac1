//! Partner names written by several connections at once: renames of one partner, and the one-time re-key of
//! the names that a new binary's first opening runs (`Store::rekey_names`) while other processes use the
//! database or open it too. Each wait on PostgreSQL is shown by the server (lock requests not granted in
//! `pg_locks`), not assumed from time passing.

use super::{open, partner, WS};
use crate::support::db::{both_backends, legacy_partners, pg_admin_url};
use crate::support::{utc, Db, TestDb};
use partnerfit::domain::{PartnerName, PartnerType};
use partnerfit::store::{Store, StoreError};
use sqlx::{Connection, Executor};
use std::time::{Duration, Instant};

both_backends!(a_rename_from_a_name_renamed_meanwhile_is_refused);

/// Until at least `n` connections to the test's PostgreSQL database wait for a lock (at most 30 s).
async fn until_lock_waiters(db: &TestDb, n: i64) {
    let name = db.pg_name().unwrap().to_string();
    let mut admin = sqlx::PgConnection::connect(&pg_admin_url()).await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let waiting: i64 = sqlx::query_scalar(
            "SELECT COUNT(DISTINCT l.pid) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid \
             WHERE NOT l.granted AND a.datname = $1",
        )
        .bind(&name)
        .fetch_one(&mut admin)
        .await
        .unwrap();
        if waiting >= n {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{waiting} of {n} connections wait for a lock"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Every rename in `WS`'s history, in order: (partner, name replaced).
async fn history(s: &Store) -> Vec<(i64, String)> {
    sqlx::query_as("SELECT partner_id, name FROM partner_names WHERE workspace_id = $1 ORDER BY id")
        .bind(WS)
        .fetch_all(s.pool())
        .await
        .unwrap()
}

fn name(n: &str) -> PartnerName {
    PartnerName::parse(n).unwrap()
}

/// A rename read `Foo` and another renamed it `Bar` before it was written: it is refused (a Conflict), nothing
/// of it is written, and the history holds the one name replaced. A rename from the name it has now goes
/// through.
async fn a_rename_from_a_name_renamed_meanwhile_is_refused(db: Db) {
    let db = TestDb::new(db).await;
    let s = open(&db).await;
    let now = utc(2026, 11, 26, 12, 0);
    let day = now.date_naive();
    let id = s
        .add_partner(WS, &partner("Foo", PartnerType::Si), "ana", now)
        .await
        .unwrap();
    s.rename_partner(WS, id, "Foo", &name("Bar"), day, "ana", now)
        .await
        .unwrap();
    let e = s
        .rename_partner(WS, id, "Foo", &name("Baz"), day, "mia", now)
        .await
        .unwrap_err();
    assert!(
        matches!(&e, StoreError::Conflict(w) if w == "partner name"),
        "{e:?}"
    );
    assert_eq!(s.partner_by_id(WS, id).await.unwrap().unwrap().name, "Bar");
    assert_eq!(history(&s).await, [(id, "Foo".to_string())]);
    // A name already taken is still the other Conflict.
    s.add_partner(WS, &partner("Qux", PartnerType::Si), "ana", now)
        .await
        .unwrap();
    let e = s
        .rename_partner(WS, id, "Bar", &name("QUX"), day, "mia", now)
        .await
        .unwrap_err();
    assert!(
        matches!(&e, StoreError::Conflict(w) if w == "partner"),
        "{e:?}"
    );
    s.rename_partner(WS, id, "Bar", &name("Baz"), day, "mia", now)
        .await
        .unwrap();
    assert_eq!(
        history(&s).await,
        [(id, "Foo".to_string()), (id, "Bar".to_string())]
    );
    s.close().await;
}

/// Two renames of one partner, both from `Foo`, queued behind another connection's lock of its row on
/// PostgreSQL: one is written, the other refused (the name it read is gone), and the history holds `Foo` once.
/// (Renames that read the name before they locked anything wrote `Foo` twice; queued here, on the lock their
/// history row's foreign key waits for, they deadlocked and one failed.)
#[tokio::test]
async fn renames_at_once_keep_the_history_of_each_on_postgres() {
    let db = TestDb::postgres().await;
    let s = open(&db).await;
    let now = utc(2026, 11, 26, 12, 0);
    let day = now.date_naive();
    let id = s
        .add_partner(WS, &partner("Foo", PartnerType::Si), "ana", now)
        .await
        .unwrap();
    let mut held = sqlx::PgConnection::connect(&db.url).await.unwrap();
    held.execute("BEGIN").await.unwrap();
    sqlx::query("SELECT id FROM partners WHERE id = $1 FOR UPDATE")
        .bind(id)
        .fetch_one(&mut held)
        .await
        .unwrap();
    let rename = |to: &'static str| {
        let s = &s;
        async move {
            s.rename_partner(WS, id, "Foo", &name(to), day, "ana", now)
                .await
        }
    };
    let release = async {
        until_lock_waiters(&db, 2).await;
        held.execute("COMMIT").await.unwrap();
    };
    let (bar, baz, ()) = tokio::join!(rename("Bar"), rename("Baz"), release);
    let now_named = s.partner_by_id(WS, id).await.unwrap().unwrap().name;
    let renames: Vec<String> = history(&s)
        .await
        .into_iter()
        .filter(|(p, _)| *p == id)
        .map(|(_, n)| n)
        .collect();
    let (done, refused) = match (&bar, &baz) {
        (Ok(()), Err(e)) => ("Bar", e),
        (Err(e), Ok(())) => ("Baz", e),
        _ => panic!("one written, one refused: {bar:?} {baz:?}"),
    };
    assert!(
        matches!(refused, StoreError::Conflict(w) if w == "partner name"),
        "{refused:?}"
    );
    assert_eq!(now_named, done);
    assert_eq!(renames, ["Foo"]);
    s.close().await;
}

/// Partners of `WS` as key version 3 stored them: `Gamma` (key `gamma`) and `GAMMA` (key `gamma old`), whose
/// keys are now both `gamma`, so that the re-key renames `GAMMA` with its id. Their ids.
async fn legacy_lookalikes(s: &Store) -> (i64, i64) {
    let ids = legacy_partners(s, WS, &[("Gamma", "gamma"), ("GAMMA", "gamma old")]).await;
    (ids[0], ids[1])
}

/// Two processes of a new binary opening an old PostgreSQL database at once, while another connection holds
/// the roster: each re-keys when it is let through, and the second finds it done. Both open, `GAMMA` is
/// renamed once, and its history holds its old name once. (Re-keys that locked nothing both re-keyed: two
/// history rows, or a deadlock on the renamed row that failed one opening, as here.)
#[tokio::test]
async fn two_rekeys_at_once_rename_once_on_postgres() {
    let db = TestDb::postgres().await;
    let s = open(&db).await;
    let (gamma, lookalike) = legacy_lookalikes(&s).await;
    let (one, two) = (
        Store::connect(&db.url).await.unwrap(),
        Store::connect(&db.url).await.unwrap(),
    );
    let mut held = sqlx::PgConnection::connect(&db.url).await.unwrap();
    held.execute("BEGIN").await.unwrap();
    held.execute("LOCK TABLE partners IN SHARE ROW EXCLUSIVE MODE")
        .await
        .unwrap();
    let release = async {
        until_lock_waiters(&db, 2).await;
        held.execute("COMMIT").await.unwrap();
    };
    let at = utc(2026, 3, 1, 10, 30);
    let (first, second, ()) = tokio::join!(one.rekey_names_at(at), two.rekey_names_at(at), release);
    let mut changed = [first.unwrap(), second.unwrap()];
    changed.sort();
    assert_eq!(changed, [0, 1], "one re-keys, the other finds it done");
    assert_eq!(
        s.partner_by_id(WS, gamma).await.unwrap().unwrap().name,
        "Gamma"
    );
    assert_eq!(
        s.partner_by_id(WS, lookalike).await.unwrap().unwrap().name,
        format!("GAMMA #{lookalike}")
    );
    assert_eq!(history(&s).await, [(lookalike, "GAMMA".to_string())]);
    for store in [one, two, s] {
        store.close().await;
    }
}

/// A new binary's first opening of an old SQLite file while another process holds the write lock and commits
/// a write: the re-key waits for it and then runs, instead of failing. (A re-key that read before taking the
/// lock could not take it once the other write had committed — SQLite's busy snapshot, which no busy timeout
/// waits out — so the opening failed.)
#[tokio::test]
async fn a_rekey_waits_for_another_writer_on_sqlite() {
    let db = TestDb::sqlite();
    let s = open(&db).await;
    let (gamma, lookalike) = legacy_lookalikes(&s).await;
    let rekeying = Store::connect(&db.url).await.unwrap();
    let mut writer = sqlx::SqliteConnection::connect(&db.url).await.unwrap();
    writer.execute("BEGIN IMMEDIATE").await.unwrap();
    sqlx::query("UPDATE partners SET champion = 'Bo' WHERE id = $1")
        .bind(gamma)
        .execute(&mut writer)
        .await
        .unwrap();
    // Polled here, not spawned, so that it certainly starts while the lock is held. The proof that it waited
    // rather than failed is the Ok below, whatever this window's length.
    let rekey = rekeying.rekey_names_at(utc(2026, 3, 1, 10, 30));
    tokio::pin!(rekey);
    if let Ok(early) = tokio::time::timeout(Duration::from_millis(300), &mut rekey).await {
        panic!("the re-key answered while another connection held the write lock: {early:?}");
    }
    writer.execute("COMMIT").await.unwrap();
    assert_eq!(rekey.await.expect("the re-key waits for the lock"), 1);
    let p = s.partner_by_id(WS, gamma).await.unwrap().unwrap();
    assert_eq!(
        (p.name.as_str(), p.champion.as_deref()),
        ("Gamma", Some("Bo"))
    );
    assert_eq!(history(&s).await, [(lookalike, "GAMMA".to_string())]);
    rekeying.close().await;
    s.close().await;
}
