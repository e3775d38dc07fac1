//! A process that lost its claim while posting (its lease ran out, e.g. while the database stalled its renewals,
//! and another process took the period over) posts nothing and leaves the other one's run alone. Process A's
//! chat stops at the channel check it makes before every post, until the test lets it go: meanwhile process B
//! takes the claim over, on the test clock, as it would once A's lease has run out. Weekly digest on Mondays at
//! 09:00 UTC, set on Friday 2027-01-01: Monday 2027-01-04 posts 2026-W53.

use super::{at, discord_chat, posted, Harness, DIGESTS_CHANNEL_ID};
use crate::support::db::{both_backends, Db};
use crate::support::fake_discord::{
    FakeChannel, FakeConfig, FakeDiscord, PARTNERS_CHANNEL_ID, STANDARD_GUILD_ID,
};
use crate::support::TestApp;
use chrono::Duration as Span;
use partnerfit::app::chat::{Chat, Post, PostError};
use partnerfit::domain::{DigestKind, Period, Role};
use partnerfit::schedule::runner::{RunOutcome, RunReport, Scheduler};
use partnerfit::store::Claim;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::oneshot;

both_backends!(
    a_process_whose_claim_was_taken_over_does_not_post,
    a_process_whose_claim_was_taken_over_leaves_the_winners_run_alone,
    a_claim_the_database_cannot_confirm_is_not_posted,
);

/// What A's channel check answers once let go: the real check, or a failure.
type Answer = Option<PostError>;

/// A's chat: the real one, whose first channel check says it was reached and waits to be let go.
#[derive(Debug)]
struct Gated {
    inner: Arc<dyn Chat>,
    gate: tokio::sync::Mutex<Option<(oneshot::Sender<()>, oneshot::Receiver<Answer>)>>,
}

/// The test's side of the gate.
struct Gate {
    reached: oneshot::Receiver<()>,
    go: oneshot::Sender<Answer>,
}

impl Gated {
    fn new(inner: Arc<dyn Chat>) -> (Arc<Gated>, Gate) {
        let (reached_tx, reached) = oneshot::channel();
        let (go, go_rx) = oneshot::channel();
        let chat = Gated {
            inner,
            gate: tokio::sync::Mutex::new(Some((reached_tx, go_rx))),
        };
        (Arc::new(chat), Gate { reached, go })
    }
}

#[async_trait::async_trait]
impl Chat for Gated {
    async fn check_can_post(&self, workspace: &str, channel_id: &str) -> Result<(), PostError> {
        self.inner.check_can_post(workspace, channel_id).await
    }
    async fn check_channel(&self, workspace: &str, channel_id: &str) -> Result<(), PostError> {
        let gate = self.gate.lock().await.take();
        if let Some((reached, go)) = gate {
            let _ = reached.send(());
            if let Some(failure) = go.await.expect("the test lets A go") {
                return Err(failure);
            }
        }
        self.inner.check_channel(workspace, channel_id).await
    }
    async fn post(&self, channel_id: &str, post: Post<'_>) -> Result<String, PostError> {
        self.inner.post(channel_id, post).await
    }
}

/// Monday 09:00, when 2026-W53 is due.
fn fire() -> chrono::DateTime<chrono::Utc> {
    at(2027, 1, 4, 9, 0, 0)
}

fn week() -> Period {
    Period::Week("2026-W53".parse().unwrap())
}

fn ws() -> String {
    STANDARD_GUILD_ID.to_string()
}

/// The harness of `super` on `db`, with the weekly digest scheduled for Mondays at 09:00 (UTC) in #partners.
async fn weekly_on_mondays(db: Db) -> Harness {
    let mut cfg = FakeConfig::standard();
    cfg.guilds[0].channels.push(FakeChannel {
        id: DIGESTS_CHANNEL_ID,
        name: "digests".into(),
        bot_can_send: true,
    });
    let fake = FakeDiscord::start(cfg).await.unwrap();
    let t = TestApp::on(db, at(2027, 1, 1, 0, 0, 0)).await;
    let mut ctx = t.ctx(&ws(), "ana", Role::Lead);
    ctx.channel_id = Some(PARTNERS_CHANNEL_ID.to_string());
    let h = Harness {
        chat: discord_chat(&fake),
        fake,
        t,
        ctx,
    };
    h.ok(&format!(
        r#"/schedule set digest:weekly cron:"0 9 * * MON" channel:{PARTNERS_CHANNEL_ID}"#
    ))
    .await;
    h
}

/// Process A (lease 120 s) over the gated chat, ticking at the fire time on a task of its own; back once A
/// has claimed the period and reached its channel check.
async fn a_claims_and_waits(
    h: &Harness,
) -> (
    oneshot::Sender<Answer>,
    tokio::task::JoinHandle<Vec<RunReport>>,
) {
    let (chat, gate) = Gated::new(h.chat.clone());
    let a = Scheduler::new(
        h.t.app.clone().with_chat(chat.clone()),
        chat,
        "a".to_string(),
        Duration::from_secs(120),
        Duration::from_secs(60),
    );
    h.t.clock.set(fire());
    let ticking = tokio::spawn(async move { a.tick().await.unwrap() });
    gate.reached.await.expect("A reaches its channel check");
    let run =
        h.t.app
            .store
            .run(&ws(), DigestKind::Weekly, week())
            .await
            .unwrap()
            .unwrap();
    assert_eq!((run.claimed_by.as_str(), run.attempts), ("a", 1));
    (gate.go, ticking)
}

/// Messages POSTed to any channel, answered or not.
fn message_posts(h: &Harness) -> usize {
    h.fake
        .requests()
        .iter()
        .filter(|r| r.method == "POST" && r.path.ends_with("/messages"))
        .count()
}

#[track_caller]
fn taken_over(reports: &[RunReport]) {
    assert!(
        matches!(reports, [r] if r.outcome == RunOutcome::TakenOver && r.period == week()),
        "{reports:?}"
    );
}

/// A's lease runs out while it renders (no renewal got through); B takes the period over and posts it. A, let
/// go, must not post it a second time: one message, B's, and the run recorded as B's.
async fn a_process_whose_claim_was_taken_over_does_not_post(db: Db) {
    let h = weekly_on_mondays(db).await;
    let (go, a) = a_claims_and_waits(&h).await;
    let b = h.scheduler("b");
    let r = h.tick_at(&b, fire() + Span::seconds(121)).await;
    posted(&r, "2026-W53", true);
    assert_eq!(h.posts(PARTNERS_CHANNEL_ID).len(), 1);

    go.send(None).unwrap();
    taken_over(&a.await.unwrap());
    assert_eq!(message_posts(&h), 1, "only B posted");
    assert_eq!(h.posts(PARTNERS_CHANNEL_ID).len(), 1);
    let run =
        h.t.app
            .store
            .run(&ws(), DigestKind::Weekly, week())
            .await
            .unwrap()
            .unwrap();
    assert_eq!((run.claimed_by.as_str(), run.attempts), ("b", 2));
    assert!(run.posted_at.is_some());
    assert!(run.message_id.is_some_and(|m| m != "given-up"));
    // Neither process posts the period again.
    for s in [h.scheduler("a"), h.scheduler("b")] {
        assert!(h.tick_at(&s, fire() + Span::seconds(600)).await.is_empty());
    }
    assert_eq!(message_posts(&h), 1);
}

/// B has taken the period over and is posting it when A's channel check fails (the channel unreachable, or
/// Discord's passing failure): A records neither a give-up nor a failure over B's run, reports nothing, and
/// B's post is recorded as usual.
async fn a_process_whose_claim_was_taken_over_leaves_the_winners_run_alone(db: Db) {
    for failure in [
        PostError::Forbidden("Missing Access".into()),
        PostError::Transient("Discord answered 503".into()),
    ] {
        let h = weekly_on_mondays(db).await;
        let (go, a) = a_claims_and_waits(&h).await;
        let later = fire() + Span::seconds(121);
        h.t.clock.set(later);
        let store = &h.t.app.store;
        let claim = store
            .claim_run(
                &ws(),
                DigestKind::Weekly,
                week(),
                fire(),
                true,
                "b",
                later,
                later + Span::seconds(120),
            )
            .await
            .unwrap();
        assert_eq!(claim, Claim::Claimed { attempt: 2 });

        go.send(Some(failure.clone())).unwrap();
        taken_over(&a.await.unwrap());
        let run = store
            .run(&ws(), DigestKind::Weekly, week())
            .await
            .unwrap()
            .unwrap();
        assert_eq!(
            (
                run.claimed_by.as_str(),
                run.attempts,
                run.posted_at,
                run.message_id.as_deref(),
                run.last_error.as_deref(),
                run.lease_until
            ),
            ("b", 2, None, None, None, later + Span::seconds(120)),
            "{failure:?}: B's run as B claimed it"
        );
        let schedules = store.schedules(&ws()).await.unwrap();
        assert!(
            schedules.iter().all(|s| s.last_error.is_none()),
            "{failure:?}: {schedules:?}"
        );
        assert_eq!(
            message_posts(&h),
            0,
            "{failure:?}: nothing posted or reported"
        );
        // B posts and records it.
        assert!(store
            .mark_run_posted(&ws(), DigestKind::Weekly, week(), "b", "m-b", later)
            .await
            .unwrap());
    }
}

/// The database fails A's renewal right before its post (here a trigger refuses it; in production a stall past
/// the busy timeout): whose the claim is cannot be told, so A posts nothing and the period is tried again when
/// the lease runs out, then posted once.
async fn a_claim_the_database_cannot_confirm_is_not_posted(db: Db) {
    let h = weekly_on_mondays(db).await;
    let (go, a) = a_claims_and_waits(&h).await;
    let pool = h.t.app.store.pool();
    let (refuse, allow) = match db {
        Db::Sqlite => (
            "CREATE TRIGGER stalled BEFORE UPDATE OF lease_until ON digest_runs \
             BEGIN SELECT RAISE(ABORT, 'the database is stalled'); END",
            "DROP TRIGGER stalled",
        ),
        Db::Postgres => (
            "CREATE FUNCTION stalled() RETURNS trigger LANGUAGE plpgsql AS \
             $$ BEGIN RAISE EXCEPTION 'the database is stalled'; END $$; \
             CREATE TRIGGER stalled BEFORE UPDATE OF lease_until ON digest_runs \
             FOR EACH ROW EXECUTE FUNCTION stalled()",
            "DROP TRIGGER stalled ON digest_runs; DROP FUNCTION stalled()",
        ),
    };
    sqlx::raw_sql(refuse).execute(pool).await.unwrap();
    go.send(None).unwrap();
    let r = a.await.unwrap();
    assert!(
        matches!(&r[..], [r] if matches!(&r.outcome, RunOutcome::WillRetry { reason } if reason.contains("the database is stalled"))),
        "{r:?}"
    );
    assert_eq!(message_posts(&h), 0, "A did not post");
    sqlx::raw_sql(allow).execute(pool).await.unwrap();
    // Within the lease nobody posts it; once it has run out, it is posted once.
    let b = h.scheduler("b");
    assert!(h.tick_at(&b, fire() + Span::seconds(60)).await.is_empty());
    posted(
        &h.tick_at(&b, fire() + Span::seconds(121)).await,
        "2026-W53",
        true,
    );
    assert_eq!(message_posts(&h), 1);
}
