//! The CSV dialect of the contract, on both sides: a header row, UTF-8, comma-separated, RFC 4180 quoting;
//! cells that a spreadsheet would run as a formula are written with a leading `'` and read back without it.
//!
//! Reading is defensive: [`Guard`] sits between the file and the CSV parser and stops at the first sign that the
//! file is not CSV text (UTF-16, a zip or Excel workbook, NUL bytes), that one row grows without bound (an
//! unclosed quote, a 10 MB line), or that a quoted cell would not read as written (a quote never closed, text
//! after the quote that closes a cell), so memory stays bounded whatever the input and no row is read other
//! than as written. [`Sheet`] checks the header against a [`Schema`] and yields rows with their line numbers,
//! cells in schema order.

use crate::domain::number_in_range;
use serde::Serialize;
use std::borrow::Cow;
use std::collections::VecDeque;
use std::fmt;
use std::io::{self, BufRead, BufReader, Read, Write};

/// The longest row we read, in bytes (a legitimate row is a few kilobytes: notes have at most 1,000 characters).
pub const MAX_ROW_BYTES: usize = 1024 * 1024;

/// How many errors an import report lists (all are counted).
pub const MAX_SHOWN_ERRORS: usize = 20;

/// The most columns a file's header may have (a roster export has 8, and one per trait of every profile).
pub const MAX_COLUMNS: usize = 1000;

/// Characters that make a spreadsheet evaluate a cell (`=HYPERLINK(…)`, `+1+1`, `-2+3`, `@SUM(…)`).
const FORMULA_START: [char; 4] = ['=', '+', '-', '@'];

/// An error at a place in the file: the line a row starts on, and the column when one cell is at fault.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowError {
    pub line: u64,
    pub column: Option<String>,
    pub message: String,
}

impl RowError {
    pub fn new(line: u64, column: Option<&str>, message: impl Into<String>) -> RowError {
        RowError {
            line,
            column: column.map(str::to_string),
            message: message.into(),
        }
    }
}

impl fmt::Display for RowError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.column {
            Some(c) => write!(f, "line {}, column `{c}`: {}", self.line, self.message),
            None => write!(f, "line {}: {}", self.line, self.message),
        }
    }
}

/// The errors of one import: the first [`MAX_SHOWN_ERRORS`] kept, all counted.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Errors {
    pub shown: Vec<RowError>,
    pub count: u64,
}

impl Errors {
    pub fn push(&mut self, e: RowError) {
        self.count += 1;
        if self.shown.len() < MAX_SHOWN_ERRORS {
            self.shown.push(e);
        }
    }
    pub fn extend(&mut self, es: impl IntoIterator<Item = RowError>) {
        for e in es {
            self.push(e);
        }
    }
    /// Whether the next error will be shown (worth computing "did you mean" suggestions for).
    pub fn wants_detail(&self) -> bool {
        self.shown.len() < MAX_SHOWN_ERRORS
    }
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }
}

/// Whether `s` is a plain number the app takes (`-5`, `+3.5`, `1e3`; within [`number_in_range`], the bound an
/// import's number cells are held to): spreadsheets do not evaluate those, so they are not escaped.
fn is_number(s: &str) -> bool {
    !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '.' | '-' | '+' | 'e' | 'E'))
        && s.parse::<f64>().is_ok_and(number_in_range)
}

/// Whether `s` reads as an escaped cell: quotes followed by a formula character.
fn formula_like(s: &str) -> bool {
    s.trim_start_matches('\'').starts_with(FORMULA_START)
}

/// The cell as written to a file: a text starting with `=`, `+`, `-` or `@` (after any quotes) that is not a
/// number gets a leading `'`, so spreadsheets show it instead of running it. [`unescape_cell`] undoes it exactly.
pub fn escape_cell(s: &str) -> Cow<'_, str> {
    if formula_like(s) && !is_number(s) {
        Cow::Owned(format!("'{s}"))
    } else {
        Cow::Borrowed(s)
    }
}

/// The cell as read from a file: one leading `'` before a formula character (after any further quotes) is
/// dropped.
pub fn unescape_cell(s: &str) -> &str {
    match s.strip_prefix('\'') {
        Some(rest) if formula_like(rest) => rest,
        _ => s,
    }
}

/// What a file must look like: its name for messages, its columns, and the columns an export adds that an
/// import ignores.
#[derive(Debug)]
pub struct Schema {
    /// `partners`, `evidence`, …
    pub what: &'static str,
    pub columns: &'static [&'static str],
    /// Whether a (lower-cased) column name is one an export adds.
    pub ignored: fn(&str) -> bool,
}

impl Schema {
    fn header_hint(&self) -> String {
        self.columns.join(",")
    }

    /// `a partners file`, `an evidence file`; `A …`, `An …` when `capital`.
    fn a_file(&self, capital: bool) -> String {
        let vowel = self.what.starts_with(['a', 'e', 'i', 'o', 'u']);
        let article = match (vowel, capital) {
            (false, false) => "a",
            (false, true) => "A",
            (true, false) => "an",
            (true, true) => "An",
        };
        format!("{article} {} file", self.what)
    }
}

const NOT_TEXT: &str =
    "save it from your spreadsheet as \"CSV UTF-8 (comma delimited)\" and import that file";

/// What a quote that closes a quoted cell too early is told: text follows it.
const TEXT_AFTER_QUOTE: &str =
    "text after the quote `\"` that closes a cell: put the whole cell in double \
    quotes and write each quote inside it twice: \"say \"\"hi\"\"\"";
/// What a quote that opens a cell and never closes is told.
const QUOTE_NEVER_CLOSED: &str =
    "a quote `\"` opens a cell that never closes: close it with `\"` or remove it";

/// Where the guard is in RFC 4180's grammar of cells: a quote at the start of a cell opens a quoted cell, in which
/// a quote is either doubled (a quote inside) or closes the cell right before a comma, a line end or the end of
/// the file. A quote inside a cell that does not start with one is read as it is (`'=HYPERLINK("x")`, `5'10"`),
/// as the CSV parser does: it loses nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Quoting {
    /// At the start of a cell: a quote opens a quoted cell.
    CellStart,
    /// Inside a cell that does not start with a quote.
    Unquoted,
    /// Inside a quoted cell.
    Quoted,
    /// Right after a quote inside a quoted cell: a second quote makes it a quote inside, anything else must
    /// end the cell.
    AfterQuote,
}

/// A reader that stops at input that is not CSV text, rows that grow without bound, or quoted cells that would
/// not read as written, remembering why.
///
/// Text after the quote that closes a cell stops reading right before it (the rows before it are read first);
/// a quote still open at the end of the file lets the parser read its last row, then stops reading, so that
/// [`Sheet`] reports it after that row.
///
/// It also keeps the offsets of the line breaks it passed on that the parser has not reached yet, so that
/// [`Guard::line_at`] can tell the line a record starts on (the parser's own count is off by one after a
/// `\r\n`, whose `\n` it reads as part of the next record).
pub struct Guard<R> {
    inner: BufReader<R>,
    started: bool,
    quoting: Quoting,
    /// The line of the quote that opened the quoted cell being read.
    quote_line: u64,
    row_bytes: usize,
    line: u64,
    row_line: u64,
    failure: Option<RowError>,
    /// Bytes passed on so far.
    offset: u64,
    /// Offsets of the `\r` (false) and `\n` (true) passed on and not yet behind the parser.
    breaks: VecDeque<(u64, bool)>,
    /// `\n` bytes before the first entry of `breaks`.
    lines_before: u64,
}

impl<R: Read> Guard<R> {
    pub fn new(inner: R) -> Guard<R> {
        Guard {
            inner: BufReader::with_capacity(64 * 1024, inner),
            started: false,
            quoting: Quoting::CellStart,
            quote_line: 1,
            row_bytes: 0,
            line: 1,
            row_line: 1,
            failure: None,
            offset: 0,
            breaks: VecDeque::new(),
            lines_before: 0,
        }
    }

    /// The line of the first byte at or after `offset` that is not a line break: where a record that the
    /// parser started reading at `offset` begins. Offsets must not decrease from one call to the next.
    pub fn line_at(&mut self, offset: u64) -> u64 {
        let mut start = offset;
        while let Some(&(at, lf)) = self.breaks.front() {
            if at > start {
                break;
            }
            if at == start {
                start += 1;
            }
            self.lines_before += u64::from(lf);
            self.breaks.pop_front();
        }
        self.lines_before + 1
    }

    /// Why reading stopped, when the guard stopped it.
    pub fn failure(&self) -> Option<&RowError> {
        self.failure.as_ref()
    }

    fn fail(&mut self, line: u64, message: String) -> io::Error {
        let e = io::Error::new(io::ErrorKind::InvalidData, message.clone());
        self.failure = Some(RowError::new(line, None, message));
        e
    }

    /// Follow byte `b` through the grammar of quoted cells ([`Quoting`]); false when it is text after the quote
    /// that closes a cell.
    fn quote_step(&mut self, b: u8) -> bool {
        self.quoting = match (self.quoting, b) {
            (Quoting::Quoted, b'"') => Quoting::AfterQuote,
            (Quoting::Quoted, _) | (Quoting::AfterQuote, b'"') => Quoting::Quoted,
            (Quoting::CellStart, b'"') => {
                self.quote_line = self.line;
                Quoting::Quoted
            }
            (_, b',' | b'\r' | b'\n') => Quoting::CellStart,
            (Quoting::AfterQuote, _) => return false,
            (Quoting::CellStart | Quoting::Unquoted, _) => Quoting::Unquoted,
        };
        true
    }

    /// Look at the first bytes: skip a UTF-8 byte order mark, refuse UTF-16 and workbooks.
    fn start(&mut self) -> io::Result<()> {
        self.started = true;
        let head = self.inner.fill_buf()?;
        if head.starts_with(b"\xEF\xBB\xBF") {
            self.inner.consume(3);
            return Ok(());
        }
        let what = if head.starts_with(b"\xFF\xFE") || head.starts_with(b"\xFE\xFF") {
            "the file is UTF-16 text, not UTF-8"
        } else if head.starts_with(b"PK\x03\x04") {
            "this is not a CSV file but a zip archive (an Excel .xlsx workbook?)"
        } else if head.starts_with(b"\xD0\xCF\x11\xE0") {
            "this is not a CSV file but an Excel .xls workbook"
        } else {
            return Ok(());
        };
        Err(self.fail(1, format!("{what}: {NOT_TEXT}")))
    }
}

impl<R: Read> Read for Guard<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        if let Some(f) = &self.failure {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                f.message.clone(),
            ));
        }
        if !self.started {
            self.start()?;
        }
        let n = self.inner.read(buf)?;
        if n == 0 && !buf.is_empty() && self.quoting == Quoting::Quoted {
            // The end of the file: the parser reads the last row as it is, then [`Sheet`] reports this.
            let line = self.quote_line;
            self.fail(line, QUOTE_NEVER_CLOSED.into());
            return Ok(0);
        }
        for (i, &b) in buf[..n].iter().enumerate() {
            if !self.quote_step(b) {
                // The bytes before it go to the parser, so the rows before it are read; the next read fails.
                let line = self.line;
                let e = self.fail(line, TEXT_AFTER_QUOTE.into());
                if i == 0 {
                    return Err(e);
                }
                self.offset += i as u64;
                return Ok(i);
            }
            match b {
                b'\r' => self.breaks.push_back((self.offset + i as u64, false)),
                b'\n' => self.breaks.push_back((self.offset + i as u64, true)),
                _ => {}
            }
            match b {
                0 => {
                    let line = self.line;
                    return Err(self.fail(
                        line,
                        format!("the file contains NUL bytes, so it is not CSV text (a workbook, or UTF-16?): {NOT_TEXT}"),
                    ));
                }
                b'\n' => {
                    self.line += 1;
                    if self.quoting != Quoting::Quoted {
                        self.row_bytes = 0;
                        self.row_line = self.line;
                        continue;
                    }
                }
                _ => {}
            }
            self.row_bytes += 1;
            if self.row_bytes > MAX_ROW_BYTES {
                let line = self.row_line;
                let why = if self.quoting == Quoting::Quoted {
                    "check for a quote `\"` that is never closed (a quote inside a cell is written twice: \"say \"\"hi\"\"\")"
                } else {
                    "split it into rows, one per line"
                };
                return Err(self.fail(
                    line,
                    format!(
                        "this row is longer than {} MiB: {why}",
                        MAX_ROW_BYTES / (1024 * 1024)
                    ),
                ));
            }
        }
        self.offset += n as u64;
        Ok(n)
    }
}

/// One data row: the line it starts on, its byte offset (for progress), and its cells in schema order —
/// trimmed, line ends normalised to `\n`, formula escapes removed.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub line: u64,
    pub byte: u64,
    columns: &'static [&'static str],
    cells: Vec<String>,
}

impl Row {
    /// The non-empty cell of column `col` (empty cells are "no value").
    pub fn cell(&self, col: &str) -> Option<&str> {
        let i = self.columns.iter().position(|c| *c == col)?;
        self.cells
            .get(i)
            .map(String::as_str)
            .filter(|c| !c.is_empty())
    }

    /// An error about column `col` of this row.
    pub fn error(&self, col: &str, message: impl Into<String>) -> RowError {
        RowError::new(self.line, Some(col), message)
    }
}

/// What reading the next row gave.
#[derive(Debug)]
pub enum Next {
    Row(Row),
    /// A row that cannot be read (wrong number of cells, not UTF-8): reported, and reading goes on.
    Bad(Vec<RowError>),
    /// Reading cannot go on (not CSV text, an endless row, an I/O error).
    Fatal(RowError),
    End,
}

/// A CSV file being read against a [`Schema`].
pub struct Sheet<R: Read> {
    rdr: csv::Reader<Guard<R>>,
    record: csv::ByteRecord,
    schema: &'static Schema,
    /// For each schema column, its index in the file.
    index: Vec<usize>,
    /// The header's names, by index, for messages.
    names: Vec<String>,
}

fn reader_failure<R: Read>(rdr: &csv::Reader<Guard<R>>, e: &csv::Error, line: u64) -> RowError {
    match rdr.get_ref().failure() {
        Some(f) => f.clone(),
        None => RowError::new(line, None, format!("cannot read the file: {e}")),
    }
}

/// `\r\n` and lone `\r` inside a cell become `\n`.
fn normalize_newlines(s: &str) -> Cow<'_, str> {
    if s.contains('\r') {
        Cow::Owned(s.replace("\r\n", "\n").replace('\r', "\n"))
    } else {
        Cow::Borrowed(s)
    }
}

fn plural(n: usize, one: &str, many: &str) -> String {
    if n == 1 {
        format!("{n} {one}")
    } else {
        format!("{n} {many}")
    }
}

impl<R: Read> Sheet<R> {
    /// Open a file: read and check its header. Every problem with the header is returned at once.
    pub fn open(reader: R, schema: &'static Schema) -> Result<Sheet<R>, Vec<RowError>> {
        let mut rdr = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .trim(csv::Trim::None)
            .from_reader(Guard::new(reader));
        let mut record = csv::ByteRecord::new();
        match rdr.read_byte_record(&mut record) {
            Ok(true) => {}
            Ok(false) => {
                if let Some(f) = rdr.get_ref().failure() {
                    return Err(vec![f.clone()]);
                }
                return Err(vec![RowError::new(
                    1,
                    None,
                    format!(
                        "the file is empty: its first line must be the header `{}`, then one row per line",
                        schema.header_hint()
                    ),
                )]);
            }
            Err(e) => return Err(vec![reader_failure(&rdr, &e, 1)]),
        }
        let line = rdr.get_mut().line_at(0);
        if record.len() > MAX_COLUMNS {
            return Err(vec![RowError::new(
                line,
                None,
                format!(
                    "the header has {} columns, more than the {MAX_COLUMNS} partnerfit reads: {} starts with the header `{}`",
                    record.len(),
                    schema.a_file(false),
                    schema.header_hint()
                ),
            )]);
        }
        let mut errors = Vec::new();
        let mut names = Vec::with_capacity(record.len());
        for (i, field) in record.iter().enumerate() {
            match std::str::from_utf8(field) {
                Ok(s) => names.push(s.trim().trim_start_matches('\u{feff}').to_string()),
                Err(_) => {
                    return Err(vec![RowError::new(
                        line,
                        None,
                        format!(
                            "the header (column {}) is not UTF-8 text: {NOT_TEXT}",
                            i + 1
                        ),
                    )])
                }
            }
        }
        if let [only] = names.as_slice() {
            for (sep, label) in [(';', "semicolons"), ('\t', "tabs"), ('|', "bars")] {
                if only.contains(sep) {
                    return Err(vec![RowError::new(
                        line,
                        None,
                        format!(
                            "the header separates columns with {label}: partnerfit reads comma-separated files; {NOT_TEXT}"
                        ),
                    )]);
                }
            }
        }
        let mut index: Vec<Option<usize>> = vec![None; schema.columns.len()];
        for (i, name) in names.iter().enumerate() {
            let lower = name.to_lowercase();
            if lower.is_empty() {
                errors.push(RowError::new(
                    line,
                    None,
                    format!(
                        "column {} has no name in the header: remove the empty column (or a trailing comma)",
                        i + 1
                    ),
                ));
            } else if let Some(k) = schema.columns.iter().position(|c| *c == lower) {
                match index[k] {
                    Some(first) => errors.push(RowError::new(
                        line,
                        Some(schema.columns[k]),
                        format!(
                            "the column appears twice (columns {} and {}): keep one",
                            first + 1,
                            i + 1
                        ),
                    )),
                    None => index[k] = Some(i),
                }
            } else if !(schema.ignored)(&lower) {
                let hint = crate::app::lookup::closest(&lower, schema.columns.iter().copied())
                    .map(|c| format!(" Did you mean `{c}`?"))
                    .unwrap_or_default();
                errors.push(RowError::new(
                    line,
                    None,
                    format!(
                        "unknown column `{}` (column {}).{hint} {} has the columns {}",
                        crate::domain::snippet(name),
                        i + 1,
                        schema.a_file(true),
                        schema.columns.join(", ")
                    ),
                ));
            }
        }
        let missing: Vec<&str> = schema
            .columns
            .iter()
            .zip(&index)
            .filter(|(_, i)| i.is_none())
            .map(|(c, _)| *c)
            .collect();
        if !missing.is_empty() {
            errors.push(RowError::new(
                line,
                None,
                format!(
                    "the header lacks {} {}: {} starts with the header `{}`",
                    if missing.len() == 1 {
                        "the column"
                    } else {
                        "the columns"
                    },
                    missing.join(", "),
                    schema.a_file(false),
                    schema.header_hint()
                ),
            ));
        }
        if !errors.is_empty() {
            // A problem the guard already met further on (a quote) is reported with them.
            errors.extend(rdr.get_ref().failure().cloned());
            return Err(errors);
        }
        Ok(Sheet {
            rdr,
            record,
            schema,
            index: index.into_iter().flatten().collect(),
            names,
        })
    }

    /// Read the next row.
    pub fn next_row(&mut self) -> Next {
        let line_before = self.rdr.position().byte();
        let line_before = self.rdr.get_mut().line_at(line_before);
        match self.rdr.read_byte_record(&mut self.record) {
            Ok(true) => {}
            Ok(false) => {
                return match self.rdr.get_ref().failure() {
                    Some(f) => Next::Fatal(f.clone()),
                    None => Next::End,
                }
            }
            Err(e) => return Next::Fatal(reader_failure(&self.rdr, &e, line_before)),
        }
        let byte = self.record.position().map_or(0, |p| p.byte());
        let line = self.rdr.get_mut().line_at(byte);
        let width = self.names.len();
        if self.record.len() != width {
            let n = self.record.len();
            let hint = if self.record.iter().any(|f| f.contains(&b'\n')) {
                "check for a quote `\"` that is never closed (a quote inside a cell is written twice: \"say \"\"hi\"\"\")"
            } else if n > width {
                "a cell that contains a comma must be in double quotes"
            } else {
                "every row has a cell for each column (an empty cell is no value)"
            };
            return Next::Bad(vec![RowError::new(
                line,
                None,
                format!(
                    "this row has {} but the header has {}: {hint}",
                    plural(n, "cell", "cells"),
                    plural(width, "column", "columns")
                ),
            )]);
        }
        let mut cells = Vec::with_capacity(self.index.len());
        let mut errors = Vec::new();
        for (k, &i) in self.index.iter().enumerate() {
            let raw = self.record.get(i).unwrap_or_default();
            match std::str::from_utf8(raw) {
                Ok(s) => {
                    let s = normalize_newlines(s);
                    cells.push(unescape_cell(s.trim()).to_string());
                }
                Err(_) => {
                    errors.push(RowError::new(
                        line,
                        Some(self.schema.columns[k]),
                        format!("this cell is not UTF-8 text (the file is in another encoding, e.g. Windows-1252): {NOT_TEXT}"),
                    ));
                    cells.push(String::new());
                }
            }
        }
        if !errors.is_empty() {
            return Next::Bad(errors);
        }
        Next::Row(Row {
            line,
            byte,
            columns: self.schema.columns,
            cells,
        })
    }
}

/// The I/O error inside a CSV writer error, with its kind (a closed pipe stays `BrokenPipe`).
fn into_io(e: csv::Error) -> io::Error {
    match e.into_kind() {
        csv::ErrorKind::Io(e) => e,
        other => io::Error::other(format!("{other:?}")),
    }
}

/// A CSV file being written: cells escaped, quoted where RFC 4180 needs it, one row per `\n`-ended line.
pub struct SheetWriter<W: Write> {
    w: csv::Writer<W>,
}

impl<W: Write> SheetWriter<W> {
    pub fn new(out: W) -> SheetWriter<W> {
        SheetWriter {
            w: csv::WriterBuilder::new()
                .terminator(csv::Terminator::Any(b'\n'))
                .from_writer(out),
        }
    }

    /// Write one row of cells (`None` is an empty cell).
    pub fn row<'a>(&mut self, cells: impl IntoIterator<Item = Option<&'a str>>) -> io::Result<()> {
        for c in cells {
            self.w
                .write_field(escape_cell(c.unwrap_or("")).as_bytes())
                .map_err(into_io)?;
        }
        self.w.write_record(None::<&[u8]>).map_err(into_io)
    }

    pub fn flush(&mut self) -> io::Result<()> {
        self.w.flush()
    }
}

#[cfg(test)]
mod tests;
