//! Records on both backends: evidence, hours and outcomes with their sums and retractions, and the screen's
//! one-statement read checked against the single-purpose reads.

use super::{open, partner, WS};
use crate::support::db::both_backends;
use crate::support::{utc, Db, TestDb};
use partnerfit::domain::evidence::{CompactEvidence, Observation};
use partnerfit::domain::profile::TraitKind;
use partnerfit::domain::{name_key, Amount, Hours, OutcomeKind, PartnerType, Week};
use partnerfit::store::Store;
use partnerfit::store::{
    NewAllocation, NewEvidence, NewOutcome, NewTrait, RecordTable, RetractOutcome, SettingValue,
};

both_backends!(
    records_sums_and_retractions,
    allocation_sums_by_partner_and_week,
    screen_facts_are_one_exact_read,
    a_first_load_is_the_usual_read
);

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
        ids.push(add_hours(&s, WS, acme, week, (hours, spend)).await);
    }
    assert_eq!(
        s.partner_week_hours(WS, acme, w47).await.unwrap().centi(),
        675
    );
    let sums = s.allocation_sums(WS, w47, w48).await.unwrap();
    assert_eq!(
        sums.iter()
            .map(|a| (a.week.to_string(), a.hours.centi(), a.spend.cents()))
            .collect::<Vec<_>>(),
        [
            ("2026-W47".to_string(), 675, big + 1),
            ("2026-W48".to_string(), 100, 0)
        ]
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

/// Record `partner_id`'s hours and spend (in hundredths and cents) for `week`, by mia, without a note: its id.
async fn add_hours(
    s: &Store,
    ws: &str,
    partner_id: i64,
    week: Week,
    (centi, cents): (i64, i64),
) -> i64 {
    let a = NewAllocation {
        partner_id,
        week,
        hours: Hours::from_centi(centi),
        spend: Amount::from_cents(cents),
        note: None,
    };
    s.add_allocation(ws, &a, "mia", utc(2026, 11, 26, 12, 0))
        .await
        .unwrap()
}

/// The weekly digest's sums: per partner and week, in week then partner order, retracted hours left out, weeks
/// outside the range and another workspace's hours too. Expected totals added up by hand.
async fn allocation_sums_by_partner_and_week(db: Db) {
    let db = TestDb::new(db).await;
    let s = open(&db).await;
    let now = utc(2026, 11, 26, 12, 0);
    let mut ids = vec![];
    for (ws, name) in [(WS, "Acme"), (WS, "Bolt"), (WS, "Crux"), ("other", "Dyne")] {
        ids.push(
            s.add_partner(ws, &partner(name, PartnerType::Reseller), "ana", now)
                .await
                .unwrap(),
        );
    }
    let [acme, bolt, crux, dyne] = ids[..] else {
        unreachable!()
    };
    let week = |w: &str| -> Week { w.parse().unwrap() };
    let mut retract = None;
    for (ws, partner_id, w, hours, spend) in [
        (WS, bolt, "2026-W46", 100, 7),  // before the range
        (WS, bolt, "2026-W47", 250, 10), // summed with the next
        (WS, bolt, "2026-W47", 125, 5),
        (WS, acme, "2026-W47", 50, 0),
        (WS, acme, "2026-W48", 1_000, 40_000),
        (WS, crux, "2026-W48", 10, 1), // retracted below
        (WS, crux, "2026-W49", 300, 2),
        (WS, acme, "2026-W50", 20, 20), // after the range
        ("other", dyne, "2026-W48", 999, 999),
    ] {
        let id = add_hours(&s, ws, partner_id, week(w), (hours, spend)).await;
        if partner_id == crux && w == "2026-W48" {
            retract = Some(id);
        }
    }
    s.retract(
        RecordTable::Allocations,
        WS,
        retract.unwrap(),
        "ana",
        "dup",
        now,
    )
    .await
    .unwrap();
    let sums = s
        .allocation_sums(WS, week("2026-W47"), week("2026-W49"))
        .await
        .unwrap();
    assert_eq!(
        sums.iter()
            .map(|a| (
                a.week.to_string(),
                a.partner_id,
                a.hours.centi(),
                a.spend.cents()
            ))
            .collect::<Vec<_>>(),
        [
            ("2026-W47".to_string(), acme, 50, 0),
            ("2026-W47".to_string(), bolt, 375, 15),
            ("2026-W48".to_string(), acme, 1_000, 40_000),
            ("2026-W49".to_string(), crux, 300, 2),
        ]
    );
    assert!(s
        .allocation_sums(WS, week("2026-W51"), week("2026-W52"))
        .await
        .unwrap()
        .is_empty());
}

/// The screen's one-statement read (a packed JSON value through the kept connection or the pool; on SQLite
/// first plain rows on the connection of the calling thread, store/direct.rs) gives what the single-purpose
/// reads give, doubles bit for bit, text with quotes, backslashes and non-ASCII intact, and the record that
/// counts per trait picked by hand; on SQLite the JSON value (a read-only store, which has no connection of
/// the calling thread) gives the same facts as the rows.
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
    if db.backend == Db::Sqlite {
        let usual = partnerfit::store::Store::connect(&format!("{}?mode=ro", db.url))
            .await
            .unwrap();
        for (ws, key, as_of) in [
            (WS, key.as_str(), day(11, 1)),
            (WS, key.as_str(), day(11, 26)),
            (WS, "other", day(11, 26)),
            ("bare", "bare", day(11, 26)),
            (WS, "nobody", day(11, 26)),
        ] {
            let rows = s.screen_facts(ws, key, as_of).await.unwrap();
            let json = usual.screen_facts(ws, key, as_of).await.unwrap();
            assert_eq!(json, rows, "{ws} {key} {as_of}");
        }
        assert_eq!(
            usual.screen_facts(WS, &key, day(11, 1)).await.unwrap(),
            Some(facts)
        );
        usual.close().await;
    }
    s.close().await;
}

/// Workspace `WS` and another one, their records interleaved: 6 partners each with two traits (yes/no and a
/// threshold), 5 records of each trait per partner, every record of `WS` whose id is a multiple of 7 retracted.
/// Answers the partners of `WS`, its number of records and of retracted ones.
pub(super) async fn two_workspaces_of_records(s: &Store) -> (Vec<i64>, usize, usize) {
    let now = utc(2026, 11, 26, 12, 0);
    let day = |d| utc(2026, 11, d, 0, 0).date_naive();
    let mut ours = Vec::new();
    for ws in [WS, "other"] {
        let pid = s
            .create_profile(ws, PartnerType::Reseller, "R", None, "ana", now)
            .await
            .unwrap();
        let mut traits = Vec::new();
        for (name, kind) in [
            ("Deal registration", TraitKind::YesNo),
            (
                "Overlap",
                TraitKind::Threshold {
                    min: Some(25.0),
                    max: None,
                    unit: None,
                },
            ),
        ] {
            let t = NewTrait {
                name: name.into(),
                verify_by: None,
                kind,
            };
            traits.push(s.add_trait(ws, pid, &t, "ana", now).await.unwrap().0);
        }
        for i in 0..6 {
            let name = format!("{ws} partner {i}");
            let p = s
                .add_partner(ws, &partner(&name, PartnerType::Reseller), "ana", now)
                .await
                .unwrap();
            ours.push((ws, p, traits.clone()));
        }
    }
    let (mut added, mut retracted) = (0, 0);
    for round in 0..5 {
        for (ws, p, traits) in &ours {
            for (k, t) in traits.iter().enumerate() {
                let observation = match k {
                    0 => Observation::Met(round % 2 == 0),
                    _ => Observation::Value(20.0 + f64::from(round) * 2.5),
                };
                let e = NewEvidence {
                    partner_id: *p,
                    trait_id: *t,
                    observation,
                    source: None,
                    note: Some("checked".into()),
                    observed: day(1 + round),
                };
                let id = s.add_evidence(ws, &e, "mia", now).await.unwrap();
                if *ws == WS {
                    added += 1;
                    if id % 7 == 0 {
                        s.retract(RecordTable::Evidence, ws, id, "ana", "wrong", now)
                            .await
                            .unwrap();
                        retracted += 1;
                    }
                }
            }
        }
    }
    let of_ws = ours
        .iter()
        .filter(|(ws, _, _)| *ws == WS)
        .map(|(_, p, _)| *p)
        .collect();
    (of_ws, added, retracted)
}

/// `WS`'s records with an id above `after_id`, as the evidence cache reads them.
pub(super) async fn compact_after(s: &Store, after_id: i64) -> Vec<CompactEvidence> {
    let mut got = Vec::new();
    s.compact_evidence_after(WS, after_id, |e| got.push(e))
        .await
        .unwrap();
    got
}

/// The evidence cache's first load of a workspace (from id 0: over a connection of its own, on either backend)
/// hands over the same records, in the same order, as the usual read of the pool (from id -1, which is every
/// record too): each decoded the same, retracted ones flagged, another workspace's left out.
async fn a_first_load_is_the_usual_read(db: Db) {
    let db = TestDb::new(db).await;
    let s = open(&db).await;
    let (of_ws, added, retracted) = two_workspaces_of_records(&s).await;
    assert_eq!(added, 60);
    let first = compact_after(&s, 0).await;
    assert_eq!(first, compact_after(&s, -1).await);
    assert_eq!(first.len(), 60);
    assert_eq!(first.iter().filter(|e| e.retracted).count(), retracted);
    assert!(first.windows(2).all(|w| w[0].id < w[1].id));
    assert!(first.iter().all(|e| of_ws.contains(&e.partner_id)));
    assert_eq!(
        first
            .iter()
            .filter(|e| e.observation == Observation::Value(30.0))
            .count(),
        6
    );
}
