//! Many teams at once (issue 21, item 5): one deployment serving 1,000 Discord servers of 50 partners each,
//! every one with a weekly digest due at the same instant, posted through the test suite's fake Discord with
//! Discord's rate limits on (50 requests a second over every route, 5 messages per 5 s per channel, `429`s with
//! `retry_after` and the `X-RateLimit-*` headers).
//!
//! The servers keep their clocks in mixed time zones (UTC, Europe/London, Africa/Abidjan, Atlantic/Reykjavik,
//! Europe/Paris, America/New_York), and each one's cron names the same instant in its own local time: the
//! "Monday 09:00" of the issue, moved to the next whole minute after the setup so that the real binary fires it
//! on the wall clock (it has no clock to set; the code path is the same on any day).
//!
//! Each scenario runs the release binary `partnerfit run`: one process on SQLite, then (with
//! `PARTNERFIT_BENCH_POSTGRES=postgres://postgres@127.0.0.1`) one and three processes on one PostgreSQL database,
//! all on one bot token and so one rate-limit budget. It prints, per scenario: the time from the fire time to the
//! last post, the 429s the fake answered (global and per route), the requests sent before the end of a wait the
//! fake had announced, the exactly-once check (one message per channel, distinct nonces, each period recorded
//! posted at the first attempt), the bots' CPU time per digest (each digest draws one chart; the CPU includes
//! reading, screening and posting too; the CPU of drawing one chart alone is printed first), the peak RSS (VmHWM,
//! the largest of the processes) and the RSS after the fan-out. The bench fails when a digest is lost or doubled
//! (counted by the create requests the fake saw: like Discord, it answers a repeated nonce with the first message,
//! so the channel holds one either way), when a request came before the end of a wait the fake had announced, or,
//! with one process, when the fake answered a global 429. Several processes share the token's global budget through
//! the database (`src/discord/ratelimit.rs`) and keep under its limit together, but a process delayed past one of its
//! slots (a busy CPU) can still bunch with the next process's: their global 429s are counted and printed, not
//! refused (each is waited out and the message sent again with its nonce, so none loses or doubles a digest).
//!
//! `cargo bench --bench fanout` runs 1,000 servers (`PARTNERFIT_FANOUT_SERVERS` overrides); without `--bench`
//! (as under `cargo test --benches`) it runs 12 servers of 5 partners on SQLite, as a smoke test.

#[path = "common/args.rs"]
mod args;
// The file allows dead code itself.
#[path = "../tests/it/support/fake_discord/mod.rs"]
mod fake_discord;

#[allow(dead_code)]
#[path = "../tests/it/support/bot.rs"]
mod bot;
#[path = "../tests/it/support/http.rs"]
#[allow(dead_code)]
mod http;

use anyhow::{bail, Context as _};
use bot::Bot;
use chrono::{DateTime, Datelike, Duration as Span, NaiveDate, Timelike, Utc};
use fake_discord::{FakeConfig, FakeDiscord, FakeOptions, RateLimits};
use partnerfit::app::digest;
use partnerfit::app::{App, Ctx};
use partnerfit::domain::{DigestKind, Role, Week};
use partnerfit::generate::{generate_with, Depth, Spec};
use partnerfit::store::Store;
use std::collections::HashSet;
use std::path::Path;
use std::time::{Duration, Instant};

const GUILD0: u64 = 100_000;
const CHANNEL0: u64 = 500_000;
/// History per partner: enough for a weekly digest (its trend and this week's screening), a tenth of what
/// `partnerfit generate` writes, so that 1,000 servers are written in minutes.
const DEPTH: Depth = Depth {
    evidence_per_trait: 2,
    weeks: 13,
};
const ZONES: &[&str] = &[
    "UTC",
    "Europe/London",
    "Africa/Abidjan",
    "Atlantic/Reykjavik",
    "Europe/Paris",
    "America/New_York",
];

struct Size {
    servers: u64,
    partners: usize,
}

/// What one scenario measured.
struct Outcome {
    name: String,
    last_post: Duration,
    posts: usize,
    global_429: usize,
    route_429: usize,
    early_global: usize,
    early_route: usize,
    cpu_seconds: f64,
    peak_rss_kib: u64,
    rss_after_kib: u64,
    peak_per_second: usize,
    /// Why the scenario fails although every digest was posted once (a global 429, an early request).
    refused: Vec<String>,
}

fn proc_status(pid: u32, key: &str) -> anyhow::Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    status
        .lines()
        .find_map(|l| l.strip_prefix(key))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .with_context(|| format!("no {key}"))
}

/// User + system CPU time of a process, in seconds.
fn cpu_seconds(pid: u32) -> anyhow::Result<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))?;
    // The fields after the command name (which is in parentheses and may hold spaces).
    let rest = stat.rsplit_once(')').context("stat")?.1;
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 =
        f.get(11).context("utime")?.parse::<f64>()? + f.get(12).context("stime")?.parse::<f64>()?;
    // Clock ticks are 100 a second on Linux.
    Ok(ticks / 100.0)
}

/// The servers: one channel each, the bot allowed to post there.
fn config(size: &Size) -> FakeConfig {
    FakeConfig::servers(size.servers, GUILD0, CHANNEL0, "partners")
}

/// Write the servers' workspaces (profiles, partners, evidence, hours) and their time zones.
async fn populate(url: &str, size: &Size, until: NaiveDate) -> anyhow::Result<()> {
    let store = Store::open(url).await?;
    let started = Instant::now();
    for i in 0..size.servers {
        let spec = Spec {
            workspace: (GUILD0 + i).to_string(),
            partners: size.partners,
            seed: i,
            until,
        };
        generate_with(&store, &spec, DEPTH).await?;
    }
    let app = App::with_wall_clock(store.clone());
    for i in 0..size.servers {
        let zone = ZONES[i as usize % ZONES.len()];
        line(&app, i, &format!("/settings set key:timezone value:{zone}")).await?;
    }
    println!(
        "  wrote {} servers of {} partners in {:.1} s",
        size.servers,
        size.partners,
        started.elapsed().as_secs_f64()
    );
    store.close().await;
    Ok(())
}

/// Run a console line as a lead of server `i`.
async fn line(app: &App, i: u64, text: &str) -> anyhow::Result<()> {
    let ctx = Ctx {
        workspace: (GUILD0 + i).to_string(),
        user: "ana".into(),
        role: Role::Lead,
        channel_id: None,
    };
    let out = partnerfit::console::handle_line(app, &ctx, text)
        .await
        .map(|o| o.to_json())
        .unwrap_or_default();
    if out["ok"] != true {
        bail!("{text}: {out}");
    }
    Ok(())
}

/// Schedule every server's weekly digest for `fire`, written as its own local time.
async fn schedule(url: &str, size: &Size, fire: DateTime<Utc>) -> anyhow::Result<()> {
    let store = Store::open(url).await?;
    let app = App::with_wall_clock(store.clone());
    for i in 0..size.servers {
        let tz: chrono_tz::Tz = ZONES[i as usize % ZONES.len()]
            .parse()
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        let local = fire.with_timezone(&tz);
        let dow = local.weekday().num_days_from_sunday();
        let cron = format!("{} {} * * {dow}", local.minute(), local.hour());
        line(
            &app,
            i,
            &format!(
                r#"/schedule set digest:weekly cron:"{cron}" channel:{}"#,
                CHANNEL0 + i
            ),
        )
        .await?;
    }
    store.close().await;
    Ok(())
}

/// One scenario: `processes` bots on the database at `url`, populated already.
async fn scenario(
    name: &str,
    url: &str,
    dir: &Path,
    size: &Size,
    processes: usize,
) -> anyhow::Result<Outcome> {
    let fake = FakeDiscord::start_with_options(
        config(size),
        FakeOptions {
            rate_limits: Some(RateLimits::discord()),
            ..FakeOptions::default()
        },
    )
    .await?;
    let env = [
        ("PARTNERFIT_LOG", "info"),
        // The schedules are written by this bench after the bots start: let them look every 2 s.
        ("PARTNERFIT_SCHEDULER_MAX_SLEEP_SECONDS", "2"),
    ];
    let bots: Vec<Bot> = (0..processes)
        .map(|_| Bot::start_on(&fake, dir, url, &[], &env))
        .collect();
    if let Err(e) = fake
        .wait_live_sessions(processes, Duration::from_secs(120))
        .await
    {
        let logs: Vec<String> = bots.iter().map(Bot::log_text).collect();
        bail!("the bots never got READY: {e}\n{}", logs.join("\n---\n"));
    }
    // Every process registered its commands: past its start-up, its cache filled.
    let deadline = Instant::now() + Duration::from_secs(120);
    while fake.count_requests(|r| r.method == "PUT" && r.path.ends_with("/commands")) < processes {
        if Instant::now() > deadline {
            bail!("the bots did not register their commands");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // The next whole minute far enough away for the schedules to be written before it: 20 s for 1,000 servers,
    // 3 s for the smoke run's 12 (whose wait for the minute is most of its time).
    let margin = 3 + (size.servers * 17).div_ceil(1000);
    let soon = Utc::now() + Span::seconds(i64::try_from(margin)?);
    let fire = soon
        .with_second(0)
        .and_then(|t| t.with_nanosecond(0))
        .context("time")?
        + Span::minutes(1);
    schedule(url, size, fire).await?;
    let to_fire = (fire - Utc::now()).to_std().unwrap_or_default();
    let fire_at = Instant::now() + to_fire;
    tokio::time::sleep(to_fire.saturating_sub(Duration::from_secs(1))).await;
    let cpu_before: f64 = bots
        .iter()
        .map(|b| cpu_seconds(b.pid()))
        .sum::<anyhow::Result<f64>>()?;

    let expected = size.servers as usize;
    let is_post = |r: &fake_discord::Recorded| {
        r.method == "POST" && r.path.ends_with("/messages") && r.is_success()
    };
    let deadline = fire_at + Duration::from_secs(300);
    while fake.count_requests(is_post) < expected {
        if Instant::now() > deadline {
            bail!(
                "{name}: only {} of {expected} digests posted 300 s after the fire time",
                fake.count_requests(is_post)
            );
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let last = fake.last_request_at(is_post).context("no post")?;
    let cpu_after: f64 = bots
        .iter()
        .map(|b| cpu_seconds(b.pid()))
        .sum::<anyhow::Result<f64>>()?;
    let mut peak_rss_kib = 0;
    let mut rss_after_kib = 0;
    for b in &bots {
        peak_rss_kib = peak_rss_kib.max(proc_status(b.pid(), "VmHWM:")?);
        rss_after_kib = rss_after_kib.max(proc_status(b.pid(), "VmRSS:")?);
    }
    // Two more looks of every scheduler (2 s apart): still exactly one message per channel.
    tokio::time::sleep(Duration::from_secs(5)).await;
    let posts = fake
        .requests()
        .into_iter()
        .filter(|r| is_post(r))
        .collect::<Vec<_>>();
    let mut channels = HashSet::new();
    let mut nonces = HashSet::new();
    for p in &posts {
        if !channels.insert(p.path.clone()) {
            bail!("{name}: two messages in {}", p.path);
        }
        let nonce = p.body["nonce"].as_str().unwrap_or_default().to_string();
        if !nonces.insert(nonce) {
            bail!("{name}: a nonce used twice");
        }
    }
    if posts.len() != expected {
        bail!("{name}: {} posts for {expected} servers", posts.len());
    }
    // Each server's period recorded posted, at the first attempt (no 429 made a run fail and be retried).
    let store = Store::open(url).await?;
    for i in 0..size.servers {
        let run = store
            .latest_run(&(GUILD0 + i).to_string(), DigestKind::Weekly)
            .await?
            .context("no run recorded")?;
        if run.posted_at.is_none() || run.attempts != 1 || run.late {
            bail!("{name}: server {i}'s run: {run:?}");
        }
    }
    store.close().await;
    let sent = fake.rate_limited();
    let early = fake.early_requests();
    let (early_global, early_route): (Vec<_>, Vec<_>) =
        early.iter().partition(|e| e.route == "(global)");
    // The processes share the token's global budget through the database: together they keep under the limit,
    // and none sends while another waits out a 429. One process never meets a global 429; several may, when one
    // is late for its slot (counted, see the file's doc). Refused after the figures are printed.
    let mut refused = Vec::new();
    if !early.is_empty() {
        refused.push(format!("requests before an announced reset: {early:?}"));
    }
    let global = sent.iter().filter(|s| s.global).count();
    if global > 0 && processes == 1 {
        refused.push(format!(
            "{global} global 429s (one process overran the token's budget)"
        ));
    }
    if fake.repeated_nonces() > 0 {
        refused.push(format!("{} posts repeated a nonce", fake.repeated_nonces()));
    }
    let outcome = Outcome {
        name: name.to_string(),
        last_post: last.saturating_duration_since(fire_at),
        posts: posts.len(),
        global_429: sent.iter().filter(|s| s.global).count(),
        route_429: sent.iter().filter(|s| !s.global).count(),
        early_global: early_global.len(),
        early_route: early_route.len(),
        cpu_seconds: cpu_after - cpu_before,
        peak_rss_kib,
        rss_after_kib,
        peak_per_second: fake.peak_per_second(),
        refused,
    };
    for b in bots {
        b.terminate().await;
    }
    fake.shutdown().await;
    Ok(outcome)
}

fn report(o: &Outcome) {
    println!(
        "{}: {} digests posted once each; last post {:.1} s after the fire time; 429s: {} global, {} per route; \
         requests during an announced wait: {} global, {} per route; most requests accepted in one second: {}; CPU {:.1} s = {:.1} ms per digest (one chart each); \
         peak RSS {:.0} MiB; RSS after {:.0} MiB",
        o.name,
        o.posts,
        o.last_post.as_secs_f64(),
        o.global_429,
        o.route_429,
        o.early_global,
        o.early_route,
        o.peak_per_second,
        o.cpu_seconds,
        1000.0 * o.cpu_seconds / o.posts.max(1) as f64,
        o.peak_rss_kib as f64 / 1024.0,
        o.rss_after_kib as f64 / 1024.0,
    );
}

/// A fresh PostgreSQL database under `base` (a copy of `template` when given); its URL.
async fn postgres_database(
    base: &str,
    name: &str,
    template: Option<&str>,
) -> anyhow::Result<String> {
    let admin = Store::connect(&format!("{}/postgres", base.trim_end_matches('/'))).await?;
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "DROP DATABASE IF EXISTS {name}"
    )))
    .execute(admin.pool())
    .await?;
    let copy = template
        .map(|t| format!(" TEMPLATE {t}"))
        .unwrap_or_default();
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}{copy}")))
        .execute(admin.pool())
        .await?;
    admin.close().await;
    Ok(format!("{}/{name}", base.trim_end_matches('/')))
}

/// Gather PostgreSQL's planner statistics of the database at `url`, as autovacuum does in a deployment once its
/// tables have grown. The scenarios' databases are copies of the template (`CREATE DATABASE … TEMPLATE`), which
/// carry its statistics but not its counts of changed rows: autovacuum never analyzes a copy whose rows were all
/// written before the copy. Without statistics the planner reads every evidence record of the 1,000 servers
/// (500,000, a parallel sequential scan) for each digest's fifty partners, where the index finds them.
async fn analyze(url: &str) -> anyhow::Result<()> {
    let store = Store::connect(url).await?;
    sqlx::query("ANALYZE").execute(store.pool()).await?;
    store.close().await;
    Ok(())
}

async fn drop_postgres_database(base: &str, name: &str) -> anyhow::Result<()> {
    let admin = Store::connect(&format!("{}/postgres", base.trim_end_matches('/'))).await?;
    sqlx::query(sqlx::AssertSqlSafe(format!(
        "DROP DATABASE IF EXISTS {name}"
    )))
    .execute(admin.pool())
    .await?;
    admin.close().await;
    Ok(())
}

/// CPU time of the calling thread, in seconds.
fn thread_cpu_seconds() -> f64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes the timespec it is given and nothing else.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    ts.tv_sec as f64 + ts.tv_nsec as f64 / 1e9
}

/// The CPU time of drawing one weekly chart alone: the first server's digest of this week, drawn 50 times on
/// one thread (what the scheduler runs on a blocking thread per digest).
async fn chart_cpu_ms(url: &str) -> anyhow::Result<f64> {
    let store = Store::open(url).await?;
    let app = App::with_wall_clock(store.clone());
    let ws = GUILD0.to_string();
    let settings = app.settings(&ws).await?;
    let week = Week::containing(app.today(&settings));
    let d = digest::weekly(&app, &ws, &settings, week).await?;
    let n = 50;
    let start = thread_cpu_seconds();
    for _ in 0..n {
        std::hint::black_box(digest::weekly_chart(&d)?);
    }
    let per = (thread_cpu_seconds() - start) / n as f64;
    store.close().await;
    Ok(per * 1000.0)
}

async fn run(size: Size) -> anyhow::Result<()> {
    let until = Utc::now().date_naive();
    let dir = tempfile::tempdir()?;
    println!(
        "fan-out: {} servers of {} partners, weekly digests due at one instant in {} time zones",
        size.servers,
        size.partners,
        ZONES.len()
    );
    let sqlite = format!("sqlite://{}", dir.path().join("fanout.db").display());
    populate(&sqlite, &size, until).await?;
    println!(
        "  one weekly chart alone: {:.2} ms of CPU (50 drawn on one thread)",
        chart_cpu_ms(&sqlite).await?
    );
    let sqlite_outcome = scenario("1 process, SQLite", &sqlite, dir.path(), &size, 1).await?;
    report(&sqlite_outcome);
    let mut refused: Vec<String> = sqlite_outcome
        .refused
        .iter()
        .map(|r| format!("{}: {r}", sqlite_outcome.name))
        .collect();
    if let Some(base) = std::env::var("PARTNERFIT_BENCH_POSTGRES")
        .ok()
        .filter(|u| !u.is_empty())
    {
        // Written once, copied for each scenario (CREATE DATABASE … TEMPLATE).
        let template = format!("partnerfit_fanout_{}_template", std::process::id());
        let url = postgres_database(&base, &template, None).await?;
        populate(&url, &size, until).await?;
        analyze(&url).await?;
        for processes in [1, 3] {
            let name = format!("partnerfit_fanout_{}_{processes}", std::process::id());
            let url = postgres_database(&base, &name, Some(&template)).await?;
            let label = format!(
                "{processes} process{}, PostgreSQL",
                if processes > 1 { "es" } else { "" }
            );
            let outcome = scenario(&label, &url, dir.path(), &size, processes).await;
            drop_postgres_database(&base, &name).await?;
            match outcome {
                Ok(o) => {
                    report(&o);
                    refused.extend(o.refused.iter().map(|r| format!("{}: {r}", o.name)));
                }
                Err(e) => {
                    drop_postgres_database(&base, &template).await?;
                    return Err(e);
                }
            }
        }
        drop_postgres_database(&base, &template).await?;
    }
    if !refused.is_empty() {
        bail!("{}", refused.join("\n"));
    }
    Ok(())
}

fn main() -> anyhow::Result<()> {
    let bench = args::measuring();
    let size = if bench {
        Size {
            servers: std::env::var("PARTNERFIT_FANOUT_SERVERS")
                .ok()
                .and_then(|v| v.parse().ok())
                .unwrap_or(1_000),
            partners: 50,
        }
    } else {
        Size {
            servers: 12,
            partners: 5,
        }
    };
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?
        .block_on(run(size))
}
