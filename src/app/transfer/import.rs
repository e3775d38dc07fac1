//! The import engine: one pass over the file, every row validated by the same rules as the commands, all
//! writes in one transaction that is committed only when no row has an error (and never in a dry run).
//!
//! Memory stays bounded whatever the file size: rows are read one at a time and writes go out in batches. On
//! SQLite the transaction's page cache may grow to the pages it touches, up to a cap (`store::transfer`), so
//! that a large import into a large table does not write and re-read the same index pages again and again.
//! Duplicate detection compares 128-bit fingerprints of a row's identifying fields, as a multiset (each stored
//! record absorbs one identical row, so a file that holds the same record twice round-trips to two records).
//! For evidence — the table that grows to millions of rows — the stored records a batch may repeat are found by
//! index lookups when the batch is written (each key once per import; the fingerprints read are kept for later
//! batches up to a cap), so neither time nor memory grows with the table; allocations and
//! outcomes keep one fingerprint (about 40 bytes) per stored record, read once at the start.

use super::csv_io::{Errors, Next, Row, RowError, Schema, Sheet};
use super::{ImportKind, ImportReport};
use crate::app::args::parse_bool;
use crate::app::evidence::observation_for;
use crate::app::partners::not_future;
use crate::app::records::{check_outcome, check_week, check_week_hours, check_week_spend};
use crate::app::{lookup, App, AppError, AppResult, Settings};
use crate::domain::evidence::Observation;
use crate::domain::profile::{Profile, Trait};
use crate::domain::text::{CHAMPION, NOTE, REASON, REFERENCE, SOURCE};
use crate::domain::TextRule;
use crate::domain::{lifecycle::PeriodChange, lifecycle::Refusal, Lifecycle};
use crate::domain::{
    name_key, names, parse_date, parse_number, snippet, Amount, Hours, OutcomeKind, PartnerName,
    PartnerType, Stage, Week,
};
use crate::store::{
    ImportTx, NewAllocation, NewEvidence, NewOutcome, NewPartner, Partner, StoreError,
};
use chrono::{DateTime, NaiveDate, Utc};
use indicatif::ProgressBar;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, DefaultHasher, Hash, Hasher};
use std::io::Read;
use std::sync::Arc;
use std::time::{Duration, Instant};

mod checks;
mod rows;
#[cfg(test)]
mod tests;
use checks::{checker, evidence_key, Setup};

/// Rows validated before the pending writes go to the database.
/// (3 in the unit tests, so that a few rows make several batches.)
const FLUSH_ROWS: usize = if cfg!(test) { 3 } else { 2_000 };

/// Rows between progress updates.
const PROGRESS_EVERY: u64 = 1_024;

/// How long the row loop keeps its tokio worker before it yields to the other tasks (a process has two
/// workers: an import must not hold one for long while interactions wait). By time, not by rows: a row's checks
/// take up to about 170 µs (the near-name index of a large roster), so 1,024 rows could hold the worker for a
/// fifth of a second, and any fixed count is either too many on a large roster or needlessly few on a small one.
const YIELD_AFTER: Duration = Duration::from_millis(10);

/// Rows between looks at the clock for [`YIELD_AFTER`]. A look costs about 20–30 ns: at every row that would be
/// a measurable share of a cheap row (its checks and its part of the batch's writes take microseconds); at every
/// 16th it is under 2 ns a row, lost in the noise of the import benchmarks (`import_evidence_100k`). At the
/// dearest rows, 16 of them add under 3 ms to the time the worker is held.
const CLOCK_EVERY: u32 = 16;

/// When the row loop yields to the runtime: once [`YIELD_AFTER`] has passed since it last did (or started),
/// the clock read every [`CLOCK_EVERY`] rows.
struct Pacer {
    since: Instant,
    rows: u32,
}

impl Pacer {
    fn new(now: Instant) -> Pacer {
        Pacer {
            since: now,
            rows: 0,
        }
    }

    /// One more row: whether it is time to yield, `now` read only at every [`CLOCK_EVERY`]-th row.
    fn due(&mut self, now: impl FnOnce() -> Instant) -> bool {
        self.rows += 1;
        if self.rows < CLOCK_EVERY {
            return false;
        }
        self.rows = 0;
        now().saturating_duration_since(self.since) >= YIELD_AFTER
    }

    /// The loop yielded and got its worker back at `now`: the next slice starts there.
    fn restart(&mut self, now: Instant) {
        self.since = now;
    }

    /// Yield to the runtime's other tasks if the loop has had its worker for [`YIELD_AFTER`].
    async fn pace(&mut self) {
        if self.due(Instant::now) {
            tokio::task::yield_now().await;
            self.restart(Instant::now());
        }
    }
}

/// How one import runs.
#[derive(Debug, Clone)]
pub struct Options<'a> {
    pub kind: ImportKind,
    /// The file's name, for messages.
    pub file: String,
    pub dry_run: bool,
    /// Who is importing: recorded as the author of every record.
    pub by: String,
    /// Create new partners whose names are within typo distance of another (confirmed by the importer).
    pub allow_similar: bool,
    /// How the importer confirms such names, for the error: `--allow-similar-names` or `allow_similar:true`.
    pub confirm_similar: &'static str,
    pub progress: &'a ProgressBar,
}

/// What one row asks for.
#[derive(Debug)]
enum Action {
    /// The row is already in the database.
    Unchanged,
    CreatePartner(NewPartner),
    /// Update partner `id` from its life cycle to the row; the text says what changes.
    UpdatePartner(i64, Lifecycle, NewPartner, String),
    Evidence(NewEvidence),
    Allocation(NewAllocation),
    Outcome(NewOutcome),
}

/// Validates rows of one kind; errors go to `errs` (one per faulty cell where possible).
trait Check: Send {
    fn check(&mut self, row: &Row, errs: &mut Vec<RowError>, detail: bool) -> Option<Action>;
}

/// Where and as whom the pending rows are written (`write` is false in a dry run).
#[derive(Debug, Clone, Copy)]
struct Target<'a> {
    ws: &'a str,
    by: &'a str,
    now: DateTime<Utc>,
    write: bool,
}

/// The writes validated but not yet sent.
#[derive(Debug, Default)]
struct Pending {
    created: Vec<NewPartner>,
    updated: Vec<(i64, Lifecycle, NewPartner)>,
    evidence: Vec<NewEvidence>,
    allocations: Vec<NewAllocation>,
    outcomes: Vec<NewOutcome>,
}

impl Pending {
    fn len(&self) -> usize {
        self.created.len()
            + self.updated.len()
            + self.evidence.len()
            + self.allocations.len()
            + self.outcomes.len()
    }

    fn clear(&mut self) {
        *self = Pending::default();
    }

    /// Settle the pending rows: decide which evidence rows repeat stored records (counted in `report`), then
    /// write the rest unless this is a dry run.
    async fn flush(
        &mut self,
        tx: &mut ImportTx,
        to: &Target<'_>,
        dedup: &mut EvidenceDedup,
        report: &mut ImportReport,
    ) -> Result<(), StoreError> {
        let Target { ws, by, now, write } = *to;
        if !self.evidence.is_empty() {
            let (added, unchanged) = dedup.resolve(tx, ws, &mut self.evidence).await?;
            report.added += added;
            report.unchanged += unchanged;
        }
        if !write {
            self.clear();
            return Ok(());
        }
        tx.insert_partners(ws, &self.created, by, now).await?;
        for (id, from, p) in &self.updated {
            tx.update_partner(ws, *id, from, p).await?;
        }
        tx.insert_evidence(ws, &self.evidence, by, now).await?;
        tx.insert_allocations(ws, &self.allocations, by, now)
            .await?;
        tx.insert_outcomes(ws, &self.outcomes, by, now).await?;
        self.clear();
        Ok(())
    }
}

/// A hasher for keys that are already uniformly distributed fingerprints.
#[derive(Debug, Default)]
struct Prehashed(u64);

impl Hasher for Prehashed {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(*b);
        }
    }
    fn write_u128(&mut self, v: u128) {
        self.0 = v as u64;
    }
}

/// A 128-bit fingerprint of a record's identifying fields (two independent SipHash runs).
fn fingerprint<T: Hash + ?Sized>(t: &T) -> u128 {
    let mut a = DefaultHasher::new();
    0u8.hash(&mut a);
    t.hash(&mut a);
    let mut b = DefaultHasher::new();
    1u8.hash(&mut b);
    t.hash(&mut b);
    (u128::from(a.finish()) << 64) | u128::from(b.finish())
}

/// A multiset of existing records by fingerprint: each existing record absorbs one identical row.
#[derive(Debug, Default)]
struct Existing(HashMap<u128, u32, BuildHasherDefault<Prehashed>>);

impl Existing {
    fn add(&mut self, key: u128) {
        *self.0.entry(key).or_insert(0) += 1;
    }
    /// Whether an existing record is identical to this row (and take it, so a second identical row is new).
    fn take(&mut self, key: u128) -> bool {
        match self.0.get_mut(&key) {
            Some(n) if *n > 0 => {
                *n -= 1;
                true
            }
            _ => false,
        }
    }
}

/// Keys and unmatched stored fingerprints [`EvidenceDedup`] keeps between batches, at most (together about
/// 50 MB); past this it forgets them and looks up again what a later batch needs.
/// (4 in the unit tests, so that a few rows make it forget.)
const KEPT: usize = if cfg!(test) { 4 } else { 1 << 20 };

/// The identifying key a stored record is looked up by: partner, trait, day observed.
type LookupKey = (i64, i64, NaiveDate);

/// Duplicate detection for evidence, by index lookups per batch instead of a scan of every stored record (the
/// evidence table is the one that grows to millions of rows).
///
/// A key's stored records are looked up once per import, not once per batch that names it: a file whose rows
/// come back to the same few partners again and again (every batch naming the same keys) read the same stored
/// records in every batch, and a re-import of 100,000 records on 4 partners took 10 to 25 times as long as the
/// first import (BENCHMARKS.md, "Re-importing evidence of few partners").
#[derive(Debug, Default)]
struct EvidenceDedup {
    /// Records above this id were written by this import and are never "already there".
    up_to_id: i64,
    /// The keys whose stored records were looked up (and are counted in `unmatched`).
    fetched: std::collections::HashSet<LookupKey>,
    /// The stored records of the `fetched` keys that no row has matched yet, by fingerprint. Forgotten, with
    /// `fetched`, once the two hold [`KEPT`] entries; `matched` keeps what a later look-up must subtract.
    unmatched: Existing,
    /// Stored records already matched by an earlier row, by fingerprint: each stored record absorbs one row.
    matched: HashMap<u128, u32, BuildHasherDefault<Prehashed>>,
}

impl EvidenceDedup {
    /// Drop from `rows` those that repeat a stored record; returns (rows left to add, rows dropped).
    async fn resolve(
        &mut self,
        tx: &mut ImportTx,
        ws: &str,
        rows: &mut Vec<NewEvidence>,
    ) -> Result<(u64, u64), StoreError> {
        if self.up_to_id == 0 {
            // Nothing was stored before this import: every row is new.
            return Ok((rows.len() as u64, 0));
        }
        if self.unmatched.0.len() + self.fetched.len() >= KEPT {
            self.unmatched.0.clear();
            self.fetched.clear();
        }
        let mut keys: Vec<LookupKey> = rows
            .iter()
            .map(|e| (e.partner_id, e.trait_id, e.observed))
            .filter(|k| !self.fetched.contains(k))
            .collect();
        keys.sort_unstable();
        keys.dedup();
        if !keys.is_empty() {
            let mut stored = Existing::default();
            tx.evidence_matching(ws, &keys, self.up_to_id, |e| stored.add(fingerprint_of(&e)))
                .await?;
            // These keys were not looked up since `unmatched` was last emptied: what it holds of them is what
            // is stored, less what earlier rows matched.
            for (fingerprint, n) in stored.0 {
                let left = n.saturating_sub(self.matched.get(&fingerprint).copied().unwrap_or(0));
                if left > 0 {
                    self.unmatched.0.insert(fingerprint, left);
                }
            }
            self.fetched.extend(keys);
        }
        let before = rows.len() as u64;
        rows.retain(|e| {
            let key = fingerprint_of(e);
            if self.unmatched.take(key) {
                if self.unmatched.0.get(&key) == Some(&0) {
                    self.unmatched.0.remove(&key);
                }
                *self.matched.entry(key).or_insert(0) += 1;
                false
            } else {
                true
            }
        });
        let added = rows.len() as u64;
        Ok((added, before - added))
    }
}

/// The fingerprint of an evidence record, stored or a row's, by its identifying fields.
fn fingerprint_of(e: &NewEvidence) -> u128 {
    evidence_key(
        e.partner_id,
        e.trait_id,
        e.observation,
        e.source.as_deref(),
        e.note.as_deref(),
        e.observed,
    )
}

fn conflict(e: StoreError) -> AppError {
    match e {
        StoreError::Conflict(_) => AppError::user(
            "Someone added a partner of the same name while the file was being imported, so nothing was imported. Run the import again.",
        ),
        e => e.into(),
    }
}

/// The schema of each kind of file.
pub fn schema(kind: ImportKind) -> &'static Schema {
    fn common(c: &str) -> bool {
        matches!(
            c,
            "id" | "recorded_by" | "recorded_at" | "created_by" | "created_at"
        )
    }
    static PARTNERS: Schema = Schema {
        what: "partners",
        columns: &super::PARTNER_COLUMNS,
        ignored: |c| common(c) || c == "verdict" || c.starts_with(super::TRAIT_COLUMN_PREFIX),
    };
    static EVIDENCE: Schema = Schema {
        what: "evidence",
        columns: &super::EVIDENCE_COLUMNS,
        ignored: common,
    };
    static ALLOCATIONS: Schema = Schema {
        what: "allocations",
        columns: &super::ALLOCATION_COLUMNS,
        ignored: common,
    };
    static OUTCOMES: Schema = Schema {
        what: "outcomes",
        columns: &super::OUTCOME_COLUMNS,
        ignored: common,
    };
    match kind {
        ImportKind::Partners => &PARTNERS,
        ImportKind::Evidence => &EVIDENCE,
        ImportKind::Allocations => &ALLOCATIONS,
        ImportKind::Outcomes => &OUTCOMES,
    }
}

/// Import one file into workspace `ws`. A file with errors yields a report with `errors` and changes nothing;
/// `Err` is for failures of ours (the database).
#[tracing::instrument(skip_all, fields(kind = %opts.kind, dry_run = opts.dry_run))]
pub async fn run<R: Read + Send>(
    app: &App,
    ws: &str,
    opts: &Options<'_>,
    reader: R,
) -> AppResult<ImportReport> {
    let mut report = ImportReport::new(opts);
    let mut errors = Errors::default();
    let mut sheet = match Sheet::open(reader, schema(opts.kind)) {
        Ok(s) => s,
        Err(es) => {
            errors.extend(es);
            report.set_errors(errors);
            return Ok(report);
        }
    };
    let target = Target {
        ws,
        by: &opts.by,
        now: app.now(),
        write: !opts.dry_run,
    };
    let setup = Setup {
        settings: app.settings(ws).await?,
        profiles: match opts.kind {
            ImportKind::Evidence => app.store.active_profiles(ws).await?,
            _ => Vec::new(),
        },
    };
    let mut tx = app.store.begin_import().await?;
    // The checker's first read locks the workspace for the import (on PostgreSQL; SQLite's transaction holds
    // the write lock from its start): the records already there are read after it, so that a second import of
    // the same file, which waited for the first, sees what the first added.
    let mut check = checker(app, ws, opts, setup, &mut tx).await?;
    let mut dedup = EvidenceDedup {
        up_to_id: tx.max_evidence_id().await?,
        ..EvidenceDedup::default()
    };
    let mut pending = Pending::default();
    let mut row_errs = Vec::new();
    let mut pacer = Pacer::new(Instant::now());
    loop {
        // At the top, so that rows that cannot be read (`Next::Bad`) count as well.
        pacer.pace().await;
        let row = match sheet.next_row() {
            Next::End => break,
            Next::Fatal(e) => {
                errors.push(e);
                break;
            }
            Next::Bad(es) => {
                report.rows += 1;
                errors.extend(es);
                pending.clear();
                continue;
            }
            Next::Row(row) => row,
        };
        report.rows += 1;
        row_errs.clear();
        match check.check(&row, &mut row_errs, errors.wants_detail()) {
            None => {}
            Some(Action::Unchanged) => report.unchanged += 1,
            Some(action) => {
                match action {
                    Action::CreatePartner(p) => {
                        report.added += 1;
                        if report.created.len() < super::csv_io::MAX_SHOWN_ERRORS {
                            report.created.push(super::Created {
                                line: row.line,
                                name: p.name.to_string(),
                                partner_type: p.partner_type,
                                stage: p.lifecycle.stage(),
                            });
                        }
                        pending.created.push(p);
                    }
                    Action::UpdatePartner(id, from, p, change) => {
                        report.updated += 1;
                        if report.changes.len() < super::csv_io::MAX_SHOWN_ERRORS {
                            report.changes.push(format!("line {}: {change}", row.line));
                        }
                        pending.updated.push((id, from, p));
                    }
                    // Counted when the batch is settled: it may repeat a stored record.
                    Action::Evidence(e) => pending.evidence.push(e),
                    Action::Allocation(a) => {
                        report.added += 1;
                        pending.allocations.push(a);
                    }
                    Action::Outcome(o) => {
                        report.added += 1;
                        pending.outcomes.push(o);
                    }
                    Action::Unchanged => {}
                }
                if !errors.is_empty() || !row_errs.is_empty() {
                    // The import will fail: nothing more to write, and the counts are not shown.
                    pending.clear();
                } else if pending.len() >= FLUSH_ROWS {
                    pending
                        .flush(&mut tx, &target, &mut dedup, &mut report)
                        .await
                        .map_err(conflict)?;
                }
            }
        }
        if !row_errs.is_empty() {
            errors.extend(row_errs.drain(..));
            pending.clear();
        }
        if report.rows % PROGRESS_EVERY == 0 {
            opts.progress.set_position(row.byte);
        }
    }
    if errors.is_empty() {
        pending
            .flush(&mut tx, &target, &mut dedup, &mut report)
            .await
            .map_err(conflict)?;
    }
    if errors.is_empty() && !opts.dry_run {
        tx.commit().await.map_err(conflict)?;
        report.imported = true;
    } else {
        tx.rollback().await?;
    }
    report.set_errors(errors);
    Ok(report)
}
