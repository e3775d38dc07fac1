//! Settings, schedules, posted re-checks and the exactly-once claims of digest runs, on both backends,
//! including several stores racing for the same periods.

use super::{open, WS};
use crate::support::db::both_backends;
use crate::support::{utc, Db, TestDb};
use chrono::Duration;
use partnerfit::domain::recheck::RecheckVerdict;
use partnerfit::domain::{DigestKind, Period, Quarter, Week};
use partnerfit::store::{Claim, SettingValue, SettingsRow};

fn q(year: i32, q: u32) -> Quarter {
    Quarter::new(year, q).unwrap()
}

both_backends!(
    settings_schedules_and_rechecks,
    claims_are_exactly_once_under_concurrency,
    event_ids_are_taken_once_with_the_settings_of_that_moment,
    new_runs_are_claimed_once_and_named_by_their_types
);

/// `claim_new_runs` answers the runs it claimed, each by workspace, digest and period as typed values: a
/// workspace id with spaces in it (the key came back as one string, once split from the left) and a quarterly
/// period beside a weekly one; a second claim of the same runs wins none.
async fn new_runs_are_claimed_once_and_named_by_their_types(db: Db) {
    use partnerfit::store::NewRun;
    let db = TestDb::new(db).await;
    let s = open(&db).await;
    let now = utc(2026, 11, 23, 9, 0);
    let week = Period::Week(Week::from_iso(2026, 47).unwrap());
    let quarter = Period::Quarter(Quarter::new(2026, 3).unwrap());
    let runs = [
        ("team two", DigestKind::Weekly, week),
        ("team two", DigestKind::Quarterly, quarter),
        (WS, DigestKind::Weekly, week),
    ]
    .map(|(ws, digest, period)| NewRun {
        workspace_id: ws.to_string(),
        digest,
        period,
        fire_at: now,
        late: false,
    });
    let mut won = s
        .claim_new_runs(&runs, "proc1", now, now + Duration::seconds(60))
        .await
        .unwrap();
    won.sort_by_key(|(ws, digest, _)| (ws.clone(), digest.as_str()));
    let mut expected = vec![
        ("team two".to_string(), DigestKind::Quarterly, quarter),
        ("team two".to_string(), DigestKind::Weekly, week),
        (WS.to_string(), DigestKind::Weekly, week),
    ];
    expected.sort_by_key(|(ws, digest, _)| (ws.clone(), digest.as_str()));
    assert_eq!(won, expected);
    let again = s
        .claim_new_runs(&runs, "proc2", now, now + Duration::seconds(60))
        .await
        .unwrap();
    assert!(again.is_empty(), "{again:?}");
    let stored = s
        .latest_run("team two", DigestKind::Quarterly)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.period, quarter);
}

/// `take_event` answers the workspace's settings with the first delivery of an id (read by the statement that
/// takes it) and nothing for a repeat, from any store on the database; settings another store changed count
/// from the next id taken.
async fn event_ids_are_taken_once_with_the_settings_of_that_moment(db: Db) {
    let db = TestDb::new(db).await;
    let s = open(&db).await;
    let other = open(&db).await;
    let now = utc(2026, 11, 26, 12, 0);
    // A workspace that never set anything: the defaults, and nothing written but the id.
    let first = s
        .take_event("discord:1", WS, now, &s.next_event_owner())
        .await
        .unwrap();
    assert_eq!(first, Some(SettingsRow::default()));
    assert_eq!(
        s.take_event("discord:1", WS, now, &s.next_event_owner())
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        other
            .take_event("discord:1", WS, now, &other.next_event_owner())
            .await
            .unwrap(),
        None
    );
    // Another process sets the roles and a number that 15 digits would not keep exactly.
    other
        .set_roles(
            WS,
            Some(Some("4000".into())),
            Some(Some("4001".into())),
            None,
            now,
        )
        .await
        .unwrap();
    other
        .set_setting(WS, &SettingValue::Alpha(0.1 + 0.2), now)
        .await
        .unwrap();
    let second = s
        .take_event("discord:2", WS, now, &s.next_event_owner())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (
            second.lead_role.as_deref(),
            second.member_role.as_deref(),
            second.review_role.as_deref(),
            second.alpha,
            second.timezone.as_str(),
        ),
        (
            Some("4000"),
            Some("4001"),
            None,
            0.300_000_000_000_000_04,
            "UTC"
        )
    );
    assert_eq!(second, s.settings(WS).await.unwrap());
    // Cleared by the other process: gone at the next id.
    other
        .set_roles(WS, None, Some(None), None, now)
        .await
        .unwrap();
    let third = other
        .take_event("discord:3", WS, now, &other.next_event_owner())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (third.lead_role.as_deref(), third.member_role.as_deref()),
        (Some("4000"), None)
    );
    assert_eq!(
        s.take_event("discord:3", WS, now, &s.next_event_owner())
            .await
            .unwrap(),
        None
    );
    // Another workspace's event: that workspace's settings (the defaults).
    let elsewhere = s
        .take_event("discord:4", "2001", now, &s.next_event_owner())
        .await
        .unwrap();
    assert_eq!(elsewhere, Some(SettingsRow::default()));
    assert_eq!(s.remembered_events().await.unwrap(), 4);
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

    s.store_recheck(WS, q(2026, 2), RecheckVerdict::Hold, "{}", "f1", now)
        .await
        .unwrap();
    s.store_recheck(WS, q(2026, 3), RecheckVerdict::Revise, "{}", "f2", now)
        .await
        .unwrap();
    s.store_recheck(
        WS,
        q(2026, 3),
        RecheckVerdict::NotProven,
        "{\"x\":1}",
        "f3",
        now,
    )
    .await
    .unwrap();
    let r = s.stored_recheck(WS, q(2026, 3)).await.unwrap().unwrap();
    assert_eq!(
        (r.verdict.as_str(), r.fingerprint.as_str()),
        ("not-proven", "f3")
    );
    assert_eq!(
        s.latest_recheck(WS, q(2026, 2))
            .await
            .unwrap()
            .unwrap()
            .quarter,
        q(2026, 2)
    );
    assert_eq!(
        s.latest_recheck(WS, q(2026, 4))
            .await
            .unwrap()
            .unwrap()
            .quarter,
        q(2026, 3)
    );
}

/// Several stores (as several processes) race for the same periods: each period is claimed once; after
/// the lease runs out exactly one of them takes it over; the lease is renewed only by its holder.
async fn claims_are_exactly_once_under_concurrency(db: Db) {
    let db = TestDb::new(db).await;
    let stores = [open(&db).await, open(&db).await, open(&db).await];
    let t0 = utc(2026, 11, 23, 9, 0);
    let lease = Duration::seconds(2);
    let periods: Vec<Period> = (1..=8)
        .map(|w| Period::Week(Week::from_iso(2026, w).unwrap()))
        .collect();
    let race = |now: chrono::DateTime<chrono::Utc>| {
        let mut tasks = tokio::task::JoinSet::new();
        for (i, s) in stores.iter().enumerate() {
            for j in 0..3 {
                for p in &periods {
                    let s = s.clone();
                    let p = *p;
                    let me = format!("proc{i}-{j}");
                    tasks.spawn(async move {
                        let c = s
                            .claim_run(WS, DigestKind::Weekly, p, t0, false, &me, now, now + lease)
                            .await
                            .unwrap();
                        (p, me, c)
                    });
                }
            }
        }
        tasks
    };
    let won = |results: Vec<(Period, String, Claim)>| {
        let mut by_period = std::collections::HashMap::<Period, Vec<(String, i64)>>::new();
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
    let p = periods[0];
    let holder = &second[&p][0].0;
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
    let expired: Vec<Period> = s
        .expired_unposted_runs(much_later)
        .await
        .unwrap()
        .into_iter()
        .map(|r| r.period)
        .collect();
    assert!(!expired.contains(&p), "{expired:?}");
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
    let q = periods[1];
    let q_holder = &second[&q][0].0;
    assert!(s
        .mark_run_failed(
            WS,
            DigestKind::Weekly,
            q,
            q_holder,
            "503",
            much_later + Duration::seconds(30),
        )
        .await
        .unwrap());
    assert!(!s
        .expired_unposted_runs(much_later)
        .await
        .unwrap()
        .iter()
        .any(|r| r.period == q));
    assert!(s
        .give_up_run(WS, DigestKind::Weekly, q, q_holder, "forbidden", much_later)
        .await
        .unwrap());
    let run = s.run(WS, DigestKind::Weekly, q).await.unwrap().unwrap();
    assert_eq!(run.last_error.as_deref(), Some("forbidden"));
    assert!(run.posted_at.is_some());
    let latest = s.latest_run(WS, DigestKind::Weekly).await.unwrap().unwrap();
    assert_eq!(latest.fire_at, t0);
    for s in &stores {
        s.close().await;
    }
}
