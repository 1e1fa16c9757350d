//! AWS Backup: job states, recovery points and their ages, throttling and denials.

use super::*;

pub(super) fn summary(
    state: BackupJobStatus,
    category: &str,
    count: i32,
    start: DateTime,
) -> BackupJobSummary {
    BackupJobSummary::builder()
        .state(state)
        .resource_type("RDS")
        .message_category(category)
        .count(count)
        .start_time(start)
        .build()
}

/// Summaries per period. Only FOURTEEN_DAYS is asked for: ONE_DAY's buckets are calendar
/// days, not the last 24 h (see `backup_truth`).
pub(super) fn summaries_rule() -> Rule {
    mock!(aws_sdk_backup::Client::list_backup_job_summaries).then_compute_output(|req| {
        let rows = match req.aggregation_period() {
            Some(AggregationPeriod::OneDay) => vec![
                summary(BackupJobStatus::Completed, "SUCCESS", 9, hours_ago(3)),
                summary(BackupJobStatus::Completed, "ACCESS_DENIED", 1, hours_ago(3)),
                summary(BackupJobStatus::Failed, "ACCESS_DENIED", 1, hours_ago(3)),
                summary(BackupJobStatus::Running, "SUCCESS", 4, hours_ago(3)),
                // Yesterday's bucket: not part of the 24 h window.
                summary(BackupJobStatus::Failed, "ACCESS_DENIED", 30, hours_ago(27)),
            ],
            Some(AggregationPeriod::SevenDays) => vec![
                summary(BackupJobStatus::Completed, "SUCCESS", 60, hours_ago(160)),
                summary(BackupJobStatus::Expired, "SUCCESS", 2, hours_ago(160)),
                summary(BackupJobStatus::Aborted, "SUCCESS", 1, hours_ago(160)),
            ],
            _ => vec![summary(
                BackupJobStatus::Completed,
                "SUCCESS",
                140,
                hours_ago(330),
            )],
        };
        ListBackupJobSummariesOutput::builder()
            .set_backup_job_summaries(Some(rows))
            .build()
    })
}

pub(super) fn job(
    id: &str,
    vault: &str,
    state: BackupJobState,
    category: &str,
    age_h: i64,
) -> AwsJob {
    AwsJob::builder()
        .backup_job_id(id)
        .backup_vault_name(vault)
        .resource_arn(format!("arn:aws:rds:us-east-1:123456789012:db:{id}-db"))
        .resource_type("RDS")
        .state(state)
        .message_category(category)
        .status_message(format!("{id}: what AWS said"))
        .creation_date(hours_ago(age_h))
        .build()
}

/// Two pages of jobs, one in each state worth telling apart.
pub(super) fn jobs_rule() -> Rule {
    mock!(aws_sdk_backup::Client::list_backup_jobs).then_compute_output(|req| {
        match req.next_token() {
            None => ListBackupJobsOutput::builder()
                .backup_jobs(job("ok1", "daily", BackupJobState::Completed, "SUCCESS", 2))
                .backup_jobs(job(
                    "issues",
                    "daily",
                    BackupJobState::Completed,
                    "ACCESS_DENIED",
                    5,
                ))
                .backup_jobs(job(
                    "failed",
                    "daily",
                    BackupJobState::Failed,
                    "ACCESS_DENIED",
                    3,
                ))
                .next_token("page-2")
                .build(),
            Some(_) => ListBackupJobsOutput::builder()
                .backup_jobs(job(
                    "expired",
                    "weekly",
                    BackupJobState::Expired,
                    "SUCCESS",
                    50,
                ))
                .backup_jobs(job(
                    "aborted",
                    "weekly",
                    BackupJobState::Aborted,
                    "ABORTED",
                    30,
                ))
                .backup_jobs(job(
                    "running",
                    "daily",
                    BackupJobState::Running,
                    "SUCCESS",
                    1,
                ))
                .backup_jobs(job(
                    "ok2",
                    "weekly",
                    BackupJobState::Completed,
                    "SUCCESS",
                    100,
                ))
                .build(),
        }
    })
}

pub(super) const RDS_ARN: &str = "arn:aws:rds:us-east-1:123456789012:db:orders-primary";
pub(super) const EBS_ARN: &str = "arn:aws:ec2:us-east-1:123456789012:volume/vol-reports";
pub(super) const EFS_ARN: &str =
    "arn:aws:elasticfilesystem:us-east-1:123456789012:file-system/fs-1";
pub(super) const NEW_ARN: &str = "arn:aws:dynamodb:us-east-1:123456789012:table/sessions";

pub(super) fn vault_arn(name: &str) -> String {
    format!("arn:aws:backup:us-east-1:123456789012:backup-vault:{name}")
}

pub(super) fn point_arn(n: &str) -> String {
    format!("arn:aws:backup:us-east-1:123456789012:recovery-point:{n}")
}

/// Protected resources as AWS lists them (each with its last point and that point's vault),
/// the two vaults' newest points, and the points of a resource asked about alone.
pub(super) fn recovery_rules() -> [Rule; 3] {
    let protected = mock!(aws_sdk_backup::Client::list_protected_resources).then_output(|| {
        let p = |arn: &str, t: &str, vault: &str, point: &str, age_h: i64| {
            ProtectedResource::builder()
                .resource_arn(arn)
                .resource_type(t)
                .last_backup_time(hours_ago(age_h))
                .last_backup_vault_arn(vault_arn(vault))
                .last_recovery_point_arn(point_arn(point))
                .build()
        };
        ListProtectedResourcesOutput::builder()
            .results(p(RDS_ARN, "RDS", "daily", "rds-1", 1))
            // The last point is PARTIAL: the newest usable one is older.
            .results(p(EBS_ARN, "EBS", "daily", "ebs-1", 1))
            .results(p(EFS_ARN, "EFS", "weekly", "efs-22", 22))
            // Its only point expired: none usable.
            .results(p(NEW_ARN, "DynamoDB", "weekly", "new-5", 5))
            .build()
    });
    let points = mock!(aws_sdk_backup::Client::list_recovery_points_by_backup_vault)
        .then_compute_output(|req| {
            let point = |arn: &str, id: &str, status: RecoveryPointStatus, age_h: i64| {
                RecoveryPointByBackupVault::builder()
                    .resource_arn(arn)
                    .recovery_point_arn(point_arn(id))
                    .backup_vault_name(req.backup_vault_name().unwrap_or("?"))
                    .status(status)
                    .creation_date(hours_ago(age_h))
                    .build()
            };
            let list = match req.backup_vault_name() {
                Some("daily") => vec![
                    point(RDS_ARN, "rds-1", RecoveryPointStatus::Completed, 1),
                    point(EBS_ARN, "ebs-1", RecoveryPointStatus::Partial, 1),
                ],
                _ => vec![
                    point(EFS_ARN, "efs-22", RecoveryPointStatus::Completed, 22),
                    point(NEW_ARN, "new-5", RecoveryPointStatus::Expired, 5),
                ],
            };
            ListRecoveryPointsByBackupVaultOutput::builder()
                .set_recovery_points(Some(list))
                .build()
        });
    let by_resource = mock!(aws_sdk_backup::Client::list_recovery_points_by_resource)
        .then_compute_output(|req| {
            let point = |id: &str, status: RecoveryPointStatus, age_h: i64| {
                RecoveryPointByResource::builder()
                    .recovery_point_arn(point_arn(id))
                    .backup_vault_name("daily")
                    .status(status)
                    .creation_date(hours_ago(age_h))
                    .build()
            };
            let list = match req.resource_arn() {
                Some(EBS_ARN) => vec![
                    point("ebs-1", RecoveryPointStatus::Partial, 1),
                    point("ebs-40", RecoveryPointStatus::Completed, 40),
                ],
                _ => vec![point("new-5", RecoveryPointStatus::Expired, 5)],
            };
            ListRecoveryPointsByResourceOutput::builder()
                .set_recovery_points(Some(list))
                .build()
        });
    [protected, points, by_resource]
}

pub(super) fn backup_client(rules: &[&Rule]) -> aws_sdk_backup::Client {
    mock_client!(aws_sdk_backup, RuleMode::MatchAny, rules)
}

#[tokio::test]
async fn backup_rates_problem_jobs_and_recovery_points() {
    let (summaries, jobs) = (summaries_rule(), jobs_rule());
    let [protected, points, by_resource] = recovery_rules();
    let client = backup_client(&[&summaries, &jobs, &protected, &points, &by_resource]);
    let snapshot = backup::backup_health(&client, "us-east-1", now(), &Parts::default())
        .await
        .expect("backup health");
    assert!(snapshot.missing.is_empty(), "{:?}", snapshot.missing);
    let health = snapshot.data;

    // Region-wide rates: 24 h and 7 d rolling, from the job listing; 14 d from the summary.
    let region = |w: Window| {
        health
            .stats
            .iter()
            .find(|s| &*s.vault == ALL_VAULTS && s.window == w)
            .expect("a region-wide row")
            .counts
    };
    let day = region(Window::Day);
    assert_eq!(
        (
            day.completed,
            day.completed_with_issues,
            day.failed,
            day.running
        ),
        (1, 1, 1, 1),
        "COMPLETED with a message category is 'with issues'"
    );
    assert_eq!(day.success_rate(), Some(2.0 / 3.0));
    let week = region(Window::Week);
    assert_eq!(
        (week.completed, week.expired, week.aborted, week.failed),
        (2, 1, 1, 1)
    );
    assert_eq!(region(Window::TwoWeeks).completed, 140);
    assert_eq!(summaries.num_calls(), 1, "one summary, for 14 d only");

    // The per-vault breakdown from the job listing (both pages).
    assert_eq!(jobs.num_calls(), 2);
    let vault = |v: &str, w: Window| {
        health
            .stats
            .iter()
            .find(|s| &*s.vault == v && s.window == w)
            .map(|s| s.counts)
    };
    let daily = vault("daily", Window::Day).expect("daily 24h");
    assert_eq!(
        (
            daily.completed,
            daily.completed_with_issues,
            daily.failed,
            daily.running
        ),
        (1, 1, 1, 1)
    );
    assert_eq!(
        vault("weekly", Window::Day),
        None,
        "nothing of weekly in 24 h"
    );
    let weekly = vault("weekly", Window::Week).expect("weekly 7d");
    assert_eq!(
        (weekly.expired, weekly.aborted, weekly.completed),
        (1, 1, 1)
    );
    assert_eq!(
        health.totals(Window::Day),
        day,
        "region-wide rows are the totals"
    );

    // The jobs worth attention, newest first, each with its state and message.
    let problems: Vec<(&str, JobState)> = health
        .problem_jobs
        .iter()
        .map(|j| (j.job_id.as_str(), j.state))
        .collect();
    assert_eq!(
        problems,
        vec![
            ("failed", JobState::Failed),
            ("issues", JobState::CompletedWithIssues),
            ("aborted", JobState::Aborted),
            ("expired", JobState::Expired),
        ]
    );
    assert_eq!(&*health.problem_jobs[0].message, "failed: what AWS said");
    assert_eq!(&*health.problem_jobs[0].vault, "daily");

    // Newest usable recovery point per protected resource.
    let newest = |arn: &str| {
        health
            .recovery_points
            .iter()
            .find(|p| p.resource_id == arn)
            .expect("listed")
            .newest
            .clone()
    };
    let ago = |h: i64| {
        NewestPoint::Taken(Timestamp::from_second(now().as_second() - h * 3600).expect("ok"))
    };
    assert_eq!(newest(RDS_ARN), ago(1));
    assert_eq!(newest(EBS_ARN), ago(40), "the partial point does not count");
    assert_eq!(newest(EFS_ARN), ago(22));
    assert_eq!(newest(NEW_ARN), NewestPoint::None, "its only point expired");
    assert!(health.protected_listed);
    assert_eq!(
        points.num_calls(),
        2,
        "one listing per vault that holds a last point, not per resource"
    );
    assert_eq!(
        by_resource.num_calls(),
        2,
        "only the resources whose last point is not usable are asked about alone"
    );
}

#[tokio::test]
async fn recovery_point_ages_are_judged_against_the_backup_rpo() {
    let [protected, points, by_resource] = recovery_rules();
    let (summaries, jobs) = (summaries_rule(), jobs_rule());
    let client = backup_client(&[&summaries, &jobs, &protected, &points, &by_resource]);
    let snapshot = backup::backup_health(&client, "us-east-1", now(), &Parts::default())
        .await
        .expect("backup health");
    let workloads = Workloads::new(
        vec![Workload {
            name: "everything".into(),
            rpo: Duration::from_secs(60),
            rto: Duration::from_secs(900),
            backup_rpo: Some(Duration::from_secs(26 * 3600)),
            resources: vec!["*".into()],
            drill_every: None,
        }],
        Targets {
            workload: None,
            rpo: Duration::from_secs(900),
            rto: Duration::from_secs(3600),
            backup_rpo: Duration::from_secs(26 * 3600),
        },
        Thresholds::default(),
    );
    let mut app = App::new(
        Mode::Live { profile: None },
        "aws",
        &["us-east-1".to_string()],
        workloads,
        Refresh::default(),
        Theme::mono(),
        now(),
    );
    app.update(
        Event::Fetched(Fetched::Backups {
            place: "us-east-1".into(),
            result: Ok(snapshot),
        }),
        now(),
    );
    let verdicts: BTreeMap<String, Verdict> = app
        .point_rows()
        .iter()
        .map(|r| (r.point.resource_id.clone(), r.eval.verdict))
        .collect();
    assert_eq!(verdicts[RDS_ARN], Verdict::Ok, "1 h old, RPO 26 h");
    assert_eq!(
        verdicts[EFS_ARN],
        Verdict::Warn,
        "22 h old: past 80% of 26 h"
    );
    assert_eq!(verdicts[EBS_ARN], Verdict::Crit, "40 h old");
    assert_eq!(verdicts[NEW_ARN], Verdict::Crit, "no recovery point at all");
}

#[tokio::test(start_paused = true)]
async fn backup_throttling_then_success_and_a_denied_part_beside_the_rest() {
    // AWS Backup speaks REST-JSON: a throttled answer is a 400 with the error type in the body.
    let throttled_then_ok = mock!(aws_sdk_backup::Client::list_backup_jobs)
        .sequence()
        .http_status(
            400,
            Some(r#"{"__type":"ThrottlingException","message":"Rate exceeded"}"#.to_string()),
        )
        .output(|| ListBackupJobsOutput::builder().build())
        .build();
    let denied = mock!(aws_sdk_backup::Client::list_backup_job_summaries)
        .sequence()
        .http_status(
            403,
            Some(r#"{"__type":"AccessDeniedException","message":"no backup:ListBackupJobSummaries"}"#.to_string()),
        )
        .times(3)
        .build();
    let [protected, points, by_resource] = recovery_rules();
    let client = mock_client!(
        aws_sdk_backup,
        RuleMode::MatchAny,
        [
            &throttled_then_ok,
            &denied,
            &protected,
            &points,
            &by_resource
        ],
        |b: aws_sdk_backup::config::Builder| b
            .retry_config(CallLimits::READS.retry_config())
            .timeout_config(CallLimits::READS.timeout_config())
    );
    let snapshot = backup::backup_health(&client, "us-east-1", now(), &Parts::default())
        .await
        .expect("most of it arrived");
    assert_eq!(
        throttled_then_ok.num_calls(),
        2,
        "retried once after the throttle"
    );
    assert_eq!(snapshot.data.recovery_points.len(), 4);
    assert_eq!(snapshot.missing.len(), 1);
    assert_eq!(snapshot.missing[0].kind, SourceErrorKind::AccessDenied);
    assert_eq!(snapshot.missing[0].call, "backup:ListBackupJobSummaries");
}
