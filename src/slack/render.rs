//! Cards to Slack Block Kit: a header, section text and fields, a context footer and buttons, always within
//! Slack's limits (50 blocks a message, 3,000 characters a section text, 10 fields of 2,000 a section, 150 a
//! header, 75 a button label), long text cut with "…" so Slack never refuses a reply.
//!
//! Every text is escaped (`&`, `<`, `>`), so nothing a user typed — `<!channel>`, `<!here>`, `<@U…>` as a
//! partner name — can ping or link: it arrives as text. The one exception is the card's `mention_role` (set
//! only on a posted quarterly digest), rendered as the review group's `<!subteam^…>` mention; and the
//! channel links the app writes itself (`<#C…>`), restored after escaping because a channel link never
//! notifies anyone.
//!
//! The app writes its commands as Discord and the console name them (`/evidence retract id:7`); Slack has one
//! slash command, so in the app's own words (never in user text) each `/<command path>` becomes
//! `/partnerfit <command path>` ([`slack_commands`]), whatever card or error it is in. An author the app
//! names (`<@U…>`, as records keep them) is shown as the text `@U…`, never as Slack's mention: a mention
//! in a message the channel sees (a reply in the channel, a digest, a mention's answer) notifies that person
//! every time someone screens a partner or a digest is posted, and nobody's command may ping anyone.

use crate::app::card::{each_segment, plain, push_user, segments, Card, Segment};
use crate::app::chat::Platform;
use crate::domain::format::clip_end;
use serde_json::{json, Value};

/// Lines of a list shown per page (the app's own page size).
pub const PAGE_LINES: usize = crate::app::lists::PAGE_LINES;
/// Slack's limits (Block Kit reference).
pub const MAX_BLOCKS: usize = 50;
pub const MAX_SECTION_TEXT: usize = 3000;
pub const MAX_FIELDS: usize = 10;
pub const MAX_FIELD_TEXT: usize = 2000;
pub const MAX_HEADER: usize = 150;
pub const MAX_BUTTON_LABEL: usize = 75;
pub const MAX_BUTTON_VALUE: usize = 2000;
/// The notification text of a message (Slack's own limit is 40,000; a card's title is what it needs).
pub const MAX_TEXT: usize = 3000;

/// Cut `s` to at most `max` characters, marking the cut with "…".
pub use crate::domain::clip;

/// How the app's own words are written for Slack.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct To<'a> {
    /// The slash command Slack users type (`/partnerfit`): `/screen …` in the app's words becomes
    /// `/partnerfit screen …`.
    pub command: &'a str,
}

/// Every declared command path and command group, as typed after a `/` (`evidence retract`, `evidence`),
/// longest first, so `/evidence retract` is read whole before `/evidence`.
fn command_paths() -> &'static [String] {
    static PATHS: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
    PATHS.get_or_init(|| {
        let mut v: Vec<String> = crate::app::spec::COMMANDS
            .iter()
            .flat_map(|c| (1..=c.path.len()).map(|n| c.path[..n].join(" ")))
            .collect();
        v.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
        v.dedup();
        v
    })
}

/// A character that continues a word: a command path followed by one is no command (`/screening`).
fn in_word(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '-'
}

/// The app's own text with each `/<command path>` (a declared command or group, whole words, not inside a
/// word, a path or a URL) written as Slack users type it: `/partnerfit <command path>`.
fn commands_in(s: &str, command: &str) -> String {
    let mut out = String::with_capacity(s.len() + 16);
    let mut last = 0;
    let mut prev: Option<char> = None;
    for (i, c) in s.char_indices() {
        let starts =
            c == '/' && prev.is_none_or(|p| !(in_word(p) || p == '/' || p == ':' || p == '.'));
        prev = Some(c);
        if !starts || i < last {
            continue;
        }
        let rest = &s[i + 1..];
        let found = command_paths().iter().find(|p| {
            rest.get(..p.len())
                .is_some_and(|h| h.eq_ignore_ascii_case(p))
                && !rest[p.len()..].starts_with(|c: char| in_word(c) || c == '/')
        });
        if let Some(p) = found {
            out.push_str(&s[last..i]);
            out.push_str(command);
            out.push(' ');
            out.push_str(&rest[..p.len()]);
            last = i + 1 + p.len();
        }
    }
    out.push_str(&s[last..]);
    out
}

/// Card text with the app's own command names written for Slack ([`commands_in`]); user text, kept marked,
/// is left exactly as typed.
pub fn slack_commands(s: &str, command: &str) -> String {
    if !s.contains('/') {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len() + 16);
    for seg in each_segment(s) {
        match seg {
            Segment::Ours(t) => out.push_str(&commands_in(t, command)),
            Segment::Users(t) => push_user(&mut out, t),
        }
    }
    out
}

/// Slack's three control characters escaped: the text can no longer mention, link or ping. The marks
/// around user text ([`crate::app::card::user`]) are dropped.
pub fn escape(s: &str) -> String {
    plain(s)
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Cut escaped text to `max` characters without splitting an `&amp;`-style entity: the cut of
/// [`crate::domain::clip`] ([`clip_end`]), moved back to before an entity it would split, since half an entity
/// would show as text; spaces before the "…" are kept, as Slack's replies always showed them.
fn clip_escaped(s: &str, max: usize) -> String {
    let Some(end) = clip_end(s, max) else {
        return s.to_string();
    };
    let mut out = s[..end].to_string();
    if let Some(amp) = out.rfind('&') {
        if !out[amp..].contains(';') {
            out.truncate(amp);
        }
    }
    out.push('…');
    out
}

/// `&lt;#C0123&gt;` back to a channel link: the app writes those itself, and a channel link pings no one.
fn restore_channel_links(s: &str) -> String {
    rewrite_escaped(s, "#", |id| {
        (Platform::Slack.parse_channel(id).as_deref() == Some(id)).then(|| format!("<#{id}>"))
    })
}

/// `&lt;@U0123&gt;` (an author the app names: records keep Slack users as `<@U…>`) as the text `@U0123`:
/// readable, and never a mention, which would notify that person.
fn author_mentions(s: &str) -> String {
    rewrite_escaped(s, "@", |id| slack_user_id(id).then(|| format!("@{id}")))
}

/// Each escaped token `&lt;{mark}…&gt;` of `s` that `rewrite` takes (given what is between the mark and
/// `&gt;`) replaced by what it gives; the others left as they are.
fn rewrite_escaped(s: &str, mark: &str, rewrite: impl Fn(&str) -> Option<String>) -> String {
    const CLOSE: &str = "&gt;";
    let open = format!("&lt;{mark}");
    if !s.contains(&open) {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find(&open) {
        out.push_str(&rest[..i]);
        let after = &rest[i + open.len()..];
        match after
            .find(CLOSE)
            .and_then(|j| rewrite(&after[..j]).map(|r| (j, r)))
        {
            Some((j, r)) => {
                out.push_str(&r);
                rest = &after[j + CLOSE.len()..];
            }
            None => {
                out.push_str(&open);
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// A Slack user id (`U0123ABCD`, `W0123ABCD` of an Enterprise Grid): nothing else is shown as an author.
fn slack_user_id(s: &str) -> bool {
    s.starts_with(['U', 'W'])
        && (3..=21).contains(&s.len())
        && s.chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
}

/// Card text (user text inside) to Slack mrkdwn: escaped, `**bold**` to `*bold*`, at most `max` characters.
/// In the app's own words only — in user text ([`crate::app::card::user`]) a `<#C…>`, a `<@U…>` or a
/// `/partner add` stays as typed — its commands are written for Slack ([`slack_commands`]), its channel
/// links restored, its authors shown as `@U…` ([`author_mentions`]) and its bold converted.
pub fn mrkdwn(s: &str, max: usize, to: To) -> String {
    let escaped: String = segments(s)
        .into_iter()
        .map(|seg| match seg {
            Segment::Ours(t) => {
                let t = escape(&commands_in(t, to.command));
                author_mentions(&restore_channel_links(&t)).replace("**", "*")
            }
            Segment::Users(t) => escape(t),
        })
        .collect();
    clip_escaped(&escaped, max)
}

fn mrkdwn_text(s: &str, max: usize, to: To) -> Value {
    json!({"type": "mrkdwn", "text": mrkdwn(s, max, to), "verbatim": true})
}

fn plain_text(s: &str, max: usize) -> Value {
    json!({"type": "plain_text", "text": escape_clipped(s, max), "emoji": false})
}

/// `s` escaped ([`escape`]), then cut to `max` characters ([`clip_escaped`]): cutting first would let the
/// escaping push it over Slack's limit. Plain-text labels, and the evidence form's menu options.
pub fn escape_clipped(s: &str, max: usize) -> String {
    clip_escaped(&escape(s), max)
}

/// The page a card shows when asked for `page`, and how many pages its list has: a card the app already cut
/// to one page says which (`paged`); otherwise its lines are cut here.
pub fn page_of(card: &Card, page: usize) -> (usize, usize) {
    match card.paged {
        Some(p) => (p.page, p.pages.max(1)),
        None => {
            let n = card.lines.len().div_ceil(PAGE_LINES).max(1);
            (page.min(n - 1), n)
        }
    }
}

/// A message: its notification text and its blocks.
#[derive(Debug, Clone, PartialEq)]
pub struct Message {
    pub text: String,
    pub blocks: Vec<Value>,
}

impl Message {
    /// The body of `chat.postMessage` and friends (channel and the rest added by the caller).
    pub fn body(&self) -> Value {
        json!({"text": self.text, "blocks": self.blocks})
    }
}

/// The review group mention of a posted digest (a Slack user group id), if the card may ping it.
fn group_mention(card: &Card) -> Option<String> {
    card.mention_role
        .as_deref()
        .and_then(|r| Platform::Slack.parse_group(r))
        .map(|id| format!("<!subteam^{id}>"))
}

/// A button: `action_id` routes it back, `value` carries typed data (never a command).
pub fn button(action_id: &str, label: &str, value: &str) -> Value {
    json!({
        "type": "button",
        "action_id": clip(action_id, 255),
        "text": plain_text(label, MAX_BUTTON_LABEL),
        "value": clip(value, MAX_BUTTON_VALUE),
    })
}

/// A button under a message: its label and the typed data it carries back when pressed.
#[derive(Debug, Clone, PartialEq)]
pub struct Button {
    pub label: String,
    pub value: String,
}

/// Page `page` (from 0) of a card as Block Kit, written for where it goes (`to`). `actions` are the card's
/// buttons, already encoded; `paging` the (previous, next) button values of a paginated list.
pub fn message(
    card: &Card,
    page: usize,
    actions: &[Button],
    paging: Option<(String, String)>,
    to: To,
) -> Message {
    let mention = group_mention(card);
    let mut blocks: Vec<Value> = Vec::new();
    // Keep room for the footer and two action rows: the body gets what is left of the 50 blocks.
    let body_budget = MAX_BLOCKS - 3;
    blocks.push(json!({"type": "header", "text": plain_text(&slack_commands(&card.title, to.command), MAX_HEADER)}));
    if let Some(m) = &mention {
        blocks.push(json!({"type": "section", "text": {"type": "mrkdwn", "text": m}}));
    }
    if let Some(d) = card.description.as_deref().filter(|d| !d.trim().is_empty()) {
        blocks.push(json!({"type": "section", "text": mrkdwn_text(d, MAX_SECTION_TEXT, to)}));
    }
    let (page, n) = page_of(card, page);
    if !card.lines.is_empty() {
        let start = if card.paged.is_some() {
            0
        } else {
            page * PAGE_LINES
        };
        let chunk: Vec<&str> = card
            .lines
            .iter()
            .skip(start)
            .take(PAGE_LINES)
            .map(String::as_str)
            .collect();
        if !chunk.is_empty() {
            blocks.push(json!({"type": "section", "text": mrkdwn_text(&chunk.join("\n"), MAX_SECTION_TEXT, to)}));
        }
    }
    let mut inline: Vec<Value> = Vec::new();
    let mut dropped = 0usize;
    let flush = |inline: &mut Vec<Value>, blocks: &mut Vec<Value>, dropped: &mut usize| {
        if inline.is_empty() {
            return;
        }
        if blocks.len() < body_budget {
            blocks.push(json!({"type": "section", "fields": std::mem::take(inline)}));
        } else {
            *dropped += inline.len();
            inline.clear();
        }
    };
    for f in &card.fields {
        let text = format!("**{}**\n{}", f.name, f.value);
        if f.inline {
            inline.push(mrkdwn_text(&text, MAX_FIELD_TEXT, to));
            if inline.len() == MAX_FIELDS {
                flush(&mut inline, &mut blocks, &mut dropped);
            }
        } else {
            flush(&mut inline, &mut blocks, &mut dropped);
            if blocks.len() < body_budget {
                blocks.push(
                    json!({"type": "section", "text": mrkdwn_text(&text, MAX_SECTION_TEXT, to)}),
                );
            } else {
                dropped += 1;
            }
        }
    }
    flush(&mut inline, &mut blocks, &mut dropped);
    let mut footer: Vec<String> = Vec::new();
    if dropped > 0 {
        footer.push(format!("… and {dropped} more not shown"));
    }
    for file in &card.files {
        footer.push(format!("{} attached", file.name));
    }
    if let Some(f) = &card.footer {
        footer.push(f.clone());
    }
    if n > 1 {
        footer.push(format!("page {} of {n}", page + 1));
    }
    if !footer.is_empty() {
        blocks.push(json!({"type": "context", "elements": [mrkdwn_text(&footer.join(" · "), MAX_SECTION_TEXT, to)]}));
    }
    if !actions.is_empty() {
        // Action ids must be unique within a message; the value says what the button does. An actions block
        // holds 25 elements at most.
        let buttons: Vec<Value> = actions
            .iter()
            .take(25)
            .enumerate()
            .map(|(i, b)| button(&format!("act:{i}"), &b.label, &b.value))
            .collect();
        blocks.push(json!({"type": "actions", "elements": buttons}));
    }
    if let Some((prev, next)) = paging {
        let mut els = Vec::new();
        if page > 0 {
            els.push(button("page:prev", "◀ Prev", &prev));
        }
        if page + 1 < n {
            els.push(button("page:next", "Next ▶", &next));
        }
        if !els.is_empty() {
            blocks.push(json!({"type": "actions", "elements": els}));
        }
    }
    let title = escape(&slack_commands(&card.title, to.command));
    let text = match mention {
        Some(m) => format!("{m} {title}"),
        None => title,
    };
    Message {
        text: clip_escaped(&text, MAX_TEXT),
        blocks,
    }
}

/// A short error or notice as a message (refusals, parse errors), for the one person it answers: the
/// commands it names are written as `command` (the slash command) runs them.
pub fn notice(text: &str, command: &str) -> Message {
    let t = format!("⚠ {text}");
    let to = To { command };
    Message {
        text: clip_escaped(&escape(&slack_commands(&t, command)), MAX_TEXT),
        blocks: vec![json!({"type": "section", "text": mrkdwn_text(&t, MAX_SECTION_TEXT, to)})],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::card::{user, Tone};

    const TO: To = To {
        command: "/partnerfit",
    };

    fn all_text(m: &Message) -> String {
        fn walk(v: &Value, out: &mut Vec<String>) {
            match v {
                Value::Object(o) => o.iter().for_each(|(k, x)| match (k.as_str(), x) {
                    ("text", Value::String(s)) => out.push(s.clone()),
                    _ => walk(x, out),
                }),
                Value::Array(a) => a.iter().for_each(|x| walk(x, out)),
                _ => {}
            }
        }
        let mut out = vec![m.text.clone()];
        walk(&Value::Array(m.blocks.clone()), &mut out);
        out.join("\n")
    }

    #[test]
    fn user_text_cannot_ping() {
        let card = Card::new("<!channel> Corp", Tone::Info)
            .description("named <@U123> & <!here>")
            .field("champion", "<!subteam^S1|x>", true)
            .line("<!everyone>")
            .footer("in <#C0PARTNER> — not <#evil|x>");
        let m = message(&card, 0, &[], None, TO);
        let text = all_text(&m);
        for bad in [
            "<!channel>",
            "<@U123>",
            "<!here>",
            "<!subteam^",
            "<!everyone>",
            "<#evil",
        ] {
            assert!(!text.contains(bad), "{bad} in {text}");
        }
        assert!(text.contains("&lt;!channel&gt; Corp"), "{text}");
        assert!(text.contains("&amp; &lt;!here&gt;"), "{text}");
        // the app's own channel link survives
        assert!(text.contains("in <#C0PARTNER>"), "{text}");
    }

    #[test]
    fn user_text_keeps_its_asterisks_and_links_no_channel() {
        let card = Card::new(format!("{} — fit", user("A <#C0PARTNER>")), Tone::Info)
            .description(format!("**{}** in <#C0PARTNER>", user("**x** <#C0OTHER>")));
        let m = message(&card, 0, &[], None, TO);
        let text = all_text(&m);
        assert!(
            text.contains("*\u{2a}\u{2a}x\u{2a}\u{2a} &lt;#C0OTHER&gt;* in <#C0PARTNER>"),
            "{text}"
        );
        assert!(text.contains("A &lt;#C0PARTNER&gt; — fit"), "{text}");
        assert!(!text.contains(['\u{FDD0}', '\u{FDD1}']), "{text}");
    }

    #[test]
    fn only_a_digest_mentions_the_review_group() {
        let mut card = Card::new("Quarterly re-check 2026-Q3", Tone::Info);
        card.mention_role = Some("S0REVIEW1".into());
        let m = message(&card, 0, &[], None, TO);
        assert_eq!(m.text, "<!subteam^S0REVIEW1> Quarterly re-check 2026-Q3");
        // a Discord role id is not a Slack group: no mention
        card.mention_role = Some("4000".into());
        assert!(!all_text(&message(&card, 0, &[], None, TO)).contains("subteam"));
    }

    #[test]
    fn limits_hold_and_cuts_are_marked() {
        let mut card = Card::new("t".repeat(200), Tone::Info).description("d".repeat(5000));
        for i in 0..80 {
            card = card.field(format!("f{i}"), "v".repeat(2500), i % 3 != 0);
        }
        for i in 0..40 {
            card = card.line(format!("line {i}"));
        }
        let m = message(&card, 2, &[], Some(("p".into(), "n".into())), TO);
        assert!(m.blocks.len() <= MAX_BLOCKS, "{}", m.blocks.len());
        assert_eq!(
            m.blocks[0]["text"]["text"]
                .as_str()
                .unwrap()
                .chars()
                .count(),
            MAX_HEADER
        );
        assert!(m.blocks[0]["text"]["text"].as_str().unwrap().ends_with('…'));
        assert_eq!(
            m.blocks[1]["text"]["text"]
                .as_str()
                .unwrap()
                .chars()
                .count(),
            MAX_SECTION_TEXT
        );
        let lines = m.blocks[2]["text"]["text"].as_str().unwrap();
        assert!(
            lines.starts_with("line 30") && !lines.contains("line 29"),
            "{lines}"
        );
        for b in &m.blocks {
            if let Some(f) = b["fields"].as_array() {
                assert!(f.len() <= MAX_FIELDS);
                assert!(f
                    .iter()
                    .all(|x| x["text"].as_str().unwrap().chars().count() <= MAX_FIELD_TEXT));
            }
        }
        let text = all_text(&m);
        assert!(
            text.contains("more not shown") && text.contains("page 3 of 3"),
            "{text}"
        );
        // on the last page there is only a previous button
        let last = m.blocks.last().unwrap();
        assert_eq!(last["elements"].as_array().unwrap().len(), 1);
        assert_eq!(last["elements"][0]["value"], "p");
    }

    #[test]
    fn escaping_is_not_cut_in_half() {
        assert_eq!(clip_escaped("ab&amp;cd", 4), "ab…");
        assert_eq!(clip_escaped("ab&amp;cd", 9), "ab&amp;cd");
        assert_eq!(clip_escaped("ab&amp;cd", 8), "ab&amp;…");
        // Spaces before the cut stay (the domain's clip drops them).
        assert_eq!(clip_escaped("ab  cdef", 5), "ab  …");
        assert_eq!(clip("ab  cdef", 5), "ab…");
        assert_eq!(mrkdwn("**A&B**", 100, TO), "*A&amp;B*");
    }

    #[test]
    fn the_apps_commands_are_written_as_slack_runs_them() {
        let cmd = |s: &str| commands_in(s, "/partnerfit");
        assert_eq!(
            cmd("Wrong? /evidence retract id:7"),
            "Wrong? /partnerfit evidence retract id:7"
        );
        assert_eq!(
            cmd("add it with /partner add, or use /screen."),
            "add it with /partnerfit partner add, or use /partnerfit screen."
        );
        assert_eq!(
            cmd("/help command:<name> — (/log hours) `/import what:partners`"),
            "/partnerfit help command:<name> — (/partnerfit log hours) `/partnerfit import what:partners`"
        );
        // a group alone, and the longest path first
        assert_eq!(cmd("/evidence"), "/partnerfit evidence");
        assert_eq!(cmd("/profile trait add"), "/partnerfit profile trait add");
        // not a command: inside a word, a path or a URL, or a longer word
        for s in [
            "/screening",
            "docs/screen",
            "https://x.example/screen",
            "/tmp/import",
            "/exports",
            "/partnerfit screen",
            "/nothing",
        ] {
            assert_eq!(cmd(s), s);
        }
        // another slash command name
        assert_eq!(commands_in("/screen", "/pf"), "/pf screen");
    }

    #[test]
    fn user_text_keeps_its_command_names() {
        let card = Card::new(format!("{} — fit", user("/screen me")), Tone::Info)
            .description(format!(
                "{} was added: see /partner show",
                user("Use /partner add")
            ))
            .footer("Wrong? /evidence retract id:7");
        let m = message(&card, 0, &[], None, TO);
        let text = all_text(&m);
        assert!(text.contains("/screen me — fit"), "{text}");
        assert!(!text.contains("/partnerfit screen me"), "{text}");
        assert!(
            text.contains("Use /partner add was added: see /partnerfit partner show"),
            "{text}"
        );
        assert!(
            text.contains("Wrong? /partnerfit evidence retract id:7"),
            "{text}"
        );
        let n = notice("No partner `X`: add it with /partner add.", "/partnerfit");
        assert!(
            all_text(&n).contains("add it with /partnerfit partner add."),
            "{}",
            all_text(&n)
        );
        assert_eq!(
            slack_commands(&format!("{} /screen", user("/screen")), "/pf"),
            format!("{} /pf screen", user("/screen"))
        );
    }

    #[test]
    fn authors_show_as_text_and_notify_no_one() {
        let card = Card::new("Evidence", Tone::Info)
            .line(format!("#1 by <@U0ANA01> — {}", user("<@U0BOB02>")))
            .line("by <@W0ANA01> <@U0ANA01|x> <!channel> <@&4000>");
        let text = all_text(&message(&card, 0, &[], None, TO));
        assert!(text.contains("#1 by @U0ANA01 — &lt;@U0BOB02&gt;"), "{text}");
        assert!(!text.contains("<@"), "{text}");
        // only a user id is shown as an author
        assert!(
            text.contains("by @W0ANA01 &lt;@U0ANA01|x&gt; &lt;!channel&gt; &lt;@&amp;4000&gt;"),
            "{text}"
        );
    }
}
