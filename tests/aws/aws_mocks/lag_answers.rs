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

/// One series per replica (issue 10): only the maximum of `ReplicaLag` is read, so a whole
/// minute of -1 is what the metric can say about a stop ("not active")...
#[tokio::test]
async fn a_whole_minute_of_minus_one_reads_not_active() {
    let (instances, globals) = (instances_rule(1), no_global_clusters());
    let asked: Arc<Mutex<Vec<String>>> = Arc::default();
    let record = asked.clone();
    let metrics = metrics_answering(
        Arc::new(move |_, metric, stat, end, _| {
            record
                .lock()
                .expect("not poisoned")
                .push(format!("{metric} {stat}"));
            MetricDataResult::builder()
                .timestamps(DateTime::from_secs(end - 120))
                .values(2.0)
                .timestamps(DateTime::from_secs(end - 60))
                .values(-1.0)
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
    assert_eq!(
        *asked.lock().expect("not poisoned"),
        ["ReplicaLag Maximum"],
        "one series for the replica"
    );
}

/// ...and a stop RDS reports is CRIT whatever the lag says: a replica whose read-replication
/// status info says `error` while its newest minute still shows a lag of 3 s is stopped.
/// (Was: the minimum was read too, so that a -1 inside a minute was not hidden behind the
/// maximum; RDS's own status says it sooner and exactly.)
#[tokio::test]
async fn a_broken_rds_replica_with_a_positive_lag_is_judged_stopped() {
    let instances = mock!(aws_sdk_rds::Client::describe_db_instances).then_output(|| {
        DescribeDbInstancesOutput::builder()
            .db_instances(
                DbInstance::builder()
                    .db_instance_identifier("orders-dr")
                    .engine("postgres")
                    .db_instance_status("available")
                    .read_replica_source_db_instance_identifier(
                        "arn:aws:rds:us-east-1:123456789012:db:orders",
                    )
                    .status_infos(
                        aws_sdk_rds::types::DbInstanceStatusInfo::builder()
                            .status_type("read replication")
                            .status("error")
                            .normal(false)
                            .message("Replication has stopped")
                            .build(),
                    )
                    .build(),
            )
            .build()
    });
    let globals = no_global_clusters();
    let metrics = metrics_answering(Arc::new(|_, _, _, end, _| point(end - 60, 3.0)), None);
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
    let line = replica_line(&report, "orders-dr");
    assert_eq!(line.lag_seconds, Some(3.0), "the lag is read and shown");
    assert_eq!(line.verdict, Verdict::Crit, "{}", line.reason);
    assert!(
        line.reason.contains("replication broken")
            && line.reason.contains("Replication has stopped"),
        "{}",
        line.reason
    );
}

/// DescribeGlobalClusters with one global database of `engine`: its writer billing-use1 in
/// us-east-1, its secondary billing-usw2 in us-west-2.
fn one_global_secondary(engine: &'static str) -> Rule {
    mock!(aws_sdk_rds::Client::describe_global_clusters).then_output(move || {
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
                    .engine(engine)
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
    })
}

/// GetMetricData like CloudWatch: datapoints (850 ms) only for `metric` under exactly the
/// dimensions `published`, nothing for any other series; records the queries of each call.
fn published_only(
    metric: &'static str,
    published: &'static [(&'static str, &'static str)],
    queries_per_call: Arc<Mutex<Vec<usize>>>,
) -> Rule {
    mock!(aws_sdk_cloudwatch::Client::get_metric_data).then_compute_output(move |req| {
        let end = req.end_time().expect("an end time").secs();
        queries_per_call
            .lock()
            .expect("not poisoned")
            .push(req.metric_data_queries().len());
        let results = req
            .metric_data_queries()
            .iter()
            .map(|q| {
                let asked = q.metric_stat().and_then(|s| s.metric()).expect("a metric");
                let mut dims: Vec<(&str, &str)> = asked
                    .dimensions()
                    .iter()
                    .map(|d| (d.name().unwrap_or(""), d.value().unwrap_or("")))
                    .collect();
                dims.sort_unstable();
                let result = if asked.metric_name() == Some(metric) && dims == published {
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
    })
}

/// us-west-2's replicas feed: `instances` read replicas and one Aurora global secondary of
/// `engine`, billing-usw2, whose lag CloudWatch publishes as `metric` under `published` alone
/// (`published_only`, counting the queries of each call in `per_call`).
fn global_secondary_fleet(
    engine: &'static str,
    instances: usize,
    metric: &'static str,
    published: &'static [(&'static str, &'static str)],
    per_call: Arc<Mutex<Vec<usize>>>,
) -> AwsFleet {
    let globals = one_global_secondary(engine);
    let instances = instances_rule(instances);
    let metrics = published_only(metric, published, per_call);
    replicas_fleet(
        "us-west-2",
        mock_client!(
            aws_sdk_rds,
            RuleMode::MatchAny,
            [&instances, &globals, &no_clusters()]
        ),
        mock_client!(aws_sdk_cloudwatch, RuleMode::MatchAny, [&metrics]),
    )
}

/// Issue 9 item 13: CloudWatch matches a dimension set exactly, and the Aurora global
/// metrics are published per secondary cluster and source region: a query by the cluster
/// alone returns nothing, and the secondary read "no lag datapoints" forever. Issue 10: once
/// a series has answered, it is the secondary's one query per refresh.
#[tokio::test]
async fn aurora_global_lag_is_asked_under_the_dimensions_it_is_published_with() {
    let per_call = Arc::new(Mutex::new(Vec::new()));
    let fleet = global_secondary_fleet(
        "aurora-postgresql",
        0,
        "AuroraGlobalDBRPOLag",
        &[
            ("DBClusterIdentifier", "billing-usw2"),
            ("SourceRegion", "us-east-1"),
        ],
        per_call.clone(),
    );
    for refresh in 0..2 {
        let report = status_of_replicas(&fleet, "us-west-2").await;
        let line = replica_line(&report, "billing-usw2");
        assert_eq!(line.lag_seconds, Some(0.85), "{refresh}: {}", line.reason);
        assert_eq!(line.verdict, Verdict::Ok, "{}", line.reason);
    }
    let per_call = per_call.lock().expect("not poisoned").clone();
    assert_eq!(
        per_call[1..],
        [1],
        "the series that answered is asked alone (first call: {per_call:?})"
    );
}

/// An Aurora MySQL version before 3.04 / 2.12 publishes the replication lag, not the RPO
/// lag: it is found in the room the call leaves, in the first refresh, one call.
#[tokio::test]
async fn an_older_aurora_mysql_secondary_is_read_from_its_replication_lag_in_one_call() {
    let per_call = Arc::new(Mutex::new(Vec::new()));
    let fleet = global_secondary_fleet(
        "aurora-mysql",
        3,
        "AuroraGlobalDBReplicationLag",
        &[
            ("DBClusterIdentifier", "billing-usw2"),
            ("SourceRegion", "us-east-1"),
        ],
        per_call.clone(),
    );
    let report = status_of_replicas(&fleet, "us-west-2").await;
    let line = replica_line(&report, "billing-usw2");
    assert_eq!(line.lag_seconds, Some(0.85), "{}", line.reason);
    assert_eq!(per_call.lock().expect("not poisoned").len(), 1);
    status_of_replicas(&fleet, "us-west-2").await;
    assert_eq!(
        per_call.lock().expect("not poisoned")[1],
        4,
        "three read replicas and the secondary, one series each"
    );
}

/// A secondary none of whose series has a datapoint has no lag to judge: "cannot tell"
/// (no lag datapoints), never a lag of 0 and never OK.
#[tokio::test]
async fn an_aurora_secondary_whose_series_are_empty_is_cannot_tell_never_zero() {
    let fleet = global_secondary_fleet("aurora-mysql", 0, "(nothing)", &[], Arc::default());
    for refresh in 0..3 {
        let report = status_of_replicas(&fleet, "us-west-2").await;
        let line = replica_line(&report, "billing-usw2");
        assert_eq!(line.lag_seconds, None, "{refresh}");
        assert_eq!(line.verdict, Verdict::Unknown, "{refresh}: {}", line.reason);
        assert!(
            line.reason.contains("no lag datapoints"),
            "{refresh}: {}",
            line.reason
        );
        assert_ne!(report.exit_code, 0, "status cannot say all is well");
    }
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
    let asked: Arc<Mutex<Vec<(String, String)>>> = Arc::default();
    let record = asked.clone();
    let metrics = metrics_answering(
        Arc::new(move |id, metric, stat, end, _| {
            record
                .lock()
                .expect("not poisoned")
                .push((id.to_string(), format!("{metric} {stat}")));
            match (metric, id) {
                ("AuroraReplicaLag", "orders-aurora-2" | "orders-aurora-3") => {
                    point(end - 60, 20.0)
                }
                ("ReplicaLag", "maz-2") => point(end - 60, 2.0),
                ("AuroraBinlogReplicaLag", "billing-mysql-usw2") => point(end - 60, 4.0),
                _ => MetricDataResult::builder().status_code(MetricStatus::Complete),
            }
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
    // Issue 10: one series per replica of each kind, its maximum (was: the minimum too for
    // the Multi-AZ reader and the replica cluster).
    let mut asked = asked.lock().expect("not poisoned").clone();
    asked.sort();
    let expected: Vec<(String, String)> = [
        ("billing-mysql-usw2", "AuroraBinlogReplicaLag Maximum"),
        ("maz-2", "ReplicaLag Maximum"),
        ("orders-aurora-2", "AuroraReplicaLag Maximum"),
        ("orders-aurora-3", "AuroraReplicaLag Maximum"),
    ]
    .map(|(id, series)| (id.to_string(), series.to_string()))
    .into();
    assert_eq!(asked, expected);
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
