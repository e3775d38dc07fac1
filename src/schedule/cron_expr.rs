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

use crate::domain::format::prefix_len;
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

/// Shortens `s` for echoing in messages: its first `max` characters and "…" when it has more. Not
/// [`crate::domain::clip`], whose "…" counts in `max` and which drops spaces before it: the errors of
/// `/schedule set` have always echoed `max` characters as typed, so the cut is the domain's
/// [`prefix_len`] and the rest is kept as it was.
fn clip(s: &str, max: usize) -> String {
    match prefix_len(s, max) {
        Some(end) => format!("{}…", &s[..end]),
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
mod tests;
