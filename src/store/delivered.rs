//! Chat events taken up by this deployment, by the platform's id for each (a Discord interaction or mention, a
//! Slack command or mention): the first process to insert the id handles the event; a second delivery of it
//! (two processes on one shard, a redelivery) finds the id taken and is dropped. The primary key decides, so
//! two processes at the same instant cannot both win. Ids older than a day are deleted as new ones arrive:
//! platforms deliver an event again within minutes, not days.
//!
//! On a SQLite file the ids are taken on a connection of their own ([`Claims`]) whose commits do not wait for
//! the disk (`PRAGMA synchronous = NORMAL`): every interaction takes an id before it is answered, and with
//! the default (`FULL`) each took an `fdatasync` of the WAL first — the largest part of a `/screen`'s time end
//! to end, and milliseconds whenever the disk is busy (BENCHMARKS.md, "the end-to-end floor"). The id is still
//! committed before the event is handled: every other process sees it at once, and a crash of the process
//! loses nothing. Only an operating-system crash or a power cut can lose it, and then only when nothing was
//! written after it: the WAL is one file written in order, so the `fdatasync` of any later write (which keeps
//! `FULL`) makes the ids taken before it durable too. A command that recorded something is therefore never
//! taken again after a power cut; one that only answered could, if its event were delivered again.

use super::write::Write;
use super::{sqlite_pragmas, ts, Result, Store};
use chrono::{DateTime, Utc};
use sqlx::Connection;
use std::sync::atomic::{AtomicBool, Ordering};

/// The connection that takes event ids on a SQLite file: its commits do not wait for the disk (see the
/// module's doc). Connected when first used and again after it failed; ids are taken on the pool (with the
/// database's durable commits) while it cannot connect.
pub(crate) struct Claims {
    conn: tokio::sync::Mutex<Option<sqlx::AnyConnection>>,
    /// Set when the store is closed: never connect again.
    closed: AtomicBool,
    url: String,
}

impl std::fmt::Debug for Claims {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Claims")
            .field("closed", &self.closed)
            .finish_non_exhaustive()
    }
}

impl Claims {
    /// For the SQLite database at `url` (not for an in-memory one: a second connection would be another
    /// database).
    pub(crate) fn sqlite(url: &str) -> Claims {
        Claims {
            conn: tokio::sync::Mutex::new(None),
            closed: AtomicBool::new(false),
            url: url.to_string(),
        }
    }

    async fn connect(url: &str) -> std::result::Result<sqlx::AnyConnection, sqlx::Error> {
        let mut conn = sqlx::AnyConnection::connect(url).await?;
        sqlite_pragmas(&mut conn).await?;
        sqlx::query("PRAGMA synchronous = NORMAL")
            .execute(&mut conn)
            .await?;
        Ok(conn)
    }

    /// Close the connection for good (the store is closing).
    pub(crate) async fn close(&self) {
        self.closed.store(true, Ordering::Relaxed);
        if let Some(conn) = self.conn.lock().await.take() {
            let _ = conn.close().await;
        }
    }
}

/// Insert the event id unless it is taken: 1 row when this call took it, 0 for a repeat.
async fn insert_event<'c, E>(exec: E, key: &str, ws: &str, now: DateTime<Utc>) -> sqlx::Result<u64>
where
    E: 'c + sqlx::Executor<'c, Database = sqlx::Any>,
{
    sqlx::query(
        "INSERT INTO delivered_events (event_key, workspace_id, seen_at) VALUES ($1, $2, $3) \
         ON CONFLICT (event_key) DO NOTHING",
    )
    .bind(key)
    .bind(ws)
    .bind(ts(now))
    .write(exec)
    .await
}

impl Store {
    /// Take the event `key` (of workspace `ws`) at `now`: true for the first delivery, false for a repeat.
    #[tracing::instrument(skip_all)]
    pub async fn take_event(&self, key: &str, ws: &str, now: DateTime<Utc>) -> Result<bool> {
        if let Some(claims) = &self.claims {
            // Waiting for it beats the pool: a take is a few tens of microseconds there, and a durable
            // commit on the pool is an `fdatasync`.
            let mut slot = claims.conn.lock().await;
            if slot.is_none() && !claims.closed.load(Ordering::Relaxed) {
                match Claims::connect(&claims.url).await {
                    Ok(conn) => *slot = Some(conn),
                    Err(e) => {
                        tracing::warn!(error = %e, "could not open the connection that takes event ids; the pool takes them")
                    }
                }
            }
            if let Some(conn) = slot.as_mut() {
                return match insert_event(&mut *conn, key, ws, now).await {
                    Ok(n) => Ok(n > 0),
                    Err(e) => {
                        // Not run again elsewhere: it may have been taken. Connected again next time.
                        if super::connection_lost(&e) {
                            slot.take();
                        }
                        Err(e.into())
                    }
                };
            }
        }
        let n = insert_event(self.pool(), key, ws, now).await?;
        Ok(n > 0)
    }

    /// Forget the events taken before `before`; answers how many.
    #[tracing::instrument(skip_all)]
    pub async fn forget_events_before(&self, before: DateTime<Utc>) -> Result<u64> {
        Ok(
            sqlx::query("DELETE FROM delivered_events WHERE seen_at < $1")
                .bind(ts(before))
                .write(self.pool())
                .await?,
        )
    }

    /// How many taken events are remembered (for tests and operators).
    #[tracing::instrument(skip_all)]
    pub async fn remembered_events(&self) -> Result<i64> {
        Ok(sqlx::query_scalar("SELECT COUNT(*) FROM delivered_events")
            .fetch_one(self.pool())
            .await?)
    }
}
