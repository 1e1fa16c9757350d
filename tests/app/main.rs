//! In-process tests of the cockpit, the runbook engine and the audit log, on the simulated fleet: no AWS, no terminal.
//!
//! One test binary per level, so the crate and the AWS SDK are linked once per level
//! rather than once per file; each file is a module, run one with
//! `cargo test --test app <module>::`.

#[path = "../common/mod.rs"]
mod common;

mod accounts_view;
mod audit_drill;
mod demo_history;
mod port_calls;
mod readiness_report;
mod readiness_view;
mod runbook_drills;
mod runbook_shell;
mod runbook_snapshots;
mod runbook_worker;
mod ui_snapshots;
