//! The system clock stepped while the scheduler runs (issue 22, item 1): one scheduler instance, ticked at the
//! instants its clock reads after each step. Weekly digest on Mondays at 09:00 UTC, set on Friday 2027-01-01;
//! Monday 2027-01-04 covers 2026-W53, 01-11 covers 2027-W01, and so on. No period is posted twice, none is
//! skipped, a jump past several fire times posts only the latest (marked late), and a lease or back-off set
//! before a step back does not hold a run back for the length of the step.

use super::{at, posted, Harness};
use crate::support::bot::message_title;
use crate::support::fake_discord::PARTNERS_CHANNEL_ID;
use chrono::Duration as Span;
use partnerfit::schedule::runner::RunOutcome;

fn titles(h: &Harness) -> Vec<String> {
    h.posts(PARTNERS_CHANNEL_ID)
        .iter()
        .map(|p| message_title(p).to_string())
        .collect()
}

/// Stepped back an hour just before the fire time, and again just after the post: the period is posted once,
/// on time, when the clock reaches 09:00 the second time round too.
#[tokio::test]
async fn stepped_back_an_hour_no_period_is_posted_twice() {
    let h = Harness::weekly_on_mondays().await;
    let s = h.scheduler("a");
    assert!(h.tick_at(&s, at(2027, 1, 4, 8, 59, 30)).await.is_empty());
    // back an hour before the fire: nothing until 09:00 comes
    for t in [at(2027, 1, 4, 7, 59, 30), at(2027, 1, 4, 8, 59, 59)] {
        assert!(h.tick_at(&s, t).await.is_empty(), "{t}");
    }
    posted(
        &h.tick_at(&s, at(2027, 1, 4, 9, 0, 0)).await,
        "2026-W53",
        false,
    );
    assert!(h.tick_at(&s, at(2027, 1, 4, 9, 0, 5)).await.is_empty());
    // back an hour after the post: 09:00 comes again, and the period is not posted again
    for t in [
        at(2027, 1, 4, 8, 0, 5),
        at(2027, 1, 4, 8, 59, 59),
        at(2027, 1, 4, 9, 0, 0),
        at(2027, 1, 4, 9, 0, 5),
        at(2027, 1, 4, 9, 30, 0),
    ] {
        assert!(h.tick_at(&s, t).await.is_empty(), "{t}");
    }
    // the next Monday is posted once, on time
    posted(
        &h.tick_at(&s, at(2027, 1, 11, 9, 0, 0)).await,
        "2027-W01",
        false,
    );
    assert!(h.tick_at(&s, at(2027, 1, 11, 9, 0, 1)).await.is_empty());
    let titles = titles(&h);
    assert_eq!(titles.len(), 2, "{titles:?}");
    assert!(titles[0].starts_with("Weekly allocation check 2026-W53"));
    assert!(titles[1].starts_with("Weekly allocation check 2027-W01"));
    assert!(titles.iter().all(|t| !t.contains("late")), "{titles:?}");
}

/// Stepped forward a day across a fire time (Sunday noon to Monday noon): that period is posted at once,
/// marked late (three hours after its fire time), not skipped. When the clock is set right again, Monday 09:00
/// comes a second time and posts nothing. A day's step that passes no fire time posts nothing.
#[tokio::test]
async fn stepped_forward_a_day_no_period_is_skipped() {
    let h = Harness::weekly_on_mondays().await;
    let s = h.scheduler("a");
    assert!(h.tick_at(&s, at(2027, 1, 3, 12, 0, 0)).await.is_empty());
    posted(
        &h.tick_at(&s, at(2027, 1, 4, 12, 0, 0)).await,
        "2026-W53",
        true,
    );
    // set right again: Sunday noon, then Monday 09:00 for the second time
    for t in [
        at(2027, 1, 3, 12, 0, 1),
        at(2027, 1, 4, 9, 0, 0),
        at(2027, 1, 4, 12, 0, 1),
    ] {
        assert!(h.tick_at(&s, t).await.is_empty(), "{t}");
    }
    // Tuesday noon to Wednesday noon: no fire time in between
    assert!(h.tick_at(&s, at(2027, 1, 5, 12, 0, 0)).await.is_empty());
    assert!(h.tick_at(&s, at(2027, 1, 6, 12, 0, 0)).await.is_empty());
    posted(
        &h.tick_at(&s, at(2027, 1, 11, 9, 0, 0)).await,
        "2027-W01",
        false,
    );
    let titles = titles(&h);
    assert_eq!(titles.len(), 2, "{titles:?}");
    assert!(titles[0].starts_with("Weekly allocation check 2026-W53 (late)"));
    assert!(!titles[1].contains("late"), "{titles:?}");
}

/// A jump of a month, just after a post, past four fire times (01-11, 01-18, 01-25, 02-01): only the latest
/// period, 2027-W04, is posted, once, marked late; the next Monday is on time again.
#[tokio::test]
async fn a_jump_past_several_periods_posts_only_the_latest_marked_late() {
    let h = Harness::weekly_on_mondays().await;
    let s = h.scheduler("a");
    posted(
        &h.tick_at(&s, at(2027, 1, 4, 9, 0, 0)).await,
        "2026-W53",
        false,
    );
    posted(
        &h.tick_at(&s, at(2027, 2, 3, 12, 0, 0)).await,
        "2027-W04",
        true,
    );
    for t in [at(2027, 2, 3, 12, 0, 1), at(2027, 2, 8, 8, 59, 59)] {
        assert!(h.tick_at(&s, t).await.is_empty(), "{t}");
    }
    posted(
        &h.tick_at(&s, at(2027, 2, 8, 9, 0, 0)).await,
        "2027-W05",
        false,
    );
    let titles = titles(&h);
    assert_eq!(titles.len(), 3, "{titles:?}");
    assert!(titles[1].starts_with("Weekly allocation check 2027-W04 (late)"));
    assert!(!titles[2].contains("late"), "{titles:?}");
}

/// A post fails (500) at 09:00 and is to be retried after its 30 s back-off; then the clock is stepped back an
/// hour. The back-off stored in the clock's old time would hold the retry back an hour: the run is retried at
/// the next tick instead, posted once, and not again when 09:00:30 comes round.
#[tokio::test]
async fn a_back_off_set_before_a_step_back_does_not_hold_the_retry_for_an_hour() {
    let h = Harness::weekly_on_mondays().await;
    let s = h.scheduler("a");
    h.fake
        .fail_next(&format!("/channels/{PARTNERS_CHANNEL_ID}/messages"), 500, 1);
    let r = h.tick_at(&s, at(2027, 1, 4, 9, 0, 0)).await;
    assert!(
        matches!(&r[..], [r] if matches!(r.outcome, RunOutcome::WillRetry { .. })),
        "{r:?}"
    );
    posted(
        &h.tick_at(&s, at(2027, 1, 4, 8, 0, 1)).await,
        "2026-W53",
        false,
    );
    for t in [at(2027, 1, 4, 9, 0, 0), at(2027, 1, 4, 9, 0, 31)] {
        assert!(h.tick_at(&s, t).await.is_empty(), "{t}");
    }
    assert_eq!(h.attempts(PARTNERS_CHANNEL_ID), 2);
    assert_eq!(h.posts(PARTNERS_CHANNEL_ID).len(), 1);
}

/// A process claims 09:00's period (lease until 09:02) and dies; the clock is stepped back an hour. The
/// survivor takes the run over at its next tick rather than at 09:02 an hour later, and posts it once. A
/// lease that ends within two leases of now is still respected (the claimer may be alive).
#[tokio::test]
async fn a_dead_claim_is_taken_over_after_a_step_back_without_waiting_for_the_step() {
    let h = Harness::weekly_on_mondays().await;
    let fire = at(2027, 1, 4, 9, 0, 0);
    h.claimed_by_a_process_that_dies("2026-W53", fire).await;
    let s = h.scheduler("survivor");
    // stepped back 100 s: 09:02 is within two leases (240 s) of 08:58:20, so the claim holds
    assert!(h.tick_at(&s, fire - Span::seconds(100)).await.is_empty());
    assert_eq!(h.attempts(PARTNERS_CHANNEL_ID), 0);
    // stepped back an hour: the lease was set before the step
    posted(
        &h.tick_at(&s, fire - Span::hours(1)).await,
        "2026-W53",
        false,
    );
    for t in [fire, fire + Span::seconds(121), fire + Span::hours(1)] {
        assert!(h.tick_at(&s, t).await.is_empty(), "{t}");
    }
    assert_eq!(h.posts(PARTNERS_CHANNEL_ID).len(), 1);
}
