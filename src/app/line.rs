//! The text grammar of a command, the way Discord shows a filled-in one:
//! `/evidence add partner:"Acme Corp" trait:"Customer overlap" value:31`. The console reads its lines with it,
//! and so does every chat front end that takes commands as text. It sits below the front ends so that none
//! of them imports another; it does no I/O: a file option keeps the text typed for it (the console reads
//! that path once the caller's role allows the command; no chat ever does).

use super::spec::{self, COMMANDS};
use super::{ArgValue, Invocation};
use crate::domain::snippet;
use std::borrow::Cow;

/// What a line asks for.
#[derive(Debug, Clone, PartialEq)]
pub enum Line {
    /// Blank or a `#` comment.
    Nothing,
    Command(Invocation),
    /// Free text, answered like `/screen` when it is a question.
    Question(String),
}

/// A line that cannot be parsed; the message says how to fix it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct LineError {
    /// The command as far as it could be read (for JSON output).
    pub command: String,
    pub message: String,
}

/// The longest line we read (a little over the longest option value Discord allows, times options).
pub const MAX_LINE_BYTES: usize = 1024 * 1024;

enum Token {
    Word(String),
    Opt(String, String),
}

fn err(command: &str, message: impl Into<String>) -> LineError {
    LineError {
        command: command.to_string(),
        message: message.into(),
    }
}

/// Read a quoted value starting after the opening quote; returns the value and the rest.
fn quoted(s: &str) -> Option<(String, &str)> {
    let mut out = String::new();
    let mut chars = s.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some((_, e @ ('"' | '\\'))) => out.push(e),
                Some((_, 'n')) => out.push('\n'),
                Some((_, other)) => {
                    out.push('\\');
                    out.push(other);
                }
                None => return None,
            },
            '"' => return Some((out, &s[i + 1..])),
            c => out.push(c),
        }
    }
    None
}

/// `value` as it goes between the quotes of an option value (`partner:"…"`) for [`parse_line`] to read it
/// back as `value`: `\` and `"` are written `\\` and `\"`, a line break `\n`. For the commands a reply
/// suggests with a name in them, so that they can be pasted as they are; a value without those characters is
/// written unchanged.
pub fn escape_quoted(value: &str) -> Cow<'_, str> {
    if !value.contains(['\\', '"', '\n']) {
        return Cow::Borrowed(value);
    }
    let mut out = String::with_capacity(value.len() + 8);
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

fn tokenize(body: &str, command: &str) -> Result<Vec<Token>, LineError> {
    let mut tokens = Vec::new();
    let mut rest = body.trim_start();
    while !rest.is_empty() {
        let end = rest
            .find(|c: char| c.is_whitespace() || c == ':' || c == '"')
            .unwrap_or(rest.len());
        let head = &rest[..end];
        let after = &rest[end..];
        if let Some(value_part) = after.strip_prefix(':') {
            if head.is_empty() {
                return Err(err(
                    command,
                    "an option needs a name before `:`, like partner:\"Acme Corp\"",
                ));
            }
            let (value, next) = if let Some(q) = value_part.strip_prefix('"') {
                quoted(q).ok_or_else(|| {
                    err(
                        command,
                        format!("unbalanced quote in `{head}:`: close the value with \" (write \\\" for a quote inside)"),
                    )
                })?
            } else {
                let e = value_part
                    .find(char::is_whitespace)
                    .unwrap_or(value_part.len());
                (value_part[..e].to_string(), &value_part[e..])
            };
            if !next.is_empty() && !next.starts_with(char::is_whitespace) {
                return Err(err(
                    command,
                    format!("put a space after the value of `{head}:`"),
                ));
            }
            tokens.push(Token::Opt(head.to_string(), value));
            rest = next.trim_start();
        } else if after.starts_with('"') {
            return Err(err(
                command,
                format!("unexpected quoted text after `{}`: values go after an option name, like name:\"Acme Corp\"", snippet(head)),
            ));
        } else {
            tokens.push(Token::Word(head.to_string()));
            rest = after.trim_start();
        }
    }
    Ok(tokens)
}

/// Parse one console line.
pub fn parse_line(line: &str) -> Result<Line, LineError> {
    let t = line.trim_matches(|c: char| c.is_whitespace() || c == '\u{feff}');
    if t.is_empty() || t.starts_with('#') {
        return Ok(Line::Nothing);
    }
    if line.len() > MAX_LINE_BYTES {
        return Err(err(
            "",
            format!(
                "the line is too long ({} bytes; at most {MAX_LINE_BYTES})",
                line.len()
            ),
        ));
    }
    let Some(body) = t.strip_prefix('/') else {
        return Ok(Line::Question(t.to_string()));
    };
    let first = body.split_whitespace().next().unwrap_or("").to_lowercase();
    let tokens = tokenize(body, &first)?;
    let mut path = Vec::new();
    let mut opts = Vec::new();
    // `/help log hours` asks for one command's help: the words after `help` are its `command` option.
    let mut help_words: Vec<String> = Vec::new();
    for tok in tokens {
        match tok {
            Token::Word(w) if opts.is_empty() && path == ["help"] => help_words.push(w),
            Token::Word(w) if opts.is_empty() && extends_a_command(&path, &w) => {
                path.push(w.to_lowercase())
            }
            Token::Word(w) => {
                return Err(err(
                    &path.join(" "),
                    format!(
                        "`{}` has no option name: write name:value (quote values with spaces)",
                        snippet(&w)
                    ),
                ))
            }
            Token::Opt(n, v) => opts.push((n.to_lowercase(), v)),
        }
    }
    let command = path.join(" ");
    if !help_words.is_empty() {
        opts.push(("command".to_string(), help_words.join(" ")));
    }
    let spec = spec::find(&path).ok_or_else(|| err(&command, unknown_command(&path)))?;
    let mut inv = Invocation {
        path: spec.path.iter().map(|s| s.to_string()).collect(),
        ..Invocation::default()
    };
    for (name, value) in opts {
        if inv.args.contains_key(&name) {
            return Err(err(&command, format!("option `{name}` is given twice")));
        }
        // A file option holds the path as text: the console reads it once the caller's role allows the
        // command; parsing never touches the disk.
        inv.args.insert(name, ArgValue::Text(value));
    }
    Ok(Line::Command(inv))
}

/// Whether `word` continues `path` towards some command (so it is a path word, not a stray value).
fn extends_a_command(path: &[String], word: &str) -> bool {
    let depth = path.len();
    path.is_empty()
        || COMMANDS.iter().any(|c| {
            c.path.len() > depth
                && c.path
                    .iter()
                    .zip(path)
                    .all(|(a, b)| a.eq_ignore_ascii_case(b))
                && c.path[depth].eq_ignore_ascii_case(word)
        })
        || spec::find(path).is_none()
}

fn unknown_command(path: &[String]) -> String {
    let shown = snippet(&path.join(" "));
    let under: Vec<String> = COMMANDS
        .iter()
        .filter(|c| {
            !path.is_empty()
                && c.path.len() > path.len()
                && c.path
                    .starts_with(&path.iter().map(String::as_str).collect::<Vec<_>>())
        })
        .map(|c| format!("/{}", c.name()))
        .collect();
    if !under.is_empty() {
        return format!("/{shown} needs a subcommand: {}", under.join(", "));
    }
    let names: Vec<String> = COMMANDS.iter().map(|c| c.name()).collect();
    let hint = crate::app::lookup::closest(&path.join(" "), names.iter().map(String::as_str))
        .map(|c| format!(" Did you mean /{c}?"))
        .unwrap_or_default();
    format!("unknown command /{shown}.{hint} Type /help for the list.")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cmd(line: &str) -> Invocation {
        match parse_line(line).unwrap() {
            Line::Command(i) => i,
            other => panic!("{other:?}"),
        }
    }

    fn text(inv: &Invocation, k: &str) -> String {
        match &inv.args[k] {
            ArgValue::Text(t) => t.clone(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn parses_the_contract_example() {
        let i = cmd(
            r#"/evidence add partner:"Acme Corp" trait:"Customer overlap" value:31 source:"overlap report""#,
        );
        assert_eq!(i.path, ["evidence", "add"]);
        assert_eq!(text(&i, "partner"), "Acme Corp");
        assert_eq!(text(&i, "trait"), "Customer overlap");
        assert_eq!(text(&i, "value"), "31");
        assert_eq!(text(&i, "source"), "overlap report");
    }

    #[test]
    fn nested_groups_and_escapes() {
        let i = cmd(r#"/Profile trait add type:reseller name:"Say \"hi\"" min:25"#);
        assert_eq!(i.path, ["profile", "trait", "add"]);
        assert_eq!(text(&i, "name"), "Say \"hi\"");
        let i = cmd("/profile list");
        assert!(i.args.is_empty());
        let i = cmd(r#"/partner add name:"" type:si"#);
        assert_eq!(text(&i, "name"), "");
        let i = cmd("/screen partner:https://acme.example/x?a=b");
        assert_eq!(text(&i, "partner"), "https://acme.example/x?a=b");
    }

    #[test]
    fn errors_say_what_to_do() {
        let e = parse_line(r#"/screen partner:"Acme"#).unwrap_err();
        assert!(e.message.contains("unbalanced quote"), "{e}");
        assert_eq!(e.command, "screen");
        assert!(parse_line("/profile")
            .unwrap_err()
            .message
            .contains("needs a subcommand"));
        assert!(parse_line("/scren partner:x")
            .unwrap_err()
            .message
            .contains("Did you mean /screen"));
        assert!(parse_line("/screen Acme")
            .unwrap_err()
            .message
            .contains("no option name"));
        assert!(parse_line("/screen partner:a partner:b")
            .unwrap_err()
            .message
            .contains("twice"));
        assert!(parse_line(r#"/screen partner:"a"b"#)
            .unwrap_err()
            .message
            .contains("space after"));
    }

    #[test]
    fn escaped_values_read_back_as_they_were() {
        for value in [
            "Acme Corp",
            "Bad\"Quote",
            "\"",
            "back\\slash",
            "ends with \\",
            "\\\"both\\\" \\n and a\nbreak",
            "",
        ] {
            let line = format!("/partner show partner:\"{}\"", escape_quoted(value));
            assert_eq!(text(&cmd(&line), "partner"), value, "{line}");
        }
        assert!(matches!(
            escape_quoted("Acme Corp"),
            Cow::Borrowed("Acme Corp")
        ));
        assert_eq!(escape_quoted(r#"Bad"Quote"#), r#"Bad\"Quote"#);
        assert_eq!(escape_quoted(r"a\b"), r"a\\b");
    }

    #[test]
    fn help_takes_a_command_without_an_option_name() {
        let i = cmd("/help log hours");
        assert_eq!(i.path, ["help"]);
        assert_eq!(text(&i, "command"), "log hours");
        let i = cmd("/help command:screen");
        assert_eq!(text(&i, "command"), "screen");
        assert!(cmd("/help").args.is_empty());
    }

    #[test]
    fn questions_and_blank_lines() {
        assert_eq!(parse_line("  "), Ok(Line::Nothing));
        assert_eq!(parse_line("# comment"), Ok(Line::Nothing));
        assert_eq!(
            parse_line("does Acme fit?"),
            Ok(Line::Question("does Acme fit?".into()))
        );
    }
}
