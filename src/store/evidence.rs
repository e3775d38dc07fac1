//! Evidence records: append-only; a retraction is a flag with reason, who and when.

use super::{day, get, ts, Result, Store};
use crate::domain::evidence::{CompactEvidence, Evidence, Observation};
use chrono::{DateTime, NaiveDate, Utc};
use sqlx::any::AnyRow;
use sqlx::AssertSqlSafe;
use sqlx::Row;

/// Evidence to record.
#[derive(Debug, Clone, PartialEq)]
pub struct NewEvidence {
    pub partner_id: i64,
    pub trait_id: i64,
    pub observation: Observation,
    pub source: Option<String>,
    pub note: Option<String>,
    pub observed: NaiveDate,
}

/// Who retracted a record, why, and when.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Retraction {
    pub retracted_at: String,
    pub retracted_by: String,
    pub reason: String,
}

/// What a retraction found.
#[derive(Debug, Clone, PartialEq)]
pub enum RetractOutcome {
    Retracted,
    /// No such record in this workspace.
    NotFound,
    AlreadyRetracted(Retraction),
}

pub(crate) const EVIDENCE_COLS: &str =
    "id, partner_id, trait_id, met, value, source, note, observed, recorded_by, recorded_at, retracted_at";

pub(crate) fn evidence_from_row(r: &AnyRow) -> Result<Evidence> {
    let met: Option<i64> = get(r, "met")?;
    let value: Option<f64> = get(r, "value")?;
    let observation = match (met, value) {
        (Some(m), _) => Observation::Met(m != 0),
        (None, Some(v)) => Observation::Value(v),
        (None, None) => {
            return Err(super::StoreError::Corrupt(
                "evidence without met or value".into(),
            ))
        }
    };
    let observed: String = get(r, "observed")?;
    let retracted_at: Option<String> = get(r, "retracted_at")?;
    Ok(Evidence {
        id: get(r, "id")?,
        partner_id: get(r, "partner_id")?,
        trait_id: get(r, "trait_id")?,
        observation,
        source: get(r, "source")?,
        note: get(r, "note")?,
        observed: day(&observed)?,
        recorded_by: get(r, "recorded_by")?,
        recorded_at: get(r, "recorded_at")?,
        retracted: retracted_at.is_some(),
    })
}

fn split(o: Observation) -> (Option<i64>, Option<f64>) {
    match o {
        Observation::Met(m) => (Some(m as i64), None),
        Observation::Value(v) => (None, Some(v)),
    }
}

/// How far a workspace's evidence has changed: its newest record id and how many records are retracted.
/// Records are never deleted and retractions never undone, so both only grow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct EvidenceVersion {
    pub max_id: i64,
    pub retracted: i64,
}

/// Which record table a retraction targets (the tables share the retraction columns).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RecordTable {
    Evidence,
    Allocations,
    Outcomes,
}

impl RecordTable {
    fn table(self) -> &'static str {
        match self {
            RecordTable::Evidence => "evidence",
            RecordTable::Allocations => "allocations",
            RecordTable::Outcomes => "outcomes",
        }
    }
}

impl Store {
    #[tracing::instrument(skip(self))]
    pub async fn add_evidence(
        &self,
        ws: &str,
        e: &NewEvidence,
        by: &str,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        Self::insert_evidence(self.pool(), ws, e, by, now).await
    }

    pub(crate) async fn insert_evidence<'e, E>(
        exec: E,
        ws: &str,
        e: &NewEvidence,
        by: &str,
        now: DateTime<Utc>,
    ) -> Result<i64>
    where
        E: sqlx::Executor<'e, Database = sqlx::Any>,
    {
        let (met, value) = split(e.observation);
        Ok(sqlx::query_scalar(
            "INSERT INTO evidence (workspace_id, partner_id, trait_id, met, value, source, note, observed, recorded_by, recorded_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
        )
        // Binds Option<f64>: see FLOAT_NULLS in store/mod.rs.
        .persistent(false)
        .bind(ws)
        .bind(e.partner_id)
        .bind(e.trait_id)
        .bind(met)
        .bind(value)
        .bind(&e.source)
        .bind(&e.note)
        .bind(e.observed.to_string())
        .bind(by)
        .bind(ts(now))
        .fetch_one(exec)
        .await?)
    }

    /// Every evidence record of a partner (retracted ones included), oldest observation first.
    #[tracing::instrument(skip(self))]
    pub async fn partner_evidence(&self, ws: &str, partner_id: i64) -> Result<Vec<Evidence>> {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT {EVIDENCE_COLS} FROM evidence WHERE workspace_id = $1 AND partner_id = $2 \
             ORDER BY observed, recorded_at, id"
        )))
        .bind(ws)
        .bind(partner_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(evidence_from_row).collect()
    }

    /// The non-retracted evidence of every partner of the workspace observed on or before `as_of`,
    /// for screening many partners at once.
    #[tracing::instrument(skip(self))]
    pub async fn evidence_as_of(&self, ws: &str, as_of: NaiveDate) -> Result<Vec<Evidence>> {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT {EVIDENCE_COLS} FROM evidence WHERE workspace_id = $1 AND retracted_at IS NULL AND observed <= $2 \
             ORDER BY partner_id"
        )))
        .bind(ws)
        .bind(as_of.to_string())
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(evidence_from_row).collect()
    }

    /// Who recorded a record of `table` (for "members retract their own"), or None when it is not in `ws`.
    #[tracing::instrument(skip(self))]
    pub async fn record_owner(
        &self,
        table: RecordTable,
        ws: &str,
        id: i64,
    ) -> Result<Option<String>> {
        let sql = format!(
            "SELECT recorded_by FROM {} WHERE workspace_id = $1 AND id = $2",
            table.table()
        );
        Ok(sqlx::query_scalar(AssertSqlSafe(sql))
            .bind(ws)
            .bind(id)
            .fetch_optional(self.pool())
            .await?)
    }

    /// Retract a record once: a second retraction reports the first.
    #[tracing::instrument(skip(self))]
    pub async fn retract(
        &self,
        table: RecordTable,
        ws: &str,
        id: i64,
        by: &str,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<RetractOutcome> {
        let t = table.table();
        let n = sqlx::query(AssertSqlSafe(format!(
            "UPDATE {t} SET retracted_at = $1, retracted_by = $2, retract_reason = $3 \
             WHERE workspace_id = $4 AND id = $5 AND retracted_at IS NULL"
        )))
        .bind(ts(now))
        .bind(by)
        .bind(reason)
        .bind(ws)
        .bind(id)
        .execute(self.pool())
        .await?
        .rows_affected();
        if n > 0 {
            return Ok(RetractOutcome::Retracted);
        }
        match self.retraction(table, ws, id).await? {
            Some(r) => Ok(RetractOutcome::AlreadyRetracted(r)),
            None => Ok(RetractOutcome::NotFound),
        }
    }

    /// The retraction of a record, if it was retracted.
    pub async fn retraction(
        &self,
        table: RecordTable,
        ws: &str,
        id: i64,
    ) -> Result<Option<Retraction>> {
        let r = sqlx::query(AssertSqlSafe(format!(
            "SELECT retracted_at, retracted_by, retract_reason FROM {} WHERE workspace_id = $1 AND id = $2 \
             AND retracted_at IS NOT NULL",
            table.table()
        )))
        .bind(ws)
        .bind(id)
        .fetch_optional(self.pool())
        .await?;
        r.map(|r| {
            Ok(Retraction {
                retracted_at: get::<Option<String>>(&r, "retracted_at")?.unwrap_or_default(),
                retracted_by: get::<Option<String>>(&r, "retracted_by")?.unwrap_or_default(),
                reason: get::<Option<String>>(&r, "retract_reason")?.unwrap_or_default(),
            })
        })
        .transpose()
    }

    /// The change counters of a workspace's evidence (two index lookups).
    #[tracing::instrument(skip(self))]
    pub async fn evidence_version(&self, ws: &str) -> Result<EvidenceVersion> {
        let max_id: Option<i64> =
            sqlx::query_scalar("SELECT MAX(id) FROM evidence WHERE workspace_id = $1")
                .bind(ws)
                .fetch_one(self.pool())
                .await?;
        let retracted: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM evidence WHERE workspace_id = $1 AND retracted_at IS NOT NULL",
        )
        .bind(ws)
        .fetch_one(self.pool())
        .await?;
        Ok(EvidenceVersion {
            max_id: max_id.unwrap_or(0),
            retracted,
        })
    }

    /// The workspace's evidence records with an id above `after_id`, reduced to what decides verdicts.
    #[tracing::instrument(skip(self))]
    pub async fn compact_evidence_after(
        &self,
        ws: &str,
        after_id: i64,
    ) -> Result<Vec<CompactEvidence>> {
        let rows = sqlx::query(
            "SELECT id, partner_id, trait_id, met, value, observed, recorded_at, retracted_at FROM evidence \
             WHERE workspace_id = $1 AND id > $2 ORDER BY id",
        )
        .bind(ws)
        .bind(after_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                let met: Option<i64> = r.try_get(3)?;
                let value: Option<f64> = r.try_get(4)?;
                let observed: String = r.try_get(5)?;
                let recorded_at: String = r.try_get(6)?;
                let retracted_at: Option<String> = r.try_get(7)?;
                Ok(CompactEvidence {
                    id: r.try_get(0)?,
                    partner_id: r.try_get(1)?,
                    trait_id: r.try_get(2)?,
                    observed: day(&observed)?,
                    recorded_micros: super::parse_ts(&recorded_at)?.timestamp_micros(),
                    observation: match (met, value) {
                        (Some(m), _) => Observation::Met(m != 0),
                        (None, Some(v)) => Observation::Value(v),
                        (None, None) => {
                            return Err(super::StoreError::Corrupt(
                                "evidence without met or value".into(),
                            ))
                        }
                    },
                    retracted: retracted_at.is_some(),
                })
            })
            .collect()
    }

    /// The ids of a workspace's retracted evidence records.
    #[tracing::instrument(skip(self))]
    pub async fn retracted_evidence_ids(&self, ws: &str) -> Result<Vec<i64>> {
        Ok(
            sqlx::query_scalar("SELECT id FROM evidence WHERE workspace_id = $1 AND retracted_at IS NOT NULL ORDER BY id")
                .bind(ws)
                .fetch_all(self.pool())
                .await?,
        )
    }
}
