//! The executor: one run of a runbook as a pure state machine. The operator's decisions and
//! the runtime's reports go in, with the time; `Work` comes out. No I/O, no waiting: every
//! path (confirm, skip with a reason, retry, abort, typed names, late results) is a plain
//! unit test.
//!
//! Before every job that changes anything, the run log gets an `Intent` entry and the job
//! carries it, so a durable audit log can be slotted in ahead of the action without changing
//! this module.

use super::check::successor;
use super::log::{Confirmation, InDoubtDecision, Intended, LogEntry, LogEvent, Seen};
use super::model::{Diagnostic, Runbook, StepBody, Target, env_var_for};
use super::params::{ParamValues, shown};
use super::template;
use super::vocab::{ArgSpec, Filled, Operation, Probe};
use super::work::{
    ActionContext, Check, Env, EnvVar, Job, Report, ReportBody, Subject, Task, Work,
};
use crate::fleet::{age_between, format_duration};
use jiff::Timestamp;
use std::sync::Arc;
use std::time::Duration;

/// Live values on screen are read again this often while a step waits for the operator.
pub const REFRESH_EVERY: Duration = Duration::from_secs(5);
/// A decision is never taken on readings older than this: they are read again first.
pub const MAX_READING_AGE: Duration = Duration::from_secs(30);
/// Shell output kept per step (the newest lines).
const MAX_OUTPUT_LINES: usize = 500;

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

#[derive(Debug, Clone, PartialEq)]
pub struct StepRun {
    pub state: StepState,
    /// Attempts to carry the step out (1 after the first confirm).
    pub attempt: u32,
    pub started_at: Option<Timestamp>,
    pub finished_at: Option<Timestamp>,
    pub readings: Option<Readings>,
    inspecting: Option<u64>,
    performing: Option<u64>,
    /// Progress and shell output, newest last.
    pub output: Vec<String>,
    /// Checklist items ticked so far (manual steps).
    pub ticked: usize,
    /// How the step ended: the outcome, the error, or the reason it was skipped.
    pub note: Option<String>,
    pub measured: Option<Duration>,
    /// The idempotency token of the attempt in doubt, reused if the step is sent again.
    doubt_token: Option<String>,
}

impl StepRun {
    fn new() -> Self {
        Self {
            state: StepState::Pending,
            attempt: 0,
            started_at: None,
            finished_at: None,
            readings: None,
            inspecting: None,
            performing: None,
            output: Vec::new(),
            ticked: 0,
            note: None,
            measured: None,
            doubt_token: None,
        }
    }

    pub fn is_inspecting(&self) -> bool {
        self.inspecting.is_some()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunOutcome {
    /// Every step taken was done or skipped.
    Completed,
    Aborted(String),
}

pub struct Run {
    pub id: String,
    pub book: Arc<Runbook>,
    pub params: ParamValues,
    pub resolved: Vec<Resolved>,
    pub steps: Vec<StepRun>,
    /// The step waiting for the operator or running; `None` once the run is over.
    pub current: Option<usize>,
    pub started_at: Timestamp,
    pub finished: Option<(Timestamp, RunOutcome)>,
    pub log: Vec<LogEntry>,
    pub operator: String,
    next_request: u64,
}

/// The unique name of a run: the runbook and the second it started.
pub fn run_id(book: &Runbook, now: Timestamp) -> String {
    format!("{}-{}", book.name, now.strftime("%Y%m%dT%H%M%SZ"))
}

impl Run {
    /// Starts a run: fills every step's arguments from the parameters and checks them, then
    /// reaches the first step. Any problem means the run does not start.
    pub fn start(
        book: Arc<Runbook>,
        params: ParamValues,
        operator: &str,
        now: Timestamp,
    ) -> Result<(Run, Vec<Work>), Vec<Diagnostic>> {
        let resolved = resolve_steps(&book, &params)?;
        let mut run = Run {
            id: run_id(&book, now),
            steps: book.steps.iter().map(|_| StepRun::new()).collect(),
            book,
            params,
            resolved,
            current: None,
            started_at: now,
            finished: None,
            log: Vec::new(),
            operator: operator.to_string(),
            next_request: 1,
        };
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

    pub fn is_over(&self) -> bool {
        self.finished.is_some()
    }

    pub fn elapsed(&self, now: Timestamp) -> Duration {
        let end = self.finished.as_ref().map_or(now, |(t, _)| *t);
        age_between(self.started_at, end)
    }

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
        self.log.push(entry.clone());
        entry
    }

    fn request(&mut self) -> u64 {
        let id = self.next_request;
        self.next_request += 1;
        id
    }

    fn subject(&self, index: usize) -> Option<Subject> {
        match &self.resolved[index] {
            Resolved::Action { op, .. } if self.steps[index].state == StepState::InDoubt => {
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
        if self.steps[index].inspecting.is_some() {
            return Vec::new();
        }
        let Some(subject) = self.subject(index) else {
            return Vec::new();
        };
        let request = self.request();
        self.steps[index].inspecting = Some(request);
        vec![Work {
            run: self.id.clone(),
            request,
            step: index,
            job: Job::Inspect(subject),
        }]
    }

    fn reach(&mut self, index: usize, now: Timestamp) -> Vec<Work> {
        self.current = Some(index);
        let title = self.book.steps[index].title.clone();
        self.record(now, Some(index), LogEvent::StepReached { title });
        self.inspect(index)
    }

    fn go(&mut self, target: Target, now: Timestamp) -> Vec<Work> {
        match target {
            Target::Step(j) if j < self.steps.len() => self.reach(j, now),
            _ => {
                self.current = None;
                let elapsed = self.elapsed(now);
                self.finished = Some((now, RunOutcome::Completed));
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

    fn target_name(&self, target: Target) -> String {
        match target {
            Target::Step(j) => self
                .book
                .steps
                .get(j)
                .map_or_else(|| "end".to_string(), |s| s.id.clone()),
            Target::End => "end".to_string(),
        }
    }

    fn current_index(&self) -> Result<usize, String> {
        self.current
            .ok_or_else(|| "the run is over: open another with r or :run".to_string())
    }

    /// Fresh, complete readings for the current step, or why a decision cannot be taken yet.
    fn fresh_readings(&self, index: usize, now: Timestamp) -> Result<&Readings, String> {
        let step = &self.steps[index];
        let Some(readings) = &step.readings else {
            return Err("still reading the live values: wait a moment".to_string());
        };
        let age = age_between(readings.at, now);
        if age > MAX_READING_AGE {
            return Err(format!(
                "the live values are {} old: r reads them again",
                format_duration(age)
            ));
        }
        if let Some(unknown) = readings.checks.iter().find(|c| c.holds.is_none()) {
            return Err(format!(
                "cannot tell whether {}: {} (r reads again)",
                unknown.label, unknown.detail
            ));
        }
        Ok(readings)
    }

    /// The end state read for a step in doubt: present and fresh, or why not yet. Unlike a
    /// pre-check, "cannot tell" is an answer here: the operator may still send the step again.
    /// `None` for a step with nothing to read (a script).
    fn in_doubt_readings(&self, index: usize, now: Timestamp) -> Result<Option<&Readings>, String> {
        if self.subject(index).is_none() {
            return Ok(None);
        }
        let Some(readings) = &self.steps[index].readings else {
            return Err(
                "reading the live end state before anything is decided: wait a moment".to_string(),
            );
        };
        let age = age_between(readings.at, now);
        if age > MAX_READING_AGE {
            return Err(format!(
                "the end state was read {} ago: r reads it again",
                format_duration(age)
            ));
        }
        Ok(Some(readings))
    }

    /// For a step in doubt: what confirming it would do, judged on the live end state.
    pub fn in_doubt_decision(&self) -> Option<InDoubtDecision> {
        let index = self.current?;
        if self.steps[index].state != StepState::InDoubt {
            return None;
        }
        let holds = self.steps[index]
            .readings
            .as_ref()
            .is_some_and(|r| !r.checks.is_empty() && r.all_hold());
        Some(if holds {
            InDoubtDecision::AcceptEndState
        } else {
            InDoubtDecision::RunAgain
        })
    }

    /// Whether the current step can be confirmed now; the reason when not.
    pub fn ready(&self, now: Timestamp) -> Result<(), String> {
        let index = self.current_index()?;
        let n = index + 1;
        match self.steps[index].state {
            StepState::Running => {
                return Err(format!(
                    "step {n} is running: wait for it, or abort the run with a"
                ));
            }
            StepState::Failed => {
                return Err(format!(
                    "step {n} failed: r retries it, s skips it with a reason, a aborts the run"
                ));
            }
            StepState::InDoubt => return self.in_doubt_readings(index, now).map(|_| ()),
            _ => {}
        }
        match &self.resolved[index] {
            Resolved::Action { .. } => {
                let readings = self.fresh_readings(index, now)?;
                if let Some(failed) = readings.checks.iter().find(|c| c.holds == Some(false)) {
                    return Err(format!(
                        "pre-check failed: {}: r checks again, s skips the step with a reason",
                        failed.label
                    ));
                }
                Ok(())
            }
            Resolved::Gate { otherwise, .. } => {
                let readings = self.fresh_readings(index, now)?;
                if !readings.all_hold() && otherwise.is_none() {
                    // The failing value is on screen (✖) right above this message.
                    return Err(
                        "the gate does not hold: r checks again, s skips it with a reason (an override)"
                            .to_string(),
                    );
                }
                Ok(())
            }
            Resolved::Manual | Resolved::Wait { .. } | Resolved::Shell { .. } => Ok(()),
        }
    }

    /// The name the operator must type to confirm the current step, if it is destructive.
    pub fn typed_name_needed(&self) -> Option<String> {
        let index = self.current?;
        if self.in_doubt_decision() == Some(InDoubtDecision::AcceptEndState) {
            // Accepting what already happened sends nothing.
            return None;
        }
        match &self.resolved[index] {
            Resolved::Action {
                op,
                destructive: true,
                ..
            } => Some(op.resource_name().to_string()),
            Resolved::Shell { confirm, .. } => confirm.clone(),
            _ => None,
        }
    }

    /// The operator confirms the current step (typing the resource's name if it is
    /// destructive): a checklist item is ticked, a gate passed, or the step's job issued.
    pub fn confirm(&mut self, typed: Option<&str>, now: Timestamp) -> Result<Vec<Work>, String> {
        self.ready(now)?;
        let index = self.current_index()?;
        if let Some(needed) = self.typed_name_needed() {
            match typed {
                Some(t) if t == needed => {}
                Some(t) => {
                    return Err(format!(
                        "`{}` is not `{needed}`: nothing was done; type the name exactly",
                        shown(t)
                    ));
                }
                None => {
                    return Err(format!(
                        "this step is destructive: type `{needed}` to confirm"
                    ));
                }
            }
        }
        let how = Confirmation::from_typed(typed.map(str::to_string));
        if let Some(decision) = self.in_doubt_decision() {
            let readings = self.steps[index]
                .readings
                .as_ref()
                .map(|r| Seen::all(&r.checks, now))
                .unwrap_or_default();
            self.record(
                now,
                Some(index),
                LogEvent::InDoubtResolved {
                    decision,
                    readings: readings.clone(),
                    how,
                },
            );
            if decision == InDoubtDecision::AcceptEndState {
                let seen: Vec<String> = readings.iter().map(|r| r.detail.clone()).collect();
                let outcome = super::work::Outcome::new(format!(
                    "end state already held after the lost session: {}",
                    seen.join("; ")
                ));
                return Ok(self.finish_step(index, Ok(outcome), now));
            }
        }
        let resolved = self.resolved[index].clone();
        match resolved {
            Resolved::Manual => Ok(self.tick_item(index, now)),
            Resolved::Gate { otherwise, .. } => {
                let readings = self.fresh_readings(index, now)?.clone();
                let holds = readings.all_hold();
                let target = match (holds, otherwise) {
                    (false, Some(t)) => t,
                    _ => successor(&self.book, index),
                };
                let goes_to = self.target_name(target);
                self.record(
                    now,
                    Some(index),
                    LogEvent::GateDecided {
                        holds,
                        readings: Seen::all(&readings.checks, now),
                        goes_to: goes_to.clone(),
                        how: Confirmation::Enter,
                    },
                );
                let step = &mut self.steps[index];
                step.state = StepState::Done;
                step.started_at.get_or_insert(now);
                step.finished_at = Some(now);
                step.note = Some(if holds {
                    "holds".to_string()
                } else {
                    format!("does not hold: went to {goes_to}")
                });
                Ok(self.go(target, now))
            }
            Resolved::Action {
                op,
                destructive,
                timeout,
            } => {
                let readings = self.steps[index]
                    .readings
                    .as_ref()
                    .map(|r| r.checks.clone())
                    .unwrap_or_default();
                // What the checks pinned (a restore's recovery point) goes into the operation
                // before its intent is recorded, so the intent names what the change uses.
                let op = op.pinned(&readings);
                let attempt = self.steps[index].attempt + 1;
                let mut context = ActionContext::new(&self.id, index, attempt, self.book.rto);
                if let Some(token) = self.steps[index].doubt_token.clone() {
                    context = context.with_token(token);
                }
                Ok(self.perform(
                    index,
                    Intended::Action {
                        op: self.params.hide_secrets_in(&op),
                    },
                    destructive.then(|| typed.unwrap_or_default().to_string()),
                    readings,
                    Task::Action {
                        op,
                        timeout,
                        context,
                    },
                    now,
                ))
            }
            Resolved::Wait { probe, timeout } => Ok(self.perform(
                index,
                Intended::Wait {
                    probe: self.params.hide_secrets_in(&probe),
                },
                None,
                Vec::new(),
                Task::Wait { probe, timeout },
                now,
            )),
            Resolved::Shell {
                script,
                env,
                confirm,
                timeout,
            } => Ok(self.perform(
                index,
                Intended::Shell {
                    script: script.clone(),
                    env: env.shown(),
                },
                confirm.map(|_| typed.unwrap_or_default().to_string()),
                Vec::new(),
                Task::Shell {
                    script,
                    env,
                    timeout,
                },
                now,
            )),
        }
    }

    fn tick_item(&mut self, index: usize, now: Timestamp) -> Vec<Work> {
        let items = self.book.steps[index].checklist.clone();
        let step = &mut self.steps[index];
        step.started_at.get_or_insert(now);
        if let Some(item) = items.get(step.ticked) {
            step.ticked += 1;
            let item = item.clone();
            self.record(
                now,
                Some(index),
                LogEvent::ItemTicked {
                    item,
                    how: Confirmation::Enter,
                },
            );
        }
        if self.steps[index].ticked < items.len() {
            return Vec::new();
        }
        let summary = if items.is_empty() {
            "marked done by the operator".to_string()
        } else {
            format!("all {} items ticked", items.len())
        };
        self.finish_step(index, Ok(super::work::Outcome::new(summary)), now)
    }

    /// Writes the intent, then issues the job that carries the step out.
    fn perform(
        &mut self,
        index: usize,
        what: Intended,
        typed: Option<String>,
        readings: Vec<Check>,
        task: Task,
        now: Timestamp,
    ) -> Vec<Work> {
        let attempt = self.steps[index].attempt + 1;
        let destructive = typed.is_some();
        let idempotency_token = match &task {
            Task::Action { op, context, .. } if op.takes_idempotency_token() => {
                Some(context.idempotency_token().to_string())
            }
            _ => None,
        };
        let intent = self.record(
            now,
            Some(index),
            LogEvent::Intent {
                what,
                destructive,
                how: Confirmation::from_typed(typed),
                readings: Seen::all(&readings, now),
                attempt,
                idempotency_token,
            },
        );
        let request = self.request();
        let step = &mut self.steps[index];
        step.attempt = attempt;
        step.state = StepState::Running;
        step.started_at = Some(now);
        step.finished_at = None;
        step.performing = Some(request);
        step.note = None;
        step.doubt_token = None;
        vec![Work {
            run: self.id.clone(),
            request,
            step: index,
            job: Job::Perform {
                intent: Box::new(intent),
                task,
            },
        }]
    }

    /// Skips the current step; the reason is recorded, and the run goes on.
    pub fn skip(&mut self, reason: &str, now: Timestamp) -> Result<Vec<Work>, String> {
        let index = self.current_index()?;
        let reason = reason.trim();
        if reason.is_empty() {
            return Err("say why the step is skipped: the reason goes in the run log".to_string());
        }
        if self.steps[index].state == StepState::Running {
            return Err(format!(
                "step {} is running and cannot be skipped: wait for it, or abort the run with a",
                index + 1
            ));
        }
        self.record(
            now,
            Some(index),
            LogEvent::StepSkipped {
                reason: reason.to_string(),
            },
        );
        let step = &mut self.steps[index];
        step.state = StepState::Skipped;
        step.note = Some(reason.to_string());
        step.finished_at = Some(now);
        step.inspecting = None;
        // Skipping leaves the step's own path (`next:`): the run goes on with the step below
        // it in the document, which is where an operator expects to land.
        let below = if index + 1 < self.steps.len() {
            Target::Step(index + 1)
        } else {
            Target::End
        };
        Ok(self.go(below, now))
    }

    /// Retries a failed step (its live values are read again first), or reads the current
    /// step's live values again now.
    pub fn retry(&mut self, now: Timestamp) -> Result<Vec<Work>, String> {
        let index = self.current_index()?;
        match self.steps[index].state {
            StepState::Failed => {
                let attempt = self.steps[index].attempt + 1;
                self.record(now, Some(index), LogEvent::StepRetried { attempt });
                let step = &mut self.steps[index];
                step.state = StepState::Pending;
                step.readings = None;
                step.inspecting = None;
                step.note = None;
                Ok(self.inspect(index))
            }
            StepState::Running => Err(format!("step {} is running", index + 1)),
            StepState::InDoubt if self.subject(index).is_none() => Err(
                "ripcord cannot read what a script did: Enter runs it again, s skips it with a reason"
                    .to_string(),
            ),
            _ if self.subject(index).is_none() => {
                Err("this step has no live values to read again".to_string())
            }
            _ => {
                // A re-check replaces any read still out: its answer would be older.
                self.steps[index].inspecting = None;
                Ok(self.inspect(index))
            }
        }
    }

    /// Ends the run. A step still running is left to finish on its own: its result, if it
    /// comes, is recorded as late.
    pub fn abort(&mut self, reason: &str, now: Timestamp) -> Result<(), String> {
        if self.is_over() {
            return Err("the run is already over".to_string());
        }
        let reason = reason.trim();
        if reason.is_empty() {
            return Err("say why the run is aborted: the reason goes in the run log".to_string());
        }
        let running = self
            .steps
            .iter()
            .position(|s| matches!(s.state, StepState::Running | StepState::InDoubt))
            .map(|i| self.book.steps[i].id.clone());
        self.record(
            now,
            self.current,
            LogEvent::RunAborted {
                reason: reason.to_string(),
                running,
            },
        );
        self.finished = Some((now, RunOutcome::Aborted(reason.to_string())));
        self.current = None;
        Ok(())
    }

    /// The cockpit is going away while the run is not over (a hang-up, SIGTERM, Ctrl-C): the
    /// log says so, and the run can be resumed from the audit log.
    pub fn session_lost(&mut self, why: &str, now: Timestamp) {
        if self.is_over() {
            return;
        }
        self.record(
            now,
            self.current,
            LogEvent::SessionLost {
                why: why.to_string(),
            },
        );
    }

    /// Time passed: keeps the current step's live values fresh while it waits.
    pub fn tick(&mut self, now: Timestamp) -> Vec<Work> {
        let Some(index) = self.current else {
            return Vec::new();
        };
        let step = &self.steps[index];
        let due = matches!(step.state, StepState::Pending | StepState::InDoubt)
            && step.inspecting.is_none()
            && step
                .readings
                .as_ref()
                .is_none_or(|r| age_between(r.at, now) >= REFRESH_EVERY);
        if due { self.inspect(index) } else { Vec::new() }
    }

    /// An answer from the runtime.
    pub fn on_report(&mut self, report: Report, now: Timestamp) -> Vec<Work> {
        if report.run != self.id || report.step >= self.steps.len() {
            return Vec::new();
        }
        let index = report.step;
        match report.body {
            ReportBody::Inspected(checks) => {
                let checks = self.params.hide_secrets_in(&checks);
                if self.steps[index].inspecting == Some(report.request) {
                    let step = &mut self.steps[index];
                    step.inspecting = None;
                    step.readings = Some(Readings { checks, at: now });
                }
                Vec::new()
            }
            ReportBody::Progress(line) => {
                let line = self.params.hide_secrets(&line);
                if self.steps[index].performing == Some(report.request) {
                    let output = &mut self.steps[index].output;
                    output.push(line);
                    if output.len() > MAX_OUTPUT_LINES {
                        output.drain(..output.len() - MAX_OUTPUT_LINES);
                    }
                }
                Vec::new()
            }
            ReportBody::Done(outcome) => {
                if self.steps[index].performing != Some(report.request) {
                    return Vec::new();
                }
                self.finish_step(index, Ok(outcome), now)
            }
            ReportBody::Failed(error) => {
                if self.steps[index].performing != Some(report.request) {
                    return Vec::new();
                }
                self.finish_step(index, Err(error), now)
            }
        }
    }

    fn finish_step(
        &mut self,
        index: usize,
        result: Result<super::work::Outcome, String>,
        now: Timestamp,
    ) -> Vec<Work> {
        // A result can echo a secret the step was given: it never reaches the screen or a log.
        let result = match result {
            Ok(mut outcome) => {
                outcome.summary = self.params.hide_secrets(&outcome.summary);
                Ok(outcome)
            }
            Err(error) => Err(self.params.hide_secrets(&error)),
        };
        let late = self.is_over();
        let step = &mut self.steps[index];
        step.performing = None;
        step.finished_at = Some(now);
        let event = match &result {
            Ok(outcome) => {
                step.state = StepState::Done;
                step.note = Some(outcome.summary.clone());
                step.measured = outcome.measured;
                if late {
                    LogEvent::LateResult {
                        ok: true,
                        detail: outcome.summary.clone(),
                        requests: outcome.requests.clone(),
                    }
                } else {
                    LogEvent::StepDone {
                        summary: outcome.summary.clone(),
                        measured_secs: outcome.measured.map(|d| d.as_secs()),
                        aws_ids: outcome.aws_ids.clone(),
                        requests: outcome.requests.clone(),
                    }
                }
            }
            Err(error) => {
                step.state = StepState::Failed;
                step.note = Some(error.clone());
                if late {
                    LogEvent::LateResult {
                        ok: false,
                        detail: error.clone(),
                        requests: Vec::new(),
                    }
                } else {
                    LogEvent::StepFailed {
                        error: error.clone(),
                    }
                }
            }
        };
        self.record(now, Some(index), event);
        if late || result.is_err() {
            return Vec::new();
        }
        self.go(successor(&self.book, index), now)
    }
}

/// Fills in and checks every step's arguments for a run.
pub fn resolve_steps(
    book: &Runbook,
    params: &ParamValues,
) -> Result<Vec<Resolved>, Vec<Diagnostic>> {
    let mut problems = Vec::new();
    let mut resolved = Vec::new();
    for step in &book.steps {
        let mut fill =
            |specs: &'static [ArgSpec], args: &super::model::Args| -> Filled {
                let mut filled = Filled::new();
                for spec in specs {
                    let Some(t) = args.get(spec.name) else {
                        continue;
                    };
                    let value = template::fill(&t.raw, params);
                    let is_rpo = spec.is_keyword(&value);
                    // Optional arguments may come out empty; `rpo` was checked with the header.
                    let checkable = !is_rpo && (spec.required || !value.is_empty());
                    if checkable
                        && t.raw.contains("{{")
                        && let Err(why) = spec.kind.check(&value)
                    {
                        let why = if params.is_secret_value(&value) {
                            format!(
                                "a secret parameter's value is not {}",
                                spec.kind.expectation()
                            )
                        } else {
                            why
                        };
                        problems.push(Diagnostic {
                        file: book.file.clone(),
                        pos: t.pos,
                        message: format!(
                            "step `{}`: `{}` = {} from {}: {why}: give a parameter value that fits",
                            step.title, spec.name, shown_or_secret(params, &value), t.raw
                        ),
                    });
                    }
                    filled.insert(spec.name, value);
                }
                filled
            };
        let r = match &step.body {
            StepBody::Manual => Resolved::Manual,
            StepBody::Action(a) => Resolved::Action {
                op: Operation::build(a.kind, &fill(a.kind.args(), &a.args), book.rpo),
                destructive: a.destructive,
                timeout: a.timeout,
            },
            StepBody::Gate(g) => Resolved::Gate {
                probe: Probe::build(
                    g.probe.kind,
                    &fill(g.probe.kind.args(), &g.probe.args),
                    book.rpo,
                ),
                otherwise: g.otherwise,
            },
            StepBody::Wait(w) => Resolved::Wait {
                probe: Probe::build(
                    w.probe.kind,
                    &fill(w.probe.kind.args(), &w.probe.args),
                    book.rpo,
                ),
                timeout: w.timeout,
            },
            StepBody::Shell(s) => {
                let confirm = s
                    .destructive
                    .as_ref()
                    .and_then(|p| params.get(p))
                    .map(str::to_string);
                if let (Some(p), Some("")) = (&s.destructive, confirm.as_deref()) {
                    problems.push(Diagnostic {
                        file: book.file.clone(),
                        pos: s.pos,
                        message: format!(
                            "step `{}`: destructive={p} asks the operator to type the value of `{p}`, and it is empty: Enter alone would run the script; give {p}=VALUE",
                            step.title
                        ),
                    });
                }
                Resolved::Shell {
                    script: s.script.clone(),
                    env: Env(params
                        .0
                        .iter()
                        .map(|p| EnvVar {
                            name: env_var_for(&p.name),
                            value: p.value.clone(),
                            secret: p.secret,
                        })
                        .collect()),
                    confirm,
                    timeout: s.timeout,
                }
            }
        };
        resolved.push(r);
    }
    if problems.is_empty() {
        Ok(resolved)
    } else {
        Err(problems)
    }
}

fn shown_or_secret(params: &ParamValues, value: &str) -> String {
    if params.is_secret_value(value) {
        super::params::REDACTED.to_string()
    } else {
        format!("`{}`", shown(value))
    }
}

mod resume;

#[cfg(test)]
mod tests;
