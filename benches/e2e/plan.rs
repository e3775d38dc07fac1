//! How big and how long the e2e bench runs, from its command line and environment: the workspace's size, the
//! samples and pauses of the printed percentiles, the floor comparison's rounds, and which parts run (a name
//! after `--`, checked against [`PARTS`]).

use super::args;
use super::Kind;
use anyhow::{bail, Context as _};
use partnerfit::generate::parse_partners;
use std::time::Duration;

/// How big and how long, from the command line.
pub(crate) struct Plan {
    pub(crate) partners: usize,
    /// Back-to-back interactions per kind for the printed percentiles (a tenth of it for the slow
    /// `screen_unknown`).
    pub(crate) samples: usize,
    /// Interactions per kind sent `gap` apart, for the printed percentiles (half of it for
    /// `screen_unknown`).
    pub(crate) spaced: usize,
    /// The pause before each spaced interaction (people do not type 1,000 commands back to back).
    pub(crate) gap: Duration,
    pub(crate) warmup: usize,
    pub(crate) idle: Duration,
    /// A name after `--`: only the parts whose name contains it run (`screen`, `screen_unknown`,
    /// `autocomplete`, `floor`, `slack`, `listener`, `cold_start`).
    pub(crate) filter: Option<String>,
    /// Rounds of the floor comparison (`PARTNERFIT_BENCH_FLOOR_ROUNDS`, 1 to 20; 2 under `--bench`, else 1).
    pub(crate) floor_rounds: usize,
}

/// Every part a name after `--` can choose: the interactions' kinds ([`Kind::label`]) and the rest.
const PARTS: &[&str] = &[
    "screen",
    "screen_unknown",
    "autocomplete",
    "floor",
    "slack",
    "listener",
    "cold_start",
];

impl Plan {
    pub(crate) fn from_args() -> anyhow::Result<Plan> {
        let bench = args::measuring();
        let filter = args::name_filter();
        debug_assert!(Kind::ALL.iter().all(|k| PARTS.contains(&k.label())));
        if let Some(f) = &filter {
            if !PARTS.iter().any(|p| p.contains(f.as_str())) {
                bail!("no part matches `{f}`; the parts are: {}", PARTS.join(", "));
            }
        }
        let partners = match std::env::var("PARTNERFIT_BENCH_PARTNERS") {
            Ok(v) if !v.trim().is_empty() => {
                parse_partners(&v).context("PARTNERFIT_BENCH_PARTNERS")?
            }
            _ if bench => 10_000,
            _ => 200,
        };
        let floor_rounds = match std::env::var("PARTNERFIT_BENCH_FLOOR_ROUNDS") {
            Ok(v) if !v.trim().is_empty() => match v.trim().parse() {
                Ok(n @ 1..=20) => n,
                _ => bail!("PARTNERFIT_BENCH_FLOOR_ROUNDS must be a number of rounds from 1 to 20, not {v:?}"),
            },
            _ if bench => 2,
            _ => 1,
        };
        Ok(if bench {
            Plan {
                partners,
                samples: 1_000,
                spaced: 200,
                gap: Duration::from_millis(45),
                warmup: 50,
                idle: Duration::from_secs(2),
                filter,
                floor_rounds,
            }
        } else {
            Plan {
                partners,
                samples: 5,
                spaced: 5,
                gap: Duration::from_millis(45),
                warmup: 2,
                idle: Duration::from_millis(100),
                filter,
                floor_rounds,
            }
        })
    }

    /// Whether the part named `part` runs.
    pub(crate) fn wants(&self, part: &str) -> bool {
        self.filter.as_deref().is_none_or(|f| part.contains(f))
    }

    /// Spaced samples of `kind`.
    pub(crate) fn spaced_of(&self, kind: Kind) -> usize {
        match kind {
            Kind::ScreenUnknown => self.spaced.div_ceil(2),
            _ => self.spaced,
        }
    }

    /// Back-to-back samples of `kind`.
    pub(crate) fn samples_of(&self, kind: Kind) -> usize {
        match kind {
            Kind::ScreenUnknown => self.samples.div_ceil(10),
            _ => self.samples,
        }
    }
}
