//! Evidence: append-only observations of a trait for a partner, and which record counts.

use chrono::NaiveDate;
use serde::Serialize;

/// What was observed.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Observation {
    /// A yes/no trait was seen met (true) or missed (false).
    Met(bool),
    /// A threshold trait's measured value.
    Value(f64),
}

/// One evidence record as stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Evidence {
    pub id: i64,
    pub partner_id: i64,
    pub trait_id: i64,
    pub observation: Observation,
    pub source: Option<String>,
    pub note: Option<String>,
    pub observed: NaiveDate,
    pub recorded_by: String,
    /// When it was recorded (UTC, RFC 3339), the tie-breaker between same-day observations.
    pub recorded_at: String,
    pub retracted: bool,
}

impl Evidence {
    /// Age in days at `as_of`.
    pub fn age_days(&self, as_of: NaiveDate) -> i64 {
        (as_of - self.observed).num_days()
    }
    /// Stale when its age in days is greater than `max_age_days` (exactly that old still counts).
    pub fn is_stale(&self, as_of: NaiveDate, max_age_days: i64) -> bool {
        self.age_days(as_of) > max_age_days
    }
}

/// Orders records by which one counts: newest observation date, then the later-recorded, then the higher id.
fn precedence(e: &Evidence) -> (NaiveDate, &str, i64) {
    (e.observed, e.recorded_at.as_str(), e.id)
}

/// The record that counts for one trait as of `as_of`: the non-retracted one observed on or before `as_of`
/// with the newest observation date (of two observed the same day, the later-recorded).
pub fn counting_record<'a>(
    records: impl IntoIterator<Item = &'a Evidence>,
    as_of: NaiveDate,
) -> Option<&'a Evidence> {
    records
        .into_iter()
        .filter(|e| !e.retracted && e.observed <= as_of)
        .max_by(|a, b| precedence(a).cmp(&precedence(b)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(id: i64, observed: &str, recorded_at: &str, met: bool, retracted: bool) -> Evidence {
        Evidence {
            id,
            partner_id: 1,
            trait_id: 1,
            observation: Observation::Met(met),
            source: None,
            note: None,
            observed: observed.parse().unwrap(),
            recorded_by: "ana".into(),
            recorded_at: recorded_at.into(),
            retracted,
        }
    }

    #[test]
    fn newest_observation_wins_then_later_recorded() {
        let recs = [
            ev(1, "2026-01-10", "2026-01-10T10:00:00.000000Z", true, false),
            ev(2, "2026-02-01", "2026-02-01T09:00:00.000000Z", false, false),
            // observed the same day as #2 but recorded later: it counts.
            ev(3, "2026-02-01", "2026-02-03T09:00:00.000000Z", true, false),
            // recorded last, but observed earlier: does not count.
            ev(4, "2026-01-20", "2026-03-01T09:00:00.000000Z", false, false),
        ];
        let d = |s: &str| s.parse::<NaiveDate>().unwrap();
        assert_eq!(counting_record(&recs, d("2026-12-31")).unwrap().id, 3);
        assert_eq!(counting_record(&recs, d("2026-01-31")).unwrap().id, 4);
        assert_eq!(counting_record(&recs, d("2026-01-10")).unwrap().id, 1);
        assert!(counting_record(&recs, d("2026-01-09")).is_none());
    }

    #[test]
    fn retracted_records_never_count() {
        let recs = [
            ev(1, "2026-01-10", "2026-01-10T10:00:00.000000Z", true, false),
            ev(2, "2026-02-01", "2026-02-01T09:00:00.000000Z", false, true),
        ];
        let d: NaiveDate = "2026-12-31".parse().unwrap();
        assert_eq!(counting_record(&recs, d).unwrap().id, 1);
    }

    #[test]
    fn staleness_boundary_is_inclusive() {
        let e = ev(1, "2025-11-26", "x", true, false);
        let d = |s: &str| s.parse::<NaiveDate>().unwrap();
        assert!(!e.is_stale(d("2026-11-26"), 365)); // exactly 365 days old still counts
        assert!(e.is_stale(d("2026-11-27"), 365));
    }
}
