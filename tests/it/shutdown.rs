//! Stopping `partnerfit run` (the real binary against the fake Discord): SIGTERM ends the process even when no
//! gateway connection was ever made (Discord refusing the connection, or never answering it); a digest being
//! posted and a command being answered at the signal are finished and recorded before the database closes,
//! while `/readyz` already says the process is stopping; and the listener answers while the database is still
//! being migrated.

use crate::support::bot::{db_url, message_title, send_signal, Bot, WAIT};
use crate::support::fake_discord::{
    slash_command, FakeConfig, FakeDiscord, GatewayDoor, Invoker, PARTNERS_CHANNEL_ID,
    STANDARD_GUILD_ID,
};
use crate::support::http::{get, wait_for};
use crate::support::scenario::schedule_firing_now;
use partnerfit::domain::DigestKind;
use partnerfit::store::Store;
use serde_json::{json, Value};

/// `GET path` on the bot's listener, failing (not hanging) when it does not answer within [`WAIT`].
async fn answered(port: u16, path: &str, bot: &Bot) -> (u16, Value) {
    let (code, body) = tokio::time::timeout(WAIT, get(port, path))
        .await
        .unwrap_or_else(|_| panic!("{path} did not answer within {WAIT:?}\n{}", bot.log_text()));
    let v = serde_json::from_str(&body).unwrap_or(Value::String(body));
    (code, v)
}

/// SIGTERM to a bot whose shard never connected (the fake's gateway answers as `door` says): it exits 0
/// within [`WAIT`], having identified nowhere.
async fn sigterm_with_the_gateway(door: GatewayDoor) {
    let fake = FakeDiscord::start(FakeConfig::standard()).await.unwrap();
    fake.set_gateway_door(door);
    let dir = tempfile::tempdir().unwrap();
    let bot = Bot::start(&fake, dir.path(), &[]);
    // The token was checked and the shard's connection tried: serenity has no shard runner now.
    fake.wait_gateway_attempts(1, WAIT)
        .await
        .unwrap_or_else(|e| panic!("{e}\n{}", bot.log_text()));
    let log = bot.log.clone();
    let code = bot.terminate().await;
    let text = std::fs::read_to_string(&log).unwrap_or_default();
    assert_eq!(
        code,
        Some(0),
        "SIGTERM with the gateway {door:?}: a clean exit within {WAIT:?}\n{text}"
    );
    assert!(text.contains("shutting down"), "{text}");
    assert_eq!(fake.identify_count(), 0, "no shard connected meanwhile");
}

#[tokio::test]
async fn sigterm_while_discord_refuses_the_gateway_connection_exits_at_once() {
    sigterm_with_the_gateway(GatewayDoor::Refused).await;
}

#[tokio::test]
async fn sigterm_while_the_gateway_connection_is_under_way_exits_at_once() {
    sigterm_with_the_gateway(GatewayDoor::Silent).await;
}

/// At SIGTERM a scheduled digest's post and a deferred command's acknowledgement are both waiting for
/// Discord. The process says it is stopping at once (`/readyz` 503, `stopping: true`) and closes its gateway
/// connection, then Discord answers both: the command reads the database, which is still open, and answers;
/// the digest's period is recorded as posted; and only then does the process exit, cleanly.
#[tokio::test]
async fn sigterm_finishes_the_digest_and_the_command_in_flight() {
    let fake = FakeDiscord::start(FakeConfig::standard()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (mut bot, port) = Bot::start_listening(
        &fake,
        dir.path(),
        &db_url(dir.path()),
        &[],
        &[("PARTNERFIT_LOG_FORMAT", "json")],
    )
    .await;
    wait_for(port, "/readyz", &bot, |c, _| c == 200).await;

    // Discord takes the digest's post and answers it only later.
    let posts = format!("/channels/{PARTNERS_CHANNEL_ID}/messages");
    fake.hold_next_then_answer(&posts, 1);
    schedule_firing_now(&fake, "weekly", PARTNERS_CHANNEL_ID).await;
    // The command's acknowledgement is held: its work (reading the database) is all still to do.
    fake.hold_next_then_answer("/callback", 1);
    let id = fake
        .send_interaction(slash_command(
            Some(STANDARD_GUILD_ID),
            PARTNERS_CHANNEL_ID,
            &Invoker::member(),
            "digest",
            json!([{"name": "weekly", "type": 1, "options": []}]),
        ))
        .await
        .unwrap();
    fake.wait_held(2, WAIT)
        .await
        .unwrap_or_else(|e| panic!("{e}\n{}", bot.log_text()));

    send_signal(bot.pid(), "TERM");
    // The signal was heard: the process stopped claiming and closed its gateway connection.
    fake.wait_disconnected(WAIT)
        .await
        .unwrap_or_else(|e| panic!("{e}\n{}", bot.log_text()));
    let (code, ready) = answered(port, "/readyz", &bot).await;
    assert_eq!(code, 503, "{ready}");
    assert_eq!(ready["stopping"], true, "{ready}");
    assert_eq!(ready["ready"], false, "{ready}");
    assert_eq!(
        ready["database"],
        json!({"ok": true}),
        "still open while the work in flight finishes: {ready}"
    );

    fake.release_held();
    let exit = bot.wait_exit().await;
    let text = bot.log_text();
    assert_eq!(exit, Some(0), "a clean exit once both finished\n{text}");

    // The command was acknowledged, then answered with the preview read from the still open database.
    let deferred = fake.interaction_response(id, WAIT).await.unwrap();
    assert_eq!(
        deferred["type"], 5,
        "acknowledged, answer to follow: {deferred}"
    );
    let edit = fake.wait_original_edit(id, WAIT).await.unwrap();
    assert!(
        message_title(&edit.body).starts_with("Weekly allocation check"),
        "the preview, not an apology: {}",
        edit.body
    );
    let outcome = text
        .lines()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .find(|e| {
            e["fields"]["message"] == "interaction" && e["fields"]["command"] == "digest weekly"
        })
        .map(|e| e["fields"]["outcome"].clone());
    assert_eq!(outcome, Some(json!("ok")), "{text}");
    // The digest was posted once, and its period recorded as posted before the database closed.
    assert_eq!(fake.channel_messages(PARTNERS_CHANNEL_ID).len(), 1);
    let store = Store::open(&db_url(dir.path())).await.unwrap();
    let run = store
        .latest_run(&STANDARD_GUILD_ID.to_string(), DigestKind::Weekly)
        .await
        .unwrap()
        .expect("the period was claimed");
    assert!(
        run.posted_at.is_some(),
        "the posted digest's period is recorded: {run:?}\n{text}"
    );
    store.close().await;
}

/// A second signal while the first one's work in flight is still waiting (a digest's post Discord does not
/// answer) ends the process at once, with the code a shell gives a process a signal ended: 130 for SIGINT.
#[tokio::test]
async fn a_second_signal_ends_the_process_at_once() {
    let fake = FakeDiscord::start(FakeConfig::standard()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut bot = Bot::start(&fake, dir.path(), &[]);
    fake.wait_ready(WAIT)
        .await
        .unwrap_or_else(|e| panic!("{e}\n{}", bot.log_text()));
    fake.hold_next(&format!("/channels/{PARTNERS_CHANNEL_ID}/messages"), 1);
    schedule_firing_now(&fake, "weekly", PARTNERS_CHANNEL_ID).await;
    fake.wait_held(1, WAIT)
        .await
        .unwrap_or_else(|e| panic!("{e}\n{}", bot.log_text()));
    send_signal(bot.pid(), "TERM");
    fake.wait_disconnected(WAIT)
        .await
        .unwrap_or_else(|e| panic!("{e}\n{}", bot.log_text()));
    // Still waiting for the post (held for a minute): the second signal does not wait for it.
    send_signal(bot.pid(), "INT");
    let exit = bot.wait_exit().await;
    let text = bot.log_text();
    assert_eq!(exit, Some(130), "{text}");
    assert!(text.contains("second stop signal"), "{text}");
}

/// While the database is being opened and migrated (here: waiting for the migration lock another process
/// holds) the listener already answers: `/healthz` 200, `/readyz` 503 with the database starting. Once the
/// lock is released the bot migrates, connects and becomes ready.
#[tokio::test]
async fn the_listener_answers_while_the_database_is_migrated() {
    let fake = FakeDiscord::start(FakeConfig::standard()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    // Another process migrating the same file: the store waits for its lock (src/store/migrate_lock.rs).
    let lock = rusqlite::Connection::open(dir.path().join("bot.db.migrate-lock")).unwrap();
    lock.execute_batch("BEGIN EXCLUSIVE").unwrap();
    let (bot, port) = Bot::start_listening(&fake, dir.path(), &db_url(dir.path()), &[], &[]).await;
    let (code, _) = answered(port, "/healthz", &bot).await;
    assert_eq!(code, 200);
    let (code, ready) = answered(port, "/readyz", &bot).await;
    assert_eq!(code, 503, "{ready}");
    assert_eq!(ready["ready"], false, "{ready}");
    assert_eq!(ready["stopping"], false, "{ready}");
    assert_eq!(
        ready["database"],
        json!({"ok": false, "starting": true}),
        "{ready}"
    );
    assert_eq!(
        fake.identify_count(),
        0,
        "nothing connects before the database is open"
    );
    drop(lock);
    let (_, body) = wait_for(port, "/readyz", &bot, |c, _| c == 200).await;
    let ready: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(ready["database"], json!({"ok": true}), "{ready}");
    assert_eq!(bot.terminate().await, Some(0));
}
