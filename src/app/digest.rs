//! The two digests: the weekly allocation check and the quarterly re-check. Each is computed from the
//! database for one period, returned as a typed reply (the `--json` object), and rendered as a card with a
//! chart when it is posted.

use super::args::input;
use super::{App, AppResult, Ctx, Reply, Settings};
use crate::domain::{Quarter, Role, Week};
use chrono::NaiveDate;

mod quarterly;
mod weekly;
pub use quarterly::*;
pub use weekly::*;

// ---------------------------------------------------------------------------------------------------------
// Commands

/// The week a weekly digest covers by default: the one that just ended.
pub fn default_week(app: &App, s: &Settings) -> Week {
    app.this_week(s).prev()
}

/// The quarter a quarterly digest covers by default: the one that just ended.
pub fn default_quarter(app: &App, s: &Settings) -> Quarter {
    Quarter::containing(app.today(s)).prev()
}

/// `today` (the workspace's date) when a period ending on `last_day` (inclusive) has not ended by then: a
/// digest of this week or quarter (or a later one) is not final, and its card's title says so.
fn unfinished(last_day: NaiveDate, today: NaiveDate) -> Option<NaiveDate> {
    (today <= last_day).then_some(today)
}

/// The mark after a digest's period in its card's title when the period, which begins on `first_day`, has not
/// ended ([`unfinished`] gave `today`): ` (in progress: data up to 2026-07-08)`, or
/// ` (not started yet: today is 2026-07-08)` for a period that begins after today. Empty for an ended period.
fn unfinished_mark(first_day: NaiveDate, today: Option<NaiveDate>) -> String {
    match today {
        Some(today) if today < first_day => format!(" (not started yet: today is {today})"),
        Some(today) => format!(" (in progress: data up to {today})"),
        None => String::new(),
    }
}

fn check_post(ctx: &Ctx, post: bool) -> AppResult<()> {
    if post {
        super::require(ctx, Role::Lead, "post a digest to the channel")?;
    }
    Ok(())
}

input! {
    /// What `/digest weekly` reads.
    pub struct WeeklyIn {
        post: bool,
        week: Option<Week>,
    }
}

input! {
    /// What `/digest quarterly` reads.
    pub struct QuarterlyIn {
        post: bool,
        quarter: Option<Quarter>,
    }
}

/// `/digest weekly [week] [post]`: a preview for the caller; with post (leads), the digest and its chart as a
/// message in the channel.
pub async fn weekly_command(app: &App, ctx: &Ctx, input: WeeklyIn) -> AppResult<Reply> {
    let post = input.post;
    check_post(ctx, post)?;
    let settings = app.settings(&ctx.workspace).await?;
    let week = input.week.unwrap_or_else(|| default_week(app, &settings));
    let d = weekly(app, &ctx.workspace, &settings, week).await?;
    let chart = if post { Some(weekly_chart(&d)?) } else { None };
    let mut r = Reply::from_typed(d);
    r.card.ephemeral = !post;
    r.card.files.extend(chart);
    Ok(r)
}

/// `/digest quarterly [quarter] [post]`: a preview; with post (leads), the digest and its chart in the channel,
/// and the result is stored as posted.
pub async fn quarterly_command(app: &App, ctx: &Ctx, input: QuarterlyIn) -> AppResult<Reply> {
    let post = input.post;
    check_post(ctx, post)?;
    let settings = app.settings(&ctx.workspace).await?;
    let quarter = input
        .quarter
        .unwrap_or_else(|| default_quarter(app, &settings));
    let d = quarterly(app, &ctx.workspace, &settings, quarter).await?;
    let chart = if post {
        let chart = quarterly_chart(&d)?;
        record_posted_recheck(app, &ctx.workspace, &d).await?;
        Some(chart)
    } else {
        None
    };
    let mut r = Reply::from_typed(d);
    r.card.ephemeral = !post;
    if let Some(chart) = chart {
        r.card.files.push(chart);
        r.card.mention_role = settings.review_role.clone();
    }
    Ok(r)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, m, d).unwrap()
    }

    #[test]
    fn a_period_not_ended_says_so_in_the_title() {
        // 2026-W28 is 07-06..07-12: on its Wednesday, in progress; on its Sunday still (inclusive); ended on
        // the Monday after.
        let (monday, sunday) = (day(7, 6), day(7, 12));
        assert_eq!(unfinished(sunday, day(7, 8)), Some(day(7, 8)));
        assert_eq!(unfinished(sunday, sunday), Some(sunday));
        assert_eq!(unfinished(sunday, day(7, 13)), None);
        assert_eq!(
            unfinished_mark(monday, unfinished(sunday, day(7, 8))),
            " (in progress: data up to 2026-07-08)"
        );
        assert_eq!(unfinished_mark(monday, None), "");
        // A later week has not begun.
        assert_eq!(
            unfinished_mark(day(7, 13), unfinished(day(7, 19), day(7, 8))),
            " (not started yet: today is 2026-07-08)"
        );
    }
}
