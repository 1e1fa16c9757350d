//! A replica's lag over the last day and the last week, as evidence against its RPO: how much
//! of the time it was within it. Fetched on demand for one replica (never polled), so the
//! history is a value with its own age, apart from the polled lag.
//!
//! Each span is a row of periods (5 minutes over 24 hours, an hour over 7 days), each holding
//! the worst lag of its period. A period is within the RPO only when its worst lag was: a
//! share computed this way never overstates. A period with no datapoint is a gap: shown as
//! one, and never counted as within the RPO.

use super::replica::{LagSample, Replica, ReplicaKind};
use jiff::Timestamp;
use std::time::Duration;

/// The two spans of history the replica detail shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HistorySpan {
    Day,
    Week,
}

impl HistorySpan {
    pub const ALL: [HistorySpan; 2] = [HistorySpan::Day, HistorySpan::Week];

    pub fn label(self) -> &'static str {
        match self {
            HistorySpan::Day => "24h",
            HistorySpan::Week => "7d",
        }
    }

    /// How far back the span reaches.
    pub fn length(self) -> Duration {
        match self {
            HistorySpan::Day => Duration::from_secs(24 * 3600),
            HistorySpan::Week => Duration::from_secs(7 * 24 * 3600),
        }
    }

    /// Each period's length: 288 periods a day, 168 a week (well inside what one metrics
    /// call may return, and what a terminal row can summarise).
    pub fn period(self) -> Duration {
        match self {
            HistorySpan::Day => Duration::from_secs(300),
            HistorySpan::Week => Duration::from_secs(3600),
        }
    }
}

/// Where a history fetched at `now` ends: `now` rounded down to a whole 5 minutes, so that
/// every period of either span starts on a boundary metrics are aggregated on.
pub fn history_end(now: Timestamp) -> Timestamp {
    let step = HistorySpan::Day.period().as_secs() as i64;
    Timestamp::from_second(now.as_second().div_euclid(step) * step).unwrap_or(now)
}

/// Which replica a history is of: what a source needs to find its lag metric.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HistoryOf {
    pub id: String,
    pub region: String,
    pub source_region: String,
    pub kind: ReplicaKind,
}

impl HistoryOf {
    pub fn of(r: &Replica) -> Self {
        Self {
            id: r.id.clone(),
            region: r.region.to_string(),
            source_region: r.source_region.to_string(),
            kind: r.kind,
        }
    }

    /// Whether `r` is the replica this history is of (a region holds each id once).
    pub fn is(&self, r: &Replica) -> bool {
        self.id == r.id && *self.region == *r.region
    }
}

/// One span of a replica's lag: the worst lag of each period that has a datapoint, oldest
/// first. `LagSample::at` is the start of its period; a `lag` of `None` means the metric said
/// replication was not active in that period.
#[derive(Debug, Clone, PartialEq)]
pub struct LagSeries {
    pub span: HistorySpan,
    /// The start of the first period.
    pub from: Timestamp,
    /// The end of the last period.
    pub to: Timestamp,
    pub samples: Vec<LagSample>,
    /// What the source said about a series it did not answer in full (denied, failed,
    /// partial): the samples, if any, are then not all there is.
    pub problem: Option<String>,
}

/// What one period of a series holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PeriodLag {
    /// No datapoint: the metric was not published, or not kept.
    Gap,
    /// The metric said replication was not active.
    NotActive,
    Lag(Duration),
}

impl LagSeries {
    /// The span's periods from `to` back, empty until samples are added.
    pub fn empty(span: HistorySpan, to: Timestamp) -> Self {
        let back = jiff::SignedDuration::try_from(span.length()).unwrap_or_default();
        Self {
            span,
            from: to.checked_sub(back).unwrap_or(Timestamp::UNIX_EPOCH),
            to,
            samples: Vec::new(),
            problem: None,
        }
    }

    /// How many periods the span holds.
    pub fn periods(&self) -> usize {
        let period = self.span.period().as_secs();
        let length = self.to.as_second().saturating_sub(self.from.as_second());
        usize::try_from(length.max(0) as u64 / period.max(1)).unwrap_or(0)
    }

    /// Every period of the span, oldest first. Samples outside the span are left out; two in
    /// one period keep the worse (not active is worse than any lag).
    pub fn by_period(&self) -> Vec<PeriodLag> {
        let period = self.span.period().as_secs().max(1) as i64;
        let mut slots = vec![PeriodLag::Gap; self.periods()];
        for s in &self.samples {
            let offset = s.at.as_second() - self.from.as_second();
            if offset < 0 {
                continue;
            }
            let Some(slot) = usize::try_from(offset / period)
                .ok()
                .and_then(|i| slots.get_mut(i))
            else {
                continue;
            };
            let this = s.lag.map_or(PeriodLag::NotActive, PeriodLag::Lag);
            *slot = worse(*slot, this);
        }
        slots
    }

    /// The newest sample inside the span, however old: "how old the history is".
    pub fn newest(&self) -> Option<&LagSample> {
        self.samples
            .iter()
            .filter(|s| s.at >= self.from && s.at < self.to)
            .max_by_key(|s| s.at)
    }

    /// How the span's periods stand against `rpo`.
    pub fn within_rpo(&self, rpo: Duration) -> WithinRpo {
        let slots = self.by_period();
        let with_data = slots.iter().filter(|s| **s != PeriodLag::Gap).count();
        let within = slots
            .iter()
            .filter(|s| matches!(s, PeriodLag::Lag(lag) if *lag <= rpo))
            .count();
        WithinRpo {
            periods: slots.len(),
            with_data,
            within,
        }
    }
}

fn worse(a: PeriodLag, b: PeriodLag) -> PeriodLag {
    match (a, b) {
        (PeriodLag::NotActive, _) | (_, PeriodLag::NotActive) => PeriodLag::NotActive,
        (PeriodLag::Gap, other) | (other, PeriodLag::Gap) => other,
        (PeriodLag::Lag(x), PeriodLag::Lag(y)) => PeriodLag::Lag(x.max(y)),
    }
}

/// How many of a span's periods were within the RPO.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WithinRpo {
    pub periods: usize,
    /// Periods that have a datapoint.
    pub with_data: usize,
    /// Periods whose worst lag was at or under the RPO.
    pub within: usize,
}

impl WithinRpo {
    /// The share of the span's periods within the RPO, gaps counting as not within; `None`
    /// when no period has a datapoint: with nothing to go on there is no share to tell.
    pub fn share(&self) -> Option<f64> {
        (self.with_data > 0 && self.periods > 0).then(|| self.within as f64 / self.periods as f64)
    }

    pub fn gaps(&self) -> usize {
        self.periods - self.with_data
    }
}

/// A replica's lag over the last day and the last week.
#[derive(Debug, Clone, PartialEq)]
pub struct LagHistory {
    pub of: HistoryOf,
    pub day: LagSeries,
    pub week: LagSeries,
}

impl LagHistory {
    pub fn span(&self, span: HistorySpan) -> &LagSeries {
        match span {
            HistorySpan::Day => &self.day,
            HistorySpan::Week => &self.week,
        }
    }

    /// The newest datapoint of either span.
    pub fn newest(&self) -> Option<&LagSample> {
        [self.day.newest(), self.week.newest()]
            .into_iter()
            .flatten()
            .max_by_key(|s| s.at)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn to() -> Timestamp {
        Timestamp::from_second(1_800_000_000).expect("valid")
    }

    /// A day's series with a sample at the start of each given period.
    fn day(samples: &[(usize, Option<u64>)]) -> LagSeries {
        let mut s = LagSeries::empty(HistorySpan::Day, to());
        s.samples = samples
            .iter()
            .map(|&(period, lag)| LagSample {
                at: Timestamp::from_second(s.from.as_second() + period as i64 * 300)
                    .expect("valid"),
                lag: lag.map(Duration::from_secs),
            })
            .collect();
        s
    }

    const RPO: Duration = Duration::from_secs(60);

    #[test]
    fn a_full_day_within_the_rpo_is_all_of_it() {
        let s = day(&(0..288).map(|p| (p, Some(10))).collect::<Vec<_>>());
        let w = s.within_rpo(RPO);
        assert_eq!((w.periods, w.with_data, w.within), (288, 288, 288));
        assert_eq!(w.share(), Some(1.0));
        assert_eq!(w.gaps(), 0);
    }

    #[test]
    fn gaps_are_not_within_the_rpo() {
        // Half the day has datapoints, all within: half the day is what can be shown.
        let s = day(&(0..144).map(|p| (p, Some(10))).collect::<Vec<_>>());
        let w = s.within_rpo(RPO);
        assert_eq!((w.periods, w.with_data, w.within), (288, 144, 144));
        assert_eq!(w.share(), Some(0.5));
        assert_eq!(w.gaps(), 144);
        assert_eq!(s.by_period()[200], PeriodLag::Gap);
    }

    #[test]
    fn over_the_rpo_and_not_active_are_not_within() {
        let s = day(&[(0, Some(60)), (1, Some(61)), (2, None), (3, Some(0))]);
        let w = s.within_rpo(RPO);
        assert_eq!((w.with_data, w.within), (4, 2), "at the RPO is within it");
        assert_eq!(
            s.by_period()[..4],
            [
                PeriodLag::Lag(Duration::from_secs(60)),
                PeriodLag::Lag(Duration::from_secs(61)),
                PeriodLag::NotActive,
                PeriodLag::Lag(Duration::ZERO)
            ]
        );
    }

    #[test]
    fn an_empty_series_has_no_share_to_tell() {
        let w = day(&[]).within_rpo(RPO);
        assert_eq!((w.periods, w.with_data, w.within), (288, 0, 0));
        assert_eq!(
            w.share(),
            None,
            "no datapoints is cannot tell, never 0% or 100%"
        );
        assert_eq!(day(&[]).newest(), None);
    }

    #[test]
    fn samples_outside_the_span_leave_it_all_missing() {
        let mut s = day(&[]);
        s.samples = vec![
            LagSample {
                at: Timestamp::from_second(s.from.as_second() - 300).expect("valid"),
                lag: Some(Duration::from_secs(1)),
            },
            LagSample {
                at: s.to,
                lag: Some(Duration::from_secs(1)),
            },
        ];
        let w = s.within_rpo(RPO);
        assert_eq!((w.with_data, w.within), (0, 0));
        assert_eq!(w.share(), None);
        assert_eq!(s.newest(), None);
    }

    #[test]
    fn replication_not_active_all_day_is_zero_not_unknown() {
        let s = day(&(0..288).map(|p| (p, None)).collect::<Vec<_>>());
        let w = s.within_rpo(RPO);
        assert_eq!(w.share(), Some(0.0), "the metric said so: that is known");
    }

    #[test]
    fn two_samples_in_one_period_keep_the_worse() {
        let mut s = day(&[(5, Some(10))]);
        s.samples.push(LagSample {
            at: Timestamp::from_second(s.samples[0].at.as_second() + 60).expect("valid"),
            lag: Some(Duration::from_secs(90)),
        });
        assert_eq!(s.by_period()[5], PeriodLag::Lag(Duration::from_secs(90)));
        assert_eq!(s.within_rpo(RPO).within, 0);
    }

    #[test]
    fn a_week_is_168_hours() {
        let s = LagSeries::empty(HistorySpan::Week, to());
        assert_eq!(s.periods(), 168);
        assert_eq!(s.by_period().len(), 168);
    }
}
