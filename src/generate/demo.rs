//! The demo workspace of `partnerfit demo`: a small partnerships team as it looks after half a year of using
//! the bot, so that both digests and `/partner list` mean something the minute a newcomer opens them.
//!
//! Two profiles (resellers and technology integrations, five observable traits each), 40 partners (17 signed,
//! 5 dropped, 18 prospects, two of them of a type without a profile yet), evidence (stale records and a
//! retracted one among it), 26 weeks of hours and spend up to the current week, and the sourced pipeline,
//! registered deals and closed-won of the last two quarters.
//!
//! Every figure a digest shows follows from the tables of [`team`], so the digests can be checked by hand (the
//! README tour's test does): dates are relative to the current week (hours and the prospects' evidence) and
//! to the current quarter (signing, the signed partners' evidence, outcomes), placed so that the weekly trend
//! and both re-checks come out the same on any day. The seeded generator only picks the numbers nobody adds
//! up: the overlap counts of threshold evidence and the days of outcomes inside their quarter. Everything is
//! written in one transaction: a failure, or a workspace that turns out to hold data, leaves nothing behind.

use super::at_noon;
use crate::domain::evidence::Observation;
use crate::domain::profile::TraitKind;
use crate::domain::{
    Amount, Hours, Lifecycle, OutcomeKind, PartnerName, PartnerType, Quarter, Week,
};
use crate::store::{
    NewAllocation, NewEvidence, NewOutcome, NewPartner, NewTrait, RecordTable, Store, StoreError,
};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::collections::HashMap;

mod team;
use team::*;

/// The seed of the numbers nobody adds up (see the module documentation).
pub const SEED: u64 = 16;
/// Weeks of hours and spend, ending with the current week.
pub const WEEKS: i64 = 26;
/// Who the demo's records say recorded them.
pub const WHO: &str = "demo";

/// Why the demo was not written.
#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    /// The workspace already has profiles, partners or schedules: nothing was written.
    #[error("workspace `{0}` already holds data")]
    HoldsData(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// What was written.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct DemoCounts {
    pub profiles: usize,
    pub traits: usize,
    pub partners: usize,
    pub signed: usize,
    pub dropped: usize,
    pub prospects: usize,
    pub evidence: usize,
    pub allocations: usize,
    pub outcomes: usize,
    /// Evidence, allocations and outcomes written and then retracted (they count nowhere).
    pub retracted: usize,
    pub first_week: String,
    pub last_week: String,
    pub quarters: Vec<String>,
}

impl std::fmt::Display for DemoCounts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} profiles of {} traits, {} partners ({} signed, {} dropped, {} prospects), {} evidence records, \
             {} allocations ({} to {}), {} outcomes ({}), {} of those records retracted",
            self.profiles,
            self.traits,
            self.partners,
            self.signed,
            self.dropped,
            self.prospects,
            self.evidence,
            self.allocations,
            self.first_week,
            self.last_week,
            self.outcomes,
            self.quarters.join(" and "),
            self.retracted
        )
    }
}

/// The dates the tables are relative to.
#[derive(Debug, Clone, Copy)]
struct Anchors {
    week: Week,
    q1: Quarter,
    q2: Quarter,
}

impl Anchors {
    fn of(today: NaiveDate) -> Anchors {
        let q1 = Quarter::containing(today).prev();
        Anchors {
            week: Week::containing(today),
            q1,
            q2: q1.prev(),
        }
    }

    fn day(self, d: Day) -> NaiveDate {
        match d {
            Day::BeforeQ2(n) => self.q2.first_day() - Duration::days(n),
            Day::IntoQ1(n) => self.q1.first_day() + Duration::days(n),
            Day::WeeksAgo(k) => self.week.plus(-k).monday() + Duration::days(1),
            Day::DaysAgo(n) => self.week.monday() - Duration::days(n),
        }
    }
}

fn amount_k(thousands: i64) -> Amount {
    Amount::from_cents(thousands * 100_000)
}

fn observation(t: &DemoTrait, met: bool, rng: &mut StdRng) -> Observation {
    match t.threshold {
        None => Observation::Met(met),
        Some(t) => {
            let (lo, hi) = if met { t.met } else { t.missed };
            Observation::Value(rng.random_range(lo..=hi) as f64)
        }
    }
}

/// A day of quarter `q`, from `first` days into it up to its 89th day (every quarter has 90 days or more).
fn day_in(q: Quarter, first: i64, rng: &mut StdRng) -> NaiveDate {
    q.first_day() + Duration::days(rng.random_range(first..=88))
}

/// Write the demo into `ws`, dated around `today` (in the workspace's time zone), recorded at `now`. Refuses
/// a workspace that holds data; on any error nothing is written.
#[tracing::instrument(skip_all)]
pub async fn write(
    store: &Store,
    ws: &str,
    today: NaiveDate,
    now: DateTime<Utc>,
) -> Result<DemoCounts, DemoError> {
    let mut tx = store.begin_import().await?;
    if tx.holds_data(ws).await? {
        tx.rollback().await?;
        return Err(DemoError::HoldsData(ws.to_string()));
    }
    let a = Anchors::of(today);
    let mut rng = StdRng::seed_from_u64(SEED);
    let mut counts = DemoCounts {
        first_week: a.week.plus(-(WEEKS - 1)).to_string(),
        last_week: a.week.to_string(),
        quarters: vec![a.q2.to_string(), a.q1.to_string()],
        ..DemoCounts::default()
    };
    tx.ensure_workspace(ws).await?;

    // The profiles, created before the oldest record of the demo.
    let created = at_noon(a.day(BeforeQ2(420)));
    let mut traits: HashMap<PartnerType, Vec<(i64, &DemoTrait)>> = HashMap::new();
    for (ty, name, joint, list) in PROFILES {
        let id = tx
            .create_profile(ws, ty, name, Some(joint), WHO, created)
            .await?;
        counts.profiles += 1;
        for t in list.iter() {
            let kind = match t.threshold {
                None => TraitKind::YesNo,
                Some(t) => TraitKind::Threshold {
                    min: Some(t.min),
                    max: None,
                    unit: Some(t.unit.into()),
                },
            };
            let new = NewTrait {
                name: t.name.into(),
                verify_by: Some(t.verify_by.into()),
                kind,
            };
            traits
                .entry(ty)
                .or_default()
                .push((tx.add_trait(ws, id, &new, WHO, created).await?, t));
            counts.traits += 1;
        }
    }

    // The roster, in one statement.
    let roster = PARTNERS
        .iter()
        .map(|p| new_partner(p, a))
        .collect::<Result<Vec<_>, _>>()?;
    tx.insert_partners(ws, &roster, WHO, now).await?;
    let ids: HashMap<String, i64> = tx
        .partners(ws)
        .await?
        .into_iter()
        .map(|p| (p.name, p.id))
        .collect();
    let id_of = |name: &str| {
        ids.get(name)
            .copied()
            .ok_or_else(|| StoreError::Corrupt(format!("demo partner {name} was not stored")))
    };
    for p in PARTNERS {
        match p.at {
            At::Prospect => counts.prospects += 1,
            At::Signed(_) => counts.signed += 1,
            At::Dropped(..) => counts.dropped += 1,
        }
    }
    counts.partners = roster.len();

    let (mut evidence, mut allocations, mut outcomes) = (Vec::new(), Vec::new(), Vec::new());
    for p in PARTNERS {
        let partner_id = id_of(p.name)?;
        let profile = traits.get(&p.ty).map(Vec::as_slice).unwrap_or_default();
        for (code, day) in p.evidence {
            let observed = a.day(*day);
            for (i, (letter, (trait_id, t))) in code.chars().zip(profile).enumerate() {
                if letter == '-' {
                    continue;
                }
                evidence.push(NewEvidence {
                    partner_id,
                    trait_id: *trait_id,
                    observation: observation(t, letter == 'M', &mut rng),
                    source: Some(t.verify_by.to_string()),
                    note: None,
                    // One trait a day, starting on the anchor day (a Tuesday for the weekly ones, so a batch
                    // never spills into the next week).
                    observed: observed + Duration::days(i as i64),
                });
            }
        }
        for l in p.loads {
            for k in (l.to..=l.from).rev() {
                allocations.push(NewAllocation {
                    partner_id,
                    week: a.week.plus(-k),
                    hours: Hours::from_centi(l.hours * 100),
                    spend: Amount::from_cents(l.dollars * 100),
                    note: l.note.map(str::to_string),
                });
            }
        }
        for (q, amounts, first) in [(a.q1, p.last_q, 45), (a.q2, p.prev_q, 5)] {
            for &k in amounts {
                outcomes.push(NewOutcome {
                    partner_id,
                    kind: OutcomeKind::SourcedPipeline,
                    amount: Some(amount_k(k)),
                    date: day_in(q, first, &mut rng),
                    reference: None,
                });
            }
        }
    }
    for &(name, last, kind, k) in OTHER_OUTCOMES {
        let q = if last { a.q1 } else { a.q2 };
        outcomes.push(NewOutcome {
            partner_id: id_of(name)?,
            kind,
            amount: k.map(amount_k),
            date: day_in(q, 45, &mut rng),
            reference: None,
        });
    }
    counts.evidence = evidence.len();
    counts.allocations = allocations.len();
    counts.outcomes = outcomes.len();
    tx.insert_evidence(ws, &evidence, WHO, now).await?;
    tx.insert_allocations(ws, &allocations, WHO, now).await?;
    tx.insert_outcomes(ws, &outcomes, WHO, now).await?;

    // Mistakes, recorded and retracted the way a team corrects them: they stay visible and count nowhere.
    for &(name, index, met, day, reason) in RETRACTED_EVIDENCE {
        let (trait_id, _) = traits
            .get(&Reseller)
            .and_then(|t| t.get(index))
            .ok_or_else(|| StoreError::Corrupt("demo trait missing".into()))?;
        let e = NewEvidence {
            partner_id: id_of(name)?,
            trait_id: *trait_id,
            observation: Observation::Met(met),
            source: Some("CRM".into()),
            note: None,
            observed: a.day(day),
        };
        let id = tx.add_evidence(ws, &e, WHO, now).await?;
        tx.retract(RecordTable::Evidence, ws, id, WHO, reason, now)
            .await?;
        counts.evidence += 1;
        counts.retracted += 1;
    }
    let (name, weeks_ago, hours, reason) = RETRACTED_ALLOCATION;
    let alloc = NewAllocation {
        partner_id: id_of(name)?,
        week: a.week.plus(-weeks_ago),
        hours: Hours::from_centi(hours * 100),
        spend: Amount::from_cents(0),
        note: None,
    };
    let id = tx.add_allocation(ws, &alloc, WHO, now).await?;
    tx.retract(RecordTable::Allocations, ws, id, WHO, reason, now)
        .await?;
    let (name, k, reason) = RETRACTED_OUTCOME;
    let outcome = NewOutcome {
        partner_id: id_of(name)?,
        kind: OutcomeKind::SourcedPipeline,
        amount: Some(amount_k(k)),
        date: day_in(a.q1, 45, &mut rng),
        reference: Some("GPR-1042".into()),
    };
    let id = tx.add_outcome(ws, &outcome, WHO, now).await?;
    tx.retract(RecordTable::Outcomes, ws, id, WHO, reason, now)
        .await?;
    counts.allocations += 1;
    counts.outcomes += 1;
    counts.retracted += 2;
    tx.commit().await?;
    Ok(counts)
}

fn new_partner(p: &P, a: Anchors) -> Result<NewPartner, StoreError> {
    let lifecycle = match p.at {
        At::Prospect => Lifecycle::Prospect,
        At::Signed(d) => Lifecycle::Signed { on: a.day(d) },
        At::Dropped(s, d, why) => Lifecycle::Dropped {
            on: a.day(d),
            reason: why.to_string(),
            signed_on: Some(a.day(s)),
        },
    };
    Ok(NewPartner {
        name: PartnerName::parse(p.name).map_err(|e| StoreError::Corrupt(e.0))?,
        partner_type: p.ty,
        lifecycle,
        champion: p.champion.map(str::to_string),
        note: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tables_hold_together() {
        let mut names: Vec<&str> = PARTNERS.iter().map(|p| p.name).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), 40, "40 partners, each name once");
        for p in PARTNERS {
            for (code, _) in p.evidence {
                assert_eq!(code.len(), 5, "{}: one letter per trait", p.name);
                assert!(code.chars().all(|c| "MX-".contains(c)), "{}", p.name);
            }
            for l in p.loads {
                assert!(l.from >= l.to && l.from < WEEKS, "{}", p.name);
            }
        }
        for name in OTHER_OUTCOMES
            .iter()
            .map(|o| o.0)
            .chain(RETRACTED_EVIDENCE.iter().map(|e| e.0))
            .chain([RETRACTED_ALLOCATION.0, RETRACTED_OUTCOME.0])
        {
            assert!(names.contains(&name), "{name}");
        }
    }

    #[test]
    fn anchors_follow_the_week_and_the_quarter() {
        // A Sunday in the fourth quarter: the quarters before are Q3 and Q2.
        let a = Anchors::of(NaiveDate::from_ymd_opt(2026, 12, 6).unwrap());
        assert_eq!(a.week.to_string(), "2026-W49");
        assert_eq!(
            (a.q1.to_string(), a.q2.to_string()),
            ("2026-Q3".into(), "2026-Q2".into())
        );
        assert_eq!(a.day(WeeksAgo(1)).to_string(), "2026-11-24");
        assert_eq!(a.day(BeforeQ2(30)).to_string(), "2026-03-02");
        assert_eq!(a.day(IntoQ1(25)).to_string(), "2026-07-26");
        assert_eq!(a.day(DaysAgo(500)).to_string(), "2025-07-18");
    }
}
