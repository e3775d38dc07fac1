//! Unit tests of `cli`: kept in a file of their own so the module's code stays readable.

use super::*;

#[test]
fn shard_ranges() {
    assert_eq!(parse_shard_range("0-3"), Ok((0, 3)));
    assert_eq!(parse_shard_range("2"), Ok((2, 2)));
    assert!(parse_shard_range("3-1").unwrap_err().contains("backwards"));
    assert!(parse_shard_range("a-b")
        .unwrap_err()
        .contains("not a shard range"));
    let args = |r, t| RunArgs {
        shard_range: r,
        shard_total: t,
        place: Place::default(),
    };
    assert_eq!(
        args(Some((2, 3)), Some(4)).shards().unwrap(),
        Some(crate::discord::Shards {
            first: 2,
            last: 3,
            total: 4
        })
    );
    assert!(args(Some((2, 4)), Some(4)).shards().is_err());
    assert!(args(Some((0, 0)), None).shards().is_err());
    assert_eq!(args(None, None).shards().unwrap(), None);
}

/// A week, a quarter and a role are read by the domain's parsers: the value, or the domain's words.
#[test]
fn weeks_quarters_and_roles_are_read_as_the_domain_reads_them() {
    let parse = |args: &[&str]| Cli::try_parse_from(["partnerfit"].iter().chain(args));
    let week = match parse(&["digest", "weekly", "--week", "2026-w47"])
        .unwrap()
        .command
    {
        Command::Digest(DigestCommand::Weekly { week, .. }) => week,
        other => panic!("{other:?}"),
    };
    assert_eq!(week, Some("2026-W47".parse().unwrap()));
    let quarter = match parse(&["digest", "quarterly", "--quarter", "2026-q3"])
        .unwrap()
        .command
    {
        Command::Digest(DigestCommand::Quarterly { quarter, .. }) => quarter,
        other => panic!("{other:?}"),
    };
    assert_eq!(quarter, crate::domain::Quarter::new(2026, 3));
    let role = match parse(&["console", "--role", "Guest"]).unwrap().command {
        Command::Console(c) => c.role,
        other => panic!("{other:?}"),
    };
    assert_eq!(role, Role::Guest);
    for (args, words) in [
        (
            &["digest", "weekly", "--week", "W47"][..],
            "`W47` is not a week: write it like 2026-W47",
        ),
        (
            &["digest", "quarterly", "--quarter", "2026-Q5"][..],
            "`2026-Q5` is not a quarter: write it like 2026-Q3 (Q1 to Q4)",
        ),
        (
            &["console", "--role", "boss"][..],
            "unknown role `boss`: use one of guest, member, lead",
        ),
    ] {
        let err = parse(args).unwrap_err().to_string();
        assert!(err.contains(words), "{args:?}: {err}");
    }
}

#[test]
fn debug_hides_the_database_password_before_and_after_the_subcommand() {
    let cli = Cli::try_parse_from([
        "partnerfit",
        "--database",
        "postgres://app:s3cret@db/pf",
        "digest",
        "weekly",
        "--database",
        "postgres://app:s3cret2@db/pf",
    ])
    .unwrap();
    let d = format!("{cli:?} {:?}", cli.global());
    assert!(
        !d.contains("s3cret") && d.contains("postgres://app:***@db/pf"),
        "{d}"
    );
}

#[test]
fn urls_lose_their_password() {
    assert_eq!(
        redact_url("postgres://app:s3cret@db.example:5432/pf"),
        "postgres://app:***@db.example:5432/pf"
    );
    assert_eq!(
        redact_url("sqlite://partnerfit.db"),
        "sqlite://partnerfit.db"
    );
    let m = redact_error(
        "failed for postgres://app:s3cret@db/pf: s3cret rejected",
        "postgres://app:s3cret@db/pf",
    );
    assert!(!m.contains("s3cret"), "{m}");
}
