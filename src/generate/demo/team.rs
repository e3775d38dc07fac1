//! The demo team itself, as tables: its partners with their stage dates, loads and evidence, the records
//! retracted later, the outcomes of the partners with no load, and the two profiles with their traits. The
//! module above turns them into rows.

use crate::domain::{OutcomeKind, PartnerType};

/// A day, relative to the current week or quarter (`today` decides both).
#[derive(Debug, Clone, Copy)]
pub(super) enum Day {
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
pub(super) enum At {
    Prospect,
    Signed(Day),
    Dropped(Day, Day, &'static str),
}

/// Hours and dollars every week from `from` weeks ago to `to` weeks ago (0: the current week).
#[derive(Debug, Clone, Copy)]
pub(super) struct Load {
    pub(super) from: i64,
    pub(super) to: i64,
    pub(super) hours: i64,
    pub(super) dollars: i64,
    pub(super) note: Option<&'static str>,
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
pub(super) struct P {
    pub(super) name: &'static str,
    pub(super) ty: PartnerType,
    pub(super) at: At,
    pub(super) champion: Option<&'static str>,
    pub(super) evidence: &'static [(&'static str, Day)],
    pub(super) loads: &'static [Load],
    pub(super) last_q: &'static [i64],
    pub(super) prev_q: &'static [i64],
}

pub(super) use Day::{BeforeQ2, DaysAgo, IntoQ1, WeeksAgo};
pub(super) use PartnerType::{Reseller, Si, TechIsv};

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
pub(super) const PARTNERS: &[P] = &[
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
pub(super) const RETRACTED_EVIDENCE: &[(&str, usize, bool, Day, &str)] = &[(
    "Harbor Point Systems",
    0,
    true,
    BeforeQ2(25),
    "the registration was another vendor's deal",
)];

/// An allocation written and then retracted: partner, weeks ago, hours, reason.
pub(super) const RETRACTED_ALLOCATION: (&str, i64, i64, &str) = (
    "Northwind Traders",
    1,
    6,
    "logged twice: the same hours are already in",
);

/// A sourced pipeline written and then retracted: partner, thousands of dollars in the last quarter, reason.
pub(super) const RETRACTED_OUTCOME: (&str, i64, &str) = (
    "Granite Peak Resellers",
    250,
    "duplicate of an opportunity already logged",
);

/// Registered deals and closed-won of the last quarter (`true`) or the one before: partner, kind,
/// thousands of dollars (none for a deal registration without an amount).
pub(super) const OTHER_OUTCOMES: &[(&str, bool, OutcomeKind, Option<i64>)] = &[
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
pub(super) struct DemoTrait {
    pub(super) name: &'static str,
    pub(super) verify_by: &'static str,
    /// None for a yes/no trait.
    pub(super) threshold: Option<Threshold>,
}

/// A threshold trait's minimum and unit, and the ranges its met and missed values are drawn from.
#[derive(Clone, Copy)]
pub(super) struct Threshold {
    pub(super) min: f64,
    pub(super) unit: &'static str,
    pub(super) met: (i64, i64),
    pub(super) missed: (i64, i64),
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
pub(super) const PROFILES: [(PartnerType, &str, &str, &[DemoTrait; 5]); 2] = [
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
