//! Writers of one workspace at the same time on PostgreSQL, where ids are handed out before the transactions
//! that hold them commit, and in any order: the evidence cache brought up to date while an import of the
//! workspace is in progress misses none of its records once it commits, a rename made during an import is not
//! undone by it, two imports of one workspace run one after the other, and neither a screen of a few partners
//! nor a writer waits for an import in progress. Each wait is shown by the server
//! (a lock request not granted in `pg_locks`), not assumed from time passing.

use super::{open, partner, WS};
use crate::support::db::pg_admin_url;
use crate::support::{utc, Db, TestClock, TestDb};
use partnerfit::app::evidence_cache::EvidenceCache;
use partnerfit::domain::evidence::{CompactEvidence, Observation};
use partnerfit::domain::profile::TraitKind;
use partnerfit::domain::{Amount, Hours, Week};
use partnerfit::domain::{PartnerName, PartnerType};
use partnerfit::store::{NewAllocation, NewEvidence, NewPartner, NewTrait, Store, StoreError};
use sqlx::postgres::PgConnection;
use sqlx::Connection;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Whether a connection to the test's database waits for a lock of `locktype` (any type when empty) before
/// `task` ends: the server's lock table, looked at every 10 ms for at most 30 s.
async fn waits_for_lock<T>(db: &TestDb, locktype: &str, task: &tokio::task::JoinHandle<T>) -> bool {
    let name = db.pg_name().unwrap().to_string();
    let mut admin = PgConnection::connect(&pg_admin_url()).await.unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while Instant::now() < deadline && !task.is_finished() {
        let waiting: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid \
             WHERE NOT l.granted AND a.datname = $1 AND ($2 = '' OR l.locktype = $2)",
        )
        .bind(&name)
        .bind(locktype)
        .fetch_one(&mut admin)
        .await
        .unwrap();
        if waiting > 0 {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    false
}

/// Three partners of `WS` with a profile of one yes/no trait: (the partners' ids, the trait's id).
async fn three_partners(s: &Store) -> (Vec<i64>, i64) {
    let now = utc(2026, 11, 26, 12, 0);
    let profile = s
        .create_profile(WS, PartnerType::Reseller, "R", None, "ana", now)
        .await
        .unwrap();
    let t = NewTrait {
        name: "Deal registration".into(),
        verify_by: None,
        kind: TraitKind::YesNo,
    };
    let trait_id = s.add_trait(WS, profile, &t, "ana", now).await.unwrap().0;
    let mut partners = Vec::new();
    for name in ["Acme", "Globex", "Initech"] {
        let p = partner(name, PartnerType::Reseller);
        partners.push(s.add_partner(WS, &p, "ana", now).await.unwrap());
    }
    (partners, trait_id)
}

/// A yes/no record of `partner_id` for trait `trait_id`, observed on November `day` (met on even days).
fn record(partner_id: i64, trait_id: i64, day: u32) -> NewEvidence {
    NewEvidence {
        partner_id,
        trait_id,
        observation: Observation::Met(day % 2 == 0),
        source: None,
        note: None,
        observed: utc(2026, 11, day, 0, 0).date_naive(),
    }
}

/// An evidence import in progress (three records of the second partner written, not committed), and a record of
/// the third partner added meanwhile and committed: the import's transaction, and the added record's id.
async fn import_in_progress(
    s: &Store,
    partners: &[i64],
    trait_id: i64,
    now: chrono::DateTime<chrono::Utc>,
) -> (partnerfit::store::ImportTx, i64) {
    let mut import = s.begin_import().await.unwrap();
    import.partners(WS).await.unwrap();
    let rows: Vec<NewEvidence> = (2..=4).map(|d| record(partners[1], trait_id, d)).collect();
    import.insert_evidence(WS, &rows, "ana", now).await.unwrap();
    let added = s
        .add_evidence(WS, &record(partners[2], trait_id, 5), "mia", now)
        .await
        .unwrap();
    (import, added)
}

/// `WS`'s records as the database has them now, by partner, each in id order.
async fn stored_by_partner(s: &Store) -> HashMap<i64, Vec<CompactEvidence>> {
    let mut by_partner: HashMap<i64, Vec<CompactEvidence>> = HashMap::new();
    s.compact_evidence_after(WS, -1, |e| {
        by_partner.entry(e.partner_id).or_default().push(e)
    })
    .await
    .unwrap();
    by_partner
}

/// On PostgreSQL, an import of a workspace whose records are written but not committed while a record with a
/// higher id commits (the workspace's own `/evidence add`) holds up the cache's refresh of that workspace until
/// it commits: the refresh then holds every committed record, the import's too, and so does the next one. (The
/// refresh used to take the highest id committed as how far it was current, and the import's lower ids, committed
/// later, were never read.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cache_refresh_during_an_evidence_import_misses_none_of_its_records() {
    let db = TestDb::new(Db::Postgres).await;
    let s = open(&db).await;
    let now = utc(2026, 11, 26, 12, 0);
    // Ids of the import and of a single record commit in the order of the sequence's calls only when no
    // session keeps ids of its own in advance.
    let cached: i64 = sqlx::query_scalar(
        "SELECT cache_size FROM pg_sequences WHERE sequencename = 'evidence_id_seq'",
    )
    .fetch_one(s.pool())
    .await
    .unwrap();
    assert_eq!(
        cached, 1,
        "the evidence id sequence hands out ids in advance"
    );
    let (partners, trait_id) = three_partners(&s).await;
    let ev = |partner_id: i64, d: u32| record(partner_id, trait_id, d);
    s.add_evidence(WS, &ev(partners[0], 1), "mia", now)
        .await
        .unwrap();
    let cache = Arc::new(EvidenceCache::new(TestClock::at(now)));
    let ids = partners.clone();
    let held = move |c: &partnerfit::app::evidence_cache::WorkspaceEvidence| {
        ids.iter()
            .map(|p| (*p, c.partner(*p).to_vec()))
            .filter(|(_, r)| !r.is_empty())
            .collect::<HashMap<_, _>>()
    };
    assert_eq!(
        held(&cache.get(&s, WS).await.unwrap()),
        stored_by_partner(&s).await
    );

    // The import's records are written (their ids taken), not committed.
    let (import, added) = import_in_progress(&s, &partners, trait_id, now).await;

    let refresh = {
        let (cache, s, held) = (cache.clone(), s.clone(), held.clone());
        tokio::spawn(async move { held(&cache.get(&s, WS).await.unwrap()) })
    };
    let waited = waits_for_lock(&db, "advisory", &refresh).await;
    import.commit().await.unwrap();
    let refreshed = refresh.await.unwrap();

    let stored = stored_by_partner(&s).await;
    assert_eq!(stored.values().map(Vec::len).sum::<usize>(), 5);
    assert!(stored[&partners[1]].iter().all(|e| e.id < added));
    assert_eq!(refreshed, stored, "the refresh missed committed records");
    assert_eq!(held(&cache.get(&s, WS).await.unwrap()), stored);
    assert!(waited, "the refresh did not wait for the import");
}

/// On PostgreSQL, while an import of a workspace is in progress: a screen of a few partners (a roster page,
/// the screen after `/evidence add`) does not wait for it, and gives the records committed so far; a digest's
/// refresh waits for the import, but a record added meanwhile is not held up behind that refresh (PostgreSQL
/// queues a new lock request behind a waiting one: the refresh used to wait in the queue, and every
/// `/evidence add` of the workspace with it, until the import committed). What would hang past the bound fails.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn writers_and_small_screens_do_not_wait_for_an_import_in_progress() {
    const BOUND: Duration = Duration::from_secs(10);
    let db = TestDb::new(Db::Postgres).await;
    let s = open(&db).await;
    let now = utc(2026, 11, 26, 12, 0);
    let (partners, trait_id) = three_partners(&s).await;
    let ev = |partner_id: i64, d: u32| record(partner_id, trait_id, d);
    s.add_evidence(WS, &ev(partners[0], 1), "mia", now)
        .await
        .unwrap();
    let cache = Arc::new(EvidenceCache::new(TestClock::at(now)));
    cache.get(&s, WS).await.unwrap();

    let (import, added) = import_in_progress(&s, &partners, trait_id, now).await;
    // A few partners: read directly, the record just added among them.
    let few = tokio::time::timeout(BOUND, cache.for_partners(&s, WS, &[partners[2]]))
        .await
        .expect("a small screen waited for the import")
        .unwrap();
    let ids: Vec<i64> = few.partner(partners[2]).iter().map(|e| e.id).collect();
    assert_eq!(ids, [added]);

    // The whole workspace waits; a record added while it waits does not.
    let refresh = {
        let (cache, s, importing) = (cache.clone(), s.clone(), partners[1]);
        tokio::spawn(async move { cache.get(&s, WS).await.map(|c| c.partner(importing).len()) })
    };
    assert!(
        waits_for_lock(&db, "advisory", &refresh).await,
        "the refresh did not wait for the import"
    );
    tokio::time::timeout(BOUND, s.add_evidence(WS, &ev(partners[0], 6), "mia", now))
        .await
        .expect("a record added while a refresh waited was held up until the import committed")
        .unwrap();
    assert!(
        !refresh.is_finished(),
        "the refresh did not wait for the import"
    );
    import.commit().await.unwrap();
    assert_eq!(refresh.await.unwrap().unwrap(), 3, "the import's records");
}

/// On PostgreSQL, an entry of hours for a partner whose row an import holds gives up after a second with the
/// database busy (the user is told to try again, nothing recorded), rather than holding its connection until the
/// import commits; once it has, the same entry is recorded. What would hang past the bound fails.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_entry_during_an_import_gives_up_busy_within_the_lock_timeout() {
    let db = TestDb::new(Db::Postgres).await;
    let s = open(&db).await;
    let now = utc(2026, 11, 26, 12, 0);
    let (partners, _) = three_partners(&s).await;
    let entry = NewAllocation {
        partner_id: partners[0],
        week: Week::containing(now.date_naive()),
        hours: Hours::from_centi(300),
        spend: Amount::ZERO,
        note: None,
    };
    let log = || {
        tokio::time::timeout(
            Duration::from_secs(10),
            s.add_allocation_checked(WS, &entry, "mia", now, |_| Ok::<_, ()>(())),
        )
    };
    let mut import = s.begin_import().await.unwrap();
    import.partners(WS).await.unwrap();
    let busy = log().await.expect("the entry waited for the import");
    assert!(matches!(busy, Err(StoreError::Busy(_))), "{busy:?}");
    import.commit().await.unwrap();
    let logged = log().await.expect("the entry waited").unwrap();
    assert!(logged.is_ok(), "{logged:?}");
}

/// On PostgreSQL, a rename of a partner while an import that rewrites that partner is in progress waits for the
/// import, then applies: the partner has the rename's name and the import's note. (The import used to read the
/// roster without a lock and write back every field as it read it, undoing a rename committed meanwhile.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rename_during_an_import_waits_for_it_and_is_kept() {
    let db = TestDb::new(Db::Postgres).await;
    let s = open(&db).await;
    let now = utc(2026, 11, 26, 12, 0);
    let (partners, _) = three_partners(&s).await;
    let acme = partners[0];

    let mut import = s.begin_import().await.unwrap();
    let roster = import.partners(WS).await.unwrap();
    let read = roster.iter().find(|p| p.id == acme).unwrap().clone();

    let rename = {
        let s = s.clone();
        tokio::spawn(async move {
            let new = PartnerName::parse("Acme Industries").unwrap();
            s.rename_partner(WS, acme, "Acme", &new, now.date_naive(), "mia", now)
                .await
        })
    };
    let waited = waits_for_lock(&db, "", &rename).await;
    // The file's row of the partner: the name it had, a new note.
    let row = NewPartner {
        name: PartnerName::parse(&read.name).unwrap(),
        partner_type: read.partner_type,
        lifecycle: read.lifecycle.clone(),
        champion: read.champion.clone(),
        note: Some("met at the summit".into()),
    };
    import
        .update_partner(WS, acme, &read.lifecycle, &row)
        .await
        .unwrap();
    import.commit().await.unwrap();
    rename.await.unwrap().unwrap();

    let now_stored = s.partner_by_id(WS, acme).await.unwrap().unwrap();
    assert_eq!(now_stored.name, "Acme Industries", "the rename was undone");
    assert_eq!(now_stored.note.as_deref(), Some("met at the summit"));
    assert!(waited, "the rename did not wait for the import");
}

/// On PostgreSQL, a second import of a workspace waits for the first before it reads the roster, also when the
/// roster is empty (no partner row to lock): it then reads the partners the first one added.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_imports_of_one_workspace_run_one_after_the_other() {
    let db = TestDb::new(Db::Postgres).await;
    let s = open(&db).await;
    let now = utc(2026, 11, 26, 12, 0);

    let mut first = s.begin_import().await.unwrap();
    assert!(first.partners(WS).await.unwrap().is_empty());
    let second = {
        let s = s.clone();
        tokio::spawn(async move {
            let mut second = s.begin_import().await.unwrap();
            let roster = second.partners(WS).await.unwrap();
            second.rollback().await.unwrap();
            roster.into_iter().map(|p| p.name).collect::<Vec<_>>()
        })
    };
    let waited = waits_for_lock(&db, "advisory", &second).await;
    first
        .insert_partners(WS, &[partner("Acme", PartnerType::Reseller)], "ana", now)
        .await
        .unwrap();
    first.commit().await.unwrap();
    assert_eq!(second.await.unwrap(), vec!["Acme".to_string()]);
    assert!(waited, "the second import did not wait for the first");
}
