//! The soak (issue 22, item 4): an hour of a busy server's load, compressed. The real release binary
//! `partnerfit run` on a SQLite file with a generated workspace of 1,000 partners, against the test suite's fake
//! Discord (REST and gateway on 127.0.0.1), answers 100,000 interactions (`PARTNERFIT_SOAK_INTERACTIONS`
//! overrides) of mixed commands, 8 in flight at a time:
//!
//! * 40 % `/screen` of a partner on the roster, 5 % `/screen` of a name not on it, 25 % the partner autocomplete
//!   of `/screen`, 5 % `/partner list` (reads);
//! * 15 % `/log hours` (0.01 h) and 10 % `/log spend` ($1) of a partner, as a member (writes).
//!
//! Every 10,000 interactions the gateway drops, in turn: the TCP connection cut without a close frame, a close
//! frame 4000, and op 7 RECONNECT — between batches, with nothing in flight, so no interaction is lost in a
//! socket that dies (the bot resumes and the next interaction waits for it). After every batch of 1,000 the
//! bench reads the bot's VmRSS and open file descriptors from `/proc`, and `partnerfit_db_pool_connections`
//! from its `/metrics` listener; the fake forgets its request log (lookups stay short).
//!
//! It prints: the interactions answered (every one must be, with the callback type it should get, or the bench
//! fails), the writes stored (allocations in the database = writes answered "Logged"), throughput, the RSS at
//! the start and the end and the least-squares slope of RSS over interactions after the first 10 %, and the
//! open files and pool connections at the start and the end (and their maximum).
//!
//! Run with `cargo bench --bench soak` when the machine is quiet. Without `--bench` (as under
//! `cargo test --benches`) it runs 600 interactions in batches of 100 with a drop after every third, as a smoke
//! test.

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
use bot::{opt, Bot, WAIT};
use fake_discord::{
    autocomplete, slash_command, FakeConfig, FakeDiscord, Invoker, PARTNERS_CHANNEL_ID,
    STANDARD_GUILD_ID,
};
use futures::StreamExt;
use partnerfit::generate::{generate, Spec};
use partnerfit::store::Store;
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Instant;

const PARTNERS: usize = 1_000;
const BATCH: usize = 1_000;
const IN_FLIGHT: usize = 8;
const DROP_EVERY: usize = 10_000;
const PREFIXES: &[&str] = &["Ac", "Gl", "In", "No", "Ze", "Bl", "Ve", "Ar"];

/// What the `i`-th interaction is.
#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Screen,
    ScreenUnknown,
    Autocomplete,
    List,
    Hours,
    Spend,
}

fn kind(i: usize) -> Kind {
    match i % 20 {
        0..=7 => Kind::Screen,
        8 => Kind::ScreenUnknown,
        9..=13 => Kind::Autocomplete,
        14 => Kind::List,
        15..=17 => Kind::Hours,
        _ => Kind::Spend,
    }
}

struct Load {
    fake: FakeDiscord,
    names: Vec<String>,
}

impl Load {
    fn slash(&self, who: &Invoker, name: &str, options: Value) -> Value {
        slash_command(
            Some(STANDARD_GUILD_ID),
            PARTNERS_CHANNEL_ID,
            who,
            name,
            options,
        )
    }

    /// The `i`-th interaction and the callback type it must get.
    fn payload(&self, i: usize) -> (Value, u64) {
        let name = &self.names[i.wrapping_mul(7919) % self.names.len()];
        let member = Invoker::member();
        // the week of the write: spread over 40 weeks of 2026, all past (a future week is refused)
        let week = format!("2026-W{:02}", 1 + (i / 20) % 40);
        match kind(i) {
            Kind::Screen => (self.slash(&member, "screen", json!([opt("partner", json!(name))])), 4),
            Kind::ScreenUnknown => (
                self.slash(&member, "screen", json!([opt("partner", json!("Quux Unheardof"))])),
                4,
            ),
            Kind::Autocomplete => (
                autocomplete(
                    Some(STANDARD_GUILD_ID),
                    PARTNERS_CHANNEL_ID,
                    &member,
                    "screen",
                    json!([{"name": "partner", "type": 3, "value": PREFIXES[i % PREFIXES.len()], "focused": true}]),
                ),
                8,
            ),
            Kind::List => (
                self.slash(&member, "partner", json!([{"name": "list", "type": 1, "options": []}])),
                4,
            ),
            Kind::Hours => (
                self.slash(
                    &member,
                    "log",
                    json!([{"name": "hours", "type": 1, "options": [
                        opt("partner", json!(name)), opt("hours", json!(0.01)), opt("week", json!(week))]}]),
                ),
                4,
            ),
            Kind::Spend => (
                self.slash(
                    &member,
                    "log",
                    json!([{"name": "spend", "type": 1, "options": [
                        opt("partner", json!(name)), opt("amount", json!("1")), opt("week", json!(week))]}]),
                ),
                4,
            ),
        }
    }

    /// Send the `i`-th interaction and await its callback; true when it was a write answered "Logged".
    async fn once(&self, i: usize) -> anyhow::Result<bool> {
        let (payload, want) = self.payload(i);
        let id = self.fake.send_interaction(payload).await?;
        let rec = self
            .fake
            .interaction_response_recorded(id, WAIT)
            .await
            .with_context(|| format!("interaction #{i}"))?;
        if rec.body["type"].as_u64() != Some(want) {
            bail!(
                "interaction #{i}: expected a callback of type {want}, got {}",
                rec.body
            );
        }
        if matches!(kind(i), Kind::Hours | Kind::Spend) {
            let title = rec.body["data"]["embeds"][0]["title"]
                .as_str()
                .unwrap_or_default();
            if !title.starts_with("Logged") {
                bail!("interaction #{i}: the write was not logged: {}", rec.body);
            }
            return Ok(true);
        }
        Ok(false)
    }
}

/// One reading of the bot's resources.
struct Sample {
    interactions: usize,
    rss_kib: u64,
    fds: usize,
    pool: f64,
}

fn rss_kib(pid: u32) -> anyhow::Result<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .context("no VmRSS")
}

fn open_files(pid: u32) -> anyhow::Result<usize> {
    Ok(std::fs::read_dir(format!("/proc/{pid}/fd"))?.count())
}

/// The sum of `partnerfit_db_pool_connections` over its states (idle, busy), from the bot's `/metrics`.
async fn pool_connections(client: &reqwest::Client, listen: &str) -> anyhow::Result<f64> {
    let text = client
        .get(format!("http://{listen}/metrics"))
        .send()
        .await?
        .text()
        .await?;
    let mut total = 0.0;
    // one line per state (idle, busy)
    for line in text
        .lines()
        .filter(|l| l.starts_with("partnerfit_db_pool_connections"))
    {
        total += line
            .rsplit(' ')
            .next()
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0);
    }
    Ok(total)
}

/// Least-squares slope of y over x.
fn slope(points: &[(f64, f64)]) -> f64 {
    let n = points.len() as f64;
    let (mx, my) = points
        .iter()
        .fold((0.0, 0.0), |(a, b), (x, y)| (a + x / n, b + y / n));
    let (sxy, sxx) = points.iter().fold((0.0, 0.0), |(a, b), (x, y)| {
        (a + (x - mx) * (y - my), b + (x - mx) * (x - mx))
    });
    if sxx == 0.0 {
        0.0
    } else {
        sxy / sxx
    }
}

async fn soak(total: usize) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let url = format!("sqlite://{}", dir.path().join("soak.db").display());
    let ws = STANDARD_GUILD_ID.to_string();
    let store = Store::open(&url).await?;
    let spec = Spec {
        workspace: ws.clone(),
        partners: PARTNERS,
        seed: 7,
        until: chrono::NaiveDate::from_ymd_opt(2026, 12, 31).context("date")?,
    };
    generate(&store, &spec).await?;
    let names: Vec<String> = store
        .partner_names(&ws)
        .await?
        .into_iter()
        .map(|(_, n)| n)
        .collect();
    let allocations_before = count_allocations(&store).await?;
    store.close().await;
    let fake = FakeDiscord::start(FakeConfig::standard()).await?;
    // The OS picks the listener's port and the bot logs it: no port released here for the bot to take later.
    let env = [
        ("PARTNERFIT_LOG", "info"),
        ("PARTNERFIT_HTTP_LISTEN", http::ANY_PORT),
    ];
    let bot = Bot::start_on(&fake, dir.path(), &url, &[], &env);
    let listen = format!("127.0.0.1:{}", http::bound_port(&bot).await);
    if let Err(e) = fake.wait_ready(WAIT).await {
        bail!("the bot never got READY: {e}\n{}", bot.log_text());
    }
    fake.wait_request(|r| r.method == "PUT" && r.path.ends_with("/commands"), WAIT)
        .await
        .context("the bot never registered its commands")?;
    let load = Arc::new(Load {
        fake: fake.clone(),
        names,
    });
    let client = reqwest::Client::new();
    let pid = bot.pid();
    let mut samples = vec![Sample {
        interactions: 0,
        rss_kib: rss_kib(pid)?,
        fds: open_files(pid)?,
        pool: pool_connections(&client, &listen).await?,
    }];
    let started = Instant::now();
    let (mut answered, mut writes, mut drops) = (0usize, 0usize, 0usize);
    // the smoke run: batches of 100, a drop after every third
    let batch = BATCH.min(total / 6).max(1);
    let drop_every = if batch < BATCH { 3 * batch } else { DROP_EVERY };
    while answered < total {
        let end = (answered + batch).min(total);
        let results: Vec<anyhow::Result<bool>> = futures::stream::iter(answered..end)
            .map(|i| {
                let load = load.clone();
                async move { load.once(i).await }
            })
            .buffer_unordered(IN_FLIGHT)
            .collect()
            .await;
        for r in results {
            writes += usize::from(r?);
        }
        answered = end;
        fake.forget_history();
        samples.push(Sample {
            interactions: answered,
            rss_kib: rss_kib(pid)?,
            fds: open_files(pid)?,
            pool: pool_connections(&client, &listen).await?,
        });
        if answered % drop_every == 0 && answered < total {
            match drops % 3 {
                0 => fake.drop_gateway(None).await,
                1 => fake.drop_gateway(Some(4000)).await,
                _ => fake.send_reconnect().await,
            }
            drops += 1;
        }
    }
    let took = started.elapsed();
    let store = Store::open(&url).await?;
    let stored = count_allocations(&store).await? - allocations_before;
    store.close().await;
    let (first, last) = (&samples[0], &samples[samples.len() - 1]);
    let steady: Vec<(f64, f64)> = samples
        .iter()
        .filter(|s| s.interactions * 10 >= total)
        .map(|s| (s.interactions as f64, s.rss_kib as f64))
        .collect();
    let per_10k = slope(&steady) * 10_000.0;
    eprintln!(
        "soak: {answered} of {total} interactions answered in {:.0} s ({:.0}/s), {drops} gateway drops \
         (identifies {}, resumes {})",
        took.as_secs_f64(),
        answered as f64 / took.as_secs_f64(),
        fake.identify_count(),
        fake.resume_count()
    );
    eprintln!("soak: {writes} writes answered \"Logged\", {stored} stored");
    eprintln!(
        "soak: RSS {:.1} MiB at start, {:.1} MiB after the first 10 %, {:.1} MiB at the end; slope after the \
         first 10 % {per_10k:+.1} KiB per 10,000 interactions",
        first.rss_kib as f64 / 1024.0,
        steady.first().map_or(0.0, |s| s.1 / 1024.0),
        last.rss_kib as f64 / 1024.0
    );
    eprintln!(
        "soak: open files {} at start, {} at the end (max {}); DB pool connections {} at start, {} at the end \
         (max {})",
        first.fds,
        last.fds,
        samples.iter().map(|s| s.fds).max().unwrap_or(0),
        first.pool,
        last.pool,
        samples.iter().map(|s| s.pool).fold(0.0, f64::max)
    );
    if answered != total || stored != writes {
        bail!("not every interaction was answered, or not every write stored");
    }
    drop(bot);
    Ok(())
}

async fn count_allocations(store: &Store) -> anyhow::Result<usize> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM allocations")
        .fetch_one(store.pool())
        .await?;
    Ok(usize::try_from(n)?)
}

fn main() -> anyhow::Result<()> {
    let full = args::measuring();
    let total = if full {
        std::env::var("PARTNERFIT_SOAK_INTERACTIONS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(100_000)
    } else {
        600
    };
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()?
        .block_on(soak(total))
}
