//! The quarterly re-check's chart: left, each partner's production by group with its median; right,
//! the lift of each trait as bars around 1.0. The median and the lifts are printed as the card prints
//! them ([`crate::domain::format::opt_money`], [`crate::domain::recheck::lift_text`]).

use super::{
    bold_font, draw_title, font, plot_err, Area, FixedTicks, AXIS, GRID, LIFT_DOWN_COLOR,
    LIFT_UP_COLOR, MATCHING_COLOR, MUTED, NOT_MATCHING_COLOR, TEXT,
};
use crate::domain::format::opt_money;
use crate::domain::recheck::lift_text;
use crate::domain::stats::summarize;
use crate::domain::{clip, money};
use anyhow::Result;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// Longest trait name shown on the quarterly chart before it is cut with an ellipsis.
pub(super) const MAX_TRAIT_CHARS: usize = 28;

/// Largest dollar amount (either sign) drawn; beyond it values are pinned to the edge.
/// Keeps axis arithmetic far from overflow (plotters loops forever on an infinite range).
const MAX_AMOUNT: f64 = 1e12;
/// Largest lift drawn, for the same reason.
const MAX_LIFT: f64 = 1e6;

/// Draws the quarterly chart of [`super::quarterly_chart`] onto `root`.
pub(super) fn draw(
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

        let med = summarize(values).median;
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
        let med_text = median_label(med, currency);
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
    // Each lift as printed (the card's text) and as drawn (clamped, so the axis stays finite).
    let lifts: Vec<Option<(f64, String)>> = trait_lifts
        .iter()
        .map(|(_, l)| {
            l.filter(|v| v.is_finite())
                .map(|v| (v.clamp(0.0, MAX_LIFT), lift_label(Some(v))))
        })
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

    let max_lift = lifts.iter().flatten().fold(0.0_f64, |a, (b, _)| a.max(*b));
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
            Some((v, text)) => {
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
                let (tw, th) = area
                    .estimate_text_size(text, &value_style)
                    .map_err(plot_err)?;
                let (tw, th) = (tw as i32, th as i32);
                chart
                    .draw_series(std::iter::once(
                        EmptyElement::at((*v, y))
                            + Rectangle::new(
                                [(3, -th / 2 - 1), (7 + tw, th / 2 + 1)],
                                WHITE.filled(),
                            )
                            + Text::new(text.clone(), (5, 0), value_style.clone()),
                    ))
                    .map_err(plot_err)?;
            }
            None => {
                chart
                    .draw_series(std::iter::once(
                        EmptyElement::at((0.0, y))
                            + Text::new(lift_label(None), (6, 0), na_style.clone()),
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

/// Finite amounts, clamped to ±`MAX_AMOUNT`.
fn amounts(values: &[f64]) -> Vec<f64> {
    values
        .iter()
        .filter(|v| v.is_finite())
        .map(|v| v.clamp(-MAX_AMOUNT, MAX_AMOUNT))
        .collect()
}

/// Deterministic jitter in -0.5..0.5 (golden-ratio sequence: evenly spread, no RNG).
pub(super) fn jitter(i: usize) -> f64 {
    let x = (i as f64 + 1.0) * 0.618_033_988_749_895;
    x - x.floor() - 0.5
}

/// The text under a group: its median as the card's "median" figure prints it (`median $12,500`), or
/// `median —` for a group without partners.
pub(super) fn median_label(median: Option<f64>, currency: &str) -> String {
    format!("median {}", opt_money(median, currency))
}

/// A trait's lift beside its bar as the card's traits print it: `1.50`; `—` when it is unknown.
pub(super) fn lift_label(lift: Option<f64>) -> String {
    lift_text(lift)
}

/// An x-axis tick of the lift panel: 1.0 -> "1×", 1.5 -> "1.5×", 0.25 -> "0.25×".
pub(super) fn fmt_ratio(x: f64) -> String {
    let s = format!("{x:.2}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    format!("{s}×")
}
