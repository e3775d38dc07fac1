//! Digest schedules: cron expressions evaluated in the workspace's time zone, digest runs recorded in the
//! database so each period is posted exactly once, and catch-up after downtime. [`runner::Scheduler`] does
//! the work; this module holds the small rules it and `/schedule` share.

pub mod cron_expr;
pub mod runner;

use crate::domain::{DigestKind, Quarter, Week};
use crate::store::StoreError;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
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

    /// The one decoder of a stored period: the text of a `digest` run's period, as [`Period`]'s `Display`
    /// wrote it. Text that is not a period of that digest is [`StoreError::Corrupt`].
    pub fn stored(digest: DigestKind, text: &str) -> Result<Period, StoreError> {
        let period = match digest {
            DigestKind::Weekly => text.parse().map(Period::Week),
            DigestKind::Quarterly => text.parse().map(Period::Quarter),
        };
        period.map_err(|_| StoreError::Corrupt(format!("{digest} period `{text}`")))
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

/// The period a digest fired at `fire` covers: the week, or the quarter, that just ended (in `tz`).
pub fn period_of(digest: DigestKind, fire: DateTime<Utc>, tz: Tz) -> Period {
    let local = fire.with_timezone(&tz).date_naive();
    match digest {
        DigestKind::Weekly => Period::Week(Week::containing(local).prev()),
        DigestKind::Quarterly => Period::Quarter(Quarter::containing(local).prev()),
    }
}

/// The default cron expression of a digest.
pub fn default_cron(digest: DigestKind) -> &'static str {
    match digest {
        DigestKind::Weekly => cron_expr::DEFAULT_WEEKLY,
        DigestKind::Quarterly => cron_expr::DEFAULT_QUARTERLY,
    }
}

/// A fire later than this after its time is posted marked late (the bot was down).
pub const LATE_AFTER: chrono::Duration = chrono::Duration::seconds(120);

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn periods_are_the_ones_that_just_ended_in_local_time() {
        let berlin: Tz = "Europe/Berlin".parse().unwrap();
        // Monday 2026-11-23 08:00Z is 09:00 in Berlin: covers the week of 16-22 November.
        let fire = Utc.with_ymd_and_hms(2026, 11, 23, 8, 0, 0).unwrap();
        let text = |digest, fire, tz| period_of(digest, fire, tz).to_string();
        assert_eq!(text(DigestKind::Weekly, fire, berlin), "2026-W47");
        // Sunday 23:30Z is already Monday in Berlin.
        let late_sunday = Utc.with_ymd_and_hms(2026, 11, 22, 23, 30, 0).unwrap();
        assert_eq!(text(DigestKind::Weekly, late_sunday, berlin), "2026-W47");
        assert_eq!(text(DigestKind::Weekly, late_sunday, Tz::UTC), "2026-W46");
        let jan = Utc.with_ymd_and_hms(2027, 1, 4, 8, 0, 0).unwrap();
        assert_eq!(text(DigestKind::Quarterly, jan, berlin), "2026-Q4");
        assert_eq!(
            period_of(DigestKind::Quarterly, jan, berlin).digest(),
            DigestKind::Quarterly
        );
    }

    #[test]
    fn periods_are_stored_and_shown_as_their_text() {
        let week = Period::Week(Week::from_iso(2027, 1).unwrap());
        let quarter = Period::Quarter(Quarter::new(2026, 4).unwrap());
        assert_eq!(week.to_string(), "2027-W01");
        assert_eq!(quarter.to_string(), "2026-Q4");
        assert_eq!(serde_json::to_string(&week).unwrap(), "\"2027-W01\"");
        assert_eq!(serde_json::to_string(&quarter).unwrap(), "\"2026-Q4\"");
        for p in [week, quarter] {
            assert_eq!(Period::stored(p.digest(), &p.to_string()).unwrap(), p);
        }
        // A period of the other digest, or no period at all, is a corrupt row.
        for (digest, text) in [
            (DigestKind::Weekly, "2026-Q4"),
            (DigestKind::Quarterly, "2027-W01"),
            (DigestKind::Weekly, "soon"),
        ] {
            assert!(
                matches!(Period::stored(digest, text), Err(StoreError::Corrupt(_))),
                "{text}"
            );
        }
    }
}
