//! The import engine: one pass over the file, every row validated by the same rules as the commands, all
//! writes in one transaction that is committed only when no row has an error (and never in a dry run).
//!
//! Memory stays bounded whatever the file size: rows are read one at a time and writes go out in batches. On
//! SQLite the transaction's page cache may grow to the pages it touches, up to a cap (`store::transfer`), so
//! that a large import into a large table does not write and re-read the same index pages again and again.
//! Duplicate detection compares 128-bit fingerprints of a row's identifying fields, as a multiset (each stored
//! record absorbs one identical row, so a file that holds the same record twice round-trips to two records).
//! For evidence — the table that grows to millions of rows — the stored records a batch may repeat are found by
//! index lookups when the batch is written, so neither time nor memory grows with the table; allocations and
//! outcomes keep one fingerprint (about 40 bytes) per stored record, read once at the start.

use super::csv_io::{Errors, Next, Row, RowError, Schema, Sheet};
use super::{ImportKind, ImportReport};
use crate::app::args::parse_bool;
use crate::app::evidence::observation_for;
use crate::app::partners::not_future;
use crate::app::records::{check_outcome, check_week, check_week_hours};
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

/// Rows validated before the pending writes go to the database.
const FLUSH_ROWS: usize = 2_000;

/// Rows between progress updates (and yields to other tasks).
const PROGRESS_EVERY: u64 = 1_024;

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

/// Duplicate detection for evidence, by index lookups per batch instead of a scan of every stored record (the
/// evidence table is the one that grows to millions of rows).
#[derive(Debug, Default)]
struct EvidenceDedup {
    /// Records above this id were written by this import and are never "already there".
    up_to_id: i64,
    /// Stored records already matched by an earlier row, by fingerprint: each stored record absorbs one row.
    consumed: HashMap<u128, u32, BuildHasherDefault<Prehashed>>,
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
        let mut keys: Vec<(i64, i64, NaiveDate)> = rows
            .iter()
            .map(|e| (e.partner_id, e.trait_id, e.observed))
            .collect();
        keys.sort_unstable();
        keys.dedup();
        let mut stored = Existing::default();
        tx.evidence_matching(ws, &keys, self.up_to_id, |e| {
            stored.add(evidence_key(
                e.partner_id,
                e.trait_id,
                e.observation,
                e.source.as_deref(),
                e.note.as_deref(),
                e.observed,
            ))
        })
        .await?;
        let before = rows.len() as u64;
        rows.retain(|e| {
            let key = evidence_key(
                e.partner_id,
                e.trait_id,
                e.observation,
                e.source.as_deref(),
                e.note.as_deref(),
                e.observed,
            );
            let taken = self.consumed.get(&key).copied().unwrap_or(0);
            let there = stored.0.get(&key).copied().unwrap_or(0);
            if there > taken {
                *self.consumed.entry(key).or_insert(0) += 1;
                false
            } else {
                true
            }
        });
        let added = rows.len() as u64;
        Ok((added, before - added))
    }
}

/// Why a row cannot be read: a user message.
type Msg = String;

fn msg(e: AppError) -> Msg {
    e.user_message()
}

/// A required cell: `empty` is the message when it is empty; `f` parses it.
fn req<T>(
    row: &Row,
    col: &str,
    empty: &str,
    errs: &mut Vec<RowError>,
    f: impl FnOnce(&str) -> Result<T, Msg>,
) -> Option<T> {
    match row.cell(col) {
        None => {
            errs.push(row.error(col, empty));
            None
        }
        Some(c) => f(c).map_err(|m| errs.push(row.error(col, m))).ok(),
    }
}

/// An optional cell: `Some(None)` when empty, `None` when it is invalid (the error is recorded).
fn opt<T>(
    row: &Row,
    col: &str,
    errs: &mut Vec<RowError>,
    f: impl FnOnce(&str) -> Result<T, Msg>,
) -> Option<Option<T>> {
    match row.cell(col) {
        None => Some(None),
        Some(c) => match f(c) {
            Ok(v) => Some(Some(v)),
            Err(m) => {
                errs.push(row.error(col, m));
                None
            }
        },
    }
}

fn text(rule: TextRule) -> impl Fn(&str) -> Result<String, Msg> {
    move |s| rule.parse(s).map_err(|e| e.0)
}

fn date(what: &'static str, today: NaiveDate) -> impl Fn(&str) -> Result<NaiveDate, Msg> {
    move |s| {
        let d = parse_date(s).map_err(|e| e.0)?;
        not_future(d, today, what).map_err(msg)?;
        Ok(d)
    }
}

/// A partner of the roster, as the record rows refer to it (cheap to clone: one per row).
#[derive(Debug, Clone)]
struct PartnerRef {
    id: i64,
    name: Arc<str>,
    partner_type: PartnerType,
}

/// The roster by name key, for rows that refer to partners.
#[derive(Debug)]
struct Roster {
    by_key: HashMap<String, PartnerRef>,
    /// Cell texts already found on the roster: a file names each partner many times, and normalising a name
    /// to its key is most of the cost of finding it. Bounded by [`MEMO_LIMIT`].
    found: Memo<PartnerRef>,
}

/// Entries a [`Memo`] keeps at most; past it, cells are looked up the long way.
const MEMO_LIMIT: usize = 100_000;

/// What a lookup answered for each cell text seen so far (only lookups that succeeded: an error's message
/// depends on how much detail is wanted). The answers are a function of the text alone, so a cell found
/// here gets exactly the answer the long way gives.
#[derive(Debug)]
struct Memo<T>(HashMap<Box<str>, T>);

impl<T: Clone> Memo<T> {
    fn new() -> Memo<T> {
        Memo(HashMap::new())
    }

    /// The answer for `cell`: remembered, else `f`'s (remembered when it succeeded).
    fn get_or<E>(&mut self, cell: &str, f: impl FnOnce() -> Result<T, E>) -> Result<T, E> {
        if let Some(v) = self.0.get(cell) {
            return Ok(v.clone());
        }
        let v = f()?;
        if self.0.len() < MEMO_LIMIT {
            self.0.insert(cell.into(), v.clone());
        }
        Ok(v)
    }
}

impl Roster {
    fn new(partners: Vec<Partner>) -> Roster {
        Roster {
            by_key: partners
                .into_iter()
                .map(|p| {
                    (
                        name_key(&p.name),
                        PartnerRef {
                            id: p.id,
                            name: p.name.into(),
                            partner_type: p.partner_type,
                        },
                    )
                })
                .collect(),
            found: Memo::new(),
        }
    }

    /// The partner named `name` (case-insensitively), or a message with the closest names when `detail`.
    fn find(&mut self, name: &str, detail: bool) -> Result<PartnerRef, Msg> {
        let by_key = &self.by_key;
        self.found
            .get_or(name, || Roster::find_by_key(by_key, name, detail))
    }

    /// [`Roster::find`] the long way: the cell's name is checked and normalised to its key.
    fn find_by_key(
        by_key: &HashMap<String, PartnerRef>,
        name: &str,
        detail: bool,
    ) -> Result<PartnerRef, Msg> {
        let name = PartnerName::parse(name).map_err(|e| e.0)?;
        let name = name.as_str();
        if let Some(p) = by_key.get(&name_key(name)) {
            return Ok(p.clone());
        }
        if !detail {
            return Err(format!(
                "No partner `{}` on the roster. Import the partners first (partnerfit import partners), or add it with /partner add.",
                snippet(name)
            ));
        }
        // The commands' rule of names: the partners close to it, else the names most like it.
        let key = name_key(name);
        let mut close: Vec<(i64, String)> = by_key
            .iter()
            .filter(|(k, _)| names::closeness_of_keys(&key, k).is_some())
            .map(|(_, p)| (p.id, p.name.to_string()))
            .collect();
        close.sort_by_key(|(_, n)| name_key(n));
        let hint = match close.len() {
            0 => lookup::did_you_mean(&lookup::suggestions(
                name,
                by_key.values().map(|p| &*p.name),
                3,
            )),
            1 => lookup::did_you_mean(&[close.remove(0).1]),
            _ => {
                let c: Vec<lookup::Candidate> = close
                    .into_iter()
                    .map(|(id, name)| lookup::Candidate { id, name })
                    .collect();
                return Err(lookup::ambiguous(name, &c).to_string());
            }
        };
        Err(format!(
            "No partner `{}` on the roster.{hint} Import the partners first (partnerfit import partners), or add it with /partner add.",
            snippet(name)
        ))
    }
}

fn partner_cell(
    roster: &mut Roster,
    row: &Row,
    errs: &mut Vec<RowError>,
    detail: bool,
) -> Option<PartnerRef> {
    req(
        row,
        "partner",
        "the partner is empty: give its name as on the roster",
        errs,
        |s| roster.find(s, detail),
    )
}

// ---------------------------------------------------------------------------------------------------------
// partners

/// Partners: new names are created; a row for an existing partner updates it to the row (except its type).
struct PartnerCheck {
    existing: HashMap<String, Partner>,
    /// Name keys seen in the file, with their line.
    seen: HashMap<String, u64>,
    today: NaiveDate,
    similar: Similar,
}

/// The check of new names against the roster and the file's earlier new names: one within typo distance
/// ([`names`]) is refused unless the importer confirmed such names.
struct Similar {
    /// Confirmed: every new name is created as written.
    allowed: bool,
    /// How to confirm, for the error.
    confirm: &'static str,
    /// Built at the first new name: the roster's names, then each new name of the file.
    index: Option<names::NearNames>,
    /// Each indexed name, and the line that creates it (None: on the roster).
    names: Vec<(String, Option<u64>)>,
}

impl Similar {
    /// Whether the new partner `name` of line `line` may be created.
    fn check_new(
        &mut self,
        name: &str,
        line: u64,
        roster: &HashMap<String, Partner>,
    ) -> Result<(), Msg> {
        if self.allowed {
            return Ok(());
        }
        let known = &mut self.names;
        let index = self.index.get_or_insert_with(|| {
            let mut on_roster: Vec<&str> = roster.values().map(|p| p.name.as_str()).collect();
            on_roster.sort_unstable();
            known.extend(on_roster.iter().map(|n| (n.to_string(), None)));
            names::NearNames::new(on_roster)
        });
        let hits = index.near(name);
        index.add(name);
        known.push((name.to_string(), Some(line)));
        let Some(&first) = hits.first() else {
            return Ok(());
        };
        let (other, created_on) = &self.names[first];
        let edits = match names::typo_distance(name, other) {
            Some(1) | None => "1 edit".to_string(),
            Some(n) => format!("{n} edits"),
        };
        let (name, other, confirm) = (snippet(name), snippet(other), self.confirm);
        Err(match created_on {
            None => format!(
                "`{name}` would be a new partner, but `{other}` on the roster is {edits} away from it: if it is that partner, write its name; if it is another one, import with {confirm}"
            ),
            Some(l) => format!(
                "`{name}` would be a new partner, but line {l} creates `{other}`, {edits} away from it: keep one spelling; if they are two partners, import with {confirm}"
            ),
        })
    }
}

fn show_opt<T: ToString>(v: &Option<T>) -> String {
    v.as_ref()
        .map(|v| format!("`{}`", snippet(&v.to_string())))
        .unwrap_or_else(|| "(empty)".into())
}

/// What changes from `old` to `new`, e.g. `stage prospect → signed, signed (empty) → 2026-03-01`.
fn partner_changes(old: &Partner, new: &NewPartner) -> Vec<String> {
    let mut out = Vec::new();
    if old.name != new.name.as_str() {
        out.push(format!("name `{}` → `{}`", old.name, new.name));
    }
    let (old_l, new_l) = (&old.lifecycle, &new.lifecycle);
    if old_l.stage() != new_l.stage() {
        out.push(format!("stage {} → {}", old_l.stage(), new_l.stage()));
    }
    let mut field = |label: &str, a: String, b: String| {
        if a != b {
            out.push(format!("{label} {a} → {b}"));
        }
    };
    field(
        "signed",
        show_opt(&old_l.signed_on()),
        show_opt(&new_l.signed_on()),
    );
    field(
        "dropped",
        show_opt(&old_l.dropped_on()),
        show_opt(&new_l.dropped_on()),
    );
    field(
        "drop_reason",
        show_opt(&old_l.drop_reason()),
        show_opt(&new_l.drop_reason()),
    );
    field("champion", show_opt(&old.champion), show_opt(&new.champion));
    field("note", show_opt(&old.note), show_opt(&new.note));
    out
}

impl Check for PartnerCheck {
    fn check(&mut self, row: &Row, errs: &mut Vec<RowError>, _detail: bool) -> Option<Action> {
        let today = self.today;
        let name = req(
            row,
            "name",
            "the name is empty: every partner needs one",
            errs,
            |s| PartnerName::parse(s).map_err(|e| e.0),
        );
        let ty = req(
            row,
            "type",
            "the type is empty: give reseller, si, tech-isv or referral",
            errs,
            |s| s.parse::<PartnerType>().map_err(|e| e.0),
        );
        let stage = opt(row, "stage", errs, |s| s.parse::<Stage>().map_err(|e| e.0));
        let signed = opt(row, "signed", errs, date("the signing date", today));
        let dropped = opt(row, "dropped", errs, date("the drop date", today));
        let drop_reason = opt(
            row,
            "drop_reason",
            errs,
            text(REASON.named("the drop reason")),
        );
        let champion = opt(row, "champion", errs, text(CHAMPION));
        let note = opt(row, "note", errs, text(NOTE));
        let (
            Some(name),
            Some(ty),
            Some(stage),
            Some(signed),
            Some(dropped),
            Some(drop_reason),
            Some(champion),
            Some(note),
        ) = (
            name,
            ty,
            stage,
            signed,
            dropped,
            drop_reason,
            champion,
            note,
        )
        else {
            return None;
        };
        let key = name.key();
        if let Some(first) = self.seen.get(&key) {
            errs.push(row.error(
                "name",
                format!(
                    "`{name}` is already on line {first} (names are compared without case, spacing or lookalike letters): keep one row per partner"
                ),
            ));
            return None;
        }
        self.seen.insert(key.clone(), row.line);
        let lifecycle =
            match Lifecycle::from_columns(name.as_str(), stage, signed, dropped, drop_reason) {
                Ok(l) => l,
                Err(columns) => {
                    for c in columns {
                        errs.push(row.error(c.column, c.message));
                    }
                    return None;
                }
            };
        let p = NewPartner {
            name,
            partner_type: ty,
            lifecycle,
            champion,
            note,
        };
        let Some(old) = self.existing.get(&key) else {
            if let Err(m) = self
                .similar
                .check_new(p.name.as_str(), row.line, &self.existing)
            {
                errs.push(row.error("name", m));
                return None;
            }
            return Some(Action::CreatePartner(p));
        };
        if old.partner_type != p.partner_type {
            errs.push(row.error(
                "type",
                format!(
                    "{} is on the roster as a {} partner: an import does not change a partner's type (its evidence belongs to the {} profile). Fix the type in the file.",
                    old.name, old.partner_type, old.partner_type
                ),
            ));
            return None;
        }
        let old_stage = old.lifecycle.stage();
        if old_stage != Stage::Prospect && p.lifecycle.stage() == Stage::Prospect {
            errs.push(row.error(
                "stage",
                format!(
                    "{} is already {}: an import does not turn it back into a prospect. Fix the row, or leave the partner out of the file.",
                    old.name, old_stage
                ),
            ));
            return None;
        }
        if let (Some(d), None) = (old.lifecycle.signed_on(), p.lifecycle.signed_on()) {
            errs.push(row.error(
                "signed",
                format!(
                    "{} was signed on {d}: keep its signing date in `signed` (an import does not erase it)",
                    old.name
                ),
            ));
            return None;
        }
        // Signed again after its drop: a new signed period, which cannot start before the drop.
        if let (PeriodChange::Open(on), Some(dropped)) = (
            old.lifecycle.period_change(&p.lifecycle),
            old.lifecycle.dropped_on(),
        ) {
            if on < dropped {
                let refusal = Refusal::SignBeforeDrop { dropped };
                errs.push(row.error("signed", refusal.message(&old.name)));
                return None;
            }
        }
        let changes = partner_changes(old, &p);
        if changes.is_empty() {
            Some(Action::Unchanged)
        } else {
            let text = format!("{}: {}", p.name, changes.join(", "));
            Some(Action::UpdatePartner(
                old.id,
                old.lifecycle.clone(),
                p,
                text,
            ))
        }
    }
}

// ---------------------------------------------------------------------------------------------------------
// evidence

/// The traits of one active profile by name key.
#[derive(Debug)]
struct ProfileTraits {
    profile: Profile,
    by_key: HashMap<String, usize>,
    /// Trait cells already found, as indexes into the profile's traits.
    found: Memo<usize>,
}

/// Evidence rows: checked here; whether one repeats a stored record is settled per batch by [`EvidenceDedup`].
struct EvidenceCheck {
    roster: Roster,
    profiles: HashMap<PartnerType, ProfileTraits>,
    today: NaiveDate,
}

/// The fields that make two evidence records the same.
fn evidence_key(
    partner_id: i64,
    trait_id: i64,
    o: Observation,
    source: Option<&str>,
    note: Option<&str>,
    observed: NaiveDate,
) -> u128 {
    let (met, value) = match o {
        Observation::Met(m) => (Some(m), None),
        // `+ 0.0` folds -0 into 0.
        Observation::Value(v) => (None, Some((v + 0.0).to_bits())),
    };
    fingerprint(&(partner_id, trait_id, met, value, source, note, observed))
}

impl EvidenceCheck {
    fn new(partners: Vec<Partner>, profiles: Vec<Profile>, today: NaiveDate) -> EvidenceCheck {
        EvidenceCheck {
            roster: Roster::new(partners),
            profiles: profiles
                .into_iter()
                .map(|p| {
                    let by_key = p
                        .traits
                        .iter()
                        .enumerate()
                        .map(|(i, t)| (t.key(), i))
                        .collect();
                    let ty = p.partner_type;
                    let pt = ProfileTraits {
                        profile: p,
                        by_key,
                        found: Memo::new(),
                    };
                    (ty, pt)
                })
                .collect(),
            today,
        }
    }

    fn trait_of(&mut self, p: &PartnerRef, name: &str) -> Result<&Trait, Msg> {
        let Some(pt) = self.profiles.get_mut(&p.partner_type) else {
            return Err(format!(
                "{} is a {} partner and there is no active {} profile, so it has no traits yet. A lead creates it with /profile create type:{}.",
                p.name, p.partner_type, p.partner_type, p.partner_type
            ));
        };
        let ProfileTraits {
            profile,
            by_key,
            found,
        } = pt;
        let i = found.get_or(name, || match by_key.get(&name_key(name)) {
            Some(&i) => Ok(i),
            None => {
                let t = lookup::trait_of(profile, name).map_err(msg)?;
                profile
                    .traits
                    .iter()
                    .position(|u| u.id == t.id)
                    .ok_or_else(|| format!("trait `{}` is missing", snippet(name)))
            }
        })?;
        profile
            .traits
            .get(i)
            .ok_or_else(|| format!("trait `{}` is missing", snippet(name)))
    }
}

impl Check for EvidenceCheck {
    fn check(&mut self, row: &Row, errs: &mut Vec<RowError>, detail: bool) -> Option<Action> {
        let partner = partner_cell(&mut self.roster, row, errs, detail);
        let met = opt(row, "met", errs, |s| parse_bool(s, "met").map_err(msg));
        let value = opt(row, "value", errs, |s| {
            parse_number(s, "the value").map_err(|e| e.0)
        });
        let source = opt(row, "source", errs, text(SOURCE));
        let note = opt(row, "note", errs, text(NOTE));
        let observed = req(
            row,
            "observed",
            "the observation date is empty: give it as YYYY-MM-DD (an import needs it, so that importing the file again changes nothing)",
            errs,
            date("the observation date", self.today),
        );
        let t = match (&partner, row.cell("trait")) {
            (_, None) => {
                errs.push(row.error(
                    "trait",
                    "the trait is empty: give its name as in the partner type's profile",
                ));
                None
            }
            (None, Some(_)) => None,
            (Some(p), Some(name)) => match self.trait_of(p, name) {
                Ok(t) => Some(t),
                Err(m) => {
                    errs.push(row.error("trait", m));
                    None
                }
            },
        };
        let observation = match (t, met, value) {
            (Some(t), Some(met), Some(value)) => match observation_for(t, met, value) {
                Ok(o) => Some(o),
                Err(e) => {
                    // Blame the cell that is there but should not be, else the one that is missing.
                    let col = match (t.kind.is_threshold(), met, value) {
                        (_, _, Some(v)) if v < 0.0 => "value",
                        (false, _, Some(_)) => "value",
                        (true, Some(_), _) => "met",
                        (false, _, None) => "met",
                        (true, None, _) => "value",
                    };
                    errs.push(row.error(col, msg(e)));
                    None
                }
            },
            _ => None,
        };
        let trait_id = t.map(|t| t.id);
        let (
            Some(partner),
            Some(trait_id),
            Some(observation),
            Some(source),
            Some(note),
            Some(observed),
        ) = (partner, trait_id, observation, source, note, observed)
        else {
            return None;
        };
        Some(Action::Evidence(NewEvidence {
            partner_id: partner.id,
            trait_id,
            observation,
            source,
            note,
            observed,
        }))
    }
}

// ---------------------------------------------------------------------------------------------------------
// allocations

struct AllocationCheck {
    roster: Roster,
    existing: Existing,
    /// Non-retracted hours per partner and week: the database's plus the file's rows so far.
    week_hours: HashMap<(i64, Week), Hours>,
    this_week: Week,
    currency: String,
}

fn allocation_key(
    partner_id: i64,
    week: Week,
    hours: Hours,
    spend: Amount,
    note: Option<&str>,
) -> u128 {
    fingerprint(&(partner_id, week, hours.centi(), spend.cents(), note))
}

impl Check for AllocationCheck {
    fn check(&mut self, row: &Row, errs: &mut Vec<RowError>, detail: bool) -> Option<Action> {
        let this_week = self.this_week;
        let partner = partner_cell(&mut self.roster, row, errs, detail);
        let week = req(
            row,
            "week",
            "the week is empty: give it as YYYY-Www, e.g. 2026-W47",
            errs,
            |s| {
                let w: Week = s.parse().map_err(|e: crate::domain::ParseError| e.0)?;
                check_week(w, this_week).map_err(msg)?;
                Ok(w)
            },
        );
        let hours = opt(row, "hours", errs, |s| Hours::parse(s).map_err(|e| e.0));
        let currency = &self.currency;
        let spend = opt(row, "spend", errs, |s| {
            Amount::parse(s, currency).map_err(|e| e.0)
        });
        let note = opt(row, "note", errs, text(NOTE));
        let (Some(partner), Some(week), Some(hours), Some(spend), Some(note)) =
            (partner, week, hours, spend, note)
        else {
            return None;
        };
        let hours = hours.unwrap_or(Hours::ZERO);
        let spend = spend.unwrap_or(Amount::ZERO);
        if hours == Hours::ZERO && spend == Amount::ZERO {
            errs.push(row.error(
                "hours",
                "give hours or spend (or both) above 0: an entry with neither records nothing",
            ));
            return None;
        }
        if self.existing.take(allocation_key(
            partner.id,
            week,
            hours,
            spend,
            note.as_deref(),
        )) {
            return Some(Action::Unchanged);
        }
        let already = self
            .week_hours
            .get(&(partner.id, week))
            .copied()
            .unwrap_or(Hours::ZERO);
        match check_week_hours(&partner.name, week, already, hours) {
            Ok(total) => {
                self.week_hours.insert((partner.id, week), total);
            }
            Err(e) => {
                errs.push(row.error("hours", msg(e)));
                return None;
            }
        }
        Some(Action::Allocation(NewAllocation {
            partner_id: partner.id,
            week,
            hours,
            spend,
            note,
        }))
    }
}

// ---------------------------------------------------------------------------------------------------------
// outcomes

struct OutcomeCheck {
    roster: Roster,
    existing: Existing,
    today: NaiveDate,
    currency: String,
}

fn outcome_key(
    partner_id: i64,
    kind: OutcomeKind,
    amount: Option<Amount>,
    date: NaiveDate,
    reference: Option<&str>,
) -> u128 {
    fingerprint(&(partner_id, kind, amount.map(Amount::cents), date, reference))
}

impl Check for OutcomeCheck {
    fn check(&mut self, row: &Row, errs: &mut Vec<RowError>, detail: bool) -> Option<Action> {
        let partner = partner_cell(&mut self.roster, row, errs, detail);
        let kind = req(
            row,
            "kind",
            "the kind is empty: give sourced-pipeline, registered-deal or closed-won",
            errs,
            |s| s.parse::<OutcomeKind>().map_err(|e| e.0),
        );
        let currency = &self.currency;
        let amount = opt(row, "amount", errs, |s| {
            Amount::parse(s, currency).map_err(|e| e.0)
        });
        let date = req(
            row,
            "date",
            "the date is empty: give it as YYYY-MM-DD (an import needs it, so that importing the file again changes nothing)",
            errs,
            |s| parse_date(s).map_err(|e| e.0),
        );
        let reference = opt(row, "ref", errs, text(REFERENCE));
        let (Some(partner), Some(kind), Some(amount), Some(date), Some(reference)) =
            (partner, kind, amount, date, reference)
        else {
            return None;
        };
        if let Err(e) = check_outcome(kind, amount, date, self.today) {
            let col = if date > self.today { "date" } else { "amount" };
            errs.push(row.error(col, msg(e)));
            return None;
        }
        if self.existing.take(outcome_key(
            partner.id,
            kind,
            amount,
            date,
            reference.as_deref(),
        )) {
            return Some(Action::Unchanged);
        }
        Some(Action::Outcome(NewOutcome {
            partner_id: partner.id,
            kind,
            amount,
            date,
            reference,
        }))
    }
}

// ---------------------------------------------------------------------------------------------------------
// the run

/// What the checks need from outside the transaction (read before it starts: reading the settings may write
/// their default row, which must not wait for our own write lock).
struct Setup {
    settings: Settings,
    profiles: Vec<Profile>,
}

/// Build the checker of `kind` from what the database holds (read inside the import's transaction).
async fn checker(
    app: &App,
    ws: &str,
    opts: &Options<'_>,
    setup: Setup,
    tx: &mut ImportTx,
) -> AppResult<Box<dyn Check>> {
    let kind = opts.kind;
    let Setup { settings, profiles } = setup;
    let today = app.today(&settings);
    let partners = tx.partners(ws).await?;
    Ok(match kind {
        ImportKind::Partners => Box::new(PartnerCheck {
            existing: partners
                .into_iter()
                .map(|p| (name_key(&p.name), p))
                .collect(),
            seen: HashMap::new(),
            today,
            similar: Similar {
                allowed: opts.allow_similar,
                confirm: opts.confirm_similar,
                index: None,
                names: Vec::new(),
            },
        }),
        ImportKind::Evidence => Box::new(EvidenceCheck::new(partners, profiles, today)),
        ImportKind::Allocations => {
            let mut c = AllocationCheck {
                roster: Roster::new(partners),
                existing: Existing::default(),
                week_hours: HashMap::new(),
                this_week: app.this_week(&settings),
                currency: settings.currency.clone(),
            };
            let (existing, week_hours) = (&mut c.existing, &mut c.week_hours);
            tx.scan_allocations(ws, |a| {
                existing.add(allocation_key(
                    a.partner_id,
                    a.week,
                    a.hours,
                    a.spend,
                    a.note.as_deref(),
                ));
                if !a.retracted {
                    let h = week_hours.entry((a.partner_id, a.week)).or_default();
                    *h = Hours::from_centi(h.centi().saturating_add(a.hours.centi()));
                }
            })
            .await?;
            Box::new(c)
        }
        ImportKind::Outcomes => {
            let mut c = OutcomeCheck {
                roster: Roster::new(partners),
                existing: Existing::default(),
                today,
                currency: settings.currency.clone(),
            };
            let existing = &mut c.existing;
            tx.scan_outcomes(ws, |o| {
                existing.add(outcome_key(
                    o.partner_id,
                    o.kind,
                    o.amount,
                    o.date,
                    o.reference.as_deref(),
                ))
            })
            .await?;
            Box::new(c)
        }
    })
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
    let mut dedup = EvidenceDedup {
        up_to_id: tx.max_evidence_id().await?,
        consumed: HashMap::default(),
    };
    let mut check = checker(app, ws, opts, setup, &mut tx).await?;
    let mut pending = Pending::default();
    let mut row_errs = Vec::new();
    loop {
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
            tokio::task::yield_now().await;
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
