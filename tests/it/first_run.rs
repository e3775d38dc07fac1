//! A team's first day with Discord: a freshly created application (every privileged intent switched off)
//! and `partnerfit run` with no configuration file, as docs/discord-setup.md tells a new user to do.

use crate::support::bot::{opt, slash, title, Bot, WAIT};
use crate::support::fake_discord::{FakeConfig, FakeDiscord, Invoker};
use crate::support::scenario::answer_to_mention;
use serde_json::json;

#[tokio::test]
async fn a_new_application_comes_up_with_the_defaults_and_answers() {
    // FakeConfig::standard() is a new application: the fake closes with 4014 on any privileged intent.
    let fake = FakeDiscord::start(FakeConfig::standard()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    assert!(!dir.path().join("config").exists(), "no config file");
    let bot = Bot::start(&fake, dir.path(), &[]);
    if let Err(e) = fake.wait_ready(WAIT).await {
        panic!("bot never got ready: {e}\n{}", bot.log_text());
    }
    fake.wait_request(|r| r.method == "PUT" && r.path.ends_with("/commands"), WAIT)
        .await
        .unwrap();

    // A slash command.
    let r = slash(
        &fake,
        &Invoker::guest(),
        &["help"],
        vec![opt("command", json!("screen"))],
    )
    .await;
    assert_eq!(title(&r), "/screen", "{r}");
    let fields = r["data"]["embeds"][0]["fields"].as_array().unwrap();
    assert_eq!(fields[0]["name"], "partner (required)");
    assert_eq!(fields.last().unwrap()["name"], "Example");

    // A question that mentions the bot: its text arrives without the message content intent.
    slash(
        &fake,
        &Invoker::lead(),
        &["profile", "create"],
        vec![
            opt("type", json!("reseller")),
            opt("name", json!("Resellers")),
        ],
    )
    .await;
    let posted = answer_to_mention(&fake, "does Initech fit as a reseller?", |_| true).await;
    assert_eq!(
        posted.body["embeds"][0]["title"], "Initech — not on the roster",
        "{}",
        posted.body
    );
    assert_eq!(bot.terminate().await, Some(0));
}

/// Run `partnerfit run` against `fake` with the message content intent asked for; (exit code, stderr).
async fn run_asking_for_message_content(fake: &FakeDiscord) -> (Option<i32>, String) {
    let dir = tempfile::tempdir().unwrap();
    // tokio's process API: the fake serves on this test's runtime and must keep answering meanwhile.
    let child = tokio::process::Command::new(env!("CARGO_BIN_EXE_partnerfit"))
        .current_dir(dir.path())
        .arg("run")
        .env_remove("PARTNERFIT_CONFIG")
        .env_remove("PARTNERFIT_DATABASE_URL")
        .env("DISCORD_TOKEN", "test-token")
        .env("PARTNERFIT_DISCORD_PROXY_URL", fake.base_url())
        .env("PARTNERFIT_DISCORD_MESSAGE_CONTENT", "true")
        .env("PARTNERFIT_LOG", "off")
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    match tokio::time::timeout(WAIT, child.wait_with_output()).await {
        Ok(out) => {
            let out = out.unwrap();
            (
                out.status.code(),
                String::from_utf8_lossy(&out.stderr).into_owned(),
            )
        }
        Err(_) => (None, "still running".into()),
    }
}

#[tokio::test]
async fn asking_for_message_content_without_the_portal_switch_is_one_line_and_exit_2() {
    let fake = FakeDiscord::start(FakeConfig::standard()).await.unwrap();
    let (code, err) = run_asking_for_message_content(&fake).await;
    assert_eq!(code, Some(2), "{err}");
    assert_eq!(
        err,
        "partnerfit: error: Discord refused the message content intent (close code 4014): enable Message \
         Content Intent on the Bot page of the developer portal, or set [discord] message_content \
         (PARTNERFIT_DISCORD_MESSAGE_CONTENT) back to false, the default\n"
    );
    assert_eq!(
        fake.identify_count(),
        0,
        "the IDENTIFY was refused: no session"
    );
}

#[tokio::test]
async fn with_the_portal_switch_on_the_intent_is_granted() {
    let fake = FakeDiscord::start(FakeConfig::standard().with_message_content())
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let bot = Bot::start(
        &fake,
        dir.path(),
        &[("PARTNERFIT_DISCORD_MESSAGE_CONTENT", "true")],
    );
    if let Err(e) = fake.wait_ready(WAIT).await {
        panic!("bot never got ready: {e}\n{}", bot.log_text());
    }
    assert_eq!(bot.terminate().await, Some(0));
}
