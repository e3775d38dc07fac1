//! Sample inputs for the digest charts, shared by the chart's unit tests and `examples/chart_previews.rs` (both
//! include this file by path; it is not part of the library): realistic weeks and a realistic quarter, so the
//! previews show what the tests check renders. Its includer brings `Week` and `WeekShare` into scope.

use super::{Week, WeekShare};

/// Week `n` of 2026.
pub fn iso(n: usize) -> Week {
    Week::from_iso(2026, n as u32).expect("2026 has 53 ISO weeks")
}

/// Week `i + 1` of 2026 with these shares.
pub fn week(i: usize, hours: Option<f64>, spend: Option<f64>) -> WeekShare {
    WeekShare {
        week: iso(i + 1),
        hours,
        spend,
    }
}

/// Twelve weeks from W36, the hours of W40 and the spend of W44 and W45 missing.
pub fn realistic_weeks() -> Vec<WeekShare> {
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

/// Each trait's name and its lift (None: unknown).
pub type TraitLifts = Vec<(String, Option<f64>)>;

/// 18 matching and 31 other partners' production, and six traits' lifts (one unknown).
pub fn realistic_quarter() -> (Vec<f64>, Vec<f64>, TraitLifts) {
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
