//! Stopping `partnerfit run` (the real binary against the fake Discord) before it has started: a stop signal
//! that comes while the database is still being opened — the bot waiting for another process's migration lock,
//! or blocked inside a migration — is heard (`/readyz` says stopping), lets the opening finish rather than
//! cutting a migration off, and ends the process cleanly without connecting anywhere; a second signal still
//! ends it at once, and an opening that never finishes is given up on at the shutdown's bound. A signal while
//! Discord or Slack does not answer the start's requests stops the process at once.

use crate::support::bot::{db_url, send_signal, Bot, WAIT};
use crate::support::fake_discord::{FakeConfig, FakeDiscord};
use crate::support::fake_slack::FakeSlack;
use crate::support::http::{get, wait_for};
use crate::support::slack_bot;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// What the bot logs when a stop signal came while the database was opened, and it was opened and closed again.
const STOPPED_LINE: &str = "stopped before any platform started";

/// The lock file another process holds while it migrates the database `bot.db` in `dir`
/// (src/store/migrate_lock.rs: the database file's name with `.migrate-lock` added).
fn lock_file(dir: &Path) -> PathBuf {
    dir.join("bot.db.migrate-lock")
}

/// The migration lock of `dir`'s database, held as another process migrating it would hold it.
fn hold_migration_lock(dir: &Path) -> rusqlite::Connection {
    let lock = rusqlite::Connection::open(lock_file(dir)).unwrap();
    lock.execute_batch("BEGIN EXCLUSIVE").unwrap();
    lock
}

/// Whether a connection holds the lock file at `path` now, probed without waiting (a probe that gets the lock
/// lets it go at once).
fn lock_held(path: &Path) -> bool {
    let probe = rusqlite::Connection::open(path).unwrap();
    probe.busy_timeout(Duration::ZERO).unwrap();
    match probe.execute_batch("BEGIN EXCLUSIVE") {
        Ok(()) => {
            probe.execute_batch("ROLLBACK").unwrap();
            false
        }
        Err(e) if e.sqlite_error_code() == Some(rusqlite::ErrorCode::DatabaseBusy) => true,
        Err(e) => panic!("probing {}: {e}", path.display()),
    }
}

/// How many migrations this crate carries for SQLite: one file each in `migrations/sqlite`.
fn sqlite_migrations() -> usize {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("migrations/sqlite");
    std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "sql"))
        .count()
}

/// The migrations recorded as applied in the database file `db`: (successful ones, all rows).
fn applied(db: &Path) -> (i64, i64) {
    let conn = rusqlite::Connection::open(db).unwrap();
    conn.query_row(
        "SELECT COALESCE(SUM(success), 0), COUNT(*) FROM _sqlx_migrations",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )
    .unwrap()
}

/// `/readyz` once it says the process is stopping, still with the database not open: checked as a probe sees it.
async fn readyz_stopping_while_opening(port: u16, bot: &Bot) {
    let (code, body) = wait_for(port, "/readyz", bot, |_, b| {
        serde_json::from_str::<Value>(b).is_ok_and(|v| v["stopping"] == true)
    })
    .await;
    let ready: Value = serde_json::from_str(&body).unwrap_or(Value::String(body));
    assert_eq!(code, 503, "{ready}");
    assert_eq!(ready["ready"], false, "{ready}");
    assert_eq!(
        ready["database"],
        json!({"ok": false, "starting": true}),
        "still being opened: {ready}"
    );
}

/// `/readyz` before any signal, while the database is being opened: not ready, not stopping.
async fn readyz_opening(port: u16) {
    let (code, body) = get(port, "/readyz").await;
    let ready: Value = serde_json::from_str(&body).unwrap_or(Value::String(body));
    assert_eq!(code, 503, "{ready}");
    assert_eq!(ready["stopping"], false, "{ready}");
}

/// SIGTERM while the bot waits for the migration lock another process holds: `/readyz` says stopping at once;
/// once the lock is free the bot migrates the database all the way, closes it and exits 0, without having
/// connected to Discord.
#[tokio::test]
async fn sigterm_while_waiting_to_migrate_finishes_the_migration_and_exits_cleanly() {
    let fake = FakeDiscord::start(FakeConfig::standard()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let lock = hold_migration_lock(dir.path());
    let (mut bot, port) =
        Bot::start_listening(&fake, dir.path(), &db_url(dir.path()), &[], &[]).await;
    readyz_opening(port).await;

    send_signal(bot.pid(), "TERM");
    readyz_stopping_while_opening(port, &bot).await;
    assert!(
        bot.child.try_wait().unwrap().is_none(),
        "still running: the opening is let finish\n{}",
        bot.log_text()
    );

    drop(lock);
    let exit = bot.wait_exit().await;
    let text = bot.log_text();
    assert_eq!(
        exit,
        Some(0),
        "a clean stop once the database was opened\n{text}"
    );
    assert!(text.contains("stop requested"), "{text}");
    assert!(text.contains(STOPPED_LINE), "{text}");
    assert_eq!(fake.identify_count(), 0, "no platform started: {text}");
    let all = sqlite_migrations() as i64;
    assert!(all >= 1);
    assert_eq!(
        applied(&dir.path().join("bot.db")),
        (all, all),
        "every migration applied and recorded\n{text}"
    );
}

/// SIGTERM while the bot is inside the database's migrations: the file already has the migrations table (as
/// sqlx creates it) but no migration, and the test holds the file's write lock, so the bot's first migration
/// waits for it within its transaction. After the signal the lock is let go: the migrations are applied whole —
/// every one recorded as successful, none half-applied — and the process exits 0 without connecting.
#[tokio::test]
async fn sigterm_during_a_migration_lets_it_commit_and_exits_cleanly() {
    let fake = FakeDiscord::start(FakeConfig::standard()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("bot.db");
    let writer = rusqlite::Connection::open(&db).unwrap();
    // sqlx's own migrations table (sqlx-sqlite's `ensure_migrations_table`), empty: the bot finds every
    // migration still to apply.
    writer
        .execute_batch(
            "PRAGMA journal_mode = WAL;
             CREATE TABLE _sqlx_migrations (
                 version BIGINT PRIMARY KEY,
                 description TEXT NOT NULL,
                 installed_on TIMESTAMP NOT NULL DEFAULT CURRENT_TIMESTAMP,
                 success BOOLEAN NOT NULL,
                 checksum BLOB NOT NULL,
                 execution_time BIGINT NOT NULL
             );
             BEGIN IMMEDIATE;",
        )
        .unwrap();
    let (mut bot, port) =
        Bot::start_listening(&fake, dir.path(), &db_url(dir.path()), &[], &[]).await;
    readyz_opening(port).await;
    // The bot holds its migration lock from before it connects until its migrations are done: it is opening
    // the database, and cannot get past the write lock held here.
    let deadline = Instant::now() + WAIT;
    while !lock_held(&lock_file(dir.path())) {
        assert!(
            Instant::now() < deadline,
            "the bot never took its migration lock\n{}",
            bot.log_text()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }

    send_signal(bot.pid(), "TERM");
    readyz_stopping_while_opening(port, &bot).await;
    let none_yet: i64 = writer
        .query_row("SELECT COUNT(*) FROM _sqlx_migrations", [], |r| r.get(0))
        .unwrap();
    assert_eq!(none_yet, 0, "no migration was committed before the signal");

    writer.execute_batch("ROLLBACK").unwrap();
    drop(writer);
    let exit = bot.wait_exit().await;
    let text = bot.log_text();
    assert_eq!(
        exit,
        Some(0),
        "a clean stop once the migrations were applied\n{text}"
    );
    assert!(text.contains(STOPPED_LINE), "{text}");
    assert_eq!(fake.identify_count(), 0, "no platform started: {text}");
    let all = sqlite_migrations() as i64;
    assert_eq!(
        applied(&db),
        (all, all),
        "every migration applied whole and recorded as successful\n{text}"
    );
}

/// A second signal while the first one waits for the database to be opened ends the process at once, with the
/// code a shell gives a process that SIGINT ended: 128 + 2.
#[tokio::test]
async fn a_second_signal_while_the_database_is_opened_ends_the_process_at_once() {
    let fake = FakeDiscord::start(FakeConfig::standard()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let _lock = hold_migration_lock(dir.path());
    let (mut bot, port) =
        Bot::start_listening(&fake, dir.path(), &db_url(dir.path()), &[], &[]).await;
    send_signal(bot.pid(), "TERM");
    readyz_stopping_while_opening(port, &bot).await;

    send_signal(bot.pid(), "INT");
    let exit = bot.wait_exit().await;
    let text = bot.log_text();
    assert_eq!(exit, Some(128 + 2), "{text}");
    assert!(text.contains("second stop signal"), "{text}");
    assert!(!text.contains(STOPPED_LINE), "{text}");
    assert_eq!(fake.identify_count(), 0);
}

/// A stop signal while the bot waits for a migration lock that is never let go: the opening is given up on 10
/// seconds after the signal (the shutdown's bound, `DRAIN_BOUND`), and the process exits 0 with a warning —
/// not killed, not hanging on the wait — having created no database and connected nowhere.
#[tokio::test]
async fn an_opening_that_never_finishes_is_given_up_on_at_the_bound() {
    let fake = FakeDiscord::start(FakeConfig::standard()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let _lock = hold_migration_lock(dir.path());
    let (mut bot, port) =
        Bot::start_listening(&fake, dir.path(), &db_url(dir.path()), &[], &[]).await;
    let signalled = Instant::now();
    send_signal(bot.pid(), "TERM");
    readyz_stopping_while_opening(port, &bot).await;

    // The bound is 10 s and one wait is 15 s: a second one for a loaded machine.
    let exit = match bot.wait_exit().await {
        Some(code) => Some(code),
        None => bot.wait_exit().await,
    };
    let waited = signalled.elapsed();
    let text = bot.log_text();
    assert_eq!(exit, Some(0), "{text}");
    assert!(
        waited >= Duration::from_secs(10),
        "given the bound after the signal, not less: {waited:?}\n{text}"
    );
    assert!(
        text.contains("was not finished at the shutdown's bound"),
        "{text}"
    );
    assert!(!text.contains(STOPPED_LINE), "{text}");
    assert_eq!(fake.identify_count(), 0);
    assert!(
        !dir.path().join("bot.db").exists(),
        "the lock is waited for before the database is created\n{text}"
    );
}

/// Sends SIGTERM to `bot`, held at its start by `platform` not answering, and checks that it stops at once and
/// cleanly: exit code 0, and the line saying it stopped before connecting there. Its log.
async fn stops_before_connecting(bot: &mut Bot, platform: &str) -> String {
    send_signal(bot.pid(), "TERM");
    let exit = bot.wait_exit().await;
    let text = bot.log_text();
    assert_eq!(exit, Some(0), "a clean stop before connecting\n{text}");
    let line = format!("stopped before connecting to {platform}");
    assert!(text.contains(&line), "{text}");
    text
}

/// SIGTERM while the bot waits for Discord to say who it is (`GET /users/@me` held unanswered by the fake:
/// a Discord or proxy that does not answer): the stop is acted on at once — the process exits 0 without waiting
/// for the answer and without connecting to the gateway — rather than heard and left until the request ends.
#[tokio::test]
async fn sigterm_while_discord_does_not_answer_at_start_stops_at_once() {
    let fake = FakeDiscord::start(FakeConfig::standard()).await.unwrap();
    fake.hold_next_then_answer("/users/@me", 1);
    let dir = tempfile::tempdir().unwrap();
    let mut bot = Bot::start_on(&fake, dir.path(), &db_url(dir.path()), &[], &[]);
    fake.wait_held(1, WAIT).await.unwrap();

    let text = stops_before_connecting(&mut bot, "Discord").await;
    assert_eq!(fake.identify_count(), 0, "never connected: {text}");
    fake.release_held();
}

#[tokio::test]
async fn sigterm_while_slack_does_not_answer_auth_test_stops_at_once() {
    let fake = FakeSlack::start().await.unwrap();
    fake.hold_next("auth.test", 1);
    let dir = tempfile::tempdir().unwrap();
    let mut bot = slack_bot::start(&fake, dir.path(), &[]);
    fake.wait_held(1, WAIT).await.unwrap();

    let text = stops_before_connecting(&mut bot, "Slack").await;
    assert!(
        fake.calls_of("apps.connections.open").is_empty(),
        "the app-level token was never checked: {text}"
    );
    assert_eq!(fake.connections_opened(), 0, "never connected: {text}");
    fake.release_held();
}

/// Slack and Discord in one process: Slack starts first, and a signal while it does not answer its second check
/// (the app-level token's) stops the process before Discord is even asked for the bot.
#[tokio::test]
async fn sigterm_while_slack_holds_the_start_of_both_platforms_stops_at_once() {
    let discord = FakeDiscord::start(FakeConfig::standard()).await.unwrap();
    let fake = FakeSlack::start().await.unwrap();
    fake.hold_next("apps.connections.open", 1);
    let dir = tempfile::tempdir().unwrap();
    let env = slack_bot::slack_env(&fake);
    let extra: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let mut bot = Bot::start(&discord, dir.path(), &extra);
    fake.wait_held(1, WAIT).await.unwrap();

    let text = stops_before_connecting(&mut bot, "Slack").await;
    assert_eq!(
        fake.connections_opened(),
        0,
        "Slack never connected: {text}"
    );
    assert_eq!(
        discord.identify_count(),
        0,
        "Discord never connected: {text}"
    );
    fake.release_held();
}
