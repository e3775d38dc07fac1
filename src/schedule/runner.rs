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
//! waits behind posting.

use super::cron_expr::CronExpr;
use super::{period_of, Period, LATE_AFTER};
use crate::app::card::Render;
use crate::app::card::{Card, FileOut, Tone};
use crate::app::chat::{Chat, Platform, Post, PostError};
use crate::app::digest::{self, quarterly_chart, weekly_chart};
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
            period: self.period.to_string(),
            fire_at: self.fire,
            late: self.late,
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
            lease: chrono::Duration::from_std(lease).unwrap_or(chrono::Duration::seconds(120)),
            max_sleep,
            drawing: Arc::new(tokio::sync::Semaphore::new(
                std::thread::available_parallelism().map_or(2, |n| n.get()),
            )),
        }
    }

    /// Run until `shutdown` resolves: tick, then sleep until the next fire time (or a schedule change).
    pub async fn run(&self, mut shutdown: tokio::sync::watch::Receiver<bool>) {
        let mut forgot_at: Option<std::time::Instant> = None;
        loop {
            // Listen for schedule changes from before the tick: a `/schedule set` answered while this
            // process is busy ticking must still wake it (notify_waiters only reaches enabled waiters).
            let changed = self.app.schedules_changed.notified();
            tokio::pin!(changed);
            changed.as_mut().enable();
            let failed = match self.tick().await {
                Ok(_) => false,
                Err(e) => {
                    tracing::error!(error = %e, "scheduler tick failed; retrying soon");
                    true
                }
            };
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
            if *shutdown.borrow() {
                return;
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
                    &run.period,
                    run.fire_at,
                    late,
                    &self.instance,
                    claimed_at,
                    claimed_at + self.lease,
                )
                .await?;
            if let Claim::Claimed { attempt } = claim {
                // Only the latest period of a digest is posted after downtime: when the schedule has fired
                // for a later period since, this run is given up and `due` below posts the later one.
                let settings = self.app.settings(&run.workspace_id).await?;
                if let Some(newer) = Self::newer_period(&s, &settings, &run, now) {
                    let why = format!("not posted: superseded by {newer}");
                    tracing::info!(workspace = %run.workspace_id, digest = %run.digest, period = %run.period, %newer, "giving up a stale digest run");
                    self.app
                        .store
                        .give_up_run(&run.workspace_id, run.digest, &run.period, &why, now)
                        .await?;
                    continue;
                }
                tracing::info!(workspace = %run.workspace_id, digest = %run.digest, period = %run.period, attempt, "retrying a digest run");
                let period = Period::stored(run.digest, &run.period)?;
                reports.push(
                    self.posted(&s, &settings, period, late, run.fire_at)
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
        let mut results = self.claim_and_post(due).await;
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
    /// with them, the index being that of the first period it did not claim.
    async fn claim_and_post(
        &self,
        due: Vec<(usize, Due)>,
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
                        .claim_new_runs(&runs, &self.instance, claimed_at, claimed_at + self.lease)
                        .await
                    {
                        Ok(won) => {
                            for ((i, d), permit) in batch.into_iter().zip(permits) {
                                let key = (d.schedule.workspace_id.clone(), d.schedule.digest, d.period.to_string());
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
            .filter(|p| p.to_string() != run.period)
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
        if t.last
            .as_ref()
            .is_some_and(|l| l.period == period.to_string())
        {
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

    /// [`Scheduler::post`], counted in the metrics by result, with the lag from `fire` when it was posted.
    async fn posted(
        &self,
        s: &ScheduleRow,
        settings: &Settings,
        period: Period,
        late: bool,
        fire: DateTime<Utc>,
    ) -> Result<RunReport, AppError> {
        use crate::service::metrics::{digest_post, scheduler_lag, PostResult};
        let report = self.post(s, settings, period, late).await;
        let result = match &report {
            Ok(r) => match &r.outcome {
                RunOutcome::Posted { .. } => {
                    scheduler_lag((self.app.now() - fire).to_std().unwrap_or_default());
                    if late {
                        PostResult::Late
                    } else {
                        PostResult::Posted
                    }
                }
                RunOutcome::GivenUp { .. } => PostResult::Forbidden,
                RunOutcome::WillRetry { .. } => PostResult::Retried,
            },
            Err(_) => PostResult::Failed,
        };
        digest_post(s.digest.as_str(), result);
        report
    }

    /// Build and post the digest of a claimed period with the workspace's `settings` (read just before the
    /// claim), and record what happened. The claim's lease is renewed meanwhile, so a slow render or post is not
    /// taken over; a process that dies stops renewing and another one retries when the lease runs out.
    async fn post(
        &self,
        s: &ScheduleRow,
        settings: &Settings,
        period: Period,
        late: bool,
    ) -> Result<RunReport, AppError> {
        let ws = &s.workspace_id;
        // The run's key in the store.
        let stored = period.to_string();
        let lease = LeaseKeeper::start(
            self.app.clone(),
            ws.clone(),
            s.digest,
            stored.clone(),
            self.instance.clone(),
            self.lease,
        );
        // The stored channel is checked again before every post: it must still be a channel of this
        // workspace's server (a schedule stored by other means never posts into another server).
        let (sent, quarterly) = match self.chat.check_channel(ws, &s.channel_id).await {
            Ok(()) => {
                let (mut card, quarterly) = self.render(ws, settings, period, late).await?;
                if s.digest == DigestKind::Quarterly {
                    card.mention_role = settings.review_role.clone();
                }
                let nonce = nonce(ws, period);
                let post = Post {
                    card: &card,
                    nonce: Some(&nonce),
                };
                (self.chat.post(&s.channel_id, post).await, quarterly)
            }
            Err(e) => (Err(e), None),
        };
        if let Ok(message_id) = &sent {
            self.record_posted(s, &stored, message_id).await?;
        }
        lease.stop().await;
        let now = self.app.now();
        let outcome = match sent {
            Ok(message_id) => {
                // Only a failed post of this schedule records an error, and it was read with the schedule: a
                // schedule without one has nothing to clear (a write spared per digest).
                if s.last_error.is_some() {
                    self.app
                        .store
                        .set_schedule_error(ws, s.digest, None)
                        .await?;
                }
                if let Some(d) = quarterly {
                    digest::record_posted_recheck(&self.app, ws, &d).await?;
                }
                tracing::info!(workspace = %ws, digest = %s.digest, %period, late, "digest posted");
                RunOutcome::Posted { message_id }
            }
            Err(PostError::Forbidden(reason)) => {
                self.app
                    .store
                    .give_up_run(ws, s.digest, &stored, &reason, now)
                    .await?;
                self.app
                    .store
                    .set_schedule_error(ws, s.digest, Some(&reason))
                    .await?;
                tracing::warn!(workspace = %ws, digest = %s.digest, %period, reason = %reason, "digest channel unreachable");
                self.report_failure(s, period, &reason).await;
                RunOutcome::GivenUp { reason }
            }
            Err(PostError::Transient(reason)) => {
                self.app
                    .store
                    .mark_run_failed(
                        ws,
                        s.digest,
                        &stored,
                        &reason,
                        now + RETRY_AFTER.min(self.lease),
                    )
                    .await?;
                tracing::warn!(workspace = %ws, digest = %s.digest, %period, reason = %reason, "digest post failed; will retry");
                RunOutcome::WillRetry { reason }
            }
        };
        Ok(RunReport {
            workspace: ws.clone(),
            digest: s.digest,
            period,
            late,
            outcome,
        })
    }

    /// Record that the period was posted. The message exists now, so while the database is away or full this
    /// keeps trying (the lease is renewed meanwhile) rather than leave the period to be posted again; so it does
    /// while another process holds the database's lock.
    async fn record_posted(
        &self,
        s: &ScheduleRow,
        period: &str,
        message_id: &str,
    ) -> Result<(), AppError> {
        let mut pause = Duration::from_millis(100);
        loop {
            match self
                .app
                .store
                .mark_run_posted(
                    &s.workspace_id,
                    s.digest,
                    period,
                    &self.instance,
                    message_id,
                    self.app.now(),
                )
                .await
            {
                Ok(_) => return Ok(()),
                Err(e) if e.is_unavailable() || e.is_unstorable() => {
                    tracing::warn!(error = %e, workspace = %s.workspace_id, digest = %s.digest, period, "digest posted, but the database cannot record it now; retrying to record it");
                    tokio::time::sleep(pause).await;
                    pause = (pause * 2).min(RECORD_RETRY_MAX);
                }
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// The card (with its chart) of a digest period.
    async fn render(
        &self,
        ws: &str,
        settings: &Settings,
        period: Period,
        late: bool,
    ) -> Result<(Card, Option<digest::QuarterlyDigest>), AppError> {
        match period {
            Period::Week(week) => {
                let mut d = digest::weekly(&self.app, ws, settings, week).await?;
                d.late = late;
                let mut card = d.card();
                let (chart, _) = self.draw(d, weekly_chart).await?;
                card.files.push(chart);
                Ok((card, None))
            }
            Period::Quarter(quarter) => {
                let mut d = digest::quarterly(&self.app, ws, settings, quarter).await?;
                d.late = late;
                let mut card = d.card();
                let (chart, d) = self.draw(d, quarterly_chart).await?;
                card.files.push(chart);
                Ok((card, Some(d)))
            }
        }
    }

    /// Draw a digest's chart on a blocking thread, at most one per core at a time; the digest comes back with it.
    async fn draw<D, F>(&self, d: D, chart: F) -> Result<(FileOut, D), AppError>
    where
        D: Send + 'static,
        F: FnOnce(&D) -> Result<FileOut, AppError> + Send + 'static,
    {
        let _turn = self
            .drawing
            .acquire()
            .await
            .map_err(|e| AppError::Internal(anyhow::anyhow!("chart drawing closed: {e}")))?;
        let drawn = tokio::task::spawn_blocking(move || chart(&d).map(|c| (c, d)))
            .await
            .map_err(|e| AppError::Internal(anyhow::anyhow!("drawing a chart failed: {e}")))?;
        drawn
    }

    /// Tell the channel where the schedule was set that a digest could not be posted.
    async fn report_failure(&self, s: &ScheduleRow, period: Period, reason: &str) {
        let Some(channel) = s.set_in_channel.as_deref().filter(|c| *c != s.channel_id) else {
            return;
        };
        let card = Card::new(format!("The {} digest for {period} could not be posted", s.digest), Tone::Bad).description(
            format!(
                "I cannot post in <#{}>: {reason}. Give me access there or move the digest with /schedule set; the next period will be tried again.",
                s.channel_id
            ),
        );
        let post = Post {
            card: &card,
            nonce: None,
        };
        if let Err(e) = self.chat.post(channel, post).await {
            tracing::warn!(error = %e, "could not report the failed digest either");
        }
    }
}

/// Renews a claim's lease in the background until stopped (or dropped).
struct LeaseKeeper {
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl LeaseKeeper {
    fn start(
        app: App,
        ws: String,
        digest: DigestKind,
        period: String,
        claimer: String,
        lease: chrono::Duration,
    ) -> LeaseKeeper {
        let every = (lease / 3)
            .to_std()
            .unwrap_or(Duration::from_secs(1))
            .max(Duration::from_millis(100));
        let (stop, mut stopped) = tokio::sync::oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            loop {
                tokio::select! {
                    _ = &mut stopped => return,
                    _ = tokio::time::sleep(every) => {}
                }
                let until = app.now() + lease;
                match app
                    .store
                    .renew_lease(&ws, digest, &period, &claimer, until)
                    .await
                {
                    Ok(true) => {}
                    Ok(false) => return,
                    Err(e) => {
                        tracing::warn!(error = %e, workspace = %ws, %digest, period, "could not renew the lease of a digest run")
                    }
                }
            }
        });
        LeaseKeeper {
            stop: Some(stop),
            task: Some(task),
        }
    }

    /// Stop renewing, after any renewal in flight has finished.
    async fn stop(mut self) {
        drop(self.stop.take());
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

/// A short, stable idempotency key for one period's post (Discord allows 25 characters).
pub fn nonce(ws: &str, period: Period) -> String {
    // FNV-1a over the identity of the run: stable across processes and versions.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in ws
        .bytes()
        .chain([0])
        .chain(period.digest().as_str().bytes())
        .chain([0])
        .chain(period.to_string().bytes())
    {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("pf{h:016x}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nonces_are_stable_and_short() {
        let week = |n| Period::Week(crate::domain::Week::from_iso(2026, n).unwrap());
        let a = nonce("123", week(47));
        assert_eq!(a, nonce("123", week(47)));
        assert_ne!(a, nonce("123", week(48)));
        assert_ne!(a, nonce("124", week(47)));
        // The keys of posts already made stay the same: FNV-1a of `ws \0 digest \0 period`.
        assert_eq!(a, "pf75881a949b215f35");
        let q4 = Period::Quarter(crate::domain::Quarter::new(2026, 4).unwrap());
        assert_eq!(nonce("123", q4), "pfb4b8d0cee8ad87d4");
        assert!(a.len() <= 25);
    }
}
