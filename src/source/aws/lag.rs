//! Replica lag from CloudWatch, for every replica of a region in one batched read: ONE series
//! per replica and refresh, so a region of n replicas takes ceil(n / 500) GetMetricData calls
//! and the bill (priced per metric requested) is what one call per replica would cost.
//!
//! - RDS read replicas and Multi-AZ DB cluster readers: `ReplicaLag` (seconds; -1 =
//!   replication not active), its maximum per minute.
//! - Aurora readers: `AuroraReplicaLag` (milliseconds), its maximum.
//! - Aurora MySQL binlog replica clusters: `AuroraBinlogReplicaLag` (seconds; -1 = not
//!   running), its maximum.
//! - Aurora global secondaries: `AuroraGlobalDBRPOLag` or `AuroraGlobalDBReplicationLag`
//!   (milliseconds), published in the secondary's region, the region polled. Which one, and
//!   under which dimensions, is chosen per replica (`GlobalLag::candidates`) and remembered
//!   once a series answers (`SeriesChoices`).
//!
//! What the maximum alone gives up: a minute that mixes -1 ("not active") with a positive
//! sample reads as its lag. What still catches a stop: a replication that stays stopped
//! reports -1 for every minute after, whose maximum is -1: "not active", CRIT, at most a
//! minute later than the minimum showed it. For an RDS read replica, RDS's own replication
//! status comes first (`ReplicationState::Broken` from DescribeDBInstances' read-replication
//! status info), judged CRIT whatever the lag says and sooner than CloudWatch, whose minute
//! arrives a minute or two late. For a Multi-AZ DB cluster reader only its instance status
//! is read, and for a binlog replica cluster its cluster status (any status RDS reports as
//! broken is CRIT): a binlog or cluster replication that stops while those stay `available`
//! shows from its first whole minute of -1. The detail's history (`lag_history`), one call on
//! demand, still reads the minimum beside the maximum (`all_series_for`).

use super::cloudwatch::{
    MAX_QUERIES_PER_CALL, MetricQuery, Series, SeriesAnswer, SeriesQuery, read_answers,
};
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

/// The two lag metrics of an Aurora global secondary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GlobalMetric {
    /// `AuroraGlobalDBRPOLag`: how far behind the secondary is in user transactions.
    Rpo,
    /// `AuroraGlobalDBReplicationLag`: the lag replicating updates from the primary region.
    Replication,
}

/// How many series an Aurora global secondary's lag may be published as: two metrics, each
/// under two dimension sets.
pub const CANDIDATES: usize = 4;

/// One series an Aurora global secondary's lag may be published as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct GlobalLag {
    pub metric: GlobalMetric,
    /// With the `SourceRegion` dimension (the primary's region) beside `DBClusterIdentifier`.
    /// CloudWatch matches a dimension set exactly: a series asked under the other set is empty.
    pub by_source_region: bool,
}

impl GlobalLag {
    /// The series to try for a secondary of `engine`, most likely first.
    ///
    /// Which metric: "For all Aurora PostgreSQL-based global databases and for Aurora
    /// MySQL-based global databases starting with engine versions 3.04.0 and higher or 2.12.0
    /// and higher, use Amazon CloudWatch to view the `AuroraGlobalDBRPOLag` metric [...]. For
    /// lower minor versions of Aurora MySQL-based global databases, view the
    /// `AuroraGlobalDBReplicationLag` metric instead."
    /// (<https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/aurora-global-database-disaster-recovery.html>);
    /// both are listed for Aurora MySQL and Aurora PostgreSQL, in milliseconds, in
    /// <https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/Aurora.AuroraMonitoring.Metrics.html>.
    /// A replica carries its engine but not its engine version, so for Aurora MySQL the
    /// version decides nothing here: the RPO lag first (current versions), the replication
    /// lag next.
    ///
    /// Which dimensions: <https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/dimensions.html>
    /// lists `DBClusterIdentifier` and `SourceRegion` but not which set each metric is
    /// published under. The set with the source region comes first (what issue 9 item 13
    /// found: the cluster alone finds nothing), the cluster alone after it.
    pub fn candidates(engine: &str) -> [GlobalLag; CANDIDATES] {
        use GlobalMetric::{Replication, Rpo};
        let lag = |metric, by_source_region| GlobalLag {
            metric,
            by_source_region,
        };
        if engine.starts_with("aurora-postgresql") {
            // Every PostgreSQL version publishes the RPO lag: only its dimensions are open.
            [
                lag(Rpo, true),
                lag(Rpo, false),
                lag(Replication, true),
                lag(Replication, false),
            ]
        } else {
            [
                lag(Rpo, true),
                lag(Replication, true),
                lag(Rpo, false),
                lag(Replication, false),
            ]
        }
    }

    fn metric_name(self) -> &'static str {
        match self.metric {
            GlobalMetric::Rpo => "AuroraGlobalDBRPOLag",
            GlobalMetric::Replication => "AuroraGlobalDBReplicationLag",
        }
    }
}

/// The one series read for a replica in a refresh.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LagSeries {
    /// `ReplicaLag` by `DBInstanceIdentifier`, seconds.
    ReplicaLag,
    /// `AuroraReplicaLag` by `DBInstanceIdentifier`, milliseconds.
    AuroraReplicaLag,
    /// `AuroraBinlogReplicaLag` by `DBClusterIdentifier`, seconds.
    AuroraBinlogReplicaLag,
    /// An Aurora global metric by `DBClusterIdentifier` (and `SourceRegion`), milliseconds.
    Global(GlobalLag),
}

impl LagSeries {
    /// The series of a replica of a kind that has only one.
    fn only_one(kind: ReplicaKind) -> Option<LagSeries> {
        match kind {
            ReplicaKind::RdsReadReplica | ReplicaKind::MultiAzClusterReader => {
                Some(LagSeries::ReplicaLag)
            }
            ReplicaKind::AuroraReader => Some(LagSeries::AuroraReplicaLag),
            ReplicaKind::AuroraReplicaCluster => Some(LagSeries::AuroraBinlogReplicaLag),
            ReplicaKind::AuroraGlobalSecondary => None,
        }
    }

    pub fn metric_name(self) -> &'static str {
        match self {
            LagSeries::ReplicaLag => "ReplicaLag",
            LagSeries::AuroraReplicaLag => "AuroraReplicaLag",
            LagSeries::AuroraBinlogReplicaLag => "AuroraBinlogReplicaLag",
            LagSeries::Global(g) => g.metric_name(),
        }
    }

    /// Units of the metric per second of lag.
    fn per_second(self) -> f64 {
        match self {
            LagSeries::ReplicaLag | LagSeries::AuroraBinlogReplicaLag => 1.0,
            LagSeries::AuroraReplicaLag | LagSeries::Global(_) => 1000.0,
        }
    }

    /// The query for `r`'s series: the maximum of each minute.
    pub fn query(self, r: &Replica) -> MetricQuery {
        let (dimension, more_dimensions) = match self {
            LagSeries::ReplicaLag | LagSeries::AuroraReplicaLag => {
                ("DBInstanceIdentifier", Vec::new())
            }
            LagSeries::AuroraBinlogReplicaLag => ("DBClusterIdentifier", Vec::new()),
            LagSeries::Global(g) => (
                "DBClusterIdentifier",
                if g.by_source_region {
                    vec![("SourceRegion", r.source_region.to_string())]
                } else {
                    Vec::new()
                },
            ),
        };
        MetricQuery {
            series: SeriesQuery {
                namespace: "AWS/RDS",
                metric: self.metric_name(),
                dimension,
                value: r.id.clone(),
                stat: "Maximum",
            },
            more_dimensions,
        }
    }
}

/// What the lag read remembers of each Aurora global secondary between refreshes: the series
/// that last answered with datapoints, or where to go on looking.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SeriesChoice {
    /// This series answered: it is the one asked, alone, from now on.
    Answered(GlobalLag),
    /// None answered yet (or the one that did went empty): the candidate to ask next, by
    /// its index in `GlobalLag::candidates`.
    Next(usize),
}

/// The choices of one region's secondaries, by replica id.
pub type SeriesChoices = HashMap<String, SeriesChoice>;

/// One query of a refresh: whose, and which series.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Asked {
    /// The replica's index in the slice planned for.
    pub replica: usize,
    pub series: LagSeries,
}

/// The queries of one refresh for `replicas`: one per replica, in replica order, so that
/// n replicas take ceil(n / 500) calls. A global secondary asks the series `choices` says
/// answered it, else the next candidate. Secondaries no series has answered yet also ask
/// their other candidates, after everything else, only as far as the room the last call has
/// left (never one call more): what finds no room is asked on the next refresh. Until a
/// series answers, the secondary has no datapoints: "no lag datapoints", never a lag of 0.
pub fn plan(replicas: &[Replica], choices: &SeriesChoices) -> Vec<Asked> {
    let mut asked = Vec::with_capacity(replicas.len());
    let mut looking = Vec::new();
    for (i, r) in replicas.iter().enumerate() {
        let series = match LagSeries::only_one(r.kind) {
            Some(only) => only,
            None => {
                let candidates = GlobalLag::candidates(&r.engine);
                match choices.get(&r.id) {
                    Some(SeriesChoice::Answered(g)) => LagSeries::Global(*g),
                    Some(SeriesChoice::Next(n)) => {
                        looking.push((i, *n));
                        LagSeries::Global(candidates[n % CANDIDATES])
                    }
                    None => {
                        looking.push((i, 0));
                        LagSeries::Global(candidates[0])
                    }
                }
            }
        };
        asked.push(Asked { replica: i, series });
    }
    let room = replicas.len().div_ceil(MAX_QUERIES_PER_CALL) * MAX_QUERIES_PER_CALL;
    // The other candidates, the likeliest of every secondary before the next of any.
    for step in 1..CANDIDATES {
        for &(i, first) in &looking {
            if asked.len() >= room {
                return asked;
            }
            let candidates = GlobalLag::candidates(&replicas[i].engine);
            asked.push(Asked {
                replica: i,
                series: LagSeries::Global(candidates[(first + step) % CANDIDATES]),
            });
        }
    }
    asked
}

/// The queries of `plan`, in its order.
pub fn queries(replicas: &[Replica], asked: &[Asked]) -> Vec<MetricQuery> {
    asked
        .iter()
        .map(|a| a.series.query(&replicas[a.replica]))
        .collect()
}

/// Puts the answers to `asked` (in its order) back on the replicas as lag samples, with what
/// CloudWatch said about a series it did not answer in full, and updates each global
/// secondary's choice: of the series asked for one replica, the likeliest with datapoints is
/// read and remembered; if none had any, the replica has no samples ("no lag datapoints",
/// or what CloudWatch said went wrong) and the next refresh asks the candidate after those.
pub fn apply_asked(
    replicas: &mut [Replica],
    asked: &[Asked],
    answers: Vec<SeriesAnswer>,
    choices: &mut SeriesChoices,
) {
    let mut by_replica: Vec<Vec<(LagSeries, SeriesAnswer)>> = vec![Vec::new(); replicas.len()];
    for (a, answer) in asked.iter().zip(answers) {
        by_replica[a.replica].push((a.series, answer));
    }
    for (r, mut got) in replicas.iter_mut().zip(by_replica) {
        // A global series' place among the replica's candidates; any other series is alone.
        let rank = |s: &LagSeries| match s {
            LagSeries::Global(g) => GlobalLag::candidates(&r.engine).iter().position(|c| c == g),
            _ => None,
        };
        // Asked in the order of the rotation: the last one asked is the furthest in it.
        let furthest = got.last().and_then(|(s, _)| rank(s));
        got.sort_by_key(|(s, _)| rank(s));
        let answered = got.iter().position(|(_, a)| !a.points.is_empty());
        let (samples, problem) = match answered {
            Some(i) => {
                let (series, answer) = &got[i];
                (
                    samples(&answer.points, series.per_second()),
                    problem(series.metric_name(), answer),
                )
            }
            // Nothing to read: what CloudWatch said went wrong, if anything did; else no
            // datapoints, which is "cannot tell", never a lag of zero.
            None => (
                Vec::new(),
                got.iter()
                    .find_map(|(series, answer)| problem(series.metric_name(), answer)),
            ),
        };
        if r.kind == ReplicaKind::AuroraGlobalSecondary {
            let choice = match answered.map(|i| got[i].0) {
                Some(LagSeries::Global(g)) => SeriesChoice::Answered(g),
                _ => SeriesChoice::Next(furthest.map_or(0, |k| (k + 1) % CANDIDATES)),
            };
            choices.insert(r.id.clone(), choice);
        }
        r.lag_samples = samples.into();
        r.lag_problem = problem;
    }
}

/// Every series a replica's lag may be read from, in replica order, for a one-off read
/// (the detail's history, one call on demand, where the count does not add up over a fleet):
/// two for an RDS replica, a Multi-AZ reader or a binlog replica cluster (maximum, then
/// minimum, so that a minute with a -1 in it reads "not active"); four for an Aurora global
/// secondary: the RPO lag, then the replication lag, each asked per (cluster, source region)
/// and per cluster alone. Read back with `apply_all_series`.
pub fn all_series_for(replicas: &[Replica]) -> Vec<MetricQuery> {
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

/// Puts the answers read for `all_series_for(replicas)` back on the replicas, as lag samples,
/// with what CloudWatch said about any series it did not answer in full.
pub fn apply_all_series(replicas: &mut [Replica], answers: Vec<SeriesAnswer>) {
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

/// Reads the last hour of lag for all `replicas` of `region` (one series per replica, one
/// GetMetricData call per 500) and stores it on them; `last` keeps which series answered each
/// Aurora global secondary, for the next refresh.
pub async fn fill(
    cloudwatch: &aws_sdk_cloudwatch::Client,
    region: &str,
    replicas: &mut [Replica],
    now: Timestamp,
    last: &LastLag,
) -> Result<(), SourceError> {
    if replicas.is_empty() {
        last.keep_choices(region, SeriesChoices::new());
        return Ok(());
    }
    let to = minute_floor(now);
    let from = seconds_before(to, HISTORY_SECS);
    let mut choices = last.choices(region);
    let asked = plan(replicas, &choices);
    let answers = read_answers(
        cloudwatch,
        &queries(replicas, &asked),
        from,
        to,
        PERIOD_SECS,
    )
    .await?;
    apply_asked(replicas, &asked, answers, &mut choices);
    let listed: HashSet<&str> = replicas.iter().map(|r| r.id.as_str()).collect();
    choices.retain(|id, _| listed.contains(id.as_str()));
    last.keep_choices(region, choices);
    Ok(())
}

/// The last lag each replica of each region was read with, so that a lag read that fails
/// leaves the history on screen (the sparkline, the detail) while the row says why the lag
/// now cannot be told. Only answers CloudWatch gave in full are remembered. Also which series
/// answered each Aurora global secondary (`SeriesChoices`), so that it is asked alone.
#[derive(Default)]
pub struct LastLag {
    by_replica: Mutex<HashMap<(String, String), LagSamples>>,
    choices: Mutex<HashMap<String, SeriesChoices>>,
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

    /// Which series answered `region`'s global secondaries, as last read.
    pub fn choices(&self, region: &str) -> SeriesChoices {
        let map = self.choices.lock().unwrap_or_else(|p| p.into_inner());
        map.get(region).cloned().unwrap_or_default()
    }

    fn keep_choices(&self, region: &str, choices: SeriesChoices) {
        let mut map = self.choices.lock().unwrap_or_else(|p| p.into_inner());
        map.insert(region.to_string(), choices);
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

    /// Plans one refresh for `rs`, answers it with `answer(replica id, series)`, and applies
    /// the answers: what the refresh asked.
    fn refresh(
        rs: &mut [Replica],
        choices: &mut SeriesChoices,
        answer: impl Fn(&str, LagSeries) -> SeriesAnswer,
    ) -> Vec<Asked> {
        let asked = plan(rs, choices);
        let answers = asked
            .iter()
            .map(|a| answer(&rs[a.replica].id, a.series))
            .collect();
        apply_asked(rs, &asked, answers, choices);
        asked
    }

    fn global(id: &str, engine: &str) -> Replica {
        Replica {
            engine: engine.into(),
            ..replica(id, ReplicaKind::AuroraGlobalSecondary)
        }
    }

    const KINDS: [ReplicaKind; 5] = [
        ReplicaKind::RdsReadReplica,
        ReplicaKind::MultiAzClusterReader,
        ReplicaKind::AuroraReader,
        ReplicaKind::AuroraReplicaCluster,
        ReplicaKind::AuroraGlobalSecondary,
    ];

    /// Issue 10, benchmark 2: one series per replica whatever its kind (was two for RDS
    /// replicas, Multi-AZ readers and binlog replica clusters, four for global secondaries),
    /// each the maximum of the minute under the dimensions its metric is published with.
    #[test]
    fn one_query_per_replica_of_each_kind() {
        let rs: Vec<Replica> = KINDS
            .iter()
            .enumerate()
            .map(|(i, &kind)| Replica {
                engine: "aurora-postgresql".into(),
                ..replica(&format!("r{i}"), kind)
            })
            .collect();
        // Five replicas leave the call room for more: the secondary is known, so none is used.
        let choices = SeriesChoices::from([(
            "r4".to_string(),
            SeriesChoice::Answered(GlobalLag {
                metric: GlobalMetric::Rpo,
                by_source_region: true,
            }),
        )]);
        let asked = plan(&rs, &choices);
        // Whose, metric, dimension, statistic, other dimensions.
        type Shape<'a> = (usize, &'a str, &'a str, &'a str, Vec<(&'a str, String)>);
        let shape: Vec<Shape> = queries(&rs, &asked)
            .into_iter()
            .zip(&asked)
            .map(|(q, a)| {
                (
                    a.replica,
                    q.series.metric,
                    q.series.dimension,
                    q.series.stat,
                    q.more_dimensions,
                )
            })
            .collect();
        assert_eq!(
            shape,
            [
                (0, "ReplicaLag", "DBInstanceIdentifier", "Maximum", vec![]),
                (1, "ReplicaLag", "DBInstanceIdentifier", "Maximum", vec![]),
                (
                    2,
                    "AuroraReplicaLag",
                    "DBInstanceIdentifier",
                    "Maximum",
                    vec![]
                ),
                (
                    3,
                    "AuroraBinlogReplicaLag",
                    "DBClusterIdentifier",
                    "Maximum",
                    vec![]
                ),
                (
                    4,
                    "AuroraGlobalDBRPOLag",
                    "DBClusterIdentifier",
                    "Maximum",
                    vec![("SourceRegion", "us-east-1".to_string())]
                ),
            ]
        );
    }

    /// 1,000 replicas of every kind in a region: 1,000 queries, two calls of 500. With 999,
    /// the one place left in the second call is all a secondary still looking may use.
    #[test]
    fn a_region_of_1000_replicas_takes_two_calls() {
        for n in [1000, 999] {
            let rs: Vec<Replica> = (0..n)
                .map(|i| replica(&format!("r{i}"), KINDS[i % KINDS.len()]))
                .collect();
            let asked = plan(&rs, &SeriesChoices::new());
            assert_eq!(asked.len(), 1000, "{n} replicas");
            for (i, r) in rs.iter().enumerate() {
                assert_eq!(asked[i].replica, i, "each replica's own query, in order");
                assert_eq!(
                    asked.iter().filter(|a| a.replica == i).count() > 1,
                    n == 999 && i == 4,
                    "{}",
                    r.id
                );
            }
            assert_eq!(queries(&rs, &asked).chunks(MAX_QUERIES_PER_CALL).count(), 2);
        }
    }

    #[test]
    fn rds_lag_is_seconds_and_a_minute_of_minus_one_is_not_active() {
        let mut rs = vec![replica("db-1", ReplicaKind::RdsReadReplica)];
        refresh(&mut rs, &mut SeriesChoices::new(), |_, series| {
            assert_eq!(series, LagSeries::ReplicaLag);
            answer(vec![(at(0), 4.5), (at(1), -1.0)])
        });
        assert_eq!(
            rs[0].lag_samples.to_vec()[0].lag,
            Some(Duration::from_millis(4500))
        );
        assert_eq!(rs[0].lag_samples.to_vec()[1].lag, None);
    }

    fn the(metric: GlobalMetric, by_source_region: bool) -> LagSeries {
        LagSeries::Global(GlobalLag {
            metric,
            by_source_region,
        })
    }

    /// A secondary of an Aurora MySQL version before 3.04 / 2.12 publishes only the
    /// replication lag: it is asked in the room the call has left, found in the same refresh,
    /// and from then on it is the only series asked for that secondary.
    #[test]
    fn a_secondary_finds_its_series_in_the_room_left_and_keeps_it() {
        let mut rs = vec![
            replica("rds-a", ReplicaKind::RdsReadReplica),
            global("mysql-old", "aurora-mysql"),
        ];
        let mut choices = SeriesChoices::new();
        let published = the(GlobalMetric::Replication, true);
        let answer_as_cloudwatch = |id: &str, series| match (id, series) {
            ("rds-a", _) => answer(vec![(at(0), 1.0)]),
            (_, s) if s == published => answer(vec![(at(0), 1500.0)]),
            _ => answer(vec![]),
        };
        let asked = refresh(&mut rs, &mut choices, answer_as_cloudwatch);
        assert_eq!(
            asked
                .iter()
                .map(|a| (a.replica, a.series))
                .collect::<Vec<_>>(),
            [
                (0, LagSeries::ReplicaLag),
                (1, the(GlobalMetric::Rpo, true)),
                (1, published),
                (1, the(GlobalMetric::Rpo, false)),
                (1, the(GlobalMetric::Replication, false)),
            ]
        );
        assert_eq!(
            rs[1].lag_samples.to_vec()[0].lag,
            Some(Duration::from_millis(1500))
        );
        let asked = refresh(&mut rs, &mut choices, answer_as_cloudwatch);
        assert_eq!(
            asked
                .iter()
                .map(|a| (a.replica, a.series))
                .collect::<Vec<_>>(),
            [(0, LagSeries::ReplicaLag), (1, published)],
            "one series per replica once it is known"
        );
        assert_eq!(
            rs[1].lag_samples.to_vec()[0].lag,
            Some(Duration::from_millis(1500))
        );
    }

    /// Of two series with datapoints the likeliest is read: the RPO lag, for PostgreSQL
    /// under the source region first, then under the cluster alone.
    #[test]
    fn the_rpo_lag_is_preferred_where_both_answer() {
        assert_eq!(
            GlobalLag::candidates("aurora-postgresql").map(LagSeries::Global),
            [
                the(GlobalMetric::Rpo, true),
                the(GlobalMetric::Rpo, false),
                the(GlobalMetric::Replication, true),
                the(GlobalMetric::Replication, false),
            ]
        );
        let mut rs = vec![global("pg", "aurora-postgresql")];
        let mut choices = SeriesChoices::new();
        refresh(&mut rs, &mut choices, |_, series| match series {
            LagSeries::Global(GlobalLag {
                metric: GlobalMetric::Rpo,
                by_source_region: false,
            }) => answer(vec![(at(0), 250.0)]),
            _ => answer(vec![(at(0), 900.0)]),
        });
        assert_eq!(
            rs[0].lag_samples.to_vec()[0].lag,
            Some(Duration::from_millis(900)),
            "the RPO lag under the source region, the likeliest"
        );
        assert_eq!(
            choices.get("pg"),
            Some(&SeriesChoice::Answered(GlobalLag {
                metric: GlobalMetric::Rpo,
                by_source_region: true
            }))
        );
    }

    /// A full last call leaves no room: the secondary's next candidate waits for the next
    /// refresh, and meanwhile its empty series is "no lag datapoints", never a lag of zero.
    #[test]
    fn without_room_an_empty_series_is_no_data_and_the_next_refresh_asks_the_next_series() {
        let mut rs: Vec<Replica> = (0..499)
            .map(|i| replica(&format!("db-{i}"), ReplicaKind::RdsReadReplica))
            .collect();
        rs.push(global("old", "aurora-mysql"));
        let mut choices = SeriesChoices::new();
        let published = the(GlobalMetric::Replication, true);
        let answer_as_cloudwatch = |id: &str, series| {
            if id != "old" || series == published {
                answer(vec![(at(0), 2.0)])
            } else {
                answer(vec![])
            }
        };
        let asked = refresh(&mut rs, &mut choices, answer_as_cloudwatch);
        assert_eq!(asked.len(), 500, "one call, full");
        let old = &rs[499];
        assert!(old.lag_samples.is_empty());
        assert_eq!(old.lag_problem, None);
        assert_eq!(old.current_lag(at(1)), None, "no lag now, not zero");
        assert_eq!(old.lag_reading(at(1)), crate::fleet::LagReading::NoData);
        assert_eq!(choices.get("old"), Some(&SeriesChoice::Next(1)));
        let asked = refresh(&mut rs, &mut choices, answer_as_cloudwatch);
        assert_eq!(asked.len(), 500);
        assert_eq!(asked[499].series, published);
        assert_eq!(
            rs[499].lag_samples.to_vec()[0].lag,
            Some(Duration::from_millis(2))
        );
    }

    /// The rotation goes on from the furthest series asked, round the candidates.
    #[test]
    fn the_rotation_goes_on_from_the_furthest_series_asked() {
        for (others, next) in [(499, 0), (498, 1)] {
            let mut rs: Vec<Replica> = (0..others)
                .map(|i| replica(&format!("db-{i}"), ReplicaKind::RdsReadReplica))
                .collect();
            rs.push(global("g", "aurora-mysql"));
            let mut choices = SeriesChoices::from([("g".to_string(), SeriesChoice::Next(3))]);
            let asked = refresh(&mut rs, &mut choices, |_, _| answer(vec![]));
            assert_eq!(asked.len(), 500);
            assert_eq!(
                choices.get("g"),
                Some(&SeriesChoice::Next(next)),
                "{others}"
            );
        }
    }

    /// A series CloudWatch refused is what the row says, when no other series answered.
    #[test]
    fn a_refused_series_is_told_when_nothing_answered() {
        let mut rs = vec![global("g", "aurora-postgresql")];
        refresh(&mut rs, &mut SeriesChoices::new(), |_, series| {
            if series == the(GlobalMetric::Rpo, true) {
                SeriesAnswer {
                    points: vec![],
                    problem: Some("Forbidden".into()),
                }
            } else {
                answer(vec![])
            }
        });
        assert!(rs[0].lag_samples.is_empty());
        assert_eq!(
            rs[0].lag_problem.as_deref(),
            Some("CloudWatch answered AuroraGlobalDBRPOLag with Forbidden")
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
        refresh(&mut rs, &mut SeriesChoices::new(), |_, _| {
            answer(points.clone())
        });
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
