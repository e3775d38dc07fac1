//! `partnerfit doctor` against the in-repo fake Discord: every line passes on a ready setup; a channel where the
//! bot lacks a permission, a wrong token, no token, a missing or unreachable database and an intent the
//! application lacks each give a ✗ line with the fix and exit 1, and no token is ever printed.

use crate::support::bot::WAIT;
use crate::support::fake_discord::{
    FakeConfig, FakeDiscord, LOCKED_CHANNEL_ID, PARTNERS_CHANNEL_ID, STANDARD_GUILD_ID,
    STANDARD_TOKEN,
};
use serde_json::Value;

/// Run `partnerfit doctor ARGS` in `dir` with `env` (and nothing from the test's environment):
/// (exit code, stdout, stderr). tokio's process API, so the fake keeps answering meanwhile.
async fn doctor(
    dir: &std::path::Path,
    env: &[(&str, String)],
    args: &[&str],
) -> (i32, String, String) {
    let mut cmd = tokio::process::Command::new(env!("CARGO_BIN_EXE_partnerfit"));
    cmd.current_dir(dir)
        .arg("doctor")
        .args(args)
        .env_remove("PARTNERFIT_CONFIG")
        .env_remove("PARTNERFIT_DATABASE_URL")
        .env_remove("PARTNERFIT_WORKSPACE")
        .env_remove("DISCORD_TOKEN")
        .env_remove("PARTNERFIT_DISCORD_PROXY_URL")
        .env_remove("PARTNERFIT_DISCORD_MESSAGE_CONTENT")
        .env_remove("SLACK_BOT_TOKEN")
        .env_remove("SLACK_APP_TOKEN")
        .env("PARTNERFIT_LOG", "off")
        .stdin(std::process::Stdio::null())
        .kill_on_drop(true);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = tokio::time::timeout(WAIT, cmd.output())
        .await
        .expect("doctor finished in time")
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A migrated SQLite database in `dir` with the server's digests scheduled in `weekly` and `quarterly`.
fn schedule(dir: &std::path::Path, weekly: u64, quarterly: u64) {
    let session = format!(
        "/schedule set digest:weekly cron:\"0 9 * * MON\" channel:{weekly}\n\
         /schedule set digest:quarterly cron:\"0 9 1-7 1,4,7,10 MON\" channel:{quarterly}\n"
    );
    let ws = STANDARD_GUILD_ID.to_string();
    let (out, err, code) =
        crate::cli::run_console(dir, &["console", "--json", "--workspace", &ws], &session);
    assert_eq!(code, 0, "{err}");
    for line in out.lines() {
        let v: Value = serde_json::from_str(line).unwrap();
        assert_eq!(v["ok"], true, "{v}");
    }
}

fn discord_env(fake: &FakeDiscord, token: &str) -> Vec<(&'static str, String)> {
    vec![
        ("DISCORD_TOKEN", token.to_string()),
        ("PARTNERFIT_DISCORD_PROXY_URL", fake.base_url()),
    ]
}

/// The environment of a bot on Slack alone, at the fake Slack `fake`.
fn slack_env(fake: &crate::support::fake_slack::FakeSlack) -> [(&'static str, String); 3] {
    use crate::support::fake_slack::{APP_TOKEN, BOT_TOKEN};
    [
        ("SLACK_BOT_TOKEN", BOT_TOKEN.to_string()),
        ("SLACK_APP_TOKEN", APP_TOKEN.to_string()),
        ("PARTNERFIT_SLACK_API_URL", fake.api_url()),
    ]
}

/// The line of the check called `name`.
fn line<'a>(out: &'a str, name: &str) -> &'a str {
    out.lines()
        .find(|l| {
            l[l.char_indices().nth(2).map_or(0, |(i, _)| i)..].starts_with(&format!("{name}:"))
        })
        .unwrap_or_else(|| panic!("no `{name}` line in:\n{out}"))
}

#[tokio::test]
async fn a_ready_setup_passes_every_check() {
    let fake = FakeDiscord::start(FakeConfig::standard()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    schedule(dir.path(), PARTNERS_CHANNEL_ID, PARTNERS_CHANNEL_ID);
    let (code, out, err) = doctor(dir.path(), &discord_env(&fake, STANDARD_TOKEN), &[]).await;
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.lines().all(|l| l.starts_with("✓ ")), "{out}");
    assert!(line(&out, "config").contains("no config file"), "{out}");
    assert!(
        line(&out, "database").contains("sqlite://partnerfit.db answers, migrated to version"),
        "{out}"
    );
    assert!(
        line(&out, "discord token").contains("the bot is partnerfit"),
        "{out}"
    );
    assert!(
        line(&out, "discord intents").contains("message_content = false"),
        "{out}"
    );
    let weekly = line(
        &out,
        &format!("weekly digest of {STANDARD_GUILD_ID}: channel"),
    );
    assert!(
        weekly.contains(&format!(
            "#partners ({PARTNERS_CHANNEL_ID}): the bot may view, send, embed and attach"
        )),
        "{out}"
    );
    let next = line(&out, &format!("weekly digest of {STANDARD_GUILD_ID}: next"));
    assert!(
        next.contains("`0 9 * * MON`: Mon ") && next.contains("09:00 UTC"),
        "{out}"
    );
    assert_eq!(
        out.lines().count(),
        8,
        "config, database, token, intents, 2 × (channel, next)\n{out}"
    );
    // The REST calls it made: the token check, through the proxy.
    assert!(fake
        .requests()
        .iter()
        .any(|r| r.method == "GET" && r.path == "/api/v10/users/@me"));
    assert_eq!(err, "");
}

#[tokio::test]
async fn a_channel_without_a_permission_is_named_with_the_permission() {
    let fake = FakeDiscord::start(FakeConfig::standard()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    schedule(dir.path(), LOCKED_CHANNEL_ID, PARTNERS_CHANNEL_ID);
    let (code, out, err) = doctor(dir.path(), &discord_env(&fake, STANDARD_TOKEN), &[]).await;
    assert_eq!(code, 1, "{out}{err}");
    let weekly = line(
        &out,
        &format!("weekly digest of {STANDARD_GUILD_ID}: channel"),
    );
    assert!(
        weekly.starts_with("✗ ")
            && weekly.contains(&format!("#locked ({LOCKED_CHANNEL_ID}): the bot is missing Send Messages — fix: Give me View Channel, Send Messages, Embed Links and Attach Files there")),
        "{out}"
    );
    let quarterly = line(
        &out,
        &format!("quarterly digest of {STANDARD_GUILD_ID}: channel"),
    );
    assert!(quarterly.starts_with("✓ "), "{out}");
    assert_eq!(err, "partnerfit: error: 1 of 8 checks failed\n");

    // The same as JSON: an object of checks, each with name, ok, detail and fix.
    let (code, out, _) = doctor(dir.path(), &discord_env(&fake, STANDARD_TOKEN), &["--json"]).await;
    assert_eq!(code, 1);
    let v: Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(v["ok"], false);
    let failed: Vec<&Value> = v["checks"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["ok"] == false)
        .collect();
    assert_eq!(failed.len(), 1, "{v}");
    assert_eq!(
        failed[0]["name"],
        format!("weekly digest of {STANDARD_GUILD_ID}: channel")
    );
    assert!(failed[0]["detail"]
        .as_str()
        .unwrap()
        .ends_with("missing Send Messages"));
    assert!(failed[0]["fix"].as_str().unwrap().contains("Send Messages"));
    assert!(v["checks"][0]["fix"].is_null(), "{v}");
}

/// A server error while a channel is checked says nothing of the bot's access there: the line says the check
/// could not be made and what failed, and advises trying again, not granting permissions.
#[tokio::test]
async fn a_server_error_is_not_a_missing_permission() {
    let fake = FakeDiscord::start(FakeConfig::standard()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    schedule(dir.path(), PARTNERS_CHANNEL_ID, PARTNERS_CHANNEL_ID);
    // The bot's member in the server, read for one channel check only: Discord answers 500 once.
    fake.fail_next("/members/", 500, 1);
    let (code, out, err) = doctor(dir.path(), &discord_env(&fake, STANDARD_TOKEN), &[]).await;
    assert_eq!(code, 1, "a check not made is not a pass\n{out}{err}");
    let lines: Vec<&str> = ["weekly", "quarterly"]
        .iter()
        .map(|d| line(&out, &format!("{d} digest of {STANDARD_GUILD_ID}: channel")))
        .collect();
    let failed: Vec<&&str> = lines.iter().filter(|l| l.starts_with("✗ ")).collect();
    assert_eq!(failed.len(), 1, "{out}");
    assert!(
        failed[0].contains(&format!(
            "#partners ({PARTNERS_CHANNEL_ID}) not checked: asking Discord failed (500: Internal Server Error (500 0)) — fix: run doctor again; if it keeps failing, check the network, the proxy URL"
        )),
        "{out}"
    );
    assert!(
        !failed[0].contains("Give me"),
        "no permission advice\n{out}"
    );
    assert_eq!(err, "partnerfit: error: 1 of 8 checks failed\n", "{out}");
}

#[tokio::test]
async fn a_wrong_token_fails_without_being_printed() {
    let fake = FakeDiscord::start(FakeConfig::standard()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    schedule(dir.path(), PARTNERS_CHANNEL_ID, PARTNERS_CHANNEL_ID);
    let secret = "MTIzNDU2.wrong-token.Zm9vYmFy";
    for json in [false, true] {
        let args: &[&str] = if json { &["--json"] } else { &[] };
        let (code, out, err) = doctor(dir.path(), &discord_env(&fake, secret), args).await;
        assert_eq!(code, 1, "{out}{err}");
        assert!(!out.contains(secret) && !err.contains(secret), "{out}{err}");
        assert!(!out.contains("wrong-token"), "{out}");
        if !json {
            let token = line(&out, "discord token");
            assert!(
                token.starts_with("✗ ")
                    && token.contains(
                        "rejected DISCORD_TOKEN (401 Unauthorized) — fix: copy the token again"
                    ),
                "{out}"
            );
            // The channels cannot be checked without a token: said, not crashed.
            assert!(
                line(
                    &out,
                    &format!("weekly digest of {STANDARD_GUILD_ID}: channel")
                )
                .contains("not checked"),
                "{out}"
            );
        }
    }
}

#[tokio::test]
async fn no_token_is_a_failed_line_not_a_crash() {
    let dir = tempfile::tempdir().unwrap();
    schedule(dir.path(), PARTNERS_CHANNEL_ID, PARTNERS_CHANNEL_ID);
    let (code, out, err) = doctor(dir.path(), &[], &[]).await;
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        line(&out, "discord token")
            .starts_with("✗ discord token: DISCORD_TOKEN is not set — fix: "),
        "{out}"
    );
    assert!(line(&out, "database").starts_with("✓ "), "{out}");
    assert_eq!(err, "partnerfit: error: 3 of 7 checks failed\n", "{out}");
}

#[tokio::test]
async fn a_missing_or_unreachable_database_fails_and_nothing_is_created() {
    let fake = FakeDiscord::start(FakeConfig::standard()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (code, out, _) = doctor(dir.path(), &discord_env(&fake, STANDARD_TOKEN), &[]).await;
    assert_eq!(code, 1, "{out}");
    let db = line(&out, "database");
    assert!(
        db.starts_with("✗ database: cannot open sqlite://partnerfit.db")
            && db.contains("partnerfit migrate"),
        "{out}"
    );
    assert!(
        !dir.path().join("partnerfit.db").exists(),
        "doctor creates nothing"
    );
    // The other checks still run.
    assert!(line(&out, "discord token").starts_with("✓ "), "{out}");

    // A PostgreSQL server that is not there (nothing listens on port 1), with a password in the URL.
    let url = "postgres://app:pw-s3cret@127.0.0.1:1/partnerfit";
    let (code, out, err) = doctor(
        dir.path(),
        &discord_env(&fake, STANDARD_TOKEN),
        &["--database", url],
    )
    .await;
    assert_eq!(code, 1, "{out}{err}");
    let db = line(&out, "database");
    assert!(
        db.starts_with("✗ database: cannot open postgres://app:***@127.0.0.1:1/partnerfit"),
        "{out}"
    );
    assert!(
        !out.contains("pw-s3cret") && !err.contains("pw-s3cret"),
        "{out}{err}"
    );
}

#[tokio::test]
async fn message_content_needs_the_portal_switch() {
    let dir = tempfile::tempdir().unwrap();
    schedule(dir.path(), PARTNERS_CHANNEL_ID, PARTNERS_CHANNEL_ID);
    for (switched_on, code) in [(false, 1), (true, 0)] {
        let config = if switched_on {
            FakeConfig::standard().with_message_content()
        } else {
            FakeConfig::standard()
        };
        let fake = FakeDiscord::start(config).await.unwrap();
        let mut env = discord_env(&fake, STANDARD_TOKEN);
        env.push(("PARTNERFIT_DISCORD_MESSAGE_CONTENT", "true".into()));
        let (got, out, err) = doctor(dir.path(), &env, &[]).await;
        assert_eq!(got, code, "{out}{err}");
        let intents = line(&out, "discord intents");
        if switched_on {
            assert!(
                intents.starts_with("✓ ") && intents.contains("switched on"),
                "{out}"
            );
        } else {
            assert!(
                intents.starts_with("✗ ")
                    && intents.contains("would close the gateway (4014)")
                    && intents.contains("fix: switch on Message Content Intent"),
                "{out}"
            );
        }
    }
}

#[tokio::test]
async fn on_slack_the_bot_must_be_in_each_digest_channel() {
    use crate::support::fake_slack::{self, FakeSlack};
    let fake = FakeSlack::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let ws = format!("slack:{}", fake_slack::TEAM_ID);
    let session = format!(
        "/schedule set digest:weekly cron:\"0 9 * * MON\" channel:{}\n\
         /schedule set digest:quarterly cron:\"0 9 1-7 1,4,7,10 MON\" channel:{}\n",
        fake_slack::GENERAL_CHANNEL_ID,
        fake_slack::PARTNERS_CHANNEL_ID
    );
    let (_, err, code) =
        crate::cli::run_console(dir.path(), &["console", "--workspace", &ws], &session);
    assert_eq!(code, 0, "{err}");
    let env = slack_env(&fake);
    let (code, out, err) = doctor(dir.path(), &env, &[]).await;
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        line(&out, "discord token").starts_with("✓ "),
        "Slack alone is fine\n{out}"
    );
    assert!(
        line(&out, "slack token").contains(&format!("team {}", fake_slack::TEAM_ID)),
        "{out}"
    );
    let weekly = line(&out, &format!("weekly digest of {ws}: channel"));
    assert!(
        weekly.starts_with("✗ ") && weekly.contains("the bot is not a member of #general — fix: Invite me there with /invite @partnerfit"),
        "{out}"
    );
    assert!(
        line(&out, &format!("quarterly digest of {ws}: channel")).starts_with("✓ "),
        "{out}"
    );
    assert!(!out.contains(fake_slack::BOT_TOKEN) && !out.contains(fake_slack::APP_TOKEN));
    assert_eq!(err, "partnerfit: error: 1 of 8 checks failed\n", "{out}");
}

/// auth.test asks about the token alone: a final refusal that is not one of the token-refused codes (an
/// app-level token given as the bot token: `not_allowed_token_type`) is still the token's, not the network's.
#[tokio::test]
async fn a_token_of_the_wrong_type_is_reported_as_refused() {
    use crate::support::fake_slack::FakeSlack;
    let fake = FakeSlack::start().await.unwrap();
    fake.fail_next("auth.test", "not_allowed_token_type", 1);
    let dir = tempfile::tempdir().unwrap();
    let env = slack_env(&fake);
    let (code, out, err) = doctor(dir.path(), &env, &[]).await;
    assert_eq!(code, 1, "{out}{err}");
    assert_eq!(
        line(&out, "slack token"),
        "✗ slack token: Slack refused SLACK_BOT_TOKEN (not_allowed_token_type) — fix: copy the Bot User OAuth Token (xoxb-…) again from OAuth & Permissions",
        "{out}"
    );
}
