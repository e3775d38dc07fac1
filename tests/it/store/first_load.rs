//! The evidence cache's first load on PostgreSQL, beyond the happy path (`store/records.rs` has that, on both
//! backends): it reads over a connection of its own, and when it cannot open one, or that connection is cut off
//! partway, the pool reads the rest, so the records handed over are the usual read's, none twice, none missed.

use super::open;
use super::records::{compact_after, two_workspaces_of_records};
use super::WS;
use crate::support::db::pg_admin_url;
use crate::support::{Db, TestDb};
use partnerfit::domain::evidence::CompactEvidence;
use sqlx::postgres::PgConnection;
use sqlx::{AssertSqlSafe, Connection, Executor};
use std::time::Duration;

/// On PostgreSQL, a first load that cannot open a connection of its own is read by the pool, whole: the
/// database refuses new connections (`ALLOW_CONNECTIONS false`, which binds a superuser too) while the pool's
/// stay open.
#[tokio::test]
async fn a_first_load_without_a_connection_of_its_own_is_the_pools_read() {
    let db = TestDb::new(Db::Postgres).await;
    let s = open(&db).await;
    let (_, added, _) = two_workspaces_of_records(&s).await;
    let usual = compact_after(&s, -1).await;
    let name = db.pg_name().unwrap();
    let mut admin = PgConnection::connect(&pg_admin_url()).await.unwrap();
    let allow = |yes: bool| format!("ALTER DATABASE \"{name}\" WITH ALLOW_CONNECTIONS {yes}");
    admin.execute(AssertSqlSafe(allow(false))).await.unwrap();
    let refused = PgConnection::connect(&db.url).await;
    let first = compact_after(&s, 0).await;
    admin.execute(AssertSqlSafe(allow(true))).await.unwrap();
    assert!(refused.is_err(), "a new connection was let in");
    assert_eq!(first.len(), added);
    assert_eq!(first, usual);
}

/// Copies of each of `WS`'s records: 5,000 × 60 = 300,000 (about 35 MB on the wire, far more than the sockets
/// between the server and the store buffer, so the server is still sending when the load is cut off).
const COPIES: i64 = 5_000;

/// On PostgreSQL, a first load whose connection the server cuts off partway (an administrator's
/// `pg_terminate_backend`, a restart) is finished by the pool from the last record handed over: the records are
/// the usual read's, in order, none twice and none missed. The load is cut off after its first record was
/// handed over, while the server was still sending (its backend active).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_first_load_cut_off_partway_is_finished_by_the_pool() {
    let db = TestDb::new(Db::Postgres).await;
    let s = open(&db).await;
    let (_, added, _) = two_workspaces_of_records(&s).await;
    let mut seed = PgConnection::connect(&db.url).await.unwrap();
    let copied = seed
        .execute(AssertSqlSafe(format!(
            "INSERT INTO evidence (workspace_id, partner_id, trait_id, met, value, observed, recorded_by, \
             recorded_at, retracted_at) \
             SELECT e.workspace_id, e.partner_id, e.trait_id, e.met, e.value, e.observed, e.recorded_by, \
             e.recorded_at, e.retracted_at \
             FROM generate_series(1, {COPIES}) AS n, evidence e WHERE e.workspace_id = '{WS}' ORDER BY n, e.id"
        )))
        .await
        .unwrap();
    assert_eq!(copied.rows_affected(), 60 * COPIES as u64);
    seed.close().await.unwrap();
    let usual = compact_after(&s, -1).await;
    assert_eq!(usual.len(), added + 60 * COPIES as usize);

    // When the first record is handed over, the caller waits (holding the load where it is) until another task
    // has cut off every active connection to the database: only the load's is running a statement.
    let (go_tx, go_rx) = tokio::sync::oneshot::channel::<()>();
    let (cut_tx, cut_rx) = std::sync::mpsc::channel();
    let name = db.pg_name().unwrap().to_string();
    let cutter = tokio::spawn(async move {
        go_rx.await.unwrap();
        let mut admin = PgConnection::connect(&pg_admin_url()).await.unwrap();
        let cut: Vec<bool> = sqlx::query_scalar(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE datname = $1 AND state = 'active' AND pid <> pg_backend_pid()",
        )
        .bind(name)
        .fetch_all(&mut admin)
        .await
        .unwrap();
        cut_tx.send(cut).unwrap();
    });
    let (mut waiting, mut cut) = (Some((go_tx, cut_rx)), None);
    let mut first: Vec<CompactEvidence> = Vec::new();
    s.compact_evidence_after(WS, 0, |e| {
        if let Some((go, cut_off)) = waiting.take() {
            go.send(()).unwrap();
            cut = Some(cut_off.recv_timeout(Duration::from_secs(60)).unwrap());
        }
        first.push(e);
    })
    .await
    .unwrap();
    cutter.await.unwrap();
    assert_eq!(cut, Some(vec![true]), "one active connection, cut off");
    assert_eq!(first.len(), usual.len());
    assert!(first == usual, "not the usual read");
}
