//! A fake Discord (REST API v10 + gateway) on 127.0.0.1 for integration tests.
//!
//! The real bot is pointed at it with `HttpBuilder::new(token).proxy(fake.base_url())
//! .ratelimiter_disabled(true)` and `ClientBuilder::new_with_http`: `proxy` sends REST calls to the
//! fake, and serenity's ratelimiter builds its requests without the proxy, so with it on they would
//! silently go to the real discord.com.
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
//! - a follow-up sent while a deferred message (type 5) is still loading resolves it, as Discord does: it
//!   becomes `@original` (the same message id) with the deferral's privacy, its own `flags` 64 ignored.
//!
//! Where things are: `config` (what the fake serves), `gateway` (the WebSocket side and dispatches),
//! `interactions` (sending what users do, reading what the bot answered), `rest` (request intake and
//! routing) with `messages` and `commands` (the endpoints), `validation` (Discord's limits),
//! `recorded` (the request log and injected REST faults), `ratelimit` (Discord's rate limits, opt-in), `objects` (JSON the fake describes itself
//! with) and `payloads` (builders for what Discord sends the bot). This file holds the ids, the shared
//! state and the server's start and stop.
#![allow(dead_code)]

mod commands;
mod config;
mod gateway;
mod interactions;
mod messages;
mod objects;
mod payloads;
mod ratelimit;
mod recorded;
mod rest;
pub mod served;
mod validation;

// The fake's public API, re-exported whole: the tests and `benches/e2e.rs` each use a part of it.
#[allow(unused_imports)]
pub use {
    config::{FakeChannel, FakeConfig, FakeGuild, FakeOptions},
    gateway::GatewayDoor,
    objects::{content_type_for, user_json},
    payloads::{
        attachment_option, autocomplete, bot_message_with_button, button_click, command_id_for,
        mention_message, modal_submit, select_menu, slash_command, slash_command_with_attachment,
        user_message, Invoker,
    },
    ratelimit::{Early, RateLimits, Sent429},
    recorded::{Recorded, RecordedFile},
};

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use anyhow::Context as _;
use axum::extract::DefaultBodyLimit;
use axum::routing::get;
use axum::Router;
use serde_json::{json, Value};
use tokio::sync::{mpsc, watch};

use gateway::ws_handler;
use recorded::FailRule;
use rest::rest_handler;
use served::Served;

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
    pub const GUILD_MEMBERS: u64 = 1 << 1;
    pub const GUILD_PRESENCES: u64 = 1 << 8;
    /// The intents an application must have switched on in the developer portal.
    pub const PRIVILEGED: u64 = GUILD_MEMBERS | GUILD_PRESENCES | MESSAGE_CONTENT;
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
    /// The follow-up that resolved a deferred message still loading (Discord takes it as `@original`), as it
    /// became `@original`.
    resolved_by_followup: Option<Value>,
    /// The ids of the follow-ups created as messages of their own (in `St::messages` until deleted).
    followup_ids: Vec<u64>,
    /// For component interactions: the message the component is on.
    source_message: Option<Value>,
    /// The payload as dispatched, kept for an interaction sent to one session (`send_interaction_to`), so that
    /// it can be dispatched again to another.
    payload: Option<Value>,
}

#[derive(Default)]
struct St {
    requests: Vec<Recorded>,
    /// The first successful callback of each interaction, by its id: the index of its request in `requests`
    /// (what `interaction_response_recorded` waits for without scanning the whole log).
    callbacks: HashMap<u64, usize>,
    fail_rules: Vec<FailRule>,
    /// Requests handled as usual and then answered with an error ([`FakeDiscord::fail_next_after_handling`]).
    fail_after_rules: Vec<FailRule>,
    /// POSTs to hold unanswered (see `hold_next`), and how many are held or were.
    hold_rules: Vec<FailRule>,
    held: usize,
    files: HashMap<u64, (String, Vec<u8>)>,
    /// Requests for hosted files (attachment downloads).
    file_fetches: usize,
    registered: Option<Value>,
    /// Registered commands by scope (None = global), as answered.
    commands: HashMap<Option<u64>, Vec<Value>>,
    conns: HashMap<u64, Conn>,
    sessions: HashMap<String, Session>,
    interactions: HashMap<String, InteractionRec>,
    /// Dispatches sent, by event name (one per session a dispatch went to).
    dispatches: HashMap<String, usize>,
    messages: HashMap<u64, Value>,
    /// Messages created with `enforce_nonce`, by nonce: a second create with the same nonce gets this message back
    /// and creates nothing, as on Discord.
    nonces: HashMap<String, u64>,
    /// Creates answered with an earlier message of their nonce.
    repeated_nonces: usize,
    /// DM channels: channel id -> recipient user JSON.
    dm_channels: HashMap<u64, Value>,
    /// Members seen in interactions: (guild, user) -> member JSON (with user).
    members: HashMap<(u64, u64), Value>,
    next_conn: u64,
    next_session: u64,
    /// How gateway connections are answered (`set_gateway_door`).
    gateway_door: gateway::GatewayDoor,
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
    server: Served,
    /// The rate limits' counts (used when `opts.rate_limits` is set).
    limiter: Mutex<ratelimit::Limiter>,
}

impl Inner {
    fn st(&self) -> MutexGuard<'_, St> {
        self.st.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn limiter(&self) -> MutexGuard<'_, ratelimit::Limiter> {
        self.limiter.lock().unwrap_or_else(|e| e.into_inner())
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
            server: Served::default(),
            limiter: Mutex::default(),
        });
        let app = Router::new()
            .route("/gateway", get(ws_handler))
            .fallback(rest_handler)
            .layer(DefaultBodyLimit::max(64 << 20))
            .with_state(inner.clone());
        inner.server.serve(listener, app);
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

    /// Dispatches of event `t` sent so far, counting each session it went to.
    pub fn dispatch_count(&self, t: &str) -> usize {
        self.inner.st().dispatches.get(t).copied().unwrap_or(0)
    }

    /// Successful RESUMEs (answered with RESUMED).
    pub fn resume_count(&self) -> usize {
        self.inner.resume_count.load(Ordering::SeqCst)
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
        self.inner.server.stop().await;
    }
}

fn id_of(v: Option<&Value>) -> Option<u64> {
    match v? {
        Value::String(s) => s.parse().ok(),
        Value::Number(n) => n.as_u64(),
        _ => None,
    }
}
