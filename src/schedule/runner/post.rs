//! Posting one claimed period: the digest built and its chart drawn, the post made with a stable nonce while
//! the claim's lease is renewed, and what happened recorded (posted, given up, or failed to be retried) and
//! counted in the metrics. [`super::Scheduler`] decides what is due and claims it; this is what follows a claim.

use super::{RunOutcome, RunReport, Scheduler, RECORD_RETRY_MAX, RETRY_AFTER};
use crate::app::card::Render;
use crate::app::card::{Card, FileOut, Tone};
use crate::app::chat::{Post, PostError};
use crate::app::digest::{self, quarterly_chart, weekly_chart};
use crate::app::{App, AppError, Settings};
use crate::domain::{DigestKind, Period};
use crate::store::ScheduleRow;
use chrono::{DateTime, Utc};
use std::time::Duration;

impl Scheduler {
    /// [`Scheduler::post`], counted in the metrics by result, with the lag from `fire` when it was posted.
    pub(super) async fn posted(
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
        let lease = LeaseKeeper::start(
            self.app.clone(),
            ws.clone(),
            s.digest,
            period,
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
            self.record_posted(s, period, message_id).await?;
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
                    .give_up_run(ws, s.digest, period, &reason, now)
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
                        period,
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
        period: Period,
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
                    .renew_lease(&ws, digest, period, &claimer, until)
                    .await
                {
                    Ok(true) => {}
                    Ok(false) => return,
                    Err(e) => {
                        tracing::warn!(error = %e, workspace = %ws, %digest, %period, "could not renew the lease of a digest run")
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
