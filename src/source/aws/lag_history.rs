//! One replica's lag over the last 24 hours and 7 days, for its detail: one GetMetricData
//! call, asked when the detail opens and never polled.
//!
//! The call asks every series the lag column may read (`lag::all_series_for`: the metric of
//! the replica's kind, its minimum beside its maximum where -1 means "not active", both
//! Aurora global metrics under both dimension sets; one call on demand, so unlike the lag
//! column's one series per replica it can afford them all), each twice: at 5-minute periods for the day and at
//! hourly periods for the week. GetMetricData takes one time range per call, so both cover
//! the week and the day's series is cut to its last 24 hours: 2,016 + 168 datapoints a
//! series, far under the 100,800 one call returns. Both resolutions are kept by CloudWatch
//! for far longer than a week (5-minute data for 63 days).

use super::cloudwatch::{MetricQuery, SeriesAnswer, read_answers_by_period};
use super::lag;
use crate::fleet::{
    HistoryOf, HistorySpan, LagHistory, LagSeries, Replica, ReplicationState, Snapshot, history_end,
};
use crate::source::FetchResult;
use jiff::Timestamp;

/// The GetMetricData queries for `of`, each with its period in seconds: the day's first, then
/// the week's, the same series in the same order.
pub fn queries(of: &HistoryOf) -> Vec<(MetricQuery, i32)> {
    let series = lag::all_series_for(std::slice::from_ref(&stand_in(of)));
    HistorySpan::ALL
        .into_iter()
        .flat_map(|span| {
            let period = i32::try_from(span.period().as_secs()).unwrap_or(i32::MAX);
            series.iter().cloned().map(move |q| (q, period))
        })
        .collect()
}

/// Reads `of`'s history up to `now` in one call.
pub async fn read(
    cloudwatch: &aws_sdk_cloudwatch::Client,
    of: &HistoryOf,
    now: Timestamp,
) -> FetchResult<LagHistory> {
    let to = history_end(now);
    let week = LagSeries::empty(HistorySpan::Week, to);
    let answers = read_answers_by_period(cloudwatch, &queries(of), week.from, to).await?;
    Ok(Snapshot::new(from_answers(of, to, answers), now))
}

/// The history from the answers to `queries(of)`, in their order.
pub fn from_answers(of: &HistoryOf, to: Timestamp, mut answers: Vec<SeriesAnswer>) -> LagHistory {
    let per_span = answers.len() / HistorySpan::ALL.len();
    let week_answers = answers.split_off(per_span);
    let series = |span, answers| {
        let mut replica = stand_in(of);
        // The lag column's own reading of the series: units, -1 as "not active", which of
        // the Aurora global metrics answered, and what CloudWatch said about a partial one.
        lag::apply_all_series(std::slice::from_mut(&mut replica), answers);
        let mut s = LagSeries::empty(span, to);
        s.samples = replica
            .lag_samples
            .iter()
            .filter(|x| x.at >= s.from && x.at < s.to)
            .collect();
        s.problem = replica.lag_problem;
        s
    };
    LagHistory {
        of: of.clone(),
        day: series(HistorySpan::Day, answers),
        week: series(HistorySpan::Week, week_answers),
    }
}

/// A replica with only what the lag queries look at.
fn stand_in(of: &HistoryOf) -> Replica {
    Replica {
        id: of.id.clone(),
        region: of.region.as_str().into(),
        source_id: String::new(),
        source_region: of.source_region.as_str().into(),
        engine: "".into(),
        kind: of.kind,
        state: ReplicationState::Unknown,
        lag_samples: Default::default(),
        lag_problem: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fleet::ReplicaKind;
    use std::time::Duration;

    fn of(kind: ReplicaKind) -> HistoryOf {
        HistoryOf {
            id: "orders-dr".into(),
            region: "us-west-2".into(),
            source_region: "us-east-1".into(),
            kind,
        }
    }

    #[test]
    fn each_series_is_asked_at_five_minutes_then_at_an_hour() {
        let q = queries(&of(ReplicaKind::RdsReadReplica));
        let shape: Vec<(&str, &str, &str, i32)> = q
            .iter()
            .map(|(q, p)| (q.series.metric, q.series.stat, q.series.value.as_str(), *p))
            .collect();
        assert_eq!(
            shape,
            [
                ("ReplicaLag", "Maximum", "orders-dr", 300),
                ("ReplicaLag", "Minimum", "orders-dr", 300),
                ("ReplicaLag", "Maximum", "orders-dr", 3600),
                ("ReplicaLag", "Minimum", "orders-dr", 3600),
            ]
        );
        assert_eq!(queries(&of(ReplicaKind::AuroraGlobalSecondary)).len(), 8);
    }

    #[test]
    fn the_end_is_on_five_minutes() {
        let now = Timestamp::from_second(1_800_000_299).expect("valid");
        assert_eq!(history_end(now).as_second(), 1_800_000_000);
    }

    #[test]
    fn the_day_is_cut_to_its_last_24_hours_and_problems_are_kept() {
        let to = history_end(Timestamp::from_second(1_800_000_000).expect("valid"));
        let at =
            |secs_before: i64| Timestamp::from_second(to.as_second() - secs_before).expect("ok");
        let answer = |points: Vec<(Timestamp, f64)>| SeriesAnswer {
            points,
            problem: None,
        };
        let answers = vec![
            // Day, maximum: one point from two days ago (outside the day), two inside.
            answer(vec![(at(2 * 86_400), 5.0), (at(600), 7.0), (at(300), 9.0)]),
            // Day, minimum: the newest period had a -1.
            answer(vec![(at(2 * 86_400), 5.0), (at(600), 7.0), (at(300), -1.0)]),
            // Week: denied.
            SeriesAnswer {
                points: vec![],
                problem: Some("Forbidden".into()),
            },
            answer(vec![]),
        ];
        let h = from_answers(&of(ReplicaKind::RdsReadReplica), to, answers);
        assert_eq!(h.day.samples.len(), 2);
        assert_eq!(h.day.samples[0].lag, Some(Duration::from_secs(7)));
        assert_eq!(h.day.samples[1].lag, None, "-1 in the minimum: not active");
        assert_eq!(h.day.problem, None);
        assert!(h.week.samples.is_empty());
        assert_eq!(
            h.week.problem.as_deref(),
            Some("CloudWatch answered ReplicaLag with Forbidden")
        );
    }
}
