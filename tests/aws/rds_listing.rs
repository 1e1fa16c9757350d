//! Issue 10: each region's DB instances are listed once per refresh. The replicas feed (its
//! replicas) and the backups feed (the restore windows of the instances that take writes) both
//! read `DescribeDBInstances`; one listing serves both. Counted with the typed SDK mocks' rule
//! counts, per region, for one full refresh of both feeds and for one `ripcord status` round.

use aws_sdk_backup::operation::list_backup_job_summaries::ListBackupJobSummariesOutput;
use aws_sdk_backup::operation::list_backup_jobs::ListBackupJobsOutput;
use aws_sdk_backup::operation::list_copy_jobs::ListCopyJobsOutput;
use aws_sdk_backup::operation::list_protected_resources::ListProtectedResourcesOutput;
use aws_sdk_cloudwatch::operation::get_metric_data::GetMetricDataOutput;
use aws_sdk_cloudwatch::types::{MetricDataResult, StatusCode as MetricStatus};
use aws_sdk_rds::operation::describe_db_clusters::DescribeDbClustersOutput;
use aws_sdk_rds::operation::describe_db_instance_automated_backups::DescribeDbInstanceAutomatedBackupsOutput;
use aws_sdk_rds::operation::describe_db_instances::DescribeDbInstancesOutput;
use aws_sdk_rds::operation::describe_global_clusters::DescribeGlobalClustersOutput;
use aws_sdk_rds::types::DbInstance;
use aws_sdk_route53::operation::list_health_checks::ListHealthChecksOutput;
use aws_sdk_route53::operation::list_hosted_zones::ListHostedZonesOutput;
use aws_smithy_mocks::{Rule, RuleMode, mock, mock_client};
use aws_smithy_types::DateTime;
use ripcord::app::Fetched;
use ripcord::fleet::Listing;
use ripcord::source::aws::{AwsFleet, GlobalClients, RegionClients};
use ripcord::source::{FleetSource, SourceErrorKind};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

const REGIONS: [&str; 2] = ["us-east-1", "us-west-2"];
/// Per region: writers (with a restore window) and read replicas of them, in three pages of
/// 100 at the source's page size.
const WRITERS: usize = 50;
const REPLICAS: usize = 200;
const PAGES: usize = (WRITERS + REPLICAS).div_ceil(100);

/// DescribeDBInstances over a region's writers then replicas, paged by the request's page
/// size (RDS's default, 100, when it names none), the marker being the next index.
fn instances_rule(region: &'static str) -> Rule {
    mock!(aws_sdk_rds::Client::describe_db_instances).then_compute_output(move |req| {
        let total = WRITERS + REPLICAS;
        let page = req.max_records().unwrap_or(100) as usize;
        let start: usize = req
            .marker()
            .map_or(0, |m| m.parse().expect("numeric marker"));
        let end = (start + page).min(total);
        let restorable = DateTime::from_secs(jiff::Timestamp::now().as_second() - 120);
        let instances = (start..end)
            .map(|i| {
                let db = DbInstance::builder()
                    .engine("postgres")
                    .db_instance_status("available");
                if i < WRITERS {
                    db.db_instance_identifier(format!("{region}-writer-{i}"))
                        .latest_restorable_time(restorable)
                        .build()
                } else {
                    db.db_instance_identifier(format!("{region}-replica-{i}"))
                        .read_replica_source_db_instance_identifier(format!(
                            "{region}-writer-{}",
                            i % WRITERS
                        ))
                        .build()
                }
            })
            .collect();
        DescribeDbInstancesOutput::builder()
            .set_db_instances(Some(instances))
            .set_marker((end < total).then(|| end.to_string()))
            .build()
    })
}

/// GetMetricData answering every query with one datapoint at the end of its window.
fn metrics_rule() -> Rule {
    mock!(aws_sdk_cloudwatch::Client::get_metric_data).then_compute_output(|req| {
        let at = req.end_time().cloned().expect("an end time");
        let results = req
            .metric_data_queries()
            .iter()
            .map(|q| {
                MetricDataResult::builder()
                    .set_id(q.id().map(str::to_string))
                    .timestamps(at)
                    .values(1.0)
                    .status_code(MetricStatus::Complete)
                    .build()
            })
            .collect();
        GetMetricDataOutput::builder()
            .set_metric_data_results(Some(results))
            .build()
    })
}

/// A region's clients, every call of both feeds answered; its instance listing's rule apart,
/// to be counted.
struct Region {
    instances: Rule,
    others: Vec<Rule>,
    backup: Vec<Rule>,
    metrics: Rule,
}

impl Region {
    fn new(region: &'static str) -> Region {
        Region {
            instances: instances_rule(region),
            others: vec![
                mock!(aws_sdk_rds::Client::describe_global_clusters)
                    .then_output(|| DescribeGlobalClustersOutput::builder().build()),
                mock!(aws_sdk_rds::Client::describe_db_clusters)
                    .then_output(|| DescribeDbClustersOutput::builder().build()),
                mock!(aws_sdk_rds::Client::describe_db_instance_automated_backups)
                    .then_output(|| DescribeDbInstanceAutomatedBackupsOutput::builder().build()),
            ],
            backup: vec![
                mock!(aws_sdk_backup::Client::list_backup_job_summaries)
                    .then_output(|| ListBackupJobSummariesOutput::builder().build()),
                mock!(aws_sdk_backup::Client::list_backup_jobs)
                    .then_output(|| ListBackupJobsOutput::builder().build()),
                mock!(aws_sdk_backup::Client::list_protected_resources)
                    .then_output(|| ListProtectedResourcesOutput::builder().build()),
                mock!(aws_sdk_backup::Client::list_copy_jobs)
                    .then_output(|| ListCopyJobsOutput::builder().build()),
            ],
            metrics: metrics_rule(),
        }
    }

    fn clients(&self) -> RegionClients {
        let rds: Vec<&Rule> = std::iter::once(&self.instances)
            .chain(&self.others)
            .collect();
        let backup: Vec<&Rule> = self.backup.iter().collect();
        RegionClients {
            rds: mock_client!(aws_sdk_rds, RuleMode::MatchAny, &rds),
            backup: mock_client!(aws_sdk_backup, RuleMode::MatchAny, &backup),
            cloudwatch: mock_client!(aws_sdk_cloudwatch, RuleMode::MatchAny, [&self.metrics]),
        }
    }
}

fn global() -> GlobalClients {
    let checks = mock!(aws_sdk_route53::Client::list_health_checks).then_output(|| {
        ListHealthChecksOutput::builder()
            .set_health_checks(Some(Vec::new()))
            .marker("")
            .is_truncated(false)
            .max_items(100)
            .build()
            .expect("complete")
    });
    let zones = mock!(aws_sdk_route53::Client::list_hosted_zones).then_output(|| {
        ListHostedZonesOutput::builder()
            .set_hosted_zones(Some(Vec::new()))
            .marker("")
            .is_truncated(false)
            .max_items(100)
            .build()
            .expect("complete")
    });
    GlobalClients {
        route53: mock_client!(aws_sdk_route53, RuleMode::MatchAny, [&checks, &zones]),
        health_metrics: mock_client!(aws_sdk_cloudwatch, RuleMode::MatchAny, &[] as &[&Rule]),
    }
}

fn fleet() -> (BTreeMap<&'static str, Region>, AwsFleet) {
    let regions: BTreeMap<&'static str, Region> =
        REGIONS.iter().map(|&r| (r, Region::new(r))).collect();
    let clients = regions
        .iter()
        .map(|(name, r)| (name.to_string(), r.clients()))
        .collect();
    (regions, AwsFleet::from_clients(clients, global()))
}

fn listings_per_region(regions: &BTreeMap<&'static str, Region>) -> Vec<(&'static str, usize)> {
    regions
        .iter()
        .map(|(name, r)| (*name, r.instances.num_calls()))
        .collect()
}

fn once_per_page() -> Vec<(&'static str, usize)> {
    REGIONS.iter().map(|&r| (r, PAGES)).collect()
}

/// The cockpit's refresh: each region's replicas feed, then its backups feed.
#[tokio::test]
async fn one_refresh_of_both_feeds_lists_each_regions_instances_once() {
    let (regions, fleet) = fleet();
    for region in REGIONS {
        let replicas = fleet.replicas(region).await.expect("replicas");
        assert!(replicas.missing.is_empty(), "{:?}", replicas.missing);
        assert_eq!(replicas.data.len(), REPLICAS);
        let backups = fleet.backups(region).await.expect("backups");
        assert!(backups.missing.is_empty(), "{:?}", backups.missing);
        let Listing::Read(windows) = &backups.data.restore_windows else {
            panic!("restore windows: {:?}", backups.data.restore_windows);
        };
        assert_eq!(windows.len(), WRITERS, "one per writer, none per replica");
    }
    assert_eq!(listings_per_region(&regions), once_per_page());
}

/// `ripcord status`: every feed of every region fetched once, all at the same time.
#[tokio::test]
async fn one_status_round_lists_each_regions_instances_once() {
    let (regions, fleet) = fleet();
    let answers = ripcord::status::poll_once(Arc::new(fleet), Duration::from_secs(20)).await;
    for answer in &answers {
        match answer {
            Fetched::Replicas { result, .. } => {
                assert_eq!(result.as_ref().expect("replicas").data.len(), REPLICAS);
            }
            Fetched::Backups { result, .. } => {
                let backups = result.as_ref().expect("backups");
                assert!(
                    matches!(&backups.data.restore_windows, Listing::Read(w) if w.len() == WRITERS),
                    "{:?}",
                    backups.data.restore_windows
                );
            }
            Fetched::Health { .. } => {}
        }
    }
    assert_eq!(listings_per_region(&regions), once_per_page());
}

/// The restore windows the backups feed carries are as old as the listing they were read
/// from (the replicas feed's), never given the backups feed's later time.
#[tokio::test]
async fn the_restore_windows_carry_the_time_of_the_listing_they_came_from() {
    let (_regions, fleet) = fleet();
    let replicas = fleet.replicas(REGIONS[0]).await.expect("replicas");
    let backups = fleet.backups(REGIONS[0]).await.expect("backups");
    let windows = backups.data.restore_windows.read().expect("read");
    assert!(!windows.is_empty());
    assert!(
        windows.iter().all(|w| w.listed_at == replicas.fetched_at),
        "listed with the replicas at {}, backups fetched at {}: {:?}",
        replicas.fetched_at,
        backups.fetched_at,
        windows.first()
    );
    assert!(windows.iter().all(|w| w.listed_at <= backups.fetched_at));
}

/// With no listing of the region kept (the replicas feed has not listed, or failed), the
/// backups feed lists on its own: it never waits for the replicas feed's next refresh.
#[tokio::test]
async fn the_backups_feed_lists_on_its_own_when_no_listing_is_kept() {
    let (regions, fleet) = fleet();
    let backups = fleet.backups(REGIONS[0]).await.expect("backups");
    assert!(
        matches!(&backups.data.restore_windows, Listing::Read(w) if w.len() == WRITERS),
        "{:?}",
        backups.data.restore_windows
    );
    assert_eq!(regions[REGIONS[0]].instances.num_calls(), PAGES);
}

/// A listing that fails fails the replicas feed (as before) and leaves the backups feed's
/// restore windows "cannot tell" with the reason; the rest of the backups feed arrives.
#[tokio::test]
async fn a_failed_listing_makes_the_restore_windows_cannot_tell_beside_the_rest() {
    let denied = mock!(aws_sdk_rds::Client::describe_db_instances).then_http_response(|| {
        aws_smithy_runtime_api::client::orchestrator::HttpResponse::new(
            aws_smithy_runtime_api::http::StatusCode::try_from(403).expect("valid"),
            aws_smithy_types::body::SdkBody::from(
                "<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code>\
                 <Message>not authorized to perform: rds:DescribeDBInstances</Message>\
                 </Error><RequestId>r-1</RequestId></ErrorResponse>",
            ),
        )
    });
    let mut region = Region::new(REGIONS[0]);
    region.instances = denied;
    let fleet = AwsFleet::from_clients(
        BTreeMap::from([(REGIONS[0].to_string(), region.clients())]),
        global(),
    );
    let replicas = fleet.replicas(REGIONS[0]).await;
    assert_eq!(
        replicas.expect_err("no listing, no replicas").kind,
        SourceErrorKind::AccessDenied
    );
    let backups = fleet.backups(REGIONS[0]).await.expect("the rest arrived");
    let Listing::Failed(why) = &backups.data.restore_windows else {
        panic!(
            "a failed listing is not a list: {:?}",
            backups.data.restore_windows
        );
    };
    assert!(why.contains("rds:DescribeDBInstances"), "{why}");
    assert!(
        backups.data.protected_listed,
        "the backup listings answered"
    );
    assert!(matches!(&backups.data.copies, Listing::Read(_)));
    assert!(matches!(&backups.data.automated_backups, Listing::Read(_)));
    assert_eq!(
        backups
            .missing
            .iter()
            .map(|e| e.call.as_str())
            .collect::<Vec<_>>(),
        vec!["rds:DescribeDBInstances"]
    );
}
