//! Reliability and security promises, each as a test: crash safety, concurrency, Discord faults, isolation
//! between workspaces and roles, and secrets.

use crate::support::bot::{content, db_url, opt, slash, title, Bot, WAIT};
use crate::support::fake_discord::{
    autocomplete, slash_command, FakeChannel, FakeConfig, FakeDiscord, FakeGuild, Invoker,
    Recorded, PARTNERS_CHANNEL_ID, STANDARD_GUILD_ID,
};
use crate::support::scenario::{
    is_post_to, reseller, reseller_profile, schedule_firing_now, TestBot,
};
use crate::support::{utc, TestApp};
use partnerfit::app::spec::COMMANDS;
use partnerfit::domain::Role;
use partnerfit::store::Store;
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::time::Duration;

/// The bot up, with a reseller profile of one trait ("Overlap", at least 25) and the reseller "Acme".
async fn bot_with_partner() -> TestBot {
    let t = TestBot::start().await;
    reseller_profile(&t.fake, &[("Overlap", vec![opt("min", json!(25.0))])]).await;
    reseller(&t.fake, "Acme").await;
    t
}

fn evidence_add(value: f64) -> Value {
    slash_command(
        Some(STANDARD_GUILD_ID),
        PARTNERS_CHANNEL_ID,
        &Invoker::member(),
        "evidence",
        json!([{"name": "add", "type": 1, "options": [
            {"name": "partner", "type": 3, "value": "Acme"},
            {"name": "trait", "type": 3, "value": "Overlap"},
            {"name": "value", "type": 10, "value": value}]}]),
    )
}

/// The evidence id in an `/evidence add` reply title ("Evidence #12 recorded: …").
fn evidence_id(reply: &Value) -> Option<i64> {
    let t = title(reply);
    let rest = t.strip_prefix("Evidence #")?;
    rest.split_whitespace().next()?.parse().ok()
}

#[tokio::test]
async fn acknowledged_writes_survive_sigkill() {
    let TestBot { fake, dir, bot } = bot_with_partner().await;
    const BURST: u32 = 240;
    // The fake answers the first ANSWERED callbacks and holds every later one: the bot has written those
    // records (it answers after the write) but is never told its answer arrived. However fast the machine,
    // exactly ANSWERED writes are acknowledged when the bot is killed, and the rest are written, being
    // written, or not yet started.
    const ANSWERED: usize = 20;
    fake.hold_after("/callback", ANSWERED);
    let mut ids = Vec::new();
    for i in 0..BURST {
        ids.push(
            fake.send_interaction(evidence_add(f64::from(i)))
                .await
                .unwrap(),
        );
    }
    // Kill the bot once a write past the acknowledged ones is done and waiting for its answer, and the fake has
    // recorded the answered ones (it answers them on its own tasks).
    fake.wait_held(1, WAIT)
        .await
        .unwrap_or_else(|e| panic!("{e}\n{}", bot.log_text()));
    // The burst's callbacks: `/api/v10/interactions/{id}/{token}/callback`.
    let burst: BTreeSet<u64> = ids.iter().copied().collect();
    let callback = |r: &Recorded| {
        r.method == "POST"
            && r.path.ends_with("/callback")
            && r.path
                .split('/')
                .nth(4)
                .and_then(|id| id.parse().ok())
                .is_some_and(|id| burst.contains(&id))
    };
    fake.wait_requests(callback, ANSWERED, WAIT)
        .await
        .unwrap_or_else(|e| panic!("{e}\n{}", bot.log_text()));
    bot.kill();
    let mut acked = BTreeSet::new();
    for id in &ids {
        if let Ok(r) = fake
            .interaction_response(*id, Duration::from_millis(1))
            .await
        {
            acked.insert(evidence_id(&r).expect("an acknowledged write names its record"));
        }
    }
    // Interactions are handled concurrently, so which ones were answered before the kill varies; how many
    // does not.
    assert_eq!(acked.len(), ANSWERED, "acknowledged before the kill");
    // For the restarted bot. Callbacks the killed one sent that the fake reads only now would be recorded from
    // here on (they are in flight at the kill): hence the count above was taken with the rule still holding.
    fake.stop_holding();
    // Restart on the same file: every acknowledged record is there, whole.
    let store = Store::open(&db_url(dir.path())).await.unwrap();
    let ev = store
        .partner_evidence(&STANDARD_GUILD_ID.to_string(), 1)
        .await
        .unwrap();
    let stored: BTreeSet<i64> = ev.iter().map(|e| e.id).collect();
    assert!(
        acked.is_subset(&stored),
        "lost acknowledged writes: {:?}",
        acked.difference(&stored).collect::<Vec<_>>()
    );
    for e in &ev {
        assert!(
            matches!(e.observation, partnerfit::domain::evidence::Observation::Value(v) if (0.0..f64::from(BURST)).contains(&v))
        );
        assert!(!e.recorded_by.is_empty() && e.recorded_at.timestamp() > 0);
    }
    store.close().await;
    // And the restarted bot answers.
    let bot = Bot::start(&fake, dir.path(), &[]);
    fake.wait_identifies(2, WAIT).await.unwrap();
    let r = slash(
        &fake,
        &Invoker::member(),
        &["evidence", "list"],
        vec![opt("partner", json!("Acme"))],
    )
    .await;
    assert!(
        title(&r).contains(&format!("({} records)", stored.len())),
        "{r}\n{}",
        bot.log_text()
    );
}

#[tokio::test]
async fn two_hundred_interactions_at_once() {
    let TestBot {
        fake,
        dir: _dir,
        bot,
    } = bot_with_partner().await;
    let mut writes = Vec::new();
    let mut reads = Vec::new();
    for i in 0..200 {
        if i % 2 == 0 {
            writes.push(
                fake.send_interaction(evidence_add(f64::from(i)))
                    .await
                    .unwrap(),
            );
        } else {
            let p = slash_command(
                Some(STANDARD_GUILD_ID),
                PARTNERS_CHANNEL_ID,
                &Invoker::guest(),
                "screen",
                json!([{"name": "partner", "type": 3, "value": "Acme"}]),
            );
            reads.push(fake.send_interaction(p).await.unwrap());
        }
    }
    let mut ids = BTreeSet::new();
    for id in &writes {
        let r = fake
            .interaction_response(*id, Duration::from_secs(60))
            .await
            .unwrap();
        assert!(
            !content(&r).contains("Sorry") && !content(&r).to_lowercase().contains("locked"),
            "{r}"
        );
        ids.insert(evidence_id(&r).unwrap_or_else(|| panic!("{r}")));
    }
    for id in &reads {
        let r = fake
            .interaction_response(*id, Duration::from_secs(60))
            .await
            .unwrap();
        assert!(title(&r).starts_with("Acme — "), "{r}");
    }
    assert_eq!(ids.len(), 100, "no lost update");
    let r = slash(
        &fake,
        &Invoker::member(),
        &["evidence", "list"],
        vec![opt("partner", json!("Acme"))],
    )
    .await;
    assert!(title(&r).contains("(100 records)"), "{r}");
    assert!(
        !bot.log_text().contains("database is locked"),
        "{}",
        bot.log_text()
    );
}

#[tokio::test]
async fn recovers_from_gateway_and_rest_faults() {
    // A short lease: a failed digest post is retried after 2 s instead of 30.
    let TestBot {
        fake,
        dir: _dir,
        bot,
    } = TestBot::start_with(&[("PARTNERFIT_SCHEDULER_LEASE_SECONDS", "2")]).await;
    let help = |who: Invoker| {
        let fake = &fake;
        async move { slash(fake, &who, &["help"], vec![]).await }
    };
    fake.send_reconnect().await;
    fake.wait_resumes(1, WAIT).await.unwrap();
    assert!(!title(&help(Invoker::guest()).await).is_empty());
    fake.send_invalid_session(false).await;
    fake.wait_identifies(2, Duration::from_secs(20))
        .await
        .unwrap();
    assert!(!title(&help(Invoker::guest()).await).is_empty());
    // The interaction callback fails twice (500, then 429): the reply still arrives.
    fake.fail_next("/callback", 500, 1);
    fake.fail_next("/callback", 429, 1);
    assert!(!title(&help(Invoker::member()).await).is_empty());
    // A digest whose first post hits a 500 is posted once, later.
    fake.fail_next("/channels/3000/messages", 500, 1);
    schedule_firing_now(&fake, "weekly", PARTNERS_CHANNEL_ID).await;
    fake.wait_request(
        |q| is_post_to(q, PARTNERS_CHANNEL_ID),
        Duration::from_secs(30),
    )
    .await
    .unwrap_or_else(|e| panic!("{e}\n{}", bot.log_text()));
    // More fire times pass (ticks awaited in the bot's log).
    bot.wait_ticks(3).await;
    assert_eq!(
        fake.channel_messages(PARTNERS_CHANNEL_ID).len(),
        1,
        "not lost, not doubled"
    );
}

#[tokio::test]
async fn autocomplete_and_commands_stay_in_their_server() {
    let mut config = FakeConfig::standard();
    config.guilds.push(FakeGuild {
        id: 2100,
        name: "Other team".into(),
        channels: vec![FakeChannel {
            id: 3100,
            name: "general".into(),
            bot_can_send: true,
        }],
        roles: vec![],
    });
    let fake = FakeDiscord::start(config).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let _bot = Bot::start(&fake, dir.path(), &[]);
    fake.wait_ready(WAIT).await.unwrap();
    slash(
        &fake,
        &Invoker::lead(),
        &["partner", "add"],
        vec![
            opt("name", json!("Secret Partner")),
            opt("type", json!("si")),
        ],
    )
    .await;
    let p = autocomplete(
        Some(2100),
        3100,
        &Invoker::lead(),
        "screen",
        json!([{"name": "partner", "type": 3, "value": "sec", "focused": true}]),
    );
    let id = fake.send_interaction(p).await.unwrap();
    let r = fake.interaction_response(id, WAIT).await.unwrap();
    assert_eq!(r["data"]["choices"], json!([]), "{r}");
    let p = slash_command(
        Some(2100),
        3100,
        &Invoker::lead(),
        "screen",
        json!([{"name": "partner", "type": 3, "value": "Secret Partner"}]),
    );
    let id = fake.send_interaction(p).await.unwrap();
    let r = fake.interaction_response(id, WAIT).await.unwrap();
    assert!(title(&r).contains("not on the roster"), "{r}");
}

/// One valid line per command, so the role matrix exercises the real use case behind each.
const SAMPLES: &[&str] = &[
    r#"/screen partner:"Acme Corp""#,
    r#"/profile create type:si name:"SIs""#,
    "/profile show type:reseller",
    "/profile list",
    "/profile lint type:reseller",
    "/profile history type:reseller",
    "/profile retire type:referral",
    r#"/profile trait add type:reseller name:"Bench""#,
    r#"/profile trait remove type:reseller trait:"Deal registration""#,
    r#"/partner add name:"Globex" type:reseller"#,
    r#"/partner show partner:"Acme Corp""#,
    "/partner list",
    r#"/partner sign partner:"Acme Corp""#,
    r#"/partner drop partner:"Acme Corp" reason:"churned""#,
    r#"/evidence add partner:"Acme Corp" trait:"Deal registration" met:true"#,
    r#"/evidence list partner:"Acme Corp""#,
    "/evidence retract id:1 reason:x",
    r#"/log hours partner:"Acme Corp" hours:2"#,
    r#"/log spend partner:"Acme Corp" amount:100"#,
    "/log retract id:1 reason:x",
    r#"/outcome add partner:"Acme Corp" kind:closed-won amount:5000"#,
    "/outcome retract id:1 reason:x",
    "/digest weekly",
    "/digest quarterly",
    r#"/schedule set digest:weekly cron:"0 9 * * MON" channel:3000"#,
    "/schedule pause digest:weekly",
    "/schedule resume digest:weekly",
    "/schedule show",
    "/settings show",
    "/settings set key:max_misses value:2",
    "/settings roles lead:4000",
    "/export what:roster",
    "/import what:partners file:{csv}",
    r#"/partner rename partner:"Acme Corp" name:"Acme Holdings""#,
    "/help",
];

async fn seed(t: &TestApp, ws: &str) {
    let lead = t.ctx(ws, "owner", Role::Lead);
    for line in [
        r#"/profile create type:reseller name:"Resellers""#,
        r#"/profile create type:referral name:"Referrers""#,
        r#"/profile trait add type:reseller name:"Deal registration""#,
        r#"/partner add name:"Acme Corp" type:reseller"#,
        r#"/evidence add partner:"Acme Corp" trait:"Deal registration" met:true"#,
        r#"/log hours partner:"Acme Corp" hours:1"#,
        r#"/outcome add partner:"Acme Corp" kind:sourced-pipeline amount:100"#,
    ] {
        let v = t.run(&lead, line).await;
        assert_eq!(v["ok"], true, "{line}: {v}");
    }
}

/// The rows of one workspace only.
async fn workspace_rows(t: &TestApp, ws: &str) -> String {
    t.app.store.snapshot(Some(ws)).await.unwrap()
}

#[tokio::test]
async fn every_command_by_every_role_touches_only_what_it_may() {
    // Every command is swept: with its sample below (tuned to the seed), or else with the example its
    // declaration carries (so a new command is covered the day it is declared).
    let of = |line: &str, c: &partnerfit::app::spec::CommandSpec| {
        line.starts_with(&format!("/{} ", c.name())) || line == format!("/{}", c.name())
    };
    for line in SAMPLES {
        assert!(
            COMMANDS.iter().any(|c| of(line, c)),
            "{line} runs no command"
        );
    }
    let mut sweep: Vec<&str> = SAMPLES.to_vec();
    sweep.extend(
        COMMANDS
            .iter()
            .filter(|c| !SAMPLES.iter().any(|l| of(l, c)))
            .map(|c| c.example),
    );
    assert_eq!(sweep.len(), COMMANDS.len(), "one line per command");
    for role in [Role::Guest, Role::Member, Role::Lead] {
        let t = TestApp::new(utc(2026, 11, 26, 12, 0)).await;
        seed(&t, "a").await;
        seed(&t, "b").await;
        let a_before = workspace_rows(&t, "a").await;
        assert!(a_before.lines().count() > 5);
        let csv = t.db.dir.path().join("partners.csv");
        std::fs::write(&csv, "name,type\nInitech,si\n").unwrap();
        for line in &sweep {
            let line = &line.replace("{csv}", &csv.display().to_string());
            let ctx = t.ctx("b", "intruder", role);
            let before = t.app.store.snapshot(None).await.unwrap();
            let v = t.run(&ctx, line).await;
            let spec = COMMANDS
                .iter()
                .find(|c| {
                    line.starts_with(&format!("/{} ", c.name()))
                        || *line == format!("/{}", c.name())
                })
                .unwrap();
            if role < spec.min_role {
                assert_eq!(v["ok"], false, "{role}: {line} -> {v}");
                assert!(
                    v["error"].as_str().unwrap().starts_with("Only "),
                    "{role}: {line} -> {v}"
                );
                assert_eq!(
                    before,
                    t.app.store.snapshot(None).await.unwrap(),
                    "{role}: refused {line} changed the database"
                );
            }
            if v["ok"] == false {
                assert!(
                    !v["error"].as_str().unwrap().contains("Sorry"),
                    "{line}: {v}"
                );
            }
        }
        assert_eq!(
            a_before,
            workspace_rows(&t, "a").await,
            "{role}: workspace a was touched from b"
        );
    }
}

#[tokio::test]
async fn the_token_never_reaches_logs() {
    let TestBot {
        fake,
        dir: _dir,
        bot,
    } = TestBot::start_with(&[("PARTNERFIT_LOG", "trace")]).await;
    slash(&fake, &Invoker::guest(), &["help"], vec![]).await;
    let log = bot.log_text();
    assert!(log.len() > 1000, "trace logging is on");
    assert!(!log.contains("test-token"), "the token leaked into the log");
}
