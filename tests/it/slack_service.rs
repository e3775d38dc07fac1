//! Slack operated like Discord: a Slack-only `partnerfit run` with its listener on, against the fake Slack.
//! `/readyz` and READY=1 wait for the socket's `hello`, `/readyz` turns 503 while the socket is down and 200
//! after it reconnects, `partnerfit_slack_socket_up` follows it, and Slack commands, a mention question and
//! the evidence form with its menu move the same interaction series as Discord's, with the same labels, and
//! log one JSON event each, without what anyone typed.

use crate::support::bot::{Bot, WAIT};
use crate::support::fake_slack::*;
use crate::support::http::{get, listening, wait_for};
use crate::support::prom::{
    interactions, notified_so_far, scrape, scrape_until, value, wait_notify, INTERACTIONS,
};
use crate::support::slack_bot::{self, is_ephemeral, slash};
use serde_json::{json, Value};
use std::collections::BTreeMap;

const SOCKET_UP: &str = "partnerfit_slack_socket_up";

/// The fake Slack, holding its `hello` back, and the bot on Slack only with its listener on a port the OS picks
/// (read from the bot's log) and `env` on top.
async fn start(dir: &std::path::Path, env: &[(&str, &str)]) -> (FakeSlack, Bot, u16) {
    let fake = FakeSlack::start().await.unwrap();
    fake.hold_hello(true);
    let (bot, port) = listening(env, |env| slack_bot::start(&fake, dir, env)).await;
    (fake, bot, port)
}

fn json_of(body: &str) -> Value {
    serde_json::from_str(body).unwrap_or_else(|e| panic!("not JSON ({e}): {body}"))
}

#[tokio::test]
async fn ready_once_slack_says_hello_and_not_while_the_socket_is_down() {
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("notify.sock");
    let sock = tokio::net::UnixDatagram::bind(&socket).unwrap();
    let socket = socket.display().to_string();
    let (fake, bot, port) = start(dir.path(), &[("NOTIFY_SOCKET", &socket)]).await;

    // Connected, but Slack has not said hello yet: not ready, and systemd has not heard READY.
    fake.wait_connections_accepted(1, WAIT)
        .await
        .unwrap_or_else(|e| panic!("{e}\n{}", bot.log_text()));
    let (code, body) = get(port, "/readyz").await;
    let v = json_of(&body);
    assert_eq!(code, 503, "{v}");
    assert_eq!(v["ready"], false);
    assert_eq!(v["slack"], json!({"connected": false}));
    assert_eq!(v["database"], json!({"ok": true}));
    assert_eq!(v["gateway"]["shards"], json!([]), "no Discord here");
    assert_eq!(value(&scrape(port).await, SOCKET_UP, &[]), 0.0);
    let mut seen = notified_so_far(&sock);
    assert!(
        !seen.iter().any(|m| m.contains("READY=1")),
        "READY before hello: {seen:?}"
    );

    // hello: ready, and systemd hears it.
    fake.hold_hello(false);
    wait_notify(&sock, "READY=1", &mut seen).await;
    assert_eq!(fake.connections_opened(), 1, "READY=1 after hello");
    let (_, body) = wait_for(port, "/readyz", &bot, |c, _| c == 200).await;
    let v = json_of(&body);
    assert_eq!(v["ready"], true);
    assert_eq!(v["slack"], json!({"connected": true}));
    assert_eq!(value(&scrape(port).await, SOCKET_UP, &[]), 1.0);

    // The connection fails: not ready until the bot has reconnected and Slack said hello again.
    fake.hold_hello(true);
    fake.break_connections();
    let (code, body) = wait_for(port, "/readyz", &bot, |c, _| c == 503).await;
    assert_eq!(
        json_of(&body)["slack"],
        json!({"connected": false}),
        "{code}"
    );
    assert_eq!(value(&scrape(port).await, SOCKET_UP, &[]), 0.0);
    // The reconnection is under way (the bot waits its reconnect timeout first), held before hello.
    fake.wait_connections_accepted(2, WAIT)
        .await
        .unwrap_or_else(|e| panic!("{e}\n{}", bot.log_text()));
    assert_eq!(get(port, "/readyz").await.0, 503);
    fake.hold_hello(false);
    wait_for(port, "/readyz", &bot, |c, _| c == 200).await;
    assert_eq!(value(&scrape(port).await, SOCKET_UP, &[]), 1.0);
    assert_eq!(fake.connections_opened(), 2);

    assert_eq!(bot.terminate().await, Some(0));
    wait_notify(&sock, "STOPPING=1", &mut seen).await;
}

#[tokio::test]
async fn slack_interactions_move_the_same_series_and_log_one_event_each() {
    let dir = tempfile::tempdir().unwrap();
    let (fake, bot, port) = start(dir.path(), &[("PARTNERFIT_LOG_FORMAT", "json")]).await;
    fake.hold_hello(false);
    fake.wait_connected(WAIT)
        .await
        .unwrap_or_else(|e| panic!("{e}\n{}", bot.log_text()));
    assert_eq!(value(&scrape(port).await, INTERACTIONS, &[]), 0.0);

    // Answered, refused for the role, the user's to fix, a line naming no command, and the help.
    let r = slash(
        &fake,
        ADMIN_USER_ID,
        "profile create type:si name:Integrators",
    )
    .await;
    assert!(!r.text.starts_with('⚠'), "{}", slack_bot::text(&r));
    let r = slash(
        &fake,
        MEMBER_USER_ID,
        "settings set key:timezone value:Zebra/Secret",
    )
    .await;
    assert!(
        slack_bot::text(&r).contains("Only "),
        "{}",
        slack_bot::text(&r)
    );
    assert!(is_ephemeral(&r));
    let r = slash(
        &fake,
        MEMBER_USER_ID,
        r#"partner show partner:"Nobody Typed This""#,
    )
    .await;
    assert!(r.text.starts_with('⚠'), "{}", slack_bot::text(&r));
    let r = slash(&fake, MEMBER_USER_ID, "launch rockets now").await;
    assert!(r.text.starts_with('⚠'), "{}", slack_bot::text(&r));
    slash(&fake, GUEST_USER_ID, "").await;
    // The roster, read a page at a time, counts as answered like any other command.
    slash(&fake, MEMBER_USER_ID, "partner list").await;
    // A question in a mention, answered in a thread.
    fake.mention(
        MEMBER_USER_ID,
        PARTNERS_CHANNEL_ID,
        "does Nobody Typed fit?",
    );
    fake.wait_posted("the answer to the question", 1, WAIT, |p| {
        p.channel == PARTNERS_CHANNEL_ID && p.body["thread_ts"].is_string()
    })
    .await
    .unwrap_or_else(|e| panic!("{e}\n{}", bot.log_text()));

    // The evidence form: opened (the answer to `evidence add`), its menu completed, a submission the
    // form keeps open with the reason (no such partner).
    let (eid, _) = fake.slash(MEMBER_USER_ID, PARTNERS_CHANNEL_ID, "evidence add");
    fake.ack(&eid, WAIT).await.unwrap();
    let view = fake.view(1, WAIT).await.unwrap();
    let e = fake
        .suggest(MEMBER_USER_ID, &view, "partner", "nob")
        .unwrap();
    fake.ack(&e, WAIT).await.unwrap();
    let pick = |v: &str| json!({"type": "external_select", "selected_option": {"text": {"type": "plain_text", "text": v}, "value": v}});
    let values = json!({"partner": {"partner": pick("Nobody Typed Inc")}, "trait": {"trait": pick("Typed Trait")}});
    let e = fake.submit(MEMBER_USER_ID, &view, values);
    let ack = fake.ack(&e, WAIT).await.unwrap();
    assert_eq!(ack["payload"]["response_action"], "errors", "{ack}");

    let s = scrape_until(port, &bot, "nine interactions", |s| {
        value(s, INTERACTIONS, &[]) == 9.0
    })
    .await;
    let counted = |command, outcome| interactions(&s, command, outcome);
    assert_eq!(counted("profile create", "ok"), 1.0);
    assert_eq!(counted("settings set", "refused"), 1.0);
    assert_eq!(counted("partner show", "user_error"), 1.0);
    assert_eq!(counted("unknown", "user_error"), 1.0);
    assert_eq!(counted("help", "ok"), 1.0);
    assert_eq!(counted("partner list", "ok"), 1.0);
    assert_eq!(counted("question", "ok"), 1.0);
    assert_eq!(counted("evidence add", "ok"), 1.0);
    assert_eq!(counted("form", "user_error"), 1.0);
    assert_eq!(value(&s, "partnerfit_autocomplete_total", &[]), 1.0);
    // Discord's label set, exactly: command and outcome.
    for sample in s.samples.iter().filter(|x| x.metric == INTERACTIONS) {
        let mut keys: Vec<&str> = sample.labels.keys().map(String::as_str).collect();
        keys.sort_unstable();
        assert_eq!(keys, ["command", "outcome"]);
    }
    let one = [("command", "profile create")];
    assert_eq!(
        value(&s, "partnerfit_interaction_duration_seconds_count", &one),
        1.0
    );
    let took = value(&s, "partnerfit_interaction_duration_seconds_sum", &one);
    assert!(took > 0.0 && took < WAIT.as_secs_f64(), "{took}");
    // No label carries the team, a person, or what anyone typed.
    for sample in &s.samples {
        for (k, v) in sample.labels.iter() {
            for secret in [TEAM_ID, ADMIN_USER_ID, MEMBER_USER_ID, GUEST_USER_ID] {
                assert!(!v.contains(secret), "{} {k}={v}", sample.metric);
            }
            for typed in ["Zebra", "Nobody", "nob", "rockets", "Integrators", "Typed"] {
                assert!(!v.contains(typed), "{} {k}={v}", sample.metric);
            }
        }
    }

    let log_path = bot.log.clone();
    assert_eq!(bot.terminate().await, Some(0));
    let log = std::fs::read_to_string(&log_path).unwrap();
    let events: Vec<Value> = log
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .filter(|e: &Value| e["fields"]["message"] == "interaction")
        .collect();
    assert_eq!(events.len(), 9, "{events:?}");
    let by_command: BTreeMap<&str, &Value> = events
        .iter()
        .map(|e| (e["fields"]["command"].as_str().unwrap(), &e["fields"]))
        .collect();
    let set = by_command["settings set"];
    assert_eq!(set["platform"], "slack");
    assert_eq!(set["workspace"], format!("slack:{TEAM_ID}"));
    assert_eq!(set["role"], "member");
    assert_eq!(set["outcome"], "refused");
    assert!(
        set["duration_ms"].as_f64().is_some_and(|d| d > 0.0),
        "{set}"
    );
    assert_eq!(by_command["profile create"]["role"], "lead");
    assert_eq!(by_command["help"]["role"], "guest");
    for typed in [
        "Zebra/Secret",
        "Nobody Typed",
        "rockets",
        BOT_TOKEN,
        APP_TOKEN,
    ] {
        assert!(!log.contains(typed), "{typed} reached the log");
    }
}
