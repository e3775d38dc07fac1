//! `/schedule set` in a server whose details Discord has not sent yet (issue 15, item 2): the bot cannot
//! compute its permissions there from its cache, so it asks Discord. A channel of that server is taken; a
//! channel of another server is still refused. No false refusal, no channel of another server.

use super::{beside, console, OTHER_CHANNEL_ID, OTHER_GUILD_ID};
use crate::support::bot::{content, nested, opt, Bot, WAIT};
use crate::support::fake_discord::{
    slash_command, FakeChannel, FakeConfig, FakeDiscord, FakeGuild, FakeOptions, Invoker,
    PARTNERS_CHANNEL_ID,
};
use serde_json::{json, Value};

#[tokio::test]
async fn a_server_not_loaded_yet_gets_a_clear_answer_and_still_no_foreign_channel() {
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
    let options = FakeOptions {
        withheld_guilds: vec![OTHER_GUILD_ID],
        ..FakeOptions::default()
    };
    let fake = FakeDiscord::start_with_options(config, options)
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let bot = Bot::start(&fake, dir.path(), &[]);
    fake.wait_ready(WAIT)
        .await
        .unwrap_or_else(|e| panic!("{e}\n{}", bot.log_text()));
    // A lead of the withheld server sets a schedule on a channel: first one of the standard server, then its own.
    let set = |channel: u64| {
        let fake = fake.clone();
        async move {
            let payload = slash_command(
                Some(OTHER_GUILD_ID),
                OTHER_CHANNEL_ID,
                &Invoker::lead(),
                "schedule",
                nested(
                    &["set"],
                    vec![
                        opt("digest", json!("weekly")),
                        opt("cron", json!("default")),
                        json!({"name": "channel", "type": 7, "value": channel.to_string()}),
                    ],
                ),
            );
            let id = fake.send_interaction(payload).await.unwrap();
            fake.interaction_response(id, WAIT).await.unwrap()
        }
    };
    let r = set(PARTNERS_CHANNEL_ID).await;
    assert_eq!(
        content(&r),
        format!(
            "⚠ I cannot post in <#{PARTNERS_CHANNEL_ID}>: that channel is not in this server (or I cannot see it). Give me View Channel, Send Messages, Embed Links and Attach Files there, or pick another channel."
        ),
        "{r}"
    );
    let app = beside(dir.path()).await;
    let ws = OTHER_GUILD_ID.to_string();
    let v = console(&app, &ws, "/schedule show").await;
    assert_eq!(v["reply"]["schedules"][0]["cron"], Value::Null, "{v}");
    // Its own channel: the permissions are read over REST (the channel, the roles, the bot's member), so it is
    // taken, with no note.
    let r = set(OTHER_CHANNEL_ID).await;
    assert_eq!(
        r["data"]["embeds"][0]["title"], "Scheduled the weekly digest",
        "{r}"
    );
    assert_eq!(r["data"]["embeds"][0]["footer"], Value::Null, "{r}");
    let v = console(&app, &ws, "/schedule show").await;
    assert_eq!(
        v["reply"]["schedules"][0]["channel"],
        OTHER_CHANNEL_ID.to_string(),
        "{v}"
    );
}
