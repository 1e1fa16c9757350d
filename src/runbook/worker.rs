//! Carries out one `Work` item against `Actions` (or a shell) and reports back. The cockpit
//! spawns one task per item; tests call it directly with a manual clock.

use super::actions::Actions;
use super::perform;
use super::shell;
use super::work::{Job, Report, ReportBody, Task, Work};
use crate::clock::Clock;
use std::sync::Arc;
use tokio::sync::mpsc;

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
            ReportBody::Inspected(perform::inspect(&subject, actions.as_ref(), &clock).await)
        }
        Job::Perform { task, .. } => {
            let progress_tx = tx.clone();
            let progress = |line: String| {
                let _ = progress_tx.try_send(report(ReportBody::Progress(line)));
            };
            let result = match task {
                Task::Action {
                    op,
                    timeout,
                    context,
                } => {
                    perform::carry_out(&op, timeout, &context, actions.as_ref(), &clock, &progress)
                        .await
                }
                Task::Wait { probe, timeout } => {
                    perform::wait_for(&probe, timeout, actions.as_ref(), &clock, &progress).await
                }
                Task::Shell {
                    script,
                    env,
                    timeout,
                } => shell::run(&script, &env, timeout, &progress).await,
            };
            match result {
                Ok(outcome) => ReportBody::Done(outcome),
                Err(error) => ReportBody::Failed(error),
            }
        }
    };
    let _ = tx.send(report(body)).await;
}
