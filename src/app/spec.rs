//! The one declaration of every command: names, descriptions, options, the least role that may run it, how a
//! chat answers it, and its handler. Discord registration, the text grammar of the console (and of every chat
//! that takes commands as text), `/help` and [`super::dispatch`] all read [`COMMANDS`]; a command cannot be
//! declared without its handler, and the handler reads its options through the typed input it names (see
//! [`super::args::input`]), whose fields a test holds equal to the declared options.

use super::args::{Input, NoOptions};
use super::{
    digest, evidence, help, partners, profiles, records, schedules, screen, settings, transfer,
};
use super::{App, AppResult, Ctx, Invocation, Reply};
use crate::domain::text::{
    AMOUNT, CHAMPION, CRON, JOINT_SOLUTION, NOTE, PARTNER_TYPE, PROFILE_NAME, REASON, REFERENCE,
    SETTING_VALUE, SOURCE, TRAIT_NAME, UNIT, VERIFY_BY,
};
use crate::domain::{DigestKind, OutcomeKind, PartnerName, Role, Stage, Verdict};
use futures_util::future::BoxFuture;

mod decl;
use decl::{opt, text};
pub use decl::{Answer, CommandSpec, Complete, Handler, Kind, Opt, Run};

/// Bind a use case `async fn(&App, &Ctx, Input) -> AppResult<Reply>` to a command: `handler!(module::function,
/// module::Input)`. The input is parsed from the invocation (a user error when an option's value is wrong)
/// before the use case runs.
macro_rules! handler {
    ($run:path, $input:ty) => {{
        fn run<'a>(
            app: &'a App,
            ctx: &'a Ctx,
            inv: &'a Invocation,
        ) -> BoxFuture<'a, AppResult<Reply>> {
            Box::pin(async move { $run(app, ctx, <$input>::try_from(inv)?).await })
        }
        fn reads() -> &'static [&'static str] {
            <$input as Input>::OPTIONS
        }
        Handler { run, reads }
    }};
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

/// The partner a command is about (autocompleted).
pub const PARTNER: Opt = opt(
    "partner",
    "Partner name",
    Kind::Text {
        max: PartnerName::MAX_CHARS,
        complete: Some(Complete::Partner),
    },
    true,
);
/// The partner type a command is about (autocompleted; a test holds the description to the domain's
/// partner types).
pub const TYPE: Opt = opt(
    "type",
    "Partner type: reseller, si, tech-isv or referral",
    Kind::Text {
        max: PARTNER_TYPE.max,
        complete: Some(Complete::Type),
    },
    true,
);
/// The trait a command is about (autocompleted from the partner's or the type's profile).
pub const TRAIT: Opt = opt(
    "trait",
    "Trait name",
    Kind::Text {
        max: TRAIT_NAME.max,
        complete: Some(Complete::Trait),
    },
    true,
);
/// Where a piece of evidence comes from (the evidence form shows the trait's `verify_by` as its hint).
pub const SOURCE_OPT: Opt = text(
    "source",
    "Where it comes from (a link or a report)",
    false,
    SOURCE.max,
);
/// The record a retraction is about: the id its reply showed (`/evidence`, `/log` and `/outcome retract`).
const RECORD_ID: Opt = opt(
    "id",
    "Record id (shown when it was recorded)",
    Kind::Integer { min: 1 },
    true,
);
/// Why a record is retracted (kept with the retraction).
const REASON_OPT: Opt = text("reason", "Why it is retracted", true, REASON.max);
/// A free note kept with a partner or a record.
const NOTE_OPT: Opt = text("note", "A note", false, NOTE.max);
/// The week hours or spend are logged for (default the current week).
const WEEK_OPT: Opt = opt(
    "week",
    "ISO week like 2026-W47, or a date in it (default this week)",
    Kind::Week,
    false,
);
/// Which digest a schedule command is about (the domain's digest kinds).
const DIGEST: Opt = opt(
    "digest",
    "Which digest",
    Kind::Choice(DigestKind::NAMES),
    true,
);
/// Post a digest to the channel instead of previewing it.
pub const POST: Opt = opt(
    "post",
    "Post it to the channel (leads) instead of showing a preview to you",
    Kind::Bool,
    false,
);

// The commands other modules name (a form, a button or a page of a list runs or answers as one of them): declared
// here by name, and listed in COMMANDS at their places like every other command.

/// `/screen`: the verdict of a partner against its type's profile; a name not on the roster gets the traits
/// to check. Its path names the Slack mention's and the screen buttons' answers, its role their refusals.
pub const SCREEN: CommandSpec = CommandSpec {
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
    answer: Answer::Now,
    handler: handler!(screen::screen_command, screen::ScreenIn),
};

/// `/profile history`: a list shown page by page.
pub const PROFILE_HISTORY: CommandSpec = CommandSpec {
    path: &["profile", "history"],
    description: "Every revision of a profile",
    min_role: Role::Guest,
    options: &[TYPE],
    example: "/profile history type:reseller",
    answer: Answer::Now,
    handler: handler!(profiles::history, profiles::TypeIn),
};

/// `/partner list`: the roster, a list shown page by page (its filters carried by the page buttons).
pub const PARTNER_LIST: CommandSpec = CommandSpec {
    path: &["partner", "list"],
    description: "List the roster",
    min_role: Role::Guest,
    options: &[
        opt(
            "type",
            "Only this type",
            Kind::Text {
                max: PARTNER_TYPE.max,
                complete: Some(Complete::Type),
            },
            false,
        ),
        opt(
            "stage",
            "Only this stage",
            Kind::Choice(Stage::NAMES),
            false,
        ),
        opt(
            "verdict",
            "Only this verdict",
            Kind::Choice(Verdict::NAMES),
            false,
        ),
    ],
    example: "/partner list type:reseller verdict:incomplete",
    answer: Answer::Now,
    handler: handler!(partners::list, partners::ListIn),
};

/// `/evidence add`: also what the evidence forms (Discord's modal, Slack's `evidence add` alone) record with,
/// their fields its options, their refusal its role.
pub const EVIDENCE_ADD: CommandSpec = CommandSpec {
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
        SOURCE_OPT,
        NOTE_OPT,
        opt(
            "observed",
            "When it was observed (default today)",
            Kind::Date,
            false,
        ),
    ],
    example: "/evidence add partner:\"Acme Corp\" trait:\"Customer overlap\" value:31 source:\"overlap report\"",
    answer: Answer::Now,
    handler: handler!(evidence::add, evidence::AddIn),
};

/// `/evidence list`: a list shown page by page.
pub const EVIDENCE_LIST: CommandSpec = CommandSpec {
    path: &["evidence", "list"],
    description: "Every evidence record of a partner",
    min_role: Role::Guest,
    options: &[PARTNER],
    example: "/evidence list partner:\"Acme Corp\"",
    answer: Answer::Now,
    handler: handler!(evidence::list, partners::PartnerIn),
};

/// `/help`: also what Slack's command without words answers, a list shown page by page.
pub const HELP: CommandSpec = CommandSpec {
    path: &["help"],
    description: "What partnerfit does and its commands, or one command in full",
    min_role: Role::Guest,
    options: &[text(
        "command",
        "A command, e.g. screen or log hours: its options, who may run it, an example",
        false,
        60,
    )],
    answer: Answer::Now,
    handler: handler!(help::help, help::HelpIn),
    example: "/help command:\"log hours\"",
};

/// Every command, in the order `/help` lists them.
pub static COMMANDS: &[CommandSpec] = &[
    SCREEN,
    CommandSpec {
        path: &["profile", "create"],
        description: "Create the profile of a partner type",
        min_role: Role::Lead,
        options: &[
            TYPE,
            text("name", "Profile name", true, PROFILE_NAME.max),
            text(
                "joint_solution",
                "What the partner sells or implements with us, and what the customer gets",
                false,
                JOINT_SOLUTION.max,
            ),
        ],
        example: "/profile create type:reseller name:\"Resellers\" joint_solution:\"They resell our platform bundled with onboarding\"",
        answer: Answer::Now,
        handler: handler!(profiles::create, profiles::CreateIn),
    },
    CommandSpec {
        path: &["profile", "show"],
        description: "Show a profile and its traits",
        min_role: Role::Guest,
        options: &[TYPE],
        example: "/profile show type:reseller",
        answer: Answer::Now,
        handler: handler!(profiles::show, profiles::TypeIn),
    },
    CommandSpec {
        path: &["profile", "list"],
        description: "List the active profiles",
        min_role: Role::Guest,
        options: &[],
        example: "/profile list",
        answer: Answer::Now,
        handler: handler!(profiles::list, NoOptions),
    },
    CommandSpec {
        path: &["profile", "lint"],
        description: "Check a profile for the usual pitfalls",
        min_role: Role::Guest,
        options: &[TYPE],
        example: "/profile lint type:reseller",
        answer: Answer::Now,
        handler: handler!(profiles::lint, profiles::TypeIn),
    },
    PROFILE_HISTORY,
    CommandSpec {
        path: &["profile", "retire"],
        description: "Retire the active profile of a type",
        min_role: Role::Lead,
        options: &[TYPE],
        example: "/profile retire type:referral",
        answer: Answer::Now,
        handler: handler!(profiles::retire, profiles::TypeIn),
    },
    CommandSpec {
        path: &["profile", "trait", "add"],
        description: "Add a trait (with min or max it is a threshold trait, otherwise yes/no)",
        min_role: Role::Lead,
        options: &[
            TYPE,
            text(
                "name",
                "Trait name, observable before signing",
                true,
                TRAIT_NAME.max,
            ),
            text(
                "verify_by",
                "How the team observes it before a contract, e.g. Crossbeam overlap report",
                false,
                VERIFY_BY.max,
            ),
            opt("min", "Met when value >= min", Kind::Number, false),
            opt("max", "Met when value <= max", Kind::Number, false),
            text("unit", "Unit of the value, e.g. accounts", false, UNIT.max),
        ],
        example: "/profile trait add type:reseller name:\"Customer overlap\" verify_by:\"Crossbeam overlap report\" min:25 unit:accounts",
        answer: Answer::Now,
        handler: handler!(profiles::trait_add, profiles::TraitAddIn),
    },
    CommandSpec {
        path: &["profile", "trait", "remove"],
        description: "Remove a trait from a profile",
        min_role: Role::Lead,
        options: &[TYPE, TRAIT],
        example: "/profile trait remove type:reseller trait:\"Customer overlap\"",
        answer: Answer::Now,
        handler: handler!(profiles::trait_remove, profiles::TraitRemoveIn),
    },
    CommandSpec {
        path: &["partner", "add"],
        description: "Add a partner to the roster as a prospect",
        min_role: Role::Member,
        options: &[
            text("name", "Company name", true, PartnerName::MAX_CHARS),
            TYPE,
            text("champion", "Champion at the partner", false, CHAMPION.max),
            NOTE_OPT,
        ],
        example: "/partner add name:\"Acme Corp\" type:reseller champion:\"Jo Smith\"",
        answer: Answer::Now,
        handler: handler!(partners::add, partners::AddIn),
    },
    CommandSpec {
        path: &["partner", "show"],
        description: "Show a partner with its screen and records",
        min_role: Role::Guest,
        options: &[PARTNER],
        example: "/partner show partner:\"Acme Corp\"",
        answer: Answer::Now,
        handler: handler!(partners::show, partners::PartnerIn),
    },
    PARTNER_LIST,
    CommandSpec {
        path: &["partner", "sign"],
        description: "Mark a partner signed",
        min_role: Role::Lead,
        options: &[
            PARTNER,
            opt("date", "Signing date (default today)", Kind::Date, false),
        ],
        example: "/partner sign partner:\"Acme Corp\" date:2026-11-02",
        answer: Answer::Now,
        handler: handler!(partners::sign, partners::SignIn),
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
                REASON.max,
            ),
            opt("date", "Date (default today)", Kind::Date, false),
        ],
        example: "/partner drop partner:\"Globex\" reason:\"walked away: missed 2 traits\"",
        answer: Answer::Now,
        handler: handler!(partners::drop, partners::DropIn),
    },
    CommandSpec {
        path: &["partner", "rename"],
        description: "Rename a partner (after an acquisition): it keeps its records, the old name its history",
        min_role: Role::Lead,
        options: &[
            PARTNER,
            text(
                "name",
                "The new company name",
                true,
                PartnerName::MAX_CHARS,
            ),
        ],
        example: "/partner rename partner:\"Acme Corp\" name:\"Acme Holdings\"",
        answer: Answer::Now,
        handler: handler!(partners::rename, partners::RenameIn),
    },
    EVIDENCE_ADD,
    EVIDENCE_LIST,
    CommandSpec {
        path: &["evidence", "retract"],
        description: "Retract an evidence record (members: their own)",
        min_role: Role::Member,
        example: "/evidence retract id:12 reason:\"wrong partner\"",
        options: &[RECORD_ID, REASON_OPT],
        answer: Answer::Now,
        handler: handler!(evidence::retract, evidence::RetractIn),
    },
    CommandSpec {
        path: &["log", "hours"],
        description: "Log team hours spent on a partner",
        min_role: Role::Member,
        options: &[
            PARTNER,
            opt("hours", "Hours (more than 0; at most 168 per partner per week in all)", Kind::Number, true),
            WEEK_OPT,
            NOTE_OPT,
        ],
        example: "/log hours partner:\"Acme Corp\" hours:6 week:2026-W47",
        answer: Answer::Now,
        handler: handler!(records::log_hours, records::HoursIn),
    },
    CommandSpec {
        path: &["log", "spend"],
        description: "Log money spent on a partner (MDF, events, enablement)",
        min_role: Role::Member,
        options: &[
            PARTNER,
            text("amount", "Amount, e.g. 1200 or $1,200.50 (at most a trillion per partner per week in all)", true, AMOUNT.max),
            WEEK_OPT,
            NOTE_OPT,
        ],
        example: "/log spend partner:\"Acme Corp\" amount:1,200 note:\"joint webinar\"",
        answer: Answer::Now,
        handler: handler!(records::log_spend, records::SpendIn),
    },
    CommandSpec {
        path: &["log", "retract"],
        description: "Retract an hours or spend entry (members: their own)",
        min_role: Role::Member,
        example: "/log retract id:31 reason:\"logged twice\"",
        options: &[RECORD_ID, REASON_OPT],
        answer: Answer::Now,
        handler: handler!(records::log_retract, evidence::RetractIn),
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
                Kind::Choice(OutcomeKind::NAMES),
                true,
            ),
            text(
                "amount",
                "Amount (optional for a registered deal)",
                false,
                AMOUNT.max,
            ),
            opt(
                "date",
                "When (default today, not in the future)",
                Kind::Date,
                false,
            ),
            text("ref", "CRM reference", false, REFERENCE.max),
        ],
        example: "/outcome add partner:\"Acme Corp\" kind:sourced-pipeline amount:25,000 date:2026-11-20 ref:OPP-1042",
        answer: Answer::Now,
        handler: handler!(records::outcome_add, records::OutcomeIn),
    },
    CommandSpec {
        path: &["outcome", "retract"],
        description: "Retract an outcome (members: their own)",
        min_role: Role::Member,
        example: "/outcome retract id:7 reason:\"the deal was counted twice\"",
        options: &[RECORD_ID, REASON_OPT],
        answer: Answer::Now,
        handler: handler!(records::outcome_retract, evidence::RetractIn),
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
        answer: Answer::LaterPrivate,
        handler: handler!(digest::weekly_command, digest::WeeklyIn),
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
        answer: Answer::LaterPrivate,
        handler: handler!(digest::quarterly_command, digest::QuarterlyIn),
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
                CRON.max,
            ),
            opt("channel", "Channel to post in", Kind::Channel, true),
        ],
        example: "/schedule set digest:weekly cron:\"0 9 * * MON\" channel:123456789012345678",
        answer: Answer::Now,
        handler: handler!(schedules::set, schedules::SetIn),
    },
    CommandSpec {
        path: &["schedule", "pause"],
        description: "Pause a digest",
        min_role: Role::Lead,
        options: &[DIGEST],
        example: "/schedule pause digest:quarterly",
        answer: Answer::Now,
        handler: handler!(schedules::pause, schedules::DigestIn),
    },
    CommandSpec {
        path: &["schedule", "resume"],
        description: "Resume a paused digest",
        min_role: Role::Lead,
        options: &[DIGEST],
        example: "/schedule resume digest:quarterly",
        answer: Answer::Now,
        handler: handler!(schedules::resume, schedules::DigestIn),
    },
    CommandSpec {
        path: &["schedule", "show"],
        description: "Show the digest schedules and their next runs",
        min_role: Role::Member,
        options: &[],
        example: "/schedule show",
        answer: Answer::Now,
        handler: handler!(schedules::show, NoOptions),
    },
    CommandSpec {
        path: &["settings", "show"],
        description: "Show the workspace settings",
        min_role: Role::Member,
        options: &[],
        example: "/settings show",
        answer: Answer::Now,
        handler: handler!(settings::show, NoOptions),
    },
    CommandSpec {
        path: &["settings", "set"],
        description: "Change a workspace setting",
        min_role: Role::Lead,
        options: &[
            opt(
                "key",
                "Which setting",
                Kind::Choice(settings::SettingKey::NAMES),
                true,
            ),
            text("value", "New value", true, SETTING_VALUE.max),
        ],
        example: "/settings set key:timezone value:Europe/Berlin",
        answer: Answer::Now,
        handler: handler!(settings::set, settings::SetIn),
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
        answer: Answer::Now,
        handler: handler!(settings::roles, settings::RolesIn),
    },
    CommandSpec {
        path: &["export"],
        description: "Export data as CSV",
        min_role: Role::Member,
        example: "/export what:roster",
        options: &[opt(
            "what",
            "What to export",
            Kind::Choice(transfer::ExportKind::NAMES),
            true,
        )],
        answer: Answer::LaterPrivate,
        handler: handler!(transfer::export_command, transfer::ExportIn),
    },
    CommandSpec {
        path: &["import"],
        description: "Import a CSV file, all or nothing",
        min_role: Role::Lead,
        options: &[
            opt(
                "what",
                "What the file holds",
                Kind::Choice(transfer::ImportKind::NAMES),
                true,
            ),
            opt("file", "The CSV file", Kind::Attachment, true),
            opt(
                "dry_run",
                "Only report what would change",
                Kind::Bool,
                false,
            ),
            opt(
                "allow_similar",
                "Create new partners even when a name is a typo away from another (they are different)",
                Kind::Bool,
                false,
            ),
        ],
        example: "/import what:evidence file:tests/fixtures/evidence.csv dry_run:true",
        answer: Answer::Later,
        handler: handler!(transfer::import_command, transfer::ImportIn<'_>),
    },
    HELP,
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
mod tests;
