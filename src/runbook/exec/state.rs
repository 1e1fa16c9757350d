//! What a run's log says about it, and the one function that reads it: `RunState::apply`
//! applies one log entry to the state. The live path records an entry and then applies it
//! with this function; resume applies the stored entries with it. There is no second copy of
//! the transitions to drift apart (a drift here once ran a finished step again on resume).
//!
//! Only what the log holds is here. What the cockpit reads while a step waits (live values,
//! shell output, requests in flight) is `LiveStep`, beside it in `Run`.

use crate::runbook::exec::log::{LogEntry, LogEvent};
use crate::runbook::lang::check::successor;
use crate::runbook::lang::model::{Runbook, StepBody, Target};
use jiff::Timestamp;
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StepState {
    Pending,
    Running,
    Done,
    Failed,
    Skipped,
    /// Its intent was recorded but its result was not (the session was lost while it ran):
    /// it may or may not have happened. Nothing is sent again until the operator has seen the
    /// live end state and decided.
    InDoubt,
}

impl StepState {
    pub fn word(self) -> &'static str {
        match self {
            StepState::Pending => "pending",
            StepState::Running => "running",
            StepState::Done => "done",
            StepState::Failed => "FAILED",
            StepState::Skipped => "skipped",
            StepState::InDoubt => "IN DOUBT",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunOutcome {
    /// Every step taken was done or skipped.
    Completed,
    Aborted(String),
}

/// One step, as the log tells it.
#[derive(Debug, Clone, PartialEq)]
pub struct StepRun {
    pub state: StepState,
    /// Attempts to carry the step out (1 after the first confirm).
    pub attempt: u32,
    pub started_at: Option<Timestamp>,
    pub finished_at: Option<Timestamp>,
    /// Checklist items ticked so far (manual steps).
    pub ticked: usize,
    /// How the step ended: the outcome, the error, or the reason it was skipped.
    pub note: Option<String>,
    pub measured: Option<Duration>,
    /// The idempotency token of the attempt sent last, while its result is not known: a step
    /// in doubt that is sent again reuses it, so AWS starts one job however often it is sent.
    pub sent_token: Option<String>,
    /// Where the run goes once this step is over (done, skipped, or its gate decided).
    pub goes_to: Option<Target>,
    /// The operator lifted the limit of its pre-checks (`LimitLifted`), with a reason.
    pub limit_lifted: Option<String>,
}

impl StepRun {
    fn new() -> Self {
        Self {
            state: StepState::Pending,
            attempt: 0,
            started_at: None,
            finished_at: None,
            ticked: 0,
            note: None,
            measured: None,
            sent_token: None,
            goes_to: None,
            limit_lifted: None,
        }
    }
}

/// A run's state: the fold of its log.
#[derive(Debug, Clone, PartialEq)]
pub struct RunState {
    /// When the run started (its `run-started` record).
    pub started_at: Option<Timestamp>,
    /// The step waiting for the operator or running; `None` before the first step is reached
    /// and once the run is over.
    pub current: Option<usize>,
    pub finished: Option<(Timestamp, RunOutcome)>,
    pub steps: Vec<StepRun>,
}

impl RunState {
    /// The state before the first record.
    pub fn new(book: &Runbook) -> RunState {
        RunState {
            started_at: None,
            current: None,
            finished: None,
            steps: book.steps.iter().map(|_| StepRun::new()).collect(),
        }
    }

    /// Applies one log entry. An entry that does not fit the runbook (a step it does not have,
    /// a step event without a step) is an error naming the record.
    pub fn apply(&mut self, book: &Runbook, entry: &LogEntry) -> Result<(), String> {
        let index = step_index(book, entry)?;
        let step_of = || {
            index.ok_or_else(|| {
                format!(
                    "record {} (`{}`) names no step",
                    entry.seq,
                    entry.event.kind()
                )
            })
        };
        let at = entry.at;
        match &entry.event {
            LogEvent::RunStarted { .. } => self.started_at = Some(at),
            LogEvent::ParamsBound { .. } | LogEvent::SessionLost { .. } => {}
            // The decision is recorded; what followed it (the step sent again, or accepted as
            // done) is the next record. Until then the step is still in doubt.
            LogEvent::InDoubtResolved { .. } => {
                step_of()?;
            }
            LogEvent::StepReached { .. } => self.current = Some(step_of()?),
            LogEvent::ItemTicked { .. } => {
                let step = &mut self.steps[step_of()?];
                step.ticked += 1;
                step.started_at.get_or_insert(at);
            }
            LogEvent::GateDecided { holds, .. } => {
                let i = step_of()?;
                let target = gate_target(book, i, *holds);
                let goes_to = target_name(book, target);
                let step = &mut self.steps[i];
                step.state = StepState::Done;
                step.started_at.get_or_insert(at);
                step.finished_at = Some(at);
                step.note = Some(if *holds {
                    "holds".to_string()
                } else {
                    format!("does not hold: went to {goes_to}")
                });
                step.goes_to = Some(target);
            }
            LogEvent::GateOverridden { reason, .. } => {
                let i = step_of()?;
                let target = gate_target(book, i, false);
                let goes_to = target_name(book, target);
                let step = &mut self.steps[i];
                step.state = StepState::Done;
                step.started_at.get_or_insert(at);
                step.finished_at = Some(at);
                step.note = Some(format!("overridden: went to {goes_to} ({reason})"));
                step.goes_to = Some(target);
            }
            LogEvent::LimitLifted { reason, .. } => {
                let i = step_of()?;
                self.steps[i].limit_lifted = Some(reason.clone());
            }
            LogEvent::Intent {
                attempt,
                idempotency_token,
                ..
            } => {
                let step = &mut self.steps[step_of()?];
                step.state = StepState::Running;
                step.attempt = *attempt;
                step.started_at = Some(at);
                step.finished_at = None;
                step.note = None;
                step.sent_token = idempotency_token.clone();
            }
            LogEvent::StepDone {
                summary,
                measured_secs,
                ..
            } => {
                let i = step_of()?;
                let step = &mut self.steps[i];
                step.state = StepState::Done;
                step.note = Some(summary.clone());
                step.measured = measured_secs.map(Duration::from_secs);
                step.started_at.get_or_insert(at);
                step.finished_at = Some(at);
                step.sent_token = None;
                step.goes_to = Some(successor(book, i));
            }
            LogEvent::StepFailed { error } => {
                let step = &mut self.steps[step_of()?];
                step.state = StepState::Failed;
                step.note = Some(error.clone());
                step.finished_at = Some(at);
                step.sent_token = None;
            }
            // A skipped step leaves by its own way out (`next:`, else the step below), never
            // by the next step in the document when `next:` says otherwise.
            LogEvent::StepSkipped { reason } => {
                let i = step_of()?;
                let step = &mut self.steps[i];
                step.state = StepState::Skipped;
                step.note = Some(reason.clone());
                step.finished_at = Some(at);
                step.sent_token = None;
                step.goes_to = Some(successor(book, i));
            }
            LogEvent::StepRetried { .. } => {
                let step = &mut self.steps[step_of()?];
                step.state = StepState::Pending;
                step.note = None;
                step.sent_token = None;
            }
            LogEvent::RunAborted { reason, .. } => {
                self.finished = Some((at, RunOutcome::Aborted(reason.clone())));
                self.current = None;
            }
            LogEvent::RunFinished { .. } => {
                self.finished = Some((at, RunOutcome::Completed));
                self.current = None;
            }
            LogEvent::LateResult { ok, detail, .. } => {
                let step = &mut self.steps[step_of()?];
                step.state = if *ok {
                    StepState::Done
                } else {
                    StepState::Failed
                };
                step.note = Some(detail.clone());
                step.finished_at = Some(at);
                step.sent_token = None;
            }
            LogEvent::RunResumed { in_doubt, .. } => {
                if let Some(id) = in_doubt {
                    let i = find_step(book, id, entry.seq)?;
                    self.steps[i].state = StepState::InDoubt;
                    self.current = Some(i);
                }
            }
        }
        Ok(())
    }

    /// Where the run goes now: its current step is over (done, skipped, its gate decided) and
    /// the next step has not been reached yet. The live run moves on in the same breath; a
    /// run rebuilt from a log cut between the two moves on when it is resumed.
    pub fn pending_move(&self) -> Option<Target> {
        let i = self.current?;
        let step = &self.steps[i];
        match step.state {
            StepState::Done | StepState::Skipped => step.goes_to,
            _ => None,
        }
    }

    /// A step that was sent and whose result is not known (running, or in doubt).
    pub fn unsettled(&self) -> Option<usize> {
        self.steps
            .iter()
            .position(|s| matches!(s.state, StepState::Running | StepState::InDoubt))
    }
}

/// Where a decided gate goes: on when it holds, else its `otherwise` (a gate without one is
/// only passed when it holds, or skipped).
pub fn gate_target(book: &Runbook, index: usize, holds: bool) -> Target {
    match &book.steps[index].body {
        StepBody::Gate(g) if !holds => g.otherwise.unwrap_or_else(|| successor(book, index)),
        _ => successor(book, index),
    }
}

/// A target as the log names it: a step's anchor, or `end`.
pub fn target_name(book: &Runbook, target: Target) -> String {
    match target {
        Target::Step(j) => book
            .steps
            .get(j)
            .map_or_else(|| "end".to_string(), |s| s.id.clone()),
        Target::End => "end".to_string(),
    }
}

fn step_index(book: &Runbook, entry: &LogEntry) -> Result<Option<usize>, String> {
    entry
        .step
        .as_ref()
        .map(|id| find_step(book, id, entry.seq))
        .transpose()
}

fn find_step(book: &Runbook, id: &str, seq: u64) -> Result<usize, String> {
    book.steps.iter().position(|s| s.id == id).ok_or_else(|| {
        format!(
            "record {seq} names step `{id}`, which {} does not have",
            book.file
        )
    })
}
