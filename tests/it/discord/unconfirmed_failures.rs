//! Two `partnerfit run` processes on one SQLite database and one shard, as in `discord/unconfirmed_delivery.rs`,
//! where the initial response goes wrong: a refusal sent at once by a process whose take timed out meets the
//! other process's deferral (40060), and a process that took the id cannot send its deferral at all (server
//! errors) while the other's was accepted. In both, the process that holds the interaction's id answers it after
//! the deferral in place, and the other drops it; before, each left "thinking…" until Discord gave up. And an
//! answer sent again after a server error that Discord had taken is not shown twice.

use super::unconfirmed_delivery::{
    callbacks, hour_records, private_answer_after_public_deferral, HELD_BY_ANOTHER,
};
use crate::support::bot::{
    add_acme_corp, content, in_partners, message_title, opt, start_one, wait_logs_count, WAIT,
};
use crate::support::fake_discord::{
    button_click, Invoker, MEMBER_ROLE_ID, PARTNERS_CHANNEL_ID, STANDARD_GUILD_ID,
};
use crate::support::two_bots::{owner_once_taken, TwoBots, WriteLock};
use partnerfit::store::Store;
use serde_json::json;

/// Process B's take of a guest's `/log hours` times out (the test holds the write lock) and B refuses it (the
/// workspace's member role is one the guest lacks): its refusal, sent at once as the initial response, is held
/// by the fake. B's take commits once the lock goes, so B holds the id. The member role is then cleared, and
/// under the lock again process A gets the interaction: its take times out, it finds the guest a member, and
/// defers; Discord accepts that. A asks who holds the id and drops it (B does); B's refusal is let through,
/// refused as answered already, and B, finding it holds the id, sends its refusal after A's deferral: A's public
/// deferral edited into a note, the refusal as a private follow-up, the note deleted — the user sees the refusal
/// alone, privately ([`private_answer_after_public_deferral`]). Nothing recorded. Before, B's refused refusal was
/// only logged and A's deferral stayed "thinking…"; then, the private follow-up sent while A's deferral was still
/// loading became the public deferred message (as on Discord), and the deletion took it away.
#[tokio::test]
async fn a_refusal_that_meets_the_others_deferral_follows_it_when_the_id_is_held_here() {
    let dir = tempfile::tempdir().unwrap();
    let two = TwoBots::start_with_a_partner(dir.path()).await;
    let (fake, a, db, url) = (&two.fake, &two.a, &two.db, &two.url);
    let store = Store::open(url).await.unwrap();
    let ws = STANDARD_GUILD_ID.to_string();
    let now = chrono::Utc::now();
    let member_role = Some(Some(MEMBER_ROLE_ID.to_string()));
    store
        .set_roles(&ws, None, member_role, None, now)
        .await
        .unwrap();
    let payload = in_partners(
        &Invoker::guest(),
        &["log", "hours"],
        vec![opt("partner", json!("Acme Corp")), opt("hours", json!(3.0))],
    );
    let id: u64 = payload["id"].as_str().unwrap().parse().unwrap();
    // B's refusal, held unanswered until released
    fake.hold_next_then_answer(&format!("/interactions/{id}/"), 1);
    let mut lock = WriteLock::on(db);
    two.send_to_until_held(&mut lock, payload, 1).await;
    // B's take committed once the lock went (see `unconfirmed_delivery.rs`): B holds the id
    let owner = owner_once_taken(db, id).await;
    assert!(owner.is_some(), "B's late take wrote its owner");
    // the guest is a member for A
    store
        .set_roles(&ws, None, Some(None), None, now)
        .await
        .unwrap();
    let deferral = two.send_again_until_responded(&mut lock, id, 0).await;
    assert_eq!(deferral.body["type"], 5, "A's deferral: {}", deferral.body);
    wait_logs_count(&[a], HELD_BY_ANOTHER, 1).await;
    fake.release_held();
    if let Err(e) = fake.wait_followup(id, WAIT).await {
        panic!("{e}\n{}", two.summary())
    }
    let shown = private_answer_after_public_deferral(fake, id).await;
    let as_callback = json!({ "data": shown });
    assert!(
        content(&as_callback).starts_with('⚠') && content(&as_callback).contains("Only members"),
        "{shown}"
    );
    let sent = callbacks(fake, id);
    assert_eq!(sent.len(), 2, "{}", fake.request_summary());
    let refused = sent.iter().find(|r| !r.is_success()).unwrap();
    assert_eq!(refused.response["code"], 40060, "{refused:?}");
    assert_eq!(refused.body["type"], 4, "B's refusal: {}", refused.body);
    assert_eq!(fake.followups(id).len(), 1, "{}", fake.request_summary());
    assert_eq!(hour_records(url).await, 0, "nothing recorded");
    assert_eq!(owner_once_taken(db, id).await, owner, "still B's");
    store.close().await;
}

/// Process A takes the id of a deferred command (`/digest weekly`) and sends its deferral, which the fake holds;
/// process B gets the interaction under the test's write lock, its take times out, and its deferral is accepted;
/// B then finds the id A's and drops it. A's deferral is let through into server errors (500, and each of its
/// three resends): A could not acknowledge the interaction, but it holds the id, so it runs the command all the
/// same and its answer edits B's deferral. Before, A dropped it on the failed acknowledgement, and B's deferral
/// stayed "thinking…".
#[tokio::test]
async fn a_process_holding_the_id_answers_when_its_acknowledgement_failed() {
    let dir = tempfile::tempdir().unwrap();
    let two = TwoBots::start_with_a_partner(dir.path()).await;
    let (fake, a, b, db) = (&two.fake, &two.a, &two.b, &two.db);
    let payload = in_partners(&Invoker::member(), &["digest", "weekly"], vec![]);
    let id: u64 = payload["id"].as_str().unwrap().parse().unwrap();
    let route = format!("/interactions/{id}/");
    // A's deferral, held unanswered until released
    fake.hold_next_then_answer(&route, 1);
    // A's take took the id
    two.send_to_taken_until_held(payload, 0).await;
    let owner = owner_once_taken(db, id).await;
    // B, while the database is locked: its take times out, its deferral is accepted
    let mut lock = WriteLock::on(db);
    let deferral = two.send_again_until_responded(&mut lock, id, 1).await;
    assert_eq!(deferral.body["type"], 5, "B's deferral: {}", deferral.body);
    wait_logs_count(&[b], HELD_BY_ANOTHER, 1).await;
    // A's deferral and its three resends: server errors
    fake.fail_next(&route, 500, 4);
    fake.release_held();
    let edit = fake
        .wait_original_edit(id, WAIT)
        .await
        .unwrap_or_else(|e| panic!("{e}\n{}", two.summary()));
    assert!(
        message_title(&edit.body).starts_with("Weekly allocation check"),
        "{}",
        edit.body
    );
    assert!(
        a.log_text()
            .contains("could not acknowledge the interaction"),
        "{}",
        a.log_text()
    );
    let sent = callbacks(fake, id);
    let failed = sent.iter().filter(|r| r.status == 500).count();
    let accepted = sent.iter().filter(|r| r.is_success()).count();
    assert_eq!((failed, accepted), (4, 1), "{}", fake.request_summary());
    assert!(fake.followups(id).is_empty(), "{}", fake.request_summary());
    assert_eq!(owner_once_taken(db, id).await, owner, "still A's");
}

/// One process (its id taken here) answers a page button with a refusal (the page of a partner that does not
/// exist: a new private message, not the update its deferral would be); Discord takes the answer but answers it
/// with a server error. The answer is sent again and refused as answered already: that is this very answer, so
/// nothing more is sent. Before, the refusal was read as another process's deferral and posted again as a
/// follow-up: shown twice.
#[tokio::test]
async fn an_answer_sent_again_after_a_server_error_is_not_shown_twice() {
    let dir = tempfile::tempdir().unwrap();
    let (fake, bot) = start_one(dir.path()).await;
    fake.fail_next_after_handling("/callback", 500, 1);
    let id = fake
        .send_interaction(button_click(
            Some(STANDARD_GUILD_ID),
            PARTNERS_CHANNEL_ID,
            &Invoker::member(),
            "pg:e:987654:0",
            778,
        ))
        .await
        .unwrap();
    // until the bot took the 40060 as its own answer, or posted the answer again as a follow-up
    let deadline = std::time::Instant::now() + WAIT;
    while !bot.log_text().contains("taken as this answer") && fake.followups(id).is_empty() {
        assert!(
            std::time::Instant::now() < deadline,
            "{}\n{}",
            fake.request_summary(),
            bot.log_text()
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let sent = callbacks(&fake, id);
    let statuses: Vec<u16> = sent.iter().map(|r| r.status).collect();
    assert_eq!(statuses, [500, 400], "{}", fake.request_summary());
    assert_eq!(sent[1].response["code"], 40060, "{:?}", sent[1]);
    // the first, taken behind its server error: the refusal, as a new private message
    let answer = &sent[0].body;
    assert_eq!(answer["type"], 4, "{answer}");
    assert!(content(answer).starts_with('⚠'), "{answer}");
    let shown = fake.original_message(id).unwrap();
    assert!(
        shown["content"]
            .as_str()
            .unwrap_or_default()
            .starts_with('⚠'),
        "{shown}"
    );
    assert!(
        fake.followups(id).is_empty(),
        "shown twice:\n{}\n{}",
        fake.request_summary(),
        bot.log_text()
    );
}

/// One process whose take of a `/log hours` for a partner not on the roster times out (the test holds the write
/// lock): it defers publicly, finds it holds the id once the lock goes, and its answer is a private refusal, so
/// the public deferral must be edited into a note first; here that edit fails (server errors, each resend too).
/// The deferred message may still be loading, and a follow-up would then be shown publicly, so the refusal is
/// not sent, and the deferred message is deleted: nothing of the refusal is shown publicly (nor at all: the user
/// can ask again). Sending it regardless would have shown the private refusal publicly as the deferred message.
#[tokio::test]
async fn a_private_answer_is_not_sent_when_the_public_deferral_cannot_be_resolved() {
    let dir = tempfile::tempdir().unwrap();
    let (fake, bot) = start_one(dir.path()).await;
    add_acme_corp(&fake).await;
    // the note's edit and its three resends
    fake.fail_next("/messages/@original", 500, 4);
    let mut lock = WriteLock::on(&dir.path().join("bot.db"));
    let refused = in_partners(
        &Invoker::member(),
        &["log", "hours"],
        vec![
            opt("partner", json!("Nobody Inc")),
            opt("hours", json!(2.0)),
        ],
    );
    let send = async { fake.send_interaction(refused).await.unwrap() };
    let id = lock.send_until_timed_out(&[&bot], 1, send).await;
    lock.release();
    let deferral = fake.interaction_response(id, WAIT).await.unwrap();
    assert_eq!(deferral["type"], 5, "{deferral}");
    assert_eq!(
        deferral["data"]["flags"].as_u64().unwrap_or(0) & 64,
        0,
        "public: {deferral}"
    );
    let delete = fake
        .wait_request(
            |r| r.method == "DELETE" && r.path.ends_with("/messages/@original"),
            WAIT,
        )
        .await
        .unwrap_or_else(|e| panic!("{e}\n{}\n{}", fake.request_summary(), bot.log_text()));
    assert!(delete.is_success(), "{delete:?}");
    bot.wait_log("could not resolve the public deferral").await;
    let edits: Vec<u16> = fake
        .requests()
        .into_iter()
        .filter(|r| r.method == "PATCH" && r.path == delete.path)
        .map(|r| r.status)
        .collect();
    assert_eq!(edits, [500, 500, 500, 500], "{}", fake.request_summary());
    assert!(fake.followups(id).is_empty(), "{}", fake.request_summary());
    assert_eq!(fake.followup_resolution(id), None);
    assert!(
        fake.shown_messages(id).is_empty(),
        "{:?}",
        fake.shown_messages(id)
    );
    assert!(
        !bot.log_text().contains("Nobody Inc"),
        "no user text in the log:\n{}",
        bot.log_text()
    );
}
