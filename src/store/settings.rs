//! Workspace settings: one row per workspace, created with the defaults on first use.

use super::write::Write;
use super::{ts, Result, Store};
use chrono::{DateTime, Utc};
use sqlx::AssertSqlSafe;

/// A workspace's settings as stored. The fields are in the order of [`SETTINGS_COLS`]: the screen read decodes
/// them by position from a JSON array.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow, serde::Deserialize)]
pub struct SettingsRow {
    pub timezone: String,
    pub max_misses: i64,
    pub allocation_target: f64,
    pub evidence_max_age_days: i64,
    pub min_group: i64,
    pub alpha: f64,
    pub currency: String,
    pub lead_role: Option<String>,
    pub member_role: Option<String>,
    pub review_role: Option<String>,
}

impl Default for SettingsRow {
    /// The column defaults of `workspace_settings` (the store tests check the two agree).
    fn default() -> Self {
        SettingsRow {
            timezone: "UTC".into(),
            max_misses: 1,
            allocation_target: 0.8,
            evidence_max_age_days: 365,
            min_group: 3,
            alpha: 0.1,
            currency: "$".into(),
            lead_role: None,
            member_role: None,
            review_role: None,
        }
    }
}

/// One setting to change.
#[derive(Debug, Clone, PartialEq)]
pub enum SettingValue {
    Timezone(String),
    MaxMisses(i64),
    AllocationTarget(f64),
    EvidenceMaxAgeDays(i64),
    MinGroup(i64),
    Alpha(f64),
    Currency(String),
}

/// The columns of `workspace_settings`, in the order of [`SettingsRow`]'s fields.
pub(crate) const SETTINGS_COLS: &str =
    "timezone, max_misses, allocation_target, evidence_max_age_days, \
     min_group, alpha, currency, lead_role, member_role, review_role";

/// The settings of workspace `$1`, the [`SETTINGS_COLS`] (no row when it never set any): [`Store::settings`],
/// and the take of an event id on SQLite's connection of the calling thread ([`super::delivered`]).
pub(super) fn settings_sql() -> &'static str {
    static SQL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        format!("SELECT {SETTINGS_COLS} FROM workspace_settings WHERE workspace_id = $1")
    });
    SQL.as_str()
}

/// [`SETTINGS_COLS`] from the first columns of a row read on SQLite's connection of the calling thread
/// ([`super::direct`]).
pub(super) fn settings_of_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<SettingsRow> {
    Ok(SettingsRow {
        timezone: row.get(0)?,
        max_misses: row.get(1)?,
        allocation_target: row.get(2)?,
        evidence_max_age_days: row.get(3)?,
        min_group: row.get(4)?,
        alpha: row.get(5)?,
        currency: row.get(6)?,
        lead_role: row.get(7)?,
        member_role: row.get(8)?,
        review_role: row.get(9)?,
    })
}

impl Store {
    /// Create the workspace's settings row with the defaults when it does not exist yet.
    pub async fn ensure_workspace(&self, ws: &str) -> Result<()> {
        Self::insert_default_settings(self.pool(), ws).await
    }

    pub(crate) async fn insert_default_settings<'e, E>(exec: E, ws: &str) -> Result<()>
    where
        E: sqlx::Executor<'e, Database = sqlx::Any>,
    {
        sqlx::query("INSERT INTO workspace_settings (workspace_id) VALUES ($1) ON CONFLICT (workspace_id) DO NOTHING")
            .bind(ws)
            .write(exec)
            .await?;
        Ok(())
    }

    /// The workspace's settings, or the defaults when none was ever set (reading never writes, so it never
    /// waits for a writer and a refused command leaves no trace).
    #[tracing::instrument(skip_all)]
    pub async fn settings(&self, ws: &str) -> Result<SettingsRow> {
        let row: Option<SettingsRow> = sqlx::query_as(AssertSqlSafe(settings_sql()))
            .bind(ws)
            .fetch_optional(self.pool())
            .await?;
        Ok(row.unwrap_or_default())
    }

    #[tracing::instrument(skip_all)]
    pub async fn set_setting(
        &self,
        ws: &str,
        value: &SettingValue,
        now: DateTime<Utc>,
    ) -> Result<()> {
        // One transaction: a refused change leaves no row of defaults behind either.
        let mut tx = self.pool().begin().await?;
        Self::insert_default_settings(&mut *tx, ws).await?;
        let col = match value {
            SettingValue::Timezone(_) => "timezone",
            SettingValue::MaxMisses(_) => "max_misses",
            SettingValue::AllocationTarget(_) => "allocation_target",
            SettingValue::EvidenceMaxAgeDays(_) => "evidence_max_age_days",
            SettingValue::MinGroup(_) => "min_group",
            SettingValue::Alpha(_) => "alpha",
            SettingValue::Currency(_) => "currency",
        };
        let sql = format!(
            "UPDATE workspace_settings SET {col} = $1, updated_at = $2 WHERE workspace_id = $3"
        );
        let query = sqlx::query(AssertSqlSafe(sql));
        let query = match value {
            SettingValue::Timezone(s) | SettingValue::Currency(s) => query.bind(s.clone()),
            SettingValue::MaxMisses(v)
            | SettingValue::EvidenceMaxAgeDays(v)
            | SettingValue::MinGroup(v) => query.bind(*v),
            SettingValue::AllocationTarget(v) | SettingValue::Alpha(v) => query.bind(*v),
        };
        query.bind(ts(now)).bind(ws).write(&mut *tx).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Set the lead, member and review roles; `None` leaves a role as it is, `Some(None)` clears it.
    #[tracing::instrument(skip_all)]
    pub async fn set_roles(
        &self,
        ws: &str,
        lead: Option<Option<String>>,
        member: Option<Option<String>>,
        review: Option<Option<String>>,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let mut tx = self.pool().begin().await?;
        Self::insert_default_settings(&mut *tx, ws).await?;
        for (col, v) in [
            ("lead_role", lead),
            ("member_role", member),
            ("review_role", review),
        ] {
            if let Some(v) = v {
                let sql = format!("UPDATE workspace_settings SET {col} = $1, updated_at = $2 WHERE workspace_id = $3");
                sqlx::query(AssertSqlSafe(sql))
                    .bind(v)
                    .bind(ts(now))
                    .bind(ws)
                    .write(&mut *tx)
                    .await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }
}
