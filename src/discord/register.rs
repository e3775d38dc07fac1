//! Slash command registration, generated from the one command table ([`crate::app::spec`]): groups become
//! commands with subcommand groups and subcommands, fixed values become choices, names get autocomplete.
//! [`register`] sends them to Discord after the first READY, and tries again until Discord takes them.

use crate::app::spec::{self, CommandSpec, Kind, Opt, COMMANDS};
use crate::domain::Role;
use crate::service::ServiceStatus;
use serenity::all::{
    ChannelType, Command, CommandOptionType, CreateCommand, CreateCommandOption, GuildId, Http,
    Permissions,
};
use std::sync::Arc;
use std::time::Duration;

/// The pause after a registration that failed in a way that may pass; it doubles after each failure, up to
/// [`RETRY_MOST`].
const RETRY_FIRST: Duration = Duration::from_secs(1);
/// The longest pause between two attempts at registering.
const RETRY_MOST: Duration = Duration::from_secs(60);

/// Register the slash commands with Discord — globally, or in each server of `guild_ids` — with a bulk
/// overwrite per scope, and mark `status` once every scope took them (the bot is ready only then: systemd's
/// READY=1, /readyz). Run in a task of its own after the first READY.
///
/// A failure that may pass (a server error, a rate limit, no answer) is tried again after a pause of 1 s,
/// doubling up to 60 s, for as long as the process runs; only the scopes not registered yet are sent again. A
/// refusal that cannot pass — 401 (the token), 403 or 404 (the application or a server the bot cannot reach),
/// 400 (Discord finds our commands invalid) — is logged once as an error with Discord's reason, and that scope
/// is not tried again: the bot does not become ready, and systemd restarts it once its start times out.
pub async fn register(http: Arc<Http>, guild_ids: Vec<u64>, status: Arc<ServiceStatus>) {
    let cmds = commands();
    // None: the global scope.
    let mut left: Vec<Option<GuildId>> = Vec::new();
    let mut refused = false;
    if guild_ids.is_empty() {
        left.push(None);
    }
    for g in &guild_ids {
        match std::num::NonZeroU64::new(*g) {
            Some(g) => left.push(Some(GuildId::from(g))),
            None => {
                refused = true;
                tracing::error!("guild_ids holds 0, which is no server: the slash commands are not registered there");
            }
        }
    }
    let mut pause = RETRY_FIRST;
    loop {
        let mut failed = Vec::new();
        for scope in left {
            let sent = match scope {
                None => Command::set_global_commands(&http, cmds.clone())
                    .await
                    .map(|_| ()),
                Some(g) => g.set_commands(&http, cmds.clone()).await.map(|_| ()),
            };
            let Err(e) = sent else { continue };
            let scope_name = scope.map_or_else(|| "global".to_string(), |g| format!("server {g}"));
            match refusal(&e) {
                None => {
                    tracing::warn!(error = %e, scope = %scope_name, retry_in = ?pause, "could not register the slash commands; trying again");
                    failed.push(scope);
                }
                Some(cause) => {
                    refused = true;
                    tracing::error!(error = %e, %cause, scope = %scope_name, "Discord refused the slash commands; not trying again: fix the cause and restart the bot");
                }
            }
        }
        if failed.is_empty() {
            break;
        }
        left = failed;
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(RETRY_MOST);
    }
    if !refused {
        tracing::info!(commands = spec::COMMANDS.len(), "slash commands registered");
        status.set_commands_registered();
    }
}

/// Why a failed registration cannot pass by trying again, or None when it may: a 4xx but 408 (a timeout) and
/// 429 (a rate limit) — 400 says our commands are invalid, 401 the token, 403 and 404 the application or a
/// server the bot cannot reach — and commands that break Discord's limits before they are sent.
fn refusal(e: &serenity::Error) -> Option<String> {
    use serenity::http::HttpError;
    match e {
        serenity::Error::Http(HttpError::UnsuccessfulRequest(r)) => {
            let status = r.status_code.as_u16();
            ((400..500).contains(&status) && !matches!(status, 408 | 429))
                .then(|| format!("Discord answered {status} (code {})", r.error.code))
        }
        serenity::Error::Model(_) => Some("the commands break Discord's limits".into()),
        _ => None,
    }
}

fn option(o: &Opt) -> CreateCommandOption {
    let (kind, build): (
        CommandOptionType,
        fn(CreateCommandOption, &Opt) -> CreateCommandOption,
    ) = match o.kind {
        Kind::Text { .. } | Kind::Date | Kind::Week | Kind::Quarter | Kind::Choice(_) => {
            (CommandOptionType::String, |c, o| match o.kind {
                Kind::Text { complete, .. } => c
                    .max_length(max_length(o))
                    .set_autocomplete(complete.is_some()),
                Kind::Choice(values) => values.iter().fold(c, |c, v| c.add_string_choice(*v, *v)),
                Kind::Date | Kind::Week | Kind::Quarter => c.max_length(max_length(o)),
                _ => c,
            })
        }
        Kind::Number => (CommandOptionType::Number, |c, _| c),
        Kind::Integer { .. } => (CommandOptionType::Integer, |c, o| match o.kind {
            Kind::Integer { min } => c.min_int_value(min.max(0) as u64),
            _ => c,
        }),
        Kind::Bool => (CommandOptionType::Boolean, |c, _| c),
        Kind::Channel => (CommandOptionType::Channel, |c, _| {
            c.channel_types(vec![ChannelType::Text, ChannelType::News])
        }),
        Kind::Role => (CommandOptionType::Role, |c, _| c),
        Kind::Attachment => (CommandOptionType::Attachment, |c, _| c),
    };
    build(
        CreateCommandOption::new(kind, o.name, o.description).required(o.required),
        o,
    )
}

/// The declared limit of a text option, within what Discord takes (6000).
fn max_length(o: &Opt) -> u16 {
    u16::try_from(o.kind.max_chars()).unwrap_or(6000).min(6000)
}

fn leaf(c: &CommandSpec, name: &str) -> CreateCommandOption {
    c.options.iter().fold(
        CreateCommandOption::new(CommandOptionType::SubCommand, name, c.description),
        |sub, o| sub.add_sub_option(option(o)),
    )
}

/// The registration JSON of every command.
pub fn commands() -> Vec<CreateCommand> {
    let mut tops: Vec<&str> = Vec::new();
    for c in COMMANDS {
        if !tops.contains(&c.path[0]) {
            tops.push(c.path[0]);
        }
    }
    tops.into_iter().map(top_level).collect()
}

fn top_level(top: &str) -> CreateCommand {
    let members: Vec<&CommandSpec> = COMMANDS.iter().filter(|c| c.path[0] == top).collect();
    let mut cmd = CreateCommand::new(top).dm_permission(false);
    // Discord can only restrict a whole top-level command: do it when every subcommand is lead-only.
    if members.iter().all(|c| c.min_role == Role::Lead) {
        cmd = cmd.default_member_permissions(Permissions::MANAGE_GUILD);
    }
    match members.as_slice() {
        [single] if single.path.len() == 1 => {
            cmd = cmd.description(single.description);
            for o in single.options {
                cmd = cmd.add_option(option(o));
            }
        }
        _ => {
            cmd = cmd.description(spec::group_description(&[top]).unwrap_or(top));
            let mut groups: Vec<&str> = Vec::new();
            for c in &members {
                match c.path {
                    [_, name] => cmd = cmd.add_option(leaf(c, name)),
                    [_, group, _] if !groups.contains(group) => {
                        groups.push(group);
                        let desc = spec::group_description(&[top, group]).unwrap_or(group);
                        let sub = members
                            .iter()
                            .filter(|m| m.path.len() == 3 && m.path[1] == *group)
                            .fold(
                                CreateCommandOption::new(
                                    CommandOptionType::SubCommandGroup,
                                    *group,
                                    desc,
                                ),
                                |g, m| g.add_sub_option(leaf(m, m.path[2])),
                            );
                        cmd = cmd.add_option(sub);
                    }
                    _ => {}
                }
            }
        }
    }
    cmd
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_command_is_registered_once_with_its_options() {
        let json = serde_json::to_value(commands()).unwrap();
        let tops: Vec<&str> = json
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["name"].as_str().unwrap())
            .collect();
        assert_eq!(
            tops,
            [
                "screen", "profile", "partner", "evidence", "log", "outcome", "digest", "schedule",
                "settings", "export", "import", "help"
            ]
        );
        let profile = &json[1];
        let trait_group = profile["options"]
            .as_array()
            .unwrap()
            .iter()
            .find(|o| o["name"] == "trait")
            .unwrap();
        assert_eq!(trait_group["type"], 2, "subcommand group");
        let add = &trait_group["options"][0];
        assert_eq!(
            (add["name"].as_str(), add["type"].as_i64()),
            (Some("add"), Some(1))
        );
        let type_opt = &add["options"][0];
        assert_eq!(
            (
                type_opt["name"].as_str(),
                type_opt["autocomplete"].as_bool(),
                type_opt["required"].as_bool()
            ),
            (Some("type"), Some(true), Some(true))
        );
        let import = json
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["name"] == "import")
            .unwrap();
        assert_eq!(import["default_member_permissions"], "32", "Manage Server");
        assert!(json[0]["default_member_permissions"].is_null());
        let screen_partner = &json[0]["options"][0];
        assert_eq!(screen_partner["type"], 3);
        assert_eq!(screen_partner["autocomplete"], true);
        let count: usize = json
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                let opts = c["options"].as_array().cloned().unwrap_or_default();
                if opts.iter().any(|o| o["type"] == 1 || o["type"] == 2) {
                    opts.iter()
                        .map(|o| {
                            if o["type"] == 2 {
                                o["options"].as_array().map_or(0, Vec::len)
                            } else {
                                1
                            }
                        })
                        .sum()
                } else {
                    1
                }
            })
            .sum();
        assert_eq!(count, COMMANDS.len());
    }
}
