//! How `/screen`'s replies look: the cards of a screened partner ([`ScreenReply`]), of a name not on the
//! roster ([`NotOnRoster`]) and of a name that could mean several partners ([`Choice`]), with the words and
//! icons of verdicts and trait statuses. Kept apart from the use cases in `screen.rs`, which decide what the
//! reply says; this decides how it reads.

use super::*;
use crate::app::profiles::create_command;

impl Render for Choice {
    fn card(&self) -> Card {
        let mut card = Card::new(
            format!("{} — which partner?", user(&self.partner)),
            Tone::Info,
        )
        .description(format!(
            "`{}` could mean {} partners on the roster, so nobody was screened. Pick one:",
            user(&self.partner),
            self.count
        ));
        for c in &self.candidates {
            card = card.line(format!(
                "{} · {} · {}",
                user(&c.partner),
                c.partner_type,
                c.stage
            ));
            card.actions.push(Action {
                target: Target::Screen {
                    partner: c.partner_id,
                },
                label: format!("Screen {}", user(&clip(&c.partner, 60))),
            });
        }
        if self.count > self.candidates.len() {
            card = card.line(format!(
                "… and {} more: ask with more of the name",
                self.count - self.candidates.len()
            ));
        }
        let first = self.candidates.first().map_or("", |c| c.partner.as_str());
        card.footer(format!(
            "Or ask again with the full name, e.g. /screen partner:\"{}\"",
            user(&crate::app::line::escape_quoted(first))
        ))
    }
}

pub fn verdict_tone(v: Option<Verdict>) -> Tone {
    match v {
        Some(Verdict::Fit) => Tone::Good,
        Some(Verdict::NearFit) => Tone::Okay,
        Some(Verdict::Incomplete) | None => Tone::Warn,
        Some(Verdict::WalkAway) => Tone::Bad,
    }
}

pub fn verdict_label(v: Option<Verdict>) -> &'static str {
    match v {
        Some(Verdict::Fit) => "✅ fit",
        Some(Verdict::NearFit) => "🟢 near-fit",
        Some(Verdict::Incomplete) => "🟡 incomplete",
        Some(Verdict::WalkAway) => "⛔ walk-away",
        None => "⚪ unscreened",
    }
}

pub(super) fn status_icon(s: TraitStatus) -> &'static str {
    match s {
        TraitStatus::Met => "✅",
        TraitStatus::Missed => "❌",
        TraitStatus::Unknown => "❔",
        TraitStatus::Stale => "⌛",
    }
}

impl TraitLine {
    /// What the record behind the trait says; a stale one says how old it is against the workspace's
    /// `evidence_max_age_days` (`max_age`), and that it no longer counts.
    pub(super) fn evidence_text(&self, max_age: i64) -> String {
        use std::fmt::Write as _;
        let Some(id) = self.evidence_id else {
            return match &self.verify_by {
                Some(v) => format!("no evidence — verify by {}", user(v)),
                None => "no evidence".into(),
            };
        };
        let mut text = String::with_capacity(128);
        let stale = self.status == TraitStatus::Stale;
        if stale {
            text.push_str("stale — ");
            match self.observed {
                Some(d) => {
                    let _ = write!(text, "observed {d}, more than {max_age} days ago");
                }
                None => {
                    let _ = write!(text, "more than {max_age} days old");
                }
            }
            text.push_str(" (evidence_max_age_days), so it no longer counts: ");
        }
        match (self.value, self.met) {
            (Some(v), _) => text.push_str(&num(v)),
            (None, Some(true)) => text.push_str("met"),
            (None, Some(false)) => text.push_str("missed"),
            _ => {}
        }
        if let Some(s) = &self.source {
            text.push_str(" · ");
            push_user(&mut text, s);
        }
        text.push_str(" · by ");
        text.push_str(self.recorded_by.as_deref().unwrap_or("?"));
        // A stale record's date is said first, with its age.
        if !stale {
            text.push_str(", observed ");
            if let Some(d) = self.observed {
                let _ = write!(text, "{d}");
            }
        }
        let _ = write!(text, " (#{id})");
        if let Some(n) = &self.note {
            text.push_str("\n_");
            push_user(&mut text, n);
            text.push('_');
        }
        text
    }
}

/// `a` or `an` before a word, by its first letter: "a systems integrator", "an ISV".
pub(super) fn article(word: &str) -> &'static str {
    match word.chars().next().map(|c| c.to_ascii_lowercase()) {
        Some('a' | 'e' | 'i' | 'o' | 'u') => "an",
        _ => "a",
    }
}

/// The footer of a walk-away: how many traits are missed against how many the workspace allows.
pub(super) fn walk_away_text(missed: usize, traits: usize, max_misses: u32) -> String {
    format!(
        "{missed} of {traits} traits missed — more than this workspace allows (max_misses {max_misses}): walk away, or record newer evidence if it changed."
    )
}

/// The name of the field listing what to verify next: "before signing" only for a prospect.
pub(super) fn verify_next_title(stage: crate::domain::Stage) -> &'static str {
    if stage == crate::domain::Stage::Prospect {
        "Verify next, before signing"
    } else {
        "Verify next"
    }
}

impl Render for ScreenReply {
    fn card(&self) -> Card {
        use std::fmt::Write as _;
        // Written piece by piece into buffers sized first, not through format! (issue 21, item 6).
        let label = verdict_label(self.verdict);
        let mut title = String::with_capacity(self.partner.len() + label.len() + 12);
        push_user(&mut title, &self.partner);
        title.push_str(" — ");
        title.push_str(label);
        let (stage, kind) = (self.stage.as_str(), self.partner_type.as_str());
        let mut head = String::with_capacity(
            200 + self.note.as_ref().map_or(0, String::len)
                + self.profile.as_ref().map_or(0, String::len),
        );
        if let Some(n) = &self.note {
            // Card text already: the names in it are marked as user text where the note is written.
            head.push_str(n);
            head.push('\n');
        }
        match (&self.profile, self.revision) {
            (Some(p), Some(r)) => {
                head.push_str(stage);
                head.push_str(" · ");
                head.push_str(kind);
                head.push_str(" profile \"");
                push_user(&mut head, p);
                if self.verdict.is_none() {
                    let _ = write!(
                        head,
                        "\" rev {r} has no traits yet, so it gives no verdict: a lead adds them with /profile trait add type:{kind} name:\"…\""
                    );
                } else {
                    let _ = write!(
                        head,
                        "\" rev {r} · as of {}\n{} met · {} missed · {} unknown",
                        self.as_of, self.met, self.missed, self.unknown
                    );
                }
            }
            _ => {
                let _ = write!(
                    head,
                    "{stage} · no active {kind} profile: a lead creates it with {}",
                    create_command(self.partner_type)
                );
            }
        }
        let mut card = Card::new(title, verdict_tone(self.verdict)).description(head);
        for t in &self.traits {
            let icon = status_icon(t.status);
            let mut name = String::with_capacity(icon.len() + t.name.len() + t.rule.len() + 12);
            name.push_str(icon);
            name.push(' ');
            push_user(&mut name, &t.name);
            name.push_str(" (");
            name.push_str(&t.rule);
            name.push(')');
            card = card.field(
                name,
                t.evidence_text(self.rules.evidence_max_age_days),
                false,
            );
        }
        match self.verdict {
            Some(Verdict::Incomplete) => {
                let mut names = String::new();
                for (i, n) in self.verify_next.iter().enumerate() {
                    if i > 0 {
                        names.push_str(", ");
                    }
                    push_user(&mut names, n);
                }
                card = card.field(verify_next_title(self.stage), names, false);
            }
            Some(Verdict::WalkAway) => {
                card = card.footer(walk_away_text(
                    self.missed,
                    self.traits.len(),
                    self.rules.max_misses,
                ));
            }
            _ => {}
        }
        for (t, id) in self.traits.iter().zip(&self.trait_ids) {
            if t.status.is_unknown() && card.actions.len() < 5 {
                let mut label = String::from("Record: ");
                push_user(&mut label, &clip(&t.name, 60));
                card.actions.push(Action {
                    target: Target::RecordEvidence {
                        partner: self.partner_id,
                        trait_id: *id,
                    },
                    label,
                });
            }
        }
        card
    }
}

impl Render for NotOnRoster {
    fn card(&self) -> Card {
        let title = if self.partner.is_empty() {
            "Traits to check before adding a partner".to_string()
        } else {
            format!("{} — not on the roster", user(&self.partner))
        };
        let mut card = Card::new(title, Tone::Info);
        let intro = match (self.partner_type, self.traits.is_empty()) {
            (Some(t), true) => format!(
                "Nothing to check it against yet: there is no active {t} profile with traits. A lead creates it with {}, then adds traits with /profile trait add.",
                create_command(t)
            ),
            (None, true) => format!(
                "Nothing to check it against yet: no active profile has traits. A lead creates one with {} (type: one of {}), then adds traits with /profile trait add.",
                create_command(PartnerType::Reseller),
                PartnerType::NAMES.join(", ")
            ),
            (Some(t), false) => format!(
                "Check these {t} traits before you talk terms, then add it with /partner add:"
            ),
            (None, false) => {
                "Check these traits of every active profile, then add it with /partner add:"
                    .to_string()
            }
        };
        let intro = if self.suggestions.is_empty() {
            intro
        } else {
            format!(
                "Did you mean {}?\n{intro}",
                self.suggestions
                    .iter()
                    .map(|s| format!("`{}`", user(s)))
                    .collect::<Vec<_>>()
                    .join(" or ")
            )
        };
        card = card.description(intro);
        for t in &self.traits {
            let verify = t
                .verify_by
                .as_deref()
                .map(|v| format!(" — verify by {}", user(v)))
                .unwrap_or_default();
            card = card.line(format!(
                "[{}] {} ({}){verify}",
                t.partner_type,
                user(&t.name),
                t.rule
            ));
        }
        // A long checklist is shown page by page; its pages name the list, not the name asked about.
        card.list(crate::app::lists::ListId::Checklist {
            partner_type: self.partner_type,
        })
    }
}
