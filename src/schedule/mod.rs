//! Digest schedules: cron expressions evaluated in the workspace's time zone, digest runs recorded in the
//! database so each period is posted exactly once, and catch-up after downtime. [`runner::Scheduler`] does
//! the work; this module holds the small rules it and `/schedule` share.

pub mod cron_expr;
pub mod runner;

use crate::domain::{DigestKind, Quarter, Week};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;

/// The period one digest run covers, a rule of the domain ([`crate::domain::Period`]), here where the
/// scheduler and `/schedule` have always found it.
pub use crate::domain::Period;

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
}
