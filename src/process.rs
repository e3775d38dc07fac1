//! What a long-running front end needs from its process: a name for the scheduler's claims, the signals that
//! stop it (SIGINT, SIGTERM; systemd then hears STOPPING=1, and a second one ends the process at once), and the
//! work in flight a shutdown waits for ([`InFlight`]). Neutral, so that a chat front end needs neither the
//! command line nor another front end for them.

use crate::service::ServiceStatus;
use std::future::Future;
use std::sync::{Arc, OnceLock};
use tokio::sync::watch;

/// This machine's name, for the scheduler's claims.
pub fn hostname() -> String {
    std::fs::read_to_string("/etc/hostname")
        .map(|h| h.trim().to_string())
        .unwrap_or_else(|_| "partnerfit".into())
}

/// How long after the stop signal a process waits for its work in flight (a digest being posted, interactions
/// being answered) before it closes the database anyway: well inside the units' `TimeoutStopSec=20`, after which
/// systemd kills the process.
pub const DRAIN_BOUND: std::time::Duration = std::time::Duration::from_secs(10);

/// The exit code of a process stopped at once by a second signal: 128 + the signal's number, as a shell
/// reports a process a signal ended (130 for SIGINT, 143 for SIGTERM).
pub const fn forced_exit_code(sigterm: bool) -> i32 {
    if sigterm {
        128 + 15
    } else {
        128 + 2
    }
}

/// Resolves on SIGINT (Ctrl-C) or SIGTERM, having told systemd the process is stopping. The signals are
/// listened for from the call on (not from the first poll), by one listener for the whole process: every
/// caller hears the same first signal, and a second one ends the process at once
/// ([`forced_exit_code`]), without waiting for what is in flight.
pub fn wait_for_signal() -> impl Future<Output = ()> + Send + 'static {
    let mut stopped = stop_requested();
    async move {
        // The sender lives in a static: it is never dropped, so this only returns once a signal came.
        let _ = stopped.wait_for(|s| *s).await;
    }
}

/// [`wait_for_signal`], then `status` says the process is stopping (`/readyz` answers 503 from then on).
pub fn wait_for_stop(status: Arc<ServiceStatus>) -> impl Future<Output = ()> + Send + 'static {
    let signal = wait_for_signal();
    async move {
        signal.await;
        status.set_stopping();
    }
}

/// Whether a stopping signal came (true from the first SIGINT or SIGTERM on), listening from now on. The
/// listener is spawned once, on the runtime of the first caller: the binary has one runtime for its life, so
/// every caller hears it (a test that drops that runtime and asks again from another would not).
fn stop_requested() -> watch::Receiver<bool> {
    static STOP: OnceLock<watch::Sender<bool>> = OnceLock::new();
    STOP.get_or_init(|| {
        let stop = watch::Sender::new(false);
        // Registered here, synchronously: a signal sent as soon as this returns is heard.
        let signals = Signals::register();
        let tx = stop.clone();
        tokio::spawn(async move { listen(signals, tx).await });
        stop
    })
    .subscribe()
}

/// The first signal stops the process gracefully; the second ends it at once.
async fn listen(mut signals: Signals, stop: watch::Sender<bool>) {
    let first = signals.next().await;
    tracing::info!(
        signal = first.name(),
        "stop requested: finishing the work in flight (send the signal again to stop at once)"
    );
    crate::service::systemd::stopping();
    stop.send_replace(true);
    let second = signals.next().await;
    let code = forced_exit_code(second == Signal::Term);
    tracing::warn!(
        signal = second.name(),
        code,
        "second stop signal: exiting at once, without waiting for the work in flight"
    );
    std::process::exit(code);
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Signal {
    Int,
    Term,
}

impl Signal {
    fn name(self) -> &'static str {
        match self {
            Signal::Int => "SIGINT",
            Signal::Term => "SIGTERM",
        }
    }
}

/// The stopping signals, each heard as often as it comes.
struct Signals {
    #[cfg(unix)]
    int: Option<tokio::signal::unix::Signal>,
    #[cfg(unix)]
    term: Option<tokio::signal::unix::Signal>,
}

impl Signals {
    fn register() -> Signals {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            let listen = |kind: SignalKind, name: &str| match signal(kind) {
                Ok(s) => Some(s),
                Err(e) => {
                    tracing::error!(error = %e, signal = name, "cannot listen for the signal: it stops the process without a clean shutdown");
                    None
                }
            };
            Signals {
                int: listen(SignalKind::interrupt(), "SIGINT"),
                term: listen(SignalKind::terminate(), "SIGTERM"),
            }
        }
        #[cfg(not(unix))]
        {
            Signals {}
        }
    }

    async fn next(&mut self) -> Signal {
        #[cfg(unix)]
        {
            async fn heard(s: &mut Option<tokio::signal::unix::Signal>) {
                match s {
                    Some(s) => {
                        if s.recv().await.is_none() {
                            std::future::pending::<()>().await;
                        }
                    }
                    None => std::future::pending::<()>().await,
                }
            }
            tokio::select! {
                _ = heard(&mut self.int) => Signal::Int,
                _ = heard(&mut self.term) => Signal::Term,
            }
        }
        #[cfg(not(unix))]
        {
            if tokio::signal::ctrl_c().await.is_err() {
                std::future::pending::<()>().await;
            }
            Signal::Int
        }
    }
}

/// Work a shutdown waits for: interaction handlers running on their own tasks. Each one holds an
/// [`InFlightGuard`] from [`InFlight::enter`] while it runs; [`InFlight::idle`] resolves once none does.
#[derive(Debug, Clone)]
pub struct InFlight(Arc<watch::Sender<usize>>);

impl Default for InFlight {
    fn default() -> Self {
        InFlight(Arc::new(watch::Sender::new(0)))
    }
}

impl InFlight {
    pub fn new() -> InFlight {
        InFlight::default()
    }

    /// One more piece of work in flight, until the guard is dropped (also when its task is cancelled).
    pub fn enter(&self) -> InFlightGuard {
        self.0.send_modify(|n| *n += 1);
        InFlightGuard(self.0.clone())
    }

    /// `work`, counted in flight while it runs: for a task spawned with it.
    pub fn track<F: Future>(&self, work: F) -> impl Future<Output = F::Output> {
        let guard = self.enter();
        async move {
            let out = work.await;
            drop(guard);
            out
        }
    }

    /// How many are in flight now.
    pub fn count(&self) -> usize {
        *self.0.borrow()
    }

    /// Resolves once nothing is in flight (at once when nothing is).
    pub async fn idle(&self) {
        let mut rx = self.0.subscribe();
        // The sender is kept by `self`: waiting cannot fail.
        let _ = rx.wait_for(|n| *n == 0).await;
    }

    /// A shutdown's wait for the work of `platform` in flight: until it is done or `deadline`, when what is
    /// left is abandoned (logged with its count).
    pub async fn drain_until(&self, deadline: tokio::time::Instant, platform: &str) {
        if self.count() > 0 {
            tracing::info!(
                platform,
                interactions = self.count(),
                "waiting for the interactions being answered"
            );
        }
        if tokio::time::timeout_at(deadline, self.idle())
            .await
            .is_err()
        {
            tracing::warn!(
                platform,
                interactions = self.count(),
                "interactions still being answered at the shutdown's bound: abandoned"
            );
        }
    }
}

/// Held by one piece of work in flight ([`InFlight::enter`]).
#[derive(Debug)]
pub struct InFlightGuard(Arc<watch::Sender<usize>>);

impl Drop for InFlightGuard {
    fn drop(&mut self) {
        self.0.send_modify(|n| *n = n.saturating_sub(1));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn idle_waits_for_every_guard() {
        let in_flight = InFlight::new();
        in_flight.idle().await;
        let a = in_flight.enter();
        let b = in_flight.enter();
        assert_eq!(in_flight.count(), 2);
        let waiter = tokio::spawn({
            let in_flight = in_flight.clone();
            async move { in_flight.idle().await }
        });
        drop(a);
        tokio::task::yield_now().await;
        assert!(!waiter.is_finished());
        drop(b);
        waiter.await.unwrap();
        assert_eq!(in_flight.count(), 0);
        // A tracked future counts while it runs, and not after.
        let tracked = in_flight.track(async { 7 });
        assert_eq!(in_flight.count(), 1);
        assert_eq!(tracked.await, 7);
        assert_eq!(in_flight.count(), 0);
    }

    #[test]
    fn a_forced_exit_reports_the_signal_as_a_shell_does() {
        assert_eq!(forced_exit_code(true), 143);
        assert_eq!(forced_exit_code(false), 130);
    }
}
