//! Readiness follows the Socket Mode connection when slack-morphism replaces it by itself, without an error
//! reaching the bot: after Slack's `disconnect` envelope, and after Slack closes the socket with a Close
//! frame. While Slack refuses new connections (`apps.connections.open` failing) `/readyz` answers 503 with
//! `slack.connected: false` and `partnerfit_slack_socket_up` is 0; the `hello` on the connection opened once
//! Slack allows it again makes the bot ready, and it hears Slack again.

use crate::support::bot::{Bot, WAIT};
use crate::support::fake_slack::*;
use crate::support::http::{get, listening, wait_for};
use crate::support::prom::{scrape, value};
use crate::support::slack_bot::{self, slash};
use serde_json::{json, Value};

const SOCKET_UP: &str = "partnerfit_slack_socket_up";

/// The fake Slack and the bot on Slack only, its listener on a free port; returns once it is ready.
async fn start_ready(dir: &std::path::Path) -> (FakeSlack, Bot, u16) {
    let fake = FakeSlack::start().await.unwrap();
    let (bot, port) = listening(&[], |env| slack_bot::start(&fake, dir, env)).await;
    assert_ready(&fake, &bot, port, 1).await;
    (fake, bot, port)
}

fn json_of(body: &str) -> Value {
    serde_json::from_str(body).unwrap_or_else(|e| panic!("not JSON ({e}): {body}"))
}

/// Wait until `/readyz` answers 200 on the `opened`-th connection, and check what it and the gauge say.
async fn assert_ready(fake: &FakeSlack, bot: &Bot, port: u16, opened: u64) {
    let (_, body) = wait_for(port, "/readyz", bot, |c, _| c == 200).await;
    let v = json_of(&body);
    assert_eq!(v["ready"], true, "{v}");
    assert_eq!(v["slack"], json!({"connected": true}), "{v}");
    assert_eq!(value(&scrape(port).await, SOCKET_UP, &[]), 1.0);
    assert_eq!(fake.connections_opened(), opened);
}

/// Assert `/readyz` answers not ready because of the socket, and the gauge says it is down.
async fn assert_not_ready(port: u16) {
    let (code, body) = get(port, "/readyz").await;
    let v = json_of(&body);
    assert_eq!(code, 503, "{v}");
    assert_eq!(v["ready"], false, "{v}");
    assert_eq!(v["slack"], json!({"connected": false}), "{v}");
    assert_eq!(v["database"], json!({"ok": true}), "{v}");
    assert_eq!(value(&scrape(port).await, SOCKET_UP, &[]), 0.0);
}

/// With new connections refused, `lose` takes the bot's connection away: not ready as soon as the library
/// drops it, and still not ready once a reconnection was refused; ready again on the `hello` of the
/// connection Slack lets it open next, and a command is answered over it.
async fn lost_until_slack_lets_it_back(
    fake: &FakeSlack,
    bot: &Bot,
    port: u16,
    lose: fn(&FakeSlack),
) {
    let opened = fake.connections_opened();
    let refused = fake.refused_connections();
    fake.refuse_connections("service_unavailable");
    lose(fake);
    wait_for(port, "/readyz", bot, |c, _| c == 503).await;
    assert_not_ready(port).await;

    // The library tries to reconnect at once and is refused (it tries again after its reconnect timeout):
    // still not ready.
    fake.wait_refused_connections(refused + 1, WAIT)
        .await
        .unwrap_or_else(|e| panic!("{e}\n{}", bot.log_text()));
    assert_not_ready(port).await;
    assert_eq!(fake.connections_opened(), opened, "no new connection yet");

    fake.allow_connections();
    assert_ready(fake, bot, port, opened + 1).await;
    let r = slash(fake, MEMBER_USER_ID, "").await;
    assert!(!r.text.starts_with('⚠'), "{}", slack_bot::text(&r));
}

#[tokio::test]
async fn not_ready_after_slack_asks_to_reconnect_until_the_new_connection_says_hello() {
    let dir = tempfile::tempdir().unwrap();
    let (fake, bot, port) = start_ready(dir.path()).await;
    lost_until_slack_lets_it_back(&fake, &bot, port, FakeSlack::request_refresh).await;
    // And again: every replacement connection is watched, not only the first.
    lost_until_slack_lets_it_back(&fake, &bot, port, FakeSlack::request_refresh).await;
    let log = bot.log_text();
    assert!(
        log.contains("Slack asked the bot to reconnect Socket Mode"),
        "{log}"
    );
    for secret in [BOT_TOKEN, APP_TOKEN] {
        assert!(!log.contains(secret), "a token reached the log");
    }
    assert_eq!(bot.terminate().await, Some(0));
}

#[tokio::test]
async fn not_ready_after_slack_closes_the_socket_until_the_new_connection_says_hello() {
    let dir = tempfile::tempdir().unwrap();
    let (fake, bot, port) = start_ready(dir.path()).await;
    lost_until_slack_lets_it_back(&fake, &bot, port, FakeSlack::close_connections).await;
    lost_until_slack_lets_it_back(&fake, &bot, port, FakeSlack::close_connections).await;
    let log = bot.log_text();
    assert!(log.contains("Slack Socket Mode connection lost"), "{log}");
    for secret in [BOT_TOKEN, APP_TOKEN] {
        assert!(!log.contains(secret), "a token reached the log");
    }
    assert_eq!(bot.terminate().await, Some(0));
}
