//! AWS Backup told truthfully (issue 9): windows, shared vaults, failing vaults, what is missing.

use super::backup_jobs::*;
use super::*;

use ripcord::fleet::{Replica, ReplicaKind, ReplicationState, Snapshot};

/// Summaries as AWS gives them at 03:00 UTC: ONE_DAY's newest bucket is today since
/// midnight (three hours), not the last 24 h; SEVEN_DAYS and FOURTEEN_DAYS are AWS's own.
fn day_bucket_summaries() -> Rule {
    mock!(aws_sdk_backup::Client::list_backup_job_summaries).then_compute_output(|req| {
        let midnight: Timestamp = "2026-11-21T00:00:00Z".parse().expect("valid");
        let yesterday: Timestamp = "2026-11-20T00:00:00Z".parse().expect("valid");
        let rows = match req.aggregation_period() {
            Some(AggregationPeriod::OneDay) => vec![
                summary(BackupJobStatus::Completed, "SUCCESS", 2, aws_time(midnight)),
                summary(
                    BackupJobStatus::Failed,
                    "ACCESS_DENIED",
                    3,
                    aws_time(yesterday),
                ),
            ],
            Some(AggregationPeriod::SevenDays) => vec![summary(
                BackupJobStatus::Completed,
                "SUCCESS",
                50,
                hours_ago(160),
            )],
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

/// The same jobs, one by one: two good ones an hour ago, three failures at 22:00 last
/// night (inside the last 24 h, outside today's bucket), one failure 30 h ago.
fn rolling_jobs() -> Rule {
    mock!(aws_sdk_backup::Client::list_backup_jobs).then_output(|| {
        ListBackupJobsOutput::builder()
            .backup_jobs(job(
                "ok-a",
                "daily",
                BackupJobState::Completed,
                "SUCCESS",
                1,
            ))
            .backup_jobs(job(
                "ok-b",
                "daily",
                BackupJobState::Completed,
                "SUCCESS",
                1,
            ))
            .backup_jobs(job("late-a", "daily", BackupJobState::Failed, "X", 5))
            .backup_jobs(job("late-b", "daily", BackupJobState::Failed, "X", 5))
            .backup_jobs(job("late-c", "other", BackupJobState::Failed, "X", 5))
            .backup_jobs(job("old", "daily", BackupJobState::Failed, "X", 30))
            .build()
    })
}

#[tokio::test]
async fn the_region_wide_24h_and_7d_are_rolling_windows_over_the_jobs() {
    let (summaries, jobs) = (day_bucket_summaries(), rolling_jobs());
    let [protected, points, by_resource] = recovery_rules();
    let client = backup_client(&[&summaries, &jobs, &protected, &points, &by_resource]);
    let health = backup::backup_health(&client, "us-east-1", now(), &Parts::default())
        .await
        .expect("backup health")
        .data;
    let region = |w: Window| {
        health
            .stats
            .iter()
            .find(|s| &*s.vault == ALL_VAULTS && s.window == w)
            .unwrap_or_else(|| panic!("a region-wide {} row", w.label()))
            .counts
    };
    let day = region(Window::Day);
    assert_eq!(
        (day.completed, day.failed),
        (2, 3),
        "the last 24 h, not today's bucket since midnight"
    );
    let week = region(Window::Week);
    assert_eq!(
        (week.completed, week.failed),
        (2, 4),
        "rolling 7 d from the jobs"
    );
    assert_eq!(
        region(Window::TwoWeeks).completed,
        140,
        "14 d is AWS's own summary"
    );
    let per_vault: u32 = health
        .stats
        .iter()
        .filter(|s| &*s.vault != ALL_VAULTS && s.window == Window::Day)
        .map(|s| s.counts.failed)
        .sum();
    assert_eq!(
        per_vault, day.failed,
        "region-wide and per-vault 24 h agree"
    );
    assert_eq!(health.totals(Window::Day), day);
}

fn workload(name: &str, pattern: &str) -> Workload {
    Workload {
        name: name.into(),
        rpo: Duration::from_secs(60),
        rto: Duration::from_secs(900),
        backup_rpo: Some(Duration::from_secs(26 * 3600)),
        resources: vec![pattern.into()],
        drill_every: None,
    }
}

/// An App of `workloads` fed one round of backups of us-east-1.
fn app_with(
    workloads: Vec<Workload>,
    result: ripcord::source::FetchResult<ripcord::fleet::BackupHealth>,
) -> App {
    let d = Workloads::default();
    let mut app = App::new(
        Mode::Live { profile: None },
        "aws",
        &["us-east-1".to_string()],
        Workloads::new(workloads, d.default_targets, d.thresholds),
        Refresh::default(),
        Theme::mono(),
        now(),
    );
    app.update(
        Event::Fetched(Fetched::Backups {
            place: "us-east-1".into(),
            result,
        }),
        now(),
    );
    app
}

#[tokio::test]
async fn a_shared_vault_still_gives_each_workload_its_own_success_rate() {
    // One vault, "shared", backs up both workloads; its name matches neither.
    let jobs = mock!(aws_sdk_backup::Client::list_backup_jobs).then_output(|| {
        ListBackupJobsOutput::builder()
            .backup_jobs(job(
                "orders-a",
                "shared",
                BackupJobState::Completed,
                "SUCCESS",
                2,
            ))
            .backup_jobs(job(
                "orders-b",
                "shared",
                BackupJobState::Completed,
                "SUCCESS",
                30,
            ))
            .backup_jobs(job(
                "billing-a",
                "shared",
                BackupJobState::Completed,
                "SUCCESS",
                3,
            ))
            .backup_jobs(job("billing-b", "shared", BackupJobState::Failed, "X", 4))
            .backup_jobs(job("billing-c", "shared", BackupJobState::Failed, "X", 50))
            .build()
    });
    let summaries = summaries_rule();
    let [protected, points, by_resource] = recovery_rules();
    let client = backup_client(&[&summaries, &jobs, &protected, &points, &by_resource]);
    let snapshot = backup::backup_health(&client, "us-east-1", now(), &Parts::default()).await;
    let app = app_with(
        vec![
            workload("orders", "orders-*"),
            workload("billing", "billing-*"),
        ],
        snapshot,
    );
    let report = ripcord::status::report(&app.fleet, None);
    let rates = |name: &str| {
        let w = report
            .workloads
            .iter()
            .find(|w| w.name.as_deref() == Some(name))
            .expect("summarised");
        (w.backup_success_24h, w.backup_success_7d, w.verdict)
    };
    let (day, week, _) = rates("orders");
    assert_eq!(
        (day, week),
        (Some(1.0), Some(1.0)),
        "orders: every job succeeded"
    );
    let (day, week, verdict) = rates("billing");
    assert_eq!(day, Some(0.5), "billing, 24 h: one of two");
    assert_eq!(week, Some(1.0 / 3.0), "billing, 7 d: one of three");
    assert_eq!(verdict, Verdict::Crit, "50% is under backup_success_crit");
}

/// Three protected resources whose newest points sit in three vaults; "broken" fails.
#[tokio::test]
async fn one_failing_vault_leaves_the_others_and_shows_its_error() {
    let protected = mock!(aws_sdk_backup::Client::list_protected_resources).then_output(|| {
        let p = |arn: &str, vault: &str, point: &str, age_h: i64| {
            ProtectedResource::builder()
                .resource_arn(arn)
                .resource_type("RDS")
                .last_backup_time(hours_ago(age_h))
                .last_backup_vault_arn(vault_arn(vault))
                .last_recovery_point_arn(point_arn(point))
                .build()
        };
        ListProtectedResourcesOutput::builder()
            .results(p(RDS_ARN, "daily", "rds-1", 1))
            .results(p(EFS_ARN, "weekly", "efs-22", 22))
            .results(p(NEW_ARN, "broken", "new-3", 3))
            .build()
    });
    let listed_after = Arc::new(Mutex::new(Vec::new()));
    let seen = listed_after.clone();
    let points = mock!(aws_sdk_backup::Client::list_recovery_points_by_backup_vault)
        .match_requests(|req| req.backup_vault_name() != Some("broken"))
        .then_compute_output(move |req| {
            seen.lock()
                .expect("not poisoned")
                .push(req.by_created_after().map(|t| t.secs()));
            let point = |arn: &str, n: &str, age_h: i64| {
                RecoveryPointByBackupVault::builder()
                    .resource_arn(arn)
                    .recovery_point_arn(point_arn(n))
                    .backup_vault_name(req.backup_vault_name().unwrap_or("?"))
                    .status(RecoveryPointStatus::Completed)
                    .creation_date(hours_ago(age_h))
                    .build()
            };
            let list = match req.backup_vault_name() {
                Some("daily") => vec![point(RDS_ARN, "rds-1", 1)],
                _ => vec![point(EFS_ARN, "efs-22", 22)],
            };
            ListRecoveryPointsByBackupVaultOutput::builder()
                .set_recovery_points(Some(list))
                .build()
        });
    let broken = mock!(aws_sdk_backup::Client::list_recovery_points_by_backup_vault)
        .match_requests(|req| req.backup_vault_name() == Some("broken"))
        .sequence()
        .http_status(
            403,
            Some(
                r#"{"__type":"AccessDeniedException","message":"vault policy denies broken"}"#
                    .to_string(),
            ),
        )
        .times(3)
        .build();
    let (summaries, jobs) = (summaries_rule(), jobs_rule());
    let client = backup_client(&[&summaries, &jobs, &protected, &points, &broken]);
    let snapshot = backup::backup_health(&client, "us-east-1", now(), &Parts::default())
        .await
        .expect("backup health");
    let health = &snapshot.data;
    let ago = |h: i64| {
        NewestPoint::Taken(Timestamp::from_second(now().as_second() - h * 3600).expect("ok"))
    };
    let newest = |arn: &str| {
        health
            .recovery_points
            .iter()
            .find(|p| p.resource_id == arn)
            .unwrap_or_else(|| panic!("{arn} listed"))
            .newest
            .clone()
    };
    assert_eq!(newest(RDS_ARN), ago(1), "the daily vault answered");
    assert_eq!(newest(EFS_ARN), ago(22), "the weekly vault answered");
    match newest(NEW_ARN) {
        NewestPoint::CannotTell(why) => {
            assert!(why.contains("vault broken"), "{why}");
            assert!(
                why.contains("vault policy denies broken"),
                "AWS's words: {why}"
            );
        }
        other => panic!("a failed vault is 'cannot tell', never 'none': {other:?}"),
    }
    // Each vault is listed from its resources' oldest last backup (less an hour), not
    // from the beginning of time.
    let mut after = listed_after.lock().expect("not poisoned").clone();
    after.sort();
    let hours = |h: i64| Some(now().as_second() - h * 3600 - 3600);
    assert_eq!(after, vec![hours(22), hours(1)]);
    assert!(
        snapshot
            .missing
            .iter()
            .any(|e| e.kind == SourceErrorKind::AccessDenied && e.message.contains("broken")),
        "the failing vault's error is shown: {:?}",
        snapshot.missing
    );
}

fn replica(id: &str, region: &str, source: &str, state: ReplicationState) -> Replica {
    Replica {
        id: id.into(),
        region: region.into(),
        source_id: source.into(),
        source_region: "us-east-1".into(),
        engine: "postgres".into(),
        kind: ReplicaKind::RdsReadReplica,
        state,
        lag_samples: Default::default(),
        lag_problem: None,
    }
}

/// An empty protected-resource listing: the region has no recovery point of anything.
fn nothing_protected() -> Rule {
    mock!(aws_sdk_backup::Client::list_protected_resources)
        .then_output(|| ListProtectedResourcesOutput::builder().build())
}

#[tokio::test]
async fn a_database_no_backup_covers_is_crit_and_an_unread_inventory_cannot_tell() {
    // us-east-1: orders-primary has points (RDS_ARN). us-west-2: nothing is protected, and
    // orders-dr-usw2 was just promoted there. eu-west-1's replicas could not be read.
    let (summaries, jobs) = (summaries_rule(), jobs_rule());
    let [protected, points, by_resource] = recovery_rules();
    let east = backup_client(&[&summaries, &jobs, &protected, &points, &by_resource]);
    let (summaries_w, jobs_w, protected_w) = (summaries_rule(), jobs_rule(), nothing_protected());
    let west = backup_client(&[&summaries_w, &jobs_w, &protected_w]);
    let parts = Parts::default();
    let east = backup::backup_health(&east, "us-east-1", now(), &parts).await;
    let west = backup::backup_health(&west, "us-west-2", now(), &parts).await;

    let regions = ["us-east-1", "us-west-2", "eu-west-1"].map(str::to_string);
    let mut app = App::new(
        Mode::Live { profile: None },
        "aws",
        &regions,
        Workloads::new(
            vec![workload("orders", "orders-*")],
            Workloads::default().default_targets,
            Thresholds::default(),
        ),
        Refresh::default(),
        Theme::mono(),
        now(),
    );
    let replicas = |region: &str, list: Vec<Replica>| {
        Event::Fetched(Fetched::Replicas {
            place: region.into(),
            result: Ok(Snapshot::new(list, now())),
        })
    };
    app.update(
        replicas(
            "us-east-1",
            vec![replica(
                "orders-read-use1",
                "us-east-1",
                "orders-primary",
                ReplicationState::Replicating,
            )],
        ),
        now(),
    );
    app.update(
        replicas(
            "us-west-2",
            vec![replica(
                "orders-dr-usw2",
                "us-west-2",
                "orders-primary",
                ReplicationState::Promoted,
            )],
        ),
        now(),
    );
    app.update(
        Event::Fetched(Fetched::Replicas {
            place: "eu-west-1".into(),
            result: Err(ripcord::source::SourceError::new(
                SourceErrorKind::Timeout,
                "rds:DescribeDBInstances",
                "no answer within 20s",
            )),
        }),
        now(),
    );
    app.update(
        Event::Fetched(Fetched::Backups {
            place: "us-east-1".into(),
            result: east,
        }),
        now(),
    );
    app.update(
        Event::Fetched(Fetched::Backups {
            place: "us-west-2".into(),
            result: west,
        }),
        now(),
    );
    // eu-west-1's backups: not read either.
    app.update(
        Event::Fetched(Fetched::Backups {
            place: "eu-west-1".into(),
            result: Err(ripcord::source::SourceError::new(
                SourceErrorKind::Timeout,
                "backup:ListBackupJobs",
                "no answer within 20s",
            )),
        }),
        now(),
    );

    let rows = app.point_rows();
    let judged = |needle: &str| {
        rows.iter()
            .filter(|r| r.point.resource_id.contains(needle))
            .map(|r| {
                (
                    r.point.region.clone(),
                    r.eval.verdict,
                    r.eval.reason.clone(),
                )
            })
            .collect::<Vec<_>>()
    };
    let promoted = judged("orders-dr-usw2");
    assert_eq!(promoted.len(), 1, "{promoted:?}");
    assert_eq!(&*promoted[0].0, "us-west-2");
    assert_eq!(promoted[0].1, Verdict::Crit);
    assert!(
        promoted[0].2.contains("no recovery point"),
        "{}",
        promoted[0].2
    );
    assert_eq!(
        judged("orders-primary").len(),
        1,
        "the primary AWS Backup lists is shown once, not again as missing"
    );
    assert!(
        judged("orders-read-use1").is_empty(),
        "a replicating replica needs no backup"
    );
    let eu = judged("eu-west-1");
    assert_eq!(
        eu.len(),
        1,
        "one row says eu-west-1's inventory is unknown: {eu:?}"
    );
    assert_eq!(eu[0].1, Verdict::Unknown);
    assert!(eu[0].2.contains("no answer within 20s"), "{}", eu[0].2);
    let report = ripcord::status::report(&app.fleet, None);
    let orders = report
        .workloads
        .iter()
        .find(|w| w.name.as_deref() == Some("orders"))
        .expect("summarised");
    assert_eq!(orders.resources_without_recovery_point, 1);
}
