//! A repeated interaction is a no-op (issue 22, item 5): two `partnerfit run` processes on one database run the
//! same (the only) shard, and the fake Discord sends every INTERACTION_CREATE to both gateway sessions, as
//! Discord does. Each interaction is recorded once and answered once: the process that holds its id in the
//! database (`delivered_events`, primary key) handles it, the other drops it — at once when its take of the id
//! found it taken, or after its deferral when its take could not say in time (a loaded machine:
//! `src/app/delivery.rs`, `Delivery::Unconfirmed`).

use crate::support::bot::{
    add_acme_corp, content, is_ephemeral, opt, slash, slash_answered, title, Bot, WAIT,
};
use crate::support::db::{both_backends, Db, TestDb};
use crate::support::fake_discord::{
    mention_message, FakeConfig, FakeDiscord, Invoker, Recorded, MEMBER_ROLE_ID,
    PARTNERS_CHANNEL_ID, STANDARD_BOT_USER_ID, STANDARD_GUILD_ID,
};
use crate::support::two_bots::TwoBots;
use partnerfit::store::Store;
use serde_json::json;

/// What a process logs when it drops an event: another process took its id (`src/app/delivery.rs`); or, after
/// its deferral, the id is another process's, or Discord took another process's deferral first and the database
/// could not say (`src/discord/handler.rs`).
const DROPS: [&str; 3] = [
    "event already taken by another process; dropped",
    "interaction held by another process; dropped",
    "interaction already answered by another process; dropped",
];

/// What a process whose id was taken logs when its answer found another process's deferral in place
/// (`src/discord/reply.rs`).
const AFTER_ANOTHERS_DEFERRAL: &str = "answering after its deferral";

both_backends!(
    two_processes_on_one_shard_record_and_answer_each_interaction_once,
    a_role_set_by_another_process_counts_from_the_next_command
);

/// The lines of `logs` that drop the event `id` (one of [`DROPS`], naming it).
fn drops_of(logs: &[String], id: u64) -> usize {
    let id = id.to_string();
    logs.iter()
        .flat_map(|l| l.lines())
        .filter(|l| l.contains(&id) && DROPS.iter().any(|d| l.contains(d)))
        .count()
}

/// `/partner add` once, then 20 `/log hours` of 0.5, 1, …, 10 hours sent together, and a mention: every
/// interaction reaches both processes, and for each exactly one process handles it and the other drops it.
/// However loaded the machine (a take that needs more than half a second makes an interaction unconfirmed, and
/// then both processes defer first), each interaction has exactly one accepted callback, any refused one is
/// Discord's 40060, its one visible answer is the confirmation, and one process logged dropping it. The
/// database holds one partner and 20 hour records, one of each amount, totalling 105 h (without the
/// deduplication, 40 records and 210 h), and 22 taken ids.
async fn two_processes_on_one_shard_record_and_answer_each_interaction_once(db: Db) {
    let t = TestDb::new(db).await;
    let TwoBots { fake, a, b, .. } = TwoBots::start_on(t.dir.path(), &t.url).await;
    let added = add_acme_corp(&fake).await;
    let member = Invoker::member();
    let logs = (1..=20).map(|h| {
        slash_answered(
            &fake,
            &member,
            &["log", "hours"],
            vec![
                opt("partner", json!("Acme Corp")),
                opt("hours", json!(f64::from(h) / 2.0)),
            ],
        )
    });
    let mut ids = vec![added];
    for (id, r) in futures::future::join_all(logs).await {
        assert!(title(&r).starts_with("Logged "), "{id}: {r}");
        ids.push(id);
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
    // Each interaction dropped by one process: at once, or after the deferral that settled its initial
    // response. Waited for interaction by interaction, then counted exactly.
    let mut logs = Vec::new();
    for &id in &ids {
        let deadline = std::time::Instant::now() + WAIT;
        logs = loop {
            let logs = vec![a.log_text(), b.log_text()];
            if drops_of(&logs, id) >= 1 {
                break logs;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "interaction {id} dropped by neither process within {WAIT:?}\nA:\n{}\nB:\n{}",
                logs[0],
                logs[1]
            );
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        };
    }
    let context = |logs: &[String]| {
        format!(
            "{}\nA:\n{}\nB:\n{}",
            fake.request_summary(),
            logs[0],
            logs[1]
        )
    };
    let callbacks: Vec<Recorded> = fake
        .requests()
        .into_iter()
        .filter(|r| r.method == "POST" && r.path.ends_with("/callback"))
        .collect();
    for &id in &ids {
        assert_eq!(drops_of(&logs, id), 1, "{id}\n{}", context(&logs));
        let prefix = format!("/api/v10/interactions/{id}/");
        let (accepted, refused): (Vec<&Recorded>, Vec<&Recorded>) = callbacks
            .iter()
            .filter(|r| r.path.starts_with(&prefix))
            .partition(|r| r.is_success());
        assert_eq!(accepted.len(), 1, "{id}\n{}", context(&logs));
        assert!(refused.len() <= 1, "{id}\n{}", context(&logs));
        for r in &refused {
            assert_eq!(
                (r.status, r.response["code"].as_i64()),
                (400, Some(40060)),
                "{id}: {r:?}"
            );
        }
        // An answer sent after another process's deferral answers one refusal of this interaction.
        let after = logs
            .iter()
            .flat_map(|l| l.lines())
            .filter(|l| l.contains(AFTER_ANOTHERS_DEFERRAL) && l.contains(&id.to_string()))
            .count();
        assert!(after <= refused.len(), "{id}\n{}", context(&logs));
        // One visible answer: the callback's, or the deferred message's (edited, nothing followed it)
        if accepted[0].body["type"] == 5 {
            assert!(fake.followups(id).is_empty(), "{id}\n{}", context(&logs));
        }
    }
    // the mention: dropped by one process, or (its id not taken in time) answered by both under one nonce
    let mention_drops = drops_of(&logs, mention_id.as_str().unwrap().parse().unwrap());
    assert!(mention_drops <= 1, "{}", context(&logs));
    let dropped: usize = logs
        .iter()
        .map(|l| DROPS.iter().map(|d| l.matches(d).count()).sum::<usize>())
        .sum();
    assert_eq!(dropped, ids.len() + mention_drops, "{}", context(&logs));
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
    assert_eq!((records, centi), (20, 10_500), "{}", context(&logs));
    let amounts: i64 = sqlx::query_scalar("SELECT COUNT(DISTINCT hours_centi) FROM allocations")
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_eq!(amounts, 20, "one record of each amount");
    let partners: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM partners")
        .fetch_one(store.pool())
        .await
        .unwrap();
    assert_eq!(partners, 1);
    // 22 ids: a take that timed out may commit a moment after its process moved on (the mention's, which
    // nothing asks about again), so the count is awaited, and never more
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        let taken: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM delivered_events")
            .fetch_one(store.pool())
            .await
            .unwrap();
        assert!(taken <= 22, "{taken} ids taken");
        if taken == 22 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{taken} ids taken, not 22, within {WAIT:?}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
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
