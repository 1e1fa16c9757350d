//! The audit log: every decision of every run, appended durably to a hash-chained JSON Lines
//! file per run, written before the action it announces (write-ahead) and refusing the action
//! when it cannot be written (fail closed). Runs are resumed from it, `ripcord audit verify`
//! proves it whole, and `ripcord audit report` turns it into a postmortem's timeline.
//!
//! ```text
//!  Run.log ──Journal (cockpit loop, before dispatch)──► AuditWriter ──► <dir>/<run>.jsonl
//!                                                                          │
//!            verify ◄── read ◄────────────────────────────────────────────┘──► report, show, resume
//! ```

pub mod canonical;
pub mod model;
pub mod verify;
pub mod writer;
