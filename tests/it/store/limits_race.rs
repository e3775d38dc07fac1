//! The weekly hours limit of `/log hours` under concurrency, on both backends: two entries for one partner's
//! week that fit alone but not together, sent while another connection holds the lock their writes need, are
//! checked one after the other once it is released — one is logged, the other refused with the usual words, and
//! the week never holds more than the hours of a week. Each wait is shown, not assumed from time passing: on
//! PostgreSQL by the server (two lock requests not granted in `pg_locks`), on SQLite, whose waits nothing
//! shows, by both entries having reached the store's write of an allocation (its `add_allocation…` span).

use crate::support::db::{both_backends, pg_admin_url};
use crate::support::{utc, Db, TestApp};
use partnerfit::domain::{Hours, Week};
use serde_json::Value;
use sqlx::{Connection, Executor};
use std::time::{Duration, Instant};
use tracing::span::{Attributes, Id};
use tracing_subscriber::layer::{Context, SubscriberExt};
use tracing_subscriber::Layer;

both_backends!(two_entries_at_once_never_pass_the_hours_of_a_week);

/// Counts the spans of the store's allocation writes created on this thread (a `#[tokio::test]` runs on one).
struct AllocationWrites(tokio::sync::watch::Sender<usize>);

impl<S: tracing::Subscriber> Layer<S> for AllocationWrites {
    fn on_new_span(&self, attrs: &Attributes<'_>, _: &Id, _: Context<'_, S>) {
        if attrs.metadata().name().starts_with("add_allocation") {
            self.0.send_modify(|n| *n += 1);
        }
    }
}

/// Another connection holding what an allocation's write waits for: SQLite's write lock, or the partner's row.
enum Held {
    Sqlite(sqlx::SqliteConnection),
    Postgres(sqlx::PgConnection),
}

/// How many connections to PostgreSQL database `name` wait for a lock (requests not granted in `pg_locks`).
async fn lock_waiters(admin: &mut sqlx::PgConnection, name: &str) -> i64 {
    sqlx::query_scalar(
        "SELECT COUNT(DISTINCT l.pid) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid \
         WHERE NOT l.granted AND a.datname = $1",
    )
    .bind(name)
    .fetch_one(admin)
    .await
    .unwrap()
}

/// Two `/log hours partner:"Acme" hours:100` at once, both waiting for another connection's lock when it is
/// released: 200 h in a week of 168. Read before the write and outside its transaction, both checked 0 h
/// and both were logged; now exactly one is, the other is told the hours the first logged, and the reply of the
/// one logged says the total it checked.
async fn two_entries_at_once_never_pass_the_hours_of_a_week(db: Db) {
    let t = TestApp::on(db, utc(2026, 11, 26, 12, 0)).await;
    let acme = t.ok(r#"/partner add name:"Acme" type:reseller"#).await["id"]
        .as_i64()
        .unwrap();
    // Warm: the reads before the write (the partner, the settings) have their connections.
    t.ok(r#"/log hours partner:"Acme" hours:1 week:2026-W47"#)
        .await;
    let (count, mut writes) = tokio::sync::watch::channel(0);
    let _spans = tracing::subscriber::set_default(
        tracing_subscriber::registry().with(AllocationWrites(count)),
    );
    let mut held = match db {
        Db::Sqlite => {
            let mut c = sqlx::SqliteConnection::connect(&t.url).await.unwrap();
            c.execute("BEGIN IMMEDIATE").await.unwrap();
            Held::Sqlite(c)
        }
        Db::Postgres => {
            let mut c = sqlx::PgConnection::connect(&t.url).await.unwrap();
            c.execute("BEGIN").await.unwrap();
            sqlx::query("SELECT id FROM partners WHERE id = $1 FOR UPDATE")
                .bind(acme)
                .fetch_one(&mut c)
                .await
                .unwrap();
            Held::Postgres(c)
        }
    };
    let line = r#"/log hours partner:"Acme" hours:100"#;
    let release = async {
        match &mut held {
            Held::Sqlite(c) => {
                tokio::time::timeout(Duration::from_secs(30), writes.wait_for(|n| *n >= 2))
                    .await
                    .expect("both entries reach the write of an allocation")
                    .unwrap();
                c.execute("COMMIT").await.unwrap();
            }
            Held::Postgres(c) => {
                let name = t.db.pg_name().unwrap();
                let mut admin = sqlx::PgConnection::connect(&pg_admin_url()).await.unwrap();
                let deadline = Instant::now() + Duration::from_secs(30);
                while lock_waiters(&mut admin, name).await < 2 {
                    assert!(
                        Instant::now() < deadline,
                        "both entries wait for the partner's row"
                    );
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
                c.execute("COMMIT").await.unwrap();
            }
        }
    };
    // Polled here, not spawned: both lines and the release run on this thread, whose spans are counted.
    let (first, second, ()) = tokio::join!(t.lead(line), t.lead(line), release);
    let (logged, refused): (Vec<&Value>, Vec<&Value>) =
        [&first, &second].into_iter().partition(|v| v["ok"] == true);
    assert_eq!(
        (logged.len(), refused.len()),
        (1, 1),
        "one logged, one refused:\n{first}\n{second}"
    );
    assert_eq!(
        refused[0]["error"],
        "Acme already has 100 h logged in 2026-W48; adding 100 h would exceed the 168 hours of a week. \
         Retract a wrong entry with /log retract."
    );
    let reply = &logged[0]["reply"];
    assert_eq!(reply["week_hours"], reply["hours"], "{reply}");
    let week: Week = "2026-W48".parse().unwrap();
    assert_eq!(
        t.app
            .store
            .partner_week_hours("local", acme, week)
            .await
            .unwrap(),
        Hours::from_centi(100 * 100)
    );
}
