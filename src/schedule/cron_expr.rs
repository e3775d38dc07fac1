//! Cron expressions for scheduled digests, evaluated in a team's IANA time zone.
//!
//! The grammar is the `cron` crate's, which the project keeps as its schedule grammar; this module adds
//! what the crate does not do the way a team expects, and nothing else:
//!
//! * **Unix day-of-week numbering.** `0` and `7` are Sunday, `1` is Monday, ..., `6` is Saturday, so
//!   `0 9 * * 1-5` fires at 09:00 on weekdays. The crate numbers 1 = Sunday ... 7 = Saturday, so the
//!   day-of-week field is the one field translated in meaning. A range may end on Sunday as on a crontab
//!   (`MON-SUN`, `FRI-SUN`, `5-7`, `5-0`): Sunday at the end of a range is 7. `*/n` steps over
//!   Sunday(0)-Saturday(6), and `a/n` runs from `a` to Saturday.
//! * **Messages that say how to fix the input.** Each field is checked here, so a mistake is named
//!   ("the minute value `60` is out of range — use 0-59") instead of the crate's parser trace; the crate
//!   then gets the same items with names written as numbers, because it knows fewer spellings (`sept`,
//!   `thur`), refuses a name with a step (`MON/2`) or beside a number (`JAN-6`), and refuses a step longer
//!   than its field (`*/90`, which means "only the start" here as on a crontab).
//! * **Daylight saving time** and the **five-year "never fires" refusal** (below).
//!
//! # Syntax
//!
//! * 5 fields, as in a Unix crontab: `min hour day-of-month month day-of-week`
//!   (the seconds field is taken to be `0`);
//! * 6 fields with leading seconds: `sec min hour day-of-month month day-of-week`;
//! * 7 fields: the 6 above plus a trailing `year` (1970-2100);
//! * the shortcuts `@yearly`/`@annually`, `@monthly`, `@weekly` (Sunday 00:00),
//!   `@daily`/`@midnight` and `@hourly` (case-insensitive, unlike the crate's).
//!
//! Every field accepts `*`, numbers, lists `a,b`, ranges `a-b` and steps `*/n`, `a-b/n` and
//! `a/n` (= from `a` to the end of the field's range). Ranges must go from low to high.
//! Day-of-month and day-of-week also accept `?` (same as `*`). Month and day-of-week names
//! (`JAN`, `January`, `mon`, `Monday`, ...) are case-insensitive.
//!
//! **Day-of-month and day-of-week are combined with AND** (unlike Vixie cron, which ORs them
//! when both are restricted): `0 9 1-7 1,4,7,10 MON` ([`DEFAULT_QUARTERLY`]) means "09:00 on
//! the first Monday of January, April, July and October". The crate evaluates the two fields this
//! way; [`CronExpr::restricts_both_days`] tells `/schedule` when to say so.
//!
//! # Time zones and daylight saving time
//!
//! The schedule is matched against the *local wall-clock time* of the given [`chrono_tz::Tz`]
//! (the crate is driven with naive local times; the mapping to real instants is done here):
//!
//! * a local time that does not exist because clocks spring forward (02:30 on
//!   2026-03-08 in `America/New_York`) fires once, at the first instant after the gap
//!   (03:00 local, like Vixie cron / cronie). Several skipped times collapse into that one fire;
//! * a local time that occurs twice because clocks fall back (01:30 on 2026-11-01 in
//!   `America/New_York`) fires once, at its first occurrence. Consequence: a sub-hourly
//!   schedule pauses during the repeated hour instead of firing twice.
//!
//! The `cron` crate on its own would skip non-existent times (a daily 02:30 job would not run
//! at all that day) and would fire ambiguous times twice.
//!
//! # Validation
//!
//! [`CronExpr::parse`] refuses expressions that do not fire within five years of the reference
//! time (e.g. `0 0 30 2 *`, February 30th, or a year field in the past). Error messages are
//! short, user-facing and say how to fix the input. Which time zone names a team may use is
//! [`crate::domain::timezone`]'s rule.

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, LocalResult, NaiveDateTime, TimeDelta, TimeZone, Timelike, Utc};
use chrono_tz::{GapInfo, Tz};
use cron::TimeUnitSpec;

/// Default schedule for weekly digests: Mondays at 09:00.
pub const DEFAULT_WEEKLY: &str = "0 9 * * MON";
/// Default schedule for quarterly digests: 09:00 on the first Monday of each quarter.
pub const DEFAULT_QUARTERLY: &str = "0 9 1-7 1,4,7,10 MON";

const EXAMPLE: &str = "0 9 * * MON";
/// How far ahead [`CronExpr::parse`] looks for a first fire time (five years incl. leap days).
const NEVER_FIRES_HORIZON_DAYS: i64 = 5 * 365 + 2;
/// Longest user input echoed back in an error message.
const MAX_ECHO_CHARS: usize = 80;

/// Why a cron expression was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CronError {
    /// Nothing but whitespace was given.
    #[error(
        "cron expression is empty — use 5 fields (min hour day month weekday), e.g. `{EXAMPLE}`"
    )]
    Empty,
    /// Not 5, 6 or 7 whitespace-separated fields.
    #[error(
        "cron expression `{expr}` must have 5 fields (min hour day month weekday) or 6-7 with seconds — e.g. `{EXAMPLE}` (found {found})"
    )]
    FieldCount {
        /// The expression (shortened if very long).
        expr: String,
        /// How many fields were found.
        found: usize,
    },
    /// A field could not be understood.
    #[error("cron expression `{expr}` is not valid: {reason}. Example: `{EXAMPLE}`")]
    Invalid {
        /// The expression (shortened if very long).
        expr: String,
        /// What is wrong and how to fix it.
        reason: String,
    },
    /// The expression is well-formed but has no fire time in the next five years.
    #[error(
        "cron expression `{expr}` never fires (nothing in the next 5 years) — check the day, month and year fields"
    )]
    NeverFires {
        /// The expression (shortened if very long).
        expr: String,
    },
}

/// A validated cron expression; see the [module documentation](self) for its semantics.
#[derive(Debug, Clone)]
pub struct CronExpr {
    /// The expression as the user wrote it (trimmed).
    source: String,
    /// Normalised 7-field schedule (explicit values, crate day-of-week numbering), matched
    /// against naive local wall-clock time.
    schedule: cron::Schedule,
}

impl CronExpr {
    /// Parse and validate; `now` is the reference for the never-fires check.
    pub fn parse(expr: &str, now: DateTime<Utc>) -> Result<CronExpr, CronError> {
        let source = expr.trim();
        if source.is_empty() {
            return Err(CronError::Empty);
        }
        let invalid = |reason: String| CronError::Invalid {
            expr: clip(source, MAX_ECHO_CHARS),
            reason,
        };

        let expanded;
        let text = if source.starts_with('@') {
            expanded = expand_shortcut(source).map_err(invalid)?;
            expanded
        } else {
            source
        };

        let fields: Vec<&str> = text.split_whitespace().collect();
        let kinds: &[Field] = match fields.len() {
            5 => &FIVE_FIELDS,
            6 => &ALL_FIELDS[..6],
            7 => &ALL_FIELDS,
            found => {
                return Err(CronError::FieldCount {
                    expr: clip(source, MAX_ECHO_CHARS),
                    found,
                })
            }
        };

        let mut crate_fields = Vec::with_capacity(7);
        if fields.len() == 5 {
            crate_fields.push("0".to_owned());
        }
        for (kind, text) in kinds.iter().zip(&fields) {
            let items = parse_items(*kind, text).map_err(invalid)?;
            crate_fields.push(crate_field(*kind, &items));
        }
        let schedule = cron::Schedule::from_str(&crate_fields.join(" ")).map_err(|err| {
            // Not expected: every field was checked above. Keep only the crate's reason line.
            let detail = err.to_string();
            let reason = detail
                .lines()
                .last()
                .filter(|l| !l.trim().is_empty())
                .unwrap_or("unsupported value");
            invalid(clip(reason, MAX_ECHO_CHARS))
        })?;

        // Never-fires check, on naive wall-clock time (the team's zone is not known here; a
        // difference of at most a day does not matter for a five-year horizon).
        let start = truncate_to_second(now.clamp(min_instant(), max_instant()).naive_utc());
        let horizon = start.checked_add_signed(TimeDelta::days(NEVER_FIRES_HORIZON_DAYS));
        let first = schedule
            .after(&Utc.from_utc_datetime(&start))
            .next()
            .map(|d| d.naive_utc());
        match (first, horizon) {
            (Some(first), Some(horizon)) if first <= horizon => Ok(CronExpr {
                source: source.to_owned(),
                schedule,
            }),
            _ => Err(CronError::NeverFires {
                expr: clip(source, MAX_ECHO_CHARS),
            }),
        }
    }

    /// The expression as the user wrote it (trimmed).
    pub fn as_str(&self) -> &str {
        &self.source
    }

    /// Whether both day-of-month and day-of-week are restricted, so a day must match both (a classic
    /// crontab would fire on either): `0 9 13 * FRI` is Friday the 13th only.
    pub fn restricts_both_days(&self) -> bool {
        !self.schedule.days_of_month().is_all() && !self.schedule.days_of_week().is_all()
    }

    /// First fire time strictly after `after`, evaluated in `tz`.
    ///
    /// Candidates are the crate's naive local times after `after`'s local time; each is mapped
    /// to an instant (gap -> first instant after the gap, overlap -> first occurrence). That
    /// mapping is monotonic, so the first candidate that lands after `after` is the answer.
    /// Only when `after` lies in the repeated hour of a fall-back are candidates skipped (those
    /// already fired in the first pass), which is bounded by the length of the overlap.
    pub fn next_after(&self, tz: Tz, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
        if after >= max_instant() {
            return None;
        }
        let after = after.max(min_instant());
        let start = truncate_to_second(after.with_timezone(&tz).naive_local());
        self.schedule
            .after(&Utc.from_utc_datetime(&start))
            .filter_map(|candidate| resolve_local(tz, candidate.naive_utc()))
            .find(|fire| *fire > after)
    }

    /// The latest fire time in the half-open interval `(since, until]`, evaluated in `tz` —
    /// used to find the most recent missed fire after downtime.
    ///
    /// Searches *backwards* from `until` with the crate's reverse iterator, which jumps
    /// field by field (year, month, day, hour, minute, second) instead of stepping through
    /// fire times, so the work is bounded by the calendar distance to the previous fire, not by
    /// the number of fires in the interval: an every-second schedule over years answers at once.
    /// If `until` lies in the repeated hour of a fall-back, the search starts at the end of the
    /// overlap (those wall-clock times already fired, in the first pass).
    pub fn latest_in(
        &self,
        tz: Tz,
        since: DateTime<Utc>,
        until: DateTime<Utc>,
    ) -> Option<DateTime<Utc>> {
        let until = until.min(max_instant());
        if since >= until || until < min_instant() {
            return None;
        }
        let local_until = truncate_to_second(until.with_timezone(&tz).naive_local());
        let overlap = match tz.from_local_datetime(&local_until) {
            LocalResult::Ambiguous(first, second) if second.with_timezone(&Utc) <= until => {
                second.signed_duration_since(first)
            }
            _ => TimeDelta::zero(),
        };
        // The crate's reverse iteration yields times strictly before its start: start 1 s later.
        let upper = local_until
            .checked_add_signed(overlap)?
            .checked_add_signed(TimeDelta::seconds(1))?;
        self.schedule
            .after(&Utc.from_utc_datetime(&upper))
            .rev()
            .filter_map(|candidate| resolve_local(tz, candidate.naive_utc()))
            .find(|fire| *fire <= until)
            .filter(|fire| *fire > since)
    }
}

impl fmt::Display for CronExpr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source)
    }
}

/// Maps a naive local wall-clock time to the instant it fires at in `tz`.
fn resolve_local(tz: Tz, local: NaiveDateTime) -> Option<DateTime<Utc>> {
    match tz.from_local_datetime(&local) {
        LocalResult::Single(dt) => Some(dt.with_timezone(&Utc)),
        LocalResult::Ambiguous(first, _) => Some(first.with_timezone(&Utc)),
        LocalResult::None => gap_end(tz, local),
    }
}

/// First instant after the DST gap containing the non-existent local time `local`.
fn gap_end(tz: Tz, local: NaiveDateTime) -> Option<DateTime<Utc>> {
    if let Some(end) = GapInfo::new(&local, &tz).and_then(|gap| gap.end) {
        return Some(end.with_timezone(&Utc));
    }
    // Fallback (data edge cases): binary search for the first whole second whose local time is
    // at or after `local`. UTC offsets are well within ±2 days, so the bounds bracket it.
    let target = local.and_utc().timestamp();
    let (mut lo, mut hi) = (target - 2 * 86_400, target + 2 * 86_400);
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        let instant = DateTime::from_timestamp(mid, 0)?;
        if instant.with_timezone(&tz).naive_local() >= local {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    DateTime::from_timestamp(hi, 0)
}

/// Earliest instant considered (the crate knows no years before 1970).
fn min_instant() -> DateTime<Utc> {
    DateTime::UNIX_EPOCH - TimeDelta::days(2)
}

/// Latest instant considered: 2101-01-02T00:00:00Z (the crate knows no years after 2100).
fn max_instant() -> DateTime<Utc> {
    DateTime::UNIX_EPOCH + TimeDelta::days(47_848)
}

fn truncate_to_second(t: NaiveDateTime) -> NaiveDateTime {
    t.with_nanosecond(0).unwrap_or(t)
}

/// Shortens `s` to at most `max` characters for echoing in messages.
fn clip(s: &str, max: usize) -> String {
    match s.char_indices().nth(max) {
        Some((idx, _)) => format!("{}…", &s[..idx]),
        None => s.to_owned(),
    }
}

fn expand_shortcut(text: &str) -> Result<&'static str, String> {
    match text.to_ascii_lowercase().as_str() {
        "@yearly" | "@annually" => Ok("0 0 1 1 *"),
        "@monthly" => Ok("0 0 1 * *"),
        "@weekly" => Ok("0 0 * * 0"),
        "@daily" | "@midnight" => Ok("0 0 * * *"),
        "@hourly" => Ok("0 * * * *"),
        _ => Err(format!(
            "`{}` is not a supported shortcut — use @yearly, @monthly, @weekly, @daily or @hourly",
            clip(text, 20)
        )),
    }
}

/// One field of a cron expression.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Field {
    Second,
    Minute,
    Hour,
    DayOfMonth,
    Month,
    DayOfWeek,
    Year,
}

const ALL_FIELDS: [Field; 7] = [
    Field::Second,
    Field::Minute,
    Field::Hour,
    Field::DayOfMonth,
    Field::Month,
    Field::DayOfWeek,
    Field::Year,
];
const FIVE_FIELDS: [Field; 5] = [
    Field::Minute,
    Field::Hour,
    Field::DayOfMonth,
    Field::Month,
    Field::DayOfWeek,
];

impl Field {
    fn label(self) -> &'static str {
        match self {
            Field::Second => "second",
            Field::Minute => "minute",
            Field::Hour => "hour",
            Field::DayOfMonth => "day-of-month",
            Field::Month => "month",
            Field::DayOfWeek => "weekday",
            Field::Year => "year",
        }
    }

    /// Inclusive bounds of the values a user may write.
    fn bounds(self) -> (u32, u32) {
        match self {
            Field::Second | Field::Minute => (0, 59),
            Field::Hour => (0, 23),
            Field::DayOfMonth => (1, 31),
            Field::Month => (1, 12),
            Field::DayOfWeek => (0, 7),
            Field::Year => (1970, 2100),
        }
    }

    /// Upper end of `*` and of `a/n`: Saturday (6) for weekdays, 7 being an alias of Sunday.
    fn wildcard_max(self) -> u32 {
        match self {
            Field::DayOfWeek => 6,
            other => other.bounds().1,
        }
    }

    fn allowed(self) -> &'static str {
        match self {
            Field::Second | Field::Minute => "0-59",
            Field::Hour => "0-23",
            Field::DayOfMonth => "1-31",
            Field::Month => "1-12 or JAN-DEC",
            Field::DayOfWeek => "0-7 (0 and 7 = Sunday) or SUN-SAT",
            Field::Year => "1970-2100",
        }
    }

    fn allows_question_mark(self) -> bool {
        matches!(self, Field::DayOfMonth | Field::DayOfWeek)
    }

    fn value_of_name(self, name: &str) -> Option<u32> {
        let name = name.to_ascii_lowercase();
        let value = match self {
            Field::Month => match name.as_str() {
                "jan" | "january" => 1,
                "feb" | "february" => 2,
                "mar" | "march" => 3,
                "apr" | "april" => 4,
                "may" => 5,
                "jun" | "june" => 6,
                "jul" | "july" => 7,
                "aug" | "august" => 8,
                "sep" | "sept" | "september" => 9,
                "oct" | "october" => 10,
                "nov" | "november" => 11,
                "dec" | "december" => 12,
                _ => return None,
            },
            Field::DayOfWeek => match name.as_str() {
                "sun" | "sunday" => 0,
                "mon" | "monday" => 1,
                "tue" | "tues" | "tuesday" => 2,
                "wed" | "wednesday" => 3,
                "thu" | "thur" | "thurs" | "thursday" => 4,
                "fri" | "friday" => 5,
                "sat" | "saturday" => 6,
                _ => return None,
            },
            _ => return None,
        };
        Some(value)
    }

    fn parse_value(self, token: &str) -> Result<u32, String> {
        let label = self.label();
        let (min, max) = self.bounds();
        if !token.is_empty() && token.bytes().all(|b| b.is_ascii_digit()) {
            return match token.parse::<u32>() {
                Ok(v) if (min..=max).contains(&v) => Ok(v),
                _ => Err(format!(
                    "the {label} value `{}` is out of range — use {}",
                    clip(token, 12),
                    self.allowed()
                )),
            };
        }
        self.value_of_name(token).ok_or_else(|| {
            if token.is_empty() {
                format!("the {label} field has a range with a missing end — write e.g. `1-5`")
            } else {
                format!(
                    "the {label} field has `{}`, which is not a number or name — use {}",
                    clip(token, 12),
                    self.allowed()
                )
            }
        })
    }
}

/// One validated list item of a field: the values `lo`, `lo + step`, ... up to `hi`, in Unix
/// numbering (a weekday of 7 is Sunday).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Item {
    lo: u32,
    hi: u32,
    step: u32,
}

impl Item {
    fn values(self) -> impl Iterator<Item = u32> {
        (self.lo..=self.hi).step_by(self.step as usize)
    }
}

/// Checks one field and splits it into its list items, names read as numbers.
fn parse_items(field: Field, text: &str) -> Result<Vec<Item>, String> {
    let label = field.label();
    let (min, _) = field.bounds();
    text.split(',')
        .map(|item| {
            if item.is_empty() {
                return Err(format!(
                    "the {label} field `{}` has an empty list entry",
                    clip(text, 24)
                ));
            }
            let (base, step) = match item.split_once('/') {
                Some((base, step)) => match step.parse::<u32>() {
                    Ok(n) if n >= 1 && step.bytes().all(|b| b.is_ascii_digit()) => (base, Some(n)),
                    _ => {
                        return Err(format!(
                        "the {label} step `/{}` must be a whole number of at least 1, e.g. `*/15`",
                        clip(step, 12)
                    ))
                    }
                },
                None => (item, None),
            };
            let (lo, hi) = if base == "*" || (base == "?" && field.allows_question_mark()) {
                (min, field.wildcard_max())
            } else if let Some((a, b)) = base.split_once('-') {
                let (a, mut b) = (field.parse_value(a)?, field.parse_value(b)?);
                // Sunday is 0 and 7: at the end of a range it is 7 (`MON-SUN`, `5-0`), as on a crontab.
                if field == Field::DayOfWeek && b == 0 && a > 0 {
                    b = 7;
                }
                if a > b {
                    return Err(format!(
                    "the {label} range `{}` goes backwards — write it from low to high, e.g. `1-5`",
                    clip(base, 16)
                ));
                }
                (a, b)
            } else {
                let v = field.parse_value(base)?;
                match step {
                    Some(_) => (v, field.wildcard_max().max(v)),
                    None => (v, v),
                }
            };
            Ok(Item {
                lo,
                hi,
                step: step.unwrap_or(1),
            })
        })
        .collect()
}

/// Writes a checked field in the crate's syntax: the same items, in numbers.
fn crate_field(field: Field, items: &[Item]) -> String {
    let written: Vec<String> = if field == Field::DayOfWeek {
        // The one translation in meaning: Unix 0-7 (0 and 7 = Sunday) to the crate's 1 = Sunday ...
        // 7 = Saturday, as a list because a Unix range through Sunday (`5-7`) wraps in the crate's.
        let days: BTreeSet<u32> = items
            .iter()
            .flat_map(|i| i.values())
            .map(|d| d % 7 + 1)
            .collect();
        days.iter().map(u32::to_string).collect()
    } else {
        items
            .iter()
            .map(|i| match i.hi - i.lo {
                // A step longer than the range selects only its start (the crate refuses such steps).
                span if span == 0 || i.step > span => i.lo.to_string(),
                _ if i.step == 1 => format!("{}-{}", i.lo, i.hi),
                _ => format!("{}-{}/{}", i.lo, i.hi, i.step),
            })
            .collect()
    };
    written.join(",")
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Datelike, NaiveDate, Weekday};
    use chrono_tz::America::New_York;
    use chrono_tz::Europe::Berlin;
    use std::time::{Duration, Instant};

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

    #[test]
    fn latest_in_every_second_over_two_years_is_fast() {
        let every_second = cron("* * * * * *");
        let since = utc(2025, 1, 1, 0, 0, 0);
        let until = utc(2027, 1, 1, 12, 34, 56) + TimeDelta::milliseconds(789);
        let started = Instant::now();
        for tz in [Tz::UTC, Berlin, New_York] {
            assert_eq!(
                every_second.latest_in(tz, since, until),
                Some(utc(2027, 1, 1, 12, 34, 56))
            );
        }
        assert!(started.elapsed() < Duration::from_millis(500));
    }

    #[test]
    fn latest_in_finds_old_fires_quickly() {
        // Yearly schedule, interval of five years: still only a backwards jump.
        let yearly = cron("0 0 1 1 *");
        let started = Instant::now();
        assert_eq!(
            yearly.latest_in(Berlin, utc(2020, 6, 1, 0, 0, 0), utc(2026, 6, 1, 0, 0, 0)),
            Some(utc(2025, 12, 31, 23, 0, 0))
        );
        assert!(started.elapsed() < Duration::from_millis(500));
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

    #[test]
    fn fuzz_parser_never_panics() {
        let huge_fields = "* ".repeat(100_000);
        let huge_list = format!("0 {} * * *", vec!["1"; 50_000].join(","));
        let huge_number = format!("0 {} * * *", "9".repeat(1_000));
        let mut inputs: Vec<String> = [
            "",
            " ",
            "\t\n",
            "*",
            "* * * * * * * *",
            "* * * * * * *",
            "* * * * * *",
            "* * * * *",
            "🕘 9 * * MON",
            "0 9 * * Пн",
            "０ ９ * * *",
            "0\u{a0}9\u{a0}*\u{a0}*\u{a0}MON",
            "0 9 * * MON-",
            "0 9 * * -MON",
            "0 9 * * MON--FRI",
            "0 9 * * MON-FRI-SAT",
            "0 9 * * /",
            "0 9 * * */",
            "0 9 * * /2",
            "0 9 * * *//2",
            "0 9 * * */2/2",
            "0 9 * * */4294967295",
            "0 9 * * */4294967296",
            "0 9 * * 0-4294967295",
            "0 9 * * 4294967295",
            "0 0 0 * * * 2100",
            "0 0 0 * * * 2100/4294967295",
            "0 0 0 * * * 1970-2100/1",
            "0 9 * * ,",
            "0 9 * * ,,,",
            "0 9 * * 1,",
            "0 9 * * ?",
            "0 9 ? * ?",
            "0 9 * ? *",
            "- - - - -",
            "/ / / / /",
            "@",
            "@@daily",
            "@daily extra",
            "@yearly",
            "@annually",
            "@monthly",
            "@midnight",
            "@hourly",
            "0 9 * * MON #comment",
            "0x10 9 * * *",
            "+1 9 * * *",
            "-1 9 * * *",
            "1.5 9 * * *",
            "0 9 * * \u{0}",
            "0 9 * * \u{202e}NOM",
            "0 9 31 2 MON",
            "59 23 31 12 * ",
            "0 0 29 2 MON",
        ]
        .iter()
        .map(|s| (*s).to_owned())
        .collect();
        inputs.push(huge_fields);
        inputs.push(huge_list);
        inputs.push(huge_number);
        // Mutations of valid expressions.
        let alphabet = [
            "*", "/", "-", ",", "?", " ", "0", "7", "60", "MON", "jan", "L", "#", "é",
        ];
        for base in [DEFAULT_WEEKLY, DEFAULT_QUARTERLY, "*/5 * * * * * 2027"] {
            for pos in 0..=base.len() {
                if !base.is_char_boundary(pos) {
                    continue;
                }
                for ins in alphabet {
                    inputs.push(format!("{}{}{}", &base[..pos], ins, &base[pos..]));
                }
                let mut cut = base.to_owned();
                if pos < base.len() {
                    cut.remove(pos);
                    inputs.push(cut);
                }
            }
        }
        for input in &inputs {
            match CronExpr::parse(input, now()) {
                Ok(expr) => {
                    // Exercise evaluation as well.
                    let _ = expr.next_after(New_York, now());
                    let _ = expr.latest_in(New_York, now() - TimeDelta::days(400), now());
                }
                Err(err) => {
                    let text = err.to_string();
                    assert!(
                        !text.contains('\n'),
                        "multi-line error for {input:?}: {text}"
                    );
                    assert!(text.chars().count() < 400, "long error for {input:?}");
                }
            }
        }
    }

    /// The values a field selects, in Unix numbering with Sunday as 0.
    fn field_values(field: Field, text: &str) -> BTreeSet<u32> {
        let items = parse_items(field, text).unwrap_or_else(|e| panic!("{text}: {e}"));
        let wrap = if field == Field::DayOfWeek {
            7
        } else {
            u32::MAX
        };
        items
            .iter()
            .flat_map(|i| i.values())
            .map(|v| v % wrap)
            .collect()
    }

    /// Reference model: matches naive local minutes by brute force and maps them to instants
    /// with the documented gap/overlap rules.
    fn brute_force_fires(
        expr: &str,
        tz: Tz,
        from: NaiveDateTime,
        to: NaiveDateTime,
    ) -> Vec<DateTime<Utc>> {
        let fields: Vec<&str> = expr.split_whitespace().collect();
        assert_eq!(fields.len(), 5, "brute force takes 5-field expressions");
        let sets: Vec<BTreeSet<u32>> = FIVE_FIELDS
            .iter()
            .zip(&fields)
            .map(|(f, t)| field_values(*f, t))
            .collect();
        let mut out = BTreeSet::new();
        let mut day = from.date();
        while day <= to.date() {
            let date_matches = sets[2].contains(&day.day())
                && sets[3].contains(&day.month())
                && sets[4].contains(&day.weekday().num_days_from_sunday());
            if date_matches {
                for hour in &sets[1] {
                    for minute in &sets[0] {
                        let t = day.and_hms_opt(*hour, *minute, 0).unwrap();
                        if t < from || t > to {
                            continue;
                        }
                        let fire = match tz.from_local_datetime(&t) {
                            LocalResult::Single(d) => d,
                            LocalResult::Ambiguous(first, _) => first,
                            LocalResult::None => {
                                // The first valid local minute after `t` is the end of the gap
                                // (gaps in the zones tested end on whole minutes).
                                let mut u = t;
                                loop {
                                    u += TimeDelta::minutes(1);
                                    match tz.from_local_datetime(&u) {
                                        LocalResult::Single(d) => break d,
                                        LocalResult::Ambiguous(first, _) => break first,
                                        LocalResult::None => {}
                                    }
                                }
                            }
                        };
                        out.insert(fire.with_timezone(&Utc));
                    }
                }
            }
            day = day.succ_opt().unwrap();
        }
        out.into_iter().collect()
    }

    #[test]
    fn matches_brute_force_reference() {
        let from = NaiveDate::from_ymd_opt(2026, 1, 1)
            .unwrap()
            .and_hms_opt(0, 0, 0)
            .unwrap();
        let to = NaiveDate::from_ymd_opt(2026, 12, 31)
            .unwrap()
            .and_hms_opt(23, 59, 0)
            .unwrap();
        let zones = [
            Tz::UTC,
            New_York,
            Berlin,
            chrono_tz::Australia::Lord_Howe, // 30-minute DST shift
            chrono_tz::America::Santiago,    // southern hemisphere, midnight switch
        ];
        let exprs = [
            "0 9 * * MON",
            "0 9 1-7 1,4,7,10 MON",
            "30 2 * * *",
            "*/20 0-3 * * SUN",
            "15,45 1,2 * 3,4,9,10,11 *",
            "0 0 * * *",
            "59 23 31 * *",
            "0 12 13 * 5",
        ];
        for tz in zones {
            for expr in exprs {
                let reference = brute_force_fires(expr, tz, from, to);
                let parsed = cron(expr);
                let lo = reference[0] - TimeDelta::seconds(1);
                let hi = *reference.last().unwrap();
                // Forward chain.
                let chain = fires(&parsed, tz, lo, reference.len());
                assert_eq!(chain, reference, "next_after chain for `{expr}` in {tz}");
                // Backwards: latest fire at or before each reference fire and just before it.
                for (i, fire) in reference.iter().enumerate() {
                    assert_eq!(
                        parsed.latest_in(tz, lo, *fire),
                        Some(*fire),
                        "latest_in up to {fire} for `{expr}` in {tz}"
                    );
                    let before = *fire - TimeDelta::seconds(1);
                    let expected = if i == 0 { None } else { Some(reference[i - 1]) };
                    assert_eq!(
                        parsed.latest_in(tz, lo, before),
                        expected,
                        "latest_in up to {before} for `{expr}` in {tz}"
                    );
                }
                assert_eq!(parsed.latest_in(tz, lo, hi), Some(hi));
            }
        }
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
}
