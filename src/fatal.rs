//! A failure that ends the process, and its exit code: configuration problems exit 2, everything else 1.
//! It lives beside [`crate::config`] rather than in the command line, so that every front end the binary
//! starts (the Discord bot, the console, the CSV tools) can end with one without importing another.

use crate::config::ConfigError;
use std::process::ExitCode;

/// A failure that ends the process: configuration problems exit 2, everything else 1.
#[derive(Debug, thiserror::Error)]
pub enum Fatal {
    #[error("{0}")]
    Config(#[from] ConfigError),
    #[error("{0:#}")]
    Other(#[from] anyhow::Error),
}

impl Fatal {
    pub fn exit_code(&self) -> ExitCode {
        match self {
            Fatal::Config(_) => ExitCode::from(2),
            Fatal::Other(_) => ExitCode::from(1),
        }
    }
}

impl From<crate::app::AppError> for Fatal {
    /// A use case's failure on the command line: the user's message as is, or the internal cause.
    fn from(e: crate::app::AppError) -> Fatal {
        match e {
            crate::app::AppError::User(m) => Fatal::Other(anyhow::anyhow!(m)),
            crate::app::AppError::Internal(e) => Fatal::Other(e),
        }
    }
}
