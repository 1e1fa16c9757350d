//! The demo's drill history. A fresh `ripcord demo` would have no drill on record, so no
//! workload could show READY. Instead of inventing a record, the demo rehearses: before the
//! cockpit starts, when its own history holds no recent drill, it runs the shipped
//! `backup-restore-drill` headless, through the real executor (`runbook::exec`), the real
//! runner (`runbook::runner`) and the real audit journal, against a simulator of its own
//! whose clock is set `DAYS_BACK` days back. The run file lands in the demo's own audit
//! directory (`history_dir`, never the user's audit log); `ripcord audit verify` checks it
//! like any other, and readiness reads it as evidence for the simulated fleet only
//! (`ReadinessView::rehearsals`): a drill against the simulator proves nothing about AWS.
//!
//! It is cheap: the simulator's clock is a manual one, which the runner moves on instead of
//! sleeping, so the whole drill is a few dozen in-memory calls and one synced append per
//! record. It runs again only when the newest rehearsal is older than `FRESH_FOR_DAYS` (the
//! runbook says monthly) or did not finish.

mod headless;

use crate::audit::journal::Journal;
use crate::clock::Clock;
use crate::fleet::age_between;
use crate::fleet::readiness::{DrillOutcome, Drills};
use crate::runbook::Library;
use crate::runbook::act::port::{Actions, CallerIdentity};
use crate::runbook::exec::{Run, RunIds};
use crate::runbook::lang::params;
use crate::source::sim::{Scenario, SimFleet, SimOptions};
use jiff::{SignedDuration, Timestamp};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// The runbook rehearsed: it restores the newest recovery point of orders in the DR vault
/// into a test instance, measures the restore and deletes the instance, leaving the estate as
/// it found it (a failover drill would leave the writer in the DR region).
pub const RUNBOOK: &str = "backup-restore-drill";
/// How many days back, on the simulator's clock, a new rehearsal runs.
pub const DAYS_BACK: i64 = 3;
/// A rehearsal older than this is run again.
pub const FRESH_FOR_DAYS: u64 = 30;
/// Who the run log says carried it out.
pub const OPERATOR: &str = "ripcord demo (headless rehearsal)";

/// The demo's own audit directory (`audit::evidence::rehearsals_dir`): `demo/audit` beside
/// the audit directory. Never the audit directory itself.
pub fn history_dir(audit_dir: &Path) -> PathBuf {
    crate::audit::evidence::rehearsals_dir(audit_dir)
}

/// What `ensure` found or did.
#[derive(Debug, Clone, PartialEq)]
pub enum Rehearsal {
    /// A finished rehearsal younger than `FRESH_FOR_DAYS` is on record: nothing was run.
    OnRecord { run: String, ended: Timestamp },
    /// A rehearsal was run now, dated `DAYS_BACK` days ago, and sealed.
    Ran {
        run: String,
        head: String,
        file: PathBuf,
    },
    /// Not run, and why (a test hook holds the runner: it is for the operator's runs).
    Skipped(String),
}

/// The newest rehearsal in `dir`, if it finished and is younger than `FRESH_FOR_DAYS` at
/// `now`: its run id and end.
pub fn on_record(dir: &Path, now: Timestamp) -> Option<(String, Timestamp)> {
    let Drills::Found { runs, .. } = crate::audit::evidence::drills(dir) else {
        return None;
    };
    let newest = runs
        .into_iter()
        .filter(|d| d.runbook == RUNBOOK && d.simulated && d.outcome != DrillOutcome::Unfinished)
        .max_by_key(|d| d.ended.unwrap_or(d.started))?;
    let ended = newest.ended?;
    let fresh = age_between(ended, now) <= Duration::from_secs(FRESH_FOR_DAYS * 86_400);
    let finished = matches!(newest.outcome, DrillOutcome::Finished { .. });
    (fresh && finished).then_some((newest.run_id, ended))
}

/// Makes sure the demo's history (`history_dir(audit_dir)`) holds a recent rehearsal, running
/// one when it does not. `seed`: the demo's, so the rehearsal's simulator is the same estate.
/// An error says what failed; a rehearsal that failed partway is aborted and sealed (an
/// aborted drill is on record as such, and readiness says so).
pub async fn ensure(audit_dir: &Path, seed: u64, now: Timestamp) -> Result<Rehearsal, String> {
    let dir = history_dir(audit_dir);
    if let Some((run, ended)) = on_record(&dir, now) {
        return Ok(Rehearsal::OnRecord { run, ended });
    }
    if let Some(point) = crate::testhook::requested() {
        return Ok(Rehearsal::Skipped(format!(
            "the test hook is armed at {}: it is for the operator's runs",
            point.name()
        )));
    }
    let library = Library::shipped();
    let book = match library.find(RUNBOOK).map(|e| &e.loaded) {
        Some(Ok(book)) => book.clone(),
        Some(Err(problems)) => {
            return Err(format!(
                "the shipped {RUNBOOK} does not load: {}",
                problems
                    .first()
                    .map(ToString::to_string)
                    .unwrap_or_default()
            ));
        }
        None => return Err(format!("no shipped runbook {RUNBOOK}")),
    };
    let values = params::resolve(&book, &[]).map_err(|problems| {
        format!(
            "{RUNBOOK}'s defaults: {}",
            problems
                .first()
                .map(ToString::to_string)
                .unwrap_or_default()
        )
    })?;
    let then = now
        .checked_sub(SignedDuration::from_hours(24 * DAYS_BACK))
        .map_err(|e| format!("{DAYS_BACK} days before {now}: {e}"))?;
    let clock = Clock::manual(then);
    let sim = Arc::new(SimFleet::new(SimOptions {
        seed,
        scenario: Scenario::Normal,
        clock: clock.clone(),
        ..SimOptions::default()
    }));
    let actions: Arc<dyn Actions> = sim;
    let mut journal = Journal::new(
        dir.clone(),
        crate::audit::identity::current(CallerIdentity::Simulated),
    );
    let id = RunIds::random().next(&book, then);
    let (mut run, work) = Run::start(id, book, values, OPERATOR, then).map_err(|problems| {
        format!(
            "{RUNBOOK} does not start: {}",
            problems
                .first()
                .map(ToString::to_string)
                .unwrap_or_default()
        )
    })?;
    let driven = headless::drive(&mut run, work, &mut journal, actions, &clock).await;
    if let Err(why) = &driven
        && !run.is_over()
    {
        // On record as what it was: a drill that did not get through.
        let _ = run.abort(
            &format!("the headless rehearsal stopped: {why}"),
            clock.now(),
        );
        let mut solo = crate::effects::Solo {
            run: &mut run,
            failed: None,
        };
        crate::effects::through_journal(&mut solo, &mut journal, Vec::new(), || clock.now());
    }
    let sealed = journal.close([&run]);
    driven?;
    let (run, head, file) = sealed
        .into_iter()
        .find(|(id, _, _)| *id == run.id)
        .ok_or_else(|| {
            format!(
                "run {} finished but was not sealed in {}",
                run.id,
                dir.display()
            )
        })?;
    Ok(Rehearsal::Ran { run, head, file })
}

#[cfg(test)]
mod tests;
