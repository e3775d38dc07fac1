//! Amounts of money as users type them (the workspace's currency, thousands separators, a dollar sign where it
//! is one) and the one way the app writes money ([`money`]).

use super::{err, snippet, ParseError, MAX_NUMBER};
use serde::{Serialize, Serializer};
use std::fmt;

/// A non-negative sum of money in cents. Accepts `1200`, `1,200.50`, and the workspace's currency in front or
/// after (`€1,200`, `1200 €`); a workspace that counts in dollars also takes `$1,200` and `1200 USD`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Amount(i64);

/// The largest amount we accept: [`MAX_NUMBER`], a trillion, in cents.
pub(super) const MAX_CENTS: i64 = MAX_NUMBER as i64 * 100;

/// How dollars are written; an amount marked with one of them is refused in a workspace counting in a currency
/// not written that way, rather than read in that currency. `US$` before `$`, so that `US$5` is read as `USD 5`.
const DOLLAR_MARKS: [&str; 4] = ["US$", "$", "USD", "usd"];

/// The currencies written with a `$` sign, as symbols and as ISO codes: the dollars, and the peso of Mexico.
/// (Not the Brazilian real, `R$`: a `$5` there most likely means US dollars.)
const DOLLAR_SIGN_CURRENCIES: [&str; 24] = [
    "A$", "AU$", "C$", "CA$", "NZ$", "S$", "SG$", "HK$", "NT$", "MX$", "J$", "TT$", "USD", "AUD",
    "CAD", "NZD", "SGD", "HKD", "TWD", "MXN", "BSD", "BBD", "JMD", "TTD",
];

/// Whether an amount marked with `mark` (one of [`DOLLAR_MARKS`]) is read in a workspace counting in
/// `currency`: any mark where that is the US dollar (`$`, `USD`, `US$`, any case); a bare `$` also wherever the
/// currency is written with one ([`DOLLAR_SIGN_CURRENCIES`]: `A$`, `CA$`, `MX$`, `AUD`, …), as people there
/// write it.
fn reads_mark(currency: &str, mark: &str) -> bool {
    let c = currency.trim();
    let is = |names: &[&str]| names.iter().any(|d| c.eq_ignore_ascii_case(d));
    is(&["$", "USD", "US$"]) || (mark == "$" && is(&DOLLAR_SIGN_CURRENCIES))
}

/// `body` after `currency`, the way [`money`] writes it: a currency written with letters is followed by a space.
fn with_currency(currency: &str, body: &str) -> String {
    let space = if currency.chars().any(char::is_alphabetic) {
        " "
    } else {
        ""
    };
    format!("{currency}{space}{body}")
}

/// `t` without `mark` in front of or after it (and the spaces beside it), or None when it has none.
fn strip_mark(t: &str, mark: &str) -> Option<String> {
    if mark.is_empty() {
        return None;
    }
    t.strip_prefix(mark)
        .or_else(|| t.strip_suffix(mark))
        .map(|rest| rest.trim().to_string())
}

impl Amount {
    pub const ZERO: Amount = Amount(0);
    /// The largest amount accepted ([`MAX_CENTS`], a trillion): for one entry, and for one partner's week of
    /// spend (so that no sum of a week overflows).
    pub const MAX: Amount = Amount(MAX_CENTS);
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
    /// An amount marked as dollars (`$5`, `5 USD`) is refused where the workspace counts in a currency not
    /// written that way ([`reads_mark`]): read in `currency` it would be a different sum.
    pub fn parse(s: &str, currency: &str) -> Result<Amount, ParseError> {
        let example = format!(
            "write amounts like 1200, 1,200.50 or {}",
            with_currency(currency, "1,200")
        );
        let mut t = s.trim().to_string();
        if let Some(rest) = strip_mark(&t, currency) {
            t = rest;
        }
        for mark in DOLLAR_MARKS {
            if let Some(rest) = strip_mark(&t, mark) {
                if !reads_mark(currency, mark) {
                    return Err(Self::not_dollars(s, &rest, currency, mark));
                }
                t = rest;
            }
        }
        Self::parse_plain(s, &t, &example)
    }

    /// The error for `s`, an amount marked with `mark` (`rest` without it) in a workspace counting in
    /// `currency`: in dollars (`$`), or in US dollars (`USD`, in a workspace of other dollars too).
    fn not_dollars(s: &str, rest: &str, currency: &str, mark: &str) -> ParseError {
        let dollars = if mark == "$" { "dollars" } else { "US dollars" };
        let instead = match Self::parse_plain(s, rest, "") {
            Ok(a) => {
                let body = a.to_string();
                format!("write {body} or {}", with_currency(currency, &body))
            }
            Err(_) => format!(
                "write amounts like 1200 or {}",
                with_currency(currency, "1,200")
            ),
        };
        ParseError(format!(
            "`{}` is in {dollars}, but this workspace counts in {currency}: {instead}",
            snippet(s)
        ))
    }

    /// Parse `t`, the amount `s` without its currency; errors quote `s` and end with `example`.
    fn parse_plain(s: &str, t: &str, example: &str) -> Result<Amount, ParseError> {
        if t.starts_with('-') {
            return err(format!("`{}`: amounts cannot be negative", snippet(s)));
        }
        let bad = || ParseError(format!("`{}` is not an amount: {example}", snippet(s)));
        let (int, frac) = match t.split_once('.') {
            Some((i, f)) => (i, Some(f)),
            None => (t, None),
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
            .ok_or_else(|| {
                ParseError(format!(
                    "`{}` is too large an amount: amounts go up to {} (a trillion)",
                    snippet(s),
                    Amount::from_cents(MAX_CENTS)
                ))
            })?;
        Ok(Amount(total))
    }
}

impl fmt::Display for Amount {
    /// `1,234,567.89`, `1,200` (cents only when there are any); a negative amount (only ever read from a
    /// database, as parsing refuses them) starts with a minus: `-1.50`, `-0.50`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.0 < 0 { "-" } else { "" };
        let whole = self.0.unsigned_abs() / 100;
        let cents = self.0.unsigned_abs() % 100;
        let digits = whole.to_string();
        let mut grouped = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i) % 3 == 0 {
                grouped.push(',');
            }
            grouped.push(c);
        }
        if cents == 0 {
            write!(f, "{sign}{grouped}")
        } else {
            write!(f, "{sign}{grouped}.{cents:02}")
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
    format!("{sign}{}", with_currency(currency, &body))
}

impl Amount {
    /// This amount in the one money format ([`money`]).
    pub fn money(self, currency: &str) -> String {
        money(self.dollars(), currency)
    }

    /// This amount to the cent with its currency, where a rounded figure would mislead (a limit and what is
    /// left under it): `$999,999,999,999.99`, `CHF 1,200`.
    pub fn money_exact(self, currency: &str) -> String {
        let sign = if self.0 < 0 { "-" } else { "" };
        let abs = Amount(i64::try_from(self.0.unsigned_abs()).unwrap_or(i64::MAX));
        format!("{sign}{}", with_currency(currency, &abs.to_string()))
    }
}

impl Serialize for Amount {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(self.dollars())
    }
}
