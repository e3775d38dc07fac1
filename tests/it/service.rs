//! Operating `partnerfit run` like a service: the listener's /healthz, /readyz and /metrics scraped while the
//! real bot answers the fake Discord, systemd's notify protocol on a socket the test binds, JSON logs, and a
//! listener that stays out of the bot's way whatever connects to it.

use crate::support::bot::{content, db_url, opt, slash, title, Bot, WAIT};
use crate::support::fake_discord::{
    autocomplete, slash_command, FakeConfig, FakeDiscord, Invoker, GUEST_USER_ID, LEAD_USER_ID,
    MEMBER_USER_ID, PARTNERS_CHANNEL_ID, STANDARD_GUILD_ID,
};
use crate::support::http::{get, request, wait_for};
use crate::support::prom::{
    interactions, notified_so_far, scrape, scrape_until, value, wait_notify, INTERACTIONS,
};
use crate::support::scenario;
use prometheus_parse::Value as Prom;
use serde_json::{json, Value};
use std::collections::BTreeMap;
use std::path::Path;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// The bot with its listener on a free port.
async fn bot_with_listener(
    fake: &FakeDiscord,
    dir: &Path,
    run_args: &[&str],
    env: &[(&str, &str)],
) -> (Bot, u16) {
    Bot::start_listening(fake, dir, &db_url(dir), run_args, env).await
}

const DURATION_COUNT: &str = "partnerfit_interaction_duration_seconds_count";

#[tokio::test]
async fn metrics_follow_interactions_refusals_and_digests() {
    let fake = FakeDiscord::start(FakeConfig::standard()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (bot, port) = bot_with_listener(&fake, dir.path(), &[], &[]).await;
    fake.wait_ready(WAIT)
        .await
        .unwrap_or_else(|e| panic!("{e}\n{}", bot.log_text()));
    let first = scrape_until(port, &bot, "the shard up", |s| {
        value(s, "partnerfit_gateway_up", &[("shard", "0")]) == 1.0
    })
    .await;
    for family in [
        "partnerfit_build_info",
        "partnerfit_gateway_up",
        "partnerfit_db_pool_connections",
        "partnerfit_evidence_cache_records",
        "process_resident_memory_bytes",
        "process_cpu_seconds_total",
        "process_open_fds",
    ] {
        assert!(
            first.docs.contains_key(family),
            "{family} is described: {:?}",
            first.docs.keys()
        );
    }
    assert_eq!(
        value(
            &first,
            "partnerfit_build_info",
            &[("version", env!("CARGO_PKG_VERSION"))]
        ),
        1.0
    );
    assert!(value(&first, "process_resident_memory_bytes", &[]) > 1e6);
    assert_eq!(value(&first, INTERACTIONS, &[]), 0.0);

    // Answered, refused for the role, and the user's to fix: one each.
    let r = slash(
        &fake,
        &Invoker::lead(),
        &["profile", "create"],
        vec![opt("type", json!("si")), opt("name", json!("Integrators"))],
    )
    .await;
    assert!(title(&r).contains("profile: created"), "{r}");
    let r = slash(
        &fake,
        &Invoker::member(),
        &["settings", "set"],
        vec![
            opt("key", json!("timezone")),
            opt("value", json!("Zebra/Secret")),
        ],
    )
    .await;
    assert!(content(&r).contains("Only leads"), "{r}");
    let r = slash(
        &fake,
        &Invoker::member(),
        &["partner", "show"],
        vec![opt("partner", json!("Nobody Typed This"))],
    )
    .await;
    assert!(content(&r).starts_with("⚠"), "{r}");
    let id = fake
        .send_interaction(autocomplete(
            Some(STANDARD_GUILD_ID),
            PARTNERS_CHANNEL_ID,
            &Invoker::member(),
            "screen",
            json!([{"name": "partner", "type": 3, "value": "zeb", "focused": true}]),
        ))
        .await
        .unwrap();
    fake.interaction_response(id, WAIT).await.unwrap();

    let s = scrape_until(port, &bot, "four interactions", |s| {
        value(s, INTERACTIONS, &[]) == 3.0 && value(s, "partnerfit_autocomplete_total", &[]) == 1.0
    })
    .await;
    let counted = |command, outcome| interactions(&s, command, outcome);
    assert_eq!(counted("profile create", "ok"), 1.0);
    assert_eq!(counted("settings set", "refused"), 1.0);
    assert_eq!(counted("partner show", "user_error"), 1.0);
    let one = [("command", "profile create")];
    assert_eq!(value(&s, DURATION_COUNT, &one), 1.0);
    let took = value(&s, "partnerfit_interaction_duration_seconds_sum", &one);
    assert!(took > 0.0 && took < WAIT.as_secs_f64(), "{took}");
    // Every interaction lands in the +Inf bucket, and the buckets are cumulative.
    let buckets = s
        .samples
        .iter()
        .find(|x| {
            x.metric == "partnerfit_interaction_duration_seconds"
                && x.labels.get("command") == Some("profile create")
        })
        .map(|x| match &x.value {
            Prom::Histogram(b) => b.clone(),
            other => panic!("not a histogram: {other:?}"),
        })
        .expect("the histogram of /profile create");
    assert_eq!(
        buckets.last().map(|b| (b.less_than, b.count)),
        Some((f64::INFINITY, 1.0))
    );
    assert!(buckets.windows(2).all(|w| w[0].count <= w[1].count));

    // No label carries a workspace, a person, or what anyone typed.
    for sample in &s.samples {
        for (k, v) in sample.labels.iter() {
            for secret in [
                STANDARD_GUILD_ID.to_string(),
                LEAD_USER_ID.to_string(),
                MEMBER_USER_ID.to_string(),
                GUEST_USER_ID.to_string(),
            ] {
                assert_ne!(*v, secret, "{} {k}={v}", sample.metric);
            }
            for typed in ["Zebra", "Nobody", "zeb", "Integrators"] {
                assert!(!v.contains(typed), "{} {k}={v}", sample.metric);
            }
        }
    }

    // A posted digest counts once, as posted.
    scenario::schedule_firing_now(&fake, "weekly", PARTNERS_CHANNEL_ID).await;
    let posted = [("digest", "weekly"), ("result", "posted")];
    scrape_until(port, &bot, "the digest posted", |s| {
        value(s, "partnerfit_digest_posts_total", &posted) == 1.0
    })
    .await;
    // The schedule fires every second; its period is posted once, however many more ticks look at it.
    bot.wait_ticks(3).await;
    let s = scrape(port).await;
    assert_eq!(value(&s, "partnerfit_digest_posts_total", &posted), 1.0);
    assert_eq!(value(&s, "partnerfit_digest_posts_total", &[]), 1.0);
    assert_eq!(
        value(&s, "partnerfit_scheduler_lag_seconds_count", &[]),
        1.0
    );
    assert_eq!(fake.channel_messages(PARTNERS_CHANNEL_ID).len(), 1);
    assert_eq!(bot.terminate().await, Some(0));
}

#[tokio::test]
async fn ready_means_every_shard_connected_and_systemd_hears_it() {
    let fake = FakeDiscord::start(FakeConfig::standard()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let socket = dir.path().join("notify.sock");
    let sock = tokio::net::UnixDatagram::bind(&socket).unwrap();
    let socket = socket.display().to_string();
    // Two shards in one process: serenity waits 5 s between their IDENTIFYs, so for a while one is
    // connected and the other is not.
    let (bot, port) = bot_with_listener(
        &fake,
        dir.path(),
        &["--shard-range", "0-1", "--shard-total", "2"],
        &[
            ("NOTIFY_SOCKET", &socket),
            ("WATCHDOG_USEC", "300000"),
            ("PARTNERFIT_LOG_FORMAT", "json"),
        ],
    )
    .await;
    assert_eq!(get(port, "/healthz").await.0, 200);
    fake.wait_identifies(1, WAIT)
        .await
        .unwrap_or_else(|e| panic!("{e}\n{}", bot.log_text()));
    let (code, body) = wait_for(port, "/readyz", &bot, |_, b| {
        serde_json::from_str::<Value>(b)
            .is_ok_and(|v| v["gateway"]["shards"][0]["connected"] == true)
    })
    .await;
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(code, 503, "{v}");
    assert_eq!(v["ready"], false);
    assert_eq!(v["database"], json!({"ok": true}));
    assert_eq!(v["gateway"]["shards"][1]["shard"], 1);
    assert_eq!(v["gateway"]["shards"][1]["connected"], false, "{v}");
    assert_eq!(fake.identify_count(), 1, "the second shard waits its turn");
    let mut seen = notified_so_far(&sock);
    assert!(
        !seen.iter().any(|m| m.contains("READY=1")),
        "READY before every shard connected: {seen:?}"
    );

    wait_notify(&sock, "READY=1", &mut seen).await;
    assert_eq!(fake.identify_count(), 2, "READY=1 after both shards' READY");
    assert!(
        fake.registered_commands().is_some(),
        "READY=1 after the commands were registered"
    );
    let (_, body) = wait_for(port, "/readyz", &bot, |c, _| c == 200).await;
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["ready"], true);
    assert_eq!(v["commands_registered"], true);
    assert_eq!(v["gateway"]["connected"], true);
    wait_notify(&sock, "WATCHDOG=1", &mut seen).await;

    // One JSON event per interaction, without what the user typed.
    let r = slash(
        &fake,
        &Invoker::member(),
        &["partner", "add"],
        vec![
            opt("name", json!("Typed Secret Partner")),
            opt("type", json!("si")),
        ],
    )
    .await;
    assert!(title(&r).contains("Added"), "{r}");
    let id = fake
        .send_interaction(slash_command(
            Some(STANDARD_GUILD_ID),
            PARTNERS_CHANNEL_ID,
            &Invoker::member(),
            "settings",
            json!([{"name": "set", "type": 1, "options": [
                {"name": "key", "type": 3, "value": "timezone"},
                {"name": "value", "type": 3, "value": "Typed/Secret_Zone"}]}]),
        ))
        .await
        .unwrap();
    fake.interaction_response(id, WAIT).await.unwrap();

    let log_path = bot.log.clone();
    assert_eq!(bot.terminate().await, Some(0));
    wait_notify(&sock, "STOPPING=1", &mut seen).await;
    let log = std::fs::read_to_string(&log_path).unwrap();
    let events: Vec<Value> = log
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect();
    let interactions: BTreeMap<String, &Value> = events
        .iter()
        .filter(|e| e["fields"]["message"] == "interaction")
        .map(|e| {
            (
                e["fields"]["command"].as_str().unwrap().to_string(),
                &e["fields"],
            )
        })
        .collect();
    let add = interactions["partner add"];
    // A string, as every workspace id in the log: a server id is above 2^53.
    assert_eq!(add["workspace"], STANDARD_GUILD_ID.to_string());
    assert_eq!(add["role"], "member");
    assert_eq!(add["outcome"], "ok");
    assert!(
        add["duration_ms"].as_f64().is_some_and(|d| d > 0.0),
        "{add}"
    );
    let set = interactions["settings set"];
    assert_eq!(
        (&set["role"], &set["outcome"]),
        (&json!("member"), &json!("refused"))
    );
    assert_eq!(
        events
            .iter()
            .filter(|e| e["fields"]["message"] == "interaction")
            .count(),
        2
    );
    for typed in ["Typed Secret", "Secret_Zone", "test-token"] {
        assert!(!log.contains(typed), "{typed} reached the log");
    }
}

#[tokio::test]
async fn the_listener_stays_out_of_the_bots_way() {
    let fake = FakeDiscord::start(FakeConfig::standard()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (bot, port) = bot_with_listener(&fake, dir.path(), &[], &[]).await;
    fake.wait_ready(WAIT)
        .await
        .unwrap_or_else(|e| panic!("{e}\n{}", bot.log_text()));
    assert_eq!(get(port, "/nope").await.0, 404);
    assert_eq!(get(port, "/metrics/x").await.0, 404);
    let post =
        b"POST /metrics HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
    assert_eq!(request(port, post).await.unwrap().0, 404);

    // A client that sends half a request and waits holds one connection, and is dropped in time.
    let mut slow = TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    slow.write_all(b"GET /metrics HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    // Huge headers are refused.
    let huge = format!(
        "GET /metrics HTTP/1.1\r\nHost: x\r\nX-Filler: {}\r\nConnection: close\r\n\r\n",
        "a".repeat(64 * 1024)
    );
    match request(port, huge.as_bytes()).await {
        Ok((code, _)) => assert_eq!(code, 431),
        // or the connection is closed while the client is still sending
        Err(e) => assert!(
            matches!(
                e.kind(),
                std::io::ErrorKind::ConnectionReset | std::io::ErrorKind::BrokenPipe
            ),
            "{e}"
        ),
    }

    // A thousand scrapes at once, while interactions are answered.
    let scrapes: Vec<_> = (0..1000)
        .map(|_| {
            tokio::spawn(async move {
                let raw = b"GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
                request(port, raw).await
            })
        })
        .collect();
    for i in 0..20 {
        let r = slash(
            &fake,
            &Invoker::member(),
            &["partner", "add"],
            vec![
                opt("name", json!(format!("Load {i}"))),
                opt("type", json!("si")),
            ],
        )
        .await;
        assert!(title(&r).contains(&format!("Added Load {i}")), "{r}");
    }
    let mut ok = 0;
    for s in scrapes {
        let (code, body) = s.await.unwrap().expect("every scrape is answered");
        assert_eq!(code, 200);
        assert!(body.contains("partnerfit_build_info"));
        ok += 1;
    }
    assert_eq!(ok, 1000);
    let s = scrape(port).await;
    assert_eq!(interactions(&s, "partner add", "ok"), 20.0);

    // The slow client was cut off after the header timeout (EOF, with or without a 408).
    let mut rest = Vec::new();
    tokio::time::timeout(WAIT, slow.read_to_end(&mut rest))
        .await
        .expect("the half-sent request is dropped")
        .ok();
    assert!(
        rest.is_empty() || rest.starts_with(b"HTTP/1.1 408"),
        "{}",
        String::from_utf8_lossy(&rest)
    );
    assert_eq!(get(port, "/healthz").await, (200, "ok\n".to_string()));
    assert_eq!(bot.terminate().await, Some(0));
}

#[tokio::test]
async fn a_bad_listen_address_a_port_in_use_or_an_unknown_log_format_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let in_use = taken.local_addr().unwrap().to_string();
    for (var, value, expected) in [
        (
            "PARTNERFIT_HTTP_LISTEN",
            "localhost",
            "not an address: write IP:PORT",
        ),
        (
            "PARTNERFIT_HTTP_LISTEN",
            in_use.as_str(),
            "the port is in use",
        ),
        (
            "PARTNERFIT_LOG_FORMAT",
            "xml",
            "not a log format: write text or json",
        ),
    ] {
        let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_partnerfit"))
            .current_dir(dir.path())
            .arg("run")
            .env("DISCORD_TOKEN", "test-token")
            .env(var, value)
            .env_remove("PARTNERFIT_DATABASE_URL")
            .env_remove("PARTNERFIT_CONFIG")
            .output()
            .await
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{var}={value}: {err}");
        assert!(err.contains(expected), "{var}={value}: {err}");
        assert_eq!(err.trim_end().lines().count(), 1, "one line: {err}");
    }
    drop(taken);
}

#[test]
fn the_systemd_units_notify_and_verify() {
    let dir = tempfile::tempdir().unwrap();
    for name in ["partnerfit.service", "partnerfit@.service"] {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/deploy/systemd/");
        let unit = std::fs::read_to_string(format!("{path}{name}")).unwrap();
        let lines: Vec<&str> = unit.lines().map(str::trim).collect();
        for want in [
            "Type=notify",
            "NotifyAccess=main",
            "WatchdogSec=30",
            "RestartPreventExitStatus=2",
            "EnvironmentFile=/etc/partnerfit/env",
        ] {
            assert!(lines.contains(&want), "{name} lacks {want}");
        }
        assert!(
            !lines
                .iter()
                .any(|l| !l.starts_with('#') && l.contains("DISCORD_TOKEN")),
            "{name}: the token stays out of the unit"
        );
        // systemd's own check, where it is installed (the binary path swapped for one that exists).
        let runs = std::process::Command::new("systemd-analyze")
            .arg("--version")
            .output();
        match runs {
            Ok(out) if out.status.success() => {}
            Ok(out) => {
                eprintln!(
                    "{name}: `systemd-analyze verify` skipped: `systemd-analyze --version` failed ({}): {}",
                    out.status,
                    String::from_utf8_lossy(&out.stderr).trim()
                );
                continue;
            }
            Err(e) => {
                eprintln!("{name}: `systemd-analyze verify` skipped: systemd-analyze is not installed ({e})");
                continue;
            }
        }
        let instance = name.replace("@.", "@0-1.");
        let copy = dir.path().join(&instance);
        std::fs::write(
            &copy,
            unit.replace(
                "/usr/local/bin/partnerfit",
                env!("CARGO_BIN_EXE_partnerfit"),
            ),
        )
        .unwrap();
        let out = std::process::Command::new("systemd-analyze")
            .arg("verify")
            .arg(&copy)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        let complaints: Vec<&str> = err.lines().filter(|l| l.contains(&instance)).collect();
        assert!(
            out.status.success() && complaints.is_empty(),
            "{name}: {err}"
        );
    }
}
