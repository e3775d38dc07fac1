//! The parser and the schedule against independent checks: arbitrary input never panics, and every fire time
//! matches a brute-force reference model of the documented rules (gaps and overlaps included).

use super::*;

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
