//! Names and free text as users type them: a partner's name, the comparison key that tells two names are the
//! same (lookalike letters, case, width and invisible characters folded), and the rules for other free text.

use super::{err, ParseError};
use std::fmt;

/// A partner's name: trimmed, 1 to 100 characters, no control characters, no invisible formatting
/// characters (zero-width, direction controls: they make a name look like another) but the joiners and
/// variation selectors that hold an emoji together ([`stray_invisible`]: `👨‍👩‍👧`, `❤️`), and no markdown link
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
        if stray_invisible(t).is_some() {
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

/// The first invisible character of `s` ([`is_invisible`]) that is not part of an emoji, or None. Part of an
/// emoji are: a zero-width joiner (U+200D) between two emoji, the first one possibly followed by its variation
/// selector (`👨‍👩‍👧`, `🏳️‍🌈`, `❤️‍🔥`), and a variation selector U+FE0F or U+FE0E right after an emoji (`❤️`,
/// `✌︎`) or after a digit, `#` or `*` that a keycap mark U+20E3 follows (`1️⃣`). Skin tones and the regional
/// indicators of flags (`👍🏽`, `🇩🇪`) are visible characters. Any other invisible character is stray: a joiner
/// or selector between letters, alone, at either end, doubled, or beside a letter (`Ac‍me`, `Acme️`), the
/// zero-width non-joiner anywhere, and the tags of subdivision flags. The name key drops every invisible
/// character all the same ([`name_key`]), so `👨‍👩‍👧` and `👨👩👧` are one name.
pub fn stray_invisible(s: &str) -> Option<char> {
    const ZWJ: char = '\u{200D}';
    let is_selector = |c: char| c == '\u{FE0F}' || c == '\u{FE0E}';
    let chars: Vec<char> = s.chars().collect();
    let at = |i: usize| chars.get(i).copied();
    chars.iter().enumerate().find_map(|(i, &c)| {
        if !is_invisible(c) {
            return None;
        }
        let before = i.checked_sub(1).and_then(at);
        let after = at(i + 1);
        let part_of_emoji = if c == ZWJ {
            // The emoji before may carry its variation selector (`🏳️‍🌈`).
            let emoji_before = match before {
                Some(b) if is_selector(b) => i.checked_sub(2).and_then(at),
                b => b,
            };
            emoji_before.is_some_and(is_emoji) && after.is_some_and(is_emoji)
        } else if is_selector(c) {
            before.is_some_and(|b| {
                is_emoji(b) || (matches!(b, '0'..='9' | '#' | '*') && after == Some('\u{20E3}'))
            })
        } else {
            false
        };
        (!part_of_emoji).then_some(c)
    })
}

/// Whether `c` is a pictograph drawn as an emoji (or a skin tone, or a regional indicator of a flag): Unicode's
/// extended pictographic characters, by their blocks — the emoji of Latin-1 and the general punctuation, the
/// arrows, technical and geometric symbols that have an emoji form, the miscellaneous symbols and dingbats, and
/// the pictographs of the supplementary plane (not its enclosed letters and digits, which NFKC makes letters).
/// Never a letter or a digit, so a joiner it allows cannot hide inside a word.
fn is_emoji(c: char) -> bool {
    matches!(
        u32::from(c),
        0x00A9
            | 0x00AE
            | 0x203C
            | 0x2049
            | 0x2122
            | 0x2139
            | 0x2194..=0x2199
            | 0x21A9..=0x21AA
            | 0x231A..=0x231B
            | 0x2328
            | 0x2388
            | 0x23CF
            | 0x23E9..=0x23F3
            | 0x23F8..=0x23FA
            | 0x24C2
            | 0x25AA..=0x25AB
            | 0x25B6
            | 0x25C0
            | 0x25FB..=0x25FE
            | 0x2600..=0x27BF
            | 0x2934..=0x2935
            | 0x2B05..=0x2B07
            | 0x2B1B..=0x2B1C
            | 0x2B50
            | 0x2B55
            | 0x3030
            | 0x303D
            | 0x3297
            | 0x3299
            | 0x1F000..=0x1F0FF
            | 0x1F10D..=0x1F10F
            | 0x1F12F
            | 0x1F16D..=0x1F171
            | 0x1F17E..=0x1F17F
            | 0x1F18E
            | 0x1F191..=0x1F19A
            | 0x1F1AD..=0x1F1FF
            | 0x1F201..=0x1F20F
            | 0x1F21A
            | 0x1F22F
            | 0x1F232..=0x1F23A
            | 0x1F23C..=0x1F23F
            | 0x1F249..=0x1FAFF
            | 0x1FC00..=0x1FFFD
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
        // after a digit that no keycap mark follows, or one of the other selectors; the tags of a subdivision
        // flag (U+1F3F4 U+E0067 … U+E007F).
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
            (
                "Acme \u{1F3F4}\u{E0067}\u{E0062}\u{E0065}\u{E006E}\u{E0067}\u{E007F}",
                '\u{E0067}',
            ),
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
    fn names_are_trimmed_and_bounded() {
        let n = PartnerName::parse("  Acme Corp ").unwrap();
        assert_eq!(n.as_str(), "Acme Corp");
        assert_eq!(n.key(), PartnerName::parse("ACME corp").unwrap().key());
        assert!(PartnerName::parse("   ").is_err());
        assert!(PartnerName::parse("a\u{0}b").is_err());
        assert!(PartnerName::parse(&"x".repeat(101)).is_err());
        assert!(PartnerName::parse(&"é".repeat(100)).is_ok());
    }
}
