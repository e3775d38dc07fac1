//! The binary as a user runs it: exit codes, one-line errors, `--json` output.

use std::io::Write;
use std::process::{Command, Stdio};

/// The binary, with no configuration from the environment.
pub fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_partnerfit"));
    c.env_remove("DISCORD_TOKEN")
        .env_remove("PARTNERFIT_DATABASE_URL")
        .env_remove("PARTNERFIT_CONFIG")
        .env_remove("PARTNERFIT_WORKSPACE");
    c
}

/// Run the binary in `dir` with `args`, `input` on stdin: (stdout, stderr, exit code).
pub fn run_console(dir: &std::path::Path, args: &[&str], input: &str) -> (String, String, i32) {
    let mut child = bin()
        .current_dir(dir)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    (
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        out.status.code().unwrap_or(-1),
    )
}

#[test]
fn console_json_prints_one_object_per_line_on_the_default_database() {
    let dir = tempfile::tempdir().unwrap();
    let input = "/profile create type:reseller name:\"Resellers\"\n\n# a comment\n/partner add name:\"Acme\" type:reseller\n/partner add name:\"Acme\" type:reseller\ndoes Acme fit?\n";
    let (out, err, code) = run_console(dir.path(), &["console", "--json"], input);
    assert_eq!(code, 0, "{err}");
    let lines: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 4, "{out}");
    assert_eq!(lines[0]["command"], "profile create");
    assert_eq!(lines[1]["ok"], true);
    assert!(lines[1]["reply"]["id"].as_i64().is_some());
    assert_eq!(lines[2]["ok"], false);
    assert!(lines[2]["error"]
        .as_str()
        .unwrap()
        .contains("already on the roster"));
    assert_eq!(lines[3]["command"], "screen");
    assert_eq!(
        lines[3]["reply"]["verdict"],
        serde_json::Value::Null,
        "a profile with no traits gives no verdict (issue 17)"
    );
    assert_eq!(lines[3]["reply"]["profile"], "Resellers");
    assert!(
        dir.path().join("partnerfit.db").exists(),
        "embedded SQLite default in the working directory"
    );
    // The data is still there for the next run.
    let (out, _, _) = run_console(
        dir.path(),
        &["console", "--json", "--role", "guest"],
        "/partner list\n",
    );
    let v: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(v["reply"]["count"], 1);
}

#[test]
fn console_text_output_is_readable() {
    let dir = tempfile::tempdir().unwrap();
    let (out, _, code) = run_console(
        dir.path(),
        &["console", "--user", "ana"],
        "/help\n/screen partner:Nobody\n",
    );
    assert_eq!(code, 0);
    assert!(
        out.contains("partnerfit — the Ideal Partner Profile"),
        "{out}"
    );
    assert!(out.contains("Nobody — not on the roster"), "{out}");
}

#[test]
fn config_errors_exit_2_in_one_line() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("config")).unwrap();
    std::fs::write(
        dir.path().join("config/partnerfit.toml"),
        "workspace = \"x\"\nbogus = 1\n",
    )
    .unwrap();
    let (_, err, code) = run_console(dir.path(), &["console"], "");
    assert_eq!(code, 2);
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert!(err.contains("unknown field `bogus`"), "{err}");

    let (_, err, code) = run_console(dir.path(), &["--config", "missing.toml", "console"], "");
    assert_eq!(code, 2);
    assert!(err.contains("cannot read config file"), "{err}");

    let (_, err, code) = run_console(
        tempfile::tempdir().unwrap().path(),
        &["--database", "mysql://x", "console"],
        "",
    );
    assert_eq!(code, 2);
    assert!(err.contains("unknown database URL scheme"), "{err}");
}

#[test]
fn every_subcommand_has_help() {
    for sub in ["run", "console", "migrate"] {
        let out = bin().args([sub, "--help"]).output().unwrap();
        assert!(out.status.success(), "{sub}");
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("Usage"),
            "{sub}"
        );
    }
}

#[test]
fn a_postgres_that_is_down_at_start_is_named_without_its_password() {
    let dir = tempfile::tempdir().unwrap();
    for args in [
        vec![
            "--database",
            "postgres://app:s3cret-pw@127.0.0.1:1/partnerfit",
            "migrate",
        ],
        vec![
            "--database",
            "postgres://app:s3cret-pw@127.0.0.1:1/partnerfit",
            "console",
        ],
    ] {
        let (_, err, code) = run_console(dir.path(), &args, "");
        assert_eq!(code, 2, "{err}");
        assert_eq!(err.trim().lines().count(), 1, "{err}");
        assert!(err.contains("127.0.0.1:1"), "the host is named: {err}");
        // The refused connection (the hint comes with it alone), not the connect timeout's "no answer within
        // 10 s": it gave up at once.
        assert!(err.contains("refused"), "{err}");
        assert!(err.contains("is PostgreSQL running"), "{err}");
        assert!(!err.contains("no answer within"), "{err}");
        assert!(!err.contains("s3cret"), "never the password: {err}");
    }
    // `run` checks the database before it talks to Discord.
    let out = bin()
        .current_dir(dir.path())
        .args([
            "--database",
            "postgres://app:s3cret-pw@127.0.0.1:1/pf",
            "run",
        ])
        .env("DISCORD_TOKEN", "test-token")
        .env("PARTNERFIT_DISCORD_PROXY_URL", "http://127.0.0.1:1")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.contains("127.0.0.1:1") && !err.contains("s3cret"),
        "{err}"
    );
}

#[test]
fn a_wrong_postgres_password_or_database_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let admin = crate::support::db::pg_admin_url();
    let host = partnerfit::store::pg_host(&admin);
    let url = format!("postgres://postgres@{host}/pf_no_such_database_here");
    let (_, err, code) = run_console(dir.path(), &["--database", &url, "migrate"], "");
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("pf_no_such_database_here") && err.contains(&host),
        "{err}"
    );
}

/// `export -o` to a named pipe is refused before the database is opened: one line naming the path, exit 2,
/// the pipe left a pipe and nothing else written (it was replaced by a plain file, exit 0). Through a link
/// the export lands in the file the link leads to, and the link stays.
#[test]
fn export_to_a_named_pipe_is_refused_and_through_a_link_lands_where_it_leads() {
    use std::os::unix::fs::FileTypeExt;
    let dir = tempfile::tempdir().unwrap();
    let status = Command::new("mkfifo")
        .arg(dir.path().join("p"))
        .status()
        .unwrap();
    assert!(status.success());
    let (out, err, code) = run_console(dir.path(), &["export", "roster", "-o", "p"], "");
    assert_eq!(code, 2, "{err}");
    assert_eq!(out, "");
    assert_eq!(
        err,
        "partnerfit: error: -o p is a named pipe, not a file: give the path of a file\n"
    );
    let p = std::fs::symlink_metadata(dir.path().join("p")).unwrap();
    assert!(p.file_type().is_fifo(), "still a named pipe");
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .flatten()
        .map(|e| e.file_name())
        .collect();
    assert_eq!(left, ["p"], "nothing else written, not even the database");

    std::fs::write(dir.path().join("real.csv"), "old\n").unwrap();
    std::os::unix::fs::symlink("real.csv", dir.path().join("link.csv")).unwrap();
    let (_, err, code) = run_console(dir.path(), &["export", "roster", "-o", "link.csv"], "");
    assert_eq!(code, 0, "{err}");
    let link = std::fs::symlink_metadata(dir.path().join("link.csv")).unwrap();
    assert!(link.file_type().is_symlink(), "still a link");
    let real = std::fs::read_to_string(dir.path().join("real.csv")).unwrap();
    assert!(
        real.starts_with("name,"),
        "the export is in real.csv: {real}"
    );
}
