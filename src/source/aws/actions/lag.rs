//! The newest lag of one replica, for gates and pre-checks: one GetMetricData call asking for
//! every metric the replica could publish (a runbook names a replica, not its kind).

use crate::runbook::act::port::{ActionResult, Observed};
use crate::source::aws::calls;
use crate::source::aws::cloudwatch::{SeriesQuery, to_query};
use crate::source::aws::error::aws_error;
use crate::source::aws::time::{from_aws, minute_floor, seconds_before, to_aws};
use crate::source::{SourceError, SourceErrorKind};
use aws_sdk_cloudwatch::Client;
use aws_sdk_cloudwatch::types::ScanBy;
use jiff::Timestamp;
use std::time::Duration;

/// How far back to look. Longer than the engine's five-minute limit on a datapoint's age, so
/// that a metric that stopped is reported with its age rather than as "no data".
const LOOKBACK_SECS: i64 = 15 * 60;
/// One datapoint per minute. A datapoint is stamped with the start of its minute but, being
/// that minute's maximum, describes the lag up to the minute's end: that end is when it was
/// observed, so its age is not overstated by up to a minute against a 1-minute RPO.
const PERIOD_SECS: i32 = 60;

/// The series, by query id: an RDS read replica publishes `ReplicaLag` (seconds; -1 when
/// replication is not running); an Aurora global secondary cluster `AuroraGlobalDBRPOLag`, or
/// on engines without it `AuroraGlobalDBReplicationLag` (milliseconds).
fn queries(replica: &str) -> [(&'static str, SeriesQuery); 3] {
    let query = |metric, dimension| SeriesQuery {
        namespace: "AWS/RDS",
        metric,
        dimension,
        value: replica.to_string(),
        stat: "Maximum",
    };
    [
        ("instance", query("ReplicaLag", "DBInstanceIdentifier")),
        ("rpo", query("AuroraGlobalDBRPOLag", "DBClusterIdentifier")),
        (
            "replication",
            query("AuroraGlobalDBReplicationLag", "DBClusterIdentifier"),
        ),
    ]
}

pub async fn replication_lag(
    cloudwatch: &Client,
    region: &str,
    replica: &str,
) -> ActionResult<Observed<Option<Duration>>> {
    let to = minute_floor(Timestamp::now());
    let from = seconds_before(to, LOOKBACK_SECS);
    let out = cloudwatch
        .get_metric_data()
        .set_metric_data_queries(Some(
            queries(replica)
                .iter()
                .map(|(id, q)| to_query(id, q, PERIOD_SECS))
                .collect(),
        ))
        .start_time(to_aws(from))
        .end_time(to_aws(to))
        .scan_by(ScanBy::TimestampDescending)
        .send()
        .await
        .map_err(|e| aws_error(calls::CLOUDWATCH_GET_METRIC_DATA, e))?;
    let newest = |id: &str| -> Option<(Timestamp, f64)> {
        let result = out
            .metric_data_results()
            .iter()
            .find(|r| r.id() == Some(id))?;
        result
            .timestamps()
            .iter()
            .zip(result.values())
            .filter_map(|(t, v)| Some((from_aws(t)?, *v)))
            .max_by_key(|(t, _)| *t)
    };
    let lag = |(at, value): (Timestamp, f64), unit_secs: f64| {
        // A negative lag means replication is not running: never a lag of zero.
        let lag = (value >= 0.0).then(|| Duration::from_secs_f64(value * unit_secs));
        let period_end =
            Timestamp::from_second(at.as_second() + i64::from(PERIOD_SECS)).unwrap_or(at);
        Observed::new(lag, period_end)
    };
    if let Some(point) = newest("instance") {
        return Ok(lag(point, 1.0));
    }
    if let Some(point) = newest("rpo").or_else(|| newest("replication")) {
        return Ok(lag(point, 0.001));
    }
    Err(SourceError::new(
        SourceErrorKind::Other,
        calls::CLOUDWATCH_GET_METRIC_DATA,
        format!(
            "no lag datapoints for {replica} in {region} in the last {}m: CloudWatch publishes \
             ReplicaLag for read replicas and AuroraGlobalDBRPOLag for global secondaries only",
            LOOKBACK_SECS / 60
        ),
    ))
}
