//! Markdown runbooks: a format people review on GitHub and ripcord executes step by step.
//!
//! ```text
//!  file.md ──parse──► Document ──check──► Runbook ──Run::start(params)──► Run (exec: pure)
//!                                                                          │ Work ▲ Report
//!                                                                          ▼      │
//!                                             worker (spawned) ──► perform ──► dyn Actions
//!                                                                          └──► shell (sh)
//! ```
//!
//! `perform` dispatches to one module per action kind (`act/`, the `Action` trait) and per
//! gate or wait condition (`probe/`, the `Condition` trait): adding one is that module and a
//! line in its registry (`Operation`, `Probe`), plus its name and arguments in `vocab`.
//!
//! The format is documented in `runbooks/README.md`.

pub mod act;
pub mod actions;
pub mod check;
pub mod commands;
pub mod exec;
pub mod library;
pub mod log;
pub mod model;
pub mod params;
pub mod parse;
pub mod perform;
pub mod probe;
pub mod shell;
pub mod template;
pub mod vocab;
pub mod work;
pub mod worker;

pub use actions::Actions;
pub use exec::Run;
pub use library::Library;
pub use model::{Diagnostic, Runbook};
