//! What Enter does now, decided here, once: the run view only puts it into words, and the
//! decision it shows is the one `confirm` will take.

use super::{EndState, Refusal, Resolved, Run, StepState};
use crate::runbook::exec::log::InDoubtDecision;

/// What pressing Enter on the current step will do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NextMove {
    /// A step in doubt whose end state holds: accepted as done, nothing sent.
    AcceptEndState,
    /// A step in doubt sent again; `typed` is what must be typed first, and `cannot_tell`
    /// says that ripcord cannot read whether it happened.
    SendAgain {
        typed: Option<String>,
        cannot_tell: bool,
    },
    /// A manual step with checklist items left: ticks the next one.
    TickItem,
    /// A manual step: marks it done.
    MarkDone,
    /// A gate: accepts it; `otherwise` says it has an `otherwise:` way (`o`).
    AcceptGate { otherwise: bool },
    /// A wait: starts waiting.
    StartWaiting,
    /// An action or a script: runs it, after `typed` is typed when there is one.
    Run { typed: Option<String> },
}

impl Run {
    /// What Enter does on the current step, if it can be pressed now (`ready`), or why not.
    pub fn next_move(&self, now: jiff::Timestamp) -> Result<NextMove, Refusal> {
        self.ready(now)?;
        let i = self.state.current.ok_or(Refusal::RunOver)?;
        let typed = self.typed_name_needed();
        if let Some(decision) = self.in_doubt_decision() {
            return Ok(match decision {
                InDoubtDecision::AcceptEndState => NextMove::AcceptEndState,
                InDoubtDecision::RunAgain => NextMove::SendAgain {
                    typed,
                    cannot_tell: self.in_doubt_end_state() == Some(EndState::CannotTell),
                },
            });
        }
        Ok(match &self.resolved[i] {
            Resolved::Manual if self.book.steps[i].checklist.len() > self.state.steps[i].ticked => {
                NextMove::TickItem
            }
            Resolved::Manual => NextMove::MarkDone,
            Resolved::Gate { otherwise, .. } => NextMove::AcceptGate {
                otherwise: otherwise.is_some(),
            },
            Resolved::Wait { .. } => NextMove::StartWaiting,
            _ => NextMove::Run { typed },
        })
    }

    /// Whether the current step's header says DESTRUCTIVE: a step in doubt may ask for a typed
    /// name without being destructive (its end state cannot be told), so only what is.
    pub fn shows_destructive(&self, index: usize) -> bool {
        self.typed_name_needed().is_some() && self.is_destructive(index)
    }

    /// For a step in doubt whose end state cannot be read: what must be typed to send it again.
    pub fn cannot_tell_needs(&self) -> Option<String> {
        let index = self.state.current?;
        (self.state.steps[index].state == StepState::InDoubt
            && self.in_doubt_end_state() == Some(EndState::CannotTell))
        .then(|| self.typed_name_needed().unwrap_or_default())
    }
}
