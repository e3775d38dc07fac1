//! What a long-running front end needs from its process: a name for the scheduler's claims, the signals that
//! stop it (SIGINT, SIGTERM; systemd then hears STOPPING=1, and a second one ends the process at once), the
//! start-up work a signal lets finish rather than cut off ([`unless_stopped`]: the database being migrated),
//! and the work in flight a shutdown waits for ([`InFlight`]). Neutral, so that a chat front end needs neither
//! the command line nor another front end for them.

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

/// Listen for the stopping signals from now on, without waiting for one yet: for a process with start-up work
/// (opening and migrating its database) before anything waits for [`wait_for_signal`], which must not be
/// ended by the signal's default action meanwhile. A signal that comes from now on is heard by every
/// later [`wait_for_signal`] and [`unless_stopped`], and a second one ends the process at once.
pub fn listen_for_stop() {
    drop(stop_requested());
}

/// What became of start-up work raced against the stop signal by [`unless_stopped`].
#[derive(Debug, PartialEq, Eq)]
pub enum StartUp<T> {
    /// Done before any stop signal: go on starting.
    Done(T),
    /// The stop signal came while it ran, and it was let finish: close what it opened, and start nothing.
    Stopped(T),
    /// The stop signal had come before it began: it was not begun (nothing opened, nothing migrated).
    NotStarted,
    /// The stop signal came, and it was still running [`DRAIN_BOUND`] after: given up on, not finished.
    Abandoned,
}

/// `work` (start-up work that must not be cut off midway: opening the database, which migrates it) run to its
/// end, unless the stop signal comes first. Then `status` says the process is stopping at once (`/readyz`
/// answers 503), and `work` is still let finish — a migration under way commits, or fails and rolls back, as
/// a whole — but only until [`DRAIN_BOUND`] after the signal; `what` names it in the log. A signal that came
/// before `work` began leaves it not begun ([`StartUp::NotStarted`]).
pub async fn unless_stopped<F: Future>(
    status: Arc<ServiceStatus>,
    what: &str,
    work: F,
) -> StartUp<F::Output> {
    race_stop(wait_for_stop(status), what, work).await
}

/// `work`, unless the stop signal (`stop`, not yet come) comes first: then None, and `work` is dropped — for a
/// platform's start-up requests (`platform` names it in the log), made before anything is connected or running,
/// which a platform or proxy that does not answer would otherwise hold for as long as it likes.
pub async fn until_stopped<T>(
    stop: &mut std::pin::Pin<Box<impl Future<Output = ()>>>,
    platform: &str,
    work: impl Future<Output = T>,
) -> Option<T> {
    tokio::select! {
        biased;
        () = stop.as_mut() => {
            tracing::info!("stopped before connecting to {platform}");
            None
        }
        out = work => Some(out),
    }
}

/// [`unless_stopped`] with `stop` for the signal.
async fn race_stop<F: Future>(
    stop: impl Future<Output = ()>,
    what: &str,
    work: F,
) -> StartUp<F::Output> {
    // Whether `work` was polled at all: a signal that had come before is seen first (`biased`), and then the
    // work is not begun.
    let begun = std::sync::atomic::AtomicBool::new(false);
    let mut work = std::pin::pin!(async {
        begun.store(true, std::sync::atomic::Ordering::Relaxed);
        work.await
    });
    tokio::select! {
        biased;
        () = stop => {}
        out = &mut work => return StartUp::Done(out),
    }
    if !begun.load(std::sync::atomic::Ordering::Relaxed) {
        tracing::info!(what, "stop requested before {what} began: not begun");
        return StartUp::NotStarted;
    }
    tracing::info!(
        what,
        bound_seconds = DRAIN_BOUND.as_secs(),
        "stop requested before the start was complete: letting {what} finish, then stopping without starting anything more"
    );
    match tokio::time::timeout(DRAIN_BOUND, work).await {
        Ok(out) => StartUp::Stopped(out),
        Err(_) => {
            tracing::warn!(
                what,
                "{what} was not finished at the shutdown's bound: given up on"
            );
            StartUp::Abandoned
        }
    }
}

/// Whether a stopping signal came (true from the first SIGINT or SIGTERM on), listening from now on. One
/// listener for the whole process, started by the first call ([`spawn_listener`]): it runs on a thread and a
/// runtime of its own, so every caller hears it whatever runtime it runs on (or none), and whether or not the
/// runtime of an earlier caller is still there. The first call waits for the thread to have registered the
/// signals (well under a millisecond), so that a signal sent as soon as it returns is heard.
fn stop_requested() -> watch::Receiver<bool> {
    static STOP: OnceLock<watch::Sender<bool>> = OnceLock::new();
    STOP.get_or_init(|| {
        let stop = watch::Sender::new(false);
        if let Err(e) = spawn_listener(Signals::register, stop.clone(), |code| {
            std::process::exit(code)
        }) {
            tracing::error!(error = %e, "cannot listen for the stop signals: they stop the process without a clean shutdown");
        }
        stop
    })
    .subscribe()
}

/// Start [`listen`] on a thread of its own, with a current-thread runtime of its own that it keeps for the rest
/// of the process, and return once `register` has run on it: signals sent from then on are heard. `exit` ends
/// the process at the second signal. `Err` if the thread or its runtime cannot be had.
fn spawn_listener<S: Source>(
    register: impl FnOnce() -> S + Send + 'static,
    stop: watch::Sender<bool>,
    exit: impl FnOnce(i32) + Send + 'static,
) -> std::io::Result<()> {
    let (registered, wait) = std::sync::mpsc::sync_channel(1);
    std::thread::Builder::new()
        .name("stop-signals".into())
        .spawn(move || {
            let rt = match tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                Ok(rt) => rt,
                Err(e) => {
                    let _ = registered.send(Err(e));
                    return;
                }
            };
            // Registered within this runtime, whose driver then delivers them.
            let signals = {
                let _in = rt.enter();
                register()
            };
            let _ = registered.send(Ok(()));
            rt.block_on(listen(signals, stop, exit));
        })?;
    // The thread answers once, unless it ended first (`register` panicked): an error as well.
    wait.recv().map_err(|_| {
        std::io::Error::other("the signal listener's thread ended before it listened")
    })?
}

/// The first signal stops the process gracefully; the second ends it at once, by `exit` with
/// [`forced_exit_code`].
async fn listen(mut signals: impl Source, stop: watch::Sender<bool>, exit: impl FnOnce(i32)) {
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
    exit(code);
}

/// Where [`listen`] hears the stopping signals: the process's own ([`Signals`]), or a test's.
trait Source {
    /// The next signal, waited for as long as none comes.
    async fn next(&mut self) -> Signal;
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
}

impl Source for Signals {
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

    /// Start-up work raced against the stop signal: done first, it goes on; when the signal comes first, the
    /// work is not dropped midway but let finish, and given up on only at the bound.
    #[tokio::test(start_paused = true)]
    async fn start_up_work_is_finished_after_a_stop_until_the_bound() {
        // No signal: the work's output.
        let never = std::future::pending::<()>();
        assert_eq!(race_stop(never, "w", async { 7 }).await, StartUp::Done(7));

        // The signal first (already come when the race starts), the work done later: it ran to its end.
        let (finish, finished) = tokio::sync::oneshot::channel::<()>();
        let reached_end = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let work = {
            let reached_end = reached_end.clone();
            async move {
                let _ = finished.await;
                reached_end.store(true, std::sync::atomic::Ordering::SeqCst);
                8
            }
        };
        // (The signal comes at the race's second look, once the work was begun.)
        let race = tokio::spawn(race_stop(tokio::task::yield_now(), "w", work));
        tokio::task::yield_now().await;
        assert!(
            !race.is_finished(),
            "waiting for the work, not returning at the signal"
        );
        assert!(finish.send(()).is_ok());
        assert_eq!(race.await.unwrap(), StartUp::Stopped(8));
        assert!(reached_end.load(std::sync::atomic::Ordering::SeqCst));

        // The signal first, the work never done: given up on at the bound, not before.
        let started = tokio::time::Instant::now();
        let outcome = race_stop(tokio::task::yield_now(), "w", std::future::pending::<()>()).await;
        assert_eq!(outcome, StartUp::Abandoned);
        assert_eq!(started.elapsed(), DRAIN_BOUND);

        // The signal come before the race began: the work is not begun at all.
        let begun = std::sync::atomic::AtomicBool::new(false);
        let work = async {
            begun.store(true, std::sync::atomic::Ordering::SeqCst);
            9
        };
        assert_eq!(race_stop(async {}, "w", work).await, StartUp::NotStarted);
        assert!(!begun.load(std::sync::atomic::Ordering::SeqCst));
    }

    /// Signals a test sends the listener, instead of real ones to the test process.
    struct Sent(tokio::sync::mpsc::UnboundedReceiver<Signal>);

    impl Source for Sent {
        async fn next(&mut self) -> Signal {
            match self.0.recv().await {
                Some(s) => s,
                None => std::future::pending().await,
            }
        }
    }

    /// The listener, started from a runtime that is then dropped (as an in-process test's is), still hears the
    /// signals: the first is seen by a waiter on another runtime, and only the second ends the process, with
    /// the code of the second signal (SIGINT 130, SIGTERM 143).
    #[test]
    fn the_listener_outlives_the_runtime_that_started_it() {
        let bound = std::time::Duration::from_secs(10);
        let runtime = || {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap()
        };
        for (first, second, code) in [
            (Signal::Term, Signal::Int, 130),
            (Signal::Int, Signal::Term, 143),
        ] {
            let (send, sent) = tokio::sync::mpsc::unbounded_channel();
            let (exited, exits) = std::sync::mpsc::channel();
            let stop = watch::Sender::new(false);
            let starter = runtime();
            starter
                .block_on(async {
                    spawn_listener(
                        move || Sent(sent),
                        stop.clone(),
                        move |code| {
                            let _ = exited.send(code);
                        },
                    )
                })
                .unwrap();
            drop(starter);

            let mut stopped = stop.subscribe();
            assert!(!*stopped.borrow(), "no signal yet");
            send.send(first).unwrap();
            runtime().block_on(async {
                let heard = tokio::time::timeout(bound, stopped.wait_for(|s| *s)).await;
                assert!(matches!(heard, Ok(Ok(_))), "the first signal was heard");
            });
            assert!(
                exits.try_recv().is_err(),
                "the first signal does not end the process"
            );

            send.send(second).unwrap();
            assert_eq!(exits.recv_timeout(bound), Ok(code));
        }
    }

    #[test]
    fn a_forced_exit_reports_the_signal_as_a_shell_does() {
        assert_eq!(forced_exit_code(true), 143);
        assert_eq!(forced_exit_code(false), 130);
    }
}
