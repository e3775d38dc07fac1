//! `/schedule set|pause|resume|show`: when and where the digests are posted.

use super::args::{input, NoOptions};
use super::card::{Card, Render, Tone};
use super::chat::{Platform, PostError};
use super::{App, AppError, AppResult, Ctx, Reply};
use crate::domain::{snippet, DigestKind};
use crate::schedule::cron_expr::CronExpr;
use crate::schedule::{default_cron, period_of};
use serde::Serialize;

/// One digest's schedule, with its next runs.
#[derive(Debug, Clone, Serialize)]
pub struct ScheduleView {
    pub digest: DigestKind,
    /// None when the digest has no schedule yet.
    pub cron: Option<String>,
    pub channel: Option<String>,
    pub paused: bool,
    pub timezone: String,
    /// Both day-of-month and day-of-week are restricted, so a day must match both (a classic crontab
    /// fires on either).
    pub both_days_must_match: bool,
    /// The next fire times (RFC 3339, in the workspace's time zone) and the period each covers.
    pub next_runs: Vec<NextRun>,
    pub last_run: Option<LastRun>,
    pub last_error: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct NextRun {
    pub at: String,
    pub period: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct LastRun {
    pub period: String,
    #[serde(serialize_with = "crate::domain::stamp::serialize")]
    pub fire_at: chrono::DateTime<chrono::Utc>,
    #[serde(serialize_with = "crate::domain::stamp::serialize_opt")]
    pub posted_at: Option<chrono::DateTime<chrono::Utc>>,
    pub late: bool,
    pub error: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Schedules {
    pub schedules: Vec<ScheduleView>,
    /// Set by /schedule set when the bot's access to the channel could not be checked: no chat connection
    /// (the console), or the platform has not told the bot about the server yet.
    pub note: Option<String>,
}

impl Render for Schedules {
    fn card(&self) -> Card {
        let mut card = Card::new("Digest schedules", Tone::Info);
        for s in &self.schedules {
            let body = match &s.cron {
                None => format!(
                    "not scheduled — e.g. /schedule set digest:{} cron:\"{}\" channel:#partners",
                    s.digest,
                    default_cron(s.digest)
                ),
                Some(c) => {
                    let mut lines = vec![format!(
                        "`{c}` ({}) in <#{}>{}",
                        s.timezone,
                        s.channel.as_deref().unwrap_or("?"),
                        if s.paused { " — **paused**" } else { "" }
                    )];
                    if s.both_days_must_match {
                        lines.push(BOTH_DAYS_MUST_MATCH.to_string());
                    }
                    if !s.paused {
                        for n in &s.next_runs {
                            lines.push(format!("next: {} → covers {}", n.at, n.period));
                        }
                    }
                    if let Some(l) = &s.last_run {
                        lines.push(format!(
                            "last: {} {}{}",
                            l.period,
                            match &l.posted_at {
                                Some(_) if l.error.is_some() => "not posted",
                                Some(_) => "posted",
                                None => "pending",
                            },
                            if l.late { " (late)" } else { "" }
                        ));
                    }
                    if let Some(e) = &s.last_error {
                        lines.push(format!("⚠ last delivery failed: {e}"));
                    }
                    lines.join("\n")
                }
            };
            card = card.field(format!("{} digest", s.digest), body, false);
        }
        if let Some(n) = &self.note {
            card = card.footer(n.clone());
        }
        card
    }
}

/// Said under a schedule that restricts both day fields.
const BOTH_DAYS_MUST_MATCH: &str =
    "Both day fields must match: it runs only on days that fit both the day of \
     the month and the day of the week (a classic crontab runs on either).";

/// A channel option: a Discord channel id or `<#id>` mention, or a Slack channel (`<#C…|name>`, `C…`).
fn parse_channel(platform: Platform, v: &str) -> AppResult<String> {
    platform.parse_channel(v).ok_or_else(|| {
        AppError::user(format!(
            "`{}` is not a channel: pick a channel (in the console, give its numeric id)",
            snippet(v)
        ))
    })
}

async fn view(app: &App, ctx: &Ctx, note: Option<String>) -> AppResult<Reply> {
    let schedules = views(app, &ctx.workspace).await?;
    Ok(Reply::from_typed(Schedules { schedules, note }))
}

/// Both digests' schedules of a workspace, with their next three fire times (what `/schedule show` and
/// `partnerfit doctor` show).
pub async fn views(app: &App, workspace: &str) -> AppResult<Vec<ScheduleView>> {
    let settings = app.settings(workspace).await?;
    let tz = settings.timezone;
    let now = app.now();
    let stored = app.store.schedules(workspace).await?;
    let mut schedules = Vec::new();
    for digest in [DigestKind::Weekly, DigestKind::Quarterly] {
        let s = stored.iter().find(|s| s.digest == digest);
        let mut next_runs = Vec::new();
        let expr = s.and_then(|s| CronExpr::parse(&s.cron, now).ok());
        if let Some(expr) = &expr {
            let mut t = now;
            for _ in 0..3 {
                let Some(n) = expr.next_after(tz, t) else {
                    break;
                };
                next_runs.push(NextRun {
                    at: n
                        .with_timezone(&tz)
                        .format("%a %Y-%m-%d %H:%M %Z")
                        .to_string(),
                    period: period_of(digest, n, tz),
                });
                t = n;
            }
        }
        let last_run = app
            .store
            .latest_run(workspace, digest)
            .await?
            .map(|r| LastRun {
                period: r.period,
                fire_at: r.fire_at,
                posted_at: r.posted_at,
                late: r.late,
                error: r.last_error,
            });
        schedules.push(ScheduleView {
            digest,
            cron: s.map(|s| s.cron.clone()),
            channel: s.map(|s| s.channel_id.clone()),
            paused: s.is_some_and(|s| s.paused),
            timezone: tz.name().to_string(),
            both_days_must_match: expr.as_ref().is_some_and(CronExpr::restricts_both_days),
            next_runs,
            last_run,
            last_error: s.and_then(|s| s.last_error.clone()),
        });
    }
    Ok(schedules)
}

input! {
    /// What `/schedule set` reads.
    pub struct SetIn {
        digest: DigestKind,
        cron: String,
        channel: String,
    }
}

input! {
    /// What `/schedule pause` and `/schedule resume` read.
    pub struct DigestIn {
        digest: DigestKind,
    }
}

#[tracing::instrument(skip_all)]
pub async fn set(app: &App, ctx: &Ctx, input: SetIn) -> AppResult<Reply> {
    let digest = input.digest;
    let cron_text = if input.cron.eq_ignore_ascii_case("default") {
        default_cron(digest)
    } else {
        input.cron.as_str()
    };
    let expr = CronExpr::parse(cron_text, app.now()).map_err(|e| AppError::user(e.to_string()))?;
    let platform = Platform::of(&ctx.workspace);
    let channel = parse_channel(platform, &input.channel)?;
    let cannot_post = |reason: String| {
        AppError::user(format!(
            "I cannot post in <#{channel}>: {reason}. {}, or pick another channel.",
            platform.post_access_hint()
        ))
    };
    let note = match &app.chat {
        Some(chat) => match chat.check_can_post(&ctx.workspace, &channel).await {
            Ok(()) => None,
            Err(PostError::Forbidden(reason)) => return Err(cannot_post(reason)),
            // The platform cannot say yet what the bot may do there (a server whose details have not arrived):
            // no refusal for that, but the channel must still be this server's, asked of the platform.
            Err(PostError::Transient(why)) => {
                match chat.check_channel(&ctx.workspace, &channel).await {
                    Ok(()) => Some(format!(
                        "<#{channel}> is a channel of this server, but I could not check my permissions there yet ({why}): I check them again before each post."
                    )),
                    Err(PostError::Forbidden(reason)) => return Err(cannot_post(reason)),
                    Err(PostError::Transient(e)) => {
                        return Err(AppError::user(format!(
                            "I cannot check <#{channel}> right now ({why}; {e}): nothing was scheduled. Try again in a minute."
                        )))
                    }
                }
            }
        },
        None => Some("The channel was not checked: there is no Discord connection here. The bot checks it when it posts.".to_string()),
    };
    app.store
        .set_schedule(
            &ctx.workspace,
            digest,
            expr.as_str(),
            &channel,
            &ctx.author(),
            ctx.channel_id.as_deref(),
            app.now(),
        )
        .await?;
    app.schedules_changed.notify_waiters();
    let mut r = view(app, ctx, note).await?;
    r.card.title = format!("Scheduled the {digest} digest");
    Ok(r)
}

/// `/schedule pause`
pub async fn pause(app: &App, ctx: &Ctx, input: DigestIn) -> AppResult<Reply> {
    set_paused(app, ctx, input.digest, true).await
}

/// `/schedule resume`
pub async fn resume(app: &App, ctx: &Ctx, input: DigestIn) -> AppResult<Reply> {
    set_paused(app, ctx, input.digest, false).await
}

#[tracing::instrument(skip_all)]
async fn set_paused(app: &App, ctx: &Ctx, digest: DigestKind, paused: bool) -> AppResult<Reply> {
    if !app
        .store
        .set_schedule_paused(&ctx.workspace, digest, paused, app.now())
        .await?
    {
        return Err(AppError::user(format!(
            "The {digest} digest has no schedule yet: set one with /schedule set digest:{digest} cron:\"{}\" channel:#…",
            default_cron(digest)
        )));
    }
    app.schedules_changed.notify_waiters();
    let mut r = view(app, ctx, None).await?;
    r.card.title = format!(
        "{} the {digest} digest",
        if paused { "Paused" } else { "Resumed" }
    );
    Ok(r)
}

pub async fn show(app: &App, ctx: &Ctx, _: NoOptions) -> AppResult<Reply> {
    view(app, ctx, None).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channels_parse() {
        assert_eq!(parse_channel(Platform::Discord, "<#3000>").unwrap(), "3000");
        assert_eq!(parse_channel(Platform::Discord, "3000").unwrap(), "3000");
        assert!(parse_channel(Platform::Discord, "#partners").is_err());
    }
}
