//! Why the executor refuses a decision: one variant per reason, so that the cockpit can show
//! it and a test can name it. Each one reads as the operator sees it, with the key that helps.

use crate::fleet::format_duration;
use std::time::Duration;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("the run is over: open another with r or :run")]
    RunOver,
    #[error("the run is already over")]
    AlreadyOver,
    #[error("still reading the live values: wait a moment")]
    StillReading,
    #[error("the live values are {} old: r reads them again", format_duration(*.age))]
    OldReadings { age: Duration },
    #[error("cannot tell whether {label}: {detail} (r reads again{})", lift_hint(*.liftable))]
    CannotTell {
        label: String,
        detail: String,
        liftable: bool,
    },
    #[error("step {step} is running: wait for it, or abort the run with a")]
    Running { step: usize },
    #[error("step {step} failed: r retries it, s skips it with a reason, a aborts the run")]
    Failed { step: usize },
    #[error(
        "pre-check failed: {label}: r checks again, s skips the step with a reason{}",
        lift_hint(*.liftable)
    )]
    PrecheckFailed { label: String, liftable: bool },
    #[error(
        "nothing to lift: o lifts a limit only when a step's pre-check of it stands in the way"
    )]
    NothingToLift,
    /// A gate with an `otherwise:` way whose readings cannot decide yet.
    #[error("{why}; o takes the gate's otherwise way, with a reason")]
    GateUndecided { why: Box<Refusal> },
    #[error("the gate does not hold: r checks again, s skips it with a reason (an override)")]
    GateDoesNotHold,
    /// A skip, an otherwise or an abort without its reason; `what` is what needs one.
    #[error("say why {what}: the reason goes in the run log")]
    NoReason { what: &'static str },
    #[error("step {step} is running and cannot be skipped: wait for it, or abort the run with a")]
    RunningCannotBeSkipped { step: usize },
    #[error(
        "only a gate with an `otherwise:` way can be sent down it: s skips a step with a reason"
    )]
    NoOtherwise,
    #[error("step {step} is running")]
    StillRunning { step: usize },
    #[error(
        "ripcord cannot read what a script did: Enter and `{step_id}` typed run it again, s skips it with a reason"
    )]
    ScriptCannotBeRead { step_id: String },
    #[error("this step has no live values to read again")]
    NothingToRead,
    #[error("reading the live end state before anything is decided: wait a moment")]
    ReadingEndState,
    #[error("the end state was read {} ago: r reads it again", format_duration(*.age))]
    OldEndState { age: Duration },
    /// What was typed (as shown: secrets hidden) is not what the step asks for.
    #[error("`{typed}` is not `{needed}`: nothing was done; type the name exactly")]
    WrongName { typed: String, needed: String },
    #[error(
        "ripcord cannot tell whether this step happened before the session was lost: type `{needed}` to send it again anyway, or s skips it with a reason if it did"
    )]
    CannotTellTypeName { needed: String },
    #[error("this step is destructive: type `{needed}` to confirm")]
    NeedsName { needed: String },
}

/// The key that gets past a limit the operator may lift, for the refusals it applies to.
fn lift_hint(liftable: bool) -> &'static str {
    if liftable {
        "; o lifts the limit, with a reason (writes within the lag are lost)"
    } else {
        ""
    }
}
