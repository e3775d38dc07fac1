//! PNG charts for the weekly and quarterly digests, rendered entirely in memory.
//!
//! Charts are drawn with `plotters` into an RGB buffer and encoded to PNG bytes, ready to be
//! attached to a Discord message. The bot runs on machines without any system fonts, so all
//! text uses DejaVu Sans, embedded in the binary by the `dejavu` crate and registered once with
//! plotters' `ab_glyph` text backend under the family name `"sans-serif"`.
//!
//! Every function here is total over its inputs: NaN or infinite values are skipped, ratios are
//! clamped to their range, and empty inputs still produce a chart (axes plus a "no data" note).

use std::sync::OnceLock;

use crate::domain::{clip, money, Week};
use anyhow::{anyhow, Context, Result};
use image::ImageEncoder;
use plotters::coord::ranged1d::{DefaultFormatting, KeyPointHint, Ranged};
use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

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

/// Longest trait name shown on the quarterly chart before it is cut with an ellipsis.
const MAX_TRAIT_CHARS: usize = 28;
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
/// Picks one of the two shares out of a week.
type ShareOf = fn(&WeekShare) -> Option<f64>;

/// Line chart: matching share of hours and of spend per week (x = weeks, oldest first, labels
/// like "W47"), y from 0% to 100%, a dashed horizontal line at `target` (0..1) labelled
/// "target 80%", a legend, a title.
///
/// Weeks with `None` (or a non-finite value) are gaps (no point), not zero. Works for any
/// number of points, including none, and for all-`None` input (draws axes and a "no data"
/// note). A NaN `target` draws no target line; other targets are clamped to 0..1.
pub fn weekly_share_chart(title: &str, points: &[WeekShare], target: f64) -> Result<Vec<u8>> {
    render(WEEKLY_SIZE, |root| draw_weekly(root, title, points, target))
        .context("rendering the weekly share chart")
}

/// Quarterly re-check chart, two panels side by side: left, a strip plot of each partner's
/// production (amounts in `currency`, written by [`money`]) in the groups "matching" and "everyone else" (deterministically
/// jittered, median marked and printed under the group); right, horizontal bars of the lift
/// per trait (names truncated to ~28 characters, a dashed reference line at 1.0, `None` or
/// non-finite lifts shown as "n/a" with no bar).
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
        draw_quarterly(root, title, matching, not_matching, trait_lifts, currency)
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
// Weekly chart
// ---------------------------------------------------------------------------------------------

fn draw_weekly(root: &Area<'_>, title: &str, points: &[WeekShare], target: f64) -> Result<()> {
    let (header, body) = root.split_vertically(72);
    draw_title(&header, title)?;

    let target = if target.is_nan() {
        None
    } else {
        Some(target.clamp(0.0, 1.0))
    };
    let target_label = target.map(|t| format!("target {}", fmt_pct(t)));

    // Legend row under the title, so it never hides data.
    let mut legend: Vec<LegendItem> = vec![
        LegendItem::line(HOURS_COLOR, "share of hours"),
        LegendItem::line(SPEND_COLOR, "share of spend"),
    ];
    if let Some(label) = &target_label {
        legend.push(LegendItem::dashed(TARGET_COLOR, label));
    }
    draw_legend_row(&header, &legend, (22, 48))?;

    let n = points.len();
    let x_max = n.max(1) as f64 - 0.5;
    // Label at most ~13 weeks, counting back from the newest so it is always labelled.
    let step = n.div_ceil(13).max(1);
    let mut ticks: Vec<f64> = (0..n).rev().step_by(step).map(|i| i as f64).collect();
    ticks.reverse();
    let y_ticks: Vec<f64> = (0..=5).map(|i| i as f64 * 0.2).collect();

    let labels: Vec<String> = points.iter().map(|p| week_label(p.week)).collect();
    let x_fmt = |x: &f64| -> String {
        let i = x.round();
        if (x - i).abs() < 1e-6 && i >= 0.0 {
            labels.get(i as usize).cloned().unwrap_or_default()
        } else {
            String::new()
        }
    };
    let y_fmt = |y: &f64| fmt_pct(*y);

    let mut chart = ChartBuilder::on(&body)
        .margin_left(12)
        .margin_right(28)
        .margin_bottom(8)
        .margin_top(6)
        .x_label_area_size(34)
        .y_label_area_size(62)
        .build_cartesian_2d(
            FixedTicks::new(-0.5..x_max, ticks),
            FixedTicks::new(0.0..1.04, y_ticks),
        )
        .map_err(plot_err)?;

    chart
        .configure_mesh()
        .disable_x_mesh()
        .bold_line_style(GRID.stroke_width(1))
        .axis_style(AXIS.stroke_width(1))
        .label_style(font(13.0).color(&MUTED))
        .x_label_formatter(&x_fmt)
        .y_label_formatter(&y_fmt)
        .y_desc("matching share")
        .axis_desc_style(font(13.0).color(&MUTED))
        .draw()
        .map_err(plot_err)?;

    if let Some(t) = target {
        chart
            .draw_series(DashedLineSeries::new(
                vec![(-0.5, t), (x_max, t)],
                9,
                6,
                TARGET_COLOR.stroke_width(2),
            ))
            .map_err(plot_err)?;
    }

    let series: [(RGBColor, ShareOf); 2] = [(HOURS_COLOR, |p| p.hours), (SPEND_COLOR, |p| p.spend)];
    let mut any_data = false;
    for (color, get) in series {
        let values: Vec<Option<f64>> = points.iter().map(|p| clean_share(get(p))).collect();
        for segment in contiguous_segments(&values) {
            if segment.len() > 1 {
                chart
                    .draw_series(LineSeries::new(segment.clone(), color.stroke_width(3)))
                    .map_err(plot_err)?;
            }
        }
        let dots: Vec<(f64, f64)> = values
            .iter()
            .enumerate()
            .filter_map(|(i, v)| v.map(|v| (i as f64, v)))
            .collect();
        any_data |= !dots.is_empty();
        if n > 26 {
            // Dense series: small solid dots keep the line readable.
            chart
                .draw_series(dots.into_iter().map(|c| Circle::new(c, 3, color.filled())))
                .map_err(plot_err)?;
        } else {
            chart
                .draw_series(dots.into_iter().map(|c| {
                    EmptyElement::at(c)
                        + Circle::new((0, 0), 4, WHITE.filled())
                        + Circle::new((0, 0), 4, color.stroke_width(2))
                }))
                .map_err(plot_err)?;
        }
    }

    if !any_data {
        let plot = chart.plotting_area().strip_coord_spec();
        let (pw, ph) = plot.dim_in_pixel();
        plot.draw_text(
            "no data for these weeks",
            &font(18.0)
                .color(&MUTED)
                .pos(Pos::new(HPos::Center, VPos::Center)),
            (pw as i32 / 2, ph as i32 / 2),
        )
        .map_err(plot_err)?;
    }
    Ok(())
}

/// Keeps finite shares, clamped to 0..1; everything else is a gap.
fn clean_share(v: Option<f64>) -> Option<f64> {
    v.filter(|v| v.is_finite()).map(|v| v.clamp(0.0, 1.0))
}

/// Splits a series with gaps into runs of consecutive present points `(index, value)`.
fn contiguous_segments(values: &[Option<f64>]) -> Vec<Vec<(f64, f64)>> {
    let mut segments = Vec::new();
    let mut current: Vec<(f64, f64)> = Vec::new();
    for (i, v) in values.iter().enumerate() {
        match v {
            Some(v) => current.push((i as f64, *v)),
            None if !current.is_empty() => segments.push(std::mem::take(&mut current)),
            None => {}
        }
    }
    if !current.is_empty() {
        segments.push(current);
    }
    segments
}

/// The week's number as its ISO name writes it: 2026-W47 -> "W47", 2027-W01 -> "W01".
fn week_label(week: Week) -> String {
    format!("W{:02}", week.number())
}

struct LegendItem {
    color: RGBColor,
    dashed: bool,
    label: String,
}

impl LegendItem {
    fn line(color: RGBColor, label: &str) -> Self {
        Self {
            color,
            dashed: false,
            label: label.to_string(),
        }
    }
    fn dashed(color: RGBColor, label: &str) -> Self {
        Self {
            color,
            dashed: true,
            label: label.to_string(),
        }
    }
}

/// Draws a horizontal legend (swatch + label, ...) with its left edge at `origin`.
fn draw_legend_row(area: &Area<'_>, items: &[LegendItem], origin: (i32, i32)) -> Result<()> {
    let style = font(14.0).pos(Pos::new(HPos::Left, VPos::Center));
    let (mut x, y) = origin;
    for item in items {
        let stroke = item.color.stroke_width(3);
        if item.dashed {
            for dx in [0, 11, 22] {
                area.draw(&PathElement::new(
                    vec![(x + dx, y), (x + dx + 7, y)],
                    stroke,
                ))
                .map_err(plot_err)?;
            }
        } else {
            area.draw(&PathElement::new(vec![(x, y), (x + 28, y)], stroke))
                .map_err(plot_err)?;
            area.draw(&Circle::new((x + 14, y), 4, WHITE.filled()))
                .map_err(plot_err)?;
            area.draw(&Circle::new((x + 14, y), 4, item.color.stroke_width(2)))
                .map_err(plot_err)?;
        }
        x += 36;
        area.draw_text(&item.label, &style, (x, y))
            .map_err(plot_err)?;
        let (w, _) = area
            .estimate_text_size(&item.label, &style)
            .map_err(plot_err)?;
        x += w as i32 + 28;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Quarterly chart
// ---------------------------------------------------------------------------------------------

fn draw_quarterly(
    root: &Area<'_>,
    title: &str,
    matching: &[f64],
    not_matching: &[f64],
    trait_lifts: &[(String, Option<f64>)],
    currency: &str,
) -> Result<()> {
    let (header, body) = root.split_vertically(52);
    draw_title(&header, title)?;
    let (left, right) = body.split_horizontally(440);
    draw_strip_panel(&left, matching, not_matching, currency)?;
    draw_lift_panel(&right, trait_lifts)?;
    Ok(())
}

fn draw_strip_panel(
    area: &Area<'_>,
    matching: &[f64],
    not_matching: &[f64],
    currency: &str,
) -> Result<()> {
    let groups: [(&str, Vec<f64>, RGBColor); 2] = [
        ("matching", amounts(matching), MATCHING_COLOR),
        ("everyone else", amounts(not_matching), NOT_MATCHING_COLOR),
    ];

    let all = groups.iter().flat_map(|g| g.1.iter().copied());
    let (lo, hi) = all.fold((0.0_f64, 0.0_f64), |(lo, hi), v| (lo.min(v), hi.max(v)));
    let span = if hi - lo < 1.0 { 1000.0 } else { hi - lo };
    // A little room below the lowest value too, so dots at $0 are not cut by the axis.
    let (y_lo, y_hi) = (lo - span * 0.03, lo + span * 1.06);

    let y_fmt = |v: &f64| money(*v, currency);
    let mut chart = ChartBuilder::on(area)
        .caption(
            "Production per partner  (bar = median)",
            font(15.0).color(&TEXT),
        )
        .margin_left(12)
        .margin_right(16)
        .margin_top(6)
        .margin_bottom(8)
        .x_label_area_size(48)
        .y_label_area_size(62)
        .build_cartesian_2d(FixedTicks::new(-0.5..1.5, Vec::new()), y_lo..y_hi)
        .map_err(plot_err)?;

    chart
        .configure_mesh()
        .disable_x_mesh()
        .light_line_style(TRANSPARENT)
        .bold_line_style(GRID.stroke_width(1))
        .axis_style(AXIS.stroke_width(1))
        .label_style(font(13.0).color(&MUTED))
        .y_labels(7)
        .y_label_formatter(&y_fmt)
        .draw()
        .map_err(plot_err)?;

    let y_mid = (y_lo + y_hi) / 2.0;
    for (g, (name, values, color)) in groups.iter().enumerate() {
        let gx = g as f64;
        let dot = if values.len() > 150 { 3 } else { 5 };
        chart
            .draw_series(values.iter().enumerate().map(|(i, v)| {
                Circle::new((gx + jitter(i) * 0.44, *v), dot, color.mix(0.55).filled())
            }))
            .map_err(plot_err)?;

        let med = median(values);
        if let Some(m) = med {
            chart
                .draw_series(LineSeries::new(
                    vec![(gx - 0.32, m), (gx + 0.32, m)],
                    TEXT.stroke_width(3),
                ))
                .map_err(plot_err)?;
        } else {
            chart
                .draw_series(std::iter::once(Text::new(
                    "no partners",
                    (gx, y_mid),
                    font(14.0)
                        .color(&MUTED)
                        .pos(Pos::new(HPos::Center, VPos::Center)),
                )))
                .map_err(plot_err)?;
        }

        // Two-line category label under the axis: name + count, then the median.
        let (px, py) = chart.backend_coord(&(gx, y_lo));
        let (ax, ay) = area.get_base_pixel();
        let (px, py) = (px - ax, py - ay);
        let centered = Pos::new(HPos::Center, VPos::Top);
        area.draw_text(
            &format!("{name} (n={})", values.len()),
            &font(14.0).color(&TEXT).pos(centered),
            (px, py + 8),
        )
        .map_err(plot_err)?;
        let med_text = med.map_or_else(
            || "median –".to_string(),
            |m| format!("median {}", money(m, currency)),
        );
        area.draw_text(&med_text, &bold_font(13.0).pos(centered), (px, py + 27))
            .map_err(plot_err)?;
    }
    Ok(())
}

fn draw_lift_panel(area: &Area<'_>, trait_lifts: &[(String, Option<f64>)]) -> Result<()> {
    let k = trait_lifts.len();
    let names: Vec<String> = trait_lifts
        .iter()
        .map(|(name, _)| clip(name.trim(), MAX_TRAIT_CHARS))
        .collect();
    let lifts: Vec<Option<f64>> = trait_lifts
        .iter()
        .map(|(_, l)| l.filter(|v| v.is_finite()).map(|v| v.clamp(0.0, MAX_LIFT)))
        .collect();

    let label_size = if k > 14 { 12.0 } else { 13.0 };
    let label_style = font(label_size).color(&TEXT);
    let mut label_w = 40;
    for name in &names {
        let (w, _) = area
            .estimate_text_size(name, &label_style)
            .map_err(plot_err)?;
        label_w = label_w.max(w as i32 + 14);
    }

    let max_lift = lifts.iter().flatten().fold(0.0_f64, |a, &b| a.max(b));
    let x_hi = (max_lift * 1.18).max(2.0);
    let y_hi = k.max(1) as f64 - 0.5;
    // Row i (top to bottom) sits at y = k - 1 - i.
    let row_y = |i: usize| (k - 1 - i) as f64;
    let y_ticks: Vec<f64> = (0..k).map(|i| i as f64).collect();

    let y_fmt = |y: &f64| -> String {
        let r = y.round();
        if (y - r).abs() > 1e-6 || r < 0.0 || r as usize >= k {
            return String::new();
        }
        names.get(k - 1 - r as usize).cloned().unwrap_or_default()
    };
    let x_fmt = |x: &f64| fmt_ratio(*x);

    let mut chart = ChartBuilder::on(area)
        .caption(
            "Lift per trait  (1.0 = no difference)",
            font(15.0).color(&TEXT),
        )
        .margin_left(8)
        .margin_right(24)
        .margin_top(6)
        .margin_bottom(8)
        .x_label_area_size(48)
        .y_label_area_size(label_w)
        .build_cartesian_2d(0.0..x_hi, FixedTicks::new(-0.5..y_hi, y_ticks))
        .map_err(plot_err)?;

    chart
        .configure_mesh()
        .disable_y_mesh()
        .light_line_style(TRANSPARENT)
        .bold_line_style(GRID.stroke_width(1))
        .axis_style(AXIS.stroke_width(1))
        .x_labels(6)
        .x_label_formatter(&x_fmt)
        .y_label_formatter(&y_fmt)
        .y_label_style(label_style.clone())
        .x_label_style(font(13.0).color(&MUTED))
        .x_desc("lift (met ÷ missed)")
        .axis_desc_style(font(13.0).color(&MUTED))
        .draw()
        .map_err(plot_err)?;

    // Reference line first, so bars and their labels sit on top of it.
    if k > 0 {
        chart
            .draw_series(DashedLineSeries::new(
                vec![(1.0, -0.5), (1.0, y_hi)],
                7,
                5,
                TEXT.stroke_width(2),
            ))
            .map_err(plot_err)?;
    }

    let half = if k > 12 { 0.32 } else { 0.3 };
    let value_style = font(12.0)
        .color(&TEXT)
        .pos(Pos::new(HPos::Left, VPos::Center));
    let na_style = font(12.0)
        .color(&MUTED)
        .pos(Pos::new(HPos::Left, VPos::Center));
    for (i, lift) in lifts.iter().enumerate() {
        let y = row_y(i);
        match lift {
            Some(v) => {
                let color = if *v >= 1.0 {
                    LIFT_UP_COLOR
                } else {
                    LIFT_DOWN_COLOR
                };
                chart
                    .draw_series(std::iter::once(Rectangle::new(
                        [(0.0, y - half), (*v, y + half)],
                        color.mix(0.85).filled(),
                    )))
                    .map_err(plot_err)?;
                let text = format!("{v:.2}×");
                let (tw, th) = area
                    .estimate_text_size(&text, &value_style)
                    .map_err(plot_err)?;
                let (tw, th) = (tw as i32, th as i32);
                chart
                    .draw_series(std::iter::once(
                        EmptyElement::at((*v, y))
                            + Rectangle::new(
                                [(3, -th / 2 - 1), (7 + tw, th / 2 + 1)],
                                WHITE.filled(),
                            )
                            + Text::new(text, (5, 0), value_style.clone()),
                    ))
                    .map_err(plot_err)?;
            }
            None => {
                chart
                    .draw_series(std::iter::once(
                        EmptyElement::at((0.0, y)) + Text::new("n/a", (6, 0), na_style.clone()),
                    ))
                    .map_err(plot_err)?;
            }
        }
    }

    if k == 0 {
        let plot = chart.plotting_area().strip_coord_spec();
        let (pw, ph) = plot.dim_in_pixel();
        plot.draw_text(
            "no traits to compare",
            &font(16.0)
                .color(&MUTED)
                .pos(Pos::new(HPos::Center, VPos::Center)),
            (pw as i32 / 2, ph as i32 / 2),
        )
        .map_err(plot_err)?;
    }
    Ok(())
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

/// Largest dollar amount (either sign) drawn; beyond it values are pinned to the edge.
/// Keeps axis arithmetic far from overflow (plotters loops forever on an infinite range).
const MAX_AMOUNT: f64 = 1e12;
/// Largest lift drawn, for the same reason.
const MAX_LIFT: f64 = 1e6;

/// Finite amounts, clamped to ±`MAX_AMOUNT`.
fn amounts(values: &[f64]) -> Vec<f64> {
    values
        .iter()
        .filter(|v| v.is_finite())
        .map(|v| v.clamp(-MAX_AMOUNT, MAX_AMOUNT))
        .collect()
}

/// Deterministic jitter in -0.5..0.5 (golden-ratio sequence: evenly spread, no RNG).
fn jitter(i: usize) -> f64 {
    let x = (i as f64 + 1.0) * 0.618_033_988_749_895;
    x - x.floor() - 0.5
}

fn median(values: &[f64]) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let mid = v.len() / 2;
    Some(if v.len() % 2 == 0 {
        (v[mid - 1] + v[mid]) / 2.0
    } else {
        v[mid]
    })
}

/// 0.8 -> "80%".
fn fmt_pct(share: f64) -> String {
    format!("{:.0}%", share * 100.0)
}

/// 1.0 -> "1×", 1.5 -> "1.5×", 0.25 -> "0.25×".
fn fmt_ratio(x: f64) -> String {
    let s = format!("{x:.2}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    format!("{s}×")
}

#[cfg(test)]
mod tests;
