//! The quarterly re-check, driven through the console on hand-built cohorts (METHOD.md, "The quarterly
//! re-check"; field names from COMMANDS.md). Every U, p-value, mean, median and lift below was computed
//! outside this repository with `scipy.stats.mannwhitneyu(matching, non_matching, alternative='greater')`
//! (scipy 1.17.1) and numpy, and is pasted with full precision; the comparison is to 1e-9 relative.

mod cards;
mod scipy;

use crate::support::ipp::{
    close, close_field, err, give_verdict, names, num, ok, partner, reseller_profile,
};
use crate::support::{utc, TestApp};
use partnerfit::app::Ctx;
use partnerfit::domain::Role;
use serde_json::{json, Value};

/// What scipy/numpy said about one comparison.
#[derive(Debug, Clone, Copy)]
struct Expect {
    /// (n, mean, median, total) of the matching group, then of the non-matching one.
    m: (u64, Option<f64>, Option<f64>, f64),
    n: (u64, Option<f64>, Option<f64>, f64),
    lift: Option<f64>,
    /// (U, p)
    test: Option<(f64, f64)>,
    verdict: &'static str,
}

#[track_caller]
fn opt_close(v: &Value, expected: Option<f64>, what: &str) {
    match expected {
        None => assert_eq!(*v, Value::Null, "{what} should be null"),
        Some(e) => close(
            v.as_f64()
                .unwrap_or_else(|| panic!("{what} is not a number: {v}")),
            e,
            what,
        ),
    }
}

#[track_caller]
fn check(d: &Value, e: Expect) {
    for (key, g) in [("matching", e.m), ("not_matching", e.n)] {
        let got = &d[key];
        assert_eq!(got["n"], json!(g.0), "{key}.n in {d}");
        opt_close(&got["mean"], g.1, &format!("{key}.mean"));
        opt_close(&got["median"], g.2, &format!("{key}.median"));
        close(num(got, "total"), g.3, &format!("{key}.total"));
    }
    opt_close(&d["lift"], e.lift, "lift");
    opt_close(&d["u"], e.test.map(|t| t.0), "u");
    opt_close(&d["p_value"], e.test.map(|t| t.1), "p_value");
    assert_eq!(d["verdict"], e.verdict, "{d}");
}

fn money(cents: i64) -> String {
    format!("{}.{:02}", cents / 100, cents % 100)
}

/// A cohort member: added with the verdict `kind` (fit, near-fit, walk-away, incomplete, or `si` for a type
/// without a profile), evidence observed 2026-02-01, signed 2026-01-15, and one sourced-pipeline outcome per
/// amount (in cents) dated 2026-05-10, inside 2026-Q2.
async fn member(t: &TestApp, c: &Ctx, name: &str, kind: &str, amounts_cents: &[i64]) {
    let (ty, verdict) = match kind {
        "si" => ("si", "none"),
        k => ("reseller", k),
    };
    partner(t, c, name, ty, verdict, "2026-02-01", Some("2026-01-15")).await;
    for a in amounts_cents {
        ok(
            t,
            c,
            &format!(
                r#"/outcome add partner:"{name}" kind:sourced-pipeline amount:{} date:2026-05-10"#,
                money(*a)
            ),
        )
        .await;
    }
}

/// A workspace with the reseller profile and the given productions (dollars). Non-matching partners cycle
/// through walk-away, incomplete and no profile: all three count as not matching.
async fn cohort(t: &TestApp, ws: &str, matching: &[f64], non_matching: &[f64]) -> Ctx {
    let c = t.ctx(ws, "ana", Role::Lead);
    reseller_profile(t, &c).await;
    let cents = |v: f64| -> Vec<i64> {
        let c = (v * 100.0).round() as i64;
        if c == 0 {
            vec![] // a partner with no outcomes produces 0
        } else {
            vec![c]
        }
    };
    for (i, v) in matching.iter().enumerate() {
        let kind = if i % 2 == 0 { "fit" } else { "near-fit" };
        member(t, &c, &format!("M{i}"), kind, &cents(*v)).await;
    }
    for (i, v) in non_matching.iter().enumerate() {
        let kind = ["walk-away", "incomplete", "si"][i % 3];
        member(t, &c, &format!("N{i}"), kind, &cents(*v)).await;
    }
    c
}

async fn recheck(t: &TestApp, c: &Ctx, quarter: &str) -> Value {
    ok(t, c, &format!("/digest quarterly quarter:{quarter}")).await
}

/// Cohort edges, which outcomes count, traits, recruitment — one quarter worked through.
///
/// 2026-Q2 is 04-01..06-30; the clock is 2026-07-08. Evidence observed 2026-02-01 unless said otherwise.
///
/// | partner        | verdict at 06-30                 | signed / dropped          | in cohort | Q2 sourced pipeline |
/// |----------------|----------------------------------|---------------------------|-----------|---------------------|
/// | Last Day       | fit                              | signed 06-30              | yes       | 10,000 (+5,000 on 07-01 out; closed-won 7,000 apart) |
/// | First Day Drop | fit                              | 01-10, dropped 04-01      | yes       | 2,500.50 (+1,000 on 03-31 out; 1 registered deal) |
/// | Later Drop     | near-fit (champion missed)       | 01-10, dropped 07-02      | yes       | 30,000 (40,000 retracted; 1 registered deal with 8,000) |
/// | Mid Drop       | walk-away                        | 01-10, dropped 05-15      | yes       | 1,200 (closed-won 3,000 apart) |
/// | Stale          | incomplete (evidence 2025-06-01, 394 days old at 06-30) | 01-10 | yes   | none -> 0 |
/// | No Profile     | si, no profile                   | signed 04-15              | yes       | 800 |
/// | Halfway        | incomplete (one trait known)     | signed 05-01              | yes       | 12,000 (2 registered deals) |
/// | Late Evidence  | incomplete (its evidence is observed 07-03) | 02-01          | yes       | none -> 0 |
/// | Signed After   | fit                              | signed 07-01              | no        | (99,999) |
/// | Dropped Before | fit                              | 01-10, dropped 03-31      | no        | (50,000) |
/// | Prospect       | fit                              | never signed              | no        | (77,777) |
///
/// matching [10000, 2500.5, 30000], not matching [1200, 0, 800, 12000, 0] (ties: asymptotic path).
#[tokio::test]
async fn cohort_edges_production_traits_and_recruitment() {
    let t = TestApp::new(utc(2026, 7, 8, 12, 0)).await;
    let ctx = t.ctx("local", "ana", Role::Lead);
    let c = &ctx;
    reseller_profile(&t, c).await;
    let obs = "2026-02-01";
    partner(
        &t,
        c,
        "Last Day",
        "reseller",
        "fit",
        obs,
        Some("2026-06-30"),
    )
    .await;
    for (name, verdict) in [
        ("First Day Drop", "fit"),
        ("Later Drop", "near-fit"),
        ("Mid Drop", "walk-away"),
        ("Dropped Before", "fit"),
    ] {
        partner(&t, c, name, "reseller", verdict, obs, Some("2026-01-10")).await;
    }
    partner(
        &t,
        c,
        "Stale",
        "reseller",
        "fit",
        "2025-06-01",
        Some("2026-01-10"),
    )
    .await;
    partner(&t, c, "No Profile", "si", "none", obs, Some("2026-04-15")).await;
    partner(
        &t,
        c,
        "Halfway",
        "reseller",
        "incomplete",
        obs,
        Some("2026-05-01"),
    )
    .await;
    partner(
        &t,
        c,
        "Late Evidence",
        "reseller",
        "none",
        obs,
        Some("2026-02-01"),
    )
    .await;
    give_verdict(&t, c, "Late Evidence", "fit", "2026-07-03").await;
    partner(
        &t,
        c,
        "Signed After",
        "reseller",
        "fit",
        obs,
        Some("2026-07-01"),
    )
    .await;
    partner(&t, c, "Prospect", "reseller", "fit", obs, None).await;
    for (name, date) in [
        ("First Day Drop", "2026-04-01"),
        ("Mid Drop", "2026-05-15"),
        ("Later Drop", "2026-07-02"),
        ("Dropped Before", "2026-03-31"),
    ] {
        ok(
            &t,
            c,
            &format!(r#"/partner drop partner:"{name}" reason:"churned" date:{date}"#),
        )
        .await;
    }
    for line in [
        r#"/outcome add partner:"Last Day" kind:sourced-pipeline amount:"$10,000" date:2026-06-30"#,
        r#"/outcome add partner:"Last Day" kind:sourced-pipeline amount:5000 date:2026-07-01"#,
        r#"/outcome add partner:"Last Day" kind:closed-won amount:7000 date:2026-06-15"#,
        r#"/outcome add partner:"First Day Drop" kind:sourced-pipeline amount:"2,500.50" date:2026-04-01"#,
        r#"/outcome add partner:"First Day Drop" kind:sourced-pipeline amount:1000 date:2026-03-31"#,
        r#"/outcome add partner:"First Day Drop" kind:registered-deal date:2026-05-05"#,
        r#"/outcome add partner:"Later Drop" kind:sourced-pipeline amount:30000 date:2026-05-21"#,
        r#"/outcome add partner:"Later Drop" kind:registered-deal amount:8000 date:2026-05-22"#,
        r#"/outcome add partner:"Mid Drop" kind:sourced-pipeline amount:1200 date:2026-05-10"#,
        r#"/outcome add partner:"Mid Drop" kind:closed-won amount:3000 date:2026-05-11"#,
        r#"/outcome add partner:"No Profile" kind:sourced-pipeline amount:800 date:2026-06-01"#,
        r#"/outcome add partner:"Halfway" kind:sourced-pipeline amount:12000 date:2026-06-02"#,
        r#"/outcome add partner:"Halfway" kind:registered-deal date:2026-06-03"#,
        r#"/outcome add partner:"Halfway" kind:registered-deal date:2026-06-04"#,
        r#"/outcome add partner:"Signed After" kind:sourced-pipeline amount:99999 date:2026-05-01"#,
        r#"/outcome add partner:"Dropped Before" kind:sourced-pipeline amount:50000 date:2026-03-15"#,
        r#"/outcome add partner:"Prospect" kind:sourced-pipeline amount:77777 date:2026-05-01"#,
    ] {
        ok(&t, c, line).await;
    }
    let wrong = ok(
        &t,
        c,
        r#"/outcome add partner:"Later Drop" kind:sourced-pipeline amount:40000 date:2026-05-20"#,
    )
    .await["id"]
        .as_i64()
        .unwrap();
    ok(
        &t,
        c,
        &format!(r#"/outcome retract id:{wrong} reason:"duplicate of the 05-21 deal""#),
    )
    .await;

    let d = recheck(&t, c, "2026-Q2").await;
    assert_eq!(d["quarter"], "2026-Q2");
    assert_eq!(d["cohort"], 8);
    check(
        &d,
        Expect {
            m: (3, Some(14166.833333333334), Some(10000.0), 42500.5),
            n: (5, Some(2800.0), Some(800.0), 14000.0),
            lift: Some(5.059583333333333),
            test: Some((13.0, 0.0668505629044819)),
            verdict: "hold",
        },
    );
    assert_eq!(d["method"], "asymptotic");
    // registered deals and closed-won are reported apart and never count as production
    assert_eq!(d["matching"]["registered_deals"], 2);
    assert_eq!(d["not_matching"]["registered_deals"], 2);
    assert_eq!(num(&d["matching"], "closed_won"), 7000.0);
    assert_eq!(num(&d["not_matching"], "closed_won"), 3000.0);
    // recruitment: signed in Q2 are Last Day (matching), No Profile and Halfway -> 1/3
    assert_eq!(d["signed_in_quarter"], 3);
    close_field(&d, "recruitment_match_share", 1.0 / 3.0);
    // Per trait, among the cohort's resellers (No Profile is an si; Stale and Late Evidence have only
    // unknown or stale traits; Halfway knows only Deal registration):
    //   Deal registration met [10000, 2500.5, 30000, 12000] missed [1200]
    //   Customer overlap  met [10000, 2500.5, 30000]        missed [1200]
    //   Named champion    met [10000, 2500.5, 1200]         missed [30000]
    let traits = d["traits"].as_array().unwrap();
    assert_eq!(traits.len(), 3);
    let expect = [
        (
            "Deal registration",
            4,
            1,
            13625.125,
            1200.0,
            11.354270833333333,
            4.0,
            0.2,
        ),
        (
            "Customer overlap",
            3,
            1,
            14166.833333333334,
            1200.0,
            11.805694444444445,
            3.0,
            0.25,
        ),
        (
            "Named champion",
            3,
            1,
            4566.833333333333,
            30000.0,
            0.15222777777777777,
            0.0,
            1.0,
        ),
    ];
    for (tr, (name, n_met, n_missed, mean_met, mean_missed, lift, u, p)) in
        traits.iter().zip(expect)
    {
        assert_eq!(tr["type"], "reseller");
        assert_eq!(tr["name"], name);
        assert_eq!(
            (tr["n_met"].clone(), tr["n_missed"].clone()),
            (json!(n_met), json!(n_missed)),
            "{tr}"
        );
        close_field(tr, "mean_met", mean_met);
        close_field(tr, "mean_missed", mean_missed);
        close_field(tr, "lift", lift);
        close_field(tr, "u", u);
        close_field(tr, "p_value", p);
    }
    assert_eq!(
        names(&d["revise_first"], None),
        ["Named champion (reseller)"]
    );
    assert_eq!(d["posted"], Value::Null, "never posted");

    // ---- posted, then the data changes -------------------------------------------------------------------
    let posted = ok(&t, c, "/digest quarterly quarter:2026-Q2 post:true").await;
    assert_eq!(posted["verdict"], "hold");
    let again = recheck(&t, c, "2026-Q2").await;
    assert_eq!(again["posted"]["verdict"], "hold");
    assert_eq!(
        again["posted"]["data_changed"], false,
        "nothing changed since it was posted: {}",
        again["posted"]
    );
    // An outcome outside the quarter, or a registered deal of a partner outside the cohort, changes nothing.
    ok(
        &t,
        c,
        r#"/outcome add partner:"Mid Drop" kind:sourced-pipeline amount:999 date:2026-07-05"#,
    )
    .await;
    ok(
        &t,
        c,
        r#"/outcome add partner:"Prospect" kind:registered-deal date:2026-05-05"#,
    )
    .await;
    assert_eq!(
        recheck(&t, c, "2026-Q2").await["posted"]["data_changed"],
        false
    );
    // 5,000 more for Mid Drop inside Q2: not matching [6200, 0, 800, 12000, 0] -> not-proven now.
    ok(
        &t,
        c,
        r#"/outcome add partner:"Mid Drop" kind:sourced-pipeline amount:5000 date:2026-06-01"#,
    )
    .await;
    let changed = recheck(&t, c, "2026-Q2").await;
    check(
        &changed,
        Expect {
            m: (3, Some(14166.833333333334), Some(10000.0), 42500.5),
            n: (5, Some(3800.0), Some(800.0), 19000.0),
            lift: Some(3.7281140350877195),
            test: Some((12.0, 0.11512167528870354)),
            verdict: "not-proven",
        },
    );
    let p = &changed["posted"];
    assert_eq!(p["data_changed"], true, "{p}");
    assert_eq!(p["verdict"], "hold", "the posted verdict is kept");
    // the posted figures are the ones that were posted
    check(
        &p["figures"],
        Expect {
            m: (3, Some(14166.833333333334), Some(10000.0), 42500.5),
            n: (5, Some(2800.0), Some(800.0), 14000.0),
            lift: Some(5.059583333333333),
            test: Some((13.0, 0.0668505629044819)),
            verdict: "hold",
        },
    );
    assert!(p["stored_at"].as_str().unwrap().starts_with("2026-07-08"));
    // The weekly hint rests on the stored verdict (hold): a drifting week says the allocation drifts.
    ok(
        &t,
        c,
        r#"/log hours partner:"Mid Drop" hours:4 week:2026-W27"#,
    )
    .await;
    let w = ok(&t, c, "/digest weekly week:2026-W27").await;
    assert_eq!(w["hint"], "allocation-drifting");
    // Posting again stores the new figures.
    ok(&t, c, "/digest quarterly quarter:2026-Q2 post:true").await;
    let p = recheck(&t, c, "2026-Q2").await["posted"].clone();
    assert_eq!(
        (p["verdict"].clone(), p["data_changed"].clone()),
        (json!("not-proven"), json!(false))
    );
    assert_eq!(
        ok(&t, c, "/digest weekly week:2026-W27").await["hint"],
        "profile-may-be-wrong"
    );
    // With outcomes behind it, the card says so plainly.
    let text = partnerfit::console::handle_line(&t.app, c, "/digest weekly week:2026-W27")
        .await
        .unwrap()
        .to_text();
    assert!(
        text.contains("The profile may be wrong: the latest re-check (2026-Q2) said not-proven."),
        "{text}"
    );
}

#[tokio::test]
async fn each_verdict_on_hand_built_cohorts() {
    let t = TestApp::new(utc(2026, 7, 8, 12, 0)).await;
    // insufficient-data: 2 matching partners < min_group 3 (the figures are still computed: exact path)
    let c = cohort(
        &t,
        "insufficient",
        &[5000.0, 7000.0],
        &[100.0, 200.0, 300.0, 400.0],
    )
    .await;
    let d = recheck(&t, &c, "2026-Q2").await;
    let insufficient = Expect {
        m: (2, Some(6000.0), Some(6000.0), 12000.0),
        n: (4, Some(250.0), Some(250.0), 1000.0),
        lift: Some(24.0),
        test: Some((8.0, 0.06666666666666667)),
        verdict: "insufficient-data",
    };
    check(&d, insufficient);
    assert_eq!(d["method"], "exact");
    // min_group 2 makes the same cohort a hold (p 1/15 < 0.10, mean higher); alpha 0.05 then not-proven
    ok(&t, &c, "/settings set key:min_group value:2").await;
    check(
        &recheck(&t, &c, "2026-Q2").await,
        Expect {
            verdict: "hold",
            ..insufficient
        },
    );
    ok(&t, &c, "/settings set key:alpha value:0.05").await;
    let d = recheck(&t, &c, "2026-Q2").await;
    check(
        &d,
        Expect {
            verdict: "not-proven",
            ..insufficient
        },
    );
    assert_eq!((num(&d, "alpha"), d["min_group"].clone()), (0.05, json!(2)));

    // hold: complete separation, 4 vs 4, exact p = 1/70
    let c = cohort(
        &t,
        "hold",
        &[10000.0, 20000.0, 30000.0, 40000.0],
        &[1000.0, 2000.0, 3000.0, 4000.0],
    )
    .await;
    let d = recheck(&t, &c, "2026-Q2").await;
    check(
        &d,
        Expect {
            m: (4, Some(25000.0), Some(25000.0), 100000.0),
            n: (4, Some(2500.0), Some(2500.0), 10000.0),
            lift: Some(10.0),
            test: Some((16.0, 0.014285714285714285)),
            verdict: "hold",
        },
    );
    assert_eq!(d["method"], "exact");
    // Named champion: met by the fit and the walk-away partners [10000, 30000, 1000, 4000] (mean 11250),
    // missed by the near-fit ones [20000, 40000] (mean 30000): lift 0.375, a first candidate to revise.
    assert_eq!(
        names(&d["revise_first"], None),
        ["Named champion (reseller)"]
    );

    // p < alpha but the mean is not higher (one huge non-matching partner): not hold; medians 14.5 > 4.5
    let outlier_m: Vec<f64> = (10..20).map(f64::from).collect();
    let mut outlier_n: Vec<f64> = (0..9).map(f64::from).collect();
    outlier_n.push(1_000_000.0);
    for (ws, matching, non_matching, expect) in [
        // revise: one big matching partner lifts the mean, but the matching median (0) is not above 2000
        (
            "revise",
            vec![0.0, 0.0, 0.0, 100000.0],
            vec![1000.0, 2000.0, 3000.0],
            Expect {
                m: (4, Some(25000.0), Some(0.0), 100000.0),
                n: (3, Some(2000.0), Some(2000.0), 6000.0),
                lift: Some(12.5),
                test: Some((3.0, 0.9004550739258976)),
                verdict: "revise",
            },
        ),
        // not-proven: medians 3000 > 2500 but p = 0.5
        (
            "not-proven",
            vec![1000.0, 3000.0, 5000.0],
            vec![2000.0, 2500.0, 4000.0],
            Expect {
                m: (3, Some(3000.0), Some(3000.0), 9000.0),
                n: (3, Some(2833.3333333333335), Some(2500.0), 8500.0),
                lift: Some(1.0588235294117647),
                test: Some((5.0, 0.5)),
                verdict: "not-proven",
            },
        ),
        (
            "outlier",
            outlier_m,
            outlier_n,
            Expect {
                m: (10, Some(14.5), Some(14.5), 145.0),
                n: (10, Some(100003.6), Some(4.5), 1000036.0),
                lift: Some(0.00014499478018791323),
                test: Some((90.0, 0.0014136360455584039)),
                verdict: "not-proven",
            },
        ),
    ] {
        let c = cohort(&t, ws, &matching, &non_matching).await;
        check(&recheck(&t, &c, "2026-Q2").await, expect);
    }
}

#[tokio::test]
async fn degenerate_cohorts_give_nulls_not_errors() {
    let t = TestApp::new(utc(2026, 7, 8, 12, 0)).await;
    // a quarter with no signed partners (only a prospect)
    let c = t.ctx("empty", "ana", Role::Lead);
    reseller_profile(&t, &c).await;
    partner(&t, &c, "Prospect", "reseller", "fit", "2026-02-01", None).await;
    let d = recheck(&t, &c, "2026-Q2").await;
    assert_eq!(d["cohort"], 0);
    check(
        &d,
        Expect {
            m: (0, None, None, 0.0),
            n: (0, None, None, 0.0),
            lift: None,
            test: None,
            verdict: "insufficient-data",
        },
    );
    assert_eq!(d["recruitment_match_share"], Value::Null);
    assert_eq!(d["signed_in_quarter"], 0);
    // Every trait of the profile (`reseller_profile`'s three) is listed, with nothing to compute.
    let traits = d["traits"].as_array().unwrap();
    assert_eq!(
        traits.iter().map(|tr| &tr["name"]).collect::<Vec<_>>(),
        ["Deal registration", "Customer overlap", "Named champion"],
        "{}",
        d["traits"]
    );
    for tr in traits {
        assert_eq!(
            (
                tr["mean_met"].clone(),
                tr["lift"].clone(),
                tr["u"].clone(),
                tr["p_value"].clone()
            ),
            (Value::Null, Value::Null, Value::Null, Value::Null),
            "{tr}"
        );
    }
    // a group of size 0: everyone matches
    let c = cohort(&t, "all-matching", &[100.0, 200.0, 300.0], &[]).await;
    check(
        &recheck(&t, &c, "2026-Q2").await,
        Expect {
            m: (3, Some(200.0), Some(200.0), 600.0),
            n: (0, None, None, 0.0),
            lift: None,
            test: None,
            verdict: "insufficient-data",
        },
    );
    // all-equal productions: U = n1*n2/2, p = 1, lift 1 -> revise (medians equal)
    let c = cohort(&t, "all-equal", &[500.0; 3], &[500.0; 3]).await;
    check(
        &recheck(&t, &c, "2026-Q2").await,
        Expect {
            m: (3, Some(500.0), Some(500.0), 1500.0),
            n: (3, Some(500.0), Some(500.0), 1500.0),
            lift: Some(1.0),
            test: Some((4.5, 1.0)),
            verdict: "revise",
        },
    );
    // partners without outcomes produce 0 (not missing): the lift over a zero mean is null, the test runs
    let c = cohort(&t, "zero-mean", &[100.0, 200.0, 300.0], &[0.0, 0.0, 0.0]).await;
    let d = recheck(&t, &c, "2026-Q2").await;
    check(
        &d,
        Expect {
            m: (3, Some(200.0), Some(200.0), 600.0),
            n: (3, Some(0.0), Some(0.0), 0.0),
            lift: None,
            test: Some((9.0, 0.031801284810376834)),
            verdict: "hold",
        },
    );
    // with no outcomes at all: every production 0
    let c = cohort(&t, "no-outcomes", &[0.0; 3], &[0.0; 4]).await;
    check(
        &recheck(&t, &c, "2026-Q2").await,
        Expect {
            m: (3, Some(0.0), Some(0.0), 0.0),
            n: (4, Some(0.0), Some(0.0), 0.0),
            lift: None,
            test: Some((6.0, 1.0)),
            verdict: "revise",
        },
    );
}

#[tokio::test]
async fn bad_quarterly_input_is_refused_in_one_line_and_changes_nothing() {
    let t = TestApp::new(utc(2026, 7, 8, 12, 0)).await;
    let c = cohort(&t, "local", &[100.0, 200.0, 300.0], &[10.0, 20.0, 30.0]).await;
    let before = recheck(&t, &c, "2026-Q2").await;
    for (line, says) in [
        ("/digest quarterly quarter:2026-Q5", "Q1 to Q4"),
        ("/digest quarterly quarter:2026-Q0", "Q1 to Q4"),
        ("/digest quarterly quarter:Q2", "2026-Q3"),
        (
            r#"/outcome add partner:M0 kind:sourced-pipeline amount:100 date:2026-07-09"#,
            "in the future",
        ),
        (
            r#"/outcome add partner:M0 kind:sourced-pipeline amount:0 date:2026-05-01"#,
            "above 0",
        ),
        (
            r#"/outcome add partner:M0 kind:closed-won amount:"0.00" date:2026-05-01"#,
            "above 0",
        ),
        (
            r#"/outcome add partner:M0 kind:sourced-pipeline date:2026-05-01"#,
            "needs an amount",
        ),
        (
            r#"/outcome add partner:M0 kind:sourced-pipeline amount:"1.200,50" date:2026-05-01"#,
            "1,200.50",
        ),
        (
            r#"/outcome add partner:M0 kind:sourced-pipeline amount:100 date:2026-02-30"#,
            "`2026-02-30` is not a date: February 2026 has 28 days",
        ),
        (
            r#"/outcome add partner:M0 kind:pipeline amount:100 date:2026-05-01"#,
            "sourced-pipeline",
        ),
    ] {
        let e = err(&t, &c, line).await;
        assert!(e.contains(says), "{line}: {e}");
    }
    assert_eq!(recheck(&t, &c, "2026-Q2").await, before);
    // the future starts tomorrow in the workspace's time zone: today is fine
    ok(
        &t,
        &c,
        r#"/outcome add partner:M0 kind:registered-deal date:2026-07-08"#,
    )
    .await;
}
