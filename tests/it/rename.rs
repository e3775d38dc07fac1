//! `/partner rename` (issue 19, item 9): a partner renamed after an acquisition keeps its records, the new name
//! is unique without case, autocomplete and exports use it, and the old name stays in its history: `/screen`
//! and questions about the old name screen the partner it became and say so.

use crate::support::db::both_backends;
use crate::support::{utc, Db, TestApp};
use partnerfit::app::complete;
use partnerfit::app::transfer::{export, ExportKind};
use partnerfit::domain::Role;
use serde_json::json;

both_backends!(a_renamed_partner_keeps_its_records_and_its_old_name);

async fn a_renamed_partner_keeps_its_records_and_its_old_name(db: Db) {
    let t = TestApp::on(db, utc(2026, 11, 26, 12, 0)).await;
    for line in [
        r#"/profile create type:reseller name:"Resellers""#,
        r#"/profile trait add type:reseller name:"Deal registration""#,
        r#"/partner add name:"Acme Corp" type:reseller"#,
        r#"/partner add name:"Globex" type:reseller"#,
        r#"/evidence add partner:"Acme Corp" trait:"Deal registration" met:true observed:2026-11-20"#,
        r#"/log hours partner:"Acme Corp" hours:4 week:2026-W47"#,
        r#"/partner sign partner:"Acme Corp" date:2026-10-01"#,
        r#"/outcome add partner:"Acme Corp" kind:sourced-pipeline amount:20000 date:2026-11-02"#,
    ] {
        t.ok(line).await;
    }
    let before = t.ok(r#"/screen partner:"Acme Corp""#).await;
    assert_eq!(before["verdict"], "fit");

    // Leads only; the new name must be free without case; a new name is needed.
    let member = t.ctx("local", "max", Role::Member);
    let v = t
        .run(
            &member,
            r#"/partner rename partner:"Acme Corp" name:"Acme Holdings""#,
        )
        .await;
    assert!(
        v["error"].as_str().unwrap().starts_with("Only leads"),
        "{v}"
    );
    let e = t
        .err(r#"/partner rename partner:"Acme Corp" name:" GLOBEX ""#)
        .await;
    assert!(e.starts_with("`Globex` is already on the roster"), "{e}");
    let e = t
        .err(r#"/partner rename partner:"Acme Corp" name:"Acme Corp""#)
        .await;
    assert_eq!(
        e,
        r#"Acme Corp already has that name: give the new one in name:"…"."#
    );

    let r = t
        .ok(r#"/partner rename partner:"acme corp" name:"Acme Holdings""#)
        .await;
    assert_eq!(
        r,
        json!({"id": before["partner_id"], "partner": "Acme Holdings", "previous": "Acme Corp", "date": "2026-11-26"})
    );

    // The records follow the partner: same verdict, evidence, hours and outcome under the new name.
    let after = t.ok(r#"/screen partner:"Acme Holdings""#).await;
    assert_eq!(after["partner"], "Acme Holdings");
    assert_eq!(after["partner_id"], before["partner_id"]);
    assert_eq!(after["verdict"], "fit");
    assert_eq!(after["traits"], before["traits"]);
    let list = t.ok(r#"/evidence list partner:"Acme Holdings""#).await;
    assert_eq!(list["records"].as_array().unwrap().len(), 1);
    let week = t.ok("/digest weekly week:2026-W47").await;
    assert_eq!(week["hours_total"], 4.0);
    assert_eq!(week["buckets"]["matching"]["hours"], 4.0);
    let quarter = t.ok("/digest quarterly quarter:2026-Q4").await;
    assert_eq!(quarter["matching"]["total"], 20000.0);

    // The old name: /screen and a question screen the partner it became, and say so.
    let old = t.ok(r#"/screen partner:"Acme Corp""#).await;
    assert_eq!(old["partner"], "Acme Holdings");
    assert_eq!(old["verdict"], "fit");
    assert_eq!(
        old["note"],
        "Acme Corp was renamed to Acme Holdings on 2026-11-26."
    );
    let asked = t.ok("does acme corp fit?").await;
    assert_eq!(asked["partner"], "Acme Holdings");
    assert_eq!(
        asked["note"],
        "Acme Corp was renamed to Acme Holdings on 2026-11-26."
    );
    // Other commands point to the new name.
    let e = t.err(r#"/log hours partner:"Acme Corp" hours:1"#).await;
    assert_eq!(
        e,
        r#"Acme Corp was renamed to Acme Holdings on 2026-11-26. Use its new name, partner:"Acme Holdings"."#
    );
    // /partner show keeps the old name in its history.
    let shown = t.ok(r#"/partner show partner:"Acme Holdings""#).await;
    assert_eq!(
        shown["former_names"],
        json!([{"name": "Acme Corp", "until": "2026-11-26"}])
    );
    let ctx = t.ctx("local", "ana", Role::Lead);
    let text =
        partnerfit::console::handle_line(&t.app, &ctx, r#"/partner show partner:"Acme Holdings""#)
            .await
            .unwrap()
            .to_text();
    assert!(text.contains("named Acme Corp until 2026-11-26"), "{text}");
    let globex = t.ok(r#"/partner show partner:"Globex""#).await;
    assert!(globex.get("former_names").is_none(), "{globex}");

    // Autocomplete and exports use the new name.
    let found = complete::suggest(
        &t.app,
        "local",
        &["screen".to_string()],
        "partner",
        "acme",
        &[],
    )
    .await
    .unwrap();
    let names: Vec<&str> = found.iter().map(|s| s.value.as_str()).collect();
    assert_eq!(names, ["Acme Holdings"]);
    let mut csv = Vec::new();
    export::write(&t.app, "local", ExportKind::Evidence, &mut csv)
        .await
        .unwrap();
    let csv = String::from_utf8(csv).unwrap();
    assert!(
        csv.lines()
            .nth(1)
            .unwrap()
            .starts_with("Acme Holdings,Deal registration,"),
        "{csv}"
    );
    assert!(!csv.contains("Acme Corp"), "{csv}");

    // A change of case only is a rename too (its own key is free), and the history grows.
    t.ok(r#"/partner rename partner:"Acme Holdings" name:"ACME Holdings""#)
        .await;
    let shown = t.ok(r#"/partner show partner:"acme holdings""#).await;
    assert_eq!(shown["name"], "ACME Holdings");
    assert_eq!(shown["former_names"].as_array().unwrap().len(), 2);
    // The old name is free again: a new partner may take it, and then /screen means that one.
    t.ok(r#"/partner add name:"Acme Corp" type:reseller"#).await;
    let new = t.ok(r#"/screen partner:"Acme Corp""#).await;
    assert_eq!(new["partner"], "Acme Corp");
    assert_ne!(new["partner_id"], before["partner_id"]);
    assert!(new["note"].is_null(), "{new}");
}
