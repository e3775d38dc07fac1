//! Small value types that parse user input once, so invalid states cannot be represented:
//! partner types, stages, roles, ISO weeks, quarters, money and hours amounts, partner names.

use chrono::{Datelike, Duration, NaiveDate, Weekday};
use serde::{Serialize, Serializer};
use std::fmt;
use std::str::FromStr;

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
        if v > 168.0 {
            return Err("a week has 168 hours; log at most 168 hours per partner per week".into());
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

/// A partner's name: trimmed, 1 to 100 characters, no control characters, no invisible formatting
/// characters (zero-width, direction controls: they make a name look like another), and no markdown link
/// syntax (a chat would show `[Acme](https://…)` as a link that reads "Acme").
/// Two names are the same partner when their [`PartnerName::key`]s are equal.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PartnerName(String);

impl PartnerName {
    /// The one limit of a partner name (the commands, Discord's options and the CSV import read it here).
    pub const MAX_CHARS: usize = 100;
    pub fn parse(s: &str) -> Result<PartnerName, ParseError> {
        let t = s.trim();
        if t.is_empty() {
            return err("a partner name cannot be empty");
        }
        if t.chars().any(|c| c.is_control()) {
            return err("a partner name cannot contain control characters (tabs, newlines)");
        }
        if t.chars().any(is_invisible) {
            return err("a partner name cannot contain invisible characters (zero-width spaces, direction marks, joiners): type the name plainly");
        }
        if t.contains("](") {
            return err("a partner name cannot contain link syntax like [name](link): give the plain name, and put a link in the note");
        }
        if t.chars().count() > Self::MAX_CHARS {
            return err(format!(
                "a partner name has at most {} characters (this one has {})",
                Self::MAX_CHARS,
                t.chars().count()
            ));
        }
        Ok(PartnerName(t.to_string()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// The comparison key (see [`name_key`]).
    pub fn key(&self) -> String {
        name_key(&self.0)
    }
}

/// The comparison key of a name (partners, traits): two names with the same key are the same name. It is
/// compatibility-normalized (NFKC: full-width letters, ligatures and other compatibility forms become
/// their plain letters), case-folded (Unicode lower case, with `ß` as `ss` and a final sigma as `σ`), with
/// invisible characters removed, letters of other scripts drawn like Latin ones taken as those
/// ([`latin_lookalike`]: Cyrillic `А`, Greek `Ο`…), runs of white space made one space, and trimmed. So
/// `ＡＣＭＥ Corp`, `acme  corp`, `Acme Corp` with a zero-width space and `Аcme Corp` with a Cyrillic `А` are
/// all "already on the roster" beside `Acme Corp`.
pub fn name_key(s: &str) -> String {
    // Plain ASCII (nearly every name typed) is its own NFKC form, has no invisible character and no letter of
    // another script, and folds to its ASCII lower case: only the white space is left to do. The same key as
    // the full path below (`name_key_full`, tested against it for every ASCII string), without its
    // per-character iterators (about 2 % of the instructions of a whole /screen, counted by callgrind).
    if s.is_ascii() {
        return one_spaced(&s.to_ascii_lowercase());
    }
    name_key_full(s)
}

/// [`name_key`] for any text.
fn name_key_full(s: &str) -> String {
    use unicode_normalization::UnicodeNormalization;
    let folded: String = s
        .nfkc()
        .filter(|c| !is_invisible(*c))
        .flat_map(fold_case)
        .flat_map(|l| match latin_lookalike(l) {
            Some(latin) => latin.chars().collect::<Vec<_>>(),
            None => vec![l],
        })
        .collect();
    one_spaced(&folded.nfkc().collect::<String>())
}

/// `s` with its runs of white space made one space, trimmed.
fn one_spaced(s: &str) -> String {
    let mut key = String::with_capacity(s.len());
    for word in s.split_whitespace() {
        if !key.is_empty() {
            key.push(' ');
        }
        key.push_str(word);
    }
    key
}

/// A case-folded letter of another script that is drawn like ASCII — Cyrillic `а`, `о`, `р`, `с`, `в` (whose
/// upper case `В` is a Latin `B`), Greek `ο`, `ν`, the dotless `ı`… — as that ASCII (lower case): its prototype
/// in Unicode's table of confusable characters (UTS #39, through `unicode-security`), for the letter or else
/// for its upper case, taken only when the prototype is plain ASCII. ASCII itself is left alone (so `rn` and
/// `m`, `l` and `1`, stay apart), as are letters with no ASCII lookalike (`ü`, `δ`, `ж`). A function of the
/// folded letter, so the key stays blind to case in every script (`ВЕКТОР` and `Вектор` share it).
fn latin_lookalike(l: char) -> Option<String> {
    if l.is_ascii() {
        return None;
    }
    let upper: String = l.to_uppercase().collect();
    [l.to_string(), upper].iter().find_map(|form| {
        let proto: String = unicode_security::skeleton(form).collect();
        (!proto.is_empty() && proto.chars().all(|c| c.is_ascii_graphic()))
            .then(|| proto.to_ascii_lowercase())
    })
}

/// The case folding of one character: its lower case, with the folds lower case lacks.
fn fold_case(c: char) -> impl Iterator<Item = char> {
    let (special, lower): (&'static [char], _) = match c {
        'ß' | 'ẞ' => (&['s', 's'], None),
        'ς' => (&['σ'], None),
        _ => (&[], Some(c.to_lowercase())),
    };
    special.iter().copied().chain(lower.into_iter().flatten())
}

/// Characters that show nothing (or only change how their neighbours show): Unicode format characters
/// (zero-width space and joiners, direction marks and overrides, the byte order mark, tags…), variation
/// selectors, the combining grapheme joiner, Hangul fillers, the Braille blank, and the line and paragraph
/// separators.
pub fn is_invisible(c: char) -> bool {
    matches!(
        u32::from(c),
        0x00AD
            | 0x034F
            | 0x0600..=0x0605
            | 0x061C
            | 0x06DD
            | 0x070F
            | 0x0890..=0x0891
            | 0x08E2
            | 0x115F..=0x1160
            | 0x17B4..=0x17B5
            | 0x180B..=0x180F
            | 0x200B..=0x200F
            | 0x2028..=0x202E
            | 0x2060..=0x2064
            | 0x2066..=0x206F
            | 0x2800
            | 0x3164
            | 0xFE00..=0xFE0F
            | 0xFEFF
            | 0xFFA0
            | 0xFFF9..=0xFFFB
            | 0x110BD
            | 0x110CD
            | 0x13430..=0x1343F
            | 0x1BCA0..=0x1BCA3
            | 0x1D173..=0x1D17A
            | 0xE0001
            | 0xE0020..=0xE007F
            | 0xE0100..=0xE01EF
    )
}

impl fmt::Display for PartnerName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A kind of free text: how errors name it and how many characters it may have. Each is declared once here
/// and used by the command declarations (Discord's limits), the commands and the CSV import.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TextRule {
    /// How an error names it, e.g. "the reason" or "`note`".
    pub what: &'static str,
    pub max: usize,
}

impl TextRule {
    /// Trimmed, at most `max` characters, no control characters but newlines.
    pub fn parse(self, s: &str) -> Result<String, ParseError> {
        parse_text(s, self.what, self.max)
    }
    /// The same limit, named differently in errors.
    pub const fn named(self, what: &'static str) -> TextRule {
        TextRule { what, ..self }
    }
}

/// The free texts of the app, with their limits.
pub mod text {
    use super::TextRule;

    pub const PROFILE_NAME: TextRule = TextRule {
        what: "the profile name",
        max: 100,
    };
    pub const TRAIT_NAME: TextRule = TextRule {
        what: "the trait name",
        max: 100,
    };
    pub const JOINT_SOLUTION: TextRule = TextRule {
        what: "`joint_solution`",
        max: 1000,
    };
    pub const VERIFY_BY: TextRule = TextRule {
        what: "`verify_by`",
        max: 200,
    };
    pub const UNIT: TextRule = TextRule {
        what: "`unit`",
        max: 40,
    };
    pub const CHAMPION: TextRule = TextRule {
        what: "`champion`",
        max: 100,
    };
    pub const NOTE: TextRule = TextRule {
        what: "`note`",
        max: 1000,
    };
    pub const SOURCE: TextRule = TextRule {
        what: "`source`",
        max: 500,
    };
    /// Why a record is retracted or a partner dropped.
    pub const REASON: TextRule = TextRule {
        what: "the reason",
        max: 500,
    };
    /// An outcome's CRM reference.
    pub const REFERENCE: TextRule = TextRule {
        what: "ref",
        max: 200,
    };
    /// An amount as typed, before it is parsed (`$1,200.50`).
    pub const AMOUNT: TextRule = TextRule {
        what: "the amount",
        max: 40,
    };
    /// A cron expression as typed.
    pub const CRON: TextRule = TextRule {
        what: "the cron expression",
        max: 100,
    };
    /// A setting's value as typed.
    pub const SETTING_VALUE: TextRule = TextRule {
        what: "the value",
        max: 100,
    };
    /// A partner type as typed (the longest is `tech-isv`; autocomplete fills it).
    pub const PARTNER_TYPE: TextRule = TextRule {
        what: "the partner type",
        max: 20,
    };
}

/// A short free-text field (trait names, sources, notes): trimmed, bounded, no control characters
/// other than newlines in notes.
pub fn parse_text(s: &str, what: &str, max_chars: usize) -> Result<String, ParseError> {
    let t = s.trim();
    if t.chars().any(|c| c.is_control() && c != '\n') {
        return err(format!("{what} cannot contain control characters"));
    }
    let n = t.chars().count();
    if n > max_chars {
        return err(format!(
            "{what} has at most {max_chars} characters (this one has {n})"
        ));
    }
    Ok(t.to_string())
}

#[cfg(test)]
mod tests;
