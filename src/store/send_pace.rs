//! The bot's send pace, shared by its processes: Discord allows a bot 50 requests a second over every process on
//! its token, so the processes reserve their send slots in one row per bot (`send_pace`, keyed by the bot's user
//! id). A reservation of `count` slots `spacing` apart moves the row's `next_at` (microseconds since the epoch, by
//! the database's clock) past them in one statement, and answers how long from the database's "now" the first
//! slot is: every slot of the bot, whichever process holds it, is `spacing` from the next, and no process needs
//! to trust its own clock against another machine's.
//!
//! A process given a global 429 holds the bot's other processes back for its `retry_after` (Discord's wait is the
//! token's): one statement moves `next_at` to the database's now + that wait unless it is already further
//! ([`Store::hold_back_sends`]), so no slot is reserved before the wait's end; slots reserved before it are not
//! recalled.
//!
//! `next_at` is never taken as more than [`AHEAD_AT_MOST`] ahead of the database's clock: a clock stepped back holds
//! the bot's posts back for that long at most. (Each process reserves only a little ahead of its needs, so in use
//! the budget runs well under a second ahead: a process that reserved slots and died costs the others less.)
//!
//! Reservations and hold-backs are taken on a connection of their own, connected when first used and again after
//! a failure, so that they never wait behind the digests' own queries for a pooled connection; its commits do not
//! wait for the disk (SQLite's `synchronous = NORMAL`, PostgreSQL's `synchronous_commit = off`: the row is still
//! updated under its lock, each reservation after the last, but the commit is answered before the WAL's
//! `fdatasync`, which took about 4 ms a reservation on the bench's machine, under the row's lock, so one process's
//! reservation held up the others'). A reservation lost to a crash of the database costs nothing lasting: the
//! slots it reserved are handed out again, and a 429 is the safety net for that one moment. A statement that does
//! not answer within the caller's time is abandoned (its connection dropped) and reported as an error: after a
//! reservation the caller paces alone meanwhile; after a hold-back the other processes were not held back.

use super::side_conn::SideConn;
use super::write::WriteReturning;
use super::{Backend, Result, Store, StoreError};
use std::time::Duration;

/// How far ahead of the database's clock `next_at` is taken to be at most (see the module's doc).
pub const AHEAD_AT_MOST: Duration = Duration::from_secs(10);

/// What the connection that reserves send slots runs once connected: its commits do not wait for the disk, on
/// SQLite nor on PostgreSQL (see the module's doc).
pub(crate) const PACE_SETUP: super::side_conn::Setup = super::side_conn::Setup {
    sqlite: super::SQLITE_NO_DISK_WAIT,
    postgres: "SET synchronous_commit = off",
};

/// The reservation statement of `backend`. Its parameters: `bot`, the slots' total `span` and [`AHEAD_AT_MOST`],
/// both in microseconds; it answers the delay of the first slot in microseconds.
fn reserve_sql(backend: Backend) -> &'static str {
    match backend {
        // clock_timestamp() is read once (a CTE with a volatile function is computed once), and it is the time
        // of the statement, not of its transaction.
        Backend::Postgres => {
            "WITH c AS (SELECT CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000000 AS BIGINT) AS now_us) \
             INSERT INTO send_pace AS p (bot_key, next_at) SELECT $1, c.now_us + $2 FROM c \
             ON CONFLICT (bot_key) DO UPDATE SET next_at = \
               GREATEST(LEAST(p.next_at, (SELECT now_us FROM c) + $3), (SELECT now_us FROM c)) + $2 \
             RETURNING p.next_at - $2 - (SELECT now_us FROM c)"
        }
        // 'now' is the same throughout one statement; julianday() keeps milliseconds.
        Backend::Sqlite => {
            "INSERT INTO send_pace (bot_key, next_at) \
               VALUES ($1, CAST((julianday('now') - 2440587.5) * 86400000000 AS INTEGER) + $2) \
             ON CONFLICT (bot_key) DO UPDATE SET next_at = \
               MAX(MIN(next_at, CAST((julianday('now') - 2440587.5) * 86400000000 AS INTEGER) + $3), \
                   CAST((julianday('now') - 2440587.5) * 86400000000 AS INTEGER)) + $2 \
             RETURNING next_at - $2 - CAST((julianday('now') - 2440587.5) * 86400000000 AS INTEGER)"
        }
    }
}

/// The hold-back statement of `backend`. Its parameters: `bot`, the wait `hold` and [`AHEAD_AT_MOST`], both in
/// microseconds; it answers how far ahead of the database's "now" `next_at` is afterwards, in microseconds.
fn hold_back_sql(backend: Backend) -> &'static str {
    match backend {
        // As in `reserve_sql`: clock_timestamp() read once, the time of the statement.
        Backend::Postgres => {
            "WITH c AS (SELECT CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000000 AS BIGINT) AS now_us) \
             INSERT INTO send_pace AS p (bot_key, next_at) SELECT $1, c.now_us + $2 FROM c \
             ON CONFLICT (bot_key) DO UPDATE SET next_at = \
               GREATEST(LEAST(p.next_at, (SELECT now_us FROM c) + $3), (SELECT now_us FROM c) + $2) \
             RETURNING p.next_at - (SELECT now_us FROM c)"
        }
        Backend::Sqlite => {
            "INSERT INTO send_pace (bot_key, next_at) \
               VALUES ($1, CAST((julianday('now') - 2440587.5) * 86400000000 AS INTEGER) + $2) \
             ON CONFLICT (bot_key) DO UPDATE SET next_at = \
               MAX(MIN(next_at, CAST((julianday('now') - 2440587.5) * 86400000000 AS INTEGER) + $3), \
                   CAST((julianday('now') - 2440587.5) * 86400000000 AS INTEGER) + $2) \
             RETURNING next_at - CAST((julianday('now') - 2440587.5) * 86400000000 AS INTEGER)"
        }
    }
}

fn micros(d: Duration) -> i64 {
    i64::try_from(d.as_micros()).unwrap_or(i64::MAX)
}

/// A statement on the bot's row: a reservation of slots spanning `span` µs, or a hold-back of `hold` µs.
#[derive(Clone, Copy)]
enum PaceStatement {
    Reserve { span: i64 },
    HoldBack { hold: i64 },
}

/// Run `what` on `exec`: its statement on `backend` ([`reserve_sql`], [`hold_back_sql`]) with `bot`, its figure
/// and [`AHEAD_AT_MOST`]; it answers the statement's figure, in microseconds.
async fn run_on<'c, E>(
    exec: E,
    backend: Backend,
    bot: &str,
    what: PaceStatement,
) -> sqlx::Result<i64>
where
    E: 'c + sqlx::Executor<'c, Database = sqlx::Any>,
{
    let (sql, micros_of_what) = match what {
        PaceStatement::Reserve { span } => (reserve_sql(backend), span),
        PaceStatement::HoldBack { hold } => (hold_back_sql(backend), hold),
    };
    sqlx::query_scalar::<_, i64>(sql)
        .bind(bot.to_string())
        .bind(micros_of_what)
        .bind(micros(AHEAD_AT_MOST))
        .write_one(exec)
        .await
}

impl Store {
    /// Reserve `count` send slots of the bot `bot`, `spacing` apart: how long from now (by the database's clock,
    /// when it ran the statement) until the first one. An error when the database did not answer within `within`
    /// (the reservation is then abandoned; its slots, if it was made, go unused).
    #[tracing::instrument(skip_all)]
    pub async fn reserve_sends(
        &self,
        bot: &str,
        count: u32,
        spacing: Duration,
        within: Duration,
    ) -> Result<Duration> {
        let span = micros(spacing).saturating_mul(i64::from(count.max(1)));
        self.on_pace(bot, PaceStatement::Reserve { span }, within)
            .await
    }

    /// Hold back the bot `bot`'s sends for `hold` (at most [`AHEAD_AT_MOST`]): no slot is reserved before the
    /// database's "now" + `hold` from then on (`next_at` is moved there unless it is already further; slots
    /// reserved before are not recalled). What a process does on a global 429, whose wait applies to the whole
    /// token. It answers how far ahead of the database's clock the budget is afterwards; an error when the
    /// database did not answer within `within`.
    #[tracing::instrument(skip_all)]
    pub async fn hold_back_sends(
        &self,
        bot: &str,
        hold: Duration,
        within: Duration,
    ) -> Result<Duration> {
        let hold = micros(hold.min(AHEAD_AT_MOST));
        self.on_pace(bot, PaceStatement::HoldBack { hold }, within)
            .await
    }

    /// Run `what` on the pace connection (or the pool, on an in-memory database): its answer in microseconds,
    /// as a duration. An error when the database did not answer within `within`.
    async fn on_pace(&self, bot: &str, what: PaceStatement, within: Duration) -> Result<Duration> {
        let late = || StoreError::Unreachable("the send pace was not answered in time".into());
        let delay = match &self.pace {
            Some(pace) => {
                let mut slot = tokio::time::timeout(within, pace.lock())
                    .await
                    .map_err(|_| late())?;
                match tokio::time::timeout(within, pace.connect(&mut slot)).await {
                    Ok(Ok(())) => {}
                    Ok(Err(e)) => return Err(e.into()),
                    Err(_) => return Err(late()),
                }
                let Some(conn) = slot.as_mut() else {
                    return Err(StoreError::Unreachable("the store is closed".into()));
                };
                match tokio::time::timeout(within, run_on(&mut *conn, self.backend, bot, what))
                    .await
                {
                    Ok(Ok(delay)) => delay,
                    Ok(Err(e)) => {
                        let failed = Err(e);
                        SideConn::after(&mut slot, &failed);
                        return failed.map_err(StoreError::from);
                    }
                    Err(_) => {
                        // Cut off mid-statement: the connection's state is unknown, so it is dropped.
                        slot.take();
                        return Err(late());
                    }
                }
            }
            None => tokio::time::timeout(within, run_on(self.pool(), self.backend, bot, what))
                .await
                .map_err(|_| late())??,
        };
        Ok(Duration::from_micros(u64::try_from(delay).unwrap_or(0)))
    }
}
