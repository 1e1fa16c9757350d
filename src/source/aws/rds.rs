//! Finding the replicas that live in a region: RDS read replicas (their source in the same
//! region or, named by ARN, in another) and Aurora global-database secondaries. Replication
//! state comes from the control plane here; lag comes from CloudWatch (`lag.rs`).

use super::calls;
use super::error::aws_error;
use crate::fleet::{Replica, ReplicaKind, ReplicationState};
use crate::source::SourceError;
use aws_sdk_rds::Client;
use aws_sdk_rds::types::{DbCluster, DbInstance, GlobalCluster, GlobalClusterMember};
use std::collections::HashMap;
use std::sync::Mutex;

/// DescribeDBInstances page size: the API's largest (its smallest is 20). The listing itself
/// is `instances::list`, shared with the restore windows.
pub const DEFAULT_PAGE_SIZE: i32 = 100;

/// The replicas each optional part of a region's listing (global clusters, DB clusters) last
/// gave. A part that fails keeps its rows on screen, each saying its state cannot be told
/// now and why, instead of vanishing as if the replicas were gone.
#[derive(Default)]
pub struct LastListed {
    by_part: Mutex<HashMap<(String, &'static str), Vec<Replica>>>,
}

impl LastListed {
    /// The replicas of `part` in `region` from `read`, or after a failure the ones it last
    /// gave, marked unread; with the failure.
    pub fn keep(
        &self,
        region: &str,
        part: &'static str,
        read: Result<Vec<Replica>, SourceError>,
    ) -> (Vec<Replica>, Option<SourceError>) {
        let mut by_part = self.by_part.lock().unwrap_or_else(|p| p.into_inner());
        let key = (region.to_string(), part);
        match read {
            Ok(replicas) => {
                by_part.insert(key, replicas.clone());
                (replicas, None)
            }
            Err(e) => {
                let last = by_part
                    .get(&key)
                    .map(|old| {
                        old.iter()
                            .map(|r| Replica {
                                state: ReplicationState::Unread(e.to_string()),
                                ..r.clone()
                            })
                            .collect()
                    })
                    .unwrap_or_default();
                (last, Some(e))
            }
        }
    }
}

/// Every DB cluster in the region, all pages: Aurora and Multi-AZ DB clusters, whose readers
/// and replica clusters are replicas too.
pub async fn db_clusters(rds: &Client) -> Result<Vec<DbCluster>, SourceError> {
    let mut pages = rds.describe_db_clusters().into_paginator().send();
    let mut clusters = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| aws_error(calls::RDS_DESCRIBE_DB_CLUSTERS, e))?;
        clusters.extend(page.db_clusters().iter().cloned());
    }
    Ok(clusters)
}

/// The Aurora clusters that replicate from no other cluster: where a promoted replica
/// cluster ends up.
pub fn clusters_without_source(clusters: &[DbCluster]) -> Vec<String> {
    clusters
        .iter()
        .filter(|c| c.replication_source_identifier().is_none())
        .filter_map(|c| c.db_cluster_identifier())
        .map(str::to_string)
        .collect()
}

/// The replicas the clusters of `region` hold: each reader of an Aurora or Multi-AZ DB
/// cluster (judged by its instance's status in `statuses`), and each Aurora cluster that
/// replicates from another cluster (`ReplicationSourceIdentifier`). Global-database
/// secondaries are left to `global_secondaries`.
pub fn cluster_replicas(
    clusters: &[DbCluster],
    region: &str,
    statuses: &HashMap<String, Option<String>>,
) -> Vec<Replica> {
    let mut replicas = Vec::new();
    for c in clusters {
        let Some(cluster_id) = c.db_cluster_identifier() else {
            continue;
        };
        let engine = c.engine().unwrap_or("unknown");
        let aurora = engine.starts_with("aurora");
        if let Some(source) = c.replication_source_identifier().filter(|_| aurora) {
            let (source_id, source_region) = match Arn::parse(source) {
                Some(arn) => (arn.resource_id.to_string(), arn.region.to_string()),
                None => (source.to_string(), region.to_string()),
            };
            replicas.push(Replica {
                id: cluster_id.to_string(),
                region: region.into(),
                source_id,
                source_region: source_region.into(),
                engine: engine.into(),
                kind: ReplicaKind::AuroraReplicaCluster,
                state: status_state(c.status()),
                lag_samples: Default::default(),
                lag_problem: None,
            });
        }
        // A Multi-AZ DB cluster is the non-Aurora cluster with an instance class of its own.
        let kind = if aurora {
            ReplicaKind::AuroraReader
        } else if c.db_cluster_instance_class().is_some() {
            ReplicaKind::MultiAzClusterReader
        } else {
            continue;
        };
        let members = c.db_cluster_members();
        let writer = members
            .iter()
            .find(|m| m.is_cluster_writer() == Some(true))
            .and_then(|m| m.db_instance_identifier())
            .unwrap_or("(no writer)");
        for reader in members
            .iter()
            .filter(|m| m.is_cluster_writer() != Some(true))
            .filter_map(|m| m.db_instance_identifier())
        {
            replicas.push(Replica {
                id: reader.to_string(),
                region: region.into(),
                source_id: writer.to_string(),
                source_region: region.into(),
                engine: engine.into(),
                kind,
                state: status_state(statuses.get(reader).and_then(|s| s.as_deref())),
                lag_samples: Default::default(),
                lag_problem: None,
            });
        }
    }
    replicas
}

/// The replicas each region's listings have shown, so that a promotion shows as one. RDS
/// keeps no trace of where a promoted instance replicated from: once promoted it is an
/// instance with no source, like any primary. Only having seen it as a replica tells the
/// two apart, so the cockpit remembers; a one-shot `status` sees a promoted instance as
/// no replica at all.
#[derive(Default)]
pub struct KnownReplicas {
    seen: Mutex<HashMap<(String, String), Replica>>,
}

impl KnownReplicas {
    /// `replicas`, plus as promoted each instance in `without_source` that was seen as a
    /// replica; remembers what was listed and forgets what no longer exists.
    pub fn settle(
        &self,
        region: &str,
        mut replicas: Vec<Replica>,
        without_source: &[String],
    ) -> Vec<Replica> {
        let mut seen = self.seen.lock().unwrap_or_else(|p| p.into_inner());
        let promoted: Vec<Replica> = without_source
            .iter()
            .filter_map(|id| seen.get(&(region.to_string(), id.clone())))
            .map(|was| Replica {
                state: ReplicationState::Promoted,
                lag_samples: Default::default(),
                lag_problem: None,
                ..was.clone()
            })
            .collect();
        replicas.extend(promoted);
        seen.retain(|(r, _), _| r != region);
        for r in &replicas {
            seen.insert((region.to_string(), r.id.clone()), r.clone());
        }
        replicas
    }
}

/// Aurora global secondaries whose cluster lives in `region`, all pages. The global-cluster
/// listing is the same from every region; each region keeps only its own members.
pub async fn global_secondaries(rds: &Client, region: &str) -> Result<Vec<Replica>, SourceError> {
    let mut pages = rds.describe_global_clusters().into_paginator().send();
    let mut replicas = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| aws_error(calls::RDS_DESCRIBE_GLOBAL_CLUSTERS, e))?;
        for global in page.global_clusters() {
            replicas.extend(secondaries_of(global, region));
        }
    }
    Ok(replicas)
}

/// The replica `db` is, when it is a read replica (it names its source).
pub(super) fn replica_of_instance(db: &DbInstance, region: &str) -> Option<Replica> {
    let source = db.read_replica_source_db_instance_identifier()?;
    // A cross-region source is named by its ARN; an in-region source by its identifier.
    let (source_id, source_region) = match Arn::parse(source) {
        Some(arn) => (arn.resource_id.to_string(), arn.region.to_string()),
        None => (source.to_string(), region.to_string()),
    };
    Some(Replica {
        id: db.db_instance_identifier()?.to_string(),
        region: region.into(),
        source_id,
        source_region: source_region.into(),
        engine: db.engine().unwrap_or("unknown").into(),
        kind: ReplicaKind::RdsReadReplica,
        state: instance_state(db),
        lag_samples: Default::default(),
        lag_problem: None,
    })
}

/// Every DB instance status RDS documents (DescribeDBInstances, `DBInstanceStatus`), sorted by
/// what it means for a replica. A status in none of these lists is shown as it is and judged
/// "cannot tell": a status added after this was written must never read as healthy.
///
/// The instance serves and keeps applying changes; the lag metric judges it.
const APPLYING_INSTANCE_STATES: &[&str] = &[
    "available",
    "backing-up",
    "backtracking",
    "configuring-activity-stream",
    "configuring-enhanced-monitoring",
    "configuring-iam-database-auth",
    "configuring-log-exports",
    "storage-initialization",
    "storage-optimization",
];

/// The replica cannot be applying changes, and will not start again on its own: stopped,
/// out of storage, unable to reach its KMS key, or lacking capacity.
const BROKEN_INSTANCE_STATES: &[&str] = &[
    "failed",
    "inaccessible-encryption-credentials",
    "inaccessible-encryption-credentials-recoverable",
    "incompatible-credentials",
    "incompatible-network",
    "incompatible-option-group",
    "incompatible-parameters",
    "incompatible-restore",
    "insufficient-capacity",
    "restore-error",
    "stopped",
    "storage-full",
    // DB cluster statuses (a replica cluster is judged by its cluster's status).
    "cloning-failed",
    "migration-failed",
];

/// The replica is going away: shown as what RDS says (`deleting`), judged CRIT.
const DELETING_INSTANCE_STATES: &[&str] = &["deleting", "delete-precheck"];

/// Operations that pass on their own, during which the replica may not be applying changes.
const TRANSIENT_INSTANCE_STATES: &[&str] = &[
    "converting-to-vpc",
    "creating",
    "maintenance",
    "modifying",
    "moving-to-vpc",
    "rebooting",
    "renaming",
    "resetting-master-credentials",
    "starting",
    "stopping",
    "storage-config-upgrade",
    "upgrading",
    // DB cluster statuses.
    "failing-over",
    "migrating",
    "promoting",
    "update-iam-db-auth",
];

/// What the read-replication status info and the instance status say, worst first.
fn instance_state(db: &DbInstance) -> ReplicationState {
    let replication = db
        .status_infos()
        .iter()
        .find(|i| i.status_type() == Some("read replication"));
    if let Some(info) = replication {
        let status = info.status().unwrap_or("unknown");
        let message = info.message().map(|m| format!(": {m}")).unwrap_or_default();
        match status {
            "error" | "stopped" | "terminated" => {
                return ReplicationState::Broken(format!("read replication {status}{message}"));
            }
            "replicating" => {}
            // e.g. "replication degraded": not broken, not normal either.
            other => return ReplicationState::Transitioning(other.to_string()),
        }
    }
    status_state(db.db_instance_status())
}

/// The instance status alone, as `instance_state` judges it.
fn status_state(status: Option<&str>) -> ReplicationState {
    match status {
        Some(s) if DELETING_INSTANCE_STATES.contains(&s) => {
            ReplicationState::Deleting(s.to_string())
        }
        Some(s) if BROKEN_INSTANCE_STATES.contains(&s) => {
            ReplicationState::Broken(format!("instance is {s}"))
        }
        Some(s) if TRANSIENT_INSTANCE_STATES.contains(&s) => {
            ReplicationState::Transitioning(s.to_string())
        }
        Some(s) if APPLYING_INSTANCE_STATES.contains(&s) => ReplicationState::Replicating,
        Some(other) => ReplicationState::Unrecognized(other.to_string()),
        None => ReplicationState::Unrecognized("(no status)".to_string()),
    }
}

fn secondaries_of(global: &GlobalCluster, region: &str) -> Vec<Replica> {
    let members = global.global_cluster_members();
    let writer = members
        .iter()
        .find(|m| m.is_writer() == Some(true))
        .and_then(|m| m.db_cluster_arn())
        .and_then(Arn::parse);
    members
        .iter()
        .filter(|m| m.is_writer() != Some(true))
        .filter_map(|m| {
            let arn = Arn::parse(m.db_cluster_arn()?)?;
            (arn.region == region).then(|| Replica {
                id: arn.resource_id.to_string(),
                region: region.into(),
                source_id: writer
                    .as_ref()
                    .map_or("(no writer)", |w| w.resource_id)
                    .to_string(),
                source_region: writer.as_ref().map_or(region, |w| w.region).into(),
                engine: global.engine().unwrap_or("aurora").into(),
                kind: ReplicaKind::AuroraGlobalSecondary,
                state: global_state(global, m),
                lag_samples: Default::default(),
                lag_problem: None,
            })
        })
        .collect()
}

/// A switchover or failover in progress outranks everything; then a member that needs a
/// resync; then the global cluster's own status.
fn global_state(global: &GlobalCluster, member: &GlobalClusterMember) -> ReplicationState {
    // Matched on the wire string: the SDK's FailoverStatus enum lacks `switching-over`.
    if let Some(status) = global.failover_state().and_then(|f| f.status()) {
        match status.as_str() {
            "pending" | "failing-over" | "switching-over" | "cancelling" => {
                return ReplicationState::Transitioning(format!("global {}", status.as_str()));
            }
            _ => {}
        }
    }
    if let Some(sync) = member.synchronization_status()
        && sync.as_str() == "pending-resync"
    {
        return ReplicationState::Broken(
            "secondary cluster is pending a resync from the primary".to_string(),
        );
    }
    match global.status() {
        None | Some("available") => ReplicationState::Replicating,
        Some(other) => ReplicationState::Transitioning(format!("global {other}")),
    }
}

/// The parts of an ARN ripcord needs: `arn:aws:rds:us-east-1:123456789012:db:orders-primary`.
#[derive(Debug, PartialEq, Eq)]
pub struct Arn<'a> {
    pub region: &'a str,
    pub resource_id: &'a str,
}

impl<'a> Arn<'a> {
    pub fn parse(text: &'a str) -> Option<Arn<'a>> {
        let mut parts = text.splitn(6, ':');
        if parts.next()? != "arn" {
            return None;
        }
        let (_partition, _service, region, _account) =
            (parts.next()?, parts.next()?, parts.next()?, parts.next()?);
        let resource = parts.next()?;
        // `db:name`, `cluster:name`, `volume/vol-1`: the identifier is the last segment.
        let resource_id = resource.rsplit([':', '/']).next()?;
        Some(Arn {
            region,
            resource_id,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_rds::types::{
        DbInstanceStatusInfo, FailoverState, FailoverStatus,
        GlobalClusterMemberSynchronizationStatus,
    };

    fn replica_instance(source: &str) -> aws_sdk_rds::types::builders::DbInstanceBuilder {
        DbInstance::builder()
            .db_instance_identifier("orders-dr")
            .engine("postgres")
            .db_instance_status("available")
            .read_replica_source_db_instance_identifier(source)
    }

    #[test]
    fn arns_give_region_and_identifier() {
        assert_eq!(
            Arn::parse("arn:aws:rds:us-east-1:123456789012:db:orders-primary"),
            Some(Arn {
                region: "us-east-1",
                resource_id: "orders-primary"
            })
        );
        assert_eq!(Arn::parse("orders-primary"), None);
    }

    #[test]
    fn in_region_and_cross_region_sources() {
        let local = replica_of_instance(&replica_instance("orders-primary").build(), "us-east-1")
            .expect("a replica");
        assert_eq!(
            (local.source_id.as_str(), &*local.source_region),
            ("orders-primary", "us-east-1")
        );
        assert!(!local.is_cross_region());
        let remote = replica_of_instance(
            &replica_instance("arn:aws:rds:us-east-1:1:db:orders-primary").build(),
            "us-west-2",
        )
        .expect("a replica");
        assert_eq!(&*remote.source_region, "us-east-1");
        assert!(remote.is_cross_region());
        assert_eq!(remote.state, ReplicationState::Replicating);
        let primary = DbInstance::builder().db_instance_identifier("p").build();
        assert!(replica_of_instance(&primary, "us-east-1").is_none());
    }

    #[test]
    fn status_infos_and_instance_status_decide_the_state() {
        let errored = replica_instance("p")
            .status_infos(
                DbInstanceStatusInfo::builder()
                    .status_type("read replication")
                    .status("error")
                    .normal(false)
                    .message("Replication has stopped: binlog missing")
                    .build(),
            )
            .build();
        assert_eq!(
            instance_state(&errored),
            ReplicationState::Broken(
                "read replication error: Replication has stopped: binlog missing".into()
            )
        );
        let full = replica_instance("p")
            .db_instance_status("storage-full")
            .build();
        assert!(matches!(instance_state(&full), ReplicationState::Broken(_)));
        let creating = replica_instance("p").db_instance_status("creating").build();
        assert_eq!(
            instance_state(&creating),
            ReplicationState::Transitioning("creating".into())
        );
    }

    /// Issue 9 item 4: these statuses used to fall through to "replicating".
    #[test]
    fn no_instance_status_falls_through_to_replicating() {
        let state_of = |status: &str| {
            instance_state(&replica_instance("p").db_instance_status(status).build())
        };
        for status in [
            "incompatible-option-group",
            "insufficient-capacity",
            "inaccessible-encryption-credentials",
            "inaccessible-encryption-credentials-recoverable",
            "storage-full",
            "stopped",
            "failed",
        ] {
            assert!(
                matches!(state_of(status), ReplicationState::Broken(ref why) if why.contains(status)),
                "{status}: {:?}",
                state_of(status)
            );
        }
        for status in ["maintenance", "storage-config-upgrade", "moving-to-vpc"] {
            assert_eq!(
                state_of(status),
                ReplicationState::Transitioning(status.into()),
                "{status}"
            );
        }
        assert_eq!(state_of("available"), ReplicationState::Replicating);
        assert_eq!(state_of("backing-up"), ReplicationState::Replicating);
        // A status RDS adds after this was written is shown as it is, never as healthy.
        assert_eq!(
            state_of("some-new-status"),
            ReplicationState::Unrecognized("some-new-status".into())
        );
        let no_status = replica_instance("p").set_db_instance_status(None).build();
        assert_eq!(
            instance_state(&no_status),
            ReplicationState::Unrecognized("(no status)".into())
        );
    }

    /// A replica being deleted said `BROKEN` in the state column: it is not broken, it is
    /// going away, and the column says so (`deleting`). It is still CRIT: it will stop
    /// replicating for good.
    #[test]
    fn a_replica_being_deleted_reads_deleting_and_stays_crit() {
        for status in ["deleting", "delete-precheck"] {
            let instance =
                instance_state(&replica_instance("p").db_instance_status(status).build());
            // A replica cluster is judged by its cluster's status the same way.
            let cluster = status_state(Some(status));
            for state in [instance, cluster] {
                assert_eq!(state.short(), status, "{state:?}");
                let replica = Replica {
                    state,
                    ..replica_of_instance(&replica_instance("p").build(), "us-east-1")
                        .expect("a replica")
                };
                let e = crate::fleet::evaluate::replica(
                    &replica,
                    &crate::fleet::Workloads::default().targets_for("p"),
                    &crate::fleet::Thresholds::default(),
                    jiff::Timestamp::UNIX_EPOCH,
                );
                assert_eq!(e.verdict, crate::fleet::Verdict::Crit, "{}", e.reason);
                assert!(e.reason.contains("being deleted"), "{}", e.reason);
            }
        }
    }

    fn global(members: Vec<GlobalClusterMember>, failover: Option<&str>) -> GlobalCluster {
        GlobalCluster::builder()
            .global_cluster_identifier("orders-global")
            .engine("aurora-postgresql")
            .status("available")
            .set_global_cluster_members(Some(members))
            .set_failover_state(failover.map(|s| {
                FailoverState::builder()
                    .status(FailoverStatus::from(s))
                    .build()
            }))
            .build()
    }

    fn member(arn: &str, writer: bool) -> GlobalClusterMember {
        GlobalClusterMember::builder()
            .db_cluster_arn(arn)
            .is_writer(writer)
            .build()
    }

    #[test]
    fn global_secondaries_belong_to_their_own_region() {
        let g = global(
            vec![
                member("arn:aws:rds:us-east-1:1:cluster:orders-use1", true),
                member("arn:aws:rds:us-west-2:1:cluster:orders-usw2", false),
                member("arn:aws:rds:eu-west-1:1:cluster:orders-euw1", false),
            ],
            None,
        );
        let west = secondaries_of(&g, "us-west-2");
        assert_eq!(west.len(), 1);
        let r = &west[0];
        assert_eq!(
            (r.id.as_str(), r.source_id.as_str(), &*r.source_region),
            ("orders-usw2", "orders-use1", "us-east-1")
        );
        assert_eq!(r.kind, ReplicaKind::AuroraGlobalSecondary);
        assert_eq!(r.state, ReplicationState::Replicating);
        assert!(
            secondaries_of(&g, "us-east-1").is_empty(),
            "the writer is no replica"
        );
    }

    #[test]
    fn switching_over_is_seen_although_the_sdk_enum_lacks_it() {
        let g = global(
            vec![
                member("arn:aws:rds:us-east-1:1:cluster:a", true),
                member("arn:aws:rds:us-west-2:1:cluster:b", false),
            ],
            Some("switching-over"),
        );
        assert_eq!(
            secondaries_of(&g, "us-west-2")[0].state,
            ReplicationState::Transitioning("global switching-over".into())
        );
    }

    #[test]
    fn a_member_pending_resync_is_broken() {
        let resync = GlobalClusterMember::builder()
            .db_cluster_arn("arn:aws:rds:us-west-2:1:cluster:b")
            .is_writer(false)
            .synchronization_status(GlobalClusterMemberSynchronizationStatus::from(
                "pending-resync",
            ))
            .build();
        let g = global(
            vec![member("arn:aws:rds:us-east-1:1:cluster:a", true), resync],
            None,
        );
        assert!(matches!(
            secondaries_of(&g, "us-west-2")[0].state,
            ReplicationState::Broken(_)
        ));
    }
}
