//! The operator's decisions: confirm (tick, pass a gate, send a step), skip with a reason,
//! retry, abort. Each one records its log entry, which `RunState::apply` turns into the new
//! state, and then moves the run on the way the state says.

use super::state::target_name;
use super::{REFRESH_EVERY, Readings, Refusal, Resolved, Run, StepState};
use crate::fleet::age_between;
use crate::runbook::exec::log::{Confirmation, InDoubtDecision, Intended, LogEvent, Seen};
use crate::runbook::exec::work::{ActionContext, Check, Job, Outcome, Task, Work};
use jiff::Timestamp;

impl Run {
    /// Fresh, complete readings for the current step, or why a decision cannot be taken yet. A
    /// limit the operator lifted (`lift_limit`) no longer counts.
    fn fresh_readings(&self, index: usize, now: Timestamp) -> Result<&Readings, Refusal> {
        let lifted = self.state.steps[index].limit_lifted.is_some();
        let Some(readings) = &self.live[index].readings else {
            return Err(Refusal::StillReading);
        };
        let age = age_between(readings.at, now);
        if age > super::MAX_READING_AGE {
            return Err(Refusal::OldReadings { age });
        }
        if let Some(unknown) = readings
            .checks
            .iter()
            .find(|c| c.holds.is_none() && !(lifted && c.liftable))
        {
            return Err(Refusal::CannotTell {
                label: unknown.label.clone(),
                detail: unknown.detail.clone(),
                liftable: unknown.liftable,
            });
        }
        Ok(readings)
    }

    /// Whether the current step can be confirmed now; the reason when not.
    pub fn ready(&self, now: Timestamp) -> Result<(), Refusal> {
        let index = self.current_index()?;
        let n = index + 1;
        match self.state.steps[index].state {
            StepState::Running => {
                return Err(Refusal::Running { step: n });
            }
            StepState::Failed => {
                return Err(Refusal::Failed { step: n });
            }
            StepState::InDoubt => return self.in_doubt_readings(index, now).map(|_| ()),
            _ => {}
        }
        match &self.resolved[index] {
            Resolved::Action { .. } => {
                let readings = self.fresh_readings(index, now)?;
                let lifted = self.state.steps[index].limit_lifted.is_some();
                if let Some(failed) = readings
                    .checks
                    .iter()
                    .find(|c| c.holds == Some(false) && !(lifted && c.liftable))
                {
                    return Err(Refusal::PrecheckFailed {
                        label: failed.label.clone(),
                        liftable: failed.liftable,
                    });
                }
                Ok(())
            }
            Resolved::Gate { otherwise, .. } => {
                let readings = self
                    .fresh_readings(index, now)
                    .map_err(|why| match otherwise {
                        Some(_) => Refusal::GateUndecided { why: Box::new(why) },
                        None => why,
                    })?;
                if !readings.all_hold() && otherwise.is_none() {
                    // The failing value is on screen (✖) right above this message.
                    return Err(Refusal::GateDoesNotHold);
                }
                Ok(())
            }
            Resolved::Manual | Resolved::Wait { .. } | Resolved::Shell { .. } => Ok(()),
        }
    }

    /// The operator confirms the current step (typing what `typed_name_needed` asks for, if
    /// anything): a checklist item is ticked, a gate passed, or the step's job issued.
    pub fn confirm(&mut self, typed: Option<&str>, now: Timestamp) -> Result<Vec<Work>, Refusal> {
        self.ready(now)?;
        let index = self.current_index()?;
        self.check_typed(typed)?;
        // What was typed is recorded only where it was asked for.
        let typed = self.typed_name_needed().and(typed.map(str::to_string));
        let how = Confirmation::from_typed(typed.clone());
        if let Some(decision) = self.in_doubt_decision() {
            let readings = self.live[index]
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
                    how: how.clone(),
                },
            );
            if decision == InDoubtDecision::AcceptEndState {
                let seen: Vec<String> = readings.iter().map(|r| r.detail.clone()).collect();
                let outcome = Outcome::new(format!(
                    "end state already held after the lost session: {}",
                    seen.join("; ")
                ));
                return Ok(self.finish_step(index, Ok(outcome), now));
            }
        }
        let resolved = self.resolved[index].clone();
        match resolved {
            Resolved::Manual => Ok(self.tick_item(index, now)),
            Resolved::Gate { .. } => {
                let readings = self.fresh_readings(index, now)?.clone();
                let holds = readings.all_hold();
                let target = super::state::gate_target(&self.book, index, holds);
                self.record(
                    now,
                    Some(index),
                    LogEvent::GateDecided {
                        holds,
                        readings: Seen::all(&readings.checks, now),
                        goes_to: target_name(&self.book, target),
                        how: Confirmation::Enter,
                    },
                );
                Ok(self.advance(now))
            }
            Resolved::Action { op, timeout, .. } => {
                let readings = self.live[index]
                    .readings
                    .as_ref()
                    .map(|r| r.checks.clone())
                    .unwrap_or_default();
                // What the checks pinned (a restore's recovery point) goes into the operation
                // before its intent is recorded, so the intent names what the change uses.
                let op = op.pinned(&readings);
                // A limit the operator lifted goes into the intent too: the change runs, and
                // reads its own pre-checks again, without it.
                let step = &self.state.steps[index];
                let op = if step.limit_lifted.is_some() {
                    op.lifted()
                } else {
                    op
                };
                let attempt = step.attempt + 1;
                let mut context = ActionContext::new(&self.id, index, attempt, self.book.rto);
                // Sent again after a lost session: the same token, so AWS starts one job.
                if step.state == StepState::InDoubt
                    && let Some(token) = step.sent_token.clone()
                {
                    context = context.with_token(token);
                }
                Ok(self.perform(
                    index,
                    Intended::Action {
                        op: self.params.hide_secrets_in(&op),
                    },
                    typed,
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
                timeout,
                ..
            } => Ok(self.perform(
                index,
                Intended::Shell {
                    script: script.clone(),
                    env: env.shown(),
                },
                typed,
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
        let items = &self.book.steps[index].checklist;
        let ticked = self.state.steps[index].ticked;
        if let Some(item) = items.get(ticked).cloned() {
            self.record(
                now,
                Some(index),
                LogEvent::ItemTicked {
                    item,
                    how: Confirmation::Enter,
                },
            );
        }
        let items = self.book.steps[index].checklist.len();
        if self.state.steps[index].ticked < items {
            return Vec::new();
        }
        let summary = if items == 0 {
            "marked done by the operator".to_string()
        } else {
            format!("all {items} items ticked")
        };
        self.finish_step(index, Ok(Outcome::new(summary)), now)
    }

    /// Writes the intent, then issues the job that carries the step out. `typed` is what
    /// the operator typed to confirm it, if anything was asked. The intent calls the step
    /// destructive by its own nature: a step in doubt may ask for a typed name without being so.
    fn perform(
        &mut self,
        index: usize,
        what: Intended,
        typed: Option<String>,
        readings: Vec<Check>,
        task: Task,
        now: Timestamp,
    ) -> Vec<Work> {
        let attempt = self.state.steps[index].attempt + 1;
        let destructive = self.is_destructive(index);
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
        self.live[index].performing = Some(request);
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

    /// Skips the current step; the reason is recorded, and the run goes where the step goes
    /// (its `next:`, else the step below).
    pub fn skip(&mut self, reason: &str, now: Timestamp) -> Result<Vec<Work>, Refusal> {
        let index = self.current_index()?;
        let reason = given_reason(reason, "the step is skipped")?;
        if self.state.steps[index].state == StepState::Running {
            return Err(Refusal::RunningCannotBeSkipped { step: index + 1 });
        }
        self.record(
            now,
            Some(index),
            LogEvent::StepSkipped {
                reason: reason.to_string(),
            },
        );
        self.live[index].inspecting = None;
        Ok(self.advance(now))
    }

    /// Lifts the limit of the current action's pre-checks (the promotion's lag limit), for the
    /// reason given: a lag that cannot be read (the source region is down) or is over the limit
    /// stops the step, and the operator who has the incident commander's agreement must be able
    /// to go on without starting the run again. The readings of the moment go in the log beside
    /// the reason; the step still needs its typed name.
    pub fn lift_limit(&mut self, reason: &str, now: Timestamp) -> Result<Vec<Work>, Refusal> {
        let index = self.current_index()?;
        let blocking = match (&self.resolved[index], &self.live[index].readings) {
            (Resolved::Action { .. }, Some(readings)) => {
                readings.checks.iter().any(|c| c.liftable && c.blocks())
            }
            _ => false,
        };
        if !blocking || self.state.steps[index].state != StepState::Pending {
            return Err(Refusal::NothingToLift);
        }
        let reason = given_reason(reason, "the limit is lifted")?;
        let readings = self.readings_seen(index, now);
        self.record(
            now,
            Some(index),
            LogEvent::LimitLifted {
                reason: reason.to_string(),
                readings,
            },
        );
        Ok(Vec::new())
    }

    /// The current readings of step `index` as the log keeps them beside an override.
    fn readings_seen(&self, index: usize, now: Timestamp) -> Vec<Seen> {
        self.live[index]
            .readings
            .as_ref()
            .map(|r| Seen::all(&r.checks, now))
            .unwrap_or_default()
    }

    /// Sends the run down the current gate's `otherwise:` way, whatever its readings say, for
    /// the reason given: a gate that cannot tell (its region does not answer) never picks that
    /// way by itself, and the operator who knows the region is down must be able to. The
    /// readings of the moment go in the log beside the reason.
    pub fn take_otherwise(&mut self, reason: &str, now: Timestamp) -> Result<Vec<Work>, Refusal> {
        let index = self.current_index()?;
        let Resolved::Gate {
            otherwise: Some(target),
            ..
        } = self.resolved[index]
        else {
            return Err(Refusal::NoOtherwise);
        };
        let reason = given_reason(reason, "the run takes the gate's otherwise way")?;
        let readings = self.readings_seen(index, now);
        self.record(
            now,
            Some(index),
            LogEvent::GateOverridden {
                reason: reason.to_string(),
                readings,
                goes_to: target_name(&self.book, target),
            },
        );
        self.live[index].inspecting = None;
        Ok(self.advance(now))
    }

    /// Retries a failed step (its live values are read again first), or reads the current
    /// step's live values again now.
    pub fn retry(&mut self, now: Timestamp) -> Result<Vec<Work>, Refusal> {
        let index = self.current_index()?;
        match self.state.steps[index].state {
            StepState::Failed => {
                let attempt = self.state.steps[index].attempt + 1;
                self.record(now, Some(index), LogEvent::StepRetried { attempt });
                let live = &mut self.live[index];
                live.readings = None;
                live.inspecting = None;
                Ok(self.inspect(index))
            }
            StepState::Running => Err(Refusal::StillRunning { step: index + 1 }),
            StepState::InDoubt if self.subject(index).is_none() => {
                Err(Refusal::ScriptCannotBeRead {
                    step_id: self.book.steps[index].id.clone(),
                })
            }
            _ if self.subject(index).is_none() => Err(Refusal::NothingToRead),
            _ => {
                // A re-check replaces any read still out: its answer would be older.
                self.live[index].inspecting = None;
                Ok(self.inspect(index))
            }
        }
    }

    /// Ends the run. A step still running is left to finish on its own: its result, if it
    /// comes, is recorded as late.
    pub fn abort(&mut self, reason: &str, now: Timestamp) -> Result<(), Refusal> {
        if self.is_over() {
            return Err(Refusal::AlreadyOver);
        }
        let reason = given_reason(reason, "the run is aborted")?;
        let running = self
            .state
            .unsettled()
            .map(|i| self.book.steps[i].id.clone());
        self.record(
            now,
            self.state.current,
            LogEvent::RunAborted {
                reason: reason.to_string(),
                running,
            },
        );
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
            self.state.current,
            LogEvent::SessionLost {
                why: why.to_string(),
            },
        );
    }

    /// Time passed: keeps the current step's live values fresh while it waits.
    pub fn tick(&mut self, now: Timestamp) -> Vec<Work> {
        let Some(index) = self.state.current else {
            return Vec::new();
        };
        let live = &self.live[index];
        let due = matches!(
            self.state.steps[index].state,
            StepState::Pending | StepState::InDoubt
        ) && live.inspecting.is_none()
            && live
                .readings
                .as_ref()
                .is_none_or(|r| age_between(r.at, now) >= REFRESH_EVERY);
        if due { self.inspect(index) } else { Vec::new() }
    }
}

/// A reason the operator typed, trimmed; none at all is refused: it goes in the run log.
fn given_reason<'a>(reason: &'a str, what: &'static str) -> Result<&'a str, Refusal> {
    let reason = reason.trim();
    if reason.is_empty() {
        Err(Refusal::NoReason { what })
    } else {
        Ok(reason)
    }
}
