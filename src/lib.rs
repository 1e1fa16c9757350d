//! ripcord: a terminal disaster-recovery cockpit for AWS.
//!
//! The library holds everything but the terminal plumbing, so tests drive `App` and the UI
//! without a terminal. See ARCHITECTURE in the README for the flow of data.

pub mod app;
pub mod audit;
pub mod cli;
pub mod clock;
pub mod cockpit;
pub mod config;
pub mod fleet;
pub mod logging;
pub mod poll;
pub mod runbook;
pub mod source;
pub mod status;
pub mod theme;
pub mod tomlfile;
pub mod tui;
pub mod ui;
