//! Unit tests of the import's row checks.

use super::*;
use crate::app::transfer::PARTNER_COLUMNS;

/// The domain names the roster columns a life cycle disagrees with (`Lifecycle::from_columns`), and the
/// import reports its errors there: those names are the file's own columns.
#[test]
fn lifecycle_errors_name_the_files_columns() {
    let d = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok();
    let cases = [
        (
            Some(Stage::Prospect),
            d("2026-01-10"),
            None,
            Some("x".to_string()),
        ),
        (Some(Stage::Signed), None, d("2026-01-10"), None),
        (Some(Stage::Dropped), None, None, None),
    ];
    let mut named = Vec::new();
    for (stage, signed, dropped, reason) in cases {
        let Err(errs) = Lifecycle::from_columns("Acme", stage, signed, dropped, reason) else {
            panic!("{stage:?} {signed:?} {dropped:?} is a life cycle");
        };
        named.extend(errs.iter().map(|e| e.column));
    }
    assert_eq!(
        named,
        [
            column::SIGNED,
            column::DROP_REASON,
            column::SIGNED,
            column::DROPPED,
            column::DROPPED,
            column::DROP_REASON
        ]
    );
    assert!(named.iter().all(|c| PARTNER_COLUMNS.contains(c)));
}
