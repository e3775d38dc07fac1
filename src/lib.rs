//! partnerfit: a Discord and Slack bot (and console) that runs the Ideal Partner Profile method for B2B
//! partnerships teams. See docs/method.md for the method and README.md for the architecture.

pub mod app;
pub mod chart;
pub mod cli;
pub mod config;
pub mod console;
pub mod discord;
pub mod domain;
pub mod fatal;
pub mod generate;
pub mod http;
pub mod output;
pub mod process;
pub mod schedule;
pub mod service;
pub mod slack;
pub mod store;
