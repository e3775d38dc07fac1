//! Screening: a partner's evidence against the active profile of its type, trait by trait, and the verdict
//! ("walk away at two misses" by default: more misses than the workspace's `max_misses`).

use super::evidence::{counting_record, Evidence, Observation, Record};
use super::profile::{Profile, Trait};
use super::types::Verdict;
use chrono::NaiveDate;
use serde::Serialize;

/// The workspace settings screening depends on.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScreenRules {
    /// More misses than this is a walk-away (default 1: two misses walk away).
    pub max_misses: u32,
    /// Evidence older than this many days is stale (default 365).
    pub evidence_max_age_days: i64,
}

impl Default for ScreenRules {
    fn default() -> Self {
        ScreenRules {
            max_misses: 1,
            evidence_max_age_days: 365,
        }
    }
}

/// The status of one trait for one partner.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TraitStatus {
    Met,
    Missed,
    /// No evidence.
    Unknown,
    /// Only evidence older than `evidence_max_age_days`: counts as unknown.
    Stale,
}

impl TraitStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            TraitStatus::Met => "met",
            TraitStatus::Missed => "missed",
            TraitStatus::Unknown => "unknown",
            TraitStatus::Stale => "stale",
        }
    }
    pub fn is_unknown(self) -> bool {
        matches!(self, TraitStatus::Unknown | TraitStatus::Stale)
    }
}

/// One line of the screening checklist.
#[derive(Debug, Clone, PartialEq)]
pub struct TraitCheck<R = Evidence> {
    pub trait_: Trait,
    pub status: TraitStatus,
    /// The record the status rests on (also for stale).
    pub evidence: Option<R>,
}

/// A partner screened against a profile.
#[derive(Debug, Clone, PartialEq)]
pub struct Screening<R = Evidence> {
    pub verdict: Verdict,
    pub met: usize,
    pub missed: usize,
    /// Unknown and stale traits.
    pub unknown: usize,
    pub checks: Vec<TraitCheck<R>>,
    /// The traits to verify before signing; only when the verdict is incomplete.
    pub verify_next: Vec<String>,
}

/// The status a counting record gives a trait at `as_of`.
fn status_of<R: Record>(
    t: &Trait,
    record: Option<&R>,
    as_of: NaiveDate,
    rules: ScreenRules,
) -> TraitStatus {
    let Some(e) = record else {
        return TraitStatus::Unknown;
    };
    if e.is_stale(as_of, rules.evidence_max_age_days) {
        return TraitStatus::Stale;
    }
    let met = match (e.observation(), t.kind.is_threshold()) {
        (Observation::Met(m), false) => m,
        (Observation::Value(v), true) => t.kind.value_meets(v),
        // A record of the wrong shape cannot be judged.
        _ => return TraitStatus::Unknown,
    };
    if met {
        TraitStatus::Met
    } else {
        TraitStatus::Missed
    }
}

/// The verdict from the counts.
pub fn verdict(missed: usize, unknown: usize, max_misses: u32) -> Verdict {
    if missed > max_misses as usize {
        Verdict::WalkAway
    } else if unknown > 0 {
        Verdict::Incomplete
    } else if missed == 0 {
        Verdict::Fit
    } else {
        Verdict::NearFit
    }
}

/// Screen a partner's evidence (all its records, any trait; retracted ones are ignored) against `profile`
/// as of `as_of`: only evidence observed on or before that date counts, and staleness is judged at that date.
pub fn screen<R: Record>(
    profile: &Profile,
    evidence: &[R],
    as_of: NaiveDate,
    rules: ScreenRules,
) -> Screening<R> {
    let checks: Vec<TraitCheck<R>> = profile
        .traits
        .iter()
        .map(|t| {
            let record = counting_record(evidence.iter().filter(|e| e.trait_id() == t.id), as_of);
            TraitCheck {
                trait_: t.clone(),
                status: status_of(t, record, as_of, rules),
                evidence: record.cloned(),
            }
        })
        .collect();
    let count = |f: fn(TraitStatus) -> bool| checks.iter().filter(|c| f(c.status)).count();
    let met = count(|s| s == TraitStatus::Met);
    let missed = count(|s| s == TraitStatus::Missed);
    let unknown = count(TraitStatus::is_unknown);
    let verdict = verdict(missed, unknown, rules.max_misses);
    let verify_next = if verdict == Verdict::Incomplete {
        checks
            .iter()
            .filter(|c| c.status.is_unknown())
            .map(|c| c.trait_.name.clone())
            .collect()
    } else {
        Vec::new()
    };
    Screening {
        verdict,
        met,
        missed,
        unknown,
        checks,
        verify_next,
    }
}

/// The verdicts of one partner at each of `dates` (what [`screen`] gives at each), sorting each trait's
/// records once: the weekly digest asks for eight dates of thousands of partners.
pub fn verdicts_at<R: Record>(
    profile: &Profile,
    evidence: &[R],
    dates: &[NaiveDate],
    rules: ScreenRules,
) -> Vec<Verdict> {
    let mut missed = vec![0; dates.len()];
    let mut unknown = vec![0; dates.len()];
    let mut records: Vec<&R> = Vec::new();
    for t in &profile.traits {
        records.clear();
        records.extend(
            evidence
                .iter()
                .filter(|e| e.trait_id() == t.id && !e.retracted()),
        );
        // Precedence orders by observation date first, so the records observed by a date are a prefix and
        // the one that counts is its last.
        records.sort_by(|a, b| a.precedence(b));
        for (i, &day) in dates.iter().enumerate() {
            let n = records.partition_point(|e| e.observed() <= day);
            let record = n.checked_sub(1).map(|k| records[k]);
            match status_of(t, record, day, rules) {
                TraitStatus::Met => {}
                TraitStatus::Missed => missed[i] += 1,
                TraitStatus::Unknown | TraitStatus::Stale => unknown[i] += 1,
            }
        }
    }
    missed
        .iter()
        .zip(&unknown)
        .map(|(m, u)| verdict(*m, *u, rules.max_misses))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::profile::TraitKind;
    use crate::domain::types::PartnerType;

    fn profile() -> Profile {
        let t = |id: i64, name: &str, kind: TraitKind| Trait {
            id,
            name: name.into(),
            verify_by: Some("call".into()),
            kind,
        };
        Profile {
            id: 1,
            partner_type: PartnerType::Reseller,
            name: "Resellers".into(),
            joint_solution: Some("x".into()),
            owner: "ana".into(),
            revision: 3,
            traits: vec![
                t(1, "Deal registration", TraitKind::YesNo),
                t(
                    2,
                    "Customer overlap",
                    TraitKind::Threshold {
                        min: Some(25.0),
                        max: None,
                        unit: Some("accounts".into()),
                    },
                ),
                t(
                    3,
                    "Sales reps",
                    TraitKind::Threshold {
                        min: Some(2.0),
                        max: Some(50.0),
                        unit: None,
                    },
                ),
            ],
        }
    }

    fn ev(id: i64, trait_id: i64, obs: Observation, observed: &str) -> Evidence {
        Evidence {
            id,
            partner_id: 7,
            trait_id,
            observation: obs,
            source: Some("crm".into()),
            note: None,
            observed: observed.parse().unwrap(),
            recorded_by: "ana".into(),
            recorded_at: format!("{observed}T12:00:00.000000Z").parse().unwrap(),
            retracted: false,
        }
    }

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn no_evidence_is_incomplete_with_every_trait_to_verify() {
        let s = screen::<Evidence>(&profile(), &[], day("2026-11-26"), ScreenRules::default());
        assert_eq!(s.verdict, Verdict::Incomplete);
        assert_eq!((s.met, s.missed, s.unknown), (0, 0, 3));
        assert_eq!(
            s.verify_next,
            ["Deal registration", "Customer overlap", "Sales reps"]
        );
    }

    proptest::proptest! {
        /// The digests' shortcut gives the verdict of the full screening, whatever the records.
        #[test]
        fn verdicts_at_agree_with_screen(
            records in proptest::collection::vec(
                (1..5_i64, proptest::option::of(0..60_u32), 0..500_i64, proptest::bool::ANY, 0..3_i64),
                0..30,
            ),
            as_of in 0..500_i64,
            max_misses in 0..3_u32,
            max_age in 30..400_i64,
        ) {
            let start = day("2025-06-01");
            let e: Vec<Evidence> = records
                .iter()
                .enumerate()
                .map(|(i, (trait_id, value, age, retracted, rec))| {
                    let obs = match value {
                        Some(v) => Observation::Value(f64::from(*v)),
                        None => Observation::Met(*retracted ^ (i % 2 == 0)),
                    };
                    let observed = (start + chrono::Duration::days(*age)).to_string();
                    let mut r = ev(i as i64 + 1, *trait_id, obs, &observed);
                    r.retracted = *retracted && *rec == 0;
                    r.recorded_at = format!("{observed}T1{rec}:00:00.000000Z").parse().unwrap();
                    r
                })
                .collect();
            let rules = ScreenRules { max_misses, evidence_max_age_days: max_age };
            let at = start + chrono::Duration::days(as_of);
            let dates = [at - chrono::Duration::days(40), at, at + chrono::Duration::days(7)];
            let expected: Vec<Verdict> =
                dates.iter().map(|d| screen(&profile(), &e, *d, rules).verdict).collect();
            proptest::prop_assert_eq!(verdicts_at(&profile(), &e, &dates, rules), expected);
        }
    }

    #[test]
    fn thresholds_are_inclusive() {
        let e = [
            ev(1, 1, Observation::Met(true), "2026-10-01"),
            ev(2, 2, Observation::Value(25.0), "2026-10-01"),
            ev(3, 3, Observation::Value(50.0), "2026-10-01"),
        ];
        let s = screen(&profile(), &e, day("2026-11-26"), ScreenRules::default());
        assert_eq!(s.verdict, Verdict::Fit);
        assert_eq!(s.met, 3);
        assert!(s.verify_next.is_empty());
        let e2 = [
            e[0].clone(),
            e[1].clone(),
            ev(4, 3, Observation::Value(50.5), "2026-10-02"),
        ];
        let s = screen(&profile(), &e2, day("2026-11-26"), ScreenRules::default());
        assert_eq!(s.verdict, Verdict::NearFit);
        assert_eq!(s.checks[2].status, TraitStatus::Missed);
    }

    #[test]
    fn two_misses_walk_away_whatever_is_unknown() {
        let e = [
            ev(1, 1, Observation::Met(false), "2026-10-01"),
            ev(2, 2, Observation::Value(3.0), "2026-10-01"),
        ];
        let s = screen(&profile(), &e, day("2026-11-26"), ScreenRules::default());
        assert_eq!(s.verdict, Verdict::WalkAway);
        assert_eq!((s.met, s.missed, s.unknown), (0, 2, 1));
        assert!(s.verify_next.is_empty(), "verify_next only for incomplete");
        // With max_misses 2 the same partner is incomplete.
        let rules = ScreenRules {
            max_misses: 2,
            ..ScreenRules::default()
        };
        let s = screen(&profile(), &e, day("2026-11-26"), rules);
        assert_eq!(s.verdict, Verdict::Incomplete);
        assert_eq!(s.verify_next, ["Sales reps"]);
    }

    #[test]
    fn one_miss_and_one_unknown_is_incomplete() {
        let e = [
            ev(1, 1, Observation::Met(false), "2026-10-01"),
            ev(2, 2, Observation::Value(30.0), "2026-10-01"),
        ];
        let s = screen(&profile(), &e, day("2026-11-26"), ScreenRules::default());
        assert_eq!(s.verdict, Verdict::Incomplete);
        assert_eq!(s.verify_next, ["Sales reps"]);
    }

    #[test]
    fn stale_evidence_counts_as_unknown_and_is_shown() {
        let e = [
            ev(1, 1, Observation::Met(true), "2025-11-26"),
            ev(2, 2, Observation::Value(30.0), "2025-11-25"),
            ev(3, 3, Observation::Value(3.0), "2026-01-01"),
        ];
        let s = screen(&profile(), &e, day("2026-11-26"), ScreenRules::default());
        assert_eq!(
            s.checks[0].status,
            TraitStatus::Met,
            "exactly 365 days still counts"
        );
        assert_eq!(s.checks[1].status, TraitStatus::Stale);
        assert_eq!(s.checks[1].evidence.as_ref().unwrap().id, 2);
        assert_eq!(s.verdict, Verdict::Incomplete);
        assert_eq!(s.verify_next, ["Customer overlap"]);
    }

    #[test]
    fn as_of_ignores_later_evidence_and_judges_staleness_then() {
        let e = [
            ev(1, 1, Observation::Met(true), "2026-01-01"),
            ev(2, 2, Observation::Value(30.0), "2026-01-01"),
            ev(3, 3, Observation::Value(3.0), "2026-01-01"),
            ev(4, 1, Observation::Met(false), "2026-06-01"),
            ev(5, 2, Observation::Value(1.0), "2026-06-01"),
        ];
        let now = screen(&profile(), &e, day("2026-11-26"), ScreenRules::default());
        assert_eq!(now.verdict, Verdict::WalkAway);
        let then = screen(&profile(), &e, day("2026-05-31"), ScreenRules::default());
        assert_eq!(then.verdict, Verdict::Fit);
        let before = screen(&profile(), &e, day("2025-12-31"), ScreenRules::default());
        assert_eq!(before.verdict, Verdict::Incomplete);
    }
}
