//! What runbook actions do to the simulated fleet, so a drill against it changes what the
//! cockpit shows: a promoted replica stops replicating, a flipped failover pair answers from
//! the DR region, a DR endpoint whose database was read-only recovers once it is promoted, a
//! global database changes roles, a restore job takes a while and leaves an instance behind.
//!
//! Every change is timed on the simulator's clock (a few seconds, so a drill is watchable),
//! and the rest of the simulator stays a pure function of seed, scenario and time: this is the
//! only state it keeps.

use super::SimFleet;
use super::estate::SimHealthCheck;
use super::signals;
use crate::fleet::{
    CheckStatus, CheckerObservation, FailoverRecord, FailoverRole, JobState, Replica, ReplicaKind,
    ReplicationState,
};
use crate::runbook::act::port::{
    ActionResult, Actions, CallerIdentity, ChangeStatus, ClusterMember, DbCluster, DbInstance,
    GlobalCluster, GlobalMember, HealthState, Observed, Receipt, RecordChange, RecordSet,
    RecoveryPoint, RestoreJob, RestoreRequest, RestoreStatus,
};
use crate::source::{SourceError, SourceErrorKind};
use async_trait::async_trait;
use jiff::{SignedDuration, Timestamp};
use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

/// The simulated hosted zone (`example.com.`).
pub const ZONE_ID: &str = "Z0EXAMPLESIM";
const ZONE_NAME: &str = "example.com.";
const ACCOUNT: &str = "123456789012";

/// Days of automated backups the simulated instances keep.
const SIM_RETENTION_DAYS: u32 = 7;
/// Seconds until a promoted replica no longer lists a source, and until it is available.
const PROMOTE_DETACH_SECS: i64 = 4;
const PROMOTE_AVAILABLE_SECS: i64 = 8;
const SWITCHOVER_SECS: i64 = 6;
const GLOBAL_FAILOVER_SECS: i64 = 4;
const CLUSTER_FAILOVER_SECS: i64 = 3;
const DNS_INSYNC_SECS: i64 = 2;
/// A restore job runs this long; its instance shows up partway and is available a bit after.
const RESTORE_INSTANCE_AFTER_SECS: i64 = 2;
const RESTORE_SECS: i64 = 8;
const RESTORED_AVAILABLE_SECS: i64 = 10;
const DELETE_SECS: i64 = 3;

/// Health checks of endpoints that serve from a database replica in their own region: while
/// the replica cannot take writes (its source's region is down and it is not promoted) the
/// endpoint answers 503. The demo's DR API serves orders from the us-west-2 replica.
const ENDPOINT_DATABASES: [(&str, &str); 1] = [("hc-api-usw2", "orders-dr-usw2")];
const READ_ONLY_REPORT: &str =
    "Failure: HTTP Status Code 503, Service Unavailable. The database is read-only.";

#[derive(Debug, Default)]
pub struct Drill {
    state: Mutex<DrillState>,
}

#[derive(Debug, Default)]
struct DrillState {
    /// Replica id -> when its promotion was asked for.
    promoted: BTreeMap<String, Timestamp>,
    /// Replica id -> the backup retention its promotion asked for.
    retention: BTreeMap<String, u32>,
    /// Global cluster id -> role changes, oldest first.
    role_changes: BTreeMap<String, Vec<RoleChange>>,
    /// Aurora cluster id -> writer failovers, oldest first.
    writer_moves: BTreeMap<String, Vec<(Timestamp, String)>>,
    /// The zone's records once a change touched them (before that, the estate's).
    records: Option<Vec<RecordSet>>,
    /// Change id -> when it was submitted.
    changes: BTreeMap<String, Timestamp>,
    restores: Vec<SimRestore>,
    /// Instance id -> when its deletion was asked for.
    deleted: BTreeMap<String, Timestamp>,
    counter: u64,
}

#[derive(Debug, Clone)]
struct RoleChange {
    at: Timestamp,
    to: String,
    planned: bool,
}

#[derive(Debug, Clone)]
struct SimRestore {
    id: String,
    region: String,
    target: String,
    token: String,
    engine: String,
    recovery_point: String,
    resource_type: String,
    at: Timestamp,
}

fn secs_since(then: Timestamp, now: Timestamp) -> i64 {
    now.as_second() - then.as_second()
}

fn plus(t: Timestamp, secs: i64) -> Timestamp {
    t.checked_add(SignedDuration::from_secs(secs)).unwrap_or(t)
}

fn not_found(call: &str, what: String) -> SourceError {
    SourceError::new(SourceErrorKind::Other, call, what)
}

/// An Aurora global database the estate implies: `billing-usw2` replicating from
/// `billing-use1` makes the global database `billing-global`.
#[derive(Debug, Clone)]
struct SimGlobal {
    id: String,
    primary: String,
    primary_region: String,
    secondary: String,
    secondary_region: String,
}

impl Drill {
    fn lock(&self) -> std::sync::MutexGuard<'_, DrillState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl SimFleet {
    fn globals(&self) -> Vec<SimGlobal> {
        self.estate
            .replicas
            .iter()
            .filter(|r| r.kind == ReplicaKind::AuroraGlobalSecondary)
            .map(|r| SimGlobal {
                id: format!(
                    "{}-global",
                    r.id.rsplit_once('-').map_or(r.id.as_str(), |(p, _)| p)
                ),
                primary: r.source_id.clone(),
                primary_region: r.source_region.to_string(),
                secondary: r.id.clone(),
                secondary_region: r.region.to_string(),
            })
            .collect()
    }

    /// The writer cluster of a global database at `now`, and the change under way if any.
    fn global_writer(&self, g: &SimGlobal, now: Timestamp) -> (String, Option<&'static str>) {
        let state = self.drill.lock();
        let mut writer = g.primary.clone();
        let mut changing = None;
        for change in state.role_changes.get(&g.id).into_iter().flatten() {
            let takes = if change.planned {
                SWITCHOVER_SECS
            } else {
                GLOBAL_FAILOVER_SECS
            };
            if secs_since(change.at, now) >= takes {
                writer = change.to.clone();
            } else if now >= change.at {
                changing = Some(if change.planned {
                    "switching-over"
                } else {
                    "failing-over"
                });
            }
        }
        (writer, changing)
    }

    /// Aurora clusters of the estate, with their region.
    fn aurora_clusters(&self) -> Vec<(String, String)> {
        self.globals()
            .into_iter()
            .flat_map(|g| {
                [
                    (g.primary.clone(), g.primary_region.clone()),
                    (g.secondary.clone(), g.secondary_region.clone()),
                ]
            })
            .collect()
    }

    /// Promotion time of a replica, if it was promoted.
    fn promoted_at(&self, id: &str) -> Option<Timestamp> {
        self.drill.lock().promoted.get(id).copied()
    }

    /// Applies what drills did to the replicas a poll returns: promoted replicas stop
    /// replicating; a global secondary that became the primary is shown as promoted.
    pub(super) fn adjust_replicas(&self, replicas: &mut [Replica], now: Timestamp) {
        let globals = self.globals();
        for r in replicas.iter_mut() {
            if let Some(at) = self.promoted_at(&r.id).filter(|at| *at <= now) {
                r.state = if secs_since(at, now) < PROMOTE_DETACH_SECS {
                    ReplicationState::Transitioning("promoting".to_string())
                } else {
                    ReplicationState::Promoted
                };
                r.lag_samples.not_active_from(at);
            }
            if let Some(g) = globals.iter().find(|g| g.secondary == r.id) {
                match self.global_writer(g, now) {
                    (_, Some(what)) => {
                        r.state = ReplicationState::Transitioning(what.replace('-', " "));
                    }
                    (writer, None) if writer == r.id => r.state = ReplicationState::Promoted,
                    _ => {}
                }
            }
        }
    }

    /// Whether an endpoint's database can take writes: not when it is a replica whose
    /// source's region is down.
    fn endpoint_database_read_only(&self, check_id: &str, now: Timestamp) -> bool {
        let Some((_, db)) = ENDPOINT_DATABASES.iter().find(|(c, _)| *c == check_id) else {
            return false;
        };
        let Some(replica) = self.estate.replicas.iter().find(|r| r.id == *db) else {
            return false;
        };
        let source_down = self
            .current_outage()
            .is_some_and(|o| o.region == replica.source_region && o.elapsed(now) > 0.0);
        let promoted = self
            .promoted_at(db)
            .is_some_and(|at| secs_since(at, now) >= PROMOTE_DETACH_SECS);
        source_down && !promoted
    }

    /// Checker results with the endpoint-database dependency applied.
    pub(super) fn adjust_observations(
        &self,
        check: &SimHealthCheck,
        observations: &mut [CheckerObservation],
        now: Timestamp,
    ) {
        if self.endpoint_database_read_only(&check.id, now) {
            for o in observations.iter_mut() {
                o.healthy = false;
                o.report = READ_ONLY_REPORT.to_string();
            }
        }
    }

    /// The failover records a health check guards, as they are now.
    pub(super) fn current_guards(
        &self,
        check_id: &str,
        estate_guards: &[FailoverRecord],
    ) -> Vec<FailoverRecord> {
        let state = self.drill.lock();
        let Some(records) = &state.records else {
            return estate_guards.to_vec();
        };
        records
            .iter()
            .filter(|r| r.health_check.as_deref() == Some(check_id))
            .filter_map(|r| {
                Some(FailoverRecord {
                    zone: ZONE_NAME.to_string(),
                    name: r.name.clone(),
                    record_type: r.record_type.clone(),
                    set_identifier: r.set_identifier.clone()?,
                    role: r.failover?,
                    value: r.values.first().cloned().unwrap_or_default(),
                })
            })
            .collect()
    }

    fn estate_records(&self) -> Vec<RecordSet> {
        self.estate
            .checks
            .iter()
            .flat_map(|c| {
                c.guards.iter().map(|g| RecordSet {
                    name: g.name.clone(),
                    record_type: g.record_type.clone(),
                    set_identifier: Some(g.set_identifier.clone()),
                    failover: Some(g.role),
                    values: vec![g.value.clone()],
                    ttl: Some(60),
                    health_check: Some(c.id.clone()),
                })
            })
            .collect()
    }

    fn records_now(&self) -> Vec<RecordSet> {
        let current = self.drill.lock().records.clone();
        current.unwrap_or_else(|| self.estate_records())
    }

    fn zone(&self, zone: &str, call: &str) -> ActionResult<()> {
        if zone == ZONE_ID {
            Ok(())
        } else {
            Err(SourceError::new(
                SourceErrorKind::Other,
                call,
                format!(
                    "NoSuchHostedZone: no hosted zone {zone} (the simulated zone is {ZONE_ID})"
                ),
            ))
        }
    }

    fn check_status(&self, id: &str, now: Timestamp) -> Option<(CheckStatus, usize, usize)> {
        let checks = self.health_checks_at(now).ok()?.data;
        let c = checks.into_iter().find(|c| c.id == id)?;
        let (healthy, total) = c.checker_counts().unwrap_or((0, 0));
        Some((c.status, healthy, total))
    }

    fn reachable(&self, region: &str, call: &str, now: Timestamp) -> ActionResult<()> {
        Self::known_region(region, call)?;
        self.refuse_if_down(region, call, now)
    }

    /// Instances of the estate (replicas and their sources) plus restored ones, as now.
    fn instance(&self, region: &str, id: &str, now: Timestamp) -> Option<DbInstance> {
        let state = self.drill.lock();
        if let Some(at) = state.deleted.get(id)
            && secs_since(*at, now) >= DELETE_SECS
        {
            return None;
        }
        let deleting = state.deleted.contains_key(id);
        if let Some(r) = state
            .restores
            .iter()
            .rev()
            .find(|r| r.target == id && r.region == region)
        {
            let age = secs_since(r.at, now);
            if age < RESTORE_INSTANCE_AFTER_SECS {
                return None;
            }
            let status = if deleting {
                "deleting"
            } else if age < RESTORED_AVAILABLE_SECS {
                "creating"
            } else {
                "available"
            };
            return Some(DbInstance {
                id: id.to_string(),
                region: region.to_string(),
                status: status.to_string(),
                replica_source: None,
                engine: r.engine.clone(),
                backup_retention_days: Some(1),
            });
        }
        let promoted = state.promoted.get(id).copied();
        let retention = state.retention.get(id).copied();
        drop(state);
        for r in &self.estate.replicas {
            if r.kind != ReplicaKind::RdsReadReplica {
                continue;
            }
            if r.id == id && r.region == region {
                let since = promoted.map(|at| secs_since(at, now));
                let (status, source) = match since {
                    Some(s) if s >= PROMOTE_AVAILABLE_SECS => ("available", None),
                    Some(s) if s >= PROMOTE_DETACH_SECS => ("backing-up", None),
                    Some(_) => ("modifying", Some(r.source_id.clone())),
                    None => ("available", Some(r.source_id.clone())),
                };
                return Some(DbInstance {
                    id: id.to_string(),
                    region: region.to_string(),
                    status: status.to_string(),
                    replica_source: source,
                    engine: r.engine.to_string(),
                    // What a promotion asked for; the replica keeps a week of backups before.
                    backup_retention_days: Some(retention.unwrap_or(SIM_RETENTION_DAYS)),
                });
            }
            if r.source_id == id && r.source_region == region {
                return Some(DbInstance {
                    id: id.to_string(),
                    region: region.to_string(),
                    status: "available".to_string(),
                    replica_source: None,
                    engine: r.engine.to_string(),
                    backup_retention_days: Some(SIM_RETENTION_DAYS),
                });
            }
        }
        None
    }

    fn cluster(&self, region: &str, id: &str, now: Timestamp) -> Option<DbCluster> {
        let (_, cluster_region) = self
            .aurora_clusters()
            .into_iter()
            .find(|(c, r)| c == id && r == region)?;
        let members = [format!("{id}-a"), format!("{id}-b")];
        let state = self.drill.lock();
        let mut writer = members[0].clone();
        let mut status = "available";
        for (at, to) in state.writer_moves.get(id).into_iter().flatten() {
            if secs_since(*at, now) >= CLUSTER_FAILOVER_SECS {
                writer = to.clone();
            } else if now >= *at {
                status = "failing-over";
            }
        }
        Some(DbCluster {
            id: id.to_string(),
            region: cluster_region,
            status: status.to_string(),
            members: members
                .iter()
                .map(|m| ClusterMember {
                    instance: m.clone(),
                    is_writer: *m == writer,
                })
                .collect(),
        })
    }

    fn next_id(&self, prefix: &str) -> String {
        let mut state = self.drill.lock();
        state.counter += 1;
        format!("{prefix}{:04}", state.counter)
    }

    fn newest_point(
        &self,
        region: &str,
        vault: &str,
        resource: &str,
        now: Timestamp,
    ) -> Option<RecoveryPoint> {
        let short = resource.rsplit([':', '/']).next().unwrap_or(resource);
        let (index, res) = self
            .estate
            .protected
            .iter()
            .enumerate()
            .find(|(_, p)| p.region == region && p.vault == vault && p.id == short)?;
        let from = now
            .checked_sub(SignedDuration::from_secs(
                crate::fleet::Window::TwoWeeks.seconds(),
            ))
            .unwrap_or(Timestamp::UNIX_EPOCH);
        let outage = self.current_outage();
        let jobs = signals::jobs_between(self.seed, index as u64, res, outage.as_ref(), from, now);
        let newest = jobs
            .iter()
            .rev()
            .find(|j| matches!(j.state, JobState::Completed | JobState::CompletedWithIssues))?;
        Some(RecoveryPoint {
            arn: format!(
                "arn:aws:backup:{region}:{ACCOUNT}:recovery-point:{}-{}",
                res.id, newest.slot
            ),
            resource: res.id.clone(),
            resource_type: res.resource_type.to_string(),
            vault: res.vault.to_string(),
            completed_at: newest.finished_at,
        })
    }

    fn restore_view(&self, r: &SimRestore, now: Timestamp) -> RestoreJob {
        let age = secs_since(r.at, now);
        let (status, completed_at) = if age >= RESTORE_SECS {
            (RestoreStatus::Completed, Some(plus(r.at, RESTORE_SECS)))
        } else {
            (RestoreStatus::Running, None)
        };
        RestoreJob {
            id: r.id.clone(),
            status,
            created_at: r.at,
            completed_at,
            created_resource: (age >= RESTORE_INSTANCE_AFTER_SECS)
                .then(|| format!("arn:aws:rds:{}:{ACCOUNT}:db:{}", r.region, r.target)),
            message: String::new(),
            recovery_point: Some(r.recovery_point.clone()),
            resource_type: Some(r.resource_type.clone()),
        }
    }
}

/// Applies a Route 53 change batch to `records` the way Route 53 does: all or nothing, a
/// DELETE must match a record exactly, a CREATE must not clash with one.
fn apply_changes(records: &mut Vec<RecordSet>, changes: &[RecordChange]) -> Result<(), String> {
    let same = |a: &RecordSet, b: &RecordSet| {
        a.name == b.name && a.record_type == b.record_type && a.set_identifier == b.set_identifier
    };
    let mut next = records.clone();
    for change in changes {
        match change {
            RecordChange::Delete(r) => match next.iter().position(|x| x == r) {
                Some(i) => {
                    next.remove(i);
                }
                None => {
                    return Err(format!(
                        "InvalidChangeBatch: Tried to delete resource record set [name='{}', type='{}'] but it was not found",
                        r.name, r.record_type
                    ));
                }
            },
            RecordChange::Create(r) => {
                if next.iter().any(|x| same(x, r)) {
                    return Err(format!(
                        "InvalidChangeBatch: Tried to create resource record set [name='{}', type='{}'] but it already exists",
                        r.name, r.record_type
                    ));
                }
                next.push(r.clone());
            }
            RecordChange::Upsert(r) => {
                next.retain(|x| !same(x, r));
                next.push(r.clone());
            }
        }
    }
    *records = next;
    Ok(())
}

#[async_trait]
impl Actions for SimFleet {
    fn name(&self) -> &str {
        "sim"
    }

    async fn caller_identity(&self) -> CallerIdentity {
        CallerIdentity::Simulated
    }

    fn poll_every(&self) -> Duration {
        Duration::from_secs(1)
    }

    async fn db_instance(
        &self,
        region: &str,
        id: &str,
    ) -> ActionResult<Observed<Option<DbInstance>>> {
        let now = self.clock.now();
        self.reachable(region, "rds:DescribeDBInstances", now)?;
        Ok(Observed::new(self.instance(region, id, now), now))
    }

    async fn replication_lag(
        &self,
        region: &str,
        replica: &str,
    ) -> ActionResult<Observed<Option<Duration>>> {
        let now = self.clock.now();
        let call = "cloudwatch:GetMetricData";
        let replicas = self.replicas_at(region, now).map_err(|e| SourceError {
            call: call.to_string(),
            ..e
        })?;
        let r = replicas
            .data
            .iter()
            .find(|r| r.id == replica)
            .ok_or_else(|| not_found(call, format!("no replica {replica} in {region}")))?;
        if matches!(r.state, ReplicationState::Promoted) {
            return Ok(Observed::new(None, now));
        }
        let sample = r
            .latest_sample()
            .ok_or_else(|| not_found(call, format!("no lag datapoints for {replica}")))?;
        Ok(Observed::new(sample.lag, sample.at))
    }

    async fn global_cluster(
        &self,
        region: &str,
        id: &str,
    ) -> ActionResult<Observed<Option<GlobalCluster>>> {
        let now = self.clock.now();
        self.reachable(region, "rds:DescribeGlobalClusters", now)?;
        let Some(g) = self.globals().into_iter().find(|g| g.id == id) else {
            return Ok(Observed::new(None, now));
        };
        let (writer, changing) = self.global_writer(&g, now);
        Ok(Observed::new(
            Some(GlobalCluster {
                id: g.id.clone(),
                status: "available".to_string(),
                members: [
                    (g.primary.clone(), g.primary_region.clone()),
                    (g.secondary.clone(), g.secondary_region.clone()),
                ]
                .into_iter()
                .map(|(cluster, region)| GlobalMember {
                    is_writer: cluster == writer,
                    cluster,
                    region,
                })
                .collect(),
                changing: changing.map(str::to_string),
            }),
            now,
        ))
    }

    async fn db_cluster(
        &self,
        region: &str,
        id: &str,
    ) -> ActionResult<Observed<Option<DbCluster>>> {
        let now = self.clock.now();
        self.reachable(region, "rds:DescribeDBClusters", now)?;
        Ok(Observed::new(self.cluster(region, id, now), now))
    }

    async fn record_sets(
        &self,
        zone: &str,
        name: &str,
        record_type: Option<&str>,
    ) -> ActionResult<Observed<Vec<RecordSet>>> {
        let now = self.clock.now();
        self.zone(zone, "route53:ListResourceRecordSets")?;
        let sets = self
            .records_now()
            .into_iter()
            .filter(|r| r.name == name && record_type.is_none_or(|t| r.record_type == t))
            .collect();
        Ok(Observed::new(sets, now))
    }

    async fn dns_answer(
        &self,
        zone: &str,
        name: &str,
        record_type: &str,
    ) -> ActionResult<Observed<Vec<String>>> {
        let now = self.clock.now();
        self.zone(zone, "route53:TestDNSAnswer")?;
        let sets: Vec<RecordSet> = self
            .records_now()
            .into_iter()
            .filter(|r| r.name == name && r.record_type == record_type)
            .collect();
        let healthy = |r: &RecordSet| {
            r.health_check.as_deref().is_none_or(|id| {
                self.check_status(id, now)
                    .is_some_and(|(s, _, _)| s == CheckStatus::Healthy)
            })
        };
        let with_role = |role| sets.iter().find(|r| r.failover == Some(role));
        let answer = match (
            with_role(FailoverRole::Primary),
            with_role(FailoverRole::Secondary),
        ) {
            // Route 53 answers with the primary while it is healthy, else with a healthy
            // secondary, and with the primary when both fail.
            (Some(p), Some(s)) if !healthy(p) && healthy(s) => s.values.clone(),
            (Some(p), _) => p.values.clone(),
            (None, _) => sets.first().map(|r| r.values.clone()).unwrap_or_default(),
        };
        Ok(Observed::new(answer, now))
    }

    async fn dns_change(&self, change_id: &str) -> ActionResult<Observed<ChangeStatus>> {
        let now = self.clock.now();
        let submitted = self
            .drill
            .lock()
            .changes
            .get(change_id)
            .copied()
            .ok_or_else(|| not_found("route53:GetChange", format!("NoSuchChange: {change_id}")))?;
        let status = if secs_since(submitted, now) >= DNS_INSYNC_SECS {
            ChangeStatus::InSync
        } else {
            ChangeStatus::Pending
        };
        Ok(Observed::new(status, now))
    }

    async fn health_check(&self, id: &str) -> ActionResult<Observed<HealthState>> {
        let now = self.clock.now();
        let (status, healthy, total) = self.check_status(id, now).ok_or_else(|| {
            not_found(
                "route53:GetHealthCheckStatus",
                format!("NoSuchHealthCheck: {id}"),
            )
        })?;
        Ok(Observed::new(
            HealthState {
                id: id.to_string(),
                status,
                healthy_checkers: healthy,
                checkers: total,
            },
            now,
        ))
    }

    async fn newest_recovery_point(
        &self,
        region: &str,
        vault: &str,
        resource: &str,
    ) -> ActionResult<Observed<Option<RecoveryPoint>>> {
        let now = self.clock.now();
        self.reachable(region, "backup:ListRecoveryPointsByBackupVault", now)?;
        Ok(Observed::new(
            self.newest_point(region, vault, resource, now),
            now,
        ))
    }

    async fn restore_job(&self, region: &str, job_id: &str) -> ActionResult<Observed<RestoreJob>> {
        let now = self.clock.now();
        let call = "backup:DescribeRestoreJob";
        self.reachable(region, call, now)?;
        let found = self
            .drill
            .lock()
            .restores
            .iter()
            .find(|r| r.id == job_id && r.region == region)
            .cloned();
        let r =
            found.ok_or_else(|| not_found(call, format!("no restore job {job_id} in {region}")))?;
        Ok(Observed::new(self.restore_view(&r, now), now))
    }

    async fn restore_job_that_created(
        &self,
        region: &str,
        resource: &str,
    ) -> ActionResult<Observed<Option<RestoreJob>>> {
        let now = self.clock.now();
        self.reachable(region, "backup:ListRestoreJobs", now)?;
        let found = self
            .drill
            .lock()
            .restores
            .iter()
            .rev()
            .find(|r| r.region == region && r.target == resource)
            .cloned();
        Ok(Observed::new(
            found.map(|r| self.restore_view(&r, now)),
            now,
        ))
    }

    async fn promote_read_replica(
        &self,
        region: &str,
        id: &str,
        backup_retention_days: u32,
    ) -> ActionResult<Receipt> {
        let now = self.clock.now();
        let call = "rds:PromoteReadReplica";
        self.reachable(region, call, now)?;
        match self.instance(region, id, now) {
            Some(db) if db.replica_source.is_some() && db.status == "available" => {
                let mut drill = self.drill.lock();
                drill.promoted.insert(id.to_string(), now);
                drill
                    .retention
                    .insert(id.to_string(), backup_retention_days);
                Ok(Receipt::accepted(None))
            }
            Some(db) => Err(SourceError::new(
                SourceErrorKind::Other,
                call,
                format!(
                    "InvalidDBInstanceState: {id} is not a read replica in the available state (status {})",
                    db.status
                ),
            )),
            None => Err(not_found(call, format!("DBInstanceNotFound: {id}"))),
        }
    }

    async fn switchover_global_cluster(
        &self,
        region: &str,
        global_cluster: &str,
        target_cluster: &str,
    ) -> ActionResult<Receipt> {
        self.change_roles(region, global_cluster, target_cluster, true)
    }

    async fn failover_global_cluster(
        &self,
        region: &str,
        global_cluster: &str,
        target_cluster: &str,
        allow_data_loss: bool,
    ) -> ActionResult<Receipt> {
        if !allow_data_loss {
            return Err(SourceError::new(
                SourceErrorKind::Other,
                "rds:FailoverGlobalCluster",
                "the simulated fleet only fails over with AllowDataLoss",
            ));
        }
        self.change_roles(region, global_cluster, target_cluster, false)
    }

    async fn failover_db_cluster(
        &self,
        region: &str,
        cluster: &str,
        target_instance: Option<&str>,
    ) -> ActionResult<Receipt> {
        let now = self.clock.now();
        let call = "rds:FailoverDBCluster";
        self.reachable(region, call, now)?;
        let c = self
            .cluster(region, cluster, now)
            .ok_or_else(|| not_found(call, format!("DBClusterNotFoundFault: {cluster}")))?;
        let to = match target_instance {
            Some(t) if c.members.iter().any(|m| m.instance == t && !m.is_writer) => t.to_string(),
            Some(t) => {
                return Err(not_found(
                    call,
                    format!("InvalidParameterValue: {t} is not a reader of {cluster}"),
                ));
            }
            None => c
                .members
                .iter()
                .find(|m| !m.is_writer)
                .map(|m| m.instance.clone())
                .ok_or_else(|| not_found(call, format!("{cluster} has no reader")))?,
        };
        self.drill
            .lock()
            .writer_moves
            .entry(cluster.to_string())
            .or_default()
            .push((now, to));
        Ok(Receipt::accepted(None))
    }

    async fn change_record_sets(
        &self,
        zone: &str,
        changes: &[RecordChange],
        _comment: &str,
    ) -> ActionResult<Receipt<String>> {
        let now = self.clock.now();
        let call = "route53:ChangeResourceRecordSets";
        self.zone(zone, call)?;
        let mut records = self.records_now();
        apply_changes(&mut records, changes)
            .map_err(|e| SourceError::new(SourceErrorKind::Other, call, e))?;
        let id = self.next_id("C0SIMCHANGE");
        let mut state = self.drill.lock();
        state.records = Some(records);
        state.changes.insert(id.clone(), now);
        Ok(Receipt::new(id, None))
    }

    async fn start_restore_job(
        &self,
        region: &str,
        request: &RestoreRequest,
    ) -> ActionResult<Receipt<String>> {
        let now = self.clock.now();
        let call = "backup:StartRestoreJob";
        self.reachable(region, call, now)?;
        if let Some(same) = self
            .drill
            .lock()
            .restores
            .iter()
            .find(|r| r.token == request.idempotency_token)
        {
            return Ok(Receipt::new(same.id.clone(), None));
        }
        if self.instance(region, &request.target, now).is_some() {
            return Err(SourceError::new(
                SourceErrorKind::Other,
                call,
                format!("DBInstanceAlreadyExists: {} already exists", request.target),
            ));
        }
        let point_known = self.estate.protected.iter().any(|p| {
            p.region == region && request.recovery_point_arn.contains(&format!(":{}-", p.id))
        });
        if !point_known {
            return Err(not_found(
                call,
                format!("ResourceNotFoundException: {}", request.recovery_point_arn),
            ));
        }
        let id = self.next_id("restore-job-sim-");
        self.drill.lock().restores.push(SimRestore {
            id: id.clone(),
            region: region.to_string(),
            target: request.target.clone(),
            token: request.idempotency_token.clone(),
            engine: format!("{} (restored)", request.resource_type.to_lowercase()),
            recovery_point: request.recovery_point_arn.clone(),
            resource_type: request.resource_type.clone(),
            at: now,
        });
        Ok(Receipt::new(id, None))
    }

    async fn delete_db_instance(&self, region: &str, id: &str) -> ActionResult<Receipt> {
        let now = self.clock.now();
        let call = "rds:DeleteDBInstance";
        self.reachable(region, call, now)?;
        let restored = self
            .drill
            .lock()
            .restores
            .iter()
            .any(|r| r.region == region && r.target == id);
        if !restored || self.instance(region, id, now).is_none() {
            return Err(SourceError::new(
                SourceErrorKind::Other,
                call,
                format!(
                    "the simulated fleet deletes only instances its restore jobs created, and {id} is not one"
                ),
            ));
        }
        self.drill.lock().deleted.insert(id.to_string(), now);
        Ok(Receipt::accepted(None))
    }
}

impl SimFleet {
    fn change_roles(
        &self,
        region: &str,
        global_cluster: &str,
        target: &str,
        planned: bool,
    ) -> ActionResult<Receipt> {
        let now = self.clock.now();
        let call = if planned {
            "rds:SwitchoverGlobalCluster"
        } else {
            "rds:FailoverGlobalCluster"
        };
        self.reachable(region, call, now)?;
        let g = self
            .globals()
            .into_iter()
            .find(|g| g.id == global_cluster)
            .ok_or_else(|| {
                not_found(
                    call,
                    format!("GlobalClusterNotFoundFault: {global_cluster}"),
                )
            })?;
        let (writer, changing) = self.global_writer(&g, now);
        if changing.is_some() {
            return Err(SourceError::new(
                SourceErrorKind::Other,
                call,
                "InvalidGlobalClusterStateFault: a role change is already under way",
            ));
        }
        if writer == target || (target != g.primary && target != g.secondary) {
            return Err(SourceError::new(
                SourceErrorKind::Other,
                call,
                format!("InvalidParameterValue: {target} is not a secondary of {global_cluster}"),
            ));
        }
        if planned {
            // A switchover talks to the primary: it cannot happen while its region is down.
            let writer_region = if writer == g.primary {
                &g.primary_region
            } else {
                &g.secondary_region
            };
            self.refuse_if_down(writer_region, call, now)?;
        }
        self.drill
            .lock()
            .role_changes
            .entry(global_cluster.to_string())
            .or_default()
            .push(RoleChange {
                at: now,
                to: target.to_string(),
                planned,
            });
        Ok(Receipt::accepted(None))
    }
}

#[cfg(test)]
mod tests;
