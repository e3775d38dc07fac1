//! The quarterly re-check: do partners that match the profile really produce more? The statistics live in
//! [`super::stats`]; this module forms the groups and applies the verdict rules.

use super::screening::TraitStatus;
use super::stats::{lift, mann_whitney_greater, summarize, MannWhitney, Summary};
use super::types::{string_enum, PartnerType};

/// The settings of the verdict rules.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RecheckRules {
    pub min_group: usize,
    pub alpha: f64,
}

impl Default for RecheckRules {
    fn default() -> Self {
        RecheckRules {
            min_group: 3,
            alpha: 0.10,
        }
    }
}

string_enum!(
    /// The re-check verdict.
    RecheckVerdict, "re-check verdict", {
    Hold => "hold",
    Revise => "revise",
    NotProven => "not-proven",
    InsufficientData => "insufficient-data",
});

/// The comparison of two groups' productions.
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    pub a: Summary,
    pub b: Summary,
    pub lift: Option<f64>,
    pub test: Option<MannWhitney>,
}

/// Compare group `a` (expected to produce more) with group `b`.
pub fn compare(a: &[f64], b: &[f64]) -> Comparison {
    let sa = summarize(a);
    let sb = summarize(b);
    Comparison {
        a: sa,
        b: sb,
        lift: lift(sa.mean, sb.mean),
        test: mann_whitney_greater(a, b),
    }
}

/// A lift as every reply and chart prints it: two decimals (`7.48`, `1.50`), or `—` when it cannot be
/// computed (a group without production to divide by). The quarterly card's test and traits, and the lift
/// bars of the quarterly chart.
pub fn lift_text(lift: Option<f64>) -> String {
    super::format::fixed(lift, 2)
}

/// The verdict rules, the first that applies: insufficient-data, hold, revise, not-proven.
pub fn verdict(c: &Comparison, rules: RecheckRules) -> RecheckVerdict {
    if c.a.n < rules.min_group || c.b.n < rules.min_group {
        return RecheckVerdict::InsufficientData;
    }
    let p = c.test.map(|t| t.p_value);
    let mean_higher = matches!((c.a.mean, c.b.mean), (Some(a), Some(b)) if a > b);
    if p.is_some_and(|p| p < rules.alpha) && mean_higher {
        return RecheckVerdict::Hold;
    }
    if matches!((c.a.median, c.b.median), (Some(a), Some(b)) if a <= b) {
        return RecheckVerdict::Revise;
    }
    RecheckVerdict::NotProven
}

/// A cohort member as the re-check needs it.
#[derive(Debug, Clone, PartialEq)]
pub struct Member {
    pub partner_type: PartnerType,
    /// Fit or near-fit as of the end of the quarter.
    pub matching: bool,
    /// Sum of its sourced-pipeline amounts dated in the quarter, in dollars (0 when none).
    pub production: f64,
    /// Status of each trait of its type's profile, by trait id.
    pub traits: Vec<(i64, TraitStatus)>,
}

/// Split the cohort into (matching, not matching) productions.
pub fn group_productions(cohort: &[Member]) -> (Vec<f64>, Vec<f64>) {
    let mut m = Vec::new();
    let mut n = Vec::new();
    for c in cohort {
        if c.matching {
            m.push(c.production);
        } else {
            n.push(c.production);
        }
    }
    (m, n)
}

/// For one trait: productions of the cohort's partners of its type that meet it, and that miss it
/// (unknown and stale excluded).
pub fn trait_productions(
    cohort: &[Member],
    ty: PartnerType,
    trait_id: i64,
) -> (Vec<f64>, Vec<f64>) {
    let mut met = Vec::new();
    let mut missed = Vec::new();
    for c in cohort.iter().filter(|c| c.partner_type == ty) {
        match c
            .traits
            .iter()
            .find(|(id, _)| *id == trait_id)
            .map(|(_, s)| *s)
        {
            Some(TraitStatus::Met) => met.push(c.production),
            Some(TraitStatus::Missed) => missed.push(c.production),
            _ => {}
        }
    }
    (met, missed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmp(a: &[f64], b: &[f64]) -> RecheckVerdict {
        verdict(&compare(a, b), RecheckRules::default())
    }

    #[test]
    fn insufficient_when_a_group_is_small() {
        assert_eq!(
            cmp(&[1.0, 2.0], &[0.0, 0.0, 0.0, 0.0]),
            RecheckVerdict::InsufficientData
        );
        assert_eq!(cmp(&[5.0, 6.0, 7.0], &[]), RecheckVerdict::InsufficientData);
    }

    #[test]
    fn hold_when_matching_clearly_outperforms() {
        // exact test, n=4 vs 4, complete separation: p = 1/C(8,4) = 1/70 < 0.10
        let c = compare(&[10.0, 20.0, 30.0, 40.0], &[1.0, 2.0, 3.0, 4.0]);
        let t = c.test.unwrap();
        assert_eq!(t.u, 16.0);
        assert!((t.p_value - 1.0 / 70.0).abs() < 1e-12);
        assert_eq!(c.lift, Some(25.0 / 2.5));
        assert_eq!(lift_text(c.lift), "10.00");
        assert_eq!(verdict(&c, RecheckRules::default()), RecheckVerdict::Hold);
    }

    #[test]
    fn lift_is_printed_to_two_decimals_or_a_dash() {
        // A mean of $250 against $40: 6.25, exact in binary.
        assert_eq!(lift_text(compare(&[200.0, 300.0], &[40.0]).lift), "6.25");
        assert_eq!(lift_text(Some(7.4833)), "7.48");
        assert_eq!(lift_text(Some(2.0 / 3.0)), "0.67");
        assert_eq!(lift_text(Some(1.5)), "1.50");
        assert_eq!(lift_text(Some(0.0)), "0.00");
        // 0.125 is exact in binary: the tie goes to the even digit.
        assert_eq!(lift_text(Some(0.125)), "0.12");
        // Nothing to divide by.
        assert_eq!(lift_text(compare(&[6.0], &[0.0]).lift), "—");
        assert_eq!(lift_text(None), "—");
    }

    #[test]
    fn revise_when_matching_median_is_not_higher() {
        assert_eq!(
            cmp(&[0.0, 0.0, 0.0, 100.0], &[1.0, 2.0, 3.0]),
            RecheckVerdict::Revise
        );
        // all tied: medians equal -> revise
        assert_eq!(cmp(&[0.0; 4], &[0.0; 5]), RecheckVerdict::Revise);
    }

    #[test]
    fn not_proven_when_higher_but_not_significant() {
        // medians 3 vs 2.5, overlap heavy
        assert_eq!(
            cmp(&[1.0, 3.0, 5.0], &[2.0, 2.5, 4.0]),
            RecheckVerdict::NotProven
        );
    }

    #[test]
    fn trait_groups_exclude_unknown_and_other_types() {
        let m = |ty, s, prod| Member {
            partner_type: ty,
            matching: true,
            production: prod,
            traits: vec![(9, s)],
        };
        let cohort = [
            m(PartnerType::Reseller, TraitStatus::Met, 10.0),
            m(PartnerType::Reseller, TraitStatus::Missed, 1.0),
            m(PartnerType::Reseller, TraitStatus::Stale, 5.0),
            m(PartnerType::Reseller, TraitStatus::Unknown, 5.0),
            m(PartnerType::Si, TraitStatus::Met, 7.0),
        ];
        let (met, missed) = trait_productions(&cohort, PartnerType::Reseller, 9);
        assert_eq!(met, [10.0]);
        assert_eq!(missed, [1.0]);
    }
}
