//! A run rebuilt from its log after a lost session (the records come from the audit log).
//! Steps that completed stay done; a step whose intent was recorded but whose result was not
//! is in doubt, and nothing about it is sent again until the operator has seen its live end
//! state and decided.

use super::*;

impl Run {
    /// Rebuilds the run that `entries` record, then records who resumed it and asks for the
    /// current step's live values (for a step in doubt: whether its end state already holds).
    /// `params` must be the run's values (secrets given again), checked like any run's.
    pub fn resume(
        book: Arc<Runbook>,
        params: ParamValues,
        entries: Vec<LogEntry>,
        operator: &str,
        torn_tail: Option<String>,
        now: Timestamp,
    ) -> Result<(Run, Vec<Work>), String> {
        let Some(first) = entries.first() else {
            return Err("the log holds no records: there is nothing to resume".to_string());
        };
        let LogEvent::RunStarted { runbook, .. } = &first.event else {
            return Err(format!(
                "the first record is `{}`, not `run-started`: this is not the start of a run",
                first.event.kind()
            ));
        };
        if *runbook != book.name {
            return Err(format!(
                "the run is of runbook `{runbook}`, not `{}`",
                book.name
            ));
        }
        let resolved = resolve_steps(&book, &params).map_err(|problems| {
            problems
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; ")
        })?;
        let mut run = Run {
            id: first.run.clone(),
            steps: book.steps.iter().map(|_| StepRun::new()).collect(),
            started_at: first.at,
            book,
            params,
            resolved,
            current: None,
            finished: None,
            log: Vec::new(),
            operator: operator.to_string(),
            next_request: 1,
        };
        for entry in entries {
            if entry.run != run.id {
                return Err(format!(
                    "record {} belongs to run {}, not {}",
                    entry.seq, entry.run, run.id
                ));
            }
            run.replay(&entry)?;
            run.log.push(entry);
        }
        if let Some((at, outcome)) = &run.finished {
            let how = match outcome {
                RunOutcome::Completed => "finished",
                RunOutcome::Aborted(_) => "aborted",
            };
            return Err(format!(
                "run {} is already over ({how} at {at}): there is nothing to resume",
                run.id
            ));
        }
        let in_doubt = run.steps.iter().position(|s| s.state == StepState::Running);
        if let Some(i) = in_doubt {
            run.steps[i].state = StepState::InDoubt;
            run.current = Some(i);
        }
        let in_doubt_id = in_doubt.map(|i| run.book.steps[i].id.clone());
        run.record(
            now,
            run.current,
            LogEvent::RunResumed {
                operator: operator.to_string(),
                in_doubt: in_doubt_id,
                torn_tail,
            },
        );
        let work = match run.current {
            Some(i) => run.inspect(i),
            // The session was lost before the first step was reached.
            None => run.reach(0, now),
        };
        Ok((run, work))
    }

    /// Applies one recorded event to the rebuilt state.
    fn replay(&mut self, entry: &LogEntry) -> Result<(), String> {
        let index = match &entry.step {
            None => None,
            Some(id) => Some(
                self.book
                    .steps
                    .iter()
                    .position(|s| s.id == *id)
                    .ok_or_else(|| {
                        format!(
                            "record {} names step `{id}`, which {} does not have",
                            entry.seq, self.book.file
                        )
                    })?,
            ),
        };
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
            LogEvent::RunStarted { .. }
            | LogEvent::ParamsBound { .. }
            | LogEvent::SessionLost { .. }
            | LogEvent::RunResumed { .. } => {}
            LogEvent::StepReached { .. } => self.current = Some(step_of()?),
            LogEvent::ItemTicked { .. } => {
                let step = &mut self.steps[step_of()?];
                step.ticked += 1;
                step.started_at.get_or_insert(at);
            }
            LogEvent::GateDecided { holds, goes_to, .. } => {
                let step = &mut self.steps[step_of()?];
                step.state = StepState::Done;
                step.started_at.get_or_insert(at);
                step.finished_at = Some(at);
                step.note = Some(if *holds {
                    "holds".to_string()
                } else {
                    format!("does not hold: went to {goes_to}")
                });
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
                step.doubt_token = idempotency_token.clone();
            }
            // What followed the decision (a result, or the step sent again) is the next record.
            LogEvent::InDoubtResolved { .. } => {
                self.steps[step_of()?].state = StepState::Pending;
            }
            LogEvent::StepDone {
                summary,
                measured_secs,
                ..
            } => {
                let step = &mut self.steps[step_of()?];
                step.state = StepState::Done;
                step.note = Some(summary.clone());
                step.measured = measured_secs.map(Duration::from_secs);
                step.started_at.get_or_insert(at);
                step.finished_at = Some(at);
                step.doubt_token = None;
            }
            LogEvent::StepFailed { error } => {
                let step = &mut self.steps[step_of()?];
                step.state = StepState::Failed;
                step.note = Some(error.clone());
                step.finished_at = Some(at);
                step.doubt_token = None;
            }
            LogEvent::StepSkipped { reason } => {
                let step = &mut self.steps[step_of()?];
                step.state = StepState::Skipped;
                step.note = Some(reason.clone());
                step.finished_at = Some(at);
                step.doubt_token = None;
            }
            LogEvent::StepRetried { .. } => {
                let step = &mut self.steps[step_of()?];
                step.state = StepState::Pending;
                step.readings = None;
                step.note = None;
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
            }
        }
        Ok(())
    }
}
