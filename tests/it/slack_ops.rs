//! The Slack bot as a service: scheduled digests (with their chart, once per period, across a restart), a
//! socket refresh, a rate limit, tokens refused at start and revoked while running, and Discord and Slack
//! served by one process.

use crate::support::bot::{slash as discord_slash, title, Bot, WAIT};
use crate::support::fake_discord::{FakeConfig, FakeDiscord, Invoker};
use crate::support::fake_slack::*;
use crate::support::scenario::steady_zone;
use crate::support::slack_bot::{self, header, is_ephemeral, slack_env, slash, start, text};
use std::time::Duration;

fn digests(fake: &FakeSlack) -> Vec<Posted> {
    fake.messages_in(PARTNERS_CHANNEL_ID)
        .into_iter()
        .filter(|m| m.body["files"].is_array())
        .collect()
}

#[tokio::test]
async fn digests_are_posted_once_with_their_chart_across_a_restart() {
    let fake = FakeSlack::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let bot = start(&fake, dir.path(), &[]);
    fake.wait_connected(WAIT).await.unwrap();
    let lead = |t: &'static str| slash(&fake, ADMIN_USER_ID, t);
    lead("settings roles review:<!subteam^S0REVIEW1|@revops>").await;
    // a time zone where neither period begins while the test runs: each digest has one period to post
    let zone = steady_zone();
    let r = slash(
        &fake,
        ADMIN_USER_ID,
        &format!("settings set key:timezone value:{zone}"),
    )
    .await;
    assert!(header(&r).contains("updated"), "{}", text(&r));
    // a channel the bot is not in is refused at set time, with the reason and what to do
    let r =
        lead(r#"schedule set digest:weekly cron:"* * * * * *" channel:<#C0GENERAL|general>"#).await;
    assert!(is_ephemeral(&r), "{}", text(&r));
    assert!(
        text(&r).contains("I am not a member of #general")
            && text(&r).contains("/invite @partnerfit"),
        "{}",
        text(&r)
    );
    // `#partners` as typed (no escaping by Slack) is resolved to its id
    let r = lead(r#"schedule set digest:weekly cron:"* * * * * *" channel:#partners"#).await;
    assert_eq!(header(&r), "Scheduled the weekly digest", "{}", text(&r));
    let weekly = fake
        .wait_posted("the weekly digest", 1, WAIT, |m| m.body["files"].is_array())
        .await
        .unwrap_or_else(|e| panic!("{e}\n{}", bot.log_text()));
    assert!(
        header_of(&weekly[0].blocks)
            .unwrap()
            .starts_with("Weekly allocation check"),
        "{:?}",
        weekly[0].blocks
    );
    assert!(
        weekly[0].pings.is_empty(),
        "a weekly digest mentions no one: {:?}",
        weekly[0].pings
    );
    // the quarterly re-check mentions the review group, and only it
    lead(r#"schedule set digest:quarterly cron:"* * * * * *" channel:<#C0PARTNER|partners>"#).await;
    let both = fake
        .wait_posted("the quarterly digest", 2, WAIT, |m| {
            m.body["files"].is_array()
        })
        .await
        .unwrap();
    let quarterly = &both[1];
    assert!(
        header_of(&quarterly.blocks)
            .unwrap()
            .starts_with("Quarterly re-check"),
        "{:?}",
        quarterly.blocks
    );
    assert_eq!(quarterly.pings, [format!("<!subteam^{REVIEW_GROUP_ID}>")]);
    // each chart went through the external upload flow, shared with its digest
    let uploads = fake.uploads();
    assert_eq!(uploads.len(), 2);
    for u in &uploads {
        assert!(
            u.bytes.as_deref().unwrap().starts_with(b"\x89PNG"),
            "{}",
            u.filename
        );
        assert_eq!(u.shared_in.as_deref(), Some(PARTNERS_CHANNEL_ID));
    }
    assert!(
        fake.calls_of("files.upload").is_empty(),
        "the retired files.upload is never used"
    );
    bot.wait_ticks(2).await;
    assert_eq!(digests(&fake).len(), 2, "once per period");

    // a restart does not post the periods again
    assert_eq!(bot.terminate().await, Some(0), "clean exit on SIGTERM");
    let bot = start(&fake, dir.path(), &[]);
    fake.wait_connections_opened(2, WAIT).await.unwrap();
    bot.wait_ticks(3).await;
    assert_eq!(digests(&fake).len(), 2, "{}", bot.log_text());
    assert_eq!(fake.uploads().len(), 2);
    let r = slash(&fake, MEMBER_USER_ID, "schedule show").await;
    assert!(text(&r).contains("posted"), "{}", text(&r));
}

#[tokio::test]
async fn a_socket_refresh_and_a_rate_limit_are_survived() {
    let fake = FakeSlack::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let bot = start(&fake, dir.path(), &[]);
    fake.wait_connected(WAIT).await.unwrap();
    assert_eq!(
        header(&slash(&fake, MEMBER_USER_ID, "schedule show").await),
        "Digest schedules"
    );
    // Slack asks for a refresh: the bot opens a new connection and keeps answering
    fake.request_refresh();
    fake.wait_connections_opened(2, WAIT).await.unwrap();
    let r = slash(&fake, MEMBER_USER_ID, "profile list").await;
    assert!(!r.text.starts_with('⚠'), "{}", text(&r));
    assert_eq!(fake.live_connections(), 1);
    // a 429 is retried after its Retry-After
    fake.rate_limit("chat.postMessage", 1, 1);
    let e = fake.mention(MEMBER_USER_ID, PARTNERS_CHANNEL_ID, "does Acme fit?");
    fake.ack(&e, WAIT).await.unwrap();
    let calls = fake.wait_calls("chat.postMessage", 2, WAIT).await.unwrap();
    assert_eq!((calls[0].status, calls[1].status), (429, 200));
    assert!(
        calls[1].at - calls[0].at >= Duration::from_secs(1),
        "retried after {:?}",
        calls[1].at - calls[0].at
    );
    let answer = fake.messages_in(PARTNERS_CHANNEL_ID);
    assert_eq!(answer.len(), 1, "posted once");
    assert!(
        all_text(&answer[0]).contains("Acme"),
        "{}",
        all_text(&answer[0])
    );
    // every envelope was acknowledged, and nothing else was sent on the socket
    assert!(fake.stray_frames().is_empty(), "{:?}", fake.stray_frames());
    drop(bot);
}

#[tokio::test]
async fn tokens_missing_or_refused_are_one_line_and_exit_2() {
    let fake = FakeSlack::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}", dir.path().join("t.db").display());
    let env = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
        let mut e = vec![("PARTNERFIT_SLACK_API_URL".to_string(), fake.api_url())];
        e.extend(pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())));
        e
    };
    for (pairs, expected) in [
        (
            vec![],
            "DISCORD_TOKEN is not set, nor SLACK_BOT_TOKEN and SLACK_APP_TOKEN",
        ),
        (
            vec![("SLACK_BOT_TOKEN", BOT_TOKEN)],
            "SLACK_APP_TOKEN is not set",
        ),
        (
            vec![
                ("SLACK_BOT_TOKEN", "xoxb-wrong"),
                ("SLACK_APP_TOKEN", APP_TOKEN),
            ],
            "SLACK_BOT_TOKEN was refused by Slack (invalid_auth)",
        ),
        (
            vec![
                ("SLACK_BOT_TOKEN", BOT_TOKEN),
                ("SLACK_APP_TOKEN", "xapp-wrong"),
            ],
            "SLACK_APP_TOKEN was refused by Slack (invalid_auth)",
        ),
        (
            vec![
                ("SLACK_BOT_TOKEN", APP_TOKEN),
                ("SLACK_APP_TOKEN", BOT_TOKEN),
            ],
            "SLACK_BOT_TOKEN must be the bot token",
        ),
    ] {
        let mut bot = slack_bot::spawn(dir.path(), &db, &env(&pairs));
        assert_eq!(
            bot.wait_exit().await,
            Some(2),
            "{expected}: {}",
            bot.log_text()
        );
        let log = bot.log_text();
        let errors: Vec<&str> = log
            .lines()
            .filter(|l| l.starts_with("partnerfit: error:"))
            .collect();
        assert_eq!(errors.len(), 1, "{log}");
        assert!(errors[0].contains(expected), "{expected}: {log}");
        assert!(
            !log.contains("xoxb-fake") && !log.contains("xapp-1-fake"),
            "no token in the output: {log}"
        );
    }
    // revoked while running: one line, then the Slack side stops (exit 2 when it was the only one). The
    // command's first Web API call meets the refusal; the process may stop before its ack of the envelope is
    // written, so the exit, not the ack, is what is awaited.
    let mut bot = start(&fake, dir.path(), &[]);
    fake.wait_connected(WAIT).await.unwrap();
    fake.revoke(BOT_TOKEN);
    fake.slash(MEMBER_USER_ID, PARTNERS_CHANNEL_ID, "schedule show");
    assert_eq!(bot.wait_exit().await, Some(2), "{}", bot.log_text());
    assert_eq!(
        bot.log_text()
            .matches("Slack refused the bot token")
            .count(),
        1,
        "{}",
        bot.log_text()
    );
}

#[tokio::test]
async fn discord_and_slack_in_one_process_stay_apart_and_discord_outlives_a_revoked_slack_token() {
    let discord = FakeDiscord::start(FakeConfig::standard()).await.unwrap();
    let fake = FakeSlack::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let env = slack_env(&fake);
    let extra: Vec<(&str, &str)> = env.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let bot = Bot::start(&discord, dir.path(), &extra);
    discord.wait_ready(WAIT).await.unwrap();
    fake.wait_connected(WAIT).await.unwrap();
    // one database, two workspaces: a partner added on Slack is not on the Discord server
    slash(
        &fake,
        ADMIN_USER_ID,
        r#"profile create type:reseller name:"Resellers""#,
    )
    .await;
    let r = slash(
        &fake,
        ADMIN_USER_ID,
        r#"partner add name:"Slack Only Co" type:reseller"#,
    )
    .await;
    assert!(header(&r).contains("Slack Only Co"), "{}", text(&r));
    let lead = Invoker::lead();
    let d = discord_slash(&discord, &lead, &["partner", "list"], vec![]).await;
    assert!(!d.to_string().contains("Slack Only Co"), "{d}");
    let s = slash(&fake, ADMIN_USER_ID, "partner list").await;
    assert!(text(&s).contains("Slack Only Co"), "{}", text(&s));
    // Slack's token is revoked: one line, Slack stops, Discord keeps answering
    fake.revoke(BOT_TOKEN);
    let (eid, rid) = fake.slash(GROUP_LEAD_USER_ID, PARTNERS_CHANNEL_ID, "schedule show");
    fake.ack(&eid, WAIT).await.unwrap();
    let r = fake.response(rid, 1, WAIT).await.unwrap();
    assert!(
        is_ephemeral(&r),
        "the caller is told something went wrong: {}",
        all_text(&r)
    );
    bot.wait_log("Slack refused the bot token").await;
    let d = discord_slash(&discord, &lead, &["schedule", "show"], vec![]).await;
    assert_eq!(title(&d), "Digest schedules", "{d}");
    assert_eq!(
        bot.log_text()
            .matches("Slack refused the bot token")
            .count(),
        1
    );
    assert_eq!(bot.terminate().await, Some(0));
}
