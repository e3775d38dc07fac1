//! Profiles and their traits: what a matching partner looks like, observable before signing.

use super::types::{name_key, number_in_range, out_of_range_error, PartnerType};
use serde::Serialize;

/// How a trait is judged from evidence.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum TraitKind {
    /// Evidence says met or missed.
    YesNo,
    /// Evidence records a number; met when `min <= value <= max` (each bound optional, at least one set).
    Threshold {
        min: Option<f64>,
        max: Option<f64>,
        unit: Option<String>,
    },
}

impl TraitKind {
    /// Build the kind from the optional bounds of `/profile trait add`; refuses `min > max`, negative bounds and
    /// bounds out of the range of typed numbers ([`number_in_range`]: up to a trillion).
    pub fn from_bounds(
        min: Option<f64>,
        max: Option<f64>,
        unit: Option<String>,
    ) -> Result<TraitKind, String> {
        if min.is_some_and(|v| !v.is_finite()) || max.is_some_and(|v| !v.is_finite()) {
            return Err("min and max must be plain numbers".into());
        }
        for (name, bound) in [("min", min), ("max", max)] {
            if let Some(v) = bound.filter(|v| !number_in_range(*v)) {
                return Err(out_of_range_error(name, v));
            }
        }
        if min.is_some_and(|v| v < 0.0) || max.is_some_and(|v| v < 0.0) {
            return Err(
                "min and max cannot be negative: traits count observable things, e.g. min:25"
                    .into(),
            );
        }
        match (min, max) {
            (None, None) if unit.is_some() => {
                Err("a unit only makes sense for a threshold trait: give min or max too".into())
            }
            (None, None) => Ok(TraitKind::YesNo),
            (Some(lo), Some(hi)) if lo > hi => Err(format!(
                "min ({lo}) is above max ({hi}): no value could meet this trait"
            )),
            _ => Ok(TraitKind::Threshold { min, max, unit }),
        }
    }

    pub fn is_threshold(&self) -> bool {
        matches!(self, TraitKind::Threshold { .. })
    }

    /// Whether a recorded value meets a threshold trait (always false for yes/no).
    pub fn value_meets(&self, value: f64) -> bool {
        match self {
            TraitKind::YesNo => false,
            TraitKind::Threshold { min, max, .. } => {
                min.is_none_or(|lo| value >= lo) && max.is_none_or(|hi| value <= hi)
            }
        }
    }

    /// The rule in words: `>= 25 accounts`, `between 1 and 5`, `yes/no`.
    pub fn describe(&self) -> String {
        match self {
            TraitKind::YesNo => "yes/no".into(),
            TraitKind::Threshold { min, max, unit } => {
                let unit = unit.as_deref().map(|u| format!(" {u}")).unwrap_or_default();
                match (min, max) {
                    (Some(lo), Some(hi)) => format!("{} to {}{unit}", num(*lo), num(*hi)),
                    (Some(lo), None) => format!(">= {}{unit}", num(*lo)),
                    (None, Some(hi)) => format!("<= {}{unit}", num(*hi)),
                    (None, None) => "any value".into(),
                }
            }
        }
    }
}

/// A number without a useless `.0`.
pub fn num(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

/// One production trait of a profile.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Trait {
    /// Stable id: evidence refers to it across profile revisions.
    pub id: i64,
    pub name: String,
    pub verify_by: Option<String>,
    #[serde(flatten)]
    pub kind: TraitKind,
}

impl Trait {
    pub fn key(&self) -> String {
        name_key(&self.name)
    }
}

/// The active profile of one partner type, at its current revision.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Profile {
    pub id: i64,
    #[serde(rename = "type")]
    pub partner_type: PartnerType,
    pub name: String,
    pub joint_solution: Option<String>,
    pub owner: String,
    pub revision: i64,
    pub traits: Vec<Trait>,
}

impl Profile {
    /// Whether the profile can give a verdict: a profile without traits judges nobody, so its partners stay
    /// unscreened (never a vacuous `fit`).
    pub fn can_screen(&self) -> bool {
        !self.traits.is_empty()
    }

    /// The trait whose name matches `name` case-insensitively.
    pub fn find_trait(&self, name: &str) -> Option<&Trait> {
        let key = name_key(name);
        self.traits.iter().find(|t| t.key() == key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Bounds past the range of typed numbers are refused by name (never printed: `1e308` has 309 digits);
    /// the edges of the range are kept as given.
    #[test]
    fn bounds_stay_within_the_range_of_typed_numbers() {
        assert_eq!(
            TraitKind::from_bounds(Some(1e308), None, None),
            Err("`min` is too large: numbers go up to 1,000,000,000,000 (a trillion)".into())
        );
        assert_eq!(
            TraitKind::from_bounds(Some(1.0), Some(1e13), None),
            Err("`max` is too large: numbers go up to 1,000,000,000,000 (a trillion)".into())
        );
        assert_eq!(
            TraitKind::from_bounds(None, Some(1e-300), None),
            Err("`max` is too close to 0: round it to 12 decimals".into())
        );
        let kind = TraitKind::from_bounds(Some(0.0), Some(1e12), Some("accounts".into())).unwrap();
        assert_eq!(kind.describe(), "0 to 1000000000000 accounts");
        assert!(kind.value_meets(1e12) && !kind.value_meets(1e12 + 1.0));
    }
}
