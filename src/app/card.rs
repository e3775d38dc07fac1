//! What a command answers: a typed reply serialized to JSON for scripts, and a [`Card`] — a neutral
//! description of a message that the console prints as text and Discord renders as an embed.
//!
//! A card's text mixes the app's own words (with the little formatting it uses: `**bold**`, `` `code` ``,
//! `~~struck~~`) and words users typed — names, notes, sources, reasons, champions. Each piece of user text is
//! put in a card through [`user`], which marks where it starts and ends; every renderer then shows it as
//! text on its platform ([`segments`]): Discord escapes its markdown, Slack its control characters, the
//! console prints it as it is ([`plain`]). No renderer lets a mark through.

use serde::Serialize;

/// Opens a piece of user text inside card text: U+FDD0, a Unicode noncharacter (reserved for a program's
/// internal use, never text a user means), so it cannot be confused with anything typed.
pub const USER_OPEN: char = '\u{FDD0}';
/// Closes a piece of user text (U+FDD1).
pub const USER_CLOSE: char = '\u{FDD1}';

/// Text a user typed, as it goes into card text (`format!("**{}**", user(&name))`): shown as text by every
/// renderer, never as markup. Marks inside the text itself are dropped, so user text cannot close its own
/// span early.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UserText<'a>(pub &'a str);

/// Mark `s` as user text (see [`UserText`]).
pub fn user(s: &str) -> UserText<'_> {
    UserText(s)
}

impl std::fmt::Display for UserText<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write_user(f, self.0)
    }
}

/// Write `s` as user text: between the marks, with any mark inside it left out.
fn write_user(out: &mut impl std::fmt::Write, s: &str) -> std::fmt::Result {
    out.write_char(USER_OPEN)?;
    // Both marks are U+FDDx, whose UTF-8 starts with the byte 0xEF: without one, the text is written whole.
    if s.as_bytes().contains(&0xEF) {
        for part in s.split(is_mark) {
            out.write_str(part)?;
        }
    } else {
        out.write_str(s)?;
    }
    out.write_char(USER_CLOSE)
}

fn is_mark(c: char) -> bool {
    c == USER_OPEN || c == USER_CLOSE
}

/// Append `s` as user text to `out`: what `write!(out, "{}", user(s))` appends.
pub fn push_user(out: &mut String, s: &str) {
    // Writing to a String cannot fail.
    let _ = write_user(out, s);
}

/// A piece of card text: the app's own words, or words a user typed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Segment<'a> {
    Ours(&'a str),
    Users(&'a str),
}

/// Card text cut into the app's words and user text, in order, without the marks (an unclosed mark runs to
/// the end; a stray closing mark is dropped). Empty pieces are left out.
pub fn segments(s: &str) -> Vec<Segment<'_>> {
    each_segment(s).collect()
}

/// [`segments`], one at a time (no list is made).
pub fn each_segment(s: &str) -> Segments<'_> {
    Segments { rest: s }
}

/// The pieces of card text ([`each_segment`]).
#[derive(Debug, Clone)]
pub struct Segments<'a> {
    rest: &'a str,
}

impl<'a> Iterator for Segments<'a> {
    type Item = Segment<'a>;

    fn next(&mut self) -> Option<Segment<'a>> {
        loop {
            let rest = self.rest;
            if rest.is_empty() {
                return None;
            }
            let Some(open) = find_mark(rest) else {
                self.rest = "";
                return Some(Segment::Ours(rest));
            };
            if open > 0 {
                self.rest = &rest[open..];
                return Some(Segment::Ours(&rest[..open]));
            }
            let mark = rest.chars().next().unwrap_or(USER_OPEN);
            let after = &rest[mark.len_utf8()..];
            if mark == USER_CLOSE {
                self.rest = after;
                continue;
            }
            let end = after.find(USER_CLOSE).unwrap_or(after.len());
            let inner = &after[..end];
            self.rest = after.get(end + USER_CLOSE.len_utf8()..).unwrap_or("");
            if !inner.is_empty() {
                return Some(Segment::Users(inner));
            }
        }
    }
}

/// Card text as plain text: the marks removed, everything else as it is (the console, button labels, and
/// the places a platform shows without formatting).
pub fn plain(s: &str) -> String {
    if find_mark(s).is_none() {
        return s.to_string();
    }
    s.chars().filter(|c| !is_mark(*c)).collect()
}

/// Where the first mark is in `s`: a search of its bytes for the first byte both marks start with (0xEF, a
/// lead byte, never inside another character), where a search by character decodes every character.
fn find_mark(s: &str) -> Option<usize> {
    let mut from = 0;
    while let Some(i) = s.as_bytes().get(from..)?.iter().position(|&b| b == 0xEF) {
        let at = from + i;
        if s[at..].starts_with(is_mark) {
            return Some(at);
        }
        from = at + 1;
    }
    None
}

/// The colour family of a card (Discord embed colour; console ignores it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    Good,
    Okay,
    Warn,
    Bad,
    Info,
}

impl Tone {
    pub fn rgb(self) -> u32 {
        match self {
            Tone::Good => 0x2E_CC_71,
            Tone::Okay => 0x9B_D7_70,
            Tone::Warn => 0xF1_C4_0F,
            Tone::Bad => 0xE7_4C_3C,
            Tone::Info => 0x34_98_DB,
        }
    }
}

/// A titled value inside a card.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    pub name: String,
    pub value: String,
    pub inline: bool,
}

/// A file sent with the message (a chart, a CSV export).
#[derive(Debug, Clone, PartialEq)]
pub struct FileOut {
    pub name: String,
    pub bytes: Vec<u8>,
}

/// A button under the message. What it does is data — a kind with typed ids — never a command: the chat layer
/// encodes it for the platform and checks it again, inside the caller's workspace, when it is pressed.
#[derive(Debug, Clone, PartialEq)]
pub struct Action {
    pub target: Target,
    pub label: String,
}

/// What a button acts on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// Open the form that records evidence of one trait for one partner.
    RecordEvidence { partner: i64, trait_id: i64 },
    /// Screen one partner (a name that could mean several offers one per candidate).
    Screen { partner: i64 },
}

impl Target {
    /// The least role that may press it: screening is everyone's, recording evidence a member's.
    pub fn min_role(&self) -> crate::domain::Role {
        match self {
            Target::RecordEvidence { .. } => crate::domain::Role::Member,
            Target::Screen { .. } => crate::domain::Role::Guest,
        }
    }
}

/// Where a card's list stands when the card shows one page of it (the lines are that page only).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Paged {
    /// The page shown, from 0.
    pub page: usize,
    /// How many pages the list has (at least 1).
    pub pages: usize,
}

/// A message, independent of where it is shown.
#[derive(Debug, Clone, PartialEq)]
pub struct Card {
    pub title: String,
    pub tone: Tone,
    pub description: Option<String>,
    pub fields: Vec<Field>,
    /// A list body (one entry per line); long lists are paginated in Discord.
    pub lines: Vec<String>,
    pub footer: Option<String>,
    pub files: Vec<FileOut>,
    pub actions: Vec<Action>,
    /// Shown only to the caller in Discord (previews).
    pub ephemeral: bool,
    /// A role this message mentions and pings: only the configured review role, only on a posted digest.
    pub mention_role: Option<String>,
    /// The list the lines are, so a chat can show it page by page (page buttons carry this, not a command).
    pub list: Option<super::lists::ListId>,
    /// Set when `lines` hold one page of the list rather than all of it.
    pub paged: Option<Paged>,
}

impl Card {
    pub fn new(title: impl Into<String>, tone: Tone) -> Card {
        Card {
            title: title.into(),
            tone,
            description: None,
            fields: Vec::new(),
            lines: Vec::new(),
            footer: None,
            files: Vec::new(),
            actions: Vec::new(),
            ephemeral: false,
            mention_role: None,
            list: None,
            paged: None,
        }
    }
    pub fn description(mut self, d: impl Into<String>) -> Card {
        self.description = Some(d.into());
        self
    }
    pub fn field(
        mut self,
        name: impl Into<String>,
        value: impl Into<String>,
        inline: bool,
    ) -> Card {
        let value = value.into();
        self.fields.push(Field {
            name: name.into(),
            // Nothing but marks and spaces: `plain(&value).trim().is_empty()`, without a copy.
            value: if value.chars().all(|c| is_mark(c) || c.is_whitespace()) {
                "—".into()
            } else {
                value
            },
            inline,
        });
        self
    }
    pub fn line(mut self, l: impl Into<String>) -> Card {
        self.lines.push(l.into());
        self
    }
    pub fn footer(mut self, f: impl Into<String>) -> Card {
        self.footer = Some(f.into());
        self
    }
    /// Mark the lines as the list `list` (so a chat may page through it).
    pub fn list(mut self, list: super::lists::ListId) -> Card {
        self.list = Some(list);
        self
    }
    pub fn ephemeral(mut self) -> Card {
        self.ephemeral = true;
        self
    }

    /// Plain-text rendering for the console.
    pub fn to_text(&self) -> String {
        let mut out = vec![self.title.clone()];
        if let Some(d) = &self.description {
            out.push(d.clone());
        }
        for f in &self.fields {
            if f.value.contains('\n') {
                out.push(format!("{}:", f.name));
                out.extend(f.value.lines().map(|l| format!("  {l}")));
            } else {
                out.push(format!("{}: {}", f.name, f.value));
            }
        }
        // Files are not text: the console writes them to disk and says where (never "attached").
        out.extend(self.lines.iter().map(|l| format!("  {l}")));
        if let Some(f) = &self.footer {
            out.push(f.clone());
        }
        strip_markdown(&out.join("\n"))
    }
}

/// Remove the Discord markdown we emit (bold) for plain text output, and the marks around user text (whose
/// own asterisks stay).
fn strip_markdown(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for seg in each_segment(s) {
        match seg {
            Segment::Ours(t) => {
                for part in t.split("**") {
                    out.push_str(part);
                }
            }
            Segment::Users(t) => out.push_str(t),
        }
    }
    out
}

/// A typed reply that can be shown.
pub trait Render: Serialize {
    fn card(&self) -> Card;
}

/// A rendered reply: the card for people and, on demand, the JSON object for `--json` (Discord never asks
/// for it, so a reply there does not pay for building it).
#[derive(Clone)]
pub struct Reply {
    pub card: Card,
    typed: std::sync::Arc<dyn ToJson>,
}

/// A typed reply, kept to be serialized when its JSON is asked for.
trait ToJson: Send + Sync {
    fn to_json(&self) -> serde_json::Value;
}

impl<T: Serialize + Send + Sync> ToJson for T {
    fn to_json(&self) -> serde_json::Value {
        serde_json::to_value(self)
            .unwrap_or_else(|e| serde_json::json!({ "serialize_error": e.to_string() }))
    }
}

impl Reply {
    pub fn from_typed<T: Render + Send + Sync + 'static>(typed: T) -> Reply {
        Reply {
            card: typed.card(),
            typed: std::sync::Arc::new(typed),
        }
    }

    /// The reply as the JSON object of `--json`.
    pub fn json(&self) -> serde_json::Value {
        self.typed.to_json()
    }
}

impl std::fmt::Debug for Reply {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reply")
            .field("card", &self.card)
            .field("json", &self.json())
            .finish()
    }
}

impl PartialEq for Reply {
    fn eq(&self, other: &Reply) -> bool {
        self.card == other.card && self.json() == other.json()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn user_text_is_marked_and_cut_out_again() {
        let text = format!("**{}** · note {}", user("A*B"), user("x\u{FDD1}y"));
        assert_eq!(
            segments(&text),
            [
                Segment::Ours("**"),
                Segment::Users("A*B"),
                Segment::Ours("** · note "),
                Segment::Users("xy"),
            ]
        );
        assert_eq!(plain(&text), "**A*B** · note xy");
        // A stray closing mark is dropped; an unclosed one runs to the end.
        assert_eq!(
            segments("a\u{FDD1}b\u{FDD0}c"),
            [Segment::Ours("a"), Segment::Ours("b"), Segment::Users("c")]
        );
        assert_eq!(segments(&user("").to_string()), []);
        let card = Card::new(format!("{} — fit", user("**Acme**")), Tone::Good).field(
            "Note",
            user("").to_string(),
            false,
        );
        assert_eq!(card.to_text(), "**Acme** — fit\nNote: —");
    }
}
