//! Unit tests of `name_index`: kept in a file of their own so the module's code stays readable.

use super::super::lookup::suggestions;
use super::*;
use proptest::prelude::*;

fn index(names: &[&str]) -> NameIndex {
    NameIndex::new(
        1,
        names
            .iter()
            .enumerate()
            .map(|(i, n)| (i as i64 + 1, n.to_string()))
            .collect(),
    )
}

#[test]
fn a_head_keeps_whole_characters_and_rules_out_only_what_cannot_start_the_key() {
    // 15 ASCII bytes then a two-byte character: the head stops before it, at 15 bytes.
    let key = "abcdefghijklmnoé suffix";
    let h = Shape::of(key);
    assert_eq!(h.head.text(), "abcdefghijklmno");
    assert_eq!(usize::from(h.key_len), key.len());
    assert_eq!(Head::of("çà ü").text(), "çà ü");
    for prefix in [
        "",
        "abc",
        "abcdefghijklmno",
        "abcdefghijklmnoé",
        "abcdefghijklmnoé suffix",
    ] {
        assert!(h.may_start_with(&Lead::of(prefix)), "{prefix}");
    }
    // A differing first byte, and a prefix longer than the key, are ruled out.
    assert!(!h.may_start_with(&Lead::of("abd")));
    assert!(!h.may_start_with(&Lead::of("abcdefghijklmnoé suffix!")));
    // Past the head nothing is ruled out: the caller compares the whole key.
    assert!(h.may_start_with(&Lead::of("abcdefghijklmnoX")));
    // A key too long for its length to be kept is never ruled out by length.
    let long = Shape::of(&"a".repeat(70_000));
    assert_eq!(long.key_len, u16::MAX);
    assert!(long.may_start_with(&Lead::of(&"a".repeat(69_000))));
    assert!(!Shape::of(&"a".repeat(100)).may_start_with(&Lead::of(&"a".repeat(200))));
}

#[test]
fn suggests_what_the_full_scan_suggests() {
    let names = [
        "Acme Corp",
        "Acme Labs",
        "Globex",
        "Initech",
        "ACME Corporation",
        "Acme",
    ];
    let i = index(&names);
    for typed in ["acme corp.", "Globx", "Zebra Holdings", "acme", "", "  "] {
        assert_eq!(
            i.suggestions(typed, 3),
            suggestions(typed, names, 3),
            "{typed:?}"
        );
    }
    // Worked out by hand for "acme corp." (10 characters): "acme corp" is inside it, Jaro (9/10 + 9/9 +
    // 1)/3 = 0.967, Winkler + 0.4 × 0.033 = 0.980; "acme" is inside it, Jaro (4/10 + 1 + 1)/3 = 0.8,
    // Winkler 0.88, raised to 0.9 for containment; "acme corporation" (16) matches 9, Jaro (9/10 + 9/16 +
    // 1)/3 = 0.821, Winkler 0.893 (no containment: "." is not "o"); "acme labs" (0.685) is too far.
    assert_eq!(
        i.suggestions("acme corp.", 3),
        ["Acme Corp", "Acme", "ACME Corporation"]
    );
    assert_eq!(i.suggestions("Globx", 1), ["Globex"]);
    assert!(i.suggestions("Zebra Holdings", 3).is_empty());
}

#[test]
fn ties_are_broken_by_name_like_the_full_scan() {
    // Every one of these contains "ab" and scores the 0.9 of containment or more.
    let names = ["xab", "abx", "aby", "zab", "ab!"];
    let i = index(&names);
    assert_eq!(i.suggestions("ab", 5), suggestions("ab", names, 5));
    assert_eq!(i.suggestions("ab", 2), suggestions("ab", names, 2));
}

#[test]
fn the_common_characters_are_bounded_by_slot() {
    let common = |a: &str, b: &str| Counts::of(a).1.common(&Counts::of(b).1);
    assert_eq!(common("aab éß", "ab"), Some(2));
    assert_eq!(common("aab éß", "aaab"), Some(3));
    assert_eq!(common("aab éß", "zzz"), Some(0));
    // é and ß share the slot of the characters outside ASCII: "éé" has 2 there, as "éß" has, where only
    // one é is in common (an upper bound, not the count).
    assert_eq!(common("aab éß", "éé x"), Some(3));
    let long = "a".repeat(300);
    assert_eq!(common(&long, "a"), None, "a saturated count gives no bound");
}

#[test]
fn the_bound_keeps_winklers_bonus_at_a_jaro_of_0_7() {
    // "éßß" is "éssss" (5 characters), "éAßAA" is "éassaa" (6): the counts have é and two s in common, so
    // Jaro is at most (3/5 + 3/6 + 1) / 3 = 0.7, which the full score rounds to just above 0.7 and raises
    // by 0.1 × 1 (the common "é") × 0.3 to 0.73.
    let (a, b) = (name_key("éßß"), name_key("éAßAA"));
    let score = similarity_of_keys(&a, &b);
    assert!((score - 0.73).abs() < 1e-12, "{score}");
    let q = Query::new(&a);
    let shape = Shape::of(&b);
    assert!(q.bound(&shape, q.counts.common(&shape.counts)) + SLACK >= score);
}

/// A name from a small alphabet with repeats, spaces, case and a few non-ASCII letters, so that random
/// rosters hold many close names, containments and ties.
fn a_name() -> impl Strategy<Value = String> {
    proptest::string::string_regex("[abcAB éß0-9]{0,12}").expect("regex")
}

/// The index of a random roster.
fn index_of(roster: &[String]) -> NameIndex {
    NameIndex::new(
        7,
        roster
            .iter()
            .enumerate()
            .map(|(k, n)| (k as i64, n.clone()))
            .collect(),
    )
}

/// The keys of the roster close to `typed_key` by the rule of names, compared with every name, sorted.
fn close_by_full_scan(roster: &[String], typed_key: &str) -> Vec<String> {
    let mut close: Vec<String> = roster
        .iter()
        .map(|n| name_key(n))
        .filter(|k| names::closeness_of_keys(typed_key, k).is_some())
        .collect();
    close.sort();
    close
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]
    #[test]
    fn the_index_answers_what_the_full_scan_answers(
        roster in proptest::collection::vec(a_name(), 0..60),
        typed in a_name(),
        n in 1usize..5,
    ) {
        let i = index_of(&roster);
        prop_assert_eq!(
            i.suggestions(&typed, n),
            suggestions(&typed, roster.iter().map(String::as_str), n)
        );
    }

    #[test]
    fn the_index_finds_the_close_names_the_full_scan_finds(
        roster in proptest::collection::vec(a_name(), 0..60),
        typed in a_name(),
    ) {
        let i = index_of(&roster);
        let typed = name_key(&typed);
        let found: Vec<String> = i.close(&typed).into_iter().map(|e| e.key.clone()).collect();
        prop_assert_eq!(found, close_by_full_scan(&roster, &typed));
    }

    #[test]
    fn near_answers_the_close_names_else_the_suggestions_of_the_full_scan(
        roster in proptest::collection::vec(a_name(), 0..60),
        typed in a_name(),
        n in 1usize..5,
    ) {
        let i = index_of(&roster);
        let key = name_key(&typed);
        let close = close_by_full_scan(&roster, &key);
        match i.near(&key, n) {
            Near::Close(found) => {
                let found: Vec<String> = found.into_iter().map(|e| e.key.clone()).collect();
                prop_assert_eq!(found, close);
            }
            Near::Like(like) => {
                prop_assert!(close.is_empty(), "close names were missed: {:?}", close);
                prop_assert_eq!(like, suggestions(&typed, roster.iter().map(String::as_str), n));
            }
        }
    }

    #[test]
    fn no_edit_distance_is_below_the_characters_not_in_common(a in a_name(), b in a_name()) {
        let (a, b) = (name_key(&a), name_key(&b));
        let longer = a.chars().count().max(b.chars().count());
        let common = Counts::of(&a).1.common(&Counts::of(&b).1).unwrap();
        prop_assert!(strsim::osa_distance(&a, &b) >= longer.saturating_sub(common));
    }

    #[test]
    fn the_bound_is_never_below_the_similarity(a in a_name(), b in a_name()) {
        let q = Query::new(&name_key(&a));
        let i = NameIndex::new(1, vec![(1, b.clone())]);
        let (shape, e) = (&i.shapes[0], &i.entries[0]);
        let common = q.counts.common(&shape.counts);
        prop_assert!(q.bound(shape, common) + SLACK >= similarity_of_keys(&q.key, &e.key));
    }

    #[test]
    fn the_heads_compare_as_the_keys_do(a in a_name(), b in a_name()) {
        let (a, b) = (name_key(&a), name_key(&b));
        let q = Query::new(&a);
        let shape = Shape::of(&b);
        // Winkler's prefix: the first characters (at most four) the two keys share.
        let by_chars = a.chars().take(4).zip(b.chars()).take_while(|(x, y)| x == y).count();
        prop_assert_eq!(q.prefix_with(&shape.head), by_chars);
        // A whole-word prefix: never ruled out when it is one.
        if b.starts_with(&a) {
            prop_assert!(shape.may_start_with(&q.lead));
        }
    }
}
