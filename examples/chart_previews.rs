//! Writes the digest charts as PNG files, to look at after changing how they are drawn (`src/chart.rs`): the
//! weekly share with realistic data, with no data and over a full year; the quarterly re-check with realistic
//! data, with edge cases (all-zero productions, an empty group, 20 long trait names) and with nothing.
//!
//! ```text
//! cargo run --example chart_previews -- /tmp/charts
//! ```
//!
//! The directory (default `target/chart-previews`) is created if needed. The unit tests of `src/chart.rs` check
//! that the same kinds of input render; this shows what they look like.

use partnerfit::chart::{quarterly_chart, weekly_share_chart, WeekShare};
use partnerfit::domain::Week;
use std::path::PathBuf;

#[path = "../src/chart/samples.rs"]
mod samples;
use samples::{realistic_quarter, realistic_weeks, week, TraitLifts};

fn main() -> anyhow::Result<()> {
    let dir = std::env::args_os()
        .nth(1)
        .map_or_else(|| PathBuf::from("target/chart-previews"), PathBuf::from);
    std::fs::create_dir_all(&dir)?;
    let mut charts: Vec<(&str, Vec<u8>)> = Vec::new();

    charts.push((
        "weekly.png",
        weekly_share_chart(
            "Partner fit — matching share, last 12 weeks",
            &realistic_weeks(),
            0.8,
        )?,
    ));
    let none: Vec<WeekShare> = (0..6).map(|i| week(i, None, None)).collect();
    charts.push((
        "weekly_empty.png",
        weekly_share_chart("No data yet", &none, -0.2)?,
    ));
    let year: Vec<WeekShare> = (0..52)
        .map(|i| {
            let h = 0.55 + (i % 9) as f64 * 0.04;
            week(i, (i % 11 != 3).then_some(h), Some(h - 0.07))
        })
        .collect();
    charts.push((
        "weekly_year.png",
        weekly_share_chart("A full year", &year, 0.8)?,
    ));

    let (m, n, t) = realistic_quarter();
    charts.push((
        "quarterly.png",
        quarterly_chart("Quarterly re-check — Q4 2026", &m, &n, &t, "$")?,
    ));
    let traits: TraitLifts = (0..20)
        .map(|i| {
            let lift = (i % 5 != 0).then(|| i as f64 / 6.0);
            (
                format!("trait number {i} with a very long descriptive name"),
                lift,
            )
        })
        .collect();
    charts.push((
        "quarterly_edge.png",
        quarterly_chart("Edge cases", &[0.0; 7], &[], &traits, "$")?,
    ));
    charts.push((
        "quarterly_empty.png",
        quarterly_chart("Nothing", &[], &[], &[], "$")?,
    ));

    for (name, png) in charts {
        let path = dir.join(name);
        std::fs::write(&path, png)?;
        println!("{}", path.display());
    }
    Ok(())
}
