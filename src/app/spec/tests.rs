//! Unit tests of `spec`: kept in a file of their own so the module's code stays readable.

use super::*;
use crate::domain::PartnerType;

#[test]
fn discord_limits_hold_for_every_command() {
    let name_ok = |s: &str| {
        !s.is_empty()
            && s.len() <= 32
            && s.chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
    };
    for c in COMMANDS {
        assert!(c.path.iter().all(|p| name_ok(p)), "{:?}", c.path);
        assert!(
            !c.description.is_empty() && c.description.chars().count() <= 100,
            "{}",
            c.name()
        );
        assert!(c.options.len() <= 25);
        let mut seen_optional = false;
        for o in c.options {
            assert!(name_ok(o.name), "{}", o.name);
            assert!(o.description.chars().count() <= 100, "{}", o.description);
            // Discord requires required options before optional ones.
            assert!(
                !(o.required && seen_optional),
                "{}: {} after an optional",
                c.name(),
                o.name
            );
            seen_optional |= !o.required;
        }
        for depth in 1..c.path.len() {
            assert!(
                group_description(&c.path[..depth]).is_some(),
                "group {:?}",
                &c.path[..depth]
            );
        }
    }
}

#[test]
fn paths_are_unique_and_findable() {
    for c in COMMANDS {
        assert!(find(c.path).is_some_and(|f| std::ptr::eq(f, c)));
        assert_eq!(COMMANDS.iter().filter(|d| d.path == c.path).count(), 1);
    }
    assert!(find(&["Profile", "TRAIT", "add"]).is_some());
    assert!(find(&["profile"]).is_none());
}

#[test]
fn each_handler_reads_exactly_the_declared_options() {
    for c in COMMANDS {
        let mut declared: Vec<&str> = c.options.iter().map(|o| o.name).collect();
        let mut read: Vec<&str> = (c.handler.reads)().to_vec();
        declared.sort_unstable();
        read.sort_unstable();
        assert_eq!(read, declared, "/{}", c.name());
    }
}

#[test]
fn vocabularies_come_from_the_domain() {
    let choices = |path: &[&str], name: &str| match find(path).and_then(|c| c.option(name)) {
        Some(Opt {
            kind: Kind::Choice(values),
            ..
        }) => values.to_vec(),
        other => panic!("{path:?} {name}: {other:?}"),
    };
    assert_eq!(
        choices(&["partner", "list"], "stage"),
        ["prospect", "signed", "dropped"]
    );
    assert_eq!(
        choices(&["partner", "list"], "verdict"),
        ["fit", "near-fit", "incomplete", "walk-away"]
    );
    assert_eq!(
        choices(&["outcome", "add"], "kind"),
        ["sourced-pipeline", "registered-deal", "closed-won"]
    );
    assert_eq!(
        choices(&["settings", "set"], "key"),
        [
            "timezone",
            "max_misses",
            "allocation_target",
            "evidence_max_age_days",
            "min_group",
            "alpha",
            "currency"
        ]
    );
    // The type option's description names every type, in the domain's order.
    assert_eq!(
        TYPE.description,
        format!(
            "Partner type: {} or {}",
            PartnerType::NAMES[..PartnerType::NAMES.len() - 1].join(", "),
            PartnerType::NAMES[PartnerType::NAMES.len() - 1]
        )
    );
    assert_eq!(PARTNER.kind.max_chars(), 100);
}

#[test]
fn slow_commands_are_acknowledged_first() {
    let deferred = |path: &[&str], post: Option<&str>| {
        let mut inv = Invocation::new(path);
        if let Some(p) = post {
            inv = inv.with("post", p);
        }
        find(path).and_then(|c| c.deferred(&inv))
    };
    assert_eq!(deferred(&["screen"], None), None);
    assert_eq!(deferred(&["digest", "weekly"], None), Some(true));
    assert_eq!(deferred(&["digest", "weekly"], Some("true")), Some(false));
    assert_eq!(
        deferred(&["digest", "quarterly"], Some("true")),
        Some(false)
    );
    assert_eq!(deferred(&["export"], None), Some(true));
    assert_eq!(deferred(&["import"], None), Some(false));
    let slow: Vec<String> = COMMANDS
        .iter()
        .filter(|c| c.answer != Answer::Now)
        .map(|c| c.name())
        .collect();
    assert_eq!(
        slow,
        ["digest weekly", "digest quarterly", "export", "import"]
    );
}

#[test]
fn a_digest_is_posted_in_public_whatever_yes_it_is_typed_as() {
    // `post` is parsed like the digest commands' input parses it: the domain's yes/no.
    let private = |path: &[&str], post: &str| {
        let inv = Invocation::new(path).with(POST.name, post);
        find(path).and_then(|c| c.deferred(&inv))
    };
    for path in [&["digest", "weekly"][..], &["digest", "quarterly"]] {
        for yes in ["true", "yes", "YES", " y ", "1"] {
            assert_eq!(private(path, yes), Some(false), "{path:?} post:{yes}");
        }
        for no in ["false", "no", "n", "0", ""] {
            assert_eq!(private(path, no), Some(true), "{path:?} post:{no}");
        }
        // A value the command refuses is answered privately, like the refusal.
        assert_eq!(private(path, "maybe"), Some(true), "{path:?}");
    }
}
