//! Reading the operations listener and systemd's notify protocol in tests: a scrape of `/metrics`, parsed
//! strictly as Prometheus text format; one sample's value; scraping until a condition holds; the datagrams
//! a test's NOTIFY_SOCKET receives.

use super::bot::{Bot, WAIT};
use super::http::get;
use prometheus_parse::{LineInfo, Scrape, Value as Prom};
use std::collections::BTreeSet;
use std::time::{Duration, Instant};

/// A scrape, checked strictly: every line is a `# HELP`, a `# TYPE`, a sample or empty (the parser ignores
/// anything else, so an ignored line fails here), and every sample belongs to a family that has both.
pub fn parse_metrics(text: &str) -> Scrape {
    let mut help = BTreeSet::new();
    let mut types = BTreeSet::new();
    let mut samples = Vec::new();
    for line in text.lines() {
        match LineInfo::parse(line) {
            LineInfo::Doc { metric_name, .. } => {
                help.insert(metric_name.to_string());
            }
            LineInfo::Type {
                metric_name,
                metric_alias,
                ..
            } => {
                types.insert(metric_alias.unwrap_or(metric_name));
            }
            LineInfo::Sample {
                metric_name, value, ..
            } => {
                assert!(
                    value.parse::<f64>().is_ok() || ["+Inf", "-Inf", "NaN"].contains(&value),
                    "not a number: {line}"
                );
                samples.push(metric_name.to_string());
            }
            LineInfo::Empty => {}
            LineInfo::Ignored => panic!("not Prometheus text format: {line:?}"),
        }
    }
    for s in &samples {
        let family = ["_bucket", "_sum", "_count"]
            .iter()
            .find_map(|suffix| s.strip_suffix(suffix).filter(|f| types.contains(*f)))
            .unwrap_or(s);
        assert!(types.contains(family), "{s} has no # TYPE");
        assert!(help.contains(family), "{s} has no # HELP");
    }
    Scrape::parse(text.lines().map(|l| Ok(l.to_string()))).expect("a Prometheus scrape")
}

/// The value of the sample `metric` whose labels include `labels` (0 when there is none yet).
pub fn value(scrape: &Scrape, metric: &str, labels: &[(&str, &str)]) -> f64 {
    scrape
        .samples
        .iter()
        .filter(|s| s.metric == metric)
        .filter(|s| labels.iter().all(|(k, v)| s.labels.get(k) == Some(*v)))
        .map(|s| match &s.value {
            Prom::Counter(v) | Prom::Gauge(v) | Prom::Untyped(v) => *v,
            Prom::Histogram(buckets) => buckets.iter().map(|b| b.count).fold(0.0, f64::max),
            Prom::Summary(_) => panic!("{metric} is a summary"),
        })
        .sum()
}

/// The counter of interactions by command and outcome.
pub const INTERACTIONS: &str = "partnerfit_interactions_total";

/// How many interactions of `command` ended as `outcome` in a scrape.
pub fn interactions(scrape: &Scrape, command: &str, outcome: &str) -> f64 {
    value(
        scrape,
        INTERACTIONS,
        &[("command", command), ("outcome", outcome)],
    )
}

pub async fn scrape(port: u16) -> Scrape {
    let (code, body) = get(port, "/metrics").await;
    assert_eq!(code, 200, "{body}");
    parse_metrics(&body)
}

/// Scrape until `ok` holds (the bot records an interaction just after its reply reaches Discord).
pub async fn scrape_until(
    port: u16,
    bot: &Bot,
    what: &str,
    ok: impl Fn(&Scrape) -> bool,
) -> Scrape {
    let deadline = Instant::now() + WAIT;
    loop {
        let s = scrape(port).await;
        if ok(&s) {
            return s;
        }
        assert!(
            Instant::now() < deadline,
            "metrics never showed {what}\n{}",
            bot.log_text()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The datagrams the test's NOTIFY_SOCKET has received so far (without waiting for more).
pub fn notified_so_far(sock: &tokio::net::UnixDatagram) -> Vec<String> {
    let mut seen = Vec::new();
    let mut buf = [0u8; 4096];
    while let Ok(n) = sock.try_recv(&mut buf) {
        seen.push(String::from_utf8_lossy(&buf[..n]).into_owned());
    }
    seen
}

/// Datagrams received on the test's NOTIFY_SOCKET until one contains `want`.
pub async fn wait_notify(sock: &tokio::net::UnixDatagram, want: &str, seen: &mut Vec<String>) {
    let mut buf = vec![0u8; 4096];
    let deadline = tokio::time::Instant::now() + WAIT;
    while !seen.iter().any(|m| m.lines().any(|l| l == want)) {
        let n = tokio::time::timeout_at(deadline, sock.recv(&mut buf))
            .await
            .unwrap_or_else(|_| panic!("no {want} on NOTIFY_SOCKET; got {seen:?}"))
            .unwrap();
        seen.push(String::from_utf8_lossy(&buf[..n]).into_owned());
    }
}
