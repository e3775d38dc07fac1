//! What the fake serves: its guilds, channels and roles (`FakeConfig`), and the knobs of its behaviour
//! (`FakeOptions`). A test changes these to play another server, a locked channel, or a strict ack deadline.

use std::time::Duration;

use super::{
    perms, LEAD_ROLE_ID, LOCKED_CHANNEL_ID, MEMBER_ROLE_ID, PARTNERS_CHANNEL_ID, REVOPS_ROLE_ID,
    STANDARD_APPLICATION_ID, STANDARD_BOT_USER_ID, STANDARD_GUILD_ID, STANDARD_TOKEN,
};

#[derive(Clone, Debug)]
pub struct FakeConfig {
    /// The only accepted bot token (`Authorization: Bot <token>`, and in IDENTIFY/RESUME).
    pub token: String,
    pub application_id: u64,
    pub bot_user_id: u64,
    pub guilds: Vec<FakeGuild>,
    /// The privileged intents switched on for the application in the developer portal (`intents::PRIVILEGED`
    /// bits). A new application has none: an IDENTIFY asking for one it lacks is closed with 4014, as Discord
    /// does. `standard()` plays a new application; `with_message_content()` turns that switch on.
    pub privileged_intents: u64,
}

#[derive(Clone, Debug)]
pub struct FakeGuild {
    pub id: u64,
    pub name: String,
    pub channels: Vec<FakeChannel>,
    /// Roles besides @everyone (which the fake adds with id = guild id).
    pub roles: Vec<(u64, String)>,
}

#[derive(Clone, Debug)]
pub struct FakeChannel {
    pub id: u64,
    pub name: String,
    /// false: the channel carries a permission overwrite denying the bot SEND_MESSAGES (and
    /// SEND_MESSAGES_IN_THREADS), and POST /channels/{id}/messages answers 403 code 50013.
    pub bot_can_send: bool,
}

impl FakeConfig {
    /// The standard application in `n` servers instead of its one: server `i` has the id `guild0 + i` and one
    /// channel, `channel0 + i` named `channel`, that the bot may post in (the fan-out tests and bench).
    pub fn servers(n: u64, guild0: u64, channel0: u64, channel: &str) -> Self {
        let mut cfg = FakeConfig::standard();
        cfg.guilds = (0..n)
            .map(|i| FakeGuild {
                id: guild0 + i,
                name: format!("Team {i}"),
                channels: vec![FakeChannel {
                    id: channel0 + i,
                    name: channel.to_string(),
                    bot_can_send: true,
                }],
                roles: vec![],
            })
            .collect();
        cfg
    }

    pub fn standard() -> Self {
        FakeConfig {
            token: STANDARD_TOKEN.to_string(),
            application_id: STANDARD_APPLICATION_ID,
            bot_user_id: STANDARD_BOT_USER_ID,
            guilds: vec![FakeGuild {
                id: STANDARD_GUILD_ID,
                name: "Acme Partnerships".to_string(),
                channels: vec![
                    FakeChannel {
                        id: PARTNERS_CHANNEL_ID,
                        name: "partners".to_string(),
                        bot_can_send: true,
                    },
                    FakeChannel {
                        id: LOCKED_CHANNEL_ID,
                        name: "locked".to_string(),
                        bot_can_send: false,
                    },
                ],
                roles: vec![
                    (LEAD_ROLE_ID, "Lead".to_string()),
                    (MEMBER_ROLE_ID, "Member".to_string()),
                    (REVOPS_ROLE_ID, "RevOps".to_string()),
                ],
            }],
            privileged_intents: 0,
        }
    }

    /// The application with *Message Content Intent* switched on in the developer portal.
    pub fn with_message_content(mut self) -> Self {
        self.privileged_intents |= super::intents::MESSAGE_CONTENT;
        self
    }

    pub(super) fn guild(&self, id: u64) -> Option<&FakeGuild> {
        self.guilds.iter().find(|g| g.id == id)
    }

    pub(super) fn channel(&self, id: u64) -> Option<(&FakeGuild, &FakeChannel)> {
        self.guilds
            .iter()
            .find_map(|g| g.channels.iter().find(|c| c.id == id).map(|c| (g, c)))
    }

    /// The bot's effective permissions in a configured channel (it has only @everyone).
    pub fn bot_permissions_in(&self, channel_id: u64) -> Option<u64> {
        self.channel(channel_id)
            .map(|(_, c)| bot_channel_permissions(c))
    }
}

pub(super) fn bot_channel_permissions(c: &FakeChannel) -> u64 {
    if c.bot_can_send {
        perms::EVERYONE
    } else {
        perms::EVERYONE & !(perms::SEND_MESSAGES | perms::SEND_MESSAGES_IN_THREADS)
    }
}

/// Knobs beyond `FakeConfig`.
#[derive(Clone, Debug)]
pub struct FakeOptions {
    /// HELLO's heartbeat_interval in milliseconds.
    pub heartbeat_interval_ms: u64,
    /// If set, an interaction callback arriving later than this after `send_interaction`
    /// answers 404 `{"message":"Unknown interaction","code":10062}` as Discord does after 3 s.
    /// Off by default: a loaded CI machine must not make tests flaky.
    pub ack_deadline: Option<Duration>,
    /// How long `send_interaction`/`send_message_create` wait for a connected, ready shard.
    pub dispatch_wait: Duration,
    /// Guilds listed in READY (as unavailable) whose GUILD_CREATE the fake does not send, as for a large bot
    /// whose servers arrive over minutes: the bot's cache knows nothing of them, REST still answers.
    pub withheld_guilds: Vec<u64>,
    /// Send each dispatch to every session connected for the shard, as Discord does when two processes run
    /// the same shard. Off by default: the newest session gets it (a session being replaced gets nothing).
    pub every_session_of_a_shard: bool,
    /// Discord's REST rate limits (global and per route, with their headers and 429s). Off by default.
    pub rate_limits: Option<super::RateLimits>,
}

impl Default for FakeOptions {
    fn default() -> Self {
        FakeOptions {
            heartbeat_interval_ms: 1500,
            ack_deadline: None,
            dispatch_wait: Duration::from_secs(15),
            withheld_guilds: Vec::new(),
            every_session_of_a_shard: false,
            rate_limits: None,
        }
    }
}
