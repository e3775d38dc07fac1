//! The weekly allocation check, driven through the console on data sets whose figures are worked out by hand
//! in the comments (METHOD.md, "The weekly allocation check"; field names from COMMANDS.md).

use crate::support::ipp::{err, give_verdict, names, num, ok, partner, reseller_profile};
use crate::support::{utc, TestApp};
use partnerfit::domain::Role;
use serde_json::{json, Value};

mod cards;

/// The roster of the main data set (workspace `local`, UTC; the clock is Wednesday 2026-07-08 12:00Z, in
/// 2026-W28). Evidence is observed 2026-05-01 unless said otherwise; "signed" is 2026-03-01.
///
/// | partner     | type     | verdict from 05-01        | stage                  | later evidence           |
/// |-------------|----------|---------------------------|------------------------|--------------------------|
/// | Alpha       | reseller | fit                       | signed                 |                          |
/// | Bravo       | reseller | near-fit                  | signed                 |                          |
/// | Charlie     | reseller | walk-away                 | signed                 |                          |
/// | Delta       | reseller | walk-away                 | signed                 |                          |
/// | Echo        | reseller | incomplete                | signed                 |                          |
/// | Foxtrot     | si       | (no si profile)           | signed                 |                          |
/// | Golf        | reseller | fit                       | signed                 | walk-away from Thu 07-02 |
/// | Hotel       | reseller | fit                       | signed                 | walk-away from Mon 07-06 |
/// | India       | reseller | fit                       | signed                 |                          |
/// | Juliet      | reseller | fit                       | signed                 |                          |
/// | Kilo        | reseller | fit                       | signed, dropped 07-05  |                          |
/// | Lima        | reseller | fit                       | signed 07-06           |                          |
/// | Mike        | reseller | fit                       | prospect               |                          |
/// | November    | reseller | near-fit                  | signed                 |                          |
/// | Oscar, Papa, Quebec | reseller | walk-away         | prospect               |                          |
/// | Sierra      | reseller | no evidence (incomplete)  | prospect               | fit from Wed 06-24       |
/// | alpine Labs | reseller | fit                       | signed                 |                          |
async fn main_roster(t: &TestApp) {
    let ctx = t.ctx("local", "ana", Role::Lead);
    let c = &ctx;
    reseller_profile(t, c).await;
    let signed = Some("2026-03-01");
    for (name, ty, verdict) in [
        ("Alpha", "reseller", "fit"),
        ("Bravo", "reseller", "near-fit"),
        ("Charlie", "reseller", "walk-away"),
        ("Delta", "reseller", "walk-away"),
        ("Echo", "reseller", "incomplete"),
        ("Foxtrot", "si", "none"),
        ("Golf", "reseller", "fit"),
        ("Hotel", "reseller", "fit"),
        ("India", "reseller", "fit"),
        ("Juliet", "reseller", "fit"),
        ("Kilo", "reseller", "fit"),
        ("November", "reseller", "near-fit"),
        ("alpine Labs", "reseller", "fit"),
    ] {
        partner(t, c, name, ty, verdict, "2026-05-01", signed).await;
    }
    partner(
        t,
        c,
        "Lima",
        "reseller",
        "fit",
        "2026-05-01",
        Some("2026-07-06"),
    )
    .await;
    for (name, verdict) in [
        ("Mike", "fit"),
        ("Oscar", "walk-away"),
        ("Papa", "walk-away"),
        ("Quebec", "walk-away"),
        ("Sierra", "none"),
    ] {
        partner(t, c, name, "reseller", verdict, "2026-05-01", None).await;
    }
    give_verdict(t, c, "Sierra", "fit", "2026-06-24").await;
    give_verdict(t, c, "Golf", "walk-away", "2026-07-02").await;
    give_verdict(t, c, "Hotel", "walk-away", "2026-07-06").await;
    ok(
        t,
        c,
        r#"/partner drop partner:"Kilo" reason:"churned" date:2026-07-05"#,
    )
    .await;

    // Allocations, per ISO week.
    for line in [
        // W20 (May 11-17)
        r#"/log hours partner:"Echo" hours:3 week:2026-W20"#,
        // W21, W22: nothing
        // W23 (Jun 1-7)
        r#"/log hours partner:"India" hours:3 week:2026-W23"#,
        // W24 (Jun 8-14)
        r#"/log hours partner:"Juliet" hours:4 week:2026-W24"#,
        // W25 (Jun 15-21)
        r#"/log hours partner:"Sierra" hours:2 week:2026-W25"#,
        r#"/log hours partner:"Alpha" hours:2 week:2026-W25"#,
        // W26 (Jun 22-28)
        r#"/log hours partner:"Golf" hours:10 week:2026-W26"#,
        r#"/log hours partner:"Charlie" hours:10 week:2026-W26"#,
        r#"/log spend partner:"Charlie" amount:400 week:2026-W26"#,
        r#"/log hours partner:"Sierra" hours:2 week:2026-W26"#,
        // W27 (Jun 29 - Jul 5), the week under test; amounts in the three accepted spellings
        r#"/log hours partner:"Alpha" hours:20 week:2026-W27"#,
        r#"/log spend partner:"Alpha" amount:500 week:2026-W27"#,
        r#"/log hours partner:"Bravo" hours:10 week:2026-W27"#,
        r#"/log spend partner:"Bravo" amount:"1,200.50" week:2026-W27"#,
        r#"/log hours partner:"Charlie" hours:8 week:2026-W27"#,
        r#"/log spend partner:"Charlie" amount:300 week:2026-W27"#,
        r#"/log hours partner:"Delta" hours:8 week:2026-W27"#,
        r#"/log spend partner:"Delta" amount:"$1,200" week:2026-W27"#,
        r#"/log hours partner:"Echo" hours:5 week:2026-W27"#,
        r#"/log hours partner:"Foxtrot" hours:4 week:2026-W27"#,
        r#"/log spend partner:"Foxtrot" amount:100 week:2026-W27"#,
        r#"/log hours partner:"Golf" hours:6 week:2026-W27"#,
        r#"/log hours partner:"Hotel" hours:12 week:2026-W27"#,
        r#"/log hours partner:"Oscar" hours:2 week:2026-W27"#,
        r#"/log hours partner:"Papa" hours:2 week:2026-W27"#,
        r#"/log spend partner:"Papa" amount:50 week:2026-W27"#,
        r#"/log hours partner:"Quebec" hours:1 week:2026-W27"#,
    ] {
        ok(t, c, line).await;
    }
    // November's only entry is retracted: it never counts.
    let id = ok(
        t,
        c,
        r#"/log hours partner:"November" hours:5 week:2026-W26"#,
    )
    .await["id"]
        .as_i64()
        .unwrap();
    ok(
        t,
        c,
        &format!(r#"/log retract id:{id} reason:"logged on the wrong partner""#),
    )
    .await;
}

fn totals(h: f64, s: f64) -> Value {
    json!({"hours": h, "spend": s})
}

fn trend(d: &Value) -> Vec<(String, Option<f64>)> {
    d["trend"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["week"].as_str().unwrap().to_string(),
                p["matching_share_hours"].as_f64(),
            )
        })
        .collect()
}

fn top(d: &Value) -> Vec<(String, f64, f64)> {
    d["top_not_matching"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            (
                p["partner"].as_str().unwrap().to_string(),
                num(p, "hours"),
                num(p, "spend"),
            )
        })
        .collect()
}

fn wk(s: &str, v: Option<f64>) -> (String, Option<f64>) {
    (s.to_string(), v)
}

#[tokio::test]
async fn weekly_figures_worked_by_hand() {
    let t = TestApp::new(utc(2026, 7, 8, 12, 0)).await;
    main_roster(&t).await;

    // ---- 2026-W27, the default week (the one that just ended) --------------------------------------------
    // Verdicts as of Sunday 2026-07-05: Golf is already walk-away (evidence of Thu 07-02), Hotel is still fit
    // (its walk-away evidence is observed Mon 07-06, after the week), Foxtrot has no profile, Echo incomplete.
    //   matching:     Alpha 20 h $500, Bravo 10 h $1,200.50, Hotel 12 h        -> 42 h, $1,700.50
    //   not-matching: Charlie 8 h $300, Delta 8 h $1,200, Golf 6 h, Oscar 2 h,
    //                 Papa 2 h $50, Quebec 1 h                                  -> 27 h, $1,550
    //   unscreened:   Echo 5 h, Foxtrot 4 h $100                                -> 9 h, $100
    //   total 78 h, $3,350.50; matching share of hours 42/78, of spend 1700.50/3350.50: both under 0.80.
    let d = ok(&t, &t.ctx("local", "ana", Role::Lead), "/digest weekly").await;
    assert_eq!(d["week"], "2026-W27");
    assert_eq!(num(&d, "hours_total"), 78.0);
    assert_eq!(num(&d, "spend_total"), 3350.5);
    assert_eq!(num(&d, "matching_share_hours"), 42.0 / 78.0);
    assert_eq!(num(&d, "matching_share_spend"), 170050.0 / 335050.0);
    assert_eq!(num(&d, "target"), 0.8);
    assert_eq!(d["status"], "drifting");
    assert_eq!(d["hint"], "allocation-drifting", "no stored re-check yet");
    assert_eq!(
        d["buckets"],
        json!({
            "matching": totals(42.0, 1700.5),
            "not-matching": totals(27.0, 1550.0),
            "unscreened": totals(9.0, 100.0),
        })
    );
    // Walk-away partners by hours, then spend: Delta and Charlie tie on 8 h, Delta spent more; Papa and Oscar
    // tie on 2 h, Papa spent more; Quebec (1 h) is the sixth and is cut.
    assert_eq!(
        top(&d),
        [
            ("Delta".to_string(), 8.0, 1200.0),
            ("Charlie".to_string(), 8.0, 300.0),
            ("Golf".to_string(), 6.0, 0.0),
            ("Papa".to_string(), 2.0, 50.0),
            ("Oscar".to_string(), 2.0, 0.0),
        ]
    );
    // Neglected: signed by 07-05, not dropped by then, matching then, nothing in W24..W27.
    //   India (last hours in W23), November (its only entry is retracted), alpine Labs (never any);
    //   not Kilo (dropped on Sunday 07-05), Lima (signed 07-06), Mike (prospect), Golf (walk-away by then),
    //   Juliet (hours in W24). Sorted without case.
    assert_eq!(
        names(&d["neglected"], None),
        ["alpine Labs", "India", "November"]
    );
    // Trend: the 8 weeks ending with W27, oldest first.
    //   W20: Echo 3 h unscreened -> 0;  W21, W22: no hours -> null;  W23: India -> 1;  W24: Juliet -> 1;
    //   W25: Alpha 2 h matching, Sierra 2 h unscreened (no evidence before 06-24) -> 0.5;
    //   W26: Golf 10 h (still fit on Sunday 06-28) + Sierra 2 h (fit since 06-24) matching, Charlie 10 h
    //        walk-away, November's 5 h retracted -> 12/22;  W27: 42/78.
    assert_eq!(
        trend(&d),
        [
            wk("2026-W20", Some(0.0)),
            wk("2026-W21", None),
            wk("2026-W22", None),
            wk("2026-W23", Some(1.0)),
            wk("2026-W24", Some(1.0)),
            wk("2026-W25", Some(0.5)),
            wk("2026-W26", Some(12.0 / 22.0)),
            wk("2026-W27", Some(42.0 / 78.0)),
        ]
    );
    let spend_trend: Vec<Option<f64>> = d["trend"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["matching_share_spend"].as_f64())
        .collect();
    // Only W26 (Charlie's $400, walk-away) and W27 have spend.
    assert_eq!(
        spend_trend,
        [
            None,
            None,
            None,
            None,
            None,
            None,
            Some(0.0),
            Some(170050.0 / 335050.0)
        ]
    );

    // ---- W26: Golf, walk-away only from 07-02, is still matching here ------------------------------------
    let w26 = t.ok("/digest weekly week:2026-W26").await;
    assert_eq!(
        w26["buckets"],
        json!({
            "matching": totals(12.0, 0.0),
            "not-matching": totals(10.0, 400.0),
            "unscreened": totals(0.0, 0.0),
        })
    );
    assert_eq!(top(&w26), [("Charlie".to_string(), 10.0, 400.0)]);
    assert_eq!(w26["status"], "drifting");
    // W25: Sierra had no evidence yet: unscreened that week, matching the next.
    let w25 = t.ok("/digest weekly week:2026-W25").await;
    assert_eq!(
        w25["buckets"],
        json!({
            "matching": totals(2.0, 0.0),
            "not-matching": totals(0.0, 0.0),
            "unscreened": totals(2.0, 0.0),
        })
    );
    // ---- W24: on target (hours share 1, no spend: the spend share is null and does not count) -----------
    let w24 = t.ok("/digest weekly week:2026-W24").await;
    assert_eq!(w24["status"], "on-target");
    assert_eq!(w24["hint"], Value::Null);
    assert_eq!(num(&w24, "matching_share_hours"), 1.0);
    assert_eq!(w24["matching_share_spend"], Value::Null);
    // Neglected at Sunday 06-14 (window W21..W24): every signed matching partner but India (W23) and
    // Juliet (W24); Kilo is not dropped yet, Golf still fit, Lima not signed yet.
    assert_eq!(
        names(&w24["neglected"], None),
        [
            "Alpha",
            "alpine Labs",
            "Bravo",
            "Golf",
            "Hotel",
            "Kilo",
            "November"
        ]
    );
    assert_eq!(
        trend(&w24),
        [
            wk("2026-W17", None),
            wk("2026-W18", None),
            wk("2026-W19", None),
            wk("2026-W20", Some(0.0)),
            wk("2026-W21", None),
            wk("2026-W22", None),
            wk("2026-W23", Some(1.0)),
            wk("2026-W24", Some(1.0)),
        ]
    );

    // ---- a week without data ----------------------------------------------------------------------------
    // W10 (Mar 2-8): nothing logged. Nobody had evidence yet (all observed 05-01), so nobody matched and
    // nobody is neglected.
    let w10 = t.ok("/digest weekly week:2026-W10").await;
    assert_eq!(w10["status"], "no-data");
    assert_eq!(w10["hint"], Value::Null);
    assert_eq!(num(&w10, "hours_total"), 0.0);
    assert_eq!(num(&w10, "spend_total"), 0.0);
    assert_eq!(w10["matching_share_hours"], Value::Null);
    assert_eq!(w10["matching_share_spend"], Value::Null);
    assert_eq!(
        w10["buckets"],
        json!({
            "matching": totals(0.0, 0.0),
            "not-matching": totals(0.0, 0.0),
            "unscreened": totals(0.0, 0.0),
        })
    );
    assert_eq!(w10["top_not_matching"], json!([]));
    assert_eq!(w10["neglected"], json!([]));
    let t10 = trend(&w10);
    assert_eq!(t10.len(), 8);
    assert_eq!(t10[0].0, "2026-W03");
    assert!(t10.iter().all(|(_, v)| v.is_none()), "{t10:?}");

    // ---- the hint after a stored re-check says revise -----------------------------------------------------
    // 2026-Q2 cohort (signed by 06-30, not dropped before 04-01): matching at 06-30 Alpha, Bravo, Golf,
    // Hotel, India, Juliet, Kilo, November, alpine Labs (9); not matching Charlie, Delta, Echo (incomplete),
    // Foxtrot (no profile) (4). No outcomes: every production is 0, medians 0 <= 0 -> revise.
    let q = t.ok("/digest quarterly quarter:2026-Q2 post:true").await;
    assert_eq!(q["verdict"], "revise", "{q}");
    assert_eq!(
        (q["matching"]["n"].clone(), q["not_matching"]["n"].clone()),
        (json!(9), json!(4))
    );
    let d = t.ok("/digest weekly week:2026-W27").await;
    assert_eq!(d["status"], "drifting");
    assert_eq!(d["hint"], "profile-may-be-wrong");
    assert_eq!(
        d["latest_recheck"],
        json!({"quarter": "2026-Q2", "verdict": "revise"})
    );
    // The card says which of the two it is, and that this re-check had no outcomes to go on (a re-check with
    // outcomes: tests/it/quarterly.rs).
    let text = partnerfit::console::handle_line(
        &t.app,
        &t.ctx("local", "ana", Role::Lead),
        "/digest weekly week:2026-W27",
    )
    .await
    .unwrap()
    .to_text();
    assert!(
        text.contains(
            "The profile may be wrong, but nothing shows it yet: the latest re-check (2026-Q2) said revise \
             with no sourced pipeline logged for its partners in 2026-Q2"
        ),
        "{text}"
    );
    // An on-target week has no hint whatever the re-check said.
    assert_eq!(
        t.ok("/digest weekly week:2026-W24").await["hint"],
        Value::Null
    );

    // ---- the binary prints the same object ----------------------------------------------------------------
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_partnerfit"))
        .current_dir(t.db.dir.path())
        .args([
            "--database",
            &t.url,
            "digest",
            "weekly",
            "--json",
            "--week",
            "2026-W27",
        ])
        .env_remove("PARTNERFIT_CONFIG")
        .env_remove("PARTNERFIT_WORKSPACE")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        stdout.lines().count(),
        1,
        "the digest object alone: {stdout}"
    );
    // Compared as text: serde_json's default float parsing is not exact to the last bit, its printing is.
    assert_eq!(
        stdout.trim_end(),
        d.to_string(),
        "the CLI and the console compute the same digest"
    );
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_partnerfit"))
        .current_dir(t.db.dir.path())
        .args([
            "--database",
            &t.url,
            "digest",
            "weekly",
            "--json",
            "--week",
            "2026-W54",
        ])
        .env_remove("PARTNERFIT_CONFIG")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("2026 has ISO weeks 1 to 53"));
}

#[tokio::test]
async fn bad_allocation_input_is_refused_in_one_line_and_changes_nothing() {
    let t = TestApp::new(utc(2026, 7, 8, 12, 0)).await;
    let ctx = t.ctx("local", "ana", Role::Lead);
    let c = &ctx;
    reseller_profile(&t, c).await;
    partner(
        &t,
        c,
        "Alpha",
        "reseller",
        "fit",
        "2026-05-01",
        Some("2026-03-01"),
    )
    .await;
    ok(&t, c, r#"/log hours partner:Alpha hours:160 week:2026-W27"#).await;
    ok(
        &t,
        c,
        r#"/log spend partner:Alpha amount:"1,200.50" week:2026-W27"#,
    )
    .await;
    let before = ok(&t, c, "/digest weekly week:2026-W27").await;
    assert_eq!(num(&before, "hours_total"), 160.0);
    assert_eq!(num(&before, "spend_total"), 1200.5);

    let cases: &[(&str, &str)] = &[
        // over 168 hours per partner-week, in one entry or added to what is there
        ("/log hours partner:Alpha hours:169 week:2026-W26", "168"),
        ("/log hours partner:Alpha hours:8.01 week:2026-W27", "168"),
        (
            "/log hours partner:Alpha hours:-1 week:2026-W27",
            "negative",
        ),
        (
            "/log hours partner:Alpha hours:0 week:2026-W27",
            "more than 0",
        ),
        (
            "/log hours partner:Alpha hours:lots week:2026-W27",
            "e.g. 25",
        ),
        // weeks that do not exist or have not started
        (
            "/log hours partner:Alpha hours:1 week:2026-W54",
            "2026 has ISO weeks 1 to 53",
        ),
        (
            "/log hours partner:Alpha hours:1 week:2026-W30",
            "has not started yet",
        ),
        // amounts: anything but 1200, 1,200.50, $1,200 is refused with an example
        (
            r#"/log spend partner:Alpha amount:"1.200,50" week:2026-W27"#,
            "1,200.50",
        ),
        (
            r#"/log spend partner:Alpha amount:"12OO" week:2026-W27"#,
            "1,200.50",
        ),
        (
            r#"/log spend partner:Alpha amount:"1,20" week:2026-W27"#,
            "1,200.50",
        ),
        (
            r#"/log spend partner:Alpha amount:"€1,200" week:2026-W27"#,
            "1,200.50",
        ),
        (
            r#"/log spend partner:Alpha amount:"$-5" week:2026-W27"#,
            "negative",
        ),
        (
            r#"/log spend partner:Alpha amount:"1,200.505" week:2026-W27"#,
            "1,200.50",
        ),
        (
            r#"/log spend partner:Alpha amount:0 week:2026-W27"#,
            "above 0",
        ),
        // digests of weeks that do not exist
        ("/digest weekly week:2026-W54", "2026 has ISO weeks 1 to 53"),
        ("/digest weekly week:2026-W00", "2026 has ISO weeks 1 to 53"),
        // time zones
        ("/settings set key:timezone value:EST5EDT", "EST5EDT"),
        (
            "/settings set key:timezone value:Mars/Olympus",
            "Mars/Olympus",
        ),
    ];
    for (line, says) in cases {
        let e = err(&t, c, line).await;
        assert!(e.contains(says), "{line}: {e}");
    }
    assert_eq!(ok(&t, c, "/digest weekly week:2026-W27").await, before);
    assert_eq!(ok(&t, c, "/settings show").await["timezone"], "UTC");
    // exactly 168 is fine
    ok(&t, c, r#"/log hours partner:Alpha hours:8 week:2026-W27"#).await;
    assert_eq!(
        num(
            &ok(&t, c, "/digest weekly week:2026-W27").await,
            "hours_total"
        ),
        168.0
    );
}

/// The week boundary is the workspace's: with Pacific/Auckland (UTC+12 in July), Sunday 2026-07-05 13:00Z is
/// already Monday 07-06, in 2026-W28. Evidence recorded then is dated Monday and does not change the verdict
/// of W27, hours logged without a week go to W28, and the default digest is W27. The same steps in a UTC
/// workspace date the evidence Sunday 07-05 (inside W27) and log into W27.
#[tokio::test]
async fn the_week_boundary_is_in_the_workspace_time_zone() {
    let t = TestApp::new(utc(2026, 7, 5, 13, 0)).await;
    for ws in ["akl", "utc"] {
        let ctx = t.ctx(ws, "ana", Role::Lead);
        let c = &ctx;
        if ws == "akl" {
            ok(&t, c, "/settings set key:timezone value:Pacific/Auckland").await;
        }
        reseller_profile(&t, c).await;
        partner(
            &t,
            c,
            "Zulu",
            "reseller",
            "fit",
            "2026-06-01",
            Some("2026-03-01"),
        )
        .await;
        ok(&t, c, "/log hours partner:Zulu hours:5 week:2026-W27").await;
        // Two misses recorded "today", without a date.
        let e = ok(
            &t,
            c,
            r#"/evidence add partner:Zulu trait:"Deal registration" met:false"#,
        )
        .await;
        assert_eq!(
            e["observed"],
            if ws == "akl" {
                "2026-07-06"
            } else {
                "2026-07-05"
            }
        );
        ok(
            &t,
            c,
            r#"/evidence add partner:Zulu trait:"Customer overlap" value:3"#,
        )
        .await;
        let l = ok(&t, c, "/log hours partner:Zulu hours:3").await;
        assert_eq!(l["week"], if ws == "akl" { "2026-W28" } else { "2026-W27" });
    }

    let akl = t.ctx("akl", "ana", Role::Lead);
    let d = ok(&t, &akl, "/digest weekly").await;
    // W27 in Auckland: Zulu's 5 h, and Zulu was fit on Sunday 07-05 -> share 1, on target.
    assert_eq!(d["week"], "2026-W27");
    assert_eq!(num(&d, "hours_total"), 5.0);
    assert_eq!(num(&d, "matching_share_hours"), 1.0);
    assert_eq!(d["status"], "on-target");
    assert_eq!(d["top_not_matching"], json!([]));
    // W28 in Auckland: Zulu's 3 h, walk-away since Monday -> share 0, drifting.
    let d = ok(&t, &akl, "/digest weekly week:2026-W28").await;
    assert_eq!(num(&d, "hours_total"), 3.0);
    assert_eq!(num(&d, "matching_share_hours"), 0.0);
    assert_eq!(d["status"], "drifting");
    assert_eq!(d["hint"], "allocation-drifting");
    assert_eq!(top(&d), [("Zulu".to_string(), 3.0, 0.0)]);

    let u = t.ctx("utc", "ana", Role::Lead);
    // In UTC it is still Sunday of W27: the default digest is W26 (no data), and W27 holds all 8 h, walk-away.
    let d = ok(&t, &u, "/digest weekly").await;
    assert_eq!(d["week"], "2026-W26");
    assert_eq!(d["status"], "no-data");
    let d = ok(&t, &u, "/digest weekly week:2026-W27").await;
    assert_eq!(num(&d, "hours_total"), 8.0);
    assert_eq!(num(&d, "matching_share_hours"), 0.0);
    assert_eq!(top(&d), [("Zulu".to_string(), 8.0, 0.0)]);
    assert_eq!(d["neglected"], json!([]));
}

/// Partners of a type without a profile are unscreened, never matching or not matching; a profile created
/// later screens them from then on, judged on the evidence observed by the end of each week.
#[tokio::test]
async fn partners_without_a_profile_are_unscreened() {
    let t = TestApp::new(utc(2026, 7, 8, 12, 0)).await;
    let ctx = t.ctx("local", "ana", Role::Lead);
    let c = &ctx;
    reseller_profile(&t, c).await;
    partner(
        &t,
        c,
        "Acme",
        "reseller",
        "fit",
        "2026-05-01",
        Some("2026-03-01"),
    )
    .await;
    ok(&t, c, r#"/partner add name:"Initech" type:referral"#).await;
    ok(&t, c, "/partner sign partner:Initech date:2026-03-01").await;
    ok(&t, c, "/log hours partner:Acme hours:3 week:2026-W27").await;
    ok(&t, c, "/log hours partner:Initech hours:1 week:2026-W27").await;
    ok(&t, c, "/log spend partner:Initech amount:250 week:2026-W27").await;
    // matching 3 h $0; unscreened 1 h $250 -> hours 3/4 = 0.75 (under 0.80), spend 0/250 = 0.
    let d = ok(&t, c, "/digest weekly week:2026-W27").await;
    assert_eq!(
        d["buckets"],
        json!({
            "matching": totals(3.0, 0.0),
            "not-matching": totals(0.0, 0.0),
            "unscreened": totals(1.0, 250.0),
        })
    );
    assert_eq!(num(&d, "matching_share_hours"), 0.75);
    assert_eq!(num(&d, "matching_share_spend"), 0.0);
    assert_eq!(d["status"], "drifting");
    assert_eq!(d["top_not_matching"], json!([]));
    // a target of 0.75 makes the hours share on target, but the spend share (0) still drifts
    ok(&t, c, "/settings set key:allocation_target value:0.75").await;
    let d = ok(&t, c, "/digest weekly week:2026-W27").await;
    assert_eq!(num(&d, "target"), 0.75);
    assert_eq!(d["status"], "drifting");
    ok(&t, c, "/settings set key:allocation_target value:0").await;
    assert_eq!(
        ok(&t, c, "/digest weekly week:2026-W27").await["status"],
        "on-target"
    );
}
