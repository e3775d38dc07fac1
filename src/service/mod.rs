//! Running partnerfit as a service: what the bot knows about its own health, shared by the parts that
//! report it — the chat adapter updates it, the HTTP listener ([`crate::http`]) serves it, and systemd hears
//! about it through [`systemd`]. It lives outside the adapters so that none of them imports another, and
//! outside `app` because it is about the process, not about partnerships.

pub mod metrics;
pub mod systemd;

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

/// Where an interaction came from: the platform and its workspace (a Discord server's id, 0 outside one;
/// a Slack team's workspace id, `slack:T…`). Ids only, never names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source<'a> {
    Discord { guild: Option<u64> },
    Slack { workspace: &'a str },
}

/// One interaction (or question) answered `elapsed` after it arrived: its Prometheus series (the same on
/// every platform: by command and outcome) and one log event with the platform, command, workspace, role,
/// outcome and duration. Every value is from a fixed vocabulary or an id: never what a user typed, never
/// who they are.
pub fn interaction(
    command: &str,
    source: Source<'_>,
    role: Option<crate::domain::Role>,
    outcome: crate::app::outcome::Outcome,
    elapsed: Duration,
) {
    metrics::interaction(command, outcome.as_str(), elapsed);
    let role = role.map_or("none", |r| r.as_str());
    let duration_ms = elapsed.as_secs_f64() * 1000.0;
    let outcome = outcome.as_str();
    match source {
        Source::Discord { guild } => tracing::info!(
            platform = "discord",
            command,
            // As text, as Slack's and the digests' are: a server id is above 2^53, which a JSON number
            // read as a double (JavaScript, older jq) rounds.
            workspace = %guild.unwrap_or(0),
            role,
            outcome,
            duration_ms,
            "interaction"
        ),
        Source::Slack { workspace } => tracing::info!(
            platform = "slack",
            command,
            workspace,
            role,
            outcome,
            duration_ms,
            "interaction"
        ),
    }
}

/// One gateway shard of this process, as last seen.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ShardState {
    /// Connected to the gateway (identified or resumed, and not since dropped).
    pub connected: bool,
    /// The last heartbeat's round trip, once there was one.
    pub latency: Option<Duration>,
}

/// The process's view of its chat connections: every gateway shard it runs, its Slack socket when it runs
/// Slack, whether the slash commands are registered, and whether it is stopping. Changes wake
/// [`ServiceStatus::wait_until_up`].
#[derive(Debug)]
pub struct ServiceStatus {
    shards: Mutex<BTreeMap<u32, ShardState>>,
    /// None when this process does not run Slack; else whether its Socket Mode connection is up.
    slack: Mutex<Option<bool>>,
    commands_registered: std::sync::atomic::AtomicBool,
    /// A stop signal came: the process finishes what is in flight and takes nothing new.
    stopping: std::sync::atomic::AtomicBool,
    changed: tokio::sync::watch::Sender<()>,
}

impl ServiceStatus {
    /// The status of a process that runs these gateway shards, none of them connected yet.
    pub fn expecting(shards: impl IntoIterator<Item = u32>) -> ServiceStatus {
        let shards: BTreeMap<u32, ShardState> = shards
            .into_iter()
            .map(|s| (s, ShardState::default()))
            .collect();
        for id in shards.keys() {
            metrics::gateway(*id, &ShardState::default());
        }
        ServiceStatus {
            shards: Mutex::new(shards),
            slack: Mutex::new(None),
            commands_registered: Default::default(),
            stopping: Default::default(),
            changed: tokio::sync::watch::Sender::new(()),
        }
    }

    /// This process runs Slack too: its socket counts for readiness, down until Slack says hello.
    pub fn expecting_slack(self) -> ServiceStatus {
        *self.slack.lock().unwrap_or_else(|p| p.into_inner()) = Some(false);
        metrics::slack_socket(false);
        self
    }

    /// The Slack socket said hello (up) or failed (down); ignored when this process does not run Slack.
    pub fn set_slack_connected(&self, connected: bool) {
        let mut slack = self.slack.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(s) = slack.as_mut() {
            if *s != connected {
                *s = connected;
                metrics::slack_socket(connected);
                self.changed.send_replace(());
            }
        }
    }

    /// Whether the Slack socket is up; None when this process does not run Slack.
    pub fn slack_connected(&self) -> Option<bool> {
        *self.slack.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn update(&self, shard: u32, f: impl FnOnce(&mut ShardState)) {
        let mut map = self.shards.lock().unwrap_or_else(|p| p.into_inner());
        // Only the shards this process runs are tracked: an id from elsewhere is ignored.
        if let Some(s) = map.get_mut(&shard) {
            let before = *s;
            f(s);
            if *s != before {
                metrics::gateway(shard, s);
                self.changed.send_replace(());
            }
        }
    }

    /// A shard connected (READY or RESUMED) or dropped.
    pub fn set_connected(&self, shard: u32, connected: bool) {
        self.update(shard, |s| s.connected = connected);
    }

    /// A shard's heartbeat latency.
    pub fn set_latency(&self, shard: u32, latency: Option<Duration>) {
        self.update(shard, |s| s.latency = latency);
    }

    /// The slash commands are registered with the chat platform.
    pub fn set_commands_registered(&self) {
        self.commands_registered
            .store(true, std::sync::atomic::Ordering::SeqCst);
        self.changed.send_replace(());
    }

    /// The process is stopping (SIGINT or SIGTERM came): from now on it is not ready, whatever its
    /// connections say.
    pub fn set_stopping(&self) {
        if !self
            .stopping
            .swap(true, std::sync::atomic::Ordering::SeqCst)
        {
            self.changed.send_replace(());
        }
    }

    /// Whether the process is stopping ([`ServiceStatus::set_stopping`]).
    pub fn is_stopping(&self) -> bool {
        self.stopping.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Resolves once the process is stopping ([`ServiceStatus::set_stopping`]).
    pub async fn wait_until_stopping(&self) {
        let mut rx = self.changed.subscribe();
        while !self.is_stopping() {
            if rx.changed().await.is_err() {
                return;
            }
        }
    }

    /// Every shard of this process, by id.
    pub fn shards(&self) -> Vec<(u32, ShardState)> {
        let map = self.shards.lock().unwrap_or_else(|p| p.into_inner());
        map.iter().map(|(id, s)| (*id, *s)).collect()
    }

    /// Every shard of this process is connected (true when it runs none: a Slack-only process).
    pub fn gateway_connected(&self) -> bool {
        let map = self.shards.lock().unwrap_or_else(|p| p.into_inner());
        map.values().all(|s| s.connected)
    }

    pub fn commands_registered(&self) -> bool {
        self.commands_registered
            .load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Every chat connection of this process is up: each gateway shard, and the Slack socket when it runs
    /// Slack.
    pub fn connected(&self) -> bool {
        self.gateway_connected() && self.slack_connected() != Some(false)
    }

    /// The bot is up: every chat connection up (see [`ServiceStatus::connected`]), its commands registered.
    pub fn is_up(&self) -> bool {
        self.connected() && self.commands_registered()
    }

    /// Wait until the bot is up.
    pub async fn wait_until_up(&self) {
        let mut rx = self.changed.subscribe();
        while !self.is_up() {
            if rx.changed().await.is_err() {
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn up_once_every_shard_is_connected_and_commands_are_registered() {
        let s = std::sync::Arc::new(ServiceStatus::expecting([2, 3]));
        assert!(!s.gateway_connected());
        let waiter = tokio::spawn({
            let s = s.clone();
            async move { s.wait_until_up().await }
        });
        s.set_connected(2, true);
        s.set_connected(7, true); // not ours: ignored
        s.set_commands_registered();
        assert!(!s.is_up());
        s.set_connected(3, true);
        assert!(s.is_up());
        waiter.await.unwrap();
        s.set_latency(3, Some(Duration::from_millis(40)));
        assert_eq!(
            s.shards(),
            [
                (
                    2,
                    ShardState {
                        connected: true,
                        latency: None
                    }
                ),
                (
                    3,
                    ShardState {
                        connected: true,
                        latency: Some(Duration::from_millis(40))
                    }
                )
            ]
        );
        s.set_connected(2, false);
        assert!(!s.gateway_connected());
        // Slack is not run here: its socket does not count.
        s.set_slack_connected(false);
        assert_eq!(s.slack_connected(), None);
    }

    #[test]
    fn stopping_is_said_once_and_stays() {
        let s = ServiceStatus::expecting([0]);
        let mut changed = s.changed.subscribe();
        assert!(!s.is_stopping());
        s.set_stopping();
        assert!(s.is_stopping());
        assert!(changed.has_changed().unwrap());
        changed.borrow_and_update();
        s.set_stopping();
        assert!(s.is_stopping());
        assert!(!changed.has_changed().unwrap(), "no second change");
    }

    #[tokio::test]
    async fn a_slack_process_is_up_once_its_socket_said_hello() {
        let s = std::sync::Arc::new(ServiceStatus::expecting([]).expecting_slack());
        s.set_commands_registered();
        assert_eq!(s.slack_connected(), Some(false));
        assert!(s.gateway_connected() && !s.connected() && !s.is_up());
        let waiter = tokio::spawn({
            let s = s.clone();
            async move { s.wait_until_up().await }
        });
        s.set_slack_connected(true);
        waiter.await.unwrap();
        assert!(s.is_up());
        s.set_slack_connected(false);
        assert!(!s.is_up());
        // Both platforms: each must be up.
        let both = ServiceStatus::expecting([0]).expecting_slack();
        both.set_commands_registered();
        both.set_slack_connected(true);
        assert!(!both.is_up());
        both.set_connected(0, true);
        assert!(both.is_up());
    }
}
