//! Outcomes: what partners produced (sourced pipeline, registered deals, closed-won).

use super::write::{Bind, WriteReturning};
use super::{day, get, parse_col, ts, Result, Store};
use crate::domain::{Amount, OutcomeKind};
use chrono::{DateTime, NaiveDate, Utc};
use sqlx::AssertSqlSafe;

/// An outcome to record; also what an import compares its rows with of a stored outcome.
#[derive(Debug, Clone, PartialEq)]
pub struct NewOutcome {
    pub partner_id: i64,
    pub kind: OutcomeKind,
    pub amount: Option<Amount>,
    pub date: NaiveDate,
    pub reference: Option<String>,
}

/// A non-retracted outcome.
#[derive(Debug, Clone, PartialEq)]
pub struct OutcomeRow {
    pub id: i64,
    pub partner_id: i64,
    pub kind: OutcomeKind,
    pub amount: Option<Amount>,
    pub date: NaiveDate,
}

/// The table and columns of a new outcome, in the order [`bind_outcome`] binds them.
pub(crate) const OUTCOME_COLUMNS: &str = "outcomes (workspace_id, partner_id, kind, amount_cents, \
     occurred_on, ref, recorded_by, recorded_at)";

/// Bind the values of outcome `o`, recorded by `by` at `at`, in the order of [`OUTCOME_COLUMNS`]: the row of
/// [`Store::add_outcome`], or one row of an import's multi-row insert.
pub(crate) fn bind_outcome<'q, Q: Bind<'q>>(
    q: Q,
    ws: &'q str,
    o: &'q NewOutcome,
    by: &'q str,
    at: &'q str,
) -> Q {
    q.value(ws)
        .value(o.partner_id)
        .value(o.kind.as_str())
        .value(o.amount.map(|a| a.cents()))
        .value(o.date.to_string())
        .value(o.reference.as_deref())
        .value(by)
        .value(at)
}

impl Store {
    #[tracing::instrument(skip_all)]
    pub async fn add_outcome(
        &self,
        ws: &str,
        o: &NewOutcome,
        by: &str,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        Self::insert_outcome(self.pool(), ws, o, by, now).await
    }

    pub(crate) async fn insert_outcome<'e, E>(
        exec: E,
        ws: &str,
        o: &NewOutcome,
        by: &str,
        now: DateTime<Utc>,
    ) -> Result<i64>
    where
        E: sqlx::Executor<'e, Database = sqlx::Any>,
    {
        let at = ts(now);
        let sql = format!(
            "INSERT INTO {OUTCOME_COLUMNS} VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id"
        );
        let q = sqlx::query_scalar(AssertSqlSafe(sql));
        Ok(bind_outcome(q, ws, o, by, &at).write_one(exec).await?)
    }

    /// Non-retracted outcomes dated `from..=to`.
    #[tracing::instrument(skip_all)]
    pub async fn outcomes_between(
        &self,
        ws: &str,
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<Vec<OutcomeRow>> {
        let rows = sqlx::query(
            "SELECT id, partner_id, kind, amount_cents, occurred_on FROM outcomes WHERE workspace_id = $1 \
             AND occurred_on >= $2 AND occurred_on <= $3 AND retracted_at IS NULL ORDER BY id",
        )
        .bind(ws)
        .bind(from.to_string())
        .bind(to.to_string())
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                let kind: String = get(r, "kind")?;
                let date: String = get(r, "occurred_on")?;
                Ok(OutcomeRow {
                    id: get(r, "id")?,
                    partner_id: get(r, "partner_id")?,
                    kind: parse_col(&kind, "outcome kind")?,
                    amount: get::<Option<i64>>(r, "amount_cents")?.map(Amount::from_cents),
                    date: day(&date)?,
                })
            })
            .collect()
    }
}
