//! The one gate between the app and the world. `App::update` returns commands; before any of
//! them is carried out, every new run-log entry goes into the audit log (synced), and runbook
//! work passes only once its intent is on disk (`audit::journal`). What the audit log has to
//! say (a run it cannot write, a job it refused, a run it sealed) goes back into the app as
//! events, whose commands pass the same gate in turn. The cockpit, `runbook run`/`resume`
//! (which run the cockpit) and the tests' driver all use this, so the tests exercise the
//! runner's own gate, not a copy of it.

use crate::app::{App, Command, Event};
use crate::audit::journal::{Journal, Notice};
use jiff::Timestamp;

/// Puts `commands` through the journal until the app asks for nothing more from it, and
/// returns the commands that may be carried out, in the order the app gave them.
pub fn through_journal(
    app: &mut App,
    journal: &mut Journal,
    commands: Vec<Command>,
    now: impl Fn() -> Timestamp,
) -> Vec<Command> {
    let mut pending = commands;
    let mut admitted = Vec::new();
    loop {
        let (passed, events) = gate(app, journal, std::mem::take(&mut pending));
        admitted.extend(passed);
        if events.is_empty() {
            return admitted;
        }
        for event in events {
            pending.extend(app.update(event, now()));
        }
    }
}

/// One pass: the runs' new entries written, runbook work admitted or refused; the other
/// commands pass as they are, in their places.
fn gate(app: &App, journal: &mut Journal, commands: Vec<Command>) -> (Vec<Command>, Vec<Event>) {
    let work = commands
        .iter()
        .filter_map(|c| match c {
            Command::Runbook(w) => Some(w.as_ref().clone()),
            _ => None,
        })
        .collect();
    // With named accounts each job acts in the one account its resource is seen in.
    let gated = journal.gate_placed(app.runbooks.all_runs(), work, |w| {
        crate::placement::place(&app.fleet, w)
    });
    let admitted: Vec<(&str, u64)> = gated
        .work
        .iter()
        .map(|w| (w.run.as_str(), w.request))
        .collect();
    let passed = commands
        .into_iter()
        .filter(|c| match c {
            Command::Runbook(w) => admitted.contains(&(w.run.as_str(), w.request)),
            _ => true,
        })
        .collect();
    let events = gated.notices.into_iter().map(event_of).collect();
    (passed, events)
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
