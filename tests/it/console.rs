//! A scripted console session against a fresh database, with verdicts worked out by hand from METHOD.md.
//! Every test runs on both backends: `NAME::sqlite` and `NAME::postgres`.

use crate::support::db::both_backends;
use crate::support::{utc, Db, TestApp};
use partnerfit::domain::Role;
use serde_json::Value;

/// The reseller profile every test starts from: five traits.
async fn reseller_profile(t: &TestApp) {
    t.ok(r#"/profile create type:reseller name:"Resellers" joint_solution:"They resell our platform bundled with onboarding""#)
        .await;
    for line in [
        r#"/profile trait add type:reseller name:"Deal registration" verify_by:"CRM deal registration""#,
        r#"/profile trait add type:reseller name:"Customer overlap" verify_by:"Crossbeam overlap report" min:25 unit:accounts"#,
        r#"/profile trait add type:reseller name:"Named champion" verify_by:"call with the regional director""#,
        r#"/profile trait add type:reseller name:"Co-sell deals" verify_by:"reference call" min:1"#,
        r#"/profile trait add type:reseller name:"Certified engineers" verify_by:"certification list" min:2 max:50"#,
    ] {
        t.ok(line).await;
    }
}

both_backends!(
    profile_revisions_and_lint,
    screening_verdicts_worked_by_hand,
    same_day_observations_later_recorded_wins,
    names_not_on_the_roster_get_the_traits_to_check,
    bad_input_is_refused_and_changes_nothing,
    roles_and_workspaces,
    partner_lifecycle
);

fn statuses(screen: &Value) -> Vec<(String, String)> {
    screen["traits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["name"].as_str().unwrap().to_string(),
                t["status"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn status_of(screen: &Value, name: &str) -> String {
    statuses(screen)
        .into_iter()
        .find(|(n, _)| n == name)
        .unwrap()
        .1
}

async fn evidence(t: &TestApp, partner: &str, lines: &[(&str, &str, &str)]) {
    for (tr, what, observed) in lines {
        t.ok(&format!(r#"/evidence add partner:"{partner}" trait:"{tr}" {what} observed:{observed} source:"crm""#))
            .await;
    }
}

async fn profile_revisions_and_lint(db: Db) {
    let t = TestApp::on(db, utc(2026, 11, 26, 12, 0)).await;
    let r = t.ok(r#"/profile create type:si name:"SIs""#).await;
    assert_eq!(r["revision"], 1);
    let codes: Vec<&str> = r["lint"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["missing-joint-solution", "trait-count"]);
    let r = t
        .ok(r#"/profile trait add type:si name:"Strong intent to co-sell""#)
        .await;
    assert_eq!(r["revision"], 2);
    let codes: Vec<&str> = r["lint"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["code"].as_str().unwrap())
        .collect();
    assert_eq!(
        codes,
        ["missing-joint-solution", "trait-count", "unverifiable"]
    );
    t.ok(r#"/profile trait add type:si name:"Fortune 500 clients" verify_by:"website""#)
        .await;
    t.ok(
        r#"/profile trait add type:si name:"Implementation bench" verify_by:"staffing list" min:5"#,
    )
    .await;
    let r = t
        .ok(r#"/profile trait remove type:si trait:"strong INTENT to co-sell""#)
        .await;
    assert_eq!(r["revision"], 5);
    assert_eq!(r["traits"].as_array().unwrap().len(), 2);
    let h = t.ok("/profile history type:si").await;
    let revs = h["revisions"].as_array().unwrap();
    assert_eq!(revs.len(), 5);
    // Old revisions stay readable: revision 4 had all three traits.
    assert_eq!(revs[3]["traits"].as_array().unwrap().len(), 3);
    assert_eq!(
        revs[4]["change"],
        "removed trait \"Strong intent to co-sell\""
    );
    let lint = t.ok("/profile lint type:si").await;
    let codes: Vec<&str> = lint["lint"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["code"].as_str().unwrap())
        .collect();
    assert_eq!(
        codes,
        ["missing-joint-solution", "trait-count", "logo-wish-list"]
    );
    // one active profile per type
    let e = t.err(r#"/profile create type:si name:"Another""#).await;
    assert!(e.contains("already an active si profile"), "{e}");
    t.ok("/profile retire type:si").await;
    t.ok(r#"/profile create type:si name:"SIs v2""#).await;
    let list = t.ok("/profile list").await;
    assert_eq!(list["profiles"].as_array().unwrap().len(), 1);
    // trait names are unique in a profile, without case
    t.ok(r#"/profile trait add type:si name:"Bench""#).await;
    let e = t.err(r#"/profile trait add type:si name:" bench ""#).await;
    assert!(e.contains("already has a trait"), "{e}");
}

async fn screening_verdicts_worked_by_hand(db: Db) {
    let t = TestApp::on(db, utc(2026, 11, 26, 12, 0)).await;
    reseller_profile(&t).await;
    for name in ["Acme Corp", "Beta Systems", "Gamma", "Delta", "Epsilon"] {
        let r = t
            .ok(&format!(r#"/partner add name:"{name}" type:reseller"#))
            .await;
        assert!(r["id"].as_i64().unwrap() > 0);
    }
    // Acme: all five met -> fit.
    evidence(
        &t,
        "Acme Corp",
        &[
            ("Deal registration", "met:true", "2026-10-01"),
            ("Customer overlap", "value:31", "2026-10-01"),
            ("Named champion", "met:true", "2026-10-01"),
            ("Co-sell deals", "value:2", "2026-10-01"),
            ("Certified engineers", "value:50", "2026-10-01"), // max is inclusive
        ],
    )
    .await;
    let s = t.ok(r#"/screen partner:"Acme Corp""#).await;
    assert_eq!(
        (
            s["verdict"].as_str(),
            s["met"].as_i64(),
            s["missed"].as_i64(),
            s["unknown"].as_i64()
        ),
        (Some("fit"), Some(5), Some(0), Some(0))
    );
    assert_eq!(s["verify_next"], Value::Array(vec![]));
    let overlap = &s["traits"][1];
    assert_eq!(
        (
            overlap["name"].as_str(),
            overlap["value"].as_f64(),
            overlap["source"].as_str()
        ),
        (Some("Customer overlap"), Some(31.0), Some("crm"))
    );

    // Beta: overlap 20 < 25 missed, rest met -> near-fit; then a correction (newer record) makes it fit.
    evidence(
        &t,
        "Beta Systems",
        &[
            ("Deal registration", "met:true", "2026-09-01"),
            ("Customer overlap", "value:20", "2026-09-01"),
            ("Named champion", "met:true", "2026-09-01"),
            ("Co-sell deals", "value:1", "2026-09-01"),
            ("Certified engineers", "value:2", "2026-09-01"),
        ],
    )
    .await;
    assert_eq!(
        t.ok(r#"/screen partner:"beta systems""#).await["verdict"],
        "near-fit"
    );
    evidence(
        &t,
        "Beta Systems",
        &[("Customer overlap", "value:26", "2026-11-20")],
    )
    .await;
    assert_eq!(
        t.ok(r#"/screen partner:"Beta Systems""#).await["verdict"],
        "fit"
    );

    // Gamma: two misses -> walk-away, whatever else is unknown.
    evidence(
        &t,
        "Gamma",
        &[
            ("Deal registration", "met:true", "2026-01-10"),
            ("Deal registration", "met:false", "2026-06-01"),
            ("Customer overlap", "value:10", "2026-06-01"),
        ],
    )
    .await;
    let g = t.ok("/screen partner:Gamma").await;
    assert_eq!(
        (
            g["verdict"].as_str(),
            g["missed"].as_i64(),
            g["unknown"].as_i64()
        ),
        (Some("walk-away"), Some(2), Some(3))
    );
    assert_eq!(g["verify_next"], Value::Array(vec![]));
    // As of before the misses were observed: only the met deal registration counts.
    let g_then = t.ok("/screen partner:Gamma as_of:2026-05-31").await;
    assert_eq!(g_then["verdict"], "incomplete");
    assert_eq!(status_of(&g_then, "Deal registration"), "met");
    assert_eq!(g_then["verify_next"].as_array().unwrap().len(), 4);
    let before_any = t.ok("/screen partner:Gamma as_of:2026-01-09").await;
    assert_eq!(before_any["unknown"], 5);

    // Delta: two met, three unknown -> incomplete with the traits to verify next, in profile order.
    evidence(
        &t,
        "Delta",
        &[
            ("Deal registration", "met:true", "2026-11-01"),
            ("Customer overlap", "value:40", "2026-11-01"),
        ],
    )
    .await;
    let d = t.ok("/screen partner:Delta").await;
    assert_eq!(d["verdict"], "incomplete");
    assert_eq!(
        d["verify_next"],
        serde_json::json!(["Named champion", "Co-sell deals", "Certified engineers"])
    );

    // Epsilon: overlap observed 366 days ago is stale; certified observed exactly 365 days ago still counts.
    evidence(
        &t,
        "Epsilon",
        &[
            ("Deal registration", "met:true", "2026-11-01"),
            ("Customer overlap", "value:99", "2025-11-25"),
            ("Named champion", "met:true", "2026-11-01"),
            ("Co-sell deals", "value:3", "2026-11-01"),
            ("Certified engineers", "value:4", "2025-11-26"),
        ],
    )
    .await;
    let e = t.ok("/screen partner:Epsilon").await;
    assert_eq!(status_of(&e, "Customer overlap"), "stale");
    assert_eq!(status_of(&e, "Certified engineers"), "met");
    assert_eq!(
        (e["verdict"].as_str(), e["unknown"].as_i64()),
        (Some("incomplete"), Some(1))
    );
    assert_eq!(e["verify_next"], serde_json::json!(["Customer overlap"]));
    // Lowering the age limit makes the certified record stale too.
    t.ok("/settings set key:evidence_max_age_days value:364")
        .await;
    let e = t.ok("/screen partner:Epsilon").await;
    assert_eq!(
        e["verify_next"],
        serde_json::json!(["Customer overlap", "Certified engineers"])
    );
    t.ok("/settings set key:evidence_max_age_days value:365")
        .await;

    // Retracting Gamma's overlap miss leaves one miss: incomplete.
    let ev = t.ok("/evidence list partner:Gamma").await;
    let overlap_id = ev["records"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["trait"] == "Customer overlap")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    t.ok(&format!(
        r#"/evidence retract id:{overlap_id} reason:"wrong partner""#
    ))
    .await;
    let g = t.ok("/screen partner:Gamma").await;
    assert_eq!(
        (g["verdict"].as_str(), g["missed"].as_i64()),
        (Some("incomplete"), Some(1))
    );
    let e = t
        .err(&format!(
            r#"/evidence retract id:{overlap_id} reason:"again""#
        ))
        .await;
    assert!(e.contains("already retracted"), "{e}");
    // The retracted record stays readable.
    let ev = t.ok("/evidence list partner:Gamma").await;
    assert!(ev["records"]
        .as_array()
        .unwrap()
        .iter()
        .any(|r| r["id"] == overlap_id && r["retracted"] == true));

    // max_misses 2: Gamma-like partners with two misses are no longer walk-aways.
    t.ok("/settings set key:max_misses value:0").await;
    assert_eq!(
        t.ok(r#"/screen partner:"Beta Systems""#).await["verdict"],
        "fit"
    );
    assert_eq!(t.ok("/screen partner:Gamma").await["verdict"], "walk-away");

    // /partner list with a verdict filter
    let l = t.ok("/partner list verdict:fit").await;
    let names: Vec<&str> = l["partners"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Acme Corp", "Beta Systems"]);
}

async fn same_day_observations_later_recorded_wins(db: Db) {
    let t = TestApp::on(db, utc(2026, 11, 26, 12, 0)).await;
    reseller_profile(&t).await;
    t.ok(r#"/partner add name:"Acme" type:reseller"#).await;
    evidence(
        &t,
        "Acme",
        &[("Deal registration", "met:false", "2026-11-10")],
    )
    .await;
    t.clock.advance(chrono::Duration::minutes(5));
    evidence(
        &t,
        "Acme",
        &[("Deal registration", "met:true", "2026-11-10")],
    )
    .await;
    t.clock.advance(chrono::Duration::minutes(5));
    // recorded last, observed earlier: does not count
    evidence(
        &t,
        "Acme",
        &[("Deal registration", "met:false", "2026-11-09")],
    )
    .await;
    assert_eq!(
        status_of(&t.ok("/screen partner:Acme").await, "Deal registration"),
        "met"
    );
}

async fn names_not_on_the_roster_get_the_traits_to_check(db: Db) {
    let t = TestApp::on(db, utc(2026, 11, 26, 12, 0)).await;
    reseller_profile(&t).await;
    t.ok(r#"/profile create type:referral name:"Referrers""#)
        .await;
    t.ok(r#"/profile trait add type:referral name:"Warm intros per quarter" verify_by:"intro log" min:3"#).await;
    t.ok(r#"/partner add name:"Acme Corp" type:reseller"#).await;
    let r = t.ok("/screen partner:Globex").await;
    assert_eq!(r["on_roster"], false);
    assert_eq!(
        r["traits"].as_array().unwrap().len(),
        6,
        "every active profile's traits"
    );
    let v = t.lead("does Globex fit as a referral partner?").await;
    assert_eq!(v["command"], "screen");
    let traits = v["reply"]["traits"].as_array().unwrap();
    assert_eq!(traits.len(), 1);
    assert_eq!(
        (traits[0]["type"].as_str(), traits[0]["name"].as_str()),
        (Some("referral"), Some("Warm intros per quarter"))
    );
    // A question about a roster name (fuzzy) is a screen.
    let v = t.lead("does acme corp fit?").await;
    assert_eq!(
        (
            v["reply"]["on_roster"].as_bool(),
            v["reply"]["verdict"].as_str()
        ),
        (Some(true), Some("incomplete"))
    );
    let v = t.lead("does Acme Crop fit?").await;
    assert_eq!(v["reply"]["partner"], "Acme Corp");
    let v = t.lead("hello bot").await;
    assert_eq!(v["ok"], false);
}

async fn bad_input_is_refused_and_changes_nothing(db: Db) {
    let t = TestApp::on(db, utc(2026, 11, 26, 12, 0)).await;
    reseller_profile(&t).await;
    t.ok(r#"/partner add name:"Acme Corp" type:reseller"#).await;
    let before = t.ok(r#"/evidence list partner:"Acme Corp""#).await;
    let cases: &[(&str, &str)] = &[
        (
            r#"/evidence add partner:"Acme Crop" trait:"Deal registration" met:true"#,
            "Did you mean `Acme Corp`?",
        ),
        (
            r#"/evidence add partner:"Acme Corp" trait:"Deal registraton" met:true"#,
            "Did you mean `Deal registration`?",
        ),
        (
            r#"/evidence add partner:"Acme Corp" trait:"Deal registration" value:3"#,
            "yes/no trait",
        ),
        (
            r#"/evidence add partner:"Acme Corp" trait:"Customer overlap" met:true"#,
            "threshold trait",
        ),
        (
            r#"/evidence add partner:"Acme Corp" trait:"Customer overlap" value:lots"#,
            "not a number",
        ),
        (
            r#"/evidence add partner:"Acme Corp" trait:"Customer overlap" value:-3"#,
            "cannot be negative",
        ),
        (
            r#"/evidence add partner:"Acme Corp" trait:"Customer overlap" value:NaN"#,
            "not a number",
        ),
        (
            r#"/evidence add partner:"Acme Corp" trait:"Customer overlap" value:inf"#,
            "not a number",
        ),
        (
            r#"/evidence add partner:"Acme Corp" trait:"Customer overlap" value:30 observed:2026-13-01"#,
            "not a date",
        ),
        (
            r#"/evidence add partner:"Acme Corp" trait:"Customer overlap" value:30 observed:2026-12-01"#,
            "in the future",
        ),
        (
            r#"/evidence add partner:"Acme Corp" trait:"Deal registration" met:maybe"#,
            "true or false",
        ),
        (
            r#"/partner add name:"Globex" type:vendor"#,
            "unknown partner type `vendor`",
        ),
        (r#"/screen partner:"Acme Corp"#, "unbalanced quote"),
        (
            r#"/partner add name:" acme CORP " type:si"#,
            "already on the roster",
        ),
        (
            "/partner add name:\"Tab\tCo\" type:si",
            "control characters",
        ),
        (
            r#"/profile create type:reseller name:"Second""#,
            "already an active reseller profile",
        ),
        ("/evidence retract id:999 reason:x", "no evidence #999"),
        ("/evidence retract id:abc reason:x", "record number"),
        (
            r#"/screen partner:"Acme Corp" as_of:2027-01-01"#,
            "in the future",
        ),
        ("/screen", "needs `partner`"),
        (
            r#"/screen partner:Acme colour:red"#,
            "has no option `colour`",
        ),
    ];
    for (line, expected) in cases {
        let e = t.err(line).await;
        assert!(
            e.contains(expected),
            "{line}\n  -> {e}\n  expected: {expected}"
        );
        assert!(!e.contains('\n'), "one line: {e}");
    }
    let huge = format!(
        r#"/evidence add partner:"Acme Corp" trait:"Deal registration" met:true note:"{}""#,
        "x".repeat(100 * 1024)
    );
    let e = t.err(&huge).await;
    assert!(e.contains("at most 1000 characters"), "{e}");
    let after = t.ok(r#"/evidence list partner:"Acme Corp""#).await;
    assert_eq!(before, after, "refused commands changed nothing");
    assert_eq!(t.ok("/partner list").await["count"], 1);
    assert_eq!(t.ok("/profile show type:reseller").await["revision"], 6);
}

async fn roles_and_workspaces(db: Db) {
    let t = TestApp::on(db, utc(2026, 11, 26, 12, 0)).await;
    reseller_profile(&t).await;
    t.ok(r#"/partner add name:"Acme Corp" type:reseller"#).await;
    let guest = t.ctx("local", "gus", Role::Guest);
    let member = t.ctx("local", "mia", Role::Member);
    let other_member = t.ctx("local", "max", Role::Member);
    let other_ws = t.ctx("elsewhere", "ana", Role::Lead);

    // guests read and screen, but do not write
    assert_eq!(
        t.run(&guest, r#"/screen partner:"Acme Corp""#).await["ok"],
        true
    );
    assert_eq!(
        t.run(&guest, "/profile show type:reseller").await["ok"],
        true
    );
    let v = t.run(&guest, r#"/partner add name:"Globex" type:si"#).await;
    assert_eq!(v["ok"], false);
    assert!(v["error"].as_str().unwrap().contains("Only members"), "{v}");
    // members record evidence, but cannot touch profiles or sign
    let v = t
        .run(
            &member,
            r#"/evidence add partner:"Acme Corp" trait:"Deal registration" met:true"#,
        )
        .await;
    assert_eq!(v["ok"], true, "{v}");
    let id = v["reply"]["id"].as_i64().unwrap();
    assert_eq!(v["reply"]["verdict"], "incomplete");
    for line in [
        r#"/profile trait add type:reseller name:"X""#,
        r#"/partner sign partner:"Acme Corp""#,
        "/settings set key:max_misses value:2",
    ] {
        let v = t.run(&member, line).await;
        assert!(
            v["error"].as_str().unwrap().contains("Only leads"),
            "{line}: {v}"
        );
    }
    // another member cannot retract mia's record; mia can; a lead can retract anything
    let v = t
        .run(
            &other_member,
            &format!("/evidence retract id:{id} reason:nope"),
        )
        .await;
    assert!(
        v["error"]
            .as_str()
            .unwrap()
            .contains("someone else recorded"),
        "{v}"
    );
    // another workspace cannot see or retract it
    let v = t
        .run(&other_ws, &format!("/evidence retract id:{id} reason:nope"))
        .await;
    assert!(v["error"].as_str().unwrap().contains("no evidence"), "{v}");
    let v = t.run(&other_ws, r#"/screen partner:"Acme Corp""#).await;
    assert_eq!(v["reply"]["on_roster"], false);
    assert_eq!(
        v["reply"]["traits"].as_array().unwrap().len(),
        0,
        "no profile leaks across workspaces"
    );
    let v = t
        .run(
            &member,
            &format!("/evidence retract id:{id} reason:\"my mistake\""),
        )
        .await;
    assert_eq!(v["ok"], true, "{v}");
    // the same name may exist in another workspace
    assert_eq!(
        t.run(&other_ws, r#"/partner add name:"Acme Corp" type:si"#)
            .await["ok"],
        true
    );
    // help marks what the caller may not run
    let h = t.run(&guest, "/help").await;
    let add = h["reply"]["commands"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["command"] == "partner add")
        .unwrap()
        .clone();
    assert_eq!(add["allowed"], false);
}

async fn partner_lifecycle(db: Db) {
    let t = TestApp::on(db, utc(2026, 11, 26, 12, 0)).await;
    reseller_profile(&t).await;
    t.ok(r#"/partner add name:"Acme Corp" type:reseller champion:"Jo Smith""#)
        .await;
    let e = t
        .err(r#"/partner sign partner:"Acme Corp" date:2026-12-01"#)
        .await;
    assert!(e.contains("in the future"), "{e}");
    let s = t
        .ok(r#"/partner sign partner:"Acme Corp" date:2026-11-02"#)
        .await;
    assert_eq!(
        (s["stage"].as_str(), s["date"].as_str()),
        (Some("signed"), Some("2026-11-02"))
    );
    assert!(t
        .err(r#"/partner sign partner:"Acme Corp""#)
        .await
        .contains("already signed"));
    let e = t
        .err(r#"/partner drop partner:"Acme Corp" reason:"churned" date:2026-11-01"#)
        .await;
    assert!(e.contains("cannot be earlier"), "{e}");
    let d = t
        .ok(r#"/partner drop partner:"Acme Corp" reason:"walked away: missed 2 traits""#)
        .await;
    assert_eq!(
        (d["stage"].as_str(), d["reason"].as_str()),
        (Some("dropped"), Some("walked away: missed 2 traits"))
    );
    let show = t.ok(r#"/partner show partner:"acme corp""#).await;
    assert_eq!(
        (
            show["stage"].as_str(),
            show["dropped"].as_str(),
            show["champion"].as_str()
        ),
        (Some("dropped"), Some("2026-11-26"), Some("Jo Smith"))
    );
    assert_eq!(t.ok("/partner list stage:dropped").await["count"], 1);
    assert_eq!(t.ok("/partner list stage:signed").await["count"], 0);
}
