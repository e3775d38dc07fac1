//! The fake Slack itself: its answers are Slack's (`ok:false` codes, 429 with Retry-After, one-use socket
//! tickets, Block Kit limits), and every payload it sends parses with slack-morphism's own event types (the
//! envelope types are private to the crate: their required fields are checked by hand) — a payload the real
//! client would drop fails here, not silently in a bot test.

use crate::support::fake_slack::*;
use futures::{SinkExt, StreamExt};
use serde_json::{json, Value};
use slack_morphism::prelude::*;
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message;

const W: Duration = Duration::from_secs(10);

/// A bare HTTP/1.1 POST (the tests need no HTTP client crate): (status, Retry-After, body).
async fn post(url: &str, headers: &[(&str, String)], body: &[u8]) -> (u16, Option<String>, String) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let rest = url.strip_prefix("http://").unwrap();
    let (host, path) = rest.split_at(rest.find('/').unwrap());
    let mut s = tokio::net::TcpStream::connect(host).await.unwrap();
    let mut req = format!(
        "POST {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (k, v) in headers {
        req.push_str(&format!("{k}: {v}\r\n"));
    }
    req.push_str("\r\n");
    s.write_all(req.as_bytes()).await.unwrap();
    s.write_all(body).await.unwrap();
    let mut out = Vec::new();
    s.read_to_end(&mut out).await.unwrap();
    let text = String::from_utf8_lossy(&out).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    let status = head.split_whitespace().nth(1).unwrap().parse().unwrap();
    let retry = head.lines().find_map(|l| {
        l.to_ascii_lowercase()
            .strip_prefix("retry-after: ")
            .map(str::to_string)
    });
    (status, retry, body.to_string())
}

/// Call a Web API method with a JSON body; (HTTP status, Retry-After, answer).
async fn call(
    fake: &FakeSlack,
    method: &str,
    token: &str,
    body: Value,
) -> (u16, Option<String>, Value) {
    let headers = [
        ("Authorization", format!("Bearer {token}")),
        (
            "Content-Type",
            "application/json; charset=utf-8".to_string(),
        ),
    ];
    let (status, retry, text) = post(
        &format!("{}{method}", fake.api_url()),
        &headers,
        body.to_string().as_bytes(),
    )
    .await;
    (status, retry, serde_json::from_str(&text).unwrap())
}

/// A call with the bot token.
async fn bot_call(fake: &FakeSlack, method: &str, body: Value) -> Value {
    call(fake, method, BOT_TOKEN, body).await.2
}

fn error_of(v: &Value) -> &str {
    assert_eq!(v["ok"], false, "{v}");
    v["error"].as_str().unwrap()
}

#[tokio::test]
async fn web_api_answers_like_slack() {
    let fake = FakeSlack::start().await.unwrap();
    let (s, _, v) = call(&fake, "auth.test", BOT_TOKEN, json!({})).await;
    assert_eq!(
        (s, &v["ok"], &v["team_id"], &v["user_id"]),
        (200, &json!(true), &json!(TEAM_ID), &json!(BOT_USER_ID))
    );
    assert_eq!(
        error_of(&call(&fake, "auth.test", "xoxb-wrong", json!({})).await.2),
        "invalid_auth"
    );
    assert_eq!(
        error_of(&call(&fake, "auth.test", APP_TOKEN, json!({})).await.2),
        "not_allowed_token_type"
    );
    assert_eq!(
        error_of(
            &call(&fake, "apps.connections.open", BOT_TOKEN, json!({}))
                .await
                .2
        ),
        "not_allowed_token_type"
    );
    assert_eq!(
        error_of(&call(&fake, "no.such.method", BOT_TOKEN, json!({})).await.2),
        "unknown_method"
    );

    let post =
        |channel: &str, blocks: Value| json!({"channel": channel, "text": "t", "blocks": blocks});
    let section = json!({"type": "section", "text": {"type": "mrkdwn", "text": "hi <!here>"}});
    assert_eq!(
        error_of(
            &call(
                &fake,
                "chat.postMessage",
                BOT_TOKEN,
                post(GENERAL_CHANNEL_ID, json!([section]))
            )
            .await
            .2
        ),
        "not_in_channel"
    );
    assert_eq!(
        error_of(
            &call(
                &fake,
                "chat.postMessage",
                BOT_TOKEN,
                post("C0NOPE", json!([section]))
            )
            .await
            .2
        ),
        "channel_not_found"
    );
    let too_many: Vec<Value> = (0..51).map(|_| section.clone()).collect();
    assert_eq!(
        error_of(
            &call(
                &fake,
                "chat.postMessage",
                BOT_TOKEN,
                post(PARTNERS_CHANNEL_ID, json!(too_many))
            )
            .await
            .2
        ),
        "invalid_blocks"
    );
    let (_, _, v) = call(
        &fake,
        "chat.postMessage",
        BOT_TOKEN,
        post(PARTNERS_CHANNEL_ID, json!([section])),
    )
    .await;
    assert_eq!(v["ok"], true, "{v}");
    let m = fake.messages_in(PARTNERS_CHANNEL_ID);
    assert_eq!(m.len(), 1, "only the accepted post is recorded");
    assert_eq!(m[0].pings, ["<!here>"]);
    assert_eq!(m[0].ts, v["ts"].as_str().unwrap());

    // A 429 carries Retry-After, and the next call goes through.
    fake.rate_limit("users.info", 2, 1);
    let (s, retry, v) = call(
        &fake,
        "users.info",
        BOT_TOKEN,
        json!({"user": ADMIN_USER_ID}),
    )
    .await;
    assert_eq!(
        (s, retry.as_deref(), error_of(&v)),
        (429, Some("2"), "ratelimited")
    );
    let v = bot_call(&fake, "users.info", json!({"user": ADMIN_USER_ID})).await;
    assert_eq!(
        (&v["user"]["is_admin"], &v["user"]["is_restricted"]),
        (&json!(true), &json!(false))
    );
    assert!(
        serde_json::from_value::<SlackUser>(v["user"].clone()).is_ok(),
        "slack-morphism reads the user"
    );
    let v = bot_call(&fake, "users.info", json!({"user": GUEST_USER_ID})).await;
    assert_eq!(v["user"]["is_restricted"], true);
    let v = bot_call(
        &fake,
        "conversations.info",
        json!({"channel": GENERAL_CHANNEL_ID}),
    )
    .await;
    assert_eq!(v["channel"]["is_member"], false);
    assert!(
        serde_json::from_value::<SlackChannelInfo>(v["channel"].clone()).is_ok(),
        "slack-morphism reads the channel"
    );
    let v = bot_call(
        &fake,
        "usergroups.users.list",
        json!({"usergroup": LEADS_GROUP_ID}),
    )
    .await;
    assert_eq!(v["users"], json!([GROUP_LEAD_USER_ID]));
    // An armed failure answers its code once, then the method works again.
    fake.fail_next("chat.postMessage", "no_permission", 1);
    let hi = json!({"channel": PARTNERS_CHANNEL_ID, "text": "hi"});
    assert_eq!(
        error_of(&bot_call(&fake, "chat.postMessage", hi.clone()).await),
        "no_permission"
    );
    assert_eq!(bot_call(&fake, "chat.postMessage", hi).await["ok"], true);
    // A response_url records the token it was sent with, if any.
    let url = format!("{}/response/77", fake.base_url());
    let body = br#"{"text": "done"}"#;
    let json_type = ("Content-Type", "application/json".to_string());
    self::post(&url, std::slice::from_ref(&json_type), body).await;
    self::post(
        &url,
        &[json_type, ("Authorization", format!("Bearer {BOT_TOKEN}"))],
        body,
    )
    .await;
    let tokens: Vec<Option<String>> = fake
        .calls_of("response_url")
        .into_iter()
        .map(|c| c.token)
        .collect();
    assert_eq!(tokens, [None, Some(BOT_TOKEN.to_string())]);
    assert_eq!(
        error_of(
            &call(
                &fake,
                "usergroups.users.list",
                BOT_TOKEN,
                json!({"usergroup": "S0NOPE"})
            )
            .await
            .2
        ),
        "no_such_subteam"
    );

    fake.revoke(BOT_TOKEN);
    assert_eq!(
        error_of(&call(&fake, "auth.test", BOT_TOKEN, json!({})).await.2),
        "token_revoked"
    );
    fake.shutdown().await;
}

#[test]
fn text_is_escaped_as_slack_sends_it_but_its_tokens() {
    assert_eq!(
        slack_escape("AT&T <b> 1 < 2 > 0 &amp;"),
        "AT&amp;T &lt;b&gt; 1 &lt; 2 &gt; 0 &amp;amp;"
    );
    let tokens =
        "<@U0MEMBER1> <#C0PARTNER|partners> <#C0GENERAL> <!subteam^S0LEADS01|@leads> <!here>";
    assert_eq!(slack_escape(tokens), tokens);
    assert_eq!(
        slack_escape("<@nobody> <#partners> <!subteam^> <@U1 x> <<@U0MEMBER1>"),
        "&lt;@nobody&gt; &lt;#partners&gt; &lt;!subteam^&gt; &lt;@U1 x&gt; &lt;<@U0MEMBER1>"
    );
    let p = slash_payload(
        ADMIN_USER_ID,
        PARTNERS_CHANNEL_ID,
        "/partnerfit",
        r#"partner add name:"A&B""#,
        1,
        "http://x",
    );
    assert_eq!(p["text"], r#"partner add name:"A&amp;B""#);
}

#[tokio::test]
async fn the_external_upload_flow_shares_the_file_with_its_message() {
    let fake = FakeSlack::start().await.unwrap();
    let bytes = b"\x89PNG fake chart".to_vec();
    let v = bot_call(
        &fake,
        "files.getUploadURLExternal",
        json!({"filename": "chart.png", "length": bytes.len()}),
    )
    .await;
    let (url, file_id) = (
        v["upload_url"].as_str().unwrap(),
        v["file_id"].as_str().unwrap(),
    );
    // completing before the bytes arrived is refused
    let complete = json!({"files": [{"id": file_id, "title": "chart.png"}], "channel_id": PARTNERS_CHANNEL_ID,
        "blocks": [{"type": "header", "text": {"type": "plain_text", "text": "Weekly digest"}}]});
    assert_eq!(
        error_of(
            &call(
                &fake,
                "files.completeUploadExternal",
                BOT_TOKEN,
                complete.clone()
            )
            .await
            .2
        ),
        "file_not_found"
    );
    let (status, _, _) = post(
        url,
        &[("Content-Type", "application/octet-stream".into())],
        &bytes,
    )
    .await;
    assert_eq!(status, 200);
    let (_, _, v) = call(&fake, "files.completeUploadExternal", BOT_TOKEN, complete).await;
    assert_eq!(v["files"][0]["id"], file_id);
    let up = fake.uploads();
    assert_eq!(
        (up[0].bytes.as_deref(), up[0].shared_in.as_deref()),
        (Some(&bytes[..]), Some(PARTNERS_CHANNEL_ID))
    );
    let m = fake.messages_in(PARTNERS_CHANNEL_ID);
    assert_eq!(header_of(&m[0].blocks).as_deref(), Some("Weekly digest"));
    assert_eq!(m[0].body["files"][0]["id"], file_id);
    fake.shutdown().await;
}

/// Open a socket the way a client does: apps.connections.open, then the URL it gives.
async fn connect(
    fake: &FakeSlack,
) -> tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>> {
    let (_, _, v) = call(fake, "apps.connections.open", APP_TOKEN, json!({})).await;
    let url = v["url"].as_str().unwrap().to_string();
    let (ws, _) = tokio_tungstenite::connect_async(url.as_str())
        .await
        .unwrap();
    // a ticket is good for one connection
    assert!(tokio_tungstenite::connect_async(url.as_str())
        .await
        .is_err());
    ws
}

async fn next_json<S>(ws: &mut S) -> Value
where
    S: futures::Stream<Item = Result<Message, tokio_tungstenite::tungstenite::Error>> + Unpin,
{
    loop {
        match tokio::time::timeout(W, ws.next()).await.unwrap() {
            Some(Ok(Message::Text(t))) => return serde_json::from_str(&t).unwrap(),
            Some(Ok(Message::Close(_))) | None => return Value::Null,
            _ => {}
        }
    }
}

#[tokio::test]
async fn socket_mode_hello_envelopes_acks_and_refresh() {
    let fake = FakeSlack::start().await.unwrap();
    // Sent before anyone is connected: it waits for the connection, as Slack retries.
    let (eid, rid) = fake.slash(
        ADMIN_USER_ID,
        PARTNERS_CHANNEL_ID,
        "screen partner:\"Acme\"",
    );
    let mut ws = connect(&fake).await;
    let hello = next_json(&mut ws).await;
    assert_eq!(hello["type"], "hello");
    // the fields slack-morphism's (crate-private) hello type requires
    assert!(
        hello["num_connections"].is_u64()
            && hello["debug_info"]["host"].is_string()
            && hello["connection_info"]["app_id"].is_string(),
        "{hello}"
    );
    let env = next_json(&mut ws).await;
    assert_eq!(
        (env["type"].as_str(), env["envelope_id"].as_str()),
        (Some("slash_commands"), Some(eid.as_str()))
    );
    let parsed: SlackCommandEvent = serde_json::from_value(env["payload"].clone()).unwrap();
    assert_eq!(parsed.text.as_deref(), Some("screen partner:\"Acme\""));
    assert_eq!(env["accepts_response_payload"], true);
    assert!(env["payload"]["response_url"]
        .as_str()
        .unwrap()
        .ends_with(&format!("/response/{rid}")));
    ws.send(Message::Text(
        json!({"envelope_id": eid}).to_string().into(),
    ))
    .await
    .unwrap();
    assert_eq!(
        fake.ack(&eid, W).await.unwrap()["envelope_id"],
        eid.as_str()
    );

    // Every payload builder the bot tests use parses as slack-morphism's event types.
    let mention = fake.mention(MEMBER_USER_ID, PARTNERS_CHANNEL_ID, "does Acme fit?");
    let m = next_json(&mut ws).await;
    assert_eq!(m["envelope_id"], mention.as_str());
    assert_eq!(m["type"], "events_api");
    let e: SlackPushEventCallback = serde_json::from_value(m["payload"].clone()).unwrap();
    assert!(
        matches!(e.event, SlackEventCallbackBody::AppMention(_)),
        "{:?}",
        e.event
    );
    let message = Posted {
        kind: PostKind::Message,
        channel: PARTNERS_CHANNEL_ID.into(),
        ts: "1700000000.000100".into(),
        text: "card".into(),
        blocks: json!([{"type": "actions", "block_id": "b1", "elements": [{"type": "button", "action_id": "act:0", "text": {"type": "plain_text", "text": "Record"}, "value": "ev:1:2"}]}]),
        body: Value::Null,
        pings: vec![],
    };
    fake.press(ADMIN_USER_ID, &message, "act:0").unwrap();
    let view = json!({"id": "V1", "type": "modal", "callback_id": "evidence_add", "private_metadata": "{}", "title": {"type": "plain_text", "text": "Record evidence"},
        "blocks": [{"type": "input", "block_id": "partner", "label": {"type": "plain_text", "text": "partner"}, "element": {"type": "external_select", "action_id": "partner"}}],
        "state": {"values": {}}, "hash": "h", "team_id": TEAM_ID, "app_id": APP_ID, "bot_id": BOT_ID});
    fake.suggest(ADMIN_USER_ID, &view, "partner", "Ac").unwrap();
    fake.submit(ADMIN_USER_ID, &view, json!({"partner": {"partner": {"type": "external_select", "selected_option": {"text": {"type": "plain_text", "text": "Acme"}, "value": "Acme"}}}}));
    for kind in ["block_actions", "block_suggestion", "view_submission"] {
        let env = next_json(&mut ws).await;
        assert_eq!(env["payload"]["type"], kind);
        assert_eq!(env["type"], "interactive");
        let parsed: Result<SlackInteractionEvent, _> =
            serde_json::from_value(env["payload"].clone());
        assert!(parsed.is_ok(), "{kind}: {parsed:?}");
    }

    // An ack of nothing known is recorded as stray.
    ws.send(Message::Text(
        json!({"envelope_id": "env-unknown"}).to_string().into(),
    ))
    .await
    .unwrap();
    fake.wait_for("a stray frame", W, |st| {
        (!st.stray_frames.is_empty()).then_some(())
    })
    .await
    .unwrap();

    // Refresh: a disconnect, then envelopes go to the new connection and the old one is closed.
    fake.request_refresh();
    let d = next_json(&mut ws).await;
    assert_eq!(
        (d["type"].as_str(), d["reason"].as_str()),
        (Some("disconnect"), Some("refresh_requested"))
    );
    assert!(
        d["debug_info"]["host"].is_string(),
        "slack-morphism's disconnect type requires debug_info.host: {d}"
    );
    let queued = fake.mention(MEMBER_USER_ID, PARTNERS_CHANNEL_ID, "does Acme fit?");
    let mut ws2 = connect(&fake).await;
    assert_eq!(next_json(&mut ws2).await["type"], "hello");
    assert_eq!(next_json(&mut ws2).await["envelope_id"], queued.as_str());
    assert_eq!(
        next_json(&mut ws).await,
        Value::Null,
        "the old connection is closed"
    );
    assert_eq!(fake.connections_opened(), 2);
    fake.shutdown().await;
}
