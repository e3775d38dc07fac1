//! What the use cases need from the chat platform (Discord), without knowing it: checking that the bot may
//! post in a channel, and posting a digest. The Discord layer implements [`Chat`]; the console has none.

use super::card::Card;

/// Why a post failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PostError {
    /// The bot cannot post there (no access, unknown channel): retrying this period will not help.
    #[error("{0}")]
    Forbidden(String),
    /// A passing failure (server error, rate limit, network): try again soon.
    #[error("{0}")]
    Transient(String),
}

/// A message to post.
#[derive(Debug, Clone, PartialEq)]
pub struct Post<'a> {
    /// The message; its `mention_role` (digests only) is the one role it may ping.
    pub card: &'a Card,
    /// Idempotency key: Discord refuses a second message with the same nonce for a few minutes.
    pub nonce: Option<&'a str>,
}

#[async_trait::async_trait]
pub trait Chat: Send + Sync + std::fmt::Debug {
    /// Ok when the bot can post in `channel_id` of `workspace`; otherwise the reason, in words.
    async fn check_can_post(&self, workspace: &str, channel_id: &str) -> Result<(), String>;
    /// Post a message; returns its id.
    async fn post(&self, channel_id: &str, post: Post<'_>) -> Result<String, PostError>;
}
