//! The scheduler: wakes at the next fire time of any schedule, and for each due digest claims its period in
//! the database before posting, so a period is posted exactly once — across restarts, crashes between claim
//! and post (the claim's lease expires and the run is retried), and several bot processes. After downtime only
//! the latest missed period of each digest is posted, marked late.
//!
//! Many digests due at once (a thousand servers' Monday 09:00) are handled [`IN_FLIGHT`] at a time, each claimed
//! on its own, so several processes share them; their charts are drawn on blocking threads, as many at a time as
//! the machine has cores, so drawing neither stalls the runtime nor waits behind posting.

use super::cron_expr::CronExpr;
use super::{period_of, LATE_AFTER};
use crate::app::card::Render;
use crate::app::card::{Card, FileOut, Tone};
use crate::app::chat::{Chat, Platform, Post, PostError};
use crate::app::digest::{self, quarterly_chart, weekly_chart};
use crate::app::{App, AppError, Settings};
use crate::domain::{DigestKind, Quarter, Week};
use crate::store::{Claim, PendingRun, ScheduleRow};
use chrono::{DateTime, Utc};
use futures_util::StreamExt;
use std::sync::Arc;
use std::time::Duration;

/// What one tick did with one period (for logs and tests).
#[derive(Debug, Clone, PartialEq)]
pub struct RunReport {
    pub workspace: String,
    pub digest: DigestKind,
    pub period: String,
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
        let Ok(schedules) = self.app.store.active_schedules().await else {
            return RETRY_SOON.min(self.max_sleep);
        };
        {
            for s in schedules.into_iter().filter(|s| self.mine(&s.workspace_id)) {
                let Ok(settings) = self.app.settings(&s.workspace_id).await else {
                    continue;
                };
                if let Some(t) = CronExpr::parse(&s.cron, now)
                    .ok()
                    .and_then(|e| e.next_after(settings.timezone, now))
                {
                    next = Some(next.map_or(t, |n| n.min(t)));
                }
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
                if let Some(newer) = self.newer_period(&s, &run, now).await? {
                    let why = format!("not posted: superseded by {newer}");
                    tracing::info!(workspace = %run.workspace_id, digest = %run.digest, period = %run.period, %newer, "giving up a stale digest run");
                    self.app
                        .store
                        .give_up_run(&run.workspace_id, run.digest, &run.period, &why, now)
                        .await?;
                    continue;
                }
                tracing::info!(workspace = %run.workspace_id, digest = %run.digest, period = %run.period, attempt, "retrying a digest run");
                reports.push(self.posted(&s, &run.period, late, run.fire_at).await?);
            }
        }
        let schedules: Vec<ScheduleRow> = self
            .app
            .store
            .active_schedules()
            .await?
            .into_iter()
            .filter(|s| self.mine(&s.workspace_id))
            .collect();
        // Each schedule claims its own period, so running several at once posts each exactly once still; the
        // reports keep the schedules' order.
        let results: Vec<_> = futures_util::stream::iter(schedules)
            .map(|s| async move { self.due(&s, now).await })
            .buffered(IN_FLIGHT)
            .collect()
            .await;
        for r in results {
            if let Some(r) = r? {
                reports.push(r);
            }
        }
        Ok(reports)
    }

    /// The period of the latest fire of `s` after `run`'s fire time, when it is not `run`'s period.
    async fn newer_period(
        &self,
        s: &ScheduleRow,
        run: &PendingRun,
        now: DateTime<Utc>,
    ) -> Result<Option<String>, AppError> {
        let tz = self.app.settings(&s.workspace_id).await?.timezone;
        let Ok(expr) = CronExpr::parse(&s.cron, now) else {
            return Ok(None);
        };
        Ok(expr
            .latest_in(tz, run.fire_at, now)
            .map(|fire| period_of(s.digest, fire, tz))
            .filter(|p| *p != run.period))
    }

    /// Claim and post the latest fire of `s` since it was set or last handled, if any.
    async fn due(
        &self,
        s: &ScheduleRow,
        now: DateTime<Utc>,
    ) -> Result<Option<RunReport>, AppError> {
        let settings = self.app.settings(&s.workspace_id).await?;
        let tz = settings.timezone;
        let Ok(expr) = CronExpr::parse(&s.cron, now) else {
            tracing::warn!(workspace = %s.workspace_id, digest = %s.digest, cron = %s.cron, "stored cron expression no longer parses");
            return Ok(None);
        };
        let set_at = s.set_at;
        let last = self.app.store.latest_run(&s.workspace_id, s.digest).await?;
        let since = last.as_ref().map_or(set_at, |l| l.fire_at.max(set_at));
        let Some(fire) = expr.latest_in(tz, since, now) else {
            return Ok(None);
        };
        let period = period_of(s.digest, fire, tz);
        if last.as_ref().is_some_and(|l| l.period == period) {
            return Ok(None);
        }
        let late = now - fire > LATE_AFTER;
        // The lease runs from the claim, not from the tick's start: with a thousand digests due at once, a claim
        // can come many seconds into the tick, and a lease counted from its start would run out while the
        // digest is still being posted, for another process to post it again.
        let claimed_at = self.app.now();
        match self
            .app
            .store
            .claim_run(
                &s.workspace_id,
                s.digest,
                &period,
                fire,
                late,
                &self.instance,
                claimed_at,
                claimed_at + self.lease,
            )
            .await?
        {
            Claim::Claimed { .. } => Ok(Some(self.posted(s, &period, late, fire).await?)),
            Claim::Taken => {
                tracing::trace!(workspace = %s.workspace_id, digest = %s.digest, period, "period claimed elsewhere");
                Ok(None)
            }
        }
    }

    /// [`Scheduler::post`], counted in the metrics by result, with the lag from `fire` when it was posted.
    async fn posted(
        &self,
        s: &ScheduleRow,
        period: &str,
        late: bool,
        fire: DateTime<Utc>,
    ) -> Result<RunReport, AppError> {
        use crate::service::metrics::{digest_post, scheduler_lag, PostResult};
        let report = self.post(s, period, late).await;
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

    /// Build and post the digest of a claimed period, and record what happened. The claim's lease is
    /// renewed meanwhile, so a slow render or post is not taken over; a process that dies stops renewing
    /// and another one retries when the lease runs out.
    async fn post(&self, s: &ScheduleRow, period: &str, late: bool) -> Result<RunReport, AppError> {
        let ws = &s.workspace_id;
        let lease = LeaseKeeper::start(
            self.app.clone(),
            ws.clone(),
            s.digest,
            period.to_string(),
            self.instance.clone(),
            self.lease,
        );
        // The stored channel is checked again before every post: it must still be a channel of this
        // workspace's server (a schedule stored by other means never posts into another server).
        let (sent, quarterly) = match self.chat.check_channel(ws, &s.channel_id).await {
            Ok(()) => {
                let settings = self.app.settings(ws).await?;
                let (mut card, quarterly) =
                    self.render(ws, &settings, s.digest, period, late).await?;
                if s.digest == DigestKind::Quarterly {
                    card.mention_role = settings.review_role.clone();
                }
                let nonce = nonce(ws, s.digest, period);
                let post = Post {
                    card: &card,
                    nonce: Some(&nonce),
                };
                (self.chat.post(&s.channel_id, post).await, quarterly)
            }
            Err(e) => (Err(e), None),
        };
        if let Ok(message_id) = &sent {
            self.record_posted(s, period, message_id).await?;
        }
        lease.stop().await;
        let now = self.app.now();
        let outcome = match sent {
            Ok(message_id) => {
                self.app
                    .store
                    .set_schedule_error(ws, s.digest, None)
                    .await?;
                if let Some(d) = quarterly {
                    digest::record_posted_recheck(&self.app, ws, &d).await?;
                }
                tracing::info!(workspace = %ws, digest = %s.digest, period, late, "digest posted");
                RunOutcome::Posted { message_id }
            }
            Err(PostError::Forbidden(reason)) => {
                self.app
                    .store
                    .give_up_run(ws, s.digest, period, &reason, now)
                    .await?;
                self.app
                    .store
                    .set_schedule_error(ws, s.digest, Some(&reason))
                    .await?;
                tracing::warn!(workspace = %ws, digest = %s.digest, period, reason = %reason, "digest channel unreachable");
                self.report_failure(s, period, &reason).await;
                RunOutcome::GivenUp { reason }
            }
            Err(PostError::Transient(reason)) => {
                self.app
                    .store
                    .mark_run_failed(
                        ws,
                        s.digest,
                        period,
                        &reason,
                        now + RETRY_AFTER.min(self.lease),
                    )
                    .await?;
                tracing::warn!(workspace = %ws, digest = %s.digest, period, reason = %reason, "digest post failed; will retry");
                RunOutcome::WillRetry { reason }
            }
        };
        Ok(RunReport {
            workspace: ws.clone(),
            digest: s.digest,
            period: period.to_string(),
            late,
            outcome,
        })
    }

    /// Record that the period was posted. The message exists now, so while the database is away or full this
    /// keeps trying (the lease is renewed meanwhile) rather than leave the period to be posted again.
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
        digest: DigestKind,
        period: &str,
        late: bool,
    ) -> Result<(Card, Option<digest::QuarterlyDigest>), AppError> {
        match digest {
            DigestKind::Weekly => {
                let week: Week = period.parse()?;
                let mut d = digest::weekly(&self.app, ws, settings, week).await?;
                d.late = late;
                let mut card = d.card();
                let (chart, _) = self.draw(d, weekly_chart).await?;
                card.files.push(chart);
                Ok((card, None))
            }
            DigestKind::Quarterly => {
                let quarter: Quarter = period.parse()?;
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
    async fn report_failure(&self, s: &ScheduleRow, period: &str, reason: &str) {
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
pub fn nonce(ws: &str, digest: DigestKind, period: &str) -> String {
    // FNV-1a over the identity of the run: stable across processes and versions.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in ws
        .bytes()
        .chain([0])
        .chain(digest.as_str().bytes())
        .chain([0])
        .chain(period.bytes())
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
        let a = nonce("123", DigestKind::Weekly, "2026-W47");
        assert_eq!(a, nonce("123", DigestKind::Weekly, "2026-W47"));
        assert_ne!(a, nonce("123", DigestKind::Weekly, "2026-W48"));
        assert_ne!(a, nonce("124", DigestKind::Weekly, "2026-W47"));
        assert!(a.len() <= 25);
    }
}
