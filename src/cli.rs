//! The command line: `partnerfit run|console|digest|import|export|migrate|demo|doctor|help`, their options, and the
//! start-up every subcommand shares (config, tracing, store).

mod demo;
mod digest;
mod doctor;
mod logging;
mod note;

use crate::app::transfer::{ExportKind, ExportTo, ImportFile, ImportKind};
use crate::app::{App, Ctx};
use crate::config::{redact_error, redact_url, Config, ConfigError, Overrides};
use crate::domain::Role;
pub use crate::fatal::Fatal;
use crate::service::ServiceStatus;
use crate::store::{Store, StoreError};
use clap::builder::PossibleValuesParser;
use clap::{Args, Parser, Subcommand};
pub use logging::{init_tracing, report_fatal};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "partnerfit",
    version,
    about = "The Ideal Partner Profile, applied every week: a Discord bot and console for partnerships teams",
    disable_help_subcommand = true
)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

/// The options given before the subcommand (`partnerfit --workspace demo digest weekly`), merged with the same
/// options given after it by [`Cli::global`]. Each subcommand takes, and its `--help` lists, only the ones
/// that apply to it.
#[derive(Debug, Clone, Default, Args)]
pub struct Global {
    #[command(flatten)]
    pub place: Place,
    #[command(flatten)]
    pub workspace: WorkspaceOpt,
    #[command(flatten)]
    pub json: JsonOpt,
}

/// Where the configuration and the data are: every subcommand that reads either takes these.
#[derive(Clone, Default, Args)]
pub struct Place {
    /// Config file (default: config/partnerfit.toml when it exists)
    #[arg(long, env = "PARTNERFIT_CONFIG", value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// Database URL: sqlite://FILE (default sqlite://partnerfit.db) or postgres://USER@HOST/DB
    #[arg(long, env = "PARTNERFIT_DATABASE_URL", value_name = "URL")]
    pub database: Option<String>,
}

/// The workspace a subcommand acts on (the bot uses each Discord server's own).
#[derive(Debug, Clone, Default, Args)]
pub struct WorkspaceOpt {
    /// Workspace to act on (default: local)
    #[arg(long, env = "PARTNERFIT_WORKSPACE", value_name = "ID")]
    pub workspace: Option<String>,
}

/// Machine-readable output, for the subcommands that print replies.
#[derive(Debug, Clone, Default, Args)]
pub struct JsonOpt {
    /// Machine-readable output (console: one JSON object per input line; digest: the digest object)
    #[arg(long)]
    pub json: bool,
}

/// Hides the database password (see [`crate::config::redact_url`]).
impl std::fmt::Debug for Place {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Place")
            .field("config", &self.config)
            .field(
                "database",
                &self.database.as_deref().map(crate::config::redact_url),
            )
            .finish()
    }
}

impl Cli {
    /// The options before the subcommand, overridden by the same options after it.
    pub fn global(&self) -> Global {
        let mut g = self.global.clone();
        let (place, workspace, json) = self.command.options();
        if let Some(p) = place {
            if p.config.is_some() {
                g.place.config = p.config.clone();
            }
            if p.database.is_some() {
                g.place.database = p.database.clone();
            }
        }
        if let Some(w) = workspace.and_then(|w| w.workspace.clone()) {
            g.workspace.workspace = Some(w);
        }
        g.json.json |= json.is_some_and(|j| j.json);
        g
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the bot on Discord (DISCORD_TOKEN) and/or Slack (SLACK_BOT_TOKEN + SLACK_APP_TOKEN): connect,
    /// answer the commands, post scheduled digests
    Run(RunArgs),
    /// The same commands, typed as text: a prompt on a terminal, one command per line from a pipe
    Console(ConsoleArgs),
    /// Print a digest: the weekly allocation check or the quarterly re-check
    #[command(subcommand)]
    Digest(DigestCommand),
    /// Bulk load a CSV file, all-or-nothing, with line-numbered errors
    Import(ImportArgs),
    /// Write CSV to stdout or a file
    Export(ExportArgs),
    /// Apply database migrations (every command that opens the database applies them too, except `doctor`)
    Migrate(MigrateArgs),
    /// Check the setup before `partnerfit run`: config, database, Discord token and intents, each scheduled
    /// digest's channel and permissions, next fire times (and Slack's token when set); exit 0 only when all pass
    Doctor(DoctorArgs),
    /// Fill an empty workspace (default: demo) with a sample team: two profiles, 40 partners, half a year of
    /// hours and spend, two quarters of outcomes
    Demo(DemoArgs),
    /// Print help: of the command line, of a subcommand (`help digest weekly`), or with --markdown the
    /// reference of the chat and console commands (docs/commands.md)
    Help(HelpArgs),
    /// Fill a workspace with a deterministic data set of a given size, for benchmarks (see BENCHMARKS.md)
    #[command(hide = true)]
    Generate(GenerateArgs),
}

impl Command {
    /// The shared options this subcommand takes (None: it does not take them).
    fn options(&self) -> (Option<&Place>, Option<&WorkspaceOpt>, Option<&JsonOpt>) {
        match self {
            Command::Run(a) => (Some(&a.place), None, None),
            Command::Console(a) => (Some(&a.place), Some(&a.workspace), Some(&a.json)),
            Command::Digest(d) => {
                let opts = d.opts();
                (Some(&opts.place), Some(&opts.workspace), Some(&opts.json))
            }
            Command::Import(a) => (Some(&a.place), Some(&a.workspace), None),
            Command::Export(a) => (Some(&a.place), Some(&a.workspace), None),
            Command::Migrate(a) => (Some(&a.place), None, None),
            Command::Demo(a) => (Some(&a.place), Some(&a.workspace), None),
            Command::Doctor(a) => (Some(&a.place), None, Some(&a.json)),
            Command::Help(_) => (None, None, None),
            Command::Generate(a) => (Some(&a.place), Some(&a.workspace), None),
        }
    }
}

#[derive(Debug, Clone, Default, Args)]
pub struct MigrateArgs {
    #[command(flatten)]
    pub place: Place,
}

#[derive(Debug, Clone, Default, Args)]
pub struct DoctorArgs {
    #[command(flatten)]
    pub place: Place,
    /// One JSON object: `ok` and the `checks`, each with name, ok, detail and fix
    #[command(flatten)]
    pub json: JsonOpt,
}

#[derive(Debug, Clone, Default, Args)]
pub struct DemoArgs {
    #[command(flatten)]
    pub place: Place,
    /// Workspace to fill (default: demo); it must hold no profiles, partners or schedules
    #[command(flatten)]
    pub workspace: WorkspaceOpt,
}

#[derive(Debug, Clone, Args)]
pub struct HelpArgs {
    /// Print the reference of every chat and console command as Markdown (docs/commands.md is this output)
    #[arg(long)]
    pub markdown: bool,
    /// The subcommand to explain, e.g. `digest weekly`
    pub command: Vec<String>,
}

#[derive(Debug, Clone, Args)]
pub struct GenerateArgs {
    /// How many partners, across the four types: 1 to 1,000,000
    #[arg(long, default_value_t = 10_000, value_parser = parse_partners)]
    pub partners: usize,
    /// The random seed: the same seed, size and end date give the same rows
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// The last day of the two years of history (default: today, UTC)
    #[arg(long, value_parser = parse_day)]
    pub until: Option<chrono::NaiveDate>,
    #[command(flatten)]
    pub place: Place,
    #[command(flatten)]
    pub workspace: WorkspaceOpt,
}

fn parse_partners(s: &str) -> Result<usize, String> {
    crate::generate::parse_partners(s).map_err(|e| e.to_string())
}

fn parse_day(s: &str) -> Result<chrono::NaiveDate, String> {
    crate::domain::parse_date(s).map_err(|e| e.0)
}

#[derive(Debug, Clone, Args)]
pub struct RunArgs {
    /// Run only the gateway shards A to B (inclusive, counted from 0), e.g. 0-1; needs --shard-total.
    /// Several processes on one PostgreSQL database split the shards between them
    #[arg(
        long,
        env = "PARTNERFIT_SHARD_RANGE",
        value_name = "A-B",
        value_parser = parse_shard_range,
        requires = "shard_total"
    )]
    pub shard_range: Option<(u32, u32)>,
    /// How many gateway shards the bot has in all, across every process; needs --shard-range
    #[arg(
        long,
        env = "PARTNERFIT_SHARD_TOTAL",
        value_name = "N",
        value_parser = clap::value_parser!(u32).range(1..),
        requires = "shard_range"
    )]
    pub shard_total: Option<u32>,
    #[command(flatten)]
    pub place: Place,
}

impl RunArgs {
    /// The shards this process runs, checked against the total; None runs the one shard of an unsharded bot.
    pub fn shards(&self) -> Result<Option<crate::discord::Shards>, ConfigError> {
        match (self.shard_range, self.shard_total) {
            (Some((first, last)), Some(total)) => {
                if last >= total {
                    return Err(ConfigError(format!(
                        "--shard-range {first}-{last} does not fit --shard-total {total}: shards are numbered 0 to {}",
                        total - 1
                    )));
                }
                Ok(Some(crate::discord::Shards { first, last, total }))
            }
            (None, None) => Ok(None),
            _ => Err(ConfigError(
                "--shard-range and --shard-total go together, e.g. --shard-range 0-1 --shard-total 4".into(),
            )),
        }
    }
}

fn parse_shard_range(s: &str) -> Result<(u32, u32), String> {
    let bad = || format!("`{s}` is not a shard range: write A-B, e.g. 0-3 (or one shard, e.g. 2)");
    let (a, b) = match s.trim().split_once('-') {
        Some((a, b)) => (a.trim(), b.trim()),
        None => (s.trim(), s.trim()),
    };
    let first: u32 = a.parse().map_err(|_| bad())?;
    let last: u32 = b.parse().map_err(|_| bad())?;
    if first > last {
        return Err(format!(
            "shard range `{s}` runs backwards: write the lower shard first"
        ));
    }
    Ok((first, last))
}

#[derive(Debug, Clone, Subcommand)]
pub enum DigestCommand {
    /// The weekly allocation check (default: the week that just ended)
    Weekly {
        /// ISO week like 2026-W47, or a date in it
        #[arg(long, value_parser = parse_domain::<crate::domain::Week>)]
        week: Option<crate::domain::Week>,
        #[command(flatten)]
        opts: DigestOpts,
    },
    /// The quarterly re-check (default: the quarter that just ended)
    Quarterly {
        /// Quarter like 2026-Q3
        #[arg(long, value_parser = parse_domain::<crate::domain::Quarter>)]
        quarter: Option<crate::domain::Quarter>,
        #[command(flatten)]
        opts: DigestOpts,
    },
}

impl DigestCommand {
    pub fn opts(&self) -> &DigestOpts {
        match self {
            DigestCommand::Weekly { opts, .. } | DigestCommand::Quarterly { opts, .. } => opts,
        }
    }
}

/// The options of both digests.
#[derive(Debug, Clone, Default, Args)]
pub struct DigestOpts {
    /// Also write the digest's chart to this PNG file: the same image the channel gets
    #[arg(long, value_name = "FILE.png")]
    pub chart: Option<PathBuf>,
    #[command(flatten)]
    pub place: Place,
    #[command(flatten)]
    pub workspace: WorkspaceOpt,
    #[command(flatten)]
    pub json: JsonOpt,
}

/// An option's value read as a domain type (a week, a quarter, a role), the domain's own words when it is not one.
fn parse_domain<T>(s: &str) -> Result<T, String>
where
    T: std::str::FromStr<Err = crate::domain::ParseError>,
{
    s.parse().map_err(|e: crate::domain::ParseError| e.0)
}

/// The kind of import or export `what` names ([`ImportKind`], [`ExportKind`]; clap has checked it against
/// their names already): the domain's words as the command's error should it not be one.
fn kind_of<K>(what: &str) -> Result<K, Fatal>
where
    K: std::str::FromStr<Err = crate::domain::ParseError>,
{
    Ok(what.parse().map_err(crate::app::AppError::from)?)
}

#[derive(Debug, Clone, Args)]
pub struct ImportArgs {
    /// What the file holds
    #[arg(value_parser = PossibleValuesParser::new(ImportKind::NAMES))]
    pub what: String,
    /// The CSV file
    pub file: PathBuf,
    /// Only report what would change
    #[arg(long)]
    pub dry_run: bool,
    /// Create new partners even when a name is within typo distance of another (they are different partners)
    #[arg(long)]
    pub allow_similar_names: bool,
    /// Who is importing, recorded with each record
    #[arg(long, default_value = "import", value_parser = parse_user)]
    pub user: String,
    #[command(flatten)]
    pub place: Place,
    #[command(flatten)]
    pub workspace: WorkspaceOpt,
}

impl ImportArgs {
    /// The use case's request.
    fn to_import(&self) -> Result<ImportFile, Fatal> {
        Ok(ImportFile {
            what: kind_of(&self.what)?,
            path: self.file.clone(),
            dry_run: self.dry_run,
            user: self.user.clone(),
            allow_similar: self.allow_similar_names,
        })
    }
}

#[derive(Debug, Clone, Args)]
pub struct ExportArgs {
    /// What to export
    #[arg(value_parser = PossibleValuesParser::new(ExportKind::NAMES))]
    pub what: String,
    /// Write to this file instead of stdout
    #[arg(short, long, value_name = "FILE")]
    pub output: Option<PathBuf>,
    #[command(flatten)]
    pub place: Place,
    #[command(flatten)]
    pub workspace: WorkspaceOpt,
}

impl ExportArgs {
    /// The use case's request.
    fn to_export(&self) -> Result<ExportTo, Fatal> {
        Ok(ExportTo {
            what: kind_of(&self.what)?,
            output: self.output.clone(),
        })
    }
}

#[derive(Debug, Clone, Args)]
pub struct ConsoleArgs {
    /// Who is typing: lead, member or guest
    #[arg(long, default_value = "lead", value_parser = parse_domain::<Role>)]
    pub role: Role,
    /// Your name, recorded with what you write
    #[arg(long, default_value = "console", value_parser = parse_user)]
    pub user: String,
    /// Where the files replies carry (a posted digest's chart, /export) are written
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub out_dir: PathBuf,
    #[command(flatten)]
    pub place: Place,
    #[command(flatten)]
    pub workspace: WorkspaceOpt,
    #[command(flatten)]
    pub json: JsonOpt,
}

fn parse_user(s: &str) -> Result<String, String> {
    crate::domain::types::parse_text(s, "--user", 100)
        .map_err(|e| e.0)
        .and_then(|u| {
            if u.is_empty() {
                Err("--user cannot be empty".into())
            } else {
                Ok(u)
            }
        })
}

/// Load the configuration from every layer.
pub fn load_config(g: &Global) -> Result<Config, ConfigError> {
    Config::load(&Overrides {
        config_path: g.place.config.clone(),
        database_url: g.place.database.clone(),
        workspace: g.workspace.workspace.clone(),
    })
}

/// Open the database (and migrate), naming it by host, never by password. A database server that is away or not
/// taking connections yet is a passing failure (exit 1: a service manager starts the bot again); any other
/// failure — a wrong password, a missing database, a file that cannot be created — is a configuration error
/// (exit 2), which starting again would not mend.
pub async fn open_store(config: &Config) -> Result<Store, Fatal> {
    Store::open(&config.database_url).await.map_err(|e| {
        let message = format!(
            "cannot open database {}: {}",
            redact_url(&config.database_url),
            redact_error(&e.to_string(), &config.database_url)
        );
        match e {
            StoreError::Unreachable(_) => Fatal::Other(anyhow::anyhow!(message)),
            _ => Fatal::Config(ConfigError(message)),
        }
    })
}

/// The app over a store, with the wall clock.
pub fn app(store: Store) -> App {
    App::with_wall_clock(store)
}

/// `partnerfit help`: the reference of the chat commands, or clap's help of the command line or a subcommand.
fn print_help(args: &HelpArgs) -> Result<(), Fatal> {
    use clap::CommandFactory;
    if args.markdown {
        return Ok(crate::output::print_stdout(format_args!(
            "{}",
            crate::app::help::markdown()
        ))?);
    }
    let argv = std::iter::once("partnerfit")
        .chain(args.command.iter().map(String::as_str))
        .chain(std::iter::once("--help"));
    match Cli::command().try_get_matches_from(argv) {
        Err(e) if e.kind() == clap::error::ErrorKind::DisplayHelp => match e.print() {
            Err(e) if !crate::output::reader_gone(&e) => Err(Fatal::Other(e.into())),
            _ => Ok(()),
        },
        Err(_) | Ok(_) => Err(Fatal::Config(ConfigError(format!(
            "no subcommand `{}`: see `partnerfit --help`",
            args.command.join(" ")
        )))),
    }
}

/// Run the parsed command line.
pub async fn run(cli: Cli) -> Result<(), Fatal> {
    if let Command::Help(args) = &cli.command {
        return print_help(args);
    }
    // Before the configuration is loaded: a configuration that does not load is one of its failed checks.
    if let Command::Doctor(_) = &cli.command {
        return doctor::run(&cli.global()).await;
    }
    let global = cli.global();
    let config = load_config(&global)?;
    let json = global.json.json;
    init_tracing(&config);
    match cli.command {
        Command::Migrate(_) => {
            let store = open_store(&config).await?;
            store.close().await;
            crate::output::print_stderr(format_args!(
                "migrations applied to {}\n",
                redact_url(&config.database_url)
            ));
            Ok(())
        }
        Command::Console(args) => {
            crate::output::check_folder(&args.out_dir, "--out-dir")?;
            let store = open_store(&config).await?;
            note::empty_workspace(&store, &config.workspace).await;
            let app = app(store);
            let ctx = Ctx {
                workspace: config.workspace.clone(),
                user: args.user,
                role: args.role,
                channel_id: None,
            };
            let result = crate::console::run(&app, &ctx, json, &args.out_dir).await;
            app.store.close().await;
            result.map_err(Fatal::Other)
        }
        Command::Digest(which) => {
            if let Some(p) = &which.opts().chart {
                crate::output::check_target(p, "--chart", "chart.png")?;
            }
            let store = open_store(&config).await?;
            note::empty_workspace(&store, &config.workspace).await;
            let app = app(store);
            let result = digest::print(&app, &config.workspace, which, json).await;
            app.store.close().await;
            result
        }
        Command::Import(args) => {
            let store = open_store(&config).await?;
            let app = app(store);
            let file = args.to_import()?;
            let result = crate::app::transfer::import_cli(&app, &config.workspace, &file).await;
            app.store.close().await;
            Ok(result?)
        }
        Command::Export(args) => {
            // Checked before the database is opened, as `--chart` is; through a link, the file it leads to is
            // written and the link stays.
            let output = match &args.output {
                Some(p) => Some(crate::output::check_target(
                    p,
                    "-o",
                    &format!("{}.csv", args.what),
                )?),
                None => None,
            };
            let store = open_store(&config).await?;
            note::empty_workspace(&store, &config.workspace).await;
            let app = app(store);
            let mut to = args.to_export()?;
            to.output = output;
            let result = crate::app::transfer::export_cli(&app, &config.workspace, &to).await;
            app.store.close().await;
            Ok(result?)
        }
        Command::Generate(args) => {
            let store = open_store(&config).await?;
            let result = demo::generate(&store, &config.workspace, &args).await;
            store.close().await;
            result
        }
        Command::Demo(_) => {
            // The demo's own default workspace, unless one was named (flag or environment).
            let ws = global
                .workspace
                .workspace
                .clone()
                .unwrap_or_else(|| demo::DEFAULT_WORKSPACE.to_string());
            let app = app(open_store(&config).await?);
            let result = demo::run(&app, &ws).await;
            app.store.close().await;
            result
        }
        Command::Help(args) => print_help(&args),
        Command::Doctor(_) => doctor::run(&global).await,
        Command::Run(args) => {
            // The stop signal is listened for from the start: one that comes while the database is opened and
            // migrated stops the process cleanly (below), rather than ending it by the signal's default action.
            crate::process::listen_for_stop();
            let shards = args.shards()?;
            let discord = config.discord.token.is_some();
            let slack = config.slack.bot_token.is_some() || config.slack.app_token.is_some();
            if !discord && !slack {
                return Err(ConfigError("DISCORD_TOKEN is not set, nor SLACK_BOT_TOKEN and SLACK_APP_TOKEN: set DISCORD_TOKEN to run on Discord, both Slack tokens to run on Slack, or all three for both (see README), or try `partnerfit console`".into()).into());
            }
            // Bound first: a port in use stops the bot before it connects anywhere.
            let listener = match config.http.listen {
                Some(addr) => Some(crate::http::bind(addr).await?),
                None => None,
            };
            // The recorder first, so that the connections' first states are recorded too.
            let exporter = match &listener {
                Some(_) => Some(crate::service::metrics::install().map_err(|e| {
                    Fatal::Other(anyhow::anyhow!("cannot start the metrics recorder: {e}"))
                })?),
                None => None,
            };
            // Readiness follows Discord's gateway shards and Slack's socket; Slack declares its command in
            // the app's manifest, so there is nothing to register.
            let expected = if discord {
                crate::discord::Shards::ids(shards)
            } else {
                Vec::new()
            };
            let mut status = ServiceStatus::expecting(expected);
            if slack {
                status = status.expecting_slack();
            }
            let status = std::sync::Arc::new(status);
            if !discord {
                status.set_commands_registered();
            }
            // Served from now on, while the database is opened and migrated: probes get an answer (`/readyz`
            // 503, the database starting) rather than a connection that hangs.
            let ops = match (listener, exporter) {
                (Some(listener), Some(exporter)) => {
                    let ops = crate::http::Ops::new(status.clone(), exporter, &config.database_url);
                    crate::http::spawn(listener, ops.clone());
                    Some(ops)
                }
                _ => None,
            };
            // A stop signal meanwhile lets the opening finish (a migration under way is not cut off midway), then
            // stops the process without starting any platform.
            let opening = open_store(&config);
            let store = match crate::process::unless_stopped(
                status.clone(),
                "opening the database",
                opening,
            )
            .await
            {
                crate::process::StartUp::Done(store) => store?,
                crate::process::StartUp::Stopped(store) => {
                    store?.close().await;
                    tracing::info!("stopped before any platform started: the database was opened, migrated and closed");
                    return Ok(());
                }
                crate::process::StartUp::NotStarted => {
                    tracing::info!(
                        "stopped before any platform started: the database was not opened"
                    );
                    return Ok(());
                }
                crate::process::StartUp::Abandoned => {
                    // Each migration is one transaction: one under way is rolled back by the database, never
                    // left half-applied. Exiting here rather than returning: the runtime, once dropped, would
                    // wait for the thread that may still be waiting for another process's migration lock.
                    tracing::warn!("stopping with the database not opened and no platform started: a migration under way, if any, is rolled back by the database as a whole");
                    std::process::exit(0);
                }
            };
            let app = app(store);
            if let Some(ops) = &ops {
                ops.database_open(app.clone());
            }
            crate::service::systemd::start(status.clone());
            let store = app.store.clone();
            let result = match (discord, slack) {
                (true, false) => crate::discord::run(&config, app, shards, status).await,
                (false, _) => crate::slack::run(&config, app, status).await,
                (true, true) => run_both(&config, app, shards, status).await,
            };
            // Every platform has stopped, and what they had in flight is done (or abandoned at its bound).
            store.close().await;
            result
        }
    }
}

/// Discord and Slack in one process: Slack is checked and connected first (a refused token stops the start,
/// and so does a stop signal while Slack does not answer its checks), then Discord runs until SIGINT or SIGTERM. If Slack refuses its token later, only Slack stops. On the signal
/// both stop at once, each finishing what it has in flight; the caller closes the store after both.
async fn run_both(
    config: &Config,
    app: App,
    shards: Option<crate::discord::Shards>,
    status: std::sync::Arc<ServiceStatus>,
) -> Result<(), Fatal> {
    let mut stop = Box::pin(crate::process::wait_for_stop(status.clone()));
    let slack = crate::slack::start(
        config,
        app.clone(),
        &config.scheduler,
        status.clone(),
        &mut stop,
    );
    let Some(running) = slack.await? else {
        return Ok(());
    };
    // From here on Discord's start and run listen for the signal themselves.
    drop(stop);
    let running = std::sync::Arc::new(running);
    let watch = running.clone();
    let watcher = tokio::spawn(async move {
        watch.refused().await;
        watch.stop().await;
    });
    let discord = async {
        let result = crate::discord::run(config, app, shards, status.clone()).await;
        // Discord stopped without a signal (it failed): the process stops, Slack with it.
        status.set_stopping();
        result
    };
    let slack = async {
        // Discord's signal handling says the process is stopping: Slack stops meanwhile, not after Discord.
        status.wait_until_stopping().await;
        // After a stop the watcher may have begun (the token refused): this one waits for it to finish, so
        // the watcher is only aborted once nothing it does is left.
        running.stop().await;
        watcher.abort();
    };
    let (result, ()) = tokio::join!(discord, slack);
    result
}

#[cfg(test)]
mod tests;
