//! systemd's notify protocol (`Type=notify`): READY=1 once the bot is up — every gateway shard connected, the
//! Slack socket up when the process runs Slack, and the slash commands registered — STOPPING=1 when it shuts down, and WATCHDOG=1 at half the unit's
//! `WatchdogSec=` from a task of the async runtime, so a runtime that stops making progress stops the pings
//! and systemd restarts it. Without `NOTIFY_SOCKET` (not started by systemd) every call does nothing.

use super::ServiceStatus;
use sd_notify::NotifyState;
use std::sync::Arc;

fn send(states: &[NotifyState]) {
    if let Err(e) = sd_notify::notify(states) {
        tracing::warn!(error = %e, "could not notify systemd");
    }
}

/// Tell systemd the bot is up once it is, and keep its watchdog fed. Returns at once; the work runs on
/// the current runtime.
pub fn start(status: Arc<ServiceStatus>) {
    if std::env::var_os("NOTIFY_SOCKET").is_none() {
        return;
    }
    tokio::spawn(async move {
        status.wait_until_up().await;
        tracing::info!("up: telling systemd");
        send(&[
            NotifyState::Ready,
            NotifyState::Status("connected; slash commands registered"),
        ]);
    });
    if let Some(every) = sd_notify::watchdog_enabled() {
        let every = (every / 2).max(std::time::Duration::from_millis(100));
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(every);
            loop {
                tick.tick().await;
                send(&[NotifyState::Watchdog]);
            }
        });
    }
}

/// Tell systemd the bot is shutting down.
pub fn stopping() {
    send(&[NotifyState::Stopping]);
}
