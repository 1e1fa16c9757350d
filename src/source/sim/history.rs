//! The simulated fleet's lag history: what CloudWatch would hold for a simulated replica over
//! the last day and week, from the same lag model the live lag comes from, so the detail and
//! the lag column tell one story. A pure function of the seed, the replica and the clock.
//!
//! Each period holds the worst of its one-minute values, as CloudWatch's `Maximum` would. What
//! makes a history more than a wave: the weekly maintenance window of each replica (half an
//! hour in which the instance restarts and publishes nothing: a gap; the history's alone, the
//! live lag does not model it), and in an outage what the outage does to each replica (lag
//! that climbs, a metric that stops, a promotion after which replication is not active).

use super::SimFleet;
use super::estate::OutageRole;
use super::signals;
use crate::fleet::{
    HistoryOf, HistorySpan, LagHistory, LagSample, LagSamples, LagSeries, Replica, Snapshot,
    history_end,
};
use crate::source::{FetchResult, SourceError, SourceErrorKind};
use jiff::Timestamp;
use std::time::Duration;

const CALL: &str = "cloudwatch:GetMetricData";
const WEEK_SECS: i64 = 7 * 24 * 3600;
/// How long a replica's weekly maintenance keeps its metric silent.
const MAINTENANCE_SECS: i64 = 30 * 60;

impl SimFleet {
    /// `of`'s history as it stands at `now`.
    pub fn lag_history_at(&self, of: &HistoryOf, now: Timestamp) -> FetchResult<LagHistory> {
        Self::known_region(&of.region, CALL)?;
        // CloudWatch lives in the region: when the region is down, so is its history.
        self.refuse_if_down(&of.region, CALL, now)?;
        let (index, replica) = self
            .estate
            .replicas
            .iter()
            .enumerate()
            .find(|(_, r)| r.id == of.id && r.region == of.region)
            .ok_or_else(|| {
                SourceError::new(
                    SourceErrorKind::Other,
                    CALL,
                    format!(
                        "the simulated fleet has no replica {} in {}",
                        of.id, of.region
                    ),
                )
            })?;
        let outage = self.current_outage();
        let to = history_end(now);
        let maintenance = maintenance_offset(self.seed, index as u64);
        // One minute of the model, as CloudWatch would have published it (or not).
        let minute = |t: Timestamp| -> Option<Option<Duration>> {
            if (t.as_second() - maintenance).rem_euclid(WEEK_SECS) < MAINTENANCE_SECS {
                return None;
            }
            let lag = signals::lag_at(
                self.seed,
                index as u64,
                &replica.lag,
                replica.source_region,
                outage.as_ref(),
                t,
            );
            match (outage.as_ref(), replica.in_outage) {
                (Some(o), OutageRole::MetricStops) if t > o.metric_stopped_at() => None,
                (Some(o), OutageRole::PromotedUncovered) if t >= o.since => Some(None),
                _ => Some(Some(signals::published_lag(lag))),
            }
        };
        let series = |span: HistorySpan| {
            let mut s = LagSeries::empty(span, to);
            let period = span.period().as_secs() as i64;
            s.samples = (0..s.periods() as i64)
                .filter_map(|k| {
                    let start = s.from.as_second() + k * period;
                    let worst = (0..period / 60)
                        .filter_map(|m| Timestamp::from_second(start + m * 60).ok())
                        .filter(|t| *t <= now)
                        .filter_map(minute)
                        .reduce(worse)?;
                    Some(LagSample {
                        at: Timestamp::from_second(start).ok()?,
                        lag: worst,
                    })
                })
                .collect();
            s
        };
        let (mut day, mut week) = (series(HistorySpan::Day), series(HistorySpan::Week));
        // A drill's promotion ends replication from then on, as it does for the live lag.
        for s in [&mut day, &mut week] {
            let mut r = Replica {
                lag_samples: std::mem::take(&mut s.samples).into(),
                ..stand_in(of)
            };
            self.adjust_replicas(std::slice::from_mut(&mut r), now);
            s.samples = r.lag_samples.to_vec();
        }
        Ok(Snapshot::new(
            LagHistory {
                of: of.clone(),
                day,
                week,
            },
            now,
        ))
    }
}

/// Not active is worse than any lag; otherwise the larger lag.
fn worse(a: Option<Duration>, b: Option<Duration>) -> Option<Duration> {
    a.zip(b).map(|(a, b)| a.max(b))
}

/// Where in the week a replica's maintenance window starts, in seconds, fixed by the seed.
fn maintenance_offset(seed: u64, index: u64) -> i64 {
    (signals::noise(seed, 90_000 + index, 0) * WEEK_SECS as f64) as i64
}

fn stand_in(of: &HistoryOf) -> Replica {
    Replica {
        id: of.id.clone(),
        region: of.region.as_str().into(),
        source_id: String::new(),
        source_region: of.source_region.as_str().into(),
        engine: "".into(),
        kind: of.kind,
        state: crate::fleet::ReplicationState::Replicating,
        lag_samples: LagSamples::new(),
        lag_problem: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::Clock;
    use crate::fleet::{PeriodLag, Workloads};
    use crate::source::sim::{Scenario, SimOptions};

    fn start() -> Timestamp {
        Timestamp::from_second(1_800_000_000).expect("valid")
    }

    fn fleet(seed: u64, scenario: Scenario) -> SimFleet {
        SimFleet::new(SimOptions {
            seed,
            scenario,
            clock: Clock::manual(start()),
            ..SimOptions::default()
        })
    }

    fn of(sim: &SimFleet, id: &str) -> HistoryOf {
        let r = sim
            .estate
            .replicas
            .iter()
            .find(|r| r.id == id)
            .expect("in the estate");
        HistoryOf {
            id: r.id.clone(),
            region: r.region.to_string(),
            source_region: r.source_region.to_string(),
            kind: r.kind,
        }
    }

    #[test]
    fn the_same_seed_gives_the_same_history_and_another_seed_another() {
        let a = fleet(42, Scenario::Normal);
        let of = of(&a, "orders-dr-usw2");
        let first = a.lag_history_at(&of, start()).expect("history").data;
        let again = fleet(42, Scenario::Normal)
            .lag_history_at(&of, start())
            .expect("history")
            .data;
        assert_eq!(first, again);
        let other = fleet(7, Scenario::Normal)
            .lag_history_at(&of, start())
            .expect("history")
            .data;
        assert_ne!(first.day.samples, other.day.samples);
    }

    #[test]
    fn a_normal_week_is_mostly_within_the_rpo_with_its_maintenance_gap() {
        let sim = fleet(42, Scenario::Normal);
        let of = of(&sim, "orders-dr-usw2");
        // Two hours after this replica's weekly maintenance window opened.
        let week = (start().as_second() / WEEK_SECS) * WEEK_SECS;
        let now = Timestamp::from_second(week + maintenance_offset(42, 0) + WEEK_SECS + 7200)
            .expect("valid");
        let h = sim.lag_history_at(&of, now).expect("history").data;
        let rpo = Workloads::default().targets_for(&of.id).rpo;
        // The half hour without datapoints: five or six whole 5-minute periods are gaps;
        // every hour keeps the datapoints of its other half.
        let day = h.day.within_rpo(rpo);
        assert!((5..=6).contains(&day.gaps()), "{day:?}");
        let last_gap = h.day.by_period().iter().rposition(|s| *s == PeriodLag::Gap);
        assert!(
            last_gap.is_some_and(|i| (288 - 25..288 - 12).contains(&i)),
            "{last_gap:?}"
        );
        let week = h.week.within_rpo(rpo);
        assert_eq!(week.gaps(), 0, "{week:?}");
        // Lag that wanders around 4 s with spikes to 20 s stays within a 1-minute RPO.
        assert_eq!(week.within, 168, "{week:?}");
        assert_eq!(
            h.newest().map(|s| s.at),
            Some(Timestamp::from_second(history_end(now).as_second() - 300).expect("ok"))
        );
    }

    #[test]
    fn an_outage_shows_in_the_history_and_a_dead_region_has_none() {
        let sim = fleet(42, Scenario::RegionOutage);
        let later = Timestamp::from_second(start().as_second() + 600).expect("valid");
        // The replica whose metric stopped 12 minutes before the outage: its newest
        // periods are gaps.
        let stopped = of(&sim, "orders-read-euw1");
        let h = sim.lag_history_at(&stopped, later).expect("history").data;
        let slots = h.day.by_period();
        assert_eq!(slots[slots.len() - 1], PeriodLag::Gap);
        assert_eq!(slots[slots.len() - 2], PeriodLag::Gap);
        // A replica in the region that is down cannot be read at all.
        let dead = of(&sim, "orders-read-use1");
        let e = sim.lag_history_at(&dead, later).expect_err("region down");
        assert_eq!(e.kind, SourceErrorKind::Timeout);
        let unknown = HistoryOf {
            id: "nope".into(),
            ..stopped
        };
        assert!(sim.lag_history_at(&unknown, later).is_err());
    }
}
