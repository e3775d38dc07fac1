//! The rules of names and texts, by example: keys, lookalikes, emoji, invisible characters, bounds.

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
    // Letters of other scripts drawn like accented Latin ones (worked from the code points): Cyrillic ё
    // (U+0451) and Ё (U+0401) are e/E with a diaeresis, ї (U+0457) i, ӧ (U+04E7) o, ӓ (U+04D3) a, ѐ
    // (U+0450) e with a grave, and ӱ (U+04F1), the Cyrillic у with a diaeresis, is drawn as `ÿ` (U+00FF).
    // The key holds the composed Latin letter: `ë` is U+00EB.
    assert_eq!(name_key("Citro\u{451}n"), "citro\u{EB}n");
    for (cyrillic, latin) in [
        ("Citro\u{451}n", "Citro\u{EB}n"),
        ("CITRO\u{401}N", "Citro\u{EB}n"),
        ("Ha\u{457}ti", "Ha\u{EF}ti"),
        ("K\u{4E7}ln", "K\u{F6}ln"),
        ("M\u{4D3}rz", "M\u{E4}rz"),
        ("Crem\u{450}", "Crem\u{E8}"),
        ("Ra\u{4F1}", "Ra\u{FF}"),
    ] {
        assert_eq!(name_key(cyrillic), name_key(latin), "{cyrillic:?}");
        assert_ne!(cyrillic, latin, "two strings");
    }
    // The marks stay: an accented letter is neither its plain letter nor one with another accent.
    assert_ne!(name_key("Citro\u{451}n"), name_key("Citroen"));
    assert_ne!(name_key("Citro\u{451}n"), name_key("Citro\u{E8}n"));
    assert_ne!(
        name_key("Ra\u{4F1}"),
        name_key("Ra\u{FC}"),
        "ӱ is drawn as ÿ, not ü"
    );
    assert_eq!(name_key("Z\u{FC}rich"), "z\u{FC}rich");
    assert_eq!(
        name_key("Zu\u{308}rich"),
        "z\u{FC}rich",
        "a typed mark composes"
    );
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
fn emoji_sequences_are_names_and_stray_joiners_and_selectors_are_not() {
    // Worked from the code points: a family (U+1F468 ZWJ U+1F469 ZWJ U+1F467), a red heart (U+2764 VS16),
    // a heart on fire (U+2764 VS16 ZWJ U+1F525), a rainbow flag (U+1F3F3 VS16 ZWJ U+1F308), a flag of two
    // regional indicators (U+1F1E9 U+1F1EA), a skin tone (U+1F44D U+1F3FD), a technologist with one
    // (U+1F469 U+1F3FD ZWJ U+1F4BB), a keycap (`1` VS16 U+20E3), a text-style victory hand (U+270C VS15),
    // a black cat (U+1F408 ZWJ U+2B1B).
    for name in [
        "The \u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467} Agency",
        "Acme \u{2764}\u{FE0F}",
        "\u{2764}\u{FE0F}\u{200D}\u{1F525} Studio",
        "\u{1F3F3}\u{FE0F}\u{200D}\u{1F308} Alliance",
        "\u{1F1E9}\u{1F1EA} Partners",
        "\u{1F44D}\u{1F3FD} Deals",
        "\u{1F469}\u{1F3FD}\u{200D}\u{1F4BB} Devs",
        "Route 1\u{FE0F}\u{20E3}",
        "Peace \u{270C}\u{FE0E}",
        "\u{1F408}\u{200D}\u{2B1B} Labs",
    ] {
        assert_eq!(stray_invisible(name), None, "{name:?}");
        let parsed = PartnerName::parse(name).unwrap_or_else(|e| panic!("{name:?}: {e}"));
        assert_eq!(parsed.as_str(), name, "kept as typed");
    }
    // The key drops the joiners and selectors: the same emoji without them is the same name.
    assert_eq!(
        name_key("The \u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467} Agency"),
        "the \u{1F468}\u{1F469}\u{1F467} agency"
    );
    assert_eq!(name_key("Acme \u{2764}\u{FE0F}"), "acme \u{2764}");
    assert_eq!(
        name_key("\u{1F3F3}\u{FE0F}\u{200D}\u{1F308} Alliance"),
        name_key("\u{1F3F3}\u{1F308} ALLIANCE")
    );
    assert_eq!(
        name_key("\u{1F1E9}\u{1F1EA} Partners"),
        "\u{1F1E9}\u{1F1EA} partners"
    );
    assert_ne!(
        name_key("\u{1F44D}\u{1F3FD} Deals"),
        name_key("\u{1F44D} Deals"),
        "a skin tone is visible"
    );
    // Still refused, with the character that is stray: a joiner between letters, at either end, beside a
    // letter or doubled; the non-joiner even between emoji; a selector after a letter, alone, doubled,
    // after a digit that no keycap mark follows, or one of the other selectors (stray tags: see
    // `subdivision_flags_are_names_and_stray_tags_are_not`).
    for (refused, stray) in [
        ("Ac\u{200D}me Corp", '\u{200D}'),
        ("\u{200D}\u{1F44D} Deals", '\u{200D}'),
        ("Deals \u{1F44D}\u{200D}", '\u{200D}'),
        ("Acme\u{200D}\u{1F44D}", '\u{200D}'),
        ("\u{1F44D}\u{200D}Acme", '\u{200D}'),
        ("\u{1F44D}\u{200D}\u{200D}\u{1F44D}", '\u{200D}'),
        ("\u{1F44D}\u{200C}\u{1F44D}", '\u{200C}'),
        ("Acme\u{FE0F} Corp", '\u{FE0F}'),
        ("\u{FE0F}Acme", '\u{FE0F}'),
        ("\u{2764}\u{FE0F}\u{FE0F} Acme", '\u{FE0F}'),
        ("Route 1\u{FE0F}", '\u{FE0F}'),
        ("Acme \u{2764}\u{FE00}", '\u{FE00}'),
        ("Acme\u{200B}\u{1F44D}", '\u{200B}'),
    ] {
        assert_eq!(stray_invisible(refused), Some(stray), "{refused:?}");
        let e = PartnerName::parse(refused).unwrap_err();
        assert!(e.0.contains("invisible"), "{refused:?}: {e}");
    }
    // The lookalikes these refusals stop still share the plain name's key.
    assert_eq!(name_key("Acme\u{FE0F} Corp"), "acme corp");
    assert_eq!(
        name_key("\u{1F44D}\u{200C}\u{1F44D}"),
        name_key("\u{1F44D}\u{1F44D}")
    );
}

#[test]
fn subdivision_flags_are_names_and_stray_tags_are_not() {
    // Worked from the code points: Scotland is U+1F3F4, the tags g b s c t (U+E0067 U+E0062 U+E0073
    // U+E0063 U+E0074) and the cancel tag U+E007F; England the tags g b e n g (U+E0067 U+E0062 U+E0065
    // U+E006E U+E0067); Wales g b w l s (U+E0067 U+E0062 U+E0077 U+E006C U+E0073).
    let scotland = "\u{1F3F4}\u{E0067}\u{E0062}\u{E0073}\u{E0063}\u{E0074}\u{E007F}";
    let england = "\u{1F3F4}\u{E0067}\u{E0062}\u{E0065}\u{E006E}\u{E0067}\u{E007F}";
    let wales = "\u{1F3F4}\u{E0067}\u{E0062}\u{E0077}\u{E006C}\u{E0073}\u{E007F}";
    assert_eq!(scotland, "🏴󠁧󠁢󠁳󠁣󠁴󠁿");
    assert_eq!(england, "🏴󠁧󠁢󠁥󠁮󠁧󠁿");
    for name in [
        format!("Acme {scotland}"),
        format!("{england} Partners"),
        format!("Acme {scotland}{england}"),
        format!("{wales} Alliance"),
        format!("Acme {scotland} \u{1F1E9}\u{1F1EA} \u{2764}\u{FE0F}"),
    ] {
        assert_eq!(stray_invisible(&name), None, "{name:?}");
        let parsed = PartnerName::parse(&name).unwrap_or_else(|e| panic!("{name:?}: {e}"));
        assert_eq!(parsed.as_str(), name, "kept as typed");
    }
    // The key keeps a flag's tags: two flags are two names, neither is the plain black flag, and case
    // still does not count.
    assert_eq!(
        name_key(&format!("ACME {scotland}")),
        format!("acme {scotland}")
    );
    assert_eq!(
        PartnerName::parse(&format!("Acme {scotland}"))
            .unwrap()
            .key(),
        "acme \u{1F3F4}\u{E0067}\u{E0062}\u{E0073}\u{E0063}\u{E0074}\u{E007F}"
    );
    assert_ne!(
        name_key(&format!("Acme {scotland}")),
        name_key(&format!("Acme {england}"))
    );
    assert_ne!(name_key(&format!("Acme {scotland}")), "acme \u{1F3F4}");
    // Refused, with the first stray tag, and the error of every invisible character: a tag alone, a run of
    // tags the cancel tag does not end, tags after another character than the black flag (a letter, the
    // white flag U+1F3F3, a space), the cancel tag with no tag before it, a tag after a whole flag, a tag
    // run broken by a letter, and the language tag U+E0001 (not one of U+E0020–U+E007E).
    for (refused, stray) in [
        ("Acme\u{E0041}".to_string(), '\u{E0041}'),
        ("\u{E0041} Acme".to_string(), '\u{E0041}'),
        (
            "Acme \u{1F3F4}\u{E0067}\u{E0062}\u{E0073}\u{E0063}\u{E0074}".to_string(),
            '\u{E0067}',
        ),
        (
            "Acme \u{1F3F4}\u{E0067}\u{E0062}\u{E0073}\u{E0063}\u{E0074} Corp".to_string(),
            '\u{E0067}',
        ),
        (
            "Acme\u{E0067}\u{E0062}\u{E0073}\u{E0063}\u{E0074}\u{E007F}".to_string(),
            '\u{E0067}',
        ),
        (
            "Acme \u{1F3F3}\u{E0067}\u{E0062}\u{E0073}\u{E0063}\u{E0074}\u{E007F}".to_string(),
            '\u{E0067}',
        ),
        (
            "\u{1F3F4} \u{E0067}\u{E0062}\u{E0073}\u{E0063}\u{E0074}\u{E007F}".to_string(),
            '\u{E0067}',
        ),
        ("Acme \u{1F3F4}\u{E007F}".to_string(), '\u{E007F}'),
        (format!("Acme {scotland}\u{E0041}"), '\u{E0041}'),
        (format!("Acme {scotland}\u{E007F}"), '\u{E007F}'),
        (
            "\u{1F3F4}\u{E0067}\u{E0062}s\u{E0063}\u{E0074}\u{E007F}".to_string(),
            '\u{E0067}',
        ),
        ("\u{1F3F4}\u{E0001}\u{E007F}".to_string(), '\u{E0001}'),
    ] {
        assert_eq!(stray_invisible(&refused), Some(stray), "{refused:?}");
        let e = PartnerName::parse(&refused).unwrap_err();
        assert_eq!(
            e.0,
            PartnerName::parse("Acme\u{200B}").unwrap_err().0,
            "{refused:?}"
        );
    }
    // Stray tags are dropped from the key as before; so is a run the cancel tag does not end.
    assert_eq!(name_key("Acme\u{E0041}"), "acme");
    assert_eq!(
        name_key("Acme \u{1F3F4}\u{E0067}\u{E0062}\u{E0073}\u{E0063}\u{E0074}"),
        "acme \u{1F3F4}"
    );
}

#[test]
fn other_texts_refuse_stray_invisible_characters_and_keep_emoji() {
    // Worked from the code points: a right-to-left override (U+202E) makes `Fast onboarding` read
    // `gnidraobno tsaF`; a zero-width space (U+200B), a non-joiner (U+200C), a joiner between letters
    // (U+200D), a left-to-right isolate (U+2066) and a BOM (U+FEFF) show nothing.
    for refused in [
        "\u{202E}gnidraobno tsaF",
        "Fast\u{200B} onboarding",
        "Fast \u{2066}onboarding\u{2069}",
        "\u{FEFF}Fast onboarding",
        "Signed\nthe \u{202E}deal",
    ] {
        for rule in [
            text::TRAIT_NAME,
            text::PROFILE_NAME,
            text::NOTE,
            text::SOURCE,
            text::REASON,
        ] {
            let e = rule.parse(refused).unwrap_err();
            assert_eq!(
                e.0,
                format!(
                    "{} cannot contain invisible characters (zero-width spaces, direction overrides): type it plainly",
                    rule.what
                ),
                "{refused:?}"
            );
        }
    }
    // The joiners, selectors and tags inside an emoji stay, as in partner names; newlines stay in texts.
    let scotland = "\u{1F3F4}\u{E0067}\u{E0062}\u{E0073}\u{E0063}\u{E0074}\u{E007F}";
    for kept in [
        "Loves \u{2764}\u{FE0F} and \u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}".to_string(),
        format!("Based in {scotland}"),
        "Line one\nline two".to_string(),
        "Z\u{FC}rich office".to_string(),
        // The marks writing needs: Persian's non-joiner (`می‌خواهم`), a right-to-left mark after Hebrew.
        "\u{645}\u{6CC}\u{200C}\u{62E}\u{648}\u{627}\u{647}\u{645}".to_string(),
        "\u{5E9}\u{5DC}\u{5D5}\u{5DD}\u{200F} (shalom)".to_string(),
    ] {
        assert_eq!(text::NOTE.parse(&kept).as_deref(), Ok(kept.as_str()));
    }
    assert_eq!(
        parse_text("  x\u{202E}  ", "--user", 100).unwrap_err().0,
        "--user cannot contain invisible characters (zero-width spaces, direction overrides): type it plainly"
    );
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
