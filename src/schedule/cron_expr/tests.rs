//! Unit tests of `cron_expr`: kept in a file of their own so the module's code stays readable.

use super::*;
use chrono::{Datelike, NaiveDate, Weekday};
use chrono_tz::America::New_York;
use chrono_tz::Europe::Berlin;

mod reference;

fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, mo, d, h, mi, s).unwrap()
}

fn now() -> DateTime<Utc> {
    utc(2026, 11, 20, 12, 0, 0)
}

fn cron(expr: &str) -> CronExpr {
    CronExpr::parse(expr, now()).unwrap_or_else(|e| panic!("{expr}: {e}"))
}

/// The first `n` fire times after `after`.
fn fires(expr: &CronExpr, tz: Tz, mut after: DateTime<Utc>, n: usize) -> Vec<DateTime<Utc>> {
    let mut out = Vec::new();
    while out.len() < n {
        let Some(next) = expr.next_after(tz, after) else {
            break;
        };
        out.push(next);
        after = next;
    }
    out
}

#[test]
fn defaults_parse() {
    assert_eq!(cron(DEFAULT_WEEKLY).as_str(), DEFAULT_WEEKLY);
    assert_eq!(cron(DEFAULT_QUARTERLY).to_string(), DEFAULT_QUARTERLY);
    assert_eq!(cron("  0 9 * * MON \n").as_str(), "0 9 * * MON");
}

#[test]
fn max_instant_is_2101_01_02() {
    assert_eq!(max_instant(), utc(2101, 1, 2, 0, 0, 0));
    assert_eq!(min_instant(), utc(1969, 12, 30, 0, 0, 0));
}

#[test]
fn five_and_six_fields_are_equivalent() {
    let pairs = [
        ("0 9 * * MON", "0 0 9 * * MON"),
        ("*/15 8-17 * * 1-5", "0 */15 8-17 * * 1-5"),
        ("30 2 1,15 * *", "0 30 2 1,15 * *"),
        ("0 9 1-7 1,4,7,10 MON", "0 0 9 1-7 1,4,7,10 MON *"),
    ];
    for (five, six) in pairs {
        let (a, b) = (cron(five), cron(six));
        for tz in [Tz::UTC, Berlin, New_York] {
            assert_eq!(
                fires(&a, tz, now(), 20),
                fires(&b, tz, now(), 20),
                "{five} vs {six} in {tz}"
            );
        }
    }
}

#[test]
fn numeric_monday_in_berlin() {
    // 2026-11-23 is a Monday; Berlin is on CET (UTC+1) then.
    assert_eq!(
        NaiveDate::from_ymd_opt(2026, 11, 23).unwrap().weekday(),
        Weekday::Mon
    );
    let expr = cron("0 9 * * 1");
    assert_eq!(
        expr.next_after(Berlin, now()),
        Some(utc(2026, 11, 23, 8, 0, 0))
    );
    assert_eq!(
        expr.next_after(Berlin, utc(2026, 11, 23, 8, 0, 0)),
        Some(utc(2026, 11, 30, 8, 0, 0))
    );
    // Same as the name, in any case.
    for name in [
        "0 9 * * MON",
        "0 9 * * Mon",
        "0 9 * * mon",
        "0 9 * * monday",
    ] {
        assert_eq!(
            fires(&cron(name), Berlin, now(), 5),
            fires(&expr, Berlin, now(), 5)
        );
    }
}

#[test]
fn numeric_sunday_is_0_and_7() {
    // 2026-11-22 is a Sunday.
    let expected = vec![
        utc(2026, 11, 22, 9, 0, 0),
        utc(2026, 11, 29, 9, 0, 0),
        utc(2026, 12, 6, 9, 0, 0),
    ];
    for expr in ["0 9 * * 0", "0 9 * * 7", "0 9 * * SUN", "0 9 * * sunday"] {
        assert_eq!(fires(&cron(expr), Tz::UTC, now(), 3), expected, "{expr}");
    }
}

#[test]
fn weekday_ranges_lists_and_steps() {
    let days = |expr: &str| -> Vec<Weekday> {
        let mut days: Vec<Weekday> = fires(&cron(expr), Tz::UTC, now(), 14)
            .iter()
            .map(|d| d.weekday())
            .collect();
        days.sort_by_key(|d| d.num_days_from_monday());
        days.dedup();
        days
    };
    use Weekday::*;
    let weekdays = vec![Mon, Tue, Wed, Thu, Fri];
    assert_eq!(days("0 9 * * 1-5"), weekdays);
    assert_eq!(days("0 9 * * MON-FRI"), weekdays);
    assert_eq!(days("0 9 * * mon-fri"), weekdays);
    assert_eq!(days("0 9 * * 1,2,3,4,5"), weekdays);
    assert_eq!(days("0 9 * * 0,6"), vec![Sat, Sun]);
    assert_eq!(days("0 9 * * 6-7"), vec![Sat, Sun]);
    assert_eq!(days("0 9 * * 5-7"), vec![Fri, Sat, Sun]);
    assert_eq!(days("0 9 * * 1-5/2"), vec![Mon, Wed, Fri]);
    assert_eq!(days("0 9 * * */2"), vec![Tue, Thu, Sat, Sun]);
    assert_eq!(days("0 9 * * 1/2"), vec![Mon, Wed, Fri]);
    assert_eq!(days("0 9 * * MON/2"), vec![Mon, Wed, Fri]);
    assert_eq!(days("0 9 * * 0-7"), vec![Mon, Tue, Wed, Thu, Fri, Sat, Sun]);
    assert_eq!(days("0 9 * * *"), vec![Mon, Tue, Wed, Thu, Fri, Sat, Sun]);
    assert_eq!(days("0 9 * * ?"), vec![Mon, Tue, Wed, Thu, Fri, Sat, Sun]);
    assert_eq!(days("0 9 * * TUE,thu"), vec![Tue, Thu]);
    // A range may end on Sunday, as on a crontab: Sunday at the end of a range is 7.
    let every_day = vec![Mon, Tue, Wed, Thu, Fri, Sat, Sun];
    assert_eq!(days("0 9 * * MON-SUN"), every_day);
    assert_eq!(days("0 9 * * mon-sunday"), every_day);
    assert_eq!(days("0 9 * * 1-0"), every_day);
    assert_eq!(days("0 9 * * 0-6"), every_day);
    assert_eq!(days("0 9 * * 1-7"), every_day);
    assert_eq!(days("0 9 * * FRI-SUN"), vec![Fri, Sat, Sun]);
    assert_eq!(days("0 9 * * 5-0"), vec![Fri, Sat, Sun]);
    assert_eq!(days("0 9 * * SAT-SUN"), vec![Sat, Sun]);
    assert_eq!(days("0 9 * * SUN-SUN"), vec![Sun]);
    assert_eq!(days("0 9 * * SUN-SAT"), every_day);
    assert_eq!(days("0 9 * * MON-SUN/2"), vec![Mon, Wed, Fri, Sun]);
    assert_eq!(
        fires(&cron("0 9 * * FRI-SUN"), Tz::UTC, now(), 4),
        vec![
            utc(2026, 11, 21, 9, 0, 0), // now() is Friday 12:00: Saturday comes first
            utc(2026, 11, 22, 9, 0, 0),
            utc(2026, 11, 27, 9, 0, 0),
            utc(2026, 11, 28, 9, 0, 0),
        ]
    );
    // Weekday fires are every day in the range, at 09:00 UTC.
    let f = fires(&cron("0 9 * * 1-5"), Tz::UTC, now(), 3);
    assert_eq!(
        f,
        vec![
            utc(2026, 11, 23, 9, 0, 0),
            utc(2026, 11, 24, 9, 0, 0),
            utc(2026, 11, 25, 9, 0, 0)
        ]
    );
}

#[test]
fn month_names_are_case_insensitive() {
    let a = fires(&cron("0 9 1 jan,Apr,JUL,october *"), Tz::UTC, now(), 4);
    let b = fires(&cron("0 9 1 1,4,7,10 *"), Tz::UTC, now(), 4);
    assert_eq!(a, b);
    assert_eq!(a[0], utc(2027, 1, 1, 9, 0, 0));
    assert_eq!(a[3], utc(2027, 10, 1, 9, 0, 0));
}

#[test]
fn quarterly_default_is_first_monday_of_quarter() {
    // Day-of-month AND day-of-week: the first Monday of Jan/Apr/Jul/Oct.
    assert_eq!(
        NaiveDate::from_ymd_opt(2027, 1, 4).unwrap().weekday(),
        Weekday::Mon
    );
    assert_eq!(
        NaiveDate::from_ymd_opt(2027, 4, 5).unwrap().weekday(),
        Weekday::Mon
    );
    let expr = cron(DEFAULT_QUARTERLY);
    let after = utc(2026, 11, 26, 0, 0, 0);
    assert_eq!(
        fires(&expr, Berlin, after, 4),
        vec![
            utc(2027, 1, 4, 8, 0, 0),  // 09:00 CET
            utc(2027, 4, 5, 7, 0, 0),  // 09:00 CEST
            utc(2027, 7, 5, 7, 0, 0),  // first Monday of July 2027
            utc(2027, 10, 4, 7, 0, 0), // first Monday of October 2027
        ]
    );
    // Not OR: with OR semantics 2027-01-01 (a Friday, day 1) would fire.
    assert_eq!(
        expr.next_after(Tz::UTC, after),
        Some(utc(2027, 1, 4, 9, 0, 0))
    );
}

#[test]
fn day_of_month_and_weekday_are_anded() {
    // Friday the 13th: November 2026 has one.
    let f = fires(&cron("0 12 13 * FRI"), Tz::UTC, utc(2026, 1, 1, 0, 0, 0), 3);
    assert_eq!(
        f,
        vec![
            utc(2026, 2, 13, 12, 0, 0),
            utc(2026, 3, 13, 12, 0, 0),
            utc(2026, 11, 13, 12, 0, 0)
        ]
    );
}

#[test]
fn daily_nine_follows_berlin_dst() {
    let expr = cron("0 9 * * *");
    assert_eq!(
        expr.next_after(Berlin, utc(2026, 1, 15, 0, 0, 0)),
        Some(utc(2026, 1, 15, 8, 0, 0))
    );
    assert_eq!(
        expr.next_after(Berlin, utc(2026, 7, 15, 0, 0, 0)),
        Some(utc(2026, 7, 15, 7, 0, 0))
    );
    // Across the 2026-03-29 switch.
    assert_eq!(
        fires(&expr, Berlin, utc(2026, 3, 28, 0, 0, 0), 3),
        vec![
            utc(2026, 3, 28, 8, 0, 0),
            utc(2026, 3, 29, 7, 0, 0),
            utc(2026, 3, 30, 7, 0, 0)
        ]
    );
}

#[test]
fn spring_forward_gap_fires_once_after_the_gap() {
    // 2026-03-08 02:00 EST -> 03:00 EDT in New York; 02:30 does not exist that day.
    let expr = cron("30 2 * * *");
    assert_eq!(
        fires(&expr, New_York, utc(2026, 3, 7, 0, 0, 0), 3),
        vec![
            utc(2026, 3, 7, 7, 30, 0), // 02:30 EST
            utc(2026, 3, 8, 7, 0, 0),  // 03:00 EDT, the first instant after the gap
            utc(2026, 3, 9, 6, 30, 0), // 02:30 EDT
        ]
    );
    // Several skipped times collapse into one fire; later times that day are unaffected.
    let expr = cron("0,30 2,3 * * *");
    assert_eq!(
        fires(&expr, New_York, utc(2026, 3, 8, 5, 0, 0), 3),
        vec![
            utc(2026, 3, 8, 7, 0, 0),  // 02:00, 02:30 and 03:00 local
            utc(2026, 3, 8, 7, 30, 0), // 03:30 EDT
            utc(2026, 3, 9, 6, 0, 0),  // 02:00 EDT next day
        ]
    );
    // latest_in agrees.
    assert_eq!(
        cron("30 2 * * *").latest_in(
            New_York,
            utc(2026, 3, 8, 0, 0, 0),
            utc(2026, 3, 8, 12, 0, 0)
        ),
        Some(utc(2026, 3, 8, 7, 0, 0))
    );
}

#[test]
fn fall_back_overlap_fires_once() {
    // 2026-11-01 02:00 EDT -> 01:00 EST in New York; 01:30 happens twice.
    let expr = cron("30 1 * * *");
    assert_eq!(
        fires(&expr, New_York, utc(2026, 10, 31, 0, 0, 0), 3),
        vec![
            utc(2026, 10, 31, 5, 30, 0), // 01:30 EDT
            utc(2026, 11, 1, 5, 30, 0),  // 01:30 EDT, first occurrence only
            utc(2026, 11, 2, 6, 30, 0),  // 01:30 EST
        ]
    );
    // Asked from inside the repeated hour, the second 01:30 is not reported either.
    assert_eq!(
        expr.next_after(New_York, utc(2026, 11, 1, 6, 0, 0)),
        Some(utc(2026, 11, 2, 6, 30, 0))
    );
    // latest_in from inside the repeated hour finds the first occurrence.
    assert_eq!(
        expr.latest_in(
            New_York,
            utc(2026, 11, 1, 0, 0, 0),
            utc(2026, 11, 1, 6, 10, 0)
        ),
        Some(utc(2026, 11, 1, 5, 30, 0))
    );
    assert_eq!(
        expr.latest_in(
            New_York,
            utc(2026, 11, 1, 5, 30, 0),
            utc(2026, 11, 1, 6, 59, 0)
        ),
        None
    );
    // Every minute: the repeated hour does not fire again.
    let every_minute = cron("* * * * *");
    assert_eq!(
        every_minute.next_after(New_York, utc(2026, 11, 1, 5, 59, 0)),
        Some(utc(2026, 11, 1, 7, 0, 0)) // 02:00 EST
    );
    assert_eq!(
        every_minute.latest_in(
            New_York,
            utc(2026, 11, 1, 0, 0, 0),
            utc(2026, 11, 1, 6, 30, 0)
        ),
        Some(utc(2026, 11, 1, 5, 59, 0)) // 01:59 EDT
    );
}

#[test]
fn latest_in_weekly_window() {
    let weekly = cron(DEFAULT_WEEKLY);
    // Mondays 2026-11-02, -09, -16 at 09:00 CET.
    assert_eq!(
        weekly.latest_in(
            Berlin,
            utc(2026, 11, 1, 0, 0, 0),
            utc(2026, 11, 22, 0, 0, 0)
        ),
        Some(utc(2026, 11, 16, 8, 0, 0))
    );
    assert_eq!(
        weekly.latest_in(
            Berlin,
            utc(2026, 11, 17, 0, 0, 0),
            utc(2026, 11, 22, 0, 0, 0)
        ),
        None
    );
    // (since, until]: until is inclusive, since exclusive.
    let fire = utc(2026, 11, 16, 8, 0, 0);
    assert_eq!(
        weekly.latest_in(Berlin, utc(2026, 11, 10, 0, 0, 0), fire),
        Some(fire)
    );
    assert_eq!(
        weekly.latest_in(Berlin, fire, utc(2026, 11, 22, 0, 0, 0)),
        None
    );
    assert_eq!(weekly.latest_in(Berlin, fire, fire), None);
    assert_eq!(
        weekly.latest_in(
            Berlin,
            utc(2026, 11, 22, 0, 0, 0),
            utc(2026, 11, 1, 0, 0, 0)
        ),
        None
    );
}

// How long these searches take is `cargo bench --bench schedule`'s to measure, not a test's.
#[test]
fn latest_in_every_second_over_two_years_is_the_last_whole_second() {
    let every_second = cron("* * * * * *");
    let since = utc(2025, 1, 1, 0, 0, 0);
    let until = utc(2027, 1, 1, 12, 34, 56) + TimeDelta::milliseconds(789);
    for tz in [Tz::UTC, Berlin, New_York] {
        assert_eq!(
            every_second.latest_in(tz, since, until),
            Some(utc(2027, 1, 1, 12, 34, 56))
        );
    }
}

#[test]
fn latest_in_finds_a_fire_years_back() {
    // Yearly schedule, interval of five years: midnight of 1 January in Berlin is 23:00 UTC the day before.
    let yearly = cron("0 0 1 1 *");
    assert_eq!(
        yearly.latest_in(Berlin, utc(2020, 6, 1, 0, 0, 0), utc(2026, 6, 1, 0, 0, 0)),
        Some(utc(2025, 12, 31, 23, 0, 0))
    );
}

#[test]
fn next_after_is_strict_and_subsecond_safe() {
    let expr = cron("0 9 * * *");
    let fire = utc(2026, 11, 21, 9, 0, 0);
    assert_eq!(
        expr.next_after(Tz::UTC, fire),
        Some(utc(2026, 11, 22, 9, 0, 0))
    );
    assert_eq!(
        expr.next_after(Tz::UTC, fire - TimeDelta::milliseconds(1)),
        Some(fire)
    );
    assert_eq!(
        expr.next_after(Tz::UTC, fire + TimeDelta::milliseconds(1)),
        Some(utc(2026, 11, 22, 9, 0, 0))
    );
}

#[test]
fn extreme_instants_do_not_panic() {
    let expr = cron("* * * * * *");
    for tz in [Tz::UTC, Berlin, New_York, chrono_tz::Pacific::Kiritimati] {
        assert_eq!(expr.next_after(tz, DateTime::<Utc>::MAX_UTC), None);
        assert!(expr.next_after(tz, DateTime::<Utc>::MIN_UTC).is_some());
        assert!(expr
            .latest_in(tz, DateTime::<Utc>::MIN_UTC, DateTime::<Utc>::MAX_UTC)
            .is_some());
        assert_eq!(
            expr.latest_in(tz, DateTime::<Utc>::MIN_UTC, DateTime::<Utc>::MIN_UTC),
            None
        );
    }
}

#[test]
fn never_fires_is_refused() {
    for expr in [
        "0 0 30 2 *",
        "0 0 31 4 *",
        "0 0 0 1 1 * 2020",
        "0 0 0 1 1 * 2040",
        "0 0 31 2,4,6,9,11 *",
    ] {
        let err = CronExpr::parse(expr, now()).unwrap_err();
        assert_eq!(
            err,
            CronError::NeverFires {
                expr: expr.to_owned()
            }
        );
        assert!(err
            .to_string()
            .starts_with(&format!("cron expression `{expr}` never fires")));
    }
    // Rare but within five years: fine.
    cron("0 0 29 2 *");
    cron("0 0 0 1 1 * 2030");
    cron("0 12 13 * FRI");
}

#[test]
fn bad_field_counts_are_refused() {
    for (expr, found) in [
        ("x", 1),
        ("* * * *", 4),
        ("* * * * * * * *", 8),
        ("0 9 * * MON extra stuff here", 8),
    ] {
        let err = CronExpr::parse(expr, now()).unwrap_err();
        assert_eq!(
            err,
            CronError::FieldCount {
                expr: expr.to_owned(),
                found
            }
        );
    }
    assert_eq!(
        CronExpr::parse("x", now()).unwrap_err().to_string(),
        "cron expression `x` must have 5 fields (min hour day month weekday) or 6-7 with \
         seconds — e.g. `0 9 * * MON` (found 1)"
    );
    assert_eq!(CronExpr::parse("  ", now()).unwrap_err(), CronError::Empty);
}

#[test]
fn invalid_fields_are_explained() {
    let msg = |expr: &str| CronExpr::parse(expr, now()).unwrap_err().to_string();
    assert_eq!(
        msg("60 9 * * *"),
        "cron expression `60 9 * * *` is not valid: the minute value `60` is out of range \
         — use 0-59. Example: `0 9 * * MON`"
    );
    assert!(msg("0 24 * * *").contains("hour value `24` is out of range — use 0-23"));
    assert!(msg("0 9 0 * *").contains("day-of-month value `0`"));
    assert!(msg("0 9 * 13 *").contains("use 1-12 or JAN-DEC"));
    assert!(msg("0 9 * * 8").contains("0-7 (0 and 7 = Sunday) or SUN-SAT"));
    assert!(msg("0 9 * * FUNDAY").contains("`FUNDAY`, which is not a number or name"));
    assert!(msg("0 9 * * 5-1").contains("range `5-1` goes backwards"));
    assert_eq!(
        msg("0 9 * * SAT-MON"),
        "cron expression `0 9 * * SAT-MON` is not valid: the weekday range `SAT-MON` goes \
         backwards — write it from low to high, e.g. `1-5`. Example: `0 9 * * MON`"
    );
    assert!(msg("0 9 * * 7-6").contains("range `7-6` goes backwards"));
    assert!(msg("*/0 9 * * *").contains("step `/0`"));
    assert!(msg("0 9 1,,2 * *").contains("empty list entry"));
    assert!(msg("0 9 * * 1-").contains("missing end"));
    assert!(msg("0 9 L * *").contains("`L`"));
    assert!(msg("0 0 9 * * 2#1").contains("`2#1`"));
    assert!(msg("0 0 9 * * * 1969").contains("use 1970-2100"));
    assert!(msg("? 9 * * *").contains("`?`"));
    assert!(msg("@reboot").contains("not a supported shortcut"));
}

#[test]
fn shortcuts() {
    assert_eq!(
        cron("@daily").next_after(Berlin, now()),
        Some(utc(2026, 11, 20, 23, 0, 0))
    );
    assert_eq!(
        cron("@WEEKLY").next_after(Tz::UTC, now()),
        Some(utc(2026, 11, 22, 0, 0, 0)) // Sunday midnight
    );
    assert_eq!(cron("@weekly").as_str(), "@weekly");
}

/// What the crate is handed, written out by hand in its numbering (1 = Sunday ... 7 = Saturday).
/// The translation was checked against the previous implementation (which expanded every field
/// to explicit values) on 20,000 random fields by a property test before that one was removed.
#[test]
fn the_crate_gets_the_same_schedule_in_its_numbering() {
    for (expr, crate_expr) in [
        ("0 9 * * MON", "0 0 9 * * 2"),
        ("0 9 * * 0", "0 0 9 * * 1"),
        ("0 9 * * 7", "0 0 9 * * 1"),
        ("0 9 * * 1-5", "0 0 9 * * 2-6"),
        ("0 9 * * 5-7", "0 0 9 * * 1,6,7"),
        ("0 9 * * FRI-SUN", "0 0 9 * * 1,6,7"),
        ("0 9 * * 5-0", "0 0 9 * * 1,6,7"),
        ("0 9 * * MON-SUN", "0 0 9 * * *"),
        ("0 9 * * SUN-SUN", "0 0 9 * * 1"),
        ("0 9 * * */2", "0 0 9 * * 1,3,5,7"),
        ("0 9 * * 1/2", "0 0 9 * * 2,4,6"),
        ("0 9 * * 7/2", "0 0 9 * * 1"),
        ("0 9 * * 1-7/2", "0 0 9 * * 1,2,4,6"),
        ("0 9 * * MON/2", "0 0 9 * * 2,4,6"),
        ("0 9 * * ?", "0 0 9 * * *"),
        ("0 9 * * tues,THUR", "0 0 9 * * 3,5"),
        ("0 9 1-7 1,4,7,10 MON", "0 0 9 1-7 1,4,7,10 2"),
        ("*/15 8-17 * * *", "0 0,15,30,45 8-17 * * *"),
        ("30 */7 * * *", "0 30 0,7,14,21 * * *"),
        ("*/90 * * * *", "0 0 * * * *"),
        ("50/20 * * * *", "0 50 * * * *"),
        ("0 9 1 sept,JAN/3 *", "0 0 9 1 1,4,7,9,10 *"),
        ("0 9 1 JAN-6 *", "0 0 9 1 1-6 *"),
        ("0 9 ? * *", "0 0 9 * * *"),
        ("0 0 9 * * * 2030-2040/5", "0 0 9 * * * 2030,2035,2040"),
        (
            "0 0 9 * * * 2027/10",
            "0 0 9 * * * 2027,2037,2047,2057,2067,2077,2087,2097",
        ),
        ("@weekly", "0 0 0 * * 1"),
        ("@yearly", "0 0 0 1 1 *"),
    ] {
        let expected = cron::Schedule::from_str(crate_expr).unwrap();
        assert!(
            cron(expr).schedule.timeunitspec_eq(&expected),
            "`{expr}` should be `{crate_expr}`"
        );
    }
}

#[test]
fn restricting_both_day_fields_is_reported() {
    for expr in [
        "0 9 13 * FRI",
        DEFAULT_QUARTERLY,
        "0 9 1,15 * 1-5",
        "0 0 9 13 * SUN *",
    ] {
        assert!(cron(expr).restricts_both_days(), "{expr}");
    }
    for expr in [
        DEFAULT_WEEKLY,
        "0 9 13 * *",
        "0 9 13 * ?",
        "0 9 ? * FRI",
        "0 9 1-31 * MON",
        "0 9 13 * 0-7",
        "0 9 13 * MON-SUN",
        "0 9 * * *",
        "@weekly",
        "@monthly",
    ] {
        assert!(!cron(expr).restricts_both_days(), "{expr}");
    }
}

/// Documents what the `cron` crate does on its own (the reasons for this module's
/// translation layer); if an upgrade changes any of this, revisit the module.
#[test]
fn cron_crate_behaviour_assumptions() {
    let raw = |e: &str| cron::Schedule::from_str(e).unwrap();
    // Day-of-week numbering: 1 = Sunday, 2 = Monday ... 7 = Saturday; 0 is rejected.
    let mon = raw("0 0 9 * * 2").after(&now()).next().unwrap();
    assert_eq!(mon.weekday(), Weekday::Mon);
    let sun = raw("0 0 9 * * 1").after(&now()).next().unwrap();
    assert_eq!(sun.weekday(), Weekday::Sun);
    assert!(cron::Schedule::from_str("0 0 9 * * 0").is_err());
    // Narrower than the grammar this module accepts (hence the items are handed over in numbers).
    for narrower in [
        "0 0 9 1 sept *",
        "0 0 9 * * thur",
        "0 0 9 * * MON/2",
        "0 0 9 1 JAN-6 *",
        "0 */90 * * * *",
        "0 0 9 * * 5-8",
    ] {
        assert!(cron::Schedule::from_str(narrower).is_err(), "{narrower}");
    }
    // Day-of-month and day-of-week are ANDed.
    let q = raw("0 0 9 1-7 1,4,7,10 MON")
        .after(&utc(2026, 11, 26, 0, 0, 0))
        .next()
        .unwrap();
    assert_eq!(q, utc(2027, 1, 4, 9, 0, 0));
    // DST gap: a daily 02:30 is skipped entirely on 2026-03-08 in New York.
    let start = New_York.with_ymd_and_hms(2026, 3, 7, 12, 0, 0).unwrap();
    let next = raw("0 30 2 * * *").after(&start).next().unwrap();
    assert_eq!(next.with_timezone(&Utc), utc(2026, 3, 9, 6, 30, 0));
    // DST overlap: a daily 01:30 fires twice on 2026-11-01 in New York.
    let start = New_York.with_ymd_and_hms(2026, 10, 31, 12, 0, 0).unwrap();
    let two: Vec<_> = raw("0 30 1 * * *")
        .after(&start)
        .take(2)
        .map(|d| d.with_timezone(&Utc))
        .collect();
    assert_eq!(
        two,
        vec![utc(2026, 11, 1, 5, 30, 0), utc(2026, 11, 1, 6, 30, 0)]
    );
}

#[test]
fn echoes_keep_max_characters_then_mark_the_cut() {
    assert_eq!(clip("0 9 * * MON", 20), "0 9 * * MON");
    assert_eq!(clip("abcdef", 6), "abcdef");
    // One character more than `max`: cut, so the echo is `max` characters and the "…".
    assert_eq!(clip("abcdefg", 6), "abcdef…");
    // Spaces before the cut are echoed as typed.
    assert_eq!(clip("0 9 * * MON,TUE", 8), "0 9 * * …");
    assert_eq!(clip("ééééé", 3), "ééé…");
    assert_eq!(clip("x", 0), "…");
    assert_eq!(clip("", 0), "");
}
