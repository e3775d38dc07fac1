//! `partnerfit digest weekly|quarterly`: the digest printed as text or JSON, and its chart written with
//! `--chart`.

use super::{DigestCommand, Fatal};
use crate::app::App;

/// `partnerfit digest …`: print the digest (text, or the JSON object alone); with `--chart FILE.png`, first
/// write its chart there (the caller checked the path before opening the database; nothing is printed when
/// the chart cannot be written).
pub async fn print(app: &App, ws: &str, which: DigestCommand, json: bool) -> Result<(), Fatal> {
    use crate::app::card::Render;
    use crate::app::digest;
    // The operator at the terminal sees an internal error's cause (there is no chat user to apologise to, and
    // nothing else would log it); a user error as the chat would show it.
    let fail = |e: crate::app::AppError| match e {
        crate::app::AppError::User(_) => Fatal::Other(anyhow::anyhow!(e.user_message())),
        crate::app::AppError::Internal(_) => Fatal::Other(anyhow::anyhow!(e.to_string())),
    };
    let chart_path = which.opts().chart.clone();
    let settings = app.settings(ws).await.map_err(fail)?;
    let (value, text, chart) = match which {
        DigestCommand::Weekly { week, .. } => {
            let week = week.unwrap_or_else(|| digest::default_week(app, &settings));
            let d = digest::weekly(app, ws, &settings, week)
                .await
                .map_err(fail)?;
            let chart = match chart_path {
                Some(_) => Some(digest::weekly_chart(&d).map_err(fail)?),
                None => None,
            };
            (serde_json::to_value(&d), d.card().to_text(), chart)
        }
        DigestCommand::Quarterly { quarter, .. } => {
            let quarter = quarter.unwrap_or_else(|| digest::default_quarter(app, &settings));
            let d = digest::quarterly(app, ws, &settings, quarter)
                .await
                .map_err(fail)?;
            let chart = match chart_path {
                Some(_) => Some(digest::quarterly_chart(&d).map_err(fail)?),
                None => None,
            };
            (serde_json::to_value(&d), d.card().to_text(), chart)
        }
    };
    let value = value.map_err(|e| Fatal::Other(e.into()))?;
    if let (Some(path), Some(chart)) = (&chart_path, &chart) {
        crate::output::write_whole(path, &chart.bytes, "the chart to")?;
        crate::output::print_stderr(format_args!(
            "chart written to {} ({} bytes)\n",
            path.display(),
            chart.bytes.len()
        ));
    }
    if json {
        crate::output::print_stdout(format_args!("{value}\n"))?;
    } else {
        crate::output::print_stdout(format_args!("{text}\n"))?;
    }
    Ok(())
}
