//! Digests on Discord end to end: schedules set with `/schedule set` and posted by the real bot's scheduler
//! exactly once per period (across a clean restart and a kill), the quarterly digest's one review-role
//! mention, and a digest posted on demand.

use crate::support::bot::{
    assert_one_png_chart, content, deferred, is_ephemeral, message_title, opt, slash, title, Bot,
    WAIT,
};
use crate::support::fake_discord::{
    FakeDiscord, Invoker, LOCKED_CHANNEL_ID, PARTNERS_CHANNEL_ID, REVOPS_ROLE_ID,
};
use crate::support::scenario::{
    awaited_post, schedule_firing_now, set_schedule_every_second, TestBot,
};
use serde_json::json;

/// Lets the scheduler of an every-second schedule look at more fire times (three more ticks, awaited in
/// its log), then counts the posts in #partners.
async fn posts_after_more_ticks(fake: &FakeDiscord, bot: &Bot) -> usize {
    bot.wait_ticks(3).await;
    fake.channel_messages(PARTNERS_CHANNEL_ID).len()
}

#[tokio::test]
async fn schedules_post_each_period_exactly_once_across_restarts() {
    let TestBot { fake, dir, bot } = TestBot::start().await;
    // the locked channel is refused with the reason
    let r = set_schedule_every_second(&fake, "weekly", LOCKED_CHANNEL_ID).await;
    assert!(content(&r).contains("I cannot post in"), "{r}");
    assert!(content(&r).contains("Send Messages"), "{r}");
    // every second: the weekly period is the week that just ended, posted once
    schedule_firing_now(&fake, "weekly", PARTNERS_CHANNEL_ID).await;
    let first = awaited_post(&fake, &bot, PARTNERS_CHANNEL_ID).await;
    assert!(
        message_title(&first.body).starts_with("Weekly allocation check"),
        "{}",
        first.body
    );
    assert_one_png_chart(&first);
    assert_eq!(first.body["allowed_mentions"]["parse"], json!([]));
    assert!(first.body["nonce"].is_string() && first.body["enforce_nonce"] == true);
    // several more fire times pass: still one post
    assert_eq!(posts_after_more_ticks(&fake, &bot).await, 1);
    // restart: no second post
    assert_eq!(bot.terminate().await, Some(0), "clean exit on SIGTERM");
    let bot = Bot::start(&fake, dir.path(), &[]);
    fake.wait_identifies(2, WAIT).await.unwrap();
    assert_eq!(
        posts_after_more_ticks(&fake, &bot).await,
        1,
        "{}",
        bot.log_text()
    );
    let r = slash(&fake, &Invoker::member(), &["schedule", "show"], vec![]).await;
    let weekly = &r["data"]["embeds"][0]["fields"][0]["value"];
    assert!(weekly.as_str().unwrap().contains("posted"), "{r}");
}

#[tokio::test]
async fn the_scheduled_quarterly_digest_mentions_the_review_role_once() {
    let TestBot { fake, dir, bot } = TestBot::start().await;
    let lead = Invoker::lead();
    let r = slash(
        &fake,
        &lead,
        &["settings", "roles"],
        vec![json!({"name": "review", "type": 8, "value": REVOPS_ROLE_ID.to_string()})],
    )
    .await;
    assert!(title(&r).contains("Roles updated"), "{r}");
    schedule_firing_now(&fake, "quarterly", PARTNERS_CHANNEL_ID).await;
    let post = awaited_post(&fake, &bot, PARTNERS_CHANNEL_ID).await;
    assert_eq!(post.body["content"], format!("<@&{REVOPS_ROLE_ID}>"));
    assert_eq!(post.body["allowed_mentions"]["parse"], json!([]));
    assert_eq!(
        post.body["allowed_mentions"]["roles"],
        json!([REVOPS_ROLE_ID.to_string()])
    );
    assert!(
        message_title(&post.body).starts_with("Quarterly re-check"),
        "{}",
        post.body
    );
    assert_one_png_chart(&post);
    assert!(post.files[0].filename.starts_with("recheck-"));
    assert_eq!(
        posts_after_more_ticks(&fake, &bot).await,
        1,
        "{}",
        bot.log_text()
    );
    // killed (no clean shutdown) and started again over more fire times: still one post
    bot.kill();
    let bot = Bot::start(&fake, dir.path(), &[]);
    fake.wait_identifies(2, WAIT).await.unwrap();
    assert_eq!(
        posts_after_more_ticks(&fake, &bot).await,
        1,
        "{}",
        bot.log_text()
    );
    // the posted result is stored: a preview of that quarter says it was posted and nothing changed
    let (r, edit) = deferred(&fake, &Invoker::member(), &["digest", "quarterly"], vec![]).await;
    assert!(is_ephemeral(&r));
    let footer = edit.body["embeds"][0]["footer"]["text"]
        .as_str()
        .unwrap_or_default();
    assert!(
        footer.contains("the data has not changed since"),
        "{}",
        edit.body
    );
    assert_eq!(
        edit.body["allowed_mentions"]["roles"],
        json!([]),
        "a preview pings nobody"
    );
    assert_eq!(bot.terminate().await, Some(0));
}

#[tokio::test]
async fn a_posted_quarterly_digest_pings_only_the_review_role() {
    let TestBot {
        fake,
        dir: _dir,
        bot: _bot,
    } = TestBot::start().await;
    let lead = Invoker::lead();
    slash(
        &fake,
        &lead,
        &["settings", "roles"],
        vec![json!({"name": "review", "type": 8, "value": "4002"})],
    )
    .await;
    let (r, edit) = deferred(
        &fake,
        &lead,
        &["digest", "quarterly"],
        vec![opt("post", json!(true))],
    )
    .await;
    assert_eq!(r["type"], 5);
    assert!(!is_ephemeral(&r), "a post is public");
    assert_eq!(edit.body["content"], "<@&4002>");
    assert_eq!(edit.body["allowed_mentions"]["roles"], json!(["4002"]));
    assert_eq!(edit.body["allowed_mentions"]["parse"], json!([]));
    assert_eq!(edit.files.len(), 1, "the chart");
}
