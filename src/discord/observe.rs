//! Which command an interaction was and how it ended, for [`crate::service::interaction`]: the command's name
//! in the command table (never what a user typed), the server's id, the caller's role and the outcome.

use super::options::command_path;
use crate::app::outcome::{Observed, Outcome};
use crate::app::spec;
use crate::service::{metrics, Source};
use serenity::all::{Interaction, Message};
use std::time::Duration;

/// An interaction answered `elapsed` after it arrived.
pub(super) fn interaction(interaction: &Interaction, seen: Observed, elapsed: Duration) {
    let (command, guild) = match interaction {
        Interaction::Autocomplete(_) => {
            metrics::autocomplete();
            return;
        }
        Interaction::Command(cmd) => (
            spec::find(&command_path(cmd)).map_or_else(|| "unknown".to_string(), |s| s.name()),
            cmd.guild_id,
        ),
        Interaction::Component(c) => ("button".to_string(), c.guild_id),
        Interaction::Modal(m) => ("form".to_string(), m.guild_id),
        _ => return,
    };
    // Nothing noted: the handler answered before reaching the app (a DM, an attachment too large, a
    // broken button): the user's to fix.
    let outcome = seen.outcome.unwrap_or(Outcome::UserError);
    crate::service::interaction(
        &command,
        Source::Discord {
            guild: guild.map(|g| g.get()),
        },
        seen.role,
        outcome,
        elapsed,
    );
}

/// A message that may have asked the bot a question: recorded when it did.
pub(super) fn question(msg: &Message, seen: Observed, elapsed: Duration) {
    if let Some(outcome) = seen.outcome {
        crate::service::interaction(
            "question",
            Source::Discord {
                guild: msg.guild_id.map(|g| g.get()),
            },
            seen.role,
            outcome,
            elapsed,
        );
    }
}
