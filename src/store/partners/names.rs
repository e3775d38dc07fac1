//! Partner names: every name for matching and suggestions, renames and the names a partner had before,
//! and the one-time recomputation of stored name keys when the key function changes.

use super::super::write::Write;
use super::super::{ts, Backend, Result, Store, StoreError};
use super::PartnerNames;
use crate::domain::PartnerName;
use chrono::{DateTime, NaiveDate, Utc};
use sqlx::AssertSqlSafe;

/// A name a partner had until it was renamed.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct FormerName {
    #[serde(skip)]
    pub partner_id: i64,
    pub name: String,
    /// The day it was renamed (in the workspace's time zone).
    pub until: NaiveDate,
}

impl Store {
    /// Every partner's id and name, for fuzzy matching of names.
    #[tracing::instrument(skip_all)]
    pub async fn partner_names(&self, ws: &str) -> Result<Vec<(i64, String)>> {
        // One JSON value instead of a row per partner: the driver's cost is per row and per value, and a
        // name not on the roster reads them all to suggest the closest (half its time at 10,000).
        let sql = match self.backend() {
            Backend::Sqlite => {
                "SELECT json_group_array(json_array(id, name) ORDER BY name_key) FROM partners \
                 WHERE workspace_id = $1"
            }
            Backend::Postgres => {
                "SELECT CAST(COALESCE(json_agg(json_build_array(id, name) ORDER BY name_key), '[]') AS TEXT) \
                 FROM partners WHERE workspace_id = $1"
            }
        };
        let query = || sqlx::query_scalar(sql).bind(ws);
        let text: String = read_kept!(self, query, fetch_one);
        serde_json::from_str(&text).map_err(|e| StoreError::Corrupt(format!("partner names: {e}")))
    }

    /// The workspace's partner names as [`Store::partner_names`] reads them, unless they are unchanged since
    /// `have` (a version this call returned before): the version of the names (a counter that migration 0008's
    /// triggers move on every insert, rename or removal of a partner, by any process) and, when it is not
    /// `have`, the names. Version and names come from one statement, so they belong together.
    #[tracing::instrument(skip_all)]
    pub async fn partner_names_since(
        &self,
        ws: &str,
        have: Option<i64>,
    ) -> Result<(i64, Option<PartnerNames>)> {
        let sql = match self.backend() {
            Backend::Sqlite => {
                "WITH v AS (SELECT COALESCE(MAX(version), 0) AS version FROM partner_name_versions \
                 WHERE workspace_id = $1) \
                 SELECT v.version, CASE WHEN v.version = $2 THEN NULL ELSE \
                 (SELECT json_group_array(json_array(id, name) ORDER BY name_key) FROM partners \
                 WHERE workspace_id = $1) END FROM v"
            }
            Backend::Postgres => {
                "WITH v AS (SELECT COALESCE(MAX(version), 0) AS version FROM partner_name_versions \
                 WHERE workspace_id = $1) \
                 SELECT v.version, CASE WHEN v.version = $2 THEN NULL ELSE \
                 (SELECT CAST(COALESCE(json_agg(json_build_array(id, name) ORDER BY name_key), '[]') AS TEXT) \
                 FROM partners WHERE workspace_id = $1) END FROM v"
            }
        };
        // No version is negative: -1 asks for the names whatever the version.
        let query = || sqlx::query_as(sql).bind(ws).bind(have.unwrap_or(-1));
        let (version, text): (i64, Option<String>) = read_kept!(self, query, fetch_one);
        let names = match text {
            Some(t) => Some(
                serde_json::from_str(&t)
                    .map_err(|e| StoreError::Corrupt(format!("partner names: {e}")))?,
            ),
            None => None,
        };
        Ok((version, names))
    }

    /// Rename a partner: the new name must be free in the workspace (compared by key: a Conflict otherwise;
    /// the partner's own key, for a change of case, is free), and the old name is kept in its history
    /// (`partner_names`) with the date. Its evidence, hours and outcomes point at its id and follow it.
    #[tracing::instrument(skip_all)]
    pub async fn rename_partner(
        &self,
        ws: &str,
        id: i64,
        new: &PartnerName,
        on: NaiveDate,
        by: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        let mut tx = self.pool().begin().await?;
        sqlx::query(
            "INSERT INTO partner_names (workspace_id, partner_id, name, name_key, renamed_on, renamed_by, renamed_at) \
             SELECT workspace_id, id, name, name_key, $3, $4, $5 FROM partners WHERE workspace_id = $1 AND id = $2",
        )
        .bind(ws)
        .bind(id)
        .bind(on.to_string())
        .bind(by)
        .bind(ts(now))
        .write(&mut *tx)
        .await?;
        sqlx::query(
            "UPDATE partners SET name = $1, name_key = $2 WHERE workspace_id = $3 AND id = $4",
        )
        .bind(new.as_str())
        .bind(new.key())
        .bind(ws)
        .bind(id)
        .write(&mut *tx)
        .await
        .map_err(|e| StoreError::from_write(e, "partner"))?;
        tx.commit().await?;
        Ok(())
    }

    /// The latest rename away from a name with this key, if a partner of the workspace ever had it.
    #[tracing::instrument(skip_all)]
    pub async fn renamed_from(&self, ws: &str, key: &str) -> Result<Option<FormerName>> {
        let row: Option<(i64, String, String)> = sqlx::query_as(
            "SELECT partner_id, name, renamed_on FROM partner_names WHERE workspace_id = $1 AND name_key = $2 \
             ORDER BY id DESC LIMIT 1",
        )
        .bind(ws)
        .bind(key)
        .fetch_optional(self.pool())
        .await?;
        row.map(|(partner_id, name, on)| {
            Ok(FormerName {
                partner_id,
                name,
                until: super::day(&on)?,
            })
        })
        .transpose()
    }

    /// The names a partner had before its renames, oldest first.
    #[tracing::instrument(skip_all)]
    pub async fn former_names(&self, ws: &str, partner_id: i64) -> Result<Vec<FormerName>> {
        let rows: Vec<(String, String)> = sqlx::query_as(
            "SELECT name, renamed_on FROM partner_names WHERE workspace_id = $1 AND partner_id = $2 ORDER BY id",
        )
        .bind(ws)
        .bind(partner_id)
        .fetch_all(self.pool())
        .await?;
        rows.into_iter()
            .map(|(name, on)| {
                Ok(FormerName {
                    partner_id,
                    name,
                    until: super::day(&on)?,
                })
            })
            .collect()
    }

    /// Recompute every stored name key with the current [`crate::domain::name_key`], once (migration 0004
    /// records the version of the keys). A name whose new key is already another partner's (another current
    /// trait's of its profile) keeps its old key: both records stay, and a lead can rename one. Returns how
    /// many keys changed.
    #[tracing::instrument(skip_all)]
    pub async fn rekey_names(&self) -> Result<u64> {
        let version: i64 = sqlx::query_scalar("SELECT MAX(version) FROM name_key_version")
            .fetch_one(self.pool())
            .await?;
        if version >= NAME_KEY_VERSION {
            return Ok(0);
        }
        let mut tx = self.pool().begin().await?;
        let mut changed = 0;
        for (table, scope, current) in [
            ("partners", "workspace_id", "1 = 1"),
            ("traits", "CAST(profile_id AS TEXT)", "removed_in IS NULL"),
            // Former names are history: no key there is taken.
            ("partner_names", "workspace_id", "1 = 0"),
        ] {
            let rows: Vec<(i64, String, String, String, i64)> =
                sqlx::query_as(AssertSqlSafe(format!(
                    "SELECT id, {scope}, name, name_key, CAST(CASE WHEN {current} THEN 1 ELSE 0 END AS BIGINT) \
                     FROM {table} ORDER BY id"
                )))
                .fetch_all(&mut *tx)
                .await?;
            let mut taken: std::collections::HashSet<(String, String)> = rows
                .iter()
                .filter(|r| r.4 == 1)
                .map(|r| (r.1.clone(), r.3.clone()))
                .collect();
            for (id, scope, name, old, current) in rows {
                let current = current == 1;
                let new = crate::domain::name_key(&name);
                if new == old {
                    continue;
                }
                if current {
                    if taken.contains(&(scope.clone(), new.clone())) {
                        tracing::warn!(
                            table,
                            id,
                            "a name now compares equal to another; it keeps its old key"
                        );
                        continue;
                    }
                    taken.remove(&(scope.clone(), old));
                    taken.insert((scope, new.clone()));
                }
                sqlx::query(AssertSqlSafe(format!(
                    "UPDATE {table} SET name_key = $1 WHERE id = $2"
                )))
                .bind(&new)
                .bind(id)
                .write(&mut *tx)
                .await?;
                changed += 1;
            }
        }
        sqlx::query("UPDATE name_key_version SET version = $1")
            .bind(NAME_KEY_VERSION)
            .write(&mut *tx)
            .await?;
        tx.commit().await?;
        if changed > 0 {
            tracing::info!(changed, "recomputed name keys");
        }
        Ok(changed)
    }
}

/// The version of [`crate::domain::name_key`] the stored keys are computed with.
const NAME_KEY_VERSION: i64 = 3;
