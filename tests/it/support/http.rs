//! Talking to the bot's operations listener: the bot started with it on a port of the OS's choosing (read from
//! the bot's log), and raw HTTP/1.1 requests, each on its own connection, so a test controls exactly what is
//! sent and how many connections are open.

use super::bot::{Bot, WAIT};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// `PARTNERFIT_HTTP_LISTEN` for a listener on a port the OS picks when the bot binds it: no other test can take
/// that port between its choice and the bind, as one could a port picked (and released) by the test beforehand.
pub const ANY_PORT: &str = "127.0.0.1:0";

/// What the bot logs, with the `addr` it bound, once its operations listener is bound (`src/http/mod.rs`).
pub const LISTENING_LINE: &str = "serving /healthz, /readyz and /metrics";

/// A bot with its operations listener on a port the OS picks: `start` is given `env` plus
/// `PARTNERFIT_HTTP_LISTEN=127.0.0.1:0` (e.g. `|env| Bot::start_on(…, env)`, or `slack_bot::start`); the bot and
/// the port it bound, once the listener accepts connections.
pub async fn listening(
    env: &[(&str, &str)],
    start: impl FnOnce(&[(&str, &str)]) -> Bot,
) -> (Bot, u16) {
    let mut env = env.to_vec();
    env.push(("PARTNERFIT_HTTP_LISTEN", ANY_PORT));
    let bot = start(&env);
    let port = bound_port(&bot).await;
    (bot, port)
}

/// The port the bot's operations listener bound, once it has: waits for [`LISTENING_LINE`] in the bot's log and
/// reads its `addr` (text or JSON log). The bot logs it after the bind, so the listener accepts connections by
/// then (the kernel queues them until the bot's accept loop takes them).
pub async fn bound_port(bot: &Bot) -> u16 {
    let log = bot.wait_log(LISTENING_LINE).await;
    logged_port(&log).unwrap_or_else(|| panic!("no listen address in {LISTENING_LINE:?}\n{log}"))
}

/// The port of the `addr` field on the log's [`LISTENING_LINE`]: `addr=127.0.0.1:PORT` as text,
/// `"addr":"127.0.0.1:PORT"` as JSON.
fn logged_port(log: &str) -> Option<u16> {
    let line = log.lines().find(|l| l.contains(LISTENING_LINE))?;
    let (_, rest) = line
        .split_once("addr=")
        .or_else(|| line.split_once("\"addr\":\""))?;
    let addr = rest.split(|c: char| c.is_whitespace() || c == '"').next()?;
    addr.parse::<std::net::SocketAddr>().ok().map(|a| a.port())
}

/// Send `raw` on a new connection and read the whole answer: (status, body).
pub async fn request(port: u16, raw: &[u8]) -> std::io::Result<(u16, String)> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).await?;
    s.write_all(raw).await?;
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).await?;
    let text = String::from_utf8_lossy(&buf);
    let status = text
        .strip_prefix("HTTP/1.1 ")
        .and_then(|r| r.get(..3))
        .and_then(|c| c.parse().ok())
        .unwrap_or(0);
    let body = text
        .split_once("\r\n\r\n")
        .map_or(String::new(), |(_, b)| b.to_string());
    Ok((status, body))
}

pub async fn get(port: u16, path: &str) -> (u16, String) {
    let raw = format!("GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n");
    request(port, raw.as_bytes())
        .await
        .unwrap_or_else(|e| panic!("GET {path}: {e}"))
}

/// Poll `path` until its answer satisfies `ok`; returns that answer.
pub async fn wait_for(
    port: u16,
    path: &str,
    bot: &Bot,
    ok: impl Fn(u16, &str) -> bool,
) -> (u16, String) {
    let deadline = Instant::now() + WAIT;
    loop {
        let (code, body) = get(port, path).await;
        if ok(code, &body) {
            return (code, body);
        }
        assert!(
            Instant::now() < deadline,
            "{path} never got there; last: {code} {body}\n{}",
            bot.log_text()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
