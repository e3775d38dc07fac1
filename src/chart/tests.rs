//! Unit tests of `chart`: kept in a file of their own so the module's code stays readable.

use super::quarterly::{fmt_ratio, jitter, lift_label, median_label, MAX_TRAIT_CHARS};
use super::*;
use crate::domain::format::week_short;

const PNG_SIGNATURE: &[u8] = &[0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];

fn decode(png: &[u8]) -> image::RgbImage {
    assert!(png.starts_with(PNG_SIGNATURE), "not a PNG");
    image::load_from_memory(png).expect("PNG decodes").to_rgb8()
}

fn non_white_share(img: &image::RgbImage) -> f64 {
    let non_white = img.pixels().filter(|p| p.0 != [255, 255, 255]).count();
    non_white as f64 / (img.width() * img.height()) as f64
}

/// Decodes a rendered chart and checks it has `size` and something drawn on it; the image.
#[track_caller]
fn rendered(png: &[u8], size: (u32, u32)) -> image::RgbImage {
    let img = decode(png);
    assert_eq!(img.dimensions(), size);
    let share = non_white_share(&img);
    assert!(share > 0.0, "nothing drawn: {share}");
    img
}

/// Pixels of the hours blue and of the spend orange in the rows just above the weekly chart's x axis (the
/// plot's bottom is ~45px above the image's): what a share drawn at or near 0% leaves there.
fn drawn_near_zero(png: &[u8]) -> (usize, usize) {
    let img = rendered(png, WEEKLY_SIZE);
    let rows = img.height() - 90..img.height() - 50;
    let pixels = || {
        rows.clone()
            .flat_map(|y| (0..img.width()).map(move |x| (x, y)))
            .map(|(x, y)| img.get_pixel(x, y).0)
    };
    let hours = pixels().filter(|p| p[2] > 150 && p[0] < 100).count();
    let spend = pixels()
        .filter(|p| p[0] > 200 && (90..170).contains(&p[1]) && p[2] < 80)
        .count();
    (hours, spend)
}

#[path = "samples.rs"]
mod samples;
use samples::{iso, realistic_quarter, realistic_weeks, week};

#[test]
fn weekly_is_png_of_expected_size_and_not_blank() {
    let png = weekly_share_chart("Matching share", &realistic_weeks(), 0.8).unwrap();
    let img = decode(&png);
    assert_eq!((img.width(), img.height()), WEEKLY_SIZE);
    let share = non_white_share(&img);
    assert!(share > 0.03, "chart looks blank: {share}");
}

#[test]
fn quarterly_is_png_of_expected_size_and_not_blank() {
    let (m, n, t) = realistic_quarter();
    let png = quarterly_chart("Q4 re-check", &m, &n, &t, "$").unwrap();
    let img = decode(&png);
    assert_eq!((img.width(), img.height()), QUARTERLY_SIZE);
    let share = non_white_share(&img);
    assert!(share > 0.03, "chart looks blank: {share}");
}

/// Pixels of the title strip (top 45 rows) of a rendered chart.
fn title_strip(png: &[u8]) -> Vec<u8> {
    let img = decode(png);
    let w = img.width();
    (0..45)
        .flat_map(|y| (0..w).map(move |x| (x, y)))
        .flat_map(|(x, y)| img.get_pixel(x, y).0)
        .collect()
}

#[test]
fn titles_are_rendered_as_text() {
    let weeks = realistic_weeks();
    let a = weekly_share_chart("Weekly digest", &weeks, 0.8).unwrap();
    let b = weekly_share_chart("Something else entirely", &weeks, 0.8).unwrap();
    let (sa, sb) = (title_strip(&a), title_strip(&b));
    assert_ne!(sa, sb, "weekly title does not change the image");
    assert!(sa.iter().any(|&c| c < 128), "no dark title pixels");

    let (m, n, t) = realistic_quarter();
    let a = quarterly_chart("Q3 2026", &m, &n, &t, "$").unwrap();
    let b = quarterly_chart("Q4 2026 re-check", &m, &n, &t, "$").unwrap();
    assert_ne!(title_strip(&a), title_strip(&b));
}

#[test]
fn empty_title_is_fine() {
    let png = weekly_share_chart("", &realistic_weeks(), 0.8).unwrap();
    let share = non_white_share(&rendered(&png, WEEKLY_SIZE));
    assert!(share > 0.03, "weekly chart looks blank: {share}");
    let (m, n, t) = realistic_quarter();
    let png = quarterly_chart("", &m, &n, &t, "$").unwrap();
    let share = non_white_share(&rendered(&png, QUARTERLY_SIZE));
    assert!(share > 0.03, "quarterly chart looks blank: {share}");
}

#[test]
fn gaps_are_not_drawn_as_zero() {
    // Same data, except one series has a gap instead of a value; a gap must not pull
    // anything down to the 0% line, so the bottom of the plot stays identical to a chart
    // with no values at all in that week.
    let base: Vec<WeekShare> = (0..8).map(|i| week(i, Some(0.9), Some(0.9))).collect();
    let mut gap = base.clone();
    gap[3].hours = None;
    gap[5].spend = None;
    let mut zero = base.clone();
    zero[3].hours = Some(0.0);
    zero[5].spend = Some(0.0);
    let g = weekly_share_chart("t", &gap, 0.8).unwrap();
    let z = weekly_share_chart("t", &zero, 0.8).unwrap();
    assert_eq!(drawn_near_zero(&g), (0, 0), "a gap drew something near 0%");
    let (hours, spend) = drawn_near_zero(&z);
    assert!(
        hours > 0 && spend > 0,
        "a real 0% value should be drawn near the axis: {hours} blue, {spend} orange pixels"
    );
}

#[test]
fn all_none_and_empty_inputs_render() {
    let none: Vec<WeekShare> = (0..10).map(|i| week(i, None, None)).collect();
    for pts in [&none[..], &[]] {
        let png = weekly_share_chart("No data", pts, 0.8).unwrap();
        let img = decode(&png);
        assert_eq!((img.width(), img.height()), WEEKLY_SIZE);
        assert!(non_white_share(&img) > 0.005);
    }
    let png = quarterly_chart("Empty", &[], &[], &[], "$").unwrap();
    assert_eq!(decode(&png).dimensions(), QUARTERLY_SIZE);
    let png = quarterly_chart("One empty", &[1.0, 2.0], &[], &[], "$").unwrap();
    rendered(&png, QUARTERLY_SIZE);
    let png = quarterly_chart("Other empty", &[], &[5e3], &[("x".into(), None)], "$").unwrap();
    rendered(&png, QUARTERLY_SIZE);
}

#[test]
fn hostile_numbers_do_not_panic() {
    let pts = vec![
        week(0, Some(f64::NAN), Some(f64::INFINITY)),
        week(1, Some(-3.0), Some(7.0)),
        week(2, Some(f64::NEG_INFINITY), Some(0.5)),
        WeekShare {
            week: Week::from_iso(1000, 1).unwrap(),
            hours: Some(0.5),
            spend: None,
        },
        WeekShare {
            week: Week::from_iso(9999, 52).unwrap(),
            hours: Some(0.5),
            spend: None,
        },
    ];
    for target in [0.8, -1.0, 5.0, f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        let png = weekly_share_chart("NaN", &pts, target).unwrap();
        rendered(&png, WEEKLY_SIZE);
    }
    let bad = [f64::NAN, f64::INFINITY, f64::NEG_INFINITY];
    // A non-finite share is a gap, as `None` is: nothing drawn near 0% for it (nor anywhere: a share of
    // +inf is not clamped to 100%).
    for v in bad {
        let mut one_bad: Vec<WeekShare> = (0..8).map(|i| week(i, Some(0.9), Some(0.9))).collect();
        one_bad[3].hours = Some(v);
        one_bad[5].spend = Some(v);
        let png = weekly_share_chart("t", &one_bad, 0.8).unwrap();
        assert_eq!(drawn_near_zero(&png), (0, 0), "{v} drew something near 0%");
        let mut gaps = one_bad.clone();
        gaps[3].hours = None;
        gaps[5].spend = None;
        let gaps = weekly_share_chart("t", &gaps, 0.8).unwrap();
        assert!(decode(&png) == decode(&gaps), "{v} is drawn as a gap is");
    }
    let png = quarterly_chart("NaN", &bad, &bad, &[], "$").unwrap();
    rendered(&png, QUARTERLY_SIZE);
    let png = quarterly_chart(
        "mixed",
        &[f64::NAN, 10.0, -500.0, 1e12],
        &[0.0, f64::INFINITY],
        &[
            ("nan".into(), Some(f64::NAN)),
            ("inf".into(), Some(f64::INFINITY)),
            ("neg".into(), Some(-2.0)),
            ("huge".into(), Some(1e9)),
            ("".into(), Some(0.0)),
        ],
        "$",
    )
    .unwrap();
    rendered(&png, QUARTERLY_SIZE);
    // Magnitudes that would overflow axis arithmetic, and ones too small to show.
    let png = quarterly_chart(
        "extreme",
        &[f64::MAX, -f64::MAX],
        &[f64::MIN_POSITIVE],
        &[("a".into(), Some(f64::MAX)), ("b".into(), Some(1e-300))],
        "$",
    )
    .unwrap();
    rendered(&png, QUARTERLY_SIZE);
    let png = quarterly_chart("tiny", &[1e-300, 2e-300], &[0.4], &[], "$").unwrap();
    rendered(&png, QUARTERLY_SIZE);
}

#[test]
fn edge_sizes_render() {
    let one = vec![week(0, Some(0.7), Some(0.6))];
    let png = weekly_share_chart("one", &one, 0.8).unwrap();
    rendered(&png, WEEKLY_SIZE);
    let year: Vec<WeekShare> = (0..52)
        .map(|i| week(i, Some(0.5 + (i % 7) as f64 * 0.05), Some(0.6)))
        .collect();
    let png = weekly_share_chart("year", &year, 0.8).unwrap();
    let share = non_white_share(&rendered(&png, WEEKLY_SIZE));
    assert!(share > 0.03, "a year of weeks looks blank: {share}");

    let zeros = vec![0.0; 12];
    let traits: Vec<(String, Option<f64>)> = (0..20)
        .map(|i| {
            let lift = if i % 5 == 0 {
                None
            } else {
                Some(i as f64 / 8.0)
            };
            (
                format!("trait number {i} with a very long descriptive name"),
                lift,
            )
        })
        .collect();
    let png = quarterly_chart("zeros", &zeros, &zeros, &traits, "$").unwrap();
    let share = non_white_share(&rendered(&png, QUARTERLY_SIZE));
    assert!(share > 0.03, "twenty traits look blank: {share}");
}

#[test]
fn helpers_format_and_truncate() {
    assert_eq!(fmt_ratio(1.0), "1×");
    assert_eq!(fmt_ratio(1.5), "1.5×");
    assert_eq!(fmt_ratio(0.25), "0.25×");
    let long = "Has a dedicated account manager for our team";
    let t = clip(long, MAX_TRAIT_CHARS);
    assert_eq!(t, "Has a dedicated account man…");
    assert_eq!(t.chars().count(), MAX_TRAIT_CHARS);
    assert_eq!(clip("short", MAX_TRAIT_CHARS), "short");
    for i in 0..100 {
        assert!((-0.5..0.5).contains(&jitter(i)));
    }
}

/// What the charts print is what the digests' cards print for the same figure (the cards' formatters are the
/// domain's: `format::percent`, `format::week_short`, `format::opt_money`, `recheck::lift_text`).
#[test]
fn charts_print_the_cards_text() {
    // The weekly chart's target and axis, and its week names.
    assert_eq!(crate::domain::format::percent(0.8), "80%");
    assert_eq!(week_short(iso(47)), "W47");
    assert_eq!(week_short(iso(3)), "W03");
    // The week's name is its ISO name from the `W`.
    for w in [iso(1), iso(9), iso(53), Week::from_iso(2027, 1).unwrap()] {
        let name = w.to_string();
        assert_eq!(week_short(w), name[name.rfind('W').unwrap()..], "{name}");
    }
    // The quarterly chart's lifts: two decimals, no sign after them, and a dash when unknown (was `1.50×`
    // and `n/a`).
    assert_eq!(lift_label(Some(1.5)), "1.50");
    assert_eq!(lift_label(Some(7.4833)), "7.48");
    assert_eq!(lift_label(Some(0.0)), "0.00");
    assert_eq!(lift_label(None), "—");
    // The medians under the groups: the card's money, and a dash for a group without partners (was `–`).
    assert_eq!(median_label(Some(12_500.0), "$"), "median $12,500");
    assert_eq!(median_label(Some(126_000.0), "$"), "median $126k");
    assert_eq!(median_label(None, "€"), "median —");
}
