//! The attacks of issue 15, replayed against the real bot and the fake Discord (as a member and as a guest):
//! forged button and form ids, a channel of another server, lookalike and link names, a guest's `/import`,
//! and a file whose header would make the importer spend memory. Each checks that nothing changed, nothing
//! was read or downloaded, and what the caller was told. RELIABILITY.md lists them with their results.

mod buttons;
mod by_id;
mod channels;
mod error_text;
mod escaping;
mod import;
mod name_keys;

use crate::support::bot::{content, opt, slash, title, Bot, WAIT};
use crate::support::fake_discord::{
    attachment_option, button_click, modal_submit, slash_command_with_attachment, FakeChannel,
    FakeConfig, FakeDiscord, FakeGuild, Invoker, PARTNERS_CHANNEL_ID, STANDARD_GUILD_ID,
};
use crate::support::scenario::TestBot;
use partnerfit::app::{App, Ctx, SystemClock};
use partnerfit::domain::Role;
use partnerfit::store::Store;
use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// A second server the bot is in, with one channel it can post in.
const OTHER_GUILD_ID: u64 = 2100;
const OTHER_CHANNEL_ID: u64 = 3100;

/// The fake with the standard server and a second one, and the bot, ready.
async fn started() -> (FakeDiscord, tempfile::TempDir, Bot) {
    started_with(&[]).await
}

async fn started_with(env: &[(&str, &str)]) -> (FakeDiscord, tempfile::TempDir, Bot) {
    let mut config = FakeConfig::standard();
    config.guilds.push(FakeGuild {
        id: OTHER_GUILD_ID,
        name: "Other team".into(),
        channels: vec![FakeChannel {
            id: OTHER_CHANNEL_ID,
            name: "general".into(),
            bot_can_send: true,
        }],
        roles: vec![],
    });
    let t = TestBot::start_on(config, env).await;
    (t.fake, t.dir, t.bot)
}

/// The bot's database, opened beside it, to look at (and, for a test's setup, write) what it stores.
async fn beside(dir: &Path) -> App {
    let url = format!("sqlite://{}", dir.join("bot.db").display());
    App::new(Store::open(&url).await.unwrap(), Arc::new(SystemClock))
}

/// Run a console line as a lead of `ws` on `app`; the JSON object.
async fn console(app: &App, ws: &str, line: &str) -> Value {
    let ctx = Ctx {
        workspace: ws.into(),
        user: "ana".into(),
        role: Role::Lead,
        channel_id: None,
    };
    partnerfit::console::handle_line(app, &ctx, line)
        .await
        .map(|o| o.to_json())
        .unwrap_or(Value::Null)
}

/// A FIFO: opening it to read blocks until a writer comes, so a bot that tried would hang there.
fn fifo(dir: &Path) -> PathBuf {
    let path = dir.join("secret.fifo");
    let status = Command::new("mkfifo").arg(&path).status().unwrap();
    assert!(status.success());
    path
}

/// Whether some process holds `fifo` open for reading: a non-blocking open for writing succeeds only then
/// (otherwise it fails with ENXIO).
fn fifo_has_a_reader(fifo: &Path) -> bool {
    const O_NONBLOCK: i32 = 0o4000;
    match std::fs::OpenOptions::new()
        .write(true)
        .custom_flags(O_NONBLOCK)
        .open(fifo)
    {
        Ok(_) => true,
        Err(e) => {
            assert_eq!(e.raw_os_error(), Some(6), "ENXIO expected: {e}");
            false
        }
    }
}

/// Press a button with `custom_id` as `who`; the interaction callback.
async fn press(fake: &FakeDiscord, who: &Invoker, custom_id: &str) -> Value {
    let payload = button_click(
        Some(STANDARD_GUILD_ID),
        PARTNERS_CHANNEL_ID,
        who,
        custom_id,
        4242,
    );
    let id = fake.send_interaction(payload).await.unwrap();
    fake.interaction_response(id, WAIT).await.unwrap()
}

fn roster_count(v: &Value) -> u64 {
    v["reply"]["count"].as_u64().unwrap()
}

#[tokio::test]
async fn forged_buttons_and_forms_are_refused_and_change_nothing() {
    let (fake, dir, _bot) = started().await;
    let ws = STANDARD_GUILD_ID.to_string();
    let app = beside(dir.path()).await;
    // A partner here, and one in another workspace (the other server's) with a profile and a trait.
    for (w, name) in [(ws.as_str(), "Acme"), ("2100", "Their Partner")] {
        let v = console(&app, w, r#"/profile create type:reseller name:"Resellers""#).await;
        assert_eq!(v["ok"], true, "{v}");
        let v = console(
            &app,
            w,
            r#"/profile trait add type:reseller name:"Overlap" verify_by:"report" min:25"#,
        )
        .await;
        assert_eq!(v["ok"], true, "{v}");
        let v = console(
            &app,
            w,
            &format!(r#"/partner add name:"{name}" type:reseller"#),
        )
        .await;
        assert_eq!(v["ok"], true, "{v}");
    }
    let theirs = console(&app, "2100", r#"/partner show partner:"Their Partner""#).await;
    let their_id = theirs["reply"]["id"].as_i64().unwrap();
    let their_trait = *app
        .store
        .trait_names_by_id("2100")
        .await
        .unwrap()
        .keys()
        .next()
        .unwrap();
    let pipe = fifo(dir.path());
    let secret = dir.path().join("secret.txt");
    std::fs::write(&secret, "postgres://app:S3CRET@db/pf\n").unwrap();
    let member = Invoker::member();
    let forged = [
        // The old page id: a command line replayed on the bot.
        r#"pg:0:/partner add name:"Evil" type:reseller"#.to_string(),
        format!("pg:0:/import what:partners file:{}", pipe.display()),
        format!("pg:0:/import what:partners file:{}", secret.display()),
        r#"pg:0:/schedule set digest:weekly cron:"* * * * * *" channel:3100"#.to_string(),
        // Our kinds with arguments out of bounds or not ours.
        "pg:r:*:*:*:100000".to_string(),
        "pg:r:*:*:*:99999999999999999999999".to_string(),
        format!("pg:e:{}:0", pipe.display()),
        "ev:1:/dev/zero".to_string(),
        "pg:r:reseller;DROP TABLE partners:*:*:0".to_string(),
    ];
    for id in &forged {
        let r = press(&fake, &member, id).await;
        assert_eq!(r["type"], 4, "{id}: {r}");
        assert!(
            content(&r).contains("not one of mine"),
            "{id} was not refused: {r}"
        );
        assert!(!r.to_string().contains("S3CRET"), "{id}: {r}");
    }
    // Ours, but naming another workspace's records: refused as gone, for a page and for a form.
    let r = press(&fake, &member, &format!("pg:e:{their_id}:0")).await;
    assert!(content(&r).contains("That partner is gone"), "{r}");
    let r = press(&fake, &member, &format!("ev:{their_id}:{their_trait}")).await;
    assert!(content(&r).contains("That partner is gone"), "{r}");
    let payload = modal_submit(
        Some(STANDARD_GUILD_ID),
        PARTNERS_CHANNEL_ID,
        &member,
        &format!("evm:{their_id}:{their_trait}"),
        &[("value", "99"), ("source", "forged")],
    );
    let id = fake.send_interaction(payload).await.unwrap();
    let r = fake.interaction_response(id, WAIT).await.unwrap();
    assert!(content(&r).contains("That partner is gone"), "{r}");
    // Nothing changed, nothing was read.
    assert!(!fifo_has_a_reader(&pipe), "the FIFO was opened");
    assert_eq!(roster_count(&console(&app, &ws, "/partner list").await), 1);
    assert_eq!(
        roster_count(&console(&app, "2100", "/partner list").await),
        1
    );
    let ev = console(&app, "2100", r#"/evidence list partner:"Their Partner""#).await;
    assert_eq!(ev["reply"]["records"], json!([]), "{ev}");
    let sched = console(&app, &ws, "/schedule show").await;
    assert_eq!(
        sched["reply"]["schedules"][0]["cron"],
        Value::Null,
        "{sched}"
    );
    assert!(fake.channel_messages(OTHER_CHANNEL_ID).is_empty());
    // A page button the bot made still works, for a guest too.
    let r = press(&fake, &Invoker::guest(), "pg:r:*:*:*:0").await;
    assert_eq!(r["type"], 7, "{r}");
    assert!(title(&r).contains("Roster (1 partner)"), "{r}");
}

#[tokio::test]
async fn roster_pages_are_read_one_at_a_time_and_keep_their_filters() {
    let (fake, dir, _bot) = started().await;
    let ws = STANDARD_GUILD_ID.to_string();
    let app = beside(dir.path()).await;
    let mut csv = String::from("name,type,stage,signed,dropped,drop_reason,champion,note\n");
    for i in 0..40 {
        let ty = if i % 2 == 0 { "si" } else { "reseller" };
        csv.push_str(&format!("Partner {i:02},{ty},prospect,,,,,\n"));
    }
    let file = dir.path().join("p.csv");
    std::fs::write(&file, csv).unwrap();
    let v = console(
        &app,
        &ws,
        &format!("/import what:partners file:{}", file.display()),
    )
    .await;
    assert_eq!(v["ok"], true, "{v}");
    // 20 SI partners: Partner 00, 02, … 38; page 2 of 2 holds the last 5 (30, 32, 34, 36, 38).
    let r = slash(
        &fake,
        &Invoker::guest(),
        &["partner", "list"],
        vec![opt("type", json!("si"))],
    )
    .await;
    let footer = r["data"]["embeds"][0]["footer"]["text"].as_str().unwrap();
    assert!(footer.contains("page 1 of 2"), "{r}");
    let next = r["data"]["components"][0]["components"][1]["custom_id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(next, "pg:r:si:*:*:1");
    let r = press(&fake, &Invoker::guest(), &next).await;
    let desc = r["data"]["embeds"][0]["description"].as_str().unwrap();
    let shown: Vec<&str> = desc
        .lines()
        .map(|l| l.split(" — ").next().unwrap())
        .collect();
    assert_eq!(
        shown,
        [
            "Partner 30",
            "Partner 32",
            "Partner 34",
            "Partner 36",
            "Partner 38"
        ]
    );
    // A page past the end shows the last page; with a verdict filter too (every SI is unscreened: no
    // profile, so no verdict matches `fit`).
    let r = press(&fake, &Invoker::guest(), "pg:r:si:*:*:99999").await;
    assert!(
        r["data"]["embeds"][0]["footer"]["text"]
            .as_str()
            .unwrap()
            .contains("page 2 of 2"),
        "{r}"
    );
    let r = press(&fake, &Invoker::guest(), "pg:r:si:*:fit:7").await;
    assert!(title(&r).contains("Roster (0 partners)"), "{r}");
}

#[tokio::test]
async fn a_channel_of_another_server_is_refused_at_set_time_and_at_post_time() {
    // The scheduler looks for due digests every second.
    let (fake, dir, bot) = started_with(&[("PARTNERFIT_SCHEDULER_MAX_SLEEP_SECONDS", "1")]).await;
    let ws = STANDARD_GUILD_ID.to_string();
    // At set time, through Discord: the channel is checked against the caller's server.
    let r = slash(
        &fake,
        &Invoker::lead(),
        &["schedule", "set"],
        vec![
            opt("digest", json!("weekly")),
            opt("cron", json!("default")),
            json!({"name": "channel", "type": 7, "value": OTHER_CHANNEL_ID.to_string()}),
        ],
    )
    .await;
    assert!(content(&r).contains("not in this server"), "{r}");
    let app = beside(dir.path()).await;
    let v = console(&app, &ws, "/schedule show").await;
    assert_eq!(v["reply"]["schedules"][0]["cron"], Value::Null, "{v}");
    // At post time: a schedule stored without a check (the console has no Discord), firing every second.
    let v = console(
        &app,
        &ws,
        &format!(r#"/schedule set digest:weekly cron:"* * * * * *" channel:{OTHER_CHANNEL_ID}"#),
    )
    .await;
    assert_eq!(v["ok"], true, "{v}");
    // The bot asks Discord whose channel it is, and gives the period up, recorded as such.
    fake.wait_request(
        |q| q.method == "GET" && q.path.ends_with(&format!("/channels/{OTHER_CHANNEL_ID}")),
        WAIT,
    )
    .await
    .unwrap_or_else(|e| panic!("{e}\n{}", bot.log_text()));
    let deadline = Instant::now() + WAIT;
    let shown = loop {
        let v = console(&app, &ws, "/schedule show").await;
        if v["reply"]["schedules"][0]["last_error"].is_string() || Instant::now() > deadline {
            break v;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let weekly = &shown["reply"]["schedules"][0];
    assert!(
        weekly["last_error"]
            .as_str()
            .unwrap()
            .contains("not in this server"),
        "{shown}"
    );
    assert!(
        weekly["last_run"]["error"]
            .as_str()
            .unwrap()
            .contains("not in this server"),
        "{shown}"
    );
    assert!(
        fake.channel_messages(OTHER_CHANNEL_ID).is_empty(),
        "nothing was posted in the other server"
    );
}

#[tokio::test]
async fn lookalike_and_link_names_are_refused_and_user_text_is_shown_inert() {
    let (fake, _dir, _bot) = started().await;
    let lead = Invoker::lead();
    let add = |name: &'static str| {
        let fake = fake.clone();
        let lead = lead.clone();
        async move {
            slash(
                &fake,
                &lead,
                &["partner", "add"],
                vec![
                    opt("name", json!(name)),
                    opt("type", json!("reseller")),
                    opt(
                        "note",
                        json!("[Login here](https://evil.example/login) ||hidden||"),
                    ),
                ],
            )
            .await
        }
    };
    let r = add("Acme Corp").await;
    assert!(title(&r).contains("Added Acme Corp"), "{r}");
    for lookalike in [
        "ＡＣＭＥ Corp",
        "ACME  CORP",
        "Acme\u{3000}Corp",
        "\u{410}cme Corp",
        "Acme \u{421}orp",
    ] {
        let r = add(lookalike).await;
        assert!(
            content(&r).contains("`Acme Corp` is already on the roster"),
            "{lookalike:?}: {r}"
        );
    }
    for invisible in [
        "Acme Corp\u{200B}",
        "\u{202E}Acme Corp",
        "Ac\u{200D}me Corp",
    ] {
        let r = add(invisible).await;
        assert!(
            content(&r).contains("invisible characters"),
            "{invisible:?}: {r}"
        );
    }
    let r = add("[Acme Corp](https://evil.example/login)").await;
    assert!(content(&r).contains("link syntax"), "{r}");
    let r = slash(&fake, &lead, &["partner", "list"], vec![]).await;
    assert!(title(&r).contains("Roster (1 partner)"), "{r}");
    // The note is shown, but as text: no masked link, no spoiler.
    let r = slash(
        &fake,
        &lead,
        &["partner", "show"],
        vec![opt("partner", json!("acme corp"))],
    )
    .await;
    let shown = r["data"]["embeds"][0]["fields"][0]["value"]
        .as_str()
        .unwrap();
    assert!(
        shown.contains(r"\[Login here\](https://evil.example/login) \|\|hidden\|\|"),
        "{shown}"
    );
}

#[tokio::test]
async fn a_guests_import_is_refused_without_a_download_and_a_lead_s_is_capped_while_streaming() {
    let (fake, dir, _bot) = started().await;
    let csv = "name,type,stage,signed,dropped,drop_reason,champion,note\nAcme,si,prospect,,,,,\n";
    let url = fake.host_file("partners.csv", csv.as_bytes().to_vec());
    let import = |who: &Invoker, attachment: u64, url: &str, size: u64| {
        slash_command_with_attachment(
            Some(STANDARD_GUILD_ID),
            PARTNERS_CHANNEL_ID,
            who,
            "import",
            json!([{"name": "what", "type": 3, "value": "partners"}, attachment_option("file", attachment)]),
            (attachment, "partners.csv", url, size),
        )
    };
    let id = fake
        .send_interaction(import(&Invoker::guest(), 81, &url, csv.len() as u64))
        .await
        .unwrap();
    let r = fake.interaction_response(id, WAIT).await.unwrap();
    assert!(content(&r).contains("Only leads"), "{r}");
    assert_eq!(r["type"], 4, "refused at once, not acknowledged first: {r}");
    assert_eq!(fake.attachment_fetches(), 0, "nothing was downloaded");
    // A file bigger than the limit that says it is small: the download stops at the limit.
    let big = vec![b'x'; 26 * 1024 * 1024];
    let big_url = fake.host_file("big.csv", big);
    let id = fake
        .send_interaction(import(&Invoker::lead(), 82, &big_url, 100))
        .await
        .unwrap();
    let r = fake.interaction_response(id, WAIT).await.unwrap();
    assert_eq!(r["type"], 5, "acknowledged before downloading: {r}");
    let edit = fake
        .wait_request(
            |q| q.method == "PATCH" && q.path.ends_with("/messages/@original"),
            WAIT,
        )
        .await
        .unwrap();
    assert!(
        edit.body.to_string().contains("up to 25 MB"),
        "{}",
        edit.body
    );
    assert_eq!(fake.attachment_fetches(), 1);
    let app = beside(dir.path()).await;
    let v = console(&app, &STANDARD_GUILD_ID.to_string(), "/partner list").await;
    assert_eq!(roster_count(&v), 0, "nothing imported");
}

/// The peak resident memory of a process so far (VmHWM), in bytes.
fn peak_rss(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
    let kb: u64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
    kb * 1024
}

#[test]
fn a_1mb_header_is_refused_with_bounded_memory_and_a_guest_reads_no_file() {
    let dir = tempfile::tempdir().unwrap();
    // 1 MB of header: 500,000 columns named `x`, and an empty one after the last comma.
    let file = dir.path().join("wide.csv");
    std::fs::write(&file, "x,".repeat(500_000)).unwrap();
    let pipe = fifo(dir.path());
    let db = format!("sqlite://{}", dir.path().join("c.db").display());
    // A console process that has answered `line` (still running, so its memory can be read), and the answer.
    let ask = |role: &str, line: String| {
        let mut child = Command::new(env!("CARGO_BIN_EXE_partnerfit"))
            .current_dir(dir.path())
            .args(["--database", &db, "--json", "console", "--role", role])
            .env_remove("PARTNERFIT_CONFIG")
            .env_remove("PARTNERFIT_DATABASE_URL")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut stdin = child.stdin.take().unwrap();
        writeln!(stdin, "{line}").unwrap();
        let mut answer = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut answer)
            .unwrap();
        let v: Value = serde_json::from_str(&answer).unwrap();
        (child, stdin, v)
    };
    let (mut lead, stdin, v) = ask(
        "lead",
        format!("/import what:partners file:{}", file.display()),
    );
    assert_eq!(v["ok"], false, "{v}");
    let error = v["error"].as_str().unwrap();
    assert!(
        error.contains("500001 columns, more than the 1000"),
        "{error}"
    );
    assert!(
        error.len() < 2000,
        "one short error, not one per column: {}",
        error.len()
    );
    // Measured while the process still runs: before the cap it reached 289 MB (issue 15).
    let peak = peak_rss(lead.id());
    eprintln!("peak RSS of the console after a 1 MB header: {peak} bytes");
    drop(stdin);
    lead.wait().unwrap();
    assert!(peak < 100 * 1024 * 1024, "peak RSS {peak} bytes");
    // A guest's import names a FIFO: refused by role before the file is opened (opening would block).
    let (mut guest, stdin, v) = ask(
        "guest",
        format!("/import what:partners file:{}", pipe.display()),
    );
    assert!(v["error"].as_str().unwrap().contains("Only leads"), "{v}");
    assert!(!fifo_has_a_reader(&pipe));
    drop(stdin);
    guest.wait().unwrap();
}
