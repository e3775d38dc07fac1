//! The benchmarks' data generator: the shape the spec promises, counted back from the database, and the same
//! seed giving the same rows; and its bad input — a size of 0 or above a million, a workspace that holds data,
//! a database too small for the request — refused in one line with nothing written.

use crate::support::db::{limit_file_size, limit_pages};
use partnerfit::domain::Stage;
use partnerfit::generate::{generate, parse_partners, GenerateError, SizeError, Spec};
use partnerfit::store::{PartnerFilter, Store, StoreError};

#[tokio::test]
async fn a_generated_workspace_has_the_promised_shape_and_repeats_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let spec = Spec {
        workspace: "gen".into(),
        partners: 40,
        seed: 7,
        until: "2026-11-26".parse().unwrap(),
    };
    let mut snapshots = Vec::new();
    for run in 0..2 {
        let url = format!("sqlite://{}/gen{run}.db", dir.path().display());
        let store = Store::open(&url).await.unwrap();
        let c = generate(&store, &spec).await.unwrap();
        // 4 types × 5 traits; 10 records per partner per trait; 104 weeks per signed partner.
        assert_eq!((c.profiles, c.traits, c.partners), (4, 20, 40));
        assert_eq!(c.evidence, 40 * 5 * 10);
        assert_eq!(c.allocations, c.signed * 104);
        let signed = store
            .partners(
                "gen",
                &PartnerFilter {
                    stage: Some(Stage::Signed),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        assert_eq!(signed.len(), c.signed);
        assert!(c.signed > 0 && c.signed < 40, "{c:?}");
        let profiles = store.active_profiles("gen").await.unwrap();
        assert_eq!(profiles.len(), 4);
        assert!(profiles.iter().all(|p| p.traits.len() == 5));
        let snapshot = store.snapshot(Some("gen")).await.unwrap();
        assert!(snapshot.contains(&format!("# evidence: {}\n", 40 * 5 * 10)));
        snapshots.push(snapshot);
        store.close().await;
    }
    assert_eq!(
        snapshots[0], snapshots[1],
        "the same seed must give the same rows"
    );
}

fn spec(partners: usize) -> Spec {
    Spec {
        workspace: "gen".into(),
        partners,
        seed: 7,
        until: "2026-11-26".parse().unwrap(),
    }
}

/// `partnerfit generate` with `args` on `url`: exit code, stderr.
fn generate_cli(url: &str, args: &[&str]) -> (Option<i32>, String) {
    generate_cli_limited(url, args, None)
}

/// [`generate_cli`] with each file the process writes limited to `file_size_limit` bytes when given
/// (`RLIMIT_FSIZE`, SIGXFSZ ignored: a write past it fails with EFBIG, as one fails on a full disk).
fn generate_cli_limited(
    url: &str,
    args: &[&str],
    file_size_limit: Option<u64>,
) -> (Option<i32>, String) {
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_partnerfit"));
    cmd.args(["--database", url, "--workspace", "gen", "generate"])
        .args(args)
        .env_remove("PARTNERFIT_DATABASE_URL")
        .env_remove("PARTNERFIT_CONFIG")
        .env_remove("PARTNERFIT_WORKSPACE");
    if let Some(limit) = file_size_limit {
        limit_file_size(&mut cmd, limit);
    }
    let out = cmd.output().unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn a_size_is_a_whole_number_from_one_to_a_million() {
    for ok in [("1", 1), ("1000000", 1_000_000), (" 42 ", 42)] {
        assert_eq!(parse_partners(ok.0), Ok(ok.1), "{:?}", ok.0);
    }
    for bad in [
        "0",
        "1000001",
        "-3",
        "ten",
        "",
        "1e5",
        "18446744073709551616",
    ] {
        let e = parse_partners(bad).unwrap_err();
        assert_eq!(
            e.to_string(),
            format!(
                "the number of partners must be a whole number from 1 to 1,000,000, not `{bad}`"
            )
        );
    }
}

/// A size of 0 or above 1,000,000 on the command line: one line naming the range, exit 2, and no database file
/// created (the size is checked before anything is opened).
#[test]
fn generate_refuses_a_size_out_of_range_before_writing_anything() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("gen.db");
    let url = format!("sqlite://{}", file.display());
    for size in ["0", "1000001", "many"] {
        let (code, err) = generate_cli(&url, &["--partners", size]);
        assert_eq!(code, Some(2), "{err}");
        let first = err.lines().next().unwrap_or_default();
        assert!(
            first.contains(&format!(
                "invalid value '{size}' for '--partners <PARTNERS>'"
            )) && first.contains("a whole number from 1 to 1,000,000"),
            "{err}"
        );
        assert!(!err.contains("panicked"), "{err}");
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            0,
            "{size}: a file was written"
        );
    }
}

/// The library refuses the same sizes, and writes nothing (not even the workspace's settings row).
#[tokio::test]
async fn the_generator_refuses_a_size_out_of_range_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&format!("sqlite://{}/gen.db", dir.path().display()))
        .await
        .unwrap();
    let before = store.snapshot(None).await.unwrap();
    for size in [0, 1_000_001] {
        match generate(&store, &spec(size)).await {
            Err(GenerateError::Size(SizeError(given))) => assert_eq!(given, size.to_string()),
            other => panic!("{size}: {other:?}"),
        }
    }
    assert_eq!(store.snapshot(None).await.unwrap(), before);
    store.close().await;
}

/// A database too small for the request: the generation fails saying the database is full, and nothing of
/// the workspace is left (no settings row, profile, partner or record), so that the same command succeeds
/// once there is room — it is not refused as "already has data".
#[tokio::test]
async fn a_database_too_small_for_the_request_keeps_nothing_of_it() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&format!("sqlite://{}/gen.db", dir.path().display()))
        .await
        .unwrap();
    let before = store.snapshot(None).await.unwrap();
    let pages: i64 = sqlx::query_scalar("PRAGMA page_count")
        .fetch_one(store.pool())
        .await
        .unwrap();
    // 60 partners write about 7,000 rows (half a megabyte); 40 more pages of 4 KiB cannot hold them.
    limit_pages(&store, Some(pages + 40)).await;
    match generate(&store, &spec(60)).await {
        Err(GenerateError::Store(StoreError::Full(_))) => {}
        other => panic!("expected the database to be full: {other:?}"),
    }
    assert_eq!(
        store.snapshot(None).await.unwrap(),
        before,
        "the failed generation left rows behind"
    );

    limit_pages(&store, None).await;
    let c = generate(&store, &spec(60)).await.unwrap();
    assert_eq!((c.profiles, c.partners, c.evidence), (4, 60, 60 * 5 * 10));
    // A second run into the same workspace is refused, and changes nothing.
    let full = store.snapshot(None).await.unwrap();
    assert!(matches!(
        generate(&store, &spec(60)).await,
        Err(GenerateError::HoldsData(ws)) if ws == "gen"
    ));
    assert_eq!(store.snapshot(None).await.unwrap(), full);
    store.close().await;
}

/// On the command line a workspace that holds data is refused in one line (exit 1, a refused command as the
/// demo's) and left as it was.
#[test]
fn generate_into_a_workspace_with_data_is_refused_in_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/gen.db", dir.path().display());
    let (code, err) = generate_cli(&url, &["--partners", "8", "--until", "2026-11-26"]);
    assert_eq!(code, Some(0), "{err}");
    let (code, err) = generate_cli(&url, &["--partners", "8", "--until", "2026-11-26"]);
    assert_eq!(code, Some(1), "{err}");
    assert_eq!(
        err.trim_end(),
        "partnerfit: error: workspace `gen` already has data: generate into a new database or another workspace"
    );
}

/// The command line on a disk that fills up mid-generation (the database file and its WAL may not grow past a
/// limit): one line saying that nothing was generated, exit 1, the workspace absent afterwards; the same
/// command without the limit then succeeds.
#[tokio::test]
async fn generate_on_a_full_disk_says_nothing_was_generated_and_leaves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("gen.db");
    let url = format!("sqlite://{}", file.display());
    // The schema first, then closed (checkpointed): the generation starts from a file of known size.
    let store = Store::open(&url).await.unwrap();
    let before = store.snapshot(None).await.unwrap();
    store.close().await;
    let limit = std::fs::metadata(&file).unwrap().len() + 64 * 1024;
    let args = ["--partners", "200", "--until", "2026-11-26"];
    let (code, err) = generate_cli_limited(&url, &args, Some(limit));
    assert_eq!(code, Some(1), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.starts_with(
            "partnerfit: error: nothing was generated (the workspace was left as it was): the database"
        ),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
    let store = Store::open(&url).await.unwrap();
    assert_eq!(store.snapshot(None).await.unwrap(), before);
    store.close().await;
    let (code, err) = generate_cli(&url, &args);
    assert_eq!(code, Some(0), "{err}");
}
