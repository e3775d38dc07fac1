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
    the_names_are_read_again_only_when_they_changed,
    the_name_read_answers_what_the_reads_it_replaces_answer
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

/// `/screen` of a name that is not a partner's reads everything its answer takes in one statement
/// (`Store::name_facts`): each part is what the separate reads it replaces give.
async fn the_name_read_answers_what_the_reads_it_replaces_answer(db: Db) {
    let t = TestApp::on(db, utc(2026, 11, 26, 12, 0)).await;
    let store = &t.app.store;
    // Nothing in the workspace yet: the defaults, no partner, no names, no profile.
    let facts = store.name_facts("local", "acme", None).await.unwrap();
    assert_eq!(facts.settings, store.settings("local").await.unwrap());
    assert_eq!(
        (facts.exact, facts.renamed, facts.names_version, facts.names),
        (None, None, 0, Some(vec![]))
    );
    assert!(facts.profiles.is_empty());

    for line in [
        "/settings set key:allocation_target value:0.7",
        "/settings set key:timezone value:Europe/Paris",
        r#"/profile create type:si name:"SIs""#,
        r#"/profile trait add type:si name:"Certified staff" verify_by:"partner portal" min:2.5 max:40"#,
        r#"/profile trait add type:si name:"Gone" verify_by:"x""#,
        r#"/profile trait add type:si name:"Named champion" verify_by:"a call""#,
        r#"/profile trait remove type:si trait:"Gone""#,
        r#"/profile create type:reseller name:"Resellers""#,
        r#"/profile create type:referral name:"Old""#,
        "/profile retire type:referral",
        r#"/partner add name:"Acme Corp" type:reseller"#,
        r#"/partner add name:"Globex" type:si"#,
        r#"/partner rename partner:"Globex" name:"Globex Labs""#,
    ] {
        t.ok(line).await;
    }
    let held = store.partner_names_since("local", None).await.unwrap();
    for key in ["acme corp", "globex", "zenith"] {
        let facts = store.name_facts("local", key, None).await.unwrap();
        assert_eq!(facts.settings, store.settings("local").await.unwrap());
        assert_eq!(facts.settings.allocation_target, 0.7);
        assert_eq!(
            facts.exact,
            store.partner_by_key("local", key).await.unwrap()
        );
        let renamed = match store.renamed_from("local", key).await.unwrap() {
            Some(f) => {
                let p = store.partner_by_id("local", f.partner_id).await.unwrap();
                p.map(|p| (f, p))
            }
            None => None,
        };
        assert_eq!(facts.renamed, renamed, "{key}");
        assert_eq!((facts.names_version, facts.names), held.clone());
        assert_eq!(
            facts.profiles,
            store.active_profiles("local").await.unwrap()
        );
        // The names come back only when their version is not the one held.
        let again = store.name_facts("local", key, Some(held.0)).await.unwrap();
        assert_eq!((again.names_version, again.names), (held.0, None));
    }
    let facts = store.name_facts("local", "globex", None).await.unwrap();
    let (former, now) = facts.renamed.expect("Globex was renamed");
    assert_eq!(
        (former.name.as_str(), now.name.as_str()),
        ("Globex", "Globex Labs")
    );
    let exact = store.name_facts("local", "acme corp", None).await.unwrap();
    assert_eq!(exact.exact.map(|p| p.name).as_deref(), Some("Acme Corp"));
    // Two active profiles (the referral one is retired), by type; the removed trait is left out.
    let profiles: Vec<(String, Vec<String>)> = facts
        .profiles
        .iter()
        .map(|p| {
            (
                p.name.clone(),
                p.traits.iter().map(|t| t.name.clone()).collect(),
            )
        })
        .collect();
    assert_eq!(
        profiles,
        [
            ("Resellers".to_string(), vec![]),
            (
                "SIs".to_string(),
                vec!["Certified staff".to_string(), "Named champion".to_string()]
            )
        ]
    );
    // Another workspace sees none of it.
    let other = store
        .name_facts("elsewhere", "acme corp", None)
        .await
        .unwrap();
    assert_eq!((other.exact, other.names), (None, Some(vec![])));
    assert!(other.profiles.is_empty());
}
