//! `partnerfit import` and `partnerfit export` on the command line, with their exit codes.

use super::*;

fn bin(dir: &Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_partnerfit"));
    c.current_dir(dir)
        .env_remove("DISCORD_TOKEN")
        .env_remove("PARTNERFIT_DATABASE_URL")
        .env_remove("PARTNERFIT_CONFIG")
        .env_remove("PARTNERFIT_WORKSPACE");
    c
}

fn run(dir: &Path, args: &[&str]) -> (String, String, i32) {
    let out = bin(dir).args(args).output().unwrap();
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        out.status.code().unwrap_or(-1),
    )
}

#[test]
fn the_command_line_imports_exports_and_fails_with_exit_1() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let profiles = std::fs::File::open(fixture("profiles.console")).unwrap();
    let out = bin(d).args(["console"]).stdin(profiles).output().unwrap();
    assert!(out.status.success());
    for (what, n) in [
        ("partners", "8 partners created"),
        ("evidence", "14 evidence records added"),
        ("allocations", "6 log entries added"),
        ("outcomes", "5 outcomes added"),
    ] {
        let path = fixture(&format!("{what}.csv"));
        let path = path.to_str().unwrap();
        let (out, err, code) = run(d, &["import", what, path, "--dry-run"]);
        assert_eq!(code, 0, "{err}");
        assert!(out.contains("Dry run of"), "{out}");
        let (out, err, code) = run(d, &["import", what, path]);
        assert_eq!(code, 0, "{err}");
        assert!(out.contains(&format!("Imported {what}.csv: {n}")), "{out}");
        let (out, _, code) = run(d, &["import", what, path]);
        assert_eq!(code, 0);
        assert!(out.contains("unchanged (already there)"), "{out}");
    }
    let (csv, err, code) = run(d, &["export", "evidence"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        csv.starts_with(
            "partner,trait,met,value,source,note,observed\nAcme Corp,Deal registration,true"
        ),
        "{csv}"
    );
    let (_, err, code) = run(d, &["export", "roster", "-o", "roster.csv"]);
    assert_eq!(code, 0, "{err}");
    assert!(
        err.contains("exported 8 roster rows to roster.csv"),
        "{err}"
    );
    let roster = std::fs::read_to_string(d.join("roster.csv")).unwrap();
    // (The verdict depends on the wall clock here: evidence goes stale, so it is not checked.)
    assert!(
        roster.contains(
            "\nAcme Corp,reseller,signed,2026-02-02,,,Jo Smith,\"Strong in DACH, 40 reps\","
        ),
        "{roster}"
    );
    assert!(!d.join(".roster.csv.partial").exists());

    // A failed import: every error on stderr with its line, exit 1, nothing changed.
    std::fs::write(d.join("bad.csv"), "partner,trait,met,value,source,note,observed\nAcme Corp,Named champion,true,,,,2026-11-01\nGlobx,Named champion,true,,,,2026-11-01\n").unwrap();
    let (out, err, code) = run(d, &["import", "evidence", "bad.csv"]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.is_empty(), "{out}");
    assert!(err.contains("bad.csv: line 3, column `partner`: No partner `Globx` on the roster. Did you mean `Globex`?"), "{err}");
    assert!(
        err.contains("partnerfit: error: bad.csv: 1 error; nothing was imported."),
        "{err}"
    );
    let (again, _, _) = run(d, &["export", "evidence"]);
    assert_eq!(again, csv);
    let (_, err, code) = run(d, &["import", "evidence", "missing.csv"]);
    assert_eq!(code, 1);
    assert!(err.contains("cannot read missing.csv"), "{err}");
    let (_, err, code) = run(d, &["import", "nonsense", "bad.csv"]);
    assert_eq!(code, 2, "clap refuses unknown kinds: {err}");
    for sub in ["import", "export"] {
        let (out, _, code) = run(d, &[sub, "--help"]);
        assert_eq!(code, 0);
        assert!(out.contains("Usage"), "{out}");
    }
}
