//! Unit tests of `types`: kept in a file of their own so the module's code stays readable.

use super::names::name_key_full;
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
