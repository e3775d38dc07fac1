//! The demo workspace of `partnerfit demo`: a small partnerships team as it looks after half a year of using
//! the bot, so that both digests and `/partner list` mean something the minute a newcomer opens them.
//!
//! Two profiles (resellers and technology integrations, five observable traits each), 40 partners (17 signed,
//! 5 dropped, 18 prospects, two of them of a type without a profile yet), evidence (stale records and a
//! retracted one among it), 26 weeks of hours and spend up to the current week, and the sourced pipeline,
//! registered deals and closed-won of the last two quarters.
//!
//! Every figure a digest shows follows from the tables below, so the digests can be checked by hand (the
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

/// A day, relative to the current week or quarter (`today` decides both).
#[derive(Debug, Clone, Copy)]
enum Day {
    /// `n` days before the first day of the quarter before last.
    BeforeQ2(i64),
    /// `n` days after the first day of the last quarter.
    IntoQ1(i64),
    /// The Tuesday of the week `k` weeks before the current one.
    WeeksAgo(i64),
    /// `n` days before the Monday of the current week.
    DaysAgo(i64),
}

/// Where a partner stands.
#[derive(Debug, Clone, Copy)]
enum At {
    Prospect,
    Signed(Day),
    Dropped(Day, Day, &'static str),
}

/// Hours and dollars every week from `from` weeks ago to `to` weeks ago (0: the current week).
#[derive(Debug, Clone, Copy)]
struct Load {
    from: i64,
    to: i64,
    hours: i64,
    dollars: i64,
    note: Option<&'static str>,
}

const fn load(from: i64, to: i64, hours: i64, dollars: i64) -> Load {
    Load {
        from,
        to,
        hours,
        dollars,
        note: None,
    }
}

/// One partner: its evidence as one letter per trait of its profile (`M` met, `X` missed, `-` no record),
/// observed on a day; its weekly loads; its sourced pipeline in thousands of dollars in the last quarter and
/// the one before.
#[derive(Debug, Clone, Copy)]
struct P {
    name: &'static str,
    ty: PartnerType,
    at: At,
    champion: Option<&'static str>,
    evidence: &'static [(&'static str, Day)],
    loads: &'static [Load],
    last_q: &'static [i64],
    prev_q: &'static [i64],
}

use Day::{BeforeQ2, DaysAgo, IntoQ1, WeeksAgo};
use PartnerType::{Reseller, Si, TechIsv};

/// When the signed partners' evidence was observed: the annual review before the quarter before last. The
/// quarter before last began 181 to 275 days before today, so this evidence is never stale (365 days).
const REVIEW: Day = BeforeQ2(30);

const fn p(name: &'static str, ty: PartnerType, at: At) -> P {
    P {
        name,
        ty,
        at,
        champion: None,
        evidence: &[],
        loads: &[],
        last_q: &[],
        prev_q: &[],
    }
}

/// The roster. Resellers are screened against "Deal registration, Customer overlap, Named champion,
/// Certified sales engineers, Co-sold with a peer vendor"; technology integrations against "Public API,
/// Shared customers, Integration owner, Marketplace listing, Joint customers live".
const PARTNERS: &[P] = &[
    // Signed resellers that match the profile.
    P {
        champion: Some("Dana Whitfield"),
        evidence: &[("MMMMM", REVIEW)],
        loads: &[load(25, 0, 6, 400)],
        last_q: &[120, 90],
        prev_q: &[40],
        ..p("Northwind Traders", Reseller, At::Signed(BeforeQ2(400)))
    },
    P {
        champion: Some("Luis Ortega"),
        evidence: &[("MMMMM", REVIEW)],
        loads: &[load(25, 0, 5, 300)],
        last_q: &[185],
        prev_q: &[35],
        ..p("Bluefin Distribution", Reseller, At::Signed(BeforeQ2(350)))
    },
    P {
        evidence: &[("MMMMM", REVIEW)],
        loads: &[load(25, 0, 4, 0)],
        last_q: &[100, 60],
        prev_q: &[30],
        ..p("Cedar & Stone IT", Reseller, At::Signed(BeforeQ2(330)))
    },
    P {
        champion: Some("Priya Raman"),
        evidence: &[("MMMXM", REVIEW)],
        loads: &[load(25, 0, 4, 250)],
        last_q: &[140],
        prev_q: &[25],
        ..p(
            "Meridian Channel Group",
            Reseller,
            At::Signed(BeforeQ2(300)),
        )
    },
    // Its newer "deal registration confirmed" was retracted (see RETRACTED_EVIDENCE): the miss counts.
    P {
        evidence: &[("XMMMM", REVIEW)],
        loads: &[load(25, 0, 3, 0)],
        last_q: &[120],
        prev_q: &[20],
        ..p("Harbor Point Systems", Reseller, At::Signed(BeforeQ2(280)))
    },
    // Matching, but nobody has worked with them for a month: neglected.
    P {
        evidence: &[("MMMMM", REVIEW)],
        loads: &[load(25, 5, 3, 200)],
        last_q: &[95],
        prev_q: &[45],
        ..p(
            "Summit Resale Partners",
            Reseller,
            At::Signed(BeforeQ2(260)),
        )
    },
    P {
        evidence: &[("MMMMM", REVIEW)],
        loads: &[load(25, 10, 2, 0)],
        last_q: &[75],
        prev_q: &[15],
        ..p("Lakeshore Solutions", Reseller, At::Signed(BeforeQ2(240)))
    },
    // Signed resellers that do not match: where the time goes anyway.
    P {
        champion: Some("Marc Dubois"),
        evidence: &[("XXMMM", REVIEW)],
        loads: &[
            load(25, 5, 2, 100),
            Load {
                note: Some("new account executive ramping them up"),
                ..load(4, 0, 8, 600)
            },
        ],
        last_q: &[30],
        prev_q: &[50, 40],
        ..p(
            "Granite Peak Resellers",
            Reseller,
            At::Signed(BeforeQ2(380)),
        )
    },
    P {
        evidence: &[("MXXMX", REVIEW)],
        loads: &[load(25, 0, 1, 0)],
        last_q: &[12],
        prev_q: &[70],
        ..p("Redwood Office Supply", Reseller, At::Signed(BeforeQ2(360)))
    },
    P {
        evidence: &[("MM-MM", REVIEW)],
        loads: &[load(25, 0, 1, 0)],
        last_q: &[8],
        prev_q: &[55],
        ..p("Pinecrest Tech", Reseller, At::Signed(BeforeQ2(200)))
    },
    P {
        evidence: &[("XMXMM", REVIEW)],
        prev_q: &[50],
        ..p(
            "Oakridge Value Partners",
            Reseller,
            At::Dropped(
                BeforeQ2(250),
                IntoQ1(20),
                "churned: no pipeline after their reorganisation",
            ),
        )
    },
    // Signed last quarter although it walks away.
    P {
        evidence: &[("XXMMX", REVIEW)],
        loads: &[load(12, 5, 1, 0), load(4, 0, 3, 150)],
        last_q: &[5],
        ..p("Copperleaf Resellers", Reseller, At::Signed(IntoQ1(40)))
    },
    // Signed technology integrations.
    P {
        champion: Some("Aiko Tanaka"),
        evidence: &[("MMMMM", REVIEW)],
        loads: &[load(25, 0, 5, 800)],
        last_q: &[90, 60],
        prev_q: &[28],
        ..p("Quanta Data", TechIsv, At::Signed(BeforeQ2(310)))
    },
    P {
        evidence: &[("MMMMM", REVIEW)],
        loads: &[load(25, 0, 4, 0)],
        last_q: &[130],
        prev_q: &[18],
        ..p("Lumen Analytics", TechIsv, At::Signed(BeforeQ2(290)))
    },
    P {
        evidence: &[("MMXMM", REVIEW)],
        loads: &[load(25, 0, 3, 200)],
        last_q: &[100],
        prev_q: &[10],
        ..p("Vector Forms", TechIsv, At::Signed(BeforeQ2(220)))
    },
    P {
        evidence: &[("XXMMM", REVIEW)],
        loads: &[load(25, 5, 1, 0), load(4, 0, 6, 300)],
        last_q: &[45],
        prev_q: &[65],
        ..p("Relay Cloud", TechIsv, At::Signed(BeforeQ2(340)))
    },
    P {
        evidence: &[("MMMM-", REVIEW)],
        loads: &[load(25, 0, 1, 0)],
        last_q: &[18],
        prev_q: &[60],
        ..p("Stackline", TechIsv, At::Signed(BeforeQ2(180)))
    },
    // Signed last quarter, on the profile.
    P {
        evidence: &[("MMMMM", REVIEW)],
        loads: &[load(12, 0, 4, 300)],
        last_q: &[22],
        ..p("Brightwave Software", TechIsv, At::Signed(IntoQ1(25)))
    },
    // Dropped before the quarter before last. Their evidence is 261 to 355 days old today (never stale),
    // but Yardley's is always more than a year old: stale, so it shows as incomplete.
    P {
        evidence: &[("XXMMM", BeforeQ2(80))],
        ..p(
            "Ironbridge Supply",
            Reseller,
            At::Dropped(
                BeforeQ2(400),
                BeforeQ2(60),
                "walked away: missed 2 traits at the annual review",
            ),
        )
    },
    P {
        evidence: &[("MMMMM", BeforeQ2(80))],
        ..p(
            "Juniper Retail Tech",
            Reseller,
            At::Dropped(
                BeforeQ2(380),
                BeforeQ2(20),
                "churned: no pipeline in two quarters",
            ),
        )
    },
    P {
        evidence: &[("XXMMM", BeforeQ2(75))],
        ..p(
            "Quill Docs",
            TechIsv,
            At::Dropped(
                BeforeQ2(300),
                BeforeQ2(40),
                "walked away: no public API after all",
            ),
        )
    },
    P {
        evidence: &[("MXMMX", BeforeQ2(200))],
        ..p(
            "Yardley Data",
            TechIsv,
            At::Dropped(
                BeforeQ2(350),
                BeforeQ2(150),
                "acquired; the integration was shut down",
            ),
        )
    },
    // Reseller prospects.
    P {
        champion: Some("Sam Keller"),
        evidence: &[("MMM--", WeeksAgo(6)), ("---MM", WeeksAgo(3))],
        loads: &[load(6, 0, 3, 0)],
        ..p("Atlas Office Systems", Reseller, At::Prospect)
    },
    P {
        evidence: &[("XXXMM", WeeksAgo(5))],
        loads: &[Load {
            note: Some("trade show booth and dinners"),
            ..load(3, 0, 10, 1500)
        }],
        ..p("Brightline Business Machines", Reseller, At::Prospect)
    },
    // Three of its records are older than a year: stale.
    P {
        evidence: &[("MMM--", DaysAgo(500)), ("---M-", WeeksAgo(2))],
        loads: &[load(2, 1, 2, 0)],
        ..p("Crescent Copiers", Reseller, At::Prospect)
    },
    P {
        evidence: &[("MM---", WeeksAgo(2))],
        ..p("Dovetail IT", Reseller, At::Prospect)
    },
    P {
        evidence: &[("XMXMM", WeeksAgo(10))],
        ..p("Evergreen Networks", Reseller, At::Prospect)
    },
    P {
        evidence: &[("MMMXM", WeeksAgo(4))],
        ..p("Foxglove Solutions", Reseller, At::Prospect)
    },
    P {
        evidence: &[("XXMXM", WeeksAgo(12))],
        ..p("Verity Resale", Reseller, At::Prospect)
    },
    P {
        champion: Some("Noor Haddad"),
        evidence: &[("MMMMM", WeeksAgo(1))],
        ..p("Willow Channel Partners", Reseller, At::Prospect)
    },
    p("Zephyr Office Pro", Reseller, At::Prospect),
    // Technology prospects.
    P {
        evidence: &[("MMMMM", WeeksAgo(7))],
        loads: &[load(3, 0, 2, 0)],
        ..p("Kestrel Apps", TechIsv, At::Prospect)
    },
    P {
        evidence: &[("MMM--", WeeksAgo(9))],
        loads: &[load(9, 6, 2, 0)],
        ..p("Lattice Labs", TechIsv, At::Prospect)
    },
    P {
        evidence: &[("XXMMM", WeeksAgo(15))],
        loads: &[load(14, 10, 3, 0)],
        ..p("Mosaic Metrics", TechIsv, At::Prospect)
    },
    p("Nimbus Forms", TechIsv, At::Prospect),
    P {
        evidence: &[("XMXMX", WeeksAgo(6))],
        ..p("Orbit Sync", TechIsv, At::Prospect)
    },
    P {
        evidence: &[("MMMXM", WeeksAgo(3))],
        ..p("Prism Pay", TechIsv, At::Prospect)
    },
    P {
        evidence: &[("MM-MM", WeeksAgo(4))],
        ..p("Xeno Integrations", TechIsv, At::Prospect)
    },
    // Systems integrators: no profile for them yet, so no verdict (unscreened).
    P {
        loads: &[load(3, 0, 4, 0)],
        ..p("Tangent Consulting", Si, At::Prospect)
    },
    p("Upland Advisory", Si, At::Prospect),
];

/// Evidence written and then retracted: partner, trait (its index in the profile), met, day, reason.
const RETRACTED_EVIDENCE: &[(&str, usize, bool, Day, &str)] = &[(
    "Harbor Point Systems",
    0,
    true,
    BeforeQ2(25),
    "the registration was another vendor's deal",
)];

/// An allocation written and then retracted: partner, weeks ago, hours, reason.
const RETRACTED_ALLOCATION: (&str, i64, i64, &str) = (
    "Northwind Traders",
    1,
    6,
    "logged twice: the same hours are already in",
);

/// A sourced pipeline written and then retracted: partner, thousands of dollars in the last quarter, reason.
const RETRACTED_OUTCOME: (&str, i64, &str) = (
    "Granite Peak Resellers",
    250,
    "duplicate of an opportunity already logged",
);

/// Registered deals and closed-won of the last quarter (`true`) or the one before: partner, kind,
/// thousands of dollars (none for a deal registration without an amount).
const OTHER_OUTCOMES: &[(&str, bool, OutcomeKind, Option<i64>)] = &[
    ("Northwind Traders", true, OutcomeKind::ClosedWon, Some(80)),
    ("Northwind Traders", true, OutcomeKind::RegisteredDeal, None),
    (
        "Northwind Traders",
        true,
        OutcomeKind::RegisteredDeal,
        Some(40),
    ),
    (
        "Bluefin Distribution",
        true,
        OutcomeKind::ClosedWon,
        Some(45),
    ),
    (
        "Bluefin Distribution",
        true,
        OutcomeKind::RegisteredDeal,
        None,
    ),
    ("Quanta Data", true, OutcomeKind::ClosedWon, Some(60)),
    ("Quanta Data", true, OutcomeKind::RegisteredDeal, None),
    (
        "Meridian Channel Group",
        true,
        OutcomeKind::RegisteredDeal,
        None,
    ),
    ("Lumen Analytics", true, OutcomeKind::RegisteredDeal, None),
    (
        "Granite Peak Resellers",
        false,
        OutcomeKind::ClosedWon,
        Some(30),
    ),
    (
        "Granite Peak Resellers",
        false,
        OutcomeKind::RegisteredDeal,
        None,
    ),
    (
        "Granite Peak Resellers",
        false,
        OutcomeKind::RegisteredDeal,
        None,
    ),
    (
        "Redwood Office Supply",
        false,
        OutcomeKind::ClosedWon,
        Some(20),
    ),
    ("Relay Cloud", false, OutcomeKind::RegisteredDeal, None),
];

/// A trait of a demo profile.
struct DemoTrait {
    name: &'static str,
    verify_by: &'static str,
    /// None for a yes/no trait.
    threshold: Option<Threshold>,
}

/// A threshold trait's minimum and unit, and the ranges its met and missed values are drawn from.
#[derive(Clone, Copy)]
struct Threshold {
    min: f64,
    unit: &'static str,
    met: (i64, i64),
    missed: (i64, i64),
}

const fn at_least(
    min: f64,
    unit: &'static str,
    met: (i64, i64),
    missed: (i64, i64),
) -> Option<Threshold> {
    Some(Threshold {
        min,
        unit,
        met,
        missed,
    })
}

const RESELLER_TRAITS: [DemoTrait; 5] = [
    DemoTrait {
        name: "Deal registration",
        verify_by: "a deal registered in our CRM before the contract",
        threshold: None,
    },
    DemoTrait {
        name: "Customer overlap",
        verify_by: "Crossbeam overlap report",
        threshold: at_least(25.0, "accounts", (25, 60), (3, 20)),
    },
    DemoTrait {
        name: "Named champion",
        verify_by: "call with the regional director",
        threshold: None,
    },
    DemoTrait {
        name: "Certified sales engineers",
        verify_by: "certification records",
        threshold: at_least(2.0, "people", (2, 6), (0, 1)),
    },
    DemoTrait {
        name: "Co-sold with a peer vendor",
        verify_by: "reference call with the peer vendor",
        threshold: at_least(1.0, "deals", (1, 4), (0, 0)),
    },
];

const TECH_TRAITS: [DemoTrait; 5] = [
    DemoTrait {
        name: "Public API",
        verify_by: "their API documentation",
        threshold: None,
    },
    DemoTrait {
        name: "Shared customers",
        verify_by: "Crossbeam overlap report",
        threshold: at_least(15.0, "accounts", (15, 45), (2, 12)),
    },
    DemoTrait {
        name: "Integration owner",
        verify_by: "call with their product manager",
        threshold: None,
    },
    DemoTrait {
        name: "Marketplace listing",
        verify_by: "their marketplace page",
        threshold: None,
    },
    DemoTrait {
        name: "Joint customers live",
        verify_by: "customer reference calls",
        threshold: at_least(2.0, "customers", (2, 8), (0, 1)),
    },
];

/// The two profiles: type, name, joint solution, traits.
const PROFILES: [(PartnerType, &str, &str, &[DemoTrait; 5]); 2] = [
    (
        Reseller,
        "Regional resellers",
        "They resell our platform bundled with their onboarding and first-line support",
        &RESELLER_TRAITS,
    ),
    (
        TechIsv,
        "Technology integrations",
        "Their product and ours sold as one workflow, through an integration both teams maintain",
        &TECH_TRAITS,
    ),
];

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
