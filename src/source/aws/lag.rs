//! Replica lag from CloudWatch, for every replica of a region in one batched read:
//! `ReplicaLag` (seconds; -1 = replication not active) for RDS read replicas, and for Aurora
//! global secondaries `AuroraGlobalDBRPOLag` (milliseconds), falling back to
//! `AuroraGlobalDBReplicationLag` where the engine does not publish the RPO lag. Both Aurora
//! metrics are published in the secondary's region, which is the region polled.

use super::cloudwatch::{SeriesQuery, read_series};
use super::time::{minute_floor, seconds_before};
use crate::fleet::{LagSample, Replica, ReplicaKind};
use crate::source::SourceError;
use jiff::Timestamp;
use std::time::Duration;

/// The sparkline's hour, at CloudWatch's one-minute resolution.
pub const HISTORY_SECS: i64 = 3600;
pub const PERIOD_SECS: i32 = 60;

/// The series to read for each replica, in replica order: one for an RDS replica, two (RPO lag,
/// then replication lag) for an Aurora global secondary.
pub fn queries_for(replicas: &[Replica]) -> Vec<SeriesQuery> {
    let mut queries = Vec::new();
    for r in replicas {
        match r.kind {
            ReplicaKind::RdsReadReplica => queries.push(SeriesQuery {
                namespace: "AWS/RDS",
                metric: "ReplicaLag",
                dimension: "DBInstanceIdentifier",
                value: r.id.clone(),
                stat: "Maximum",
            }),
            ReplicaKind::AuroraGlobalSecondary => {
                for metric in ["AuroraGlobalDBRPOLag", "AuroraGlobalDBReplicationLag"] {
                    queries.push(SeriesQuery {
                        namespace: "AWS/RDS",
                        metric,
                        dimension: "DBClusterIdentifier",
                        value: r.id.clone(),
                        stat: "Maximum",
                    });
                }
            }
        }
    }
    queries
}

/// Puts the series read for `queries_for(replicas)` back on the replicas, as lag samples.
pub fn apply(replicas: &mut [Replica], series: Vec<Vec<(Timestamp, f64)>>) {
    let mut series = series.into_iter();
    for r in replicas {
        r.lag_samples = match r.kind {
            ReplicaKind::RdsReadReplica => series
                .next()
                .unwrap_or_default()
                .into_iter()
                .map(|(at, secs)| LagSample {
                    at,
                    // -1 means replication is not running: never show that as a lag of zero.
                    lag: (secs >= 0.0).then(|| Duration::from_secs_f64(secs)),
                })
                .collect(),
            ReplicaKind::AuroraGlobalSecondary => {
                let rpo = series.next().unwrap_or_default();
                let replication = series.next().unwrap_or_default();
                let chosen = if rpo.is_empty() { replication } else { rpo };
                chosen
                    .into_iter()
                    .map(|(at, ms)| LagSample {
                        at,
                        lag: (ms >= 0.0).then(|| Duration::from_secs_f64(ms / 1000.0)),
                    })
                    .collect()
            }
        };
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
    let series = read_series(cloudwatch, &queries, from, to, PERIOD_SECS).await?;
    apply(replicas, series);
    Ok(())
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
            lag_samples: vec![],
            lag_problem: None,
        }
    }

    fn at(min: i64) -> Timestamp {
        Timestamp::from_second(1_800_000_000 + min * 60).expect("valid")
    }

    #[test]
    fn rds_lag_is_seconds_and_minus_one_is_not_active() {
        let mut rs = vec![replica("db-1", ReplicaKind::RdsReadReplica)];
        assert_eq!(queries_for(&rs)[0].metric, "ReplicaLag");
        apply(&mut rs, vec![vec![(at(0), 4.5), (at(1), -1.0)]]);
        assert_eq!(rs[0].lag_samples[0].lag, Some(Duration::from_millis(4500)));
        assert_eq!(rs[0].lag_samples[1].lag, None);
    }

    #[test]
    fn aurora_prefers_rpo_lag_and_falls_back_to_replication_lag() {
        let mut rs = vec![
            replica("rds-a", ReplicaKind::RdsReadReplica),
            replica("global-b", ReplicaKind::AuroraGlobalSecondary),
            replica("global-c", ReplicaKind::AuroraGlobalSecondary),
        ];
        let q = queries_for(&rs);
        assert_eq!(q.len(), 5);
        assert_eq!(
            (q[1].metric, q[1].dimension, q[1].value.as_str()),
            ("AuroraGlobalDBRPOLag", "DBClusterIdentifier", "global-b")
        );
        assert_eq!(q[2].metric, "AuroraGlobalDBReplicationLag");
        apply(
            &mut rs,
            vec![
                vec![(at(0), 1.0)],
                vec![(at(0), 250.0)],
                vec![(at(0), 900.0)],
                vec![],
                vec![(at(0), 1500.0)],
            ],
        );
        assert_eq!(rs[0].lag_samples[0].lag, Some(Duration::from_secs(1)));
        assert_eq!(rs[1].lag_samples[0].lag, Some(Duration::from_millis(250)));
        assert_eq!(rs[2].lag_samples[0].lag, Some(Duration::from_millis(1500)));
    }
}
