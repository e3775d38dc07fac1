//! Self-tests of the fake Discord (`support::fake_discord`), driven by a minimal serenity 0.12
//! client — not the partnerfit bot — so a failure here is the fake's fault. Here: the client and the
//! interaction round trips; the gateway in `fake_selftest/gateway.rs`, REST answers in `fake_selftest/rest.rs`.

use std::sync::Arc;
use std::time::Duration;

use anyhow::{bail, Context as _};
use serde_json::{json, Value};
use serenity::async_trait;
use serenity::builder::{
    CreateActionRow, CreateAttachment, CreateAutocompleteResponse, CreateCommand,
    CreateCommandOption, CreateEmbed, CreateInputText, CreateInteractionResponse,
    CreateInteractionResponseFollowup, CreateInteractionResponseMessage, CreateModal,
    EditInteractionResponse,
};
use serenity::client::{ClientBuilder, Context, EventHandler};
use serenity::gateway::ShardManager;
use serenity::http::{Http, HttpBuilder, HttpError};
use serenity::model::application::{
    ActionRowComponent, Command, CommandOptionType, InputTextStyle, Interaction,
};
use serenity::model::channel::Message;
use serenity::model::gateway::{GatewayIntents, Ready};
use serenity::model::id::{ApplicationId, ChannelId, GuildId, InteractionId, UserId};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

use crate::support::fake_discord::*;

mod gateway;
mod rest;

const T: Duration = Duration::from_secs(10);

// ---------------------------------------------------------------------------------------------
// A minimal serenity bot
// ---------------------------------------------------------------------------------------------

enum Signal {
    Ready(Option<[u32; 2]>),
    CacheReady(Context),
}

struct Handler {
    tx: mpsc::UnboundedSender<Signal>,
}

#[async_trait]
impl EventHandler for Handler {
    async fn ready(&self, _ctx: Context, ready: Ready) {
        let _ = self
            .tx
            .send(Signal::Ready(ready.shard.map(|s| [s.id.0, s.total])));
    }

    async fn cache_ready(&self, ctx: Context, _guilds: Vec<GuildId>) {
        let _ = self.tx.send(Signal::CacheReady(ctx));
    }

    async fn interaction_create(&self, ctx: Context, interaction: Interaction) {
        if let Err(e) = handle_interaction(&ctx, interaction).await {
            eprintln!("selftest bot: interaction handler failed: {e:?}");
        }
    }

    async fn message(&self, ctx: Context, msg: Message) {
        if !msg.author.bot && msg.mentions_me(&ctx).await.unwrap_or(false) {
            let _ = msg
                .channel_id
                .say(&ctx.http, format!("hello {}", msg.author.name))
                .await;
        }
    }
}

fn reply(content: impl Into<String>) -> CreateInteractionResponse {
    CreateInteractionResponse::Message(CreateInteractionResponseMessage::new().content(content))
}

fn discord_code(e: &serenity::Error) -> Option<(u16, isize)> {
    match e {
        serenity::Error::Http(HttpError::UnsuccessfulRequest(r)) => {
            Some((r.status_code.as_u16(), r.error.code))
        }
        _ => None,
    }
}

async fn handle_interaction(ctx: &Context, interaction: Interaction) -> serenity::Result<()> {
    match interaction {
        Interaction::Command(cmd) => match cmd.data.name.as_str() {
            "ping" => {
                cmd.create_response(&ctx.http, reply(format!("pong {}", cmd.user.name)))
                    .await
            }
            "export" => {
                let msg = CreateInteractionResponseMessage::new()
                    .content("export attached")
                    .add_file(CreateAttachment::bytes(
                        b"a,b\n1,2\n".to_vec(),
                        "export.csv",
                    ));
                cmd.create_response(&ctx.http, CreateInteractionResponse::Message(msg))
                    .await
            }
            "import" => {
                let Some(att) = cmd.data.resolved.attachments.values().next() else {
                    return cmd.create_response(&ctx.http, reply("no attachment")).await;
                };
                let bytes = att.download().await?;
                let text = String::from_utf8_lossy(&bytes).into_owned();
                cmd.create_response(
                    &ctx.http,
                    reply(format!("imported {} bytes: {text}", bytes.len())),
                )
                .await
            }
            "slow" => {
                cmd.defer(&ctx.http).await?;
                cmd.edit_response(&ctx.http, EditInteractionResponse::new().content("done"))
                    .await?;
                cmd.create_followup(
                    &ctx.http,
                    CreateInteractionResponseFollowup::new().content("and more"),
                )
                .await?;
                Ok(())
            }
            "hushed" => {
                // Discord: the first follow-up after a deferral still loading resolves it, as public as the
                // deferral whatever its own flags; the next is a message of its own.
                cmd.defer(&ctx.http).await?;
                for text in ["secret", "second secret"] {
                    cmd.create_followup(
                        &ctx.http,
                        CreateInteractionResponseFollowup::new()
                            .content(text)
                            .ephemeral(true),
                    )
                    .await?;
                }
                Ok(())
            }
            "twice" => {
                cmd.create_response(&ctx.http, reply("first")).await?;
                let second = cmd.create_response(&ctx.http, reply("second")).await;
                let text = match second {
                    Ok(()) => "second ack accepted".to_string(),
                    Err(e) => format!("second ack refused: {:?}", discord_code(&e)),
                };
                cmd.create_followup(
                    &ctx.http,
                    CreateInteractionResponseFollowup::new().content(text),
                )
                .await?;
                Ok(())
            }
            "form" => {
                let modal = CreateModal::new("profile-form", "Partner profile").components(vec![
                    CreateActionRow::InputText(CreateInputText::new(
                        InputTextStyle::Short,
                        "Company",
                        "company",
                    )),
                ]);
                cmd.create_response(&ctx.http, CreateInteractionResponse::Modal(modal))
                    .await
            }
            "huge" => {
                // serenity's builder only checks an embed's 6000-character total, not the
                // 1024-character limit of a field value: Discord (and the fake) refuse it.
                let embed =
                    CreateEmbed::new()
                        .title("Profile")
                        .field("notes", "x".repeat(1025), false);
                let msg = CreateInteractionResponseMessage::new().embed(embed);
                cmd.create_response(&ctx.http, CreateInteractionResponse::Message(msg))
                    .await
            }
            other => {
                cmd.create_response(&ctx.http, reply(format!("unknown command {other}")))
                    .await
            }
        },
        Interaction::Autocomplete(ac) => {
            let typed = ac
                .data
                .autocomplete()
                .map(|o| o.value.to_string())
                .unwrap_or_default();
            let choices = CreateAutocompleteResponse::new()
                .add_string_choice(format!("match {typed}"), typed);
            ac.create_response(&ctx.http, CreateInteractionResponse::Autocomplete(choices))
                .await
        }
        Interaction::Component(c) => {
            let text = match &c.data.kind {
                serenity::model::application::ComponentInteractionDataKind::StringSelect {
                    values,
                } => {
                    format!("picked {}", values.join(","))
                }
                _ => format!("clicked {} on {}", c.data.custom_id, c.message.id),
            };
            c.create_response(&ctx.http, reply(text)).await
        }
        Interaction::Modal(m) => {
            let mut values = Vec::new();
            for row in &m.data.components {
                for comp in &row.components {
                    if let ActionRowComponent::InputText(t) = comp {
                        values.push(format!(
                            "{}={}",
                            t.custom_id,
                            t.value.clone().unwrap_or_default()
                        ));
                    }
                }
            }
            m.create_response(
                &ctx.http,
                reply(format!("{}: {}", m.data.custom_id, values.join(" "))),
            )
            .await
        }
        _ => Ok(()),
    }
}

fn http_for(fake: &FakeDiscord, token: &str) -> Http {
    let http = HttpBuilder::new(token)
        .proxy(fake.base_url())
        .ratelimiter_disabled(true)
        .build();
    http.set_application_id(ApplicationId::new(fake.config().application_id));
    http
}

struct TestBot {
    shard_manager: Arc<ShardManager>,
    task: JoinHandle<serenity::Result<()>>,
    signals: mpsc::UnboundedReceiver<Signal>,
}

impl TestBot {
    async fn start(fake: &FakeDiscord, token: &str) -> anyhow::Result<TestBot> {
        Self::start_shards(fake, token, 1).await
    }

    async fn start_shards(fake: &FakeDiscord, token: &str, shards: u32) -> anyhow::Result<TestBot> {
        let (tx, signals) = mpsc::unbounded_channel();
        let http = HttpBuilder::new(token)
            .proxy(fake.base_url())
            .ratelimiter_disabled(true)
            .build();
        let mut client = ClientBuilder::new_with_http(
            http,
            GatewayIntents::GUILDS | GatewayIntents::GUILD_MESSAGES,
        )
        .event_handler(Handler { tx })
        .await?;
        let shard_manager = client.shard_manager.clone();
        let task = tokio::spawn(async move { client.start_shards(shards).await });
        Ok(TestBot {
            shard_manager,
            task,
            signals,
        })
    }

    async fn next_signal(&mut self, timeout: Duration) -> anyhow::Result<Signal> {
        match tokio::time::timeout(timeout, self.signals.recv()).await {
            Ok(Some(s)) => Ok(s),
            Ok(None) => bail!("bot handler gone"),
            Err(_) => bail!("no bot event within {timeout:?}"),
        }
    }

    async fn cache_ready(&mut self, timeout: Duration) -> anyhow::Result<Context> {
        loop {
            if let Signal::CacheReady(ctx) = self.next_signal(timeout).await? {
                return Ok(ctx);
            }
        }
    }

    async fn stop(self) {
        self.shard_manager.shutdown_all().await;
        let _ = tokio::time::timeout(Duration::from_secs(10), self.task).await;
    }
}

async fn started() -> anyhow::Result<(FakeDiscord, TestBot)> {
    let fake = FakeDiscord::start(FakeConfig::standard()).await?;
    let bot = TestBot::start(&fake, STANDARD_TOKEN).await?;
    fake.wait_ready(T).await?;
    Ok((fake, bot))
}

async fn ping(fake: &FakeDiscord) -> anyhow::Result<Value> {
    let id = fake
        .send_interaction(slash_command(
            Some(STANDARD_GUILD_ID),
            PARTNERS_CHANNEL_ID,
            &Invoker::lead(),
            "ping",
            json!([]),
        ))
        .await?;
    fake.interaction_response(id, T).await
}

// ---------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ready_fills_the_cache_with_channel_permissions() -> anyhow::Result<()> {
    let (fake, mut bot) = started().await?;
    let ctx = bot.cache_ready(T).await?;
    let (name, locked, partners) = {
        let guild = ctx
            .cache
            .guild(GuildId::new(STANDARD_GUILD_ID))
            .context("guild not in cache")?;
        let me = guild
            .members
            .get(&UserId::new(STANDARD_BOT_USER_ID))
            .context("bot member not in cache")?;
        let ch = |id| {
            guild
                .channels
                .get(&ChannelId::new(id))
                .context("channel not in cache")
        };
        (
            guild.name.clone(),
            guild.user_permissions_in(ch(LOCKED_CHANNEL_ID)?, me),
            guild.user_permissions_in(ch(PARTNERS_CHANNEL_ID)?, me),
        )
    };
    assert_eq!(name, "Acme Partnerships");
    assert!(
        !locked.send_messages(),
        "bot must not be able to send in #locked: {locked:?}"
    );
    assert!(locked.view_channel());
    assert!(partners.send_messages() && partners.embed_links() && partners.attach_files());
    assert!(!partners.manage_guild(), "the bot is no admin");
    assert_eq!(ctx.cache.current_user().id.get(), STANDARD_BOT_USER_ID);
    assert_eq!(fake.identify_count(), 1);
    assert_eq!(fake.resume_count(), 0);
    assert!(fake.requests().iter().any(|r| r.path == "/api/v10/gateway"));
    bot.stop().await;
    fake.wait_disconnected(T).await?;
    fake.shutdown().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn interactions_and_mentions_round_trip() -> anyhow::Result<()> {
    let (fake, bot) = started().await?;
    let g = Some(STANDARD_GUILD_ID);

    let body = ping(&fake).await?;
    assert_eq!(body["type"], 4);
    assert_eq!(body["data"]["content"], "pong lena.lead");

    // DM command: `user` instead of `member`.
    let id = fake
        .send_interaction(slash_command(
            None,
            7777,
            &Invoker::guest(),
            "ping",
            json!([]),
        ))
        .await?;
    assert_eq!(
        fake.interaction_response(id, T).await?["data"]["content"],
        "pong gus.guest"
    );

    // Nested subcommand options + autocomplete.
    let opts = json!([{"name": "profile", "type": 2, "options": [
        {"name": "show", "type": 1, "options": [{"name": "partner", "type": 3, "value": "ac", "focused": true}]}]}]);
    let id = fake
        .send_interaction(autocomplete(
            g,
            PARTNERS_CHANNEL_ID,
            &Invoker::member(),
            "ipp",
            opts,
        ))
        .await?;
    let body = fake.interaction_response(id, T).await?;
    assert_eq!(body["type"], 8);
    assert_eq!(body["data"]["choices"][0]["value"], "ac");

    let id = fake
        .send_interaction(button_click(
            g,
            PARTNERS_CHANNEL_ID,
            &Invoker::member(),
            "approve:42",
            9001,
        ))
        .await?;
    assert_eq!(
        fake.interaction_response(id, T).await?["data"]["content"],
        "clicked approve:42 on 9001"
    );

    let id = fake
        .send_interaction(select_menu(
            g,
            PARTNERS_CHANNEL_ID,
            &Invoker::member(),
            "tier",
            9002,
            &["gold", "silver"],
        ))
        .await?;
    assert_eq!(
        fake.interaction_response(id, T).await?["data"]["content"],
        "picked gold,silver"
    );

    let id = fake
        .send_interaction(slash_command(
            g,
            PARTNERS_CHANNEL_ID,
            &Invoker::lead(),
            "form",
            json!([]),
        ))
        .await?;
    let body = fake.interaction_response(id, T).await?;
    assert_eq!(body["type"], 9);
    assert_eq!(body["data"]["custom_id"], "profile-form");
    let id = fake
        .send_interaction(modal_submit(
            g,
            PARTNERS_CHANNEL_ID,
            &Invoker::lead(),
            "profile-form",
            &[("company", "Acme"), ("tier", "gold")],
        ))
        .await?;
    assert_eq!(
        fake.interaction_response(id, T).await?["data"]["content"],
        "profile-form: company=Acme tier=gold"
    );

    // A mention in #partners: the bot answers with a channel message.
    fake.send_message_create(mention_message(
        g,
        PARTNERS_CHANNEL_ID,
        &Invoker::member(),
        STANDARD_BOT_USER_ID,
        "hi",
    ))
    .await?;
    let r = fake
        .wait_request(
            |r| r.method == "POST" && r.path == "/api/v10/channels/3000/messages",
            T,
        )
        .await?;
    assert_eq!(r.body["content"], "hello milo.member");
    assert_eq!(fake.channel_messages(PARTNERS_CHANNEL_ID).len(), 1);
    assert!(
        fake.unknown_route_requests().is_empty(),
        "{}",
        fake.request_summary()
    );

    bot.stop().await;
    fake.shutdown().await;
    Ok(())
}

/// As on Discord (discord-api-docs#2742, #3466): a follow-up sent while a deferred message is still loading
/// becomes that message (its id, the deferral's privacy: its own flag 64 ignored); the next follow-up is a
/// message of its own, private as asked.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_followup_to_a_loading_deferral_becomes_the_deferred_message() -> anyhow::Result<()> {
    let (fake, bot) = started().await?;
    let id = fake
        .send_interaction(slash_command(
            Some(STANDARD_GUILD_ID),
            PARTNERS_CHANNEL_ID,
            &Invoker::lead(),
            "hushed",
            json!([]),
        ))
        .await?;
    assert_eq!(fake.interaction_response(id, T).await?["type"], 5);
    let path = fake.wait_followup(id, T).await?.path;
    let posts = fake
        .wait_requests(|r| r.method == "POST" && r.path == path, 2, T)
        .await?;
    let original = fake.original_message(id).context("original")?;
    assert_eq!(posts[0].response["id"], original["id"]);
    assert_eq!(original["content"], "secret");
    assert_eq!(original["flags"].as_u64().unwrap_or(0) & (64 | 128), 0);
    assert_eq!(fake.followup_resolution(id), Some(original.clone()));
    assert_ne!(posts[1].response["id"], original["id"]);
    assert_eq!(posts[1].response["flags"].as_u64().unwrap_or(0) & 64, 64);
    let shown: Vec<Value> = fake
        .shown_messages(id)
        .iter()
        .map(|m| m["content"].clone())
        .collect();
    assert_eq!(shown, [json!("secret"), json!("second secret")]);

    bot.stop().await;
    fake.shutdown().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deferred_replies_followups_files_and_double_acks() -> anyhow::Result<()> {
    let (fake, bot) = started().await?;
    let g = Some(STANDARD_GUILD_ID);
    let lead = Invoker::lead();

    // Deferred reply, then edit of @original and a follow-up.
    let id = fake
        .send_interaction(slash_command(
            g,
            PARTNERS_CHANNEL_ID,
            &lead,
            "slow",
            json!([]),
        ))
        .await?;
    assert_eq!(fake.interaction_response(id, T).await?["type"], 5);
    let patch = fake
        .wait_request(
            |r| r.method == "PATCH" && r.path.ends_with("/messages/@original"),
            T,
        )
        .await?;
    assert_eq!(patch.status, 200);
    let follow = fake.wait_followup(id, T).await?;
    assert_eq!(follow.body["content"], "and more");
    assert_eq!(
        fake.original_message(id).context("original")?["content"],
        "done"
    );
    assert_eq!(fake.followups(id).len(), 1);

    // A reply with a file (multipart).
    let id = fake
        .send_interaction(slash_command(
            g,
            PARTNERS_CHANNEL_ID,
            &lead,
            "export",
            json!([]),
        ))
        .await?;
    let rec = fake.interaction_response_recorded(id, T).await?;
    assert_eq!(rec.body["data"]["content"], "export attached");
    assert_eq!(rec.body["_files"][0]["filename"], "export.csv");
    assert_eq!(rec.body["_files"][0]["size"], 8);
    assert_eq!(rec.files[0].bytes, b"a,b\n1,2\n");

    // An attachment the bot downloads from the fake.
    let url = fake.host_file("partners.csv", b"name\nAcme\n".to_vec());
    let payload = slash_command_with_attachment(
        g,
        PARTNERS_CHANNEL_ID,
        &lead,
        "import",
        json!([attachment_option("file", 555)]),
        (555, "partners.csv", &url, 10),
    );
    let id = fake.send_interaction(payload).await?;
    assert_eq!(
        fake.interaction_response(id, T).await?["data"]["content"],
        "imported 10 bytes: name\nAcme\n"
    );

    // A second ack is refused like Discord does (400, code 40060).
    let id = fake
        .send_interaction(slash_command(
            g,
            PARTNERS_CHANNEL_ID,
            &lead,
            "twice",
            json!([]),
        ))
        .await?;
    fake.wait_followup(id, T).await?;
    let texts: Vec<Value> = fake
        .followups(id)
        .iter()
        .map(|r| r.body["content"].clone())
        .collect();
    assert_eq!(texts, vec![json!("second ack refused: Some((400, 40060))")]);

    // An embed field over 1024 characters is a 400 "Invalid Form Body" (50035), not a success.
    let id = fake
        .send_interaction(slash_command(
            g,
            PARTNERS_CHANNEL_ID,
            &lead,
            "huge",
            json!([]),
        ))
        .await?;
    let r = fake
        .wait_request(
            |r| r.path.starts_with(&format!("/api/v10/interactions/{id}/")),
            T,
        )
        .await?;
    assert_eq!(r.status, 400);
    assert_eq!(r.response["code"], 50035);
    assert!(
        !r.response["errors"]["embeds"]["0"]["fields"]["0"]["value"].is_null(),
        "{}",
        r.response
    );
    assert!(fake.original_message(id).is_none());

    bot.stop().await;
    fake.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn bad_payloads_are_errors_not_silent_drops() -> anyhow::Result<()> {
    let fake = FakeDiscord::start(FakeConfig::standard()).await?;
    let err = fake
        .send_interaction(json!({"type": 2, "id": "1"}))
        .await
        .unwrap_err();
    assert!(format!("{err:#}").contains("missing field"), "{err:#}");

    let mut p = slash_command(
        Some(STANDARD_GUILD_ID),
        PARTNERS_CHANNEL_ID,
        &Invoker::lead(),
        "ping",
        json!([]),
    );
    p.as_object_mut().unwrap().remove("token");
    let err = fake.send_interaction(p).await.unwrap_err();
    assert!(format!("{err:#}").contains("token"), "{err:#}");

    let p = slash_command(
        Some(STANDARD_GUILD_ID),
        999,
        &Invoker::lead(),
        "ping",
        json!([]),
    );
    assert!(
        fake.send_interaction(p).await.is_err(),
        "a channel the guild does not have"
    );

    let mut m = mention_message(
        Some(STANDARD_GUILD_ID),
        PARTNERS_CHANNEL_ID,
        &Invoker::lead(),
        STANDARD_BOT_USER_ID,
        "x",
    );
    m.as_object_mut().unwrap().remove("timestamp");
    assert!(fake.send_message_create(m).await.is_err());
    fake.shutdown().await;
    Ok(())
}

#[test]
fn builders_deserialize_as_serenity_types() {
    let g = Some(STANDARD_GUILD_ID);
    let c = PARTNERS_CHANNEL_ID;
    let i = Invoker::member();
    let parse = |v: Value| serde_json::from_value::<Interaction>(v).expect("deserializes");
    match parse(slash_command(
        g,
        c,
        &i,
        "ipp",
        json!([{"name": "n", "type": 4, "value": 3}]),
    )) {
        Interaction::Command(cmd) => {
            assert_eq!(cmd.user.id.get(), MEMBER_USER_ID);
            assert_eq!(
                cmd.member.unwrap().permissions.unwrap().bits(),
                perms::EVERYONE
            );
        }
        _ => panic!("not a command"),
    }
    match parse(slash_command(None, 77, &i, "ipp", json!([]))) {
        Interaction::Command(cmd) => assert!(
            cmd.guild_id.is_none() && cmd.member.is_none() && cmd.user.id.get() == MEMBER_USER_ID
        ),
        _ => panic!("not a command"),
    }
    assert!(Invoker::lead().permissions & perms::MANAGE_GUILD != 0);
    assert!(Invoker::member().permissions & perms::MANAGE_GUILD == 0);
    match parse(autocomplete(
        g,
        c,
        &i,
        "ipp",
        json!([{"name": "q", "type": 3, "value": "a", "focused": true}]),
    )) {
        Interaction::Autocomplete(ac) => assert_eq!(ac.data.autocomplete().unwrap().value, "a"),
        _ => panic!("not autocomplete"),
    }
    assert!(matches!(
        parse(button_click(g, c, &i, "b", 5)),
        Interaction::Component(_)
    ));
    assert!(matches!(
        parse(modal_submit(g, c, &i, "m", &[("a", "b")])),
        Interaction::Modal(_)
    ));
    match parse(slash_command_with_attachment(
        g,
        c,
        &i,
        "import",
        json!([attachment_option("f", 9)]),
        (9, "a.csv", "http://x/a", 3),
    )) {
        Interaction::Command(cmd) => assert_eq!(cmd.data.resolved.attachments.len(), 1),
        _ => panic!("not a command"),
    }
    let m: Message =
        serde_json::from_value(mention_message(g, c, &i, STANDARD_BOT_USER_ID, "hi")).unwrap();
    assert_eq!(m.content, format!("<@{STANDARD_BOT_USER_ID}> hi"));
    assert_eq!(m.mentions[0].id.get(), STANDARD_BOT_USER_ID);
}
