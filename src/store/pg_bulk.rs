//! On PostgreSQL, the evidence cache's first read of a whole workspace
//! ([`Store::compact_evidence_after`](super::Store::compact_evidence_after) from id 0) runs over a native
//! PostgreSQL connection of its own, opened for the read and closed after it, instead of the pool's Any
//! connections. The Any driver converts every row into a row of its own, its column descriptions again for
//! every row, and that was over a third of a first load's CPU (BENCHMARKS.md, "Findings not fixed here"). Here
//! the stored text is decoded in place from the server's row, on a task of its own that hands the records over
//! in batches, as SQLite's blocking thread does.
//!
//! The same statement ([`super::evidence::compact_range_sql`], up to the same bound) and the same decoder of a
//! record ([`super::evidence::compact_of`]) as the usual read, so the records are the same, and the same
//! contract as SQLite's [`super::bulk`]: when the connection cannot be opened (within
//! [`super::PG_ACQUIRE_TIMEOUT`], as long as the pool waits for one of its own) or the read fails partway, the
//! rest is read the usual way from the last record handed over, so nothing is read twice and nothing is missed;
//! a stored record that does not decode is the read's error either way. These reads share [`super::bulk`]'s
//! limit of reads at once in a process. Once the store is closed, no connection is opened.

use super::bulk::{hand_over, Ended, Sent, AHEAD, BATCH, READERS};
use super::evidence::{compact_of, compact_range_sql};
use super::{StoreError, PG_ACQUIRE_TIMEOUT};
use crate::domain::evidence::CompactEvidence;
use futures_util::TryStreamExt;
use sqlx::postgres::{PgConnectOptions, PgConnection, PgRow};
use sqlx::{AssertSqlSafe, ConnectOptions, Connection, Row};
use std::str::FromStr;
use std::sync::atomic::{AtomicBool, Ordering};

/// What a first load needs to open its connection: the store's connect options, and whether the store is
/// closed.
pub(super) struct PgBulk {
    /// The store's URL, parsed once (it may hold a password: never shown).
    options: PgConnectOptions,
    closed: AtomicBool,
}

impl std::fmt::Debug for PgBulk {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgBulk")
            .field("closed", &self.closed)
            .finish_non_exhaustive()
    }
}

impl PgBulk {
    /// For the PostgreSQL database at `url`; None when the URL does not parse as PostgreSQL's (the store has
    /// connected with it, so it does), and first loads are read the usual way.
    pub(super) fn new(url: &str) -> Option<PgBulk> {
        // One known long read (seconds at 100,000 partners): sqlx's warning of a statement over a second would
        // fire on every large first load. Its statement logs are off on this connection only.
        let options = PgConnectOptions::from_str(url)
            .ok()?
            .disable_statement_logging();
        Some(PgBulk {
            options,
            closed: AtomicBool::new(false),
        })
    }

    /// The store is closing: open no connection from now on.
    pub(super) fn close(&self) {
        self.closed.store(true, Ordering::Relaxed);
    }

    /// Hand `f` the workspace's records with an id above `after_id` and at most `up_to_id`, in id order (see
    /// the module's doc).
    pub(super) async fn compact_evidence_after(
        &self,
        ws: &str,
        after_id: i64,
        up_to_id: i64,
        f: &mut (impl FnMut(CompactEvidence) + Send),
    ) -> Ended {
        let stopped = Ended::Stopped { last_id: after_id };
        // Closed never: a failed acquire would only mean reading the usual way.
        let Ok(_turn) = READERS.acquire().await else {
            return stopped;
        };
        if self.closed.load(Ordering::Relaxed) {
            return stopped;
        }
        let mut conn = match tokio::time::timeout(
            PG_ACQUIRE_TIMEOUT,
            PgConnection::connect_with(&self.options),
        )
        .await
        {
            Ok(Ok(conn)) => conn,
            Ok(Err(e)) => {
                tracing::warn!(error = %e, "could not open a connection for the evidence read; it is read the usual way");
                return stopped;
            }
            Err(_) => {
                tracing::warn!(
                    "no connection for the evidence read within {} s; it is read the usual way",
                    PG_ACQUIRE_TIMEOUT.as_secs()
                );
                return stopped;
            }
        };
        // The read runs on a task of its own and hands its records over in batches: sqlx polls a stream's
        // producer inside the span that was current when the stream was made, so read on the caller's task,
        // every row entered and left the caller's spans (about a tenth of a first load's CPU); a task of its
        // own has none. Its decoding also runs beside the caller's filing of the batch before.
        let (tx, rx) = tokio::sync::mpsc::channel(AHEAD);
        let ws_owned = ws.to_string();
        // When the caller stops waiting (its future dropped), the receiver goes and the task stops at its next
        // batch, dropping the connection.
        let reading = tokio::spawn(async move {
            let failed = read(&mut conn, &ws_owned, (after_id, up_to_id), &tx).await;
            // A read that ended tells the server it is closing; a connection that failed is only dropped.
            if !failed {
                let _ = conn.close().await;
            }
        });
        hand_over(rx, reading, after_id, f, "PostgreSQL").await
    }
}

/// The reading task's part: read and decode on `conn` the records with an id in `(after, up_to]`, and send
/// them in batches, then why it stopped, if it stopped early. It stops quietly when the caller is gone. True
/// when the connection failed.
async fn read(
    conn: &mut PgConnection,
    ws: &str,
    (after_id, up_to_id): (i64, i64),
    tx: &tokio::sync::mpsc::Sender<Sent<sqlx::Error>>,
) -> bool {
    let mut rows = sqlx::query(AssertSqlSafe(compact_range_sql()))
        .bind(ws)
        .bind(after_id)
        .bind(up_to_id)
        .fetch(conn);
    let mut batch = Vec::with_capacity(BATCH);
    let (why, failed) = loop {
        match rows.try_next().await {
            Ok(Some(r)) => match compact_from_pg_row(&r) {
                Ok(e) => batch.push(e),
                Err(e) => break (Some(Sent::Corrupt(e)), false),
            },
            Ok(None) => break (None, false),
            Err(e) => break (Some(Sent::Failed(e)), true),
        }
        if batch.len() == BATCH {
            let full = std::mem::replace(&mut batch, Vec::with_capacity(BATCH));
            if tx.send(Sent::Batch(full)).await.is_err() {
                return false;
            }
        }
    };
    // The records decoded before the end, then why it ended.
    if !batch.is_empty() && tx.send(Sent::Batch(batch)).await.is_err() {
        return failed;
    }
    if let Some(why) = why {
        let _ = tx.send(why).await;
    }
    failed
}

/// A record of a server's row of [`compact_range_sql`]: the stored text read in place. The columns' types are
/// the statement's own, so each value is decoded without sqlx's check of its type against the Rust one (about a
/// twentieth of a first load); a value that does not decode is still the read's error.
fn compact_from_pg_row(r: &PgRow) -> Result<CompactEvidence, StoreError> {
    compact_of(
        [
            r.try_get_unchecked(0)?,
            r.try_get_unchecked(1)?,
            r.try_get_unchecked(2)?,
        ],
        (r.try_get_unchecked(3)?, r.try_get_unchecked(4)?),
        r.try_get_unchecked::<&str, _>(5)?,
        r.try_get_unchecked::<&str, _>(6)?,
        r.try_get_unchecked::<Option<&str>, _>(7)?.is_some(),
    )
}
