//! A step in doubt: sent before a session was lost, its result never recorded. What ripcord
//! can read of its end state decides what Enter does, and what must be typed first:
//!
//! - the end state holds: Enter accepts the step as done and sends nothing;
//! - it does not hold: Enter sends the step again (typed name for a destructive step);
//! - it cannot be told (a read that failed or cannot answer, or a script, which has no end
//!   state to read): sending again always needs a typed confirmation, and the screen says
//!   plainly that ripcord cannot tell whether it happened. Unknown is not false.

use super::{Readings, Refusal, Resolved, Run, StepState};
use crate::fleet::age_between;
use crate::runbook::exec::log::InDoubtDecision;
use crate::runbook::lang::params::shown;
use jiff::Timestamp;

/// The live end state of a step in doubt, as read after the lost session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EndState {
    Holds,
    DoesNotHold,
    /// A check could not be read, or the step has nothing to read (a script).
    CannotTell,
}

impl Run {
    /// The end state read for a step in doubt: present and fresh, or why not yet. Unlike a
    /// pre-check, "cannot tell" is an answer here: the operator may still send the step again.
    /// `None` for a step with nothing to read (a script).
    pub(super) fn in_doubt_readings(
        &self,
        index: usize,
        now: Timestamp,
    ) -> Result<Option<&Readings>, Refusal> {
        if self.subject(index).is_none() {
            return Ok(None);
        }
        let Some(readings) = &self.live[index].readings else {
            return Err(Refusal::ReadingEndState);
        };
        let age = age_between(readings.at, now);
        if age > super::MAX_READING_AGE {
            return Err(Refusal::OldEndState { age });
        }
        Ok(Some(readings))
    }

    /// For the current step, when it is in doubt: what its live end state says.
    pub fn in_doubt_end_state(&self) -> Option<EndState> {
        let index = self.state.current?;
        if self.state.steps[index].state != StepState::InDoubt {
            return None;
        }
        if self.subject(index).is_none() {
            return Some(EndState::CannotTell);
        }
        let readings = self.live[index].readings.as_ref()?;
        Some(
            if readings.checks.is_empty() || readings.checks.iter().any(|c| c.holds.is_none()) {
                EndState::CannotTell
            } else if readings.all_hold() {
                EndState::Holds
            } else {
                EndState::DoesNotHold
            },
        )
    }

    /// For a step in doubt: what confirming it would do, judged on the live end state.
    pub fn in_doubt_decision(&self) -> Option<InDoubtDecision> {
        let index = self.state.current?;
        if self.state.steps[index].state != StepState::InDoubt {
            return None;
        }
        Some(match self.in_doubt_end_state() {
            Some(EndState::Holds) => InDoubtDecision::AcceptEndState,
            _ => InDoubtDecision::RunAgain,
        })
    }

    /// What the operator must type to confirm the current step: the resource's name for a
    /// destructive step; for a step in doubt whose end state cannot be told, the resource's
    /// name (an action) or the step's id (a script without a destructive value).
    pub fn typed_name_needed(&self) -> Option<String> {
        let index = self.state.current?;
        let end_state = self.in_doubt_end_state();
        if end_state == Some(EndState::Holds) {
            // Accepting what already happened sends nothing.
            return None;
        }
        let cannot_tell = end_state == Some(EndState::CannotTell);
        match &self.resolved[index] {
            Resolved::Action {
                op, destructive, ..
            } if *destructive || cannot_tell => Some(op.resource_name().to_string()),
            Resolved::Shell {
                confirm: Some(value),
                ..
            } => Some(value.clone()),
            Resolved::Shell { .. } if cannot_tell => Some(self.book.steps[index].id.clone()),
            _ => None,
        }
    }

    /// Whether the step is destructive by itself: an action marked so (or always so), or a
    /// script that names a value to type.
    pub fn is_destructive(&self, index: usize) -> bool {
        match &self.resolved[index] {
            Resolved::Action { destructive, .. } => *destructive,
            Resolved::Shell { confirm, .. } => confirm.is_some(),
            _ => false,
        }
    }

    /// Refuses a confirmation without the value `typed_name_needed` asks for, saying why it is
    /// needed.
    pub(super) fn check_typed(&self, typed: Option<&str>) -> Result<(), Refusal> {
        let Some(needed) = self.typed_name_needed() else {
            return Ok(());
        };
        match typed {
            Some(t) if t == needed => Ok(()),
            Some(t) => Err(Refusal::WrongName {
                typed: shown(t),
                needed,
            }),
            None if self.in_doubt_end_state() == Some(EndState::CannotTell) => {
                Err(Refusal::CannotTellTypeName { needed })
            }
            None => Err(Refusal::NeedsName { needed }),
        }
    }
}
