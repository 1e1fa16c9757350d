//! The built `ripcord` binary, as a user runs it: its command line, its config errors, and the cockpit in tmux.
//!
//! One test binary per level, so the crate and the AWS SDK are linked once per level
//! rather than once per file; each file is a module, run one with
//! `cargo test --test binary <module>::`.

#[path = "../common/mod.rs"]
mod common;

mod config_errors;
mod e2e_audit;
mod e2e_runbook;
mod e2e_tmux;
mod live_cli;
mod runbook_check;
