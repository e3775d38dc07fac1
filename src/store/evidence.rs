//! Evidence records: append-only; a retraction is a flag with reason, who and when.
//!
//! On PostgreSQL a record's id is taken from the sequence when it is inserted, not when its transaction
//! commits, so records become visible out of id order: an import of a workspace that took ids 101–5,000 in one
//! long transaction commits after a single record of id 5,001 that was added meanwhile. The evidence cache reads
//! only records above the highest id it has seen (`crate::app::evidence_cache`), so it must never take an id as
//! seen while a lower one of the workspace may still commit. Each workspace therefore has an advisory lock
//! ([`evidence_lock_name`]): every transaction that inserts records of the workspace holds it shared from
//! before it takes its first id until it ends (a single record: within its one statement,
//! [`Store::insert_evidence`]; an import: from before its first insert, `ImportTx::insert_evidence`), and
//! [`Store::committed_evidence_bound`] takes it exclusively in a transaction of its own and reads the highest
//! id while holding it. Every writer of the workspace that took an id at or below that bound has ended by
//! then, and every later one takes its ids above it: the sequence hands out ids in increasing order (it keeps
//! none in advance, `CACHE 1`). Writers of a workspace never wait for each other. A refresh that must be
//! current (a digest, an export) waits for the writers in progress (an import's transaction to its end), but
//! asks for the lock a twentieth of a second at a time ([`EVIDENCE_LOCK_ATTEMPT`]), so that writers that come
//! meanwhile, which PostgreSQL queues behind a waiting exclusive request, wait no longer than that; one that
//! need not wait (a few partners screened) asks once, and reads those partners' records directly when
//! writers are in progress. SQLite has one writer at a time, so its ids commit in order, and neither lock nor
//! bound is needed there.

use super::write::{Bind, Write, WriteReturning};
use super::{day, get, parse_ts, ts, Result, Store};
use crate::domain::evidence::{CompactEvidence, Evidence, Observation};
use chrono::{DateTime, NaiveDate, Utc};
use futures_util::TryStreamExt;
use sqlx::any::AnyRow;
use sqlx::AssertSqlSafe;
use sqlx::Row;

/// How long a refresh of the evidence cache asks for a workspace's evidence lock at a time
/// ([`Store::committed_evidence_bound`]): writers of the workspace that come while it waits are queued behind the
/// request at most this long.
pub const EVIDENCE_LOCK_ATTEMPT: std::time::Duration = std::time::Duration::from_millis(50);

/// How far the evidence cache may read a workspace's records ([`Store::committed_evidence_bound`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EvidenceBound {
    /// As far as they go (SQLite: ids commit in order).
    Any,
    /// Up to this id: every record of the workspace at or below it that will ever be committed is.
    UpTo(i64),
    /// Writers of the workspace are in progress, and the caller would not wait for them.
    Writing,
}

/// Evidence to record; also what an import compares its rows with of a stored record (its fields, without
/// who recorded it when).
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
    #[serde(serialize_with = "crate::domain::stamp::serialize")]
    pub retracted_at: DateTime<Utc>,
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
    observation(r.try_get(met)?, r.try_get(value)?)
}

/// The observation of a record's `met` and `value`: exactly one of the two is set.
pub(super) fn observation(met: Option<i64>, value: Option<f64>) -> Result<Observation> {
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
    let recorded_at: String = get(r, "recorded_at")?;
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
        recorded_at: parse_ts(&recorded_at)?,
        retracted: retracted_at.is_some(),
    })
}

/// Partner ids per statement of [`Store::compact_evidence_of`].
pub const PARTNERS_PER_READ: usize = 50;

/// The columns of a compact record, in the order [`compact_from_row`] (and [`super::bulk`]) read them.
const COMPACT_COLS: &str =
    "id, partner_id, trait_id, met, value, observed, recorded_at, retracted_at";

/// A workspace's records with an id above `$2`, in id order: the evidence cache's read on SQLite
/// ([`Store::compact_evidence_after`] and [`super::bulk`]'s).
pub(super) fn compact_after_sql() -> &'static str {
    static SQL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        format!(
            "SELECT {COMPACT_COLS} FROM evidence WHERE id > $2 AND workspace_id = $1 ORDER BY id"
        )
    });
    SQL.as_str()
}

/// A workspace's records with an id above `$2` and at most `$3`, in id order: the evidence cache's read on
/// PostgreSQL ([`Store::compact_evidence_up_to`] and [`super::pg_bulk`]'s), whose records above the
/// [`Store::committed_evidence_bound`] it read are left for its next refresh.
pub(super) fn compact_range_sql() -> &'static str {
    static SQL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        format!(
            "SELECT {COMPACT_COLS} FROM evidence WHERE id > $2 AND id <= $3 AND workspace_id = $1 \
             ORDER BY id"
        )
    });
    SQL.as_str()
}

/// The name of a workspace's evidence lock on PostgreSQL (see the module's doc), hashed by the server to the
/// lock's key (`hashtextextended($n, 0)`). Two workspaces whose names hash alike share a lock: they only wait
/// for each other more often.
pub(super) fn evidence_lock_name(ws: &str) -> String {
    format!("partnerfit.evidence:{ws}")
}

pub(super) fn compact_from_row(r: &AnyRow) -> Result<CompactEvidence> {
    let observed: String = r.try_get(5)?;
    let recorded_at: String = r.try_get(6)?;
    compact_of(
        [r.try_get(0)?, r.try_get(1)?, r.try_get(2)?],
        (r.try_get(3)?, r.try_get(4)?),
        &observed,
        &recorded_at,
        r.try_get::<Option<String>, _>(7)?.is_some(),
    )
}

/// A compact record of its columns: the ids (record, partner, trait), `met` and `value`, the stored
/// `observed` date and `recorded_at` time, and whether it is retracted. The one decoder of both reads.
pub(super) fn compact_of(
    [id, partner_id, trait_id]: [i64; 3],
    (met, value): (Option<i64>, Option<f64>),
    observed: &str,
    recorded_at: &str,
    retracted: bool,
) -> Result<CompactEvidence> {
    Ok(CompactEvidence {
        id,
        partner_id,
        trait_id,
        observed: day(observed)?,
        recorded_micros: parse_ts(recorded_at)?.timestamp_micros(),
        observation: observation(met, value)?,
        retracted,
    })
}

fn split(o: Observation) -> (Option<i64>, Option<f64>) {
    match o {
        Observation::Met(m) => (Some(m as i64), None),
        Observation::Value(v) => (None, Some(v)),
    }
}

/// The table and columns of a new evidence record, in the order [`bind_evidence`] binds them.
pub(crate) const EVIDENCE_COLUMNS: &str =
    "evidence (workspace_id, partner_id, trait_id, met, value, source, \
     note, observed, recorded_by, recorded_at)";

/// Bind the values of evidence record `e`, recorded by `by` at `at`, in the order of [`EVIDENCE_COLUMNS`]: the
/// row of [`Store::add_evidence`], or one row of an import's multi-row insert.
pub(crate) fn bind_evidence<'q, Q: Bind<'q>>(
    q: Q,
    ws: &'q str,
    e: &'q NewEvidence,
    by: &'q str,
    at: &'q str,
) -> Q {
    let (met, value) = split(e.observation);
    q.value(ws)
        .value(e.partner_id)
        .value(e.trait_id)
        .value(met)
        .value(value)
        .value(e.source.as_deref())
        .value(e.note.as_deref())
        .value(e.observed.to_string())
        .value(by)
        .value(at)
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
    /// Record one evidence record: its id.
    #[tracing::instrument(skip_all)]
    pub async fn add_evidence(
        &self,
        ws: &str,
        e: &NewEvidence,
        by: &str,
        now: DateTime<Utc>,
    ) -> Result<i64> {
        let conn = self.pool().acquire().await?;
        Self::insert_evidence(conn, ws, e, by, now).await
    }

    /// Insert one evidence record over `conn`, a connection or a transaction's: its id. On PostgreSQL the
    /// statement first takes the workspace's evidence lock, shared, before the row takes its id (see the
    /// module's doc): a `WITH` query that calls a volatile function is run once, before the rows that read it,
    /// so the lock is held when the id's default is evaluated, and until the transaction ends (outside one:
    /// the statement's own).
    pub(crate) async fn insert_evidence<C>(
        mut conn: C,
        ws: &str,
        e: &NewEvidence,
        by: &str,
        now: DateTime<Utc>,
    ) -> Result<i64>
    where
        C: std::ops::DerefMut<Target = sqlx::AnyConnection> + Send,
    {
        static POSTGRES: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
            format!(
                "WITH writer AS (SELECT pg_advisory_xact_lock_shared(hashtextextended($11, 0))) \
                 INSERT INTO {EVIDENCE_COLUMNS} SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10 FROM writer \
                 RETURNING id"
            )
        });
        static SQLITE: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
            format!(
                "INSERT INTO {EVIDENCE_COLUMNS} VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id"
            )
        });
        let at = ts(now);
        let postgres = conn.backend_name() == <sqlx::Postgres as sqlx::Database>::NAME;
        let sql = if postgres { &*POSTGRES } else { &*SQLITE };
        // Binds Option<f64>: see FLOAT_NULLS in store/mod.rs.
        let q = sqlx::query_scalar(AssertSqlSafe(sql.as_str())).persistent(false);
        let q = bind_evidence(q, ws, e, by, &at);
        let q = if postgres {
            q.bind(evidence_lock_name(ws))
        } else {
            q
        };
        Ok(q.write_one(&mut *conn).await?)
    }

    /// Every evidence record of a partner (retracted ones included), oldest observation first.
    #[tracing::instrument(skip_all)]
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
    #[tracing::instrument(skip_all)]
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
    #[tracing::instrument(skip_all)]
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
    #[tracing::instrument(skip_all)]
    pub async fn retract(
        &self,
        table: RecordTable,
        ws: &str,
        id: i64,
        by: &str,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<RetractOutcome> {
        let n = Self::mark_retracted(self.pool(), table, ws, id, by, reason, now).await?;
        if n > 0 {
            return Ok(RetractOutcome::Retracted);
        }
        match self.retraction(table, ws, id).await? {
            Some(r) => Ok(RetractOutcome::AlreadyRetracted(r)),
            None => Ok(RetractOutcome::NotFound),
        }
    }

    /// Flag a record retracted unless it already is; answers how many rows changed (0 or 1).
    pub(crate) async fn mark_retracted<'e, E>(
        exec: E,
        table: RecordTable,
        ws: &str,
        id: i64,
        by: &str,
        reason: &str,
        now: DateTime<Utc>,
    ) -> Result<u64>
    where
        E: sqlx::Executor<'e, Database = sqlx::Any>,
    {
        let t = table.table();
        Ok(sqlx::query(AssertSqlSafe(format!(
            "UPDATE {t} SET retracted_at = $1, retracted_by = $2, retract_reason = $3 \
             WHERE workspace_id = $4 AND id = $5 AND retracted_at IS NULL"
        )))
        .bind(ts(now))
        .bind(by)
        .bind(reason)
        .bind(ws)
        .bind(id)
        .write(exec)
        .await?)
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
                retracted_at: parse_ts(&get::<String>(&r, "retracted_at")?)?,
                retracted_by: get::<Option<String>>(&r, "retracted_by")?.unwrap_or_default(),
                reason: get::<Option<String>>(&r, "retract_reason")?.unwrap_or_default(),
            })
        })
        .transpose()
    }

    /// The change counters of a workspace's evidence (two index lookups). `max_id` is the highest id of the
    /// whole table (the primary key's last entry): another workspace's records move it too, which only costs
    /// the cache an empty range read. It tells that something changed, not how far records are committed: on
    /// PostgreSQL a lower id may still commit after it, and how far the cache reads is
    /// [`Store::committed_evidence_bound`].
    #[tracing::instrument(skip_all)]
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

    /// On PostgreSQL, an id up to which every record of the workspace that will ever be committed is committed
    /// now: the highest id of the table, read while holding the workspace's evidence lock exclusively (see the
    /// module's doc). With `wait`, the writers in progress are waited for (an import's transaction to its
    /// end), the lock asked for [`EVIDENCE_LOCK_ATTEMPT`] at a time, so that a writer that comes meanwhile waits
    /// at most that long behind the request; without, [`EvidenceBound::Writing`] when the lock is not free at
    /// once. [`EvidenceBound::Any`] on SQLite, where every committed id is such a bound.
    ///
    /// The lock is taken by a statement of its own and the highest id read by the next one: on PostgreSQL a
    /// statement reads what was committed when it began, so a read in the locking statement could miss what a
    /// writer it waited for committed.
    #[tracing::instrument(skip_all)]
    pub async fn committed_evidence_bound(&self, ws: &str, wait: bool) -> Result<EvidenceBound> {
        if self.backend() == super::Backend::Sqlite {
            return Ok(EvidenceBound::Any);
        }
        let lock = evidence_lock_name(ws);
        loop {
            let mut tx = self.pool().begin().await?;
            let held = if wait {
                sqlx::query(AssertSqlSafe(format!(
                    "SET LOCAL lock_timeout = '{}ms'",
                    EVIDENCE_LOCK_ATTEMPT.as_millis()
                )))
                .execute(&mut *tx)
                .await?;
                let taken =
                    sqlx::query("SELECT 1 FROM pg_advisory_xact_lock(hashtextextended($1, 0))")
                        .bind(&lock)
                        .execute(&mut *tx)
                        .await;
                match taken.map_err(super::StoreError::from) {
                    Ok(_) => true,
                    // Not granted within the attempt: the request leaves the queue (the transaction is rolled
                    // back as it is dropped), writers queued behind it go on, and it is asked for again.
                    Err(super::StoreError::Busy(_)) => continue,
                    Err(e) => return Err(e),
                }
            } else {
                sqlx::query_scalar("SELECT pg_try_advisory_xact_lock(hashtextextended($1, 0))")
                    .bind(&lock)
                    .fetch_one(&mut *tx)
                    .await?
            };
            if !held {
                return Ok(EvidenceBound::Writing);
            }
            let max_id: Option<i64> = sqlx::query_scalar("SELECT MAX(id) FROM evidence")
                .fetch_one(&mut *tx)
                .await?;
            // Ending the transaction lets the workspace's writers go on.
            tx.commit().await?;
            return Ok(EvidenceBound::UpTo(max_id.unwrap_or(0)));
        }
    }

    /// Hand `f` the workspace's evidence records with an id above `after_id`, in id order, reduced to what
    /// decides verdicts. Rows are streamed, so loading a large workspace never holds more than one row of the
    /// driver's at a time.
    #[tracing::instrument(skip_all)]
    pub async fn compact_evidence_after(
        &self,
        ws: &str,
        after_id: i64,
        f: impl FnMut(CompactEvidence) + Send,
    ) -> Result<()> {
        self.compact_evidence_up_to(ws, after_id, None, f).await
    }

    /// [`Store::compact_evidence_after`] of the records with an id of at most `up_to_id` too, when it is given
    /// (on PostgreSQL a [`Store::committed_evidence_bound`]; the records above it are not read). On SQLite the
    /// bound is checked as the records are handed over: the evidence cache gives none there.
    #[tracing::instrument(skip_all)]
    pub async fn compact_evidence_up_to(
        &self,
        ws: &str,
        after_id: i64,
        up_to_id: Option<i64>,
        mut f: impl FnMut(CompactEvidence) + Send,
    ) -> Result<()> {
        let bound = up_to_id.unwrap_or(i64::MAX);
        let mut f = |e: CompactEvidence| {
            if e.id <= bound {
                f(e);
            }
        };
        let mut after_id = after_id;
        if after_id == 0 {
            // A first load: over a connection of its own (on SQLite on a blocking thread, super::bulk; on
            // PostgreSQL a native one, super::pg_bulk), and from where it stopped the usual way when it could
            // not go on. The few records a copy is brought up to date with are one statement on the pool,
            // cheaper than opening a connection.
            let ended = match (&self.direct, &self.pg_bulk) {
                (Some(direct), _) => {
                    Some(super::bulk::compact_evidence_after(direct, ws, after_id, &mut f).await)
                }
                (None, Some(pg)) => {
                    Some(pg.compact_evidence_after(ws, after_id, bound, &mut f).await)
                }
                (None, None) => None,
            };
            match ended {
                Some(super::bulk::Ended::Done) => return Ok(()),
                Some(super::bulk::Ended::Corrupt(e)) => return Err(e),
                Some(super::bulk::Ended::Stopped { last_id }) => after_id = last_id,
                None => {}
            }
        }
        let q = match self.backend() {
            super::Backend::Sqlite => sqlx::query(AssertSqlSafe(compact_after_sql()))
                .bind(ws)
                .bind(after_id),
            super::Backend::Postgres => sqlx::query(AssertSqlSafe(compact_range_sql()))
                .bind(ws)
                .bind(after_id)
                .bind(bound),
        };
        let mut rows = q.fetch(self.pool());
        while let Some(r) = rows.try_next().await? {
            f(compact_from_row(&r)?);
        }
        Ok(())
    }

    /// Hand `f` every evidence record of the given partners of the workspace (retracted ones flagged), in id
    /// order, reduced to what decides verdicts: what screening a few partners needs, read by
    /// `evidence_by_partner` without loading the whole workspace. The ids go [`PARTNERS_PER_READ`] to a
    /// statement, the last ones repeated to fill it (one statement shape whatever the number).
    #[tracing::instrument(skip_all, fields(partners = partner_ids.len()))]
    pub async fn compact_evidence_of(
        &self,
        ws: &str,
        partner_ids: &[i64],
        mut f: impl FnMut(CompactEvidence) + Send,
    ) -> Result<()> {
        let list = (0..PARTNERS_PER_READ)
            .map(|i| format!("${}", i + 2))
            .collect::<Vec<_>>()
            .join(", ");
        let sql = format!(
            "SELECT {COMPACT_COLS} FROM evidence WHERE workspace_id = $1 AND partner_id IN ({list}) \
             ORDER BY id"
        );
        for chunk in partner_ids.chunks(PARTNERS_PER_READ) {
            let q = sqlx::query(AssertSqlSafe(sql.as_str())).bind(ws);
            let last = chunk[chunk.len() - 1];
            let q = (0..PARTNERS_PER_READ)
                .fold(q, |q, i| q.bind(chunk.get(i).copied().unwrap_or(last)));
            let mut rows = q.fetch(self.pool());
            while let Some(r) = rows.try_next().await? {
                f(compact_from_row(&r)?);
            }
        }
        Ok(())
    }

    /// The ids of a workspace's retracted evidence records.
    #[tracing::instrument(skip_all)]
    pub async fn retracted_evidence_ids(&self, ws: &str) -> Result<Vec<i64>> {
        Ok(
            sqlx::query_scalar("SELECT id FROM evidence WHERE workspace_id = $1 AND retracted_at IS NOT NULL ORDER BY id")
                .bind(ws)
                .fetch_all(self.pool())
                .await?,
        )
    }
}

/// The backend's function that builds a JSON array of its arguments.
pub(super) fn json_array_fn(backend: super::Backend) -> &'static str {
    match backend {
        super::Backend::Sqlite => "json_array",
        super::Backend::Postgres => "json_build_array",
    }
}

/// `alias.col` for each of `cols` (`a, b, c`), as a JSON array. SQLite's JSON writes a REAL with 15 digits;
/// `quote` writes it exactly (the same double when read back).
pub(super) fn json_cols(backend: super::Backend, alias: &str, cols: &str) -> String {
    let values: Vec<String> = cols
        .split(", ")
        .map(|c| match (backend, c) {
            (
                super::Backend::Sqlite,
                "allocation_target" | "alpha" | "min_value" | "max_value" | "value",
            ) => format!("iif({alias}.{c} IS NULL, NULL, json(quote({alias}.{c})))"),
            _ => format!("{alias}.{c}"),
        })
        .collect();
    format!("{}({})", json_array_fn(backend), values.join(", "))
}
