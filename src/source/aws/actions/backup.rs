//! AWS Backup for runbook actions: the newest recovery point of a resource, restoring it into
//! a new RDS instance, following the restore job, and finding the job that made an instance.

use super::{change_error, receipt, same_resource};
use crate::runbook::act::port::{
    ActionResult, Observed, Receipt, RecoveryPoint, RestoreJob, RestoreRequest, RestoreStatus,
};
use crate::source::aws::calls;
use crate::source::aws::error::aws_error;
use crate::source::aws::rds::Arn;
use crate::source::aws::time::from_aws;
use crate::source::{SourceError, SourceErrorKind};
use aws_sdk_backup::Client;
use aws_sdk_backup::primitives::DateTime;
use jiff::Timestamp;
use std::collections::HashMap;

/// The restore metadata key that names the new instance (keys are not case sensitive).
const NEW_INSTANCE_KEY: &str = "DBInstanceIdentifier";

/// The newest usable (completed) recovery point of `resource` (an ARN, or an identifier that
/// ends one) in `vault`, all pages.
pub async fn newest_recovery_point(
    backup: &Client,
    vault: &str,
    resource: &str,
) -> ActionResult<Observed<Option<RecoveryPoint>>> {
    let mut pages = backup
        .list_recovery_points_by_backup_vault()
        .backup_vault_name(vault)
        .set_by_resource_arn(resource.starts_with("arn:").then(|| resource.to_string()))
        .into_paginator()
        .send();
    let mut newest: Option<RecoveryPoint> = None;
    while let Some(page) = pages.next().await {
        let page =
            page.map_err(|e| aws_error(calls::BACKUP_LIST_RECOVERY_POINTS_BY_BACKUP_VAULT, e))?;
        for p in page.recovery_points() {
            let usable = matches!(
                p.status().map(|s| s.as_str()),
                Some("COMPLETED" | "AVAILABLE")
            );
            let (Some(arn), Some(of), Some(taken)) = (
                p.recovery_point_arn(),
                p.resource_arn(),
                p.creation_date().and_then(from_aws),
            ) else {
                continue;
            };
            if !usable || !same_resource(of, resource) {
                continue;
            }
            if newest.as_ref().is_some_and(|n| n.completed_at >= taken) {
                continue;
            }
            // Its age counts from when the backup was taken: the moment its data is from.
            newest = Some(RecoveryPoint {
                arn: arn.to_string(),
                resource: of.to_string(),
                resource_type: p.resource_type().unwrap_or("unknown").to_string(),
                vault: p.backup_vault_name().unwrap_or(vault).to_string(),
                completed_at: taken,
            });
        }
    }
    Ok(Observed::new(newest, Timestamp::now()))
}

/// What the recovery point was made from, as AWS Backup recorded it, with the new instance's
/// name put in: AWS documents this as the way to fill StartRestoreJob's metadata.
pub async fn restore_metadata(
    backup: &Client,
    request: &RestoreRequest,
) -> Result<HashMap<String, String>, SourceError> {
    if request.resource_type != "RDS" {
        return Err(SourceError::new(
            SourceErrorKind::Other,
            calls::BACKUP_START_RESTORE_JOB,
            format!(
                "{} is a recovery point of {}: restore-newest-recovery-point restores RDS instances only",
                request.recovery_point_arn, request.resource_type
            ),
        ));
    }
    let out = backup
        .get_recovery_point_restore_metadata()
        .backup_vault_name(&request.vault)
        .recovery_point_arn(&request.recovery_point_arn)
        .send()
        .await
        .map_err(|e| aws_error(calls::BACKUP_GET_RECOVERY_POINT_RESTORE_METADATA, e))?;
    Ok(with_target(
        out.restore_metadata().cloned().unwrap_or_default(),
        &request.target,
    ))
}

/// The metadata with the new instance's name, replacing the original's under any spelling.
pub fn with_target(mut metadata: HashMap<String, String>, target: &str) -> HashMap<String, String> {
    metadata.retain(|k, _| !k.eq_ignore_ascii_case(NEW_INSTANCE_KEY));
    metadata.insert(NEW_INSTANCE_KEY.to_string(), target.to_string());
    metadata
}

/// StartRestoreJob with the engine's idempotency token: the same token asked again answers
/// with the job already started instead of starting another.
pub async fn start(
    backup: &Client,
    request: &RestoreRequest,
    metadata: HashMap<String, String>,
) -> ActionResult<Receipt<String>> {
    let call = calls::BACKUP_START_RESTORE_JOB;
    let out = backup
        .start_restore_job()
        .recovery_point_arn(&request.recovery_point_arn)
        .set_metadata(Some(metadata))
        .set_iam_role_arn(request.iam_role.clone())
        .idempotency_token(&request.idempotency_token)
        .resource_type(&request.resource_type)
        .send()
        .await
        .map_err(|e| change_error(call, e))?;
    let id = out
        .restore_job_id()
        .ok_or_else(|| {
            SourceError::new(SourceErrorKind::Other, call, "no restore job id came back")
        })?
        .to_string();
    Ok(receipt(id, &out))
}

pub fn status_of(word: &str) -> RestoreStatus {
    match word {
        "PENDING" => RestoreStatus::Pending,
        "COMPLETED" => RestoreStatus::Completed,
        "FAILED" => RestoreStatus::Failed,
        "ABORTED" => RestoreStatus::Aborted,
        // RUNNING, and words AWS may add: keep waiting (the step's timeout still applies).
        _ => RestoreStatus::Running,
    }
}

fn job(
    id: Option<&str>,
    status: Option<&str>,
    created: Option<&DateTime>,
    completed: Option<&DateTime>,
    made: Option<&str>,
    message: Option<&str>,
    restores: (Option<&str>, Option<&str>),
) -> RestoreJob {
    RestoreJob {
        id: id.unwrap_or("unknown").to_string(),
        status: status_of(status.unwrap_or("PENDING")),
        created_at: created.and_then(from_aws).unwrap_or(Timestamp::UNIX_EPOCH),
        completed_at: completed.and_then(from_aws),
        created_resource: made.map(str::to_string),
        message: message.unwrap_or_default().to_string(),
        recovery_point: restores.0.map(str::to_string),
        resource_type: restores.1.map(str::to_string),
    }
}

pub async fn restore_job(backup: &Client, job_id: &str) -> ActionResult<Observed<RestoreJob>> {
    let out = backup
        .describe_restore_job()
        .restore_job_id(job_id)
        .send()
        .await
        .map_err(|e| aws_error(calls::BACKUP_DESCRIBE_RESTORE_JOB, e))?;
    Ok(Observed::new(
        job(
            out.restore_job_id(),
            out.status().map(|s| s.as_str()),
            out.creation_date(),
            out.completion_date(),
            out.created_resource_arn(),
            out.status_message(),
            (out.recovery_point_arn(), out.resource_type()),
        ),
        Timestamp::now(),
    ))
}

/// The newest restore job in `region` whose created resource is `resource`, all pages.
pub async fn newest_restore_creating(
    backup: &Client,
    region: &str,
    resource: &str,
) -> ActionResult<Observed<Option<RestoreJob>>> {
    let mut pages = backup.list_restore_jobs().into_paginator().send();
    let mut newest: Option<RestoreJob> = None;
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| aws_error(calls::BACKUP_LIST_RESTORE_JOBS, e))?;
        for j in page.restore_jobs() {
            let Some(made) = j.created_resource_arn() else {
                continue;
            };
            let here = Arn::parse(made).is_none_or(|arn| arn.region == region);
            if !here || !same_resource(made, resource) {
                continue;
            }
            let found = job(
                j.restore_job_id(),
                j.status().map(|s| s.as_str()),
                j.creation_date(),
                j.completion_date(),
                Some(made),
                j.status_message(),
                (j.recovery_point_arn(), j.resource_type()),
            );
            if newest
                .as_ref()
                .is_none_or(|n| n.created_at < found.created_at)
            {
                newest = Some(found);
            }
        }
    }
    Ok(Observed::new(newest, Timestamp::now()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_new_name_replaces_the_original_under_any_spelling() {
        let original = HashMap::from([
            (
                "dbinstanceidentifier".to_string(),
                "orders-primary".to_string(),
            ),
            ("DBInstanceClass".to_string(), "db.t3.micro".to_string()),
        ]);
        let m = with_target(original, "orders-restore-drill");
        assert_eq!(m.len(), 2);
        assert_eq!(m[NEW_INSTANCE_KEY], "orders-restore-drill");
        assert_eq!(m["DBInstanceClass"], "db.t3.micro");
    }

    #[test]
    fn restore_job_words() {
        assert_eq!(status_of("COMPLETED"), RestoreStatus::Completed);
        assert_eq!(status_of("FAILED"), RestoreStatus::Failed);
        assert_eq!(status_of("ABORTED"), RestoreStatus::Aborted);
        assert_eq!(status_of("PENDING"), RestoreStatus::Pending);
        assert_eq!(status_of("RUNNING"), RestoreStatus::Running);
        assert_eq!(status_of("SOMETHING_NEW"), RestoreStatus::Running);
    }
}
