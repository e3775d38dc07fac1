//! The roster export is read from the store in chunks (issue 15, item 5): across chunk boundaries every
//! partner is written once, in name order; and `/export` stops at the attachment limit as it writes, with the
//! one-line answer that points to `partnerfit --workspace … export`.

use super::*;
use partnerfit::app::transfer::MAX_EXPORT_BYTES;

crate::support::db::both_backends!(
    the_roster_export_crosses_its_chunks_whole_and_in_order,
    an_export_past_the_attachment_limit_is_refused_in_one_line,
);

/// A partners CSV of `n` partners `Partner 0000` … with a note of `note_chars` characters.
fn partners_csv(n: usize, note_chars: usize) -> Vec<u8> {
    let note = "n".repeat(note_chars);
    let mut csv = String::from("name,type,stage,signed,dropped,drop_reason,champion,note\n");
    for i in 0..n {
        csv.push_str(&format!("Partner {i:04},si,prospect,,,,,{note}\n"));
    }
    csv.into_bytes()
}

async fn the_roster_export_crosses_its_chunks_whole_and_in_order(db: crate::support::Db) {
    let t = TestApp::on(db, utc(2026, 3, 2, 9, 0)).await;
    // 1,201 partners: two full chunks of 500 and one of 201.
    import_ok(&t, "local", "partners", &partners_csv(1201, 0)).await;
    let text = export(&t, "local", "roster").await;
    let names: Vec<&str> = text
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap())
        .collect();
    let expected: Vec<String> = (0..1201).map(|i| format!("Partner {i:04}")).collect();
    assert_eq!(names, expected);
}

async fn an_export_past_the_attachment_limit_is_refused_in_one_line(db: crate::support::Db) {
    let t = TestApp::on(db, utc(2026, 3, 2, 9, 0)).await;
    // 11,000 rows of about 1,030 bytes: about 11 MB, past the 10 MB limit.
    import_ok(&t, "local", "partners", &partners_csv(11_000, 1000)).await;
    let ctx = t.ctx("local", "ana", Role::Member);
    let inv = Invocation::new(&["export"]).with("what", "roster");
    let e = dispatch(&t.app, &ctx, &inv)
        .await
        .unwrap_err()
        .user_message();
    assert_eq!(
        e,
        format!(
            "The roster export is more than the {} MB /export sends. Run `partnerfit --workspace local export roster -o roster.csv` on the server instead.",
            MAX_EXPORT_BYTES / (1024 * 1024)
        )
    );
}
