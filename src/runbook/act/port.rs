//! `Actions`: the reads and changes runbook steps need, behind one object-safe async trait.
//! The simulated fleet implements it (drills), and so does the AWS source
//! (`source::aws::actions`); each method maps to one AWS API call (or a short fixed series of
//! them), named in its doc, so an implementation is a thin translation:
//!
//! `AWS_CALLS` below lists them: the IAM policy of the runbook actions is read off it and the
//! methods each action and condition declares it uses (`ActionSpec::uses`).
//!
//! Changes are made with at most one attempt per call: after a failure or a timeout the
//! caller reads the real state again before deciding anything (see `perform`). A change that
//! was accepted comes back as a `Receipt` carrying the request id AWS knows the call by, so the
//! run log (and the audit log after it) can name it in CloudTrail and in a support case.

use crate::fleet::SourceError;
use crate::fleet::{CheckStatus, FailoverRole};
use async_trait::async_trait;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// Each method of `Actions` and the AWS calls (IAM actions) it makes. The runbook policy
/// (`docs/iam-runbook-policy.json`) grants exactly the calls of the methods the actions and
/// conditions declare they use; `tests/lint` checks it, and `tests/app` records what each one
/// really calls against the simulator.
pub const AWS_CALLS: &[(&str, &[&str])] = &[
    ("caller_identity", &[]), // sts:GetCallerIdentity needs no IAM permission
    ("db_instance", &["rds:DescribeDBInstances"]),
    // `ReplicaLag`, or for a secondary cluster `AuroraGlobalDBRPOLag` (else
    // `AuroraGlobalDBReplicationLag`), asked with its global database's regions when the
    // cluster alone has no datapoints.
    (
        "replication_lag",
        &["cloudwatch:GetMetricData", "rds:DescribeGlobalClusters"],
    ),
    ("global_cluster", &["rds:DescribeGlobalClusters"]),
    ("db_cluster", &["rds:DescribeDBClusters"]),
    ("record_sets", &["route53:ListResourceRecordSets"]),
    // The records, and for a failover pair the health of its records' checks (as
    // `health_check` reads it).
    (
        "dns_answer",
        &[
            "route53:ListResourceRecordSets",
            "route53:GetHealthCheck",
            "route53:GetHealthCheckStatus",
            "cloudwatch:GetMetricData",
        ],
    ),
    ("dns_change", &["route53:GetChange"]),
    // Its kind, then what every checker region saw; for a calculated check (no checkers,
    // and AWS does not answer GetHealthCheckStatus for it) the `HealthCheckStatus` metric.
    (
        "health_check",
        &[
            "route53:GetHealthCheck",
            "route53:GetHealthCheckStatus",
            "cloudwatch:GetMetricData",
        ],
    ),
    (
        "newest_recovery_point",
        &["backup:ListRecoveryPointsByBackupVault"],
    ),
    ("restore_job", &["backup:DescribeRestoreJob"]),
    // Matching `CreatedResourceArn`.
    ("restore_job_that_created", &["backup:ListRestoreJobs"]),
    // `BackupRetentionPeriod` always sent.
    ("promote_read_replica", &["rds:PromoteReadReplica"]),
    (
        "switchover_global_cluster",
        &["rds:SwitchoverGlobalCluster"],
    ),
    // `AllowDataLoss`.
    ("failover_global_cluster", &["rds:FailoverGlobalCluster"]),
    ("failover_db_cluster", &["rds:FailoverDBCluster"]),
    ("change_record_sets", &["route53:ChangeResourceRecordSets"]),
    // The restore metadata, then the job (`IdempotencyToken`), passing the restore role.
    (
        "start_restore_job",
        &[
            "backup:GetRecoveryPointRestoreMetadata",
            "backup:StartRestoreJob",
            "iam:PassRole",
        ],
    ),
    // `SkipFinalSnapshot`.
    ("delete_db_instance", &["rds:DeleteDBInstance"]),
];

/// The AWS calls `method` of `Actions` makes; empty for a name that is not a method.
pub fn aws_calls(method: &str) -> &'static [&'static str] {
    AWS_CALLS
        .iter()
        .find(|(m, _)| *m == method)
        .map_or(&[], |(_, calls)| *calls)
}

/// Errors are the sources' errors: the call that failed, why, and what kind of failure.
pub type ActionResult<T> = Result<T, SourceError>;

/// A value read from a source, and when the source observed it.
#[derive(Debug, Clone, PartialEq)]
pub struct Observed<T> {
    pub value: T,
    pub at: Timestamp,
}

impl<T> Observed<T> {
    pub fn new(value: T, at: Timestamp) -> Self {
        Self { value, at }
    }
}

/// A change the source accepted: its answer (a change id, a job id) and the request id the
/// source knows the call by, when it has one (AWS does; the simulator does not).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt<T = ()> {
    pub value: T,
    pub request_id: Option<String>,
}

impl<T> Receipt<T> {
    pub fn new(value: T, request_id: Option<String>) -> Self {
        Self { value, request_id }
    }
}

impl Receipt<()> {
    pub fn accepted(request_id: Option<String>) -> Self {
        Self::new((), request_id)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DbInstance {
    pub id: String,
    pub region: String,
    /// RDS's status word: `available`, `modifying`, `backing-up`, `deleting`, ...
    pub status: String,
    /// The instance it replicates from, while it is a read replica.
    pub replica_source: Option<String>,
    pub engine: String,
    /// Days of automated backups (point-in-time recovery) it keeps; `None` when not reported.
    pub backup_retention_days: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GlobalMember {
    pub cluster: String,
    pub region: String,
    pub is_writer: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GlobalCluster {
    pub id: String,
    pub status: String,
    pub members: Vec<GlobalMember>,
    /// `switching-over` or `failing-over` while a role change is under way (FailoverState).
    pub changing: Option<String>,
}

impl GlobalCluster {
    pub fn writer(&self) -> Option<&GlobalMember> {
        self.members.iter().find(|m| m.is_writer)
    }

    pub fn member(&self, cluster: &str) -> Option<&GlobalMember> {
        self.members.iter().find(|m| m.cluster == cluster)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClusterMember {
    pub instance: String,
    pub is_writer: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DbCluster {
    pub id: String,
    pub region: String,
    pub status: String,
    pub members: Vec<ClusterMember>,
}

impl DbCluster {
    pub fn writer(&self) -> Option<&str> {
        self.members
            .iter()
            .find(|m| m.is_writer)
            .map(|m| m.instance.as_str())
    }
}

/// One Route 53 record set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordSet {
    pub name: String,
    pub record_type: String,
    pub set_identifier: Option<String>,
    pub failover: Option<FailoverRole>,
    pub values: Vec<String>,
    pub ttl: Option<u32>,
    pub health_check: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecordChange {
    Create(RecordSet),
    Delete(RecordSet),
    Upsert(RecordSet),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeStatus {
    Pending,
    InSync,
}

#[derive(Debug, Clone, PartialEq)]
pub struct HealthState {
    pub id: String,
    pub status: CheckStatus,
    pub healthy_checkers: usize,
    pub checkers: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecoveryPoint {
    pub arn: String,
    pub resource: String,
    pub resource_type: String,
    pub vault: String,
    pub completed_at: Timestamp,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RestoreStatus {
    Pending,
    Running,
    Completed,
    Failed,
    Aborted,
}

impl RestoreStatus {
    pub fn word(self) -> &'static str {
        match self {
            RestoreStatus::Pending => "PENDING",
            RestoreStatus::Running => "RUNNING",
            RestoreStatus::Completed => "COMPLETED",
            RestoreStatus::Failed => "FAILED",
            RestoreStatus::Aborted => "ABORTED",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RestoreJob {
    pub id: String,
    pub status: RestoreStatus,
    pub created_at: Timestamp,
    pub completed_at: Option<Timestamp>,
    /// What the restore made (an instance identifier or ARN), once known.
    pub created_resource: Option<String>,
    pub message: String,
    /// The recovery point it restores, and its resource type, when the source says.
    pub recovery_point: Option<String>,
    pub resource_type: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RestoreRequest {
    pub recovery_point_arn: String,
    /// The vault holding the recovery point (AWS reads the restore metadata from it).
    pub vault: String,
    pub resource_type: String,
    /// The identifier the restored instance gets.
    pub target: String,
    pub iam_role: Option<String>,
    /// Stable for one attempt of one step, so a repeated call starts one job.
    pub idempotency_token: String,
}

/// Whose credentials carry out the actions, for the audit log's operator identity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum CallerIdentity {
    /// What sts:GetCallerIdentity answered.
    Known { arn: String, account: String },
    /// The simulated fleet: no credentials are in use.
    Simulated,
    /// Not known, and why: recorded as such rather than guessed.
    Unknown { why: String },
}

impl CallerIdentity {
    pub fn describe(&self) -> String {
        match self {
            CallerIdentity::Known { arn, .. } => arn.clone(),
            CallerIdentity::Simulated => "simulated".to_string(),
            CallerIdentity::Unknown { why } => format!("unknown ({why})"),
        }
    }
}

#[async_trait]
pub trait Actions: Send + Sync + 'static {
    /// `sim` or `aws`, for the run view.
    fn name(&self) -> &str;

    /// sts:GetCallerIdentity: whose credentials the actions use, asked once per session for
    /// the audit log (the AWS actions ask STS; the simulator says `Simulated`). The default
    /// says "unknown" and why, so a record never claims an identity nobody checked.
    async fn caller_identity(&self) -> CallerIdentity {
        CallerIdentity::Unknown {
            why: format!(
                "the `{}` source does not report its caller identity (sts:GetCallerIdentity is not wired up)",
                self.name()
            ),
        }
    }

    /// How often to read again while waiting for an end state.
    fn poll_every(&self) -> Duration {
        Duration::from_secs(10)
    }

    /// rds:DescribeDBInstances. `None` when there is no such instance.
    async fn db_instance(
        &self,
        region: &str,
        id: &str,
    ) -> ActionResult<Observed<Option<DbInstance>>>;

    /// The newest lag datapoint of a replica (instance or secondary cluster), observed at the
    /// datapoint's time. `None` when replication is not active.
    async fn replication_lag(
        &self,
        region: &str,
        replica: &str,
    ) -> ActionResult<Observed<Option<Duration>>>;

    /// rds:DescribeGlobalClusters. `None` when there is no such global cluster.
    async fn global_cluster(
        &self,
        region: &str,
        id: &str,
    ) -> ActionResult<Observed<Option<GlobalCluster>>>;

    /// rds:DescribeDBClusters. `None` when there is no such cluster.
    async fn db_cluster(&self, region: &str, id: &str)
    -> ActionResult<Observed<Option<DbCluster>>>;

    /// route53:ListResourceRecordSets for one name, of one type or (`None`) of any type.
    async fn record_sets(
        &self,
        zone: &str,
        name: &str,
        record_type: Option<&str>,
    ) -> ActionResult<Observed<Vec<RecordSet>>>;

    /// What Route 53 answers for the name now: a simple record's values, or the value of the
    /// failover record Route 53 picks by its health check.
    async fn dns_answer(
        &self,
        zone: &str,
        name: &str,
        record_type: &str,
    ) -> ActionResult<Observed<Vec<String>>>;

    /// route53:GetChange.
    async fn dns_change(&self, change_id: &str) -> ActionResult<Observed<ChangeStatus>>;

    /// route53:GetHealthCheckStatus.
    async fn health_check(&self, id: &str) -> ActionResult<Observed<HealthState>>;

    /// The newest completed recovery point of a resource in a vault.
    async fn newest_recovery_point(
        &self,
        region: &str,
        vault: &str,
        resource: &str,
    ) -> ActionResult<Observed<Option<RecoveryPoint>>>;

    /// backup:DescribeRestoreJob.
    async fn restore_job(&self, region: &str, job_id: &str) -> ActionResult<Observed<RestoreJob>>;

    /// The restore job that created `resource`, if one did.
    async fn restore_job_that_created(
        &self,
        region: &str,
        resource: &str,
    ) -> ActionResult<Observed<Option<RestoreJob>>>;

    /// rds:PromoteReadReplica, with `BackupRetentionPeriod` always set: left out, AWS gives
    /// the new primary one day of point-in-time recovery.
    async fn promote_read_replica(
        &self,
        region: &str,
        id: &str,
        backup_retention_days: u32,
    ) -> ActionResult<Receipt>;

    /// rds:SwitchoverGlobalCluster.
    async fn switchover_global_cluster(
        &self,
        region: &str,
        global_cluster: &str,
        target_cluster: &str,
    ) -> ActionResult<Receipt>;

    /// rds:FailoverGlobalCluster.
    async fn failover_global_cluster(
        &self,
        region: &str,
        global_cluster: &str,
        target_cluster: &str,
        allow_data_loss: bool,
    ) -> ActionResult<Receipt>;

    /// rds:FailoverDBCluster.
    async fn failover_db_cluster(
        &self,
        region: &str,
        cluster: &str,
        target_instance: Option<&str>,
    ) -> ActionResult<Receipt>;

    /// route53:ChangeResourceRecordSets, all changes in one batch. Returns the change id.
    async fn change_record_sets(
        &self,
        zone: &str,
        changes: &[RecordChange],
        comment: &str,
    ) -> ActionResult<Receipt<String>>;

    /// backup:StartRestoreJob. Returns the restore job id.
    async fn start_restore_job(
        &self,
        region: &str,
        request: &RestoreRequest,
    ) -> ActionResult<Receipt<String>>;

    /// rds:DeleteDBInstance, skipping the final snapshot.
    async fn delete_db_instance(&self, region: &str, id: &str) -> ActionResult<Receipt>;
}

/// DNS names compare without case and without the trailing dot.
pub(crate) fn same_name(a: &str, b: &str) -> bool {
    a.trim_end_matches('.')
        .eq_ignore_ascii_case(b.trim_end_matches('.'))
}
