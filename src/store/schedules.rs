//! Digest schedules and digest runs. A run is claimed (inserted) before it is posted: the primary key
//! (workspace, digest, period) makes each period's post exactly-once across restarts and processes, and a
//! lease lets another attempt take over a claim whose poster died before posting.

use super::write::{Write, WriteReturning};
use super::{get, opt_ts, parse_col, parse_ts, ts, Result, Store};
use crate::domain::{DigestKind, Period};
use chrono::{DateTime, Utc};
use sqlx::AssertSqlSafe;

/// A digest schedule as stored.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ScheduleRow {
    pub workspace_id: String,
    pub digest: DigestKind,
    pub cron: String,
    pub channel_id: String,
    pub paused: bool,
    pub set_by: String,
    #[serde(serialize_with = "crate::domain::stamp::serialize")]
    pub set_at: DateTime<Utc>,
    pub set_in_channel: Option<String>,
    pub last_error: Option<String>,
}

/// The outcome of trying to claim a digest period.
#[derive(Debug, Clone, PartialEq)]
pub enum Claim {
    /// This caller now owns the period and must post it (attempt number given).
    Claimed { attempt: i64 },
    /// The period was already posted, given up, or is being posted by someone whose lease is still valid.
    Taken,
}

/// A digest run as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct RunRow {
    pub period: Period,
    pub fire_at: DateTime<Utc>,
    pub late: bool,
    pub posted_at: Option<DateTime<Utc>>,
    pub attempts: i64,
    pub last_error: Option<String>,
}

const SCHEDULE_COLS: &str =
    "workspace_id, digest, cron, channel_id, paused, set_by, set_at, set_in_channel, last_error";

fn schedule_from_row(r: &sqlx::any::AnyRow) -> Result<ScheduleRow> {
    let digest: String = get(r, "digest")?;
    Ok(ScheduleRow {
        workspace_id: get(r, "workspace_id")?,
        digest: parse_col(&digest, "digest")?,
        cron: get(r, "cron")?,
        channel_id: get(r, "channel_id")?,
        paused: get::<i64>(r, "paused")? != 0,
        set_by: get(r, "set_by")?,
        set_at: parse_ts(&get::<String>(r, "set_at")?)?,
        set_in_channel: get(r, "set_in_channel")?,
        last_error: get(r, "last_error")?,
    })
}

/// Who holds (or posted) a run, and how it went.
#[derive(Debug, Clone, PartialEq)]
pub struct RunDetail {
    pub period: Period,
    pub claimed_by: String,
    pub lease_until: DateTime<Utc>,
    pub attempts: i64,
    pub posted_at: Option<DateTime<Utc>>,
    pub message_id: Option<String>,
    pub last_error: Option<String>,
}

/// A claimed run that was not posted and whose lease has expired.
#[derive(Debug, Clone, PartialEq)]
pub struct PendingRun {
    pub workspace_id: String,
    pub digest: DigestKind,
    pub period: Period,
    pub fire_at: DateTime<Utc>,
    pub late: bool,
}

/// An unpaused schedule with its workspace's settings and its latest run ([`Store::schedules_to_tick`]).
#[derive(Debug, Clone, PartialEq)]
pub struct ScheduleToTick {
    pub schedule: ScheduleRow,
    pub settings: super::SettingsRow,
    pub last: Option<RunRow>,
}

/// A period to claim ([`Store::claim_new_runs`]).
#[derive(Debug, Clone, PartialEq)]
pub struct NewRun {
    pub workspace_id: String,
    pub digest: DigestKind,
    pub period: Period,
    pub fire_at: DateTime<Utc>,
    pub late: bool,
}

/// [`Store::schedules_to_tick`]'s statement on `backend`: the schedules joined to their settings (as a JSON
/// array of the `SETTINGS_COLS`, null when the workspace never set any) and to their latest run by fire time.
fn schedules_to_tick_sql(backend: super::Backend) -> String {
    let settings = super::evidence::json_cols(backend, "w", super::settings::SETTINGS_COLS);
    let cols = SCHEDULE_COLS
        .split(", ")
        .map(|c| format!("s.{c}"))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "SELECT {cols}, \
           CASE WHEN w.workspace_id IS NULL THEN NULL ELSE CAST({settings} AS TEXT) END AS settings_json, \
           r.period AS run_period, r.fire_at AS run_fire_at, r.late AS run_late, r.posted_at AS run_posted_at, \
           r.attempts AS run_attempts, r.last_error AS run_last_error \
         FROM schedules s \
         LEFT JOIN workspace_settings w ON w.workspace_id = s.workspace_id \
         LEFT JOIN digest_runs r ON r.workspace_id = s.workspace_id AND r.digest = s.digest \
           AND r.period = (SELECT r2.period FROM digest_runs r2 \
             WHERE r2.workspace_id = s.workspace_id AND r2.digest = s.digest ORDER BY r2.fire_at DESC LIMIT 1) \
         WHERE s.paused = 0 ORDER BY s.workspace_id, s.digest"
    )
}

impl Period {
    /// The one decoder of a stored period: the text of a `digest` run's period, as [`Period`]'s `Display`
    /// wrote it. Text that is not a period of that digest is [`super::StoreError::Corrupt`].
    pub fn stored(digest: DigestKind, text: &str) -> Result<Period> {
        Period::parse(digest, text)
            .map_err(|_| super::StoreError::Corrupt(format!("{digest} period `{text}`")))
    }
}

/// The message id recorded for a run that was given up (e.g. the channel became unreachable): it marks the run
/// done, and no message was posted.
pub const GIVEN_UP: &str = "given-up";

impl Store {
    /// Create or replace a digest's schedule (unpaused, error cleared).
    #[tracing::instrument(skip_all)]
    #[allow(clippy::too_many_arguments)]
    pub async fn set_schedule(
        &self,
        ws: &str,
        digest: DigestKind,
        cron: &str,
        channel_id: &str,
        by: &str,
        set_in_channel: Option<&str>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO schedules (workspace_id, digest, cron, channel_id, paused, set_by, set_at, set_in_channel) \
             VALUES ($1, $2, $3, $4, 0, $5, $6, $7) ON CONFLICT (workspace_id, digest) DO UPDATE SET \
             cron = excluded.cron, channel_id = excluded.channel_id, paused = 0, set_by = excluded.set_by, \
             set_at = excluded.set_at, set_in_channel = excluded.set_in_channel, last_error = NULL",
        )
        .bind(ws)
        .bind(digest.as_str())
        .bind(cron)
        .bind(channel_id)
        .bind(by)
        .bind(ts(now))
        .bind(set_in_channel)
        .write(self.pool())
        .await?;
        Ok(())
    }

    /// Pause or resume; false when the digest has no schedule.
    #[tracing::instrument(skip_all)]
    pub async fn set_schedule_paused(
        &self,
        ws: &str,
        digest: DigestKind,
        paused: bool,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        // Resuming restarts the schedule at `now`: periods that fired while paused are not caught up.
        let query = if paused {
            sqlx::query("UPDATE schedules SET paused = 1 WHERE workspace_id = $1 AND digest = $2")
        } else {
            sqlx::query("UPDATE schedules SET paused = 0, set_at = $3 WHERE workspace_id = $1 AND digest = $2")
        };
        let query = query.bind(ws).bind(digest.as_str());
        let query = if paused { query } else { query.bind(ts(now)) };
        let n = query.write(self.pool()).await?;
        Ok(n > 0)
    }

    /// Record (or clear) the last delivery error of a schedule.
    #[tracing::instrument(skip_all)]
    pub async fn set_schedule_error(
        &self,
        ws: &str,
        digest: DigestKind,
        error: Option<&str>,
    ) -> Result<()> {
        sqlx::query("UPDATE schedules SET last_error = $1 WHERE workspace_id = $2 AND digest = $3")
            .bind(error)
            .bind(ws)
            .bind(digest.as_str())
            .write(self.pool())
            .await?;
        Ok(())
    }

    /// The schedules of one workspace.
    #[tracing::instrument(skip_all)]
    pub async fn schedules(&self, ws: &str) -> Result<Vec<ScheduleRow>> {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT {SCHEDULE_COLS} FROM schedules WHERE workspace_id = $1 ORDER BY digest DESC"
        )))
        .bind(ws)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(schedule_from_row).collect()
    }

    /// Every unpaused schedule of every workspace, for the scheduler.
    #[tracing::instrument(skip_all)]
    pub async fn active_schedules(&self) -> Result<Vec<ScheduleRow>> {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT {SCHEDULE_COLS} FROM schedules WHERE paused = 0 ORDER BY workspace_id, digest"
        )))
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(schedule_from_row).collect()
    }

    /// Every unpaused schedule of every workspace with what the scheduler needs to know whether it is due: its
    /// workspace's settings (the defaults when it never set any) and its latest run, as [`Store::latest_run`]
    /// gives it. One statement for a tick, where a statement for the settings and one for the latest run of each
    /// schedule took two round trips per schedule (two thousand for the thousand servers of a fan-out).
    #[tracing::instrument(skip_all)]
    pub async fn schedules_to_tick(&self) -> Result<Vec<ScheduleToTick>> {
        static SQLITE: std::sync::LazyLock<String> =
            std::sync::LazyLock::new(|| schedules_to_tick_sql(super::Backend::Sqlite));
        static POSTGRES: std::sync::LazyLock<String> =
            std::sync::LazyLock::new(|| schedules_to_tick_sql(super::Backend::Postgres));
        let sql = match self.backend() {
            super::Backend::Sqlite => SQLITE.as_str(),
            super::Backend::Postgres => POSTGRES.as_str(),
        };
        let rows = sqlx::query(AssertSqlSafe(sql))
            .fetch_all(self.pool())
            .await?;
        rows.iter()
            .map(|r| {
                let settings = super::delivered::settings_of(get(r, "settings_json")?)?;
                let schedule = schedule_from_row(r)?;
                let last = match get::<Option<String>>(r, "run_period")? {
                    None => None,
                    Some(period) => Some(RunRow {
                        period: Period::stored(schedule.digest, &period)?,
                        fire_at: parse_ts(&get::<String>(r, "run_fire_at")?)?,
                        late: get::<i64>(r, "run_late")? != 0,
                        posted_at: opt_ts(get(r, "run_posted_at")?)?,
                        attempts: get(r, "run_attempts")?,
                        last_error: get(r, "run_last_error")?,
                    }),
                };
                Ok(ScheduleToTick {
                    schedule,
                    settings,
                    last,
                })
            })
            .collect()
    }

    /// Claim several new periods at once, each as [`Store::claim_run`] claims one that has no run yet (at
    /// `now`, with a lease until `lease_until`), in one statement: the periods this call inserted, which its
    /// caller now owns and must post (first attempts), in no particular order. A period that has a run already
    /// (another process claimed it first) is left alone: it is not this caller's, and if its poster dies, the
    /// run is taken over once its lease ends ([`Store::unposted_runs_to_take_over`]).
    #[tracing::instrument(skip_all, fields(periods = periods.len()))]
    pub async fn claim_new_runs(
        &self,
        periods: &[NewRun],
        claimer: &str,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
    ) -> Result<Vec<(String, DigestKind, Period)>> {
        if periods.is_empty() {
            return Ok(Vec::new());
        }
        // Eight parameters a period: well under SQLite's 32,766 and PostgreSQL's 65,535 for any batch.
        let values = (0..periods.len())
            .map(|i| {
                let n = i * 8;
                format!(
                    "(${}, ${}, ${}, ${}, ${}, ${}, ${}, ${})",
                    n + 1,
                    n + 2,
                    n + 3,
                    n + 4,
                    n + 5,
                    n + 6,
                    n + 7,
                    n + 8
                )
            })
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "INSERT INTO digest_runs (workspace_id, digest, period, fire_at, late, claimed_by, claimed_at, lease_until) \
             VALUES {values} ON CONFLICT (workspace_id, digest, period) DO NOTHING \
             RETURNING workspace_id, digest, period"
        );
        let (now, lease_until) = (ts(now), ts(lease_until));
        let mut q = sqlx::query_as::<_, (String, String, String)>(AssertSqlSafe(sql));
        for p in periods {
            q = q
                .bind(p.workspace_id.clone())
                .bind(p.digest.as_str())
                .bind(p.period.to_string())
                .bind(ts(p.fire_at))
                .bind(p.late as i64)
                .bind(claimer.to_string())
                .bind(now.clone())
                .bind(lease_until.clone());
        }
        let claimed = q.write_all(self.pool()).await?;
        claimed
            .into_iter()
            .map(|(ws, digest, period)| {
                let digest: DigestKind = parse_col(&digest, "digest")?;
                let period = Period::stored(digest, &period)?;
                Ok((ws, digest, period))
            })
            .collect()
    }

    /// Claim a period: insert the run, or take over a claim whose lease expired before it was posted (`late`
    /// then replaces the stored flag: a take-over may happen long after the fire time). A lease that ends
    /// more than twice `lease_until - now` from now counts as expired: the clock was stepped back since.
    #[tracing::instrument(skip_all)]
    #[allow(clippy::too_many_arguments)]
    pub async fn claim_run(
        &self,
        ws: &str,
        digest: DigestKind,
        period: Period,
        fire_at: DateTime<Utc>,
        late: bool,
        claimer: &str,
        now: DateTime<Utc>,
        lease_until: DateTime<Utc>,
    ) -> Result<Claim> {
        let inserted = sqlx::query(
            "INSERT INTO digest_runs (workspace_id, digest, period, fire_at, late, claimed_by, claimed_at, lease_until) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (workspace_id, digest, period) DO NOTHING",
        )
        .bind(ws)
        .bind(digest.as_str())
        .bind(period.to_string())
        .bind(ts(fire_at))
        .bind(late as i64)
        .bind(claimer)
        .bind(ts(now))
        .bind(ts(lease_until))
        .write(self.pool())
        .await?;
        if inserted > 0 {
            return Ok(Claim::Claimed { attempt: 1 });
        }
        let attempt: Option<i64> = sqlx::query_scalar(
            "UPDATE digest_runs SET claimed_by = $1, claimed_at = $2, lease_until = $3, attempts = attempts + 1, \
             late = $7 WHERE workspace_id = $4 AND digest = $5 AND period = $6 AND posted_at IS NULL \
             AND (lease_until < $2 OR lease_until > $8) RETURNING attempts",
        )
        .bind(claimer)
        .bind(ts(now))
        .bind(ts(lease_until))
        .bind(ws)
        .bind(digest.as_str())
        .bind(period.to_string())
        .bind(late as i64)
        .bind(ts(lease_ahead_limit(now, lease_until)))
        .write_optional(self.pool())
        .await?;
        Ok(match attempt {
            Some(attempt) => Claim::Claimed { attempt },
            None => Claim::Taken,
        })
    }

    /// Mark a claimed period posted by `poster`, who has the message in hand. Whoever posted says so, even
    /// when its lease ran out meanwhile (e.g. the database was away): the message exists, and a later
    /// attempt must not post it again. False when the period was already marked.
    #[tracing::instrument(skip_all)]
    pub async fn mark_run_posted(
        &self,
        ws: &str,
        digest: DigestKind,
        period: Period,
        poster: &str,
        message_id: &str,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let n = sqlx::query(
            "UPDATE digest_runs SET posted_at = $1, message_id = $2, last_error = NULL, claimed_by = $6 \
             WHERE workspace_id = $3 AND digest = $4 AND period = $5 AND posted_at IS NULL",
        )
        .bind(ts(now))
        .bind(message_id)
        .bind(ws)
        .bind(digest.as_str())
        .bind(period.to_string())
        .bind(poster)
        .write(self.pool())
        .await?;
        Ok(n > 0)
    }

    /// Extend the lease of a claim this caller still holds (while it renders and posts); false when the
    /// claim was taken over or the period is already posted.
    #[tracing::instrument(skip_all)]
    pub async fn renew_lease(
        &self,
        ws: &str,
        digest: DigestKind,
        period: Period,
        claimer: &str,
        lease_until: DateTime<Utc>,
    ) -> Result<bool> {
        let n = sqlx::query(
            "UPDATE digest_runs SET lease_until = $1 \
             WHERE workspace_id = $2 AND digest = $3 AND period = $4 AND claimed_by = $5 AND posted_at IS NULL",
        )
        .bind(ts(lease_until))
        .bind(ws)
        .bind(digest.as_str())
        .bind(period.to_string())
        .bind(claimer)
        .write(self.pool())
        .await?;
        Ok(n > 0)
    }

    /// A run as stored (for `/schedule show`, tests and operators).
    #[tracing::instrument(skip_all)]
    pub async fn run(
        &self,
        ws: &str,
        digest: DigestKind,
        period: Period,
    ) -> Result<Option<RunDetail>> {
        let r = sqlx::query(
            "SELECT period, claimed_by, lease_until, attempts, posted_at, message_id, last_error FROM digest_runs \
             WHERE workspace_id = $1 AND digest = $2 AND period = $3",
        )
        .bind(ws)
        .bind(digest.as_str())
        .bind(period.to_string())
        .fetch_optional(self.pool())
        .await?;
        r.map(|r| {
            Ok(RunDetail {
                period: Period::stored(digest, &get::<String>(&r, "period")?)?,
                claimed_by: get(&r, "claimed_by")?,
                lease_until: parse_ts(&get::<String>(&r, "lease_until")?)?,
                attempts: get(&r, "attempts")?,
                posted_at: opt_ts(get(&r, "posted_at")?)?,
                message_id: get(&r, "message_id")?,
                last_error: get(&r, "last_error")?,
            })
        })
        .transpose()
    }

    /// Record a failed attempt of `claimer`; `retry_at` is when another attempt may take over (the lease end).
    /// Only while `claimer` still holds the claim: false when another process took it over (its record is left
    /// alone: neither its error nor its lease is touched), or the period is posted or given up.
    #[tracing::instrument(skip_all)]
    pub async fn mark_run_failed(
        &self,
        ws: &str,
        digest: DigestKind,
        period: Period,
        claimer: &str,
        error: &str,
        retry_at: DateTime<Utc>,
    ) -> Result<bool> {
        let n = sqlx::query(
            "UPDATE digest_runs SET last_error = $1, lease_until = $2 \
             WHERE workspace_id = $3 AND digest = $4 AND period = $5 AND posted_at IS NULL \
             AND claimed_by = $6",
        )
        .bind(error)
        .bind(ts(retry_at))
        .bind(ws)
        .bind(digest.as_str())
        .bind(period.to_string())
        .bind(claimer)
        .write(self.pool())
        .await?;
        Ok(n > 0)
    }

    /// The most recent run of a digest (by fire time), to know which fire times were already handled.
    #[tracing::instrument(skip_all)]
    pub async fn latest_run(&self, ws: &str, digest: DigestKind) -> Result<Option<RunRow>> {
        let r = sqlx::query(
            "SELECT period, fire_at, late, posted_at, attempts, last_error FROM digest_runs \
             WHERE workspace_id = $1 AND digest = $2 ORDER BY fire_at DESC LIMIT 1",
        )
        .bind(ws)
        .bind(digest.as_str())
        .fetch_optional(self.pool())
        .await?;
        r.map(|r| {
            let fire_at: String = get(&r, "fire_at")?;
            Ok(RunRow {
                period: Period::stored(digest, &get::<String>(&r, "period")?)?,
                fire_at: parse_ts(&fire_at)?,
                late: get::<i64>(&r, "late")? != 0,
                posted_at: opt_ts(get(&r, "posted_at")?)?,
                attempts: get(&r, "attempts")?,
                last_error: get(&r, "last_error")?,
            })
        })
        .transpose()
    }

    /// Runs claimed but not posted whose lease has expired (to retry), across all workspaces.
    #[tracing::instrument(skip_all)]
    pub async fn expired_unposted_runs(&self, now: DateTime<Utc>) -> Result<Vec<PendingRun>> {
        self.unposted_runs_to_take_over(now, chrono::Duration::MAX)
            .await
    }

    /// Runs claimed but not posted that may be taken over at `now` by a process whose lease is `lease`: their
    /// lease has expired, or it ends more than two leases from now, which no claim, renewal or back-off sets —
    /// the clock was stepped back since (its lease would otherwise hold the run back as long as the step).
    #[tracing::instrument(skip_all)]
    pub async fn unposted_runs_to_take_over(
        &self,
        now: DateTime<Utc>,
        lease: chrono::Duration,
    ) -> Result<Vec<PendingRun>> {
        let limit = now
            .checked_add_signed(lease)
            .map_or_else(far_future, |until| lease_ahead_limit(now, until));
        let rows = sqlx::query(
            "SELECT workspace_id, digest, period, fire_at, late FROM digest_runs \
             WHERE posted_at IS NULL AND (lease_until < $1 OR lease_until > $2) ORDER BY fire_at",
        )
        .bind(ts(now))
        .bind(ts(limit))
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                let digest: DigestKind = parse_col(&get::<String>(r, "digest")?, "digest")?;
                let fire_at: String = get(r, "fire_at")?;
                Ok(PendingRun {
                    workspace_id: get(r, "workspace_id")?,
                    digest,
                    period: Period::stored(digest, &get::<String>(r, "period")?)?,
                    fire_at: parse_ts(&fire_at)?,
                    late: get::<i64>(r, "late")? != 0,
                })
            })
            .collect()
    }

    /// When the first lease of a claimed, unposted run ends (when another process may take it over).
    #[tracing::instrument(skip_all)]
    pub async fn next_lease_expiry(&self) -> Result<Option<DateTime<Utc>>> {
        let t: Option<String> =
            sqlx::query_scalar("SELECT MIN(lease_until) FROM digest_runs WHERE posted_at IS NULL")
                .fetch_one(self.pool())
                .await?;
        t.as_deref().map(parse_ts).transpose()
    }

    /// Give up a period claimed by `claimer` for good (it will not be retried). Only while `claimer` still holds
    /// the claim: false when another process took it over (its run is left to it), or the period is posted or
    /// given up already.
    #[tracing::instrument(skip_all)]
    pub async fn give_up_run(
        &self,
        ws: &str,
        digest: DigestKind,
        period: Period,
        claimer: &str,
        error: &str,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let n = sqlx::query(
            "UPDATE digest_runs SET posted_at = $1, message_id = $2, last_error = $3 \
             WHERE workspace_id = $4 AND digest = $5 AND period = $6 AND posted_at IS NULL \
             AND claimed_by = $7",
        )
        .bind(ts(now))
        .bind(GIVEN_UP)
        .bind(error)
        .bind(ws)
        .bind(digest.as_str())
        .bind(period.to_string())
        .bind(claimer)
        .write(self.pool())
        .await?;
        Ok(n > 0)
    }
}

/// The latest end a lease of `until - now` can have at `now` when every clock moved forward: claims, renewals
/// and back-offs all set at most one lease from their own now, so a lease ending later than two leases from
/// now was set before the clock was stepped back. Capped at year 9999 (timestamps compare as text).
fn lease_ahead_limit(now: DateTime<Utc>, until: DateTime<Utc>) -> DateTime<Utc> {
    until
        .checked_add_signed(until - now)
        .filter(|t| *t < far_future())
        .unwrap_or_else(far_future)
}

fn far_future() -> DateTime<Utc> {
    use chrono::TimeZone;
    Utc.with_ymd_and_hms(9999, 12, 31, 23, 59, 59)
        .single()
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Quarter, Week};

    #[test]
    fn stored_periods_are_decoded_or_corrupt() {
        let week = Period::Week(Week::from_iso(2027, 1).unwrap());
        let quarter = Period::Quarter(Quarter::new(2026, 4).unwrap());
        for p in [week, quarter] {
            assert_eq!(Period::stored(p.digest(), &p.to_string()).unwrap(), p);
        }
        // A period of the other digest, or no period at all, is a corrupt row that names what it held.
        for (digest, text, said) in [
            (DigestKind::Weekly, "2026-Q4", "weekly period `2026-Q4`"),
            (
                DigestKind::Quarterly,
                "2027-W01",
                "quarterly period `2027-W01`",
            ),
            (DigestKind::Weekly, "soon", "weekly period `soon`"),
        ] {
            match Period::stored(digest, text) {
                Err(super::super::StoreError::Corrupt(m)) => assert_eq!(m, said),
                other => panic!("{text}: {other:?}"),
            }
        }
    }
}
