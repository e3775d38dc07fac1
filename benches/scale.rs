//! Benchmarks at scale (BENCHMARKS.md): a generated workspace of 10,000 partners (`partnerfit::generate`),
//! every user-facing question timed through the app layer, and beside each the same question asked of the same
//! SQLite file with the fastest hand-written SQL we could write (rusqlite, prepared statements).
//!
//! `cargo bench --bench scale` runs SQLite; with `PARTNERFIT_BENCH_POSTGRES=postgres://postgres@127.0.0.1`
//! the same app-layer benchmarks also run against a fresh PostgreSQL database. `PARTNERFIT_BENCH_PARTNERS`
//! changes the size (default 10000). Besides criterion's report, each benchmark's p50/p99 over many single
//! calls is printed and appended to `target/bench-summary.tsv`.

use chrono::{Duration, NaiveDate, Utc};
use criterion::{criterion_group, criterion_main, Criterion};
use partnerfit::app::transfer::import::{self, Options};
use partnerfit::app::transfer::{export, ExportKind, ImportKind};
use partnerfit::app::{digest, dispatch, lookup, App, Ctx, Invocation, SystemClock};
use partnerfit::domain::{Quarter, Role, Week};
use partnerfit::generate::{generate, Spec};
use partnerfit::store::Store;
use rusqlite::{params, Connection, OptionalExtension};
use std::future::Future;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;
use tokio::runtime::Runtime;

const WS: &str = "bench";
const SEED: u64 = 1;
const IMPORT_ROWS: usize = 100_000;
/// Typed autocomplete prefixes, in turn: some fill the 25 suggestions from the key range, some go on to the
/// names containing the text.
const PREFIXES: [&str; 6] = [
    "acme",
    "globex s",
    "data lab",
    "q",
    "north net",
    "wonka works 0",
];

/// Names not on the generated roster, in turn: `/screen` answers with the closest names and the traits to
/// check. A new company, names with typos too far from any one roster name to be taken for it, and a roster
/// name with a word added.
const UNKNOWN: [&str; 4] = [
    "Zenith Holdings",
    "Acme Systms",
    "Hooli Labz",
    "Globex Analytics International",
];

/// The benchmark name filter given after `--` (criterion's), so that the printed percentiles and the raw and
/// import runs are skipped too when they do not match it (`cargo bench --bench scale -- screen_unknown`).
fn filter() -> Option<String> {
    std::env::args()
        .skip(1)
        .find(|a| !a.starts_with('-'))
        .filter(|a| !a.is_empty())
}

/// Whether the benchmark `label` (`backend/name`) is to run.
fn wanted(label: &str) -> bool {
    filter().is_none_or(|f| label.contains(&f))
}

/// Every benchmark this file can run (`backend/name`): a name filter after `--` must match one of them.
const BENCHMARKS: &[&str] = &[
    "sqlite/screen_one",
    "sqlite/screen_as_of",
    "sqlite/autocomplete",
    "sqlite/screen_unknown",
    "sqlite/suggest_full_scan",
    "sqlite/suggest_index",
    "sqlite/record_evidence",
    "sqlite/weekly_digest",
    "sqlite/quarterly_recheck",
    "sqlite/roster_export",
    "sqlite/import_evidence_100k",
    "sqlite_raw/screen_one",
    "sqlite_raw/screen_as_of",
    "sqlite_raw/autocomplete",
    "sqlite_raw/record_evidence",
    "sqlite_raw/weekly_digest",
    "sqlite_raw/quarterly_recheck",
    "sqlite_raw/roster_export",
    "sqlite_raw/import_evidence_100k",
    "postgres/screen_one",
    "postgres/screen_as_of",
    "postgres/autocomplete",
    "postgres/screen_unknown",
    "postgres/suggest_full_scan",
    "postgres/suggest_index",
    "postgres/record_evidence",
    "postgres/weekly_digest",
    "postgres/quarterly_recheck",
    "postgres/roster_export",
    "postgres/import_evidence_100k",
    "postgres_raw/screen_one",
];

/// Stop with one line (exit 2) when the arguments cannot be run: a size that is not a whole number from 1 to
/// 1,000,000, or a name filter that matches no benchmark (it would generate the data set and measure nothing).
fn check_arguments() {
    if let Err(e) = partners_checked() {
        eprintln!("scale: PARTNERFIT_BENCH_PARTNERS: {e}");
        std::process::exit(2);
    }
    if let Some(f) = filter() {
        if !BENCHMARKS.iter().any(|b| b.contains(&f)) {
            eprintln!(
                "scale: no benchmark matches `{f}`; the benchmarks are: {}",
                BENCHMARKS.join(", ")
            );
            std::process::exit(2);
        }
    }
}

/// The size asked for in `PARTNERFIT_BENCH_PARTNERS` (default 10000), checked.
fn partners_checked() -> Result<usize, partnerfit::generate::SizeError> {
    match std::env::var("PARTNERFIT_BENCH_PARTNERS") {
        Ok(v) => partnerfit::generate::parse_partners(&v),
        Err(std::env::VarError::NotPresent) => Ok(10_000),
        Err(std::env::VarError::NotUnicode(v)) => Err(partnerfit::generate::SizeError(
            v.to_string_lossy().into_owned(),
        )),
    }
}

/// The size (checked by [`check_arguments`] before anything runs).
fn partners() -> usize {
    partners_checked().unwrap_or(10_000)
}

fn today() -> NaiveDate {
    Utc::now().date_naive()
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target"))
}

/// The generated SQLite file, kept under target/bench-data and reused while seed, size and day are the same.
fn sqlite_master(rt: &Runtime) -> PathBuf {
    let dir = target_dir().join("bench-data");
    std::fs::create_dir_all(&dir).expect("create target/bench-data");
    let path = dir.join(format!("sqlite-{}-{SEED}-{}.db", partners(), today()));
    if path.exists() {
        return path;
    }
    let tmp = dir.join(format!("generating-{}.db", std::process::id()));
    rt.block_on(async {
        let store = Store::open(&format!("sqlite://{}", tmp.display()))
            .await
            .expect("open the bench database");
        let started = Instant::now();
        let counts = match generate(&store, &spec()).await {
            Ok(counts) => counts,
            Err(e) => {
                // Nothing half-written is left behind: the file is removed with its WAL.
                store.close().await;
                for suffix in ["", "-wal", "-shm"] {
                    let _ = std::fs::remove_file(format!("{}{suffix}", tmp.display()));
                }
                eprintln!("scale: the data set was not generated (nothing kept): {e}");
                std::process::exit(1);
            }
        };
        eprintln!(
            "generated {counts} in {:.1} s",
            started.elapsed().as_secs_f64()
        );
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .execute(store.pool())
            .await
            .expect("checkpoint");
        store.close().await;
    });
    std::fs::rename(&tmp, &path).expect("keep the generated database");
    path
}

fn spec() -> Spec {
    Spec {
        workspace: WS.into(),
        partners: partners(),
        seed: SEED,
        until: today(),
    }
}

/// A private copy of the generated file (the write benchmarks add rows).
fn sqlite_copy(master: &Path, dir: &Path, name: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::copy(master, &path).expect("copy the bench database");
    path
}

/// One backend's app over the generated workspace.
struct Fixture {
    backend: &'static str,
    app: App,
    ctx: Ctx,
    names: Vec<String>,
}

impl Fixture {
    async fn new(backend: &'static str, url: &str) -> Fixture {
        let store = Store::open(url).await.expect("open the bench database");
        let mut names: Vec<String> = store
            .partner_names(WS)
            .await
            .expect("partner names")
            .into_iter()
            .map(|(_, n)| n)
            .collect();
        // A fixed shuffle, so consecutive iterations hit different partners (and pages).
        names.sort_by_key(|n| {
            n.bytes().fold(0xcbf29ce484222325_u64, |h, b| {
                (h ^ b as u64).wrapping_mul(0x100000001b3)
            })
        });
        Fixture {
            backend,
            app: App::new(store, Arc::new(SystemClock)),
            ctx: Ctx {
                workspace: WS.into(),
                user: "bench".into(),
                role: Role::Lead,
                channel_id: None,
            },
            names,
        }
    }

    fn name(&self, i: usize) -> &str {
        &self.names[i % self.names.len()]
    }
}

/// Time `n` single calls and report p50 and p99 (criterion reports means and medians of batches), after
/// `n / 10` untimed calls on other inputs (as criterion warms up).
fn percentiles<F, Fut>(rt: &Runtime, label: &str, n: usize, mut f: F)
where
    F: FnMut(usize) -> Fut,
    Fut: Future<Output = ()>,
{
    if !wanted(label) {
        return;
    }
    let mut times: Vec<f64> = rt.block_on(async {
        for i in n..n + (n / 10).max(1) {
            f(i).await;
        }
        let mut v = Vec::with_capacity(n);
        for i in 0..n {
            let t = Instant::now();
            f(i).await;
            v.push(t.elapsed().as_secs_f64() * 1e3);
        }
        v
    });
    times.sort_by(|a, b| a.total_cmp(b));
    let at = |q: f64| times[((times.len() as f64 - 1.0) * q).round() as usize];
    let (p50, p99) = (at(0.5), at(0.99));
    eprintln!("{label:<40} n={n:<5} p50 {p50:>9.3} ms  p99 {p99:>9.3} ms");
    let summary = target_dir().join("bench-summary.tsv");
    if let Ok(mut file) = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(summary)
    {
        let _ = writeln!(
            file,
            "{}\t{label}\t{n}\t{p50:.4}\t{p99:.4}",
            Utc::now().to_rfc3339()
        );
    }
}

fn screen_inv(name: &str, as_of: Option<NaiveDate>) -> Invocation {
    let inv = Invocation::new(&["screen"]).with("partner", name);
    match as_of {
        Some(d) => inv.with("as_of", d.to_string()),
        None => inv,
    }
}

async fn screen(f: &Fixture, name: &str, as_of: Option<NaiveDate>) {
    dispatch(&f.app, &f.ctx, &screen_inv(name, as_of))
        .await
        .expect("screen");
}

/// `/screen` of a name not on the roster.
async fn screen_unknown(f: &Fixture, i: usize) {
    let r = dispatch(
        &f.app,
        &f.ctx,
        &screen_inv(UNKNOWN[i % UNKNOWN.len()], None),
    )
    .await
    .expect("screen");
    assert_eq!(r.json()["on_roster"], false);
}

/// The suggestions for a name not on the roster, as `/screen` searched them before the name index: every
/// name read, every name compared.
async fn suggest_full_scan(f: &Fixture, i: usize) -> Vec<String> {
    let names = f.app.store.partner_names(WS).await.expect("names");
    lookup::suggestions(
        UNKNOWN[i % UNKNOWN.len()],
        names.iter().map(|(_, n)| n.as_str()),
        3,
    )
}

/// The same suggestions from the name index (its version checked with the database, as every use does).
async fn suggest_index(f: &Fixture, i: usize) -> Vec<String> {
    let names = f.app.names.get(&f.app.store, WS).await.expect("names");
    names.suggestions(UNKNOWN[i % UNKNOWN.len()], 3)
}

async fn record_evidence(f: &Fixture, name: &str) {
    let inv = Invocation::new(&["evidence", "add"])
        .with("partner", name)
        .with("trait", "Shared customers")
        .with("value", "31")
        .with("source", "bench");
    dispatch(&f.app, &f.ctx, &inv).await.expect("evidence add");
}

async fn autocomplete(f: &Fixture, prefix: &str) {
    let got = f
        .app
        .store
        .search_partners(WS, prefix, 25)
        .await
        .expect("autocomplete");
    assert!(!got.is_empty());
}

fn last_week() -> Week {
    Week::containing(today()).prev()
}

fn last_quarter() -> Quarter {
    Quarter::containing(today()).prev()
}

async fn weekly(f: &Fixture) {
    let s = f.app.settings(WS).await.expect("settings");
    let d = digest::weekly(&f.app, WS, &s, last_week())
        .await
        .expect("weekly");
    assert!(d.hours_total.centi() > 0);
}

async fn quarterly(f: &Fixture) {
    let s = f.app.settings(WS).await.expect("settings");
    let d = digest::quarterly(&f.app, WS, &s, last_quarter())
        .await
        .expect("quarterly");
    assert!(d.cohort > 0);
}

async fn roster(f: &Fixture) {
    let mut out = Vec::with_capacity(4 << 20);
    let rows = export::write(&f.app, WS, ExportKind::Roster, &mut out)
        .await
        .expect("export");
    assert_eq!(rows as usize, f.names.len());
}

/// The app-layer benchmarks of one backend.
fn app_benches(c: &mut Criterion, rt: &Runtime, f: &Fixture) {
    let b = f.backend;
    let year_ago = today() - Duration::days(365);
    let mut g = c.benchmark_group(b);
    let mut i = 0;
    g.bench_function("screen_one", |bench| {
        bench.to_async(rt).iter(|| {
            i += 1;
            screen(f, f.name(i), None)
        })
    });
    g.bench_function("screen_as_of", |bench| {
        bench.to_async(rt).iter(|| {
            i += 1;
            screen(f, f.name(i), Some(year_ago))
        })
    });
    g.bench_function("autocomplete", |bench| {
        bench.to_async(rt).iter(|| {
            i += 1;
            autocomplete(f, PREFIXES[i % PREFIXES.len()])
        })
    });
    g.bench_function("screen_unknown", |bench| {
        bench.to_async(rt).iter(|| {
            i += 1;
            screen_unknown(f, i)
        })
    });
    g.bench_function("record_evidence", |bench| {
        bench.to_async(rt).iter(|| {
            i += 1;
            record_evidence(f, f.name(i))
        })
    });
    g.bench_function("weekly_digest", |bench| {
        bench.to_async(rt).iter(|| weekly(f))
    });
    g.bench_function("quarterly_recheck", |bench| {
        bench.to_async(rt).iter(|| quarterly(f))
    });
    g.bench_function("roster_export", |bench| {
        bench.to_async(rt).iter(|| roster(f))
    });
    g.finish();

    percentiles(rt, &format!("{b}/screen_one"), 3000, |i| {
        screen(f, f.name(i), None)
    });
    percentiles(rt, &format!("{b}/screen_as_of"), 3000, |i| {
        screen(f, f.name(i), Some(year_ago))
    });
    percentiles(rt, &format!("{b}/autocomplete"), 3000, |i| {
        autocomplete(f, PREFIXES[i % PREFIXES.len()])
    });
    // The index answers what the full scan answers, for every name asked.
    if wanted(&format!("{b}/screen_unknown")) || wanted(&format!("{b}/suggest_")) {
        rt.block_on(async {
            for (i, asked) in UNKNOWN.iter().enumerate() {
                let (full, index) = (suggest_full_scan(f, i).await, suggest_index(f, i).await);
                assert_eq!(full, index, "{asked}");
                eprintln!("{b}: suggestions for {asked:?}: {index:?}");
            }
        });
    }
    percentiles(rt, &format!("{b}/screen_unknown"), 3000, |i| {
        screen_unknown(f, i)
    });
    percentiles(rt, &format!("{b}/suggest_full_scan"), 300, |i| async move {
        suggest_full_scan(f, i).await;
    });
    percentiles(rt, &format!("{b}/suggest_index"), 3000, |i| async move {
        suggest_index(f, i).await;
    });
    percentiles(rt, &format!("{b}/record_evidence"), 1000, |i| {
        record_evidence(f, f.name(i))
    });
    percentiles(rt, &format!("{b}/weekly_digest"), 30, |_| weekly(f));
    percentiles(rt, &format!("{b}/quarterly_recheck"), 30, |_| quarterly(f));
    percentiles(rt, &format!("{b}/roster_export"), 20, |_| roster(f));
}

/// 100,000 evidence rows for partners and traits of the generated workspace, as CSV.
fn import_csv(names: &[String], shift_days: i64) -> Vec<u8> {
    let mut out = b"partner,trait,met,value,source,note,observed\n".to_vec();
    let start = today() - Duration::days(20 + shift_days);
    for i in 0..IMPORT_ROWS {
        let name = &names[i % names.len()];
        let day = start + Duration::days((i % 20) as i64);
        let line = if i % 2 == 0 {
            format!(
                "\"{name}\",Named executive sponsor,{},,import,,{day}\n",
                if i % 3 == 0 { "no" } else { "yes" }
            )
        } else {
            format!(
                "\"{name}\",Shared customers,,{},import,,{day}\n",
                10 + i % 40
            )
        };
        out.extend_from_slice(line.as_bytes());
    }
    out
}

async fn run_import(app: &App, csv: &[u8]) {
    let progress = indicatif::ProgressBar::hidden();
    let opts = Options {
        kind: ImportKind::Evidence,
        file: "bench.csv".into(),
        dry_run: false,
        by: "bench".into(),
        allow_similar: false,
        confirm_similar: "--allow-similar-names",
        progress: &progress,
    };
    let report = import::run(app, WS, &opts, csv).await.expect("import");
    assert!(!report.failed(), "{}", report.failure_text());
}

/// The 100,000-row evidence import, each time into a fresh copy of the generated workspace.
fn import_bench(c: &mut Criterion, rt: &Runtime, master: &Path, names: &[String]) {
    let csv = import_csv(names, 0);
    let dir = tempfile::tempdir().expect("tempdir");
    let mut g = c.benchmark_group("sqlite");
    g.sample_size(10);
    g.bench_function("import_evidence_100k", |bench| {
        bench.iter_custom(|iters| {
            let mut total = std::time::Duration::ZERO;
            for k in 0..iters {
                let copy = sqlite_copy(master, dir.path(), &format!("import-{k}.db"));
                total += rt.block_on(async {
                    let store = Store::open(&format!("sqlite://{}", copy.display()))
                        .await
                        .expect("open copy");
                    let app = App::new(store, Arc::new(SystemClock));
                    let t = Instant::now();
                    run_import(&app, &csv).await;
                    let took = t.elapsed();
                    app.store.close().await;
                    took
                });
                let _ = std::fs::remove_file(&copy);
            }
            total
        })
    });
    g.finish();

    // Peak RSS of the real command on a copy, measured by GNU time.
    if !wanted("sqlite/import_evidence_100k") {
        return;
    }
    let copy = sqlite_copy(master, dir.path(), "import-rss.db");
    let file = dir.path().join("evidence.csv");
    std::fs::write(&file, &csv).expect("write csv");
    let out = std::process::Command::new("/usr/bin/time")
        .args(["-f", "%M %e"])
        .arg(env!("CARGO_BIN_EXE_partnerfit"))
        .arg("--database")
        .arg(format!("sqlite://{}", copy.display()))
        .args(["--workspace", WS, "import", "evidence"])
        .arg(&file)
        .output();
    match out {
        Ok(o) => {
            let err = String::from_utf8_lossy(&o.stderr);
            let last = err.lines().last().unwrap_or_default().to_string();
            let mut parts = last.split_whitespace();
            let kib: f64 = parts
                .next()
                .and_then(|v| v.parse().ok())
                .unwrap_or(f64::NAN);
            let secs = parts.next().unwrap_or("?");
            eprintln!(
                "sqlite/import_evidence_100k (process)     {secs} s wall, peak RSS {:.1} MB",
                kib / 1024.0
            );
        }
        Err(e) => eprintln!("could not run /usr/bin/time: {e}"),
    }
}

// ---------------------------------------------------------------------------------------------------------
// Raw SQL baselines (rusqlite on the same file)

/// Latest counting evidence per trait of the active profile, and whether each is met, for one partner.
/// The same facts as `/screen` shows (partner, profile, each trait with the record that counts and who
/// recorded it), one row per trait.
const RAW_SCREEN: &str = "
SELECT p.id, p.name, p.partner_type, p.stage, pr.name, pr.revision,
       t.id, t.name, t.verify_by, t.min_value, t.max_value, t.unit,
       e.id, e.met, e.value, e.source, e.note, e.observed, e.recorded_by
FROM partners p
JOIN profiles pr ON pr.workspace_id = p.workspace_id AND pr.partner_type = p.partner_type AND pr.retired_at IS NULL
JOIN traits t ON t.profile_id = pr.id AND t.removed_in IS NULL
LEFT JOIN evidence e ON e.id = (
    SELECT x.id FROM evidence x
    WHERE x.partner_id = p.id AND x.trait_id = t.id AND x.retracted_at IS NULL AND x.observed <= ?3
    ORDER BY x.observed DESC, x.recorded_at DESC, x.id DESC LIMIT 1)
WHERE p.workspace_id = ?1 AND p.name_key = ?2
ORDER BY t.id";

/// The verdict counts (missed, unknown) of every partner of a cohort as of a date.
fn raw_verdicts_sql(cohort: &str) -> String {
    format!(
        "
WITH cohort AS ({cohort}),
checks AS (
    SELECT c.id AS partner_id, t.min_value, t.max_value, (
        SELECT x.id FROM evidence x
        WHERE x.partner_id = c.id AND x.trait_id = t.id AND x.retracted_at IS NULL AND x.observed <= :day
        ORDER BY x.observed DESC, x.recorded_at DESC, x.id DESC LIMIT 1) AS eid
    FROM cohort c
    JOIN profiles pr ON pr.workspace_id = :ws AND pr.partner_type = c.partner_type AND pr.retired_at IS NULL
    JOIN traits t ON t.profile_id = pr.id AND t.removed_in IS NULL
),
status AS (
    SELECT k.partner_id, CASE
        WHEN e.id IS NULL OR e.observed < date(:day, '-365 days') THEN 'u'
        WHEN k.min_value IS NULL AND k.max_value IS NULL THEN
            CASE WHEN e.met IS NULL THEN 'u' WHEN e.met = 1 THEN 'm' ELSE 'x' END
        WHEN e.value IS NULL THEN 'u'
        WHEN (k.min_value IS NULL OR e.value >= k.min_value) AND (k.max_value IS NULL OR e.value <= k.max_value)
            THEN 'm'
        ELSE 'x' END AS s
    FROM checks k LEFT JOIN evidence e ON e.id = k.eid
)
SELECT partner_id, SUM(s = 'x') <= 1 AND SUM(s = 'u') = 0 AS matching FROM status GROUP BY partner_id"
    )
}

fn raw_screen(conn: &Connection, name: &str, day: NaiveDate) -> usize {
    let (max_misses, max_age): (i64, i64) = conn
        .prepare_cached(
            "SELECT max_misses, evidence_max_age_days FROM workspace_settings WHERE workspace_id = ?1",
        )
        .and_then(|mut s| s.query_row([WS], |r| Ok((r.get(0)?, r.get(1)?))).optional())
        .expect("settings")
        .unwrap_or((1, 365));
    let mut stmt = conn.prepare_cached(RAW_SCREEN).expect("prepare");
    let key = name.to_lowercase();
    let rows = stmt
        .query_map(params![WS, key, day.to_string()], |r| {
            // Read (and own) every column the reply shows, as the app does.
            for shown in [0, 1, 2, 3, 4, 5, 6, 7, 8, 11, 12, 15, 16, 18] {
                let _: rusqlite::types::Value = r.get(shown)?;
            }
            let min: Option<f64> = r.get(9)?;
            let max: Option<f64> = r.get(10)?;
            let met: Option<i64> = r.get(13)?;
            let value: Option<f64> = r.get(14)?;
            let observed: Option<String> = r.get(17)?;
            Ok((min, max, met, value, observed))
        })
        .expect("query");
    let cutoff = (day - Duration::days(max_age)).to_string();
    let (mut missed, mut unknown) = (0, 0);
    for row in rows {
        let (min, max, met, value, observed) = row.expect("row");
        let fresh = observed.is_some_and(|o| o >= cutoff);
        match raw_status(fresh, min, max, met, value) {
            Some(false) => missed += 1,
            None => unknown += 1,
            Some(true) => {}
        }
    }
    usize::from(missed > max_misses) * 2 + usize::from(unknown > 0)
}

/// The same question as the app's autocomplete: up to 25 names starting with the text, then (when fewer)
/// those containing it elsewhere (the bench prefixes have no LIKE wildcards to escape).
fn raw_autocomplete(conn: &Connection, prefix: &str) -> usize {
    let mut end = prefix.to_string();
    end.push(char::MAX);
    let mut stmt = conn
        .prepare_cached(
            "SELECT name FROM partners WHERE workspace_id = ?1 AND name_key >= ?2 AND name_key < ?3 \
             ORDER BY name_key LIMIT 25",
        )
        .expect("prepare");
    let mut names: Vec<String> = stmt
        .query_map(params![WS, prefix, end], |r| r.get(0))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows");
    if names.len() < 25 {
        let mut more = conn
            .prepare_cached(
                "SELECT name FROM partners WHERE workspace_id = ?1 AND name_key LIKE ?4 \
                 AND NOT (name_key >= ?2 AND name_key < ?3) ORDER BY name_key LIMIT ?5",
            )
            .expect("prepare");
        let rest = 25 - names.len() as i64;
        let contains = format!("%{prefix}%");
        for name in more
            .query_map(params![WS, prefix, end, contains, rest], |r| r.get(0))
            .expect("query")
        {
            names.push(name.expect("row"));
        }
    }
    names.len()
}

fn raw_record(conn: &Connection, name: &str) {
    let mut stmt = conn
        .prepare_cached(
            "INSERT INTO evidence (workspace_id, partner_id, trait_id, value, source, observed, recorded_by, recorded_at)
             SELECT ?1, p.id, t.id, 31, 'bench', ?3, 'bench', ?4
             FROM partners p
             JOIN profiles pr ON pr.workspace_id = p.workspace_id AND pr.partner_type = p.partner_type AND pr.retired_at IS NULL
             JOIN traits t ON t.profile_id = pr.id AND t.removed_in IS NULL AND t.name_key = 'shared customers'
             WHERE p.workspace_id = ?1 AND p.name_key = ?2",
        )
        .expect("prepare");
    let n = stmt
        .execute(params![
            WS,
            name.to_lowercase(),
            today().to_string(),
            Utc::now().to_rfc3339()
        ])
        .expect("insert");
    assert_eq!(n, 1);
}

/// The weekly question: for each of the 8 trend weeks, hours and spend in all and on matching partners
/// (screened as of the week's Sunday); then the neglected matching partners of the last 4 weeks.
fn raw_weekly(conn: &Connection) -> i64 {
    let week = last_week();
    let sql = format!(
        "WITH v AS ({}),
         a AS (SELECT partner_id, SUM(hours_centi) AS h, SUM(spend_cents) AS s FROM allocations
               WHERE workspace_id = :ws AND week = :week AND retracted_at IS NULL GROUP BY partner_id)
         SELECT SUM(a.h), SUM(a.s), SUM(CASE WHEN v.matching THEN a.h ELSE 0 END),
                SUM(CASE WHEN v.matching THEN a.s ELSE 0 END)
         FROM a LEFT JOIN v ON v.partner_id = a.partner_id",
        raw_verdicts_sql(
            "SELECT DISTINCT p.id, p.partner_type FROM partners p JOIN allocations al ON al.partner_id = p.id \
             WHERE al.workspace_id = :ws AND al.week = :week AND al.retracted_at IS NULL"
        )
    );
    let mut stmt = conn.prepare_cached(&sql).expect("prepare weekly");
    let mut total = 0;
    for k in (0..8).rev() {
        let w = week.plus(-k);
        let (h, _s, _mh, _ms): (Option<i64>, Option<i64>, Option<i64>, Option<i64>) = stmt
            .query_row(
                rusqlite::named_params! {":ws": WS, ":week": w.to_string(), ":day": w.sunday().to_string()},
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
            )
            .expect("weekly row");
        total += h.unwrap_or(0);
    }
    let neglected_sql = format!(
        "WITH v AS ({}) SELECT COUNT(*) FROM v WHERE v.matching",
        raw_verdicts_sql(
            "SELECT p.id, p.partner_type FROM partners p WHERE p.workspace_id = :ws \
             AND p.signed_on <= :day AND (p.dropped_on IS NULL OR p.dropped_on > :day) \
             AND NOT EXISTS (SELECT 1 FROM allocations al WHERE al.partner_id = p.id AND al.week BETWEEN :from AND :week \
                             AND al.retracted_at IS NULL AND (al.hours_centi > 0 OR al.spend_cents > 0))"
        )
    );
    let _neglected: i64 = conn
        .prepare_cached(&neglected_sql)
        .expect("prepare neglected")
        .query_row(
            rusqlite::named_params! {":ws": WS, ":week": week.to_string(), ":from": week.plus(-3).to_string(),
            ":day": week.sunday().to_string()},
            |r| r.get(0),
        )
        .expect("neglected");
    total
}

/// The quarterly question: the cohort's sourced pipeline per partner, with whether it matched at quarter end.
fn raw_quarterly(conn: &Connection) -> usize {
    let q = last_quarter();
    let sql = format!(
        "WITH v AS ({})
         SELECT v.partner_id, v.matching, COALESCE((SELECT SUM(o.amount_cents) FROM outcomes o
             WHERE o.partner_id = v.partner_id AND o.kind = 'sourced-pipeline' AND o.retracted_at IS NULL
             AND o.occurred_on BETWEEN :first AND :day), 0)
         FROM v",
        raw_verdicts_sql(
            "SELECT p.id, p.partner_type FROM partners p WHERE p.workspace_id = :ws \
             AND p.signed_on <= :day AND (p.dropped_on IS NULL OR p.dropped_on >= :first)"
        )
    );
    let mut stmt = conn.prepare_cached(&sql).expect("prepare quarterly");
    let rows: Vec<(i64, bool, i64)> = stmt
        .query_map(
            rusqlite::named_params! {":ws": WS, ":first": q.first_day().to_string(), ":day": q.last_day().to_string()},
            |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
        )
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows");
    rows.len()
}

/// The roster with each partner's verdict today, as CSV.
fn raw_roster(conn: &Connection) -> usize {
    let sql = format!(
        "WITH v AS ({})
         SELECT p.name, p.partner_type, p.stage, p.signed_on, p.dropped_on, p.drop_reason, p.champion, p.note, v.matching
         FROM partners p LEFT JOIN v ON v.partner_id = p.id WHERE p.workspace_id = :ws ORDER BY p.name_key",
        raw_verdicts_sql("SELECT p.id, p.partner_type FROM partners p WHERE p.workspace_id = :ws")
    );
    let mut stmt = conn.prepare_cached(&sql).expect("prepare roster");
    let mut out = csv::Writer::from_writer(Vec::with_capacity(4 << 20));
    let mut rows = stmt
        .query(rusqlite::named_params! {":ws": WS, ":day": today().to_string()})
        .expect("query");
    let mut n = 0;
    while let Some(r) = rows.next().expect("row") {
        let cells: Vec<String> = (0..9)
            .map(|i| match r.get_ref(i).expect("cell") {
                rusqlite::types::ValueRef::Text(t) => String::from_utf8_lossy(t).into_owned(),
                rusqlite::types::ValueRef::Integer(v) => v.to_string(),
                _ => String::new(),
            })
            .collect();
        out.write_record(&cells).expect("csv");
        n += 1;
    }
    n
}

/// Insert the 100,000 rows of the import, resolving names to ids in memory, in one transaction.
fn raw_import(conn: &mut Connection, csv_bytes: &[u8]) {
    let tx = conn.transaction().expect("begin");
    {
        let mut ids = std::collections::HashMap::new();
        let mut s = tx
            .prepare(
                "SELECT p.name_key, t.name_key, p.id, t.id FROM partners p
                 JOIN profiles pr ON pr.workspace_id = p.workspace_id AND pr.partner_type = p.partner_type AND pr.retired_at IS NULL
                 JOIN traits t ON t.profile_id = pr.id AND t.removed_in IS NULL WHERE p.workspace_id = ?1",
            )
            .expect("prepare ids");
        let rows = s
            .query_map([WS], |r| {
                Ok((
                    (r.get::<_, String>(0)?, r.get::<_, String>(1)?),
                    (r.get::<_, i64>(2)?, r.get::<_, i64>(3)?),
                ))
            })
            .expect("ids");
        for row in rows {
            let (k, v) = row.expect("id row");
            ids.insert(k, v);
        }
        let mut ins = tx
            .prepare(
                "INSERT INTO evidence (workspace_id, partner_id, trait_id, met, value, source, observed, recorded_by, recorded_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 'import', ?8)",
            )
            .expect("prepare insert");
        let now = Utc::now().to_rfc3339();
        let mut reader = csv::Reader::from_reader(csv_bytes);
        for rec in reader.records() {
            let rec = rec.expect("csv row");
            let key = (rec[0].to_lowercase(), rec[1].to_lowercase());
            let (pid, tid) = ids[&key];
            let met = match &rec[2] {
                "yes" => Some(1),
                "no" => Some(0),
                _ => None,
            };
            let value: Option<f64> = rec[3].parse().ok();
            ins.execute(params![WS, pid, tid, met, value, &rec[4], &rec[6], now])
                .expect("insert");
        }
    }
    tx.commit().expect("commit");
}

fn raw_benches(c: &mut Criterion, rt: &Runtime, master: &Path, names: &[String]) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = sqlite_copy(master, dir.path(), "raw.db");
    let conn = Connection::open(&path).expect("open raw");
    conn.pragma_update(None, "journal_mode", "WAL")
        .expect("wal");
    let name = |i: usize| names[i % names.len()].as_str();
    let year_ago = today() - Duration::days(365);
    let mut g = c.benchmark_group("sqlite_raw");
    let mut i = 0;
    g.bench_function("screen_one", |b| {
        b.iter(|| {
            i += 1;
            raw_screen(&conn, name(i), today())
        })
    });
    g.bench_function("screen_as_of", |b| {
        b.iter(|| {
            i += 1;
            raw_screen(&conn, name(i), year_ago)
        })
    });
    g.bench_function("autocomplete", |b| {
        b.iter(|| {
            i += 1;
            raw_autocomplete(&conn, PREFIXES[i % PREFIXES.len()])
        })
    });
    g.bench_function("record_evidence", |b| {
        b.iter(|| {
            i += 1;
            raw_record(&conn, name(i))
        })
    });
    g.bench_function("weekly_digest", |b| b.iter(|| raw_weekly(&conn)));
    g.bench_function("quarterly_recheck", |b| b.iter(|| raw_quarterly(&conn)));
    g.bench_function("roster_export", |b| b.iter(|| raw_roster(&conn)));
    g.finish();

    let sync = |label: &str, n: usize, f: &mut dyn FnMut(usize)| {
        percentiles(rt, label, n, |i| {
            f(i);
            std::future::ready(())
        })
    };
    sync("sqlite_raw/screen_one", 3000, &mut |i| {
        raw_screen(&conn, name(i), today());
    });
    sync("sqlite_raw/screen_as_of", 3000, &mut |i| {
        raw_screen(&conn, name(i), year_ago);
    });
    sync("sqlite_raw/autocomplete", 3000, &mut |i| {
        raw_autocomplete(&conn, PREFIXES[i % PREFIXES.len()]);
    });
    sync("sqlite_raw/record_evidence", 1000, &mut |i| {
        raw_record(&conn, name(i))
    });
    sync("sqlite_raw/weekly_digest", 10, &mut |_| {
        raw_weekly(&conn);
    });
    sync("sqlite_raw/quarterly_recheck", 10, &mut |_| {
        raw_quarterly(&conn);
    });
    sync("sqlite_raw/roster_export", 10, &mut |_| {
        raw_roster(&conn);
    });
    drop(conn);

    let csv_bytes = import_csv(names, 0);
    let mut g = c.benchmark_group("sqlite_raw");
    g.sample_size(10);
    g.bench_function("import_evidence_100k", |b| {
        b.iter_custom(|iters| {
            let mut total = std::time::Duration::ZERO;
            for k in 0..iters {
                let copy = sqlite_copy(master, dir.path(), &format!("raw-import-{k}.db"));
                let mut conn = Connection::open(&copy).expect("open copy");
                let t = Instant::now();
                raw_import(&mut conn, &csv_bytes);
                total += t.elapsed();
                drop(conn);
                let _ = std::fs::remove_file(&copy);
            }
            total
        })
    });
    g.finish();
}

/// The same question as `/screen`, on PostgreSQL, as one hand-written prepared statement: the settings, the
/// partner, its profile's traits and, per trait, the record that counts (one row per trait).
const RAW_SCREEN_PG: &str = "
SELECT p.id, p.name, p.partner_type, p.stage, pr.name, pr.revision,
       t.id, t.name, t.verify_by, t.min_value, t.max_value, t.unit,
       e.id, e.met, e.value, e.source, e.note, e.observed, e.recorded_by,
       COALESCE(s.max_misses, 1), COALESCE(s.evidence_max_age_days, 365)
FROM partners p
LEFT JOIN workspace_settings s ON s.workspace_id = p.workspace_id
JOIN profiles pr ON pr.workspace_id = p.workspace_id AND pr.partner_type = p.partner_type AND pr.retired_at IS NULL
JOIN traits t ON t.profile_id = pr.id AND t.removed_in IS NULL
LEFT JOIN evidence e ON e.id = (
    SELECT x.id FROM evidence x
    WHERE x.partner_id = p.id AND x.trait_id = t.id AND x.retracted_at IS NULL AND x.observed <= $3
    ORDER BY x.observed DESC, x.recorded_at DESC, x.id DESC LIMIT 1)
WHERE p.workspace_id = $1 AND p.name_key = $2
ORDER BY t.id";

/// [`RAW_SCREEN_PG`] on one connection of sqlx's PostgreSQL driver (no pool, no `Any` layer; the statement is
/// prepared once and kept): one round trip per question, the floor the app's PostgreSQL `/screen` is
/// compared with. Returns the verdict as `raw_screen` does.
async fn raw_screen_pg(conn: &mut sqlx::PgConnection, name: &str, day: NaiveDate) -> usize {
    use sqlx::Row;
    let rows = sqlx::query(RAW_SCREEN_PG)
        .bind(WS)
        .bind(partnerfit::domain::name_key(name))
        .bind(day.to_string())
        .fetch_all(&mut *conn)
        .await
        .expect("raw screen");
    let (mut missed, mut unknown, mut max_misses) = (0, 0, 1);
    for r in &rows {
        // Own every column the reply shows, as the app does.
        let _: (i64, String, String, String, String, i64) =
            (r.get(0), r.get(1), r.get(2), r.get(3), r.get(4), r.get(5));
        let _: (i64, String, Option<String>, Option<String>) =
            (r.get(6), r.get(7), r.get(8), r.get(11));
        let _: (Option<i64>, Option<String>, Option<String>, Option<String>) =
            (r.get(12), r.get(15), r.get(16), r.get(18));
        let min: Option<f64> = r.get(9);
        let max: Option<f64> = r.get(10);
        let met: Option<i64> = r.get(13);
        let value: Option<f64> = r.get(14);
        let observed: Option<String> = r.get(17);
        max_misses = r.get::<i64, _>(19);
        let max_age: i64 = r.get(20);
        let cutoff = (day - Duration::days(max_age)).to_string();
        let fresh = observed.is_some_and(|o| o >= cutoff);
        match raw_status(fresh, min, max, met, value) {
            Some(false) => missed += 1,
            None => unknown += 1,
            Some(true) => {}
        }
    }
    assert!(!rows.is_empty(), "raw screen of {name}: no rows");
    usize::from(missed > max_misses) * 2 + usize::from(unknown > 0)
}

/// The raw PostgreSQL `/screen` beside the app's, in the same run.
fn raw_postgres_benches(c: &mut Criterion, rt: &Runtime, url: &str, names: &[String]) {
    use sqlx::Connection;
    let conn = rt
        .block_on(sqlx::PgConnection::connect(url))
        .expect("connect to PostgreSQL");
    // One call at a time: criterion and `percentiles` await each before the next.
    let conn = tokio::sync::Mutex::new(conn);
    let name = |i: usize| names[i % names.len()].as_str();
    let screen = |i: usize| {
        let (conn, name) = (&conn, name(i));
        async move {
            raw_screen_pg(&mut *conn.lock().await, name, today()).await;
        }
    };
    let mut g = c.benchmark_group("postgres_raw");
    let mut i = 0;
    g.bench_function("screen_one", |b| {
        b.to_async(rt).iter(|| {
            i += 1;
            screen(i)
        })
    });
    g.finish();
    percentiles(rt, "postgres_raw/screen_one", 3000, screen);
    rt.block_on(conn.into_inner().close()).ok();
}

fn postgres_url() -> Option<String> {
    std::env::var("PARTNERFIT_BENCH_POSTGRES")
        .ok()
        .filter(|u| !u.is_empty())
}

/// A fresh PostgreSQL database holding the generated workspace; dropped by the caller.
async fn postgres_database(base: &str) -> (String, String) {
    let db = format!("partnerfit_bench_{}", std::process::id());
    let admin = Store::connect(&format!("{}/postgres", base.trim_end_matches('/')))
        .await
        .expect("connect to PostgreSQL");
    sqlx::query(sqlx::AssertSqlSafe(format!("DROP DATABASE IF EXISTS {db}")))
        .execute(admin.pool())
        .await
        .expect("drop");
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {db}")))
        .execute(admin.pool())
        .await
        .expect("create");
    admin.close().await;
    let url = format!("{}/{db}", base.trim_end_matches('/'));
    let store = Store::open(&url).await.expect("open PostgreSQL");
    let started = Instant::now();
    let counts = generate(&store, &spec()).await.expect("generate");
    sqlx::query("ANALYZE")
        .execute(store.pool())
        .await
        .expect("analyze");
    eprintln!(
        "generated {counts} on PostgreSQL in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    store.close().await;
    (url, db)
}

async fn drop_postgres_database(base: &str, db: &str) {
    if let Ok(admin) = Store::connect(&format!("{}/postgres", base.trim_end_matches('/'))).await {
        let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
            "DROP DATABASE IF EXISTS {db} WITH (FORCE)"
        )))
        .execute(admin.pool())
        .await;
        admin.close().await;
    }
}

fn benches(c: &mut Criterion) {
    check_arguments();
    let rt = Runtime::new().expect("tokio runtime");
    let master = sqlite_master(&rt);
    let dir = tempfile::tempdir().expect("tempdir");
    let copy = sqlite_copy(&master, dir.path(), "app.db");
    let fixture = rt.block_on(Fixture::new(
        "sqlite",
        &format!("sqlite://{}", copy.display()),
    ));
    let names = fixture.names.clone();
    app_benches(c, &rt, &fixture);
    rt.block_on(fixture.app.store.close());
    raw_benches(c, &rt, &master, &names);
    import_bench(c, &rt, &master, &names);

    if let Some(base) = postgres_url() {
        let (url, db) = rt.block_on(postgres_database(&base));
        let fixture = rt.block_on(Fixture::new("postgres", &url));
        app_benches(c, &rt, &fixture);
        raw_postgres_benches(c, &rt, &url, &fixture.names);
        let mut g = c.benchmark_group("postgres");
        g.sample_size(10);
        let mut round = 0;
        g.bench_function("import_evidence_100k", |bench| {
            bench.iter_custom(|iters| {
                let mut total = std::time::Duration::ZERO;
                for _ in 0..iters {
                    // New dates each time, so no row repeats an earlier import's.
                    round += 1;
                    let csv = import_csv(&fixture.names, 20 * round);
                    let t = Instant::now();
                    rt.block_on(run_import(&fixture.app, &csv));
                    total += t.elapsed();
                }
                total
            })
        });
        g.finish();
        rt.block_on(fixture.app.store.close());
        rt.block_on(drop_postgres_database(&base, &db));
    }
}

criterion_group! {
    name = scale;
    config = Criterion::default()
        .without_plots()
        .sample_size(30)
        .warm_up_time(std::time::Duration::from_secs(1))
        .measurement_time(std::time::Duration::from_secs(3));
    targets = benches
}
criterion_main!(scale);

/// The raw baselines' rule for one trait, written once: met (Some(true)), missed (Some(false)) or unknown (None)
/// from a record's freshness, the trait's bounds and the record's flag or value.
fn raw_status(
    fresh: bool,
    min: Option<f64>,
    max: Option<f64>,
    met: Option<i64>,
    value: Option<f64>,
) -> Option<bool> {
    match (fresh, min.is_some() || max.is_some(), met, value) {
        (false, _, _, _) => None,
        (true, false, Some(m), _) => Some(m == 1),
        (true, true, _, Some(v)) => Some(min.is_none_or(|m| v >= m) && max.is_none_or(|m| v <= m)),
        _ => None,
    }
}
