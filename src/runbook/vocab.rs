//! The words a `ripcord` block may use: the typed actions and the conditions that gates and
//! waits test, with the arguments each takes. Also their resolved forms (`Operation`, `Probe`):
//! arguments filled in and checked, ready for `Actions`, and described for the operator.

use super::params::ParamKind;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::time::Duration;

pub use super::act::Operation;
pub use super::probe::Probe;

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

pub(crate) fn take(args: &Filled, name: &str) -> String {
    args.get(name).cloned().unwrap_or_default()
}

pub(crate) fn take_optional(args: &Filled, name: &str) -> Option<String> {
    args.get(name).filter(|v| !v.is_empty()).cloned()
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
