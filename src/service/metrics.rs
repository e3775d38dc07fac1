//! The Prometheus series partnerfit exposes: their names and `# HELP` text in one table, the recorder that
//! renders them, and one recording function per event, so that the adapters and the scheduler never spell a
//! metric name. Recording goes through the `metrics` facade: until [`install`] runs (the HTTP listener is
//! off by default) every call is a no-op that costs a load and a branch.
//!
//! Label values are fixed vocabularies — command names from the command table, outcomes, digest kinds,
//! shard numbers — never text a user typed, workspace names or people's ids.

use super::ShardState;
use metrics::{counter, describe_counter, describe_gauge, describe_histogram, gauge, histogram};
use metrics_exporter_prometheus::{BuildError, Matcher, PrometheusBuilder, PrometheusHandle};
use std::time::Duration;

pub const INTERACTIONS: &str = "partnerfit_interactions_total";
pub const INTERACTION_SECONDS: &str = "partnerfit_interaction_duration_seconds";
pub const AUTOCOMPLETE: &str = "partnerfit_autocomplete_total";
pub const DIGEST_POSTS: &str = "partnerfit_digest_posts_total";
pub const SCHEDULER_LAG: &str = "partnerfit_scheduler_lag_seconds";
pub const GATEWAY_UP: &str = "partnerfit_gateway_up";
pub const SLACK_SOCKET_UP: &str = "partnerfit_slack_socket_up";
pub const GATEWAY_LATENCY: &str = "partnerfit_gateway_latency_seconds";
pub const DB_POOL: &str = "partnerfit_db_pool_connections";
pub const EVIDENCE_CACHE: &str = "partnerfit_evidence_cache_records";
pub const BUILD_INFO: &str = "partnerfit_build_info";

/// Histogram buckets of an interaction, in seconds: Discord wants an answer within 3 s.
const INTERACTION_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];
/// Histogram buckets of the scheduler's lag, in seconds: from on time to a day late (after downtime).
const LAG_BUCKETS: &[f64] = &[
    0.1, 0.5, 1.0, 5.0, 30.0, 120.0, 600.0, 3600.0, 21600.0, 86400.0,
];

/// Renders every series for a scrape: the recorder's, and the process's own (RSS, CPU, open files).
#[derive(Clone)]
pub struct Exporter {
    handle: PrometheusHandle,
    process: std::sync::Arc<metrics_process::Collector>,
}

impl std::fmt::Debug for Exporter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Exporter")
    }
}

impl Exporter {
    /// The Prometheus text format of every series, as of now.
    pub fn render(&self) -> String {
        self.process.collect();
        self.handle.run_upkeep();
        self.handle.render()
    }
}

/// How often the recorder's pending histogram samples are folded in without a scrape.
const UPKEEP_EVERY: Duration = Duration::from_secs(5);

/// Install the process-wide recorder and describe every series; returns what renders them.
/// Called once, by `partnerfit run` with the listener on.
pub fn install() -> Result<Exporter, BuildError> {
    let handle = PrometheusBuilder::new()
        .set_buckets_for_metric(
            Matcher::Full(INTERACTION_SECONDS.into()),
            INTERACTION_BUCKETS,
        )?
        .set_buckets_for_metric(Matcher::Full(SCHEDULER_LAG.into()), LAG_BUCKETS)?
        .install_recorder()?;
    describe();
    // Histogram samples wait in the recorder until upkeep folds them in; a scrape does it, and so does this
    // task, so that a listener nobody scrapes does not hold a sample per interaction.
    if let Ok(rt) = tokio::runtime::Handle::try_current() {
        let upkeep = handle.clone();
        rt.spawn(async move {
            let mut every = tokio::time::interval(UPKEEP_EVERY);
            loop {
                every.tick().await;
                upkeep.run_upkeep();
            }
        });
    }
    gauge!(BUILD_INFO, "version" => env!("CARGO_PKG_VERSION")).set(1.0);
    let process = metrics_process::Collector::default();
    process.describe();
    Ok(Exporter {
        handle,
        process: std::sync::Arc::new(process),
    })
}

/// The `# HELP` text of every series.
fn describe() {
    describe_counter!(
        INTERACTIONS,
        "Interactions and questions answered on Discord and Slack, by command and outcome (ok, user_error, refused, internal_error)"
    );
    describe_histogram!(
        INTERACTION_SECONDS,
        metrics::Unit::Seconds,
        "Time from an interaction's arrival to its reply sent, by command"
    );
    describe_counter!(
        AUTOCOMPLETE,
        "Autocomplete requests answered (suggestions while a user types an option, or picks from a Slack form's menu)"
    );
    describe_counter!(
        DIGEST_POSTS,
        "Scheduled digest posts by digest and result: posted (on time), late (posted after downtime), retried (a passing failure, tried again when its lease ends), forbidden (the channel cannot be reached; given up for the period), failed (not sent: it could not be rendered, or its failure could not be recorded); a sent digest counts once, as posted or late, whatever the bookkeeping after the send did"
    );
    describe_histogram!(
        SCHEDULER_LAG,
        metrics::Unit::Seconds,
        "Time from a digest's fire time to its post"
    );
    describe_gauge!(
        GATEWAY_UP,
        "1 while the gateway shard is connected, 0 otherwise"
    );
    describe_gauge!(
        SLACK_SOCKET_UP,
        "1 while the Slack Socket Mode connection is up (from Slack's hello until it fails), 0 otherwise; only in a process that runs Slack"
    );
    describe_gauge!(
        GATEWAY_LATENCY,
        metrics::Unit::Seconds,
        "The gateway shard's last heartbeat round trip; NaN while it has none (disconnected, or no heartbeat yet)"
    );
    describe_gauge!(
        DB_POOL,
        "Database pool connections by state (idle, busy), at the time of the scrape"
    );
    describe_gauge!(
        EVIDENCE_CACHE,
        "Evidence records held in memory for screening many partners at once"
    );
    describe_gauge!(
        BUILD_INFO,
        "Always 1; the version label says which partnerfit this is"
    );
}

/// One interaction (or question) answered: its command, outcome and time from arrival to reply.
pub fn interaction(command: &str, outcome: &'static str, elapsed: Duration) {
    counter!(INTERACTIONS, "command" => command.to_string(), "outcome" => outcome).increment(1);
    histogram!(INTERACTION_SECONDS, "command" => command.to_string()).record(elapsed.as_secs_f64());
}

/// One autocomplete request answered.
pub fn autocomplete() {
    counter!(AUTOCOMPLETE).increment(1);
}

/// What became of one scheduled digest post.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PostResult {
    Posted,
    Late,
    Retried,
    Forbidden,
    Failed,
}

impl PostResult {
    pub fn as_str(self) -> &'static str {
        match self {
            PostResult::Posted => "posted",
            PostResult::Late => "late",
            PostResult::Retried => "retried",
            PostResult::Forbidden => "forbidden",
            PostResult::Failed => "failed",
        }
    }
}

/// One scheduled digest post: its digest (`weekly`, `quarterly`) and result.
pub fn digest_post(digest: &'static str, result: PostResult) {
    counter!(DIGEST_POSTS, "digest" => digest, "result" => result.as_str()).increment(1);
}

/// A digest posted `lag` after its fire time.
pub fn scheduler_lag(lag: Duration) {
    histogram!(SCHEDULER_LAG).record(lag.as_secs_f64());
}

/// A gateway shard's state. A shard without a heartbeat round trip (disconnected, or none yet) has its latency
/// set to NaN, as /readyz shows `latency_ms: null`: the recorder cannot remove one series, and keeping the last
/// healthy value would show a dead shard as fast.
pub fn gateway(shard: u32, s: &ShardState) {
    let id = shard.to_string();
    gauge!(GATEWAY_UP, "shard" => id.clone()).set(if s.connected { 1.0 } else { 0.0 });
    gauge!(GATEWAY_LATENCY, "shard" => id).set(s.latency.map_or(f64::NAN, |l| l.as_secs_f64()));
}

/// The Slack socket's state.
pub fn slack_socket(up: bool) {
    gauge!(SLACK_SOCKET_UP).set(if up { 1.0 } else { 0.0 });
}

/// The database pool at the time of a scrape.
pub fn db_pool(idle: usize, busy: usize) {
    gauge!(DB_POOL, "state" => "idle").set(idle as f64);
    gauge!(DB_POOL, "state" => "busy").set(busy as f64);
}

/// The evidence records held in memory at the time of a scrape.
pub fn evidence_cache(records: usize) {
    gauge!(EVIDENCE_CACHE).set(records as f64);
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The sample lines of `metric` in what `handle` renders.
    fn samples(handle: &PrometheusHandle, metric: &str) -> Vec<String> {
        handle
            .render()
            .lines()
            .filter(|l| l.starts_with(metric) && !l.starts_with('#'))
            .map(str::to_string)
            .collect()
    }

    #[test]
    fn a_shard_without_latency_has_none_rather_than_its_last() {
        let recorder = PrometheusBuilder::new().build_recorder();
        let handle = recorder.handle();
        metrics::with_local_recorder(&recorder, || {
            gateway(
                0,
                &ShardState {
                    connected: true,
                    latency: Some(Duration::from_millis(40)),
                },
            );
        });
        assert_eq!(
            samples(&handle, GATEWAY_LATENCY),
            [format!("{GATEWAY_LATENCY}{{shard=\"0\"}} 0.04")]
        );
        // The shard drops: serenity has no latency for it any more, and neither has the series.
        metrics::with_local_recorder(&recorder, || gateway(0, &ShardState::default()));
        assert_eq!(
            samples(&handle, GATEWAY_LATENCY),
            [format!("{GATEWAY_LATENCY}{{shard=\"0\"}} NaN")]
        );
        assert_eq!(
            samples(&handle, GATEWAY_UP),
            [format!("{GATEWAY_UP}{{shard=\"0\"}} 0")]
        );
    }
}
