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
    /// Ok when `channel_id` is a channel of `workspace` (its server) in which the bot can post; otherwise
    /// why not, in words: [`PostError::Forbidden`] when it is not a channel of the workspace or the bot
    /// lacks permissions there, [`PostError::Transient`] when it cannot tell yet (the server is not loaded).
    async fn check_can_post(&self, workspace: &str, channel_id: &str) -> Result<(), PostError>;
    /// Ok when `channel_id` is a channel of `workspace`'s server (asked of the platform when not known
    /// locally): checked before every scheduled post, so a stored channel never takes a workspace's digest
    /// into another server. [`PostError::Forbidden`] when it is not; Transient when the platform cannot say.
    async fn check_channel(&self, workspace: &str, channel_id: &str) -> Result<(), PostError>;
    /// Post a message; returns its id.
    async fn post(&self, channel_id: &str, post: Post<'_>) -> Result<String, PostError>;
}
