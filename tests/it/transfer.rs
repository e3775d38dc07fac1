//! CSV import and export: round trips, idempotent re-imports, dry runs, every kind of bad input (each leaves
//! the database exactly as it was), formula escaping, and the command line with its exit codes.

use crate::support::{utc, TestApp};
use partnerfit::app::transfer::MAX_IMPORT_BYTES;
use partnerfit::app::{dispatch, ArgValue, Invocation};
use partnerfit::domain::Role;
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

mod bad_input;
mod cli;
mod export_limits;
mod similar;

const KINDS: [(&str, &str); 4] = [
    ("roster", "partners"),
    ("evidence", "evidence"),
    ("allocations", "allocations"),
    ("outcomes", "outcomes"),
];

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn read_fixture(name: &str) -> Vec<u8> {
    std::fs::read(fixture(name)).unwrap()
}

/// Run console lines as a lead in workspace `ws`; every line must succeed.
async fn script(t: &TestApp, ws: &str, lines: &str) {
    let ctx = t.ctx(ws, "ana", Role::Lead);
    for line in lines.lines() {
        let v = t.run(&ctx, line).await;
        assert!(v.is_null() || v["ok"] == true, "{line} -> {v}");
    }
}

async fn profiles(t: &TestApp, ws: &str) {
    let text = String::from_utf8(read_fixture("profiles.console")).unwrap();
    script(t, ws, &text).await;
}

/// `/export what` in `ws`: the attached CSV.
async fn export(t: &TestApp, ws: &str, what: &str) -> String {
    let ctx = t.ctx(ws, "ana", Role::Member);
    let inv = Invocation::new(&["export"]).with("what", what);
    let r = dispatch(&t.app, &ctx, &inv)
        .await
        .unwrap_or_else(|e| panic!("export {what}: {}", e.user_message()));
    assert_eq!(r.card.files.len(), 1);
    assert!(r.card.files[0].name.ends_with(".csv"));
    assert_eq!(r.json()["rows"].as_u64().unwrap() as usize + 1, {
        let text = String::from_utf8(r.card.files[0].bytes.clone()).unwrap();
        count_records(&text)
    });
    String::from_utf8(r.card.files[0].bytes.clone()).unwrap()
}

/// Records in a CSV text (quoted newlines do not end a record).
fn count_records(text: &str) -> usize {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.as_bytes())
        .records()
        .count()
}

/// Every export of a workspace, to compare before and after.
async fn snapshot(t: &TestApp, ws: &str) -> Vec<String> {
    let mut out = Vec::new();
    for (what, _) in KINDS {
        out.push(export(t, ws, what).await);
    }
    out
}

/// `/import what file [dry_run]` in `ws`: the reply's JSON, or the error text.
async fn import_as(
    t: &TestApp,
    ws: &str,
    role: Role,
    what: &str,
    bytes: &[u8],
    dry_run: bool,
) -> Result<Value, String> {
    let options: &[(&str, &str)] = if dry_run { &[("dry_run", "true")] } else { &[] };
    t.import(&t.ctx(ws, "ana", role), what, bytes, options)
        .await
}

async fn import(t: &TestApp, ws: &str, what: &str, bytes: &[u8]) -> Result<Value, String> {
    import_as(t, ws, Role::Lead, what, bytes, false).await
}

async fn import_ok(t: &TestApp, ws: &str, what: &str, bytes: &[u8]) -> Value {
    import(t, ws, what, bytes)
        .await
        .unwrap_or_else(|e| panic!("import {what}: {e}"))
}

/// A workspace with a bit of everything, made with the commands (not the import).
async fn seeded(ws: &str) -> TestApp {
    let t = TestApp::new(utc(2026, 11, 26, 12, 0)).await;
    profiles(&t, ws).await;
    script(
        &t,
        ws,
        r#"/partner add name:"Acme Corp" type:reseller champion:"Jo Smith" note:"DACH, 40 reps"
/partner add name:"=HYPERLINK(\"x\")" type:reseller
/partner add name:"Globex" type:reseller note:"say \"hi\"\nsecond line"
/partner add name:"@Initech" type:si champion:"-Priya"
/partner add name:"Hooli" type:tech-isv
/partner sign partner:"Acme Corp" date:2026-02-02
/partner sign partner:"@Initech" date:2025-11-17
/partner drop partner:"@Initech" reason:"churned, sadly" date:2026-03-31
/evidence add partner:"Acme Corp" trait:"Deal registration" met:true source:"CRM" observed:2026-01-20
/evidence add partner:"Acme Corp" trait:"Customer overlap" value:31 source:"Crossbeam" observed:2026-01-22
/evidence add partner:"Acme Corp" trait:"Customer overlap" value:20.5 source:"Crossbeam" observed:2026-01-22 note:"recount"
/evidence add partner:"Acme Corp" trait:"Customer overlap" value:20.5 source:"Crossbeam" observed:2026-01-22 note:"recount"
/evidence add partner:"Acme Corp" trait:"Named champion" met:true observed:2026-01-25
/evidence add partner:"Acme Corp" trait:"Co-sell deals" value:2 observed:2026-01-28
/evidence add partner:"Acme Corp" trait:"Certified engineers" value:6 observed:2026-01-28 note:"+1 pending"
/evidence add partner:"Globex" trait:"Deal registration" met:false observed:2026-03-03
/evidence add partner:"Globex" trait:"Customer overlap" value:12 observed:2026-03-03
/evidence add partner:"@Initech" trait:"Implementation bench" value:14 observed:2025-10-30
/evidence add partner:"@Initech" trait:"Named champion" met:false observed:2026-01-03
/evidence add partner:"Globex" trait:"Named champion" met:true observed:2026-03-04
/evidence retract id:12 reason:"wrong partner"
/log hours partner:"Acme Corp" hours:6 week:2026-W44 note:"QBR prep"
/log hours partner:"Acme Corp" hours:1.25 week:2026-W45
/log hours partner:"Acme Corp" hours:1.25 week:2026-W45
/log spend partner:"Acme Corp" amount:"2,500.50" week:2026-W45 note:"MDF, webinar"
/log hours partner:"Hooli" hours:3 week:2026-W41
/log spend partner:"Globex" amount:900 week:2026-W40
/log retract id:5 reason:"typo"
/outcome add partner:"Acme Corp" kind:sourced-pipeline amount:48000 date:2026-03-10 ref:"SFDC-0061"
/outcome add partner:"Acme Corp" kind:registered-deal date:2026-04-02
/outcome add partner:"Acme Corp" kind:closed-won amount:36000.75 date:2026-07-15 ref:"=cmd|' /C calc'!A0"
/outcome add partner:"@Initech" kind:sourced-pipeline amount:1000 date:2026-02-20
/outcome retract id:4 reason:"duplicate""#,
    )
    .await;
    t
}

#[tokio::test]
async fn every_export_round_trips_through_a_fresh_workspace() {
    let t = seeded("local").await;
    let first = snapshot(&t, "local").await;
    // The roster carries verdicts and one status column per trait (a name shared by two profiles shares one).
    let roster = &first[0];
    let header = roster.lines().next().unwrap();
    assert_eq!(
        header,
        "name,type,stage,signed,dropped,drop_reason,champion,note,verdict,trait:Deal registration,\
         trait:Customer overlap,trait:Named champion,trait:Co-sell deals,trait:Certified engineers,\
         trait:Implementation bench,trait:Joint reference customer"
    );
    assert!(
        roster.contains("Acme Corp,reseller,signed,2026-02-02,,,Jo Smith,\"DACH, 40 reps\",near-fit,met,missed,met,met,met,,"),
        "{roster}"
    );
    // Formula-looking cells are escaped; numbers are not; retracted records are left out.
    assert!(
        roster.contains("\"'=HYPERLINK(\"\"x\"\")\",reseller"),
        "{roster}"
    );
    assert!(
        roster.contains("'@Initech,si,dropped,2025-11-17,2026-03-31,\"churned, sadly\",'-Priya"),
        "{roster}"
    );
    assert!(
        first[1].contains("Acme Corp,Certified engineers,,6,,'+1 pending,2026-01-28"),
        "{}",
        first[1]
    );
    assert!(
        !first[1].contains("Globex,Named champion"),
        "retracted: {}",
        first[1]
    );
    assert!(
        first[3].contains("closed-won,36000.75,2026-07-15,'=cmd|' /C calc'!A0"),
        "{}",
        first[3]
    );
    assert!(!first[3].contains("@Initech"), "retracted: {}", first[3]);
    assert_eq!(
        first[2],
        "partner,week,hours,spend,note\nAcme Corp,2026-W44,6,,QBR prep\nAcme Corp,2026-W45,1.25,,\n\
         Acme Corp,2026-W45,1.25,,\nAcme Corp,2026-W45,,2500.50,\"MDF, webinar\"\nGlobex,2026-W40,,900,\n"
    );

    // Into a fresh workspace with the same profiles.
    profiles(&t, "fresh").await;
    for ((_, what), csv) in KINDS.iter().zip(&first) {
        let r = import_ok(&t, "fresh", what, csv.as_bytes()).await;
        assert_eq!(r["imported"], true);
        assert_eq!(
            r["added"].as_u64(),
            Some(count_records(csv) as u64 - 1),
            "{what}: {r}"
        );
        assert_eq!(r["unchanged"], 0);
    }
    let second = snapshot(&t, "fresh").await;
    for (i, (a, b)) in first.iter().zip(&second).enumerate() {
        assert_eq!(a, b, "{} export differs after the round trip", KINDS[i].0);
    }

    // Importing the same files again changes nothing, in either workspace.
    for ws in ["fresh", "local"] {
        for ((_, what), csv) in KINDS.iter().zip(&first) {
            let r = import_ok(&t, ws, what, csv.as_bytes()).await;
            assert_eq!(r["added"], 0, "{ws} {what}: {r}");
            assert_eq!(r["updated"], 0, "{ws} {what}: {r}");
            assert_eq!(
                r["unchanged"].as_u64(),
                Some(count_records(csv) as u64 - 1),
                "{ws} {what}: {r}"
            );
        }
        assert_eq!(snapshot(&t, ws).await, first, "{ws}");
    }
}

/// A quote left open would swallow the rows after it into one cell, and a quote inside a cell that is not
/// doubled would be dropped: either refuses the file, with the line of the quote, and nothing changes.
#[tokio::test]
async fn a_quote_left_open_or_misplaced_refuses_the_file() {
    let t = seeded("local").await;
    let before = snapshot(&t, "local").await;
    let open = "partner,week,hours,spend,note\n\
                Acme Corp,2026-W40,1,,\"oops\n\
                Acme Corp,2026-W41,2,,\n\
                Acme Corp,2026-W42,3,,\n";
    let e = import(&t, "local", "allocations", open.as_bytes())
        .await
        .unwrap_err();
    assert!(
        e.starts_with("Nothing was imported: allocations.csv has 1 error"),
        "{e}"
    );
    assert!(
        e.contains(
            "line 2: a quote `\"` opens a cell that never closes: close it with `\"` or remove it"
        ),
        "{e}"
    );
    let stray = "name,type,stage,signed,dropped,drop_reason,champion,note\n\
                 Hooli,tech-isv,,,,,,\n\
                 \"Mid\"quote Co\",reseller,,,,,,\n";
    let e = import(&t, "local", "partners", stray.as_bytes())
        .await
        .unwrap_err();
    assert!(
        e.contains("line 3: text after the quote `\"` that closes a cell: put the whole cell in double quotes"),
        "{e}"
    );
    assert_eq!(snapshot(&t, "local").await, before);
}

#[tokio::test]
async fn fixtures_import_cleanly_and_twice_changes_nothing() {
    let t = TestApp::new(utc(2026, 11, 26, 12, 0)).await;
    profiles(&t, "local").await;
    let expected = [
        ("partners", 8),
        ("evidence", 14),
        ("allocations", 6),
        ("outcomes", 5),
    ];
    for (what, n) in expected {
        let bytes = read_fixture(&format!("{what}.csv"));
        let r = import_ok(&t, "local", what, &bytes).await;
        assert_eq!(
            (r["rows"].as_u64(), r["added"].as_u64()),
            (Some(n), Some(n)),
            "{what}: {r}"
        );
    }
    let before = snapshot(&t, "local").await;
    for (what, n) in expected {
        let r = import_ok(&t, "local", what, &read_fixture(&format!("{what}.csv"))).await;
        assert_eq!(
            (r["added"].as_u64(), r["unchanged"].as_u64()),
            (Some(0), Some(n)),
            "{what}: {r}"
        );
    }
    assert_eq!(snapshot(&t, "local").await, before);
    // The imported records behave like those of the commands.
    let s = t.ok(r#"/screen partner:"acme corp""#).await;
    assert_eq!(s["verdict"], "fit", "{s}");
    let s = t.ok(r#"/screen partner:"Umbrella Consulting""#).await;
    assert_eq!(s["verdict"], "walk-away", "{s}");
    let p = t.ok(r#"/partner show partner:"Northwind Referrals""#).await;
    assert_eq!(
        p["note"], "=HYPERLINK(\"http://example.com\",\"shown as text, never run\")",
        "read back without the leading quote"
    );
    let p = t.ok(r#"/partner show partner:"Hooli Cloud""#).await;
    assert_eq!(
        p["note"],
        "Integration on the roadmap\nsecond line of the note"
    );
    let allocations = export(&t, "local", "allocations").await;
    assert!(
        allocations.contains("Stark Resellers,2026-W46,2,1200,\"booth share, Berlin\""),
        "{allocations}"
    );
}

#[tokio::test]
async fn a_dry_run_reports_and_changes_nothing() {
    let t = seeded("local").await;
    let before = snapshot(&t, "local").await;
    let csv = "partner,trait,met,value,source,note,observed\n\
               Acme Corp,Deal registration,true,,CRM,,2026-01-20\n\
               acme corp,named CHAMPION,false,,call,,2026-11-20\n";
    let r = import_as(&t, "local", Role::Lead, "evidence", csv.as_bytes(), true)
        .await
        .unwrap();
    assert_eq!(
        (
            r["dry_run"].as_bool(),
            r["imported"].as_bool(),
            r["added"].as_u64(),
            r["unchanged"].as_u64()
        ),
        (Some(true), Some(false), Some(1), Some(1)),
        "{r}"
    );
    assert_eq!(snapshot(&t, "local").await, before);
    // A dry run of a bad file reports the errors.
    let e = import_as(
        &t,
        "local",
        Role::Lead,
        "evidence",
        b"partner,trait\nx,y\n",
        true,
    )
    .await
    .unwrap_err();
    assert!(e.starts_with("Dry run: the import would fail"), "{e}");
    // Only leads import; members export.
    let e = import_as(&t, "local", Role::Member, "evidence", csv.as_bytes(), false)
        .await
        .unwrap_err();
    assert!(e.contains("Only leads"), "{e}");
    assert_eq!(snapshot(&t, "local").await, before);
}

#[tokio::test]
async fn partners_reimport_updates_edited_rows_and_refuses_type_changes() {
    let t = TestApp::new(utc(2026, 11, 26, 12, 0)).await;
    profiles(&t, "local").await;
    import_ok(&t, "local", "partners", &read_fixture("partners.csv")).await;
    let edited = "name,type,stage,signed,dropped,drop_reason,champion,note,verdict,trait:Deal registration\n\
                  GLOBEX,reseller,signed,2026-11-20,,,Ann Lee,,incomplete,unknown\n\
                  Acme Corp,reseller,signed,2026-02-02,,,Jo Smith,\"Strong in DACH, 40 reps\",fit,met\n\
                  Wayne Systems,si,,,,,,,,\n\
                  New Partner,referral,,,,,,,,\n";
    let r = import_as(&t, "local", Role::Lead, "partners", edited.as_bytes(), true)
        .await
        .unwrap();
    assert_eq!(
        (
            r["added"].as_u64(),
            r["updated"].as_u64(),
            r["unchanged"].as_u64()
        ),
        (Some(1), Some(1), Some(2)),
        "{r}"
    );
    let change = r["changes"][0].as_str().unwrap();
    assert!(
        change.starts_with("line 2: GLOBEX: name `Globex` → `GLOBEX`, stage prospect → signed, signed (empty) → `2026-11-20`, champion (empty) → `Ann Lee`, note `Met at SaaStr"),
        "{change}"
    );
    assert!(change.ends_with("→ (empty)"), "{change}");
    assert_eq!(
        t.ok(r#"/partner show partner:Globex"#).await["stage"],
        "prospect"
    );
    let r = import_ok(&t, "local", "partners", edited.as_bytes()).await;
    assert_eq!(
        (r["added"].as_u64(), r["updated"].as_u64()),
        (Some(1), Some(1))
    );
    let g = t.ok(r#"/partner show partner:globex"#).await;
    assert_eq!(
        (
            g["name"].as_str(),
            g["stage"].as_str(),
            g["signed"].as_str(),
            g["champion"].as_str(),
            g["note"].as_str()
        ),
        (
            Some("GLOBEX"),
            Some("signed"),
            Some("2026-11-20"),
            Some("Ann Lee"),
            None
        ),
        "{g}"
    );
    let before = snapshot(&t, "local").await;
    let bad = "name,type,stage,signed,dropped,drop_reason,champion,note\n\
               Acme Corp,si,signed,2026-02-02,,,,\n\
               Initech,si,prospect,,,,,\n\
               Globex,reseller,dropped,,2026-01-01,churned,,\n\
               Stark Resellers,reseller,dropped,2026-06-15,2026-01-01,churned,,\n\
               Hooli Cloud,tech-isv,dropped,,2026-01-01,,,\n\
               Wayne Systems,si,signed,,,,,\n\
               Northwind Referrals,referral,prospect,,,because,,\n\
               northwind referrals ,referral,,,,,,\n\
               Future Inc,reseller,signed,2027-01-01,,,,\n";
    let e = import(&t, "local", "partners", bad.as_bytes())
        .await
        .unwrap_err();
    for needle in [
        "line 2, column `type`: Acme Corp is on the roster as a reseller partner: an import does not change a partner's type",
        "line 3, column `stage`: Initech is already signed: an import does not turn it back into a prospect",
        "line 4, column `signed`: GLOBEX was signed on 2026-11-20: keep its signing date in `signed`",
        "line 5, column `dropped`: Stark Resellers was signed on 2026-06-15; the drop date cannot be earlier.",
        "line 6, column `drop_reason`: a dropped partner needs a drop_reason",
        "line 7, column `signed`: a signed partner needs its signing date",
        "line 8, column `drop_reason`: only a dropped partner has a drop_reason",
        "line 9, column `name`: `northwind referrals` is already on line 8",
        "line 10, column `signed`: the signing date 2027-01-01 is in the future",
    ] {
        assert!(e.contains(needle), "missing {needle:?} in:\n{e}");
    }
    assert!(
        e.starts_with("Nothing was imported: partners.csv has 9 errors."),
        "{e}"
    );
    assert_eq!(snapshot(&t, "local").await, before);
}

#[tokio::test]
async fn records_refer_to_known_partners_and_traits_with_the_commands_rules() {
    let t = seeded("local").await;
    let before = snapshot(&t, "local").await;
    let evidence = "partner,trait,met,value,source,note,observed\n\
                    Acme Crop,Deal registration,true,,,,2026-01-01\n\
                    Acme Corp,Deal registraton,true,,,,2026-01-01\n\
                    Acme Corp,Deal registration,,3,,,2026-01-01\n\
                    Acme Corp,Customer overlap,true,,,,2026-01-01\n\
                    Acme Corp,Customer overlap,,-3,,,2026-01-01\n\
                    Acme Corp,Customer overlap,,lots,,,2026-13-01\n\
                    Acme Corp,Customer overlap,,30,,,\n\
                    Acme Corp,Customer overlap,,30,,,2026-12-01\n\
                    Hooli,Anything,true,,,,2026-01-01\n\
                    Acme Corp,Deal registration,maybe,,,,2026-01-01\n";
    let e = import(&t, "local", "evidence", evidence.as_bytes())
        .await
        .unwrap_err();
    for needle in [
        "line 2, column `partner`: No partner `Acme Crop` on the roster. Did you mean `Acme Corp`?",
        "line 3, column `trait`: The reseller profile has no trait `Deal registraton`. Did you mean `Deal registration`?",
        "line 4, column `value`: `Deal registration` is a yes/no trait",
        "line 5, column `met`: `Customer overlap` is a threshold trait",
        "line 6, column `value`: a value cannot be negative",
        "line 7, column `value`: `lots` is not a number",
        "line 7, column `observed`: `2026-13-01` is not a date",
        "line 8, column `observed`: the observation date is empty",
        "line 9, column `observed`: the observation date 2026-12-01 is in the future",
        "line 10, column `trait`: Hooli is a tech-isv partner and there is no active tech-isv profile",
        "line 11, column `met`: `met` is true or false, not `maybe`",
    ] {
        assert!(e.contains(needle), "missing {needle:?} in:\n{e}");
    }
    let allocations = "partner,week,hours,spend,note\n\
                       Acme Corp,2026-W49,1,,\n\
                       Acme Corp,2026-W30,100,,\n\
                       Acme Corp,2026-W30,70,,\n\
                       Acme Corp,2026-W44,163,,\n\
                       Acme Corp,2026-W31,,,nothing\n\
                       Acme Corp,2026-W31,-2,,\n\
                       Acme Corp,2026-W31,,1.234,\n";
    let e = import(&t, "local", "allocations", allocations.as_bytes())
        .await
        .unwrap_err();
    for needle in [
        "line 2, column `week`: 2026-W49 has not started yet",
        "line 4, column `hours`: Acme Corp already has 100 h logged in 2026-W30; adding 70 h would exceed",
        "line 5, column `hours`: Acme Corp already has 6 h logged in 2026-W44",
        "line 6, column `hours`: give hours or spend",
        "line 7, column `hours`: `-2`: hours cannot be negative",
        "line 8, column `spend`: `1.234`: amounts have at most two decimals",
    ] {
        assert!(e.contains(needle), "missing {needle:?} in:\n{e}");
    }
    let outcomes = "partner,kind,amount,date,ref\n\
                    Acme Corp,sourced-pipeline,,2026-01-01,\n\
                    Acme Corp,closed-won,0,2026-01-01,\n\
                    Acme Corp,closed-won,10,2026-12-24,\n\
                    Acme Corp,won,10,2026-01-01,\n\
                    Acme Corp,closed-won,10,,\n";
    let e = import(&t, "local", "outcomes", outcomes.as_bytes())
        .await
        .unwrap_err();
    for needle in [
        "line 2, column `amount`: a sourced-pipeline outcome needs an amount",
        "line 3, column `amount`: a closed-won amount must be above 0",
        "line 4, column `date`: the outcome date 2026-12-24 is in the future",
        "line 5, column `kind`: unknown outcome kind `won`",
        "line 6, column `date`: the date is empty",
    ] {
        assert!(e.contains(needle), "missing {needle:?} in:\n{e}");
    }
    assert_eq!(snapshot(&t, "local").await, before);
}

#[tokio::test]
async fn identical_rows_in_one_file_are_separate_records() {
    let t = seeded("local").await;
    let csv = "partner,week,hours,spend,note\nHooli,2026-W47,2,,call\nHooli,2026-W47,2,,call\n";
    let r = import_ok(&t, "local", "allocations", csv.as_bytes()).await;
    assert_eq!(r["added"], 2);
    let r = import_ok(&t, "local", "allocations", csv.as_bytes()).await;
    assert_eq!(
        (r["added"].as_u64(), r["unchanged"].as_u64()),
        (Some(0), Some(2))
    );
    // A third identical row is new: two records absorb two rows.
    let three = format!("{csv}Hooli,2026-W47,2,,call\n");
    let r = import_ok(&t, "local", "allocations", three.as_bytes()).await;
    assert_eq!(
        (r["added"].as_u64(), r["unchanged"].as_u64()),
        (Some(1), Some(2))
    );
    let exported = export(&t, "local", "allocations").await;
    assert_eq!(
        exported.matches("Hooli,2026-W47,2,,call\n").count(),
        3,
        "{exported}"
    );
}

#[tokio::test]
async fn evidence_duplicates_are_matched_across_batches() {
    let t = seeded("local").await;
    // Rows are settled in batches of 2,000: rows 2 and 2,052 are identical and in different batches.
    let same = "Acme Corp,Co-sell deals,,7,same,,2026-11-02\n";
    let mut csv = format!("partner,trait,met,value,source,note,observed\n{same}");
    for day in 0..2_049 {
        let d = chrono::NaiveDate::from_ymd_opt(2020, 1, 1).unwrap() + chrono::Duration::days(day);
        csv.push_str(&format!("Globex,Customer overlap,,{day},bulk,,{d}\n"));
    }
    csv.push_str(same);
    let r = import_ok(&t, "local", "evidence", csv.as_bytes()).await;
    assert_eq!(
        (r["added"].as_u64(), r["unchanged"].as_u64()),
        (Some(2_051), Some(0)),
        "{r}"
    );
    let r = import_as(&t, "local", Role::Lead, "evidence", csv.as_bytes(), true)
        .await
        .unwrap();
    assert_eq!(
        (r["added"].as_u64(), r["unchanged"].as_u64()),
        (Some(0), Some(2_051)),
        "{r}"
    );
    let r = import_ok(&t, "local", "evidence", csv.as_bytes()).await;
    assert_eq!(
        (r["added"].as_u64(), r["unchanged"].as_u64()),
        (Some(0), Some(2_051)),
        "{r}"
    );
    // A third copy is a third record.
    let three = format!("{csv}{same}");
    let r = import_ok(&t, "local", "evidence", three.as_bytes()).await;
    assert_eq!(
        (r["added"].as_u64(), r["unchanged"].as_u64()),
        (Some(1), Some(2_051)),
        "{r}"
    );
    let exported = export(&t, "local", "evidence").await;
    assert_eq!(exported.matches(same).count(), 3);
}

#[tokio::test]
async fn retracted_records_are_not_exported_and_not_brought_back() {
    let t = seeded("local").await;
    // Evidence #12 (Globex, Named champion) was retracted; a file that still has it changes nothing.
    let csv =
        "partner,trait,met,value,source,note,observed\nGlobex,Named champion,true,,,,2026-03-04\n";
    let r = import_ok(&t, "local", "evidence", csv.as_bytes()).await;
    assert_eq!(
        (r["added"].as_u64(), r["unchanged"].as_u64()),
        (Some(0), Some(1)),
        "{r}"
    );
    let exported = export(&t, "local", "evidence").await;
    assert!(!exported.contains("Globex,Named champion"), "{exported}");
    // Globex's other evidence is exported.
    assert!(
        exported.contains("\nGlobex,Deal registration,false,,,,2026-03-03\n"),
        "{exported}"
    );
}

// ---------------------------------------------------------------------------------------------------------
// the binary
