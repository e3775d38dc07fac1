//! How one interaction ended, as its user saw it: answered, told what to fix, refused for their role, or
//! apologised to for our error. The chat adapters count and log interactions by this outcome; they learn it
//! from here rather than by inspecting the replies they send, so the handlers need no bookkeeping: the
//! adapter runs an interaction inside [`observed`], and the use cases note what happened as they go —
//! [`crate::app::require`] a refusal, `answered` the result of a command, a question, a page or a button (it
//! logs our errors too), [`crate::app::AppError::user_message`] the error a user is shown. Outside
//! [`observed`] (the console, the CLI, the scheduler) noting does nothing.

use crate::domain::Role;
use std::cell::Cell;
use std::future::Future;

/// The outcome of one interaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Outcome {
    /// Answered.
    Ok,
    /// The user's input was wrong: they were told what to fix.
    UserError,
    /// The caller's role may not do this.
    Refused,
    /// Our failure: logged with its cause, the user got an apology.
    InternalError,
}

impl Outcome {
    /// The label value, e.g. `user_error`.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::UserError => "user_error",
            Outcome::Refused => "refused",
            Outcome::InternalError => "internal_error",
        }
    }
}

/// What was noted during one interaction.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Observed {
    /// The most severe outcome noted (a refusal shown as an error stays a refusal).
    pub outcome: Option<Outcome>,
    /// The caller's role, once it was known.
    pub role: Option<Role>,
}

tokio::task_local! {
    static CURRENT: Cell<Observed>;
}

/// Run `f` as one interaction; returns its output and what was noted meanwhile.
///
/// Not an `async fn`: one keeps its argument beside the future it awaits, and the block it scoped kept `f`
/// again, so a Discord command's 5.9 KB future was held in 17.9 KB (release build), boxed and copied at every
/// interaction. `map` holds `f` once.
pub fn observed<F: Future>(f: F) -> impl Future<Output = (F::Output, Observed)> {
    use futures_util::FutureExt;
    CURRENT.scope(
        Cell::new(Observed::default()),
        // The closure runs inside the scope: `map` calls it from the poll that finished `f`.
        f.map(|out| (out, CURRENT.try_with(Cell::get).unwrap_or_default())),
    )
}

/// Note an outcome of the current interaction (the most severe one noted wins).
pub fn note(outcome: Outcome) {
    let _ = CURRENT.try_with(|c| {
        let mut o = c.get();
        o.outcome = Some(o.outcome.map_or(outcome, |x| x.max(outcome)));
        c.set(o);
    });
}

/// Note the caller's role.
pub fn note_role(role: Role) {
    let _ = CURRENT.try_with(|c| {
        let mut o = c.get();
        o.role = Some(role);
        c.set(o);
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_most_severe_outcome_wins_and_nothing_leaks_outside() {
        let ((), seen) = observed(async {
            note_role(Role::Guest);
            note(Outcome::Refused);
            note(Outcome::UserError);
        })
        .await;
        assert_eq!(seen.outcome, Some(Outcome::Refused));
        assert_eq!(seen.role, Some(Role::Guest));
        let ((), seen) = observed(async {}).await;
        assert_eq!(seen, Observed::default());
        // Outside an interaction, noting is harmless.
        note(Outcome::InternalError);
        assert_eq!(Outcome::InternalError.as_str(), "internal_error");
    }

    #[tokio::test]
    async fn what_is_noted_after_the_interaction_waited_is_seen() {
        let (answer, seen) = observed(async {
            note_role(Role::Member);
            tokio::task::yield_now().await;
            note(Outcome::Ok);
            tokio::task::yield_now().await;
            42
        })
        .await;
        assert_eq!(answer, 42);
        assert_eq!(seen.outcome, Some(Outcome::Ok));
        assert_eq!(seen.role, Some(Role::Member));
    }

    #[test]
    fn observing_an_interaction_holds_its_future_once() {
        // A future that keeps 8 KiB across a wait, as a command's does its state.
        let interaction = async {
            let state = [1u8; 8192];
            tokio::task::yield_now().await;
            state.iter().map(|b| u64::from(*b)).sum::<u64>()
        };
        let alone = std::mem::size_of_val(&interaction);
        let wrapped = std::mem::size_of_val(&observed(interaction));
        assert!(alone >= 8192, "{alone}");
        // The `async fn` it replaced held it three times over (24,688 bytes around 8,216 in a debug build).
        assert!(
            wrapped < alone + 256,
            "{wrapped} bytes around a {alone}-byte future"
        );
    }
}
