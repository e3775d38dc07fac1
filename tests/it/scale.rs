//! Running at scale: several `partnerfit run` processes on one PostgreSQL database and one fake Discord,
//! gateway sharding, a claimer killed mid-post, and the database going away while the bot runs.

use crate::support::bot::{content, is_ephemeral, opt, slash, title, Bot, WAIT};
use crate::support::fake_discord::{
    slash_command, FakeChannel, FakeConfig, FakeDiscord, FakeGuild, Invoker, PARTNERS_CHANNEL_ID,
    STANDARD_GUILD_ID,
};
use crate::support::proxy::TcpProxy;
use crate::support::{utc, TestClock, TestDb};
use partnerfit::app::card::Card;
use partnerfit::app::chat::{Chat, Post, PostError};
use partnerfit::app::App;
use partnerfit::domain::DigestKind;
use partnerfit::schedule::runner::{RunOutcome, Scheduler};
use partnerfit::store::{RunDetail, Store};
use serde_json::json;
use std::net::ToSocketAddrs;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const WS: &str = "2000";

fn messages_path() -> String {
    format!("/api/v10/channels/{PARTNERS_CHANNEL_ID}/messages")
}

fn logs(bots: &[Bot]) -> String {
    bots.iter()
        .map(|b| format!("--- bot {} ---\n{}", b.pid(), b.log_text()))
        .collect::<Vec<_>>()
        .join("\n")
}

/// Start `n` processes one after the other (the fake routes interactions to the newest session).
async fn start_bots(fake: &FakeDiscord, db: &TestDb, n: usize, env: &[(&str, &str)]) -> Vec<Bot> {
    let mut bots = Vec::new();
    for i in 1..=n {
        bots.push(Bot::start_on(fake, db.dir.path(), &db.url, &[], env));
        if let Err(e) = fake.wait_identifies(i, WAIT).await {
            panic!("bot {i} never identified: {e}\n{}", logs(&bots));
        }
    }
    bots
}

async fn schedule_every_second(fake: &FakeDiscord) {
    let r = slash(
        fake,
        &Invoker::lead(),
        &["schedule", "set"],
        vec![
            opt("digest", json!("weekly")),
            opt("cron", json!("* * * * * *")),
            json!({"name": "channel", "type": 7, "value": PARTNERS_CHANNEL_ID.to_string()}),
        ],
    )
    .await;
    assert!(title(&r).contains("Scheduled the weekly digest"), "{r}");
}

/// The weekly run the scheduler claimed, once there is one.
async fn weekly_run(store: &Store, timeout: Duration) -> RunDetail {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(last) = store.latest_run(WS, DigestKind::Weekly).await.unwrap() {
            return store
                .run(WS, DigestKind::Weekly, &last.period)
                .await
                .unwrap()
                .unwrap();
        }
        assert!(Instant::now() < deadline, "no weekly run was claimed");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Until the fake has noticed that a killed process's gateway connection is gone.
async fn wait_connections(fake: &FakeDiscord, n: usize) {
    let deadline = Instant::now() + WAIT;
    while fake.gateway_connections() != n {
        assert!(
            Instant::now() < deadline,
            "{} gateway connections, not {n}",
            fake.gateway_connections()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
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
async fn three_processes_post_each_period_once_and_any_answers() {
    let db = TestDb::postgres().await;
    let fake = FakeDiscord::start(FakeConfig::standard()).await.unwrap();
    // Every process wakes at least each second: all three race for every fire time.
    let mut bots = start_bots(
        &fake,
        &db,
        3,
        &[("PARTNERFIT_SCHEDULER_MAX_SLEEP_SECONDS", "1")],
    )
    .await;
    fake.wait_ready(WAIT).await.unwrap();
    schedule_every_second(&fake).await;
    let first = fake
        .wait_request(
            |q| q.method == "POST" && q.path == messages_path() && q.is_success(),
            WAIT,
        )
        .await
        .unwrap_or_else(|e| panic!("{e}\n{}", logs(&bots)));
    assert!(first.body["embeds"][0]["title"]
        .as_str()
        .unwrap()
        .starts_with("Weekly allocation check"));
    // three schedulers wake at every fire time for a few seconds: still one post for the period
    tokio::time::sleep(Duration::from_millis(3000)).await;
    assert_eq!(
        fake.channel_messages(PARTNERS_CHANNEL_ID).len(),
        1,
        "{}",
        logs(&bots)
    );
    let store = Store::open(&db.url).await.unwrap();
    let run = weekly_run(&store, WAIT).await;
    assert_eq!(run.attempts, 1);
    assert!(run.posted_at.is_some());
    assert!(bots.iter().any(|b| b.pid() == pid_of(&run.claimed_by)));

    // The newest process gets the interactions; once it is gone, another one answers them.
    let newest = bots.pop().unwrap();
    newest.kill();
    wait_connections(&fake, 2).await;
    let r = slash(
        &fake,
        &Invoker::member(),
        &["partner", "add"],
        vec![opt("name", json!("Acme")), opt("type", json!("reseller"))],
    )
    .await;
    assert!(title(&r).contains("Added Acme"), "{r}");
    let r = slash(&fake, &Invoker::guest(), &["partner", "list"], vec![]).await;
    assert!(!is_ephemeral(&r), "{r}");
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(fake.channel_messages(PARTNERS_CHANNEL_ID).len(), 1);
    store.close().await;
    for b in bots {
        assert_eq!(b.terminate().await, Some(0));
    }
}

#[tokio::test]
async fn a_claimer_killed_mid_post_leaves_the_period_to_another_process_once() {
    let db = TestDb::postgres().await;
    let fake = FakeDiscord::start(FakeConfig::standard()).await.unwrap();
    // The first digest post hangs: whoever claimed the period is stuck in the middle of posting.
    fake.hold_next(&messages_path(), 1);
    let env = [
        ("PARTNERFIT_SCHEDULER_LEASE_SECONDS", "2"),
        ("PARTNERFIT_SCHEDULER_MAX_SLEEP_SECONDS", "1"),
    ];
    let mut bots = start_bots(&fake, &db, 3, &env).await;
    fake.wait_ready(WAIT).await.unwrap();
    schedule_every_second(&fake).await;
    fake.wait_held(1, WAIT)
        .await
        .unwrap_or_else(|e| panic!("{e}\n{}", logs(&bots)));
    let store = Store::open(&db.url).await.unwrap();
    let claimed = weekly_run(&store, WAIT).await;
    // A live claimer keeps renewing its lease: longer than the lease, nobody else posts.
    tokio::time::sleep(Duration::from_millis(3000)).await;
    assert!(fake.channel_messages(PARTNERS_CHANNEL_ID).is_empty());
    let run = store
        .run(WS, DigestKind::Weekly, &claimed.period)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (run.attempts, run.claimed_by.as_str()),
        (1, claimed.claimed_by.as_str())
    );

    let victim = pid_of(&claimed.claimed_by);
    let i = bots
        .iter()
        .position(|b| b.pid() == victim)
        .expect("the claimer is one of ours");
    let killed_at = Instant::now();
    bots.remove(i).kill();
    let posted = match fake
        .wait_request(
            |q| q.method == "POST" && q.path == messages_path() && q.is_success(),
            Duration::from_secs(20),
        )
        .await
    {
        Ok(p) => p,
        Err(e) => panic!(
            "{e}\n{:?}\n{}",
            store.run(WS, DigestKind::Weekly, &claimed.period).await,
            logs(&bots)
        ),
    };
    assert!(posted.body["embeds"][0]["title"]
        .as_str()
        .unwrap()
        .starts_with("Weekly allocation check"));
    eprintln!("taken over {:?} after the kill", killed_at.elapsed());
    tokio::time::sleep(Duration::from_millis(2500)).await;
    assert_eq!(
        fake.channel_messages(PARTNERS_CHANNEL_ID).len(),
        1,
        "{}",
        logs(&bots)
    );
    let run = store
        .run(WS, DigestKind::Weekly, &claimed.period)
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
async fn processes_split_the_gateway_by_shard() {
    let db = TestDb::postgres().await;
    // (id >> 22) % 2 == 1: this guild lives on shard 1, the standard one on shard 0.
    const OTHER_GUILD: u64 = (1 << 22) + 2000;
    const OTHER_CHANNEL: u64 = 3100;
    let mut cfg = FakeConfig::standard();
    cfg.guilds.push(FakeGuild {
        id: OTHER_GUILD,
        name: "Globex Partnerships".into(),
        channels: vec![FakeChannel {
            id: OTHER_CHANNEL,
            name: "partners".into(),
            bot_can_send: true,
        }],
        roles: vec![],
    });
    let fake = FakeDiscord::start(cfg).await.unwrap();
    let dir = db.dir.path();
    let a = Bot::start_on(
        &fake,
        dir,
        &db.url,
        &["--shard-range", "0-0", "--shard-total", "2"],
        &[],
    );
    let b = Bot::start_on(
        &fake,
        dir,
        &db.url,
        &["--shard-range", "1", "--shard-total", "2"],
        &[],
    );
    if let Err(e) = fake.wait_ready(WAIT).await {
        panic!("{e}\n{}\n{}", a.log_text(), b.log_text());
    }
    for (guild, channel) in [
        (STANDARD_GUILD_ID, PARTNERS_CHANNEL_ID),
        (OTHER_GUILD, OTHER_CHANNEL),
    ] {
        let id = fake
            .send_interaction(slash_command(
                Some(guild),
                channel,
                &Invoker::lead(),
                "partner",
                json!([{"name": "add", "type": 1, "options": [
                    {"name": "name", "type": 3, "value": format!("Partner of {guild}")},
                    {"name": "type", "type": 3, "value": "si"}]}]),
            ))
            .await
            .unwrap();
        let r = fake.interaction_response(id, WAIT).await.unwrap();
        assert!(
            title(&r).contains(&format!("Added Partner of {guild}")),
            "{r}"
        );
    }
    assert!(a.log_text().contains("starting gateway shards 0-0 of 2"));
    assert!(b.log_text().contains("starting gateway shards 1-1 of 2"));
    // Each workspace's data is its own, whichever process wrote it.
    let store = Store::open(&db.url).await.unwrap();
    assert_eq!(store.partner_names(WS).await.unwrap().len(), 1);
    assert_eq!(
        store
            .partner_names(&OTHER_GUILD.to_string())
            .await
            .unwrap()
            .len(),
        1
    );
    store.close().await;
    assert_eq!(a.terminate().await, Some(0));
    assert_eq!(b.terminate().await, Some(0));

    // A range outside the total is a one-line error, exit 2.
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_partnerfit"))
        .current_dir(dir)
        .args([
            "--database",
            &db.url,
            "run",
            "--shard-range",
            "1-2",
            "--shard-total",
            "2",
        ])
        .env("DISCORD_TOKEN", "test-token")
        .output()
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("does not fit --shard-total 2"), "{err}");
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

#[tokio::test]
async fn the_database_going_away_gets_an_apology_then_business_as_usual() {
    let db = TestDb::postgres().await;
    let (proxy, url) = proxied(&db).await;
    let fake = FakeDiscord::start(FakeConfig::standard()).await.unwrap();
    let bot = Bot::start_on(&fake, db.dir.path(), &url, &[], &[]);
    fake.wait_ready(WAIT)
        .await
        .unwrap_or_else(|e| panic!("{e}\n{}", bot.log_text()));
    schedule_every_second(&fake).await;
    fake.wait_request(
        |q| q.method == "POST" && q.path == messages_path() && q.is_success(),
        WAIT,
    )
    .await
    .unwrap_or_else(|e| panic!("{e}\n{}", bot.log_text()));

    proxy.cut();
    let asked = Instant::now();
    let r = slash(&fake, &Invoker::guest(), &["partner", "list"], vec![]).await;
    let waited = asked.elapsed();
    assert!(is_ephemeral(&r), "{r}");
    assert!(content(&r).contains("Sorry — something went wrong"), "{r}");
    eprintln!("apology after {waited:?}");
    // Discord wants an answer within 3 s; the pool gives up reconnecting after 2.
    assert!(waited < Duration::from_secs(4), "answered after {waited:?}");
    tokio::time::sleep(Duration::from_millis(1500)).await;

    proxy.restore().await;
    let deadline = Instant::now() + WAIT;
    loop {
        let r = slash(
            &fake,
            &Invoker::member(),
            &["partner", "add"],
            vec![opt("name", json!("Acme")), opt("type", json!("si"))],
        )
        .await;
        if title(&r).contains("Added Acme") {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "never recovered: {r}\n{}",
            bot.log_text()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // The period posted before the outage is not posted again.
    tokio::time::sleep(Duration::from_millis(2000)).await;
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
}

#[async_trait::async_trait]
impl Chat for CuttingChat {
    async fn check_can_post(&self, _: &str, _: &str) -> Result<(), String> {
        Ok(())
    }
    async fn post(&self, channel_id: &str, post: Post<'_>) -> Result<String, PostError> {
        let card: &Card = post.card;
        let mut posts = self.posts.lock().unwrap();
        posts.push(format!("{channel_id}: {}", card.title));
        if self.cut_next.swap(false, Ordering::SeqCst) {
            self.proxy.cut();
            let proxy = self.proxy.clone();
            tokio::spawn(async move {
                tokio::time::sleep(Duration::from_millis(1500)).await;
                proxy.restore().await;
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
    let started = Instant::now();
    let reports = a.tick().await.unwrap();
    assert_eq!(reports.len(), 1, "{reports:?}");
    assert_eq!(
        reports[0].outcome,
        RunOutcome::Posted {
            message_id: "m1".into()
        }
    );
    assert!(
        started.elapsed() >= Duration::from_millis(1400),
        "it waited for the database"
    );
    let run = direct
        .store
        .run(WS, DigestKind::Weekly, "2026-W47")
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
            .map(|r| r.period.as_str())
            .collect::<Vec<_>>(),
        ["2026-W48"]
    );
    assert!(b.tick().await.unwrap().is_empty());
    assert_eq!(chat.posts.lock().unwrap().len(), 2);
    through_proxy.store.close().await;
    direct.store.close().await;
}
