//! The integration tests: one crate (one link) with a module per area.

mod support;

mod architecture;
mod charts;
mod cli;
mod console;
mod demo;
mod discord;
mod docs;
mod doctor;
mod durability;
mod fake_selftest;
mod first_run;
mod fuzz;
mod generate;
mod groups;
mod help;
mod lifecycle;
mod money;
mod names;
mod quarterly;
mod reliability;
mod rename;
mod replies;
mod scale;
mod schedule_set;
mod scheduler;
mod security;
mod service;
mod slack;
mod slack_fake;
mod slack_ops;
mod slack_service;
mod store;
mod transfer;
mod weekly;
