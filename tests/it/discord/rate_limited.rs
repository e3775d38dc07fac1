//! Replies that Discord refuses with a `429` as it really does (the wait in the body's `retry_after`, no
//! `code`): an interaction's answer, a deferred answer's edit and the answer to a mention are each sent again
//! once the announced wait has passed, never sooner, and arrive once. An answer to a mention sent again after a
//! server error carries the same enforced nonce.

use crate::support::bot::{in_partners, opt, title, WAIT};
use crate::support::fake_discord::{
    mention_message, FakeDiscord, Invoker, Recorded, PARTNERS_CHANNEL_ID, STANDARD_BOT_USER_ID,
    STANDARD_GUILD_ID,
};
use crate::support::scenario::TestBot;
use serde_json::json;
use std::time::Duration;

/// Longer than the fixed back-off the replies had (100, 300 and 900 ms), so a reply sent again without
/// reading the 429 comes before the wait ends.
const RETRY_AFTER: Duration = Duration::from_millis(1500);

/// The requests whose path contains `part`, in the order they were answered.
fn requests_to(fake: &FakeDiscord, part: &str) -> Vec<Recorded> {
    let mut found: Vec<Recorded> = fake
        .requests()
        .into_iter()
        .filter(|r| r.path.contains(part))
        .collect();
    found.sort_by_key(|r| r.at);
    found
}

/// One refusal, then the answer no sooner than `RETRY_AFTER` after it.
#[track_caller]
fn refused_once_then_answered_after_the_wait(fake: &FakeDiscord, part: &str) {
    let tries = requests_to(fake, part);
    let statuses: Vec<u16> = tries.iter().map(|r| r.status).collect();
    assert_eq!(statuses.len(), 2, "{part}: {}", fake.request_summary());
    assert_eq!(statuses[0], 429, "{part}");
    assert!(tries[1].is_success(), "{part}: {statuses:?}");
    let gap = tries[1].at - tries[0].at;
    assert!(gap >= RETRY_AFTER, "{part}: sent again after {gap:?}");
}

#[tokio::test]
async fn replies_refused_with_a_429_wait_its_retry_after_and_arrive_once() {
    let t = TestBot::start().await;
    let fake = &t.fake;
    let member = Invoker::member();
    // A command answered at once, a command answered later by an edit (an export, with its CSV file), and a
    // question: each first attempt is refused.
    let help = in_partners(&member, &["help"], vec![]);
    let export = in_partners(&member, &["export"], vec![opt("what", json!("roster"))]);
    let help_id: u64 = help["id"].as_str().unwrap().parse().unwrap();
    let export_id: u64 = export["id"].as_str().unwrap().parse().unwrap();
    let callback = format!("/interactions/{help_id}/");
    let edit = format!("{}/messages/@original", export["token"].as_str().unwrap());
    let channel = format!("/channels/{PARTNERS_CHANNEL_ID}/messages");
    for part in [&callback, &edit, &channel] {
        fake.rate_limit_next(part, RETRY_AFTER, 1);
    }
    let (guild, bot) = (Some(STANDARD_GUILD_ID), STANDARD_BOT_USER_ID);
    let question = mention_message(guild, PARTNERS_CHANNEL_ID, &member, bot, "what can you do?");
    let question_id = question["id"].clone();
    fake.send_interaction(help).await.unwrap();
    fake.send_interaction(export).await.unwrap();
    fake.send_message_create(question).await.unwrap();

    let answer = fake.interaction_response(help_id, WAIT).await.unwrap();
    assert!(!title(&answer).is_empty(), "{answer}");
    let export_edit = fake.wait_original_edit(export_id, WAIT).await.unwrap();
    assert_eq!(export_edit.files.len(), 1, "{}", export_edit.body);
    let csv = String::from_utf8_lossy(&export_edit.files[0].bytes);
    assert!(csv.starts_with("name,type,stage,"), "{csv}");
    fake.wait_request(
        |r| r.is_success() && r.body["message_reference"]["message_id"] == question_id,
        WAIT,
    )
    .await
    .unwrap();

    // Answered: a later command's answer has come, and nothing more of the three was sent meanwhile.
    let later = fake
        .send_interaction(in_partners(&member, &["help"], vec![]))
        .await
        .unwrap();
    fake.interaction_response(later, WAIT).await.unwrap();
    assert_eq!(fake.rate_limited().len(), 3);
    for part in [&callback, &edit, &channel] {
        refused_once_then_answered_after_the_wait(fake, part);
    }
    let early = fake.early_requests();
    assert!(early.is_empty(), "sent before the wait ended: {early:?}");
}

/// An answer to a mention that Discord failed (a 500) is sent again with the same nonce, the question's id,
/// enforced: had the failed attempt created the message after all, Discord would answer the repeat with it
/// instead of posting the answer twice.
#[tokio::test]
async fn a_mentions_answer_sent_again_carries_the_same_enforced_nonce() {
    let t = TestBot::start().await;
    let fake = &t.fake;
    let member = Invoker::member();
    let channel = format!("/channels/{PARTNERS_CHANNEL_ID}/messages");
    fake.fail_next(&channel, 500, 1);
    let (guild, bot) = (Some(STANDARD_GUILD_ID), STANDARD_BOT_USER_ID);
    let question = mention_message(guild, PARTNERS_CHANNEL_ID, &member, bot, "what can you do?");
    let question_id = question["id"].as_str().unwrap().to_string();
    fake.send_message_create(question).await.unwrap();
    fake.wait_request(
        |r| r.is_success() && r.body["message_reference"]["message_id"] == question_id.as_str(),
        WAIT,
    )
    .await
    .unwrap();
    let tries = requests_to(fake, &channel);
    let statuses: Vec<u16> = tries.iter().map(|r| r.status).collect();
    assert_eq!(statuses.len(), 2, "{}", fake.request_summary());
    assert_eq!(statuses[0], 500);
    for r in &tries {
        assert_eq!(
            r.body["nonce"],
            format!("q{question_id}").as_str(),
            "{}",
            r.body
        );
        assert_eq!(r.body["enforce_nonce"], true, "{}", r.body);
    }
    assert_eq!(fake.channel_messages(PARTNERS_CHANNEL_ID).len(), 1);
}
