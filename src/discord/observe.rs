//! What each interaction leaves behind for the operator: one log event (command, workspace, role, outcome,
//! duration) and its Prometheus series. Labels and fields come from fixed vocabularies — the command's name
//! in the command table, the outcome, the role — and the workspace is the server's id: never what a user
//! typed, never who they are.

use super::handler::command_path;
use crate::app::outcome::{Observed, Outcome};
use crate::app::spec;
use crate::service::metrics;
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
    record(&command, guild.map(|g| g.get()), seen, outcome, elapsed);
}

/// A message that may have asked the bot a question: recorded when it did.
pub(super) fn question(msg: &Message, seen: Observed, elapsed: Duration) {
    if let Some(outcome) = seen.outcome {
        record(
            "question",
            msg.guild_id.map(|g| g.get()),
            seen,
            outcome,
            elapsed,
        );
    }
}

fn record(command: &str, guild: Option<u64>, seen: Observed, outcome: Outcome, elapsed: Duration) {
    metrics::interaction(command, outcome.as_str(), elapsed);
    tracing::info!(
        command,
        workspace = guild.unwrap_or(0),
        role = seen.role.map_or("none", |r| r.as_str()),
        outcome = outcome.as_str(),
        duration_ms = elapsed.as_secs_f64() * 1000.0,
        "interaction"
    );
}
