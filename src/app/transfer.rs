//! CSV import and export (`/import`, `/export`, `partnerfit import|export`).
//! Being implemented: see issue 6.

use super::{App, AppError, AppResult, Ctx, Invocation, Reply};
use crate::cli::{ExportArgs, Fatal, ImportArgs};

pub async fn export_command(_app: &App, _ctx: &Ctx, _inv: &Invocation) -> AppResult<Reply> {
    Err(AppError::user(
        "/export is not available yet in this version.",
    ))
}

pub async fn import_command(_app: &App, _ctx: &Ctx, _inv: &Invocation) -> AppResult<Reply> {
    Err(AppError::user(
        "/import is not available yet in this version.",
    ))
}

pub async fn import_cli(_app: &App, _ws: &str, _args: &ImportArgs) -> Result<(), Fatal> {
    Err(Fatal::Other(anyhow::anyhow!("import is not available yet")))
}

pub async fn export_cli(_app: &App, _ws: &str, _args: &ExportArgs) -> Result<(), Fatal> {
    Err(Fatal::Other(anyhow::anyhow!("export is not available yet")))
}
