//! The weekly allocation check: where the team's hours and spend went in one ISO week, the share that went to
//! partners matching the profile against the workspace's target, the trend, and the non-matching partners
//! that took the most.

use crate::app::card::{user, Card, FileOut, Render, Tone};
use crate::app::screen::verdicts_at_many;
use crate::app::{App, AppError, AppResult, Settings};
use crate::domain::allocation::{
    self, hint, status, top_not_matching, trend_weeks, Buckets, Groups, Hint, PartnerAllocation,
    Status, Totals,
};
use crate::domain::format::{opt_percent_against, percent_against, target_percent, week_short};
use crate::domain::groups::Group;
use crate::domain::recheck::RecheckVerdict;
use crate::domain::{Amount, Hours, Quarter, Verdict, Week};
use crate::store::Partner;
use chrono::NaiveDate;
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

/// One non-matching partner that took time or money.
#[derive(Debug, Clone, Serialize)]
pub struct PartnerLoad {
    pub partner: String,
    pub hours: Hours,
    pub spend: Amount,
}

/// One week of the trend.
#[derive(Debug, Clone, Serialize)]
pub struct TrendPoint {
    pub week: Week,
    pub matching_share_hours: Option<f64>,
    pub matching_share_spend: Option<f64>,
}

/// The weekly allocation check of one ISO week.
#[derive(Debug, Clone, Serialize)]
pub struct WeeklyDigest {
    pub week: Week,
    pub week_start: NaiveDate,
    pub week_end: NaiveDate,
    pub hours_total: Hours,
    pub spend_total: Amount,
    pub matching_share_hours: Option<f64>,
    pub matching_share_spend: Option<f64>,
    pub target: f64,
    pub status: Status,
    pub hint: Option<Hint>,
    /// The three buckets as they always were (`unscreened` holds the incomplete and unscreened groups).
    pub buckets: Buckets,
    /// The same hours and spend by group: matching, walk-away, incomplete, unscreened.
    pub groups: Groups,
    pub top_not_matching: Vec<PartnerLoad>,
    pub neglected: Vec<String>,
    pub trend: Vec<TrendPoint>,
    /// The latest stored quarterly re-check the hint rests on.
    pub latest_recheck: Option<LatestRecheck>,
    /// Set when a scheduled post went out after its time (the bot was down).
    pub late: bool,
    /// Today in the workspace's time zone when the week has not ended yet (it is this week, or a later one):
    /// the card's title says its data goes up to that day.
    #[serde(skip)]
    pub unfinished: Option<NaiveDate>,
    /// The workspace's currency, for the card.
    #[serde(skip)]
    pub currency: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct LatestRecheck {
    pub quarter: Quarter,
    pub verdict: RecheckVerdict,
    /// No sourced pipeline was logged for that quarter's cohort (both groups' totals 0): its verdict compared
    /// zeros and says nothing about the profile yet.
    #[serde(skip)]
    pub no_pipeline: bool,
}

/// Whether a stored re-check's figures (its `result_json`) have no sourced pipeline in either group.
fn no_pipeline(result_json: &str) -> bool {
    let v: serde_json::Value = serde_json::from_str(result_json).unwrap_or_default();
    ["matching", "not_matching"]
        .iter()
        .all(|g| v[*g]["total"].as_f64() == Some(0.0))
}

impl Render for WeeklyDigest {
    fn card(&self) -> Card {
        let (tone, head) = match self.status {
            Status::OnTarget => (Tone::Good, "on target"),
            Status::Drifting => (Tone::Bad, "drifting"),
            Status::NoData => (Tone::Warn, "no data"),
        };
        let late = if self.late { " (late)" } else { "" };
        let unfinished = super::unfinished_mark(self.week_start, self.unfinished);
        let mut card = Card::new(
            format!(
                "Weekly allocation check {}{late}{unfinished}: {head}",
                self.week
            ),
            tone,
        );
        if self.status == Status::NoData {
            card = card.description(format!(
                "No hours or spend were logged for {} ({} to {}){}. Log where the team's time and money went with /log hours and /log spend, and outcomes with /outcome add.",
                self.week,
                self.week_start,
                self.week_end,
                if self.unfinished.is_some() { " so far" } else { "" }
            ));
        } else {
            let why = match (self.hint, &self.latest_recheck) {
                (Some(Hint::ProfileMayBeWrong), Some(r)) if r.no_pipeline => format!(
                    "\n**The profile may be wrong, but nothing shows it yet**: the latest re-check ({q}) said {v} with no sourced pipeline logged for its partners in {q}: it compared zeros, which says nothing about the profile. Log outcomes with /outcome add, then post the re-check again (/digest quarterly quarter:{q} post:true); meanwhile, move time and money back to partners that match the profile.",
                    q = r.quarter,
                    v = r.verdict.as_str()
                ),
                (Some(Hint::ProfileMayBeWrong), r) => format!(
                    "\n**The profile may be wrong**: the latest re-check ({}) said {}. Revisit the profile before forcing the allocation.",
                    r.as_ref().map_or_else(|| "?".to_string(), |r| r.quarter.to_string()),
                    r.as_ref().map_or("?", |r| r.verdict.as_str())
                ),
                (Some(Hint::AllocationDrifting), _) => {
                    "\n**The allocation is drifting**: move time and money back to partners that match the profile.".into()
                }
                (None, _) => String::new(),
            };
            let target = target_percent(self.target);
            let share = |v: Option<f64>| v.map(|v| percent_against(v, self.target));
            let shares = match (
                share(self.matching_share_hours),
                share(self.matching_share_spend),
            ) {
                (Some(h), Some(s)) => format!(
                    "Matching partners got {h} of the hours and {s} of the spend (target {target})."
                ),
                (Some(h), None) => format!(
                    "Matching partners got {h} of the hours (target {target}); no spend was logged."
                ),
                (None, Some(s)) => format!(
                    "No hours were logged; matching partners got {s} of the spend (target {target})."
                ),
                (None, None) => format!("No hours or spend were logged (target {target})."),
            };
            card = card.description(format!(
                "{} to {}: {} h and {} logged. {shares}{why}",
                self.week_start,
                self.week_end,
                self.hours_total,
                self.spend_total.money(&self.currency),
            ));
            let b = |t: Totals| format!("{} h · {}", t.hours, t.spend.money(&self.currency));
            for g in Group::ALL {
                card = card.field(g.heading(), b(self.groups.get(*g)), true);
            }
        }
        if !self.top_not_matching.is_empty() {
            card = card.field(
                "Walk-away partners taking time",
                self.top_not_matching
                    .iter()
                    .map(|p| {
                        format!(
                            "{} — {} h · {}",
                            user(&p.partner),
                            p.hours,
                            p.spend.money(&self.currency)
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n"),
                false,
            );
        }
        if !self.neglected.is_empty() {
            let shown: Vec<String> = self
                .neglected
                .iter()
                .take(15)
                .map(|n| user(n).to_string())
                .collect();
            let more = self.neglected.len().saturating_sub(shown.len());
            let (from, to) = allocation::neglect_window(self.week);
            card = card.field(
                format!(
                    "Neglected matching partners ({}): no hours or spend in {from} to {to}",
                    self.neglected.len()
                ),
                format!(
                    "{}{}",
                    shown.join(", "),
                    if more > 0 {
                        format!(" and {more} more")
                    } else {
                        String::new()
                    }
                ),
                false,
            );
        }
        card = card.field(
            "Trend (matching share of hours)",
            self.trend
                .iter()
                .map(|t| {
                    format!(
                        "{} {}",
                        week_short(t.week),
                        opt_percent_against(t.matching_share_hours, self.target)
                    )
                })
                .collect::<Vec<_>>()
                .join(" · "),
            false,
        );
        card
    }
}

/// Which partners had allocations in each week, with totals.
type WeekRows = BTreeMap<Week, Vec<(i64, Hours, Amount)>>;

/// Compute the weekly allocation check of `week`.
#[tracing::instrument(skip_all)]
pub async fn weekly(
    app: &App,
    ws: &str,
    settings: &Settings,
    week: Week,
) -> AppResult<WeeklyDigest> {
    let weeks = trend_weeks(week);
    let neglect_from = allocation::neglect_window(week).0;
    let from = weeks[0].min(neglect_from);
    if from < Week::first() {
        // The weeks looked back on would come before the first week there is.
        let back = (week.monday() - from.monday()).num_weeks();
        return Err(AppError::user(format!(
            "{week} is too early for a weekly digest: it looks back {back} weeks, and weeks start at {first}. Give {earliest} or later.",
            first = Week::first(),
            earliest = Week::first().plus(back),
        )));
    }
    let sums = app.store.allocation_sums(ws, from, week).await?;
    let mut rows: WeekRows = BTreeMap::new();
    for s in &sums {
        rows.entry(s.week)
            .or_default()
            .push((s.partner_id, s.hours, s.spend));
    }
    // Signed partners (the neglect candidates), and the few others that took time or money.
    let mut partners = app.store.signed_partners(ws).await?;
    let signed: HashSet<i64> = partners.iter().map(|p| p.id).collect();
    let others: BTreeSet<i64> = sums
        .iter()
        .map(|s| s.partner_id)
        .filter(|id| !signed.contains(id))
        .collect();
    for id in others {
        partners.extend(app.store.partner_by_id(ws, id).await?);
    }
    let by_id: HashMap<i64, &Partner> = partners.iter().map(|p| (p.id, p)).collect();

    // Every partner's verdict at the end of each trend week (the last is the end of `week`), in one pass.
    let sundays: Vec<NaiveDate> = weeks.iter().map(|w| w.sunday()).collect();
    let verdicts = verdicts_at_many(app, ws, settings, partners.iter(), &sundays).await?;
    let verdict_at = |id: i64, i: usize| -> Option<Verdict> {
        verdicts
            .get(&id)
            .and_then(|v| v.as_ref())
            .and_then(|v| v.get(i).copied())
    };

    let mut trend = Vec::with_capacity(weeks.len());
    let mut this_week_rows = Vec::new();
    for (i, w) in weeks.iter().enumerate() {
        let week_rows = rows.get(w).cloned().unwrap_or_default();
        let allocs: Vec<PartnerAllocation> = week_rows
            .iter()
            .filter_map(|(id, h, s)| {
                let p = by_id.get(id)?;
                let verdict = verdict_at(*id, i);
                Some(PartnerAllocation {
                    partner: p.name.clone(),
                    group: Group::of(verdict),
                    hours: *h,
                    spend: *s,
                })
            })
            .collect();
        let b = Buckets::from_rows(&allocs);
        trend.push(TrendPoint {
            week: *w,
            matching_share_hours: b.share_hours(),
            matching_share_spend: b.share_spend(),
        });
        if *w == week {
            this_week_rows = allocs;
        }
    }

    let buckets = Buckets::from_rows(&this_week_rows);
    let groups = Groups::from_rows(&this_week_rows);
    let total = buckets.total();
    let (sh, ss) = (buckets.share_hours(), buckets.share_spend());
    let st = status(
        !this_week_rows.is_empty(),
        sh,
        ss,
        settings.allocation_target,
    );
    let quarter = Quarter::containing(week.sunday());
    let latest = app.store.latest_recheck(ws, quarter).await?;
    let h = hint(st, latest.as_ref().map(|r| r.verdict));

    // Neglected: signed and not dropped at the end of the week, matching then, with nothing in the 4 weeks.
    let end = week.sunday();
    let active: HashSet<i64> = rows
        .range(neglect_from..=week)
        .flat_map(|(_, v)| {
            v.iter()
                .filter(|(_, h, s)| *h > Hours::ZERO || *s > Amount::ZERO)
                .map(|(id, _, _)| *id)
        })
        .collect();
    // Its signed periods, not only its current one: a partner signed again since keeps its past.
    let periods = app.store.signed_periods(ws).await?;
    let candidates: Vec<&Partner> = partners
        .iter()
        .filter(|p| {
            periods
                .get(&p.id)
                .is_some_and(|ps| ps.iter().any(|s| s.active_at(end)))
                && !active.contains(&p.id)
        })
        .collect();
    let last = weeks.len() - 1;
    let mut neglected: Vec<String> = candidates
        .iter()
        .filter(|p| verdict_at(p.id, last).is_some_and(Verdict::matches))
        .map(|p| p.name.clone())
        .collect();
    neglected.sort_by_key(|n| n.to_lowercase());

    Ok(WeeklyDigest {
        week,
        week_start: week.monday(),
        week_end: end,
        hours_total: total.hours,
        spend_total: total.spend,
        matching_share_hours: sh,
        matching_share_spend: ss,
        target: settings.allocation_target,
        status: st,
        hint: h,
        buckets,
        groups,
        top_not_matching: top_not_matching(&this_week_rows, 5)
            .into_iter()
            .map(|r| PartnerLoad {
                partner: r.partner,
                hours: r.hours,
                spend: r.spend,
            })
            .collect(),
        neglected,
        trend,
        latest_recheck: latest.map(|r| LatestRecheck {
            quarter: r.quarter,
            verdict: r.verdict,
            no_pipeline: no_pipeline(&r.result_json),
        }),
        late: false,
        unfinished: super::unfinished(end, app.today(settings)),
        currency: settings.currency.clone(),
    })
}

/// The weekly chart: matching share of hours and spend per week against the target.
pub fn weekly_chart(d: &WeeklyDigest) -> AppResult<FileOut> {
    let points: Vec<crate::chart::WeekShare> = d
        .trend
        .iter()
        .map(|t| crate::chart::WeekShare {
            week: t.week,
            hours: t.matching_share_hours,
            spend: t.matching_share_spend,
        })
        .collect();
    let bytes = crate::chart::weekly_share_chart(
        &format!("Matching share, 8 weeks to {}", d.week),
        &points,
        d.target,
    )
    .map_err(AppError::Internal)?;
    Ok(FileOut {
        name: format!("weekly-{}.png", d.week),
        bytes,
    })
}
