//! API requests per full refresh (issue 10, benchmark 2), counted at the SDK level: the real
//! AWS source runs its replicas feed (`AwsFleet::replicas`) then its backups feed
//! (`AwsFleet::backups`) in each region against aws-smithy-mocks clients, for fleets of 10,
//! 500 and 5,000 cross-region replicas spread over 3 regions, and each mock rule counts the
//! calls it answered. Expected: at most ceil(replicas in the region / 500) `GetMetricData`
//! calls per region; the listing calls grow only with pages of 100 instances, and the backups
//! feed's restore windows come from the replicas feed's listing (no `DescribeDBInstances` of
//! its own while that listing is young).
//!
//! Also prints the metrics requested per replica and what they cost a month at the default
//! refresh (30 s), next to a one-call-per-replica approach (`GetMetricStatistics`, asking
//! the maximum only), at CloudWatch's list prices:
//! GetMetricData $0.01 per 1,000 metrics requested, GetMetricStatistics $0.01 per 1,000
//! requests (us-east-1; the free tier of 1 M requests ignored).
//!
//! Not counted: the health-check feed and the backups feed's AWS Backup listings, whose calls
//! do not grow with replicas (one Route 53 listing and one GetMetricData for all checks;
//! Backup listings per vault). The backups feed's `DescribeDBInstances` calls (restore
//! windows) are counted apart.
//!
//! Run with `cargo bench --bench api_calls` (or `cargo test --bench api_calls`). It prints
//! the whole table, then FAILS if any region made more GetMetricData calls than the issue's
//! bound, or if a refresh asked more than one metric per replica: both are requirements
//! (issue 10), not numbers to read.

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
use aws_smithy_mocks::{Rule, RuleMode, mock, mock_client};
use ripcord::config::Refresh;
use ripcord::source::FleetSource;
use ripcord::source::aws::{AwsFleet, GlobalClients, RegionClients};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

const REGIONS: [&str; 3] = ["us-east-1", "us-west-2", "eu-west-1"];
const FLEETS: [usize; 3] = [10, 500, 5_000];
/// CloudWatch list prices (USD): GetMetricData per metric requested, GetMetricStatistics per
/// request.
const PER_METRIC: f64 = 0.01 / 1000.0;
const PER_REQUEST: f64 = 0.01 / 1000.0;
const SECONDS_A_MONTH: f64 = 30.0 * 24.0 * 3600.0;

/// DescribeDBInstances over `count` cross-region replicas, paged by the request's page size.
fn instances_rule(count: usize) -> Rule {
    mock!(aws_sdk_rds::Client::describe_db_instances).then_compute_output(move |req| {
        let page = req.max_records().unwrap_or(100) as usize;
        let start: usize = req
            .marker()
            .map_or(0, |m| m.parse().expect("numeric marker"));
        let end = (start + page).min(count);
        let instances = (start..end)
            .map(|i| {
                DbInstance::builder()
                    .db_instance_identifier(format!("db-{i}"))
                    .engine("postgres")
                    .db_instance_status("available")
                    .read_replica_source_db_instance_identifier(format!(
                        "arn:aws:rds:us-east-1:123456789012:db:src-{i}"
                    ))
                    .build()
            })
            .collect();
        DescribeDbInstancesOutput::builder()
            .set_db_instances(Some(instances))
            .set_marker((end < count).then(|| end.to_string()))
            .build()
    })
}

fn no_global_clusters() -> Rule {
    mock!(aws_sdk_rds::Client::describe_global_clusters)
        .then_output(|| DescribeGlobalClustersOutput::builder().build())
}

/// The other RDS reads of the two feeds (DB clusters, automated backups), answered empty.
fn other_rds_rules() -> Vec<Rule> {
    vec![
        mock!(aws_sdk_rds::Client::describe_db_clusters)
            .then_output(|| DescribeDbClustersOutput::builder().build()),
        mock!(aws_sdk_rds::Client::describe_db_instance_automated_backups)
            .then_output(|| DescribeDbInstanceAutomatedBackupsOutput::builder().build()),
    ]
}

/// The backups feed's AWS Backup listings, answered empty (no vault to follow up).
fn backup_rules() -> Vec<Rule> {
    vec![
        mock!(aws_sdk_backup::Client::list_backup_job_summaries)
            .then_output(|| ListBackupJobSummariesOutput::builder().build()),
        mock!(aws_sdk_backup::Client::list_backup_jobs)
            .then_output(|| ListBackupJobsOutput::builder().build()),
        mock!(aws_sdk_backup::Client::list_protected_resources)
            .then_output(|| ListProtectedResourcesOutput::builder().build()),
        mock!(aws_sdk_backup::Client::list_copy_jobs)
            .then_output(|| ListCopyJobsOutput::builder().build()),
    ]
}

/// GetMetricData answering every query with one datapoint; records the queries per call.
fn metrics_rule(queries_per_call: Arc<Mutex<Vec<usize>>>) -> Rule {
    mock!(aws_sdk_cloudwatch::Client::get_metric_data).then_compute_output(move |req| {
        let queries = req.metric_data_queries();
        queries_per_call
            .lock()
            .expect("not poisoned")
            .push(queries.len());
        let at = req.end_time().cloned().expect("an end time");
        let results = queries
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

struct Counted {
    replicas: usize,
    /// DescribeDBInstances calls made while each feed fetched.
    describe_instances: usize,
    describe_instances_backups: usize,
    describe_global_clusters: usize,
    get_metric_data: usize,
    metrics_requested: usize,
    /// Each region's GetMetricData calls and its bound, ceil(replicas in the region / 500).
    calls_and_bounds: Vec<(usize, usize)>,
    get_metric_data_over_bound: bool,
}

async fn one_full_refresh(fleet: usize) -> Counted {
    let per_region: Vec<usize> = (0..REGIONS.len())
        .map(|i| fleet / REGIONS.len() + usize::from(i < fleet % REGIONS.len()))
        .collect();
    let counts = Arc::new(Mutex::new(Vec::new()));
    let mut rules = Vec::new();
    let mut regional = BTreeMap::new();
    for (region, &n) in REGIONS.iter().zip(&per_region) {
        let (instances, globals, metrics) = (
            instances_rule(n),
            no_global_clusters(),
            metrics_rule(counts.clone()),
        );
        let (others, backups) = (other_rds_rules(), backup_rules());
        let rds: Vec<&Rule> = [&instances, &globals].into_iter().chain(&others).collect();
        let backup: Vec<&Rule> = backups.iter().collect();
        regional.insert(
            region.to_string(),
            RegionClients {
                rds: mock_client!(aws_sdk_rds, RuleMode::MatchAny, &rds),
                backup: mock_client!(aws_sdk_backup, RuleMode::MatchAny, &backup),
                cloudwatch: mock_client!(aws_sdk_cloudwatch, RuleMode::MatchAny, [&metrics]),
            },
        );
        rules.push((n, instances, globals, metrics));
    }
    let global = GlobalClients {
        route53: mock_client!(aws_sdk_route53, RuleMode::MatchAny, &[] as &[&Rule]),
        health_metrics: mock_client!(aws_sdk_cloudwatch, RuleMode::MatchAny, &[] as &[&Rule]),
    };
    let source = AwsFleet::from_clients(regional, global);
    let mut replicas = 0;
    let (mut by_replicas, mut by_backups) = (0, 0);
    for (region, rules) in REGIONS.iter().zip(&rules) {
        let listed = || rules.1.num_calls();
        let before = listed();
        let snapshot = source.replicas(region).await.expect("replicas");
        assert!(snapshot.missing.is_empty(), "{:?}", snapshot.missing);
        replicas += snapshot.data.len();
        by_replicas += listed() - before;
        let before = listed();
        let backups = source.backups(region).await.expect("backups");
        assert!(backups.missing.is_empty(), "{:?}", backups.missing);
        by_backups += listed() - before;
    }
    let calls_and_bounds: Vec<(usize, usize)> = rules
        .iter()
        .map(|(n, _, _, metrics)| (metrics.num_calls(), n.div_ceil(500)))
        .collect();
    let over = calls_and_bounds.iter().any(|(calls, bound)| calls > bound);
    let metrics_requested = counts.lock().expect("not poisoned").iter().sum();
    Counted {
        replicas,
        describe_instances: by_replicas,
        describe_instances_backups: by_backups,
        describe_global_clusters: rules.iter().map(|r| r.2.num_calls()).sum(),
        get_metric_data: rules.iter().map(|r| r.3.num_calls()).sum(),
        metrics_requested,
        calls_and_bounds,
        get_metric_data_over_bound: over,
    }
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` passes nothing: both run it.
    let mut failures = Vec::new();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    let refreshes = SECONDS_A_MONTH / Refresh::default().replicas.as_secs_f64();
    println!(
        "replicas then backups feed, one full refresh of 3 regions (default refresh {:?}: \
         {refreshes:.0} a month)",
        Refresh::default().replicas
    );
    println!(
        "{:>8} {:>9} {:>14} {:>15} {:>16} {:>13} {:>9} {:>11} {:>12} {:>20}",
        "replicas",
        "listed",
        "DescribeDBInst",
        "(backups feed)",
        "DescribeGlobalCl",
        "GetMetricData",
        "metrics",
        "per replica",
        "GMD $/month",
        "1 call/replica $/mo"
    );
    for fleet in FLEETS {
        let c = runtime.block_on(one_full_refresh(fleet));
        let batched = c.metrics_requested as f64 * refreshes * PER_METRIC;
        let per_replica = c.replicas as f64 * refreshes * PER_REQUEST;
        println!(
            "{:>8} {:>9} {:>14} {:>15} {:>16} {:>13} {:>9} {:>11.2} {:>12.2} {:>20.2}",
            fleet,
            c.replicas,
            c.describe_instances,
            c.describe_instances_backups,
            c.describe_global_clusters,
            format!(
                "{}{}",
                c.get_metric_data,
                if c.get_metric_data_over_bound {
                    " OVER"
                } else {
                    ""
                }
            ),
            c.metrics_requested,
            c.metrics_requested as f64 / c.replicas.max(1) as f64,
            batched,
            per_replica,
        );
        let per_region: Vec<String> = c
            .calls_and_bounds
            .iter()
            .map(|(calls, bound)| format!("{calls}/{bound}"))
            .collect();
        println!(
            "{:>8} GetMetricData calls per region / bound ceil(n/500): {}, {}",
            "",
            per_region.join(" "),
            if c.get_metric_data_over_bound {
                "EXCEEDED in some region"
            } else {
                "held in every region"
            }
        );
        if c.get_metric_data_over_bound {
            failures.push(format!(
                "{fleet} replicas: a region made more than ceil(replicas in the region / 500) \
                 GetMetricData calls (calls/bound per region: {:?})",
                c.calls_and_bounds
            ));
        }
        if c.metrics_requested != c.replicas {
            failures.push(format!(
                "{fleet} replicas: {} metrics requested in one refresh, not one per replica",
                c.metrics_requested
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "the lag reads are over the issue's bound:\n{}",
        failures.join("\n")
    );
}
