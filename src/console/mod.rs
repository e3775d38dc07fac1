//! `partnerfit console`: the same commands as Discord, typed as text lines — an interactive prompt with line
//! editing on a terminal, one command per line from a pipe — printed as text or, with `--json`, one JSON
//! object per input line.

pub mod line;

use crate::app::{answer_question, dispatch, App, AppError, Ctx, Reply};
use line::{parse_line, Line};
use serde_json::json;
use std::io::{BufRead, IsTerminal, Write};

/// The result of one input line, ready to print.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub command: String,
    pub result: Result<Reply, String>,
}

impl Outcome {
    /// The `--json` object: `{"ok": true, "command": …, "reply": …}` or `{"ok": false, "command": …, "error": …}`.
    pub fn to_json(&self) -> serde_json::Value {
        match &self.result {
            Ok(r) => json!({"ok": true, "command": self.command, "reply": r.json()}),
            Err(e) => json!({"ok": false, "command": self.command, "error": e}),
        }
    }
    pub fn to_text(&self) -> String {
        match &self.result {
            Ok(r) => r.card.to_text(),
            Err(e) => format!("error: {e}"),
        }
    }
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
        Ok(Line::Command(inv)) => (inv.command_name(), dispatch(app, ctx, &inv).await),
        Ok(Line::Question(q)) => ("screen".to_string(), answer_question(app, ctx, &q).await),
    };
    Some(Outcome {
        command,
        result: result.map_err(|e| e.user_message()),
    })
}

fn print(out: &mut impl Write, o: &Outcome, json: bool) -> std::io::Result<()> {
    if json {
        writeln!(out, "{}", o.to_json())?;
    } else {
        writeln!(out, "{}\n", o.to_text())?;
    }
    out.flush()
}

/// Run the console on stdin/stdout until end of input.
pub async fn run(app: &App, ctx: &Ctx, json: bool) -> anyhow::Result<()> {
    if std::io::stdin().is_terminal() && !json {
        return interactive(app, ctx).await;
    }
    let stdin = std::io::stdin();
    let mut out = std::io::stdout().lock();
    let mut buf = Vec::new();
    let mut reader = stdin.lock();
    loop {
        buf.clear();
        if reader.read_until(b'\n', &mut buf)? == 0 {
            break;
        }
        let text = String::from_utf8_lossy(&buf);
        let text = text.trim_end_matches(['\n', '\r']);
        if is_exit(text) {
            break;
        }
        if let Some(o) = handle_line(app, ctx, text).await {
            print(&mut out, &o, json)?;
        }
    }
    Ok(())
}

/// The interactive prompt (rustyline: history, line editing).
async fn interactive(app: &App, ctx: &Ctx) -> anyhow::Result<()> {
    let mut rl = rustyline::DefaultEditor::new()?;
    println!(
        "partnerfit console — workspace `{}`, you are `{}` ({}). Type /help, or ask `does Acme fit?`. `exit` or Ctrl-D to leave.",
        ctx.workspace, ctx.user, ctx.role
    );
    let mut out = std::io::stdout();
    loop {
        match rl.readline("partnerfit> ") {
            Ok(line) => {
                if !line.trim().is_empty() {
                    let _ = rl.add_history_entry(line.as_str());
                }
                if is_exit(&line) {
                    break;
                }
                if let Some(o) = handle_line(app, ctx, &line).await {
                    print(&mut out, &o, false)?;
                }
            }
            Err(rustyline::error::ReadlineError::Interrupted) => continue,
            Err(rustyline::error::ReadlineError::Eof) => break,
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}
