//! What the quarterly card says about its verdict, on the hand-built cohorts of `super::cohort` (the clock is
//! Wednesday 2026-07-08, in 2026-Q3; every outcome is dated 2026-05-10, in 2026-Q2). The verdicts and figures
//! are the method's (METHOD.md, "The quarterly re-check"); only the words are checked here.

use super::{cohort, recheck};
use crate::support::ipp::{ok, partner, reseller_profile};
use crate::support::{utc, TestApp};
use partnerfit::app::Ctx;
use partnerfit::domain::Role;
use serde_json::Value;

/// The card of `line` as text.
async fn card(t: &TestApp, c: &Ctx, line: &str) -> String {
    partnerfit::console::handle_line(&t.app, c, line)
        .await
        .unwrap()
        .to_text()
}

#[track_caller]
fn has(text: &str, part: &str) {
    assert!(text.contains(part), "{part:?} in\n{text}");
}

#[track_caller]
fn lacks(text: &str, part: &str) {
    assert!(!text.contains(part), "no {part:?} in\n{text}");
}

/// 3 matching and 4 other partners with no outcomes: every production is 0, the medians are equal and the
/// verdict is the method's `revise`, but the card leads with the empty quarter and never says the profile is
/// wrong; the weekly card's hint that rests on it says the same.
#[tokio::test]
async fn a_quarter_without_outcomes_says_so_before_its_verdict() {
    let t = TestApp::new(utc(2026, 7, 8, 12, 0)).await;
    let c = cohort(&t, "local", &[0.0; 3], &[0.0; 4]).await;
    let d = recheck(&t, &c, "2026-Q2").await;
    assert_eq!(d["verdict"], "revise");
    let text = card(&t, &c, "/digest quarterly quarter:2026-Q2").await;
    has(&text, "Quarterly re-check 2026-Q2: revise");
    has(
        &text,
        "No sourced pipeline was logged for the cohort's partners in 2026-Q2, so the figures compare zeros and \
         this verdict says nothing about the profile yet. Log outcomes with /outcome add, then run \
         /digest quarterly quarter:2026-Q2 again.\n\
         REVISE — by the rule alone: the median of matching partners ($0) is not above everyone else's ($0).",
    );
    lacks(&text, "the profile is wrong");

    // A drifting week after that re-check was posted: the hint is the method's, its words say why it proves
    // nothing yet.
    ok(&t, &c, "/digest quarterly quarter:2026-Q2 post:true").await;
    ok(&t, &c, "/log hours partner:N0 hours:5 week:2026-W27").await;
    let w = ok(&t, &c, "/digest weekly week:2026-W27").await;
    assert_eq!(w["hint"], "profile-may-be-wrong");
    let text = card(&t, &c, "/digest weekly week:2026-W27").await;
    has(
        &text,
        "The profile may be wrong, but nothing shows it yet: the latest re-check (2026-Q2) said revise with no \
         sourced pipeline logged for its partners in 2026-Q2: it compared zeros, which says nothing about the \
         profile. Log outcomes with /outcome add, then post the re-check again \
         (/digest quarterly quarter:2026-Q2 post:true); meanwhile, move time and money back to partners that \
         match the profile.",
    );

    // With pipeline logged, revise means what the method says.
    ok(
        &t,
        &c,
        r#"/outcome add partner:N0 kind:sourced-pipeline amount:500 date:2026-05-10"#,
    )
    .await;
    let text = card(&t, &c, "/digest quarterly quarter:2026-Q2").await;
    lacks(&text, "No sourced pipeline");
    has(
        &text,
        "REVISE — matching partners do not outperform: the profile is wrong.",
    );
}

/// Insufficient data names the groups' sizes, min_group, and what would fill the short group.
#[tokio::test]
async fn insufficient_data_says_how_many_and_what_to_do() {
    let t = TestApp::new(utc(2026, 7, 8, 12, 0)).await;
    // 2 matching; 4 others: N0 walk-away, N1 incomplete, N2 no profile, N3 walk-away.
    let c = cohort(
        &t,
        "short",
        &[5000.0, 7000.0],
        &[100.0, 200.0, 300.0, 400.0],
    )
    .await;
    assert_eq!(
        recheck(&t, &c, "2026-Q2").await["verdict"],
        "insufficient-data"
    );
    let text = card(&t, &c, "/digest quarterly quarter:2026-Q2").await;
    has(
        &text,
        "INSUFFICIENT DATA — the cohort has 2 matching and 4 other partners; each group needs at least \
         min_group (3) to compare, so this says nothing about the profile yet. Record evidence for the 1 \
         incomplete partner not judged yet (/evidence add): those that fit join the matching group. Or wait \
         for more signed partners.",
    );
    lacks(&text, "Log outcomes");
    // Everyone matches: the other group is the short one.
    let c = cohort(&t, "all-matching", &[100.0, 200.0, 300.0], &[]).await;
    let text = card(&t, &c, "/digest quarterly quarter:2026-Q2").await;
    has(
        &text,
        "INSUFFICIENT DATA — the cohort has 3 matching and 0 other partners; each group needs at least \
         min_group (3) to compare, so this says nothing about the profile yet. Wait for more signed partners, \
         and screen them as they sign.",
    );
}

/// Not proven says which condition of hold failed, with its values.
#[tokio::test]
async fn not_proven_says_why() {
    let t = TestApp::new(utc(2026, 7, 8, 12, 0)).await;
    // Medians 3000 > 2500, means 3000 > 2833.33, p 0.5 >= alpha 0.10.
    let c = cohort(
        &t,
        "p",
        &[1000.0, 3000.0, 5000.0],
        &[2000.0, 2500.0, 4000.0],
    )
    .await;
    let text = card(&t, &c, "/digest quarterly quarter:2026-Q2").await;
    has(
        &text,
        "NOT PROVEN — the median of matching partners is higher ($3,000 against $2,500), but not clearly \
         enough to hold the profile: p 0.5000 is not below alpha 0.1.",
    );
    // p 0.0014 < alpha, but one huge other partner makes their mean higher (medians 14.5 > 4.5).
    let matching: Vec<f64> = (10..20).map(f64::from).collect();
    let mut others: Vec<f64> = (0..9).map(f64::from).collect();
    others.push(1_000_000.0);
    let c = cohort(&t, "mean", &matching, &others).await;
    let text = card(&t, &c, "/digest quarterly quarter:2026-Q2").await;
    has(
        &text,
        "NOT PROVEN — the median of matching partners is higher ($14.50 against $4.50), but not clearly \
         enough to hold the profile: the mean of matching partners ($14.50) is not higher than everyone \
         else's ($100k).",
    );
    has(&text, "· p 0.0014 (one-sided, alpha 0.1)");
}

/// A p-value below 0.0001 is printed as such, never as 0: 8 matching partners above 8 others, no ties, so the
/// exact p is 1 / C(16, 8) = 1/12870 ≈ 0.0000777.
#[tokio::test]
async fn p_values_below_the_floor_are_not_zero() {
    let t = TestApp::new(utc(2026, 7, 8, 12, 0)).await;
    let matching: Vec<f64> = (1..=8).map(|i| 10_000.0 + f64::from(i)).collect();
    let others: Vec<f64> = (1..=8).map(|i| 100.0 + f64::from(i)).collect();
    let c = cohort(&t, "floor", &matching, &others).await;
    let d = recheck(&t, &c, "2026-Q2").await;
    assert_eq!(d["method"], "exact");
    let p = d["p_value"].as_f64().unwrap();
    assert!((p - 1.0 / 12870.0).abs() < 1e-12, "{p}");
    let text = card(&t, &c, "/digest quarterly quarter:2026-Q2").await;
    has(
        &text,
        "Mann-Whitney U 64.0 · p < 0.0001 (one-sided, alpha 0.1)",
    );
    lacks(&text, "p 0.0000");
    // The traits' p-values are printed the same way, with four decimals.
    for line in text.lines().filter(|l| l.contains("] ")) {
        assert!(
            line.ends_with("p —)") || line.contains(", p < 0.0001)") || {
                let p = line.rsplit(", p ").next().unwrap().trim_end_matches(')');
                p.len() == 6 && p.parse::<f64>().is_ok()
            },
            "{line}"
        );
    }
}

/// A quarter that has not ended reads as unfinished in its title (the JSON is the same object), and registered
/// deals are counted in words that agree with their number.
#[tokio::test]
async fn an_unfinished_quarter_and_deal_counts() {
    let t = TestApp::new(utc(2026, 7, 8, 12, 0)).await;
    let c = t.ctx("local", "ana", Role::Lead);
    reseller_profile(&t, &c).await;
    partner(
        &t,
        &c,
        "Acme",
        "reseller",
        "fit",
        "2026-02-01",
        Some("2026-01-15"),
    )
    .await;
    for date in ["2026-05-10", "2026-07-02", "2026-07-03"] {
        ok(
            &t,
            &c,
            &format!("/outcome add partner:Acme kind:registered-deal date:{date}"),
        )
        .await;
    }
    let text = card(&t, &c, "/digest quarterly quarter:2026-Q3").await;
    has(
        &text,
        "Quarterly re-check 2026-Q3 (in progress: data up to 2026-07-08): insufficient-data",
    );
    has(&text, "2 registered deals");
    let text = card(&t, &c, "/digest quarterly quarter:2026-Q2").await;
    has(&text, "Quarterly re-check 2026-Q2: insufficient-data");
    lacks(&text, "in progress");
    has(&text, "1 registered deal ·");
    has(&text, "0 registered deals ·");
    let text = card(&t, &c, "/digest quarterly quarter:2026-Q4").await;
    has(
        &text,
        "Quarterly re-check 2026-Q4 (not started yet: today is 2026-07-08): insufficient-data",
    );
    // The mark is the card's alone.
    let d = recheck(&t, &c, "2026-Q3").await;
    let keys: Vec<&String> = d.as_object().unwrap().keys().collect();
    let ended = recheck(&t, &c, "2026-Q2").await;
    assert_eq!(keys, ended.as_object().unwrap().keys().collect::<Vec<_>>());
    assert_eq!(d["late"], Value::Bool(false));
}
