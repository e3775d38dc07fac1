//! Discord's REST rate limits, kept by the bot itself for the requests it makes on its own: posting the
//! scheduled digests (and reading a digest channel the cache does not hold), and its replies to users
//! ([`super::reply`]). A thousand servers' digests fire in the same minute, and Discord allows a bot 50
//! requests a second in all, and a few messages a second per channel.
//!
//! Why not serenity's rate limiter: behind a REST proxy (`[discord] proxy_url`) it is off, and a 429 then
//! reaches the caller as a bare error whose `retry_after` and `X-RateLimit-*` headers are gone. So these
//! requests are sent here, with serenity's builders for the bodies, and their headers are read:
//!
//! - **Global**: at most [`GLOBAL_PER_SECOND`] requests a second, spaced evenly (so that no window of a second
//!   holds more than 49) — for the bot, not for each process: the global limit is one budget per token, so a
//!   process that runs the bot reserves its send slots in the database, shared by every process of the bot
//!   ([`crate::app::pacing`]; the store keeps one row per bot). It reserves as many slots as it has requests
//!   waiting, at most [`MOST_RESERVED`] (a sixth of a second) per round trip, and only when the last slot it
//!   holds is [`LOOKAHEAD`] (a tenth of a second) away: so a process holds about a quarter of a second of the
//!   budget at most (a tenth and a sixth: 13 slots at 48 a second), a process
//!   that dies holds the others back by that much at most, and the processes' requests interleave. A slot not used within
//!   [`SLOT_GRACE`] of its time is dropped, not sent late in a burst: one found passed when a request is about to
//!   wait for it, and one whose wait ended late (the process was held up), up to [`LATE_SLOTS_DROPPED`] times a
//!   request (then it is sent late rather than never, on a machine whose timers are always late). When the database does not answer a
//!   reservation within [`RESERVE_WITHIN`] (or fails), the process paces alone at the same rate for
//!   [`ALONE_FOR`] and then asks again: posts never wait for the database for long. Without a shared budget
//!   (on SQLite, a one-process database; in `partnerfit doctor`) a process paces alone.
//! - **A global 429** (`global: true`, or `X-RateLimit-Global`, or `X-RateLimit-Scope: global`) is the safety net
//!   — another program on the token, or processes pacing alone while the database is away: it stops every request
//!   of the process for its `retry_after` and halves the process's pace (its reservations are spaced wider), which
//!   then grows back by one request a second per second without one. Its wait is the token's, so with a shared
//!   budget it holds the bot's other processes back too: the process moves the budget's next slot to the
//!   database's now + `retry_after` (10 s at most, [`crate::store::AHEAD_AT_MOST`]) in one statement, spawned
//!   beside the 429's handling so that the wait never waits for the database, and abandoned after
//!   [`RESERVE_WITHIN`]. Once it is made, no process is handed a slot before the wait's end. Slots another process
//!   already holds (a quarter of a second of the budget or so, as above) are not recalled and may still be sent
//!   inside the wait, and the other processes do not halve their pace. The process itself drops the slots it
//!   holds inside the wait (sent at its end, they would all go at once), and reserves again only when the wait's
//!   end is [`LOOKAHEAD`] away, by when its hold-back has normally been made.
//! - **Per route** (one channel's messages, one channel): `X-RateLimit-Remaining: 0` holds the next request to
//!   the route until `X-RateLimit-Reset-After` has passed; a 429 for the route holds it for its `retry_after`.
//! - **Interaction replies** (`/interactions/…` callbacks, `/webhooks/…` edits; sent by [`super::reply`]) keep
//!   their route's limits only: Discord does not count them against the global limit, so they neither wait for
//!   the pace nor take a slot of the shared budget (a reply never queues behind a thousand digests).
//!
//! A 429 means Discord did not take the request, so it is sent again after the wait — a digest keeps its nonce —
//! up to [`MAX_ATTEMPTS`] times and only for waits up to [`LONGEST_WAIT`]; beyond that the post fails as
//! passing, and the scheduler tries the period again later. A 429 never loses a digest nor posts it twice.

mod send;

pub use send::{
    base_of, failed, number_attachments, request, request_with, send_with, Answer, Body,
};

use crate::app::pacing::SendBudget;
use serde_json::Value;
use std::collections::{HashMap, VecDeque};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;
use tokio::time::Instant;

/// The pace of a process when no global 429 has slowed it: a margin under Discord's 50 a second.
pub const GLOBAL_PER_SECOND: f64 = 48.0;
/// The slowest pace a run of global 429s brings a process down to.
const SLOWEST_PER_SECOND: f64 = 1.0;
/// How often one request is sent again after 429s before the post fails as passing.
pub const MAX_ATTEMPTS: u32 = 8;
/// The longest wait a 429 may ask for and still be waited out here; a longer one (a ban) fails the post.
pub const LONGEST_WAIT: Duration = Duration::from_secs(30);
/// Added to every wait Discord announces: its figures are rounded to the millisecond.
const MARGIN: Duration = Duration::from_millis(5);
/// Past this many routes, those with nothing to wait for are forgotten.
const ROUTES_KEPT: usize = 512;
/// How long one request may take.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// The most send slots reserved from the shared budget in one round trip to the database (8 at 48 a second: a
/// sixth of a second of the bot's budget).
pub const MOST_RESERVED: u32 = 8;
/// How long a reservation may take before the request is paced by this process alone.
pub const RESERVE_WITHIN: Duration = Duration::from_millis(500);
/// How long a process paces alone after a reservation failed, before it asks the database again.
pub const ALONE_FOR: Duration = Duration::from_secs(5);
/// A process reserves its next slots only when the last one it holds is this close: it then holds at most the
/// slots of the next tenth of a second (5 at 48 a second) and reserves [`MOST_RESERVED`] more at most, so it holds
/// about a quarter of a second of the bot's budget at most (13 slots, 0.27 s at 48 a second), however many of its
/// requests wait (the others' reservations come between).
pub const LOOKAHEAD: Duration = Duration::from_millis(100);
/// How late after its time a reserved slot may still be used; a later one is dropped (sent late, slots would
/// bunch up against the next ones of other processes).
pub const SLOT_GRACE: Duration = Duration::from_millis(20);

/// How many slots one request may find passed by more than [`SLOT_GRACE`] when its wait for them ends (the process
/// was held up) and take a new one instead; after that it is sent late, so that it is sent at all on a machine
/// whose timers are always late.
const LATE_SLOTS_DROPPED: u32 = 2;

/// The send budget shared with the bot's other processes, and the slots this process holds of it.
#[derive(Debug)]
struct Shared {
    budget: SendBudget,
    /// Slots reserved and not taken yet; locked while a reservation is made, so one at a time.
    slots: tokio::sync::Mutex<Held>,
    /// Requests waiting for a slot: how many the next reservation asks for.
    wanting: AtomicUsize,
    /// Until when this process paces alone (the database did not answer a reservation).
    alone_until: Mutex<Option<Instant>>,
}

/// The slots a process holds of the shared budget.
#[derive(Debug, Default)]
struct Held {
    /// Not taken yet, earliest first.
    slots: VecDeque<Instant>,
    /// The last slot reserved.
    last: Option<Instant>,
}

/// Counts a request as wanting a slot while it lives.
struct Wanting<'a>(&'a AtomicUsize);

impl<'a> Wanting<'a> {
    fn new(n: &'a AtomicUsize) -> Wanting<'a> {
        n.fetch_add(1, Ordering::Relaxed);
        Wanting(n)
    }
}

impl Drop for Wanting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// The process-wide pace: when the next request may go, and how fast.
#[derive(Debug)]
struct Global {
    /// The pace the process keeps without 429s.
    most: f64,
    per_second: f64,
    /// The earliest time the next request may be sent.
    next_slot: Instant,
    /// Until when a global 429 stops every request.
    blocked_until: Instant,
    /// When the pace last changed (grown back, or halved).
    changed: Instant,
}

/// What Discord last said of one route.
#[derive(Debug, Default)]
struct Route {
    /// Requests left before `reset_at`, as announced (and counted down by the requests sent since).
    remaining: Option<u32>,
    reset_at: Option<Instant>,
    /// Held while a request to the route is in flight: one at a time, so each learns from the last one's
    /// headers (two digests for one channel never race into its limit).
    gate: Arc<tokio::sync::Mutex<()>>,
}

/// The rate-limit state of one Discord API (one per REST base URL in the process).
#[derive(Debug)]
pub struct Limits {
    global: Mutex<Global>,
    routes: Mutex<HashMap<String, Route>>,
    /// The bot's budget in the database, once the bot knows who it is ([`Limits::share`]).
    shared: OnceLock<Shared>,
}

/// What a 429 said.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limited {
    pub global: bool,
    pub retry_after: Duration,
}

impl Limits {
    fn new() -> Limits {
        Limits::at(GLOBAL_PER_SECOND)
    }

    fn at(per_second: f64) -> Limits {
        let now = Instant::now();
        let per_second = per_second.max(SLOWEST_PER_SECOND);
        Limits {
            global: Mutex::new(Global {
                most: per_second,
                per_second,
                next_slot: now,
                blocked_until: now,
                changed: now,
            }),
            routes: Mutex::default(),
            shared: OnceLock::new(),
        }
    }

    /// A limiter of its own, at `per_second` at most: what one more process of the bot has (a process's own is
    /// [`Limits::of`]). Tests run two such "processes" in one, against a fake Discord with a lower limit.
    pub fn standalone(per_second: f64) -> Arc<Limits> {
        Arc::new(Limits::at(per_second))
    }

    /// From now on, pace this process within the bot's budget in the database, shared with its other processes
    /// (see the module's text). The first budget given stays: a second call changes nothing.
    pub fn share(&self, budget: SendBudget) {
        let _ = self.shared.set(Shared {
            budget,
            slots: tokio::sync::Mutex::default(),
            wanting: AtomicUsize::new(0),
            alone_until: Mutex::new(None),
        });
    }

    /// A slot of the shared budget, at `per_second`: one already reserved, or the first of a new reservation.
    /// None without a shared budget, or while the database cannot answer (the caller paces alone).
    async fn shared_slot(&self, per_second: f64) -> Option<Instant> {
        let shared = self.shared.get()?;
        let alone = || {
            shared
                .alone_until
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .is_some_and(|t| t > Instant::now())
        };
        if alone() {
            return None;
        }
        let _wanting = Wanting::new(&shared.wanting);
        let mut held = shared.slots.lock().await;
        loop {
            let now = Instant::now();
            let blocked_until = self.blocked_until();
            while let Some(t) = held.slots.pop_front() {
                // A slot inside a global 429's wait is dropped: sent at the wait's end, it would bunch up with
                // the others held back until then.
                if t + SLOT_GRACE >= now && t >= blocked_until {
                    return Some(t);
                }
            }
            // Another request's reservation may have failed while this one waited for the lock.
            if alone() {
                return None;
            }
            // Within a global 429's wait, reserve only when its end is LOOKAHEAD away: by then the hold-back of
            // the shared budget (`Limits::observe`) has normally been made, so the slots come after the wait.
            if let Some(ask_at) = blocked_until.checked_sub(LOOKAHEAD).filter(|t| *t > now) {
                tokio::time::sleep_until(ask_at).await;
                continue;
            }
            // Not more than LOOKAHEAD ahead: the requests waiting behind this one are counted meanwhile.
            if let Some(ask_at) = held.last.map(|last| last - LOOKAHEAD).filter(|t| *t > now) {
                tokio::time::sleep_until(ask_at).await;
                continue;
            }
            let count = (shared.wanting.load(Ordering::Relaxed) as u32).clamp(1, MOST_RESERVED);
            let spacing = Duration::from_secs_f64(1.0 / per_second);
            match shared.budget.reserve(count, spacing, RESERVE_WITHIN).await {
                Some(delay) => {
                    // From when the answer came: the database's "now" was no later, so no slot is early.
                    let first = Instant::now() + delay;
                    held.slots.extend((0..count).map(|i| first + spacing * i));
                    held.last = held.slots.back().copied();
                }
                None => {
                    *shared.alone_until.lock().unwrap_or_else(|p| p.into_inner()) =
                        Some(Instant::now() + ALONE_FOR);
                    return None;
                }
            }
        }
    }

    /// Until when a global 429 stops every request of this process.
    fn blocked_until(&self) -> Instant {
        self.global
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .blocked_until
    }

    /// After a global 429 that stops this process until `hold` from now: hold the bot's other processes back
    /// as long, in the shared budget (none: nothing to do). Spawned, so that the 429's own handling never waits
    /// for the database; the hold-back is one statement, answered or abandoned within [`RESERVE_WITHIN`].
    fn hold_back_shared(&self, hold: Duration) {
        let Some(shared) = self.shared.get() else {
            return;
        };
        let Ok(runtime) = tokio::runtime::Handle::try_current() else {
            return;
        };
        let budget = shared.budget.clone();
        runtime.spawn(async move { budget.hold_back(hold, RESERVE_WITHIN).await });
    }

    /// The limits of the API at `base` (shared by every caller in this process).
    pub fn of(base: &str) -> Arc<Limits> {
        static ALL: OnceLock<Mutex<HashMap<String, Arc<Limits>>>> = OnceLock::new();
        let mut all = ALL
            .get_or_init(Mutex::default)
            .lock()
            .unwrap_or_else(|p| p.into_inner());
        if let Some(limits) = all.get(base) {
            return limits.clone();
        }
        all.entry(base.to_string())
            .or_insert_with(|| Arc::new(Limits::new()))
            .clone()
    }

    /// The current pace, in requests a second.
    pub fn pace(&self) -> f64 {
        self.global
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .per_second
    }

    /// The gate of `route`: hold it from [`Limits::ready`] until its answer is observed.
    pub fn gate(&self, route: &str) -> Arc<tokio::sync::Mutex<()>> {
        let mut routes = self.routes.lock().unwrap_or_else(|p| p.into_inner());
        // Every interaction is a route of its own: forget the finished ones as they pile up.
        forget_idle(&mut routes, Instant::now());
        routes.entry(route.to_string()).or_default().gate.clone()
    }

    /// Until when `route` has no request left (None: it may be sent now).
    fn route_wait(&self, route: &str, now: Instant) -> Option<Instant> {
        let mut routes = self.routes.lock().unwrap_or_else(|p| p.into_inner());
        let r = routes.entry(route.to_string()).or_default();
        if r.reset_at.is_some_and(|t| t <= now) {
            r.remaining = None;
            r.reset_at = None;
        }
        match (r.remaining, r.reset_at) {
            (Some(0), Some(t)) => Some(t),
            _ => None,
        }
    }

    /// Wait until a request to `route` may be sent within the route's limits alone, and count it: an interaction
    /// reply, which Discord does not count against the global limit.
    pub async fn route_ready(&self, route: &str) {
        while let Some(t) = self.route_wait(route, Instant::now()) {
            tokio::time::sleep_until(t).await;
        }
        let mut routes = self.routes.lock().unwrap_or_else(|p| p.into_inner());
        let r = routes.entry(route.to_string()).or_default();
        r.remaining = r.remaining.map(|n| n.saturating_sub(1));
    }

    /// Wait until a request to `route` may be sent, and count it.
    pub async fn ready(&self, route: &str) {
        let mut late = 0;
        loop {
            let now = Instant::now();
            if let Some(t) = self.route_wait(route, now) {
                tokio::time::sleep_until(t).await;
                continue;
            }
            let pace = {
                let mut g = self.global.lock().unwrap_or_else(|p| p.into_inner());
                // The pace grows back by one a second per second without a global 429.
                let calm = now.saturating_duration_since(g.changed).as_secs_f64();
                if calm >= 1.0 && g.per_second < g.most {
                    g.per_second = (g.per_second + calm.floor()).min(g.most);
                    g.changed = now;
                }
                g.per_second
            };
            let slot = match self.shared_slot(pace).await {
                Some(slot) => {
                    let g = self.global.lock().unwrap_or_else(|p| p.into_inner());
                    slot.max(g.blocked_until)
                }
                None => {
                    let now = Instant::now();
                    let mut g = self.global.lock().unwrap_or_else(|p| p.into_inner());
                    let slot = now.max(g.next_slot).max(g.blocked_until);
                    g.next_slot = slot + Duration::from_secs_f64(1.0 / g.per_second);
                    slot
                }
            };
            tokio::time::sleep_until(slot).await;
            let now = Instant::now();
            let blocked = self
                .global
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .blocked_until;
            if blocked > now {
                // A global 429 came while this request waited for its slot: wait for a new one.
                continue;
            }
            if now > slot + SLOT_GRACE && late < LATE_SLOTS_DROPPED {
                // Woken too late (the process was held up): sent now, it would go in a burst with the requests
                // of the slots that follow; a new slot spaces it from them.
                late += 1;
                continue;
            }
            // Another request to the route may have used its last one meanwhile.
            let mut routes = self.routes.lock().unwrap_or_else(|p| p.into_inner());
            let r = routes.entry(route.to_string()).or_default();
            match r.remaining {
                Some(0) if r.reset_at.is_some_and(|t| t > now) => continue,
                Some(n) => r.remaining = Some(n.saturating_sub(1)),
                None => {}
            }
            return;
        }
    }

    /// Learn from a response to `route`: its bucket's remaining requests and reset, or the wait of a 429.
    pub fn observe(
        &self,
        route: &str,
        status: u16,
        headers: &reqwest::header::HeaderMap,
        body: &Value,
    ) -> Option<Limited> {
        let now = Instant::now();
        let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
        let seconds = |v: Option<&str>| {
            v.and_then(|s| s.trim().parse::<f64>().ok())
                .filter(|s| s.is_finite() && *s >= 0.0)
        };
        let reset_after = seconds(header("x-ratelimit-reset-after"));
        let remaining = header("x-ratelimit-remaining").and_then(|s| s.trim().parse::<u32>().ok());
        if status == 429 {
            let retry = body
                .get("retry_after")
                .and_then(Value::as_f64)
                .filter(|s| s.is_finite() && *s >= 0.0)
                .or_else(|| seconds(header("retry-after")))
                .or(reset_after)
                .unwrap_or(1.0);
            let global = body.get("global").and_then(Value::as_bool) == Some(true)
                || header("x-ratelimit-global").is_some_and(|v| v.eq_ignore_ascii_case("true"))
                || header("x-ratelimit-scope").is_some_and(|v| v.eq_ignore_ascii_case("global"));
            let retry_after = Duration::from_secs_f64(retry.min(86_400.0));
            let until = now + retry_after + MARGIN;
            if global {
                let extends = {
                    let mut g = self.global.lock().unwrap_or_else(|p| p.into_inner());
                    // Halve once per stop: the requests in flight when it came all answer 429 together.
                    if g.blocked_until <= now {
                        g.per_second = (g.per_second / 2.0).max(SLOWEST_PER_SECOND);
                        g.changed = now;
                    }
                    // Those 429s announce about the same end: only one that moves it on holds the others back.
                    let extends = until > g.blocked_until + MARGIN;
                    g.blocked_until = g.blocked_until.max(until);
                    extends
                };
                if extends {
                    self.hold_back_shared(retry_after + MARGIN);
                }
            } else {
                let mut routes = self.routes.lock().unwrap_or_else(|p| p.into_inner());
                let r = routes.entry(route.to_string()).or_default();
                r.remaining = Some(0);
                r.reset_at = Some(r.reset_at.map_or(until, |t| t.max(until)));
            }
            return Some(Limited {
                global,
                retry_after,
            });
        }
        if let (Some(n), Some(after)) = (remaining, reset_after) {
            let mut routes = self.routes.lock().unwrap_or_else(|p| p.into_inner());
            forget_idle(&mut routes, now);
            let r = routes.entry(route.to_string()).or_default();
            let reset_at = now + Duration::from_secs_f64(after.min(86_400.0)) + MARGIN;
            // Keep the lower count of the two: requests sent after this one was answered are already counted.
            r.remaining = Some(r.remaining.map_or(n, |have| have.min(n)));
            r.reset_at = Some(r.reset_at.map_or(reset_at, |t| t.max(reset_at)));
        }
        None
    }
}

/// Past [`ROUTES_KEPT`] routes, forget those with nothing to wait for and no request in flight.
fn forget_idle(routes: &mut HashMap<String, Route>, now: Instant) {
    if routes.len() > ROUTES_KEPT {
        routes.retain(|_, r| r.reset_at.is_some_and(|t| t > now) || Arc::strong_count(&r.gate) > 1);
    }
}

#[cfg(test)]
mod tests;
