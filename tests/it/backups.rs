//! Backups that restore (issue 22, item 3), taken the way `docs/running-at-scale.md` says while interactions
//! write: SQLite's `VACUUM INTO` from another connection (the `sqlite3` shell's statement), PostgreSQL's
//! `pg_dump --format=custom` and `pg_restore --no-owner` into a fresh database. Every write acknowledged before
//! the backup started is in the restored copy, and `partnerfit digest weekly` prints the same digest there as on
//! the live database.

use crate::support::db::{both_backends, Db, TestDb};
use crate::support::{partnerfit, utc, TestApp};
use partnerfit::store::Store;
use serde_json::Value;
use std::collections::BTreeSet;
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// Writer tasks, each adding evidence records one after the other.
const WRITERS: usize = 4;
/// Writes acknowledged before the backup starts.
const BEFORE: usize = 200;

both_backends!(a_backup_taken_while_interactions_write_restores_every_acknowledged_write);

/// `tool --version` runs and succeeds (Debian's `pg_wrapper` answers for `pg_dump` even when no client is
/// installed behind it, and fails).
fn installed(tool: &str) -> bool {
    Command::new(tool)
        .arg("--version")
        .output()
        .is_ok_and(|out| out.status.success())
}

/// Runs `cmd` to success on a blocking thread (the writers keep running meanwhile), or fails the test with its
/// stderr.
async fn run(mut cmd: Command) {
    let out = tokio::task::spawn_blocking(move || {
        let out = cmd.output().unwrap();
        (format!("{cmd:?}"), out)
    })
    .await
    .unwrap();
    assert!(
        out.1.status.success(),
        "{}: {}",
        out.0,
        String::from_utf8_lossy(&out.1.stderr)
    );
}

/// `partnerfit --database URL --workspace local digest weekly --week 2026-W47 --json`.
fn weekly_digest(url: &str) -> Value {
    let out = partnerfit(
        url,
        &[
            "--workspace",
            "local",
            "digest",
            "weekly",
            "--week",
            "2026-W47",
            "--json",
        ],
    );
    serde_json::from_str(&out).unwrap()
}

async fn a_backup_taken_while_interactions_write_restores_every_acknowledged_write(db: Db) {
    if db == Db::Postgres {
        // Like PostgreSQL itself (tests/it/support/db.rs), its client tools must be there: CI installs them.
        for tool in ["pg_dump", "pg_restore"] {
            assert!(
                installed(tool),
                "`{tool} --version` does not run: the PostgreSQL backup test needs PostgreSQL's client tools \
                 (Debian: `apt-get install postgresql-client`; .ci/run installs them when they are missing)"
            );
        }
    }
    let t = Arc::new(TestApp::on(db, utc(2026, 12, 6, 9, 0)).await);
    // The README's tour: week 2026-W47 puts Acme Corp's 6 h in matching and Globex's 9 h in not matching.
    for line in [
        r#"/profile create type:reseller name:"Resellers" joint_solution:"They resell our platform""#,
        r#"/profile trait add type:reseller name:"Deal registration" verify_by:"CRM deal registration""#,
        r#"/profile trait add type:reseller name:"Customer overlap" verify_by:"Crossbeam" min:25 unit:accounts"#,
        r#"/partner add name:"Acme Corp" type:reseller"#,
        r#"/evidence add partner:"Acme Corp" trait:"Customer overlap" value:31 observed:2026-11-16"#,
        r#"/evidence add partner:"Acme Corp" trait:"Deal registration" met:true observed:2026-11-16"#,
        r#"/partner add name:"Globex" type:reseller"#,
        r#"/evidence add partner:"Globex" trait:"Customer overlap" value:4 observed:2026-11-16"#,
        r#"/evidence add partner:"Globex" trait:"Deal registration" met:false observed:2026-11-16"#,
        r#"/log hours partner:"Acme Corp" hours:6 week:2026-W47"#,
        r#"/log hours partner:"Globex" hours:9 week:2026-W47"#,
    ] {
        t.ok(line).await;
    }
    // Writers: evidence observed in December, so the digest of W47 (screened as of 22 November) stays the same.
    let acked: Arc<Mutex<Vec<i64>>> = Arc::default();
    let stop = Arc::new(AtomicBool::new(false));
    // How many writes are acknowledged, sent by the writers; closed when every writer has ended.
    let (count_tx, mut count) = tokio::sync::watch::channel(0);
    let count_tx = Arc::new(count_tx);
    let mut writers = Vec::new();
    for w in 0..WRITERS {
        let (t, acked, stop, count_tx) = (t.clone(), acked.clone(), stop.clone(), count_tx.clone());
        writers.push(tokio::spawn(async move {
            let mut n = 0;
            while !stop.load(Ordering::SeqCst) {
                n += 1;
                let r = t
                    .ok(&format!(
                        r#"/evidence add partner:"Globex" trait:"Customer overlap" value:{n} source:"writer {w}" observed:2026-12-01"#
                    ))
                    .await;
                let mut acked = acked.lock().unwrap();
                acked.push(r["id"].as_i64().unwrap());
                count_tx.send_replace(acked.len());
            }
        }));
    }
    drop(count_tx);
    count
        .wait_for(|n| *n >= BEFORE)
        .await
        .unwrap_or_else(|_| panic!("every writer ended before {BEFORE} writes were acknowledged"));
    // Every write acknowledged before the backup starts must be in it.
    let before: BTreeSet<i64> = acked.lock().unwrap().iter().copied().collect();
    let started = Instant::now();
    let backup = t.db.dir.path().join("backup");
    let (restored, took) = match db {
        Db::Sqlite => {
            let live = t.url.trim_start_matches("sqlite://").to_string();
            let file = backup.with_extension("db");
            let statement = format!("VACUUM INTO '{}'", file.display());
            if installed("sqlite3") {
                let mut cmd = Command::new("sqlite3");
                cmd.arg(&live).arg(&statement);
                run(cmd).await;
            } else {
                // the same statement from another connection
                let other = Store::connect(&t.url).await.unwrap();
                sqlx::raw_sql(sqlx::AssertSqlSafe(statement))
                    .execute(other.pool())
                    .await
                    .unwrap();
                other.pool().close().await;
            }
            let took = started.elapsed();
            stop.store(true, Ordering::SeqCst);
            // restore: the backup put in place of the database file of a stopped bot
            let dir = tempfile::tempdir().unwrap();
            std::fs::copy(&file, dir.path().join("partnerfit.db")).unwrap();
            (Restored::Sqlite(dir), took)
        }
        Db::Postgres => {
            let file = backup.with_extension("dump");
            let mut cmd = Command::new("pg_dump");
            cmd.arg("--format=custom")
                .arg(format!("--file={}", file.display()))
                .arg(&t.url);
            run(cmd).await;
            let took = started.elapsed();
            stop.store(true, Ordering::SeqCst);
            let fresh = TestDb::postgres().await;
            let mut cmd = Command::new("pg_restore");
            cmd.arg("--no-owner")
                .arg(format!("--dbname={}", fresh.url))
                .arg(&file);
            run(cmd).await;
            (Restored::Postgres(fresh), took)
        }
    };
    for w in writers {
        w.await.unwrap();
    }
    let all: BTreeSet<i64> = acked.lock().unwrap().iter().copied().collect();
    let url = restored.url();
    let copy = Store::open(&url).await.unwrap();
    let ids: BTreeSet<i64> = sqlx::query_scalar("SELECT id FROM evidence")
        .fetch_all(copy.pool())
        .await
        .unwrap()
        .into_iter()
        .collect();
    copy.pool().close().await;
    let missing: Vec<&i64> = before.difference(&ids).collect();
    assert!(
        missing.is_empty(),
        "acknowledged before the backup, not in it: {missing:?}"
    );
    // nothing in the copy that was not written (4 records of the tour, then the writers')
    assert!(ids.iter().all(|id| *id <= 4 || all.contains(id)));
    let during = all.len() - before.len();
    let in_copy = ids.len() - 4;
    eprintln!(
        "{db:?} backup: {} acknowledged before it started, all in the copy; {during} acknowledged after it \
         started (it took {took:?}), of which {} are in the copy",
        before.len(),
        in_copy - before.len()
    );
    let live = weekly_digest(&t.url);
    assert_eq!(weekly_digest(&url), live);
    assert_eq!(live["buckets"]["matching"]["hours"], 6.0);
    assert_eq!(live["buckets"]["not-matching"]["hours"], 9.0);
    assert_eq!(live["matching_share_hours"], 0.4);
}

/// The restored copy, deleted when dropped.
enum Restored {
    Sqlite(tempfile::TempDir),
    Postgres(TestDb),
}

impl Restored {
    fn url(&self) -> String {
        match self {
            Restored::Sqlite(dir) => {
                format!("sqlite://{}", dir.path().join("partnerfit.db").display())
            }
            Restored::Postgres(db) => db.url.clone(),
        }
    }
}
