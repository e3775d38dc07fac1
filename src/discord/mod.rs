//! The Discord bot: serenity glue. It registers the slash commands generated from the command table, turns
//! interactions and mentions into calls of the same app layer the console uses, renders replies as embeds,
//! and runs the digest scheduler. Discord types stay in here.

pub mod buttons;
pub mod chat;
pub mod handler;
mod mine;
mod observe;
mod options;
pub mod preflight;
pub mod ratelimit;
pub mod register;
pub mod render;
pub mod reply;

use crate::app::App;
use crate::config::{redact_error, redact_url, Config, ConfigError};
use crate::fatal::Fatal;
use crate::process::until_stopped;
use crate::schedule::runner::Scheduler;
use crate::service::ServiceStatus;
use handler::Handler;
use serenity::all::{ClientBuilder, GatewayIntents};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// The gateway intents: guilds (for the cache and permission checks) and guild messages (questions that
/// mention the bot carry their content even without the privileged message content intent).
pub fn intents(message_content: bool) -> GatewayIntents {
    let base = GatewayIntents::GUILDS | GatewayIntents::GUILD_MESSAGES;
    if message_content {
        base | GatewayIntents::MESSAGE_CONTENT
    } else {
        base
    }
}

/// `GET path` sent through [`ratelimit::request`], which waits out each 429's `retry_after`: for the start-up
/// requests of a process whose first try was refused by the rate limit (several processes starting together).
async fn get_within_limits(
    http: &serenity::all::Http,
    path: &str,
) -> Result<serde_json::Value, crate::app::chat::PostError> {
    let route = format!("GET {path}");
    ratelimit::request(
        http,
        reqwest::Method::GET,
        path,
        &route,
        ratelimit::Body::None,
    )
    .await
}

fn http_status(e: &serenity::Error) -> Option<u16> {
    match e {
        serenity::Error::Http(serenity::http::HttpError::UnsuccessfulRequest(r)) => {
            Some(r.status_code.as_u16())
        }
        _ => None,
    }
}

/// The gateway shards one process runs: `first..=last` of `total`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shards {
    pub first: u32,
    pub last: u32,
    pub total: u32,
}

impl Shards {
    /// The shard ids this process runs: `first..=last`, or the one shard of an unsharded bot.
    pub fn ids(shards: Option<Shards>) -> Vec<u32> {
        shards.map_or(vec![0], |s| (s.first..=s.last).collect())
    }
}

/// How often each shard's heartbeat latency and stage are copied into the service status.
const GATEWAY_POLL: Duration = Duration::from_secs(2);

/// The digest scheduler of a process, once the first READY started it; `stopping` once the stop signal came.
#[derive(Default)]
struct SchedulerSlot {
    stopping: bool,
    started: Option<crate::schedule::runner::Started>,
}

impl SchedulerSlot {
    /// Claim no digest from now on, and start no scheduler.
    fn stop_claiming(&mut self) {
        self.stopping = true;
        if let Some(s) = &self.started {
            s.halt();
        }
    }
}

/// The key of a guard kept in serenity's data map, for [`drain`] to know when serenity's event tasks have ended.
///
/// serenity's shard runner dispatches each gateway event by spawning a task per handler
/// (`client::dispatch::dispatch_model`), with no code of ours run before the spawn (its raw event handlers are
/// spawned too). An interaction enters [`handler::Handler::in_flight`] only once its task first runs, so one
/// spawned just before the stop but not run yet is not counted there. Every such task owns a clone of the
/// event's `Context`, and with it of `Context::data`, the map this guard is kept in; besides those tasks only
/// the client, its shard queuer and its shard runners hold that map (nothing of ours keeps a `Context`: see
/// [`handler::Handler`]). Once the client is dropped and the gateway stopped — the runners ended, the queuer
/// told to end — the map and the guard go when the last event task ends, however late it first ran.
struct EventTasks;

impl serenity::prelude::TypeMapKey for EventTasks {
    type Value = crate::process::InFlightGuard;
}

/// Wait, until `deadline`, for the scheduler to post and record the digests it claimed, for the interactions
/// being answered to be answered, and — given `events`, once serenity dispatches no more — for every event task
/// serenity spawned to end ([`EventTasks`]), those not run yet included; what is left then is abandoned (a
/// claimed digest is taken over when its lease ends).
async fn drain(
    scheduler: &std::sync::Mutex<SchedulerSlot>,
    in_flight: &crate::process::InFlight,
    events: Option<&crate::process::InFlight>,
    deadline: tokio::time::Instant,
) {
    let started = {
        let mut slot = scheduler.lock().unwrap_or_else(|p| p.into_inner());
        slot.stop_claiming();
        slot.started.take()
    };
    let digests = async {
        match started {
            Some(s) => s.stop(deadline).await,
            None => true,
        }
    };
    let events = async {
        let Some(events) = events else {
            return;
        };
        if tokio::time::timeout_at(deadline, events.idle())
            .await
            .is_err()
        {
            tracing::warn!("gateway events still being handled at the shutdown's bound: abandoned");
        }
    };
    tokio::join!(digests, in_flight.drain_until(deadline, "discord"), events);
}

/// Run the bot until SIGINT or SIGTERM: all of it, or only some gateway shards of a bot that several
/// processes share (they share the database too, so any of them answers any interaction of its shards,
/// and the scheduler's claims make exactly one of them post each digest). Each shard's connection is
/// reported to `status` as it changes. On the signal `status` says the process is stopping, the shards are
/// closed, and this returns once the digests claimed and the interactions in flight are done — an interaction
/// whose event serenity dispatched before its shard closed too, even when its task had not started yet (see
/// [`EventTasks`]) — at most [`crate::process::DRAIN_BOUND`] after the signal; a second signal ends the process
/// at once. The store stays open: the caller closes it once every platform of the process has stopped.
pub async fn run(
    config: &Config,
    app: App,
    shards: Option<Shards>,
    status: Arc<ServiceStatus>,
) -> Result<(), Fatal> {
    let token = config.discord.token.clone().ok_or_else(|| {
        ConfigError("DISCORD_TOKEN is not set: create a bot in the Discord developer portal and export its token (see docs/discord-setup.md), or try `partnerfit console`".into())
    })?;
    let base = config
        .discord
        .proxy_url
        .as_deref()
        .map(|p| p.trim_end_matches('/').to_string());
    // All REST calls go to the proxy when one is set, which then owns rate limiting.
    let http = preflight::rest(&token, base.as_deref());
    let target = base.clone().unwrap_or_else(|| "https://discord.com".into());
    // The proxy's URL may carry a password: it is logged and shown without it, and so are errors that echo it.
    let via = redact_url(&target);
    let fail = |msg: String| Fatal::Other(anyhow::anyhow!(redact_error(&msg, &target)));
    // Listening from here on: a signal that comes while Discord is asked for the bot and its gateway (requests a
    // Discord or proxy that does not answer would hold for long) stops the process before it connects.
    let mut stop_signal = Box::pin(crate::process::wait_for_stop(status.clone()));
    // Fail fast: a wrong token or an unreachable Discord is an error now, not a silent hang later.
    let Some(me) = until_stopped(&mut stop_signal, "Discord", http.get_current_user()).await else {
        return Ok(());
    };
    let bot_id = match me {
        Ok(me) => {
            tracing::info!(bot = %me.name, via = %via, "token accepted");
            me.id.to_string()
        }
        // Several processes starting at once can exceed the route's limit: ask again within the limits.
        Err(e) if http_status(&e) == Some(429) => {
            let Some(me) =
                until_stopped(&mut stop_signal, "Discord", get_within_limits(&http, "/users/@me")).await
            else {
                return Ok(());
            };
            let me = me.map_err(|e| fail(format!("cannot reach Discord at {target}: {e}")))?;
            let name = me["username"].as_str().unwrap_or_default();
            tracing::info!(bot = %name, via = %via, "token accepted");
            me["id"].as_str().unwrap_or_default().to_string()
        }
        Err(e) if http_status(&e) == Some(401) => {
            return Err(ConfigError("DISCORD_TOKEN was rejected by Discord (401 Unauthorized): copy the bot token again from the developer portal".into()).into())
        }
        Err(e) => {
            return Err(fail(format!(
                "cannot reach Discord at {target}: {}",
                crate::fatal::network_cause(&e)
            )))
        }
    };
    // Discord's global limit is one budget per bot: every process of the bot paces within it through the
    // database it shares (see `ratelimit`). On SQLite, or when the bot's id did not read, it paces alone.
    if let Some(budget) = Some(bot_id)
        .filter(|id| !id.is_empty())
        .and_then(|id| crate::app::pacing::SendBudget::of_bot(&app, id))
    {
        ratelimit::Limits::of(ratelimit::base_of(&http)).share(budget);
    }
    let Some(gateway) = until_stopped(&mut stop_signal, "Discord", http.get_gateway()).await else {
        return Ok(());
    };
    let gateway_url = match gateway {
        Ok(gateway) => gateway.url,
        // Several processes starting at once can exceed the route's limit: ask again within the limits.
        Err(e) if http_status(&e) == Some(429) => {
            let Some(json) = until_stopped(
                &mut stop_signal,
                "Discord",
                get_within_limits(&http, "/gateway"),
            )
            .await
            else {
                return Ok(());
            };
            json.and_then(|j| {
                j["url"].as_str().map(str::to_string).ok_or_else(|| {
                    crate::app::chat::PostError::Transient("the answer has no gateway URL".into())
                })
            })
            .map_err(|e| fail(format!("cannot get the gateway URL from {target}: {e}")))?
        }
        Err(e) => {
            return Err(fail(format!(
                "cannot get the gateway URL from {target}: {}",
                crate::fatal::network_cause(&e)
            )))
        }
    };

    // The scheduler starts on the first READY, unless the process is stopping by then (a shard whose
    // connection was under way when the stop signal came).
    let scheduler = Arc::new(std::sync::Mutex::new(SchedulerSlot::default()));
    let slot = scheduler.clone();
    let sched_app = app.clone();
    let sched = config.scheduler.clone();
    let instance = format!("{}-{}", crate::process::hostname(), std::process::id());
    let start_scheduler = move |chat: chat::DiscordChat| {
        let mut slot = slot.lock().unwrap_or_else(|p| p.into_inner());
        if slot.stopping {
            tracing::info!("stopping: the scheduler is not started");
            return;
        }
        let chat = Arc::new(chat);
        let scheduler = Scheduler::new(
            sched_app.with_chat(chat.clone()),
            chat,
            instance,
            Duration::from_secs(sched.lease_seconds),
            Duration::from_secs(sched.max_sleep_seconds),
        );
        slot.started = Some(scheduler.spawn());
    };
    let in_flight = crate::process::InFlight::new();
    let handler = Handler {
        base: app,
        guild_ids: config.discord.guild_ids.clone(),
        on_first_ready: std::sync::Mutex::new(Some(Box::new(start_scheduler))),
        registered: AtomicBool::new(false),
        downloads: options::download_client(),
        status: status.clone(),
        in_flight: in_flight.clone(),
    };
    // Held by serenity's data map, which every event task's `Context` holds: idle once they have all ended.
    let event_tasks = crate::process::InFlight::new();
    let building = ClientBuilder::new_with_http(http, intents(config.discord.message_content))
        .event_handler(handler)
        .type_map_insert::<EventTasks>(event_tasks.enter());
    let Some(client) = until_stopped(&mut stop_signal, "Discord", async { building.await }).await
    else {
        return Ok(());
    };
    let mut client = client.map_err(|e| fail(format!("cannot build the Discord client: {e}")))?;
    // serenity asks for the gateway URL again while building, and when that request is refused (a 429 when
    // processes start together) it silently falls back to the public gateway: connect to the one we were given.
    *client.ws_url.lock().await = gateway_url;

    let runners = client.shard_manager.runners.clone();
    let poll_status = status.clone();
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(GATEWAY_POLL).await;
            let runners = runners.lock().await;
            for (id, _) in poll_status.shards() {
                // A shard being restarted has no runner: it is not connected.
                let (connected, latency) =
                    runners
                        .get(&serenity::all::ShardId(id))
                        .map_or((false, None), |r| {
                            (
                                r.stage == serenity::gateway::ConnectionStage::Connected,
                                r.latency,
                            )
                        });
                poll_status.set_latency(id, latency);
                poll_status.set_connected(id, connected);
            }
        }
    });
    let manager = client.shard_manager.clone();
    // A signal that comes while the first connection is under way stops the process too (below).
    let stopped_at = Arc::new(std::sync::OnceLock::new());
    // Whether serenity was told to stop dispatching: its shard runners to close and then its shard queuer to
    // end, which `shutdown_all` does only when there is a runner. Only then does the data map of
    // [`EventTasks`] go once the event tasks have ended (a queuer never told keeps it).
    let dispatch_stopped = Arc::new(AtomicBool::new(false));
    {
        let manager = manager.clone();
        let stopped_at = stopped_at.clone();
        let scheduler = scheduler.clone();
        let dispatch_stopped = dispatch_stopped.clone();
        tokio::spawn(async move {
            stop_signal.await;
            let _ = stopped_at.set(tokio::time::Instant::now());
            tracing::info!("shutting down");
            // No digest is claimed from now on; the ones claimed are posted and recorded (awaited below).
            scheduler
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .stop_claiming();
            if !manager.runners.lock().await.is_empty() {
                dispatch_stopped.store(true, Ordering::SeqCst);
            }
            manager.shutdown_all().await;
            // With no shard runner — none connected yet, one being restarted, or Discord unreachable while
            // serenity keeps queueing the shard again — `shutdown_all` returns without telling `start` to
            // return, which would then wait for ever: tell it here (a second return value is never read).
            manager.return_with_value(Ok(())).await;
        });
    }
    let result = match shards {
        Some(Shards { first, last, total }) => {
            tracing::info!(
                first,
                last,
                total,
                "starting gateway shards {first}-{last} of {total}"
            );
            // serenity's range end is inclusive.
            client.start_shard_range(first..last, total).await
        }
        None => client.start().await,
    };
    let deadline = stopped_at
        .get()
        .copied()
        .unwrap_or_else(tokio::time::Instant::now)
        + crate::process::DRAIN_BOUND;
    // A shard whose connection was under way at the signal may have connected since: close it too.
    if stopped_at.get().is_some() && !manager.runners.lock().await.is_empty() {
        dispatch_stopped.store(true, Ordering::SeqCst);
        manager.shutdown_all().await;
    }
    // The client's hold on the data map of [`EventTasks`]: what is left are the event tasks' own. Without a stop
    // that told serenity to stop dispatching (no shard runner then, or no stop at all: the connection failed)
    // only the interactions already running are waited for.
    drop(client);
    let events = dispatch_stopped
        .load(Ordering::SeqCst)
        .then_some(&event_tasks);
    drain(&scheduler, &in_flight, events, deadline).await;
    result.map_err(|e| match e {
        serenity::Error::Gateway(serenity::gateway::GatewayError::InvalidAuthentication) => {
            Fatal::Config(ConfigError("DISCORD_TOKEN was rejected by the gateway: copy the bot token again from the developer portal".into()))
        }
        serenity::Error::Gateway(serenity::gateway::GatewayError::DisallowedGatewayIntents) => Fatal::Config(ConfigError(
            "Discord refused the message content intent (close code 4014): enable Message Content Intent on the Bot page of the developer portal, or set [discord] message_content (PARTNERFIT_DISCORD_MESSAGE_CONTENT) back to false, the default".into(),
        )),
        other => fail(format!("the Discord connection failed: {other}")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An interaction's task that serenity spawned before the stop but that has not run yet counts in no
    /// [`crate::process::InFlight`] of the handler; it holds serenity's data map through its context, though
    /// ([`EventTasks`]). Given the map's guard, the drain waits for the task to run and end; without it, the
    /// drain (on this one-thread runtime, where nothing else runs until it waits) is over before the task ran.
    #[tokio::test]
    async fn the_drain_waits_for_an_event_task_not_run_yet() {
        let scheduler = std::sync::Mutex::new(SchedulerSlot::default());
        let deadline = tokio::time::Instant::now() + crate::process::DRAIN_BOUND;
        for wait_for_events in [false, true] {
            let in_flight = crate::process::InFlight::new();
            let events = crate::process::InFlight::new();
            // serenity's data map with the guard in it, held by the client.
            let data = Arc::new(events.enter());
            let answered = Arc::new(AtomicBool::new(false));
            // The interaction's task: its context holds the map; it is counted in flight once it runs.
            let task = tokio::spawn({
                let data = data.clone();
                let in_flight = in_flight.clone();
                let answered = answered.clone();
                async move {
                    let _answering = in_flight.enter();
                    tokio::task::yield_now().await;
                    answered.store(true, Ordering::SeqCst);
                    drop(data);
                }
            });
            // The client is dropped: only the task holds the map now.
            drop(data);
            let events = wait_for_events.then_some(&events);
            drain(&scheduler, &in_flight, events, deadline).await;
            assert_eq!(
                answered.load(Ordering::SeqCst),
                wait_for_events,
                "answered before the drain ended (waiting for the event tasks: {wait_for_events})"
            );
            task.await.unwrap();
        }
    }
}
