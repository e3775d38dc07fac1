//! The binary as a user runs it: exit codes, one-line errors, `--json` output.

use crate::support::db::both_backends;
use crate::support::{Db, TestDb};
use serde_json::{json, Value};
use std::io::Write;
use std::process::{Command, Stdio};

both_backends!(a_workspace_with_no_data_beside_others_is_noted_on_stderr_only);

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
    run_console_bytes(dir, args, input.as_bytes())
}

/// [`run_console`] with any bytes on stdin.
pub fn run_console_bytes(
    dir: &std::path::Path,
    args: &[&str],
    input: &[u8],
) -> (String, String, i32) {
    let mut child = bin()
        .current_dir(dir)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input).unwrap();
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

/// A server that is away is a passing failure, exit 1 (a service manager starts the bot again), where a wrong
/// database is a configuration error, exit 2 (below).
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
        assert_eq!(code, 1, "{err}");
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
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("127.0.0.1:1") && !err.contains("s3cret"),
        "{err}"
    );
}

/// `partnerfit migrate` with JSON log lines (and `env`) against a PostgreSQL that is away: exit 1, its stderr.
fn migrate_while_away(env: &[(&str, &str)]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let out = bin()
        .current_dir(dir.path())
        .args([
            "--database",
            "postgres://app:s3cret-pw@127.0.0.1:1/pf",
            "migrate",
        ])
        .env("PARTNERFIT_LOG_FORMAT", "json")
        .envs(env.iter().copied())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(1), "{err}");
    err
}

/// With JSON log lines, the line that says why the process stopped is a JSON object too, with its exit code.
#[test]
fn the_last_line_is_json_when_the_log_is() {
    let err = migrate_while_away(&[]);
    let last = err.trim_end().lines().last().unwrap_or_default();
    let v: serde_json::Value = serde_json::from_str(last).unwrap_or_else(|e| panic!("{e}: {err}"));
    assert_eq!(v["level"], "ERROR", "{v}");
    assert_eq!(v["fields"]["exit_code"], 1, "{v}");
    let message = v["fields"]["message"].as_str().unwrap_or_default();
    assert!(
        message.starts_with(
            "partnerfit: error: cannot open database postgres://app:***@127.0.0.1:1/pf"
        ),
        "{message}"
    );
    assert!(!err.contains("s3cret"), "{err}");
}

/// A log filter that turns errors off does not swallow why the process stopped: the plain line then.
#[test]
fn the_last_line_is_said_when_the_log_is_off() {
    let err = migrate_while_away(&[("PARTNERFIT_LOG", "off")]);
    assert!(
        err.trim_end().starts_with(
            "partnerfit: error: cannot open database postgres://app:***@127.0.0.1:1/pf"
        ),
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

/// A piped line that is not UTF-8 (here Latin-1: `Caf\xe9`) is answered with its line number and not run — no
/// partner `Caf�` — and the session goes on; a comment that is not UTF-8 stays a comment. The exit status is 0
/// at the end of input all the same: `ok` tells a script which lines failed.
#[test]
fn a_console_line_that_is_not_utf8_is_answered_and_not_run() {
    let dir = tempfile::tempdir().unwrap();
    let input: &[u8] = b"/partner add name:\"Globex\" type:reseller\n\
        /partner add name:\"Caf\xe9 Corp\" type:reseller\n\
        # caf\xe9 au lait\n\
        \n\
        /partner list\n";
    let (out, err, code) = run_console_bytes(dir.path(), &["console", "--json"], input);
    assert_eq!(code, 0, "{err}");
    let lines: Vec<Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(
        lines.len(),
        3,
        "one object per line that is not blank or a comment: {out}"
    );
    assert_eq!(lines[0]["ok"], true, "{out}");
    assert_eq!(
        lines[1],
        json!({"ok": false, "command": "", "error": "line 2 is not UTF-8 text; nothing was done: save the input as UTF-8"})
    );
    assert_eq!(lines[2]["command"], "partner list");
    assert_eq!(lines[2]["reply"]["count"], 1, "only Globex: {out}");
    assert_eq!(lines[2]["reply"]["partners"][0]["name"], "Globex", "{out}");
    // The same in text, with CRLF line ends: the line number counts every line read.
    let input: &[u8] = b"# a session\r\n\xff\xfe/partner list\r\n/partner list\r\n";
    let (out, err, code) = run_console_bytes(dir.path(), &["console"], input);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.starts_with(
            "error: line 2 is not UTF-8 text; nothing was done: save the input as UTF-8\n\n"
        ),
        "{out}"
    );
    assert!(
        out.contains("Roster (1 partner"),
        "the next line ran: {out}"
    );
}

/// A workspace id with a control or an invisible character is a configuration error from the flag, the
/// environment or the file: one line, exit 2, nothing opened; the ids in use keep working.
#[test]
fn a_workspace_with_a_control_or_invisible_character_is_a_config_error() {
    let dir = tempfile::tempdir().unwrap();
    let (out, err, code) = run_console(
        dir.path(),
        &["console", "--workspace", "lo\tcal"],
        "/partner list\n",
    );
    assert_eq!((code, out.as_str()), (2, ""), "{err}");
    assert_eq!(
        err,
        "partnerfit: error: workspace `lo\\u{9}cal` contains a control character (U+0009): give the id without it, e.g. local, a Discord server id or slack:T0123ABC\n"
    );
    assert!(!dir.path().join("partnerfit.db").exists(), "nothing opened");
    let out = bin()
        .current_dir(dir.path())
        .args(["digest", "weekly"])
        .env("PARTNERFIT_WORKSPACE", "local\u{200B}")
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert_eq!(
        err,
        "partnerfit: error: workspace `local\\u{200B}` contains an invisible character (U+200B): give the id without it, e.g. local, a Discord server id or slack:T0123ABC\n"
    );
    std::fs::create_dir(dir.path().join("config")).unwrap();
    std::fs::write(
        dir.path().join("config/partnerfit.toml"),
        "workspace = \"\\u202Elacol\"\n",
    )
    .unwrap();
    let (_, err, code) = run_console(dir.path(), &["export", "roster"], "");
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("workspace `\\u{202E}lacol` contains an invisible character (U+202E)"),
        "{err}"
    );
    std::fs::remove_file(dir.path().join("config/partnerfit.toml")).unwrap();
    for ws in ["local", "123456789012345678", "slack:T0123ABC", "team two"] {
        let (out, err, code) = run_console(
            dir.path(),
            &["console", "--json", "--workspace", ws],
            "/partner list\n",
        );
        assert_eq!(code, 0, "{ws}: {err}");
        let v: Value = serde_json::from_str(out.trim()).unwrap();
        assert_eq!(v["reply"]["count"], 0, "{ws}");
    }
}

/// `console`, `digest` and `export` on a workspace with no partners and no profiles, while the database holds
/// others: one line on stderr names them (in byte order: `Zeta` before `acme`), and stdout is what it was —
/// the `--json` line, the digest object, the CSV. Nothing when the workspace holds data, when the database
/// holds none, nor for `import`, which fills a new workspace.
async fn a_workspace_with_no_data_beside_others_is_noted_on_stderr_only(db: Db) {
    let db = TestDb::new(db).await;
    let dir = db.dir.path();
    let run = |ws: &str, args: &[&str], input: &str| {
        let mut all = vec!["--database", db.url.as_str(), "--workspace", ws];
        all.extend_from_slice(args);
        run_console(dir, &all, input)
    };
    let (out, err, code) = run("lcoal", &["export", "roster"], "");
    assert_eq!(
        (code, out.as_str()),
        (
            0,
            "name,type,stage,signed,dropped,drop_reason,champion,note,verdict\n"
        ),
        "{err}"
    );
    assert!(
        !err.contains("note:"),
        "an empty database has nothing to name: {err}"
    );
    for (ws, line) in [
        ("local", "/partner add name:\"Acme\" type:reseller"),
        ("acme", "/profile create type:si name:\"SIs\""),
        ("Zeta", "/partner add name:\"Zed\" type:si"),
    ] {
        let (_, err, code) = run(ws, &["console"], &format!("{line}\n"));
        assert_eq!(code, 0, "{err}");
    }
    let note = "note: workspace `lcoal` has no partners or profiles yet; this database has: `Zeta`, `acme`, `local` (use --workspace)\n";
    let (out, err, code) = run("lcoal", &["console", "--json"], "/partner list\n");
    assert_eq!((code, err.as_str()), (0, note));
    let v: Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(v["reply"]["count"], 0, "{out}");
    let (out, err, code) = run(
        "lcoal",
        &["digest", "weekly", "--week", "2026-W47", "--json"],
        "",
    );
    assert_eq!((code, err.as_str()), (0, note));
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["week"], "2026-W47", "{out}");
    let (out, err, code) = run("lcoal", &["export", "roster"], "");
    assert_eq!((code, err.as_str()), (0, note));
    assert_eq!(
        out,
        "name,type,stage,signed,dropped,drop_reason,champion,note,verdict\n"
    );
    // A workspace that holds only a profile holds data.
    let (_, err, code) = run("acme", &["export", "roster"], "");
    assert_eq!((code, err.as_str()), (0, ""));
    let (_, err, code) = run("local", &["digest", "weekly", "--json"], "");
    assert_eq!((code, err.as_str()), (0, ""));
    std::fs::write(dir.join("p.csv"), "name,type,stage,signed,dropped,drop_reason,champion,note\nInitech,reseller,prospect,,,,,\n").unwrap();
    let (out, err, code) = run("fresh", &["import", "partners", "p.csv"], "");
    assert_eq!(code, 0, "{out}{err}");
    assert!(!err.contains("note:"), "{err}");
    // The store's answer behind it: the limit counts names, and a workspace with data gets none.
    let store = partnerfit::store::Store::open(&db.url).await.unwrap();
    assert_eq!(
        store.workspaces_beside_empty("lcoal", 6).await.unwrap(),
        ["Zeta", "acme", "fresh", "local"]
    );
    assert_eq!(
        store.workspaces_beside_empty("lcoal", 2).await.unwrap(),
        ["Zeta", "acme"]
    );
    assert_eq!(
        store.workspaces_beside_empty("fresh", 6).await.unwrap(),
        Vec::<String>::new()
    );
    assert_eq!(
        store.workspaces_beside_empty("acme", 6).await.unwrap(),
        Vec::<String>::new()
    );
    store.close().await;
}
