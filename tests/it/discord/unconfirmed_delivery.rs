//! An interaction whose id a process could not take in time: two `partnerfit run` processes on one SQLite
//! database run the same (the only) shard, and the test holds the database's write lock, so that a process's
//! take of the interaction's id times out (`src/app/delivery.rs`, `Delivery::Unconfirmed`). Such a process sends
//! a deferral before it handles anything (Discord takes one initial response per interaction, and refuses the
//! second with 40060), then asks the database who holds the id: the process that holds it records and answers,
//! after the deferral in place, and the other drops it. Before, both handled it when neither could take the id,
//! and when the other had taken it, it ran the command before answering: the entry was recorded twice. The
//! fake can send an interaction to one process at a time (`send_interaction_to`), and hold a callback
//! unanswered, so each order is built, not waited for. And a deferral Discord accepted but answered with a
//! server error is still followed by the answer.

use crate::support::bot::{
    content, in_partners, message_title, opt, start_one, wait_logs_count, Bot, WAIT,
};
use crate::support::fake_discord::{FakeDiscord, Invoker, Recorded};
use crate::support::two_bots::{owner_once_taken, TwoBots, WriteLock};
use partnerfit::store::Store;
use serde_json::{json, Value};

/// What a process logs when it drops an interaction after its deferral because another process holds its id
/// (`src/discord/handler.rs`).
pub(super) const HELD_BY_ANOTHER: &str = "interaction held by another process; dropped";

/// What a process logs when it drops an interaction whose deferral Discord refused, the database unable to say
/// who holds its id (`src/discord/handler.rs`).
const ANSWERED_BY_ANOTHER: &str = "interaction already answered by another process; dropped";

/// The `allocations` rows (the hours logged) of the database at `url`, read by a store of the test's own.
pub(super) async fn hour_records(url: &str) -> i64 {
    let store = Store::open(url).await.unwrap();
    sqlx::query_scalar("SELECT COUNT(*) FROM allocations")
        .fetch_one(store.pool())
        .await
        .unwrap()
}

/// The callbacks (`POST /interactions/{id}/{token}/callback`) of interaction `id`, whatever they were answered.
pub(super) fn callbacks(fake: &FakeDiscord, id: u64) -> Vec<Recorded> {
    let prefix = format!("/api/v10/interactions/{id}/");
    fake.requests()
        .into_iter()
        .filter(|r| {
            r.method == "POST" && r.path.starts_with(&prefix) && r.path.ends_with("/callback")
        })
        .collect()
}

/// Waits until the processes `bots` logged at least `n` drops after a deferral in all ([`HELD_BY_ANOTHER`] or
/// [`ANSWERED_BY_ANOTHER`]; not a take's "event already taken by another process; dropped"); answers how many,
/// with the logs.
async fn wait_deferral_drops(bots: &[&Bot], n: usize) -> (usize, Vec<String>) {
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        let logs: Vec<String> = bots.iter().map(|b| b.log_text()).collect();
        let dropped: usize = logs
            .iter()
            .map(|l| l.matches(HELD_BY_ANOTHER).count() + l.matches(ANSWERED_BY_ANOTHER).count())
            .sum();
        if dropped >= n {
            return (dropped, logs);
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{dropped} drops after a deferral, not {n}, within {WAIT:?}:\n{}",
            logs.join("\n-----\n")
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

/// Sends `payload` to both processes of `two` while the test holds the database's write lock; lets the lock go
/// once both processes' takes of its id timed out (`timed_out` of them in all, counting earlier interactions').
/// Waits for both processes' callbacks; returns the interaction's id and its one accepted callback.
async fn send_while_locked(two: &TwoBots, payload: Value, timed_out: usize) -> (u64, Recorded) {
    let fake = &two.fake;
    let mut lock = WriteLock::on(&two.db);
    let send = async { fake.send_interaction(payload).await.unwrap() };
    let id = lock
        .send_until_timed_out(&[&two.a, &two.b], timed_out, send)
        .await;
    lock.release();
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
/// follow-up (by the process that holds the id once the lock is gone, whichever deferral Discord took). Then
/// `/log hours` for a partner not on the roster, likewise: its refusal is private, as when answered at once, so
/// the public deferral is edited into a note, the refusal follows as a private follow-up, and the note is
/// deleted: the user sees the refusal alone, privately ([`private_answer_after_public_deferral`]). Before, the
/// private follow-up was sent while the deferral was still loading: Discord took it as the public deferred
/// message, and the deletion that came next took the refusal away.
#[tokio::test]
async fn an_interaction_neither_process_could_take_is_recorded_and_answered_once() {
    let dir = tempfile::tempdir().unwrap();
    let two = TwoBots::start_with_a_partner(dir.path()).await;
    let (fake, a, b, url) = (&two.fake, &two.a, &two.b, &two.url);
    let member = Invoker::member();

    let log = in_partners(
        &member,
        &["log", "hours"],
        vec![opt("partner", json!("Acme Corp")), opt("hours", json!(3.0))],
    );
    let (id, callback) = send_while_locked(&two, log, 2).await;
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
        hour_records(url).await,
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
    // the other dropped it, having handled nothing
    let (dropped, logs) = wait_deferral_drops(&[a, b], 1).await;
    assert_eq!(dropped, 1, "{}", logs.join("\n-----\n"));
    assert_eq!(hour_records(url).await, 1, "{}", fake.request_summary());

    let refused = in_partners(
        &member,
        &["log", "hours"],
        vec![
            opt("partner", json!("Nobody Inc")),
            opt("hours", json!(2.0)),
        ],
    );
    let (id, callback) = send_while_locked(&two, refused, 4).await;
    assert_eq!(callback.body["type"], 5, "{}", callback.body);
    assert_eq!(
        callback.body["data"]["flags"].as_u64().unwrap_or(0) & 64,
        0,
        "a public deferral: {}",
        callback.body
    );
    let shown = private_answer_after_public_deferral(fake, id).await;
    let as_callback = json!({ "data": shown });
    assert!(
        content(&as_callback).starts_with('⚠') && content(&as_callback).contains("Nobody Inc"),
        "{shown}"
    );
    assert_eq!(fake.followups(id).len(), 1, "{}", fake.request_summary());
    assert_eq!(callbacks(fake, id).len(), 2);
    assert_eq!(hour_records(url).await, 1);
}

/// A deferred command of one process (its id taken here) whose deferral Discord accepted but answered with a
/// server error: the deferral is sent again, Discord says the interaction was acknowledged already, and that is
/// this process's own deferral, so the answer still comes, as an edit. (It used to be read as another process's
/// answer: the interaction was dropped and "thinking…" stayed until Discord gave up on it.)
#[tokio::test]
async fn a_deferral_accepted_behind_a_server_error_is_still_answered() {
    let dir = tempfile::tempdir().unwrap();
    let (fake, bot) = start_one(dir.path()).await;
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

/// The one message interaction `id` shows once a private answer followed its public deferral, waited for (until
/// the deferred message's deletion). On Discord a follow-up sent while the deferred message is still loading
/// becomes that message, public as the deferral (the fake does the same), and the deletion then takes it away:
/// so the deferred message must first be edited into a public note (`Answered privately.`, no pings), then the
/// private answer follows, then the note is deleted. Checked: the user sees exactly one message, private (flag
/// 64); no follow-up became the public deferred message; the note came before the follow-up, the deletion
/// after it; nothing of the interaction is left public.
pub(super) async fn private_answer_after_public_deferral(fake: &FakeDiscord, id: u64) -> Value {
    let followup = fake
        .wait_followup(id, WAIT)
        .await
        .unwrap_or_else(|e| panic!("{e}\n{}", fake.request_summary()));
    let original = format!("{}/messages/@original", followup.path);
    fake.wait_request(
        |r| r.method == "DELETE" && r.path == original && r.is_success(),
        WAIT,
    )
    .await
    .unwrap_or_else(|e| panic!("{e}\n{}", fake.request_summary()));
    let shown = fake.shown_messages(id);
    assert_eq!(
        shown.len(),
        1,
        "exactly one message shown: {shown:?}\n{}",
        fake.request_summary()
    );
    assert!(
        shown[0]["flags"].as_u64().unwrap_or(0) & 64 != 0,
        "private: {}",
        shown[0]
    );
    assert_eq!(
        fake.followup_resolution(id),
        None,
        "the private answer became the public deferred message\n{}",
        fake.request_summary()
    );
    assert_eq!(fake.original_message(id), None, "the note deleted");
    // in order: the note, the follow-up, the deletion; one of each
    let webhook: Vec<Recorded> = fake
        .requests()
        .into_iter()
        .filter(|r| r.path == followup.path || r.path == original)
        .collect();
    let steps: Vec<(&str, bool, u16)> = webhook
        .iter()
        .map(|r| (r.method.as_str(), r.path == original, r.status))
        .collect();
    assert_eq!(
        steps,
        [
            ("PATCH", true, 200),
            ("POST", false, 200),
            ("DELETE", true, 204)
        ],
        "{}",
        fake.request_summary()
    );
    let note = &webhook[0].body;
    assert_eq!(
        note["content"],
        partnerfit::discord::reply::ANSWERED_PRIVATELY,
        "{note}"
    );
    assert!(
        note["allowed_mentions"].is_object()
            && note["allowed_mentions"]["parse"]
                .as_array()
                .is_none_or(Vec::is_empty),
        "no pings: {note}"
    );
    assert_eq!(note["flags"], Value::Null, "{note}");
    shown[0].clone()
}

/// `/log hours` of 3 h for Acme Corp as a member, and its interaction id.
fn log_three_hours() -> (Value, u64) {
    let payload = in_partners(
        &Invoker::member(),
        &["log", "hours"],
        vec![opt("partner", json!("Acme Corp")), opt("hours", json!(3.0))],
    );
    let id = payload["id"].as_str().unwrap().parse().unwrap();
    (payload, id)
}

/// The hole this closes: process B takes the id of a `/log hours` and runs it (recording it), while process A,
/// whose take timed out, defers; A's deferral reaches Discord before B's answer. B's answer is refused (40060)
/// and A's deferral stands. Recorded once — by B, which holds the id; A drops it once the database says so —
/// and answered once: B's confirmation edits A's deferral. Before, A ran the command after its deferral was
/// accepted (two hours rows) and B's answer was lost.
///
/// The order is built: B alone gets the interaction first, and its answer is held by the fake (Discord slow to
/// answer it); then, under the test's write lock, A gets it, its take times out and its deferral is accepted;
/// then the lock goes (A asks who holds the id), and B's answer is let through.
#[tokio::test]
async fn a_deferral_of_another_process_comes_before_the_answer_of_the_one_that_took_the_id() {
    let dir = tempfile::tempdir().unwrap();
    let two = TwoBots::start_with_a_partner(dir.path()).await;
    let (fake, a, b, db, url) = (&two.fake, &two.a, &two.b, &two.db, &two.url);
    let (log, id) = log_three_hours();
    // B's answer, held unanswered until released
    fake.hold_next_then_answer(&format!("/interactions/{id}/"), 1);
    // B's take must have taken the id (nothing locks the database yet; a loaded machine could still make it
    // time out, and then the order below is not the one built)
    two.send_to_taken_until_held(log, 1).await;
    assert_eq!(
        hour_records(url).await,
        1,
        "B ran it before answering\n{}",
        b.log_text()
    );
    // A, while the database is locked: its take times out, its deferral comes first
    let mut lock = WriteLock::on(db);
    let deferral = two.send_again_until_responded(&mut lock, id, 0).await;
    assert_eq!(deferral.body["type"], 5, "{}", deferral.body);
    assert_eq!(
        deferral.body["data"]["flags"].as_u64().unwrap_or(0) & 64,
        0,
        "public, as the answer: {}",
        deferral.body
    );
    fake.release_held();
    let edit = fake
        .wait_original_edit(id, WAIT)
        .await
        .unwrap_or_else(|e| panic!("{e}\n{}", fake.request_summary()));
    assert_eq!(
        hour_records(url).await,
        1,
        "recorded once\n{}",
        two.summary()
    );
    assert!(
        message_title(&edit.body).starts_with("Logged "),
        "{}",
        edit.body
    );
    // A dropped it on learning that B holds the id; B's answer was refused as answered already, then edited in
    wait_logs_count(&[a], HELD_BY_ANOTHER, 1).await;
    let sent = callbacks(fake, id);
    assert_eq!(sent.len(), 2, "{}", fake.request_summary());
    let refused = sent.iter().find(|r| !r.is_success()).unwrap();
    assert_eq!(refused.response["code"], 40060, "{refused:?}");
    assert_eq!(refused.body["type"], 4, "B's answer: {}", refused.body);
    let shown = fake.original_message(id).unwrap();
    assert_eq!(shown["embeds"][0]["title"], edit.body["embeds"][0]["title"]);
    assert!(fake.followups(id).is_empty(), "{}", fake.request_summary());
    let edits = fake
        .requests()
        .into_iter()
        .filter(|r| r.method == "PATCH" && r.path == edit.path)
        .count();
    assert_eq!(edits, 1, "{}", fake.request_summary());
    assert!(
        owner_once_taken(db, id).await.is_some(),
        "B's take wrote its owner"
    );
    assert_eq!(hour_records(url).await, 1);
    assert!(
        !b.log_text().contains(ANSWERED_BY_ANOTHER),
        "{}",
        b.log_text()
    );
}

/// A process whose take timed out but committed once the lock was gone holds the id: when Discord refuses its
/// deferral because the other process (whose take timed out too, and found the id taken) deferred first, it
/// still records and answers, by editing that deferral, and the other drops it. Before, the process whose
/// deferral was accepted ran it, whether or not it held the id.
///
/// Built step by step: A alone gets the interaction under the lock, its deferral held by the fake; the lock
/// goes and A's take commits (the row is awaited); under the lock again, B gets it, its take times out and its
/// deferral is accepted; the lock goes (B finds the id A's) and A's deferral is let through (refused).
#[tokio::test]
async fn a_process_whose_late_take_committed_answers_after_the_others_deferral() {
    let dir = tempfile::tempdir().unwrap();
    let two = TwoBots::start_with_a_partner(dir.path()).await;
    let (fake, a, b, db, url) = (&two.fake, &two.a, &two.b, &two.db, &two.url);
    let (log, id) = log_three_hours();
    // A's deferral, held unanswered until released
    fake.hold_next_then_answer(&format!("/interactions/{id}/"), 1);
    let mut lock = WriteLock::on(db);
    two.send_to_until_held(&mut lock, log, 0).await;
    // A's take gave up waiting after half a second, but its statement still runs to its end and commits once the
    // lock goes: sqlx runs a SQLite statement on the connection's worker thread, which finishes it even when the
    // future that sent it was dropped. This test relies on that, and awaits the row it writes.
    let owner = owner_once_taken(db, id).await;
    assert!(owner.is_some(), "A's late take wrote its owner");
    // B, under the lock again: its take times out, its deferral is accepted
    let deferral = two.send_again_until_responded(&mut lock, id, 1).await;
    assert_eq!(deferral.body["type"], 5, "{}", deferral.body);
    wait_logs_count(&[b], HELD_BY_ANOTHER, 1).await;
    assert_eq!(hour_records(url).await, 0, "B recorded nothing");
    fake.release_held();
    let edit = fake
        .wait_original_edit(id, WAIT)
        .await
        .unwrap_or_else(|e| panic!("{e}\n{}\nA:\n{}", fake.request_summary(), a.log_text()));
    assert!(
        message_title(&edit.body).starts_with("Logged "),
        "{}",
        edit.body
    );
    assert_eq!(hour_records(url).await, 1, "{}", fake.request_summary());
    let sent = callbacks(fake, id);
    assert_eq!(sent.len(), 2, "{}", fake.request_summary());
    let refused = sent.iter().find(|r| !r.is_success()).unwrap();
    assert_eq!(refused.response["code"], 40060, "{refused:?}");
    assert_eq!(refused.body["type"], 5, "A's deferral: {}", refused.body);
    assert!(fake.followups(id).is_empty(), "{}", fake.request_summary());
    assert_eq!(owner_once_taken(db, id).await, owner, "still A's");
    let a_log = a.log_text();
    assert!(
        !a_log.contains(HELD_BY_ANOTHER) && !a_log.contains(ANSWERED_BY_ANOTHER),
        "{a_log}"
    );
}
