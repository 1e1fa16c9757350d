//! What the fleet looks like: every feed's last good data and last error, and the verdicts
//! derived from them (`view.rs`). No theme, no keys, no runbooks: the cockpit holds one inside
//! its `App`, and `ripcord status` judges with one alone, so the glance and the cockpit judge
//! alike.

use super::Pane;
use super::feed::{Feed, Freshness};
use crate::config::Refresh;
use crate::fleet::{BackupHealth, HealthCheck, Replica, Verdict, Workloads};
use crate::source::{FetchResult, FleetSource, SourceError, with_deadline};
use jiff::Timestamp;
use std::collections::BTreeMap;
use std::time::Duration;

/// One polled feed of a source: one kind of data from one region, or the global health
/// checks. `FeedId::all` is the one list of feeds: the pollers run it, `ripcord status` reads it
/// once, and the tests feed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FeedId {
    Replicas(String),
    Backups(String),
    Health,
}

impl FeedId {
    /// Every feed of a source that watches `regions`.
    pub fn all(regions: &[String]) -> Vec<FeedId> {
        let mut feeds: Vec<FeedId> = regions
            .iter()
            .flat_map(|r| [FeedId::Replicas(r.clone()), FeedId::Backups(r.clone())])
            .collect();
        feeds.push(FeedId::Health);
        feeds
    }

    /// How the log and a timeout name it: `replicas/us-east-1`, `health`.
    pub fn name(&self) -> String {
        match self {
            FeedId::Replicas(region) => format!("replicas/{region}"),
            FeedId::Backups(region) => format!("backups/{region}"),
            FeedId::Health => "health".to_string(),
        }
    }

    /// How often it is fetched.
    pub fn interval(&self, refresh: &Refresh) -> Duration {
        match self {
            FeedId::Replicas(_) => refresh.replicas,
            FeedId::Backups(_) => refresh.backups,
            FeedId::Health => refresh.health,
        }
    }

    /// One fetch of the feed from `source`, a missed `deadline` being a timeout.
    pub async fn fetch(&self, source: &dyn FleetSource, deadline: Duration) -> Fetched {
        let what = self.name();
        match self {
            FeedId::Replicas(region) => Fetched::Replicas {
                region: region.clone(),
                result: with_deadline(deadline, &what, source.replicas(region)).await,
            },
            FeedId::Backups(region) => Fetched::Backups {
                region: region.clone(),
                result: with_deadline(deadline, &what, source.backups(region)).await,
            },
            FeedId::Health => {
                Fetched::Health(with_deadline(deadline, &what, source.health_checks()).await)
            }
        }
    }
}

/// One polled feed's answer, as the pollers, `status` and the tests hand it over.
#[derive(Debug)]
pub enum Fetched {
    Replicas {
        region: String,
        result: FetchResult<Vec<Replica>>,
    },
    Backups {
        region: String,
        result: FetchResult<BackupHealth>,
    },
    Health(FetchResult<Vec<HealthCheck>>),
}

impl Fetched {
    /// Why the fetch failed, when it did.
    pub fn error(&self) -> Option<&SourceError> {
        match self {
            Fetched::Replicas { result, .. } => result.as_ref().err(),
            Fetched::Backups { result, .. } => result.as_ref().err(),
            Fetched::Health(result) => result.as_ref().err(),
        }
    }
}

pub struct FleetView {
    pub source_name: String,
    pub workloads: Workloads,
    pub refresh: Refresh,
    /// The time the verdicts are judged at (ages, staleness).
    pub now: Timestamp,
    pub replicas: BTreeMap<String, Feed<Vec<Replica>>>,
    pub backups: BTreeMap<String, Feed<BackupHealth>>,
    pub health: Feed<Vec<HealthCheck>>,
}

impl FleetView {
    /// A view waiting for the first answer of every feed of `regions`.
    pub fn new(
        source_name: &str,
        regions: &[String],
        workloads: Workloads,
        refresh: Refresh,
        now: Timestamp,
    ) -> Self {
        Self {
            source_name: source_name.to_string(),
            workloads,
            refresh,
            now,
            replicas: regions
                .iter()
                .map(|r| (r.clone(), Feed::new(refresh.replicas)))
                .collect(),
            backups: regions
                .iter()
                .map(|r| (r.clone(), Feed::new(refresh.backups)))
                .collect(),
            health: Feed::new(refresh.health),
        }
    }

    /// Takes in one feed's answer at `now`: good data replaces the last good, a failure sits
    /// beside it.
    pub fn apply(&mut self, fetched: Fetched, now: Timestamp) {
        self.now = now;
        match fetched {
            Fetched::Replicas { region, result } => {
                let interval = self.refresh.replicas;
                self.replicas
                    .entry(region)
                    .or_insert_with(|| Feed::new(interval))
                    .apply(result, now);
            }
            Fetched::Backups { region, result } => {
                let interval = self.refresh.backups;
                self.backups
                    .entry(region)
                    .or_insert_with(|| Feed::new(interval))
                    .apply(result, now);
            }
            Fetched::Health(result) => self.health.apply(result, now),
        }
    }

    /// The worst verdict anywhere, counting data we cannot trust as at least WARN.
    pub fn overall(&self) -> Verdict {
        let worst = self.offenders().first().map_or(Verdict::Ok, |(v, _, _)| *v);
        if self.stale_feeds().is_empty() {
            worst
        } else {
            worst.max(Verdict::Warn)
        }
    }

    /// Feeds that are stale or failing, as `(what, region)`, for the header and status bar.
    pub fn stale_feeds(&self) -> Vec<(Pane, String)> {
        let mut out = Vec::new();
        for (region, feed) in &self.replicas {
            if feed.freshness(self.now) == Freshness::Stale {
                out.push((Pane::Replicas, region.clone()));
            }
        }
        for (region, feed) in &self.backups {
            if feed.freshness(self.now) == Freshness::Stale {
                out.push((Pane::Backups, region.clone()));
            }
        }
        if self.health.freshness(self.now) == Freshness::Stale {
            out.push((Pane::Health, "global".to_string()));
        }
        out
    }

    /// Whether any data has arrived at all, so the UI can say "waiting" rather than "all OK".
    pub fn has_any_data(&self) -> bool {
        self.replicas.values().any(|f| f.last_good.is_some())
            || self.backups.values().any(|f| f.last_good.is_some())
            || self.health.last_good.is_some()
    }
}
