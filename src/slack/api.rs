//! The Web API calls the bot makes, over slack-morphism's client: every call goes to the configured base URL
//! (`PARTNERFIT_SLACK_API_URL`), a `429` is retried after its `Retry-After` when that is at most
//! [`MAX_RETRY_DELAY`] (a longer wait fails the call at once: no proactive throttling), and failures come back
//! classified — the token refused, a refusal of that one request, or a passing failure. A `response_url` is
//! posted to without the bot token, and its address is never logged.

use futures_util::future::BoxFuture;
use slack_morphism::errors::SlackClientError;
use slack_morphism::multipart_form::FileMultipartData;
use slack_morphism::prelude::*;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

/// slack-morphism's HTTP connector: rustls with the system's roots; plain HTTP only when the base URL is
/// `http://` (a fake Slack on 127.0.0.1 in tests).
pub type Hyper = SlackClientHyperConnector<
    hyper_rustls::HttpsConnector<hyper_util::client::legacy::connect::HttpConnector>,
>;

/// The bot's connector: every call goes through [`Hyper`], and the Socket Mode clients it makes are
/// slack-morphism's, watched so that a lost connection reaches readiness (the `socket` module).
#[derive(Clone, Debug)]
pub struct Connector(pub(super) Hyper);

/// The client the bot calls Slack with.
pub type Client = SlackClient<Connector>;

/// Every call handed to [`Hyper`] as it is, the base URL included (its `create_method_uri_path`); the
/// trait's provided methods build on these.
impl SlackClientHttpConnector for Connector {
    fn http_get_uri<'a, RS>(
        &'a self,
        full_uri: url::Url,
        context: SlackClientApiCallContext<'a>,
    ) -> BoxFuture<'a, ClientResult<RS>>
    where
        RS: for<'de> serde::de::Deserialize<'de> + Send + 'a,
    {
        self.0.http_get_uri(full_uri, context)
    }

    fn http_get_with_client_secret<'a, RS>(
        &'a self,
        full_uri: url::Url,
        client_id: &'a SlackClientId,
        client_secret: &'a SlackClientSecret,
    ) -> BoxFuture<'a, ClientResult<RS>>
    where
        RS: for<'de> serde::de::Deserialize<'de> + Send + 'a,
    {
        self.0
            .http_get_with_client_secret(full_uri, client_id, client_secret)
    }

    fn http_post_uri<'a, RQ, RS>(
        &'a self,
        full_uri: url::Url,
        request_body: &'a RQ,
        context: SlackClientApiCallContext<'a>,
    ) -> BoxFuture<'a, ClientResult<RS>>
    where
        RQ: serde::ser::Serialize + Send + Sync,
        RS: for<'de> serde::de::Deserialize<'de> + Send + 'a,
    {
        self.0.http_post_uri(full_uri, request_body, context)
    }

    fn http_post_uri_multipart_form<'a, 'p, RS, PT, TS>(
        &'a self,
        full_uri: url::Url,
        file: Option<FileMultipartData<'p>>,
        params: &'p PT,
        context: SlackClientApiCallContext<'a>,
    ) -> BoxFuture<'a, ClientResult<RS>>
    where
        RS: for<'de> serde::de::Deserialize<'de> + Send + 'a,
        PT: std::iter::IntoIterator<Item = (&'p str, Option<TS>)> + Clone,
        TS: AsRef<str> + 'p + Send,
    {
        self.0
            .http_post_uri_multipart_form(full_uri, file, params, context)
    }

    fn http_post_uri_binary<'a, 'p, RS>(
        &'a self,
        full_uri: url::Url,
        content_type: String,
        data: &'a [u8],
        context: SlackClientApiCallContext<'a>,
    ) -> BoxFuture<'a, ClientResult<RS>>
    where
        RS: for<'de> serde::de::Deserialize<'de> + Send + 'a,
    {
        self.0
            .http_post_uri_binary(full_uri, content_type, data, context)
    }

    fn create_method_uri_path(&self, method_relative_uri: &str) -> ClientResult<url::Url> {
        self.0.create_method_uri_path(method_relative_uri)
    }
}

/// How many times a call answered `429` is tried again (each after its `Retry-After`).
const MAX_RETRIES: usize = 3;
/// The longest `Retry-After` waited for: a call asked to wait longer fails at once (as a passing failure),
/// so no task waits on Slack without bound. (slack-morphism 2.31's `max_delay_timeout` setting is read
/// nowhere, so the retries are ours: see [`retrying`].)
pub const MAX_RETRY_DELAY: Duration = Duration::from_secs(30);
/// The wait when a `429` names none.
const DEFAULT_RETRY_DELAY: Duration = Duration::from_secs(1);

/// Why a call failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ApiError {
    /// Slack refused the token (`invalid_auth`, `token_revoked`, `account_inactive`, …, or HTTP 401).
    #[error("Slack refused the token ({0})")]
    Auth(String),
    /// A final answer about what was asked (`channel_not_found`, `not_in_channel`, `no_permission`,
    /// `invalid_blocks`, …): that one request is refused, the token still serves the rest.
    #[error("Slack answered {0}")]
    Refused(String),
    /// Network, server error, or a rate limit still in force after the retries.
    #[error("{0}")]
    Transient(String),
}

impl ApiError {
    /// Slack's error code, when Slack answered one.
    pub fn code(&self) -> Option<&str> {
        match self {
            ApiError::Auth(c) | ApiError::Refused(c) => Some(c),
            ApiError::Transient(_) => None,
        }
    }
}

/// The error codes that mean the token itself is no good. Others that sound alike (`no_permission`,
/// `not_allowed_token_type`, `team_access_not_granted`, `missing_scope`) refuse one request — `no_permission`
/// comes back for one conversation the app may not post in — and are [`ApiError::Refused`].
const AUTH_ERRORS: &[&str] = &[
    "not_authed",
    "invalid_auth",
    "token_revoked",
    "token_expired",
    "account_inactive",
];

/// The error codes of a Slack that is having trouble, not of a request it refuses: the call may succeed later
/// (and at start-up they are not the token's fault).
const PASSING_ERRORS: &[&str] = &[
    "fatal_error",
    "internal_error",
    "service_unavailable",
    "request_timeout",
    "ratelimited",
];

impl From<SlackClientError> for ApiError {
    fn from(e: SlackClientError) -> ApiError {
        match e {
            SlackClientError::ApiError(a) if AUTH_ERRORS.contains(&a.code.as_str()) => {
                ApiError::Auth(a.code)
            }
            SlackClientError::ApiError(a) if PASSING_ERRORS.contains(&a.code.as_str()) => {
                ApiError::Transient(format!("Slack answered {}", a.code))
            }
            SlackClientError::ApiError(a) => ApiError::Refused(a.code),
            SlackClientError::RateLimitError(r) => ApiError::Transient(format!(
                "rate limited by Slack (retry after {:?})",
                r.retry_after
            )),
            SlackClientError::HttpError(h) if h.status_code.as_u16() == 401 => {
                ApiError::Auth(format!("HTTP {}", h.status_code))
            }
            // Never the body: it may carry what a user typed.
            SlackClientError::HttpError(h) => {
                ApiError::Transient(format!("HTTP {} from Slack", h.status_code))
            }
            // Why the connection failed (refused, DNS, TLS, …): the transport's causes carry no payload.
            SlackClientError::HttpProtocolError(p) => ApiError::Transient(match &p.cause {
                Some(c) => crate::fatal::network_cause(c.as_ref()),
                None => "cannot reach Slack".to_string(),
            }),
            other => ApiError::Transient(kind_of(&other).to_string()),
        }
    }
}

/// A failure's kind in words, without its payload (which may hold user text).
fn kind_of(e: &SlackClientError) -> &'static str {
    match e {
        SlackClientError::ApiError(_) => "Slack API error",
        SlackClientError::HttpError(_) => "HTTP error",
        SlackClientError::HttpProtocolError(_) => "cannot reach Slack",
        SlackClientError::EndOfStream(_) => "connection closed",
        SlackClientError::SystemError(_) => "client error",
        SlackClientError::ProtocolError(_) => "unexpected answer from Slack",
        SlackClientError::SocketModeProtocolError(_) => "Socket Mode protocol error",
        SlackClientError::RateLimitError(_) => "rate limited",
    }
}

/// The client for `api_url`: plain HTTP allowed only for an `http://` base.
pub fn client(api_url: &str) -> std::io::Result<Client> {
    let builder = hyper_rustls::HttpsConnectorBuilder::new().with_native_roots()?;
    let https = if api_url.starts_with("http://") {
        builder
            .https_or_http()
            .enable_http1()
            .enable_http2()
            .build()
    } else {
        builder.https_only().enable_http1().enable_http2().build()
    };
    // No rate control: slack-morphism's would retry a 429 after any Retry-After (its max delay setting is
    // read nowhere) and throttle response_url posts to one a second; [`retrying`] does the retries.
    let hyper = SlackClientHyperConnector::with_connector(https)
        .with_slack_api_url(api_url.trim_end_matches('/'));
    Ok(SlackClient::new(Connector(hyper)))
}

/// Run `call`, and again after a `429`'s `Retry-After` (one second when it names none), at most
/// [`MAX_RETRIES`] more times; a `Retry-After` over [`MAX_RETRY_DELAY`] fails the call at once.
pub async fn retrying<T, F, Fut>(mut call: F) -> Result<T, ApiError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, SlackClientError>>,
{
    let mut retried = 0;
    loop {
        match call().await {
            Err(SlackClientError::RateLimitError(r)) if retried < MAX_RETRIES => {
                let wait = r.retry_after.unwrap_or(DEFAULT_RETRY_DELAY);
                if wait > MAX_RETRY_DELAY {
                    return Err(SlackClientError::RateLimitError(r).into());
                }
                tracing::debug!(wait = ?wait, "rate limited by Slack: retrying after its Retry-After");
                tokio::time::sleep(wait).await;
                retried += 1;
            }
            other => return other.map_err(ApiError::from),
        }
    }
}

/// The bot's Web API: the client and the bot token, and the app's slash command, which the messages the bot
/// posts name its commands by (a digest's `/log hours` is `/partnerfit log hours` on Slack).
#[derive(Clone)]
pub struct Api {
    pub client: Arc<Client>,
    pub token: SlackApiToken,
    slash_command: Arc<str>,
}

impl std::fmt::Debug for Api {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SlackApi")
    }
}

/// What `users.info` says about someone, as far as roles go. The flags are about the user's own team, which
/// in a Slack Connect channel may be another organisation's: the `standing` module compares the teams with
/// the one the app is installed in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserFlags {
    /// A workspace admin or owner (primary or not) of their team.
    pub admin: bool,
    /// A guest account (multi- or single-channel): read only.
    pub guest: bool,
    /// Their team (`team_id`); Slack always sends one.
    pub team: Option<String>,
    /// Enterprise Grid: the workspaces of the organisation they belong to (`enterprise_user.teams`); empty
    /// elsewhere.
    pub enterprise_teams: Vec<String>,
}

impl UserFlags {
    /// The flags and teams of a `users.info` user object.
    pub fn of(user: &SlackUser) -> UserFlags {
        let f = &user.flags;
        UserFlags {
            admin: f.is_admin == Some(true)
                || f.is_owner == Some(true)
                || f.is_primary_owner == Some(true),
            guest: f.is_restricted == Some(true) || f.is_ultra_restricted == Some(true),
            team: user.team_id.as_ref().map(|t| t.to_string()),
            enterprise_teams: user
                .enterprise_user
                .as_ref()
                .and_then(|e| e.teams.as_ref())
                .map(|teams| teams.iter().map(|t| t.to_string()).collect())
                .unwrap_or_default(),
        }
    }
}

/// A channel as far as posting goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelInfo {
    pub id: String,
    pub name: String,
    pub is_member: bool,
}

impl Api {
    pub fn new(client: Arc<Client>, bot_token: &str) -> Api {
        Api {
            client,
            token: SlackApiToken::new(bot_token.into()),
            slash_command: Arc::from("/partnerfit"),
        }
    }

    /// The same API, for an app whose slash command is `command` (`/partnerfit` unless renamed).
    pub fn with_command(mut self, command: &str) -> Api {
        self.slash_command = Arc::from(command);
        self
    }

    /// The app's slash command (`/partnerfit`).
    pub fn slash_command(&self) -> &str {
        &self.slash_command
    }

    /// POST a JSON body to a method; the answer as JSON.
    pub async fn post(
        &self,
        method: &str,
        body: &serde_json::Value,
    ) -> Result<serde_json::Value, ApiError> {
        let session = self.client.open_session(&self.token);
        retrying(|| session.http_session_api.http_post(method, body, None)).await
    }

    /// `auth.test`: the team and the bot's own user id.
    pub async fn auth_test(&self) -> Result<(String, String), ApiError> {
        let session = self.client.open_session(&self.token);
        let r = retrying(|| session.auth_test()).await?;
        Ok((r.team_id.to_string(), r.user_id.to_string()))
    }

    /// `users.info`: what Slack says about `user`, as far as roles go.
    pub async fn user_flags(&self, user: &str) -> Result<UserFlags, ApiError> {
        let session = self.client.open_session(&self.token);
        let req = SlackApiUsersInfoRequest::new(user.into());
        let r = retrying(|| session.users_info(&req)).await?;
        Ok(UserFlags::of(&r.user))
    }

    pub async fn group_members(&self, group: &str) -> Result<Vec<String>, ApiError> {
        let session = self.client.open_session(&self.token);
        let req = SlackApiUserGroupsUsersListRequest::new(group.into());
        let r = retrying(|| session.usergroups_users_list(&req)).await?;
        Ok(r.users.iter().map(|u| u.to_string()).collect())
    }

    pub async fn channel(&self, id: &str) -> Result<ChannelInfo, ApiError> {
        let session = self.client.open_session(&self.token);
        let req = SlackApiConversationsInfoRequest::new(id.into());
        let r = retrying(|| session.conversations_info(&req)).await?;
        Ok(ChannelInfo {
            id: r.channel.id.to_string(),
            name: r.channel.name.clone().unwrap_or_default(),
            is_member: r.channel.flags.is_member == Some(true),
        })
    }

    /// The id of a channel by name (`partners`, without `#`), among the channels the bot can see.
    pub async fn channel_by_name(&self, name: &str) -> Result<Option<String>, ApiError> {
        let session = self.client.open_session(&self.token);
        let mut cursor: Option<SlackCursorId> = None;
        loop {
            let req = SlackApiConversationsListRequest::new()
                .with_limit(1000)
                .with_exclude_archived(true)
                .with_types(vec![
                    SlackConversationType::Public,
                    SlackConversationType::Private,
                ])
                .opt_cursor(cursor.clone());
            let r = retrying(|| session.conversations_list(&req)).await?;
            if let Some(c) = r.channels.iter().find(|c| {
                c.name
                    .as_deref()
                    .is_some_and(|n| n.eq_ignore_ascii_case(name))
            }) {
                return Ok(Some(c.id.to_string()));
            }
            cursor = r
                .response_metadata
                .and_then(|m| m.next_cursor)
                .filter(|c| !c.to_string().is_empty());
            if cursor.is_none() {
                return Ok(None);
            }
        }
    }

    /// Upload `bytes` as `name` through Slack's external upload flow (`files.getUploadURLExternal`, the
    /// upload URL); returns the file id, to share with [`Api::complete_uploads`].
    pub async fn upload(&self, name: &str, bytes: &[u8]) -> Result<String, ApiError> {
        let session = self.client.open_session(&self.token);
        let req = SlackApiFilesGetUploadUrlExternalRequest::new(name.into(), bytes.len());
        let url = retrying(|| session.get_upload_url_external(&req)).await?;
        let content_type = if name.ends_with(".png") {
            "image/png"
        } else if name.ends_with(".csv") {
            "text/csv"
        } else {
            "application/octet-stream"
        };
        let req = SlackApiFilesUploadViaUrlRequest::new(
            url.upload_url.clone(),
            bytes.to_vec(),
            content_type.into(),
        );
        retrying(|| session.files_upload_via_url(&req)).await?;
        Ok(url.file_id.to_string())
    }

    /// Share uploaded files in `channel` as one message with `blocks` (`files.completeUploadExternal`).
    pub async fn complete_uploads(
        &self,
        files: &[(String, String)],
        channel: &str,
        blocks: &[serde_json::Value],
    ) -> Result<(), ApiError> {
        let body = serde_json::json!({
            "files": files.iter().map(|(id, title)| serde_json::json!({"id": id, "title": title})).collect::<Vec<_>>(),
            "channel_id": channel,
            "blocks": blocks,
        });
        self.post("files.completeUploadExternal", &body)
            .await
            .map(|_| ())
    }

    /// POST a message to a `response_url` (the reply to a slash command or a button): the URL is its own
    /// credential, so no token goes with it, and it is logged redacted (slack-morphism's webhook call, without
    /// its one-post-a-second throttle: a connector call with no token and a sensitive URL).
    pub async fn respond(
        &self,
        response_url: &str,
        body: &serde_json::Value,
    ) -> Result<(), ApiError> {
        let url: url::Url = response_url
            .parse()
            .map_err(|_| ApiError::Refused("invalid response_url".into()))?;
        let span = tracing::debug_span!("Slack response_url");
        let connector = &self.client.http_api.connector;
        let _: serde_json::Value = retrying(|| {
            let context = SlackClientApiCallContext {
                rate_control_params: None,
                token: None,
                tracing_span: &span,
                is_sensitive_url: true,
            };
            connector.http_post_uri(url.clone(), body, context)
        })
        .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use slack_morphism::errors::SlackClientApiError;

    fn answered(code: &str) -> ApiError {
        SlackClientError::ApiError(SlackClientApiError::new(code.to_string())).into()
    }

    #[test]
    fn slack_answers_are_the_tokens_the_requests_or_passing() {
        assert_eq!(
            answered("invalid_auth"),
            ApiError::Auth("invalid_auth".into())
        );
        assert_eq!(
            answered("no_permission"),
            ApiError::Refused("no_permission".into())
        );
        assert_eq!(
            answered("service_unavailable"),
            ApiError::Transient("Slack answered service_unavailable".into())
        );
        assert_eq!(
            answered("fatal_error"),
            ApiError::Transient("Slack answered fatal_error".into())
        );
    }
}
