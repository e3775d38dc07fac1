//! Small value types that parse user input once, so invalid states cannot be represented:
//! partner types, stages, roles, ISO weeks, quarters, money and hours amounts; partner names and other free text
//! in `types/names.rs`, re-exported here.

use chrono::{Datelike, Duration, NaiveDate, Weekday};
use serde::{Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

mod names;
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
    if s.chars().count() <= max {
        return s.to_string();
    }
    let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
    out.truncate(out.trim_end().len());
    out.push('…');
    out
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
    /// Words that suggest a trait talks about this type (used by the mixed-types lint).
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
            if !(1000..=9999).contains(&year) {
                return err(format!(
                    "week `{}`: the year must have four digits",
                    snippet(s)
                ));
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
        ((1..=4).contains(&q) && (1000..=9999).contains(&year)).then_some(Quarter { year, q })
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

/// A calendar date as typed by a user: `YYYY-MM-DD`.
pub fn parse_date(s: &str) -> Result<NaiveDate, ParseError> {
    let t = s.trim();
    NaiveDate::parse_from_str(t, "%Y-%m-%d")
        .ok()
        .filter(|d| (1000..=9999).contains(&d.year()) && t.len() == 10)
        .ok_or_else(|| {
            ParseError(format!(
                "`{}` is not a date: write it as YYYY-MM-DD, e.g. 2026-11-26",
                snippet(s)
            ))
        })
}

/// A non-negative sum of money in cents. Accepts `1200`, `1,200.50`, `$1,200`, `1200 USD`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Amount(i64);

/// The largest amount we accept: a trillion.
const MAX_CENTS: i64 = 100_000_000_000_000;

impl Amount {
    pub const ZERO: Amount = Amount(0);
    pub fn from_cents(cents: i64) -> Amount {
        Amount(cents)
    }
    pub fn cents(self) -> i64 {
        self.0
    }
    pub fn dollars(self) -> f64 {
        self.0 as f64 / 100.0
    }
    /// Parse an amount with an optional currency symbol (`currency`, e.g. `$` or `€`) and thousands separators.
    pub fn parse(s: &str, currency: &str) -> Result<Amount, ParseError> {
        let example = format!("write amounts like 1200, 1,200.50 or {currency}1,200");
        let mut t = s.trim().to_string();
        for sym in [currency, "$", "USD", "usd"] {
            if !sym.is_empty() {
                if let Some(rest) = t.strip_prefix(sym) {
                    t = rest.trim().to_string();
                } else if let Some(rest) = t.strip_suffix(sym) {
                    t = rest.trim().to_string();
                }
            }
        }
        if t.starts_with('-') {
            return err(format!("`{}`: amounts cannot be negative", snippet(s)));
        }
        let bad = || ParseError(format!("`{}` is not an amount: {example}", snippet(s)));
        let (int, frac) = match t.split_once('.') {
            Some((i, f)) => (i, Some(f)),
            None => (t.as_str(), None),
        };
        if int.is_empty() || !int.chars().all(|c| c.is_ascii_digit() || c == ',') {
            return Err(bad());
        }
        if int.contains(',') {
            let groups: Vec<&str> = int.split(',').collect();
            let first_ok = (1..=3).contains(&groups[0].len());
            if !first_ok || groups[1..].iter().any(|g| g.len() != 3) {
                return Err(bad());
            }
        }
        let digits: String = int.chars().filter(|c| *c != ',').collect();
        let whole: i64 = digits.parse().map_err(|_| bad())?;
        let cents = match frac {
            None => 0,
            Some(f) if f.len() <= 2 && !f.is_empty() && f.chars().all(|c| c.is_ascii_digit()) => {
                let v: i64 = f.parse().map_err(|_| bad())?;
                if f.len() == 1 {
                    v * 10
                } else {
                    v
                }
            }
            Some(_) => {
                return err(format!(
                    "`{}`: amounts have at most two decimals ({example})",
                    snippet(s)
                ))
            }
        };
        let total = whole
            .checked_mul(100)
            .and_then(|w| w.checked_add(cents))
            .filter(|c| *c <= MAX_CENTS)
            .ok_or_else(|| ParseError(format!("`{}` is too large an amount", snippet(s))))?;
        Ok(Amount(total))
    }
}

impl fmt::Display for Amount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let whole = self.0 / 100;
        let cents = self.0 % 100;
        let digits = whole.to_string();
        let mut grouped = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i) % 3 == 0 {
                grouped.push(',');
            }
            grouped.push(c);
        }
        if cents == 0 {
            write!(f, "{grouped}")
        } else {
            write!(f, "{grouped}.{cents:02}")
        }
    }
}

/// An amount as people read it, after the workspace's currency. The one money format of the app (replies,
/// cards, digests, charts and the console; CSV files keep plain numbers):
///
/// - under 100,000, in full with thousands separators, and cents only when there are any: `€7,500`,
///   `€12,500`, `€1,200.50`;
/// - from 100,000, in thousands rounded to the whole thousand: `€250k`;
/// - from 999,500, in millions with at most two decimals: `€1.23M`, `€15M` (and from a thousand million in
///   billions the same way: `€2.5B`).
///
/// A currency written with letters (`CHF`, `kr`) is followed by a space: `CHF 7,500`. A negative amount starts
/// with a minus: `-€3,000`. A figure that is not a number is written `—`.
pub fn money(value: f64, currency: &str) -> String {
    if !value.is_finite() {
        return "—".into();
    }
    let sign = if value < 0.0 && value.abs() >= 0.005 {
        "-"
    } else {
        ""
    };
    let a = value.abs();
    let short = |x: f64| {
        let t = format!("{x:.2}");
        t.trim_end_matches('0').trim_end_matches('.').to_string()
    };
    let body = if a < 100_000.0 {
        Amount::from_cents((a * 100.0).round() as i64).to_string()
    } else if (a / 1e3).round() < 1000.0 {
        format!("{}k", (a / 1e3).round())
    } else if ((a / 1e6) * 100.0).round() / 100.0 < 1000.0 {
        format!("{}M", short(a / 1e6))
    } else {
        format!("{}B", short(a / 1e9))
    };
    let space = if currency.chars().any(char::is_alphabetic) {
        " "
    } else {
        ""
    };
    format!("{sign}{currency}{space}{body}")
}

impl Amount {
    /// This amount in the one money format ([`money`]).
    pub fn money(self, currency: &str) -> String {
        money(self.dollars(), currency)
    }
}

impl Serialize for Amount {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(self.dollars())
    }
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
        let v = parse_number(s, "hours")?;
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

/// A finite number typed by a user (no NaN, no infinity, no thousands separators needed).
pub fn parse_number(s: &str, what: &str) -> Result<f64, ParseError> {
    let t = s.trim().replace('_', "");
    let plain = t.replace(',', "");
    let ok_chars = !plain.is_empty()
        && plain
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '.' | '-' | '+' | 'e' | 'E'));
    match plain.parse::<f64>() {
        Ok(v) if ok_chars && v.is_finite() => Ok(v),
        Ok(_) if ok_chars => err(format!("`{}` is too large for {what}", snippet(s))),
        _ => err(format!(
            "`{}` is not a number: give {what} as a plain number, e.g. 25",
            snippet(s)
        )),
    }
}

#[cfg(test)]
mod tests;
