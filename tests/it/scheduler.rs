//! The digest scheduler, ticked by hand with the test clock (no sleeps), posting through the real Discord
//! REST client (`DiscordChat` over serenity's `Http`) to the fake Discord. METHOD.md "Schedules": exactly
//! once per period, across restarts, crashes between claim and post, several processes; after downtime only
//! the latest missed period, marked late.

use crate::support::bot::message_title;
use crate::support::fake_discord::{
    FakeChannel, FakeConfig, FakeDiscord, Recorded, LOCKED_CHANNEL_ID, PARTNERS_CHANNEL_ID,
    REVOPS_ROLE_ID, STANDARD_GUILD_ID,
};
use crate::support::ipp::ok;
use crate::support::TestApp;
use chrono::{DateTime, Duration as Span, TimeZone, Utc};
use partnerfit::app::{App, Ctx};
use partnerfit::discord::chat::DiscordChat;
use partnerfit::domain::{DigestKind, Period, Role};
use partnerfit::schedule::runner::{RunOutcome, RunReport, Scheduler};
use partnerfit::store::{Claim, Store};
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Duration;

mod clock_jumps;
mod lost_claim;

/// A second channel the bot can post in, for digests set from #partners.
const DIGESTS_CHANNEL_ID: u64 = 3002;

fn at(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, s).unwrap()
}

struct Harness {
    t: TestApp,
    fake: FakeDiscord,
    chat: Arc<DiscordChat>,
    /// Lead `ana`, typing in #partners of the standard guild (where schedule errors are reported).
    ctx: Ctx,
}

pub(crate) fn discord_chat(fake: &FakeDiscord) -> Arc<DiscordChat> {
    let http = serenity::http::HttpBuilder::new("test-token")
        .proxy(fake.base_url())
        .ratelimiter_disabled(true)
        .build();
    Arc::new(DiscordChat::new(
        Arc::new(http),
        Arc::new(serenity::cache::Cache::new()),
    ))
}

impl Harness {
    async fn new(now: DateTime<Utc>) -> Harness {
        let mut cfg = FakeConfig::standard();
        cfg.guilds[0].channels.push(FakeChannel {
            id: DIGESTS_CHANNEL_ID,
            name: "digests".into(),
            bot_can_send: true,
        });
        let fake = FakeDiscord::start(cfg).await.unwrap();
        let t = TestApp::new(now).await;
        let mut ctx = t.ctx(&STANDARD_GUILD_ID.to_string(), "ana", Role::Lead);
        ctx.channel_id = Some(PARTNERS_CHANNEL_ID.to_string());
        Harness {
            chat: discord_chat(&fake),
            fake,
            t,
            ctx,
        }
    }

    /// From Friday 2027-01-01 00:00Z on, the weekly digest scheduled for Mondays at 09:00 (UTC) in #partners.
    async fn weekly_on_mondays() -> Harness {
        let h = Harness::new(at(2027, 1, 1, 0, 0, 0)).await;
        h.ok(&format!(
            r#"/schedule set digest:weekly cron:"0 9 * * MON" channel:{PARTNERS_CHANNEL_ID}"#
        ))
        .await;
        h
    }

    async fn ok(&self, line: &str) -> Value {
        ok(&self.t, &self.ctx, line).await
    }

    /// A scheduler process with this instance id over `app` (lease 120 s).
    fn scheduler_on(&self, app: &App, instance: &str) -> Scheduler {
        Scheduler::new(
            app.clone().with_chat(self.chat.clone()),
            self.chat.clone(),
            instance.to_string(),
            Duration::from_secs(120),
            Duration::from_secs(60),
        )
    }

    fn scheduler(&self, instance: &str) -> Scheduler {
        self.scheduler_on(&self.t.app, instance)
    }

    /// Set the clock and tick once.
    async fn tick_at(&self, s: &Scheduler, now: DateTime<Utc>) -> Vec<RunReport> {
        self.t.clock.set(now);
        s.tick().await.unwrap()
    }

    fn posts(&self, channel: u64) -> Vec<Value> {
        self.fake
            .channel_messages(channel)
            .into_iter()
            .map(|r| r.body)
            .collect()
    }

    /// A process "crashed" claims the weekly `period` fired at `fire` (lease 120 s) and dies before posting.
    async fn claimed_by_a_process_that_dies(&self, period: &str, fire: DateTime<Utc>) {
        let claim = self
            .t
            .app
            .store
            .claim_run(
                &STANDARD_GUILD_ID.to_string(),
                DigestKind::Weekly,
                Period::Week(period.parse().unwrap()),
                fire,
                false,
                "crashed",
                fire,
                fire + Span::seconds(120),
            )
            .await
            .unwrap();
        assert_eq!(claim, Claim::Claimed { attempt: 1 });
    }

    /// POST attempts to a channel, successful or not.
    fn attempts(&self, channel: u64) -> usize {
        let path = format!("/api/v10/channels/{channel}/messages");
        self.fake
            .requests()
            .iter()
            .filter(|r| r.method == "POST" && r.path == path)
            .count()
    }
}

#[track_caller]
fn posted(reports: &[RunReport], period: &str, late: bool) {
    assert_eq!(reports.len(), 1, "{reports:?}");
    let r = &reports[0];
    assert_eq!(
        (r.period.to_string().as_str(), r.late),
        (period, late),
        "{r:?}"
    );
    assert!(matches!(r.outcome, RunOutcome::Posted { .. }), "{r:?}");
}

/// Europe/Berlin, weekly at 09:00 on Mondays, across the spring-forward of Sunday 2027-03-28: 09:00 CET is
/// 08:00Z on 03-22, 09:00 CEST is 07:00Z on 03-29.
#[tokio::test]
async fn weekly_at_nine_local_across_a_dst_change() {
    let h = Harness::new(at(2027, 3, 15, 12, 0, 0)).await;
    h.ok("/settings set key:timezone value:Europe/Berlin").await;
    h.ok(&format!(
        r#"/schedule set digest:weekly cron:"0 9 * * MON" channel:{PARTNERS_CHANNEL_ID}"#
    ))
    .await;
    let s = h.scheduler("a");
    assert!(h.tick_at(&s, at(2027, 3, 22, 7, 59, 59)).await.is_empty());
    let r = h.tick_at(&s, at(2027, 3, 22, 8, 0, 0)).await;
    posted(&r, "2027-W11", false);
    assert!(h.tick_at(&s, at(2027, 3, 22, 8, 0, 30)).await.is_empty());
    assert!(h.tick_at(&s, at(2027, 3, 29, 6, 59, 59)).await.is_empty());
    let r = h.tick_at(&s, at(2027, 3, 29, 7, 0, 0)).await;
    posted(&r, "2027-W12", false);
    assert!(h.tick_at(&s, at(2027, 3, 29, 8, 0, 0)).await.is_empty());
    let posts = h.posts(PARTNERS_CHANNEL_ID);
    assert_eq!(posts.len(), 2);
    assert!(
        message_title(&posts[0]).starts_with("Weekly allocation check 2027-W11: no data"),
        "{}",
        posts[0]
    );
    assert!(message_title(&posts[1]).starts_with("Weekly allocation check 2027-W12"));
    for p in &posts {
        assert!(!message_title(p).contains("late"), "{p}");
        // the no-data digest is posted, and reminds the team to log
        assert!(p["embeds"][0]["description"]
            .as_str()
            .unwrap()
            .contains("/log hours"));
        assert_eq!(p["allowed_mentions"]["parse"], json!([]));
        assert!(
            p.get("content").is_none_or(|c| c.is_null() || c == ""),
            "no mention in a weekly digest: {p}"
        );
    }
    // the chart is attached
    let files = &h.fake.channel_messages(PARTNERS_CHANNEL_ID)[0].files;
    assert_eq!(files.len(), 1);
    assert!(files[0].bytes.starts_with(b"\x89PNG"));
    assert_eq!(files[0].filename, "weekly-2027-W11.png");
}

/// A restart is a new process: a new scheduler instance over a new connection to the same database. It does
/// not post the period again, and posts the next one once.
#[tokio::test]
async fn a_restart_does_not_post_the_period_again() {
    let h = Harness::weekly_on_mondays().await;
    let first = h.scheduler("before-restart");
    // Monday 2027-01-04 covers 2026-W53 (2026 has 53 ISO weeks).
    posted(
        &h.tick_at(&first, at(2027, 1, 4, 9, 0, 0)).await,
        "2026-W53",
        false,
    );
    drop(first);
    let store = Store::open(&h.t.url).await.unwrap();
    let app = App::new(store, h.t.clock.clone());
    let second = h.scheduler_on(&app, "after-restart");
    for m in [0, 1, 30] {
        assert!(h.tick_at(&second, at(2027, 1, 4, 9, m, 5)).await.is_empty());
    }
    posted(
        &h.tick_at(&second, at(2027, 1, 11, 9, 0, 1)).await,
        "2027-W01",
        false,
    );
    assert!(h
        .tick_at(&second, at(2027, 1, 11, 9, 0, 2))
        .await
        .is_empty());
    assert_eq!(h.posts(PARTNERS_CHANNEL_ID).len(), 2);
}

/// A process claims a period and dies before posting. Until the claim's lease expires nobody posts it; then
/// another instance takes it over and posts it exactly once.
#[tokio::test]
async fn a_crash_between_claim_and_post_is_retried_once_after_the_lease() {
    let h = Harness::weekly_on_mondays().await;
    let fire = at(2027, 1, 4, 9, 0, 0);
    h.t.clock.set(fire);
    let period =
        partnerfit::schedule::period_of(DigestKind::Weekly, fire, chrono_tz::UTC).to_string();
    assert_eq!(period, "2026-W53");
    h.claimed_by_a_process_that_dies(&period, fire).await;
    let s = h.scheduler("survivor");
    for t in [
        fire,
        fire + Span::seconds(1),
        fire + Span::seconds(60),
        fire + Span::seconds(120),
    ] {
        assert!(
            h.tick_at(&s, t).await.is_empty(),
            "lease still valid at {t}"
        );
    }
    assert_eq!(h.attempts(PARTNERS_CHANNEL_ID), 0);
    // Posted more than two minutes after its fire time, because the poster was down: marked late.
    let r = h.tick_at(&s, fire + Span::seconds(121)).await;
    posted(&r, "2026-W53", true);
    assert!(message_title(&h.posts(PARTNERS_CHANNEL_ID)[0]).contains("(late)"));
    let show = h.ok("/schedule show").await;
    assert_eq!(show["schedules"][0]["last_run"]["late"], true);
    for t in [Span::seconds(122), Span::seconds(400), Span::hours(30)] {
        assert!(h.tick_at(&s, fire + t).await.is_empty());
    }
    assert_eq!(h.posts(PARTNERS_CHANNEL_ID).len(), 1);
    // A second survivor, ticking later, finds nothing to do either.
    let other = h.scheduler("another");
    assert!(h.tick_at(&other, fire + Span::hours(31)).await.is_empty());
    assert_eq!(h.posts(PARTNERS_CHANNEL_ID).len(), 1);
}

/// A process claims a period, dies before posting, and the bot stays down for three weeks: when it comes back
/// only the latest missed period is posted (marked late); the stale claim is given up, not posted too.
#[tokio::test]
async fn a_crash_then_long_downtime_posts_only_the_latest_period() {
    let h = Harness::weekly_on_mondays().await;
    let fire = at(2027, 1, 4, 9, 0, 0);
    h.claimed_by_a_process_that_dies("2026-W53", fire).await;
    let s = h.scheduler("back-up");
    // Back on Wednesday 2027-01-27: the Mondays 01-11, 01-18 and 01-25 were missed too.
    let r = h.tick_at(&s, at(2027, 1, 27, 12, 0, 0)).await;
    posted(&r, "2027-W03", true);
    assert!(h.tick_at(&s, at(2027, 1, 27, 12, 5, 0)).await.is_empty());
    assert_eq!(h.posts(PARTNERS_CHANNEL_ID).len(), 1);
    assert!(message_title(&h.posts(PARTNERS_CHANNEL_ID)[0])
        .starts_with("Weekly allocation check 2027-W03 (late)"));
}

/// Down from before the first fire until Wednesday five weeks later: five Mondays were missed; only the latest
/// (2027-02-01, covering 2027-W04) is posted, once, marked late. The next Monday is posted on time.
#[tokio::test]
async fn downtime_over_several_fire_times_posts_only_the_latest_marked_late() {
    let h = Harness::weekly_on_mondays().await;
    let s = h.scheduler("back-up");
    let r = h.tick_at(&s, at(2027, 2, 3, 12, 0, 0)).await;
    posted(&r, "2027-W04", true);
    assert!(h.tick_at(&s, at(2027, 2, 3, 12, 0, 1)).await.is_empty());
    assert!(h.tick_at(&s, at(2027, 2, 8, 8, 59, 59)).await.is_empty());
    posted(
        &h.tick_at(&s, at(2027, 2, 8, 9, 0, 0)).await,
        "2027-W05",
        false,
    );
    let posts = h.posts(PARTNERS_CHANNEL_ID);
    assert_eq!(posts.len(), 2, "{posts:?}");
    assert!(
        message_title(&posts[0]).starts_with("Weekly allocation check 2027-W04 (late)"),
        "{}",
        message_title(&posts[0])
    );
    assert!(!message_title(&posts[1]).contains("late"));
    // /schedule show says what happened last
    let show = h.ok("/schedule show").await;
    let weekly = &show["schedules"][0];
    assert_eq!(weekly["last_run"]["period"], "2027-W05");
    assert_eq!(weekly["last_run"]["late"], false);
    // Two minutes after the fire is still on time; later is late.
    posted(
        &h.tick_at(&s, at(2027, 2, 15, 9, 2, 0)).await,
        "2027-W06",
        false,
    );
    posted(
        &h.tick_at(&s, at(2027, 2, 22, 9, 2, 1)).await,
        "2027-W07",
        true,
    );
}

/// Two bot processes (two connections to one database) tick at the same instant: one posts.
#[tokio::test]
async fn two_schedulers_at_the_same_instant_post_once() {
    let h = Harness::weekly_on_mondays().await;
    let other_app = App::new(Store::open(&h.t.url).await.unwrap(), h.t.clock.clone());
    let a = h.scheduler("a");
    let b = h.scheduler_on(&other_app, "b");
    for (week, day) in [("2026-W53", 4), ("2027-W01", 11), ("2027-W02", 18)] {
        h.t.clock.set(at(2027, 1, day, 9, 0, 0));
        let (ra, rb) = tokio::join!(a.tick(), b.tick());
        let mut all = ra.unwrap();
        all.extend(rb.unwrap());
        posted(&all, week, false);
    }
    assert_eq!(h.posts(PARTNERS_CHANNEL_ID).len(), 3);
}

/// A server error is a passing failure: retried after the 30 s back-off, then posted once. A 429 too.
#[tokio::test]
async fn a_server_error_is_retried_after_the_back_off() {
    let h = Harness::weekly_on_mondays().await;
    let s = h.scheduler("a");
    let fire = at(2027, 1, 4, 9, 0, 0);
    h.fake
        .fail_next(&format!("/channels/{PARTNERS_CHANNEL_ID}/messages"), 500, 1);
    let r = h.tick_at(&s, fire).await;
    assert_eq!(r.len(), 1);
    assert!(
        matches!(&r[0].outcome, RunOutcome::WillRetry { .. }),
        "{r:?}"
    );
    assert_eq!(h.attempts(PARTNERS_CHANNEL_ID), 1);
    for secs in [1, 10, 30] {
        assert!(h.tick_at(&s, fire + Span::seconds(secs)).await.is_empty());
    }
    assert_eq!(
        h.attempts(PARTNERS_CHANNEL_ID),
        1,
        "no retry before the back-off"
    );
    posted(
        &h.tick_at(&s, fire + Span::seconds(31)).await,
        "2026-W53",
        false,
    );
    assert!(h.tick_at(&s, fire + Span::seconds(62)).await.is_empty());
    assert_eq!(h.posts(PARTNERS_CHANNEL_ID).len(), 1);
    // The retry carried the same idempotency key as the failed attempt.
    let bodies: Vec<Value> = h
        .fake
        .requests()
        .into_iter()
        .filter(|r| r.method == "POST" && r.path.ends_with("/messages"))
        .map(|r| r.body)
        .collect();
    assert_eq!(bodies.len(), 2);
    assert!(bodies[0]["nonce"].is_string());
    assert_eq!(bodies[0]["nonce"], bodies[1]["nonce"]);

    // next week: rate limited once (a 429 with retry_after 0.05 s): the wait is honoured and the same message,
    // with the same idempotency key, posted in the same tick; no back-off of the run is needed.
    let fire = at(2027, 1, 11, 9, 0, 0);
    h.fake
        .fail_next(&format!("/channels/{PARTNERS_CHANNEL_ID}/messages"), 429, 1);
    posted(&h.tick_at(&s, fire).await, "2027-W01", false);
    assert_eq!(h.posts(PARTNERS_CHANNEL_ID).len(), 2);
    assert_eq!(h.attempts(PARTNERS_CHANNEL_ID), 4);
    let attempts: Vec<Recorded> = h
        .fake
        .requests()
        .into_iter()
        .filter(|r| r.method == "POST" && r.path.ends_with("/messages"))
        .collect();
    assert_eq!(attempts[2].status, 429);
    assert_eq!(attempts[2].body["nonce"], attempts[3].body["nonce"]);
    assert!(attempts[3].at.duration_since(attempts[2].at) >= Duration::from_millis(50));
}

/// A channel the bot cannot post in: that period is given up (not retried), the failure is reported in the
/// channel where the schedule was set, /schedule show shows it, and the next period is tried again. Access
/// lost later on a working channel is handled the same way.
#[tokio::test]
async fn a_forbidden_channel_is_reported_where_the_schedule_was_set_and_retried_next_period() {
    let h = Harness::new(at(2027, 1, 1, 0, 0, 0)).await;
    // A later loss of access: the digest channel works, then answers 403 once.
    h.ok(&format!(
        r#"/schedule set digest:weekly cron:"0 9 * * MON" channel:{DIGESTS_CHANNEL_ID}"#
    ))
    .await;
    let s = h.scheduler("a");
    posted(
        &h.tick_at(&s, at(2027, 1, 4, 9, 0, 0)).await,
        "2026-W53",
        false,
    );
    h.fake
        .fail_next(&format!("/channels/{DIGESTS_CHANNEL_ID}/messages"), 403, 1);
    let r = h.tick_at(&s, at(2027, 1, 11, 9, 0, 0)).await;
    assert_eq!(r.len(), 1);
    let RunOutcome::GivenUp { reason } = &r[0].outcome else {
        panic!("{r:?}")
    };
    assert!(reason.contains("Missing Permissions"), "{reason}");
    let reports = h.posts(PARTNERS_CHANNEL_ID);
    assert_eq!(reports.len(), 1, "reported where the schedule was set");
    assert_eq!(
        message_title(&reports[0]),
        "The weekly digest for 2027-W01 could not be posted"
    );
    let text = reports[0]["embeds"][0]["description"].as_str().unwrap();
    assert!(text.contains(&format!("<#{DIGESTS_CHANNEL_ID}>")), "{text}");
    assert!(text.contains("Missing Permissions"), "{text}");
    let show = h.ok("/schedule show").await;
    assert!(show["schedules"][0]["last_error"]
        .as_str()
        .unwrap()
        .contains("Missing Permissions"));
    // not retried within the period
    for t in [at(2027, 1, 11, 9, 5, 0), at(2027, 1, 12, 9, 0, 0)] {
        assert!(h.tick_at(&s, t).await.is_empty());
    }
    assert_eq!(h.attempts(DIGESTS_CHANNEL_ID), 2);
    // the next period is tried again, and works; the error is cleared
    posted(
        &h.tick_at(&s, at(2027, 1, 18, 9, 0, 0)).await,
        "2027-W02",
        false,
    );
    assert_eq!(h.posts(DIGESTS_CHANNEL_ID).len(), 2);
    assert_eq!(
        h.ok("/schedule show").await["schedules"][0]["last_error"],
        Value::Null
    );

    // A channel the bot never could post in (the console cannot check it when the schedule is set).
    h.ok(&format!(
        r#"/schedule set digest:weekly cron:"0 9 * * MON" channel:{LOCKED_CHANNEL_ID}"#
    ))
    .await;
    for (n, day) in [(1, 25), (2, 1)] {
        let month = if day == 25 { 1 } else { 2 };
        let r = h.tick_at(&s, at(2027, month, day, 9, 0, 0)).await;
        assert!(matches!(&r[0].outcome, RunOutcome::GivenUp { .. }), "{r:?}");
        assert_eq!(h.attempts(LOCKED_CHANNEL_ID), n, "one attempt per period");
        assert_eq!(
            h.posts(PARTNERS_CHANNEL_ID).len(),
            1 + n,
            "one report per period"
        );
        assert!(h
            .tick_at(&s, at(2027, month, day, 10, 0, 0))
            .await
            .is_empty());
    }
}

/// Paused schedules post nothing; resuming does not catch up the periods that passed while paused.
#[tokio::test]
async fn paused_schedules_post_nothing_and_resume_does_not_catch_up() {
    let h = Harness::weekly_on_mondays().await;
    let s = h.scheduler("a");
    posted(
        &h.tick_at(&s, at(2027, 1, 4, 9, 0, 0)).await,
        "2026-W53",
        false,
    );
    h.t.clock.set(at(2027, 1, 5, 12, 0, 0));
    let r = h.ok("/schedule pause digest:weekly").await;
    assert_eq!(r["schedules"][0]["paused"], true);
    for day in [11, 18, 19] {
        assert!(h.tick_at(&s, at(2027, 1, day, 9, 0, 0)).await.is_empty());
    }
    h.t.clock.set(at(2027, 1, 20, 12, 0, 0));
    h.ok("/schedule resume digest:weekly").await;
    assert!(h.tick_at(&s, at(2027, 1, 20, 12, 0, 1)).await.is_empty());
    assert!(h.tick_at(&s, at(2027, 1, 24, 23, 59, 59)).await.is_empty());
    posted(
        &h.tick_at(&s, at(2027, 1, 25, 9, 0, 0)).await,
        "2027-W03",
        false,
    );
    assert_eq!(h.posts(PARTNERS_CHANNEL_ID).len(), 2);
}

/// The scheduled quarterly digest mentions the review role only, and stores the posted result.
#[tokio::test]
async fn the_quarterly_post_mentions_only_the_review_role_and_is_stored() {
    let h = Harness::new(at(2027, 1, 1, 0, 0, 0)).await;
    h.ok(&format!("/settings roles review:{REVOPS_ROLE_ID}"))
        .await;
    h.ok(&format!(
        r#"/schedule set digest:quarterly cron:default channel:{PARTNERS_CHANNEL_ID}"#
    ))
    .await;
    let s = h.scheduler("a");
    // the default: 09:00 on the first Monday of the quarter's first month, 2027-01-04
    assert!(h.tick_at(&s, at(2027, 1, 4, 8, 59, 59)).await.is_empty());
    posted(
        &h.tick_at(&s, at(2027, 1, 4, 9, 0, 0)).await,
        "2026-Q4",
        false,
    );
    let posts = h.posts(PARTNERS_CHANNEL_ID);
    assert_eq!(posts.len(), 1);
    let p = &posts[0];
    assert_eq!(p["content"], format!("<@&{REVOPS_ROLE_ID}>"));
    assert_eq!(p["allowed_mentions"]["parse"], json!([]));
    assert_eq!(
        p["allowed_mentions"]["roles"],
        json!([REVOPS_ROLE_ID.to_string()])
    );
    assert!(message_title(p).starts_with("Quarterly re-check 2026-Q4: insufficient-data"));
    let files = &h.fake.channel_messages(PARTNERS_CHANNEL_ID)[0].files;
    assert_eq!(files.len(), 1);
    assert!(files[0].bytes.starts_with(b"\x89PNG"));
    let d = h.ok("/digest quarterly quarter:2026-Q4").await;
    assert_eq!(d["posted"]["verdict"], "insufficient-data");
    assert_eq!(d["posted"]["data_changed"], false);
    // without a review role, nobody is mentioned
    h.ok("/settings roles review:none").await;
    posted(
        &h.tick_at(&s, at(2027, 4, 5, 9, 0, 0)).await,
        "2027-Q1",
        false,
    );
    let p = &h.posts(PARTNERS_CHANNEL_ID)[1];
    assert!(p["content"].is_null() || p["content"] == "", "{p}");
    assert_eq!(p["allowed_mentions"]["roles"], json!([]));
}

/// Bad schedules are refused in one line and change nothing.
#[tokio::test]
async fn bad_schedules_are_refused_in_one_line_and_change_nothing() {
    let h = Harness::weekly_on_mondays().await;
    let before = h.ok("/schedule show").await;
    for (line, says) in [
        // February 30th never comes
        (
            r#"/schedule set digest:weekly cron:"0 0 30 2 *" channel:3000"#,
            "never",
        ),
        // a year in the past
        (
            r#"/schedule set digest:weekly cron:"0 0 9 * * * 2020" channel:3000"#,
            "never",
        ),
        (
            r#"/schedule set digest:weekly cron:"every monday" channel:3000"#,
            "0 9 * * MON",
        ),
        (
            r#"/schedule set digest:weekly cron:"61 9 * * MON" channel:3000"#,
            "61",
        ),
        (
            r##"/schedule set digest:weekly cron:"0 9 * * MON" channel:"#partners""##,
            "not a channel",
        ),
        (
            r#"/schedule set digest:monthly cron:"0 9 * * MON" channel:3000"#,
            "weekly",
        ),
        ("/schedule pause digest:quarterly", "no schedule yet"),
    ] {
        let e = crate::support::ipp::err(&h.t, &h.ctx, line).await;
        assert!(e.contains(says), "{line}: {e}");
    }
    assert_eq!(h.ok("/schedule show").await, before);
}
