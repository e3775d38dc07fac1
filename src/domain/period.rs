//! The period one digest covers: the ISO week of a weekly digest, the quarter of a quarterly one. Its text
//! (`2026-W47`, `2026-Q3`) is how replies show it and how the store keeps a digest run's period.

use super::types::{DigestKind, ParseError, Quarter, Week};
use serde::{Serialize, Serializer};
use std::fmt;

/// The period one digest run covers: the ISO week of a weekly digest, the quarter of a quarterly one. Shown
/// and stored as its text (`2026-W47`, `2026-Q3`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Period {
    Week(Week),
    Quarter(Quarter),
}

impl Period {
    /// The digest whose runs cover periods of this kind.
    pub fn digest(self) -> DigestKind {
        match self {
            Period::Week(_) => DigestKind::Weekly,
            Period::Quarter(_) => DigestKind::Quarterly,
        }
    }

    /// A period of `digest` from its text, as `Display` writes it: a week for the weekly digest, a quarter for
    /// the quarterly one. A period of the other digest, or text that is none, is the error of its parser.
    pub fn parse(digest: DigestKind, text: &str) -> Result<Period, ParseError> {
        match digest {
            DigestKind::Weekly => text.parse().map(Period::Week),
            DigestKind::Quarterly => text.parse().map(Period::Quarter),
        }
    }
}

impl fmt::Display for Period {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Period::Week(w) => w.fmt(f),
            Period::Quarter(q) => q.fmt(f),
        }
    }
}

impl Serialize for Period {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_are_shown_and_read_as_their_text() {
        let week = Period::Week(Week::from_iso(2027, 1).unwrap());
        let quarter = Period::Quarter(Quarter::new(2026, 4).unwrap());
        assert_eq!(week.to_string(), "2027-W01");
        assert_eq!(quarter.to_string(), "2026-Q4");
        assert_eq!(serde_json::to_string(&week).unwrap(), "\"2027-W01\"");
        assert_eq!(serde_json::to_string(&quarter).unwrap(), "\"2026-Q4\"");
        assert_eq!(week.digest(), DigestKind::Weekly);
        assert_eq!(quarter.digest(), DigestKind::Quarterly);
        for p in [week, quarter] {
            assert_eq!(Period::parse(p.digest(), &p.to_string()), Ok(p));
        }
        // A period of the other digest, or no period at all, is not one.
        for (digest, text) in [
            (DigestKind::Weekly, "2026-Q4"),
            (DigestKind::Quarterly, "2027-W01"),
            (DigestKind::Weekly, "soon"),
            (DigestKind::Quarterly, ""),
        ] {
            assert!(Period::parse(digest, text).is_err(), "{text}");
        }
    }
}
