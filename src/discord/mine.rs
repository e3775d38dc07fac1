//! Whose an interaction is, when two processes run one Discord shard and both receive it: [`Mine`] says what
//! the database answered when this process took the interaction's id (taken here, could not say, or the
//! database refuses writes), and decides how the answer goes out. A process whose take could not say defers
//! first, so that Discord's single initial response settles the race, and then the delivery that holds the id
//! in the database handles it; one that took the id answers after another process's deferral when that came
//! first. A delivery dropped here (another process's, or one that nothing can answer) is [`Handled::Dropped`]:
//! not counted in the metrics, as a take's repeat is not. Why: an interaction is recorded once and answered
//! once, also when the database is jammed.

use super::buttons::{self, Button};
use super::reply::{self, Acknowledged, Answering, Deferral, Responded, Response};
use crate::app::{App, Settings};
use crate::service::ServiceStatus;
use serenity::all::{Context, GuildId, InteractionId};

/// The interaction being answered, as its replies and the question of who holds it name it.
#[derive(Clone, Copy)]
pub(super) struct Asked<'a> {
    pub(super) id: InteractionId,
    pub(super) guild: Option<GuildId>,
    /// The interaction's token: a secret, never logged.
    pub(super) token: &'a str,
    /// The process's status: a delivery still waiting to learn who holds its id [`HOLDS_AFTER_STOP`] after the
    /// process began stopping is dropped instead ([`Mine::answering`]).
    pub(super) status: &'a ServiceStatus,
}

/// Whether this process handled an interaction, or dropped it: left to another process that holds it or
/// answered it, or to the user's retry when no answer could reach them (logged). A drop is not counted in the
/// metrics.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Handled {
    /// Handled here: answered, or its answer tried.
    Yes,
    /// Dropped (logged).
    Dropped,
}

/// What a process logs when it drops an interaction because another delivery holds its id.
pub(super) const HELD_BY_ANOTHER: &str = "interaction held by another process; dropped";

/// What a process logs when it drops an interaction whose deferral could not be sent and that has no initial
/// response in place: no answer could reach the user.
pub(super) const NOTHING_IN_PLACE: &str =
    "interaction not acknowledged and nothing in place; dropped";

/// What a process logs when it drops an interaction rather than wait on, while stopping, to learn who holds it.
pub(super) const STOPPING: &str = "stopping: interaction left to another process or a retry";

/// Whether an interaction is this process's to handle, as far as the database could say
/// ([`crate::app::delivery::first_delivery`]).
pub(super) enum Mine {
    /// Its id was taken here, with the guild's settings read by the same statement: this process handles it and
    /// answers, also after another process's deferral ([`Mine::initial`]).
    Taken(Settings),
    /// Taking its id timed out or failed
    /// ([`Delivery::Unconfirmed`](crate::app::delivery::Delivery::Unconfirmed), with this delivery's owner
    /// token): another process on the same shard may handle it too. A deferral sent before anything is recorded settles its
    /// initial response, and then the delivery that holds its id in the database handles it
    /// ([`Mine::answering`]); a refusal sent at once that meets another process's deferral likewise
    /// ([`Mine::refuse`]).
    Unconfirmed(String),
    /// The database refuses every write
    /// ([`Delivery::Unwritable`](crate::app::delivery::Delivery::Unwritable)): handled and answered at once,
    /// as when taken here; nothing it tries to record can be, by any process.
    Unwritable,
}

impl Mine {
    /// How an answer sent at once goes out: as the initial response, and, when the id was taken here, after
    /// `deferral` when Discord refuses it as answered already: the deferral a process whose take could not say
    /// sends for this interaction before it finds the id held here and drops it. None: nothing can follow (a
    /// form).
    pub(super) fn initial(&self, deferral: Option<Deferral>) -> Answering {
        match self {
            Mine::Taken(_) => Answering::Initial {
                else_after: deferral,
            },
            Mine::Unconfirmed(_) | Mine::Unwritable => Answering::Initial { else_after: None },
        }
    }

    /// How an interaction's answer goes out, asked before its handling may record anything; None when this
    /// process drops it (logged). `defer`: `deferral` is sent first whatever the delivery (a command that may
    /// take longer than Discord's 3 seconds); else only when unconfirmed, and an interaction whose id was taken
    /// here (or that nothing can record) is answered as [`Mine::initial`] says.
    ///
    /// Once a deferral was sent: an interaction whose id was taken here goes on whether Discord accepted it or
    /// said another process's came first (the same deferral: that process drops the interaction, finding the id
    /// held here). An unconfirmed one, accepted or not, goes on only when this delivery holds the id
    /// ([`crate::app::delivery::holds`]: taken now, or its own earlier take committed after all); when the
    /// database cannot say, only when Discord accepted the deferral. Any other is dropped. When the deferral
    /// could not be sent (server errors, the network), one whose id is held here — taken, or found held — goes
    /// on only when Discord shows an initial response in place ([`reply::original_in_place`]: this one's deferral,
    /// taken behind the error, or another process's), its answer then sent after it; with none in place, or when
    /// Discord cannot say, no answer can reach the user within Discord's 3 seconds, so it is dropped (logged,
    /// [`NOTHING_IN_PLACE`]) before anything is recorded, and the user can ask again. One that cannot be known to
    /// be this process's is dropped. So with `defer`, the answering is always [`Answering::After`]. An
    /// unconfirmed one still waiting to learn who holds it [`HOLDS_AFTER_STOP`] after the process began stopping
    /// is dropped ([`STOPPING`]).
    pub(super) async fn answering(
        &self,
        app: &App,
        ctx: &Context,
        asked: Asked<'_>,
        deferral: Deferral,
        defer: bool,
    ) -> Option<Answering> {
        if !defer && !matches!(self, Mine::Unconfirmed(_)) {
            return Some(self.initial(Some(deferral)));
        }
        // A 40060 after a resent deferral is this process's own deferral unless the interaction may be another
        // process's (unconfirmed); an unwritable one no process can record, so it is as good as this one's.
        let ours = !matches!(self, Mine::Unconfirmed(_));
        let acknowledged =
            reply::acknowledge(&ctx.http, asked.id, asked.token, deferral, ours).await;
        // None: not sent, or not known to be
        let accepted = match acknowledged {
            Ok(Acknowledged::Yes) => Some(true),
            Ok(Acknowledged::ByAnother) => Some(false),
            Err(e) => {
                tracing::warn!(error = %e, interaction = %asked.id, "could not acknowledge the interaction");
                None
            }
        };
        let go_on = match self {
            // Its id is held here: the deferral in place is this process's, or the other's, which drops it.
            Mine::Taken(_) => true,
            Mine::Unwritable => accepted == Some(true),
            Mine::Unconfirmed(owner) => match holds(app, asked, owner).await {
                Holder::Here => true,
                Holder::Another => {
                    tracing::info!(interaction = %asked.id, "{HELD_BY_ANOTHER}");
                    return None;
                }
                Holder::Stopping => return None,
                // The database could not say: Discord's decision alone.
                Holder::Unknown => accepted == Some(true),
            },
        };
        match (go_on, accepted) {
            (true, Some(_)) => Some(Answering::After(deferral)),
            // Not acknowledged: an answer can follow only an initial response in place (the one that failed,
            // taken behind the error, or another process's); without one, an initial response now may come
            // past Discord's 3 seconds, and a deferred command's edit would find nothing to edit.
            (true, None) => {
                match reply::original_in_place(&ctx.http, asked.id, asked.token).await {
                    Ok(true) => {
                        tracing::info!(
                            interaction = %asked.id,
                            "interaction not acknowledged here but an initial response is in place; answering after it"
                        );
                        Some(Answering::After(deferral))
                    }
                    Ok(false) => {
                        tracing::warn!(interaction = %asked.id, "{NOTHING_IN_PLACE}");
                        None
                    }
                    Err(e) => {
                        tracing::warn!(
                            error = %e,
                            interaction = %asked.id,
                            "could not tell whether the interaction has an initial response; {NOTHING_IN_PLACE}"
                        );
                        None
                    }
                }
            }
            (false, Some(_)) => {
                tracing::info!(
                    interaction = %asked.id,
                    "interaction already answered by another process; dropped"
                );
                None
            }
            (false, None) => {
                tracing::info!(
                    interaction = %asked.id,
                    "interaction not acknowledged and not known to be this process's; dropped"
                );
                None
            }
        }
    }

    /// Send `response`, a refusal that records nothing (not in a server, a role refused, the settings not read in
    /// time), at once: as the initial response, so that the apology comes within Discord's 3 seconds also when
    /// the database is away. An interaction whose id was taken here (or that nothing can record) is answered as
    /// [`Mine::initial`] says. An unconfirmed one whose refusal Discord refuses as answered already (another
    /// process's deferral came first) is not left with that deferral: when this delivery holds the id
    /// ([`crate::app::delivery::holds`]), the other drops the interaction, so the refusal goes out after
    /// `deferral` (the deferral the other sent); else it is dropped (logged, [`Handled::Dropped`]; also while
    /// the process is stopping). `deferral` None: nothing can follow (a button that opens a form), and a refusal
    /// Discord refuses is the error.
    pub(super) async fn refuse(
        &self,
        app: &App,
        ctx: &Context,
        asked: Asked<'_>,
        deferral: Option<Deferral>,
        response: Response,
    ) -> Handled {
        let sent = match (self, deferral) {
            (Mine::Unconfirmed(owner), Some(deferral)) => {
                let first =
                    reply::respond_first(&ctx.http, asked.id, asked.token, response.clone()).await;
                match first {
                    Ok(Responded::Sent) => Ok(()),
                    Ok(Responded::AnsweredAlready { .. }) => match holds(app, asked, owner).await {
                        Holder::Here => {
                            tracing::info!(
                                interaction = %asked.id,
                                "interaction deferred by another process; refusing after its deferral"
                            );
                            let after = Answering::After(deferral);
                            reply::answer(&ctx.http, asked.id, asked.token, after, response).await
                        }
                        Holder::Another => {
                            tracing::info!(interaction = %asked.id, "{HELD_BY_ANOTHER}");
                            return Handled::Dropped;
                        }
                        Holder::Stopping => return Handled::Dropped,
                        Holder::Unknown => {
                            tracing::info!(
                                interaction = %asked.id,
                                "interaction already answered by another process; dropped"
                            );
                            return Handled::Dropped;
                        }
                    },
                    Err(e) => Err(e),
                }
            }
            _ => {
                let answering = self.initial(deferral);
                reply::answer(&ctx.http, asked.id, asked.token, answering, response).await
            }
        };
        if let Err(e) = sent {
            tracing::warn!(error = %e, interaction = %asked.id, "could not send a refusal");
        }
        Handled::Yes
    }
}

/// The deferral of a pressed button whose delivery is unconfirmed: a list's page updates the message it is
/// on, a screen is a new message. None for a button that opens a form (the form must be the initial response)
/// and for one that is not ours (refused at once): neither records anything.
pub(super) fn component_deferral(id: &str) -> Option<Deferral> {
    match buttons::parse_button(id) {
        Ok(Button::Page { .. }) => Some(Deferral::Update),
        Ok(Button::Screen { .. }) => Some(Deferral::Message { ephemeral: false }),
        Ok(Button::RecordEvidence { .. }) | Err(buttons::NotOurs) => None,
    }
}

/// Who holds an interaction's id, as [`holds`] found.
enum Holder {
    /// This delivery.
    Here,
    /// Another delivery (another process, or an earlier delivery of this one).
    Another,
    /// The database could not say.
    Unknown,
    /// No longer waited for: the process is stopping (logged).
    Stopping,
}

/// How long the question of who holds an interaction's id is still waited for once the process is stopping:
/// a healthy database answers well within it, so the interaction is handled during the stop; a jammed one does
/// not, and the stop's [`crate::process::DRAIN_BOUND`] is not spent on it.
const HOLDS_AFTER_STOP: std::time::Duration = std::time::Duration::from_secs(2);

/// Whether the delivery `owner` of this process holds the Discord interaction `asked` in the database, asked
/// after its initial response was decided when its take could not say ([`crate::app::delivery::holds`]). No
/// longer waited for [`HOLDS_AFTER_STOP`] after the process began stopping: a stop waits for the interactions in
/// flight for [`crate::process::DRAIN_BOUND`] only, and the question may wait half a minute on a jammed database.
async fn holds(app: &App, asked: Asked<'_>, owner: &str) -> Holder {
    let ws = asked.guild.map_or_else(String::new, |g| g.to_string());
    let key = format!("discord:{}", asked.id);
    let stopped = async {
        asked.status.wait_until_stopping().await;
        tokio::time::sleep(HOLDS_AFTER_STOP).await;
    };
    let held = tokio::select! {
        biased;
        () = stopped => {
            tracing::info!(interaction = %asked.id, "{STOPPING}");
            return Holder::Stopping;
        }
        held = crate::app::delivery::holds(app, &key, &ws, owner) => held,
    };
    match held {
        Some(true) => Holder::Here,
        Some(false) => Holder::Another,
        None => Holder::Unknown,
    }
}
