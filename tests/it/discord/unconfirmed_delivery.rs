//! An interaction whose id neither process could take in time: two `partnerfit run` processes on one SQLite
//! database run the same (the only) shard, and the test holds the database's write lock, so that both
//! processes' takes of the interaction's id time out (`src/app/delivery.rs`, `Delivery::Unconfirmed`). Discord's
//! single initial response then decides which process handles it: each sends a deferral first, the fake accepts
//! one and refuses the other (40060), and only the process it accepted records and answers. Before, both handled
//! it: the entry was recorded twice. And a deferral Discord accepted but answered with a server error is still
//! followed by the answer.

use crate::support::bot::{
    content, in_partners, message_title, opt, slash, title, wait_logs_count, Bot, WAIT,
};
use crate::support::fake_discord::{FakeConfig, FakeDiscord, FakeOptions, Invoker, Recorded};
use partnerfit::store::Store;
use serde_json::{json, Value};

/// What a process logs when taking an event's id timed out (`src/app/delivery.rs`).
const TAKE_TIMED_OUT: &str = "could not record the event id in time";

/// The `allocations` rows (the hours logged) of the database at `url`, read by a store of the test's own.
async fn hour_records(url: &str) -> i64 {
    let store = Store::open(url).await.unwrap();
    sqlx::query_scalar("SELECT COUNT(*) FROM allocations")
        .fetch_one(store.pool())
        .await
        .unwrap()
}

/// The callbacks (`POST /interactions/{id}/{token}/callback`) of interaction `id`, whatever they were answered.
fn callbacks(fake: &FakeDiscord, id: u64) -> Vec<Recorded> {
    let prefix = format!("/api/v10/interactions/{id}/");
    fake.requests()
        .into_iter()
        .filter(|r| {
            r.method == "POST" && r.path.starts_with(&prefix) && r.path.ends_with("/callback")
        })
        .collect()
}

/// Sends `payload` while the test holds the database's write lock; lets the lock go once both processes' takes
/// of its id timed out (`timed_out` of them in all, counting earlier interactions'). Waits for both
/// processes' callbacks; returns the interaction's id and its one accepted callback.
async fn send_while_locked(
    fake: &FakeDiscord,
    bots: [&Bot; 2],
    db: &std::path::Path,
    payload: Value,
    timed_out: usize,
) -> (u64, Recorded) {
    let lock = rusqlite::Connection::open(db).unwrap();
    lock.execute_batch("BEGIN IMMEDIATE").unwrap();
    let id = fake.send_interaction(payload).await.unwrap();
    wait_logs_count(&bots, TAKE_TIMED_OUT, timed_out).await;
    lock.execute_batch("ROLLBACK").unwrap();
    drop(lock);
    let prefix = format!("/api/v10/interactions/{id}/");
    let sent = fake
        .wait_requests(
            |r| r.method == "POST" && r.path.starts_with(&prefix) && r.path.ends_with("/callback"),
            2,
            WAIT,
        )
        .await
        .unwrap_or_else(|e| panic!("{e}\n{}", fake.request_summary()));
    let accepted: Vec<Recorded> = sent.into_iter().filter(Recorded::is_success).collect();
    assert_eq!(accepted.len(), 1, "{}", fake.request_summary());
    (id, accepted.into_iter().next().unwrap())
}

/// `/log hours` sent once while neither process can take its id: recorded once (one hours row, not two) and
/// answered once — one accepted callback, a public deferral, and one edit of it with the confirmation, no
/// follow-up. Then `/log hours` for a partner not on the roster, likewise: its private refusal comes as a
/// private follow-up and the public deferral is deleted, as the refusal is private when answered at once.
#[tokio::test]
async fn an_interaction_neither_process_could_take_is_recorded_and_answered_once() {
    let dir = tempfile::tempdir().unwrap();
    let opts = FakeOptions {
        every_session_of_a_shard: true,
        ..FakeOptions::default()
    };
    let fake = FakeDiscord::start_with_options(FakeConfig::standard(), opts)
        .await
        .unwrap();
    // one after the other, so the second does not migrate the database while the first does
    let a = Bot::start(&fake, dir.path(), &[]);
    fake.wait_live_sessions(1, WAIT)
        .await
        .unwrap_or_else(|e| panic!("{e}\n{}", a.log_text()));
    let b = Bot::start(&fake, dir.path(), &[]);
    fake.wait_live_sessions(2, WAIT)
        .await
        .unwrap_or_else(|e| panic!("{e}\n{}", b.log_text()));
    let r = slash(
        &fake,
        &Invoker::lead(),
        &["partner", "add"],
        vec![
            opt("name", json!("Acme Corp")),
            opt("type", json!("reseller")),
        ],
    )
    .await;
    assert!(title(&r).starts_with("Added Acme Corp"), "{r}");
    let db = dir.path().join("bot.db");
    let url = crate::support::bot::db_url(dir.path());
    let member = Invoker::member();

    let log = in_partners(
        &member,
        &["log", "hours"],
        vec![opt("partner", json!("Acme Corp")), opt("hours", json!(3.0))],
    );
    let (id, callback) = send_while_locked(&fake, [&a, &b], &db, log, 2).await;
    // The answer: the edit of the deferral (before the fix, the callback itself, sent by both processes).
    let answer = if callback.body["type"] == 5 {
        let edit = fake
            .wait_original_edit(id, WAIT)
            .await
            .unwrap_or_else(|e| panic!("{e}\n{}", fake.request_summary()));
        edit.body
    } else {
        callback.body["data"].clone()
    };
    assert_eq!(
        hour_records(&url).await,
        1,
        "recorded once\n{}",
        fake.request_summary()
    );
    let logged = answer["embeds"][0]["title"].as_str().unwrap_or_default();
    assert!(logged.starts_with("Logged "), "{answer}");
    assert_eq!(
        callback.body["type"], 5,
        "a deferral first: {}",
        callback.body
    );
    assert_eq!(
        callback.body["data"]["flags"].as_u64().unwrap_or(0) & 64,
        0,
        "public, as the answer: {}",
        callback.body
    );
    let shown = fake.original_message(id).unwrap();
    assert_eq!(shown["embeds"][0]["title"], logged, "{shown}");
    assert!(fake.followups(id).is_empty(), "{}", fake.request_summary());
    // the loser dropped it, having handled nothing
    wait_logs_count(
        &[&a, &b],
        "interaction already answered by another process; dropped",
        1,
    )
    .await;
    assert_eq!(hour_records(&url).await, 1, "{}", fake.request_summary());

    let refused = in_partners(
        &member,
        &["log", "hours"],
        vec![
            opt("partner", json!("Nobody Inc")),
            opt("hours", json!(2.0)),
        ],
    );
    let (id, callback) = send_while_locked(&fake, [&a, &b], &db, refused, 4).await;
    assert_eq!(callback.body["type"], 5, "{}", callback.body);
    let followup = fake
        .wait_followup(id, WAIT)
        .await
        .unwrap_or_else(|e| panic!("{e}\n{}", fake.request_summary()));
    let as_callback = json!({ "data": followup.body });
    assert!(
        followup.body["flags"].as_u64().unwrap_or(0) & 64 != 0,
        "private: {}",
        followup.body
    );
    assert!(content(&as_callback).starts_with('⚠'), "{}", followup.body);
    let original = format!("{}/messages/@original", followup.path);
    fake.wait_request(
        |r| r.method == "DELETE" && r.path == original && r.is_success(),
        WAIT,
    )
    .await
    .unwrap_or_else(|e| panic!("{e}\n{}", fake.request_summary()));
    assert_eq!(fake.original_message(id), None);
    assert_eq!(fake.followups(id).len(), 1, "{}", fake.request_summary());
    assert_eq!(callbacks(&fake, id).len(), 2);
    assert_eq!(hour_records(&url).await, 1);
}

/// A deferred command of one process (its id taken here) whose deferral Discord accepted but answered with a
/// server error: the deferral is sent again, Discord says the interaction was acknowledged already, and that is
/// this process's own deferral, so the answer still comes, as an edit. (It used to be read as another process's
/// answer: the interaction was dropped and "thinking…" stayed until Discord gave up on it.)
#[tokio::test]
async fn a_deferral_accepted_behind_a_server_error_is_still_answered() {
    let fake = FakeDiscord::start(FakeConfig::standard()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let bot = Bot::start(&fake, dir.path(), &[]);
    fake.wait_ready(WAIT).await.unwrap();
    fake.fail_next_after_handling("/callback", 500, 1);
    let id = fake
        .send_interaction(in_partners(
            &Invoker::member(),
            &["digest", "weekly"],
            vec![],
        ))
        .await
        .unwrap();
    let edit = fake
        .wait_original_edit(id, WAIT)
        .await
        .unwrap_or_else(|e| panic!("no answer: {e}\n{}", bot.log_text()));
    assert!(
        message_title(&edit.body).starts_with("Weekly allocation check"),
        "{}",
        edit.body
    );
    assert!(
        !bot.log_text()
            .contains("already answered by another process"),
        "{}",
        bot.log_text()
    );
}
