//! The one gate between the app and the world. `App::update` returns commands; before any of
//! them is carried out, every new run-log entry goes into the audit log (synced), and runbook
//! work passes only once its intent is on disk (`audit::journal`). What the audit log has to
//! say (a run it cannot write, a job it refused, a run it sealed) goes back into the app as
//! events, whose commands pass the same gate in turn. The cockpit, `runbook run`/`resume`
//! (which run the cockpit) and the tests' driver all use this, so the tests exercise the
//! runner's own gate, not a copy of it.

use crate::app::{App, Command, Event};
use crate::audit::journal::{Journal, Notice};
use crate::runbook::exec::Run;
use crate::runbook::exec::work::Work;
use jiff::Timestamp;

/// Whose commands pass the journal: the cockpit's `App`, or a run carried out with nobody at
/// the keyboard (`Solo`, the demo's rehearsal). The gate is the same for both; only what a
/// command is, and how a notice of the journal becomes more commands, differ.
pub trait Party {
    type Command;
    /// Every run of this session, earliest first: their new entries are written first.
    fn runs(&self) -> Vec<&Run>;
    /// The runbook work a command carries, if it is runbook work (the rest pass as they are).
    fn work_of(command: &Self::Command) -> Option<&Work>;
    /// The account a job acts in (named accounts only; `Ok(None)`: no account, or one).
    fn place(&self, _work: &Work) -> Result<Option<String>, String> {
        Ok(None)
    }
    /// What the journal had to say (a run it cannot write, a job it refused, a run it sealed),
    /// taken in; the commands that follow from it.
    fn hear(&mut self, notice: Notice, now: Timestamp) -> Vec<Self::Command>;
}

impl Party for App {
    type Command = Command;

    fn runs(&self) -> Vec<&Run> {
        self.runbooks.all_runs().collect()
    }

    fn work_of(command: &Command) -> Option<&Work> {
        match command {
            Command::Runbook(w) => Some(w.as_ref()),
            _ => None,
        }
    }

    /// With named accounts each job acts in the one account its resource is seen in.
    fn place(&self, work: &Work) -> Result<Option<String>, String> {
        crate::placement::place(&self.fleet, work)
    }

    fn hear(&mut self, notice: Notice, now: Timestamp) -> Vec<Command> {
        self.update(event_of(notice), now)
    }
}

/// One run and nothing else: its commands are its work, a refused job's report goes back to
/// it, and a failure to write stops it (kept in `failed`, for whoever carries it out).
pub struct Solo<'a> {
    pub run: &'a mut Run,
    pub failed: Option<String>,
}

impl Party for Solo<'_> {
    type Command = Work;

    fn runs(&self) -> Vec<&Run> {
        vec![&*self.run]
    }

    fn work_of(work: &Work) -> Option<&Work> {
        Some(work)
    }

    fn hear(&mut self, notice: Notice, now: Timestamp) -> Vec<Work> {
        match notice {
            Notice::Refused(report) => self.run.on_report(report, now),
            Notice::Failed { message, .. } => {
                self.failed.get_or_insert(message);
                Vec::new()
            }
            Notice::Sealed { .. } => Vec::new(),
        }
    }
}

/// Puts `commands` through the journal until the party asks for nothing more from it, and
/// returns the commands that may be carried out, in the order the party gave them.
pub fn through_journal<P: Party>(
    party: &mut P,
    journal: &mut Journal,
    commands: Vec<P::Command>,
    now: impl Fn() -> Timestamp,
) -> Vec<P::Command> {
    let mut pending = commands;
    let mut admitted = Vec::new();
    loop {
        let (passed, notices) = gate(party, journal, std::mem::take(&mut pending));
        admitted.extend(passed);
        if notices.is_empty() {
            return admitted;
        }
        for notice in notices {
            pending.extend(party.hear(notice, now()));
        }
    }
}

/// One pass: the runs' new entries written, runbook work admitted or refused; the other
/// commands pass as they are, in their places.
fn gate<P: Party>(
    party: &P,
    journal: &mut Journal,
    commands: Vec<P::Command>,
) -> (Vec<P::Command>, Vec<Notice>) {
    let work = commands
        .iter()
        .filter_map(|c| P::work_of(c).cloned())
        .collect();
    let gated = journal.gate_placed(party.runs(), work, |w| party.place(w));
    let admitted: Vec<(&str, u64)> = gated
        .work
        .iter()
        .map(|w| (w.run.as_str(), w.request))
        .collect();
    let passed = commands
        .into_iter()
        .filter(|c| P::work_of(c).is_none_or(|w| admitted.contains(&(w.run.as_str(), w.request))))
        .collect();
    (passed, gated.notices)
}

fn event_of(notice: Notice) -> Event {
    match notice {
        Notice::Failed { run, message } => Event::AuditFailed { run, message },
        Notice::Sealed { run, head } => Event::AuditSealed { run, head },
        Notice::Refused(report) => Event::Runbook(report),
    }
}

/// The runner is stopping: the last entries written, every ended run sealed. Returns each run
/// sealed in this session with its final head and file, for the incident ticket.
pub fn close(
    app: &mut App,
    journal: &mut Journal,
    now: impl Fn() -> Timestamp,
) -> Vec<(String, String, std::path::PathBuf)> {
    through_journal(app, journal, Vec::new(), now);
    journal.close(app.runbooks.all_runs())
}
