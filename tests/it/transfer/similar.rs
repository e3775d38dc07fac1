//! Import names (issue 17, item 5): a new partner whose name is within typo distance of a partner on the
//! roster, or of a new name on an earlier line, is an error naming that partner with the row's line and
//! column — unless the importer confirms (`allow_similar:true`, `--allow-similar-names`); the dry run lists
//! the partners it would create; a `partner` cell that could mean several partners names them all.

use super::*;

const HEADER: &str = "name,type,stage,signed,dropped,drop_reason,champion,note\n";

/// `/import what:partners` of `csv` in `local` as the lead, with `dry_run` and `allow_similar`: the reply's JSON
/// and console text, or the error text.
async fn import_partners(
    t: &TestApp,
    csv: &str,
    dry_run: bool,
    allow_similar: bool,
) -> Result<(Value, String), String> {
    let ctx = t.ctx("local", "ana", Role::Lead);
    let mut inv = Invocation::new(&["import"])
        .with("what", "partners")
        .with("dry_run", if dry_run { "true" } else { "false" })
        .with(
            "allow_similar",
            if allow_similar { "true" } else { "false" },
        );
    inv.args.insert(
        "file".into(),
        ArgValue::File {
            name: "partners.csv".into(),
            bytes: csv.as_bytes().to_vec(),
        },
    );
    dispatch(&t.app, &ctx, &inv)
        .await
        .map(|r| (r.json(), r.card.to_text()))
        .map_err(|e| e.user_message())
}

#[tokio::test]
async fn a_typo_of_a_roster_name_is_refused_unless_confirmed() {
    // On the roster: Acme Corp, Globex, Hooli, @Initech and =HYPERLINK("x").
    let t = seeded("local").await;
    let before = snapshot(&t, "local").await;
    let csv = format!(
        "{HEADER}Acme Crop,reseller,,,,,,\nUmbrella Health,si,,,,,,\nGlobx,reseller,,,,,,\nUmbrela Health,si,,,,,,\nAcme Corp,reseller,signed,2026-02-02,,,Jo Smith,\"DACH, 40 reps\"\nPartner 01,referral,,,,,,\nPartner 02,referral,,,,,,\n"
    );
    let e = import_partners(&t, &csv, false, false).await.unwrap_err();
    assert_eq!(
        e,
        "Nothing was imported: partners.csv has 3 errors. Fix them and import the file again:\n\
         line 2, column `name`: `Acme Crop` would be a new partner, but `Acme Corp` on the roster is 1 edit away from it: if it is that partner, write its name; if it is another one, import with allow_similar:true\n\
         line 4, column `name`: `Globx` would be a new partner, but `Globex` on the roster is 1 edit away from it: if it is that partner, write its name; if it is another one, import with allow_similar:true\n\
         line 5, column `name`: `Umbrela Health` would be a new partner, but line 3 creates `Umbrella Health`, 1 edit away from it: keep one spelling; if they are two partners, import with allow_similar:true"
    );
    assert_eq!(snapshot(&t, "local").await, before, "nothing changed");
    // The dry run (confirmed) lists the five partners it would create, and the unchanged Acme Corp row.
    let (json, text) = import_partners(&t, &csv, true, true).await.unwrap();
    assert_eq!(
        json["created"],
        serde_json::json!([
            {"line": 2, "name": "Acme Crop", "type": "reseller", "stage": "prospect"},
            {"line": 3, "name": "Umbrella Health", "type": "si", "stage": "prospect"},
            {"line": 4, "name": "Globx", "type": "reseller", "stage": "prospect"},
            {"line": 5, "name": "Umbrela Health", "type": "si", "stage": "prospect"},
            {"line": 7, "name": "Partner 01", "type": "referral", "stage": "prospect"},
            {"line": 8, "name": "Partner 02", "type": "referral", "stage": "prospect"},
        ])
    );
    assert_eq!(
        text,
        "Dry run of partners.csv: nothing was changed\n\
         Importing it would give 7 rows: 6 partners created, 0 updated, 1 unchanged (already there).\n\
         Would create:\n  \
         line 2: Acme Crop (reseller, prospect)\n  \
         line 3: Umbrella Health (si, prospect)\n  \
         line 4: Globx (reseller, prospect)\n  \
         line 5: Umbrela Health (si, prospect)\n  \
         line 7: Partner 01 (referral, prospect)\n  \
         line 8: Partner 02 (referral, prospect)\n\
         Import it again without dry_run to apply it."
    );
    assert_eq!(
        snapshot(&t, "local").await,
        before,
        "a dry run changes nothing"
    );
    // Confirmed, they are created; names that differ only in their digits never needed confirming.
    let (json, _) = import_partners(&t, &csv, false, true).await.unwrap();
    assert_eq!(
        (json["added"].as_u64(), json["unchanged"].as_u64()),
        (Some(6), Some(1))
    );
    let ok = format!("{HEADER}Partner 03,referral,,,,,,\n");
    let (json, text) = import_partners(&t, &ok, false, false).await.unwrap();
    assert_eq!(json["added"], 1);
    assert_eq!(
        text,
        "Imported partners.csv: 1 partner created\n\
         1 row: 1 partner created, 0 updated, 0 unchanged (already there).\n\
         Created: line 2: Partner 03 (referral, prospect)\n\
         All in one transaction. Importing the same file again changes nothing."
    );
}

#[tokio::test]
async fn a_partner_cell_that_could_mean_several_partners_names_them() {
    let t = seeded("local").await;
    script(
        &t,
        "local",
        r#"/partner add name:"Acme Consulting" type:reseller"#,
    )
    .await;
    let csv =
        "partner,trait,met,value,source,note,observed\nAcme,Deal registration,true,,,,2026-01-01\n";
    let e = import(&t, "local", "evidence", csv.as_bytes())
        .await
        .unwrap_err();
    assert!(
        e.ends_with("line 2, column `partner`: `Acme` could mean 2 partners: `Acme Consulting` or `Acme Corp`. Name one in full, e.g. partner:\"Acme Consulting\"."),
        "{e}"
    );
}

#[test]
fn the_command_line_confirms_with_allow_similar_names() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let run = |args: &[&str]| {
        let out = Command::new(env!("CARGO_BIN_EXE_partnerfit"))
            .current_dir(d)
            .env_remove("PARTNERFIT_DATABASE_URL")
            .env_remove("PARTNERFIT_CONFIG")
            .env_remove("PARTNERFIT_WORKSPACE")
            .args(args)
            .output()
            .unwrap();
        (
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
            out.status.code().unwrap_or(-1),
        )
    };
    std::fs::write(
        d.join("roster.csv"),
        format!("{HEADER}Acme Corp,reseller,,,,,,\n"),
    )
    .unwrap();
    std::fs::write(
        d.join("typo.csv"),
        format!("{HEADER}Acme Crop,reseller,,,,,,\n"),
    )
    .unwrap();
    assert_eq!(run(&["import", "partners", "roster.csv"]).2, 0);
    let (out, err, code) = run(&["import", "partners", "typo.csv"]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        err.contains("typo.csv: line 2, column `name`: `Acme Crop` would be a new partner, but `Acme Corp` on the roster is 1 edit away from it: if it is that partner, write its name; if it is another one, import with --allow-similar-names\n"),
        "{err}"
    );
    let (out, err, code) = run(&[
        "import",
        "partners",
        "typo.csv",
        "--allow-similar-names",
        "--dry-run",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("1 row: 1 partner created, 0 updated, 0 unchanged (already there).\nWould create: line 2: Acme Crop (reseller, prospect)\n"),
        "{out}"
    );
    let (help, _, _) = run(&["import", "--help"]);
    assert!(help.contains("--allow-similar-names"), "{help}");
}
