//! The server's command line and the import's change lines.

use super::*;

#[test]
fn the_server_command_names_the_workspace_as_one_shell_word() {
    assert_eq!(
        server_command("slack:T0123", "export roster -o roster.csv"),
        "partnerfit --workspace slack:T0123 export roster -o roster.csv"
    );
    assert_eq!(
        server_command("2000", "import partners FILE.csv"),
        "partnerfit --workspace 2000 import partners FILE.csv"
    );
    assert_eq!(
        server_command("Sales team", "export evidence -o evidence.csv"),
        "partnerfit --workspace 'Sales team' export evidence -o evidence.csv"
    );
    assert_eq!(shell_word("it's $HOME"), r"'it'\''s $HOME'");
    assert_eq!(shell_word(""), "''");
}

#[test]
fn change_lines_mark_user_text_for_the_card_and_the_json_is_plain() {
    let line = format!(
        "line 2: {}: note `{}` → `{}`",
        user("Acme *Corp*"),
        user("<!here>"),
        user("ok")
    );
    let report = ImportReport {
        what: ImportKind::Partners,
        file: "p.csv".into(),
        dry_run: false,
        imported: true,
        rows: 1,
        added: 0,
        updated: 1,
        unchanged: 0,
        changes: vec![line.clone()],
        created: Vec::new(),
        errors: Vec::new(),
        error_count: 0,
    };
    assert!(report.card().lines.contains(&line));
    let json = serde_json::to_value(&report).unwrap();
    assert_eq!(
        json["changes"][0],
        "line 2: Acme *Corp*: note `<!here>` → `ok`"
    );
}
