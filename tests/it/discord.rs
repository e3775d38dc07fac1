//! The real bot binary against the in-repo fake Discord (REST + gateway on 127.0.0.1): commands and their
//! registration, refusals, autocomplete, buttons and modals, mentions, gateway drops, a wrong token, and
//! files in and out (`discord/files.rs`). Scheduled digests are in `discord/schedules.rs`; replies refused with
//! a `429` in `discord/rate_limited.rs`; two processes on one shard whose takes of an interaction's id time out in
//! `discord/unconfirmed_delivery.rs`, and whose initial responses go wrong in `discord/unconfirmed_failures.rs`.

use crate::support::bot::{
    content, deferred, is_ephemeral, message_title, opt, send_deferred, slash, title, WAIT,
};
use crate::support::fake_discord::{
    attachment_option, autocomplete, button_click, modal_submit, slash_command,
    slash_command_with_attachment, FakeConfig, FakeDiscord, Invoker, MEMBER_ROLE_ID,
    PARTNERS_CHANNEL_ID, STANDARD_GUILD_ID,
};
use crate::support::scenario::{self, TestBot};
use serde_json::json;
use std::time::Duration;

mod files;
mod names;
mod rate_limited;
mod schedules;
mod unconfirmed_acks;
mod unconfirmed_components;
mod unconfirmed_delivery;
mod unconfirmed_failures;

/// The profile these tests screen against: three reseller traits, each verified by a call.
async fn reseller_profile(fake: &FakeDiscord) {
    let call = || opt("verify_by", json!("a call"));
    scenario::reseller_profile(
        fake,
        &[
            ("Deal registration", vec![call()]),
            ("Customer overlap", vec![call(), opt("min", json!(25.0))]),
            ("Named champion", vec![call()]),
        ],
    )
    .await;
}

#[tokio::test]
async fn registers_every_command_and_answers_them() {
    let t = TestBot::start().await;
    let fake = &t.fake;
    let registered = fake.registered_commands().expect("commands registered");
    let names: Vec<&str> = registered
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "screen", "profile", "partner", "evidence", "log", "outcome", "digest", "schedule",
            "settings", "export", "import", "help"
        ]
    );
    let evidence = registered
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "evidence")
        .unwrap();
    let add = evidence["options"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["name"] == "add")
        .unwrap();
    let opts: Vec<(&str, i64, bool)> = add["options"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            (
                o["name"].as_str().unwrap(),
                o["type"].as_i64().unwrap(),
                o["required"].as_bool().unwrap_or(false),
            )
        })
        .collect();
    assert_eq!(
        opts,
        [
            ("partner", 3, true),
            ("trait", 3, true),
            ("met", 5, false),
            ("value", 10, false),
            ("source", 3, false),
            ("note", 3, false),
            ("observed", 3, false)
        ]
    );

    reseller_profile(fake).await;
    let lead = Invoker::lead();
    let member = Invoker::member();
    let r = slash(
        fake,
        &member,
        &["partner", "add"],
        vec![
            opt("name", json!("Acme Corp")),
            opt("type", json!("reseller")),
        ],
    )
    .await;
    assert_eq!(r["type"], 4);
    assert!(title(&r).contains("Added Acme Corp"), "{r}");
    for (tr, v) in [
        ("Deal registration", opt("met", json!(true))),
        ("Customer overlap", opt("value", json!(31.0))),
    ] {
        let r = slash(
            fake,
            &member,
            &["evidence", "add"],
            vec![
                opt("partner", json!("acme corp")),
                opt("trait", json!(tr)),
                v,
            ],
        )
        .await;
        assert!(title(&r).starts_with("Evidence #"), "{r}");
    }
    let r = slash(
        fake,
        &Invoker::guest(),
        &["screen"],
        vec![opt("partner", json!("Acme Corp"))],
    )
    .await;
    let embed = &r["data"]["embeds"][0];
    assert!(title(&r).contains("incomplete"), "{r}");
    assert_eq!(embed["color"], 0xF1C40F, "incomplete is yellow");
    let fields: Vec<&str> = embed["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["name"].as_str().unwrap())
        .collect();
    assert!(
        fields.iter().any(|f| f.contains("Customer overlap")),
        "{fields:?}"
    );
    assert!(
        fields.contains(&"Verify next, before signing"),
        "{fields:?}"
    );
    let overlap = embed["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"].as_str().unwrap().contains("Customer overlap"))
        .unwrap();
    assert!(
        overlap["value"]
            .as_str()
            .unwrap()
            .contains(&format!("<@{}>", member.user_id)),
        "who recorded it: {overlap}"
    );
    assert_eq!(r["data"]["allowed_mentions"]["parse"], json!([]));

    // Every read-only command answers.
    for (path, leaf) in [
        (
            vec!["profile", "show"],
            vec![opt("type", json!("reseller"))],
        ),
        (vec!["profile", "list"], vec![]),
        (
            vec!["profile", "lint"],
            vec![opt("type", json!("reseller"))],
        ),
        (
            vec!["profile", "history"],
            vec![opt("type", json!("reseller"))],
        ),
        (
            vec!["partner", "show"],
            vec![opt("partner", json!("Acme Corp"))],
        ),
        (vec!["partner", "list"], vec![]),
        (
            vec!["evidence", "list"],
            vec![opt("partner", json!("Acme Corp"))],
        ),
        (vec!["help"], vec![]),
    ] {
        let r = slash(fake, &Invoker::guest(), &path, leaf).await;
        assert!(!title(&r).is_empty(), "{path:?}: {r}");
    }
    // Lead-only commands
    let r = slash(
        fake,
        &lead,
        &["partner", "sign"],
        vec![opt("partner", json!("Acme Corp"))],
    )
    .await;
    assert!(title(&r).starts_with("Signed Acme Corp"), "{r}");
    let r = slash(
        fake,
        &lead,
        &["settings", "set"],
        vec![
            opt("key", json!("timezone")),
            opt("value", json!("Europe/Berlin")),
        ],
    )
    .await;
    assert!(title(&r).contains("timezone"), "{r}");
    let r = slash(
        fake,
        &member,
        &["log", "hours"],
        vec![opt("partner", json!("Acme Corp")), opt("hours", json!(6.5))],
    )
    .await;
    assert!(title(&r).starts_with("Logged 6.5 h"), "{r}");
    let r = slash(
        fake,
        &member,
        &["outcome", "add"],
        vec![
            opt("partner", json!("Acme Corp")),
            opt("kind", json!("sourced-pipeline")),
            opt("amount", json!("$12,500")),
        ],
    )
    .await;
    assert!(title(&r).contains("sourced-pipeline of $12,500"), "{r}");
    // a digest preview is deferred, then edited, and ephemeral
    let (r, edit) = deferred(fake, &member, &["digest", "weekly"], vec![]).await;
    assert_eq!(r["type"], 5);
    assert!(is_ephemeral(&r));
    assert!(
        message_title(&edit.body).starts_with("Weekly allocation check"),
        "{}",
        edit.body
    );
    assert!(
        fake.unknown_route_requests().is_empty(),
        "{}",
        fake.request_summary()
    );
    drop(t);
}

#[tokio::test]
async fn refusals_are_ephemeral_and_dms_are_declined() {
    let t = TestBot::start().await;
    let fake = &t.fake;
    // Until a member role is set, everyone in the server is a member.
    let r = slash(fake, &Invoker::guest(), &["help"], vec![]).await;
    assert!(
        r["data"]["embeds"][0]["footer"]["text"]
            .as_str()
            .unwrap()
            .contains("You are a member"),
        "{r}"
    );
    let r = slash(
        fake,
        &Invoker::lead(),
        &["settings", "roles"],
        vec![json!({"name": "member", "type": 8, "value": MEMBER_ROLE_ID.to_string()})],
    )
    .await;
    assert!(title(&r).contains("Roles updated"), "{r}");
    let r = slash(
        fake,
        &Invoker::guest(),
        &["partner", "add"],
        vec![opt("name", json!("Globex")), opt("type", json!("si"))],
    )
    .await;
    assert!(is_ephemeral(&r), "{r}");
    assert!(content(&r).contains("Only members"), "{r}");
    let r = slash(
        fake,
        &Invoker::member(),
        &["profile", "create"],
        vec![opt("type", json!("si")), opt("name", json!("SIs"))],
    )
    .await;
    assert!(content(&r).contains("Only leads"), "{r}");
    let r = slash(
        fake,
        &Invoker::lead(),
        &["screen"],
        vec![
            opt("partner", json!("Nobody")),
            opt("as_of", json!("next week")),
        ],
    )
    .await;
    assert!(
        is_ephemeral(&r) && content(&r).contains("not a date"),
        "{r}"
    );
    let dm = slash_command(None, 9999, &Invoker::member(), "help", json!([]));
    let id = fake.send_interaction(dm).await.unwrap();
    let r = fake.interaction_response(id, WAIT).await.unwrap();
    assert!(content(&r).contains("only works in a server"), "{r}");
}

#[tokio::test]
async fn autocomplete_is_scoped_and_bounded() {
    let t = TestBot::start().await;
    let fake = &t.fake;
    reseller_profile(fake).await;
    let lead = Invoker::lead();
    for i in 0..30 {
        slash(
            fake,
            &lead,
            &["partner", "add"],
            vec![
                opt("name", json!(format!("Acme {i:02}"))),
                opt("type", json!("reseller")),
            ],
        )
        .await;
    }
    slash(
        fake,
        &lead,
        &["partner", "add"],
        vec![opt("name", json!("Globex")), opt("type", json!("reseller"))],
    )
    .await;
    let payload = autocomplete(
        Some(STANDARD_GUILD_ID),
        PARTNERS_CHANNEL_ID,
        &lead,
        "screen",
        json!([{"name": "partner", "type": 3, "value": "acme", "focused": true}]),
    );
    let id = fake.send_interaction(payload).await.unwrap();
    let r = fake.interaction_response(id, WAIT).await.unwrap();
    assert_eq!(r["type"], 8);
    let choices = r["data"]["choices"].as_array().unwrap();
    assert_eq!(choices.len(), 25, "at most 25");
    assert_eq!(choices[0]["value"], "Acme 00");
    // trait autocomplete is scoped to the partner's profile
    let payload = autocomplete(
        Some(STANDARD_GUILD_ID),
        PARTNERS_CHANNEL_ID,
        &lead,
        "evidence",
        json!([{"name": "add", "type": 1, "options": [
            {"name": "partner", "type": 3, "value": "Globex"},
            {"name": "trait", "type": 3, "value": "cust", "focused": true}]}]),
    );
    let id = fake.send_interaction(payload).await.unwrap();
    let r = fake.interaction_response(id, WAIT).await.unwrap();
    assert_eq!(
        r["data"]["choices"],
        json!([{"name": "Customer overlap", "value": "Customer overlap"}])
    );
    // type autocomplete names the profile
    let payload = autocomplete(
        Some(STANDARD_GUILD_ID),
        PARTNERS_CHANNEL_ID,
        &lead,
        "profile",
        json!([{"name": "show", "type": 1, "options": [{"name": "type", "type": 3, "value": "", "focused": true}]}]),
    );
    let id = fake.send_interaction(payload).await.unwrap();
    let r = fake.interaction_response(id, WAIT).await.unwrap();
    let labels: Vec<&str> = r["data"]["choices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(labels[0], "reseller — Resellers (3 traits)");
    assert_eq!(labels.len(), 4);
}

#[tokio::test]
async fn screen_card_buttons_open_a_modal_that_records_evidence() {
    let t = TestBot::start().await;
    let fake = &t.fake;
    reseller_profile(fake).await;
    let member = Invoker::member();
    slash(
        fake,
        &member,
        &["partner", "add"],
        vec![opt("name", json!("Acme")), opt("type", json!("reseller"))],
    )
    .await;
    let r = slash(
        fake,
        &member,
        &["screen"],
        vec![opt("partner", json!("Acme"))],
    )
    .await;
    let buttons = r["data"]["components"][0]["components"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(buttons.len(), 3, "one per unknown trait: {r}");
    let overlap = buttons
        .iter()
        .find(|b| b["label"].as_str().unwrap().contains("Customer overlap"))
        .unwrap();
    let custom_id = overlap["custom_id"].as_str().unwrap().to_string();
    let id = fake
        .send_interaction(button_click(
            Some(STANDARD_GUILD_ID),
            PARTNERS_CHANNEL_ID,
            &member,
            &custom_id,
            777,
        ))
        .await
        .unwrap();
    let modal = fake.interaction_response(id, WAIT).await.unwrap();
    assert_eq!(modal["type"], 9, "{modal}");
    let modal_id = modal["data"]["custom_id"].as_str().unwrap().to_string();
    let inputs: Vec<&str> = modal["data"]["components"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| row["components"][0]["custom_id"].as_str().unwrap())
        .collect();
    assert_eq!(inputs, ["value", "source", "note", "observed"]);
    let id = fake
        .send_interaction(modal_submit(
            Some(STANDARD_GUILD_ID),
            PARTNERS_CHANNEL_ID,
            &member,
            &modal_id,
            &[
                ("value", "40"),
                ("source", "Crossbeam report"),
                ("note", ""),
                ("observed", ""),
            ],
        ))
        .await
        .unwrap();
    let r = fake.interaction_response(id, WAIT).await.unwrap();
    assert!(title(&r).contains("Acme — Customer overlap"), "{r}");
    let r = slash(
        fake,
        &member,
        &["screen"],
        vec![opt("partner", json!("Acme"))],
    )
    .await;
    let overlap = r["data"]["embeds"][0]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["name"].as_str().unwrap().contains("Customer overlap"))
        .unwrap()
        .clone();
    assert!(
        overlap["name"].as_str().unwrap().starts_with('✅'),
        "{overlap}"
    );
    assert!(
        overlap["value"]
            .as_str()
            .unwrap()
            .contains("Crossbeam report"),
        "{overlap}"
    );
    // a guest cannot open the form once a member role is set
    slash(
        fake,
        &Invoker::lead(),
        &["settings", "roles"],
        vec![json!({"name": "member", "type": 8, "value": MEMBER_ROLE_ID.to_string()})],
    )
    .await;
    let id = fake
        .send_interaction(button_click(
            Some(STANDARD_GUILD_ID),
            PARTNERS_CHANNEL_ID,
            &Invoker::guest(),
            &custom_id,
            778,
        ))
        .await
        .unwrap();
    let r = fake.interaction_response(id, WAIT).await.unwrap();
    assert!(content(&r).contains("Only members"), "{r}");
}

#[tokio::test]
async fn mentions_are_answered_and_never_ping() {
    let t = TestBot::start().await;
    let fake = &t.fake;
    reseller_profile(fake).await;
    let lead = Invoker::lead();
    // A partner name that tries to ping everyone and a role.
    let r = slash(
        fake,
        &lead,
        &["partner", "add"],
        vec![
            opt("name", json!("@everyone <@&4000> Acme")),
            opt("type", json!("reseller")),
        ],
    )
    .await;
    assert!(title(&r).contains("@everyone"), "the name is shown: {r}");
    let am = &r["data"]["allowed_mentions"];
    assert_eq!(
        (
            am["parse"].clone(),
            am["roles"].clone(),
            am["users"].clone()
        ),
        (json!([]), json!([]), json!([]))
    );
    let posted =
        scenario::answer_to_mention(fake, "does @everyone <@&4000> Acme fit?", |_| true).await;
    assert!(
        posted.body["embeds"][0]["title"]
            .as_str()
            .unwrap()
            .contains("incomplete"),
        "{}",
        posted.body
    );
    assert_eq!(posted.body["allowed_mentions"]["parse"], json!([]));
    assert_eq!(posted.body["allowed_mentions"]["replied_user"], false);
    assert!(posted.body["message_reference"].is_object());
    // a name not on the roster gets the traits to check
    let posted = scenario::answer_to_mention(fake, "does Initech fit as a reseller?", |t| {
        t.contains("Initech")
    })
    .await;
    assert!(
        posted.body["embeds"][0]["description"]
            .as_str()
            .unwrap()
            .contains("Deal registration"),
        "{}",
        posted.body
    );
}

#[tokio::test]
async fn survives_gateway_drops_and_resumes() {
    let t = TestBot::start().await;
    let fake = &t.fake;
    let ask = |who: Invoker| async move { slash(fake, &who, &["help"], vec![]).await };
    assert!(!title(&ask(Invoker::guest()).await).is_empty());
    fake.drop_gateway(None).await;
    fake.wait_resumes(1, WAIT).await.unwrap();
    assert!(!title(&ask(Invoker::guest()).await).is_empty());
    fake.drop_gateway(Some(4000)).await;
    fake.wait_resumes(2, WAIT).await.unwrap();
    assert!(!title(&ask(Invoker::member()).await).is_empty());
    assert_eq!(fake.identify_count(), 1, "resumed, not re-identified");
    // serenity's own events are logged without its spans, whose fields are whole gateway events (the users'
    // words included) formatted with `Debug`: its line of the resume, not `handle_event{event=Ok(Dispatch(…`.
    let log = t.bot.log_text();
    assert!(log.contains("] Resumed"), "{log}");
    assert!(!log.contains("handle_event{"), "{log}");
    assert!(!log.contains("handle_gateway_dispatch{"), "{log}");
    // The log goes to a file, not a terminal: plain text, no colour codes.
    assert!(!log.contains('\u{1b}'), "{log}");
    assert!(log.contains(" INFO "), "{log}");
}

#[tokio::test]
async fn a_wrong_token_is_a_one_line_error() {
    let fake = FakeDiscord::start(FakeConfig::standard()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    // tokio's process API: the fake serves on this test's runtime and must keep answering meanwhile.
    let run = tokio::process::Command::new(env!("CARGO_BIN_EXE_partnerfit"))
        .current_dir(dir.path())
        .arg("run")
        .env("DISCORD_TOKEN", "wrong-token")
        .env("PARTNERFIT_DISCORD_PROXY_URL", fake.base_url())
        .env("PARTNERFIT_LOG", "error")
        .kill_on_drop(true)
        .output();
    // Only a guard against a bot that retries a refused token for ever: the request log below shows it did not.
    let out = tokio::time::timeout(Duration::from_secs(60), run)
        .await
        .unwrap_or_else(|_| {
            panic!(
                "`partnerfit run` with a wrong token hung (60 s); requests:{}",
                fake.request_summary()
            )
        })
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.contains("DISCORD_TOKEN was rejected"), "{err}");
    assert!(!err.contains("wrong-token"), "the token is never printed");
    // It gave up at the first refusal: one request, refused, not asked again, and no gateway session.
    assert_eq!(
        fake.request_summary(),
        "\n  GET /api/v10/users/@me -> 401",
        "{err}"
    );
    assert_eq!(fake.identify_count(), 0);
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_partnerfit"))
        .current_dir(dir.path())
        .arg("run")
        .env_remove("DISCORD_TOKEN")
        .output()
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("DISCORD_TOKEN is not set"));
}
