//! The runbook language: Markdown in, a checked `Runbook` out. Nothing here runs anything.
//!
//! - `parse.rs`: Markdown (pulldown-cmark) to a `Document` of steps, with line numbers
//! - `check.rs`: a `Document` to a `Runbook`, or every problem at its line
//! - `model.rs`: the checked runbook: steps, their bodies, targets, parameters
//! - `vocab.rs`: the names of actions and conditions, and the arguments each takes
//! - `params.rs`: parameters and their values (secrets, kinds, `KEY=value` on the command line)
//! - `template.rs`: `{{param}}` in step text and arguments
//! - `library.rs`: where runbooks come from (shipped ones and `runbook_dirs`)

pub mod check;
pub mod library;
pub mod model;
pub mod params;
pub mod parse;
pub mod template;
pub mod vocab;
