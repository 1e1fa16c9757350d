//! The rows each pane shows, derived from the feeds: evaluated, filtered and sorted. Pure
//! functions of the `FleetView` (and, for the cockpit, its filter), shared by `update` (to move
//! the selection), the UI (to draw) and `ripcord status` (to judge).

use super::feed::{Feed, Freshness};
use super::fleet::FleetView;
use super::{App, BackupView, Pane};
use crate::fleet::BackupHealth;
use crate::fleet::coverage::{self, Read, Writers};
use crate::fleet::{
    AccountLabel, BackupJob, Evaluation, HealthCheck, JobCounts, Place, RecoveryPointAge, Replica,
    Verdict, age_between, format_duration,
};
use jiff::Timestamp;
use std::collections::BTreeMap;
use std::sync::Arc;

mod alike;
mod checks;
mod kept;
mod offenders;
mod points;
mod replicas;
mod vaults;
pub(crate) use checks::CheckEntry;
pub use checks::{CheckRows, KeptCheckRow};
pub(crate) use kept::Kept;
pub use offenders::OffenderCounts;
pub(crate) use points::PointEntry;
pub use points::{PointRow, PointRows};
pub(crate) use replicas::ReplicaEntry;
pub use replicas::{ReplicaRow, ReplicaRows};

/// Where a row's data came from and how fresh it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Provenance {
    pub fetched_at: Timestamp,
    pub stale: bool,
}

#[derive(Clone)]
pub struct VaultRow {
    pub account: Option<String>,
    pub region: String,
    pub vault: String,
    pub resource_type: String,
    pub counts: [Option<JobCounts>; 3],
    /// Judged on the 24 h window.
    pub eval: Evaluation,
    pub from: Provenance,
}

pub struct FailureRow<'a> {
    pub account: Option<&'a str>,
    pub job: &'a BackupJob,
    pub from: Provenance,
}

pub struct CheckRow<'a> {
    pub account: Option<&'a str>,
    pub check: &'a HealthCheck,
    pub eval: Evaluation,
    pub from: Provenance,
}

fn provenance<T>(feed: &Feed<T>, now: Timestamp) -> Option<Provenance> {
    Some(Provenance {
        fetched_at: feed.fetched_at()?,
        stale: feed.freshness(now) == Freshness::Stale,
    })
}

/// The coverage join's inputs kept between answers (`FleetView::uncovered_points`): each
/// account's databases that take writes, which move only with `replica_layout_generation`,
/// and which of them each backups listing has points of, which move only with its answer.
/// Each backups answer asks for all of them; only its own listing is looked up again.
#[derive(Default)]
pub(crate) struct CoverageKept {
    generation: u64,
    writers: BTreeMap<Option<String>, Arc<Writers>>,
    /// By place: the answer (`FleetView::backup_stamps`) the positions were read from.
    listed: BTreeMap<Place, (u64, Arc<[usize]>)>,
}

impl CoverageKept {
    /// What is kept, as of the replicas' layout `generation`: nothing kept from another holds.
    fn at(&mut self, generation: u64) -> &mut Self {
        if self.generation != generation {
            *self = Self {
                generation,
                ..Self::default()
            };
        }
        self
    }

    fn writers_of(
        &mut self,
        account: Option<&str>,
        replicas: &BTreeMap<String, Read<'_, [Replica]>>,
    ) -> Arc<Writers> {
        Arc::clone(
            self.writers
                .entry(account.map(str::to_string))
                .or_insert_with(|| Arc::new(Writers::of(replicas))),
        )
    }

    fn listed_in(
        &mut self,
        place: Place,
        stamp: u64,
        read: impl FnOnce() -> Vec<usize>,
    ) -> Arc<[usize]> {
        match self.listed.get(&place) {
            Some((kept, listed)) if *kept == stamp => Arc::clone(listed),
            _ => {
                let listed: Arc<[usize]> = read().into();
                self.listed.insert(place, (stamp, Arc::clone(&listed)));
                listed
            }
        }
    }
}

/// An old number is never judged OK: a row whose feed is stale says "cannot tell" instead, with
/// how old its data is and what it said then. A WARN or CRIT it had stays (what is shown was
/// true then, and an operator must not lose it), with the row's STALE mark beside it.
fn judged_with_age(eval: Evaluation, from: Provenance, now: Timestamp) -> Evaluation {
    if !from.stale || eval.verdict != Verdict::Ok {
        return eval;
    }
    Evaluation::new(
        Verdict::Unknown,
        format!(
            "no fresh data: it is {} old; it said OK then ({})",
            format_duration(age_between(from.fetched_at, now)),
            eval.reason
        ),
    )
}

/// Case-insensitive match of the filter against any of a row's words.
fn matches(filter: &str, fields: &[&str]) -> bool {
    filter.is_empty() || {
        let needle = filter.to_lowercase();
        fields.iter().any(|f| f.to_lowercase().contains(&needle))
    }
}

impl FleetView {
    /// Databases of the RDS inventory the recovery-point listings cannot show: none at all,
    /// or cannot tell, with the account they are in. Each account's inventory is joined to its
    /// own backups (a database's backup plan lives in its own account). Feeds still waiting
    /// for their first answer take no part.
    fn uncovered_points(&self) -> Vec<(Option<&str>, RecoveryPointAge)> {
        let not_read = |e: &Option<(Timestamp, crate::source::SourceError)>| {
            e.as_ref().map(|(_, e)| e.to_string())
        };
        let replica_errors: BTreeMap<&Place, Option<String>> = self
            .replicas
            .iter()
            .map(|(place, feed)| (place, not_read(&feed.last_error)))
            .collect();
        let backup_errors: BTreeMap<&Place, Option<String>> = self
            .backups
            .iter()
            .map(|(place, feed)| (place, not_read(&feed.last_error)))
            .collect();
        let accounts: std::collections::BTreeSet<Option<&str>> = self
            .replicas
            .keys()
            .chain(self.backups.keys())
            .map(|p| p.account.as_deref())
            .collect();
        let mut out = Vec::new();
        for account in accounts {
            let mine = |p: &Place| p.account.as_deref() == account;
            let replicas: BTreeMap<String, Read<'_, [Replica]>> = self
                .replicas
                .iter()
                .filter(|(place, _)| mine(place))
                .filter_map(|(place, feed)| {
                    let read = match (feed.data(), &replica_errors[place]) {
                        (Some(list), _) => Read::Known(list.as_slice()),
                        (None, Some(why)) => Read::NotRead(why.as_str()),
                        (None, None) => return None,
                    };
                    Some((place.region.clone(), read))
                })
                .collect();
            let backups: BTreeMap<String, Read<'_, BackupHealth>> = self
                .backups
                .iter()
                .filter(|(place, _)| mine(place))
                .map(|(place, feed)| {
                    let read = match (feed.data(), &backup_errors[place]) {
                        (Some(health), _) => Read::Known(health),
                        (None, Some(why)) => Read::NotRead(why.as_str()),
                        (None, None) => Read::NotRead("no answer yet"),
                    };
                    (place.region.clone(), read)
                })
                .collect();
            let mut kept = self.coverage_kept.lock().unwrap_or_else(|p| p.into_inner());
            let kept = kept.at(self.replica_layout_generation);
            let writers = kept.writers_of(account, &replicas);
            let rows = coverage::uncovered_by(&writers, &replicas, &backups, |region, health| {
                let place = Place::new(account, region.to_string());
                let stamp = self.backup_stamps.get(&place).copied().unwrap_or(0);
                kept.listed_in(place, stamp, || writers.listed_in(region, health))
            });
            out.extend(rows.into_iter().map(|p| (account, p)));
        }
        out
    }

    /// When what a region's row says was last known: its backups, else its replicas; a feed
    /// that never answered dates the row by its failure, marked stale.
    fn dated(&self, region: &Place) -> Provenance {
        let feeds = [
            self.backups
                .get(region)
                .map(|f| (provenance(f, self.now), f.last_error.as_ref())),
            self.replicas
                .get(region)
                .map(|f| (provenance(f, self.now), f.last_error.as_ref())),
        ];
        feeds
            .iter()
            .flatten()
            .find_map(|(from, _)| *from)
            .or_else(|| {
                feeds.iter().flatten().find_map(|(_, e)| {
                    e.map(|(at, _)| Provenance {
                        fetched_at: *at,
                        stale: true,
                    })
                })
            })
            .unwrap_or(Provenance {
                fetched_at: self.now,
                stale: true,
            })
    }

    pub fn failure_rows(&self, filter: &str) -> Vec<FailureRow<'_>> {
        let mut rows: Vec<FailureRow<'_>> = self
            .backups
            .iter()
            .filter_map(|(place, feed)| {
                Some((
                    place.account.as_deref(),
                    feed.data()?,
                    provenance(feed, self.now)?,
                ))
            })
            .flat_map(|(account, health, from)| {
                health
                    .problem_jobs
                    .iter()
                    .map(move |job| FailureRow { account, job, from })
            })
            .filter(|row| {
                let j = row.job;
                matches(
                    filter,
                    &[
                        row.account.unwrap_or(""),
                        &j.resource_id,
                        &j.vault,
                        &j.region,
                        &j.message,
                        j.state.word(),
                    ],
                )
            })
            .collect();
        rows.sort_by_key(|r| std::cmp::Reverse(r.job.created_at));
        rows
    }

    /// The named account a resource belongs to, as the rows know it (`accounts_showing`): the
    /// first that shows it. `None` without named accounts, or when no row names it.
    pub fn account_of_resource(&self, name: &str) -> Option<&AccountLabel> {
        if self.accounts.is_empty() {
            return None;
        }
        let found = self.accounts_showing(name).next()?;
        self.account(Some(found))
    }

    /// The accounts whose rows show a resource, one per feed that does (repeats possible),
    /// replicas first, then backups, then health checks: a replica or its source, a protected
    /// resource, a health check or the record it guards, named by identifier (or by an ARN's
    /// last part). Feeds of no named account are skipped.
    pub fn accounts_showing<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        let tail = |id: &'a str| id.rsplit([':', '/']).next().unwrap_or(id);
        let dns = |n: &str| n.trim_end_matches('.').to_ascii_lowercase();
        let replicas = self.replicas.iter().filter_map(move |(place, feed)| {
            feed.data()
                .is_some_and(|list| list.iter().any(|r| r.id == name || r.source_id == name))
                .then_some(place.account.as_deref())?
        });
        let backups = self.backups.iter().filter_map(move |(place, feed)| {
            feed.data()
                .is_some_and(|h| {
                    h.recovery_points
                        .iter()
                        .any(|p| p.resource_id == name || tail(&p.resource_id) == name)
                })
                .then_some(place.account.as_deref())?
        });
        let health = self.health.iter().filter_map(move |(account, feed)| {
            feed.data()
                .is_some_and(|checks| {
                    checks
                        .iter()
                        .any(|c| c.id == name || c.guards.iter().any(|g| dns(&g.name) == dns(name)))
                })
                .then_some(account.as_deref())?
        });
        replicas.chain(backups).chain(health)
    }

    /// Everything judged, worst first, as `(verdict, what, why)`, for the header.
    pub fn offenders(&self) -> Vec<(Verdict, String, String)> {
        let mut all: Vec<(Verdict, String, String)> = Vec::new();
        // Only the replicas that are not OK are copied (the rows are kept sorted already):
        // in a big healthy fleet they are few.
        all.extend(replicas::troubled(&self.replica_rows("")));
        all.extend(
            self.point_rows("")
                .iter()
                .filter(|r| r.eval.verdict > Verdict::Ok)
                .map(|r| {
                    (
                        r.eval.verdict,
                        r.point.resource_id.clone(),
                        r.eval.reason.clone(),
                    )
                }),
        );
        all.extend(self.vault_rows("").into_iter().map(|r| {
            (
                r.eval.verdict,
                format!("{}/{}", r.vault, r.resource_type),
                r.eval.reason,
            )
        }));
        all.extend(self.check_rows("").into_iter().map(|r| {
            (
                r.eval.verdict,
                format!("{} ({})", r.check.name, r.check.id),
                r.eval.reason,
            )
        }));
        all.retain(|(v, _, _)| *v > Verdict::Ok);
        all.sort_by_key(|o| std::cmp::Reverse(o.0));
        all
    }
}

/// The cockpit's lists: the fleet's rows through the filter typed at `/`.
impl App {
    /// Replicas, worst verdict first, then by identifier.
    pub fn replica_rows(&self) -> ReplicaRows<'_> {
        self.fleet.replica_rows(&self.filter)
    }

    /// One row per (region, vault, resource type), worst 24 h success rate first.
    pub fn vault_rows(&self) -> Vec<VaultRow> {
        self.fleet.vault_rows(&self.filter)
    }

    /// Protected resources, oldest last-good recovery point first (none at all comes first).
    pub fn point_rows(&self) -> PointRows<'_> {
        self.fleet.point_rows(&self.filter)
    }

    /// Failed, expired, aborted and completed-with-issues jobs, newest first.
    pub fn failure_rows(&self) -> Vec<FailureRow<'_>> {
        self.fleet.failure_rows(&self.filter)
    }

    /// The named account a resource belongs to, as the rows place it (`FleetView`).
    pub fn account_of_resource(&self, name: &str) -> Option<&AccountLabel> {
        self.fleet.account_of_resource(name)
    }

    /// The label of the account named `name`, when named accounts are in view.
    pub fn account(&self, name: Option<&str>) -> Option<&AccountLabel> {
        self.fleet.account(name)
    }

    /// Health checks, worst first, as a handle on the kept rows (what the pane reads).
    pub fn kept_check_rows(&self) -> CheckRows<'_> {
        self.fleet.kept_check_rows(&self.filter)
    }

    /// Health checks, worst first.
    pub fn check_rows(&self) -> Vec<CheckRow<'_>> {
        self.fleet.check_rows(&self.filter)
    }

    /// Everything judged, worst first, as `(verdict, what, why)`, for the header.
    pub fn offenders(&self) -> Vec<(Verdict, String, String)> {
        self.fleet.offenders()
    }
    /// How many rows the list under the cursor has (the backups pane has three lists).
    pub fn row_count(&self, pane: Pane) -> usize {
        match pane {
            Pane::Replicas => self.replica_rows().len(),
            Pane::Backups => match self.backup_view {
                BackupView::Vaults => self.vault_rows().len(),
                BackupView::RecoveryPoints => self.point_rows().len(),
                BackupView::Failures => self.failure_rows().len(),
            },
            Pane::Health => self.kept_check_rows().len(),
        }
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::app::{Event, Fetched, Mode};
    use crate::clock::Clock;
    use crate::config::{Config, Refresh};
    use crate::source::sim::{Scenario, SimFleet, SimOptions};
    use crate::theme::Theme;

    /// A 300-replica fleet a minute into a region outage (the lag pane's tests use it too).
    pub(crate) fn outage_app() -> App {
        outage_app_of(300, false)
    }

    /// When the simulated outage of `outage_sim` starts.
    pub(crate) fn outage_start() -> Timestamp {
        Timestamp::from_second(1_800_000_000).expect("valid")
    }

    /// `fleet_size` simulated replicas in a region outage from `outage_start`, and the three
    /// regions they are in.
    pub(crate) fn outage_sim(fleet_size: usize) -> (SimFleet, Vec<String>) {
        let sim = SimFleet::new(SimOptions {
            fleet_size,
            scenario: Scenario::RegionOutage,
            clock: Clock::manual(outage_start()),
            ..SimOptions::default()
        });
        let regions = ["us-east-1", "us-west-2", "eu-west-1"]
            .map(String::from)
            .to_vec();
        (sim, regions)
    }

    /// A view of `sim`'s `regions` at `outage_start`, waiting for every answer.
    pub(crate) fn waiting_view(sim: &SimFleet, regions: &[String]) -> FleetView {
        FleetView::new(
            "sim",
            regions,
            Config::default().workloads(sim.workloads()),
            Refresh::demo(),
            outage_start(),
        )
    }

    /// `fleet_size` replicas a minute into a region outage, with each region's backups when
    /// `backups` (the backups pane's tests).
    pub(crate) fn outage_app_of(fleet_size: usize, backups: bool) -> App {
        let now = outage_start() + jiff::SignedDuration::from_mins(1);
        let (sim, regions) = outage_sim(fleet_size);
        let mut app = App::new(
            Mode::Demo {
                scenario: Scenario::RegionOutage,
            },
            "sim",
            &regions,
            Config::default().workloads(sim.workloads()),
            Refresh::demo(),
            Theme::mono(),
            now,
        );
        for region in &regions {
            let result = sim.replicas_at(region, now);
            app.update(
                Event::Fetched(Fetched::Replicas {
                    place: region.clone().into(),
                    result,
                }),
                now,
            );
            if backups {
                let result = sim.backups_at(region, now);
                app.update(
                    Event::Fetched(Fetched::Backups {
                        place: region.clone().into(),
                        result,
                    }),
                    now,
                );
            }
        }
        app
    }

    #[test]
    fn the_header_lists_troubled_replicas_in_the_panes_order() {
        let app = outage_app();
        let all = app.replica_rows();
        let pane: Vec<(Verdict, String)> = all
            .iter()
            .filter(|r| r.eval.verdict > Verdict::Ok)
            .map(|r| (r.eval.verdict, r.replica.id.clone()))
            .collect();
        let ok = app.row_count(Pane::Replicas) - pane.len();
        let pane: Vec<(Verdict, String)> = pane
            .into_iter()
            .filter(|(_, id)| !app.point_rows().iter().any(|p| p.point.resource_id == *id))
            .collect();
        assert!(
            pane.len() > 1 && ok > 1,
            "{} in trouble, {ok} OK",
            pane.len()
        );
        // A promoted replica is also a database with its own recovery-point row (same name):
        // the header's entries for the replicas alone are those named by no other row.
        let points: std::collections::BTreeSet<String> = app
            .point_rows()
            .iter()
            .map(|r| r.point.resource_id.to_string())
            .collect();
        let replicas: std::collections::BTreeSet<&str> = all
            .iter()
            .map(|r| r.replica.id.as_str())
            .filter(|id| !points.contains(*id))
            .collect();
        // The header also names backups and checks (here: databases with no recovery point).
        let header: Vec<(Verdict, String)> = app
            .offenders()
            .into_iter()
            .filter(|(_, what, _)| replicas.contains(what.as_str()))
            .map(|(v, what, _)| (v, what))
            .collect();
        assert_eq!(header, pane);
    }

    #[test]
    fn each_backups_answer_is_looked_up_again_and_the_others_kept() {
        use crate::fleet::{
            BackupHealth, NewestPoint, RecoveryPointAge, ReplicaKind, ReplicationState, Snapshot,
        };
        let at = |secs: i64| Timestamp::from_second(1_800_000_000 + secs).expect("valid");
        let regions = ["us-east-1", "us-west-2"].map(String::from).to_vec();
        let new_view = || {
            FleetView::new(
                "test",
                &regions,
                Config::default().workloads(Vec::new()),
                Refresh::demo(),
                at(0),
            )
        };
        // Replicas in us-west-2 of three writers in us-east-1, and one in us-east-1 of a
        // writer in us-west-2.
        let replica = |id: &str, region: &str, source: &str, source_region: &str| Replica {
            id: id.into(),
            region: region.into(),
            source_id: source.into(),
            source_region: source_region.into(),
            engine: "postgres".into(),
            kind: ReplicaKind::RdsReadReplica,
            state: ReplicationState::Replicating,
            lag_samples: Default::default(),
            lag_problem: None,
        };
        let west = vec![
            replica("a-dr", "us-west-2", "a", "us-east-1"),
            replica("b-dr", "us-west-2", "b", "us-east-1"),
            replica("c-dr", "us-west-2", "c", "us-east-1"),
        ];
        let east = vec![replica("w-dr", "us-east-1", "w", "us-west-2")];
        let listing = |region: &str, ids: &[&str]| BackupHealth {
            recovery_points: ids
                .iter()
                .map(|id| RecoveryPointAge {
                    region: region.into(),
                    vault: "daily".into(),
                    resource_id: format!("arn:aws:rds:{region}:1:db:{id}"),
                    resource_type: "RDS".into(),
                    newest: NewestPoint::Taken(at(-600)),
                })
                .collect(),
            protected_listed: true,
            ..BackupHealth::default()
        };
        let backups_answers = [
            (2, "us-east-1", &["a"][..]),
            (3, "us-west-2", &[][..]),
            (4, "us-east-1", &["b", "c"][..]),
            (5, "us-west-2", &["w"][..]),
            (6, "us-east-1", &["a", "b", "c"][..]),
        ];
        let answer = |n: usize| match n {
            0 => Fetched::Replicas {
                place: "us-west-2".into(),
                result: Ok(Snapshot::new(west.clone(), at(1))),
            },
            1 => Fetched::Replicas {
                place: "us-east-1".into(),
                result: Ok(Snapshot::new(east.clone(), at(1))),
            },
            _ => {
                let (secs, region, ids) = backups_answers[n - 2];
                Fetched::Backups {
                    place: region.into(),
                    result: Ok(Snapshot::new(listing(region, ids), at(secs))),
                }
            }
        };
        let answers = 2 + backups_answers.len();
        let mut view = new_view();
        let mut uncovered_seen = Vec::new();
        for n in 0..answers {
            view.apply(answer(n), at(n as i64));
            let mut afresh = new_view();
            for m in 0..=n {
                afresh.apply(answer(m), at(n as i64));
            }
            let names = |view: &FleetView| -> Vec<(String, String)> {
                view.uncovered_points()
                    .into_iter()
                    .map(|(_, p)| (p.region.to_string(), p.resource_id.to_string()))
                    .collect()
            };
            // Kept from earlier answers, as if every answer were joined afresh.
            let kept = names(&view);
            assert_eq!(kept, names(&afresh), "after answer {n}");
            uncovered_seen.push(kept);
        }
        let none_missing: Vec<(String, String)> = Vec::new();
        assert_eq!(
            uncovered_seen[5],
            [("us-east-1".to_string(), "a".to_string())],
            "b and c listed, a no longer; w listed"
        );
        assert_eq!(uncovered_seen[6], none_missing);
    }
}
