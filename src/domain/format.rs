//! The one text form of each figure that replies and charts print, so a chart and the card beside it print
//! the same thing: a share as a percentage, a number to fixed digits, an amount that may be missing, a week's
//! short name, and where a cut of text falls. Money itself is [`super::money`] and the cut of text
//! [`super::clip`]; the lift of the re-check is [`super::recheck::lift_text`], built on [`fixed`].

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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::clip;

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
