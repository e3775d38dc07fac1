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
fn messages_name_the_kind_of_file_with_its_article() {
    static EVIDENCE: Schema = Schema {
        what: "evidence",
        columns: &["a"],
        ignored: |_| false,
    };
    let e = Sheet::open(&b"a,x\n"[..], &EVIDENCE).err().unwrap();
    assert!(
        e[0].message.ends_with("An evidence file has the columns a"),
        "{e:?}"
    );
    let e = Sheet::open(&b"x\n"[..], &EVIDENCE).err().unwrap();
    assert!(
        e[1].message
            .ends_with("an evidence file starts with the header `a`"),
        "{e:?}"
    );
    assert_eq!(SCHEMA.a_file(true), "A test file");
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

/// The last error of reading `bytes` (the file's header is `a,b`).
fn last_error(bytes: &[u8]) -> RowError {
    let r = rows(bytes);
    match r.last() {
        Some(Err(e)) => e.last().unwrap().clone(),
        _ => panic!("read without an error: {r:?}"),
    }
}

#[test]
fn a_quote_never_closed_is_refused_at_the_line_it_opens() {
    // The quote swallows the lines after it into one cell of the right width: the row reads, the error follows.
    let r = rows(b"a,b\n1,ok\n2,\"oops\n3,x\n4,y\n");
    assert_eq!(r[0], Ok((2, vec!["1".to_string(), "ok".into()])));
    let e = last_error(b"a,b\n1,ok\n2,\"oops\n3,x\n4,y\n");
    assert_eq!(
        e.to_string(),
        "line 3: a quote `\"` opens a cell that never closes: close it with `\"` or remove it"
    );
    // After a quoted cell of several lines, the line is the quote's, not the row's.
    let e = last_error(b"a,b\n\"x\ny\",\"open\n");
    assert_eq!((e.line, e.message.contains("never closes")), (3, true));
    // In a header that is wrong, it is reported with the header's errors.
    let e = open(b"a,\"c\n").err().unwrap();
    assert!(e[0].message.contains("unknown column `c`"), "{e:?}");
    assert!(e.last().unwrap().message.contains("never closes"), "{e:?}");
    // In a header that is right, it is reported when reading the rows.
    let e = last_error(b"a,\"b\n");
    assert_eq!((e.line, e.message.contains("never closes")), (1, true));
}

#[test]
fn text_after_the_quote_that_closes_a_cell_is_refused() {
    // The CSV parser would read `Midquote Co"`.
    let e = last_error(b"a,b\n1,ok\n\"Mid\"quote Co\",x\n");
    assert_eq!(
        e.to_string(),
        "line 3: text after the quote `\"` that closes a cell: put the whole cell in double quotes and write \
         each quote inside it twice: \"say \"\"hi\"\"\""
    );
    // Rows before it are read first; on a row of several lines, the line is the quote's.
    let r = rows(b"a,b\n1,ok\n\"two\nlines\",\"x\" \n");
    assert_eq!(r[0], Ok((2, vec!["1".to_string(), "ok".into()])));
    assert_eq!(r.len(), 2, "{r:?}");
    assert_eq!(r[1].as_ref().unwrap_err()[0].line, 4);
    // A quote inside a cell that does not start with one is read as it is, as before.
    assert_eq!(
        rows(b"a,b\n'=HYPERLINK(\"x\"),5'10\"\n1, \"y\"\n"),
        vec![
            Ok((2, vec!["=HYPERLINK(\"x\")".to_string(), "5'10\"".into()])),
            Ok((3, vec!["1".to_string(), "\"y\"".into()])),
        ]
    );
}

#[test]
fn quoted_cells_hold_line_breaks_commas_and_doubled_quotes() {
    let r = rows(
        b"a,b\n\"a note\non two lines, with a comma\",\"say \"\"hi\"\"\"\r\n\"\"\"\",\"\"\n\"last\",\"end\"",
    );
    assert_eq!(
        r,
        vec![
            Ok((
                2,
                vec![
                    "a note\non two lines, with a comma".to_string(),
                    "say \"hi\"".into()
                ]
            )),
            Ok((4, vec!["\"".to_string(), String::new()])),
            Ok((5, vec!["last".to_string(), "end".into()])),
        ]
    );
    // What the writer writes reads back as it was.
    let cells = ["=1+\"x\"", "\"", "a\"\"b", "two\nlines", "x,\"y\"\r\n"];
    let mut out = b"a,b\n".to_vec();
    let mut w = SheetWriter::new(&mut out);
    for pair in cells.windows(2) {
        w.row([Some(pair[0]), Some(pair[1])]).unwrap();
    }
    w.flush().unwrap();
    drop(w);
    let read: Vec<Vec<String>> = rows(&out).into_iter().map(|r| r.unwrap().1).collect();
    let written: Vec<Vec<String>> = cells
        .windows(2)
        .map(|p| p.iter().map(|c| c.trim().replace("\r\n", "\n")).collect())
        .collect();
    assert_eq!(read, written);
}
