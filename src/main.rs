//! The `partnerfit` binary: parse the command line, then hand over to [`partnerfit::cli::run`].

use clap::Parser;
use std::process::ExitCode;

#[tokio::main]
async fn main() -> ExitCode {
    let cli = partnerfit::cli::Cli::parse();
    match partnerfit::cli::run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            partnerfit::cli::report_fatal(&e);
            e.exit_code()
        }
    }
}
