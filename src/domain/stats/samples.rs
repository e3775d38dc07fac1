//! The samples of the re-check statistic's checks against scipy, and how close an answer must be: shared by the
//! unit tests of `domain::stats` and `benches/stats.rs` (which includes this file by path: a bench cannot reach
//! the library's test code), so the bench times the very data the tests check.

/// Relative error <= 1e-9; exact equality (including both infinite or
/// both zero) always passes; an expected 0 needs |actual| <= 1e-300.
pub fn assert_close(actual: f64, expected: f64) {
    if actual == expected || (actual.is_nan() && expected.is_nan()) {
        return;
    }
    if expected == 0.0 {
        assert!(actual.abs() <= 1e-300, "expected 0, got {actual:e}");
        return;
    }
    let rel = ((actual - expected) / expected).abs();
    assert!(
        rel <= 1e-9,
        "actual {actual:e} vs expected {expected:e}: relative error {rel:e}"
    );
}

/// `offset + scale * ((i * mul) % modulus)` for i in 0..n (mirrors the
/// Python generator of the expected values).
pub fn perm(n: usize, mul: usize, modulus: usize, offset: f64, scale: f64) -> Vec<f64> {
    (0..n)
        .map(|i| offset + scale * ((i * mul) % modulus) as f64)
        .collect()
}

/// PCG-style LCG values `((s >> 33) % 100000) * scale` (mirrors Python).
pub fn lcg_values(n: usize, seed: u64, scale: f64) -> Vec<f64> {
    let mut s = seed;
    (0..n)
        .map(|_| {
            s = s
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            ((s >> 33) % 100000) as f64 * scale
        })
        .collect()
}
