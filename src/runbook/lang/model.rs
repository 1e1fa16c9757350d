//! A runbook as ripcord understands it, after parsing and checking: its header, its
//! parameters, and its steps, each step with what it does and where in the file it came from.

use crate::runbook::lang::vocab::{ActionKind, ProbeKind};
pub use crate::runbook::words::{Args, ParamKind, Pos, Template};
use serde::Serialize;
use std::fmt;
use std::time::Duration;

/// One problem with a runbook, printed as `file:line:column: message`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub file: String,
    pub pos: Pos,
    pub message: String,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}:{}: {}",
            self.file, self.pos.line, self.pos.column, self.message
        )
    }
}

#[derive(Debug, Clone)]
pub struct Runbook {
    /// The file name without `.md`: what `:run NAME` and `ripcord runbook run NAME` take.
    pub name: String,
    /// The file as named in messages.
    pub file: String,
    /// SHA-256 of the file's text (hex): the audit log records it, and a run is resumed only
    /// with the very runbook it started with.
    pub sha256: String,
    pub title: String,
    pub summary: String,
    /// How long the whole procedure may take; the run view counts against it.
    pub rto: Duration,
    /// How much data loss is acceptable; `max: rpo` in a lag gate refers to it.
    pub rpo: Option<Duration>,
    /// The workload this runbook recovers (front matter `workload:`): its drills are that
    /// workload's readiness evidence.
    pub workload: Option<String>,
    pub params: Vec<ParamDecl>,
    /// Prose before the first step.
    pub intro: Vec<String>,
    pub steps: Vec<Step>,
}

impl Runbook {
    pub fn param(&self, name: &str) -> Option<&ParamDecl> {
        self.params.iter().find(|p| p.name == name)
    }
}

#[derive(Debug, Clone)]
pub struct ParamDecl {
    pub name: String,
    pub description: String,
    pub kind: ParamKind,
    /// An extra regular expression the whole value must match.
    pub pattern: Option<Pattern>,
    pub required: bool,
    pub default: Option<String>,
    /// Shown as `••••••` on screen and in the run log; still reaches actions and shells.
    pub secret: bool,
    pub pos: Pos,
}

impl ParamDecl {
    /// The environment variable a shell step reads this parameter from.
    pub fn env_var(&self) -> String {
        env_var_for(&self.name)
    }
}

/// `replica` -> `RIPCORD_PARAM_REPLICA`.
pub fn env_var_for(name: &str) -> String {
    format!("RIPCORD_PARAM_{}", name.to_ascii_uppercase())
}

#[derive(Debug, Clone)]
pub struct Pattern {
    pub source: String,
    pub regex: regex_lite::Regex,
}

#[derive(Debug, Clone)]
pub struct Step {
    /// The heading's anchor as GitHub makes it (`## Promote the replica` -> `promote-the-replica`),
    /// so `next: promote-the-replica` and a Markdown link `#promote-the-replica` agree.
    pub id: String,
    pub title: String,
    pub pos: Pos,
    pub prose: Vec<String>,
    /// `- [ ] item` lines: a manual step is done when the operator has ticked each.
    pub checklist: Vec<String>,
    pub body: StepBody,
    /// Where to go after this step is done; the following step when `None`.
    pub next: Option<Target>,
}

/// Where a jump goes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Target {
    Step(usize),
    End,
}

#[derive(Debug, Clone)]
pub enum StepBody {
    /// Done by a person; ripcord records when each checklist item was ticked.
    Manual,
    Action(ActionStep),
    Gate(GateStep),
    Wait(WaitStep),
    Shell(ShellStep),
}

impl StepBody {
    pub fn word(&self) -> &'static str {
        match self {
            StepBody::Manual => "manual",
            StepBody::Action(_) => "action",
            StepBody::Gate(_) => "gate",
            StepBody::Wait(_) => "wait",
            StepBody::Shell(_) => "shell",
        }
    }
}

#[derive(Debug, Clone)]
pub struct ActionStep {
    pub kind: ActionKind,
    pub args: Args,
    /// Needs the operator to type the resource's name before it runs.
    pub destructive: bool,
    /// How long to wait for the end state before calling the step failed.
    pub timeout: Duration,
    pub pos: Pos,
}

#[derive(Debug, Clone)]
pub struct ProbeSpec {
    pub kind: ProbeKind,
    pub args: Args,
}

#[derive(Debug, Clone)]
pub struct GateStep {
    pub probe: ProbeSpec,
    /// Where to go when the condition does not hold. Without it, a failing gate blocks the run
    /// until it holds or the operator skips it with a reason.
    pub otherwise: Option<Target>,
    pub pos: Pos,
}

#[derive(Debug, Clone)]
pub struct WaitStep {
    pub probe: ProbeSpec,
    pub timeout: Duration,
    pub pos: Pos,
}

#[derive(Debug, Clone)]
pub struct ShellStep {
    /// Exactly the block's text: parameters never go into it, only into the environment.
    pub script: String,
    /// The parameter whose value the operator must type to confirm, for destructive scripts.
    pub destructive: Option<String>,
    pub timeout: Duration,
    pub pos: Pos,
}
