//! Several processes of one bot share Discord's global rate limit through the database (issue 21, item 5): the
//! real schedulers and the real Discord REST client of two "processes" (each with a rate limiter of its own, as
//! two processes have) against one database and the fake Discord with its rate limits on. Without the shared
//! budget each process keeps the pace alone and together they overrun the token's limit; with it they keep to it
//! together. And the store's reservations themselves, on both backends.

use crate::support::db::both_backends;
use crate::support::fake_discord::{FakeConfig, FakeDiscord, FakeOptions, RateLimits};
use crate::support::ipp::weekly_digest_in_each;
use crate::support::{utc, Db, TestApp, TestDb};
use partnerfit::app::pacing::SendBudget;
use partnerfit::discord::chat::DiscordChat;
use partnerfit::discord::ratelimit::Limits;
use partnerfit::schedule::runner::{RunOutcome, Scheduler, IN_FLIGHT};
use partnerfit::store::{Store, AHEAD_AT_MOST};
use std::sync::Arc;
use std::time::{Duration, Instant};

both_backends!(reservations_follow_each_other_across_processes);

/// More than one process takes on at once: the first to tick claims `IN_FLIGHT` digests at once, and the
/// other one claims the rest while the first is still posting them (claims are quick, posts are paced).
const SERVERS: u64 = IN_FLIGHT as u64 + 16;
const GUILD0: u64 = 90_000;
const CHANNEL0: u64 = 91_000;
/// The pace of each process, and the fake's global limit: 16 under 20, as the bot's 48 under Discord's 50.
const PACE: f64 = 16.0;
const LIMIT: usize = 20;

/// One process of the bot: its own client, cache and rate limiter, pacing within the bot's budget in `t`'s
/// database.
fn process(t: &TestApp, fake: &FakeDiscord, name: &str) -> Scheduler {
    let http = serenity::http::HttpBuilder::new("test-token")
        .proxy(fake.base_url())
        .ratelimiter_disabled(true)
        .build();
    let chat = Arc::new(DiscordChat {
        http: Arc::new(http),
        cache: Arc::new(serenity::cache::Cache::new()),
        limits: Limits::standalone(PACE),
    });
    chat.limits.share(SendBudget::new(&t.app, "bot"));
    Scheduler::new(
        t.app.clone().with_chat(chat.clone()),
        chat,
        name.into(),
        Duration::from_secs(120),
        Duration::from_secs(60),
    )
}

/// 48 servers' weekly digests due at once, shared out by two processes: each digest is two requests (the channel
/// read, the cache being empty, and the post), 96 in all. Each process alone keeps 16 a second, so together,
/// without the shared budget, they send 32 a second and the fake refuses some with global 429s (checked: this
/// test fails on both backends when `share` is left out). Sharing it, they send 16 a second together (about 6 s):
/// no 429 at all, no second with more than the limit, each digest posted once. On PostgreSQL, the database several
/// processes share (the bot shares its budget there only, `SendBudget::of_bot`).
#[tokio::test]
async fn two_processes_keep_to_the_bots_global_limit_together() {
    let cfg = FakeConfig::servers(SERVERS, GUILD0, CHANNEL0, "digests");
    let opts = FakeOptions {
        rate_limits: Some(RateLimits {
            global_per_second: LIMIT,
            ..RateLimits::discord()
        }),
        ..FakeOptions::default()
    };
    let fake = FakeDiscord::start_with_options(cfg, opts).await.unwrap();
    let t = TestApp::on(Db::Postgres, utc(2027, 1, 1, 12, 0)).await;
    weekly_digest_in_each(&t, SERVERS, GUILD0, CHANNEL0).await;
    let (a, b) = (process(&t, &fake, "a"), process(&t, &fake, "b"));
    t.clock.set(utc(2027, 1, 4, 9, 0));
    let (ra, rb) = tokio::join!(a.tick(), b.tick());
    let (ra, rb) = (ra.unwrap(), rb.unwrap());
    assert_eq!(ra.len() + rb.len(), SERVERS as usize, "{ra:#?}\n{rb:#?}");
    for r in ra.iter().chain(&rb) {
        assert!(matches!(r.outcome, RunOutcome::Posted { .. }), "{r:?}");
    }
    // Both processes posted: the claims shared the digests out, so both paced their requests.
    assert!(
        !ra.is_empty() && !rb.is_empty(),
        "one process posted every digest: {} and {}",
        ra.len(),
        rb.len()
    );
    for i in 0..SERVERS {
        assert_eq!(fake.channel_messages(CHANNEL0 + i).len(), 1, "server {i}");
    }
    let refused = fake.rate_limited();
    assert!(refused.is_empty(), "429s: {refused:?}");
    assert!(fake.early_requests().is_empty());
    assert!(
        fake.peak_per_second() <= LIMIT,
        "{}",
        fake.peak_per_second()
    );
}

/// The store's reservations: a second process's slots follow the first one's (`spacing` apart), each bot has a
/// budget of its own, and a budget run far ahead (a process that reserved much and died, a clock stepped back)
/// holds the next reservation back by `AHEAD_AT_MOST` at most.
async fn reservations_follow_each_other_across_processes(db: Db) {
    let db = TestDb::new(db).await;
    let a = Store::open(&db.url).await.unwrap();
    let b = Store::open(&db.url).await.unwrap();
    let within = Duration::from_secs(5);
    let ms = Duration::from_millis;
    // A clock read by SQL keeps milliseconds on SQLite.
    let slack = ms(2);
    let start = Instant::now();
    let first = a.reserve_sends("bot", 4, ms(100), within).await.unwrap();
    assert_eq!(
        first,
        Duration::ZERO,
        "the first slot of a new budget is now"
    );
    let second = b.reserve_sends("bot", 2, ms(100), within).await.unwrap();
    let passed = start.elapsed();
    // The first process holds 0, 100, 200 and 300 ms from its reservation: the second one's first slot is
    // 400 ms after that, less the time that passed between the two.
    assert!(second <= ms(400) + slack, "{second:?}");
    assert!(second + passed + slack >= ms(400), "{second:?} {passed:?}");
    assert_eq!(
        a.reserve_sends("another bot", 1, ms(100), within)
            .await
            .unwrap(),
        Duration::ZERO
    );
    // 200 slots of 100 ms: twenty seconds ahead; the next reservation waits AHEAD_AT_MOST (10 s) at most.
    a.reserve_sends("bot", 200, ms(100), within).await.unwrap();
    let capped = b.reserve_sends("bot", 1, ms(100), within).await.unwrap();
    assert_eq!(AHEAD_AT_MOST, Duration::from_secs(10));
    assert!(capped <= AHEAD_AT_MOST + slack, "{capped:?}");
    assert!(capped + ms(500) >= AHEAD_AT_MOST, "{capped:?}");
    a.close().await;
    b.close().await;
}
