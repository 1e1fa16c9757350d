//! One run carried out with nobody at the keyboard, as the cockpit carries it out: every new
//! log entry through the audit journal (synced) before any job goes out, each admitted job
//! done by the runner, each report fed back to the executor. Where the cockpit would wait for
//! the operator, the run's own next move is taken: the step confirmed once its live values
//! are read and hold (with the name a destructive step asks to be typed). Anything that stops
//! a careful operator (a failed step, a pre-check that does not hold, a value that cannot be
//! told) stops the rehearsal with the executor's own words.

use crate::audit::journal::{Journal, Notice};
use crate::clock::Clock;
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
        // The cockpit's gate: the log on disk first, and only admitted work goes out.
        let gated = journal.gate([&*run], std::mem::take(&mut pending));
        for notice in gated.notices {
            match notice {
                Notice::Failed { message, .. } => return Err(message),
                Notice::Refused(report) => pending.extend(run.on_report(report, clock.now())),
                Notice::Sealed { .. } => {}
            }
        }
        for job in gated.work {
            for report in carry_out(job, actions.clone(), clock).await {
                pending.extend(run.on_report(report, clock.now()));
            }
        }
        if !pending.is_empty() {
            continue;
        }
        if run.is_over() {
            // One more pass writes the last entries and seals the run.
            let gated = journal.gate([&*run], Vec::new());
            if let Some(Notice::Failed { message, .. }) = gated
                .notices
                .into_iter()
                .find(|n| matches!(n, Notice::Failed { .. }))
            {
                return Err(message);
            }
            return Ok(());
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
