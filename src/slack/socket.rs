//! Readiness that follows the Socket Mode connection, not only its failures.
//!
//! slack-morphism replaces a connection by itself when Slack sends a `disconnect` envelope, closes the
//! socket, or stops answering pings (for its ping interval × failure threshold), and while a new connection
//! cannot be opened it only logs and tries again: none of that reaches the listener's error handler, so
//! `slack.connected` (`/readyz`, `partnerfit_slack_socket_up`) would stay true while the bot hears nothing.
//! The library takes its clients manager from the HTTP connector, though
//! ([`SlackSocketModeClientsManagerFactory`]), and every connection it opens — the first and each
//! replacement — reports what it reads and when it is lost to the listener that manager was given. So the
//! bot's [`Connector`] hands out the library's own manager inside [`Manager`], which wraps that listener in
//! [`Watch`]: a lost connection marks the socket down before the library reconnects, and Slack's `hello` on
//! the new connection marks it up again (`on_hello`), so a reconnection that keeps failing keeps the bot not
//! ready.

use super::api::Connector;
use async_trait::async_trait;
use slack_morphism::clients_manager::{
    SlackSocketModeClientsManager, SlackSocketModeClientsManagerFactory,
};
use slack_morphism::prelude::*;
use std::sync::{Arc, Mutex, PoisonError};

/// A listener of the library's Socket Mode connections.
type Listener = Arc<dyn SlackSocketModeClientListener + Sync + Send>;

impl SlackSocketModeClientsManagerFactory<Connector> for Connector {
    /// slack-morphism's manager, watched. The library's manager is made for its own connector type: it is
    /// given an environment of its own with a client over the same [`super::api::Hyper`] connector, which
    /// it uses for `apps.connections.open` only (the events go to the listener, with the bot's
    /// environment); the bot's state is read from the bot's environment.
    fn new_clients_manager(
        &self,
        env: Arc<SlackClientEventsListenerEnvironment<Connector>>,
    ) -> Arc<dyn SlackSocketModeClientsManager + Send + Sync> {
        let own = Arc::new(SlackClientEventsListenerEnvironment::new(Arc::new(
            SlackClient::new(self.0.clone()),
        )));
        Arc::new(Manager {
            inner: self.0.new_clients_manager(own),
            states: env.user_state.clone(),
        })
    }
}

/// The library's clients manager, whose connections report to a [`Watch`]; everything else is its own.
struct Manager {
    inner: Arc<dyn SlackSocketModeClientsManager + Send + Sync>,
    /// The listener's state, holding the bot (and so its status).
    states: SlackClientEventsUserState,
}

#[async_trait]
impl SlackSocketModeClientsManager for Manager {
    async fn register_new_token(
        &self,
        config: &SlackClientSocketModeConfig,
        token: SlackApiToken,
        client_listener: Listener,
    ) -> ClientResult<()> {
        let watched = Arc::new(Watch::new(client_listener, self.states.clone()));
        self.inner.register_new_token(config, token, watched).await
    }

    async fn restart_client(&self, client_id: &SlackSocketModeWssClientId) {
        self.inner.restart_client(client_id).await
    }

    async fn start(&self) {
        self.inner.start().await
    }

    async fn shutdown(&self) {
        self.inner.shutdown().await
    }

    async fn await_term_signals(&self) {
        self.inner.await_term_signals().await
    }
}

/// The library's listener, told first when a connection is lost: the socket is marked down, then the
/// library replaces the connection.
struct Watch {
    inner: Listener,
    states: SlackClientEventsUserState,
    /// The connection Slack said `hello` on last, until it is lost.
    live: Mutex<Option<SlackSocketModeWssClientId>>,
}

/// What a Socket Mode frame says it is: its `type`, and a `disconnect`'s reason.
#[derive(Debug, Default, serde::Deserialize)]
struct Frame {
    #[serde(rename = "type", default)]
    kind: String,
    #[serde(default)]
    reason: Option<String>,
}

impl Frame {
    /// The frame's type and reason; an unreadable frame has neither (the library reports it).
    fn of(body: &str) -> Frame {
        serde_json::from_str(body).unwrap_or_default()
    }

    /// The `disconnect` reason for the log: one Slack documents, or "other" (nothing else of the frame is
    /// logged).
    fn reason(&self) -> &'static str {
        match self.reason.as_deref() {
            Some("warning") => "warning",
            Some("refresh_requested") => "refresh_requested",
            Some("link_disabled") => "link_disabled",
            _ => "other",
        }
    }
}

impl Watch {
    fn new(inner: Listener, states: SlackClientEventsUserState) -> Watch {
        Watch {
            inner,
            states,
            live: Mutex::new(None),
        }
    }

    fn live(&self) -> std::sync::MutexGuard<'_, Option<SlackSocketModeWssClientId>> {
        self.live.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Whether losing connection `id` takes the socket down: yes, unless another connection said `hello`
    /// since (a late report from a connection already replaced).
    fn loses(&self, id: &SlackSocketModeWssClientId) -> bool {
        let mut live = self.live();
        match live.as_ref() {
            Some(l) if l != id => false,
            _ => {
                *live = None;
                true
            }
        }
    }

    /// Mark the socket down (until the next `hello`).
    async fn down(&self) {
        if let Some(bot) = super::bot_of(&self.states).await {
            bot.status.set_slack_connected(false);
        }
    }
}

#[async_trait]
impl SlackSocketModeClientListener for Watch {
    async fn on_message(
        &self,
        client_id: &SlackSocketModeWssClientId,
        message_body: String,
    ) -> Option<String> {
        let frame = Frame::of(&message_body);
        match frame.kind.as_str() {
            "hello" => *self.live() = Some(client_id.clone()),
            // The library drops this connection and opens another at once.
            "disconnect" if self.loses(client_id) => {
                tracing::info!(
                    connection = client_id.to_string(),
                    reason = frame.reason(),
                    "Slack asked the bot to reconnect Socket Mode: not ready until Slack says hello on the new connection"
                );
                self.down().await;
            }
            _ => {}
        }
        self.inner.on_message(client_id, message_body).await
    }

    async fn on_error(&self, error: Box<dyn std::error::Error + Send + Sync + 'static>) {
        self.inner.on_error(error).await
    }

    async fn on_disconnect(&self, client_id: &SlackSocketModeWssClientId) {
        if self.loses(client_id) {
            tracing::warn!(
                connection = client_id.to_string(),
                "Slack Socket Mode connection lost (closed, failed, or no pong from Slack): reconnecting; not ready until Slack says hello again"
            );
            self.down().await;
        }
        self.inner.on_disconnect(client_id).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A listener that hears nothing.
    struct Deaf;

    #[async_trait]
    impl SlackSocketModeClientListener for Deaf {
        async fn on_message(&self, _: &SlackSocketModeWssClientId, _: String) -> Option<String> {
            None
        }
        async fn on_error(&self, _: Box<dyn std::error::Error + Send + Sync + 'static>) {}
        async fn on_disconnect(&self, _: &SlackSocketModeWssClientId) {}
    }

    fn id(reconnected: u64) -> SlackSocketModeWssClientId {
        SlackSocketModeWssClientId::new(0, 0, reconnected)
    }

    #[test]
    fn frames_are_told_by_their_type() {
        let f = Frame::of(r#"{"type":"disconnect","reason":"refresh_requested","debug_info":{}}"#);
        assert_eq!(
            (f.kind.as_str(), f.reason()),
            ("disconnect", "refresh_requested")
        );
        let f = Frame::of(r#"{"type":"disconnect","reason":"something new"}"#);
        assert_eq!(f.reason(), "other");
        // A payload that mentions a disconnect is not one.
        let f = Frame::of(
            r#"{"type":"events_api","envelope_id":"e1","payload":{"type":"disconnect","text":"disconnect"}}"#,
        );
        assert_eq!(f.kind, "events_api");
        assert_eq!(Frame::of("not json").kind, "");
        assert_eq!(Frame::of(r#"{"type":7}"#).kind, "");
    }

    #[tokio::test]
    async fn a_connection_already_replaced_does_not_take_the_socket_down() {
        let states = SlackClientEventsUserState::new(SlackClientEventsUserStateStorage::new());
        let watch = Watch::new(Arc::new(Deaf), states);
        // Lost before any hello: down (it already was).
        assert!(watch.loses(&id(0)));
        watch
            .on_message(&id(0), r#"{"type":"hello"}"#.to_string())
            .await;
        assert!(watch.loses(&id(0)));
        // The replacement said hello: a late report from the old one changes nothing.
        watch
            .on_message(&id(1), r#"{"type":"hello"}"#.to_string())
            .await;
        assert!(!watch.loses(&id(0)));
        assert!(watch.loses(&id(1)));
    }
}
