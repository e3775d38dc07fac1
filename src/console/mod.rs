//! `partnerfit console`: the same commands as Discord, typed as text lines — an interactive prompt with line
//! editing on a terminal, one command per line from a pipe — printed as text or, with `--json`, one JSON
//! object per input line.

use crate::app::line::{parse_line, Line};
use crate::app::spec::{self, Kind};
use crate::app::transfer::MAX_IMPORT_BYTES;
use crate::app::{
    answer_question, dispatch, require, App, AppError, ArgValue, Ctx, Invocation, Reply,
};
use crate::domain::snippet;
use serde_json::json;
use std::io::{BufRead, IsTerminal, Read, Write};
use std::path::Path;

/// The result of one input line, ready to print.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub command: String,
    pub result: Result<Reply, String>,
    /// The reply's files (a posted digest's chart, an export) once [`save_files`] wrote them.
    pub saved: Vec<Saved>,
}

/// A file of a reply, written to the console's output folder (or the reason it could not be).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Saved {
    pub name: String,
    pub bytes: usize,
    /// Where it was written.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// Why it was not.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
}

impl Outcome {
    /// The `--json` object: `{"ok": true, "command": …, "reply": …}` or `{"ok": false, "command": …, "error": …}`,
    /// with `"files": [{name, bytes, path}]` when the reply carried files.
    pub fn to_json(&self) -> serde_json::Value {
        let mut v = match &self.result {
            Ok(r) => json!({"ok": true, "command": self.command, "reply": r.json()}),
            Err(e) => json!({"ok": false, "command": self.command, "error": e}),
        };
        if !self.saved.is_empty() {
            v["files"] = json!(self.saved);
        }
        v
    }
    pub fn to_text(&self) -> String {
        let mut text = match &self.result {
            Ok(r) => r.card.to_text(),
            Err(e) => format!("error: {e}"),
        };
        for f in &self.saved {
            match (&f.path, &f.error) {
                (Some(p), _) => text.push_str(&format!("\nWrote {p} ({} bytes)", f.bytes)),
                (None, Some(e)) => text.push_str(&format!("\nCould not write {}: {e}", f.name)),
                (None, None) => {}
            }
        }
        text
    }
}

/// Write the files of an outcome's reply into `dir` (each under its own name, replacing a file of that name).
pub fn save_files(o: &mut Outcome, dir: &Path) {
    let Ok(reply) = &o.result else {
        return;
    };
    o.saved = reply
        .card
        .files
        .iter()
        .map(|f| {
            // The app names its files; keep only the last component all the same.
            let name = Path::new(&f.name)
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| "partnerfit-file".into());
            let path = dir.join(&name);
            match std::fs::write(&path, &f.bytes) {
                Ok(()) => Saved {
                    name,
                    bytes: f.bytes.len(),
                    path: Some(path.display().to_string()),
                    error: None,
                },
                Err(e) => Saved {
                    name,
                    bytes: f.bytes.len(),
                    path: None,
                    error: Some(format!("{} ({e})", path.display())),
                },
            }
        })
        .collect();
}

/// `exit` or `quit` (any case, surrounding spaces ignored, with or without a leading `/`) leaves the console.
pub fn is_exit(text: &str) -> bool {
    let t = text.trim().trim_start_matches('/');
    t.eq_ignore_ascii_case("exit") || t.eq_ignore_ascii_case("quit")
}

/// Handle one line; None for blank lines and comments.
pub async fn handle_line(app: &App, ctx: &Ctx, text: &str) -> Option<Outcome> {
    let (command, result) = match parse_line(text) {
        Ok(Line::Nothing) => return None,
        Err(e) => (e.command.clone(), Err(AppError::User(e.message))),
        Ok(Line::Command(mut inv)) => {
            let result = match read_files(ctx, &mut inv) {
                Ok(()) => dispatch(app, ctx, &inv).await,
                Err(e) => Err(e),
            };
            (inv.command_name(), result)
        }
        Ok(Line::Question(q)) => ("screen".to_string(), answer_question(app, ctx, &q).await),
    };
    Some(Outcome {
        command,
        result: result.map_err(|e| e.user_message()),
        saved: Vec::new(),
    })
}

/// Read the files a command's file options name by path — a console feature only: no chat reaches this.
/// The caller's role is checked first, so a command they may not run reads nothing; a file is read up to
/// the import limit and refused past it, so a path such as `/dev/zero` costs nothing more.
fn read_files(ctx: &Ctx, inv: &mut Invocation) -> Result<(), AppError> {
    let Some(spec) = spec::find(&inv.path) else {
        return Ok(());
    };
    let files: Vec<&str> = spec
        .options
        .iter()
        .filter(|o| matches!(o.kind, Kind::Attachment))
        .map(|o| o.name)
        .filter(|n| matches!(inv.args.get(*n), Some(ArgValue::Text(_))))
        .collect();
    if files.is_empty() {
        return Ok(());
    }
    require(ctx, spec.min_role, &format!("run /{}", spec.name()))?;
    // What the file holds, for the command line that imports a file past the limit.
    let what = inv
        .opt_text("what")
        .map(|w| w.trim().to_lowercase())
        .filter(|w| w.parse::<crate::app::transfer::ImportKind>().is_ok())
        .unwrap_or_else(|| "WHAT".into());
    for name in files {
        if let Some(ArgValue::Text(path)) = inv.args.get(name) {
            let file = read_file(&ctx.workspace, &what, path).map_err(AppError::User)?;
            inv.args.insert(name.to_string(), file);
        }
    }
    Ok(())
}

/// Read a file named by path, at most [`MAX_IMPORT_BYTES`] of it; past that, the refusal gives the command
/// line that imports it (a `what` file) into `workspace`, which has no limit.
fn read_file(workspace: &str, what: &str, path: &str) -> Result<ArgValue, String> {
    let cannot = |e: std::io::Error| format!("cannot read file `{}`: {e}", snippet(path));
    let file = std::fs::File::open(path).map_err(cannot)?;
    let mut bytes = Vec::new();
    let limit = MAX_IMPORT_BYTES as u64;
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(cannot)?;
    if bytes.len() as u64 > limit {
        return Err(format!(
            "`{}` is larger than {} MB: split it, or run `{}` on the server",
            snippet(path),
            MAX_IMPORT_BYTES / (1024 * 1024),
            crate::app::transfer::server_command(
                workspace,
                &format!("import {what} {}", crate::app::transfer::shell_word(path))
            )
        ));
    }
    let name = std::path::Path::new(path)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.to_string());
    Ok(ArgValue::File { name, bytes })
}

fn print(out: &mut impl Write, o: &Outcome, json: bool) -> std::io::Result<()> {
    if json {
        writeln!(out, "{}", o.to_json())?;
    } else {
        writeln!(out, "{}\n", o.to_text())?;
    }
    out.flush()
}

/// Whether a write of the answers failed because their reader went away (`partnerfit console < in | head`):
/// then the console stops reading and ends quietly, as command line tools do; another failure is an error.
fn quietly_gone(written: std::io::Result<()>) -> std::io::Result<bool> {
    match written {
        Ok(()) => Ok(false),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(true),
        Err(e) => Err(e),
    }
}

/// Run the console on stdin/stdout until end of input (or `exit`); files that replies carry are written to
/// `out_dir`. From a pipe, a line that is not UTF-8 is answered with an error and not run ([`not_utf8`]), and
/// the next line runs. It returns Ok at the end of input whatever lines failed: each line's answer (`"ok"` in
/// `--json`) says which did.
pub async fn run(app: &App, ctx: &Ctx, json: bool, out_dir: &Path) -> anyhow::Result<()> {
    if std::io::stdin().is_terminal() && !json {
        return interactive(app, ctx, out_dir).await;
    }
    let stdin = std::io::stdin();
    let mut out = std::io::stdout().lock();
    let mut buf = Vec::new();
    let mut reader = stdin.lock();
    let mut number = 0usize;
    loop {
        buf.clear();
        if reader.read_until(b'\n', &mut buf)? == 0 {
            break;
        }
        number += 1;
        let text = match std::str::from_utf8(&buf) {
            Ok(text) => text.trim_end_matches(['\n', '\r']),
            Err(_) => {
                if let Some(o) = not_utf8(&buf, number) {
                    if quietly_gone(print(&mut out, &o, json))? {
                        break;
                    }
                }
                continue;
            }
        };
        if is_exit(text) {
            break;
        }
        if let Some(mut o) = handle_line(app, ctx, text).await {
            save_files(&mut o, out_dir);
            if quietly_gone(print(&mut out, &o, json))? {
                break;
            }
        }
    }
    Ok(())
}

/// The answer to input line `number`, whose bytes are not UTF-8: it does not run (a guess at its characters
/// could record a name nobody typed), and says so; None for a blank line or a comment, which would not have
/// run either. As for a line too long to read, its `--json` object's `command` is empty.
fn not_utf8(bytes: &[u8], number: usize) -> Option<Outcome> {
    let text = String::from_utf8_lossy(bytes);
    if matches!(parse_line(&text), Ok(Line::Nothing)) {
        return None;
    }
    Some(Outcome {
        command: String::new(),
        result: Err(not_utf8_message(number, "save the input as UTF-8")),
        saved: Vec::new(),
    })
}

/// The error that answers input line `number` when it is not UTF-8, the pipe's and the prompt's, with how to
/// fix it (`fix`).
fn not_utf8_message(number: usize, fix: &str) -> String {
    format!("line {number} is not UTF-8 text; nothing was done: {fix}")
}

/// Whether rustyline refused a typed line because its bytes are not UTF-8: an I/O error of kind
/// `InvalidData`, which is what rustyline 15 gives both on a terminal (its UTF-8 decoder meeting an invalid
/// sequence) and on a terminal it cannot drive (`TERM=dumb`: std's `read_line`). The line is not run, and the
/// prompt asks for the next one.
fn typed_not_utf8(e: &rustyline::error::ReadlineError) -> bool {
    matches!(e, rustyline::error::ReadlineError::Io(io) if io.kind() == std::io::ErrorKind::InvalidData)
}

/// The interactive prompt (rustyline: history, line editing). A line that is not UTF-8 is answered with an
/// error, as from a pipe ([`typed_not_utf8`]), and the prompt goes on.
async fn interactive(app: &App, ctx: &Ctx, out_dir: &Path) -> anyhow::Result<()> {
    let mut rl = rustyline::DefaultEditor::new()?;
    let mut out = std::io::stdout();
    let banner = writeln!(
        out,
        "partnerfit console — workspace `{}`, you are `{}` ({}). Type /help, or ask `does Acme fit?`. `exit` or Ctrl-D to leave.",
        ctx.workspace, ctx.user, ctx.role
    );
    if quietly_gone(banner)? {
        return Ok(());
    }
    let mut number = 0usize;
    loop {
        let read = rl.readline("partnerfit> ");
        if read.as_ref().map_or_else(typed_not_utf8, |_| true) {
            number += 1;
        }
        match read {
            Ok(line) => {
                if !line.trim().is_empty() {
                    let _ = rl.add_history_entry(line.as_str());
                }
                if is_exit(&line) {
                    break;
                }
                if let Some(mut o) = handle_line(app, ctx, &line).await {
                    save_files(&mut o, out_dir);
                    if quietly_gone(print(&mut out, &o, false))? {
                        break;
                    }
                }
            }
            Err(e) if typed_not_utf8(&e) => {
                let o = Outcome {
                    command: String::new(),
                    result: Err(not_utf8_message(
                        number,
                        "type it again, with the terminal set to UTF-8",
                    )),
                    saved: Vec::new(),
                };
                if quietly_gone(print(&mut out, &o, false))? {
                    break;
                }
            }
            Err(rustyline::error::ReadlineError::Interrupted) => continue,
            Err(rustyline::error::ReadlineError::Eof) => break,
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rustyline::error::ReadlineError;

    #[test]
    fn a_typed_line_that_is_not_utf8_is_answered_and_the_prompt_goes_on() {
        // What rustyline 15's terminal reader returns on an invalid byte (tty/unix.rs, `next_char`).
        assert!(typed_not_utf8(&ReadlineError::from(
            std::io::ErrorKind::InvalidData
        )));
        // What its reader for a terminal it cannot drive returns: std's `read_line` on a Latin-1 `é`.
        let mut line = String::new();
        let e = std::io::BufRead::read_line(&mut &b"caf\xe9\n"[..], &mut line).unwrap_err();
        assert!(typed_not_utf8(&ReadlineError::Io(e)));
        // Ctrl-C, Ctrl-D and any other error are not that.
        assert!(!typed_not_utf8(&ReadlineError::Interrupted));
        assert!(!typed_not_utf8(&ReadlineError::Eof));
        assert!(!typed_not_utf8(&ReadlineError::from(
            std::io::ErrorKind::BrokenPipe
        )));
        assert!(!typed_not_utf8(&ReadlineError::WindowResized));
        // The pipe's words, with the prompt's fix.
        assert_eq!(
            not_utf8_message(3, "type it again, with the terminal set to UTF-8"),
            "line 3 is not UTF-8 text; nothing was done: type it again, with the terminal set to UTF-8"
        );
        assert_eq!(
            not_utf8(b"caf\xe9\n", 2)
                .and_then(|o| o.result.err())
                .as_deref(),
            Some("line 2 is not UTF-8 text; nothing was done: save the input as UTF-8")
        );
    }
}
