//! An interaction whose acknowledgement could not be sent (server errors on every try), and one that waits to
//! learn who holds its id while the process stops. A process that took a deferred command's id but could not
//! defer it asks Discord whether an initial response is in place: with none (no other process deferred it),
//! no answer can reach the user, so it drops the command before running it — nothing recorded, nothing
//! downloaded, not counted in the metrics — and the user can ask again; before, it ran the command and its edit
//! found nothing to edit (an `/import` recorded unanswered, recorded twice once the user asked again). With one
//! in place it answers after it
//! (`unconfirmed_failures::a_process_holding_the_id_answers_when_its_acknowledgement_failed`).
//! And a process whose take timed out, stopping while the jammed database keeps it from learning who holds the
//! id, drops the interaction at once rather than hold the stop up to its bound.

use super::unconfirmed_delivery::hour_records;
use crate::support::bot::{add_acme_corp, db_url, in_partners, opt, start_one, Bot, WAIT};
use crate::support::fake_discord::{
    attachment_option, slash_command_with_attachment, FakeConfig, FakeDiscord, Invoker,
    PARTNERS_CHANNEL_ID, STANDARD_GUILD_ID,
};
use crate::support::prom::{interactions, scrape_until, value, INTERACTIONS};
use crate::support::two_bots::WriteLock;
use partnerfit::store::Store;
use serde_json::json;

/// What the bot logs when it drops an interaction it could not acknowledge and that has no initial response in
/// place (`src/discord/mine.rs`).
const NOTHING_IN_PLACE: &str = "interaction not acknowledged and nothing in place; dropped";

/// What the bot logged, before, when a deferred command's edit found no deferral (`src/discord/handler.rs`).
const EDIT_FAILED: &str = "could not send the deferred reply";

/// What the bot logs when it drops an interaction rather than wait, while stopping, to learn who holds its id.
const STOPPING: &str = "stopping: interaction left to another process or a retry";

/// The partners of the database at `url`, read by a store of the test's own.
async fn partners(url: &str) -> i64 {
    let store = Store::open(url).await.unwrap();
    let n = sqlx::query_scalar("SELECT COUNT(*) FROM partners")
        .fetch_one(store.pool())
        .await
        .unwrap();
    store.close().await;
    n
}

/// One process takes the id of a lead's `/import` (a deferred command) and its deferral gets a server error on
/// each of its four tries; no other process defers it. Asked, Discord shows no initial response (the fake
/// answers `GET …/@original` with 10015, the interaction never acknowledged): the command is dropped before its
/// attachment is downloaded, nothing is imported, no edit is tried, and the drop is not counted. A command after
/// it is answered and counted as usual. Before, the import ran (20 partners) and its edit failed with a 404.
#[tokio::test]
async fn a_deferred_command_whose_deferral_failed_with_nothing_in_place_is_dropped() {
    let fake = FakeDiscord::start(FakeConfig::standard()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let url = db_url(dir.path());
    let (bot, port) = Bot::start_listening(&fake, dir.path(), &url, &[], &[]).await;
    fake.wait_ready(WAIT)
        .await
        .unwrap_or_else(|e| panic!("{e}\n{}", bot.log_text()));
    let mut csv = String::from("name,type,stage,signed,dropped,drop_reason,champion,note\n");
    for i in 0..20 {
        csv.push_str(&format!("Partner {i:02},reseller,prospect,,,,,\n"));
    }
    let file = fake.host_file("partners.csv", csv.clone().into_bytes());
    let payload = slash_command_with_attachment(
        Some(STANDARD_GUILD_ID),
        PARTNERS_CHANNEL_ID,
        &Invoker::lead(),
        "import",
        json!([{"name": "what", "type": 3, "value": "partners"}, attachment_option("file", 77)]),
        (77, "partners.csv", &file, csv.len() as u64),
    );
    let id: u64 = payload["id"].as_str().unwrap().parse().unwrap();
    // the deferral and its three resends: server errors
    fake.fail_next(&format!("/interactions/{id}/"), 500, 4);
    fake.send_interaction(payload).await.unwrap();
    // until the bot dropped the command, or ran it and failed its edit (as before)
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        let log = bot.log_text();
        if log.contains(NOTHING_IN_PLACE) || log.contains(EDIT_FAILED) {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{}\n{log}",
            fake.request_summary()
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let log = bot.log_text();
    assert!(
        log.contains(NOTHING_IN_PLACE) && !log.contains(EDIT_FAILED),
        "{}\n{log}",
        fake.request_summary()
    );
    let requests = fake.requests();
    let callbacks: Vec<u16> = requests
        .iter()
        .filter(|r| r.path.contains(&format!("/interactions/{id}/")))
        .map(|r| r.status)
        .collect();
    assert_eq!(callbacks, [500; 4], "{}", fake.request_summary());
    let asked: Vec<_> = requests
        .iter()
        .filter(|r| r.method == "GET" && r.path.ends_with("/messages/@original"))
        .collect();
    assert_eq!(asked.len(), 1, "{}", fake.request_summary());
    assert_eq!(asked[0].status, 404, "{:?}", asked[0]);
    assert!(
        !requests
            .iter()
            .any(|r| r.path.contains("partners.csv") || r.path.contains("/files/")),
        "the attachment was downloaded:\n{}",
        fake.request_summary()
    );
    assert!(
        !requests
            .iter()
            .any(|r| r.method == "PATCH" || r.method == "DELETE"),
        "{}",
        fake.request_summary()
    );
    assert!(fake.followups(id).is_empty(), "{}", fake.request_summary());
    assert_eq!(partners(&url).await, 0, "nothing imported");
    // A command after it is answered and counted; the dropped import is not counted at all.
    add_acme_corp(&fake).await;
    let s = scrape_until(port, &bot, "the partner add counted", |s| {
        interactions(s, "partner add", "ok") == 1.0
    })
    .await;
    assert_eq!(
        value(&s, INTERACTIONS, &[("command", "import")]),
        0.0,
        "the dropped import was counted"
    );
    assert_eq!(bot.terminate().await, Some(0));
}

/// A member's `/log hours` reaches a process while the test holds the database's write lock: its take times
/// out, its deferral is accepted, and it waits to learn who holds the id (the question waits behind the lock).
/// SIGTERM: the process gives the question 2 s more, then drops the interaction (logged) instead of waiting on,
/// and exits 0 with nothing recorded. Before, the question went on waiting, past the stop's 10 s bound.
#[tokio::test]
async fn an_unconfirmed_interaction_is_dropped_when_the_process_stops() {
    let dir = tempfile::tempdir().unwrap();
    let (fake, bot) = start_one(dir.path()).await;
    add_acme_corp(&fake).await;
    let db = dir.path().join("bot.db");
    let mut lock = WriteLock::on(&db);
    let payload = in_partners(
        &Invoker::member(),
        &["log", "hours"],
        vec![opt("partner", json!("Acme Corp")), opt("hours", json!(3.0))],
    );
    let send = async { fake.send_interaction(payload).await.unwrap() };
    let id = lock.send_until_timed_out(&[&bot], 1, send).await;
    let deferral = fake
        .interaction_response_recorded(id, WAIT)
        .await
        .unwrap_or_else(|e| panic!("{e}\n{}", bot.log_text()));
    assert_eq!(deferral.body["type"], 5, "{}", deferral.body);
    let pid = bot.pid();
    let stopping = std::time::Instant::now();
    crate::support::bot::send_signal(pid, "TERM");
    bot.wait_log(STOPPING).await;
    let dropped_within = stopping.elapsed();
    lock.release();
    let mut bot = bot;
    assert_eq!(bot.wait_exit().await, Some(0), "{}", bot.log_text());
    assert!(
        // the question is given 2 s after the signal; the stop's own bound is 10 s
        dropped_within < std::time::Duration::from_secs(8),
        "{dropped_within:?}\n{}",
        bot.log_text()
    );
    assert!(fake
        .wait_deferred_answer(id, std::time::Duration::ZERO)
        .await
        .is_err());
    assert_eq!(
        hour_records(&db_url(dir.path())).await,
        0,
        "nothing recorded"
    );
}
