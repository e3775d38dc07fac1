//! A partner's life cycle over time (issue 22, item 6): signing a dropped partner again opens a new signed
//! period and keeps the old one, so the quarterly re-check posted for a past quarter, and the weekly digests of
//! past weeks, still match after the re-signing. Through the console and the import, on both backends.

use crate::support::db::{both_backends, TestDb};
use crate::support::ipp::{err, num, ok, partner, reseller_profile};
use crate::support::{utc, Db, TestApp};
use partnerfit::app::Ctx;
use partnerfit::domain::{Role, SignedPeriod};
use serde_json::{json, Value};

both_backends!(
    a_posted_recheck_still_matches_after_re_signing,
    the_import_re_signs_and_refuses_an_earlier_date,
    migration_0006_gives_each_signed_partner_its_period,
);

/// Q2 2026 (04-01..06-30), the clock at 2026-07-08; evidence observed 2026-02-01; Q2 pipeline dated 05-10.
///
/// | partner | verdict      | signed / dropped          | Q2 pipeline |
/// |---------|--------------|---------------------------|-------------|
/// | Anchor  | fit          | 01-10                     | 10,000      |
/// | Bolt    | near-fit     | 01-10                     | 6,000       |
/// | Comet   | fit          | 04-15 (signed in Q2)      | 8,000       |
/// | Drifter | fit          | 02-01, dropped 05-15      | 4,000       |
/// | Echo    | walk-away    | 01-10                     | 1,000       |
/// | Fox     | incomplete   | 01-10                     | 500         |
/// | Golf    | si, no profile | 05-01 (signed in Q2)    | none -> 0   |
///
/// Cohort 7: matching Anchor, Bolt, Comet, Drifter (4, total 28,000), not matching Echo, Fox, Golf (3, total
/// 1,500); signed in Q2: Comet and Golf, one of them matching -> 0.5.
async fn workspace(t: &TestApp, c: &Ctx) {
    reseller_profile(t, c).await;
    let obs = "2026-02-01";
    for (name, ty, verdict, signed, cents) in [
        ("Anchor", "reseller", "fit", "2026-01-10", 1_000_000),
        ("Bolt", "reseller", "near-fit", "2026-01-10", 600_000),
        ("Comet", "reseller", "fit", "2026-04-15", 800_000),
        ("Drifter", "reseller", "fit", "2026-02-01", 400_000),
        ("Echo", "reseller", "walk-away", "2026-01-10", 100_000),
        ("Fox", "reseller", "incomplete", "2026-01-10", 50_000),
        ("Golf", "si", "none", "2026-05-01", 0),
    ] {
        partner(t, c, name, ty, verdict, obs, Some(signed)).await;
        if cents > 0 {
            let line = format!(
                r#"/outcome add partner:"{name}" kind:sourced-pipeline amount:{} date:2026-05-10"#,
                cents / 100
            );
            ok(t, c, &line).await;
        }
    }
    ok(
        t,
        c,
        r#"/partner drop partner:"Drifter" reason:"churned" date:2026-05-15"#,
    )
    .await;
}

/// The figures of a re-check that the data decides (what `posted.figures` holds).
fn figures(d: &Value) -> Value {
    let keys = [
        "quarter",
        "verdict",
        "matching",
        "not_matching",
        "lift",
        "u",
        "p_value",
        "cohort",
        "signed_in_quarter",
        "recruitment_match_share",
        "traits",
    ];
    keys.iter()
        .map(|k| (k.to_string(), d[*k].clone()))
        .collect()
}

async fn a_posted_recheck_still_matches_after_re_signing(db: Db) {
    let t = TestApp::on(db, utc(2026, 7, 8, 12, 0)).await;
    let ctx = t.ctx("local", "ana", Role::Lead);
    let c = &ctx;
    workspace(&t, c).await;

    let posted = ok(&t, c, "/digest quarterly quarter:2026-Q2 post:true").await;
    assert_eq!(posted["cohort"], 7, "{posted}");
    assert_eq!(
        (&posted["matching"]["n"], &posted["not_matching"]["n"]),
        (&json!(4), &json!(3))
    );
    assert_eq!(num(&posted["matching"], "total"), 28_000.0);
    assert_eq!(num(&posted["not_matching"], "total"), 1_500.0);
    assert_eq!(posted["signed_in_quarter"], 2);
    assert_eq!(num(&posted, "recruitment_match_share"), 0.5);
    // W19 (05-04..05-10): Drifter was signed then, matching, and nobody logged hours: neglected.
    let neglected = |w: &Value| w["neglected"].clone();
    let w19 = ok(&t, c, "/digest weekly week:2026-W19").await;
    assert_eq!(
        neglected(&w19),
        json!(["Anchor", "Bolt", "Comet", "Drifter"])
    );

    // Signing again is dated on or after the drop.
    let e = err(&t, c, r#"/partner sign partner:"Drifter" date:2026-05-14"#).await;
    assert_eq!(
        e,
        "Drifter was dropped on 2026-05-15; signing it again cannot be dated earlier."
    );
    let signed = ok(&t, c, r#"/partner sign partner:"Drifter" date:2026-07-06"#).await;
    assert_eq!(
        (&signed["stage"], &signed["date"]),
        (&json!("signed"), &json!("2026-07-06"))
    );

    // The stored re-check still matches: the same figures, and "data has not changed".
    let again = ok(&t, c, "/digest quarterly quarter:2026-Q2").await;
    assert_eq!(
        again["posted"]["data_changed"], false,
        "re-signing changed Q2: {}",
        again["posted"]
    );
    assert_eq!(figures(&again), figures(&posted));
    assert_eq!(figures(&again["posted"]["figures"]), figures(&posted));
    // So do past weeks.
    assert_eq!(
        ok(&t, c, "/digest weekly week:2026-W19").await,
        w19,
        "W19 changed"
    );

    // The partner is signed now, and keeps its first period in its history.
    let show = ok(&t, c, r#"/partner show partner:"Drifter""#).await;
    assert_eq!(
        (
            &show["stage"],
            &show["signed"],
            &show["dropped"],
            &show["drop_reason"]
        ),
        (
            &json!("signed"),
            &json!("2026-07-06"),
            &Value::Null,
            &Value::Null
        )
    );
    assert_eq!(
        show["signed_periods"],
        json!([
            {"signed": "2026-02-01", "dropped": "2026-05-15", "reason": "churned"},
            {"signed": "2026-07-06", "dropped": null, "reason": null},
        ])
    );
    let card = partnerfit::console::handle_line(&t.app, c, r#"/partner show partner:"Drifter""#)
        .await
        .map(|o| o.to_text())
        .unwrap_or_default();
    assert!(
        card.contains("earlier: signed 2026-02-01, dropped 2026-05-15 (churned)"),
        "{card}"
    );
    // A partner signed once shows no history.
    let anchor = ok(&t, c, r#"/partner show partner:"Anchor""#).await;
    assert!(anchor.get("signed_periods").is_none(), "{anchor}");

    // Dropped a second time: the second period closes, the first stays.
    ok(
        &t,
        c,
        r#"/partner drop partner:"Drifter" reason:"lost the champion" date:2026-07-07"#,
    )
    .await;
    let periods = t
        .app
        .store
        .partner_periods("local", id(&show))
        .await
        .unwrap();
    assert_eq!(
        periods,
        [
            period("2026-02-01", Some(("2026-05-15", "churned"))),
            period("2026-07-06", Some(("2026-07-07", "lost the champion"))),
        ]
    );
    assert_eq!(
        ok(&t, c, "/digest quarterly quarter:2026-Q2").await["posted"]["data_changed"],
        false
    );
}

fn id(reply: &Value) -> i64 {
    reply["id"].as_i64().unwrap()
}

fn period(signed: &str, dropped: Option<(&str, &str)>) -> SignedPeriod {
    SignedPeriod {
        signed: signed.parse().unwrap(),
        dropped: dropped.map(|d| d.0.parse().unwrap()),
        reason: dropped.map(|d| d.1.to_string()),
    }
}

async fn import(t: &TestApp, c: &Ctx, csv: &str) -> Result<Value, String> {
    t.import(c, "partners", csv.as_bytes(), &[]).await
}

/// The import follows the same rules: a row that signs a dropped partner on a new day opens a new period
/// (not before the drop); a new partner imported as dropped gets its one period; a row that keeps the
/// signing day and empties the drop undoes the drop.
async fn the_import_re_signs_and_refuses_an_earlier_date(db: Db) {
    let t = TestApp::on(db, utc(2026, 7, 8, 12, 0)).await;
    let c = t.ctx("local", "ana", Role::Lead);
    let header = "name,type,stage,signed,dropped,drop_reason,champion,note\n";
    let first = format!(
        "{header}Drifter,reseller,dropped,2026-02-01,2026-05-15,churned,,\n\
         Undone,si,dropped,2026-01-10,2026-03-01,by mistake,,\n"
    );
    import(&t, &c, &first).await.unwrap();
    let drifter = id(&ok(&t, &c, r#"/partner show partner:"Drifter""#).await);
    let undone = id(&ok(&t, &c, r#"/partner show partner:"Undone""#).await);
    let periods = |id: i64| {
        let store = t.app.store.clone();
        async move { store.partner_periods("local", id).await.unwrap() }
    };
    assert_eq!(
        periods(drifter).await,
        [period("2026-02-01", Some(("2026-05-15", "churned")))]
    );

    let early = format!("{header}Drifter,reseller,signed,2026-05-01,,,,\n");
    let e = import(&t, &c, &early).await.unwrap_err();
    assert!(
        e.contains(
            "line 2, column `signed`: Drifter was dropped on 2026-05-15; signing it again cannot be dated earlier."
        ),
        "{e}"
    );
    let again = format!(
        "{header}Drifter,reseller,signed,2026-07-06,,,,\n\
         Undone,si,signed,2026-01-10,,,,\n"
    );
    let report = import(&t, &c, &again).await.unwrap();
    assert_eq!(report["updated"], 2, "{report}");
    assert_eq!(
        periods(drifter).await,
        [
            period("2026-02-01", Some(("2026-05-15", "churned"))),
            period("2026-07-06", None),
        ]
    );
    assert_eq!(periods(undone).await, [period("2026-01-10", None)]);
}

/// A database of schema 0005 with a signed, a dropped and a prospect partner: opening it applies 0006, which
/// gives each partner that was ever signed the one period its columns describe, and signing the dropped one
/// again then opens a second.
async fn migration_0006_gives_each_signed_partner_its_period(db: Db) {
    let t = TestDb::new(db).await;
    let store = partnerfit::store::Store::connect(&t.url).await.unwrap();
    let dir = match db {
        Db::Sqlite => "sqlite",
        Db::Postgres => "postgres",
    };
    let migrations = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("migrations")
        .join(dir);
    sqlx::migrate::Migrator::new(migrations)
        .await
        .unwrap()
        .run_to(5, store.pool())
        .await
        .unwrap();
    for (id, name, stage, signed, dropped, reason) in [
        (1, "Anchor", "signed", Some("2026-01-10"), None, None),
        (
            2,
            "Drifter",
            "dropped",
            Some("2026-02-01"),
            Some("2026-05-15"),
            Some("churned"),
        ),
        (
            3,
            "Quiet",
            "dropped",
            None,
            Some("2026-03-01"),
            Some("no reply"),
        ),
        (4, "Later", "prospect", None, None, None),
    ] {
        sqlx::query(
            "INSERT INTO partners (id, workspace_id, name, name_key, partner_type, stage, signed_on, dropped_on, \
             drop_reason, created_by, created_at) VALUES ($1, 'local', $2, $3, 'reseller', $4, $5, $6, $7, 'ana', \
             '2026-01-02T09:00:00.000000Z')",
        )
        .bind(id as i64)
        .bind(name)
        .bind(name.to_lowercase())
        .bind(stage)
        .bind(signed)
        .bind(dropped)
        .bind(reason)
        .execute(store.pool())
        .await
        .unwrap();
    }
    store.close().await;

    let store = partnerfit::store::Store::open(&t.url).await.unwrap();
    let periods = store.signed_periods("local").await.unwrap();
    assert_eq!(periods.len(), 2, "{periods:?}");
    assert_eq!(periods[&1], [period("2026-01-10", None)]);
    assert_eq!(
        periods[&2],
        [period("2026-02-01", Some(("2026-05-15", "churned")))]
    );
    let drifter = store.partner_by_id("local", 2).await.unwrap().unwrap();
    let again = drifter
        .lifecycle
        .sign("2026-07-06".parse().unwrap())
        .unwrap();
    store
        .change_lifecycle("local", 2, &drifter.lifecycle, &again)
        .await
        .unwrap();
    // A change from a life cycle that is no longer the stored one is refused, and writes nothing.
    let stale = store
        .change_lifecycle("local", 2, &drifter.lifecycle, &again)
        .await
        .unwrap_err();
    assert!(
        matches!(stale, partnerfit::store::StoreError::Conflict(_)),
        "{stale}"
    );
    assert_eq!(
        store.partner_periods("local", 2).await.unwrap(),
        [
            period("2026-02-01", Some(("2026-05-15", "churned"))),
            period("2026-07-06", None),
        ]
    );
    store.close().await;
}
