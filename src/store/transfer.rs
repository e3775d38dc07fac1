//! Bulk SQL for CSV import (the export's reads are in [`super::export`]): an [`ImportTx`] — one transaction
//! that reads what duplicate detection needs and writes the imported rows in multi-row `INSERT`s. On SQLite the
//! transaction starts with `BEGIN IMMEDIATE`, so no other writer can slip in between the reads and the writes.
//!
//! On PostgreSQL the transaction runs at READ COMMITTED and locks the workspace before its first read or write
//! of it ([`ImportTx::lock_workspace`]): an advisory lock of the workspace's imports, so that a second import
//! of the workspace waits for the first to end before it reads anything (also when the roster is empty and
//! there is no row to lock), then every partner row of the workspace (`FOR NO KEY UPDATE`), so that a change to
//! a partner (a rename, its life cycle, its champion or note) waits for the import instead of being written
//! over by the import's copy of the partner read before it (a rename, like an entry of hours or spend, waits
//! at most a second, `super::PG_LOCK_TIMEOUT`, and is then refused as the database being busy). Each later
//! statement reads what was committed when it began, so the import's reads — the roster, the stored records
//! its rows may repeat, the highest evidence id — are those of after the lock. Evidence records and outcomes added meanwhile do not wait for it (their
//! foreign-key check takes a lock of the partner row that does not conflict with it; the row of a partner the
//! import renames is an exception until the import ends); hours and spend do, since their weekly limits are
//! checked under the partner's row lock ([`Store::add_allocation_checked`]); and a partner of the same name
//! added meanwhile fails the import with [`StoreError::Conflict`]. Before its first evidence record, the import
//! also takes the workspace's evidence lock, shared (see [`super::evidence`]'s module doc), for the evidence
//! cache.

use super::allocations::{bind_allocation, ALLOCATION_COLUMNS};
use super::evidence::{bind_evidence, evidence_lock_name, observation_at, EVIDENCE_COLUMNS};
use super::outcomes::{bind_outcome, OUTCOME_COLUMNS};
use super::partners::{bind_partner, PARTNER_COLUMNS};
use super::write::Write;
use super::{day, get, parse_col, ts, Backend, NewAllocation, NewEvidence, NewOutcome, NewPartner};
use super::{Result, Store, StoreError};
use crate::domain::{Amount, Hours, Lifecycle, Week};
use chrono::{DateTime, NaiveDate, Utc};
use futures_util::TryStreamExt;
use sqlx::{AssertSqlSafe, Row};

/// Bind parameters per bulk statement on SQLite (limit 32,766). The bulk statements use anonymous `?`
/// parameters there: sqlx-sqlite resolves a named `$n` through SQLite's linear name lookup, which made a
/// statement cost O(parameters²) to bind (2,000 `$n` made binding half of an import's time), while `?` binds
/// by position. Fewer, larger statements mean fewer hand-offs to the connection's worker thread.
pub const SQLITE_PARAMS_PER_STATEMENT: usize = 5_000;

/// Bind parameters per bulk statement on PostgreSQL (limit 65,535), where each statement is a round trip.
pub const POSTGRES_PARAMS_PER_STATEMENT: usize = 4_000;

/// (partner, trait, date) keys per duplicate lookup query on SQLite, sent as one JSON parameter (a batch of the
/// import has fewer).
pub const SQLITE_LOOKUP_KEYS: usize = 10_000;

/// (partner, trait, date) keys per duplicate lookup query on PostgreSQL.
pub const POSTGRES_LOOKUP_KEYS: usize = 100;

/// Stored records read per query when scanning for duplicates: pages by primary key keep every statement short.
pub const SCAN_PAGE: i64 = 50_000;

/// The most SQLite page cache the import's connection may use while the transaction runs, in KiB (SQLite's
/// negative `cache_size`); the default is restored when the transaction ends. It is a cap, not an allocation:
/// SQLite allocates a page when the transaction touches it, so an import uses about as much as the pages it
/// reads and writes (at most the `evidence_by_partner` index and the new rows).
///
/// Every imported row is a lookup and an insert at a random place of that index. While the index fits in the
/// cache each page is read once; when it does not, nearly every row evicts a page the transaction changed —
/// written to the WAL, read back when a later row lands on it — and the import grows faster than its rows:
/// with 64 MiB, 1,000,000 rows into the 5-million-record index of 100,000 partners (303 MB) took 20× the time
/// of 100,000 rows at 10,000 partners, with 512 MiB or more 13× (BENCHMARKS.md, "Issue 21 item 4"). 1 GiB
/// holds the index of about 12 million records with an import of 2 million rows.
const SQLITE_IMPORT_CACHE_KIB: i64 = 1024 * 1024;

/// The fields of a stored allocation that an imported row is compared with.
#[derive(Debug, Clone, PartialEq)]
pub struct ExistingAllocation {
    pub partner_id: i64,
    pub week: Week,
    pub hours: Hours,
    pub spend: Amount,
    pub note: Option<String>,
    /// Retracted allocations are duplicates too, but do not count towards a week's hours.
    pub retracted: bool,
}

/// The query for the stored evidence matching a batch of (partner, trait, date) keys with id at most a bound,
/// columns id, partner_id, trait_id, met, value, source, note, observed.
///
/// `$1` is the workspace and `$2` the highest id. SQLite gets the keys as one JSON array (`$3`,
/// `[[partner, trait, "date"], …]`): `json_each` is the outer loop (`CROSS JOIN` keeps it there) and each key one
/// `evidence_by_partner` probe, in one statement per batch. OR-ed equalities needed a statement per 300 keys
/// (SQLite's expression depth) and a row-id set to merge their lookups. PostgreSQL gets `VALUES` (parameters
/// `$3…`), which it plans quickly as index probes once the table is large. The id bound is checked on the index
/// entry, so the records this import wrote itself are never read back.
fn lookup_sql(backend: Backend, keys: usize) -> String {
    const COLS: &str =
        "e.id, e.partner_id, e.trait_id, e.met, e.value, e.source, e.note, e.observed";
    match backend {
        Backend::Sqlite => format!(
            "SELECT {COLS} FROM json_each($3) AS k CROSS JOIN evidence e \
             ON e.partner_id = k.value ->> 0 AND e.trait_id = k.value ->> 1 AND e.observed = k.value ->> 2 \
             WHERE e.workspace_id = $1 AND e.id <= $2"
        ),
        Backend::Postgres => {
            let values = placeholders_from(Backend::Postgres, keys, 3, 3);
            format!(
                "SELECT {COLS} FROM (VALUES {values}) AS k JOIN evidence e ON e.partner_id = k.column1 \
                 AND e.trait_id = k.column2 AND e.observed = k.column3 WHERE e.workspace_id = $1 AND e.id <= $2"
            )
        }
    }
}

/// `keys` as the JSON array the SQLite lookup reads: `[[partner, trait, "YYYY-MM-DD"], …]`.
fn keys_json(keys: &[(i64, i64, NaiveDate)]) -> String {
    use std::fmt::Write as _;
    let mut s = String::with_capacity(keys.len() * 32 + 2);
    s.push('[');
    for (i, (partner, trait_id, observed)) in keys.iter().enumerate() {
        if i > 0 {
            s.push(',');
        }
        // Writing to a String cannot fail.
        let _ = write!(s, "[{partner},{trait_id},\"{observed}\"]");
    }
    s.push(']');
    s
}

/// The placeholders of `rows` rows of `cols` columns: `($1, $2, …), ($k, …)` on PostgreSQL, `(?, ?, …), …`
/// on SQLite (bound by position; see [`SQLITE_PARAMS_PER_STATEMENT`]).
fn placeholders(backend: Backend, rows: usize, cols: usize) -> String {
    placeholders_from(backend, rows, cols, 1)
}

/// Like [`placeholders`], numbered from `$first` on PostgreSQL (SQLite's are positional: a statement's
/// parameters are either all `?` or all numbered).
fn placeholders_from(backend: Backend, rows: usize, cols: usize, first: usize) -> String {
    let mut s = String::with_capacity(rows * cols * 5);
    for r in 0..rows {
        if r > 0 {
            s.push_str(", ");
        }
        s.push('(');
        for c in 0..cols {
            if c > 0 {
                s.push_str(", ");
            }
            match backend {
                Backend::Sqlite => s.push('?'),
                Backend::Postgres => {
                    s.push('$');
                    s.push_str(&(r * cols + c + first).to_string());
                }
            }
        }
        s.push(')');
    }
    s
}

/// The name of the advisory lock of a workspace's imports on PostgreSQL, hashed by the server to the lock's key
/// (`hashtextextended($n, 0)`; see [`super::evidence::evidence_lock_name`] for what a shared hash costs).
fn import_lock_name(ws: &str) -> String {
    format!("partnerfit.import:{ws}")
}

impl Store {
    /// Begin the one transaction of an import. SQLite takes the write lock at once (`BEGIN IMMEDIATE`), so the
    /// duplicate checks read exactly what the writes go into; PostgreSQL locks the workspace at the
    /// transaction's first read or write of it (see the module's doc).
    #[tracing::instrument(skip_all)]
    pub async fn begin_import(&self) -> Result<ImportTx> {
        let tx = match self.backend() {
            Backend::Sqlite => {
                let mut tx = self.pool().begin_with("BEGIN IMMEDIATE").await?;
                sqlx::query(AssertSqlSafe(format!(
                    "PRAGMA cache_size = -{SQLITE_IMPORT_CACHE_KIB}"
                )))
                .execute(&mut *tx)
                .await?;
                tx
            }
            Backend::Postgres => self.pool().begin().await?,
        };
        Ok(ImportTx {
            tx,
            backend: self.backend(),
            locked: Vec::new(),
        })
    }
}

/// A statement of an import's bulk writes, being bound.
type BulkQuery<'q> = sqlx::query::Query<'q, sqlx::Any, sqlx::any::AnyArguments>;

/// The transaction of one import: reads for duplicate detection, then batched writes; nothing is visible to
/// anyone else until [`ImportTx::commit`], and dropping it rolls everything back.
pub struct ImportTx {
    pub(super) tx: sqlx::Transaction<'static, sqlx::Any>,
    pub(super) backend: Backend,
    /// On PostgreSQL, the workspaces the transaction has locked (one, for an import).
    locked: Vec<Locked>,
}

/// A workspace an import's transaction has locked on PostgreSQL ([`ImportTx::lock_workspace`]).
struct Locked {
    ws: String,
    /// The highest evidence id once the workspace was locked: the records of this import are above it.
    up_to_id: i64,
    /// Whether the transaction holds the workspace's evidence lock (shared).
    evidence: bool,
}

impl ImportTx {
    /// How many bind parameters one statement should have on this backend.
    fn params_per_statement(&self) -> usize {
        match self.backend {
            Backend::Sqlite => SQLITE_PARAMS_PER_STATEMENT,
            Backend::Postgres => POSTGRES_PARAMS_PER_STATEMENT,
        }
    }

    /// Rows per `INSERT` statement for a table of `cols` columns.
    fn rows_per_insert(&self, cols: usize) -> usize {
        (self.params_per_statement() / cols.max(1)).max(1)
    }

    /// On PostgreSQL, lock the workspace for this import unless it is already (see the module's doc): the
    /// advisory lock of its imports, held to the transaction's end, then its partner rows, in id order. Its
    /// index in `locked`; None on SQLite, whose `BEGIN IMMEDIATE` locked everything.
    pub(super) async fn lock_workspace(&mut self, ws: &str) -> Result<Option<usize>> {
        if self.backend == Backend::Sqlite {
            return Ok(None);
        }
        if let Some(i) = self.locked.iter().position(|l| l.ws == ws) {
            return Ok(Some(i));
        }
        sqlx::query("SELECT 1 FROM pg_advisory_xact_lock(hashtextextended($1, 0))")
            .bind(import_lock_name(ws))
            .execute(&mut *self.tx)
            .await?;
        // The rows are locked and counted on the server; only the count comes back.
        sqlx::query(
            "SELECT COUNT(*) FROM (SELECT id FROM partners WHERE workspace_id = $1 ORDER BY id \
             FOR NO KEY UPDATE) AS roster",
        )
        .bind(ws)
        .execute(&mut *self.tx)
        .await?;
        let up_to_id = self.highest_evidence_id().await?;
        self.locked.push(Locked {
            ws: ws.to_string(),
            up_to_id,
            evidence: false,
        });
        Ok(Some(self.locked.len() - 1))
    }

    /// The highest evidence id of the table.
    async fn highest_evidence_id(&mut self) -> Result<i64> {
        Ok(
            sqlx::query_scalar::<_, Option<i64>>("SELECT MAX(id) FROM evidence")
                .fetch_one(&mut *self.tx)
                .await?
                .unwrap_or(0),
        )
    }

    /// Every partner of the workspace (the roster is small: thousands, not millions). On PostgreSQL the first
    /// read of the workspace: it locks the workspace first.
    #[tracing::instrument(skip_all)]
    pub async fn partners(&mut self, ws: &str) -> Result<Vec<super::Partner>> {
        self.lock_workspace(ws).await?;
        let rows = sqlx::query(AssertSqlSafe(format!(
            "SELECT {} FROM partners WHERE workspace_id = $1 ORDER BY name_key",
            super::partners::PARTNER_COLS
        )))
        .bind(ws)
        .fetch_all(&mut *self.tx)
        .await?;
        rows.iter().map(super::partners::partner_from_row).collect()
    }

    /// The highest evidence id now: records above it were written by this import. On PostgreSQL the lookups
    /// of [`ImportTx::evidence_matching`] read up to the highest id once the workspace was locked when that is
    /// higher (records another import of the workspace committed while this one waited for it).
    #[tracing::instrument(skip_all)]
    pub async fn max_evidence_id(&mut self) -> Result<i64> {
        self.highest_evidence_id().await
    }

    /// Call `f` with every evidence record of the workspace with id at most `up_to_id` (retracted ones
    /// included) whose partner, trait and observation date are one of `keys`: the stored records an imported
    /// row may repeat. Each key is an index lookup (`evidence_by_partner`), so the cost follows the number of
    /// keys, not the size of the table.
    #[tracing::instrument(skip_all, fields(keys = keys.len()))]
    pub async fn evidence_matching(
        &mut self,
        ws: &str,
        keys: &[(i64, i64, NaiveDate)],
        up_to_id: i64,
        mut f: impl FnMut(NewEvidence),
    ) -> Result<()> {
        let up_to_id = match self.lock_workspace(ws).await? {
            Some(i) => up_to_id.max(self.locked[i].up_to_id),
            None => up_to_id,
        };
        let per_query = match self.backend {
            Backend::Sqlite => SQLITE_LOOKUP_KEYS,
            Backend::Postgres => POSTGRES_LOOKUP_KEYS,
        };
        for chunk in keys.chunks(per_query) {
            let sql = lookup_sql(self.backend, chunk.len());
            let q = sqlx::query(AssertSqlSafe(sql)).bind(ws).bind(up_to_id);
            let q = match self.backend {
                Backend::Sqlite => q.bind(keys_json(chunk)),
                // Each lookup is planned afresh: a plan kept from when the table was small (a sequential
                // scan) would scan the table as the import grows it.
                Backend::Postgres => chunk.iter().fold(
                    q.persistent(false),
                    |q, (partner_id, trait_id, observed)| {
                        q.bind(*partner_id)
                            .bind(*trait_id)
                            .bind(observed.to_string())
                    },
                ),
            };
            let mut rows = q.fetch(&mut *self.tx);
            while let Some(r) = rows.try_next().await? {
                let observed: &str = r.try_get(7)?;
                f(NewEvidence {
                    partner_id: r.try_get(1)?,
                    trait_id: r.try_get(2)?,
                    observation: observation_at(&r, 3, 4)?,
                    source: r.try_get(5)?,
                    note: r.try_get(6)?,
                    observed: day(observed)?,
                });
            }
        }
        Ok(())
    }

    /// Call `f` with every allocation of the workspace (retracted ones included), one at a time.
    #[tracing::instrument(skip_all)]
    pub async fn scan_allocations(
        &mut self,
        ws: &str,
        mut f: impl FnMut(ExistingAllocation),
    ) -> Result<()> {
        self.lock_workspace(ws).await?;
        let mut after = 0i64;
        loop {
            let mut rows = sqlx::query(
                "SELECT id, partner_id, week, hours_centi, spend_cents, note, retracted_at FROM allocations \
                 WHERE workspace_id = $1 AND id > $2 ORDER BY id LIMIT $3",
            )
            .bind(ws)
            .bind(after)
            .bind(SCAN_PAGE)
            .fetch(&mut *self.tx);
            let mut n = 0;
            while let Some(r) = rows.try_next().await? {
                let week: String = get(&r, "week")?;
                let retracted_at: Option<String> = get(&r, "retracted_at")?;
                after = get(&r, "id")?;
                n += 1;
                f(ExistingAllocation {
                    partner_id: get(&r, "partner_id")?,
                    week: parse_col(&week, "week")?,
                    hours: Hours::from_centi(get(&r, "hours_centi")?),
                    spend: Amount::from_cents(get(&r, "spend_cents")?),
                    note: get(&r, "note")?,
                    retracted: retracted_at.is_some(),
                });
            }
            if n < SCAN_PAGE {
                return Ok(());
            }
        }
    }

    /// Call `f` with every outcome of the workspace (retracted ones included), one at a time.
    #[tracing::instrument(skip_all)]
    pub async fn scan_outcomes(&mut self, ws: &str, mut f: impl FnMut(NewOutcome)) -> Result<()> {
        self.lock_workspace(ws).await?;
        let mut after = 0i64;
        loop {
            let mut rows = sqlx::query(
                "SELECT id, partner_id, kind, amount_cents, occurred_on, ref FROM outcomes \
                 WHERE workspace_id = $1 AND id > $2 ORDER BY id LIMIT $3",
            )
            .bind(ws)
            .bind(after)
            .bind(SCAN_PAGE)
            .fetch(&mut *self.tx);
            let mut n = 0;
            while let Some(r) = rows.try_next().await? {
                let kind: String = get(&r, "kind")?;
                let date: String = get(&r, "occurred_on")?;
                after = get(&r, "id")?;
                n += 1;
                f(NewOutcome {
                    partner_id: get(&r, "partner_id")?,
                    kind: parse_col(&kind, "outcome kind")?,
                    amount: get::<Option<i64>>(&r, "amount_cents")?.map(Amount::from_cents),
                    date: day(&date)?,
                    reference: get(&r, "ref")?,
                });
            }
            if n < SCAN_PAGE {
                return Ok(());
            }
        }
    }

    /// Add partners; a name already in the workspace is a [`StoreError::Conflict`].
    #[tracing::instrument(skip_all, fields(rows = rows.len()))]
    pub async fn insert_partners(
        &mut self,
        ws: &str,
        rows: &[NewPartner],
        by: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        self.lock_workspace(ws).await?;
        let at = ts(now);
        let before: i64 = sqlx::query_scalar("SELECT COALESCE(MAX(id), 0) FROM partners")
            .fetch_one(&mut *self.tx)
            .await?;
        self.insert_rows(PARTNER_COLUMNS, 12, rows, true, "partner", |q, p| {
            bind_partner(q, ws, p, by, &at)
        })
        .await?;
        if rows.iter().any(|p| p.lifecycle.period().is_some()) {
            // The signed period of each new partner that was ever signed: the one its columns describe.
            sqlx::query(
                "INSERT INTO signed_periods (workspace_id, partner_id, signed_on, dropped_on, drop_reason) \
                 SELECT workspace_id, id, signed_on, dropped_on, drop_reason FROM partners p \
                 WHERE workspace_id = $1 AND id > $2 AND signed_on IS NOT NULL AND NOT EXISTS \
                 (SELECT 1 FROM signed_periods s WHERE s.workspace_id = p.workspace_id AND s.partner_id = p.id) \
                 ORDER BY id",
            )
            .bind(ws)
            .bind(before)
            .write(&mut *self.tx)
            .await?;
        }
        Ok(())
    }

    /// Set every field of partner `id` but its type and who created it, to `p`; its signed periods follow the
    /// change from its life cycle `from` ([`crate::domain::Lifecycle::period_change`]).
    #[tracing::instrument(skip_all)]
    pub async fn update_partner(
        &mut self,
        ws: &str,
        id: i64,
        from: &Lifecycle,
        p: &NewPartner,
    ) -> Result<()> {
        self.lock_workspace(ws).await?;
        sqlx::query(
            "UPDATE partners SET name = $1, name_key = $2, stage = $3, signed_on = $4, dropped_on = $5, \
             drop_reason = $6, champion = $7, note = $8 WHERE workspace_id = $9 AND id = $10",
        )
        .bind(p.name.as_str())
        .bind(p.name.key())
        .bind(p.lifecycle.stage().as_str())
        .bind(p.lifecycle.signed_on().map(|d| d.to_string()))
        .bind(p.lifecycle.dropped_on().map(|d| d.to_string()))
        .bind(p.lifecycle.drop_reason().map(str::to_string))
        .bind(p.champion.clone())
        .bind(p.note.clone())
        .bind(ws)
        .bind(id)
        .write(&mut *self.tx)
        .await
        .map_err(|e| StoreError::from_write(e, "partner"))?;
        let change = from.period_change(&p.lifecycle);
        super::partners::apply_period_change(&mut self.tx, ws, id, &change).await?;
        Ok(())
    }

    /// Add evidence records, all recorded by `by` at `now` (in this order, so later rows win same-day ties).
    /// On PostgreSQL the first records of the workspace take its evidence lock, shared, before their ids, and
    /// hold it to the transaction's end (see [`super::evidence`]'s module doc).
    #[tracing::instrument(skip_all, fields(rows = rows.len()))]
    pub async fn insert_evidence(
        &mut self,
        ws: &str,
        rows: &[NewEvidence],
        by: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        if let Some(i) = self.lock_workspace(ws).await? {
            if !self.locked[i].evidence && !rows.is_empty() {
                sqlx::query("SELECT 1 FROM pg_advisory_xact_lock_shared(hashtextextended($1, 0))")
                    .bind(evidence_lock_name(ws))
                    .execute(&mut *self.tx)
                    .await?;
                self.locked[i].evidence = true;
            }
        }
        let at = ts(now);
        // On PostgreSQL the statement is not kept prepared: sqlx's Any driver sends a NULL f64 typed as
        // float4 (sqlx-core 0.9.0 `AnyArguments::convert_into`, launchbadge/transact-rs sqlx #4284), so
        // a statement first prepared with a NULL `value` would refuse a real f64 in a later batch.
        let persistent = self.backend == Backend::Sqlite;
        self.insert_rows(
            EVIDENCE_COLUMNS,
            10,
            rows,
            persistent,
            "evidence",
            |q, e| bind_evidence(q, ws, e, by, &at),
        )
        .await
    }

    /// Add allocations, all recorded by `by` at `now`.
    #[tracing::instrument(skip_all, fields(rows = rows.len()))]
    pub async fn insert_allocations(
        &mut self,
        ws: &str,
        rows: &[NewAllocation],
        by: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        self.lock_workspace(ws).await?;
        let at = ts(now);
        self.insert_rows(ALLOCATION_COLUMNS, 8, rows, true, "allocation", |q, a| {
            bind_allocation(q, ws, a, by, &at)
        })
        .await
    }

    /// Add outcomes, all recorded by `by` at `now`.
    #[tracing::instrument(skip_all, fields(rows = rows.len()))]
    pub async fn insert_outcomes(
        &mut self,
        ws: &str,
        rows: &[NewOutcome],
        by: &str,
        now: DateTime<Utc>,
    ) -> Result<()> {
        self.lock_workspace(ws).await?;
        let at = ts(now);
        self.insert_rows(OUTCOME_COLUMNS, 8, rows, true, "outcome", |q, o| {
            bind_outcome(q, ws, o, by, &at)
        })
        .await
    }

    /// Insert `rows` into `into` (a table and its `cols` columns) with multi-row statements as large as the
    /// backend takes; `bind` adds one row's values in column order. A unique violation is a
    /// [`StoreError::Conflict`] naming `what`.
    async fn insert_rows<'q, T>(
        &mut self,
        into: &str,
        cols: usize,
        rows: &'q [T],
        persistent: bool,
        what: &str,
        bind: impl Fn(BulkQuery<'q>, &'q T) -> BulkQuery<'q>,
    ) -> Result<()> {
        for chunk in rows.chunks(self.rows_per_insert(cols)) {
            let sql = format!(
                "INSERT INTO {into} VALUES {}",
                placeholders(self.backend, chunk.len(), cols)
            );
            let q = sqlx::query(AssertSqlSafe(sql)).persistent(persistent);
            chunk
                .iter()
                .fold(q, &bind)
                .write(&mut *self.tx)
                .await
                .map_err(|e| StoreError::from_write(e, what))?;
        }
        Ok(())
    }

    /// Give the connection its default page cache back before it returns to the pool.
    async fn restore_cache(&mut self) -> Result<()> {
        if self.backend == Backend::Sqlite {
            sqlx::query("PRAGMA cache_size = -2000")
                .execute(&mut *self.tx)
                .await?;
        }
        Ok(())
    }

    /// Make every write of the import visible at once.
    #[tracing::instrument(skip_all)]
    pub async fn commit(mut self) -> Result<()> {
        self.restore_cache().await?;
        self.tx.commit().await?;
        Ok(())
    }

    /// Undo every write of the import.
    #[tracing::instrument(skip_all)]
    pub async fn rollback(mut self) -> Result<()> {
        self.restore_cache().await?;
        self.tx.rollback().await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_number_rows_then_columns() {
        let pg = Backend::Postgres;
        assert_eq!(placeholders(pg, 2, 3), "($1, $2, $3), ($4, $5, $6)");
        assert_eq!(placeholders(pg, 1, 1), "($1)");
        assert_eq!(placeholders_from(pg, 2, 3, 2), "($2, $3, $4), ($5, $6, $7)");
        assert_eq!(placeholders(Backend::Sqlite, 2, 2), "(?, ?), (?, ?)");
        assert!(lookup_sql(pg, 2).contains("(VALUES ($3, $4, $5), ($6, $7, $8))"));
        let d = |s: &str| s.parse::<NaiveDate>().expect("date");
        assert_eq!(
            keys_json(&[(7, 3, d("2026-01-31")), (12, 40, d("2025-12-01"))]),
            r#"[[7,3,"2026-01-31"],[12,40,"2025-12-01"]]"#
        );
        assert_eq!(keys_json(&[]), "[]");
    }
}
