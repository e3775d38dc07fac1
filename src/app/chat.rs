//! What the use cases need from the chat platforms (Discord, Slack), without knowing them: checking that the
//! bot may post in a channel, posting a digest, and the [`Platform`] a workspace lives on — its id syntax for
//! channels and groups, and how to say what the bot needs. Each adapter implements [`Chat`]; the console has
//! none.

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

/// Where a workspace lives. A Discord server keeps its numeric guild id as the workspace id; a Slack team is
/// namespaced as `slack:<team id>`, so no id of one platform can name a workspace of the other.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Platform {
    /// Discord, and the console's and CLI's own workspaces (`local`, …).
    Discord,
    Slack,
}

/// The prefix of a Slack team's workspace id.
pub const SLACK_PREFIX: &str = "slack:";

/// A Slack id (`C0123ABCD`, `S0123ABCD`): the given first letters, then 2 to 20 upper-case letters or digits.
fn slack_id(s: &str, first: &[char]) -> bool {
    s.starts_with(first)
        && (3..=21).contains(&s.len())
        && s.chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
}

/// Why a typed channel or role is not one of the platform's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BadId {
    /// Not written like one at all (`#partners`, a Slack id on Discord).
    Form,
    /// Digits, but not a Discord id: a snowflake is a number from 1 to [`u64::MAX`] (`0`, or beyond 2^64).
    OutOfRange,
}

/// A Discord id (a snowflake) as typed: digits naming a non-zero 64-bit number; written without leading zeros,
/// as Discord writes it.
fn snowflake(s: &str) -> Result<String, BadId> {
    if s.is_empty() || !s.chars().all(|c| c.is_ascii_digit()) {
        return Err(BadId::Form);
    }
    match s.parse::<u64>() {
        Ok(id) if id != 0 => Ok(id.to_string()),
        _ => Err(BadId::OutOfRange),
    }
}

impl Platform {
    /// The platform of a workspace id.
    pub fn of(workspace: &str) -> Platform {
        if workspace.starts_with(SLACK_PREFIX) {
            Platform::Slack
        } else {
            Platform::Discord
        }
    }

    /// A channel as a user gives it: Discord `<#123>` or `123` (a snowflake: 1 to [`u64::MAX`]); Slack
    /// `<#C123|name>`, `<#C123>` or `C123` (a `#name` is resolved to that form by the Slack adapter first).
    pub fn channel(self, text: &str) -> Result<String, BadId> {
        let t = text.trim();
        let inner = t
            .strip_prefix("<#")
            .and_then(|r| r.strip_suffix('>'))
            .unwrap_or(t);
        match self {
            Platform::Discord => snowflake(inner),
            Platform::Slack if inner.contains(['<', '>']) => Err(BadId::Form),
            Platform::Slack => {
                let id = inner.split('|').next().unwrap_or_default();
                slack_id(id, &['C', 'G'])
                    .then(|| id.to_string())
                    .ok_or(BadId::Form)
            }
        }
    }

    /// [`Platform::channel`], None when it is not one.
    pub fn parse_channel(self, text: &str) -> Option<String> {
        self.channel(text).ok()
    }

    /// A role (Discord `<@&123>` or `123`, a snowflake like a channel's) or user group (Slack
    /// `<!subteam^S123|@handle>` or `S123`).
    pub fn group(self, text: &str) -> Result<String, BadId> {
        let t = text.trim();
        match self {
            Platform::Discord => snowflake(t.trim_start_matches("<@&").trim_end_matches('>')),
            Platform::Slack => {
                let inner = t
                    .strip_prefix("<!subteam^")
                    .and_then(|r| r.strip_suffix('>'))
                    .unwrap_or(t);
                let id = inner.split('|').next().unwrap_or_default();
                (!inner.contains(['<', '>']) && slack_id(id, &['S']))
                    .then(|| id.to_string())
                    .ok_or(BadId::Form)
            }
        }
    }

    /// [`Platform::group`], None when it is not one.
    pub fn parse_group(self, text: &str) -> Option<String> {
        self.group(text).ok()
    }

    /// What to give the bot so that it can post in a channel.
    pub fn post_access_hint(self) -> &'static str {
        match self {
            Platform::Discord => {
                "Give me View Channel, Send Messages, Embed Links and Attach Files there"
            }
            Platform::Slack => "Invite me there with /invite @partnerfit",
        }
    }

    /// How a lead and a member are recognised, for refusals.
    pub fn lead_words(self) -> &'static str {
        match self {
            Platform::Discord => "leads (Manage Server, or the lead role set with /settings roles)",
            Platform::Slack => {
                "leads (workspace admins and owners, or the lead group set with /settings roles)"
            }
        }
    }

    pub fn member_words(self) -> &'static str {
        match self {
            Platform::Discord => "members (the member role set with /settings roles)",
            Platform::Slack => {
                "members (the member group set with /settings roles; guests are read-only)"
            }
        }
    }
}

#[async_trait::async_trait]
pub trait Chat: Send + Sync + std::fmt::Debug {
    /// The platform this chat posts to: its scheduler posts the digests of that platform's workspaces only.
    fn platform(&self) -> Platform {
        Platform::Discord
    }
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

#[cfg(test)]
mod tests {
    use super::Platform::{Discord, Slack};
    use super::*;

    #[test]
    fn ids_parse_per_platform() {
        assert_eq!(Platform::of("2000"), Discord);
        assert_eq!(Platform::of("local"), Discord);
        assert_eq!(Platform::of("slack:T0FAKE01"), Slack);
        assert_eq!(Discord.parse_channel("<#3000>").as_deref(), Some("3000"));
        assert_eq!(Discord.parse_channel("C0PARTNER"), None);
        assert_eq!(
            Slack.parse_channel("<#C0PARTNER|partners>").as_deref(),
            Some("C0PARTNER")
        );
        assert_eq!(
            Slack.parse_channel("G0PRIVATE").as_deref(),
            Some("G0PRIVATE")
        );
        assert_eq!(Slack.parse_channel("3000"), None);
        assert_eq!(Slack.parse_channel("#partners"), None);
        assert_eq!(Slack.parse_channel("<#C0PARTNER|x> <!here>"), None);
        assert_eq!(Discord.parse_group("<@&4000>").as_deref(), Some("4000"));
        assert_eq!(
            Slack.parse_group("<!subteam^S0LEADS01|@leads>").as_deref(),
            Some("S0LEADS01")
        );
        assert_eq!(Slack.parse_group("S0LEADS01").as_deref(), Some("S0LEADS01"));
        assert_eq!(Slack.parse_group("<!here>"), None);
        assert_eq!(Slack.parse_group("4000"), None);
    }

    /// A Discord id is a snowflake, a non-zero u64: 0 and numbers past 2^64 - 1 are refused as out of range
    /// (not as badly written); Slack ids, letters first, are untouched by that rule.
    #[test]
    fn discord_ids_are_non_zero_u64() {
        let max = u64::MAX.to_string(); // 18446744073709551615
        assert_eq!(Discord.channel(&max), Ok(max.clone()));
        assert_eq!(Discord.channel("<#1>"), Ok("1".into()));
        assert_eq!(Discord.channel("007"), Ok("7".into()));
        assert_eq!(Discord.group(&format!("<@&{max}>")), Ok(max.clone()));
        for bad in [
            "0",
            "<#0>",
            "000",
            "18446744073709551616",
            "<#99999999999999999999>",
        ] {
            assert_eq!(Discord.channel(bad), Err(BadId::OutOfRange), "{bad}");
        }
        for bad in ["0", "<@&0>", "18446744073709551616"] {
            assert_eq!(Discord.group(bad), Err(BadId::OutOfRange), "{bad}");
        }
        for bad in ["", "#partners", "-1", "<#>", "1 2", "C0PARTNER"] {
            assert_eq!(Discord.channel(bad), Err(BadId::Form), "{bad}");
        }
        assert_eq!(Slack.channel("C0123"), Ok("C0123".into()));
        assert_eq!(Slack.channel("0"), Err(BadId::Form));
    }
}
