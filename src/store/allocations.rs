//! Allocations: team hours and spend put into a partner, per ISO week.

use super::write::{Bind, WriteReturning};
use super::{get, parse_col, ts, Result, RowLock, Store};
use crate::domain::{Amount, Hours, Week};
use chrono::{DateTime, Utc};
use sqlx::AssertSqlSafe;

/// An allocation to record.
#[derive(Debug, Clone, PartialEq)]
pub struct NewAllocation {
    pub partner_id: i64,
    pub week: Week,
    pub hours: Hours,
    pub spend: Amount,
    pub note: Option<String>,
}

/// A non-retracted allocation total of one partner in one week.
#[derive(Debug, Clone, PartialEq)]
pub struct AllocationSum {
    pub partner_id: i64,
    pub week: Week,
    pub hours: Hours,
    pub spend: Amount,
}

/// What a partner already has (not retracted) in one week: what [`Store::add_allocation_checked`] hands its
/// check before it writes an entry.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct WeekTotals {
    pub hours: Hours,
    pub spend: Amount,
}

/// Spend is summed in two parts, `SUM(spend_cents / SPEND_SPLIT)` and `SUM(spend_cents % SPEND_SPLIT)`, joined by
/// [`spend_of`]: neither part overflows 64 bits short of a billion entries, where a plain `SUM` of some 92,000
/// entries of the largest amount does (SQLite then fails the query; PostgreSQL's NUMERIC sum holds no `i64`).
/// Writes keep a partner's week within [`Amount::MAX`]; a database written before that still reads.
const SPEND_SPLIT: i64 = 1_000_000_000;

/// The two parts of a spend sum as SQL (`spend_hi`, `spend_lo`), by [`SPEND_SPLIT`].
const SPEND_PARTS: &str =
    "SUM(spend_cents / 1000000000) AS spend_hi, SUM(spend_cents % 1000000000) AS spend_lo";

/// A spend sum from its two parts ([`SPEND_SPLIT`]): exact when it fits in an `i64`, the largest `i64` when it
/// does not (the digest's own sums saturate the same way).
fn spend_of(hi: i64, lo: i64) -> Amount {
    Amount::from_cents(hi.saturating_mul(SPEND_SPLIT).saturating_add(lo))
}

/// The table and columns of a new allocation, in the order [`bind_allocation`] binds them.
pub(crate) const ALLOCATION_COLUMNS: &str =
    "allocations (workspace_id, partner_id, week, hours_centi, \
     spend_cents, note, recorded_by, recorded_at)";

/// Bind the values of allocation `a`, recorded by `by` at `at`, in the order of [`ALLOCATION_COLUMNS`]: the row
/// of [`Store::add_allocation`], or one row of an import's multi-row insert.
pub(crate) fn bind_allocation<'q, Q: Bind<'q>>(
    q: Q,
    ws: &'q str,
    a: &'q NewAllocation,
    by: &'q str,
    at: &'q str,
) -> Q {
    q.value(ws)
        .value(a.partner_id)
        .value(a.week.to_string())
        .value(a.hours.centi())
        .value(a.spend.cents())
        .value(a.note.as_deref())
        .value(by)
        .value(at)
}

impl Store {
    #[tracing::instrument(skip_all)]
    pub async fn add_allocation(
        &self,
        ws: &str,
        a: &NewAllocation,
        by: &str,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        Self::insert_allocation(self.pool(), ws, a, by, now).await
    }

    pub(crate) async fn insert_allocation<'e, E>(
        exec: E,
        ws: &str,
        a: &NewAllocation,
        by: &str,
        now: DateTime<Utc>,
    ) -> Result<i64>
    where
        E: sqlx::Executor<'e, Database = sqlx::Any>,
    {
        let at = ts(now);
        let sql = format!(
            "INSERT INTO {ALLOCATION_COLUMNS} VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id"
        );
        let q = sqlx::query_scalar(AssertSqlSafe(sql));
        Ok(bind_allocation(q, ws, a, by, &at).write_one(exec).await?)
    }

    /// Add allocation `a` if `check` accepts what its partner already has in its week, in one transaction: the
    /// week's totals are read, checked and the entry written, and of two entries that fit alone but not together
    /// the second is checked with the first. On SQLite the transaction takes the write lock before it reads
    /// (`BEGIN IMMEDIATE`), so no other write, an import's included, comes in between; on PostgreSQL it first
    /// locks the partner's row, which every other checked entry for that partner waits for, and each later
    /// statement reads what was committed before it. Answers the entry's id and what `check` answered; when
    /// `check` refuses, nothing is written and its refusal is the inner error.
    #[tracing::instrument(skip_all)]
    pub async fn add_allocation_checked<T, E>(
        &self,
        ws: &str,
        a: &NewAllocation,
        by: &str,
        now: DateTime<Utc>,
        check: impl FnOnce(WeekTotals) -> std::result::Result<T, E>,
    ) -> Result<std::result::Result<(i64, T), E>> {
        // A partner removed meanwhile locks nothing; the insert then fails on its foreign key.
        let mut tx = self
            .begin_for_partner(ws, a.partner_id, RowLock::ForNoKeyUpdate)
            .await?;
        let already = week_totals(&mut *tx, ws, a.partner_id, a.week).await?;
        let checked = match check(already) {
            Ok(checked) => checked,
            // Dropping the transaction rolls it back: it wrote nothing.
            Err(refused) => return Ok(Err(refused)),
        };
        let id = Self::insert_allocation(&mut *tx, ws, a, by, now).await?;
        tx.commit().await?;
        Ok(Ok((id, checked)))
    }

    /// Hours already logged (not retracted) for a partner in a week.
    #[tracing::instrument(skip_all)]
    pub async fn partner_week_hours(&self, ws: &str, partner_id: i64, week: Week) -> Result<Hours> {
        Ok(week_totals(self.pool(), ws, partner_id, week).await?.hours)
    }

    /// Spend already logged (not retracted) for a partner in a week; at most the largest `i64` of cents (a
    /// database from before [`crate::app::records::check_week_spend`] may hold more).
    #[tracing::instrument(skip_all)]
    pub async fn partner_week_spend(
        &self,
        ws: &str,
        partner_id: i64,
        week: Week,
    ) -> Result<Amount> {
        Ok(week_totals(self.pool(), ws, partner_id, week).await?.spend)
    }

    /// Per partner and week, the non-retracted totals for weeks `from..=to`, by week then partner.
    #[tracing::instrument(skip_all)]
    pub async fn allocation_sums(
        &self,
        ws: &str,
        from: Week,
        to: Week,
    ) -> Result<Vec<AllocationSum>> {
        // One row per week with its partners packed as `partner:hours:spend,…`: the driver's cost is per value
        // read, and eight weeks of a large roster are tens of thousands of (partner, week) sums. Grouped by
        // week, then partner, both sums come in the order of `allocations_week_sums`, so neither backend hashes
        // or sorts: at 100,000 partners on PostgreSQL, grouping by partner spilled its hash tables to disk and
        // took twice as long (BENCHMARKS.md, "Findings not fixed here").
        let concat = match self.backend() {
            super::Backend::Sqlite => "group_concat",
            super::Backend::Postgres => "string_agg",
        };
        let sql = format!(
            "SELECT week, {concat}(partner_id || ':' || hours || ':' || spend_hi || ':' || spend_lo, ',') AS partners FROM ( \
                 SELECT week, partner_id, SUM(hours_centi) AS hours, {SPEND_PARTS} \
                 FROM allocations \
                 WHERE workspace_id = $1 AND week >= $2 AND week <= $3 AND retracted_at IS NULL \
                 GROUP BY week, partner_id) AS sums \
             GROUP BY week"
        );
        let rows = sqlx::query(AssertSqlSafe(sql))
            .bind(ws)
            .bind(from.to_string())
            .bind(to.to_string())
            .fetch_all(self.pool())
            .await?;
        let mut out = Vec::new();
        for r in &rows {
            let week: String = get(r, "week")?;
            let week: Week = parse_col(&week, "week")?;
            let partners: String = get(r, "partners")?;
            for item in partners.split(',') {
                let mut parts = item.split(':');
                let (Some(id), Some(h), Some(hi), Some(lo), None) = (
                    parts.next(),
                    parts.next(),
                    parts.next(),
                    parts.next(),
                    parts.next(),
                ) else {
                    return Err(super::StoreError::Corrupt(format!(
                        "allocation sums `{item}`"
                    )));
                };
                out.push(AllocationSum {
                    partner_id: parse_col(id, "partner id")?,
                    week,
                    hours: Hours::from_centi(parse_col(h, "hours")?),
                    spend: spend_of(parse_col(hi, "spend")?, parse_col(lo, "spend")?),
                });
            }
        }
        out.sort_by(|a, b| a.week.cmp(&b.week).then(a.partner_id.cmp(&b.partner_id)));
        Ok(out)
    }
}

/// A partner's non-retracted hours and spend in one week, in one statement on `exec` (the pool, or a
/// transaction); the spend at most the largest `i64` of cents ([`spend_of`]).
async fn week_totals<'e, E>(exec: E, ws: &str, partner_id: i64, week: Week) -> Result<WeekTotals>
where
    E: sqlx::Executor<'e, Database = sqlx::Any>,
{
    let sql = format!(
        "SELECT CAST(hours AS BIGINT) AS hours, CAST(spend_hi AS BIGINT) AS spend_hi, \
         CAST(spend_lo AS BIGINT) AS spend_lo FROM ( \
             SELECT SUM(hours_centi) AS hours, {SPEND_PARTS} FROM allocations \
             WHERE workspace_id = $1 AND partner_id = $2 AND week = $3 AND retracted_at IS NULL) AS sums"
    );
    let r = sqlx::query(AssertSqlSafe(sql))
        .bind(ws)
        .bind(partner_id)
        .bind(week.to_string())
        .fetch_one(exec)
        .await?;
    let hours: Option<i64> = get(&r, "hours")?;
    let hi: Option<i64> = get(&r, "spend_hi")?;
    let lo: Option<i64> = get(&r, "spend_lo")?;
    Ok(WeekTotals {
        hours: Hours::from_centi(hours.unwrap_or(0)),
        spend: spend_of(hi.unwrap_or(0), lo.unwrap_or(0)),
    })
}
