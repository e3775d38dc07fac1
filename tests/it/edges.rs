//! Edges found by an audit: a scheduler lease past a week, a partner's week of spend past the largest amount,
//! output to a reader that went away, weeks before year 1000, negative amounts read from a database.

use crate::cli::bin;
use crate::support::db::both_backends;
use crate::support::{utc, Db, TestApp};
use partnerfit::domain::{Amount, Hours, Role, Week};
use partnerfit::generate::{generate, GenerateError, Spec};
use partnerfit::store::{NewAllocation, NewOutcome};
use std::process::{Command, Output, Stdio};

both_backends!(
    a_partners_week_of_spend_stays_within_the_largest_amount,
    a_week_of_spend_past_the_largest_i64_still_reads,
    a_weekly_digest_never_reaches_before_1000_w01,
    a_negative_amount_from_the_database_is_exported_with_its_sign
);

/// A lease or a sleep of more than a week is refused at the start, in one line with exit code 2 (a lease of
/// a million years overflowed the clock when a digest was claimed, and the scheduler task panicked).
#[test]
fn scheduler_seconds_past_a_week_are_a_config_error() {
    let dir = tempfile::tempdir().unwrap();
    for (var, value, line) in [
        (
            "PARTNERFIT_SCHEDULER_LEASE_SECONDS",
            "31536000000000",
            "partnerfit: error: scheduler lease_seconds is 31536000000000: give 1 to 604800 seconds (one week), e.g. 30\n",
        ),
        (
            "PARTNERFIT_SCHEDULER_MAX_SLEEP_SECONDS",
            "604801",
            "partnerfit: error: scheduler max_sleep_seconds is 604801: give 1 to 604800 seconds (one week), e.g. 60\n",
        ),
    ] {
        let out = bin()
            .current_dir(dir.path())
            .env(var, value)
            .args(["console"])
            .stdin(Stdio::null())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{var}");
        assert_eq!(String::from_utf8_lossy(&out.stderr), line);
        assert!(out.stdout.is_empty());
    }
}

/// A signed reseller Acme on Thursday 2026-11-26 (ISO week 2026-W48): the app and Acme's id.
async fn acme(db: Db) -> (TestApp, i64) {
    let t = TestApp::on(db, utc(2026, 11, 26, 12, 0)).await;
    let id = t.ok(r#"/partner add name:"Acme" type:reseller"#).await["id"]
        .as_i64()
        .unwrap();
    (t, id)
}

/// Spend is capped per partner and week at the largest amount of one entry (a trillion), as hours are at the
/// hours of a week: so that no week's sum overflows. `/log spend` and the import refuse what would pass it.
async fn a_partners_week_of_spend_stays_within_the_largest_amount(db: Db) {
    let (t, _) = acme(db).await;
    let ctx = t.ctx("local", "ana", Role::Lead);
    // The largest amount, once, is fine; a cent more is not.
    t.ok(r#"/log spend partner:"Acme" amount:"1,000,000,000,000""#)
        .await;
    assert_eq!(
        t.err(r#"/log spend partner:"Acme" amount:0.01"#).await,
        "Acme already has $1,000,000,000,000 of spend logged in 2026-W48, and a week holds at most \
         $1,000,000,000,000: at most $0 more can be logged there. Retract a wrong entry with /log retract."
    );
    // Hours in that week, and spend in another, are still logged.
    t.ok(r#"/log hours partner:"Acme" hours:2"#).await;
    t.ok(r#"/log spend partner:"Acme" amount:5 week:2026-W47"#)
        .await;
    // The import counts the database's entries and the file's rows before it: 600 + 400.00000000001 billion
    // in W46, and one more cent in W48; nothing of the file is written.
    let file = "partner,week,hours,spend,note\n\
                Acme,2026-W46,,\"600,000,000,000\",\n\
                Acme,2026-W46,,\"400,000,000,000.01\",\n\
                Acme,2026-W48,1,0.01,\n";
    let e = t
        .import(&ctx, "allocations", file.as_bytes(), &[])
        .await
        .unwrap_err();
    for needle in [
        "line 3, column `spend`: Acme already has $600,000,000,000 of spend logged in 2026-W46, and a week holds at most $1,000,000,000,000: at most $400,000,000,000 more can be logged there.",
        "line 4, column `spend`: Acme already has $1,000,000,000,000 of spend logged in 2026-W48, and a week holds at most $1,000,000,000,000: at most $0 more can be logged there.",
    ] {
        assert!(e.contains(needle), "missing {needle:?} in:\n{e}");
    }
    assert!(!e.contains("line 2"), "{e}");
    let w46 = t.ok("/digest weekly week:2026-W46").await;
    assert_eq!(w46["spend_total"], 0.0);
    let w48 = t.ok("/digest weekly week:2026-W48").await;
    assert_eq!(w48["spend_total"], 1e12);
    assert_eq!(w48["hours_total"], 2.0);
}

/// A database written before the cap may hold a partner's week above what an `i64` of cents holds: SQLite's
/// `SUM` failed on it and PostgreSQL's was refused as corrupt, so every digest of that week failed. The sum
/// now saturates at the largest `i64`; sums within range are exact, to the cent.
async fn a_week_of_spend_past_the_largest_i64_still_reads(db: Db) {
    let (t, acme) = acme(db).await;
    let w48: Week = "2026-W48".parse().unwrap();
    let w47: Week = "2026-W47".parse().unwrap();
    let add = |week: Week, cents: i64| {
        let a = NewAllocation {
            partner_id: acme,
            week,
            hours: Hours::from_centi(100),
            spend: Amount::from_cents(cents),
            note: None,
        };
        let store = t.app.store.clone();
        async move {
            store
                .add_allocation("local", &a, "mia", utc(2026, 11, 26, 12, 0))
                .await
                .unwrap()
        }
    };
    // Straight into the store, as an old database holds them: i64::MAX - 5 and 10 cents.
    add(w48, i64::MAX - 5).await;
    add(w48, 10).await;
    // Within range: 999,999,999 + 999,999,999 + 4,000,000,001 cents = 5,999,999,999 cents.
    add(w47, 999_999_999).await;
    add(w47, 999_999_999).await;
    add(w47, 4_000_000_001).await;
    let sums = t
        .app
        .store
        .allocation_sums("local", w47, w48)
        .await
        .unwrap();
    assert_eq!(
        sums.iter()
            .map(|s| (s.week.to_string(), s.hours.centi(), s.spend.cents()))
            .collect::<Vec<_>>(),
        [
            ("2026-W47".to_string(), 300, 5_999_999_999),
            ("2026-W48".to_string(), 200, i64::MAX)
        ]
    );
    assert_eq!(
        t.app
            .store
            .partner_week_spend("local", acme, w48)
            .await
            .unwrap(),
        Amount::from_cents(i64::MAX)
    );
    assert_eq!(
        t.app
            .store
            .partner_week_spend("local", acme, w47)
            .await
            .unwrap(),
        Amount::from_cents(5_999_999_999)
    );
    // The digest of that week is given, and further spend in it is refused in words (not an internal error).
    let d = t.ok("/digest weekly week:2026-W48").await;
    assert_eq!(d["spend_total"], i64::MAX as f64 / 100.0);
    let e = t.err(r#"/log spend partner:"Acme" amount:1"#).await;
    assert!(
        e.starts_with("Acme already has $92,233,720,368,547,758.07 of spend logged in 2026-W48, and a week holds at most $1,000,000,000,000: at most $0 more"),
        "{e}"
    );
    t.ok(r#"/log hours partner:"Acme" hours:1"#).await;
    let d = t.ok("/digest weekly week:2026-W47").await;
    assert_eq!(d["spend_total"], 59_999_999.99);
}

/// A week before 1000-W01 is written `999-W46`, which sorts after `1000-…` as stored text and does not parse:
/// a digest whose 8 weeks would reach before 1000-W01 is refused with the first week that works.
async fn a_weekly_digest_never_reaches_before_1000_w01(db: Db) {
    let (t, _) = acme(db).await;
    for week in ["1000-W01", "1000-W07"] {
        assert_eq!(
            t.err(&format!("/digest weekly week:{week}")).await,
            format!(
                "{week} is too early for a weekly digest: it looks back 7 weeks, and weeks start at 1000-W01. \
                 Give 1000-W08 or later."
            )
        );
    }
    t.ok(r#"/log hours partner:"Acme" hours:5 week:1000-W08"#)
        .await;
    let d = t.ok("/digest weekly week:1000-W08").await;
    assert_eq!(d["hours_total"], 5.0);
    let trend: Vec<&str> = d["trend"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["week"].as_str().unwrap())
        .collect();
    assert_eq!(
        trend,
        [
            "1000-W01", "1000-W02", "1000-W03", "1000-W04", "1000-W05", "1000-W06", "1000-W07",
            "1000-W08"
        ]
    );
    assert_eq!(Week::first().to_string(), "1000-W01");
    // 1000-01-01 is a Wednesday: its ISO week 1 starts on Monday 999-12-30.
    assert_eq!(Week::first().monday().to_string(), "0999-12-30");
}

/// The generator's history (up to 929 days of signings, 104 weeks, 8 quarters) must not reach before year
/// 1000: an end date that would make it is refused, with the first that works, and nothing is written.
#[tokio::test]
async fn the_generator_refuses_an_end_date_whose_history_begins_before_1000() {
    let dir = tempfile::tempdir().unwrap();
    let store =
        partnerfit::store::Store::open(&format!("sqlite://{}/gen.db", dir.path().display()))
            .await
            .unwrap();
    let before = store.snapshot(None).await.unwrap();
    let spec = |until: &str| Spec {
        workspace: "gen".into(),
        partners: 1,
        seed: 7,
        until: until.parse().unwrap(),
    };
    // 1000-06-01 less 929 days is 997-11-14 (the earliest signing). 1002-07-19 less 929 days is 999-12-31, a
    // day too early; 1002-07-20's earliest signing is 1000-01-01.
    match generate(&store, &spec("1000-06-01")).await {
        Err(e @ GenerateError::TooEarly { .. }) => assert_eq!(
            e.to_string(),
            "the end date 1000-06-01 is too early: the history would begin on 0997-11-14, and it must begin on \
             1000-01-01 or later; give --until 1002-07-19 or later"
        ),
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        generate(&store, &spec("1002-07-18")).await,
        Err(GenerateError::TooEarly { .. })
    ));
    assert_eq!(store.snapshot(None).await.unwrap(), before);
    let c = generate(&store, &spec("1002-07-19")).await.unwrap();
    assert_eq!(c.partners, 1);
    store.close().await;

    // On the command line: exit 2, one line.
    let out = bin()
        .current_dir(dir.path())
        .args([
            "--database",
            "sqlite://other.db",
            "generate",
            "--partners",
            "1",
            "--until",
            "1000-06-01",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "partnerfit: error: the end date 1000-06-01 is too early: the history would begin on 0997-11-14, and it \
         must begin on 1000-01-01 or later; give --until 1002-07-19 or later\n"
    );
}

/// Outcomes have no CHECK on their amount: a negative one read from the database is written sign first
/// (`-1.50`, not `-1.-50`).
async fn a_negative_amount_from_the_database_is_exported_with_its_sign(db: Db) {
    let (t, acme) = acme(db).await;
    for cents in [-150, -50] {
        t.app
            .store
            .add_outcome(
                "local",
                &NewOutcome {
                    partner_id: acme,
                    kind: partnerfit::domain::OutcomeKind::ClosedWon,
                    amount: Some(Amount::from_cents(cents)),
                    date: "2026-11-20".parse().unwrap(),
                    reference: None,
                },
                "mia",
                utc(2026, 11, 26, 12, 0),
            )
            .await
            .unwrap();
    }
    let csv = crate::support::partnerfit(&t.url, &["export", "outcomes"]);
    let amounts: Vec<&str> = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(2).unwrap())
        .collect();
    assert_eq!(amounts, ["-1.50", "-0.50"], "{csv}");
}

/// `partnerfit ARGS` in `dir` with stdout a pipe whose reader is closed before the binary starts (as
/// `partnerfit … | head -0` once `head` has gone), `input` on stdin.
#[cfg(target_os = "linux")]
fn to_closed_pipe(dir: &std::path::Path, args: &[&str], input: &[u8]) -> Output {
    to_closed_pipes(dir, args, input, false)
}

/// [`to_closed_pipe`], with stderr on the same closed pipe too when `stderr_too` (`partnerfit … 2>&1 | head`);
/// then the output's stderr is empty.
#[cfg(target_os = "linux")]
fn to_closed_pipes(dir: &std::path::Path, args: &[&str], input: &[u8], stderr_too: bool) -> Output {
    use std::io::Write;
    use std::os::fd::{FromRawFd, OwnedFd};
    let mut fds = [0; 2];
    // SAFETY: `fds` has room for the two descriptors `pipe2` writes; each is owned once, below.
    assert_eq!(unsafe { libc::pipe2(fds.as_mut_ptr(), libc::O_CLOEXEC) }, 0);
    // SAFETY: both descriptors were just opened by `pipe2` and are owned by nothing else.
    let (reader, writer) = unsafe { (OwnedFd::from_raw_fd(fds[0]), OwnedFd::from_raw_fd(fds[1])) };
    drop(reader);
    let stderr = if stderr_too {
        Stdio::from(writer.try_clone().unwrap())
    } else {
        Stdio::piped()
    };
    let mut child = bin()
        .current_dir(dir)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::from(writer))
        .stderr(stderr)
        .spawn()
        .unwrap();
    // The binary may be done (and stdin closed) before it reads all of it.
    let _ = child.stdin.take().unwrap().write_all(input);
    child.wait_with_output().unwrap()
}

/// Output to a reader that went away ends quietly with exit 0, as command line tools do (and as `export`
/// did): `print!` panicked ("failed printing to stdout: Broken pipe", exit 101).
#[cfg(target_os = "linux")]
#[test]
fn output_to_a_closed_pipe_ends_quietly() {
    let dir = tempfile::tempdir().unwrap();
    let check = |args: &[&str], input: &[u8], code: i32| {
        let out = to_closed_pipe(dir.path(), args, input);
        let err = String::from_utf8_lossy(&out.stderr).into_owned();
        assert_eq!(out.status.code(), Some(code), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
        assert!(
            !err.to_lowercase().contains("broken pipe"),
            "{args:?}: {err}"
        );
        err
    };
    assert_eq!(check(&["help", "--markdown"], b"", 0), "");
    assert_eq!(check(&["help", "digest"], b"", 0), "");
    check(&["demo"], b"", 0);
    check(&["digest", "weekly", "--workspace", "demo"], b"", 0);
    check(
        &["digest", "quarterly", "--workspace", "demo", "--json"],
        b"",
        0,
    );
    check(
        &["console", "--workspace", "demo"],
        b"/partner list\n/help\n/partner add name:\"Late Corp\" type:reseller\n",
        0,
    );
    check(&["console", "--json"], b"/help\n", 0);
    // The doctor's checks fail here (no token): its exit code says so, and nothing panics.
    let err = check(&["doctor"], b"", 1);
    assert!(err.ends_with("checks failed\n"), "{err}");
    // The demo was written, whatever its report's reader did.
    let list = Command::new(env!("CARGO_BIN_EXE_partnerfit"))
        .current_dir(dir.path())
        .env_remove("PARTNERFIT_DATABASE_URL")
        .env_remove("PARTNERFIT_CONFIG")
        .env_remove("PARTNERFIT_WORKSPACE")
        .args(["export", "roster", "--workspace", "demo"])
        .output()
        .unwrap();
    assert!(list.status.success());
    assert!(String::from_utf8_lossy(&list.stdout).contains("Atlas Office Systems"));
}

/// Notes and errors on stderr to a reader that went away (`partnerfit … 2>&1 | head`) are dropped, and the exit
/// code is the command's own: `eprintln!` panicked (exit 101) for the demo's report, the chart's note, the
/// migration's note and the last error line.
#[cfg(target_os = "linux")]
#[test]
fn notes_and_errors_to_a_closed_stderr_keep_the_exit_code() {
    let dir = tempfile::tempdir().unwrap();
    let code = |args: &[&str]| to_closed_pipes(dir.path(), args, b"", true).status.code();
    assert_eq!(code(&["demo"]), Some(0));
    assert_eq!(
        code(&[
            "digest",
            "weekly",
            "--workspace",
            "demo",
            "--chart",
            "w.png"
        ]),
        Some(0)
    );
    assert!(dir.path().join("w.png").is_file());
    assert_eq!(code(&["migrate"]), Some(0));
    // A week that does not parse: the command's error (2), its line dropped.
    assert_eq!(
        code(&["digest", "weekly", "--workspace", "demo", "--week", "soon"]),
        Some(2)
    );
}
