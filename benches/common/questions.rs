//! What the scale and curve benches ask of a generated workspace, in one place: the typed autocomplete prefixes,
//! the names not on the roster, and how many suggestions each prefix must get, counted here from every name.

use partnerfit::domain::name_key;

/// Suggestions autocomplete gives at most.
pub const SUGGESTIONS: i64 = 25;

/// Typed autocomplete prefixes, in turn: some fill the 25 suggestions from the key range, some go on to the
/// names containing the text.
pub const PREFIXES: [&str; 6] = [
    "acme",
    "globex s",
    "data lab",
    "q",
    "north net",
    "wonka works 0",
];

/// Names not on the generated roster, in turn: `/screen` answers with the closest names and the traits to
/// check. A new company, names with typos too far from any one roster name to be taken for it, and a roster
/// name with a word added.
pub const UNKNOWN: [&str; 4] = [
    "Zenith Holdings",
    "Acme Systms",
    "Hooli Labz",
    "Globex Analytics International",
];

/// How many names autocomplete must suggest for each of [`PREFIXES`], given every name of the workspace: the
/// keys that contain it, at most [`SUGGESTIONS`] (names are drawn at random, so a small workspace may have none
/// for some prefix).
pub fn suggested<'a>(names: impl IntoIterator<Item = &'a str>) -> [usize; PREFIXES.len()] {
    let keys: Vec<String> = names.into_iter().map(name_key).collect();
    PREFIXES.map(|p| {
        keys.iter()
            .filter(|k| k.contains(p))
            .count()
            .min(SUGGESTIONS as usize)
    })
}
