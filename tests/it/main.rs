//! The integration tests: one crate (one link) with a module per area.

mod support;

mod cli;
mod console;
mod transfer;
