//! Carrying out what a step asks, against `Actions`: an action's pre-checks, change and end
//! state (each kind in its module under `act/`), and a condition's reading (`probe/`). This
//! module dispatches, and holds what they share: waiting between reads, progress lines, the
//! request ids of accepted changes.

use crate::clock::Clock;
use crate::fleet::{age_between, format_duration};
use crate::runbook::act::Change;
use crate::runbook::act::Operation;
use crate::runbook::act::answer::{ActionContext, Check, Outcome, RequestId};
use crate::runbook::act::port::{Actions, Receipt};
use crate::runbook::act::probe::Probe;
use std::time::Duration;

pub use crate::runbook::act::probe::MAX_DATAPOINT_AGE;

/// Where progress lines go while a step runs.
pub type Progress<'a> = &'a (dyn Fn(String) + Send + Sync);

/// What must hold before an action may run, with the values seen.
pub async fn prechecks(op: &Operation, actions: &dyn Actions, clock: &Clock) -> Vec<Check> {
    op.action().prechecks(actions, clock).await
}

/// Whether an action's end state already holds, read from the live state. Asked for a step
/// in doubt (its intent was recorded, its result was not): the operator sees this before
/// deciding to accept the step as done or to send it again. Reads only.
pub async fn end_state(op: &Operation, actions: &dyn Actions) -> Vec<Check> {
    op.action().end_state(actions).await
}

/// Whether a condition holds now, with the value seen and its age.
pub async fn evaluate(probe: &Probe, actions: &dyn Actions, clock: &Clock) -> Check {
    probe.condition().evaluate(actions, clock).await
}

/// Waits between reads. A manual clock (tests, drills) is moved on instead of slept on, so a
/// simulated ten-minute restore takes no real time.
pub async fn pause(clock: &Clock, d: Duration) {
    match clock {
        Clock::Manual(_) => {
            clock.advance(d);
            tokio::task::yield_now().await;
        }
        Clock::System => tokio::time::sleep(d).await,
    }
}

/// The request ids of the changes a step made, collected as they are accepted.
#[derive(Default)]
pub struct Requests(std::sync::Mutex<Vec<RequestId>>);

impl Requests {
    pub fn record<T>(&self, call: &str, receipt: &Receipt<T>, progress: Progress<'_>) {
        match &receipt.request_id {
            Some(id) => {
                progress(format!("{call} accepted (request id {id})"));
                self.0
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .push(RequestId {
                        call: call.to_string(),
                        id: id.clone(),
                    });
            }
            None => progress(format!("{call} accepted")),
        }
    }

    fn take(&self) -> Vec<RequestId> {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(|p| p.into_inner()))
    }
}

/// Reports a progress line only when it changed, so a long wait is not a wall of repeats.
pub(super) fn note(progress: Progress<'_>, last: &mut String, line: String) {
    if *last != line {
        progress(line.clone());
        *last = line;
    }
}

/// Runs an action and waits for its end state. The request ids of the changes it made go
/// into the outcome, or into the error when the step fails after a change was accepted: that
/// is when an operator needs them most.
pub async fn carry_out(
    op: &Operation,
    timeout: Duration,
    context: &ActionContext,
    actions: &dyn Actions,
    clock: &Clock,
    progress: Progress<'_>,
) -> Result<Outcome, String> {
    let requests = Requests::default();
    let cx = Change {
        timeout,
        context,
        actions,
        clock,
        progress,
        requests: &requests,
        start: clock.now(),
    };
    let result = op.action().change(&cx).await;
    let ids = requests.take();
    match result {
        Ok(mut outcome) => {
            outcome.requests = ids;
            Ok(outcome)
        }
        Err(error) if ids.is_empty() => Err(error),
        Err(error) => Err(format!(
            "{error} (accepted before: {})",
            ids.iter()
                .map(|r| format!("{} request id {}", r.call, r.id))
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

/// Waits until a condition holds.
pub async fn wait_for(
    probe: &Probe,
    timeout: Duration,
    actions: &dyn Actions,
    clock: &Clock,
    progress: Progress<'_>,
) -> Result<Outcome, String> {
    let start = clock.now();
    let mut last = String::new();
    loop {
        let check = evaluate(probe, actions, clock).await;
        if check.holds == Some(true) {
            return Ok(Outcome::new(format!(
                "{} after {}: {}",
                check.label,
                format_duration(age_between(start, clock.now())),
                check.detail
            )));
        }
        note(progress, &mut last, check.detail.clone());
        if age_between(start, clock.now()) > timeout {
            return Err(format!(
                "not true after {}: {} ({})",
                format_duration(timeout),
                check.label,
                check.detail
            ));
        }
        pause(clock, actions.poll_every()).await;
    }
}
