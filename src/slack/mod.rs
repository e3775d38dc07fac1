//! The Slack bot: Socket Mode (a WebSocket the bot opens, like the Discord gateway — no public URL needed)
//! through slack-morphism, one slash command whose text is a console line, mentions answered like `/screen`,
//! Block Kit replies, the evidence form, and the digest scheduler posting to Slack channels. Slack types
//! stay in here; the app layer sees only [`Chat`](crate::app::chat::Chat) and invocations.
//!
//! Every Web API call goes to `[slack] api_url` (`PARTNERFIT_SLACK_API_URL`, default Slack's), and the
//! socket URL comes from that server's `apps.connections.open`, so the real bot can be run against a fake
//! Slack. The team the app is installed in is the workspace `slack:<team id>`: nothing crosses with Discord
//! servers, and people of other teams (Slack Connect) are refused (the `standing` module).

pub mod api;
pub mod buttons;
pub mod chat;
pub mod form;
pub mod handler;
pub mod modal;
pub mod observe;
pub mod render;
mod socket;
mod standing;
mod text;

use crate::app::App;
use crate::config::{redact_error, redact_url, Config, ConfigError};
use crate::fatal::Fatal;
use crate::process::until_stopped;
use crate::schedule::runner::Scheduler;
use crate::service::ServiceStatus;
use api::{Api, ApiError, Client};
use handler::{Bot, Origin};
use serde_json::Value;
use slack_morphism::errors::SlackClientError;
use slack_morphism::prelude::*;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Why Slack could not start: a token refused is the operator's to fix (exit 2), the rest is not.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("{0}")]
    Other(String),
}

/// The running Slack side: stop it with [`Running::stop`].
pub struct Running {
    listener: SlackClientSocketModeListener<api::Connector>,
    /// The digest scheduler, until [`Running::stop`] takes it.
    scheduler: std::sync::Mutex<Option<crate::schedule::runner::Started>>,
    /// Held for the whole of a stop: a second stop waits for the first to finish (see [`Running::stop`]).
    stopping: tokio::sync::Mutex<()>,
    bot: Arc<Bot>,
}

impl Running {
    /// Resolves when the Slack side has to stop by itself (its bot token was refused).
    pub async fn refused(&self) {
        let mut rx = self.bot.refused.subscribe();
        let _ = rx.wait_for(|r| *r).await;
    }

    /// Stop: claim no further digest, close the socket, then wait — at most [`crate::process::DRAIN_BOUND`] —
    /// for the digests already claimed to be posted and recorded and for the interactions being answered.
    /// Calling it again does nothing more, once the first call has finished: a second caller (the process's
    /// signal while the Slack side stops by itself) returns only then, so the store is not closed under it.
    pub async fn stop(&self) {
        let _stopping = self.stopping.lock().await;
        let deadline = tokio::time::Instant::now() + crate::process::DRAIN_BOUND;
        let scheduler = self
            .scheduler
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        if let Some(s) = &scheduler {
            s.halt();
        }
        self.listener.shutdown().await;
        self.bot.status.set_slack_connected(false);
        tokio::join!(
            async {
                if let Some(s) = scheduler {
                    s.stop(deadline).await;
                }
            },
            self.bot.in_flight.drain_until(deadline, "slack"),
        );
    }
}

/// The tokens, or a one-line reason why they cannot be right.
fn tokens(config: &Config) -> Result<(String, String), ConfigError> {
    let (bot, app) = match (&config.slack.bot_token, &config.slack.app_token) {
        (Some(b), Some(a)) => (b.clone(), a.clone()),
        (Some(_), None) => return Err(ConfigError("SLACK_APP_TOKEN is not set: Socket Mode needs an app-level token (xapp-…, Basic Information > App-Level Tokens, scope connections:write) besides SLACK_BOT_TOKEN".into())),
        (None, Some(_)) => return Err(ConfigError("SLACK_BOT_TOKEN is not set: copy the Bot User OAuth Token (xoxb-…) from OAuth & Permissions besides SLACK_APP_TOKEN".into())),
        (None, None) => return Err(ConfigError("SLACK_BOT_TOKEN and SLACK_APP_TOKEN are not set (see docs/slack-setup.md)".into())),
    };
    if !bot.starts_with("xoxb-") {
        return Err(ConfigError(
            "SLACK_BOT_TOKEN must be the bot token (xoxb-…, under OAuth & Permissions)".into(),
        ));
    }
    if !app.starts_with("xapp-") {
        return Err(ConfigError(
            "SLACK_APP_TOKEN must be an app-level token (xapp-…, with connections:write)".into(),
        ));
    }
    Ok((bot, app))
}

/// Check both tokens with Slack (`auth.test`, `apps.connections.open`), then connect Socket Mode and start
/// the scheduler for Slack workspaces. A refused token is a [`ConfigError`] (exit 2). The socket's state
/// goes to `status` (which must expect Slack: [`ServiceStatus::expecting_slack`]): up from Slack's `hello`
/// until the connection is lost — failed, closed, silent past the ping timeout, or replaced at Slack's
/// request (the `socket` module) — and down while no new connection has said `hello`. The two checks are
/// raced against `stop` (the process's stop signal): a signal while Slack, or a proxy in between, does not
/// answer them ends the start with `Ok(None)`, nothing connected and nothing started. The connection itself is
/// opened in the background once the checks passed, so nothing after them waits on the network.
pub async fn start(
    config: &Config,
    base: App,
    sched: &crate::config::SchedulerConfig,
    status: Arc<ServiceStatus>,
    stop: &mut std::pin::Pin<Box<impl std::future::Future<Output = ()>>>,
) -> Result<Option<Running>, StartError> {
    let (bot_token, app_token) = tokens(config)?;
    let url = config.slack.api_url.clone();
    let client: Arc<Client> = Arc::new(api::client(&url).map_err(|e| {
        StartError::Other(redact_error(
            &format!("cannot set up TLS for Slack: {e}"),
            &url,
        ))
    })?);
    let web = Api::new(client.clone(), &bot_token).with_command(&config.slack.command);
    let Some(checked) = until_stopped(stop, "Slack", web.auth_test()).await else {
        return Ok(None);
    };
    let (team, bot_user) = match checked {
        Ok(t) => t,
        // auth.test asks about the token alone: any answer but ok refuses it.
        Err(ApiError::Auth(code) | ApiError::Refused(code)) => {
            return Err(ConfigError(format!("SLACK_BOT_TOKEN was refused by Slack ({code}): copy the Bot User OAuth Token again from OAuth & Permissions")).into())
        }
        Err(e) => {
            return Err(StartError::Other(redact_error(
                &format!("cannot reach Slack at {url}: {e}"),
                &url,
            )))
        }
    };
    let app_tok = SlackApiToken::new(app_token.into());
    let session = client.open_session(&app_tok);
    let request = SlackApiAppsConnectionOpenRequest::new();
    let Some(opened) = until_stopped(stop, "Slack", session.apps_connections_open(&request)).await
    else {
        return Ok(None);
    };
    if let Err(e) = opened.map_err(ApiError::from) {
        return Err(match e {
            // Likewise apps.connections.open: its refusals are the app-level token's.
            ApiError::Auth(code) | ApiError::Refused(code) => ConfigError(format!("SLACK_APP_TOKEN was refused by Slack ({code}): create an app-level token with connections:write under Basic Information, and turn Socket Mode on")).into(),
            other => StartError::Other(redact_error(
                &format!("cannot open Socket Mode at {url}: {other}"),
                &url,
            )),
        });
    }
    tracing::info!(team = %team, via = %redact_url(&url), "Slack tokens accepted");

    let chat = Arc::new(chat::SlackChat { api: web.clone() });
    let app = base.with_chat(chat.clone());
    let bot = Arc::new(
        Bot::new(
            app.clone(),
            web,
            bot_user,
            config.slack.command.clone(),
            status,
        )
        .installed_in(team),
    );

    let callbacks = SlackSocketModeListenerCallbacks::new()
        .with_hello_events(on_hello)
        .with_command_events(on_command)
        .with_interaction_events(on_interaction)
        .with_push_events(on_push);
    let env = Arc::new(
        SlackClientEventsListenerEnvironment::new(client.clone())
            .with_error_handler(on_error)
            .with_user_state(bot.clone()),
    );
    let socket = SlackClientSocketModeConfig::new()
        .with_max_connections_count(1)
        .with_reconnect_timeout_in_seconds(5)
        .with_initial_backoff_in_seconds(1);
    let listener = SlackClientSocketModeListener::new(&socket, env, callbacks);
    listener.listen_for(&app_tok).await.map_err(|e| {
        StartError::Other(format!("cannot start Socket Mode: {}", ApiError::from(e)))
    })?;
    listener.start().await;
    tracing::info!("Slack Socket Mode started");

    let scheduler = Scheduler::new(
        app,
        chat,
        format!(
            "{}-{}-slack",
            crate::process::hostname(),
            std::process::id()
        ),
        Duration::from_secs(sched.lease_seconds),
        Duration::from_secs(sched.max_sleep_seconds),
    )
    .spawn();
    Ok(Some(Running {
        listener,
        scheduler: std::sync::Mutex::new(Some(scheduler)),
        stopping: tokio::sync::Mutex::new(()),
        bot,
    }))
}

/// The bot kept in the listener's state.
async fn bot_of(states: &SlackClientEventsUserState) -> Option<Arc<Bot>> {
    states.read().await.get_user_state::<Arc<Bot>>().cloned()
}

/// The team an interaction is counted under: the installed one, whose workspace every request acts on —
/// never the team its payload names, so an outsider's request (Slack Connect) is not counted under a
/// workspace of its own. Known from the start ([`Bot::installed_in`]); were it not, and `auth.test` failed,
/// the request itself would say so.
async fn counted_under(bot: &Bot) -> &str {
    bot.installed_team().await.unwrap_or_default()
}

/// Slack's `hello` on a new Socket Mode connection: the socket is up. (Generic over the event, whose type
/// slack-morphism does not export under a name.)
async fn on_hello<Hello>(_ev: Hello, _client: Arc<Client>, states: SlackClientEventsUserState) {
    if let Some(bot) = bot_of(&states).await {
        tracing::info!("Slack Socket Mode connected");
        bot.status.set_slack_connected(true);
    }
}

/// A slash command: acknowledged at once (the reply goes to its response_url).
async fn on_command(
    ev: SlackCommandEvent,
    _client: Arc<Client>,
    states: SlackClientEventsUserState,
) -> UserCallbackResult<SlackCommandEventResponse> {
    let arrived = Instant::now();
    if let Some(bot) = bot_of(&states).await {
        let origin = Origin {
            user: ev.user_id.to_string(),
            channel: Some(ev.channel_id.to_string()),
        };
        let text = ev.text.clone().unwrap_or_default();
        let in_flight = bot.in_flight.clone();
        tokio::spawn(in_flight.track(async move {
            let command = observe::command_of(&text);
            let team = counted_under(&bot).await;
            let run = bot.command(
                origin,
                &text,
                ev.response_url.value().as_str(),
                ev.trigger_id.as_ref(),
            );
            observe::interaction(&command, team, arrived, run).await
        }));
    }
    Ok(SlackCommandEventResponse::new(SlackMessageContent::new()))
}

/// Mentions of the bot (`app_mention`); other events are acknowledged and ignored.
async fn on_push(
    ev: SlackPushEventCallback,
    _client: Arc<Client>,
    states: SlackClientEventsUserState,
) -> UserCallbackResult<()> {
    let arrived = Instant::now();
    let v = serde_json::to_value(&ev).unwrap_or(Value::Null);
    let e = &v["event"];
    if e["type"] != "app_mention" || e.get("bot_id").is_some_and(|b| !b.is_null()) {
        return Ok(());
    }
    let (Some(bot), Some(user), Some(channel)) = (
        bot_of(&states).await,
        e["user"].as_str(),
        e["channel"].as_str(),
    ) else {
        return Ok(());
    };
    let origin = Origin {
        user: user.to_string(),
        channel: Some(channel.to_string()),
    };
    let text = e["text"].as_str().unwrap_or_default().to_string();
    // Answered in the mention's thread: the one it was written in, or a new one under it.
    let ts = e["ts"].as_str().unwrap_or_default();
    let thread = e["thread_ts"].as_str().unwrap_or(ts).to_string();
    let in_flight = bot.in_flight.clone();
    tokio::spawn(in_flight.track(async move {
        let team = counted_under(&bot).await;
        observe::interaction(
            "question",
            team,
            arrived,
            bot.mention(origin, &text, &thread),
        )
        .await
    }));
    Ok(())
}

/// Buttons and the evidence form's partner picked (acknowledged at once; the form is then narrowed to the
/// partner's traits: [`form`]), autocomplete of the evidence form and its submission (answered in the
/// acknowledgement, within [`ACK_BUDGET`] of arriving: see [`handler`]).
async fn on_interaction(
    ev: SlackInteractionEvent,
    _client: Arc<Client>,
    states: SlackClientEventsUserState,
) -> UserCallbackResult<SlackInteractionResponse> {
    let arrived = Instant::now();
    let Some(bot) = bot_of(&states).await else {
        return Ok(SlackInteractionResponse::Empty);
    };
    // Held until this callback returns; the acknowledgement is due `ACK_BUDGET` after `turn.since`.
    let turn = ReadLoop::turn(&bot.read_loop, arrived);
    let v = serde_json::to_value(&ev).unwrap_or(Value::Null);
    let origin = Origin {
        user: v["user"]["id"].as_str().unwrap_or_default().to_string(),
        channel: v["channel"]["id"]
            .as_str()
            .or_else(|| v["container"]["channel_id"].as_str())
            .map(str::to_string),
    };
    match &ev {
        SlackInteractionEvent::BlockActions(_) => {
            // A menu picked in the evidence form, not a button: the form is updated once acknowledged.
            if let Some(pick) = form::Pick::of(&v) {
                let in_flight = bot.in_flight.clone();
                tokio::spawn(in_flight.track(async move {
                    let team = counted_under(&bot).await;
                    let run = bot.pick_in_form(origin, pick);
                    observe::interaction("form", team, arrived, run).await
                }));
                return Ok(SlackInteractionResponse::Empty);
            }
            let action = &v["actions"][0];
            let value = action["value"].as_str().unwrap_or_default().to_string();
            let url = v["response_url"].as_str().map(str::to_string);
            let trigger = v["trigger_id"].as_str().unwrap_or_default().to_string();
            let in_flight = bot.in_flight.clone();
            tokio::spawn(in_flight.track(async move {
                let team = counted_under(&bot).await;
                let run = bot.press(origin, &value, url.as_deref(), &trigger);
                observe::interaction("button", team, arrived, run).await
            }));
            Ok(SlackInteractionResponse::Empty)
        }
        SlackInteractionEvent::BlockSuggestion(s) => {
            let suggest = bot.suggest(&origin, s.action_id.as_ref(), &s.value, &v["view"]["state"]);
            // Options too slow for Slack's 3 seconds would be dropped by Slack: none instead.
            let options = tokio::time::timeout_at(deadline(turn.since), suggest)
                .await
                .unwrap_or_else(|_| {
                    tracing::warn!("evidence form suggestions took too long: none offered");
                    Vec::new()
                });
            observe::autocomplete();
            let items = options
                .into_iter()
                .map(|(label, value)| {
                    SlackBlockChoiceItem::new(
                        pt!(option_label(&label)),
                        render::clip(&value, MAX_OPTION_VALUE),
                    )
                })
                .collect();
            Ok(SlackInteractionResponse::BlockSuggestion(
                SlackBlockSuggestionResponse::Options(SlackBlockSuggestionOptions::new(items)),
            ))
        }
        SlackInteractionEvent::ViewSubmission(_)
            if v["view"]["callback_id"] == modal::EVIDENCE_MODAL =>
        {
            let view = v["view"].clone();
            // The submission runs on its own, and says here whether the form may close; past the budget the
            // form closes anyway (a form kept open would invite a second submission of what may be
            // recorded by then), and the outcome is sent to the user privately when it is known.
            let (verdict, heard) = tokio::sync::oneshot::channel();
            let in_flight = bot.in_flight.clone();
            tokio::spawn(in_flight.track(async move {
                let team = counted_under(&bot).await;
                let submit = bot.submit_evidence(origin, &view, verdict);
                observe::interaction("form", team, arrived, submit).await
            }));
            let mut heard = heard;
            let errors = match tokio::time::timeout_at(deadline(turn.since), &mut heard).await {
                Ok(Ok(errors)) => errors,
                Ok(Err(_)) => HashMap::new(),
                Err(_) => {
                    // Closed first: a verdict sent from now on fails, and the submission tells the user
                    // privately; one sent in between is still read here and shown on the form.
                    heard.close();
                    heard.try_recv().unwrap_or_else(|_| {
                        tracing::warn!("the evidence form took too long to check: closed, the outcome follows privately");
                        HashMap::new()
                    })
                }
            };
            if errors.is_empty() {
                Ok(SlackInteractionResponse::Empty)
            } else {
                Ok(SlackInteractionResponse::ViewSubmission(
                    SlackViewSubmissionResponse::Errors(SlackViewSubmissionErrorsResponse::new(
                        errors,
                    )),
                ))
            }
        }
        _ => Ok(SlackInteractionResponse::Empty),
    }
}

/// How long after an interaction arrives its acknowledgement is sent at the latest, answered or not: well
/// inside Slack's 3 seconds.
pub const ACK_BUDGET: Duration = Duration::from_secs(2);

/// How interactions take turns on the socket's read loop: slack-morphism reads the next envelope only once the
/// callback of the one before has returned, so an interaction whose callback starts right after a long one
/// returned may have waited behind it since that one arrived — and Slack's 3 seconds run from then. Only
/// interactions are answered in their callback (autocomplete, the evidence form); commands and mentions
/// return at once.
#[derive(Debug, Default)]
pub struct ReadLoop(std::sync::Mutex<Option<Taken>>);

/// The last interaction's turn: since when it may have been waiting, when its callback started and returned.
#[derive(Debug, Clone, Copy)]
struct Taken {
    since: Instant,
    started: Instant,
    returned: Instant,
}

impl ReadLoop {
    /// A callback that starts this soon after the one before returned may have waited behind it (people's
    /// clicks and keystrokes are further apart); and a callback that ran this long held the loop.
    const BEHIND: Duration = Duration::from_millis(250);
    /// A callback that starts this soon after the one before returned was waiting for it: the loop reads an
    /// envelope already there within moments.
    const QUEUED: Duration = Duration::from_millis(30);

    /// The turn of the interaction whose callback starts at `now`, and since when it may have been waiting:
    /// behind a callback that held the loop, or read at once after one (it was queued), since that one's own
    /// wait began (a form behind a slow form, and any behind those); right after a quick one, since that one
    /// started (so a run of quick callbacks — autocomplete as someone types — never adds up to a wait); else
    /// `now`. The turn notes when the callback returns.
    fn turn(read_loop: &Arc<ReadLoop>, now: Instant) -> Turn {
        let last = read_loop.0.lock().map(|last| *last).unwrap_or(None);
        let since = match last {
            Some(t) if now.saturating_duration_since(t.returned) < Self::BEHIND => {
                let held = t.returned.saturating_duration_since(t.started) >= Self::BEHIND;
                let queued = now.saturating_duration_since(t.returned) < Self::QUEUED;
                if held || queued {
                    t.since
                } else {
                    t.started
                }
            }
            _ => now,
        };
        Turn {
            read_loop: Arc::clone(read_loop),
            since: since.min(now),
            started: now,
        }
    }
}

/// One interaction's callback on the read loop (see [`ReadLoop`]).
struct Turn {
    read_loop: Arc<ReadLoop>,
    since: Instant,
    started: Instant,
}

impl Drop for Turn {
    fn drop(&mut self) {
        if let Ok(mut last) = self.read_loop.0.lock() {
            *last = Some(Taken {
                since: self.since,
                started: self.started,
                returned: Instant::now(),
            });
        }
    }
}

/// When the acknowledgement of an interaction that arrived at `arrived` must go out.
fn deadline(arrived: Instant) -> tokio::time::Instant {
    tokio::time::Instant::from_std(arrived + ACK_BUDGET)
}

/// Slack's limits on a menu option (Block Kit reference: option object).
const MAX_OPTION_LABEL: usize = 75;
const MAX_OPTION_VALUE: usize = 150;

/// A menu option's label: escaped, then cut to Slack's 75 characters (cutting first would let the escaping
/// push it over, and Slack refuses the whole list), never in the middle of an `&amp;`.
fn option_label(label: &str) -> String {
    render::escape_clipped(label, MAX_OPTION_LABEL)
}

/// The listener's errors: an envelope it could not read is acknowledged and ignored (logged without its
/// body, which may hold what a user typed).
fn on_error(
    err: Box<dyn std::error::Error + Send + Sync>,
    _client: Arc<Client>,
    _states: SlackClientEventsUserState,
) -> HttpStatusCode {
    let kind = match err.downcast_ref::<SlackClientError>() {
        Some(SlackClientError::ProtocolError(_)) => {
            "an envelope I do not know (acknowledged and ignored)"
        }
        // A failed connection is also reported lost, which marks the socket down ([`socket`]).
        Some(SlackClientError::SocketModeProtocolError(_)) => "a Socket Mode protocol error",
        Some(_) => "a Slack client error",
        None => "an error in a Slack handler",
    };
    tracing::warn!("Slack: {kind}");
    HttpStatusCode::OK
}

impl From<StartError> for Fatal {
    fn from(e: StartError) -> Fatal {
        match e {
            StartError::Config(c) => Fatal::Config(c),
            StartError::Other(m) => Fatal::Other(anyhow::anyhow!(m)),
        }
    }
}

/// `partnerfit run` with Slack only: until SIGINT or SIGTERM, or the bot token is refused.
pub async fn run(config: &Config, app: App, status: Arc<ServiceStatus>) -> Result<(), Fatal> {
    // Listening for the signal from now on; `/readyz` says stopping from the moment it comes.
    let mut stop = Box::pin(crate::process::wait_for_stop(status.clone()));
    let Some(running) = start(config, app, &config.scheduler, status, &mut stop).await? else {
        return Ok(());
    };
    let refused = tokio::select! {
        () = &mut stop => {
            tracing::info!("shutting down");
            false
        }
        _ = running.refused() => true,
    };
    // The store is closed by the caller, once every platform of the process has stopped.
    running.stop().await;
    if refused {
        return Err(ConfigError("Slack refused SLACK_BOT_TOKEN while running (revoked?): install the app again and restart with the new token".into()).into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Since when an interaction may have waited, after a last turn that started `ran + ago` and returned
    /// `ago` before `now`, itself waiting since `waited` before it started.
    fn since_after(ran: Duration, ago: Duration, waited: Duration) -> Duration {
        let now = Instant::now();
        let returned = now - ago;
        let started = returned - ran;
        let read_loop = Arc::new(ReadLoop::default());
        *read_loop.0.lock().unwrap() = Some(Taken {
            since: started - waited,
            started,
            returned,
        });
        let turn = ReadLoop::turn(&read_loop, now);
        now - turn.since
    }

    #[test]
    fn a_turn_counts_the_wait_behind_a_long_callback_only() {
        let ms = Duration::from_millis;
        // Nothing before it, or the last returned long ago: it did not wait.
        let read_loop = Arc::new(ReadLoop::default());
        let now = Instant::now();
        assert_eq!(ReadLoop::turn(&read_loop, now).since, now);
        assert_eq!(since_after(ms(2000), ms(300), ms(0)), ms(0));
        // Right behind a form checked for 2 s that had waited 500 ms itself: since that one's wait began.
        assert_eq!(since_after(ms(2000), ms(10), ms(500)), ms(2510));
        // 100 ms after a quick callback (autocomplete, 5 ms) whose own estimate went back 3 s: since that one
        // started, not 3 s — keystrokes never add up to a wait.
        assert_eq!(since_after(ms(5), ms(100), ms(3000)), ms(105));
        // Read 1 ms after a quick callback that was itself queued 3 s: queued too, since that one's wait.
        assert_eq!(since_after(ms(5), ms(1), ms(3000)), ms(3006));
    }

    #[test]
    fn option_labels_are_cut_after_escaping() {
        assert_eq!(option_label("AT&T"), "AT&amp;T");
        // 70 characters and one `&`: 74 once escaped, whole.
        let fits = format!("{}&", "a".repeat(69));
        assert_eq!(option_label(&fits), format!("{}&amp;", "a".repeat(69)));
        // 71 letters, `&`, `b`: 77 escaped, cut to 74 and "…", the entity dropped whole.
        let long = format!("{}&b", "a".repeat(71));
        assert_eq!(option_label(&long), format!("{}…", "a".repeat(71)));
        let cut = format!("{}&&&&", "a".repeat(60));
        let label = option_label(&cut);
        assert_eq!(label, format!("{}&amp;&amp;…", "a".repeat(60)));
        assert!(label.chars().count() <= 75);
    }
}
