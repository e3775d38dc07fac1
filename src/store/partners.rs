//! The partner roster.

use super::write::{Bind, Write, WriteReturning};
use super::{day, get, opt_day, parse_col, parse_ts, ts, Result, Store, StoreError};
use crate::domain::lifecycle::PeriodChange;
use crate::domain::{Lifecycle, PartnerName, PartnerType, SignedPeriod, Stage};
use chrono::{DateTime, NaiveDate, Utc};
use sqlx::any::AnyRow;
use sqlx::AssertSqlSafe;
use std::collections::HashMap;

/// Every partner's id and name, in the order of their name keys.
pub type PartnerNames = Vec<(i64, String)>;

/// A partner as stored.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Partner {
    pub id: i64,
    pub name: String,
    #[serde(rename = "type")]
    pub partner_type: PartnerType,
    /// Serialized as the roster's `stage`, `signed`, `dropped` and `drop_reason`.
    #[serde(flatten)]
    pub lifecycle: Lifecycle,
    pub champion: Option<String>,
    pub note: Option<String>,
    pub created_by: String,
    #[serde(serialize_with = "crate::domain::stamp::serialize")]
    pub created_at: DateTime<Utc>,
}

/// A partner to add.
#[derive(Debug, Clone, PartialEq)]
pub struct NewPartner {
    pub name: PartnerName,
    pub partner_type: PartnerType,
    pub lifecycle: Lifecycle,
    pub champion: Option<String>,
    pub note: Option<String>,
}

/// Filters of `/partner list`.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PartnerFilter {
    pub partner_type: Option<PartnerType>,
    pub stage: Option<Stage>,
}

pub(crate) const PARTNER_COLS: &str =
    "id, name, partner_type, stage, signed_on, dropped_on, drop_reason, champion, note, created_by, created_at";

/// A stored partner, column by column in the order of [`PARTNER_COLS`].
pub(crate) type PartnerCols = (
    i64,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    String,
    String,
);

/// The partner of its stored columns.
pub(crate) fn partner_of(cols: PartnerCols) -> Result<Partner> {
    let (id, name, ty, stage, signed, dropped, drop_reason, champion, note, created_by, created_at) =
        cols;
    let stage: Stage = parse_col(&stage, "stage")?;
    // The rules' messages name the partner: here it is "the partner", since a corrupt row is logged and a
    // name is the user's text. The row is named by its id.
    let lifecycle = Lifecycle::from_columns(
        "the partner",
        Some(stage),
        opt_day(signed)?,
        opt_day(dropped)?,
        drop_reason,
    )
    .map_err(|errs| {
        let broken: Vec<String> = errs
            .iter()
            .map(|e| format!("`{}`: {}", e.column, e.message))
            .collect();
        StoreError::Corrupt(format!("partner #{id}: {}", broken.join("; ")))
    })?;
    Ok(Partner {
        id,
        name,
        partner_type: parse_col(&ty, "partner type")?,
        lifecycle,
        champion,
        note,
        created_by,
        created_at: parse_ts(&created_at)?,
    })
}

pub(crate) fn partner_from_row(r: &AnyRow) -> Result<Partner> {
    partner_of((
        get(r, "id")?,
        get(r, "name")?,
        get(r, "partner_type")?,
        get(r, "stage")?,
        get(r, "signed_on")?,
        get(r, "dropped_on")?,
        get(r, "drop_reason")?,
        get(r, "champion")?,
        get(r, "note")?,
        get(r, "created_by")?,
        get(r, "created_at")?,
    ))
}

/// The autocomplete statement of a backend: up to `$5` names as one JSON array (text), the keys in the range
/// `$2`..`$3` (those that start with the text) in key order, then those matching `$4` (that contain it
/// elsewhere). The second part runs only when the first gives fewer than `$5`.
fn search_sql(backend: super::Backend) -> &'static str {
    match backend {
        // A UNION ALL is read left to right and the outer LIMIT stops it: the scan of the second part never
        // starts when the first filled the list.
        super::Backend::Sqlite => {
            "SELECT json_group_array(name ORDER BY rank, name_key) FROM (SELECT * FROM ( \
               SELECT * FROM (SELECT name, name_key, 0 AS rank FROM partners \
                 WHERE workspace_id = $1 AND name_key >= $2 AND name_key < $3 ORDER BY name_key LIMIT $5) \
               UNION ALL \
               SELECT * FROM (SELECT name, name_key, 1 AS rank FROM partners \
                 WHERE workspace_id = $1 AND name_key LIKE $4 ESCAPE '\\' AND NOT (name_key >= $2 AND name_key < $3) \
                 ORDER BY name_key LIMIT $5)) LIMIT $5)"
        }
        // PostgreSQL may run the parts of a UNION ALL in any order, so the second part's LIMIT is 0 (and its
        // scan never runs) when the first filled the list.
        super::Backend::Postgres => {
            "WITH prefix AS (SELECT name, name_key FROM partners \
               WHERE workspace_id = $1 AND name_key >= $2 AND name_key < $3 ORDER BY name_key LIMIT $5) \
             SELECT CAST(COALESCE(json_agg(name ORDER BY rank, name_key), '[]') AS TEXT) FROM ( \
               SELECT name, name_key, 0 AS rank FROM prefix \
               UNION ALL \
               SELECT name, name_key, rank FROM (SELECT name, name_key, 1 AS rank FROM partners \
                 WHERE workspace_id = $1 AND name_key LIKE $4 ESCAPE '\\' AND NOT (name_key >= $2 AND name_key < $3) \
                 ORDER BY name_key LIMIT CASE WHEN (SELECT count(*) FROM prefix) < $5 THEN $5 ELSE 0 END) more) m"
        }
    }
}

fn opt_date(d: Option<NaiveDate>) -> Option<String> {
    d.map(|d| d.to_string())
}

/// The table and columns of a new partner, in the order [`bind_partner`] binds them.
pub(crate) const PARTNER_COLUMNS: &str =
    "partners (workspace_id, name, name_key, partner_type, stage, \
     signed_on, dropped_on, drop_reason, champion, note, created_by, created_at)";

/// Bind the values of partner `p`, created by `by` at `at`, in the order of [`PARTNER_COLUMNS`]: the row of
/// [`Store::add_partner`], or one row of an import's multi-row insert.
pub(crate) fn bind_partner<'q, Q: Bind<'q>>(
    q: Q,
    ws: &'q str,
    p: &'q NewPartner,
    by: &'q str,
    at: &'q str,
) -> Q {
    q.value(ws)
        .value(p.name.as_str())
        .value(p.name.key())
        .value(p.partner_type.as_str())
        .value(p.lifecycle.stage().as_str())
        .value(opt_date(p.lifecycle.signed_on()))
        .value(opt_date(p.lifecycle.dropped_on()))
        .value(p.lifecycle.drop_reason())
        .value(p.champion.as_deref())
        .value(p.note.as_deref())
        .value(by)
        .value(at)
}

impl Store {
    /// Add a partner; a name that exists in the workspace (case-insensitively) is a Conflict.
    #[tracing::instrument(skip_all)]
    pub async fn add_partner(
        &self,
        ws: &str,
        p: &NewPartner,
        by: &str,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        let mut tx = self.pool().begin().await?;
        let at = ts(now);
        let sql = format!(
            "INSERT INTO {PARTNER_COLUMNS} VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) RETURNING id"
        );
        let q = sqlx::query_scalar(AssertSqlSafe(sql));
        let id = bind_partner(q, ws, p, by, &at)
            .write_one(&mut *tx)
            .await
            .map_err(|e| StoreError::from_write(e, "partner"))?;
        if let Some(period) = p.lifecycle.period() {
            insert_period(&mut tx, ws, id, &period).await?;
        }
        tx.commit().await?;
        Ok(id)
    }

    /// The partner with this name key (see [`crate::domain::name_key`]).
    #[tracing::instrument(skip_all)]
    pub async fn partner_by_key(&self, ws: &str, key: &str) -> Result<Option<Partner>> {
        let r = sqlx::query(AssertSqlSafe(format!(
            "SELECT {PARTNER_COLS} FROM partners WHERE workspace_id = $1 AND name_key = $2"
        )))
        .bind(ws)
        .bind(key)
        .fetch_optional(self.pool())
        .await?;
        r.as_ref().map(partner_from_row).transpose()
    }

    #[tracing::instrument(skip_all)]
    pub async fn partner_by_id(&self, ws: &str, id: i64) -> Result<Option<Partner>> {
        let r = sqlx::query(AssertSqlSafe(format!(
            "SELECT {PARTNER_COLS} FROM partners WHERE workspace_id = $1 AND id = $2"
        )))
        .bind(ws)
        .bind(id)
        .fetch_optional(self.pool())
        .await?;
        r.as_ref().map(partner_from_row).transpose()
    }

    /// The roster, filtered, by name.
    #[tracing::instrument(skip_all)]
    pub async fn partners(&self, ws: &str, f: &PartnerFilter) -> Result<Vec<Partner>> {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT {PARTNER_COLS} FROM partners WHERE workspace_id = $1 \
             AND (CAST($2 AS TEXT) IS NULL OR partner_type = $2) AND (CAST($3 AS TEXT) IS NULL OR stage = $3) \
             ORDER BY name_key"
        )))
        .bind(ws)
        .bind(f.partner_type.map(|t| t.as_str()))
        .bind(f.stage.map(|s| s.as_str()))
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(partner_from_row).collect()
    }

    /// How many partners the filtered roster has.
    #[tracing::instrument(skip_all)]
    pub async fn count_partners(&self, ws: &str, f: &PartnerFilter) -> Result<u64> {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM partners WHERE workspace_id = $1 \
             AND (CAST($2 AS TEXT) IS NULL OR partner_type = $2) AND (CAST($3 AS TEXT) IS NULL OR stage = $3)",
        )
        .bind(ws)
        .bind(f.partner_type.map(|t| t.as_str()))
        .bind(f.stage.map(|s| s.as_str()))
        .fetch_one(self.pool())
        .await?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// Up to `limit` partners of the filtered roster in name order, after the name key `after` (when given)
    /// and skipping `offset`; with the name key of the last one, to continue from.
    #[tracing::instrument(skip_all)]
    pub async fn partners_page(
        &self,
        ws: &str,
        f: &PartnerFilter,
        after: Option<&str>,
        offset: u64,
        limit: u64,
    ) -> Result<(Vec<Partner>, Option<String>)> {
        // The name-key bound is written as a range only when there is one: SQLite does not turn
        // `$4 IS NULL OR name_key > $4` into an index range, so every page scanned the roster from its first
        // name (a 100,000-partner export read the index 200 times over: quadratic).
        let after_cond = match after {
            Some(_) => "name_key > $4",
            None => "CAST($4 AS TEXT) IS NULL",
        };
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT {PARTNER_COLS}, name_key FROM partners WHERE workspace_id = $1 \
             AND (CAST($2 AS TEXT) IS NULL OR partner_type = $2) AND (CAST($3 AS TEXT) IS NULL OR stage = $3) \
             AND {after_cond} ORDER BY name_key LIMIT $5 OFFSET $6"
        )))
        .bind(ws)
        .bind(f.partner_type.map(|t| t.as_str()))
        .bind(f.stage.map(|s| s.as_str()))
        .bind(after)
        .bind(i64::try_from(limit).unwrap_or(i64::MAX))
        .bind(i64::try_from(offset).unwrap_or(i64::MAX))
        .fetch_all(self.pool())
        .await?;
        let last = match rows.last() {
            Some(r) => Some(get::<String>(r, "name_key")?),
            None => None,
        };
        let partners = rows.iter().map(partner_from_row).collect::<Result<_>>()?;
        Ok((partners, last))
    }

    /// Every partner ever signed (dropped ones included): the ones a weekly digest can call neglected.
    #[tracing::instrument(skip_all)]
    pub async fn signed_partners(&self, ws: &str) -> Result<Vec<Partner>> {
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT {PARTNER_COLS} FROM partners WHERE workspace_id = $1 AND signed_on IS NOT NULL"
        )))
        .bind(ws)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(partner_from_row).collect()
    }

    /// Up to `limit` partner names whose key starts with `prefix_key`, then those containing it, for autocomplete.
    #[tracing::instrument(skip_all)]
    pub async fn search_partners(
        &self,
        ws: &str,
        prefix_key: &str,
        limit: i64,
    ) -> Result<Vec<String>> {
        // Prefix and substring matches with LIKE (the key is already lower case, so SQLite's ASCII
        // case-folding LIKE and PostgreSQL's case-sensitive one agree); `\` escapes the wildcards.
        let escaped = prefix_key
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        let contains = format!("%{escaped}%");
        // SQLite uses an index for LIKE only on NOCASE columns; the key is compared bytewise, so the prefix is
        // the range [prefix, prefix + U+10FFFF) of the (workspace_id, name_key) index on both backends.
        let query = || {
            sqlx::query_scalar(search_sql(self.backend()))
                .bind(ws)
                .bind(prefix_key)
                .bind(format!("{prefix_key}{}", char::MAX))
                .bind(if prefix_key.is_empty() {
                    ""
                } else {
                    contains.as_str()
                })
                .bind(limit)
        };
        let text: String = read_kept!(self, query, fetch_one);
        let mut names: Vec<String> = serde_json::from_str(&text)
            .map_err(|e| StoreError::Corrupt(format!("partner names: {e}")))?;
        names.truncate(usize::try_from(limit).unwrap_or(0));
        Ok(names)
    }

    /// Change a partner's life cycle from `from` (what the caller read) to `to`, and its signed periods with it
    /// ([`Lifecycle::period_change`]), in one transaction. When the stored life cycle is no longer `from` (a
    /// concurrent change), nothing is written and the answer is a [`StoreError::Conflict`].
    #[tracing::instrument(skip_all)]
    pub async fn change_lifecycle(
        &self,
        ws: &str,
        id: i64,
        from: &Lifecycle,
        to: &Lifecycle,
    ) -> Result<()> {
        let mut tx = self.pool().begin().await?;
        let changed = sqlx::query(
            "UPDATE partners SET stage = $1, signed_on = $2, dropped_on = $3, drop_reason = $4 \
             WHERE workspace_id = $5 AND id = $6 AND stage = $7 \
             AND COALESCE(signed_on, '') = $8 AND COALESCE(dropped_on, '') = $9",
        )
        .bind(to.stage().as_str())
        .bind(opt_date(to.signed_on()))
        .bind(opt_date(to.dropped_on()))
        .bind(to.drop_reason())
        .bind(ws)
        .bind(id)
        .bind(from.stage().as_str())
        .bind(opt_date(from.signed_on()).unwrap_or_default())
        .bind(opt_date(from.dropped_on()).unwrap_or_default())
        .write(&mut *tx)
        .await?;
        if changed == 0 {
            return Err(StoreError::Conflict("partner life cycle".into()));
        }
        apply_period_change(&mut tx, ws, id, &from.period_change(to)).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Every signed period of the workspace's partners, by partner, each partner's in signing order.
    #[tracing::instrument(skip_all)]
    pub async fn signed_periods(&self, ws: &str) -> Result<HashMap<i64, Vec<SignedPeriod>>> {
        let rows: Vec<(i64, String, Option<String>, Option<String>)> = sqlx::query_as(
            "SELECT partner_id, signed_on, dropped_on, drop_reason FROM signed_periods \
             WHERE workspace_id = $1 ORDER BY partner_id, signed_on, id",
        )
        .bind(ws)
        .fetch_all(self.pool())
        .await?;
        let mut out: HashMap<i64, Vec<SignedPeriod>> = HashMap::new();
        for (partner_id, signed, dropped, reason) in rows {
            out.entry(partner_id).or_default().push(SignedPeriod {
                signed: day(&signed)?,
                dropped: opt_day(dropped)?,
                reason,
            });
        }
        Ok(out)
    }

    /// One partner's signed periods, in signing order.
    #[tracing::instrument(skip_all)]
    pub async fn partner_periods(&self, ws: &str, partner_id: i64) -> Result<Vec<SignedPeriod>> {
        let rows: Vec<(String, Option<String>, Option<String>)> = sqlx::query_as(
            "SELECT signed_on, dropped_on, drop_reason FROM signed_periods \
             WHERE workspace_id = $1 AND partner_id = $2 ORDER BY signed_on, id",
        )
        .bind(ws)
        .bind(partner_id)
        .fetch_all(self.pool())
        .await?;
        rows.into_iter()
            .map(|(signed, dropped, reason)| {
                Ok(SignedPeriod {
                    signed: day(&signed)?,
                    dropped: opt_day(dropped)?,
                    reason,
                })
            })
            .collect()
    }
}

/// Add a signed period of partner `id`.
pub(crate) async fn insert_period(
    conn: &mut sqlx::AnyConnection,
    ws: &str,
    id: i64,
    p: &SignedPeriod,
) -> Result<()> {
    sqlx::query(
        "INSERT INTO signed_periods (workspace_id, partner_id, signed_on, dropped_on, drop_reason) \
         VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(ws)
    .bind(id)
    .bind(p.signed.to_string())
    .bind(opt_date(p.dropped))
    .bind(p.reason.as_deref())
    .write(&mut *conn)
    .await?;
    Ok(())
}

/// Apply a change of partner `id`'s signed periods (inside the caller's transaction).
pub(crate) async fn apply_period_change(
    conn: &mut sqlx::AnyConnection,
    ws: &str,
    id: i64,
    change: &PeriodChange,
) -> Result<()> {
    match change {
        PeriodChange::Keep => Ok(()),
        PeriodChange::Open(on) => {
            let period = SignedPeriod {
                signed: *on,
                dropped: None,
                reason: None,
            };
            insert_period(conn, ws, id, &period).await
        }
        PeriodChange::SetLatest(p) => {
            let changed = sqlx::query(
                "UPDATE signed_periods SET signed_on = $1, dropped_on = $2, drop_reason = $3 \
                 WHERE id = (SELECT MAX(id) FROM signed_periods WHERE workspace_id = $4 AND partner_id = $5)",
            )
            .bind(p.signed.to_string())
            .bind(opt_date(p.dropped))
            .bind(p.reason.as_deref())
            .bind(ws)
            .bind(id)
            .write(&mut *conn)
            .await?;
            if changed == 0 {
                insert_period(conn, ws, id, p).await?;
            }
            Ok(())
        }
    }
}

mod names;
pub use names::FormerName;

#[cfg(test)]
mod tests;
