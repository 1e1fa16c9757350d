//! What a lag answer means (issue 9): old datapoints, per-result errors, a stop in a minute,
//! the Aurora global metrics' dimensions, cluster readers and replica clusters.

use super::*;

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
