//! The runtime's answers (live values read, progress, a job's result), and how a step ends.

use super::{MAX_OUTPUT_LINES, Readings, Run};
use crate::runbook::exec::log::LogEvent;
use crate::runbook::exec::work::{Outcome, Report, ReportBody, Work};
use jiff::Timestamp;

impl Run {
    /// An answer from the runtime.
    pub fn on_report(&mut self, report: Report, now: Timestamp) -> Vec<Work> {
        if report.run != self.id || report.step >= self.live.len() {
            return Vec::new();
        }
        let index = report.step;
        match report.body {
            ReportBody::Inspected(checks) => {
                let checks = self.params.hide_secrets_in(&checks);
                let live = &mut self.live[index];
                if live.inspecting == Some(report.request) {
                    live.inspecting = None;
                    live.readings = Some(Readings { checks, at: now });
                }
                Vec::new()
            }
            ReportBody::Progress(line) => {
                let line = self.params.hide_secrets(&line);
                let live = &mut self.live[index];
                if live.performing == Some(report.request) {
                    live.output.push(line);
                    if live.output.len() > MAX_OUTPUT_LINES {
                        live.output.drain(..live.output.len() - MAX_OUTPUT_LINES);
                    }
                }
                Vec::new()
            }
            ReportBody::Done(outcome) => {
                if self.live[index].performing != Some(report.request) {
                    return Vec::new();
                }
                self.finish_step(index, Ok(outcome), now)
            }
            ReportBody::Failed(error) => {
                if self.live[index].performing != Some(report.request) {
                    return Vec::new();
                }
                self.finish_step(index, Err(error), now)
            }
        }
    }

    /// Records how a step ended and, when it is done, moves the run on. A result that comes
    /// after the run was aborted is recorded as late, and nothing follows it.
    pub(super) fn finish_step(
        &mut self,
        index: usize,
        result: Result<Outcome, String>,
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
        self.live[index].performing = None;
        let event = match &result {
            Ok(outcome) if late => LogEvent::LateResult {
                ok: true,
                detail: outcome.summary.clone(),
                requests: outcome.requests.clone(),
            },
            Ok(outcome) => LogEvent::StepDone {
                summary: outcome.summary.clone(),
                measured_secs: outcome.measured.map(|d| d.as_secs()),
                aws_ids: outcome.aws_ids.clone(),
                requests: outcome.requests.clone(),
            },
            Err(error) if late => LogEvent::LateResult {
                ok: false,
                detail: error.clone(),
                requests: Vec::new(),
            },
            Err(error) => LogEvent::StepFailed {
                error: error.clone(),
            },
        };
        self.record(now, Some(index), event);
        if late || result.is_err() {
            return Vec::new();
        }
        self.advance(now)
    }
}
