//! Talking to the bot's operations listener: a free port for it, and raw HTTP/1.1 requests, each on its own
//! connection, so a test controls exactly what is sent and how many connections are open.

use super::bot::{Bot, WAIT};
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// A port nobody listens on (the OS's pick, released for the bot).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A bot with its operations listener on a free port: `start` is given `env` plus `PARTNERFIT_HTTP_LISTEN`
/// (e.g. `|env| Bot::start_on(…, env)`, or `slack_bot::start`); the bot and the port, once the listener
/// accepts connections.
pub async fn listening(
    env: &[(&str, &str)],
    start: impl FnOnce(&[(&str, &str)]) -> Bot,
) -> (Bot, u16) {
    let port = free_port();
    let listen = format!("127.0.0.1:{port}");
    let mut env = env.to_vec();
    env.push(("PARTNERFIT_HTTP_LISTEN", &listen));
    let bot = start(&env);
    wait_listening(port, &bot).await;
    (bot, port)
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

/// Wait until the bot's listener accepts connections.
pub async fn wait_listening(port: u16, bot: &Bot) {
    let deadline = Instant::now() + WAIT;
    while TcpStream::connect(("127.0.0.1", port)).await.is_err() {
        assert!(
            Instant::now() < deadline,
            "the listener never came up\n{}",
            bot.log_text()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
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
