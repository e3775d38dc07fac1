//! Outcomes: what partners produced (sourced pipeline, registered deals, closed-won).

use super::write::WriteReturning;
use super::{day, get, parse_col, ts, Result, Store};
use crate::domain::{Amount, OutcomeKind};
use chrono::{DateTime, NaiveDate, Utc};

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
        Ok(sqlx::query_scalar(
            "INSERT INTO outcomes (workspace_id, partner_id, kind, amount_cents, occurred_on, ref, recorded_by, recorded_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id",
        )
        .bind(ws)
        .bind(o.partner_id)
        .bind(o.kind.as_str())
        .bind(o.amount.map(|a| a.cents()))
        .bind(o.date.to_string())
        .bind(&o.reference)
        .bind(by)
        .bind(ts(now))
        .write_one(exec)
        .await?)
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
