//! `partnerfit demo`: the README's tour run as written, with every digest figure worked out by hand from the
//! demo's tables (src/generate/demo.rs); the refusal of a workspace that holds data; the same data on both
//! backends and on every run.

use crate::cli::run_console as partnerfit;
use crate::support::db::{both_backends, Db, TestDb};
use chrono::NaiveDate;
use partnerfit::domain::{Quarter, Week};
use partnerfit::generate::demo;
use partnerfit::store::Store;
use serde_json::{json, Value};

/// The fenced block of language `lang` that follows `heading` in the README.
fn readme_fence(heading: &str, lang: &str) -> String {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let at = readme.find(heading).unwrap();
    let open = format!("```{lang}\n");
    let start = readme[at..].find(&open).unwrap() + at + open.len();
    let end = readme[start..].find("```").unwrap() + start;
    readme[start..end].to_string()
}

/// One line of the README's shell block: `partnerfit ARGS`, or `echo 'LINE' | partnerfit ARGS`.
fn run_line(dir: &std::path::Path, line: &str) -> (String, String, i32) {
    let (stdin, command) = match line.strip_prefix("echo '") {
        Some(rest) => {
            let (text, after) = rest.split_once("' | ").unwrap();
            (format!("{text}\n"), after)
        }
        None => (String::new(), line),
    };
    let args: Vec<&str> = command
        .strip_prefix("partnerfit ")
        .unwrap_or_else(|| panic!("a tour line runs partnerfit: {line}"))
        .split_whitespace()
        .collect();
    partnerfit(dir, &args, &stdin)
}

fn close(v: &Value, expected: f64) {
    let got = v.as_f64().unwrap_or_else(|| panic!("{v} is not a number"));
    assert!(
        (got - expected).abs() <= 1e-9 * expected.abs().max(1.0),
        "{got} != {expected}"
    );
}

/// The week and quarters `partnerfit demo` says it filled, from its first line: "… allocations (FIRST to
/// THIS WEEK) … outcomes (QUARTER BEFORE LAST and LAST QUARTER) …". The digests' defaults are the week before
/// the one it ran in and its last quarter: the ones the figures below are worked out for.
fn demo_dates(out: &str) -> (Week, Quarter, Quarter) {
    let between = |open: &str, close: &str| {
        let at = out.find(open).unwrap_or_else(|| panic!("{open} in {out}")) + open.len();
        out[at..at + out[at..].find(close).unwrap()].to_string()
    };
    let weeks = between("allocations (", ")");
    let (_, this_week) = weeks.split_once(" to ").unwrap();
    let quarters = between("outcomes (", ")");
    let (before, last) = quarters.split_once(" and ").unwrap();
    (
        this_week.parse::<Week>().unwrap().prev(),
        last.parse().unwrap(),
        before.parse().unwrap(),
    )
}

/// The README's tour run in `dir`, line by line: each line's output.
fn tour(dir: &std::path::Path) -> Vec<String> {
    let tour = readme_fence("## A short tour", "sh");
    let lines: Vec<&str> = tour.lines().collect();
    assert_eq!(lines.len(), 4, "{tour}");
    let mut outputs = Vec::new();
    for line in &lines {
        let (out, err, code) = run_line(dir, line);
        assert_eq!(code, 0, "{line}: {err}");
        outputs.push(out);
    }
    outputs
}

#[test]
fn the_readme_tour_with_the_demo_shows_the_figures_worked_out_by_hand() {
    // The tour's digests take the week and the quarter that just ended from the clock when they run; the demo
    // dated its data from the clock when it ran. A tour across a Monday (or a quarter's first day) shows
    // another week (or quarter) than the demo's, and is run again in a fresh directory: it takes seconds, so
    // the second run crosses none. The digests below name the week and quarters the demo reported.
    let (dir, outputs, (week, q1, q2)) = (0..2)
        .map(|_| {
            let dir = tempfile::tempdir().unwrap();
            let outputs = tour(dir.path());
            let dates = demo_dates(&outputs[0]);
            (dir, outputs, dates)
        })
        .find(|(_, outputs, (week, q1, _))| {
            outputs[1].contains(&format!("Weekly allocation check {week}:"))
                && outputs[2].contains(&format!("Quarterly re-check {q1}:"))
        })
        .expect("two tours in a row, each across a Monday or a quarter's first day");
    let (week, q1, q2) = (week.to_string(), q1.to_string(), q2.to_string());
    assert!(
        outputs[0].contains("40 partners (17 signed, 5 dropped, 18 prospects)"),
        "{}",
        outputs[0]
    );
    // The cards as a lead reads them.
    assert!(outputs[1].contains(": drifting"), "{}", outputs[1]);
    assert!(
        outputs[1].contains("79 h and $4,800 logged"),
        "{}",
        outputs[1]
    );
    assert!(
        outputs[1].contains("Lakeshore Solutions, Summit Resale Partners"),
        "{}",
        outputs[1]
    );
    assert!(outputs[2].contains(": hold"), "{}", outputs[2]);
    let png = std::fs::read(dir.path().join("quarterly.png")).unwrap();
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"), "a PNG chart");
    assert!(
        outputs[3].contains("Roster (40 partners)"),
        "{}",
        outputs[3]
    );

    let json = |args: &[&str]| -> Value {
        let (out, err, code) = partnerfit(dir.path(), args, "");
        assert_eq!(code, 0, "{args:?}: {err}");
        serde_json::from_str(out.trim()).unwrap()
    };

    // The week that just ended, from the loads of the demo's table (hours, dollars) for one week ago:
    // matching: Northwind 6/400, Bluefin 5/300, Cedar 4/0, Meridian 4/250, Harbor 3/0, Quanta 5/800,
    //   Lumen 4/0, Vector 3/200, Brightwave 4/300, Atlas 3/0 (fit since three weeks ago), Kestrel 2/0
    //   = 43 h, $2,250;
    // walk-away: Brightline 10/1500, Granite 8/600, Relay 6/300, Copperleaf 3/150, Redwood 1/0 = 28 h, $2,550;
    // incomplete: Pinecrest 1, Stackline 1, Crescent 2 = 4 h; unscreened (no SI profile): Tangent 4 h.
    // Northwind's retracted 6 h do not count. 43 / 79 hours, 2250 / 4800 spend: under 80 %, drifting.
    let w = json(&[
        "digest",
        "weekly",
        "--week",
        week.as_str(),
        "--workspace",
        "demo",
        "--json",
    ]);
    assert_eq!(w["week"], week.as_str());
    close(&w["hours_total"], 79.0);
    close(&w["spend_total"], 4800.0);
    close(&w["matching_share_hours"], 43.0 / 79.0);
    close(&w["matching_share_spend"], 2250.0 / 4800.0);
    assert_eq!(w["status"], "drifting");
    assert_eq!(w["hint"], "allocation-drifting");
    assert_eq!(
        w["buckets"],
        json!({"matching": {"hours": 43.0, "spend": 2250.0}, "not-matching": {"hours": 28.0, "spend": 2550.0},
               "unscreened": {"hours": 8.0, "spend": 0.0}})
    );
    let top: Vec<(&str, f64)> = w["top_not_matching"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["partner"].as_str().unwrap(), p["hours"].as_f64().unwrap()))
        .collect();
    assert_eq!(
        top,
        [
            ("Brightline Business Machines", 10.0),
            ("Granite Peak Resellers", 8.0),
            ("Relay Cloud", 6.0),
            ("Copperleaf Resellers", 3.0),
            ("Redwood Office Supply", 1.0)
        ]
    );
    // Summit's loads stop five weeks ago and Lakeshore's ten: no time in the last four weeks.
    assert_eq!(
        w["neglected"],
        json!(["Lakeshore Solutions", "Summit Resale Partners"])
    );
    // Eight to one weeks ago. Matching base 38 h (the nine steady ones) + Summit 3 h until five weeks ago;
    // from three weeks ago + Atlas 3 h (fit) + Kestrel 2 h. Everyone else: Granite 2, Redwood 1, Relay 1,
    // Copperleaf 1, Pinecrest 1, Stackline 1 until five weeks ago (then 8, 1, 6, 3, 1, 1), Lattice 2 (nine to
    // six weeks ago), Atlas 3 while incomplete (six to four), Brightline 10 and Tangent 4 (from three),
    // Crescent 2 (two and one).
    let trend: Vec<f64> = w["trend"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["matching_share_hours"].as_f64().unwrap())
        .collect();
    let expected = [
        41.0 / 50.0,
        41.0 / 50.0,
        41.0 / 53.0,
        41.0 / 51.0,
        38.0 / 61.0,
        43.0 / 77.0,
        43.0 / 79.0,
        43.0 / 79.0,
    ];
    assert_eq!(trend.len(), 8);
    for (got, want) in trend.iter().zip(expected) {
        close(&json!(got), want);
    }

    // The quarter that just ended. Cohort: 17 signed before it or in it, and Oakridge (dropped during it).
    // Matching (11): 210, 185, 160, 140, 120, 95, 75 (resellers), 150, 130, 100, 22 (thousands).
    // Everyone else (7): Granite 30 (its retracted 250 does not count), Redwood 12, Pinecrest 8, Oakridge 0,
    // Copperleaf 5, Relay 45, Stackline 18. No ties and a group of 7, so the test is exact: only Brightwave's
    // 22 is beaten, by 30 and 45, so U = 11 × 7 − 2 = 75, and P(U ≥ 75) counts the arrangements with at most
    // 2 inversions: 1 + 1 + 2 = 4 of C(18, 7) = 31,824.
    let q = json(&[
        "digest",
        "quarterly",
        "--quarter",
        q1.as_str(),
        "--workspace",
        "demo",
        "--json",
    ]);
    assert_eq!(q["quarter"], q1.as_str());
    assert_eq!(q["verdict"], "hold");
    assert_eq!(q["method"], "exact");
    assert_eq!(q["matching"]["n"], 11);
    close(&q["matching"]["total"], 1_387_000.0);
    close(&q["matching"]["mean"], 1_387_000.0 / 11.0);
    close(&q["matching"]["median"], 130_000.0);
    assert_eq!(q["not_matching"]["n"], 7);
    close(&q["not_matching"]["total"], 118_000.0);
    close(&q["not_matching"]["mean"], 118_000.0 / 7.0);
    close(&q["not_matching"]["median"], 12_000.0);
    close(&q["lift"], (1387.0 / 11.0) / (118.0 / 7.0));
    close(&q["u"], 75.0);
    close(&q["p_value"], 4.0 / 31_824.0);
    // Signed during the quarter: Brightwave (fit) and Copperleaf (walk-away).
    close(&q["recruitment_match_share"], 0.5);

    // The quarter before: Brightwave and Copperleaf not signed yet. Matching (10): 40, 35, 30, 25, 20, 45,
    // 15, 28, 18, 10 — mean 26.6k, median (25 + 28) / 2; everyone else (6): 90, 70, 55, 50, 65, 60 — mean 65k,
    // median (60 + 65) / 2. The lower mean rules out hold; the lower median says revise.
    let prev = json(&[
        "digest",
        "quarterly",
        "--quarter",
        q2.as_str(),
        "--workspace",
        "demo",
        "--json",
    ]);
    assert_eq!(prev["verdict"], "revise");
    assert_eq!(prev["matching"]["n"], 10);
    close(&prev["matching"]["mean"], 26_600.0);
    close(&prev["matching"]["median"], 26_500.0);
    assert_eq!(prev["not_matching"]["n"], 6);
    close(&prev["not_matching"]["mean"], 65_000.0);
    close(&prev["not_matching"]["median"], 62_500.0);

    // The roster's verdicts, from the evidence codes of the table.
    let (out, err, code) = partnerfit(
        dir.path(),
        &[
            "console",
            "--workspace",
            "demo",
            "--json",
            "--role",
            "guest",
        ],
        "/partner list\n",
    );
    assert_eq!(code, 0, "{err}");
    let list: Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(list["reply"]["count"], 40);
    let mut by_verdict = std::collections::BTreeMap::new();
    for p in list["reply"]["partners"].as_array().unwrap() {
        *by_verdict
            .entry(p["verdict"].as_str().unwrap_or("none").to_string())
            .or_insert(0) += 1;
    }
    let want: std::collections::BTreeMap<String, i32> = [
        ("fit", 12),
        ("near-fit", 5),
        ("walk-away", 12),
        ("incomplete", 9),
        ("none", 2),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    assert_eq!(by_verdict, want, "{list}");
}

#[test]
fn demo_refuses_a_workspace_that_holds_data_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let (_, err, code) = partnerfit(
        dir.path(),
        &["console", "--workspace", "demo"],
        "/partner add name:\"Acme\" type:reseller\n",
    );
    assert_eq!(code, 0, "{err}");
    let db = dir.path().join("partnerfit.db");
    let before = std::fs::read(&db).unwrap();
    let (out, err, code) = partnerfit(dir.path(), &["demo"], "");
    // A refused command (exit 1), not a configuration problem (exit 2): the same configuration fills another
    // workspace.
    assert_eq!(code, 1, "{out}{err}");
    assert_eq!(out, "");
    assert_eq!(
        err,
        "partnerfit: error: workspace `demo` already holds data (profiles, partners or schedules): the demo fills an empty one; name another with --workspace\n"
    );
    assert_eq!(std::fs::read(&db).unwrap(), before, "nothing changed");
    // Another workspace of the same database is filled.
    let (out, err, code) = partnerfit(dir.path(), &["demo", "--workspace", "team two"], "");
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("--workspace 'team two'"), "{out}");
}

async fn same_day_same_data(backend: Db) {
    let today = NaiveDate::from_ymd_opt(2026, 12, 6).unwrap();
    let now = today.and_hms_opt(10, 0, 0).unwrap().and_utc();
    let mut snapshots = Vec::new();
    for _ in 0..2 {
        let db = TestDb::new(backend).await;
        let store = Store::open(&db.url).await.unwrap();
        let counts = demo::write(&store, "demo", today, now).await.unwrap();
        assert_eq!(
            (
                counts.partners,
                counts.signed,
                counts.dropped,
                counts.prospects
            ),
            (40, 17, 5, 18)
        );
        assert_eq!(counts.quarters, ["2026-Q2", "2026-Q3"]);
        assert_eq!(
            (counts.first_week.as_str(), counts.last_week.as_str()),
            ("2026-W24", "2026-W49")
        );
        // A second run into the same workspace is refused inside its transaction.
        let again = demo::write(&store, "demo", today, now).await;
        assert!(
            matches!(again, Err(demo::DemoError::HoldsData(_))),
            "{again:?}"
        );
        snapshots.push(store.snapshot(Some("demo")).await.unwrap());
        store.close().await;
    }
    assert!(snapshots[0].contains("# partners: 40\n"));
    assert_eq!(
        snapshots[0], snapshots[1],
        "the same day gives the same rows"
    );
}

both_backends!(
    same_day_same_data,
    two_demos_at_once_fill_the_workspace_once
);

/// Two `partnerfit demo` runs into one empty workspace at once (two stores, as two processes): one fills it,
/// the other is refused as it is when run after it, and the workspace holds one demo (40 partners, not 80:
/// both had checked the empty workspace before either committed, on PostgreSQL).
async fn two_demos_at_once_fill_the_workspace_once(backend: Db) {
    let today = NaiveDate::from_ymd_opt(2026, 12, 6).unwrap();
    let now = today.and_hms_opt(10, 0, 0).unwrap().and_utc();
    let db = TestDb::new(backend).await;
    let one = Store::open(&db.url).await.unwrap();
    let two = Store::open(&db.url).await.unwrap();
    let (a, b) = tokio::join!(
        demo::write(&one, "demo", today, now),
        demo::write(&two, "demo", today, now)
    );
    let refused = [&a, &b]
        .into_iter()
        .filter(|r| matches!(r, Err(demo::DemoError::HoldsData(_))))
        .count();
    let filled = [&a, &b].into_iter().filter(|r| r.is_ok()).count();
    assert_eq!((filled, refused), (1, 1), "{a:?}\n{b:?}");
    let snapshot = one.snapshot(Some("demo")).await.unwrap();
    assert!(snapshot.contains("# partners: 40\n"), "{snapshot}");
    one.close().await;
    two.close().await;
}
