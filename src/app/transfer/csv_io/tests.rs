//! Unit tests of `csv_io`: kept in a file of their own so the module's code stays readable.

use super::*;

#[test]
fn escaping_round_trips_and_defuses_formulas() {
    for (plain, written) in [
        (
            "=HYPERLINK(\"http://x\",\"y\")",
            "'=HYPERLINK(\"http://x\",\"y\")",
        ),
        ("+1+1", "'+1+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("'=x", "''=x"),
        ("'hello", "'hello"),
        ("-5", "-5"),
        ("+3.5", "+3.5"),
        ("1e3", "1e3"),
        ("-inf", "'-inf"),
        ("Acme", "Acme"),
        ("", ""),
        ("'", "'"),
    ] {
        assert_eq!(escape_cell(plain), written, "{plain}");
        assert_eq!(unescape_cell(written), plain, "{written}");
    }
}

static SCHEMA: Schema = Schema {
    what: "test",
    columns: &["a", "b"],
    ignored: |c| c == "id",
};

fn open(bytes: &[u8]) -> Result<Sheet<&[u8]>, Vec<RowError>> {
    Sheet::open(bytes, &SCHEMA)
}

/// A row read: its line and cells, or its errors.
type Read = Result<(u64, Vec<String>), Vec<RowError>>;

fn rows(bytes: &[u8]) -> Vec<Read> {
    let mut s = match open(bytes) {
        Ok(s) => s,
        Err(e) => return vec![Err(e)],
    };
    let mut out = Vec::new();
    loop {
        match s.next_row() {
            Next::Row(r) => out.push(Ok((r.line, r.cells))),
            Next::Bad(e) => out.push(Err(e)),
            Next::Fatal(e) => {
                out.push(Err(vec![e]));
                break;
            }
            Next::End => break,
        }
    }
    out
}

#[test]
fn reads_bom_crlf_quotes_and_ignored_columns() {
    let r = rows(b"\xEF\xBB\xBFId,B,a\r\n1,x,\"two\r\nlines\"\r\n\r\n2,'=1+1,  y  \r\n");
    assert_eq!(
        r,
        vec![
            Ok((2, vec!["two\nlines".to_string(), "x".into()])),
            Ok((5, vec!["y".to_string(), "=1+1".into()])),
        ]
    );
}

#[test]
fn header_problems_are_reported_together() {
    let e = open(b"a,a,c,\n").err().unwrap();
    let text: Vec<String> = e.iter().map(ToString::to_string).collect();
    assert_eq!(text.len(), 4, "{text:?}");
    assert!(text[0].contains("appears twice"), "{text:?}");
    assert!(text[1].contains("unknown column `c`"), "{text:?}");
    assert!(text[2].contains("column 4 has no name"), "{text:?}");
    assert!(text[3].contains("lacks the column b"), "{text:?}");
    assert!(open(b"").err().unwrap()[0].message.contains("empty"));
    assert!(open(b"a;b\n").err().unwrap()[0]
        .message
        .contains("semicolons"));
}

#[test]
fn refuses_what_is_not_csv_text() {
    for (bytes, needle) in [
        (&b"\xFF\xFEa\0,\0b\0"[..], "UTF-16"),
        (&b"PK\x03\x04rest"[..], "zip"),
        (&b"a,b\n1,\0\n"[..], "NUL"),
    ] {
        let r = rows(bytes);
        let e = r.last().unwrap().as_ref().unwrap_err();
        assert!(e[0].message.contains(needle), "{e:?}");
    }
    let r = rows(b"a,b\n1,\xE9t\xE9\n2,ok\n");
    assert_eq!(r[0].as_ref().unwrap_err()[0].column.as_deref(), Some("b"));
    assert!(r[1].is_ok(), "reading goes on after a bad row");
}

#[test]
fn a_header_of_too_many_columns_is_one_error() {
    let header = "x,".repeat(400_000);
    let e = open(header.as_bytes()).err().unwrap();
    assert_eq!(e.len(), 1);
    assert!(
        e[0].to_string()
            .contains("400001 columns, more than the 1000"),
        "{}",
        e[0]
    );
}

#[test]
fn endless_rows_stop_early() {
    let mut big = b"a,b\n1,".to_vec();
    big.extend(std::iter::repeat_n(b'x', 3 * MAX_ROW_BYTES));
    let r = rows(&big);
    let e = &r.last().unwrap().as_ref().unwrap_err()[0];
    assert_eq!(e.line, 2);
    assert!(e.message.contains("longer than 1 MiB"), "{e}");
    let mut open_quote = b"a,b\n1,\"never closed\n".to_vec();
    for _ in 0..200_000 {
        open_quote.extend_from_slice(b"more text,\n");
    }
    let r = rows(&open_quote);
    let e = &r.last().unwrap().as_ref().unwrap_err()[0];
    assert!(e.message.contains("never closed"), "{e}");
}

#[test]
fn wrong_cell_counts_name_the_line() {
    let r = rows(b"a,b\n1,2,3\n1\n");
    let e: Vec<&RowError> = r.iter().map(|x| &x.as_ref().unwrap_err()[0]).collect();
    assert_eq!((e[0].line, e[1].line), (2, 3));
    assert!(e[0]
        .message
        .contains("3 cells but the header has 2 columns"));
}

#[test]
fn writer_quotes_and_escapes() {
    let mut out = Vec::new();
    let mut w = SheetWriter::new(&mut out);
    w.row([Some("a,b"), None, Some("=1"), Some("say \"hi\"\nbye")])
        .unwrap();
    w.flush().unwrap();
    drop(w);
    assert_eq!(
        String::from_utf8(out).unwrap(),
        "\"a,b\",,'=1,\"say \"\"hi\"\"\nbye\"\n"
    );
}
