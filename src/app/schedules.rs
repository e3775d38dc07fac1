//! `/schedule set|pause|resume|show`: when and where the digests are posted.

use super::args::{input, NoOptions};
use super::card::{Card, Render, Tone};
use super::chat::{BadId, Platform, PostError};
use super::{App, AppError, AppResult, Ctx, Reply};
use crate::domain::{snippet, DigestKind};
use crate::schedule::cron_expr::CronExpr;
use crate::schedule::{default_cron, period_of, Period};
use chrono::DateTime;
use chrono_tz::Tz;
use serde::{Serialize, Serializer};
use std::fmt;

/// One digest's schedule, with its next runs.
#[derive(Debug, Clone, Serialize)]
pub struct ScheduleView {
    pub digest: DigestKind,
    /// None when the digest has no schedule yet.
    pub cron: Option<String>,
    pub channel: Option<String>,
    pub paused: bool,
    /// The workspace's time zone, serialized as its IANA name.
    #[serde(serialize_with = "crate::domain::timezone::serialize_name")]
    pub timezone: Tz,
    /// Both day-of-month and day-of-week are restricted, so a day must match both (a classic crontab
    /// fires on either).
    pub both_days_must_match: bool,
    /// The next fire times (in the workspace's time zone, see [`FireTime`]) and the period each covers.
    pub next_runs: Vec<NextRun>,
    pub last_run: Option<LastRun>,
    pub last_error: Option<String>,
}

/// One next fire time of a schedule.
#[derive(Debug, Clone, Serialize)]
pub struct NextRun {
    pub at: FireTime,
    /// The period the digest fired then covers.
    pub period: Period,
}

/// A fire time in the workspace's time zone, shown and serialized like `Mon 2026-11-23 09:00 CET` (not
/// RFC 3339: a lead reads it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FireTime(pub DateTime<Tz>);

impl fmt::Display for FireTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0.format("%a %Y-%m-%d %H:%M %Z"))
    }
}

impl Serialize for FireTime {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

/// The latest run of a schedule, as stored.
#[derive(Debug, Clone, Serialize)]
pub struct LastRun {
    pub period: Period,
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
    /// How the example of an unscheduled digest names a channel where it is read: `#partners` in a chat
    /// (Discord's picker, Slack's `#name`), an id in the console, which knows no channel names.
    #[serde(skip)]
    pub channel_example: &'static str,
}

/// The channel of `/schedule set`'s example where `app` runs: a name in a chat, an id in the console.
fn channel_example(app: &App, ctx: &Ctx) -> &'static str {
    match (&app.chat, Platform::of(&ctx.workspace)) {
        (Some(_), _) => "#partners",
        (None, Platform::Discord) => "<channel id: digits>",
        (None, Platform::Slack) => "<channel id: C…>",
    }
}

impl Render for Schedules {
    fn card(&self) -> Card {
        let mut card = Card::new("Digest schedules", Tone::Info);
        for s in &self.schedules {
            let body = match &s.cron {
                None => format!(
                    "not scheduled — e.g. /schedule set digest:{} cron:\"{}\" channel:{}",
                    s.digest,
                    default_cron(s.digest),
                    self.channel_example
                ),
                Some(c) => {
                    let mut lines = vec![format!(
                        "`{c}` ({}) in <#{}>{}",
                        s.timezone.name(),
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

/// A channel option: a Discord channel id (a non-zero 64-bit number) or `<#id>` mention, or a Slack channel
/// (`<#C…|name>`, `C…`).
fn parse_channel(platform: Platform, v: &str) -> AppResult<String> {
    platform.channel(v).map_err(|e| {
        AppError::user(match e {
            BadId::Form if platform == Platform::Slack => format!(
                "`{}` is not a channel: name it with # as Slack completes it, or give its id (C…)",
                snippet(v)
            ),
            BadId::Form => format!(
                "`{}` is not a channel: pick a channel (in the console, give its numeric id)",
                snippet(v)
            ),
            BadId::OutOfRange => format!(
                "`{}` is not a Discord channel id (they go from 1 to {}): pick a channel (in the console, \
                 give its numeric id)",
                snippet(v),
                u64::MAX
            ),
        })
    })
}

async fn view(app: &App, ctx: &Ctx, note: Option<String>) -> AppResult<Reply> {
    let schedules = views(app, &ctx.workspace).await?;
    Ok(Reply::from_typed(Schedules {
        schedules,
        note,
        channel_example: channel_example(app, ctx),
    }))
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
                    at: FireTime(n.with_timezone(&tz)),
                    period: period_of(digest, n, tz),
                });
                t = n;
            }
        }
        let last_run = match app.store.latest_run(workspace, digest).await? {
            Some(r) => Some(LastRun {
                period: r.period,
                fire_at: r.fire_at,
                posted_at: r.posted_at,
                late: r.late,
                error: r.last_error,
            }),
            None => None,
        };
        schedules.push(ScheduleView {
            digest,
            cron: s.map(|s| s.cron.clone()),
            channel: s.map(|s| s.channel_id.clone()),
            paused: s.is_some_and(|s| s.paused),
            timezone: tz,
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

/// `/schedule set`: post `digest` at the times of the cron expression (`default` for the digest's default) in
/// the channel, evaluated in the workspace's time zone. The bot's access to the channel is checked first when
/// there is a chat connection; the reply shows both schedules with their next runs.
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
        None => Some("The channel was not checked: there is no chat connection here (console). The bot checks it when it posts.".to_string()),
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

/// `/schedule show`: both digests' schedules, their next three runs and their latest run.
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
        let e = parse_channel(Platform::Discord, "<#0>")
            .unwrap_err()
            .user_message();
        assert_eq!(
            e,
            "`<#0>` is not a Discord channel id (they go from 1 to 18446744073709551615): pick a channel \
             (in the console, give its numeric id)"
        );
        assert_eq!(
            parse_channel(Platform::Slack, "<#C0PARTNER|partners>").unwrap(),
            "C0PARTNER"
        );
        assert_eq!(
            parse_channel(Platform::Slack, "0")
                .unwrap_err()
                .user_message(),
            "`0` is not a channel: name it with # as Slack completes it, or give its id (C…)"
        );
    }

    /// The typed fields serialize and show as the text they were kept as before: the zone's name, the fire
    /// time as `%a %Y-%m-%d %H:%M %Z` in that zone, the periods' names.
    #[test]
    fn a_view_serializes_and_shows_its_times_and_periods_as_text() {
        use chrono::TimeZone;
        let berlin: Tz = "Europe/Berlin".parse().unwrap();
        let fire = chrono::Utc.with_ymd_and_hms(2026, 11, 23, 8, 0, 0).unwrap();
        let view = ScheduleView {
            digest: DigestKind::Weekly,
            cron: Some("0 9 * * MON".into()),
            channel: Some("3000".into()),
            paused: false,
            timezone: berlin,
            both_days_must_match: false,
            next_runs: vec![NextRun {
                at: FireTime(fire.with_timezone(&berlin)),
                period: period_of(DigestKind::Weekly, fire, berlin),
            }],
            last_run: Some(LastRun {
                period: Period::stored(DigestKind::Weekly, "2026-W46").unwrap(),
                fire_at: fire - chrono::Duration::weeks(1),
                posted_at: None,
                late: true,
                error: None,
            }),
            last_error: None,
        };
        assert_eq!(
            serde_json::to_string(&view).unwrap(),
            concat!(
                r#"{"digest":"weekly","cron":"0 9 * * MON","channel":"3000","paused":false,"#,
                r#""timezone":"Europe/Berlin","both_days_must_match":false,"#,
                r#""next_runs":[{"at":"Mon 2026-11-23 09:00 CET","period":"2026-W47"}],"#,
                r#""last_run":{"period":"2026-W46","fire_at":"2026-11-16T08:00:00.000000Z","posted_at":null,"#,
                r#""late":true,"error":null},"last_error":null}"#
            )
        );
        let card = Schedules {
            schedules: vec![view],
            note: None,
            channel_example: "#partners",
        }
        .card();
        assert_eq!(
            card.fields[0].value,
            "`0 9 * * MON` (Europe/Berlin) in <#3000>\n\
             next: Mon 2026-11-23 09:00 CET → covers 2026-W47\n\
             last: 2026-W46 pending (late)"
        );
    }
}
