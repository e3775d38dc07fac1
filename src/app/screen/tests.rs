//! The unit tests of `screen.rs`: the type note, the parsing of questions and the type words they read.

use super::*;

fn q(name: &str, t: Option<PartnerType>) -> Option<Question> {
    Some(Question {
        name: name.into(),
        partner_type: t,
    })
}

/// A note's names are user text on the card (marked), and the JSON holds the note without the marks.
#[test]
fn a_notes_names_are_marked_for_the_card_and_plain_in_the_json() {
    use crate::app::card::{segments, Segment};
    let p = Partner {
        id: 7,
        name: "*Acme* Corp".into(),
        partner_type: PartnerType::Si,
        lifecycle: crate::domain::Lifecycle::Prospect,
        champion: None,
        note: None,
        created_by: "ana".into(),
        created_at: chrono::DateTime::UNIX_EPOCH,
    };
    let day = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
    let mut r = screen_reply(&p, None, None, day, ScreenRules::default());
    other_type_note(&mut r, Some(PartnerType::Reseller));
    let note = r.note.clone().unwrap();
    assert_eq!(segments(&note)[0], Segment::Users("*Acme* Corp"));
    let json = serde_json::to_value(&r).unwrap();
    assert_eq!(
        json["note"],
        "*Acme* Corp is on the roster as a systems integrator (si), so it is screened against the si profile, not the reseller profile."
    );
}

#[test]
fn questions_parse() {
    assert_eq!(parse_question("does Acme fit?"), q("Acme", None));
    assert_eq!(
        parse_question("Does Acme Corp fit as a reseller?"),
        q("Acme Corp", Some(PartnerType::Reseller))
    );
    assert_eq!(
        parse_question("<@1001> does \"Globex\" fit as an SI?"),
        q("Globex", Some(PartnerType::Si))
    );
    assert_eq!(
        parse_question("does Fitbit fit the tech-isv profile"),
        q("Fitbit", Some(PartnerType::TechIsv))
    );
    assert_eq!(parse_question("is Initech a fit?"), q("Initech", None));
    assert_eq!(
        parse_question("is Initech a good fit for referral"),
        q("Initech", Some(PartnerType::Referral))
    );
    assert_eq!(
        parse_question("does Ünïcode GmbH fit?"),
        q("Ünïcode GmbH", None)
    );
    // Characters whose lower case is longer (`İ` is `i̇`, 3 bytes for 2) or shorter (the Kelvin sign `K`, 3
    // bytes, is `k`) than they are do not shift the cut.
    assert_eq!(parse_question("does İİ Corp fit?"), q("İİ Corp", None));
    assert_eq!(
        parse_question("is \u{212A}elvin İnc a fit for referral"),
        q("\u{212A}elvin İnc", Some(PartnerType::Referral))
    );
    assert_eq!(
        slice_like("does İİ Corp fit", 5, "does i̇i̇ corp".len()),
        Some("İİ Corp")
    );
    assert_eq!(slice_like("does Acme Corp fit", 5, 14), Some("Acme Corp"));
    // An offset inside the lower case of one character (`i̇` is two) is no cut.
    assert_eq!(slice_like("İ", 1, 3), None);
    assert_eq!(parse_question("hello there"), None);
    assert_eq!(parse_question("does fit?"), None);
    assert_eq!(parse_question(""), None);
}

#[test]
fn a_question_names_a_type_by_the_words_it_always_did() {
    use PartnerType::{Referral, Reseller, Si, TechIsv};
    for (text, ty) in [
        ("as a VAR", Some(Reseller)),
        ("for vars", Some(Reseller)),
        ("as resellers", Some(Reseller)),
        ("as a system integrator", Some(Si)),
        ("as a systems_integrator", Some(Si)),
        ("as integrators", Some(Si)),
        ("as an ISV", Some(TechIsv)),
        ("as a Tech-ISV", Some(TechIsv)),
        ("as a technology partner", Some(TechIsv)),
        ("as a referral partner", Some(Referral)),
        ("for referrals", Some(Referral)),
        // Words only the lint reads do not name a type in a question.
        ("as a distributor", None),
        ("as an affiliate", None),
        ("in the app marketplace", None),
        ("as a tech partner", None),
        // Whole words only.
        ("as a variance", None),
        ("simply", None),
        // Two types named: the first of tech ISV, reseller, SI, referral.
        ("as a referral or an isv", Some(TechIsv)),
        ("as an si or a reseller", Some(Reseller)),
        ("as a referral si", Some(Si)),
    ] {
        assert_eq!(type_in(text), ty, "{text}");
    }
}
