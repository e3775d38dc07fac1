//! `/help`: what partnerfit does, and the commands the caller may run.

use super::card::{Card, Render, Tone};
use super::spec::COMMANDS;
use super::{Ctx, Reply};
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct Help {
    pub role: crate::domain::Role,
    pub commands: Vec<HelpLine>,
}

#[derive(Debug, Clone, Serialize)]
pub struct HelpLine {
    pub command: String,
    pub description: String,
    pub allowed: bool,
}

impl Render for Help {
    fn card(&self) -> Card {
        let mut card = Card::new("partnerfit — the Ideal Partner Profile, applied every week", Tone::Info).description(
            "Write one profile per partner type (about five observable traits), record evidence, screen every \
             prospect (walk away at two misses), log where time and money go, and let the weekly and quarterly \
             digests tell you whether they went to partners that fit — and whether the profile is right.\n\
             Ask in plain words too: `does Acme fit?`",
        );
        for c in &self.commands {
            let lock = if c.allowed { "" } else { " 🔒" };
            card = card.line(format!("/{}{lock} — {}", c.command, c.description));
        }
        card.footer(format!(
            "You are a {} here. 🔒 = needs a higher role.",
            self.role
        ))
    }
}

pub fn help(ctx: &Ctx) -> Reply {
    let commands = COMMANDS
        .iter()
        .map(|c| HelpLine {
            command: c.name(),
            description: c.description.to_string(),
            allowed: ctx.role >= c.min_role,
        })
        .collect();
    Reply::from_typed(Help {
        role: ctx.role,
        commands,
    })
}
