//! `/partner add|show|list|sign|drop|rename`: the roster.

use super::args::{input, opt_text, text};
use super::card::{user, Card, Paged, Render, Tone};
use super::line::escape_quoted;
use super::lists::{ListId, PAGE_LINES};
use super::screen::{screen_many, screen_partner, verdict_label, ScreenReply};
use super::{lookup, App, AppError, AppResult, Ctx, Reply};
use crate::domain::text::{CHAMPION, NOTE, REASON};
use crate::domain::{Lifecycle, PartnerName, PartnerType, SignedPeriod, Stage, Verdict};
use crate::store::{FormerName, NewPartner, Partner, PartnerFilter, StoreError};
use chrono::NaiveDate;
use serde::Serialize;

/// `/partner add`
#[derive(Debug, Clone, Serialize)]
pub struct Added {
    pub id: i64,
    pub partner: String,
    #[serde(rename = "type")]
    pub partner_type: PartnerType,
    pub stage: Stage,
    pub profile: Option<String>,
}

impl Render for Added {
    fn card(&self) -> Card {
        let next = match &self.profile {
            Some(_) => format!(
                "Next: record evidence with /evidence add partner:\"{}\", then /screen it.",
                user(&escape_quoted(&self.partner))
            ),
            None => format!(
                "There is no active {} profile yet: a lead creates it with {}.",
                self.partner_type,
                super::profiles::create_command(self.partner_type)
            ),
        };
        Card::new(
            format!(
                "Added {} ({}) as a prospect",
                user(&self.partner),
                self.partner_type
            ),
            Tone::Good,
        )
        .description(next)
        .footer(format!("partner #{}", self.id))
    }
}

input! {
    /// What `/partner add` reads.
    pub struct AddIn {
        name: PartnerName,
        partner_type as "type": PartnerType,
        champion: Option<String> = opt_text(CHAMPION),
        note: Option<String> = opt_text(NOTE),
    }
}

input! {
    /// What the commands about one partner read (`/partner show`, `/evidence list`).
    pub struct PartnerIn {
        partner: String,
    }
}

/// `/partner add`: puts a company on the roster as a prospect of a type, and says what to do next; refuses a
/// name already on the roster (compared without case, spacing or lookalike letters).
#[tracing::instrument(skip_all)]
pub async fn add(app: &App, ctx: &Ctx, input: AddIn) -> AppResult<Reply> {
    let AddIn {
        name,
        partner_type: ty,
        champion,
        note,
    } = input;
    let p = NewPartner {
        name: name.clone(),
        partner_type: ty,
        lifecycle: Lifecycle::Prospect,
        champion,
        note,
    };
    let id = match app
        .store
        .add_partner(&ctx.workspace, &p, &ctx.author(), app.now())
        .await
    {
        Ok(id) => id,
        Err(StoreError::Conflict(_)) => {
            let shown = name_on_roster(app, ctx, &name).await?;
            return Err(AppError::user(format!(
                "{} Use /partner show partner:\"{}\".",
                already_on_roster(&shown),
                escape_quoted(&shown)
            )));
        }
        Err(e) => return Err(e.into()),
    };
    let profile = app
        .store
        .active_profile(&ctx.workspace, ty)
        .await?
        .map(|p| p.name);
    Ok(Reply::from_typed(Added {
        id,
        partner: name.to_string(),
        partner_type: ty,
        stage: Stage::Prospect,
        profile,
    }))
}

/// `/partner show`: the partner, its screen, its record counts.
#[derive(Debug, Clone, Serialize)]
pub struct Shown {
    #[serde(flatten)]
    pub partner: Partner,
    pub screen: ScreenReply,
    pub evidence_records: usize,
    pub retracted_records: usize,
    /// The names it had before it was renamed, oldest first (absent when it never was).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub former_names: Vec<FormerName>,
    /// Every period it was signed, oldest first (absent unless it was signed again after a drop).
    #[serde(skip_serializing_if = "signed_once")]
    pub signed_periods: Vec<SignedPeriod>,
    /// The day it was added in the workspace's time zone, as the card's other dates are (not in the JSON,
    /// which has `created_at`).
    #[serde(skip)]
    pub added_on: NaiveDate,
}

/// How the roster shows the partner a new name collided with (its stored name, or the new name when the
/// partner went in the meantime).
async fn name_on_roster(app: &App, ctx: &Ctx, name: &PartnerName) -> AppResult<String> {
    let existing = app
        .store
        .partner_by_key(&ctx.workspace, &name.key())
        .await?;
    Ok(existing.map(|e| e.name).unwrap_or_else(|| name.to_string()))
}

/// What `/partner add` and `/partner rename` say of a name the roster already has (shown as the roster has
/// it), with the one rule of names.
fn already_on_roster(shown: &str) -> String {
    format!(
        "`{shown}` is already on the roster (names are compared without case, spacing or lookalike letters)."
    )
}

fn signed_once(periods: &[SignedPeriod]) -> bool {
    periods.len() <= 1
}

impl Render for Shown {
    fn card(&self) -> Card {
        let p = &self.partner;
        let mut card = self.screen.card();
        card.title = format!(
            "{} — {} {} — {}",
            user(&p.name),
            p.partner_type,
            p.lifecycle.stage(),
            verdict_label(self.screen.verdict)
        );
        let mut facts = vec![format!("added by {} on {}", p.created_by, self.added_on)];
        if let Some(d) = p.lifecycle.signed_on() {
            facts.push(format!("signed {d}"));
        }
        if let Lifecycle::Dropped { on, reason, .. } = &p.lifecycle {
            facts.push(format!("dropped {on}: {}", user(reason)));
        }
        if !signed_once(&self.signed_periods) {
            // The current (or last) period is the one above; the earlier ones are its history.
            let earlier = &self.signed_periods[..self.signed_periods.len() - 1];
            for e in earlier {
                facts.push(format!(
                    "earlier: signed {}, dropped {} ({})",
                    e.signed,
                    e.dropped.map(|d| d.to_string()).unwrap_or_default(),
                    user(e.reason.as_deref().unwrap_or(""))
                ));
            }
        }
        if let Some(c) = &p.champion {
            facts.push(format!("champion {}", user(c)));
        }
        for f in &self.former_names {
            facts.push(format!("named {} until {}", user(&f.name), f.until));
        }
        facts.push(format!(
            "{} ({} retracted)",
            crate::domain::plural(
                self.evidence_records as u64,
                "evidence record",
                "evidence records"
            ),
            self.retracted_records
        ));
        let mut fields = vec![super::card::Field {
            name: "Partner".into(),
            value: facts.join(" · ")
                + &p.note
                    .as_ref()
                    .map(|n| format!("\n{}", user(n)))
                    .unwrap_or_default(),
            inline: false,
        }];
        fields.append(&mut card.fields);
        card.fields = fields;
        card
    }
}

/// `/partner show`: a partner with its screen as of today, its stage, champion, former names and evidence
/// counts; refuses a partner that is not on the roster.
#[tracing::instrument(skip_all)]
pub async fn show(app: &App, ctx: &Ctx, input: PartnerIn) -> AppResult<Reply> {
    let p = lookup::partner(app, &ctx.workspace, &input.partner).await?;
    let settings = app.settings(&ctx.workspace).await?;
    let screen = screen_partner(app, ctx, &settings, &p, app.today(&settings)).await?;
    let added_on = p.created_at.with_timezone(&settings.timezone).date_naive();
    let evidence = app.store.partner_evidence(&ctx.workspace, p.id).await?;
    let former_names = app.store.former_names(&ctx.workspace, p.id).await?;
    let signed_periods = app.store.partner_periods(&ctx.workspace, p.id).await?;
    Ok(Reply::from_typed(Shown {
        signed_periods,
        evidence_records: evidence.len(),
        retracted_records: evidence.iter().filter(|e| e.retracted).count(),
        partner: p,
        screen,
        former_names,
        added_on,
    }))
}

input! {
    /// What `/partner rename` reads.
    pub struct RenameIn {
        partner: String,
        name: PartnerName,
    }
}

/// `/partner rename`
#[derive(Debug, Clone, Serialize)]
pub struct Renamed {
    pub id: i64,
    /// The new name.
    pub partner: String,
    /// The name it had until now.
    pub previous: String,
    pub date: NaiveDate,
}

impl Render for Renamed {
    fn card(&self) -> Card {
        Card::new(
            format!(
                "Renamed {} to {}",
                user(&self.previous),
                user(&self.partner)
            ),
            Tone::Good,
        )
        .description(format!(
            "Its evidence, hours and outcomes stay with it. /screen partner:\"{}\" now says what it became, and /partner show lists its former names.",
            user(&escape_quoted(&self.previous))
        ))
        .footer(format!("partner #{}", self.id))
    }
}

/// `/partner rename`: a new name for a partner (after an acquisition, a rebrand), unique in the workspace like
/// every name; the old one stays in its history.
#[tracing::instrument(skip_all)]
pub async fn rename(app: &App, ctx: &Ctx, input: RenameIn) -> AppResult<Reply> {
    let p = lookup::partner(app, &ctx.workspace, &input.partner).await?;
    let name = input.name;
    if name.as_str() == p.name {
        return Err(AppError::user(format!(
            "{} already has that name: give the new one in name:\"…\".",
            p.name
        )));
    }
    let settings = app.settings(&ctx.workspace).await?;
    let today = app.today(&settings);
    // Renamed from the name read above only: a rename by someone else meanwhile is not overwritten.
    let (ws, by) = (&ctx.workspace, ctx.author());
    match app
        .store
        .rename_partner(ws, p.id, &p.name, &name, today, &by, app.now())
        .await
    {
        Ok(()) => {}
        // Either the new name is taken, or the partner's stored name is no longer the one read.
        Err(StoreError::Conflict(_)) if renamed_meanwhile(app, ws, &p).await? => {
            return Err(AppError::user(format!(
                "{} was changed by someone else meanwhile: look at /partner show partner:\"{}\" and try again.",
                p.name,
                escape_quoted(&p.name)
            )));
        }
        Err(StoreError::Conflict(_)) => {
            let shown = name_on_roster(app, ctx, &name).await?;
            return Err(AppError::user(format!(
                "{} Pick another name, or look at /partner show partner:\"{}\".",
                already_on_roster(&shown),
                escape_quoted(&shown)
            )));
        }
        Err(e) => return Err(e.into()),
    }
    Ok(Reply::from_typed(Renamed {
        id: p.id,
        partner: name.to_string(),
        previous: p.name,
        date: today,
    }))
}

/// Whether partner `p`, as read before a rename, has another name (or is gone) now.
async fn renamed_meanwhile(app: &App, ws: &str, p: &Partner) -> AppResult<bool> {
    let now = app.store.partner_by_id(ws, p.id).await?;
    Ok(now.is_none_or(|now| now.name != p.name))
}

/// One roster line.
#[derive(Debug, Clone, Serialize)]
pub struct RosterLine {
    pub id: i64,
    pub name: String,
    #[serde(rename = "type")]
    pub partner_type: PartnerType,
    pub stage: Stage,
    pub verdict: Option<Verdict>,
    pub signed: Option<NaiveDate>,
}

/// `/partner list`
#[derive(Debug, Clone, Serialize)]
pub struct Roster {
    pub partners: Vec<RosterLine>,
    pub count: usize,
    /// The filters it was listed with, which the title names (not in the JSON).
    #[serde(skip)]
    pub filters: (Option<PartnerType>, Option<Stage>, Option<Verdict>),
}

impl Roster {
    /// The filters set, as the command's options: `type:si stage:signed`; empty for the whole roster.
    fn filter_words(&self) -> String {
        let (ty, stage, verdict) = self.filters;
        let words: Vec<String> = [
            ty.map(|t| format!("type:{t}")),
            stage.map(|s| format!("stage:{s}")),
            verdict.map(|v| format!("verdict:{v}")),
        ]
        .into_iter()
        .flatten()
        .collect();
        words.join(" ")
    }
}

impl Render for Roster {
    fn card(&self) -> Card {
        let count = crate::domain::plural(self.count as u64, "partner", "partners");
        let filters = self.filter_words();
        let title = if filters.is_empty() {
            format!("Roster ({count})")
        } else {
            format!("Roster ({count}), filtered by {filters}")
        };
        let mut card = Card::new(title, Tone::Info);
        if self.partners.is_empty() {
            card = card.description(
                "No partners match. Add one with /partner add name:\"…\" type:reseller.",
            );
        }
        for p in &self.partners {
            card = card.line(format!(
                "{} — {} · {} · {}",
                user(&p.name),
                p.partner_type,
                p.stage,
                verdict_label(p.verdict)
            ));
        }
        card
    }
}

input! {
    /// What `/partner list` reads: the filters.
    pub struct ListIn {
        partner_type as "type": Option<PartnerType>,
        stage: Option<Stage>,
        verdict: Option<Verdict>,
    }
}

/// `/partner list`: the roster, screened today, with only the type, stage and verdict asked for (shown page by
/// page).
#[tracing::instrument(skip_all)]
pub async fn list(app: &App, ctx: &Ctx, input: ListIn) -> AppResult<Reply> {
    let filter = PartnerFilter {
        partner_type: input.partner_type,
        stage: input.stage,
    };
    let verdict = input.verdict;
    let settings = app.settings(&ctx.workspace).await?;
    let partners = app.store.partners(&ctx.workspace, &filter).await?;
    let lines: Vec<RosterLine> = roster_lines(app, ctx, &settings, partners)
        .await?
        .filter(|l| verdict.is_none() || l.verdict == verdict)
        .collect();
    let mut reply = Reply::from_typed(Roster {
        count: lines.len(),
        partners: lines,
        filters: (filter.partner_type, filter.stage, verdict),
    });
    reply.card.list = Some(roster_id(&filter, verdict));
    Ok(reply)
}

fn roster_id(filter: &PartnerFilter, verdict: Option<Verdict>) -> ListId {
    ListId::Roster {
        partner_type: filter.partner_type,
        stage: filter.stage,
        verdict,
    }
}

/// The roster lines of `partners`, screened today.
async fn roster_lines(
    app: &App,
    ctx: &Ctx,
    settings: &super::Settings,
    partners: Vec<Partner>,
) -> AppResult<impl Iterator<Item = RosterLine>> {
    let screens = screen_many(
        app,
        &ctx.workspace,
        settings,
        &partners,
        app.today(settings),
    )
    .await?;
    Ok(partners.into_iter().map(move |p| RosterLine {
        verdict: screens
            .get(&p.id)
            .and_then(|s| s.as_ref().map(|s| s.verdict)),
        id: p.id,
        name: p.name,
        partner_type: p.partner_type,
        stage: p.lifecycle.stage(),
        signed: p.lifecycle.signed_on(),
    }))
}

/// Partners read at a time when a verdict filter makes the roster be screened in full.
const ROSTER_CHUNK: u64 = 500;

/// One page of the roster (the last page when `page` is past the end), reading from the database only that
/// page — or, with a verdict filter, every partner of the other filters in chunks of [`ROSTER_CHUNK`],
/// keeping only the page's lines. Memory stays bounded whatever the roster's size.
#[tracing::instrument(skip_all)]
pub async fn roster_page(
    app: &App,
    ctx: &Ctx,
    filter: &PartnerFilter,
    verdict: Option<Verdict>,
    page: usize,
) -> AppResult<Reply> {
    let ws = &ctx.workspace;
    let per_page = PAGE_LINES as u64;
    let settings = app.settings(ws).await?;
    let (count, page, lines) = match verdict {
        None => {
            let count = app.store.count_partners(ws, filter).await?;
            let page = (page as u64).min(count.div_ceil(per_page).max(1) - 1);
            let (partners, _) = app
                .store
                .partners_page(ws, filter, None, page * per_page, per_page)
                .await?;
            let lines = roster_lines(app, ctx, &settings, partners).await?.collect();
            (count, page, lines)
        }
        Some(v) => {
            // The page kept is the requested one, or the last one when the list ends before it.
            let wanted = page as u64;
            let (mut count, mut kept_page, mut lines) = (0u64, 0u64, Vec::new());
            let mut after: Option<String> = None;
            loop {
                let (chunk, last_key) = app
                    .store
                    .partners_page(ws, filter, after.as_deref(), 0, ROSTER_CHUNK)
                    .await?;
                let full = chunk.len() as u64 == ROSTER_CHUNK;
                after = last_key;
                for line in roster_lines(app, ctx, &settings, chunk).await? {
                    if line.verdict != Some(v) {
                        continue;
                    }
                    let on = count / per_page;
                    count += 1;
                    if on > wanted {
                        continue;
                    }
                    if on > kept_page {
                        kept_page = on;
                        lines.clear();
                    }
                    lines.push(line);
                }
                if !full || after.is_none() {
                    break;
                }
            }
            (count, kept_page, lines)
        }
    };
    let pages = count.div_ceil(per_page).max(1);
    let mut reply = Reply::from_typed(Roster {
        count: usize::try_from(count).unwrap_or(usize::MAX),
        partners: lines,
        filters: (filter.partner_type, filter.stage, verdict),
    });
    reply.card.list = Some(roster_id(filter, verdict));
    reply.card.paged = Some(Paged {
        page: usize::try_from(page).unwrap_or(0),
        pages: usize::try_from(pages).unwrap_or(1),
    });
    Ok(reply)
}

/// `/partner sign` and `/partner drop`
#[derive(Debug, Clone, Serialize)]
pub struct StageChanged {
    pub id: i64,
    pub partner: String,
    pub stage: Stage,
    pub date: NaiveDate,
    pub reason: Option<String>,
    pub verdict: Option<Verdict>,
    /// Its type, and whether that type has an active profile: what the note of an unscreened signing says.
    #[serde(skip)]
    pub partner_type: PartnerType,
    #[serde(skip)]
    pub has_profile: bool,
}

impl Render for StageChanged {
    fn card(&self) -> Card {
        let (title, tone) = match self.stage {
            Stage::Signed => (
                format!("Signed {} on {}", user(&self.partner), self.date),
                Tone::Good,
            ),
            _ => (
                format!("Dropped {} on {}", user(&self.partner), self.date),
                Tone::Info,
            ),
        };
        let mut card = Card::new(title, tone);
        if let Some(r) = &self.reason {
            card = card.description(format!("Reason: {}", user(r)));
        }
        if self.stage == Stage::Signed && !self.verdict.is_some_and(Verdict::matches) {
            let why = match self.verdict {
                Some(v) => format!("today it is {v}, not fit or near-fit"),
                None if self.has_profile => format!(
                    "its {} profile has no traits yet, so it could not be screened",
                    self.partner_type
                ),
                None => format!(
                    "there is no active {} profile, so it could not be screened",
                    self.partner_type
                ),
            };
            card = card.footer(format!(
                "Note: signed with verdict {} — {why}.",
                verdict_label(self.verdict)
            ));
        }
        card
    }
}

pub(crate) fn check_not_future(date: NaiveDate, today: NaiveDate, what: &str) -> AppResult<()> {
    if date > today {
        return Err(AppError::user(format!(
            "{what} {date} is in the future: give today ({today}) or a past date"
        )));
    }
    Ok(())
}

input! {
    /// What `/partner sign` reads.
    pub struct SignIn {
        partner: String,
        date: Option<NaiveDate>,
    }
}

/// `/partner sign`: marks a partner signed (today, or on a past date) and notes when its verdict does not match
/// the profile; refuses a future date, a partner already signed, and a date before its last drop.
#[tracing::instrument(skip_all)]
pub async fn sign(app: &App, ctx: &Ctx, input: SignIn) -> AppResult<Reply> {
    let p = lookup::partner(app, &ctx.workspace, &input.partner).await?;
    let settings = app.settings(&ctx.workspace).await?;
    let today = app.today(&settings);
    let date = input.date.unwrap_or(today);
    check_not_future(date, today, "the signing date")?;
    let signed = p
        .lifecycle
        .sign(date)
        .map_err(|r| AppError::user(r.message(&p.name)))?;
    change_lifecycle(app, ctx, &p, &signed).await?;
    let screen = screen_partner(app, ctx, &settings, &p, today).await?;
    Ok(Reply::from_typed(StageChanged {
        id: p.id,
        partner: p.name,
        stage: Stage::Signed,
        date,
        reason: None,
        verdict: screen.verdict,
        partner_type: p.partner_type,
        has_profile: screen.profile.is_some(),
    }))
}

input! {
    /// What `/partner drop` reads.
    pub struct DropIn {
        partner: String,
        reason: String = text(REASON),
        date: Option<NaiveDate>,
    }
}

/// `/partner drop`: marks a partner dropped with the reason (today, or on a past date); refuses a future date,
/// a partner already dropped, and a date before its signing.
#[tracing::instrument(skip_all)]
pub async fn drop(app: &App, ctx: &Ctx, input: DropIn) -> AppResult<Reply> {
    let p = lookup::partner(app, &ctx.workspace, &input.partner).await?;
    let reason = input.reason;
    let settings = app.settings(&ctx.workspace).await?;
    let today = app.today(&settings);
    let date = input.date.unwrap_or(today);
    check_not_future(date, today, "the drop date")?;
    let dropped = p
        .lifecycle
        .drop(date, reason.clone())
        .map_err(|r| AppError::user(r.message(&p.name)))?;
    change_lifecycle(app, ctx, &p, &dropped).await?;
    Ok(Reply::from_typed(StageChanged {
        id: p.id,
        partner: p.name,
        stage: Stage::Dropped,
        date,
        reason: Some(reason),
        verdict: None,
        partner_type: p.partner_type,
        has_profile: false,
    }))
}

/// Store a partner's new life cycle; a change made meanwhile by someone else is a user error.
async fn change_lifecycle(app: &App, ctx: &Ctx, p: &Partner, to: &Lifecycle) -> AppResult<()> {
    match app
        .store
        .change_lifecycle(&ctx.workspace, p.id, &p.lifecycle, to)
        .await
    {
        Ok(()) => Ok(()),
        Err(StoreError::Conflict(_)) => Err(AppError::user(format!(
            "{} was changed by someone else meanwhile: look at /partner show partner:\"{}\" and try again.",
            p.name,
            escape_quoted(&p.name)
        ))),
        Err(e) => Err(e.into()),
    }
}

pub(crate) use check_not_future as not_future;
