//! RDS for runbook actions: instances, Aurora clusters and global databases read one by one,
//! and the changes (promote, switch over, fail over, delete).

use super::{change_error, receipt, same_resource};
use crate::runbook::act::port::{
    ActionResult, ClusterMember, DbCluster, DbInstance, GlobalCluster, GlobalMember, Observed,
    Receipt,
};
use crate::source::aws::calls;
use crate::source::aws::error::aws_error;
use crate::source::aws::rds::Arn;
use crate::source::aws::time::from_aws;
use crate::source::{SourceError, SourceErrorKind};
use aws_sdk_rds::Client;
use aws_sdk_rds::types;
use jiff::Timestamp;

/// FailoverState words that mean a role change is under way. Matched on the wire string: the
/// SDK's FailoverStatus enum lacks `switching-over`.
const CHANGING: &[&str] = &["pending", "failing-over", "switching-over", "cancelling"];

async fn describe_instance(
    rds: &Client,
    id: &str,
) -> Result<Option<types::DbInstance>, SourceError> {
    match rds
        .describe_db_instances()
        .db_instance_identifier(id)
        .send()
        .await
    {
        Ok(out) => Ok(out
            .db_instances()
            .iter()
            .find(|d| {
                d.db_instance_identifier()
                    .is_some_and(|i| i.eq_ignore_ascii_case(id))
            })
            .cloned()),
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_db_instance_not_found_fault()) =>
        {
            Ok(None)
        }
        Err(e) => Err(aws_error(calls::RDS_DESCRIBE_DB_INSTANCES, e)),
    }
}

pub async fn db_instance(
    rds: &Client,
    region: &str,
    id: &str,
) -> ActionResult<Observed<Option<DbInstance>>> {
    let found = describe_instance(rds, id).await?;
    Ok(Observed::new(
        found.map(|db| instance_of(&db, region)),
        Timestamp::now(),
    ))
}

/// When the instance was made, if it exists.
pub async fn instance_created_at(rds: &Client, id: &str) -> Result<Option<Timestamp>, SourceError> {
    Ok(describe_instance(rds, id)
        .await?
        .and_then(|db| db.instance_create_time().and_then(from_aws)))
}

pub fn instance_of(db: &types::DbInstance, region: &str) -> DbInstance {
    DbInstance {
        id: db.db_instance_identifier().unwrap_or_default().to_string(),
        region: region.to_string(),
        status: db.db_instance_status().unwrap_or("unknown").to_string(),
        // The one signal of replication that RDS documents: a read replica names its source
        // here (by ARN when it is in another region), and a promoted one no longer does.
        replica_source: db
            .read_replica_source_db_instance_identifier()
            .filter(|s| !s.is_empty())
            .map(str::to_string),
        engine: db.engine().unwrap_or("unknown").to_string(),
        backup_retention_days: db
            .backup_retention_period()
            .and_then(|d| u32::try_from(d).ok()),
    }
}

pub async fn db_cluster(
    rds: &Client,
    region: &str,
    id: &str,
) -> ActionResult<Observed<Option<DbCluster>>> {
    let result = rds
        .describe_db_clusters()
        .db_cluster_identifier(id)
        .send()
        .await;
    let at = Timestamp::now();
    match result {
        Ok(out) => Ok(Observed::new(
            out.db_clusters()
                .iter()
                .find(|c| {
                    c.db_cluster_identifier()
                        .is_some_and(|i| i.eq_ignore_ascii_case(id))
                })
                .map(|c| cluster_of(c, region)),
            at,
        )),
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_db_cluster_not_found_fault()) =>
        {
            Ok(Observed::new(None, at))
        }
        Err(e) => Err(aws_error(calls::RDS_DESCRIBE_DB_CLUSTERS, e)),
    }
}

pub fn cluster_of(c: &types::DbCluster, region: &str) -> DbCluster {
    DbCluster {
        id: c.db_cluster_identifier().unwrap_or_default().to_string(),
        region: region.to_string(),
        status: c.status().unwrap_or("unknown").to_string(),
        members: c
            .db_cluster_members()
            .iter()
            .map(|m| ClusterMember {
                instance: m.db_instance_identifier().unwrap_or_default().to_string(),
                is_writer: m.is_cluster_writer() == Some(true),
            })
            .collect(),
    }
}

async fn describe_global(
    rds: &Client,
    id: &str,
) -> Result<Option<types::GlobalCluster>, SourceError> {
    match rds
        .describe_global_clusters()
        .global_cluster_identifier(id)
        .send()
        .await
    {
        Ok(out) => Ok(out
            .global_clusters()
            .iter()
            .find(|g| {
                g.global_cluster_identifier()
                    .is_some_and(|i| i.eq_ignore_ascii_case(id))
            })
            .cloned()),
        Err(e)
            if e.as_service_error()
                .is_some_and(|s| s.is_global_cluster_not_found_fault()) =>
        {
            Ok(None)
        }
        Err(e) => Err(aws_error(calls::RDS_DESCRIBE_GLOBAL_CLUSTERS, e)),
    }
}

/// DescribeGlobalClusters answers the same from every member's region; no waiter exists for
/// a role change, so the engine polls this.
pub async fn global_cluster(
    rds: &Client,
    id: &str,
) -> ActionResult<Observed<Option<GlobalCluster>>> {
    let found = describe_global(rds, id).await?;
    Ok(Observed::new(
        found.map(|g| global_of(&g)),
        Timestamp::now(),
    ))
}

pub fn global_of(g: &types::GlobalCluster) -> GlobalCluster {
    GlobalCluster {
        id: g
            .global_cluster_identifier()
            .unwrap_or_default()
            .to_string(),
        status: g.status().unwrap_or("unknown").to_string(),
        members: g
            .global_cluster_members()
            .iter()
            .filter_map(|m| {
                let arn = Arn::parse(m.db_cluster_arn()?)?;
                Some(GlobalMember {
                    cluster: arn.resource_id.to_string(),
                    region: arn.region.to_string(),
                    is_writer: m.is_writer() == Some(true),
                })
            })
            .collect(),
        changing: g
            .failover_state()
            .and_then(|f| f.status())
            .map(|s| s.as_str())
            .filter(|s| CHANGING.contains(s))
            .map(str::to_string),
    }
}

/// The ARN of `target` among the global database's members: the role-change calls want the
/// ARN, so that Aurora finds the cluster in its own region.
pub async fn member_arn(
    rds: &Client,
    global: &str,
    target: &str,
    call: &str,
) -> Result<String, SourceError> {
    let g = describe_global(rds, global).await?.ok_or_else(|| {
        SourceError::new(
            SourceErrorKind::Other,
            call,
            format!("GlobalClusterNotFoundFault: no global database {global}"),
        )
    })?;
    g.global_cluster_members()
        .iter()
        .filter_map(|m| m.db_cluster_arn())
        .find(|arn| same_resource(arn, target))
        .map(str::to_string)
        .ok_or_else(|| {
            SourceError::new(
                SourceErrorKind::Other,
                call,
                format!("{target} is not a member of the global database {global}"),
            )
        })
}

/// Promotes with the retention set explicitly: without `BackupRetentionPeriod` AWS gives the
/// new primary a single day of point-in-time recovery, whatever the old primary kept.
pub async fn promote(rds: &Client, id: &str, backup_retention_days: u32) -> ActionResult<Receipt> {
    let out = rds
        .promote_read_replica()
        .db_instance_identifier(id)
        .backup_retention_period(i32::try_from(backup_retention_days).unwrap_or(i32::MAX))
        .send()
        .await
        .map_err(|e| change_error(calls::RDS_PROMOTE_READ_REPLICA, e))?;
    Ok(receipt((), &out))
}

/// The planned move: no data loss, both regions must answer.
pub async fn switchover(rds: &Client, global: &str, target_arn: &str) -> ActionResult<Receipt> {
    let out = rds
        .switchover_global_cluster()
        .global_cluster_identifier(global)
        .target_db_cluster_identifier(target_arn)
        .send()
        .await
        .map_err(|e| change_error(calls::RDS_SWITCHOVER_GLOBAL_CLUSTER, e))?;
    Ok(receipt((), &out))
}

/// The unplanned move, when the primary's region is gone: writes not yet replicated are lost.
pub async fn failover_global(
    rds: &Client,
    global: &str,
    target_arn: &str,
) -> ActionResult<Receipt> {
    let out = rds
        .failover_global_cluster()
        .global_cluster_identifier(global)
        .target_db_cluster_identifier(target_arn)
        .allow_data_loss(true)
        .send()
        .await
        .map_err(|e| change_error(calls::RDS_FAILOVER_GLOBAL_CLUSTER, e))?;
    Ok(receipt((), &out))
}

pub async fn failover_cluster(
    rds: &Client,
    cluster: &str,
    target_instance: Option<&str>,
) -> ActionResult<Receipt> {
    let out = rds
        .failover_db_cluster()
        .db_cluster_identifier(cluster)
        .set_target_db_instance_identifier(target_instance.map(str::to_string))
        .send()
        .await
        .map_err(|e| change_error(calls::RDS_FAILOVER_DB_CLUSTER, e))?;
    Ok(receipt((), &out))
}

/// Deletes a restored test instance: no final snapshot (it is a copy of a backup that still
/// exists), and its own automated backups with it.
pub async fn delete(rds: &Client, id: &str) -> ActionResult<Receipt> {
    let out = rds
        .delete_db_instance()
        .db_instance_identifier(id)
        .skip_final_snapshot(true)
        .delete_automated_backups(true)
        .send()
        .await
        .map_err(|e| change_error(calls::RDS_DELETE_DB_INSTANCE, e))?;
    Ok(receipt((), &out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_rds::types::{FailoverState, FailoverStatus, GlobalClusterMember};

    fn member(arn: &str, writer: bool) -> GlobalClusterMember {
        GlobalClusterMember::builder()
            .db_cluster_arn(arn)
            .is_writer(writer)
            .build()
    }

    #[test]
    fn a_global_database_in_the_middle_of_a_switchover() {
        let g = types::GlobalCluster::builder()
            .global_cluster_identifier("billing-global")
            .status("available")
            .global_cluster_members(member("arn:aws:rds:us-east-1:1:cluster:billing-use1", true))
            .global_cluster_members(member(
                "arn:aws:rds:us-west-2:1:cluster:billing-usw2",
                false,
            ))
            .failover_state(
                FailoverState::builder()
                    .status(FailoverStatus::from("switching-over"))
                    .build(),
            )
            .build();
        let view = global_of(&g);
        assert_eq!(view.changing.as_deref(), Some("switching-over"));
        let writer = view.writer().expect("a writer");
        assert_eq!(
            (writer.cluster.as_str(), writer.region.as_str()),
            ("billing-use1", "us-east-1")
        );
        assert_eq!(
            view.member("billing-usw2").map(|m| m.is_writer),
            Some(false)
        );
    }

    #[test]
    fn a_finished_role_change_is_not_one_under_way() {
        let g = types::GlobalCluster::builder()
            .global_cluster_identifier("g")
            .failover_state(
                FailoverState::builder()
                    .status(FailoverStatus::from("completed"))
                    .build(),
            )
            .build();
        assert_eq!(global_of(&g).changing, None);
    }

    #[test]
    fn a_promoted_instance_names_no_source() {
        let replica = types::DbInstance::builder()
            .db_instance_identifier("orders-dr-usw2")
            .db_instance_status("available")
            .engine("postgres")
            .read_replica_source_db_instance_identifier("arn:aws:rds:us-east-1:1:db:orders")
            .build();
        assert_eq!(
            instance_of(&replica, "us-west-2").replica_source.as_deref(),
            Some("arn:aws:rds:us-east-1:1:db:orders")
        );
        let promoted = types::DbInstance::builder()
            .db_instance_identifier("orders-dr-usw2")
            .db_instance_status("backing-up")
            .build();
        let view = instance_of(&promoted, "us-west-2");
        assert_eq!(view.replica_source, None);
        assert_eq!(view.status, "backing-up");
    }

    #[test]
    fn cluster_members_and_the_writer() {
        let c = types::DbCluster::builder()
            .db_cluster_identifier("orders-aurora")
            .status("available")
            .db_cluster_members(
                types::DbClusterMember::builder()
                    .db_instance_identifier("orders-aurora-a")
                    .is_cluster_writer(true)
                    .build(),
            )
            .db_cluster_members(
                types::DbClusterMember::builder()
                    .db_instance_identifier("orders-aurora-b")
                    .is_cluster_writer(false)
                    .build(),
            )
            .build();
        let view = cluster_of(&c, "us-east-1");
        assert_eq!(view.writer(), Some("orders-aurora-a"));
        assert_eq!(view.members.len(), 2);
    }
}
