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

// The subjects, one file each. Shared helpers above; a subject's own helpers live in it.
mod action_reads;
mod backup_jobs;
mod backup_truth;
mod faults;
mod lag_answers;
mod metrics;
mod route53_checks;
mod route53_truth;
// Fault tables for AWS Backup, CloudWatch and Route 53, as `faults` does for RDS.
mod read_only;
mod service_faults;
