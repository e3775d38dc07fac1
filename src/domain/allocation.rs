//! The weekly allocation check: did the team's hours and dollars go to partners that match the profile?

use super::groups::Group;
use super::recheck::RecheckVerdict;
use super::types::{Amount, Hours, Verdict, Week};
use serde::Serialize;

/// Where a partner's allocation falls in the JSON `buckets`, by its verdict as of the end of the week. The
/// buckets keep the names and meaning they always had: `unscreened` holds the *incomplete* and the *unscreened*
/// groups together; [`Groups`] tells them apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Bucket {
    /// fit or near-fit
    Matching,
    /// walk-away
    NotMatching,
    /// incomplete, or no verdict (no active profile for the partner's type, or one without traits)
    Unscreened,
}

impl Bucket {
    /// `None` means the partner gets no verdict (no active profile for its type, or one without traits).
    pub fn of(verdict: Option<Verdict>) -> Bucket {
        Bucket::of_group(Group::of(verdict))
    }

    /// The bucket a group falls in.
    pub fn of_group(group: Group) -> Bucket {
        match group {
            Group::Matching => Bucket::Matching,
            Group::WalkAway => Bucket::NotMatching,
            Group::Incomplete | Group::Unscreened => Bucket::Unscreened,
        }
    }
}

/// One partner's allocation total in one week, with its group.
#[derive(Debug, Clone, PartialEq)]
pub struct PartnerAllocation {
    pub partner: String,
    pub group: Group,
    pub hours: Hours,
    pub spend: Amount,
}

/// Hours and spend of one bucket.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct Totals {
    pub hours: Hours,
    pub spend: Amount,
}

impl Totals {
    /// Add one row's hours and spend, held at `i64::MAX` instead of overflowing: a partner's week is summed
    /// the same way, so a row may already be near it (a debug build would panic, a release build wrap to a
    /// negative total). Totals below that are exact.
    fn add(&mut self, h: Hours, s: Amount) {
        self.hours = Hours::from_centi(self.hours.centi().saturating_add(h.centi()));
        self.spend = Amount::from_cents(self.spend.cents().saturating_add(s.cents()));
    }
}

/// The three buckets of a week.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct Buckets {
    pub matching: Totals,
    #[serde(rename = "not-matching")]
    pub not_matching: Totals,
    pub unscreened: Totals,
}

impl Buckets {
    pub fn from_rows(rows: &[PartnerAllocation]) -> Buckets {
        let mut b = Buckets::default();
        for r in rows {
            let slot = match Bucket::of_group(r.group) {
                Bucket::Matching => &mut b.matching,
                Bucket::NotMatching => &mut b.not_matching,
                Bucket::Unscreened => &mut b.unscreened,
            };
            slot.add(r.hours, r.spend);
        }
        b
    }
    pub fn total(&self) -> Totals {
        let mut t = Totals::default();
        for b in [self.matching, self.not_matching, self.unscreened] {
            t.add(b.hours, b.spend);
        }
        t
    }
    /// Matching share of hours; None when no hours were logged.
    pub fn share_hours(&self) -> Option<f64> {
        let total = self.total().hours.centi();
        (total > 0).then(|| self.matching.hours.centi() as f64 / total as f64)
    }
    /// Matching share of spend; None when nothing was spent.
    pub fn share_spend(&self) -> Option<f64> {
        let total = self.total().spend.cents();
        (total > 0).then(|| self.matching.spend.cents() as f64 / total as f64)
    }
}

/// Hours and spend of each of the four groups (the breakdown beside [`Buckets`]).
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize)]
pub struct Groups {
    pub matching: Totals,
    #[serde(rename = "walk-away")]
    pub walk_away: Totals,
    pub incomplete: Totals,
    pub unscreened: Totals,
}

impl Groups {
    pub fn from_rows(rows: &[PartnerAllocation]) -> Groups {
        let mut g = Groups::default();
        for r in rows {
            g.get_mut(r.group).add(r.hours, r.spend);
        }
        g
    }

    /// The totals of one group.
    pub fn get(&self, group: Group) -> Totals {
        match group {
            Group::Matching => self.matching,
            Group::WalkAway => self.walk_away,
            Group::Incomplete => self.incomplete,
            Group::Unscreened => self.unscreened,
        }
    }

    fn get_mut(&mut self, group: Group) -> &mut Totals {
        match group {
            Group::Matching => &mut self.matching,
            Group::WalkAway => &mut self.walk_away,
            Group::Incomplete => &mut self.incomplete,
            Group::Unscreened => &mut self.unscreened,
        }
    }
}

/// The week's status against the allocation target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    OnTarget,
    Drifting,
    NoData,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::OnTarget => "on-target",
            Status::Drifting => "drifting",
            Status::NoData => "no-data",
        }
    }
}

/// no-data without allocations; drifting when a share that can be computed is under the target.
pub fn status(
    has_allocations: bool,
    share_hours: Option<f64>,
    share_spend: Option<f64>,
    target: f64,
) -> Status {
    if !has_allocations {
        Status::NoData
    } else if [share_hours, share_spend]
        .into_iter()
        .flatten()
        .any(|s| s < target)
    {
        Status::Drifting
    } else {
        Status::OnTarget
    }
}

/// Why the week drifts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Hint {
    /// The profile holds (or is untested): correct the allocation.
    AllocationDrifting,
    /// The latest re-check said revise or not-proven: the profile itself may be wrong.
    ProfileMayBeWrong,
}

/// The hint for a drifting week, from the verdict of the latest stored quarterly re-check.
pub fn hint(status: Status, latest_recheck: Option<RecheckVerdict>) -> Option<Hint> {
    let h = match latest_recheck {
        Some(RecheckVerdict::Revise | RecheckVerdict::NotProven) => Hint::ProfileMayBeWrong,
        Some(RecheckVerdict::Hold | RecheckVerdict::InsufficientData) | None => {
            Hint::AllocationDrifting
        }
    };
    (status == Status::Drifting).then_some(h)
}

/// The top `n` walk-away partners of the week, by hours, then spend, then name.
pub fn top_not_matching(rows: &[PartnerAllocation], n: usize) -> Vec<PartnerAllocation> {
    let mut v: Vec<PartnerAllocation> = rows
        .iter()
        .filter(|r| r.group == Group::WalkAway)
        .cloned()
        .collect();
    v.sort_by(|a, b| {
        b.hours
            .cmp(&a.hours)
            .then(b.spend.cmp(&a.spend))
            .then_with(|| a.partner.to_lowercase().cmp(&b.partner.to_lowercase()))
    });
    v.truncate(n);
    v
}

/// The weeks a neglect check looks at: `week` and the three before it.
pub fn neglect_window(week: Week) -> (Week, Week) {
    (week.plus(-3), week)
}

/// The weeks of the trend: the 8 ending with `week`, oldest first.
pub fn trend_weeks(week: Week) -> Vec<Week> {
    (0..8).rev().map(|i| week.plus(-i)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(p: &str, g: Group, h: i64, s: i64) -> PartnerAllocation {
        PartnerAllocation {
            partner: p.into(),
            group: g,
            hours: Hours::from_centi(h * 100),
            spend: Amount::from_cents(s * 100),
        }
    }

    #[test]
    fn shares_and_status_worked_by_hand() {
        // matching 30h/$800, walk-away 10h/$200, unscreened 10h/$0: hours 30/50 = 0.6, spend 800/1000 = 0.8
        let rows = [
            row("A", Group::Matching, 20, 500),
            row("B", Group::Matching, 10, 300),
            row("C", Group::WalkAway, 10, 200),
            row("D", Group::Incomplete, 10, 0),
            row("E", Group::Unscreened, 0, 0),
        ];
        let b = Buckets::from_rows(&rows);
        // The buckets keep incomplete and unscreened together; the groups tell them apart.
        assert_eq!(b.unscreened.hours, Hours::from_centi(1000));
        let g = Groups::from_rows(&rows);
        assert_eq!(g.walk_away.spend, Amount::from_cents(20_000));
        assert_eq!(g.incomplete.hours, Hours::from_centi(1000));
        assert_eq!(g.unscreened, Totals::default());
        assert_eq!(g.matching, b.matching);
        assert_eq!(b.share_hours(), Some(0.6));
        assert_eq!(b.share_spend(), Some(0.8));
        assert_eq!(
            status(true, b.share_hours(), b.share_spend(), 0.8),
            Status::Drifting
        );
        assert_eq!(status(true, Some(0.8), Some(0.8), 0.8), Status::OnTarget);
        assert_eq!(status(true, Some(0.9), None, 0.8), Status::OnTarget);
        assert_eq!(status(true, None, Some(0.7), 0.8), Status::Drifting);
        assert_eq!(status(false, None, None, 0.8), Status::NoData);
    }

    #[test]
    fn totals_past_an_i64_are_held_at_its_largest() {
        let big = |p: &str, g: Group| PartnerAllocation {
            partner: p.into(),
            group: g,
            hours: Hours::from_centi(i64::MAX - 5),
            spend: Amount::from_cents(i64::MAX / 2 + 1),
        };
        // Two rows in one bucket and one group, each near the largest i64: `+` overflowed there.
        let rows = [
            big("A", Group::Matching),
            big("B", Group::Matching),
            row("C", Group::WalkAway, 10, 200),
        ];
        let b = Buckets::from_rows(&rows);
        assert_eq!(b.matching.hours, Hours::from_centi(i64::MAX));
        assert_eq!(b.matching.spend, Amount::from_cents(i64::MAX));
        let g = Groups::from_rows(&rows);
        assert_eq!(g.matching, b.matching);
        // The total of the buckets too; the shares stay between 0 and 1.
        assert_eq!(b.total().hours, Hours::from_centi(i64::MAX));
        assert_eq!(b.total().spend, Amount::from_cents(i64::MAX));
        assert_eq!(b.share_hours(), Some(1.0));
        assert_eq!(b.share_spend(), Some(1.0));
        // Below the largest i64, nothing changes: exact to the cent.
        let rows = [
            row("A", Group::Matching, 0, 0),
            PartnerAllocation {
                hours: Hours::from_centi(i64::MAX - 1_000),
                spend: Amount::from_cents(i64::MAX - 20_001),
                ..row("B", Group::Matching, 0, 0)
            },
            row("C", Group::WalkAway, 10, 200),
        ];
        let t = Buckets::from_rows(&rows).total();
        assert_eq!(t.hours, Hours::from_centi(i64::MAX));
        assert_eq!(t.spend, Amount::from_cents(i64::MAX - 1));
    }

    #[test]
    fn buckets_by_verdict() {
        assert_eq!(Bucket::of(Some(Verdict::Fit)), Bucket::Matching);
        assert_eq!(Bucket::of(Some(Verdict::NearFit)), Bucket::Matching);
        assert_eq!(Bucket::of(Some(Verdict::WalkAway)), Bucket::NotMatching);
        assert_eq!(Bucket::of(Some(Verdict::Incomplete)), Bucket::Unscreened);
        assert_eq!(Bucket::of(None), Bucket::Unscreened);
    }

    #[test]
    fn hint_follows_latest_recheck() {
        assert_eq!(hint(Status::OnTarget, Some(RecheckVerdict::Revise)), None);
        assert_eq!(
            hint(Status::Drifting, Some(RecheckVerdict::Revise)),
            Some(Hint::ProfileMayBeWrong)
        );
        assert_eq!(
            hint(Status::Drifting, Some(RecheckVerdict::NotProven)),
            Some(Hint::ProfileMayBeWrong)
        );
        assert_eq!(
            hint(Status::Drifting, Some(RecheckVerdict::Hold)),
            Some(Hint::AllocationDrifting)
        );
        assert_eq!(
            hint(Status::Drifting, Some(RecheckVerdict::InsufficientData)),
            Some(Hint::AllocationDrifting)
        );
        assert_eq!(hint(Status::Drifting, None), Some(Hint::AllocationDrifting));
    }

    #[test]
    fn top_not_matching_orders_by_hours_then_spend() {
        let rows = [
            row("A", Group::WalkAway, 5, 100),
            row("B", Group::WalkAway, 5, 900),
            row("C", Group::WalkAway, 9, 0),
            row("D", Group::Matching, 50, 0),
            row("E", Group::WalkAway, 1, 0),
            row("F", Group::WalkAway, 1, 0),
            row("G", Group::WalkAway, 0, 1),
        ];
        let names: Vec<String> = top_not_matching(&rows, 5)
            .into_iter()
            .map(|r| r.partner)
            .collect();
        assert_eq!(names, ["C", "B", "A", "E", "F"]);
    }

    #[test]
    fn trend_is_eight_weeks_oldest_first() {
        let w: Week = "2026-W02".parse().unwrap();
        let t: Vec<String> = trend_weeks(w).iter().map(|w| w.to_string()).collect();
        assert_eq!(t.first().unwrap(), "2025-W47");
        assert_eq!(t.last().unwrap(), "2026-W02");
        assert_eq!(t.len(), 8);
    }
}
