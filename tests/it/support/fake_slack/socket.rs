//! The Socket Mode side of the fake Slack: the WebSocket at the URL `apps.connections.open` hands out,
//! `hello`, envelopes and their acknowledgements, `disconnect` (`refresh_requested`), connections closed
//! with a Close frame, and new connections refused (`apps.connections.open` failing) until a test allows
//! them again, as during a Slack outage.
//!
//! As on Slack: a ticket is good for one connection; every envelope carries an `envelope_id` that the app
//! acknowledges with `{"envelope_id": …}` (plus a `payload` where the envelope type takes one); after a
//! `disconnect` the app opens a new connection and the old one is closed once the new one is up.

use super::{
    pings_in, slack_escape, slash_payload, texts_of, validation, FakeSlack, Inner, Out, PostKind,
    Posted, St,
};
use axum::extract::ws::{Message as WsMessage, WebSocket, WebSocketUpgrade};
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use futures::{SinkExt, StreamExt};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

pub(crate) async fn ws_handler(
    State(inner): State<Arc<Inner>>,
    Query(q): Query<HashMap<String, String>>,
    upgrade: WebSocketUpgrade,
) -> Response {
    let ticket = q.get("ticket").cloned().unwrap_or_default();
    if !inner.st().tickets.remove(&ticket) {
        return (
            axum::http::StatusCode::UNAUTHORIZED,
            "invalid or used ticket",
        )
            .into_response();
    }
    upgrade.on_upgrade(move |ws| serve(inner, ws))
}

async fn serve(inner: Arc<Inner>, ws: WebSocket) {
    let (mut sink, mut stream) = ws.split();
    let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel::<Out>();
    let id = inner.next();
    inner.st().connections_accepted += 1;
    inner.bump();
    // A held hello waits until the test releases it.
    let mut changed = inner.changed.subscribe();
    while inner.st().hold_hello {
        if changed.changed().await.is_err() {
            return;
        }
    }
    let hello = json!({
        "type": "hello",
        "num_connections": 1,
        "debug_info": {"host": "fake-slack", "build_number": 1, "approximate_connection_time": 18060},
        "connection_info": {"app_id": super::APP_ID},
    });
    if sink
        .send(WsMessage::Text(hello.to_string().into()))
        .await
        .is_err()
    {
        return;
    }
    {
        let mut st = inner.st();
        // A new connection is up: the ones told to refresh are closed now, as Slack does.
        for c in st.conns.iter().filter(|c| c.draining) {
            let _ = c.tx.send(Out::Close);
        }
        st.conns.push(super::Conn {
            id,
            tx: tx.clone(),
            draining: false,
        });
        st.connections_opened += 1;
        let pending: Vec<String> = st.pending.drain(..).collect();
        for frame in pending {
            let _ = tx.send(Out::Text(frame));
        }
    }
    inner.bump();
    loop {
        tokio::select! {
            out = rx.recv() => match out {
                Some(Out::Text(t)) => {
                    if sink.send(WsMessage::Text(t.into())).await.is_err() {
                        break;
                    }
                }
                Some(Out::Close) | None => {
                    let _ = sink.send(WsMessage::Close(None)).await;
                    break;
                }
                Some(Out::Abort) => break,
            },
            msg = stream.next() => match msg {
                Some(Ok(WsMessage::Text(t))) => on_frame(&inner, t.as_str()),
                Some(Ok(WsMessage::Close(_))) | None | Some(Err(_)) => break,
                Some(Ok(_)) => {}
            },
        }
    }
    inner.st().conns.retain(|c| c.id != id);
    inner.bump();
}

/// A frame from the app: an acknowledgement (checked like Slack checks a response payload).
fn on_frame(inner: &Inner, text: &str) {
    let now = Instant::now();
    let v: Value = serde_json::from_str(text).unwrap_or(Value::Null);
    let Some(eid) = v["envelope_id"].as_str().map(str::to_string) else {
        inner.st().stray_frames.push(text.to_string());
        inner.bump();
        return;
    };
    let mut st = inner.st();
    if !st.sent_at.contains_key(&eid) || st.acks.contains_key(&eid) {
        st.stray_frames.push(text.to_string());
    } else {
        // A slash command's ack may carry the immediate reply: it is a message, so it is checked and
        // recorded like one (as the response to the command's response_url id, kept in the envelope).
        if let Some(p) = v
            .get("payload")
            .filter(|p| p.get("blocks").is_some() || p.get("text").is_some())
        {
            if let Err(e) = validation::message(p) {
                st.stray_frames
                    .push(format!("ack payload Slack would reject ({e}): {text}"));
            }
        }
        st.acks.insert(eid.clone(), v);
        st.acked_at.insert(eid, now);
    }
    drop(st);
    inner.bump();
}

impl FakeSlack {
    /// Send an envelope of `kind` with `payload` to the live connection (or queue it until one opens);
    /// returns its envelope id.
    pub fn send_envelope(
        &self,
        kind: &str,
        payload: Value,
        accepts_response_payload: bool,
    ) -> String {
        let eid = format!("env-{}", self.inner.next());
        let frame = json!({
            "envelope_id": eid,
            "type": kind,
            "payload": payload,
            "accepts_response_payload": accepts_response_payload,
            "retry_attempt": 0,
            "retry_reason": "",
        });
        self.send_frame(&eid, frame.to_string());
        eid
    }

    /// Send a raw frame (for envelope types the bot does not know); `eid` is what its ack will carry.
    pub fn send_frame(&self, eid: &str, frame: String) {
        let mut st = self.inner.st();
        st.sent_at.insert(eid.to_string(), Instant::now());
        let live = st.conns.iter().rev().find(|c| !c.draining);
        match live {
            Some(c) => {
                let _ = c.tx.send(Out::Text(frame));
            }
            None => st.pending.push_back(frame),
        }
    }

    /// `/partnerfit <text>` typed by `user` in `channel`: returns (envelope id, response_url id).
    pub fn slash(&self, user: &str, channel: &str, text: &str) -> (String, u64) {
        self.slash_named(user, channel, "/partnerfit", text)
    }

    pub fn slash_named(
        &self,
        user: &str,
        channel: &str,
        command: &str,
        text: &str,
    ) -> (String, u64) {
        let rid = self.inner.next();
        let payload = slash_payload(user, channel, command, text, rid, &self.base_url());
        (self.send_envelope("slash_commands", payload, true), rid)
    }

    /// An `app_mention` event: `text` (as typed, escaped by [`slack_escape`]) follows the bot's mention.
    /// Returns the envelope id.
    pub fn mention(&self, user: &str, channel: &str, text: &str) -> String {
        self.mention_event(user, channel, text, None)
    }

    /// An `app_mention` written in the thread of the message `thread_ts` (its `thread_ts` set, as Slack
    /// does for a reply in a thread). Returns the envelope id.
    pub fn mention_in_thread(
        &self,
        user: &str,
        channel: &str,
        text: &str,
        thread_ts: &str,
    ) -> String {
        self.mention_event(user, channel, text, Some(thread_ts))
    }

    fn mention_event(
        &self,
        user: &str,
        channel: &str,
        text: &str,
        thread_ts: Option<&str>,
    ) -> String {
        let ts = format!("{}.000100", 1_700_000_000 + self.inner.next());
        let mut event = json!({
            "type": "app_mention",
            "user": user,
            "text": format!("<@{}> {}", super::BOT_USER_ID, slack_escape(text)),
            "ts": ts,
            "channel": channel,
            "event_ts": ts,
            "team": super::TEAM_ID,
        });
        if let Some(t) = thread_ts {
            event["thread_ts"] = json!(t);
        }
        let payload = json!({
            "token": "legacy-verification-token",
            "team_id": super::TEAM_ID,
            "api_app_id": super::APP_ID,
            "event": event,
            "type": "event_callback",
            "event_id": format!("Ev{}", self.inner.next()),
            "event_time": 1_700_000_000,
            "authorizations": [{"enterprise_id": null, "team_id": super::TEAM_ID, "user_id": super::BOT_USER_ID, "is_bot": true, "is_enterprise_install": false}],
            "is_ext_shared_channel": false,
            "event_context": "4-fake",
        });
        self.send_envelope("events_api", payload, false)
    }

    /// A button press on a message the bot posted (`message` is what the fake recorded); returns
    /// (envelope id, response_url id).
    pub fn press(
        &self,
        user: &str,
        message: &Posted,
        action_id: &str,
    ) -> anyhow::Result<(String, u64)> {
        let button = find_element(&message.blocks, action_id)
            .ok_or_else(|| anyhow::anyhow!("no element {action_id} in the message"))?;
        let rid = self.inner.next();
        let ts = if message.ts.is_empty() {
            "1700000000.000200".to_string()
        } else {
            message.ts.clone()
        };
        let channel = if message.channel.is_empty() {
            super::PARTNERS_CHANNEL_ID.to_string()
        } else {
            message.channel.clone()
        };
        let payload = json!({
            "type": "block_actions",
            "user": {"id": user, "username": "someone", "name": "someone", "team_id": super::TEAM_ID},
            "api_app_id": super::APP_ID,
            "token": "legacy-verification-token",
            "container": {"type": "message", "message_ts": ts, "channel_id": channel, "is_ephemeral": matches!(message.kind, PostKind::Ephemeral { .. } | PostKind::Response { .. })},
            "trigger_id": format!("{rid}.trigger"),
            "team": {"id": super::TEAM_ID, "domain": super::TEAM_DOMAIN},
            "enterprise": null,
            "is_enterprise_install": false,
            "channel": {"id": channel, "name": "partners"},
            "message": {"type": "message", "ts": ts, "text": message.text, "blocks": message.blocks, "user": super::BOT_USER_ID, "bot_id": super::BOT_ID},
            "state": {"values": {}},
            "response_url": format!("{}/response/{rid}", self.base_url()),
            "actions": [{
                "action_id": action_id,
                "block_id": button.block_id,
                "text": button.element["text"],
                "value": button.element["value"],
                "type": "button",
                "action_ts": "1700000001.000300",
            }],
        });
        Ok((self.send_envelope("interactive", payload, false), rid))
    }

    /// Typing `typed` into the external select `action_id` of the open modal `view`: Slack asks the app
    /// for options (`block_suggestion`). Returns the envelope id: the options come back in its ack.
    pub fn suggest(
        &self,
        user: &str,
        view: &Value,
        action_id: &str,
        typed: &str,
    ) -> anyhow::Result<String> {
        let el = find_element(&view["blocks"], action_id)
            .ok_or_else(|| anyhow::anyhow!("no element {action_id} in the modal"))?;
        let payload = json!({
            "type": "block_suggestion",
            "user": {"id": user, "username": "someone", "name": "someone", "team_id": super::TEAM_ID},
            "container": {"type": "view", "view_id": view["id"]},
            "api_app_id": super::APP_ID,
            "token": "legacy-verification-token",
            "action_id": action_id,
            "block_id": el.block_id,
            "value": typed,
            "team": {"id": super::TEAM_ID, "domain": super::TEAM_DOMAIN},
            "enterprise": null,
            "is_enterprise_install": false,
            "view": view,
        });
        Ok(self.send_envelope("interactive", payload, true))
    }

    /// Picking `option` (`{"text": …, "value": …}`) in the select `action_id` of the open modal `view`: Slack
    /// sends a `block_actions` from the view (its id in the container, its hash and state in the view) when
    /// the select's input block dispatches actions, else nothing (an error here). Returns the envelope id.
    pub fn pick(
        &self,
        user: &str,
        view: &Value,
        action_id: &str,
        option: Value,
    ) -> anyhow::Result<String> {
        let el = find_element(&view["blocks"], action_id)
            .ok_or_else(|| anyhow::anyhow!("no element {action_id} in the modal"))?;
        let dispatches = view["blocks"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|b| b["block_id"] == el.block_id && b["dispatch_action"] == true);
        if !dispatches {
            anyhow::bail!("the block of {action_id} dispatches no actions: Slack sends nothing");
        }
        let kind = el.element["type"].clone();
        let mut v = view.clone();
        let block = el.block_id.as_str().unwrap_or_default().to_string();
        v["state"] =
            json!({"values": {(block): {(action_id): {"type": kind, "selected_option": option}}}});
        let payload = json!({
            "type": "block_actions",
            "user": {"id": user, "username": "someone", "name": "someone", "team_id": super::TEAM_ID},
            "api_app_id": super::APP_ID,
            "token": "legacy-verification-token",
            "container": {"type": "view", "view_id": view["id"]},
            "trigger_id": format!("{}.trigger", self.inner.next()),
            "team": {"id": super::TEAM_ID, "domain": super::TEAM_DOMAIN},
            "enterprise": null,
            "is_enterprise_install": false,
            "view": v,
            "actions": [{
                "type": kind,
                "action_id": action_id,
                "block_id": el.block_id,
                "selected_option": option,
                "action_ts": "1700000001.000400",
            }],
        });
        Ok(self.send_envelope("interactive", payload, false))
    }

    /// Wait until `views.update` has been answered `ok` `n` times in all; returns the `n`-th call.
    pub async fn view_update(&self, n: usize, timeout: Duration) -> anyhow::Result<super::Call> {
        self.wait_for(&format!("views.update #{n}"), timeout, |st| {
            st.calls
                .iter()
                .filter(|c| c.method == "views.update" && c.answer["ok"] == true)
                .nth(n - 1)
                .cloned()
        })
        .await
    }

    /// Submitting the modal `view` with `values`: block id -> (action id -> value state), e.g.
    /// `{"partner": {"partner": {"type": "external_select", "selected_option": {...}}}}`.
    pub fn submit(&self, user: &str, view: &Value, values: Value) -> String {
        let mut v = view.clone();
        v["state"] = json!({"values": values});
        let payload = json!({
            "type": "view_submission",
            "team": {"id": super::TEAM_ID, "domain": super::TEAM_DOMAIN},
            "user": {"id": user, "username": "someone", "name": "someone", "team_id": super::TEAM_ID},
            "api_app_id": super::APP_ID,
            "token": "legacy-verification-token",
            "trigger_id": format!("{}.trigger", self.inner.next()),
            "view": v,
            "response_urls": [],
            "enterprise": null,
            "is_enterprise_install": false,
        });
        self.send_envelope("interactive", payload, true)
    }

    /// Tell every live connection to refresh (`disconnect`, reason `refresh_requested`), as Slack does
    /// every few hours; the old connections are closed once a new one opened.
    pub fn request_refresh(&self) {
        let mut st = self.inner.st();
        let frame = json!({
            "type": "disconnect",
            "reason": "refresh_requested",
            "debug_info": {"host": "fake-slack"},
        })
        .to_string();
        for c in st.conns.iter_mut().filter(|c| !c.draining) {
            c.draining = true;
            let _ = c.tx.send(Out::Text(frame.clone()));
        }
        drop(st);
        self.inner.bump();
    }

    /// Close every open connection with a Close frame (no reason given), as Slack does when it ends one
    /// without a `disconnect` first.
    pub fn close_connections(&self) {
        for c in &self.inner.st().conns {
            let _ = c.tx.send(Out::Close);
        }
    }

    /// Refuse every `apps.connections.open` with `{"ok": false, "error": code}` (`service_unavailable`, as a
    /// Slack in trouble answers) until [`FakeSlack::allow_connections`]: no new Socket Mode connection can
    /// be opened meanwhile; open ones stay.
    pub fn refuse_connections(&self, code: &str) {
        self.fail_next(OPEN, code, REFUSED_AT_MOST);
    }

    /// Answer `apps.connections.open` again (every refusal armed for it dropped).
    pub fn allow_connections(&self) {
        self.inner.st().failures.remove(OPEN);
        self.inner.bump();
    }

    /// How many `apps.connections.open` calls were refused so far (by Slack's `ok: false`).
    pub fn refused_connections(&self) -> usize {
        refused(&self.inner.st())
    }

    /// Wait until `n` `apps.connections.open` calls in all were refused.
    pub async fn wait_refused_connections(
        &self,
        n: usize,
        timeout: Duration,
    ) -> anyhow::Result<()> {
        self.wait_for(
            &format!("{n} refused apps.connections.open calls"),
            timeout,
            |st| (refused(st) >= n).then_some(()),
        )
        .await
    }
}

/// The Web API method that hands out Socket Mode URLs.
const OPEN: &str = "apps.connections.open";

/// How many calls [`FakeSlack::refuse_connections`] refuses at most: far more than a bot retrying every few
/// seconds makes in a test.
const REFUSED_AT_MOST: usize = 10_000;

fn refused(st: &St) -> usize {
    st.calls
        .iter()
        .filter(|c| c.method == OPEN && c.answer["ok"] == false)
        .count()
}

/// An interactive element found in a list of blocks, with the block it sits in.
pub struct Found {
    pub block_id: Value,
    pub element: Value,
}

/// The element with `action_id` in `blocks` (actions, section accessories, inputs).
pub fn find_element(blocks: &Value, action_id: &str) -> Option<Found> {
    for b in blocks.as_array()? {
        let mut candidates: Vec<&Value> = Vec::new();
        if let Some(els) = b["elements"].as_array() {
            candidates.extend(els);
        }
        candidates.push(&b["accessory"]);
        candidates.push(&b["element"]);
        if let Some(e) = candidates.into_iter().find(|e| e["action_id"] == action_id) {
            return Some(Found {
                block_id: b["block_id"].clone(),
                element: e.clone(),
            });
        }
    }
    None
}

/// A posted message for an ack that carried one (recorded by tests that care).
pub fn posted_from_ack(ack: &Value) -> Option<Posted> {
    let p = ack.get("payload")?;
    let mut texts = Vec::new();
    texts_of(p, &mut texts);
    Some(Posted {
        kind: PostKind::Response { id: 0 },
        channel: String::new(),
        ts: String::new(),
        text: p["text"].as_str().unwrap_or_default().to_string(),
        blocks: p["blocks"].clone(),
        body: p.clone(),
        pings: texts.iter().flat_map(|t| pings_in(t)).collect(),
    })
}
