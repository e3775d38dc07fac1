//! `partnerfit demo` (a sample team in an empty workspace) and the hidden `partnerfit generate` (a large data
//! set for benchmarks): the two subcommands that fill a workspace from `crate::generate`.

use super::{ConfigError, Fatal, GenerateArgs};
use crate::app::App;
use crate::generate::demo::{self, DemoError};
use crate::store::Store;

/// The workspace `partnerfit demo` fills when none is named.
pub const DEFAULT_WORKSPACE: &str = "demo";

/// `partnerfit demo`: write the sample team into `ws` dated around today (in the workspace's time zone), or
/// refuse with one line (exit code 1) when the workspace holds data. Prints what was written and what to try next.
pub async fn run(app: &App, ws: &str) -> Result<(), Fatal> {
    let settings = app.settings(ws).await?;
    let today = app.today(&settings);
    match demo::write(&app.store, ws, today, app.now()).await {
        Ok(counts) => {
            let flag = format!(" --workspace {}", shell_word(ws));
            crate::output::print_stdout(format_args!(
                "workspace `{ws}` filled with the demo team: {counts}.\nTry:\n  partnerfit digest weekly{flag}\n  \
                 partnerfit digest quarterly{flag} --chart quarterly.png\n  partnerfit console{flag}    \
                 (then /partner list, /screen partner:\"Atlas Office Systems\")\n"
            ))?;
            Ok(())
        }
        // A refused command (exit 1), not a configuration problem: the same configuration fills another workspace.
        Err(DemoError::HoldsData(_)) => Err(Fatal::Other(anyhow::anyhow!(
            "workspace `{ws}` already holds data (profiles, partners or schedules): the demo fills an empty one; name another with --workspace"
        ))),
        Err(DemoError::Store(e)) => Err(Fatal::Other(anyhow::anyhow!(
            "the demo was not written (nothing was changed): {e}"
        ))),
    }
}

/// `ws` quoted for a shell when it needs it.
fn shell_word(ws: &str) -> String {
    if ws
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || "-_.:".contains(c))
    {
        ws.to_string()
    } else {
        format!("'{}'", ws.replace('\'', r"'\''"))
    }
}

/// `partnerfit generate`: write the data set into an empty workspace, all of it or nothing. A workspace that
/// holds data is refused (exit 1, as the demo's); a size out of range, or an end date whose history would
/// begin before year 1000, is exit 2; a failed write (a full disk) says that nothing was written.
pub async fn generate(store: &Store, ws: &str, args: &GenerateArgs) -> Result<(), Fatal> {
    use crate::generate::{generate, GenerateError, Spec};
    let spec = Spec {
        workspace: ws.to_string(),
        partners: args.partners,
        seed: args.seed,
        until: args
            .until
            .unwrap_or_else(|| chrono::Utc::now().date_naive()),
    };
    let started = std::time::Instant::now();
    let counts = match generate(store, &spec).await {
        Ok(counts) => counts,
        Err(e @ (GenerateError::Size(_) | GenerateError::TooEarly { .. })) => {
            return Err(Fatal::Config(ConfigError(e.to_string())))
        }
        // A refused command (exit 1), as for the demo: the same configuration fills another workspace.
        Err(e @ GenerateError::HoldsData(_)) => {
            return Err(Fatal::Other(anyhow::anyhow!(e.to_string())))
        }
        Err(GenerateError::Store(e)) => {
            return Err(Fatal::Other(anyhow::anyhow!(
                "nothing was generated (the workspace was left as it was): {e}"
            )))
        }
    };
    crate::output::print_stderr(format_args!(
        "generated workspace `{ws}` in {:.1} s: {counts}\n",
        started.elapsed().as_secs_f64()
    ));
    Ok(())
}
