//! Which roster names a typed name may mean — the one rule behind every partner option, the questions
//! ("does Acme fit?") and the import's check for near-duplicate partners. Names are compared by their key
//! ([`name_key`]: case, spacing and lookalike letters aside), so a name that differs from a roster name only
//! by case *is* that name; otherwise a roster name is *close* to the typed one when
//!
//! - it starts with the typed name as whole words (`Acme` → `Acme Corp`, `Acme-Labs`; not `Acm`), or
//! - it is within **typo distance**: at most [`typo_bound`] edits, an edit being one character inserted,
//!   deleted or changed, or two neighbouring characters swapped (`Acme Crop` → `Acme Corp`).
//!
//! The bound grows with the shorter of the two names: no typo is allowed under 4 characters (`IBM` and `HBM`
//! are different companies), one up to 11 characters, two from 12.

use super::name_key;

/// Names shorter than this (in characters of their key) allow no typo.
pub const TYPO_MIN_CHARS: usize = 4;
/// Names of this many characters or more allow two typos.
pub const TWO_TYPOS_CHARS: usize = 12;

/// The most edits two names may differ by and still be a typo of each other, by the length (in characters of
/// its key) of the shorter one.
pub fn typo_bound(shorter_chars: usize) -> usize {
    if shorter_chars < TYPO_MIN_CHARS {
        0
    } else if shorter_chars < TWO_TYPOS_CHARS {
        1
    } else {
        2
    }
}

/// How a roster name is close to a typed one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Closeness {
    /// Within typo distance: this many edits (at least 1).
    Typo(usize),
    /// The roster name starts with the typed name as whole words.
    Prefix,
}

/// Whether two different name keys are within typo distance: the edits between them, when 1..=bound.
fn typo_edits(a: &str, b: &str) -> Option<usize> {
    let (la, lb) = (a.chars().count(), b.chars().count());
    let bound = typo_bound(la.min(lb));
    if bound == 0 || la.abs_diff(lb) > bound {
        return None;
    }
    let d = strsim::osa_distance(a, b);
    (1..=bound).contains(&d).then_some(d)
}

/// How `roster` (a roster name) is close to `typed` (a name as a user typed it), or None when it is not (the
/// same key is not "close": it is the same name).
pub fn closeness(typed: &str, roster: &str) -> Option<Closeness> {
    closeness_of_keys(&name_key(typed), &name_key(roster))
}

/// [`closeness`] of two name keys.
pub fn closeness_of_keys(typed: &str, roster: &str) -> Option<Closeness> {
    if typed.is_empty() || typed == roster {
        return None;
    }
    if let Some(rest) = roster.strip_prefix(typed) {
        if rest.chars().next().is_some_and(|c| !c.is_alphanumeric())
            && typed.chars().last().is_some_and(char::is_alphanumeric)
        {
            return Some(Closeness::Prefix);
        }
    }
    typo_edits(typed, roster).map(Closeness::Typo)
}

/// Whether two names are within typo distance of each other (not the same name): what the import refuses
/// for a new partner unless confirmed.
pub fn within_typo_distance(a: &str, b: &str) -> bool {
    typo_edits(&name_key(a), &name_key(b)).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_are_whole_words_and_typos_are_bounded_by_length() {
        assert_eq!(closeness("Acme", "Acme Corp"), Some(Closeness::Prefix));
        assert_eq!(closeness("acme", "Acme-Labs"), Some(Closeness::Prefix));
        assert_eq!(closeness("Acme Corp", "ACME CORP"), None, "the same name");
        assert_eq!(closeness("Acm", "Acme Corp"), None, "not a whole word");
        assert_eq!(
            closeness("Acme Crop", "Acme Corp"),
            Some(Closeness::Typo(1))
        );
        assert_eq!(closeness("Globx", "Globex"), Some(Closeness::Typo(1)));
        assert_eq!(
            closeness("Initek", "Initech"),
            None,
            "two edits in 6 letters"
        );
        assert_eq!(closeness("HBM", "IBM"), None, "no typo under 4 letters");
        assert_eq!(
            closeness("Northwnd Tradrs", "Northwind Traders"),
            Some(Closeness::Typo(2))
        );
        assert_eq!(closeness("Acme Labs", "Acme Corp"), None);
        assert!(within_typo_distance("Acme Crop", "Acme Corp"));
        assert!(!within_typo_distance("Acme Corp", "acme corp"));
        assert!(!within_typo_distance("Acme", "Acme Corp"));
        assert_eq!(
            (typo_bound(3), typo_bound(4), typo_bound(11), typo_bound(12)),
            (0, 1, 1, 2)
        );
    }
}
