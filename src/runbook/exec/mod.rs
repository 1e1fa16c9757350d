//! The executor: one run of a runbook as a pure state machine. The operator's decisions and
//! the runtime's reports go in, with the time; `Work` comes out. No I/O, no waiting: every
//! path (confirm, skip with a reason, retry, abort, typed names, late results) is a plain
//! unit test.
//!
//! The run is a fold over its log. Every decision is recorded as a log entry and then applied
//! to the run's state by `RunState::apply` (`state.rs`); a resumed run applies its stored
//! entries with that same function (`resume.rs`). Before every job that changes anything the
//! log gets an `Intent` entry and the job carries it, so the audit journal can put it on disk
//! before the job is let through.
//!
//! - `state.rs`: the state the log gives, and `apply`
//! - `decide.rs`: the operator's decisions (confirm, skip, retry, abort)
//! - `doubt.rs`: a step in doubt after a lost session: its end state and what must be typed
//! - `report.rs`: the runtime's answers, and a step's result
//! - `resolve.rs`: the steps' arguments filled in from the parameters
//! - `resume.rs`: a run rebuilt from its log
//! - `id.rs`: run ids

use crate::fleet::age_between;
use crate::runbook::exec::log::{LogEntry, LogEvent};
use crate::runbook::exec::work::{Check, Env, Job, Subject, Work};
use crate::runbook::lang::model::{Diagnostic, Runbook, Target};
use crate::runbook::lang::params::ParamValues;
use crate::runbook::lang::vocab::{Operation, Probe};
use jiff::Timestamp;
use std::sync::Arc;
use std::time::Duration;

pub mod log;
pub mod work;

mod decide;
mod doubt;
mod id;
mod next;
mod refusal;
mod report;
mod resolve;
mod resume;
mod state;

pub use doubt::EndState;
pub use id::{RunIds, run_id};
pub use next::NextMove;
pub use refusal::Refusal;
pub use resolve::resolve_steps;
pub use state::{RunOutcome, RunState, StepRun, StepState};

/// Live values on screen are read again this often while a step waits for the operator.
pub const REFRESH_EVERY: Duration = Duration::from_secs(5);
/// A decision is never taken on readings older than this: they are read again first.
pub const MAX_READING_AGE: Duration = Duration::from_secs(30);
/// Shell output kept per step (the newest lines).
const MAX_OUTPUT_LINES: usize = 500;

/// A step with its arguments filled in for this run.
#[derive(Debug, Clone, PartialEq)]
pub enum Resolved {
    Manual,
    Action {
        op: Operation,
        destructive: bool,
        timeout: Duration,
    },
    Gate {
        probe: Probe,
        otherwise: Option<Target>,
    },
    Wait {
        probe: Probe,
        timeout: Duration,
    },
    Shell {
        script: String,
        env: Env,
        /// The value the operator must type, for a destructive script.
        confirm: Option<String>,
        timeout: Duration,
    },
}

/// The latest answer to an inspection.
#[derive(Debug, Clone, PartialEq)]
pub struct Readings {
    pub checks: Vec<Check>,
    pub at: Timestamp,
}

impl Readings {
    pub fn all_hold(&self) -> bool {
        self.checks.iter().all(|c| c.holds == Some(true))
    }
}

/// What the cockpit knows about a step beyond its log: the live values read while it waits,
/// the requests out, the shell output. None of it is in the log, and none of it survives a
/// lost session (a resumed run reads the live values again).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LiveStep {
    pub readings: Option<Readings>,
    inspecting: Option<u64>,
    performing: Option<u64>,
    /// Progress and shell output, newest last.
    pub output: Vec<String>,
}

impl LiveStep {
    pub fn is_inspecting(&self) -> bool {
        self.inspecting.is_some()
    }
}

pub struct Run {
    pub id: String,
    pub book: Arc<Runbook>,
    pub params: ParamValues,
    pub resolved: Vec<Resolved>,
    /// What the log says: always the fold of `log` (`RunState::apply`).
    pub state: RunState,
    /// Per step, what the cockpit reads and runs now.
    pub live: Vec<LiveStep>,
    pub log: Vec<LogEntry>,
    pub operator: String,
    next_request: u64,
}

impl Run {
    /// Starts run `id` (`RunIds::next`): fills every step's arguments from the parameters and
    /// checks them, then reaches the first step. Any problem means the run does not start.
    pub fn start(
        id: String,
        book: Arc<Runbook>,
        params: ParamValues,
        operator: &str,
        now: Timestamp,
    ) -> Result<(Run, Vec<Work>), Vec<Diagnostic>> {
        let resolved = resolve_steps(&book, &params)?;
        let mut run = Run::empty(id, book, params, resolved, operator);
        run.record(
            now,
            None,
            LogEvent::RunStarted {
                runbook: run.book.name.clone(),
                file: run.book.file.clone(),
                title: run.book.title.clone(),
                operator: run.operator.clone(),
            },
        );
        run.record(
            now,
            None,
            LogEvent::ParamsBound {
                params: run.params.bound(),
            },
        );
        let work = run.reach(0, now);
        Ok((run, work))
    }

    /// A run with no log yet.
    fn empty(
        id: String,
        book: Arc<Runbook>,
        params: ParamValues,
        resolved: Vec<Resolved>,
        operator: &str,
    ) -> Run {
        Run {
            id,
            state: RunState::new(&book),
            live: book.steps.iter().map(|_| LiveStep::default()).collect(),
            book,
            params,
            resolved,
            log: Vec::new(),
            operator: operator.to_string(),
            next_request: 1,
        }
    }

    /// The step waiting for the operator or running; `None` once the run is over.
    pub fn current(&self) -> Option<usize> {
        self.state.current
    }

    pub fn is_over(&self) -> bool {
        self.state.finished.is_some()
    }

    pub fn started_at(&self) -> Timestamp {
        self.state
            .started_at
            .or_else(|| self.log.first().map(|e| e.at))
            .unwrap_or_default()
    }

    pub fn elapsed(&self, now: Timestamp) -> Duration {
        let end = self.state.finished.as_ref().map_or(now, |(t, _)| *t);
        age_between(self.started_at(), end)
    }

    /// Records a decision: the entry is appended to the log and applied to the state.
    fn record(&mut self, now: Timestamp, step: Option<usize>, event: LogEvent) -> LogEntry {
        let entry = LogEntry {
            seq: self.log.last().map_or(1, |e| e.seq + 1),
            at: now,
            run: self.id.clone(),
            step: step
                .and_then(|i| self.book.steps.get(i))
                .map(|s| s.id.clone()),
            event,
        };
        if let Err(why) = self.append(entry.clone()) {
            // The live path only records entries about this runbook's own steps.
            tracing::error!(run = %self.id, "a live log entry did not apply: {why}");
        }
        entry
    }

    /// Applies an entry to the state and appends it to the log: the one way an entry gets
    /// into a run, live or resumed.
    fn append(&mut self, entry: LogEntry) -> Result<(), String> {
        self.state.apply(&self.book, &entry)?;
        self.log.push(entry);
        Ok(())
    }

    fn request(&mut self) -> u64 {
        let id = self.next_request;
        self.next_request += 1;
        id
    }

    fn subject(&self, index: usize) -> Option<Subject> {
        match &self.resolved[index] {
            Resolved::Action { op, .. } if self.state.steps[index].state == StepState::InDoubt => {
                Some(Subject::EndState(op.clone()))
            }
            Resolved::Action { op, .. } => Some(Subject::PreChecks(op.clone())),
            Resolved::Gate { probe, .. } | Resolved::Wait { probe, .. } => {
                Some(Subject::Condition(probe.clone()))
            }
            Resolved::Manual | Resolved::Shell { .. } => None,
        }
    }

    /// Asks for the step's live values, unless a request is already out.
    fn inspect(&mut self, index: usize) -> Vec<Work> {
        if self.live[index].inspecting.is_some() {
            return Vec::new();
        }
        let Some(subject) = self.subject(index) else {
            return Vec::new();
        };
        let request = self.request();
        self.live[index].inspecting = Some(request);
        vec![Work {
            run: self.id.clone(),
            request,
            step: index,
            job: Job::Inspect(subject),
        }]
    }

    fn reach(&mut self, index: usize, now: Timestamp) -> Vec<Work> {
        let title = self.book.steps[index].title.clone();
        self.record(now, Some(index), LogEvent::StepReached { title });
        self.inspect(index)
    }

    fn go(&mut self, target: Target, now: Timestamp) -> Vec<Work> {
        match target {
            Target::Step(j) if j < self.state.steps.len() => self.reach(j, now),
            _ => {
                let elapsed = self.elapsed(now);
                self.record(
                    now,
                    None,
                    LogEvent::RunFinished {
                        elapsed_secs: elapsed.as_secs(),
                        rto_secs: self.book.rto.as_secs(),
                        within_rto: elapsed <= self.book.rto,
                    },
                );
                Vec::new()
            }
        }
    }

    /// Moves on from a step that is over to where it goes (`RunState::pending_move`). The live
    /// run does this right after recording the step's end; a resumed run does it for a step
    /// whose end was recorded and whose successor was not reached before the session was lost.
    fn advance(&mut self, now: Timestamp) -> Vec<Work> {
        match self.state.pending_move() {
            Some(target) => self.go(target, now),
            None => Vec::new(),
        }
    }

    fn current_index(&self) -> Result<usize, Refusal> {
        self.state.current.ok_or(Refusal::RunOver)
    }
}

#[cfg(test)]
mod tests;
