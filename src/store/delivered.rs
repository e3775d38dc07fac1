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
//!
//! Each id is written with the delivery that took it (`owner`, migration 0011): a token of the process's random
//! id, drawn once per process, and the number of the delivery in that process ([`Store::next_event_owner`]), so
//! that one process given the same event twice (a redelivery) tells its two deliveries apart. A delivery whose
//! take timed out or failed cannot tell whether it took the id: the statement may still have committed after the
//! wait was given up. Once Discord decided the interaction's initial response, it asks [`Store::hold_event`]
//! with its token, which takes the id if it is still free and otherwise says whether the row's owner is that
//! token: the delivery that holds the id handles the event, any other drops it. An id taken before 0011 (or by a
//! binary of that time, during a rolling upgrade) has no owner: who holds it is [`Held::Unknown`].

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

/// Insert the event id `$1` of workspace `$2` at `$3`, taken by owner `$4`, unless it is taken.
pub(super) const INSERT_SQL: &str =
    "INSERT INTO delivered_events (event_key, workspace_id, seen_at, owner) VALUES ($1, $2, $3, $4) \
     ON CONFLICT (event_key) DO NOTHING";

/// Take the event id `$1` of workspace `$2` at `$3` for owner `$4` if it is free; answers the owner on its row
/// either way (the row is left as it was when taken: the update sets the owner to itself, only so that the row
/// is answered). NULL: taken before migration 0011, or by a binary without owners.
const HOLD_SQL: &str =
    "INSERT INTO delivered_events (event_key, workspace_id, seen_at, owner) VALUES ($1, $2, $3, $4) \
     ON CONFLICT (event_key) DO UPDATE SET owner = delivered_events.owner RETURNING owner";

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

/// Who holds an event id, as [`Store::hold_event`] found it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Held {
    /// The delivery that asked: taken by this very question, or by its own take earlier.
    Ours,
    /// Another delivery (of another process, or another delivery of the same event in this one).
    Another,
    /// The row has no owner: taken before migration 0011, or by a binary without owners (a rolling upgrade).
    Unknown,
}

/// Run [`take_sql`] on `exec` for `owner`: None for a repeat, else the settings' JSON (None: the defaults).
async fn insert_event<'c, E>(
    exec: E,
    backend: Backend,
    key: &str,
    ws: &str,
    now: DateTime<Utc>,
    owner: &str,
) -> sqlx::Result<Option<Option<String>>>
where
    E: 'c + sqlx::Executor<'c, Database = sqlx::Any>,
{
    sqlx::query_scalar(AssertSqlSafe(take_sql_of(backend)))
        .bind(key)
        .bind(ws)
        .bind(ts(now))
        .bind(owner)
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
    /// Take the event `key` (of workspace `ws`) at `now` for the delivery `owner` ([`Store::next_event_owner`]):
    /// None for a repeat; for the first delivery, the workspace's settings as they are when the id is taken (the
    /// defaults when it never set any), read by the same statement. A chat command needs both before it runs (the
    /// settings give the caller's role): one statement, one hand-off to the connection, where the id and then the
    /// settings took two. The id is written with `owner` ([`Store::hold_event`] compares against it).
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn take_event(
        &self,
        key: &str,
        ws: &str,
        now: DateTime<Utc>,
        owner: &str,
    ) -> Result<Option<SettingsRow>> {
        let backend = self.backend();
        if let Some(direct) = self.direct.as_ref().filter(|d| d.take_here()) {
            // On the calling thread, without waiting for a lock or the disk; else the usual way below. The id
            // and then the settings (the same read as `Store::settings`), in one transaction: the same answer as
            // the statement below.
            let at = ts(now);
            let params: [(&str, &dyn rusqlite::ToSql); 4] =
                [("$1", &key), ("$2", &ws), ("$3", &at), ("$4", &owner)];
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
                let taken = insert_event(&mut *conn, backend, key, ws, now, owner).await;
                // A connection-level error drops the connection, to connect again next time (the statement is
                // not run again elsewhere: the id may have been taken).
                SideConn::after(&mut slot, &taken);
                return taken?.map(settings_of).transpose();
            }
        }
        insert_event(self.pool(), backend, key, ws, now, owner)
            .await?
            .map(settings_of)
            .transpose()
    }

    /// Who holds the event `key` (of workspace `ws`), asked by the delivery `owner`: its id is taken here at `now`
    /// for `owner` if no delivery took it yet ([`Held::Ours`]); else [`Held::Ours`] only when the row's owner is
    /// `owner` (its own take that timed out and committed after all, or an earlier question of its own),
    /// [`Held::Another`] for any other owner, and [`Held::Unknown`] for a row without one (taken before migration
    /// 0011, or by a binary without owners). One statement, on the pool (it runs only after a take that could
    /// not say, a rare path); it changes no row that was taken.
    #[tracing::instrument(level = "debug", skip_all)]
    pub async fn hold_event(
        &self,
        key: &str,
        ws: &str,
        now: DateTime<Utc>,
        owner: &str,
    ) -> Result<Held> {
        let found: Option<String> = sqlx::query_scalar(HOLD_SQL)
            .bind(key)
            .bind(ws)
            .bind(ts(now))
            .bind(owner)
            .write_one(self.pool())
            .await?;
        Ok(match found {
            Some(found) if found == owner => Held::Ours,
            Some(_) => Held::Another,
            None => Held::Unknown,
        })
    }

    /// This process's random id, the first part of the owner token of each delivery it takes an event id for
    /// (drawn when the store was connected, shared by its clones; see the module's doc).
    pub fn event_owner(&self) -> &str {
        &self.owner
    }

    /// A new delivery's owner token: `{process id}:{n}`, `n` counted up from 0 in this process (shared by the
    /// store's clones), so no two deliveries of any process have the same one.
    pub fn next_event_owner(&self) -> String {
        let n = self
            .deliveries
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        format!("{}:{n}", self.owner)
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
