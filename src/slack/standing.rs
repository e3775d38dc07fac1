//! Who a Slack caller is here: whether they belong to the team the app is installed in, the role they have
//! in its workspace, and the command context they act in. Asked of Slack (`users.info` through
//! [`Api::user_flags`](super::api::Api::user_flags), `usergroups.users.list`) and cached for [`ROLE_TTL`], so
//! a command costs no Web API round trip most of the time.
//!
//! Why the team matters (Slack Connect): a channel shared with another organisation brings its people's
//! commands, mentions, button presses and forms here too, their payloads naming their own team — and such
//! channels are very often shared with partners themselves, whose staff must not read our roster, screening
//! verdicts or evidence. So every request acts on the installed team's workspace
//! ([`Bot::installed_team`]), never on a team a payload names, and anyone not of that team is refused with
//! [`OUTSIDERS`] before anything of ours is read or changed. Slack's admin, owner and guest flags are about
//! the user's own team: they count only for people of ours.

use super::api::{ApiError, UserFlags};
use super::handler::{workspace_of, Bot, Origin};
use crate::app::outcome::{note, Outcome};
use crate::app::{AppError, Ctx};
use crate::domain::Role;
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// What someone of another team is told, whatever they asked: nothing of ours is shown or changed.
pub const OUTSIDERS: &str = "partnerfit answers members of this workspace only.";

/// How long a user's standing and a group's members are trusted before asking Slack again.
const ROLE_TTL: Duration = Duration::from_secs(60);

/// Where someone stands in the installed team, as far as roles go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Standing {
    /// A workspace admin or owner — of the user's own team, which is ours only when `ours` is.
    admin: bool,
    /// A guest account (multi- or single-channel): read only.
    guest: bool,
    /// Of the installed team: their `team_id` is it, or (Enterprise Grid) their `enterprise_user.teams`
    /// lists it. Someone from another organisation in a Slack Connect channel is not, and neither is a user
    /// object without a team (Slack always sends one).
    ours: bool,
}

impl Standing {
    /// Where the user `flags` describes stands in the team `installed`.
    fn of(flags: &UserFlags, installed: &str) -> Standing {
        let home = flags.team.as_deref() == Some(installed);
        let grid = flags.enterprise_teams.iter().any(|t| t == installed);
        Standing {
            admin: flags.admin,
            guest: flags.guest,
            ours: home || grid,
        }
    }
}

/// What is cached about people, to answer without a Web API round trip per command.
#[derive(Debug, Default)]
pub(super) struct Cache {
    users: HashMap<String, (Instant, Standing)>,
    groups: HashMap<String, (Instant, Vec<String>)>,
}

impl Bot {
    /// Where `user` stands in the team `installed` (`users.info`, cached for [`ROLE_TTL`]).
    async fn standing(&self, installed: &str, user: &str) -> Result<Standing, ApiError> {
        if let Ok(c) = self.cache.lock() {
            if let Some((at, s)) = c.users.get(user) {
                if at.elapsed() < ROLE_TTL {
                    return Ok(*s);
                }
            }
        }
        let s = Standing::of(&self.api.user_flags(user).await?, installed);
        if let Ok(mut c) = self.cache.lock() {
            c.users.insert(user.to_string(), (Instant::now(), s));
        }
        Ok(s)
    }

    async fn in_group(&self, group: &str, user: &str) -> Result<bool, ApiError> {
        if let Ok(c) = self.cache.lock() {
            if let Some((at, m)) = c.groups.get(group) {
                if at.elapsed() < ROLE_TTL {
                    return Ok(m.iter().any(|u| u == user));
                }
            }
        }
        let members = self.api.group_members(group).await?;
        let found = members.iter().any(|u| u == user);
        if let Ok(mut c) = self.cache.lock() {
            c.groups
                .insert(group.to_string(), (Instant::now(), members));
        }
        Ok(found)
    }

    /// The installed team, once the caller of `o` is known to be of it (whatever team `o`'s payload named);
    /// anyone else is refused with [`OUTSIDERS`], before anything of ours is read.
    pub(super) async fn of_ours(&self, o: &Origin) -> Result<(&str, Standing), AppError> {
        let team = self.installed_team().await?;
        let standing = self
            .standing(team, &o.user)
            .await
            .map_err(|e| self.api_failure("users.info", e))?;
        if !standing.ours {
            note(Outcome::Refused);
            return Err(AppError::user(OUTSIDERS));
        }
        Ok((team, standing))
    }

    /// The role in the workspace `ws` of someone of ours standing as `standing`: guests (Slack guest
    /// accounts) read only; workspace admins and owners, and members of the configured lead group, lead; the
    /// configured member group (everyone when none) are members.
    async fn role(&self, ws: &str, standing: Standing, user: &str) -> Result<Role, AppError> {
        // Read before any command runs, so `caller_settings` logs our error.
        let settings = self.app.caller_settings(ws).await?;
        if standing.guest {
            return Ok(Role::Guest);
        }
        let in_group = |g: &Option<String>| {
            let g = g.clone();
            async move {
                match g {
                    Some(g) => self.in_group(&g, user).await,
                    None => Ok(false),
                }
            }
        };
        if standing.admin
            || in_group(&settings.lead_role)
                .await
                .map_err(|e| self.api_failure("usergroups.users.list", e))?
        {
            return Ok(Role::Lead);
        }
        if settings.member_role.is_none()
            || in_group(&settings.member_role)
                .await
                .map_err(|e| self.api_failure("usergroups.users.list", e))?
        {
            return Ok(Role::Member);
        }
        Ok(Role::Guest)
    }

    /// The command context of a caller of ours, in the installed team's workspace; anyone else is refused
    /// ([`Bot::of_ours`]).
    pub(super) async fn ctx(&self, o: &Origin) -> Result<Ctx, AppError> {
        let (team, standing) = self.of_ours(o).await?;
        let ws = workspace_of(team);
        let role = self.role(&ws, standing, &o.user).await?;
        Ok(Ctx {
            workspace: ws,
            user: format!("<@{}>", o.user),
            role,
            channel_id: o.channel.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use slack_morphism::prelude::SlackUser;

    /// The flags of a `users.info` user object.
    fn flags(v: serde_json::Value) -> UserFlags {
        let user: SlackUser = serde_json::from_value(v).expect("a user object");
        UserFlags::of(&user)
    }

    #[test]
    fn only_people_of_the_installed_team_are_ours() {
        let ours = flags(json!({"id": "U1", "team_id": "T1", "is_admin": true}));
        assert_eq!(
            Standing::of(&ours, "T1"),
            Standing {
                admin: true,
                guest: false,
                ours: true
            }
        );
        // An admin of another organisation in a Slack Connect channel (`is_stranger` is false there).
        let theirs =
            flags(json!({"id": "U2", "team_id": "T2", "is_admin": true, "is_stranger": false}));
        assert!(!Standing::of(&theirs, "T1").ours);
        // Enterprise Grid: a user of another workspace of the org who is in ours too.
        let grid = flags(json!({"id": "W3", "team_id": "T2", "is_owner": true,
            "enterprise_user": {"id": "W3", "enterprise_id": "E1", "teams": ["T2", "T1"]}}));
        assert_eq!(grid.enterprise_teams, ["T2", "T1"]);
        assert!(Standing::of(&grid, "T1").ours);
        assert!(!Standing::of(&grid, "T9").ours);
        // No team at all: not ours.
        assert!(!Standing::of(&flags(json!({"id": "U4", "is_admin": true})), "T1").ours);
        let guest = flags(json!({"id": "U5", "team_id": "T1", "is_ultra_restricted": true}));
        assert!(Standing::of(&guest, "T1").guest);
    }
}
