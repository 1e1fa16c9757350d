//! The newest lag of one replica, for gates and pre-checks: one GetMetricData call asking for
//! every metric the replica could publish (a runbook names a replica, not its kind).

use crate::runbook::act::port::GlobalMember;
use crate::runbook::act::port::{ActionResult, Observed};
use crate::source::aws::actions::rds::global_of;
use crate::source::aws::calls;
use crate::source::aws::cloudwatch::{MetricQuery, SeriesQuery, to_metric_query};
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
/// on engines without it `AuroraGlobalDBReplicationLag` (milliseconds). CloudWatch matches a
/// dimension set exactly, and the global metrics are published with the primary's region as
/// `SourceRegion` beside the cluster (issue 9 item 13): asked per `source_regions` too, with
/// the query ids `rpo_N` and `replication_N` for the N-th of them.
fn queries(replica: &str, source_regions: &[String]) -> Vec<(String, MetricQuery)> {
    let query = |metric, dimension| SeriesQuery {
        namespace: "AWS/RDS",
        metric,
        dimension,
        value: replica.to_string(),
        stat: "Maximum",
    };
    let mut all = vec![(
        "instance".to_string(),
        MetricQuery::from(query("ReplicaLag", "DBInstanceIdentifier")),
    )];
    for (id, metric) in [
        ("rpo", "AuroraGlobalDBRPOLag"),
        ("replication", "AuroraGlobalDBReplicationLag"),
    ] {
        all.push((
            id.to_string(),
            MetricQuery::from(query(metric, "DBClusterIdentifier")),
        ));
        for (n, source) in source_regions.iter().enumerate() {
            all.push((
                format!("{id}_{n}"),
                MetricQuery {
                    series: query(metric, "DBClusterIdentifier"),
                    more_dimensions: vec![("SourceRegion", source.clone())],
                },
            ));
        }
    }
    all
}

/// The regions of the other members of the global database `replica` (a cluster in
/// `region`) is a secondary of: where its global metrics may say it replicates from. None
/// when it is in no global database.
async fn source_regions(
    rds: &aws_sdk_rds::Client,
    region: &str,
    replica: &str,
) -> Result<Vec<String>, SourceError> {
    let mut pages = rds.describe_global_clusters().into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| aws_error(calls::RDS_DESCRIBE_GLOBAL_CLUSTERS, e))?;
        for g in page.global_clusters() {
            let global = global_of(g);
            let mine = |m: &&GlobalMember| m.region == region && m.cluster == replica;
            if global.members.iter().any(|m| mine(&m)) {
                // The writer first: the region the metrics name while no switchover is on.
                let mut others: Vec<&GlobalMember> =
                    global.members.iter().filter(|m| !mine(m)).collect();
                others.sort_by_key(|m| !m.is_writer);
                let mut regions: Vec<String> = Vec::new();
                for m in others {
                    if !regions.contains(&m.region) {
                        regions.push(m.region.clone());
                    }
                }
                return Ok(regions);
            }
        }
    }
    Ok(Vec::new())
}

/// The newest datapoint of each series asked, by query id.
async fn newest_points(
    cloudwatch: &Client,
    queries: &[(String, MetricQuery)],
    from: Timestamp,
    to: Timestamp,
) -> ActionResult<Vec<(String, (Timestamp, f64))>> {
    let out = cloudwatch
        .get_metric_data()
        .set_metric_data_queries(Some(
            queries
                .iter()
                .map(|(id, q)| to_metric_query(id, q, PERIOD_SECS))
                .collect(),
        ))
        .start_time(to_aws(from))
        .end_time(to_aws(to))
        .scan_by(ScanBy::TimestampDescending)
        .send()
        .await
        .map_err(|e| aws_error(calls::CLOUDWATCH_GET_METRIC_DATA, e))?;
    Ok(out
        .metric_data_results()
        .iter()
        .filter_map(|result| {
            let newest = result
                .timestamps()
                .iter()
                .zip(result.values())
                .filter_map(|(t, v)| Some((from_aws(t)?, *v)))
                .max_by_key(|(t, _)| *t)?;
            Some((result.id()?.to_string(), newest))
        })
        .collect())
}

pub async fn replication_lag(
    cloudwatch: &Client,
    rds: &aws_sdk_rds::Client,
    region: &str,
    replica: &str,
) -> ActionResult<Observed<Option<Duration>>> {
    let to = minute_floor(Timestamp::now());
    let from = seconds_before(to, LOOKBACK_SECS);
    let lag = |(at, value): (Timestamp, f64), unit_secs: f64| {
        // A negative lag means replication is not running: never a lag of zero.
        let lag = (value >= 0.0).then(|| Duration::from_secs_f64(value * unit_secs));
        let period_end =
            Timestamp::from_second(at.as_second() + i64::from(PERIOD_SECS)).unwrap_or(at);
        Observed::new(lag, period_end)
    };
    let points = newest_points(cloudwatch, &queries(replica, &[]), from, to).await?;
    let newest = |points: &[(String, (Timestamp, f64))], of: &dyn Fn(&str) -> bool| {
        points
            .iter()
            .filter(|(id, _)| of(id))
            .map(|(_, p)| *p)
            .max_by_key(|(t, _)| *t)
    };
    if let Some(point) = newest(&points, &|id| id == "instance") {
        return Ok(lag(point, 1.0));
    }
    let global = |id: &str| id.starts_with("rpo") || id.starts_with("replication");
    if let Some(point) = newest(&points, &global) {
        return Ok(lag(point, 0.001));
    }
    // A global secondary's metrics are published with its source region: asked again with
    // each region of its global database. Global databases that cannot be read leave the
    // answer as it stands: no datapoints, which never passes a gate.
    let sources = source_regions(rds, region, replica).await;
    if let Ok(sources) = &sources
        && !sources.is_empty()
    {
        let points = newest_points(cloudwatch, &queries(replica, sources), from, to).await?;
        if let Some(point) = newest(&points, &global) {
            return Ok(lag(point, 0.001));
        }
    }
    let global_note = match &sources {
        Ok(sources) if sources.is_empty() => String::new(),
        Ok(sources) => format!(" (asked with source regions {})", sources.join(", ")),
        Err(e) => format!(" (its global database could not be read: {e})"),
    };
    Err(SourceError::new(
        SourceErrorKind::Other,
        calls::CLOUDWATCH_GET_METRIC_DATA,
        format!(
            "no lag datapoints for {replica} in {region} in the last {}m: CloudWatch publishes \
             ReplicaLag for read replicas and AuroraGlobalDBRPOLag for global secondaries \
             only{global_note}",
            LOOKBACK_SECS / 60
        ),
    ))
}
