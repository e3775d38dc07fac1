//! The store, query by query, on both backends (`NAME::sqlite`, `NAME::postgres`): the same calls must give
//! the same answers, including ordering, escaping, sums, conflicts and concurrent claims.

use crate::support::db::both_backends;
use crate::support::{utc, Db, TestDb};
use chrono::Duration;
use partnerfit::domain::evidence::Observation;
use partnerfit::domain::profile::TraitKind;
use partnerfit::domain::{
    name_key, Amount, DigestKind, Hours, OutcomeKind, PartnerName, PartnerType, Stage, Week,
};
use partnerfit::store::{
    Claim, NewAllocation, NewEvidence, NewOutcome, NewPartner, NewTrait, PartnerFilter,
    RecordTable, RetractOutcome, SettingValue, Store, StoreError,
};

both_backends!(
    roster_order_search_and_filters,
    conflicts_roll_back_their_transaction,
    records_sums_and_retractions,
    settings_schedules_and_rechecks,
    claims_are_exactly_once_under_concurrency,
    migrations_apply_once,
    screen_facts_are_one_exact_read,
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
        stage: Stage::Prospect,
        signed: None,
        dropped: None,
        drop_reason: None,
        champion: None,
        note: None,
    }
}

async fn roster_order_search_and_filters(db: Db) {
    let db = TestDb::new(db).await;
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
    s.sign_partner(WS, p.id, utc(2026, 11, 2, 0, 0).date_naive())
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
    assert_eq!(signed[0].signed, Some(utc(2026, 11, 2, 0, 0).date_naive()));
    s.drop_partner(WS, p.id, "churned", utc(2026, 11, 20, 0, 0).date_naive())
        .await
        .unwrap();
    let p = s.partner_by_id(WS, p.id).await.unwrap().unwrap();
    assert_eq!(
        (p.stage, p.drop_reason.as_deref()),
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

async fn records_sums_and_retractions(db: Db) {
    let db = TestDb::new(db).await;
    let s = open(&db).await;
    let now = utc(2026, 11, 26, 12, 0);
    let pid = s
        .create_profile(WS, PartnerType::Reseller, "R", None, "ana", now)
        .await
        .unwrap();
    let (yes_no, _) = s
        .add_trait(
            WS,
            pid,
            &NewTrait {
                name: "Deal registration".into(),
                verify_by: None,
                kind: TraitKind::YesNo,
            },
            "ana",
            now,
        )
        .await
        .unwrap();
    let (overlap, _) = s
        .add_trait(
            WS,
            pid,
            &NewTrait {
                name: "Overlap".into(),
                verify_by: None,
                kind: TraitKind::Threshold {
                    min: Some(25.0),
                    max: Some(1e6),
                    unit: None,
                },
            },
            "ana",
            now,
        )
        .await
        .unwrap();
    let acme = s
        .add_partner(WS, &partner("Acme", PartnerType::Reseller), "ana", now)
        .await
        .unwrap();
    let day = |d| utc(2026, 11, d, 0, 0).date_naive();
    let ev = |trait_id, observation, observed| NewEvidence {
        partner_id: acme,
        trait_id,
        observation,
        source: Some("crm".into()),
        note: None,
        observed,
    };
    let e1 = s
        .add_evidence(WS, &ev(yes_no, Observation::Met(true), day(1)), "mia", now)
        .await
        .unwrap();
    s.add_evidence(WS, &ev(yes_no, Observation::Met(false), day(3)), "mia", now)
        .await
        .unwrap();
    s.add_evidence(
        WS,
        &ev(overlap, Observation::Value(31.5), day(2)),
        "mia",
        now,
    )
    .await
    .unwrap();
    let all = s.partner_evidence(WS, acme).await.unwrap();
    assert_eq!(
        all.iter().map(|e| e.observation).collect::<Vec<_>>(),
        [
            Observation::Met(true),
            Observation::Value(31.5),
            Observation::Met(false)
        ]
    );
    assert_eq!(s.evidence_as_of(WS, day(2)).await.unwrap().len(), 2);
    assert_eq!(
        s.record_owner(RecordTable::Evidence, WS, e1).await.unwrap(),
        Some("mia".to_string())
    );
    assert_eq!(
        s.record_owner(RecordTable::Evidence, "other", e1)
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        s.retract(RecordTable::Evidence, WS, e1, "ana", "wrong", now)
            .await
            .unwrap(),
        RetractOutcome::Retracted
    );
    match s
        .retract(RecordTable::Evidence, WS, e1, "ana", "again", now)
        .await
        .unwrap()
    {
        RetractOutcome::AlreadyRetracted(r) => {
            assert_eq!(
                (r.retracted_by.as_str(), r.reason.as_str()),
                ("ana", "wrong")
            )
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        s.retract(RecordTable::Evidence, WS, 999_999, "ana", "x", now)
            .await
            .unwrap(),
        RetractOutcome::NotFound
    );
    assert_eq!(s.evidence_as_of(WS, day(30)).await.unwrap().len(), 2);
    assert!(s.partner_evidence(WS, acme).await.unwrap()[0].retracted);

    // allocations: sums are exact BIGINTs on both (PostgreSQL's SUM would be NUMERIC)
    let w47: Week = "2026-W47".parse().unwrap();
    let w48: Week = "2026-W48".parse().unwrap();
    assert_eq!(
        s.partner_week_hours(WS, acme, w47).await.unwrap().centi(),
        0
    );
    let big = 4_000_000_000_i64; // beyond INT4
    let mut ids = vec![];
    for (week, hours, spend) in [(w47, 650, big), (w47, 25, 1), (w48, 100, 0)] {
        ids.push(
            s.add_allocation(
                WS,
                &NewAllocation {
                    partner_id: acme,
                    week,
                    hours: Hours::from_centi(hours),
                    spend: Amount::from_cents(spend),
                    note: None,
                },
                "mia",
                now,
            )
            .await
            .unwrap(),
        );
    }
    assert_eq!(
        s.partner_week_hours(WS, acme, w47).await.unwrap().centi(),
        675
    );
    let sums = s.allocation_sums(WS, w47, w48).await.unwrap();
    assert_eq!(
        sums.iter()
            .map(|a| (a.week.as_str(), a.hours.centi(), a.spend.cents()))
            .collect::<Vec<_>>(),
        [("2026-W47", 675, big + 1), ("2026-W48", 100, 0)]
    );
    s.retract(RecordTable::Allocations, WS, ids[1], "ana", "dup", now)
        .await
        .unwrap();
    assert_eq!(
        s.partner_week_hours(WS, acme, w47).await.unwrap().centi(),
        650
    );

    // outcomes
    for (kind, amount, d) in [
        (OutcomeKind::SourcedPipeline, Some(big), 5),
        (OutcomeKind::RegisteredDeal, None, 6),
        (OutcomeKind::ClosedWon, Some(1), 30),
    ] {
        s.add_outcome(
            WS,
            &NewOutcome {
                partner_id: acme,
                kind,
                amount: amount.map(Amount::from_cents),
                date: day(d),
                reference: Some("ref".into()),
            },
            "mia",
            now,
        )
        .await
        .unwrap();
    }
    let o = s.outcomes_between(WS, day(1), day(6)).await.unwrap();
    assert_eq!(
        o.iter()
            .map(|o| (o.kind, o.amount.map(|a| a.cents())))
            .collect::<Vec<_>>(),
        [
            (OutcomeKind::SourcedPipeline, Some(big)),
            (OutcomeKind::RegisteredDeal, None)
        ]
    );
}

/// The screen's one-statement read (a packed JSON value on both backends, on SQLite through the kept
/// connection or the pool) gives what the single-purpose reads give, doubles bit for bit, text with quotes,
/// backslashes and non-ASCII intact, and the record that counts per trait picked by hand.
async fn screen_facts_are_one_exact_read(db: Db) {
    let db = TestDb::new(db).await;
    let s = open(&db).await;
    let now = utc(2026, 11, 26, 12, 0);
    let day = |m, d| chrono::NaiveDate::from_ymd_opt(2026, m, d).unwrap();
    // Neither has a 15-digit decimal form that reads back as the same double.
    let third = 1.0_f64 / 3.0;
    let sum = 0.1_f64 + 0.2;
    s.set_setting(WS, &SettingValue::AllocationTarget(sum), now)
        .await
        .unwrap();
    let pid = s
        .create_profile(
            WS,
            PartnerType::Reseller,
            r#"R "best" \ ✓"#,
            Some("joint"),
            "ana",
            now,
        )
        .await
        .unwrap();
    let add_trait = |name: &'static str, kind: TraitKind| {
        let s = s.clone();
        async move {
            s.add_trait(
                WS,
                pid,
                &NewTrait {
                    name: name.into(),
                    verify_by: Some("a \"call\"".into()),
                    kind,
                },
                "ana",
                now,
            )
            .await
            .unwrap()
            .0
        }
    };
    let yes = add_trait("Deal registration", TraitKind::YesNo).await;
    let threshold = TraitKind::Threshold {
        min: Some(sum),
        max: Some(third * 100.0),
        unit: Some("accounts".into()),
    };
    let overlap = add_trait("Overlap", threshold).await;
    let unseen = add_trait("No evidence yet", TraitKind::YesNo).await;
    let name = r#"Zoë "Q" \ Co"#;
    let p = s
        .add_partner(WS, &partner(name, PartnerType::Reseller), "ana", now)
        .await
        .unwrap();
    s.add_partner(WS, &partner("Other", PartnerType::Si), "ana", now)
        .await
        .unwrap();
    let record = |trait_id, observation, observed| {
        let s = s.clone();
        async move {
            let e = NewEvidence {
                partner_id: p,
                trait_id,
                observation,
                source: Some("crm \"x\" \\".into()),
                note: Some("naïve\tnote".into()),
                observed,
            };
            s.add_evidence(WS, &e, "bo", now).await.unwrap()
        }
    };
    let met_early = record(yes, Observation::Met(true), day(10, 1)).await;
    let missed_later = record(yes, Observation::Met(false), day(11, 10)).await;
    let exact = record(overlap, Observation::Value(third), day(9, 1)).await;
    let retracted = record(overlap, Observation::Value(5.0), day(10, 15)).await;
    s.retract(RecordTable::Evidence, WS, retracted, "ana", "typo", now)
        .await
        .unwrap();

    let key = name_key(name);
    let all = s.partner_evidence(WS, p).await.unwrap();
    let by_id = |id: i64| all.iter().find(|e| e.id == id).unwrap().clone();
    let facts = s.screen_facts(WS, &key, day(11, 1)).await.unwrap().unwrap();
    assert_eq!(
        facts.partner,
        s.partner_by_key(WS, &key).await.unwrap().unwrap()
    );
    assert_eq!(facts.settings, s.settings(WS).await.unwrap());
    assert_eq!(facts.settings.allocation_target.to_bits(), sum.to_bits());
    let profile = s.active_profile(WS, PartnerType::Reseller).await.unwrap();
    assert_eq!(facts.profile, profile);
    let traits: Vec<i64> = profile.unwrap().traits.iter().map(|t| t.id).collect();
    assert_eq!(traits, vec![yes, overlap, unseen]);
    // As of 1 November: the early yes (the later "no" is not observed yet), the value (the newer one is
    // retracted); nothing for the third trait.
    assert_eq!(facts.evidence, vec![by_id(met_early), by_id(exact)]);
    assert_eq!(facts.evidence[1].observation, Observation::Value(third));
    assert_eq!(
        facts.evidence[1].note.as_deref(),
        Some("naïve\tnote"),
        "text comes back as written"
    );
    let today = s
        .screen_facts(WS, &key, day(11, 26))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(today.evidence, vec![by_id(missed_later), by_id(exact)]);

    // A partner of a type without a profile; a name not on the roster.
    let other = s
        .screen_facts(WS, "other", day(11, 26))
        .await
        .unwrap()
        .unwrap();
    assert_eq!((other.profile, other.evidence), (None, vec![]));
    // A workspace that never set anything reads the defaults.
    s.add_partner("bare", &partner("Bare", PartnerType::Si), "ana", now)
        .await
        .unwrap();
    let bare = s
        .screen_facts("bare", "bare", day(11, 26))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(bare.settings, partnerfit::store::SettingsRow::default());
    assert_eq!(
        s.screen_facts(WS, "nobody", day(11, 26)).await.unwrap(),
        None
    );
    assert_eq!(
        s.screen_facts("elsewhere", &key, day(11, 26))
            .await
            .unwrap(),
        None
    );

    // Many at once: one takes the kept connection, the others the pool; all agree.
    let reads: Vec<_> = (0..12)
        .map(|_| {
            let (s, key) = (s.clone(), key.clone());
            async move { s.screen_facts(WS, &key, day(11, 1)).await.unwrap() }
        })
        .collect();
    for got in futures::future::join_all(reads).await {
        assert_eq!(got.as_ref(), Some(&facts));
    }
    s.close().await;
}

async fn settings_schedules_and_rechecks(db: Db) {
    let db = TestDb::new(db).await;
    let s = open(&db).await;
    let now = utc(2026, 11, 26, 12, 0);
    let d = s.settings(WS).await.unwrap();
    assert_eq!(
        (
            d.timezone.as_str(),
            d.max_misses,
            d.allocation_target,
            d.alpha
        ),
        ("UTC", 1, 0.8, 0.1)
    );
    // Reading a new workspace's settings writes nothing, and its defaults are the table's column defaults.
    assert!(s
        .snapshot(Some(WS))
        .await
        .unwrap()
        .contains("# workspace_settings: 0\n"));
    s.ensure_workspace(WS).await.unwrap();
    assert_eq!(
        s.settings(WS).await.unwrap(),
        partnerfit::store::SettingsRow::default()
    );
    for v in [
        SettingValue::Timezone("Europe/Berlin".into()),
        SettingValue::MaxMisses(2),
        SettingValue::AllocationTarget(0.75),
        SettingValue::EvidenceMaxAgeDays(30),
        SettingValue::MinGroup(4),
        SettingValue::Alpha(0.05),
    ] {
        s.set_setting(WS, &v, now).await.unwrap();
    }
    s.set_roles(
        WS,
        Some(Some("4000".into())),
        Some(Some("4001".into())),
        None,
        now,
    )
    .await
    .unwrap();
    s.set_roles(WS, None, Some(None), None, now).await.unwrap();
    let d = s.settings(WS).await.unwrap();
    assert_eq!(
        (
            d.timezone.as_str(),
            d.max_misses,
            d.allocation_target,
            d.evidence_max_age_days,
            d.min_group,
            d.alpha,
            d.lead_role.as_deref(),
            d.member_role.as_deref()
        ),
        ("Europe/Berlin", 2, 0.75, 30, 4, 0.05, Some("4000"), None)
    );

    s.set_schedule(
        WS,
        DigestKind::Weekly,
        "0 9 * * MON",
        "3000",
        "ana",
        Some("3001"),
        now,
    )
    .await
    .unwrap();
    s.set_schedule(
        WS,
        DigestKind::Quarterly,
        "0 9 1 1 *",
        "3000",
        "ana",
        None,
        now,
    )
    .await
    .unwrap();
    s.set_schedule_error(WS, DigestKind::Weekly, Some("no access"))
        .await
        .unwrap();
    // setting again replaces, unpauses and clears the error
    assert!(s
        .set_schedule_paused(WS, DigestKind::Weekly, true, now)
        .await
        .unwrap());
    assert_eq!(s.active_schedules().await.unwrap().len(), 1);
    s.set_schedule(WS, DigestKind::Weekly, "* * * * *", "3002", "bo", None, now)
        .await
        .unwrap();
    let all = s.schedules(WS).await.unwrap();
    assert_eq!(
        all.iter()
            .map(|r| (r.digest, r.cron.as_str(), r.paused, r.last_error.clone()))
            .collect::<Vec<_>>(),
        [
            (DigestKind::Weekly, "* * * * *", false, None),
            (DigestKind::Quarterly, "0 9 1 1 *", false, None)
        ]
    );
    assert!(!s
        .set_schedule_paused("nowhere", DigestKind::Weekly, true, now)
        .await
        .unwrap());

    s.store_recheck(WS, "2026-Q2", "hold", "{}", "f1", now)
        .await
        .unwrap();
    s.store_recheck(WS, "2026-Q3", "revise", "{}", "f2", now)
        .await
        .unwrap();
    s.store_recheck(WS, "2026-Q3", "not-proven", "{\"x\":1}", "f3", now)
        .await
        .unwrap();
    let r = s.stored_recheck(WS, "2026-Q3").await.unwrap().unwrap();
    assert_eq!(
        (r.verdict.as_str(), r.fingerprint.as_str()),
        ("not-proven", "f3")
    );
    assert_eq!(
        s.latest_recheck(WS, "2026-Q2")
            .await
            .unwrap()
            .unwrap()
            .quarter,
        "2026-Q2"
    );
    assert_eq!(
        s.latest_recheck(WS, "2026-Q4")
            .await
            .unwrap()
            .unwrap()
            .quarter,
        "2026-Q3"
    );
}

/// Several stores (as several processes) race for the same periods: each period is claimed once; after
/// the lease runs out exactly one of them takes it over; the lease is renewed only by its holder.
async fn claims_are_exactly_once_under_concurrency(db: Db) {
    let db = TestDb::new(db).await;
    let stores = [open(&db).await, open(&db).await, open(&db).await];
    let t0 = utc(2026, 11, 23, 9, 0);
    let lease = Duration::seconds(2);
    let periods: Vec<String> = (1..=8).map(|w| format!("2026-W{w:02}")).collect();
    let race = |now: chrono::DateTime<chrono::Utc>| {
        let mut tasks = tokio::task::JoinSet::new();
        for (i, s) in stores.iter().enumerate() {
            for j in 0..3 {
                for p in &periods {
                    let s = s.clone();
                    let p = p.clone();
                    let me = format!("proc{i}-{j}");
                    tasks.spawn(async move {
                        let c = s
                            .claim_run(WS, DigestKind::Weekly, &p, t0, false, &me, now, now + lease)
                            .await
                            .unwrap();
                        (p, me, c)
                    });
                }
            }
        }
        tasks
    };
    let won = |results: Vec<(String, String, Claim)>| {
        let mut by_period = std::collections::BTreeMap::<String, Vec<(String, i64)>>::new();
        for (p, me, c) in results {
            if let Claim::Claimed { attempt } = c {
                by_period.entry(p).or_default().push((me, attempt));
            }
        }
        by_period
    };
    let first = won(race(t0).join_all().await);
    assert_eq!(first.len(), periods.len());
    for (p, winners) in &first {
        assert_eq!(winners.len(), 1, "{p}: {winners:?}");
        assert_eq!(winners[0].1, 1);
    }
    // within the lease nobody takes over
    assert!(won(race(t0 + Duration::seconds(1)).join_all().await).is_empty());
    let later = t0 + Duration::seconds(3);
    assert_eq!(
        stores[0].expired_unposted_runs(later).await.unwrap().len(),
        periods.len()
    );
    // after it, exactly one takes over each period, as attempt 2
    let second = won(race(later).join_all().await);
    assert_eq!(second.len(), periods.len());
    for (p, winners) in &second {
        assert_eq!(winners.len(), 1, "{p}: {winners:?}");
        assert_eq!(winners[0].1, 2);
    }
    let p = &periods[0];
    let holder = &second[p][0].0;
    let s = &stores[1];
    // the lease is renewed by its holder only
    assert!(!s
        .renew_lease(
            WS,
            DigestKind::Weekly,
            p,
            "someone-else",
            later + Duration::seconds(60)
        )
        .await
        .unwrap());
    assert!(s
        .renew_lease(
            WS,
            DigestKind::Weekly,
            p,
            holder,
            later + Duration::seconds(60)
        )
        .await
        .unwrap());
    let much_later = later + Duration::seconds(30);
    let expired: Vec<String> = s
        .expired_unposted_runs(much_later)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.period)
        .collect();
    assert!(!expired.contains(p), "{expired:?}");
    assert_eq!(expired.len(), periods.len() - 1);
    // whoever posted records it, once
    assert!(s
        .mark_run_posted(WS, DigestKind::Weekly, p, "proc-late", "m1", much_later)
        .await
        .unwrap());
    assert!(!s
        .mark_run_posted(WS, DigestKind::Weekly, p, holder, "m2", much_later)
        .await
        .unwrap());
    let run = s.run(WS, DigestKind::Weekly, p).await.unwrap().unwrap();
    assert_eq!(
        (
            run.message_id.as_deref(),
            run.attempts,
            run.claimed_by.as_str()
        ),
        (Some("m1"), 2, "proc-late")
    );
    assert!(!s
        .renew_lease(WS, DigestKind::Weekly, p, "proc-late", much_later)
        .await
        .unwrap());
    assert_eq!(
        s.claim_run(
            WS,
            DigestKind::Weekly,
            p,
            t0,
            false,
            "x",
            much_later + Duration::hours(1),
            much_later + Duration::hours(2)
        )
        .await
        .unwrap(),
        Claim::Taken
    );
    // failures and give-ups
    let q = &periods[1];
    s.mark_run_failed(
        WS,
        DigestKind::Weekly,
        q,
        "503",
        much_later + Duration::seconds(30),
    )
    .await
    .unwrap();
    assert!(!s
        .expired_unposted_runs(much_later)
        .await
        .unwrap()
        .iter()
        .any(|r| &r.period == q));
    s.give_up_run(WS, DigestKind::Weekly, q, "forbidden", much_later)
        .await
        .unwrap();
    let run = s.run(WS, DigestKind::Weekly, q).await.unwrap().unwrap();
    assert_eq!(run.last_error.as_deref(), Some("forbidden"));
    assert!(run.posted_at.is_some());
    let latest = s.latest_run(WS, DigestKind::Weekly).await.unwrap().unwrap();
    assert_eq!(latest.fire_at, t0);
    for s in &stores {
        s.close().await;
    }
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

#[tokio::test]
async fn an_unreachable_postgres_is_named_without_its_password() {
    let started = std::time::Instant::now();
    let e = Store::open("postgres://app:s3cret-pw@127.0.0.1:1/pf")
        .await
        .unwrap_err();
    assert!(e.is_unavailable(), "{e:?}");
    let m = e.to_string();
    assert!(m.contains("127.0.0.1:1"), "{m}");
    assert!(m.contains("is PostgreSQL running"), "{m}");
    assert!(!m.contains("s3cret"), "{m}");
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
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
