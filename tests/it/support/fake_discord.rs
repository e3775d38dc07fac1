//! A fake Discord (REST API v10 + gateway) on 127.0.0.1 for integration tests.
//!
//! The real bot is pointed at it with `HttpBuilder::new(token).proxy(fake.base_url())
//! .ratelimiter_disabled(true)` and `ClientBuilder::new_with_http`. See
//! `shared/DISCORD-TESTING.md` for why both are needed.
//!
//! What it guarantees:
//! - every gateway dispatch it sends is first deserialized with serenity's own `GatewayEvent`;
//!   a payload serenity would drop as an unknown event is an error here, not a silent no-op;
//! - every request is recorded (also unknown routes, which answer 404), with the answer it got;
//! - bodies the bot sends are checked against Discord's documented limits (message content
//!   2000, embeds, components, command names/descriptions, autocomplete choices, modals), and a
//!   violation answers 400 `{"message":"Invalid Form Body","code":50035,"errors":..}` like
//!   Discord does, so a bug that Discord would reject fails here too;
//! - an interaction can be acknowledged once (a second callback answers 400 code 40060) and
//!   its webhook (follow-ups, `@original`) only exists once it was acknowledged.
#![allow(dead_code)]

use std::collections::{BTreeSet, HashMap};
use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{anyhow, bail, Context as _};
use axum::extract::ws::{CloseFrame, Message as WsMessage, WebSocket, WebSocketUpgrade};
use axum::extract::{DefaultBodyLimit, FromRequest, Multipart, Request, State};
use axum::http::{header, HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use serde_json::{json, Map, Value};
use serenity::model::application::Interaction;
use serenity::model::channel::Message;
use serenity::model::event::{Event, GatewayEvent};
use tokio::sync::{mpsc, oneshot, watch};

// ---------------------------------------------------------------------------------------------
// Ids and permission bits used by the standard configuration and the payload builders
// ---------------------------------------------------------------------------------------------

pub const STANDARD_TOKEN: &str = "test-token";
pub const STANDARD_APPLICATION_ID: u64 = 1000;
pub const STANDARD_BOT_USER_ID: u64 = 1001;
pub const BOT_USERNAME: &str = "partnerfit";
pub const STANDARD_GUILD_ID: u64 = 2000;
pub const PARTNERS_CHANNEL_ID: u64 = 3000;
pub const LOCKED_CHANNEL_ID: u64 = 3001;
pub const LEAD_ROLE_ID: u64 = 4000;
pub const MEMBER_ROLE_ID: u64 = 4001;
pub const REVOPS_ROLE_ID: u64 = 4002;
/// Owner of every fake guild (a human: if the bot owned the guild, it would have every
/// permission everywhere and permission tests would prove nothing).
pub const GUILD_OWNER_USER_ID: u64 = 5000;
pub const LEAD_USER_ID: u64 = 5001;
pub const MEMBER_USER_ID: u64 = 5002;
pub const GUEST_USER_ID: u64 = 5003;

pub mod perms {
    pub const ADMINISTRATOR: u64 = 1 << 3;
    pub const MANAGE_GUILD: u64 = 1 << 5;
    pub const ADD_REACTIONS: u64 = 1 << 6;
    pub const VIEW_CHANNEL: u64 = 1 << 10;
    pub const SEND_MESSAGES: u64 = 1 << 11;
    pub const MANAGE_MESSAGES: u64 = 1 << 13;
    pub const EMBED_LINKS: u64 = 1 << 14;
    pub const ATTACH_FILES: u64 = 1 << 15;
    pub const READ_MESSAGE_HISTORY: u64 = 1 << 16;
    pub const MENTION_EVERYONE: u64 = 1 << 17;
    pub const USE_EXTERNAL_EMOJIS: u64 = 1 << 18;
    pub const CONNECT: u64 = 1 << 20;
    pub const SPEAK: u64 = 1 << 21;
    pub const CHANGE_NICKNAME: u64 = 1 << 26;
    pub const MANAGE_ROLES: u64 = 1 << 28;
    pub const USE_APPLICATION_COMMANDS: u64 = 1 << 31;
    pub const CREATE_PUBLIC_THREADS: u64 = 1 << 35;
    pub const SEND_MESSAGES_IN_THREADS: u64 = 1 << 38;

    /// What @everyone (and so the bot, which has no role of its own) may do.
    pub const EVERYONE: u64 = ADD_REACTIONS
        | VIEW_CHANNEL
        | SEND_MESSAGES
        | EMBED_LINKS
        | ATTACH_FILES
        | READ_MESSAGE_HISTORY
        | USE_EXTERNAL_EMOJIS
        | CONNECT
        | SPEAK
        | CHANGE_NICKNAME
        | USE_APPLICATION_COMMANDS
        | CREATE_PUBLIC_THREADS
        | SEND_MESSAGES_IN_THREADS;
    /// Extra permissions of a role named "Lead", "Admin" or "Owner".
    pub const LEAD_EXTRA: u64 = MANAGE_GUILD | MANAGE_MESSAGES | MANAGE_ROLES | MENTION_EVERYONE;
}

pub mod intents {
    pub const GUILDS: u64 = 1;
    pub const GUILD_MESSAGES: u64 = 1 << 9;
    pub const DIRECT_MESSAGES: u64 = 1 << 12;
    pub const MESSAGE_CONTENT: u64 = 1 << 15;
}

const DISCORD_EPOCH_MS: u64 = 1_420_070_400_000;
static LAST_SNOWFLAKE: AtomicU64 = AtomicU64::new(0);

/// A fresh, increasing Discord snowflake (timestamp bits are real).
pub fn next_snowflake() -> u64 {
    let now_ms = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0);
    let base = now_ms.saturating_sub(DISCORD_EPOCH_MS) << 22;
    let mut cur = LAST_SNOWFLAKE.load(Ordering::SeqCst);
    loop {
        let next = if base > cur { base } else { cur + 1 };
        match LAST_SNOWFLAKE.compare_exchange(cur, next, Ordering::SeqCst, Ordering::SeqCst) {
            Ok(_) => return next,
            Err(actual) => cur = actual,
        }
    }
}

fn now_timestamp() -> String {
    serenity::model::Timestamp::now().to_string()
}

const JOINED_AT: &str = "2024-01-15T10:00:00.000000+00:00";

/// Permissions the fake gives a configured role, from its name: "Lead", "Admin" and "Owner"
/// (any case) get `perms::LEAD_EXTRA` on top of `perms::EVERYONE`.
pub fn role_permissions(name: &str) -> u64 {
    let n = name.to_ascii_lowercase();
    if n == "lead" || n == "admin" || n == "owner" {
        perms::EVERYONE | perms::LEAD_EXTRA
    } else {
        perms::EVERYONE
    }
}

// ---------------------------------------------------------------------------------------------
// Configuration
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Debug)]
pub struct FakeConfig {
    /// The only accepted bot token (`Authorization: Bot <token>`, and in IDENTIFY/RESUME).
    pub token: String,
    pub application_id: u64,
    pub bot_user_id: u64,
    pub guilds: Vec<FakeGuild>,
}

#[derive(Clone, Debug)]
pub struct FakeGuild {
    pub id: u64,
    pub name: String,
    pub channels: Vec<FakeChannel>,
    /// Roles besides @everyone (which the fake adds with id = guild id).
    pub roles: Vec<(u64, String)>,
}

#[derive(Clone, Debug)]
pub struct FakeChannel {
    pub id: u64,
    pub name: String,
    /// false: the channel carries a permission overwrite denying the bot SEND_MESSAGES (and
    /// SEND_MESSAGES_IN_THREADS), and POST /channels/{id}/messages answers 403 code 50013.
    pub bot_can_send: bool,
}

impl FakeConfig {
    pub fn standard() -> Self {
        FakeConfig {
            token: STANDARD_TOKEN.to_string(),
            application_id: STANDARD_APPLICATION_ID,
            bot_user_id: STANDARD_BOT_USER_ID,
            guilds: vec![FakeGuild {
                id: STANDARD_GUILD_ID,
                name: "Acme Partnerships".to_string(),
                channels: vec![
                    FakeChannel {
                        id: PARTNERS_CHANNEL_ID,
                        name: "partners".to_string(),
                        bot_can_send: true,
                    },
                    FakeChannel {
                        id: LOCKED_CHANNEL_ID,
                        name: "locked".to_string(),
                        bot_can_send: false,
                    },
                ],
                roles: vec![
                    (LEAD_ROLE_ID, "Lead".to_string()),
                    (MEMBER_ROLE_ID, "Member".to_string()),
                    (REVOPS_ROLE_ID, "RevOps".to_string()),
                ],
            }],
        }
    }

    fn guild(&self, id: u64) -> Option<&FakeGuild> {
        self.guilds.iter().find(|g| g.id == id)
    }

    fn channel(&self, id: u64) -> Option<(&FakeGuild, &FakeChannel)> {
        self.guilds
            .iter()
            .find_map(|g| g.channels.iter().find(|c| c.id == id).map(|c| (g, c)))
    }

    /// The bot's effective permissions in a configured channel (it has only @everyone).
    pub fn bot_permissions_in(&self, channel_id: u64) -> Option<u64> {
        self.channel(channel_id)
            .map(|(_, c)| bot_channel_permissions(c))
    }
}

fn bot_channel_permissions(c: &FakeChannel) -> u64 {
    if c.bot_can_send {
        perms::EVERYONE
    } else {
        perms::EVERYONE & !(perms::SEND_MESSAGES | perms::SEND_MESSAGES_IN_THREADS)
    }
}

/// Knobs beyond `FakeConfig`.
#[derive(Clone, Debug)]
pub struct FakeOptions {
    /// HELLO's heartbeat_interval in milliseconds.
    pub heartbeat_interval_ms: u64,
    /// If set, an interaction callback arriving later than this after `send_interaction`
    /// answers 404 `{"message":"Unknown interaction","code":10062}` as Discord does after 3 s.
    /// Off by default: a loaded CI machine must not make tests flaky.
    pub ack_deadline: Option<Duration>,
    /// How long `send_interaction`/`send_message_create` wait for a connected, ready shard.
    pub dispatch_wait: Duration,
}

impl Default for FakeOptions {
    fn default() -> Self {
        FakeOptions {
            heartbeat_interval_ms: 1500,
            ack_deadline: None,
            dispatch_wait: Duration::from_secs(15),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Recorded requests
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Debug)]
pub struct RecordedFile {
    /// Multipart field name, e.g. `files[0]`.
    pub field: String,
    pub filename: String,
    pub content_type: Option<String>,
    pub bytes: Vec<u8>,
}

#[derive(Clone, Debug)]
pub struct Recorded {
    pub method: String,
    /// Path without the query, e.g. `/api/v10/channels/3000/messages`.
    pub path: String,
    /// The raw query string, if any (serenity writes `?&key=value`).
    pub query: Option<String>,
    /// Parsed JSON body; `Null` without a body; a JSON string if the body was not JSON. For
    /// multipart: the `payload_json` object plus `"_files": [{"field","filename","content_type","size"}]`.
    pub body: Value,
    /// Uploaded files (multipart), with their bytes.
    pub files: Vec<RecordedFile>,
    /// The status the fake answered.
    pub status: u16,
    /// The JSON the fake answered (`Null` for 204 or raw bodies).
    pub response: Value,
    pub at: Instant,
}

impl Recorded {
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

#[derive(Clone, Debug)]
struct FailRule {
    path_contains: String,
    status: u16,
    remaining: usize,
}

// ---------------------------------------------------------------------------------------------
// Shared state
// ---------------------------------------------------------------------------------------------

enum Out {
    Text(String),
    Close(u16, String),
    Drop,
}

struct Conn {
    tx: mpsc::UnboundedSender<Out>,
    session: Option<String>,
}

struct Session {
    shard: Option<[u64; 2]>,
    intents: u64,
    seq: u64,
    conn: Option<u64>,
    valid: bool,
    ready: bool,
    created: u64,
}

struct InteractionRec {
    id: u64,
    token: String,
    kind: u64,
    channel_id: u64,
    guild_id: Option<u64>,
    sent_at: Instant,
    acked: Option<u64>,
    /// The `@original` message once there is one.
    original: Option<Value>,
    /// For component interactions: the message the component is on.
    source_message: Option<Value>,
}

#[derive(Default)]
struct St {
    requests: Vec<Recorded>,
    fail_rules: Vec<FailRule>,
    /// POSTs to hold unanswered (see `hold_next`), and how many are held or were.
    hold_rules: Vec<FailRule>,
    held: usize,
    files: HashMap<u64, (String, Vec<u8>)>,
    registered: Option<Value>,
    /// Registered commands by scope (None = global), as answered.
    commands: HashMap<Option<u64>, Vec<Value>>,
    conns: HashMap<u64, Conn>,
    sessions: HashMap<String, Session>,
    interactions: HashMap<String, InteractionRec>,
    messages: HashMap<u64, Value>,
    /// DM channels: channel id -> recipient user JSON.
    dm_channels: HashMap<u64, Value>,
    /// Members seen in interactions: (guild, user) -> member JSON (with user).
    members: HashMap<(u64, u64), Value>,
    next_conn: u64,
    next_session: u64,
}

struct Inner {
    config: FakeConfig,
    opts: FakeOptions,
    base_url: String,
    ws_url: String,
    st: Mutex<St>,
    requests_changed: watch::Sender<u64>,
    gateway_changed: watch::Sender<u64>,
    /// Bumped by `release_held`.
    released: watch::Sender<u64>,
    identify_count: AtomicUsize,
    resume_count: AtomicUsize,
    shutdown_tx: Mutex<Option<oneshot::Sender<()>>>,
    server: Mutex<Option<tokio::task::JoinHandle<()>>>,
}

impl Inner {
    fn st(&self) -> MutexGuard<'_, St> {
        self.st.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn bump_gateway(&self) {
        self.gateway_changed.send_modify(|v| *v += 1);
    }

    fn bot_user(&self) -> Value {
        let mut u = user_json(self.config.bot_user_id, BOT_USERNAME, true);
        u["verified"] = json!(true);
        u["mfa_enabled"] = json!(false);
        u["email"] = Value::Null;
        u
    }
}

#[derive(Clone)]
pub struct FakeDiscord {
    inner: Arc<Inner>,
}

impl FakeDiscord {
    pub async fn start(config: FakeConfig) -> anyhow::Result<FakeDiscord> {
        Self::start_with_options(config, FakeOptions::default()).await
    }

    pub async fn start_with_options(
        config: FakeConfig,
        opts: FakeOptions,
    ) -> anyhow::Result<FakeDiscord> {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .context("binding the fake Discord")?;
        let addr = listener.local_addr()?;
        let inner = Arc::new(Inner {
            config,
            opts,
            base_url: format!("http://{addr}"),
            ws_url: format!("ws://{addr}/gateway"),
            st: Mutex::new(St::default()),
            requests_changed: watch::channel(0).0,
            gateway_changed: watch::channel(0).0,
            released: watch::channel(0).0,
            identify_count: AtomicUsize::new(0),
            resume_count: AtomicUsize::new(0),
            shutdown_tx: Mutex::new(None),
            server: Mutex::new(None),
        });
        let app = Router::new()
            .route("/gateway", get(ws_handler))
            .fallback(rest_handler)
            .layer(DefaultBodyLimit::max(64 << 20))
            .with_state(inner.clone());
        let (tx, rx) = oneshot::channel::<()>();
        let server = tokio::spawn(async move {
            // Like Discord, send each frame at once: without TCP_NODELAY a gateway event sent within 40 ms
            // of the previous one waits for the bot's delayed ACK (Nagle), which the e2e bench measured.
            let listener = axum::serve::ListenerExt::tap_io(listener, |s| {
                let _ = s.set_nodelay(true);
            });
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async move {
                    let _ = rx.await;
                })
                .await;
        });
        *inner.shutdown_tx.lock().unwrap() = Some(tx);
        *inner.server.lock().unwrap() = Some(server);
        Ok(FakeDiscord { inner })
    }

    pub fn config(&self) -> &FakeConfig {
        &self.inner.config
    }

    /// `http://127.0.0.1:PORT`: what the bot gets as its proxy URL.
    pub fn base_url(&self) -> String {
        self.inner.base_url.clone()
    }

    pub fn gateway_url(&self) -> String {
        self.inner.ws_url.clone()
    }

    pub fn identify_count(&self) -> usize {
        self.inner.identify_count.load(Ordering::SeqCst)
    }

    /// Successful RESUMEs (answered with RESUMED).
    pub fn resume_count(&self) -> usize {
        self.inner.resume_count.load(Ordering::SeqCst)
    }

    /// Waits until the bot has identified and READY + the GUILD_CREATEs were sent on a live
    /// connection (for a sharded bot: on every shard of the total it announced).
    pub async fn wait_ready(&self, timeout: Duration) -> anyhow::Result<()> {
        self.wait_gateway(timeout, "the bot to identify and get READY", |st| {
            let live: Vec<&Session> = st
                .sessions
                .values()
                .filter(|s| s.valid && s.ready && s.conn.is_some())
                .collect();
            if live.is_empty() {
                return false;
            }
            let total = live
                .iter()
                .map(|s| s.shard.map_or(1, |x| x[1]))
                .max()
                .unwrap_or(1);
            (0..total).all(|id| live.iter().any(|s| s.shard.map_or(id == 0, |x| x[0] == id)))
        })
        .await
    }

    /// Waits until `identify_count() >= n`.
    pub async fn wait_identifies(&self, n: usize, timeout: Duration) -> anyhow::Result<()> {
        let inner = self.inner.clone();
        self.wait_gateway(timeout, &format!("{n} IDENTIFYs"), move |_| {
            inner.identify_count.load(Ordering::SeqCst) >= n
        })
        .await
    }

    /// Waits until `resume_count() >= n`.
    pub async fn wait_resumes(&self, n: usize, timeout: Duration) -> anyhow::Result<()> {
        let inner = self.inner.clone();
        self.wait_gateway(timeout, &format!("{n} RESUMEs"), move |_| {
            inner.resume_count.load(Ordering::SeqCst) >= n
        })
        .await
    }

    /// Waits until no gateway connection is open (e.g. after the bot shut down).
    pub async fn wait_disconnected(&self, timeout: Duration) -> anyhow::Result<()> {
        self.wait_gateway(timeout, "all gateway connections to close", |st| {
            st.conns.is_empty()
        })
        .await
    }

    /// Number of open gateway connections.
    pub fn gateway_connections(&self) -> usize {
        self.inner.st().conns.len()
    }

    async fn wait_gateway(
        &self,
        timeout: Duration,
        what: &str,
        pred: impl Fn(&St) -> bool,
    ) -> anyhow::Result<()> {
        let deadline = tokio::time::Instant::now() + timeout;
        let mut rx = self.inner.gateway_changed.subscribe();
        loop {
            rx.borrow_and_update();
            if pred(&self.inner.st()) {
                return Ok(());
            }
            if tokio::time::timeout_at(deadline, rx.changed())
                .await
                .is_err()
            {
                bail!(
                    "timed out after {timeout:?} waiting for {what} (identifies {}, resumes {}, open connections {}; \
                     requests so far: {})",
                    self.identify_count(),
                    self.resume_count(),
                    self.gateway_connections(),
                    self.request_summary()
                );
            }
        }
    }

    // ----- interactions -------------------------------------------------------------------

    /// Validates `payload` as a serenity `Interaction` (an Err carries serde's message), fills in
    /// what only the server knows (`application_id` := the configured one; `app_permissions`, and
    /// the `channel` object for configured channels, when absent), then dispatches it as
    /// INTERACTION_CREATE to the shard owning the guild. Returns the interaction id.
    pub async fn send_interaction(&self, payload: Value) -> anyhow::Result<u64> {
        if let Err(e) = serde_json::from_value::<Interaction>(payload.clone()) {
            bail!(
                "interaction payload does not deserialize as serenity::model::application::Interaction \
                 (serenity would drop it silently): {e}\npayload: {}",
                serde_json::to_string_pretty(&payload).unwrap_or_default()
            );
        }
        let mut payload = payload;
        let cfg = &self.inner.config;
        let obj = payload
            .as_object_mut()
            .ok_or_else(|| anyhow!("interaction payload is not an object"))?;
        obj.insert(
            "application_id".into(),
            json!(cfg.application_id.to_string()),
        );
        let channel_id = id_of(obj.get("channel_id"))
            .ok_or_else(|| anyhow!("interaction without channel_id"))?;
        let guild_id = id_of(obj.get("guild_id"));
        if let Some((g, c)) = cfg.channel(channel_id) {
            if guild_id != Some(g.id) {
                bail!("channel {channel_id} belongs to guild {} but the interaction says guild {guild_id:?}", g.id);
            }
            obj.entry("app_permissions")
                .or_insert_with(|| json!(bot_channel_permissions(c).to_string()));
            let member_perms = obj_member_permissions(obj);
            obj.entry("channel").or_insert_with(|| {
                json!({"id": c.id.to_string(), "type": 0, "name": c.name, "guild_id": g.id.to_string(),
                       "permissions": member_perms, "nsfw": false, "parent_id": null,
                       "flags": 0, "last_message_id": null, "rate_limit_per_user": 0, "topic": null,
                       "position": 0})
            });
        } else if let Some(g) = guild_id {
            if cfg.guild(g).is_none() {
                bail!("interaction for guild {g}, which is not in the fake's config");
            }
            bail!("interaction in channel {channel_id}, which is not a channel of guild {g} in the fake's config");
        }
        if let Err(e) = serde_json::from_value::<Interaction>(payload.clone()) {
            bail!("interaction payload stopped deserializing after the fake filled it in: {e}");
        }
        let id = id_of(payload.get("id")).ok_or_else(|| anyhow!("interaction without id"))?;
        let token = payload["token"].as_str().unwrap_or_default().to_string();
        let kind = payload["type"].as_u64().unwrap_or(0);
        {
            let mut st = self.inner.st();
            if st.interactions.contains_key(&token) {
                bail!("interaction token {token} was already used; build a fresh payload per interaction");
            }
            if guild_id.is_none() {
                if let Some(u) = payload.get("user") {
                    st.dm_channels.insert(channel_id, u.clone());
                }
            }
            if let (Some(g), Some(m)) = (guild_id, payload.get("member")) {
                if let Some(uid) = id_of(m.get("user").and_then(|u| u.get("id"))) {
                    st.members.insert((g, uid), m.clone());
                }
            }
            st.interactions.insert(
                token.clone(),
                InteractionRec {
                    id,
                    token: token.clone(),
                    kind,
                    channel_id,
                    guild_id,
                    sent_at: Instant::now(),
                    acked: None,
                    original: None,
                    source_message: payload.get("message").cloned(),
                },
            );
        }
        self.dispatch_to_guild(guild_id, "INTERACTION_CREATE", payload, 0, false)
            .await?;
        Ok(id)
    }

    /// The body of the bot's first successful `POST /interactions/{id}/{token}/callback`. For a
    /// multipart reply: the `payload_json` object with `"_files"` listing the uploads (their
    /// bytes: `interaction_response_recorded(..).files`).
    pub async fn interaction_response(
        &self,
        interaction_id: u64,
        timeout: Duration,
    ) -> anyhow::Result<Value> {
        Ok(self
            .interaction_response_recorded(interaction_id, timeout)
            .await?
            .body)
    }

    /// Like `interaction_response`, but the whole recorded request (files with bytes included).
    pub async fn interaction_response_recorded(
        &self,
        interaction_id: u64,
        timeout: Duration,
    ) -> anyhow::Result<Recorded> {
        let prefix = format!("/api/v10/interactions/{interaction_id}/");
        self.wait_request(
            move |r| {
                r.method == "POST"
                    && r.path.starts_with(&prefix)
                    && r.path.ends_with("/callback")
                    && r.is_success()
            },
            timeout,
        )
        .await
        .with_context(|| format!("no successful callback for interaction {interaction_id}"))
    }

    /// The interaction's `@original` message as the fake currently holds it.
    pub fn original_message(&self, interaction_id: u64) -> Option<Value> {
        self.inner
            .st()
            .interactions
            .values()
            .find(|i| i.id == interaction_id)
            .and_then(|i| i.original.clone())
    }

    /// Successful follow-ups (`POST /webhooks/{app}/{token}`) of an interaction, as recorded.
    pub fn followups(&self, interaction_id: u64) -> Vec<Recorded> {
        let token = match self
            .inner
            .st()
            .interactions
            .values()
            .find(|i| i.id == interaction_id)
        {
            Some(i) => i.token.clone(),
            None => return vec![],
        };
        let path = format!(
            "/api/v10/webhooks/{}/{token}",
            self.inner.config.application_id
        );
        self.requests()
            .into_iter()
            .filter(|r| r.method == "POST" && r.path == path && r.is_success())
            .collect()
    }

    /// The first successful follow-up (`POST /webhooks/{app}/{token}`) of an interaction.
    pub async fn wait_followup(
        &self,
        interaction_id: u64,
        timeout: Duration,
    ) -> anyhow::Result<Recorded> {
        let token = self
            .inner
            .st()
            .interactions
            .values()
            .find(|i| i.id == interaction_id)
            .map(|i| i.token.clone())
            .ok_or_else(|| anyhow!("interaction {interaction_id} was not sent by this fake"))?;
        let path = format!(
            "/api/v10/webhooks/{}/{token}",
            self.inner.config.application_id
        );
        self.wait_request(
            move |r| r.method == "POST" && r.path == path && r.is_success(),
            timeout,
        )
        .await
    }

    /// Validates `payload` as a serenity `Message`, then dispatches MESSAGE_CREATE. Errs if no
    /// connected shard asked for the intent (GUILD_MESSAGES / DIRECT_MESSAGES) that Discord needs
    /// to deliver it. Without MESSAGE_CONTENT, content/embeds/attachments/components are emptied
    /// unless the message mentions the bot or is a DM, as Discord does.
    pub async fn send_message_create(&self, payload: Value) -> anyhow::Result<()> {
        if let Err(e) = serde_json::from_value::<Message>(payload.clone()) {
            bail!(
                "message payload does not deserialize as serenity::model::channel::Message: {e}\npayload: {}",
                serde_json::to_string_pretty(&payload).unwrap_or_default()
            );
        }
        let guild_id = id_of(payload.get("guild_id"));
        let channel_id = id_of(payload.get("channel_id")).unwrap_or(0);
        if let Some(g) = guild_id {
            match self.inner.config.channel(channel_id) {
                Some((cg, _)) if cg.id == g => {},
                _ => bail!("MESSAGE_CREATE in channel {channel_id}, which is not a channel of guild {g} in the config"),
            }
        }
        let bot = self.inner.config.bot_user_id;
        let mentions_bot = payload["mentions"]
            .as_array()
            .is_some_and(|m| m.iter().any(|u| id_of(u.get("id")) == Some(bot)));
        let from_bot = id_of(payload.get("author").and_then(|a| a.get("id"))) == Some(bot);
        self.inner
            .st()
            .messages
            .insert(id_of(payload.get("id")).unwrap_or(0), payload.clone());
        let required = if guild_id.is_some() {
            intents::GUILD_MESSAGES
        } else {
            intents::DIRECT_MESSAGES
        };
        let needs_content_intent = guild_id.is_some() && !mentions_bot && !from_bot;
        self.dispatch_to_guild(
            guild_id,
            "MESSAGE_CREATE",
            payload,
            required,
            needs_content_intent,
        )
        .await
    }

    /// Dispatches any event to the shard owning `guild_id` (None: shard 0), validated with
    /// serenity's `GatewayEvent` first.
    pub async fn send_dispatch(
        &self,
        guild_id: Option<u64>,
        event: &str,
        d: Value,
    ) -> anyhow::Result<()> {
        self.dispatch_to_guild(guild_id, event, d, 0, false).await
    }

    /// `required`: intents the session must have; `strip_content`: empty the message content
    /// unless the session has MESSAGE_CONTENT.
    async fn dispatch_to_guild(
        &self,
        guild_id: Option<u64>,
        t: &str,
        d: Value,
        required: u64,
        strip_content: bool,
    ) -> anyhow::Result<()> {
        let deadline = tokio::time::Instant::now() + self.inner.opts.dispatch_wait;
        let mut rx = self.inner.gateway_changed.subscribe();
        loop {
            rx.borrow_and_update();
            {
                let mut st = self.inner.st();
                if let Some(sid) = target_session(&st, guild_id) {
                    let intents = st.sessions[&sid].intents;
                    if intents & required != required {
                        bail!(
                            "the bot identified with intents {intents:#x}, without {:#x} needed for {t}: Discord \
                             would not deliver it",
                            required & !intents
                        );
                    }
                    let mut d = d;
                    if strip_content && intents & intents::MESSAGE_CONTENT == 0 {
                        d["content"] = json!("");
                        d["embeds"] = json!([]);
                        d["attachments"] = json!([]);
                        d["components"] = json!([]);
                    }
                    return dispatch_locked(&mut st, &sid, t, d);
                }
            }
            if tokio::time::timeout_at(deadline, rx.changed())
                .await
                .is_err()
            {
                bail!(
                    "no connected, READY gateway session for guild {guild_id:?} within {:?} (identifies {}, resumes {})",
                    self.inner.opts.dispatch_wait,
                    self.identify_count(),
                    self.resume_count()
                );
            }
        }
    }

    // ----- recorded requests ----------------------------------------------------------------

    pub fn requests(&self) -> Vec<Recorded> {
        self.inner.st().requests.clone()
    }

    /// One line per recorded request: `METHOD path -> status`.
    pub fn request_summary(&self) -> String {
        let st = self.inner.st();
        let mut s = String::new();
        for r in &st.requests {
            let _ = write!(s, "\n  {} {} -> {}", r.method, r.path, r.status);
        }
        if s.is_empty() {
            s.push_str("none");
        }
        s
    }

    /// The first recorded request (past or future) matching `pred`.
    pub async fn wait_request(
        &self,
        pred: impl Fn(&Recorded) -> bool,
        timeout: Duration,
    ) -> anyhow::Result<Recorded> {
        let deadline = tokio::time::Instant::now() + timeout;
        let mut rx = self.inner.requests_changed.subscribe();
        loop {
            rx.borrow_and_update();
            if let Some(r) = self.inner.st().requests.iter().find(|r| pred(r)) {
                return Ok(r.clone());
            }
            if tokio::time::timeout_at(deadline, rx.changed())
                .await
                .is_err()
            {
                bail!("timed out after {timeout:?} waiting for a matching request; requests so far: {}", self.request_summary());
            }
        }
    }

    /// Successful `POST /channels/{id}/messages`.
    pub fn channel_messages(&self, channel_id: u64) -> Vec<Recorded> {
        let path = format!("/api/v10/channels/{channel_id}/messages");
        self.requests()
            .into_iter()
            .filter(|r| r.method == "POST" && r.path == path && r.is_success())
            .collect()
    }

    /// Requests that hit no known route (they answered 404 `{"message":"404: Not Found"}`).
    pub fn unknown_route_requests(&self) -> Vec<Recorded> {
        self.requests()
            .into_iter()
            .filter(|r| r.status == 404 && r.response["message"] == "404: Not Found")
            .collect()
    }

    /// The last accepted PUT body of `/applications/{app}/commands` or `/applications/{app}/guilds/{g}/commands`.
    pub fn registered_commands(&self) -> Option<Value> {
        self.inner.st().registered.clone()
    }

    // ----- files ----------------------------------------------------------------------------

    /// Serves `bytes` at the returned `http://127.0.0.1:PORT/files/{n}/{name}` (for attachment URLs).
    pub fn host_file(&self, name: &str, bytes: Vec<u8>) -> String {
        host_file_locked(&self.inner, &mut self.inner.st(), name, bytes)
    }

    // ----- fault injection ------------------------------------------------------------------

    /// None: drop every gateway TCP connection without a close frame; Some(c): send close frame `c`, then close.
    pub async fn drop_gateway(&self, close_code: Option<u16>) {
        let mut st = self.inner.st();
        detach_sessions(&mut st);
        for conn in st.conns.values() {
            let _ = conn.tx.send(match close_code {
                Some(c) => Out::Close(c, "fake-discord closing".into()),
                None => Out::Drop,
            });
        }
    }

    /// Sends op 7 RECONNECT on every connection.
    pub async fn send_reconnect(&self) {
        let mut st = self.inner.st();
        detach_sessions(&mut st);
        for conn in st.conns.values() {
            let _ = conn
                .tx
                .send(Out::Text(json!({"op": 7, "d": null}).to_string()));
        }
    }

    /// Sends op 9 INVALID_SESSION on every connection; with `resumable == false` the sessions are
    /// forgotten (a later RESUME of them gets op 9 false too).
    pub async fn send_invalid_session(&self, resumable: bool) {
        {
            let mut guard = self.inner.st();
            let st = &mut *guard;
            for conn in st.conns.values() {
                if !resumable {
                    if let Some(s) = conn
                        .session
                        .as_ref()
                        .and_then(|sid| st.sessions.get_mut(sid))
                    {
                        s.valid = false;
                    }
                }
                let _ = conn
                    .tx
                    .send(Out::Text(json!({"op": 9, "d": resumable}).to_string()));
            }
            detach_sessions(st);
        }
        self.inner.bump_gateway();
    }

    /// The next `times` REST calls whose path contains `path_contains` answer `status`
    /// (429: Discord's rate-limit body and headers with retry_after 0.05).
    pub fn fail_next(&self, path_contains: &str, status: u16, times: usize) {
        self.inner.st().fail_rules.push(FailRule {
            path_contains: path_contains.to_string(),
            status,
            remaining: times,
        });
    }

    /// The next `times` POSTs whose path contains `path_contains` are held unanswered until
    /// `release_held` (or 60 s), then answered 503 without effect: a bot that dies meanwhile was cut
    /// off mid-post, before Discord created anything.
    pub fn hold_next(&self, path_contains: &str, times: usize) {
        self.inner.st().hold_rules.push(FailRule {
            path_contains: path_contains.to_string(),
            status: 503,
            remaining: times,
        });
    }

    /// Waits until `n` requests have been held (see `hold_next`).
    pub async fn wait_held(&self, n: usize, timeout: Duration) -> anyhow::Result<()> {
        let deadline = tokio::time::Instant::now() + timeout;
        let mut rx = self.inner.requests_changed.subscribe();
        loop {
            rx.borrow_and_update();
            if self.inner.st().held >= n {
                return Ok(());
            }
            if tokio::time::timeout_at(deadline, rx.changed())
                .await
                .is_err()
            {
                bail!(
                    "timed out after {timeout:?} waiting for {n} held requests; requests so far: {}",
                    self.request_summary()
                );
            }
        }
    }

    /// Answers every held request (503).
    pub fn release_held(&self) {
        self.inner.released.send_modify(|v| *v += 1);
    }

    /// Closes every gateway connection and stops the server.
    pub async fn shutdown(self) {
        {
            let st = self.inner.st();
            for conn in st.conns.values() {
                let _ = conn
                    .tx
                    .send(Out::Close(1001, "fake-discord shutting down".into()));
            }
        }
        if let Some(tx) = self.inner.shutdown_tx.lock().unwrap().take() {
            let _ = tx.send(());
        }
        let server = self.inner.server.lock().unwrap().take();
        if let Some(mut server) = server {
            if tokio::time::timeout(Duration::from_secs(3), &mut server)
                .await
                .is_err()
            {
                server.abort();
            }
        }
    }
}

/// Unhooks every session from its connection: until the bot RESUMEs (or IDENTIFYs) on a new
/// connection, dispatches wait instead of going to a connection that is about to die.
fn detach_sessions(st: &mut St) {
    for conn in st.conns.values_mut() {
        if let Some(sid) = conn.session.take() {
            if let Some(s) = st.sessions.get_mut(&sid) {
                s.conn = None;
            }
        }
    }
}

fn obj_member_permissions(obj: &Map<String, Value>) -> Value {
    obj.get("member")
        .and_then(|m| m.get("permissions"))
        .cloned()
        .unwrap_or(Value::Null)
}

fn host_file_locked(inner: &Inner, st: &mut St, name: &str, bytes: Vec<u8>) -> String {
    let n = next_snowflake();
    st.files.insert(n, (name.to_string(), bytes));
    format!("{}/files/{n}/{}", inner.base_url, percent_encode(name))
}

fn percent_encode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
            out.push(b as char);
        } else {
            let _ = write!(out, "%{b:02X}");
        }
    }
    out
}

fn id_of(v: Option<&Value>) -> Option<u64> {
    match v? {
        Value::String(s) => s.parse().ok(),
        Value::Number(n) => n.as_u64(),
        _ => None,
    }
}

fn shard_of(guild_id: Option<u64>, total: u64) -> u64 {
    match guild_id {
        Some(g) if total > 0 => (g >> 22) % total,
        _ => 0,
    }
}

fn target_session(st: &St, guild_id: Option<u64>) -> Option<String> {
    st.sessions
        .iter()
        .filter(|(_, s)| s.valid && s.ready && s.conn.is_some_and(|c| st.conns.contains_key(&c)))
        .filter(|(_, s)| {
            s.shard
                .is_none_or(|[id, total]| shard_of(guild_id, total) == id)
        })
        .max_by_key(|(_, s)| s.created)
        .map(|(sid, _)| sid.clone())
}

/// Checks a dispatch the way serenity's shard will read it; the error explains why serenity
/// would not understand it.
fn validate_frame(text: &str, t: &str, d: &Value) -> anyhow::Result<()> {
    let explain = |d: &Value| -> String {
        use serenity::model::event::{GuildCreateEvent, ReadyEvent};
        let r = match t {
            "INTERACTION_CREATE" => serde_json::from_value::<Interaction>(d.clone()).err(),
            "MESSAGE_CREATE" => serde_json::from_value::<Message>(d.clone()).err(),
            "GUILD_CREATE" => serde_json::from_value::<GuildCreateEvent>(d.clone()).err(),
            "READY" => serde_json::from_value::<ReadyEvent>(d.clone()).err(),
            _ => None,
        };
        r.map_or_else(|| "no detail".to_string(), |e| e.to_string())
    };
    match serde_json::from_str::<GatewayEvent>(text) {
        Ok(GatewayEvent::Dispatch(_, Event::Unknown(_))) => {
            bail!(
                "serenity would treat this {t} dispatch as an unknown event and drop it: {}",
                explain(d)
            )
        }
        Ok(GatewayEvent::Dispatch(..)) => Ok(()),
        Ok(other) => bail!("{t} frame read back as {other:?}"),
        Err(e) => bail!("serenity cannot read this {t} frame: {e}"),
    }
}

fn dispatch_locked(st: &mut St, sid: &str, t: &str, d: Value) -> anyhow::Result<()> {
    let sess = st
        .sessions
        .get_mut(sid)
        .ok_or_else(|| anyhow!("unknown session {sid}"))?;
    let seq = sess.seq + 1;
    let text = json!({"op": 0, "s": seq, "t": t, "d": d}).to_string();
    validate_frame(&text, t, &d)?;
    sess.seq = seq;
    let conn = sess
        .conn
        .and_then(|c| st.conns.get(&c))
        .ok_or_else(|| anyhow!("session {sid} has no connection"))?;
    conn.tx
        .send(Out::Text(text))
        .map_err(|_| anyhow!("gateway connection of session {sid} is gone"))
}

// ---------------------------------------------------------------------------------------------
// Gateway
// ---------------------------------------------------------------------------------------------

async fn ws_handler(
    State(inner): State<Arc<Inner>>,
    ws: WebSocketUpgrade,
    req_uri: axum::http::Uri,
) -> Response {
    record(
        &inner,
        Recorded {
            method: "GET".into(),
            path: req_uri.path().to_string(),
            query: req_uri.query().map(str::to_string),
            body: Value::Null,
            files: vec![],
            status: 101,
            response: Value::Null,
            at: Instant::now(),
        },
    );
    ws.on_upgrade(move |socket| gateway_conn(inner, socket))
}

async fn gateway_conn(inner: Arc<Inner>, mut socket: WebSocket) {
    let (tx, mut rx) = mpsc::unbounded_channel::<Out>();
    let conn_id = {
        let mut st = inner.st();
        st.next_conn += 1;
        let id = st.next_conn;
        st.conns.insert(
            id,
            Conn {
                tx: tx.clone(),
                session: None,
            },
        );
        id
    };
    inner.bump_gateway();
    let hello = json!({"op": 10, "d": {"heartbeat_interval": inner.opts.heartbeat_interval_ms}, "s": null, "t": null});
    let _ = tx.send(Out::Text(hello.to_string()));
    let mut closing = false;
    loop {
        tokio::select! {
            out = rx.recv() => match out {
                Some(Out::Text(t)) => {
                    if socket.send(WsMessage::Text(t.into())).await.is_err() {
                        break;
                    }
                },
                Some(Out::Close(code, reason)) => {
                    let _ = socket.send(WsMessage::Close(Some(CloseFrame { code, reason: reason.into() }))).await;
                    break;
                },
                Some(Out::Drop) | None => break,
            },
            msg = socket.recv() => match msg {
                Some(Ok(WsMessage::Text(t))) if !closing => handle_gateway_op(&inner, conn_id, &tx, t.as_str()),
                // Keep reading after a Close so the close reply is flushed and the bot's shutdown
                // handshake completes promptly.
                Some(Ok(WsMessage::Close(_))) => closing = true,
                Some(Ok(_)) => {},
                Some(Err(_)) | None => break,
            },
        }
    }
    drop(socket);
    {
        let mut st = inner.st();
        if let Some(conn) = st.conns.remove(&conn_id) {
            if let Some(s) = conn.session.and_then(|sid| st.sessions.get_mut(&sid)) {
                if s.conn == Some(conn_id) {
                    s.conn = None;
                }
            }
        }
    }
    inner.bump_gateway();
}

fn token_ok(inner: &Inner, token: &str) -> bool {
    token == inner.config.token || token.strip_prefix("Bot ") == Some(inner.config.token.as_str())
}

fn handle_gateway_op(
    inner: &Arc<Inner>,
    conn_id: u64,
    tx: &mpsc::UnboundedSender<Out>,
    text: &str,
) {
    let Ok(v) = serde_json::from_str::<Value>(text) else {
        let _ = tx.send(Out::Close(4002, "Error while decoding payload.".into()));
        return;
    };
    match v["op"].as_u64() {
        Some(1) => {
            let _ = tx.send(Out::Text(
                json!({"op": 11, "d": null, "s": null, "t": null}).to_string(),
            ));
        }
        Some(2) => identify(inner, conn_id, tx, &v["d"]),
        Some(6) => resume(inner, conn_id, tx, &v["d"]),
        // 3 presence update, 4 voice state, 8 request guild members, ...: accepted and ignored.
        Some(_) => {}
        None => {
            let _ = tx.send(Out::Close(4001, "Unknown opcode.".into()));
        }
    }
}

fn identify(inner: &Arc<Inner>, conn_id: u64, tx: &mpsc::UnboundedSender<Out>, d: &Value) {
    if !token_ok(inner, d["token"].as_str().unwrap_or_default()) {
        let _ = tx.send(Out::Close(4004, "Authentication failed.".into()));
        return;
    }
    let shard = d["shard"]
        .as_array()
        .and_then(|a| Some([a.first()?.as_u64()?, a.get(1)?.as_u64()?]));
    if let Some([id, total]) = shard {
        if total == 0 || id >= total {
            let _ = tx.send(Out::Close(4010, "Invalid shard.".into()));
            return;
        }
    }
    let intents = d["intents"].as_u64().unwrap_or(0);
    let cfg = &inner.config;
    let mut st = inner.st();
    if st.conns.get(&conn_id).is_some_and(|c| c.session.is_some()) {
        let _ = tx.send(Out::Close(4005, "Already authenticated.".into()));
        return;
    }
    st.next_session += 1;
    let created = st.next_session;
    let sid = format!("fake-session-{created}-{}", next_snowflake());
    st.sessions.insert(
        sid.clone(),
        Session {
            shard,
            intents,
            seq: 0,
            conn: Some(conn_id),
            valid: true,
            ready: false,
            created,
        },
    );
    if let Some(c) = st.conns.get_mut(&conn_id) {
        c.session = Some(sid.clone());
    }
    let guilds: Vec<&FakeGuild> = cfg
        .guilds
        .iter()
        .filter(|g| shard.is_none_or(|[id, total]| shard_of(Some(g.id), total) == id))
        .collect();
    let mut ready = json!({
        "v": 10,
        "user": inner.bot_user(),
        "guilds": guilds.iter().map(|g| json!({"id": g.id.to_string(), "unavailable": true})).collect::<Vec<_>>(),
        "session_id": sid,
        "session_type": "normal",
        "resume_gateway_url": inner.ws_url,
        "application": {"id": cfg.application_id.to_string(), "flags": (1u64 << 19) | (1u64 << 23)},
        "private_channels": [],
        "relationships": [],
        "presences": [],
        "user_settings": {},
        "guild_join_requests": [],
        "geo_ordered_rtc_regions": ["fake"],
        "_trace": ["[\"fake-discord\"]"],
    });
    if let Some(s) = shard {
        ready["shard"] = json!(s);
    }
    let mut frames = vec![("READY", ready)];
    for g in guilds {
        frames.push(("GUILD_CREATE", guild_create_json(cfg, g)));
    }
    for (t, d) in frames {
        if let Err(e) = dispatch_locked(&mut st, &sid, t, d) {
            eprintln!("fake_discord: BUG in the fake's own {t}: {e:#}");
            let _ = tx.send(Out::Close(4000, "fake-discord bug".into()));
            return;
        }
    }
    if let Some(s) = st.sessions.get_mut(&sid) {
        s.ready = true;
    }
    drop(st);
    inner.identify_count.fetch_add(1, Ordering::SeqCst);
    inner.bump_gateway();
}

fn resume(inner: &Arc<Inner>, conn_id: u64, tx: &mpsc::UnboundedSender<Out>, d: &Value) {
    if !token_ok(inner, d["token"].as_str().unwrap_or_default()) {
        let _ = tx.send(Out::Close(4004, "Authentication failed.".into()));
        return;
    }
    let sid = d["session_id"].as_str().unwrap_or_default().to_string();
    let mut st = inner.st();
    let known = st.sessions.get(&sid).is_some_and(|s| s.valid && s.ready);
    if !known {
        let _ = tx.send(Out::Text(
            json!({"op": 9, "d": false, "s": null, "t": null}).to_string(),
        ));
        return;
    }
    let old_conn = st.sessions.get(&sid).and_then(|s| s.conn);
    if let Some(old) = old_conn.filter(|c| *c != conn_id) {
        if let Some(c) = st.conns.get_mut(&old) {
            c.session = None;
            let _ = c.tx.send(Out::Drop);
        }
    }
    if let Some(s) = st.sessions.get_mut(&sid) {
        s.conn = Some(conn_id);
    }
    if let Some(c) = st.conns.get_mut(&conn_id) {
        c.session = Some(sid.clone());
    }
    // Nothing is replayed: the fake only dispatches on a live connection.
    if let Err(e) = dispatch_locked(
        &mut st,
        &sid,
        "RESUMED",
        json!({"_trace": ["fake-discord"]}),
    ) {
        eprintln!("fake_discord: BUG in the fake's RESUMED: {e:#}");
        return;
    }
    drop(st);
    inner.resume_count.fetch_add(1, Ordering::SeqCst);
    inner.bump_gateway();
}

// ---------------------------------------------------------------------------------------------
// JSON shapes
// ---------------------------------------------------------------------------------------------

pub fn user_json(id: u64, username: &str, bot: bool) -> Value {
    json!({
        "id": id.to_string(),
        "username": username,
        "discriminator": "0",
        "global_name": if bot { Value::Null } else { json!(username) },
        "avatar": null,
        "banner": null,
        "accent_color": null,
        "bot": bot,
        "system": false,
        "public_flags": 0,
        "flags": 0,
        "avatar_decoration_data": null,
    })
}

fn role_json(id: u64, name: &str, permissions: u64, position: u64) -> Value {
    json!({
        "id": id.to_string(),
        "name": name,
        "color": 0,
        "colors": {"primary_color": 0, "secondary_color": null, "tertiary_color": null},
        "hoist": false,
        "icon": null,
        "unicode_emoji": null,
        "position": position,
        "permissions": permissions.to_string(),
        "managed": false,
        "mentionable": false,
        "flags": 0,
    })
}

fn roles_json(g: &FakeGuild) -> Vec<Value> {
    let mut roles = vec![role_json(g.id, "@everyone", perms::EVERYONE, 0)];
    for (i, (id, name)) in g.roles.iter().enumerate() {
        roles.push(role_json(*id, name, role_permissions(name), i as u64 + 1));
    }
    roles
}

fn channel_json(cfg: &FakeConfig, g: &FakeGuild, c: &FakeChannel, position: usize) -> Value {
    let overwrites = if c.bot_can_send {
        json!([])
    } else {
        json!([{
            "id": cfg.bot_user_id.to_string(),
            "type": 1,
            "allow": "0",
            "deny": (perms::SEND_MESSAGES | perms::SEND_MESSAGES_IN_THREADS).to_string(),
        }])
    };
    json!({
        "id": c.id.to_string(),
        "type": 0,
        "guild_id": g.id.to_string(),
        "name": c.name,
        "position": position,
        "permission_overwrites": overwrites,
        "topic": null,
        "nsfw": false,
        "last_message_id": null,
        "rate_limit_per_user": 0,
        "parent_id": null,
        "flags": 0,
    })
}

fn bot_member_json(cfg: &FakeConfig) -> Value {
    json!({
        "user": user_json(cfg.bot_user_id, BOT_USERNAME, true),
        "nick": null,
        "avatar": null,
        "banner": null,
        "roles": [],
        "joined_at": JOINED_AT,
        "premium_since": null,
        "deaf": false,
        "mute": false,
        "flags": 0,
        "pending": false,
        "communication_disabled_until": null,
    })
}

fn guild_base_json(g: &FakeGuild) -> Map<String, Value> {
    let v = json!({
        "id": g.id.to_string(),
        "name": g.name,
        "icon": null,
        "icon_hash": null,
        "splash": null,
        "discovery_splash": null,
        "owner_id": GUILD_OWNER_USER_ID.to_string(),
        "afk_channel_id": null,
        "afk_timeout": 300,
        "widget_enabled": false,
        "widget_channel_id": null,
        "verification_level": 1,
        "default_message_notifications": 1,
        "explicit_content_filter": 2,
        "roles": roles_json(g),
        "emojis": [],
        "features": [],
        "mfa_level": 0,
        "application_id": null,
        "system_channel_id": null,
        "system_channel_flags": 0,
        "rules_channel_id": null,
        "max_presences": null,
        "max_members": 500000,
        "vanity_url_code": null,
        "description": null,
        "banner": null,
        "premium_tier": 0,
        "premium_subscription_count": 0,
        "preferred_locale": "en-US",
        "public_updates_channel_id": null,
        "max_video_channel_users": 25,
        "max_stage_video_channel_users": 50,
        "nsfw_level": 0,
        "nsfw": false,
        "stickers": [],
        "premium_progress_bar_enabled": false,
        "safety_alerts_channel_id": null,
        "incidents_data": null,
    });
    match v {
        Value::Object(m) => m,
        _ => unreachable!(),
    }
}

fn guild_create_json(cfg: &FakeConfig, g: &FakeGuild) -> Value {
    let mut m = guild_base_json(g);
    let extra = json!({
        "joined_at": JOINED_AT,
        "large": false,
        "unavailable": false,
        "lazy": true,
        "member_count": 4,
        "voice_states": [],
        "members": [bot_member_json(cfg)],
        "channels": g.channels.iter().enumerate().map(|(i, c)| channel_json(cfg, g, c, i)).collect::<Vec<_>>(),
        "threads": [],
        "presences": [],
        "stage_instances": [],
        "guild_scheduled_events": [],
        "soundboard_sounds": [],
        "embedded_activities": [],
    });
    if let Value::Object(e) = extra {
        m.extend(e);
    }
    Value::Object(m)
}

fn attachment_json(id: u64, filename: &str, url: &str, size: u64) -> Value {
    json!({
        "id": id.to_string(),
        "filename": filename,
        "size": size,
        "url": url,
        "proxy_url": url,
        "content_type": content_type_for(filename),
        "description": null,
        "height": null,
        "width": null,
    })
}

pub fn content_type_for(filename: &str) -> &'static str {
    let ext = filename
        .rsplit('.')
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    match ext.as_str() {
        "csv" => "text/csv; charset=utf-8",
        "txt" | "md" => "text/plain; charset=utf-8",
        "json" => "application/json; charset=utf-8",
        "toml" => "application/toml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "svg" => "image/svg+xml",
        "pdf" => "application/pdf",
        _ => "application/octet-stream",
    }
}

// ---------------------------------------------------------------------------------------------
// Payload builders (what Discord sends the bot)
// ---------------------------------------------------------------------------------------------

#[derive(Clone, Debug)]
pub struct Invoker {
    pub user_id: u64,
    pub username: String,
    pub roles: Vec<u64>,
    /// Total permissions in the channel, sent as a decimal string in `member.permissions`.
    pub permissions: u64,
}

impl Invoker {
    pub fn new(user_id: u64, username: &str, roles: Vec<u64>, permissions: u64) -> Self {
        Invoker {
            user_id,
            username: username.to_string(),
            roles,
            permissions,
        }
    }

    /// Has the Lead role and MANAGE_GUILD.
    pub fn lead() -> Self {
        Self::new(
            LEAD_USER_ID,
            "lena.lead",
            vec![LEAD_ROLE_ID],
            role_permissions("Lead"),
        )
    }

    /// Has the Member role; no MANAGE_GUILD.
    pub fn member() -> Self {
        Self::new(
            MEMBER_USER_ID,
            "milo.member",
            vec![MEMBER_ROLE_ID],
            perms::EVERYONE,
        )
    }

    /// In the guild with no role; no MANAGE_GUILD.
    pub fn guest() -> Self {
        Self::new(GUEST_USER_ID, "gus.guest", vec![], perms::EVERYONE)
    }

    pub fn user_json(&self) -> Value {
        user_json(self.user_id, &self.username, false)
    }

    /// The guild member object as sent in interactions (with `user` and `permissions`).
    pub fn member_json(&self) -> Value {
        json!({
            "user": self.user_json(),
            "nick": null,
            "avatar": null,
            "banner": null,
            "roles": self.roles.iter().map(u64::to_string).collect::<Vec<_>>(),
            "joined_at": JOINED_AT,
            "premium_since": null,
            "deaf": false,
            "mute": false,
            "flags": 0,
            "pending": false,
            "permissions": self.permissions.to_string(),
            "communication_disabled_until": null,
            "unusual_dm_activity_until": null,
        })
    }
}

fn interaction_base(
    kind: u64,
    guild_id: Option<u64>,
    channel_id: u64,
    invoker: &Invoker,
) -> Map<String, Value> {
    let id = next_snowflake();
    let mut m = Map::new();
    m.insert("id".into(), json!(id.to_string()));
    m.insert(
        "application_id".into(),
        json!(STANDARD_APPLICATION_ID.to_string()),
    );
    m.insert("type".into(), json!(kind));
    m.insert(
        "token".into(),
        json!(format!("fake-interaction-token-{id}")),
    );
    m.insert("version".into(), json!(1));
    m.insert("locale".into(), json!("en-US"));
    m.insert("entitlements".into(), json!([]));
    m.insert("attachment_size_limit".into(), json!(26_214_400));
    m.insert("channel_id".into(), json!(channel_id.to_string()));
    match guild_id {
        Some(g) => {
            m.insert("guild_id".into(), json!(g.to_string()));
            m.insert(
                "guild".into(),
                json!({"id": g.to_string(), "locale": "en-US", "features": []}),
            );
            m.insert("guild_locale".into(), json!("en-US"));
            m.insert("member".into(), invoker.member_json());
            m.insert(
                "authorizing_integration_owners".into(),
                json!({"0": g.to_string()}),
            );
            m.insert("context".into(), json!(0));
        }
        None => {
            m.insert("user".into(), invoker.user_json());
            m.insert(
                "channel".into(),
                json!({"id": channel_id.to_string(), "type": 1, "name": null, "flags": 0, "last_message_id": null,
                       "recipients": [invoker.user_json()]}),
            );
            m.insert("app_permissions".into(), json!(perms::EVERYONE.to_string()));
            m.insert("authorizing_integration_owners".into(), json!({"0": "0"}));
            m.insert("context".into(), json!(1));
        }
    }
    m
}

/// A CHAT_INPUT command (type 2). `options` is `data.options` exactly as Discord sends it
/// (subcommand groups / subcommands nested with their own `options`; values typed).
pub fn slash_command(
    guild_id: Option<u64>,
    channel_id: u64,
    invoker: &Invoker,
    name: &str,
    options: Value,
) -> Value {
    let mut m = interaction_base(2, guild_id, channel_id, invoker);
    let mut data = json!({
        "id": command_id_for(name).to_string(),
        "name": name,
        "type": 1,
        "options": if options.is_null() { json!([]) } else { options },
    });
    if let Some(g) = guild_id {
        data["guild_id"] = json!(g.to_string());
    }
    m.insert("data".into(), data);
    Value::Object(m)
}

/// Like `slash_command`, with `data.resolved.attachments` holding `attachment` =
/// (id, filename, url, size); the attachment option in `options` must carry `"value": "<id>"`
/// (see `attachment_option`).
pub fn slash_command_with_attachment(
    guild_id: Option<u64>,
    channel_id: u64,
    invoker: &Invoker,
    name: &str,
    options: Value,
    attachment: (u64, &str, &str, u64),
) -> Value {
    let mut v = slash_command(guild_id, channel_id, invoker, name, options);
    let (id, filename, url, size) = attachment;
    v["data"]["resolved"] =
        json!({"attachments": {id.to_string(): attachment_json(id, filename, url, size)}});
    v
}

/// `{"name": name, "type": 11, "value": "<id>"}`
pub fn attachment_option(name: &str, attachment_id: u64) -> Value {
    json!({"name": name, "type": 11, "value": attachment_id.to_string()})
}

/// An APPLICATION_COMMAND_AUTOCOMPLETE (type 4); one option in `options` carries `"focused": true`.
pub fn autocomplete(
    guild_id: Option<u64>,
    channel_id: u64,
    invoker: &Invoker,
    name: &str,
    options: Value,
) -> Value {
    let mut v = slash_command(guild_id, channel_id, invoker, name, options);
    v["type"] = json!(4);
    v
}

/// A bot-authored message with one button `custom_id` (what a component interaction comes from).
pub fn bot_message_with_button(
    guild_id: Option<u64>,
    channel_id: u64,
    message_id: u64,
    custom_id: &str,
) -> Value {
    let mut m = message_json(
        message_id,
        guild_id,
        channel_id,
        user_json(STANDARD_BOT_USER_ID, BOT_USERNAME, true),
        "",
    );
    m["components"] = json!([{"type": 1, "components": [{"type": 2, "style": 1, "label": "Go", "custom_id": custom_id}]}]);
    m["application_id"] = json!(STANDARD_APPLICATION_ID.to_string());
    m["flags"] = json!(0);
    m.as_object_mut().map(|o| o.remove("member"));
    m
}

/// A MESSAGE_COMPONENT interaction (type 3) for a button (component_type 2) on `message_id`.
pub fn button_click(
    guild_id: Option<u64>,
    channel_id: u64,
    invoker: &Invoker,
    custom_id: &str,
    message_id: u64,
) -> Value {
    let mut m = interaction_base(3, guild_id, channel_id, invoker);
    m.insert(
        "data".into(),
        json!({"custom_id": custom_id, "component_type": 2}),
    );
    m.insert(
        "message".into(),
        bot_message_with_button(guild_id, channel_id, message_id, custom_id),
    );
    Value::Object(m)
}

/// A MESSAGE_COMPONENT interaction for a string select (component_type 3) with the chosen `values`.
pub fn select_menu(
    guild_id: Option<u64>,
    channel_id: u64,
    invoker: &Invoker,
    custom_id: &str,
    message_id: u64,
    values: &[&str],
) -> Value {
    let mut m = interaction_base(3, guild_id, channel_id, invoker);
    m.insert(
        "data".into(),
        json!({"custom_id": custom_id, "component_type": 3, "values": values}),
    );
    let mut msg = bot_message_with_button(guild_id, channel_id, message_id, custom_id);
    msg["components"] = json!([{"type": 1, "components": [{"type": 3, "custom_id": custom_id,
        "options": values.iter().map(|v| json!({"label": v, "value": v})).collect::<Vec<_>>(),
        "min_values": 1, "max_values": values.len().max(1)}]}]);
    m.insert("message".into(), msg);
    Value::Object(m)
}

/// A MODAL_SUBMIT (type 5): one action row per text input `(custom_id, value)`.
pub fn modal_submit(
    guild_id: Option<u64>,
    channel_id: u64,
    invoker: &Invoker,
    custom_id: &str,
    fields: &[(&str, &str)],
) -> Value {
    let mut m = interaction_base(5, guild_id, channel_id, invoker);
    let rows: Vec<Value> = fields
        .iter()
        .map(|(id, value)| json!({"type": 1, "components": [{"type": 4, "custom_id": id, "value": value}]}))
        .collect();
    m.insert(
        "data".into(),
        json!({"custom_id": custom_id, "components": rows}),
    );
    Value::Object(m)
}

fn message_json(
    id: u64,
    guild_id: Option<u64>,
    channel_id: u64,
    author: Value,
    content: &str,
) -> Value {
    let mut m = json!({
        "id": id.to_string(),
        "channel_id": channel_id.to_string(),
        "author": author,
        "content": content,
        "timestamp": now_timestamp(),
        "edited_timestamp": null,
        "tts": false,
        "mention_everyone": false,
        "mentions": [],
        "mention_roles": [],
        "mention_channels": [],
        "attachments": [],
        "embeds": [],
        "components": [],
        "reactions": [],
        "pinned": false,
        "type": 0,
        "flags": 0,
    });
    if let Some(g) = guild_id {
        m["guild_id"] = json!(g.to_string());
        m["member"] = json!({"roles": [], "joined_at": JOINED_AT, "deaf": false, "mute": false, "flags": 0,
                             "premium_since": null, "nick": null, "pending": false});
    }
    m
}

/// A MESSAGE_CREATE from `author` (no mention).
pub fn user_message(
    guild_id: Option<u64>,
    channel_id: u64,
    author: &Invoker,
    content: &str,
) -> Value {
    let mut m = message_json(
        next_snowflake(),
        guild_id,
        channel_id,
        author.user_json(),
        content,
    );
    if guild_id.is_some() {
        m["member"]["roles"] = json!(author.roles.iter().map(u64::to_string).collect::<Vec<_>>());
    }
    m["nonce"] = json!(next_snowflake().to_string());
    m
}

/// A MESSAGE_CREATE mentioning the bot: `<@bot>` leads `content` (unless already in it) and
/// the bot is in `mentions`.
pub fn mention_message(
    guild_id: Option<u64>,
    channel_id: u64,
    author: &Invoker,
    bot_user_id: u64,
    content: &str,
) -> Value {
    let tag = format!("<@{bot_user_id}>");
    let content = if content.contains(&tag) {
        content.to_string()
    } else {
        format!("{tag} {content}")
    };
    let mut m = user_message(guild_id, channel_id, author, &content);
    m["mentions"] = json!([user_json(bot_user_id, BOT_USERNAME, true)]);
    m
}

/// Stable fake command id for a command name (the same the fake gives registered commands).
pub fn command_id_for(name: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in name.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    // A plausible snowflake: fixed 2024 timestamp part plus the name hash in the low bits.
    (1_200_000_000_000_000_000u64 & !((1 << 22) - 1)) | (h & ((1 << 22) - 1))
}

// ---------------------------------------------------------------------------------------------
// Validation of what the bot sends (Discord's documented limits)
// ---------------------------------------------------------------------------------------------

#[derive(Default)]
struct FormErrors(Vec<(String, &'static str, String)>);

impl FormErrors {
    fn add(&mut self, path: impl Into<String>, code: &'static str, message: impl Into<String>) {
        self.0.push((path.into(), code, message.into()));
    }

    fn max_len(&mut self, path: &str, v: Option<&Value>, max: usize) {
        if let Some(s) = v.and_then(Value::as_str) {
            if s.chars().count() > max {
                self.add(
                    path,
                    "BASE_TYPE_MAX_LENGTH",
                    format!("Must be {max} or fewer in length."),
                );
            }
        }
    }

    fn len_between(&mut self, path: &str, v: Option<&Value>, min: usize, max: usize) {
        match v.and_then(Value::as_str) {
            Some(s) if (min..=max).contains(&s.chars().count()) => {}
            Some(_) => self.add(
                path,
                "BASE_TYPE_BAD_LENGTH",
                format!("Must be between {min} and {max} in length."),
            ),
            None => self.add(path, "BASE_TYPE_REQUIRED", "This field is required"),
        }
    }

    fn into_reply(self) -> Option<Reply> {
        if self.0.is_empty() {
            return None;
        }
        let mut errors = Value::Object(Map::new());
        for (path, code, message) in self.0 {
            let mut node = &mut errors;
            for part in path.split('.').filter(|p| !p.is_empty()) {
                node = node
                    .as_object_mut()
                    .unwrap()
                    .entry(part.to_string())
                    .or_insert_with(|| json!({}));
            }
            let list = node
                .as_object_mut()
                .unwrap()
                .entry("_errors")
                .or_insert_with(|| json!([]));
            list.as_array_mut()
                .unwrap()
                .push(json!({"code": code, "message": message}));
        }
        Some(Reply::json(
            400,
            json!({"message": "Invalid Form Body", "code": 50035, "errors": errors}),
        ))
    }
}

fn validate_components(e: &mut FormErrors, base: &str, comps: Option<&Value>) {
    let Some(comps) = comps.and_then(Value::as_array) else {
        return;
    };
    if comps.len() > 5 {
        e.add(
            base,
            "BASE_TYPE_BAD_LENGTH",
            "Must be between 0 and 5 in length.",
        );
    }
    let mut ids = BTreeSet::new();
    for (i, row) in comps.iter().enumerate() {
        let p = format!("{base}.{i}");
        if row["type"].as_u64() != Some(1) {
            e.add(
                &p,
                "UNION_TYPE_CHOICES",
                "Value of field \"type\" must be one of (1,).",
            );
            continue;
        }
        let inner = row["components"].as_array().cloned().unwrap_or_default();
        if inner.is_empty() || inner.len() > 5 {
            e.add(
                format!("{p}.components"),
                "BASE_TYPE_BAD_LENGTH",
                "Must be between 1 and 5 in length.",
            );
        }
        let has_select = inner
            .iter()
            .any(|c| matches!(c["type"].as_u64(), Some(3 | 5 | 6 | 7 | 8)));
        if has_select && inner.len() > 1 {
            e.add(
                format!("{p}.components"),
                "COMPONENT_LAYOUT_WIDTH_EXCEEDED",
                "The specified component exceeds the maximum width",
            );
        }
        for (j, c) in inner.iter().enumerate() {
            let cp = format!("{p}.components.{j}");
            match c["type"].as_u64() {
                Some(2) => {
                    e.max_len(&format!("{cp}.label"), c.get("label"), 80);
                    if c["style"].as_u64() == Some(5) {
                        if c["url"].as_str().is_none() {
                            e.add(
                                format!("{cp}.url"),
                                "BASE_TYPE_REQUIRED",
                                "This field is required",
                            );
                        }
                    } else if c["style"].as_u64() != Some(6) {
                        e.len_between(&format!("{cp}.custom_id"), c.get("custom_id"), 1, 100);
                    }
                    if c.get("label")
                        .and_then(Value::as_str)
                        .is_none_or(str::is_empty)
                        && c.get("emoji").is_none_or(Value::is_null)
                    {
                        e.add(
                            &cp,
                            "BUTTON_COMPONENT_LABEL_OR_EMOJI_REQUIRED",
                            "A label or an emoji is required",
                        );
                    }
                }
                Some(3) => {
                    e.len_between(&format!("{cp}.custom_id"), c.get("custom_id"), 1, 100);
                    e.max_len(&format!("{cp}.placeholder"), c.get("placeholder"), 150);
                    let opts = c["options"].as_array().cloned().unwrap_or_default();
                    if opts.is_empty() || opts.len() > 25 {
                        e.add(
                            format!("{cp}.options"),
                            "BASE_TYPE_BAD_LENGTH",
                            "Must be between 1 and 25 in length.",
                        );
                    }
                    for (k, o) in opts.iter().enumerate() {
                        e.len_between(&format!("{cp}.options.{k}.label"), o.get("label"), 1, 100);
                        e.len_between(&format!("{cp}.options.{k}.value"), o.get("value"), 1, 100);
                        e.max_len(
                            &format!("{cp}.options.{k}.description"),
                            o.get("description"),
                            100,
                        );
                    }
                }
                Some(5..=8) => {
                    e.len_between(&format!("{cp}.custom_id"), c.get("custom_id"), 1, 100)
                }
                Some(4) => e.add(
                    &cp,
                    "COMPONENT_TYPE_INVALID",
                    "Text inputs are only valid in modals",
                ),
                _ => e.add(&cp, "UNION_TYPE_CHOICES", "Unknown component type"),
            }
            if let Some(id) = c["custom_id"].as_str() {
                if !ids.insert(id.to_string()) {
                    e.add(
                        format!("{cp}.custom_id"),
                        "COMPONENT_CUSTOM_ID_DUPLICATED",
                        "Component custom id cannot be duplicated",
                    );
                }
            }
        }
    }
}

fn validate_embeds(e: &mut FormErrors, base: &str, embeds: Option<&Value>) {
    let Some(embeds) = embeds.and_then(Value::as_array) else {
        return;
    };
    if embeds.len() > 10 {
        e.add(
            base,
            "BASE_TYPE_MAX_LENGTH",
            "Must be 10 or fewer in length.",
        );
    }
    let mut total = 0usize;
    let len = |v: &Value| v.as_str().map_or(0, |s| s.chars().count());
    for (i, em) in embeds.iter().enumerate() {
        let p = format!("{base}.{i}");
        e.max_len(&format!("{p}.title"), em.get("title"), 256);
        e.max_len(&format!("{p}.description"), em.get("description"), 4096);
        e.max_len(
            &format!("{p}.footer.text"),
            em.get("footer").and_then(|f| f.get("text")),
            2048,
        );
        e.max_len(
            &format!("{p}.author.name"),
            em.get("author").and_then(|f| f.get("name")),
            256,
        );
        total += len(&em["title"])
            + len(&em["description"])
            + len(&em["footer"]["text"])
            + len(&em["author"]["name"]);
        if let Some(c) = em.get("color").filter(|c| !c.is_null()) {
            if c.as_u64().is_none_or(|c| c > 0xFF_FFFF) {
                e.add(
                    format!("{p}.color"),
                    "NUMBER_TYPE_MAX",
                    "int value should be less than or equal to 16777215.",
                );
            }
        }
        let fields = em["fields"].as_array().cloned().unwrap_or_default();
        if fields.len() > 25 {
            e.add(
                format!("{p}.fields"),
                "BASE_TYPE_MAX_LENGTH",
                "Must be 25 or fewer in length.",
            );
        }
        for (j, f) in fields.iter().enumerate() {
            e.len_between(&format!("{p}.fields.{j}.name"), f.get("name"), 1, 256);
            e.len_between(&format!("{p}.fields.{j}.value"), f.get("value"), 1, 1024);
            total += len(&f["name"]) + len(&f["value"]);
        }
    }
    if total > 6000 {
        e.add(
            base,
            "MAX_EMBED_SIZE_EXCEEDED",
            "Embed size exceeds maximum size of 6000",
        );
    }
}

/// Validates a message create/edit body. `require_nonempty`: a create with nothing to show is
/// rejected (50006) like Discord does.
fn validate_message_body(body: &Value, file_count: usize, require_nonempty: bool) -> Option<Reply> {
    let mut e = FormErrors::default();
    if !(body.is_object() || body.is_null()) {
        return Some(Reply::error(
            400,
            50109,
            "The request body contains invalid JSON.",
        ));
    }
    e.max_len("content", body.get("content"), 2000);
    validate_embeds(&mut e, "embeds", body.get("embeds"));
    validate_components(&mut e, "components", body.get("components"));
    if let Some(r) = e.into_reply() {
        return Some(r);
    }
    let nonempty = |k: &str| match body.get(k) {
        Some(Value::String(s)) => !s.is_empty(),
        Some(Value::Array(a)) => !a.is_empty(),
        Some(Value::Object(_)) => true,
        _ => false,
    };
    let has_something = nonempty("content")
        || nonempty("embeds")
        || nonempty("components")
        || nonempty("sticker_ids")
        || nonempty("poll")
        || file_count > 0;
    if require_nonempty && !has_something {
        return Some(Reply::error(400, 50006, "Cannot send an empty message"));
    }
    None
}

fn name_ok(name: &str, chat_input: bool) -> bool {
    let n = name.chars().count();
    if !(1..=32).contains(&n) {
        return false;
    }
    if !chat_input {
        return true;
    }
    name.chars()
        .all(|c| c == '-' || c == '_' || c.is_alphanumeric())
        && name.to_lowercase() == name
}

fn validate_option(e: &mut FormErrors, p: &str, o: &Value, depth: usize, chars: &mut usize) {
    let kind = o["type"].as_u64().unwrap_or(0);
    if !(1..=11).contains(&kind) {
        e.add(
            format!("{p}.type"),
            "BASE_TYPE_CHOICES",
            "Value must be one of (1..11).",
        );
    }
    let name = o["name"].as_str().unwrap_or_default();
    if !name_ok(name, true) {
        e.add(
            format!("{p}.name"),
            "APPLICATION_COMMAND_INVALID_NAME",
            format!("Command name is invalid: {name:?}"),
        );
    }
    e.len_between(&format!("{p}.description"), o.get("description"), 1, 100);
    *chars += name.chars().count() + o["description"].as_str().map_or(0, |s| s.chars().count());
    let choices = o["choices"].as_array().cloned().unwrap_or_default();
    if !choices.is_empty() {
        if !matches!(kind, 3 | 4 | 10) {
            e.add(
                format!("{p}.choices"),
                "APPLICATION_COMMAND_OPTION_CHOICES_INVALID",
                "Choices are only for string, integer and number options",
            );
        }
        if o["autocomplete"].as_bool() == Some(true) {
            e.add(
                format!("{p}.autocomplete"),
                "APPLICATION_COMMAND_AUTOCOMPLETE_INVALID",
                "Autocomplete cannot be used with choices",
            );
        }
        if choices.len() > 25 {
            e.add(
                format!("{p}.choices"),
                "BASE_TYPE_MAX_LENGTH",
                "Must be 25 or fewer in length.",
            );
        }
        for (k, c) in choices.iter().enumerate() {
            e.len_between(&format!("{p}.choices.{k}.name"), c.get("name"), 1, 100);
            e.max_len(&format!("{p}.choices.{k}.value"), c.get("value"), 100);
            *chars += c["name"].as_str().map_or(0, |s| s.chars().count())
                + c["value"]
                    .as_str()
                    .map_or_else(|| c["value"].to_string().len(), |s| s.chars().count());
        }
    }
    for key in ["min_length", "max_length"] {
        if let Some(n) = o.get(key).and_then(Value::as_u64) {
            if n > 6000 || kind != 3 {
                e.add(
                    format!("{p}.{key}"),
                    "NUMBER_TYPE_MAX",
                    "min_length/max_length are for string options, at most 6000",
                );
            }
        }
    }
    let subs = o["options"].as_array().cloned().unwrap_or_default();
    match kind {
        1 | 2 => {
            if depth >= 2 || (kind == 2 && depth >= 1) {
                e.add(
                    p,
                    "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID",
                    "Subcommand nested too deep",
                );
            }
            validate_options(
                e,
                &format!("{p}.options"),
                &subs,
                depth + 1,
                kind == 2,
                chars,
            );
        }
        _ if !subs.is_empty() => e.add(
            format!("{p}.options"),
            "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID",
            "Only subcommands have options",
        ),
        _ => {}
    }
}

fn validate_options(
    e: &mut FormErrors,
    p: &str,
    opts: &[Value],
    depth: usize,
    only_subcommands: bool,
    chars: &mut usize,
) {
    if opts.len() > 25 {
        e.add(p, "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.");
    }
    let kinds: Vec<u64> = opts
        .iter()
        .map(|o| o["type"].as_u64().unwrap_or(0))
        .collect();
    let subs = kinds.iter().filter(|k| matches!(k, 1 | 2)).count();
    if subs > 0 && subs != kinds.len() {
        e.add(
            p,
            "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID",
            "Subcommands cannot be mixed with other options",
        );
    }
    if only_subcommands && kinds.iter().any(|k| *k != 1) {
        e.add(
            p,
            "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID",
            "A subcommand group may only contain subcommands",
        );
    }
    let mut seen_optional = false;
    let mut names = BTreeSet::new();
    for (i, o) in opts.iter().enumerate() {
        let required = o["required"].as_bool().unwrap_or(false);
        if !matches!(kinds[i], 1 | 2) {
            if required && seen_optional {
                e.add(
                    format!("{p}.{i}.required"),
                    "APPLICATION_COMMAND_OPTIONS_REQUIRED_INVALID",
                    "Required options must be placed before non-required options",
                );
            }
            seen_optional |= !required;
        }
        if !names.insert(o["name"].as_str().unwrap_or_default().to_string()) {
            e.add(
                format!("{p}.{i}.name"),
                "APPLICATION_COMMAND_OPTIONS_NAME_ALREADY_EXISTS",
                "Option names must be unique",
            );
        }
        validate_option(e, &format!("{p}.{i}"), o, depth, chars);
    }
}

fn validate_command(e: &mut FormErrors, p: &str, c: &Value) {
    let kind = c["type"].as_u64().unwrap_or(1);
    let name = c["name"].as_str().unwrap_or_default();
    if !name_ok(name, kind == 1) {
        e.add(
            format!("{p}.name"),
            "APPLICATION_COMMAND_INVALID_NAME",
            format!("Command name is invalid: {name:?}"),
        );
    }
    let mut chars = name.chars().count();
    if kind == 1 {
        e.len_between(&format!("{p}.description"), c.get("description"), 1, 100);
        chars += c["description"].as_str().map_or(0, |s| s.chars().count());
        let opts = c["options"].as_array().cloned().unwrap_or_default();
        validate_options(e, &format!("{p}.options"), &opts, 0, false, &mut chars);
    } else if c["description"].as_str().is_some_and(|d| !d.is_empty()) {
        e.add(
            format!("{p}.description"),
            "APPLICATION_COMMAND_DESCRIPTION_INVALID",
            "Context menu commands have no description",
        );
    }
    if chars > 4000 {
        e.add(
            p,
            "APPLICATION_COMMAND_TOO_LARGE",
            "Command exceeds maximum size (4000)",
        );
    }
    if let Some(dmp) = c.get("default_member_permissions").filter(|v| !v.is_null()) {
        if dmp.as_str().is_none_or(|s| s.parse::<u64>().is_err()) {
            e.add(
                format!("{p}.default_member_permissions"),
                "BASE_TYPE_INVALID",
                "Must be a string of a permission integer or null",
            );
        }
    }
}

fn validate_modal(data: &Value) -> Option<Reply> {
    let mut e = FormErrors::default();
    e.len_between("data.custom_id", data.get("custom_id"), 1, 100);
    e.len_between("data.title", data.get("title"), 1, 45);
    let rows = data["components"].as_array().cloned().unwrap_or_default();
    if rows.is_empty() || rows.len() > 5 {
        e.add(
            "data.components",
            "BASE_TYPE_BAD_LENGTH",
            "Must be between 1 and 5 in length.",
        );
    }
    for (i, row) in rows.iter().enumerate() {
        let inner = row["components"].as_array().cloned().unwrap_or_default();
        if row["type"].as_u64() != Some(1)
            || inner.len() != 1
            || inner[0]["type"].as_u64() != Some(4)
        {
            e.add(
                format!("data.components.{i}"),
                "MODAL_ROW_INVALID",
                "Each modal row holds exactly one text input",
            );
            continue;
        }
        let t = &inner[0];
        let p = format!("data.components.{i}.components.0");
        e.len_between(&format!("{p}.custom_id"), t.get("custom_id"), 1, 100);
        e.len_between(&format!("{p}.label"), t.get("label"), 1, 45);
        e.max_len(&format!("{p}.value"), t.get("value"), 4000);
        e.max_len(&format!("{p}.placeholder"), t.get("placeholder"), 100);
        if !matches!(t["style"].as_u64(), Some(1 | 2)) {
            e.add(
                format!("{p}.style"),
                "BASE_TYPE_CHOICES",
                "Value must be one of (1, 2).",
            );
        }
    }
    e.into_reply()
}

fn validate_autocomplete(data: &Value) -> Option<Reply> {
    let mut e = FormErrors::default();
    let choices = data["choices"].as_array().cloned().unwrap_or_default();
    if choices.len() > 25 {
        e.add(
            "data.choices",
            "BASE_TYPE_MAX_LENGTH",
            "Must be 25 or fewer in length.",
        );
    }
    for (i, c) in choices.iter().enumerate() {
        e.len_between(&format!("data.choices.{i}.name"), c.get("name"), 1, 100);
        e.max_len(&format!("data.choices.{i}.value"), c.get("value"), 100);
    }
    e.into_reply()
}

// ---------------------------------------------------------------------------------------------
// REST
// ---------------------------------------------------------------------------------------------

struct Reply {
    status: u16,
    body: Option<Value>,
    raw: Option<(String, Vec<u8>)>,
    headers: Vec<(&'static str, String)>,
}

impl Reply {
    fn json(status: u16, body: Value) -> Self {
        Reply {
            status,
            body: Some(body),
            raw: None,
            headers: vec![],
        }
    }

    fn no_content() -> Self {
        Reply {
            status: 204,
            body: None,
            raw: None,
            headers: vec![],
        }
    }

    fn error(status: u16, code: u64, message: &str) -> Self {
        Self::json(status, json!({"message": message, "code": code}))
    }

    fn not_found() -> Self {
        Self::error(404, 0, "404: Not Found")
    }

    fn unauthorized() -> Self {
        Self::error(401, 0, "401: Unauthorized")
    }

    fn injected(status: u16) -> Self {
        match status {
            429 => {
                let reset = SystemTime::now()
                    .duration_since(UNIX_EPOCH)
                    .map(|d| d.as_secs_f64())
                    .unwrap_or(0.0)
                    + 0.05;
                Reply {
                    status,
                    body: Some(
                        json!({"message": "You are being rate limited.", "retry_after": 0.05, "global": false, "code": 0}),
                    ),
                    raw: None,
                    headers: vec![
                        ("retry-after", "1".into()),
                        ("x-ratelimit-limit", "5".into()),
                        ("x-ratelimit-remaining", "0".into()),
                        ("x-ratelimit-reset", format!("{reset:.3}")),
                        ("x-ratelimit-reset-after", "0.050".into()),
                        ("x-ratelimit-bucket", "fake-discord-bucket".into()),
                        ("x-ratelimit-scope", "user".into()),
                    ],
                }
            }
            401 => Self::unauthorized(),
            403 => Self::error(403, 50013, "Missing Permissions"),
            404 => Self::not_found(),
            _ => {
                let reason = StatusCode::from_u16(status)
                    .ok()
                    .and_then(|s| s.canonical_reason())
                    .unwrap_or("Error");
                Self::error(status, 0, &format!("{status}: {reason}"))
            }
        }
    }
}

fn record(inner: &Inner, r: Recorded) {
    inner.st().requests.push(r);
    inner.requests_changed.send_modify(|v| *v += 1);
}

async fn rest_handler(State(inner): State<Arc<Inner>>, req: Request) -> Response {
    let method = req.method().clone();
    let uri = req.uri().clone();
    let headers = req.headers().clone();
    let path = uri.path().to_string();
    let query = uri.query().map(str::to_string);
    let is_multipart = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"));

    let mut files = Vec::new();
    let mut body = Value::Null;
    let mut early: Option<Reply> = None;
    if is_multipart {
        match Multipart::from_request(req, &()).await {
            Ok(mut mp) => {
                let mut payload = json!({});
                loop {
                    match mp.next_field().await {
                        Ok(Some(field)) => {
                            let name = field.name().unwrap_or_default().to_string();
                            let filename = field.file_name().map(str::to_string);
                            let ct = field.content_type().map(str::to_string);
                            let bytes = match field.bytes().await {
                                Ok(b) => b.to_vec(),
                                Err(e) => {
                                    early = Some(Reply::error(
                                        400,
                                        0,
                                        &format!("bad multipart field: {e}"),
                                    ));
                                    break;
                                }
                            };
                            if name == "payload_json" {
                                match serde_json::from_slice(&bytes) {
                                    Ok(v) => payload = v,
                                    Err(_) => {
                                        early = Some(Reply::error(
                                            400,
                                            50109,
                                            "The request body contains invalid JSON.",
                                        ))
                                    }
                                }
                            } else {
                                files.push(RecordedFile {
                                    field: name.clone(),
                                    filename: filename.unwrap_or(name),
                                    content_type: ct,
                                    bytes,
                                });
                            }
                        }
                        Ok(None) => break,
                        Err(e) => {
                            early = Some(Reply::error(400, 0, &format!("bad multipart body: {e}")));
                            break;
                        }
                    }
                }
                if let Value::Object(o) = &mut payload {
                    o.insert(
                        "_files".into(),
                        Value::Array(
                            files
                                .iter()
                                .map(|f| json!({"field": f.field, "filename": f.filename, "content_type": f.content_type, "size": f.bytes.len()}))
                                .collect(),
                        ),
                    );
                }
                body = payload;
            }
            Err(e) => early = Some(Reply::error(400, 0, &format!("bad multipart request: {e}"))),
        }
    } else {
        match axum::body::to_bytes(req.into_body(), 64 << 20).await {
            Ok(bytes) if bytes.is_empty() => {}
            Ok(bytes) => match serde_json::from_slice::<Value>(&bytes) {
                Ok(v) => body = v,
                Err(_) => {
                    body = Value::String(String::from_utf8_lossy(&bytes).into_owned());
                    early = Some(Reply::error(
                        400,
                        50109,
                        "The request body contains invalid JSON.",
                    ));
                }
            },
            Err(e) => early = Some(Reply::error(400, 0, &format!("unreadable body: {e}"))),
        }
    }

    let hold = early.is_none() && method == Method::POST && {
        let mut st = inner.st();
        let hit = st
            .hold_rules
            .iter_mut()
            .find(|r| r.remaining > 0 && path.contains(&r.path_contains))
            .map(|r| r.remaining -= 1)
            .is_some();
        st.hold_rules.retain(|r| r.remaining > 0);
        if hit {
            st.held += 1;
        }
        hit
    };
    let reply = if hold {
        let mut released = inner.released.subscribe();
        released.borrow_and_update();
        inner.requests_changed.send_modify(|v| *v += 1);
        let _ = tokio::time::timeout(Duration::from_secs(60), released.changed()).await;
        Reply::injected(503)
    } else {
        match early {
            Some(r) => r,
            None => route(&inner, &method, &path, &headers, &body, &files),
        }
    };
    record(
        &inner,
        Recorded {
            method: method.to_string(),
            path,
            query,
            body,
            files,
            status: reply.status,
            response: reply.body.clone().unwrap_or(Value::Null),
            at: Instant::now(),
        },
    );
    into_response(reply)
}

fn into_response(reply: Reply) -> Response {
    let status = StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut resp = if let Some((ct, bytes)) = reply.raw {
        let mut r = (status, bytes).into_response();
        if let Ok(v) = HeaderValue::from_str(&ct) {
            r.headers_mut().insert(header::CONTENT_TYPE, v);
        }
        r
    } else if let Some(body) = reply.body {
        (status, axum::Json(body)).into_response()
    } else {
        status.into_response()
    };
    for (k, v) in reply.headers {
        if let Ok(v) = HeaderValue::from_str(&v) {
            resp.headers_mut().insert(HeaderName::from_static(k), v);
        }
    }
    resp
}

fn route(
    inner: &Arc<Inner>,
    method: &Method,
    path: &str,
    headers: &HeaderMap,
    body: &Value,
    files: &[RecordedFile],
) -> Reply {
    let cfg = &inner.config;
    // Hosted files (attachment URLs): no auth, outside the API.
    if let Some(rest) = path.strip_prefix("/files/") {
        let id: Option<u64> = rest.split('/').next().and_then(|s| s.parse().ok());
        let st = inner.st();
        return match id.and_then(|id| st.files.get(&id)) {
            Some((name, bytes)) if method == Method::GET => Reply {
                status: 200,
                body: None,
                raw: Some((content_type_for(name).to_string(), bytes.clone())),
                headers: vec![],
            },
            _ => Reply::not_found(),
        };
    }
    let Some(api) = path.strip_prefix("/api/v10") else {
        return Reply::not_found();
    };
    let seg: Vec<&str> = api.split('/').filter(|s| !s.is_empty()).collect();

    // GET /gateway never fails: if it did, serenity would silently fall back to the real gateway.
    let is_gateway = seg == ["gateway"];
    let needs_auth =
        !is_gateway && !matches!(seg.first(), Some(&"interactions") | Some(&"webhooks"));
    let auth = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok());
    let auth_ok = auth == Some(format!("Bot {}", cfg.token).as_str());
    if !is_gateway && !auth_ok && (needs_auth || auth.is_some()) {
        return Reply::unauthorized();
    }

    {
        let mut st = inner.st();
        if let Some(rule) = st
            .fail_rules
            .iter_mut()
            .find(|r| r.remaining > 0 && path.contains(&r.path_contains))
        {
            rule.remaining -= 1;
            let status = rule.status;
            st.fail_rules.retain(|r| r.remaining > 0);
            return Reply::injected(status);
        }
    }

    let app = cfg.application_id.to_string();
    let m = method.as_str();
    match (m, seg.as_slice()) {
        ("GET", ["gateway"]) => Reply::json(200, json!({"url": inner.ws_url})),
        ("GET", ["gateway", "bot"]) => Reply::json(
            200,
            json!({"url": inner.ws_url, "shards": 1,
                   "session_start_limit": {"total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1}}),
        ),
        ("GET", ["users", "@me"]) => Reply::json(200, inner.bot_user()),
        ("GET", ["users", uid]) => {
            let uid: u64 = uid.parse().unwrap_or(0);
            if uid == cfg.bot_user_id {
                return Reply::json(200, user_json(uid, BOT_USERNAME, true));
            }
            let st = inner.st();
            match st.members.iter().find(|((_, u), _)| *u == uid) {
                Some((_, mem)) => Reply::json(200, mem["user"].clone()),
                None => Reply::error(404, 10013, "Unknown User"),
            }
        }
        ("POST", ["users", "@me", "channels"]) => {
            let Some(rid) = id_of(body.get("recipient_id")) else {
                return Reply::error(400, 50035, "Invalid Form Body");
            };
            let mut st = inner.st();
            let user = st
                .members
                .iter()
                .find(|((_, u), _)| *u == rid)
                .map(|(_, m)| m["user"].clone())
                .unwrap_or_else(|| user_json(rid, &format!("user{rid}"), false));
            let existing = st
                .dm_channels
                .iter()
                .find(|(_, u)| id_of(u.get("id")) == Some(rid))
                .map(|(c, _)| *c);
            let cid = existing.unwrap_or_else(next_snowflake);
            st.dm_channels.insert(cid, user.clone());
            Reply::json(200, dm_channel_json(cid, &user))
        }
        ("GET", ["oauth2", "applications", "@me"]) => Reply::json(200, application_json(cfg)),
        ("GET", ["applications", "@me"]) => Reply::json(200, application_json(cfg)),
        (_, ["applications", a, ..]) if *a != app => Reply::error(403, 50001, "Missing Access"),
        ("GET", ["applications", _, "commands"]) => commands_get(inner, None),
        ("GET", ["applications", _, "guilds", g, "commands"]) => {
            commands_get(inner, g.parse().ok())
        }
        ("PUT", ["applications", _, "commands"]) => commands_put(inner, None, body),
        ("PUT", ["applications", _, "guilds", g, "commands"]) => {
            match g.parse::<u64>().ok().filter(|g| cfg.guild(*g).is_some()) {
                Some(g) => commands_put(inner, Some(g), body),
                None => Reply::error(403, 50001, "Missing Access"),
            }
        }
        ("POST", ["applications", _, "commands"]) => commands_post(inner, None, body),
        ("POST", ["applications", _, "guilds", g, "commands"]) => {
            match g.parse::<u64>().ok().filter(|g| cfg.guild(*g).is_some()) {
                Some(g) => commands_post(inner, Some(g), body),
                None => Reply::error(403, 50001, "Missing Access"),
            }
        }
        ("POST", ["interactions", id, token, "callback"]) => {
            interaction_callback(inner, id, token, body, files)
        }
        (_, ["webhooks", a, token, rest @ ..]) => webhook(inner, m, a, token, rest, body, files),
        ("GET", ["channels", cid]) => {
            let cid: u64 = cid.parse().unwrap_or(0);
            if let Some((g, c)) = cfg.channel(cid) {
                let pos = g.channels.iter().position(|x| x.id == c.id).unwrap_or(0);
                return Reply::json(200, channel_json(cfg, g, c, pos));
            }
            match inner.st().dm_channels.get(&cid) {
                Some(u) => Reply::json(200, dm_channel_json(cid, u)),
                None => Reply::error(404, 10003, "Unknown Channel"),
            }
        }
        ("POST", ["channels", cid, "messages"]) => channel_message_post(inner, cid, body, files),
        ("GET", ["channels", cid, "messages"]) => {
            let cid = cid.to_string();
            let st = inner.st();
            let mut msgs: Vec<&Value> = st
                .messages
                .values()
                .filter(|m| m["channel_id"] == json!(cid))
                .collect();
            msgs.sort_by_key(|m| std::cmp::Reverse(id_of(m.get("id")).unwrap_or(0)));
            Reply::json(200, json!(msgs))
        }
        (_, ["channels", cid, "messages", mid]) => {
            let mid: u64 = mid.parse().unwrap_or(0);
            let mut st = inner.st();
            let Some(msg) = st
                .messages
                .get(&mid)
                .filter(|m| m["channel_id"] == json!(cid.to_string()))
                .cloned()
            else {
                return Reply::error(404, 10008, "Unknown Message");
            };
            match m {
                "GET" => Reply::json(200, msg),
                "PATCH" => {
                    if id_of(msg["author"].get("id")) != Some(cfg.bot_user_id) {
                        return Reply::error(
                            403,
                            50005,
                            "Cannot edit a message authored by another user",
                        );
                    }
                    if let Some(r) = validate_message_body(body, files.len(), false) {
                        return r;
                    }
                    let updated = apply_edit(inner, &mut st, msg, body, files);
                    st.messages.insert(mid, updated.clone());
                    Reply::json(200, updated)
                }
                "DELETE" => {
                    st.messages.remove(&mid);
                    Reply::no_content()
                }
                _ => Reply::error(405, 0, "405: Method Not Allowed"),
            }
        }
        ("POST", ["channels", cid, "typing"]) => {
            if cfg.channel(cid.parse().unwrap_or(0)).is_some()
                || inner
                    .st()
                    .dm_channels
                    .contains_key(&cid.parse().unwrap_or(0))
            {
                Reply::no_content()
            } else {
                Reply::error(404, 10003, "Unknown Channel")
            }
        }
        ("GET", ["guilds", gid]) => match gid.parse().ok().and_then(|g| cfg.guild(g)) {
            Some(g) => {
                let mut m = guild_base_json(g);
                m.insert("approximate_member_count".into(), json!(4));
                m.insert("approximate_presence_count".into(), json!(1));
                Reply::json(200, Value::Object(m))
            }
            None => Reply::error(404, 10004, "Unknown Guild"),
        },
        ("GET", ["guilds", gid, "roles"]) => match gid.parse().ok().and_then(|g| cfg.guild(g)) {
            Some(g) => Reply::json(200, json!(roles_json(g))),
            None => Reply::error(404, 10004, "Unknown Guild"),
        },
        ("GET", ["guilds", gid, "channels"]) => match gid.parse().ok().and_then(|g| cfg.guild(g)) {
            Some(g) => Reply::json(
                200,
                json!(g
                    .channels
                    .iter()
                    .enumerate()
                    .map(|(i, c)| channel_json(cfg, g, c, i))
                    .collect::<Vec<_>>()),
            ),
            None => Reply::error(404, 10004, "Unknown Guild"),
        },
        ("GET", ["guilds", gid, "members", uid]) => {
            let Some(g) = gid.parse().ok().and_then(|g| cfg.guild(g)) else {
                return Reply::error(404, 10004, "Unknown Guild");
            };
            let uid: u64 = uid.parse().unwrap_or(0);
            if uid == cfg.bot_user_id {
                return Reply::json(200, bot_member_json(cfg));
            }
            match inner.st().members.get(&(g.id, uid)) {
                Some(mem) => {
                    let mut mem = mem.clone();
                    mem.as_object_mut().map(|o| o.remove("permissions"));
                    Reply::json(200, mem)
                }
                None => Reply::error(404, 10007, "Unknown Member"),
            }
        }
        _ => Reply::not_found(),
    }
}

fn dm_channel_json(cid: u64, user: &Value) -> Value {
    json!({"id": cid.to_string(), "type": 1, "last_message_id": null, "flags": 0, "recipients": [user]})
}

fn application_json(cfg: &FakeConfig) -> Value {
    json!({
        "id": cfg.application_id.to_string(),
        "name": BOT_USERNAME,
        "icon": null,
        "description": "",
        "summary": "",
        "type": null,
        "bot_public": false,
        "bot_require_code_grant": false,
        "verify_key": "0000000000000000000000000000000000000000000000000000000000000000",
        "owner": user_json(GUILD_OWNER_USER_ID, "owner", false),
        "team": null,
        "flags": (1u64 << 19) | (1u64 << 23),
        "bot": user_json(cfg.bot_user_id, BOT_USERNAME, true),
        "role_connections_verification_url": null,
        "approximate_guild_count": cfg.guilds.len(),
        "redirect_uris": [],
        "interactions_endpoint_url": null,
    })
}

fn commands_get(inner: &Inner, guild: Option<u64>) -> Reply {
    Reply::json(
        200,
        json!(inner.st().commands.get(&guild).cloned().unwrap_or_default()),
    )
}

fn echo_command(inner: &Inner, guild: Option<u64>, c: &Value) -> Value {
    let mut c = c.clone();
    let name = c["name"].as_str().unwrap_or_default().to_string();
    let o = c.as_object_mut().expect("validated as object");
    o.entry("type").or_insert(json!(1));
    o.insert("id".into(), json!(command_id_for(&name).to_string()));
    o.insert(
        "application_id".into(),
        json!(inner.config.application_id.to_string()),
    );
    o.insert("version".into(), json!(next_snowflake().to_string()));
    o.entry("description").or_insert(json!(""));
    o.entry("default_member_permissions").or_insert(Value::Null);
    o.entry("nsfw").or_insert(json!(false));
    o.entry("options").or_insert(json!([]));
    if let Some(g) = guild {
        o.insert("guild_id".into(), json!(g.to_string()));
    }
    c
}

fn commands_put(inner: &Inner, guild: Option<u64>, body: &Value) -> Reply {
    let Some(cmds) = body.as_array() else {
        return Reply::error(400, 50109, "The request body contains invalid JSON.");
    };
    let mut e = FormErrors::default();
    let mut seen = BTreeSet::new();
    let mut per_type: HashMap<u64, usize> = HashMap::new();
    for (i, c) in cmds.iter().enumerate() {
        if !c.is_object() {
            e.add(
                format!("{i}"),
                "DICT_TYPE_CONVERT",
                "Only dictionaries may be used in a DictType",
            );
            continue;
        }
        validate_command(&mut e, &format!("{i}"), c);
        let kind = c["type"].as_u64().unwrap_or(1);
        *per_type.entry(kind).or_default() += 1;
        if !seen.insert((kind, c["name"].as_str().unwrap_or_default().to_string())) {
            e.add(
                format!("{i}.name"),
                "APPLICATION_COMMANDS_DUPLICATE_NAME",
                "Application command names must be unique",
            );
        }
    }
    for (kind, n) in per_type {
        let max = if kind == 1 { 100 } else { 15 };
        if n > max {
            e.add(
                "",
                "BASE_TYPE_MAX_LENGTH",
                format!("Must be {max} or fewer commands of type {kind}."),
            );
        }
    }
    if let Some(r) = e.into_reply() {
        return r;
    }
    let echoed: Vec<Value> = cmds.iter().map(|c| echo_command(inner, guild, c)).collect();
    let mut st = inner.st();
    st.registered = Some(body.clone());
    st.commands.insert(guild, echoed.clone());
    Reply::json(200, json!(echoed))
}

fn commands_post(inner: &Inner, guild: Option<u64>, body: &Value) -> Reply {
    if !body.is_object() {
        return Reply::error(400, 50109, "The request body contains invalid JSON.");
    }
    let mut e = FormErrors::default();
    validate_command(&mut e, "", body);
    if let Some(r) = e.into_reply() {
        return r;
    }
    let echoed = echo_command(inner, guild, body);
    let mut st = inner.st();
    let list = st.commands.entry(guild).or_default();
    list.retain(|c| c["name"] != echoed["name"] || c["type"] != echoed["type"]);
    list.push(echoed.clone());
    Reply::json(201, echoed)
}

/// Builds the message object Discord would answer for a create.
fn new_message(
    inner: &Inner,
    st: &mut St,
    channel_id: u64,
    guild_id: Option<u64>,
    body: &Value,
    files: &[RecordedFile],
    webhook: bool,
) -> Value {
    let cfg = &inner.config;
    let mut msg = message_json(
        next_snowflake(),
        guild_id,
        channel_id,
        user_json(cfg.bot_user_id, BOT_USERNAME, true),
        "",
    );
    if let Some(o) = msg.as_object_mut() {
        o.remove("member");
    }
    msg = apply_edit(inner, st, msg, body, files);
    msg["edited_timestamp"] = Value::Null;
    if webhook {
        msg["webhook_id"] = json!(cfg.application_id.to_string());
        msg["application_id"] = json!(cfg.application_id.to_string());
        msg["type"] = json!(20);
    }
    if let Some(r) = body.get("message_reference").filter(|r| r.is_object()) {
        let mut r = r.clone();
        r["channel_id"] = r
            .get("channel_id")
            .cloned()
            .unwrap_or(json!(channel_id.to_string()));
        msg["message_reference"] = r;
        msg["type"] = json!(19);
    }
    msg
}

/// Applies a create/edit body (content, embeds, components, flags, attachments + files).
fn apply_edit(
    inner: &Inner,
    st: &mut St,
    mut msg: Value,
    body: &Value,
    files: &[RecordedFile],
) -> Value {
    for key in [
        "content",
        "embeds",
        "components",
        "tts",
        "sticker_items",
        "poll",
    ] {
        if let Some(v) = body.get(key).filter(|v| !v.is_null()) {
            msg[key] = v.clone();
        }
    }
    if let Some(f) = body.get("flags").and_then(Value::as_u64) {
        // Only SUPPRESS_EMBEDS, EPHEMERAL, SUPPRESS_NOTIFICATIONS, IS_COMPONENTS_V2 can be set.
        let loading = msg["flags"].as_u64().unwrap_or(0) & 128;
        msg["flags"] = json!((f & (4 | 64 | 4096 | 32768)) | loading);
    }
    if body.get("attachments").is_some() || !files.is_empty() {
        let mut atts = Vec::new();
        let listed = body["attachments"].as_array().cloned().unwrap_or_default();
        for a in &listed {
            // Either a kept existing attachment (known id) or a new upload (files[id]).
            if let Some(existing) = msg["attachments"]
                .as_array()
                .and_then(|x| x.iter().find(|e| e["id"] == a["id"]))
                .cloned()
            {
                atts.push(existing);
                continue;
            }
            let key = format!(
                "files[{}]",
                a["id"]
                    .as_str()
                    .map(str::to_string)
                    .unwrap_or_else(|| a["id"].to_string())
            );
            if let Some(f) = files.iter().find(|f| f.field == key) {
                let name = a["filename"].as_str().unwrap_or(&f.filename).to_string();
                let url = host_file_locked(inner, st, &name, f.bytes.clone());
                let mut att = attachment_json(next_snowflake(), &name, &url, f.bytes.len() as u64);
                if let Some(d) = a.get("description").filter(|d| !d.is_null()) {
                    att["description"] = d.clone();
                }
                atts.push(att);
            }
        }
        for f in files {
            let listed_already = listed.iter().any(|a| {
                format!(
                    "files[{}]",
                    a["id"]
                        .as_str()
                        .map(str::to_string)
                        .unwrap_or_else(|| a["id"].to_string())
                ) == f.field
            });
            if !listed_already {
                let url = host_file_locked(inner, st, &f.filename, f.bytes.clone());
                atts.push(attachment_json(
                    next_snowflake(),
                    &f.filename,
                    &url,
                    f.bytes.len() as u64,
                ));
            }
        }
        msg["attachments"] = json!(atts);
    }
    msg["edited_timestamp"] = json!(now_timestamp());
    msg
}

/// A message the fake built must deserialize as serenity's Message; otherwise it is a fake bug.
fn message_reply(status: u16, msg: Value) -> Reply {
    match serde_json::from_value::<Message>(msg.clone()) {
        Ok(_) => Reply::json(status, msg),
        Err(e) => {
            eprintln!("fake_discord: BUG: built a message serenity cannot read: {e}\n{msg}");
            Reply::error(
                500,
                0,
                &format!("fake-discord bug: message does not deserialize: {e}"),
            )
        }
    }
}

fn channel_message_post(
    inner: &Arc<Inner>,
    cid: &str,
    body: &Value,
    files: &[RecordedFile],
) -> Reply {
    let cfg = &inner.config;
    let cid: u64 = cid.parse().unwrap_or(0);
    let guild_id = match cfg.channel(cid) {
        Some((_, c)) if !c.bot_can_send => return Reply::error(403, 50013, "Missing Permissions"),
        Some((g, _)) => Some(g.id),
        None if inner.st().dm_channels.contains_key(&cid) => None,
        None => return Reply::error(404, 10003, "Unknown Channel"),
    };
    if let Some(r) = validate_message_body(body, files.len(), true) {
        return r;
    }
    let mut st = inner.st();
    let msg = new_message(inner, &mut st, cid, guild_id, body, files, false);
    st.messages
        .insert(id_of(msg.get("id")).unwrap_or(0), msg.clone());
    message_reply(200, msg)
}

fn interaction_callback(
    inner: &Arc<Inner>,
    id: &str,
    token: &str,
    body: &Value,
    files: &[RecordedFile],
) -> Reply {
    let unknown = || Reply::error(404, 10062, "Unknown interaction");
    let mut st = inner.st();
    let Some(rec) = st.interactions.get(token) else {
        return unknown();
    };
    if rec.id.to_string() != id {
        return unknown();
    }
    if let Some(deadline) = inner.opts.ack_deadline {
        if rec.sent_at.elapsed() > deadline {
            return unknown();
        }
    }
    if rec.acked.is_some() {
        return Reply::error(400, 40060, "Interaction has already been acknowledged.");
    }
    let ikind = rec.kind;
    let (channel_id, guild_id) = (rec.channel_id, rec.guild_id);
    let source = rec.source_message.clone();
    let rtype = body["type"].as_u64().unwrap_or(0);
    let data = body.get("data").cloned().unwrap_or(Value::Null);
    let bad_type = || {
        let mut e = FormErrors::default();
        e.add(
            "type",
            "INTERACTION_RESPONSE_TYPE_INVALID",
            format!("Response type {rtype} is not valid for interaction type {ikind}"),
        );
        e.into_reply().expect("one error")
    };
    // Interaction types: 1 ping, 2 command, 3 component, 4 autocomplete, 5 modal submit.
    let original = match rtype {
        1 if ikind == 1 => None,
        4 if matches!(ikind, 2 | 3 | 5) => {
            if let Some(r) = validate_message_body(&data, files.len(), true) {
                return r;
            }
            Some(new_message(
                inner, &mut st, channel_id, guild_id, &data, files, true,
            ))
        }
        5 if matches!(ikind, 2 | 3 | 5) => {
            let mut m = new_message(inner, &mut st, channel_id, guild_id, &json!({}), &[], true);
            let ephemeral = data["flags"].as_u64().unwrap_or(0) & 64;
            m["flags"] = json!(128 | ephemeral);
            Some(m)
        }
        6 if matches!(ikind, 3 | 5) => source,
        7 if matches!(ikind, 3 | 5) => {
            if let Some(r) = validate_message_body(&data, files.len(), false) {
                return r;
            }
            match source {
                Some(src) => Some(apply_edit(inner, &mut st, src, &data, files)),
                None => return bad_type(),
            }
        }
        8 if ikind == 4 => {
            if let Some(r) = validate_autocomplete(&data) {
                return r;
            }
            None
        }
        9 if matches!(ikind, 2 | 3) => {
            if let Some(r) = validate_modal(&data) {
                return r;
            }
            None
        }
        _ => return bad_type(),
    };
    if let Some(o) = &original {
        if serde_json::from_value::<Message>(o.clone()).is_err() {
            eprintln!("fake_discord: BUG: original message does not deserialize: {o}");
        }
    }
    let rec = st.interactions.get_mut(token).expect("checked above");
    rec.acked = Some(rtype);
    rec.original = original;
    Reply::no_content()
}

fn webhook(
    inner: &Arc<Inner>,
    m: &str,
    app: &str,
    token: &str,
    rest: &[&str],
    body: &Value,
    files: &[RecordedFile],
) -> Reply {
    let unknown_webhook = || Reply::error(404, 10015, "Unknown Webhook");
    if app != inner.config.application_id.to_string() {
        return unknown_webhook();
    }
    let mut st = inner.st();
    let Some(rec) = st.interactions.get(token) else {
        return unknown_webhook();
    };
    if rec.acked.is_none() {
        return unknown_webhook();
    }
    let (channel_id, guild_id) = (rec.channel_id, rec.guild_id);
    match (m, rest) {
        ("POST", []) => {
            if let Some(r) = validate_message_body(body, files.len(), true) {
                return r;
            }
            let msg = new_message(inner, &mut st, channel_id, guild_id, body, files, true);
            st.messages
                .insert(id_of(msg.get("id")).unwrap_or(0), msg.clone());
            message_reply(200, msg)
        }
        (_, ["messages", "@original"]) => {
            let Some(orig) = st.interactions.get(token).and_then(|r| r.original.clone()) else {
                return Reply::error(404, 10008, "Unknown Message");
            };
            match m {
                "GET" => message_reply(200, orig),
                "PATCH" => {
                    if let Some(r) = validate_message_body(body, files.len(), false) {
                        return r;
                    }
                    let mut updated = apply_edit(inner, &mut st, orig, body, files);
                    // Editing a deferred reply turns the "thinking" placeholder into the message.
                    let flags = updated["flags"].as_u64().unwrap_or(0);
                    updated["flags"] = json!(flags & !128);
                    st.interactions.get_mut(token).expect("exists").original =
                        Some(updated.clone());
                    message_reply(200, updated)
                }
                "DELETE" => {
                    st.interactions.get_mut(token).expect("exists").original = None;
                    Reply::no_content()
                }
                _ => Reply::error(405, 0, "405: Method Not Allowed"),
            }
        }
        (_, ["messages", mid]) => {
            let mid: u64 = mid.parse().unwrap_or(0);
            let Some(msg) = st
                .messages
                .get(&mid)
                .filter(|x| x["webhook_id"].is_string())
                .cloned()
            else {
                return Reply::error(404, 10008, "Unknown Message");
            };
            match m {
                "GET" => message_reply(200, msg),
                "PATCH" => {
                    if let Some(r) = validate_message_body(body, files.len(), false) {
                        return r;
                    }
                    let updated = apply_edit(inner, &mut st, msg, body, files);
                    st.messages.insert(mid, updated.clone());
                    message_reply(200, updated)
                }
                "DELETE" => {
                    st.messages.remove(&mid);
                    Reply::no_content()
                }
                _ => Reply::error(405, 0, "405: Method Not Allowed"),
            }
        }
        _ => Reply::not_found(),
    }
}
