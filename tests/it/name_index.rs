//! The partner names kept in memory for the suggestion search (issue 21, item 1), on both backends: the
//! suggestions for a name not on the roster follow every write — a partner added, renamed, or renamed by an
//! import — whether this process or another one on the same database made it, and an unchanged roster is not
//! read again.

use crate::support::db::both_backends;
use crate::support::{utc, Db, TestApp};
use partnerfit::app::{dispatch, App, ArgValue, Invocation};
use partnerfit::domain::Role;
use partnerfit::store::Store;
use serde_json::{json, Value};

both_backends!(
    suggestions_follow_writes_of_every_process,
    the_names_are_read_again_only_when_they_changed
);

/// A name nobody has: what the suggestions are asked for.
const ASKED: &str = r#"/screen partner:"Zenith Holdings Group""#;

/// The suggestions `/screen` of [`ASKED`] gives in `app` (a name not on the roster).
async fn suggested(t: &TestApp, app: &App) -> Value {
    let ctx = t.ctx("local", "ana", Role::Lead);
    let out = partnerfit::console::handle_line(app, &ctx, ASKED)
        .await
        .expect("a reply")
        .to_json();
    assert_eq!(out["reply"]["on_roster"], false, "{out}");
    out["reply"]["suggestions"].clone()
}

/// Another process on the same database: its own store and app (and so its own name index).
async fn another_process(t: &TestApp) -> App {
    let store = Store::open(&t.url).await.expect("open the same database");
    App::new(store, t.clock.clone())
}

async fn run_in(t: &TestApp, app: &App, line: &str) -> Value {
    let ctx = t.ctx("local", "ana", Role::Lead);
    let out = partnerfit::console::handle_line(app, &ctx, line)
        .await
        .expect("a reply")
        .to_json();
    assert_eq!(out["ok"], true, "{line} -> {out}");
    out["reply"].clone()
}

async fn import_roster(t: &TestApp, app: &App, csv: &str) {
    let ctx = t.ctx("local", "ana", Role::Lead);
    let mut inv = Invocation::new(&["import"]).with("what", "partners");
    inv.args.insert(
        "file".into(),
        ArgValue::File {
            name: "partners.csv".into(),
            bytes: csv.as_bytes().to_vec(),
        },
    );
    let r = dispatch(app, &ctx, &inv)
        .await
        .map(|r| r.json())
        .map_err(|e| e.user_message())
        .expect("import");
    assert_eq!(r["imported"], true, "{r}");
}

async fn suggestions_follow_writes_of_every_process(db: Db) {
    let t = TestApp::on(db, utc(2026, 11, 26, 12, 0)).await;
    t.ok(r#"/partner add name:"Globex" type:reseller"#).await;
    // Nothing like it: "globex" shares 4 of 21 characters, far under 0.75.
    assert_eq!(suggested(&t, &t.app).await, json!([]));

    // Another process adds a partner whose key is inside the name asked (similarity 0.9 at least).
    let other = another_process(&t).await;
    run_in(
        &t,
        &other,
        r#"/partner add name:"Zenith Holdings" type:reseller"#,
    )
    .await;
    assert_eq!(suggested(&t, &t.app).await, json!(["Zenith Holdings"]));

    // Another process's import changes how the name is written (same key): the new spelling is suggested.
    import_roster(
        &t,
        &other,
        "name,type,stage,signed,dropped,drop_reason,champion,note\nZENITH HOLDINGS,reseller,prospect,,,,,\n",
    )
    .await;
    assert_eq!(suggested(&t, &t.app).await, json!(["ZENITH HOLDINGS"]));

    // Another process renames it to a name unlike the one asked: nothing to suggest any more.
    run_in(
        &t,
        &other,
        r#"/partner rename partner:"Zenith Holdings" name:"Northwind""#,
    )
    .await;
    assert_eq!(suggested(&t, &t.app).await, json!([]));

    // This process adds one: "zenith" is inside the name asked.
    t.ok(r#"/partner add name:"Zenith" type:reseller"#).await;
    assert_eq!(suggested(&t, &t.app).await, json!(["Zenith"]));
    // And the other process, which has searched before, sees it too.
    assert_eq!(suggested(&t, &other).await, json!(["Zenith"]));
    other.store.close().await;
}

async fn the_names_are_read_again_only_when_they_changed(db: Db) {
    let t = TestApp::on(db, utc(2026, 11, 26, 12, 0)).await;
    let store = &t.app.store;
    let (v0, names) = store.partner_names_since("local", None).await.unwrap();
    assert_eq!((v0, names), (0, Some(vec![])), "no partner yet");
    t.ok(r#"/partner add name:"Acme Corp" type:reseller"#).await;
    t.ok(r#"/partner add name:"Globex" type:si"#).await;
    let (v1, names) = store.partner_names_since("local", Some(v0)).await.unwrap();
    assert!(v1 > v0);
    let names: Vec<String> = names.unwrap().into_iter().map(|(_, n)| n).collect();
    assert_eq!(names, ["Acme Corp", "Globex"]);
    // Unchanged: the version alone.
    assert_eq!(
        store.partner_names_since("local", Some(v1)).await.unwrap(),
        (v1, None)
    );
    // Writes that change no name leave the version alone: signing, evidence, another workspace's partner.
    t.ok(r#"/partner sign partner:"Acme Corp" date:2026-11-01"#)
        .await;
    let added = t
        .run(
            &t.ctx("elsewhere", "ana", Role::Lead),
            r#"/partner add name:"Initech" type:reseller"#,
        )
        .await;
    assert_eq!(added["ok"], true, "{added}");
    assert_eq!(
        store.partner_names_since("local", Some(v1)).await.unwrap(),
        (v1, None)
    );
    // A rename moves it.
    t.ok(r#"/partner rename partner:"Globex" name:"Globex Labs""#)
        .await;
    let (v2, names) = store.partner_names_since("local", Some(v1)).await.unwrap();
    assert!(v2 > v1);
    let names: Vec<String> = names.unwrap().into_iter().map(|(_, n)| n).collect();
    assert_eq!(names, ["Acme Corp", "Globex Labs"]);

    // The app keeps the names it read: two partners of `local` once searched.
    assert_eq!(t.app.names.names(), 0);
    t.ok(r#"/screen partner:"Zenith""#).await;
    assert_eq!(t.app.names.names(), 2);
}
