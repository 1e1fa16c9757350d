//! AWS Backup health for one region.
//!
//! - Success rates over 24 h and 7 d, per vault and for the whole region by resource type, are
//!   counted from ListBackupJobs over the last 7 days: rolling windows ending now, one
//!   definition for every 24 h and 7 d on screen. (ListBackupJobSummaries' ONE_DAY answers in
//!   calendar-day buckets: at 03:00 its newest bucket holds three hours of jobs.)
//! - The 14 d rate is AWS's own FOURTEEN_DAYS job summary (one cheap call whatever the size of
//!   the estate). Summaries have no vault, so it carries `ALL_VAULTS`.
//! - The same job listing gives the jobs worth an operator's attention (failed, expired,
//!   aborted, completed with issues) with AWS's message, and each resource's own counts, so a
//!   workload's success rate comes from its resources' jobs whatever vault they share.
//! - The newest completed recovery point of each protected resource: ListProtectedResources,
//!   then ListRecoveryPointsByBackupVault once per vault (ListBackupVaults). One listing per
//!   vault rather than one ListRecoveryPointsByResource call per resource, so the number of
//!   calls grows with vaults (few) and pages, not with resources (many).
//!
//! The three parts are fetched side by side; when some fail the others are still shown, with
//! the failure beside them.

use super::calls;
use super::error::aws_error;
use super::parts::Parts;
use super::time::{from_aws, seconds_before, to_aws};
use crate::fleet::backup::ALL_VAULTS;
use crate::fleet::{
    BackupHealth, BackupJob, BackupWindowStats, JobCounts, JobState, RecoveryPointAge,
    ResourceJobStats, Snapshot, Window,
};
use crate::source::{FetchResult, SourceError};
use aws_sdk_backup::Client;
use aws_sdk_backup::types::{AggregationPeriod, BackupJobStatus, BackupJobSummary};
use futures_util::future::try_join_all;
use jiff::Timestamp;
use std::collections::BTreeMap;

/// How far back the job listing goes: the per-vault 7 d column and a week of failures.
pub const JOB_LISTING_WINDOW: Window = Window::Week;
/// ListBackupJobs page size: the API's largest.
const JOBS_PAGE_SIZE: i32 = 1000;

pub async fn backup_health(
    backup: &Client,
    region: &str,
    now: Timestamp,
    parts: &Parts,
) -> FetchResult<BackupHealth> {
    let (summaries, jobs, points) = tokio::join!(
        parts.fetch(
            format!("{region} backup summaries"),
            calls::BACKUP_LIST_BACKUP_JOB_SUMMARIES,
            now,
            region_rates(backup, region)
        ),
        parts.fetch(
            format!("{region} backup jobs"),
            calls::BACKUP_LIST_BACKUP_JOBS,
            now,
            recent_jobs(backup, region, now)
        ),
        parts.fetch(
            format!("{region} recovery points"),
            calls::BACKUP_LIST_RECOVERY_POINTS_BY_BACKUP_VAULT,
            now,
            newest_recovery_points(backup, region)
        ),
    );
    let mut health = BackupHealth::default();
    let mut missing = Vec::new();
    match summaries {
        Ok(stats) => health.stats.extend(stats),
        Err(e) => missing.push(e),
    }
    match jobs {
        Ok(folded) => {
            health.stats.extend(folded.stats);
            health.resource_stats = folded.per_resource;
            health.problem_jobs = folded.problems;
        }
        Err(e) => missing.push(e),
    }
    match points {
        Ok(points) => health.recovery_points = points,
        Err(e) => missing.push(e),
    }
    if missing.len() == 3 {
        return Err(missing.remove(0));
    }
    Ok(Snapshot::new(health, now).with_missing(missing))
}

/// What a job's state (and, for completed jobs, its message category) means for recovery.
/// `None` for states AWS may add later: not counted rather than guessed.
pub fn job_state(state: &str, message_category: Option<&str>) -> Option<JobState> {
    Some(match state {
        // "Completed with issues" exists only in the console: COMPLETED plus a message.
        "COMPLETED"
            if message_category
                .is_some_and(|c| !c.is_empty() && !c.eq_ignore_ascii_case("SUCCESS")) =>
        {
            JobState::CompletedWithIssues
        }
        "COMPLETED" => JobState::Completed,
        // A composite job some of whose parts failed: a recovery point exists, not a clean one.
        "PARTIAL" => JobState::CompletedWithIssues,
        "FAILED" => JobState::Failed,
        "EXPIRED" => JobState::Expired,
        "ABORTED" => JobState::Aborted,
        "CREATED" | "PENDING" | "RUNNING" | "ABORTING" => JobState::Running,
        _ => return None,
    })
}

fn period_of(window: Window) -> AggregationPeriod {
    match window {
        Window::Day => AggregationPeriod::OneDay,
        Window::Week => AggregationPeriod::SevenDays,
        Window::TwoWeeks => AggregationPeriod::FourteenDays,
    }
}

/// The windows counted by AWS's job summaries rather than from the job listing: only what the
/// listing does not reach. A summary's ONE_DAY and SEVEN_DAYS are not the rolling 24 h and
/// 7 d the listing gives, and two columns named alike must measure the same thing.
pub const SUMMARY_WINDOWS: [Window; 1] = [Window::TwoWeeks];

/// Region-wide counts per resource type for the summary windows.
async fn region_rates(
    backup: &Client,
    region: &str,
) -> Result<Vec<BackupWindowStats>, SourceError> {
    let per_window = try_join_all(SUMMARY_WINDOWS.map(|w| async move {
        let summaries = job_summaries(backup, period_of(w)).await?;
        Ok::<_, SourceError>(stats_from_summaries(region, w, &summaries))
    }))
    .await?;
    Ok(per_window.into_iter().flatten().collect())
}

async fn job_summaries(
    backup: &Client,
    period: AggregationPeriod,
) -> Result<Vec<BackupJobSummary>, SourceError> {
    // ANY (rather than the default AGGREGATE_ALL) keeps states, resource types and message
    // categories apart: the categories tell a clean COMPLETED from one with issues.
    let mut pages = backup
        .list_backup_job_summaries()
        .aggregation_period(period)
        .state(BackupJobStatus::Any)
        .resource_type("ANY")
        .message_category("ANY")
        .into_paginator()
        .send();
    let mut out = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| aws_error(calls::BACKUP_LIST_BACKUP_JOB_SUMMARIES, e))?;
        out.extend_from_slice(page.backup_job_summaries());
    }
    Ok(out)
}

/// Folds summaries into one row per resource type. ONE_DAY answers with a bucket per day of
/// the last 14; only the newest bucket is the 24 h window.
pub fn stats_from_summaries(
    region: &str,
    window: Window,
    summaries: &[BackupJobSummary],
) -> Vec<BackupWindowStats> {
    let newest_start = summaries
        .iter()
        .filter_map(|s| s.start_time().and_then(from_aws))
        .max();
    let mut by_type: BTreeMap<String, JobCounts> = BTreeMap::new();
    for s in summaries {
        if window == Window::Day && s.start_time().and_then(from_aws) != newest_start {
            continue;
        }
        let Some(state) = s
            .state()
            .and_then(|st| job_state(st.as_str(), s.message_category()))
        else {
            continue;
        };
        let count = u32::try_from(s.count()).unwrap_or(0);
        by_type
            .entry(s.resource_type().unwrap_or("unknown").to_string())
            .or_default()
            .add(state, count);
    }
    by_type
        .into_iter()
        .map(|(resource_type, counts)| BackupWindowStats {
            region: region.to_string(),
            vault: ALL_VAULTS.to_string(),
            resource_type,
            window,
            counts,
        })
        .collect()
}

/// Jobs created in the last week: per-vault and region-wide counts for 24 h and 7 d, and the
/// problem jobs.
async fn recent_jobs(
    backup: &Client,
    region: &str,
    now: Timestamp,
) -> Result<FoldedJobs, SourceError> {
    let since = seconds_before(now, JOB_LISTING_WINDOW.seconds());
    let mut pages = backup
        .list_backup_jobs()
        .by_created_after(to_aws(since))
        .max_results(JOBS_PAGE_SIZE)
        .into_paginator()
        .send();
    let mut jobs = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| aws_error(calls::BACKUP_LIST_BACKUP_JOBS, e))?;
        jobs.extend_from_slice(page.backup_jobs());
    }
    Ok(fold_jobs(region, &jobs, now))
}

/// Per-vault and region-wide counts over rolling windows ending at `now`, and problem jobs
/// (newest first), from a job listing.
pub fn fold_jobs(
    region: &str,
    jobs: &[aws_sdk_backup::types::BackupJob],
    now: Timestamp,
) -> FoldedJobs {
    let mut counts: BTreeMap<(String, String, Window), JobCounts> = BTreeMap::new();
    let mut per_resource: BTreeMap<(String, Window), JobCounts> = BTreeMap::new();
    let mut problems = Vec::new();
    for job in jobs {
        // A composite job's parts are listed as jobs of their own; counting the parent too
        // would count the same backup twice.
        if job.is_parent() {
            continue;
        }
        let Some(state) = job
            .state()
            .and_then(|s| job_state(s.as_str(), job.message_category()))
        else {
            continue;
        };
        let Some(created_at) = job.creation_date().and_then(from_aws) else {
            continue;
        };
        let vault = job.backup_vault_name().unwrap_or("unknown").to_string();
        let resource_type = job.resource_type().unwrap_or("unknown").to_string();
        let resource_arn = job.resource_arn().unwrap_or("unknown").to_string();
        let age = now.as_second() - created_at.as_second();
        for window in [Window::Day, Window::Week] {
            if age <= window.seconds() {
                // The vault's row and the region-wide row: both rolling, from the same jobs.
                for v in [vault.as_str(), ALL_VAULTS] {
                    counts
                        .entry((v.to_string(), resource_type.clone(), window))
                        .or_default()
                        .add(state, 1);
                }
                per_resource
                    .entry((resource_arn.clone(), window))
                    .or_default()
                    .add(state, 1);
            }
        }
        if state.is_problem() {
            problems.push(BackupJob {
                job_id: job.backup_job_id().unwrap_or("unknown").to_string(),
                region: region.to_string(),
                vault,
                resource_id: resource_arn,
                resource_type,
                state,
                message: job
                    .status_message()
                    .or(job.message_category())
                    .unwrap_or("no message from AWS Backup")
                    .to_string(),
                created_at,
            });
        }
    }
    problems.sort_by_key(|j| std::cmp::Reverse(j.created_at));
    let stats = counts
        .into_iter()
        .map(
            |((vault, resource_type, window), counts)| BackupWindowStats {
                region: region.to_string(),
                vault,
                resource_type,
                window,
                counts,
            },
        )
        .collect();
    let per_resource = per_resource
        .into_iter()
        .map(|((resource_id, window), counts)| ResourceJobStats {
            region: region.to_string(),
            resource_id,
            window,
            counts,
        })
        .collect();
    FoldedJobs {
        stats,
        per_resource,
        problems,
    }
}

/// What a job listing gives: per-vault and region-wide counts, per-resource counts, and the
/// problem jobs.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct FoldedJobs {
    pub stats: Vec<BackupWindowStats>,
    pub per_resource: Vec<ResourceJobStats>,
    pub problems: Vec<BackupJob>,
}

/// The newest completed recovery point of every protected resource in the region.
async fn newest_recovery_points(
    backup: &Client,
    region: &str,
) -> Result<Vec<RecoveryPointAge>, SourceError> {
    let (protected, vaults) = tokio::try_join!(protected_resources(backup), vault_names(backup))?;
    let per_vault = try_join_all(vaults.iter().map(|v| completed_points(backup, v))).await?;
    Ok(newest_per_resource(
        region,
        &protected,
        per_vault.into_iter().flatten(),
    ))
}

/// `(resource ARN, resource type)` of each protected resource.
async fn protected_resources(backup: &Client) -> Result<Vec<(String, String)>, SourceError> {
    let mut pages = backup.list_protected_resources().into_paginator().send();
    let mut out = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| aws_error(calls::BACKUP_LIST_PROTECTED_RESOURCES, e))?;
        out.extend(page.results().iter().filter_map(|r| {
            Some((
                r.resource_arn()?.to_string(),
                r.resource_type().unwrap_or("unknown").to_string(),
            ))
        }));
    }
    Ok(out)
}

async fn vault_names(backup: &Client) -> Result<Vec<String>, SourceError> {
    let mut pages = backup.list_backup_vaults().into_paginator().send();
    let mut out = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| aws_error(calls::BACKUP_LIST_BACKUP_VAULTS, e))?;
        out.extend(
            page.backup_vault_list()
                .iter()
                .filter_map(|v| v.backup_vault_name().map(str::to_string)),
        );
    }
    Ok(out)
}

/// A usable recovery point: which resource, in which vault, of when.
#[derive(Debug, Clone, PartialEq)]
pub struct CompletedPoint {
    pub resource_arn: String,
    pub vault: String,
    /// When the backup was taken: the moment the data is from, which is what an RPO measures
    /// (not when the copy finished).
    pub taken_at: Timestamp,
}

async fn completed_points(
    backup: &Client,
    vault: &str,
) -> Result<Vec<CompletedPoint>, SourceError> {
    let mut pages = backup
        .list_recovery_points_by_backup_vault()
        .backup_vault_name(vault)
        .into_paginator()
        .send();
    let mut out = Vec::new();
    while let Some(page) = pages.next().await {
        let page =
            page.map_err(|e| aws_error(calls::BACKUP_LIST_RECOVERY_POINTS_BY_BACKUP_VAULT, e))?;
        out.extend(page.recovery_points().iter().filter_map(|p| {
            let usable = matches!(
                p.status().map(|s| s.as_str()),
                Some("COMPLETED" | "AVAILABLE")
            );
            usable.then_some(())?;
            Some(CompletedPoint {
                resource_arn: p.resource_arn()?.to_string(),
                vault: p.backup_vault_name().unwrap_or(vault).to_string(),
                taken_at: p.creation_date().and_then(from_aws)?,
            })
        }));
    }
    Ok(out)
}

/// One row per protected resource with its newest usable point; `None` when it has none.
pub fn newest_per_resource(
    region: &str,
    protected: &[(String, String)],
    points: impl IntoIterator<Item = CompletedPoint>,
) -> Vec<RecoveryPointAge> {
    let mut newest: BTreeMap<String, CompletedPoint> = BTreeMap::new();
    for p in points {
        match newest.get(&p.resource_arn) {
            Some(known) if known.taken_at >= p.taken_at => {}
            _ => {
                newest.insert(p.resource_arn.clone(), p);
            }
        }
    }
    protected
        .iter()
        .map(|(arn, resource_type)| {
            let point = newest.get(arn);
            RecoveryPointAge {
                region: region.to_string(),
                vault: point.map_or_else(|| "—".to_string(), |p| p.vault.clone()),
                resource_id: arn.clone(),
                resource_type: resource_type.clone(),
                newest_completed: point.map(|p| p.taken_at),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_job_state_has_its_meaning() {
        assert_eq!(
            job_state("COMPLETED", Some("SUCCESS")),
            Some(JobState::Completed)
        );
        assert_eq!(
            job_state("COMPLETED", Some("Success")),
            Some(JobState::Completed)
        );
        assert_eq!(job_state("COMPLETED", None), Some(JobState::Completed));
        assert_eq!(
            job_state("COMPLETED", Some("ACCESS_DENIED")),
            Some(JobState::CompletedWithIssues)
        );
        assert_eq!(
            job_state("PARTIAL", None),
            Some(JobState::CompletedWithIssues)
        );
        assert_eq!(
            job_state("FAILED", Some("ACCESS_DENIED")),
            Some(JobState::Failed)
        );
        assert_eq!(job_state("EXPIRED", None), Some(JobState::Expired));
        assert_eq!(job_state("ABORTED", None), Some(JobState::Aborted));
        for running in ["CREATED", "PENDING", "RUNNING", "ABORTING"] {
            assert_eq!(job_state(running, None), Some(JobState::Running));
        }
        assert_eq!(job_state("SOMETHING_NEW", None), None);
    }

    fn at(s: i64) -> Timestamp {
        Timestamp::from_second(1_800_000_000 + s).expect("valid")
    }

    #[test]
    fn the_newest_usable_point_wins_and_unprotected_points_are_ignored() {
        let point = |arn: &str, vault: &str, t: i64| CompletedPoint {
            resource_arn: arn.into(),
            vault: vault.into(),
            taken_at: at(t),
        };
        let protected = vec![
            ("arn:db:a".to_string(), "RDS".to_string()),
            ("arn:vol:b".to_string(), "EBS".to_string()),
        ];
        let rows = newest_per_resource(
            "us-east-1",
            &protected,
            vec![
                point("arn:db:a", "daily", 100),
                point("arn:db:a", "hourly", 300),
                point("arn:db:a", "daily", 200),
                point("arn:gone:c", "daily", 400),
            ],
        );
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].newest_completed, Some(at(300)));
        assert_eq!(rows[0].vault, "hourly");
        assert_eq!(rows[1].newest_completed, None, "protected, never backed up");
    }
}
