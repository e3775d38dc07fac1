//! Benchmarks at scale (BENCHMARKS.md): a generated workspace of 10,000 partners (`partnerfit::generate`),
//! every user-facing question timed through the app layer, and beside each the same question asked of the same
//! SQLite file with the fastest hand-written SQL we could write (rusqlite, prepared statements).
//!
//! `cargo bench --bench scale` runs SQLite; with `PARTNERFIT_BENCH_POSTGRES=postgres://postgres@127.0.0.1`
//! the same app-layer benchmarks also run against a fresh PostgreSQL database. `PARTNERFIT_BENCH_PARTNERS`
//! changes the size (default 10000). Besides criterion's report, each benchmark's p50/p99 over many single
//! calls is printed and appended to `target/bench-summary.tsv`. The hand-written SQL is in `benches/scale/raw.rs`.
//!
//! Without `--bench` (`cargo test --bench '*'`, which CI runs) every benchmark runs once as a smoke test, on a
//! workspace of [`SMOKE_PARTNERS`] unless `PARTNERFIT_BENCH_PARTNERS` says otherwise, and nothing is appended
//! to the summary.

use chrono::{Duration, NaiveDate, Utc};
use criterion::{criterion_group, criterion_main, Criterion};
use partnerfit::app::name_index::Near;
use partnerfit::app::transfer::import::{self, Options};
use partnerfit::app::transfer::{export, ExportKind, ImportKind};
use partnerfit::app::{digest, dispatch, lookup, App, Ctx, Invocation, SystemClock};
use partnerfit::domain::{name_key, Quarter, Role, Week};
use partnerfit::generate::{generate, Spec};
use partnerfit::store::Store;
use std::future::Future;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;
use tokio::runtime::Runtime;

#[path = "common/args.rs"]
mod args;
use args::{measuring, name_filter};
#[path = "common/data.rs"]
mod data;
use data::{target_dir, today, WS};
#[path = "common/questions.rs"]
mod questions;
#[path = "scale/raw.rs"]
mod raw;
use questions::{suggested, PREFIXES, SUGGESTIONS, UNKNOWN};
use raw::{raw_benches, raw_postgres_benches};

const IMPORT_ROWS: usize = 100_000;
/// The workspace's size when measuring (`cargo bench`).
const MEASURED_PARTNERS: usize = 10_000;
/// The workspace's size of a smoke run (`cargo test --bench '*'`): small enough for a debug build in CI.
const SMOKE_PARTNERS: usize = 300;

/// Whether the benchmark `label` (`backend/name`) is to run: criterion's name filter after `--` applies to the
/// printed percentiles and the raw and import runs too (`cargo bench --bench scale -- screen_unknown`).
fn wanted(label: &str) -> bool {
    name_filter().is_none_or(|f| label.contains(&f))
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
    if let Some(f) = name_filter() {
        if !BENCHMARKS.iter().any(|b| b.contains(&f)) {
            eprintln!(
                "scale: no benchmark matches `{f}`; the benchmarks are: {}",
                BENCHMARKS.join(", ")
            );
            std::process::exit(2);
        }
    }
}

/// The size asked for in `PARTNERFIT_BENCH_PARTNERS` (default [`MEASURED_PARTNERS`], or [`SMOKE_PARTNERS`]
/// in a smoke run), checked.
fn partners_checked() -> Result<usize, partnerfit::generate::SizeError> {
    match std::env::var("PARTNERFIT_BENCH_PARTNERS") {
        Ok(v) => partnerfit::generate::parse_partners(&v),
        Err(std::env::VarError::NotPresent) if measuring() => Ok(MEASURED_PARTNERS),
        Err(std::env::VarError::NotPresent) => Ok(SMOKE_PARTNERS),
        Err(std::env::VarError::NotUnicode(v)) => Err(partnerfit::generate::SizeError(
            v.to_string_lossy().into_owned(),
        )),
    }
}

/// The size (checked by [`check_arguments`] before anything runs).
fn partners() -> usize {
    partners_checked().unwrap_or(SMOKE_PARTNERS)
}

/// The generated SQLite file of [`partners`] partners (see `benches/common/data.rs`); a failure to generate it
/// ends the run with one line.
fn sqlite_master(rt: &Runtime) -> PathBuf {
    match rt.block_on(data::sqlite_master(partners())) {
        Ok(path) => path,
        Err(e) => {
            eprintln!("scale: {e:#}");
            std::process::exit(1);
        }
    }
}

fn spec() -> Spec {
    data::spec(partners())
}

fn sqlite_copy(master: &Path, dir: &Path, name: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::copy(master, &path).expect("copy the bench database");
    path
}

/// The times `run` reports on `iters` fresh copies of `master` in `dir` (`{prefix}-{k}.db`), summed: criterion's
/// `iter_custom` for a write that must start from the generated workspace each time. Each copy is removed after
/// its run.
fn on_fresh_copies(
    master: &Path,
    dir: &Path,
    prefix: &str,
    iters: u64,
    mut run: impl FnMut(&Path) -> std::time::Duration,
) -> std::time::Duration {
    (0..iters)
        .map(|k| {
            let copy = sqlite_copy(master, dir, &format!("{prefix}-{k}.db"));
            let took = run(&copy);
            let _ = std::fs::remove_file(&copy);
            took
        })
        .sum()
}

/// One backend's app over the generated workspace.
struct Fixture {
    backend: &'static str,
    app: App,
    ctx: Ctx,
    names: Vec<String>,
    /// How many names autocomplete must suggest for each of [`PREFIXES`] ([`suggested`]).
    suggested: [usize; PREFIXES.len()],
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
        let suggested = suggested(names.iter().map(String::as_str));
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
            suggested,
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
    if !measuring() {
        return;
    }
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

/// The same suggestions from the name index, by the search of an unknown name's `/screen` (the close names,
/// else the suggestions, in one pass; the index's version checked with the database, as every use does).
async fn suggest_index(f: &Fixture, i: usize) -> Vec<String> {
    let names = f.app.names.get(&f.app.store, WS).await.expect("names");
    let asked = UNKNOWN[i % UNKNOWN.len()];
    match names.near(&name_key(asked), 3) {
        Near::Like(hints) => hints,
        Near::Close(close) => panic!("{asked:?} is close to {} names", close.len()),
    }
}

async fn record_evidence(f: &Fixture, name: &str) {
    let inv = Invocation::new(&["evidence", "add"])
        .with("partner", name)
        .with("trait", "Shared customers")
        .with("value", "31")
        .with("source", "bench");
    dispatch(&f.app, &f.ctx, &inv).await.expect("evidence add");
}

async fn autocomplete(f: &Fixture, i: usize) {
    let prefix = PREFIXES[i % PREFIXES.len()];
    let got = f
        .app
        .store
        .search_partners(WS, prefix, SUGGESTIONS)
        .await
        .expect("autocomplete");
    assert_eq!(got.len(), f.suggested[i % PREFIXES.len()], "{prefix:?}");
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
            autocomplete(f, i)
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
        autocomplete(f, i)
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
            on_fresh_copies(master, dir.path(), "import", iters, |copy| {
                rt.block_on(async {
                    let store = Store::open(&format!("sqlite://{}", copy.display()))
                        .await
                        .expect("open copy");
                    let app = App::new(store, Arc::new(SystemClock));
                    let t = Instant::now();
                    run_import(&app, &csv).await;
                    let took = t.elapsed();
                    app.store.close().await;
                    took
                })
            })
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
