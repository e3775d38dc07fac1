//! Replies to what users do: an interaction's answer (its callback), the edit that carries a deferred
//! command's answer, an answer sent after a deferral — this process's, or another process's on the same shard
//! that came first ([`answer`]) — and the answer to a mention. serenity's builders make the bodies; they are
//! sent through [`super::ratelimit`], which reads Discord's 429 itself and waits its `retry_after` before
//! sending again.
//!
//! Why not serenity's calls: behind a REST proxy its rate limiter is off, and a 429 reaches the caller with
//! only the `code` and `message` of its body (a real 429 body has no `code`, so not even those) — the
//! `retry_after` is gone, and a fixed back-off would send the reply again before Discord takes it.
//! A server error (5xx) is sent again a few times, quickly ([`SERVER_ERROR_WAITS`]), as before.

use super::ratelimit::{self, Answer, Body, Limits};
use super::render::no_pings;
use crate::app::chat::PostError;
use reqwest::Method;
use serde_json::Value;
use serenity::all::{
    ChannelId, CreateAttachment, CreateInteractionResponse, CreateInteractionResponseMessage,
    CreateMessage, EditInteractionResponse, Http, InteractionId,
};
use std::time::Duration;

/// The waits before each new attempt of a reply that a server error (5xx) answered: three more attempts.
pub const SERVER_ERROR_WAITS: [Duration; 3] = [
    Duration::from_millis(100),
    Duration::from_millis(300),
    Duration::from_millis(900),
];

/// An interaction's answer: serenity's builder of its JSON (which lists the files), and the files it uploads.
#[derive(Debug, Clone)]
pub struct Response {
    pub body: CreateInteractionResponse,
    pub files: Vec<CreateAttachment>,
}

impl From<CreateInteractionResponse> for Response {
    /// An answer without files.
    fn from(body: CreateInteractionResponse) -> Response {
        Response {
            body,
            files: Vec::new(),
        }
    }
}

/// Discord's error code for a second initial response to one interaction: "Interaction has already been
/// acknowledged".
const ALREADY_ACKNOWLEDGED: i64 = 40060;

/// What a public deferred message says once a private answer follows it ([`answer`]): shown until the message
/// is deleted, and for good should the deletion fail.
pub const ANSWERED_PRIVATELY: &str = "Answered privately.";

/// What a private deferred message says once a public answer follows it ([`answer`]), likewise. No caller sends
/// that today (a private deferral is only a deferred command's, answered by [`edit_original`]); the rule is kept
/// whole so that a new one cannot lose an answer.
pub const ANSWERED_BELOW: &str = "Answered below.";

/// An initial response sent before the answer is known: the answer follows it ([`answer`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deferral {
    /// A deferred message (type 5: "thinking…"), private or not: an answer as private becomes that message; one
    /// of the other privacy follows it, the deferred message resolved into a note first ([`answer`]).
    Message { ephemeral: bool },
    /// A deferred update of the message the pressed component is on (type 6; no loading message): the answer
    /// updates it, and a new message after it is a follow-up.
    Update,
}

impl Deferral {
    /// The initial response that sends it.
    fn response(self) -> CreateInteractionResponse {
        match self {
            Deferral::Message { ephemeral } => CreateInteractionResponse::Defer(
                CreateInteractionResponseMessage::new().ephemeral(ephemeral),
            ),
            Deferral::Update => CreateInteractionResponse::Acknowledge,
        }
    }
}

/// How an interaction's answer goes out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answering {
    /// As its initial response (its callback). `else_after`, for an interaction whose id this process holds: the
    /// deferral another process on the same shard sends for it (one whose take of the id could not say defers
    /// before it handles anything, and drops the interaction once it finds the id held here). When Discord
    /// refuses the answer as answered already (40060), the answer goes out after that deferral instead (but when
    /// the 40060 came to the answer sent again after a server error, it is taken as delivered). None when nothing
    /// may follow a refusal: the interaction is not known to be this process's, or its answer must be the initial
    /// response (a form).
    Initial { else_after: Option<Deferral> },
    /// After the deferral in place, which Discord accepted: this process's, or another process's on the same
    /// shard (the same deferral, worked out from the interaction the same way; a private refusal names a public
    /// deferral, so that it is a follow-up after either). As an edit of the deferred message, or a follow-up.
    After(Deferral),
}

/// What Discord said to a deferral.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Acknowledged {
    /// Accepted: this process answers the interaction.
    Yes,
    /// Refused because the interaction was answered already (40060): by another process on the same shard.
    ByAnother,
}

/// Acknowledge interaction `id` with `deferral` (its callback), within the route's rate limits: whether
/// Discord accepted it, or the interaction had an answer already. `ours`: the interaction is this process's
/// whatever Discord says (its id was taken here). A deferral sent again after a server error may find the one
/// the server failed accepted after all: then "already acknowledged" is this process's own deferral when the
/// interaction is ours; when it is not known to be, it is read as another process's (handling it twice could
/// record it twice; leaving it records nothing, and the user can ask again).
pub async fn acknowledge(
    http: &Http,
    id: InteractionId,
    token: &str,
    deferral: Deferral,
    ours: bool,
) -> Result<Acknowledged, PostError> {
    let body = Body::of(&deferral.response(), Vec::new(), Some("data"))?;
    Ok(match initial(http, id, token, body).await? {
        Responded::Sent => Acknowledged::Yes,
        Responded::AnsweredAlready { resent: true } if ours => Acknowledged::Yes,
        Responded::AnsweredAlready { .. } => Acknowledged::ByAnother,
    })
}

/// Send `body` as interaction `id`'s callback (its initial response), within the route's rate limits: Discord's
/// last answer, and whether it was sent again after a server error ([`send_answer`]).
async fn callback(
    http: &Http,
    id: InteractionId,
    token: &str,
    body: Body,
) -> Result<(Answer, bool), PostError> {
    let path = format!("/interactions/{id}/{token}/callback");
    // The token is a secret: the route, which is logged, names the interaction by its id.
    let route = format!("POST /interactions/{id}/callback");
    send_answer(http, Method::POST, &path, &route, body).await
}

/// Whether Discord refused a callback because the interaction has an initial response already (40060).
fn already_acknowledged(answer: &Answer) -> bool {
    answer.status == 400
        && answer.json.get("code").and_then(Value::as_i64) == Some(ALREADY_ACKNOWLEDGED)
}

/// Send `response`, the interaction's answer as its initial response would carry it, as `answering` says: as
/// that initial response ([`respond`]), or after a deferral. After one, an answer of the deferral's kind (a
/// message as private as the deferred one, or the update of the pressed component's message) edits the
/// deferred message; a message after an update (which shows no loading message) is a follow-up.
///
/// A message whose privacy differs from the deferred message's: Discord takes a follow-up sent while the
/// deferred message is still loading as that message, with the deferral's privacy whatever its own. So the
/// deferred message is first edited into a note ([`ANSWERED_PRIVATELY`], or [`ANSWERED_BELOW`] for a public
/// answer after a private deferral; no pings), which resolves the loading state; then the answer goes as a
/// follow-up of its own privacy, and the deferred message is deleted (should that fail, the note stays, true).
/// Nothing private is shown publicly, and no answer sent is deleted: when the note's edit fails (the message may
/// still be loading), a private answer is not sent (it would be shown publicly) and the deferred message is
/// deleted, the error returned; a public one is sent all the same and nothing deleted (at worst it is the
/// private deferred message, seen by the user alone). When the follow-up fails, the note is deleted (it would
/// name an answer that is not there).
///
/// An initial response refused as answered already goes out after the deferral of [`Answering::Initial`]'s
/// `else_after` when it names one (another process deferred the interaction first, then left it to this one),
/// else is the error; when that refusal came to the answer sent again after a server error, the answer is taken
/// as delivered (the attempt the server failed may have been taken), and nothing more is sent.
pub async fn answer(
    http: &Http,
    id: InteractionId,
    token: &str,
    answering: Answering,
    response: Response,
) -> Result<(), PostError> {
    let deferral = match answering {
        Answering::Initial { else_after: None } => return respond(http, id, token, response).await,
        Answering::Initial {
            else_after: Some(deferral),
        } => {
            let body = Body::of(&response.body, response.files.clone(), Some("data"))?;
            match initial(http, id, token, body).await? {
                Responded::Sent => return Ok(()),
                // Sent again after a server error: the attempt the server failed may have been taken, so the
                // interaction's initial response is read as this very answer (as `acknowledge` reads its own
                // deferral), not followed by a second copy of it (left: another process's deferral that came
                // first stays unanswered, when the failed attempt was in fact not taken).
                Responded::AnsweredAlready { resent: true } => {
                    tracing::info!(
                        interaction = %id,
                        "interaction answered already after a server error; taken as this answer"
                    );
                    return Ok(());
                }
                Responded::AnsweredAlready { resent: false } => {
                    tracing::info!(
                        interaction = %id,
                        "interaction deferred by another process; answering after its deferral"
                    );
                    deferral
                }
            }
        }
        Answering::After(deferral) => deferral,
    };
    let Response { body, files } = response;
    let broken =
        |e: serde_json::Error| PostError::Transient(format!("the answer did not serialize: {e}"));
    let mut json = serde_json::to_value(&body).map_err(broken)?;
    let kind = json.get("type").and_then(Value::as_u64).unwrap_or(0);
    let mut data = json
        .get_mut("data")
        .map(Value::take)
        .filter(Value::is_object)
        .unwrap_or_else(|| Value::Object(Default::default()));
    let flags = data.get("flags").and_then(Value::as_u64).unwrap_or(0);
    let private = flags & 64 != 0;
    let app = http.application_id().ok_or_else(|| {
        PostError::Transient("the application's id is not known yet (no READY)".into())
    })?;
    let original = format!("/webhooks/{app}/{token}/messages/@original");
    let original_route = format!("PATCH /webhooks/{app}/(interaction {id})/messages/@original");
    // Response types: 4 a message, 7 the update of the component's message.
    let edits = match (deferral, kind) {
        (Deferral::Update, 7) => true,
        (Deferral::Message { ephemeral }, 4) => ephemeral == private,
        (_, 4) => false,
        _ => {
            return Err(PostError::Transient(format!(
                "an answer of type {kind} cannot follow a deferral"
            )))
        }
    };
    if edits {
        // An edit keeps the deferred message's privacy, and cannot speak aloud.
        if let Some(o) = data.as_object_mut() {
            o.remove("flags");
            o.remove("tts");
        }
        let body = Body::of(&data, files, None)?;
        return send(http, Method::PATCH, &original, &original_route, body).await;
    }
    let body = Body::of(&data, files, None)?;
    let followups = format!("/webhooks/{app}/{token}");
    let followup_route = format!("POST /webhooks/{app}/(interaction {id})");
    let Deferral::Message { .. } = deferral else {
        // A deferred update shows no loading message: a follow-up after it is a new message.
        return send(http, Method::POST, &followups, &followup_route, body).await;
    };
    // A follow-up sent while the deferred message is still loading would be taken by Discord as that message,
    // with the deferral's privacy (its own ignored), and the deletion below would take it away: the loading
    // state is resolved first, by a note that stays true should the deletion fail.
    let note = EditInteractionResponse::new()
        .content(if private {
            ANSWERED_PRIVATELY
        } else {
            ANSWERED_BELOW
        })
        .allowed_mentions(no_pings());
    let note = Body::of(&note, Vec::new(), None)?;
    let delete_route = format!("DELETE /webhooks/{app}/(interaction {id})/messages/@original");
    let delete = || send(http, Method::DELETE, &original, &delete_route, Body::None);
    if let Err(e) = send(http, Method::PATCH, &original, &original_route, note).await {
        if private {
            // Still loading, the private answer would be shown publicly: it is not sent. The deferred message
            // goes (with the note, should the failed edit have been taken), as nothing follows it.
            tracing::warn!(
                error = %e,
                interaction = %id,
                "could not resolve the public deferral; the private answer is not sent"
            );
            if let Err(d) = delete().await {
                tracing::warn!(error = %d, interaction = %id, "could not delete the deferred message");
            }
            return Err(e);
        }
        // Still loading, the public answer becomes the private deferred message: shown to the user alone, not
        // lost, and kept (not deleted).
        tracing::warn!(
            error = %e,
            interaction = %id,
            "could not resolve the private deferral; the answer follows it all the same"
        );
        return send(http, Method::POST, &followups, &followup_route, body).await;
    }
    if let Err(e) = send(http, Method::POST, &followups, &followup_route, body).await {
        // The note would name an answer that is not there.
        if let Err(d) = delete().await {
            tracing::warn!(error = %d, interaction = %id, "could not delete the deferred message");
        }
        return Err(e);
    }
    delete().await
}

/// What Discord said to an initial response sent by [`respond_first`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Responded {
    /// Accepted: it is the interaction's initial response.
    Sent,
    /// Refused because the interaction has an initial response already (40060): another process's on the same
    /// shard, or, when it was `resent` after a server error, possibly this very one, taken behind the error.
    AnsweredAlready { resent: bool },
}

/// Send `response` as interaction `id`'s initial response (its callback), within the route's rate limits: whether
/// Discord took it, or refused it as answered already ([`Responded`]); any other refusal is the error.
pub async fn respond_first(
    http: &Http,
    id: InteractionId,
    token: &str,
    response: Response,
) -> Result<Responded, PostError> {
    let body = Body::of(&response.body, response.files, Some("data"))?;
    initial(http, id, token, body).await
}

/// Send `body` as interaction `id`'s initial response (its callback): whether Discord took it or refused it as
/// answered already, and whether that refusal came to a resend after a server error; any other refusal is the
/// error. The one reading of a callback's answer for [`acknowledge`], [`answer`] and [`respond_first`].
async fn initial(
    http: &Http,
    id: InteractionId,
    token: &str,
    body: Body,
) -> Result<Responded, PostError> {
    let (answer, resent) = callback(http, id, token, body).await?;
    match answer.status {
        200..=299 => Ok(Responded::Sent),
        _ if already_acknowledged(&answer) => Ok(Responded::AnsweredAlready { resent }),
        _ => Err(ratelimit::failed(&answer)),
    }
}

/// Answer interaction `id` (its callback), within the route's rate limits.
pub async fn respond(
    http: &Http,
    id: InteractionId,
    token: &str,
    response: Response,
) -> Result<(), PostError> {
    let body = Body::of(&response.body, response.files, Some("data"))?;
    let (answer, _) = callback(http, id, token, body).await?;
    match answer.status {
        200..=299 => Ok(()),
        _ => Err(ratelimit::failed(&answer)),
    }
}

/// Edit the answer of interaction `id` (a deferred command's answer), within the route's rate limits.
pub async fn edit_original(
    http: &Http,
    id: InteractionId,
    token: &str,
    edit: &EditInteractionResponse,
    files: Vec<CreateAttachment>,
) -> Result<(), PostError> {
    let app = http.application_id().ok_or_else(|| {
        PostError::Transient("the application's id is not known yet (no READY)".into())
    })?;
    let body = Body::of(edit, files, None)?;
    let path = format!("/webhooks/{app}/{token}/messages/@original");
    let route = format!("PATCH /webhooks/{app}/(interaction {id})/messages/@original");
    send(http, Method::PATCH, &path, &route, body).await
}

/// Post `message` (without files) in `channel`: the answer to a mention, within the channel's and the global
/// rate limits.
pub async fn post(
    http: &Http,
    channel: ChannelId,
    message: &CreateMessage,
) -> Result<(), PostError> {
    let body = Body::of(message, Vec::new(), None)?;
    let path = format!("/channels/{channel}/messages");
    let route = format!("POST {path}");
    send(http, Method::POST, &path, &route, body).await
}

/// Send a reply: each 429 waited out ([`ratelimit::send_with`]), a server error tried again after
/// [`SERVER_ERROR_WAITS`].
async fn send(
    http: &Http,
    method: Method,
    path: &str,
    route: &str,
    body: Body,
) -> Result<(), PostError> {
    let (answer, _) = send_answer(http, method, path, route, body).await?;
    match answer.status {
        200..=299 => Ok(()),
        _ => Err(ratelimit::failed(&answer)),
    }
}

/// [`send`], answering Discord's last answer whatever its status (the first that is not a server error, or the
/// last server error), and whether the request was sent again after a server error.
async fn send_answer(
    http: &Http,
    method: Method,
    path: &str,
    route: &str,
    body: Body,
) -> Result<(Answer, bool), PostError> {
    let limits = Limits::of(ratelimit::base_of(http));
    let mut waits = SERVER_ERROR_WAITS.iter();
    let mut resent = false;
    loop {
        let answer: Answer =
            ratelimit::send_with(&limits, http, method.clone(), path, route, &body).await?;
        let wait = match answer.status {
            500..=599 => waits.next(),
            _ => None,
        };
        let Some(wait) = wait else {
            return Ok((answer, resent));
        };
        resent = true;
        tracing::warn!(
            status = answer.status,
            route,
            "Discord failed a reply; sending it again"
        );
        tokio::time::sleep(*wait).await;
    }
}

/// Whether interaction `id` has an initial response in place (a deferral, or an answer: this process's or
/// another's on the same shard), asked of Discord (`GET …/messages/@original`) within the route's rate limits,
/// a server error asked again after [`SERVER_ERROR_WAITS`]: asked when a deferral could not be sent, to know
/// whether an answer can still follow one. True when Discord shows the original message; false when it says
/// there is none (10008 "Unknown Message": none in place; 10015 "Unknown Webhook": the interaction was never
/// acknowledged); any other answer is the error (it cannot be told).
pub async fn original_in_place(
    http: &Http,
    id: InteractionId,
    token: &str,
) -> Result<bool, PostError> {
    /// Discord's error codes for "no such message" and "no such webhook" (an interaction not acknowledged).
    const UNKNOWN_MESSAGE: i64 = 10008;
    const UNKNOWN_WEBHOOK: i64 = 10015;
    let app = http.application_id().ok_or_else(|| {
        PostError::Transient("the application's id is not known yet (no READY)".into())
    })?;
    let path = format!("/webhooks/{app}/{token}/messages/@original");
    // The token is a secret: the route, which is logged, names the interaction by its id.
    let route = format!("GET /webhooks/{app}/(interaction {id})/messages/@original");
    let (answer, _) = send_answer(http, Method::GET, &path, &route, Body::None).await?;
    let code = answer.json.get("code").and_then(Value::as_i64);
    match answer.status {
        200..=299 => Ok(true),
        404 if matches!(code, Some(UNKNOWN_MESSAGE | UNKNOWN_WEBHOOK)) => Ok(false),
        _ => Err(ratelimit::failed(&answer)),
    }
}
