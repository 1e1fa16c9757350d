//! The AWS reads readiness needs, against typed SDK mocks (moto answers none of the AWS Backup
//! job listings): copies into another region (ListCopyJobs), RDS restore windows
//! (DescribeDBInstances `LatestRestorableTime`), replicated automated backups
//! (DescribeDBInstanceAutomatedBackups), and a denied part beside the rest of the feed.

use aws_sdk_backup::operation::list_backup_job_summaries::ListBackupJobSummariesOutput;
use aws_sdk_backup::operation::list_backup_jobs::ListBackupJobsOutput;
use aws_sdk_backup::operation::list_copy_jobs::ListCopyJobsOutput;
use aws_sdk_backup::operation::list_protected_resources::ListProtectedResourcesOutput;
use aws_sdk_backup::types::{CopyJob, CopyJobState};
use aws_sdk_rds::operation::describe_db_instance_automated_backups::DescribeDbInstanceAutomatedBackupsOutput;
use aws_sdk_rds::operation::describe_db_instances::DescribeDbInstancesOutput;
use aws_sdk_rds::types::{DbInstance, DbInstanceAutomatedBackup, RestoreWindow};
use aws_smithy_mocks::{Rule, RuleMode, mock, mock_client};
use aws_smithy_types::DateTime;
use jiff::Timestamp;
use ripcord::fleet::Listing;
use ripcord::source::aws::{AwsFleet, GlobalClients, RegionClients, instances, readiness};
use ripcord::source::{FleetSource, SourceErrorKind};
use std::collections::BTreeMap;

const EAST: &str = "us-east-1";
const ORDERS_ARN: &str = "arn:aws:rds:us-east-1:123456789012:db:orders-primary";

fn now() -> Timestamp {
    "2026-11-21T03:00:30Z".parse().expect("valid")
}

fn hours_ago(h: i64) -> DateTime {
    DateTime::from_secs(now().as_second() - h * 3600)
}

fn vault(region: &str, name: &str) -> String {
    format!("arn:aws:backup:{region}:123456789012:backup-vault:{name}")
}

/// Two pages of copy jobs: one into us-west-2, one into another us-east-1 vault (not a copy
/// out of the region), one into eu-west-1 on the second page.
fn copy_jobs_rule() -> Rule {
    mock!(aws_sdk_backup::Client::list_copy_jobs).then_compute_output(|req| {
        assert_eq!(req.by_state(), Some(&CopyJobState::Completed));
        assert!(
            req.by_created_after().is_some(),
            "the listing is bounded in time"
        );
        let job = |to: String, age_h: i64| {
            CopyJob::builder()
                .resource_arn(ORDERS_ARN)
                .destination_backup_vault_arn(to)
                .creation_date(hours_ago(age_h + 1))
                .completion_date(hours_ago(age_h))
                .state(CopyJobState::Completed)
                .build()
        };
        match req.next_token() {
            None => ListCopyJobsOutput::builder()
                .copy_jobs(job(vault("us-west-2", "dr-usw2"), 3))
                .copy_jobs(job(vault(EAST, "other"), 1))
                .next_token("page-2")
                .build(),
            Some(_) => ListCopyJobsOutput::builder()
                .copy_jobs(job(vault("eu-west-1", "dr-euw1"), 30))
                .build(),
        }
    })
}

#[tokio::test]
async fn copies_out_of_the_region_are_read_over_every_page() {
    let rule = copy_jobs_rule();
    let client = mock_client!(aws_sdk_backup, RuleMode::MatchAny, [&rule]);
    let copies = readiness::offsite_copies(&client, EAST, now())
        .await
        .expect("listed");
    assert_eq!(rule.num_calls(), 2);
    let found: Vec<(&str, &str, i64)> = copies
        .iter()
        .map(|c| {
            (
                c.destination_region.as_str(),
                c.destination_vault.as_str(),
                (now().as_second() - c.completed_at.as_second()) / 3600,
            )
        })
        .collect();
    assert_eq!(
        found,
        vec![("us-west-2", "dr-usw2", 3), ("eu-west-1", "dr-euw1", 30)]
    );
    assert!(
        copies
            .iter()
            .all(|c| c.resource_id == ORDERS_ARN && c.source_region == EAST)
    );
}

fn instances_rule() -> Rule {
    mock!(aws_sdk_rds::Client::describe_db_instances).then_output(|| {
        DescribeDbInstancesOutput::builder()
            .db_instances(
                DbInstance::builder()
                    .db_instance_identifier("orders-primary")
                    .latest_restorable_time(hours_ago(0))
                    .build(),
            )
            .db_instances(
                DbInstance::builder()
                    .db_instance_identifier("orders-read-use1")
                    .read_replica_source_db_instance_identifier("orders-primary")
                    .build(),
            )
            .db_instances(
                DbInstance::builder()
                    .db_instance_identifier("billing-use1-a")
                    .db_cluster_identifier("billing-use1")
                    .build(),
            )
            // Automated backups off: no restorable time.
            .db_instances(
                DbInstance::builder()
                    .db_instance_identifier("scratch")
                    .build(),
            )
            .build()
    })
}

fn automated_rule() -> Rule {
    mock!(aws_sdk_rds::Client::describe_db_instance_automated_backups).then_output(|| {
        DescribeDbInstanceAutomatedBackupsOutput::builder()
            .db_instance_automated_backups(
                DbInstanceAutomatedBackup::builder()
                    .db_instance_arn("arn:aws:rds:eu-west-1:123456789012:db:sessions-primary")
                    .db_instance_identifier("sessions-primary")
                    .region("eu-west-1")
                    .restore_window(RestoreWindow::builder().latest_time(hours_ago(1)).build())
                    .build(),
            )
            .build()
    })
}

#[tokio::test]
async fn restore_windows_are_read_for_the_instances_that_take_writes() {
    let (instances, automated) = (instances_rule(), automated_rule());
    let rds = mock_client!(aws_sdk_rds, RuleMode::MatchAny, [&instances, &automated]);
    let windows = instances::list(&rds, EAST, 100, now())
        .await
        .expect("listed")
        .restore_windows;
    assert!(
        windows.iter().all(|w| w.listed_at == now()),
        "each window is as old as its listing"
    );
    let found: Vec<(&str, Option<Timestamp>)> = windows
        .iter()
        .map(|w| (w.db_id.as_str(), w.latest_restorable))
        .collect();
    assert_eq!(
        found,
        vec![("orders-primary", Some(now())), ("scratch", None)],
        "replicas and cluster members restore otherwise"
    );
    let replicated = readiness::automated_backups(&rds, EAST)
        .await
        .expect("listed");
    assert_eq!(replicated.len(), 1);
    assert_eq!(replicated[0].held_in, EAST);
    assert_eq!(replicated[0].db_region, "eu-west-1");
    assert_eq!(replicated[0].db_id, "sessions-primary");
    assert!(replicated[0].latest_restorable.is_some());
}

#[tokio::test]
async fn a_denied_copy_listing_is_cannot_tell_beside_the_rest_of_the_backups() {
    let summaries = mock!(aws_sdk_backup::Client::list_backup_job_summaries)
        .then_output(|| ListBackupJobSummariesOutput::builder().build());
    let jobs = mock!(aws_sdk_backup::Client::list_backup_jobs)
        .then_output(|| ListBackupJobsOutput::builder().build());
    let protected = mock!(aws_sdk_backup::Client::list_protected_resources)
        .then_output(|| ListProtectedResourcesOutput::builder().build());
    let denied = mock!(aws_sdk_backup::Client::list_copy_jobs).then_http_response(|| {
        aws_smithy_runtime_api::client::orchestrator::HttpResponse::new(
            aws_smithy_runtime_api::http::StatusCode::try_from(403).expect("valid"),
            aws_smithy_types::body::SdkBody::from(
                r#"{"__type":"AccessDeniedException","message":"no backup:ListCopyJobs"}"#,
            ),
        )
    });
    let (instances, automated) = (instances_rule(), automated_rule());
    let clients = RegionClients {
        rds: mock_client!(aws_sdk_rds, RuleMode::MatchAny, [&instances, &automated]),
        backup: mock_client!(
            aws_sdk_backup,
            RuleMode::MatchAny,
            [&summaries, &jobs, &protected, &denied]
        ),
        cloudwatch: mock_client!(aws_sdk_cloudwatch, RuleMode::MatchAny, &[] as &[&Rule]),
    };
    let global = GlobalClients {
        route53: mock_client!(aws_sdk_route53, RuleMode::MatchAny, &[] as &[&Rule]),
        health_metrics: mock_client!(aws_sdk_cloudwatch, RuleMode::MatchAny, &[] as &[&Rule]),
    };
    let fleet = AwsFleet::from_clients(BTreeMap::from([(EAST.to_string(), clients)]), global);
    let snapshot = fleet.backups(EAST).await.expect("most of it arrived");
    let Listing::Failed(why) = &snapshot.data.copies else {
        panic!("a denied listing is not a list: {:?}", snapshot.data.copies);
    };
    assert!(why.contains("backup:ListCopyJobs"), "{why}");
    assert!(matches!(&snapshot.data.restore_windows, Listing::Read(w) if w.len() == 2));
    assert!(matches!(&snapshot.data.automated_backups, Listing::Read(b) if b.len() == 1));
    assert_eq!(snapshot.missing.len(), 1, "{:?}", snapshot.missing);
    assert_eq!(snapshot.missing[0].kind, SourceErrorKind::AccessDenied);
    assert_eq!(snapshot.missing[0].call, "backup:ListCopyJobs");
}

/// The RDS reads against moto, the real API on loopback: a primary has its restore window,
/// its in-region read replica has none of its own (it is not asked), and the automated
/// backups listing answers.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restore_windows_and_automated_backups_against_moto() {
    use crate::common::moto::{Moto, create_postgres, create_read_replica};
    let moto = Moto::start();
    let rds = aws_sdk_rds::Client::new(&moto.sdk(EAST).await);
    create_postgres(&rds, "orders-primary").await;
    create_read_replica(&rds, "orders-read-use1", "orders-primary").await;
    let windows = instances::list(&rds, EAST, 100, Timestamp::now())
        .await
        .expect("listed")
        .restore_windows;
    let ids: Vec<&str> = windows.iter().map(|w| w.db_id.as_str()).collect();
    assert_eq!(
        ids,
        vec!["orders-primary"],
        "the replica restores with its source"
    );
    assert!(
        windows[0].latest_restorable.is_some(),
        "moto gives the primary a LatestRestorableTime: {windows:?}"
    );
    let held = readiness::automated_backups(&rds, EAST)
        .await
        .expect("DescribeDBInstanceAutomatedBackups answers");
    assert!(
        held.iter()
            .all(|b| b.held_in == EAST && b.db_region == EAST),
        "nothing here was replicated from another region: {held:?}"
    );
}
