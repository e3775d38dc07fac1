//! The scheduler: wakes at the next fire time of any schedule, and for each due digest claims its period in
//! the database before posting, so a period is posted exactly once — across restarts, crashes between claim
//! and post (the claim's lease expires and the run is retried), and several bot processes. After downtime only
//! the latest missed period of each digest is posted, marked late.
//!
//! Many digests due at once (a thousand servers' Monday 09:00) are handled [`IN_FLIGHT`] at a time. What is due
//! is worked out from one read of every schedule with its settings and latest run; the periods are claimed a few
//! at a time in one statement ([`CLAIM_BATCH`]), as there is room in flight, each process starting at a random
//! place in the list, so several processes share them without racing for the same ones; their charts are drawn
//! on blocking threads, as many at a time as the machine has cores, so drawing neither stalls the runtime nor
//! waits behind posting. What follows a claim — building, drawing, posting and recording one period — is in
//! `runner/post.rs`.

mod post;

pub use post::nonce;

use super::cron_expr::CronExpr;
use super::{period_of, Period, LATE_AFTER};
use crate::app::chat::{Chat, Platform};
use crate::app::{App, AppError, Settings};
use crate::domain::DigestKind;
use crate::store::{Claim, NewRun, PendingRun, ScheduleRow, ScheduleToTick};
use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use std::sync::Arc;
use std::time::Duration;

/// What one tick did with one period (for logs and tests).
#[derive(Debug, Clone, PartialEq)]
pub struct RunReport {
    pub workspace: String,
    pub digest: DigestKind,
    pub period: Period,
    pub late: bool,
    pub outcome: RunOutcome,
}

#[derive(Debug, Clone, PartialEq)]
pub enum RunOutcome {
    Posted {
        message_id: String,
    },
    /// The channel cannot be reached: reported where the schedule was set; the next period tries again.
    GivenUp {
        reason: String,
    },
    /// A passing failure: retried when the lease ends.
    WillRetry {
        reason: String,
    },
    /// The claim was taken over by another process (this one's lease ran out, e.g. while the database stalled
    /// its renewals): nothing was posted or recorded by this process, the period is the other one's to post.
    TakenOver,
}

/// When a lease of `lease` taken at `from` ends: saturated at the latest time chrono has rather than panic on
/// overflow (with the configuration's bound of a week, only a clock some 260,000 years ahead reaches it).
pub(crate) fn lease_end(from: DateTime<Utc>, lease: chrono::Duration) -> DateTime<Utc> {
    from.checked_add_signed(lease)
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

/// How long to wait before retrying after a passing failure (at most; a shorter lease retries sooner).
const RETRY_AFTER: chrono::Duration = chrono::Duration::seconds(30);
/// How soon to try again after a tick failed (e.g. the database was unreachable).
const RETRY_SOON: Duration = Duration::from_secs(2);
/// The longest pause between attempts to record a post while the database is away.
const RECORD_RETRY_MAX: Duration = Duration::from_secs(1);
/// Digests of one tick claimed, rendered and posted at the same time (the chat's rate limits pace the posts).
pub const IN_FLIGHT: usize = 32;
/// The most periods claimed in one statement (as many as there is room for in flight, up to this).
pub const CLAIM_BATCH: usize = 8;

/// A period of a schedule that is due, with its workspace's settings as read for the tick.
#[derive(Debug)]
struct Due {
    schedule: ScheduleRow,
    settings: Settings,
    period: Period,
    fire: DateTime<Utc>,
    late: bool,
}

impl Due {
    fn new_run(&self) -> NewRun {
        NewRun {
            workspace_id: self.schedule.workspace_id.clone(),
            digest: self.schedule.digest,
            period: self.period,
            fire_at: self.fire,
            late: self.late,
        }
    }
}

/// A scheduler running on its own task ([`Scheduler::spawn`]).
#[derive(Debug)]
pub struct Started {
    shutdown: tokio::sync::watch::Sender<bool>,
    task: tokio::task::JoinHandle<()>,
}

impl Started {
    /// Claim no further digest from now on; [`Started::stop`] waits for the ones claimed.
    pub fn halt(&self) {
        self.shutdown.send_replace(true);
    }

    /// Stop claiming, and wait until the digests already claimed are posted and recorded, or until `deadline`
    /// (then they are left to be taken over when their lease ends). True when the scheduler finished.
    pub async fn stop(self, deadline: tokio::time::Instant) -> bool {
        self.shutdown.send_replace(true);
        match tokio::time::timeout_at(deadline, self.task).await {
            Ok(Ok(())) => true,
            Ok(Err(e)) => {
                tracing::error!(error = %e, "the scheduler's task failed");
                true
            }
            Err(_) => {
                tracing::warn!("the scheduler did not finish its digests in flight in time: they are taken over when their lease ends");
                false
            }
        }
    }
}

/// Posts scheduled digests through [`Chat`].
#[derive(Debug, Clone)]
pub struct Scheduler {
    app: App,
    chat: Arc<dyn Chat>,
    /// Identifies this process in claims.
    instance: String,
    lease: chrono::Duration,
    max_sleep: Duration,
    /// Charts being drawn at once: one per core.
    drawing: Arc<tokio::sync::Semaphore>,
}

impl Scheduler {
    pub fn new(
        app: App,
        chat: Arc<dyn Chat>,
        instance: String,
        lease: Duration,
        max_sleep: Duration,
    ) -> Scheduler {
        Scheduler {
            app,
            chat,
            instance,
            // The configuration bounds a lease to a week ([`crate::config::MAX_SCHEDULER_SECONDS`]); one too long
            // for chrono (some 292 million years) is taken as the longest chrono has, which the clock arithmetic
            // below saturates, rather than silently shortened.
            lease: chrono::Duration::from_std(lease).unwrap_or(chrono::Duration::MAX),
            max_sleep,
            drawing: Arc::new(tokio::sync::Semaphore::new(
                std::thread::available_parallelism().map_or(2, |n| n.get()),
            )),
        }
    }

    /// Run on a task of its own until [`Started::stop`].
    pub fn spawn(self) -> Started {
        let (shutdown, rx) = tokio::sync::watch::channel(false);
        let task = tokio::spawn(async move { self.run(rx).await });
        Started { shutdown, task }
    }

    /// Run until `shutdown` turns true: tick, then sleep until the next fire time (or a schedule change). Once
    /// it has, no further period is claimed; the periods already claimed are posted and recorded, and then
    /// this returns.
    pub async fn run(&self, mut shutdown: tokio::sync::watch::Receiver<bool>) {
        let mut forgot_at: Option<std::time::Instant> = None;
        loop {
            if *shutdown.borrow() {
                return;
            }
            // Listen for schedule changes from before the tick: a `/schedule set` answered while this
            // process is busy ticking must still wake it (notify_waiters only reaches enabled waiters).
            let changed = self.app.schedules_changed.notified();
            tokio::pin!(changed);
            changed.as_mut().enable();
            let failed = match self.tick_until(Some(&shutdown)).await {
                Ok(_) => false,
                Err(e) => {
                    tracing::error!(error = %e, "scheduler tick failed; retrying soon");
                    true
                }
            };
            if *shutdown.borrow() {
                tracing::info!("scheduler stopped");
                return;
            }
            // Workspaces whose copies no command used for a while give their memory back, also in a
            // process nobody scrapes (the scheduler wakes at least every max_sleep).
            self.app.evidence.evict_idle();
            self.app.names.evict_idle();
            // Event ids older than a day, deleted here rather than on an event's path (a spike there).
            if forgot_at.is_none_or(|t| t.elapsed() >= crate::app::delivery::FORGET_EVERY) {
                forgot_at = Some(std::time::Instant::now());
                match crate::app::delivery::forget_old_events(&self.app).await {
                    Ok(n) => tracing::debug!(forgotten = n, "old event ids forgotten"),
                    Err(e) => tracing::warn!(error = %e, "could not forget old event ids"),
                }
            }
            let mut wait = self.until_next().await;
            if failed {
                // e.g. the database is away: check again soon, so nothing is late once it is back.
                wait = wait.min(RETRY_SOON);
            }
            tracing::trace!(?wait, "scheduler sleeping");
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                _ = &mut changed => {}
                _ = shutdown.changed() => {}
            }
        }
    }

    /// Whether this scheduler posts the digests of `workspace`: those of its chat's platform (a process
    /// that runs Discord and Slack runs one scheduler per platform).
    fn mine(&self, workspace: &str) -> bool {
        Platform::of(workspace) == self.chat.platform()
    }

    /// How long to sleep: until just after the next fire time of any active schedule, at most `max_sleep`.
    async fn until_next(&self) -> Duration {
        let now = self.app.now();
        let mut next: Option<DateTime<Utc>> = None;
        // One statement for every schedule and its workspace's time zone.
        let Ok(schedules) = self.app.store.schedules_to_tick().await else {
            return RETRY_SOON.min(self.max_sleep);
        };
        for t in schedules
            .into_iter()
            .filter(|t| self.mine(&t.schedule.workspace_id))
        {
            let tz = Settings::from_row(t.settings).timezone;
            if let Some(t) = CronExpr::parse(&t.schedule.cron, now)
                .ok()
                .and_then(|e| e.next_after(tz, now))
            {
                next = Some(next.map_or(t, |n| n.min(t)));
            }
        }
        // Wake when a claim's lease runs out too: if its process died, this one retries the run.
        if let Ok(Some(t)) = self.app.store.next_lease_expiry().await {
            if t > now {
                next = Some(next.map_or(t, |n| n.min(t)));
            }
        }
        let wait = next
            .and_then(|t| (t - now + chrono::Duration::milliseconds(20)).to_std().ok())
            .unwrap_or(self.max_sleep);
        wait.min(self.max_sleep)
    }

    /// One pass at the current time: retry expired claims, then claim and post every due period.
    pub async fn tick(&self) -> Result<Vec<RunReport>, AppError> {
        self.tick_until(None).await
    }

    /// [`Scheduler::tick`], claiming nothing more once `stop` turns true (the periods claimed by then are
    /// still posted and recorded).
    async fn tick_until(
        &self,
        stop: Option<&tokio::sync::watch::Receiver<bool>>,
    ) -> Result<Vec<RunReport>, AppError> {
        let stopping = || stop.is_some_and(|s| *s.borrow());
        let now = self.app.now();
        let mut reports = Vec::new();
        // Expired leases, and leases set before the clock was stepped back (they would hold a run back as
        // long as the step).
        let runs = self
            .app
            .store
            .unposted_runs_to_take_over(now, self.lease)
            .await?;
        for run in runs.into_iter().filter(|r| self.mine(&r.workspace_id)) {
            if stopping() {
                return Ok(reports);
            }
            // A run of a paused (or removed) schedule waits: claiming it would only bump its attempts.
            let Some(s) = self
                .app
                .store
                .schedules(&run.workspace_id)
                .await?
                .into_iter()
                .find(|s| s.digest == run.digest && !s.paused)
            else {
                continue;
            };
            // Posted more than LATE_AFTER after its fire time (its poster died, or Discord failed): late.
            let late = run.late || now - run.fire_at > LATE_AFTER;
            // The lease runs from the claim, not from the tick's start: a tick of many digests takes a while.
            let claimed_at = self.app.now();
            let claim = self
                .app
                .store
                .claim_run(
                    &run.workspace_id,
                    run.digest,
                    run.period,
                    run.fire_at,
                    late,
                    &self.instance,
                    claimed_at,
                    lease_end(claimed_at, self.lease),
                )
                .await?;
            if let Claim::Claimed { attempt } = claim {
                // Only the latest period of a digest is posted after downtime: when the schedule has fired
                // for a later period since, this run is given up and `due` below posts the later one.
                let settings = self.app.settings(&run.workspace_id).await?;
                if let Some(newer) = Self::newer_period(&s, &settings, &run, now) {
                    let why = format!("not posted: superseded by {newer}");
                    tracing::info!(workspace = %run.workspace_id, digest = %run.digest, period = %run.period, %newer, "giving up a stale digest run");
                    let given_up = self
                        .app
                        .store
                        .give_up_run(
                            &run.workspace_id,
                            run.digest,
                            run.period,
                            &self.instance,
                            &why,
                            now,
                        )
                        .await?;
                    if !given_up {
                        tracing::warn!(workspace = %run.workspace_id, digest = %run.digest, period = %run.period, "a stale digest run was taken over by another process before it was given up: left to it");
                    }
                    continue;
                }
                tracing::info!(workspace = %run.workspace_id, digest = %run.digest, period = %run.period, attempt, "retrying a digest run");
                reports.push(
                    self.posted(&s, &settings, run.period, late, run.fire_at)
                        .await?,
                );
            }
        }
        // Every schedule with its settings and its latest run, in one statement: what is due is worked out from
        // it, with no statement per schedule before the claims.
        let mut due: Vec<(usize, Due)> = self
            .app
            .store
            .schedules_to_tick()
            .await?
            .into_iter()
            .filter(|t| self.mine(&t.schedule.workspace_id))
            .filter_map(|t| self.due(t, now))
            .enumerate()
            .collect();
        // Each process starts at a place of its own in the list (at random), so that several processes claim
        // different digests rather than race each other for the same ones, schedule after schedule.
        if due.len() > 1 {
            let start = rand::random_range(0..due.len());
            due.rotate_left(start);
        }
        if stopping() {
            return Ok(reports);
        }
        let mut results = self.claim_and_post(due, stop).await;
        // The reports keep the schedules' order.
        results.sort_by_key(|(i, _)| *i);
        for (_, r) in results {
            reports.push(r?);
        }
        Ok(reports)
    }

    /// Claim the periods of `due` and post those this process won, [`IN_FLIGHT`] at a time. The claims are made
    /// a few at a time in one statement each ([`CLAIM_BATCH`] at most), and only as there is room in flight for
    /// them: a claim's lease starts when its digest is taken on. A period another process claimed first costs
    /// nothing more. A failed claim stops the claiming (the digests in flight are still posted) and is reported
    /// with them, the index being that of the first period it did not claim. Once `stop` turns true nothing
    /// more is claimed: the periods left are for another process, or for this one's next start.
    async fn claim_and_post(
        &self,
        due: Vec<(usize, Due)>,
        stop: Option<&tokio::sync::watch::Receiver<bool>>,
    ) -> Vec<(usize, Result<RunReport, AppError>)> {
        let room = Arc::new(tokio::sync::Semaphore::new(IN_FLIGHT));
        let (claimed, mut to_post) = tokio::sync::mpsc::unbounded_channel();
        // The claims end by dropping their sender, which ends the posts' stream once they are all posted.
        let claim = async move {
            let failed = async {
                let mut pending = due.into_iter().peekable();
                while pending.peek().is_some() {
                    // Room for one at least, and for as many more as are free now, up to a batch.
                    let Ok(first) = room.clone().acquire_owned().await else {
                        break;
                    };
                    if stop.is_some_and(|s| *s.borrow()) {
                        tracing::info!(
                            left = pending.by_ref().count(),
                            "stopping: no further digest claimed"
                        );
                        break;
                    }
                    let mut permits = vec![first];
                    while permits.len() < CLAIM_BATCH {
                        match room.clone().try_acquire_owned() {
                            Ok(p) => permits.push(p),
                            Err(_) => break,
                        }
                    }
                    let batch: Vec<(usize, Due)> = pending.by_ref().take(permits.len()).collect();
                    let runs: Vec<NewRun> = batch.iter().map(|(_, d)| d.new_run()).collect();
                    // The lease runs from the claim, not from the tick's start: with a thousand digests due at once,
                    // a claim can come many seconds into the tick, and a lease counted from its start would run out
                    // while the digest is still being posted, for another process to post it again.
                    let claimed_at = self.app.now();
                    match self
                        .app
                        .store
                        .claim_new_runs(
                            &runs,
                            &self.instance,
                            claimed_at,
                            lease_end(claimed_at, self.lease),
                        )
                        .await
                    {
                        Ok(won) => {
                            for ((i, d), permit) in batch.into_iter().zip(permits) {
                                let key = (d.schedule.workspace_id.clone(), d.schedule.digest, d.period);
                                if won.contains(&key) {
                                    let _ = claimed.send((i, d, permit));
                                } else {
                                    tracing::trace!(workspace = %d.schedule.workspace_id, digest = %d.schedule.digest, period = %d.period, "period claimed elsewhere");
                                }
                            }
                        }
                        Err(e) => return Some((batch.first().map_or(usize::MAX, |(i, _)| *i), e)),
                    }
                }
                None
            }
            .await;
            drop(claimed);
            failed
        };
        let post =
            async {
                futures_util::stream::poll_fn(|cx| to_post.poll_recv(cx))
                .map(|(i, d, permit): (usize, Due, tokio::sync::OwnedSemaphorePermit)| async move {
                    let report = self
                        .posted(&d.schedule, &d.settings, d.period, d.late, d.fire)
                        .await;
                    drop(permit);
                    (i, report)
                })
                .buffer_unordered(IN_FLIGHT)
                .collect::<Vec<_>>()
                .await
            };
        let (failed, mut results) = tokio::join!(claim, post);
        if let Some((i, e)) = failed {
            results.push((i, Err(e.into())));
        }
        results
    }

    /// The period of the latest fire of `s` after `run`'s fire time, when it is not `run`'s (stored) period.
    fn newer_period(
        s: &ScheduleRow,
        settings: &Settings,
        run: &PendingRun,
        now: DateTime<Utc>,
    ) -> Option<Period> {
        let tz = settings.timezone;
        let Ok(expr) = CronExpr::parse(&s.cron, now) else {
            return None;
        };
        expr.latest_in(tz, run.fire_at, now)
            .map(|fire| period_of(s.digest, fire, tz))
            .filter(|p| *p != run.period)
    }

    /// The latest fire of `t`'s schedule since it was set or last handled, when its period is still to post.
    fn due(&self, t: ScheduleToTick, now: DateTime<Utc>) -> Option<Due> {
        let s = t.schedule;
        let settings = Settings::from_row(t.settings);
        let tz = settings.timezone;
        let Ok(expr) = CronExpr::parse(&s.cron, now) else {
            tracing::warn!(workspace = %s.workspace_id, digest = %s.digest, cron = %s.cron, "stored cron expression no longer parses");
            return None;
        };
        let since = t
            .last
            .as_ref()
            .map_or(s.set_at, |l| l.fire_at.max(s.set_at));
        let fire = expr.latest_in(tz, since, now)?;
        let period = period_of(s.digest, fire, tz);
        if t.last.as_ref().is_some_and(|l| l.period == period) {
            return None;
        }
        Some(Due {
            late: now - fire > LATE_AFTER,
            schedule: s,
            settings,
            period,
            fire,
        })
    }
}
