//! The name of every AWS API call ripcord makes, as IAM spells it. Errors carry these names so
//! an operator sees which permission is missing. Two least-privilege policies grant them, and
//! a test holds each policy and the code together:
//!
//! - `docs/iam-readonly-policy.json` grants `READ_ONLY`: what the cockpit and `ripcord status`
//!   read (every SDK call in `src/source/aws` outside `actions`);
//! - `docs/iam-runbook-policy.json` grants `RUNBOOK` (and `RUNBOOK_PERMISSIONS`): what runbook
//!   actions change, and the reads that check them before and after (every SDK call in
//!   `src/source/aws/actions`). A runbook operator attaches both.
//!
//! `NEEDS_NO_PERMISSION` lists the one call neither policy grants: sts:GetCallerIdentity, which
//! AWS answers for any valid credentials (the audit log records whose credentials acted).

pub const RDS_DESCRIBE_DB_INSTANCES: &str = "rds:DescribeDBInstances";
pub const RDS_DESCRIBE_GLOBAL_CLUSTERS: &str = "rds:DescribeGlobalClusters";
pub const CLOUDWATCH_GET_METRIC_DATA: &str = "cloudwatch:GetMetricData";
pub const BACKUP_LIST_BACKUP_JOB_SUMMARIES: &str = "backup:ListBackupJobSummaries";
pub const BACKUP_LIST_BACKUP_JOBS: &str = "backup:ListBackupJobs";
pub const BACKUP_LIST_PROTECTED_RESOURCES: &str = "backup:ListProtectedResources";
pub const BACKUP_LIST_RECOVERY_POINTS_BY_BACKUP_VAULT: &str =
    "backup:ListRecoveryPointsByBackupVault";
pub const BACKUP_LIST_RECOVERY_POINTS_BY_RESOURCE: &str = "backup:ListRecoveryPointsByResource";
pub const BACKUP_LIST_COPY_JOBS: &str = "backup:ListCopyJobs";
pub const RDS_DESCRIBE_DB_INSTANCE_AUTOMATED_BACKUPS: &str =
    "rds:DescribeDBInstanceAutomatedBackups";
pub const ROUTE53_LIST_HEALTH_CHECKS: &str = "route53:ListHealthChecks";
pub const ROUTE53_GET_HEALTH_CHECK: &str = "route53:GetHealthCheck";
pub const ROUTE53_GET_HEALTH_CHECK_STATUS: &str = "route53:GetHealthCheckStatus";
pub const ROUTE53_LIST_HOSTED_ZONES: &str = "route53:ListHostedZones";
pub const ROUTE53_LIST_RESOURCE_RECORD_SETS: &str = "route53:ListResourceRecordSets";
pub const ROUTE53_LIST_TAGS_FOR_RESOURCES: &str = "route53:ListTagsForResources";

pub const RDS_DESCRIBE_DB_CLUSTERS: &str = "rds:DescribeDBClusters";

// Only runbook actions make these.
pub const RDS_PROMOTE_READ_REPLICA: &str = "rds:PromoteReadReplica";
pub const RDS_SWITCHOVER_GLOBAL_CLUSTER: &str = "rds:SwitchoverGlobalCluster";
pub const RDS_FAILOVER_GLOBAL_CLUSTER: &str = "rds:FailoverGlobalCluster";
pub const RDS_FAILOVER_DB_CLUSTER: &str = "rds:FailoverDBCluster";
pub const RDS_DELETE_DB_INSTANCE: &str = "rds:DeleteDBInstance";
pub const ROUTE53_CHANGE_RESOURCE_RECORD_SETS: &str = "route53:ChangeResourceRecordSets";
pub const ROUTE53_GET_CHANGE: &str = "route53:GetChange";
pub const BACKUP_GET_RECOVERY_POINT_RESTORE_METADATA: &str =
    "backup:GetRecoveryPointRestoreMetadata";
pub const BACKUP_START_RESTORE_JOB: &str = "backup:StartRestoreJob";
pub const BACKUP_DESCRIBE_RESTORE_JOB: &str = "backup:DescribeRestoreJob";
pub const BACKUP_LIST_RESTORE_JOBS: &str = "backup:ListRestoreJobs";

// Needs no IAM permission: AWS answers it for any valid credentials, and an explicit deny
// does not stop it. Asked once per session for the audit log's record of who acted.
pub const STS_GET_CALLER_IDENTITY: &str = "sts:GetCallerIdentity";

/// What the cockpit and `status` call: `docs/iam-readonly-policy.json`.
pub const READ_ONLY: &[&str] = &[
    RDS_DESCRIBE_DB_INSTANCES,
    RDS_DESCRIBE_DB_CLUSTERS,
    RDS_DESCRIBE_GLOBAL_CLUSTERS,
    CLOUDWATCH_GET_METRIC_DATA,
    BACKUP_LIST_BACKUP_JOB_SUMMARIES,
    BACKUP_LIST_BACKUP_JOBS,
    BACKUP_LIST_PROTECTED_RESOURCES,
    BACKUP_LIST_RECOVERY_POINTS_BY_BACKUP_VAULT,
    BACKUP_LIST_RECOVERY_POINTS_BY_RESOURCE,
    BACKUP_LIST_COPY_JOBS,
    RDS_DESCRIBE_DB_INSTANCE_AUTOMATED_BACKUPS,
    ROUTE53_LIST_HEALTH_CHECKS,
    ROUTE53_GET_HEALTH_CHECK_STATUS,
    ROUTE53_LIST_HOSTED_ZONES,
    ROUTE53_LIST_RESOURCE_RECORD_SETS,
    ROUTE53_LIST_TAGS_FOR_RESOURCES,
];

/// What runbook actions call, changes and reads: `docs/iam-runbook-policy.json`.
pub const RUNBOOK: &[&str] = &[
    // Reads: pre-checks, conditions, end states.
    RDS_DESCRIBE_DB_INSTANCES,
    RDS_DESCRIBE_DB_CLUSTERS,
    RDS_DESCRIBE_GLOBAL_CLUSTERS,
    CLOUDWATCH_GET_METRIC_DATA,
    ROUTE53_LIST_RESOURCE_RECORD_SETS,
    ROUTE53_GET_HEALTH_CHECK,
    ROUTE53_GET_HEALTH_CHECK_STATUS,
    ROUTE53_GET_CHANGE,
    BACKUP_LIST_RECOVERY_POINTS_BY_BACKUP_VAULT,
    BACKUP_GET_RECOVERY_POINT_RESTORE_METADATA,
    BACKUP_DESCRIBE_RESTORE_JOB,
    BACKUP_LIST_RESTORE_JOBS,
    // Changes.
    RDS_PROMOTE_READ_REPLICA,
    RDS_SWITCHOVER_GLOBAL_CLUSTER,
    RDS_FAILOVER_GLOBAL_CLUSTER,
    RDS_FAILOVER_DB_CLUSTER,
    RDS_DELETE_DB_INSTANCE,
    ROUTE53_CHANGE_RESOURCE_RECORD_SETS,
    BACKUP_START_RESTORE_JOB,
];

/// Calls the runbook actions make that no policy needs to grant (and so neither policy does).
pub const NEEDS_NO_PERMISSION: &[&str] = &[STS_GET_CALLER_IDENTITY];

/// Permissions the runbook calls need that are no call of their own: StartRestoreJob hands
/// the restore role (`iam_role`) to AWS Backup.
pub const RUNBOOK_PERMISSIONS: &[&str] = &["iam:PassRole"];
