//! The one text form of each figure that replies and charts print, so a chart and the card beside it print
//! the same thing: a share as a percentage, a number to fixed digits, an amount that may be missing, a week's
//! short name, and where a cut of text falls. A share printed beside the weekly target is [`percent_against`]
//! (with [`target_percent`]), a p-value [`p_value`], a trait of the re-check [`trait_label`]. Money itself is
//! [`super::money`] and the cut of text [`super::clip`]; the lift of the re-check is
//! [`super::recheck::lift_text`], built on [`fixed`].

use super::types::{money, Week};

/// What a figure that cannot be computed prints (no data, a division by zero): an em dash.
pub const MISSING: &str = "—";

/// A share (0..1) as a whole percentage: `0.8` → `80%`. Rounded by `{:.0}` on `share * 100`, that is to the
/// nearest whole number of the binary value, an exact half to the even one: `0.625` → `62%`, `0.375` → `38%`,
/// but `0.545` → `55%` (its product is just above 54.5).
pub fn percent(share: f64) -> String {
    format!("{:.0}%", share * 100.0)
}

/// [`percent`], or [`MISSING`] when there is no share (nothing to divide).
pub fn opt_percent(share: Option<f64>) -> String {
    share.map_or_else(|| MISSING.to_string(), percent)
}

/// The most decimals [`target_percent`] and [`percent_against`] print.
const MAX_PERCENT_DECIMALS: usize = 4;

/// A share as a percentage with `digits` decimals: `{:.digits$}` on `share * 100`.
fn percent_digits(share: f64, digits: usize) -> String {
    format!("{:.digits$}%", share * 100.0)
}

/// The number a percentage written by [`percent_digits`] reads as (`79.6%` → 79.6).
fn percent_value(text: &str) -> f64 {
    text.trim_end_matches('%').parse().unwrap_or(f64::NAN)
}

/// The allocation target as the weekly card and chart print it: the fewest decimals (up to 4) that write it
/// exactly, `0.8` → `80%`, `0.805` → `80.5%`, `0.8125` → `81.25%`, so a share printed beside it
/// ([`percent_against`]) can be told apart from it.
pub fn target_percent(target: f64) -> String {
    if !target.is_finite() {
        return percent(target);
    }
    (0..MAX_PERCENT_DECIMALS)
        .map(|d| percent_digits(target, d))
        .find(|t| (percent_value(t) / 100.0 - target).abs() <= 1e-12)
        .unwrap_or_else(|| percent_digits(target, MAX_PERCENT_DECIMALS))
}

/// A share printed beside the target it is judged against (the weekly status compares them strictly): as
/// [`percent`] prints it, unless that would read as equal to the printed target ([`target_percent`]), or on
/// its other side, while the share is below or above it. Then with one decimal more at a time, up to 4, and
/// past that `just under 80%` / `just over 80%`. Against 0.80: `0.796` → `79.6%` (not `80%`), `0.7996` →
/// `79.96%`, `0.804` → `80.4%`, `0.8` → `80%`, `0.62` → `62%`.
pub fn percent_against(share: f64, target: f64) -> String {
    let target_text = target_percent(target);
    let t = percent_value(&target_text);
    let Some(side) = share.partial_cmp(&target) else {
        return percent(share);
    };
    if t.is_nan() {
        return percent(share);
    }
    (0..=MAX_PERCENT_DECIMALS)
        .map(|d| percent_digits(share, d))
        .find(|s| percent_value(s).partial_cmp(&t) == Some(side))
        .unwrap_or_else(|| match side {
            std::cmp::Ordering::Less => format!("just under {target_text}"),
            std::cmp::Ordering::Greater => format!("just over {target_text}"),
            std::cmp::Ordering::Equal => target_text.clone(),
        })
}

/// [`percent_against`], or [`MISSING`] when there is no share (nothing to divide).
pub fn opt_percent_against(share: Option<f64>, target: f64) -> String {
    share.map_or_else(|| MISSING.to_string(), |s| percent_against(s, target))
}

/// The smallest p-value [`p_value`] prints as a number.
pub const P_FLOOR: f64 = 0.0001;

/// A p-value of the re-check (the cohort's test and each trait's), one way in the card and wherever else it is
/// printed: 4 decimals, `< 0.0001` below [`P_FLOOR`] (where 4 decimals would print `0.0000`, or round up to
/// the floor itself), or [`MISSING`] without a test.
pub fn p_value(p: Option<f64>) -> String {
    match p {
        Some(p) if p < P_FLOOR => "< 0.0001".to_string(),
        p => fixed(p, 4),
    }
}

/// A trait as the re-check's card and chart name it: its partner type in brackets, then its name
/// (`[reseller] Deal registration`), so two types' traits of the same name are told apart.
pub fn trait_label(partner_type: impl std::fmt::Display, name: impl std::fmt::Display) -> String {
    format!("[{partner_type}] {name}")
}

/// A number with `digits` decimals (`{:.digits$}`, ties to even on the binary value), or [`MISSING`]: the
/// re-check's lift, U and p-values.
pub fn fixed(v: Option<f64>, digits: usize) -> String {
    v.map_or_else(|| MISSING.to_string(), |v| format!("{v:.digits$}"))
}

/// An amount in `currency` as [`money`] writes it, or [`MISSING`] when it cannot be computed (the mean or
/// median of an empty group).
pub fn opt_money(v: Option<f64>, currency: &str) -> String {
    v.map_or_else(|| MISSING.to_string(), |v| money(v, currency))
}

/// A week's short name, its part of the ISO name from the `W`: 2026-W47 → `W47`, 2027-W01 → `W01`. The trend
/// line of the weekly card and the weekly chart's axis.
pub fn week_short(week: Week) -> String {
    format!("W{:02}", week.number())
}

/// The byte length of the first `n` characters of `s` when `s` has more than `n` characters, `None` when it
/// has `n` or fewer (nothing to cut).
pub fn prefix_len(s: &str, n: usize) -> Option<usize> {
    // A character is at least one byte: what has no more bytes than `n` has no more characters.
    if s.len() <= n {
        return None;
    }
    s.char_indices().nth(n).map(|(i, _)| i)
}

/// Where [`super::clip`] cuts `s` to at most `max` characters: the byte length of the `max - 1` characters
/// it keeps before the ellipsis (trailing spaces still in), or `None` when `s` fits and is kept whole.
pub fn clip_end(s: &str, max: usize) -> Option<usize> {
    prefix_len(s, max)?;
    // More than `max` characters, so more than `max - 1`: the kept part is a true prefix (empty for 0).
    Some(prefix_len(s, max.saturating_sub(1)).unwrap_or(0))
}

/// An instant as replies print it, in a workspace's time zone with the zone's name, so nobody takes it for
/// another zone's: `2026-11-20 14:03 UTC`, `2026-11-20 15:03 CET`.
pub fn time_in_zone(t: chrono::DateTime<chrono::Utc>, tz: chrono_tz::Tz) -> String {
    t.with_timezone(&tz).format("%Y-%m-%d %H:%M %Z").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::clip;

    #[test]
    fn a_time_names_its_zone() {
        let t = chrono::DateTime::parse_from_rfc3339("2026-11-20T14:03:59Z")
            .unwrap()
            .with_timezone(&chrono::Utc);
        assert_eq!(time_in_zone(t, chrono_tz::Tz::UTC), "2026-11-20 14:03 UTC");
        assert_eq!(
            time_in_zone(t, chrono_tz::Tz::Europe__Berlin),
            "2026-11-20 15:03 CET"
        );
    }

    #[test]
    fn percent_rounds_as_format_does() {
        assert_eq!(percent(0.8), "80%");
        assert_eq!(percent(0.0), "0%");
        assert_eq!(percent(1.0), "100%");
        // 1/3 and 2/3 to the nearest.
        assert_eq!(percent(1.0 / 3.0), "33%");
        assert_eq!(percent(2.0 / 3.0), "67%");
        // Exact halves go to the even neighbour: 62.5 → 62, 37.5 → 38, 12.5 → 12, 99.5 → 100.
        assert_eq!(percent(0.625), "62%");
        assert_eq!(percent(0.375), "38%");
        assert_eq!(percent(0.125), "12%");
        assert_eq!(percent(0.995), "100%");
        // Not halves in binary: 0.545 * 100 is 54.50000000000001, 0.575 * 100 is 57.49999999999999,
        // 0.805 * 100 rounds to exactly 80.5.
        assert_eq!(percent(0.545), "55%");
        assert_eq!(percent(0.575), "57%");
        assert_eq!(percent(0.805), "80%");
        // The README's tour: 43 of 79 hours, 2,250 of 4,800 dollars.
        assert_eq!(percent(43.0 / 79.0), "54%");
        assert_eq!(percent(2250.0 / 4800.0), "47%");
        assert_eq!(opt_percent(Some(0.82)), "82%");
        assert_eq!(opt_percent(None), "—");
    }

    #[test]
    fn the_target_is_written_exactly() {
        assert_eq!(target_percent(0.8), "80%");
        assert_eq!(target_percent(0.75), "75%");
        assert_eq!(target_percent(0.805), "80.5%");
        assert_eq!(target_percent(0.8125), "81.25%");
        assert_eq!(target_percent(0.0), "0%");
        assert_eq!(target_percent(1.0), "100%");
        assert_eq!(target_percent(1.0 / 3.0), "33.3333%");
    }

    /// A share below the target never prints as the target, nor above it (and the other way round).
    #[test]
    fn a_share_beside_the_target_reads_on_its_side() {
        // 0.796 rounds to the target's 80%, while the week is drifting.
        assert_eq!(percent(0.796), "80%");
        assert_eq!(percent_against(0.796, 0.8), "79.6%");
        assert_eq!(percent_against(0.7996, 0.8), "79.96%");
        assert_eq!(percent_against(0.79999, 0.8), "79.999%");
        assert_eq!(percent_against(0.7999999, 0.8), "just under 80%");
        assert_eq!(percent_against(0.804, 0.8), "80.4%");
        assert_eq!(percent_against(0.8000001, 0.8), "just over 80%");
        // At the target, or clearly away from it: the whole percentage.
        assert_eq!(percent_against(0.8, 0.8), "80%");
        assert_eq!(percent_against(40.0 / 50.0, 0.8), "80%");
        assert_eq!(percent_against(0.6, 0.8), "60%");
        assert_eq!(percent_against(0.795, 0.8), "79.5%");
        assert_eq!(percent_against(0.81, 0.8), "81%");
        assert_eq!(percent_against(1.0, 0.8), "100%");
        // A target between whole percentages: 80.6% is above 80.5%, 80.4% (printed 80%) below it.
        assert_eq!(percent_against(0.806, 0.805), "81%");
        assert_eq!(percent_against(0.804, 0.805), "80%");
        assert_eq!(percent_against(0.805, 0.805), "80.5%");
        // 0.8068 would round to 81%, above the printed 80.7%, while it is below 0.807.
        assert_eq!(percent_against(0.8049, 0.807), "80%");
        assert_eq!(percent_against(0.8068, 0.807), "80.68%");
        assert_eq!(opt_percent_against(Some(0.796), 0.8), "79.6%");
        assert_eq!(opt_percent_against(None, 0.8), "—");
        // Each printed share compares to the printed target as the share does to the target.
        for i in 0..=1000 {
            let share = f64::from(i) / 1000.0;
            for target in [0.8, 0.75, 0.805, 0.333, 0.0, 1.0] {
                let (s, t) = (percent_against(share, target), target_percent(target));
                if s.starts_with("just") {
                    continue;
                }
                assert_eq!(
                    percent_value(&s).partial_cmp(&percent_value(&t)),
                    share.partial_cmp(&target),
                    "{share} {target}: {s} against {t}"
                );
            }
        }
    }

    #[test]
    fn p_values_have_a_floor() {
        assert_eq!(p_value(Some(0.000_012)), "< 0.0001");
        assert_eq!(p_value(Some(0.000_099_99)), "< 0.0001");
        assert_eq!(p_value(Some(0.0)), "< 0.0001");
        assert_eq!(p_value(Some(0.0001)), "0.0001");
        assert_eq!(p_value(Some(0.000_123)), "0.0001");
        assert_eq!(p_value(Some(1.0 / 70.0)), "0.0143");
        assert_eq!(p_value(Some(0.5)), "0.5000");
        assert_eq!(p_value(Some(1.0)), "1.0000");
        assert_eq!(p_value(None), "—");
    }

    #[test]
    fn traits_are_named_with_their_type() {
        assert_eq!(
            trait_label("reseller", "Deal registration"),
            "[reseller] Deal registration"
        );
        assert_ne!(
            trait_label("si", "Certified"),
            trait_label("reseller", "Certified")
        );
    }

    #[test]
    fn fixed_digits_and_missing() {
        assert_eq!(fixed(Some(7.4833), 2), "7.48");
        assert_eq!(fixed(Some(1.5), 2), "1.50");
        assert_eq!(fixed(Some(75.0), 1), "75.0");
        assert_eq!(fixed(Some(0.000_123), 4), "0.0001");
        // 1.125 and 0.125 are exact in binary: ties to even.
        assert_eq!(fixed(Some(1.125), 2), "1.12");
        assert_eq!(fixed(Some(0.375), 2), "0.38");
        assert_eq!(fixed(None, 2), "—");
    }

    #[test]
    fn optional_money_is_money_or_a_dash() {
        assert_eq!(opt_money(Some(1_234_567.0), "$"), "$1.23M");
        assert_eq!(opt_money(Some(16_857.142857), "$"), "$16,857.14");
        assert_eq!(opt_money(Some(126_000.0), "$"), "$126k");
        assert_eq!(opt_money(None, "$"), "—");
    }

    #[test]
    fn weeks_by_their_short_name() {
        let w = |y, n| Week::from_iso(y, n).unwrap();
        assert_eq!(week_short(w(2026, 47)), "W47");
        assert_eq!(week_short(w(2026, 3)), "W03");
        assert_eq!(week_short(w(2026, 53)), "W53");
        assert_eq!(week_short(w(2027, 1)), "W01");
    }

    #[test]
    fn cuts_fall_between_characters() {
        assert_eq!(prefix_len("abc", 3), None);
        assert_eq!(prefix_len("abcd", 3), Some(3));
        assert_eq!(prefix_len("", 0), None);
        assert_eq!(prefix_len("a", 0), Some(0));
        // Multi-byte characters: é is 2 bytes, 🦀 4.
        assert_eq!(prefix_len("éé", 2), None);
        assert_eq!(prefix_len("ééé", 2), Some(4));
        assert_eq!(prefix_len("🦀🦀", 1), Some(4));

        assert_eq!(clip_end("abcdef", 6), None);
        assert_eq!(clip_end("abcdefg", 6), Some(5));
        assert_eq!(clip_end("ab", 1), Some(0));
        assert_eq!(clip_end("a", 1), None);
        assert_eq!(clip_end("a", 0), Some(0));
        assert_eq!(clip_end("", 0), None);
        assert_eq!(clip_end("ééééé", 3), Some(4));
        assert_eq!(clip_end("ab cdef", 4), Some(3));
    }

    /// `clip`, which cuts where `clip_end` says, against the cut counted character by character (the way it
    /// was written before `clip_end` existed).
    #[test]
    fn clip_cuts_where_clip_end_says() {
        let texts = [
            "",
            "a",
            "short",
            "exactly ten",
            "ab cd ef gh ij",
            "trailing spaces     then more",
            "ééééé ü 🦀🦀 crab",
            "Has a dedicated account manager for our team",
        ];
        for s in texts {
            for max in 0..50 {
                let expected = if s.chars().count() <= max {
                    s.to_string()
                } else {
                    let kept: String = s.chars().take(max.saturating_sub(1)).collect();
                    format!("{}…", kept.trim_end())
                };
                assert_eq!(clip(s, max), expected, "{s:?} {max}");
            }
        }
    }
}
