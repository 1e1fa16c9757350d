//! What readiness needs beyond a region's backup health: copies of its recovery points into
//! another region (ListCopyJobs), the point-in-time-restore window of its RDS instances
//! (DescribeDBInstances `LatestRestorableTime`, from the listing the replicas feed shares), and the automated backups held in it,
//! including those replicated from another region (DescribeDBInstanceAutomatedBackups).
//!
//! Each is a part of the backups feed: one that fails is "cannot tell" (`Listing::Failed`)
//! beside the rest, never "none".

use super::calls;
use super::error::aws_error;
use super::time::{from_aws, seconds_before, to_aws};
use crate::fleet::{AutomatedBackups, OffsiteCopy, RestoreWindow};
use crate::source::SourceError;
use aws_sdk_backup::types::CopyJobState;
use jiff::Timestamp;

/// How far back copy jobs are listed: the newest copy is what counts, and a backup plan copies
/// at least weekly; two weeks leaves a missed week visible as an old copy, not as none.
pub const COPY_LISTING_SECS: i64 = 14 * 86_400;

/// The region an ARN names (`arn:aws:backup:us-west-2:1:backup-vault:dr` → `us-west-2`).
pub fn arn_region(arn: &str) -> Option<&str> {
    arn.split(':').nth(3).filter(|r| !r.is_empty())
}

/// The name an ARN ends in.
fn arn_name(arn: &str) -> &str {
    arn.rsplit(':').next().unwrap_or(arn)
}

/// Finished copies of `region`'s recovery points into another region's vault.
pub async fn offsite_copies(
    backup: &aws_sdk_backup::Client,
    region: &str,
    now: Timestamp,
) -> Result<Vec<OffsiteCopy>, SourceError> {
    let mut pages = backup
        .list_copy_jobs()
        .by_state(CopyJobState::Completed)
        .by_created_after(to_aws(seconds_before(now, COPY_LISTING_SECS)))
        .into_paginator()
        .send();
    let mut out = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| aws_error(calls::BACKUP_LIST_COPY_JOBS, e))?;
        out.extend(page.copy_jobs().iter().filter_map(|job| {
            let vault = job.destination_backup_vault_arn()?;
            let destination = arn_region(vault)?;
            let completed_at = job
                .completion_date()
                .or(job.creation_date())
                .and_then(from_aws)?;
            (destination != region).then(|| OffsiteCopy {
                resource_id: job.resource_arn().unwrap_or("unknown").to_string(),
                source_region: region.to_string(),
                destination_region: destination.to_string(),
                destination_vault: arn_name(vault).to_string(),
                completed_at,
            })
        }));
    }
    Ok(out)
}

/// The restore window of `db`, an instance of `region` listed at `listed_at`, when it takes
/// writes: not a read replica, and not an Aurora or Multi-AZ cluster member (a cluster
/// restores as a whole). Read from the region's one instance listing (`instances::list`),
/// which the replicas feed shares.
pub fn restore_window_of(
    db: &aws_sdk_rds::types::DbInstance,
    region: &str,
    listed_at: Timestamp,
) -> Option<RestoreWindow> {
    if db.read_replica_source_db_instance_identifier().is_some()
        || db.db_cluster_identifier().is_some()
    {
        return None;
    }
    Some(RestoreWindow {
        region: region.to_string(),
        db_id: db.db_instance_identifier()?.to_string(),
        latest_restorable: db.latest_restorable_time().and_then(from_aws),
        listed_at,
    })
}

/// The automated backups held in `region`: each instance's own, and those replicated here
/// from an instance in another region.
pub async fn automated_backups(
    rds: &aws_sdk_rds::Client,
    region: &str,
) -> Result<Vec<AutomatedBackups>, SourceError> {
    let mut pages = rds
        .describe_db_instance_automated_backups()
        .into_paginator()
        .send();
    let mut out = Vec::new();
    while let Some(page) = pages.next().await {
        let page =
            page.map_err(|e| aws_error(calls::RDS_DESCRIBE_DB_INSTANCE_AUTOMATED_BACKUPS, e))?;
        out.extend(page.db_instance_automated_backups().iter().filter_map(|b| {
            let arn = b.db_instance_arn();
            let db_region = arn.and_then(arn_region).or(b.region())?;
            Some(AutomatedBackups {
                held_in: region.to_string(),
                db_id: b
                    .db_instance_identifier()
                    .or_else(|| arn.map(arn_name))
                    .unwrap_or("unknown")
                    .to_string(),
                db_region: db_region.to_string(),
                latest_restorable: b
                    .restore_window()
                    .and_then(|w| w.latest_time())
                    .and_then(from_aws),
            })
        }));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_arn_names_its_region() {
        assert_eq!(
            arn_region("arn:aws:backup:us-west-2:123456789012:backup-vault:dr-usw2"),
            Some("us-west-2")
        );
        assert_eq!(arn_region("not-an-arn"), None);
        assert_eq!(arn_name("arn:aws:backup:us-west-2:1:backup-vault:dr"), "dr");
    }
}
