//! The quarterly re-check: whether partners matching the profile really outperform those that do not — their
//! outcomes compared group against group and trait by trait, with the statistics that say how sure that is.

use crate::app::card::{user, Card, FileOut, Render, Tone};
use crate::app::screen::screen_many;
use crate::app::{App, AppError, AppResult, Settings};
use crate::domain::format::{fixed, opt_money, p_value, percent, trait_label};
use crate::domain::groups::Group;
use crate::domain::recheck::{self, compare, lift_text, Comparison, Member, RecheckVerdict};
use crate::domain::stats::Summary;
use crate::domain::{money, Amount, OutcomeKind, PartnerType, Quarter};
use crate::store::{OutcomeRow, Partner};
use chrono::NaiveDate;
use serde::Serialize;
use std::collections::HashMap;

/// One group of the re-check.
#[derive(Debug, Clone, Serialize)]
pub struct GroupFigures {
    pub n: usize,
    pub mean: Option<f64>,
    pub median: Option<f64>,
    pub total: f64,
    pub registered_deals: i64,
    pub closed_won: f64,
}

/// One trait's comparison.
#[derive(Debug, Clone, Serialize)]
pub struct TraitFigures {
    #[serde(rename = "type")]
    pub partner_type: PartnerType,
    pub name: String,
    pub n_met: usize,
    pub n_missed: usize,
    pub mean_met: Option<f64>,
    pub mean_missed: Option<f64>,
    pub lift: Option<f64>,
    pub u: Option<f64>,
    pub p_value: Option<f64>,
}

/// How many cohort partners one group holds, and their sourced pipeline dated in the quarter.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct CohortGroup {
    pub n: usize,
    pub total: f64,
}

/// The cohort by group: `matching` is the matching group of the test; the other three together are everyone
/// else (`not_matching`).
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct CohortGroups {
    pub matching: CohortGroup,
    #[serde(rename = "walk-away")]
    pub walk_away: CohortGroup,
    pub incomplete: CohortGroup,
    pub unscreened: CohortGroup,
}

impl CohortGroups {
    fn get_mut(&mut self, group: Group) -> &mut CohortGroup {
        match group {
            Group::Matching => &mut self.matching,
            Group::WalkAway => &mut self.walk_away,
            Group::Incomplete => &mut self.incomplete,
            Group::Unscreened => &mut self.unscreened,
        }
    }
}

/// The quarterly re-check of one quarter.
#[derive(Debug, Clone, Serialize)]
pub struct QuarterlyDigest {
    pub quarter: Quarter,
    pub first_day: NaiveDate,
    pub last_day: NaiveDate,
    pub verdict: RecheckVerdict,
    pub matching: GroupFigures,
    /// Everyone else in the cohort: walk-away, incomplete and unscreened.
    pub not_matching: GroupFigures,
    /// The cohort by group (a breakdown; not part of the stored figures).
    pub groups: CohortGroups,
    pub lift: Option<f64>,
    pub u: Option<f64>,
    pub p_value: Option<f64>,
    pub method: Option<crate::domain::stats::Method>,
    pub min_group: usize,
    pub alpha: f64,
    pub cohort: usize,
    pub signed_in_quarter: usize,
    pub recruitment_match_share: Option<f64>,
    pub traits: Vec<TraitFigures>,
    /// Traits whose lift is at or below 1: the first candidates to revise.
    pub revise_first: Vec<String>,
    /// The figures as they were posted, when this quarter was posted before.
    pub posted: Option<PostedRecheck>,
    pub late: bool,
    /// Today in the workspace's time zone when the quarter has not ended yet: the card's title says its data
    /// goes up to that day.
    #[serde(skip)]
    pub unfinished: Option<NaiveDate>,
    /// Each cohort partner's production, (matching, not matching), for the chart.
    #[serde(skip)]
    pub productions: (Vec<f64>, Vec<f64>),
    /// The workspace's currency, for the card and the chart.
    #[serde(skip)]
    pub currency: String,
}

/// A previously posted result of the same quarter.
#[derive(Debug, Clone, Serialize)]
pub struct PostedRecheck {
    #[serde(serialize_with = "crate::domain::stamp::serialize")]
    pub stored_at: chrono::DateTime<chrono::Utc>,
    pub verdict: RecheckVerdict,
    /// Whether the data of the quarter changed since it was posted (the figures differ).
    pub data_changed: bool,
    pub figures: serde_json::Value,
}

fn group(s: &Summary, deals: i64, won: f64) -> GroupFigures {
    GroupFigures {
        n: s.n,
        mean: s.mean,
        median: s.median,
        total: s.total,
        registered_deals: deals,
        closed_won: won,
    }
}

impl QuarterlyDigest {
    /// No sourced pipeline was logged for the cohort in the quarter (it has partners, and both groups' totals
    /// are 0): every production is 0, and the figures compare zeros.
    fn no_pipeline(&self) -> bool {
        self.cohort > 0 && self.matching.total == 0.0 && self.not_matching.total == 0.0
    }

    /// The verdict's line on the card: what it means, and for insufficient-data and not-proven, which
    /// condition of the method's rules (the first that applies) it came from.
    fn verdict_line(&self) -> String {
        let m = |v: Option<f64>| opt_money(v, &self.currency);
        match self.verdict {
            RecheckVerdict::Hold => "HOLD — matching partners out-produce the rest: the profile predicts production. Hold it and tighten recruitment.".into(),
            RecheckVerdict::Revise if self.no_pipeline() => format!(
                "REVISE — by the rule alone: the median of matching partners ({}) is not above everyone else's ({}).",
                m(self.matching.median),
                m(self.not_matching.median)
            ),
            RecheckVerdict::Revise => "REVISE — matching partners do not outperform: the profile is wrong. Start with the traits below.".into(),
            RecheckVerdict::NotProven => {
                let mut why = Vec::new();
                match self.p_value {
                    Some(p) if p >= self.alpha => why.push(format!(
                        "p {} is not below alpha {}",
                        p_value(Some(p)),
                        self.alpha
                    )),
                    Some(_) => {}
                    None => why.push("there is no test".to_string()),
                }
                let mean_higher =
                    matches!((self.matching.mean, self.not_matching.mean), (Some(a), Some(b)) if a > b);
                if !mean_higher {
                    why.push(format!(
                        "the mean of matching partners ({}) is not higher than everyone else's ({})",
                        m(self.matching.mean),
                        m(self.not_matching.mean)
                    ));
                }
                format!(
                    "NOT PROVEN — the median of matching partners is higher ({} against {}), but not clearly enough to hold the profile: {}.",
                    m(self.matching.median),
                    m(self.not_matching.median),
                    why.join(", and ")
                )
            }
            RecheckVerdict::InsufficientData => {
                let (matching, others) = (self.matching.n, self.not_matching.n);
                let incomplete = self.groups.incomplete.n;
                let advice = if matching < self.min_group && incomplete > 0 {
                    format!(
                        "Record evidence for the {} not judged yet (/evidence add): those that fit join the matching group. Or wait for more signed partners.",
                        crate::domain::plural(incomplete as u64, "incomplete partner", "incomplete partners")
                    )
                } else {
                    "Wait for more signed partners, and screen them as they sign.".to_string()
                };
                format!(
                    "INSUFFICIENT DATA — the cohort has {matching} matching and {}; each group needs at least min_group ({}) to compare, so this says nothing about the profile yet. {advice}",
                    crate::domain::plural(others as u64, "other partner", "other partners"),
                    self.min_group
                )
            }
        }
    }
}

impl Render for QuarterlyDigest {
    fn card(&self) -> Card {
        let tone = match self.verdict {
            RecheckVerdict::Hold => Tone::Good,
            RecheckVerdict::Revise => Tone::Bad,
            RecheckVerdict::NotProven | RecheckVerdict::InsufficientData => Tone::Warn,
        };
        let say = self.verdict_line();
        let empty = if self.no_pipeline() {
            format!(
                "No sourced pipeline was logged for the cohort's partners in {q}, so the figures compare zeros and this verdict says nothing about the profile yet. Log outcomes with /outcome add, then run /digest quarterly quarter:{q} again.\n",
                q = self.quarter
            )
        } else {
            String::new()
        };
        let late = if self.late { " (late)" } else { "" };
        let unfinished = super::unfinished_mark(self.first_day, self.unfinished);
        let mut card = Card::new(
            format!(
                "Quarterly re-check {}{late}{unfinished}: {}",
                self.quarter,
                self.verdict.as_str()
            ),
            tone,
        )
        .description(format!(
            "{empty}{say}\nCohort: {} signed by {} and not dropped before {}. Compared: each partner's sourced pipeline dated in {}, matching partners against everyone else.",
            crate::domain::plural(self.cohort as u64, "partner", "partners"), self.last_day, self.first_day, self.quarter
        ));
        let g = |f: &GroupFigures| {
            format!(
                "n {} · mean {} · median {} · total {}\n{} · {} closed-won",
                f.n,
                opt_money(f.mean, &self.currency),
                opt_money(f.median, &self.currency),
                money(f.total, &self.currency),
                crate::domain::plural(
                    f.registered_deals.max(0) as u64,
                    "registered deal",
                    "registered deals"
                ),
                money(f.closed_won, &self.currency)
            )
        };
        let gr = &self.groups;
        card = card
            .field(Group::Matching.heading(), g(&self.matching), true)
            .field(
                "Everyone else",
                format!(
                    "{} walk-away · {} incomplete · {} unscreened\n{}",
                    gr.walk_away.n,
                    gr.incomplete.n,
                    gr.unscreened.n,
                    g(&self.not_matching)
                ),
                true,
            )
            .field(
                "Test",
                format!(
                    "lift {} · Mann-Whitney U {} · p {} (one-sided, alpha {})",
                    lift_text(self.lift),
                    fixed(self.u, 1),
                    p_value(self.p_value),
                    self.alpha
                ),
                false,
            )
            .field(
                "Recruitment",
                match self.recruitment_match_share {
                    Some(s) => format!(
                        "{} of the {} signed in {} match the profile",
                        percent(s),
                        crate::domain::plural(self.signed_in_quarter as u64, "partner", "partners"),
                        self.quarter
                    ),
                    None => format!("no partner was signed in {}", self.quarter),
                },
                false,
            );
        if !self.traits.is_empty() {
            card = card.field(
                "Traits (lift met vs missed)",
                self.traits
                    .iter()
                    .map(|t| {
                        format!(
                            "{} — lift {} (n {} met / {} missed, p {})",
                            trait_label(t.partner_type, user(&t.name)),
                            lift_text(t.lift),
                            t.n_met,
                            t.n_missed,
                            p_value(t.p_value)
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n"),
                false,
            );
        }
        if !self.revise_first.is_empty() {
            card = card.field(
                "Revise first (lift ≤ 1)",
                self.revise_first
                    .iter()
                    .map(|t| user(t).to_string())
                    .collect::<Vec<_>>()
                    .join(", "),
                false,
            );
        }
        if let Some(p) = &self.posted {
            card = card.footer(if p.data_changed {
                format!(
                    "Posted on {} with verdict {}; the data for {} changed since, so these figures differ from the posted ones.",
                    p.stored_at.date_naive(),
                    p.verdict,
                    self.quarter
                )
            } else {
                format!(
                    "Posted on {}; the data has not changed since.",
                    p.stored_at.date_naive()
                )
            });
        }
        card
    }
}

/// The part of the digest that depends on the data only (compared to detect changes since posting).
fn figures(d: &QuarterlyDigest) -> serde_json::Value {
    let mut v = serde_json::to_value(d).unwrap_or_default();
    if let Some(o) = v.as_object_mut() {
        o.remove("posted");
        o.remove("late");
        // Added later than the stored fingerprints: leaving it out keeps them comparable.
        o.remove("groups");
    }
    v
}

/// The stored form of [`figures`]: serialized with the shortest round-trip representation of each number and
/// sorted keys, so the same figures always give the same string.
fn fingerprint(d: &QuarterlyDigest) -> String {
    figures(d).to_string()
}

/// Compute the re-check of `quarter`.
#[tracing::instrument(skip_all)]
pub async fn quarterly(
    app: &App,
    ws: &str,
    settings: &Settings,
    quarter: Quarter,
) -> AppResult<QuarterlyDigest> {
    let (first, last) = (quarter.first_day(), quarter.last_day());
    let partners = app.store.partners(ws, &Default::default()).await?;
    // The cohort by each partner's signed periods: one dropped and signed again later stays in the cohorts
    // of the quarters its first period reached into.
    let periods = app.store.signed_periods(ws).await?;
    let periods_of = |id: i64| periods.get(&id).map(Vec::as_slice).unwrap_or_default();
    let cohort: Vec<Partner> = partners
        .into_iter()
        .filter(|p| periods_of(p.id).iter().any(|s| s.reaches(first, last)))
        .collect();
    let screens = screen_many(app, ws, settings, &cohort, last).await?;
    let outcomes = app.store.outcomes_between(ws, first, last).await?;
    let Tally {
        production,
        deals,
        won,
    } = tally(&outcomes);
    let dollars = |map: &HashMap<i64, i64>, id: i64| {
        Amount::from_cents(map.get(&id).copied().unwrap_or(0)).dollars()
    };
    let members: Vec<Member> = cohort
        .iter()
        .map(|p| {
            let s = screens.get(&p.id).and_then(|s| s.as_ref());
            Member {
                partner_type: p.partner_type,
                matching: s.is_some_and(|s| s.verdict.matches()),
                production: dollars(&production, p.id),
                traits: s
                    .map(|s| s.checks.iter().map(|c| (c.trait_.id, c.status)).collect())
                    .unwrap_or_default(),
            }
        })
        .collect();
    // Each group's count and pipeline, summed in cents like the groups of the test.
    let mut groups = CohortGroups::default();
    let mut group_cents: HashMap<Group, i64> = HashMap::new();
    for p in &cohort {
        let verdict = screens
            .get(&p.id)
            .and_then(|s| s.as_ref())
            .map(|s| s.verdict);
        let group = Group::of(verdict);
        groups.get_mut(group).n += 1;
        add_cents(
            group_cents.entry(group).or_default(),
            production.get(&p.id).copied().unwrap_or(0),
        );
    }
    for (group, cents) in group_cents {
        groups.get_mut(group).total = Amount::from_cents(cents).dollars();
    }
    let (m, n) = recheck::group_productions(&members);
    let c: Comparison = compare(&m, &n);
    let sum_by = |matching: bool, map: &HashMap<i64, i64>| -> f64 {
        let cents = sum_cents(
            cohort
                .iter()
                .zip(&members)
                .filter(|(_, mem)| mem.matching == matching)
                .map(|(p, _)| map.get(&p.id).copied().unwrap_or(0)),
        );
        Amount::from_cents(cents).dollars()
    };
    let deals_by = |matching: bool| -> i64 {
        cohort
            .iter()
            .zip(&members)
            .filter(|(_, mem)| mem.matching == matching)
            .map(|(p, _)| deals.get(&p.id).copied().unwrap_or(0))
            .sum()
    };
    let profiles = app.store.active_profiles(ws).await?;
    let mut traits = Vec::new();
    for prof in &profiles {
        for t in &prof.traits {
            let (met, missed) = recheck::trait_productions(&members, prof.partner_type, t.id);
            let tc = compare(&met, &missed);
            traits.push(TraitFigures {
                partner_type: prof.partner_type,
                name: t.name.clone(),
                n_met: tc.a.n,
                n_missed: tc.b.n,
                mean_met: tc.a.mean,
                mean_missed: tc.b.mean,
                lift: tc.lift,
                u: tc.test.map(|x| x.u),
                p_value: tc.test.map(|x| x.p_value),
            });
        }
    }
    let revise_first = traits
        .iter()
        .filter(|t| t.lift.is_some_and(|l| l <= 1.0))
        .map(|t| format!("{} ({})", t.name, t.partner_type))
        .collect();
    let signed_in_q: Vec<usize> = cohort
        .iter()
        .enumerate()
        .filter(|(_, p)| periods_of(p.id).iter().any(|s| quarter.contains(s.signed)))
        .map(|(i, _)| i)
        .collect();
    let signed_matching = signed_in_q.iter().filter(|i| members[**i].matching).count();
    let verdict = recheck::verdict(&c, settings.recheck_rules());
    let mut d = QuarterlyDigest {
        quarter,
        first_day: first,
        last_day: last,
        verdict,
        matching: group(&c.a, deals_by(true), sum_by(true, &won)),
        not_matching: group(&c.b, deals_by(false), sum_by(false, &won)),
        groups,
        lift: c.lift,
        u: c.test.map(|x| x.u),
        p_value: c.test.map(|x| x.p_value),
        method: c.test.map(|x| x.method),
        min_group: settings.min_group as usize,
        alpha: settings.alpha,
        cohort: cohort.len(),
        signed_in_quarter: signed_in_q.len(),
        recruitment_match_share: (!signed_in_q.is_empty())
            .then(|| signed_matching as f64 / signed_in_q.len() as f64),
        traits,
        revise_first,
        posted: None,
        late: false,
        unfinished: super::unfinished(last, app.today(settings)),
        productions: (m, n),
        currency: settings.currency.clone(),
    };
    if let Some(stored) = app.store.stored_recheck(ws, quarter).await? {
        let posted: serde_json::Value =
            serde_json::from_str(&stored.result_json).unwrap_or_default();
        // Compare the serialized figures, not the parsed ones: serde_json's default float parsing is not
        // exact to the last bit, so a re-parsed p-value can differ from the same p-value computed again.
        d.posted = Some(PostedRecheck {
            data_changed: stored.fingerprint != fingerprint(&d),
            stored_at: stored.stored_at,
            verdict: stored.verdict,
            figures: posted,
        });
    }
    Ok(d)
}

/// Each partner's outcomes of the quarter, by partner id: amounts in cents, so a partner's total is exact
/// before it becomes dollars.
#[derive(Debug, Default, PartialEq)]
struct Tally {
    /// Sourced pipeline.
    production: HashMap<i64, i64>,
    /// How many deals were registered.
    deals: HashMap<i64, i64>,
    /// Closed-won amounts.
    won: HashMap<i64, i64>,
}

fn tally(outcomes: &[OutcomeRow]) -> Tally {
    let mut t = Tally::default();
    for o in outcomes {
        let cents = o.amount.map(Amount::cents).unwrap_or(0);
        match o.kind {
            OutcomeKind::SourcedPipeline => {
                add_cents(t.production.entry(o.partner_id).or_default(), cents)
            }
            OutcomeKind::RegisteredDeal => *t.deals.entry(o.partner_id).or_default() += 1,
            OutcomeKind::ClosedWon => add_cents(t.won.entry(o.partner_id).or_default(), cents),
        }
    }
    t
}

/// Add `cents` to `total`, held at `i64::MAX` instead of overflowing: one amount is capped at a trillion, but
/// enough of them (or a row edited past the cap) would pass it, which a debug build panics at and a release
/// build wraps to a negative sum. Sums below that are exact.
fn add_cents(total: &mut i64, cents: i64) {
    *total = total.saturating_add(cents);
}

/// The sum of `cents`, held at `i64::MAX` like [`add_cents`].
fn sum_cents(cents: impl IntoIterator<Item = i64>) -> i64 {
    cents.into_iter().fold(0, i64::saturating_add)
}

/// Store the re-check as posted (so later re-runs can tell whether the data changed).
pub async fn record_posted_recheck(app: &App, ws: &str, d: &QuarterlyDigest) -> AppResult<()> {
    let json = fingerprint(d);
    app.store
        .store_recheck(ws, d.quarter, d.verdict, &json, &json, app.now())
        .await?;
    Ok(())
}

/// The quarterly chart: each partner's production by group, and the lift per trait.
pub fn quarterly_chart(d: &QuarterlyDigest) -> AppResult<FileOut> {
    // Labelled as the card names them: two types' traits may share a name.
    let lifts: Vec<(String, Option<f64>)> = d
        .traits
        .iter()
        .map(|t| (trait_label(t.partner_type, &t.name), t.lift))
        .collect();
    let bytes = crate::chart::quarterly_chart(
        &format!("Re-check {}: production by group, lift by trait", d.quarter),
        &d.productions.0,
        &d.productions.1,
        &lifts,
        &d.currency,
    )
    .map_err(AppError::Internal)?;
    Ok(FileOut {
        name: format!("recheck-{}.png", d.quarter),
        bytes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcome(partner_id: i64, kind: OutcomeKind, cents: Option<i64>) -> OutcomeRow {
        OutcomeRow {
            id: 0,
            partner_id,
            kind,
            amount: cents.map(Amount::from_cents),
            date: NaiveDate::from_ymd_opt(2026, 2, 3).unwrap(),
        }
    }

    #[test]
    fn sums_past_an_i64_are_held_at_its_largest() {
        use OutcomeKind::{ClosedWon, RegisteredDeal, SourcedPipeline};
        let near = i64::MAX / 2 + 1;
        let t = tally(&[
            outcome(1, SourcedPipeline, Some(near)),
            outcome(1, SourcedPipeline, Some(near)),
            outcome(1, ClosedWon, Some(i64::MAX)),
            outcome(1, ClosedWon, Some(1)),
            outcome(1, RegisteredDeal, None),
            outcome(2, SourcedPipeline, Some(i64::MAX - 3)),
            outcome(2, SourcedPipeline, Some(2)),
            outcome(2, ClosedWon, None),
            outcome(2, RegisteredDeal, None),
            outcome(2, RegisteredDeal, Some(5)),
        ]);
        assert_eq!(t.production[&1], i64::MAX);
        assert_eq!(t.won[&1], i64::MAX);
        // Below the largest i64, exact to the cent; a deal is counted, whatever its amount.
        assert_eq!(t.production[&2], i64::MAX - 1);
        assert_eq!(t.won[&2], 0);
        assert_eq!((t.deals[&1], t.deals[&2]), (1, 2));
        // A group's or a side's sum over partners.
        assert_eq!(sum_cents([t.production[&1], t.production[&2]]), i64::MAX);
        assert_eq!(sum_cents([near, near - 2]), i64::MAX - 1);
        assert_eq!(sum_cents(std::iter::empty()), 0);
        let mut total = i64::MAX - 1;
        add_cents(&mut total, i64::MAX);
        assert_eq!(total, i64::MAX);
    }

    #[test]
    fn money_is_the_one_format() {
        assert_eq!(opt_money(Some(1_234_567.0), "$"), "$1.23M");
        assert_eq!(opt_money(Some(25_000.0), "€"), "€25,000");
        assert_eq!(opt_money(Some(999.5), "$"), "$999.50");
        assert_eq!(opt_money(None, "$"), "—");
    }
}
