//! The one declaration of every command: names, descriptions, options and the least role that may run it.
//! Discord registration and the console parser are both generated from [`COMMANDS`].

use crate::domain::Role;

/// How an option's values are suggested while typing (Discord autocomplete).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Complete {
    /// Partner names of the caller's workspace.
    Partner,
    /// Trait names of the partner's profile (or of every active profile).
    Trait,
    /// Partner types, with the profile each has.
    Type,
}

/// The kind of value an option takes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Kind {
    /// Free text up to `max` characters, optionally autocompleted.
    Text {
        max: u16,
        complete: Option<Complete>,
    },
    /// A number (Discord validates it; the console parses it).
    Number,
    /// A whole number at least `min`.
    Integer {
        min: i64,
    },
    Bool,
    /// One of fixed values (Discord choices).
    Choice(&'static [&'static str]),
    /// `YYYY-MM-DD`
    Date,
    /// `YYYY-Www` or a date in the week
    Week,
    /// `YYYY-Qn`
    Quarter,
    /// A Discord channel (the console takes its id).
    Channel,
    /// A Discord role (the console takes its id).
    Role,
    /// A file (Discord attachment; the console takes a path).
    Attachment,
}

/// One option of a command.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Opt {
    pub name: &'static str,
    pub description: &'static str,
    pub kind: Kind,
    pub required: bool,
}

/// One command (a leaf: `/profile trait add` has the path `["profile", "trait", "add"]`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CommandSpec {
    pub path: &'static [&'static str],
    pub description: &'static str,
    /// The least role that may run it (some commands check more inside, e.g. retracting others' records).
    pub min_role: Role,
    pub options: &'static [Opt],
    /// A console line that runs it, shown by `/help COMMAND` and in docs/commands.md (a test parses each).
    pub example: &'static str,
}

impl CommandSpec {
    /// `profile trait add`
    pub fn name(&self) -> String {
        self.path.join(" ")
    }
    pub fn option(&self, name: &str) -> Option<&'static Opt> {
        self.options.iter().find(|o| o.name == name)
    }
}

/// Top-level command groups with their descriptions (Discord needs one per group and subgroup).
pub const GROUPS: &[(&[&str], &str)] = &[
    (&["profile"], "Ideal Partner Profiles: one per partner type"),
    (&["profile", "trait"], "Traits of a profile"),
    (&["partner"], "The partner roster"),
    (&["evidence"], "Evidence of traits, append-only"),
    (&["log"], "Team hours and spend per partner and week"),
    (&["outcome"], "What partners produced"),
    (
        &["digest"],
        "The weekly allocation check and the quarterly re-check",
    ),
    (&["schedule"], "When digests are posted"),
    (&["settings"], "Workspace settings"),
];

pub const TYPES: &[&str] = &["reseller", "si", "tech-isv", "referral"];
pub const STAGES: &[&str] = &["prospect", "signed", "dropped"];
pub const VERDICTS: &[&str] = &["fit", "near-fit", "incomplete", "walk-away"];
pub const OUTCOME_KINDS: &[&str] = &["sourced-pipeline", "registered-deal", "closed-won"];
pub const DIGESTS: &[&str] = &["weekly", "quarterly"];
pub const EXPORTS: &[&str] = &["roster", "evidence", "allocations", "outcomes"];
pub const IMPORTS: &[&str] = &["partners", "evidence", "allocations", "outcomes"];
pub const SETTING_KEYS: &[&str] = &[
    "timezone",
    "max_misses",
    "allocation_target",
    "evidence_max_age_days",
    "min_group",
    "alpha",
    "currency",
];

const fn text(name: &'static str, description: &'static str, required: bool, max: u16) -> Opt {
    Opt {
        name,
        description,
        kind: Kind::Text {
            max,
            complete: None,
        },
        required,
    }
}
const fn opt(name: &'static str, description: &'static str, kind: Kind, required: bool) -> Opt {
    Opt {
        name,
        description,
        kind,
        required,
    }
}

const PARTNER: Opt = opt(
    "partner",
    "Partner name",
    Kind::Text {
        max: 100,
        complete: Some(Complete::Partner),
    },
    true,
);
const TYPE: Opt = opt(
    "type",
    "Partner type: reseller, si, tech-isv or referral",
    Kind::Text {
        max: 20,
        complete: Some(Complete::Type),
    },
    true,
);
const TRAIT: Opt = opt(
    "trait",
    "Trait name",
    Kind::Text {
        max: 100,
        complete: Some(Complete::Trait),
    },
    true,
);
const RECORD_ID: Opt = opt(
    "id",
    "Record id (shown when it was recorded)",
    Kind::Integer { min: 1 },
    true,
);
const REASON: Opt = text("reason", "Why it is retracted", true, 500);
const NOTE: Opt = text("note", "A note", false, 1000);
const DIGEST: Opt = opt("digest", "Which digest", Kind::Choice(DIGESTS), true);
const POST: Opt = opt(
    "post",
    "Post it to the channel (leads) instead of showing a preview to you",
    Kind::Bool,
    false,
);

/// Every command, in the order `/help` lists them.
pub const COMMANDS: &[CommandSpec] = &[
    CommandSpec {
        path: &["screen"],
        description: "Screen a partner (or a name not on the roster yet) against its profile",
        min_role: Role::Guest,
        options: &[
            PARTNER,
            opt(
                "as_of",
                "Screen as of a past date (YYYY-MM-DD)",
                Kind::Date,
                false,
            ),
        ],
        example: "/screen partner:\"Acme Corp\" as_of:2026-06-30",
    },
    CommandSpec {
        path: &["profile", "create"],
        description: "Create the profile of a partner type",
        min_role: Role::Lead,
        options: &[
            TYPE,
            text("name", "Profile name", true, 100),
            text(
                "joint_solution",
                "What the partner sells or implements with us, and what the customer gets",
                false,
                1000,
            ),
        ],
        example: "/profile create type:reseller name:\"Resellers\" joint_solution:\"They resell our platform bundled with onboarding\"",
    },
    CommandSpec {
        path: &["profile", "show"],
        description: "Show a profile and its traits",
        min_role: Role::Guest,
        options: &[TYPE],
        example: "/profile show type:reseller",
    },
    CommandSpec {
        path: &["profile", "list"],
        description: "List the active profiles",
        min_role: Role::Guest,
        options: &[],
        example: "/profile list",
    },
    CommandSpec {
        path: &["profile", "lint"],
        description: "Check a profile for the usual pitfalls",
        min_role: Role::Guest,
        options: &[TYPE],
        example: "/profile lint type:reseller",
    },
    CommandSpec {
        path: &["profile", "history"],
        description: "Every revision of a profile",
        min_role: Role::Guest,
        options: &[TYPE],
        example: "/profile history type:reseller",
    },
    CommandSpec {
        path: &["profile", "retire"],
        description: "Retire the active profile of a type",
        min_role: Role::Lead,
        options: &[TYPE],
        example: "/profile retire type:referral",
    },
    CommandSpec {
        path: &["profile", "trait", "add"],
        description: "Add a trait (with min or max it is a threshold trait, otherwise yes/no)",
        min_role: Role::Lead,
        options: &[
            TYPE,
            text("name", "Trait name, observable before signing", true, 100),
            text(
                "verify_by",
                "How the team observes it before a contract, e.g. Crossbeam overlap report",
                false,
                200,
            ),
            opt("min", "Met when value >= min", Kind::Number, false),
            opt("max", "Met when value <= max", Kind::Number, false),
            text("unit", "Unit of the value, e.g. accounts", false, 40),
        ],
        example: "/profile trait add type:reseller name:\"Customer overlap\" verify_by:\"Crossbeam overlap report\" min:25 unit:accounts",
    },
    CommandSpec {
        path: &["profile", "trait", "remove"],
        description: "Remove a trait from a profile",
        min_role: Role::Lead,
        options: &[TYPE, TRAIT],
        example: "/profile trait remove type:reseller trait:\"Customer overlap\"",
    },
    CommandSpec {
        path: &["partner", "add"],
        description: "Add a partner to the roster as a prospect",
        min_role: Role::Member,
        options: &[
            text("name", "Company name", true, 100),
            TYPE,
            text("champion", "Champion at the partner", false, 100),
            NOTE,
        ],
        example: "/partner add name:\"Acme Corp\" type:reseller champion:\"Jo Smith\"",
    },
    CommandSpec {
        path: &["partner", "show"],
        description: "Show a partner with its screen and records",
        min_role: Role::Guest,
        options: &[PARTNER],
        example: "/partner show partner:\"Acme Corp\"",
    },
    CommandSpec {
        path: &["partner", "list"],
        description: "List the roster",
        min_role: Role::Guest,
        options: &[
            opt(
                "type",
                "Only this type",
                Kind::Text {
                    max: 20,
                    complete: Some(Complete::Type),
                },
                false,
            ),
            opt("stage", "Only this stage", Kind::Choice(STAGES), false),
            opt(
                "verdict",
                "Only this verdict",
                Kind::Choice(VERDICTS),
                false,
            ),
        ],
        example: "/partner list type:reseller verdict:incomplete",
    },
    CommandSpec {
        path: &["partner", "sign"],
        description: "Mark a partner signed",
        min_role: Role::Lead,
        options: &[
            PARTNER,
            opt("date", "Signing date (default today)", Kind::Date, false),
        ],
        example: "/partner sign partner:\"Acme Corp\" date:2026-11-02",
    },
    CommandSpec {
        path: &["partner", "drop"],
        description: "Drop a partner, with the reason",
        min_role: Role::Lead,
        options: &[
            PARTNER,
            text(
                "reason",
                "Why, e.g. walked away: missed 2 traits",
                true,
                500,
            ),
            opt("date", "Date (default today)", Kind::Date, false),
        ],
        example: "/partner drop partner:\"Globex\" reason:\"walked away: missed 2 traits\"",
    },
    CommandSpec {
        path: &["evidence", "add"],
        description: "Record evidence of a trait for a partner",
        min_role: Role::Member,
        options: &[
            PARTNER,
            TRAIT,
            opt("met", "Yes/no traits: was it met?", Kind::Bool, false),
            opt(
                "value",
                "Threshold traits: the observed number",
                Kind::Number,
                false,
            ),
            text(
                "source",
                "Where it comes from (a link or a report)",
                false,
                500,
            ),
            NOTE,
            opt(
                "observed",
                "When it was observed (default today)",
                Kind::Date,
                false,
            ),
        ],
        example: "/evidence add partner:\"Acme Corp\" trait:\"Customer overlap\" value:31 source:\"overlap report\"",
    },
    CommandSpec {
        path: &["evidence", "list"],
        description: "Every evidence record of a partner",
        min_role: Role::Guest,
        options: &[PARTNER],
        example: "/evidence list partner:\"Acme Corp\"",
    },
    CommandSpec {
        path: &["evidence", "retract"],
        description: "Retract an evidence record (members: their own)",
        min_role: Role::Member,
        options: &[RECORD_ID, REASON],
        example: "/evidence retract id:12 reason:\"wrong partner\"",
    },
    CommandSpec {
        path: &["log", "hours"],
        description: "Log team hours spent on a partner",
        min_role: Role::Member,
        options: &[
            PARTNER,
            opt("hours", "Hours (0 to 168)", Kind::Number, true),
            opt(
                "week",
                "ISO week like 2026-W47, or a date in it (default this week)",
                Kind::Week,
                false,
            ),
            NOTE,
        ],
        example: "/log hours partner:\"Acme Corp\" hours:6 week:2026-W47",
    },
    CommandSpec {
        path: &["log", "spend"],
        description: "Log money spent on a partner (MDF, events, enablement)",
        min_role: Role::Member,
        options: &[
            PARTNER,
            text("amount", "Amount, e.g. 1200 or $1,200.50", true, 40),
            opt(
                "week",
                "ISO week like 2026-W47, or a date in it (default this week)",
                Kind::Week,
                false,
            ),
            NOTE,
        ],
        example: "/log spend partner:\"Acme Corp\" amount:1,200 note:\"joint webinar\"",
    },
    CommandSpec {
        path: &["log", "retract"],
        description: "Retract an hours or spend entry (members: their own)",
        min_role: Role::Member,
        options: &[RECORD_ID, REASON],
        example: "/log retract id:31 reason:\"logged twice\"",
    },
    CommandSpec {
        path: &["outcome", "add"],
        description: "Record what a partner produced",
        min_role: Role::Member,
        options: &[
            PARTNER,
            opt(
                "kind",
                "What kind of outcome",
                Kind::Choice(OUTCOME_KINDS),
                true,
            ),
            text(
                "amount",
                "Amount (optional for a registered deal)",
                false,
                40,
            ),
            opt(
                "date",
                "When (default today, not in the future)",
                Kind::Date,
                false,
            ),
            text("ref", "CRM reference", false, 200),
        ],
        example: "/outcome add partner:\"Acme Corp\" kind:sourced-pipeline amount:25,000 date:2026-11-20 ref:OPP-1042",
    },
    CommandSpec {
        path: &["outcome", "retract"],
        description: "Retract an outcome (members: their own)",
        min_role: Role::Member,
        options: &[RECORD_ID, REASON],
        example: "/outcome retract id:7 reason:\"the deal was counted twice\"",
    },
    CommandSpec {
        path: &["digest", "weekly"],
        description: "The weekly allocation check (preview, or post it)",
        min_role: Role::Member,
        options: &[
            opt(
                "week",
                "ISO week (default the week that just ended)",
                Kind::Week,
                false,
            ),
            POST,
        ],
        example: "/digest weekly week:2026-W47",
    },
    CommandSpec {
        path: &["digest", "quarterly"],
        description: "The quarterly re-check of the profiles (preview, or post it)",
        min_role: Role::Member,
        options: &[
            opt(
                "quarter",
                "Quarter like 2026-Q3 (default the quarter that just ended)",
                Kind::Quarter,
                false,
            ),
            POST,
        ],
        example: "/digest quarterly quarter:2026-Q3",
    },
    CommandSpec {
        path: &["schedule", "set"],
        description: "Schedule a digest: cron expression and channel",
        min_role: Role::Lead,
        options: &[
            DIGEST,
            text(
                "cron",
                "Cron expression in the workspace time zone, e.g. 0 9 * * MON",
                true,
                100,
            ),
            opt("channel", "Channel to post in", Kind::Channel, true),
        ],
        example: "/schedule set digest:weekly cron:\"0 9 * * MON\" channel:123456789012345678",
    },
    CommandSpec {
        path: &["schedule", "pause"],
        description: "Pause a digest",
        min_role: Role::Lead,
        options: &[DIGEST],
        example: "/schedule pause digest:quarterly",
    },
    CommandSpec {
        path: &["schedule", "resume"],
        description: "Resume a paused digest",
        min_role: Role::Lead,
        options: &[DIGEST],
        example: "/schedule resume digest:quarterly",
    },
    CommandSpec {
        path: &["schedule", "show"],
        description: "Show the digest schedules and their next runs",
        min_role: Role::Member,
        options: &[],
        example: "/schedule show",
    },
    CommandSpec {
        path: &["settings", "show"],
        description: "Show the workspace settings",
        min_role: Role::Member,
        options: &[],
        example: "/settings show",
    },
    CommandSpec {
        path: &["settings", "set"],
        description: "Change a workspace setting",
        min_role: Role::Lead,
        options: &[
            opt("key", "Which setting", Kind::Choice(SETTING_KEYS), true),
            text("value", "New value", true, 100),
        ],
        example: "/settings set key:timezone value:Europe/Berlin",
    },
    CommandSpec {
        path: &["settings", "roles"],
        description: "Set the lead, member and review roles",
        min_role: Role::Lead,
        options: &[
            opt("lead", "Role whose members are leads", Kind::Role, false),
            opt(
                "member",
                "Role whose members are members (default: everyone)",
                Kind::Role,
                false,
            ),
            opt(
                "review",
                "Role mentioned by the quarterly digest (sales, RevOps)",
                Kind::Role,
                false,
            ),
        ],
        example: "/settings roles lead:123456789012345678",
    },
    CommandSpec {
        path: &["export"],
        description: "Export data as CSV",
        min_role: Role::Member,
        options: &[opt("what", "What to export", Kind::Choice(EXPORTS), true)],
        example: "/export what:roster",
    },
    CommandSpec {
        path: &["import"],
        description: "Import a CSV file, all or nothing",
        min_role: Role::Lead,
        options: &[
            opt("what", "What the file holds", Kind::Choice(IMPORTS), true),
            opt("file", "The CSV file", Kind::Attachment, true),
            opt(
                "dry_run",
                "Only report what would change",
                Kind::Bool,
                false,
            ),
        ],
        example: "/import what:evidence file:tests/fixtures/evidence.csv dry_run:true",
    },
    CommandSpec {
        path: &["help"],
        description: "What partnerfit does and its commands, or one command in full",
        min_role: Role::Guest,
        options: &[text(
            "command",
            "A command, e.g. screen or log hours: its options, who may run it, an example",
            false,
            60,
        )],
        example: "/help command:\"log hours\"",
    },
];

/// The command with this path (case-insensitive).
pub fn find<S: AsRef<str>>(path: &[S]) -> Option<&'static CommandSpec> {
    COMMANDS.iter().find(|c| {
        c.path.len() == path.len()
            && c.path
                .iter()
                .zip(path)
                .all(|(a, b)| a.eq_ignore_ascii_case(b.as_ref()))
    })
}

/// The description of a group path, if it is one.
pub fn group_description(path: &[&str]) -> Option<&'static str> {
    GROUPS.iter().find(|(p, _)| *p == path).map(|(_, d)| *d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn discord_limits_hold_for_every_command() {
        let name_ok = |s: &str| {
            !s.is_empty()
                && s.len() <= 32
                && s.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
        };
        for c in COMMANDS {
            assert!(c.path.iter().all(|p| name_ok(p)), "{:?}", c.path);
            assert!(
                !c.description.is_empty() && c.description.chars().count() <= 100,
                "{}",
                c.name()
            );
            assert!(c.options.len() <= 25);
            let mut seen_optional = false;
            for o in c.options {
                assert!(name_ok(o.name), "{}", o.name);
                assert!(o.description.chars().count() <= 100, "{}", o.description);
                // Discord requires required options before optional ones.
                assert!(
                    !(o.required && seen_optional),
                    "{}: {} after an optional",
                    c.name(),
                    o.name
                );
                seen_optional |= !o.required;
            }
            for depth in 1..c.path.len() {
                assert!(
                    group_description(&c.path[..depth]).is_some(),
                    "group {:?}",
                    &c.path[..depth]
                );
            }
        }
    }

    #[test]
    fn paths_are_unique_and_findable() {
        for c in COMMANDS {
            assert_eq!(find(c.path), Some(c));
            assert_eq!(COMMANDS.iter().filter(|d| d.path == c.path).count(), 1);
        }
        assert!(find(&["Profile", "TRAIT", "add"]).is_some());
        assert!(find(&["profile"]).is_none());
    }
}
