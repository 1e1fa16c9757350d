//! CloudWatch lag reads for the replicas feed: 3 metric calls for 1,200 replicas, throttling
//! retried with the read limits, denials not retried; and the lag part of the feed failing or
//! hanging on its own (issue 9 item 8).

use super::*;

/// us-west-2's replicas feed over `count` read replicas with no global clusters, each
/// GetMetricData call's query count pushed to `counts`; with the DescribeDBInstances and
/// GetMetricData rules, which count their calls.
fn read_replicas_fleet(count: usize, counts: Arc<Mutex<Vec<usize>>>) -> (AwsFleet, Rule, Rule) {
    let (instances, globals, metrics) = (
        instances_rule(count),
        no_global_clusters(),
        metrics_rule(counts),
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
    (fleet, instances, metrics)
}

/// Issue 10, benchmark 2: at most ceil(replicas in the region / 500) GetMetricData calls.
#[tokio::test]
async fn a_region_of_1000_replicas_takes_2_metric_calls() {
    let counts = Arc::new(Mutex::new(Vec::new()));
    let (fleet, instances, metrics) = read_replicas_fleet(1000, counts.clone());
    let snapshot = fleet.replicas("us-west-2").await.expect("replicas");
    assert!(snapshot.missing.is_empty(), "{:?}", snapshot.missing);
    assert_eq!(snapshot.data.len(), 1000);
    assert_eq!(instances.num_calls(), 10, "pages of 100");
    assert_eq!(metrics.num_calls(), 2);
    assert_eq!(*counts.lock().expect("not poisoned"), [500, 500]);
}

#[tokio::test]
async fn lag_for_1200_replicas_takes_3_metric_calls_of_at_most_500_queries() {
    let counts = Arc::new(Mutex::new(Vec::new()));
    let (fleet, instances, metrics) = read_replicas_fleet(1200, counts.clone());
    let snapshot = fleet.replicas("us-west-2").await.expect("replicas");
    assert!(snapshot.missing.is_empty(), "{:?}", snapshot.missing);
    let replicas = snapshot.data;
    assert_eq!(replicas.len(), 1200, "every page of instances was read");
    assert_eq!(instances.num_calls(), 12, "pages of 100");
    let per_call = counts.lock().expect("not poisoned").clone();
    // One series per replica (the maximum of ReplicaLag): 1,200 queries. Was two (its
    // minimum too), 2,400 queries in 5 calls: over the bound of ceil(1,200 / 500).
    assert_eq!(metrics.num_calls(), 3);
    assert_eq!(per_call, vec![500, 500, 200]);
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
        assert_eq!(&*r.source_region, "us-east-1");
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
