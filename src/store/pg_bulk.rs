//! On PostgreSQL, the evidence cache's first read of a whole workspace
//! ([`Store::compact_evidence_after`](super::Store::compact_evidence_after) from id 0) runs over a native
//! PostgreSQL connection of its own, opened for the read and closed after it, instead of the pool's Any
//! connections. The Any driver converts every row into a row of its own, its column descriptions again for
//! every row, and that was over a third of a first load's CPU (BENCHMARKS.md, "Findings not fixed here"). Here
//! the stored text is decoded in place from the server's row.
//!
//! The same statement and the same decoder of a record ([`super::evidence::compact_of`]) as the usual read, so
//! the records are the same, and the same contract as SQLite's [`super::bulk`]: when the connection cannot be
//! opened (within [`super::PG_ACQUIRE_TIMEOUT`], as long as the pool waits for one of its own) or the read
//! fails partway, the rest is read the usual way from the last record handed over, so nothing is read twice
//! and nothing is missed; a stored record that does not decode is the read's error either way. These reads
//! share [`super::bulk`]'s limit of reads at once in a process. Once the store is closed, no connection is
//! opened.

use super::bulk::{Ended, READERS};
use super::evidence::{compact_after_sql, compact_of};
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

    /// Hand `f` the workspace's records with an id above `after_id`, in id order (see the module's doc).
    pub(super) async fn compact_evidence_after(
        &self,
        ws: &str,
        after_id: i64,
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
        let ended = read(&mut conn, ws, after_id, f).await;
        // A read that ended tells the server it is closing; a connection that failed is only dropped.
        if !matches!(ended, Ended::Stopped { .. }) {
            let _ = conn.close().await;
        }
        ended
    }
}

/// Read and decode on `conn`, handing the records to `f` as they come.
async fn read(
    conn: &mut PgConnection,
    ws: &str,
    after_id: i64,
    f: &mut (impl FnMut(CompactEvidence) + Send),
) -> Ended {
    let mut last_id = after_id;
    let mut rows = sqlx::query(AssertSqlSafe(compact_after_sql()))
        .bind(ws)
        .bind(after_id)
        .fetch(conn);
    loop {
        match rows.try_next().await {
            Ok(Some(r)) => match compact_from_pg_row(&r) {
                Ok(e) => {
                    last_id = e.id;
                    f(e);
                }
                Err(e) => return Ended::Corrupt(e),
            },
            Ok(None) => return Ended::Done,
            Err(e) => {
                tracing::warn!(error = %e, "the evidence read on its own PostgreSQL connection stopped; the rest is read the usual way");
                return Ended::Stopped { last_id };
            }
        }
    }
}

/// A record of a server's row of [`compact_after_sql`]: the stored text read in place.
fn compact_from_pg_row(r: &PgRow) -> Result<CompactEvidence, StoreError> {
    compact_of(
        [r.try_get(0)?, r.try_get(1)?, r.try_get(2)?],
        (r.try_get(3)?, r.try_get(4)?),
        r.try_get::<&str, _>(5)?,
        r.try_get::<&str, _>(6)?,
        r.try_get::<Option<&str>, _>(7)?.is_some(),
    )
}
