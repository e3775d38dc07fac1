//! A deterministic workspace of a given size, for benchmarks and for anyone who wants to see the bot at scale:
//! four profiles of five traits, `partners` partners across the four types, ten evidence records per partner
//! per trait over two years, weekly hours and spend of every signed partner for 104 weeks, and outcomes for 8
//! quarters. Everything is written in one transaction of the store (its bulk-import transaction): a failure
//! (a full disk, a database too small) leaves nothing of the workspace behind. The same seed, size and end
//! date always give the same rows; a size outside 1 to [`MAX_PARTNERS`] is refused before anything is opened. Used by `partnerfit generate` (a hidden subcommand) and the benches.
//! [`demo`] is its small sibling: the hand-made sample team of `partnerfit demo`.

pub mod demo;

use crate::domain::evidence::Observation;
use crate::domain::profile::TraitKind;
use crate::domain::{
    Amount, Hours, Lifecycle, OutcomeKind, PartnerName, PartnerType, Quarter, Stage, Week,
};
use crate::store::{
    NewAllocation, NewEvidence, NewOutcome, NewPartner, NewTrait, Store, StoreError,
};
use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use std::collections::HashMap;

/// What to generate.
#[derive(Debug, Clone)]
pub struct Spec {
    pub workspace: String,
    pub partners: usize,
    pub seed: u64,
    /// The last day of the generated history ("today" of the data set).
    pub until: NaiveDate,
}

/// The largest size the generator takes: a million partners is about 13 GB of SQLite and hours of writing.
pub const MAX_PARTNERS: usize = 1_000_000;

/// Why nothing was generated.
#[derive(Debug, thiserror::Error)]
pub enum GenerateError {
    /// The size is outside 1 to [`MAX_PARTNERS`].
    #[error("{0}")]
    Size(SizeError),
    /// The workspace already holds profiles, partners or schedules.
    #[error("workspace `{0}` already has data: generate into a new database or another workspace")]
    HoldsData(String),
    /// The history before the end date would begin before `first`, the first day of [`Week::first`] in its
    /// year ([`earliest_day`]): its weeks and dates would not read back.
    #[error("the end date {until} is too early: the history would begin on {begins}, and it must begin on {first} or later; give --until {instead} or later")]
    TooEarly {
        until: NaiveDate,
        begins: NaiveDate,
        first: NaiveDate,
        instead: NaiveDate,
    },
    /// The store failed (a full disk, for one); the transaction was rolled back.
    #[error("{0}")]
    Store(#[from] StoreError),
}

/// A generator size that is not a whole number from 1 to [`MAX_PARTNERS`], with what was given.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the number of partners must be a whole number from 1 to 1,000,000, not `{0}`")]
pub struct SizeError(pub String);

/// Check a number of partners given as text (the command line's `--partners`, the benches'
/// `PARTNERFIT_BENCH_PARTNERS`): a whole number from 1 to [`MAX_PARTNERS`].
pub fn parse_partners(text: &str) -> Result<usize, SizeError> {
    match text.trim().parse::<usize>() {
        Ok(n) if (1..=MAX_PARTNERS).contains(&n) => Ok(n),
        _ => Err(SizeError(text.to_string())),
    }
}

/// How many rows were written.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Counts {
    pub profiles: usize,
    pub traits: usize,
    pub partners: usize,
    pub signed: usize,
    pub evidence: usize,
    pub allocations: usize,
    pub outcomes: usize,
}

impl std::fmt::Display for Counts {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} partners ({} signed), {} profiles, {} traits, {} evidence, {} allocations, {} outcomes",
            self.partners,
            self.signed,
            self.profiles,
            self.traits,
            self.evidence,
            self.allocations,
            self.outcomes
        )
    }
}

/// Evidence records per partner per trait.
pub const EVIDENCE_PER_TRAIT: usize = 10;
/// Weeks of allocations per signed partner.
pub const WEEKS: i64 = 104;
/// Quarters of outcomes.
pub const QUARTERS: usize = 8;
/// Days of evidence history.
const HISTORY_DAYS: i64 = 730;
/// Rows handed to the store per batch (bounds the generator's memory, not the transaction).
const BATCH: usize = 20_000;

const WHO: &str = "generator";

const FIRST: &[&str] = &[
    "Acme",
    "Globex",
    "Initech",
    "Umbrella",
    "Stark",
    "Wayne",
    "Wonka",
    "Hooli",
    "Vandelay",
    "Cyberdyne",
    "Soylent",
    "Tyrell",
    "Aperture",
    "Massive",
    "Oscorp",
    "Gringotts",
    "Nakatomi",
    "Dunder",
    "Sterling",
    "Pied",
    "Blue",
    "Red",
    "North",
    "Bright",
    "Silver",
    "Iron",
    "Cloud",
    "Data",
    "Quantum",
    "Nimbus",
];
const SECOND: &[&str] = &[
    "Systems",
    "Labs",
    "Partners",
    "Digital",
    "Analytics",
    "Consulting",
    "Cloud",
    "Networks",
    "Software",
    "Solutions",
    "Group",
    "Works",
    "Logic",
    "Dynamics",
    "Ventures",
    "Integrations",
];

/// The five traits of each type's profile: name, how to verify, and the rule.
fn traits_of(ty: PartnerType) -> Vec<NewTrait> {
    let yes = |name: &str, by: &str| NewTrait {
        name: name.into(),
        verify_by: Some(by.into()),
        kind: TraitKind::YesNo,
    };
    let min = |name: &str, by: &str, v: f64, unit: &str| NewTrait {
        name: name.into(),
        verify_by: Some(by.into()),
        kind: TraitKind::Threshold {
            min: Some(v),
            max: None,
            unit: Some(unit.into()),
        },
    };
    let lead = match ty {
        PartnerType::Reseller => "Sells into our ICP accounts",
        PartnerType::Si => "Has a practice on our category",
        PartnerType::TechIsv => "Public API our product can use",
        PartnerType::Referral => "Advises our buyers today",
    };
    vec![
        yes(lead, "their customer list"),
        min("Shared customers", "CRM overlap report", 25.0, "accounts"),
        yes("Named executive sponsor", "a call with the sponsor"),
        min("Certified staff", "certification records", 3.0, "people"),
        yes("Co-sell motion in place", "their partner team"),
    ]
}

fn profile_name(ty: PartnerType) -> String {
    format!("Ideal {} partner", ty.label())
}

fn observation(kind: &TraitKind, rng: &mut StdRng) -> Observation {
    match kind {
        TraitKind::YesNo => Observation::Met(rng.random_bool(0.7)),
        TraitKind::Threshold { min, .. } => {
            let m = min.unwrap_or(1.0);
            // Around the threshold, whole numbers: about two thirds meet it.
            Observation::Value((m * rng.random_range(0.4..1.9_f64)).round())
        }
    }
}

/// How much history each partner gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Depth {
    /// Evidence records per partner per trait.
    pub evidence_per_trait: usize,
    /// Weeks of allocations per signed partner, up to the end date.
    pub weeks: i64,
}

impl Depth {
    /// What `partnerfit generate` writes: [`EVIDENCE_PER_TRAIT`] records and [`WEEKS`] weeks.
    pub const FULL: Depth = Depth {
        evidence_per_trait: EVIDENCE_PER_TRAIT,
        weeks: WEEKS,
    };
}

/// The first day the history of `depth` ending on `until` writes anything on: a signed partner's signing (up to
/// `HISTORY_DAYS + 199` days back), the Monday of the first week of allocations, the first day of the first
/// quarter of outcomes.
pub fn earliest_day(until: NaiveDate, depth: Depth) -> NaiveDate {
    let created = until - Duration::days(HISTORY_DAYS + 1);
    let signed = until - Duration::days(HISTORY_DAYS + 199);
    let first_week = Week::containing(until).plus(-depth.weeks).monday();
    let mut q = Quarter::containing(until).prev();
    for _ in 1..QUARTERS {
        q = q.prev();
    }
    [created, signed, first_week, q.first_day()]
        .into_iter()
        .min()
        .unwrap_or(until)
}

/// Refuse an end date whose history would begin before [`Week::first`] or before its year (a week would be
/// written `999-W52`, a date in year 999: neither reads back), with the earliest end date that fits.
fn check_until(until: NaiveDate, depth: Depth) -> Result<(), GenerateError> {
    let first = Week::first()
        .monday()
        .max(NaiveDate::from_ymd_opt(Week::first().year(), 1, 1).unwrap_or(NaiveDate::MIN));
    let begins = earliest_day(until, depth);
    if begins >= first {
        return Ok(());
    }
    // Later by the gap, then day by day (the weeks and quarters are whole, so the history's length varies by
    // a few days with the end date).
    let mut instead = until + (first - begins);
    while earliest_day(instead, depth) < first {
        instead += Duration::days(1);
    }
    Err(GenerateError::TooEarly {
        until,
        begins,
        first,
        instead,
    })
}

/// Write the workspace described by `spec`, all of it or (on any failure) nothing. The workspace must hold no
/// profiles, partners or schedules yet, and the size must be from 1 to [`MAX_PARTNERS`].
pub async fn generate(store: &Store, spec: &Spec) -> Result<Counts, GenerateError> {
    generate_with(store, spec, Depth::FULL).await
}

/// [`generate`] with less (or more) history per partner: many small workspaces written fast (the fan-out
/// benchmark's thousand servers). The same seed, size, end date and depth always give the same rows.
#[tracing::instrument(skip_all)]
pub async fn generate_with(
    store: &Store,
    spec: &Spec,
    depth: Depth,
) -> Result<Counts, GenerateError> {
    if !(1..=MAX_PARTNERS).contains(&spec.partners) {
        return Err(GenerateError::Size(SizeError(spec.partners.to_string())));
    }
    check_until(spec.until, depth)?;
    let mut rng = StdRng::seed_from_u64(spec.seed);
    let ws = spec.workspace.as_str();
    let now = at_noon(spec.until);
    let created = at_noon(spec.until - Duration::days(HISTORY_DAYS + 1));
    // One transaction for everything, the workspace's settings row included: dropping it (on `?`) rolls back.
    let mut tx = store.begin_import().await?;
    if tx.holds_data(ws).await? {
        tx.rollback().await?;
        return Err(GenerateError::HoldsData(ws.to_string()));
    }
    tx.ensure_workspace(ws).await?;
    let mut counts = Counts::default();

    // Profiles and their traits, in type order.
    let mut traits: HashMap<PartnerType, Vec<(i64, TraitKind)>> = HashMap::new();
    for &ty in PartnerType::ALL {
        let id = tx
            .create_profile(
                ws,
                ty,
                &profile_name(ty),
                Some("joint solution with our product"),
                WHO,
                created,
            )
            .await?;
        counts.profiles += 1;
        let mut ids = Vec::new();
        for t in traits_of(ty) {
            let tid = tx.add_trait(ws, id, &t, WHO, created).await?;
            ids.push((tid, t.kind));
            counts.traits += 1;
        }
        traits.insert(ty, ids);
    }

    let partners = (0..spec.partners)
        .map(|i| new_partner(i, spec, &mut rng))
        .collect::<Result<Vec<_>, _>>()?;
    for chunk in partners.chunks(BATCH) {
        tx.insert_partners(ws, chunk, WHO, created).await?;
    }
    counts.partners = partners.len();
    let stored = tx.partners(ws).await?;

    let first_week = Week::containing(spec.until).plus(-depth.weeks);
    let last_quarter = Quarter::containing(spec.until).prev();
    let mut evidence = Vec::with_capacity(BATCH);
    let mut allocations = Vec::with_capacity(BATCH);
    let mut outcomes = Vec::with_capacity(BATCH);
    for p in &stored {
        for (trait_id, kind) in traits.get(&p.partner_type).into_iter().flatten() {
            for _ in 0..depth.evidence_per_trait {
                let age = rng.random_range(0..HISTORY_DAYS);
                evidence.push(NewEvidence {
                    partner_id: p.id,
                    trait_id: *trait_id,
                    observation: observation(kind, &mut rng),
                    source: rng.random_bool(0.5).then(|| "call notes".to_string()),
                    note: None,
                    observed: spec.until - Duration::days(age),
                });
            }
        }
        if evidence.len() >= BATCH {
            counts.evidence += evidence.len();
            tx.insert_evidence(ws, &evidence, WHO, now).await?;
            evidence.clear();
        }
        if p.lifecycle.stage() != Stage::Signed {
            continue;
        }
        counts.signed += 1;
        for w in 0..depth.weeks {
            allocations.push(NewAllocation {
                partner_id: p.id,
                week: first_week.plus(w),
                hours: Hours::from_centi(rng.random_range(0..1600)),
                spend: Amount::from_cents(rng.random_range(0..500_000)),
                note: None,
            });
        }
        if allocations.len() >= BATCH {
            counts.allocations += allocations.len();
            tx.insert_allocations(ws, &allocations, WHO, now).await?;
            allocations.clear();
        }
        let mut q = last_quarter;
        for _ in 0..QUARTERS {
            for _ in 0..rng.random_range(0..3) {
                let kind = OutcomeKind::ALL[rng.random_range(0..OutcomeKind::ALL.len())];
                let span = (q.last_day() - q.first_day()).num_days();
                outcomes.push(NewOutcome {
                    partner_id: p.id,
                    kind,
                    amount: Some(Amount::from_cents(rng.random_range(100_000..20_000_000))),
                    date: q.first_day() + Duration::days(rng.random_range(0..=span)),
                    reference: None,
                });
            }
            q = q.prev();
        }
        if outcomes.len() >= BATCH {
            counts.outcomes += outcomes.len();
            tx.insert_outcomes(ws, &outcomes, WHO, now).await?;
            outcomes.clear();
        }
    }
    counts.evidence += evidence.len();
    tx.insert_evidence(ws, &evidence, WHO, now).await?;
    counts.allocations += allocations.len();
    tx.insert_allocations(ws, &allocations, WHO, now).await?;
    counts.outcomes += outcomes.len();
    tx.insert_outcomes(ws, &outcomes, WHO, now).await?;
    tx.commit().await?;
    Ok(counts)
}

/// Partner `i`: a unique name, a type (round robin), a stage (30 % signed, 10 % dropped) and dates.
fn new_partner(i: usize, spec: &Spec, rng: &mut StdRng) -> Result<NewPartner, StoreError> {
    let name = format!(
        "{} {} {:05}",
        FIRST[rng.random_range(0..FIRST.len())],
        SECOND[rng.random_range(0..SECOND.len())],
        i + 1
    );
    let roll: f64 = rng.random();
    let (stage, signed, dropped) = if roll < 0.3 {
        let d = spec.until - Duration::days(rng.random_range(WEEKS * 7..HISTORY_DAYS + 200));
        (Stage::Signed, Some(d), None)
    } else if roll < 0.4 {
        let s = spec.until - Duration::days(rng.random_range(400..HISTORY_DAYS));
        let d = s + Duration::days(rng.random_range(30..300));
        (Stage::Dropped, Some(s), Some(d))
    } else {
        (Stage::Prospect, None, None)
    };
    let drop_reason = dropped.map(|_| "no pipeline after two quarters".to_string());
    let name = PartnerName::parse(&name).map_err(|e| StoreError::Corrupt(e.0))?;
    let lifecycle =
        Lifecycle::from_columns(name.as_str(), Some(stage), signed, dropped, drop_reason)
            .map_err(|e| StoreError::Corrupt(format!("generated partner {name}: {e:?}")))?;
    Ok(NewPartner {
        name,
        partner_type: PartnerType::ALL[i % PartnerType::ALL.len()],
        lifecycle,
        champion: rng.random_bool(0.5).then(|| format!("champion{}", i % 97)),
        note: None,
    })
}

fn at_noon(d: NaiveDate) -> DateTime<Utc> {
    d.and_time(NaiveTime::MIN + Duration::hours(12)).and_utc()
}
