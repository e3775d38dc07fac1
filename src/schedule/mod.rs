//! Digest schedules: cron expressions evaluated in the workspace's time zone, digest runs recorded in the
//! database so each period is posted exactly once, and catch-up after downtime.

pub mod cron_expr;
