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
        "", "abc", "1,20", "12,0000", "1.234", "-5", "NaN", "inf", "1e308", "1 200", "$", "1..2",
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
fn enums_parse() {
    assert_eq!(
        "Tech-ISV".parse::<PartnerType>().unwrap(),
        PartnerType::TechIsv
    );
    let e = "vendor".parse::<PartnerType>().unwrap_err().0;
    assert!(e.contains("reseller, si, tech-isv, referral"), "{e}");
    assert!(Verdict::NearFit.matches() && !Verdict::Incomplete.matches());
}
