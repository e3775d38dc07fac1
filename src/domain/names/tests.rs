//! Tests of the name rules: closeness, typo distance, and the near-name index against comparing every pair.
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

/// The names of `names[..m]` within typo distance of `probe`, by comparing every pair exactly.
fn brute_force(names: &[String], m: usize, probe: &str) -> Vec<usize> {
    (0..m)
        .filter(|i| typo_distance(probe, &names[*i]).is_some())
        .collect()
}

/// `name` with `edits` applied: (0 insert, 1 delete, 2 change, 3 swap with the next; where; what).
fn edited(name: &str, edits: &[(u8, proptest::sample::Index, char)]) -> String {
    let mut cs: Vec<char> = name.chars().collect();
    for (op, at, c) in edits {
        match op {
            0 => cs.insert(at.index(cs.len() + 1), *c),
            1 if !cs.is_empty() => {
                cs.remove(at.index(cs.len()));
            }
            2 if !cs.is_empty() => {
                let i = at.index(cs.len());
                cs[i] = *c;
            }
            3 if cs.len() >= 2 => {
                let i = at.index(cs.len() - 1);
                cs.swap(i, i + 1);
            }
            _ => {}
        }
    }
    cs.into_iter().collect()
}

/// A name whose key is short (around the bounds of 4 and 12 characters), around [`LONG_CHARS`], long,
/// or expanded by NFKC (`ﷺ` is 18 characters, `ß` two); from small alphabets, so that many are close.
fn a_name() -> impl proptest::strategy::Strategy<Value = String> {
    use proptest::prelude::*;
    prop_oneof![
        "[abAB 1é]{0,14}",
        "[ab 1]{34,46}",
        "[abc ]{56,64}",
        "\u{FDFA}{1,2}[ab ]{0,6}",
        "ß{5,22}[ab1]{0,4}",
    ]
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig::with_cases(300))]

    /// Random rosters with near-duplicates made by one or two edits, some names given at the start and
    /// the rest added one by one: every answer is the brute force's over the names indexed so far.
    #[test]
    fn the_index_answers_what_comparing_every_pair_answers(
        bases in proptest::collection::vec(a_name(), 1..14),
        copies in proptest::collection::vec(
            (
                proptest::prelude::any::<proptest::sample::Index>(),
                proptest::collection::vec(
                    (
                        0u8..4,
                        proptest::prelude::any::<proptest::sample::Index>(),
                        proptest::sample::select(vec!['a', 'b', '1', ' ', 'é', 'ß', '\u{FDFA}']),
                    ),
                    1..=2,
                ),
            ),
            0..20,
        ),
        given in proptest::prelude::any::<proptest::sample::Index>(),
        typed in a_name(),
    ) {
        let mut names = bases.clone();
        for (of, edits) in &copies {
            names.push(edited(&bases[of.index(bases.len())], edits));
        }
        let given = given.index(names.len() + 1);
        let mut index = NearNames::new(names[..given].iter().map(String::as_str));
        for probe in names.iter().chain([&typed]) {
            let brute = brute_force(&names, given, probe);
            proptest::prop_assert_eq!(index.first_near(probe), brute.first().copied());
            proptest::prop_assert_eq!(index.near(probe), brute, "{:?}", probe);
        }
        for (m, name) in names.iter().enumerate().skip(given) {
            let brute = brute_force(&names, m, name);
            proptest::prop_assert_eq!(index.first_near(name), brute.first().copied());
            proptest::prop_assert_eq!(index.near(name), brute, "{:?}", name);
            proptest::prop_assert_eq!(index.add(name), m);
        }
        for probe in names.iter().chain([&typed]) {
            proptest::prop_assert_eq!(index.near(probe), brute_force(&names, names.len(), probe));
        }
        proptest::prop_assert!(index.entries() <= MOST_SLOTS * names.len());
    }

    /// The distance within a band is strsim's whenever that is within the band, and the typo rule of
    /// two keys' characters is [`typo_edits`].
    #[test]
    fn the_banded_distance_is_strsims_up_to_its_bound(
        a in "[abc1 ]{0,16}",
        b in "[abc1 ]{0,16}",
        k in 0usize..4,
    ) {
        let (ca, cb): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
        let d = strsim::osa_distance(&a, &b);
        proptest::prop_assert_eq!(osa_within(&ca, &cb, k), (d <= k).then_some(d));
        proptest::prop_assert_eq!(typo_edits_of_chars(&ca, &cb), typo_edits(&a, &b));
    }
}

#[test]
fn a_name_is_filed_under_a_bounded_number_of_slots_whatever_its_length() {
    for n in 0..=130 {
        let name: String = (0..n)
            .map(|i| char::from(b'a' + (i * 7 % 26) as u8))
            .collect();
        let index = NearNames::new([name.as_str()]);
        let expected = match n {
            0..=3 => 0,
            4..=11 => n + 1,
            12 => 27,
            13..=37 => n + 2,
            38 | 39 => n + 7,
            _ => PIECES,
        };
        // Slots two pieces share by chance are filed once: at most the count.
        assert!(index.entries() <= expected, "{n}: {}", index.entries());
        assert!(index.entries() + 2 >= expected, "{n}: {}", index.entries());
        assert!(index.entries() <= MOST_SLOTS, "{n}");
    }
    // A key NFKC expands to 1,800 characters: 5 slots, where deleting pairs made 1.6 million.
    let expanded = "\u{FDFA}".repeat(100);
    assert_eq!(name_key(&expanded).chars().count(), 1800);
    assert!(NearNames::new([expanded.as_str()]).entries() <= PIECES);
}

#[test]
fn a_roster_of_long_names_is_filed_in_few_entries_and_answered_exactly() {
    // 300 names of 100 letters and spaces (a generator of Knuth's), one near-duplicate of every tenth
    // by two edits, and one name NFKC expands to 1,800 characters.
    let mut state = 0x2545_f491_4f6c_dd1d_u64;
    let mut letter = move || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        b"abcdefghijklmnopqrstuvwxyz   "[(state >> 33) as usize % 29] as char
    };
    let mut names: Vec<String> = (0..300)
        .map(|_| {
            let mut n: String = (0..100).map(|_| letter()).collect();
            n.replace_range(0..1, "x");
            n.replace_range(99..100, "y");
            n
        })
        .collect();
    let expanded = "\u{FDFA}".repeat(100);
    names.push(expanded.clone());
    let index = NearNames::new(names.iter().map(String::as_str));
    // Every key is of 40 characters or more: 5 slots each (5,050 each before, 1.6 million for the last).
    assert!(
        index.entries() <= PIECES * names.len(),
        "{}",
        index.entries()
    );
    let mut typed: Vec<String> = (0..300)
        .step_by(10)
        .map(|i| {
            let mut cs: Vec<char> = names[i].chars().collect();
            cs.swap(40, 41);
            cs[70] = 'q';
            cs.into_iter().collect()
        })
        .collect();
    typed.push(format!("{}\u{FDF9}", "\u{FDFA}".repeat(99)));
    typed.push(format!("{expanded}x"));
    typed.push(names[5].clone());
    for t in &typed {
        assert_eq!(index.near(t), brute_force(&names, names.len(), t), "{t}");
    }
    assert_eq!(index.near(&typed[3]), [30]);
    assert_eq!(index.near(&format!("{expanded}x")), [300]);
    // Added one by one, as an import adds its new names: still 5 entries a name.
    let mut index = NearNames::new(names[..150].iter().map(String::as_str));
    for (m, n) in names.iter().enumerate().skip(150) {
        assert_eq!(index.add(n), m);
    }
    assert!(index.entries() <= PIECES * names.len());
    assert_eq!(index.first_near(&typed[20]), Some(200));
}

/// Every single edit of `cs` (`z` inserted or changed to, a character deleted, neighbours swapped).
fn each_edit(cs: &[char]) -> Vec<Vec<char>> {
    let mut out = Vec::new();
    for i in 0..=cs.len() {
        let mut v = cs.to_vec();
        v.insert(i, 'z');
        out.push(v);
    }
    for i in 0..cs.len() {
        let mut v = cs.to_vec();
        v.remove(i);
        out.push(v);
        let mut v = cs.to_vec();
        v[i] = 'z';
        out.push(v);
        if i + 1 < cs.len() {
            let mut v = cs.to_vec();
            v.swap(i, i + 1);
            out.push(v);
        }
    }
    out
}

#[test]
fn every_two_edits_of_a_name_are_found_either_way_round() {
    // Around each bound of the index: the whole key up to 12 characters, halves to 39, pieces from 38.
    for n in [11, 12, 13, 25, 38, 39, 41] {
        let name: String = (0..n)
            .map(|i| char::from(b"abcdefgh ijkl"[i * 5 % 13]))
            .collect();
        let filed = NearNames::new([name.as_str()]);
        let chars: Vec<char> = name.chars().collect();
        for once in each_edit(&chars) {
            for twice in each_edit(&once) {
                let typed: String = twice.iter().collect();
                let expected: Vec<usize> = typo_distance(&typed, &name)
                    .into_iter()
                    .map(|_| 0)
                    .collect();
                assert_eq!(filed.near(&typed), expected, "{name:?} typed {typed:?}");
                let mut other = NearNames::new([]);
                other.add(&typed);
                assert_eq!(other.near(&name), expected, "{typed:?} typed {name:?}");
            }
        }
    }
}
