//! A run rebuilt from its log after a lost session (the records come from the audit log):
//! the stored entries applied in order with `RunState::apply`, the very function the live run
//! applies its entries with. Then the run goes on as the live one would have: a step sent
//! without a recorded result is in doubt, and nothing about it is sent again until the
//! operator has seen its live end state and decided; a step whose end was recorded before its
//! successor was reached moves on to that successor.

use super::state::RunOutcome;
use super::{Run, resolve_steps};
use crate::runbook::exec::log::{LogEntry, LogEvent};
use crate::runbook::exec::work::Work;
use crate::runbook::lang::model::Runbook;
use crate::runbook::lang::params::ParamValues;
use jiff::Timestamp;
use std::sync::Arc;

impl Run {
    /// The run that `entries` record, as it stood when the last one was written. Refused when
    /// the entries are not one whole run of this runbook, or the run is over. Pure: nothing is
    /// recorded, so a caller can check a log before it changes anything.
    /// `params` must be the run's values (secrets given again), checked like any run's.
    pub fn rebuild(
        book: Arc<Runbook>,
        params: ParamValues,
        entries: Vec<LogEntry>,
        operator: &str,
    ) -> Result<Run, String> {
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
        let mut run = Run::empty(first.run.clone(), book, params, resolved, operator);
        for entry in entries {
            if entry.run != run.id {
                return Err(format!(
                    "record {} belongs to run {}, not {}",
                    entry.seq, entry.run, run.id
                ));
            }
            run.append(entry)?;
        }
        if let Some((at, outcome)) = &run.state.finished {
            let how = match outcome {
                RunOutcome::Completed => "finished",
                RunOutcome::Aborted(_) => "aborted",
            };
            return Err(format!(
                "run {} is already over ({how} at {at}): there is nothing to resume",
                run.id
            ));
        }
        Ok(run)
    }

    /// Rebuilds the run that `entries` record (`rebuild`), then records who resumed it and
    /// goes on (`go_on`).
    pub fn resume(
        book: Arc<Runbook>,
        params: ParamValues,
        entries: Vec<LogEntry>,
        operator: &str,
        torn_tail: Option<String>,
        now: Timestamp,
    ) -> Result<(Run, Vec<Work>), String> {
        let mut run = Run::rebuild(book, params, entries, operator)?;
        let work = run.go_on(torn_tail, now);
        Ok((run, work))
    }

    /// Records the resume (naming a step in doubt), then goes on where the live run would
    /// have: past a step whose end is recorded, at the first step when none was reached yet,
    /// else at the current step, whose live values (for a step in doubt: its end state) are
    /// read first.
    fn go_on(&mut self, torn_tail: Option<String>, now: Timestamp) -> Vec<Work> {
        let in_doubt = self
            .state
            .unsettled()
            .map(|i| self.book.steps[i].id.clone());
        self.record(
            now,
            self.state.current,
            LogEvent::RunResumed {
                operator: self.operator.clone(),
                in_doubt,
                torn_tail,
            },
        );
        if self.state.pending_move().is_some() {
            return self.advance(now);
        }
        match self.state.current {
            Some(i) => self.inspect(i),
            // The session was lost before the first step was reached.
            None => self.reach(0, now),
        }
    }
}
