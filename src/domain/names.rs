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

/// Finds, among many names, those within typo distance of a given one — exactly the names [`typo_distance`]
/// accepts — comparing it with few of them, in memory bounded by the number of names whatever their length.
///
/// Each name is filed under a few *slots*: hashes of pieces of its key, each with the key's digits (names
/// whose digits differ are never typos of each other). A lookup reads the slots of the typed name's own
/// pieces and compares it, exactly, only with the names filed there. Which pieces depends on the key's
/// length `n` in characters, so that two names within typo distance always share a slot. An *alignment*
/// below is a way of the distance [`typo_distance`] counts (`strsim::osa_distance`): each character kept,
/// changed, inserted or deleted, or two neighbours swapped, every step but a kept character one edit; two
/// names within typo distance differ by at most [`MOST_EDITS`] edits, hence by as many characters in length.
///
/// - **4 to 12 characters** (one typo allowed, and 12 against 11): the key, and the key with one character
///   deleted. Two keys one edit apart share such a string: a change, or a swap `xy`/`yx`, deletes that
///   character (`x`) on both sides; an insertion deletes it from the longer key only.
/// - **12 to 39 characters** (two typos; [`LONG_CHARS`] − 1): the halves of the key (its first ⌊n/2⌋
///   characters and the rest), each also with one character deleted. Cut an alignment of the typed key `a`
///   and a filed one `b` (`la`, `lb` characters) where `b` is cut, at `h` = ⌊lb/2⌋. If no swap crosses the
///   cut, the alignment is one of `b[..h]` with some `a[..g]` followed by one of `b[h..]` with `a[g..]`,
///   their edits adding up to at most 2: one side has at most one edit, so its half of `b` shares a string
///   of one deletion with its part of `a` (as above). If a swap crosses the cut (`b[h-1..h+1]` with
///   `a[g-1..g+1]`), the other edits are at most one, all on one side: the other side's half and its part
///   of `a` differ by the swapped character only, one change. Either way `s` = `g − h` and
///   `(la − g) − (lb − h)` = `la − lb − s` are the insertions minus the deletions on each side, so
///   |s| + |la − lb − s| ≤ 2, and `g` = `lb/2 − (lb mod 2)/2 + s` = `la/2 − (lb mod 2)/2 + (s − (la − lb −
///   s))/2` is within `la/2 − 3/2 ..= la/2 + 1`: `g` is ⌊la/2⌋ ± 1, `la − g` is ⌈la/2⌉ ± 1. A lookup tries
///   `a[..g]` and `a[g..]` for those 3 cuts, each with one character deleted or none, against the filed
///   left and right halves.
/// - **38 characters or more** ([`LONG_CHARS`] − 2): the key cut in [`PIECES`] = 5 pieces, piece `j` from
///   character `j·n/5` to `(j+1)·n/5`, filed with `n` and `j`. Each edit spoils at most two pieces of `b`
///   (a swap across a cut; an insertion at a cut spoils none), so two leave one piece whole: found in `a`
///   at its place in `b` shifted by the insertions minus the deletions before it, `s`, while the rest of
///   the alignment makes up the difference of lengths: |s| + |la − lb − s| ≤ 2. A lookup tries, for each
///   length `lb` = `la` ± 2 of 38 or more, each piece and each such shift (13 per piece over the 5
///   lengths), the piece's characters of `a`.
///
/// So a pair within one typo (the shorter key of 4 to 11 characters, the other of at most 12) shares a
/// slot of the first kind; a pair within two typos (both of 12 or more) of the second kind when both are
/// under 40 characters, else — the shorter within two of the longer, so both of 38 or more — of the
/// third. Slots are 32 bits of a polynomial hash modulo 2⁶¹ − 1 with a base drawn per index: a slot two
/// pieces share by chance costs one comparison more, never an answer, and no roster can be made to share
/// them (the base is not known in advance).
///
/// The bound: a name is filed under at most [`MOST_SLOTS`] = 46 slots whatever its length (at most
/// `n + 1` up to 11 characters, 27 at 12, `n + 2` up to 37, `n + 7` at 38 and 39, 5 from 40), each an
/// entry of 8 bytes (up to about 30 for a name added later), beside its key. A lookup hashes its key in time
/// linear in its length, reads at most 188 slots (13 of the whole key up to 12 characters, `3·la + 6` of
/// halves from 12 to 39, 65 of pieces from 38), and compares each name filed there in time linear in
/// their lengths (the distance computed within [`MOST_EDITS`] of its table's diagonal). Only
/// names sharing a piece with it are compared: at worst — a roster of names all sharing a half or a fifth
/// with the typed one — each indexed name once. Deleting every pair of characters instead, as this index
/// did, filed a 100-character name under 5,050 entries, and a key NFKC expands to 1,800 characters under
/// 1.6 million.
#[derive(Debug)]
pub struct NearNames {
    /// The base of the slots' polynomial hash, drawn for this index.
    base: u64,
    /// The name keys, by index.
    keys: Vec<String>,
    /// (slot, index), sorted: the names given at the start.
    sorted: Vec<(u32, u32)>,
    /// Where in `sorted` the slots of each value of their first `32 − shift` bits start (and, last, its
    /// end): a lookup searches a few entries, not the whole table.
    starts: Vec<u32>,
    shift: u32,
    /// The names added later, by slot: the slot's last entry in `chain`.
    added: std::collections::HashMap<u32, u32, std::hash::BuildHasherDefault<SlotHasher>>,
    /// The entries of the names added later: (index, the slot's entry before it, or [`NO_ENTRY`]).
    chain: Vec<(u32, u32)>,
}

/// Keys of this many characters or more are filed by their five pieces only (see [`NearNames`]): halves
/// of 20 characters cost 40 slots a name and 120 lookups, where pieces are still 7 characters or more.
pub const LONG_CHARS: usize = 40;

/// The most edits two names within typo distance differ by: [`typo_bound`] from [`TWO_TYPOS_CHARS`].
pub const MOST_EDITS: usize = 2;

/// The pieces of a long key: each edit spoils at most two, so `2 × MOST_EDITS + 1` keep one whole.
pub const PIECES: usize = 2 * MOST_EDITS + 1;

/// The most slots [`NearNames`] files one name under, whatever its length (`n + 2` halves and 5 pieces at
/// 39 characters).
pub const MOST_SLOTS: usize = LONG_CHARS + 1 + 5;

/// Hashes a slot as itself (spread over 64 bits): slots are random already, their base drawn per index.
#[derive(Debug, Default, Clone, Copy)]
struct SlotHasher(u64);

impl std::hash::Hasher for SlotHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 ^ u64::from(*b)).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        }
    }

    fn write_u32(&mut self, slot: u32) {
        self.0 = u64::from(slot).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    }
}

/// The end of a slot's chain in [`NearNames::chain`].
const NO_ENTRY: u32 = u32::MAX;

/// The prime modulus of the slots' polynomial hash.
const MODULUS: u64 = (1 << 61) - 1;

fn add_mod(a: u64, b: u64) -> u64 {
    let s = a + b;
    if s >= MODULUS {
        s - MODULUS
    } else {
        s
    }
}

fn mul_mod(a: u64, b: u64) -> u64 {
    let p = u128::from(a) * u128::from(b);
    add_mod((p as u64) & MODULUS, (p >> 61) as u64)
}

/// The polynomial hashes of a key's prefixes, from which any piece's hash, with or without one of its
/// characters, takes constant time. The hash of `s` is Σ (s[t] + 1)·base^(|s|−1−t) mod [`MODULUS`]: it
/// depends on the characters only, however computed.
struct Rolling {
    /// `prefix[i]`: the hash of the first `i` characters.
    prefix: Vec<u64>,
    /// `power[i]`: base^i.
    power: Vec<u64>,
}

impl Rolling {
    fn new(chars: &[char], base: u64) -> Rolling {
        let mut prefix = Vec::with_capacity(chars.len() + 1);
        let mut power = Vec::with_capacity(chars.len() + 1);
        let (mut h, mut p) = (0, 1);
        prefix.push(h);
        power.push(p);
        for c in chars {
            h = add_mod(mul_mod(h, base), u64::from(*c) + 1);
            p = mul_mod(p, base);
            prefix.push(h);
            power.push(p);
        }
        Rolling { prefix, power }
    }

    /// The hash of characters `x..y`.
    fn of(&self, x: usize, y: usize) -> u64 {
        let high = mul_mod(self.prefix[x], self.power[y - x]);
        add_mod(self.prefix[y], MODULUS - high)
    }

    /// The hash of characters `x..y` without character `d` (x ≤ d < y).
    fn without(&self, x: usize, y: usize, d: usize) -> u64 {
        add_mod(
            mul_mod(self.of(x, d), self.power[y - d - 1]),
            self.of(d + 1, y),
        )
    }
}

/// What a slot holds: a piece of the whole key (`WHOLE`), of its first half (`LEFT`), of its second
/// (`RIGHT`), or piece `j` of a key of `n` characters (`piece_kind(n, j)`).
const WHOLE: u64 = 1;
const LEFT: u64 = 2;
const RIGHT: u64 = 3;

fn piece_kind(n: usize, j: usize) -> u64 {
    4 + (n * PIECES + j) as u64
}

/// Where piece `j` of a key of `n` characters starts and ends.
fn piece(n: usize, j: usize) -> (usize, usize) {
    (j * n / PIECES, (j + 1) * n / PIECES)
}

/// A slot: 32 bits of a piece's hash mixed with its kind and the key's digits (SplitMix64's finalizer).
fn slot(hash: u64, kind: u64, digits: u64) -> u32 {
    let mut z = hash ^ kind.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ digits.rotate_left(29);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    ((z ^ (z >> 31)) >> 32) as u32
}

/// Whether a lookup (`Sought`) or the filing of a name (`Filed`) wants a key's slots.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Slots {
    Filed,
    Sought,
}

/// The OSA distance of `a` and `b`, counted as `strsim::osa_distance` counts it, when it is at most `k`:
/// its table computed only within `k` of the diagonal, every cell capped at `k + 1`. A cell off those
/// diagonals is more than `k` (reaching cell (i, j) takes |i − j| insertions or deletions), so the capped
/// value of every cell, hence the answer, is the full table's. It stops at two rows all over `k`: every
/// way to the last cell goes through one of them (a swap skips one row, never two), and a way's edits only
/// add up.
fn osa_within(a: &[char], b: &[char], k: usize) -> Option<usize> {
    let (la, lb) = (a.len(), b.len());
    if la.abs_diff(lb) > k {
        return None;
    }
    let (cap, width) = (k + 1, 2 * k + 1);
    let mut d = vec![cap; (la + 1) * width];
    let at = |i: usize, j: usize| i * width + (j + k - i);
    let get = |d: &[usize], i: usize, j: usize| {
        if i.abs_diff(j) > k {
            cap
        } else {
            d[at(i, j)]
        }
    };
    let mut above_over = false;
    for i in 0..=la {
        let mut row_over = true;
        for j in i.saturating_sub(k)..=(i + k).min(lb) {
            let v = if i == 0 {
                j
            } else if j == 0 {
                i
            } else {
                let cost = usize::from(a[i - 1] != b[j - 1]);
                let mut v = (get(&d, i - 1, j - 1) + cost)
                    .min(get(&d, i - 1, j) + 1)
                    .min(get(&d, i, j - 1) + 1);
                if i > 1
                    && j > 1
                    && a[i - 1] != b[j - 1]
                    && a[i - 1] == b[j - 2]
                    && b[j - 1] == a[i - 2]
                {
                    v = v.min(get(&d, i - 2, j - 2) + 1);
                }
                v
            };
            d[at(i, j)] = v.min(cap);
            row_over &= v > k;
        }
        if row_over && above_over {
            return None;
        }
        above_over = row_over;
    }
    let v = d[at(la, lb)];
    (v <= k).then_some(v)
}

/// [`typo_edits`] of two keys' characters, the distance computed only up to its bound ([`osa_within`]).
fn typo_edits_of_chars(a: &[char], b: &[char]) -> Option<usize> {
    let (la, lb) = (a.len(), b.len());
    let bound = typo_bound(la.min(lb));
    if bound == 0 || la.abs_diff(lb) > bound {
        return None;
    }
    let digit = |c: &&char| c.is_ascii_digit();
    if !a.iter().filter(digit).eq(b.iter().filter(digit)) {
        return None;
    }
    osa_within(a, b, bound).filter(|d| *d >= 1)
}

impl NearNames {
    /// An index of `names` (their indexes are their positions).
    pub fn new<'a>(names: impl IntoIterator<Item = &'a str>) -> NearNames {
        use std::hash::BuildHasher;
        let drawn = std::collections::hash_map::RandomState::new().hash_one(0x6e65_6172_u64);
        let mut near = NearNames {
            base: 256 + drawn % (MODULUS - 512),
            keys: Vec::new(),
            sorted: Vec::new(),
            starts: Vec::new(),
            shift: 0,
            added: Default::default(),
            chain: Vec::new(),
        };
        for name in names {
            let i = near.keys.len() as u32;
            let key = name_key(name);
            let chars: Vec<char> = key.chars().collect();
            near.sorted
                .extend(near.slots(&chars, Slots::Filed).into_iter().map(|h| (h, i)));
            near.keys.push(key);
        }
        near.sorted.sort_unstable();
        near.sorted.shrink_to_fit();
        // About one entry a start, up to 2^16 starts (256 KB).
        let bits = near.sorted.len().max(2).ilog2().min(16);
        near.shift = 32 - bits;
        near.starts = vec![0; (1 << bits) + 1];
        for (h, _) in &near.sorted {
            near.starts[(h >> near.shift) as usize + 1] += 1;
        }
        for b in 1..near.starts.len() {
            near.starts[b] += near.starts[b - 1];
        }
        near
    }

    /// Add a name; returns its index.
    pub fn add(&mut self, name: &str) -> usize {
        let i = self.keys.len();
        let key = name_key(name);
        let chars: Vec<char> = key.chars().collect();
        for h in self.slots(&chars, Slots::Filed) {
            let last = self.added.entry(h).or_insert(NO_ENTRY);
            self.chain.push((i as u32, *last));
            *last = (self.chain.len() - 1) as u32;
        }
        self.keys.push(key);
        i
    }

    /// The indexes of the names within typo distance of `name` (not the same name), smallest first.
    pub fn near(&self, name: &str) -> Vec<usize> {
        let key: Vec<char> = name_key(name).chars().collect();
        let mut other = Vec::new();
        self.candidates(&key)
            .into_iter()
            .filter(|i| self.is_near(&key, *i, &mut other))
            .collect()
    }

    /// The smallest index of [`NearNames::near`], comparing no name after it.
    pub fn first_near(&self, name: &str) -> Option<usize> {
        let key: Vec<char> = name_key(name).chars().collect();
        let mut other = Vec::new();
        self.candidates(&key)
            .into_iter()
            .find(|i| self.is_near(&key, *i, &mut other))
    }

    /// The entries the index holds (the slots of every name): at most [`MOST_SLOTS`] a name.
    pub fn entries(&self) -> usize {
        self.sorted.len() + self.chain.len()
    }

    /// Whether name `i` is within typo distance of `key` (`other`: room for its characters).
    fn is_near(&self, key: &[char], i: usize, other: &mut Vec<char>) -> bool {
        other.clear();
        other.extend(self.keys[i].chars());
        typo_edits_of_chars(key, other).is_some()
    }

    /// The indexes of the names filed under a slot of `key`'s lookup, smallest first.
    fn candidates(&self, key: &[char]) -> Vec<usize> {
        let mut found: Vec<u32> = Vec::new();
        for h in self.slots(key, Slots::Sought) {
            let b = (h >> self.shift) as usize;
            let bucket = &self.sorted[self.starts[b] as usize..self.starts[b + 1] as usize];
            let start = bucket.partition_point(|(x, _)| *x < h);
            found.extend(
                bucket[start..]
                    .iter()
                    .take_while(|(x, _)| *x == h)
                    .map(|(_, i)| *i),
            );
            let mut at = self.added.get(&h).copied().unwrap_or(NO_ENTRY);
            while at != NO_ENTRY {
                let (i, before) = self.chain[at as usize];
                found.push(i);
                at = before;
            }
        }
        found.sort_unstable();
        found.dedup();
        found.into_iter().map(|i| i as usize).collect()
    }

    /// The slots of a key (its characters), as [`NearNames`] says: those it is filed under, or those a
    /// lookup of it reads; sorted, each once. None for a key too short to have typos.
    fn slots(&self, key: &[char], wanted: Slots) -> Vec<u32> {
        let n = key.len();
        let mut out = Vec::new();
        if n < TYPO_MIN_CHARS {
            return out;
        }
        let rolling = Rolling::new(key, self.base);
        let digits = key
            .iter()
            .filter(|c| c.is_ascii_digit())
            .fold(0, |h, c| add_mod(mul_mod(h, self.base), u64::from(*c)));
        let mut put = |hash: u64, kind: u64| out.push(slot(hash, kind, digits));
        // The characters `x..y`, and each string of them without one.
        let each_variant = |x: usize, y: usize, kind: u64, put: &mut dyn FnMut(u64, u64)| {
            put(rolling.of(x, y), kind);
            for d in x..y {
                put(rolling.without(x, y, d), kind);
            }
        };
        if n <= TWO_TYPOS_CHARS {
            each_variant(0, n, WHOLE, &mut put);
        }
        if (TWO_TYPOS_CHARS..LONG_CHARS).contains(&n) {
            let (low, high) = (n / 2, n - n / 2);
            match wanted {
                Slots::Filed => {
                    each_variant(0, low, LEFT, &mut put);
                    each_variant(low, n, RIGHT, &mut put);
                }
                Slots::Sought => {
                    for g in low - 1..=low + 1 {
                        each_variant(0, g, LEFT, &mut put);
                    }
                    for len in high - 1..=high + 1 {
                        each_variant(n - len, n, RIGHT, &mut put);
                    }
                }
            }
        }
        if n >= LONG_CHARS - MOST_EDITS {
            match wanted {
                Slots::Filed => {
                    for j in 0..PIECES {
                        let (x, y) = piece(n, j);
                        put(rolling.of(x, y), piece_kind(n, j));
                    }
                }
                Slots::Sought => {
                    let most = MOST_EDITS as isize;
                    for filed in n - MOST_EDITS..=n + MOST_EDITS {
                        if filed < LONG_CHARS - MOST_EDITS {
                            continue;
                        }
                        let longer = n as isize - filed as isize;
                        for j in 0..PIECES {
                            let (x, y) = piece(filed, j);
                            for shift in -most..=most {
                                let start = x as isize + shift;
                                let end = start + (y - x) as isize;
                                if shift.abs() + (longer - shift).abs() > most
                                    || start < 0
                                    || end > n as isize
                                {
                                    continue;
                                }
                                put(
                                    rolling.of(start as usize, end as usize),
                                    piece_kind(filed, j),
                                );
                            }
                        }
                    }
                }
            }
        }
        out.sort_unstable();
        out.dedup();
        out
    }
}

#[cfg(test)]
mod tests;
