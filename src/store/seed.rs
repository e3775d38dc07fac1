//! A whole workspace written in one transaction (`partnerfit demo`): the single-record writes of profiles,
//! traits, evidence, allocations, outcomes and retractions, run inside an [`ImportTx`] beside its bulk inserts,
//! so a failure anywhere leaves nothing half-written. The statements are the store's own ones, shared with
//! the commands that write one record at a time.

use super::{ImportTx, NewAllocation, NewEvidence, NewOutcome, NewTrait, RecordTable};
use super::{Result, Store};
use crate::domain::PartnerType;
use chrono::{DateTime, Utc};

impl ImportTx {
    /// Whether the workspace holds anything a person wrote: a profile (retired ones too), a partner or a
    /// schedule. Settings alone do not count: they shape new data, they are not data. On PostgreSQL it first
    /// locks the workspace for this transaction, as an import does, so that a second fill of the same
    /// workspace at once waits for the first and then sees its data (SQLite's `BEGIN IMMEDIATE` already
    /// serialises them).
    #[tracing::instrument(skip_all)]
    pub async fn holds_data(&mut self, ws: &str) -> Result<bool> {
        self.lock_workspace(ws).await?;
        let n: i64 = sqlx::query_scalar(
            "SELECT (SELECT COUNT(*) FROM profiles WHERE workspace_id = $1) \
             + (SELECT COUNT(*) FROM partners WHERE workspace_id = $1) \
             + (SELECT COUNT(*) FROM schedules WHERE workspace_id = $1)",
        )
        .bind(ws)
        .fetch_one(&mut *self.tx)
        .await?;
        Ok(n > 0)
    }

    /// Create the workspace's settings row with the defaults when it does not exist yet.
    pub async fn ensure_workspace(&mut self, ws: &str) -> Result<()> {
        Store::insert_default_settings(&mut *self.tx, ws).await
    }

    /// Create the active profile of a type (see [`Store::create_profile`]).
    pub async fn create_profile(
        &mut self,
        ws: &str,
        ty: PartnerType,
        name: &str,
        joint_solution: Option<&str>,
        owner: &str,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        Store::create_profile_in(&mut self.tx, ws, ty, name, joint_solution, owner, now).await
    }

    /// Add a trait to a profile (see [`Store::add_trait`]): its id.
    pub async fn add_trait(
        &mut self,
        ws: &str,
        profile_id: i64,
        t: &NewTrait,
        by: &str,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        Ok(
            Store::add_trait_in(&mut self.tx, ws, profile_id, t, by, now)
                .await?
                .0,
        )
    }

    /// Record one evidence record: its id.
    pub async fn add_evidence(
        &mut self,
        ws: &str,
        e: &NewEvidence,
        by: &str,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        Store::insert_evidence(&mut *self.tx, ws, e, by, now).await
    }

    /// Record one allocation: its id.
    pub async fn add_allocation(
        &mut self,
        ws: &str,
        a: &NewAllocation,
        by: &str,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        Store::insert_allocation(&mut *self.tx, ws, a, by, now).await
    }

    /// Record one outcome: its id.
    pub async fn add_outcome(
        &mut self,
        ws: &str,
        o: &NewOutcome,
        by: &str,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        Store::insert_outcome(&mut *self.tx, ws, o, by, now).await
    }

    /// Retract a record written in this transaction; false when it was not found or already retracted.
    pub async fn retract(
        &mut self,
        table: RecordTable,
        ws: &str,
        id: i64,
        by: &str,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<bool> {
        Ok(Store::mark_retracted(&mut *self.tx, table, ws, id, by, reason, now).await? > 0)
    }
}
