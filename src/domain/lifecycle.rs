//! A partner's life cycle as one value — a prospect, signed on a date, or dropped on a date with its reason
//! (and the day it had been signed, when it had been) — so a stage and dates that disagree cannot be built.
//! Its history is a list of signed periods: signing a dropped partner again opens a new period and leaves the
//! closed one as it was, so the cohort of a past quarter does not change.

use super::Stage;
use chrono::NaiveDate;
use serde::ser::{Serialize, SerializeMap, Serializer};

/// Where a partner is in its life cycle, with the dates and reason that go with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lifecycle {
    Prospect,
    Signed {
        on: NaiveDate,
    },
    Dropped {
        on: NaiveDate,
        reason: String,
        /// The day its last signed period began; None for a prospect that was dropped.
        signed_on: Option<NaiveDate>,
    },
}

/// Why a change of life cycle is refused; [`Refusal::message`] says it about a named partner.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    AlreadySigned {
        on: NaiveDate,
    },
    AlreadyDropped {
        on: NaiveDate,
    },
    /// A drop dated before the signing it ends.
    DropBeforeSigning {
        signed: NaiveDate,
    },
    /// A new signing dated before the drop it follows.
    SignBeforeDrop {
        dropped: NaiveDate,
    },
}

impl Refusal {
    /// The one line a user is told.
    pub fn message(&self, name: &str) -> String {
        match self {
            Refusal::AlreadySigned { on } => format!("{name} is already signed (on {on})."),
            Refusal::AlreadyDropped { on } => format!("{name} was already dropped (on {on})."),
            Refusal::DropBeforeSigning { signed } => {
                format!("{name} was signed on {signed}; the drop date cannot be earlier.")
            }
            Refusal::SignBeforeDrop { dropped } => format!(
                "{name} was dropped on {dropped}; signing it again cannot be dated earlier."
            ),
        }
    }
}

/// A column of the roster (`stage`, `signed`, `dropped`, `drop_reason`) that does not fit the others.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnError {
    pub column: &'static str,
    pub message: String,
}

fn column_error(column: &'static str, message: impl Into<String>) -> ColumnError {
    ColumnError {
        column,
        message: message.into(),
    }
}

impl Lifecycle {
    pub fn stage(&self) -> Stage {
        match self {
            Lifecycle::Prospect => Stage::Prospect,
            Lifecycle::Signed { .. } => Stage::Signed,
            Lifecycle::Dropped { .. } => Stage::Dropped,
        }
    }

    /// The day its current (or, when dropped, last) signed period began.
    pub fn signed_on(&self) -> Option<NaiveDate> {
        match self {
            Lifecycle::Prospect => None,
            Lifecycle::Signed { on } => Some(*on),
            Lifecycle::Dropped { signed_on, .. } => *signed_on,
        }
    }

    pub fn dropped_on(&self) -> Option<NaiveDate> {
        match self {
            Lifecycle::Dropped { on, .. } => Some(*on),
            _ => None,
        }
    }

    pub fn drop_reason(&self) -> Option<&str> {
        match self {
            Lifecycle::Dropped { reason, .. } => Some(reason),
            _ => None,
        }
    }

    /// The life cycle that the roster's columns state (or, without a stage, imply: a drop date or reason means
    /// dropped, a signing date signed), or every column that disagrees with it. `name` is the partner's, for the
    /// messages.
    pub fn from_columns(
        name: &str,
        stage: Option<Stage>,
        signed: Option<NaiveDate>,
        dropped: Option<NaiveDate>,
        drop_reason: Option<String>,
    ) -> Result<Lifecycle, Vec<ColumnError>> {
        let stage = stage.unwrap_or(if dropped.is_some() || drop_reason.is_some() {
            Stage::Dropped
        } else if signed.is_some() {
            Stage::Signed
        } else {
            Stage::Prospect
        });
        let mut errs = Vec::new();
        match stage {
            Stage::Prospect => {
                if signed.is_some() {
                    errs.push(column_error(
                        "signed",
                        "a prospect has no signing date: set stage to signed, or empty `signed`",
                    ));
                }
                if dropped.is_some() {
                    errs.push(column_error(
                        "dropped",
                        "a prospect has no drop date: set stage to dropped, or empty `dropped`",
                    ));
                }
            }
            Stage::Signed => {
                if signed.is_none() {
                    errs.push(column_error(
                        "signed",
                        "a signed partner needs its signing date (YYYY-MM-DD) in `signed`",
                    ));
                }
                if dropped.is_some() {
                    errs.push(column_error(
                        "dropped",
                        "a signed partner has no drop date: set stage to dropped, or empty `dropped`",
                    ));
                }
            }
            Stage::Dropped => match (dropped, signed) {
                (None, _) => errs.push(column_error(
                    "dropped",
                    "a dropped partner needs its drop date (YYYY-MM-DD) in `dropped`",
                )),
                (Some(d), Some(s)) if d < s => errs.push(column_error(
                    "dropped",
                    Refusal::DropBeforeSigning { signed: s }.message(name),
                )),
                _ => {}
            },
        }
        match (stage, &drop_reason) {
            (Stage::Dropped, None) => errs.push(column_error(
                "drop_reason",
                "a dropped partner needs a drop_reason, e.g. \"walked away: missed 2 traits\"",
            )),
            (Stage::Prospect | Stage::Signed, Some(_)) => errs.push(column_error(
                "drop_reason",
                "only a dropped partner has a drop_reason: set stage to dropped, or empty `drop_reason`",
            )),
            _ => {}
        }
        if !errs.is_empty() {
            return Err(errs);
        }
        Ok(match (stage, signed, dropped, drop_reason) {
            (Stage::Signed, Some(on), _, _) => Lifecycle::Signed { on },
            (Stage::Dropped, signed_on, Some(on), Some(reason)) => Lifecycle::Dropped {
                on,
                reason,
                signed_on,
            },
            _ => Lifecycle::Prospect,
        })
    }

    /// Signed on `on`: a prospect, or a dropped partner again (not before its drop).
    pub fn sign(&self, on: NaiveDate) -> Result<Lifecycle, Refusal> {
        match self {
            Lifecycle::Signed { on } => Err(Refusal::AlreadySigned { on: *on }),
            Lifecycle::Dropped { on: dropped, .. } if on < *dropped => {
                Err(Refusal::SignBeforeDrop { dropped: *dropped })
            }
            _ => Ok(Lifecycle::Signed { on }),
        }
    }

    /// Dropped on `on` for `reason`: a prospect, or a signed partner (not before its signing).
    pub fn drop(&self, on: NaiveDate, reason: String) -> Result<Lifecycle, Refusal> {
        match self {
            Lifecycle::Dropped { on, .. } => Err(Refusal::AlreadyDropped { on: *on }),
            Lifecycle::Signed { on: signed } if on < *signed => {
                Err(Refusal::DropBeforeSigning { signed: *signed })
            }
            _ => Ok(Lifecycle::Dropped {
                on,
                reason,
                signed_on: self.signed_on(),
            }),
        }
    }

    /// The signed period this life cycle ends in, if it was ever signed.
    pub fn period(&self) -> Option<SignedPeriod> {
        Some(SignedPeriod {
            signed: self.signed_on()?,
            dropped: self.dropped_on(),
            reason: self.drop_reason().map(str::to_string),
        })
    }

    /// What going from `self` to `to` does to the partner's signed periods: a dropped partner signed on a new
    /// day opens a new period; any other change makes the latest period the one `to` ends in (a signing, a
    /// drop, an import that corrects a date).
    pub fn period_change(&self, to: &Lifecycle) -> PeriodChange {
        match (self, to) {
            (_, Lifecycle::Prospect)
            | (
                _,
                Lifecycle::Dropped {
                    signed_on: None, ..
                },
            ) => PeriodChange::Keep,
            (
                Lifecycle::Dropped {
                    signed_on: Some(before),
                    ..
                },
                Lifecycle::Signed { on },
            ) if on != before => PeriodChange::Open(*on),
            _ if self.period() == to.period() => PeriodChange::Keep,
            _ => match to.period() {
                Some(p) => PeriodChange::SetLatest(p),
                None => PeriodChange::Keep,
            },
        }
    }
}

impl Serialize for Lifecycle {
    /// As the roster's columns: `stage`, `signed`, `dropped`, `drop_reason` (null when they do not apply).
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(4))?;
        m.serialize_entry("stage", &self.stage())?;
        m.serialize_entry("signed", &self.signed_on())?;
        m.serialize_entry("dropped", &self.dropped_on())?;
        m.serialize_entry("drop_reason", &self.drop_reason())?;
        m.end()
    }
}

/// One stretch of time a partner was signed: from its signing to its drop (inclusive), or still open.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SignedPeriod {
    pub signed: NaiveDate,
    pub dropped: Option<NaiveDate>,
    pub reason: Option<String>,
}

impl SignedPeriod {
    /// Signed on or before `last` and not dropped before `first`: the period reaches into `first..=last`
    /// (the quarterly re-check's cohort rule).
    pub fn reaches(&self, first: NaiveDate, last: NaiveDate) -> bool {
        self.signed <= last && self.dropped.is_none_or(|d| d >= first)
    }

    /// Signed at the end of `day`: signed on or before it, and not dropped on or before it.
    pub fn active_at(&self, day: NaiveDate) -> bool {
        self.signed <= day && self.dropped.is_none_or(|d| d > day)
    }
}

/// The change to a partner's signed periods that goes with a change of its life cycle.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PeriodChange {
    Keep,
    /// A new period signed on this day, still open.
    Open(NaiveDate),
    /// The latest period becomes this one (the first, when there is none).
    SetLatest(SignedPeriod),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    fn dropped(on: &str, signed_on: Option<&str>) -> Lifecycle {
        Lifecycle::Dropped {
            on: d(on),
            reason: "churned".into(),
            signed_on: signed_on.map(d),
        }
    }

    #[test]
    fn signing_and_dropping() {
        let signed = Lifecycle::Prospect.sign(d("2026-01-10")).unwrap();
        assert_eq!(
            signed,
            Lifecycle::Signed {
                on: d("2026-01-10")
            }
        );
        assert_eq!(
            signed.sign(d("2026-02-01")),
            Err(Refusal::AlreadySigned {
                on: d("2026-01-10")
            })
        );
        assert_eq!(
            signed.drop(d("2026-01-09"), "x".into()),
            Err(Refusal::DropBeforeSigning {
                signed: d("2026-01-10")
            })
        );
        let gone = signed.drop(d("2026-05-15"), "churned".into()).unwrap();
        assert_eq!(gone, dropped("2026-05-15", Some("2026-01-10")));
        assert_eq!(
            gone.drop(d("2026-06-01"), "x".into()),
            Err(Refusal::AlreadyDropped {
                on: d("2026-05-15")
            })
        );
        assert_eq!(
            gone.sign(d("2026-05-14")),
            Err(Refusal::SignBeforeDrop {
                dropped: d("2026-05-15")
            })
        );
        // The day of the drop is the earliest day it can be signed again.
        assert_eq!(
            gone.sign(d("2026-05-15")),
            Ok(Lifecycle::Signed {
                on: d("2026-05-15")
            })
        );
        // A prospect is dropped without ever being signed.
        assert_eq!(
            Lifecycle::Prospect.drop(d("2026-03-01"), "churned".into()),
            Ok(dropped("2026-03-01", None))
        );
        assert_eq!(
            Refusal::SignBeforeDrop {
                dropped: d("2026-05-15")
            }
            .message("Acme"),
            "Acme was dropped on 2026-05-15; signing it again cannot be dated earlier."
        );
    }

    #[test]
    fn columns_state_or_imply_the_stage() {
        let ok = |stage, signed: Option<&str>, dropped: Option<&str>, reason: Option<&str>| {
            Lifecycle::from_columns(
                "Acme",
                stage,
                signed.map(d),
                dropped.map(d),
                reason.map(str::to_string),
            )
        };
        assert_eq!(ok(None, None, None, None), Ok(Lifecycle::Prospect));
        assert_eq!(
            ok(None, Some("2026-01-10"), None, None),
            Ok(Lifecycle::Signed {
                on: d("2026-01-10")
            })
        );
        assert_eq!(
            ok(
                None,
                Some("2026-01-10"),
                Some("2026-05-15"),
                Some("churned")
            ),
            Ok(dropped("2026-05-15", Some("2026-01-10")))
        );
        assert_eq!(
            ok(
                Some(Stage::Dropped),
                None,
                Some("2026-05-15"),
                Some("churned")
            ),
            Ok(dropped("2026-05-15", None))
        );
        let columns = |r: Result<Lifecycle, Vec<ColumnError>>| -> Vec<&'static str> {
            r.unwrap_err().iter().map(|e| e.column).collect()
        };
        assert_eq!(
            columns(ok(
                Some(Stage::Prospect),
                Some("2026-01-10"),
                None,
                Some("x")
            )),
            ["signed", "drop_reason"]
        );
        assert_eq!(
            columns(ok(Some(Stage::Signed), None, Some("2026-01-10"), None)),
            ["signed", "dropped"]
        );
        assert_eq!(
            columns(ok(Some(Stage::Dropped), None, None, None)),
            ["dropped", "drop_reason"]
        );
        let early = ok(None, Some("2026-02-01"), Some("2026-01-10"), Some("x")).unwrap_err();
        assert_eq!(
            early[0].message,
            "Acme was signed on 2026-02-01; the drop date cannot be earlier."
        );
    }

    #[test]
    fn periods_follow_the_changes() {
        let p = |signed: &str, dropped: Option<&str>| SignedPeriod {
            signed: d(signed),
            dropped: dropped.map(d),
            reason: dropped.map(|_| "churned".to_string()),
        };
        let signed = Lifecycle::Signed {
            on: d("2026-01-10"),
        };
        let gone = dropped("2026-05-15", Some("2026-01-10"));
        assert_eq!(
            Lifecycle::Prospect.period_change(&signed),
            PeriodChange::SetLatest(p("2026-01-10", None))
        );
        assert_eq!(
            signed.period_change(&gone),
            PeriodChange::SetLatest(p("2026-01-10", Some("2026-05-15")))
        );
        // Signed again: a new period, the old one untouched.
        assert_eq!(
            gone.period_change(&Lifecycle::Signed {
                on: d("2026-07-06")
            }),
            PeriodChange::Open(d("2026-07-06"))
        );
        // An import that undoes the drop (same signing day) reopens the period instead.
        assert_eq!(
            gone.period_change(&signed),
            PeriodChange::SetLatest(p("2026-01-10", None))
        );
        assert_eq!(gone.period_change(&gone), PeriodChange::Keep);
        assert_eq!(
            Lifecycle::Prospect.period_change(&dropped("2026-03-01", None)),
            PeriodChange::Keep
        );
        // A prospect dropped and then signed starts its first period.
        assert_eq!(
            dropped("2026-03-01", None).period_change(&Lifecycle::Signed {
                on: d("2026-04-01")
            }),
            PeriodChange::SetLatest(p("2026-04-01", None))
        );
        // The cohort rule and the neglect rule, at their edges.
        let q = p("2026-01-10", Some("2026-04-01"));
        assert!(q.reaches(d("2026-04-01"), d("2026-06-30")));
        assert!(!q.reaches(d("2026-04-02"), d("2026-06-30")));
        assert!(!p("2026-07-01", None).reaches(d("2026-04-01"), d("2026-06-30")));
        assert!(q.active_at(d("2026-03-31")));
        assert!(!q.active_at(d("2026-04-01")));
        assert!(!q.active_at(d("2026-01-09")));
    }

    #[test]
    fn serialized_as_the_roster_columns() {
        let v = serde_json::to_value(dropped("2026-05-15", Some("2026-01-10"))).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"stage": "dropped", "signed": "2026-01-10", "dropped": "2026-05-15",
                "drop_reason": "churned"})
        );
        let v = serde_json::to_value(Lifecycle::Prospect).unwrap();
        assert_eq!(
            v,
            serde_json::json!({"stage": "prospect", "signed": null, "dropped": null, "drop_reason": null})
        );
    }
}
