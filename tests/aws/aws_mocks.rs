//! The AWS source against typed SDK mocks (aws-smithy-mocks): what moto cannot serve from Rust
//! (CloudWatch, AWS Backup jobs and recovery points) and what no emulator does on demand
//! (throttling, denied calls, 1,200 replicas).

use crate::common;
use ripcord::fleet::Place;

use aws_sdk_backup::operation::list_backup_job_summaries::ListBackupJobSummariesOutput;
use aws_sdk_backup::operation::list_backup_jobs::ListBackupJobsOutput;
use aws_sdk_backup::operation::list_protected_resources::ListProtectedResourcesOutput;
use aws_sdk_backup::operation::list_recovery_points_by_backup_vault::ListRecoveryPointsByBackupVaultOutput;
use aws_sdk_backup::operation::list_recovery_points_by_resource::ListRecoveryPointsByResourceOutput;
use aws_sdk_backup::types::{
    AggregationPeriod, BackupJob as AwsJob, BackupJobState, BackupJobStatus, BackupJobSummary,
    ProtectedResource, RecoveryPointByBackupVault, RecoveryPointByResource, RecoveryPointStatus,
};
use aws_sdk_cloudwatch::operation::get_metric_data::GetMetricDataOutput;
use aws_sdk_cloudwatch::primitives::DateTime;
use aws_sdk_cloudwatch::types::builders::MetricDataResultBuilder;
use aws_sdk_cloudwatch::types::{MessageData, MetricDataResult, StatusCode as MetricStatus};
use aws_sdk_rds::operation::describe_db_clusters::DescribeDbClustersOutput;
use aws_sdk_rds::operation::describe_db_instances::DescribeDbInstancesOutput;
use aws_sdk_rds::operation::describe_global_clusters::DescribeGlobalClustersOutput;
use aws_sdk_rds::types::DbInstance;
use aws_sdk_route53::operation::get_health_check_status::GetHealthCheckStatusOutput;
use aws_sdk_route53::operation::list_health_checks::ListHealthChecksOutput;
use aws_sdk_route53::operation::list_hosted_zones::ListHostedZonesOutput;
use aws_sdk_route53::operation::list_resource_record_sets::ListResourceRecordSetsOutput;
use aws_sdk_route53::types::{
    HealthCheck as AwsCheck, HealthCheckConfig, HealthCheckObservation, HealthCheckRegion,
    HealthCheckType, HostedZone, ResourceRecord, ResourceRecordSet, ResourceRecordSetFailover,
    RrType, StatusReport,
};
use aws_smithy_mocks::{Rule, RuleMode, mock, mock_client};
use aws_smithy_runtime_api::client::http::{
    HttpConnector, HttpConnectorFuture, SharedHttpConnector, http_client_fn,
};
use aws_smithy_runtime_api::client::orchestrator::{HttpRequest, HttpResponse};
use aws_smithy_runtime_api::http::StatusCode;
use aws_smithy_types::body::SdkBody;
use jiff::Timestamp;
use ripcord::app::{App, Event, Fetched, Mode};
use ripcord::config::Refresh;
use ripcord::fleet::backup::ALL_VAULTS;
use ripcord::fleet::{
    CheckStatus, FailoverRole, JobState, NewestPoint, Targets, Thresholds, Verdict, Window,
    Workload, Workloads,
};
use ripcord::source::aws::parts::Parts;
use ripcord::source::aws::sdk::CallLimits;
use ripcord::source::aws::{AwsFleet, GlobalClients, RegionClients, backup, route53};
use ripcord::source::{FleetSource, SourceErrorKind};
use ripcord::theme::Theme;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

fn now() -> Timestamp {
    "2026-11-21T03:00:30Z".parse().expect("valid")
}

fn aws_time(t: Timestamp) -> DateTime {
    DateTime::from_secs(t.as_second())
}

fn hours_ago(h: i64) -> DateTime {
    DateTime::from_secs(now().as_second() - h * 3600)
}

/// Clients with no rules: a test that reaches them has called something it should not.
fn idle_backup() -> aws_sdk_backup::Client {
    mock_client!(aws_sdk_backup, RuleMode::MatchAny, &[] as &[&Rule])
}
fn idle_route53() -> aws_sdk_route53::Client {
    mock_client!(aws_sdk_route53, RuleMode::MatchAny, &[] as &[&Rule])
}
fn idle_cloudwatch() -> aws_sdk_cloudwatch::Client {
    mock_client!(aws_sdk_cloudwatch, RuleMode::MatchAny, &[] as &[&Rule])
}

/// A one-region fleet for the replicas feed: these RDS and CloudWatch clients, idle others.
fn replicas_fleet(
    region: &str,
    rds: aws_sdk_rds::Client,
    cloudwatch: aws_sdk_cloudwatch::Client,
) -> AwsFleet {
    let clients = RegionClients {
        rds,
        backup: idle_backup(),
        cloudwatch,
    };
    let global = GlobalClients {
        route53: idle_route53(),
        health_metrics: idle_cloudwatch(),
    };
    AwsFleet::from_clients(BTreeMap::from([(region.to_string(), clients)]), global)
}

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

/// DescribeDBClusters with no clusters: the replicas are instance read replicas only.
fn no_clusters() -> Rule {
    mock!(aws_sdk_rds::Client::describe_db_clusters)
        .then_output(|| DescribeDbClustersOutput::builder().build())
}

fn no_global_clusters() -> Rule {
    mock!(aws_sdk_rds::Client::describe_global_clusters)
        .then_output(|| DescribeGlobalClustersOutput::builder().build())
}

/// GetMetricData that answers every query with the number in its dimension value (db-17: 17
/// seconds of lag), and records how many queries each call carried.
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
                let value = q
                    .metric_stat()
                    .and_then(|s| s.metric())
                    .and_then(|m| m.dimensions().first())
                    .and_then(|d| d.value())
                    .and_then(|v| v.rsplit('-').next())
                    .and_then(|n| n.parse::<f64>().ok())
                    .unwrap_or(0.0);
                MetricDataResult::builder()
                    .set_id(q.id().map(str::to_string))
                    .timestamps(at)
                    .values(value)
                    .status_code(MetricStatus::Complete)
                    .build()
            })
            .collect();
        GetMetricDataOutput::builder()
            .set_metric_data_results(Some(results))
            .build()
    })
}

#[tokio::test]
async fn lag_for_1200_replicas_takes_5_metric_calls_of_at_most_500_queries() {
    let counts = Arc::new(Mutex::new(Vec::new()));
    let (instances, globals, metrics) = (
        instances_rule(1200),
        no_global_clusters(),
        metrics_rule(counts.clone()),
    );
    let fleet = replicas_fleet(
        "us-west-2",
        mock_client!(
            aws_sdk_rds,
            RuleMode::MatchAny,
            [&instances, &globals, &no_clusters()]
        ),
        mock_client!(aws_sdk_cloudwatch, RuleMode::MatchAny, [&metrics]),
    );
    let snapshot = fleet.replicas("us-west-2").await.expect("replicas");
    assert!(snapshot.missing.is_empty(), "{:?}", snapshot.missing);
    let replicas = snapshot.data;
    assert_eq!(replicas.len(), 1200, "every page of instances was read");
    assert_eq!(instances.num_calls(), 12, "pages of 100");
    let per_call = counts.lock().expect("not poisoned").clone();
    // Two series per replica (the maximum and the minimum of ReplicaLag): 2,400 queries.
    assert_eq!(metrics.num_calls(), 5);
    assert_eq!(per_call, vec![500, 500, 500, 500, 400]);
    // Each replica got its own series back, across batch boundaries.
    for r in [
        &replicas[0],
        &replicas[499],
        &replicas[500],
        &replicas[1199],
    ] {
        let n: u64 = r.id.trim_start_matches("db-").parse().expect("numbered");
        let lag = r.latest_sample().and_then(|s| s.lag);
        assert_eq!(lag, Some(Duration::from_secs(n)), "{}", r.id);
        assert_eq!(r.source_region, "us-east-1");
    }
}

#[tokio::test]
async fn a_small_region_takes_one_metric_call_per_refresh() {
    let counts = Arc::new(Mutex::new(Vec::new()));
    let (instances, globals, metrics) = (
        instances_rule(30),
        no_global_clusters(),
        metrics_rule(counts.clone()),
    );
    let fleet = replicas_fleet(
        "eu-west-1",
        mock_client!(
            aws_sdk_rds,
            RuleMode::MatchAny,
            [&instances, &globals, &no_clusters()]
        ),
        mock_client!(aws_sdk_cloudwatch, RuleMode::MatchAny, [&metrics]),
    )
    .with_rds_page_size(20);
    let replicas = fleet.replicas("eu-west-1").await.expect("replicas").data;
    assert_eq!(replicas.len(), 30);
    assert_eq!(instances.num_calls(), 2, "pages of 20");
    assert_eq!(metrics.num_calls(), 1);
    fleet.replicas("eu-west-1").await.expect("replicas again");
    assert_eq!(metrics.num_calls(), 2, "one more call for one more refresh");
}

/// A CloudWatch throttling answer as the service sends it: HTTP 400, a CBOR body (the Rust
/// SDK speaks Smithy RPC v2 CBOR to CloudWatch) and the query-compatible error header.
fn cloudwatch_throttled() -> HttpResponse {
    let mut body = vec![0xA2, 0x66];
    body.extend_from_slice(b"__type");
    body.push(0x6A);
    body.extend_from_slice(b"Throttling");
    body.push(0x67);
    body.extend_from_slice(b"message");
    body.push(0x6D);
    body.extend_from_slice(b"Rate exceeded");
    let mut response = HttpResponse::new(
        StatusCode::try_from(400).expect("valid status"),
        SdkBody::from(body),
    );
    response
        .headers_mut()
        .insert("x-amzn-query-error", "Throttling;Sender");
    response
        .headers_mut()
        .insert("smithy-protocol", "rpc-v2-cbor");
    response
        .headers_mut()
        .insert("content-type", "application/cbor");
    response
}

fn with_limits(b: aws_sdk_cloudwatch::config::Builder) -> aws_sdk_cloudwatch::config::Builder {
    b.retry_config(CallLimits::READS.retry_config())
        .timeout_config(CallLimits::READS.timeout_config())
}

/// A GetMetricData answer for the query ids ripcord gives `count` series (q0, q1, ...; two per
/// RDS replica), each
/// with 7 seconds of lag. Fixed rather than computed: a retried attempt has no request to read.
fn fixed_metrics(count: usize) -> GetMetricDataOutput {
    let at = aws_time(Timestamp::from_second(now().as_second() / 60 * 60).expect("ok"));
    GetMetricDataOutput::builder()
        .set_metric_data_results(Some(
            (0..count)
                .map(|i| {
                    MetricDataResult::builder()
                        .id(format!("q{i}"))
                        .timestamps(at)
                        .values(7.0)
                        .status_code(MetricStatus::Complete)
                        .build()
                })
                .collect(),
        ))
        .build()
}

#[tokio::test(start_paused = true)]
async fn throttled_metrics_are_retried_with_the_read_limits_then_succeed() {
    let throttled_then_ok = mock!(aws_sdk_cloudwatch::Client::get_metric_data)
        .sequence()
        .http_response(cloudwatch_throttled)
        .output(|| fixed_metrics(6))
        .build();
    let (instances, globals) = (instances_rule(3), no_global_clusters());
    let fleet = replicas_fleet(
        "us-west-2",
        mock_client!(
            aws_sdk_rds,
            RuleMode::MatchAny,
            [&instances, &globals, &no_clusters()]
        ),
        mock_client!(
            aws_sdk_cloudwatch,
            RuleMode::Sequential,
            [&throttled_then_ok],
            with_limits
        ),
    );
    let snapshot = fleet.replicas("us-west-2").await.expect("replicas");
    assert!(
        snapshot.missing.is_empty(),
        "the retry succeeded: {:?}",
        snapshot.missing
    );
    assert_eq!(
        throttled_then_ok.num_calls(),
        2,
        "one throttled attempt, one good one"
    );
    for r in &snapshot.data {
        assert_eq!(
            r.latest_sample().and_then(|s| s.lag),
            Some(Duration::from_secs(7)),
            "{}",
            r.id
        );
    }
}

#[tokio::test(start_paused = true)]
async fn denied_metrics_are_not_retried_and_leave_the_replicas_on_screen() {
    let denied = mock!(aws_sdk_cloudwatch::Client::get_metric_data)
        .sequence()
        .http_response(|| {
            let mut r = cloudwatch_throttled();
            r.headers_mut()
                .insert("x-amzn-query-error", "AccessDenied;Sender");
            r
        })
        .times(3)
        .build();
    let (instances, globals) = (instances_rule(2), no_global_clusters());
    let fleet = replicas_fleet(
        "us-west-2",
        mock_client!(
            aws_sdk_rds,
            RuleMode::MatchAny,
            [&instances, &globals, &no_clusters()]
        ),
        mock_client!(
            aws_sdk_cloudwatch,
            RuleMode::Sequential,
            [&denied],
            with_limits
        ),
    );
    let snapshot = fleet.replicas("us-west-2").await.expect("replicas listed");
    assert_eq!(snapshot.data.len(), 2);
    assert_eq!(snapshot.missing[0].kind, SourceErrorKind::AccessDenied);
    assert_eq!(denied.num_calls(), 1, "retrying a denial cannot help");
    // The next refresh lists the replicas again but does not ask for the denied metrics.
    let again = fleet.replicas("us-west-2").await.expect("replicas listed");
    assert_eq!(instances.num_calls(), 2);
    assert_eq!(
        denied.num_calls(),
        1,
        "the denial is remembered for 5 minutes"
    );
    assert_eq!(again.missing, snapshot.missing, "and still shown");
}

#[tokio::test(start_paused = true)]
async fn throttled_every_time_is_reported_as_throttled_after_the_attempts_run_out() {
    let always = mock!(aws_sdk_cloudwatch::Client::get_metric_data)
        .sequence()
        .http_response(cloudwatch_throttled)
        .times(5)
        .build();
    let (instances, globals) = (instances_rule(2), no_global_clusters());
    let fleet = replicas_fleet(
        "us-west-2",
        mock_client!(
            aws_sdk_rds,
            RuleMode::MatchAny,
            [&instances, &globals, &no_clusters()]
        ),
        mock_client!(
            aws_sdk_cloudwatch,
            RuleMode::Sequential,
            [&always],
            with_limits
        ),
    );
    let snapshot = fleet.replicas("us-west-2").await.expect("replicas listed");
    assert_eq!(snapshot.data.len(), 2, "replicas shown without their lag");
    assert_eq!(snapshot.missing.len(), 1);
    let e = &snapshot.missing[0];
    assert_eq!(e.kind, SourceErrorKind::Throttled);
    assert_eq!(e.call, "cloudwatch:GetMetricData");
    assert_eq!(always.num_calls(), 3, "max_attempts of the read limits");
}

#[tokio::test]
async fn a_denied_listing_names_the_call_and_fails_the_feed() {
    let denied = mock!(aws_sdk_rds::Client::describe_db_instances).then_http_response(|| {
        HttpResponse::new(
            StatusCode::try_from(403).expect("valid"),
            SdkBody::from(
                "<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code>\
                 <Message>User is not authorized to perform: rds:DescribeDBInstances</Message>\
                 </Error></ErrorResponse>",
            ),
        )
    });
    let globals = no_global_clusters();
    let fleet = replicas_fleet(
        "us-west-2",
        mock_client!(
            aws_sdk_rds,
            RuleMode::MatchAny,
            [&denied, &globals, &no_clusters()]
        ),
        idle_cloudwatch(),
    );
    let err = fleet.replicas("us-west-2").await.expect_err("denied");
    assert_eq!(err.kind, SourceErrorKind::AccessDenied);
    assert_eq!(err.call, "rds:DescribeDBInstances");
    assert!(err.message.contains("not authorized"), "{}", err.message);
}

// ---------------------------------------------------------------------------------------
// What a lag answer means (issue 9): old datapoints, per-result errors, a stop in a minute

/// GetMetricData answered query by query: `answer(replica id, metric, stat, end of the asked
/// range in seconds, next token)` gives each result (its id is filled in here), and the
/// answer's next token.
type Answer = dyn Fn(&str, &str, &str, i64, Option<&str>) -> MetricDataResultBuilder + Send + Sync;

fn metrics_answering(answer: Arc<Answer>, next_token: Option<&'static str>) -> Rule {
    mock!(aws_sdk_cloudwatch::Client::get_metric_data).then_compute_output(move |req| {
        let end = req.end_time().expect("an end time").secs();
        let results = req
            .metric_data_queries()
            .iter()
            .map(|q| {
                let stat = q.metric_stat().expect("a metric stat");
                let metric = stat.metric().expect("a metric");
                let id = metric
                    .dimensions()
                    .first()
                    .and_then(|d| d.value())
                    .expect("a dimension value");
                answer(
                    id,
                    metric.metric_name().unwrap_or_default(),
                    stat.stat().unwrap_or_default(),
                    end,
                    req.next_token(),
                )
                .set_id(q.id().map(str::to_string))
                .build()
            })
            .collect();
        GetMetricDataOutput::builder()
            .set_metric_data_results(Some(results))
            .set_next_token(
                next_token
                    .filter(|_| req.next_token().is_none())
                    .map(str::to_string),
            )
            .build()
    })
}

fn point(at_secs: i64, value: f64) -> MetricDataResultBuilder {
    MetricDataResult::builder()
        .timestamps(DateTime::from_secs(at_secs))
        .values(value)
        .status_code(MetricStatus::Complete)
}

/// The replicas of `region` fetched once through `fleet`, judged as `ripcord status` judges
/// them, at the real clock (the fleet reads the time itself).
async fn status_of_replicas(fleet: &AwsFleet, region: &str) -> ripcord::status::report::Report {
    let result = fleet.replicas(region).await;
    let view = ripcord::status::fleet_from(
        "aws",
        &[region.to_string()],
        Workloads::default(),
        vec![Fetched::Replicas {
            place: region.to_string().into(),
            result,
        }],
        Timestamp::now(),
    );
    ripcord::status::report::report(&view, None)
}

fn replica_line<'a>(
    report: &'a ripcord::status::report::Report,
    id: &str,
) -> &'a ripcord::status::report::ReplicaLine {
    report
        .replicas
        .iter()
        .find(|r| r.id == id)
        .unwrap_or_else(|| panic!("{id} listed: {:#?}", report.replicas))
}

#[tokio::test]
async fn a_lag_datapoint_55_minutes_old_is_no_recent_lag_and_never_ok() {
    let (instances, globals) = (instances_rule(1), no_global_clusters());
    let metrics = metrics_answering(Arc::new(|_, _, _, end, _| point(end - 55 * 60, 2.0)), None);
    let fleet = replicas_fleet(
        "us-west-2",
        mock_client!(
            aws_sdk_rds,
            RuleMode::MatchAny,
            [&instances, &globals, &no_clusters()]
        ),
        mock_client!(aws_sdk_cloudwatch, RuleMode::MatchAny, [&metrics]),
    );
    let report = status_of_replicas(&fleet, "us-west-2").await;
    let line = replica_line(&report, "db-0");
    assert_eq!(line.verdict, Verdict::Unknown, "{}", line.reason);
    assert!(
        line.reason.contains("no recent lag") && line.reason.contains("55m"),
        "the newest datapoint's age is told: {}",
        line.reason
    );
    assert_eq!(
        line.lag_seconds, None,
        "2 s from 55 minutes ago is not the lag now"
    );
    assert_ne!(report.exit_code, 0, "status cannot say all is well");
}

#[tokio::test]
async fn per_result_errors_of_get_metric_data_show_what_aws_said() {
    let (instances, globals) = (instances_rule(4), no_global_clusters());
    let metrics = metrics_answering(
        Arc::new(|id, _, _, end, _| match id {
            "db-0" => MetricDataResult::builder()
                .status_code(MetricStatus::InternalError)
                .messages(
                    MessageData::builder()
                        .code("InternalError")
                        .value("An internal error occurred while reading the metric")
                        .build(),
                ),
            "db-1" => MetricDataResult::builder()
                .status_code(MetricStatus::Forbidden)
                .messages(
                    MessageData::builder()
                        .code("Forbidden")
                        .value("not authorized to read AWS/RDS")
                        .build(),
                ),
            // Partial on the last page: the newest datapoints may be the missing ones.
            "db-2" => point(end - 120, 1.0).status_code(MetricStatus::PartialData),
            _ => point(end - 120, 3.0),
        }),
        None,
    );
    let fleet = replicas_fleet(
        "us-west-2",
        mock_client!(
            aws_sdk_rds,
            RuleMode::MatchAny,
            [&instances, &globals, &no_clusters()]
        ),
        mock_client!(aws_sdk_cloudwatch, RuleMode::MatchAny, [&metrics]),
    );
    let report = status_of_replicas(&fleet, "us-west-2").await;
    let internal = replica_line(&report, "db-0");
    assert_eq!(internal.verdict, Verdict::Unknown);
    assert!(
        internal.reason.contains("InternalError")
            && internal.reason.contains("An internal error occurred"),
        "{}",
        internal.reason
    );
    let denied = replica_line(&report, "db-1");
    assert_eq!(denied.verdict, Verdict::Unknown);
    assert!(
        denied.reason.contains("Forbidden") && denied.reason.contains("not authorized"),
        "{}",
        denied.reason
    );
    let partial = replica_line(&report, "db-2");
    assert_eq!(partial.verdict, Verdict::Unknown, "{}", partial.reason);
    assert!(partial.reason.contains("partial"), "{}", partial.reason);
    assert_eq!(partial.lag_seconds, None);
    let fine = replica_line(&report, "db-3");
    assert_eq!(fine.verdict, Verdict::Ok, "{}", fine.reason);
    assert_eq!(fine.lag_seconds, Some(3.0));
}

#[tokio::test]
async fn partial_data_is_followed_through_next_token_to_the_complete_answer() {
    let (instances, globals) = (instances_rule(1), no_global_clusters());
    let metrics = metrics_answering(
        Arc::new(|_, _, _, end, token| match token {
            None => point(end - 180, 40.0).status_code(MetricStatus::PartialData),
            Some(_) => point(end - 60, 2.0),
        }),
        Some("page-2"),
    );
    let fleet = replicas_fleet(
        "us-west-2",
        mock_client!(
            aws_sdk_rds,
            RuleMode::MatchAny,
            [&instances, &globals, &no_clusters()]
        ),
        mock_client!(aws_sdk_cloudwatch, RuleMode::MatchAny, [&metrics]),
    );
    let report = status_of_replicas(&fleet, "us-west-2").await;
    let line = replica_line(&report, "db-0");
    assert_eq!(line.verdict, Verdict::Ok, "{}", line.reason);
    assert_eq!(line.lag_seconds, Some(2.0), "the newest point, from page 2");
    assert_eq!(metrics.num_calls(), 2, "the token was followed");
}

#[tokio::test]
async fn a_stop_inside_a_minute_is_not_hidden_by_the_maximum() {
    let (instances, globals) = (instances_rule(1), no_global_clusters());
    // In the newest minute replication stopped (-1) and also reported 3 s: the maximum alone
    // reads "3 s, OK".
    let metrics = metrics_answering(
        Arc::new(|_, _, stat, end, _| {
            let newest = if stat == "Minimum" { -1.0 } else { 3.0 };
            MetricDataResult::builder()
                .timestamps(DateTime::from_secs(end - 120))
                .values(2.0)
                .timestamps(DateTime::from_secs(end - 60))
                .values(newest)
                .status_code(MetricStatus::Complete)
        }),
        None,
    );
    let fleet = replicas_fleet(
        "us-west-2",
        mock_client!(
            aws_sdk_rds,
            RuleMode::MatchAny,
            [&instances, &globals, &no_clusters()]
        ),
        mock_client!(aws_sdk_cloudwatch, RuleMode::MatchAny, [&metrics]),
    );
    let report = status_of_replicas(&fleet, "us-west-2").await;
    let line = replica_line(&report, "db-0");
    assert_eq!(line.verdict, Verdict::Crit, "{}", line.reason);
    assert!(line.reason.contains("not active"), "{}", line.reason);
}

/// Issue 9 item 13: CloudWatch matches a dimension set exactly, and the Aurora global
/// metrics are published per secondary cluster and source region: a query by the cluster
/// alone returns nothing, and the secondary read "no lag datapoints" forever.
#[tokio::test]
async fn aurora_global_lag_is_asked_under_the_dimensions_it_is_published_with() {
    let globals = mock!(aws_sdk_rds::Client::describe_global_clusters).then_output(|| {
        let member = |arn: &str, writer: bool| {
            aws_sdk_rds::types::GlobalClusterMember::builder()
                .db_cluster_arn(arn)
                .is_writer(writer)
                .build()
        };
        DescribeGlobalClustersOutput::builder()
            .global_clusters(
                aws_sdk_rds::types::GlobalCluster::builder()
                    .global_cluster_identifier("billing-global")
                    .engine("aurora-postgresql")
                    .status("available")
                    .global_cluster_members(member(
                        "arn:aws:rds:us-east-1:123456789012:cluster:billing-use1",
                        true,
                    ))
                    .global_cluster_members(member(
                        "arn:aws:rds:us-west-2:123456789012:cluster:billing-usw2",
                        false,
                    ))
                    .build(),
            )
            .build()
    });
    let instances = instances_rule(0);
    // Like CloudWatch: datapoints only for the exact dimension set the metric has.
    let metrics = mock!(aws_sdk_cloudwatch::Client::get_metric_data).then_compute_output(|req| {
        let end = req.end_time().expect("an end time").secs();
        let results = req
            .metric_data_queries()
            .iter()
            .map(|q| {
                let metric = q.metric_stat().and_then(|s| s.metric()).expect("a metric");
                let mut dims: Vec<(&str, &str)> = metric
                    .dimensions()
                    .iter()
                    .map(|d| (d.name().unwrap_or(""), d.value().unwrap_or("")))
                    .collect();
                dims.sort_unstable();
                let published = metric.metric_name() == Some("AuroraGlobalDBRPOLag")
                    && dims
                        == [
                            ("DBClusterIdentifier", "billing-usw2"),
                            ("SourceRegion", "us-east-1"),
                        ];
                let result = if published {
                    point(end - 60, 850.0)
                } else {
                    MetricDataResult::builder().status_code(MetricStatus::Complete)
                };
                result.set_id(q.id().map(str::to_string)).build()
            })
            .collect();
        GetMetricDataOutput::builder()
            .set_metric_data_results(Some(results))
            .build()
    });
    let fleet = replicas_fleet(
        "us-west-2",
        mock_client!(
            aws_sdk_rds,
            RuleMode::MatchAny,
            [&instances, &globals, &no_clusters()]
        ),
        mock_client!(aws_sdk_cloudwatch, RuleMode::MatchAny, [&metrics]),
    );
    let report = status_of_replicas(&fleet, "us-west-2").await;
    let line = replica_line(&report, "billing-usw2");
    assert_eq!(line.lag_seconds, Some(0.85), "{}", line.reason);
    assert_eq!(line.verdict, Verdict::Ok, "{}", line.reason);
}

/// Issue 9 item 13: replicas that are no read replica of an instance: Aurora readers in
/// their cluster (`AuroraReplicaLag`, ms), a cross-region Aurora MySQL replica cluster
/// (`ReplicationSourceIdentifier`; `AuroraBinlogReplicaLag`, s) and the reader of a Multi-AZ
/// DB cluster (`ReplicaLag`, s). The writers are no replicas.
#[tokio::test]
async fn cluster_readers_and_replica_clusters_are_replicas_with_their_own_lag_metrics() {
    let instance = |id: &str, cluster: &str, engine: &str, status: &str| {
        DbInstance::builder()
            .db_instance_identifier(id)
            .db_cluster_identifier(cluster)
            .engine(engine)
            .db_instance_status(status)
            .build()
    };
    let instances = mock!(aws_sdk_rds::Client::describe_db_instances).then_output(move || {
        DescribeDbInstancesOutput::builder()
            .db_instances(instance(
                "orders-aurora-1",
                "orders-aurora",
                "aurora-postgresql",
                "available",
            ))
            .db_instances(instance(
                "orders-aurora-2",
                "orders-aurora",
                "aurora-postgresql",
                "available",
            ))
            .db_instances(instance(
                "orders-aurora-3",
                "orders-aurora",
                "aurora-postgresql",
                "rebooting",
            ))
            .db_instances(instance("maz-1", "maz", "postgres", "available"))
            .db_instances(instance("maz-2", "maz", "postgres", "available"))
            .db_instances(instance(
                "billing-mysql-usw2-1",
                "billing-mysql-usw2",
                "aurora-mysql",
                "available",
            ))
            .build()
    });
    let member = |id: &str, writer: bool| {
        aws_sdk_rds::types::DbClusterMember::builder()
            .db_instance_identifier(id)
            .is_cluster_writer(writer)
            .build()
    };
    let clusters = mock!(aws_sdk_rds::Client::describe_db_clusters).then_output(move || {
        DescribeDbClustersOutput::builder()
            .db_clusters(
                aws_sdk_rds::types::DbCluster::builder()
                    .db_cluster_identifier("orders-aurora")
                    .engine("aurora-postgresql")
                    .status("available")
                    .db_cluster_members(member("orders-aurora-1", true))
                    .db_cluster_members(member("orders-aurora-2", false))
                    .db_cluster_members(member("orders-aurora-3", false))
                    .build(),
            )
            .db_clusters(
                aws_sdk_rds::types::DbCluster::builder()
                    .db_cluster_identifier("maz")
                    .engine("postgres")
                    .db_cluster_instance_class("db.m6gd.large")
                    .status("available")
                    .db_cluster_members(member("maz-1", true))
                    .db_cluster_members(member("maz-2", false))
                    .build(),
            )
            .db_clusters(
                aws_sdk_rds::types::DbCluster::builder()
                    .db_cluster_identifier("billing-mysql-usw2")
                    .engine("aurora-mysql")
                    .status("available")
                    .replication_source_identifier(
                        "arn:aws:rds:us-east-1:123456789012:cluster:billing-mysql-use1",
                    )
                    .db_cluster_members(member("billing-mysql-usw2-1", true))
                    .build(),
            )
            .build()
    });
    let globals = no_global_clusters();
    let metrics = metrics_answering(
        Arc::new(|id, metric, _, end, _| match (metric, id) {
            ("AuroraReplicaLag", "orders-aurora-2" | "orders-aurora-3") => point(end - 60, 20.0),
            ("ReplicaLag", "maz-2") => point(end - 60, 2.0),
            ("AuroraBinlogReplicaLag", "billing-mysql-usw2") => point(end - 60, 4.0),
            _ => MetricDataResult::builder().status_code(MetricStatus::Complete),
        }),
        None,
    );
    let fleet = replicas_fleet(
        "us-west-2",
        mock_client!(
            aws_sdk_rds,
            RuleMode::MatchAny,
            [&instances, &clusters, &globals]
        ),
        mock_client!(aws_sdk_cloudwatch, RuleMode::MatchAny, [&metrics]),
    );
    let report = status_of_replicas(&fleet, "us-west-2").await;
    let ids: Vec<&str> = report.replicas.iter().map(|r| r.id.as_str()).collect();
    for writer in ["orders-aurora-1", "maz-1", "billing-mysql-usw2-1"] {
        assert!(!ids.contains(&writer), "{writer} is a writer: {ids:?}");
    }
    let reader = replica_line(&report, "orders-aurora-2");
    assert_eq!(
        (
            reader.kind,
            reader.source_id.as_str(),
            reader.source_region.as_str()
        ),
        ("aurora-reader", "orders-aurora-1", "us-west-2")
    );
    assert_eq!(reader.lag_seconds, Some(0.02), "{}", reader.reason);
    assert_eq!(reader.verdict, Verdict::Ok);
    let rebooting = replica_line(&report, "orders-aurora-3");
    assert_eq!(rebooting.state, "rebooting");
    assert_eq!(rebooting.verdict, Verdict::Warn);
    let maz = replica_line(&report, "maz-2");
    assert_eq!(
        (maz.kind, maz.source_id.as_str()),
        ("multi-az-reader", "maz-1")
    );
    assert_eq!(maz.lag_seconds, Some(2.0), "{}", maz.reason);
    let cross = replica_line(&report, "billing-mysql-usw2");
    assert_eq!(
        (
            cross.kind,
            cross.source_id.as_str(),
            cross.source_region.as_str()
        ),
        ("aurora-replica-cluster", "billing-mysql-use1", "us-east-1")
    );
    assert_eq!(cross.lag_seconds, Some(4.0), "{}", cross.reason);
}

/// Issue 9 item 14 for replica clusters: PromoteReadReplicaDBCluster leaves a cluster with no
/// `ReplicationSourceIdentifier`, like any primary cluster.
#[tokio::test]
async fn a_promoted_replica_cluster_shows_as_promoted_instead_of_vanishing() {
    let cluster = |source: Option<&str>| {
        DescribeDbClustersOutput::builder()
            .db_clusters(
                aws_sdk_rds::types::DbCluster::builder()
                    .db_cluster_identifier("billing-mysql-usw2")
                    .engine("aurora-mysql")
                    .status("available")
                    .set_replication_source_identifier(source.map(str::to_string))
                    .build(),
            )
            .build()
    };
    let clusters = mock!(aws_sdk_rds::Client::describe_db_clusters)
        .sequence()
        .output(move || {
            cluster(Some(
                "arn:aws:rds:us-east-1:123456789012:cluster:billing-mysql-use1",
            ))
        })
        .output(move || cluster(None))
        .build();
    let (instances, globals) = (instances_rule(0), no_global_clusters());
    let metrics = metrics_answering(Arc::new(|_, _, _, end, _| point(end - 60, 1.0)), None);
    let fleet = replicas_fleet(
        "us-west-2",
        mock_client!(
            aws_sdk_rds,
            RuleMode::MatchAny,
            [&instances, &globals, &clusters]
        ),
        mock_client!(aws_sdk_cloudwatch, RuleMode::MatchAny, [&metrics]),
    );
    let before = status_of_replicas(&fleet, "us-west-2").await;
    assert_eq!(
        replica_line(&before, "billing-mysql-usw2").state,
        "replicating"
    );
    let after = status_of_replicas(&fleet, "us-west-2").await;
    let promoted = replica_line(&after, "billing-mysql-usw2");
    assert_eq!(promoted.state, "promoted");
    assert_eq!(
        (promoted.source_id.as_str(), promoted.source_region.as_str()),
        ("billing-mysql-use1", "us-east-1")
    );
}

#[tokio::test(start_paused = true)]
async fn a_failed_global_clusters_read_keeps_its_secondaries_listed_as_cannot_tell() {
    let global = || {
        let member = |arn: &str, writer: bool| {
            aws_sdk_rds::types::GlobalClusterMember::builder()
                .db_cluster_arn(arn)
                .is_writer(writer)
                .build()
        };
        DescribeGlobalClustersOutput::builder()
            .global_clusters(
                aws_sdk_rds::types::GlobalCluster::builder()
                    .global_cluster_identifier("billing-global")
                    .engine("aurora-postgresql")
                    .status("available")
                    .global_cluster_members(member(
                        "arn:aws:rds:us-east-1:123456789012:cluster:billing-use1",
                        true,
                    ))
                    .global_cluster_members(member(
                        "arn:aws:rds:us-west-2:123456789012:cluster:billing-usw2",
                        false,
                    ))
                    .build(),
            )
            .build()
    };
    let unavailable = || {
        HttpResponse::new(
            StatusCode::try_from(503).expect("valid"),
            SdkBody::from(
                "<ErrorResponse><Error><Type>Receiver</Type><Code>ServiceUnavailable</Code>\
                 <Message>Service unavailable</Message></Error></ErrorResponse>",
            ),
        )
    };
    let globals = mock!(aws_sdk_rds::Client::describe_global_clusters)
        .sequence()
        .output(global)
        .http_response(unavailable)
        .times(3)
        .build();
    let instances = instances_rule(0);
    let metrics = metrics_answering(Arc::new(|_, _, _, end, _| point(end - 60, 500.0)), None);
    let fleet = replicas_fleet(
        "us-west-2",
        mock_client!(
            aws_sdk_rds,
            RuleMode::MatchAny,
            [&instances, &globals, &no_clusters()],
            |b: aws_sdk_rds::config::Builder| b
                .retry_config(CallLimits::READS.retry_config())
                .timeout_config(CallLimits::READS.timeout_config())
        ),
        mock_client!(aws_sdk_cloudwatch, RuleMode::MatchAny, [&metrics]),
    );
    let first = status_of_replicas(&fleet, "us-west-2").await;
    assert_eq!(replica_line(&first, "billing-usw2").verdict, Verdict::Ok);
    let second = status_of_replicas(&fleet, "us-west-2").await;
    let line = replica_line(&second, "billing-usw2");
    assert_eq!(line.verdict, Verdict::Unknown, "{}", line.reason);
    assert!(
        line.reason.contains("rds:DescribeGlobalClusters"),
        "{}",
        line.reason
    );
}

// ---------------------------------------------------------------------------------------
// The lag part of the replicas feed fails or hangs on its own (issue 9 item 8)

/// An HTTP connector that answers RDS after `delay` (of tokio time): one cross-region replica,
/// no global clusters. The listing is the slow part of the feed.
#[derive(Debug)]
struct SlowRds {
    delay: Duration,
}

impl HttpConnector for SlowRds {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let body = String::from_utf8_lossy(request.body().bytes().unwrap_or_default()).to_string();
        let delay = self.delay;
        HttpConnectorFuture::new(async move {
            tokio::time::sleep(delay).await;
            let xml = if body.contains("Action=DescribeGlobalClusters") {
                "<DescribeGlobalClustersResponse xmlns=\"http://rds.amazonaws.com/doc/2014-10-31/\">\
                 <DescribeGlobalClustersResult><GlobalClusters/></DescribeGlobalClustersResult>\
                 </DescribeGlobalClustersResponse>"
            } else if body.contains("Action=DescribeDBClusters") {
                "<DescribeDBClustersResponse xmlns=\"http://rds.amazonaws.com/doc/2014-10-31/\">\
                 <DescribeDBClustersResult><DBClusters/></DescribeDBClustersResult>\
                 </DescribeDBClustersResponse>"
            } else {
                "<DescribeDBInstancesResponse xmlns=\"http://rds.amazonaws.com/doc/2014-10-31/\">\
                 <DescribeDBInstancesResult><DBInstances><DBInstance>\
                 <DBInstanceIdentifier>db-0</DBInstanceIdentifier><Engine>postgres</Engine>\
                 <DBInstanceStatus>available</DBInstanceStatus>\
                 <ReadReplicaSourceDBInstanceIdentifier>arn:aws:rds:us-east-1:123456789012:db:src-0\
                 </ReadReplicaSourceDBInstanceIdentifier>\
                 </DBInstance></DBInstances></DescribeDBInstancesResult>\
                 </DescribeDBInstancesResponse>"
            };
            Ok(HttpResponse::new(
                StatusCode::try_from(200).expect("valid"),
                SdkBody::from(xml),
            ))
        })
    }
}

/// An HTTP connector that never answers: a metrics endpoint that accepts and hangs.
#[derive(Debug)]
struct Hangs;

impl HttpConnector for Hangs {
    fn call(&self, _request: HttpRequest) -> HttpConnectorFuture {
        HttpConnectorFuture::new(std::future::pending())
    }
}

fn test_credentials() -> aws_sdk_rds::config::Credentials {
    aws_sdk_rds::config::Credentials::new("test", "test", None, None, "tests")
}

#[tokio::test(start_paused = true)]
async fn a_hanging_lag_read_after_a_slow_listing_leaves_the_list_within_the_feed_deadline() {
    let rds = aws_sdk_rds::Client::from_conf(
        aws_sdk_rds::Config::builder()
            .behavior_version(aws_sdk_rds::config::BehaviorVersion::latest())
            .region(aws_sdk_rds::config::Region::new("us-west-2"))
            .credentials_provider(test_credentials())
            .http_client(http_client_fn(|_, _| {
                SharedHttpConnector::new(SlowRds {
                    delay: Duration::from_secs(8),
                })
            }))
            .timeout_config(CallLimits::READS.timeout_config())
            .retry_config(CallLimits::READS.retry_config())
            .build(),
    );
    let cloudwatch = aws_sdk_cloudwatch::Client::from_conf(
        aws_sdk_cloudwatch::Config::builder()
            .behavior_version(aws_sdk_cloudwatch::config::BehaviorVersion::latest())
            .region(aws_sdk_cloudwatch::config::Region::new("us-west-2"))
            .credentials_provider(test_credentials())
            .http_client(http_client_fn(|_, _| SharedHttpConnector::new(Hangs)))
            .timeout_config(CallLimits::READS.timeout_config())
            .retry_config(CallLimits::READS.retry_config())
            .build(),
    );
    let fleet = replicas_fleet("us-west-2", rds, cloudwatch);
    // The cockpit's deadline for a whole replicas feed (refresh 30 s, capped at 20 s).
    let feed = ripcord::source::with_deadline(
        Duration::from_secs(20),
        "replicas/us-west-2",
        fleet.replicas("us-west-2"),
    )
    .await
    .expect("the listing arrives although the lag read hangs");
    assert_eq!(feed.data.len(), 1);
    let r = &feed.data[0];
    let why = r
        .lag_problem
        .as_deref()
        .expect("the lag says why it is missing");
    assert!(
        why.contains("cloudwatch:GetMetricData") && why.contains("no answer"),
        "{why}"
    );
    assert_eq!(feed.missing[0].kind, SourceErrorKind::Timeout);
}

#[tokio::test(start_paused = true)]
async fn a_failed_lag_read_keeps_the_last_good_samples_as_history_never_as_the_lag_now() {
    let good_then_throttled = mock!(aws_sdk_cloudwatch::Client::get_metric_data)
        .sequence()
        .output(|| {
            let minute = Timestamp::now().as_second() / 60 * 60 - 60;
            GetMetricDataOutput::builder()
                .set_metric_data_results(Some(
                    ["q0", "q1"]
                        .iter()
                        .map(|id| point(minute, 7.0).id(*id).build())
                        .collect(),
                ))
                .build()
        })
        .http_response(cloudwatch_throttled)
        .times(3)
        .build();
    let (instances, globals) = (instances_rule(1), no_global_clusters());
    let fleet = replicas_fleet(
        "us-west-2",
        mock_client!(
            aws_sdk_rds,
            RuleMode::MatchAny,
            [&instances, &globals, &no_clusters()]
        ),
        mock_client!(
            aws_sdk_cloudwatch,
            RuleMode::Sequential,
            [&good_then_throttled],
            with_limits
        ),
    );
    let first = status_of_replicas(&fleet, "us-west-2").await;
    assert_eq!(replica_line(&first, "db-0").lag_seconds, Some(7.0));
    let second = fleet.replicas("us-west-2").await.expect("listed");
    assert_eq!(second.missing[0].kind, SourceErrorKind::Throttled);
    let r = &second.data[0];
    assert_eq!(
        r.latest_sample().and_then(|s| s.lag),
        Some(Duration::from_secs(7)),
        "the last good samples are kept, as history"
    );
    let why = r
        .lag_problem
        .as_deref()
        .expect("and why the lag is not current");
    assert!(why.contains("cloudwatch:GetMetricData"), "{why}");
    let view = ripcord::status::fleet_from(
        "aws",
        &["us-west-2".to_string()],
        Workloads::default(),
        vec![Fetched::Replicas {
            place: "us-west-2".to_string().into(),
            result: Ok(second),
        }],
        Timestamp::now(),
    );
    let report = ripcord::status::report::report(&view, None);
    let line = replica_line(&report, "db-0");
    assert_eq!(line.verdict, Verdict::Unknown, "{}", line.reason);
    assert!(line.reason.contains("cannot tell"), "{}", line.reason);
    assert_eq!(line.lag_seconds, None, "the old value is not the lag now");
}

// ---------------------------------------------------------------------------------------
// AWS Backup

fn summary(
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
fn summaries_rule() -> Rule {
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

fn job(id: &str, vault: &str, state: BackupJobState, category: &str, age_h: i64) -> AwsJob {
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
fn jobs_rule() -> Rule {
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

const RDS_ARN: &str = "arn:aws:rds:us-east-1:123456789012:db:orders-primary";
const EBS_ARN: &str = "arn:aws:ec2:us-east-1:123456789012:volume/vol-reports";
const EFS_ARN: &str = "arn:aws:elasticfilesystem:us-east-1:123456789012:file-system/fs-1";
const NEW_ARN: &str = "arn:aws:dynamodb:us-east-1:123456789012:table/sessions";

fn vault_arn(name: &str) -> String {
    format!("arn:aws:backup:us-east-1:123456789012:backup-vault:{name}")
}

fn point_arn(n: &str) -> String {
    format!("arn:aws:backup:us-east-1:123456789012:recovery-point:{n}")
}

/// Protected resources as AWS lists them (each with its last point and that point's vault),
/// the two vaults' newest points, and the points of a resource asked about alone.
fn recovery_rules() -> [Rule; 3] {
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

fn backup_client(rules: &[&Rule]) -> aws_sdk_backup::Client {
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
            .find(|s| s.vault == ALL_VAULTS && s.window == w)
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
            .find(|s| s.vault == v && s.window == w)
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
    assert_eq!(health.problem_jobs[0].message, "failed: what AWS said");
    assert_eq!(health.problem_jobs[0].vault, "daily");

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

// ---------------------------------------------------------------------------------------
// AWS Backup told truthfully (issue 9): windows, shared vaults, failing vaults, what is missing.

mod backup_truth {
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
                .find(|s| s.vault == ALL_VAULTS && s.window == w)
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
            .filter(|s| s.vault != ALL_VAULTS && s.window == Window::Day)
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
            lag_samples: Vec::new(),
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
        let (summaries_w, jobs_w, protected_w) =
            (summaries_rule(), jobs_rule(), nothing_protected());
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
        assert_eq!(promoted[0].0, "us-west-2");
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
}

// ---------------------------------------------------------------------------------------
// Route 53 health checks

fn check(id: &str, fqdn: &str) -> AwsCheck {
    AwsCheck::builder()
        .id(id)
        .caller_reference(id)
        .health_check_version(1)
        .health_check_config(
            HealthCheckConfig::builder()
                .r#type(HealthCheckType::Https)
                .fully_qualified_domain_name(fqdn)
                .port(443)
                .resource_path("/health")
                .build()
                .expect("valid"),
        )
        .build()
        .expect("valid")
}

fn record(
    name: &str,
    set: &str,
    role: ResourceRecordSetFailover,
    check: &str,
    ip: &str,
) -> ResourceRecordSet {
    ResourceRecordSet::builder()
        .name(name)
        .r#type(RrType::A)
        .set_identifier(set)
        .failover(role)
        .health_check_id(check)
        .ttl(60)
        .resource_records(ResourceRecord::builder().value(ip).build().expect("valid"))
        .build()
        .expect("valid")
}

#[tokio::test]
async fn health_status_from_one_metric_call_guards_from_the_zones_detail_on_demand() {
    let checks = mock!(aws_sdk_route53::Client::list_health_checks).then_output(|| {
        ListHealthChecksOutput::builder()
            .health_checks(check("hc-east", "api.us-east-1.example.com"))
            .health_checks(check("hc-west", "api.us-west-2.example.com"))
            .health_checks(check("hc-new", "new.example.com"))
            .marker("")
            .is_truncated(false)
            .max_items(100)
            .build()
            .expect("valid")
    });
    let zones = mock!(aws_sdk_route53::Client::list_hosted_zones).then_output(|| {
        ListHostedZonesOutput::builder()
            .hosted_zones(
                HostedZone::builder()
                    .id("/hostedzone/Z1")
                    .name("example.com.")
                    .caller_reference("z1")
                    .build()
                    .expect("valid"),
            )
            .marker("")
            .is_truncated(false)
            .max_items(100)
            .build()
            .expect("valid")
    });
    // Two pages of records, continued by name, type and identifier.
    let records =
        mock!(aws_sdk_route53::Client::list_resource_record_sets).then_compute_output(|req| {
            match req.start_record_identifier() {
                None => ListResourceRecordSetsOutput::builder()
                    .resource_record_sets(record(
                        "api.example.com.",
                        "use1",
                        ResourceRecordSetFailover::Primary,
                        "hc-east",
                        "192.0.2.10",
                    ))
                    .is_truncated(true)
                    .next_record_name("api.example.com.")
                    .next_record_type(RrType::A)
                    .next_record_identifier("usw2")
                    .max_items(1)
                    .build()
                    .expect("valid"),
                Some(_) => ListResourceRecordSetsOutput::builder()
                    .resource_record_sets(record(
                        "api.example.com.",
                        "usw2",
                        ResourceRecordSetFailover::Secondary,
                        "hc-west",
                        "198.51.100.20",
                    ))
                    .is_truncated(false)
                    .max_items(1)
                    .build()
                    .expect("valid"),
            }
        });
    let metrics = mock!(aws_sdk_cloudwatch::Client::get_metric_data).then_compute_output(|req| {
        let at = req.end_time().cloned().expect("end time");
        let results = req
            .metric_data_queries()
            .iter()
            .filter_map(|q| {
                let m = q.metric_stat()?.metric()?;
                let check = m.dimensions().first()?.value()?;
                let value = match (check, m.metric_name()?) {
                    ("hc-east", "HealthCheckStatus") => 1.0,
                    ("hc-east", _) => 100.0,
                    ("hc-west", "HealthCheckStatus") => 0.0,
                    ("hc-west", _) => 12.5,
                    _ => return None,
                };
                Some(
                    MetricDataResult::builder()
                        .set_id(q.id().map(str::to_string))
                        .timestamps(at)
                        .values(value)
                        .status_code(MetricStatus::Complete)
                        .build(),
                )
            })
            .collect();
        GetMetricDataOutput::builder()
            .set_metric_data_results(Some(results))
            .build()
    });
    let detail = mock!(aws_sdk_route53::Client::get_health_check_status)
        .match_requests(|req| req.health_check_id() == Some("hc-west"))
        .then_output(|| {
            let observation = |region: HealthCheckRegion, status: &str| {
                HealthCheckObservation::builder()
                    .region(region)
                    .status_report(
                        StatusReport::builder()
                            .status(status)
                            .checked_time(aws_time(now()))
                            .build(),
                    )
                    .build()
            };
            GetHealthCheckStatusOutput::builder()
                .health_check_observations(observation(
                    HealthCheckRegion::UsEast1,
                    "Success: HTTP Status Code 200, OK",
                ))
                .health_check_observations(observation(
                    HealthCheckRegion::EuWest1,
                    "Failure: Connection timed out",
                ))
                .build()
                .expect("valid")
        });
    let tags = mock!(aws_sdk_route53::Client::list_tags_for_resources).then_output(|| {
        aws_sdk_route53::operation::list_tags_for_resources::ListTagsForResourcesOutput::builder()
            .set_resource_tag_sets(Some(vec![]))
            .build()
            .expect("valid")
    });
    let route53_client = mock_client!(
        aws_sdk_route53,
        RuleMode::MatchAny,
        [&checks, &zones, &records, &detail, &tags]
    );
    let metrics_client = mock_client!(aws_sdk_cloudwatch, RuleMode::MatchAny, [&metrics]);
    let cache = route53::GuardCache::default();
    let parts = Parts::default();
    let snapshot = route53::health_checks(&route53_client, &metrics_client, &cache, &parts, now())
        .await
        .expect("health checks");
    assert!(snapshot.missing.is_empty(), "{:?}", snapshot.missing);
    let by_id: BTreeMap<&str, &ripcord::fleet::HealthCheck> =
        snapshot.data.iter().map(|c| (c.id.as_str(), c)).collect();
    assert_eq!(
        metrics.num_calls(),
        1,
        "all checks in one GetMetricData call"
    );
    assert_eq!(by_id["hc-east"].status, CheckStatus::Healthy);
    assert_eq!(by_id["hc-east"].healthy_percent, Some(100.0));
    assert_eq!(by_id["hc-east"].target_region.as_deref(), Some("us-east-1"));
    assert_eq!(by_id["hc-west"].status, CheckStatus::Unhealthy);
    assert_eq!(by_id["hc-west"].healthy_percent, Some(12.5));
    assert_eq!(
        by_id["hc-new"].status,
        CheckStatus::Unknown,
        "no datapoint yet"
    );
    assert_eq!(records.num_calls(), 2, "both pages of records");
    let east_guard = &by_id["hc-east"].guards;
    assert_eq!(east_guard.len(), 1);
    assert_eq!(east_guard[0].role, FailoverRole::Primary);
    assert_eq!(east_guard[0].zone, "example.com");
    assert_eq!(by_id["hc-west"].guards[0].role, FailoverRole::Secondary);
    assert!(by_id["hc-new"].guards.is_empty());
    assert_eq!(detail.num_calls(), 0, "checker detail is never polled");

    // The zones are not read again on the next refresh: failover records change rarely.
    route53::health_checks(&route53_client, &metrics_client, &cache, &parts, now())
        .await
        .expect("again");
    assert_eq!(zones.num_calls(), 1);
    assert_eq!(metrics.num_calls(), 2);

    let observations = route53::checker_detail(&route53_client, "hc-west", now())
        .await
        .expect("detail")
        .data;
    assert_eq!(detail.num_calls(), 1);
    assert_eq!(observations.len(), 2);
    assert!(observations[0].healthy && observations[0].checker_region == "us-east-1");
    assert!(!observations[1].healthy);
    assert_eq!(observations[1].report, "Failure: Connection timed out");
}

// ---------------------------------------------------------------------------------------
// Route 53 read as Route 53 decides (issue 9: items 1, 8, 9, 10, 11, 12 for health checks).
// Kept apart from the replica and backup tests above.

mod route53_truth {
    use super::*;
    use aws_sdk_route53::operation::list_tags_for_resources::ListTagsForResourcesOutput;
    use aws_sdk_route53::types::{AliasTarget, ResourceTagSet, Tag};
    use aws_smithy_runtime_api::client::http::{
        HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient,
        SharedHttpConnector,
    };
    use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
    use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
    use ripcord::runbook::act::port::Actions;
    use ripcord::source::aws::actions::{AwsActions, Route53Clients};

    /// An HTTP client that never answers requests whose path contains `path` (a server that
    /// accepts and hangs) and hands every other request to the mocks.
    #[derive(Debug, Clone)]
    struct HangOn {
        path: &'static str,
        inner: SharedHttpClient,
    }

    #[derive(Debug)]
    struct HangingConnector {
        path: &'static str,
        inner: SharedHttpConnector,
    }

    impl HttpConnector for HangingConnector {
        fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
            if request.uri().contains(self.path) {
                HttpConnectorFuture::new(std::future::pending())
            } else {
                self.inner.call(request)
            }
        }
    }

    impl HttpClient for HangOn {
        fn http_connector(
            &self,
            settings: &HttpConnectorSettings,
            components: &RuntimeComponents,
        ) -> SharedHttpConnector {
            SharedHttpConnector::new(HangingConnector {
                path: self.path,
                inner: self.inner.http_connector(settings, components),
            })
        }
    }

    fn hang_on(path: &'static str) -> SharedHttpClient {
        SharedHttpClient::new(HangOn {
            path,
            inner: aws_smithy_mocks::create_mock_http_client(),
        })
    }

    fn minutes_ago(m: i64) -> DateTime {
        DateTime::from_secs(now().as_second() - m * 60)
    }

    fn configured(id: &str, config: HealthCheckConfig) -> AwsCheck {
        AwsCheck::builder()
            .id(id)
            .caller_reference(id)
            .health_check_version(1)
            .health_check_config(config)
            .build()
            .expect("valid")
    }

    fn endpoint(fqdn: &str) -> aws_sdk_route53::types::builders::HealthCheckConfigBuilder {
        HealthCheckConfig::builder()
            .r#type(HealthCheckType::Https)
            .fully_qualified_domain_name(fqdn)
            .port(443)
            .resource_path("/health")
    }

    fn listing(checks: Vec<AwsCheck>) -> Rule {
        mock!(aws_sdk_route53::Client::list_health_checks).then_output(move || {
            ListHealthChecksOutput::builder()
                .set_health_checks(Some(checks.clone()))
                .marker("")
                .is_truncated(false)
                .max_items(100)
                .build()
                .expect("valid")
        })
    }

    fn one_zone() -> Rule {
        mock!(aws_sdk_route53::Client::list_hosted_zones).then_output(|| {
            ListHostedZonesOutput::builder()
                .hosted_zones(
                    HostedZone::builder()
                        .id("/hostedzone/Z1")
                        .name("example.com.")
                        .caller_reference("z1")
                        .build()
                        .expect("valid"),
                )
                .marker("")
                .is_truncated(false)
                .max_items(100)
                .build()
                .expect("valid")
        })
    }

    fn records(sets: Vec<ResourceRecordSet>) -> Rule {
        mock!(aws_sdk_route53::Client::list_resource_record_sets).then_output(move || {
            ListResourceRecordSetsOutput::builder()
                .set_resource_record_sets(Some(sets.clone()))
                .is_truncated(false)
                .max_items(100)
                .build()
                .expect("valid")
        })
    }

    /// Tags of the checks asked for, from `names` (check id, Name tag).
    fn tags(names: &'static [(&'static str, &'static str)]) -> Rule {
        mock!(aws_sdk_route53::Client::list_tags_for_resources).then_compute_output(move |req| {
            let sets = req
                .resource_ids()
                .iter()
                .map(|id| {
                    let mut set = ResourceTagSet::builder()
                        .resource_id(id)
                        .resource_type(aws_sdk_route53::types::TagResourceType::Healthcheck)
                        .tags(Tag::builder().key("team").value("payments").build());
                    if let Some((_, name)) = names.iter().find(|(i, _)| i == id) {
                        set = set.tags(Tag::builder().key("Name").value(*name).build());
                    }
                    set.build()
                })
                .collect();
            ListTagsForResourcesOutput::builder()
                .set_resource_tag_sets(Some(sets))
                .build()
                .expect("valid")
        })
    }

    /// Status and healthy-share datapoints from `point` (check id, metric) -> (time, value).
    fn metrics(point: fn(&str, &str) -> Option<(DateTime, f64)>) -> Rule {
        mock!(aws_sdk_cloudwatch::Client::get_metric_data).then_compute_output(move |req| {
            let results = req
                .metric_data_queries()
                .iter()
                .filter_map(|q| {
                    let m = q.metric_stat()?.metric()?;
                    let check = m.dimensions().first()?.value()?;
                    let (at, value) = point(check, m.metric_name()?)?;
                    Some(
                        MetricDataResult::builder()
                            .set_id(q.id().map(str::to_string))
                            .timestamps(at)
                            .values(value)
                            .status_code(MetricStatus::Complete)
                            .build(),
                    )
                })
                .collect();
            GetMetricDataOutput::builder()
                .set_metric_data_results(Some(results))
                .build()
        })
    }

    fn healthy_now(_: &str, metric: &str) -> Option<(DateTime, f64)> {
        Some((
            minutes_ago(1),
            if metric == "HealthCheckStatus" {
                1.0
            } else {
                100.0
            },
        ))
    }

    fn app_showing(snapshot: ripcord::fleet::Snapshot<Vec<ripcord::fleet::HealthCheck>>) -> App {
        let mut app = App::new(
            Mode::Live { profile: None },
            "aws",
            &["us-east-1".to_string()],
            Workloads::default(),
            Refresh::default(),
            Theme::mono(),
            now(),
        );
        app.update(
            Event::Fetched(Fetched::Health {
                account: None,
                result: Ok(snapshot),
            }),
            now(),
        );
        app
    }

    fn verdicts(app: &App) -> BTreeMap<String, (Verdict, String)> {
        app.check_rows()
            .iter()
            .map(|r| (r.check.id.clone(), (r.eval.verdict, r.eval.reason.clone())))
            .collect()
    }

    async fn read(
        route53: &aws_sdk_route53::Client,
        cloudwatch: &aws_sdk_cloudwatch::Client,
        cache: &route53::GuardCache,
        parts: &Parts,
    ) -> ripcord::fleet::Snapshot<Vec<ripcord::fleet::HealthCheck>> {
        route53::health_checks(route53, cloudwatch, cache, parts, now())
            .await
            .expect("health checks")
    }

    #[tokio::test]
    async fn an_old_status_datapoint_is_no_recent_status_never_ok() {
        let checks = listing(vec![
            configured("hc-old", endpoint("old.example.com").build().expect("ok")),
            configured("hc-now", endpoint("now.example.com").build().expect("ok")),
        ]);
        // hc-old's metric stopped 20 minutes ago at "healthy".
        let metrics = metrics(|check, metric| {
            let at = if check == "hc-old" {
                minutes_ago(20)
            } else {
                minutes_ago(1)
            };
            Some((
                at,
                if metric == "HealthCheckStatus" {
                    1.0
                } else {
                    100.0
                },
            ))
        });
        let (zones, recs, tags) = (one_zone(), records(vec![]), tags(&[]));
        let route53_client = mock_client!(
            aws_sdk_route53,
            RuleMode::MatchAny,
            [&checks, &zones, &recs, &tags]
        );
        let cw = mock_client!(aws_sdk_cloudwatch, RuleMode::MatchAny, [&metrics]);
        let snapshot = read(
            &route53_client,
            &cw,
            &route53::GuardCache::default(),
            &Parts::default(),
        )
        .await;
        let app = app_showing(snapshot);
        let v = verdicts(&app);
        assert_eq!(v["hc-now"].0, Verdict::Ok, "{}", v["hc-now"].1);
        assert_eq!(v["hc-old"].0, Verdict::Unknown, "{}", v["hc-old"].1);
        assert!(v["hc-old"].1.contains("20m old"), "{}", v["hc-old"].1);
    }

    #[tokio::test(start_paused = true)]
    async fn hung_parts_fail_alone_inside_the_feed_deadline_and_keep_their_last_good_value() {
        let checks = listing(vec![configured(
            "hc-east",
            endpoint("api.us-east-1.example.com").build().expect("ok"),
        )]);
        let zones = one_zone();
        let recs = records(vec![record(
            "api.example.com.",
            "use1",
            ResourceRecordSetFailover::Primary,
            "hc-east",
            "192.0.2.10",
        )]);
        let tags = tags(&[]);
        let metrics = metrics(healthy_now);
        let parts = Parts::default();
        let cache = route53::GuardCache::default();
        // A first refresh where everything answers.
        let route53_ok = mock_client!(
            aws_sdk_route53,
            RuleMode::MatchAny,
            [&checks, &zones, &recs, &tags]
        );
        let cw_ok = mock_client!(aws_sdk_cloudwatch, RuleMode::MatchAny, [&metrics]);
        let first = read(&route53_ok, &cw_ok, &cache, &parts).await;
        assert_eq!(first.data[0].status, CheckStatus::Healthy);
        assert_eq!(first.data[0].guards.len(), 1);

        // Then the zone scan and the metrics both hang; the list still answers. Six minutes
        // later the zone scan is due again.
        let later: Timestamp = now() + jiff::SignedDuration::from_secs(360);
        let route53_hung = mock_client!(
            aws_sdk_route53,
            RuleMode::MatchAny,
            [&checks, &zones, &recs, &tags],
            |c| c.http_client(hang_on("/hostedzone"))
        );
        let cw_hung = mock_client!(aws_sdk_cloudwatch, RuleMode::MatchAny, [&metrics], |c| c
            .http_client(hang_on("/")));
        let second = ripcord::source::with_deadline(
            Duration::from_secs(20),
            "health",
            route53::health_checks(&route53_hung, &cw_hung, &cache, &parts, later),
        )
        .await
        .expect("the feed arrives inside its 20 s deadline, with its hung parts named");
        let failed: Vec<&str> = second.missing.iter().map(|e| e.call.as_str()).collect();
        assert!(
            failed.contains(&"route53:ListResourceRecordSets")
                && failed.contains(&"cloudwatch:GetMetricData"),
            "{failed:?}"
        );
        let check = &second.data[0];
        assert_eq!(
            check.status,
            CheckStatus::Healthy,
            "the last good status is kept (and judged by its own age)"
        );
        assert_eq!(
            check.guards.len(),
            1,
            "the last good failover records are kept"
        );

        // The failed scan is cached like a good one: the next refresh does not scan again.
        let zone_scans = zones.num_calls();
        let third = route53::health_checks(
            &route53_hung,
            &cw_ok,
            &cache,
            &parts,
            later + jiff::SignedDuration::from_secs(30),
        )
        .await
        .expect("health checks");
        assert_eq!(zones.num_calls(), zone_scans, "no new zone scan");
        assert!(
            third
                .missing
                .iter()
                .any(|e| e.call == "route53:ListResourceRecordSets"),
            "the cached failure is still shown: {:?}",
            third.missing
        );
    }

    #[tokio::test]
    async fn every_failed_call_of_a_feed_is_named_on_screen_and_in_status() {
        let checks = listing(vec![configured(
            "hc-east",
            endpoint("api.us-east-1.example.com").build().expect("ok"),
        )]);
        let denied = || {
            HttpResponse::new(
                StatusCode::try_from(403).expect("valid"),
                SdkBody::from(
                    "<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code>\
                     <Message>not authorized</Message></Error></ErrorResponse>",
                ),
            )
        };
        let zones = mock!(aws_sdk_route53::Client::list_hosted_zones).then_http_response(denied);
        let tags = tags(&[]);
        let metrics = mock!(aws_sdk_cloudwatch::Client::get_metric_data).then_http_response(|| {
            HttpResponse::new(
                StatusCode::try_from(403).expect("valid"),
                SdkBody::from(r#"{"__type":"AccessDenied","message":"not authorized"}"#),
            )
        });
        let route53_client = mock_client!(
            aws_sdk_route53,
            RuleMode::MatchAny,
            [&checks, &zones, &tags]
        );
        let cw = mock_client!(aws_sdk_cloudwatch, RuleMode::MatchAny, [&metrics]);
        let snapshot = read(
            &route53_client,
            &cw,
            &route53::GuardCache::default(),
            &Parts::default(),
        )
        .await;
        let app = app_showing(snapshot);
        let (_, error) = app.fleet.health[&None]
            .last_error
            .clone()
            .expect("failures shown");
        let shown = error.to_string();
        assert!(shown.contains("route53:ListHostedZones"), "{shown}");
        assert!(shown.contains("cloudwatch:GetMetricData"), "{shown}");
        let lines = ripcord::ui::widgets::feed_errors(
            std::iter::once((&"global".to_string(), &app.fleet.health[&None])),
            now(),
        );
        assert!(
            lines[0].contains("route53:ListHostedZones")
                && lines[0].contains("cloudwatch:GetMetricData"),
            "{lines:?}"
        );
        let report = ripcord::status::report::report(&app.fleet, None);
        let calls: Vec<&str> = report
            .fetch_errors
            .iter()
            .map(|e| e.call.as_str())
            .collect();
        assert_eq!(
            calls,
            vec!["cloudwatch:GetMetricData", "route53:ListHostedZones"],
            "one entry per failed call"
        );
    }

    #[tokio::test]
    async fn a_backup_feed_that_fails_whole_names_all_three_calls() {
        let denied = || {
            HttpResponse::new(
                StatusCode::try_from(403).expect("valid"),
                SdkBody::from(r#"{"__type":"AccessDeniedException","message":"no"}"#),
            )
        };
        let summaries =
            mock!(aws_sdk_backup::Client::list_backup_job_summaries).then_http_response(denied);
        let jobs = mock!(aws_sdk_backup::Client::list_backup_jobs).then_http_response(denied);
        let protected =
            mock!(aws_sdk_backup::Client::list_protected_resources).then_http_response(denied);
        let vaults = mock!(aws_sdk_backup::Client::list_backup_vaults).then_http_response(denied);
        let client = backup_client(&[&summaries, &jobs, &protected, &vaults]);
        let err = backup::backup_health(&client, "us-east-1", now(), &Parts::default())
            .await
            .expect_err("nothing arrived");
        let shown = err.to_string();
        for call in [
            "backup:ListBackupJobSummaries",
            "backup:ListBackupJobs",
            "backup:List",
        ] {
            assert!(shown.contains(call), "{call} in {shown}");
        }
        assert!(
            shown.matches("backup:").count() >= 3,
            "three failed calls named: {shown}"
        );
    }

    fn alias_primary() -> ResourceRecordSet {
        ResourceRecordSet::builder()
            .name("shop.example.com.")
            .r#type(RrType::A)
            .set_identifier("use1")
            .failover(ResourceRecordSetFailover::Primary)
            .alias_target(
                AliasTarget::builder()
                    .hosted_zone_id("Z35SXDOTRQ7X7K")
                    .dns_name("shop-east.us-east-1.elb.amazonaws.com.")
                    .evaluate_target_health(true)
                    .build()
                    .expect("valid"),
            )
            .build()
            .expect("valid")
    }

    #[tokio::test]
    async fn failover_aliases_decided_by_target_health_are_shown_and_never_counted_healthy() {
        let checks = listing(vec![configured(
            "hc-west",
            endpoint("shop.us-west-2.example.com").build().expect("ok"),
        )]);
        let secondary = record(
            "shop.example.com.",
            "usw2",
            ResourceRecordSetFailover::Secondary,
            "hc-west",
            "198.51.100.20",
        );
        let (zones, recs, tags) = (
            one_zone(),
            records(vec![alias_primary(), secondary.clone()]),
            tags(&[]),
        );
        let metrics = metrics(healthy_now);
        let route53_client = mock_client!(
            aws_sdk_route53,
            RuleMode::MatchAny,
            [&checks, &zones, &recs, &tags]
        );
        let cw = mock_client!(aws_sdk_cloudwatch, RuleMode::MatchAny, [&metrics]);
        let snapshot = read(
            &route53_client,
            &cw,
            &route53::GuardCache::default(),
            &Parts::default(),
        )
        .await;
        let shown = snapshot
            .data
            .iter()
            .find(|c| c.guards.iter().any(|g| g.set_identifier == "use1"))
            .expect("the alias primary is shown");
        let app = app_showing(snapshot.clone());
        let row = app
            .check_rows()
            .into_iter()
            .find(|r| r.check.id == shown.id)
            .expect("a row");
        assert_eq!(row.eval.verdict, Verdict::Unknown);
        assert!(
            row.eval.reason.contains("alias target"),
            "{}",
            row.eval.reason
        );

        // dns-answer-is: the primary cannot be told healthy, so neither can the answer.
        let records_rule = records(vec![alias_primary(), secondary]);
        let actions = AwsActions::from_clients(
            BTreeMap::new(),
            Route53Clients {
                reads: mock_client!(aws_sdk_route53, RuleMode::MatchAny, [&records_rule]),
                changes: idle_route53(),
            },
        );
        let answer = actions
            .dns_answer("Z1", "shop.example.com", "A")
            .await
            .expect_err("cannot tell what Route 53 answers");
        assert!(answer.to_string().contains("alias target"), "{answer}");
    }

    #[tokio::test]
    async fn calculated_inverted_and_disabled_checks_are_read_as_route53_reads_them() {
        let checks = listing(vec![
            configured(
                "hc-calc",
                HealthCheckConfig::builder()
                    .r#type(HealthCheckType::Calculated)
                    .child_health_checks("hc-a")
                    .child_health_checks("hc-b")
                    .health_threshold(1)
                    .build()
                    .expect("ok"),
            ),
            configured(
                "hc-off",
                endpoint("off.example.com")
                    .disabled(true)
                    .build()
                    .expect("ok"),
            ),
            configured(
                "hc-inv",
                endpoint("maint.example.com")
                    .inverted(true)
                    .build()
                    .expect("ok"),
            ),
        ]);
        let metrics = metrics(|check, metric| match (check, metric) {
            // A calculated check publishes a status, never a checker share.
            ("hc-calc", "HealthCheckStatus") => Some((minutes_ago(1), 1.0)),
            ("hc-calc", _) => None,
            // Inverted: healthy to Route 53 while every checker sees the endpoint down.
            ("hc-inv", "HealthCheckStatus") => Some((minutes_ago(1), 1.0)),
            ("hc-inv", _) => Some((minutes_ago(1), 0.0)),
            _ => healthy_now(check, metric),
        });
        let detail = mock!(aws_sdk_route53::Client::get_health_check_status).then_output(|| {
            GetHealthCheckStatusOutput::builder()
                .build()
                .expect("valid")
        });
        let (zones, recs, tags) = (one_zone(), records(vec![]), tags(&[]));
        let fleet = AwsFleet::from_clients(
            BTreeMap::new(),
            GlobalClients {
                route53: mock_client!(
                    aws_sdk_route53,
                    RuleMode::MatchAny,
                    [&checks, &zones, &recs, &tags, &detail]
                ),
                health_metrics: mock_client!(aws_sdk_cloudwatch, RuleMode::MatchAny, [&metrics]),
            },
        );
        let snapshot = fleet.health_checks().await.expect("health checks");
        let app = app_showing(snapshot);
        let v = verdicts(&app);
        assert_eq!(v["hc-calc"].0, Verdict::Ok, "{}", v["hc-calc"].1);
        assert!(v["hc-calc"].1.contains("calculated"), "{}", v["hc-calc"].1);
        assert_eq!(v["hc-off"].0, Verdict::Warn, "{}", v["hc-off"].1);
        assert!(v["hc-off"].1.contains("disabled"), "{}", v["hc-off"].1);
        assert_eq!(v["hc-inv"].0, Verdict::Ok, "{}", v["hc-inv"].1);
        assert!(v["hc-inv"].1.contains("inverted"), "{}", v["hc-inv"].1);

        let refused = fleet
            .checker_detail("hc-calc")
            .await
            .expect_err("AWS does not answer GetHealthCheckStatus for calculated checks");
        assert!(refused.message.contains("calculated"), "{refused}");
        assert_eq!(detail.num_calls(), 0, "never asked");
    }

    #[tokio::test]
    async fn checks_show_their_name_tag_read_ten_at_a_time() {
        let ids: Vec<String> = (0..12).map(|i| format!("hc-{i:02}")).collect();
        let checks = listing(
            ids.iter()
                .map(|id| {
                    configured(
                        id,
                        endpoint(&format!("{id}.example.com")).build().expect("ok"),
                    )
                })
                .collect(),
        );
        let tags = tags(&[("hc-03", "checkout API (primary)")]);
        let metrics = metrics(healthy_now);
        let (zones, recs) = (one_zone(), records(vec![]));
        let route53_client = mock_client!(
            aws_sdk_route53,
            RuleMode::MatchAny,
            [&checks, &zones, &recs, &tags]
        );
        let cw = mock_client!(aws_sdk_cloudwatch, RuleMode::MatchAny, [&metrics]);
        let snapshot = read(
            &route53_client,
            &cw,
            &route53::GuardCache::default(),
            &Parts::default(),
        )
        .await;
        let by_id: BTreeMap<&str, &str> = snapshot
            .data
            .iter()
            .map(|c| (c.id.as_str(), c.name.as_str()))
            .collect();
        assert_eq!(by_id["hc-03"], "checkout API (primary)");
        assert_eq!(
            by_id["hc-04"], "hc-04.example.com",
            "no Name tag: what it probes"
        );
        assert_eq!(tags.num_calls(), 2, "12 checks, 10 a call");
    }
}

// ---------------------------------------------------------------------------------------
// Faults from AWS, one table: each fault as the SDK meets it (an HTTP answer, a connection
// that hangs or is refused, a body that cannot be read), then through `App::update`.
mod faults {
    use super::*;
    use aws_smithy_runtime_api::client::http::{
        HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient,
        SharedHttpConnector,
    };
    use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
    use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
    use ripcord::app::Pane;
    // The read clients carry it (RegionClients::new, GlobalClients::new); so do these.
    use ripcord::source::aws::sdk::whole_xml::WholeXml;

    pub(super) const DEAD: &str = "us-west-2";
    pub(super) const ALIVE: &str = "eu-west-1";

    /// An HTTP client that holds every answer back: for ever (`None`, a server that accepts
    /// and never replies) or for a while (a slow answer that does arrive).
    #[derive(Debug, Clone)]
    struct Held {
        by: Option<Duration>,
        inner: SharedHttpClient,
    }

    #[derive(Debug)]
    struct HeldConnector {
        by: Option<Duration>,
        inner: SharedHttpConnector,
    }

    impl HttpConnector for HeldConnector {
        fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
            match self.by {
                None => HttpConnectorFuture::new(std::future::pending()),
                Some(by) => {
                    let answer = self.inner.call(request);
                    HttpConnectorFuture::new(async move {
                        tokio::time::sleep(by).await;
                        answer.await
                    })
                }
            }
        }
    }

    impl HttpClient for Held {
        fn http_connector(
            &self,
            settings: &HttpConnectorSettings,
            components: &RuntimeComponents,
        ) -> SharedHttpConnector {
            SharedHttpConnector::new(HeldConnector {
                by: self.by,
                inner: self.inner.http_connector(settings, components),
            })
        }
    }

    fn held(by: Option<Duration>) -> SharedHttpClient {
        SharedHttpClient::new(Held {
            by,
            inner: aws_smithy_mocks::create_mock_http_client(),
        })
    }

    /// An RDS (awsquery, XML) error answer.
    fn rds_error(status: u16, code: &str, message: &str) -> HttpResponse {
        HttpResponse::new(
            StatusCode::try_from(status).expect("valid status"),
            SdkBody::from(format!(
                "<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code>\
                 <Message>{message}</Message></Error><RequestId>r-1</RequestId></ErrorResponse>"
            )),
        )
    }

    fn rds_ok_body(body: &'static str) -> HttpResponse {
        HttpResponse::new(
            StatusCode::try_from(200).expect("valid status"),
            SdkBody::from(body),
        )
    }

    /// DescribeDBInstances over db-0 and db-1, as RDS writes it.
    const TWO_REPLICAS: &str = "<DescribeDBInstancesResponse><DescribeDBInstancesResult>\
        <DBInstances>\
        <DBInstance><DBInstanceIdentifier>db-0</DBInstanceIdentifier><Engine>postgres</Engine>\
        <DBInstanceStatus>available</DBInstanceStatus><ReadReplicaSourceDBInstanceIdentifier>\
        arn:aws:rds:us-east-1:123456789012:db:src-0</ReadReplicaSourceDBInstanceIdentifier>\
        </DBInstance>\
        <DBInstance><DBInstanceIdentifier>db-1</DBInstanceIdentifier><Engine>postgres</Engine>\
        <DBInstanceStatus>available</DBInstanceStatus><ReadReplicaSourceDBInstanceIdentifier>\
        arn:aws:rds:us-east-1:123456789012:db:src-1</ReadReplicaSourceDBInstanceIdentifier>\
        </DBInstance>\
        </DBInstances></DescribeDBInstancesResult></DescribeDBInstancesResponse>";

    /// How one fault is served to DescribeDBInstances.
    enum Serve {
        Http(fn() -> HttpResponse),
        /// The answer comes after this long; `None`: never.
        Held(Option<Duration>),
        /// Nothing listens on the endpoint's port.
        Refused,
    }

    struct Case {
        name: &'static str,
        serve: Serve,
        /// `None`: the answer arrives and the feed is good.
        kind: Option<SourceErrorKind>,
        /// Words the operator must see in the message.
        says: &'static str,
    }

    fn cases() -> Vec<Case> {
        vec![
            Case {
                name: "HTTP 500",
                serve: Serve::Http(|| rds_error(500, "InternalFailure", "internal error")),
                kind: Some(SourceErrorKind::Other),
                says: "InternalFailure",
            },
            Case {
                name: "HTTP 503",
                serve: Serve::Http(|| rds_error(503, "ServiceUnavailable", "try later")),
                kind: Some(SourceErrorKind::Other),
                says: "ServiceUnavailable",
            },
            Case {
                name: "throttling",
                serve: Serve::Http(|| rds_error(400, "Throttling", "Rate exceeded")),
                kind: Some(SourceErrorKind::Throttled),
                says: "Rate exceeded",
            },
            Case {
                name: "access denied",
                serve: Serve::Http(|| rds_error(403, "AccessDenied", "not authorized")),
                kind: Some(SourceErrorKind::AccessDenied),
                says: "not authorized",
            },
            Case {
                name: "expired credentials",
                serve: Serve::Http(|| {
                    rds_error(
                        403,
                        "ExpiredToken",
                        "The security token included has expired",
                    )
                }),
                kind: Some(SourceErrorKind::CredentialsExpired),
                says: "aws sso login",
            },
            Case {
                name: "malformed body",
                serve: Serve::Http(|| rds_ok_body("this is not XML {{{")),
                kind: Some(SourceErrorKind::Other),
                says: "could not be read",
            },
            Case {
                name: "truncated body",
                serve: Serve::Http(|| {
                    rds_ok_body(
                        "<DescribeDBInstancesResponse><DescribeDBInstancesResult><DBInstances>\
                         <DBInstance><DBInstanceIdentifier>db-0</DBInstanceIdentifier>\
                         <Engine>postgres</Engine><DBInstanceStatus>available</DBInstanceStatus>\
                         <ReadReplicaSourceDBInstanceIdentifier>arn:aws:rds:us-east-1:\
                         123456789012:db:src-0</ReadReplicaSourceDBInstanceIdentifier>\
                         </DBInstance><DBInstance><DBInstanceIdentifier>db-1</DBInstanceIdent",
                    )
                }),
                kind: Some(SourceErrorKind::Other),
                says: "could not be read",
            },
            Case {
                name: "no answer (timeout)",
                serve: Serve::Held(None),
                kind: Some(SourceErrorKind::Timeout),
                says: "no answer",
            },
            Case {
                name: "connection refused",
                serve: Serve::Refused,
                kind: Some(SourceErrorKind::Unreachable),
                says: "",
            },
            Case {
                name: "slow but arrives",
                serve: Serve::Held(Some(Duration::from_secs(8))),
                kind: None,
                says: "",
            },
        ]
    }

    /// A port nothing listens on: bound, then let go.
    pub(super) fn closed_port() -> u16 {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind loopback");
        listener.local_addr().expect("address").port()
    }

    pub(super) fn good_fleet(region: &str, replicas: usize) -> (AwsFleet, Rule, Rule, Rule, Rule) {
        let (instances, globals) = (instances_rule(replicas), no_global_clusters());
        let clusters = no_clusters();
        let metrics = metrics_rule(Arc::new(Mutex::new(Vec::new())));
        let fleet = replicas_fleet(
            region,
            mock_client!(
                aws_sdk_rds,
                RuleMode::MatchAny,
                [&instances, &globals, &clusters]
            ),
            mock_client!(aws_sdk_cloudwatch, RuleMode::MatchAny, [&metrics]),
        );
        (fleet, instances, globals, clusters, metrics)
    }

    /// The dead region's fleet for one fault; the rules are returned to keep them alive.
    fn faulty_fleet(serve: &Serve) -> (AwsFleet, Vec<Rule>) {
        let globals = no_global_clusters();
        let clusters = no_clusters();
        let metrics = metrics_rule(Arc::new(Mutex::new(Vec::new())));
        let cloudwatch = mock_client!(aws_sdk_cloudwatch, RuleMode::MatchAny, [&metrics]);
        let rds = match serve {
            Serve::Http(answer) => {
                let answer = *answer;
                let fault =
                    mock!(aws_sdk_rds::Client::describe_db_instances).then_http_response(answer);
                let client = mock_client!(
                    aws_sdk_rds,
                    RuleMode::MatchAny,
                    [&fault, &globals, &clusters],
                    |c| c.interceptor(WholeXml)
                );
                return (
                    replicas_fleet(DEAD, client, cloudwatch),
                    vec![fault, globals, clusters, metrics],
                );
            }
            Serve::Held(by) => {
                // An HTTP answer, so that it goes through the (held) HTTP client.
                let instances = mock!(aws_sdk_rds::Client::describe_db_instances)
                    .then_http_response(|| rds_ok_body(TWO_REPLICAS));
                let by = *by;
                let client = mock_client!(
                    aws_sdk_rds,
                    RuleMode::MatchAny,
                    [&instances, &globals, &clusters],
                    |c| c
                        .http_client(held(by))
                        .interceptor(WholeXml)
                        .timeout_config(CallLimits::READS.timeout_config())
                        .retry_config(CallLimits::READS.retry_config())
                );
                return (
                    replicas_fleet(DEAD, client, cloudwatch),
                    vec![instances, globals, clusters, metrics],
                );
            }
            Serve::Refused => {
                let config = aws_sdk_rds::Config::builder()
                    .behavior_version(aws_sdk_rds::config::BehaviorVersion::latest())
                    .region(aws_sdk_rds::config::Region::new(DEAD))
                    .credentials_provider(aws_sdk_rds::config::Credentials::new(
                        "AKIDFAULTS",
                        "not-a-secret",
                        None,
                        None,
                        "faults",
                    ))
                    .endpoint_url(format!("http://127.0.0.1:{}", closed_port()))
                    .http_client(ripcord::source::aws::sdk::https_client())
                    .retry_config(CallLimits::READS.retry_config())
                    .timeout_config(CallLimits::READS.timeout_config())
                    .interceptor(WholeXml)
                    .build();
                aws_sdk_rds::Client::from_conf(config)
            }
        };
        (
            replicas_fleet(DEAD, rds, cloudwatch),
            vec![globals, metrics],
        )
    }

    pub(super) fn live_app(at: Timestamp) -> App {
        App::new(
            Mode::Live { profile: None },
            "aws",
            &[DEAD.to_string(), ALIVE.to_string()],
            Workloads::default(),
            Refresh::default(),
            Theme::mono(),
            at,
        )
    }

    /// One feed fetch as the poller makes it: under a deadline, here longer than the read
    /// limits' 20 s so that the SDK's own time limit names the call that hung.
    async fn fetch(
        fleet: &AwsFleet,
        region: &str,
    ) -> ripcord::source::FetchResult<Vec<ripcord::fleet::Replica>> {
        ripcord::source::with_deadline(Duration::from_secs(30), "replicas", fleet.replicas(region))
            .await
    }

    #[tokio::test(start_paused = true)]
    async fn every_fault_keeps_the_last_good_data_stale_with_its_reason_and_other_regions_refresh()
    {
        for case in cases() {
            // Loopback connections (the refused case) need real time to fail; the others
            // run on paused time so the hung and slow answers take no wall-clock time.
            let (good_dead, _i1, _g1, _c1, _m1) = good_fleet(DEAD, 2);
            let (alive, _i2, _g2, _c2, _m2) = good_fleet(ALIVE, 3);
            let (faulty, _rules) = faulty_fleet(&case.serve);

            let mut app = live_app(Timestamp::now());
            let first = Timestamp::now();
            for (region, fleet) in [(DEAD, &good_dead), (ALIVE, &alive)] {
                let result = fetch(fleet, region).await;
                assert!(result.is_ok(), "{}: the first fetch is good", case.name);
                app.update(
                    Event::Fetched(Fetched::Replicas {
                        place: region.to_string().into(),
                        result,
                    }),
                    first,
                );
            }

            let faulted = fetch(&faulty, DEAD).await;
            match (&case.kind, &faulted) {
                (None, Ok(snapshot)) => {
                    assert_eq!(snapshot.data.len(), 2, "{}", case.name);
                }
                (Some(kind), Err(e)) => {
                    assert_eq!(&e.kind, kind, "{}: {e}", case.name);
                    assert_eq!(e.call, "rds:DescribeDBInstances", "{}", case.name);
                    assert!(
                        e.message.contains(case.says),
                        "{}: {:?} should say {:?}",
                        case.name,
                        e.message,
                        case.says
                    );
                }
                (want, got) => panic!("{}: wanted {want:?}, got {got:?}", case.name),
            }
            let later = Timestamp::now();
            app.update(
                Event::Fetched(Fetched::Replicas {
                    place: DEAD.to_string().into(),
                    result: faulted,
                }),
                later,
            );
            if case.kind.is_none() {
                assert!(
                    app.stale_feeds().is_empty(),
                    "{}: a slow answer that arrives is fresh data: {:?}",
                    case.name,
                    app.stale_feeds()
                );
            }
            // Two intervals on, the healthy region has refreshed again and the dead one has
            // not: the dead one is stale, the other not.
            let interval = app.fleet.replicas[&Place::from(DEAD)].interval;
            let stale_at = later
                .checked_add(jiff::SignedDuration::try_from(interval * 3).expect("fits"))
                .expect("in range");
            let alive_again = fetch(&alive, ALIVE).await;
            let alive_again = alive_again.map(|mut s| {
                s.fetched_at = stale_at;
                s
            });
            app.update(
                Event::Fetched(Fetched::Replicas {
                    place: ALIVE.to_string().into(),
                    result: alive_again,
                }),
                stale_at,
            );

            let dead_feed = &app.fleet.replicas[&Place::from(DEAD)];
            assert_eq!(
                dead_feed.data().map(Vec::len),
                Some(2),
                "{}: the last good replicas stay on screen",
                case.name
            );
            let stale = app.stale_feeds();
            let alive_feed = &app.fleet.replicas[&Place::from(ALIVE)];
            assert!(alive_feed.last_error.is_none(), "{}", case.name);
            assert!(
                !stale.contains(&(Pane::Replicas, ALIVE.to_string())),
                "{}: the other region keeps refreshing: {stale:?}",
                case.name
            );
            let screen = draw(&app);
            if let Some(kind) = &case.kind {
                let (_, reason) = dead_feed.last_error.as_ref().expect("the reason is kept");
                assert_eq!(&reason.kind, kind, "{}", case.name);
                assert!(
                    stale.contains(&(Pane::Replicas, DEAD.to_string())),
                    "{}: the failed region is stale: {stale:?}",
                    case.name
                );
                // One failed call: "us-west-2: timed out — ..."; several: "us-west-2: 2 calls
                // failed — rds:DescribeDBInstances unreachable, ...".
                let said = format!("{DEAD}: {kind}");
                let among = format!("rds:DescribeDBInstances {kind}");
                assert!(
                    screen.contains(&said) || (screen.contains(DEAD) && screen.contains(&among)),
                    "{}: the pane names the failure ({said}):\n{screen}",
                    case.name
                );
                assert!(
                    screen.contains("db-0"),
                    "{}: the last good rows are drawn:\n{screen}",
                    case.name
                );
            } else {
                assert!(dead_feed.last_error.is_none(), "{}", case.name);
                assert!(
                    stale.contains(&(Pane::Replicas, DEAD.to_string())),
                    "{}: a slow answer that came is fresh until it is old: {stale:?}",
                    case.name
                );
            }
        }
    }

    /// The whole cockpit at 160x50, as text.
    pub(super) fn draw(app: &App) -> String {
        let mut terminal =
            ratatui::Terminal::new(ratatui::backend::TestBackend::new(160, 50)).expect("backend");
        terminal
            .draw(|frame| ripcord::ui::render(app, frame))
            .expect("draws");
        terminal.backend().to_string()
    }
}

// Fault tables for AWS Backup, CloudWatch and Route 53, as `faults` does for RDS.
mod service_faults;

// ---------------------------------------------------------------------------------------
// Read-only mode, counted where AWS would see it: every client of the runbook actions carries
// an interceptor that counts each call that is not a read (Describe*, List*, Get*).
mod read_only {
    use super::*;
    use aws_smithy_runtime_api::box_error::BoxError;
    use aws_smithy_runtime_api::client::interceptors::Intercept;
    use aws_smithy_runtime_api::client::interceptors::context::BeforeSerializationInterceptorContextRef;
    use aws_smithy_runtime_api::client::orchestrator::Metadata;
    use aws_smithy_types::config_bag::ConfigBag;
    use crossterm::event::KeyCode;
    use ripcord::clock::Clock;
    use ripcord::runbook::Library;
    use ripcord::source::aws::actions::{
        AwsActions, Changes, Reads, RegionActionClients, Route53Clients,
    };

    /// The names of the calls made that change something.
    #[derive(Debug, Clone, Default)]
    struct Changing(Arc<Mutex<Vec<String>>>);

    impl Intercept for Changing {
        fn name(&self) -> &'static str {
            "Changing"
        }

        fn read_before_serialization(
            &self,
            _: &BeforeSerializationInterceptorContextRef<'_>,
            _: &aws_smithy_runtime_api::client::runtime_components::RuntimeComponents,
            cfg: &mut ConfigBag,
        ) -> Result<(), BoxError> {
            let metadata = cfg
                .load::<Metadata>()
                .expect("every operation names itself");
            let name = metadata.name();
            if !["Describe", "List", "Get"]
                .iter()
                .any(|read| name.starts_with(read))
            {
                self.0
                    .lock()
                    .expect("not poisoned")
                    .push(format!("{}:{name}", metadata.service()));
            }
            Ok(())
        }
    }

    /// Runbook actions in both regions and Route 53, every client counted by `seen`. The
    /// clients have no rules: reads fail, which is fine, since only the count matters.
    fn counted_actions(seen: &Changing) -> AwsActions {
        let rds = || {
            mock_client!(aws_sdk_rds, RuleMode::MatchAny, &[] as &[&Rule], |c| c
                .interceptor(seen.clone()))
        };
        let backup = || {
            mock_client!(aws_sdk_backup, RuleMode::MatchAny, &[] as &[&Rule], |c| c
                .interceptor(seen.clone()))
        };
        let cloudwatch = || {
            mock_client!(
                aws_sdk_cloudwatch,
                RuleMode::MatchAny,
                &[] as &[&Rule],
                |c| c.interceptor(seen.clone())
            )
        };
        let route53 = || {
            mock_client!(aws_sdk_route53, RuleMode::MatchAny, &[] as &[&Rule], |c| c
                .interceptor(seen.clone()))
        };
        let region = || RegionActionClients {
            reads: Reads {
                rds: rds(),
                backup: backup(),
                cloudwatch: cloudwatch(),
            },
            changes: Changes {
                rds: rds(),
                backup: backup(),
            },
        };
        AwsActions::from_clients(
            BTreeMap::from([
                ("us-east-1".to_string(), region()),
                ("us-west-2".to_string(), region()),
            ]),
            Route53Clients {
                reads: route53(),
                changes: route53(),
            },
        )
    }

    fn read_only_cockpit(actions: Arc<AwsActions>) -> common::driver::Driver {
        let mut app = App::new(
            Mode::Live { profile: None },
            "aws",
            &["us-east-1".to_string(), "us-west-2".to_string()],
            Workloads::default(),
            Refresh::default(),
            Theme::mono(),
            Timestamp::now(),
        );
        app.runbooks.library = Library::shipped();
        app.runbooks.actions_available = true;
        app.runbooks.operator = "read-only-test".into();
        app.read_only = true;
        common::driver::Driver::on(app, actions, Clock::manual(Timestamp::now()))
    }

    /// Enter, y, the typed confirmations' first letters, skip with a reason: the keys that
    /// move a run on, pressed several times over.
    async fn press_everything(d: &mut common::driver::Driver) {
        for _ in 0..3 {
            for key in [
                KeyCode::Enter,
                KeyCode::Char('y'),
                KeyCode::Char('o'),
                KeyCode::Char('s'),
                KeyCode::Enter,
            ] {
                d.key(key).await;
            }
        }
    }

    #[tokio::test]
    async fn read_only_makes_no_changing_call_whatever_is_pressed() {
        let seen = Changing::default();
        let actions = Arc::new(counted_actions(&seen));

        // The counter counts: one promotion sent straight through the change client.
        let probe = Changing::default();
        let promote = mock!(aws_sdk_rds::Client::promote_read_replica).then_output(|| {
            aws_sdk_rds::operation::promote_read_replica::PromoteReadReplicaOutput::builder()
                .build()
        });
        let _ = mock_client!(aws_sdk_rds, RuleMode::MatchAny, [&promote], |c| c
            .interceptor(probe.clone()))
        .promote_read_replica()
        .db_instance_identifier("db-0")
        .send()
        .await;
        assert_eq!(
            *probe.0.lock().expect("not poisoned"),
            vec!["RDS:PromoteReadReplica".to_string()]
        );

        let mut d = read_only_cockpit(actions);
        let names: Vec<String> = d
            .app
            .runbooks
            .library
            .names()
            .into_iter()
            .map(str::to_string)
            .collect();
        assert!(names.len() >= 3, "the shipped runbooks: {names:?}");
        for (n, name) in names.iter().enumerate() {
            // `:run NAME`, with parameters that would do for any of them.
            d.command(&format!(
                "run {name} zone=Z1 primary_check=hc-1 dr_check=hc-2 replica=db-0 \
                 cluster=c-1 region=us-west-2"
            ))
            .await;
            let refused = d.flash();
            assert!(refused.contains("read-only"), "{name}: {refused}");
            press_everything(&mut d).await;
            // The picker: `r`, down to this runbook, Enter.
            d.key(KeyCode::Esc).await;
            d.key(KeyCode::Char('r')).await;
            for _ in 0..n {
                d.key(KeyCode::Down).await;
            }
            press_everything(&mut d).await;
            d.key(KeyCode::Esc).await;
        }
        assert!(
            d.app.runbooks.run.is_none(),
            "no run started in read-only mode"
        );
        assert_eq!(
            *seen.0.lock().expect("not poisoned"),
            Vec::<String>::new(),
            "read-only mode sent changing calls"
        );
    }
}
