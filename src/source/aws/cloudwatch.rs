//! Batched metric reads. GetMetricData takes up to 500 queries per call, so one call per region
//! and refresh covers a whole fleet; a fleet past 500 queries takes one more call per 500.
//! Never one call per instance: that would be throttled long before a large fleet is covered.

use super::calls;
use super::error::aws_error;
use super::time::{from_aws, to_aws};
use crate::source::SourceError;
use aws_sdk_cloudwatch::Client;
use aws_sdk_cloudwatch::types::{
    Dimension, Metric, MetricDataQuery, MetricDataResult, MetricStat, ScanBy, StatusCode,
};
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

/// A series named by more than one dimension. CloudWatch matches a dimension set exactly: a
/// metric published per (cluster, source region) is not found by the cluster alone.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricQuery {
    pub series: SeriesQuery,
    /// Dimensions beside `series.dimension`.
    pub more_dimensions: Vec<(&'static str, String)>,
}

impl From<SeriesQuery> for MetricQuery {
    fn from(series: SeriesQuery) -> Self {
        Self {
            series,
            more_dimensions: Vec::new(),
        }
    }
}

/// Datapoints of one series, oldest first.
pub type Series = Vec<(Timestamp, f64)>;

/// What CloudWatch said about one series: its datapoints and whether they are all of them.
/// Each result of GetMetricData carries its own `StatusCode` and `Messages`: a series can be
/// denied or fail inside an answer that succeeded, and then its few (or no) datapoints are
/// not "no datapoints".
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SeriesAnswer {
    pub points: Series,
    /// `None` when CloudWatch said `Complete`; else what it said, in its words:
    /// `InternalError`, `Forbidden`, or `PartialData` left after every NextToken was followed.
    pub problem: Option<String>,
}

/// Reads every query over `[from, to)` at `period_secs` resolution. The answer has one series
/// per query, in the order asked. Per-series errors are dropped here: callers that judge
/// with the data use `read_answers`.
pub async fn read_series(
    cloudwatch: &Client,
    queries: &[SeriesQuery],
    from: Timestamp,
    to: Timestamp,
    period_secs: i32,
) -> Result<Vec<Series>, SourceError> {
    let queries: Vec<MetricQuery> = queries.iter().cloned().map(MetricQuery::from).collect();
    let answers = read_answers(cloudwatch, &queries, from, to, period_secs).await?;
    Ok(answers.into_iter().map(|a| a.points).collect())
}

/// Where one series stands while the pages of an answer come in.
#[derive(Default)]
struct Reading {
    points: Series,
    /// The status of the newest page that had this series: PartialData on one page and
    /// Complete on the next is complete.
    status: Option<StatusCode>,
    /// An error status seen on any page: it is not undone by a later page.
    failed: Option<StatusCode>,
    messages: Vec<String>,
}

impl Reading {
    fn take(&mut self, result: &MetricDataResult) {
        self.points.extend(
            result
                .timestamps()
                .iter()
                .zip(result.values())
                .filter_map(|(t, v)| Some((from_aws(t)?, *v))),
        );
        if let Some(status) = result.status_code() {
            // InternalError, Forbidden, and any status newer than this code.
            if !matches!(status, StatusCode::Complete | StatusCode::PartialData) {
                self.failed.get_or_insert_with(|| status.clone());
            }
            self.status = Some(status.clone());
        }
        for m in result.messages() {
            let said = match (m.code(), m.value()) {
                (Some(code), Some(value)) => format!("{code}: {value}"),
                (Some(text), None) | (None, Some(text)) => text.to_string(),
                (None, None) => continue,
            };
            if !self.messages.contains(&said) {
                self.messages.push(said);
            }
        }
    }

    fn finish(mut self) -> SeriesAnswer {
        self.points.sort_by_key(|(t, _)| *t);
        self.points.dedup_by_key(|(t, _)| *t);
        let problem = match (self.failed, self.status) {
            (Some(status), _) => Some(status.as_str().to_string()),
            (None, Some(StatusCode::PartialData)) => {
                Some("PartialData (the answer is partial)".to_string())
            }
            _ => None,
        }
        .map(|status| {
            if self.messages.is_empty() {
                status
            } else {
                format!("{status}: {}", self.messages.join("; "))
            }
        });
        SeriesAnswer {
            points: self.points,
            problem,
        }
    }
}

/// Reads every query over `[from, to)` at `period_secs` resolution, following NextToken to
/// the end of each answer, with what CloudWatch said about each series. The answer has one
/// entry per query, in the order asked.
pub async fn read_answers(
    cloudwatch: &Client,
    queries: &[MetricQuery],
    from: Timestamp,
    to: Timestamp,
    period_secs: i32,
) -> Result<Vec<SeriesAnswer>, SourceError> {
    let queries: Vec<(MetricQuery, i32)> =
        queries.iter().map(|q| (q.clone(), period_secs)).collect();
    read_answers_by_period(cloudwatch, &queries, from, to).await
}

/// As `read_answers`, each query at its own period (in seconds). One call covers one time
/// range, so queries of different resolutions over the same range share a call.
pub async fn read_answers_by_period(
    cloudwatch: &Client,
    queries: &[(MetricQuery, i32)],
    from: Timestamp,
    to: Timestamp,
) -> Result<Vec<SeriesAnswer>, SourceError> {
    let mut out: Vec<Reading> = std::iter::repeat_with(Reading::default)
        .take(queries.len())
        .collect();
    for (chunk_index, chunk) in queries.chunks(MAX_QUERIES_PER_CALL).enumerate() {
        let offset = chunk_index * MAX_QUERIES_PER_CALL;
        // Ids must start with a lower-case letter; the index finds the series again.
        let by_id: HashMap<String, usize> = (0..chunk.len())
            .map(|i| (format!("q{}", offset + i), offset + i))
            .collect();
        let data_queries: Vec<MetricDataQuery> = chunk
            .iter()
            .enumerate()
            .map(|(i, (q, period_secs))| {
                to_metric_query(&format!("q{}", offset + i), q, *period_secs)
            })
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
                if let Some(&index) = result.id().and_then(|id| by_id.get(id)) {
                    out[index].take(result);
                }
            }
            next_token = page.next_token().map(str::to_string);
            if next_token.is_none() {
                break;
            }
        }
    }
    Ok(out.into_iter().map(Reading::finish).collect())
}

pub fn to_query(id: &str, q: &SeriesQuery, period_secs: i32) -> MetricDataQuery {
    to_metric_query(id, &MetricQuery::from(q.clone()), period_secs)
}

/// The GetMetricData query for `q`, with all its dimensions.
pub fn to_metric_query(id: &str, q: &MetricQuery, period_secs: i32) -> MetricDataQuery {
    let dimension = |name: &str, value: &str| Dimension::builder().name(name).value(value).build();
    let dimensions = std::iter::once(dimension(q.series.dimension, &q.series.value))
        .chain(q.more_dimensions.iter().map(|(n, v)| dimension(n, v)))
        .collect();
    let q = &q.series;
    let metric = Metric::builder()
        .namespace(q.namespace)
        .metric_name(q.metric)
        .set_dimensions(Some(dimensions))
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
