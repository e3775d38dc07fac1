//! Where the process's log lines go and what they leave out: stderr (stdout is for replies), text for a person
//! or one JSON object a line for a log pipeline, with the libraries' noisy or revealing output turned off unless
//! the configured filter names them — and the last line of a failed run, in the same format.

use super::Fatal;
use crate::config::{Config, LogFormat};

/// Whether the log lines are JSON ([`init_tracing`] with `log_format = "json"`): the last line of a failed run is
/// then a JSON object too ([`report_fatal`]).
static LOG_IS_JSON: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Say why the process stops, on stderr, in one line: `partnerfit: error: …` for a person, or — when the log lines
/// are JSON — an ERROR event with the message and the exit code, so a log pipeline reads the last line too. (A
/// configuration that cannot be read fails before the log format is known: that line is always text.)
pub fn report_fatal(e: &Fatal) {
    // A filter that turns errors off would swallow the event: then the plain line.
    if LOG_IS_JSON.load(std::sync::atomic::Ordering::Relaxed)
        && tracing::enabled!(tracing::Level::ERROR)
    {
        tracing::error!(exit_code = e.code(), "partnerfit: error: {e}");
    } else {
        crate::output::print_stderr(format_args!("partnerfit: error: {e}\n"));
    }
}

/// Log to stderr (stdout is for replies), filtered by the configured level, as text or one JSON object a line.
pub fn init_tracing(config: &Config) {
    use tracing_subscriber::prelude::*;
    // The configuration has checked the filter (`Config::validate`).
    let filter = tracing_subscriber::EnvFilter::try_new(&config.log)
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    // PostgreSQL's notices ("relation ... already exists, skipping" at every start) are not news,
    // unless the configured filter names them.
    let filter = match "sqlx::postgres::notice=warn".parse() {
        Ok(quiet) if !config.log.contains("sqlx") => filter.add_directive(quiet),
        _ => filter,
    };
    // serenity's REST client has no events at info, only spans (`Http::request`, `Request::build`) whose
    // fields are the whole request, its body as a list of numbers: formatting them took more of a `/screen`
    // than rendering its card (BENCHMARKS.md, "the end-to-end floor"). Off, with its debug events, unless the
    // configured filter names serenity; its warnings stay.
    let filter = match "serenity::http=warn".parse() {
        Ok(quiet) if !config.log.contains("serenity") => filter.add_directive(quiet),
        _ => filter,
    };
    // slack-morphism's Socket Mode client logs the socket's URL, whose `ticket` is the connection's credential,
    // when a connection fails; its lost connections are logged by `slack::socket` without it. Off unless the
    // configured filter names slack_morphism.
    let filter = match "slack_morphism::hyper_tokio::socket_mode=off".parse() {
        Ok(quiet) if !config.log.contains("slack_morphism") => filter.add_directive(quiet),
        _ => filter,
    };
    // serenity's gateway opens INFO-level spans for every event it receives (`handle_event`,
    // `handle_gateway_dispatch`) whose fields are the whole event, formatted with `Debug`: twice per interaction,
    // the user's words included, where our own line says what happened. Its spans are off unless the configured
    // filter names serenity; its events stay (BENCHMARKS.md, "the end-to-end floor").
    let serenity_spans = config.log.contains("serenity");
    let spans = tracing_subscriber::filter::filter_fn(move |m| {
        serenity_spans || !(m.is_span() && m.target().starts_with("serenity"))
    });
    let fmt = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        // Colours only for a person at a terminal: a log file or the journal gets plain text, not escape codes.
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_target(false);
    let _ = match config.log_format {
        LogFormat::Text => fmt.finish().with(spans).try_init(),
        LogFormat::Json => {
            LOG_IS_JSON.store(true, std::sync::atomic::Ordering::Relaxed);
            fmt.json().finish().with(spans).try_init()
        }
    };
}
