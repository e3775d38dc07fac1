//! Text as Slack sends it, read as the user typed it: smart quotes made plain, Slack's escaping of `&`, `<`
//! and `>` undone once, and a mention's leading `<@…>` tokens (what Slack sent for a pick from its menu) taken
//! out before that, so nothing typed is read as a mention, a channel or a group.

use crate::app::spec::{self, Kind};
use crate::app::{ArgValue, Invocation};

/// Smart quotes (as phones type them) to plain ones, so `partner:“Acme Corp”` parses.
pub fn normalize(text: &str) -> String {
    text.replace(['“', '”', '„'], "\"").trim().to_string()
}

/// Slack's escaping of command and message text undone, once: `&lt;`, `&gt;`, then `&amp;` (last, so a
/// typed `&lt;`, sent as `&amp;lt;`, stays `&lt;`).
pub fn unescape(text: &str) -> String {
    text.replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// A parsed command's values unescaped, except a channel's and a user group's: those are Slack's tokens
/// (`<#C…|name>`, `<!subteam^S…|@x>`) as Slack sent them, and one typed by hand stays escaped, so it is
/// refused rather than taken for a pick from Slack's menu.
pub(super) fn unescape_args(mut inv: Invocation) -> Invocation {
    let options = spec::find(&inv.path).map(|s| s.options).unwrap_or_default();
    for (name, value) in inv.args.iter_mut() {
        let token = options
            .iter()
            .any(|o| o.name == name && matches!(o.kind, Kind::Channel | Kind::Role));
        if let (false, ArgValue::Text(t)) = (token, value) {
            *t = unescape(t);
        }
    }
    inv
}

/// The question of a mention, from its text as Slack sent it: the bot's mention (`<@U…>`) taken out where
/// it is and other mentions leading the text dropped, then Slack's escaping undone, so nothing typed as
/// `<@…>` is read as a mention.
pub(super) fn question_of(text: &str, bot_user_id: &str) -> String {
    let text = text.replace(&format!("<@{bot_user_id}>"), " ");
    let mut t = text.trim_start();
    while let Some(rest) = t.strip_prefix("<@") {
        match rest.split_once('>') {
            Some((_, after)) => t = after.trim_start(),
            None => break,
        }
    }
    unescape(&normalize(t))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::line::{parse_line, Line};

    #[test]
    fn slack_escaping_is_undone_once() {
        assert_eq!(unescape("AT&amp;T &lt;b&gt; &amp;lt;"), "AT&T <b> &lt;");
        assert_eq!(unescape("&amp;amp;"), "&amp;");
        let inv = match parse_line(
            "/schedule set digest:weekly cron:\"0 9 * * 1\" channel:&lt;#C0PARTNER|x&gt;",
        ) {
            Ok(Line::Command(inv)) => unescape_args(inv),
            other => panic!("{other:?}"),
        };
        assert_eq!(
            inv.opt_text("channel"),
            Some("&lt;#C0PARTNER|x&gt;"),
            "a typed token stays escaped"
        );
        let inv = match parse_line("/partner add name:\"AT&amp;T &lt;US&gt;\" type:si") {
            Ok(Line::Command(inv)) => unescape_args(inv),
            other => panic!("{other:?}"),
        };
        assert_eq!(inv.opt_text("name"), Some("AT&T <US>"));
    }

    #[test]
    fn a_mention_question_reads_slack_tokens_before_unescaping() {
        assert_eq!(
            question_of("<@U0BOT> does AT&amp;T fit?", "U0BOT"),
            "does AT&T fit?"
        );
        assert_eq!(
            question_of("<@U0X> <@U0BOT|pf> is “A&amp;B” a fit", "U0BOT"),
            "is \"A&B\" a fit"
        );
        // typed, not picked: stays in the question as text
        assert_eq!(
            question_of("<@U0BOT> does &lt;@U0BOT&gt; fit?", "U0BOT"),
            "does <@U0BOT> fit?"
        );
    }
}
