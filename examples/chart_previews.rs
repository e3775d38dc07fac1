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

/// Week `n` of 2026.
fn iso(n: usize) -> Week {
    Week::from_iso(2026, n as u32).expect("2026 has 53 ISO weeks")
}

fn week(i: usize, hours: Option<f64>, spend: Option<f64>) -> WeekShare {
    WeekShare {
        week: iso(i + 1),
        hours,
        spend,
    }
}

/// Twelve weeks from W36, the hours of W40 and the spend of W44 and W45 missing.
fn realistic_weeks() -> Vec<WeekShare> {
    let hours = [
        0.62, 0.66, 0.71, 0.69, 0.74, 0.78, 0.81, 0.79, 0.84, 0.86, 0.83, 0.88,
    ];
    let spend = [
        0.55, 0.58, 0.60, 0.63, 0.67, 0.70, 0.74, 0.77, 0.80, 0.82, 0.85, 0.87,
    ];
    (0..12)
        .map(|i| WeekShare {
            week: iso(36 + i),
            hours: (i != 4).then_some(hours[i]),
            spend: (i != 8 && i != 9).then_some(spend[i]),
        })
        .collect()
}

type TraitLifts = Vec<(String, Option<f64>)>;

/// 18 matching and 31 other partners' production, and six traits' lifts (one unknown).
fn realistic_quarter() -> (Vec<f64>, Vec<f64>, TraitLifts) {
    let matching: Vec<f64> = (0..18)
        .map(|i| 8_000.0 + (i as f64 * 7_919.0) % 55_000.0)
        .collect();
    let not_matching: Vec<f64> = (0..31)
        .map(|i| 2_000.0 + (i as f64 * 4_513.0) % 38_000.0)
        .collect();
    let traits = vec![
        ("Responds within 24h".to_string(), Some(1.62)),
        (
            "Has a dedicated account manager for our team".to_string(),
            Some(1.31),
        ),
        ("Offers weekend availability".to_string(), Some(0.84)),
        ("Local office".to_string(), None),
        ("Uses shared tracker".to_string(), Some(1.05)),
        ("Certified".to_string(), Some(0.47)),
    ];
    (matching, not_matching, traits)
}

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
