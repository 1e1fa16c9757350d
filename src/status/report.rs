//! The glance as data, read off a `FleetView` fed with one round of answers: what `--json` prints
//! (its schema is in docs/status-json.md) and what the table is drawn from.

use super::SCHEMA_VERSION;
use crate::app::fleet::FleetView;
use crate::fleet::Place;
use crate::fleet::readiness::{Readiness, WorkloadReadiness};
use crate::fleet::{
    JobCounts, NewestPoint, ResourceJobStats, Verdict, Window, Workload, age_between, evaluate,
};
use crate::source::SourceError;
use jiff::Timestamp;
use serde::Serialize;

/// The glance as data: what `--json` prints and the table is drawn from.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub schema_version: u32,
    pub generated_at: Timestamp,
    pub source: String,
    pub profile: Option<String>,
    pub regions: Vec<String>,
    /// The accounts in view, when the config names accounts (absent otherwise).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub accounts: Vec<crate::fleet::AccountLabel>,
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
    /// DR readiness per configured workload, worst first, with every reason and its evidence
    /// (docs/readiness.md). Informative: it does not change `overall` or `exit_code`.
    pub readiness: Vec<WorkloadReadiness>,
}

impl Report {
    /// The report with readiness judged (`FleetView::readiness`): the list, and each
    /// workload's verdict beside its summary.
    pub fn with_readiness(mut self, readiness: Vec<WorkloadReadiness>) -> Report {
        for w in &mut self.workloads {
            w.readiness = readiness
                .iter()
                .find(|r| Some(&r.workload) == w.name.as_ref())
                .map(|r| r.verdict);
        }
        self.readiness = readiness;
        self
    }
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
    /// READY, AT_RISK or NOT_READY (its reasons are in `readiness`); `null` for resources no
    /// workload claims.
    pub readiness: Option<Readiness>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ReplicaLine {
    /// The account, when the config names accounts (absent otherwise).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
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
    /// The account, when the config names accounts (absent otherwise).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
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
    /// The account, when the config names accounts (absent otherwise).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    pub resource_id: String,
    pub resource_type: String,
    pub region: String,
    pub vault: String,
    pub newest_completed: Option<Timestamp>,
    pub age_seconds: Option<u64>,
    /// `false` when it could not be told whether the resource has a recovery point (see
    /// `reason`); `newest_completed: null` then means "unknown", not "none".
    pub known: bool,
    pub workload: Option<String>,
    pub verdict: Verdict,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct JobLine {
    /// The account, when the config names accounts (absent otherwise).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
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
    /// The account, when the config names accounts (absent otherwise).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    pub id: String,
    pub name: String,
    pub target: String,
    pub status: crate::fleet::CheckStatus,
    /// When the status was true: its newest datapoint (judged old after 5 minutes).
    pub status_at: Option<Timestamp>,
    /// `endpoint`, `calculated`, `cloud-watch-alarm`, `recovery-control`, or `alias-target`
    /// (a failover alias record Route 53 decides by its target's health).
    pub kind: crate::fleet::CheckKind,
    pub inverted: bool,
    pub disabled: bool,
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
    /// The account whose feed failed, when the config names accounts (absent otherwise).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub account: Option<String>,
    /// The region, or `global` for Route 53.
    pub region: String,
    /// `timeout`, `access-denied`, `credentials-expired`, `throttled`, `unreachable` or `error`.
    pub kind: &'static str,
    pub call: String,
    pub message: String,
}

impl FetchError {
    fn new(feed: &'static str, place: &Place, e: &SourceError) -> Self {
        use crate::source::SourceErrorKind as K;
        Self {
            feed,
            account: place.account.clone(),
            region: place.region.clone(),
            kind: match e.kind {
                K::Timeout => "timeout",
                K::AccessDenied => "access-denied",
                K::CredentialsExpired => "credentials-expired",
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

/// Reads the glance off a fleet view fed with one round of data.
pub fn report(fleet: &FleetView, profile: Option<&str>) -> Report {
    let now = fleet.now;
    let list = &fleet.workloads.list;
    let rows = fleet.replica_rows("");
    let replicas: Vec<ReplicaLine> = rows
        .iter()
        .map(|row| {
            let r = row.replica;
            ReplicaLine {
                account: row.account.map(str::to_string),
                id: r.id.clone(),
                region: r.region.to_string(),
                source_id: r.source_id.clone(),
                source_region: r.source_region.to_string(),
                engine: r.engine.to_string(),
                kind: r.kind.short(),
                state: match &r.state {
                    crate::fleet::ReplicationState::Broken(why) => format!("broken: {why}"),
                    other => other.short().to_string(),
                },
                // Only a current lag: an old datapoint is not the lag now (null: unknown).
                lag_seconds: r.current_lag(now).flatten().map(|d| d.as_secs_f64()),
                workload: row.targets.workload.clone(),
                verdict: row.eval.verdict,
                reason: row.eval.reason.clone(),
            }
        })
        .collect();
    let vault_rows = fleet.vault_rows("");
    let backups: Vec<BackupLine> = vault_rows
        .iter()
        .map(|v| BackupLine {
            account: v.account.clone(),
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
    let recovery_points: Vec<PointLine> = fleet
        .point_rows("")
        .iter()
        .map(|row| {
            let p = row.point;
            PointLine {
                account: row.account.map(str::to_string),
                resource_id: p.resource_id.clone(),
                resource_type: p.resource_type.to_string(),
                region: p.region.to_string(),
                vault: p.vault.to_string(),
                newest_completed: p.newest.taken_at(),
                age_seconds: p.newest.taken_at().map(|t| age_between(t, now).as_secs()),
                known: !matches!(p.newest, NewestPoint::CannotTell(_)),
                workload: row.targets.workload.clone(),
                verdict: row.eval.verdict,
                reason: row.eval.reason.clone(),
            }
        })
        .collect();
    let failed_jobs = fleet
        .failure_rows("")
        .into_iter()
        .map(|row| {
            let j = row.job;
            JobLine {
                account: row.account.map(str::to_string),
                job_id: j.job_id.clone(),
                region: j.region.to_string(),
                vault: j.vault.to_string(),
                resource_id: j.resource_id.clone(),
                resource_type: j.resource_type.to_string(),
                state: j.state,
                message: j.message.to_string(),
                created_at: j.created_at,
            }
        })
        .collect();
    let health_checks: Vec<CheckLine> = fleet
        .check_rows("")
        .into_iter()
        .map(|row| {
            let c = row.check;
            CheckLine {
                account: row.account.map(str::to_string),
                id: c.id.clone(),
                name: c.name.clone(),
                target: c.target.clone(),
                status: c.status,
                status_at: c.status_at,
                kind: c.kind,
                inverted: c.inverted,
                disabled: c.disabled,
                healthy_percent: c.healthy_percent,
                // By id, by name (a Name tag), or by the domain name it probes.
                workload: claimed_by(
                    list,
                    &[c.id.as_str(), c.name.as_str()]
                        .into_iter()
                        .chain(c.probed_host())
                        .collect::<Vec<_>>(),
                )
                .map(|w| w.name.clone()),
                verdict: row.eval.verdict,
                reason: row.eval.reason,
                guards: c.guards.clone(),
            }
        })
        .collect();

    // One entry per failed call: a feed with several failed calls lists each.
    let mut fetch_errors = Vec::new();
    for (place, feed) in &fleet.replicas {
        if let Some((_, e)) = &feed.last_error {
            fetch_errors.extend(
                e.every()
                    .into_iter()
                    .map(|e| FetchError::new("replicas", place, e)),
            );
        }
    }
    for (place, feed) in &fleet.backups {
        if let Some((_, e)) = &feed.last_error {
            fetch_errors.extend(
                e.every()
                    .into_iter()
                    .map(|e| FetchError::new("backups", place, e)),
            );
        }
    }
    for (account, feed) in &fleet.health {
        if let Some((_, e)) = &feed.last_error {
            let place = Place::new(account.as_deref(), "global");
            fetch_errors.extend(
                e.every()
                    .into_iter()
                    .map(|e| FetchError::new("health", &place, e)),
            );
        }
    }

    let workloads = summarise_workloads(fleet, &replicas, &recovery_points, &health_checks);
    let problems: Vec<Problem> = fleet
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
        source: fleet.source_name.clone(),
        profile: profile.map(str::to_string),
        regions: {
            // Each region once, however many accounts poll it.
            let mut regions: Vec<String> = Vec::new();
            for place in fleet.replicas.keys() {
                if !regions.contains(&place.region) {
                    regions.push(place.region.clone());
                }
            }
            regions
        },
        accounts: fleet.accounts.clone(),
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
        readiness: Vec::new(),
    }
}

/// One summary per configured workload (even one with nothing found: a pattern that matches
/// nothing is worth noticing), then one for whatever no workload claims, if anything.
fn summarise_workloads(
    fleet: &FleetView,
    replicas: &[ReplicaLine],
    points: &[PointLine],
    checks: &[CheckLine],
) -> Vec<WorkloadSummary> {
    let list = &fleet.workloads.list;
    // A workload's backup success comes from its own resources' jobs (the jobs' resource
    // ARNs), whatever vault they share with other workloads; a vault's name says nothing.
    let per_resource: Vec<(Option<String>, &ResourceJobStats)> = fleet
        .backups
        .values()
        .filter_map(|feed| feed.data())
        .flat_map(|health| health.resource_stats.iter())
        .map(|r| (fleet.workloads.targets_for(&r.resource_id).workload, r))
        .collect();
    let groups = list
        .iter()
        .map(|w| (Some(w.name.clone()), w.targets()))
        .chain(std::iter::once((
            None,
            fleet.workloads.default_targets.clone(),
        )));
    let mut out = Vec::new();
    for (name, targets) in groups {
        let mine_r: Vec<&ReplicaLine> = replicas.iter().filter(|r| r.workload == name).collect();
        let mine_p: Vec<&PointLine> = points.iter().filter(|p| p.workload == name).collect();
        let mine_c: Vec<&CheckLine> = checks.iter().filter(|c| c.workload == name).collect();
        let mine_s: Vec<&ResourceJobStats> = per_resource
            .iter()
            .filter(|(owner, _)| *owner == name)
            .map(|(_, s)| *s)
            .collect();
        let found_nothing =
            mine_r.is_empty() && mine_p.is_empty() && mine_c.is_empty() && mine_s.is_empty();
        if name.is_none() && found_nothing {
            continue;
        }
        let window = |w: Window| -> Vec<JobCounts> {
            mine_s
                .iter()
                .filter(|s| s.window == w)
                .map(|s| s.counts)
                .collect()
        };
        let mut day = JobCounts::default();
        window(Window::Day).iter().for_each(|c| day.merge(c));
        // Judged like a vault when something finished in 24 h; a workload backed up weekly
        // is judged by its recovery points' age instead of reading UNKNOWN all week.
        let backup_verdict = (day.finished() > 0).then(|| {
            evaluate::backup_counts(&day, Window::Day, &fleet.workloads.thresholds).verdict
        });
        let verdict = mine_r
            .iter()
            .map(|r| r.verdict)
            .chain(mine_p.iter().map(|p| p.verdict))
            .chain(mine_c.iter().map(|c| c.verdict))
            .chain(backup_verdict)
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
            backup_success_24h: rate(&window(Window::Day)),
            backup_success_7d: rate(&window(Window::Week)),
            recovery_points: mine_p.len(),
            oldest_recovery_point: mine_p.iter().filter_map(|p| p.newest_completed).min(),
            resources_without_recovery_point: mine_p
                .iter()
                .filter(|p| p.known && p.newest_completed.is_none())
                .count(),
            readiness: None,
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
