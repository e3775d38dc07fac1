//! `/log hours|spend|retract` and `/outcome add|retract`: where the team's time and money went, and what
//! partners produced.

use super::args::{input, opt_text};
use super::card::{user, Card, Render, Tone};
use super::evidence::{retract_record, RetractIn};
use super::partners::not_future;
use super::{lookup, App, AppError, AppResult, Ctx, Reply};
use crate::domain::text::{NOTE, REFERENCE};
use crate::domain::{Amount, Hours, OutcomeKind, Week};
use crate::store::{NewAllocation, NewOutcome, RecordTable};
use chrono::NaiveDate;
use serde::Serialize;

/// `/log hours` and `/log spend`
#[derive(Debug, Clone, Serialize)]
pub struct Logged {
    pub id: i64,
    pub partner: String,
    pub week: Week,
    pub hours: Hours,
    pub spend: Amount,
    /// The partner's hours in that week, this entry included.
    pub week_hours: Hours,
    /// The partner's spend in that week, this entry included (spend entries).
    #[serde(skip)]
    pub week_spend: Option<Amount>,
    /// The workspace's currency, for the card.
    #[serde(skip)]
    pub currency: String,
}

impl Render for Logged {
    fn card(&self) -> Card {
        let (what, total) = match self.week_spend {
            Some(total) => (
                self.spend.money(&self.currency),
                format!("{} of spend", total.money(&self.currency)),
            ),
            None => (
                format!("{} h", self.hours),
                format!("{} h", self.week_hours),
            ),
        };
        Card::new(
            format!("Logged {what} on {} for {}", user(&self.partner), self.week),
            Tone::Good,
        )
        .description(format!(
            "{} has {total} logged in {}.",
            user(&self.partner),
            self.week
        ))
        .footer(format!(
            "entry #{} · wrong? /log retract id:{} reason:\"…\"",
            self.id, self.id
        ))
    }
}

/// Check a week an entry is logged for: not after the current week.
pub fn check_week(week: Week, this_week: Week) -> AppResult<()> {
    if week > this_week {
        return Err(AppError::user(format!(
            "{week} has not started yet: log time and spend for this week ({this_week}) or an earlier one"
        )));
    }
    Ok(())
}

/// Check that `adding` hours on top of the `already` logged for a partner in `week` stay within the hours of a
/// week ([`Hours::WEEK_MAX`]); returns the new total.
pub fn check_week_hours(
    partner: &str,
    week: Week,
    already: Hours,
    adding: Hours,
) -> AppResult<Hours> {
    let total = Hours::from_centi(already.centi().saturating_add(adding.centi()));
    if total > Hours::WEEK_MAX {
        return Err(AppError::user(format!(
            "{partner} already has {already} h logged in {week}; adding {adding} h would exceed the {max} hours of a week. Retract a wrong entry with /log retract.",
            max = Hours::WEEK_MAX,
        )));
    }
    Ok(total)
}

/// Check that `adding` spend on top of the `already` logged for a partner in `week` stays within the largest
/// amount ([`Amount::MAX`]), so that no sum of a partner's week overflows; returns the new total. Adding nothing
/// is always allowed (an hours entry in a week a database from before this check already holds more in).
pub fn check_week_spend(
    partner: &str,
    week: Week,
    already: Amount,
    adding: Amount,
    currency: &str,
) -> AppResult<Amount> {
    let total = Amount::from_cents(already.cents().saturating_add(adding.cents()));
    if adding > Amount::ZERO && total > Amount::MAX {
        let room = Amount::from_cents(Amount::MAX.cents().saturating_sub(already.cents()).max(0));
        return Err(AppError::user(format!(
            "{partner} already has {} of spend logged in {week}, and a week holds at most {}: at most {} more can be logged there. Retract a wrong entry with /log retract.",
            already.money_exact(currency),
            Amount::MAX.money_exact(currency),
            room.money_exact(currency),
        )));
    }
    Ok(total)
}

/// What `/log hours` and `/log spend` share: the partner, the week, a note.
struct LogEntry {
    partner: String,
    week: Option<Week>,
    note: Option<String>,
}

async fn log(
    app: &App,
    ctx: &Ctx,
    settings: &super::Settings,
    entry: LogEntry,
    hours: Hours,
    spend: Amount,
) -> AppResult<Reply> {
    let partner = lookup::partner(app, &ctx.workspace, &entry.partner).await?;
    let this_week = app.this_week(settings);
    let week = entry.week.unwrap_or(this_week);
    check_week(week, this_week)?;
    let a = NewAllocation {
        partner_id: partner.id,
        week,
        hours,
        spend,
        note: entry.note,
    };
    // The week's totals with this entry: read, checked and added in one transaction, so that an entry written
    // meanwhile (another `/log`, an import) is counted, and the reply says the totals that were checked.
    let checked = app
        .store
        .add_allocation_checked(&ctx.workspace, &a, &ctx.author(), app.now(), |already| {
            let total = check_week_hours(&partner.name, week, already.hours, hours)?;
            let week_spend = if spend > Amount::ZERO {
                Some(check_week_spend(
                    &partner.name,
                    week,
                    already.spend,
                    spend,
                    &settings.currency,
                )?)
            } else {
                None
            };
            Ok::<_, AppError>((total, week_spend))
        })
        .await?;
    let (id, (total, week_spend)) = checked?;
    Ok(Reply::from_typed(Logged {
        id,
        partner: partner.name,
        week,
        hours,
        spend,
        week_hours: total,
        week_spend,
        currency: settings.currency.clone(),
    }))
}

input! {
    /// What `/log hours` reads.
    pub struct HoursIn {
        hours: Hours,
        partner: String,
        week: Option<Week>,
        note: Option<String> = opt_text(NOTE),
    }
}

input! {
    /// What `/log spend` reads (the amount is parsed with the workspace's currency).
    pub struct SpendIn {
        partner: String,
        amount: String,
        week: Option<Week>,
        note: Option<String> = opt_text(NOTE),
    }
}

/// `/log hours`: logs team hours spent on a partner in a week (default this week) and says the partner's total
/// for it; refuses 0 hours, a total for the week above the hours of a week, a week not started yet, and a
/// partner not on the roster.
#[tracing::instrument(skip_all)]
pub async fn log_hours(app: &App, ctx: &Ctx, input: HoursIn) -> AppResult<Reply> {
    if input.hours == Hours::ZERO {
        return Err(AppError::user("log more than 0 hours (e.g. hours:1.5)"));
    }
    let settings = app.settings(&ctx.workspace).await?;
    let entry = LogEntry {
        partner: input.partner,
        week: input.week,
        note: input.note,
    };
    log(app, ctx, &settings, entry, input.hours, Amount::ZERO).await
}

/// `/log spend`: logs money spent on a partner in a week (default this week), read in the workspace's currency,
/// and says the partner's spend for it; refuses an amount of 0 or one that does not parse, a week not started
/// yet, and a partner not on the roster.
#[tracing::instrument(skip_all)]
pub async fn log_spend(app: &App, ctx: &Ctx, input: SpendIn) -> AppResult<Reply> {
    let settings = app.settings(&ctx.workspace).await?;
    let amount = Amount::parse(&input.amount, &settings.currency)?;
    if amount == Amount::ZERO {
        return Err(AppError::user("log an amount above 0 (e.g. amount:1200)"));
    }
    let entry = LogEntry {
        partner: input.partner,
        week: input.week,
        note: input.note,
    };
    log(app, ctx, &settings, entry, Hours::ZERO, amount).await
}

/// `/log retract`: retracts an hours or spend entry (it no longer counts in the digests); refuses an entry
/// someone else logged unless the caller is a lead, an id not in the workspace, and an entry already retracted.
pub async fn log_retract(app: &App, ctx: &Ctx, input: RetractIn) -> AppResult<Reply> {
    retract_record(app, ctx, input, RecordTable::Allocations).await
}

/// `/outcome add`
#[derive(Debug, Clone, Serialize)]
pub struct OutcomeAdded {
    pub id: i64,
    pub partner: String,
    pub kind: OutcomeKind,
    pub amount: Option<Amount>,
    pub date: NaiveDate,
    #[serde(rename = "ref")]
    pub reference: Option<String>,
    /// The workspace's currency, for the card.
    #[serde(skip)]
    pub currency: String,
}

impl Render for OutcomeAdded {
    fn card(&self) -> Card {
        let amount = self
            .amount
            .map(|a| format!(" of {}", a.money(&self.currency)))
            .unwrap_or_default();
        Card::new(
            format!(
                "Recorded {}{amount} for {} on {}",
                self.kind,
                user(&self.partner),
                self.date
            ),
            Tone::Good,
        )
        .footer(format!(
            "outcome #{} · wrong? /outcome retract id:{} reason:\"…\"",
            self.id, self.id
        ))
    }
}

/// The rules of an outcome: an amount above 0 (optional only for a registered deal), dated not in the future.
pub fn check_outcome(
    kind: OutcomeKind,
    amount: Option<Amount>,
    date: NaiveDate,
    today: NaiveDate,
) -> AppResult<()> {
    match (kind, amount) {
        (OutcomeKind::RegisteredDeal, None) => {}
        (_, None) => {
            return Err(AppError::user(format!(
                "a {kind} outcome needs an amount, e.g. amount:25000"
            )))
        }
        (_, Some(a)) if a == Amount::ZERO => {
            return Err(AppError::user(format!(
                "a {kind} amount must be above 0 (retract a wrong outcome with /outcome retract instead)"
            )))
        }
        _ => {}
    }
    not_future(date, today, "the outcome date")
}

input! {
    /// What `/outcome add` reads (the amount is parsed with the workspace's currency).
    pub struct OutcomeIn {
        partner: String,
        kind: OutcomeKind,
        amount: Option<String>,
        date: Option<NaiveDate>,
        reference as "ref": Option<String> = opt_text(REFERENCE),
    }
}

/// `/outcome add`: records what a partner produced (pipeline, a registered deal, a won deal), dated today or
/// earlier; refuses a missing or zero amount (optional only for a registered deal), a future date, and a
/// partner not on the roster.
#[tracing::instrument(skip_all)]
pub async fn outcome_add(app: &App, ctx: &Ctx, input: OutcomeIn) -> AppResult<Reply> {
    let partner = lookup::partner(app, &ctx.workspace, &input.partner).await?;
    let kind = input.kind;
    let settings = app.settings(&ctx.workspace).await?;
    let amount = input
        .amount
        .as_deref()
        .map(|a| Amount::parse(a, &settings.currency))
        .transpose()?;
    let today = app.today(&settings);
    let date = input.date.unwrap_or(today);
    check_outcome(kind, amount, date, today)?;
    let reference = input.reference;
    let o = NewOutcome {
        partner_id: partner.id,
        kind,
        amount,
        date,
        reference: reference.clone(),
    };
    let id = app
        .store
        .add_outcome(&ctx.workspace, &o, &ctx.author(), app.now())
        .await?;
    Ok(Reply::from_typed(OutcomeAdded {
        id,
        partner: partner.name,
        kind,
        amount,
        date,
        reference,
        currency: settings.currency,
    }))
}

/// `/outcome retract`: retracts an outcome (it no longer counts in the quarterly re-check); refuses an outcome
/// someone else recorded unless the caller is a lead, an id not in the workspace, and one already retracted.
pub async fn outcome_retract(app: &App, ctx: &Ctx, input: RetractIn) -> AppResult<Reply> {
    retract_record(app, ctx, input, RecordTable::Outcomes).await
}
