//! Cards to Discord messages: embeds (within Discord's limits), attachments, buttons, paginated lists, and
//! allowed mentions that never let user text ping anyone.

use super::buttons::{action_id, page_id};
use crate::app::card::{Card, FileOut};
use serenity::all::{
    ButtonStyle, CreateActionRow, CreateAllowedMentions, CreateAttachment, CreateButton,
    CreateEmbed, CreateEmbedFooter,
};

/// Lines of a list shown per page.
pub use crate::app::lists::PAGE_LINES;

/// Cut `s` to at most `max` characters, marking the cut.
pub fn clip(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
        out.push('…');
        out
    }
}

/// Embed text made inert for Discord's markdown wherever users' words can be in it (names, notes, sources,
/// reasons): brackets are escaped, so `[Acme Corp](https://evil.example)` cannot become a link that reads
/// "Acme Corp"; bars, so `||…||` hides nothing; and `#`, `>` and `-#` at the start of a line, so no line turns
/// into a heading or a quote. The formatting partnerfit writes itself (bold, code, strike-through) is kept.
pub fn inert(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for (i, line) in s.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let head = line.trim_start();
        if head.starts_with('#') || head.starts_with('>') || head.starts_with("-#") {
            out.push_str(&line[..line.len() - head.len()]);
            out.push('\\');
            out.push_str(&escape_inline(head));
        } else {
            out.push_str(&escape_inline(line));
        }
    }
    out
}

fn escape_inline(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if matches!(c, '[' | ']' | '|') {
            out.push('\\');
        }
        out.push(c);
    }
    out
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
fn page_lines(card: &Card, page: usize) -> (usize, Vec<&str>) {
    match card.paged {
        Some(p) => (p.page, card.lines.iter().map(String::as_str).collect()),
        None => {
            let page = page.min(pages(card) - 1);
            let lines = card
                .lines
                .iter()
                .skip(page * PAGE_LINES)
                .take(PAGE_LINES)
                .map(String::as_str)
                .collect();
            (page, lines)
        }
    }
}

/// The embed of one page of a card (pages count from 0).
pub fn embed(card: &Card, page: usize) -> CreateEmbed {
    let mut e = CreateEmbed::new()
        .title(clip(&card.title, 256))
        .colour(card.tone.rgb());
    let mut desc = card.description.clone().unwrap_or_default();
    let (page, chunk) = page_lines(card, page);
    if !chunk.is_empty() {
        if !desc.is_empty() {
            desc.push_str("\n\n");
        }
        desc.push_str(&chunk.join("\n"));
    }
    if !desc.is_empty() {
        e = e.description(clip(&inert(&desc), 4000));
    }
    // 25 fields at most, and 6000 characters in all: keep a budget.
    let mut budget = 5500usize.saturating_sub(card.title.len() + desc.len());
    for f in card.fields.iter().take(25) {
        let name = clip(&inert(&f.name), 256);
        let value = clip(&inert(&f.value), 1024);
        let cost = name.chars().count() + value.chars().count();
        if cost > budget {
            break;
        }
        budget -= cost;
        e = e.field(name, value, f.inline);
    }
    let mut footer = card.footer.clone().unwrap_or_default();
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
        e = e.footer(CreateEmbedFooter::new(clip(&footer, 2048)));
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
                    .label(clip(&a.label, 80))
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
    fn nobody_is_pinged() {
        let v = serde_json::to_value(no_pings()).unwrap();
        assert_eq!(v["parse"], serde_json::json!([]));
        assert_eq!(v["users"], serde_json::json!([]));
        assert_eq!(v["roles"], serde_json::json!([]));
        assert_eq!(v["replied_user"], false);
    }
}
