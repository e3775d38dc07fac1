//! Charts and files outside Discord: `digest … --chart FILE.png` writes the PNG the channel gets, the console
//! writes the files replies carry and says where, and in Discord the chart is shown inside the digest's card.

use crate::cli::run_console as partnerfit;
use crate::support::bot::{db_url, opt, slash, Bot, WAIT};
use crate::support::fake_discord::{FakeConfig, FakeDiscord, Invoker, STANDARD_GUILD_ID};
use serde_json::json;
use std::path::Path;

/// The README's tour (a drifting week 2026-W47) in workspace `ws` of the SQLite file `db`.
fn tour(dir: &Path, db: &str, ws: &str) {
    let session = crate::docs::readme_block("## A short tour");
    let (out, err, code) = partnerfit(
        dir,
        &["console", "--json", "--database", db, "--workspace", ws],
        &session,
    );
    assert_eq!(code, 0, "{err}");
    assert!(!out.contains("\"ok\":false"), "{out}");
}

#[tokio::test]
async fn the_cli_chart_is_the_png_the_channel_gets_shown_inside_the_card() {
    let fake = FakeDiscord::start(FakeConfig::standard()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let db = db_url(dir.path());
    let ws = STANDARD_GUILD_ID.to_string();
    tour(dir.path(), &db, &ws);
    let bot = Bot::start(&fake, dir.path(), &[]);
    if let Err(e) = fake.wait_ready(WAIT).await {
        panic!("bot never got ready: {e}\n{}", bot.log_text());
    }
    for (digest, period_opt, period, file) in [
        ("weekly", "week", "2026-W47", "weekly-2026-W47.png"),
        ("quarterly", "quarter", "2026-Q3", "recheck-2026-Q3.png"),
    ] {
        slash(
            &fake,
            &Invoker::lead(),
            &["digest", digest],
            vec![opt(period_opt, json!(period)), opt("post", json!(true))],
        )
        .await;
        let sent = fake
            .wait_request(|r| r.files.iter().any(|f| f.filename == file), WAIT)
            .await
            .unwrap();
        assert!(sent.is_success(), "{}", sent.response);
        let embed = if sent.body["data"].is_object() {
            &sent.body["data"]["embeds"][0]
        } else {
            &sent.body["embeds"][0]
        };
        assert_eq!(
            embed["image"]["url"],
            format!("attachment://{file}"),
            "{}",
            sent.body
        );
        let channel_png = &sent
            .files
            .iter()
            .find(|f| f.filename == file)
            .unwrap()
            .bytes;

        let chart = dir.path().join(format!("cli-{file}"));
        let (out, err, code) = partnerfit(
            dir.path(),
            &[
                "digest",
                digest,
                &format!("--{period_opt}"),
                period,
                "--chart",
                chart.to_str().unwrap(),
                "--database",
                &db,
                "--workspace",
                &ws,
            ],
            "",
        );
        assert_eq!(code, 0, "{err}");
        assert!(out.contains(period), "{out}");
        assert_eq!(
            err,
            format!(
                "chart written to {} ({} bytes)\n",
                chart.display(),
                channel_png.len()
            )
        );
        assert!(channel_png.starts_with(b"\x89PNG"));
        assert!(
            std::fs::read(&chart).unwrap() == *channel_png,
            "{digest}: the CLI chart differs from the channel's"
        );
    }
    assert_eq!(bot.terminate().await, Some(0));
}

#[test]
fn a_chart_path_in_a_missing_folder_is_one_line_and_nothing_is_written() {
    let dir = tempfile::tempdir().unwrap();
    let (out, err, code) = partnerfit(
        dir.path(),
        &["digest", "weekly", "--chart", "no/such/folder/w.png"],
        "",
    );
    assert_eq!(code, 2);
    assert_eq!(out, "", "no digest is printed");
    assert_eq!(
        err,
        "partnerfit: error: --chart no/such/folder/w.png: the folder no/such/folder does not exist; create it first or choose another\n"
    );
    let (_, err, code) = partnerfit(dir.path(), &["digest", "quarterly", "--chart", "."], "");
    assert_eq!(code, 2);
    assert!(err.contains("is a folder: give a file name"), "{err}");
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert!(
        left.is_empty(),
        "nothing written, not even the database: {left:?}"
    );
}

#[test]
fn the_console_writes_the_files_replies_carry_and_says_where() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("out");
    std::fs::create_dir(&out_dir).unwrap();
    let db = format!("sqlite://{}", dir.path().join("pf.db").display());
    tour(dir.path(), &db, "local");
    // The exports are named for the day they ran (UTC here): either side of a midnight the run may cross.
    let before = chrono::Utc::now().date_naive();
    let (out, err, code) = partnerfit(
        dir.path(),
        &["console", "--database", &db, "--out-dir", "out"],
        "/digest weekly week:2026-W47 post:true\n/export what:roster\n/digest weekly week:2026-W47\n",
    );
    assert_eq!(code, 0, "{err}");
    let png = std::fs::read(out_dir.join("weekly-2026-W47.png")).unwrap();
    assert!(png.starts_with(b"\x89PNG"));
    assert!(
        out.contains(&format!(
            "\nWrote out/weekly-2026-W47.png ({} bytes)\n",
            png.len()
        )),
        "{out}"
    );
    let csv_name = written(&out_dir, "roster", before);
    let csv = std::fs::read_to_string(out_dir.join(&csv_name)).unwrap();
    assert!(csv.starts_with("name,type,stage"), "{csv}");
    assert!(csv.contains("\nAcme Corp,reseller,prospect,"), "{csv}");
    assert!(
        out.contains(&format!("\nWrote out/{csv_name} ({} bytes)\n", csv.len())),
        "{out}"
    );
    assert!(!out.contains("attached"), "nothing says attached: {out}");
    // A preview carries no file: exactly two were written.
    assert_eq!(std::fs::read_dir(&out_dir).unwrap().count(), 2);

    // --json names the files beside the reply.
    let (out, _, _) = partnerfit(
        dir.path(),
        &["console", "--json", "--database", &db, "--out-dir", "out"],
        "/export what:outcomes\n",
    );
    let v: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(v["ok"], true);
    let name = written(&out_dir, "outcomes", before);
    assert_eq!(v["files"][0]["name"], name.as_str());
    assert_eq!(v["files"][0]["path"], format!("out/{name}"));
    assert!(out_dir.join(&name).exists());

    // A missing output folder is refused before anything runs.
    let (out, err, code) = partnerfit(
        dir.path(),
        &["console", "--database", &db, "--out-dir", "gone"],
        "/export what:roster\n",
    );
    assert_eq!((code, out.as_str()), (2, ""));
    assert_eq!(
        err,
        "partnerfit: error: --out-dir: the folder gone does not exist; create it first or choose another\n"
    );
}

/// The name of the `what` export written in `dir` on the day `since` or the one after (a run that crossed
/// midnight).
fn written(dir: &Path, what: &str, since: chrono::NaiveDate) -> String {
    [since, since + chrono::Duration::days(1)]
        .iter()
        .map(|day| format!("partnerfit-{what}-{day}.csv"))
        .find(|name| dir.join(name).exists())
        .unwrap_or_else(|| panic!("no {what} export written on {since} or the day after"))
}
