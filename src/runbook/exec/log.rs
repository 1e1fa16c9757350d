//! The run log: every decision of a run, in order, as plain serializable records. The audit
//! log (`crate::audit`) appends each entry durably, one hash-chained JSON line per entry, and
//! must have an `Intent` on disk before the job it announces is carried out. A resumed run is
//! rebuilt from these same records, so they also hold what resuming needs (the attempt, the
//! idempotency token).
//!
//! No entry ever holds a secret parameter value: values are logged as `ParamValues`
//! displays them, and the audit log scrubs secrets from every string on top of that.

use crate::fleet::age_between;
use crate::runbook::exec::work::{Check, RequestId};
pub use crate::runbook::lang::params::BoundParam;
use crate::runbook::lang::vocab::{Operation, Probe};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LogEntry {
    /// Position in the run's log, from 1: gaps or repeats show tampering or loss.
    pub seq: u64,
    pub at: Timestamp,
    pub run: String,
    /// The step's anchor, when the entry is about a step.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub step: Option<String>,
    #[serde(flatten)]
    pub event: LogEvent,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case")]
pub enum LogEvent {
    RunStarted {
        runbook: String,
        file: String,
        title: String,
        operator: String,
    },
    /// The values the run uses, secrets replaced; `given` tells a value the operator gave
    /// from the runbook's default, which is what resuming needs to ask for secrets again.
    ParamsBound {
        params: Vec<BoundParam>,
    },
    StepReached {
        title: String,
    },
    ItemTicked {
        item: String,
        how: Confirmation,
    },
    /// A gate was passed, or took its `otherwise` branch, on these readings.
    GateDecided {
        holds: bool,
        readings: Vec<Seen>,
        goes_to: String,
        how: Confirmation,
    },
    /// The operator sent the run down a gate's `otherwise:` way, with a reason, whatever the
    /// readings said: a gate that cannot tell (its region does not answer) never takes that
    /// way by itself, so the operator must be able to, deliberately and on the record.
    GateOverridden {
        reason: String,
        readings: Vec<Seen>,
        goes_to: String,
    },
    /// The operator lifted the limit of an action's pre-check (the promotion's lag limit), with
    /// a reason, on these readings: the change then runs without it. A region that does not
    /// answer can never let the lag limit pass, so in an outage this is how the promotion goes
    /// on, deliberately and on the record.
    LimitLifted {
        reason: String,
        readings: Vec<Seen>,
    },
    /// About to act: exactly what, on what evidence, confirmed how. Written before the job.
    Intent {
        what: Intended,
        destructive: bool,
        how: Confirmation,
        readings: Vec<Seen>,
        attempt: u32,
        /// The token a restore job is started with; a retry after a lost session reuses it,
        /// so AWS starts one job however often the step is sent.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        idempotency_token: Option<String>,
    },
    StepDone {
        summary: String,
        /// A recovery time measured by the step (a restore job's duration), in seconds.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        measured_secs: Option<u64>,
        /// Identifiers AWS returned for the change (a Route 53 change id, a restore job id).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        aws_ids: Vec<String>,
        /// The request ids of the changes the step made, where the source gave them (AWS
        /// does; the simulator does not): what CloudTrail and a support case know them by.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
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
        #[serde(default, skip_serializing_if = "Option::is_none")]
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
        /// The request ids of the changes the step made (as in `step-done`).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        requests: Vec<RequestId>,
    },
    /// The cockpit stopped while the run was going: a hang-up, SIGTERM, a lost terminal, or
    /// Ctrl-C. The run can be resumed from the audit log.
    SessionLost {
        why: String,
    },
    /// The run was rebuilt from its audit log and goes on.
    RunResumed {
        operator: String,
        /// A step whose intent was recorded without a result: it may or may not have happened.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        in_doubt: Option<String>,
        /// A last line cut short by a crash, discarded before this record was appended.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        torn_tail: Option<String>,
    },
    /// The operator decided about a step in doubt, on the live end state read after resuming.
    InDoubtResolved {
        decision: InDoubtDecision,
        readings: Vec<Seen>,
        how: Confirmation,
    },
}

/// `request id rds:PromoteReadReplica 4f1c…, route53:ChangeResourceRecordSets 9a2e…`, or
/// `None` when there are none.
pub fn requests_text(requests: &[RequestId]) -> Option<String> {
    if requests.is_empty() {
        return None;
    }
    Some(format!(
        "request id{} {}",
        if requests.len() == 1 { "" } else { "s" },
        requests
            .iter()
            .map(|r| format!("{} {}", r.call, r.id))
            .collect::<Vec<_>>()
            .join(", ")
    ))
}

/// How the operator confirmed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "by", rename_all = "kebab-case")]
pub enum Confirmation {
    /// Enter (or `y`).
    Enter,
    /// The resource's name, typed, for a destructive step.
    TypedName { typed: String },
}

impl Confirmation {
    pub fn from_typed(typed: Option<String>) -> Confirmation {
        match typed {
            Some(typed) => Confirmation::TypedName { typed },
            None => Confirmation::Enter,
        }
    }

    pub fn describe(&self) -> String {
        match self {
            Confirmation::Enter => "Enter".to_string(),
            Confirmation::TypedName { typed } => format!("typed `{typed}`"),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum InDoubtDecision {
    /// The end state already held: the step is done without sending anything again.
    AcceptEndState,
    /// The end state did not hold (or could not be read): the step is sent again.
    RunAgain,
}

/// A live value a decision was taken on, with how old it was at that moment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Seen {
    pub label: String,
    /// `None` when it could not be told.
    pub holds: Option<bool>,
    pub detail: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub observed_at: Option<Timestamp>,
    /// Age of the value when the decision was taken, in milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub age_ms: Option<u64>,
}

impl Seen {
    pub fn at_decision(check: &Check, decided: Timestamp) -> Seen {
        Seen {
            label: check.label.clone(),
            holds: check.holds,
            detail: check.detail.clone(),
            observed_at: check.observed_at,
            age_ms: check
                .observed_at
                .map(|t| u64::try_from(age_between(t, decided).as_millis()).unwrap_or(u64::MAX)),
        }
    }

    pub fn all(checks: &[Check], decided: Timestamp) -> Vec<Seen> {
        checks
            .iter()
            .map(|c| Seen::at_decision(c, decided))
            .collect()
    }
}

/// What an `Intent` announces.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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

impl Intended {
    pub fn describe(&self) -> String {
        match self {
            Intended::Action { op } => op.kind().name().to_string(),
            Intended::Wait { probe } => format!("wait until {}", probe.describe()),
            Intended::Shell { .. } => "shell script".to_string(),
        }
    }
}

impl LogEvent {
    /// The record's kind, as written in the audit log.
    pub fn kind(&self) -> &'static str {
        match self {
            LogEvent::RunStarted { .. } => "run-started",
            LogEvent::ParamsBound { .. } => "params-bound",
            LogEvent::StepReached { .. } => "step-reached",
            LogEvent::ItemTicked { .. } => "item-ticked",
            LogEvent::GateDecided { .. } => "gate-decided",
            LogEvent::GateOverridden { .. } => "gate-overridden",
            LogEvent::LimitLifted { .. } => "limit-lifted",
            LogEvent::Intent { .. } => "intent",
            LogEvent::StepDone { .. } => "step-done",
            LogEvent::StepFailed { .. } => "step-failed",
            LogEvent::StepSkipped { .. } => "step-skipped",
            LogEvent::StepRetried { .. } => "step-retried",
            LogEvent::RunAborted { .. } => "run-aborted",
            LogEvent::RunFinished { .. } => "run-finished",
            LogEvent::LateResult { .. } => "late-result",
            LogEvent::SessionLost { .. } => "session-lost",
            LogEvent::RunResumed { .. } => "run-resumed",
            LogEvent::InDoubtResolved { .. } => "in-doubt-resolved",
        }
    }

    /// Whether the run is over after this event.
    pub fn ends_run(&self) -> bool {
        matches!(
            self,
            LogEvent::RunFinished { .. } | LogEvent::RunAborted { .. }
        )
    }

    /// The request ids AWS gave the changes this record reports (a step's result).
    pub fn requests(&self) -> &[RequestId] {
        match self {
            LogEvent::StepDone { requests, .. } | LogEvent::LateResult { requests, .. } => requests,
            _ => &[],
        }
    }

    /// `describe`, with the request ids of the changes the record reports: the line of
    /// `ripcord audit show` and of the report's timeline.
    pub fn describe_with_requests(&self) -> String {
        let line = self.describe();
        match requests_text(self.requests()) {
            Some(ids) => format!("{line} [{ids}]"),
            None => line,
        }
    }

    /// One line for the run view's log.
    pub fn describe(&self) -> String {
        match self {
            LogEvent::RunStarted {
                runbook, operator, ..
            } => format!("run of {runbook} started by {operator}"),
            LogEvent::ParamsBound { params } => format!(
                "parameters: {}",
                params
                    .iter()
                    .map(|p| format!("{}={}", p.name, p.value))
                    .collect::<Vec<_>>()
                    .join(" ")
            ),
            LogEvent::StepReached { title } => format!("reached: {title}"),
            LogEvent::ItemTicked { item, .. } => format!("ticked: {item}"),
            LogEvent::GateDecided { holds, goes_to, .. } => format!(
                "gate {} → {goes_to}",
                if *holds { "holds" } else { "does not hold" }
            ),
            LogEvent::GateOverridden {
                reason, goes_to, ..
            } => format!("gate overridden by the operator → {goes_to}: {reason}"),
            LogEvent::LimitLifted { reason, .. } => {
                format!("limit lifted by the operator: {reason}")
            }
            LogEvent::Intent {
                what, how, attempt, ..
            } => {
                let how = match how {
                    Confirmation::Enter => String::new(),
                    typed => format!(" ({})", typed.describe()),
                };
                format!("intent: {}{how}, attempt {attempt}", what.describe())
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
            LogEvent::LateResult { ok, detail, .. } => format!(
                "late result after abort: {} {detail}",
                if *ok { "done:" } else { "failed:" }
            ),
            LogEvent::SessionLost { why } => format!("SESSION LOST: {why}"),
            LogEvent::RunResumed {
                operator, in_doubt, ..
            } => match in_doubt {
                Some(step) => format!("resumed by {operator}; {step} is IN DOUBT"),
                None => format!("resumed by {operator}"),
            },
            LogEvent::InDoubtResolved { decision, how, .. } => match decision {
                InDoubtDecision::AcceptEndState => {
                    format!("in doubt: end state holds, accepted ({})", how.describe())
                }
                InDoubtDecision::RunAgain => {
                    format!("in doubt: sent again ({})", how.describe())
                }
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn results_written_before_request_ids_existed_still_read_and_new_ones_keep_them() {
        let old: LogEvent =
            serde_json::from_str(r#"{"type":"step-done","summary":"promoted"}"#).expect("reads");
        assert_eq!(
            old,
            LogEvent::StepDone {
                summary: "promoted".into(),
                measured_secs: None,
                aws_ids: Vec::new(),
                requests: Vec::new(),
            }
        );
        assert_eq!(
            serde_json::to_string(&old).expect("writes"),
            r#"{"type":"step-done","summary":"promoted"}"#,
            "empty fields are left out"
        );
        let late: LogEvent =
            serde_json::from_str(r#"{"type":"late-result","ok":true,"detail":"done"}"#)
                .expect("reads");
        assert!(late.requests().is_empty());

        let done = LogEvent::StepDone {
            summary: "promoted".into(),
            measured_secs: None,
            aws_ids: vec!["route53 change C1".into()],
            requests: vec![RequestId {
                call: "rds:PromoteReadReplica".into(),
                id: "4f1c".into(),
            }],
        };
        let text = serde_json::to_string(&done).expect("writes");
        assert!(
            text.contains(r#""requests":[{"call":"rds:PromoteReadReplica","id":"4f1c"}]"#),
            "{text}"
        );
        assert_eq!(
            serde_json::from_str::<LogEvent>(&text).expect("reads back"),
            done
        );
        assert_eq!(
            done.describe_with_requests(),
            "done: promoted [request id rds:PromoteReadReplica 4f1c]"
        );
        assert_eq!(
            done.describe(),
            "done: promoted",
            "the run view's line is unchanged"
        );
    }
}
