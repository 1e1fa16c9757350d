//! The words a `ripcord` block may use: the typed actions and the conditions that gates and
//! waits test, with the arguments each takes. Also their resolved forms (`Operation`, `Probe`):
//! arguments filled in and checked, ready for `Actions`, and described for the operator.

use super::params::ParamKind;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::time::Duration;

/// One argument an action or condition takes.
#[derive(Debug, Clone, Copy)]
pub struct ArgSpec {
    pub name: &'static str,
    pub kind: ParamKind,
    pub required: bool,
    /// `max: rpo` means the runbook's RPO.
    pub allows_rpo: bool,
    /// `any` means no limit at all: a deliberate override, recorded with the step.
    pub allows_any: bool,
    pub help: &'static str,
}

impl ArgSpec {
    /// Whether `value` is one of the words this argument takes instead of a value of its
    /// kind (`rpo`, `any`).
    pub fn is_keyword(&self, value: &str) -> bool {
        (self.allows_rpo && value == "rpo") || (self.allows_any && value == "any")
    }
}

const fn arg(name: &'static str, kind: ParamKind, help: &'static str) -> ArgSpec {
    ArgSpec {
        name,
        kind,
        required: true,
        allows_rpo: false,
        allows_any: false,
        help,
    }
}

const fn optional(name: &'static str, kind: ParamKind, help: &'static str) -> ArgSpec {
    ArgSpec {
        name,
        kind,
        required: false,
        allows_rpo: false,
        allows_any: false,
        help,
    }
}

use ParamKind as K;

const REGION: ArgSpec = arg("region", K::Region, "the region the resource lives in");

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ActionKind {
    PromoteReadReplica,
    SwitchoverGlobalCluster,
    FailoverGlobalCluster,
    FailoverDbCluster,
    FlipFailoverRecords,
    UpsertRecord,
    RestoreNewestRecoveryPoint,
    DeleteRestoredInstance,
}

impl ActionKind {
    pub const ALL: [ActionKind; 8] = [
        ActionKind::PromoteReadReplica,
        ActionKind::SwitchoverGlobalCluster,
        ActionKind::FailoverGlobalCluster,
        ActionKind::FailoverDbCluster,
        ActionKind::FlipFailoverRecords,
        ActionKind::UpsertRecord,
        ActionKind::RestoreNewestRecoveryPoint,
        ActionKind::DeleteRestoredInstance,
    ];

    pub fn name(self) -> &'static str {
        match self {
            ActionKind::PromoteReadReplica => "promote-read-replica",
            ActionKind::SwitchoverGlobalCluster => "switchover-global-cluster",
            ActionKind::FailoverGlobalCluster => "failover-global-cluster",
            ActionKind::FailoverDbCluster => "failover-db-cluster",
            ActionKind::FlipFailoverRecords => "flip-failover-records",
            ActionKind::UpsertRecord => "upsert-record",
            ActionKind::RestoreNewestRecoveryPoint => "restore-newest-recovery-point",
            ActionKind::DeleteRestoredInstance => "delete-restored-instance",
        }
    }

    pub fn parse(name: &str) -> Option<ActionKind> {
        ActionKind::ALL.into_iter().find(|k| k.name() == name)
    }

    pub fn args(self) -> &'static [ArgSpec] {
        const GLOBAL: ArgSpec = arg(
            "global_cluster",
            K::GlobalClusterId,
            "the global database's identifier",
        );
        const TARGET: ArgSpec = arg(
            "target_cluster",
            K::DbClusterId,
            "the secondary cluster that becomes the primary",
        );
        const PROMOTE: &[ArgSpec] = &[
            arg("replica", K::RdsInstanceId, "the read replica to promote"),
            REGION,
            ArgSpec {
                allows_rpo: true,
                allows_any: true,
                ..optional(
                    "max_lag",
                    K::Duration,
                    "the most replica lag the promotion accepts: a duration, `rpo` (the default) or `any` (a recorded override)",
                )
            },
            optional(
                "backup_retention_days",
                K::Integer,
                "days of point-in-time recovery the promoted instance keeps; the replica's own retention when not given",
            ),
        ];
        const SWITCHOVER: &[ArgSpec] = &[GLOBAL, TARGET, REGION];
        const FAILOVER_GLOBAL: &[ArgSpec] = &[
            GLOBAL,
            TARGET,
            REGION,
            arg(
                "allow_data_loss",
                K::Boolean,
                "must be true: writes not yet replicated are lost",
            ),
        ];
        const FAILOVER_CLUSTER: &[ArgSpec] = &[
            arg("cluster", K::DbClusterId, "the Aurora cluster"),
            REGION,
            optional(
                "target_instance",
                K::RdsInstanceId,
                "the reader to make the writer (else Aurora picks)",
            ),
        ];
        const FLIP: &[ArgSpec] = &[
            arg("zone", K::HostedZoneId, "the hosted zone id"),
            arg("name", K::DnsName, "the record name, e.g. api.example.com."),
            arg(
                "primary",
                K::String,
                "the set identifier of the record that becomes PRIMARY",
            ),
        ];
        const UPSERT: &[ArgSpec] = &[
            arg("zone", K::HostedZoneId, "the hosted zone id"),
            arg("name", K::DnsName, "the record name"),
            arg("type", K::String, "the record type, e.g. CNAME"),
            arg("value", K::String, "the new value"),
            optional("ttl", K::Integer, "seconds; 60 when not given"),
        ];
        const RESTORE: &[ArgSpec] = &[
            REGION,
            arg(
                "vault",
                K::String,
                "the backup vault holding the recovery points",
            ),
            arg(
                "resource",
                K::String,
                "the protected resource (identifier or ARN)",
            ),
            arg(
                "target",
                K::RdsInstanceId,
                "the name of the restored instance",
            ),
            optional(
                "iam_role",
                K::String,
                "the IAM role AWS Backup restores with",
            ),
        ];
        const DELETE: &[ArgSpec] = &[
            arg(
                "instance",
                K::RdsInstanceId,
                "an instance a restore job created",
            ),
            REGION,
        ];
        match self {
            ActionKind::PromoteReadReplica => PROMOTE,
            ActionKind::SwitchoverGlobalCluster => SWITCHOVER,
            ActionKind::FailoverGlobalCluster => FAILOVER_GLOBAL,
            ActionKind::FailoverDbCluster => FAILOVER_CLUSTER,
            ActionKind::FlipFailoverRecords => FLIP,
            ActionKind::UpsertRecord => UPSERT,
            ActionKind::RestoreNewestRecoveryPoint => RESTORE,
            ActionKind::DeleteRestoredInstance => DELETE,
        }
    }

    /// Actions that cannot be undone or lose data always need the typed name.
    pub fn always_destructive(self) -> bool {
        matches!(
            self,
            ActionKind::PromoteReadReplica
                | ActionKind::FailoverGlobalCluster
                | ActionKind::DeleteRestoredInstance
        )
    }

    /// The argument whose value the operator types to confirm a destructive step.
    pub fn confirm_arg(self) -> &'static str {
        match self {
            ActionKind::PromoteReadReplica => "replica",
            ActionKind::SwitchoverGlobalCluster | ActionKind::FailoverGlobalCluster => {
                "global_cluster"
            }
            ActionKind::FailoverDbCluster => "cluster",
            ActionKind::FlipFailoverRecords | ActionKind::UpsertRecord => "name",
            ActionKind::RestoreNewestRecoveryPoint => "target",
            ActionKind::DeleteRestoredInstance => "instance",
        }
    }

    /// How long the end state may take to show before the step fails.
    pub fn default_timeout(self) -> Duration {
        let minutes = match self {
            ActionKind::FlipFailoverRecords | ActionKind::UpsertRecord => 10,
            ActionKind::FailoverDbCluster => 15,
            ActionKind::RestoreNewestRecoveryPoint => 180,
            _ => 60,
        };
        Duration::from_secs(minutes * 60)
    }

    pub fn summary(self) -> &'static str {
        match self {
            ActionKind::PromoteReadReplica => {
                "promote an RDS read replica to a standalone instance (irreversible)"
            }
            ActionKind::SwitchoverGlobalCluster => {
                "planned switchover of an Aurora global database: no data loss"
            }
            ActionKind::FailoverGlobalCluster => {
                "unplanned failover of an Aurora global database: data loss allowed"
            }
            ActionKind::FailoverDbCluster => "fail over an Aurora cluster to another instance",
            ActionKind::FlipFailoverRecords => {
                "make the other record of a Route 53 failover pair PRIMARY"
            }
            ActionKind::UpsertRecord => "create or change a Route 53 record",
            ActionKind::RestoreNewestRecoveryPoint => {
                "restore the newest AWS Backup recovery point into a new instance"
            }
            ActionKind::DeleteRestoredInstance => {
                "delete an instance that a restore job created (and nothing else)"
            }
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ProbeKind {
    ReplicaLagBelow,
    DbInstanceAvailable,
    DbClusterAvailable,
    HealthCheckHealthy,
    HealthCheckFailing,
    DnsAnswerIs,
}

impl ProbeKind {
    pub const ALL: [ProbeKind; 6] = [
        ProbeKind::ReplicaLagBelow,
        ProbeKind::DbInstanceAvailable,
        ProbeKind::DbClusterAvailable,
        ProbeKind::HealthCheckHealthy,
        ProbeKind::HealthCheckFailing,
        ProbeKind::DnsAnswerIs,
    ];

    pub fn name(self) -> &'static str {
        match self {
            ProbeKind::ReplicaLagBelow => "replica-lag-below",
            ProbeKind::DbInstanceAvailable => "db-instance-available",
            ProbeKind::DbClusterAvailable => "db-cluster-available",
            ProbeKind::HealthCheckHealthy => "health-check-healthy",
            ProbeKind::HealthCheckFailing => "health-check-failing",
            ProbeKind::DnsAnswerIs => "dns-answer-is",
        }
    }

    pub fn parse(name: &str) -> Option<ProbeKind> {
        ProbeKind::ALL.into_iter().find(|k| k.name() == name)
    }

    pub fn args(self) -> &'static [ArgSpec] {
        const CHECK: &[ArgSpec] = &[arg("check", K::String, "the Route 53 health check id")];
        const LAG: &[ArgSpec] = &[
            arg(
                "replica",
                K::String,
                "the replica (instance or secondary cluster)",
            ),
            REGION,
            ArgSpec {
                allows_rpo: true,
                ..arg(
                    "max",
                    K::Duration,
                    "a duration, or `rpo` for the runbook's RPO",
                )
            },
        ];
        const INSTANCE: &[ArgSpec] = &[arg("instance", K::RdsInstanceId, "the instance"), REGION];
        const CLUSTER: &[ArgSpec] = &[arg("cluster", K::DbClusterId, "the cluster"), REGION];
        const ANSWER: &[ArgSpec] = &[
            arg("zone", K::HostedZoneId, "the hosted zone id"),
            arg("name", K::DnsName, "the record name"),
            arg("value", K::String, "the answer expected"),
            optional("type", K::String, "the record type; CNAME when not given"),
        ];
        match self {
            ProbeKind::ReplicaLagBelow => LAG,
            ProbeKind::DbInstanceAvailable => INSTANCE,
            ProbeKind::DbClusterAvailable => CLUSTER,
            ProbeKind::HealthCheckHealthy | ProbeKind::HealthCheckFailing => CHECK,
            ProbeKind::DnsAnswerIs => ANSWER,
        }
    }

    pub fn summary(self) -> &'static str {
        match self {
            ProbeKind::ReplicaLagBelow => "a replica's lag is below a limit",
            ProbeKind::DbInstanceAvailable => "an RDS instance reports `available`",
            ProbeKind::DbClusterAvailable => {
                "a DB cluster answers and reports `available` (a region that does not answer fails it)"
            }
            ProbeKind::HealthCheckHealthy => "a Route 53 health check is healthy",
            ProbeKind::HealthCheckFailing => "a Route 53 health check is failing",
            ProbeKind::DnsAnswerIs => "Route 53 answers a name with the value expected",
        }
    }
}

/// Arguments after `{{param}}`s were filled in, by name.
pub type Filled = BTreeMap<&'static str, String>;

/// An action with every argument known and checked: what `Actions` is asked to do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "kebab-case")]
pub enum Operation {
    PromoteReadReplica {
        region: String,
        replica: String,
        /// The lag the promotion accepts (the runbook's RPO unless the step says otherwise);
        /// `None`: not limited (`max_lag: any`, or a runbook without an RPO).
        #[serde(default, with = "humantime_serde")]
        max_lag: Option<Duration>,
        /// Sent with the promotion; the replica's own retention when not given.
        #[serde(default)]
        backup_retention_days: Option<u32>,
    },
    SwitchoverGlobalCluster {
        region: String,
        global_cluster: String,
        target_cluster: String,
    },
    FailoverGlobalCluster {
        region: String,
        global_cluster: String,
        target_cluster: String,
    },
    FailoverDbCluster {
        region: String,
        cluster: String,
        target_instance: Option<String>,
    },
    FlipFailoverRecords {
        zone: String,
        name: String,
        primary: String,
    },
    UpsertRecord {
        zone: String,
        name: String,
        record_type: String,
        value: String,
        ttl: u32,
    },
    RestoreNewestRecoveryPoint {
        region: String,
        vault: String,
        resource: String,
        target: String,
        iam_role: Option<String>,
        /// The recovery point the pre-checks read, pinned when the step is confirmed (before
        /// its intent is recorded): the change restores exactly this one, never another.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        recovery_point: Option<PinnedRecoveryPoint>,
    },
    DeleteRestoredInstance {
        region: String,
        instance: String,
    },
}

/// A recovery point chosen before confirming, as the change needs it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PinnedRecoveryPoint {
    pub arn: String,
    pub resource_type: String,
}

/// A value a read found that the change must use exactly as read, not read again: carried
/// by a `Check` from the pre-checks (or the end state of a step in doubt) into the operation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "pin", rename_all = "kebab-case")]
pub enum Pin {
    RecoveryPoint(PinnedRecoveryPoint),
}

fn take(args: &Filled, name: &str) -> String {
    args.get(name).cloned().unwrap_or_default()
}

fn take_optional(args: &Filled, name: &str) -> Option<String> {
    args.get(name).filter(|v| !v.is_empty()).cloned()
}

impl Operation {
    /// Whether the change is started with an idempotency token (backup:StartRestoreJob), which
    /// the intent records so that sending the step again can never start a second job.
    pub fn takes_idempotency_token(&self) -> bool {
        matches!(self, Operation::RestoreNewestRecoveryPoint { .. })
    }

    /// The operation with the values its checks pinned: the recovery point a restore starts
    /// from. The executor calls it on confirming, before recording the intent, so the intent
    /// names what the change will use. A read that pinned nothing leaves it as it is.
    pub fn pinned(mut self, checks: &[super::work::Check]) -> Operation {
        for pin in checks.iter().filter_map(|c| c.pin.as_ref()) {
            match (pin, &mut self) {
                (
                    Pin::RecoveryPoint(point),
                    Operation::RestoreNewestRecoveryPoint { recovery_point, .. },
                ) => *recovery_point = Some(point.clone()),
                (Pin::RecoveryPoint(_), _) => {}
            }
        }
        self
    }

    /// Builds the operation from checked arguments (`check` and the run's start made sure the
    /// required ones are there and valid); `rpo` is the runbook's.
    pub fn build(kind: ActionKind, args: &Filled, rpo: Option<Duration>) -> Operation {
        let t = |name| take(args, name);
        match kind {
            ActionKind::PromoteReadReplica => Operation::PromoteReadReplica {
                region: t("region"),
                replica: t("replica"),
                max_lag: match take_optional(args, "max_lag").as_deref() {
                    Some("any") => None,
                    None | Some("rpo") => rpo,
                    // Checked before the run started; never unlimited by accident.
                    Some(d) => humantime::parse_duration(d).ok().or(rpo),
                },
                backup_retention_days: take_optional(args, "backup_retention_days")
                    .and_then(|d| d.parse().ok()),
            },
            ActionKind::SwitchoverGlobalCluster => Operation::SwitchoverGlobalCluster {
                region: t("region"),
                global_cluster: t("global_cluster"),
                target_cluster: t("target_cluster"),
            },
            ActionKind::FailoverGlobalCluster => Operation::FailoverGlobalCluster {
                region: t("region"),
                global_cluster: t("global_cluster"),
                target_cluster: t("target_cluster"),
            },
            ActionKind::FailoverDbCluster => Operation::FailoverDbCluster {
                region: t("region"),
                cluster: t("cluster"),
                target_instance: take_optional(args, "target_instance"),
            },
            ActionKind::FlipFailoverRecords => Operation::FlipFailoverRecords {
                zone: t("zone"),
                name: t("name"),
                primary: t("primary"),
            },
            ActionKind::UpsertRecord => Operation::UpsertRecord {
                zone: t("zone"),
                name: t("name"),
                record_type: t("type"),
                value: t("value"),
                ttl: take_optional(args, "ttl")
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(60),
            },
            ActionKind::RestoreNewestRecoveryPoint => Operation::RestoreNewestRecoveryPoint {
                region: t("region"),
                vault: t("vault"),
                resource: t("resource"),
                target: t("target"),
                iam_role: take_optional(args, "iam_role"),
                recovery_point: None,
            },
            ActionKind::DeleteRestoredInstance => Operation::DeleteRestoredInstance {
                region: t("region"),
                instance: t("instance"),
            },
        }
    }

    pub fn kind(&self) -> ActionKind {
        match self {
            Operation::PromoteReadReplica { .. } => ActionKind::PromoteReadReplica,
            Operation::SwitchoverGlobalCluster { .. } => ActionKind::SwitchoverGlobalCluster,
            Operation::FailoverGlobalCluster { .. } => ActionKind::FailoverGlobalCluster,
            Operation::FailoverDbCluster { .. } => ActionKind::FailoverDbCluster,
            Operation::FlipFailoverRecords { .. } => ActionKind::FlipFailoverRecords,
            Operation::UpsertRecord { .. } => ActionKind::UpsertRecord,
            Operation::RestoreNewestRecoveryPoint { .. } => ActionKind::RestoreNewestRecoveryPoint,
            Operation::DeleteRestoredInstance { .. } => ActionKind::DeleteRestoredInstance,
        }
    }

    /// The name the operator types to confirm, when the step is destructive.
    pub fn resource_name(&self) -> &str {
        match self {
            Operation::PromoteReadReplica { replica, .. } => replica,
            Operation::SwitchoverGlobalCluster { global_cluster, .. }
            | Operation::FailoverGlobalCluster { global_cluster, .. } => global_cluster,
            Operation::FailoverDbCluster { cluster, .. } => cluster,
            Operation::FlipFailoverRecords { name, .. } | Operation::UpsertRecord { name, .. } => {
                name
            }
            Operation::RestoreNewestRecoveryPoint { target, .. } => target,
            Operation::DeleteRestoredInstance { instance, .. } => instance,
        }
    }

    /// Exactly what will happen, in the operator's words, shown before confirming.
    pub fn describe(&self) -> Vec<String> {
        match self {
            Operation::PromoteReadReplica {
                region,
                replica,
                max_lag,
                backup_retention_days,
            } => vec![
                format!("Promote read replica {replica} in {region} to a standalone instance."),
                "Replication from its source stops for good: it can never be a replica of it again."
                    .to_string(),
                match max_lag {
                    Some(max) => format!(
                        "Refused unless its lag, read fresh, is below {} (writes within the lag are lost).",
                        crate::fleet::format_duration(*max)
                    ),
                    None => "Its lag is NOT limited (max_lag: any, or no RPO): writes within the lag are lost.".to_string(),
                },
                match backup_retention_days {
                    Some(days) => format!("The promoted instance keeps {days} days of point-in-time recovery."),
                    None => "The promoted instance keeps the replica's backup retention (sent explicitly, not AWS's 1-day default).".to_string(),
                },
                "AWS: rds:PromoteReadReplica, then rds:DescribeDBInstances until it has no source."
                    .to_string(),
            ],
            Operation::SwitchoverGlobalCluster {
                region,
                global_cluster,
                target_cluster,
            } => vec![
                format!(
                    "Switch over (planned, NO data loss) global database {global_cluster}: {target_cluster} ({region}) becomes the primary."
                ),
                "Aurora waits until the secondary has every write, then swaps roles; the old primary becomes a secondary."
                    .to_string(),
                "Needs both regions answering. AWS: rds:SwitchoverGlobalCluster, then rds:DescribeGlobalClusters."
                    .to_string(),
            ],
            Operation::FailoverGlobalCluster {
                region,
                global_cluster,
                target_cluster,
            } => vec![
                format!(
                    "Fail over (unplanned, DATA LOSS allowed) global database {global_cluster} to {target_cluster} ({region})."
                ),
                "Writes the secondary has not received are lost (its lag is in the pre-checks); the old primary is cut off."
                    .to_string(),
                "AWS: rds:FailoverGlobalCluster with AllowDataLoss, then rds:DescribeGlobalClusters."
                    .to_string(),
            ],
            Operation::FailoverDbCluster {
                region,
                cluster,
                target_instance,
            } => vec![
                match target_instance {
                    Some(t) => format!("Fail over Aurora cluster {cluster} ({region}) to instance {t}."),
                    None => format!(
                        "Fail over Aurora cluster {cluster} ({region}) to a reader Aurora picks."
                    ),
                },
                "Connections drop for a few seconds while the writer moves.".to_string(),
                "AWS: rds:FailoverDBCluster, then rds:DescribeDBClusters until the writer changed."
                    .to_string(),
            ],
            Operation::FlipFailoverRecords {
                zone,
                name,
                primary,
            } => vec![
                format!(
                    "Make record set `{primary}` the PRIMARY of failover pair {name} (zone {zone}); the other becomes SECONDARY."
                ),
                "Traffic follows within the record's TTL. One change batch: both records change together."
                    .to_string(),
                "AWS: route53:ChangeResourceRecordSets, then route53:GetChange until INSYNC."
                    .to_string(),
            ],
            Operation::UpsertRecord {
                zone,
                name,
                record_type,
                value,
                ttl,
            } => vec![
                format!("Set {name} {record_type} to {value} (TTL {ttl}s) in zone {zone}."),
                "AWS: route53:ChangeResourceRecordSets (UPSERT), then route53:GetChange until INSYNC."
                    .to_string(),
            ],
            Operation::RestoreNewestRecoveryPoint {
                region,
                vault,
                resource,
                target,
                recovery_point,
                ..
            } => vec![
                match recovery_point {
                    Some(p) => format!(
                        "Restore recovery point {} of {resource} from vault {vault} ({region}) into a new instance {target}.",
                        p.arn
                    ),
                    None => format!(
                        "Restore the newest recovery point of {resource} from vault {vault} ({region}) into a new instance {target}: the one the pre-checks read is pinned when you confirm."
                    ),
                },
                "Measures how long the restore takes, against the runbook's RTO.".to_string(),
                "AWS: backup:StartRestoreJob (with an idempotency token), then backup:DescribeRestoreJob."
                    .to_string(),
            ],
            Operation::DeleteRestoredInstance { region, instance } => vec![
                format!(
                    "Delete instance {instance} in {region}, without a final snapshot."
                ),
                "Refused unless a restore job created it: this action never deletes anything else."
                    .to_string(),
                "AWS: rds:DeleteDBInstance, then rds:DescribeDBInstances until it is gone."
                    .to_string(),
            ],
        }
    }
}

/// A condition with every argument known: what a gate or a wait tests.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "condition", rename_all = "kebab-case")]
pub enum Probe {
    ReplicaLagBelow {
        region: String,
        replica: String,
        #[serde(with = "humantime_serde")]
        max: Duration,
    },
    DbInstanceAvailable {
        region: String,
        instance: String,
    },
    DbClusterAvailable {
        region: String,
        cluster: String,
    },
    HealthCheckHealthy {
        check: String,
    },
    HealthCheckFailing {
        check: String,
    },
    DnsAnswerIs {
        zone: String,
        name: String,
        record_type: String,
        value: String,
    },
}

impl Probe {
    /// Builds the probe from checked arguments; `rpo` is the runbook's, for `max: rpo`.
    pub fn build(kind: ProbeKind, args: &Filled, rpo: Option<Duration>) -> Probe {
        let t = |name| take(args, name);
        match kind {
            ProbeKind::ReplicaLagBelow => {
                let max = t("max");
                Probe::ReplicaLagBelow {
                    region: t("region"),
                    replica: t("replica"),
                    max: if max == "rpo" {
                        rpo.unwrap_or_default()
                    } else {
                        humantime::parse_duration(&max).unwrap_or_default()
                    },
                }
            }
            ProbeKind::DbInstanceAvailable => Probe::DbInstanceAvailable {
                region: t("region"),
                instance: t("instance"),
            },
            ProbeKind::DbClusterAvailable => Probe::DbClusterAvailable {
                region: t("region"),
                cluster: t("cluster"),
            },
            ProbeKind::HealthCheckHealthy => Probe::HealthCheckHealthy { check: t("check") },
            ProbeKind::HealthCheckFailing => Probe::HealthCheckFailing { check: t("check") },
            ProbeKind::DnsAnswerIs => Probe::DnsAnswerIs {
                zone: t("zone"),
                name: t("name"),
                value: t("value"),
                record_type: take_optional(args, "type").unwrap_or_else(|| "CNAME".to_string()),
            },
        }
    }

    /// The condition in words: "lag of orders-dr-usw2 (us-west-2) below 1m".
    pub fn describe(&self) -> String {
        match self {
            Probe::ReplicaLagBelow {
                region,
                replica,
                max,
            } => format!(
                "lag of {replica} ({region}) below {}",
                crate::fleet::format_duration(*max)
            ),
            Probe::DbInstanceAvailable { region, instance } => {
                format!("{instance} ({region}) is available")
            }
            Probe::DbClusterAvailable { region, cluster } => {
                format!("cluster {cluster} ({region}) answers and is available")
            }
            Probe::HealthCheckHealthy { check } => format!("health check {check} is healthy"),
            Probe::HealthCheckFailing { check } => format!("health check {check} is failing"),
            Probe::DnsAnswerIs {
                name,
                record_type,
                value,
                ..
            } => format!("{name} {record_type} answers {value}"),
        }
    }
}

/// The closest known word to a misspelt one, for "did you mean".
pub fn closest<'a>(word: &str, known: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    known
        .map(|k| (edit_distance(word, k), k))
        .filter(|(d, k)| *d <= (k.len() / 3).max(2))
        .min_by_key(|(d, _)| *d)
        .map(|(_, k)| k)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut prev = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            let next = (row[j + 1] + 1).min(row[j] + 1).min(prev + cost);
            prev = row[j + 1];
            row[j + 1] = next;
        }
    }
    row[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for k in ActionKind::ALL {
            assert_eq!(ActionKind::parse(k.name()), Some(k));
            assert!(k.args().iter().any(|a| a.name == k.confirm_arg()));
        }
        for k in ProbeKind::ALL {
            assert_eq!(ProbeKind::parse(k.name()), Some(k));
        }
    }

    #[test]
    fn suggests_near_misses_only() {
        let names = || ActionKind::ALL.into_iter().map(ActionKind::name);
        assert_eq!(
            closest("promote-replica", names()),
            Some("promote-read-replica")
        );
        assert_eq!(closest("reboot-everything", names()), None);
    }
}
