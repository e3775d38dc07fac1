//! What the quarterly re-check's statistic costs (`domain::stats::mann_whitney_greater`, the one-sided
//! Mann-Whitney U test of "matching partners produce more"). With at most 8 partners on one side and no ties it
//! takes the exact path, which counts the null distribution of U (here 8 against 100, U from 0 to 800); otherwise
//! the normal approximation, whose cost is sorting both samples (here 3,000 against 7,000 with ties, a cohort of
//! the benchmark workspace's 10,000 partners). The unit tests check the answers against scipy; this bench times
//! them (a timed test would fail on a slow machine for no fault of the code).
//!
//! `cargo bench --bench stats`; without `--bench` (as under `cargo test --benches`) each part runs once, as a
//! smoke test.

use criterion::{criterion_group, criterion_main, Criterion};
use partnerfit::domain::stats::{mann_whitney_greater, Method};
use std::hint::black_box;

#[path = "../src/domain/stats/samples.rs"]
mod samples;
use samples::{assert_close, lcg_values, perm};

fn mann_whitney(c: &mut Criterion) {
    // The answers scipy 1.17.1 gives (`scipy.stats.mannwhitneyu(x, y, alternative="greater")`), checked before
    // they are timed.
    // `(i * 5) % 108` for i in 0..108: a permutation of 0..108, no ties (the unit test `exact_8_vs_100`'s data).
    let data = perm(108, 5, 108, 0.0, 1.0);
    let (x, y) = (&data[..8], &data[8..]);
    let r = mann_whitney_greater(x, y).expect("two non-empty samples");
    assert_eq!(r.method, Method::Exact);
    assert_eq!(r.u, 112.0);
    assert_close(r.p_value, 0.9998656997898577);
    c.bench_function("mann_whitney_greater/exact_8_vs_100", |b| {
        b.iter(|| mann_whitney_greater(black_box(x), black_box(y)))
    });

    let (x, y) = (lcg_values(3_000, 1, 1.0), lcg_values(7_000, 2, 1.0));
    let r = mann_whitney_greater(&x, &y).expect("two non-empty samples");
    assert_eq!(r.method, Method::Asymptotic);
    assert_eq!(r.u, 10538624.0);
    assert_close(r.p_value, 0.3851618075221971);
    c.bench_function("mann_whitney_greater/asymptotic_3000_vs_7000", |b| {
        b.iter(|| mann_whitney_greater(black_box(&x), black_box(&y)))
    });
}

criterion_group! {
    name = stats;
    // No plots: criterion's plotting backend needs fonts a server may not have.
    config = Criterion::default().without_plots();
    targets = mann_whitney
}
criterion_main!(stats);
