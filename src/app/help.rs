//! `/help`: what partnerfit does and the commands the caller may run; `/help command:X`: one command in full
//! (options, who may run it, an example). docs/commands.md is generated from the same declarations by
//! [`markdown`] (`partnerfit help --markdown`), so the reference and the bot cannot disagree.

use super::args::input;
use super::card::{Card, Render, Tone};
use super::spec::{self, CommandSpec, Complete, Kind, COMMANDS};
use super::{App, AppError, AppResult, Ctx, Reply};
use crate::domain::{snippet, Role};
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct Help {
    pub role: crate::domain::Role,
    pub commands: Vec<HelpLine>,
}

#[derive(Debug, Clone, Serialize)]
pub struct HelpLine {
    pub command: String,
    pub description: String,
    pub allowed: bool,
}

impl Render for Help {
    fn card(&self) -> Card {
        let mut card = Card::new("partnerfit — the Ideal Partner Profile, applied every week", Tone::Info).description(
            "Write one profile per partner type (about five observable traits), record evidence, screen every \
             prospect (walk away when more traits are missed than max_misses allows — two misses by default), \
             log where time and money go, and let the weekly and quarterly digests tell you whether they went \
             to partners that fit — and whether the profile is right.\n\
             Ask in plain words too: `does Acme fit?`",
        );
        for c in &self.commands {
            let lock = if c.allowed { "" } else { " 🔒" };
            card = card.line(format!("/{}{lock} — {}", c.command, c.description));
        }
        card.footer(format!(
            "You are a {} here. 🔒 = needs a higher role. /help command:<name> shows one command in full.",
            self.role
        ))
        .list(super::lists::ListId::Help)
    }
}

/// One option of a command, as help shows it.
#[derive(Debug, Clone, Serialize)]
pub struct OptionHelp {
    pub name: String,
    pub required: bool,
    pub description: String,
    /// What values it takes, in words: `a date YYYY-MM-DD`, `one of fit, near-fit, …`.
    pub takes: String,
}

/// One command in full: the reply of `/help command:X` and a section of docs/commands.md.
#[derive(Debug, Clone, Serialize)]
pub struct CommandHelp {
    pub command: String,
    pub description: String,
    /// The least role that may run it.
    pub min_role: Role,
    /// Who may run it, in words (with what the command checks beyond the role).
    pub who: String,
    pub options: Vec<OptionHelp>,
    /// A console line that runs it (Discord shows the same filled-in command).
    pub example: String,
    /// Whether the caller may run it (false in the generated reference, which has no caller).
    pub allowed: bool,
}

/// What values an option takes, in words.
fn takes(kind: Kind) -> String {
    match kind {
        Kind::Text { max, complete } => {
            let hint = match complete {
                Some(Complete::Partner) => ", suggested from the roster",
                Some(Complete::Trait) => ", suggested from the profile's traits",
                Some(Complete::Type) => ", suggested from the partner types",
                None => "",
            };
            format!("text, up to {max} characters{hint}")
        }
        Kind::Number => "a number".into(),
        Kind::Integer { min } => format!("a whole number from {min}"),
        Kind::Bool => "`true` or `false`".into(),
        Kind::Choice(values) => format!(
            "one of {}",
            values
                .iter()
                .map(|v| format!("`{v}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Kind::Date => "a date `YYYY-MM-DD`".into(),
        Kind::Week => "a week `YYYY-Www`, or a date `YYYY-MM-DD` in it".into(),
        Kind::Quarter => "a quarter `YYYY-Qn`".into(),
        Kind::Channel => {
            "a channel (`#name` in a chat; in the console, its id: digits on Discord, `C…` on Slack)".into()
        }
        Kind::Role => "a role, or a user group on Slack (in the console, its id: digits on Discord, `S…` on \
             Slack), or `none` to clear"
            .into(),
        Kind::Attachment => "a CSV file (in the console, its path)".into(),
    }
}

/// Who may run a command, in words.
fn who(c: &CommandSpec) -> String {
    let base = match c.min_role {
        Role::Guest => "everyone (guests, members and leads)",
        Role::Member => "members and leads",
        Role::Lead => "leads only",
    };
    let extra = match c.path {
        [_, "retract"] => "; a member retracts only the records they recorded, a lead any record",
        ["digest", _] => "; `post:true` (post it to the channel) is for leads",
        _ => "",
    };
    format!("{base}{extra}")
}

impl CommandHelp {
    pub fn of(c: &CommandSpec, role: Option<Role>) -> CommandHelp {
        CommandHelp {
            command: c.name(),
            description: c.description.to_string(),
            min_role: c.min_role,
            who: who(c),
            options: c
                .options
                .iter()
                .map(|o| OptionHelp {
                    name: o.name.to_string(),
                    required: o.required,
                    description: o.description.to_string(),
                    takes: takes(o.kind),
                })
                .collect(),
            example: c.example.to_string(),
            allowed: role.is_some_and(|r| r >= c.min_role),
        }
    }
}

impl Render for CommandHelp {
    fn card(&self) -> Card {
        let you = if self.allowed {
            "You may run it."
        } else {
            "🔒 Your role may not run it: ask a lead."
        };
        let mut card = Card::new(format!("/{}", self.command), Tone::Info).description(format!(
            "{}\nWho may run it: {}. {you}",
            self.description, self.who
        ));
        if self.options.is_empty() {
            card = card.field("Options", "none", false);
        }
        for o in &self.options {
            let need = if o.required { "required" } else { "optional" };
            card = card.field(
                format!("{} ({need})", o.name),
                format!("{} — {}", o.description, o.takes),
                false,
            );
        }
        card.field("Example", format!("`{}`", self.example), false)
    }
}

input! {
    /// What `/help` reads.
    pub struct HelpIn {
        command: Option<String>,
    }
}

/// `/help`, or `/help command:X` for one command (a group name lists the group's commands).
pub async fn help(_app: &App, ctx: &Ctx, input: HelpIn) -> AppResult<Reply> {
    answer(ctx, input.command.as_deref())
}

fn answer(ctx: &Ctx, asked: Option<&str>) -> AppResult<Reply> {
    let Some(asked) = asked.filter(|s| !s.trim().is_empty()) else {
        return Ok(Reply::from_typed(overview(ctx, &[])));
    };
    let words: Vec<String> = asked
        .trim()
        .trim_start_matches('/')
        .split_whitespace()
        .map(str::to_lowercase)
        .collect();
    if let Some(c) = spec::find(&words) {
        return Ok(Reply::from_typed(CommandHelp::of(c, Some(ctx.role))));
    }
    let group = overview(ctx, &words);
    if !words.is_empty() && !group.commands.is_empty() {
        return Ok(Reply::from_typed(group));
    }
    let names: Vec<String> = COMMANDS.iter().map(|c| c.name()).collect();
    let hint = super::lookup::closest(&words.join(" "), names.iter().map(String::as_str))
        .map(|c| format!(" Did you mean `{c}`?"))
        .unwrap_or_default();
    Err(AppError::user(format!(
        "There is no command `/{}`.{hint} Type /help for the list.",
        snippet(&words.join(" "))
    )))
}

/// The commands under `prefix` (all of them for an empty prefix), marked by whether the caller may run them.
fn overview(ctx: &Ctx, prefix: &[String]) -> Help {
    let commands = COMMANDS
        .iter()
        .filter(|c| {
            c.path.len() >= prefix.len() && c.path.iter().zip(prefix).all(|(a, b)| *a == b.as_str())
        })
        .map(|c| HelpLine {
            command: c.name(),
            description: c.description.to_string(),
            allowed: ctx.role >= c.min_role,
        })
        .collect();
    Help {
        role: ctx.role,
        commands,
    }
}

/// A table cell: no line breaks, `|` escaped.
fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
}

/// The command reference, docs/commands.md, generated from the declarations in [`spec::COMMANDS`].
pub fn markdown() -> String {
    let mut out = String::new();
    out.push_str(
        "# Commands\n\n\
         <!-- Generated by `partnerfit help --markdown` from src/app/spec.rs: do not edit by hand. \
         A test fails when this file is out of date. -->\n\n\
         The same commands work in Discord (slash commands) and in the console (`partnerfit console`), where a \
         line is written the way\nDiscord shows a filled-in command: \
         `/evidence add partner:\"Acme Corp\" trait:\"Customer overlap\" value:31`. Values with spaces\nare quoted \
         (`\\\"` inside quotes); booleans are `true`/`false`; dates `YYYY-MM-DD`; weeks `YYYY-Www` (or any date in the \
         week);\nquarters `YYYY-Qn`. A question such as `does Acme fit?` or `does Acme fit as a reseller?` — \
         typed in the console, or in a\nDiscord message that mentions the bot — is answered like `/screen`. \
         In the console, `exit` or `quit` (or Ctrl-D) leaves.\n\n\
         **Who is who.** *Leads* have the Manage Server permission or the lead role; *members* have the member role, \
         or are everyone\nin the server while no member role is set; *guests* are everyone else. In the console, \
         `--role lead|member|guest` and\n`--user NAME` say who is typing (default: a lead named `console`). \
         The rules behind every verdict and digest are in\n[method.md](method.md).\n\n\
         | command | what it does | who may run it |\n|---|---|---|\n",
    );
    for c in COMMANDS {
        let h = CommandHelp::of(c, None);
        out.push_str(&format!(
            "| [`/{}`](#{}) | {} | {} |\n",
            h.command,
            h.command.replace(' ', "-"),
            cell(&h.description),
            match h.min_role {
                Role::Guest => "everyone",
                Role::Member => "members",
                Role::Lead => "leads",
            }
        ));
    }
    for c in COMMANDS {
        let h = CommandHelp::of(c, None);
        out.push_str(&format!(
            "\n## `/{}`\n\n{}\n\n**Who may run it:** {}.\n\n",
            h.command, h.description, h.who
        ));
        if h.options.is_empty() {
            out.push_str("No options.\n\n");
        } else {
            out.push_str("| option | | what it is | what it takes |\n|---|---|---|---|\n");
            for o in &h.options {
                out.push_str(&format!(
                    "| `{}` | {} | {} | {} |\n",
                    o.name,
                    if o.required { "required" } else { "optional" },
                    cell(&o.description),
                    cell(&o.takes)
                ));
            }
            out.push('\n');
        }
        out.push_str(&format!("Example:\n\n```text\n{}\n```\n", h.example));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::line::{parse_line, Line};
    use crate::app::Invocation;

    fn help_of(ctx: &Ctx, inv: &Invocation) -> AppResult<Reply> {
        answer(ctx, HelpIn::try_from(inv)?.command.as_deref())
    }

    #[test]
    fn every_example_runs_its_own_command_with_valid_options() {
        for c in COMMANDS {
            let inv = match parse_line(c.example) {
                Ok(Line::Command(inv)) => inv,
                other => panic!("{}: {other:?}", c.name()),
            };
            assert_eq!(inv.path, c.path, "{}", c.example);
            inv.check_against(c)
                .unwrap_or_else(|e| panic!("{}: {}", c.example, e.user_message()));
            for o in c.options.iter().filter(|o| o.required) {
                assert!(
                    inv.args.contains_key(o.name),
                    "{}: no {}",
                    c.example,
                    o.name
                );
            }
        }
    }

    fn ctx(role: Role) -> Ctx {
        Ctx {
            workspace: "w".into(),
            user: "u".into(),
            role,
            channel_id: None,
        }
    }

    #[test]
    fn one_command_in_full() {
        let inv = Invocation::new(&["help"]).with("command", "/Log  hours");
        let r = help_of(&ctx(Role::Guest), &inv).unwrap();
        let j = r.json();
        assert_eq!(j["command"], "log hours");
        assert_eq!(j["who"], "members and leads");
        assert_eq!(j["allowed"], false);
        assert_eq!(j["options"][0]["name"], "partner");
        assert_eq!(j["options"][0]["required"], true);
        assert_eq!(
            j["options"][2]["takes"],
            "a week `YYYY-Www`, or a date `YYYY-MM-DD` in it"
        );
        assert_eq!(
            j["example"],
            "/log hours partner:\"Acme Corp\" hours:6 week:2026-W47"
        );
        let text = r.card.to_text();
        assert!(text.starts_with("/log hours\nLog team hours spent on a partner\nWho may run it: members and leads. 🔒 Your role may not run it: ask a lead."), "{text}");
        assert!(text.contains("week (optional): ISO week like 2026-W47, or a date in it (default this week) — a week `YYYY-Www`, or a date `YYYY-MM-DD` in it"), "{text}");
        assert!(
            text.contains("Example: `/log hours partner:\"Acme Corp\" hours:6 week:2026-W47`"),
            "{text}"
        );
    }

    #[test]
    fn a_group_lists_its_commands_and_a_typo_is_answered() {
        let inv = Invocation::new(&["help"]).with("command", "schedule");
        let j = help_of(&ctx(Role::Member), &inv).unwrap().json();
        let names: Vec<&str> = j["commands"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["command"].as_str().unwrap())
            .collect();
        assert_eq!(
            names,
            [
                "schedule set",
                "schedule pause",
                "schedule resume",
                "schedule show"
            ]
        );
        let inv = Invocation::new(&["help"]).with("command", "scren");
        let e = help_of(&ctx(Role::Member), &inv)
            .unwrap_err()
            .user_message();
        assert_eq!(
            e,
            "There is no command `/scren`. Did you mean `screen`? Type /help for the list."
        );
    }

    #[test]
    fn the_reference_has_every_command_once() {
        let md = markdown();
        for c in COMMANDS {
            assert_eq!(
                md.matches(&format!("\n## `/{}`\n", c.name())).count(),
                1,
                "{}",
                c.name()
            );
            assert!(md.contains(c.example), "{}", c.name());
        }
    }
}
