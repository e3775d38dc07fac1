//! `/evidence add|list|retract`: observations of traits, append-only.

use super::args::{input, opt_text, text, RecordId};
use super::card::{user, Card, Render, Tone};
use super::partners::not_future;
use super::partners::PartnerIn;
use super::screen::{screen_partner, verdict_label};
use super::spec::EVIDENCE_ADD;
use super::{lookup, require, App, AppError, AppResult, Ctx, Invocation, Reply, Settings};
use crate::domain::evidence::Observation;
use crate::domain::profile::{num, Trait, TraitKind};
use crate::domain::screening::{screen as screen_rules, TraitStatus};
use crate::domain::text::{NOTE, REASON, SOURCE};
use crate::domain::{name_key, Role, Verdict};
use crate::store::{NewEvidence, RecordTable, RetractOutcome};
use chrono::NaiveDate;
use serde::Serialize;

mod form;
pub use form::{form, form_fields, may_record, submit_form, EvidenceTarget};

/// `/evidence add`
#[derive(Debug, Clone, Serialize)]
pub struct EvidenceAdded {
    pub id: i64,
    pub partner: String,
    #[serde(rename = "trait")]
    pub trait_name: String,
    /// What this record says for the trait.
    pub status: TraitStatus,
    pub value: Option<f64>,
    pub met: Option<bool>,
    pub observed: NaiveDate,
    /// The partner's verdict now.
    pub verdict: Option<Verdict>,
    /// The trait's rule (`yes/no`, `>= 25 accounts`), for the card.
    #[serde(skip)]
    pub rule: String,
    /// The trait's status before and after this record, as of today (an older observation than the one that
    /// counts changes nothing).
    #[serde(skip)]
    pub trait_change: (TraitStatus, TraitStatus),
    /// The partner's verdict before this record.
    #[serde(skip)]
    pub verdict_before: Option<Verdict>,
}

impl Render for EvidenceAdded {
    fn card(&self) -> Card {
        // What the record says: `met`, or `value 31 (>= 25 accounts): met`.
        let says = match self.value {
            Some(v) => format!("value {} ({}): {}", num(v), self.rule, self.status.as_str()),
            None => self.status.as_str().to_string(),
        };
        let (was, now) = self.trait_change;
        let trait_line = if was == now && now == self.status {
            format!(
                "{} was already {}: no change.",
                user(&self.trait_name),
                now.as_str()
            )
        } else if was == now {
            format!(
                "{} stays {}: a record observed later still counts.",
                user(&self.trait_name),
                now.as_str()
            )
        } else {
            format!(
                "{}: {} → {}.",
                user(&self.trait_name),
                was.as_str(),
                now.as_str()
            )
        };
        let verdict_line = if self.verdict_before == self.verdict {
            format!(
                "{} is still {}.",
                user(&self.partner),
                verdict_label(self.verdict)
            )
        } else {
            format!(
                "{}: {} → {}.",
                user(&self.partner),
                verdict_label(self.verdict_before),
                verdict_label(self.verdict)
            )
        };
        let tone = if self.status == TraitStatus::Met {
            Tone::Good
        } else {
            Tone::Warn
        };
        Card::new(
            format!(
                "Evidence #{} recorded: {} — {}",
                self.id,
                user(&self.partner),
                user(&self.trait_name)
            ),
            tone,
        )
        .description(format!(
            "Recorded: {says} (observed {})
{trait_line}
{verdict_line}",
            self.observed
        ))
        .footer(format!(
            "Wrong? /evidence retract id:{} reason:\"…\"",
            self.id
        ))
    }
}

/// A recorded value must not be negative (traits count observable things).
pub fn check_value(value: Option<f64>) -> AppResult<()> {
    if value.is_some_and(|v| v < 0.0) {
        return Err(AppError::user(
            "a value cannot be negative: record what you counted, e.g. value:25",
        ));
    }
    Ok(())
}

/// The observation `met`/`value` make for trait `t`: a yes/no trait takes `met` only, a threshold trait a
/// non-negative `value` only. Shared by `/evidence add` and the CSV import.
pub fn observation_for(t: &Trait, met: Option<bool>, value: Option<f64>) -> AppResult<Observation> {
    check_value(value)?;
    match (t.kind.is_threshold(), met, value) {
        (false, Some(m), None) => Ok(Observation::Met(m)),
        (true, None, Some(v)) => Ok(Observation::Value(v)),
        (false, _, Some(_)) => Err(AppError::user(format!(
            "`{}` is a yes/no trait: give met:true or met:false, not a value",
            t.name
        ))),
        (false, None, None) => Err(AppError::user(format!(
            "`{}` is a yes/no trait: give met:true or met:false",
            t.name
        ))),
        (true, Some(_), _) => Err(AppError::user(format!(
            "`{}` is a threshold trait ({}): give value:<number>, not met",
            t.name,
            t.kind.describe()
        ))),
        (true, None, None) => Err(AppError::user(format!(
            "`{}` is a threshold trait ({}): give value:<number>",
            t.name,
            t.kind.describe()
        ))),
    }
}

/// What a record says of its trait, as `/evidence add` and the evidence form take it.
struct Said {
    met: Option<bool>,
    value: Option<f64>,
    source: Option<String>,
    note: Option<String>,
    observed: Option<NaiveDate>,
}

impl From<AddIn> for Said {
    fn from(i: AddIn) -> Said {
        Said {
            met: i.met,
            value: i.value,
            source: i.source,
            note: i.note,
            observed: i.observed,
        }
    }
}

/// Record evidence for a partner and a trait named as `/evidence add` names them.
#[allow(clippy::too_many_arguments)]
pub async fn record(
    app: &App,
    ctx: &Ctx,
    partner_name: &str,
    trait_name: &str,
    met: Option<bool>,
    value: Option<f64>,
    source: Option<String>,
    note: Option<String>,
    observed: Option<NaiveDate>,
) -> AppResult<EvidenceAdded> {
    check_value(value)?;
    let ws = &ctx.workspace;
    // The settings, the partner and its profile in one read (the facts' date does not matter here).
    let Some(facts) = app
        .store
        .screen_facts(ws, &name_key(partner_name), app.today_guess(ws))
        .await?
    else {
        return Err(lookup::unknown_partner(app, ws, partner_name).await);
    };
    let Some(profile) = &facts.profile else {
        return Err(lookup::no_active_profile(facts.partner.partner_type));
    };
    let trait_id = lookup::trait_of(profile, trait_name)?.id;
    let said = Said {
        met,
        value,
        source,
        note,
        observed,
    };
    record_facts(app, ctx, facts, trait_id, said).await
}

/// What an evidence form sent for a trait that is no longer one of its partner's active profile (a revision
/// removed it, or the partner's type changed) is told: nothing was recorded.
pub const TRAIT_CHANGED: &str = "That trait changed since the form opened: press Record again.";

/// Record what `said` says of trait `trait_id` of the partner of `facts` (read with its active profile, which
/// holds the trait), and say what it changed.
async fn record_facts(
    app: &App,
    ctx: &Ctx,
    facts: crate::store::ScreenFacts,
    trait_id: i64,
    said: Said,
) -> AppResult<EvidenceAdded> {
    let Said {
        met,
        value,
        source,
        note,
        observed,
    } = said;
    let ws = &ctx.workspace;
    let partner = facts.partner;
    let Some(profile) = &facts.profile else {
        return Err(AppError::user(TRAIT_CHANGED));
    };
    let Some(t) = profile.traits.iter().find(|t| t.id == trait_id) else {
        return Err(AppError::user(TRAIT_CHANGED));
    };
    let observation = observation_for(t, met, value)?;
    let settings = Settings::from_row(facts.settings);
    app.remember_timezone(ws, &settings);
    let today = app.today(&settings);
    let observed = observed.unwrap_or(today);
    not_future(observed, today, "the observation date")?;
    // Before: the same facts screened as of today, so the reply can say what this record changed.
    let before = screen_rules(profile, &facts.evidence, today, settings.screen_rules());
    let was = before
        .checks
        .iter()
        .find(|c| c.trait_.id == t.id)
        .map_or(TraitStatus::Unknown, |c| c.status);
    let e = NewEvidence {
        partner_id: partner.id,
        trait_id: t.id,
        observation,
        source,
        note,
        observed,
    };
    let id = app
        .store
        .add_evidence(&ctx.workspace, &e, &ctx.author(), app.now())
        .await?;
    let status = match observation {
        Observation::Met(true) => TraitStatus::Met,
        Observation::Met(false) => TraitStatus::Missed,
        Observation::Value(v) if t.kind.value_meets(v) => TraitStatus::Met,
        Observation::Value(_) => TraitStatus::Missed,
    };
    let screen = screen_partner(app, ctx, &settings, &partner, today).await?;
    let now = screen
        .traits
        .iter()
        .zip(&screen.trait_ids)
        .find(|(_, id)| **id == t.id)
        .map_or(status, |(line, _)| line.status);
    Ok(EvidenceAdded {
        id,
        partner: partner.name,
        trait_name: t.name.clone(),
        status,
        value,
        met,
        observed,
        verdict: screen.verdict,
        rule: t.kind.describe(),
        trait_change: (was, now),
        verdict_before: Some(before.verdict),
    })
}

input! {
    /// What `/evidence add` reads.
    pub struct AddIn {
        partner: String,
        trait_name as "trait": String,
        met: Option<bool>,
        value: Option<f64>,
        source: Option<String> = opt_text(SOURCE),
        note: Option<String> = opt_text(NOTE),
        observed: Option<NaiveDate>,
    }
}

/// `/evidence add`: records what was observed of one trait of a partner (met or not for a yes/no trait, the
/// value for a threshold trait) and says what it changed; refuses the wrong kind of answer for the trait, a
/// negative value, a future observation date, and a partner, active profile or trait that does not exist.
#[tracing::instrument(skip_all)]
pub async fn add(app: &App, ctx: &Ctx, input: AddIn) -> AppResult<Reply> {
    let added = record(
        app,
        ctx,
        &input.partner,
        &input.trait_name,
        input.met,
        input.value,
        input.source,
        input.note,
        input.observed,
    )
    .await?;
    Ok(Reply::from_typed(added))
}

/// One evidence record in a list.
#[derive(Debug, Clone, Serialize)]
pub struct EvidenceLine {
    pub id: i64,
    #[serde(rename = "trait")]
    pub trait_name: String,
    pub met: Option<bool>,
    pub value: Option<f64>,
    pub source: Option<String>,
    pub note: Option<String>,
    pub observed: NaiveDate,
    pub recorded_by: String,
    #[serde(serialize_with = "crate::domain::stamp::serialize")]
    pub recorded_at: chrono::DateTime<chrono::Utc>,
    pub retracted: bool,
    /// A value read against its trait's rule, `>= 25 accounts: met` (None for yes/no records, and for a trait
    /// its partner's active profile no longer has). Card text only, not in the JSON.
    #[serde(skip)]
    pub reading: Option<String>,
    /// Why it was retracted (card text only, not in the JSON).
    #[serde(skip)]
    pub retract_reason: Option<String>,
}

/// `/evidence list`
#[derive(Debug, Clone, Serialize)]
pub struct EvidenceList {
    pub partner: String,
    pub records: Vec<EvidenceLine>,
}

impl Render for EvidenceList {
    fn card(&self) -> Card {
        let mut card = Card::new(
            format!(
                "Evidence for {} ({})",
                user(&self.partner),
                crate::domain::plural(self.records.len() as u64, "record", "records")
            ),
            Tone::Info,
        );
        if self.records.is_empty() {
            card = card.description("No evidence yet. Record it with /evidence add.");
        }
        for r in &self.records {
            let what = match (r.value, r.met) {
                (Some(v), _) => match &r.reading {
                    Some(reading) => format!("{} ({reading})", num(v)),
                    None => num(v),
                },
                (None, Some(true)) => "met".into(),
                (None, Some(false)) => "missed".into(),
                _ => "?".into(),
            };
            let src = r
                .source
                .as_deref()
                .map(|s| format!(" · {}", user(s)))
                .unwrap_or_default();
            let line = format!(
                "#{} {} — {what}{src} · observed {} by {}",
                r.id,
                user(&r.trait_name),
                r.observed,
                r.recorded_by
            );
            card = card.line(match (&r.retracted, &r.retract_reason) {
                (false, _) => line,
                (true, Some(why)) if !why.is_empty() => {
                    format!("~~{line}~~ (retracted: {})", user(why))
                }
                (true, _) => format!("~~{line}~~ (retracted)"),
            });
        }
        card
    }
}

/// `/evidence list`: every evidence record of a partner, latest observed first, retracted ones struck through;
/// refuses a partner that is not on the roster.
#[tracing::instrument(skip_all)]
pub async fn list(app: &App, ctx: &Ctx, input: PartnerIn) -> AppResult<Reply> {
    let partner = lookup::partner(app, &ctx.workspace, &input.partner).await?;
    list_of(app, ctx, partner).await
}

/// The evidence of one partner of the caller's workspace, newest first.
pub async fn list_of(app: &App, ctx: &Ctx, partner: crate::store::Partner) -> AppResult<Reply> {
    let ws = &ctx.workspace;
    let names = app.store.trait_names_by_id(ws).await?;
    // The rules a value is read against: of the traits its partner's active profile has.
    let profile = app.store.active_profile(ws, partner.partner_type).await?;
    let kinds: std::collections::HashMap<i64, &TraitKind> = profile
        .iter()
        .flat_map(|p| p.traits.iter().map(|t| (t.id, &t.kind)))
        .collect();
    let mut records: Vec<EvidenceLine> = app
        .store
        .partner_evidence(ws, partner.id)
        .await?
        .into_iter()
        .map(|e| EvidenceLine {
            reading: match (e.observation, kinds.get(&e.trait_id)) {
                (Observation::Value(v), Some(k)) if k.is_threshold() => Some(format!(
                    "{}: {}",
                    k.describe(),
                    if k.value_meets(v) { "met" } else { "missed" }
                )),
                _ => None,
            },
            retract_reason: None,
            id: e.id,
            trait_name: names
                .get(&e.trait_id)
                .cloned()
                .unwrap_or_else(|| format!("trait #{}", e.trait_id)),
            met: match e.observation {
                Observation::Met(m) => Some(m),
                Observation::Value(_) => None,
            },
            value: match e.observation {
                Observation::Value(v) => Some(v),
                Observation::Met(_) => None,
            },
            source: e.source,
            note: e.note,
            observed: e.observed,
            recorded_by: e.recorded_by,
            recorded_at: e.recorded_at,
            retracted: e.retracted,
        })
        .collect();
    records.reverse();
    // Why each retracted record was retracted (a read each: retractions are few).
    for r in records.iter_mut().filter(|r| r.retracted) {
        r.retract_reason = app
            .store
            .retraction(RecordTable::Evidence, ws, r.id)
            .await?
            .map(|x| x.reason);
    }
    let mut reply = Reply::from_typed(EvidenceList {
        partner: partner.name,
        records,
    });
    reply.card.list = Some(super::lists::ListId::Evidence {
        partner: partner.id,
    });
    Ok(reply)
}

/// A retraction of evidence, an allocation or an outcome.
#[derive(Debug, Clone, Serialize)]
pub struct Retracted {
    pub id: i64,
    pub kind: &'static str,
    pub reason: String,
}

impl Render for Retracted {
    fn card(&self) -> Card {
        Card::new(format!("Retracted {} #{}", self.kind, self.id), Tone::Info).description(format!(
            "Reason: {}\nThe record stays readable but no longer counts.",
            user(&self.reason)
        ))
    }
}

/// A record of `t` as replies name it (also the `kind` of a retraction's JSON), the same with its article, and
/// where its id is shown.
fn table_label(t: RecordTable) -> (&'static str, &'static str, &'static str) {
    match t {
        RecordTable::Evidence => (
            "evidence",
            "an evidence record",
            "An evidence record's id is in the reply to /evidence add (`Evidence #…`) and in /evidence list.",
        ),
        RecordTable::Allocations => (
            "log entry",
            "a log entry",
            "A log entry's id is in the reply to /log hours or /log spend (`entry #…`).",
        ),
        RecordTable::Outcomes => (
            "outcome",
            "an outcome",
            "An outcome's id is in the reply to /outcome add (`outcome #…`).",
        ),
    }
}

input! {
    /// What the retractions read (`/evidence retract`, `/log retract`, `/outcome retract`).
    pub struct RetractIn {
        id: RecordId,
        reason: String = text(REASON),
    }
}

/// Retract a record: members their own, leads any; twice, or another workspace's, is refused.
pub async fn retract_record(
    app: &App,
    ctx: &Ctx,
    input: RetractIn,
    table: RecordTable,
) -> AppResult<Reply> {
    let (RecordId(id), reason) = (input.id, input.reason);
    let (label, a_label, where_) = table_label(table);
    let owner = app
        .store
        .record_owner(table, &ctx.workspace, id)
        .await?
        .ok_or_else(|| {
            AppError::user(format!(
                "There is no {label} #{id} in this workspace. {where_}"
            ))
        })?;
    if owner != ctx.author() {
        require(
            ctx,
            Role::Lead,
            &format!("retract {a_label} someone else recorded"),
        )?;
    }
    match app
        .store
        .retract(table, &ctx.workspace, id, &ctx.author(), &reason, app.now())
        .await?
    {
        RetractOutcome::Retracted => Ok(Reply::from_typed(Retracted {
            id,
            kind: label,
            reason,
        })),
        RetractOutcome::NotFound => Err(AppError::user(format!(
            "There is no {label} #{id} in this workspace."
        ))),
        RetractOutcome::AlreadyRetracted(r) => {
            // The day in the workspace's time zone, as every date a reply shows (a read on this path only).
            let tz = app.settings(&ctx.workspace).await?.timezone;
            Err(AppError::user(format!(
                "{} #{id} was already retracted by {} on {} ({}). Nothing changed.",
                capitalized(label),
                r.retracted_by,
                r.retracted_at.with_timezone(&tz).date_naive(),
                r.reason
            )))
        }
    }
}

/// `/evidence retract`: retracts an evidence record (it stays readable but no longer counts); refuses a record
/// someone else recorded unless the caller is a lead, an id not in the workspace, and a record already
/// retracted.
pub async fn retract(app: &App, ctx: &Ctx, input: RetractIn) -> AppResult<Reply> {
    retract_record(app, ctx, input, RecordTable::Evidence).await
}

fn capitalized(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}
