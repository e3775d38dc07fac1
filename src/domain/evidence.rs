//! Evidence: append-only observations of a trait for a partner, and which record counts.

use chrono::{DateTime, NaiveDate, Utc};
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
    /// When it was recorded, the tie-breaker between same-day observations.
    #[serde(serialize_with = "super::stamp::serialize")]
    pub recorded_at: DateTime<Utc>,
    pub retracted: bool,
}

/// What screening needs to know of an evidence record; implemented by the full [`Evidence`] and by the
/// [`CompactEvidence`] kept in memory for screening many partners at once.
pub trait Record: Clone {
    fn trait_id(&self) -> i64;
    fn observed(&self) -> NaiveDate;
    fn observation(&self) -> Observation;
    fn retracted(&self) -> bool;
    /// Which of two records counts: the newer observation date, then the later-recorded, then the higher id.
    fn precedence(&self, other: &Self) -> std::cmp::Ordering;
    /// Stale when its age in days at `as_of` is greater than `max_age_days` (exactly that old still counts).
    fn is_stale(&self, as_of: NaiveDate, max_age_days: i64) -> bool {
        (as_of - self.observed()).num_days() > max_age_days
    }
}

impl Record for Evidence {
    fn trait_id(&self) -> i64 {
        self.trait_id
    }
    fn observed(&self) -> NaiveDate {
        self.observed
    }
    fn observation(&self) -> Observation {
        self.observation
    }
    fn retracted(&self) -> bool {
        self.retracted
    }
    fn precedence(&self, other: &Self) -> std::cmp::Ordering {
        (self.observed, self.recorded_at, self.id).cmp(&(
            other.observed,
            other.recorded_at,
            other.id,
        ))
    }
}

/// An evidence record reduced to what decides a verdict (40 bytes instead of several strings).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CompactEvidence {
    pub id: i64,
    pub partner_id: i64,
    pub trait_id: i64,
    pub observed: NaiveDate,
    /// When it was recorded, in microseconds since the epoch (the same-day tie-breaker).
    pub recorded_micros: i64,
    pub observation: Observation,
    pub retracted: bool,
}

impl Record for CompactEvidence {
    fn trait_id(&self) -> i64 {
        self.trait_id
    }
    fn observed(&self) -> NaiveDate {
        self.observed
    }
    fn observation(&self) -> Observation {
        self.observation
    }
    fn retracted(&self) -> bool {
        self.retracted
    }
    fn precedence(&self, other: &Self) -> std::cmp::Ordering {
        (self.observed, self.recorded_micros, self.id).cmp(&(
            other.observed,
            other.recorded_micros,
            other.id,
        ))
    }
}

/// The record that counts for one trait as of `as_of`: the non-retracted one observed on or before `as_of`
/// with the newest observation date (of two observed the same day, the later-recorded).
pub fn counting_record<'a, R: Record>(
    records: impl IntoIterator<Item = &'a R>,
    as_of: NaiveDate,
) -> Option<&'a R> {
    records
        .into_iter()
        .filter(|e| !e.retracted() && e.observed() <= as_of)
        .max_by(|a, b| a.precedence(b))
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
            recorded_at: recorded_at.parse().unwrap(),
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
    fn compact_records_order_like_full_ones() {
        let full = [
            // Observed the same day as #2 but recorded later: it counts, though its id is lower.
            ev(1, "2026-02-01", "2026-02-03T09:00:00.000000Z", true, false),
            ev(2, "2026-02-01", "2026-02-01T09:00:00.000000Z", false, false),
            // Observed and recorded at the same instant: the higher id counts.
            ev(3, "2026-01-15", "2026-01-15T09:00:00.000000Z", true, false),
            ev(4, "2026-01-15", "2026-01-15T09:00:00.000000Z", false, false),
        ];
        let compact: Vec<CompactEvidence> = full
            .iter()
            .map(|e| CompactEvidence {
                id: e.id,
                partner_id: e.partner_id,
                trait_id: e.trait_id,
                observed: e.observed,
                recorded_micros: e.recorded_at.timestamp_micros(),
                observation: e.observation,
                retracted: e.retracted,
            })
            .collect();
        let d = |s: &str| s.parse::<NaiveDate>().unwrap();
        for (as_of, expected) in [("2026-12-31", 1), ("2026-01-31", 4)] {
            assert_eq!(counting_record(&full, d(as_of)).unwrap().id, expected);
            assert_eq!(counting_record(&compact, d(as_of)).unwrap().id, expected);
        }
    }

    #[test]
    fn staleness_boundary_is_inclusive() {
        let e = ev(1, "2025-11-26", "2025-11-26T09:00:00Z", true, false);
        let d = |s: &str| s.parse::<NaiveDate>().unwrap();
        assert!(!e.is_stale(d("2026-11-26"), 365)); // exactly 365 days old still counts
        assert!(e.is_stale(d("2026-11-27"), 365));
    }
}
