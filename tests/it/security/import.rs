//! `/import` errors in Discord (issue 15, items 4 and 5): a refused file's errors are cut at a whole line with
//! the count of lines left out (a message holds 2,000 characters), and a 1 MB header sent as an attachment is
//! one error, with the bot process's peak memory barely moved.

use super::{peak_rss, started};
use crate::support::bot::WAIT;
use crate::support::fake_discord::{
    attachment_option, slash_command_with_attachment, FakeDiscord, Invoker, PARTNERS_CHANNEL_ID,
    STANDARD_GUILD_ID,
};
use serde_json::json;

/// A lead's `/import what:partners` of `csv`; the content of the answer (an edit of the deferred reply).
async fn import(fake: &FakeDiscord, attachment: u64, csv: Vec<u8>) -> String {
    let size = csv.len() as u64;
    let url = fake.host_file("partners.csv", csv);
    let payload = slash_command_with_attachment(
        Some(STANDARD_GUILD_ID),
        PARTNERS_CHANNEL_ID,
        &Invoker::lead(),
        "import",
        json!([{"name": "what", "type": 3, "value": "partners"}, attachment_option("file", attachment)]),
        (attachment, "partners.csv", &url, size),
    );
    let original = format!("/{}/messages/@original", payload["token"].as_str().unwrap());
    let id = fake.send_interaction(payload).await.unwrap();
    let r = fake.interaction_response(id, WAIT).await.unwrap();
    assert_eq!(r["type"], 5, "acknowledged first: {r}");
    let edit = fake
        .wait_request(|q| q.method == "PATCH" && q.path.ends_with(&original), WAIT)
        .await
        .unwrap();
    edit.body["content"]
        .as_str()
        .unwrap_or_default()
        .to_string()
}

#[tokio::test]
async fn import_errors_are_cut_at_a_line_and_a_1mb_header_is_one_error_with_little_memory() {
    let (fake, _dir, bot) = started().await;
    // 40 unknown columns and no known one: 41 errors, of which the message lists 20, then "… and 21 more
    // errors" — 22 lines in all, more than 2,000 characters (each unknown column's line names every column).
    let header: Vec<String> = (1..=40).map(|i| format!("x{i:02}")).collect();
    let text = import(&fake, 91, format!("{}\n", header.join(",")).into_bytes()).await;
    assert!(text.chars().count() <= 2000, "{}", text.len());
    let lines: Vec<&str> = text.lines().collect();
    let note = lines.last().unwrap();
    let left: usize = note
        .strip_prefix("… ")
        .and_then(|r| r.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no count of the lines left out: {text}"));
    assert!(note.ends_with("more lines not shown"), "{text}");
    assert_eq!(lines.len() - 1 + left, 22, "{text}");
    assert!(
        lines[0].starts_with("⚠ Nothing was imported: partners.csv has 41 errors"),
        "{text}"
    );
    for l in &lines[1..lines.len() - 1] {
        assert!(
            l.starts_with("line 1: unknown column `x"),
            "a whole error line: {l}"
        );
        // The `_` escaped, as everything outside code in an error's content (it shows as itself).
        assert!(
            l.ends_with(r"drop\_reason, champion, note"),
            "a whole error line: {l}"
        );
    }
    // 1 MB of header: 500,001 columns, one error, and the bot's peak memory measured around it.
    let before = peak_rss(bot.pid());
    let text = import(&fake, 92, "x,".repeat(500_000).into_bytes()).await;
    let after = peak_rss(bot.pid());
    eprintln!("1 MB header through Discord: bot peak RSS {before} -> {after} bytes");
    assert!(
        text.contains("500001 columns, more than the 1000"),
        "{text}"
    );
    assert!(text.chars().count() < 1000, "one short error: {text}");
    assert!(
        after < before + 64 * 1024 * 1024,
        "peak RSS {before} -> {after}"
    );
}
