//! Unit tests of `types`: kept in a file of their own so the module's code stays readable.

use super::*;

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
    let w53: Week = "2026-W53".parse().unwrap();
    assert_eq!(w53.monday(), d("2026-12-28"));
    assert_eq!(w53.sunday(), d("2027-01-03"));
    let e = "2025-W53".parse::<Week>().unwrap_err().0;
    assert!(e.contains("1 to 52"), "{e}");
    assert!("2026-W54".parse::<Week>().is_err());
    assert!("2026-W00".parse::<Week>().is_err());
    assert!("soon".parse::<Week>().is_err());
    // A year of four digits out of the range of years is said as such, not as "four digits".
    assert_eq!(
        "0001-W01".parse::<Week>().unwrap_err().0,
        "week `0001-W01`: the year must be between 1000 and 9999"
    );
    // 9999-01-01 is a Friday, so week 1 starts on Monday 4 January and week 52 51 weeks later.
    assert_eq!(
        "9999-W52".parse::<Week>().unwrap().monday(),
        d("9999-12-27")
    );
    // Written like a date: the date's own error, word for word the one of a date option.
    for date in ["2026-02-30", "2026-13-01", "0999-12-31"] {
        assert_eq!(
            date.parse::<Week>().unwrap_err(),
            parse_date(date).unwrap_err(),
            "{date}"
        );
    }
    assert_eq!(
        "2026-02-30".parse::<Week>().unwrap_err().0,
        "`2026-02-30` is not a date: February 2026 has 28 days"
    );
    assert_eq!(
        "2026-2-3".parse::<Week>().unwrap_err().0,
        "`2026-2-3` is not a week: write it like 2026-W47 (or give a date in the week)"
    );
    // ISO week year differs from calendar year at the edges.
    assert_eq!(Week::containing(d("2027-01-01")).to_string(), "2026-W53");
    assert_eq!(Week::containing(d("2024-12-30")).to_string(), "2025-W01");
    assert_eq!(w.plus(-7).to_string(), "2026-W40");
}

/// A date that does not exist says which part is wrong; anything else not written `YYYY-MM-DD` says how to
/// write it. The day counts are the calendar's: 2024 is a leap year, 2026 and 1900 are not, 2000 is.
#[test]
fn bad_dates_say_what_is_wrong() {
    for (text, why) in [
        ("2026-02-30", "February 2026 has 28 days"),
        ("2026-02-29", "February 2026 has 28 days"),
        ("2024-02-30", "February 2024 has 29 days"),
        ("1900-02-29", "February 1900 has 28 days"),
        ("2026-04-31", "April 2026 has 30 days"),
        ("9999-12-32", "December 9999 has 31 days"),
        ("2026-01-00", "days start at 01"),
        ("2026-13-01", "the month must be between 01 and 12"),
        ("2026-00-10", "the month must be between 01 and 12"),
        ("0001-01-01", "the year must be between 1000 and 9999"),
        ("0999-12-31", "the year must be between 1000 and 9999"),
        ("2026-1-5", "write it as YYYY-MM-DD, e.g. 2026-11-26"),
        ("26-11-2026", "write it as YYYY-MM-DD, e.g. 2026-11-26"),
        ("someday", "write it as YYYY-MM-DD, e.g. 2026-11-26"),
        ("", "write it as YYYY-MM-DD, e.g. 2026-11-26"),
    ] {
        assert_eq!(
            parse_date(text).unwrap_err().0,
            format!("`{text}` is not a date: {why}"),
        );
    }
    assert_eq!(parse_date("2000-02-29").unwrap(), d("2000-02-29"));
    assert_eq!(parse_date(" 1000-01-01 ").unwrap(), d("1000-01-01"));
    assert_eq!(parse_date("9999-12-31").unwrap(), d("9999-12-31"));
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
        "", "abc", "1,20", "12,0000", "1.234", "-5", "NaN", "inf", "1e308", "1 200", "$", "1..2",
    ] {
        assert!(Amount::parse(bad, "$").is_err(), "{bad} should be refused");
    }
    assert_eq!(Amount::from_cents(123_456_789).to_string(), "1,234,567.89");
    assert_eq!(Amount::from_cents(100).to_string(), "1");
    // Negative amounts come only from a database; sign, then the amount as if positive.
    assert_eq!(Amount::from_cents(-150).to_string(), "-1.50");
    assert_eq!(Amount::from_cents(-50).to_string(), "-0.50");
    assert_eq!(Amount::from_cents(-12_300).to_string(), "-123");
    assert_eq!(
        Amount::from_cents(-123_456_789).to_string(),
        "-1,234,567.89"
    );
    assert_eq!(
        Amount::from_cents(i64::MIN).to_string(),
        "-92,233,720,368,547,758.08"
    );
    // A trillion is the largest amount.
    assert_eq!(
        Amount::parse("1,000,000,000,000", "$").unwrap().cents(),
        100_000_000_000_000
    );
    assert_eq!(
        Amount::parse("1000000000000.01", "$").unwrap_err().0,
        "`1000000000000.01` is too large an amount: amounts go up to 1,000,000,000,000 (a trillion)"
    );
}

/// Dollars are read as dollars only in a workspace that counts in dollars; elsewhere they are refused with the
/// amount written the workspace's way, never read in its currency.
#[test]
fn dollars_are_refused_in_another_currency() {
    for (text, cents) in [
        ("$5", 500),
        ("5 USD", 500),
        ("usd 5", 500),
        ("$ 1,200.50 USD", 120_050),
    ] {
        assert_eq!(Amount::parse(text, "$").unwrap().cents(), cents, "{text}");
        assert_eq!(Amount::parse(text, "USD").unwrap().cents(), cents, "{text}");
    }
    assert_eq!(Amount::parse("$5", "US$").unwrap().cents(), 500);
    // Other currencies written with a `$` take it bare, as people there write amounts; `USD` stays refused.
    for currency in ["A$", "CA$", "MX$", "AUD", "cad", "NZD"] {
        assert_eq!(
            Amount::parse("$5", currency).unwrap().cents(),
            500,
            "{currency}"
        );
        assert_eq!(
            Amount::parse("5$", currency).unwrap().cents(),
            500,
            "{currency}"
        );
    }
    assert_eq!(
        Amount::parse("5 USD", "A$").unwrap_err().0,
        "`5 USD` is in US dollars, but this workspace counts in A$: write 5 or A$ 5"
    );
    // `US$` is the US dollar wherever it is written; the Brazilian real's `R$` does not take a bare `$`.
    assert_eq!(Amount::parse("US$5", "$").unwrap().cents(), 500);
    assert_eq!(Amount::parse("US$ 5", "USD").unwrap().cents(), 500);
    assert_eq!(
        Amount::parse("US$5", "A$").unwrap_err().0,
        "`US$5` is in US dollars, but this workspace counts in A$: write 5 or A$ 5"
    );
    assert_eq!(
        Amount::parse("$5", "R$").unwrap_err().0,
        "`$5` is in dollars, but this workspace counts in R$: write 5 or R$ 5"
    );
    assert_eq!(Amount::parse("€5", "€").unwrap().cents(), 500);
    assert_eq!(Amount::parse("5 CHF", "CHF").unwrap().cents(), 500);
    for (text, currency, error) in [
        ("$5", "€", "`$5` is in dollars, but this workspace counts in €: write 5 or €5"),
        ("USD 5", "€", "`USD 5` is in US dollars, but this workspace counts in €: write 5 or €5"),
        ("5usd", "€", "`5usd` is in US dollars, but this workspace counts in €: write 5 or €5"),
        (
            "$1,200.5",
            "£",
            "`$1,200.5` is in dollars, but this workspace counts in £: write 1,200.50 or £1,200.50",
        ),
        ("5 USD", "CHF", "`5 USD` is in US dollars, but this workspace counts in CHF: write 5 or CHF 5"),
        ("€$5", "€", "`€$5` is in dollars, but this workspace counts in €: write 5 or €5"),
        (
            "$lots",
            "€",
            "`$lots` is in dollars, but this workspace counts in €: write amounts like 1200 or €1,200",
        ),
    ] {
        assert_eq!(Amount::parse(text, currency).unwrap_err().0, error, "{text}");
    }
    // A currency of letters is written with a space in the example, as `money` writes it.
    assert_eq!(
        Amount::parse("lots", "CHF").unwrap_err().0,
        "`lots` is not an amount: write amounts like 1200, 1,200.50 or CHF 1,200"
    );
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
    // Past the bound of other numbers, hours keep their own words.
    assert_eq!(
        Hours::parse("1e309").unwrap_err().0,
        "`1e309`: a week has 168 hours; log at most 168 hours per partner per week"
    );
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

/// Typed numbers stop at a trillion either way, and a number other than 0 is at least a trillionth: within that
/// a number prints in a few digits, beyond it in hundreds (`1e308`, `1e-300`).
#[test]
fn numbers_are_bounded() {
    assert_eq!(MAX_NUMBER, 1_000_000_000_000.0);
    for (text, v) in [
        ("1e12", 1e12),
        ("1,000,000,000,000", 1e12),
        ("-1e12", -1e12),
        ("1e-12", 1e-12),
        ("0.000000000001", 1e-12),
        ("0", 0.0),
        ("-0", 0.0),
        ("123456789012.5", 123_456_789_012.5),
    ] {
        assert_eq!(parse_number(text, "`value`").unwrap(), v, "{text}");
    }
    let up = "numbers go up to 1,000,000,000,000 (a trillion)";
    let both = "numbers go from -1,000,000,000,000 to 1,000,000,000,000";
    for (text, error) in [
        ("1e308", format!("`1e308` is too large for `value`: {up}")),
        ("1e309", format!("`1e309` is too large for `value`: {up}")),
        (
            "1000000000000.5",
            format!("`1000000000000.5` is too large for `value`: {up}"),
        ),
        ("-1e13", format!("`-1e13` is too large for `value`: {both}")),
        (
            "1e-300",
            "`1e-300` is too close to 0 for `value`: round it to 12 decimals".into(),
        ),
        (
            "-9e-13",
            "`-9e-13` is too close to 0 for `value`: round it to 12 decimals".into(),
        ),
    ] {
        assert_eq!(
            parse_number(text, "`value`").unwrap_err().0,
            error,
            "{text}"
        );
    }
    assert!(number_in_range(1e12) && number_in_range(-1e-12) && number_in_range(0.0));
    for v in [1e12 + 1e-3, 9e-13, f64::INFINITY, f64::NAN] {
        assert!(!number_in_range(v), "{v}");
    }
    assert_eq!(
        out_of_range_error("min", 1e308),
        format!("`min` is too large: {up}")
    );
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
