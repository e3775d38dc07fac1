//! Bad and odd import files: every refusal names the line and column and leaves the database as it was;
//! byte-order marks, CRLF, quoted newlines and formulas are read; oversized attachments are refused first.

use super::*;

/// Each bad input: the error names the line (and column), and the database is exactly as before.
#[tokio::test]
async fn bad_input_is_refused_with_line_and_column_and_changes_nothing() {
    let t = seeded("local").await;
    let before = snapshot(&t, "local").await;
    let header = "partner,trait,met,value,source,note,observed\n";
    let good = "Acme Corp,Named champion,true,,call,,2026-11-01\n";
    let mut long_line = header.as_bytes().to_vec();
    long_line.extend(std::iter::repeat_n(b'x', 10 * 1024 * 1024));
    let mut many_good = header.to_string();
    for day in 0..2_500 {
        let d = chrono::NaiveDate::from_ymd_opt(2020, 1, 1).unwrap() + chrono::Duration::days(day);
        many_good.push_str(&format!("Acme Corp,Co-sell deals,,{day},bulk,,{d}\n"));
    }
    let late_error = format!("{many_good}Acme Corp,Co-sell deals,,1,bulk,,someday\n");
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("an Excel workbook", b"PK\x03\x04\x14\x00\x06\x00rest of a zip".to_vec(), "line 1: this is not a CSV file but a zip archive"),
        ("UTF-16", b"\xFF\xFEp\0a\0r\0t\0n\0e\0r\0".to_vec(), "line 1: the file is UTF-16 text"),
        ("binary", format!("{header}{good}Acme\0Corp\n").into_bytes(), "line 3: the file contains NUL bytes"),
        ("not UTF-8", format!("{header}{good}").into_bytes().into_iter().chain(b"Acme Corp,Named champion,true,,caf\xE9,,2026-11-01\n".iter().copied()).collect(), "line 3, column `source`: this cell is not UTF-8 text"),
        ("missing columns", b"partner,trait,met,value,source,observed\n".to_vec(), "line 1: the header lacks the column note"),
        ("an extra column", b"partner,trait,met,value,source,notes,note,observed\n".to_vec(), "line 1: unknown column `notes` (column 6). Did you mean `note`?"),
        ("a duplicated column", b"partner,trait,met,value,source,note,observed,Note\n".to_vec(), "line 1, column `note`: the column appears twice (columns 6 and 8)"),
        ("a semicolon file", b"partner;trait;met;value;source;note;observed\n".to_vec(), "separates columns with semicolons"),
        ("an empty file", Vec::new(), "line 1: the file is empty"),
        ("only blank lines", b"\r\n\r\n".to_vec(), "line 1: the file is empty"),
        ("10 MB of one line", long_line, "line 2: this row is longer than 1 MiB"),
        ("an unclosed quote", format!("{header}{good}Acme Corp,Named champion,true,,\"call,,2026-11-01\n{good}").into_bytes(), "line 3: this row has 5 cells but the header has 7 columns: check for a quote `\"` that is never closed"),
        ("too many cells", format!("{header}Acme Corp,Named champion,true,,call, with a comma,,2026-11-01\n").into_bytes(), "line 2: this row has 8 cells but the header has 7 columns: a cell that contains a comma must be in double quotes"),
        ("a newline in a name", format!("{header}\"Acme\nCorp\",Named champion,true,,,,2026-11-01\n").into_bytes(), "line 2, column `partner`: a partner name cannot contain control characters"),
        ("an error after 2,500 good rows", late_error.into_bytes(), "line 2502, column `observed`: `someday` is not a date"),
    ];
    for (label, bytes, needle) in cases {
        let e = import(&t, "local", "evidence", &bytes).await.unwrap_err();
        assert!(
            e.starts_with("Nothing was imported: evidence.csv has"),
            "{label}: {e}"
        );
        assert!(e.contains(needle), "{label}: missing {needle:?} in:\n{e}");
        assert_eq!(
            snapshot(&t, "local").await,
            before,
            "{label} changed the database"
        );
    }
    // A name with a newline is refused as a partner name, too.
    let e = import(
        &t,
        "local",
        "partners",
        b"name,type,stage,signed,dropped,drop_reason,champion,note\n\"Two\nLines\",si,,,,,,\n",
    )
    .await
    .unwrap_err();
    assert!(
        e.contains("line 2, column `name`: a partner name cannot contain control characters"),
        "{e}"
    );
    // Many errors: the first 20, then a count.
    let mut many = header.to_string();
    for _ in 0..45 {
        many.push_str("Nobody,x,true,,,,2026-01-01\n");
    }
    let e = import(&t, "local", "evidence", many.as_bytes())
        .await
        .unwrap_err();
    assert!(
        e.starts_with("Nothing was imported: evidence.csv has 45 errors."),
        "{e}"
    );
    assert_eq!(e.lines().count(), 1 + 20 + 1, "{e}");
    assert!(e.ends_with("… and 25 more errors"), "{e}");
    assert_eq!(snapshot(&t, "local").await, before);
}

#[tokio::test]
async fn bom_crlf_quoted_newlines_and_formulas_are_read() {
    let t = seeded("local").await;
    let csv = "\u{feff}Partner,Trait,Met,Value,Source,Note,Observed,recorded_by,ID\r\n\
               Acme Corp,Named champion,TRUE,,'=HYPERLINK(\"http://evil\"),\"two\r\nlines\",2026-11-02,bob,7\r\n\
               Acme Corp,Named champion,true,,=SUM(A1),,2026-11-03,,\r\n";
    let r = import_ok(&t, "local", "evidence", csv.as_bytes()).await;
    assert_eq!(r["added"], 2, "{r}");
    let list = t.ok(r#"/evidence list partner:"Acme Corp""#).await;
    let records = list["records"].as_array().unwrap();
    let sources: Vec<&str> = records
        .iter()
        .filter_map(|r| r["source"].as_str())
        .collect();
    assert!(
        sources.contains(&"=HYPERLINK(\"http://evil\")"),
        "{sources:?}"
    );
    assert!(sources.contains(&"=SUM(A1)"), "{sources:?}");
    assert!(records.iter().any(|r| r["note"] == "two\nlines"), "{list}");
    let exported = export(&t, "local", "evidence").await;
    assert!(
        exported.contains("true,,'=SUM(A1),,2026-11-03"),
        "{exported}"
    );
    assert!(
        exported.contains("'=HYPERLINK(\"\"http://evil\"\")\",\"two\nlines\",2026-11-02"),
        "{exported}"
    );
    let r = import_ok(&t, "local", "evidence", csv.as_bytes()).await;
    assert_eq!(r["unchanged"], 2, "{r}");
}

#[tokio::test]
async fn attachments_over_the_limit_are_refused_before_parsing() {
    let t = seeded("local").await;
    let big = vec![b'a'; MAX_IMPORT_BYTES + 1];
    let e = import(&t, "local", "evidence", &big).await.unwrap_err();
    assert!(e.contains("takes files up to 25 MB"), "{e}");
}
