//! The built-in simulated fleet: what `ripcord demo` shows and drills run against.
//!
//! A real feature with its own behaviour, not a stand-in for AWS in tests: it models a
//! multi-region estate whose lag wanders, whose health checks flap, whose backups mostly
//! succeed, and whose regions can go down (`--scenario region-outage`).

pub mod accounts;
pub mod drill;
pub mod estate;
mod history;
pub mod readiness;
pub mod signals;

use crate::clock::Clock;
use crate::fleet::{
    BackupHealth, BackupJob, BackupWindowStats, CheckStatus, CheckerObservation, HealthCheck,
    HistoryOf, JobCounts, LagHistory, LagSample, LagSamples, Listing, NewestPoint,
    RecoveryPointAge, Replica, ReplicationState, ResourceJobStats, Snapshot, Window, Workload,
};
use crate::source::{FetchResult, FleetSource, SourceError, SourceErrorKind};
use async_trait::async_trait;
use estate::{Estate, OutageRole};
use jiff::{SignedDuration, Timestamp};
use signals::Outage;
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Scenario {
    /// Everything healthy, with the everyday noise: lag spikes, a flapping check, a failing volume.
    Normal,
    /// A region goes down as the demo starts: replication from it stalls, its health checks
    /// fail checker by checker, its backups fail, and its APIs stop answering.
    RegionOutage,
}

#[derive(Debug, Clone)]
pub struct SimOptions {
    pub seed: u64,
    pub fleet_size: usize,
    pub scenario: Scenario,
    pub outage_region: String,
    pub clock: Clock,
}

impl Default for SimOptions {
    fn default() -> Self {
        Self {
            seed: 42,
            fleet_size: 6,
            scenario: Scenario::Normal,
            outage_region: estate::REGIONS[0].to_string(),
            clock: Clock::System,
        }
    }
}

pub struct SimFleet {
    seed: u64,
    clock: Clock,
    estate: Estate,
    outage_region: String,
    outage: Mutex<Option<Outage>>,
    /// What runbook actions changed (promotions, DNS, roles, restores).
    drill: drill::Drill,
}

/// Sparkline resolution: one sample a minute for the last hour, as CloudWatch gives.
const HISTORY_MINUTES: i64 = 60;

impl SimFleet {
    pub fn new(opts: SimOptions) -> Self {
        let fleet = Self {
            seed: opts.seed,
            clock: opts.clock,
            estate: estate::build(opts.fleet_size),
            outage_region: opts.outage_region,
            outage: Mutex::new(None),
            drill: drill::Drill::default(),
        };
        fleet.set_scenario(opts.scenario);
        fleet
    }

    /// Switches scenario now; an outage starts at the current clock time.
    pub fn set_scenario(&self, scenario: Scenario) {
        let next = match scenario {
            Scenario::Normal => None,
            Scenario::RegionOutage => Some(Outage {
                region: self.outage_region.clone(),
                since: self.clock.now(),
            }),
        };
        *self.outage.lock().unwrap_or_else(|p| p.into_inner()) = next;
    }

    pub fn scenario(&self) -> Scenario {
        if self.current_outage().is_some() {
            Scenario::RegionOutage
        } else {
            Scenario::Normal
        }
    }

    /// The workloads the simulated estate was designed with, used when the config names none.
    pub fn workloads(&self) -> Vec<Workload> {
        self.estate.workloads.clone()
    }

    fn current_outage(&self) -> Option<Outage> {
        self.outage
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    fn refuse_if_down(&self, region: &str, call: &str, now: Timestamp) -> Result<(), SourceError> {
        match self.current_outage() {
            Some(o) if o.api_down(region, now) => Err(SourceError::new(
                SourceErrorKind::Timeout,
                call,
                format!("no answer from {region} (simulated regional outage)"),
            )),
            _ => Ok(()),
        }
    }

    fn known_region(region: &str, call: &str) -> Result<(), SourceError> {
        if estate::REGIONS.contains(&region) {
            Ok(())
        } else {
            Err(SourceError::new(
                SourceErrorKind::Unreachable,
                call,
                format!("the simulated fleet has no region {region}"),
            ))
        }
    }

    pub fn replicas_at(&self, region: &str, now: Timestamp) -> FetchResult<Vec<Replica>> {
        self.replicas_where(region, now, |_| true)
    }

    /// The replicas of `region` whose identifier `keep` keeps: the others are never made (their
    /// hour of lag samples is most of the cost), so one account's view of a large estate costs
    /// its own share only. The region answers, or fails, exactly as for all of them.
    pub fn replicas_where(
        &self,
        region: &str,
        now: Timestamp,
        keep: impl Fn(&str) -> bool,
    ) -> FetchResult<Vec<Replica>> {
        Self::known_region(region, "rds:DescribeDBInstances")?;
        self.refuse_if_down(region, "rds:DescribeDBInstances", now)?;
        let outage = self.current_outage();
        let minute = now.as_second().div_euclid(60) * 60;
        // Regions and engines repeat on every replica: one shared copy each (`Names`).
        let mut names = Names::default();
        let mut replicas: Vec<Replica> = self
            .estate
            .replicas
            .iter()
            .enumerate()
            .filter(|(_, r)| r.region == region && keep(&r.id))
            .map(|(i, r)| {
                let at = |t: Timestamp| LagSample {
                    at: t,
                    lag: Some(signals::published_lag(signals::lag_at(
                        self.seed,
                        i as u64,
                        &r.lag,
                        r.source_region,
                        outage.as_ref(),
                        t,
                    ))),
                };
                let mut samples: LagSamples = (1..HISTORY_MINUTES)
                    .rev()
                    .filter_map(|k| Timestamp::from_second(minute - k * 60).ok())
                    .chain([now])
                    .map(at)
                    .collect();
                let mut state = ReplicationState::Replicating;
                match (outage.as_ref(), r.in_outage) {
                    (None, _) | (Some(_), OutageRole::Ordinary) => {}
                    // CloudWatch answers with the datapoints that exist: the series just ends.
                    (Some(o), OutageRole::MetricStops) => {
                        let stopped = o.metric_stopped_at();
                        samples.retain(|s| s.at <= stopped);
                    }
                    (Some(_), OutageRole::Deleted) => {
                        state = ReplicationState::Deleting("deleting".to_string());
                    }
                    // Promoted when the outage began: no replication, so no lag, since then.
                    (Some(o), OutageRole::PromotedUncovered) => {
                        state = ReplicationState::Promoted;
                        samples.not_active_from(o.since);
                    }
                }
                Replica {
                    id: r.id.clone(),
                    region: names.of(r.region),
                    source_id: r.source_id.clone(),
                    source_region: names.of(r.source_region),
                    engine: names.of(r.engine),
                    kind: r.kind,
                    state,
                    lag_samples: samples,
                    lag_problem: None,
                }
            })
            .collect();
        // Kept until the next answer: no room for more (the list grew by doubling).
        replicas.shrink_to_fit();
        self.adjust_replicas(&mut replicas, now);
        Ok(Snapshot::new(replicas, now))
    }

    pub fn backups_at(&self, region: &str, now: Timestamp) -> FetchResult<BackupHealth> {
        self.backups_where(region, now, |_| true, |_| true)
    }

    /// The backups of `region` one account sees: what is held in the vaults `vault_kept`
    /// keeps (the job counts, the jobs worth attention, the recovery points), and what is
    /// listed where the resource lives for the resources `resource_kept` keeps (their own
    /// job counts, their copies, restore windows and replicated automated backups). Nothing
    /// else is made: a region's listing is a resource's fortnight of jobs over thousands of
    /// resources, and an account that keeps a few of them should not build and hold all.
    pub fn backups_where(
        &self,
        region: &str,
        now: Timestamp,
        vault_kept: impl Fn(&str) -> bool,
        resource_kept: impl Fn(&str) -> bool,
    ) -> FetchResult<BackupHealth> {
        Self::known_region(region, "backup:ListBackupJobs")?;
        self.refuse_if_down(region, "backup:ListBackupJobs", now)?;
        let outage = self.current_outage();
        let from = now
            .checked_sub(SignedDuration::from_secs(Window::TwoWeeks.seconds()))
            .unwrap_or(Timestamp::UNIX_EPOCH);
        // The region, vaults, resource types and job messages repeat on thousands of rows:
        // each row holds a shared name, not a copy (`Names`).
        let region_name: Arc<str> = region.into();
        let mut names = Names::default();
        let mut counts: BTreeMap<(&str, &str, Window), JobCounts> = BTreeMap::new();
        let mut health = BackupHealth::default();
        let (mut copies, mut windows, mut replicated) = (Vec::new(), Vec::new(), Vec::new());
        for (i, res) in self
            .estate
            .protected
            .iter()
            .enumerate()
            .filter(|(_, p)| p.region == region)
        {
            let (in_vault, listed) = (vault_kept(res.vault), resource_kept(&res.id));
            if !in_vault && !listed {
                continue;
            }
            let jobs = signals::jobs_between(self.seed, i as u64, res, outage.as_ref(), from, now);
            let mut own: BTreeMap<Window, JobCounts> = BTreeMap::new();
            for job in &jobs {
                let age = now.as_second() - job.created_at.as_second();
                for w in Window::ALL.into_iter().filter(|w| age <= w.seconds()) {
                    if in_vault {
                        counts
                            .entry((res.vault, res.resource_type, w))
                            .or_default()
                            .add(job.state, 1);
                    }
                    own.entry(w).or_default().add(job.state, 1);
                }
                if in_vault && job.state.is_problem() {
                    health.problem_jobs.push(BackupJob {
                        job_id: format!("sim-{}-{}", res.id, job.slot),
                        region: region_name.clone(),
                        vault: names.of(res.vault),
                        resource_id: res.id.clone(),
                        resource_type: names.of(res.resource_type),
                        state: job.state,
                        message: names.of(job.message),
                        created_at: job.created_at,
                    });
                }
            }
            if listed {
                health
                    .resource_stats
                    .extend(own.into_iter().map(|(window, counts)| ResourceJobStats {
                        region: region_name.clone(),
                        resource_id: res.id.clone(),
                        window,
                        counts,
                    }));
            }
            let newest = jobs
                .iter()
                .rev()
                .find(|j| {
                    matches!(
                        j.state,
                        crate::fleet::JobState::Completed
                            | crate::fleet::JobState::CompletedWithIssues
                    )
                })
                .map(|j| j.finished_at);
            if in_vault {
                health.recovery_points.push(RecoveryPointAge {
                    region: region_name.clone(),
                    vault: names.of(res.vault),
                    resource_id: res.id.clone(),
                    resource_type: names.of(res.resource_type),
                    newest: newest.map_or(NewestPoint::None, NewestPoint::Taken),
                });
            }
            if !listed {
                continue;
            }
            if let Some((to_region, to_vault)) = res.copy_to {
                copies.extend(readiness::copies(res, &jobs, to_region, to_vault, now));
            }
            if res.point_in_time {
                windows.push(readiness::restore_window(res, now));
            }
        }
        for res in &self.estate.protected {
            if res.backups_replicated_to == Some(region) && resource_kept(&res.id) {
                replicated.push(readiness::replicated_backups(res, region, now));
            }
        }
        // Kept until the next answer: no room for more (each `Vec` grew by doubling).
        copies.shrink_to_fit();
        windows.shrink_to_fit();
        replicated.shrink_to_fit();
        health.resource_stats.shrink_to_fit();
        health.problem_jobs.shrink_to_fit();
        health.recovery_points.shrink_to_fit();
        health.copies = Listing::Read(copies);
        health.restore_windows = Listing::Read(windows);
        health.automated_backups = Listing::Read(replicated);
        health.stats = counts
            .into_iter()
            .map(
                |((vault, resource_type, window), counts)| BackupWindowStats {
                    region: region_name.clone(),
                    vault: names.of(vault),
                    resource_type: names.of(resource_type),
                    window,
                    counts,
                },
            )
            .collect();
        health
            .problem_jobs
            .sort_by_key(|j| std::cmp::Reverse(j.created_at));
        health.protected_listed = true;
        Ok(Snapshot::new(health, now))
    }

    fn observations(&self, index: usize, now: Timestamp) -> Vec<CheckerObservation> {
        let check = &self.estate.checks[index];
        let mut observations: Vec<CheckerObservation> = signals::checker_results(
            self.seed,
            index as u64,
            check,
            self.current_outage().as_ref(),
            now,
        )
        .into_iter()
        .map(|(region, healthy)| CheckerObservation {
            checker_region: region.to_string(),
            healthy,
            report: if healthy {
                signals::HEALTHY_REPORT
            } else {
                signals::TIMEOUT_REPORT
            }
            .to_string(),
            observed_at: now,
        })
        .collect();
        self.adjust_observations(check, &mut observations, now);
        observations
    }

    pub fn health_checks_at(&self, now: Timestamp) -> FetchResult<Vec<HealthCheck>> {
        let checks = self
            .estate
            .checks
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let observations = self.observations(i, now);
                let healthy = observations.iter().filter(|o| o.healthy).count();
                let percent = healthy as f64 * 100.0 / observations.len().max(1) as f64;
                // Route 53 calls an endpoint healthy when more than 18% of checkers say so.
                let status = if percent > 18.0 {
                    CheckStatus::Healthy
                } else {
                    CheckStatus::Unhealthy
                };
                HealthCheck {
                    id: c.id.clone(),
                    name: c.name.clone(),
                    target: c.target.clone(),
                    target_region: Some(c.target_region.clone()),
                    kind: crate::fleet::CheckKind::Endpoint,
                    inverted: false,
                    disabled: false,
                    status,
                    // The simulated checkers report as of now.
                    status_at: Some(now),
                    healthy_percent: Some(percent),
                    observations,
                    guards: self.current_guards(&c.id, &c.guards),
                }
            })
            .collect();
        Ok(Snapshot::new(checks, now))
    }
}

/// One shared copy of each name an answer repeats (a region, an engine, a vault, a resource
/// type, a job's message): at 10,000 replicas or protected resources an answer has tens of
/// thousands of rows, and a `String` of each name on every row was megabytes of every answer.
#[derive(Default)]
struct Names(HashMap<&'static str, Arc<str>>);

impl Names {
    fn of(&mut self, name: &'static str) -> Arc<str> {
        self.0.entry(name).or_insert_with(|| name.into()).clone()
    }
}

#[async_trait]
impl FleetSource for SimFleet {
    fn name(&self) -> &str {
        "sim"
    }

    fn regions(&self) -> Vec<String> {
        estate::REGIONS.iter().map(|r| r.to_string()).collect()
    }

    async fn replicas(&self, region: &str) -> FetchResult<Vec<Replica>> {
        self.replicas_at(region, self.clock.now())
    }

    async fn backups(&self, region: &str) -> FetchResult<BackupHealth> {
        self.backups_at(region, self.clock.now())
    }

    async fn health_checks(&self) -> FetchResult<Vec<HealthCheck>> {
        self.health_checks_at(self.clock.now())
    }

    async fn checker_detail(&self, check_id: &str) -> FetchResult<Vec<CheckerObservation>> {
        let now = self.clock.now();
        let index = self
            .estate
            .checks
            .iter()
            .position(|c| c.id == check_id)
            .ok_or_else(|| {
                SourceError::new(
                    SourceErrorKind::Other,
                    "route53:GetHealthCheckStatus",
                    format!("no health check {check_id}"),
                )
            })?;
        Ok(Snapshot::new(self.observations(index, now), now))
    }

    async fn lag_history(&self, of: &HistoryOf) -> FetchResult<LagHistory> {
        self.lag_history_at(of, self.clock.now())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fleet::JobState;
    use std::time::Duration;

    fn start() -> Timestamp {
        Timestamp::from_second(1_800_000_000).expect("valid")
    }

    fn fleet(scenario: Scenario) -> (SimFleet, Clock) {
        let clock = Clock::manual(start());
        let sim = SimFleet::new(SimOptions {
            scenario,
            clock: clock.clone(),
            ..SimOptions::default()
        });
        (sim, clock)
    }

    /// An App fed one round of every region's replicas and backups at `now`, as the cockpit
    /// would be.
    fn app_fed(sim: &SimFleet, now: Timestamp) -> crate::app::App {
        use crate::app::{App, Event, Fetched, Mode};
        use crate::fleet::Workloads;
        let regions: Vec<String> = estate::REGIONS.map(str::to_string).to_vec();
        let d = Workloads::default();
        let mut app = App::new(
            Mode::Demo {
                scenario: Scenario::RegionOutage,
            },
            "sim",
            &regions,
            Workloads::new(sim.workloads(), d.default_targets, d.thresholds),
            crate::config::Refresh::default(),
            crate::theme::Theme::mono(),
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
            let result = sim.backups_at(region, now);
            app.update(
                Event::Fetched(Fetched::Backups {
                    place: region.clone().into(),
                    result,
                }),
                now,
            );
        }
        app
    }

    /// The outage opens with a database its team promoted by hand, which no backup plan
    /// covers: the demo shows "no recovery point" before any runbook has run.
    #[test]
    fn the_outage_opens_with_a_replica_its_team_promoted_that_no_backup_plan_covers() {
        use crate::fleet::Verdict;
        let (sim, clock) = fleet(Scenario::RegionOutage);
        clock.advance(Duration::from_secs(60));
        let now = clock.now();
        let app = app_fed(&sim, now);
        let west = sim
            .replicas_at("us-west-2", now)
            .expect("us-west-2 answers");
        let catalog = west
            .data
            .iter()
            .find(|r| r.id == "catalog-dr-usw2")
            .expect("listed");
        assert_eq!(catalog.state, ReplicationState::Promoted);
        let rows = app.point_rows();
        let row = rows
            .iter()
            .find(|r| r.point.resource_id == "catalog-dr-usw2")
            .expect("the promoted database is among the recovery points");
        assert_eq!(row.eval.verdict, Verdict::Crit);
        assert_eq!(row.eval.reason, "no recovery point");
        // Before the outage it is an ordinary replica.
        let (normal, _) = fleet(Scenario::Normal);
        let before = normal.replicas_at("us-west-2", now).expect("answers");
        let catalog = before
            .data
            .iter()
            .find(|r| r.id == "catalog-dr-usw2")
            .expect("listed");
        assert_eq!(catalog.state, ReplicationState::Replicating);
    }

    /// What `ripcord demo --scenario region-outage` shows once the runbook has promoted the
    /// DR replica: the new primary has no recovery point (no backup plan covers it yet), and
    /// the silent region's databases cannot be told either way.
    #[tokio::test]
    async fn after_the_outage_promotion_the_new_primary_has_no_recovery_point() {
        use crate::fleet::Verdict;
        use crate::runbook::act::port::Actions;
        let (sim, clock) = fleet(Scenario::RegionOutage);
        clock.advance(Duration::from_secs(600));
        sim.promote_read_replica("us-west-2", "orders-dr-usw2", 7)
            .await
            .expect("the sim promotes");
        clock.advance(Duration::from_secs(60));
        let now = clock.now();
        let app = app_fed(&sim, now);
        let rows = app.point_rows();
        let row = |id: &str| {
            rows.iter()
                .find(|r| r.point.resource_id == id)
                .unwrap_or_else(|| panic!("{id} shown"))
        };
        let promoted = row("orders-dr-usw2");
        assert_eq!(promoted.eval.verdict, Verdict::Crit);
        assert_eq!(promoted.eval.reason, "no recovery point");
        let primary = row("orders-primary");
        assert_eq!(
            primary.eval.verdict,
            Verdict::Unknown,
            "us-east-1 does not answer: {}",
            primary.eval.reason
        );
        assert_eq!(
            row("RDS databases of us-east-1").eval.verdict,
            Verdict::Unknown
        );
    }

    #[test]
    fn replicas_are_per_region_with_an_hour_of_history() {
        let (sim, _) = fleet(Scenario::Normal);
        let west = sim.replicas_at("us-west-2", start()).expect("sim answers");
        assert!(west.data.iter().all(|r| &*r.region == "us-west-2"));
        assert!(west.data.iter().any(|r| r.id == "orders-dr-usw2"));
        let r = &west.data[0];
        assert_eq!(r.lag_samples.len(), 60);
        assert_eq!(r.lag_samples.newest().map(|s| s.at), Some(start()));
        assert_eq!(west.fetched_at, start());
    }

    #[test]
    fn lag_moves_over_time() {
        let (sim, clock) = fleet(Scenario::Normal);
        let lag = |sim: &SimFleet, t| {
            sim.replicas_at("us-west-2", t).expect("ok").data[0]
                .latest_sample()
                .and_then(|s| s.lag)
        };
        let a = lag(&sim, clock.now());
        clock.advance(Duration::from_secs(30));
        let b = lag(&sim, clock.now());
        assert_ne!(a, b);
    }

    #[test]
    fn outage_stalls_replication_fails_checks_then_silences_the_region() {
        let (sim, clock) = fleet(Scenario::RegionOutage);
        clock.advance(Duration::from_secs(120));
        let now = clock.now();
        let dr = sim
            .replicas_at("us-west-2", now)
            .expect("west still answers");
        let orders = dr
            .data
            .iter()
            .find(|r| r.id == "orders-dr-usw2")
            .expect("present");
        let lag = orders.latest_sample().and_then(|s| s.lag).expect("lag");
        assert!(
            lag >= Duration::from_secs(120),
            "lag climbs with the outage: {lag:?}"
        );
        let checks = sim.health_checks_at(now).expect("route53 is global");
        let api_east = checks
            .data
            .iter()
            .find(|c| c.id == "hc-api-use1")
            .expect("present");
        assert_eq!(api_east.status, CheckStatus::Unhealthy);
        let err = sim.backups_at("us-east-1", now).expect_err("east is down");
        assert_eq!(err.kind, SourceErrorKind::Timeout);
        assert!(sim.backups_at("eu-west-1", now).is_ok());
    }

    /// The outage scenario shows what issue 9 is about: a replica whose lag metric stopped
    /// (its newest datapoint is old, so it reads "no recent lag", never OK) and a replica
    /// being deleted (never "replicating").
    #[test]
    fn the_outage_shows_a_stopped_lag_metric_and_a_replica_being_deleted() {
        let (sim, clock) = fleet(Scenario::RegionOutage);
        clock.advance(Duration::from_secs(30));
        let now = clock.now();
        let eu = sim.replicas_at("eu-west-1", now).expect("eu answers").data;
        let stopped = eu
            .iter()
            .find(|r| r.id == "orders-read-euw1")
            .expect("present");
        let newest = stopped.latest_sample().expect("some history").at;
        assert!(
            now.as_second() - newest.as_second() > crate::fleet::LAG_CURRENT_FOR.as_secs() as i64,
            "its series stopped before the outage: newest at {newest}, now {now}"
        );
        let targets = crate::fleet::Workloads::default().targets_for(&stopped.id);
        let e = crate::fleet::evaluate::replica(
            stopped,
            &targets,
            &crate::fleet::Thresholds::default(),
            now,
        );
        assert_eq!(e.verdict, crate::fleet::Verdict::Unknown, "{}", e.reason);
        assert!(e.reason.contains("no recent lag"), "{}", e.reason);
        let deleting = eu
            .iter()
            .find(|r| r.id == "sessions-read-euw1")
            .expect("still listed while it is deleted");
        // The state column says what is happening to it, not BROKEN.
        assert_eq!(deleting.state.short(), "deleting", "{:?}", deleting.state);
        // Without an outage both are ordinary replicas.
        let (calm, _) = fleet(Scenario::Normal);
        let eu = calm.replicas_at("eu-west-1", start()).expect("ok").data;
        assert!(eu.iter().all(|r| r.state == ReplicationState::Replicating));
        assert!(
            eu.iter()
                .all(|r| r.latest_sample().map(|s| s.at) == Some(start()))
        );
    }

    #[test]
    fn backups_have_a_realistic_mix_and_recovery_points() {
        let (sim, _) = fleet(Scenario::Normal);
        let east = sim.backups_at("us-east-1", start()).expect("ok").data;
        let two_weeks = east.totals(Window::TwoWeeks);
        assert!(two_weeks.completed > 100, "{two_weeks:?}");
        assert!(
            two_weeks.failed > 0,
            "the chronic volume fails: {two_weeks:?}"
        );
        let reports = east
            .recovery_points
            .iter()
            .find(|r| r.resource_id == "vol-0f9e-reports")
            .expect("present");
        assert!(
            reports
                .newest
                .taken_at()
                .is_some_and(|t| start().as_second() - t.as_second() > 2 * 86_400)
        );
        assert!(
            east.problem_jobs
                .iter()
                .any(|j| j.state == JobState::Failed && j.message.contains("invalid state"))
        );
        assert!(
            east.problem_jobs
                .windows(2)
                .all(|w| w[0].created_at >= w[1].created_at),
            "newest first"
        );
    }

    #[test]
    fn unknown_region_is_an_error_not_an_empty_fleet() {
        let (sim, _) = fleet(Scenario::Normal);
        assert!(sim.replicas_at("ap-south-1", start()).is_err());
    }
}
