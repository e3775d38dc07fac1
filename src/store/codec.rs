//! How the store writes and reads its columns' values: timestamps as sortable text (read digit by digit in the
//! store's own form), days, and typed columns read by name with an error that names the column.

use super::{Result, StoreError};
use chrono::{DateTime, NaiveDate, Utc};
use sqlx::any::AnyRow;
use sqlx::Row;
use std::str::FromStr;

/// Format a timestamp the way the store keeps them (sortable text, [`crate::domain::stamp`]).
pub fn ts(t: DateTime<Utc>) -> String {
    crate::domain::stamp::text(t)
}

/// Parse a stored timestamp: the one decoder of the stored text. The form the store writes is read without a
/// format parser (a first load of 100,000 partners reads five million); anything else goes through chrono's
/// RFC 3339 parser.
pub fn parse_ts(s: &str) -> Result<DateTime<Utc>> {
    if let Some(t) = stamp_text(s.as_bytes()) {
        return Ok(t);
    }
    DateTime::parse_from_rfc3339(s)
        .map(|t| t.with_timezone(&Utc))
        .map_err(|e| StoreError::Corrupt(format!("timestamp `{s}`: {e}")))
}

/// The decimal number of `b[r]`, when every byte there is a digit.
fn digits(b: &[u8], r: std::ops::Range<usize>) -> Option<u32> {
    b.get(r)?.iter().try_fold(0u32, |n, c| {
        c.is_ascii_digit().then(|| n * 10 + u32::from(c - b'0'))
    })
}

/// The instant of a text in exactly the store's form (`YYYY-MM-DDTHH:MM:SS.ffffffZ`, [`crate::domain::stamp`]),
/// or None for any other text (a leap second included), which chrono's parser then reads.
pub(super) fn stamp_text(b: &[u8]) -> Option<DateTime<Utc>> {
    let shape = b.len() == 27
        && [
            (4, b'-'),
            (7, b'-'),
            (10, b'T'),
            (13, b':'),
            (16, b':'),
            (19, b'.'),
            (26, b'Z'),
        ]
        .iter()
        .all(|&(i, c)| b[i] == c);
    if !shape {
        return None;
    }
    let date =
        NaiveDate::from_ymd_opt(digits(b, 0..4)? as i32, digits(b, 5..7)?, digits(b, 8..10)?)?;
    let time = date.and_hms_micro_opt(
        digits(b, 11..13)?,
        digits(b, 14..16)?,
        digits(b, 17..19)?,
        digits(b, 20..26)?,
    )?;
    Some(time.and_utc())
}

pub(crate) fn opt_ts(s: Option<String>) -> Result<Option<DateTime<Utc>>> {
    s.as_deref().map(parse_ts).transpose()
}

/// Parse a stored `YYYY-MM-DD` date: the one decoder of stored dates. The usual form is read without a format
/// parser (the import's scans read hundreds of thousands); anything else goes through chrono's.
pub(crate) fn day(s: &str) -> Result<NaiveDate> {
    let b = s.as_bytes();
    if b.len() == 10 && b[4] == b'-' && b[7] == b'-' {
        if let (Some(y), Some(m), Some(d)) = (digits(b, 0..4), digits(b, 5..7), digits(b, 8..10)) {
            if let Some(date) = NaiveDate::from_ymd_opt(y as i32, m, d) {
                return Ok(date);
            }
        }
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|e| StoreError::Corrupt(format!("date `{s}`: {e}")))
}

pub(crate) fn opt_day(s: Option<String>) -> Result<Option<NaiveDate>> {
    s.as_deref().map(day).transpose()
}

pub(crate) fn parse_col<T: FromStr>(s: &str, what: &str) -> Result<T> {
    s.parse()
        .map_err(|_| StoreError::Corrupt(format!("{what} `{s}`")))
}

pub(crate) fn get<'r, T>(row: &'r AnyRow, col: &str) -> Result<T>
where
    T: sqlx::Decode<'r, sqlx::Any> + sqlx::Type<sqlx::Any>,
{
    Ok(row.try_get(col)?)
}
