//! A trait's evidence text as the screen card wrote it before issue 21 item 6's fourth pass (parts joined),
//! kept as the reference the one-buffer writer is compared with on generated lines.

use super::*;
use proptest::prelude::*;

/// `TraitLine::evidence_text` as it was.
fn evidence_text(t: &TraitLine, max_age: Option<i64>) -> String {
    let Some(id) = t.evidence_id else {
        return match &t.verify_by {
            Some(v) => format!("no evidence — verify by {}", user(v)),
            None => "no evidence".into(),
        };
    };
    let what = match (t.value, t.met) {
        (Some(v), _) => num(v),
        (None, Some(true)) => "met".into(),
        (None, Some(false)) => "missed".into(),
        _ => String::new(),
    };
    let mut parts = vec![what];
    if let Some(s) = &t.source {
        parts.push(user(s).to_string());
    }
    parts.push(format!(
        "by {}, observed {} (#{id})",
        t.recorded_by.as_deref().unwrap_or("?"),
        t.observed.map(|d| d.to_string()).unwrap_or_default()
    ));
    let mut text = parts.join(" · ");
    if t.status == TraitStatus::Stale {
        text = format!(
            "stale (older than {} days): {text}",
            max_age
                .map(|d| d.to_string())
                .unwrap_or_else(|| "the limit".into())
        );
    }
    if let Some(n) = &t.note {
        text.push_str(&format!("\n_{}_", user(n)));
    }
    text
}

fn words() -> impl Strategy<Value = Option<String>> {
    proptest::option::of(
        proptest::string::string_regex(
            "[a-zA-Z0-9 *_`|\\[\\]<>\"\\\\\\n\\u{0}é😀\\u{FDD0}\\u{FDD1}-]{0,12}",
        )
        .expect("regex"),
    )
}

fn line() -> impl Strategy<Value = TraitLine> {
    let status = prop_oneof![
        Just(TraitStatus::Met),
        Just(TraitStatus::Missed),
        Just(TraitStatus::Unknown),
        Just(TraitStatus::Stale),
    ];
    let value = proptest::option::of(prop_oneof![
        any::<f64>(),
        (-1000i64..1000).prop_map(|v| v as f64),
        Just(0.5),
        Just(1e20),
    ]);
    (
        (
            status,
            value,
            proptest::option::of(any::<bool>()),
            words(),
            words(),
        ),
        (
            proptest::option::of(
                (-400_000i32..400_000)
                    .prop_map(|d| NaiveDate::from_num_days_from_ce_opt(d).unwrap_or_default()),
            ),
            words(),
            proptest::option::of(any::<i64>()),
            words(),
        ),
    )
        .prop_map(
            |(
                (status, value, met, source, note),
                (observed, recorded_by, evidence_id, verify_by),
            )| {
                TraitLine {
                    name: "Overlap".into(),
                    status,
                    value,
                    met,
                    source,
                    note,
                    observed,
                    recorded_by,
                    evidence_id,
                    rule: "yes/no".into(),
                    verify_by,
                }
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// The evidence text is the same text as before, for any line.
    #[test]
    fn evidence_text_is_what_it_was(t in line(), max_age in proptest::option::of(-5i64..4000)) {
        prop_assert_eq!(t.evidence_text(max_age), evidence_text(&t, max_age));
    }
}
