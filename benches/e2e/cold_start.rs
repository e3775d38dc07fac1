//! `cold_start/ready` and `cold_start/migrate`: the release binary spawned on a fresh SQLite file, timed to
//! the fake's READY on a live gateway connection and to `migrate`'s exit (see the bench's doc).

use super::bot::{Bot, WAIT};
use super::fake_discord::{FakeConfig, FakeDiscord};
use super::BOT_ENV;
use criterion::{Criterion, SamplingMode};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Remove a SQLite database and its WAL files.
fn remove_db(db: &Path) {
    for suffix in ["", "-wal", "-shm"] {
        let mut p = db.as_os_str().to_owned();
        p.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(p));
    }
}

pub(crate) fn bench_cold_start(
    c: &mut Criterion,
    rt: &tokio::runtime::Runtime,
    dir: &Path,
    quick: bool,
) -> (Vec<Duration>, Vec<Duration>) {
    let ready = Arc::new(Mutex::new(Vec::new()));
    let migrate = Arc::new(Mutex::new(Vec::new()));
    let counter = Arc::new(AtomicUsize::new(0));
    let fresh = {
        let counter = counter.clone();
        move || {
            dir.join(format!(
                "cold-{}.db",
                counter.fetch_add(1, Ordering::Relaxed)
            ))
        }
    };
    let mut group = c.benchmark_group("cold_start");
    group.sampling_mode(SamplingMode::Flat);
    if quick {
        group
            .sample_size(10)
            .warm_up_time(Duration::from_millis(100));
    } else {
        group
            .sample_size(10)
            .warm_up_time(Duration::from_millis(500))
            .measurement_time(Duration::from_secs(4));
    }

    group.bench_function("ready", |b| {
        b.to_async(rt).iter_custom(|iters| {
            let fresh = fresh.clone();
            let ready = ready.clone();
            async move {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    let db = fresh();
                    let url = format!("sqlite://{}", db.display());
                    let fake = match FakeDiscord::start(FakeConfig::standard()).await {
                        Ok(f) => f,
                        Err(e) => panic!("cannot start the fake Discord: {e:#}"),
                    };
                    let start = Instant::now();
                    let bot = Bot::start_on(&fake, dir, &url, &[], BOT_ENV);
                    if let Err(e) = fake.wait_ready(WAIT).await {
                        panic!("the bot never got READY: {e}\n{}", bot.log_text());
                    }
                    let took = start.elapsed();
                    total += took;
                    if let Ok(mut v) = ready.lock() {
                        v.push(took);
                    }
                    bot.kill();
                    fake.shutdown().await;
                    remove_db(&db);
                }
                total
            }
        })
    });

    group.bench_function("migrate", |b| {
        b.iter_custom(|iters| {
            let mut total = Duration::ZERO;
            for _ in 0..iters {
                let db = fresh();
                let mut cmd = Command::new(env!("CARGO_BIN_EXE_partnerfit"));
                cmd.current_dir(dir)
                    .arg("--database")
                    .arg(format!("sqlite://{}", db.display()))
                    .arg("migrate")
                    .env_remove("PARTNERFIT_CONFIG")
                    .env_remove("PARTNERFIT_DATABASE_URL")
                    .envs(BOT_ENV.iter().copied())
                    .stdin(Stdio::null())
                    .stdout(Stdio::null())
                    .stderr(Stdio::piped());
                let start = Instant::now();
                let out = match cmd.output() {
                    Ok(o) => o,
                    Err(e) => panic!("cannot spawn partnerfit migrate: {e}"),
                };
                let took = start.elapsed();
                if !out.status.success() {
                    panic!(
                        "partnerfit migrate failed ({}): {}",
                        out.status,
                        String::from_utf8_lossy(&out.stderr)
                    );
                }
                total += took;
                if let Ok(mut v) = migrate.lock() {
                    v.push(took);
                }
                remove_db(&db);
            }
            total
        })
    });
    group.finish();
    let take = |m: &Mutex<Vec<Duration>>| m.lock().map(|v| v.clone()).unwrap_or_default();
    (take(&ready), take(&migrate))
}
