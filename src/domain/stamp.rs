//! Instants as partnerfit writes them: UTC, RFC 3339 with six decimals (`2026-07-08T12:00:00.000000Z`), a text
//! that sorts in time order. The store is the only place that turns this text into a `DateTime<Utc>` and back
//! (`store::parse_ts`, `store::ts`); past it every timestamp is a chrono value, and the JSON replies show it in
//! this same form (`#[serde(serialize_with = "stamp::serialize")]`).

use chrono::{DateTime, Utc};
use serde::Serializer;

/// The `chrono` format of the text.
pub const FORMAT: &str = "%Y-%m-%dT%H:%M:%S%.6fZ";

/// The text of an instant.
pub fn text(t: DateTime<Utc>) -> String {
    t.format(FORMAT).to_string()
}

/// Serialize an instant as its text.
pub fn serialize<S: Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(&t.format(FORMAT))
}

/// Serialize an instant that may be missing as its text or null.
pub fn serialize_opt<S: Serializer>(t: &Option<DateTime<Utc>>, s: S) -> Result<S::Ok, S::Error> {
    match t {
        Some(t) => serialize(t, s),
        None => s.serialize_none(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn six_decimals_and_a_z() {
        let t = Utc.with_ymd_and_hms(2026, 7, 8, 12, 0, 5).unwrap()
            + chrono::Duration::microseconds(42);
        assert_eq!(text(t), "2026-07-08T12:00:05.000042Z");
        #[derive(serde::Serialize)]
        struct S {
            #[serde(serialize_with = "serialize")]
            at: DateTime<Utc>,
            #[serde(serialize_with = "serialize_opt")]
            maybe: Option<DateTime<Utc>>,
        }
        assert_eq!(
            serde_json::to_string(&S { at: t, maybe: None }).unwrap(),
            r#"{"at":"2026-07-08T12:00:05.000042Z","maybe":null}"#
        );
    }
}
