//! Acknowledged means committed (RELIABILITY.md "Durability"): a write the bot answers `ok` is in the database,
//! and a write it could not commit is refused in one line and leaves nothing behind — when the disk fills up
//! in the middle of a burst, for every write command and for the import, on both backends, through the app
//! and through the real binary; reads keep working, and writes work again once there is room, with no restart.
//!
//! How the disk is made to fill up, without root:
//! - [`install_disk`]: a budget of row writes kept in the test database. Past it, every commit fails at commit
//!   time, after the statement has produced its rows — the moment a full disk hits a WAL write. On SQLite a
//!   trigger then leaves a dangling reference under a deferred foreign key (checked only at commit); on
//!   PostgreSQL a deferred constraint trigger raises `disk_full` (SQLSTATE 53100) at commit.
//! - SQLite's `PRAGMA max_page_count` on every pooled connection: the file may not grow (SQLITE_FULL).
//! - The binary run with a file-size limit (`RLIMIT_FSIZE`): its WAL cannot grow, so commits fail writing it.

use crate::support::bot::{content, is_ephemeral, opt, slash, title, Bot, WAIT};
use crate::support::db::{both_backends, limit_file_size, limit_pages};
use crate::support::fake_discord::{
    FakeConfig, FakeDiscord, Invoker, PARTNERS_CHANNEL_ID, STANDARD_GUILD_ID,
};
use crate::support::{utc, Db, TestApp};
use chrono::Duration as Span;
use partnerfit::app::{DATABASE_FULL, DATABASE_UNWRITABLE};
use partnerfit::domain::{DigestKind, Period, Role};
use partnerfit::schedule::runner::{RunOutcome, Scheduler};
use partnerfit::store::{Claim, RecordTable, Store};
use serde_json::{json, Value};
use std::io::Write as _;
use std::process::{Command, Stdio};
use std::time::Duration;

both_backends!(
    a_full_disk_at_commit_acknowledges_no_write,
    the_console_binary_acknowledges_only_what_it_stored,
    discord_refuses_what_it_could_not_store_in_the_same_line,
    a_claim_that_was_not_committed_posts_nothing
);

/// The tables the bot writes.
const TABLES: [&str; 12] = [
    "workspace_settings",
    "profiles",
    "profile_revisions",
    "traits",
    "partners",
    "partner_names",
    "evidence",
    "allocations",
    "outcomes",
    "schedules",
    "digest_runs",
    "recheck_results",
];

/// Give the database a budget of row writes: each row inserted or updated in the bot's tables uses one, and
/// past the budget every commit fails (see the module's doc). The budget starts out plentiful.
async fn install_disk(t: &TestApp) {
    let pool = t.app.store.pool();
    let mut sql = vec![
        "CREATE TABLE durability_space (rows_left BIGINT NOT NULL)".to_string(),
        "INSERT INTO durability_space VALUES (1000000)".to_string(),
    ];
    match t.db.backend {
        Db::Sqlite => {
            sql.push("CREATE TABLE durability_gone (id INTEGER PRIMARY KEY)".into());
            sql.push(
                "CREATE TABLE durability_overflow (gone INTEGER \
                 REFERENCES durability_gone (id) DEFERRABLE INITIALLY DEFERRED)"
                    .into(),
            );
            for table in TABLES {
                for op in ["INSERT", "UPDATE"] {
                    sql.push(format!(
                        "CREATE TRIGGER durability_{table}_{op} AFTER {op} ON {table} BEGIN \
                         UPDATE durability_space SET rows_left = rows_left - 1; \
                         INSERT INTO durability_overflow SELECT 1 WHERE (SELECT rows_left FROM durability_space) < 0; \
                         END"
                    ));
                }
            }
        }
        Db::Postgres => {
            sql.push(
                "CREATE FUNCTION durability_use_space() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN \
                   UPDATE durability_space SET rows_left = rows_left - 1; \
                   IF (SELECT rows_left FROM durability_space) < 0 THEN \
                     RAISE EXCEPTION 'could not extend file: No space left on device' USING ERRCODE = 'disk_full'; \
                   END IF; \
                   RETURN NULL; \
                 END $$"
                    .into(),
            );
            for table in TABLES {
                sql.push(format!(
                    "CREATE CONSTRAINT TRIGGER durability_{table} AFTER INSERT OR UPDATE ON {table} \
                     DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION durability_use_space()"
                ));
            }
        }
    }
    for s in sql {
        sqlx::raw_sql(sqlx::AssertSqlSafe(s))
            .execute(pool)
            .await
            .unwrap();
    }
}

/// Set how many more row writes fit (0: the disk is full).
async fn room_for(t: &TestApp, rows: i64) {
    sqlx::query("UPDATE durability_space SET rows_left = $1")
        .bind(rows)
        .execute(t.app.store.pool())
        .await
        .unwrap();
}

/// A profile with a yes/no and a threshold trait, and partner Acme with one record of each kind; returns the
/// ids of its evidence, allocation and outcome.
async fn seed(t: &TestApp) -> (i64, i64, i64) {
    for line in [
        r#"/profile create type:reseller name:"Resellers" joint_solution:"They resell our platform""#,
        r#"/profile trait add type:reseller name:"Deal registration" verify_by:"CRM deal registration""#,
        r#"/profile trait add type:reseller name:"Customer overlap" verify_by:"Crossbeam overlap report" min:25"#,
        r#"/profile trait add type:reseller name:"Named champion" verify_by:"call with the director""#,
        r#"/partner add name:"Acme" type:reseller"#,
        r#"/partner add name:"Globex" type:reseller"#,
    ] {
        t.ok(line).await;
    }
    let e = t
        .ok(r#"/evidence add partner:"Acme" trait:"Deal registration" met:true observed:2026-11-02"#)
        .await;
    let a = t.ok(r#"/log hours partner:"Acme" hours:4"#).await;
    let o = t
        .ok(r#"/outcome add partner:"Acme" kind:sourced-pipeline amount:1000 date:2026-11-03"#)
        .await;
    (id(&e), id(&a), id(&o))
}

fn id(reply: &Value) -> i64 {
    reply["id"]
        .as_i64()
        .unwrap_or_else(|| panic!("no id in {reply}"))
}

/// One line of every write command, touching every table a command writes, with the table of the record it
/// creates (when it creates one).
fn every_write(e: i64, a: i64, o: i64) -> Vec<(String, Option<RecordTable>)> {
    let creates = |line: &str, table| (line.to_string(), Some(table));
    let changes = |line: String| (line, None);
    vec![
        changes(r#"/partner add name:"Initech" type:reseller note:"met at the summit""#.into()),
        creates(
            r#"/evidence add partner:"Acme" trait:"Customer overlap" value:31 observed:2026-11-04"#,
            RecordTable::Evidence,
        ),
        creates(r#"/log hours partner:"Acme" hours:2.5"#, RecordTable::Allocations),
        creates(r#"/log spend partner:"Acme" amount:750"#, RecordTable::Allocations),
        creates(
            r#"/outcome add partner:"Acme" kind:registered-deal date:2026-11-05"#,
            RecordTable::Outcomes,
        ),
        changes(format!(r#"/evidence retract id:{e} reason:"wrong partner""#)),
        changes(format!(r#"/log retract id:{a} reason:"double entry""#)),
        changes(format!(r#"/outcome retract id:{o} reason:"lost""#)),
        changes(r#"/partner sign partner:"Acme" date:2026-11-06"#.into()),
        changes(r#"/partner drop partner:"Globex" reason:"churned""#.into()),
        changes(r#"/partner rename partner:"Globex" name:"Globex Holdings""#.into()),
        changes(r#"/profile create type:si name:"Integrators""#.into()),
        changes(r#"/profile trait add type:reseller name:"Co-sell deals" verify_by:"reference call" min:1"#.into()),
        changes(r#"/profile trait remove type:reseller trait:"Named champion""#.into()),
        changes("/settings set key:timezone value:Europe/Paris".into()),
        changes("/settings roles lead:111".into()),
        changes(format!(
            r#"/schedule set digest:weekly cron:"0 9 * * MON" channel:{PARTNERS_CHANNEL_ID}"#
        )),
    ]
}

/// `/import partners` of a CSV with `n` new partners, through the same dispatch Discord uses.
async fn import_partners(t: &TestApp, first: usize, n: usize) -> Result<Value, String> {
    let mut csv = String::from("name,type,stage,signed,dropped,drop_reason,champion,note\n");
    for i in first..first + n {
        csv.push_str(&format!("Imported {i:03},referral,prospect,,,,,\n"));
    }
    t.import(
        &t.ctx("local", "ana", Role::Lead),
        "partners",
        csv.as_bytes(),
        &[],
    )
    .await
}

/// The disk fills up at commit time: every write command and an import are refused in one line (PostgreSQL
/// names the full disk: `disk_full` maps to it), nothing of them is stored, reads still work, and once there
/// is room again the same commands are acknowledged and stored — with no restart.
async fn a_full_disk_at_commit_acknowledges_no_write(db: Db) {
    let t = TestApp::on(db, utc(2026, 11, 26, 12, 0)).await;
    let (e, a, o) = seed(&t).await;
    install_disk(&t).await;
    room_for(&t, 0).await;
    let before = t.app.store.snapshot(None).await.unwrap();
    for (line, _) in every_write(e, a, o) {
        let v = t.lead(&line).await;
        assert_eq!(
            v["ok"], false,
            "acknowledged, but not committed: {line} -> {v}"
        );
        let error = v["error"].as_str().unwrap();
        assert!(!error.contains('\n'), "{error}");
        if db == Db::Postgres {
            assert_eq!(error, DATABASE_FULL, "{line}");
        }
    }
    let refused = import_partners(&t, 0, 3).await.unwrap_err();
    if db == Db::Postgres {
        assert_eq!(refused, DATABASE_FULL);
    }
    assert_eq!(
        t.app.store.snapshot(None).await.unwrap(),
        before,
        "a refused write left something behind"
    );
    // Reads do not need room.
    assert_eq!(t.ok("/partner list").await["count"], 2);
    assert_eq!(
        t.ok(r#"/screen partner:"Acme""#).await["verdict"],
        "incomplete"
    );

    // Room again: the same writes are acknowledged and found.
    room_for(&t, 1000).await;
    let store = &t.app.store;
    for (line, table) in every_write(e, a, o) {
        let reply = t.ok(&line).await;
        if let Some(table) = table {
            let owner = store
                .record_owner(table, "local", id(&reply))
                .await
                .unwrap();
            assert_eq!(owner.as_deref(), Some("ana"), "{line} -> {reply}");
        }
    }
    assert!(store
        .partner_by_key("local", "initech")
        .await
        .unwrap()
        .is_some());
    for (table, rid) in [
        (RecordTable::Evidence, e),
        (RecordTable::Allocations, a),
        (RecordTable::Outcomes, o),
    ] {
        assert!(store
            .retraction(table, "local", rid)
            .await
            .unwrap()
            .is_some());
    }
    let settings = store.settings("local").await.unwrap();
    assert_eq!(
        (settings.timezone.as_str(), settings.lead_role.as_deref()),
        ("Europe/Paris", Some("111"))
    );
    assert_eq!(store.schedules("local").await.unwrap().len(), 1);
    let imported = import_partners(&t, 0, 3).await.unwrap();
    assert_eq!(imported["added"], 3, "{imported}");
    assert_eq!(t.ok("/partner list").await["count"], 6);
}

/// The SQLite file fills up in the middle of a burst of `/partner add`: each is acknowledged and stored, or
/// refused with the one line that says the database is full and absent. Reads still work; an import that
/// runs out of room stores none of its rows; once the file may grow again, writes are taken, no restart.
#[tokio::test]
async fn a_full_sqlite_file_says_so_and_takes_writes_again_once_there_is_room() {
    let t = TestApp::new(utc(2026, 11, 26, 12, 0)).await;
    seed(&t).await;
    let store = &t.app.store;
    let pages: i64 = sqlx::query_scalar("PRAGMA page_count")
        .fetch_one(store.pool())
        .await
        .unwrap();
    limit_pages(store, Some(pages + 4)).await;
    let note = "n".repeat(900);
    let (mut acked, mut refused) = (Vec::new(), Vec::new());
    for i in 0..60 {
        let line = format!(r#"/partner add name:"Burst {i:02}" type:reseller note:"{note}""#);
        let v = t.lead(&line).await;
        if v["ok"] == true {
            acked.push(i);
        } else {
            assert_eq!(v["error"], DATABASE_FULL, "{v}");
            refused.push(i);
        }
    }
    assert!(
        !acked.is_empty() && !refused.is_empty(),
        "the file filled up mid-burst: acknowledged {acked:?}, refused {refused:?}"
    );
    for (i, expected) in acked
        .iter()
        .map(|i| (i, true))
        .chain(refused.iter().map(|i| (i, false)))
    {
        let found = store
            .partner_by_key("local", &format!("burst {i:02}"))
            .await
            .unwrap();
        assert_eq!(found.is_some(), expected, "Burst {i:02}");
    }
    assert_eq!(t.ok("/partner list").await["count"], 2 + acked.len());
    assert_eq!(
        t.ok(r#"/screen partner:"Acme""#).await["verdict"],
        "incomplete"
    );
    let before = store.snapshot(None).await.unwrap();
    assert_eq!(
        import_partners(&t, 0, 300).await.unwrap_err(),
        DATABASE_FULL
    );
    assert_eq!(
        store.snapshot(None).await.unwrap(),
        before,
        "the import stored part of itself"
    );

    limit_pages(store, None).await;
    t.ok(&format!(
        r#"/partner add name:"Burst {:02}" type:reseller"#,
        refused[0]
    ))
    .await;
    assert_eq!(import_partners(&t, 0, 300).await.unwrap()["added"], 300);
    assert_eq!(
        t.ok("/partner list").await["count"],
        2 + acked.len() + 1 + 300
    );
}

/// The bot opened its file read-only (as after `chmod a-w` or a read-only remount): writes are refused in one
/// line that says so, reads work.
#[tokio::test]
async fn a_read_only_database_file_refuses_writes_in_one_line() {
    let t = TestApp::new(utc(2026, 11, 26, 12, 0)).await;
    seed(&t).await;
    let read_only = Store::connect(&format!("{}?mode=ro", t.url)).await.unwrap();
    let app = partnerfit::app::App::new(read_only, t.clock.clone());
    let ctx = t.ctx("local", "ana", Role::Lead);
    let run = |line: &'static str| {
        let (app, ctx) = (&app, &ctx);
        async move {
            partnerfit::console::handle_line(app, ctx, line)
                .await
                .unwrap()
                .to_json()
        }
    };
    for line in [
        r#"/partner add name:"Initech" type:reseller"#,
        r#"/evidence add partner:"Acme" trait:"Named champion" met:true"#,
        "/settings set key:timezone value:Europe/Paris",
    ] {
        let v = run(line).await;
        assert_eq!(
            (&v["ok"], &v["error"]),
            (&Value::Bool(false), &Value::from(DATABASE_UNWRITABLE)),
            "{line}"
        );
    }
    assert_eq!(run("/partner list").await["reply"]["count"], 2);
}

/// Run `partnerfit --database URL console --json` over `lines`, each file it writes limited to
/// `file_size_limit` bytes when given. Answers one JSON value per line.
async fn console_burst(url: &str, file_size_limit: Option<u64>, lines: Vec<String>) -> Vec<Value> {
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_partnerfit"));
    cmd.current_dir(dir.path())
        .env_remove("PARTNERFIT_DATABASE_URL")
        .env_remove("PARTNERFIT_CONFIG")
        .env_remove("PARTNERFIT_WORKSPACE")
        .args(["--database", url, "console", "--json"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(limit) = file_size_limit {
        limit_file_size(&mut cmd, limit);
    }
    let out = tokio::task::spawn_blocking(move || {
        let mut child = cmd.spawn().unwrap();
        let mut stdin = child.stdin.take().unwrap();
        let writer = std::thread::spawn(move || {
            for line in lines {
                writeln!(stdin, "{line}").unwrap();
            }
        });
        let out = child.wait_with_output().unwrap();
        writer.join().unwrap();
        out
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        !String::from_utf8_lossy(&out.stderr).contains("panicked"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

/// The disk fills up while partners and their evidence are added through the console binary (SQLite: its
/// WAL cannot grow past a file-size limit; PostgreSQL: room for exactly 12 row writes, then `disk_full` at
/// commit). Every acknowledged write is found afterwards and no refused one; every refusal is the one line
/// that says the database cannot store it; a read at the end of the burst, in the same process, sees exactly
/// the acknowledged partners.
async fn the_console_binary_acknowledges_only_what_it_stored(db: Db) {
    let t = TestApp::on(db, utc(2026, 11, 26, 12, 0)).await;
    seed(&t).await;
    let limit = match db {
        Db::Sqlite => {
            // Closing checkpoints the WAL into the file and deletes it: the burst starts with an empty WAL,
            // which may grow by 96 KiB (two dozen pages).
            t.app.store.close().await;
            let file = t.db.dir.path().join("test.db");
            Some(std::fs::metadata(file).unwrap().len() + 96 * 1024)
        }
        Db::Postgres => {
            install_disk(&t).await;
            room_for(&t, 12).await;
            None
        }
    };
    let mut lines = Vec::new();
    for i in 0..40 {
        lines.push(format!(
            r#"/partner add name:"Burst {i:02}" type:reseller note:"signed up at the fair""#
        ));
        lines.push(format!(
            r#"/evidence add partner:"Burst {i:02}" trait:"Deal registration" met:true observed:2026-11-01"#
        ));
    }
    lines.push("/partner list".into());
    let replies = console_burst(&t.url, limit, lines).await;
    assert_eq!(replies.len(), 81);
    let refusal = match db {
        // EFBIG is an I/O error to SQLite (a full disk, ENOSPC, is SQLITE_FULL: DATABASE_FULL).
        Db::Sqlite => DATABASE_UNWRITABLE,
        Db::Postgres => DATABASE_FULL,
    };
    let (mut partners, mut evidence, mut refused) = (Vec::new(), Vec::new(), 0);
    for (i, pair) in replies[..80].chunks(2).enumerate() {
        let (partner, record) = (&pair[0], &pair[1]);
        if partner["ok"] == true {
            partners.push(i);
        } else {
            assert_eq!(partner["error"], refusal, "{partner}");
            refused += 1;
        }
        if record["ok"] == true {
            evidence.push(id(&record["reply"]));
        } else if partner["ok"] == true {
            assert_eq!(record["error"], refusal, "{record}");
            refused += 1;
        }
    }
    assert_eq!(
        replies[80]["reply"]["count"],
        2 + partners.len(),
        "read after the burst"
    );
    match db {
        Db::Sqlite => assert!(
            partners.len() >= 2 && refused >= 10,
            "the WAL filled up mid-burst: {} partners and {} records acknowledged, {refused} refused",
            partners.len(),
            evidence.len()
        ),
        Db::Postgres => assert_eq!(partners.len() + evidence.len(), 12),
    }

    // A fresh process (no limit) finds exactly what was acknowledged.
    let store = Store::open(&t.url).await.unwrap();
    for i in 0..40 {
        let found = store
            .partner_by_key("local", &format!("burst {i:02}"))
            .await
            .unwrap();
        assert_eq!(found.is_some(), partners.contains(&i), "Burst {i:02}");
    }
    for record in &evidence {
        let owner = store
            .record_owner(RecordTable::Evidence, "local", *record)
            .await
            .unwrap();
        assert_eq!(owner.as_deref(), Some("console"), "evidence {record}");
    }
    let as_of = chrono::NaiveDate::from_ymd_opt(2026, 12, 31).unwrap();
    assert_eq!(
        store.evidence_as_of("local", as_of).await.unwrap().len(),
        1 + evidence.len(),
        "the seed's record and the acknowledged ones"
    );
    store.close().await;
}

/// A digest period comes due while the disk is full: the claim cannot be committed, so the period is not
/// posted — neither a first claim nor the take-over of a claim whose poster died. With room again it is
/// posted, once.
async fn a_claim_that_was_not_committed_posts_nothing(db: Db) {
    let fake = FakeDiscord::start(FakeConfig::standard()).await.unwrap();
    let chat = crate::scheduler::discord_chat(&fake);
    let t = TestApp::on(db, utc(2027, 1, 1, 0, 0)).await;
    let ws = STANDARD_GUILD_ID.to_string();
    let line =
        format!(r#"/schedule set digest:weekly cron:"0 9 * * MON" channel:{PARTNERS_CHANNEL_ID}"#);
    assert_eq!(
        t.run(&t.ctx(&ws, "ana", Role::Lead), &line).await["ok"],
        true
    );
    install_disk(&t).await;
    let s = Scheduler::new(
        t.app.clone().with_chat(chat.clone()),
        chat,
        "survivor".into(),
        Duration::from_secs(120),
        Duration::from_secs(60),
    );
    let posts = || fake.channel_messages(PARTNERS_CHANNEL_ID).len();
    let fire = utc(2027, 1, 4, 9, 0);
    room_for(&t, 0).await;
    t.clock.set(fire);
    let e = s.tick().await.unwrap_err();
    if db == Db::Postgres {
        assert_eq!(e.user_message(), DATABASE_FULL);
    }
    assert_eq!(posts(), 0, "posted without a committed claim");
    room_for(&t, 1000).await;
    let r = s.tick().await.unwrap();
    assert_eq!(
        (r.len(), r[0].period.to_string()),
        (1, "2026-W53".into()),
        "{r:?}"
    );
    assert_eq!(posts(), 1);

    // The next period is claimed by a process that dies before posting; when its lease ends the disk is full.
    let next = fire + Span::days(7);
    let claim = t
        .app
        .store
        .claim_run(
            &ws,
            DigestKind::Weekly,
            Period::Week("2027-W01".parse().unwrap()),
            next,
            false,
            "crashed",
            next,
            next + Span::seconds(120),
        )
        .await
        .unwrap();
    assert_eq!(claim, Claim::Claimed { attempt: 1 });
    room_for(&t, 0).await;
    t.clock.set(next + Span::seconds(121));
    assert!(s.tick().await.is_err());
    assert_eq!(
        posts(),
        1,
        "took over a claim without committing it, and posted"
    );
    room_for(&t, 1000).await;
    let r = s.tick().await.unwrap();
    assert_eq!(r.len(), 1, "{r:?}");
    assert!(
        matches!(r[0].outcome, RunOutcome::Posted { .. }) && r[0].late,
        "{r:?}"
    );
    assert_eq!(posts(), 2);
}

/// Through Discord the refusal is the same one line, ephemeral (PostgreSQL with room for 3 rows: the full-disk
/// line at commit; SQLite with the bot's files limited so its WAL cannot grow: the cannot-be-written line).
/// Every partner the bot confirmed is stored afterwards, and no refused one; reads are still answered.
async fn discord_refuses_what_it_could_not_store_in_the_same_line(db: Db) {
    let t = TestApp::on(db, utc(2026, 11, 26, 12, 0)).await;
    let (limit, refusal) = match db {
        Db::Sqlite => {
            t.app.store.close().await;
            let file = t.db.dir.path().join("test.db");
            let size = std::fs::metadata(file).unwrap().len();
            (Some(size + 96 * 1024), DATABASE_UNWRITABLE)
        }
        Db::Postgres => {
            install_disk(&t).await;
            room_for(&t, 3).await;
            (None, DATABASE_FULL)
        }
    };
    let fake = FakeDiscord::start(FakeConfig::standard()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let bot = Bot::start_configured(
        &fake,
        dir.path(),
        &t.url,
        &[],
        &[("PARTNERFIT_LOG", "warn")],
        |cmd| {
            if let Some(limit) = limit {
                limit_file_size(cmd, limit);
            }
        },
    );
    fake.wait_request(|r| r.method == "PUT" && r.path.ends_with("/commands"), WAIT)
        .await
        .unwrap_or_else(|e| panic!("commands never registered: {e}\n{}", bot.log_text()));
    let (mut confirmed, mut refused) = (Vec::new(), 0);
    for i in 0..60 {
        let name = format!("Burst {i:02}");
        let leaf = vec![opt("name", json!(name)), opt("type", json!("reseller"))];
        let r = slash(&fake, &Invoker::lead(), &["partner", "add"], leaf).await;
        if title(&r).contains(&format!("Added {name}")) {
            confirmed.push(i);
            continue;
        }
        assert!(is_ephemeral(&r), "{r}");
        // The Discord adapter marks every refusal with a warning sign.
        assert_eq!(content(&r), format!("⚠ {refusal}"), "{r}");
        refused += 1;
        if refused == 3 {
            break;
        }
    }
    match db {
        Db::Sqlite => assert!(!confirmed.is_empty(), "the WAL filled up before any write"),
        Db::Postgres => assert_eq!(confirmed.len(), 3),
    }
    assert_eq!(refused, 3, "{}", bot.log_text());
    let r = slash(&fake, &Invoker::guest(), &["partner", "list"], vec![]).await;
    assert!(!is_ephemeral(&r), "a read while the disk is full: {r}");
    drop(bot);

    let store = Store::open(&t.url).await.unwrap();
    let ws = STANDARD_GUILD_ID.to_string();
    let stored = store.partners(&ws, &Default::default()).await.unwrap();
    let names: Vec<&str> = stored.iter().map(|p| p.name.as_str()).collect();
    let expected: Vec<String> = confirmed.iter().map(|i| format!("Burst {i:02}")).collect();
    assert_eq!(names, expected, "stored partners = confirmed ones");
    store.close().await;
}
