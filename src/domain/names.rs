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
//! are different companies), one up to 11 characters, two from 12. Names whose digits differ are never typos
//! of each other (`Partner 01` and `Partner 02`, `Studio 54` and `Studio 55` are different partners).

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
    let digits = |s: &str| s.chars().filter(char::is_ascii_digit).collect::<Vec<_>>();
    if digits(a) != digits(b) {
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
    typo_distance(a, b).is_some()
}

/// The edits between two names when they are within typo distance of each other (not the same name).
pub fn typo_distance(a: &str, b: &str) -> Option<usize> {
    typo_edits(&name_key(a), &name_key(b))
}

/// Finds, among many names, those within typo distance of a given one without comparing it to every name:
/// two names within `k` edits share a string obtained by deleting at most `k` characters from each (a
/// swap of neighbours is one deletion on each side), so each name is filed under the hashes of its
/// deletions (one level for names of 4 to 11 characters, two from 12) and a lookup checks only the names
/// filed under its own deletions' hashes, with the exact distance.
#[derive(Debug, Default)]
pub struct NearNames {
    /// The name keys, by index.
    keys: Vec<String>,
    /// (hash of a deletion variant, index), sorted: the names given at the start.
    sorted: Vec<(u32, u32)>,
    /// The same for names added later, by hash.
    added: std::collections::HashMap<u32, Vec<u32>>,
}

/// The hashes of `key` and of the strings made by deleting up to one character (two for names of
/// [`TWO_TYPOS_CHARS`] or more); none for names too short to have typos.
fn variant_hashes(key: &str) -> Vec<u32> {
    use std::hash::{Hash, Hasher};
    let chars: Vec<char> = key.chars().collect();
    let n = chars.len();
    let depth = typo_bound(n);
    let mut out = Vec::new();
    if depth == 0 {
        return out;
    }
    let hash = |skip: &[usize]| {
        let mut h = std::collections::hash_map::DefaultHasher::new();
        for (i, c) in chars.iter().enumerate() {
            if !skip.contains(&i) {
                c.hash(&mut h);
            }
        }
        h.finish() as u32
    };
    out.push(hash(&[]));
    for i in 0..n {
        out.push(hash(&[i]));
        if depth >= 2 {
            for j in i + 1..n {
                out.push(hash(&[i, j]));
            }
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}

impl NearNames {
    /// An index of `names` (their indexes are their positions).
    pub fn new<'a>(names: impl IntoIterator<Item = &'a str>) -> NearNames {
        let mut near = NearNames::default();
        for name in names {
            let i = near.keys.len() as u32;
            let key = name_key(name);
            near.sorted
                .extend(variant_hashes(&key).into_iter().map(|h| (h, i)));
            near.keys.push(key);
        }
        near.sorted.sort_unstable();
        near
    }

    /// Add a name; returns its index.
    pub fn add(&mut self, name: &str) -> usize {
        let i = self.keys.len();
        let key = name_key(name);
        for h in variant_hashes(&key) {
            self.added.entry(h).or_default().push(i as u32);
        }
        self.keys.push(key);
        i
    }

    /// The indexes of the names within typo distance of `name` (not the same name), smallest first.
    pub fn near(&self, name: &str) -> Vec<usize> {
        let key = name_key(name);
        let mut found: Vec<u32> = Vec::new();
        for h in variant_hashes(&key) {
            let start = self.sorted.partition_point(|(x, _)| *x < h);
            found.extend(
                self.sorted[start..]
                    .iter()
                    .take_while(|(x, _)| *x == h)
                    .map(|(_, i)| *i),
            );
            if let Some(is) = self.added.get(&h) {
                found.extend(is);
            }
        }
        found.sort_unstable();
        found.dedup();
        found
            .into_iter()
            .map(|i| i as usize)
            .filter(|i| typo_edits(&key, &self.keys[*i]).is_some())
            .collect()
    }
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
        assert_eq!(closeness("Partner 01", "Partner 02"), None, "digits differ");
        assert_eq!(
            closeness("Partner 0l", "Partner 01"),
            None,
            "a digit is not a letter"
        );
        assert_eq!(
            closeness("Parnter 01", "Partner 01"),
            Some(Closeness::Typo(1))
        );
        assert!(within_typo_distance("Acme Crop", "Acme Corp"));
        assert!(!within_typo_distance("Acme Corp", "acme corp"));
        assert!(!within_typo_distance("Acme", "Acme Corp"));
        assert_eq!(
            (typo_bound(3), typo_bound(4), typo_bound(11), typo_bound(12)),
            (0, 1, 1, 2)
        );
    }

    #[test]
    fn the_index_finds_what_comparing_every_pair_finds() {
        let roster = [
            "Acme Corp",
            "Globex",
            "IBM",
            "Northwind Traders",
            "Initech",
            "Acme Consulting",
        ];
        let mut near = NearNames::new(roster);
        assert_eq!(near.near("Acme Crop"), [0]);
        assert_eq!(near.near("acme corp"), Vec::<usize>::new(), "the same name");
        assert_eq!(near.near("Glbex"), [1]);
        assert_eq!(near.near("HBM"), Vec::<usize>::new());
        assert_eq!(near.near("Nortwind Tradrs"), [3], "two edits in 15");
        assert_eq!(near.near("Acme Consluting"), [5]);
        let added = near.add("Hooli XYZ");
        assert_eq!((added, near.near("Hooli XZY")), (6, vec![6]));
        // Against brute force on every pair of a few hundred generated names.
        let names: Vec<String> = (0..300)
            .map(|i| {
                let base = [
                    "Acme",
                    "Globex",
                    "Northwind Traders",
                    "Initech",
                    "Umbrella Health",
                ];
                let mut n = format!("{} {}", base[i % 5], i / 7);
                if i % 3 == 0 {
                    n.insert(2, 'x');
                }
                n
            })
            .collect();
        let index = NearNames::new(names.iter().map(String::as_str));
        for probe in &names {
            let brute: Vec<usize> = names
                .iter()
                .enumerate()
                .filter(|(_, n)| within_typo_distance(probe, n))
                .map(|(i, _)| i)
                .collect();
            assert_eq!(index.near(probe), brute, "{probe}");
        }
    }
}
