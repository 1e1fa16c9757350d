//! `ripcord status`: the one-shot glance for cron jobs and mornings.
//!
//! Every feed of a source (`FeedId::all`, the pollers' list) is fetched once, all at the same
//! time, each bounded by what is left of the time allowed. The answers go into a `FleetView`
//! exactly as the pollers' go into the cockpit's, and the glance is read from its evaluated
//! rows, so the cockpit and `status` can never disagree about a verdict. No `App`, no theme.
//!
//! Exit codes: 0 all OK; 1 a WARN; 2 a CRIT; 3 something could not be fetched or judged. A
//! CRIT seen in the data that did arrive outranks 3 (it is certain, and it is the news);
//! otherwise missing data outranks WARN and OK, because what is missing may be worse.

pub mod readiness_report;
pub mod report;
pub mod table;

pub use report::{Report, exit_code, overall, report};
pub use table::render;

use crate::app::fleet::{FeedId, Fetched, FleetView};
use crate::app::readiness::ReadinessView;
use crate::config::{Config, Refresh};
use crate::source::aws::AwsFleet;
use crate::source::sim::{Scenario, SimFleet, SimOptions};
use crate::source::{AccountFleet, FleetSource};
use futures_util::future::join_all;
use jiff::Timestamp;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// Version of the JSON document; bumped when a field changes meaning or goes away.
pub const SCHEMA_VERSION: u32 = 1;

/// Where the glance looks.
#[derive(Debug, Clone)]
pub enum Target {
    /// The built-in simulated fleet.
    Sim { seed: u64, scenario: Scenario },
    /// An AWS account: `profile` over the environment's; `regions` empty for the environment's.
    Aws {
        profile: Option<String>,
        regions: Vec<String>,
        /// The `[[account]]` tables chosen; empty: the one account of `profile`.
        accounts: Vec<crate::accounts::Account>,
    },
}

/// Sets up the source, fetches everything once and judges it, all within `timeout`. An error
/// means nothing could be fetched at all (no region, no credentials, setup too slow).
pub async fn glance(target: Target, cfg: &Config, timeout: Duration) -> Result<FleetView, String> {
    let started = tokio::time::Instant::now();
    let too_slow = || {
        format!(
            "setting up AWS took longer than --timeout {}",
            humantime::format_duration(timeout)
        )
    };
    let (fleets, workloads): (Vec<AccountFleet>, _) = match target {
        Target::Sim { seed, scenario } => {
            let sim = SimFleet::new(SimOptions {
                seed,
                scenario,
                ..SimOptions::default()
            });
            let workloads = cfg.workloads(sim.workloads());
            (vec![AccountFleet::single(Arc::new(sim))], workloads)
        }
        Target::Aws {
            profile,
            regions,
            accounts,
        } if !accounts.is_empty() => {
            let chosen: Vec<&crate::accounts::Account> = accounts.iter().collect();
            let setup = crate::source::aws::account::fleets(
                &chosen,
                profile.as_deref(),
                &regions,
                crate::source::aws::sdk::CallLimits::READS,
            );
            let fleets = match tokio::time::timeout(timeout, setup).await {
                Ok(Ok(fleets)) => fleets,
                Ok(Err(e)) => return Err(e.to_string()),
                Err(_) => return Err(too_slow()),
            };
            (fleets, cfg.workloads(Vec::new()))
        }
        Target::Aws {
            profile, regions, ..
        } => {
            let connect = AwsFleet::connect(profile.as_deref(), &regions);
            let fleet = match tokio::time::timeout(timeout, connect).await {
                Ok(Ok(fleet)) => fleet,
                Ok(Err(e)) => return Err(e.to_string()),
                Err(_) => return Err(too_slow()),
            };
            let workloads = cfg.workloads(Vec::new());
            (vec![AccountFleet::single(Arc::new(fleet))], workloads)
        }
    };
    let left = timeout.saturating_sub(started.elapsed());
    let events = poll_accounts(&fleets, left).await;
    // Whole seconds: the report is for people and scripts, not for nanosecond timing.
    let now = Timestamp::now();
    let now = Timestamp::from_second(now.as_second()).unwrap_or(now);
    Ok(fleet_of_accounts(&fleets, workloads, events, now))
}

/// Fetches every feed of `source` (the one unnamed account) once, in parallel, each within
/// `deadline`, and returns the answers as the events the pollers would have sent.
pub async fn poll_once(source: Arc<dyn FleetSource>, deadline: Duration) -> Vec<Fetched> {
    poll_accounts(&[AccountFleet::single(source)], deadline).await
}

/// As `poll_once`, for every account of `fleets` at the same time (`FeedId::of_fleets`): one
/// account's credentials failing costs its own feeds, never the others'.
pub async fn poll_accounts(fleets: &[AccountFleet], deadline: Duration) -> Vec<Fetched> {
    let feeds = FeedId::of_fleets(fleets);
    join_all(
        feeds
            .iter()
            .map(|(feed, source)| feed.fetch(source.as_ref(), deadline)),
    )
    .await
}

/// A fleet view watching `fleets` (their accounts and regions) that has taken in one round of
/// answers at `now`.
pub fn fleet_of_accounts(
    fleets: &[AccountFleet],
    workloads: crate::fleet::Workloads,
    fetched: Vec<Fetched>,
    now: Timestamp,
) -> FleetView {
    let unnamed: Vec<String> = fleets
        .iter()
        .filter(|f| f.account.is_none())
        .flat_map(|f| f.fleet.regions())
        .collect();
    let source_name = fleets.first().map_or("aws", |f| f.fleet.name());
    let mut fleet = fleet_from(source_name, &unnamed, workloads, Vec::new(), now);
    fleet.watch_fleets(fleets);
    for answer in fetched {
        fleet.apply(answer, now);
    }
    fleet
}

/// What readiness needs besides the feeds, read from disk: which runbook (of `runbook_dirs`
/// and the shipped ones) serves which workload, and the drills in `audit_dir`. Judge with
/// `FleetView::readiness` and give the result to `Report::with_readiness`.
/// `on_simulator`: the glance is of the simulator (`--sim`), so only drills against it
/// count; otherwise only drills against AWS do.
pub fn readiness_evidence(
    runbook_dirs: &[PathBuf],
    audit_dir: &Path,
    on_simulator: bool,
) -> ReadinessView {
    ReadinessView::read(
        &crate::runbook::Library::load(runbook_dirs),
        audit_dir,
        on_simulator,
    )
}

/// A fleet view that has taken in one round of answers at `now`.
pub fn fleet_from(
    source_name: &str,
    regions: &[String],
    workloads: crate::fleet::Workloads,
    fetched: Vec<Fetched>,
    now: Timestamp,
) -> FleetView {
    let mut fleet = FleetView::new(source_name, regions, workloads, Refresh::default(), now);
    for answer in fetched {
        fleet.apply(answer, now);
    }
    fleet
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::Clock;
    use crate::fleet::Verdict;
    use crate::fleet::{BackupHealth, CheckerObservation, HealthCheck, Replica, Snapshot};
    use crate::source::sim::{SimFleet, SimOptions};
    use crate::source::{FetchResult, SourceError, SourceErrorKind};

    fn t0() -> Timestamp {
        Timestamp::from_second(1_800_000_000).expect("valid")
    }

    fn sim() -> SimFleet {
        SimFleet::new(SimOptions {
            clock: Clock::manual(t0()),
            ..SimOptions::default()
        })
    }

    #[test]
    fn a_crit_seen_outranks_missing_data_which_outranks_warn() {
        let cases = [
            (Verdict::Crit, true, 2),
            (Verdict::Crit, false, 2),
            (Verdict::Warn, true, 3),
            (Verdict::Ok, true, 3),
            (Verdict::Unknown, false, 3),
            (Verdict::Warn, false, 1),
            (Verdict::Ok, false, 0),
        ];
        for (worst, missing, code) in cases {
            assert_eq!(
                exit_code(overall(worst, missing)),
                code,
                "{worst:?} missing={missing}"
            );
        }
    }

    #[tokio::test(start_paused = true)]
    async fn one_round_from_the_simulator_reads_like_the_cockpit() {
        let sim = Arc::new(sim());
        let source: Arc<dyn FleetSource> = sim.clone();
        let events = poll_once(source.clone(), Duration::from_secs(5)).await;
        assert_eq!(
            events.len(),
            3 * 2 + 1,
            "replicas and backups per region, health"
        );
        let workloads = crate::config::Config::default().workloads(sim.workloads());
        let fleet = fleet_from("sim", &source.regions(), workloads, events, t0());
        let report = report(&fleet, None);
        // The simulator's chronic failure: a volume whose backups keep failing.
        assert_eq!(report.overall, Verdict::Crit);
        assert_eq!(report.exit_code, 2);
        assert!(report.fetch_errors.is_empty());
        let orders = report
            .workloads
            .iter()
            .find(|w| w.name.as_deref() == Some("orders"))
            .expect("the orders workload");
        assert_eq!(orders.replicas, 3);
        assert_eq!(orders.rpo_seconds, 60);
        assert!(orders.worst_lag_seconds.is_some());
        assert_eq!(report.replicas.len(), fleet.replica_rows("").len());
        assert!(
            report
                .problems
                .iter()
                .any(|p| p.what == "vol-0f9e-reports" && p.verdict == Verdict::Crit)
        );
        let text = render(&report);
        assert!(text.contains("✖ CRIT"), "{text}");
        assert!(text.contains("orders"), "{text}");
        assert!(text.contains("vol-0f9e-reports"), "{text}");
        assert!(!text.contains("NOT FETCHED"), "{text}");
    }

    #[tokio::test]
    async fn readiness_is_a_column_and_in_the_json_with_reasons_and_the_exit_code_keeps_its_meaning()
     {
        let sim = Arc::new(sim());
        let source: Arc<dyn FleetSource> = sim.clone();
        let events = poll_once(source.clone(), Duration::from_secs(5)).await;
        let workloads = crate::config::Config::default().workloads(sim.workloads());
        let fleet = fleet_from("sim", &source.regions(), workloads, events, t0());
        let tmp = tempfile::tempdir().expect("tmp");
        let evidence = readiness_evidence(&[], &tmp.path().join("audit"), true);
        let before = report(&fleet, None).with_readiness(fleet.readiness(&evidence));
        let catalog = before
            .workloads
            .iter()
            .find(|w| w.name.as_deref() == Some("catalog"))
            .expect("catalog");
        assert_eq!(
            catalog.readiness,
            Some(crate::fleet::readiness::Readiness::NotReady)
        );
        let json = serde_json::to_value(&before).expect("json");
        let judged = json["readiness"].as_array().expect("a readiness list");
        assert_eq!(judged.len(), 4, "one per workload");
        assert_eq!(judged[0]["verdict"], "NOT_READY", "worst first");
        let reason = &judged[0]["reasons"][0];
        for key in [
            "side",
            "subject",
            "verdict",
            "text",
            "evidence",
            "evidence_at",
            "age_seconds",
        ] {
            assert!(reason.get(key).is_some(), "{key} in {reason}");
        }
        assert!(json["workloads"][0]["readiness"].is_string());
        let text = render(&before);
        assert!(text.contains("READINESS"), "{text}");
        assert!(text.contains("✖ NOT READY"), "{text}");
        assert!(text.contains("not copied out of us-east-1"), "{text}");
        // Readiness informs; the exit code keeps its documented meaning (CRIT here: the
        // simulator's failing volume).
        assert_eq!((before.overall, before.exit_code), (Verdict::Crit, 2));
    }

    /// A source whose one region never answers and whose health checks are fine.
    struct OneDeadRegion;

    #[async_trait::async_trait]
    impl FleetSource for OneDeadRegion {
        fn name(&self) -> &str {
            "test"
        }
        fn regions(&self) -> Vec<String> {
            vec!["dead-1".into()]
        }
        async fn replicas(&self, _: &str) -> FetchResult<Vec<Replica>> {
            std::future::pending().await
        }
        async fn backups(&self, _: &str) -> FetchResult<BackupHealth> {
            std::future::pending().await
        }
        async fn health_checks(&self) -> FetchResult<Vec<HealthCheck>> {
            Ok(Snapshot::new(Vec::new(), t0()))
        }
        async fn checker_detail(&self, _: &str) -> FetchResult<Vec<CheckerObservation>> {
            std::future::pending().await
        }
        async fn lag_history(
            &self,
            _: &crate::fleet::HistoryOf,
        ) -> FetchResult<crate::fleet::LagHistory> {
            std::future::pending().await
        }
    }

    #[tokio::test(start_paused = true)]
    async fn feeds_that_miss_the_deadline_are_reported_and_exit_3() {
        let source: Arc<dyn FleetSource> = Arc::new(OneDeadRegion);
        let started = tokio::time::Instant::now();
        let events = poll_once(source.clone(), Duration::from_secs(5)).await;
        assert_eq!(
            started.elapsed(),
            Duration::from_secs(5),
            "bounded by the deadline"
        );
        let fleet = fleet_from(
            "test",
            &source.regions(),
            crate::fleet::Workloads::default(),
            events,
            t0(),
        );
        let report = report(&fleet, None);
        assert_eq!(report.exit_code, 3);
        assert_eq!(report.overall, Verdict::Unknown);
        let kinds: Vec<(&str, &str)> = report
            .fetch_errors
            .iter()
            .map(|e| (e.feed, e.kind))
            .collect();
        assert_eq!(kinds, vec![("replicas", "timeout"), ("backups", "timeout")]);
        let text = render(&report);
        assert!(text.contains("NOT FETCHED"), "{text}");
        assert!(text.contains("dead-1 replicas: timeout"), "{text}");
    }

    #[test]
    fn a_partial_answer_shows_its_data_and_its_gap() {
        let sim = sim();
        let mut events = Vec::new();
        for region in ["us-east-1", "us-west-2", "eu-west-1"] {
            let replicas = sim.replicas_at(region, t0()).map(|s| {
                s.with_missing(vec![SourceError::new(
                    SourceErrorKind::AccessDenied,
                    "cloudwatch:GetMetricData",
                    "not authorized",
                )])
            });
            events.push(Fetched::Replicas {
                place: region.to_string().into(),
                result: replicas,
            });
        }
        let regions: Vec<String> = ["us-east-1", "us-west-2", "eu-west-1"]
            .map(String::from)
            .to_vec();
        let workloads = crate::config::Config::default().workloads(sim.workloads());
        let fleet = fleet_from("sim", &regions, workloads, events, t0());
        let report = report(&fleet, None);
        assert_eq!(report.replicas.len(), 6, "the replicas are there");
        assert_eq!(report.fetch_errors.len(), 3);
        assert!(
            report
                .fetch_errors
                .iter()
                .all(|e| e.kind == "access-denied" && e.call == "cloudwatch:GetMetricData")
        );
        assert_eq!(
            report.exit_code, 3,
            "no CRIT seen, and something is missing"
        );
    }
    #[test]
    fn a_check_shown_by_its_name_tag_is_still_claimed_by_the_host_it_probes() {
        use crate::fleet::{CheckKind, CheckStatus, Targets, Thresholds, Workload, Workloads};
        let workloads = Workloads::new(
            vec![Workload {
                name: "api".into(),
                rpo: Duration::from_secs(60),
                rto: Duration::from_secs(900),
                backup_rpo: None,
                resources: vec!["api.us-east-1.example.com".into()],
                drill_every: None,
            }],
            Targets {
                workload: None,
                rpo: Duration::from_secs(60),
                rto: Duration::from_secs(900),
                backup_rpo: Duration::from_secs(86_400),
            },
            Thresholds::default(),
        );
        let mut fleet = FleetView::new("test", &[], workloads, Refresh::default(), t0());
        let check = HealthCheck {
            id: "hc-1".into(),
            name: "checkout API".into(),
            target: "HTTPS api.us-east-1.example.com:443/health".into(),
            target_region: Some("us-east-1".into()),
            kind: CheckKind::Endpoint,
            inverted: false,
            disabled: false,
            status: CheckStatus::Healthy,
            status_at: Some(t0()),
            healthy_percent: Some(100.0),
            observations: vec![],
            guards: vec![],
        };
        fleet.apply(
            Fetched::Health {
                account: None,
                result: Ok(Snapshot::new(vec![check], t0())),
            },
            t0(),
        );
        let report = report(&fleet, None);
        assert_eq!(report.health_checks[0].workload.as_deref(), Some("api"));
    }
}
