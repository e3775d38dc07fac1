//! Descriptive statistics and the one-sided Mann-Whitney U test used to
//! compare partner groups (for example: "do partners that match the Ideal
//! Partner Profile produce more than partners that do not?").
//!
//! [`mann_whitney_greater`] reproduces
//! `scipy.stats.mannwhitneyu(x, y, alternative="greater")` with its defaults
//! (`use_continuity=True`, `axis=0`, `method="auto"`), checked against
//! scipy 1.17.1 (`scipy/stats/_mannwhitneyu.py`) to 1e-9 relative on both the
//! U statistic and the p-value.
//!
//! scipy 1.17.1 `method="auto"` rule (`_mwu_choose_method`):
//! * both samples larger than 8 → asymptotic;
//! * otherwise, any tie anywhere in x ∪ y → asymptotic;
//! * otherwise → exact.
//!
//! Non-finite input is the caller's job, but nothing here panics on it:
//! * NaN anywhere in `x` or `y` gives `u = NaN` and `p_value = NaN`
//!   (scipy's default `nan_policy="propagate"` does the same); `method` is
//!   then reported as [`Method::Asymptotic`] and carries no meaning.
//! * ±infinity is ranked like any other value (largest / smallest, tied with
//!   an equal infinity), exactly as scipy does.
//! * `-0.0` and `0.0` are tied, as in scipy.
//! * In [`summarize`], NaN or infinities propagate into `mean`, `median` and
//!   `total` under the usual IEEE rules (a NaN anywhere makes the median NaN,
//!   like `numpy.median`).

use std::cmp::Ordering;

/// Descriptive statistics of one sample.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Summary {
    pub n: usize,
    pub mean: Option<f64>,
    pub median: Option<f64>,
    pub total: f64,
}

/// n, mean, median (average of the two middle values for even n), total. Empty input: n 0, mean/median None, total 0.0.
pub fn summarize(values: &[f64]) -> Summary {
    let n = values.len();
    let total: f64 = values.iter().sum();
    if n == 0 {
        return Summary {
            n,
            mean: None,
            median: None,
            total: 0.0,
        };
    }
    let mean = total / n as f64;
    let median = if values.iter().any(|v| v.is_nan()) {
        f64::NAN
    } else {
        let mut sorted = values.to_vec();
        sorted.sort_unstable_by(total_order);
        let mid = n / 2;
        if n % 2 == 1 {
            sorted[mid]
        } else {
            midpoint(sorted[mid - 1], sorted[mid])
        }
    };
    Summary {
        n,
        mean: Some(mean),
        median: Some(median),
        total,
    }
}

/// Result of [`mann_whitney_greater`].
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct MannWhitney {
    /// U statistic of the first sample (`U1`), as scipy reports it.
    pub u: f64,
    /// One-sided p-value for "x is stochastically greater than y", in [0, 1]
    /// (NaN when the input contains NaN).
    pub p_value: f64,
    /// How the p-value was computed.
    pub method: Method,
}

/// How the p-value of [`mann_whitney_greater`] was computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Method {
    /// Exact null distribution of U (no ties, at least one sample of size <= 8).
    Exact,
    /// Normal approximation with tie correction and continuity correction.
    Asymptotic,
}

/// U statistic of `x` (U1 = R1 - n1(n1+1)/2, ranks with average ties over x∪y) and the p-value of the
/// one-sided alternative "x is stochastically greater than y", exactly as scipy computes them.
/// None when either side is empty.
///
/// Matches `scipy.stats.mannwhitneyu(x, y, alternative="greater")` (scipy
/// 1.17.1, defaults `use_continuity=True`, `method="auto"`):
/// * exact path (no ties and `min(n1, n2) <= 8`): `P(U >= U1)` under the exact
///   null distribution of U;
/// * asymptotic path: `z = (U1 - n1*n2/2 - 0.5) / s` with the tie-corrected
///   `s = sqrt(n1*n2/12 * ((n+1) - Σ(t³-t)/(n(n-1))))` and `p = Φ(-z)`.
///   When every value is tied, `s == 0` and `U1 == n1*n2/2`, so
///   `z = -0.5/0 = -inf` and scipy returns `p = 1.0`; this function does the
///   same (it is not special-cased: the same arithmetic gives 1.0).
///
/// The p-value is clipped to [0, 1] like scipy does.
///
/// One deliberate deviation: if the exact distribution would need more than
/// [`MAX_EXACT_TABLE`] entries (only possible when the smaller sample has <= 8
/// values and the larger one millions), the asymptotic path is used instead
/// and reported as [`Method::Asymptotic`]; scipy would attempt the exact
/// computation.
///
/// See the module documentation for NaN / infinity handling.
pub fn mann_whitney_greater(x: &[f64], y: &[f64]) -> Option<MannWhitney> {
    let n1 = x.len();
    let n2 = y.len();
    if n1 == 0 || n2 == 0 {
        return None;
    }
    if x.iter().chain(y.iter()).any(|v| v.is_nan()) {
        return Some(MannWhitney {
            u: f64::NAN,
            p_value: f64::NAN,
            method: Method::Asymptotic,
        });
    }

    let ranks = rank_sums(x, y);
    // 2*U1 = 2*R1 - n1(n1+1); exact integer arithmetic (U1 is a multiple of 0.5).
    let n1_128 = n1 as u128;
    let u1_doubled = ranks.r1_doubled.saturating_sub(n1_128 * (n1_128 + 1));
    let u1 = u1_doubled as f64 / 2.0;

    let small = n1 <= 8 || n2 <= 8;
    if small && !ranks.has_ties {
        // No ties: ranks are integers, so U1 is an integer.
        let k = u1_doubled / 2;
        if let Some(p) = exact_sf(n1 as u128, n2 as u128, k) {
            return Some(MannWhitney {
                u: u1,
                p_value: clip_unit(p),
                method: Method::Exact,
            });
        }
    }

    let p = asymptotic_sf(u1, n1, n2, ranks.tie_term);
    Some(MannWhitney {
        u: u1,
        p_value: clip_unit(p),
        method: Method::Asymptotic,
    })
}

/// mean_a / mean_b; None when either is None or mean_b == 0.
pub fn lift(mean_a: Option<f64>, mean_b: Option<f64>) -> Option<f64> {
    match (mean_a, mean_b) {
        (Some(a), Some(b)) if b != 0.0 => Some(a / b),
        _ => None,
    }
}

/// Largest number of entries of the exact U distribution table (about
/// `min(U1, n1*n2 - U1)`, at most `n1*n2/2`) before falling back to the normal
/// approximation. 4 million entries is at most 64 MB of `i128`; reaching it
/// needs the larger sample to hold at least 8_000_000 / min(n1, n2) values
/// (one million when the smaller sample has 8).
pub const MAX_EXACT_TABLE: u128 = 4_000_000;

/// Total order used for sorting, so sorting never panics: `-0.0` equals
/// `0.0`, NaN sorts after everything (and equal to other NaNs).
fn total_order(a: &f64, b: &f64) -> Ordering {
    sort_key(*a).total_cmp(&sort_key(*b))
}

fn sort_key(v: f64) -> f64 {
    if v.is_nan() {
        f64::NAN
    } else if v == 0.0 {
        0.0
    } else {
        v
    }
}

/// Midpoint of two sorted values without overflowing for huge magnitudes.
fn midpoint(a: f64, b: f64) -> f64 {
    let m = (a + b) / 2.0;
    if m.is_finite() || !a.is_finite() || !b.is_finite() {
        m
    } else {
        a / 2.0 + b / 2.0
    }
}

fn clip_unit(p: f64) -> f64 {
    // `f64::clamp` keeps NaN and never panics with constant bounds.
    p.clamp(0.0, 1.0)
}

struct RankSums {
    /// Twice the rank sum of `x` (average ranks for ties).
    r1_doubled: u128,
    /// Σ (t³ - t) over tie groups of x ∪ y.
    tie_term: f64,
    /// Whether any value occurs more than once in x ∪ y.
    has_ties: bool,
}

/// Ranks x ∪ y with average ranks for ties (scipy `_rankdata(..., 'average')`).
/// Input must not contain NaN.
fn rank_sums(x: &[f64], y: &[f64]) -> RankSums {
    let n1 = x.len();
    let value = |i: usize| if i < n1 { x[i] } else { y[i - n1] };
    let n = n1 + y.len();
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_unstable_by(|&a, &b| total_order(&value(a), &value(b)));

    let mut r1_doubled: u128 = 0;
    let mut tie_sum: u128 = 0;
    let mut has_ties = false;
    let mut start = 0;
    while start < n {
        let v = value(order[start]);
        let mut end = start;
        while end + 1 < n && value(order[end + 1]) == v {
            end += 1;
        }
        // 1-based ranks start+1 ..= end+1; their average doubled:
        let doubled_rank = (start + end + 2) as u128;
        let in_x = order[start..=end].iter().filter(|&&i| i < n1).count() as u128;
        r1_doubled += doubled_rank * in_x;
        let t = (end - start + 1) as u128;
        if t > 1 {
            has_ties = true;
            tie_sum += t * t * t - t;
        }
        start = end + 1;
    }
    RankSums {
        r1_doubled,
        tie_term: tie_sum as f64,
        has_ties,
    }
}

/// Normal-approximation p-value, mirroring scipy's `_get_mwu_z` followed by
/// `special.ndtr(-z)` operation for operation.
fn asymptotic_sf(u1: f64, n1: usize, n2: usize, tie_term: f64) -> f64 {
    let n1n2 = (n1 as u128 * n2 as u128) as f64;
    let n = (n1 + n2) as u128;
    let mu = n1n2 / 2.0;
    let s = (n1n2 / 12.0 * ((n + 1) as f64 - tie_term / ((n * (n - 1)) as f64))).sqrt();
    let numerator = (u1 - mu) - 0.5;
    // All values tied: s == 0 and numerator == -0.5, so z = -inf and p = 1.
    let z = numerator / s;
    ndtr(-z)
}

/// Standard normal CDF, structured like cephes `ndtr` (used by scipy).
fn ndtr(a: f64) -> f64 {
    if a.is_nan() {
        return f64::NAN;
    }
    let x = a * std::f64::consts::FRAC_1_SQRT_2;
    let z = x.abs();
    if z < std::f64::consts::FRAC_1_SQRT_2 {
        0.5 + 0.5 * libm::erf(x)
    } else {
        let y = 0.5 * libm::erfc(z);
        if x > 0.0 {
            1.0 - y
        } else {
            y
        }
    }
}

/// Exact `P(U >= k)` for sample sizes `n1`, `n2` (no ties), following scipy's
/// `_MWU.sf`: the smaller tail is summed from the left using symmetry.
/// Returns None when the table would exceed [`MAX_EXACT_TABLE`].
fn exact_sf(n1: u128, n2: u128, k: u128) -> Option<f64> {
    let (m, n) = if n1 <= n2 { (n1, n2) } else { (n2, n1) };
    let total_u = m * n;
    if k > total_u {
        return Some(0.0);
    }
    let kc = total_u - k;
    if k == 0 {
        return Some(1.0);
    }
    // k < kc: P(U >= k) = 1 - P(U <= k-1); otherwise P(U >= k) = P(U <= kc).
    let (max_u, upper) = if k < kc { (k - 1, true) } else { (kc, false) };
    if max_u >= MAX_EXACT_TABLE {
        return None;
    }
    let max_u = max_u as usize;
    let m = m as usize;
    let n = n as usize;
    if let Some((counts, total)) = exact_counts_i128(m, n, max_u) {
        let below: i128 = counts.iter().sum();
        let p = if upper {
            (total - below) as f64 / total as f64
        } else {
            below as f64 / total as f64
        };
        return Some(p);
    }
    let (counts, total) = exact_counts_f64(m, n, max_u);
    let below: f64 = counts.iter().sum::<f64>() / total;
    Some(if upper { 1.0 - below } else { below })
}

/// Number of arrangements with U = u for u in 0..=max_u, and the total
/// C(m+n, m), in exact integers; None on i128 overflow.
///
/// The counts are the coefficients of the Gaussian binomial
/// [m+n choose m]_q = Π_{i=1..m} (1 - q^{n+i}) / (1 - q^i), built one factor at
/// a time (after step i the polynomial is [n+i choose i]_q), truncated at
/// degree max_u. O(m * max_u).
fn exact_counts_i128(m: usize, n: usize, max_u: usize) -> Option<(Vec<i128>, i128)> {
    let mut total: i128 = 1;
    for i in 1..=m {
        total = total.checked_mul((n + i) as i128)? / i as i128;
    }
    let mut c = vec![0i128; max_u + 1];
    c[0] = 1;
    for i in 1..=m {
        let d = n + i;
        for u in (d..=max_u).rev() {
            c[u] = c[u].checked_sub(c[u - d])?;
        }
        for u in i..=max_u {
            c[u] = c[u].checked_add(c[u - i])?;
        }
    }
    Some((c, total))
}

/// Floating-point fallback of [`exact_counts_i128`] for sizes whose counts do
/// not fit in i128 (scipy likewise switches to floats past uint64).
fn exact_counts_f64(m: usize, n: usize, max_u: usize) -> (Vec<f64>, f64) {
    let mut total = 1.0f64;
    for i in 1..=m {
        total = total * (n + i) as f64 / i as f64;
    }
    let mut c = vec![0.0f64; max_u + 1];
    c[0] = 1.0;
    for i in 1..=m {
        let d = n + i;
        for u in (d..=max_u).rev() {
            c[u] -= c[u - d];
        }
        for u in i..=max_u {
            c[u] += c[u - i];
        }
    }
    (c, total)
}

#[cfg(test)]
mod samples;

#[cfg(test)]
mod tests {
    use super::samples::{assert_close, lcg_values, perm};
    use super::*;

    fn zeros_then(zeros: usize, rest: &[f64]) -> Vec<f64> {
        let mut v = vec![0.0; zeros];
        v.extend_from_slice(rest);
        v
    }

    fn check(name: &str, x: &[f64], y: &[f64], u: f64, p: f64, method: Method) {
        let r = mann_whitney_greater(x, y).unwrap_or_else(|| panic!("{name}: got None"));
        eprintln!("{name}: {r:?}");
        assert_eq!(r.method, method, "{name}: method");
        assert_close(r.u, u);
        assert_close(r.p_value, p);
    }

    /// Expected values from scipy 1.17.1 / numpy 2.4.6, computed with
    /// `scipy.stats.mannwhitneyu(x, y, alternative="greater")` (all other
    /// arguments default) and printed with `repr`. `perm`, `lcg_values` and
    /// `zeros_then` were mirrored in the generating script. The method column
    /// is the branch scipy's 'auto' took (confirmed by comparing with explicit
    /// `method="exact"` / `method="asymptotic"` calls).
    #[rustfmt::skip]
    #[test]
    fn matches_scipy() {
        // exact_small_separated_low: n1=3 n2=3
        check("exact_small_separated_low", &[1.0, 2.0, 3.0], &[4.0, 5.0, 6.0], 0.0, 1.0, Method::Exact);
        // exact_small_separated_high: n1=3 n2=3
        check("exact_small_separated_high", &[4.0, 5.0, 6.0], &[1.0, 2.0, 3.0], 9.0, 0.05, Method::Exact);
        // exact_textbook_males_females: n1=5 n2=4
        check("exact_textbook_males_females", &[19.0, 22.0, 16.0, 29.0, 24.0], &[20.0, 11.0, 17.0, 12.0], 17.0, 0.05555555555555555, Method::Exact);
        // exact_u_at_mean: n1=2 n2=2
        check("exact_u_at_mean", &[1.0, 4.0], &[2.0, 3.0], 2.0, 0.6666666666666666, Method::Exact);
        // exact_single_values_greater: n1=1 n2=1
        check("exact_single_values_greater", &[2.0], &[1.0], 1.0, 0.5, Method::Exact);
        // exact_single_values_smaller: n1=1 n2=1
        check("exact_single_values_smaller", &[1.0], &[2.0], 0.0, 1.0, Method::Exact);
        // exact_5_vs_30: n1=5 n2=30
        check("exact_5_vs_30", &perm(35, 13, 35, 0.5, 1.0)[..5], &perm(35, 13, 35, 0.5, 1.0)[5..], 50.0, 0.8812593952537027, Method::Exact);
        // exact_20_vs_3: n1=20 n2=3
        check("exact_20_vs_3", &perm(23, 7, 23, -3.25, 0.5)[..20], &perm(23, 7, 23, -3.25, 0.5)[20..], 36.0, 0.3173348390739695, Method::Exact);
        // exact_8_vs_200: n1=8 n2=200
        check("exact_8_vs_200", &perm(208, 37, 208, 0.0, 1.0)[..8], &perm(208, 37, 208, 0.0, 1.0)[8..], 592.0, 0.8919863289262666, Method::Exact);
        // exact_8_vs_200_separated_tiny_p: n1=8 n2=200
        check("exact_8_vs_200_separated_tiny_p", &perm(208, 1, 208, 0.0, 1.0)[200..], &perm(208, 1, 208, 0.0, 1.0)[..200], 1600.0, 1.3188400567917241e-14, Method::Exact);
        // exact_large_dollar_amounts: n1=6 n2=9
        check("exact_large_dollar_amounts", &[1250000.0, 3400000.0, 987654.32, 2200000.0, 5750000.0, 1000000.0], &[450000.0, 1100000.0, 2050000.0, 730000.5, 999999.99, 1500000.0, 310000.0, 2500000.0, 880000.0], 41.0, 0.05674325674325675, Method::Exact);
        // asymptotic_12_vs_15_no_ties: n1=12 n2=15
        check("asymptotic_12_vs_15_no_ties", &perm(27, 10, 27, 100.0, 3.0)[..12], &perm(27, 10, 27, 100.0, 3.0)[12..], 81.0, 0.678515816076595, Method::Asymptotic);
        // asymptotic_50_vs_60_no_ties: n1=50 n2=60
        check("asymptotic_50_vs_60_no_ties", &perm(110, 3, 110, 0.0, 0.1)[..50], &perm(110, 3, 110, 0.0, 0.1)[50..], 1020.0, 0.9980394637241456, Method::Asymptotic);
        // asymptotic_forced_by_ties_small: n1=4 n2=4
        check("asymptotic_forced_by_ties_small", &[1.0, 2.0, 2.0, 3.0], &[2.0, 3.0, 4.0, 5.0], 2.5, 0.9629521255093261, Method::Asymptotic);
        // asymptotic_forced_by_ties_small_reverse: n1=4 n2=4
        check("asymptotic_forced_by_ties_small_reverse", &[2.0, 3.0, 4.0, 5.0], &[1.0, 2.0, 2.0, 3.0], 13.5, 0.06832912386907375, Method::Asymptotic);
        // asymptotic_heavy_ties: n1=10 n2=12
        check("asymptotic_heavy_ties", &[0.0, 0.0, 1.0, 1.0, 1.0, 2.0, 3.0, 3.0, 3.0, 3.0], &[0.0, 1.0, 1.0, 2.0, 2.0, 2.0, 3.0, 3.0, 0.0, 0.0, 1.0, 2.0], 68.5, 0.2929828838473353, Method::Asymptotic);
        // asymptotic_negative_zero_ties_zero: n1=2 n2=3
        check("asymptotic_negative_zero_ties_zero", &[-0.0, 1.0], &[0.0, 2.0, 3.0], 1.5, 0.8819315148891735, Method::Asymptotic);
        // all_values_equal: n1=4 n2=6
        check("all_values_equal", &[5.0, 5.0, 5.0, 5.0], &[5.0, 5.0, 5.0, 5.0, 5.0, 5.0], 12.0, 1.0, Method::Asymptotic);
        // all_values_equal_zero_large: n1=40 n2=50
        check("all_values_equal_zero_large", &vec![0.0; 40], &vec![0.0; 50], 1000.0, 1.0, Method::Asymptotic);
        // single_values_tied: n1=1 n2=1
        check("single_values_tied", &[1.0], &[1.0], 0.5, 1.0, Method::Asymptotic);
        // direction_x_smaller_gives_p_near_one: n1=20 n2=20
        check("direction_x_smaller_gives_p_near_one", &perm(40, 1, 40, 0.0, 1.0)[..20], &perm(40, 1, 40, 0.0, 1.0)[20..], 0.0, 0.9999999707854003, Method::Asymptotic);
        // tiny_p_30_vs_30_separated: n1=30 n2=30
        check("tiny_p_30_vs_30_separated", &perm(60, 1, 60, 0.0, 1.0)[30..], &perm(60, 1, 60, 0.0, 1.0)[..30], 900.0, 1.5099296795810785e-11, Method::Asymptotic);
        // tiny_p_100_vs_100_separated: n1=100 n2=100
        check("tiny_p_100_vs_100_separated", &perm(200, 1, 200, 0.0, 1.0)[100..], &perm(200, 1, 200, 0.0, 1.0)[..100], 10000.0, 1.2810718345817004e-34, Method::Asymptotic);
        // zeros_many_partners_no_production: n1=32 n2=114
        check("zeros_many_partners_no_production", &zeros_then(25, &[1200.0, 5000.0, 250.0, 18000.0, 7300.0, 640.0, 5000.0]), &zeros_then(110, &[300.0, 900.0, 12000.0, 45.5]), 2164.0, 0.00022461388871556604, Method::Asymptotic);
        // zeros_small_group_forced_asymptotic: n1=5 n2=42
        check("zeros_small_group_forced_asymptotic", &[0.0, 0.0, 0.0, 1500.0, 2000.0], &zeros_then(40, &[100.0, 2500.0]), 142.0, 0.004635384093592725, Method::Asymptotic);
        // asymptotic_large_dollar_amounts: n1=45 n2=70
        check("asymptotic_large_dollar_amounts", &lcg_values(45, 7, 25.0), &lcg_values(70, 99, 20.0), 2014.0, 0.005987090647915634, Method::Asymptotic);
        // exact_boundary_8_vs_9: n1=8 n2=9
        check("exact_boundary_8_vs_9", &perm(17, 5, 17, 10.0, 1.5)[..8], &perm(17, 5, 17, 10.0, 1.5)[8..], 27.0, 0.8148087206910737, Method::Exact);
        // asymptotic_boundary_9_vs_9: n1=9 n2=9
        check("asymptotic_boundary_9_vs_9", &perm(18, 5, 18, 10.0, 1.5)[..9], &perm(18, 5, 18, 10.0, 1.5)[9..], 36.0, 0.6705783725253597, Method::Asymptotic);
        // infinity_is_ranked: n1=2 n2=3
        check("infinity_is_ranked", &[f64::INFINITY, 1.0], &[1.0, 2.0, 3.0], 3.5, 0.5, Method::Asymptotic);
    }

    #[test]
    fn empty_sides_give_none() {
        assert_eq!(mann_whitney_greater(&[], &[1.0, 2.0]), None);
        assert_eq!(mann_whitney_greater(&[1.0, 2.0], &[]), None);
        assert_eq!(mann_whitney_greater(&[], &[]), None);
    }

    #[test]
    fn nan_input_propagates_like_scipy() {
        let r = mann_whitney_greater(&[f64::NAN, 1.0], &[0.0, 2.0, 3.0]).expect("some");
        assert!(r.u.is_nan());
        assert!(r.p_value.is_nan());
        let r = mann_whitney_greater(&[1.0], &[f64::NAN]).expect("some");
        assert!(r.p_value.is_nan());
    }

    #[test]
    fn all_infinite_values_are_tied() {
        let r = mann_whitney_greater(&[f64::INFINITY; 3], &[f64::INFINITY; 4]).expect("some");
        assert_eq!(r.method, Method::Asymptotic);
        assert_eq!(r.u, 6.0);
        assert_eq!(r.p_value, 1.0);
    }

    /// Brute force: enumerate every split of ranks 1..=n1+n2 and count U >= k.
    fn brute_force_sf(n1: usize, n2: usize, k: u64) -> f64 {
        let n = n1 + n2;
        let (mut hits, mut total) = (0u64, 0u64);
        for mask in 0u32..(1u32 << n) {
            if mask.count_ones() as usize != n1 {
                continue;
            }
            total += 1;
            let r1: u64 = (0..n)
                .filter(|i| mask & (1 << i) != 0)
                .map(|i| i as u64 + 1)
                .sum();
            let u = r1 - (n1 * (n1 + 1) / 2) as u64;
            if u >= k {
                hits += 1;
            }
        }
        hits as f64 / total as f64
    }

    #[test]
    fn exact_distribution_matches_brute_force() {
        for n1 in 1..=7usize {
            for n2 in 1..=(14 - n1) {
                for k in 0..=(n1 * n2) as u64 {
                    let p = exact_sf(n1 as u128, n2 as u128, k as u128).expect("small table");
                    let expected = brute_force_sf(n1, n2, k);
                    assert_close(p, expected);
                    // Swapping the sample sizes leaves the distribution unchanged.
                    let swapped = exact_sf(n2 as u128, n1 as u128, k as u128).expect("small table");
                    assert_close(swapped, expected);
                }
            }
        }
    }

    #[test]
    fn exact_float_fallback_agrees_with_integer_counts() {
        for (m, n) in [(8usize, 200usize), (5, 1000), (3, 40)] {
            let max_u = m * n / 2;
            let (ci, ti) = exact_counts_i128(m, n, max_u).expect("fits in i128");
            let (cf, tf) = exact_counts_f64(m, n, max_u);
            assert_close(tf, ti as f64);
            for (a, b) in cf.iter().zip(ci.iter()) {
                assert_close(*a, *b as f64);
            }
        }
        // Too large for i128: the f64 path still yields a probability.
        let p = exact_sf(8, 300_000, 8 * 300_000 / 2 + 12_345).expect("table within limit");
        assert!((0.0..=1.0).contains(&p), "{p}");
        // ... and agrees with the normal approximation at this size.
        let approx = asymptotic_sf((8 * 300_000 / 2 + 12_345) as f64, 8, 300_000, 0.0);
        assert!((p - approx).abs() < 1e-3, "{p} vs {approx}");
        // Beyond the table limit the exact path declines.
        assert_eq!(exact_sf(8, 5_000_000, 8 * 5_000_000 / 2), None);
    }

    /// 8 against 100 distinct values takes the exact path. Expected values from scipy 1.17.1 / numpy 2.4.6:
    /// `scipy.stats.mannwhitneyu(x, y, alternative="greater", method="exact")` with
    /// `data = [float((i * 5) % 108) for i in range(108)]`, `x = data[:8]`, `y = data[8:]` (and swapped),
    /// printed with `repr`. By hand: x is 0, 5, …, 35, ranks 1, 6, …, 36, so R1 = 148 and U1 = 148 - 36 = 112;
    /// swapped, U1 = 8 * 100 - 112 = 688. How long it takes is `benches/stats.rs`'s business.
    #[test]
    fn exact_8_vs_100() {
        let data = perm(108, 5, 108, 0.0, 1.0);
        check(
            "exact_8_vs_100",
            &data[..8],
            &data[8..],
            112.0,
            0.9998656997898577,
            Method::Exact,
        );
        check(
            "exact_100_vs_8",
            &data[8..],
            &data[..8],
            688.0,
            0.00014288716730618742,
            Method::Exact,
        );
    }

    #[test]
    fn random_samples_give_valid_p_values() {
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        let mut next = move || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            state >> 33
        };
        for round in 0..500 {
            let n1 = 1 + (next() % 12) as usize;
            let n2 = 1 + (next() % 12) as usize;
            // Odd rounds: distinct values (no ties); even rounds: small ints (ties likely).
            let draw = |next: &mut dyn FnMut() -> u64| {
                if round % 2 == 1 {
                    next() as f64 + (next() % 1000) as f64 / 1000.0
                } else {
                    (next() % 4) as f64
                }
            };
            let x: Vec<f64> = (0..n1).map(|_| draw(&mut next)).collect();
            let y: Vec<f64> = (0..n2).map(|_| draw(&mut next)).collect();
            let xy = mann_whitney_greater(&x, &y).expect("non-empty");
            let yx = mann_whitney_greater(&y, &x).expect("non-empty");
            assert!((0.0..=1.0).contains(&xy.p_value), "{x:?} {y:?} {xy:?}");
            assert!((0.0..=1.0).contains(&yx.p_value), "{x:?} {y:?} {yx:?}");
            // U1 + U2 = n1 * n2.
            assert_eq!(xy.u + yx.u, (n1 * n2) as f64);
            assert_eq!(xy.method, yx.method);
            // P(U >= u) + P(U <= u) = 1 + P(U = u) >= 1 (also true with the
            // continuity correction of the normal approximation).
            let sum = xy.p_value + yx.p_value;
            assert!(sum >= 1.0 - 1e-12, "{x:?} {y:?} {sum}");
            if xy.method == Method::Exact {
                // The excess is the point mass P(U = u1), which is > 0.
                let u = xy.u as u128;
                let pmf = exact_sf(n1 as u128, n2 as u128, u).expect("small")
                    - exact_sf(n1 as u128, n2 as u128, u + 1).expect("small");
                assert!((sum - 1.0 - pmf).abs() <= 1e-12, "{x:?} {y:?}");
            }
        }
    }

    #[test]
    fn normal_cdf_edges() {
        assert_eq!(ndtr(f64::INFINITY), 1.0);
        assert_eq!(ndtr(f64::NEG_INFINITY), 0.0);
        assert_eq!(ndtr(0.0), 0.5);
        assert!(ndtr(f64::NAN).is_nan());
        // scipy.special.ndtr(-7.0) and ndtr(1.5)
        assert_close(ndtr(-7.0), 1.279812543885835e-12);
        assert_close(ndtr(1.5), 0.9331927987311419);
    }

    #[test]
    fn summarize_odd_even_empty() {
        let s = summarize(&[3.0, 1.0, 2.0]);
        assert_eq!(s.n, 3);
        assert_eq!(s.mean, Some(2.0));
        assert_eq!(s.median, Some(2.0));
        assert_eq!(s.total, 6.0);

        let s = summarize(&[4.0, 1.0, 10.0, 2.0]);
        assert_eq!(s.n, 4);
        assert_eq!(s.mean, Some(4.25));
        assert_eq!(s.median, Some(3.0));
        assert_eq!(s.total, 17.0);

        let s = summarize(&[]);
        assert_eq!(
            s,
            Summary {
                n: 0,
                mean: None,
                median: None,
                total: 0.0
            }
        );

        let s = summarize(&[0.0, 0.0, 0.0, 1_500_000.0]);
        assert_eq!(s.median, Some(0.0));
        assert_eq!(s.mean, Some(375_000.0));

        let s = summarize(&[f64::MAX, f64::MAX]);
        assert_eq!(s.median, Some(f64::MAX));

        let s = summarize(&[1.0, f64::NAN, 2.0]);
        assert!(s.median.is_some_and(f64::is_nan));
        assert!(s.mean.is_some_and(f64::is_nan));
    }

    #[test]
    fn lift_handles_missing_and_zero() {
        assert_eq!(lift(Some(6.0), Some(3.0)), Some(2.0));
        assert_eq!(lift(Some(0.0), Some(3.0)), Some(0.0));
        assert_eq!(lift(Some(6.0), Some(0.0)), None);
        assert_eq!(lift(Some(6.0), Some(-0.0)), None);
        assert_eq!(lift(None, Some(3.0)), None);
        assert_eq!(lift(Some(6.0), None), None);
        assert_eq!(lift(None, None), None);
    }
}
