//! The screen card and a trait's evidence text written the plain way (through format! and parts joined, as
//! before issue 21 item 6's fourth pass, with the words of the lead-replies audit), kept as the references the
//! buffer writers are compared with on generated replies.

use super::*;
use crate::domain::Stage;
use proptest::prelude::*;

/// `TraitLine::evidence_text` as it was.
fn evidence_text(t: &TraitLine, max_age: i64) -> String {
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
    let stale = t.status == TraitStatus::Stale;
    let mut parts = vec![what];
    if let Some(s) = &t.source {
        parts.push(user(s).to_string());
    }
    let by = t.recorded_by.as_deref().unwrap_or("?");
    parts.push(if stale {
        format!("by {by} (#{id})")
    } else {
        format!(
            "by {by}, observed {} (#{id})",
            t.observed.map(|d| d.to_string()).unwrap_or_default()
        )
    });
    let mut text = parts.join(" · ");
    if stale {
        let age = match t.observed {
            Some(d) => format!("observed {d}, more than {max_age} days ago"),
            None => format!("more than {max_age} days old"),
        };
        text = format!("stale — {age} (evidence_max_age_days), so it no longer counts: {text}");
    }
    if let Some(n) = &t.note {
        text.push_str(&format!("\n_{}_", user(n)));
    }
    text
}

/// `ScreenReply::card` as it was.
fn card(r: &ScreenReply) -> Card {
    let title = format!("{} — {}", user(&r.partner), verdict_label(r.verdict));
    let head = match (&r.profile, r.revision) {
        (Some(p), Some(rev)) if r.verdict.is_none() => format!(
            "{} · {} profile \"{}\" rev {rev} has no traits yet, so it gives no verdict: a lead adds them with /profile trait add type:{} name:\"…\"",
            r.stage, r.partner_type, user(p), r.partner_type
        ),
        (Some(p), Some(rev)) => format!(
            "{} · {} profile \"{}\" rev {rev} · as of {}\n{} met · {} missed · {} unknown",
            r.stage,
            r.partner_type,
            user(p),
            r.as_of,
            r.met,
            r.missed,
            r.unknown
        ),
        _ => format!(
            "{} · no active {} profile: a lead creates it with /profile create type:{} name:\"…\"",
            r.stage, r.partner_type, r.partner_type
        ),
    };
    let head = match &r.note {
        Some(n) => format!("{n}\n{head}"),
        None => head,
    };
    let mut card = Card::new(title, verdict_tone(r.verdict)).description(head);
    for t in &r.traits {
        card = card.field(
            format!("{} {} ({})", status_icon(t.status), user(&t.name), t.rule),
            evidence_text(t, r.rules.evidence_max_age_days),
            false,
        );
    }
    match r.verdict {
        Some(Verdict::Incomplete) => {
            card = card.field(
                if r.stage == Stage::Prospect {
                    "Verify next, before signing"
                } else {
                    "Verify next"
                },
                r.verify_next
                    .iter()
                    .map(|n| user(n).to_string())
                    .collect::<Vec<_>>()
                    .join(", "),
                false,
            );
        }
        Some(Verdict::WalkAway) => {
            card = card.footer(format!(
                "{} of {} traits missed — more than this workspace allows (max_misses {}): walk away, or record newer evidence if it changed.",
                r.missed,
                r.traits.len(),
                r.rules.max_misses
            ));
        }
        _ => {}
    }
    for (t, id) in r.traits.iter().zip(&r.trait_ids) {
        if t.status.is_unknown() && card.actions.len() < 5 {
            card.actions.push(Action {
                target: Target::RecordEvidence {
                    partner: r.partner_id,
                    trait_id: *id,
                },
                label: format!("Record: {}", user(&clip(&t.name, 60))),
            });
        }
    }
    card
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

fn reply() -> impl Strategy<Value = ScreenReply> {
    let verdict = proptest::option::of(prop_oneof![
        Just(Verdict::Fit),
        Just(Verdict::NearFit),
        Just(Verdict::Incomplete),
        Just(Verdict::WalkAway),
    ]);
    let text = || {
        proptest::string::string_regex(
            "[a-zA-Z0-9 *_`|\\[\\]<>\"\\\\\n\u{0}é😀\u{FDD0}\u{FDD1}-]{0,70}",
        )
        .expect("regex")
    };
    (
        (
            text(),
            any::<i64>(),
            0..PartnerType::ALL.len(),
            0..Stage::ALL.len(),
            words(),
            proptest::option::of(any::<i64>()),
            (-400_000i32..400_000)
                .prop_map(|d| NaiveDate::from_num_days_from_ce_opt(d).unwrap_or_default()),
        ),
        (
            verdict,
            (0..40usize, 0..40usize, 0..40usize),
            proptest::collection::vec((line(), text()), 0..9),
            proptest::collection::vec(text(), 0..5),
            words(),
            proptest::collection::vec(any::<i64>(), 0..9),
            (0u32..21, 1i64..36_501),
        ),
    )
        .prop_map(
            |(
                (partner, partner_id, kind, stage, profile, revision, as_of),
                (
                    verdict,
                    (met, missed, unknown),
                    traits,
                    verify_next,
                    note,
                    trait_ids,
                    (max_misses, evidence_max_age_days),
                ),
            )| ScreenReply {
                partner,
                partner_id,
                on_roster: true,
                partner_type: PartnerType::ALL[kind],
                stage: Stage::ALL[stage],
                profile,
                revision,
                as_of,
                verdict,
                met,
                missed,
                unknown,
                traits: traits
                    .into_iter()
                    .map(|(t, name)| TraitLine { name, ..t })
                    .collect(),
                verify_next,
                note,
                trait_ids,
                rules: ScreenRules {
                    max_misses,
                    evidence_max_age_days,
                },
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// The evidence text is the same text as before, for any line.
    #[test]
    fn evidence_text_is_what_it_was(t in line(), max_age in -5i64..4000) {
        prop_assert_eq!(t.evidence_text(max_age), evidence_text(&t, max_age));
    }

    /// The screen card is the same card as before, for any reply.
    #[test]
    fn the_screen_card_is_what_it_was(r in reply()) {
        prop_assert_eq!(r.card(), card(&r));
    }
}
