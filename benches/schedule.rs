//! What the scheduler's catch-up costs (`schedule::cron_expr`): after downtime the runner asks each schedule for
//! its latest fire time since it last ran (`CronExpr::latest_in`). The search walks backwards field by field, so
//! its work is bounded by the calendar distance to the previous fire, not by how many fires the interval holds:
//! an every-second schedule over two years and a yearly one five years back both answer in microseconds. The
//! unit tests check the answers; this bench times them (a timed test would fail on a slow machine for no fault
//! of the code).
//!
//! `cargo bench --bench schedule`; without `--bench` (as under `cargo test --benches`) each part runs once, as a
//! smoke test.

use chrono::{DateTime, TimeDelta, TimeZone, Utc};
use chrono_tz::Tz;
use criterion::{criterion_group, criterion_main, Criterion};
use partnerfit::schedule::cron_expr::CronExpr;
use std::hint::black_box;

fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, s)
        .single()
        .expect("a valid UTC instant")
}

fn cron(expr: &str) -> CronExpr {
    CronExpr::parse(expr, utc(2026, 12, 7, 9, 0, 0)).expect("a valid cron expression")
}

fn latest_in(c: &mut Criterion) {
    let zones = [
        Tz::UTC,
        chrono_tz::Europe::Berlin,
        chrono_tz::America::New_York,
    ];
    let every_second = cron("* * * * * *");
    let (since, until) = (
        utc(2025, 1, 1, 0, 0, 0),
        utc(2027, 1, 1, 12, 34, 56) + TimeDelta::milliseconds(789),
    );
    for tz in zones {
        // The same answer the unit test expects, checked before it is timed.
        assert_eq!(
            every_second.latest_in(tz, since, until),
            Some(utc(2027, 1, 1, 12, 34, 56))
        );
        c.bench_function(&format!("latest_in/every_second_two_years/{tz}"), |b| {
            b.iter(|| every_second.latest_in(black_box(tz), black_box(since), black_box(until)))
        });
    }
    let yearly = cron("0 0 1 1 *");
    let (since, until) = (utc(2020, 6, 1, 0, 0, 0), utc(2026, 6, 1, 0, 0, 0));
    let berlin = chrono_tz::Europe::Berlin;
    assert_eq!(
        yearly.latest_in(berlin, since, until),
        Some(utc(2025, 12, 31, 23, 0, 0))
    );
    c.bench_function("latest_in/yearly_five_years_back/Europe/Berlin", |b| {
        b.iter(|| yearly.latest_in(black_box(berlin), black_box(since), black_box(until)))
    });
}

criterion_group! {
    name = schedule;
    // No plots: criterion's plotting backend needs fonts a server may not have.
    config = Criterion::default().without_plots();
    targets = latest_in
}
criterion_main!(schedule);
