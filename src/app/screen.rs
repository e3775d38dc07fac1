//! `/screen` and free-text questions ("does Acme fit?"): the checklist of a partner against its profile,
//! and for a name not on the roster, the traits to check.

use super::args::input;
use super::card::{push_user, user, Action, Card, Render, Target, Tone};
use super::spec::SCREEN;
use super::{lookup, App, AppError, AppResult, Ctx, Reply, Settings};
use crate::domain::evidence::{CompactEvidence, Observation};
use crate::domain::profile::{num, Profile};
use crate::domain::screening::{
    screen as screen_rules, verdicts_at, ScreenRules, Screening, TraitStatus,
};
use crate::domain::{clip, snippet, PartnerName, PartnerType, Verdict};
use crate::store::{Partner, ScreenFacts};
use chrono::NaiveDate;
use serde::Serialize;
use std::collections::HashMap;

mod card;
#[cfg(test)]
use card::status_icon;
pub use card::{verdict_label, verdict_tone};

/// One line of the checklist.
#[derive(Debug, Clone, Serialize)]
pub struct TraitLine {
    pub name: String,
    pub status: TraitStatus,
    /// The recorded number (threshold traits).
    pub value: Option<f64>,
    /// The recorded yes/no (yes/no traits).
    pub met: Option<bool>,
    pub source: Option<String>,
    pub note: Option<String>,
    pub observed: Option<NaiveDate>,
    pub recorded_by: Option<String>,
    pub evidence_id: Option<i64>,
    /// The rule: `yes/no`, `>= 25 accounts`.
    pub rule: String,
    pub verify_by: Option<String>,
}

/// A partner on the roster, screened.
#[derive(Debug, Clone, Serialize)]
pub struct ScreenReply {
    pub partner: String,
    pub partner_id: i64,
    pub on_roster: bool,
    #[serde(rename = "type")]
    pub partner_type: PartnerType,
    pub stage: crate::domain::Stage,
    /// The profile screened against; None when its type has no active profile.
    pub profile: Option<String>,
    pub revision: Option<i64>,
    pub as_of: NaiveDate,
    /// None when its type has no active profile, or the profile has no traits (unscreened).
    pub verdict: Option<Verdict>,
    pub met: usize,
    pub missed: usize,
    pub unknown: usize,
    pub traits: Vec<TraitLine>,
    pub verify_next: Vec<String>,
    /// A remark, e.g. which roster name a question matched: card text, with the names in it marked as user
    /// text ([`user`]); the JSON holds it without the marks.
    #[serde(serialize_with = "plain_note")]
    pub note: Option<String>,
    #[serde(skip)]
    pub trait_ids: Vec<i64>,
    /// The rules it was screened by, which the card's words name (max_misses, evidence_max_age_days).
    #[serde(skip)]
    pub rules: ScreenRules,
}

/// A trait to check for a name that is not on the roster.
#[derive(Debug, Clone, Serialize)]
pub struct TraitToCheck {
    #[serde(rename = "type")]
    pub partner_type: PartnerType,
    pub name: String,
    pub rule: String,
    pub verify_by: Option<String>,
}

/// A name not on the roster: the traits to check.
#[derive(Debug, Clone, Serialize)]
pub struct NotOnRoster {
    pub partner: String,
    pub on_roster: bool,
    #[serde(rename = "type")]
    pub partner_type: Option<PartnerType>,
    pub verdict: Option<Verdict>,
    pub traits: Vec<TraitToCheck>,
    pub suggestions: Vec<String>,
}

/// One partner a name could mean.
#[derive(Debug, Clone, Serialize)]
pub struct ChoiceLine {
    pub partner: String,
    pub partner_id: i64,
    #[serde(rename = "type")]
    pub partner_type: PartnerType,
    pub stage: crate::domain::Stage,
}

/// A name that could mean several partners: nobody is screened, the reply asks which one (as buttons in a
/// chat, as the command to type in the console).
#[derive(Debug, Clone, Serialize)]
pub struct Choice {
    /// The name as asked.
    pub partner: String,
    /// Always true: tells this reply from a screen and from a name not on the roster.
    pub ambiguous: bool,
    /// Always null: nobody was screened.
    pub verdict: Option<Verdict>,
    /// How many partners the name could mean.
    pub count: usize,
    /// The first [`lookup::MAX_CANDIDATES`] of them, in name order.
    pub candidates: Vec<ChoiceLine>,
}

/// A note of card text as the JSON holds it: without the marks around user text.
fn plain_note<S: serde::Serializer>(note: &Option<String>, s: S) -> Result<S::Ok, S::Error> {
    match note {
        Some(n) => s.serialize_some(&super::card::plain(n)),
        None => s.serialize_none(),
    }
}

fn trait_line(s: &crate::domain::screening::TraitCheck) -> TraitLine {
    let e = s.evidence.as_ref();
    TraitLine {
        name: s.trait_.name.clone(),
        status: s.status,
        value: e.and_then(|e| match e.observation {
            Observation::Value(v) => Some(v),
            Observation::Met(_) => None,
        }),
        met: e.and_then(|e| match e.observation {
            Observation::Met(m) => Some(m),
            Observation::Value(_) => None,
        }),
        source: e.and_then(|e| e.source.clone()),
        note: e.and_then(|e| e.note.clone()),
        observed: e.map(|e| e.observed),
        recorded_by: e.map(|e| e.recorded_by.clone()),
        evidence_id: e.map(|e| e.id),
        rule: s.trait_.kind.describe(),
        verify_by: s.trait_.verify_by.clone(),
    }
}

/// Build the screen reply of a partner from its screening (None: no profile for its type).
pub fn screen_reply(
    p: &Partner,
    profile: Option<&Profile>,
    s: Option<&Screening>,
    as_of: NaiveDate,
    rules: ScreenRules,
) -> ScreenReply {
    ScreenReply {
        partner: p.name.clone(),
        partner_id: p.id,
        on_roster: true,
        partner_type: p.partner_type,
        stage: p.lifecycle.stage(),
        profile: profile.map(|p| p.name.clone()),
        revision: profile.map(|p| p.revision),
        as_of,
        verdict: s.map(|s| s.verdict),
        met: s.map_or(0, |s| s.met),
        missed: s.map_or(0, |s| s.missed),
        unknown: s.map_or(0, |s| s.unknown),
        traits: s
            .map(|s| s.checks.iter().map(trait_line).collect())
            .unwrap_or_default(),
        verify_next: s.map(|s| s.verify_next.clone()).unwrap_or_default(),
        note: None,
        trait_ids: s
            .map(|s| s.checks.iter().map(|c| c.trait_.id).collect())
            .unwrap_or_default(),
        rules,
    }
}

/// Screen one partner as of a date (re-read by its id, with its profile and counting evidence, in one
/// statement: never by its name, which a legacy row's kept key may share with another partner's).
pub async fn screen_partner(
    app: &App,
    ctx: &Ctx,
    settings: &Settings,
    p: &Partner,
    as_of: NaiveDate,
) -> AppResult<ScreenReply> {
    match app
        .store
        .screen_facts_by_id(&ctx.workspace, p.id, as_of)
        .await?
    {
        Some(facts) => Ok(screen_facts_reply(settings, &facts, as_of)),
        // Gone since it was read: screen what we have, without evidence.
        None => Ok(screen_reply(p, None, None, as_of, settings.screen_rules())),
    }
}

/// The screen reply of stored facts.
fn screen_facts_reply(settings: &Settings, f: &ScreenFacts, as_of: NaiveDate) -> ScreenReply {
    let screening = f
        .profile
        .as_ref()
        .filter(|prof| prof.can_screen())
        .map(|prof| screen_rules(prof, &f.evidence, as_of, settings.screen_rules()));
    let rules = settings.screen_rules();
    screen_reply(
        &f.partner,
        f.profile.as_ref(),
        screening.as_ref(),
        as_of,
        rules,
    )
}

/// The workspace's active profiles that can screen (with at least one trait), by partner type: a partner whose
/// type is missing here is unscreened.
pub async fn profiles_by_type(app: &App, ws: &str) -> AppResult<HashMap<PartnerType, Profile>> {
    Ok(app
        .store
        .active_profiles(ws)
        .await?
        .into_iter()
        .filter(Profile::can_screen)
        .map(|p| (p.partner_type, p))
        .collect())
}

/// Screen many partners at once as of a date, from the in-memory evidence (brought up to date first), or for a
/// few partners of a workspace without a warm copy from their records alone ([`crate::app::evidence_cache::EvidenceCache::for_partners`]).
/// The value is None for a partner whose type has no active profile.
pub async fn screen_many(
    app: &App,
    ws: &str,
    settings: &Settings,
    partners: &[Partner],
    as_of: NaiveDate,
) -> AppResult<HashMap<i64, Option<Screening<CompactEvidence>>>> {
    let profiles = profiles_by_type(app, ws).await?;
    let ids: Vec<i64> = partners.iter().map(|p| p.id).collect();
    let evidence = app.evidence.for_partners(&app.store, ws, &ids).await?;
    Ok(partners
        .iter()
        .map(|p| {
            let s = profiles.get(&p.partner_type).map(|prof| {
                screen_rules(prof, evidence.partner(p.id), as_of, settings.screen_rules())
            });
            (p.id, s)
        })
        .collect())
}

/// The verdicts of many partners at each of `dates` (None: no active profile for its type), from the
/// in-memory evidence (or, for a few partners, as [`screen_many`] reads them).
pub async fn verdicts_at_many<'a>(
    app: &App,
    ws: &str,
    settings: &Settings,
    partners: impl IntoIterator<Item = &'a Partner>,
    dates: &[NaiveDate],
) -> AppResult<HashMap<i64, Option<Vec<Verdict>>>> {
    let profiles = profiles_by_type(app, ws).await?;
    let partners: Vec<&Partner> = partners.into_iter().collect();
    let ids: Vec<i64> = partners.iter().map(|p| p.id).collect();
    let evidence = app.evidence.for_partners(&app.store, ws, &ids).await?;
    let rules = settings.screen_rules();
    Ok(partners
        .into_iter()
        .map(|p| {
            let v = profiles
                .get(&p.partner_type)
                .map(|prof| verdicts_at(prof, evidence.partner(p.id), dates, rules));
            (p.id, v)
        })
        .collect())
}

/// The traits to check for a name not on the roster: of one type's profile, or of every active profile.
async fn not_on_roster(
    app: &App,
    ctx: &Ctx,
    name: &str,
    ty: Option<PartnerType>,
    hints: Vec<String>,
) -> AppResult<NotOnRoster> {
    let profiles: Vec<Profile> = match ty {
        Some(t) => app
            .store
            .active_profile(&ctx.workspace, t)
            .await?
            .into_iter()
            .collect(),
        None => app.store.active_profiles(&ctx.workspace).await?,
    };
    Ok(not_on_roster_of(&profiles, name, ty, hints))
}

/// [`not_on_roster`] from the active profiles already read (every one, by type): those of type `ty`, or all.
fn not_on_roster_of(
    profiles: &[Profile],
    name: &str,
    ty: Option<PartnerType>,
    hints: Vec<String>,
) -> NotOnRoster {
    let traits = profiles
        .iter()
        .filter(|p| ty.is_none_or(|t| p.partner_type == t))
        .flat_map(|p| {
            p.traits.iter().map(|t| TraitToCheck {
                partner_type: p.partner_type,
                name: t.name.clone(),
                rule: t.kind.describe(),
                verify_by: t.verify_by.clone(),
            })
        })
        .collect();
    NotOnRoster {
        partner: name.to_string(),
        on_roster: false,
        partner_type: ty,
        verdict: None,
        traits,
        suggestions: hints,
    }
}

/// The traits to check before adding a partner, for a page of the checklist of a name not on the roster (the
/// page's list carries the type, never the name).
pub async fn checklist(app: &App, ctx: &Ctx, ty: Option<PartnerType>) -> AppResult<Reply> {
    let mut list = not_on_roster(app, ctx, "", ty, Vec::new()).await?;
    list.suggestions.clear();
    Ok(Reply::from_typed(list))
}

/// The workspace's settings as a read returned them (its time zone remembered for the next guess of "today"),
/// and the day to screen as of: `asked`, which may not be after today there, or today.
fn settings_and_day(
    app: &App,
    ws: &str,
    row: &crate::store::SettingsRow,
    asked: Option<NaiveDate>,
) -> AppResult<(Settings, NaiveDate)> {
    let settings = Settings::from_row(row.clone());
    app.remember_timezone(ws, &settings);
    let today = app.today(&settings);
    let as_of = asked.unwrap_or(today);
    check_as_of(as_of, today)?;
    Ok((settings, as_of))
}

fn check_as_of(as_of: NaiveDate, today: NaiveDate) -> AppResult<()> {
    if as_of > today {
        return Err(AppError::user(format!(
            "as_of {as_of} is in the future: screen as of today ({today}) or a past date"
        )));
    }
    Ok(())
}

input! {
    /// What `/screen` reads.
    pub struct ScreenIn {
        partner: PartnerName,
        as_of: Option<NaiveDate>,
    }
}

/// `/screen`: the verdict of a partner (or of what a typed name means: a former name, a near miss, a choice
/// between several) against its type's profile, as of today or `as_of`, and the traits to check for a name not
/// on the roster; refuses an `as_of` in the future.
// A debug span: `/screen` is the most frequent command, and the dispatch's span already names it in any line
// logged inside.
#[tracing::instrument(level = "debug", skip_all)]
pub async fn screen_command(app: &App, ctx: &Ctx, input: ScreenIn) -> AppResult<Reply> {
    screen_asked(app, ctx, &input.partner, None, input.as_of).await
}

/// The screen of a typed name (as of `asked`, or today), against type `ty`'s profile when the name is not on
/// the roster (every active profile when None). The name of a partner is one statement; any other name two
/// ([`screen_other_name`]).
async fn screen_asked(
    app: &App,
    ctx: &Ctx,
    name: &PartnerName,
    ty: Option<PartnerType>,
    asked: Option<NaiveDate>,
) -> AppResult<Reply> {
    let ws = &ctx.workspace;
    // One statement reads the settings and the facts as of the day we expect "today" to be there.
    let guess = asked.unwrap_or_else(|| app.today_guess(ws));
    let Some(mut facts) = app.store.screen_facts(ws, &name.key(), guess).await? else {
        return screen_other_name(app, ctx, name, ty, asked).await;
    };
    let (settings, as_of) = settings_and_day(app, ws, &facts.settings, asked)?;
    if as_of != guess {
        // The time zone changed since we last looked (or the day just turned there): read again.
        match app.store.screen_facts(ws, &name.key(), as_of).await? {
            Some(f) => facts = f,
            None => return screen_other_name(app, ctx, name, ty, asked).await,
        }
    }
    let mut r = screen_facts_reply(&settings, &facts, as_of);
    other_type_note(&mut r, ty);
    Ok(Reply::from_typed(r))
}

/// The screen of a name that the screen read found no partner with: what it means by the one rule of names
/// ([`screen_named`]), answered from one read of everything that takes ([`crate::store::NameFacts`]: the
/// settings, a former name, the names' version, the active profiles).
async fn screen_other_name(
    app: &App,
    ctx: &Ctx,
    name: &PartnerName,
    ty: Option<PartnerType>,
    asked: Option<NaiveDate>,
) -> AppResult<Reply> {
    let ws = &ctx.workspace;
    let mut facts = app
        .store
        .name_facts(ws, &name.key(), app.names.version(ws))
        .await?;
    let (settings, as_of) = settings_and_day(app, ws, &facts.settings, asked)?;
    let named = lookup::resolve_from(app, ws, name.as_str(), &mut facts).await?;
    screen_named(
        app,
        ctx,
        &settings,
        name.as_str(),
        ty,
        as_of,
        named,
        &facts.profiles,
    )
    .await
}

/// The screen of what a typed name means by the one rule ([`lookup::resolve`]): the partner with that name;
/// the partner it was renamed to or the only partner close to it, each screened with a note saying so;
/// the choice between the several partners it could mean (nobody screened); or, for a name that is none of
/// these, the traits to check (of type `ty`'s profile, or of every active profile: `profiles` holds every
/// active one).
#[allow(clippy::too_many_arguments)]
async fn screen_named(
    app: &App,
    ctx: &Ctx,
    settings: &Settings,
    name: &str,
    ty: Option<PartnerType>,
    as_of: NaiveDate,
    named: lookup::Named,
    profiles: &[Profile],
) -> AppResult<Reply> {
    let ws = &ctx.workspace;
    let (p, note) = match named {
        lookup::Named::Exact(p) => (p, None),
        lookup::Named::Renamed(former, p) => {
            let note = lookup::renamed_note(&former, &p);
            (p, Some(note))
        }
        lookup::Named::OnlyClose(p) => {
            let note = format!(
                "(taking `{}` to mean {})",
                user(&snippet(name)),
                user(&p.name)
            );
            (p, Some(note))
        }
        lookup::Named::Several(candidates) => {
            let mut lines = Vec::new();
            for c in candidates.iter().take(lookup::MAX_CANDIDATES) {
                if let Some(p) = app.store.partner_by_id(ws, c.id).await? {
                    lines.push(ChoiceLine {
                        partner: p.name,
                        partner_id: p.id,
                        partner_type: p.partner_type,
                        stage: p.lifecycle.stage(),
                    });
                }
            }
            return Ok(Reply::from_typed(Choice {
                partner: name.to_string(),
                ambiguous: true,
                verdict: None,
                count: candidates.len(),
                candidates: lines,
            }));
        }
        lookup::Named::Unknown { hints } => {
            return Ok(Reply::from_typed(not_on_roster_of(
                profiles, name, ty, hints,
            )))
        }
    };
    let mut r = screen_partner(app, ctx, settings, &p, as_of).await?;
    r.note = note;
    other_type_note(&mut r, ty);
    Ok(Reply::from_typed(r))
}

/// When a question asked about type `ty` and the partner is of another type, the note says which profile it
/// was screened against.
fn other_type_note(r: &mut ScreenReply, ty: Option<PartnerType>) {
    if let Some(t) = ty.filter(|t| *t != r.partner_type) {
        let (kind, label) = (r.partner_type, r.partner_type.label());
        // The type's label, with its name when that says more: "a systems integrator (si)", "a reseller".
        let named = if label == kind.as_str() {
            String::new()
        } else {
            format!(" ({kind})")
        };
        let extra = format!(
            "{} is on the roster as {} {label}{named}, so it is screened against the {kind} profile, not the {t} profile.",
            user(&r.partner),
            card::article(label)
        );
        r.note = Some(match r.note.take() {
            Some(n) => format!("{n} {extra}"),
            None => extra,
        });
    }
}

/// The screen of one partner by id, as of today: what a "Screen …" button of a [`Choice`] shows. The id is
/// looked up inside the caller's workspace only. Noted, and our error logged, like `/screen`.
pub async fn screen_by_id(app: &App, ctx: &Ctx, partner_id: i64) -> AppResult<Reply> {
    let reply = async {
        super::require(ctx, SCREEN.min_role, "screen partners")?;
        let Some(p) = app.store.partner_by_id(&ctx.workspace, partner_id).await? else {
            return Err(AppError::user(
                "That partner is not on the roster any more: run /screen again.",
            ));
        };
        let settings = app.settings(&ctx.workspace).await?;
        let today = app.today(&settings);
        Ok(Reply::from_typed(
            screen_partner(app, ctx, &settings, &p, today).await?,
        ))
    }
    .await;
    super::answered(&SCREEN.name(), ctx, reply)
}

/// A free-text question, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Question {
    pub name: String,
    pub partner_type: Option<PartnerType>,
}

/// The order a question's type words are tried in: a question that names two types asks about the first.
const QUESTION_TYPES: [PartnerType; 4] = [
    PartnerType::TechIsv,
    PartnerType::Reseller,
    PartnerType::Si,
    PartnerType::Referral,
];

/// The partner type a question names: one of a type's names ([`PartnerType::words`]) as whole words, or with
/// an `s`, in any case, `-` and `_` read as spaces.
fn type_in(text: &str) -> Option<PartnerType> {
    let t = format!(" {} ", text.to_lowercase().replace(['-', '_'], " "));
    let has = |w: &str| t.contains(&format!(" {w} ")) || t.contains(&format!(" {w}s "));
    QUESTION_TYPES
        .into_iter()
        .find(|ty| ty.words().names.iter().any(|w| has(w)))
}

/// Parse `does Acme fit?`, `does Acme fit as a reseller?`, `is Acme a fit?`, `would Acme be a good si fit?`.
pub fn parse_question(text: &str) -> Option<Question> {
    // Without the leading mentions (<@123>) and the closing punctuation.
    let t = super::after_leading_mentions(text)
        .trim_end_matches(['?', '!', '.', ' '])
        .trim();
    let lower = t.to_lowercase();
    let (start, end) = if let Some(rest) = lower.strip_prefix("does ") {
        let idx = rest.rfind(" fit")?;
        (5, 5 + idx)
    } else if let Some(rest) = lower.strip_prefix("is ") {
        let idx = rest
            .rfind(" a fit")
            .or_else(|| rest.rfind(" a good fit"))
            .or_else(|| rest.rfind(" fit"))?;
        (3, 3 + idx)
    } else if let Some(rest) = lower.strip_prefix("would ") {
        let idx = rest.rfind(" be a").or_else(|| rest.rfind(" fit"))?;
        (6, 6 + idx)
    } else if let Some(rest) = lower.strip_prefix("screen ") {
        (7, 7 + rest.len())
    } else {
        return None;
    };
    // Slice the original text where the lower-cased one was cut (lower-casing can change byte lengths).
    let name = slice_like(t, start, end)?
        .trim()
        .trim_matches(['"', '\'', '`'])
        .trim()
        .to_string();
    if name.is_empty() {
        return None;
    }
    let tail = &lower[end..];
    Some(Question {
        name,
        partner_type: type_in(tail),
    })
}

/// The part of `orig` that corresponds to `lower[start..end]`, where `lower` is `orig.to_lowercase()`: each
/// offset is mapped character by character, as a character's lower case may be longer or shorter than it
/// (`İ`, 2 bytes, is `i̇`, two characters of 3 bytes; `K`, the Kelvin sign, 3 bytes, is `k`). None when an offset
/// falls inside one character's lower case.
fn slice_like(orig: &str, start: usize, end: usize) -> Option<&str> {
    orig.get(orig_offset(orig, start)?..orig_offset(orig, end)?)
}

/// The byte offset in `orig` of the character whose lower case starts at byte `at` of `orig.to_lowercase()`
/// (`orig.len()` for its end). Characters are lower-cased one at a time: only a final sigma differs from the
/// whole string's lower case (`ς` rather than `σ`), in the same number of bytes.
fn orig_offset(orig: &str, at: usize) -> Option<usize> {
    let mut lower_at = 0;
    for (i, c) in orig.char_indices() {
        if lower_at >= at {
            return (lower_at == at).then_some(i);
        }
        lower_at += c.to_lowercase().map(char::len_utf8).sum::<usize>();
    }
    (lower_at == at).then_some(orig.len())
}

/// Answer a question like `/screen`, by the same rule of names ([`screen_named`]).
pub async fn answer(app: &App, ctx: &Ctx, q: &Question) -> AppResult<Reply> {
    let name = PartnerName::parse(&q.name).map_err(|e| AppError::user(e.0))?;
    screen_asked(app, ctx, &name, q.partner_type, None).await
}

#[cfg(test)]
mod card_tests;

#[cfg(test)]
mod tests;
