//! One vocabulary for the groups, and no verdict from a profile without traits (issue 17, items 3 and 4): the
//! screen, both digests' cards and their JSON, on a roster whose figures are worked out by hand below.

use crate::support::ipp::{ok, partner, reseller_profile};
use crate::support::{utc, TestApp};
use partnerfit::app::Ctx;
use partnerfit::domain::Role;
use serde_json::json;

/// The console text of a line that must succeed.
async fn text(t: &TestApp, ctx: &Ctx, line: &str) -> String {
    let o = partnerfit::console::handle_line(&t.app, ctx, line)
        .await
        .expect("an answer");
    assert!(o.result.is_ok(), "{line} -> {}", o.to_text());
    o.to_text()
}

/// Workspace `local`, clock Wednesday 2026-07-08 (W28, Q3). Evidence observed 2026-05-01, all signed
/// 2026-03-01:
///
/// | partner | type     | verdict                                      |
/// |---------|----------|----------------------------------------------|
/// | Alpha   | reseller | fit                                          |
/// | Charlie | reseller | walk-away                                    |
/// | Echo    | reseller | incomplete                                   |
/// | Foxtrot | si       | none: the si profile "Integrators" has no traits |
/// | Golf    | referral | none: no referral profile                    |
async fn roster(t: &TestApp, c: &Ctx) {
    reseller_profile(t, c).await;
    ok(t, c, r#"/profile create type:si name:"Integrators""#).await;
    for (name, ty, verdict) in [
        ("Alpha", "reseller", "fit"),
        ("Charlie", "reseller", "walk-away"),
        ("Echo", "reseller", "incomplete"),
        ("Foxtrot", "si", "none"),
        ("Golf", "referral", "none"),
    ] {
        partner(t, c, name, ty, verdict, "2026-05-01", Some("2026-03-01")).await;
    }
}

#[tokio::test]
async fn a_profile_without_traits_gives_no_verdict() {
    let t = TestApp::new(utc(2026, 7, 8, 12, 0)).await;
    let c = &t.ctx("local", "ana", Role::Lead);
    roster(&t, c).await;

    let s = ok(&t, c, "/screen partner:Foxtrot").await;
    assert_eq!(s["verdict"], json!(null), "{s}");
    assert_eq!(s["profile"], "Integrators");
    assert_eq!(
        (s["met"].clone(), s["missed"].clone(), s["unknown"].clone()),
        (json!(0), json!(0), json!(0))
    );
    let shown = text(&t, c, "/screen partner:Foxtrot").await;
    assert!(shown.starts_with("Foxtrot — ⚪ unscreened\n"), "{shown}");
    assert!(
        shown.contains(
            "si profile \"Integrators\" rev 1 has no traits yet, so it gives no verdict: a lead adds them with /profile trait add type:si name:\"…\""
        ),
        "{shown}"
    );
    assert!(!shown.contains("fit"), "{shown}");
    // A question gets the same answer.
    let asked = text(&t, c, "does Foxtrot fit?").await;
    assert_eq!(asked, shown);
    // The roster shows no verdict for it either, and a verdict filter of fit leaves it out.
    let fit = ok(&t, c, "/partner list verdict:fit").await;
    assert_eq!(fit["partners"].as_array().unwrap().len(), 1, "{fit}");
    assert_eq!(fit["partners"][0]["name"], "Alpha");

    // Once the profile has a trait, the partner is screened again.
    ok(
        &t,
        c,
        r#"/profile trait add type:si name:"Joint delivery" verify_by:"a reference call""#,
    )
    .await;
    let s = ok(&t, c, "/screen partner:Foxtrot").await;
    assert_eq!(s["verdict"], "incomplete");
    assert_eq!(s["verify_next"], json!(["Joint delivery"]));
}

/// W27 (Jun 29 - Jul 5): Alpha 10 h $100, Charlie 4 h $50, Echo 3 h, Foxtrot 2 h $20, Golf 1 h.
/// Groups: matching 10 h $100; walk-away 4 h $50; incomplete 3 h $0; unscreened (Foxtrot, Golf) 3 h $20.
/// The buckets keep incomplete and unscreened together: unscreened 6 h $20. Matching share of hours
/// 10 / 20 = 0.5, of spend 100 / 170. (Were Foxtrot screened `fit` by a traitless profile, matching would be
/// 12 h $120 and the hours share 0.6.)
#[tokio::test]
async fn the_weekly_digest_names_four_groups() {
    let t = TestApp::new(utc(2026, 7, 8, 12, 0)).await;
    let c = &t.ctx("local", "ana", Role::Lead);
    roster(&t, c).await;
    for line in [
        "/log hours partner:Alpha hours:10 week:2026-W27",
        "/log spend partner:Alpha amount:100 week:2026-W27",
        "/log hours partner:Charlie hours:4 week:2026-W27",
        "/log spend partner:Charlie amount:50 week:2026-W27",
        "/log hours partner:Echo hours:3 week:2026-W27",
        "/log hours partner:Foxtrot hours:2 week:2026-W27",
        "/log spend partner:Foxtrot amount:20 week:2026-W27",
        "/log hours partner:Golf hours:1 week:2026-W27",
    ] {
        ok(&t, c, line).await;
    }
    let totals = |h: f64, s: f64| json!({"hours": h, "spend": s});
    let d = ok(&t, c, "/digest weekly week:2026-W27").await;
    assert_eq!(
        d["buckets"],
        json!({
            "matching": totals(10.0, 100.0),
            "not-matching": totals(4.0, 50.0),
            "unscreened": totals(6.0, 20.0),
        })
    );
    assert_eq!(
        d["groups"],
        json!({
            "matching": totals(10.0, 100.0),
            "walk-away": totals(4.0, 50.0),
            "incomplete": totals(3.0, 0.0),
            "unscreened": totals(3.0, 20.0),
        })
    );
    assert_eq!(d["matching_share_hours"], 0.5);
    assert_eq!(d["top_not_matching"][0]["partner"], "Charlie");

    let card = text(&t, c, "/digest weekly week:2026-W27").await;
    for heading in [
        "Matching (fit, near-fit): 10 h",
        "Walk-away: 4 h",
        "Incomplete (traits to verify): 3 h",
        "Unscreened (no profile or no traits): 3 h",
    ] {
        assert!(card.contains(heading), "{heading:?} in\n{card}");
    }
    assert!(!card.contains("Not matching"), "{card}");
}

/// Q2 2026 (Apr 1 - Jun 30), sourced pipeline dated in Q2: Alpha 1,000, Charlie 200, Echo 300, Foxtrot 400,
/// Golf 500. Matching: Alpha (n 1, total 1,000). Everyone else: n 4, total 1,400 — 1 walk-away (200),
/// 1 incomplete (300), 2 unscreened (Foxtrot and Golf, 900).
#[tokio::test]
async fn the_quarterly_card_says_what_it_compares() {
    let t = TestApp::new(utc(2026, 7, 8, 12, 0)).await;
    let c = &t.ctx("local", "ana", Role::Lead);
    roster(&t, c).await;
    for (p, amount) in [
        ("Alpha", 1000),
        ("Charlie", 200),
        ("Echo", 300),
        ("Foxtrot", 400),
        ("Golf", 500),
    ] {
        ok(
            &t,
            c,
            &format!(
                "/outcome add partner:{p} kind:sourced-pipeline amount:{amount} date:2026-05-10"
            ),
        )
        .await;
    }
    let q = ok(&t, c, "/digest quarterly quarter:2026-Q2").await;
    assert_eq!(
        (q["matching"]["n"].clone(), q["not_matching"]["n"].clone()),
        (json!(1), json!(4))
    );
    assert_eq!(q["not_matching"]["total"], 1400.0);
    assert_eq!(
        q["groups"],
        json!({
            "matching": {"n": 1, "total": 1000.0},
            "walk-away": {"n": 1, "total": 200.0},
            "incomplete": {"n": 1, "total": 300.0},
            "unscreened": {"n": 2, "total": 900.0},
        })
    );
    let card = text(&t, c, "/digest quarterly quarter:2026-Q2").await;
    assert!(
        card.contains("Compared: each partner's sourced pipeline dated in 2026-Q2, matching partners against everyone else."),
        "{card}"
    );
    assert!(
        card.contains("Matching (fit, near-fit):\n  n 1 · "),
        "{card}"
    );
    assert!(
        card.contains("Everyone else:\n  1 walk-away · 1 incomplete · 2 unscreened\n  n 4 · "),
        "{card}"
    );
    assert!(!card.contains("Not matching"), "{card}");
}
