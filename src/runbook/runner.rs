//! Carries out one `Work` item against `Actions` (or a shell) and reports back. The cockpit
//! spawns one task per item; tests call it directly with a manual clock.

use crate::clock::Clock;
use crate::fleet::format_duration;
use crate::runbook::act::dispatch;
use crate::runbook::act::port::Actions;
use crate::runbook::act::shell;
use crate::runbook::exec::work::{Check, Job, Report, ReportBody, Subject, Task, Work};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;

/// The longest reading live values may take: a source that does not answer must not leave
/// the run view saying "reading…" for ever.
pub const INSPECT_DEADLINE: Duration = Duration::from_secs(20);
/// Extra time a step gets beyond its own timeout, for calls that never return.
pub const PERFORM_GRACE: Duration = Duration::from_secs(60);

/// Does the job and sends its reports, each wrapped by `wrap` (into the app's event type).
/// Progress lines are best-effort (never block the work); the final answer always waits for
/// room in the channel.
pub async fn execute<E: Send + 'static>(
    work: Work,
    actions: Arc<dyn Actions>,
    clock: Clock,
    tx: mpsc::Sender<E>,
    wrap: fn(Report) -> E,
) {
    let Work {
        run,
        request,
        step,
        job,
    } = work;
    let report = |body: ReportBody| {
        wrap(Report {
            run: run.clone(),
            request,
            step,
            body,
        })
    };
    let body = match job {
        Job::Inspect(subject) => {
            let read = inspect(&subject, actions.as_ref(), &clock);
            match tokio::time::timeout(INSPECT_DEADLINE, read).await {
                Ok(checks) => ReportBody::Inspected(checks),
                Err(_) => ReportBody::Inspected(vec![Check::unknown(
                    "live values",
                    format!("no answer within {}", format_duration(INSPECT_DEADLINE)),
                )]),
            }
        }
        Job::Perform { task, .. } => {
            let progress_tx = tx.clone();
            let progress = |line: String| {
                let _ = progress_tx.try_send(report(ReportBody::Progress(line)));
            };
            let limit = match &task {
                Task::Action { timeout, .. }
                | Task::Wait { timeout, .. }
                | Task::Shell { timeout, .. } => *timeout + PERFORM_GRACE,
            };
            let work = async {
                match task {
                    Task::Action {
                        op,
                        timeout,
                        context,
                    } => {
                        dispatch::carry_out(
                            &op,
                            timeout,
                            &context,
                            actions.as_ref(),
                            &clock,
                            &progress,
                        )
                        .await
                    }
                    Task::Wait { probe, timeout } => {
                        dispatch::wait_for(&probe, timeout, actions.as_ref(), &clock, &progress)
                            .await
                    }
                    Task::Shell {
                        script,
                        env,
                        timeout,
                    } => shell::run(&script, &env, timeout, &progress).await,
                }
            };
            let result = tokio::time::timeout(limit, work).await;
            crate::testhook::pause(crate::testhook::Point::AfterCall).await;
            match result {
                Ok(Ok(outcome)) => ReportBody::Done(outcome),
                Ok(Err(error)) => ReportBody::Failed(error),
                Err(_) => ReportBody::Failed(format!(
                    "no end state within {}: a call did not return, and the change may still be under way; r reads the real state again",
                    format_duration(limit)
                )),
            }
        }
    };
    let _ = tx.send(report(body)).await;
}

/// Reads what a step depends on.
pub async fn inspect(subject: &Subject, actions: &dyn Actions, clock: &Clock) -> Vec<Check> {
    match subject {
        Subject::PreChecks(op) => dispatch::prechecks(op, actions, clock).await,
        Subject::Condition(probe) => vec![dispatch::evaluate(probe, actions, clock).await],
        Subject::EndState(op) => dispatch::end_state(op, actions).await,
    }
}
