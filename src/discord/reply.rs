//! Replies to what users do: an interaction's answer (its callback), the edit that carries a deferred
//! command's answer, and the answer to a mention. serenity's builders make the bodies; they are sent through
//! [`super::ratelimit`], which reads Discord's 429 itself and waits its `retry_after` before sending again.
//!
//! Why not serenity's calls: behind a REST proxy its rate limiter is off, and a 429 reaches the caller with
//! only the `code` and `message` of its body (a real 429 body has no `code`, so not even those) — the
//! `retry_after` is gone, and a fixed back-off would send the reply again before Discord takes it.
//! A server error (5xx) is sent again a few times, quickly ([`SERVER_ERROR_WAITS`]), as before.

use super::ratelimit::{self, Answer, Body, Limits};
use crate::app::chat::PostError;
use reqwest::Method;
use serenity::all::{
    ChannelId, CreateAttachment, CreateInteractionResponse, CreateMessage, EditInteractionResponse,
    Http, InteractionId,
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

/// Answer interaction `id` (its callback), within the route's rate limits.
pub async fn respond(
    http: &Http,
    id: InteractionId,
    token: &str,
    response: Response,
) -> Result<(), PostError> {
    let body = Body::of(&response.body, response.files, Some("data"))?;
    let path = format!("/interactions/{id}/{token}/callback");
    // The token is a secret: the route, which is logged, names the interaction by its id.
    let route = format!("POST /interactions/{id}/callback");
    send(http, Method::POST, &path, &route, body).await
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
    let limits = Limits::of(ratelimit::base_of(http));
    let mut waits = SERVER_ERROR_WAITS.iter();
    loop {
        let answer: Answer =
            ratelimit::send_with(&limits, http, method.clone(), path, route, &body).await?;
        match answer.status {
            200..=299 => return Ok(()),
            500..=599 => match waits.next() {
                Some(wait) => {
                    tracing::warn!(
                        status = answer.status,
                        route,
                        "Discord failed a reply; sending it again"
                    );
                    tokio::time::sleep(*wait).await;
                }
                None => return Err(ratelimit::failed(&answer)),
            },
            _ => return Err(ratelimit::failed(&answer)),
        }
    }
}
