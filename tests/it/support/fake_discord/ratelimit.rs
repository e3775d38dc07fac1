//! Discord's REST rate limits, opt-in (`FakeOptions::rate_limits`; off by default so other tests do not
//! change), modelled on Discord's documentation:
//!
//! - **global**: at most `global_per_second` requests accepted in any window of one second, over every route
//!   of the token; beyond it `429` with `{"global": true, "retry_after"}`, `X-RateLimit-Global: true`,
//!   `X-RateLimit-Scope: global` and `Retry-After`. Interaction callbacks and interaction webhooks are exempt,
//!   as Discord's documentation says;
//! - **per route**: each route with its top-level id (`POST /channels/{id}/messages` per channel) is a bucket of
//!   `route_limit` requests per `route_window` from its first request; beyond it `429` with
//!   `X-RateLimit-Scope: user`. Every answer of a limited route carries `X-RateLimit-Limit`, `-Remaining`,
//!   `-Reset` (epoch seconds), `-Reset-After` (seconds) and `-Bucket`; announced waits are rounded up to the
//!   millisecond.
//!
//! A 429 is not counted against the limits (Discord did nothing). The fake records every 429 it sent, and every
//! request that came before the end of a wait the fake had announced (a 429's `retry_after`, global or for the
//! route): one bot process that honours the limits has none of those. A request is judged by when it arrived
//! (the fake began to read it), not by when its body had been read: one that arrived before the 429 was decided
//! was on its way already, and is not early. (The fake cannot tell processes that share
//! the token apart: with several, one may send while another waits out a global 429 it alone was given.)
//!
//! A test may also ask for a route's 429 on the next matching requests, limits on or off
//! (`FakeDiscord::rate_limit_next`), or a global one (`FakeDiscord::rate_limit_next_global`): answered and
//! recorded the same way, early requests included (after a global one, any request the global limit counts).

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use serde_json::json;

use super::rest::Reply;
use super::FakeDiscord;

/// The limits the fake enforces.
#[derive(Clone, Debug)]
pub struct RateLimits {
    pub global_per_second: usize,
    pub route_limit: usize,
    pub route_window: Duration,
    /// Limit `GET /gateway` like any other route (off in [`RateLimits::discord`]): serenity, refused it while
    /// building its client, falls back to the real gateway, which the bot must not follow.
    pub limit_gateway: bool,
}

impl RateLimits {
    /// Discord's documented global limit (50 a second), and per route the limit Discord commonly announces for a
    /// channel's messages (`X-RateLimit-Limit: 5`, resetting after 5 s; Discord says per-route limits vary).
    pub fn discord() -> RateLimits {
        RateLimits {
            global_per_second: 50,
            route_limit: 5,
            route_window: Duration::from_secs(5),
            limit_gateway: false,
        }
    }
}

/// A 429 the fake sent.
#[derive(Clone, Debug)]
pub struct Sent429 {
    pub route: String,
    pub global: bool,
    pub at: Instant,
}

/// A request that came while a wait announced to the bot was still running.
#[derive(Clone, Debug)]
pub struct Early {
    pub route: String,
    /// How long before the announced end it came.
    pub by: Duration,
}

/// A wait the fake announced: from when (the first 429 of it) until when.
#[derive(Clone, Copy)]
struct Told {
    from: Instant,
    until: Instant,
}

impl Told {
    /// `told` with a 429 decided `now` announcing a wait until `until`: one wait still running is prolonged
    /// (from its first 429), else a new one starts.
    fn announce(told: &mut Option<Told>, now: Instant, until: Instant) {
        *told = Some(match *told {
            Some(t) if t.until > now => Told {
                from: t.from,
                until: t.until.max(until),
            },
            _ => Told { from: now, until },
        });
    }

    /// How long before the wait's end a request that arrived at `arrived` came, if it came within the wait. A
    /// request that arrived before the 429 was decided was on its way already: the bot could not honour it.
    fn early(told: Option<Told>, arrived: Instant) -> Option<Duration> {
        told.filter(|t| arrived >= t.from && arrived < t.until)
            .map(|t| t.until - arrived)
    }
}

struct Bucket {
    count: usize,
    reset_at: Instant,
    /// The wait the last 429s of this route announced.
    told: Option<Told>,
}

#[derive(Default)]
pub(super) struct Limiter {
    accepted: VecDeque<Instant>,
    global_told: Option<Told>,
    buckets: HashMap<String, Bucket>,
    /// The waits announced by 429s a test asked for (`rate_limit_next`): what the path contains, and the wait.
    injected_told: Vec<(String, Told)>,
    /// The wait the global 429s a test asked for (`rate_limit_next_global`) announced.
    injected_global_told: Option<Told>,
    /// Most requests accepted in any window of one second (over the limited routes).
    pub(super) peak_per_second: usize,
    pub(super) sent: Vec<Sent429>,
    pub(super) early: Vec<Early>,
}

/// The bucket of a request: its method and path, ids other than the top-level one replaced.
pub(super) fn route_key(method: &str, api_path: &str) -> String {
    let mut out = String::from(method);
    let mut prev = "";
    for seg in api_path.split('/').filter(|s| !s.is_empty()) {
        out.push('/');
        let top = matches!(prev, "channels" | "guilds" | "webhooks");
        if seg.bytes().all(|b| b.is_ascii_digit()) && !top {
            out.push_str("{id}");
        } else {
            out.push_str(seg);
        }
        prev = seg;
    }
    out
}

/// Seconds rounded up to the millisecond.
fn secs(d: Duration) -> f64 {
    (d.as_micros() as f64 / 1000.0).ceil() / 1000.0
}

fn epoch_now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or(0.0)
}

impl Limiter {
    /// Admit a request to `api_path` (the path under `/api/v10`) now: the headers of its answer, or the 429.
    /// `arrived`: when the fake began to read it, by which it is judged early or not (its body may take a while
    /// to read, meanwhile another request's 429 may be decided).
    pub(super) fn admit(
        &mut self,
        limits: &RateLimits,
        method: &str,
        api_path: &str,
        arrived: Instant,
    ) -> Result<Vec<(&'static str, String)>, Reply> {
        // Interactions answer through these: not bound by the global limit. The gateway URL is not limited
        // here either: Discord does not limit it to a few a second, and serenity, refused it, silently falls
        // back to the real gateway (three processes starting at once ask for it six times).
        if api_path.starts_with("/interactions/")
            || api_path.starts_with("/webhooks/")
            || (!limits.limit_gateway && (api_path == "/gateway" || api_path == "/gateway/bot"))
        {
            return Ok(Vec::new());
        }
        let now = Instant::now();
        let key = route_key(method, api_path);
        for (told, route) in [
            (self.global_told, "(global)".to_string()),
            (self.buckets.get(&key).and_then(|b| b.told), key.clone()),
        ] {
            if let Some(by) = Told::early(told, arrived) {
                self.early.push(Early { route, by });
            }
        }
        // Global: the requests accepted within the last second.
        while self
            .accepted
            .front()
            .is_some_and(|t| now.duration_since(*t) >= Duration::from_secs(1))
        {
            self.accepted.pop_front();
        }
        if self.accepted.len() >= limits.global_per_second {
            let wait = self.accepted[0] + Duration::from_secs(1) - now;
            let retry = secs(wait);
            Told::announce(
                &mut self.global_told,
                now,
                now + Duration::from_secs_f64(retry),
            );
            self.sent.push(Sent429 {
                route: key,
                global: true,
                at: now,
            });
            let headers = vec![
                ("x-ratelimit-global", "true".into()),
                ("x-ratelimit-scope", "global".into()),
            ];
            return Err(too_many(retry, true, headers));
        }
        let bucket = self.buckets.entry(key.clone()).or_insert(Bucket {
            count: 0,
            reset_at: now + limits.route_window,
            told: None,
        });
        if now >= bucket.reset_at {
            bucket.count = 0;
            bucket.reset_at = now + limits.route_window;
        }
        let after = secs(bucket.reset_at - now);
        let bucket_id = format!("{:016x}", fnv(&key));
        let mut headers = vec![
            ("x-ratelimit-limit", limits.route_limit.to_string()),
            ("x-ratelimit-reset", format!("{:.3}", epoch_now() + after)),
            ("x-ratelimit-reset-after", format!("{after:.3}")),
            ("x-ratelimit-bucket", bucket_id),
        ];
        if bucket.count >= limits.route_limit {
            Told::announce(&mut bucket.told, now, now + Duration::from_secs_f64(after));
            self.sent.push(Sent429 {
                route: key,
                global: false,
                at: now,
            });
            headers.push(("x-ratelimit-remaining", "0".into()));
            headers.push(("x-ratelimit-scope", "user".into()));
            return Err(too_many(after, false, headers));
        }
        bucket.count += 1;
        headers.push((
            "x-ratelimit-remaining",
            (limits.route_limit - bucket.count).to_string(),
        ));
        self.accepted.push_back(now);
        self.peak_per_second = self.peak_per_second.max(self.accepted.len());
        Ok(headers)
    }
}

impl Limiter {
    /// A 429 a test asked for (`rate_limit_next`, `rate_limit_next_global`) for a request to `api_path` that
    /// contains `path_contains`, announcing `wait`, as Discord answers one for a route, or a global one (its body
    /// has no `code`).
    pub(super) fn refuse(
        &mut self,
        path_contains: &str,
        method: &str,
        api_path: &str,
        wait: Duration,
        global: bool,
    ) -> Reply {
        let now = Instant::now();
        let retry = secs(wait);
        let until = now + Duration::from_secs_f64(retry);
        self.sent.push(Sent429 {
            route: route_key(method, api_path),
            global,
            at: now,
        });
        if global {
            Told::announce(&mut self.injected_global_told, now, until);
            let headers = vec![
                ("x-ratelimit-global", "true".into()),
                ("x-ratelimit-scope", "global".into()),
            ];
            return too_many(retry, true, headers);
        }
        self.injected_told
            .push((path_contains.to_string(), Told { from: now, until }));
        let headers = vec![
            ("x-ratelimit-limit", "1".into()),
            ("x-ratelimit-remaining", "0".into()),
            ("x-ratelimit-reset", format!("{:.3}", epoch_now() + retry)),
            ("x-ratelimit-reset-after", format!("{retry:.3}")),
            ("x-ratelimit-scope", "user".into()),
        ];
        too_many(retry, false, headers)
    }

    /// Record a request to `path`, which arrived at `arrived`, that came while a wait announced by
    /// [`Limiter::refuse`] for it (or a global one, for any request the global limit counts) still ran.
    pub(super) fn note_if_early(&mut self, path: &str, arrived: Instant) {
        let exempt =
            path.starts_with("/api/v10/interactions/") || path.starts_with("/api/v10/webhooks/");
        if let Some(by) = Told::early(self.injected_global_told, arrived).filter(|_| !exempt) {
            self.early.push(Early {
                route: "(global)".into(),
                by,
            });
        }
        for (contains, told) in &self.injected_told {
            if path.contains(contains.as_str()) {
                if let Some(by) = Told::early(Some(*told), arrived) {
                    self.early.push(Early {
                        route: contains.clone(),
                        by,
                    });
                }
            }
        }
    }
}

/// A 429 as Discord answers one: the wait of `retry` seconds in its body and, in whole seconds, in
/// `Retry-After`, besides `headers`.
fn too_many(retry: f64, global: bool, mut headers: Vec<(&'static str, String)>) -> Reply {
    headers.push(("retry-after", format!("{}", retry.ceil() as u64)));
    Reply {
        status: 429,
        body: Some(
            json!({"message": "You are being rate limited.", "retry_after": retry, "global": global}),
        ),
        raw: None,
        headers,
    }
}

fn fnv(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

impl FakeDiscord {
    /// Every 429 the rate limits answered, in order.
    pub fn rate_limited(&self) -> Vec<Sent429> {
        self.inner.limiter().sent.clone()
    }

    /// Requests that came before the end of a wait a 429 had announced (a bot that honours them has none).
    pub fn early_requests(&self) -> Vec<Early> {
        self.inner.limiter().early.clone()
    }

    /// The most requests accepted within one second (over the rate-limited routes).
    pub fn peak_per_second(&self) -> usize {
        self.inner.limiter().peak_per_second
    }
}

impl FakeDiscord {
    /// How many recorded requests match `pred` (without copying the log).
    pub fn count_requests(&self, pred: impl Fn(&super::Recorded) -> bool) -> usize {
        self.inner.st().requests.iter().filter(|r| pred(r)).count()
    }

    /// When the last recorded request matching `pred` was answered.
    pub fn last_request_at(&self, pred: impl Fn(&super::Recorded) -> bool) -> Option<Instant> {
        self.inner
            .st()
            .requests
            .iter()
            .filter(|r| pred(r))
            .map(|r| r.at)
            .max()
    }
}
