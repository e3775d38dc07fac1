//! Help where a user looks for it: `partnerfit help …` on the command line, `/help COMMAND` in the console
//! (the same content as docs/commands.md), and `exit`/`quit` leaving the console.

use crate::cli::run_console as partnerfit;

#[test]
fn help_explains_the_command_line_and_its_subcommands() {
    let dir = tempfile::tempdir().unwrap();
    let (out, err, code) = partnerfit(dir.path(), &["help", "digest", "weekly"], "");
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("Usage: partnerfit digest weekly"), "{out}");
    assert!(out.contains("--week <WEEK>"), "{out}");
    let (out, _, code) = partnerfit(dir.path(), &["help"], "");
    assert_eq!(code, 0);
    assert!(out.contains("Usage: partnerfit"), "{out}");
    let (out, err, code) = partnerfit(dir.path(), &["help", "nonsense"], "");
    assert_eq!(code, 2, "{out}");
    assert_eq!(
        err,
        "partnerfit: error: no subcommand `nonsense`: see `partnerfit --help`\n"
    );
    assert!(
        !dir.path().join("partnerfit.db").exists(),
        "help opens no database"
    );
}

#[test]
fn help_with_a_command_shows_its_options_role_and_example() {
    let dir = tempfile::tempdir().unwrap();
    let (out, err, code) = partnerfit(
        dir.path(),
        &["console", "--role", "guest"],
        "/help partner drop\n",
    );
    assert_eq!(code, 0, "{err}");
    let expected = "/partner drop\n\
        Drop a partner, with the reason\n\
        Who may run it: leads only. 🔒 Your role may not run it: ask a lead.\n\
        partner (required): Partner name — text, up to 100 characters, suggested from the roster\n\
        reason (required): Why, e.g. walked away: missed 2 traits — text, up to 500 characters\n\
        date (optional): Date (default today) — a date `YYYY-MM-DD`\n\
        Example: `/partner drop partner:\"Globex\" reason:\"walked away: missed 2 traits\"`\n\n";
    assert_eq!(out, expected);
    // The same declaration feeds docs/commands.md.
    let md =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/commands.md")).unwrap();
    assert!(md.contains(
        "| `reason` | required | Why, e.g. walked away: missed 2 traits | text, up to 500 characters |"
    ));
    assert!(
        md.contains("/partner drop partner:\"Globex\" reason:\"walked away: missed 2 traits\"\n")
    );
}

#[test]
fn exit_and_quit_leave_the_console() {
    let dir = tempfile::tempdir().unwrap();
    for word in ["exit", "quit", "  QUIT ", "/exit"] {
        let input = format!("/profile list\n{word}\n/partner add name:Acme type:reseller\n");
        let (out, err, code) = partnerfit(dir.path(), &["console", "--json"], &input);
        assert_eq!(code, 0, "{err}");
        let lines: Vec<&str> = out.lines().collect();
        assert_eq!(lines.len(), 1, "{word}: {out}");
        assert!(lines[0].contains("\"command\":\"profile list\""), "{out}");
    }
    // Nothing after the exit ran.
    let (out, _, _) = partnerfit(dir.path(), &["console", "--json"], "/partner list\n");
    assert!(out.contains("\"count\":0"), "{out}");
}

#[test]
fn each_subcommand_lists_only_the_options_that_apply() {
    let dir = tempfile::tempdir().unwrap();
    let help = |args: &[&str]| partnerfit(dir.path(), args, "").0;
    let run = help(&["run", "--help"]);
    for present in ["--shard-range", "--config", "--database"] {
        assert!(run.contains(present), "{run}");
    }
    for absent in ["--workspace", "--json"] {
        assert!(!run.contains(absent), "run --help lists {absent}:\n{run}");
    }
    let weekly = help(&["digest", "weekly", "--help"]);
    for present in ["--week", "--workspace", "--json", "--database"] {
        assert!(weekly.contains(present), "{weekly}");
    }
    let export = help(&["export", "--help"]);
    assert!(
        export.contains("--workspace") && !export.contains("--json"),
        "{export}"
    );
    let migrate = help(&["migrate", "--help"]);
    assert!(
        !migrate.contains("--workspace") && !migrate.contains("--json"),
        "{migrate}"
    );

    // The options still work before the subcommand, and after it where they apply.
    let (out, err, code) = partnerfit(
        dir.path(),
        &[
            "--workspace",
            "w1",
            "--json",
            "digest",
            "weekly",
            "--week",
            "2026-W47",
        ],
        "",
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&out).unwrap()["status"],
        "no-data"
    );
    let (out, err, code) = partnerfit(
        dir.path(),
        &[
            "digest",
            "quarterly",
            "--quarter",
            "2026-Q3",
            "--workspace",
            "w1",
            "--json",
        ],
        "",
    );
    assert_eq!(code, 0, "{err}");
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&out).unwrap()["verdict"],
        "insufficient-data"
    );
    let (_, err, code) = partnerfit(dir.path(), &["run", "--workspace", "w1"], "");
    assert_eq!(code, 2);
    assert!(err.contains("unexpected argument '--workspace'"), "{err}");
}
