//! Buttons and forms where two `partnerfit run` processes on one SQLite database and one shard race for the
//! initial response, as commands do in `discord/unconfirmed_delivery.rs`: process B takes the interaction's id
//! and answers at once, but the fake holds that answer (Discord slow to take it); process A gets the interaction
//! under the test's write lock, its take times out, and it defers first (`component_deferral`, `Handler::modal`
//! in `src/discord/handler.rs`): a type-6 update for a page button, a public type-5 message for a screen button
//! and for the evidence form. A then finds the id B's and drops it; B's answer is let through, refused as
//! answered already (40060), and goes out after A's deferral instead (`Answering::Initial { else_after }` in
//! `src/discord/reply.rs`): an edit of `@original`. Without that fallback B's answer is lost, and the list
//! keeps its old page, or A's deferral stays "thinking…".

use super::unconfirmed_delivery::HELD_BY_ANOTHER;
use crate::support::bot::{
    add_acme_corp, db_url, message_title, opt, slash, wait_logs_count, WAIT,
};
use crate::support::fake_discord::{
    button_click, modal_submit, Invoker, Recorded, PARTNERS_CHANNEL_ID, STANDARD_GUILD_ID,
};
use crate::support::two_bots::{owner_once_taken, TwoBots, WriteLock};
use partnerfit::store::Store;
use serde_json::{json, Value};
use std::path::Path;

/// What the process holding the id logs when its answer met the other's deferral (`src/discord/reply.rs`).
const AFTER_ITS_DEFERRAL: &str =
    "interaction deferred by another process; answering after its deferral";

/// The message the pressed buttons sit on (`button_click`'s source message).
const BUTTON_MESSAGE_ID: u64 = 4711;

/// Two bots on the SQLite file in `dir`, with the reseller profile of `discord.rs` and Acme Corp, a reseller.
async fn two_with_a_screened_partner(dir: &Path) -> TwoBots {
    let two = TwoBots::start_on(dir, &db_url(dir)).await;
    super::reseller_profile(&two.fake).await;
    add_acme_corp(&two.fake).await;
    two
}

/// Acme Corp's id and the id of its trait `name`, read from the custom id (`ev:{partner}:{trait}`) of the
/// evidence button of a `/screen` card.
async fn evidence_target(two: &TwoBots, name: &str) -> (i64, i64) {
    let r = slash(
        &two.fake,
        &Invoker::member(),
        &["screen"],
        vec![opt("partner", json!("Acme Corp"))],
    )
    .await;
    let buttons = r["data"]["components"][0]["components"]
        .as_array()
        .unwrap_or_else(|| panic!("no buttons: {r}"));
    let button = buttons
        .iter()
        .find(|b| b["label"].as_str().unwrap_or_default().contains(name))
        .unwrap_or_else(|| panic!("no button for {name}: {r}"));
    let custom_id = button["custom_id"].as_str().unwrap();
    let ids: Vec<i64> = custom_id
        .strip_prefix("ev:")
        .unwrap()
        .split(':')
        .map(|s| s.parse().unwrap())
        .collect();
    (ids[0], ids[1])
}

/// A press of button `custom_id` on [`BUTTON_MESSAGE_ID`] by a member, and its interaction id.
fn press(custom_id: &str) -> (Value, u64) {
    let payload = button_click(
        Some(STANDARD_GUILD_ID),
        PARTNERS_CHANNEL_ID,
        &Invoker::member(),
        custom_id,
        BUTTON_MESSAGE_ID,
    );
    let id = payload["id"].as_str().unwrap().parse().unwrap();
    (payload, id)
}

/// The race, built: B (session 1) alone gets `payload`, takes its id and answers, the answer held by the fake;
/// under the write lock A (session 0) gets it, its take times out, and its deferral is accepted; A drops it on
/// learning that B holds the id; then B's answer is let through. Answers A's accepted deferral. `before_a` runs
/// once B's answer is held, before A gets the interaction (to check what B did first).
async fn b_takes_it_and_a_defers_first(
    two: &TwoBots,
    payload: Value,
    id: u64,
    before_a: impl std::future::Future<Output = ()>,
) -> Recorded {
    let fake = &two.fake;
    fake.hold_next_then_answer(&format!("/interactions/{id}/"), 1);
    two.send_to_taken_until_held(payload, 1).await;
    assert!(
        owner_once_taken(&two.db, id).await.is_some(),
        "B's take wrote its owner"
    );
    before_a.await;
    let mut lock = WriteLock::on(&two.db);
    let deferral = two.send_again_until_responded(&mut lock, id, 0).await;
    wait_logs_count(&[&two.a], HELD_BY_ANOTHER, 1).await;
    fake.release_held();
    deferral
}

/// B's answer after A's deferral, once its edit of `@original` came: answers B's refused callback and the edit.
/// Checks the interaction's requests, in order: A's deferral accepted, B's answer refused with 40060, one
/// successful edit of `@original` (B's, after the refusal; B logged that it answers after the deferral), and no
/// other callback, follow-up or edit.
async fn answered_after_deferral(two: &TwoBots, id: u64) -> (Recorded, Recorded) {
    let fake = &two.fake;
    let edit = fake
        .wait_original_edit(id, WAIT)
        .await
        .unwrap_or_else(|e| panic!("no edit of @original: {e}\n{}", two.summary()));
    two.b.wait_log(AFTER_ITS_DEFERRAL).await;
    let webhook = edit
        .path
        .trim_end_matches("/messages/@original")
        .to_string();
    let callback = format!("/api/v10/interactions/{id}/");
    let sent: Vec<Recorded> = fake
        .requests()
        .into_iter()
        .filter(|r| r.path.starts_with(&callback) || r.path.starts_with(&webhook))
        .collect();
    let steps: Vec<(&str, bool)> = sent
        .iter()
        .map(|r| (r.method.as_str(), r.is_success()))
        .collect();
    assert_eq!(
        steps,
        [("POST", true), ("POST", false), ("PATCH", true)],
        "A's deferral, B's refused answer, B's edit\n{}",
        two.summary()
    );
    let refused = sent.into_iter().find(|r| !r.is_success()).unwrap();
    assert_eq!(refused.response["code"], 40060, "{refused:?}");
    (refused, edit)
}

/// The `evidence` rows of the database at `url`, read by a store of the test's own.
async fn evidence_records(url: &str) -> i64 {
    let store = Store::open(url).await.unwrap();
    let n = sqlx::query_scalar("SELECT COUNT(*) FROM evidence")
        .fetch_one(store.pool())
        .await
        .unwrap();
    store.close().await;
    n
}

/// A roster page button (`Button::Page`): B's answer is an update of the list message (type 7), held; A's take
/// times out and its update deferral (type 6) is accepted; A drops it (held by another); B's update is refused
/// with 40060 and B edits `@original` — the list message the button is on — with the page instead. Exactly one
/// edit, the message holding the page; nothing posted as a new message (no follow-up, no message of its own).
#[tokio::test]
async fn a_page_button_deferred_by_the_other_process_is_updated_by_the_one_that_took_it() {
    let dir = tempfile::tempdir().unwrap();
    let two = TwoBots::start_with_a_partner(dir.path()).await;
    let fake = &two.fake;
    let (payload, id) = press("pg:r:reseller:*:*:0");
    let deferral = b_takes_it_and_a_defers_first(&two, payload, id, async {}).await;
    assert_eq!(deferral.body["type"], 6, "A's deferral: {}", deferral.body);
    let (refused, edit) = answered_after_deferral(&two, id).await;
    assert!(
        message_title(&edit.body).starts_with("Roster (1 partner)"),
        "{}",
        edit.body
    );
    assert_eq!(refused.body["type"], 7, "B's update: {}", refused.body);
    assert_eq!(
        refused.body["data"]["embeds"], edit.body["embeds"],
        "the page B meant"
    );
    let shown = fake.original_message(id).unwrap();
    assert_eq!(
        shown["id"],
        BUTTON_MESSAGE_ID.to_string(),
        "the list message: {shown}"
    );
    assert_eq!(shown["embeds"][0]["title"], edit.body["embeds"][0]["title"]);
    let list = shown["embeds"][0]["description"]
        .as_str()
        .unwrap_or_default();
    assert!(list.contains("Acme Corp"), "{shown}");
    assert!(fake.followups(id).is_empty(), "{}", fake.request_summary());
    assert!(
        fake.shown_messages(id).is_empty(),
        "a new message: {:?}",
        fake.shown_messages(id)
    );
}

/// The evidence form submitted (a modal whose submit records evidence): B records it and its answer (a new
/// message, type 4) is held; A's take times out and its public deferral (type 5) is accepted; A drops it
/// without recording; B's answer is refused with 40060 and edits A's deferral. Exactly one evidence record —
/// never two — and one visible answer, the confirmation, no follow-up.
#[tokio::test]
async fn an_evidence_form_deferred_by_the_other_process_is_recorded_once_and_answered_once() {
    let dir = tempfile::tempdir().unwrap();
    let two = two_with_a_screened_partner(dir.path()).await;
    let (fake, url) = (&two.fake, &two.url);
    let (partner, trait_id) = evidence_target(&two, "Customer overlap").await;
    let payload = modal_submit(
        Some(STANDARD_GUILD_ID),
        PARTNERS_CHANNEL_ID,
        &Invoker::member(),
        &format!("evm:{partner}:{trait_id}"),
        &[
            ("value", "40"),
            ("source", "Crossbeam report"),
            ("note", ""),
            ("observed", ""),
        ],
    );
    let id: u64 = payload["id"].as_str().unwrap().parse().unwrap();
    let b_recorded = async {
        assert_eq!(evidence_records(url).await, 1, "B recorded it first");
    };
    let deferral = b_takes_it_and_a_defers_first(&two, payload, id, b_recorded).await;
    assert_eq!(deferral.body["type"], 5, "A's deferral: {}", deferral.body);
    assert_eq!(
        deferral.body["data"]["flags"].as_u64().unwrap_or(0) & 64,
        0,
        "public, as the answer: {}",
        deferral.body
    );
    let (refused, edit) = answered_after_deferral(&two, id).await;
    assert!(
        message_title(&edit.body).contains("Acme Corp — Customer overlap"),
        "{}",
        edit.body
    );
    assert_eq!(refused.body["type"], 4, "B's answer: {}", refused.body);
    assert_eq!(
        evidence_records(url).await,
        1,
        "recorded once\n{}",
        two.summary()
    );
    let shown = fake.shown_messages(id);
    assert_eq!(shown.len(), 1, "one visible answer: {shown:?}");
    assert_eq!(
        shown[0]["embeds"][0]["title"],
        edit.body["embeds"][0]["title"]
    );
    assert_eq!(shown[0]["flags"].as_u64().unwrap_or(0) & (64 | 128), 0);
    assert!(fake.followups(id).is_empty(), "{}", fake.request_summary());
}

/// A screen button (`Button::Screen`, the choice of a name that could mean several): B's answer is a new message
/// with the screen card (type 4), held; A's take times out and its public deferral (type 5) is accepted; A drops
/// it; B's answer is refused with 40060 and edits A's deferral into the card. One new message answering it, no
/// follow-up.
#[tokio::test]
async fn a_screen_button_deferred_by_the_other_process_is_answered_in_one_new_message() {
    let dir = tempfile::tempdir().unwrap();
    let two = two_with_a_screened_partner(dir.path()).await;
    let fake = &two.fake;
    let (partner, _) = evidence_target(&two, "Customer overlap").await;
    let (payload, id) = press(&format!("sc:{partner}"));
    let deferral = b_takes_it_and_a_defers_first(&two, payload, id, async {}).await;
    assert_eq!(deferral.body["type"], 5, "A's deferral: {}", deferral.body);
    let (refused, edit) = answered_after_deferral(&two, id).await;
    assert!(
        message_title(&edit.body).contains("Acme Corp"),
        "{}",
        edit.body
    );
    assert_eq!(refused.body["type"], 4, "B's answer: {}", refused.body);
    assert_eq!(refused.body["data"]["embeds"], edit.body["embeds"]);
    let shown = fake.shown_messages(id);
    assert_eq!(shown.len(), 1, "one new message: {shown:?}");
    assert_ne!(
        shown[0]["id"],
        BUTTON_MESSAGE_ID.to_string(),
        "{}",
        shown[0]
    );
    assert_eq!(
        shown[0]["embeds"][0]["title"],
        edit.body["embeds"][0]["title"]
    );
    assert!(fake.followups(id).is_empty(), "{}", fake.request_summary());
}
