//! The audit log: every decision of every run, appended durably to a hash-chained JSON Lines
//! file per run, written before the action it announces (write-ahead) and refusing the action
//! when it cannot be written (fail closed). Runs are resumed from it, `ripcord audit verify`
//! proves it whole, and `ripcord audit report` turns it into a postmortem's timeline.
//!
//! ```text
//!  Run.log ──Journal (runner loop, before dispatch)──► AuditWriter ──► <dir>/<run>.jsonl
//!                    │ first record (nonce), seal at the end                  │
//!                    └──► index ──► <dir>/runs.index (started, sealed)        │
//!         report, show, resume ◄── read (verify, against the index) ◄────────┘
//! ```

pub mod canonical;
pub mod cli;
pub mod commands;
pub mod evidence;
pub mod identity;
pub mod index;
pub mod journal;
pub mod lock;
pub mod model;
pub mod read;
pub mod report;
pub mod resume;
pub mod runs;
pub mod seal;
pub mod verify;
pub mod writer;
