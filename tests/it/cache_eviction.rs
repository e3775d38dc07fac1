//! The in-memory copies of each workspace (evidence for screening many partners, names for suggestions) are
//! dropped after 15 minutes without use, measured by the app's clock: a process that served many servers
//! at once (a digest fan-out) does not keep every copy for ever, and a workspace read again is as current.

use crate::support::ipp::{give_verdict, ok, reseller_profile};
use crate::support::{utc, TestApp};
use chrono::Duration;
use partnerfit::app::evidence_cache::IDLE_EVICTION;
use partnerfit::domain::Role;

#[tokio::test]
async fn idle_workspaces_are_evicted_after_fifteen_minutes_and_read_again_when_used() {
    assert_eq!(IDLE_EVICTION, Duration::minutes(15));
    let t = TestApp::new(utc(2026, 12, 7, 9, 0)).await;
    let (a, b) = (
        t.ctx("111", "ana", Role::Lead),
        t.ctx("222", "bo", Role::Lead),
    );
    for ctx in [&a, &b] {
        reseller_profile(&t, ctx).await;
        ok(&t, ctx, r#"/partner add name:"Acme Corp" type:reseller"#).await;
        // Three records each: the three traits of a fit.
        give_verdict(&t, ctx, "Acme Corp", "fit", "2026-12-01").await;
    }
    // The roster export reads each workspace's evidence into a copy, and a name not on the roster its names.
    for ctx in [&a, &b] {
        ok(&t, ctx, "/export what:roster").await;
        ok(&t, ctx, r#"/screen partner:"Zenith""#).await;
    }
    assert_eq!(t.app.evidence.workspaces(), 2);
    assert_eq!(t.app.evidence_records(), 6);
    assert_eq!(t.app.names.names(), 2);

    // 10 minutes on, workspace 111 is used again (a roster page screens from a copy that is there); 222 is not.
    t.clock.advance(Duration::minutes(10));
    ok(&t, &a, "/partner list").await;
    ok(&t, &a, r#"/screen partner:"Zenith""#).await;
    // Exactly 15 minutes after its last use 222 is still held (idle *more* than 15 minutes is evicted).
    t.clock.advance(Duration::minutes(5));
    assert_eq!(t.app.evidence_records(), 6);
    assert_eq!(t.app.names.names(), 2);
    // One second more: 222's copies are gone (what the partnerfit_evidence_cache_records gauge reports at a
    // scrape), 111's stay.
    t.clock.advance(Duration::seconds(1));
    assert_eq!(t.app.evidence_records(), 3);
    assert_eq!(t.app.evidence.workspaces(), 1);
    assert_eq!(t.app.names.names(), 1);

    // Written while evicted: the list shows the new partner's evidence, read for its partners alone (no copy is
    // made for a page), and the next export reads the workspace again in full.
    ok(&t, &b, r#"/partner add name:"Globex" type:reseller"#).await;
    give_verdict(&t, &b, "Globex", "walk-away", "2026-12-02").await;
    let list = ok(&t, &b, "/partner list").await.to_string();
    assert!(
        list.contains("Globex") && list.contains("walk-away"),
        "{list}"
    );
    assert_eq!(t.app.evidence.workspaces(), 1);
    ok(&t, &b, "/export what:roster").await;
    assert_eq!(t.app.evidence_records(), 3 + 6);

    // Half an hour of silence: everything goes.
    t.clock.advance(Duration::minutes(30));
    assert_eq!(t.app.evidence_records(), 0);
    assert_eq!(t.app.evidence.workspaces(), 0);
    assert_eq!(t.app.names.names(), 0);
}
