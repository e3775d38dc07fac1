//! Sending one request to Discord's REST API within the limits of [`super::Limits`]: the request's body
//! (serenity's builders' JSON, with files as multipart parts), the shared HTTP client, each 429 waited out and
//! the request sent again, and a failed answer told as a post reports it.

use super::{Limits, LONGEST_WAIT, MAX_ATTEMPTS, REQUEST_TIMEOUT};
use crate::app::chat::PostError;
use serde_json::Value;
use serenity::all::{CreateAttachment, Http};
use std::sync::OnceLock;

/// One request to Discord's REST API: a method, a path under `/api/v10`, and a body.
#[derive(Debug, Clone)]
pub enum Body {
    None,
    /// JSON text, written once and sent as it is by every attempt.
    Json(String),
    /// A message with files: its JSON text and the files, as `files[i]` parts.
    Multipart(String, Vec<CreateAttachment>),
}

impl Body {
    /// The body of a request that serenity's `builder` describes, uploading `files`. With files, the builder's
    /// JSON lists them under `attachments` (at `at`: the top level, or `data` for an interaction's answer) and
    /// each is numbered to match its `files[i]` part ([`number_attachments`]); without files the JSON is written
    /// straight from the builder, with no intermediate `serde_json::Value` (one reply's JSON tree, about 30,000
    /// instructions per `/screen`: BENCHMARKS.md, issue 21 item 6).
    pub fn of(
        builder: &impl serde::Serialize,
        files: Vec<CreateAttachment>,
        at: Option<&str>,
    ) -> Result<Body, PostError> {
        let broken = |e: serde_json::Error| {
            PostError::Transient(format!("the message did not serialize: {e}"))
        };
        if files.is_empty() {
            return serde_json::to_string(builder)
                .map(Body::Json)
                .map_err(broken);
        }
        let mut payload = serde_json::to_value(builder).map_err(broken)?;
        match at {
            Some(key) => {
                if let Some(inner) = payload.get_mut(key) {
                    number_attachments(inner);
                }
            }
            None => number_attachments(&mut payload),
        }
        Ok(Body::Multipart(payload.to_string(), files))
    }
}

/// The REST client these requests share.
fn client() -> &'static reqwest::Client {
    static CLIENT: OnceLock<reqwest::Client> = OnceLock::new();
    CLIENT.get_or_init(|| {
        reqwest::Client::builder()
            .timeout(REQUEST_TIMEOUT)
            .build()
            .unwrap_or_default()
    })
}

/// The base URL requests of `http` go to: its proxy, or discord.com.
pub fn base_of(http: &Http) -> &str {
    http.proxy
        .as_deref()
        .unwrap_or("https://discord.com")
        .trim_end_matches('/')
}

/// Why a request failed, as a post reports it: no access or unknown is final, anything else passing.
fn failure(status: u16, body: &Value) -> PostError {
    let message = body
        .get("message")
        .and_then(Value::as_str)
        .unwrap_or("no message");
    let code = body.get("code").and_then(Value::as_i64).unwrap_or(-1);
    let text = format!("{message} ({status} {code})");
    match status {
        401 | 403 | 404 => PostError::Forbidden(text),
        _ => PostError::Transient(text),
    }
}

/// Send a request within the rate limits of `http`'s API and return the JSON of its answer: each 429 is waited
/// out and the request sent again (see the module's text). `route` names the rate-limit bucket (the method and
/// the path with its top-level id).
pub async fn request(
    http: &Http,
    method: reqwest::Method,
    path: &str,
    route: &str,
    body: Body,
) -> Result<Value, PostError> {
    let limits = Limits::of(base_of(http));
    request_with(&limits, http, method, path, route, body).await
}

/// [`request`] within the rate limits kept by `limits` (the process's, [`Limits::of`], or a
/// [`Limits::standalone`] one).
pub async fn request_with(
    limits: &Limits,
    http: &Http,
    method: reqwest::Method,
    path: &str,
    route: &str,
    body: Body,
) -> Result<Value, PostError> {
    let answer = send_with(limits, http, method, path, route, &body).await?;
    if (200..300).contains(&answer.status) {
        Ok(answer.json)
    } else {
        Err(failure(answer.status, &answer.json))
    }
}

/// What Discord answered a request other than with a 429.
#[derive(Debug, Clone)]
pub struct Answer {
    pub status: u16,
    /// Its JSON (`Null` for none, as for a 204).
    pub json: Value,
}

/// Why an [`Answer`] that is not a success failed, as a post reports it.
pub fn failed(answer: &Answer) -> PostError {
    failure(answer.status, &answer.json)
}

/// Send a request within the rate limits kept by `limits`, each 429 waited out and the request sent again (see
/// the module's text), and return Discord's first answer that is not a 429, whatever its status. An error is a
/// request that got no answer, or only 429s. A request to an interaction route (`/interactions/…`,
/// `/webhooks/…`) keeps its route's limits only.
pub async fn send_with(
    limits: &Limits,
    http: &Http,
    method: reqwest::Method,
    path: &str,
    route: &str,
    body: &Body,
) -> Result<Answer, PostError> {
    let base = base_of(http);
    let url = format!("{base}/api/v10{path}");
    let interaction = path.starts_with("/interactions/") || path.starts_with("/webhooks/");
    let mut waited = 0;
    let gate = limits.gate(route);
    let _one_at_a_time = gate.lock().await;
    loop {
        if interaction {
            limits.route_ready(route).await;
        } else {
            limits.ready(route).await;
        }
        let mut req = client()
            .request(method.clone(), &url)
            .header(reqwest::header::AUTHORIZATION, http.token())
            .header(reqwest::header::USER_AGENT, serenity::constants::USER_AGENT);
        req = match body {
            Body::None => req,
            Body::Json(text) => req
                .header(reqwest::header::CONTENT_TYPE, "application/json")
                .body(text.clone()),
            Body::Multipart(v, files) => {
                let mut form = reqwest::multipart::Form::new();
                for (i, f) in files.iter().enumerate() {
                    let part = reqwest::multipart::Part::bytes(f.data.clone())
                        .file_name(f.filename.clone())
                        .mime_str(mime_of(&f.filename))
                        .map_err(|e| PostError::Transient(e.to_string()))?;
                    form = form.part(format!("files[{i}]"), part);
                }
                req.multipart(form.text("payload_json", v.clone()))
            }
        };
        let resp = req.send().await.map_err(|e| {
            PostError::Transient(format!("cannot reach Discord: {}", e.without_url()))
        })?;
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let text = resp.text().await.map_err(|e| {
            PostError::Transient(format!("Discord's answer broke off: {}", e.without_url()))
        })?;
        let json: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        match limits.observe(route, status, &headers, &json) {
            Some(limited) => {
                waited += 1;
                tracing::warn!(
                    route,
                    global = limited.global,
                    retry_after_ms = limited.retry_after.as_millis() as u64,
                    attempt = waited,
                    "Discord rate-limited a request; sending it again after the wait"
                );
                if waited >= MAX_ATTEMPTS || limited.retry_after > LONGEST_WAIT {
                    return Err(PostError::Transient(format!(
                        "rate limited by Discord (retry after {:.1} s)",
                        limited.retry_after.as_secs_f64()
                    )));
                }
            }
            None => return Ok(Answer { status, json }),
        }
    }
}

/// The content type of an attached file, from its name (charts are PNG).
pub(super) fn mime_of(filename: &str) -> &'static str {
    match filename
        .rsplit('.')
        .next()
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("png") => "image/png",
        Some("csv") => "text/csv",
        Some("json") => "application/json",
        Some("txt") => "text/plain",
        _ => "application/octet-stream",
    }
}

/// Give the new attachments of a message's JSON the ids of their `files[i]` parts (0, 1, … in order).
pub fn number_attachments(payload: &mut Value) {
    if let Some(list) = payload.get_mut("attachments").and_then(Value::as_array_mut) {
        for (i, a) in list.iter_mut().enumerate() {
            if let Some(o) = a.as_object_mut() {
                o.insert("id".into(), Value::from(i));
            }
        }
    }
}
