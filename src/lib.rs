//! partnerfit: a Discord and Slack bot (and console) that runs the Ideal Partner Profile method for B2B
//! partnerships teams. See docs/method.md for the method and README.md for the architecture.
//!
//! The API documentation is the design's, private items included: `cargo doc --document-private-items --open`.
//! (Public items' docs link to the private helpers they are built on: without that flag those links lead
//! nowhere, and rustdoc's warning about them is off.)
#![allow(rustdoc::private_intra_doc_links)]

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
