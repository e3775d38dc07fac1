//! A scheduled digest whose message was sent while its bookkeeping failed counts once, as posted: the real bot
//! on a SQLite file whose `digest_runs` refuses, by a trigger, to record a post (as a constraint added by hand,
//! or an audit trigger, would), its `/metrics` scraped on the listener and its log read for the warning.

use crate::support::bot::{db_url, Bot, WAIT};
use crate::support::fake_discord::{FakeConfig, FakeDiscord, PARTNERS_CHANNEL_ID};
use crate::support::prom::{scrape, scrape_until, value};
use crate::support::scenario;

const POSTS: &str = "partnerfit_digest_posts_total";

/// Refuses the statement that records a period as posted with its message (a given-up run has no message).
const REFUSE_RECORD: &str = "CREATE TRIGGER refuse_posted BEFORE UPDATE ON digest_runs \
     WHEN NEW.message_id IS NOT NULL AND OLD.posted_at IS NULL \
     BEGIN SELECT RAISE(ABORT, 'posts are not recorded today'); END";

/// What the scheduler logs once an attempt has posted a digest and tried to record it
/// (src/schedule/runner/post.rs); not the warning, which says "digest posted, but …".
const ATTEMPT_DONE: &str = "digest posted workspace=";

#[tokio::test]
async fn a_digest_sent_but_not_recorded_counts_once_as_posted() {
    let fake = FakeDiscord::start(FakeConfig::standard()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let db = db_url(dir.path());
    // A short lease: a period claimed and not recorded is taken over (and posted again) 2 s later.
    let env = [("PARTNERFIT_SCHEDULER_LEASE_SECONDS", "2")];
    let (bot, port) = Bot::start_listening(&fake, dir.path(), &db, &[], &env).await;
    fake.wait_ready(WAIT)
        .await
        .unwrap_or_else(|e| panic!("{e}\n{}", bot.log_text()));
    // The bot's database, migrated before it connected to the gateway, opened beside it.
    let pool = sqlx::SqlitePool::connect(&db).await.unwrap();
    sqlx::raw_sql(REFUSE_RECORD).execute(&pool).await.unwrap();

    scenario::schedule_firing_now(&fake, "weekly", PARTNERS_CHANNEL_ID).await;
    let first = scenario::awaited_post(&fake, &bot, PARTNERS_CHANNEL_ID).await;
    // Discord holds the next post of the channel (the period's second) until the test lets it through.
    fake.hold_next_then_answer(&first.path, 1);
    let s = scrape_until(port, &bot, "the digest counted", |s| {
        value(s, POSTS, &[]) >= 1.0
    })
    .await;
    let posted = [("digest", "weekly"), ("result", "posted")];
    assert_eq!(
        value(&s, POSTS, &posted),
        1.0,
        "the message was sent: posted\n{}",
        bot.log_text()
    );
    assert_eq!(value(&s, POSTS, &[("result", "failed")]), 0.0);
    assert_eq!(
        value(&s, "partnerfit_scheduler_lag_seconds_count", &[]),
        1.0
    );
    let log = bot.log_text();
    assert!(
        log.lines().any(|l| l.contains("WARN")
            && l.contains("digest posted, but it could not be recorded")
            && l.contains("posts are not recorded today")),
        "a warning with its cause\n{log}"
    );

    // The period stays unrecorded, so it is posted again once the claim's lease runs out: Discord answers with
    // the same message (the nonce). The record is let pass while that post waits for Discord, so it is that
    // attempt's record which passes, and the period is done.
    fake.wait_held(1, WAIT)
        .await
        .unwrap_or_else(|e| panic!("never posted again: {e}\n{}", bot.log_text()));
    sqlx::raw_sql("DROP TRIGGER refuse_posted")
        .execute(&pool)
        .await
        .unwrap();
    fake.release_held();
    let log = bot.wait_log_count(ATTEMPT_DONE, 2).await;
    assert_eq!(
        log.matches("digest posted, but it could not be recorded")
            .count(),
        1,
        "the second attempt's record passed\n{log}"
    );
    let recorded: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM digest_runs WHERE posted_at IS NOT NULL AND message_id IS NOT NULL",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(recorded, 1, "{log}");
    assert_eq!(
        fake.channel_messages(PARTNERS_CHANNEL_ID).len(),
        2,
        "posted twice"
    );
    bot.wait_ticks(2).await;
    let s = scrape(port).await;
    assert_eq!(
        value(&s, POSTS, &posted),
        1.0,
        "one period sent: counted once\n{}",
        bot.log_text()
    );
    assert_eq!(value(&s, POSTS, &[]), 1.0);
    assert_eq!(fake.stored_messages(PARTNERS_CHANNEL_ID), 1, "one message");
    assert!(fake.repeated_nonces() >= 1);
    pool.close().await;
    assert_eq!(bot.terminate().await, Some(0));
}
