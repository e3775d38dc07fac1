//! Workspace settings: `/settings show|set|roles`.

use super::args::{input, NoOptions};
use super::card::{Card, Render, Tone};
use super::chat::Platform;
use super::{App, AppError, AppResult, Ctx, Reply};
use crate::domain::recheck::RecheckRules;
use crate::domain::screening::ScreenRules;
use crate::domain::timezone::parse_timezone;
use crate::domain::{parse_number, snippet};
use crate::store::{SettingValue, SettingsRow};
use chrono_tz::Tz;
use serde::Serialize;
use std::ops::RangeInclusive;

/// The `max_misses` a workspace may set: how many traits a partner may miss without being a walk-away.
pub const MAX_MISSES: RangeInclusive<i64> = 0..=20;
/// The `min_group` a workspace may set: the fewest partners each group of the quarterly re-check needs.
pub const MIN_GROUP: RangeInclusive<i64> = 1..=1000;
/// The `evidence_max_age_days` a workspace may set: how many days old evidence may be and still count.
pub const EVIDENCE_MAX_AGE_DAYS: RangeInclusive<i64> = 1..=36_500;

/// A workspace's settings, parsed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Settings {
    #[serde(serialize_with = "crate::domain::timezone::serialize_name")]
    pub timezone: Tz,
    pub max_misses: u32,
    pub allocation_target: f64,
    pub evidence_max_age_days: i64,
    pub min_group: u32,
    pub alpha: f64,
    pub currency: String,
    pub lead_role: Option<String>,
    pub member_role: Option<String>,
    pub review_role: Option<String>,
}

impl Settings {
    pub fn from_row(r: SettingsRow) -> Settings {
        let timezone = r.timezone.parse::<Tz>().unwrap_or_else(|_| {
            tracing::warn!(timezone = %r.timezone, "stored time zone is invalid; using UTC");
            Tz::UTC
        });
        Settings {
            timezone,
            max_misses: r.max_misses.clamp(*MAX_MISSES.start(), *MAX_MISSES.end()) as u32,
            allocation_target: r.allocation_target,
            evidence_max_age_days: r.evidence_max_age_days,
            min_group: r.min_group.clamp(*MIN_GROUP.start(), *MIN_GROUP.end()) as u32,
            alpha: r.alpha,
            currency: r.currency,
            lead_role: r.lead_role,
            member_role: r.member_role,
            review_role: r.review_role,
        }
    }
    pub fn screen_rules(&self) -> ScreenRules {
        ScreenRules {
            max_misses: self.max_misses,
            evidence_max_age_days: self.evidence_max_age_days,
        }
    }
    pub fn recheck_rules(&self) -> RecheckRules {
        RecheckRules {
            min_group: self.min_group as usize,
            alpha: self.alpha,
        }
    }
}

impl Render for Settings {
    /// The card of a Discord server (or the console): [`Settings::card_on`] names a Slack team's groups.
    fn card(&self) -> Card {
        self.card_on(Platform::Discord)
    }
}

impl Settings {
    /// The settings as a card, the roles as `platform` has them: Discord roles as their mentions (shown as
    /// the role's name, pinging no one); Slack user groups by id, as text (a group's mention in a reply the
    /// channel sees would notify its members), and "workspace admins and owners" where Discord says Manage
    /// Server.
    pub fn card_on(&self, platform: Platform) -> Card {
        let role = |r: &Option<String>, none: &str| match (r, platform) {
            (Some(id), Platform::Discord) => format!("<@&{id}>"),
            (Some(id), Platform::Slack) => format!("user group `{id}`"),
            (None, _) => none.to_string(),
        };
        let (lead_none, kind) = match platform {
            Platform::Discord => ("Manage Server only", "role"),
            Platform::Slack => ("workspace admins and owners only", "group"),
        };
        Card::new("Workspace settings", Tone::Info)
            .field("timezone", self.timezone.name(), true)
            .field("max_misses", self.max_misses.to_string(), true)
            .field(
                "allocation_target",
                crate::domain::format::target_percent(self.allocation_target),
                true,
            )
            .field(
                "evidence_max_age_days",
                self.evidence_max_age_days.to_string(),
                true,
            )
            .field("min_group", self.min_group.to_string(), true)
            .field("alpha", self.alpha.to_string(), true)
            .field("currency", self.currency.clone(), true)
            .field(
                format!("lead {kind}"),
                role(&self.lead_role, lead_none),
                true,
            )
            .field(
                format!("member {kind}"),
                role(&self.member_role, "everyone"),
                true,
            )
            .field(
                format!("review {kind}"),
                role(&self.review_role, "none"),
                true,
            )
    }
}

/// The reply showing a workspace's settings, its card naming roles as the workspace's platform does.
fn settings_reply(ctx: &Ctx, s: Settings) -> Reply {
    let card = s.card_on(Platform::of(&ctx.workspace));
    let mut reply = Reply::from_typed(s);
    reply.card = card;
    reply
}

/// `/settings show`: the workspace's settings and roles as they are now.
pub async fn show(app: &App, ctx: &Ctx, _: NoOptions) -> AppResult<Reply> {
    Ok(settings_reply(ctx, app.settings(&ctx.workspace).await?))
}

crate::domain::types::string_enum!(
    /// The settings `/settings set` changes.
    SettingKey, "setting", {
    Timezone => "timezone",
    MaxMisses => "max_misses",
    AllocationTarget => "allocation_target",
    EvidenceMaxAgeDays => "evidence_max_age_days",
    MinGroup => "min_group",
    Alpha => "alpha",
    Currency => "currency",
});

/// Parse `/settings set key value` into a setting, with a clear error per key.
pub fn parse_setting(key: SettingKey, value: &str) -> AppResult<SettingValue> {
    let v = value.trim();
    // Each key's own rule and example, whether the value is no number at all or one out of range.
    let what = key.as_str();
    let whole = |range: RangeInclusive<i64>, example: i64| -> AppResult<i64> {
        let (lo, hi) = range.into_inner();
        match parse_number(v, what) {
            Ok(n) if n.fract() == 0.0 && n >= lo as f64 && n <= hi as f64 => Ok(n as i64),
            _ => Err(AppError::user(format!(
                "{what} is a whole number from {lo} to {hi} (e.g. {example}), not `{}`",
                snippet(v)
            ))),
        }
    };
    Ok(match key {
        SettingKey::Timezone => SettingValue::Timezone(
            parse_timezone(v)
                .map_err(|e| AppError::user(e.to_string()))?
                .name()
                .to_string(),
        ),
        SettingKey::MaxMisses => SettingValue::MaxMisses(whole(MAX_MISSES, 1)?),
        SettingKey::EvidenceMaxAgeDays => {
            SettingValue::EvidenceMaxAgeDays(whole(EVIDENCE_MAX_AGE_DAYS, 365)?)
        }
        SettingKey::MinGroup => SettingValue::MinGroup(whole(MIN_GROUP, 3)?),
        SettingKey::AllocationTarget => {
            let n = match v.strip_suffix('%') {
                Some(pct) => parse_number(pct, what).map(|p| p / 100.0),
                None => parse_number(v, what),
            }
            .unwrap_or(f64::NAN);
            if !(0.0..=1.0).contains(&n) {
                return Err(AppError::user(format!(
                    "{what} is a share from 0 to 1 (e.g. 0.8 for 80%), not `{}`",
                    snippet(v)
                )));
            }
            SettingValue::AllocationTarget(n)
        }
        SettingKey::Alpha => {
            let n = parse_number(v, what).unwrap_or(f64::NAN);
            if !(n > 0.0 && n < 1.0) {
                return Err(AppError::user(format!(
                    "{what} is a significance level between 0 and 1 (e.g. 0.10), not `{}`",
                    snippet(v)
                )));
            }
            SettingValue::Alpha(n)
        }
        SettingKey::Currency => {
            let n = v.chars().count();
            if n == 0
                || n > 3
                || v.chars()
                    .any(|c| c.is_ascii_digit() || c.is_control() || c == ',' || c == '.')
            {
                return Err(AppError::user(format!(
                    "{what} is a symbol of 1 to 3 characters, e.g. $ or €"
                )));
            }
            SettingValue::Currency(v.to_string())
        }
    })
}

input! {
    /// What `/settings set` reads.
    pub struct SetIn {
        key: SettingKey,
        value: String,
    }
}

/// `/settings set`: changes one workspace setting and shows them all; refuses a value out of the setting's
/// range or not of its form (each key's error says which).
pub async fn set(app: &App, ctx: &Ctx, input: SetIn) -> AppResult<Reply> {
    let key = input.key;
    let value = parse_setting(key, &input.value)?;
    app.store
        .set_setting(&ctx.workspace, &value, app.now())
        .await?;
    let s = app.settings(&ctx.workspace).await?;
    let mut reply = settings_reply(ctx, s);
    reply.card.title = format!("Setting `{key}` updated");
    Ok(reply)
}

/// Which role of `/settings roles` a value is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum RoleKind {
    Lead,
    Member,
    Review,
}

/// A role option: a Discord role id (digits) or `<@&id>` mention, a Slack user group (`<!subteam^S…|@x>`
/// or `S…`), or `none` to clear. On Discord, the server's @everyone role (its id is the server's, the
/// workspace's, and the role picker sends it like any other) is no role to check: as the member role it means
/// everyone in the server is a member, which is what no member role means, so it is stored as none; as the lead
/// or the review role it is refused (everyone would be a lead, and the re-check would mention everyone).
fn parse_role(
    platform: Platform,
    workspace: &str,
    kind: RoleKind,
    v: &str,
) -> AppResult<Option<String>> {
    let t = v.trim();
    if t.eq_ignore_ascii_case("none") || t.eq_ignore_ascii_case("clear") {
        return Ok(None);
    }
    let everyone = platform == Platform::Discord
        && (t.eq_ignore_ascii_case("@everyone")
            || platform.parse_group(t).as_deref() == Some(workspace));
    if everyone {
        return match kind {
            RoleKind::Member => Ok(None),
            RoleKind::Lead => Err(AppError::user(
                "@everyone cannot be the lead role: pick a role of your leads (whoever has Manage Server is a lead anyway)",
            )),
            RoleKind::Review => Err(AppError::user(
                "@everyone cannot be the review role: pick the role the quarterly re-check should mention, or `none`",
            )),
        };
    }
    platform.parse_group(t).map(Some).ok_or_else(|| {
        AppError::user(match platform {
            Platform::Discord => format!(
                "`{}` is not a role: pick a role (in the console, give its numeric id, or `none` to clear)",
                snippet(v)
            ),
            Platform::Slack => format!(
                "`{}` is not a user group: name it with @ as Slack completes it, or give its id (S…), or `none` to clear",
                snippet(v)
            ),
        })
    })
}

input! {
    /// What `/settings roles` reads: role ids (or `none` to clear).
    pub struct RolesIn {
        lead: Option<String>,
        member: Option<String>,
        review: Option<String>,
    }
}

/// `/settings roles`: sets (or, with `none`, clears) the lead, member and review roles, and shows the settings;
/// without any of them it only shows them. Refuses a value that is not a role of the caller's platform.
pub async fn roles(app: &App, ctx: &Ctx, input: RolesIn) -> AppResult<Reply> {
    let platform = Platform::of(&ctx.workspace);
    let get = |v: &Option<String>, kind| {
        v.as_deref()
            .map(|v| parse_role(platform, &ctx.workspace, kind, v))
            .transpose()
    };
    let (lead, member, review) = (
        get(&input.lead, RoleKind::Lead)?,
        get(&input.member, RoleKind::Member)?,
        get(&input.review, RoleKind::Review)?,
    );
    if lead.is_none() && member.is_none() && review.is_none() {
        let s = app.settings(&ctx.workspace).await?;
        let mut reply = settings_reply(ctx, s);
        reply.card.title = "Roles (give lead, member or review to change them)".into();
        return Ok(reply);
    }
    app.store
        .set_roles(&ctx.workspace, lead, member, review, app.now())
        .await?;
    let s = app.settings(&ctx.workspace).await?;
    let mut reply = settings_reply(ctx, s);
    reply.card.title = "Roles updated".into();
    Ok(reply)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_parse_with_clear_errors() {
        assert_eq!(
            parse_setting(SettingKey::AllocationTarget, "0.75").unwrap(),
            SettingValue::AllocationTarget(0.75)
        );
        assert_eq!(
            parse_setting(SettingKey::AllocationTarget, "75%").unwrap(),
            SettingValue::AllocationTarget(0.75)
        );
        assert!(parse_setting(SettingKey::AllocationTarget, "1.5").is_err());
        assert!(parse_setting(SettingKey::AllocationTarget, "NaN").is_err());
        assert_eq!(
            parse_setting(SettingKey::MaxMisses, "2").unwrap(),
            SettingValue::MaxMisses(2)
        );
        assert!(parse_setting(SettingKey::MaxMisses, "1.5").is_err());
        assert!(parse_setting(SettingKey::MaxMisses, "-1").is_err());
        assert!(parse_setting(SettingKey::Alpha, "0").is_err());
        assert_eq!(
            parse_setting(SettingKey::Timezone, "Europe/Berlin").unwrap(),
            SettingValue::Timezone("Europe/Berlin".into())
        );
        assert!(parse_setting(SettingKey::Timezone, "EST5EDT").is_err());
        assert!(parse_setting(SettingKey::Timezone, "Mars/Olympus").is_err());
        let e = "colour".parse::<SettingKey>().unwrap_err().0;
        assert_eq!(
            e,
            "unknown setting `colour`: use one of timezone, max_misses, allocation_target, evidence_max_age_days, min_group, alpha, currency"
        );
    }

    #[test]
    fn roles_accept_ids_and_mentions() {
        let d = |v: &str| parse_role(Platform::Discord, "1000", RoleKind::Lead, v);
        assert_eq!(d("<@&123>").unwrap(), Some("123".into()));
        assert_eq!(d("456").unwrap(), Some("456".into()));
        assert_eq!(d("none").unwrap(), None);
        assert!(d("@everyone").is_err());
        let s = |v: &str| parse_role(Platform::Slack, "slack:T1", RoleKind::Lead, v);
        assert_eq!(
            s("<!subteam^S0LEADS01|@leads>").unwrap(),
            Some("S0LEADS01".into())
        );
        assert!(s("<!channel>").is_err());
        assert_eq!(
            s("leads").unwrap_err().user_message(),
            "`leads` is not a user group: name it with @ as Slack completes it, or give its id (S…), or `none` to clear"
        );
    }

    #[test]
    fn a_slack_teams_card_names_user_groups_and_admins() {
        let mut s = Settings::from_row(SettingsRow::default());
        let text = |c: &Card| {
            c.fields
                .iter()
                .map(|f| format!("{}: {}", f.name, f.value))
                .collect::<Vec<_>>()
                .join("\n")
        };
        let slack = text(&s.card_on(Platform::Slack));
        assert!(
            slack.contains("lead group: workspace admins and owners only"),
            "{slack}"
        );
        assert!(!slack.contains("Manage Server"), "{slack}");
        let discord = text(&s.card());
        assert!(
            discord.contains("lead role: Manage Server only"),
            "{discord}"
        );
        s.lead_role = Some("S0LEADS01".into());
        s.review_role = Some("S0REVIEW1".into());
        let slack = text(&s.card_on(Platform::Slack));
        assert!(
            slack.contains("lead group: user group `S0LEADS01`")
                && slack.contains("review group: user group `S0REVIEW1`")
                && slack.contains("member group: everyone"),
            "{slack}"
        );
        assert!(!slack.contains("<@&"), "{slack}");
    }

    /// The server's @everyone role (its id is the server's): everyone as the member role (stored as none, what
    /// no member role means), refused as the lead and the review role; another server's id is a role like any.
    #[test]
    fn everyone_is_no_lead_or_review_role_and_as_member_role_means_everyone() {
        let role = |kind, v: &str| parse_role(Platform::Discord, "1000", kind, v);
        for v in ["1000", "<@&1000>", "@everyone", " @Everyone "] {
            assert_eq!(role(RoleKind::Member, v).unwrap(), None, "{v}");
            let e = role(RoleKind::Lead, v).unwrap_err().user_message();
            assert!(e.starts_with("@everyone cannot be the lead role"), "{e}");
            let e = role(RoleKind::Review, v).unwrap_err().user_message();
            assert!(e.starts_with("@everyone cannot be the review role"), "{e}");
        }
        assert_eq!(role(RoleKind::Lead, "1001").unwrap(), Some("1001".into()));
        // A Slack workspace's id is no user group.
        assert!(parse_role(Platform::Slack, "slack:T1", RoleKind::Member, "@everyone").is_err());
    }
}
