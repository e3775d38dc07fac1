//! A slash command's options as an [`Invocation`] of the command table, and the files it carries: the size
//! an `/import` attachment may have, checked before and while it is downloaded.

use crate::app::{ArgValue, Invocation};
use serenity::all::{Attachment, CommandInteraction, ResolvedOption, ResolvedValue, Unresolved};

/// The largest file `/import` downloads: checked against the attachment's stated size before downloading,
/// and against the bytes received while downloading.
pub const MAX_ATTACHMENT_BYTES: u32 = crate::app::transfer::MAX_IMPORT_BYTES as u32;

/// The longest an attachment download may take.
const DOWNLOAD_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(120);

/// The HTTP client that downloads attachments.
pub fn download_client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(DOWNLOAD_TIMEOUT)
        .build()
        .unwrap_or_default()
}

fn too_big(name: &str, bytes: u64) -> String {
    format!(
        "{name} is {:.1} MB; I import files up to {} MB. Split it and import the parts.",
        bytes as f64 / 1_048_576.0,
        MAX_ATTACHMENT_BYTES / 1_048_576
    )
}

/// Download an attachment, refusing it as soon as more than [`MAX_ATTACHMENT_BYTES`] have arrived (whatever
/// size it was said to have).
pub(super) async fn download_limited(
    client: &reqwest::Client,
    a: &Attachment,
) -> Result<Vec<u8>, String> {
    let name = crate::domain::snippet(&a.filename);
    let cannot = |e: &dyn std::fmt::Display| format!("I could not download {name}: {e}");
    let mut resp = client
        .get(&a.url)
        .send()
        .await
        .and_then(reqwest::Response::error_for_status)
        .map_err(|e| cannot(&e.without_url()))?;
    let limit = u64::from(MAX_ATTACHMENT_BYTES);
    if let Some(n) = resp.content_length().filter(|n| *n > limit) {
        return Err(too_big(&name, n));
    }
    let mut bytes =
        Vec::with_capacity(usize::try_from(a.size.min(MAX_ATTACHMENT_BYTES)).unwrap_or(0));
    while let Some(chunk) = resp.chunk().await.map_err(|e| cannot(&e.without_url()))? {
        if (bytes.len() + chunk.len()) as u64 > limit {
            return Err(too_big(&name, (bytes.len() + chunk.len()) as u64));
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(bytes)
}

/// The command path of an interaction: name, then subcommand group and subcommand.
pub(super) fn command_path(cmd: &CommandInteraction) -> Vec<String> {
    let mut path = vec![cmd.data.name.clone()];
    let mut opts = &cmd.data.options;
    while let Some(first) = opts.first() {
        match &first.value {
            serenity::all::CommandDataOptionValue::SubCommand(inner)
            | serenity::all::CommandDataOptionValue::SubCommandGroup(inner) => {
                path.push(first.name.clone());
                opts = inner;
            }
            _ => break,
        }
    }
    path
}

/// The leaf option values as text (files excluded).
pub(super) fn option_values(opts: &[ResolvedOption<'_>]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for o in opts {
        match &o.value {
            ResolvedValue::SubCommand(inner) | ResolvedValue::SubCommandGroup(inner) => {
                out.extend(option_values(inner))
            }
            v => {
                if let Some(text) = leaf_text(v) {
                    out.push((o.name.to_string(), text));
                }
            }
        }
    }
    out
}

/// A leaf option's value as text; None for a file (and a kind the commands do not use).
fn leaf_text(v: &ResolvedValue<'_>) -> Option<String> {
    Some(match v {
        ResolvedValue::String(s) => s.to_string(),
        ResolvedValue::Autocomplete { value, .. } => value.to_string(),
        ResolvedValue::Integer(i) => i.to_string(),
        ResolvedValue::Number(n) => n.to_string(),
        ResolvedValue::Boolean(b) => b.to_string(),
        ResolvedValue::Channel(c) => c.id.to_string(),
        ResolvedValue::Role(r) => r.id.to_string(),
        ResolvedValue::User(u, _) => u.id.to_string(),
        ResolvedValue::Unresolved(Unresolved::Channel(id)) => id.to_string(),
        ResolvedValue::Unresolved(Unresolved::RoleId(id)) => id.to_string(),
        ResolvedValue::Unresolved(Unresolved::Mentionable(id)) => id.to_string(),
        ResolvedValue::Unresolved(Unresolved::User(id)) => id.to_string(),
        _ => return None,
    })
}

/// The invocation of a slash command, and its attachments to download once the caller's role is checked
/// (an attachment that says it is too large is refused here, before anything is downloaded).
pub(super) fn invocation(
    cmd: &CommandInteraction,
) -> Result<(Invocation, Vec<(String, Attachment)>), String> {
    let path = command_path(cmd);
    let mut inv = Invocation {
        path,
        ..Invocation::default()
    };
    fn walk<'a>(opts: Vec<ResolvedOption<'a>>, out: &mut Vec<ResolvedOption<'a>>) {
        for o in opts {
            match o.value {
                ResolvedValue::SubCommand(inner) | ResolvedValue::SubCommandGroup(inner) => {
                    walk(inner, out)
                }
                _ => out.push(o),
            }
        }
    }
    let mut leaves = Vec::new();
    walk(cmd.data.options(), &mut leaves);
    // One pass over the leaves (resolved once): files to download, the rest as text.
    let mut files = Vec::new();
    for o in leaves {
        if let ResolvedValue::Attachment(a) = o.value {
            if a.size > MAX_ATTACHMENT_BYTES {
                return Err(too_big(
                    &crate::domain::snippet(&a.filename),
                    u64::from(a.size),
                ));
            }
            files.push((o.name.to_string(), a.clone()));
        } else if let Some(text) = leaf_text(&o.value) {
            inv.args.insert(o.name.to_string(), ArgValue::Text(text));
        }
    }
    Ok((inv, files))
}
