//! What the weekly card says beside its figures: the share against the target, a share that cannot be
//! computed, the neglected partners' weeks, and a week that has not ended (METHOD.md, "The weekly allocation
//! check"). The figures are checked in `super`; here, the words.

use crate::support::ipp::{num, ok, partner, reseller_profile};
use crate::support::{utc, TestApp};
use partnerfit::domain::Role;
use serde_json::Value;

/// The card of `line` in workspace `local`, as text.
async fn card_text(t: &TestApp, line: &str) -> String {
    partnerfit::console::handle_line(&t.app, &t.ctx("local", "ana", Role::Lead), line)
        .await
        .unwrap()
        .to_text()
}

/// The card's words agree with its figures (clock Wednesday 2026-07-08, in 2026-W28). In W27, Alpha and Bravo
/// (fit) took 100 h and 99 h, Charlie (walk-away) 51 h, and no spend was logged: the hours share is
/// 199 / 250 = 0.796, under the 0.80 target, so it is printed `79.6%` (as a whole percentage it would read as
/// the target's 80%). Delta (fit, signed) took nothing in W24..W27: neglected, and the card names those weeks.
#[tokio::test]
async fn the_weekly_card_reads_as_its_figures() {
    let t = TestApp::new(utc(2026, 7, 8, 12, 0)).await;
    let ctx = t.ctx("local", "ana", Role::Lead);
    let c = &ctx;
    reseller_profile(&t, c).await;
    for (name, verdict) in [
        ("Alpha", "fit"),
        ("Bravo", "fit"),
        ("Charlie", "walk-away"),
        ("Delta", "fit"),
    ] {
        partner(
            &t,
            c,
            name,
            "reseller",
            verdict,
            "2026-05-01",
            Some("2026-03-01"),
        )
        .await;
    }
    for line in [
        "/log hours partner:Alpha hours:100 week:2026-W27",
        "/log hours partner:Bravo hours:99 week:2026-W27",
        "/log hours partner:Charlie hours:51 week:2026-W27",
    ] {
        ok(&t, c, line).await;
    }
    let d = ok(&t, c, "/digest weekly week:2026-W27").await;
    assert_eq!(num(&d, "matching_share_hours"), 0.796);
    assert_eq!(d["matching_share_spend"], Value::Null);
    assert_eq!(d["status"], "drifting");
    let card = card_text(&t, "/digest weekly week:2026-W27").await;
    for part in [
        "Weekly allocation check 2026-W27: drifting",
        "2026-06-29 to 2026-07-05: 250 h and $0 logged. Matching partners got 79.6% of the hours (target 80%); no spend was logged.",
        "Neglected matching partners (1): no hours or spend in 2026-W24 to 2026-W27",
        "W27 79.6%",
    ] {
        assert!(card.contains(part), "{part:?} in\n{card}");
    }
    assert!(!card.contains("— of the"), "{card}");

    // Spend without hours: the hours share cannot be computed.
    ok(&t, c, "/log spend partner:Alpha amount:300 week:2026-W26").await;
    ok(&t, c, "/log spend partner:Charlie amount:100 week:2026-W26").await;
    let card = card_text(&t, "/digest weekly week:2026-W26").await;
    assert!(
        card.contains("No hours were logged; matching partners got 75% of the spend (target 80%)."),
        "{card}"
    );

    // This week has not ended: its title says how far its data goes, the JSON is the same object.
    ok(&t, c, "/log hours partner:Alpha hours:2").await;
    let card = card_text(&t, "/digest weekly week:2026-W28").await;
    assert!(
        card.contains(
            "Weekly allocation check 2026-W28 (in progress: data up to 2026-07-08): on target"
        ),
        "{card}"
    );
    let card = card_text(&t, "/digest weekly week:2026-W29").await;
    assert!(
        card.contains(
            "Weekly allocation check 2026-W29 (not started yet: today is 2026-07-08): no data"
        ),
        "{card}"
    );
    assert!(!card_text(&t, "/digest weekly week:2026-W27")
        .await
        .contains("in progress"));
    let keys = |v: &Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
    assert_eq!(
        keys(&ok(&t, c, "/digest weekly week:2026-W28").await),
        keys(&d)
    );
}
