//! Evidence records: append-only; a retraction is a flag with reason, who and when.

use super::{day, get, ts, Result, Store};
use crate::domain::evidence::{CompactEvidence, Evidence, Observation};
use chrono::{DateTime, NaiveDate, Utc};
use futures_util::TryStreamExt;
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

/// The observation of columns `met` and `value` (by name or position).
pub(crate) fn observation_at<I: sqlx::ColumnIndex<AnyRow>>(
    r: &AnyRow,
    met: I,
    value: I,
) -> Result<Observation> {
    let met: Option<i64> = r.try_get(met)?;
    let value: Option<f64> = r.try_get(value)?;
    match (met, value) {
        (Some(m), _) => Ok(Observation::Met(m != 0)),
        (None, Some(v)) => Ok(Observation::Value(v)),
        (None, None) => Err(super::StoreError::Corrupt(
            "evidence without met or value".into(),
        )),
    }
}

pub(crate) fn evidence_from_row(r: &AnyRow) -> Result<Evidence> {
    let observation = observation_at(r, "met", "value")?;
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

fn compact_from_row(r: &AnyRow) -> Result<CompactEvidence> {
    let observed: String = r.try_get(5)?;
    let recorded_at: String = r.try_get(6)?;
    let retracted_at: Option<String> = r.try_get(7)?;
    Ok(CompactEvidence {
        id: r.try_get(0)?,
        partner_id: r.try_get(1)?,
        trait_id: r.try_get(2)?,
        observed: day(&observed)?,
        recorded_micros: super::parse_ts(&recorded_at)?.timestamp_micros(),
        observation: observation_at(r, 3, 4)?,
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

    /// The change counters of a workspace's evidence (two index lookups). `max_id` is the highest id of the
    /// whole table (the primary key's last entry): another workspace's records move it too, which only costs
    /// the cache an empty range read.
    #[tracing::instrument(skip(self))]
    pub async fn evidence_version(&self, ws: &str) -> Result<EvidenceVersion> {
        let max_id: Option<i64> = sqlx::query_scalar("SELECT MAX(id) FROM evidence")
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

    /// Hand `f` the workspace's evidence records with an id above `after_id`, in id order, reduced to what
    /// decides verdicts. Rows are streamed, so loading a large workspace never holds more than one row of the
    /// driver's at a time.
    #[tracing::instrument(skip(self, f))]
    pub async fn compact_evidence_after(
        &self,
        ws: &str,
        after_id: i64,
        mut f: impl FnMut(CompactEvidence) + Send,
    ) -> Result<()> {
        let mut rows = sqlx::query(
            "SELECT id, partner_id, trait_id, met, value, observed, recorded_at, retracted_at FROM evidence \
             WHERE id > $2 AND workspace_id = $1 ORDER BY id",
        )
        .bind(ws)
        .bind(after_id)
        .fetch(self.pool());
        while let Some(r) = rows.try_next().await? {
            f(compact_from_row(&r)?);
        }
        Ok(())
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

/// Everything a screen of one partner needs, read in one statement: the partner, the active profile of its
/// type with its current traits, and for each trait only the record that counts as of the date.
#[derive(Debug, Clone, PartialEq)]
pub struct ScreenFacts {
    /// The workspace's settings (the defaults when none were set).
    pub settings: super::SettingsRow,
    pub partner: super::Partner,
    pub profile: Option<crate::domain::profile::Profile>,
    /// At most one record per trait: the latest non-retracted one observed on or before the date.
    pub evidence: Vec<Evidence>,
}

/// One row per current trait (or one row with NULL profile and trait columns): settings columns `s_*`
/// (`SETTINGS_COLS`), partner columns named as `PARTNER_COLS`, profile columns `pr_*`, trait columns `t_*`, evidence columns `e_*`. The counting record is
/// found by the `evidence_by_partner` index, newest first, one probe per trait.
const SCREEN_FACTS_SQL: &str = "\
SELECT {SETTINGS_COLS}, {PARTNER_COLS}, \
       pr.id AS pr_id, pr.name AS pr_name, pr.joint_solution AS pr_joint, pr.owner AS pr_owner, \
       pr.revision AS pr_revision, \
       t.id AS t_id, t.name AS t_name, t.verify_by AS t_verify_by, t.min_value AS t_min, t.max_value AS t_max, \
       t.unit AS t_unit, \
       e.id AS e_id, e.met AS e_met, e.value AS e_value, e.source AS e_source, e.note AS e_note, \
       e.observed AS e_observed, e.recorded_by AS e_recorded_by, e.recorded_at AS e_recorded_at \
FROM partners p \
LEFT JOIN workspace_settings s ON s.workspace_id = p.workspace_id \
LEFT JOIN profiles pr ON pr.workspace_id = p.workspace_id AND pr.partner_type = p.partner_type \
     AND pr.retired_at IS NULL \
LEFT JOIN traits t ON t.profile_id = pr.id AND t.removed_in IS NULL \
LEFT JOIN evidence e ON e.id = ( \
     SELECT x.id FROM evidence x \
     WHERE x.partner_id = p.id AND x.trait_id = t.id AND x.retracted_at IS NULL AND x.observed <= $3 \
     ORDER BY x.observed DESC, x.recorded_at DESC, x.id DESC LIMIT 1) \
WHERE p.workspace_id = $1 AND p.name_key = $2 \
ORDER BY t.id";

impl Store {
    /// The facts to screen the partner with name key `key` as of `as_of`, or None when it is not on the roster.
    #[tracing::instrument(skip(self))]
    pub async fn screen_facts(
        &self,
        ws: &str,
        key: &str,
        as_of: NaiveDate,
    ) -> Result<Option<ScreenFacts>> {
        static SQL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
            let partner_cols: Vec<String> = super::partners::PARTNER_COLS
                .split(", ")
                .map(|c| format!("p.{c}"))
                .collect();
            SCREEN_FACTS_SQL
                .replace("{SETTINGS_COLS}", super::settings::SETTINGS_COLS)
                .replace("{PARTNER_COLS}", &partner_cols.join(", "))
        });
        let rows = sqlx::query(AssertSqlSafe(SQL.as_str()))
            .bind(ws)
            .bind(key)
            .bind(as_of.to_string())
            .fetch_all(self.pool())
            .await?;
        let Some(first) = rows.first() else {
            return Ok(None);
        };
        let partner = super::partners::partner_from_row(first)?;
        let profile = match get::<Option<i64>>(first, "pr_id")? {
            None => None,
            Some(id) => {
                let ty: String = get(first, "partner_type")?;
                let mut traits = Vec::with_capacity(rows.len());
                for r in &rows {
                    if let Some(t) = super::profiles::trait_from_prefixed_row(r)? {
                        traits.push(t);
                    }
                }
                Some(crate::domain::profile::Profile {
                    id,
                    partner_type: super::parse_col(&ty, "partner type")?,
                    name: get(first, "pr_name")?,
                    joint_solution: get(first, "pr_joint")?,
                    owner: get(first, "pr_owner")?,
                    revision: get(first, "pr_revision")?,
                    traits,
                })
            }
        };
        let mut evidence = Vec::with_capacity(rows.len());
        for r in &rows {
            let Some(id) = get::<Option<i64>>(r, "e_id")? else {
                continue;
            };
            let observed: String = get(r, "e_observed")?;
            evidence.push(Evidence {
                id,
                partner_id: partner.id,
                trait_id: get(r, "t_id")?,
                observation: observation_at(r, "e_met", "e_value")?,
                source: get(r, "e_source")?,
                note: get(r, "e_note")?,
                observed: day(&observed)?,
                recorded_by: get(r, "e_recorded_by")?,
                recorded_at: get(r, "e_recorded_at")?,
                retracted: false,
            });
        }
        Ok(Some(ScreenFacts {
            settings: super::settings::settings_from_row(first)?,
            partner,
            profile,
            evidence,
        }))
    }
}
