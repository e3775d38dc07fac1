//! The documentation is part of the product: every relative link resolves inside the repository (a fresh clone
//! has nothing else), docs/commands.md is what the command declarations generate, and the README's tour runs
//! and ends where the README says it does.

use std::collections::BTreeSet;
use std::path::{Component, Path, PathBuf};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every file of the repository below `dir` (build output, VCS data and fuzzing corpora left out).
fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        let name = e.file_name().to_string_lossy().into_owned();
        if p.is_dir() {
            if !matches!(name.as_str(), "target" | ".git" | "corpus" | "artifacts") {
                files(&p, out);
            }
        } else {
            out.push(p);
        }
    }
}

/// The targets of the Markdown links of `text`: inline `[text](target)` and reference `[name]: target`,
/// outside fenced code blocks and inline code.
fn markdown_links(text: &str) -> Vec<String> {
    let mut links = Vec::new();
    let mut fenced = false;
    for line in text.lines() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
            continue;
        }
        if fenced {
            continue;
        }
        // Drop inline code spans, so `[x](y)` written as code is not a link.
        let mut plain = String::new();
        for (i, part) in line.split('`').enumerate() {
            if i % 2 == 0 {
                plain.push_str(part);
            }
        }
        let t = plain.trim_start();
        if t.starts_with('[') {
            if let Some((_, rest)) = t.split_once("]: ") {
                links.push(rest.split_whitespace().next().unwrap_or("").to_string());
                continue;
            }
        }
        let mut rest = plain.as_str();
        while let Some(i) = rest.find("](") {
            let after = &rest[i + 2..];
            let end = after.find(')').unwrap_or(after.len());
            let target = after[..end].split_whitespace().next().unwrap_or("");
            links.push(target.trim_matches(['<', '>']).to_string());
            rest = &after[end..];
        }
    }
    links
}

/// GitHub's anchor of a heading: lower case, spaces to hyphens, punctuation other than `-` and `_` dropped.
fn slug(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter_map(|c| match c {
            ' ' => Some('-'),
            c if c.is_alphanumeric() || c == '-' || c == '_' => Some(c),
            _ => None,
        })
        .collect()
}

fn anchors(markdown: &str) -> BTreeSet<String> {
    let mut fenced = false;
    let mut out = BTreeSet::new();
    for line in markdown.lines() {
        if line.trim_start().starts_with("```") {
            fenced = !fenced;
        } else if !fenced && line.starts_with('#') {
            out.insert(slug(line.trim_start_matches('#')));
        }
    }
    out
}

/// `path` with `.` and `..` resolved without touching the file system; None when it climbs above the root.
fn normalize(path: &Path) -> Option<PathBuf> {
    let mut out = PathBuf::new();
    for c in path.components() {
        match c {
            Component::ParentDir => {
                if !out.pop() {
                    return None;
                }
            }
            Component::CurDir => {}
            other => out.push(other),
        }
    }
    Some(out)
}

/// What is wrong with one link of `from` (a file of the repository), if anything.
fn check_link(root: &Path, from: &Path, target: &str) -> Option<String> {
    let external = ["http://", "https://", "mailto:"];
    if external.iter().any(|p| target.starts_with(p)) {
        return None;
    }
    let (file, anchor) = match target.split_once('#') {
        Some((f, a)) => (f, Some(a)),
        None => (target, None),
    };
    let resolved = if file.is_empty() {
        from.to_path_buf()
    } else if file.starts_with('/') {
        return Some(format!("`{target}` is an absolute path"));
    } else {
        let joined = from.parent().unwrap_or(root).join(file);
        match normalize(&joined).filter(|p| p.starts_with(root)) {
            Some(p) => p,
            None => return Some(format!("`{target}` points outside the repository")),
        }
    };
    if !resolved.exists() {
        return Some(format!("`{target}`: {} does not exist", resolved.display()));
    }
    if let Some(a) = anchor.filter(|a| !a.is_empty()) {
        if resolved.extension().is_some_and(|e| e == "md") {
            let text = std::fs::read_to_string(&resolved).unwrap_or_default();
            if !anchors(&text).contains(a) {
                return Some(format!(
                    "`{target}`: no heading with the anchor #{a} in {}",
                    resolved.display()
                ));
            }
        }
    }
    None
}

#[test]
fn every_relative_link_resolves_inside_the_repository() {
    let root = root();
    let mut all = Vec::new();
    files(&root, &mut all);
    let mut checked = 0;
    let mut broken = Vec::new();
    for f in &all {
        let rel = f.strip_prefix(&root).unwrap().display().to_string();
        let links: Vec<String> = if rel.ends_with(".md") {
            markdown_links(&std::fs::read_to_string(f).unwrap())
        } else if rel == "config/partnerfit.toml" {
            // The config file names documents in its comments: every `*.md` word is a path from the root.
            std::fs::read_to_string(f)
                .unwrap()
                .split(|c: char| c.is_whitespace() || matches!(c, '(' | ')' | ',' | ';' | '`'))
                .map(|w| w.trim_end_matches(['.', ':']))
                .filter(|w| w.ends_with(".md"))
                .map(|w| format!("../{w}"))
                .collect()
        } else {
            continue;
        };
        for l in links {
            checked += 1;
            if let Some(problem) = check_link(&root, f, &l) {
                broken.push(format!("{rel}: {problem}"));
            }
        }
    }
    assert!(broken.is_empty(), "broken links:\n{}", broken.join("\n"));
    assert!(
        checked > 40,
        "only {checked} links found: is the walker reading the docs?"
    );
}

#[test]
fn the_link_checker_catches_what_a_clone_lacks() {
    let root = root();
    let readme = root.join("README.md");
    assert_eq!(check_link(&root, &readme, "docs/method.md"), None);
    assert_eq!(check_link(&root, &readme, "docs/method.md#verdicts"), None);
    assert!(check_link(&root, &readme, "docs/nope.md").is_some());
    assert!(check_link(&root, &readme, "docs/method.md#no-such-heading").is_some());
    let outside = check_link(&root, &readme, "../elsewhere/METHOD.md").unwrap();
    assert!(outside.contains("outside the repository"), "{outside}");
    assert_eq!(
        markdown_links("see [a](x.md) and `[b](y.md)`\n```\n[c](z.md)\n```\n[d]: w.md \"t\""),
        ["x.md", "w.md"]
    );
    assert_eq!(
        slug("Reading every message (optional)"),
        "reading-every-message-optional"
    );
    assert_eq!(slug("`/profile trait add`"), "profile-trait-add");
}

#[test]
fn nothing_in_the_repository_refers_to_the_workspace_outside_it() {
    let needle = ["..", "shared"].join("/");
    let root = root();
    let mut all = Vec::new();
    files(&root, &mut all);
    let mut read = 0;
    let mut offenders = Vec::new();
    for f in &all {
        let Ok(text) = std::fs::read_to_string(f) else {
            continue;
        };
        read += 1;
        if text.contains(needle.as_str()) {
            offenders.push(f.strip_prefix(&root).unwrap().display().to_string());
        }
    }
    assert!(offenders.is_empty(), "{offenders:?} mention {needle}");
    // The walker read the repository: its text files run to hundreds (the sources alone are over 100).
    assert!(
        read > 200,
        "only {read} files read: is the walker reading the repository?"
    );
    for f in ["README.md", "Cargo.toml", "src/lib.rs", ".ci/run"] {
        assert!(all.contains(&root.join(f)), "{f} was not walked");
    }
}

#[test]
fn commands_md_is_what_the_declarations_generate() {
    let out = crate::cli::bin()
        .args(["help", "--markdown"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let generated = String::from_utf8(out.stdout).unwrap();
    let stored = std::fs::read_to_string(root().join("docs/commands.md")).unwrap();
    assert!(
        generated == stored,
        "docs/commands.md is out of date: run `cargo run -- help --markdown > docs/commands.md`"
    );
    assert!(stored.contains("\n## `/log hours`\n"), "{stored}");
}

/// The text block that follows `heading` in the README.
pub(crate) fn readme_block(heading: &str) -> String {
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    let at = readme.find(heading).unwrap();
    let start = readme[at..].find("```text\n").unwrap() + at + "```text\n".len();
    let end = readme[start..].find("```").unwrap() + start;
    readme[start..end].to_string()
}

#[test]
fn the_readme_tour_ends_on_a_digest_with_figures() {
    let dir = tempfile::tempdir().unwrap();
    let session = readme_block("## A short tour");
    let (out, err, code) = crate::cli::run_console(dir.path(), &["console", "--json"], &session);
    assert_eq!(code, 0, "{err}");
    let replies: Vec<serde_json::Value> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(replies.len(), session.lines().count());
    for r in &replies {
        assert_eq!(r["ok"], true, "{r}");
    }
    let question = &replies[7]["reply"];
    assert_eq!(question["partner"], "Acme Corp");
    assert_eq!(question["verdict"], "incomplete");
    assert_eq!(
        question["verify_next"],
        serde_json::json!(["Named champion"])
    );
    // Worked by hand: Acme Corp (fit) 6 h, Globex (two misses: walk-away) 9 h; 6 / 15 = 0.4 < 0.8.
    let digest = &replies[replies.len() - 2]["reply"];
    assert_eq!(digest["week"], "2026-W47");
    assert_eq!(digest["hours_total"], 15.0);
    assert_eq!(digest["matching_share_hours"], 0.4);
    assert_eq!(digest["status"], "drifting");
    assert_eq!(digest["hint"], "allocation-drifting");
    assert_eq!(digest["buckets"]["matching"]["hours"], 6.0);
    assert_eq!(digest["buckets"]["not-matching"]["hours"], 9.0);
    assert_eq!(digest["top_not_matching"][0]["partner"], "Globex");
}
