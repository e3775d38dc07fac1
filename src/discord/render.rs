//! Cards to Discord messages: embeds (within Discord's limits), attachments, buttons, paginated lists, and
//! allowed mentions that never let user text ping anyone.

use super::buttons::{action_id, page_id};
use crate::app::card::{each_segment, plain, Card, FileOut, Segment};
use crate::domain::format::{clip_end, prefix_len};
use serenity::all::{
    ButtonStyle, CreateActionRow, CreateAllowedMentions, CreateAttachment, CreateButton,
    CreateEmbed, CreateEmbedFooter,
};

/// Lines of a list shown per page.
pub use crate::app::lists::PAGE_LINES;

/// Cut `s` to at most `max` characters, marking the cut: the cut of [`crate::domain::clip`]
/// ([`clip_end`]), but spaces before the "…" are kept, as Discord's replies always showed them (the
/// reference in `render/reference.rs` pins them); only the characters up to the cut are copied.
pub fn clip(s: &str, max: usize) -> String {
    // Up to one character past `max` is copied: enough for `clip_owned` to see that a cut is due.
    let end = prefix_len(s, max).map_or(s.len(), |i| {
        i + s[i..].chars().next().map_or(0, char::len_utf8)
    });
    clip_owned(s[..end].to_string(), max)
}

/// [`clip`], in place: `s` is kept as it is when it fits (no copy).
fn clip_owned(mut s: String, max: usize) -> String {
    if let Some(end) = clip_end(&s, max) {
        s.truncate(end);
        s.push('…');
    }
    s
}

/// Cut a message of several lines (a refused import's errors, say) to at most `max` characters at a line's
/// end, saying how many lines were left out, so that no line is shown half and the count is never lost; a
/// first line longer than `max` is cut like [`clip`].
pub fn clip_lines(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let lines: Vec<&str> = s.lines().collect();
    // Room for the note, whatever the count.
    let budget = max.saturating_sub(40);
    let (mut kept, mut used) = (0, 0);
    for l in &lines {
        let cost = l.chars().count() + 1;
        if used + cost > budget {
            break;
        }
        used += cost;
        kept += 1;
    }
    if kept == 0 {
        return clip(s, max);
    }
    let left = lines.len() - kept;
    let mut out = lines[..kept].join("\n");
    out.push_str(&format!(
        "\n… {left} more line{} not shown",
        if left == 1 { "" } else { "s" }
    ));
    out
}

/// Embed text made inert for Discord's markdown wherever users' words can be in it (names, notes, sources,
/// reasons): brackets are escaped, so `[Acme Corp](https://evil.example)` cannot become a link that reads
/// "Acme Corp"; bars, so `||…||` hides nothing; and `#`, `>` and `-#` at the start of a line, so no line turns
/// into a heading or a quote. The formatting partnerfit writes itself (bold, code, strike-through) is kept.
pub fn inert(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    inert_into(s, &mut out);
    out
}

/// What [`inert`] escapes anywhere ([`escape_inline`])…
const INLINE_ESCAPED: &[u8] = b"[]|";
/// …and the characters a line that starts with one (or with `-#`) gets its escape for.
const LINE_HEADS: &[u8] = b"#>";

/// [`inert`], appended to `out`.
fn inert_into(s: &str, out: &mut String) {
    // Text without any character that may be escaped is appended as it is.
    if !s
        .bytes()
        .any(|b| INLINE_ESCAPED.contains(&b) || LINE_HEADS.contains(&b))
    {
        out.push_str(s);
        return;
    }
    for (i, line) in s.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let head = line.trim_start();
        let heading = head.bytes().next().is_some_and(|b| LINE_HEADS.contains(&b));
        if heading || head.starts_with("-#") {
            out.push_str(&line[..line.len() - head.len()]);
            out.push('\\');
            escape_inline(head, out);
        } else {
            escape_inline(line, out);
        }
    }
}

/// Card text as Discord markdown: the app's words as [`inert`] keeps them (with the bold, code and
/// strike-through it writes), and every piece of user text ([`crate::app::card::user`]) escaped whole — `\`,
/// `*`, `_`, `~`, `` ` ``, `|`, `[`, `]`, `<`, `>` anywhere, `#`, `-`, `+` at the start of a line — so a
/// name, note, source or reason shows exactly as typed: no bold, italics, spoiler, heading, quote, list,
/// masked link, mention or timestamp. User text inside the app's `` `code` `` needs no escape there except
/// its own backticks (shown as `ˋ`), and a web address keeps its `_`, `*` and `~` so it stays whole.
pub fn markdown(s: &str) -> String {
    render_markdown(s, inert_into)
}

/// An embed title as Discord markdown: the app's words as they are, user text escaped as in [`markdown`].
pub fn title_markdown(s: &str) -> String {
    render_markdown(s, |t, out| out.push_str(t))
}

fn render_markdown(s: &str, ours: fn(&str, &mut String)) -> String {
    let mut out = String::with_capacity(s.len() + 16);
    let mut in_code = false;
    for seg in each_segment(s) {
        match seg {
            Segment::Ours(t) => {
                ours(t, &mut out);
                in_code ^= t.matches('`').count() % 2 == 1;
            }
            Segment::Users(t) if in_code => {
                for (i, part) in t.split('`').enumerate() {
                    if i > 0 {
                        out.push('ˋ');
                    }
                    out.push_str(part);
                }
            }
            Segment::Users(t) => escape_user(t, &mut out),
        }
    }
    out
}

/// What user text escapes wherever it is ([`escape_user`])…
const USER_ALWAYS: &[u8] = b"\\`|[]<>";
/// …outside a web address…
const USER_STYLING: &[u8] = b"*_~";
/// …and at the start of a line.
const USER_LINE_START: &[u8] = b"#-+";

/// Append user text to `out`, every markdown character escaped (see [`markdown`]).
fn escape_user(t: &str, out: &mut String) {
    // Text without any character that may be escaped (most names) is appended as it is.
    let sets = [USER_ALWAYS, USER_STYLING, USER_LINE_START];
    if !t.bytes().any(|b| sets.iter().any(|set| set.contains(&b))) {
        out.push_str(t);
        return;
    }
    // All three sets are ASCII.
    let is_in = |c: char, set: &[u8]| u8::try_from(c).is_ok_and(|b| set.contains(&b));
    let mut line_start = out.is_empty() || out.ends_with('\n');
    let mut in_url = false;
    let mut prev_space = true;
    for (i, c) in t.char_indices() {
        if prev_space && !c.is_whitespace() && c != '(' {
            let word = &t[i..];
            in_url = word.starts_with("https://") || word.starts_with("http://");
        }
        let always = is_in(c, USER_ALWAYS);
        let styling = is_in(c, USER_STYLING) && !in_url;
        let at_start = line_start && is_in(c, USER_LINE_START);
        if always || styling || at_start {
            out.push('\\');
        }
        out.push(c);
        if c == '\n' {
            line_start = true;
        } else if !c.is_whitespace() {
            line_start = false;
        }
        prev_space = c.is_whitespace() || c == '(';
    }
}

/// Append `s` to `out` with `[`, `]` and `|` escaped (ASCII, so never inside another character's bytes).
fn escape_inline(s: &str, out: &mut String) {
    let mut from = 0;
    for (i, b) in s.bytes().enumerate() {
        if INLINE_ESCAPED.contains(&b) {
            out.push_str(&s[from..i]);
            out.push('\\');
            from = i;
        }
    }
    out.push_str(&s[from..]);
}

/// Allowed mentions for everything the bot sends: nobody.
pub fn no_pings() -> CreateAllowedMentions {
    CreateAllowedMentions::new()
        .empty_users()
        .empty_roles()
        .replied_user(false)
}

/// The content and allowed mentions of a card: nobody, or only the card's review role (posted digests).
pub fn mentions(card: &Card) -> (Option<String>, CreateAllowedMentions) {
    match card
        .mention_role
        .as_deref()
        .and_then(|r| r.parse::<u64>().ok())
        .filter(|r| *r != 0)
    {
        Some(role) => (
            Some(format!("<@&{role}>")),
            no_pings().roles(vec![serenity::all::RoleId::new(role)]),
        ),
        None => (None, no_pings()),
    }
}

/// How many pages a card's list has.
pub fn pages(card: &Card) -> usize {
    match card.paged {
        Some(p) => p.pages.max(1),
        None => card.lines.len().div_ceil(PAGE_LINES).max(1),
    }
}

/// The page a card shows when asked for `page`, and that page's lines.
fn page_lines(card: &Card, page: usize) -> (usize, &[String]) {
    match card.paged {
        Some(p) => (p.page, &card.lines),
        None => {
            let page = page.min(pages(card) - 1);
            let from = (page * PAGE_LINES).min(card.lines.len());
            let to = (from + PAGE_LINES).min(card.lines.len());
            (page, &card.lines[from..to])
        }
    }
}

/// The embed of one page of a card (pages count from 0).
pub fn embed(card: &Card, page: usize) -> CreateEmbed {
    let mut e = CreateEmbed::new()
        .title(clip_owned(title_markdown(&card.title), 256))
        .colour(card.tone.rgb());
    let (page, chunk) = page_lines(card, page);
    // The description and the page's lines, as one text (its markdown is rendered whole).
    let described = card.description.as_deref().unwrap_or("");
    let desc_len = if chunk.is_empty() {
        described.len()
    } else {
        let lines = chunk.iter().map(|l| l.len() + 1).sum::<usize>() - 1;
        described.len() + if described.is_empty() { 0 } else { 2 } + lines
    };
    if desc_len > 0 {
        let markdown = if chunk.is_empty() {
            markdown(described)
        } else {
            let mut desc = String::with_capacity(desc_len);
            desc.push_str(described);
            if !desc.is_empty() {
                desc.push_str("\n\n");
            }
            for (i, l) in chunk.iter().enumerate() {
                if i > 0 {
                    desc.push('\n');
                }
                desc.push_str(l);
            }
            markdown(&desc)
        };
        e = e.description(clip_owned(markdown, 4000));
    }
    // 25 fields at most, and 6000 characters in all: keep a budget.
    let mut budget = 5500usize.saturating_sub(card.title.len() + desc_len);
    for f in card.fields.iter().take(25) {
        let name = clip_owned(markdown(&f.name), 256);
        let value = clip_owned(markdown(&f.value), 1024);
        let cost = name.chars().count() + value.chars().count();
        if cost > budget {
            break;
        }
        budget -= cost;
        e = e.field(name, value, f.inline);
    }
    // Discord shows a footer without formatting: the text as it is.
    let mut footer = card.footer.as_deref().map(plain).unwrap_or_default();
    let n = pages(card);
    if n > 1 {
        let page_note = format!("page {} of {n}", page + 1);
        footer = if footer.is_empty() {
            page_note
        } else {
            format!("{footer} · {page_note}")
        };
    }
    if !footer.is_empty() {
        e = e.footer(CreateEmbedFooter::new(clip_owned(footer, 2048)));
    }
    // A chart sent with the card is shown inside it, not below it.
    if let Some(chart) = card.files.iter().find(|f| f.name.ends_with(".png")) {
        e = e.image(format!("attachment://{}", chart.name));
    }
    e
}

/// The attachments of a card.
pub fn attachments(files: &[FileOut]) -> Vec<CreateAttachment> {
    files
        .iter()
        .map(|f| CreateAttachment::bytes(f.bytes.clone(), f.name.clone()))
        .collect()
}

/// Buttons: the card's actions, and page buttons when the card is a list (it names its [`ListId`]) of several
/// pages. Every id is data the handler parses strictly ([`super::buttons`]), never a command.
///
/// [`ListId`]: crate::app::lists::ListId
pub fn components(card: &Card, page: usize) -> Vec<CreateActionRow> {
    let mut rows = Vec::new();
    // Five buttons to a row, and at most four rows of them: the fifth row is kept for the page buttons.
    for chunk in card.actions.chunks(5).take(4) {
        let buttons = chunk
            .iter()
            .map(|a| {
                CreateButton::new(action_id(&a.target))
                    .label(clip_owned(plain(&a.label), 80))
                    .style(ButtonStyle::Secondary)
            })
            .collect();
        rows.push(CreateActionRow::Buttons(buttons));
    }
    let n = pages(card);
    if let (true, Some(list)) = (n > 1, card.list.as_ref()) {
        let (page, _) = page_lines(card, page);
        let prev = CreateButton::new(page_id(list, page.saturating_sub(1)))
            .label("◀ Prev")
            .disabled(page == 0);
        let next = CreateButton::new(page_id(list, (page + 1).min(n - 1)))
            .label("Next ▶")
            .disabled(page + 1 >= n);
        rows.push(CreateActionRow::Buttons(vec![prev, next]));
    }
    rows
}

mod notice;
pub use notice::notice;

#[cfg(test)]
mod reference;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::card::Tone;

    #[test]
    fn long_lists_paginate_and_limits_hold() {
        let mut card = Card::new("x".repeat(300), Tone::Info);
        for i in 0..40 {
            card = card.line(format!("line {i}"));
        }
        card = card.field("f".repeat(300), "v".repeat(2000), false);
        assert_eq!(pages(&card), 3);
        let e = serde_json::to_value(embed(&card, 2)).unwrap();
        assert_eq!(e["title"].as_str().unwrap().chars().count(), 256);
        assert!(e["description"].as_str().unwrap().contains("line 30"));
        assert!(!e["description"].as_str().unwrap().contains("line 29"));
        assert_eq!(e["footer"]["text"], "page 3 of 3");
        assert_eq!(
            e["fields"][0]["value"].as_str().unwrap().chars().count(),
            1024
        );
        assert!(
            components(&card, 0).is_empty(),
            "not a list: no page buttons"
        );
        let card = card.list(crate::app::lists::ListId::Help);
        let rows = serde_json::to_value(components(&card, 0)).unwrap();
        assert_eq!(rows[0]["components"][0]["custom_id"], "pg:help:0");
        assert_eq!(rows[0]["components"][0]["disabled"], true);
        assert_eq!(rows[0]["components"][1]["custom_id"], "pg:help:1");
    }

    #[test]
    fn user_text_cannot_become_a_link_a_spoiler_or_a_heading() {
        assert_eq!(
            inert("[Acme Corp](https://evil.example/login)"),
            "\\[Acme Corp\\](https://evil.example/login)"
        );
        assert_eq!(inert("a ||secret|| b"), "a \\|\\|secret\\|\\| b");
        assert_eq!(
            inert("note\n# Big\n> quoted\n-# small"),
            "note\n\\# Big\n\\> quoted\n\\-# small"
        );
        assert_eq!(
            inert("**bold** `code` ~~gone~~"),
            "**bold** `code` ~~gone~~"
        );
        let card = Card::new("t", crate::app::card::Tone::Info)
            .description("[x](https://e.example)")
            .field("Source", "[y](https://e.example)", false);
        let e = serde_json::to_value(embed(&card, 0)).unwrap();
        assert_eq!(e["description"], "\\[x\\](https://e.example)");
        assert_eq!(e["fields"][0]["value"], "\\[y\\](https://e.example)");
    }

    #[test]
    fn user_text_is_escaped_whole_and_our_formatting_kept() {
        use crate::app::card::user;
        let note = "*big* _it_ ~~x~~ `c` ||s|| [Login](https://evil.example/a_b) <@123> \\ done";
        assert_eq!(
            markdown(&format!("**{}** · {}", user("A_B*"), user(note))),
            "**A\\_B\\*** · \\*big\\* \\_it\\_ \\~\\~x\\~\\~ \\`c\\` \\|\\|s\\|\\| \\[Login\\](https://evil.example/a_b) \\<@123\\> \\\\ done"
        );
        // Line starts: a heading, a quote, a list and subtext stay text; inside a word they need nothing.
        assert_eq!(
            markdown(&user("# h\n> q\n- l\n-# s\na-b#c").to_string()),
            "\\# h\n\\> q\n\\- l\n\\-# s\na-b#c"
        );
        // Inside our code span only a backtick could break out.
        assert_eq!(
            markdown(&format!("Did you mean `{}`?", user("a`*b*"))),
            "Did you mean `aˋ*b*`?"
        );
        // A web address stays whole.
        assert_eq!(
            markdown(&user("see https://crm.example/q_3*x").to_string()),
            "see https://crm.example/q_3*x"
        );
        let card = Card::new(
            format!("{} — fit", user("*Acme*")),
            crate::app::card::Tone::Good,
        )
        .field(
            format!("✅ {}", user("Over_lap")),
            user("[x](y)").to_string(),
            false,
        )
        .footer(format!("by {}", user("**b**")));
        let e = serde_json::to_value(embed(&card, 0)).unwrap();
        assert_eq!(e["title"], "\\*Acme\\* — fit");
        assert_eq!(e["fields"][0]["name"], "✅ Over\\_lap");
        assert_eq!(e["fields"][0]["value"], "\\[x\\](y)");
        assert_eq!(
            e["footer"]["text"], "by **b**",
            "a footer shows no markdown"
        );
        assert!(!e.to_string().contains(['\u{FDD0}', '\u{FDD1}']));
    }

    #[test]
    fn long_messages_are_cut_at_a_line_and_say_how_many_lines_are_left() {
        let text = (1..=30)
            .map(|i| format!("line {i:02} {}", "x".repeat(90)))
            .collect::<Vec<_>>()
            .join("\n");
        // 99 characters and a newline a line: 19 lines fit in 2,000 - 40.
        let cut = clip_lines(&text, 2000);
        assert!(cut.chars().count() <= 2000, "{}", cut.len());
        let lines: Vec<&str> = cut.lines().collect();
        assert_eq!(lines.len(), 20);
        assert!(lines[18].starts_with("line 19 "));
        assert_eq!(lines[19], "… 11 more lines not shown");
        assert_eq!(clip_lines("short\ntext", 2000), "short\ntext");
        assert_eq!(clip_lines(&"y".repeat(3000), 2000).chars().count(), 2000);
    }

    #[test]
    fn nobody_is_pinged() {
        let v = serde_json::to_value(no_pings()).unwrap();
        assert_eq!(v["parse"], serde_json::json!([]));
        assert_eq!(v["users"], serde_json::json!([]));
        assert_eq!(v["roles"], serde_json::json!([]));
        assert_eq!(v["replied_user"], false);
    }
}
