//! The name of every AWS API call ripcord makes, as IAM spells it. Errors carry these names so
//! an operator sees which permission is missing; `docs/iam-readonly-policy.json` must grant
//! exactly these (a test holds the two together).

pub const RDS_DESCRIBE_DB_INSTANCES: &str = "rds:DescribeDBInstances";
pub const RDS_DESCRIBE_GLOBAL_CLUSTERS: &str = "rds:DescribeGlobalClusters";
pub const CLOUDWATCH_GET_METRIC_DATA: &str = "cloudwatch:GetMetricData";
pub const BACKUP_LIST_BACKUP_JOB_SUMMARIES: &str = "backup:ListBackupJobSummaries";
pub const BACKUP_LIST_BACKUP_JOBS: &str = "backup:ListBackupJobs";
pub const BACKUP_LIST_PROTECTED_RESOURCES: &str = "backup:ListProtectedResources";
pub const BACKUP_LIST_BACKUP_VAULTS: &str = "backup:ListBackupVaults";
pub const BACKUP_LIST_RECOVERY_POINTS_BY_BACKUP_VAULT: &str =
    "backup:ListRecoveryPointsByBackupVault";
pub const ROUTE53_LIST_HEALTH_CHECKS: &str = "route53:ListHealthChecks";
pub const ROUTE53_GET_HEALTH_CHECK_STATUS: &str = "route53:GetHealthCheckStatus";
pub const ROUTE53_LIST_HOSTED_ZONES: &str = "route53:ListHostedZones";
pub const ROUTE53_LIST_RESOURCE_RECORD_SETS: &str = "route53:ListResourceRecordSets";

/// Every call above, for the policy test and `--help`-style listings.
pub const ALL: &[&str] = &[
    RDS_DESCRIBE_DB_INSTANCES,
    RDS_DESCRIBE_GLOBAL_CLUSTERS,
    CLOUDWATCH_GET_METRIC_DATA,
    BACKUP_LIST_BACKUP_JOB_SUMMARIES,
    BACKUP_LIST_BACKUP_JOBS,
    BACKUP_LIST_PROTECTED_RESOURCES,
    BACKUP_LIST_BACKUP_VAULTS,
    BACKUP_LIST_RECOVERY_POINTS_BY_BACKUP_VAULT,
    ROUTE53_LIST_HEALTH_CHECKS,
    ROUTE53_GET_HEALTH_CHECK_STATUS,
    ROUTE53_LIST_HOSTED_ZONES,
    ROUTE53_LIST_RESOURCE_RECORD_SETS,
];
