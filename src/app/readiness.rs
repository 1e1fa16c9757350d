//! The readiness view's state, and the judgement read off the app's feeds.
//!
//! The drills come from the audit directory, which is I/O: the runtime reads them
//! (`audit::evidence::drills`) and puts them here; `update` never touches the disk.

use super::App;
use super::feed::{Feed, Freshness};
use crate::fleet::readiness::{self, Drills, Fleet, Seen, Serving, WorkloadReadiness};
use jiff::Timestamp;

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
}

/// A feed as the judgement sees it: waiting or failing with nothing read is "not read".
fn seen<T>(feed: &Feed<T>, now: Timestamp) -> Seen<'_, T> {
    match &feed.last_good {
        Some(s) => Seen::Read {
            data: &s.data,
            fetched_at: s.fetched_at,
            stale: feed.freshness(now) == Freshness::Stale,
        },
        None => Seen::NotRead(match &feed.last_error {
            Some(_) => "it failed; see the status bar",
            None => "no answer yet",
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

impl App {
    /// Every workload's readiness now, worst first.
    pub fn readiness(&self) -> Vec<WorkloadReadiness> {
        let fleet = Fleet {
            replicas: self
                .replicas
                .iter()
                .map(|(region, feed)| (region.clone(), seen(feed, self.now)))
                .collect(),
            backups: self
                .backups
                .iter()
                .map(|(region, feed)| (region.clone(), seen(feed, self.now)))
                .collect(),
            health: Some(seen(&self.health, self.now)),
        };
        let fallback = not_read_yet();
        let drills = self.readiness_view.drills.as_ref().unwrap_or(&fallback);
        readiness::judge(
            &self.workloads,
            &fleet,
            drills,
            &self.readiness_view.serving,
            self.now,
        )
    }
}

#[cfg(test)]
mod tests;
