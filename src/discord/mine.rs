//! Whose an interaction is, when two processes run one Discord shard and both receive it: [`Mine`] says what
//! the database answered when this process took the interaction's id (taken here, could not say, or the
//! database refuses writes), and decides how the answer goes out. A process whose take could not say defers
//! first, so that Discord's single initial response settles the race, and then the delivery that holds the id
//! in the database handles it; one that took the id answers after another process's deferral when that came
//! first. Why: an interaction is recorded once and answered once, also when the database is jammed.

use super::buttons::{self, Button};
use super::reply::{self, Acknowledged, Answering, Deferral, Responded, Response};
use crate::app::{App, Settings};
use serenity::all::{Context, GuildId, InteractionId};

/// The interaction being answered, as its replies and the question of who holds it name it.
#[derive(Clone, Copy)]
pub(super) struct Asked<'a> {
    pub(super) id: InteractionId,
    pub(super) guild: Option<GuildId>,
    /// The interaction's token: a secret, never logged.
    pub(super) token: &'a str,
}

/// What a process logs when it drops an interaction because another delivery holds its id.
pub(super) const HELD_BY_ANOTHER: &str = "interaction held by another process; dropped";

/// Whether an interaction is this process's to handle, as far as the database could say ([`crate::app::delivery::first_delivery`]).
pub(super) enum Mine {
    /// Its id was taken here, with the guild's settings read by the same statement: this process handles it and
    /// answers, also after another process's deferral ([`Mine::initial`]).
    Taken(Settings),
    /// Taking its id timed out or failed ([`Delivery::Unconfirmed`](crate::app::delivery::Delivery::Unconfirmed), with this delivery's owner token): another
    /// process on the same shard may handle it too. A deferral sent before anything is recorded settles its
    /// initial response, and then the delivery that holds its id in the database handles it
    /// ([`Mine::answering`]); a refusal sent at once that meets another process's deferral likewise
    /// ([`Mine::refuse`]).
    Unconfirmed(String),
    /// The database refuses every write ([`Delivery::Unwritable`](crate::app::delivery::Delivery::Unwritable)): handled and answered at once, as when
    /// taken here; nothing it tries to record can be, by any process.
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
    /// could not be sent (server errors, the network), one whose id is held here — taken, or found held — still
    /// goes on, its answer sent as the initial response and, refused as answered already, after the deferral in
    /// place (this one's, taken behind the error, or another process's); one that cannot be known to be this
    /// process's is dropped.
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
                Some(true) => true,
                Some(false) => {
                    tracing::info!(interaction = %asked.id, "{HELD_BY_ANOTHER}");
                    return None;
                }
                // The database could not say: Discord's decision alone.
                None => accepted == Some(true),
            },
        };
        match (go_on, accepted) {
            (true, Some(_)) => Some(Answering::After(deferral)),
            (true, None) => Some(Answering::Initial {
                else_after: Some(deferral),
            }),
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
    /// `deferral` (the deferral the other sent); else it is dropped (logged). `deferral` None: nothing can follow
    /// (a button that opens a form), and a refusal Discord refuses is the error.
    pub(super) async fn refuse(
        &self,
        app: &App,
        ctx: &Context,
        asked: Asked<'_>,
        deferral: Option<Deferral>,
        response: Response,
    ) {
        let sent = match (self, deferral) {
            (Mine::Unconfirmed(owner), Some(deferral)) => {
                let first =
                    reply::respond_first(&ctx.http, asked.id, asked.token, response.clone()).await;
                match first {
                    Ok(Responded::Sent) => Ok(()),
                    Ok(Responded::AnsweredAlready) => match holds(app, asked, owner).await {
                        Some(true) => {
                            tracing::info!(
                                interaction = %asked.id,
                                "interaction deferred by another process; refusing after its deferral"
                            );
                            let after = Answering::After(deferral);
                            reply::answer(&ctx.http, asked.id, asked.token, after, response).await
                        }
                        Some(false) => {
                            tracing::info!(interaction = %asked.id, "{HELD_BY_ANOTHER}");
                            Ok(())
                        }
                        None => {
                            tracing::info!(
                                interaction = %asked.id,
                                "interaction already answered by another process; dropped"
                            );
                            Ok(())
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

/// Whether the delivery `owner` of this process holds the Discord interaction `asked` in the database, asked
/// after its initial response was decided when its take could not say ([`crate::app::delivery::holds`]; None:
/// the database could not say).
async fn holds(app: &App, asked: Asked<'_>, owner: &str) -> Option<bool> {
    let ws = asked.guild.map_or_else(String::new, |g| g.to_string());
    let key = format!("discord:{}", asked.id);
    crate::app::delivery::holds(app, &key, &ws, owner).await
}
