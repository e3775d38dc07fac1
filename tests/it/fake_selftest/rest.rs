//! The fake's REST side under the minimal serenity client: Discord's error answers reach the client as
//! serenity errors, and every answer deserializes as serenity's own types.

use super::*;

#[tokio::test]
async fn rest_errors_reach_the_client() -> anyhow::Result<()> {
    let fake = FakeDiscord::start(FakeConfig::standard()).await?;
    let http = http_for(&fake, STANDARD_TOKEN);
    let partners = ChannelId::new(PARTNERS_CHANNEL_ID);

    fake.fail_next("/channels/3000/messages", 429, 1);
    let err = partners.say(&http, "one").await.unwrap_err();
    assert_eq!(discord_code(&err), Some((429, 0)));
    let r = fake.requests().pop().unwrap();
    assert_eq!(r.response["retry_after"], 0.05);
    partners.say(&http, "two").await?;
    assert_eq!(fake.channel_messages(PARTNERS_CHANNEL_ID).len(), 1);

    fake.fail_next("/channels/3000/messages", 500, 1);
    assert_eq!(
        discord_code(&partners.say(&http, "x").await.unwrap_err()),
        Some((500, 0))
    );

    let err = ChannelId::new(LOCKED_CHANNEL_ID)
        .say(&http, "nope")
        .await
        .unwrap_err();
    assert_eq!(discord_code(&err), Some((403, 50013)));
    let err = ChannelId::new(424242).say(&http, "nope").await.unwrap_err();
    assert_eq!(discord_code(&err), Some((404, 10003)));
    // serenity's builders refuse > 2000 characters before sending; raw Http does not.
    let err = http
        .send_message(partners, vec![], &json!({"content": "y".repeat(2001)}))
        .await
        .unwrap_err();
    assert_eq!(discord_code(&err), Some((400, 50035)));
    let err = partners.say(&http, "").await.unwrap_err();
    assert_eq!(discord_code(&err), Some((400, 50006)));

    // An unknown route is a recorded 404.
    assert!(http
        .get_guild_webhooks(GuildId::new(STANDARD_GUILD_ID))
        .await
        .is_err());
    assert_eq!(fake.unknown_route_requests().len(), 1);
    assert_eq!(fake.channel_messages(PARTNERS_CHANNEL_ID).len(), 1);
    fake.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn rest_answers_deserialize_as_serenity_types() -> anyhow::Result<()> {
    let fake = FakeDiscord::start(FakeConfig::standard()).await?;
    let http = http_for(&fake, STANDARD_TOKEN);
    let gid = GuildId::new(STANDARD_GUILD_ID);

    assert_eq!(
        http.get_current_user().await?.id.get(),
        STANDARD_BOT_USER_ID
    );
    assert_eq!(
        http.get_current_application_info().await?.id.get(),
        STANDARD_APPLICATION_ID
    );
    assert_eq!(http.get_gateway().await?.url, fake.gateway_url());
    assert_eq!(http.get_bot_gateway().await?.shards, 1);
    assert_eq!(http.get_guild(gid).await?.name, "Acme Partnerships");
    let roles = http.get_guild_roles(gid).await?;
    assert_eq!(roles.len(), 4);
    assert_eq!(
        http.get_member(gid, UserId::new(STANDARD_BOT_USER_ID))
            .await?
            .user
            .id
            .get(),
        STANDARD_BOT_USER_ID
    );
    let ch = http
        .get_channel(ChannelId::new(LOCKED_CHANNEL_ID))
        .await?
        .guild()
        .context("guild channel")?;
    assert_eq!(ch.name, "locked");
    assert_eq!(http.get_channels(gid).await?.len(), 2);
    let msg = ChannelId::new(PARTNERS_CHANNEL_ID)
        .send_message(
            &http,
            serenity::builder::CreateMessage::new()
                .content("report")
                .add_file(CreateAttachment::bytes(b"x".to_vec(), "r.txt")),
        )
        .await?;
    assert_eq!(msg.attachments[0].filename, "r.txt");
    assert_eq!(msg.attachments[0].download().await?, b"x");

    let cmds = vec![
        CreateCommand::new("ipp")
            .description("Ideal partner profile")
            .add_option(
                CreateCommandOption::new(CommandOptionType::SubCommand, "show", "Show it")
                    .add_sub_option(
                        CreateCommandOption::new(CommandOptionType::String, "partner", "Partner")
                            .required(true),
                    ),
            ),
        CreateCommand::new("Score partner").kind(serenity::model::application::CommandType::User),
    ];
    let echoed = Command::set_global_commands(&http, cmds.clone()).await?;
    assert_eq!(echoed.len(), 2);
    assert_eq!(echoed[0].id.get(), command_id_for("ipp"));
    assert_eq!(
        fake.registered_commands().context("registered")?[0]["name"],
        "ipp"
    );
    assert_eq!(Command::get_global_commands(&http).await?.len(), 2);
    assert_eq!(gid.set_commands(&http, cmds).await?.len(), 2);

    // Discord's rules: lowercase chat-input names, required options first.
    let err =
        Command::set_global_commands(&http, vec![CreateCommand::new("BadName").description("d")])
            .await
            .unwrap_err();
    assert_eq!(discord_code(&err), Some((400, 50035)));
    let bad = CreateCommand::new("ok")
        .description("d")
        .add_option(CreateCommandOption::new(
            CommandOptionType::String,
            "a",
            "a",
        ))
        .add_option(CreateCommandOption::new(CommandOptionType::String, "b", "b").required(true));
    assert_eq!(
        discord_code(
            &Command::set_global_commands(&http, vec![bad])
                .await
                .unwrap_err()
        ),
        Some((400, 50035))
    );
    fake.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn an_embed_image_must_name_an_attachment_of_its_message() -> anyhow::Result<()> {
    let fake = FakeDiscord::start(FakeConfig::standard()).await?;
    let http = http_for(&fake, STANDARD_TOKEN);
    let partners = ChannelId::new(PARTNERS_CHANNEL_ID);
    let embed = |name: &str| {
        serenity::all::CreateEmbed::new()
            .title("chart")
            .image(format!("attachment://{name}"))
    };
    let png = || serenity::all::CreateAttachment::bytes(b"\x89PNG fake".to_vec(), "w.png");
    let err = partners
        .send_message(
            &http,
            serenity::all::CreateMessage::new().embed(embed("w.png")),
        )
        .await
        .unwrap_err();
    assert_eq!(discord_code(&err), Some((400, 50035)), "no file at all");
    let err = partners
        .send_message(
            &http,
            serenity::all::CreateMessage::new()
                .embed(embed("other.png"))
                .add_file(png()),
        )
        .await
        .unwrap_err();
    assert_eq!(
        discord_code(&err),
        Some((400, 50035)),
        "a file of another name"
    );
    partners
        .send_message(
            &http,
            serenity::all::CreateMessage::new()
                .embed(embed("w.png"))
                .add_file(png()),
        )
        .await?;
    let posted = fake.channel_messages(PARTNERS_CHANNEL_ID);
    assert_eq!(posted.len(), 1);
    assert_eq!(
        posted[0].body["embeds"][0]["image"]["url"],
        "attachment://w.png"
    );
    fake.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn the_application_flags_and_permissions_read_over_rest_are_the_configured_ones(
) -> anyhow::Result<()> {
    use serenity::all::ApplicationFlags as F;
    let content = F::GATEWAY_MESSAGE_CONTENT | F::GATEWAY_MESSAGE_CONTENT_LIMITED;
    for (config, switched_on) in [
        (FakeConfig::standard(), false),
        (FakeConfig::standard().with_message_content(), true),
    ] {
        let fake = FakeDiscord::start(config.clone()).await?;
        let http = http_for(&fake, STANDARD_TOKEN);
        let flags = http
            .get_current_application_info()
            .await?
            .flags
            .context("flags")?;
        assert_eq!(flags.intersects(content), switched_on, "{flags:?}");
        // What serenity computes from the server's roles, the bot's member and the channel's overwrites is
        // what the fake enforces when the bot posts.
        let gid = GuildId::new(STANDARD_GUILD_ID);
        let guild = http.get_guild(gid).await?;
        let me = http
            .get_member(gid, UserId::new(STANDARD_BOT_USER_ID))
            .await?;
        for id in [PARTNERS_CHANNEL_ID, LOCKED_CHANNEL_ID] {
            let channel = http
                .get_channel(ChannelId::new(id))
                .await?
                .guild()
                .context("guild channel")?;
            assert_eq!(
                Some(guild.user_permissions_in(&channel, &me).bits()),
                config.bot_permissions_in(id),
                "channel {id}"
            );
        }
        fake.shutdown().await;
    }
    Ok(())
}

/// Like Discord, a second message with the same nonce and `enforce_nonce` gets the first message back and creates
/// nothing; the create requests are still recorded, so a test still sees a digest posted twice.
#[tokio::test]
async fn a_repeated_nonce_returns_the_first_message() -> anyhow::Result<()> {
    let fake = FakeDiscord::start(FakeConfig::standard()).await?;
    let http = http_for(&fake, STANDARD_TOKEN);
    let partners = ChannelId::new(PARTNERS_CHANNEL_ID);
    let body = |content: &str| json!({"content": content, "nonce": "pf1", "enforce_nonce": true});
    let first = http.send_message(partners, vec![], &body("one")).await?;
    let again = http.send_message(partners, vec![], &body("two")).await?;
    assert_eq!(again.id, first.id);
    assert_eq!(again.content, "one");
    assert_eq!(fake.repeated_nonces(), 1);
    assert_eq!(fake.stored_messages(PARTNERS_CHANNEL_ID), 1);
    assert_eq!(fake.channel_messages(PARTNERS_CHANNEL_ID).len(), 2);
    // Without enforce_nonce, the same nonce creates another message.
    let loose = json!({"content": "three", "nonce": "pf1"});
    let third = http.send_message(partners, vec![], &loose).await?;
    assert_ne!(third.id, first.id);
    assert_eq!(fake.stored_messages(PARTNERS_CHANNEL_ID), 2);
    fake.shutdown().await;
    Ok(())
}
