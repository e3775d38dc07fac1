//! Names and free text as users type them: a partner's name, the comparison key that tells two names are the
//! same (lookalike letters, case, width and invisible characters folded), and the rules for other free text.

use super::{err, ParseError};
use std::fmt;

/// A partner's name: trimmed, 1 to 100 characters, no control characters, no invisible formatting
/// characters (zero-width, direction controls: they make a name look like another) but the joiners,
/// variation selectors and tags that hold an emoji together ([`stray_invisible`]: `👨‍👩‍👧`, `❤️`, `🏴󠁧󠁢󠁳󠁣󠁴󠁿`), and no
/// markdown link syntax (a chat would show `[Acme](https://…)` as a link that reads "Acme").
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
/// invisible characters removed but the tags of a subdivision flag ([`flag_tags`]: they tell `🏴󠁧󠁢󠁳󠁣󠁴󠁿` from
/// `🏴󠁧󠁢󠁥󠁮󠁧󠁿` as two regional indicators tell `🇩🇪` from `🇫🇷`), letters of other scripts drawn like Latin ones
/// taken as those ([`latin_lookalike`]: Cyrillic `А`, Greek `Ο`…), runs of white space made one space, and
/// trimmed. So `ＡＣＭＥ Corp`, `acme  corp`, `Acme Corp` with a zero-width space and `Аcme Corp` with a Cyrillic
/// `А` are all "already on the roster" beside `Acme Corp`.
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
    // The tags of a subdivision flag stay (NFKC leaves the flag and its tags as they are); only a name with a
    // black flag can have them, so the others are normalized once, as before.
    let kept = if s.contains(BLACK_FLAG) {
        flag_tags(&s.nfkc().collect::<Vec<char>>())
    } else {
        Vec::new()
    };
    let folded: String = s
        .nfkc()
        .enumerate()
        .filter(|(i, c)| kept.get(*i) == Some(&true) || !is_invisible(*c))
        .map(|(_, c)| c)
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
/// upper case `В` is a Latin `B`), Greek `ο`, `ν`, the dotless `ı`… — as that ASCII (lower case), and one drawn
/// like ASCII with accents — Cyrillic `ё`, `ї`, `ӧ`, `ӓ`, `ӱ`, `ѐ` — as that ASCII with the same combining
/// marks (which the key's last NFKC composes: `ё` is then the Latin `ë`): its prototype in Unicode's table of
/// confusable characters (UTS #39, through `unicode-security`, which decomposes the accents first), for the
/// letter or else for its upper case, taken only when the prototype is plain ASCII, or ASCII and combining
/// marks (an ASCII character first). ASCII itself is left alone (so `rn` and `m`, `l` and `1`, stay apart), and a mark is never
/// dropped: a Latin letter with an accent is its own prototype (`ü` stays `ü`, apart from `u`), and letters
/// with no ASCII lookalike stay as they are (`δ`, `ж`). A function of the folded letter, so the key stays
/// blind to case in every script (`ВЕКТОР` and `Вектор` share it).
fn latin_lookalike(l: char) -> Option<String> {
    use unicode_normalization::char::is_combining_mark;
    if l.is_ascii() {
        return None;
    }
    let upper: String = l.to_uppercase().collect();
    [l.to_string(), upper].iter().find_map(|form| {
        let proto: String = unicode_security::skeleton(form).collect();
        let mut chars = proto.chars();
        let lookalike = chars.next().is_some_and(|c| c.is_ascii_graphic())
            && chars.all(|c| c.is_ascii_graphic() || is_combining_mark(c));
        lookalike.then(|| proto.to_ascii_lowercase())
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
/// `✌︎`) or after a digit, `#` or `*` that a keycap mark U+20E3 follows (`1️⃣`), and the tags of a subdivision
/// flag ([`flag_tags`]: `🏴󠁧󠁢󠁳󠁣󠁴󠁿`). Skin tones and the regional indicators of flags (`👍🏽`, `🇩🇪`) are visible
/// characters. Any other invisible character is stray: a joiner or selector between letters, alone, at either
/// end, doubled, or beside a letter (`Ac‍me`, `Acme️`), the zero-width non-joiner anywhere, and a tag anywhere
/// but in a whole flag (alone, after another character than the black flag, without its cancel tag). The name
/// key drops every invisible character but a flag's tags all the same ([`name_key`]), so `👨‍👩‍👧` and `👨👩👧` are
/// one name.
pub fn stray_invisible(s: &str) -> Option<char> {
    const ZWJ: char = '\u{200D}';
    let is_selector = |c: char| c == '\u{FE0F}' || c == '\u{FE0E}';
    let chars: Vec<char> = s.chars().collect();
    let at = |i: usize| chars.get(i).copied();
    let in_flag = if s.contains(BLACK_FLAG) {
        flag_tags(&chars)
    } else {
        Vec::new()
    };
    chars.iter().enumerate().find_map(|(i, &c)| {
        if !is_invisible(c) || in_flag.get(i) == Some(&true) {
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

/// The waving black flag U+1F3F4, which the tags of a subdivision flag follow.
const BLACK_FLAG: char = '\u{1F3F4}';

/// For each of `chars`, whether it is a tag of a subdivision flag (an emoji tag sequence): the black flag
/// U+1F3F4, then one or more tag characters U+E0020–U+E007E, then the cancel tag U+E007F, which is a tag of
/// the flag too (`🏴󠁧󠁢󠁳󠁣󠁴󠁿` is U+1F3F4, the tags `g b s c t`, U+E007F). The flag itself is visible and not marked.
/// A tag anywhere else is not marked: alone, after any other character, in a run the cancel tag does not end,
/// the cancel tag with no tag before it, or after a whole flag.
fn flag_tags(chars: &[char]) -> Vec<bool> {
    const CANCEL_TAG: char = '\u{E007F}';
    let is_tag = |c: &char| ('\u{E0020}'..='\u{E007E}').contains(c);
    let mut in_flag = vec![false; chars.len()];
    let mut i = 0;
    while i < chars.len() {
        if chars.get(i) == Some(&BLACK_FLAG) {
            let tags = chars.iter().skip(i + 1).take_while(|c| is_tag(c)).count();
            let cancel = i + 1 + tags;
            if tags > 0 && chars.get(cancel) == Some(&CANCEL_TAG) {
                for mark in in_flag.iter_mut().take(cancel + 1).skip(i + 1) {
                    *mark = true;
                }
                i = cancel + 1;
                continue;
            }
        }
        i += 1;
    }
    in_flag
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
    /// Trimmed, at most `max` characters, no control characters but newlines, no stray invisible characters
    /// ([`parse_text`]).
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

/// The invisible characters a free text may hold ([`parse_text`]): zero-width non-joiner and joiner (Persian,
/// the Indic scripts), the left-to-right and right-to-left marks and the Arabic letter mark.
pub const WRITING_MARKS: [char; 5] = ['\u{200C}', '\u{200D}', '\u{200E}', '\u{200F}', '\u{061C}'];

/// A short free-text field (trait and profile names, sources, notes, reasons…): trimmed, bounded, no control
/// characters but newlines, and no invisible characters but those inside an emoji, as a partner name
/// ([`stray_invisible`]: a direction override or a zero-width space would make a trait name read as another,
/// or a note read otherwise than it is) — except the marks that writing needs ([`WRITING_MARKS`]: the
/// joiners of Persian and Indic scripts, the direction marks of Arabic and Hebrew), which reorder nothing but
/// neutral characters and which a name's key leaves out anyway.
pub fn parse_text(s: &str, what: &str, max_chars: usize) -> Result<String, ParseError> {
    let t = s.trim();
    if t.chars().any(|c| c.is_control() && c != '\n') {
        return err(format!("{what} cannot contain control characters"));
    }
    let stray = if t.contains(WRITING_MARKS) {
        stray_invisible(&t.replace(WRITING_MARKS, ""))
    } else {
        stray_invisible(t)
    };
    if stray.is_some() {
        return err(format!(
            "{what} cannot contain invisible characters (zero-width spaces, direction overrides): type it plainly"
        ));
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
mod tests;
