//! A fake Slack (Web API + Socket Mode) on 127.0.0.1 for integration tests.
//!
//! The real bot is pointed at it with `PARTNERFIT_SLACK_API_URL=http://127.0.0.1:PORT/api/`: every Web
//! API call goes there, and the Socket Mode URL comes from its `apps.connections.open`, as on Slack.
//!
//! What it does, after Slack's documentation (api.slack.com: Socket Mode, the Web API methods below,
//! Block Kit reference):
//! - Socket Mode ([`socket`]): a `hello` on connect (held back while a test asks, as a slow Slack would),
//!   connections dropped without a close frame when a test breaks them or closed with one, new ones refused
//!   until a test allows them, envelopes (`slash_commands`, `interactive`, `events_api`, and any other type a
//!   test asks for) with an `envelope_id`, acknowledgements collected per envelope, a `disconnect` with
//!   reason `refresh_requested` after which the old connection gets no more envelopes and is closed once a
//!   new one opened; envelopes sent while no connection is open wait for the next one, as Slack retries them;
//! - the Web API ([`web`]): `auth.test`, `apps.connections.open` (app-level token only), `chat.postMessage`,
//!   `chat.postEphemeral`, `chat.update`, `views.open`, `conversations.info|members|list`, `users.info`,
//!   `usergroups.users.list`, `files.getUploadURLExternal`, the upload URL, `files.completeUploadExternal`,
//!   and `response_url` POSTs (recording whether they carried a token); Slack's `{"ok":false,"error":…}`
//!   answers (`invalid_auth`, `token_revoked`, `not_allowed_token_type`, `channel_not_found`,
//!   `not_in_channel`, `invalid_blocks`, `msg_too_long`, …, or any code a test arms with
//!   [`FakeSlack::fail_next`]) and `429` with `Retry-After` when a test arms a rate limit;
//! - command and mention text escaped as Slack sends it ([`slack_escape`]): `&`, `<`, `>` as `&amp;`,
//!   `&lt;`, `&gt;`, except Slack's own tokens (`<@U…>`, `<#C…|name>`, `<!subteam^S…|@x>`, `<!here>`…),
//!   which stand for what a user picked from Slack's menus;
//! - [`validation`]: Block Kit limits (50 blocks a message, 100 a modal, 3,000 characters a section text, 10
//!   fields a section, 2,000 a field, 150 a header, 75 a button label, 24 a modal title, 100 options):
//!   whatever Slack would reject answers `invalid_blocks` here too;
//! - every message, ephemeral, update, response and upload is recorded with the mentions it would ping.
#![allow(dead_code)]

pub mod socket;
pub mod validation;
pub mod web;

use super::fake_discord::served::Served;
use anyhow::{anyhow, Context as _};
use axum::extract::DefaultBodyLimit;
use axum::routing::{any, get, post};
use axum::Router;
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, watch};

pub const BOT_TOKEN: &str = "xoxb-fake-bot-token";
pub const APP_TOKEN: &str = "xapp-1-fake-app-token";
pub const TEAM_ID: &str = "T0FAKE01";
pub const TEAM_DOMAIN: &str = "acme-partners";
pub const APP_ID: &str = "A0FAKE01";
pub const BOT_USER_ID: &str = "U0BOT0001";
pub const BOT_ID: &str = "B0BOT0001";
/// Workspace admin: a lead by Slack's own roles.
pub const ADMIN_USER_ID: &str = "U0ADMIN01";
/// A full member of the workspace with no admin rights.
pub const MEMBER_USER_ID: &str = "U0MEMBER1";
/// A multi-channel guest (`is_restricted`).
pub const GUEST_USER_ID: &str = "U0GUEST01";
/// A full member who is in the leads user group.
pub const GROUP_LEAD_USER_ID: &str = "U0GLEAD01";
/// The bot is a member of #partners.
pub const PARTNERS_CHANNEL_ID: &str = "C0PARTNER";
/// The bot is not a member of #general.
pub const GENERAL_CHANNEL_ID: &str = "C0GENERAL";
/// A private channel the bot is in.
pub const PRIVATE_CHANNEL_ID: &str = "G0PRIVATE";
pub const LEADS_GROUP_ID: &str = "S0LEADS01";
pub const REVIEW_GROUP_ID: &str = "S0REVIEW1";

/// A posted message (or ephemeral, update, response) as the fake recorded it.
#[derive(Debug, Clone, PartialEq)]
pub struct Posted {
    pub kind: PostKind,
    /// Channel id (empty for a response_url post whose channel the fake does not know).
    pub channel: String,
    pub ts: String,
    pub text: String,
    pub blocks: Value,
    /// The whole request body.
    pub body: Value,
    /// Mentions Slack would turn into notifications: `<!channel>`, `<!here>`, `<!everyone>`, `<@U…>`,
    /// `<!subteam^S…>` found unescaped in any text of the message.
    pub pings: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PostKind {
    Message,
    Ephemeral {
        user: String,
    },
    Update,
    /// A POST to a `response_url`; the number is the response URL's id.
    Response {
        id: u64,
    },
}

/// A Web API call as the fake received it.
#[derive(Debug, Clone)]
pub struct Call {
    pub method: String,
    pub params: Value,
    pub token: Option<String>,
    pub at: Instant,
    /// The answer: HTTP status and body.
    pub status: u16,
    pub answer: Value,
}

/// A file that went through the external upload flow.
#[derive(Debug, Clone, Default)]
pub struct Upload {
    pub file_id: String,
    pub filename: String,
    pub length: usize,
    pub bytes: Option<Vec<u8>>,
    /// Where `files.completeUploadExternal` shared it, with the comment it carried.
    pub shared_in: Option<String>,
    pub initial_comment: Option<String>,
    pub blocks: Option<Value>,
}

#[derive(Debug, Clone)]
pub struct Channel {
    pub id: String,
    pub name: String,
    pub is_private: bool,
    pub bot_is_member: bool,
    pub members: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct User {
    pub id: String,
    pub name: String,
    pub is_admin: bool,
    pub is_owner: bool,
    /// A guest: multi-channel (`is_restricted`) or single-channel (`is_ultra_restricted`).
    pub is_restricted: bool,
    pub is_ultra_restricted: bool,
}

/// The workspace the fake plays.
#[derive(Debug, Clone)]
pub struct Workspace {
    pub users: BTreeMap<String, User>,
    pub channels: BTreeMap<String, Channel>,
    pub usergroups: BTreeMap<String, Vec<String>>,
}

impl Default for Workspace {
    fn default() -> Workspace {
        let user = |id: &str, name: &str, admin: bool, guest: bool| User {
            id: id.into(),
            name: name.into(),
            is_admin: admin,
            is_owner: false,
            is_restricted: guest,
            is_ultra_restricted: false,
        };
        let users = [
            user(ADMIN_USER_ID, "ana", true, false),
            user(MEMBER_USER_ID, "max", false, false),
            user(GUEST_USER_ID, "gus", false, true),
            user(GROUP_LEAD_USER_ID, "lee", false, false),
        ]
        .into_iter()
        .map(|u| (u.id.clone(), u))
        .collect();
        let everyone = vec![
            ADMIN_USER_ID.to_string(),
            MEMBER_USER_ID.into(),
            GUEST_USER_ID.into(),
            GROUP_LEAD_USER_ID.into(),
        ];
        let channel = |id: &str, name: &str, private: bool, member: bool| Channel {
            id: id.into(),
            name: name.into(),
            is_private: private,
            bot_is_member: member,
            members: everyone.clone(),
        };
        let channels = [
            channel(PARTNERS_CHANNEL_ID, "partners", false, true),
            channel(GENERAL_CHANNEL_ID, "general", false, false),
            channel(PRIVATE_CHANNEL_ID, "deal-desk", true, true),
        ]
        .into_iter()
        .map(|c| (c.id.clone(), c))
        .collect();
        let usergroups = [
            (
                LEADS_GROUP_ID.to_string(),
                vec![GROUP_LEAD_USER_ID.to_string()],
            ),
            (REVIEW_GROUP_ID.to_string(), vec![ADMIN_USER_ID.to_string()]),
        ]
        .into_iter()
        .collect();
        Workspace {
            users,
            channels,
            usergroups,
        }
    }
}

/// An outgoing frame for one Socket Mode connection.
#[derive(Debug)]
pub(crate) enum Out {
    Text(String),
    Close,
    /// Drop the connection without a close frame, as a network failure would.
    Abort,
}

#[derive(Debug)]
pub(crate) struct Conn {
    pub id: u64,
    pub tx: mpsc::UnboundedSender<Out>,
    /// Told to refresh: gets no more envelopes.
    pub draining: bool,
}

/// Everything the fake knows, behind one lock.
#[derive(Debug, Default)]
pub(crate) struct St {
    pub ws: Workspace,
    pub revoked: HashSet<String>,
    pub tickets: HashSet<String>,
    pub conns: Vec<Conn>,
    /// Connections ever opened (hello sent).
    pub connections_opened: u64,
    pub pending: VecDeque<String>,
    /// Acknowledgements by envelope id: the whole frame the bot sent.
    pub acks: HashMap<String, Value>,
    /// When each envelope was sent and acknowledged.
    pub sent_at: HashMap<String, Instant>,
    pub acked_at: HashMap<String, Instant>,
    /// When each response URL got its first POST.
    pub responded_at: HashMap<u64, Instant>,
    /// Frames the bot sent that were not acknowledgements of a known envelope.
    pub stray_frames: Vec<String>,
    pub calls: Vec<Call>,
    pub posted: Vec<Posted>,
    pub views: Vec<Value>,
    pub uploads: BTreeMap<String, Upload>,
    /// Armed rate limits: the next calls of a method answer 429 with these Retry-After seconds.
    pub rate_limits: HashMap<String, VecDeque<u64>>,
    /// Armed failures: the next calls of a method answer `{"ok": false, "error": <code>}`.
    pub failures: HashMap<String, VecDeque<String>>,
    /// While set, new connections wait before their `hello` (a slow Slack).
    pub hold_hello: bool,
    /// Connections accepted (WebSocket upgraded), hello sent or not.
    pub connections_accepted: u64,
    /// Web API calls held unanswered ([`FakeSlack::hold_next`]).
    pub holds: web::Holds,
}

pub(crate) struct Inner {
    pub addr: std::net::SocketAddr,
    pub st: Mutex<St>,
    pub changed: watch::Sender<u64>,
    pub next_id: AtomicU64,
    server: Served,
}

impl Inner {
    pub fn st(&self) -> MutexGuard<'_, St> {
        self.st.lock().unwrap_or_else(|p| p.into_inner())
    }
    /// Wake everyone waiting for a change.
    pub fn bump(&self) {
        self.changed.send_modify(|v| *v += 1);
    }
    pub fn next(&self) -> u64 {
        self.next_id.fetch_add(1, Ordering::SeqCst)
    }
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }
}

/// The fake Slack; stopped when [`FakeSlack::shutdown`] is called or the test's runtime ends.
#[derive(Clone)]
pub struct FakeSlack {
    pub(crate) inner: Arc<Inner>,
}

/// What a test waits for at most.
pub const WAIT: Duration = Duration::from_secs(15);

impl FakeSlack {
    pub async fn start() -> anyhow::Result<FakeSlack> {
        FakeSlack::start_with(Workspace::default()).await
    }

    pub async fn start_with(ws: Workspace) -> anyhow::Result<FakeSlack> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .context("binding the fake Slack")?;
        let addr = listener.local_addr()?;
        let inner = Arc::new(Inner {
            addr,
            st: Mutex::new(St {
                ws,
                ..St::default()
            }),
            changed: watch::channel(0).0,
            next_id: AtomicU64::new(1),
            server: Served::default(),
        });
        let app = Router::new()
            .route("/link/", get(socket::ws_handler))
            .route("/api/{method}", any(web::api_handler))
            .route("/upload/{file_id}", post(web::upload_handler))
            .route("/response/{id}", post(web::response_handler))
            .layer(DefaultBodyLimit::max(32 << 20))
            .with_state(inner.clone());
        inner.server.serve(listener, app);
        Ok(FakeSlack { inner })
    }

    /// `http://127.0.0.1:PORT/api/`: the bot's `PARTNERFIT_SLACK_API_URL`.
    pub fn api_url(&self) -> String {
        format!("{}/api/", self.inner.base_url())
    }

    pub fn base_url(&self) -> String {
        self.inner.base_url()
    }

    /// Revoke a token: every later call with it answers `token_revoked`.
    pub fn revoke(&self, token: &str) {
        self.inner.st().revoked.insert(token.to_string());
    }

    /// The next `n` calls of `method` answer 429 with `Retry-After: secs`.
    pub fn rate_limit(&self, method: &str, secs: u64, n: usize) {
        let mut st = self.inner.st();
        let q = st.rate_limits.entry(method.to_string()).or_default();
        q.extend(std::iter::repeat_n(secs, n));
    }

    /// The next `n` calls of `method` answer `{"ok": false, "error": code}` (after any armed rate limit).
    pub fn fail_next(&self, method: &str, code: &str, n: usize) {
        let mut st = self.inner.st();
        let q = st.failures.entry(method.to_string()).or_default();
        q.extend(std::iter::repeat_n(code.to_string(), n));
    }

    /// When an envelope was acknowledged, if it was.
    pub fn acked_at(&self, envelope_id: &str) -> Option<Instant> {
        self.inner.st().acked_at.get(envelope_id).copied()
    }

    /// When an envelope was sent, if it was.
    pub fn sent_at(&self, envelope_id: &str) -> Option<Instant> {
        self.inner.st().sent_at.get(envelope_id).copied()
    }

    /// Change the workspace (add a user, take the bot out of a channel…).
    pub fn edit_workspace(&self, f: impl FnOnce(&mut Workspace)) {
        f(&mut self.inner.st().ws);
    }

    /// Every Web API call so far.
    pub fn calls(&self) -> Vec<Call> {
        self.inner.st().calls.clone()
    }

    /// The calls of one method.
    pub fn calls_of(&self, method: &str) -> Vec<Call> {
        self.calls()
            .into_iter()
            .filter(|c| c.method == method)
            .collect()
    }

    /// Everything posted so far, in order.
    pub fn posted(&self) -> Vec<Posted> {
        self.inner.st().posted.clone()
    }

    /// Messages posted with chat.postMessage in `channel`.
    pub fn messages_in(&self, channel: &str) -> Vec<Posted> {
        self.posted()
            .into_iter()
            .filter(|p| p.kind == PostKind::Message && p.channel == channel)
            .collect()
    }

    pub fn views(&self) -> Vec<Value> {
        self.inner.st().views.clone()
    }

    pub fn uploads(&self) -> Vec<Upload> {
        self.inner.st().uploads.values().cloned().collect()
    }

    /// How many Socket Mode connections said hello so far.
    pub fn connections_opened(&self) -> u64 {
        self.inner.st().connections_opened
    }

    /// While `hold` is set, new Socket Mode connections are accepted but wait before Slack's `hello`.
    pub fn hold_hello(&self, hold: bool) {
        self.inner.st().hold_hello = hold;
        self.inner.bump();
    }

    /// Wait until `n` connections in all were accepted (hello sent or held).
    pub async fn wait_connections_accepted(&self, n: u64, timeout: Duration) -> anyhow::Result<()> {
        self.wait_for(
            &format!("{n} accepted Socket Mode connections"),
            timeout,
            |st| (st.connections_accepted >= n).then_some(()),
        )
        .await
    }

    /// Drop every open connection without a close frame, as a network failure would.
    pub fn break_connections(&self) {
        for c in &self.inner.st().conns {
            let _ = c.tx.send(Out::Abort);
        }
    }

    /// Open connections that were not told to refresh.
    pub fn live_connections(&self) -> usize {
        self.inner.st().conns.iter().filter(|c| !c.draining).count()
    }

    /// Frames the bot sent that acknowledged nothing known.
    pub fn stray_frames(&self) -> Vec<String> {
        self.inner.st().stray_frames.clone()
    }

    /// Wait until `f` finds something in the state, up to `timeout`.
    pub(crate) async fn wait_for<T>(
        &self,
        what: &str,
        timeout: Duration,
        mut f: impl FnMut(&St) -> Option<T>,
    ) -> anyhow::Result<T> {
        let mut rx = self.inner.changed.subscribe();
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            rx.borrow_and_update();
            if let Some(v) = f(&self.inner.st()) {
                return Ok(v);
            }
            match tokio::time::timeout_at(deadline, rx.changed()).await {
                Ok(Ok(())) => {}
                Ok(Err(_)) => {
                    return Err(anyhow!("the fake Slack stopped while waiting for {what}"))
                }
                Err(_) => return Err(anyhow!("timed out after {timeout:?} waiting for {what}")),
            }
        }
    }

    /// Wait for a Socket Mode connection (hello sent) that is not draining.
    pub async fn wait_connected(&self, timeout: Duration) -> anyhow::Result<()> {
        self.wait_for("a Socket Mode connection", timeout, |st| {
            st.conns.iter().any(|c| !c.draining).then_some(())
        })
        .await
    }

    /// Wait until `n` connections in all have said hello.
    pub async fn wait_connections_opened(&self, n: u64, timeout: Duration) -> anyhow::Result<()> {
        self.wait_for(&format!("{n} Socket Mode connections"), timeout, |st| {
            (st.connections_opened >= n).then_some(())
        })
        .await
    }

    /// Wait for the acknowledgement of an envelope; returns the whole ack frame.
    pub async fn ack(&self, envelope_id: &str, timeout: Duration) -> anyhow::Result<Value> {
        self.wait_for(&format!("the ack of {envelope_id}"), timeout, |st| {
            st.acks.get(envelope_id).cloned()
        })
        .await
    }

    /// For a slash command's envelope and its response URL: (sent -> acknowledged, sent -> first response).
    pub fn latencies(&self, envelope_id: &str, response_id: u64) -> Option<(Duration, Duration)> {
        let st = self.inner.st();
        let sent = *st.sent_at.get(envelope_id)?;
        Some((
            *st.acked_at.get(envelope_id)? - sent,
            *st.responded_at.get(&response_id)? - sent,
        ))
    }

    /// Wait for the `n`-th post (counting from 1) to a response URL.
    pub async fn response(&self, id: u64, n: usize, timeout: Duration) -> anyhow::Result<Posted> {
        self.wait_for(
            &format!("response #{n} to response_url {id}"),
            timeout,
            |st| {
                st.posted
                    .iter()
                    .filter(|p| p.kind == PostKind::Response { id })
                    .nth(n - 1)
                    .cloned()
            },
        )
        .await
    }

    /// Wait for the first message posted privately to `user` (`chat.postEphemeral`), and return it.
    pub async fn wait_ephemeral(&self, what: &str, user: &str, timeout: Duration) -> Posted {
        let kind = PostKind::Ephemeral { user: user.into() };
        let mut found = self
            .wait_posted(what, 1, timeout, |p| p.kind == kind)
            .await
            .unwrap();
        found.swap_remove(0)
    }

    /// Wait until at least `n` posts match `f`; returns them.
    pub async fn wait_posted(
        &self,
        what: &str,
        n: usize,
        timeout: Duration,
        f: impl Fn(&Posted) -> bool,
    ) -> anyhow::Result<Vec<Posted>> {
        self.wait_for(what, timeout, |st| {
            let found: Vec<Posted> = st.posted.iter().filter(|p| f(p)).cloned().collect();
            (found.len() >= n).then_some(found)
        })
        .await
    }

    /// Wait until a call of `method` has been answered `n` times in all.
    pub async fn wait_calls(
        &self,
        method: &str,
        n: usize,
        timeout: Duration,
    ) -> anyhow::Result<Vec<Call>> {
        self.wait_for(&format!("{n} calls of {method}"), timeout, |st| {
            let found: Vec<Call> = st
                .calls
                .iter()
                .filter(|c| c.method == method)
                .cloned()
                .collect();
            (found.len() >= n).then_some(found)
        })
        .await
    }

    /// Wait for the `n`-th modal opened (counting from 1).
    pub async fn view(&self, n: usize, timeout: Duration) -> anyhow::Result<Value> {
        self.wait_for(&format!("modal #{n}"), timeout, |st| {
            st.views.get(n - 1).cloned()
        })
        .await
    }

    /// Stop the server, closing every connection.
    pub async fn shutdown(self) {
        {
            let st = self.inner.st();
            for c in &st.conns {
                let _ = c.tx.send(Out::Close);
            }
        }
        self.inner.server.stop().await;
    }
}

/// The mentions in `text` that Slack would turn into notifications.
pub fn pings_in(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find('<') {
        let after = &rest[start + 1..];
        let Some(end) = after.find('>') else { break };
        let inner = &after[..end];
        let target = inner.split('|').next().unwrap_or_default();
        let pings = target.starts_with('@')
            || target == "!channel"
            || target == "!here"
            || target == "!everyone"
            || target.starts_with("!subteam^");
        if pings {
            out.push(format!("<{target}>"));
        }
        rest = &after[end + 1..];
    }
    out
}

/// Every `text` string anywhere in a JSON value (message text, blocks, fields, elements).
pub fn texts_of(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(m) => {
            for (k, x) in m {
                match (k.as_str(), x) {
                    ("text", Value::String(s)) => out.push(s.clone()),
                    _ => texts_of(x, out),
                }
            }
        }
        Value::Array(a) => a.iter().for_each(|x| texts_of(x, out)),
        _ => {}
    }
}

/// The readable text of a message: its `text` and every text in its blocks, joined by newlines.
pub fn all_text(p: &Posted) -> String {
    let mut out = vec![p.text.clone()];
    texts_of(&p.blocks, &mut out);
    out.join("\n")
}

/// The header of a Block Kit message (its first `header` block), if any.
pub fn header_of(blocks: &Value) -> Option<String> {
    blocks
        .as_array()?
        .iter()
        .find(|b| b["type"] == "header")
        .and_then(|b| b["text"]["text"].as_str())
        .map(str::to_string)
}

/// `text` as Slack sends what a user typed (Slack's "Escaping text": `&` as `&amp;`, `<` as `&lt;`, `>` as
/// `&gt;`), except the tokens Slack writes itself for what was picked from its menus: `<@U…>`, `<#C…>`,
/// `<!subteam^S…>` (each with an optional `|label`), `<!here>`, `<!channel>`, `<!everyone>`.
pub fn slack_escape(text: &str) -> String {
    fn is_token(inner: &str) -> bool {
        let id = inner.split('|').next().unwrap_or_default();
        let ids = |rest: &str, first: &[char]| {
            rest.starts_with(first)
                && rest.len() > 1
                && rest
                    .chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
        };
        !inner.contains(['<', '>'])
            && !id.contains(char::is_whitespace)
            && (id
                .strip_prefix('@')
                .is_some_and(|r| ids(r, &['U', 'W', 'B']))
                || id.strip_prefix('#').is_some_and(|r| ids(r, &['C', 'G']))
                || id.strip_prefix("!subteam^").is_some_and(|r| ids(r, &['S']))
                || matches!(id, "!here" | "!channel" | "!everyone"))
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        let token = (c == '<')
            .then(|| rest[1..].find('>'))
            .flatten()
            .filter(|&end| is_token(&rest[1..1 + end]));
        match (c, token) {
            ('<', Some(end)) => {
                out.push_str(&rest[..end + 2]);
                rest = &rest[end + 2..];
                continue;
            }
            ('&', _) => out.push_str("&amp;"),
            ('<', None) => out.push_str("&lt;"),
            ('>', _) => out.push_str("&gt;"),
            (c, _) => out.push(c),
        }
        rest = &rest[c.len_utf8()..];
    }
    out
}

/// A slash command payload as Slack sends it in a `slash_commands` envelope (`text` as typed, escaped by
/// [`slack_escape`]).
pub fn slash_payload(
    user: &str,
    channel: &str,
    command: &str,
    text: &str,
    response_id: u64,
    base: &str,
) -> Value {
    json!({
        "token": "legacy-verification-token",
        "team_id": TEAM_ID,
        "team_domain": TEAM_DOMAIN,
        "channel_id": channel,
        "channel_name": "partners",
        "user_id": user,
        "user_name": "someone",
        "command": command,
        "text": slack_escape(text),
        "api_app_id": APP_ID,
        "is_enterprise_install": "false",
        "response_url": format!("{base}/response/{response_id}"),
        "trigger_id": format!("{response_id}.trigger"),
    })
}
