//! Many servers' digests due at the same instant, posted through Discord's rate limits (issue 21, item 5): the
//! real scheduler and the real Discord REST client against the fake Discord with its rate limits on — far lower
//! than Discord's, so that they bite within seconds. Every digest is posted exactly once, none is lost to a 429,
//! and no request comes before the end of a wait the fake announced (a 429's `retry_after`).

use crate::support::bot::{Bot, WAIT};
use crate::support::fake_discord::{FakeConfig, FakeDiscord, FakeOptions, RateLimits};
use crate::support::ipp::{ok, weekly_digest_in_each};
use crate::support::{utc, TestApp};
use partnerfit::discord::chat::DiscordChat;
use partnerfit::domain::Role;
use partnerfit::schedule::runner::{RunOutcome, Scheduler, IN_FLIGHT};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

const GUILDS: u64 = 30;
/// Servers that have a quarterly digest too, in the same channel and at the same instant.
const WITH_QUARTERLY: u64 = 10;
const GUILD0: u64 = 70_000;
const CHANNEL0: u64 = 80_000;

/// Monday 09:00 in mixed time zones, all the same instant in January (09:00 UTC): London keeps UTC in
/// winter, Abidjan and Reykjavik always; Paris is an hour ahead and New York five behind.
const ZONES: &[(&str, &str)] = &[
    ("UTC", "0 9 * * MON"),
    ("Europe/London", "0 9 * * MON"),
    ("Africa/Abidjan", "0 9 * * MON"),
    ("Atlantic/Reykjavik", "0 9 * * MON"),
    ("Europe/Paris", "0 10 * * MON"),
    ("America/New_York", "0 4 * * MON"),
];

/// The fake's standard application in `n` servers, each with its own #digests channel the bot may post in.
fn servers(n: u64) -> FakeConfig {
    FakeConfig::servers(n, GUILD0, CHANNEL0, "digests")
}

#[tokio::test]
async fn many_digests_at_once_are_each_posted_once_within_the_rate_limits() {
    let cfg = servers(GUILDS);
    // 20 requests a second in all, and one a second per route: a channel with two digests gets the second
    // only after the first one's bucket resets.
    let limits = RateLimits {
        global_per_second: 20,
        route_limit: 1,
        route_window: Duration::from_secs(1),
        limit_gateway: false,
    };
    let opts = FakeOptions {
        rate_limits: Some(limits),
        ..FakeOptions::default()
    };
    let fake = FakeDiscord::start_with_options(cfg, opts).await.unwrap();

    // Set up on Friday 2027-01-01; the digests fire on Monday 2027-01-04 at 09:00 UTC.
    let t = TestApp::new(utc(2027, 1, 1, 12, 0)).await;
    let mut expected: HashMap<u64, usize> = HashMap::new();
    for i in 0..GUILDS {
        let ctx = t.ctx(&(GUILD0 + i).to_string(), "ana", Role::Lead);
        let (zone, cron) = ZONES[i as usize % ZONES.len()];
        let channel = CHANNEL0 + i;
        ok(
            &t,
            &ctx,
            &format!("/settings set key:timezone value:{zone}"),
        )
        .await;
        ok(&t, &ctx, r#"/partner add name:"Acme Corp" type:reseller"#).await;
        ok(
            &t,
            &ctx,
            &format!(r#"/schedule set digest:weekly cron:"{cron}" channel:{channel}"#),
        )
        .await;
        let mut posts = 1;
        if i < WITH_QUARTERLY {
            ok(
                &t,
                &ctx,
                &format!(r#"/schedule set digest:quarterly cron:"{cron}" channel:{channel}"#),
            )
            .await;
            posts += 1;
        }
        expected.insert(channel, posts);
    }

    let http = serenity::http::HttpBuilder::new("test-token")
        .proxy(fake.base_url())
        .ratelimiter_disabled(true)
        .build();
    let chat = Arc::new(DiscordChat::new(
        Arc::new(http),
        Arc::new(serenity::cache::Cache::new()),
    ));
    let scheduler = Scheduler::new(
        t.app.clone().with_chat(chat.clone()),
        chat,
        "one".into(),
        Duration::from_secs(120),
        Duration::from_secs(60),
    );
    t.clock.set(utc(2027, 1, 4, 9, 0));
    let reports = scheduler.tick().await.unwrap();

    let total: usize = expected.values().sum();
    assert_eq!(reports.len(), total, "{reports:#?}");
    for r in &reports {
        assert!(
            matches!(r.outcome, RunOutcome::Posted { .. }),
            "every digest posted in the one tick, none left for a retry: {r:?}"
        );
        assert!(!r.late, "{r:?}");
    }
    // Exactly the expected messages in each channel, each with its own nonce; nothing anywhere else.
    let mut nonces = HashSet::new();
    for (channel, n) in &expected {
        let posts = fake.channel_messages(*channel);
        assert_eq!(posts.len(), *n, "channel {channel}");
        for p in posts {
            let nonce = p.body["nonce"].as_str().unwrap().to_string();
            assert!(nonces.insert(nonce), "a nonce used twice");
        }
    }
    assert_eq!(nonces.len(), total);

    // The limits bit (more requests than the global limit allows in a second were due at once) ...
    let sent = fake.rate_limited();
    assert!(
        fake.requests().len() > 20,
        "the scenario must exceed one second's budget"
    );
    // ... and were honoured: no request before a wait the fake announced had ended, never more than the
    // global limit accepted in one second, and few 429s (each one a request Discord would count as invalid).
    let early = fake.early_requests();
    assert!(
        early.is_empty(),
        "requests before the announced reset: {early:?}"
    );
    assert!(fake.peak_per_second() <= 20);
    assert!(
        sent.len() <= total / 2,
        "{} 429s for {total} posts: {sent:?}",
        sent.len()
    );
    // The second digest of a channel waited for its bucket (Remaining 0, Reset-After 1 s) instead of
    // being refused: no 429 for a channel's route.
    assert!(
        sent.iter().all(|s| s.global),
        "a channel's own limit was hit: {sent:?}"
    );
}

/// Processes starting together can find `GET /gateway` rate-limited. The fake allows it once per 10 s: the
/// first bot's own request is admitted and serenity's, while building the client, is refused (serenity then
/// falls back to the public gateway, which the bot must not follow); the second bot, started at once, is
/// refused its first request and asks again after the `retry_after`. Both reach this fake's gateway.
#[tokio::test]
async fn bots_starting_together_wait_out_a_rate_limited_gateway_url() {
    let opts = FakeOptions {
        rate_limits: Some(RateLimits {
            global_per_second: 50,
            route_limit: 1,
            route_window: Duration::from_secs(10),
            limit_gateway: true,
        }),
        ..FakeOptions::default()
    };
    let fake = FakeDiscord::start_with_options(FakeConfig::standard(), opts)
        .await
        .unwrap();
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let first = Bot::start(&fake, a.path(), &[]);
    let second = Bot::start(&fake, b.path(), &[]);
    if let Err(e) = fake
        .wait_identifies(2, WAIT + Duration::from_secs(10))
        .await
    {
        panic!(
            "both bots should identify on the fake's gateway: {e}\n{}\n{}",
            first.log_text(),
            second.log_text()
        );
    }
    let refused = fake
        .rate_limited()
        .iter()
        .filter(|r| r.route == "GET/gateway")
        .count();
    // Two bots, each asking twice, once per 10 s: at least the second request of each was refused.
    assert!(refused >= 2, "{:?}", fake.rate_limited());
    assert_eq!(first.terminate().await, Some(0));
    assert_eq!(second.terminate().await, Some(0));
}

/// A claim's lease runs from the moment of the claim, not from the start of the scheduler's tick. More digests
/// are due than one tick takes on at once (`IN_FLIGHT`): the first ones are held by the fake for 100 s of the
/// app's clock (then answered 503: a passing failure, retried after the back-off), so the rest are claimed 100 s
/// into the tick, and held too. 125 s after the fire time, with the lease of 120 s, a second process must find
/// nothing to take over: those claims are 25 s old. (When leases counted from the tick's start, it took them
/// over and posted them while the first process still was: twice, in the fan-out bench with three processes.)
#[tokio::test]
async fn a_late_claim_in_a_long_tick_is_not_taken_over() {
    const SERVERS: u64 = IN_FLIGHT as u64 + 8;
    let cfg = servers(SERVERS);
    let fake = FakeDiscord::start(cfg).await.unwrap();
    let t = TestApp::new(utc(2027, 1, 1, 12, 0)).await;
    weekly_digest_in_each(&t, SERVERS, GUILD0, CHANNEL0).await;
    let chat = crate::scheduler::discord_chat(&fake);
    let scheduler = |instance: &str| {
        Scheduler::new(
            t.app.clone().with_chat(chat.clone()),
            chat.clone(),
            instance.into(),
            Duration::from_secs(120),
            Duration::from_secs(60),
        )
    };
    let (a, b) = (scheduler("a"), scheduler("b"));
    fake.hold_next("/messages", SERVERS as usize);
    t.clock.set(utc(2027, 1, 4, 9, 0));
    let first = tokio::spawn(async move { a.tick().await });
    fake.wait_held(IN_FLIGHT, WAIT).await.unwrap();
    t.clock.advance(chrono::Duration::seconds(100));
    fake.release_held();
    fake.wait_held(SERVERS as usize, WAIT).await.unwrap();
    t.clock.advance(chrono::Duration::seconds(25));
    let taken_over = b.tick().await.unwrap();
    assert!(taken_over.is_empty(), "{taken_over:#?}");
    fake.release_held();
    let reports = first.await.unwrap().unwrap();
    assert_eq!(reports.len(), SERVERS as usize);
    assert!(
        reports
            .iter()
            .all(|r| matches!(r.outcome, RunOutcome::WillRetry { .. })),
        "{reports:#?}"
    );
    assert_eq!(
        fake.requests()
            .iter()
            .filter(|r| r.method == "POST" && r.path.ends_with("/messages") && r.is_success())
            .count(),
        0
    );
}
