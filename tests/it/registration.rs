//! Registering the slash commands with the real serenity against the fake Discord: a bulk overwrite that fails
//! in a way that passes (a 500) is tried again with a back-off until Discord takes it, and only then does
//! systemd hear READY=1; one Discord refuses for good (a 403) is logged once and not tried again, and systemd
//! never hears READY=1.

use crate::support::bot::{db_url, Bot, WAIT};
use crate::support::fake_discord::{FakeConfig, FakeDiscord};
use crate::support::http::{get, wait_for};
use crate::support::prom::{notified_so_far, wait_notify};
use partnerfit::app::spec::COMMANDS;
use serde_json::Value;
use std::path::Path;

/// The bot with its listener on a free port and systemd's notify socket at `socket`.
async fn bot(fake: &FakeDiscord, dir: &Path, socket: &str) -> (Bot, u16) {
    Bot::start_listening(fake, dir, &db_url(dir), &[], &[("NOTIFY_SOCKET", socket)]).await
}

/// What the bot logs when Discord refused the commands for good, and it does not try again.
const REFUSED: &str = "Discord refused the slash commands; not trying again";

/// The bulk overwrites of the commands the fake received, with the status each got.
fn overwrites(fake: &FakeDiscord) -> Vec<u16> {
    fake.requests()
        .into_iter()
        .filter(|r| r.method == "PUT" && r.path.ends_with("/commands"))
        .map(|r| r.status)
        .collect()
}

#[tokio::test]
async fn a_failed_registration_is_tried_again_until_discord_takes_it() {
    let fake = FakeDiscord::start(FakeConfig::standard()).await.unwrap();
    // Discord's first two answers to the bulk overwrite are server errors.
    fake.fail_next("/commands", 500, 2);
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("notify.sock");
    let sock = tokio::net::UnixDatagram::bind(&socket).unwrap();
    let (bot, port) = bot(&fake, dir.path(), &socket.display().to_string()).await;
    fake.wait_ready(WAIT)
        .await
        .unwrap_or_else(|e| panic!("{e}\n{}", bot.log_text()));

    // After 1 s and 2 s of back-off, the third overwrite is taken; READY=1 follows it.
    let mut seen = notified_so_far(&sock);
    wait_notify(&sock, "READY=1", &mut seen).await;
    assert_eq!(overwrites(&fake), [500, 500, 200], "{}", bot.log_text());
    // What was taken is the app's commands: each top-level name once, in the order of the app's table.
    let registered = fake
        .registered_commands()
        .expect("the commands were registered");
    let names: Vec<&str> = registered
        .as_array()
        .expect("a list of commands")
        .iter()
        .map(|c| c["name"].as_str().unwrap_or_default())
        .collect();
    let mut expected: Vec<&str> = Vec::new();
    for c in COMMANDS {
        if !expected.contains(&c.path[0]) {
            expected.push(c.path[0]);
        }
    }
    assert_eq!(names, expected);
    let (_, body) = wait_for(port, "/readyz", &bot, |c, _| c == 200).await;
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["commands_registered"], true, "{v}");
    let log = bot.log_text();
    assert_eq!(
        log.matches("could not register the slash commands; trying again")
            .count(),
        2,
        "{log}"
    );
    assert_eq!(log.matches("slash commands registered").count(), 1, "{log}");
    assert_eq!(bot.terminate().await, Some(0));
}

#[tokio::test]
async fn a_refused_registration_is_logged_once_and_not_tried_again() {
    let fake = FakeDiscord::start(FakeConfig::standard()).await.unwrap();
    // Missing Permissions, every time: trying again cannot pass.
    fake.fail_next("/commands", 403, 10);
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("notify.sock");
    let sock = tokio::net::UnixDatagram::bind(&socket).unwrap();
    let (bot, port) = bot(&fake, dir.path(), &socket.display().to_string()).await;
    fake.wait_ready(WAIT)
        .await
        .unwrap_or_else(|e| panic!("{e}\n{}", bot.log_text()));
    // The bot logs that it will not try again once it has decided so, after the overwrite (src/discord/
    // register.rs): with one scope refused there is nothing left to try, and the registration ends there. A
    // 403 taken for a passing failure never logs this (it logs "trying again" and tries again in 1 s).
    let log = bot.wait_log(REFUSED).await;
    assert_eq!(overwrites(&fake), [403], "{log}");
    let refused: Vec<&str> = log.lines().filter(|l| l.contains(REFUSED)).collect();
    assert_eq!(refused.len(), 1, "{log}");
    assert!(
        refused[0].contains("ERROR") && refused[0].contains("Discord answered 403 (code 50013)"),
        "{log}"
    );
    // Not ready for systemd: it never hears READY=1; /readyz says the commands are not registered.
    let (_, body) = get(port, "/readyz").await;
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["commands_registered"], false, "{v}");
    assert!(
        !notified_so_far(&sock).iter().any(|m| m.contains("READY=1")),
        "READY=1 without the commands"
    );
    assert_eq!(bot.terminate().await, Some(0));
}
