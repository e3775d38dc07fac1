//! `e2e listener …`: what the operations listener costs the bot — its RSS and `/screen` without and with
//! `PARTNERFIT_HTTP_LISTEN`, alternately on the same database (see the bench's doc).

use super::{http, report_memory, screens, start_bot_on, summary, Plan, Workload, BOT_ENV};
use anyhow::bail;
use std::path::Path;

/// The listener's cost (see the file's doc): the bot without and with it, alternately, on the same database.
pub(crate) async fn listener_cost(dir: &Path, names: &[String], plan: &Plan) -> anyhow::Result<()> {
    let url = format!("sqlite://{}", dir.join("bench.db").display());
    for round in 1..=2 {
        for on in [false, true] {
            let mut env = BOT_ENV.to_vec();
            if on {
                // The OS picks the port when the bot binds it; the bot logs the one it bound.
                env.push(("PARTNERFIT_HTTP_LISTEN", http::ANY_PORT));
            }
            let running = start_bot_on(dir, &url, names.to_vec(), &env).await?;
            let label = format!(
                "e2e listener {}, run {round}",
                if on { "on" } else { "off" }
            );
            let port = if on {
                Some(http::bound_port(&running.bot).await)
            } else {
                None
            };
            if let Some(port) = port {
                let (code, body) = http::get(port, "/metrics").await;
                if code != 200 || !body.contains("partnerfit_build_info") {
                    bail!("/metrics answered {code}: {body}");
                }
            }
            tokio::time::sleep(plan.idle).await;
            let pid = running.bot.pid();
            report_memory(
                pid,
                &format!("{label}: idle RSS ({:?} after READY)", plan.idle),
            )?;
            let w = Workload::of(&running.fake, running.names);
            let (b2b, spaced) = screens(&w, plan, plan.samples).await?;
            eprintln!("{label}: /screen back to back: {}", summary(b2b));
            eprintln!(
                "{label}: /screen {} ms apart: {}",
                plan.gap.as_millis(),
                summary(spaced)
            );
            if let Some(port) = port {
                let (_, body) = http::get(port, "/metrics").await;
                let counted = body
                    .lines()
                    .filter(|l| l.starts_with("partnerfit_interactions_total{"))
                    .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
                    .sum::<f64>();
                eprintln!("{label}: /metrics counted {counted} interactions");
            }
            report_memory(pid, &format!("{label}: RSS after the /screen runs"))?;
            let code = running.bot.terminate().await;
            if code != Some(0) {
                eprintln!("e2e: warning: the bot exited with {code:?} on SIGTERM");
            }
            running.fake.shutdown().await;
        }
    }
    Ok(())
}
