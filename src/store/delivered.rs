//! Chat events taken up by this deployment, by the platform's id for each (a Discord interaction or mention, a
//! Slack command or mention): the first process to insert the id handles the event; a second delivery of it
//! (two processes on one shard, a redelivery) finds the id taken and is dropped. The primary key decides, so
//! two processes at the same instant cannot both win. Ids older than a day are deleted periodically (the
//! scheduler runs [`Store::forget_events_before`]): platforms deliver an event again within minutes, not days. The
//! table has no index by time (migration 0010): every event inserts its id, the deletion runs every ten minutes,
//! so each insert writes one B-tree (on SQLite one page to the WAL, where it wrote three) and the deletion reads
//! the table, at most a day of ids. The statement that takes an id also answers the workspace's settings
//! ([`Store::take_event`]; on the calling thread's connection, an insert and a read in one transaction): a chat
//! command needs them before it runs (the caller's role), and reading them with the id spares a second hand-off
//! to a connection and back.
//!
//! On a SQLite file the ids are taken on a connection of their own whose commits do not wait for
//! the disk (`PRAGMA synchronous = NORMAL`): every interaction takes an id before it is answered, and with
//! the default (`FULL`) each took an `fdatasync` of the WAL first — the largest part of a `/screen`'s time end
//! to end, and milliseconds whenever the disk is busy (BENCHMARKS.md, "the end-to-end floor"). The id is still
//! committed before the event is handled: every other process sees it at once, and a crash of the process
//! loses nothing. Only an operating-system crash or a power cut can lose it, and then only when nothing was
//! written after it: the WAL is one file written in order, so the `fdatasync` of any later write (which keeps
//! `FULL`) makes the ids taken before it durable too. A command that recorded something is therefore never
//! taken again after a power cut; one that only answered could, if its event were delivered again.
//!
//! That connection is, first, the one that runs the statement on the calling thread ([`super::direct`]); when
//! it cannot (another writer holds the lock, or the statement failed), the connection of its own ([`super::side_conn`]),
//! which runs on sqlx's worker thread with the same `synchronous = NORMAL` and waits for the lock.

use super::side_conn::SideConn;
use super::write::{Write, WriteReturning};
use super::{ts, Backend, Result, SettingsRow, Store};
use chrono::{DateTime, Utc};
use sqlx::AssertSqlSafe;

/// What the connection that takes event ids runs once connected (it is used on a SQLite file only): its commits
/// do not wait for the disk (see the module's doc).
pub(crate) const CLAIMS_SETUP: super::side_conn::Setup = super::side_conn::Setup {
    sqlite: super::SQLITE_NO_DISK_WAIT,
    postgres: "",
};

/// Insert the event id `$1` of workspace `$2` at `$3` unless it is taken.
pub(super) const INSERT_SQL: &str =
    "INSERT INTO delivered_events (event_key, workspace_id, seen_at) VALUES ($1, $2, $3) \
     ON CONFLICT (event_key) DO NOTHING";

/// [`INSERT_SQL`], answering the workspace's settings (see [`Store::take_event`]): one row when this call took
/// the id, holding the settings as a JSON array of the `SETTINGS_COLS` (null when the workspace never set any);
/// no row for a repeat.
fn take_sql(backend: Backend) -> String {
    let settings = super::evidence::json_cols(backend, "s", super::settings::SETTINGS_COLS);
    format!(
        "{INSERT_SQL} \
         RETURNING (SELECT CAST({settings} AS TEXT) FROM workspace_settings s WHERE s.workspace_id = $2)"
    )
}

/// [`take_sql`] of the backend, built once.
fn take_sql_of(backend: Backend) -> &'static str {
    static SQLITE: std::sync::LazyLock<String> =
        std::sync::LazyLock::new(|| take_sql(Backend::Sqlite));
    static POSTGRES: std::sync::LazyLock<String> =
        std::sync::LazyLock::new(|| take_sql(Backend::Postgres));
    match backend {
        Backend::Sqlite => SQLITE.as_str(),
        Backend::Postgres => POSTGRES.as_str(),
    }
}

/// Run [`take_sql`] on `exec`: None for a repeat, else the settings' JSON (None: the defaults).
async fn insert_event<'c, E>(
    exec: E,
    backend: Backend,
    key: &str,
    ws: &str,
    now: DateTime<Utc>,
) -> sqlx::Result<Option<Option<String>>>
where
    E: 'c + sqlx::Executor<'c, Database = sqlx::Any>,
{
    sqlx::query_scalar(AssertSqlSafe(take_sql_of(backend)))
        .bind(key)
        .bind(ws)
        .bind(ts(now))
        .write_optional(exec)
        .await
}

/// The settings of a first delivery, from the JSON that [`take_sql`] answered.
pub(super) fn settings_of(json: Option<String>) -> Result<SettingsRow> {
    match json {
        None => Ok(SettingsRow::default()),
        Some(text) => serde_json::from_str(&text)
            .map_err(|e| super::StoreError::Corrupt(format!("workspace settings: {e}"))),
    }
}

impl Store {
    /// Take the event `key` (of workspace `ws`) at `now`: None for a repeat; for the first delivery, the
    /// workspace's settings as they are when the id is taken (the defaults when it never set any), read by the
    /// same statement. A chat command needs both before it runs (the settings give the caller's role): one
    /// statement, one hand-off to the connection, where the id and then the settings took two.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn take_event(
        &self,
        key: &str,
        ws: &str,
        now: DateTime<Utc>,
    ) -> Result<Option<SettingsRow>> {
        let backend = self.backend();
        if let Some(direct) = self.direct.as_ref().filter(|d| d.take_here()) {
            // On the calling thread, without waiting for a lock or the disk; else the usual way below. The id
            // and then the settings (the same read as `Store::settings`), in one transaction: the same answer as
            // the statement below.
            let at = ts(now);
            let params: [(&str, &dyn rusqlite::ToSql); 3] =
                [("$1", &key), ("$2", &ws), ("$3", &at)];
            let of_ws: [(&str, &dyn rusqlite::ToSql); 1] = [("$1", &ws)];
            let taken = direct.insert_then_read(
                INSERT_SQL,
                &params,
                super::settings::settings_sql(),
                &of_ws,
                |rows| {
                    rows.next()?
                        .map(super::settings::settings_of_row)
                        .transpose()
                },
            );
            if let Some(taken) = taken {
                return Ok(taken.map(Option::unwrap_or_default));
            }
        }
        if let Some(claims) = &self.claims {
            // Waiting for it beats the pool: a take is a few tens of microseconds there, and a durable commit
            // on the pool is an `fdatasync`. While it cannot connect, the pool takes the id.
            let mut slot = claims.lock().await;
            if let Err(e) = claims.connect(&mut slot).await {
                tracing::warn!(error = %e, "could not open the connection that takes event ids; the pool takes them");
            }
            if let Some(conn) = slot.as_mut() {
                let taken = insert_event(&mut *conn, backend, key, ws, now).await;
                // A connection-level error drops the connection, to connect again next time (the statement is
                // not run again elsewhere: the id may have been taken).
                SideConn::after(&mut slot, &taken);
                return taken?.map(settings_of).transpose();
            }
        }
        insert_event(self.pool(), backend, key, ws, now)
            .await?
            .map(settings_of)
            .transpose()
    }

    /// Forget the events taken before `before` (reading the whole table: see the module's doc); answers how many.
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
