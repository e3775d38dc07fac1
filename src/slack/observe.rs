//! Which command a Slack interaction was and how it ended, for [`crate::service::interaction`] — the same
//! series and log event as Discord's: the command's name in the command table (never the text a user
//! typed), the workspace's id, the caller's role and the outcome the use cases noted. Public for the
//! instrumentation bench (`benches/instrumentation.rs`), which times this path.

use super::handler::workspace_of;
use super::text::normalize;
use crate::app::line::{parse_line, Line};
use crate::app::outcome::{observed, Outcome};
use crate::app::spec;
use crate::service::{metrics, Source};
use std::future::Future;
use std::time::Instant;

/// The name of the command a slash command's text runs, as Discord's series name it: `screen`,
/// `evidence add`; `help` for no text (it answers with the help), `unknown` for text that names no
/// command.
pub fn command_of(text: &str) -> String {
    let text = normalize(text);
    let words: Vec<String> = text
        .split_whitespace()
        .take_while(|w| !w.contains(':'))
        .map(str::to_lowercase)
        .collect();
    if words.is_empty() {
        return "help".into();
    }
    if let Some(s) = spec::find(&words) {
        return s.name();
    }
    match parse_line(&format!("/{text}")) {
        Ok(Line::Nothing) => "help".into(),
        Ok(Line::Command(inv)) => {
            spec::find(&inv.path).map_or_else(|| "unknown".into(), |s| s.name())
        }
        Ok(Line::Question(_)) => "question".into(),
        Err(_) => "unknown".into(),
    }
}

/// Run one interaction in the workspace of `team` (the installed team, never one a payload names), then
/// record it as `command`, timed from `arrived` to the end of `f` (its reply sent). Nothing noted means the
/// Slack side answered before reaching the app (a line that does not parse, a file Slack cannot carry, an
/// unknown button): the user's to fix. Not an `async fn`, which would hold `f` twice ([`observed`] says why
/// that matters).
pub(super) fn interaction<'a, F: Future<Output = T> + 'a, T>(
    command: &'a str,
    team: &'a str,
    arrived: Instant,
    f: F,
) -> impl Future<Output = T> + 'a {
    use futures_util::FutureExt;
    observed(f).map(move |(out, seen)| {
        crate::service::interaction(
            command,
            Source::Slack {
                workspace: &workspace_of(team),
            },
            seen.role,
            seen.outcome.unwrap_or(Outcome::UserError),
            arrived.elapsed(),
        );
        out
    })
}

/// Options suggested for a form's menu (Slack's autocomplete).
pub(super) fn autocomplete() {
    metrics::autocomplete();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_are_named_from_the_table_never_from_the_text() {
        assert_eq!(command_of("screen partner:\"Acme Corp\""), "screen");
        assert_eq!(command_of("  Evidence ADD"), "evidence add");
        assert_eq!(
            command_of("partner show partner:“<!channel>”"),
            "partner show"
        );
        assert_eq!(command_of(""), "help");
        assert_eq!(command_of("does Acme fit?"), "unknown");
        assert_eq!(command_of("launch rockets now"), "unknown");
        assert_eq!(command_of("<!here> partner:x"), "unknown");
    }
}
