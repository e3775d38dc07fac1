//! The generated workspace the scale and curve benches ask their questions of, in one place: its name, seed and
//! day, and the SQLite file of each size, kept in `target/bench-data/` and shared by both benches (reused while
//! seed, size and day are the same).

use anyhow::Context as _;
use chrono::{NaiveDate, Utc};
use partnerfit::generate::{generate, Spec};
use partnerfit::store::Store;
use std::path::PathBuf;
use std::time::Instant;

/// The generated workspace's id.
pub const WS: &str = "bench";
/// The generator's seed.
pub const SEED: u64 = 1;

/// The run's day, read once: the data set is generated up to it and every question asks about the week and
/// quarter before it, so a run that crosses midnight (UTC) keeps asking about the weeks it generated.
pub fn today() -> NaiveDate {
    static DAY: std::sync::OnceLock<NaiveDate> = std::sync::OnceLock::new();
    *DAY.get_or_init(|| Utc::now().date_naive())
}

/// Cargo's target directory, where the benches keep their data and write their results.
pub fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target"))
}

/// What the generator writes: `partners` partners of [`WS`], up to [`today`].
pub fn spec(partners: usize) -> Spec {
    Spec {
        workspace: WS.into(),
        partners,
        seed: SEED,
        until: today(),
    }
}

/// The generated SQLite file of `size` partners; made when missing, and removed again with its WAL if
/// generation fails (nothing half-written is kept).
pub async fn sqlite_master(size: usize) -> anyhow::Result<PathBuf> {
    let dir = target_dir().join("bench-data");
    std::fs::create_dir_all(&dir).context("create target/bench-data")?;
    let path = dir.join(format!("sqlite-{size}-{SEED}-{}.db", today()));
    if path.exists() {
        return Ok(path);
    }
    let tmp = dir.join(format!("generating-{}.db", std::process::id()));
    let made = async {
        let store = Store::open(&format!("sqlite://{}", tmp.display())).await?;
        let started = Instant::now();
        let result = generate(&store, &spec(size)).await;
        if let Ok(counts) = &result {
            eprintln!(
                "  generated {counts} in {:.1} s",
                started.elapsed().as_secs_f64()
            );
            sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
                .execute(store.pool())
                .await?;
        }
        store.close().await;
        result.map_err(anyhow::Error::from)
    }
    .await;
    if let Err(e) = made {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", tmp.display()));
        }
        return Err(e.context(format!("generating {size} partners (nothing kept)")));
    }
    std::fs::rename(&tmp, &path).context("keep the generated database")?;
    Ok(path)
}
