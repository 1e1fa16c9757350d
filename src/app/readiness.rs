//! The readiness view's state, and the judgement read off the app's feeds.
//!
//! The drills come from the audit directory, which is I/O: the runtime reads them
//! (`audit::evidence::drills`) and puts them here; `update` never touches the disk.

use super::feed::{Feed, Freshness};
use super::fleet::FleetView;
use super::{App, Command};
use crate::fleet::readiness::{self, Drills, Fleet, Seen, Serving, WorkloadReadiness};
use crate::runbook::Library;
use crossterm::event::{KeyCode, KeyEvent};
use jiff::Timestamp;
use std::path::Path;

#[derive(Debug, Clone, Default)]
pub struct ReadinessView {
    /// The drills found in the audit log; `None` until the runtime has read them.
    pub drills: Option<Drills>,
    /// Which runbook serves which workload.
    pub serving: Vec<Serving>,
    /// The view is on screen instead of the panes.
    pub open: bool,
    pub selected: usize,
    /// The selected workload's reasons and evidence are shown.
    pub detail: bool,
    /// How far the findings are scrolled down, in lines.
    pub scroll: u16,
    /// Where the drills are read from (the runtime reads them on `Command::ReadDrills`).
    pub audit_dir: Option<std::path::PathBuf>,
    /// Which drills count: `Some(true)` only those against the simulator (the demo's fleet),
    /// `Some(false)` only those against AWS (a drill against the simulator proves nothing
    /// about an account); `None` all of them.
    pub on_simulator: Option<bool>,
    /// The drills the demo rehearsed against the simulator, from its own audit directory
    /// (`assemble::rehearsal`): evidence for the simulated fleet only, so they count only
    /// when `on_simulator` is `Some(true)`.
    pub rehearsals: Option<Drills>,
}

/// A feed as the judgement sees it: waiting or failing with nothing read is "not read".
fn seen<T>(feed: &Feed<T>, now: Timestamp) -> Seen<'_, T> {
    match &feed.last_good {
        Some(s) => Seen::Read {
            data: &s.data,
            fetched_at: s.fetched_at,
            stale: feed.freshness(now) == Freshness::Stale,
            stale_after: feed.stale_after(),
        },
        None => Seen::NotRead(match &feed.last_error {
            Some((_, e)) => e.to_string(),
            None => "no answer yet".to_string(),
        }),
    }
}

/// The drills as far as known: not read yet is "cannot tell".
fn not_read_yet() -> Drills {
    Drills::Unlisted {
        dir: "the audit directory".to_string(),
        why: "the audit log has not been read yet".to_string(),
    }
}

impl FleetView {
    /// Every workload's readiness now, worst first, with the drills and the runbooks serving
    /// each workload from `evidence` (the drills not read yet are "cannot tell").
    pub fn readiness(&self, evidence: &ReadinessView) -> Vec<WorkloadReadiness> {
        let fleet = Fleet {
            replicas: self
                .replicas
                .iter()
                .map(|(place, feed)| (place.clone(), seen(feed, self.now)))
                .collect(),
            backups: self
                .backups
                .iter()
                .map(|(place, feed)| (place.clone(), seen(feed, self.now)))
                .collect(),
            // Every account's checks: a failover pair's two checks may live in two accounts.
            health: self
                .health
                .iter()
                .map(|(account, feed)| (account.clone(), seen(feed, self.now)))
                .collect(),
        };
        let drills = match (evidence.all_drills(), evidence.on_simulator) {
            (None, _) => not_read_yet(),
            (
                Some(Drills::Found {
                    dir,
                    runs,
                    not_evidence,
                }),
                Some(simulated),
            ) => Drills::Found {
                dir,
                runs: runs
                    .into_iter()
                    .filter(|d| d.simulated == simulated)
                    .collect(),
                not_evidence,
            },
            (Some(drills), _) => drills,
        };
        readiness::judge(
            &self.workloads,
            &fleet,
            &drills,
            &evidence.serving,
            self.now,
        )
    }
}

impl ReadinessView {
    /// The audit log's drills with, when the fleet judged is the simulator's, the demo's
    /// rehearsals: a drill against the simulator is never evidence for an AWS account.
    pub fn all_drills(&self) -> Option<Drills> {
        match (&self.drills, &self.rehearsals, self.on_simulator) {
            (Some(drills), Some(rehearsals), Some(true)) => {
                Some(drills.with_rehearsals(rehearsals))
            }
            (drills, _, _) => drills.clone(),
        }
    }

    /// The evidence besides the feeds, read from disk (so the runtime, not `update`, calls
    /// it): which runbook of `library` serves which workload, and the drills in `audit_dir`.
    /// `on_simulator`: whether the fleet judged is the simulator's (only drills against it
    /// count) or an AWS account's (only drills against AWS count).
    pub fn read(library: &Library, audit_dir: &Path, on_simulator: bool) -> ReadinessView {
        ReadinessView {
            serving: library.serving(),
            audit_dir: Some(audit_dir.to_path_buf()),
            drills: Some(crate::audit::evidence::drills(audit_dir)),
            on_simulator: Some(on_simulator),
            // Read, not run: `ripcord demo` rehearses (`rehearsal::ensure`) before it starts.
            rehearsals: on_simulator.then(|| {
                crate::audit::evidence::drills(&crate::audit::evidence::rehearsals_dir(audit_dir))
            }),
            ..ReadinessView::default()
        }
    }
}

impl App {
    /// Every workload's readiness now, as the fleet view judges it with this cockpit's evidence.
    pub fn readiness(&self) -> Vec<WorkloadReadiness> {
        self.fleet.readiness(&self.readiness_view)
    }
}

impl App {
    /// At start (I/O, so the runtime calls it): which runbook serves which workload, from the
    /// library, and the drills in `audit_dir`, which `Command::ReadDrills` reads again.
    pub fn read_readiness_evidence(&mut self, audit_dir: &Path) {
        let on_simulator = self.is_demo();
        let view = ReadinessView::read(&self.runbooks.library, audit_dir, on_simulator);
        self.readiness_view.serving = view.serving;
        self.readiness_view.audit_dir = view.audit_dir;
        self.readiness_view.drills = view.drills;
        self.readiness_view.on_simulator = view.on_simulator;
        self.readiness_view.rehearsals = view.rehearsals;
    }

    /// `d`: the readiness view, with the drills read again (a drill may just have ended).
    pub(super) fn open_readiness(&mut self) -> Vec<Command> {
        self.readiness_view.open = true;
        self.readiness_view.detail = false;
        vec![Command::ReadDrills]
    }

    /// Keys while the readiness view is open; `None` for keys it leaves to the cockpit (`q`,
    /// `?`, `:`, `r`, ...).
    pub(super) fn readiness_keys(&mut self, key: KeyEvent) -> Option<Vec<Command>> {
        if !self.readiness_view.open || self.overlay.is_some() || self.prompt.is_some() {
            return None;
        }
        let count = self.readiness().len();
        let view = &mut self.readiness_view;
        match key.code {
            KeyCode::Esc if view.detail => view.detail = false,
            KeyCode::Esc | KeyCode::Char('d') => {
                view.open = false;
                view.detail = false;
            }
            KeyCode::Enter => {
                view.detail = !view.detail;
                view.scroll = 0;
            }
            // In the findings, the list keys scroll.
            KeyCode::Char('j') | KeyCode::Down if view.detail => {
                view.scroll = view.scroll.saturating_add(1);
            }
            KeyCode::Char('k') | KeyCode::Up if view.detail => {
                view.scroll = view.scroll.saturating_sub(1);
            }
            KeyCode::PageDown if view.detail => view.scroll = view.scroll.saturating_add(10),
            KeyCode::PageUp if view.detail => view.scroll = view.scroll.saturating_sub(10),
            KeyCode::Char('g') | KeyCode::Home if view.detail => view.scroll = 0,
            KeyCode::Char('j') | KeyCode::Down => {
                view.selected = (view.selected + 1).min(count.saturating_sub(1));
            }
            KeyCode::Char('k') | KeyCode::Up => view.selected = view.selected.saturating_sub(1),
            KeyCode::Char('g') | KeyCode::Home => view.selected = 0,
            KeyCode::Char('G') | KeyCode::End => view.selected = count.saturating_sub(1),
            _ => return None,
        }
        Some(Vec::new())
    }
}

#[cfg(test)]
mod tests;
