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
//! The format is documented in `runbooks/README.md`.

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
pub mod shell;
pub mod template;
pub mod vocab;
pub mod work;
pub mod worker;

pub use actions::Actions;
pub use exec::Run;
pub use library::Library;
pub use model::{Diagnostic, Runbook};
