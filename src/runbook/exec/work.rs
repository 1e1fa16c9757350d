//! What the executor asks the runtime to do (`Work`) and what comes back (`Report`): plain
//! data, so the executor stays pure and tests can feed it any answer.

use crate::runbook::exec::log::LogEntry;
use crate::runbook::lang::vocab::{Operation, Probe};
use std::time::Duration;

pub use crate::runbook::act::answer::{ActionContext, Check, Env, EnvVar, Outcome, RequestId};

/// One job for the runtime, on behalf of one step of one run.
#[derive(Debug, Clone, PartialEq)]
pub struct Work {
    pub run: String,
    /// Answers carry it back; an answer to an older request is recognised and set aside.
    pub request: u64,
    pub step: usize,
    pub job: Job,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Job {
    /// Read what the step depends on (an action's pre-checks, a gate's or wait's condition).
    /// Reads only: never changes anything.
    Inspect(Subject),
    /// Do the step. `intent` is the run-log entry written just before this job was issued;
    /// a durable audit log appends it (and stops on failure) before carrying the job out.
    Perform { intent: Box<LogEntry>, task: Task },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Subject {
    PreChecks(Operation),
    Condition(Probe),
    /// Whether an action's end state already holds: read for a step in doubt after a lost
    /// session, before anything is sent again.
    EndState(Operation),
}

#[derive(Debug, Clone, PartialEq)]
pub enum Task {
    Action {
        op: Operation,
        timeout: Duration,
        context: ActionContext,
    },
    Wait {
        probe: Probe,
        timeout: Duration,
    },
    Shell {
        script: String,
        env: Env,
        timeout: Duration,
    },
}

/// An answer from the runtime about one request.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub run: String,
    pub request: u64,
    pub step: usize,
    pub body: ReportBody,
}

#[derive(Debug, Clone, PartialEq)]
pub enum ReportBody {
    Inspected(Vec<Check>),
    /// A line of progress or shell output while a step runs.
    Progress(String),
    Done(Outcome),
    Failed(String),
}
