//! The checks of each import kind — partners, evidence, allocations, outcomes — built from what the database
//! holds when the import starts: each turns a row into the write it asks for, or into errors per cell.

use super::rows::*;
use super::*;
use crate::app::card::user;
use crate::app::transfer::column;
use changes::partner_changes;

mod changes;

fn partner_cell(
    roster: &mut Roster,
    row: &Row,
    errs: &mut Vec<RowError>,
    detail: bool,
) -> Option<PartnerRef> {
    req(
        row,
        column::PARTNER,
        "the partner is empty: give its name as on the roster",
        errs,
        |s| roster.find(s, detail),
    )
}

// ---------------------------------------------------------------------------------------------------------
// partners

/// Partners: new names are created; a row for an existing partner updates it to the row (except its type).
struct PartnerCheck {
    existing: HashMap<String, Partner>,
    /// Name keys seen in the file, with their line.
    seen: HashMap<String, u64>,
    today: NaiveDate,
    similar: Similar,
}

/// The check of new names against the roster and the file's earlier new names: one within typo distance
/// ([`names`]) is refused unless the importer confirmed such names.
struct Similar {
    /// How to confirm, for the error.
    confirm: &'static str,
    /// The roster's names, then each new name of the file; None when the importer confirmed such names
    /// (every new name is created as written).
    index: Option<names::NearNames>,
    /// Each indexed name, and the line that creates it (None: on the roster).
    names: Vec<(String, Option<u64>)>,
}

impl Similar {
    /// The check of an import into `roster`, its index of the roster's names built on a blocking thread:
    /// linear in the roster, but a roster of 100,000 names takes a few hundred milliseconds, which would
    /// hold up every other task of the runtime's worker.
    async fn new(allowed: bool, confirm: &'static str, roster: &[Partner]) -> AppResult<Similar> {
        if allowed {
            return Ok(Similar {
                confirm,
                index: None,
                names: Vec::new(),
            });
        }
        let mut on_roster: Vec<String> = roster.iter().map(|p| p.name.clone()).collect();
        let (index, on_roster) = tokio::task::spawn_blocking(move || {
            on_roster.sort_unstable();
            let index = names::NearNames::new(on_roster.iter().map(String::as_str));
            (index, on_roster)
        })
        .await
        .map_err(|e| {
            AppError::Internal(anyhow::anyhow!("indexing the roster's names failed: {e}"))
        })?;
        Ok(Similar {
            confirm,
            index: Some(index),
            names: on_roster.into_iter().map(|n| (n, None)).collect(),
        })
    }

    /// Whether the new partner `name` of line `line` may be created.
    fn check_new(&mut self, name: &str, line: u64) -> Result<(), Msg> {
        let Some(index) = self.index.as_mut() else {
            return Ok(());
        };
        let first = index.first_near(name);
        index.add(name);
        self.names.push((name.to_string(), Some(line)));
        let Some(first) = first else {
            return Ok(());
        };
        let (other, created_on) = &self.names[first];
        let edits = match names::typo_distance(name, other) {
            Some(1) | None => "1 edit".to_string(),
            Some(n) => format!("{n} edits"),
        };
        let (name, other, confirm) = (snippet(name), snippet(other), self.confirm);
        Err(match created_on {
            None => format!(
                "`{name}` would be a new partner, but `{other}` on the roster is {edits} away from it: if it is that partner, write its name; if it is another one, import with {confirm}"
            ),
            Some(l) => format!(
                "`{name}` would be a new partner, but line {l} creates `{other}`, {edits} away from it: keep one spelling; if they are two partners, import with {confirm}"
            ),
        })
    }
}

impl Check for PartnerCheck {
    fn check(&mut self, row: &Row, errs: &mut Vec<RowError>, _detail: bool) -> Option<Action> {
        let today = self.today;
        let name = req(
            row,
            column::NAME,
            "the name is empty: every partner needs one",
            errs,
            |s| PartnerName::parse(s).map_err(|e| e.0),
        );
        let ty = req(
            row,
            column::TYPE,
            "the type is empty: give reseller, si, tech-isv or referral",
            errs,
            |s| s.parse::<PartnerType>().map_err(|e| e.0),
        );
        let stage = opt(row, column::STAGE, errs, |s| {
            s.parse::<Stage>().map_err(|e| e.0)
        });
        let signed = opt(row, column::SIGNED, errs, date("the signing date", today));
        let dropped = opt(row, column::DROPPED, errs, date("the drop date", today));
        let drop_reason = opt(
            row,
            column::DROP_REASON,
            errs,
            text(REASON.named("the drop reason")),
        );
        let champion = opt(row, column::CHAMPION, errs, text(CHAMPION));
        let note = opt(row, column::NOTE, errs, text(NOTE));
        let (
            Some(name),
            Some(ty),
            Some(stage),
            Some(signed),
            Some(dropped),
            Some(drop_reason),
            Some(champion),
            Some(note),
        ) = (
            name,
            ty,
            stage,
            signed,
            dropped,
            drop_reason,
            champion,
            note,
        )
        else {
            return None;
        };
        let key = name.key();
        if let Some(first) = self.seen.get(&key) {
            errs.push(row.error(
                column::NAME,
                format!(
                    "`{name}` is already on line {first} (names are compared without case, spacing or lookalike letters): keep one row per partner"
                ),
            ));
            return None;
        }
        self.seen.insert(key.clone(), row.line);
        let lifecycle =
            match Lifecycle::from_columns(name.as_str(), stage, signed, dropped, drop_reason) {
                Ok(l) => l,
                Err(columns) => {
                    for c in columns {
                        errs.push(row.error(c.column, c.message));
                    }
                    return None;
                }
            };
        let p = NewPartner {
            name,
            partner_type: ty,
            lifecycle,
            champion,
            note,
        };
        let Some(old) = self.existing.get(&key) else {
            if let Err(m) = self.similar.check_new(p.name.as_str(), row.line) {
                errs.push(row.error(column::NAME, m));
                return None;
            }
            return Some(Action::CreatePartner(p));
        };
        if old.partner_type != p.partner_type {
            errs.push(row.error(
                column::TYPE,
                format!(
                    "{} is on the roster as a {} partner: an import does not change a partner's type (its evidence belongs to the {} profile). Fix the type in the file.",
                    old.name, old.partner_type, old.partner_type
                ),
            ));
            return None;
        }
        let old_stage = old.lifecycle.stage();
        if old_stage != Stage::Prospect && p.lifecycle.stage() == Stage::Prospect {
            errs.push(row.error(
                column::STAGE,
                format!(
                    "{} is already {}: an import does not turn it back into a prospect. Fix the row, or leave the partner out of the file.",
                    old.name, old_stage
                ),
            ));
            return None;
        }
        if let (Some(d), None) = (old.lifecycle.signed_on(), p.lifecycle.signed_on()) {
            errs.push(row.error(
                column::SIGNED,
                format!(
                    "{} was signed on {d}: keep its signing date in `signed` (an import does not erase it)",
                    old.name
                ),
            ));
            return None;
        }
        // Signed again after its drop: a new signed period, which cannot start before the drop.
        if let (PeriodChange::Open(on), Some(dropped)) = (
            old.lifecycle.period_change(&p.lifecycle),
            old.lifecycle.dropped_on(),
        ) {
            if on < dropped {
                let refusal = Refusal::SignBeforeDrop { dropped };
                errs.push(row.error(column::SIGNED, refusal.message(&old.name)));
                return None;
            }
        }
        let changes = partner_changes(old, &p);
        if changes.is_empty() {
            Some(Action::Unchanged)
        } else {
            let text = format!("{}: {}", user(p.name.as_str()), changes.join(", "));
            Some(Action::UpdatePartner(
                old.id,
                old.lifecycle.clone(),
                p,
                text,
            ))
        }
    }
}

// ---------------------------------------------------------------------------------------------------------
// evidence

/// The traits of one active profile by name key.
#[derive(Debug)]
struct ProfileTraits {
    profile: Profile,
    by_key: HashMap<String, usize>,
    /// Trait cells already found, as indexes into the profile's traits.
    found: Memo<usize>,
}

/// Evidence rows: checked here; whether one repeats a stored record is settled per batch by [`EvidenceDedup`].
struct EvidenceCheck {
    roster: Roster,
    profiles: HashMap<PartnerType, ProfileTraits>,
    today: NaiveDate,
}

/// The fields that make two evidence records the same.
pub(super) fn evidence_key(
    partner_id: i64,
    trait_id: i64,
    o: Observation,
    source: Option<&str>,
    note: Option<&str>,
    observed: NaiveDate,
) -> u128 {
    let (met, value) = match o {
        Observation::Met(m) => (Some(m), None),
        // `+ 0.0` folds -0 into 0.
        Observation::Value(v) => (None, Some((v + 0.0).to_bits())),
    };
    fingerprint(&(partner_id, trait_id, met, value, source, note, observed))
}

impl EvidenceCheck {
    fn new(partners: Vec<Partner>, profiles: Vec<Profile>, today: NaiveDate) -> EvidenceCheck {
        EvidenceCheck {
            roster: Roster::new(partners),
            profiles: profiles
                .into_iter()
                .map(|p| {
                    let by_key = p
                        .traits
                        .iter()
                        .enumerate()
                        .map(|(i, t)| (t.key(), i))
                        .collect();
                    let ty = p.partner_type;
                    let pt = ProfileTraits {
                        profile: p,
                        by_key,
                        found: Memo::new(),
                    };
                    (ty, pt)
                })
                .collect(),
            today,
        }
    }

    fn trait_of(&mut self, p: &PartnerRef, name: &str) -> Result<&Trait, Msg> {
        let Some(pt) = self.profiles.get_mut(&p.partner_type) else {
            return Err(format!(
                "{} is a {} partner and there is no active {} profile, so it has no traits yet. A lead creates it with /profile create type:{} name:\"…\".",
                p.name, p.partner_type, p.partner_type, p.partner_type
            ));
        };
        let ProfileTraits {
            profile,
            by_key,
            found,
        } = pt;
        let i = found.get_or(name, || match by_key.get(&name_key(name)) {
            Some(&i) => Ok(i),
            None => {
                let t = lookup::trait_of(profile, name).map_err(msg)?;
                profile
                    .traits
                    .iter()
                    .position(|u| u.id == t.id)
                    .ok_or_else(|| format!("trait `{}` is missing", snippet(name)))
            }
        })?;
        profile
            .traits
            .get(i)
            .ok_or_else(|| format!("trait `{}` is missing", snippet(name)))
    }
}

impl Check for EvidenceCheck {
    fn check(&mut self, row: &Row, errs: &mut Vec<RowError>, detail: bool) -> Option<Action> {
        let partner = partner_cell(&mut self.roster, row, errs, detail);
        let met = opt(row, column::MET, errs, |s| {
            parse_bool(s, column::MET).map_err(msg)
        });
        let value = opt(row, column::VALUE, errs, |s| {
            parse_number(s, "the value").map_err(|e| e.0)
        });
        let source = opt(row, column::SOURCE, errs, text(SOURCE));
        let note = opt(row, column::NOTE, errs, text(NOTE));
        let observed = req(
            row,
            column::OBSERVED,
            "the observation date is empty: give it as YYYY-MM-DD (an import needs it, so that importing the file again changes nothing)",
            errs,
            date("the observation date", self.today),
        );
        let t = match (&partner, row.cell(column::TRAIT)) {
            (_, None) => {
                errs.push(row.error(
                    column::TRAIT,
                    "the trait is empty: give its name as in the partner type's profile",
                ));
                None
            }
            (None, Some(_)) => None,
            (Some(p), Some(name)) => match self.trait_of(p, name) {
                Ok(t) => Some(t),
                Err(m) => {
                    errs.push(row.error(column::TRAIT, m));
                    None
                }
            },
        };
        let observation = match (t, met, value) {
            (Some(t), Some(met), Some(value)) => match observation_for(t, met, value) {
                Ok(o) => Some(o),
                Err(e) => {
                    // Blame the cell that is there but should not be, else the one that is missing.
                    let col = match (t.kind.is_threshold(), met, value) {
                        (_, _, Some(v)) if v < 0.0 => column::VALUE,
                        (false, _, Some(_)) => column::VALUE,
                        (true, Some(_), _) => column::MET,
                        (false, _, None) => column::MET,
                        (true, None, _) => column::VALUE,
                    };
                    errs.push(row.error(col, msg(e)));
                    None
                }
            },
            _ => None,
        };
        let trait_id = t.map(|t| t.id);
        let (
            Some(partner),
            Some(trait_id),
            Some(observation),
            Some(source),
            Some(note),
            Some(observed),
        ) = (partner, trait_id, observation, source, note, observed)
        else {
            return None;
        };
        Some(Action::Evidence(NewEvidence {
            partner_id: partner.id,
            trait_id,
            observation,
            source,
            note,
            observed,
        }))
    }
}

// ---------------------------------------------------------------------------------------------------------
// allocations

struct AllocationCheck {
    roster: Roster,
    existing: Existing,
    /// Non-retracted hours per partner and week: the database's plus the file's rows so far.
    week_hours: HashMap<(i64, Week), Hours>,
    /// Non-retracted spend per partner and week, the same way (saturated at the largest `i64` of cents).
    week_spend: HashMap<(i64, Week), Amount>,
    this_week: Week,
    currency: String,
}

fn allocation_key(
    partner_id: i64,
    week: Week,
    hours: Hours,
    spend: Amount,
    note: Option<&str>,
) -> u128 {
    fingerprint(&(partner_id, week, hours.centi(), spend.cents(), note))
}

impl Check for AllocationCheck {
    fn check(&mut self, row: &Row, errs: &mut Vec<RowError>, detail: bool) -> Option<Action> {
        let this_week = self.this_week;
        let partner = partner_cell(&mut self.roster, row, errs, detail);
        let week = req(
            row,
            column::WEEK,
            "the week is empty: give it as YYYY-Www, e.g. 2026-W47",
            errs,
            |s| {
                let w: Week = s.parse().map_err(|e: crate::domain::ParseError| e.0)?;
                check_week(w, this_week).map_err(msg)?;
                Ok(w)
            },
        );
        let hours = opt(row, column::HOURS, errs, |s| {
            Hours::parse(s).map_err(|e| e.0)
        });
        let currency = &self.currency;
        let spend = opt(row, column::SPEND, errs, |s| {
            Amount::parse(s, currency).map_err(|e| e.0)
        });
        let note = opt(row, column::NOTE, errs, text(NOTE));
        let (Some(partner), Some(week), Some(hours), Some(spend), Some(note)) =
            (partner, week, hours, spend, note)
        else {
            return None;
        };
        let hours = hours.unwrap_or(Hours::ZERO);
        let spend = spend.unwrap_or(Amount::ZERO);
        if hours == Hours::ZERO && spend == Amount::ZERO {
            errs.push(row.error(
                column::HOURS,
                "give hours or spend (or both) above 0: an entry with neither records nothing",
            ));
            return None;
        }
        if self.existing.take(allocation_key(
            partner.id,
            week,
            hours,
            spend,
            note.as_deref(),
        )) {
            return Some(Action::Unchanged);
        }
        let already = self
            .week_hours
            .get(&(partner.id, week))
            .copied()
            .unwrap_or(Hours::ZERO);
        let hours_total = match check_week_hours(&partner.name, week, already, hours) {
            Ok(total) => total,
            Err(e) => {
                errs.push(row.error(column::HOURS, msg(e)));
                return None;
            }
        };
        let already = self
            .week_spend
            .get(&(partner.id, week))
            .copied()
            .unwrap_or(Amount::ZERO);
        match check_week_spend(&partner.name, week, already, spend, &self.currency) {
            Ok(total) => {
                self.week_hours.insert((partner.id, week), hours_total);
                self.week_spend.insert((partner.id, week), total);
            }
            Err(e) => {
                errs.push(row.error(column::SPEND, msg(e)));
                return None;
            }
        }
        Some(Action::Allocation(NewAllocation {
            partner_id: partner.id,
            week,
            hours,
            spend,
            note,
        }))
    }
}

// ---------------------------------------------------------------------------------------------------------
// outcomes

struct OutcomeCheck {
    roster: Roster,
    existing: Existing,
    today: NaiveDate,
    currency: String,
}

fn outcome_key(
    partner_id: i64,
    kind: OutcomeKind,
    amount: Option<Amount>,
    date: NaiveDate,
    reference: Option<&str>,
) -> u128 {
    fingerprint(&(partner_id, kind, amount.map(Amount::cents), date, reference))
}

impl Check for OutcomeCheck {
    fn check(&mut self, row: &Row, errs: &mut Vec<RowError>, detail: bool) -> Option<Action> {
        let partner = partner_cell(&mut self.roster, row, errs, detail);
        let kind = req(
            row,
            column::KIND,
            "the kind is empty: give sourced-pipeline, registered-deal or closed-won",
            errs,
            |s| s.parse::<OutcomeKind>().map_err(|e| e.0),
        );
        let currency = &self.currency;
        let amount = opt(row, column::AMOUNT, errs, |s| {
            Amount::parse(s, currency).map_err(|e| e.0)
        });
        let date = req(
            row,
            column::DATE,
            "the date is empty: give it as YYYY-MM-DD (an import needs it, so that importing the file again changes nothing)",
            errs,
            |s| parse_date(s).map_err(|e| e.0),
        );
        let reference = opt(row, column::REF, errs, text(REFERENCE));
        let (Some(partner), Some(kind), Some(amount), Some(date), Some(reference)) =
            (partner, kind, amount, date, reference)
        else {
            return None;
        };
        if let Err(e) = check_outcome(kind, amount, date, self.today) {
            let col = if date > self.today {
                column::DATE
            } else {
                column::AMOUNT
            };
            errs.push(row.error(col, msg(e)));
            return None;
        }
        if self.existing.take(outcome_key(
            partner.id,
            kind,
            amount,
            date,
            reference.as_deref(),
        )) {
            return Some(Action::Unchanged);
        }
        Some(Action::Outcome(NewOutcome {
            partner_id: partner.id,
            kind,
            amount,
            date,
            reference,
        }))
    }
}

// ---------------------------------------------------------------------------------------------------------
// the run

/// What the checks need from outside the transaction (read before it starts: reading the settings may write
/// their default row, which must not wait for our own write lock).
pub(super) struct Setup {
    pub(super) settings: Settings,
    pub(super) profiles: Vec<Profile>,
}

/// Build the checker of `kind` from what the database holds (read inside the import's transaction).
pub(super) async fn checker(
    app: &App,
    ws: &str,
    opts: &Options<'_>,
    setup: Setup,
    tx: &mut ImportTx,
) -> AppResult<Box<dyn Check>> {
    let kind = opts.kind;
    let Setup { settings, profiles } = setup;
    let today = app.today(&settings);
    let partners = tx.partners(ws).await?;
    Ok(match kind {
        ImportKind::Partners => {
            let similar = Similar::new(opts.allow_similar, opts.confirm_similar, &partners).await?;
            Box::new(PartnerCheck {
                existing: partners
                    .into_iter()
                    .map(|p| (name_key(&p.name), p))
                    .collect(),
                seen: HashMap::new(),
                today,
                similar,
            })
        }
        ImportKind::Evidence => Box::new(EvidenceCheck::new(partners, profiles, today)),
        ImportKind::Allocations => {
            let mut c = AllocationCheck {
                roster: Roster::new(partners),
                existing: Existing::default(),
                week_hours: HashMap::new(),
                week_spend: HashMap::new(),
                this_week: app.this_week(&settings),
                currency: settings.currency.clone(),
            };
            let (existing, week_hours, week_spend) =
                (&mut c.existing, &mut c.week_hours, &mut c.week_spend);
            tx.scan_allocations(ws, |a| {
                existing.add(allocation_key(
                    a.partner_id,
                    a.week,
                    a.hours,
                    a.spend,
                    a.note.as_deref(),
                ));
                if !a.retracted {
                    let h = week_hours.entry((a.partner_id, a.week)).or_default();
                    *h = Hours::from_centi(h.centi().saturating_add(a.hours.centi()));
                    let sp = week_spend.entry((a.partner_id, a.week)).or_default();
                    *sp = Amount::from_cents(sp.cents().saturating_add(a.spend.cents()));
                }
            })
            .await?;
            Box::new(c)
        }
        ImportKind::Outcomes => {
            let mut c = OutcomeCheck {
                roster: Roster::new(partners),
                existing: Existing::default(),
                today,
                currency: settings.currency.clone(),
            };
            let existing = &mut c.existing;
            tx.scan_outcomes(ws, |o| {
                existing.add(outcome_key(
                    o.partner_id,
                    o.kind,
                    o.amount,
                    o.date,
                    o.reference.as_deref(),
                ))
            })
            .await?;
            Box::new(c)
        }
    })
}

#[cfg(test)]
mod tests;
