//! Markdown runbooks: a format people review on GitHub and ripcord executes step by step.
//!
//! ```text
//!  lang/    file.md ──parse──► Document ──check──► Runbook
//!  exec/    Runbook ──Run::start(params)──► Run (pure: a fold over its log)
//!                                             │ Work ▲ Report
//!                                             ▼      │
//!  runner   (spawned per work item) ──► act/dispatch ──► one module per action / condition
//!                                                   └──► act/shell (sh)      ──► dyn Actions
//! ```
//!
//! Three rooms and two files, pointing one way: `words` (what all share) ← `act/` (the
//! actions and conditions, and the `Actions` port they call) ← `lang/` (the language; nothing in
//! it runs) ← `exec/` (the state machine, no I/O) ← `runner` (the side effects' task) ← `cli`.
//! Adding an action is its module in `act/` (its `SPEC`: name and arguments; its typed
//! arguments; what it says; its pre-checks, change and end state) and one line in
//! `act/mod.rs`'s `registry!`; a condition the same in `act/probe/`.

pub mod act;
pub mod cli;
pub mod exec;
pub mod lang;
pub mod runner;
pub mod words;

pub use act::port::Actions;
pub use exec::Run;
pub use lang::library::Library;
pub use lang::model::{Diagnostic, Runbook};
