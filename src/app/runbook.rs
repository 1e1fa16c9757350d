//! The cockpit's side of runbooks: the picker, the run view's keys, the typed confirmations,
//! and the glue between `App::update` and the pure executor (`runbook::exec`).

use super::{App, Command, Prompt};
use crate::audit::resume::ResumeData;
use crate::audit::runs::RunSummary;
use crate::runbook::exec::work::{Report, Work};
use crate::runbook::exec::{Refusal, Resolved, Run, RunIds, StepState};
use crate::runbook::lang::library::Library;
use crate::runbook::lang::model::Runbook;
use crate::runbook::lang::params::{self, ParamValues, split_assignment};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use jiff::Timestamp;
use std::sync::Arc;

/// Runbook keys for the help overlay.
pub const HELP: &[(&str, &str)] = &[
    (
        "r / :run NAME k=v",
        "pick a runbook, or resume an unfinished run",
    ),
    (
        "Enter s o r a",
        "run: confirm / skip / otherwise / retry / abort",
    ),
    ("L / Esc", "in a run: the run log / hide the run view"),
];

/// Everything about runbooks the cockpit holds.
#[derive(Default)]
pub struct Runbooks {
    pub library: Library,
    /// The run on screen (or hidden), finished or not.
    pub run: Option<Run>,
    /// Earlier runs of this session, oldest first, kept for their logs.
    pub history: Vec<Run>,
    pub visible: bool,
    /// The run log instead of the step detail.
    pub show_log: bool,
    /// The picker, open with its selected row.
    pub picker: Option<usize>,
    /// A line being typed for the run: a name to confirm, a reason to skip or abort.
    pub input: Option<RunInput>,
    /// Whether this cockpit can carry out actions: the simulator's or AWS's `Actions` are
    /// behind it (never in read-only mode).
    pub actions_available: bool,
    /// Who is at the keyboard, for the run log.
    pub operator: String,
    /// A run asked for on the command line (`ripcord runbook run` or `resume`), started at
    /// the first tick so that its first reads go out through the event loop like any other.
    pub launch: Option<Launch>,
    /// Unfinished runs found in the audit log, offered at the top of the picker.
    pub unfinished: Vec<RunSummary>,
    /// Where the audit log is written, for the status bar during a run.
    pub audit_dir: Option<String>,
    /// A run whose audit log cannot be written, and why: its actions are refused.
    pub audit_failure: Option<(String, String)>,
    /// The random parts of new run ids.
    pub ids: RunIds,
}

/// A run to start or go on with, from the command line.
pub enum Launch {
    Start(Arc<Runbook>, ParamValues),
    Resume(Box<ResumeData>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Purpose {
    /// The resource name the operator must type.
    Confirm(String),
    Skip,
    /// A reason to send the run down the current gate's `otherwise:` way.
    Otherwise,
    /// A reason to lift the limit of the current action's pre-check (the promotion's lag).
    LiftLimit,
    Abort,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunInput {
    pub purpose: Purpose,
    pub text: String,
}

impl Runbooks {
    /// A run that has not finished.
    pub fn active(&self) -> Option<&Run> {
        self.run.as_ref().filter(|r| !r.is_over())
    }

    /// Every run of this session, the earlier ones first.
    pub fn all_runs(&self) -> impl Iterator<Item = &Run> {
        self.history.iter().chain(self.run.as_ref())
    }

    /// Rows of the picker: unfinished runs first, then the runbooks.
    pub fn picker_len(&self) -> usize {
        self.unfinished.len() + self.library.entries.len()
    }
}

fn to_commands(work: Vec<Work>) -> Vec<Command> {
    work.into_iter()
        .map(|w| Command::Runbook(Box::new(w)))
        .collect()
}

impl App {
    /// Starts a run of a library runbook, unless anything is wrong: then nothing starts and
    /// the status bar says what to fix.
    pub fn start_run(&mut self, name: &str, given: &[(String, String)]) -> Vec<Command> {
        if self.read_only {
            self.flash_error("read-only mode: runbooks cannot run (restart without --read-only)");
            return Vec::new();
        }
        if !self.runbooks.actions_available {
            self.flash_error(
                "this cockpit cannot carry out runbook actions: drill them with ripcord demo",
            );
            return Vec::new();
        }
        if let Some(run) = self.runbooks.active() {
            let id = run.id.clone();
            self.flash_error(format!(
                "run {id} is still going: finish it, or abort it with a, before starting another"
            ));
            return Vec::new();
        }
        let Some(entry) = self.runbooks.library.find(name) else {
            self.flash_error(format!(
                "no runbook `{name}`: known are {}",
                self.runbooks.library.names().join(", ")
            ));
            return Vec::new();
        };
        let book = match &entry.loaded {
            Ok(book) => book.clone(),
            Err(problems) => {
                let first = problems
                    .first()
                    .map(ToString::to_string)
                    .unwrap_or_default();
                self.flash_error(format!(
                    "{first} ({} problem{}: ripcord runbook check {})",
                    problems.len(),
                    if problems.len() == 1 { "" } else { "s" },
                    entry.file
                ));
                return Vec::new();
            }
        };
        let values = match params::resolve(&book, given) {
            Ok(values) => values,
            Err(problems) => {
                self.flash_error(
                    problems
                        .first()
                        .map(ToString::to_string)
                        .unwrap_or_default(),
                );
                return Vec::new();
            }
        };
        self.start_loaded(book, values)
    }

    /// Starts a run of a checked runbook with resolved parameters.
    pub fn start_loaded(&mut self, book: Arc<Runbook>, values: ParamValues) -> Vec<Command> {
        if self.read_only || !self.runbooks.actions_available || self.runbooks.active().is_some() {
            self.flash_error("cannot start a run now (read-only, no actions, or a run is going)");
            return Vec::new();
        }
        let id = self.runbooks.ids.next(&book, self.now);
        match Run::start(id, book, values, &self.runbooks.operator, self.now) {
            Ok((run, work)) => {
                if let Some(old) = self.runbooks.run.take() {
                    self.runbooks.history.push(old);
                }
                self.flash_info(format!("run {} started", run.id));
                self.runbooks.run = Some(run);
                self.runbooks.visible = true;
                self.runbooks.show_log = false;
                self.runbooks.picker = None;
                to_commands(work)
            }
            Err(problems) => {
                self.flash_error(
                    problems
                        .first()
                        .map(ToString::to_string)
                        .unwrap_or_default(),
                );
                Vec::new()
            }
        }
    }

    /// `:run NAME k=v ...`; without a name, the picker.
    pub(super) fn run_command_line(&mut self, args: &str) -> Vec<Command> {
        let mut words = args.split_whitespace();
        let Some(name) = words.next() else {
            return self.open_picker();
        };
        let mut given = Vec::new();
        for word in words {
            match split_assignment(word) {
                Ok(pair) => given.push(pair),
                Err(e) => {
                    self.flash_error(format!("run {name}: {e}"));
                    return Vec::new();
                }
            }
        }
        self.start_run(name, &given)
    }

    pub(super) fn open_picker(&mut self) -> Vec<Command> {
        if self.read_only {
            self.flash_error("read-only mode: runbooks cannot run (restart without --read-only)");
        } else if self.runbooks.picker_len() == 0 {
            self.flash_error("no runbooks: add .md files to a runbook_dirs directory");
        } else {
            self.runbooks.picker = Some(0);
        }
        Vec::new()
    }

    /// `r` outside a run view: show the hidden run, or pick one.
    pub(super) fn runbook_key_r(&mut self) -> Vec<Command> {
        if self.runbooks.run.is_some() && !self.runbooks.visible {
            self.runbooks.visible = true;
            return Vec::new();
        }
        self.open_picker()
    }

    /// Keys that belong to runbooks; `None` lets the key go to the rest of the cockpit.
    pub(super) fn runbook_keys(&mut self, key: KeyEvent) -> Option<Vec<Command>> {
        if self.runbooks.input.is_some() {
            return Some(self.on_run_input_key(key));
        }
        if self.prompt.is_some() || self.overlay.is_some() {
            return None;
        }
        if let Some(selected) = self.runbooks.picker {
            return Some(self.on_picker_key(key, selected));
        }
        if self.runbooks.visible && self.runbooks.run.is_some() {
            return self.on_run_key(key);
        }
        None
    }

    fn on_picker_key(&mut self, key: KeyEvent, selected: usize) -> Vec<Command> {
        let count = self.runbooks.picker_len();
        match key.code {
            KeyCode::Esc | KeyCode::Char('q') => self.runbooks.picker = None,
            KeyCode::Char('j') | KeyCode::Down => {
                self.runbooks.picker = Some((selected + 1).min(count.saturating_sub(1)));
            }
            KeyCode::Char('k') | KeyCode::Up => {
                self.runbooks.picker = Some(selected.saturating_sub(1));
            }
            KeyCode::Enter if selected < self.runbooks.unfinished.len() => {
                let id = self.runbooks.unfinished[selected].id.clone();
                return self.start_resume(&id);
            }
            KeyCode::Enter => {
                let index = selected - self.runbooks.unfinished.len();
                let Some(entry) = self.runbooks.library.entries.get(index) else {
                    return Vec::new();
                };
                let name = entry.name.clone();
                let missing: Vec<String> = entry
                    .loaded
                    .as_ref()
                    .map(|b| {
                        b.params
                            .iter()
                            .filter(|p| p.required && p.default.is_none())
                            .map(|p| p.name.clone())
                            .collect()
                    })
                    .unwrap_or_default();
                if missing.is_empty() {
                    return self.start_run(&name, &[]);
                }
                // Parameters without defaults are typed on the command line.
                self.runbooks.picker = None;
                self.prompt = Some(Prompt::Command(format!("run {name} ")));
                self.flash_info(format!(
                    "{name} needs {}: type them as NAME=VALUE",
                    missing.join(", ")
                ));
            }
            _ => {}
        }
        Vec::new()
    }

    fn on_run_key(&mut self, key: KeyEvent) -> Option<Vec<Command>> {
        let now = self.now;
        let over = self.runbooks.run.as_ref().is_none_or(Run::is_over);
        let commands = match key.code {
            KeyCode::Enter | KeyCode::Char('y') if over => {
                self.runbooks.visible = false;
                Vec::new()
            }
            KeyCode::Enter | KeyCode::Char('y') => self.confirm_current(now),
            KeyCode::Char('s') if !over => {
                let running = self.runbooks.run.as_ref().is_some_and(|r| {
                    r.current()
                        .is_some_and(|i| r.state.steps[i].state == StepState::Running)
                });
                if running {
                    self.flash_error(
                        "the step is running and cannot be skipped: wait, or abort with a",
                    );
                } else {
                    self.runbooks.input = Some(RunInput {
                        purpose: Purpose::Skip,
                        text: String::new(),
                    });
                }
                Vec::new()
            }
            KeyCode::Char('o') if !over => {
                // At a gate, its otherwise way; at an action, the limit of its pre-check.
                let at_action = self.runbooks.run.as_ref().is_some_and(|r| {
                    r.current()
                        .is_some_and(|i| matches!(r.resolved[i], Resolved::Action { .. }))
                });
                self.runbooks.input = Some(RunInput {
                    purpose: if at_action {
                        Purpose::LiftLimit
                    } else {
                        Purpose::Otherwise
                    },
                    text: String::new(),
                });
                Vec::new()
            }
            KeyCode::Char('r') if over => {
                self.runbooks.visible = false;
                self.open_picker()
            }
            KeyCode::Char('r') => self.with_run(|run| run.retry(now)),
            KeyCode::Char('a') if !over => {
                self.runbooks.input = Some(RunInput {
                    purpose: Purpose::Abort,
                    text: String::new(),
                });
                Vec::new()
            }
            KeyCode::Char('L') => {
                self.runbooks.show_log = !self.runbooks.show_log;
                Vec::new()
            }
            KeyCode::Esc => {
                self.runbooks.visible = false;
                if !over {
                    self.flash_info("the run goes on: r shows it again");
                }
                Vec::new()
            }
            _ => return None,
        };
        Some(commands)
    }

    /// Enter on the current step: a destructive one first asks for the typed name.
    fn confirm_current(&mut self, now: Timestamp) -> Vec<Command> {
        let Some(run) = self.runbooks.run.as_ref() else {
            return Vec::new();
        };
        if let Err(why) = run.ready(now) {
            self.flash_error(why.to_string());
            return Vec::new();
        }
        if let Some(name) = run.typed_name_needed() {
            self.runbooks.input = Some(RunInput {
                purpose: Purpose::Confirm(name),
                text: String::new(),
            });
            return Vec::new();
        }
        self.with_run(|run| run.confirm(None, now))
    }

    /// Applies an executor decision; a refusal is flashed, and nothing else happens.
    fn with_run(
        &mut self,
        decide: impl FnOnce(&mut Run) -> Result<Vec<Work>, Refusal>,
    ) -> Vec<Command> {
        let Some(run) = self.runbooks.run.as_mut() else {
            return Vec::new();
        };
        match decide(run) {
            Ok(work) => to_commands(work),
            Err(why) => {
                self.flash_error(why.to_string());
                Vec::new()
            }
        }
    }

    fn on_run_input_key(&mut self, key: KeyEvent) -> Vec<Command> {
        let Some(input) = self.runbooks.input.as_mut() else {
            return Vec::new();
        };
        match key.code {
            KeyCode::Esc => {
                self.runbooks.input = None;
                self.flash_info("cancelled: nothing was done");
                Vec::new()
            }
            KeyCode::Backspace => {
                input.text.pop();
                Vec::new()
            }
            KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => {
                input.text.push(c);
                Vec::new()
            }
            KeyCode::Enter => {
                let Some(RunInput { purpose, text }) = self.runbooks.input.take() else {
                    return Vec::new();
                };
                let now = self.now;
                match purpose {
                    Purpose::Confirm(_) => self.with_run(|run| run.confirm(Some(&text), now)),
                    Purpose::Skip => self.with_run(|run| run.skip(&text, now)),
                    Purpose::Otherwise => self.with_run(|run| run.take_otherwise(&text, now)),
                    Purpose::LiftLimit => self.with_run(|run| run.lift_limit(&text, now)),
                    Purpose::Abort => {
                        let result = self.runbooks.run.as_mut().map(|run| run.abort(&text, now));
                        match result {
                            Some(Err(why)) => self.flash_error(why.to_string()),
                            Some(Ok(())) => self.flash_info("run aborted"),
                            None => {}
                        }
                        Vec::new()
                    }
                }
            }
            _ => Vec::new(),
        }
    }

    pub(super) fn on_runbook_report(&mut self, report: Report, now: Timestamp) -> Vec<Command> {
        let run = match self.runbooks.run.as_mut() {
            Some(run) if run.id == report.run => run,
            _ => match self
                .runbooks
                .history
                .iter_mut()
                .find(|r| r.id == report.run)
            {
                // A late answer for an earlier run still belongs in its log.
                Some(run) => run,
                None => return Vec::new(),
            },
        };
        to_commands(run.on_report(report, now))
    }

    pub(super) fn runbook_tick(&mut self, now: Timestamp) -> Vec<Command> {
        match self.runbooks.launch.take() {
            Some(Launch::Start(book, values)) => return self.start_loaded(book, values),
            Some(Launch::Resume(data)) => return self.on_resumed(Ok(data), now),
            None => {}
        }
        match self.runbooks.run.as_mut() {
            Some(run) => to_commands(run.tick(now)),
            None => Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests;

impl App {
    /// Offers the unfinished runs found at start: the picker opens with them on top.
    pub fn offer_unfinished(&mut self) {
        let count = self.runbooks.unfinished.len();
        if count == 0 || self.runbooks.launch.is_some() {
            return;
        }
        if self.read_only {
            self.flash_info(format!(
                "{count} unfinished run{} in the audit log: ripcord audit show lists {}",
                if count == 1 { "" } else { "s" },
                if count == 1 { "it" } else { "them" }
            ));
            return;
        }
        self.runbooks.picker = Some(0);
        self.flash_info(format!(
            "{count} unfinished run{}: Enter resumes the selected one, Esc closes",
            if count == 1 { "" } else { "s" }
        ));
    }

    /// Asks for an unfinished run to be read back from the audit log.
    pub fn start_resume(&mut self, id: &str) -> Vec<Command> {
        if self.read_only {
            self.flash_error(
                "read-only mode: runs cannot be resumed (restart without --read-only)",
            );
            return Vec::new();
        }
        if !self.runbooks.actions_available {
            self.flash_error(
                "this cockpit cannot carry out runbook actions: resume drills with ripcord demo",
            );
            return Vec::new();
        }
        if let Some(run) = self.runbooks.active() {
            let active = run.id.clone();
            self.flash_error(format!(
                "run {active} is still going: finish it, or abort it with a, before resuming another"
            ));
            return Vec::new();
        }
        if let Some(summary) = self.runbooks.unfinished.iter().find(|r| r.id == id)
            && let Some(holder) = &summary.locked_by
        {
            self.flash_error(format!(
                "run {id} is being carried out by another ripcord ({holder}): watch it with ripcord audit show {id} --follow"
            ));
            return Vec::new();
        }
        self.runbooks.picker = None;
        self.flash_info(format!("reading run {id} back from the audit log…"));
        vec![Command::ResumeRun(id.to_string())]
    }

    /// A run read back from the audit log: rebuilt, with a step in doubt held for the operator.
    pub(super) fn on_resumed(
        &mut self,
        result: Result<Box<ResumeData>, crate::audit::resume::ResumeRefusal>,
        now: Timestamp,
    ) -> Vec<Command> {
        let data = match result {
            Ok(data) => data,
            Err(why) => {
                self.flash_error(why.to_string());
                return Vec::new();
            }
        };
        let ResumeData {
            book,
            params,
            entries,
            torn_tail,
            ..
        } = *data;
        match Run::resume(
            book,
            params,
            entries,
            &self.runbooks.operator,
            torn_tail,
            now,
        ) {
            Ok((run, work)) => {
                self.runbooks.unfinished.retain(|r| r.id != run.id);
                let in_doubt = run
                    .current()
                    .is_some_and(|i| run.state.steps[i].state == StepState::InDoubt);
                self.flash_info(if in_doubt {
                    format!(
                        "run {} resumed: the current step is IN DOUBT; read its end state before deciding",
                        run.id
                    )
                } else {
                    format!("run {} resumed where it was", run.id)
                });
                if let Some(old) = self.runbooks.run.take() {
                    self.runbooks.history.push(old);
                }
                self.runbooks.run = Some(run);
                self.runbooks.visible = true;
                self.runbooks.show_log = false;
                self.runbooks.picker = None;
                to_commands(work)
            }
            Err(why) => {
                self.flash_error(format!("cannot resume: {why}"));
                Vec::new()
            }
        }
    }

    pub(super) fn on_audit_failed(&mut self, run: String, message: String) -> Vec<Command> {
        self.flash_error(format!(
            "AUDIT LOG FAILED: {message}: no action of this run will be sent"
        ));
        self.runbooks.audit_failure = Some((run, message));
        Vec::new()
    }

    /// The head first: on a narrow terminal the rest is cut, not the hash.
    pub(super) fn on_audit_sealed(&mut self, run: &str, head: &str) -> Vec<Command> {
        self.flash_info(format!(
            "audit head {head}: run {run} sealed (note the head in the incident ticket)"
        ));
        Vec::new()
    }

    pub(super) fn on_session_lost(&mut self, why: &str, now: Timestamp) {
        if let Some(run) = self.runbooks.run.as_mut() {
            run.session_lost(why, now);
        }
    }
}
