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
mod tests {
    use super::*;

    proptest::proptest! {
        /// The ASCII path of `name_key` gives the full path's key for every ASCII string (control characters,
        /// every kind of ASCII white space, upper and lower case, digits and punctuation).
        #[test]
        fn ascii_names_key_as_the_full_path_does(s in "[\\x00-\\x7f]{0,40}") {
            proptest::prop_assert_eq!(name_key(&s), name_key_full(&s));
        }
    }

    #[test]
    fn ascii_names_take_the_short_path_with_the_same_key() {
        // Vertical tab and form feed are white space to both paths; the unit separator (0x1f) is not.
        assert_eq!(name_key("  ACME\u{b}\u{c} Corp\t"), "acme corp");
        assert_eq!(name_key("Acme\u{1f}Corp"), name_key_full("Acme\u{1f}Corp"));
        assert_eq!(name_key("Acme\u{1f}Corp"), "acme\u{1f}corp");
    }

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    #[test]
    fn weeks_parse_and_bound() {
        let w: Week = "2026-W47".parse().unwrap();
        assert_eq!(w.monday(), d("2026-11-16"));
        assert_eq!(w.sunday(), d("2026-11-22"));
        assert_eq!(w.to_string(), "2026-W47");
        assert_eq!("2026-11-22".parse::<Week>().unwrap(), w);
        assert_eq!("2026w47".parse::<Week>().unwrap(), w);
        // 2026 has 53 ISO weeks (it starts on a Thursday); 2025 has 52.
        assert!("2026-W53".parse::<Week>().is_ok());
        let e = "2025-W53".parse::<Week>().unwrap_err().0;
        assert!(e.contains("1 to 52"), "{e}");
        assert!("2026-W54".parse::<Week>().is_err());
        assert!("2026-W00".parse::<Week>().is_err());
        assert!("soon".parse::<Week>().is_err());
        // ISO week year differs from calendar year at the edges.
        assert_eq!(Week::containing(d("2027-01-01")).to_string(), "2026-W53");
        assert_eq!(Week::containing(d("2024-12-30")).to_string(), "2025-W01");
        assert_eq!(w.plus(-7).to_string(), "2026-W40");
    }

    #[test]
    fn quarters_parse_and_bound() {
        let q: Quarter = "2026-Q3".parse().unwrap();
        assert_eq!(q.first_day(), d("2026-07-01"));
        assert_eq!(q.last_day(), d("2026-09-30"));
        assert_eq!(q.prev().to_string(), "2026-Q2");
        assert_eq!(
            "2026-Q4".parse::<Quarter>().unwrap().last_day(),
            d("2026-12-31")
        );
        assert_eq!(
            "2026-Q4".parse::<Quarter>().unwrap().next().to_string(),
            "2027-Q1"
        );
        assert!("2026-Q5".parse::<Quarter>().is_err());
        assert!("2026-Q0".parse::<Quarter>().is_err());
        assert_eq!(Quarter::containing(d("2026-02-01")).to_string(), "2026-Q1");
    }

    #[test]
    fn amounts_accept_separators_and_currency() {
        assert_eq!(Amount::parse("1200", "$").unwrap().cents(), 120_000);
        assert_eq!(Amount::parse("1,200.50", "$").unwrap().cents(), 120_050);
        assert_eq!(Amount::parse("$1,200", "$").unwrap().cents(), 120_000);
        assert_eq!(Amount::parse("€ 3.5", "€").unwrap().cents(), 350);
        assert_eq!(Amount::parse("0", "$").unwrap().cents(), 0);
        for bad in [
            "", "abc", "1,20", "12,0000", "1.234", "-5", "NaN", "inf", "1e308", "1 200", "$",
            "1..2",
        ] {
            assert!(Amount::parse(bad, "$").is_err(), "{bad} should be refused");
        }
        assert_eq!(Amount::from_cents(123_456_789).to_string(), "1,234,567.89");
        assert_eq!(Amount::from_cents(100).to_string(), "1");
    }

    #[test]
    fn money_has_one_format() {
        // Worked by hand from the rule in `money`'s documentation.
        assert_eq!(money(0.0, "$"), "$0");
        assert_eq!(money(500.0, "€"), "€500");
        assert_eq!(money(999.5, "$"), "$999.50");
        assert_eq!(money(1_200.5, "$"), "$1,200.50");
        assert_eq!(money(7_500.0, "€"), "€7,500");
        assert_eq!(money(12_500.0, "$"), "$12,500");
        assert_eq!(money(99_999.99, "$"), "$99,999.99");
        assert_eq!(money(100_000.0, "$"), "$100k");
        assert_eq!(money(250_400.0, "€"), "€250k");
        assert_eq!(money(999_499.0, "$"), "$999k");
        assert_eq!(money(999_500.0, "$"), "$1M");
        assert_eq!(money(1_234_567.0, "€"), "€1.23M");
        assert_eq!(money(1_200_000.0, "$"), "$1.2M");
        assert_eq!(money(15_000_000.0, "$"), "$15M");
        assert_eq!(money(2_500_000_000.0, "$"), "$2.5B");
        assert_eq!(money(-3_000.0, "$"), "-$3,000");
        assert_eq!(money(7_500.0, "CHF"), "CHF 7,500");
        assert_eq!(money(f64::NAN, "$"), "—");
        assert_eq!(Amount::from_cents(50_000).money("€"), "€500");
    }

    #[test]
    fn clips_and_booleans() {
        assert_eq!(clip("short", 10), "short");
        assert_eq!(clip("abcdefghij", 5), "abcd…");
        assert_eq!(clip("abc defgh", 5), "abc…");
        assert_eq!(clip(&"é".repeat(300), 256).chars().count(), 256);
        assert_eq!(snippet(&"x".repeat(50)), format!("{}…", "x".repeat(40)));
        assert_eq!(snippet("a\nb"), "a b");
        for (t, v) in [("true", true), ("YES", true), ("y", true), ("1", true)] {
            assert_eq!(parse_bool(t), Some(v), "{t}");
        }
        for (t, v) in [("false", false), ("No", false), ("n", false), ("0", false)] {
            assert_eq!(parse_bool(t), Some(v), "{t}");
        }
        assert_eq!(parse_bool("maybe"), None);
    }

    #[test]
    fn hours_bounds() {
        assert_eq!(Hours::parse("1.5").unwrap().centi(), 150);
        assert_eq!(Hours::parse("168").unwrap().centi(), 16_800);
        assert!(Hours::parse("168.5").is_err());
        assert!(Hours::parse("-1").is_err());
        assert!(Hours::parse("NaN").is_err());
        assert!(Hours::parse("inf").is_err());
        assert_eq!(Hours::from_centi(250).to_string(), "2.5");
    }

    #[test]
    fn numbers_are_finite() {
        assert_eq!(parse_number("31", "value").unwrap(), 31.0);
        assert_eq!(parse_number("1,000", "value").unwrap(), 1000.0);
        assert_eq!(parse_number("-2.5", "value").unwrap(), -2.5);
        for bad in [
            "NaN",
            "nan",
            "inf",
            "-infinity",
            "1e309",
            "",
            "12abc",
            "0x10",
        ] {
            assert!(parse_number(bad, "value").is_err(), "{bad}");
        }
    }

    #[test]
    fn lookalike_names_share_a_key_and_invisible_ones_are_refused() {
        let key = PartnerName::parse("Acme Corp").unwrap().key();
        assert_eq!(key, "acme corp");
        // Worked by hand: full-width letters (U+FF21…), an ideographic space, doubled spaces, case.
        for lookalike in [
            "ＡＣＭＥ Corp",
            "Acme\u{3000}Corp",
            "ACME   CORP",
            " acme corp ",
            "Acme Corp\u{200B}",
            "Ac\u{200D}me Corp",
            "\u{202E}Acme Corp",
        ] {
            assert_eq!(name_key(lookalike), key, "{lookalike:?}");
        }
        assert_eq!(name_key("Straße"), name_key("STRASSE"));
        assert_eq!(name_key("ﬁnance"), "finance");
        assert_eq!(name_key("ΟΔΟΣ"), name_key("οδος"));
        assert_ne!(name_key("Acme Corp"), name_key("Acme Co"));
        // Letters of other scripts drawn like Latin ones (worked from the code points): Cyrillic А (U+0410),
        // С (U+0421), е (U+0435), Greek Α (U+0391), Ο (U+039F), Cyrillic В (U+0412) in place of B.
        for lookalike in [
            "\u{410}cme Corp",
            "Acme \u{421}orp",
            "Acm\u{435} Corp",
            "\u{391}CME C\u{39F}RP",
        ] {
            assert_eq!(name_key(lookalike), key, "{lookalike:?}");
        }
        assert_eq!(name_key("\u{412}ANK"), name_key("bank"));
        // Case stays irrelevant in other scripts; letters with no Latin lookalike, and ASCII, stay apart.
        assert_eq!(name_key("ВЕКТОР"), name_key("Вектор"));
        assert_ne!(name_key("Zürich"), name_key("Zurich"));
        assert_ne!(name_key("Barn Co"), name_key("Bam Co"));
        assert_ne!(name_key("Acme 1"), name_key("Acme l"));
        for refused in [
            "Acme Corp\u{200B}",
            "Acme\u{200C}Corp",
            "\u{202E}proC emcA",
            "Acme\u{2066}Corp\u{2069}",
            "Acme\u{FEFF}",
            "Acme\u{2028}Corp",
        ] {
            let e = PartnerName::parse(refused).unwrap_err();
            assert!(e.0.contains("invisible"), "{refused:?}: {e}");
        }
        let e = PartnerName::parse("[Acme Corp](https://evil.example/login)").unwrap_err();
        assert!(e.0.contains("link syntax"), "{e}");
        // Brackets and parentheses alone are fine.
        assert!(PartnerName::parse("Acme (EMEA) [old]").is_ok());
        assert!(PartnerName::parse("Zürich Partners").is_ok());
    }

    #[test]
    fn names_are_trimmed_and_bounded() {
        let n = PartnerName::parse("  Acme Corp ").unwrap();
        assert_eq!(n.as_str(), "Acme Corp");
        assert_eq!(n.key(), PartnerName::parse("ACME corp").unwrap().key());
        assert!(PartnerName::parse("   ").is_err());
        assert!(PartnerName::parse("a\u{0}b").is_err());
        assert!(PartnerName::parse(&"x".repeat(101)).is_err());
        assert!(PartnerName::parse(&"é".repeat(100)).is_ok());
    }

    #[test]
    fn enums_parse() {
        assert_eq!(
            "Tech-ISV".parse::<PartnerType>().unwrap(),
            PartnerType::TechIsv
        );
        let e = "vendor".parse::<PartnerType>().unwrap_err().0;
        assert!(e.contains("reseller, si, tech-isv, referral"), "{e}");
        assert!(Verdict::NearFit.matches() && !Verdict::Incomplete.matches());
    }
}
