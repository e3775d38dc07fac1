//! The store, query by query, on both backends (`NAME::sqlite`, `NAME::postgres`): the same calls must give
//! the same answers, including ordering, escaping, sums, conflicts and concurrent claims. Here: the roster,
//! conflicts, migrations and connections; records and the screen read in `store/records.rs`; the evidence
//! cache's first load cut short in `store/first_load.rs`; settings, schedules and claims in
//! `store/schedules.rs`; event ids beyond the happy path in `store/events.rs`, and who holds one in
//! `store/event_owner.rs`; writes at once that must not pass a limit or undo each other in
//! `store/limits_race.rs` and `store/name_races.rs`; the evidence cache and imports against concurrent writers
//! on PostgreSQL in `store/evidence_concurrency.rs`.

use crate::support::db::both_backends;
use crate::support::{utc, Db, TestDb};
use partnerfit::domain::profile::TraitKind;
use partnerfit::domain::{name_key, PartnerName, PartnerType, Stage};
use partnerfit::store::{NewPartner, NewTrait, PartnerFilter, Store, StoreError};

mod event_owner;
mod events;
mod evidence_concurrency;
mod first_load;
mod limits_race;
mod name_races;
mod records;
mod schedules;

both_backends!(
    roster_order_search_and_filters,
    conflicts_roll_back_their_transaction,
    migrations_apply_once,
);

const WS: &str = "2000";

async fn open(db: &TestDb) -> Store {
    Store::open(&db.url)
        .await
        .unwrap_or_else(|e| panic!("cannot open {}: {e}", db.url))
}

fn partner(name: &str, ty: PartnerType) -> NewPartner {
    NewPartner {
        name: PartnerName::parse(name).unwrap(),
        partner_type: ty,
        lifecycle: partnerfit::domain::Lifecycle::Prospect,
        champion: None,
        note: None,
    }
}

async fn roster_order_search_and_filters(db: Db) {
    let db = TestDb::new(db).await;
    // On PostgreSQL the database must order by a locale for "byte order on both" to be tested.
    db.assert_locale_collation().await;
    let s = open(&db).await;
    let now = utc(2026, 11, 26, 12, 0);
    // Names whose byte order differs from a locale's (spaces, punctuation, digits, accents, case).
    let names = [
        "acme corp",
        "Acme-Zeta",
        "acme_x",
        "acme%y",
        "Acmex",
        "ACME 10",
        "acme",
        "Zebra",
        "Ärzte Partner",
        "école",
        "b",
        "The ACME Co",
        "🚀 Rocket",
    ];
    for (i, n) in names.iter().enumerate() {
        let ty = if i % 2 == 0 {
            PartnerType::Reseller
        } else {
            PartnerType::Si
        };
        let id = s
            .add_partner(WS, &partner(n, ty), "ana", now)
            .await
            .unwrap();
        assert!(id > 0);
    }
    s.add_partner(
        "elsewhere",
        &partner("acme elsewhere", PartnerType::Si),
        "ana",
        now,
    )
    .await
    .unwrap();
    let mut by_key: Vec<(String, &str)> = names.iter().map(|n| (name_key(n), *n)).collect();
    by_key.sort();
    let expected: Vec<&str> = by_key.iter().map(|(_, n)| *n).collect();
    let all: Vec<String> = s
        .partners(WS, &PartnerFilter::default())
        .await
        .unwrap()
        .into_iter()
        .map(|p| p.name)
        .collect();
    assert_eq!(all, expected, "ORDER BY name_key is byte order on both");
    let listed: Vec<(i64, String)> = s
        .partners(WS, &PartnerFilter::default())
        .await
        .unwrap()
        .into_iter()
        .map(|p| (p.id, p.name))
        .collect();
    assert_eq!(
        s.partner_names(WS).await.unwrap(),
        listed,
        "the names read as one JSON value: same ids, text and order"
    );
    assert_eq!(s.partner_names("nobody-here").await.unwrap(), vec![]);

    // prefix matches first (by key), then the ones containing the text
    let found = s.search_partners(WS, "acme", 25).await.unwrap();
    assert_eq!(
        found,
        [
            "acme",
            "ACME 10",
            "acme corp",
            "acme%y",
            "Acme-Zeta",
            "acme_x",
            "Acmex",
            "The ACME Co"
        ]
    );
    assert_eq!(
        s.search_partners(WS, "acme", 3).await.unwrap(),
        ["acme", "ACME 10", "acme corp"]
    );
    // a full prefix list, and the containing ones filling a short one
    assert_eq!(s.search_partners(WS, "acme", 7).await.unwrap().len(), 7);
    assert_eq!(
        s.search_partners(WS, "acme c", 2).await.unwrap(),
        ["acme corp", "The ACME Co"]
    );
    assert_eq!(s.search_partners(WS, "co", 1).await.unwrap(), ["acme corp"]);
    // wildcards are literal
    assert_eq!(
        s.search_partners(WS, "acme_", 25).await.unwrap(),
        ["acme_x"]
    );
    assert_eq!(
        s.search_partners(WS, "acme%", 25).await.unwrap(),
        ["acme%y"]
    );
    assert_eq!(
        s.search_partners(WS, "ärzte", 25).await.unwrap(),
        ["Ärzte Partner"]
    );
    assert_eq!(
        s.search_partners(WS, "🚀", 25).await.unwrap(),
        ["🚀 Rocket"]
    );
    assert_eq!(
        s.search_partners(WS, "zeta", 25).await.unwrap(),
        ["Acme-Zeta"]
    );
    assert_eq!(
        s.search_partners(WS, "", 25).await.unwrap().len(),
        names.len()
    );
    assert!(s
        .search_partners(WS, "nothing", 25)
        .await
        .unwrap()
        .is_empty());

    // filters with NULL parameters
    let resellers = s
        .partners(
            WS,
            &PartnerFilter {
                partner_type: Some(PartnerType::Reseller),
                stage: None,
            },
        )
        .await
        .unwrap();
    assert_eq!(resellers.len(), names.len().div_ceil(2));
    let key = name_key("ACME 10");
    let p = s.partner_by_key(WS, &key).await.unwrap().unwrap();
    assert_eq!(p.name, "ACME 10");
    let signed_on = p
        .lifecycle
        .sign(utc(2026, 11, 2, 0, 0).date_naive())
        .unwrap();
    s.change_lifecycle(WS, p.id, &p.lifecycle, &signed_on)
        .await
        .unwrap();
    let signed = s
        .partners(
            WS,
            &PartnerFilter {
                partner_type: Some(PartnerType::Si),
                stage: Some(Stage::Signed),
            },
        )
        .await
        .unwrap();
    assert_eq!(signed.len(), 1);
    assert_eq!(
        signed[0].lifecycle.signed_on(),
        Some(utc(2026, 11, 2, 0, 0).date_naive())
    );
    let dropped = signed_on
        .drop(utc(2026, 11, 20, 0, 0).date_naive(), "churned".into())
        .unwrap();
    s.change_lifecycle(WS, p.id, &signed_on, &dropped)
        .await
        .unwrap();
    let p = s.partner_by_id(WS, p.id).await.unwrap().unwrap();
    assert_eq!(
        (p.lifecycle.stage(), p.lifecycle.drop_reason()),
        (Stage::Dropped, Some("churned"))
    );
    assert!(s.partner_by_id("elsewhere", p.id).await.unwrap().is_none());
    assert_eq!(s.partner_names(WS).await.unwrap().len(), names.len());
}

async fn conflicts_roll_back_their_transaction(db: Db) {
    let db = TestDb::new(db).await;
    let s = open(&db).await;
    let now = utc(2026, 11, 26, 12, 0);
    s.add_partner(WS, &partner("Acme", PartnerType::Si), "ana", now)
        .await
        .unwrap();
    let e = s
        .add_partner(WS, &partner("  ACME ", PartnerType::Reseller), "ana", now)
        .await
        .unwrap_err();
    assert!(
        matches!(&e, StoreError::Conflict(w) if w == "partner"),
        "{e:?}"
    );
    // the same name in another workspace is fine
    s.add_partner("other", &partner("Acme", PartnerType::Si), "ana", now)
        .await
        .unwrap();

    let pid = s
        .create_profile(WS, PartnerType::Si, "SIs", Some("joint"), "ana", now)
        .await
        .unwrap();
    let e = s
        .create_profile(WS, PartnerType::Si, "Again", None, "ana", now)
        .await
        .unwrap_err();
    assert!(
        matches!(&e, StoreError::Conflict(w) if w == "profile"),
        "{e:?}"
    );
    let bench = NewTrait {
        name: "Bench".into(),
        verify_by: Some("staffing list".into()),
        kind: TraitKind::Threshold {
            min: Some(5.0),
            max: None,
            unit: Some("engineers".into()),
        },
    };
    let (tid, rev) = s.add_trait(WS, pid, &bench, "ana", now).await.unwrap();
    assert_eq!(rev, 2);
    let e = s
        .add_trait(
            WS,
            pid,
            &NewTrait {
                name: " BENCH".into(),
                ..bench.clone()
            },
            "ana",
            now,
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&e, StoreError::Conflict(w) if w == "trait"),
        "{e:?}"
    );
    // the refused trait's revision was rolled back with it
    let p = s
        .active_profile(WS, PartnerType::Si)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((p.revision, p.traits.len()), (2, 1));
    assert_eq!(p.joint_solution.as_deref(), Some("joint"));
    assert_eq!(s.profile_history(pid).await.unwrap().len(), 2);
    let yes_no = NewTrait {
        name: "Deal registration".into(),
        verify_by: None,
        kind: TraitKind::YesNo,
    };
    s.add_trait(WS, pid, &yes_no, "ana", now).await.unwrap();
    assert_eq!(
        s.remove_trait(pid, tid, "Bench", "ana", now).await.unwrap(),
        4
    );
    let history = s.profile_history(pid).await.unwrap();
    assert_eq!(
        history.iter().map(|r| r.traits.len()).collect::<Vec<_>>(),
        [0, 1, 2, 1]
    );
    let p = s
        .active_profile(WS, PartnerType::Si)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(p.traits[0].kind, TraitKind::YesNo);
    assert_eq!(
        s.trait_names(WS, Some(PartnerType::Si)).await.unwrap(),
        [(PartnerType::Si, "Deal registration".to_string())]
    );
    assert!(s
        .trait_names(WS, Some(PartnerType::Reseller))
        .await
        .unwrap()
        .is_empty());
    assert_eq!(s.trait_names(WS, None).await.unwrap().len(), 1);
    assert_eq!(s.trait_names_by_id(WS).await.unwrap().len(), 2);
    assert!(s
        .retire_profile(WS, PartnerType::Si, "ana", now)
        .await
        .unwrap());
    assert!(!s
        .retire_profile(WS, PartnerType::Si, "ana", now)
        .await
        .unwrap());
    s.create_profile(WS, PartnerType::Si, "SIs v2", None, "ana", now)
        .await
        .unwrap();
    assert_eq!(s.active_profiles(WS).await.unwrap().len(), 1);
}

async fn migrations_apply_once(db: Db) {
    let db = TestDb::new(db).await;
    let s = open(&db).await;
    s.add_partner(
        WS,
        &partner("Acme", PartnerType::Si),
        "ana",
        utc(2026, 1, 1, 0, 0),
    )
    .await
    .unwrap();
    s.close().await;
    // opening again applies nothing and keeps the data
    let s = open(&db).await;
    assert_eq!(s.partner_names(WS).await.unwrap().len(), 1);
    s.migrate().await.unwrap();
    s.close().await;
}

/// Processes started at the same moment on a new SQLite file each migrate it, one at a time (sqlx's migrator
/// locks nothing on SQLite; the store holds `<file>.migrate-lock` while it migrates): every one opens, and the
/// schema is at this binary's newest migration. Without the lock, one of them failed ("table … already
/// exists") in most rounds.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn stores_opened_at_once_on_a_new_sqlite_file_all_open() {
    for round in 0..5 {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("new.db").display());
        let opens = (0..4).map(|_| {
            let url = url.clone();
            tokio::spawn(async move { Store::open(&url).await })
        });
        for (i, opened) in futures::future::join_all(opens)
            .await
            .into_iter()
            .enumerate()
        {
            let s = opened
                .unwrap()
                .unwrap_or_else(|e| panic!("round {round}, store {i}: {e}"));
            let status = s.migration_status().await.unwrap();
            assert!(status.missing.is_empty(), "{status:?}");
            assert_eq!(status.applied, status.latest);
            s.close().await;
        }
        let s = Store::open(&url).await.unwrap();
        s.add_partner(
            WS,
            &partner("Acme", PartnerType::Si),
            "ana",
            utc(2026, 1, 1, 0, 0),
        )
        .await
        .unwrap();
        s.close().await;
    }
}

#[tokio::test]
async fn an_unreachable_postgres_is_named_without_its_password() {
    let e = Store::open("postgres://app:s3cret-pw@127.0.0.1:1/pf")
        .await
        .unwrap_err();
    assert!(e.is_unavailable(), "{e:?}");
    let m = e.to_string();
    assert!(m.contains("127.0.0.1:1"), "{m}");
    // The refused connection itself is the error (with the hint only that gets), not the connect timeout's
    // "no answer within 10 s": it gave up at once instead of trying again until then.
    assert!(m.contains("refused"), "{m}");
    assert!(m.contains("is PostgreSQL running"), "{m}");
    assert!(!m.contains("no answer within"), "{m}");
    assert!(!m.contains("s3cret"), "{m}");
}

#[tokio::test]
async fn postgres_over_tls() {
    let db = TestDb::postgres().await;
    let sep = if db.url.contains('?') { '&' } else { '?' };
    let s = Store::open(&format!("{}{sep}sslmode=require", db.url))
        .await
        .unwrap_or_else(|e| panic!("sslmode=require: {e}"));
    s.add_partner(
        WS,
        &partner("Acme", PartnerType::Si),
        "ana",
        utc(2026, 1, 1, 0, 0),
    )
    .await
    .unwrap();
    assert_eq!(s.partner_names(WS).await.unwrap().len(), 1);
    s.close().await;
}

/// `sqlite::memory:` is one database for the whole process: each pooled connection to it would open its own
/// empty one (the migrations' tables missing on the next connection), so the store keeps a single connection.
/// Writes, a transaction and twenty questions at once all see the same data.
#[tokio::test]
async fn an_in_memory_database_is_one_database() {
    let store = Store::open("sqlite::memory:")
        .await
        .unwrap_or_else(|e| panic!("sqlite::memory: {e}"));
    let clock = crate::support::TestClock::at(utc(2026, 3, 2, 9, 0));
    let app = partnerfit::app::App::new(store, clock);
    let ctx = partnerfit::app::Ctx {
        workspace: "local".into(),
        user: "ana".into(),
        role: partnerfit::domain::Role::Lead,
        channel_id: None,
    };
    let run = |line: &'static str| {
        let (app, ctx) = (app.clone(), ctx.clone());
        async move {
            let out = partnerfit::console::handle_line(&app, &ctx, line)
                .await
                .map(|o| o.to_json())
                .unwrap_or_default();
            assert_eq!(out["ok"], true, "{line} -> {out}");
            out["reply"].clone()
        }
    };
    run(r#"/profile create type:reseller name:"Resellers" joint_solution:"bundled""#).await;
    run(r#"/profile trait add type:reseller name:"Deal registration" verify_by:"CRM""#).await;
    run(r#"/profile trait add type:reseller name:"Named champion" verify_by:"call""#).await;
    run(r#"/partner add name:"Acme" type:reseller"#).await;
    run(r#"/evidence add partner:"Acme" trait:"Deal registration" met:yes observed:2026-03-01 source:"crm""#)
        .await;
    let answers =
        futures::future::join_all((0..20).map(|_| run(r#"/screen partner:"Acme""#))).await;
    for screen in &answers {
        let statuses: Vec<&str> = screen["traits"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["status"].as_str().unwrap())
            .collect();
        assert_eq!(statuses, ["met", "unknown"], "{screen}");
    }
    let list = run("/partner list").await;
    assert_eq!(list["partners"].as_array().map(Vec::len), Some(1), "{list}");
}
