//! Profiles, their numbered revisions and their traits.

use super::write::{Write, WriteReturning};
use super::{get, parse_col, parse_ts, ts, Result, Store, StoreError};
use crate::domain::profile::{Profile, Trait, TraitKind};
use crate::domain::{name_key, PartnerType};
use chrono::{DateTime, Utc};
use sqlx::any::AnyRow;
use sqlx::AssertSqlSafe;

/// A trait to add.
#[derive(Debug, Clone, PartialEq)]
pub struct NewTrait {
    pub name: String,
    pub verify_by: Option<String>,
    pub kind: TraitKind,
}

/// One revision of a profile, for `/profile history`.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Revision {
    pub revision: i64,
    pub change: String,
    pub changed_by: String,
    #[serde(serialize_with = "crate::domain::stamp::serialize")]
    pub changed_at: DateTime<Utc>,
    /// The traits of the profile at this revision.
    pub traits: Vec<String>,
}

const PROFILE_COLS: &str = "id, partner_type, name, joint_solution, owner, revision";
const TRAIT_COLS: &str = "id, name, verify_by, min_value, max_value, unit";

/// The kind of a stored trait: yes/no when it has neither bound.
pub(crate) fn stored_kind(min: Option<f64>, max: Option<f64>, unit: Option<String>) -> TraitKind {
    if min.is_none() && max.is_none() {
        TraitKind::YesNo
    } else {
        TraitKind::Threshold { min, max, unit }
    }
}

fn trait_from_row(r: &AnyRow) -> Result<Trait> {
    Ok(Trait {
        id: get(r, "id")?,
        name: get(r, "name")?,
        verify_by: get(r, "verify_by")?,
        kind: stored_kind(get(r, "min_value")?, get(r, "max_value")?, get(r, "unit")?),
    })
}

/// A profile from a row of its `PROFILE_COLS`, with its traits.
fn profile_from_row(r: &AnyRow, traits: Vec<Trait>) -> Result<Profile> {
    let ty: String = get(r, "partner_type")?;
    Ok(Profile {
        id: get(r, "id")?,
        partner_type: parse_col(&ty, "partner type")?,
        name: get(r, "name")?,
        joint_solution: get(r, "joint_solution")?,
        owner: get(r, "owner")?,
        revision: get(r, "revision")?,
        traits,
    })
}

impl Store {
    /// Create the active profile of a type (revision 1, no traits). A second active profile is a Conflict.
    #[tracing::instrument(skip_all)]
    pub async fn create_profile(
        &self,
        ws: &str,
        ty: PartnerType,
        name: &str,
        joint_solution: Option<&str>,
        owner: &str,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        let mut tx = self.pool().begin().await?;
        let id = Self::create_profile_in(&mut tx, ws, ty, name, joint_solution, owner, now).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// [`Store::create_profile`] inside a transaction the caller commits.
    pub(crate) async fn create_profile_in(
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        ws: &str,
        ty: PartnerType,
        name: &str,
        joint_solution: Option<&str>,
        owner: &str,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO profiles (workspace_id, partner_type, name, joint_solution, owner, revision, created_at) \
             VALUES ($1, $2, $3, $4, $5, 1, $6) RETURNING id",
        )
        .bind(ws)
        .bind(ty.as_str())
        .bind(name)
        .bind(joint_solution)
        .bind(owner)
        .bind(ts(now))
        .write_one(&mut **tx)
        .await
        .map_err(|e| StoreError::from_write(e, "profile"))?;
        sqlx::query(
            "INSERT INTO profile_revisions (profile_id, revision, change, changed_by, changed_at) VALUES ($1, 1, $2, $3, $4)",
        )
        .bind(id)
        .bind(format!("created \"{name}\""))
        .bind(owner)
        .bind(ts(now))
        .write(&mut **tx)
        .await?;
        Ok(id)
    }

    /// The active profile of a type with its current traits (in the order they were added).
    #[tracing::instrument(skip_all)]
    pub async fn active_profile(&self, ws: &str, ty: PartnerType) -> Result<Option<Profile>> {
        let row = sqlx::query(AssertSqlSafe(format!(
            "SELECT {PROFILE_COLS} FROM profiles WHERE workspace_id = $1 AND partner_type = $2 AND retired_at IS NULL"
        )))
        .bind(ws)
        .bind(ty.as_str())
        .fetch_optional(self.pool())
        .await?;
        match row {
            None => Ok(None),
            Some(r) => Ok(Some(self.profile_with_traits(&r).await?)),
        }
    }

    /// Every active profile of the workspace, by type, each with its current traits (in the order they were
    /// added). One statement: the profiles joined to their traits, a row per trait (one with no trait for a
    /// profile that has none), where a statement per profile took five round trips for the four types.
    #[tracing::instrument(skip_all)]
    pub async fn active_profiles(&self, ws: &str) -> Result<Vec<Profile>> {
        let rows = sqlx::query(
            "SELECT p.id, p.partner_type, p.name, p.joint_solution, p.owner, p.revision, \
               t.id AS trait_id, t.name AS trait_name, t.verify_by, t.min_value, t.max_value, t.unit \
             FROM profiles p LEFT JOIN traits t ON t.profile_id = p.id AND t.removed_in IS NULL \
             WHERE p.workspace_id = $1 AND p.retired_at IS NULL ORDER BY p.id, t.id",
        )
        .bind(ws)
        .fetch_all(self.pool())
        .await?;
        let mut out: Vec<Profile> = Vec::new();
        for r in &rows {
            let id: i64 = get(r, "id")?;
            if out.last().is_none_or(|p| p.id != id) {
                out.push(profile_from_row(r, Vec::new())?);
            }
            if let (Some(trait_id), Some(p)) = (get::<Option<i64>>(r, "trait_id")?, out.last_mut())
            {
                p.traits.push(Trait {
                    id: trait_id,
                    name: get(r, "trait_name")?,
                    verify_by: get(r, "verify_by")?,
                    kind: stored_kind(get(r, "min_value")?, get(r, "max_value")?, get(r, "unit")?),
                });
            }
        }
        out.sort_by_key(|p| p.partner_type);
        Ok(out)
    }

    async fn profile_with_traits(&self, r: &AnyRow) -> Result<Profile> {
        let id: i64 = get(r, "id")?;
        let traits = sqlx::query(AssertSqlSafe(format!(
            "SELECT {TRAIT_COLS} FROM traits WHERE profile_id = $1 AND removed_in IS NULL ORDER BY id"
        )))
        .bind(id)
        .fetch_all(self.pool())
        .await?
        .iter()
        .map(trait_from_row)
        .collect::<Result<Vec<_>>>()?;
        profile_from_row(r, traits)
    }

    /// Bump a profile's revision inside `tx` and record what changed; returns the new revision.
    async fn new_revision(
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        profile_id: i64,
        change: &str,
        by: &str,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        let rev: i64 = sqlx::query_scalar(
            "UPDATE profiles SET revision = revision + 1 WHERE id = $1 RETURNING revision",
        )
        .bind(profile_id)
        .write_one(&mut **tx)
        .await?;
        sqlx::query(
            "INSERT INTO profile_revisions (profile_id, revision, change, changed_by, changed_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(profile_id)
        .bind(rev)
        .bind(change)
        .bind(by)
        .bind(ts(now))
        .write(&mut **tx)
        .await?;
        Ok(rev)
    }

    /// Add a trait to a profile: a new revision. A trait of the same name is a Conflict.
    #[tracing::instrument(skip_all)]
    pub async fn add_trait(
        &self,
        ws: &str,
        profile_id: i64,
        t: &NewTrait,
        by: &str,
        now: DateTime<Utc>,
    ) -> Result<(i64, i64)> {
        let mut tx = self.pool().begin().await?;
        let added = Self::add_trait_in(&mut tx, ws, profile_id, t, by, now).await?;
        tx.commit().await?;
        Ok(added)
    }

    /// [`Store::add_trait`] inside a transaction the caller commits: (trait id, new revision).
    pub(crate) async fn add_trait_in(
        tx: &mut sqlx::Transaction<'_, sqlx::Any>,
        ws: &str,
        profile_id: i64,
        t: &NewTrait,
        by: &str,
        now: DateTime<Utc>,
    ) -> Result<(i64, i64)> {
        let rev = Self::new_revision(
            tx,
            profile_id,
            &format!("added trait \"{}\"", t.name),
            by,
            now,
        )
        .await?;
        let (min, max, unit) = match &t.kind {
            TraitKind::YesNo => (None, None, None),
            TraitKind::Threshold { min, max, unit } => (*min, *max, unit.clone()),
        };
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO traits (workspace_id, profile_id, name, name_key, verify_by, min_value, max_value, unit, added_in) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id",
        )
        // Binds Option<f64>: see FLOAT_NULLS in store/mod.rs.
        .persistent(false)
        .bind(ws)
        .bind(profile_id)
        .bind(&t.name)
        .bind(name_key(&t.name))
        .bind(&t.verify_by)
        .bind(min)
        .bind(max)
        .bind(unit)
        .bind(rev)
        .write_one(&mut **tx)
        .await
        .map_err(|e| StoreError::from_write(e, "trait"))?;
        Ok((id, rev))
    }

    /// Remove a trait from a profile: a new revision; its evidence stays readable.
    #[tracing::instrument(skip_all)]
    pub async fn remove_trait(
        &self,
        profile_id: i64,
        trait_id: i64,
        trait_name: &str,
        by: &str,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        let mut tx = self.pool().begin().await?;
        let rev = Self::new_revision(
            &mut tx,
            profile_id,
            &format!("removed trait \"{trait_name}\""),
            by,
            now,
        )
        .await?;
        sqlx::query("UPDATE traits SET removed_in = $1 WHERE id = $2 AND profile_id = $3 AND removed_in IS NULL")
            .bind(rev)
            .bind(trait_id)
            .bind(profile_id)
            .write(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(rev)
    }

    /// Retire the active profile of a type; returns false when there was none.
    #[tracing::instrument(skip_all)]
    pub async fn retire_profile(
        &self,
        ws: &str,
        ty: PartnerType,
        by: &str,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        let n = sqlx::query(
            "UPDATE profiles SET retired_at = $1, retired_by = $2 \
             WHERE workspace_id = $3 AND partner_type = $4 AND retired_at IS NULL",
        )
        .bind(ts(now))
        .bind(by)
        .bind(ws)
        .bind(ty.as_str())
        .write(self.pool())
        .await?;
        Ok(n > 0)
    }

    /// Every revision of a profile with the traits it had then, oldest first.
    #[tracing::instrument(skip_all)]
    pub async fn profile_history(&self, profile_id: i64) -> Result<Vec<Revision>> {
        let revs = sqlx::query(
            "SELECT revision, change, changed_by, changed_at FROM profile_revisions WHERE profile_id = $1 ORDER BY revision",
        )
        .bind(profile_id)
        .fetch_all(self.pool())
        .await?;
        let traits = sqlx::query(
            "SELECT name, added_in, removed_in FROM traits WHERE profile_id = $1 ORDER BY id",
        )
        .bind(profile_id)
        .fetch_all(self.pool())
        .await?;
        let traits: Vec<(String, i64, Option<i64>)> = traits
            .iter()
            .map(|r| Ok((get(r, "name")?, get(r, "added_in")?, get(r, "removed_in")?)))
            .collect::<Result<_>>()?;
        revs.iter()
            .map(|r| {
                let revision: i64 = get(r, "revision")?;
                Ok(Revision {
                    revision,
                    change: get(r, "change")?,
                    changed_by: get(r, "changed_by")?,
                    changed_at: parse_ts(&get::<String>(r, "changed_at")?)?,
                    traits: traits
                        .iter()
                        .filter(|(_, a, rm)| *a <= revision && rm.is_none_or(|rm| rm > revision))
                        .map(|(n, _, _)| n.clone())
                        .collect(),
                })
            })
            .collect()
    }

    /// Trait names of every active profile starting with `prefix` (case-insensitive), for autocomplete.
    #[tracing::instrument(skip_all)]
    pub async fn trait_names(
        &self,
        ws: &str,
        ty: Option<PartnerType>,
    ) -> Result<Vec<(PartnerType, String)>> {
        let rows = sqlx::query(
            "SELECT p.partner_type, t.name FROM traits t JOIN profiles p ON p.id = t.profile_id \
             WHERE p.workspace_id = $1 AND p.retired_at IS NULL AND t.removed_in IS NULL \
             AND (CAST($2 AS TEXT) IS NULL OR p.partner_type = $2) ORDER BY t.id",
        )
        .bind(ws)
        .bind(ty.map(|t| t.as_str()))
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                let ty: String = get(r, "partner_type")?;
                Ok((parse_col(&ty, "partner type")?, get(r, "name")?))
            })
            .collect()
    }

    /// Every trait's name by id (removed and retired ones included), to label evidence.
    #[tracing::instrument(skip_all)]
    pub async fn trait_names_by_id(
        &self,
        ws: &str,
    ) -> Result<std::collections::HashMap<i64, String>> {
        let rows = sqlx::query("SELECT id, name FROM traits WHERE workspace_id = $1")
            .bind(ws)
            .fetch_all(self.pool())
            .await?;
        rows.iter()
            .map(|r| Ok((get(r, "id")?, get(r, "name")?)))
            .collect()
    }
}
