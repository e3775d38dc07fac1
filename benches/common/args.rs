//! What a bench reads from its command line, in one place: whether it measures (`cargo bench` passes `--bench`)
//! or runs once as a smoke test (`cargo test --bench '*'`, which CI runs), and the name filter given after `--`.
// Each bench includes this file as a module of its own and uses what it needs of it.
#![allow(dead_code)]

/// Criterion's options that take a value as the next argument (criterion 0.5): that value is no name filter.
const WITH_VALUE: &[&str] = &[
    "-s",
    "--save-baseline",
    "-b",
    "--baseline",
    "--baseline-lenient",
    "--load-baseline",
    "--sample-size",
    "--warm-up-time",
    "--measurement-time",
    "--nresamples",
    "--noise-threshold",
    "--confidence-level",
    "--significance-level",
    "--profile-time",
    "--plotting-backend",
    "--output-format",
    "-c",
    "--color",
    "--format",
];

/// Whether this run measures (`cargo bench`) rather than smoke-tests.
pub fn measuring() -> bool {
    std::env::args().any(|a| a == "--bench")
}

/// The name filter after `--`: the first argument that is neither an option nor an option's value, as criterion
/// reads it (`cargo bench --bench scale -- --sample-size 20 screen` filters by `screen`, not `20`).
pub fn name_filter() -> Option<String> {
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        if WITH_VALUE.contains(&a.as_str()) {
            args.next();
        } else if !a.starts_with('-') && !a.is_empty() {
            return Some(a);
        }
    }
    None
}
