//! A refusal or an error as a Discord message's content. Its text is the app's words with what users typed in
//! them, unmarked (a reason someone else gave, a trait's or a partner's name), and the console and the JSON
//! show it as it is; here nothing in it may become markdown — a masked link, a spoiler, a heading or a quote,
//! bold that swallows the rest — except the app's own `` `code` `` around names, which is kept.
//!
//! How: each line is read the way Discord's markdown reads it, left to right. A backtick with another one
//! later on the same line and something between them opens a code span, kept as it is: nothing inside
//! inline code is markdown. Everything outside code spans is escaped: every character that can start or end
//! markdown (`\`, `*`, `_`, `~`, `|`, `[`, `]`, a backtick without its pair, `<` but for a mention, the `:` of
//! `://` so no web address links itself, and `#`, `>`, `-`, `+` at the start of a line). With no markup left
//! outside them, Discord finds exactly these code spans (two spans side by side read as one, which is still
//! code), so text a user typed inside backticks cannot close the span and be read as markdown after it.
//! Mentions (`<@1>`, `<@&1>`, `<#1>`: who retracted a record, a channel) stay mentions; no reply pings anyone
//! ([`super::no_pings`]).

use super::{clip, clip_lines};

/// `text` as message content of at most `max` characters: escaped as the module says, then cut at a line's end
/// ([`clip_lines`]). A line too long for `max` is cut before it is escaped, so no cut falls inside an escape
/// or a code span.
pub fn notice(text: &str, max: usize) -> String {
    // What `clip_lines` keeps of a first line, with room for its note of the lines left out.
    let longest = max.saturating_sub(41);
    let mut out = String::with_capacity(text.len() + 16);
    for (i, line) in text.split('\n').enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let start = out.len();
        escape_line(line, &mut out);
        if out[start..].chars().count() > longest {
            // An escape doubles a character at most.
            out.truncate(start);
            escape_line(&clip(line, longest / 2), &mut out);
        }
    }
    clip_lines(&out, max)
}

/// What is escaped anywhere outside a code span…
const ESCAPED: &[char] = &['\\', '*', '_', '~', '|', '[', ']'];
/// …and at the start of a line (after its indent).
const LINE_HEADS: &[char] = &['#', '>', '-', '+'];

/// Append one line (no `\n`) to `out`, escaped as the module says.
fn escape_line(line: &str, out: &mut String) {
    let mut line_start = true;
    let mut rest = line;
    while let Some(c) = rest.chars().next() {
        let after = &rest[c.len_utf8()..];
        if c == '`' {
            // A code span: to the next backtick, with something between.
            if let Some(end) = after.find('`').filter(|&end| end > 0) {
                let span = 1 + end + 1;
                out.push_str(&rest[..span]);
                rest = &rest[span..];
                line_start = false;
                continue;
            }
            out.push('\\');
        } else if c == '<' {
            if let Some(len) = mention_len(rest) {
                out.push_str(&rest[..len]);
                rest = &rest[len..];
                line_start = false;
                continue;
            }
            out.push('\\');
        } else if ESCAPED.contains(&c)
            || (c == ':' && after.starts_with("//"))
            || (line_start && LINE_HEADS.contains(&c))
        {
            out.push('\\');
        }
        out.push(c);
        line_start &= c.is_whitespace();
        rest = after;
    }
}

/// The length of the mention `s` starts with (`<@1>`, `<@!1>`, `<@&1>`, `<#1>`), if it starts with one.
fn mention_len(s: &str) -> Option<usize> {
    let inner = ["<@!", "<@&", "<@", "<#"]
        .iter()
        .find_map(|p| s.strip_prefix(p))?;
    let digits = inner.bytes().take_while(u8::is_ascii_digit).count();
    (digits > 0 && inner[digits..].starts_with('>')).then(|| s.len() - inner.len() + digits + 1)
}

#[cfg(test)]
mod tests {
    use super::notice;

    fn n(s: &str) -> String {
        notice(s, 2000)
    }

    #[test]
    fn our_words_and_code_spans_stay_as_they_are() {
        for s in [
            "⚠ No partner `Acme Corp` on the roster. Add it with /partner add.",
            "`max_misses` is a yes/no trait: give met:true or met:false",
            "Evidence #12 was already retracted by <@123> on 2026-01-02 (dup). Nothing changed.",
            "I cannot post in <#456>: missing access.",
        ] {
            assert_eq!(n(s), s, "{s}");
        }
        // An escaped character shows as itself.
        assert_eq!(
            n("as_of 2027-01-01 is in the future"),
            r"as\_of 2027-01-01 is in the future"
        );
    }

    #[test]
    fn user_text_outside_code_is_no_markdown() {
        assert_eq!(
            n("retracted (reason: [Open CRM](https://evil.example) ||x|| **b** <@&1 >)"),
            r"retracted (reason: \[Open CRM\](https\://evil.example) \|\|x\|\| \*\*b\*\* \<@&1 >)"
        );
        // Line heads: no heading, quote, subtext or list on a line of its own.
        assert_eq!(
            n("a\n# big\n  > quote\n-# small\n+ item"),
            "a\n\\# big\n  \\> quote\n\\-# small\n\\+ item"
        );
        assert_eq!(n(r"\[x](u)"), r"\\\[x\](u)");
    }

    #[test]
    fn a_backtick_in_a_name_cannot_open_markdown_after_the_span() {
        // The name `x` [l](https://evil.example) ` in backticks: the first pair is a span, the rest escaped.
        assert_eq!(
            n("`x` [l](https://evil.example) `` is a yes/no trait"),
            r"`x` \[l\](https\://evil.example) \`\` is a yes/no trait"
        );
        // A lone backtick is escaped.
        assert_eq!(n("`x is"), r"\`x is");
        // A span does not run over a line's end.
        assert_eq!(n("`a\nb`"), "\\`a\nb\\`");
    }

    #[test]
    fn long_lines_are_cut_before_they_are_escaped() {
        let long = format!("`{}` [x](u)", "a".repeat(3000));
        let shown = notice(&long, 2000);
        assert!(shown.chars().count() <= 2000);
        // The span lost its closing backtick to the cut: its opening one is escaped.
        assert!(shown.starts_with("\\`aaa"), "{shown}");
        let many = "[x](u)\n".repeat(400);
        let shown = notice(&many, 2000);
        assert!(shown.chars().count() <= 2000, "{shown}");
        assert!(shown.ends_with("more lines not shown"), "{shown}");
        assert!(!shown.contains("\n[x]"), "{shown}");
    }
}
