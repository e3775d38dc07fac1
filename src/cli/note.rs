//! The note a reading subcommand (`console`, `digest`, `export`) prints on stderr when its workspace holds
//! nothing while the database holds other workspaces: most likely a mistyped `--workspace`, which would
//! otherwise read as an empty roster. Never on stdout, so `--json` output and exported CSV stay as they are;
//! never for `import` or `demo`, which fill a new workspace as a matter of course.

use crate::domain::snippet;
use crate::store::Store;

/// How many other workspaces the note names.
const NAMED: usize = 5;

/// Print the note when `ws` holds no partner and no profile and other workspaces do. A failed query prints
/// nothing: the subcommand's own reads report the database's trouble.
pub async fn empty_workspace(store: &Store, ws: &str) {
    if let Ok(others) = store.workspaces_beside_empty(ws, NAMED + 1).await {
        if let Some(note) = note(ws, &others) {
            crate::output::print_stderr(format_args!("{note}\n"));
        }
    }
}

/// The note for `ws` beside `others` (up to one more than [`NAMED`]: "and more"); None when there are none.
fn note(ws: &str, others: &[String]) -> Option<String> {
    if others.is_empty() {
        return None;
    }
    let names: Vec<String> = others
        .iter()
        .take(NAMED)
        .map(|o| format!("`{}`", snippet(o)))
        .collect();
    let more = if others.len() > NAMED {
        " and more"
    } else {
        ""
    };
    Some(format!(
        "note: workspace `{}` has no partners or profiles yet; this database has: {}{more} (use --workspace)",
        snippet(ws),
        names.join(", ")
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(n: &[&str]) -> Vec<String> {
        n.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn the_note_names_the_other_workspaces() {
        assert_eq!(note("local", &[]), None);
        assert_eq!(
            note("lcoal", &names(&["acme", "local"])).as_deref(),
            Some("note: workspace `lcoal` has no partners or profiles yet; this database has: `acme`, `local` (use --workspace)")
        );
        assert_eq!(
            note("x", &names(&["a", "b", "c", "d", "e", "f"])).as_deref(),
            Some("note: workspace `x` has no partners or profiles yet; this database has: `a`, `b`, `c`, `d`, `e` and more (use --workspace)")
        );
    }
}
