//! Taking event ids beyond the happy path: on a SQLite file the take runs on the calling thread without
//! waiting (store/direct.rs), so a writer holding the lock sends it the usual way, which waits; the WAL it
//! writes is still checkpointed; and ids older than a day are forgotten by the scheduler's housekeeping
//! (`app::delivery::forget_old_events`), on both backends.

use super::{open, WS};
use crate::support::db::both_backends;
use crate::support::{utc, Db, TestApp, TestDb};
use chrono::Duration;
use partnerfit::store::SettingsRow;
use sqlx::{Connection, Executor};

both_backends!(ids_older_than_a_day_are_forgotten);

/// A take that meets another process's write lock does not fail (the calling thread does not wait for it
/// either): it waits on the usual connection and takes the id once the lock is released.
#[tokio::test]
async fn a_take_waits_for_another_writer_instead_of_failing() {
    let db = TestDb::sqlite();
    let s = open(&db).await;
    let now = utc(2026, 11, 26, 12, 0);
    // Warm: the store's own connections are open.
    assert_eq!(
        s.take_event("discord:1", WS, now, &s.next_event_owner())
            .await
            .unwrap(),
        Some(SettingsRow::default())
    );
    let mut writer = sqlx::SqliteConnection::connect(&db.url).await.unwrap();
    writer.execute("BEGIN IMMEDIATE").await.unwrap();
    // Polled here, not spawned: its first poll (the direct attempt, on this thread) certainly runs while the
    // lock is held, however loaded the machine; a task might not have started before the COMMIT.
    let owner = s.next_event_owner();
    let take = s.take_event("discord:2", WS, now, &owner);
    tokio::pin!(take);
    // Not answered while the lock is held. The proof that it waited rather than failed is the Ok below: a take
    // that gave up would answer an error, now or later, whatever this window's length.
    if let Ok(early) = tokio::time::timeout(std::time::Duration::from_millis(300), &mut take).await
    {
        panic!("the take answered while another connection held the write lock: {early:?}");
    }
    writer.execute("COMMIT").await.unwrap();
    let taken = take
        .await
        .expect("the take waits for the lock instead of failing");
    assert_eq!(taken, Some(SettingsRow::default()));
    assert_eq!(
        s.take_event("discord:2", WS, now, &s.next_event_owner())
            .await
            .unwrap(),
        None
    );
    assert_eq!(s.remembered_events().await.unwrap(), 2);
    s.close().await;
}

/// The connection that takes ids on the calling thread never checkpoints (a checkpoint waits for the disk);
/// the takes sent the usual way do. 3,000 takes write about three pages each, 36 MiB of WAL without a
/// checkpoint; with them the WAL is reused once SQLite's 1,000 pages are checkpointed, and stays under
/// 1,000 pages and the takes between two checkpoint chances (128, three pages each) — 5.5 MiB, 8 with room.
#[tokio::test]
async fn the_wal_of_many_takes_is_checkpointed() {
    let db = TestDb::sqlite();
    let s = open(&db).await;
    let now = utc(2026, 11, 26, 12, 0);
    for i in 0..3000 {
        let taken = s
            .take_event(&format!("discord:{i}"), WS, now, &s.next_event_owner())
            .await
            .unwrap();
        assert_eq!(taken, Some(SettingsRow::default()), "take {i}");
    }
    assert_eq!(s.remembered_events().await.unwrap(), 3000);
    let wal = db.dir.path().join("test.db-wal");
    let size = std::fs::metadata(&wal).unwrap().len();
    assert!(
        size < 8 << 20,
        "the WAL grew to {size} bytes over 3,000 takes"
    );
    s.close().await;
}

/// Ids taken more than 24 hours before the app's clock are deleted, the others kept; a second run has nothing
/// left to delete.
async fn ids_older_than_a_day_are_forgotten(db: Db) {
    let now = utc(2026, 11, 26, 12, 0);
    let t = TestApp::on(db, now).await;
    let store = &t.app.store;
    let ages = [
        ("discord:1", Duration::hours(49)),
        ("discord:2", Duration::hours(24) + Duration::seconds(1)),
        // Exactly a day: kept (deleted are those strictly before now − 24 h).
        ("discord:3", Duration::hours(24)),
        ("discord:4", Duration::hours(23)),
        ("discord:5", Duration::zero()),
    ];
    for (key, age) in ages {
        assert!(store
            .take_event(key, WS, now - age, &store.next_event_owner())
            .await
            .unwrap()
            .is_some());
    }
    let forgotten = partnerfit::app::delivery::forget_old_events(&t.app)
        .await
        .unwrap();
    assert_eq!(forgotten, 2);
    assert_eq!(store.remembered_events().await.unwrap(), 3);
    // The forgotten ones could be taken again; the kept ones are still repeats.
    assert_eq!(
        store
            .take_event("discord:3", WS, now, &store.next_event_owner())
            .await
            .unwrap(),
        None
    );
    assert!(store
        .take_event("discord:2", WS, now, &store.next_event_owner())
        .await
        .unwrap()
        .is_some());
    // An hour later: discord:3 is 25 h old and goes; discord:4 is exactly a day old and stays.
    t.clock.advance(Duration::hours(1));
    assert_eq!(
        partnerfit::app::delivery::forget_old_events(&t.app)
            .await
            .unwrap(),
        1
    );
    assert_eq!(store.remembered_events().await.unwrap(), 3);
}
