//! Small value types that parse user input once, so invalid states cannot be represented:
//! partner types, stages, roles, ISO weeks, quarters, money and hours amounts; amounts of money and their one
//! format in `types/money.rs`, partner names and other free text in `types/names.rs`, both re-exported here.

use chrono::{Datelike, Duration, NaiveDate, Weekday};
use serde::{Serialize, Serializer};
use std::fmt;
use std::ops::RangeInclusive;
use std::str::FromStr;

mod money;
mod names;
pub use money::*;
pub use names::*;

/// An error in something a user typed; the message says what to do instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct ParseError(pub String);

fn err<T>(msg: impl Into<String>) -> Result<T, ParseError> {
    Err(ParseError(msg.into()))
}

/// `1 partner`, `6 partners`: a count with the word that fits it.
pub fn plural(n: u64, one: &str, many: &str) -> String {
    if n == 1 {
        format!("{n} {one}")
    } else {
        format!("{n} {many}")
    }
}

/// Cut a user-supplied string for quoting inside an error message: control characters shown as spaces, at
/// most 40 characters and the ellipsis.
pub fn snippet(s: &str) -> String {
    const MAX: usize = 40;
    let clean: String = s
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    clip(&clean, MAX + 1)
}

/// Cut `s` to at most `max` characters, the last of them an ellipsis when it was cut (trailing spaces before
/// the ellipsis dropped). The one clip of the code base: Discord's limits, chart labels, button labels.
pub fn clip(s: &str, max: usize) -> String {
    match super::format::clip_end(s, max) {
        None => s.to_string(),
        Some(end) => format!("{}…", s[..end].trim_end()),
    }
}

/// A yes/no as people type it, any case: `true`, `yes`, `y`, `1` or `false`, `no`, `n`, `0`. The one boolean
/// parser: command options, CSV cells and configuration values.
pub fn parse_bool(s: &str) -> Option<bool> {
    match s.trim().to_ascii_lowercase().as_str() {
        "true" | "yes" | "y" | "1" => Some(true),
        "false" | "no" | "n" | "0" => Some(false),
        _ => None,
    }
}

/// Declare an enum of fixed names: parsing (case-insensitive, with an error that lists the names), `as_str`,
/// `Display` and `Serialize`. Used for every fixed vocabulary of the app.
macro_rules! string_enum {
    ($(#[$meta:meta])* $name:ident, $what:literal, { $($variant:ident => $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($variant),+ }
        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),+];
            pub const NAMES: &'static [&'static str] = &[$($text),+];
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $text),+ }
            }
        }
        impl std::str::FromStr for $name {
            type Err = $crate::domain::ParseError;
            fn from_str(s: &str) -> Result<Self, $crate::domain::ParseError> {
                let t = s.trim().to_ascii_lowercase();
                $(if t == $text { return Ok($name::$variant); })+
                Err($crate::domain::ParseError(format!(
                    "unknown {} `{}`: use one of {}",
                    $what,
                    $crate::domain::snippet(s),
                    $name::NAMES.join(", ")
                )))
            }
        }
        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result { f.write_str(self.as_str()) }
        }
        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> { s.serialize_str(self.as_str()) }
        }
    };
}

pub(crate) use string_enum;

string_enum!(
    /// The partnership motion a profile describes.
    PartnerType, "partner type", {
    Reseller => "reseller",
    Si => "si",
    TechIsv => "tech-isv",
    Referral => "referral",
});

impl PartnerType {
    /// The type in words, as people read it: autocomplete matches on it, the lint names the types a trait
    /// mixes with it, the generated profiles are named after it. (The words that name or hint at a type in
    /// what people type are [`super::partner_words`].)
    pub fn label(self) -> &'static str {
        match self {
            PartnerType::Reseller => "reseller",
            PartnerType::Si => "systems integrator",
            PartnerType::TechIsv => "technology ISV",
            PartnerType::Referral => "referral partner",
        }
    }
}

string_enum!(
    /// Where a partner is in its life cycle.
    Stage, "stage", {
    Prospect => "prospect",
    Signed => "signed",
    Dropped => "dropped",
});

string_enum!(
    /// The screening verdict of a partner against the active profile of its type.
    Verdict, "verdict", {
    Fit => "fit",
    NearFit => "near-fit",
    Incomplete => "incomplete",
    WalkAway => "walk-away",
});

impl Verdict {
    /// Fit or near-fit: the partner matches the profile.
    pub fn matches(self) -> bool {
        matches!(self, Verdict::Fit | Verdict::NearFit)
    }
}

string_enum!(
    /// What a partner produced.
    OutcomeKind, "outcome kind", {
    SourcedPipeline => "sourced-pipeline",
    RegisteredDeal => "registered-deal",
    ClosedWon => "closed-won",
});

string_enum!(
    /// The two scheduled digests.
    DigestKind, "digest", {
    Weekly => "weekly",
    Quarterly => "quarterly",
});

string_enum!(
    /// Who is asking: guests read, members record, leads decide.
    Role, "role", {
    Guest => "guest",
    Member => "member",
    Lead => "lead",
});

/// An ISO week (Monday to Sunday), e.g. `2026-W47`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Week {
    monday: NaiveDate,
}

impl Week {
    /// The ISO week containing `date`.
    pub fn containing(date: NaiveDate) -> Week {
        let back = date.weekday().num_days_from_monday() as i64;
        Week {
            monday: date - Duration::days(back),
        }
    }
    pub fn from_iso(year: i32, week: u32) -> Option<Week> {
        NaiveDate::from_isoywd_opt(year, week, Weekday::Mon).map(|monday| Week { monday })
    }
    /// The first week there is, 1000-W01: the first of the years weeks and dates are read in. Nothing may
    /// reach before it (a digest's trend, the generator's history): an earlier week's year has fewer than
    /// four digits, so it does not parse and sorts after 1000-W01 as stored text.
    pub fn first() -> Week {
        Week::from_iso(*YEARS.start(), 1).unwrap_or(Week {
            monday: NaiveDate::MIN,
        })
    }
    pub fn monday(self) -> NaiveDate {
        self.monday
    }
    /// The Sunday that ends the week ("the end of week W").
    pub fn sunday(self) -> NaiveDate {
        self.monday + Duration::days(6)
    }
    pub fn year(self) -> i32 {
        self.monday.iso_week().year()
    }
    pub fn number(self) -> u32 {
        self.monday.iso_week().week()
    }
    pub fn prev(self) -> Week {
        self.plus(-1)
    }
    pub fn plus(self, weeks: i64) -> Week {
        Week {
            monday: self.monday + Duration::weeks(weeks),
        }
    }
}

impl fmt::Display for Week {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-W{:02}", self.year(), self.number())
    }
}

impl Serialize for Week {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl FromStr for Week {
    type Err = ParseError;
    /// `2026-W47` (also `2026W47`, `2026-w47`), or any date `YYYY-MM-DD` inside the week.
    fn from_str(s: &str) -> Result<Week, ParseError> {
        let t = s.trim();
        let upper = t.to_ascii_uppercase();
        if let Some((y, w)) = upper.split_once('W') {
            let y = y.strip_suffix('-').unwrap_or(y);
            let (Ok(year), Ok(week)) = (y.parse::<i32>(), w.parse::<u32>()) else {
                return err(format!(
                    "`{}` is not a week: write it like 2026-W47 (or give a date in the week)",
                    snippet(s)
                ));
            };
            if !YEARS.contains(&year) {
                return err(format!("week `{}`: {}", snippet(s), years_rule()));
            }
            return Week::from_iso(year, week).ok_or_else(|| {
                let weeks = NaiveDate::from_ymd_opt(year, 12, 28)
                    .map(|d| d.iso_week().week())
                    .unwrap_or(52);
                ParseError(format!(
                    "{year} has ISO weeks 1 to {weeks}, so `{}` does not exist",
                    snippet(s)
                ))
            });
        }
        match parse_date(t) {
            Ok(d) => Ok(Week::containing(d)),
            // Written like a date: say what is wrong with the date, as a date option would.
            Err(e) if date_shaped(t) => Err(e),
            Err(_) => err(format!(
                "`{}` is not a week: write it like 2026-W47 (or give a date in the week)",
                snippet(s)
            )),
        }
    }
}

/// A calendar quarter, e.g. `2026-Q3`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Quarter {
    year: i32,
    q: u32,
}

impl Quarter {
    pub fn new(year: i32, q: u32) -> Option<Quarter> {
        ((1..=4).contains(&q) && YEARS.contains(&year)).then_some(Quarter { year, q })
    }
    pub fn containing(date: NaiveDate) -> Quarter {
        Quarter {
            year: date.year(),
            q: (date.month() - 1) / 3 + 1,
        }
    }
    pub fn year(self) -> i32 {
        self.year
    }
    pub fn number(self) -> u32 {
        self.q
    }
    pub fn first_day(self) -> NaiveDate {
        NaiveDate::from_ymd_opt(self.year, (self.q - 1) * 3 + 1, 1).unwrap_or(NaiveDate::MIN)
    }
    /// The last day of the quarter ("the end of Q").
    pub fn last_day(self) -> NaiveDate {
        self.next().first_day() - Duration::days(1)
    }
    pub fn next(self) -> Quarter {
        if self.q == 4 {
            Quarter {
                year: self.year + 1,
                q: 1,
            }
        } else {
            Quarter {
                year: self.year,
                q: self.q + 1,
            }
        }
    }
    pub fn prev(self) -> Quarter {
        if self.q == 1 {
            Quarter {
                year: self.year - 1,
                q: 4,
            }
        } else {
            Quarter {
                year: self.year,
                q: self.q - 1,
            }
        }
    }
    pub fn contains(self, date: NaiveDate) -> bool {
        date >= self.first_day() && date <= self.last_day()
    }
}

impl fmt::Display for Quarter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-Q{}", self.year, self.q)
    }
}

impl Serialize for Quarter {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl FromStr for Quarter {
    type Err = ParseError;
    fn from_str(s: &str) -> Result<Quarter, ParseError> {
        let upper = s.trim().to_ascii_uppercase();
        let bad = || {
            ParseError(format!(
                "`{}` is not a quarter: write it like 2026-Q3 (Q1 to Q4)",
                snippet(s)
            ))
        };
        let (y, q) = upper.split_once('Q').ok_or_else(bad)?;
        let y = y.strip_suffix('-').unwrap_or(y);
        let year = y.parse::<i32>().map_err(|_| bad())?;
        let q = q.parse::<u32>().map_err(|_| bad())?;
        Quarter::new(year, q).ok_or_else(bad)
    }
}

/// The years of the dates, weeks and quarters users give: four-digit years.
const YEARS: RangeInclusive<i32> = 1000..=9999;

/// The rule of [`YEARS`], for errors.
fn years_rule() -> String {
    format!(
        "the year must be between {} and {}",
        YEARS.start(),
        YEARS.end()
    )
}

/// Whether `t` is written like a date, `NNNN-NN-NN` (whether or not that date exists).
fn date_shaped(t: &str) -> bool {
    let b = t.as_bytes();
    b.len() == 10
        && b.iter().enumerate().all(|(i, c)| match i {
            4 | 7 => *c == b'-',
            _ => c.is_ascii_digit(),
        })
}

/// A calendar date as typed by a user: `YYYY-MM-DD`. The one date parser of what users give (date options,
/// CSV cells, and a date given for a week), so a date that does not exist is explained the same way
/// everywhere: `2026-02-30` is not a date because February 2026 has 28 days.
pub fn parse_date(s: &str) -> Result<NaiveDate, ParseError> {
    let t = s.trim();
    NaiveDate::parse_from_str(t, "%Y-%m-%d")
        .ok()
        .filter(|d| YEARS.contains(&d.year()) && t.len() == 10)
        .ok_or_else(|| ParseError(format!("`{}` is not a date: {}", snippet(s), date_rule(t))))
}

/// Why `t`, which did not parse, is not a date: for one written `NNNN-NN-NN`, the part that is wrong (the
/// year's range, the month, the days of that month); for anything else, how to write a date.
fn date_rule(t: &str) -> String {
    const HOW: &str = "write it as YYYY-MM-DD, e.g. 2026-11-26";
    let part = |r: std::ops::Range<usize>| t.get(r).and_then(|p| p.parse::<u32>().ok());
    let (true, Some(year), Some(month), Some(day)) =
        (date_shaped(t), part(0..4), part(5..7), part(8..10))
    else {
        return HOW.into();
    };
    // Four digits: the year fits an i32.
    let year = year as i32;
    if !YEARS.contains(&year) {
        return years_rule();
    }
    let Some(first) = NaiveDate::from_ymd_opt(year, month, 1) else {
        return "the month must be between 01 and 12".into();
    };
    let (y, m) = if month == 12 {
        (year + 1, 1)
    } else {
        (year, month + 1)
    };
    let days = NaiveDate::from_ymd_opt(y, m, 1).map(|next| (next - first).num_days());
    match days {
        _ if day == 0 => "days start at 01".into(),
        Some(days) if i64::from(day) > days => {
            format!("{} has {days} days", first.format("%B %Y"))
        }
        _ => HOW.into(),
    }
}

/// The largest number a user may give, in magnitude: a trillion. The one bound of typed numbers (an evidence
/// value, a threshold trait's `min` and `max`, a setting, a number cell of an import) and of amounts of money.
///
/// These numbers count what a team observes about a partner (accounts, certified engineers, customers in
/// common), shares in percent, and money (revenue, pipeline, spend): none comes near a trillion, so a bigger
/// number is a typo or a test of the parser. Within it every whole number prints exactly, in at most 13
/// digits (`1e308`, a valid `f64`, would print as 309). Below it, a number other than 0 must be at least its
/// inverse, 0.000000000001, in magnitude, for the same reason on the other side (`1e-300` would print 300
/// zeros); see [`number_in_range`].
pub const MAX_NUMBER: f64 = 1e12;

/// Whether `v` is a number a user may give: 0, or between 1 / [`MAX_NUMBER`] and [`MAX_NUMBER`] in magnitude
/// (never NaN or an infinity).
pub fn number_in_range(v: f64) -> bool {
    v == 0.0 || (1.0 / MAX_NUMBER..=MAX_NUMBER).contains(&v.abs())
}

/// For `v` out of [`number_in_range`]: what is wrong with it (`too large`) and what to give instead, in words.
fn out_of_range(v: f64) -> (&'static str, String) {
    let max = Amount::from_cents(MAX_CENTS).to_string();
    if v.abs() >= 1.0 || v.is_nan() {
        let advice = if v < 0.0 {
            format!("numbers go from -{max} to {max}")
        } else {
            format!("numbers go up to {max} (a trillion)")
        };
        ("too large", advice)
    } else {
        let decimals = MAX_NUMBER.log10().round();
        ("too close to 0", format!("round it to {decimals} decimals"))
    }
}

/// Why `v`, out of [`number_in_range`], is refused as `what` (a name for it, e.g. `min`), without quoting it:
/// `` `min` is too large: numbers go up to 1,000,000,000,000 (a trillion) ``.
pub fn out_of_range_error(what: &str, v: f64) -> String {
    let (wrong, advice) = out_of_range(v);
    format!("`{what}` is {wrong}: {advice}")
}

/// Team hours in hundredths of an hour (so sums are exact).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Hours(i64);

impl Hours {
    pub const ZERO: Hours = Hours(0);
    /// The most hours one partner can take in one week.
    pub const WEEK_MAX: Hours = Hours(168 * 100);
    pub fn from_centi(c: i64) -> Hours {
        Hours(c)
    }
    pub fn centi(self) -> i64 {
        self.0
    }
    pub fn as_f64(self) -> f64 {
        self.0 as f64 / 100.0
    }
    pub fn parse(s: &str) -> Result<Hours, ParseError> {
        // Hours have their own, much smaller bound (a week's hours; an infinity is above it), with its words.
        let v = parse_float(s, "hours")?;
        Hours::from_f64(v).map_err(|e| ParseError(format!("`{}`: {e}", snippet(s))))
    }
    pub fn from_f64(v: f64) -> Result<Hours, String> {
        if v < 0.0 {
            return Err(
                "hours cannot be negative; to correct an entry, retract it with /log retract"
                    .into(),
            );
        }
        let max = Hours::WEEK_MAX;
        if v > max.as_f64() {
            return Err(format!(
                "a week has {max} hours; log at most {max} hours per partner per week"
            ));
        }
        Ok(Hours((v * 100.0).round() as i64))
    }
}

impl fmt::Display for Hours {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let v = self.as_f64();
        if self.0 % 100 == 0 {
            write!(f, "{}", self.0 / 100)
        } else {
            write!(f, "{v}")
        }
    }
}

impl Serialize for Hours {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(self.as_f64())
    }
}

/// A number typed by a user (no NaN, no infinity, no thousands separators needed), within the bound of typed
/// numbers ([`number_in_range`]): the one number parser of options and import cells.
pub fn parse_number(s: &str, what: &str) -> Result<f64, ParseError> {
    let v = parse_float(s, what)?;
    if number_in_range(v) {
        return Ok(v);
    }
    let (wrong, advice) = out_of_range(v);
    err(format!("`{}` is {wrong} for {what}: {advice}", snippet(s)))
}

/// A number typed by a user, of any size: an infinity for one too large for an `f64` (`1e309`), never NaN.
fn parse_float(s: &str, what: &str) -> Result<f64, ParseError> {
    let t = s.trim().replace('_', "");
    let plain = t.replace(',', "");
    let ok_chars = !plain.is_empty()
        && plain
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '.' | '-' | '+' | 'e' | 'E'));
    match plain.parse::<f64>() {
        Ok(v) if ok_chars && !v.is_nan() => Ok(v),
        _ => err(format!(
            "`{}` is not a number: give {what} as a plain number, e.g. 25",
            snippet(s)
        )),
    }
}

#[cfg(test)]
mod tests;
