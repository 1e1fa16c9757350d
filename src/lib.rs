//! ripcord: a terminal disaster-recovery cockpit for AWS.
//!
//! The library holds everything but the terminal plumbing, so tests drive `App` and the UI
//! without a terminal. See ARCHITECTURE in the README for the flow of data.

pub mod clock;
pub mod fleet;
pub mod source;
pub mod tomlfile;
pub mod config;
pub mod theme;
pub mod app;
