//! PNG charts for the weekly and quarterly digests, rendered entirely in memory.
//!
//! Charts are drawn with `plotters` into an RGB buffer and encoded to PNG bytes, ready to be
//! attached to a Discord message. The bot runs on machines without any system fonts, so all
//! text uses DejaVu Sans, embedded in the binary by the `dejavu` crate and registered once with
//! plotters' `ab_glyph` text backend under the family name `"sans-serif"`.
//!
//! Every function here is total over its inputs: NaN or infinite values are skipped, ratios are
//! clamped to their range, and empty inputs still produce a chart (axes plus a "no data" note).
//! Every figure a chart prints is written by the domain's formatter the digest's card uses
//! ([`crate::domain::format`]), so a chart and its card print the same text. This file holds the
//! public entry points and the plumbing both charts share; each chart is drawn in its own module
//! (`weekly`, `quarterly`).

use std::sync::OnceLock;

mod quarterly;
mod weekly;

use crate::domain::{clip, Week};
use anyhow::{anyhow, Context, Result};
use image::ImageEncoder;
use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint, Ranged};
use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;

/// One week of the weekly digest trend.
#[derive(Debug, Clone, PartialEq)]
pub struct WeekShare {
    /// The ISO week (labelled `W47` on the chart).
    pub week: Week,
    /// Matching share of hours, 0..1; `None` = no data for that week.
    pub hours: Option<f64>,
    /// Matching share of spend, 0..1; `None` = no data for that week.
    pub spend: Option<f64>,
}

/// Font family name used for every piece of text (registered from the embedded DejaVu Sans).
const FONT: &str = "sans-serif";

const WEEKLY_SIZE: (u32, u32) = (900, 450);
const QUARTERLY_SIZE: (u32, u32) = (1000, 500);

/// Longest title shown before it is cut with an ellipsis.
const MAX_TITLE_CHARS: usize = 90;

const TEXT: RGBColor = RGBColor(33, 37, 41);
const MUTED: RGBColor = RGBColor(108, 117, 125);
const GRID: RGBColor = RGBColor(225, 228, 232);
const AXIS: RGBColor = RGBColor(150, 155, 160);
const HOURS_COLOR: RGBColor = RGBColor(31, 119, 180);
const SPEND_COLOR: RGBColor = RGBColor(255, 127, 14);
const TARGET_COLOR: RGBColor = RGBColor(200, 40, 40);
const MATCHING_COLOR: RGBColor = RGBColor(31, 119, 180);
const NOT_MATCHING_COLOR: RGBColor = RGBColor(130, 135, 140);
const LIFT_UP_COLOR: RGBColor = RGBColor(46, 139, 87);
const LIFT_DOWN_COLOR: RGBColor = RGBColor(205, 92, 92);

type Area<'a> = DrawingArea<BitMapBackend<'a>, Shift>;

/// Line chart: matching share of hours and of spend per week (x = weeks, oldest first, labels
/// like "W47"), y from 0% to 100%, a dashed horizontal line at `target` (0..1) labelled
/// "target 80%", a legend, a title.
///
/// Weeks with `None` (or a non-finite value) are gaps (no point), not zero. Works for any
/// number of points, including none, and for all-`None` input (draws axes and a "no data"
/// note). A NaN `target` draws no target line; other targets are clamped to 0..1.
pub fn weekly_share_chart(title: &str, points: &[WeekShare], target: f64) -> Result<Vec<u8>> {
    render(WEEKLY_SIZE, |root| {
        weekly::draw(root, title, points, target)
    })
    .context("rendering the weekly share chart")
}

/// Quarterly re-check chart, two panels side by side: left, a strip plot of each partner's
/// production (amounts in `currency`, written by [`crate::domain::money`]) in the groups "matching" and
/// "everyone else" (deterministically jittered, median marked and printed under the group as the card prints
/// it, `—` for an empty group); right, horizontal bars of the lift per trait (each labelled as the caller
/// names it — the digest passes the card's `[type] name`, [`crate::domain::format::trait_label`] — truncated
/// to ~28 characters, a dashed reference line at 1.0, each lift printed as the card prints it,
/// [`crate::domain::recheck::lift_text`]: `1.50`, and `None` or non-finite lifts `—` with no bar).
///
/// Handles empty groups, all-zero productions, any number of traits (sized for up to 20) and
/// NaN/infinite values (skipped).
pub fn quarterly_chart(
    title: &str,
    matching: &[f64],
    not_matching: &[f64],
    trait_lifts: &[(String, Option<f64>)],
    currency: &str,
) -> Result<Vec<u8>> {
    render(QUARTERLY_SIZE, |root| {
        quarterly::draw(root, title, matching, not_matching, trait_lifts, currency)
    })
    .context("rendering the quarterly chart")
}

// ---------------------------------------------------------------------------------------------
// Rendering plumbing
// ---------------------------------------------------------------------------------------------

/// Registers the embedded DejaVu Sans fonts with plotters, exactly once per process.
fn ensure_fonts() -> Result<()> {
    static REGISTERED: OnceLock<Result<(), String>> = OnceLock::new();
    REGISTERED
        .get_or_init(|| {
            // `register_font` only panics if plotters' font table lock is poisoned; keep even
            // that from escaping as a panic.
            std::panic::catch_unwind(|| {
                plotters::style::register_font(FONT, FontStyle::Normal, dejavu::sans::regular())
                    .map_err(|_| {
                        "embedded DejaVu Sans (regular) is not a valid font".to_string()
                    })?;
                plotters::style::register_font(FONT, FontStyle::Bold, dejavu::sans::bold())
                    .map_err(|_| "embedded DejaVu Sans (bold) is not a valid font".to_string())
            })
            .unwrap_or_else(|_| Err("registering the embedded font panicked".to_string()))
        })
        .clone()
        .map_err(|e| anyhow!("cannot register chart font: {e}"))
}

/// Draws onto a white `size` canvas with `draw`, then encodes the result as PNG.
fn render<F>(size: (u32, u32), draw: F) -> Result<Vec<u8>>
where
    F: FnOnce(&Area<'_>) -> Result<()>,
{
    ensure_fonts()?;
    let (w, h) = size;
    let mut buf = vec![0u8; w as usize * h as usize * 3];
    {
        let root = BitMapBackend::with_buffer(&mut buf, size).into_drawing_area();
        root.fill(&WHITE).map_err(plot_err)?;
        draw(&root)?;
        root.present().map_err(plot_err)?;
    }
    let mut png = Vec::new();
    image::codecs::png::PngEncoder::new(&mut png)
        .write_image(&buf, w, h, image::ColorType::Rgb8)
        .context("encoding chart as PNG")?;
    Ok(png)
}

/// Converts a plotters error (which is not always `Send + Sync`) into an `anyhow::Error`.
fn plot_err<E: std::fmt::Display>(e: E) -> anyhow::Error {
    anyhow!("plotting failed: {e}")
}

fn font(size: f64) -> TextStyle<'static> {
    (FONT, size).into_font().color(&TEXT)
}

fn bold_font(size: f64) -> TextStyle<'static> {
    (FONT, size, FontStyle::Bold).into_font().color(&TEXT)
}

fn draw_title(area: &Area<'_>, title: &str) -> Result<()> {
    let title = clip(title.trim(), MAX_TITLE_CHARS);
    area.draw_text(&title, &bold_font(21.0), (20, 12))
        .map_err(plot_err)
}

// ---------------------------------------------------------------------------------------------
// Small helpers
// ---------------------------------------------------------------------------------------------

/// A linear f64 axis whose labelled ticks (and grid lines) are exactly `ticks`.
///
/// plotters' own `with_key_points` wrapper loses the default value formatter for `f64`, which
/// `configure_mesh` requires even when a custom label formatter is given.
struct FixedTicks {
    inner: RangedCoordf64,
    ticks: Vec<f64>,
}

impl FixedTicks {
    fn new(range: std::ops::Range<f64>, ticks: Vec<f64>) -> Self {
        Self {
            inner: range.into(),
            ticks,
        }
    }
}

impl Ranged for FixedTicks {
    type FormatOption = DefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        self.inner.map(value, limit)
    }

    fn key_points<Hint: KeyPointHint>(&self, hint: Hint) -> Vec<f64> {
        if hint.weight().allow_light_points() {
            Vec::new()
        } else {
            self.ticks.clone()
        }
    }

    fn range(&self) -> std::ops::Range<f64> {
        self.inner.range()
    }
}

#[cfg(test)]
mod tests;
