//! Random cohorts (a seeded generator mirrored by the out-of-repo scipy script) re-checked through the
//! console: every U, p-value, mean, median, lift and per-trait figure matches scipy to 1e-9 relative.

use super::*;

/// A small deterministic generator, mirrored in the (out-of-repo) Python script that computed the
/// expected figures with scipy: PCG's 64-bit LCG constants, output the high 31 bits.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }
}

const KINDS: [&str; 5] = ["fit", "near-fit", "walk-away", "incomplete", "si"];

/// 40 partners: a random verdict each, 0 to 2 sourced-pipeline outcomes in Q2 (a third of them from a pool
/// of three amounts, so productions tie; partners without outcomes tie at 0), and sometimes one more outcome
/// in Q3 that must not count.
fn random_cohort(seed: u64, n: usize) -> Vec<(String, &'static str, Vec<i64>, Option<i64>)> {
    let mut g = Lcg(seed);
    let pool = [100_000, 250_000, 500_000];
    (0..n)
        .map(|i| {
            let kind = KINDS[(g.next() % 5) as usize];
            let k = g.next() % 3;
            let mut amounts = Vec::new();
            for _ in 0..k {
                if g.next() % 3 == 0 {
                    amounts.push(pool[(g.next() % 3) as usize]);
                } else {
                    amounts.push(1 + (g.next() % 5_000_000) as i64);
                }
            }
            let extra = (g.next() % 4 == 0).then(|| 1 + (g.next() % 1_000_000) as i64);
            (format!("R{i:02}"), kind, amounts, extra)
        })
        .collect()
}

/// 17 partners, 6 matching, one distinct random amount each: the exact path.
fn exact_cohort(seed: u64) -> Vec<(String, &'static str, Vec<i64>, Option<i64>)> {
    let mut g = Lcg(seed);
    (0..17)
        .map(|i| {
            let kind = if i < 6 {
                if i % 2 == 0 {
                    "fit"
                } else {
                    "near-fit"
                }
            } else {
                ["walk-away", "incomplete", "si"][i % 3]
            };
            (
                format!("E{i:02}"),
                kind,
                vec![1 + (g.next() % 10_000_000) as i64],
                None,
            )
        })
        .collect()
}

async fn load(
    t: &TestApp,
    ws: &str,
    cohort: &[(String, &'static str, Vec<i64>, Option<i64>)],
) -> Ctx {
    let c = t.ctx(ws, "ana", Role::Lead);
    reseller_profile(t, &c).await;
    for (name, kind, amounts, extra) in cohort {
        member(t, &c, name, kind, amounts).await;
        if let Some(x) = extra {
            ok(
                t,
                &c,
                &format!(
                    r#"/outcome add partner:"{name}" kind:sourced-pipeline amount:{} date:2026-07-02"#,
                    money(*x)
                ),
            )
            .await;
        }
    }
    c
}

/// (name, n_met, n_missed, mean_met, mean_missed, lift, u, p)
type TraitExpect = (&'static str, u64, u64, f64, f64, f64, f64, f64);

#[track_caller]
fn check_traits(d: &Value, expect: &[TraitExpect]) {
    let traits = d["traits"].as_array().unwrap();
    assert_eq!(traits.len(), expect.len());
    for (tr, (name, n_met, n_missed, mean_met, mean_missed, lift, u, p)) in
        traits.iter().zip(expect.iter().copied())
    {
        assert_eq!(tr["name"], name);
        assert_eq!(tr["n_met"], json!(n_met), "{tr}");
        assert_eq!(tr["n_missed"], json!(n_missed), "{tr}");
        close_field(tr, "mean_met", mean_met);
        close_field(tr, "mean_missed", mean_missed);
        close_field(tr, "lift", lift);
        close_field(tr, "u", u);
        close_field(tr, "p_value", p);
    }
}

#[tokio::test]
async fn random_cohorts_match_scipy() {
    let t = TestApp::new(utc(2026, 7, 8, 12, 0)).await;

    // Seed 20260701, 40 partners: 12 matching, 28 not; ties (asymptotic path with tie correction).
    let c = load(&t, "random", &random_cohort(20260701, 40)).await;
    let d = recheck(&t, &c, "2026-Q2").await;
    check(
        &d,
        Expect {
            m: (12, Some(17839.950833333332), Some(4250.0), 214079.41),
            n: (
                28,
                Some(18000.632142857143),
                Some(12999.494999999999),
                504017.7,
            ),
            lift: Some(0.9910735740695878),
            test: Some((165.0, 0.5417084319129656)),
            verdict: "revise",
        },
    );
    assert_eq!(d["method"], "asymptotic");
    check_traits(
        &d,
        &[
            (
                "Deal registration",
                21,
                11,
                16020.203333333331,
                28536.561818181824,
                0.5613922039874543,
                76.0,
                0.9457625693824402,
            ),
            (
                "Customer overlap",
                12,
                11,
                17839.950833333332,
                28536.561818181824,
                0.6251611860951924,
                47.0,
                0.887044586421506,
            ),
            (
                "Named champion",
                15,
                8,
                26937.012,
                15490.80125,
                1.738903725202723,
                78.5,
                0.12052467468802502,
            ),
        ],
    );
    assert_eq!(
        names(&d["revise_first"], None),
        [
            "Deal registration (reseller)",
            "Customer overlap (reseller)"
        ]
    );
    // posting and re-reading the same data is not a change (the stored figures round-trip exactly)
    ok(&t, &c, "/digest quarterly quarter:2026-Q2 post:true").await;
    assert_eq!(
        recheck(&t, &c, "2026-Q2").await["posted"]["data_changed"],
        false
    );

    // Seed 7, 6 matching vs 11 not, no ties: the exact distribution.
    let c = load(&t, "exact", &exact_cohort(7)).await;
    let d = recheck(&t, &c, "2026-Q2").await;
    check(
        &d,
        Expect {
            m: (
                6,
                Some(55511.17499999999),
                Some(62877.14),
                333067.04999999993,
            ),
            n: (11, Some(47757.78363636364), Some(51898.65), 525335.62),
            lift: Some(1.1623482241695315),
            test: Some((40.0, 0.26244343891402716)),
            verdict: "not-proven",
        },
    );
    assert_eq!(d["method"], "exact");
    check_traits(
        &d,
        &[
            (
                "Deal registration",
                10,
                4,
                49211.353,
                53395.37,
                0.9216408276597765,
                18.0,
                0.6333666333666333,
            ),
            (
                "Customer overlap",
                6,
                4,
                55511.17499999999,
                53395.37,
                1.0396252521520122,
                14.0,
                0.38095238095238093,
            ),
            (
                "Named champion",
                7,
                3,
                56322.467142857146,
                50797.08666666667,
                1.1087735702728059,
                11.0,
                0.49999999999999994,
            ),
        ],
    );
    ok(&t, &c, "/digest quarterly quarter:2026-Q2 post:true").await;
    assert_eq!(
        recheck(&t, &c, "2026-Q2").await["posted"]["data_changed"],
        false
    );

    // The binary prints the same object.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_partnerfit"))
        .current_dir(t.db.dir.path())
        .args([
            "--database",
            &t.url,
            "--workspace",
            "exact",
            "digest",
            "quarterly",
            "--json",
            "--quarter",
            "2026-Q2",
        ])
        .env_remove("PARTNERFIT_CONFIG")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Compared as text: serde_json's default float parsing is not exact to the last bit, its printing is.
    let console = recheck(&t, &c, "2026-Q2").await;
    assert_eq!(
        String::from_utf8(out.stdout).unwrap().trim_end(),
        console.to_string()
    );
}
