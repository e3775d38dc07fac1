//! The weekly digest's chart: the matching share of hours and of spend per week, against the target,
//! with a legend row under the title. Percentages and week names are the card's
//! ([`crate::domain::format::target_percent`] for the target, as the card prints it beside the shares;
//! [`crate::domain::format::percent`] on the axis; [`crate::domain::format::week_short`]).

use super::{
    draw_title, font, plot_err, Area, FixedTicks, WeekShare, AXIS, GRID, HOURS_COLOR, MUTED,
    SPEND_COLOR, TARGET_COLOR,
};
use crate::domain::format::{percent, target_percent, week_short};
use anyhow::Result;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// Picks one of the two shares out of a week.
type ShareOf = fn(&WeekShare) -> Option<f64>;

/// Draws the weekly share chart of [`super::weekly_share_chart`] onto `root`.
pub(super) fn draw(root: &Area<'_>, title: &str, points: &[WeekShare], target: f64) -> Result<()> {
    let (header, body) = root.split_vertically(72);
    draw_title(&header, title)?;

    let target = if target.is_nan() {
        None
    } else {
        Some(target.clamp(0.0, 1.0))
    };
    let target_label = target.map(target_label);

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

    let labels: Vec<String> = points.iter().map(|p| week_short(p.week)).collect();
    let x_fmt = |x: &f64| -> String {
        let i = x.round();
        if (x - i).abs() < 1e-6 && i >= 0.0 {
            labels.get(i as usize).cloned().unwrap_or_default()
        } else {
            String::new()
        }
    };
    let y_fmt = |y: &f64| percent(*y);

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

/// The target's entry in the legend, written as the card writes it (`target 80%`, `target 80.5%`).
pub(super) fn target_label(target: f64) -> String {
    format!("target {}", target_percent(target))
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

#[cfg(test)]
mod tests {
    use super::target_label;

    /// The legend writes the target as the weekly card does: exactly, so a share printed beside it on the card
    /// (`79.6%`) never reads as equal to it.
    #[test]
    fn the_target_is_the_cards() {
        assert_eq!(target_label(0.8), "target 80%");
        assert_eq!(target_label(0.805), "target 80.5%");
        assert_eq!(
            target_label(0.8125),
            format!("target {}", crate::domain::format::target_percent(0.8125))
        );
    }
}
