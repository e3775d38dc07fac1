//! CSV import and export: `/import` and `/export` (Discord and console) and `partnerfit import|export` (the
//! command line). One engine serves both: [`import::run`] reads any byte source (an attachment in memory, a
//! file streamed from disk) and [`export::write`] writes to any sink (an attachment buffer, stdout, a file).
//!
//! The file format is the one docs/csv.md describes: header row, UTF-8, comma-separated, RFC 4180
//! quoting, formula-looking cells escaped with a leading `'`. Imports are all-or-nothing in one transaction,
//! apply the same validation as the commands, report every error with its line and column (the first 20, then
//! a count), and are idempotent: a row identical to a stored record (retracted ones included) is skipped and
//! counted as unchanged, so importing the same file twice changes nothing.

mod csv_io;
pub mod export;
pub mod import;

pub use csv_io::{escape_cell, unescape_cell, RowError, MAX_ROW_BYTES, MAX_SHOWN_ERRORS};

use super::args::{input, Upload};
use super::card::{plain, user, Card, FileOut, Render, Tone};
use super::chat::Platform;
use super::{App, AppError, AppResult, Ctx, Reply};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde::Serialize;
use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

/// The largest attachment `/import` accepts. The Discord layer checks an attachment's size against it before
/// downloading; [`import_command`] checks again.
pub const MAX_IMPORT_BYTES: usize = 25 * 1024 * 1024;

/// The largest CSV `/export` attaches (Discord's upload limit for servers without boosts); larger exports are
/// refused with a pointer to `partnerfit export`, which has no limit.
pub const MAX_EXPORT_BYTES: usize = 10 * 1024 * 1024;

/// The command line that does `args` (`export roster -o roster.csv`) on the server for `workspace`: the
/// command line acts on `--workspace local` unless told, so the workspace is always named, quoted when a
/// shell would read any of its characters specially (a console workspace may hold spaces).
pub fn server_command(workspace: &str, args: &str) -> String {
    format!("partnerfit --workspace {} {args}", shell_word(workspace))
}

/// `s` as one shell word: as it is when every character is plain, else in single quotes (a `'` inside
/// written `'\''`).
pub fn shell_word(s: &str) -> String {
    let bare = !s.is_empty()
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.:/@%+=,".contains(c));
    if bare {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

/// The name of each CSV column, written once: the files' column lists below and the import's checks name
/// columns with these, so renaming a column is one edit here.
pub mod column {
    pub const NAME: &str = "name";
    pub const TYPE: &str = "type";
    pub const STAGE: &str = "stage";
    pub const SIGNED: &str = "signed";
    pub const DROPPED: &str = "dropped";
    pub const DROP_REASON: &str = "drop_reason";
    pub const CHAMPION: &str = "champion";
    pub const NOTE: &str = "note";
    pub const PARTNER: &str = "partner";
    pub const TRAIT: &str = "trait";
    pub const MET: &str = "met";
    pub const VALUE: &str = "value";
    pub const SOURCE: &str = "source";
    pub const OBSERVED: &str = "observed";
    pub const WEEK: &str = "week";
    pub const HOURS: &str = "hours";
    pub const SPEND: &str = "spend";
    pub const KIND: &str = "kind";
    pub const AMOUNT: &str = "amount";
    pub const DATE: &str = "date";
    pub const REF: &str = "ref";
}

/// The columns of each file, in the order an export writes them and an import expects them (the roster's export
/// adds `verdict` and the trait columns after its own, which an import ignores).
pub const PARTNER_COLUMNS: [&str; 8] = [
    column::NAME,
    column::TYPE,
    column::STAGE,
    column::SIGNED,
    column::DROPPED,
    column::DROP_REASON,
    column::CHAMPION,
    column::NOTE,
];
/// See [`PARTNER_COLUMNS`].
pub const EVIDENCE_COLUMNS: [&str; 7] = [
    column::PARTNER,
    column::TRAIT,
    column::MET,
    column::VALUE,
    column::SOURCE,
    column::NOTE,
    column::OBSERVED,
];
/// See [`PARTNER_COLUMNS`].
pub const ALLOCATION_COLUMNS: [&str; 5] = [
    column::PARTNER,
    column::WEEK,
    column::HOURS,
    column::SPEND,
    column::NOTE,
];
/// See [`PARTNER_COLUMNS`].
pub const OUTCOME_COLUMNS: [&str; 5] = [
    column::PARTNER,
    column::KIND,
    column::AMOUNT,
    column::DATE,
    column::REF,
];

/// The prefix of the roster export's trait status columns: `trait:Customer overlap`. An import ignores every
/// column with this prefix.
pub const TRAIT_COLUMN_PREFIX: &str = "trait:";

crate::domain::types::string_enum!(
    /// What a CSV import holds.
    ImportKind, "kind of import", {
    Partners => "partners",
    Evidence => "evidence",
    Allocations => "allocations",
    Outcomes => "outcomes",
});

crate::domain::types::string_enum!(
    /// What a CSV export holds.
    ExportKind, "kind of export", {
    Roster => "roster",
    Evidence => "evidence",
    Allocations => "allocations",
    Outcomes => "outcomes",
});

impl ExportKind {
    /// What one row of the export is, before "row": `roster`, `evidence`, `allocation`, `outcome`.
    fn row_word(self) -> &'static str {
        match self {
            ExportKind::Roster => "roster",
            ExportKind::Evidence => "evidence",
            ExportKind::Allocations => "allocation",
            ExportKind::Outcomes => "outcome",
        }
    }
}

impl ImportKind {
    /// `n` added rows in words, e.g. `1 partner created`, `6 evidence records added`.
    fn added(self, n: u64) -> String {
        let (one, many) = match self {
            ImportKind::Partners => ("partner created", "partners created"),
            ImportKind::Evidence => ("evidence record added", "evidence records added"),
            ImportKind::Allocations => ("log entry added", "log entries added"),
            ImportKind::Outcomes => ("outcome added", "outcomes added"),
        };
        plural(n, one, many)
    }
}

/// The result of an import (or of a dry run): what was (or would be) changed, or why nothing was.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ImportReport {
    pub what: ImportKind,
    pub file: String,
    pub dry_run: bool,
    /// Whether the rows were written (false for a dry run and for a file with errors).
    pub imported: bool,
    /// Data rows read (the header not counted).
    pub rows: u64,
    /// Records added (partners: partners created).
    pub added: u64,
    /// Partners updated to their row (partners imports only).
    pub updated: u64,
    /// Rows identical to a stored record, skipped.
    pub unchanged: u64,
    /// What the partner updates change, `line 4: Acme: stage prospect → signed, …` (the first 20). Card
    /// text (the names, notes, champions and reasons in it marked as user text), plain in the JSON.
    #[serde(serialize_with = "plain_all")]
    pub changes: Vec<String>,
    /// The partners created (or that a dry run would create), the first 20 (partners imports only).
    pub created: Vec<Created>,
    /// The first 20 errors.
    pub errors: Vec<RowError>,
    /// How many errors there are in all.
    pub error_count: u64,
}

/// Lines of card text as the JSON holds them: without the marks around user text.
fn plain_all<S: serde::Serializer>(lines: &[String], s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(lines.iter().map(|l| plain(l)))
}

/// A partner an import creates.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Created {
    pub line: u64,
    pub name: String,
    #[serde(rename = "type")]
    pub partner_type: crate::domain::PartnerType,
    pub stage: crate::domain::Stage,
}

use crate::domain::plural;

impl ImportReport {
    fn new(opts: &import::Options<'_>) -> ImportReport {
        ImportReport {
            what: opts.kind,
            file: opts.file.clone(),
            dry_run: opts.dry_run,
            imported: false,
            rows: 0,
            added: 0,
            updated: 0,
            unchanged: 0,
            changes: Vec::new(),
            created: Vec::new(),
            errors: Vec::new(),
            error_count: 0,
        }
    }

    fn set_errors(&mut self, e: csv_io::Errors) {
        self.errors = e.shown;
        self.error_count = e.count;
    }

    /// Whether the file has errors (so nothing was imported).
    pub fn failed(&self) -> bool {
        self.error_count > 0
    }

    /// The counts in words: `120 rows: 100 partners created, 15 updated, 5 unchanged`.
    fn counts(&self) -> String {
        let mut parts = vec![self.what.added(self.added)];
        if self.what == ImportKind::Partners {
            parts.push(format!("{} updated", self.updated));
        }
        parts.push(format!("{} unchanged (already there)", self.unchanged));
        format!("{}: {}", plural(self.rows, "row", "rows"), parts.join(", "))
    }

    /// The one message of a failed import: what happened, then the errors, one per line.
    pub fn failure_text(&self) -> String {
        let head = if self.dry_run {
            format!(
                "Dry run: the import would fail, {} has {}. Fix them and try again:",
                self.file,
                plural(self.error_count, "error", "errors")
            )
        } else {
            format!(
                "Nothing was imported: {} has {}. Fix them and import the file again:",
                self.file,
                plural(self.error_count, "error", "errors")
            )
        };
        let mut lines = vec![head];
        lines.extend(self.errors.iter().map(ToString::to_string));
        let more = self.error_count.saturating_sub(self.errors.len() as u64);
        if more > 0 {
            lines.push(format!(
                "… and {}",
                plural(more, "more error", "more errors")
            ));
        }
        lines.join("\n")
    }
}

impl Render for ImportReport {
    fn card(&self) -> Card {
        let mut card = if self.dry_run {
            Card::new(
                format!("Dry run of {}: nothing was changed", user(&self.file)),
                Tone::Info,
            )
            .description(format!("Importing it would give {}.", self.counts()))
            .footer("Import it again without dry_run to apply it.")
        } else if self.imported {
            Card::new(
                format!(
                    "Imported {}: {}",
                    user(&self.file),
                    self.what.added(self.added)
                ),
                Tone::Good,
            )
            .description(format!("{}.", self.counts()))
            .footer("All in one transaction. Importing the same file again changes nothing.")
        } else {
            Card::new(
                format!("Nothing was imported from {}", user(&self.file)),
                Tone::Bad,
            )
            .description(self.failure_text())
        };
        if !self.created.is_empty() {
            let mut lines: Vec<String> = self
                .created
                .iter()
                .map(|c| {
                    format!(
                        "line {}: {} ({}, {})",
                        c.line,
                        user(&c.name),
                        c.partner_type,
                        c.stage
                    )
                })
                .collect();
            let more = self.added.saturating_sub(self.created.len() as u64);
            if more > 0 {
                lines.push(format!("… and {more} more"));
            }
            let title = if self.dry_run {
                "Would create"
            } else {
                "Created"
            };
            card = card.field(title, lines.join("\n"), false);
        }
        for c in &self.changes {
            card = card.line(c.clone());
        }
        if self.updated > self.changes.len() as u64 {
            card = card.line(format!(
                "… and {}",
                plural(
                    self.updated - self.changes.len() as u64,
                    "more update",
                    "more updates"
                )
            ));
        }
        // A dry run is a preview for the lead who ran it; a real import is news for the channel.
        if self.dry_run {
            card.ephemeral()
        } else {
            card
        }
    }
}

/// The reply of `/export`: the CSV travels as the card's file — except on Slack, which cannot send a file in
/// a private reply: there the card gives the command that writes it on the server.
#[derive(Debug, Clone, Serialize)]
pub struct Exported {
    pub what: ExportKind,
    pub rows: u64,
    pub bytes: usize,
    pub file: String,
    /// The workspace, when the file cannot be sent with the reply (Slack): the card says how to get it.
    #[serde(skip)]
    pub not_sent_in: Option<String>,
}

impl ExportKind {
    /// What `/import` calls a file of this export (the roster comes back as `partners`).
    pub fn import_kind(self) -> ImportKind {
        match self {
            ExportKind::Roster => ImportKind::Partners,
            ExportKind::Evidence => ImportKind::Evidence,
            ExportKind::Allocations => ImportKind::Allocations,
            ExportKind::Outcomes => ImportKind::Outcomes,
        }
    }
}

impl Render for Exported {
    fn card(&self) -> Card {
        let what = self.what;
        let back = what.import_kind();
        let card = Card::new(
            format!("Export: {what} ({})", plural(self.rows, "row", "rows")),
            Tone::Info,
        );
        let card = match &self.not_sent_in {
            None => card.description(format!(
                "{}: CSV UTF-8, one header row. Edit it in a spreadsheet and bring it back with /import what:{back}.",
                self.file
            )),
            Some(ws) => card.description(format!(
                "Slack cannot send a file in a private reply, so none is attached. Run `{}` on the server to \
                 write it (CSV UTF-8, one header row); edit it in a spreadsheet and bring it back with `{}`.",
                server_command(ws, &format!("export {what} -o {what}.csv")),
                server_command(ws, &format!("import {back} {what}.csv")),
            )),
        };
        // The workspace's data goes to the member who asked, not to everyone in the channel.
        card.ephemeral()
    }
}

input! {
    /// What `/export` reads.
    pub struct ExportIn {
        what: ExportKind,
    }
}

input! {
    /// What `/import` reads: the file is borrowed from the invocation, not copied.
    pub struct ImportIn<'a> {
        what: ImportKind,
        file: Upload<'a>,
        dry_run: bool,
        allow_similar: bool,
    }
}

/// `/export what`: the CSV as an attachment.
#[tracing::instrument(skip_all, fields(workspace = %ctx.workspace))]
pub async fn export_command(app: &App, ctx: &Ctx, input: ExportIn) -> AppResult<Reply> {
    let what = input.what;
    // The limit is checked as the CSV is written: a large export stops at the limit, it is never built whole.
    let mut out = Capped {
        bytes: Vec::new(),
        limit: MAX_EXPORT_BYTES,
    };
    let rows = export::write(app, &ctx.workspace, what, &mut out)
        .await
        .map_err(|e| match e {
            export::ExportError::App(e) => e,
            export::ExportError::Io(e) if e.kind() == std::io::ErrorKind::FileTooLarge => {
                AppError::user(format!(
                    "The {what} export is more than the {} MB /export sends. Run `{}` on the server instead.",
                    MAX_EXPORT_BYTES / (1024 * 1024),
                    server_command(&ctx.workspace, &format!("export {what} -o {what}.csv"))
                ))
            }
            export::ExportError::Io(e) => AppError::Internal(e.into()),
        })?;
    let bytes = out.bytes;
    let settings = app.settings(&ctx.workspace).await?;
    let file = format!("partnerfit-{what}-{}.csv", app.today(&settings));
    // The reply is private, and Slack sends no file in a private reply: there the card says how to get it.
    let on_slack = app
        .chat
        .as_ref()
        .is_some_and(|c| c.platform() == Platform::Slack);
    let typed = Exported {
        what,
        rows,
        bytes: bytes.len(),
        file: file.clone(),
        not_sent_in: on_slack.then(|| ctx.workspace.clone()),
    };
    let mut reply = Reply::from_typed(typed);
    if !on_slack {
        reply.card.files.push(FileOut { name: file, bytes });
    }
    Ok(reply)
}

/// A buffer that refuses to grow past `limit` bytes (an error of kind `FileTooLarge`).
struct Capped {
    bytes: Vec<u8>,
    limit: usize,
}

impl Write for Capped {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        if self.bytes.len() + buf.len() > self.limit {
            return Err(std::io::Error::new(
                std::io::ErrorKind::FileTooLarge,
                "the export is larger than the attachment limit",
            ));
        }
        self.bytes.extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// `/import what file [dry_run]`: the summary as the reply; a file with errors is refused with every error.
#[tracing::instrument(skip_all, fields(workspace = %ctx.workspace))]
pub async fn import_command(app: &App, ctx: &Ctx, input: ImportIn<'_>) -> AppResult<Reply> {
    let what = input.what;
    let Upload { name, bytes } = input.file;
    if bytes.len() > MAX_IMPORT_BYTES {
        return Err(AppError::user(format!(
            "{} is {:.1} MB; /import takes files up to {} MB. Split it, or run `{}` on the server.",
            crate::domain::snippet(name),
            bytes.len() as f64 / 1e6,
            MAX_IMPORT_BYTES / (1024 * 1024),
            server_command(&ctx.workspace, &format!("import {what} FILE.csv"))
        )));
    }
    let dry_run = input.dry_run;
    let hidden = ProgressBar::hidden();
    let opts = import::Options {
        kind: what,
        file: name.to_string(),
        dry_run,
        by: ctx.author(),
        allow_similar: input.allow_similar,
        confirm_similar: "allow_similar:true",
        progress: &hidden,
    };
    let report = import::run(app, &ctx.workspace, &opts, bytes).await?;
    if report.failed() {
        return Err(AppError::User(report.failure_text()));
    }
    Ok(Reply::from_typed(report))
}

/// A CSV file on disk to import (`partnerfit import`): the command line fills it from its arguments.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportFile {
    pub what: ImportKind,
    pub path: PathBuf,
    pub dry_run: bool,
    /// Who is importing, recorded with each record.
    pub user: String,
    /// Create new partners whose names are within typo distance of another (`--allow-similar-names`).
    pub allow_similar: bool,
}

/// Where an export goes (`partnerfit export`): a file, or stdout.
#[derive(Debug, Clone, PartialEq)]
pub struct ExportTo {
    pub what: ExportKind,
    /// None: stdout.
    pub output: Option<PathBuf>,
}

/// A progress bar on stderr over `len` bytes, only when stderr is a terminal.
fn progress_bar(len: u64, file: &str) -> ProgressBar {
    if len == 0 || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr());
    if let Ok(style) = ProgressStyle::with_template(
        "{msg} [{bar:30}] {bytes}/{total_bytes} · {bytes_per_sec} · {eta} left",
    ) {
        bar.set_style(style.progress_chars("=> "));
    }
    bar.set_message(format!("importing {file}"));
    bar
}

/// `partnerfit import WHAT FILE [--dry-run] [--user NAME]`: the summary on stdout; errors on stderr and a
/// non-zero exit when the file has any.
#[tracing::instrument(skip_all, fields(what = %args.what))]
pub async fn import_cli(app: &App, ws: &str, args: &ImportFile) -> AppResult<()> {
    let what = args.what;
    let file = std::fs::File::open(&args.path)
        .map_err(|e| AppError::user(format!("cannot read {}: {e}", args.path.display())))?;
    let len = file.metadata().map(|m| m.len()).unwrap_or(0);
    let name = args
        .path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| args.path.display().to_string());
    let bar = progress_bar(len, &name);
    let opts = import::Options {
        kind: what,
        file: name.clone(),
        dry_run: args.dry_run,
        by: args.user.clone(),
        allow_similar: args.allow_similar,
        confirm_similar: "--allow-similar-names",
        progress: &bar,
    };
    // The file is read with blocking reads on this task: fine for the command line, which runs nothing else.
    let result = import::run(app, ws, &opts, file).await;
    bar.finish_and_clear();
    let report = result?;
    if report.failed() {
        let mut err = std::io::stderr().lock();
        for e in &report.errors {
            let _ = writeln!(err, "{name}: {e}");
        }
        let more = report
            .error_count
            .saturating_sub(report.errors.len() as u64);
        if more > 0 {
            let _ = writeln!(
                err,
                "{name}: … and {}",
                plural(more, "more error", "more errors")
            );
        }
        let outcome = if args.dry_run {
            "the import would fail (dry run: nothing was changed)"
        } else {
            "nothing was imported"
        };
        return Err(AppError::user(format!(
            "{name}: {}; {outcome}. Fix the file and run the import again.",
            plural(report.error_count, "error", "errors"),
        )));
    }
    // A closed stdout (`| head`) is not an error of the import, which is done by now.
    let _ = writeln!(std::io::stdout(), "{}", report.card().to_text());
    Ok(())
}

/// Write an export to `path` through a temporary file in the same directory, renamed into place when complete,
/// so a failed export never leaves a truncated file behind.
async fn export_to_file(app: &App, ws: &str, what: ExportKind, path: &Path) -> AppResult<u64> {
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "export.csv".into());
    let tmp = path.with_file_name(format!(".{file_name}.partial"));
    let cannot =
        |e: std::io::Error| AppError::user(format!("cannot write {}: {e}", path.display()));
    let f = std::fs::File::create(&tmp).map_err(cannot)?;
    let result = export::write(app, ws, what, std::io::BufWriter::new(f)).await;
    let rows = match result {
        Ok(rows) => rows,
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            return Err(match e {
                export::ExportError::App(e) => e,
                export::ExportError::Io(e) => cannot(e),
            });
        }
    };
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        cannot(e)
    })?;
    Ok(rows)
}

/// `partnerfit export WHAT [-o FILE]`: the CSV on stdout, or in FILE.
#[tracing::instrument(skip_all, fields(what = %args.what))]
pub async fn export_cli(app: &App, ws: &str, args: &ExportTo) -> AppResult<()> {
    let what = args.what;
    match &args.output {
        Some(path) => {
            let rows = export_to_file(app, ws, what, path).await?;
            let _ = writeln!(
                std::io::stderr(),
                "exported {} to {}",
                plural(
                    rows,
                    &format!("{} row", what.row_word()),
                    &format!("{} rows", what.row_word())
                ),
                path.display()
            );
        }
        None => {
            let out = std::io::BufWriter::new(std::io::stdout());
            match export::write(app, ws, what, out).await {
                Ok(_) => {}
                // The reader went away (`| head`): stop quietly, as command line tools do.
                Err(export::ExportError::Io(e)) if e.kind() == std::io::ErrorKind::BrokenPipe => {}
                Err(export::ExportError::Io(e)) => {
                    return Err(AppError::user(format!("cannot write to stdout: {e}")))
                }
                Err(export::ExportError::App(e)) => return Err(e),
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests;
