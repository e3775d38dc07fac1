//! What a button or a form names by id is what it acts on: the "Screen …" button screens that partner and the
//! evidence form records for that partner and that trait, never a partner or a trait found again by name — a
//! legacy row can keep a name key another partner's name now has ([`partnerfit::store::Store::rekey_names`]),
//! and a trait's name can be another trait's after a revision or a type change. A form whose trait is no
//! longer one of its partner's active profile records nothing.

use super::{beside, console, press, started};
use crate::support::bot::{content, title, WAIT};
use crate::support::fake_discord::{
    modal_submit, FakeDiscord, Invoker, PARTNERS_CHANNEL_ID, STANDARD_GUILD_ID,
};
use partnerfit::app::App;
use serde_json::Value;

/// Run console lines as a lead of `ws`, each of which must succeed; the last reply.
async fn ok(app: &App, ws: &str, lines: &[&str]) -> Value {
    let mut last = Value::Null;
    for line in lines {
        last = console(app, ws, line).await;
        assert_eq!(last["ok"], true, "{line}: {last}");
    }
    last
}

/// Send the evidence form `evm:<partner>:<trait>` with `fields` as the member; the interaction callback.
async fn submit(fake: &FakeDiscord, partner: i64, trait_id: i64, fields: &[(&str, &str)]) -> Value {
    let payload = modal_submit(
        Some(STANDARD_GUILD_ID),
        PARTNERS_CHANNEL_ID,
        &Invoker::member(),
        &format!("evm:{partner}:{trait_id}"),
        fields,
    );
    let id = fake.send_interaction(payload).await.unwrap();
    fake.interaction_response(id, WAIT).await.unwrap()
}

/// The ids of the evidence records of a partner.
async fn records(app: &App, ws: &str, partner: i64) -> Vec<(i64, i64)> {
    app.store
        .partner_evidence(ws, partner)
        .await
        .unwrap()
        .into_iter()
        .map(|e| (e.trait_id, e.id))
        .collect()
}

/// The id of the current trait `name` of type `ty`'s active profile.
async fn trait_id(app: &App, ws: &str, ty: &str, name: &str) -> i64 {
    let v = console(app, ws, &format!("/profile show type:{ty}")).await;
    v["reply"]["traits"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == name)
        .and_then(|t| t["id"].as_i64())
        .unwrap_or_else(|| panic!("no trait {name}: {v}"))
}

#[tokio::test]
async fn a_screen_button_and_an_evidence_form_act_on_the_partner_they_name_not_its_namesake() {
    let (fake, dir, _bot) = started().await;
    let ws = STANDARD_GUILD_ID.to_string();
    let app = beside(dir.path()).await;
    ok(
        &app,
        &ws,
        &[
            r#"/profile create type:reseller name:"Resellers""#,
            r#"/profile trait add type:reseller name:"Overlap" min:25"#,
            r#"/partner add name:"Acme" type:reseller"#,
            r#"/partner add name:"Legacy Co" type:reseller"#,
            r#"/evidence add partner:"Acme" trait:"Overlap" value:31"#,
        ],
    )
    .await;
    let acme = console(&app, &ws, r#"/partner show partner:"Acme""#).await["reply"]["id"]
        .as_i64()
        .unwrap();
    let legacy = console(&app, &ws, r#"/partner show partner:"Legacy Co""#).await["reply"]["id"]
        .as_i64()
        .unwrap();
    let overlap = trait_id(&app, &ws, "reseller", "Overlap").await;
    // A row of before the lookalike-aware keys: its name now compares equal to Acme's, and it kept its old key.
    sqlx::query("UPDATE partners SET name = $1, name_key = $2 WHERE id = $3")
        .bind("ＡＣＭＥ")
        .bind("ａｃｍｅ")
        .bind(legacy)
        .execute(app.store.pool())
        .await
        .unwrap();
    // Its "Screen" button shows it, with no evidence: not Acme's card.
    let r = press(&fake, &Invoker::member(), &format!("sc:{legacy}")).await;
    assert!(title(&r).starts_with("ＡＣＭＥ — "), "{r}");
    let field = &r["data"]["embeds"][0]["fields"][0];
    assert!(
        field["value"].as_str().unwrap().starts_with("no evidence"),
        "{r}"
    );
    let r = press(&fake, &Invoker::member(), &format!("sc:{acme}")).await;
    assert!(title(&r).starts_with("Acme — "), "{r}");
    // Its evidence form records for it.
    let r = submit(
        &fake,
        legacy,
        overlap,
        &[("value", "40"), ("source", "report")],
    )
    .await;
    assert!(
        title(&r).starts_with("Evidence #") && title(&r).ends_with("ＡＣＭＥ — Overlap"),
        "{r}"
    );
    assert_eq!(records(&app, &ws, legacy).await.len(), 1);
    assert_eq!(
        records(&app, &ws, acme).await.len(),
        1,
        "Acme's one record only"
    );
}

#[tokio::test]
async fn a_form_whose_trait_changed_since_it_opened_records_nothing() {
    let (fake, dir, _bot) = started().await;
    let ws = STANDARD_GUILD_ID.to_string();
    let app = beside(dir.path()).await;
    ok(
        &app,
        &ws,
        &[
            r#"/profile create type:reseller name:"Resellers""#,
            r#"/profile trait add type:reseller name:"Overlap" min:25"#,
            r#"/profile create type:si name:"SIs""#,
            r#"/profile trait add type:si name:"Overlap" min:1"#,
            r#"/partner add name:"Acme" type:reseller"#,
        ],
    )
    .await;
    let acme = console(&app, &ws, r#"/partner show partner:"Acme""#).await["reply"]["id"]
        .as_i64()
        .unwrap();
    let first = trait_id(&app, &ws, "reseller", "Overlap").await;
    // The form for the first "Overlap" opens (as its button shows it)…
    let r = press(&fake, &Invoker::member(), &format!("ev:{acme}:{first}")).await;
    assert_eq!(r["type"], 9, "a modal: {r}");
    // …then a revision replaces the trait with another of the same name and a higher bar.
    ok(
        &app,
        &ws,
        &[
            r#"/profile trait remove type:reseller trait:"Overlap""#,
            r#"/profile trait add type:reseller name:"Overlap" min:50"#,
        ],
    )
    .await;
    let second = trait_id(&app, &ws, "reseller", "Overlap").await;
    assert_ne!(first, second);
    let changed = "⚠ That trait changed since the form opened: press Record again.";
    let r = submit(&fake, acme, first, &[("value", "30")]).await;
    assert_eq!(content(&r), changed, "{r}");
    assert_eq!(records(&app, &ws, acme).await, []);
    // The partner's type changes: the reseller trait's form is refused, though the SI profile has an
    // "Overlap" too.
    sqlx::query("UPDATE partners SET partner_type = 'si' WHERE id = $1")
        .bind(acme)
        .execute(app.store.pool())
        .await
        .unwrap();
    let r = submit(&fake, acme, second, &[("value", "30")]).await;
    assert_eq!(content(&r), changed, "{r}");
    assert_eq!(records(&app, &ws, acme).await, []);
    // The form of the trait it has now records, as ever.
    let si = trait_id(&app, &ws, "si", "Overlap").await;
    let r = submit(&fake, acme, si, &[("value", "3"), ("note", "call")]).await;
    assert!(title(&r).starts_with("Evidence #"), "{r}");
    let recorded = records(&app, &ws, acme).await;
    assert_eq!(recorded.len(), 1, "{recorded:?}");
    assert_eq!(recorded[0].0, si);
}

crate::support::db::both_backends!(the_screen_read_by_id_is_the_screen_read_of_that_partner);

/// [`partnerfit::store::Store::screen_facts_by_id`]: the facts the read by name key gives for the same partner
/// (through the JSON value and, on SQLite, the rows of the calling thread's connection), the partner's own
/// when a legacy row kept a key its name shares with another's, and None for another workspace's id.
async fn the_screen_read_by_id_is_the_screen_read_of_that_partner(db: crate::support::Db) {
    use partnerfit::domain::name_key;
    let db = crate::support::TestDb::new(db).await;
    let s = partnerfit::store::Store::open(&db.url).await.unwrap();
    let now = crate::support::utc(2026, 1, 1, 0, 0);
    let day = chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
    let mut ids = Vec::new();
    for name in ["Acme", "Legacy"] {
        ids.push(
            s.add_partner("ws", &super::name_keys::new_partner(name), "ana", now)
                .await
                .unwrap(),
        );
    }
    sqlx::query("UPDATE partners SET name = $1, name_key = $2 WHERE id = $3")
        .bind("ＡＣＭＥ")
        .bind("ａｃｍｅ")
        .bind(ids[1])
        .execute(s.pool())
        .await
        .unwrap();
    let by_key = s.screen_facts("ws", &name_key("Acme"), day).await.unwrap();
    let acme = s.screen_facts_by_id("ws", ids[0], day).await.unwrap();
    assert_eq!(acme, by_key);
    assert_eq!(acme.map(|f| f.partner.id), Some(ids[0]));
    let legacy = s.screen_facts_by_id("ws", ids[1], day).await.unwrap();
    assert_eq!(
        legacy.as_ref().map(|f| f.partner.name.as_str()),
        Some("ＡＣＭＥ")
    );
    assert_eq!(
        s.screen_facts_by_id("other", ids[0], day).await.unwrap(),
        None
    );
    if db.backend == crate::support::Db::Sqlite {
        // A read-only store has no connection of the calling thread: the JSON value, the same facts.
        let usual = partnerfit::store::Store::connect(&format!("{}?mode=ro", db.url))
            .await
            .unwrap();
        assert_eq!(
            usual.screen_facts_by_id("ws", ids[1], day).await.unwrap(),
            legacy
        );
        usual.close().await;
    }
    s.close().await;
}
