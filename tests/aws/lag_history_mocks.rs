//! A replica's lag history from the AWS source against typed SDK mocks (moto cannot serve
//! CloudWatch to the Rust SDK): one GetMetricData per detail opened, with the replica's lag
//! metric at two periods, read back into the history; a failed call says why.

use aws_sdk_cloudwatch::operation::get_metric_data::{GetMetricDataInput, GetMetricDataOutput};
use aws_sdk_cloudwatch::primitives::DateTime;
use aws_sdk_cloudwatch::types::{MetricDataResult, StatusCode as MetricStatus};
use aws_smithy_mocks::{Rule, RuleMode, mock, mock_client};
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_runtime_api::http::StatusCode;
use aws_smithy_types::body::SdkBody;
use jiff::Timestamp;
use ripcord::fleet::{HistoryOf, HistorySpan, PeriodLag, ReplicaKind};
use ripcord::source::aws::sdk::CallLimits;
use ripcord::source::aws::{AwsFleet, GlobalClients, RegionClients};
use ripcord::source::{FleetSource, SourceErrorKind};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

fn idle_cloudwatch() -> aws_sdk_cloudwatch::Client {
    mock_client!(aws_sdk_cloudwatch, RuleMode::MatchAny, &[] as &[&Rule])
}

/// A one-region fleet whose CloudWatch is `cloudwatch` and whose other clients take no call.
fn fleet(cloudwatch: aws_sdk_cloudwatch::Client) -> AwsFleet {
    let clients = RegionClients {
        rds: mock_client!(aws_sdk_rds, RuleMode::MatchAny, &[] as &[&Rule]),
        backup: mock_client!(aws_sdk_backup, RuleMode::MatchAny, &[] as &[&Rule]),
        cloudwatch,
    };
    let global = GlobalClients {
        route53: mock_client!(aws_sdk_route53, RuleMode::MatchAny, &[] as &[&Rule]),
        health_metrics: idle_cloudwatch(),
    };
    AwsFleet::from_clients(BTreeMap::from([("us-west-2".to_string(), clients)]), global)
}

fn orders_dr() -> HistoryOf {
    HistoryOf {
        id: "orders-dr".into(),
        region: "us-west-2".into(),
        source_region: "us-east-1".into(),
        kind: ReplicaKind::RdsReadReplica,
    }
}

fn secs(t: &DateTime) -> i64 {
    t.secs()
}

/// The series `id`: a datapoint a period from `start` to `end`, where `value` gives one.
fn points(
    id: Option<&str>,
    (start, end, period): (i64, i64, i64),
    value: impl Fn(i64) -> Option<f64>,
) -> MetricDataResult {
    let mut b = MetricDataResult::builder()
        .set_id(id.map(str::to_string))
        .status_code(MetricStatus::Complete);
    let mut t = start;
    while t < end {
        if let Some(v) = value(t) {
            b = b.timestamps(DateTime::from_secs(t)).values(v);
        }
        t += period;
    }
    b.build()
}

/// Answers as CloudWatch would for a replica whose lag is 5 s, except: in the day, the newest
/// hour has no datapoints (a gap) and the period two hours back was 90 s (over a 1-minute
/// RPO) and had a -1 in its minimum; in the week, every hour is there, one of them at 120 s.
fn answer(req: &GetMetricDataInput) -> GetMetricDataOutput {
    let start = secs(req.start_time().expect("a start"));
    let end = secs(req.end_time().expect("an end"));
    let results = req
        .metric_data_queries()
        .iter()
        .map(|q| {
            let stat = q.metric_stat().expect("a metric stat");
            let period = i64::from(stat.period().expect("a period"));
            let minimum = stat.stat() == Some("Minimum");
            let over_at = end - 2 * 3600;
            if period == 300 {
                points(q.id(), (start, end, 300), |t| {
                    if t >= end - 3600 {
                        None
                    } else if t == over_at {
                        Some(if minimum { -1.0 } else { 90.0 })
                    } else {
                        Some(5.0)
                    }
                })
            } else {
                points(q.id(), (start, end, 3600), |t| {
                    Some(if t == end - 3 * 3600 && !minimum {
                        120.0
                    } else {
                        5.0
                    })
                })
            }
        })
        .collect();
    GetMetricDataOutput::builder()
        .set_metric_data_results(Some(results))
        .build()
}

/// A query as sent: namespace, metric, dimensions, statistic, period.
type Asked = (String, String, Vec<(String, String)>, String, i32);

#[tokio::test]
async fn the_history_is_one_metric_call_with_the_lag_metric_at_two_periods() {
    let seen: Arc<Mutex<Vec<GetMetricDataInput>>> = Arc::default();
    let record = seen.clone();
    let metrics =
        mock!(aws_sdk_cloudwatch::Client::get_metric_data).then_compute_output(move |req| {
            record.lock().expect("not poisoned").push(req.clone());
            answer(req)
        });
    let fleet = fleet(mock_client!(
        aws_sdk_cloudwatch,
        RuleMode::MatchAny,
        [&metrics]
    ));
    let before = Timestamp::now();
    let snapshot = fleet.lag_history(&orders_dr()).await.expect("history");
    assert_eq!(
        metrics.num_calls(),
        1,
        "one GetMetricData per detail opened"
    );

    // The request: the replica's ReplicaLag, maximum and minimum, at 5 minutes and an hour,
    // over the 7 days up to a whole 5 minutes.
    let req = seen.lock().expect("not poisoned")[0].clone();
    let (start, end) = (
        secs(req.start_time().expect("start")),
        secs(req.end_time().expect("end")),
    );
    assert_eq!(end - start, 7 * 86_400);
    assert_eq!(end % 300, 0, "periods start on whole 5 minutes");
    assert!(end <= Timestamp::now().as_second() && end > before.as_second() - 300);
    let asked: Vec<Asked> = req
        .metric_data_queries()
        .iter()
        .map(|q| {
            let stat = q.metric_stat().expect("a metric stat");
            let metric = stat.metric().expect("a metric");
            (
                metric.namespace().unwrap_or_default().to_string(),
                metric.metric_name().unwrap_or_default().to_string(),
                metric
                    .dimensions()
                    .iter()
                    .map(|d| {
                        (
                            d.name().unwrap_or_default().to_string(),
                            d.value().unwrap_or_default().to_string(),
                        )
                    })
                    .collect(),
                stat.stat().unwrap_or_default().to_string(),
                stat.period().unwrap_or_default(),
            )
        })
        .collect();
    let series = |stat: &str, period: i32| {
        (
            "AWS/RDS".to_string(),
            "ReplicaLag".to_string(),
            vec![("DBInstanceIdentifier".to_string(), "orders-dr".to_string())],
            stat.to_string(),
            period,
        )
    };
    assert_eq!(
        asked,
        vec![
            series("Maximum", 300),
            series("Minimum", 300),
            series("Maximum", 3600),
            series("Minimum", 3600),
        ]
    );
    assert!(
        req.metric_data_queries()
            .iter()
            .all(|q| q.return_data() == Some(true))
    );

    // The answer, read back: the day is cut to 24 hours, its newest hour is a gap, the
    // period over the RPO is a stop (its minimum said -1).
    let h = snapshot.data;
    assert_eq!(h.of, orders_dr());
    assert_eq!(h.day.to.as_second(), end);
    assert_eq!(h.day.from.as_second(), end - 86_400);
    let day = h.day.by_period();
    assert_eq!(day.len(), 288);
    assert!(
        day[276..].iter().all(|s| *s == PeriodLag::Gap),
        "{:?}",
        &day[276..]
    );
    assert_eq!(day[264], PeriodLag::NotActive);
    assert_eq!(day[0], PeriodLag::Lag(Duration::from_secs(5)));
    let rpo = Duration::from_secs(60);
    let within_day = h.day.within_rpo(rpo);
    assert_eq!((within_day.within, within_day.gaps()), (288 - 12 - 1, 12));
    let week = h.week.by_period();
    assert_eq!(week.len(), 168);
    assert_eq!(week[165], PeriodLag::Lag(Duration::from_secs(120)));
    assert_eq!(h.week.within_rpo(rpo).within, 167);
    assert_eq!(h.week.span, HistorySpan::Week);
    assert!(h.day.problem.is_none() && h.week.problem.is_none());
}

/// CloudWatch's error answer: HTTP 400 with a CBOR body (the Rust SDK speaks Smithy RPC v2
/// CBOR to CloudWatch) and the query-compatible error code in its header.
fn cloudwatch_error(code: &str, message: &str) -> HttpResponse {
    fn text(out: &mut Vec<u8>, s: &str) {
        let len = u8::try_from(s.len()).expect("short");
        if len < 24 {
            out.push(0x60 + len);
        } else {
            out.extend([0x78, len]);
        }
        out.extend_from_slice(s.as_bytes());
    }
    let mut body = vec![0xA2];
    text(&mut body, "__type");
    text(&mut body, code);
    text(&mut body, "message");
    text(&mut body, message);
    let mut response = HttpResponse::new(
        StatusCode::try_from(400).expect("valid status"),
        SdkBody::from(body),
    );
    let headers = response.headers_mut();
    headers.insert("x-amzn-query-error", format!("{code};Sender"));
    headers.insert("smithy-protocol", "rpc-v2-cbor");
    headers.insert("content-type", "application/cbor");
    response
}

#[tokio::test(start_paused = true)]
async fn a_denied_history_fails_clearly_naming_the_call() {
    let denied = mock!(aws_sdk_cloudwatch::Client::get_metric_data).then_http_response(|| {
        cloudwatch_error(
            "AccessDenied",
            "User is not authorized to perform: cloudwatch:GetMetricData",
        )
    });
    let fleet = fleet(mock_client!(
        aws_sdk_cloudwatch,
        RuleMode::MatchAny,
        [&denied],
        |b: aws_sdk_cloudwatch::config::Builder| b
            .retry_config(CallLimits::READS.retry_config())
            .timeout_config(CallLimits::READS.timeout_config())
    ));
    let e = fleet
        .lag_history(&orders_dr())
        .await
        .expect_err("a denied read is no history");
    assert_eq!(e.kind, SourceErrorKind::AccessDenied);
    assert_eq!(e.call, "cloudwatch:GetMetricData");
    assert!(e.to_string().contains("not authorized"), "{e}");
    assert_eq!(denied.num_calls(), 1, "a denial is not retried");
}

#[tokio::test]
async fn a_replica_in_a_region_not_configured_is_refused_without_a_call() {
    let metrics = mock!(aws_sdk_cloudwatch::Client::get_metric_data)
        .then_output(|| GetMetricDataOutput::builder().build());
    let fleet = fleet(mock_client!(
        aws_sdk_cloudwatch,
        RuleMode::MatchAny,
        [&metrics]
    ));
    let elsewhere = HistoryOf {
        region: "ap-south-1".into(),
        ..orders_dr()
    };
    let e = fleet.lag_history(&elsewhere).await.expect_err("no clients");
    assert_eq!(e.kind, SourceErrorKind::Unreachable);
    assert!(e.to_string().contains("ap-south-1"), "{e}");
    assert_eq!(metrics.num_calls(), 0);
}
