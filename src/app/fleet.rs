//! What the fleet looks like: every feed's last good data and last error, and the verdicts
//! derived from them (`view.rs`). No theme, no keys, no runbooks: the cockpit holds one inside
//! its `App`, and `ripcord status` judges with one alone, so the glance and the cockpit judge
//! alike.

use super::Pane;
use super::feed::{Feed, Freshness};
use super::view::{CheckEntry, CoverageKept, Kept, PointEntry, ReplicaEntry, VaultRow};
use crate::config::Refresh;
use crate::fleet::{AccountLabel, BackupHealth, HealthCheck, Place, Replica, Verdict, Workloads};
use crate::source::{AccountFleet, FetchResult, FleetSource, SourceError, with_deadline};
use jiff::Timestamp;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// One polled feed of a source: one kind of data from one place (an account's region, or a
/// region of the one unnamed account), or an account's (global) health checks.
/// `FeedId::all` and `FeedId::of_account` are the one list of feeds: the pollers run it,
/// `ripcord status` reads it once, and the tests feed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FeedId {
    Replicas(Place),
    Backups(Place),
    /// Route 53 is global: one feed per account (`None`: the unnamed one).
    Health(Option<String>),
}

impl FeedId {
    /// Every feed of a source that watches `regions` of the one unnamed account.
    pub fn all(regions: &[String]) -> Vec<FeedId> {
        Self::of_account(None, regions)
    }

    /// Every feed of the account named `account` (`None`: the unnamed one) in `regions`.
    pub fn of_account(account: Option<&str>, regions: &[String]) -> Vec<FeedId> {
        let mut feeds: Vec<FeedId> = regions
            .iter()
            .flat_map(|r| {
                let place = Place::new(account, r.clone());
                [FeedId::Replicas(place.clone()), FeedId::Backups(place)]
            })
            .collect();
        feeds.push(FeedId::Health(account.map(str::to_string)));
        feeds
    }

    /// Every feed of every account of `fleets`, each with the source it is fetched from.
    pub fn of_fleets(fleets: &[AccountFleet]) -> Vec<(FeedId, Arc<dyn FleetSource>)> {
        fleets
            .iter()
            .flat_map(|f| {
                Self::of_account(f.name(), &f.fleet.regions())
                    .into_iter()
                    .map(|feed| (feed, f.fleet.clone()))
            })
            .collect()
    }

    /// How the log and a timeout name it: `replicas/us-east-1`, `backups/backup/us-west-2`,
    /// `health`, `workload/health`.
    pub fn name(&self) -> String {
        match self {
            FeedId::Replicas(place) => format!("replicas/{place}"),
            FeedId::Backups(place) => format!("backups/{place}"),
            FeedId::Health(account) => Place::new(account.as_deref(), "health").to_string(),
        }
    }

    /// How often it is fetched.
    pub fn interval(&self, refresh: &Refresh) -> Duration {
        match self {
            FeedId::Replicas(_) => refresh.replicas,
            FeedId::Backups(_) => refresh.backups,
            FeedId::Health(_) => refresh.health,
        }
    }

    /// One fetch of the feed from `source` (its account's), a missed `deadline` being a
    /// timeout.
    pub async fn fetch(&self, source: &dyn FleetSource, deadline: Duration) -> Fetched {
        let what = self.name();
        match self {
            FeedId::Replicas(place) => Fetched::Replicas {
                place: place.clone(),
                result: with_deadline(deadline, &what, source.replicas(&place.region)).await,
            },
            FeedId::Backups(place) => Fetched::Backups {
                place: place.clone(),
                result: with_deadline(deadline, &what, source.backups(&place.region)).await,
            },
            FeedId::Health(account) => Fetched::Health {
                account: account.clone(),
                result: with_deadline(deadline, &what, source.health_checks()).await,
            },
        }
    }
}

/// One polled feed's answer, as the pollers, `status` and the tests hand it over.
#[derive(Debug)]
pub enum Fetched {
    Replicas {
        place: Place,
        result: FetchResult<Vec<Replica>>,
    },
    Backups {
        place: Place,
        result: FetchResult<BackupHealth>,
    },
    Health {
        account: Option<String>,
        result: FetchResult<Vec<HealthCheck>>,
    },
}

impl Fetched {
    /// Why the fetch failed, when it did.
    pub fn error(&self) -> Option<&SourceError> {
        match self {
            Fetched::Replicas { result, .. } => result.as_ref().err(),
            Fetched::Backups { result, .. } => result.as_ref().err(),
            Fetched::Health { result, .. } => result.as_ref().err(),
        }
    }
}

/// Whether `answer` leaves what the feed shows as `before` but for lag
/// (`Replica::same_but_lag`): a first answer is more; a failure beside data kept is not (the
/// data shown and its date stay), one with nothing to show is (why it was not read).
fn only_lag_moved(before: Option<&Vec<Replica>>, answer: &FetchResult<Vec<Replica>>) -> bool {
    match (before, answer) {
        (Some(before), Ok(snapshot)) => {
            before.len() == snapshot.data.len()
                && before
                    .iter()
                    .zip(&snapshot.data)
                    .all(|(a, b)| a.same_but_lag(b))
        }
        (Some(_), Err(_)) => true,
        (None, _) => false,
    }
}

pub struct FleetView {
    pub source_name: String,
    pub workloads: Workloads,
    pub refresh: Refresh,
    /// The time the verdicts are judged at (ages, staleness).
    pub now: Timestamp,
    /// The accounts in view, as the config names them; empty when it names none (one
    /// account, the default chain's, whose feeds have no account in their place).
    pub accounts: Vec<AccountLabel>,
    pub replicas: BTreeMap<Place, Feed<Vec<Replica>>>,
    pub backups: BTreeMap<Place, Feed<BackupHealth>>,
    /// One feed per account: Route 53 is global.
    pub health: BTreeMap<Option<String>, Feed<Vec<HealthCheck>>>,
    /// Counts the answers of the replicas feeds (change them only through `apply`): the
    /// replica rows kept in `replica_cache` are derived again when it moves.
    pub(super) replica_generation: u64,
    pub(super) replica_cache: Kept<ReplicaEntry>,
    /// Each replicas feed's last answer, by the `replica_generation` it moved to: unique
    /// over all the feeds, so that a kept row says which answer it is of.
    pub(super) replica_stamps: BTreeMap<Place, u64>,
    /// Each replicas feed's last answer that changed more than lag (`only_lag_moved`), by
    /// the `replica_generation` it moved to: a row kept from an answer at or after it stands
    /// for the same replica, at the same place in the list, as the feed's list now.
    pub(super) replica_layouts: BTreeMap<Place, u64>,
    /// Counts the answers of the replicas feeds that changed more than lag: which replicas
    /// there are, of what, in what state, whether read; or that date rows (no backups listing
    /// of their place). The recovery-point rows read the replicas only so far (which databases
    /// no listing shows, `view::uncovered_points`), so they are derived again only when it
    /// moves: lag moves at every answer.
    pub(super) replica_layout_generation: u64,
    /// Count the answers of the backups and health feeds, as `replica_generation` does.
    pub(super) backup_generation: u64,
    pub(super) health_generation: u64,
    /// Each backups feed's last answer, as `replica_stamps` numbers the replicas feeds'.
    pub(super) backup_stamps: BTreeMap<Place, u64>,
    /// The coverage join's inputs kept between backups answers (`view::CoverageKept`).
    pub(super) coverage_kept: Mutex<CoverageKept>,
    /// The rows of the backups and health panes, kept between frames (`view::kept`).
    pub(super) point_cache: Kept<PointEntry>,
    pub(super) vault_cache: Kept<VaultRow>,
    pub(super) check_cache: Kept<CheckEntry>,
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
            accounts: Vec::new(),
            replicas: regions
                .iter()
                .map(|r| (Place::from(r), Feed::new(refresh.replicas)))
                .collect(),
            backups: regions
                .iter()
                .map(|r| (Place::from(r), Feed::new(refresh.backups)))
                .collect(),
            health: BTreeMap::from([(None, Feed::new(refresh.health))]),
            replica_generation: 0,
            replica_cache: Kept::default(),
            replica_stamps: BTreeMap::new(),
            replica_layouts: BTreeMap::new(),
            replica_layout_generation: 0,
            backup_generation: 0,
            health_generation: 0,
            backup_stamps: BTreeMap::new(),
            coverage_kept: Mutex::default(),
            point_cache: Kept::default(),
            vault_cache: Kept::default(),
            check_cache: Kept::default(),
        }
    }

    /// Watches named accounts instead of the one account: a feed per account and region
    /// (`regions` of each), and one health feed per account, all waiting.
    pub fn watch_accounts(&mut self, accounts: &[(AccountLabel, Vec<String>)]) {
        let places = || {
            accounts.iter().flat_map(|(account, regions)| {
                regions
                    .iter()
                    .map(|r| Place::new(Some(&account.name), r.clone()))
            })
        };
        self.replicas = places()
            .map(|p| (p, Feed::new(self.refresh.replicas)))
            .collect();
        self.backups = places()
            .map(|p| (p, Feed::new(self.refresh.backups)))
            .collect();
        self.health = accounts
            .iter()
            .map(|(a, _)| (Some(a.name.clone()), Feed::new(self.refresh.health)))
            .collect();
        self.accounts = accounts.iter().map(|(a, _)| a.clone()).collect();
        // Other feeds: nothing kept from the old ones holds.
        self.replica_generation += 1;
        self.replica_layout_generation += 1;
        self.backup_generation += 1;
        self.health_generation += 1;
    }

    /// Watches the named accounts among `fleets` (their regions as they give them); with
    /// none named, the feeds `new` made for the one account stay.
    pub fn watch_fleets(&mut self, fleets: &[AccountFleet]) {
        let named: Vec<_> = fleets
            .iter()
            .filter_map(|f| Some((f.account.clone()?, f.fleet.regions())))
            .collect();
        if !named.is_empty() {
            self.watch_accounts(&named);
        }
    }

    /// The label of the account named `name`, when named accounts are in view.
    pub fn account(&self, name: Option<&str>) -> Option<&AccountLabel> {
        let name = name?;
        self.accounts.iter().find(|a| a.name == name)
    }

    /// Takes in one feed's answer at `now`: good data replaces the last good, a failure sits
    /// beside it.
    pub fn apply(&mut self, fetched: Fetched, now: Timestamp) {
        self.now = now;
        match fetched {
            Fetched::Replicas { place, result } => {
                self.replica_generation += 1;
                // Where no backups listing dates the place's rows, its replicas feed does.
                let dates_rows = self.backups.get(&place).is_none_or(|f| f.data().is_none());
                let interval = self.refresh.replicas;
                let feed = self
                    .replicas
                    .entry(place.clone())
                    .or_insert_with(|| Feed::new(interval));
                let relaid = !only_lag_moved(feed.data(), &result);
                if dates_rows || relaid {
                    self.replica_layout_generation += 1;
                }
                feed.apply(result, now);
                if relaid {
                    self.replica_layouts
                        .insert(place.clone(), self.replica_generation);
                }
                self.replica_stamps.insert(place, self.replica_generation);
            }
            Fetched::Backups { place, result } => {
                self.backup_generation += 1;
                let interval = self.refresh.backups;
                self.backups
                    .entry(place.clone())
                    .or_insert_with(|| Feed::new(interval))
                    .apply(result, now);
                self.backup_stamps.insert(place, self.backup_generation);
            }
            Fetched::Health { account, result } => {
                self.health_generation += 1;
                let interval = self.refresh.health;
                self.health
                    .entry(account)
                    .or_insert_with(|| Feed::new(interval))
                    .apply(result, now);
            }
        }
    }

    /// The worst verdict anywhere, counting data we cannot trust as at least WARN.
    pub fn overall(&self) -> Verdict {
        self.overall_with_worst(self.offender_counts().worst.map(|(v, _, _)| v))
    }

    /// `overall`, from the `offenders` already gathered (the header shows both).
    pub fn overall_of(&self, offenders: &[(Verdict, String, String)]) -> Verdict {
        self.overall_with_worst(offenders.first().map(|(v, _, _)| *v))
    }

    /// `overall`, from the worst offender's verdict (`None`: no offender).
    pub fn overall_with_worst(&self, worst: Option<Verdict>) -> Verdict {
        let worst = worst.unwrap_or(Verdict::Ok);
        if self.stale_feeds().is_empty() {
            worst
        } else {
            worst.max(Verdict::Warn)
        }
    }

    /// Feeds that are stale or failing, as `(what, where)`, for the header and status bar:
    /// `us-east-1`, or `workload/us-east-1` when accounts are named (`workload/global` for
    /// an account's Route 53).
    pub fn stale_feeds(&self) -> Vec<(Pane, String)> {
        let mut out = Vec::new();
        for (place, feed) in &self.replicas {
            if feed.freshness(self.now) == Freshness::Stale {
                out.push((Pane::Replicas, place.to_string()));
            }
        }
        for (place, feed) in &self.backups {
            if feed.freshness(self.now) == Freshness::Stale {
                out.push((Pane::Backups, place.to_string()));
            }
        }
        for (account, feed) in &self.health {
            if feed.freshness(self.now) == Freshness::Stale {
                out.push((
                    Pane::Health,
                    Place::new(account.as_deref(), "global").to_string(),
                ));
            }
        }
        out
    }

    /// Whether any data has arrived at all, so the UI can say "waiting" rather than "all OK".
    pub fn has_any_data(&self) -> bool {
        self.replicas.values().any(|f| f.last_good.is_some())
            || self.backups.values().any(|f| f.last_good.is_some())
            || self.health.values().any(|f| f.last_good.is_some())
    }
}
