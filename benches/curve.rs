//! The growth curve (BENCHMARKS.md, "Issue 21 item 4"): the same questions as `benches/scale.rs` asked of
//! generated workspaces of several sizes (default 1,000, 10,000 and 100,000 partners), to see how each grows
//! with the roster. `/screen` must stay flat; digests may grow linearly, not worse.
//!
//! `cargo bench --bench curve` runs every size in a child process of its own (this binary again, with
//! `PARTNERFIT_CURVE_CHILD=N`), so that the resident set read after a digest is that size's alone. Each child
//! times single calls through the app layer (p50 and p99), the first load of the evidence cache, the first
//! `/partner list` page of a process (which does not wait for that load), an import of
//! 10 evidence rows per partner, and reads its own `VmRSS`/`VmHWM` from `/proc/self/status` right after the
//! first weekly digest. The parent prints a table with the slope of each measurement (the exponent b of
//! t ∝ n^b between consecutive sizes and fitted over all of them), writes `target/curve.tsv` and draws the
//! log-log plot into `target/curve-growth.png` (or `PARTNERFIT_CURVE_PLOT`).
//!
//! `PARTNERFIT_CURVE_SIZES=1000,10000` changes the sizes (each a whole number from 1 to 1,000,000); a name
//! after `--` runs only the measurements whose name contains it. The generated SQLite files are the ones
//! `benches/scale.rs` keeps in `target/bench-data/` (`benches/common/data.rs` names and makes them for both).
//!
//! Without `--bench` (`cargo test --bench '*'`, which CI runs) it is a smoke test: the sizes default to
//! [`SMOKE_SIZES`], and the table and plot go to `target/curve-smoke.tsv` and `target/curve-smoke.png`, so a
//! measured curve's files are not overwritten.

use anyhow::{bail, Context, Result};
use chrono::Duration;
use partnerfit::app::lists::{self, ListId, PAGE_LINES};
use partnerfit::app::transfer::import::{self, Options};
use partnerfit::app::transfer::{export, ExportKind, ImportKind};
use partnerfit::app::{digest, dispatch, App, Ctx, Invocation, SystemClock};
use partnerfit::domain::{Quarter, Role, Week};
use partnerfit::generate::parse_partners;
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
use data::{sqlite_master, target_dir, today, WS};
#[path = "common/questions.rs"]
mod questions;
use questions::{suggested, PREFIXES, SUGGESTIONS, UNKNOWN};

const DEFAULT_SIZES: [usize; 3] = [1_000, 10_000, 100_000];
/// The sizes of a smoke run: two, so that the slopes are worked out too, and small enough for a debug build.
const SMOKE_SIZES: [usize; 2] = [300, 1_000];
/// Evidence rows imported per partner.
const IMPORT_PER_PARTNER: usize = 10;

/// Every measurement, in the order of the table, with its unit.
const MEASUREMENTS: &[(&str, &str)] = &[
    ("screen_one", "ms"),
    ("screen_unknown", "ms"),
    ("autocomplete", "ms"),
    ("weekly_digest", "ms"),
    ("quarterly_recheck", "ms"),
    ("roster_export", "ms"),
    ("import_10_per_partner", "ms"),
    ("evidence_cache_load", "ms"),
    ("partner_list_cold", "ms"),
    ("rss_after_digest", "MiB"),
];

fn main() {
    let outcome = match std::env::var("PARTNERFIT_CURVE_CHILD") {
        Ok(size) => parse_partners(&size)
            .map_err(anyhow::Error::from)
            .and_then(child),
        Err(_) => parent(),
    };
    if let Err(e) = outcome {
        eprintln!("curve: {e:#}");
        std::process::exit(2);
    }
}

/// The name filter given after `--` (cargo passes `--bench` first), checked against the measurements.
fn filter() -> Result<Option<String>> {
    let f = name_filter();
    if let Some(f) = &f {
        if !MEASUREMENTS.iter().any(|(m, _)| m.contains(f.as_str())) {
            let names: Vec<&str> = MEASUREMENTS.iter().map(|(m, _)| *m).collect();
            bail!(
                "no measurement matches `{f}`; the measurements are: {}",
                names.join(", ")
            );
        }
    }
    Ok(f)
}

fn wanted(name: &str) -> bool {
    filter().ok().flatten().is_none_or(|f| name.contains(&f))
}

/// A file of the run's output in `target/`: `measured` when measuring, else `curve-smoke.<ext>`, so that a smoke
/// run does not overwrite a measured curve's files.
fn output(measured: &str, ext: &str) -> PathBuf {
    if measuring() {
        target_dir().join(format!("{measured}.{ext}"))
    } else {
        target_dir().join(format!("curve-smoke.{ext}"))
    }
}

fn sizes() -> Result<Vec<usize>> {
    match std::env::var("PARTNERFIT_CURVE_SIZES") {
        Err(_) if measuring() => Ok(DEFAULT_SIZES.to_vec()),
        Err(_) => Ok(SMOKE_SIZES.to_vec()),
        Ok(list) => {
            let mut sizes = list
                .split(',')
                .map(|s| parse_partners(s).context("PARTNERFIT_CURVE_SIZES"))
                .collect::<Result<Vec<_>>>()?;
            sizes.sort_unstable();
            sizes.dedup();
            Ok(sizes)
        }
    }
}

/// One measured point: a measurement at a size.
#[derive(Debug, Clone)]
struct Point {
    size: usize,
    name: String,
    n: usize,
    p50: f64,
    p99: f64,
}

// ---------------------------------------------------------------------------------------------------------
// The parent: one child per size, then the table, the slopes and the plot.

fn parent() -> Result<()> {
    let sizes = sizes()?;
    filter()?;
    let exe = std::env::current_exe().context("this benchmark's own path")?;
    let mut points = Vec::new();
    for &size in &sizes {
        eprintln!("curve: {size} partners");
        let out = std::process::Command::new(&exe)
            .args(std::env::args().skip(1))
            .env("PARTNERFIT_CURVE_CHILD", size.to_string())
            .stderr(std::process::Stdio::inherit())
            .output()
            .context("run the child")?;
        if !out.status.success() {
            bail!("the run at {size} partners failed ({})", out.status);
        }
        for line in String::from_utf8_lossy(&out.stdout).lines() {
            let f: Vec<&str> = line.split('\t').collect();
            if let [name, n, p50, p99] = f[..] {
                points.push(Point {
                    size,
                    name: name.to_string(),
                    n: n.parse()?,
                    p50: p50.parse()?,
                    p99: p99.parse()?,
                });
            }
        }
    }
    let tsv = output("curve", "tsv");
    let mut file =
        std::fs::File::create(&tsv).with_context(|| format!("write {}", tsv.display()))?;
    writeln!(file, "partners\tmeasurement\tn\tp50\tp99")?;
    for p in &points {
        writeln!(
            file,
            "{}\t{}\t{}\t{:.4}\t{:.4}",
            p.size, p.name, p.n, p.p50, p.p99
        )?;
    }
    println!("{}", table(&sizes, &points));
    let plot = std::env::var_os("PARTNERFIT_CURVE_PLOT")
        .map(PathBuf::from)
        .unwrap_or_else(|| output("curve-growth", "png"));
    std::fs::write(&plot, draw(&sizes, &points)?).context("write the plot")?;
    eprintln!("curve: wrote {} and {}", tsv.display(), plot.display());
    Ok(())
}

/// The exponent b of t ∝ n^b through two points.
fn slope(a: (f64, f64), b: (f64, f64)) -> f64 {
    (b.1 / a.1).ln() / (b.0 / a.0).ln()
}

/// The least-squares exponent b of t ∝ n^b over all points (log-log).
fn fitted_slope(xy: &[(f64, f64)]) -> Option<f64> {
    if xy.len() < 2 {
        return None;
    }
    let pts: Vec<(f64, f64)> = xy.iter().map(|(x, y)| (x.ln(), y.ln())).collect();
    let n = pts.len() as f64;
    let mx = pts.iter().map(|p| p.0).sum::<f64>() / n;
    let my = pts.iter().map(|p| p.1).sum::<f64>() / n;
    let sxy: f64 = pts.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
    let sxx: f64 = pts.iter().map(|p| (p.0 - mx).powi(2)).sum();
    Some(sxy / sxx)
}

/// The Markdown table: p50 (p99) per size, the slope of each step and the fitted slope (of p50).
fn table(sizes: &[usize], points: &[Point]) -> String {
    let mut out = String::from("| measurement |");
    for s in sizes {
        out += &format!(" {s} partners |");
    }
    for w in sizes.windows(2) {
        out += &format!(" b {}→{} |", w[0], w[1]);
    }
    out += " b fitted |\n|---|";
    for _ in 0..(sizes.len() * 2) {
        out += "---:|";
    }
    out += "\n";
    for (name, unit) in MEASUREMENTS {
        let row: Vec<&Point> = points.iter().filter(|p| p.name == *name).collect();
        if row.is_empty() {
            continue;
        }
        out += &format!("| {name} ({unit}) |");
        for s in sizes {
            match row.iter().find(|p| p.size == *s) {
                Some(p) if p.n > 1 => out += &format!(" {:.3} ({:.3}) |", p.p50, p.p99),
                Some(p) => out += &format!(" {:.3} |", p.p50),
                None => out += " |",
            }
        }
        let xy: Vec<(f64, f64)> = row.iter().map(|p| (p.size as f64, p.p50)).collect();
        for w in xy.windows(2) {
            out += &format!(" {:+.2} |", slope(w[0], w[1]));
        }
        out += &match fitted_slope(&xy) {
            Some(b) => format!(" {b:+.2} |\n"),
            None => " |\n".to_string(),
        };
    }
    out
}

/// The log-log plot of every measurement's p50 against the size, as PNG.
fn draw(sizes: &[usize], points: &[Point]) -> Result<Vec<u8>> {
    use plotters::prelude::*;
    use plotters::style::FontStyle;
    plotters::style::register_font("sans-serif", FontStyle::Normal, dejavu::sans::regular())
        .map_err(|_| anyhow::anyhow!("the embedded font is not valid"))?;
    let (w, h) = (1000u32, 620u32);
    let mut buf = vec![0u8; (w * h * 3) as usize];
    let plot_err = |e: &dyn std::fmt::Display| anyhow::anyhow!("plotting failed: {e}");
    {
        let root = BitMapBackend::with_buffer(&mut buf, (w, h)).into_drawing_area();
        root.fill(&WHITE).map_err(|e| plot_err(&e))?;
        let lo = *sizes.first().context("no sizes")? as f64;
        let hi = *sizes.last().context("no sizes")? as f64;
        let ys: Vec<f64> = points
            .iter()
            .filter(|p| p.p50 > 0.0)
            .map(|p| p.p50)
            .collect();
        let ymin = ys.iter().cloned().fold(f64::INFINITY, f64::min) / 2.0;
        let ymax = ys.iter().cloned().fold(0.0, f64::max) * 2.0;
        let mut chart = ChartBuilder::on(&root)
            .caption(
                "partnerfit: p50 against roster size (log-log; RSS in MiB)",
                ("sans-serif", 22),
            )
            .margin(16)
            .x_label_area_size(40)
            .y_label_area_size(70)
            .build_cartesian_2d(
                (lo * 0.8..hi * 1.25).log_scale(),
                (ymin.max(1e-4)..ymax.max(1.0)).log_scale(),
            )
            .map_err(|e| plot_err(&e))?;
        chart
            .configure_mesh()
            .x_desc("partners")
            .y_desc("ms (p50)")
            .x_label_formatter(&|x| format!("{x:.0}"))
            .y_label_formatter(&|y| format!("{y}"))
            .label_style(("sans-serif", 14))
            .draw()
            .map_err(|e| plot_err(&e))?;
        for (i, (name, unit)) in MEASUREMENTS.iter().enumerate() {
            let line: Vec<(f64, f64)> = points
                .iter()
                .filter(|p| p.name == *name && p.p50 > 0.0)
                .map(|p| (p.size as f64, p.p50))
                .collect();
            if line.is_empty() {
                continue;
            }
            let color = Palette99::pick(i).to_rgba();
            let label = match fitted_slope(&line) {
                Some(b) => format!("{name} ({unit}), b = {b:+.2}"),
                None => format!("{name} ({unit})"),
            };
            chart
                .draw_series(LineSeries::new(line.clone(), color.stroke_width(2)))
                .map_err(|e| plot_err(&e))?
                .label(label)
                .legend(move |(x, y)| {
                    PathElement::new([(x, y), (x + 18, y)], color.stroke_width(2))
                });
            chart
                .draw_series(line.iter().map(|&p| Circle::new(p, 4, color.filled())))
                .map_err(|e| plot_err(&e))?;
        }
        chart
            .configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .label_font(("sans-serif", 13))
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .draw()
            .map_err(|e| plot_err(&e))?;
        root.present().map_err(|e| plot_err(&e))?;
    }
    let mut png = Vec::new();
    use image::ImageEncoder;
    image::codecs::png::PngEncoder::new(&mut png)
        .write_image(&buf, w, h, image::ColorType::Rgb8)
        .context("encode the plot as PNG")?;
    Ok(png)
}

// ---------------------------------------------------------------------------------------------------------
// The child: one size.

fn child(size: usize) -> Result<()> {
    let rt = Runtime::new().context("tokio runtime")?;
    let master = rt.block_on(sqlite_master(size))?;
    let dir = tempfile::tempdir()?;
    let copy = dir.path().join("app.db");
    std::fs::copy(&master, &copy).context("copy the bench database")?;
    let url = format!("sqlite://{}", copy.display());
    rt.block_on(measure(&url))?;
    if wanted("import_10_per_partner") {
        rt.block_on(import(size, &master, dir.path()))?;
    }
    Ok(())
}

/// Print one point for the parent, and say it on stderr.
fn report(name: &str, n: usize, p50: f64, p99: f64) {
    eprintln!("  {name:<24} n={n:<5} p50 {p50:>10.3}  p99 {p99:>10.3}");
    println!("{name}\t{n}\t{p50:.4}\t{p99:.4}");
}

/// `VmRSS` and `VmHWM` of this process, in MiB.
fn memory_mib() -> Result<(f64, f64)> {
    let status = std::fs::read_to_string("/proc/self/status").context("read /proc/self/status")?;
    let field = |name: &str| -> Result<f64> {
        let line = status
            .lines()
            .find(|l| l.starts_with(name))
            .with_context(|| format!("{name} in /proc/self/status"))?;
        let kib: f64 = line
            .split_whitespace()
            .nth(1)
            .context("a number")?
            .parse()?;
        Ok(kib / 1024.0)
    };
    Ok((field("VmRSS:")?, field("VmHWM:")?))
}

/// Time `n` single calls (after `n / 10` untimed ones) and report their p50 and p99 in ms.
async fn percentiles<F, Fut>(name: &str, n: usize, mut f: F) -> Result<()>
where
    F: FnMut(usize) -> Fut,
    Fut: Future<Output = Result<()>>,
{
    if !wanted(name) {
        return Ok(());
    }
    for i in n..n + (n / 10).max(1) {
        f(i).await?;
    }
    let mut times = Vec::with_capacity(n);
    for i in 0..n {
        let t = Instant::now();
        f(i).await?;
        times.push(t.elapsed().as_secs_f64() * 1e3);
    }
    times.sort_by(|a, b| a.total_cmp(b));
    let at = |q: f64| times[((times.len() as f64 - 1.0) * q).round() as usize];
    report(name, n, at(0.5), at(0.99));
    Ok(())
}

async fn measure(url: &str) -> Result<()> {
    let store = Store::open(url).await?;
    let app = App::new(store, Arc::new(SystemClock));
    let ctx = Ctx {
        workspace: WS.into(),
        user: "bench".into(),
        role: Role::Lead,
        channel_id: None,
    };
    let settings = app.settings(WS).await?;
    let last_week = Week::containing(today()).prev();
    let last_quarter = Quarter::containing(today()).prev();

    // The first digest of a fresh process: the evidence cache's first load, timed alone, then the digest; the
    // resident set right after it.
    let t = Instant::now();
    drop(app.evidence.get(&app.store, WS).await?);
    let load = t.elapsed().as_secs_f64() * 1e3;
    digest::weekly(&app, WS, &settings, last_week).await?;
    let (rss, hwm) = memory_mib()?;
    if wanted("evidence_cache_load") {
        report("evidence_cache_load", 1, load, load);
    }
    if wanted("rss_after_digest") {
        eprintln!(
            "  (evidence cache: {} records; VmHWM {hwm:.1} MiB)",
            app.evidence.records()
        );
        report("rss_after_digest", 1, rss, hwm);
    }

    let mut names: Vec<String> = app
        .store
        .partner_names(WS)
        .await?
        .into_iter()
        .map(|(_, n)| n)
        .collect();
    // The same fixed shuffle as `benches/scale.rs`: consecutive calls hit different partners (and pages).
    names.sort_by_key(|n| {
        n.bytes().fold(0xcbf29ce484222325_u64, |h, b| {
            (h ^ b as u64).wrapping_mul(0x100000001b3)
        })
    });
    let name = |i: usize| names[i % names.len()].clone();
    let (app, ctx) = (&app, &ctx);
    // The first `/partner list` of a fresh process: each call a new app over the same database, its evidence
    // cache empty; pages spread over the roster. The page screens its 15 partners from their own records
    // and leaves the cache empty (checked).
    let pages = names.len().div_ceil(PAGE_LINES);
    percentiles("partner_list_cold", 200, |i| async move {
        let fresh = App::new(app.store.clone(), Arc::new(SystemClock));
        let roster = ListId::Roster {
            partner_type: None,
            stage: None,
            verdict: None,
        };
        let r = lists::page(&fresh, ctx, roster, i * 7_919 % pages).await?;
        anyhow::ensure!(!r.card.lines.is_empty(), "an empty page");
        anyhow::ensure!(
            fresh.evidence.workspaces() == 0,
            "the page loaded the cache"
        );
        Ok(())
    })
    .await?;
    percentiles("screen_one", 2000, |i| {
        let inv = Invocation::new(&["screen"]).with("partner", name(i));
        async move {
            dispatch(app, ctx, &inv).await?;
            Ok(())
        }
    })
    .await?;
    percentiles("screen_unknown", 1000, |i| {
        let inv = Invocation::new(&["screen"]).with("partner", UNKNOWN[i % UNKNOWN.len()]);
        async move {
            let r = dispatch(app, ctx, &inv).await?;
            anyhow::ensure!(r.json()["on_roster"] == false, "an unknown name was found");
            Ok(())
        }
    })
    .await?;
    let names = app.store.partner_names(WS).await?;
    let expected = suggested(names.iter().map(|(_, name)| name.as_str()));
    let expected = &expected;
    percentiles("autocomplete", 2000, |i| async move {
        let prefix = PREFIXES[i % PREFIXES.len()];
        let got = app.store.search_partners(WS, prefix, SUGGESTIONS).await?;
        let want = expected[i % PREFIXES.len()];
        anyhow::ensure!(
            got.len() == want,
            "autocomplete of {prefix:?} suggested {} names, not {want}",
            got.len()
        );
        Ok(())
    })
    .await?;
    let settings = &settings;
    percentiles("weekly_digest", 10, |_| async move {
        let d = digest::weekly(app, WS, settings, last_week).await?;
        anyhow::ensure!(d.hours_total.centi() > 0, "an empty week");
        Ok(())
    })
    .await?;
    percentiles("quarterly_recheck", 10, |_| async move {
        let d = digest::quarterly(app, WS, settings, last_quarter).await?;
        anyhow::ensure!(d.cohort > 0, "an empty cohort");
        Ok(())
    })
    .await?;
    let partners = names.len();
    percentiles("roster_export", 5, |_| async move {
        let mut out = Vec::with_capacity(4 << 20);
        let rows = export::write(app, WS, ExportKind::Roster, &mut out).await?;
        anyhow::ensure!(rows as usize == partners, "{rows} rows of {partners}");
        Ok(())
    })
    .await?;
    app.store.close().await;
    Ok(())
}

/// 10 evidence rows per partner, as CSV (the shape of `benches/scale.rs`'s import).
fn import_csv(names: &[String], rows: usize) -> Vec<u8> {
    let mut out = b"partner,trait,met,value,source,note,observed\n".to_vec();
    let start = today() - Duration::days(20);
    for i in 0..rows {
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

/// The import of 10 rows per partner into a fresh copy of the generated file, `n` times (3 up to 10,000
/// partners, once above: each copy of a 100,000-partner file is 1.3 GB).
async fn import(size: usize, master: &Path, dir: &Path) -> Result<()> {
    let names: Vec<String> = {
        let store = Store::open(&format!("sqlite://{}", master.display())).await?;
        let names = store.partner_names(WS).await?;
        store.close().await;
        names.into_iter().map(|(_, n)| n).collect()
    };
    let csv = import_csv(&names, IMPORT_PER_PARTNER * size);
    let runs = if size <= 10_000 { 3 } else { 1 };
    let mut times = Vec::new();
    for k in 0..runs {
        let copy = dir.join(format!("import-{k}.db"));
        std::fs::copy(master, &copy).context("copy for the import")?;
        let store = Store::open(&format!("sqlite://{}", copy.display())).await?;
        let app = App::new(store, Arc::new(SystemClock));
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
        let t = Instant::now();
        let r = import::run(&app, WS, &opts, &csv[..]).await?;
        times.push(t.elapsed().as_secs_f64() * 1e3);
        anyhow::ensure!(!r.failed(), "{}", r.failure_text());
        app.store.close().await;
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", copy.display()));
        }
    }
    times.sort_by(|a, b| a.total_cmp(b));
    report(
        "import_10_per_partner",
        runs,
        times[times.len() / 2],
        times[times.len() - 1],
    );
    Ok(())
}
