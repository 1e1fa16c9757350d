//! Markdown runbooks: a format people review on GitHub and ripcord executes step by step.
//!
//! ```text
//!  lang/   file.md ──parse──► Document ──check──► Runbook
//!  exec/   Runbook ──Run::start(params)──► Run (pure: a fold over its log)
//!                                            │ Work ▲ Report
//!                                            ▼      │
//!  act/    runner (spawned) ──► dispatch ──► one module per action / condition ──► dyn Actions
//!                                       └──► shell (sh)
//! ```
//!
//! Three rooms: `lang/` is the language (nothing in it runs), `exec/` the state machine (no
//! I/O), `act/` the side effects. Adding an action is its module in `act/` (its `SPEC`: name
//! and arguments; its typed arguments; what it says; its pre-checks, change and end state) and
//! one line in `act/mod.rs`'s `registry!`; a condition the same in `act/probe/`.

pub mod act;
pub mod cli;
pub mod exec;
pub mod lang;

pub use act::port::Actions;
pub use exec::Run;
pub use lang::library::Library;
pub use lang::model::{Diagnostic, Runbook};
