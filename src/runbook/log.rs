//! The run log: every decision of a run, in order, as plain serializable records. Kept in
//! memory now; the hash-chained audit log appends these same shapes (one JSON object each),
//! and must append an `Intent` durably before the job it announces is carried out.
//!
//! No entry ever holds a secret parameter value: values are logged as `ParamValues`
//! displays them.

use super::vocab::{Operation, Probe};
use super::work::{Check, RequestId};
use jiff::Timestamp;
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LogEntry {
    /// Position in the run's log, from 1: gaps or repeats show tampering or loss.
    pub seq: u64,
    pub at: Timestamp,
    pub run: String,
    /// The step's anchor, when the entry is about a step.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub step: Option<String>,
    #[serde(flatten)]
    pub event: LogEvent,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "event", rename_all = "kebab-case")]
pub enum LogEvent {
    RunStarted {
        runbook: String,
        file: String,
        title: String,
        operator: String,
        /// `(name, value)` with secrets replaced.
        params: Vec<(String, String)>,
    },
    StepReached {
        title: String,
    },
    ItemTicked {
        item: String,
    },
    /// A gate was passed, or took its `otherwise` branch, on these readings.
    GateDecided {
        holds: bool,
        readings: Vec<Check>,
        goes_to: String,
    },
    /// About to act: exactly what, on what evidence, confirmed how. Written before the job.
    Intent {
        what: Intended,
        destructive: bool,
        /// What the operator typed to confirm a destructive step.
        #[serde(skip_serializing_if = "Option::is_none")]
        typed: Option<String>,
        readings: Vec<Check>,
        attempt: u32,
    },
    StepDone {
        summary: String,
        /// The request ids of the changes the step made, where the source gave them.
        #[serde(skip_serializing_if = "Vec::is_empty")]
        requests: Vec<RequestId>,
    },
    StepFailed {
        error: String,
    },
    StepSkipped {
        reason: String,
    },
    StepRetried {
        attempt: u32,
    },
    RunAborted {
        reason: String,
        /// A step still running when the run was aborted: its action may yet complete.
        #[serde(skip_serializing_if = "Option::is_none")]
        running: Option<String>,
    },
    RunFinished {
        elapsed_secs: u64,
        rto_secs: u64,
        within_rto: bool,
    },
    /// A result that arrived after the run was aborted.
    LateResult {
        ok: bool,
        detail: String,
    },
}

/// What an `Intent` announces.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum Intended {
    Action {
        #[serde(flatten)]
        op: Operation,
    },
    Wait {
        #[serde(flatten)]
        probe: Probe,
    },
    Shell {
        script: String,
        /// `(name, value)` with secrets replaced.
        env: Vec<(String, String)>,
    },
}

impl LogEvent {
    /// One line for the run view's log.
    pub fn describe(&self) -> String {
        match self {
            LogEvent::RunStarted {
                runbook, operator, ..
            } => format!("run of {runbook} started by {operator}"),
            LogEvent::StepReached { title } => format!("reached: {title}"),
            LogEvent::ItemTicked { item } => format!("ticked: {item}"),
            LogEvent::GateDecided { holds, goes_to, .. } => format!(
                "gate {} → {goes_to}",
                if *holds { "holds" } else { "does not hold" }
            ),
            LogEvent::Intent {
                what,
                typed,
                attempt,
                ..
            } => {
                let what = match what {
                    Intended::Action { op } => op.kind().name().to_string(),
                    Intended::Wait { probe } => format!("wait until {}", probe.describe()),
                    Intended::Shell { .. } => "shell script".to_string(),
                };
                let typed = typed
                    .as_ref()
                    .map(|t| format!(" (typed `{t}`)"))
                    .unwrap_or_default();
                format!("intent: {what}{typed}, attempt {attempt}")
            }
            LogEvent::StepDone { summary, .. } => format!("done: {summary}"),
            LogEvent::StepFailed { error } => format!("FAILED: {error}"),
            LogEvent::StepSkipped { reason } => format!("skipped: {reason}"),
            LogEvent::StepRetried { attempt } => format!("retry, attempt {attempt}"),
            LogEvent::RunAborted { reason, .. } => format!("ABORTED: {reason}"),
            LogEvent::RunFinished {
                elapsed_secs,
                rto_secs,
                within_rto,
            } => format!(
                "finished in {} (RTO {}: {})",
                crate::fleet::format_duration(std::time::Duration::from_secs(*elapsed_secs)),
                crate::fleet::format_duration(std::time::Duration::from_secs(*rto_secs)),
                if *within_rto { "within" } else { "MISSED" }
            ),
            LogEvent::LateResult { ok, detail } => format!(
                "late result after abort: {} {detail}",
                if *ok { "done:" } else { "failed:" }
            ),
        }
    }
}
