//! Posting one claimed period: the digest built and its chart drawn, the post made with a stable nonce while
//! the claim's lease is renewed, and what happened recorded (posted, given up, or failed to be retried) and
//! counted in the metrics. [`super::Scheduler`] decides what is due and claims it; this is what follows a claim.
//!
//! A claim can be lost while it is being posted: when its renewals do not get through for a whole lease (the
//! database stalled, or held by a long write), another process takes it over and posts the period. So the claim
//! is confirmed in the database right before the message is sent, and what an attempt records (given up, or
//! failed) is recorded only while this process holds the claim: a process that lost it neither posts the
//! period nor touches the other one's run.

use super::{RunOutcome, RunReport, Scheduler, RECORD_RETRY_MAX, RETRY_AFTER};
use crate::app::card::Render;
use crate::app::card::{Card, FileOut, Tone};
use crate::app::chat::{Post, PostError};
use crate::app::digest::{self, quarterly_chart, weekly_chart};
use crate::app::{App, AppError, Settings};
use crate::domain::{DigestKind, Period};
use crate::store::{ScheduleRow, StoreError};
use chrono::{DateTime, Utc};
use std::sync::Arc;
use std::time::Duration;

impl Scheduler {
    /// [`Scheduler::post`], counted in the metrics by result, with the lag from `fire` when it was posted.
    ///
    /// A sent message counts as `posted` (or `late`) whatever its bookkeeping did after the send, and once per
    /// period: when an earlier attempt of this process sent it and could not record it, the attempt that posts
    /// it again (Discord answers with the same message, by its nonce) is not counted again.
    pub(super) async fn posted(
        &self,
        s: &ScheduleRow,
        settings: &Settings,
        period: Period,
        late: bool,
        fire: DateTime<Utc>,
    ) -> Result<RunReport, AppError> {
        use crate::service::metrics::{digest_post, scheduler_lag, PostResult};
        let attempt = self.post(s, settings, period, late).await;
        match counted(&attempt) {
            Some(result) => {
                if matches!(result, PostResult::Posted | PostResult::Late) {
                    scheduler_lag((self.app.now() - fire).to_std().unwrap_or_default());
                }
                digest_post(s.digest.as_str(), result);
            }
            // A claim taken over is counted by the process that took it.
            None if !attempt.counted_before => {}
            None => {
                tracing::debug!(workspace = %s.workspace_id, digest = %s.digest, %period, "digest posted again after its record failed; counted once")
            }
        }
        attempt.report
    }

    /// Build and post the digest of a claimed period with the workspace's `settings` (read just before the
    /// claim), and record what happened. The claim's lease is renewed meanwhile, so a slow render or post is not
    /// taken over; a process that dies stops renewing and another one retries when the lease runs out.
    ///
    /// Right before the message is sent, the claim is renewed once more, on the condition that it is still this
    /// process's: when it was taken over nothing is sent ([`RunOutcome::TakenOver`]), and when the database
    /// cannot say nothing is sent either ([`RunOutcome::WillRetry`], tried again when the lease runs out).
    ///
    /// Once the message is sent the period is posted, whatever follows: a record that fails is logged as a
    /// warning with its cause (the period stays claimed, and is posted again when the lease runs out, as after a
    /// crash), and so is a schedule error that cannot be cleared or a quarterly re-check that cannot be stored.
    async fn post(
        &self,
        s: &ScheduleRow,
        settings: &Settings,
        period: Period,
        late: bool,
    ) -> Attempt {
        let ws = &s.workspace_id;
        let lease = LeaseKeeper::start(Renewal {
            app: self.app.clone(),
            ws: ws.clone(),
            digest: s.digest,
            period,
            claimer: self.instance.clone(),
            lease: self.lease,
        });
        // The stored channel is checked again before every post: it must still be a channel of this
        // workspace's server (a schedule stored by other means never posts into another server).
        let (sent, quarterly) = match self.chat.check_channel(ws, &s.channel_id).await {
            Ok(()) => {
                // A claim the renewals found taken over is not worth rendering.
                if lease.lost() {
                    lease.stop().await;
                    let outcome = self.unconfirmed(s, period, Unconfirmed::Lost);
                    return Attempt::unsent(s, period, late, Ok(outcome));
                }
                let (mut card, quarterly) = match self.render(ws, settings, period, late).await {
                    Ok(rendered) => rendered,
                    Err(e) => return Attempt::unsent(s, period, late, Err(e)),
                };
                if s.digest == DigestKind::Quarterly {
                    card.mention_role = settings.review_role.clone();
                }
                // The claim may have been taken over while the renewals could not get through (the
                // database stalled for a lease): the other process posts it, this one must not.
                if let Err(why) = lease.confirm().await {
                    lease.stop().await;
                    let outcome = self.unconfirmed(s, period, why);
                    return Attempt::unsent(s, period, late, Ok(outcome));
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
        let message_id = match sent {
            Ok(message_id) => message_id,
            Err(e) => {
                lease.stop().await;
                return Attempt::unsent(s, period, late, self.not_posted(s, period, e).await);
            }
        };
        let key = nonce(ws, period);
        let counted_before = unrecorded::take(&key);
        let recorded = self.record_posted(s, period, &message_id).await;
        lease.stop().await;
        match recorded {
            Ok(()) => self.after_posted(s, quarterly).await,
            Err(e) => {
                unrecorded::keep(key);
                tracing::warn!(error = %e, workspace = %ws, digest = %s.digest, %period, "digest posted, but it could not be recorded: it is posted again when the claim's lease runs out (within minutes Discord answers with the same message, by its nonce)");
            }
        }
        tracing::info!(workspace = %ws, digest = %s.digest, %period, late, "digest posted");
        Attempt {
            report: Ok(report(s, period, late, RunOutcome::Posted { message_id })),
            counted_before,
        }
    }

    /// What follows a post that was recorded: the schedule's last error cleared, a quarterly re-check stored.
    /// The message is out, so a failure here is a warning with its cause, not a failed post.
    async fn after_posted(&self, s: &ScheduleRow, quarterly: Option<digest::QuarterlyDigest>) {
        let ws = &s.workspace_id;
        // Only a failed post of this schedule records an error, and it was read with the schedule: a
        // schedule without one has nothing to clear (a write spared per digest).
        if s.last_error.is_some() {
            if let Err(e) = self.app.store.set_schedule_error(ws, s.digest, None).await {
                tracing::warn!(error = %e, workspace = %ws, digest = %s.digest, "digest posted, but the schedule's last error could not be cleared");
            }
        }
        if let Some(d) = quarterly {
            if let Err(e) = digest::record_posted_recheck(&self.app, ws, &d).await {
                tracing::warn!(error = %e, workspace = %ws, digest = %s.digest, "digest posted, but its re-check could not be stored");
            }
        }
    }

    /// What an attempt whose claim could not be confirmed right before its post did instead: nothing. A claim
    /// taken over is the other process's to post; a claim the database could not confirm runs out and is tried
    /// again (by this process or another).
    fn unconfirmed(&self, s: &ScheduleRow, period: Period, why: Unconfirmed) -> RunOutcome {
        let ws = &s.workspace_id;
        match why {
            Unconfirmed::Lost => {
                tracing::warn!(workspace = %ws, digest = %s.digest, %period, "digest not posted: its claim was taken over by another process (this one's lease ran out)");
                RunOutcome::TakenOver
            }
            Unconfirmed::Unknown(e) => {
                tracing::warn!(error = %e, workspace = %ws, digest = %s.digest, %period, "digest not posted: its claim could not be confirmed; it is tried again when the claim's lease runs out");
                RunOutcome::WillRetry {
                    reason: format!("the claim could not be confirmed: {e}"),
                }
            }
        }
    }

    /// Record a post that was not made: given up for the period when the channel cannot be reached (and
    /// reported where the schedule was set), else to be retried. Recorded only while this process holds the
    /// claim: one taken over meanwhile is left as the other process has it ([`RunOutcome::TakenOver`]).
    async fn not_posted(
        &self,
        s: &ScheduleRow,
        period: Period,
        e: PostError,
    ) -> Result<RunOutcome, AppError> {
        let ws = &s.workspace_id;
        let now = self.app.now();
        Ok(match e {
            PostError::Forbidden(reason) => {
                let given_up = self
                    .app
                    .store
                    .give_up_run(ws, s.digest, period, &self.instance, &reason, now)
                    .await?;
                if !given_up {
                    tracing::warn!(workspace = %ws, digest = %s.digest, %period, reason = %reason, "digest channel unreachable, but the claim was taken over by another process: not given up here");
                    return Ok(RunOutcome::TakenOver);
                }
                self.app
                    .store
                    .set_schedule_error(ws, s.digest, Some(&reason))
                    .await?;
                tracing::warn!(workspace = %ws, digest = %s.digest, %period, reason = %reason, "digest channel unreachable");
                self.report_failure(s, period, &reason).await;
                RunOutcome::GivenUp { reason }
            }
            PostError::Transient(reason) => {
                let recorded = self
                    .app
                    .store
                    .mark_run_failed(
                        ws,
                        s.digest,
                        period,
                        &self.instance,
                        &reason,
                        super::lease_end(now, RETRY_AFTER.min(self.lease)),
                    )
                    .await?;
                if !recorded {
                    tracing::warn!(workspace = %ws, digest = %s.digest, %period, reason = %reason, "digest post failed, but the claim was taken over by another process: not recorded here");
                    return Ok(RunOutcome::TakenOver);
                }
                tracing::warn!(workspace = %ws, digest = %s.digest, %period, reason = %reason, "digest post failed; will retry");
                RunOutcome::WillRetry { reason }
            }
        })
    }

    /// Record that the period was posted. The message exists now, so while the database is away or full this
    /// keeps trying (the lease is renewed meanwhile) rather than leave the period to be posted again; so it does
    /// while another process holds the database's lock.
    async fn record_posted(
        &self,
        s: &ScheduleRow,
        period: Period,
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
                    tracing::warn!(error = %e, workspace = %s.workspace_id, digest = %s.digest, %period, "digest posted, but the database cannot record it now; retrying to record it");
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

/// One attempt at a claimed period: its report (or the error that stopped it before its message was sent).
/// After a send the report is always [`RunOutcome::Posted`]: what followed the send cannot unsend it.
struct Attempt {
    report: Result<RunReport, AppError>,
    /// An earlier attempt of this process sent this period's message too, and could not record it: that one
    /// was counted.
    counted_before: bool,
}

impl Attempt {
    /// An attempt whose message was not sent: what was recorded instead, or the error that stopped it.
    fn unsent(
        s: &ScheduleRow,
        period: Period,
        late: bool,
        outcome: Result<RunOutcome, AppError>,
    ) -> Attempt {
        Attempt {
            report: outcome.map(|outcome| report(s, period, late, outcome)),
            counted_before: false,
        }
    }
}

fn report(s: &ScheduleRow, period: Period, late: bool, outcome: RunOutcome) -> RunReport {
    RunReport {
        workspace: s.workspace_id.clone(),
        digest: s.digest,
        period,
        late,
        outcome,
    }
}

/// How an attempt counts in `partnerfit_digest_posts_total`: a sent message as `posted` (or `late`), once per
/// period; None for a message an earlier attempt of this process sent and counted already, and for a claim
/// taken over (the process that took it counts it).
fn counted(attempt: &Attempt) -> Option<crate::service::metrics::PostResult> {
    use crate::service::metrics::PostResult;
    match &attempt.report {
        Ok(r) => match &r.outcome {
            RunOutcome::Posted { .. } if attempt.counted_before => None,
            RunOutcome::Posted { .. } if r.late => Some(PostResult::Late),
            RunOutcome::Posted { .. } => Some(PostResult::Posted),
            RunOutcome::GivenUp { .. } => Some(PostResult::Forbidden),
            RunOutcome::WillRetry { .. } => Some(PostResult::Retried),
            RunOutcome::TakenOver => None,
        },
        Err(_) => Some(PostResult::Failed),
    }
}

/// The periods this process sent and could not record, by their nonce. Their post was counted; the attempt
/// that posts one of them again when its claim's lease runs out is not counted a second time. Process-wide,
/// like the metrics it keeps true. At most 256 are kept (one that another process took over is never taken
/// back): past that the oldest is forgotten, and its post, if this process makes it again, counts again.
mod unrecorded {
    use std::collections::VecDeque;
    use std::sync::Mutex;

    const UNRECORDED_KEPT: usize = 256;
    static UNRECORDED: Mutex<VecDeque<String>> = Mutex::new(VecDeque::new());

    fn kept() -> std::sync::MutexGuard<'static, VecDeque<String>> {
        UNRECORDED.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A period sent and not recorded.
    pub(super) fn keep(key: String) {
        let mut kept = kept();
        if !kept.contains(&key) {
            if kept.len() >= UNRECORDED_KEPT {
                kept.pop_front();
            }
            kept.push_back(key);
        }
    }

    /// Whether the period was sent and not recorded before; forgotten either way.
    pub(super) fn take(key: &str) -> bool {
        let mut kept = kept();
        match kept.iter().position(|k| k == key) {
            Some(i) => {
                kept.remove(i);
                true
            }
            None => false,
        }
    }
}

/// Renews a claim's lease in the background until stopped (or dropped), and says when a renewal found the
/// claim no longer this process's.
struct LeaseKeeper {
    renewal: Arc<Renewal>,
    /// Turns true when a renewal finds the claim taken over (or its period posted or given up by another).
    lost: tokio::sync::watch::Receiver<bool>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

/// Why a claim could not be confirmed before its post.
enum Unconfirmed {
    /// Another process took it over, or the period is posted or given up already.
    Lost,
    /// The database did not answer (or failed): whose the claim is cannot be told.
    Unknown(StoreError),
}

/// One claim's lease renewal: the run, its claimer, and the length of a lease.
struct Renewal {
    app: App,
    ws: String,
    digest: DigestKind,
    period: Period,
    claimer: String,
    lease: chrono::Duration,
}

impl Renewal {
    /// Extend the lease to a lease from now, if the claim is still the claimer's and its period not posted
    /// (the store checks both in the one statement): false when it is not.
    async fn renew(&self) -> Result<bool, StoreError> {
        let until = super::lease_end(self.app.now(), self.lease);
        self.app
            .store
            .renew_lease(&self.ws, self.digest, self.period, &self.claimer, until)
            .await
    }
}

impl LeaseKeeper {
    /// Renew `renewal`'s claim every third of a lease (at least every 100 ms) until stopped.
    fn start(renewal: Renewal) -> LeaseKeeper {
        let every = (renewal.lease / 3)
            .to_std()
            .unwrap_or(Duration::from_secs(1))
            .max(Duration::from_millis(100));
        let renewal = Arc::new(renewal);
        let (stop, mut stopped) = tokio::sync::oneshot::channel::<()>();
        let (lost_tx, lost) = tokio::sync::watch::channel(false);
        let r = renewal.clone();
        let task = tokio::spawn(async move {
            loop {
                tokio::select! {
                    _ = &mut stopped => return,
                    _ = tokio::time::sleep(every) => {}
                }
                match r.renew().await {
                    Ok(true) => {}
                    Ok(false) => {
                        // Also the end of a run posted while the renewal was under way: the post path says
                        // (at warn) when a lost claim stops a post.
                        tracing::debug!(workspace = %r.ws, digest = %r.digest, period = %r.period, "the claim of a digest run is no longer this process's: its lease is not renewed");
                        lost_tx.send_replace(true);
                        return;
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, workspace = %r.ws, digest = %r.digest, period = %r.period, "could not renew the lease of a digest run")
                    }
                }
            }
        });
        LeaseKeeper {
            renewal,
            lost,
            stop: Some(stop),
            task: Some(task),
        }
    }

    /// Whether a renewal found the claim no longer this process's.
    fn lost(&self) -> bool {
        *self.lost.borrow()
    }

    /// Confirm that the claim is still this process's, right before its post: a claim the renewals found lost
    /// is not asked about again; else its lease is renewed once more, on that condition. A renewal that fails
    /// leaves it unknown: the claim may have run out and been taken over meanwhile.
    async fn confirm(&self) -> Result<(), Unconfirmed> {
        if self.lost() {
            return Err(Unconfirmed::Lost);
        }
        match self.renewal.renew().await {
            Ok(true) => Ok(()),
            Ok(false) => Err(Unconfirmed::Lost),
            Err(e) => Err(Unconfirmed::Unknown(e)),
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
    fn a_lease_end_saturates_instead_of_overflowing() {
        use chrono::TimeZone;
        let t = Utc.with_ymd_and_hms(2026, 11, 23, 9, 0, 0).unwrap();
        let week = chrono::Duration::seconds(604_800);
        assert_eq!(
            super::super::lease_end(t, week),
            Utc.with_ymd_and_hms(2026, 11, 30, 9, 0, 0).unwrap()
        );
        // `t + chrono::Duration::MAX` panics; the lease ends at the latest time chrono has.
        assert_eq!(
            super::super::lease_end(t, chrono::Duration::MAX),
            DateTime::<Utc>::MAX_UTC
        );
    }

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

    fn attempt(outcome: Result<RunOutcome, AppError>, late: bool, counted_before: bool) -> Attempt {
        let week = Period::Week(crate::domain::Week::from_iso(2026, 47).unwrap());
        Attempt {
            report: outcome.map(|outcome| RunReport {
                workspace: "123".into(),
                digest: DigestKind::Weekly,
                period: week,
                late,
                outcome,
            }),
            counted_before,
        }
    }

    #[test]
    fn a_sent_digest_counts_as_posted_once_whatever_its_bookkeeping_did() {
        use crate::service::metrics::PostResult;
        let posted = || {
            Ok(RunOutcome::Posted {
                message_id: "9".into(),
            })
        };
        assert_eq!(
            counted(&attempt(posted(), false, false)),
            Some(PostResult::Posted)
        );
        assert_eq!(
            counted(&attempt(posted(), true, false)),
            Some(PostResult::Late)
        );
        // Sent again after an earlier attempt of this process sent it and could not record it: counted then.
        assert_eq!(counted(&attempt(posted(), false, true)), None);
        assert_eq!(counted(&attempt(posted(), true, true)), None);
        let reason = || "no".to_string();
        assert_eq!(
            counted(&attempt(
                Ok(RunOutcome::GivenUp { reason: reason() }),
                false,
                false
            )),
            Some(PostResult::Forbidden)
        );
        assert_eq!(
            counted(&attempt(
                Ok(RunOutcome::WillRetry { reason: reason() }),
                false,
                false
            )),
            Some(PostResult::Retried)
        );
        // A claim taken over is counted by the process that took it.
        assert_eq!(
            counted(&attempt(Ok(RunOutcome::TakenOver), false, false)),
            None
        );
        let unsent = Err(AppError::Internal(anyhow::anyhow!("chart drawing closed")));
        assert_eq!(
            counted(&attempt(unsent, false, false)),
            Some(PostResult::Failed)
        );
    }

    #[test]
    fn an_unrecorded_period_is_remembered_until_it_is_sent_again() {
        let key = "pf-unrecorded-test-1";
        assert!(!unrecorded::take(key));
        unrecorded::keep(key.to_string());
        unrecorded::keep(key.to_string());
        assert!(unrecorded::take(key));
        assert!(!unrecorded::take(key), "forgotten once taken, kept once");
        // A bounded memory: the oldest goes first.
        let first = "pf-unrecorded-test-first";
        unrecorded::keep(first.to_string());
        for i in 0..300 {
            unrecorded::keep(format!("pf-unrecorded-test-{i}-x"));
        }
        assert!(!unrecorded::take(first));
        assert!(unrecorded::take("pf-unrecorded-test-299-x"));
    }
}
