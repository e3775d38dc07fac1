//! A repeated interaction is a no-op (issue 22, item 5): two `partnerfit run` processes on one database run the
//! same (the only) shard, and the fake Discord sends every INTERACTION_CREATE to both gateway sessions, as
//! Discord does. Each interaction is recorded once and answered once: the process that takes its id first in the
//! database (`delivered_events`, primary key) handles it, the other drops it.

use crate::support::bot::{content, is_ephemeral, opt, slash, title, wait_logs_count, Bot, WAIT};
use crate::support::db::{both_backends, Db, TestDb};
use crate::support::fake_discord::{
    mention_message, FakeConfig, FakeDiscord, FakeOptions, Invoker, MEMBER_ROLE_ID,
    PARTNERS_CHANNEL_ID, STANDARD_BOT_USER_ID, STANDARD_GUILD_ID,
};
use partnerfit::store::Store;
use serde_json::json;

/// What a process logs when it drops an event another process took (`src/app/delivery.rs`).
const DROPPED: &str = "event already taken by another process; dropped";

both_backends!(
    two_processes_on_one_shard_record_and_answer_each_interaction_once,
    a_role_set_by_another_process_counts_from_the_next_command
);

/// `/partner add` once, then 20 `/log hours` of 0.5, 1, …, 10 hours sent together, and a mention: every interaction
/// reaches both processes, gets exactly one callback (no second one refused with 40060), and the database holds
/// one partner and 20 hour records totalling 105 h (without the deduplication, 40 records and 210 h).
async fn two_processes_on_one_shard_record_and_answer_each_interaction_once(db: Db) {
    let t = TestDb::new(db).await;
    let opts = FakeOptions {
        every_session_of_a_shard: true,
        ..FakeOptions::default()
    };
    let fake = FakeDiscord::start_with_options(FakeConfig::standard(), opts)
        .await
        .unwrap();
    // one after the other, so the second does not migrate the database while the first does
    let a = Bot::start_on(&fake, t.dir.path(), &t.url, &[], &[]);
    fake.wait_live_sessions(1, WAIT)
        .await
        .unwrap_or_else(|e| panic!("{e}\n{}", a.log_text()));
    let b = Bot::start_on(&fake, t.dir.path(), &t.url, &[], &[]);
    fake.wait_live_sessions(2, WAIT)
        .await
        .unwrap_or_else(|e| panic!("{e}\n{}", b.log_text()));
    let lead = Invoker::lead();
    let r = slash(
        &fake,
        &lead,
        &["partner", "add"],
        vec![
            opt("name", json!("Acme Corp")),
            opt("type", json!("reseller")),
        ],
    )
    .await;
    assert!(title(&r).starts_with("Added Acme Corp"), "{r}");
    let member = Invoker::member();
    let logs = (1..=20).map(|h| {
        slash(
            &fake,
            &member,
            &["log", "hours"],
            vec![
                opt("partner", json!("Acme Corp")),
                opt("hours", json!(f64::from(h) / 2.0)),
            ],
        )
    });
    for r in futures::future::join_all(logs).await {
        assert!(title(&r).starts_with("Logged "), "{r}");
    }
    let mention = mention_message(
        Some(STANDARD_GUILD_ID),
        PARTNERS_CHANNEL_ID,
        &member,
        STANDARD_BOT_USER_ID,
        "does Acme Corp fit?",
    );
    let mention_id = mention["id"].clone();
    fake.send_message_create(mention).await.unwrap();
    // 21 interactions and a mention, each sent to both sessions
    assert_eq!(fake.dispatch_count("INTERACTION_CREATE"), 42);
    assert_eq!(fake.dispatch_count("MESSAGE_CREATE"), 2);
    // both processes have seen all 22: one of them dropped each
    let logs = wait_logs_count(&[&a, &b], DROPPED, 22).await;
    let dropped: usize = logs.iter().map(|l| l.matches(DROPPED).count()).sum();
    assert_eq!(dropped, 22, "A:\n{}\nB:\n{}", logs[0], logs[1]);
    // one callback per interaction, none refused
    let callbacks: Vec<_> = fake
        .requests()
        .into_iter()
        .filter(|r| r.method == "POST" && r.path.ends_with("/callback"))
        .collect();
    assert_eq!(callbacks.len(), 21, "{}", fake.request_summary());
    assert!(callbacks.iter().all(|r| r.is_success()));
    // one answer to the mention, once it has come
    let path = format!("/api/v10/channels/{PARTNERS_CHANNEL_ID}/messages");
    fake.wait_request(
        |r| r.path == path && r.body["message_reference"]["message_id"] == mention_id,
        WAIT,
    )
    .await
    .unwrap();
    let replies: Vec<_> = fake
        .channel_messages(PARTNERS_CHANNEL_ID)
        .into_iter()
        .filter(|m| m.body["message_reference"]["message_id"] == mention_id)
        .collect();
    assert_eq!(replies.len(), 1, "{}", fake.request_summary());
    let store = Store::open(&t.url).await.unwrap();
    let (records, centi): (i64, i64) = sqlx::query_as(
        "SELECT COUNT(*), CAST(COALESCE(SUM(hours_centi), 0) AS BIGINT) FROM allocations",
    )
    .fetch_one(store.pool())
    .await
    .unwrap();
    assert_eq!((records, centi), (20, 10_500));
    let partners: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM partners")
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_eq!(partners, 1);
    let taken: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM delivered_events")
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_eq!(taken, 22);
}

/// The caller's role comes from the settings read with each interaction's id, never from a copy: roles that
/// another process changes count from the next command. A guest adds a partner while no member role is set
/// (everyone is a member); once another process sets one, the guest's `/partner add` is refused and records
/// nothing while a member's is not; once that process clears it, the guest may again. 3 partners in the end.
async fn a_role_set_by_another_process_counts_from_the_next_command(db: Db) {
    let t = TestDb::new(db).await;
    let fake = FakeDiscord::start(FakeConfig::standard()).await.unwrap();
    let bot = Bot::start_on(&fake, t.dir.path(), &t.url, &[], &[]);
    fake.wait_ready(WAIT)
        .await
        .unwrap_or_else(|e| panic!("{e}\n{}", bot.log_text()));
    let add = |who: Invoker, name: &'static str| {
        let fake = fake.clone();
        async move {
            let leaf = vec![opt("name", json!(name)), opt("type", json!("si"))];
            slash(&fake, &who, &["partner", "add"], leaf).await
        }
    };
    let r = add(Invoker::guest(), "Globex").await;
    assert!(title(&r).starts_with("Added Globex"), "{r}");
    let other = Store::open(&t.url).await.unwrap();
    let ws = STANDARD_GUILD_ID.to_string();
    let now = chrono::Utc::now();
    let member_role = Some(Some(MEMBER_ROLE_ID.to_string()));
    other
        .set_roles(&ws, None, member_role, None, now)
        .await
        .unwrap();
    let r = add(Invoker::guest(), "Initech").await;
    assert!(
        is_ephemeral(&r) && content(&r).contains("Only members"),
        "{r}"
    );
    let r = add(Invoker::member(), "Hooli").await;
    assert!(title(&r).starts_with("Added Hooli"), "{r}");
    other
        .set_roles(&ws, None, Some(None), None, now)
        .await
        .unwrap();
    let r = add(Invoker::guest(), "Initech").await;
    assert!(title(&r).starts_with("Added Initech"), "{r}");
    let names: Vec<String> = other
        .partner_names(&ws)
        .await
        .unwrap()
        .into_iter()
        .map(|(_, n)| n)
        .collect();
    assert_eq!(names, ["Globex", "Hooli", "Initech"]);
    drop(bot);
}
