//! Every REST request the fake answered, kept for tests to read and await, and the faults a test injects into
//! the REST side (failing or holding the next matching requests); also the files the fake serves for
//! attachment URLs.

use std::fmt::Write as _;
use std::time::{Duration, Instant};

use anyhow::bail;
use serde_json::Value;

use super::{next_snowflake, FakeDiscord, Inner, St};

impl FakeDiscord {
    pub fn requests(&self) -> Vec<Recorded> {
        self.inner.st().requests.clone()
    }

    /// Forgets the request log and the interactions sent so far, so a long soak keeps its lookups short and
    /// its memory flat. Only with no interaction in flight: a callback for a forgotten one is refused.
    pub fn forget_history(&self) {
        let mut st = self.inner.st();
        st.requests.clear();
        st.callbacks.clear();
        st.interactions.clear();
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
        self.wait_state(
            |st| st.requests.iter().find(|r| pred(r)).cloned(),
            timeout,
            || "a matching request".to_string(),
        )
        .await
    }

    /// The first `n` recorded requests (past or future) matching `pred`, once there are that many.
    pub async fn wait_requests(
        &self,
        pred: impl Fn(&Recorded) -> bool,
        n: usize,
        timeout: Duration,
    ) -> anyhow::Result<Vec<Recorded>> {
        self.wait_state(
            |st| {
                let found: Vec<Recorded> = st
                    .requests
                    .iter()
                    .filter(|r| pred(r))
                    .take(n)
                    .cloned()
                    .collect();
                (found.len() == n).then_some(found)
            },
            timeout,
            || format!("{n} matching requests"),
        )
        .await
    }

    /// What `find` reads in the fake's state, now or once a request is recorded or held; `what` names it in the
    /// timeout's error, with the requests so far.
    pub(super) async fn wait_state<T>(
        &self,
        find: impl Fn(&St) -> Option<T>,
        timeout: Duration,
        what: impl Fn() -> String,
    ) -> anyhow::Result<T> {
        let deadline = tokio::time::Instant::now() + timeout;
        let mut rx = self.inner.requests_changed.subscribe();
        loop {
            rx.borrow_and_update();
            if let Some(found) = find(&self.inner.st()) {
                return Ok(found);
            }
            if tokio::time::timeout_at(deadline, rx.changed())
                .await
                .is_err()
            {
                bail!(
                    "timed out after {timeout:?} waiting for {}; requests so far: {}",
                    what(),
                    self.request_summary()
                );
            }
        }
    }

    /// Successful `POST /channels/{id}/messages`: the create requests, a repeat of an `enforce_nonce` nonce
    /// included (the fake, like Discord, answers it with the first message and creates nothing), so that a
    /// digest posted twice still shows here as two.
    pub fn channel_messages(&self, channel_id: u64) -> Vec<Recorded> {
        let path = format!("/api/v10/channels/{channel_id}/messages");
        self.requests()
            .into_iter()
            .filter(|r| r.method == "POST" && r.path == path && r.is_success())
            .collect()
    }

    /// How many creates were answered with an earlier message of their `enforce_nonce` nonce (nothing created).
    pub fn repeated_nonces(&self) -> usize {
        self.inner.st().repeated_nonces
    }

    /// The messages the fake holds in `channel_id` (a repeated nonce created none).
    pub fn stored_messages(&self, channel_id: u64) -> usize {
        let cid = channel_id.to_string();
        self.inner
            .st()
            .messages
            .values()
            .filter(|m| m["channel_id"] == cid.as_str())
            .count()
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

    /// How many times a hosted file (an attachment) was fetched, whatever the answer.
    pub fn attachment_fetches(&self) -> usize {
        self.inner.st().file_fetches
    }

    /// Serves `bytes` at the returned `http://127.0.0.1:PORT/files/{n}/{name}` (for attachment URLs).
    pub fn host_file(&self, name: &str, bytes: Vec<u8>) -> String {
        host_file_locked(&self.inner, &mut self.inner.st(), name, bytes)
    }

    /// The next `times` REST calls whose path contains `path_contains` answer `status`
    /// (429: Discord's rate-limit body and headers with retry_after 0.05).
    pub fn fail_next(&self, path_contains: &str, status: u16, times: usize) {
        self.inner.st().fail_rules.push(FailRule {
            path_contains: path_contains.to_string(),
            status,
            remaining: times,
            retry_after: None,
            global: false,
            skip: 0,
        });
    }

    /// The next `times` REST calls whose path contains `path_contains` are handled as usual (an interaction's
    /// callback is accepted, a message posted) and then answered `status`, as a server that failed after doing
    /// the work.
    pub fn fail_next_after_handling(&self, path_contains: &str, status: u16, times: usize) {
        self.inner.st().fail_after_rules.push(FailRule {
            path_contains: path_contains.to_string(),
            status,
            remaining: times,
            retry_after: None,
            global: false,
            skip: 0,
        });
    }

    /// The next `times` REST calls whose path contains `path_contains` answer `429` as Discord does: the body
    /// `{"message", "retry_after", "global": false}` (no `code`), `Retry-After` and the `X-RateLimit-*` headers of
    /// a route with nothing left. A call that comes before `retry_after` has passed since is recorded in
    /// `early_requests`, and each 429 in `rate_limited`.
    pub fn rate_limit_next(&self, path_contains: &str, retry_after: Duration, times: usize) {
        self.inner.st().fail_rules.push(FailRule {
            path_contains: path_contains.to_string(),
            status: 429,
            remaining: times,
            retry_after: Some(retry_after),
            global: false,
            skip: 0,
        });
    }

    /// The next `times` REST calls whose path contains `path_contains` answer a **global** `429` as Discord
    /// does: `{"message", "retry_after", "global": true}`, `X-RateLimit-Global: true`, `X-RateLimit-Scope:
    /// global` and `Retry-After`. Its wait applies to the whole token: any call (but interaction callbacks and
    /// webhooks, which Discord exempts) that comes before `retry_after` has passed is recorded in
    /// `early_requests`, whichever of the bot's processes sent it, and the 429 in `rate_limited`.
    pub fn rate_limit_next_global(&self, path_contains: &str, retry_after: Duration, times: usize) {
        self.inner.st().fail_rules.push(FailRule {
            path_contains: path_contains.to_string(),
            status: 429,
            remaining: times,
            retry_after: Some(retry_after),
            global: true,
            skip: 0,
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
            retry_after: None,
            global: false,
            skip: 0,
        });
    }

    /// The next `times` requests (any method) whose path contains `path_contains` are held unanswered until
    /// `release_held` (or 60 s), then answered as usual: Discord slow to answer, the bot still waiting for it.
    pub fn hold_next_then_answer(&self, path_contains: &str, times: usize) {
        self.inner.st().hold_rules.push(FailRule {
            path_contains: path_contains.to_string(),
            status: 0,
            remaining: times,
            retry_after: None,
            global: false,
            skip: 0,
        });
    }

    /// The first `pass` requests (any method) whose path contains `path_contains` are answered as usual; every
    /// later one is held unanswered until `release_held` (or 60 s), then answered as usual: Discord that stops
    /// answering after `pass`, so that exactly `pass` of a burst are answered however fast the bot is.
    pub fn hold_after(&self, path_contains: &str, pass: usize) {
        self.inner.st().hold_rules.push(FailRule {
            path_contains: path_contains.to_string(),
            status: 0,
            remaining: usize::MAX,
            retry_after: None,
            global: false,
            skip: pass,
        });
    }

    /// Holds no more requests: every hold rule is dropped (the requests held so far stay held until
    /// `release_held`).
    pub fn stop_holding(&self) {
        self.inner.st().hold_rules.clear();
    }

    /// Waits until `n` requests have been held (see `hold_next`).
    pub async fn wait_held(&self, n: usize, timeout: Duration) -> anyhow::Result<()> {
        self.wait_state(
            |st| (st.held >= n).then_some(()),
            timeout,
            || format!("{n} held requests"),
        )
        .await
    }

    /// Answers every held request (503, or as usual after `hold_next_then_answer`).
    pub fn release_held(&self) {
        self.inner.released.send_modify(|v| *v += 1);
    }
}

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
pub(super) struct FailRule {
    pub(super) path_contains: String,
    pub(super) status: u16,
    pub(super) remaining: usize,
    /// For a 429: the wait it announces, Discord's way (`rate_limit_next`); None: `Reply::injected`.
    pub(super) retry_after: Option<Duration>,
    /// For a 429: a global one (`rate_limit_next_global`), not the route's.
    pub(super) global: bool,
    /// For a hold rule: matching requests still to answer as usual before it holds any (`hold_after`).
    pub(super) skip: usize,
}

pub(super) fn host_file_locked(inner: &Inner, st: &mut St, name: &str, bytes: Vec<u8>) -> String {
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

pub(super) fn record(inner: &Inner, r: Recorded) {
    {
        let mut st = inner.st();
        if let Some(id) = successful_callback_of(&r) {
            let at = st.requests.len();
            st.callbacks.entry(id).or_insert(at);
        }
        st.requests.push(r);
    }
    inner.requests_changed.send_modify(|v| *v += 1);
}

/// The interaction whose callback `r` is (`POST /api/v10/interactions/{id}/{token}/callback`), when the fake
/// answered it with a success.
fn successful_callback_of(r: &Recorded) -> Option<u64> {
    if r.method != "POST" || !r.is_success() {
        return None;
    }
    let api = r.path.strip_prefix(super::rest::API)?;
    match super::rest::segments(api)[..] {
        ["interactions", id, _, "callback"] => id.parse().ok(),
        _ => None,
    }
}
