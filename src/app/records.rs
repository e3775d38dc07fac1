//! `/log hours|spend|retract` and `/outcome add|retract`: where the team's time and money went, and what
//! partners produced.

use super::card::{Card, Render, Tone};
use super::evidence::retract_record;
use super::partners::not_future;
use super::{lookup, App, AppError, AppResult, Ctx, Invocation, Reply};
use crate::domain::types::parse_text;
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
}

impl Render for Logged {
    fn card(&self) -> Card {
        let what = if self.hours > Hours::ZERO {
            format!("{} h", self.hours)
        } else {
            format!("${}", self.spend)
        };
        Card::new(
            format!("Logged {what} on {} for {}", self.partner, self.week),
            Tone::Good,
        )
        .description(format!(
            "{} has {} h logged in {}.",
            self.partner, self.week_hours, self.week
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

/// Check that `adding` hours on top of the `already` logged for a partner in `week` stay within the 168 hours of
/// a week; returns the new total.
pub fn check_week_hours(
    partner: &str,
    week: Week,
    already: Hours,
    adding: Hours,
) -> AppResult<Hours> {
    let total = Hours::from_centi(already.centi().saturating_add(adding.centi()));
    if total > Hours::WEEK_MAX {
        return Err(AppError::user(format!(
            "{partner} already has {already} h logged in {week}; adding {adding} h would exceed the 168 hours of a week. Retract a wrong entry with /log retract.",
        )));
    }
    Ok(total)
}

async fn log(
    app: &App,
    ctx: &Ctx,
    inv: &Invocation,
    hours: Hours,
    spend: Amount,
) -> AppResult<Reply> {
    let partner = lookup::partner(app, &ctx.workspace, inv.text("partner")?).await?;
    let settings = app.settings(&ctx.workspace).await?;
    let this_week = app.this_week(&settings);
    let week = inv.opt_week("week")?.unwrap_or(this_week);
    check_week(week, this_week)?;
    let already = app
        .store
        .partner_week_hours(&ctx.workspace, partner.id, week)
        .await?;
    let total = check_week_hours(&partner.name, week, already, hours)?;
    let a = NewAllocation {
        partner_id: partner.id,
        week,
        hours,
        spend,
        note: inv.opt_clean("note", 1000)?,
    };
    let id = app
        .store
        .add_allocation(&ctx.workspace, &a, &ctx.author(), app.now())
        .await?;
    Ok(Reply::from_typed(Logged {
        id,
        partner: partner.name,
        week,
        hours,
        spend,
        week_hours: total,
    }))
}

#[tracing::instrument(skip(app, inv))]
pub async fn log_hours(app: &App, ctx: &Ctx, inv: &Invocation) -> AppResult<Reply> {
    let hours = Hours::parse(inv.text("hours")?)?;
    if hours == Hours::ZERO {
        return Err(AppError::user("log more than 0 hours (e.g. hours:1.5)"));
    }
    log(app, ctx, inv, hours, Amount::ZERO).await
}

#[tracing::instrument(skip(app, inv))]
pub async fn log_spend(app: &App, ctx: &Ctx, inv: &Invocation) -> AppResult<Reply> {
    let settings = app.settings(&ctx.workspace).await?;
    let amount = Amount::parse(inv.text("amount")?, &settings.currency)?;
    if amount == Amount::ZERO {
        return Err(AppError::user("log an amount above 0 (e.g. amount:1200)"));
    }
    log(app, ctx, inv, Hours::ZERO, amount).await
}

pub async fn log_retract(app: &App, ctx: &Ctx, inv: &Invocation) -> AppResult<Reply> {
    retract_record(app, ctx, inv, RecordTable::Allocations).await
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
}

impl Render for OutcomeAdded {
    fn card(&self) -> Card {
        let amount = self.amount.map(|a| format!(" of ${a}")).unwrap_or_default();
        Card::new(
            format!(
                "Recorded {}{amount} for {} on {}",
                self.kind, self.partner, self.date
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

#[tracing::instrument(skip(app, inv))]
pub async fn outcome_add(app: &App, ctx: &Ctx, inv: &Invocation) -> AppResult<Reply> {
    let partner = lookup::partner(app, &ctx.workspace, inv.text("partner")?).await?;
    let kind: OutcomeKind = inv.choice("kind")?;
    let settings = app.settings(&ctx.workspace).await?;
    let amount = inv
        .opt_text("amount")
        .map(|a| Amount::parse(a, &settings.currency))
        .transpose()?;
    let today = app.today(&settings);
    let date = inv.opt_date("date")?.unwrap_or(today);
    check_outcome(kind, amount, date, today)?;
    let reference = inv
        .opt_text("ref")
        .map(|r| parse_text(r, "ref", 200))
        .transpose()?;
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
    }))
}

pub async fn outcome_retract(app: &App, ctx: &Ctx, inv: &Invocation) -> AppResult<Reply> {
    retract_record(app, ctx, inv, RecordTable::Outcomes).await
}
