//! One run carried out with nobody at the keyboard, as the cockpit carries it out: every new
//! log entry through the cockpit's own gate (`effects::through_journal`, the audit journal,
//! synced) before any job goes out, each admitted job
//! done by the runner, each report fed back to the executor. Where the cockpit would wait for
//! the operator, the run's own next move is taken: the step confirmed once its live values
//! are read and hold (with the name a destructive step asks to be typed). Anything that stops
//! a careful operator (a failed step, a pre-check that does not hold, a value that cannot be
//! told) stops the rehearsal with the executor's own words.

use crate::audit::journal::Journal;
use crate::clock::Clock;
use crate::effects::{self, Solo};
use crate::runbook::act::port::Actions;
use crate::runbook::exec::work::{Report, Work};
use crate::runbook::exec::{Refusal, Run};
use crate::runbook::runner;
use std::sync::Arc;
use tokio::sync::mpsc;

/// More decisions than any shipped runbook takes: a run that loops is stopped, not waited on.
const MAX_MOVES: usize = 500;

/// Drives `run` (started, with its first `work`) to its end.
pub async fn drive(
    run: &mut Run,
    work: Vec<Work>,
    journal: &mut Journal,
    actions: Arc<dyn Actions>,
    clock: &Clock,
) -> Result<(), String> {
    let mut pending = work;
    for _ in 0..MAX_MOVES {
        // The cockpit's own gate (`effects`): the log on disk first, and only admitted work
        // goes out.
        let mut solo = Solo {
            run: &mut *run,
            failed: None,
        };
        let admitted =
            effects::through_journal(&mut solo, journal, std::mem::take(&mut pending), || {
                clock.now()
            });
        if let Some(message) = solo.failed {
            return Err(message);
        }
        for job in admitted {
            for report in carry_out(job, actions.clone(), clock).await {
                pending.extend(run.on_report(report, clock.now()));
            }
        }
        if !pending.is_empty() {
            continue;
        }
        if run.is_over() {
            // One more pass writes the last entries and seals the run.
            let mut solo = Solo { run, failed: None };
            effects::through_journal(&mut solo, journal, Vec::new(), || clock.now());
            return solo.failed.map_or(Ok(()), Err);
        }
        pending = next_move(run, clock)?;
    }
    Err(format!(
        "run {} did not end within {MAX_MOVES} moves",
        run.id
    ))
}

/// What the operator would do now: confirm the step, or read its live values again.
fn next_move(run: &mut Run, clock: &Clock) -> Result<Vec<Work>, String> {
    let now = clock.now();
    let step = run.current().map_or(0, |i| i + 1);
    match run.ready(now) {
        Ok(()) => {
            let typed = run.typed_name_needed();
            run.confirm(typed.as_deref(), now)
                .map_err(|why| format!("step {step}: {why}"))
        }
        Err(Refusal::StillReading | Refusal::OldReadings { .. }) => {
            let work = run.tick(now);
            if work.is_empty() {
                Err(format!("step {step}: its live values are not being read"))
            } else {
                Ok(work)
            }
        }
        Err(why) => Err(format!("step {step}: {why}")),
    }
}

/// One job done by the runner; its reports (progress lines, then the answer) in order.
async fn carry_out(job: Work, actions: Arc<dyn Actions>, clock: &Clock) -> Vec<Report> {
    let (tx, mut rx) = mpsc::channel(64);
    let work = runner::execute(job, actions, clock.clone(), tx, |r| r);
    // Read while it works: the answer waits for room in the channel.
    let read = async {
        let mut reports = Vec::new();
        while let Some(report) = rx.recv().await {
            reports.push(report);
        }
        reports
    };
    let ((), reports) = tokio::join!(work, read);
    reports
}
