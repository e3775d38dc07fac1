//! What operating partnerfit like a service costs per interaction (issue 18, item 6): the work `partnerfit
//! run` does around each interaction besides answering it — the outcome scope the chat front end opens
//! (`app::outcome::observed`, in which the use cases note the role and the outcome), the command's name from
//! the command table (`spec::find`, or on Slack `slack::observe::command_of` reading the typed line), and
//! `service::interaction`: the two Prometheus series and the `interaction` log event.
//!
//! Measured twice in one process, before and after the Prometheus recorder is installed: without it (the
//! listener off, the default) every `metrics` call is a no-op; with it (`[http] listen` set) the counter and
//! the histogram are recorded. Each both without a log subscriber and with the one `partnerfit run` installs
//! for `log_format = "json"` (level `info`, no targets), writing to a sink: the event is formatted as in
//! production, its write to stderr/journald is not timed. The answer itself is an empty future (`bare`), so
//! what is left is the instrumentation. The commands rotate over six names and four outcomes, as a
//! workspace's would. With the recorder, the histogram's samples wait in memory until a scrape drains them:
//! the bench renders the scrape after every batch, outside the timed part (that is the scrape's cost, paid
//! by the listener's task).
//!
//! Criterion reports the mean of batches; the printed lines `instrumentation …: p50 … p99 …` time 200,000
//! single calls each. Run pinned to one CPU: `taskset -c 1 cargo bench --bench instrumentation`. Without
//! `--bench` (as under `cargo test --benches`) each part runs briefly, as a smoke test.

#[path = "common/args.rs"]
mod args;
use criterion::Criterion;
use partnerfit::app::outcome::{self, Outcome};
use partnerfit::app::spec;
use partnerfit::domain::Role;
use partnerfit::service::{self, Source};
use std::hint::black_box;
use std::time::{Duration, Instant};

/// Command paths, in turn (what the series are labelled with).
const COMMANDS: &[&[&str]] = &[
    &["screen"],
    &["evidence", "add"],
    &["partner", "list"],
    &["log", "hours"],
    &["digest", "weekly"],
    &["profile", "show"],
];
const OUTCOMES: &[Outcome] = &[
    Outcome::Ok,
    Outcome::Ok,
    Outcome::UserError,
    Outcome::Refused,
];
/// Slack command lines, in turn.
const LINES: &[&str] = &[
    r#"screen partner:"Acme Corp""#,
    r#"evidence add partner:"Acme Corp" trait:"Customer overlap" value:31 source:"overlap report""#,
    "partner list",
    r#"log hours partner:"Acme Corp" hours:6 week:2026-W10"#,
];

/// An interaction's answer, without the answering: the use cases' notes (a role, an outcome).
async fn answer(i: usize) {
    outcome::note_role(Role::Member);
    outcome::note(OUTCOMES[i % OUTCOMES.len()]);
}

/// The Discord path: scope, name from the table, series and log event.
async fn discord(i: usize) {
    let arrived = Instant::now();
    let ((), seen) = outcome::observed(answer(i)).await;
    let name =
        spec::find(COMMANDS[i % COMMANDS.len()]).map_or_else(|| "unknown".into(), |s| s.name());
    service::interaction(
        &name,
        Source::Discord {
            guild: Some(1_234_567_890),
        },
        seen.role,
        seen.outcome.unwrap_or(Outcome::UserError),
        arrived.elapsed(),
    );
}

/// The Slack path: the name read from the typed line, then the same.
async fn slack(i: usize) {
    let arrived = Instant::now();
    let name = partnerfit::slack::observe::command_of(LINES[i % LINES.len()]);
    let ((), seen) = outcome::observed(answer(i)).await;
    service::interaction(
        &name,
        Source::Slack {
            workspace: "slack:T0FAKE01",
        },
        seen.role,
        seen.outcome.unwrap_or(Outcome::UserError),
        arrived.elapsed(),
    );
}

#[derive(Clone, Copy, PartialEq)]
enum Path {
    Bare,
    Discord,
    Slack,
}

async fn run(path: Path, i: usize) {
    match path {
        Path::Bare => answer(i).await,
        Path::Discord => discord(i).await,
        Path::Slack => slack(i).await,
    }
}

/// The JSON log subscriber of `partnerfit run` (`log_format = "json"`), writing to a sink.
fn json_logs() -> impl tracing::Subscriber + Send + Sync {
    tracing_subscriber::fmt()
        .with_env_filter(tracing_subscriber::EnvFilter::new("info"))
        .with_writer(std::io::sink)
        .with_target(false)
        .json()
        .finish()
}

fn ns(d: Duration) -> f64 {
    d.as_secs_f64() * 1e9
}

/// p50 and p99 of `n` single calls.
fn percentiles(rt: &tokio::runtime::Runtime, path: Path, n: usize, label: &str) {
    let mut v = Vec::with_capacity(n);
    rt.block_on(async {
        for i in 0..n {
            let t = Instant::now();
            run(path, i).await;
            v.push(t.elapsed());
        }
    });
    v.sort_unstable();
    let at = |q: f64| v[((v.len() - 1) as f64 * q).round() as usize];
    eprintln!(
        "instrumentation {label}: p50 {:.0} ns, p99 {:.0} ns, max {:.0} ns over {n} single calls",
        ns(at(0.5)),
        ns(at(0.99)),
        ns(at(1.0))
    );
}

fn group(
    c: &mut Criterion,
    rt: &tokio::runtime::Runtime,
    recorder: &str,
    scrape: &dyn Fn(),
    single: usize,
) {
    for logs in ["no_logs", "json_logs"] {
        let _guard = (logs == "json_logs").then(|| tracing::subscriber::set_default(json_logs()));
        let mut g = c.benchmark_group(format!("instrumentation/{recorder}/{logs}"));
        for (name, path) in [
            ("bare", Path::Bare),
            ("discord", Path::Discord),
            ("slack", Path::Slack),
        ] {
            if path == Path::Bare && (recorder != "recorder_off" || logs != "no_logs") {
                continue;
            }
            g.bench_function(name, |b| {
                b.iter_custom(|iters| {
                    let started = Instant::now();
                    rt.block_on(async {
                        for i in 0..iters as usize {
                            run(path, i).await;
                        }
                    });
                    let took = started.elapsed();
                    scrape();
                    took
                })
            });
            percentiles(rt, path, single, &format!("{recorder}/{logs}/{name}"));
            scrape();
        }
        g.finish();
    }
}

fn main() {
    let bench = args::measuring();
    let single = if bench { 200_000 } else { 1_000 };
    let mut c = Criterion::default().without_plots().configure_from_args();
    if !bench {
        c = c
            .warm_up_time(Duration::from_millis(50))
            .measurement_time(Duration::from_millis(100))
            .sample_size(10);
    }
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    // Before: no recorder, as with the listener off.
    group(&mut c, &rt, "recorder_off", &|| {}, single);
    // After: the recorder `partnerfit run` installs with the listener on.
    let exporter = partnerfit::service::metrics::install().expect("the recorder installs once");
    let scrape = move || {
        black_box(exporter.render());
    };
    group(&mut c, &rt, "recorder_on", &scrape, single);
    c.final_summary();
}
