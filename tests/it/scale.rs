//! Running at scale: several `partnerfit run` processes on one PostgreSQL database and one fake Discord,
//! each running one gateway shard (every shard is served by exactly one process, as Discord expects), a
//! claimer killed mid-post, and the database going away while the bot runs.

use crate::support::bot::{
    content, in_partners, is_ephemeral, message_title, opt, slash, title, Bot, WAIT,
};
use crate::support::fake_discord::{
    slash_command, FakeChannel, FakeConfig, FakeDiscord, FakeGuild, FakeOptions, Invoker,
    PARTNERS_CHANNEL_ID, STANDARD_GUILD_ID,
};
use crate::support::http::{get, wait_for};
use crate::support::proxy::TcpProxy;
use crate::support::scenario::{is_post_to, steady_zone};
use crate::support::{utc, TestClock, TestDb};
use partnerfit::app::card::Card;
use partnerfit::app::chat::{Chat, Post, PostError};
use partnerfit::app::App;
use partnerfit::domain::{DigestKind, Period};
use partnerfit::schedule::runner::{RunOutcome, Scheduler};
use partnerfit::store::{RunDetail, Store};
use serde_json::{json, Value};
use std::net::ToSocketAddrs;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const WS: &str = "2000";
const SHARDS: u64 = 3;

/// A guild on shard `k` of [`SHARDS`] (`(id >> 22) % total`), and its channel; shard 0 is the standard guild.
fn guild_on_shard(k: u64) -> (u64, u64) {
    if k == 0 {
        (STANDARD_GUILD_ID, PARTNERS_CHANNEL_ID)
    } else {
        ((k << 22) + 2000, 3100 + k)
    }
}

/// The standard configuration plus one guild on each other shard.
fn sharded_config() -> FakeConfig {
    let mut cfg = FakeConfig::standard();
    for k in 1..SHARDS {
        let (id, channel) = guild_on_shard(k);
        assert_eq!((id >> 22) % SHARDS, k);
        cfg.guilds.push(FakeGuild {
            id,
            name: format!("Guild on shard {k}"),
            channels: vec![FakeChannel {
                id: channel,
                name: "partners".into(),
                bot_can_send: true,
            }],
            roles: vec![],
        });
    }
    cfg
}

fn messages_path(channel: u64) -> String {
    format!("/api/v10/channels/{channel}/messages")
}

fn logs(bots: &[Bot]) -> String {
    bots.iter()
        .map(|b| format!("--- bot {} ---\n{}", b.pid(), b.log_text()))
        .collect::<Vec<_>>()
        .join("\n")
}

/// One process per shard, all on the test's PostgreSQL database, every scheduler checking each second.
async fn start_bots(fake: &FakeDiscord, db: &TestDb, env: &[(&str, &str)]) -> Vec<Bot> {
    let mut env = env.to_vec();
    env.push(("PARTNERFIT_SCHEDULER_MAX_SLEEP_SECONDS", "1"));
    let total = SHARDS.to_string();
    let bots: Vec<Bot> = (0..SHARDS)
        .map(|k| {
            let range = k.to_string();
            Bot::start_on(
                fake,
                db.dir.path(),
                &db.url,
                &["--shard-range", &range, "--shard-total", &total],
                &env,
            )
        })
        .collect();
    if let Err(e) = fake.wait_ready(WAIT).await {
        panic!("the shards never got ready: {e}\n{}", logs(&bots));
    }
    bots
}

/// A slash command in the guild on shard `k`, answered by that shard's process.
async fn slash_in(fake: &FakeDiscord, k: u64, who: &Invoker, name: &str, options: Value) -> Value {
    let (guild, channel) = guild_on_shard(k);
    let id = fake
        .send_interaction(slash_command(Some(guild), channel, who, name, options))
        .await
        .unwrap();
    fake.interaction_response(id, WAIT).await.unwrap()
}

/// `/schedule set digest:weekly cron:"* * * * * *"` in the guild on shard `k`, posting in its channel. The
/// guild's time zone is set first to one where no week begins while the test runs ([`steady_zone`]): the
/// schedule posts its period once, and would post again, rightly, when a new week began.
async fn schedule_every_second(fake: &FakeDiscord, k: u64) {
    let (_, channel) = guild_on_shard(k);
    let r = slash_in(
        fake,
        k,
        &Invoker::lead(),
        "settings",
        json!([{"name": "set", "type": 1, "options": [
            {"name": "key", "type": 3, "value": "timezone"},
            {"name": "value", "type": 3, "value": steady_zone()}]}]),
    )
    .await;
    assert!(title(&r).contains("Setting `timezone` updated"), "{r}");
    let r = slash_in(
        fake,
        k,
        &Invoker::lead(),
        "schedule",
        json!([{"name": "set", "type": 1, "options": [
            {"name": "digest", "type": 3, "value": "weekly"},
            {"name": "cron", "type": 3, "value": "* * * * * *"},
            {"name": "channel", "type": 7, "value": channel.to_string()}]}]),
    )
    .await;
    assert!(title(&r).contains("Scheduled the weekly digest"), "{r}");
}

/// The weekly run of a workspace that the scheduler claimed, once there is one.
async fn weekly_run(store: &Store, ws: &str, timeout: Duration) -> RunDetail {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(last) = store.latest_run(ws, DigestKind::Weekly).await.unwrap() {
            return store
                .run(ws, DigestKind::Weekly, last.period)
                .await
                .unwrap()
                .unwrap();
        }
        assert!(Instant::now() < deadline, "no weekly run was claimed");
        // The database has no change feed to await: read it again shortly.
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn pid_of(claimer: &str) -> u32 {
    claimer
        .rsplit('-')
        .next()
        .and_then(|p| p.parse().ok())
        .unwrap_or_else(|| panic!("claimer `{claimer}` does not end in a pid"))
}

#[tokio::test]
async fn three_processes_split_the_gateway_and_post_each_period_once() {
    let db = TestDb::postgres().await;
    let fake = FakeDiscord::start(sharded_config()).await.unwrap();
    let bots = start_bots(&fake, &db, &[]).await;
    for (k, b) in bots.iter().enumerate() {
        assert!(
            b.log_text()
                .contains(&format!("starting gateway shards {k}-{k} of {SHARDS}")),
            "{}",
            b.log_text()
        );
    }
    // Each guild's commands reach its shard's process; all of them write to the one database.
    for k in 0..SHARDS {
        let r = slash_in(
            &fake,
            k,
            &Invoker::member(),
            "partner",
            json!([{"name": "add", "type": 1, "options": [
                {"name": "name", "type": 3, "value": format!("Partner {k}")},
                {"name": "type", "type": 3, "value": "si"}]}]),
        )
        .await;
        assert!(title(&r).contains(&format!("Added Partner {k}")), "{r}");
    }
    // Two schedules, set through two different processes; all three schedulers race at every fire time.
    schedule_every_second(&fake, 0).await;
    schedule_every_second(&fake, 2).await;
    for k in [0, 2] {
        let (_, channel) = guild_on_shard(k);
        let first = fake
            .wait_request(|q| is_post_to(q, channel), WAIT)
            .await
            .unwrap_or_else(|e| panic!("{e}\n{}", logs(&bots)));
        assert!(message_title(&first.body).starts_with("Weekly allocation check"));
    }
    // Every process looks at more fire times (ticks awaited in their logs): still one post per guild.
    for b in &bots {
        b.wait_ticks(3).await;
    }
    let store = Store::open(&db.url).await.unwrap();
    for k in [0, 2] {
        let (guild, channel) = guild_on_shard(k);
        assert_eq!(
            fake.channel_messages(channel).len(),
            1,
            "guild {guild}\n{}",
            logs(&bots)
        );
        let run = weekly_run(&store, &guild.to_string(), WAIT).await;
        assert_eq!(run.attempts, 1);
        assert!(run.posted_at.is_some());
        assert!(bots.iter().any(|b| b.pid() == pid_of(&run.claimed_by)));
        assert_eq!(
            store.partner_names(&guild.to_string()).await.unwrap().len(),
            1
        );
    }
    store.close().await;
    for b in bots {
        assert_eq!(b.terminate().await, Some(0));
    }
}

#[tokio::test]
async fn a_claimer_killed_mid_post_leaves_the_period_to_another_process_once() {
    let db = TestDb::postgres().await;
    let fake = FakeDiscord::start(sharded_config()).await.unwrap();
    // The first digest post hangs: whoever claimed the period is stuck in the middle of posting.
    fake.hold_next(&messages_path(PARTNERS_CHANNEL_ID), 1);
    let mut bots = start_bots(&fake, &db, &[("PARTNERFIT_SCHEDULER_LEASE_SECONDS", "2")]).await;
    schedule_every_second(&fake, 0).await;
    fake.wait_held(1, WAIT)
        .await
        .unwrap_or_else(|e| panic!("{e}\n{}", logs(&bots)));
    let store = Store::open(&db.url).await.unwrap();
    let claimed = weekly_run(&store, WS, WAIT).await;
    // A live claimer keeps renewing its lease: past the lease it first took, nobody else posts. First the
    // renewal, read in the database (it has no change feed to await).
    let deadline = Instant::now() + WAIT;
    loop {
        let run = store
            .run(WS, DigestKind::Weekly, claimed.period)
            .await
            .unwrap()
            .unwrap();
        if run.lease_until > claimed.lease_until {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the claimer never renewed its lease: {run:?}\n{}",
            logs(&bots)
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // Then the first lease's end on the wall clock, which the processes' schedulers read (none can be
    // injected into the binary): from then on, only the renewal keeps the others off the period.
    let first_lease_left = (claimed.lease_until - chrono::Utc::now())
        .to_std()
        .unwrap_or_default();
    tokio::time::sleep(first_lease_left + Duration::from_millis(10)).await;
    assert!(chrono::Utc::now() > claimed.lease_until);
    // Every other process looks at the period after that: of two more ticks, the second starts after this
    // point (the first may have been under way).
    let victim = pid_of(&claimed.claimed_by);
    for b in bots.iter().filter(|b| b.pid() != victim) {
        b.wait_ticks(2).await;
    }
    assert!(
        fake.channel_messages(PARTNERS_CHANNEL_ID).is_empty(),
        "{}",
        logs(&bots)
    );
    let run = store
        .run(WS, DigestKind::Weekly, claimed.period)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (run.attempts, run.claimed_by.as_str()),
        (1, claimed.claimed_by.as_str()),
        "{run:?}\n{}",
        logs(&bots)
    );

    let i = bots
        .iter()
        .position(|b| b.pid() == victim)
        .expect("the claimer is one of ours");
    let killed_at = Instant::now();
    bots.remove(i).kill();
    let posted = match fake
        .wait_request(
            |q| is_post_to(q, PARTNERS_CHANNEL_ID),
            Duration::from_secs(20),
        )
        .await
    {
        Ok(p) => p,
        Err(e) => panic!(
            "{e}\n{:?}\n{}",
            store.run(WS, DigestKind::Weekly, claimed.period).await,
            logs(&bots)
        ),
    };
    assert!(message_title(&posted.body).starts_with("Weekly allocation check"));
    eprintln!("taken over {:?} after the kill", killed_at.elapsed());
    for b in &bots {
        b.wait_ticks(3).await;
    }
    assert_eq!(
        fake.channel_messages(PARTNERS_CHANNEL_ID).len(),
        1,
        "{}",
        logs(&bots)
    );
    let run = store
        .run(WS, DigestKind::Weekly, claimed.period)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(run.attempts, 2, "{run:?}");
    assert!(run.posted_at.is_some());
    assert_ne!(pid_of(&run.claimed_by), victim);
    fake.release_held();
    store.close().await;
}

#[tokio::test]
async fn shard_options_are_checked() {
    let dir = tempfile::tempdir().unwrap();
    for (args, expected) in [
        (
            vec!["run", "--shard-range", "1-2", "--shard-total", "2"],
            "does not fit --shard-total 2",
        ),
        (vec!["run", "--shard-range", "0-1"], "--shard-total"),
        (
            vec!["run", "--shard-range", "2-1", "--shard-total", "4"],
            "runs backwards",
        ),
        (
            vec!["run", "--shard-total", "0", "--shard-range", "0"],
            "invalid value '0' for '--shard-total <N>': 0 is not in 1..=4294967295",
        ),
    ] {
        let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_partnerfit"))
            .current_dir(dir.path())
            .args(&args)
            .env("DISCORD_TOKEN", "test-token")
            .env_remove("PARTNERFIT_DATABASE_URL")
            .output()
            .await
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(expected), "{args:?}: {err}");
    }
}

/// The test database, reached through a proxy the test can cut.
async fn proxied(db: &TestDb) -> (TcpProxy, String) {
    let host = partnerfit::store::pg_host(&db.url);
    let target = host.to_socket_addrs().unwrap().next().unwrap();
    let proxy = TcpProxy::start(target).await;
    let url = db
        .url
        .replacen(&host, &format!("127.0.0.1:{}", proxy.port), 1);
    assert_ne!(url, db.url, "the test database URL names its port");
    (proxy, url)
}

/// `url` with a password (PostgreSQL's trust authentication ignores it), and that password.
fn with_password(url: &str) -> (String, String) {
    let (scheme, rest) = url.split_once("://").unwrap();
    let (creds, host) = rest.split_once('@').unwrap();
    match creds.split_once(':') {
        Some((_, pw)) => (url.to_string(), pw.to_string()),
        None => (
            format!("{scheme}://{creds}:s3cret-pw@{host}"),
            "s3cret-pw".into(),
        ),
    }
}

#[tokio::test]
async fn the_database_going_away_gets_an_apology_then_business_as_usual() {
    let db = TestDb::postgres().await;
    let (proxy, url) = proxied(&db).await;
    let (url, password) = with_password(&url);
    // Discord refuses a reply that comes more than 3 s after its interaction ("Unknown interaction"); so does
    // the fake here.
    let options = FakeOptions {
        ack_deadline: Some(Duration::from_secs(3)),
        ..FakeOptions::default()
    };
    let fake = FakeDiscord::start_with_options(FakeConfig::standard(), options)
        .await
        .unwrap();
    let (bot, port) = Bot::start_listening(&fake, db.dir.path(), &url, &[], &[]).await;
    fake.wait_ready(WAIT)
        .await
        .unwrap_or_else(|e| panic!("{e}\n{}", bot.log_text()));
    wait_for(port, "/readyz", &bot, |code, _| code == 200).await;
    schedule_every_second(&fake, 0).await;
    fake.wait_request(|q| is_post_to(q, PARTNERS_CHANNEL_ID), WAIT)
        .await
        .unwrap_or_else(|e| panic!("{e}\n{}", bot.log_text()));

    proxy.cut();
    // The pool gives up reconnecting after 2 s, so the apology is in time: the fake accepts it.
    let id = fake
        .send_interaction(in_partners(&Invoker::guest(), &["partner", "list"], vec![]))
        .await
        .unwrap();
    let r = fake
        .interaction_response(id, WAIT)
        .await
        .unwrap_or_else(|e| {
            panic!(
                "no reply accepted within Discord's 3 s: {e}\n{}",
                bot.log_text()
            )
        });
    assert!(is_ephemeral(&r), "{r}");
    assert!(content(&r).contains("Sorry — something went wrong"), "{r}");
    // Not ready while the database is away; the body says why, without the password.
    let (_, body) = wait_for(port, "/readyz", &bot, |code, _| code == 503).await;
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(
        (
            &v["ready"],
            &v["database"]["ok"],
            &v["gateway"]["connected"]
        ),
        (&json!(false), &json!(false), &json!(true)),
        "{v}"
    );
    let why = v["database"]["error"].as_str().unwrap();
    assert!(!why.is_empty() && !why.contains('\n'), "{why}");
    assert!(!body.contains(&password), "{body}");
    assert_eq!(get(port, "/healthz").await.0, 200);
    // The outage lasts a while before the database comes back. A real sleep: the outage's length is the
    // scenario, not a wait for something (the scheduler may meet it in a tick or while recording its post).
    tokio::time::sleep(Duration::from_millis(1500)).await;

    proxy.restore().await;
    // Ready again once the database answers through the pool (`/readyz` asks it): from then on the first
    // command works, with no retrying that would hide a first one failing.
    let (_, body) = wait_for(port, "/readyz", &bot, |code, _| code == 200).await;
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["database"], json!({"ok": true}), "{v}");
    let r = slash(
        &fake,
        &Invoker::member(),
        &["partner", "add"],
        vec![opt("name", json!("Acme")), opt("type", json!("si"))],
    )
    .await;
    assert!(
        title(&r).contains("Added Acme"),
        "the first command once ready: {r}\n{}",
        bot.log_text()
    );
    // The period posted before the outage is not posted again (more ticks awaited in the log).
    bot.wait_ticks(3).await;
    assert_eq!(
        fake.channel_messages(PARTNERS_CHANNEL_ID).len(),
        1,
        "{}",
        bot.log_text()
    );
    assert_eq!(bot.terminate().await, Some(0));
}

/// A chat that cuts the database at the moment it posts, and brings it back a little later.
#[derive(Debug)]
struct CuttingChat {
    proxy: Arc<TcpProxy>,
    cut_next: AtomicBool,
    posts: Mutex<Vec<String>>,
    /// Set once the database is reachable again after the cut of a post.
    restored: Arc<AtomicBool>,
}

#[async_trait::async_trait]
impl Chat for CuttingChat {
    async fn check_channel(&self, _: &str, _: &str) -> Result<(), PostError> {
        Ok(())
    }
    async fn check_can_post(&self, _: &str, _: &str) -> Result<(), PostError> {
        Ok(())
    }
    async fn post(&self, channel_id: &str, post: Post<'_>) -> Result<String, PostError> {
        let card: &Card = post.card;
        let mut posts = self.posts.lock().unwrap();
        posts.push(format!("{channel_id}: {}", card.title));
        if self.cut_next.swap(false, Ordering::SeqCst) {
            // An outage of a set length is the scenario: the post's recording must wait it out.
            self.proxy.cut();
            let (proxy, restored) = (self.proxy.clone(), self.restored.clone());
            tokio::spawn(async move {
                tokio::time::sleep(Duration::from_millis(1500)).await;
                proxy.restore().await;
                // No await between listening again and this: on the test's one-thread runtime nothing that
                // reaches the database through the proxy runs before it is set.
                restored.store(true, Ordering::SeqCst);
            });
        }
        Ok(format!("m{}", posts.len()))
    }
}

#[tokio::test]
async fn a_post_made_while_the_database_is_away_is_recorded_once_it_is_back() {
    let db = TestDb::postgres().await;
    let (proxy, url) = proxied(&db).await;
    let proxy = Arc::new(proxy);
    let t0 = utc(2026, 11, 23, 9, 0);
    let clock = TestClock::at(t0);
    let chat = Arc::new(CuttingChat {
        proxy: proxy.clone(),
        cut_next: AtomicBool::new(true),
        posts: Mutex::new(Vec::new()),
        restored: Arc::default(),
    });
    let through_proxy = App::new(Store::open(&url).await.unwrap(), clock.clone());
    let direct = App::new(Store::open(&db.url).await.unwrap(), clock.clone());
    direct
        .store
        .set_schedule(
            WS,
            DigestKind::Weekly,
            "* * * * * *",
            "3000",
            "ana",
            None,
            t0,
        )
        .await
        .unwrap();
    let scheduler = |app: &App, name: &str| {
        Scheduler::new(
            app.clone().with_chat(chat.clone()),
            chat.clone(),
            name.to_string(),
            Duration::from_secs(2),
            Duration::from_secs(1),
        )
    };
    let a = scheduler(&through_proxy, "proc-a");
    let b = scheduler(&direct, "proc-b");

    clock.advance(chrono::Duration::seconds(5));
    let reports = a.tick().await.unwrap();
    assert_eq!(reports.len(), 1, "{reports:?}");
    assert_eq!(
        reports[0].outcome,
        RunOutcome::Posted {
            message_id: "m1".into()
        }
    );
    assert!(
        chat.restored.load(Ordering::SeqCst),
        "the tick ended before the database was back: it did not wait to record its post"
    );
    let run = direct
        .store
        .run(
            WS,
            DigestKind::Weekly,
            Period::Week("2026-W47".parse().unwrap()),
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (
            run.message_id.as_deref(),
            run.claimed_by.as_str(),
            run.attempts
        ),
        (Some("m1"), "proc-a", 1)
    );
    // Long after the lease, neither process posts the period again.
    clock.advance(chrono::Duration::seconds(60));
    assert!(b.tick().await.unwrap().is_empty());
    assert!(a.tick().await.unwrap().is_empty());
    assert_eq!(chat.posts.lock().unwrap().len(), 1);

    // A period that falls due while the database is away is posted once it is back.
    proxy.cut();
    clock.set(t0 + chrono::Duration::days(7));
    assert!(a.tick().await.is_err());
    proxy.restore().await;
    let reports = a.tick().await.unwrap();
    assert_eq!(
        reports
            .iter()
            .map(|r| r.period.to_string())
            .collect::<Vec<_>>(),
        ["2026-W48"]
    );
    assert!(b.tick().await.unwrap().is_empty());
    assert_eq!(chat.posts.lock().unwrap().len(), 2);
    through_proxy.store.close().await;
    direct.store.close().await;
}

/// Issue 21, item 2: the interactive reads (`/screen`, a name not on the roster, autocomplete) run on a
/// PostgreSQL connection kept out of the pool, one round trip each, with no check before or after. When the
/// server restarts under it (here: every connection cut, then the server back), the first read after fails on
/// the lost connection and runs once more on a pooled one, which the pool checks before handing it out: the
/// user sees an answer, not an apology.
#[tokio::test]
async fn a_restarted_database_costs_no_failed_read() {
    let db = TestDb::postgres().await;
    let (proxy, url) = proxied(&db).await;
    let store = Store::open(&url).await.unwrap();
    let app = App::new(store, TestClock::at(utc(2026, 11, 26, 12, 0)));
    let ctx = partnerfit::app::Ctx {
        workspace: WS.into(),
        user: "ana".into(),
        role: partnerfit::domain::Role::Lead,
        channel_id: None,
    };
    let ask = |line: &'static str| {
        let (app, ctx) = (&app, &ctx);
        async move {
            partnerfit::console::handle_line(app, ctx, line)
                .await
                .expect("a reply")
                .to_json()
        }
    };
    for line in [
        r#"/profile create type:reseller name:"Resellers""#,
        r#"/profile trait add type:reseller name:"Deal registration""#,
        r#"/partner add name:"Acme Corp" type:reseller"#,
    ] {
        let r = ask(line).await;
        assert_eq!(r["ok"], true, "{line} -> {r}");
    }
    for round in 0..2 {
        proxy.cut();
        proxy.restore().await;
        let r = ask(r#"/screen partner:"Acme Corp""#).await;
        assert_eq!(
            (&r["ok"], &r["reply"]["verdict"]),
            (&json!(true), &json!("incomplete")),
            "round {round}: {r}"
        );
        proxy.cut();
        proxy.restore().await;
        let r = ask(r#"/screen partner:"Zenith Holdings Group""#).await;
        assert_eq!(
            (&r["ok"], &r["reply"]["on_roster"]),
            (&json!(true), &json!(false)),
            "round {round}: {r}"
        );
        proxy.cut();
        proxy.restore().await;
        let found = app.store.search_partners(WS, "acme", 25).await;
        assert_eq!(found.unwrap(), ["Acme Corp"], "round {round}");
    }
    app.store.close().await;
}
