//! Chat events taken up by this deployment, by the platform's id for each (a Discord interaction or mention, a
//! Slack command or mention): the first process to insert the id handles the event; a second delivery of it
//! (two processes on one shard, a redelivery) finds the id taken and is dropped. The primary key decides, so
//! two processes at the same instant cannot both win. Ids older than a day are deleted as new ones arrive:
//! platforms deliver an event again within minutes, not days.

use super::write::Write;
use super::{ts, Result, Store};
use chrono::{DateTime, Utc};

impl Store {
    /// Take the event `key` (of workspace `ws`) at `now`: true for the first delivery, false for a repeat.
    #[tracing::instrument(skip_all)]
    pub async fn take_event(&self, key: &str, ws: &str, now: DateTime<Utc>) -> Result<bool> {
        let n = sqlx::query(
            "INSERT INTO delivered_events (event_key, workspace_id, seen_at) VALUES ($1, $2, $3) \
             ON CONFLICT (event_key) DO NOTHING",
        )
        .bind(key)
        .bind(ws)
        .bind(ts(now))
        .write(self.pool())
        .await?;
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
