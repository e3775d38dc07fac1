//! On a SQLite file, the evidence cache's first read of a whole workspace
//! ([`Store::compact_evidence_after`](super::Store::compact_evidence_after) from id 0; the few records that bring
//! a copy up to date later are one statement on the pool, cheaper than opening a connection) runs on a blocking
//! thread over a read-only connection of its own (rusqlite over the same libsqlite3-sys as
//! sqlx), and hands its records over in batches. Through sqlx every row is a message from the connection's
//! worker thread and a row of the Any driver, about 2 µs a record: at 100,000 partners (5 million records) the
//! first digest, roster export or filtered roster of a process waited over ten seconds for it (BENCHMARKS.md,
//! issue 21 item 4).
//!
//! The same statement, in one read transaction as before, and the same decoder of a record
//! ([`super::evidence::compact_of`]), so the records are the same. Not the `/screen` connection of
//! [`super::direct`]: a read of seconds must not hold it, nor run on the calling task's thread. When the
//! connection cannot be opened or the read fails partway (the store closed, a file error), the rest is read the
//! usual way from the last record handed over, so nothing is read twice and nothing is missed; a stored record
//! that does not decode is the read's error either way. At most [`AT_ONCE`] such reads run at once in a process.
//!
//! The CSV exports' statements ([`export_rows`]) are read the same way, for the same reason: through sqlx an
//! export of 5 million records took four times as long as SQLite's own sort of them. They take turns of their
//! own ([`EXPORTS_AT_ONCE`]): an export of a large workspace holds its turn for as long as it is read, seconds
//! to minutes, and a digest's first load must not wait behind it.

use super::direct::Direct;
use super::evidence::compact_of;
use super::StoreError;
use crate::domain::evidence::CompactEvidence;
use std::sync::Arc;

/// Records per batch handed from the blocking thread (about 230 kB); PostgreSQL's reading task too.
pub(super) const BATCH: usize = 4096;
/// Batches read ahead of the caller at most.
pub(super) const AHEAD: usize = 2;
/// Reads of this kind at once in a process, at most: each holds a thread, a connection and its page cache, and
/// a tick of the scheduler renders many digests at once. The others wait their turn, as they would for CPU
/// anyway.
const AT_ONCE: usize = 4;
/// Shared with PostgreSQL's first loads ([`super::pg_bulk`]).
pub(super) static READERS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(AT_ONCE);
/// Exports read on a connection of their own at once in a process, at most, beside the first loads: each holds
/// a thread and a connection until it is read to the end or dropped.
const EXPORTS_AT_ONCE: usize = 2;
static EXPORTERS: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(EXPORTS_AT_ONCE);

/// How a read of [`compact_evidence_after`] ended.
#[derive(Debug)]
pub(super) enum Ended {
    /// Every record was handed over.
    Done,
    /// A stored record does not decode: the read's error.
    Corrupt(StoreError),
    /// It could not go on: every record up to `last_id` was handed over (the `after_id` asked for when none
    /// was); the caller reads the rest the usual way.
    Stopped { last_id: i64 },
}

/// What a reading thread or task sends: a batch, or why it stopped (`E` its driver's error).
pub(super) enum Sent<E> {
    Batch(Vec<CompactEvidence>),
    Corrupt(StoreError),
    Failed(E),
}

/// Hand `f` the workspace's records with an id above `after_id`, in id order (see the module's doc).
pub(super) async fn compact_evidence_after(
    direct: &Arc<Direct>,
    ws: &str,
    after_id: i64,
    f: &mut (impl FnMut(CompactEvidence) + Send),
) -> Ended {
    // Closed never: a failed acquire would only mean reading the usual way.
    let Ok(_turn) = READERS.acquire().await else {
        return Ended::Stopped { last_id: after_id };
    };
    let (tx, rx) = tokio::sync::mpsc::channel(AHEAD);
    let (direct, ws_owned) = (Arc::clone(direct), ws.to_string());
    // When the caller stops waiting (its future dropped), the receiver goes and the thread stops at its next
    // batch.
    let reading = tokio::task::spawn_blocking(move || read(&direct, &ws_owned, after_id, &tx));
    hand_over(rx, reading, after_id, f, "SQLite").await
}

/// Hand `f` the records the reader (`reading`, on `driver`'s connection) sends on `rx`, until it is done or
/// stops: how the read ended, with the last record handed over when it stopped.
pub(super) async fn hand_over<E: std::fmt::Display>(
    mut rx: tokio::sync::mpsc::Receiver<Sent<E>>,
    reading: tokio::task::JoinHandle<()>,
    after_id: i64,
    f: &mut (impl FnMut(CompactEvidence) + Send),
    driver: &str,
) -> Ended {
    let mut last_id = after_id;
    while let Some(sent) = rx.recv().await {
        match sent {
            Sent::Batch(records) => {
                for e in records {
                    last_id = e.id;
                    f(e);
                }
            }
            Sent::Corrupt(e) => return Ended::Corrupt(e),
            Sent::Failed(e) => {
                tracing::warn!(error = %e, "the evidence read on its own {driver} connection stopped; the rest is read the usual way");
                return Ended::Stopped { last_id };
            }
        }
    }
    match reading.await {
        Ok(()) => Ended::Done,
        Err(e) => {
            tracing::error!(error = %e, "the evidence read on its own {driver} connection panicked; the rest is read the usual way");
            Ended::Stopped { last_id }
        }
    }
}

/// The blocking thread's part: read and decode, and send the records in batches, then why it stopped, if it
/// stopped early. It stops quietly when the caller is gone.
fn read(
    direct: &Direct,
    ws: &str,
    after_id: i64,
    tx: &tokio::sync::mpsc::Sender<Sent<rusqlite::Error>>,
) {
    let send = |sent: Sent<rusqlite::Error>| tx.blocking_send(sent).is_ok();
    let run = || -> Result<(), RowError> {
        let conn = direct.reader()?;
        let mut stmt = conn.prepare(super::evidence::compact_after_sql())?;
        let params: [(&str, &dyn rusqlite::ToSql); 2] = [("$1", &ws), ("$2", &after_id)];
        let mut rows = stmt.query(&params[..])?;
        let decode = |r: &rusqlite::Row<'_>| {
            Ok(compact_of(
                [r.get(0)?, r.get(1)?, r.get(2)?],
                (r.get(3)?, r.get(4)?),
                text(r, 5)?,
                text(r, 6)?,
                r.get_ref(7)? != rusqlite::types::ValueRef::Null,
            )?)
        };
        send_in_batches(&mut rows, decode, |batch| send(Sent::Batch(batch)))
    };
    match run() {
        Ok(()) => {}
        // The driver failed: the caller reads the rest the usual way.
        Err(RowError::Driver(e)) => {
            send(Sent::Failed(e));
        }
        Err(RowError::Corrupt(e)) => {
            send(Sent::Corrupt(e));
        }
    }
}

/// Step `rows`, decode each with `decode` and hand them to `send` [`BATCH`] at a time, the last batch as it is
/// (`send` answers false when the caller is gone, and then it stops quietly). The first row that does not
/// step or decode is the error, after the rows before it were handed over in full batches only.
fn send_in_batches<T>(
    rows: &mut rusqlite::Rows<'_>,
    mut decode: impl FnMut(&rusqlite::Row<'_>) -> Result<T, RowError>,
    mut send: impl FnMut(Vec<T>) -> bool,
) -> Result<(), RowError> {
    let mut batch = Vec::with_capacity(BATCH);
    while let Some(r) = rows.next()? {
        batch.push(decode(r)?);
        if batch.len() == BATCH {
            let full = std::mem::replace(&mut batch, Vec::with_capacity(BATCH));
            if !send(full) {
                return Ok(());
            }
        }
    }
    if !batch.is_empty() {
        send(batch);
    }
    Ok(())
}

/// Column `i` of a row: the stored text itself, not a copy.
pub(super) fn text<'r>(r: &'r rusqlite::Row<'_>, i: usize) -> rusqlite::Result<&'r str> {
    let v = r.get_ref(i)?;
    v.as_str()
        .map_err(|_| rusqlite::Error::InvalidColumnType(i, String::new(), v.data_type()))
}

/// Why a row read on a connection of its own did not decode: the driver's failure, or a stored value that is not
/// what it must be.
pub(super) enum RowError {
    Driver(rusqlite::Error),
    Corrupt(StoreError),
}

impl From<rusqlite::Error> for RowError {
    fn from(e: rusqlite::Error) -> RowError {
        RowError::Driver(e)
    }
}

impl From<StoreError> for RowError {
    fn from(e: StoreError) -> RowError {
        RowError::Corrupt(e)
    }
}

/// A rusqlite failure partway through an export: the export's error, as a failure of the database's.
fn read_failed(e: rusqlite::Error) -> StoreError {
    StoreError::Db(sqlx::Error::Io(std::io::Error::other(e)))
}

/// The rows of an export statement (`$1` the workspace), read in one statement on a blocking thread over a
/// read-only connection of its own and decoded by `decode`, handed over in batches: through sqlx each row of
/// a large export was a message from the connection's worker thread and a row of the Any driver, about 6 µs a
/// row (BENCHMARKS.md, "Findings not fixed here"). None when that connection cannot be opened or the statement
/// prepared, before any row: the caller reads the usual way. A failure partway is the export's error. It waits
/// for one of the exports' turns, which it holds until the stream is read to the end or dropped.
pub(super) async fn export_rows<T: Send + 'static>(
    direct: &Arc<Direct>,
    sql: &'static str,
    ws: &str,
    decode: fn(&rusqlite::Row<'_>) -> Result<T, RowError>,
) -> Option<impl futures_util::Stream<Item = Result<T, StoreError>> + Send + 'static> {
    // Closed never: a failed acquire would only mean reading the usual way.
    let turn = EXPORTERS.acquire().await.ok()?;
    let (ready, is_ready) = tokio::sync::oneshot::channel();
    let (tx, rx) = tokio::sync::mpsc::channel(AHEAD);
    let (direct, ws) = (Arc::clone(direct), ws.to_string());
    // When the caller stops reading (the stream dropped), the receiver goes and the thread stops at its next
    // batch.
    tokio::task::spawn_blocking(move || {
        let _turn = turn;
        let conn = match direct.reader() {
            Ok(conn) => conn,
            Err(e) => {
                let _ = ready.send(Err(e));
                return;
            }
        };
        let mut stmt = match conn.prepare(sql) {
            Ok(stmt) => stmt,
            Err(e) => {
                let _ = ready.send(Err(e));
                return;
            }
        };
        if ready.send(Ok(())).is_err() {
            return;
        }
        let send = |sent: Result<Vec<T>, StoreError>| tx.blocking_send(sent).is_ok();
        let params: [(&str, &dyn rusqlite::ToSql); 1] = [("$1", &ws)];
        let sent = match stmt.query(&params[..]) {
            Ok(mut rows) => send_in_batches(&mut rows, decode, |batch| send(Ok(batch))),
            Err(e) => Err(RowError::Driver(e)),
        };
        // A failure partway is the export's error.
        match sent {
            Ok(()) => {}
            Err(RowError::Driver(e)) => {
                send(Err(read_failed(e)));
            }
            Err(RowError::Corrupt(e)) => {
                send(Err(e));
            }
        }
    });
    match is_ready.await {
        Ok(Ok(())) => Some(batches(rx)),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "no connection of its own for the export; it is read the usual way");
            None
        }
        Err(_) => None,
    }
}

/// The rows of batches sent by a reading thread or task, then its error, if it sent one (nothing after it).
fn batches<T: Send + 'static>(
    rx: tokio::sync::mpsc::Receiver<Result<Vec<T>, StoreError>>,
) -> impl futures_util::Stream<Item = Result<T, StoreError>> + Send + 'static {
    futures_util::stream::unfold(
        (rx, Vec::new().into_iter()),
        |(mut rx, mut batch)| async move {
            loop {
                if let Some(row) = batch.next() {
                    return Some((Ok(row), (rx, batch)));
                }
                match rx.recv().await? {
                    Ok(rows) => batch = rows.into_iter(),
                    Err(e) => {
                        rx.close();
                        return Some((Err(e), (rx, batch)));
                    }
                }
            }
        },
    )
}

#[cfg(test)]
pub(super) mod tests {
    use super::super::Store;
    use crate::domain::evidence::CompactEvidence;
    use futures::TryStreamExt;

    /// A SQLite file with workspace `ws1`: 300 partners, two traits, 9,600 records (several batches), every
    /// 17th retracted, met or a value, and 2,400 records of workspace `ws2` among them.
    pub(in crate::store) async fn seeded() -> (tempfile::TempDir, Store, String) {
        use super::super::write::Write;
        let (dir, store, _) = super::super::tests::on_a_temp_file().await;
        sqlx::query(
            "INSERT INTO profiles (id, workspace_id, partner_type, name, owner, created_at) \
            VALUES (1, 'ws1', 'reseller', 'Resellers', 'lead', '2026-01-01T00:00:00Z')",
        )
        .write(store.pool())
        .await
        .unwrap();
        sqlx::query(
            "INSERT INTO traits (id, workspace_id, profile_id, name, name_key, added_in) \
            VALUES (1, 'ws1', 1, 'A', 'a', 1), (2, 'ws1', 1, 'B', 'b', 1)",
        )
        .write(store.pool())
        .await
        .unwrap();
        sqlx::query(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 300) \
            INSERT INTO partners (id, workspace_id, name, name_key, partner_type, stage, created_by, created_at) \
            SELECT i, 'ws1', 'P' || i, 'p' || i, 'reseller', 'prospect', 'lead', '2026-01-01T00:00:00Z' FROM n"
        )
        .write(store.pool())
        .await
        .unwrap();
        sqlx::query(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 12000) \
            INSERT INTO evidence (workspace_id, partner_id, trait_id, met, value, observed, recorded_by, \
            recorded_at, retracted_at) \
            SELECT iif(i % 5 = 0, 'ws2', 'ws1'), 1 + i % 300, 1 + i % 2, iif(i % 3 = 0, NULL, i % 2), \
            iif(i % 3 = 0, i * 0.25, NULL), date('2026-01-01', '+' || (i % 300) || ' days'), 'lead', \
            strftime('%Y-%m-%dT%H:%M:%fZ', '2026-01-01', '+' || i || ' seconds'), \
            iif(i % 17 = 0, '2026-11-01T00:00:00Z', NULL) FROM n"
        )
        .write(store.pool())
        .await
        .unwrap();
        (dir, store, "ws1".to_string())
    }

    async fn usual_way(store: &Store, ws: &str, after_id: i64) -> Vec<CompactEvidence> {
        let mut rows = sqlx::query(sqlx::AssertSqlSafe(
            super::super::evidence::compact_after_sql(),
        ))
        .bind(ws)
        .bind(after_id)
        .fetch(store.pool());
        let mut all = Vec::new();
        while let Some(r) = rows.try_next().await.unwrap() {
            all.push(super::super::evidence::compact_from_row(&r).unwrap());
        }
        all
    }

    /// The workspace's records as the store hands them to the evidence cache.
    async fn through_store(store: &Store, ws: &str) -> Vec<CompactEvidence> {
        let mut all = Vec::new();
        store
            .compact_evidence_after(ws, 0, |e| all.push(e))
            .await
            .unwrap();
        all
    }

    /// Store `day` as record `id`'s observed date, as it is, valid or not.
    async fn set_observed(store: &Store, id: i64, day: &str) {
        use super::super::write::Write;
        let n = sqlx::query("UPDATE evidence SET observed = $1 WHERE id = $2")
            .bind(day.to_string())
            .bind(id)
            .write(store.pool())
            .await
            .unwrap();
        assert_eq!(n, 1);
    }

    async fn bulk(store: &Store, ws: &str, after_id: i64) -> (Vec<CompactEvidence>, super::Ended) {
        let direct = store
            .direct
            .as_ref()
            .expect("a SQLite file has a direct connection");
        let mut all = Vec::new();
        let ended = super::compact_evidence_after(direct, ws, after_id, &mut |e| all.push(e)).await;
        (all, ended)
    }

    /// The blocking thread's read hands over exactly the records the usual way reads, in the same order, from
    /// the start and from partway; none for another workspace.
    #[tokio::test]
    async fn the_read_on_its_own_connection_is_the_usual_read() {
        let (_dir, store, ws) = seeded().await;
        let all = usual_way(&store, &ws, 0).await;
        assert_eq!(all.len(), 9_600);
        assert!(all.len() > 2 * super::BATCH);
        assert!(all.iter().any(|e| e.retracted) && all.iter().any(|e| !e.retracted));
        let (read, ended) = bulk(&store, &ws, 0).await;
        assert!(matches!(ended, super::Ended::Done), "{ended:?}");
        assert_eq!(read, all);
        let from = all[all.len() / 2].id;
        let (read, _) = bulk(&store, &ws, from).await;
        assert_eq!(read, usual_way(&store, &ws, from).await);
        assert_eq!(read.first().map(|e| e.id), Some(all[all.len() / 2 + 1].id));
        let (read, ended) = bulk(&store, "another", 0).await;
        assert!(read.is_empty() && matches!(ended, super::Ended::Done));
        // Through the store: the same records.
        assert_eq!(through_store(&store, &ws).await, all);
        // More reads at once than may run together: the others wait their turn, and all read the same.
        let many = (0..super::AT_ONCE + 2).map(|_| through_store(&store, &ws));
        let reads = tokio::time::timeout(
            std::time::Duration::from_secs(60),
            futures::future::join_all(many),
        );
        for read in reads.await.expect("every read got its turn") {
            assert_eq!(read, all);
        }
    }

    /// When its connection cannot be opened (here: closed for good), it stops before handing anything over and
    /// the store reads everything the usual way; a record that does not decode is the read's error.
    #[tokio::test]
    async fn a_read_that_cannot_go_on_is_finished_the_usual_way() {
        let (_dir, store, ws) = seeded().await;
        let all = usual_way(&store, &ws, 0).await;
        set_observed(&store, all[100].id, "2026-13-45").await;
        let (read, ended) = bulk(&store, &ws, 0).await;
        assert!(
            matches!(&ended, super::Ended::Corrupt(super::StoreError::Corrupt(m)) if m.contains("2026-13-45")),
            "{ended:?}"
        );
        assert!(read.len() <= 100);
        set_observed(&store, all[100].id, "2026-11-30").await;
        let all = usual_way(&store, &ws, 0).await;
        store.direct.as_ref().unwrap().close();
        let (read, ended) = bulk(&store, &ws, 42).await;
        assert!(read.is_empty());
        assert!(
            matches!(ended, super::Ended::Stopped { last_id: 42 }),
            "{ended:?}"
        );
        assert_eq!(through_store(&store, &ws).await, all);
    }

    /// An export of the workspace's record ids, in id order.
    const IDS: &str = "SELECT id FROM evidence WHERE workspace_id = $1 ORDER BY id";

    fn id_of(r: &rusqlite::Row<'_>) -> Result<i64, super::RowError> {
        Ok(r.get(0)?)
    }

    /// Exports take turns of their own: with every export's turn held by an export nobody reads (its thread
    /// waiting to hand over more), as many first loads as may run at once still run together (each waits, at
    /// its first record, until all of them have one) and read everything; one more export waits for a turn
    /// until a held one is dropped, then reads everything.
    #[tokio::test(flavor = "multi_thread", worker_threads = 5)]
    async fn exports_do_not_hold_up_first_loads() {
        use futures::FutureExt;
        use std::sync::{Arc, Condvar, Mutex};
        let (_dir, store, ws) = seeded().await;
        let direct = store.direct.as_ref().expect("a SQLite file has one");
        let all = usual_way(&store, &ws, 0).await;
        // More than the channel holds: a held export's thread waits to hand over the rest.
        assert!(all.len() > super::AHEAD * super::BATCH);
        let mut held = Vec::new();
        for _ in 0..super::EXPORTS_AT_ONCE {
            let rows = super::export_rows(direct, IDS, &ws, id_of).await;
            held.push(rows.expect("a connection of its own"));
        }
        // Each load on a task (and a worker thread) of its own, since it blocks there at its first record.
        let started = Arc::new((Mutex::new(0), Condvar::new()));
        let loads = (0..super::AT_ONCE).map(|_| {
            let (store, ws, started) = (store.clone(), ws.clone(), Arc::clone(&started));
            tokio::spawn(async move {
                let (mut read, mut together) = (Vec::new(), None);
                store
                    .compact_evidence_after(&ws, 0, |e| {
                        if read.is_empty() {
                            let (count, all_started) = &*started;
                            let mut count = count.lock().unwrap();
                            *count += 1;
                            all_started.notify_all();
                            let wait = std::time::Duration::from_secs(30);
                            let short = |n: &mut usize| *n < super::AT_ONCE;
                            let (count, waited) =
                                all_started.wait_timeout_while(count, wait, short).unwrap();
                            drop(count);
                            together = Some(!waited.timed_out());
                        }
                        read.push(e);
                    })
                    .await
                    .unwrap();
                (read, together)
            })
        });
        for load in futures::future::join_all(loads).await {
            let (read, together) = load.unwrap();
            assert_eq!(
                together,
                Some(true),
                "a first load waited for an export's turn"
            );
            assert_eq!(read, all);
        }
        let more = super::export_rows(direct, IDS, &ws, id_of);
        let mut more = std::pin::pin!(more);
        assert!(
            (&mut more).now_or_never().is_none(),
            "an export ran beyond the exports' turns"
        );
        drop(held.pop());
        let ids: Vec<i64> = more
            .await
            .expect("a connection of its own")
            .try_collect()
            .await
            .unwrap();
        assert_eq!(ids, all.iter().map(|e| e.id).collect::<Vec<_>>());
    }
}
