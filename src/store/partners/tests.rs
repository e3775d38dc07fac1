//! Unit tests of `store::partners`: kept in a file of their own so the module's code stays readable.

use super::*;

/// The columns of partner #7, named `name`, as stored.
fn cols(name: &str, stage: &str, signed: Option<&str>, dropped: Option<&str>) -> PartnerCols {
    (
        7,
        name.into(),
        "reseller".into(),
        stage.into(),
        signed.map(Into::into),
        dropped.map(Into::into),
        Some("walked away".into()),
        None,
        None,
        "ana".into(),
        "2026-01-05T10:00:00Z".into(),
    )
}

#[test]
fn a_row_whose_life_cycle_does_not_hold_is_corrupt_by_id_and_column_never_by_name() {
    let name = "Secret Name Co";
    let ok = partner_of(cols(
        name,
        "dropped",
        Some("2026-01-05"),
        Some("2026-02-01"),
    ))
    .unwrap();
    assert_eq!(ok.name, name);
    // Dropped before it was signed: the rule whose message names the partner.
    let e = partner_of(cols(
        name,
        "dropped",
        Some("2026-03-01"),
        Some("2026-02-01"),
    ));
    let Err(StoreError::Corrupt(m)) = e else {
        panic!("{e:?}")
    };
    assert!(m.starts_with("partner #7: `dropped`: "), "{m}");
    assert!(m.contains("2026-03-01"), "{m}");
    assert!(!m.contains(name), "{m}");
    // Every column that disagrees is said.
    let e = partner_of(cols(name, "prospect", Some("2026-03-01"), None));
    let Err(StoreError::Corrupt(m)) = e else {
        panic!("{e:?}")
    };
    assert!(m.contains("`signed`") && m.contains("`drop_reason`"), "{m}");
    assert!(!m.contains(name), "{m}");
}
