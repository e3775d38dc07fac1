//! Taking event ids beyond the happy path: on a SQLite file the take runs on the calling thread without
//! waiting (store/direct.rs), so a writer holding the lock sends it the usual way, which waits; the WAL it
//! writes is still checkpointed.

use super::{open, WS};
use crate::support::{utc, TestDb};
use partnerfit::store::SettingsRow;
use sqlx::{Connection, Executor};

/// A take that meets another process's write lock does not fail (the calling thread does not wait for it
/// either): it waits on the usual connection and takes the id once the lock is released.
#[tokio::test]
async fn a_take_waits_for_another_writer_instead_of_failing() {
    let db = TestDb::sqlite();
    let s = open(&db).await;
    let now = utc(2026, 11, 26, 12, 0);
    // Warm: the store's own connections are open.
    assert_eq!(
        s.take_event("discord:1", WS, now).await.unwrap(),
        Some(SettingsRow::default())
    );
    let mut writer = sqlx::SqliteConnection::connect(&db.url).await.unwrap();
    writer.execute("BEGIN IMMEDIATE").await.unwrap();
    let take = tokio::spawn({
        let s = s.clone();
        async move { s.take_event("discord:2", WS, now).await }
    });
    tokio::pin!(take);
    // Still waiting while the lock is held (a take that gave up at once would have answered by now).
    assert!(
        tokio::time::timeout(std::time::Duration::from_millis(300), &mut take)
            .await
            .is_err(),
        "the take answered while another connection held the write lock"
    );
    writer.execute("COMMIT").await.unwrap();
    let taken = take.await.unwrap().unwrap();
    assert_eq!(taken, Some(SettingsRow::default()));
    assert_eq!(s.take_event("discord:2", WS, now).await.unwrap(), None);
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
            .take_event(&format!("discord:{i}"), WS, now)
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
