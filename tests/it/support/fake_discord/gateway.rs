//! The gateway side: the WebSocket conversation (HELLO, IDENTIFY -> READY + GUILD_CREATE, heartbeats, RESUME),
//! dispatching events to the shard that owns a guild, waiting for the bot to be connected, and gateway faults
//! (dropped connections, RECONNECT, INVALID_SESSION). Every dispatch is read back with serenity's own
//! `GatewayEvent` first, so a payload serenity would drop fails here instead of doing nothing.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail};
use axum::extract::ws::{CloseFrame, Message as WsMessage, WebSocket, WebSocketUpgrade};
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use serde_json::{json, Value};
use serenity::model::application::Interaction;
use serenity::model::channel::Message;
use serenity::model::event::{Event, GatewayEvent};
use tokio::sync::mpsc;

use super::config::{FakeConfig, FakeGuild};
use super::objects::guild_create_json;
use super::recorded::{record, Recorded};
use super::{intents, next_snowflake, Conn, FakeDiscord, Inner, Out, Session, St};

impl FakeDiscord {
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

    /// Waits until `n` sessions are READY on live connections (e.g. two processes on one shard).
    pub async fn wait_live_sessions(&self, n: usize, timeout: Duration) -> anyhow::Result<()> {
        self.wait_gateway(timeout, &format!("{n} live READY sessions"), move |st| {
            st.sessions
                .values()
                .filter(|s| s.valid && s.ready && s.conn.is_some_and(|c| st.conns.contains_key(&c)))
                .count()
                >= n
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
    pub(super) async fn dispatch_to_guild(
        &self,
        guild_id: Option<u64>,
        t: &str,
        d: Value,
        required: u64,
        strip_content: bool,
    ) -> anyhow::Result<()> {
        self.dispatch_to_sessions(guild_id, t, d, required, strip_content, None)
            .await
    }

    /// [`Self::dispatch_to_guild`]; `only`: to the `only`-th (from 0, oldest first) of the live sessions of the
    /// guild's shard alone, waited for like any target (with `every_session_of_a_shard`, one bot process of
    /// several on the shard).
    pub(super) async fn dispatch_to_sessions(
        &self,
        guild_id: Option<u64>,
        t: &str,
        d: Value,
        required: u64,
        strip_content: bool,
        only: Option<usize>,
    ) -> anyhow::Result<()> {
        let deadline = tokio::time::Instant::now() + self.inner.opts.dispatch_wait;
        let mut rx = self.inner.gateway_changed.subscribe();
        loop {
            rx.borrow_and_update();
            {
                let mut st = self.inner.st();
                let every = self.inner.opts.every_session_of_a_shard;
                let mut targets = target_sessions(&st, guild_id, every || only.is_some());
                if let Some(n) = only {
                    targets = targets.into_iter().nth(n).into_iter().collect();
                }
                if !targets.is_empty() {
                    for sid in targets {
                        let intents = st.sessions[&sid].intents;
                        if intents & required != required {
                            bail!(
                                "the bot identified with intents {intents:#x}, without {:#x} needed for {t}: Discord \
                                 would not deliver it",
                                required & !intents
                            );
                        }
                        let mut d = d.clone();
                        if strip_content && intents & intents::MESSAGE_CONTENT == 0 {
                            d["content"] = json!("");
                            d["embeds"] = json!([]);
                            d["attachments"] = json!([]);
                            d["components"] = json!([]);
                        }
                        dispatch_locked(&mut st, &sid, t, d)?;
                    }
                    return Ok(());
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

fn shard_of(guild_id: Option<u64>, total: u64) -> u64 {
    match guild_id {
        Some(g) if total > 0 => (g >> 22) % total,
        _ => 0,
    }
}

/// The sessions a dispatch for `guild_id` goes to: the newest live session of its shard, or with `every` all
/// of them (oldest first).
fn target_sessions(st: &St, guild_id: Option<u64>, every: bool) -> Vec<String> {
    let mut live: Vec<(&String, &Session)> = st
        .sessions
        .iter()
        .filter(|(_, s)| s.valid && s.ready && s.conn.is_some_and(|c| st.conns.contains_key(&c)))
        .filter(|(_, s)| {
            s.shard
                .is_none_or(|[id, total]| shard_of(guild_id, total) == id)
        })
        .collect();
    live.sort_by_key(|(_, s)| s.created);
    if !every {
        live = live.split_off(live.len().saturating_sub(1));
    }
    live.into_iter().map(|(sid, _)| sid.clone()).collect()
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
        .map_err(|_| anyhow!("gateway connection of session {sid} is gone"))?;
    *st.dispatches.entry(t.to_string()).or_default() += 1;
    Ok(())
}

/// How the fake answers the bot's gateway connections (their WebSocket upgrade): as Discord does, or as a
/// Discord that is down.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum GatewayDoor {
    #[default]
    Open,
    /// Refused with 503: serenity's `Shard::new` fails and the shard is queued again every 5 s.
    Refused,
    /// Never answered (until the door changes): the connection stays under way.
    Silent,
}

impl FakeDiscord {
    /// From now on, gateway connections are answered as `door` says; a connection held by `Silent` goes on
    /// as the new door says.
    pub fn set_gateway_door(&self, door: GatewayDoor) {
        self.inner.st().gateway_door = door;
        self.inner.bump_gateway();
    }

    /// Waits until the bot has tried to open `n` gateway connections, answered or not.
    pub async fn wait_gateway_attempts(&self, n: usize, timeout: Duration) -> anyhow::Result<()> {
        self.wait_state(
            |st| {
                let tries = st.requests.iter().filter(|r| r.path == "/gateway").count();
                (tries >= n).then_some(())
            },
            timeout,
            || format!("{n} gateway connection attempts"),
        )
        .await
    }
}

pub(super) async fn ws_handler(
    State(inner): State<Arc<Inner>>,
    ws: WebSocketUpgrade,
    req_uri: axum::http::Uri,
) -> Response {
    let recorded = |status: u16| Recorded {
        method: "GET".into(),
        path: req_uri.path().to_string(),
        query: req_uri.query().map(str::to_string),
        body: Value::Null,
        files: vec![],
        status,
        response: Value::Null,
        at: Instant::now(),
    };
    let mut door = inner.st().gateway_door;
    if door == GatewayDoor::Silent {
        // Recorded as unanswered (status 0), then held until the door changes.
        record(&inner, recorded(0));
        let mut changed = inner.gateway_changed.subscribe();
        loop {
            door = inner.st().gateway_door;
            if door != GatewayDoor::Silent || changed.changed().await.is_err() {
                break;
            }
        }
    }
    match door {
        GatewayDoor::Refused => {
            record(&inner, recorded(503));
            axum::http::StatusCode::SERVICE_UNAVAILABLE.into_response()
        }
        _ => {
            record(&inner, recorded(101));
            ws.on_upgrade(move |socket| gateway_conn(inner, socket))
        }
    }
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

fn application_flags(cfg: &FakeConfig) -> u64 {
    let content = if cfg.privileged_intents & intents::MESSAGE_CONTENT != 0 {
        1 << 19
    } else {
        0
    };
    content | (1 << 23)
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
    if intents & intents::PRIVILEGED & !cfg.privileged_intents != 0 {
        let _ = tx.send(Out::Close(4014, "Disallowed intent(s).".into()));
        return;
    }
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
        // APPLICATION_COMMAND_BADGE, and GATEWAY_MESSAGE_CONTENT_LIMITED when the switch is on (unverified app).
        "application": {"id": cfg.application_id.to_string(), "flags": application_flags(cfg)},
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
        if !inner.opts.withheld_guilds.contains(&g.id) {
            frames.push(("GUILD_CREATE", guild_create_json(cfg, g)));
        }
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
