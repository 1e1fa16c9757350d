//! One stream of snapshots from one (source, region): the last good data, the last error, and
//! how fresh it all is. A failed refresh never throws away what was last seen.

use crate::fleet::{Snapshot, age_between};
use crate::source::{FetchResult, SourceError};
use jiff::Timestamp;
use std::time::Duration;

#[derive(Debug, Clone)]
pub struct Feed<T> {
    pub last_good: Option<Snapshot<T>>,
    /// The most recent failure and when it happened; cleared by the next success.
    pub last_error: Option<(Timestamp, SourceError)>,
    pub interval: Duration,
}

/// How much to trust what a feed shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Freshness {
    /// Nothing has arrived yet.
    Waiting,
    /// Newer than twice the refresh interval.
    Fresh,
    /// Older than twice the refresh interval, or never fetched successfully and failing.
    Stale,
}

impl<T> Feed<T> {
    pub fn new(interval: Duration) -> Self {
        Self {
            last_good: None,
            last_error: None,
            interval,
        }
    }

    pub fn apply(&mut self, result: FetchResult<T>, now: Timestamp) {
        match result {
            Ok(snapshot) => {
                // A partial answer is good data with a failure beside it: both are shown.
                // Every failed part is named: the first carries the others.
                self.last_error = SourceError::all_of(snapshot.missing.clone()).map(|e| (now, e));
                self.last_good = Some(snapshot);
            }
            Err(e) => self.last_error = Some((now, e)),
        }
    }

    pub fn data(&self) -> Option<&T> {
        self.last_good.as_ref().map(|s| &s.data)
    }

    pub fn fetched_at(&self) -> Option<Timestamp> {
        self.last_good.as_ref().map(|s| s.fetched_at)
    }

    pub fn age(&self, now: Timestamp) -> Option<Duration> {
        self.fetched_at().map(|t| age_between(t, now))
    }

    /// How old its data may be before it is stale: twice its refresh interval.
    pub fn stale_after(&self) -> Duration {
        self.interval * 2
    }

    /// Stale once the data is older than twice its refresh interval: one missed refresh is
    /// normal jitter, two mean something is wrong.
    pub fn freshness(&self, now: Timestamp) -> Freshness {
        match (self.age(now), &self.last_error) {
            (None, None) => Freshness::Waiting,
            (None, Some(_)) => Freshness::Stale,
            (Some(age), _) if age > self.stale_after() => Freshness::Stale,
            (Some(_), _) => Freshness::Fresh,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::SourceErrorKind;

    fn t(s: i64) -> Timestamp {
        Timestamp::from_second(1_800_000_000 + s).expect("valid")
    }

    #[test]
    fn staleness_is_twice_the_interval() {
        let mut feed: Feed<u32> = Feed::new(Duration::from_secs(10));
        assert_eq!(feed.freshness(t(0)), Freshness::Waiting);
        feed.apply(Ok(Snapshot::new(1, t(0))), t(0));
        assert_eq!(feed.freshness(t(20)), Freshness::Fresh);
        assert_eq!(feed.freshness(t(21)), Freshness::Stale);
    }

    #[test]
    fn a_failure_keeps_the_last_good_data_and_a_success_clears_the_error() {
        let mut feed: Feed<u32> = Feed::new(Duration::from_secs(10));
        feed.apply(Ok(Snapshot::new(1, t(0))), t(0));
        feed.apply(
            Err(SourceError::new(
                SourceErrorKind::Timeout,
                "rds:DescribeDBInstances",
                "no answer",
            )),
            t(10),
        );
        assert_eq!(feed.data(), Some(&1));
        assert!(feed.last_error.is_some());
        assert_eq!(
            feed.freshness(t(12)),
            Freshness::Fresh,
            "young data is still fresh"
        );
        feed.apply(Ok(Snapshot::new(2, t(15))), t(15));
        assert_eq!(feed.data(), Some(&2));
        assert!(feed.last_error.is_none());
    }

    #[test]
    fn a_partial_snapshot_is_fresh_data_with_its_failure_shown() {
        let mut feed: Feed<u32> = Feed::new(Duration::from_secs(10));
        let lag_failed = SourceError::new(
            SourceErrorKind::AccessDenied,
            "cloudwatch:GetMetricData",
            "denied",
        );
        feed.apply(
            Ok(Snapshot::new(7, t(0)).with_missing(vec![lag_failed.clone()])),
            t(0),
        );
        assert_eq!(feed.data(), Some(&7));
        assert_eq!(feed.last_error, Some((t(0), lag_failed)));
        assert_eq!(feed.freshness(t(1)), Freshness::Fresh);
        feed.apply(Ok(Snapshot::new(8, t(5))), t(5));
        assert!(feed.last_error.is_none(), "a complete answer clears it");
    }

    #[test]
    fn a_partial_snapshot_with_several_failed_parts_names_each() {
        let mut feed: Feed<u32> = Feed::new(Duration::from_secs(10));
        let part = |call: &str| SourceError::new(SourceErrorKind::Timeout, call, "no answer");
        feed.apply(
            Ok(Snapshot::new(7, t(0)).with_missing(vec![
                part("route53:ListResourceRecordSets"),
                part("cloudwatch:GetMetricData"),
            ])),
            t(0),
        );
        let (_, e) = feed.last_error.as_ref().expect("failures shown");
        let calls: Vec<&str> = e.every().iter().map(|e| e.call.as_str()).collect();
        assert_eq!(
            calls,
            vec!["route53:ListResourceRecordSets", "cloudwatch:GetMetricData"]
        );
    }

    #[test]
    fn failing_with_nothing_ever_fetched_is_stale() {
        let mut feed: Feed<u32> = Feed::new(Duration::from_secs(10));
        feed.apply(
            Err(SourceError::new(
                SourceErrorKind::AccessDenied,
                "backup:ListBackupJobs",
                "denied",
            )),
            t(0),
        );
        assert_eq!(feed.freshness(t(0)), Freshness::Stale);
    }
}
