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
    /// records the version of the keys), so every stored key is the key of its name. A key that one current
    /// name takes stays its holder's; a partner whose name now compares equal to another's (two lookalikes,
    /// added before the rule that tells they are) is renamed so that its key is its own and every read by key
    /// (a command's `partner`, `/screen`, completions, the import) reaches it: [`distinct_name`] adds its id
    /// (`Citroёn` beside a `Citroën` becomes `Citroёn #12`), its old name stays in its history as a rename by
    /// [`REKEY_AUTHOR`], and a lead renames it again as wished. A trait whose name compares equal to another
    /// current trait's of its profile keeps its old key (a warning): both records stay. Returns how many keys
    /// changed.
    #[tracing::instrument(skip_all)]
    pub async fn rekey_names(&self) -> Result<u64> {
        let version: i64 = sqlx::query_scalar("SELECT MAX(version) FROM name_key_version")
            .fetch_one(self.pool())
            .await?;
        if version >= NAME_KEY_VERSION {
            return Ok(0);
        }
        let now = Utc::now();
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
            // Current names whose key changes, as (id, scope, name, old key, new key).
            let mut pending = Vec::new();
            for (id, scope, name, old, current) in rows {
                let new = crate::domain::name_key(&name);
                if new == old {
                    continue;
                }
                if current == 1 {
                    pending.push((id, scope, name, old, new));
                } else {
                    set_key(&mut tx, table, id, &new).await?;
                    changed += 1;
                }
            }
            // Each key moved frees its old one, which another name may be waiting for: move what is free
            // until nothing moves, then what is left compares equal to a name that keeps its key.
            loop {
                let before = pending.len();
                let mut waiting = Vec::new();
                for (id, scope, name, old, new) in pending {
                    let key = (scope, new);
                    if taken.contains(&key) {
                        waiting.push((id, key.0, name, old, key.1));
                        continue;
                    }
                    set_key(&mut tx, table, id, &key.1).await?;
                    changed += 1;
                    taken.remove(&(key.0.clone(), old));
                    taken.insert(key);
                }
                pending = waiting;
                if pending.is_empty() || pending.len() == before {
                    break;
                }
            }
            for (id, scope, name, old, new) in pending {
                if table != "partners" {
                    tracing::warn!(
                        table,
                        id,
                        "a name now compares equal to another; it keeps its old key"
                    );
                    continue;
                }
                let renamed = (0..)
                    .map(|n| distinct_name(&name, id, n))
                    .find(|d| !taken.contains(&(scope.clone(), d.key())))
                    .unwrap_or_else(|| unreachable!("an endless range"));
                tracing::warn!(
                    table,
                    id,
                    "a partner's name now compares equal to another's; it is renamed with its id"
                );
                sqlx::query(
                    "INSERT INTO partner_names (workspace_id, partner_id, name, name_key, renamed_on, renamed_by, renamed_at) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7)",
                )
                .bind(&scope)
                .bind(id)
                .bind(&name)
                .bind(&new)
                .bind(now.date_naive().to_string())
                .bind(REKEY_AUTHOR)
                .bind(ts(now))
                .write(&mut *tx)
                .await?;
                sqlx::query("UPDATE partners SET name = $1, name_key = $2 WHERE id = $3")
                    .bind(renamed.as_str())
                    .bind(renamed.key())
                    .bind(id)
                    .write(&mut *tx)
                    .await?;
                changed += 1;
                taken.remove(&(scope.clone(), old));
                taken.insert((scope, renamed.key()));
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

/// Store `key` as the name key of row `id` of `table` (one of [`Store::rekey_names`]'s tables).
async fn set_key(conn: &mut sqlx::AnyConnection, table: &str, id: i64, key: &str) -> Result<()> {
    sqlx::query(AssertSqlSafe(format!(
        "UPDATE {table} SET name_key = $1 WHERE id = $2"
    )))
    .bind(key)
    .bind(id)
    .write(conn)
    .await?;
    Ok(())
}

/// Who the history says renamed a partner whose name came to compare equal to another's ([`Store::rekey_names`]).
const REKEY_AUTHOR: &str = "partnerfit (lookalike names)";

/// The `n`th name tried for partner `id` named `name` when `name` compares equal to another partner's: the
/// name with ` #` and the id (`Citroёn #12`), then ` #12.1`, ` #12.2`…, the name cut to fit
/// [`PartnerName::MAX_CHARS`] (and cut again past what the cut leaves at its end: white space, or the joiner,
/// selector or tags of an emoji it split). `Partner #12…` should that not be a name.
fn distinct_name(name: &str, id: i64, n: u32) -> PartnerName {
    let suffix = if n == 0 {
        format!(" #{id}")
    } else {
        format!(" #{id}.{n}")
    };
    let room = PartnerName::MAX_CHARS.saturating_sub(suffix.chars().count());
    let mut base: String = name.chars().take(room).collect();
    while base.ends_with(|c: char| c.is_whitespace() || crate::domain::is_invisible(c)) {
        base.pop();
    }
    PartnerName::parse(&format!("{base}{suffix}"))
        .or_else(|_| PartnerName::parse(&format!("Partner{suffix}")))
        .unwrap_or_else(|e| unreachable!("`Partner #…` is a name: {e}"))
}

/// The version of [`crate::domain::name_key`] the stored keys are computed with (4: letters of other scripts
/// drawn like accented Latin ones, such as Cyrillic `ё`, are those; a subdivision flag keeps its tags).
const NAME_KEY_VERSION: i64 = 4;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lookalike_is_renamed_with_its_id_within_the_limit() {
        let n = |name: &str, id, n| distinct_name(name, id, n).as_str().to_string();
        assert_eq!(n("Citro\u{451}n", 12, 0), "Citro\u{451}n #12");
        assert_eq!(n("Citro\u{451}n", 12, 1), "Citro\u{451}n #12.1");
        assert_eq!(
            distinct_name("Citro\u{451}n", 12, 0).key(),
            "citro\u{EB}n #12"
        );
        // 100 characters: cut to 97, then ` #7`.
        let long = "x".repeat(100);
        assert_eq!(n(&long, 7, 0), format!("{} #7", "x".repeat(97)));
        assert_eq!(n(&long, 7, 0).chars().count(), PartnerName::MAX_CHARS);
        // 94 letters and a family (U+1F468 ZWJ U+1F469 ZWJ U+1F467), 99 characters: the cut to 96 leaves the
        // man and a joiner with nothing after it, which goes (a stray joiner is not a name).
        let family = "\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}";
        let name = format!("{}{family}", "a".repeat(94));
        assert_eq!(name.chars().count(), 99);
        assert_eq!(n(&name, 12, 0), format!("{}\u{1F468} #12", "a".repeat(94)));
    }
}
