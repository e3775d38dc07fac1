//! End-to-end figures for BENCHMARKS.md, against a generated workspace of 10,000 partners
//! (`PARTNERFIT_BENCH_PARTNERS` overrides the size) in the fake's standard guild:
//!
//! * `e2e/screen` (a partner on the roster), `e2e/screen_unknown` (a name not on it: the closest names
//!   and the traits to check) and `e2e/autocomplete` (the partner option of `/screen`, typed prefixes
//!   such as "Acme"): the real release binary `partnerfit run` against the test suite's fake Discord
//!   (REST + gateway on 127.0.0.1). One iteration is one interaction, timed from the moment the bench
//!   hands it to the fake (which validates it and writes INTERACTION_CREATE to the gateway socket) to
//!   the moment the fake records the bot's successful `POST /interactions/{id}/{token}/callback`.
//!   Criterion's iterations are sent 45 ms apart (the pause is not timed), as people type; the fake sets
//!   TCP_NODELAY on its sockets (before it did, a frame written within Linux's 40 ms delayed-ACK time of
//!   the previous one waited for that ACK). Criterion reports mean and median; the printed lines
//!   `e2e <kind>: … p50 … p99 …` give percentiles both back to back and spaced.
//! * `e2e floor …` (printed lines): the end-to-end floor. The bench binary started again as a minimal
//!   serenity bot ([`floor`]: same serenity, same client setup and intents, one fixed reply, no database)
//!   on a second fake Discord of the same kind, then `/screen` with the same payloads to the real bot and to
//!   the floor, alternately, in two rounds (`PARTNERFIT_BENCH_FLOOR_ROUNDS`, 1 to 20) of 1,000 back to back
//!   and 200 spaced each: percentiles of both and the ratio `/screen / floor`. The fake finds each callback
//!   by its interaction's id, so its own work per interaction does not grow with the requests it has
//!   recorded (it ran on the CPU the bot shares when pinned, and the bot's fake had recorded thousands more
//!   than the floor's by then).
//! * The bot's RSS (VmRSS, and VmHWM as the peak) 2 s after READY, after the percentile runs, and 2 s
//!   after every interaction (`idle RSS …`).
//! * `e2e listener …` (printed lines): the cost of the operations listener (issue 18). The bot is started
//!   again on the same database four times, alternately without and with `PARTNERFIT_HTTP_LISTEN` (the
//!   Prometheus recorder installed, `/metrics` scraped once after READY): its RSS 2 s after READY (`idle`),
//!   then `/screen` back to back and spaced as above, and its RSS after them.
//! * `cold_start/ready`: spawning `partnerfit --database sqlite://<fresh file> run` until the fake has
//!   sent READY on a live gateway connection (migrations of the fresh database included), and
//!   `cold_start/migrate`: spawning `partnerfit --database sqlite://<fresh file> migrate` until it exits.
//!
//! * `e2e slack …` (printed lines): the same generated workspace as a Slack team's, the release binary with
//!   Slack tokens against the test suite's fake Slack (Socket Mode and Web API on 127.0.0.1), and
//!   `/partnerfit screen partner:"…"` from the moment the fake writes the `slash_commands` envelope to the
//!   socket to the moment it receives the envelope's acknowledgement (`ack`) and the reply POSTed to the
//!   command's `response_url` (`screen`): Slack's path is an acknowledgement, then a separate HTTP request,
//!   where Discord's is one interaction callback. Iterations are spaced like Discord's.
//!
//! Run with `cargo bench --bench e2e`; `cargo bench --bench e2e -- NAME` runs only the parts whose name
//! contains NAME (`screen`, `screen_unknown`, `autocomplete`, `floor`, `slack`, `listener`, `cold_start`; the
//! bot is started and checked in any case). Without `--bench` (as under `cargo test --benches`) every part runs
//! once on a small workspace, as a smoke test.
//!
//! The floor bot, the listener's cost, Slack's percentiles and the cold starts are modules of their own in
//! `benches/e2e/`.

// The file allows dead code itself.
#[path = "../tests/it/support/fake_discord/mod.rs"]
mod fake_discord;

#[allow(dead_code)]
#[path = "../tests/it/support/bot.rs"]
mod bot;

#[allow(dead_code)]
#[path = "../tests/it/support/http.rs"]
mod http;

// The file allows dead code itself.
#[path = "../tests/it/support/fake_slack/mod.rs"]
mod fake_slack;

#[path = "common/args.rs"]
mod args;
#[path = "e2e/cold_start.rs"]
mod cold_start;
#[path = "e2e/floor.rs"]
mod floor;
#[path = "e2e/listener.rs"]
mod listener;
#[path = "e2e/plan.rs"]
mod plan;
#[path = "e2e/slack.rs"]
mod slack;

use anyhow::{bail, Context as _};
use bot::{opt, Bot, WAIT};
use criterion::{Criterion, SamplingMode};
use fake_discord::{
    autocomplete, slash_command, FakeConfig, FakeDiscord, Invoker, PARTNERS_CHANNEL_ID,
    STANDARD_GUILD_ID,
};
use partnerfit::generate::{generate, Spec};
use partnerfit::store::Store;
use plan::Plan;
use serde_json::{json, Value};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The bot logs at its default level, as in production (the tests' `partnerfit=trace` would be measured too).
const BOT_ENV: &[(&str, &str)] = &[("PARTNERFIT_LOG", "info")];
/// Typed prefixes for the partner autocomplete, in turn (the generated names start with these words).
const PREFIXES: &[&str] = &["Acme", "Globex", "Hooli", "Stark", "Wonka", "Nimbus"];
/// A name the roster does not have: `/screen` answers with the closest names and the traits to check.
const UNKNOWN: &str = "Zenith Holdings";

/// One interaction's timings.
struct Timing {
    /// Handed to the fake → the fake recorded the bot's successful callback.
    total: Duration,
    /// Of which: the fake validating the payload and writing it to the gateway socket.
    send: Duration,
    body: Value,
}

/// Send `payload` and wait for the bot's callback, which must be of `callback_type`.
async fn round_trip(
    fake: &FakeDiscord,
    payload: Value,
    callback_type: u64,
) -> anyhow::Result<Timing> {
    let start = Instant::now();
    let id = fake.send_interaction(payload).await?;
    let send = start.elapsed();
    let rec = fake.interaction_response_recorded(id, WAIT).await?;
    if rec.body["type"].as_u64() != Some(callback_type) {
        bail!(
            "interaction {id}: expected a callback of type {callback_type}, got {}",
            rec.body
        );
    }
    Ok(Timing {
        total: rec.at.saturating_duration_since(start),
        send,
        body: rec.body,
    })
}

/// The interactions measured, each built fresh (a token is single-use).
#[derive(Clone)]
struct Workload {
    fake: FakeDiscord,
    invoker: Invoker,
    names: Arc<Vec<String>>,
    /// Interactions answered so far.
    answered: Arc<AtomicUsize>,
}

#[derive(Clone, Copy, Debug)]
enum Kind {
    Screen,
    ScreenUnknown,
    Autocomplete,
}

impl Kind {
    const ALL: [Kind; 3] = [Kind::Screen, Kind::ScreenUnknown, Kind::Autocomplete];

    fn label(self) -> &'static str {
        match self {
            Kind::Screen => "screen",
            Kind::ScreenUnknown => "screen_unknown",
            Kind::Autocomplete => "autocomplete",
        }
    }
}

impl Workload {
    /// A member's interactions about `names` through `fake`, none answered yet.
    fn of(fake: &FakeDiscord, names: Vec<String>) -> Workload {
        Workload {
            fake: fake.clone(),
            invoker: Invoker::member(),
            names: Arc::new(names),
            answered: Arc::new(AtomicUsize::new(0)),
        }
    }

    /// The `i`-th interaction of `kind` and the callback type it must get.
    fn payload(&self, kind: Kind, i: usize) -> (Value, u64) {
        match kind {
            Kind::Screen => {
                // A stride through the roster, so the pages touched are spread out.
                let name = &self.names[i.wrapping_mul(7919) % self.names.len()];
                (self.screen(name), 4)
            }
            Kind::ScreenUnknown => (self.screen(UNKNOWN), 4),
            Kind::Autocomplete => {
                let typed = PREFIXES[i % PREFIXES.len()];
                let payload = autocomplete(
                    Some(STANDARD_GUILD_ID),
                    PARTNERS_CHANNEL_ID,
                    &self.invoker,
                    "screen",
                    json!([{"name": "partner", "type": 3, "value": typed, "focused": true}]),
                );
                (payload, 8)
            }
        }
    }

    fn screen(&self, partner: &str) -> Value {
        slash_command(
            Some(STANDARD_GUILD_ID),
            PARTNERS_CHANNEL_ID,
            &self.invoker,
            "screen",
            json!([opt("partner", json!(partner))]),
        )
    }

    async fn once(&self, kind: Kind, i: usize) -> anyhow::Result<Timing> {
        let (payload, callback_type) = self.payload(kind, i);
        let t = round_trip(&self.fake, payload, callback_type)
            .await
            .with_context(|| format!("{} #{i}", kind.label()))?;
        self.answered.fetch_add(1, Ordering::Relaxed);
        Ok(t)
    }
}

/// The value at quantile `q` of sorted durations (nearest rank).
fn quantile(sorted: &[Duration], q: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let rank = ((sorted.len() - 1) as f64 * q).round() as usize;
    sorted[rank.min(sorted.len() - 1)]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn summary(mut v: Vec<Duration>) -> String {
    v.sort_unstable();
    format!(
        "p50 {:.2} ms, p90 {:.2} ms, p99 {:.2} ms, max {:.2} ms over {}",
        ms(quantile(&v, 0.5)),
        ms(quantile(&v, 0.9)),
        ms(quantile(&v, 0.99)),
        ms(quantile(&v, 1.0)),
        v.len()
    )
}

/// VmRSS and VmHWM of a process, in KiB.
fn memory_kib(pid: u32) -> anyhow::Result<(u64, u64)> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))
        .with_context(|| format!("reading /proc/{pid}/status"))?;
    let field = |key: &str| -> anyhow::Result<u64> {
        status
            .lines()
            .find_map(|l| l.strip_prefix(key))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .with_context(|| format!("no {key} in /proc/{pid}/status"))
    };
    Ok((field("VmRSS:")?, field("VmHWM:")?))
}

/// Print `what: RSS (peak VmHWM)` of the bot.
fn report_memory(pid: u32, what: &str) -> anyhow::Result<()> {
    let (rss, hwm) = memory_kib(pid)?;
    eprintln!(
        "{what}: {:.1} MiB (peak {:.1} MiB)",
        rss as f64 / 1024.0,
        hwm as f64 / 1024.0
    );
    Ok(())
}

/// Generate workspace `ws` in `db` and return its partner names.
async fn generate_workspace(url: &str, ws: &str, partners: usize) -> anyhow::Result<Vec<String>> {
    let store = Store::open(url).await?;
    let ws = ws.to_string();
    let spec = Spec {
        workspace: ws.clone(),
        partners,
        seed: 1,
        until: chrono::Utc::now().date_naive(),
    };
    let started = Instant::now();
    let counts = generate(&store, &spec).await?;
    eprintln!(
        "e2e: generated workspace {ws} in {:.1} s: {counts}",
        started.elapsed().as_secs_f64()
    );
    let names = store
        .partner_names(&ws)
        .await?
        .into_iter()
        .map(|(_, n)| n)
        .collect::<Vec<_>>();
    store.close().await;
    if names.is_empty() {
        bail!("the generated workspace has no partners");
    }
    Ok(names)
}

/// The bot on the generated database, ready and with its commands registered.
struct Running {
    fake: FakeDiscord,
    bot: Bot,
    names: Vec<String>,
}

async fn start_bot(dir: &Path, plan: &Plan) -> anyhow::Result<Running> {
    let url = format!("sqlite://{}", dir.join("bench.db").display());
    let names = generate_workspace(&url, &STANDARD_GUILD_ID.to_string(), plan.partners).await?;
    start_bot_on(dir, &url, names, BOT_ENV).await
}

/// The bot on an existing database, with `env`.
async fn start_bot_on(
    dir: &Path,
    url: &str,
    names: Vec<String>,
    env: &[(&str, &str)],
) -> anyhow::Result<Running> {
    let fake = FakeDiscord::start(FakeConfig::standard()).await?;
    let bot = Bot::start_on(&fake, dir, url, &[], env);
    if let Err(e) = fake.wait_ready(WAIT).await {
        bail!("the bot never got READY: {e}\n{}", bot.log_text());
    }
    fake.wait_request(|r| r.method == "PUT" && r.path.ends_with("/commands"), WAIT)
        .await
        .context("the bot never registered its commands")?;
    Ok(Running { fake, bot, names })
}

/// Warm up each kind (checking the replies make sense), then time `plan.samples` of each.
async fn percentiles(w: &Workload, plan: &Plan) -> anyhow::Result<()> {
    let hit = w.once(Kind::Screen, 0).await?;
    let partner = &w.names[0];
    let title = hit.body["data"]["embeds"][0]["title"]
        .as_str()
        .unwrap_or_default();
    if !title.contains(partner.as_str()) {
        bail!(
            "/screen partner:{partner:?} did not answer with its card: {}",
            hit.body
        );
    }
    eprintln!("e2e: /screen card: {title:?}");
    let miss = w.once(Kind::ScreenUnknown, 0).await?;
    eprintln!(
        "e2e: /screen of a name not on the roster: {:?}",
        miss.body["data"]["embeds"][0]["title"]
            .as_str()
            .or(miss.body["data"]["content"].as_str())
            .unwrap_or_default()
    );
    let choices = w.once(Kind::Autocomplete, 0).await?.body["data"]["choices"]
        .as_array()
        .map_or(0, Vec::len);
    if choices == 0 {
        bail!(
            "the partner autocomplete for {:?} suggested nothing",
            PREFIXES[0]
        );
    }
    eprintln!("e2e: autocomplete {:?}: {choices} choices", PREFIXES[0]);

    let mut i = 1;
    for kind in Kind::ALL {
        if !plan.wants(kind.label()) {
            continue;
        }
        for _ in 0..plan.warmup {
            w.once(kind, i).await?;
            i += 1;
        }
        let mut total = Vec::new();
        let mut send = Vec::new();
        for _ in 0..plan.samples_of(kind) {
            let t = w.once(kind, i).await?;
            i += 1;
            total.push(t.total);
            send.push(t.send);
        }
        let mut spaced = Vec::new();
        for _ in 0..plan.spaced_of(kind) {
            tokio::time::sleep(plan.gap).await;
            spaced.push(w.once(kind, i).await?.total);
            i += 1;
        }
        let label = kind.label();
        eprintln!(
            "e2e {label}: interaction sent -> callback received, back to back: {}",
            summary(total)
        );
        eprintln!(
            "e2e {label}:   of which the fake's send_interaction (validate + gateway write): {}",
            summary(send)
        );
        eprintln!(
            "e2e {label}: interaction sent -> callback received, {} ms apart: {}",
            plan.gap.as_millis(),
            summary(spaced)
        );
    }
    Ok(())
}

/// `/screen`, `n` back to back then `n / 5` spaced: (back to back, spaced).
async fn screens(
    w: &Workload,
    plan: &Plan,
    n: usize,
) -> anyhow::Result<(Vec<Duration>, Vec<Duration>)> {
    for i in 0..plan.warmup {
        w.once(Kind::Screen, i).await?;
    }
    let mut b2b = Vec::new();
    for i in 0..n {
        b2b.push(w.once(Kind::Screen, 10_000 + i).await?.total);
    }
    let mut spaced = Vec::new();
    for i in 0..n.div_ceil(5) {
        tokio::time::sleep(plan.gap).await;
        spaced.push(w.once(Kind::Screen, 20_000 + i).await?.total);
    }
    Ok((b2b, spaced))
}

/// The floor bot ([`floor`]) on its own fake Discord, ready.
async fn start_floor(dir: &Path) -> anyhow::Result<(FakeDiscord, Bot)> {
    let fake = FakeDiscord::start(FakeConfig::standard()).await?;
    let log = dir.join("floor-bot.log");
    let mut cmd = Command::new(std::env::current_exe()?);
    cmd.current_dir(dir)
        .env(floor::PROXY_ENV, fake.base_url())
        .env("DISCORD_TOKEN", "test-token")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log)?);
    let bot = Bot {
        child: cmd.spawn()?,
        log,
    };
    if let Err(e) = fake.wait_ready(WAIT).await {
        bail!("the floor bot never got READY: {e}\n{}", bot.log_text());
    }
    Ok((fake, bot))
}

/// The end-to-end floor (see the file's doc): `/screen` to the real bot and to the floor bot, alternately in
/// `rounds` rounds, the same payloads timed the same way; percentiles of each and the ratios.
async fn floor_comparison(
    dir: &Path,
    bot: &Workload,
    plan: &Plan,
    rounds: usize,
) -> anyhow::Result<()> {
    let (fake, floor_bot) = start_floor(dir).await?;
    tokio::time::sleep(plan.idle).await;
    let floor = Workload {
        fake: fake.clone(),
        answered: Arc::new(AtomicUsize::new(0)),
        ..bot.clone()
    };
    let first = floor.once(Kind::Screen, 0).await?;
    if first.body["data"]["content"].as_str() != Some(floor::REPLY) {
        bail!("the floor bot answered {}", first.body);
    }
    let p = |v: &[Duration], q: f64| {
        let mut v = v.to_vec();
        v.sort_unstable();
        quantile(&v, q)
    };
    for round in 1..=rounds {
        let mut of_round = Vec::new();
        for (who, w) in [("bot", bot), ("floor", &floor)] {
            let (b2b, spaced) = screens(w, plan, plan.samples).await?;
            eprintln!(
                "e2e floor, round {round}: {who} /screen back to back: {}",
                summary(b2b.clone())
            );
            eprintln!(
                "e2e floor, round {round}: {who} /screen {} ms apart: {}",
                plan.gap.as_millis(),
                summary(spaced.clone())
            );
            of_round.push((b2b, spaced));
        }
        let (bot_r, floor_r) = (&of_round[0], &of_round[1]);
        for (what, b, f) in [
            ("back to back", &bot_r.0, &floor_r.0),
            ("spaced", &bot_r.1, &floor_r.1),
        ] {
            eprintln!(
                "e2e floor, round {round}: /screen / floor, {what}: p50 {:.2}× ({:.3} / {:.3} ms), p99 {:.2}× ({:.3} / {:.3} ms)",
                ms(p(b, 0.5)) / ms(p(f, 0.5)),
                ms(p(b, 0.5)),
                ms(p(f, 0.5)),
                ms(p(b, 0.99)) / ms(p(f, 0.99)),
                ms(p(b, 0.99)),
                ms(p(f, 0.99)),
            );
        }
    }
    floor_bot.kill();
    fake.shutdown().await;
    Ok(())
}

/// Criterion over the same interactions, each sent `gap` after the previous reply (the pause is not timed).
fn bench_e2e(
    c: &mut Criterion,
    rt: &tokio::runtime::Runtime,
    w: &Workload,
    plan: &Plan,
    quick: bool,
) {
    let mut group = c.benchmark_group("e2e");
    group.sampling_mode(SamplingMode::Flat).sample_size(10);
    if quick {
        group.warm_up_time(Duration::from_millis(100));
    } else {
        // Measured time, not wall time: with the pauses, each takes 10 to 15 s.
        group.warm_up_time(Duration::from_millis(200));
    }
    let next = Arc::new(AtomicUsize::new(100_000));
    let gap = plan.gap;
    for kind in Kind::ALL {
        if !quick {
            // Ten samples of at least one slow not-on-the-roster answer each.
            group.measurement_time(match kind {
                Kind::ScreenUnknown => Duration::from_millis(1_200),
                _ => Duration::from_millis(600),
            });
        }
        group.bench_function(kind.label(), |b| {
            b.to_async(rt).iter_custom(|iters| {
                let w = w.clone();
                let next = next.clone();
                async move {
                    let mut total = Duration::ZERO;
                    for _ in 0..iters {
                        tokio::time::sleep(gap).await;
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        match w.once(kind, i).await {
                            Ok(t) => total += t.total,
                            Err(e) => panic!("{e:#}"),
                        }
                    }
                    total
                }
            })
        });
    }
    group.finish();
}

fn main() -> anyhow::Result<()> {
    if let Ok(proxy) = std::env::var(floor::PROXY_ENV) {
        return floor::run(&proxy);
    }
    let plan = Plan::from_args()?;
    let quick = plan.samples < 100;
    // No plots: criterion's plotters backend panics on a machine without fonts.
    let mut criterion = Criterion::default().without_plots().configure_from_args();
    // Two workers: the fake's server and gateway tasks keep running (heartbeat ACKs included) while
    // criterion analyses between benchmarks.
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?;
    let dir = tempfile::Builder::new()
        .prefix("partnerfit-e2e-")
        .tempdir()?;
    eprintln!(
        "e2e: {} partners, bot {}",
        plan.partners,
        env!("CARGO_BIN_EXE_partnerfit")
    );

    let running = rt.block_on(start_bot(dir.path(), &plan))?;
    let pid = running.bot.pid();
    rt.block_on(async { tokio::time::sleep(plan.idle).await });
    report_memory(pid, &format!("idle RSS ({:?} after READY)", plan.idle))?;

    let w = Workload::of(&running.fake, running.names);
    rt.block_on(percentiles(&w, &plan))?;
    report_memory(pid, "RSS (right after the printed percentiles)")?;
    if plan.wants("floor") {
        rt.block_on(floor_comparison(dir.path(), &w, &plan, plan.floor_rounds))?;
    }
    bench_e2e(&mut criterion, &rt, &w, &plan, quick);

    rt.block_on(async { tokio::time::sleep(plan.idle).await });
    report_memory(
        pid,
        &format!(
            "idle RSS ({:?} after answering {} interactions)",
            plan.idle,
            w.answered.load(Ordering::Relaxed)
        ),
    )?;
    let Running { fake, bot, .. } = running;
    let code = rt.block_on(bot.terminate());
    if code != Some(0) {
        eprintln!("e2e: warning: the bot exited with {code:?} on SIGTERM");
    }
    rt.block_on(fake.shutdown());

    if plan.wants("slack") {
        rt.block_on(slack::slack_percentiles(dir.path(), &plan))?;
    }
    if plan.wants("listener") {
        rt.block_on(listener::listener_cost(dir.path(), &w.names, &plan))?;
    }

    let (ready, migrate) = if plan.wants("cold_start") {
        cold_start::bench_cold_start(&mut criterion, &rt, dir.path(), quick)
    } else {
        Default::default()
    };
    if !ready.is_empty() {
        eprintln!(
            "cold start to READY (fresh database, migrations included): {}",
            summary(ready)
        );
    }
    if !migrate.is_empty() {
        eprintln!(
            "cold start, partnerfit migrate on a fresh database: {}",
            summary(migrate)
        );
    }
    criterion.final_summary();
    Ok(())
}
