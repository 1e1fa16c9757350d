//! `ripcord status`: the one-shot glance for cron jobs and mornings.
//!
//! Every feed of a source is fetched once, all at the same time, each bounded by what is left
//! of the time allowed. The answers go into an `App` exactly as the pollers' would, and the
//! glance is read from the App's own evaluated rows, so the cockpit and `status` can never
//! disagree about a verdict.
//!
//! Exit codes: 0 all OK; 1 a WARN; 2 a CRIT; 3 something could not be fetched or judged. A
//! CRIT seen in the data that did arrive outranks 3 (it is certain, and it is the news);
//! otherwise missing data outranks WARN and OK, because what is missing may be worse.

use crate::app::view::VaultRow;
use crate::app::{App, Event, Mode};
use crate::config::{Config, Refresh};
use crate::fleet::backup::ALL_VAULTS;
use crate::fleet::{JobCounts, Verdict, Workload, age_between, format_duration, format_lag};
use crate::poll::with_deadline;
use crate::source::aws::AwsFleet;
use crate::source::sim::{Scenario, SimFleet, SimOptions};
use crate::source::{FleetSource, SourceError};
use crate::theme::Theme;
use futures_util::future::join_all;
use jiff::Timestamp;
use serde::Serialize;
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
    },
}

/// Sets up the source, fetches everything once and judges it, all within `timeout`. An error
/// means nothing could be fetched at all (no region, no credentials, setup too slow).
pub async fn glance(target: Target, cfg: &Config, timeout: Duration) -> Result<App, String> {
    let started = tokio::time::Instant::now();
    let (source, mode, workloads): (Arc<dyn FleetSource>, Mode, _) = match target {
        Target::Sim { seed, scenario } => {
            let sim = SimFleet::new(SimOptions {
                seed,
                scenario,
                ..SimOptions::default()
            });
            let workloads = cfg.workloads(sim.workloads());
            (Arc::new(sim), Mode::Demo { scenario }, workloads)
        }
        Target::Aws { profile, regions } => {
            let connect = AwsFleet::connect(profile.as_deref(), &regions);
            let fleet = match tokio::time::timeout(timeout, connect).await {
                Ok(Ok(fleet)) => fleet,
                Ok(Err(e)) => return Err(e.to_string()),
                Err(_) => {
                    return Err(format!(
                        "setting up AWS took longer than --timeout {}",
                        humantime::format_duration(timeout)
                    ));
                }
            };
            let workloads = cfg.workloads(Vec::new());
            (Arc::new(fleet), Mode::Live { profile }, workloads)
        }
    };
    let left = timeout.saturating_sub(started.elapsed());
    let events = poll_once(source.clone(), left).await;
    // Whole seconds: the report is for people and scripts, not for nanosecond timing.
    let now = Timestamp::now();
    let now = Timestamp::from_second(now.as_second()).unwrap_or(now);
    Ok(app_from(
        mode,
        source.name(),
        &source.regions(),
        workloads,
        events,
        now,
    ))
}

/// Fetches every feed of `source` once, in parallel, each within `deadline`, and returns the
/// answers as the events the pollers would have sent.
pub async fn poll_once(source: Arc<dyn FleetSource>, deadline: Duration) -> Vec<Event> {
    let regions = source.regions();
    let replicas = regions.iter().map(|region| {
        let source = source.clone();
        async move {
            let what = format!("replicas/{region}");
            let result = with_deadline(deadline, &what, source.replicas(region)).await;
            Event::Replicas {
                region: region.clone(),
                result,
            }
        }
    });
    let backups = regions.iter().map(|region| {
        let source = source.clone();
        async move {
            let what = format!("backups/{region}");
            let result = with_deadline(deadline, &what, source.backups(region)).await;
            Event::Backups {
                region: region.clone(),
                result,
            }
        }
    });
    let health =
        async { Event::Health(with_deadline(deadline, "health", source.health_checks()).await) };
    let (mut events, more, health) = tokio::join!(join_all(replicas), join_all(backups), health);
    events.extend(more);
    events.push(health);
    events
}

/// An App that has taken in one round of `events` at `now`.
pub fn app_from(
    mode: Mode,
    source_name: &str,
    regions: &[String],
    workloads: crate::fleet::Workloads,
    events: Vec<Event>,
    now: Timestamp,
) -> App {
    let mut app = App::new(
        mode,
        source_name,
        regions,
        workloads,
        Refresh::default(),
        Theme::mono(),
        now,
    );
    for event in events {
        app.update(event, now);
    }
    app
}

/// The glance as data: what `--json` prints and the table is drawn from.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub schema_version: u32,
    pub generated_at: Timestamp,
    pub source: String,
    pub profile: Option<String>,
    pub regions: Vec<String>,
    /// CRIT, else UNKNOWN when something could not be fetched or judged, else WARN, else OK.
    pub overall: Verdict,
    pub exit_code: u8,
    pub workloads: Vec<WorkloadSummary>,
    pub replicas: Vec<ReplicaLine>,
    pub backups: Vec<BackupLine>,
    pub recovery_points: Vec<PointLine>,
    pub failed_jobs: Vec<JobLine>,
    pub health_checks: Vec<CheckLine>,
    pub problems: Vec<Problem>,
    pub fetch_errors: Vec<FetchError>,
}

#[derive(Debug, Clone, Serialize)]
pub struct WorkloadSummary {
    /// `null` for resources that no workload claims (judged by the default targets).
    pub name: Option<String>,
    pub verdict: Verdict,
    pub rpo_seconds: u64,
    pub backup_rpo_seconds: u64,
    pub replicas: usize,
    pub worst_lag_seconds: Option<f64>,
    pub backup_success_24h: Option<f64>,
    pub backup_success_7d: Option<f64>,
    pub recovery_points: usize,
    /// The oldest of the newest good recovery points: the resource furthest from a backup.
    pub oldest_recovery_point: Option<Timestamp>,
    pub resources_without_recovery_point: usize,
    pub health_checks: usize,
    pub failing_health_checks: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ReplicaLine {
    pub id: String,
    pub region: String,
    pub source_id: String,
    pub source_region: String,
    pub engine: String,
    pub kind: &'static str,
    pub state: String,
    pub lag_seconds: Option<f64>,
    pub workload: Option<String>,
    pub verdict: Verdict,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct BackupLine {
    pub region: String,
    pub vault: String,
    pub resource_type: String,
    pub success_24h: Option<f64>,
    pub success_7d: Option<f64>,
    pub success_14d: Option<f64>,
    pub finished_24h: Option<u32>,
    pub problems_24h: Option<u32>,
    pub verdict: Verdict,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct PointLine {
    pub resource_id: String,
    pub resource_type: String,
    pub region: String,
    pub vault: String,
    pub newest_completed: Option<Timestamp>,
    pub age_seconds: Option<u64>,
    pub workload: Option<String>,
    pub verdict: Verdict,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct JobLine {
    pub job_id: String,
    pub region: String,
    pub vault: String,
    pub resource_id: String,
    pub resource_type: String,
    pub state: crate::fleet::JobState,
    pub message: String,
    pub created_at: Timestamp,
}

#[derive(Debug, Clone, Serialize)]
pub struct CheckLine {
    pub id: String,
    pub name: String,
    pub target: String,
    pub status: crate::fleet::CheckStatus,
    pub healthy_percent: Option<f64>,
    pub workload: Option<String>,
    pub verdict: Verdict,
    pub reason: String,
    pub guards: Vec<crate::fleet::FailoverRecord>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Problem {
    pub verdict: Verdict,
    pub what: String,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct FetchError {
    /// `replicas`, `backups` or `health`.
    pub feed: &'static str,
    /// The region, or `global` for Route 53.
    pub region: String,
    /// `timeout`, `access-denied`, `throttled`, `unreachable` or `error`.
    pub kind: &'static str,
    pub call: String,
    pub message: String,
}

impl FetchError {
    fn new(feed: &'static str, region: &str, e: &SourceError) -> Self {
        use crate::source::SourceErrorKind as K;
        Self {
            feed,
            region: region.to_string(),
            kind: match e.kind {
                K::Timeout => "timeout",
                K::AccessDenied => "access-denied",
                K::Throttled => "throttled",
                K::Unreachable => "unreachable",
                K::Other => "error",
            },
            call: e.call.clone(),
            message: e.message.clone(),
        }
    }
}

/// The overall verdict, with the precedence the exit code documents.
pub fn overall(worst_seen: Verdict, anything_missing: bool) -> Verdict {
    match worst_seen {
        Verdict::Crit => Verdict::Crit,
        _ if anything_missing => Verdict::Unknown,
        other => other,
    }
}

pub fn exit_code(overall: Verdict) -> u8 {
    match overall {
        Verdict::Ok => 0,
        Verdict::Warn => 1,
        Verdict::Crit => 2,
        Verdict::Unknown => 3,
    }
}

fn rate(counts: &[JobCounts]) -> Option<f64> {
    let mut total = JobCounts::default();
    for c in counts {
        total.merge(c);
    }
    total.success_rate()
}

fn claimed_by<'a>(workloads: &'a [Workload], names: &[&str]) -> Option<&'a Workload> {
    workloads
        .iter()
        .find(|w| names.iter().any(|n| w.contains(n)))
}

/// Reads the glance off an App fed with one round of data.
pub fn report(app: &App, profile: Option<&str>) -> Report {
    let now = app.now;
    let list = &app.workloads.list;
    let replicas: Vec<ReplicaLine> = app
        .replica_rows()
        .into_iter()
        .map(|row| {
            let r = row.replica;
            ReplicaLine {
                id: r.id.clone(),
                region: r.region.clone(),
                source_id: r.source_id.clone(),
                source_region: r.source_region.clone(),
                engine: r.engine.clone(),
                kind: r.kind.short(),
                state: match &r.state {
                    crate::fleet::ReplicationState::Broken(why) => format!("broken: {why}"),
                    other => other.short().to_string(),
                },
                lag_seconds: r
                    .latest_sample()
                    .and_then(|s| s.lag)
                    .map(|d| d.as_secs_f64()),
                workload: row.targets.workload.clone(),
                verdict: row.eval.verdict,
                reason: row.eval.reason,
            }
        })
        .collect();
    let vault_rows = app.vault_rows();
    let backups: Vec<BackupLine> = vault_rows
        .iter()
        .map(|v| BackupLine {
            region: v.region.clone(),
            vault: v.vault.clone(),
            resource_type: v.resource_type.clone(),
            success_24h: v.counts[0].and_then(|c| c.success_rate()),
            success_7d: v.counts[1].and_then(|c| c.success_rate()),
            success_14d: v.counts[2].and_then(|c| c.success_rate()),
            finished_24h: v.counts[0].map(|c| c.finished()),
            problems_24h: v.counts[0].map(|c| c.problems()),
            verdict: v.eval.verdict,
            reason: v.eval.reason.clone(),
        })
        .collect();
    let recovery_points: Vec<PointLine> = app
        .point_rows()
        .into_iter()
        .map(|row| {
            let p = row.point;
            PointLine {
                resource_id: p.resource_id.clone(),
                resource_type: p.resource_type.clone(),
                region: p.region.clone(),
                vault: p.vault.clone(),
                newest_completed: p.newest_completed,
                age_seconds: p.newest_completed.map(|t| age_between(t, now).as_secs()),
                workload: row.targets.workload.clone(),
                verdict: row.eval.verdict,
                reason: row.eval.reason,
            }
        })
        .collect();
    let failed_jobs = app
        .failure_rows()
        .into_iter()
        .map(|row| {
            let j = row.job;
            JobLine {
                job_id: j.job_id.clone(),
                region: j.region.clone(),
                vault: j.vault.clone(),
                resource_id: j.resource_id.clone(),
                resource_type: j.resource_type.clone(),
                state: j.state,
                message: j.message.clone(),
                created_at: j.created_at,
            }
        })
        .collect();
    let health_checks: Vec<CheckLine> = app
        .check_rows()
        .into_iter()
        .map(|row| {
            let c = row.check;
            CheckLine {
                id: c.id.clone(),
                name: c.name.clone(),
                target: c.target.clone(),
                status: c.status,
                healthy_percent: c.healthy_percent,
                workload: claimed_by(list, &[&c.id, &c.name]).map(|w| w.name.clone()),
                verdict: row.eval.verdict,
                reason: row.eval.reason,
                guards: c.guards.clone(),
            }
        })
        .collect();

    let mut fetch_errors = Vec::new();
    for (region, feed) in &app.replicas {
        if let Some((_, e)) = &feed.last_error {
            fetch_errors.push(FetchError::new("replicas", region, e));
        }
    }
    for (region, feed) in &app.backups {
        if let Some((_, e)) = &feed.last_error {
            fetch_errors.push(FetchError::new("backups", region, e));
        }
    }
    if let Some((_, e)) = &app.health.last_error {
        fetch_errors.push(FetchError::new("health", "global", e));
    }

    let workloads = summarise_workloads(
        app,
        &replicas,
        &vault_rows,
        &recovery_points,
        &health_checks,
    );
    let problems: Vec<Problem> = app
        .offenders()
        .into_iter()
        .map(|(verdict, what, reason)| Problem {
            verdict,
            what,
            reason,
        })
        .collect();
    let worst = problems.first().map_or(Verdict::Ok, |p| p.verdict);
    let any_unknown = problems.iter().any(|p| p.verdict == Verdict::Unknown);
    let overall = overall(worst, any_unknown || !fetch_errors.is_empty());
    Report {
        schema_version: SCHEMA_VERSION,
        generated_at: now,
        source: app.source_name.clone(),
        profile: profile.map(str::to_string),
        regions: app.replicas.keys().cloned().collect(),
        overall,
        exit_code: exit_code(overall),
        workloads,
        replicas,
        backups,
        recovery_points,
        failed_jobs,
        health_checks,
        problems,
        fetch_errors,
    }
}

/// One summary per configured workload (even one with nothing found: a pattern that matches
/// nothing is worth noticing), then one for whatever no workload claims, if anything.
fn summarise_workloads(
    app: &App,
    replicas: &[ReplicaLine],
    vaults: &[VaultRow],
    points: &[PointLine],
    checks: &[CheckLine],
) -> Vec<WorkloadSummary> {
    let list = &app.workloads.list;
    // A vault row belongs to the workload that lists the vault. Region-wide rows belong to
    // none: they include every vault's jobs, and would count them twice.
    let per_vault: Vec<(Option<String>, &VaultRow)> = vaults
        .iter()
        .filter(|v| v.vault != ALL_VAULTS)
        .map(|v| (claimed_by(list, &[&v.vault]).map(|w| w.name.clone()), v))
        .collect();
    let groups = list
        .iter()
        .map(|w| (Some(w.name.clone()), w.targets()))
        .chain(std::iter::once((
            None,
            app.workloads.default_targets.clone(),
        )));
    let mut out = Vec::new();
    for (name, targets) in groups {
        let mine_r: Vec<&ReplicaLine> = replicas.iter().filter(|r| r.workload == name).collect();
        let mine_p: Vec<&PointLine> = points.iter().filter(|p| p.workload == name).collect();
        let mine_c: Vec<&CheckLine> = checks.iter().filter(|c| c.workload == name).collect();
        let mine_v: Vec<&VaultRow> = per_vault
            .iter()
            .filter(|(owner, _)| *owner == name)
            .map(|(_, v)| *v)
            .collect();
        let found_nothing =
            mine_r.is_empty() && mine_p.is_empty() && mine_c.is_empty() && mine_v.is_empty();
        if name.is_none() && found_nothing {
            continue;
        }
        let window = |slot: usize| -> Vec<JobCounts> {
            mine_v.iter().filter_map(|v| v.counts[slot]).collect()
        };
        let verdict = mine_r
            .iter()
            .map(|r| r.verdict)
            .chain(mine_p.iter().map(|p| p.verdict))
            .chain(mine_c.iter().map(|c| c.verdict))
            .chain(mine_v.iter().map(|v| v.eval.verdict))
            .max()
            .unwrap_or(Verdict::Ok);
        out.push(WorkloadSummary {
            name,
            verdict,
            rpo_seconds: targets.rpo.as_secs(),
            backup_rpo_seconds: targets.backup_rpo.as_secs(),
            replicas: mine_r.len(),
            worst_lag_seconds: mine_r
                .iter()
                .filter_map(|r| r.lag_seconds)
                .max_by(f64::total_cmp),
            backup_success_24h: rate(&window(0)),
            backup_success_7d: rate(&window(1)),
            recovery_points: mine_p.len(),
            oldest_recovery_point: mine_p.iter().filter_map(|p| p.newest_completed).min(),
            resources_without_recovery_point: mine_p
                .iter()
                .filter(|p| p.newest_completed.is_none())
                .count(),
            health_checks: mine_c.len(),
            failing_health_checks: mine_c
                .iter()
                .filter(|c| c.verdict >= Verdict::Warn)
                .map(|c| format!("{} ({})", c.name, c.id))
                .collect(),
        });
    }
    out
}

fn percent(rate: Option<f64>) -> String {
    match rate {
        Some(r) if r >= 0.9995 => "100%".to_string(),
        Some(r) => format!("{:.1}%", r * 100.0),
        None => "—".to_string(),
    }
}

/// Lays out rows of cells in columns as wide as their widest cell.
fn columns(rows: &[Vec<String>]) -> Vec<String> {
    let widths: Vec<usize> = (0..rows.first().map_or(0, Vec::len))
        .map(|i| rows.iter().map(|r| r[i].chars().count()).max().unwrap_or(0))
        .collect();
    rows.iter()
        .map(|r| {
            let cells: Vec<String> = r
                .iter()
                .zip(&widths)
                .map(|(cell, w)| format!("{cell:<w$}"))
                .collect();
            cells.join("  ").trim_end().to_string()
        })
        .collect()
}

/// The table for people: one line per workload, then the problems with their reasons, then
/// whatever could not be fetched.
pub fn render(report: &Report) -> String {
    let mut out = String::new();
    let profile = report
        .profile
        .as_deref()
        .map(|p| format!(" (profile {p})"))
        .unwrap_or_default();
    out.push_str(&format!(
        "ripcord status · {}{profile} · {} · {}\n",
        report.source,
        report.regions.join(", "),
        report.generated_at.strftime("%Y-%m-%d %H:%M:%SZ"),
    ));
    let count = |v: Verdict| report.problems.iter().filter(|p| p.verdict == v).count();
    let mut headline = format!(
        "{}  {} crit · {} warn",
        report.overall.label(),
        count(Verdict::Crit),
        count(Verdict::Warn)
    );
    if count(Verdict::Unknown) > 0 {
        headline.push_str(&format!(" · {} n/a", count(Verdict::Unknown)));
    }
    if !report.fetch_errors.is_empty() {
        headline.push_str(&format!(
            " · {} feed{} not fetched",
            report.fetch_errors.len(),
            if report.fetch_errors.len() == 1 {
                ""
            } else {
                "s"
            }
        ));
    }
    out.push_str(&headline);
    out.push_str("\n\n");

    let mut rows = vec![
        [
            "WORKLOAD",
            "VERDICT",
            "REPLICAS",
            "WORST LAG / RPO",
            "BACKUPS 24H / 7D",
            "OLDEST GOOD POINT / BACKUP RPO",
            "CHECKS FAILING",
        ]
        .map(str::to_string)
        .to_vec(),
    ];
    for w in &report.workloads {
        let lag = w.worst_lag_seconds.map_or_else(
            || "—".to_string(),
            |s| format_lag(Duration::from_secs_f64(s)),
        );
        let oldest = match (w.oldest_recovery_point, w.resources_without_recovery_point) {
            (_, n) if n > 0 => format!("NONE for {n}"),
            (Some(t), _) => format!(
                "{} ago",
                format_duration(age_between(t, report.generated_at))
            ),
            (None, _) => "—".to_string(),
        };
        rows.push(vec![
            w.name
                .clone()
                .unwrap_or_else(|| "(no workload)".to_string()),
            w.verdict.label(),
            w.replicas.to_string(),
            format!(
                "{lag} / {}",
                format_duration(Duration::from_secs(w.rpo_seconds))
            ),
            format!(
                "{} / {}",
                percent(w.backup_success_24h),
                percent(w.backup_success_7d)
            ),
            format!(
                "{oldest} / {}",
                format_duration(Duration::from_secs(w.backup_rpo_seconds))
            ),
            format!("{}/{}", w.failing_health_checks.len(), w.health_checks),
        ]);
    }
    for line in columns(&rows) {
        out.push_str(&line);
        out.push('\n');
    }

    let region_wide: Vec<&BackupLine> = report
        .backups
        .iter()
        .filter(|b| b.vault == ALL_VAULTS)
        .collect();
    if !region_wide.is_empty() {
        out.push_str("\nBACKUPS, WHOLE REGION\n");
        let mut rows = vec![
            ["REGION", "TYPE", "24H", "7D", "14D"]
                .map(str::to_string)
                .to_vec(),
        ];
        for b in region_wide {
            rows.push(vec![
                b.region.clone(),
                b.resource_type.clone(),
                percent(b.success_24h),
                percent(b.success_7d),
                percent(b.success_14d),
            ]);
        }
        for line in columns(&rows) {
            out.push_str(&line);
            out.push('\n');
        }
    }

    if !report.problems.is_empty() {
        out.push_str("\nPROBLEMS\n");
        let rows: Vec<Vec<String>> = report
            .problems
            .iter()
            .map(|p| vec![p.verdict.label(), p.what.clone(), p.reason.clone()])
            .collect();
        for line in columns(&rows) {
            out.push_str(&line);
            out.push('\n');
        }
    }
    if !report.fetch_errors.is_empty() {
        out.push_str("\nNOT FETCHED (the rest is shown; these may hide worse)\n");
        for e in &report.fetch_errors {
            out.push_str(&format!(
                "{} {}: {} — {}: {}\n",
                e.region, e.feed, e.kind, e.call, e.message
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::Clock;
    use crate::fleet::{BackupHealth, CheckerObservation, HealthCheck, Replica, Snapshot};
    use crate::source::sim::{Scenario, SimFleet, SimOptions};
    use crate::source::{FetchResult, SourceErrorKind};

    fn t0() -> Timestamp {
        Timestamp::from_second(1_800_000_000).expect("valid")
    }

    fn sim() -> SimFleet {
        SimFleet::new(SimOptions {
            clock: Clock::manual(t0()),
            ..SimOptions::default()
        })
    }

    fn demo() -> Mode {
        Mode::Demo {
            scenario: Scenario::Normal,
        }
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
        let app = app_from(demo(), "sim", &source.regions(), workloads, events, t0());
        let report = report(&app, None);
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
        assert_eq!(report.replicas.len(), app.replica_rows().len());
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
        let app = app_from(
            demo(),
            "test",
            &source.regions(),
            crate::fleet::Workloads::default(),
            events,
            t0(),
        );
        let report = report(&app, None);
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
            events.push(Event::Replicas {
                region: region.to_string(),
                result: replicas,
            });
        }
        let regions: Vec<String> = ["us-east-1", "us-west-2", "eu-west-1"]
            .map(String::from)
            .to_vec();
        let workloads = crate::config::Config::default().workloads(sim.workloads());
        let app = app_from(demo(), "sim", &regions, workloads, events, t0());
        let report = report(&app, None);
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
}
