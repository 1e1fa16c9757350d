//! Databases that should have a recovery point and have none. AWS Backup's
//! ListProtectedResources lists only resources that *were* backed up: a database no backup
//! plan covers (a replica promoted to primary yesterday) is simply absent. So the RDS
//! inventory ripcord already reads (the replicas and their sources) is joined to it here.
//!
//! Only databases that take writes are expected to have points: the sources of replicas and
//! promoted replicas. A replica that is still replicating is covered by its source's backups.
//! An inventory or a backup listing that was not read is "cannot tell", never "none missing".

use super::{BackupHealth, NewestPoint, RecoveryPointAge, Replica, ReplicaKind, ReplicationState};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::sync::Arc;

/// A region's feed as far as this join is concerned: read, or not read and why.
#[derive(Debug, Clone, Copy)]
pub enum Read<'a, T: ?Sized> {
    Known(&'a T),
    NotRead(&'a str),
}

/// The last segment of an ARN or identifier: `arn:aws:rds:us-east-1:1:db:orders` → `orders`.
fn tail(id: &str) -> &str {
    id.rsplit([':', '/']).next().unwrap_or(id)
}

/// The resource type AWS Backup lists the replica's source under, when the source is itself
/// what AWS Backup protects. A cluster reader's source is the cluster's writer instance, but a
/// cluster (Aurora, Multi-AZ DB cluster) is backed up as a whole, under the cluster's name,
/// which the reader does not carry: `None`, rather than a writer instance called unprotected.
fn backup_type(kind: ReplicaKind) -> Option<&'static str> {
    match kind {
        ReplicaKind::RdsReadReplica => Some("RDS"),
        ReplicaKind::AuroraGlobalSecondary | ReplicaKind::AuroraReplicaCluster => Some("Aurora"),
        ReplicaKind::AuroraReader | ReplicaKind::MultiAzClusterReader => None,
    }
}

/// `(region, identifier, resource type)` of every database known to take writes, each once,
/// in order: owned, so that they can be kept while the replicas' lists move only in lag
/// (`uncovered_by`). Only the replicas' identifiers, regions, sources, kinds and states are
/// read, and the lists that were read.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Writers {
    all: Vec<(String, String, &'static str)>,
    /// Where each writer is in `all`, by region and identifier (one identifier may be
    /// protected under two resource types): a listing is looked up in it, point by point.
    at: HashMap<String, HashMap<String, Vec<usize>>>,
}

impl Writers {
    pub fn of(replicas: &BTreeMap<String, Read<'_, [Replica]>>) -> Self {
        // Each once, borrowed, before any is copied: 10,000 replicas have far fewer writers.
        let mut seen: HashSet<(&str, &str, &'static str)> = HashSet::new();
        for read in replicas.values() {
            let Read::Known(list) = read else { continue };
            for r in list.iter() {
                let Some(kind) = backup_type(r.kind) else {
                    continue;
                };
                // "(no writer)": a global cluster between writers names no source.
                if !r.source_id.starts_with('(') {
                    seen.insert((r.source_region.as_str(), r.source_id.as_str(), kind));
                }
                if r.state == ReplicationState::Promoted {
                    seen.insert((r.region.as_str(), r.id.as_str(), kind));
                }
            }
        }
        let mut all: Vec<_> = seen
            .into_iter()
            .map(|(region, id, kind)| (region.to_string(), id.to_string(), kind))
            .collect();
        all.sort_unstable();
        let mut at: HashMap<String, HashMap<String, Vec<usize>>> = HashMap::new();
        for (i, (region, id, _)) in all.iter().enumerate() {
            at.entry(region.clone())
                .or_default()
                .entry(id.clone())
                .or_default()
                .push(i);
        }
        Self { all, at }
    }

    /// Which writers (their positions, in order) the listing of `region` has points of, each
    /// point looked up among the writers once: looking each writer up in the whole listing
    /// made this join quadratic (a 10,000-replica fleet spent a second a frame here), and a
    /// set of every listed identifier cost a copy of the listing per backups answer.
    pub fn listed_in(&self, region: &str, health: &BackupHealth) -> Vec<usize> {
        let Some(ids) = self.at.get(region) else {
            return Vec::new();
        };
        let mut listed: Vec<usize> = health
            .recovery_points
            .iter()
            .flat_map(|p| ids.get(tail(&p.resource_id)).into_iter().flatten().copied())
            .collect();
        listed.sort_unstable();
        listed.dedup();
        listed
    }
}

/// Rows for what the recovery-point listings cannot show: each writer with no point at all
/// (`NewestPoint::None`), each writer whose region's listing was not read, and each region
/// whose inventory was not read (`NewestPoint::CannotTell`). Writers the listings do show
/// are left to them.
pub fn uncovered(
    replicas: &BTreeMap<String, Read<'_, [Replica]>>,
    backups: &BTreeMap<String, Read<'_, BackupHealth>>,
) -> Vec<RecoveryPointAge> {
    let writers = Writers::of(replicas);
    uncovered_by(&writers, replicas, backups, |region, health| {
        writers.listed_in(region, health).into()
    })
}

/// `uncovered`, with the `writers` of `replicas` already known, and which of them each
/// region's listing has points of (`Writers::listed_in`, which a caller may keep while the
/// listing and the writers hold).
pub fn uncovered_by(
    writers: &Writers,
    replicas: &BTreeMap<String, Read<'_, [Replica]>>,
    backups: &BTreeMap<String, Read<'_, BackupHealth>>,
    mut listed_in: impl FnMut(&str, &BackupHealth) -> Arc<[usize]>,
) -> Vec<RecoveryPointAge> {
    let mut rows = Vec::new();
    for (region, read) in replicas {
        if let Read::NotRead(why) = read {
            rows.push(RecoveryPointAge {
                region: region.clone(),
                vault: "—".to_string(),
                resource_id: format!("RDS databases of {region}"),
                resource_type: "RDS".to_string(),
                newest: NewestPoint::CannotTell(format!(
                    "which have no recovery point: the databases of {region} were not read ({why})"
                )),
            });
        }
    }
    let mut listed = vec![false; writers.all.len()];
    for (region, read) in backups {
        if let Read::Known(health) = read {
            for &i in listed_in(region, health).iter() {
                listed[i] = true;
            }
        }
    }
    for (i, (region, id, resource_type)) in writers.all.iter().enumerate() {
        let region = region.as_str();
        let newest = match backups.get(region) {
            None => NewestPoint::CannotTell(format!(
                "{region} is not among the regions read, so its backups are not either"
            )),
            Some(Read::NotRead(why)) => {
                NewestPoint::CannotTell(format!("the backups of {region} were not read ({why})"))
            }
            Some(Read::Known(health)) if !health.protected_listed => NewestPoint::CannotTell(
                format!("the protected resources of {region} were not listed"),
            ),
            Some(Read::Known(_)) if listed[i] => continue,
            Some(Read::Known(_)) => NewestPoint::None,
        };
        rows.push(RecoveryPointAge {
            region: region.to_string(),
            vault: "—".to_string(),
            resource_id: id.to_string(),
            resource_type: resource_type.to_string(),
            newest,
        });
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    fn replica(id: &str, source: &str, state: ReplicationState) -> Replica {
        Replica {
            id: id.into(),
            region: "us-west-2".into(),
            source_id: source.into(),
            source_region: "us-east-1".into(),
            engine: "postgres".into(),
            kind: ReplicaKind::RdsReadReplica,
            state,
            lag_samples: Default::default(),
            lag_problem: None,
        }
    }

    fn point(id: &str) -> RecoveryPointAge {
        RecoveryPointAge {
            region: "us-east-1".into(),
            vault: "daily".into(),
            resource_id: format!("arn:aws:rds:us-east-1:123456789012:db:{id}"),
            resource_type: "RDS".into(),
            newest: NewestPoint::None,
        }
    }

    #[test]
    fn a_cluster_readers_writer_instance_is_not_expected_to_have_points_of_its_own() {
        let readers =
            [ReplicaKind::AuroraReader, ReplicaKind::MultiAzClusterReader].map(|kind| Replica {
                kind,
                ..replica("reader-2", "writer-1", ReplicationState::Replicating)
            });
        let replicas = BTreeMap::from([("us-west-2".to_string(), Read::Known(readers.as_slice()))]);
        let east = BackupHealth {
            protected_listed: true,
            ..BackupHealth::default()
        };
        let backups = BTreeMap::from([("us-east-1".to_string(), Read::Known(&east))]);
        assert_eq!(uncovered(&replicas, &backups), Vec::new());
    }

    #[test]
    fn writers_absent_from_the_listing_have_none_and_unread_listings_cannot_tell() {
        let west = vec![
            replica("a-dr", "a-primary", ReplicationState::Promoted),
            replica("b-dr", "b-primary", ReplicationState::Replicating),
        ];
        let replicas = BTreeMap::from([("us-west-2".to_string(), Read::Known(west.as_slice()))]);
        let east = BackupHealth {
            recovery_points: vec![point("a-primary")],
            protected_listed: true,
            ..BackupHealth::default()
        };
        let backups = BTreeMap::from([
            ("us-east-1".to_string(), Read::Known(&east)),
            ("us-west-2".to_string(), Read::NotRead("timed out")),
        ]);
        let rows = uncovered(&replicas, &backups);
        let found: Vec<(&str, &NewestPoint)> = rows
            .iter()
            .map(|r| (r.resource_id.as_str(), &r.newest))
            .collect();
        assert_eq!(found.len(), 2, "{found:?}");
        assert_eq!(found[0].0, "b-primary");
        assert_eq!(found[0].1, &NewestPoint::None);
        assert_eq!(found[1].0, "a-dr");
        assert!(
            matches!(found[1].1, NewestPoint::CannotTell(why) if why.contains("timed out")),
            "{found:?}"
        );

        let unlisted = BackupHealth::default();
        let backups = BTreeMap::from([("us-east-1".to_string(), Read::Known(&unlisted))]);
        let rows = uncovered(&replicas, &backups);
        assert!(
            rows.iter()
                .all(|r| matches!(r.newest, NewestPoint::CannotTell(_))),
            "a listing that did not answer says nothing is missing: {rows:?}"
        );
    }

    #[test]
    fn a_point_covers_the_writer_of_its_own_region_and_type_alone() {
        // b-primary in us-east-1 as an RDS instance and as an Aurora cluster; a-primary with
        // a point in us-west-2 only (another region's database of the same name).
        let west = vec![
            replica("a-dr", "a-primary", ReplicationState::Replicating),
            replica("b-dr", "b-primary", ReplicationState::Replicating),
            Replica {
                kind: ReplicaKind::AuroraGlobalSecondary,
                ..replica("b-global", "b-primary", ReplicationState::Replicating)
            },
        ];
        let replicas = BTreeMap::from([("us-west-2".to_string(), Read::Known(west.as_slice()))]);
        let east = BackupHealth {
            recovery_points: vec![point("b-primary")],
            protected_listed: true,
            ..BackupHealth::default()
        };
        let west_points = BackupHealth {
            recovery_points: vec![point("a-primary")],
            protected_listed: true,
            ..BackupHealth::default()
        };
        let backups = BTreeMap::from([
            ("us-east-1".to_string(), Read::Known(&east)),
            ("us-west-2".to_string(), Read::Known(&west_points)),
        ]);
        let rows = uncovered(&replicas, &backups);
        let found: Vec<(&str, &str, &str)> = rows
            .iter()
            .map(|r| {
                (
                    r.region.as_str(),
                    r.resource_id.as_str(),
                    r.resource_type.as_str(),
                )
            })
            .collect();
        // A point is named by its identifier, whatever the type it is listed under: both of
        // b-primary's rows are covered by it.
        assert_eq!(found, [("us-east-1", "a-primary", "RDS")]);
        assert_eq!(rows[0].newest, NewestPoint::None);
    }
}
