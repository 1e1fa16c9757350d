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
    BackupHealth, BackupJob, BackupWindowStats, JobCounts, JobState, NewestPoint, RecoveryPointAge,
    ResourceJobStats, Snapshot, Window,
};
use crate::source::{FetchResult, SourceError};
use aws_sdk_backup::Client;
use aws_sdk_backup::types::{
    AggregationPeriod, BackupJobStatus, BackupJobSummary, RecoveryPointStatus,
};
use futures_util::future::try_join_all;
use futures_util::stream::{self, StreamExt};
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
            calls::BACKUP_LIST_PROTECTED_RESOURCES,
            now,
            newest_recovery_points(backup, region)
        ),
    );
    let mut health = BackupHealth::default();
    let mut missing = Vec::new();
    let (summaries_failed, jobs_failed, points_failed) =
        (summaries.is_err(), jobs.is_err(), points.is_err());
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
        Ok((points, failed_listings)) => {
            health.recovery_points = points;
            health.protected_listed = true;
            missing.extend(failed_listings);
        }
        Err(e) => missing.push(e),
    }
    if summaries_failed && jobs_failed && points_failed {
        // Nothing arrived: the feed fails, naming every call that failed.
        let mut first = missing.remove(0);
        first.also.append(&mut missing);
        return Err(first);
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
            region: region.into(),
            vault: ALL_VAULTS.into(),
            resource_type: resource_type.into(),
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
                region: region.into(),
                vault: vault.into(),
                resource_id: resource_arn,
                resource_type: resource_type.into(),
                state,
                message: job
                    .status_message()
                    .or(job.message_category())
                    .unwrap_or("no message from AWS Backup")
                    .into(),
                created_at,
            });
        }
    }
    problems.sort_by_key(|j| std::cmp::Reverse(j.created_at));
    let stats = counts
        .into_iter()
        .map(
            |((vault, resource_type, window), counts)| BackupWindowStats {
                region: region.into(),
                vault: vault.into(),
                resource_type: resource_type.into(),
                window,
                counts,
            },
        )
        .collect();
    let per_resource = per_resource
        .into_iter()
        .map(|((resource_id, window), counts)| ResourceJobStats {
            region: region.into(),
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

/// How many recovery-point listings run at once: enough to keep a region with many vaults
/// quick, few enough not to be throttled (AWS Backup's read APIs share a per-account rate).
pub const LISTINGS_AT_ONCE: usize = 4;

/// How far before a vault's oldest "last backup time" its listing starts, in case AWS stamps
/// the protected resource and the recovery point a little apart.
const LISTING_MARGIN_SECS: i64 = 3600;

/// The newest usable recovery point of every protected resource in the region, and the
/// listings that failed (each failure costs only the resources whose points it holds).
///
/// ListProtectedResources names each resource's last recovery point and its vault. Each of
/// those vaults is listed only back to its resources' oldest last backup: the newest points,
/// not every point ever kept. A resource whose last point is not usable (PARTIAL, EXPIRED...)
/// or not in that listing is asked about on its own (ListRecoveryPointsByResource), which
/// finds its newest usable point in whatever vault holds it.
async fn newest_recovery_points(
    backup: &Client,
    region: &str,
) -> Result<(Vec<RecoveryPointAge>, Vec<SourceError>), SourceError> {
    let protected = protected_resources(backup).await?;
    let listings = vault_listings(backup, &protected).await;
    let mut errors: Vec<SourceError> = listings
        .values()
        .filter_map(|l| l.as_ref().err().cloned())
        .collect();
    let mut rows = Vec::new();
    let mut ask_alone = Vec::new();
    for p in protected {
        match from_vault_listing(&p, &listings) {
            Some(newest) => rows.push(row(region, &p, newest)),
            None => ask_alone.push(p),
        }
    }
    let alone: Vec<(Protected, Result<Vec<ListedPoint>, SourceError>)> = bounded(ask_alone, |p| {
        let backup = Client::clone(backup);
        async move {
            let points = resource_points(&backup, &p.arn).await;
            (p, points)
        }
    })
    .await;
    for (p, result) in alone {
        let newest = match result {
            Ok(points) => newest_usable(points.iter().filter(|q| q.resource_arn == p.arn))
                .map_or((NewestPoint::None, None), |q| {
                    (NewestPoint::Taken(q.taken_at), Some(q.vault.clone()))
                }),
            Err(e) => {
                let why = format!("its recovery points could not be listed: {e}");
                errors.push(e);
                (NewestPoint::CannotTell(why), None)
            }
        };
        rows.push(row(region, &p, newest));
    }
    rows.sort_by(|a, b| a.resource_id.cmp(&b.resource_id));
    Ok((rows, errors))
}

/// A protected resource as ListProtectedResources gives it.
#[derive(Debug, Clone, PartialEq)]
pub struct Protected {
    pub arn: String,
    pub resource_type: String,
    pub last_backup: Option<Timestamp>,
    pub last_point_arn: Option<String>,
    /// The name of the vault that holds the last recovery point.
    pub last_vault: Option<String>,
}

/// A recovery point as a listing gives it.
#[derive(Debug, Clone, PartialEq)]
pub struct ListedPoint {
    pub resource_arn: String,
    pub point_arn: Option<String>,
    pub vault: String,
    /// When the backup was taken: the moment the data is from, which is what an RPO measures
    /// (not when the copy finished).
    pub taken_at: Timestamp,
    /// COMPLETED or AVAILABLE: a point a restore can use.
    pub usable: bool,
}

/// What is known of a resource's newest point, and the vault holding it where that is known.
pub type Found = (NewestPoint, Option<String>);

fn row(region: &str, p: &Protected, found: Found) -> RecoveryPointAge {
    let (newest, vault) = found;
    RecoveryPointAge {
        region: region.into(),
        vault: vault
            .or_else(|| p.last_vault.clone())
            .map_or_else(|| "—".into(), Into::into),
        resource_id: p.arn.clone(),
        resource_type: p.resource_type.as_str().into(),
        newest,
    }
}

fn newest_usable<'a>(points: impl Iterator<Item = &'a ListedPoint>) -> Option<&'a ListedPoint> {
    points.filter(|q| q.usable).max_by_key(|q| q.taken_at)
}

/// The answer the resource's last vault listing gives, or `None` when the resource must be
/// asked about on its own: its last point is not usable, or not in the listing.
pub fn from_vault_listing(
    p: &Protected,
    listings: &BTreeMap<String, Result<Vec<ListedPoint>, SourceError>>,
) -> Option<Found> {
    let vault = p.last_vault.as_ref()?;
    let points = match listings.get(vault)? {
        Ok(points) => points,
        Err(e) => {
            return Some((
                NewestPoint::CannotTell(format!("vault {vault} could not be listed: {e}")),
                Some(vault.clone()),
            ));
        }
    };
    let mine = points.iter().filter(|q| q.resource_arn == p.arn);
    let newest = match &p.last_point_arn {
        // AWS's own last point, if usable, is the newest usable one.
        Some(last) => mine
            .filter(|q| q.point_arn.as_deref() == Some(last.as_str()))
            .find(|q| q.usable),
        None => newest_usable(mine),
    }?;
    Some((
        NewestPoint::Taken(newest.taken_at),
        Some(newest.vault.clone()),
    ))
}

/// Each vault that holds some resource's last point, listed back to the oldest of them, at
/// most `LISTINGS_AT_ONCE` at a time; each vault's answer or error on its own.
async fn vault_listings(
    backup: &Client,
    protected: &[Protected],
) -> BTreeMap<String, Result<Vec<ListedPoint>, SourceError>> {
    let mut since: BTreeMap<String, Option<Timestamp>> = BTreeMap::new();
    for p in protected {
        let Some(vault) = &p.last_vault else { continue };
        let start = p
            .last_backup
            .map(|t| seconds_before(t, LISTING_MARGIN_SECS));
        since
            .entry(vault.clone())
            .and_modify(|s| {
                // A resource without a last backup time needs the whole vault.
                *s = match (*s, start) {
                    (Some(a), Some(b)) => Some(a.min(b)),
                    _ => None,
                }
            })
            .or_insert(start);
    }
    bounded(since, |(vault, after)| {
        let backup = Client::clone(backup);
        async move {
            let points = vault_points(&backup, &vault, after).await;
            (vault, points)
        }
    })
    .await
    .into_iter()
    .collect()
}

/// Runs `fetch` on every item, at most `LISTINGS_AT_ONCE` at a time; answers in the order
/// they come. Items are owned: borrowed ones trip the compiler's lifetime inference inside
/// the `async_trait` future this runs in.
async fn bounded<I, T, F, Fut>(items: I, fetch: F) -> Vec<T>
where
    I: IntoIterator,
    F: FnMut(I::Item) -> Fut,
    Fut: std::future::Future<Output = T>,
{
    stream::iter(items)
        .map(fetch)
        .buffer_unordered(LISTINGS_AT_ONCE)
        .collect()
        .await
}

/// The ARN's last `:` segment: a vault ARN ends in its name.
fn name_of(arn: &str) -> &str {
    arn.rsplit(':').next().unwrap_or(arn)
}

async fn protected_resources(backup: &Client) -> Result<Vec<Protected>, SourceError> {
    let mut pages = backup.list_protected_resources().into_paginator().send();
    let mut out = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| aws_error(calls::BACKUP_LIST_PROTECTED_RESOURCES, e))?;
        out.extend(page.results().iter().filter_map(|r| {
            Some(Protected {
                arn: r.resource_arn()?.to_string(),
                resource_type: r.resource_type().unwrap_or("unknown").to_string(),
                last_backup: r.last_backup_time().and_then(from_aws),
                last_point_arn: r.last_recovery_point_arn().map(str::to_string),
                last_vault: r.last_backup_vault_arn().map(|a| name_of(a).to_string()),
            })
        }));
    }
    Ok(out)
}

fn usable(status: Option<&RecoveryPointStatus>) -> bool {
    matches!(status.map(|s| s.as_str()), Some("COMPLETED" | "AVAILABLE"))
}

async fn vault_points(
    backup: &Client,
    vault: &str,
    after: Option<Timestamp>,
) -> Result<Vec<ListedPoint>, SourceError> {
    let mut pages = backup
        .list_recovery_points_by_backup_vault()
        .backup_vault_name(vault)
        .set_by_created_after(after.map(to_aws))
        .into_paginator()
        .send();
    let mut out = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| {
            let e = aws_error(calls::BACKUP_LIST_RECOVERY_POINTS_BY_BACKUP_VAULT, e);
            SourceError::new(e.kind, e.call, format!("vault {vault}: {}", e.message))
        })?;
        out.extend(page.recovery_points().iter().filter_map(|p| {
            Some(ListedPoint {
                resource_arn: p.resource_arn()?.to_string(),
                point_arn: p.recovery_point_arn().map(str::to_string),
                vault: p.backup_vault_name().unwrap_or(vault).to_string(),
                taken_at: p.creation_date().and_then(from_aws)?,
                usable: usable(p.status()),
            })
        }));
    }
    Ok(out)
}

async fn resource_points(
    backup: &Client,
    resource_arn: &str,
) -> Result<Vec<ListedPoint>, SourceError> {
    let mut pages = backup
        .list_recovery_points_by_resource()
        .resource_arn(resource_arn)
        .into_paginator()
        .send();
    let mut out = Vec::new();
    while let Some(page) = pages.next().await {
        let page =
            page.map_err(|e| aws_error(calls::BACKUP_LIST_RECOVERY_POINTS_BY_RESOURCE, e))?;
        out.extend(page.recovery_points().iter().filter_map(|p| {
            Some(ListedPoint {
                resource_arn: resource_arn.to_string(),
                point_arn: p.recovery_point_arn().map(str::to_string),
                vault: p.backup_vault_name().unwrap_or("—").to_string(),
                taken_at: p.creation_date().and_then(from_aws)?,
                usable: usable(p.status()),
            })
        }));
    }
    Ok(out)
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

    #[tokio::test]
    async fn listings_run_side_by_side_but_never_more_than_the_bound() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        let (running, most) = (AtomicUsize::new(0), AtomicUsize::new(0));
        let answers = bounded(0..10, |n| {
            let (running, most) = (&running, &most);
            async move {
                let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                most.fetch_max(now, Ordering::SeqCst);
                for _ in 0..3 {
                    tokio::task::yield_now().await;
                }
                running.fetch_sub(1, Ordering::SeqCst);
                n
            }
        })
        .await;
        let mut answers = answers;
        answers.sort_unstable();
        assert_eq!(
            answers,
            (0..10).collect::<Vec<_>>(),
            "every listing answered"
        );
        assert_eq!(most.load(Ordering::SeqCst), LISTINGS_AT_ONCE);
    }

    #[test]
    fn the_last_point_answers_when_usable_and_a_failed_vault_cannot_tell() {
        let protected = |arn: &str, vault: &str, last: Option<&str>| Protected {
            arn: arn.into(),
            resource_type: "RDS".into(),
            last_backup: Some(at(300)),
            last_point_arn: last.map(str::to_string),
            last_vault: Some(vault.into()),
        };
        let point = |arn: &str, id: &str, t: i64, usable: bool| ListedPoint {
            resource_arn: arn.into(),
            point_arn: Some(id.into()),
            vault: "daily".into(),
            taken_at: at(t),
            usable,
        };
        let listings = BTreeMap::from([
            (
                "daily".to_string(),
                Ok(vec![
                    point("arn:db:a", "p1", 100, true),
                    point("arn:db:a", "p2", 300, true),
                    point("arn:db:b", "p3", 300, false),
                ]),
            ),
            (
                "broken".to_string(),
                Err(SourceError::new(
                    crate::source::SourceErrorKind::Timeout,
                    calls::BACKUP_LIST_RECOVERY_POINTS_BY_BACKUP_VAULT,
                    "no answer",
                )),
            ),
        ]);
        let answer = |p: &Protected| from_vault_listing(p, &listings);
        assert_eq!(
            answer(&protected("arn:db:a", "daily", Some("p2"))),
            Some((NewestPoint::Taken(at(300)), Some("daily".into())))
        );
        assert_eq!(
            answer(&protected("arn:db:b", "daily", Some("p3"))),
            None,
            "the last point is not usable: ask about the resource alone"
        );
        assert_eq!(
            answer(&protected("arn:db:a", "daily", None)),
            Some((NewestPoint::Taken(at(300)), Some("daily".into()))),
            "without AWS's last point, the newest usable listed one"
        );
        match answer(&protected("arn:db:c", "broken", Some("p9"))) {
            Some((NewestPoint::CannotTell(why), _)) => {
                assert!(why.contains("vault broken"), "{why}");
            }
            other => panic!("a failed vault cannot tell, got {other:?}"),
        }
    }
}
