//! The posted result of each quarter's re-check, kept so a later digest can say what changed since (and the
//! scheduler does not post the same quarter's verdict twice in different words).

use super::write::Write;
use super::{get, parse_col, parse_ts, ts, Result, Store};
use crate::domain::recheck::RecheckVerdict;
use crate::domain::Quarter;
use chrono::{DateTime, Utc};

/// A stored quarterly re-check.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredRecheck {
    pub quarter: Quarter,
    pub verdict: RecheckVerdict,
    pub result_json: String,
    pub fingerprint: String,
    pub stored_at: DateTime<Utc>,
}

impl Store {
    /// Store (or replace) the posted result of a quarter's re-check.
    #[tracing::instrument(skip_all)]
    pub async fn store_recheck(
        &self,
        ws: &str,
        quarter: Quarter,
        verdict: RecheckVerdict,
        result_json: &str,
        fingerprint: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO recheck_results (workspace_id, quarter, verdict, result_json, fingerprint, stored_at) \
             VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (workspace_id, quarter) DO UPDATE SET \
             verdict = excluded.verdict, result_json = excluded.result_json, fingerprint = excluded.fingerprint, \
             stored_at = excluded.stored_at",
        )
        .bind(ws)
        .bind(quarter.to_string())
        .bind(verdict.as_str())
        .bind(result_json)
        .bind(fingerprint)
        .bind(ts(now))
        .write(self.pool())
        .await?;
        Ok(())
    }

    /// The stored re-check of one quarter.
    #[tracing::instrument(skip_all)]
    pub async fn stored_recheck(
        &self,
        ws: &str,
        quarter: Quarter,
    ) -> Result<Option<StoredRecheck>> {
        let r = sqlx::query(
            "SELECT quarter, verdict, result_json, fingerprint, stored_at FROM recheck_results \
             WHERE workspace_id = $1 AND quarter = $2",
        )
        .bind(ws)
        .bind(quarter.to_string())
        .fetch_optional(self.pool())
        .await?;
        r.as_ref().map(recheck_from_row).transpose()
    }

    /// The most recent quarter's stored re-check (by quarter), not after `up_to` (e.g. `2026-Q4`).
    #[tracing::instrument(skip_all)]
    pub async fn latest_recheck(&self, ws: &str, up_to: Quarter) -> Result<Option<StoredRecheck>> {
        let r = sqlx::query(
            "SELECT quarter, verdict, result_json, fingerprint, stored_at FROM recheck_results \
             WHERE workspace_id = $1 AND quarter <= $2 ORDER BY quarter DESC LIMIT 1",
        )
        .bind(ws)
        .bind(up_to.to_string())
        .fetch_optional(self.pool())
        .await?;
        r.as_ref().map(recheck_from_row).transpose()
    }
}

fn recheck_from_row(r: &sqlx::any::AnyRow) -> Result<StoredRecheck> {
    Ok(StoredRecheck {
        quarter: parse_col(&get::<String>(r, "quarter")?, "quarter")?,
        verdict: parse_col(&get::<String>(r, "verdict")?, "re-check verdict")?,
        result_json: get(r, "result_json")?,
        fingerprint: get(r, "fingerprint")?,
        stored_at: parse_ts(&get::<String>(r, "stored_at")?)?,
    })
}
