//! The exports: rows streamed from the database straight into CSV, in an order that depends on the data only,
//! so that importing an export into a fresh workspace and exporting again gives the same bytes.
//!
//! Retracted records are not exported (they never count; `/evidence list` still shows them). The evidence
//! export covers the traits of each partner type's active profile — what screening uses.

use super::csv_io::SheetWriter;
use super::{
    ExportKind, ALLOCATION_COLUMNS, EVIDENCE_COLUMNS, OUTCOME_COLUMNS, PARTNER_COLUMNS,
    TRAIT_COLUMN_PREFIX,
};
use crate::app::{App, AppError};
use crate::domain::evidence::{Observation, Record};
use crate::domain::profile::{num, Profile};
use crate::domain::screening::screen;
use crate::domain::{Amount, Hours, PartnerType, Verdict};
use crate::store::{PartnerFilter, StoreError};
use futures_util::{pin_mut, TryStreamExt};
use std::collections::HashMap;
use std::io::Write;

/// Why an export stopped.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error(transparent)]
    App(#[from] AppError),
    #[error("cannot write the CSV: {0}")]
    Io(#[from] std::io::Error),
}

impl From<StoreError> for ExportError {
    fn from(e: StoreError) -> ExportError {
        ExportError::App(e.into())
    }
}

/// `1234`, or `1234.50` with cents: plain, without separators or currency, as the import reads it. A negative
/// amount (only ever read from a database: nothing accepts one) starts with a minus: `-1.50`, `-0.50`.
pub fn plain_amount(a: Amount) -> String {
    let sign = if a.cents() < 0 { "-" } else { "" };
    let c = a.cents().unsigned_abs();
    if c % 100 == 0 {
        format!("{sign}{}", c / 100)
    } else {
        format!("{sign}{}.{:02}", c / 100, c % 100)
    }
}

fn plain_hours(h: Hours) -> Option<String> {
    (h != Hours::ZERO).then(|| h.to_string())
}

fn bool_cell(b: bool) -> &'static str {
    if b {
        "true"
    } else {
        "false"
    }
}

/// Write the export of `kind` for workspace `ws` to `out`; returns the number of rows (without the header).
#[tracing::instrument(skip_all)]
pub async fn write<W: Write + Send>(
    app: &App,
    ws: &str,
    kind: ExportKind,
    out: W,
) -> Result<u64, ExportError> {
    let mut w = SheetWriter::new(out);
    let rows = match kind {
        ExportKind::Roster => roster(app, ws, &mut w).await?,
        ExportKind::Evidence => evidence(app, ws, &mut w).await?,
        ExportKind::Allocations => allocations(app, ws, &mut w).await?,
        ExportKind::Outcomes => outcomes(app, ws, &mut w).await?,
    };
    w.flush()?;
    Ok(rows)
}

async fn evidence<W: Write + Send>(
    app: &App,
    ws: &str,
    w: &mut SheetWriter<W>,
) -> Result<u64, ExportError> {
    w.row(EVIDENCE_COLUMNS.into_iter().map(Some))?;
    let rows = app.store.export_evidence(ws);
    pin_mut!(rows);
    let mut n = 0;
    while let Some(e) = rows.try_next().await? {
        let (met, value) = match e.observation {
            Observation::Met(m) => (Some(bool_cell(m)), None),
            Observation::Value(v) => (None, Some(num(v))),
        };
        let observed = e.observed.to_string();
        w.row([
            Some(e.partner.as_str()),
            Some(e.trait_name.as_str()),
            met,
            value.as_deref(),
            e.source.as_deref(),
            e.note.as_deref(),
            Some(observed.as_str()),
        ])?;
        n += 1;
    }
    Ok(n)
}

async fn allocations<W: Write + Send>(
    app: &App,
    ws: &str,
    w: &mut SheetWriter<W>,
) -> Result<u64, ExportError> {
    w.row(ALLOCATION_COLUMNS.into_iter().map(Some))?;
    let rows = app.store.export_allocations(ws);
    pin_mut!(rows);
    let mut n = 0;
    while let Some(a) = rows.try_next().await? {
        let hours = plain_hours(a.hours);
        let spend = (a.spend != Amount::ZERO).then(|| plain_amount(a.spend));
        w.row([
            Some(a.partner.as_str()),
            Some(a.week.as_str()),
            hours.as_deref(),
            spend.as_deref(),
            a.note.as_deref(),
        ])?;
        n += 1;
    }
    Ok(n)
}

async fn outcomes<W: Write + Send>(
    app: &App,
    ws: &str,
    w: &mut SheetWriter<W>,
) -> Result<u64, ExportError> {
    w.row(OUTCOME_COLUMNS.into_iter().map(Some))?;
    let rows = app.store.export_outcomes(ws);
    pin_mut!(rows);
    let mut n = 0;
    while let Some(o) = rows.try_next().await? {
        let amount = o.amount.map(plain_amount);
        let date = o.date.to_string();
        w.row([
            Some(o.partner.as_str()),
            Some(o.kind.as_str()),
            amount.as_deref(),
            Some(date.as_str()),
            o.reference.as_deref(),
        ])?;
        n += 1;
    }
    Ok(n)
}

/// A partner's screening, reduced to what the roster shows.
#[derive(Debug, Default)]
struct Screened {
    verdict: Option<Verdict>,
    /// Status by trait name key.
    statuses: HashMap<String, &'static str>,
}

fn screened<R: Record>(
    profile: Option<&Profile>,
    evidence: &[R],
    as_of: chrono::NaiveDate,
    rules: crate::domain::screening::ScreenRules,
) -> Screened {
    let Some(profile) = profile else {
        return Screened::default();
    };
    let s = screen(profile, evidence, as_of, rules);
    Screened {
        verdict: Some(s.verdict),
        statuses: s
            .checks
            .iter()
            .map(|c| (c.trait_.key(), c.status.as_str()))
            .collect(),
    }
}

/// The roster with each partner's verdict today and one status column per trait of the active profiles
/// (`trait:<name>`; a trait name shared by two profiles shares the column; empty when the partner's profile
/// does not have the trait).
async fn roster<W: Write + Send>(
    app: &App,
    ws: &str,
    w: &mut SheetWriter<W>,
) -> Result<u64, ExportError> {
    let settings = app.settings(ws).await?;
    let today = app.today(&settings);
    let rules = settings.screen_rules();
    let profiles = crate::app::screen::profiles_by_type(app, ws).await?;
    let mut columns: Vec<(String, String)> = Vec::new();
    for ty in PartnerType::ALL {
        for t in profiles.get(ty).map(|p| p.traits.as_slice()).unwrap_or(&[]) {
            if !columns.iter().any(|(k, _)| *k == t.key()) {
                columns.push((t.key(), t.name.clone()));
            }
        }
    }
    // Verdicts from the in-memory evidence (brought up to date first): one pass over memory instead of
    // reading every record of the workspace through the driver.
    let evidence = app.evidence.get(&app.store, ws).await?;
    let mut header: Vec<String> = PARTNER_COLUMNS
        .iter()
        .chain(&["verdict"])
        .map(|s| s.to_string())
        .collect();
    header.extend(
        columns
            .iter()
            .map(|(_, name)| format!("{TRAIT_COLUMN_PREFIX}{name}")),
    );
    w.row(header.iter().map(|h| Some(h.as_str())))?;
    // The roster is read in chunks in name order, so it is never in memory whole, and each row reaches the
    // sink (and its size limit, for an attachment) as soon as it is made.
    let mut n = 0;
    let mut after: Option<String> = None;
    loop {
        let (chunk, last) = app
            .store
            .partners_page(
                ws,
                &PartnerFilter::default(),
                after.as_deref(),
                0,
                EXPORT_CHUNK,
            )
            .await?;
        let full = chunk.len() as u64 == EXPORT_CHUNK;
        for p in &chunk {
            n += roster_row(w, p, &profiles, &evidence, &columns, today, rules)?;
        }
        after = last;
        if !full || after.is_none() {
            return Ok(n);
        }
    }
}

/// Partners read from the store at a time by the roster export.
const EXPORT_CHUNK: u64 = 500;

/// Write one partner's roster row; 1.
fn roster_row<W: Write + Send>(
    w: &mut SheetWriter<W>,
    p: &crate::store::Partner,
    profiles: &HashMap<PartnerType, Profile>,
    evidence: &crate::app::evidence_cache::WorkspaceEvidence,
    columns: &[(String, String)],
    today: chrono::NaiveDate,
    rules: crate::domain::screening::ScreenRules,
) -> Result<u64, ExportError> {
    let s = screened(
        profiles.get(&p.partner_type),
        evidence.partner(p.id),
        today,
        rules,
    );
    let signed = p.lifecycle.signed_on().map(|d| d.to_string());
    let dropped = p.lifecycle.dropped_on().map(|d| d.to_string());
    let mut cells: Vec<Option<&str>> = vec![
        Some(p.name.as_str()),
        Some(p.partner_type.as_str()),
        Some(p.lifecycle.stage().as_str()),
        signed.as_deref(),
        dropped.as_deref(),
        p.lifecycle.drop_reason(),
        p.champion.as_deref(),
        p.note.as_deref(),
        s.verdict.map(Verdict::as_str),
    ];
    cells.extend(columns.iter().map(|(k, _)| s.statuses.get(k).copied()));
    w.row(cells)?;
    Ok(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_plain_and_a_negative_one_has_its_sign_in_front() {
        assert_eq!(plain_amount(Amount::from_cents(123_456)), "1234.56");
        assert_eq!(plain_amount(Amount::from_cents(120_000)), "1200");
        assert_eq!(plain_amount(Amount::from_cents(5)), "0.05");
        // Only from a database (nothing accepts a negative amount): sign, then the amount as if positive.
        assert_eq!(plain_amount(Amount::from_cents(-150)), "-1.50");
        assert_eq!(plain_amount(Amount::from_cents(-50)), "-0.50");
        assert_eq!(plain_amount(Amount::from_cents(-300)), "-3");
    }
}
