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
fn stamp_text(b: &[u8]) -> Option<DateTime<Utc>> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_days_and_timestamps_decode_once() {
        let chrono_day = |s: &str| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok();
        for s in [
            "2026-11-26",
            "2024-02-29",
            "0999-01-01",
            "2025-02-29",
            "2026-13-01",
            "2026-1-01",
            "x",
            "2026-11-26T00",
            "2026-11-2x",
        ] {
            assert_eq!(day(s).ok(), chrono_day(s), "{s}");
        }
        let t = parse_ts("2026-07-08T12:00:05.000042Z").unwrap();
        assert_eq!(ts(t), "2026-07-08T12:00:05.000042Z");
        assert!(matches!(
            parse_ts("2026-07-08"),
            Err(StoreError::Corrupt(_))
        ));
        // Other RFC 3339 forms are chrono's to read; a leap second is one.
        for (s, micros) in [
            ("2026-07-08T12:00:05Z", 0),
            ("2026-07-08T14:00:05.000042+02:00", 42),
            ("2026-07-08t12:00:05.000042z", 42),
        ] {
            assert_eq!(
                parse_ts(s).unwrap(),
                parse_ts("2026-07-08T12:00:05.000000Z").unwrap()
                    + chrono::Duration::microseconds(micros),
                "{s}"
            );
        }
        assert_eq!(
            parse_ts("2016-12-31T23:59:60.500000Z").unwrap(),
            DateTime::parse_from_rfc3339("2016-12-31T23:59:60.500000Z").unwrap()
        );
        for s in [
            "2026-02-30T12:00:05.000042Z",
            "2026-07-08T24:00:05.000042Z",
            "2026-07-08T12:00:05.00004xZ",
        ] {
            assert!(matches!(parse_ts(s), Err(StoreError::Corrupt(_))), "{s}");
        }
    }

    proptest::proptest! {
        /// Every instant the store writes is read back by the fast path, to the microsecond.
        #[test]
        fn the_store_s_text_is_read_without_chrono_s_parser(micros in -62_135_596_800_000_000i64..253_402_300_799_999_999) {
            let t = DateTime::from_timestamp_micros(micros).unwrap();
            proptest::prop_assert_eq!(stamp_text(ts(t).as_bytes()), Some(t));
        }

        /// Whatever the fast path reads, chrono's parser reads the same: text of the store's shape with any
        /// digits, or any text at all.
        #[test]
        fn the_fast_path_agrees_with_chrono(s in "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{6}Z|.{0,30}") {
            let chrono = DateTime::parse_from_rfc3339(&s).map(|t| t.with_timezone(&Utc)).ok();
            if let Some(fast) = stamp_text(s.as_bytes()) {
                proptest::prop_assert_eq!(Some(fast), chrono);
            }
            proptest::prop_assert_eq!(parse_ts(&s).ok(), chrono);
        }
    }
}
