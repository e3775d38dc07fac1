//! The Web API side of the fake Slack: the methods the bot calls, answered as Slack answers them —
//! HTTP 200 with `{"ok": true, …}` or `{"ok": false, "error": "<code>"}`, and 429 with `Retry-After` (in
//! seconds) when a test armed a rate limit. Arguments come as a query string, a form body or a JSON body,
//! the token as `Authorization: Bearer …` (or a `token` argument), as Slack accepts them.

use super::{pings_in, texts_of, validation, Call, FakeSlack, Inner, PostKind, Posted, St, Upload};
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{json, Map, Value};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Decode `application/x-www-form-urlencoded` text.
fn form_decode(s: &str) -> Map<String, Value> {
    let unescape = |t: &str| {
        let bytes = t.as_bytes();
        let mut out = Vec::with_capacity(bytes.len());
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'+' => out.push(b' '),
                b'%' if i + 2 < bytes.len() => match std::str::from_utf8(&bytes[i + 1..i + 3])
                    .ok()
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                {
                    Some(b) => {
                        out.push(b);
                        i += 2;
                    }
                    None => out.push(b'%'),
                },
                b => out.push(b),
            }
            i += 1;
        }
        String::from_utf8_lossy(&out).into_owned()
    };
    s.split('&')
        .filter(|kv| !kv.is_empty())
        .map(|kv| {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            (unescape(k), Value::String(unescape(v)))
        })
        .collect()
}

/// The arguments of a call, from every place Slack reads them.
fn params(headers: &HeaderMap, query: Option<&str>, body: &[u8]) -> Map<String, Value> {
    let mut p = query.map(form_decode).unwrap_or_default();
    let ctype = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if ctype.starts_with("application/json") {
        if let Ok(Value::Object(m)) = serde_json::from_slice::<Value>(body) {
            p.extend(m);
        }
    } else if !body.is_empty() {
        p.extend(form_decode(&String::from_utf8_lossy(body)));
    }
    p
}

/// A JSON-valued argument that may arrive as a JSON string (form bodies) or as JSON (JSON bodies).
fn json_arg(p: &Map<String, Value>, k: &str) -> Option<Value> {
    match p.get(k)? {
        Value::String(s) => serde_json::from_str(s).ok(),
        other => Some(other.clone()),
    }
}

fn s<'a>(p: &'a Map<String, Value>, k: &str) -> &'a str {
    p.get(k).and_then(Value::as_str).unwrap_or_default()
}

fn err(code: &str) -> (u16, Value) {
    (200, json!({"ok": false, "error": code}))
}

fn ok(mut v: Value) -> (u16, Value) {
    v["ok"] = json!(true);
    (200, v)
}

/// Slack Connect: the organisation at the other end of a channel shared with ours.
pub const EXTERNAL_TEAM_ID: &str = "T0PARTNR1";
/// An admin of [`EXTERNAL_TEAM_ID`], known to `users.info` once a test adds [`external_admin`] to the
/// workspace's users (as someone in a shared channel is known to the app).
pub const EXTERNAL_ADMIN_USER_ID: &str = "U0EXTADM1";

/// The external organisation's admin: `is_admin` is about their own team.
pub fn external_admin() -> super::User {
    super::User {
        id: EXTERNAL_ADMIN_USER_ID.into(),
        name: "olga".into(),
        is_admin: true,
        is_owner: true,
        is_restricted: false,
        is_ultra_restricted: false,
    }
}

/// The team a user of the fake belongs to.
pub fn team_of(user: &str) -> &'static str {
    if user == EXTERNAL_ADMIN_USER_ID {
        EXTERNAL_TEAM_ID
    } else {
        super::TEAM_ID
    }
}

/// A user object as `users.info` has it. Someone of another organisation has their own `team_id`, and no
/// `is_stranger`: Slack sets that only for people in no shared channel the app can see.
fn user_json(u: &super::User) -> Value {
    let team = team_of(&u.id);
    json!({
        "id": u.id, "team_id": team, "name": u.name, "deleted": false, "real_name": u.name,
        "tz": "Europe/Berlin", "is_admin": u.is_admin, "is_owner": u.is_owner, "is_primary_owner": u.is_owner,
        "is_restricted": u.is_restricted, "is_ultra_restricted": u.is_ultra_restricted, "is_bot": false,
        "is_app_user": false, "updated": 1_700_000_000,
        "profile": {"real_name": u.name, "display_name": u.name, "team": team},
    })
}

fn channel_json(c: &super::Channel) -> Value {
    json!({
        "id": c.id, "name": c.name, "is_channel": !c.is_private, "is_group": c.is_private, "is_im": false,
        "is_private": c.is_private, "is_member": c.bot_is_member, "is_archived": false, "is_general": c.name == "general",
        "created": 1_600_000_000, "creator": super::ADMIN_USER_ID, "num_members": c.members.len(),
    })
}

/// Record a message-like post; returns its ts.
fn record(st: &mut St, ts: String, kind: PostKind, channel: &str, body: &Value) -> String {
    let mut texts = Vec::new();
    texts_of(body, &mut texts);
    st.posted.push(Posted {
        kind,
        channel: channel.to_string(),
        ts: ts.clone(),
        text: body["text"].as_str().unwrap_or_default().to_string(),
        blocks: body.get("blocks").cloned().unwrap_or(Value::Null),
        body: body.clone(),
        pings: texts.iter().flat_map(|t| pings_in(t)).collect(),
    });
    ts
}

/// The message fields of a call (blocks parsed when they came as a JSON string).
fn message_body(p: &Map<String, Value>) -> Value {
    let mut body = Value::Object(p.clone());
    if let Some(b) = json_arg(p, "blocks") {
        body["blocks"] = b;
    }
    body
}

/// Where a post goes: the channel must exist, and the bot must be in it.
fn postable(st: &St, channel: &str) -> Result<(), &'static str> {
    match st.ws.channels.get(channel) {
        None => Err("channel_not_found"),
        Some(c) if !c.bot_is_member => Err("not_in_channel"),
        Some(_) => Ok(()),
    }
}

fn method(
    inner: &Inner,
    st: &mut St,
    name: &str,
    token: &str,
    p: &Map<String, Value>,
) -> (u16, Value) {
    let is_app_token = token.starts_with("xapp-");
    if token.is_empty() {
        return err("not_authed");
    }
    if st.revoked.contains(token) {
        return err("token_revoked");
    }
    if name == "apps.connections.open" {
        if !is_app_token {
            return err("not_allowed_token_type");
        }
        if token != super::APP_TOKEN {
            return err("invalid_auth");
        }
        let ticket = format!("ticket-{}", inner.next());
        st.tickets.insert(ticket.clone());
        return ok(json!({"url": format!("ws://{}/link/?ticket={ticket}", inner.addr)}));
    }
    if is_app_token {
        return err("not_allowed_token_type");
    }
    if token != super::BOT_TOKEN {
        return err("invalid_auth");
    }
    let ts = || format!("{}.{:06}", 1_700_000_000 + inner.next(), 100);
    match name {
        "auth.test" => ok(json!({
            "url": format!("https://{}.slack.com/", super::TEAM_DOMAIN), "team": "Acme Partners",
            "user": "partnerfit", "team_id": super::TEAM_ID, "user_id": super::BOT_USER_ID,
            "bot_id": super::BOT_ID, "is_enterprise_install": false,
        })),
        "chat.postMessage" => {
            let channel = s(p, "channel").to_string();
            if let Err(e) = postable(st, &channel) {
                return err(e);
            }
            let body = message_body(p);
            if let Err(e) = validation::message(&body) {
                return err(e.split(':').next().unwrap_or("invalid_blocks"));
            }
            let ts = record(st, ts(), PostKind::Message, &channel, &body);
            ok(
                json!({"channel": channel, "ts": ts, "message": {"type": "message", "text": body["text"], "ts": ts, "bot_id": super::BOT_ID}}),
            )
        }
        "chat.postEphemeral" => {
            let channel = s(p, "channel").to_string();
            let user = s(p, "user").to_string();
            if let Err(e) = postable(st, &channel) {
                return err(e);
            }
            if !st.ws.users.contains_key(&user) {
                return err("user_not_found");
            }
            let body = message_body(p);
            if let Err(e) = validation::message(&body) {
                return err(e.split(':').next().unwrap_or("invalid_blocks"));
            }
            let ts = record(st, ts(), PostKind::Ephemeral { user }, &channel, &body);
            ok(json!({"message_ts": ts}))
        }
        "chat.update" => {
            let channel = s(p, "channel").to_string();
            let old = s(p, "ts").to_string();
            if !st
                .posted
                .iter()
                .any(|m| m.kind == PostKind::Message && m.channel == channel && m.ts == old)
            {
                return err("message_not_found");
            }
            let body = message_body(p);
            if let Err(e) = validation::message(&body) {
                return err(e.split(':').next().unwrap_or("invalid_blocks"));
            }
            record(st, old.clone(), PostKind::Update, &channel, &body);
            ok(json!({"channel": channel, "ts": old, "text": body["text"]}))
        }
        "views.open" => {
            if s(p, "trigger_id").is_empty() {
                return err("invalid_trigger_id");
            }
            let Some(mut view) = json_arg(p, "view") else {
                return err("invalid_arguments");
            };
            if let Err(e) = validation::view(&view) {
                return err(e.split(':').next().unwrap_or("invalid_arguments"));
            }
            view["id"] = json!(format!("V{}", inner.next()));
            view["team_id"] = json!(super::TEAM_ID);
            view["app_id"] = json!(super::APP_ID);
            view["bot_id"] = json!(super::BOT_ID);
            view["hash"] = json!("fake-hash");
            view["state"] = json!({"values": {}});
            st.views.push(view.clone());
            ok(json!({"view": view}))
        }
        "views.update" => views_update(inner, st, p),
        "conversations.info" => match st.ws.channels.get(s(p, "channel")) {
            Some(c) if !c.is_private || c.bot_is_member => ok(json!({"channel": channel_json(c)})),
            _ => err("channel_not_found"),
        },
        "conversations.members" => match st.ws.channels.get(s(p, "channel")) {
            Some(c) if !c.is_private || c.bot_is_member => {
                let mut members = c.members.clone();
                if c.bot_is_member {
                    members.push(super::BOT_USER_ID.into());
                }
                ok(json!({"members": members, "response_metadata": {"next_cursor": ""}}))
            }
            _ => err("channel_not_found"),
        },
        "conversations.list" => {
            let chans: Vec<Value> = st
                .ws
                .channels
                .values()
                .filter(|c| !c.is_private || c.bot_is_member)
                .map(channel_json)
                .collect();
            ok(json!({"channels": chans, "response_metadata": {"next_cursor": ""}}))
        }
        "users.info" => match st.ws.users.get(s(p, "user")) {
            Some(u) => ok(json!({"user": user_json(u)})),
            None => err("user_not_found"),
        },
        "usergroups.users.list" => match st.ws.usergroups.get(s(p, "usergroup")) {
            Some(users) => ok(json!({"users": users})),
            None => err("no_such_subteam"),
        },
        "files.getUploadURLExternal" => {
            let filename = s(p, "filename").to_string();
            let length = p.get("length").and_then(|v| {
                v.as_u64()
                    .or_else(|| v.as_str().and_then(|x| x.parse().ok()))
            });
            let Some(length) = length.filter(|_| !filename.is_empty()) else {
                return err("invalid_arguments");
            };
            let file_id = format!("F{}", inner.next());
            st.uploads.insert(
                file_id.clone(),
                Upload {
                    file_id: file_id.clone(),
                    filename,
                    length: length as usize,
                    ..Upload::default()
                },
            );
            ok(
                json!({"upload_url": format!("{}/upload/{file_id}", inner.base_url()), "file_id": file_id}),
            )
        }
        "files.completeUploadExternal" => {
            let Some(Value::Array(files)) = json_arg(p, "files") else {
                return err("invalid_arguments");
            };
            let channel = s(p, "channel_id").to_string();
            if !channel.is_empty() {
                if let Err(e) = postable(st, &channel) {
                    return err(e);
                }
            }
            let blocks = json_arg(p, "blocks");
            if let Some(b) = &blocks {
                if let Err(e) = validation::message(&json!({"text": "x", "blocks": b})) {
                    return err(e.split(':').next().unwrap_or("invalid_blocks"));
                }
            }
            let mut out = Vec::new();
            for f in &files {
                let id = f["id"].as_str().unwrap_or_default();
                match st.uploads.get_mut(id) {
                    Some(u) if u.bytes.is_some() => {
                        u.shared_in = Some(channel.clone()).filter(|c| !c.is_empty());
                        u.initial_comment = p
                            .get("initial_comment")
                            .and_then(Value::as_str)
                            .map(str::to_string);
                        u.blocks = blocks.clone();
                        out.push(json!({"id": id, "title": f["title"].as_str().unwrap_or(&u.filename), "name": u.filename}));
                    }
                    _ => return err("file_not_found"),
                }
            }
            if !channel.is_empty() {
                let mut body = json!({"text": p.get("initial_comment").cloned().unwrap_or(json!("")), "files": out});
                if let Some(b) = &blocks {
                    body["blocks"] = b.clone();
                }
                record(st, ts(), PostKind::Message, &channel, &body);
            }
            ok(json!({"files": out}))
        }
        _ => err("unknown_method"),
    }
}

/// `views.update` by `view_id` (the bot's own modals only, as an app can update no other), checked like
/// `views.open`; a `hash` that is not the view's latest is refused (`hash_conflict`), as Slack does. The
/// view is replaced (under the same id, with a new hash) in what [`super::FakeSlack::views`] returns; the
/// call itself is recorded with the others.
fn views_update(inner: &Inner, st: &mut St, p: &Map<String, Value>) -> (u16, Value) {
    let id = s(p, "view_id");
    if id.is_empty() {
        return err("invalid_arguments");
    }
    let Some(i) = st.views.iter().position(|v| v["id"] == id) else {
        return err("not_found");
    };
    if p.get("hash").is_some_and(|h| h != &st.views[i]["hash"]) {
        return err("hash_conflict");
    }
    let Some(mut view) = json_arg(p, "view") else {
        return err("invalid_arguments");
    };
    if let Err(e) = validation::view(&view) {
        return err(e.split(':').next().unwrap_or("invalid_arguments"));
    }
    view["id"] = json!(id);
    view["team_id"] = json!(super::TEAM_ID);
    view["app_id"] = json!(super::APP_ID);
    view["bot_id"] = json!(super::BOT_ID);
    view["hash"] = json!(format!("fake-hash-{}", inner.next()));
    view["state"] = json!({"values": {}});
    st.views[i] = view.clone();
    ok(json!({"view": view}))
}

pub(crate) async fn api_handler(
    State(inner): State<Arc<Inner>>,
    Path(name): Path<String>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Response {
    inner.hold_if_armed(&name).await;
    let p = params(&headers, query.as_deref(), &body);
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::to_string)
        .or_else(|| p.get("token").and_then(Value::as_str).map(str::to_string));
    let mut st = inner.st();
    let limited = st.rate_limits.get_mut(&name).and_then(|q| q.pop_front());
    let failure = match limited {
        Some(_) => None,
        None => st.failures.get_mut(&name).and_then(|q| q.pop_front()),
    };
    let (status, answer, retry_after) = match (limited, failure) {
        (Some(secs), _) => (
            429,
            json!({"ok": false, "error": "ratelimited"}),
            Some(secs),
        ),
        (None, Some(code)) => {
            let (status, answer) = err(&code);
            (status, answer, None)
        }
        (None, None) => {
            let (status, answer) = method(
                &inner,
                &mut st,
                &name,
                token.as_deref().unwrap_or_default(),
                &p,
            );
            (status, answer, None)
        }
    };
    st.calls.push(Call {
        method: name,
        params: Value::Object(p),
        token,
        at: Instant::now(),
        status,
        answer: answer.clone(),
    });
    drop(st);
    inner.bump();
    let mut resp = (
        StatusCode::from_u16(status).unwrap_or(StatusCode::OK),
        [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
        answer.to_string(),
    )
        .into_response();
    if let Some(secs) = retry_after {
        resp.headers_mut()
            .insert(header::RETRY_AFTER, secs.to_string().parse().unwrap());
    }
    resp
}

/// The upload URL of `files.getUploadURLExternal`: takes the bytes (raw or as a multipart `file` part).
pub(crate) async fn upload_handler(
    State(inner): State<Arc<Inner>>,
    Path(file_id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let ctype = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let bytes = match ctype.split_once("boundary=") {
        Some((_, boundary)) if ctype.starts_with("multipart/form-data") => {
            multipart_file(&body, boundary.trim_matches('"')).unwrap_or_default()
        }
        _ => body.to_vec(),
    };
    let mut st = inner.st();
    let answer = match st.uploads.get_mut(&file_id) {
        Some(u) => {
            let n = bytes.len();
            u.bytes = Some(bytes);
            (StatusCode::OK, format!("OK - {n}"))
        }
        None => (StatusCode::NOT_FOUND, "no such upload".to_string()),
    };
    drop(st);
    inner.bump();
    answer.into_response()
}

/// The first part's content of a multipart body.
fn multipart_file(body: &[u8], boundary: &str) -> Option<Vec<u8>> {
    let delim = format!("--{boundary}");
    let start = find(body, delim.as_bytes())? + delim.len();
    let rest = &body[start..];
    let head_end = find(rest, b"\r\n\r\n")? + 4;
    let content = &rest[head_end..];
    let end = find(content, format!("\r\n{delim}").as_bytes())?;
    Some(content[..end].to_vec())
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// A `response_url` POST: a message for the command's channel (ephemeral unless `response_type` says
/// `in_channel`), checked like any message. It needs no token (the URL is the credential): one sent anyway
/// is recorded in the call's `token`.
pub(crate) async fn response_handler(
    State(inner): State<Arc<Inner>>,
    Path(id): Path<u64>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.strip_prefix("Bearer ").unwrap_or(v).to_string());
    let v: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let mut st = inner.st();
    st.responded_at.entry(id).or_insert_with(Instant::now);
    let answer = match validation::message(&v) {
        Ok(()) => {
            record(&mut st, String::new(), PostKind::Response { id }, "", &v);
            (StatusCode::OK, json!({"ok": true}).to_string())
        }
        Err(e) => (
            StatusCode::BAD_REQUEST,
            json!({"ok": false, "error": e.split(':').next().unwrap_or("invalid_blocks"), "detail": e}).to_string(),
        ),
    };
    st.calls.push(Call {
        method: "response_url".into(),
        params: v,
        token,
        at: Instant::now(),
        status: answer.0.as_u16(),
        answer: serde_json::from_str(&answer.1).unwrap_or(Value::Null),
    });
    drop(st);
    inner.bump();
    (
        answer.0,
        [(header::CONTENT_TYPE, "application/json")],
        answer.1,
    )
        .into_response()
}

/// Web API calls the fake holds unanswered, as a Slack (or a proxy) that does not answer would.
#[derive(Debug, Default)]
pub(crate) struct Holds {
    /// How many of the next calls of each method are held.
    armed: HashMap<String, usize>,
    /// Calls held so far.
    held: usize,
    /// Set by [`FakeSlack::release_held`]: every held call, and every later one, is answered.
    released: bool,
}

impl Inner {
    /// Hold this call of `method` until the test releases it, when a hold is armed for it.
    async fn hold_if_armed(&self, method: &str) {
        let mut changed = self.changed.subscribe();
        {
            let mut st = self.st();
            let holds = &mut st.holds;
            match holds.armed.get_mut(method) {
                Some(n) if *n > 0 && !holds.released => {
                    *n -= 1;
                    holds.held += 1;
                }
                _ => return,
            }
        }
        self.bump();
        while !self.st().holds.released {
            if changed.changed().await.is_err() {
                return;
            }
        }
    }
}

impl FakeSlack {
    /// The next `n` calls of `method` are held unanswered until [`FakeSlack::release_held`].
    pub fn hold_next(&self, method: &str, n: usize) {
        *self
            .inner
            .st()
            .holds
            .armed
            .entry(method.to_string())
            .or_default() += n;
    }

    /// Wait until `n` calls in all are being held (or were).
    pub async fn wait_held(&self, n: usize, timeout: Duration) -> anyhow::Result<()> {
        self.wait_for(&format!("{n} held Web API calls"), timeout, |st| {
            (st.holds.held >= n).then_some(())
        })
        .await
    }

    /// Answer every held call, and hold no more.
    pub fn release_held(&self) {
        self.inner.st().holds.released = true;
        self.inner.bump();
    }
}
