//! The fake's gateway under the minimal serenity client: resumes after dropped connections, a new IDENTIFY
//! after an invalid session, guilds on their shards, a wrong token, and the raw protocol frame by frame.

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropped_gateway_connections_resume() -> anyhow::Result<()> {
    let (fake, bot) = started().await?;
    assert_eq!(ping(&fake).await?["data"]["content"], "pong lena.lead");

    fake.drop_gateway(None).await;
    fake.wait_resumes(1, T).await?;
    assert_eq!(ping(&fake).await?["data"]["content"], "pong lena.lead");

    // An interaction sent right after the drop waits for the resume instead of being lost.
    fake.drop_gateway(Some(4000)).await;
    assert_eq!(ping(&fake).await?["data"]["content"], "pong lena.lead");
    assert_eq!(fake.resume_count(), 2);

    fake.send_reconnect().await;
    fake.wait_resumes(3, T).await?;
    assert_eq!(ping(&fake).await?["data"]["content"], "pong lena.lead");
    assert_eq!(fake.identify_count(), 1, "resumes, not new sessions");

    bot.stop().await;
    fake.shutdown().await;
    Ok(())
}

/// `interaction_response` finds the callback by its interaction, not by scanning the log: the first successful
/// one, whatever came after it, and none once the history is forgotten.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_first_successful_callback_is_the_interaction_response() -> anyhow::Result<()> {
    let (fake, bot) = started().await?;
    let payload = slash_command(
        Some(STANDARD_GUILD_ID),
        PARTNERS_CHANNEL_ID,
        &Invoker::lead(),
        "ping",
        json!([]),
    );
    let token = payload["token"].as_str().context("no token")?.to_string();
    let id = fake.send_interaction(payload).await?;
    assert_eq!(
        fake.interaction_response(id, T).await?["data"]["content"],
        "pong lena.lead"
    );
    // A second callback is refused (40060) and recorded; the answer stays the first.
    let err = http_for(&fake, STANDARD_TOKEN)
        .create_interaction_response(
            InteractionId::new(id),
            &token,
            &json!({"type": 4, "data": {"content": "second"}}),
            vec![],
        )
        .await
        .unwrap_err();
    assert_eq!(discord_code(&err), Some((400, 40060)));
    assert_eq!(fake.requests().last().map(|r| r.status), Some(400));
    assert_eq!(
        fake.interaction_response(id, T).await?["data"]["content"],
        "pong lena.lead"
    );
    // Another interaction's answer is its own.
    assert_eq!(ping(&fake).await?["data"]["content"], "pong lena.lead");

    fake.forget_history();
    let err = fake
        .interaction_response(id, Duration::from_millis(50))
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .contains(&format!("a successful callback for interaction {id}")),
        "{err}"
    );
    bot.stop().await;
    fake.shutdown().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_session_leads_to_a_new_identify() -> anyhow::Result<()> {
    let (fake, bot) = started().await?;
    fake.send_invalid_session(false).await;
    // serenity waits ~5 s before re-identifying a restarted shard.
    fake.wait_identifies(2, Duration::from_secs(15)).await?;
    fake.wait_ready(T).await?;
    assert_eq!(ping(&fake).await?["data"]["content"], "pong lena.lead");
    bot.stop().await;
    fake.shutdown().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sharded_bot_gets_each_guild_on_its_shard() -> anyhow::Result<()> {
    let mut cfg = FakeConfig::standard();
    let second = (1u64 << 22) | 7; // (id >> 22) % 2 == 1
    cfg.guilds.push(FakeGuild {
        id: second,
        name: "Second".into(),
        channels: vec![FakeChannel {
            id: 3100,
            name: "general".into(),
            bot_can_send: true,
        }],
        roles: vec![],
    });
    let fake = FakeDiscord::start(cfg).await?;
    let mut bot = TestBot::start_shards(&fake, STANDARD_TOKEN, 2).await?;
    // serenity boots the second shard ~5 s after the first.
    fake.wait_ready(Duration::from_secs(15)).await?;
    let mut shards = Vec::new();
    while shards.len() < 2 {
        if let Signal::Ready(s) = bot.next_signal(T).await? {
            shards.push(s.context("READY without shard")?);
        }
    }
    shards.sort();
    assert_eq!(shards, vec![[0, 2], [1, 2]]);
    for (guild, channel) in [(STANDARD_GUILD_ID, PARTNERS_CHANNEL_ID), (second, 3100)] {
        let id = fake
            .send_interaction(slash_command(
                Some(guild),
                channel,
                &Invoker::guest(),
                "ping",
                json!([]),
            ))
            .await?;
        assert_eq!(
            fake.interaction_response(id, T).await?["data"]["content"],
            "pong gus.guest"
        );
    }
    assert_eq!(fake.identify_count(), 2);
    bot.stop().await;
    fake.shutdown().await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_token_fails_fast() -> anyhow::Result<()> {
    let fake = FakeDiscord::start(FakeConfig::standard()).await?;
    let err = http_for(&fake, "wrong-token")
        .get_current_user()
        .await
        .unwrap_err();
    assert_eq!(discord_code(&err), Some((401, 0)));

    let bot = TestBot::start(&fake, "wrong-token").await?;
    let res = tokio::time::timeout(Duration::from_secs(5), bot.task)
        .await
        .context("client did not fail within 5 s")??;
    let err = res.expect_err("the client must fail with a bad token");
    assert!(
        matches!(
            err,
            serenity::Error::Gateway(serenity::gateway::GatewayError::InvalidAuthentication)
        ),
        "{err:?}"
    );
    assert_eq!(fake.identify_count(), 0);
    fake.shutdown().await;
    Ok(())
}

#[tokio::test]
async fn raw_gateway_protocol() -> anyhow::Result<()> {
    use futures::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::Message as Ws;

    let fake = FakeDiscord::start(FakeConfig::standard()).await?;
    let url = format!("{}?v=10", fake.gateway_url());
    async fn next_json(
        ws: &mut (impl futures::Stream<Item = Result<Ws, tokio_tungstenite::tungstenite::Error>>
                  + Unpin),
    ) -> anyhow::Result<Value> {
        loop {
            match tokio::time::timeout(T, ws.next())
                .await?
                .context("closed")??
            {
                Ws::Text(t) => return Ok(serde_json::from_str(t.as_str())?),
                Ws::Close(f) => return Ok(json!({"close": f.map(|f| u16::from(f.code))})),
                _ => {}
            }
        }
    }

    // HELLO, heartbeat ACK, RESUME of an unknown session -> op 9 false.
    let (mut ws, _) = tokio_tungstenite::connect_async(url.as_str()).await?;
    assert_eq!(next_json(&mut ws).await?["op"], 10);
    ws.send(Ws::Text(json!({"op": 1, "d": null}).to_string().into()))
        .await?;
    assert_eq!(next_json(&mut ws).await?["op"], 11);
    let resume = json!({"op": 6, "d": {"token": "Bot test-token", "session_id": "nope", "seq": 3}});
    ws.send(Ws::Text(resume.to_string().into())).await?;
    assert_eq!(
        next_json(&mut ws).await?,
        json!({"op": 9, "d": false, "s": null, "t": null})
    );

    // IDENTIFY with shard [0, 1]: READY echoes it, then GUILD_CREATE; sequence numbers count up.
    let identify = json!({"op": 2, "d": {"token": "Bot test-token", "intents": 513, "shard": [0, 1],
        "properties": {"os": "linux", "browser": "raw", "device": "raw"}}});
    ws.send(Ws::Text(identify.to_string().into())).await?;
    let ready = next_json(&mut ws).await?;
    assert_eq!(
        (
            ready["t"].clone(),
            ready["s"].clone(),
            ready["d"]["shard"].clone()
        ),
        (json!("READY"), json!(1), json!([0, 1]))
    );
    let gc = next_json(&mut ws).await?;
    assert_eq!(
        (gc["t"].clone(), gc["s"].clone()),
        (json!("GUILD_CREATE"), json!(2))
    );
    fake.wait_ready(T).await?;
    drop(ws);

    // A bad token is closed with 4004 (serenity: fatal InvalidAuthentication).
    let (mut ws, _) = tokio_tungstenite::connect_async(url.as_str()).await?;
    assert_eq!(next_json(&mut ws).await?["op"], 10);
    let bad = json!({"op": 2, "d": {"token": "Bot wrong", "intents": 1, "properties": {}}});
    ws.send(Ws::Text(bad.to_string().into())).await?;
    assert_eq!(next_json(&mut ws).await?, json!({"close": 4004}));
    assert_eq!(fake.identify_count(), 1);
    fake.shutdown().await;
    Ok(())
}
