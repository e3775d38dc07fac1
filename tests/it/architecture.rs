//! The layers point one way (docs/architecture.md, "Architecture"): every `crate::…` path in `src/` is read, and
//! each arrow from one part of the code to another is checked against the allowed ones. A new arrow fails here
//! with the file and line that drew it.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The part of the code a source file belongs to: its directory under `src/`, or its file stem at the top.
fn part_of(src: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(src).unwrap_or(file);
    let first = rel
        .components()
        .next()
        .map(|c| c.as_os_str().to_string_lossy().into_owned());
    let first = first.unwrap_or_default();
    first.strip_suffix(".rs").unwrap_or(&first).to_string()
}

/// The parts `part` may use (besides itself). Anything not listed is forbidden.
fn allowed(part: &str) -> &'static [&'static str] {
    match part {
        // Pure rules: nothing else.
        "domain" => &[],
        // SQL only, over the domain's types.
        "store" => &["domain"],
        // Charts are drawn from figures; the cron grammar and its time zones are rules.
        "chart" => &["domain"],
        // Configuration checks that the database URL names a backend the store has.
        "config" => &["domain", "store"],
        "fatal" => &["config", "app"],
        // Use cases: the domain, the store beside them, the charts and schedule rules; never a front end.
        "app" => &["domain", "store", "chart", "schedule"],
        // The scheduler runs digests (app) at the times the cron rules give.
        "schedule" => &["domain", "store", "app", "service"],
        // The process's own state (shards, metrics, systemd): the outcome kinds and roles it reports.
        "service" => &["app", "domain"],
        // The benchmark data generator writes through the store.
        "generate" => &["domain", "store"],
        // The files the command line writes (charts): paths checked, files written whole.
        "output" => &["config"],
        // Front ends: the app (and the domain's types), never each other, never the store.
        "discord" => &[
            "app", "domain", "config", "fatal", "schedule", "process", "service",
        ],
        "console" => &["app", "domain"],
        // The Slack front end runs its platform's digest scheduler, as Discord does.
        "slack" => &[
            "app", "domain", "config", "fatal", "schedule", "process", "service",
        ],
        // The process's name and signals: neutral, for any long-running front end.
        "process" => &["service"],
        "http" => &["app", "domain", "config", "fatal", "service"],
        // The composition root: starts every front end over the store it opens, listening for the stop
        // signal from its start (a signal while the database is migrated lets the migration finish).
        "cli" => &[
            "app", "domain", "store", "config", "fatal", "console", "discord", "slack", "http",
            "generate", "output", "service", "process",
        ],
        "lib" | "main" => &[
            "app", "domain", "store", "config", "fatal", "console", "discord", "slack", "http",
            "generate", "chart", "schedule", "cli", "process", "output", "service",
        ],
        _ => &[],
    }
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            rust_files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The top-level parts a line of code names through `crate::`: `crate::app::X`, `crate::{app, domain::Y}`.
fn named_parts(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = line;
    while let Some(i) = rest.find("crate::") {
        let after = &rest[i + "crate::".len()..];
        if let Some(group) = after.strip_prefix('{') {
            let end = group.find('}').unwrap_or(group.len());
            for item in group[..end].split(',') {
                let name: String = item
                    .trim()
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_')
                    .collect();
                if !name.is_empty() {
                    out.push(name);
                }
            }
        } else {
            let name: String = after
                .chars()
                .take_while(|c| c.is_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() {
                out.push(name);
            }
        }
        rest = after;
    }
    out
}

/// Every arrow drawn in `src/`: (from part, to part, where).
fn arrows() -> Vec<(String, String, String)> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    assert!(files.len() > 20, "read the sources from {}", src.display());
    let mut out = Vec::new();
    for f in files {
        let from = part_of(&src, &f);
        let text = std::fs::read_to_string(&f).unwrap();
        for (n, line) in text.lines().enumerate() {
            let code = line.trim_start();
            if code.starts_with("//") {
                continue;
            }
            for to in named_parts(code) {
                if to != from && !to.starts_with('$') {
                    let at = format!("{}:{}", f.strip_prefix(&src).unwrap().display(), n + 1);
                    out.push((from.clone(), to, at));
                }
            }
        }
    }
    out
}

#[test]
fn layers_point_one_way() {
    let all = arrows();
    let forbidden: Vec<String> = all
        .iter()
        .filter(|(from, to, _)| !allowed(from).contains(&to.as_str()))
        .map(|(from, to, at)| format!("{at}: {from} -> {to}"))
        .collect();
    assert!(
        forbidden.is_empty(),
        "arrows that docs/architecture.md forbids:\n{}",
        forbidden.join("\n")
    );
    // The check sees the arrows that must exist, so it cannot pass by reading nothing.
    let drawn: BTreeSet<(&str, &str)> = all
        .iter()
        .map(|(f, t, _)| (f.as_str(), t.as_str()))
        .collect();
    for must in [
        ("app", "domain"),
        ("app", "store"),
        ("discord", "app"),
        ("console", "app"),
        ("cli", "console"),
    ] {
        assert!(drawn.contains(&must), "{must:?} not seen");
    }
}

#[test]
fn the_check_catches_a_forbidden_arrow() {
    assert_eq!(named_parts("use crate::cli::Fatal;"), ["cli"]);
    assert_eq!(
        named_parts("use crate::{console::line, domain::snippet};"),
        ["console", "domain"]
    );
    assert_eq!(
        named_parts("let x = crate::store::Store::open(u);"),
        ["store"]
    );
    assert!(!allowed("app").contains(&"cli"));
    assert!(!allowed("app").contains(&"discord"));
    assert!(!allowed("discord").contains(&"console"));
    assert!(!allowed("discord").contains(&"store"));
    assert!(!allowed("domain").contains(&"store"));
}

/// The `#[tracing::instrument]` attributes that would record a function's arguments (`skip(…)` lists what to
/// leave out, so everything else — a partner's name, an evidence note, the caller — lands on the span, and the
/// JSON log prints the span's fields with every event inside it).
fn instrument_recording_arguments(source: &str) -> Vec<usize> {
    source
        .lines()
        .enumerate()
        .filter(|(_, l)| l.contains("tracing::instrument") && !l.contains("skip_all"))
        .map(|(i, _)| i + 1)
        .collect()
}

/// Spans never carry what a user typed: every instrumented function skips all its arguments and names the
/// fields it records (ids, kinds and counts).
#[test]
fn spans_record_no_arguments() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut seen = 0;
    let mut found = Vec::new();
    for f in &files {
        let text = std::fs::read_to_string(f).unwrap();
        seen += text.matches("tracing::instrument").count();
        for line in instrument_recording_arguments(&text) {
            found.push(format!("{}:{line}", f.display()));
        }
    }
    assert!(seen > 20, "the check read {seen} instrumented functions");
    assert!(
        found.is_empty(),
        "instrument attributes that record arguments (use skip_all and name the fields):\n{}",
        found.join("\n")
    );
    assert_eq!(
        instrument_recording_arguments(
            "#[tracing::instrument(skip(app))]\nfn f() {}\n#[tracing::instrument(skip_all)]\nfn g() {}"
        ),
        [1]
    );
}
