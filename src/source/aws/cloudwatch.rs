//! Batched metric reads. GetMetricData takes up to 500 queries per call, so one call per region
//! and refresh covers a whole fleet; a fleet past 500 queries takes one more call per 500.
//! Never one call per instance: that would be throttled long before a large fleet is covered.

use super::calls;
use super::error::aws_error;
use super::time::{from_aws, to_aws};
use crate::source::SourceError;
use aws_sdk_cloudwatch::Client;
use aws_sdk_cloudwatch::types::{Dimension, Metric, MetricDataQuery, MetricStat, ScanBy};
use jiff::Timestamp;
use std::collections::HashMap;

/// The most queries GetMetricData accepts in one call.
pub const MAX_QUERIES_PER_CALL: usize = 500;

/// One metric series with a single dimension, e.g. `AWS/RDS ReplicaLag` of one instance.
#[derive(Debug, Clone, PartialEq)]
pub struct SeriesQuery {
    pub namespace: &'static str,
    pub metric: &'static str,
    pub dimension: &'static str,
    pub value: String,
    /// `Maximum`, `Minimum`, `Average`...
    pub stat: &'static str,
}

/// Datapoints of one series, oldest first.
pub type Series = Vec<(Timestamp, f64)>;

/// Reads every query over `[from, to)` at `period_secs` resolution. The answer has one series
/// per query, in the order asked.
pub async fn read_series(
    cloudwatch: &Client,
    queries: &[SeriesQuery],
    from: Timestamp,
    to: Timestamp,
    period_secs: i32,
) -> Result<Vec<Series>, SourceError> {
    let mut out: Vec<Series> = vec![Vec::new(); queries.len()];
    for (chunk_index, chunk) in queries.chunks(MAX_QUERIES_PER_CALL).enumerate() {
        let offset = chunk_index * MAX_QUERIES_PER_CALL;
        // Ids must start with a lower-case letter; the index finds the series again.
        let by_id: HashMap<String, usize> = (0..chunk.len())
            .map(|i| (format!("q{}", offset + i), offset + i))
            .collect();
        let data_queries: Vec<MetricDataQuery> = chunk
            .iter()
            .enumerate()
            .map(|(i, q)| to_query(&format!("q{}", offset + i), q, period_secs))
            .collect();
        let mut next_token: Option<String> = None;
        loop {
            // A long answer continues under a token; that is the same request, not another batch.
            let page = cloudwatch
                .get_metric_data()
                .set_metric_data_queries(Some(data_queries.clone()))
                .start_time(to_aws(from))
                .end_time(to_aws(to))
                .scan_by(ScanBy::TimestampAscending)
                .set_next_token(next_token.take())
                .send()
                .await
                .map_err(|e| aws_error(calls::CLOUDWATCH_GET_METRIC_DATA, e))?;
            for result in page.metric_data_results() {
                let Some(&index) = result.id().and_then(|id| by_id.get(id)) else {
                    continue;
                };
                let points = result
                    .timestamps()
                    .iter()
                    .zip(result.values())
                    .filter_map(|(t, v)| Some((from_aws(t)?, *v)));
                out[index].extend(points);
            }
            next_token = page.next_token().map(str::to_string);
            if next_token.is_none() {
                break;
            }
        }
    }
    for series in &mut out {
        series.sort_by_key(|(t, _)| *t);
        series.dedup_by_key(|(t, _)| *t);
    }
    Ok(out)
}

pub fn to_query(id: &str, q: &SeriesQuery, period_secs: i32) -> MetricDataQuery {
    let metric = Metric::builder()
        .namespace(q.namespace)
        .metric_name(q.metric)
        .dimensions(
            Dimension::builder()
                .name(q.dimension)
                .value(&q.value)
                .build(),
        )
        .build();
    MetricDataQuery::builder()
        .id(id)
        .metric_stat(
            MetricStat::builder()
                .metric(metric)
                .period(period_secs)
                .stat(q.stat)
                .build(),
        )
        .return_data(true)
        .build()
}
