//! Running partnerfit as a service: what the bot knows about its own health, shared by the parts that
//! report it — the chat adapter updates it, the HTTP listener ([`crate::http`]) serves it, and systemd hears
//! about it through [`systemd`]. It lives outside the adapters so that none of them imports another, and
//! outside `app` because it is about the process, not about partnerships.

pub mod metrics;
pub mod systemd;

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

/// One interaction (or question) answered `elapsed` after it arrived: its Prometheus series and one log
/// event with the command, workspace (the server's id, 0 outside one), role, outcome and duration. Every
/// value is from a fixed vocabulary or an id: never what a user typed, never who they are.
pub fn interaction(
    command: &str,
    workspace: Option<u64>,
    role: Option<crate::domain::Role>,
    outcome: crate::app::outcome::Outcome,
    elapsed: Duration,
) {
    metrics::interaction(command, outcome.as_str(), elapsed);
    tracing::info!(
        command,
        workspace = workspace.unwrap_or(0),
        role = role.map_or("none", |r| r.as_str()),
        outcome = outcome.as_str(),
        duration_ms = elapsed.as_secs_f64() * 1000.0,
        "interaction"
    );
}

/// One gateway shard of this process, as last seen.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ShardState {
    /// Connected to the gateway (identified or resumed, and not since dropped).
    pub connected: bool,
    /// The last heartbeat's round trip, once there was one.
    pub latency: Option<Duration>,
}

/// The process's view of its chat connection: every gateway shard it runs, and whether the slash commands
/// are registered. Changes wake [`ServiceStatus::wait_until_up`].
#[derive(Debug)]
pub struct ServiceStatus {
    shards: Mutex<BTreeMap<u32, ShardState>>,
    commands_registered: std::sync::atomic::AtomicBool,
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
            commands_registered: Default::default(),
            changed: tokio::sync::watch::Sender::new(()),
        }
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

    /// The bot is up: connected on every shard, its commands registered.
    pub fn is_up(&self) -> bool {
        self.gateway_connected() && self.commands_registered()
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
    }
}
