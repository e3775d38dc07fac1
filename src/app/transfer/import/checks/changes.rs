//! What a partners import changes in a partner already on the roster, as the lines of the import's card
//! (`stage prospect → signed, signed (empty) → 2026-03-01`), with what users wrote marked as user text.

use super::*;

fn show_opt<T: ToString>(v: &Option<T>) -> String {
    v.as_ref()
        .map(|v| format!("`{}`", snippet(&v.to_string())))
        .unwrap_or_else(|| "(empty)".into())
}

/// [`show_opt`] of text a user wrote (a note, a champion, a reason): marked as user text for the card.
fn show_user(v: &Option<&str>) -> String {
    v.map(|v| format!("`{}`", user(&snippet(v))))
        .unwrap_or_else(|| "(empty)".into())
}

/// What changes from `old` to `new`, e.g. `stage prospect → signed, signed (empty) → 2026-03-01`: card text,
/// the names, reasons, champions and notes in it marked as user text.
pub(super) fn partner_changes(old: &Partner, new: &NewPartner) -> Vec<String> {
    let mut out = Vec::new();
    if old.name != new.name.as_str() {
        out.push(format!(
            "name `{}` → `{}`",
            user(&old.name),
            user(new.name.as_str())
        ));
    }
    let (old_l, new_l) = (&old.lifecycle, &new.lifecycle);
    if old_l.stage() != new_l.stage() {
        out.push(format!("stage {} → {}", old_l.stage(), new_l.stage()));
    }
    let mut field = |label: &str, a: String, b: String| {
        if a != b {
            out.push(format!("{label} {a} → {b}"));
        }
    };
    field(
        column::SIGNED,
        show_opt(&old_l.signed_on()),
        show_opt(&new_l.signed_on()),
    );
    field(
        column::DROPPED,
        show_opt(&old_l.dropped_on()),
        show_opt(&new_l.dropped_on()),
    );
    field(
        column::DROP_REASON,
        show_user(&old_l.drop_reason().map(|r| r.to_string()).as_deref()),
        show_user(&new_l.drop_reason().map(|r| r.to_string()).as_deref()),
    );
    field(
        column::CHAMPION,
        show_user(&old.champion.as_ref().map(|c| c.to_string()).as_deref()),
        show_user(&new.champion.as_ref().map(|c| c.to_string()).as_deref()),
    );
    field(
        column::NOTE,
        show_user(&old.note.as_ref().map(|n| n.to_string()).as_deref()),
        show_user(&new.note.as_ref().map(|n| n.to_string()).as_deref()),
    );
    out
}
