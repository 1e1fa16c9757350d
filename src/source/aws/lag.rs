//! Replica lag from CloudWatch, for every replica of a region in one batched read:
//! `ReplicaLag` (seconds; -1 = replication not active; its maximum and its minimum, so that a
//! stop inside a minute is seen) for RDS read replicas, and for Aurora
//! global secondaries `AuroraGlobalDBRPOLag` (milliseconds), falling back to
//! `AuroraGlobalDBReplicationLag` where the engine does not publish the RPO lag. Both Aurora
//! metrics are published in the secondary's region, which is the region polled.

use super::cloudwatch::{MetricQuery, Series, SeriesAnswer, SeriesQuery, read_answers};
use super::time::{minute_floor, seconds_before};
use crate::fleet::{LagSample, LagSamples, Replica, ReplicaKind};
use crate::source::SourceError;
use jiff::Timestamp;
use std::collections::{HashMap, HashSet};
use std::sync::Mutex;
use std::time::Duration;

/// The sparkline's hour, at CloudWatch's one-minute resolution.
pub const HISTORY_SECS: i64 = 3600;
pub const PERIOD_SECS: i32 = 60;

/// The series to read for each replica, in replica order: two for an RDS replica (maximum,
/// then minimum); four for an Aurora global secondary: the RPO lag, then the replication lag,
/// each asked per (cluster, source region) and per cluster alone. CloudWatch matches a
/// dimension set exactly and the global metrics are published with the source region (the
/// primary's), so the cluster alone can find nothing; it is still asked, so that a metric
/// published without the region is found too. One of each pair answers.
pub fn queries_for(replicas: &[Replica]) -> Vec<MetricQuery> {
    let mut queries = Vec::new();
    for r in replicas {
        match r.kind {
            // The minimum as well as the maximum: within a minute a -1 (replication not
            // active) hides behind any positive sample in the maximum.
            ReplicaKind::RdsReadReplica => {
                for stat in ["Maximum", "Minimum"] {
                    queries.push(MetricQuery::from(SeriesQuery {
                        namespace: "AWS/RDS",
                        metric: "ReplicaLag",
                        dimension: "DBInstanceIdentifier",
                        value: r.id.clone(),
                        stat,
                    }));
                }
            }
            ReplicaKind::AuroraReader => queries.push(MetricQuery::from(SeriesQuery {
                namespace: "AWS/RDS",
                metric: "AuroraReplicaLag",
                dimension: "DBInstanceIdentifier",
                value: r.id.clone(),
                stat: "Maximum",
            })),
            // Seconds_Behind_Master: -1 when the binlog replica is not running, so the minimum
            // is read too, as for ReplicaLag.
            ReplicaKind::AuroraReplicaCluster => {
                for stat in ["Maximum", "Minimum"] {
                    queries.push(MetricQuery::from(SeriesQuery {
                        namespace: "AWS/RDS",
                        metric: "AuroraBinlogReplicaLag",
                        dimension: "DBClusterIdentifier",
                        value: r.id.clone(),
                        stat,
                    }));
                }
            }
            ReplicaKind::MultiAzClusterReader => {
                for stat in ["Maximum", "Minimum"] {
                    queries.push(MetricQuery::from(SeriesQuery {
                        namespace: "AWS/RDS",
                        metric: "ReplicaLag",
                        dimension: "DBInstanceIdentifier",
                        value: r.id.clone(),
                        stat,
                    }));
                }
            }
            ReplicaKind::AuroraGlobalSecondary => {
                for metric in ["AuroraGlobalDBRPOLag", "AuroraGlobalDBReplicationLag"] {
                    let series = SeriesQuery {
                        namespace: "AWS/RDS",
                        metric,
                        dimension: "DBClusterIdentifier",
                        value: r.id.clone(),
                        stat: "Maximum",
                    };
                    queries.push(MetricQuery {
                        series: series.clone(),
                        more_dimensions: vec![("SourceRegion", r.source_region.to_string())],
                    });
                    queries.push(MetricQuery::from(series));
                }
            }
        }
    }
    queries
}

/// Of the same metric asked under two dimension sets, the answer that has datapoints (the
/// first if both or neither do, keeping what CloudWatch said about it).
fn either(first: SeriesAnswer, second: SeriesAnswer) -> SeriesAnswer {
    if first.points.is_empty() && !second.points.is_empty() {
        second
    } else if first.points.is_empty() && first.problem.is_none() {
        SeriesAnswer {
            problem: second.problem,
            ..first
        }
    } else {
        first
    }
}

/// Lag samples from one series, `per_second` of its unit (1 for seconds, 1000 for ms). A
/// negative value is the metric saying replication is not active: never a lag of zero.
fn samples(series: &Series, per_second: f64) -> Vec<LagSample> {
    series
        .iter()
        .map(|&(at, value)| LagSample {
            at,
            lag: (value >= 0.0).then(|| Duration::from_secs_f64(value / per_second)),
        })
        .collect()
}

/// Marks each minute whose minimum was negative as "not active": replication stopped in that
/// minute, even if it also reported a lag. A stop is never hidden behind the maximum.
fn with_stops(mut by_max: Vec<LagSample>, minimum: &Series) -> Vec<LagSample> {
    let stopped: std::collections::HashSet<Timestamp> = minimum
        .iter()
        .filter(|(_, v)| *v < 0.0)
        .map(|(t, _)| *t)
        .collect();
    for s in &mut by_max {
        if stopped.contains(&s.at) {
            s.lag = None;
        }
    }
    by_max
}

/// What CloudWatch said about a series it did not answer in full, for the replica's row.
fn problem(metric: &str, answer: &SeriesAnswer) -> Option<String> {
    answer
        .problem
        .as_ref()
        .map(|p| format!("CloudWatch answered {metric} with {p}"))
}

/// Puts the answers read for `queries_for(replicas)` back on the replicas, as lag samples,
/// with what CloudWatch said about any series it did not answer in full.
pub fn apply(replicas: &mut [Replica], answers: Vec<SeriesAnswer>) {
    let mut answers = answers.into_iter();
    for r in replicas {
        let (samples, problem) = match r.kind {
            ReplicaKind::RdsReadReplica
            | ReplicaKind::MultiAzClusterReader
            | ReplicaKind::AuroraReplicaCluster => {
                let metric = if r.kind == ReplicaKind::AuroraReplicaCluster {
                    "AuroraBinlogReplicaLag"
                } else {
                    "ReplicaLag"
                };
                let max = answers.next().unwrap_or_default();
                let min = answers.next().unwrap_or_default();
                (
                    with_stops(samples(&max.points, 1.0), &min.points),
                    problem(metric, &max).or_else(|| problem(&format!("{metric} (minimum)"), &min)),
                )
            }
            ReplicaKind::AuroraReader => {
                let lag = answers.next().unwrap_or_default();
                (
                    samples(&lag.points, 1000.0),
                    problem("AuroraReplicaLag", &lag),
                )
            }
            ReplicaKind::AuroraGlobalSecondary => {
                let mut next = || answers.next().unwrap_or_default();
                let rpo = either(next(), next());
                let replication = either(next(), next());
                // The RPO lag where the engine publishes it; the replication lag where it
                // does not, or where the RPO lag could not be read but the other could.
                let use_rpo = !rpo.points.is_empty()
                    || (rpo.problem.is_some() && replication.points.is_empty());
                if use_rpo {
                    (
                        samples(&rpo.points, 1000.0),
                        problem("AuroraGlobalDBRPOLag", &rpo),
                    )
                } else {
                    (
                        samples(&replication.points, 1000.0),
                        problem("AuroraGlobalDBReplicationLag", &replication),
                    )
                }
            }
        };
        r.lag_samples = samples.into();
        r.lag_problem = problem;
    }
}

/// Reads the last hour of lag for all `replicas` of one region (one GetMetricData call per 500
/// series) and stores it on them.
pub async fn fill(
    cloudwatch: &aws_sdk_cloudwatch::Client,
    replicas: &mut [Replica],
    now: Timestamp,
) -> Result<(), SourceError> {
    if replicas.is_empty() {
        return Ok(());
    }
    let to = minute_floor(now);
    let from = seconds_before(to, HISTORY_SECS);
    let queries = queries_for(replicas);
    let answers = read_answers(cloudwatch, &queries, from, to, PERIOD_SECS).await?;
    apply(replicas, answers);
    Ok(())
}

/// The last lag each replica of each region was read with, so that a lag read that fails
/// leaves the history on screen (the sparkline, the detail) while the row says why the lag
/// now cannot be told. Only answers CloudWatch gave in full are remembered.
#[derive(Default)]
pub struct LastLag {
    by_replica: Mutex<HashMap<(String, String), LagSamples>>,
}

impl LastLag {
    /// Remembers the samples of `replicas`, all in `region`, read just now; forgets the
    /// region's replicas that are no longer listed.
    pub fn remember(&self, region: &str, replicas: &[Replica]) {
        let mut map = self.by_replica.lock().unwrap_or_else(|p| p.into_inner());
        let listed: HashSet<&str> = replicas.iter().map(|r| r.id.as_str()).collect();
        map.retain(|(reg, id), _| reg != region || listed.contains(id.as_str()));
        for r in replicas.iter().filter(|r| r.lag_problem.is_none()) {
            map.insert((region.to_string(), r.id.clone()), r.lag_samples.clone());
        }
    }

    /// Puts the last good samples back on `replicas` after a lag read that failed, with the
    /// failure as each replica's lag problem: history, never the lag now.
    pub fn recall(&self, region: &str, replicas: &mut [Replica], failure: &SourceError) {
        let map = self.by_replica.lock().unwrap_or_else(|p| p.into_inner());
        for r in replicas {
            r.lag_samples = map
                .get(&(region.to_string(), r.id.clone()))
                .cloned()
                .unwrap_or_default();
            r.lag_problem = Some(failure.to_string());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fleet::ReplicationState;

    fn replica(id: &str, kind: ReplicaKind) -> Replica {
        Replica {
            id: id.into(),
            region: "us-west-2".into(),
            source_id: "src".into(),
            source_region: "us-east-1".into(),
            engine: "postgres".into(),
            kind,
            state: ReplicationState::Replicating,
            lag_samples: LagSamples::new(),
            lag_problem: None,
        }
    }

    fn answer(points: Series) -> SeriesAnswer {
        SeriesAnswer {
            points,
            problem: None,
        }
    }

    fn at(min: i64) -> Timestamp {
        Timestamp::from_second(1_800_000_000 + min * 60).expect("valid")
    }

    #[test]
    fn rds_lag_is_seconds_and_minus_one_is_not_active() {
        let mut rs = vec![replica("db-1", ReplicaKind::RdsReadReplica)];
        let q = queries_for(&rs);
        assert_eq!(
            q.iter()
                .map(|q| (q.series.metric, q.series.stat))
                .collect::<Vec<_>>(),
            [("ReplicaLag", "Maximum"), ("ReplicaLag", "Minimum")]
        );
        apply(
            &mut rs,
            vec![
                answer(vec![(at(0), 4.5), (at(1), -1.0)]),
                answer(vec![(at(0), 4.0), (at(1), -1.0)]),
            ],
        );
        assert_eq!(
            rs[0].lag_samples.to_vec()[0].lag,
            Some(Duration::from_millis(4500))
        );
        assert_eq!(rs[0].lag_samples.to_vec()[1].lag, None);
    }

    #[test]
    fn aurora_prefers_rpo_lag_and_falls_back_to_replication_lag() {
        let mut rs = vec![
            replica("rds-a", ReplicaKind::RdsReadReplica),
            replica("global-b", ReplicaKind::AuroraGlobalSecondary),
            replica("global-c", ReplicaKind::AuroraGlobalSecondary),
        ];
        let q = queries_for(&rs);
        assert_eq!(q.len(), 10);
        // Per (cluster, source region) first, then per cluster alone.
        assert_eq!(
            (
                q[2].series.metric,
                q[2].series.dimension,
                q[2].series.value.as_str()
            ),
            ("AuroraGlobalDBRPOLag", "DBClusterIdentifier", "global-b")
        );
        assert_eq!(
            q[2].more_dimensions,
            vec![("SourceRegion", "us-east-1".to_string())]
        );
        assert!(q[3].more_dimensions.is_empty());
        assert_eq!(q[4].series.metric, "AuroraGlobalDBReplicationLag");
        apply(
            &mut rs,
            vec![
                answer(vec![(at(0), 1.0)]),
                answer(vec![(at(0), 0.5)]),
                // global-b: the RPO lag, found under the cluster and its source region.
                answer(vec![(at(0), 250.0)]),
                answer(vec![]),
                answer(vec![(at(0), 900.0)]),
                answer(vec![]),
                // global-c: no RPO lag at all; the replication lag, found by cluster alone.
                answer(vec![]),
                answer(vec![]),
                answer(vec![]),
                answer(vec![(at(0), 1500.0)]),
            ],
        );
        assert_eq!(
            rs[0].lag_samples.to_vec()[0].lag,
            Some(Duration::from_secs(1))
        );
        assert_eq!(
            rs[1].lag_samples.to_vec()[0].lag,
            Some(Duration::from_millis(250))
        );
        assert_eq!(
            rs[2].lag_samples.to_vec()[0].lag,
            Some(Duration::from_millis(1500))
        );
    }

    #[test]
    fn datapoints_off_the_minute_keep_their_time_and_value() {
        // CloudWatch's datapoints are not always a period apart, nor on whole seconds, and an
        // Aurora lag may have a fraction of a millisecond: each comes back as it was answered.
        let odd = |min: i64, secs: i64, nanos: i32| {
            Timestamp::new(at(min).as_second() + secs, nanos).expect("valid")
        };
        let points = vec![
            (at(0), 12.0),
            (odd(1, 17, 0), 15.5),
            (odd(2, 3, 250_000_000), 0.0),
            (at(5), 40.0),
        ];
        let mut rs = vec![replica("reader-1", ReplicaKind::AuroraReader)];
        apply(&mut rs, vec![answer(points.clone())]);
        let got: Vec<(Timestamp, Option<Duration>)> =
            rs[0].lag_samples.iter().map(|s| (s.at, s.lag)).collect();
        assert_eq!(
            got,
            [
                (at(0), Some(Duration::from_millis(12))),
                (odd(1, 17, 0), Some(Duration::from_micros(15_500))),
                (odd(2, 3, 250_000_000), Some(Duration::ZERO)),
                (at(5), Some(Duration::from_millis(40))),
            ],
            "no datapoint moved to a grid, none added for the minutes without one"
        );
        assert_eq!(
            rs[0].latest_sample().map(|s| s.at),
            Some(at(5)),
            "the newest is the last answered"
        );
    }
}
