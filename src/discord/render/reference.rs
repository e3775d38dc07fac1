//! The embed and buttons as `render` made them before issue 21 item 6's fourth pass (fewer copies), kept
//! word for word as the reference the new code is compared with, byte for byte, on many generated cards.

use super::*;
use crate::app::card::{user, Action, Field, Paged, Target, Tone, USER_CLOSE, USER_OPEN};
use crate::app::lists::ListId;
use proptest::prelude::*;

/// `crate::app::card::segments` as it was (a list, one loop).
fn segments(s: &str) -> Vec<Segment<'_>> {
    let is_mark = |c: char| c == USER_OPEN || c == USER_CLOSE;
    let mut out = Vec::new();
    let mut rest = s;
    loop {
        let Some(open) = rest.find(is_mark) else {
            if !rest.is_empty() {
                out.push(Segment::Ours(rest));
            }
            return out;
        };
        if open > 0 {
            out.push(Segment::Ours(&rest[..open]));
        }
        let mark = rest[open..].chars().next().unwrap_or(USER_OPEN);
        let after = &rest[open + mark.len_utf8()..];
        if mark == USER_CLOSE {
            rest = after;
            continue;
        }
        let end = after.find(USER_CLOSE).unwrap_or(after.len());
        let inner = &after[..end];
        if !inner.is_empty() {
            out.push(Segment::Users(inner));
        }
        rest = after.get(end + USER_CLOSE.len_utf8()..).unwrap_or("");
    }
}

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

/// [`inert`], appended to `out`.
fn inert_into(s: &str, out: &mut String) {
    for (i, line) in s.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let head = line.trim_start();
        if head.starts_with('#') || head.starts_with('>') || head.starts_with("-#") {
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
    for seg in segments(s) {
        match seg {
            Segment::Ours(t) => {
                ours(t, &mut out);
                in_code ^= t.matches('`').count() % 2 == 1;
            }
            Segment::Users(t) if in_code => out.push_str(&t.replace('`', "ˋ")),
            Segment::Users(t) => escape_user(t, &mut out),
        }
    }
    out
}

/// Append user text to `out`, every markdown character escaped (see [`markdown`]).
fn escape_user(t: &str, out: &mut String) {
    let mut line_start = out.is_empty() || out.ends_with('\n');
    let mut in_url = false;
    let mut prev_space = true;
    for (i, c) in t.char_indices() {
        if prev_space && !c.is_whitespace() && c != '(' {
            let word = &t[i..];
            in_url = word.starts_with("https://") || word.starts_with("http://");
        }
        let always = matches!(c, '\\' | '`' | '|' | '[' | ']' | '<' | '>');
        let styling = matches!(c, '*' | '_' | '~') && !in_url;
        let at_start = line_start && matches!(c, '#' | '-' | '+');
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
        if matches!(b, b'[' | b']' | b'|') {
            out.push_str(&s[from..i]);
            out.push('\\');
            from = i;
        }
    }
    out.push_str(&s[from..]);
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
        .title(clip(&title_markdown(&card.title), 256))
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
        e = e.description(clip(&markdown(&desc), 4000));
    }
    // 25 fields at most, and 6000 characters in all: keep a budget.
    let mut budget = 5500usize.saturating_sub(card.title.len() + desc.len());
    for f in card.fields.iter().take(25) {
        let name = clip(&markdown(&f.name), 256);
        let value = clip(&markdown(&f.value), 1024);
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
        e = e.footer(CreateEmbedFooter::new(clip(&footer, 2048)));
    }
    // A chart sent with the card is shown inside it, not below it.
    if let Some(chart) = card.files.iter().find(|f| f.name.ends_with(".png")) {
        e = e.image(format!("attachment://{}", chart.name));
    }
    e
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
                    .label(clip(&plain(&a.label), 80))
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

/// Card text: the app's words (with the markdown it writes, and characters markdown and JSON care about) and
/// user text of any kind, marks included.
fn text() -> impl Strategy<Value = String> {
    let ours = proptest::string::string_regex("[a-z #>*_~`|\\[\\]<>+\n-]{0,12}").expect("regex");
    let anything = || {
        proptest::string::string_regex(
        "[a-zA-Z0-9 #>*_~`|\\[\\]<>()+:/.\"'\\\n\r\t\u{0}\u{7}\u{1f}\u{7f}é😀—\u{FDD0}\u{FDD1}-]{0,16}",
    )
    .expect("regex")
    };
    let piece = prop_oneof![
        3 => ours,
        3 => anything().prop_map(|t| user(&t).to_string()),
        1 => Just("https://crm.example/q_3*x".to_string()),
        1 => anything(),
        1 => (prop_oneof![Just('x'), Just('é'), Just('😀'), Just('*')], 0..1400usize)
            .prop_map(|(c, n)| std::iter::repeat_n(c, n).collect()),
    ];
    proptest::collection::vec(piece, 0..5).prop_map(|p| p.concat())
}

fn card() -> impl Strategy<Value = Card> {
    let field = (text(), text(), any::<bool>()).prop_map(|(name, value, inline)| Field {
        name,
        value,
        inline,
    });
    let action = (0..1000i64, text()).prop_map(|(partner, label)| Action {
        target: Target::Screen { partner },
        label,
    });
    let paged = proptest::option::of(
        (0..4usize, 0..5usize).prop_map(|(page, pages)| Paged { page, pages }),
    );
    (
        (
            text(),
            0..5u8,
            proptest::option::of(text()),
            proptest::collection::vec(field, 0..28),
        ),
        (
            proptest::collection::vec(text(), 0..45),
            proptest::option::of(text()),
            0..3u8,
            proptest::collection::vec(action, 0..8),
            any::<bool>(),
            paged,
        ),
    )
        .prop_map(
            |((title, tone, description, fields), (lines, footer, file, actions, list, paged))| {
                let mut card = Card::new(
                    title,
                    [Tone::Good, Tone::Okay, Tone::Warn, Tone::Bad, Tone::Info][tone as usize],
                );
                card.description = description;
                card.fields = fields;
                card.lines = lines;
                card.footer = footer;
                card.files = match file {
                    0 => Vec::new(),
                    1 => vec![FileOut {
                        name: "chart.png".into(),
                        bytes: vec![1, 2],
                    }],
                    _ => vec![FileOut {
                        name: "roster.csv".into(),
                        bytes: vec![3],
                    }],
                };
                card.actions = actions;
                card.list = list.then_some(ListId::Help);
                card.paged = paged;
                card
            },
        )
}

fn json(v: &impl serde::Serialize) -> String {
    serde_json::to_string(v).expect("a builder serializes")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(600))]

    /// The embed and the buttons are the same bytes as before, for any card and page.
    #[test]
    fn embeds_and_buttons_are_what_they_were(card in card(), page in 0..5usize) {
        prop_assert_eq!(json(&super::embed(&card, page)), json(&embed(&card, page)));
        prop_assert_eq!(json(&super::components(&card, page)), json(&components(&card, page)));
    }

    /// Card text as markdown is what it was, for any text (the fast paths of text without anything to escape
    /// included).
    #[test]
    fn markdown_is_what_it_was(s in text()) {
        prop_assert_eq!(super::markdown(&s), markdown(&s));
        prop_assert_eq!(super::title_markdown(&s), title_markdown(&s));
        let mut inert = String::new();
        inert_into(&s, &mut inert);
        prop_assert_eq!(super::inert(&s), inert);
        // Card text as plain text: the marks removed, by the search for them as by every character.
        let plain: String = s.chars().filter(|c| !matches!(c, '\u{FDD0}' | '\u{FDD1}')).collect();
        prop_assert_eq!(crate::app::card::plain(&s), plain);
    }

    /// Cutting in place cuts where [`clip`] does.
    #[test]
    fn clipping_in_place_is_clipping(s in text(), max in 0..40usize) {
        prop_assert_eq!(super::clip_owned(s.clone(), max), clip(&s, max));
        prop_assert_eq!(super::clip_owned(s.clone(), 1400), clip(&s, 1400));
        prop_assert_eq!(super::clip(&s, max), clip(&s, max));
        prop_assert_eq!(super::clip(&s, 1400), clip(&s, 1400));
    }
}
