//! The groups every digest sorts partners into by their verdict — one vocabulary for the weekly and quarterly
//! cards, the console and the JSON labels, so a lead reads the same word for the same partners everywhere.

use super::types::{string_enum, Verdict};

string_enum!(
    /// Where a partner stands against the profile of its type, for the digests.
    Group, "group", {
    Matching => "matching",
    WalkAway => "walk-away",
    Incomplete => "incomplete",
    Unscreened => "unscreened",
});

impl Group {
    /// The group of a verdict; `None` (no active profile for the type, or a profile without traits) is
    /// unscreened.
    pub fn of(verdict: Option<Verdict>) -> Group {
        match verdict {
            Some(Verdict::Fit | Verdict::NearFit) => Group::Matching,
            Some(Verdict::WalkAway) => Group::WalkAway,
            Some(Verdict::Incomplete) => Group::Incomplete,
            None => Group::Unscreened,
        }
    }

    /// The heading a card gives the group: its name and what it holds.
    pub fn heading(self) -> &'static str {
        match self {
            Group::Matching => "Matching (fit, near-fit)",
            Group::WalkAway => "Walk-away",
            Group::Incomplete => "Incomplete (traits to verify)",
            Group::Unscreened => "Unscreened (no profile or no traits)",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_verdict_has_one_group() {
        assert_eq!(Group::of(Some(Verdict::Fit)), Group::Matching);
        assert_eq!(Group::of(Some(Verdict::NearFit)), Group::Matching);
        assert_eq!(Group::of(Some(Verdict::WalkAway)), Group::WalkAway);
        assert_eq!(Group::of(Some(Verdict::Incomplete)), Group::Incomplete);
        assert_eq!(Group::of(None), Group::Unscreened);
        assert_eq!(
            Group::NAMES,
            ["matching", "walk-away", "incomplete", "unscreened"]
        );
    }
}
