//! A replica's lag samples (an hour at one a minute), stored compactly: every replica of a
//! fleet carries them, and at 10,000 replicas a `Vec` of timestamped `Option<Duration>`s
//! (32 bytes a sample) was most of a replicas feed's memory.
//!
//! A sample's lag is kept in 4 bytes, whole milliseconds or a marker for "replication not
//! active"; its time as whole seconds after the first sample's second, in 4 more bytes, or in
//! none when every sample is one step after the one before (a metric's period, the common
//! case). What the sources give fits: CloudWatch stamps datapoints on whole seconds,
//! `ReplicaLag` is whole seconds and the Aurora lags whole milliseconds. A sample that does
//! not fit (a time with a fraction of a second, such as the simulator's "now", a lag with a
//! fraction of a millisecond, a span of more than a century) is kept whole beside the others,
//! so nothing is rounded: what goes in comes out, to the nanosecond. The step is used only
//! when every sample that fits lies on it: no datapoint is moved onto a grid (CloudWatch's are
//! not always one period apart), and a minute without a datapoint has no sample, never a lag
//! of zero.

use super::replica::LagSample;
use jiff::Timestamp;
use serde::{Serialize, Serializer};
use std::fmt;
use std::iter::FusedIterator;
use std::time::Duration;

/// The lag of a sample whose metric said replication is not active (`lag: None`).
const NOT_ACTIVE: u32 = u32::MAX;
/// The lag of a sample kept whole in `LagSamples::whole`, in order.
const WHOLE: u32 = u32::MAX - 1;

/// When each sample was taken, in whole seconds after `LagSamples::base` (ignored for a
/// sample kept whole).
#[derive(Debug, Clone, PartialEq, Eq)]
enum Times {
    /// The `i`-th sample `i * step` seconds after.
    Step(u32),
    Each(Box<[u32]>),
}

/// Lag samples, oldest first (samples given out of order are sorted by time; two at the same
/// time keep the order they were given in).
#[derive(Clone, PartialEq, Eq)]
pub struct LagSamples {
    /// The first sample's whole second since the Unix epoch.
    base: i64,
    times: Times,
    /// Whole milliseconds of lag, or `NOT_ACTIVE`, or `WHOLE`.
    lags: Box<[u32]>,
    /// The samples that do not fit, in order: one for each `WHOLE` in `lags`.
    whole: Box<[LagSample]>,
}

impl Default for LagSamples {
    fn default() -> Self {
        Self {
            base: 0,
            times: Times::Step(0),
            lags: Box::default(),
            whole: Box::default(),
        }
    }
}

impl LagSamples {
    /// No samples.
    pub fn new() -> Self {
        Self::default()
    }

    pub fn len(&self) -> usize {
        self.lags.len()
    }

    pub fn is_empty(&self) -> bool {
        self.lags.is_empty()
    }

    /// The samples, oldest first.
    pub fn iter(&self) -> Iter<'_> {
        Iter {
            of: self,
            front: 0,
            back: self.lags.len(),
            whole: self.whole.iter(),
        }
    }

    /// The newest sample, however old.
    pub fn newest(&self) -> Option<LagSample> {
        self.iter().next_back()
    }

    pub fn to_vec(&self) -> Vec<LagSample> {
        self.iter().collect()
    }

    /// Keeps only the samples `keep` keeps.
    pub fn retain(&mut self, mut keep: impl FnMut(&LagSample) -> bool) {
        *self = self.iter().filter(|s| keep(s)).collect();
    }

    /// Marks every sample taken at or after `at` as "replication not active": replication
    /// ended then (a promotion), whatever lag the series had.
    pub fn not_active_from(&mut self, at: Timestamp) {
        *self = self
            .iter()
            .map(|s| {
                if s.at >= at {
                    LagSample { lag: None, ..s }
                } else {
                    s
                }
            })
            .collect();
    }

    /// The `i`-th sample, `i < len`; `whole` is the next sample kept whole when it is one.
    fn get(&self, i: usize, whole: impl FnOnce() -> Option<LagSample>) -> Option<LagSample> {
        let lag = match *self.lags.get(i)? {
            WHOLE => return whole(),
            NOT_ACTIVE => None,
            ms => Some(Duration::from_millis(u64::from(ms))),
        };
        let after = match &self.times {
            Times::Step(step) => i64::try_from(i).ok()?.checked_mul(i64::from(*step))?,
            Times::Each(after) => i64::from(*after.get(i)?),
        };
        let at = Timestamp::from_second(self.base.checked_add(after)?).ok()?;
        Some(LagSample { at, lag })
    }
}

/// Packs samples as they come, oldest first.
#[derive(Default)]
struct Packer {
    base: Option<i64>,
    last: Option<Timestamp>,
    after: Vec<u32>,
    lags: Vec<u32>,
    whole: Vec<LagSample>,
}

impl Packer {
    fn with_capacity(n: usize) -> Self {
        Self {
            after: Vec::with_capacity(n),
            lags: Vec::with_capacity(n),
            ..Self::default()
        }
    }

    /// Adds `s`, unless it is older than the last one added (then nothing changes).
    fn push(&mut self, s: LagSample) -> bool {
        if self.last.is_some_and(|last| s.at < last) {
            return false;
        }
        self.last = Some(s.at);
        let base = *self.base.get_or_insert(s.at.as_second());
        match fit(base, &s) {
            Some((after, lag)) => {
                self.after.push(after);
                self.lags.push(lag);
            }
            None => {
                self.after.push(0);
                self.lags.push(WHOLE);
                self.whole.push(s);
            }
        }
        true
    }

    fn finish(self) -> LagSamples {
        let on = |step: u64| {
            self.after
                .iter()
                .zip(&self.lags)
                .enumerate()
                .all(|(i, (after, lag))| *lag == WHOLE || u64::from(*after) == i as u64 * step)
        };
        // The step the first sample that fits after the first one sets, if all lie on it.
        let step = self
            .after
            .iter()
            .zip(&self.lags)
            .enumerate()
            .skip(1)
            .find(|(_, (_, lag))| **lag != WHOLE)
            .map_or(Some(0), |(i, (after, _))| {
                let i = u32::try_from(i).ok()?;
                (after % i == 0).then(|| after / i)
            })
            .filter(|step| on(u64::from(*step)));
        LagSamples {
            base: self.base.unwrap_or(0),
            times: match step {
                Some(step) => Times::Step(step),
                None => Times::Each(self.after.into_boxed_slice()),
            },
            lags: self.lags.into_boxed_slice(),
            whole: self.whole.into_boxed_slice(),
        }
    }
}

impl From<Vec<LagSample>> for LagSamples {
    fn from(mut samples: Vec<LagSample>) -> Self {
        if !samples.is_sorted_by_key(|s| s.at) {
            samples.sort_by_key(|s| s.at);
        }
        let mut packer = Packer::with_capacity(samples.len());
        for s in samples {
            packer.push(s);
        }
        packer.finish()
    }
}

impl FromIterator<LagSample> for LagSamples {
    /// Packs the samples as they come; samples out of order are gathered and sorted first.
    fn from_iter<I: IntoIterator<Item = LagSample>>(iter: I) -> Self {
        let mut iter = iter.into_iter();
        let mut packer = Packer::with_capacity(iter.size_hint().0);
        while let Some(s) = iter.next() {
            if !packer.push(s) {
                let mut all = packer.finish().to_vec();
                all.push(s);
                all.extend(iter);
                return Self::from(all);
            }
        }
        packer.finish()
    }
}

impl<'a> IntoIterator for &'a LagSamples {
    type Item = LagSample;
    type IntoIter = Iter<'a>;

    fn into_iter(self) -> Iter<'a> {
        self.iter()
    }
}

impl fmt::Debug for LagSamples {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

/// As the list of samples it holds, the same as the `Vec<LagSample>` it replaces.
impl Serialize for LagSamples {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_seq(self.iter())
    }
}

/// `s` as (whole seconds after `base`, lag), if it comes back out exactly as it went in.
fn fit(base: i64, s: &LagSample) -> Option<(u32, u32)> {
    let after = u32::try_from(s.at.as_second().checked_sub(base)?).ok()?;
    let lag = match s.lag {
        None => NOT_ACTIVE,
        Some(d) => u32::try_from(d.as_millis()).ok().filter(|ms| *ms < WHOLE)?,
    };
    let back_at = Timestamp::from_second(base.checked_add(i64::from(after))?).ok()?;
    let back_lag = (lag != NOT_ACTIVE).then(|| Duration::from_millis(u64::from(lag)));
    (back_at == s.at && back_lag == s.lag).then_some((after, lag))
}

/// The samples of a `LagSamples`, oldest first.
#[derive(Clone)]
pub struct Iter<'a> {
    of: &'a LagSamples,
    front: usize,
    back: usize,
    whole: std::slice::Iter<'a, LagSample>,
}

impl Iterator for Iter<'_> {
    type Item = LagSample;

    fn next(&mut self) -> Option<LagSample> {
        if self.front >= self.back {
            return None;
        }
        let i = self.front;
        self.front += 1;
        let whole = &mut self.whole;
        self.of.get(i, || whole.next().copied())
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = self.back - self.front;
        (n, Some(n))
    }
}

impl DoubleEndedIterator for Iter<'_> {
    fn next_back(&mut self) -> Option<LagSample> {
        if self.front >= self.back {
            return None;
        }
        self.back -= 1;
        let whole = &mut self.whole;
        self.of.get(self.back, || whole.next_back().copied())
    }
}

impl ExactSizeIterator for Iter<'_> {}
impl FusedIterator for Iter<'_> {}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(second: i64, nanos: i32) -> Timestamp {
        Timestamp::new(second, nanos).expect("valid")
    }

    fn sample(t: Timestamp, lag: Option<Duration>) -> LagSample {
        LagSample { at: t, lag }
    }

    const T0: i64 = 1_800_000_000;

    /// An hour at one a minute, as CloudWatch gives it, then the irregular cases.
    fn mixed() -> Vec<LagSample> {
        let mut v: Vec<LagSample> = (0..60)
            .map(|m| sample(at(T0 + m * 60, 0), Some(Duration::from_secs(m as u64 % 7))))
            .collect();
        v.extend([
            // Off the minute grid, and within a second.
            sample(at(T0 + 3600 + 17, 0), Some(Duration::from_millis(1250))),
            sample(
                at(T0 + 3601 + 17, 123_456_789),
                Some(Duration::from_secs(2)),
            ),
            // A lag finer than a millisecond (AuroraReplicaLag is a float of ms).
            sample(at(T0 + 3700, 0), Some(Duration::from_micros(17_500))),
            sample(at(T0 + 3760, 0), None),
            // A lag past what a u32 of ms holds (49 days).
            sample(at(T0 + 3820, 0), Some(Duration::from_secs(60 * 86_400))),
            // More than a u32 of seconds after the first sample.
            sample(at(T0 + 5_000_000_000, 0), Some(Duration::ZERO)),
        ]);
        v
    }

    #[test]
    fn what_goes_in_comes_out_exactly() {
        let v = mixed();
        let s = LagSamples::from(v.clone());
        assert_eq!(s.len(), v.len());
        assert_eq!(s.to_vec(), v);
        assert_eq!(
            s.iter().rev().collect::<Vec<_>>(),
            v.iter().rev().copied().collect::<Vec<_>>()
        );
        assert_eq!(s.iter().len(), v.len());
    }

    #[test]
    fn the_samples_that_do_not_fit_are_kept_whole() {
        let s = LagSamples::from(mixed());
        // The hour, the off-grid whole second and the not-active one fit; the fraction of a
        // second, the fraction of a millisecond, the 60 days and the far one are kept whole.
        assert_eq!(s.whole.len(), 4, "{:?}", s.whole);
        assert!(matches!(s.times, Times::Each(_)), "not one step apart");
    }

    #[test]
    fn a_series_one_step_apart_keeps_no_times_and_one_off_the_step_keeps_each() {
        // An hour on the minute, the last at "now" with a fraction of a second, as the
        // simulator gives it: a step of 60 s, the last kept whole.
        let mut hour: Vec<LagSample> = (0..59)
            .map(|m| {
                sample(
                    at(T0 + m * 60, 0),
                    Some(Duration::from_millis(m as u64 * 7)),
                )
            })
            .collect();
        hour.push(sample(at(T0 + 3540, 250_000_000), None));
        let s = LagSamples::from(hour.clone());
        assert_eq!(s.times, Times::Step(60));
        assert_eq!(s.whole.len(), 1);
        assert_eq!(s.to_vec(), hour);
        assert_eq!(s.newest(), hour.last().copied());
        // One datapoint 17 s off its minute: kept at its own time, not moved to the step.
        let mut odd = hour.clone();
        odd[30].at = at(T0 + 30 * 60 + 17, 0);
        let s = LagSamples::from(odd.clone());
        assert!(matches!(s.times, Times::Each(_)));
        assert_eq!(s.to_vec(), odd);
        // A minute with no datapoint: the others keep their times, none is made up.
        let mut gap = hour.clone();
        gap.remove(10);
        let s = LagSamples::from(gap.clone());
        assert!(matches!(s.times, Times::Each(_)));
        assert_eq!(s.to_vec(), gap);
        // Two at the same second: one step of zero would not say which is which.
        let twins = vec![
            sample(at(T0, 0), Some(Duration::from_secs(1))),
            sample(at(T0, 0), Some(Duration::from_secs(2))),
            sample(at(T0 + 60, 0), Some(Duration::from_secs(3))),
        ];
        assert_eq!(LagSamples::from(twins.clone()).to_vec(), twins);
    }

    #[test]
    fn not_active_is_never_a_lag_of_zero() {
        let s = LagSamples::from(vec![
            sample(at(T0, 0), None),
            sample(at(T0 + 60, 0), Some(Duration::ZERO)),
        ]);
        let v = s.to_vec();
        assert_eq!(v[0].lag, None);
        assert_eq!(v[1].lag, Some(Duration::ZERO));
    }

    #[test]
    fn a_missing_minute_stays_missing() {
        // No datapoint at T0 + 60: no sample there, not a sample of zero lag.
        let s = LagSamples::from(vec![
            sample(at(T0, 0), Some(Duration::from_secs(3))),
            sample(at(T0 + 120, 0), Some(Duration::from_secs(4))),
        ]);
        let times: Vec<Timestamp> = s.iter().map(|x| x.at).collect();
        assert_eq!(times, [at(T0, 0), at(T0 + 120, 0)]);
    }

    #[test]
    fn samples_come_out_oldest_first_whatever_order_they_came_in() {
        let mut v = mixed();
        v.reverse();
        let s = LagSamples::from(v.clone());
        assert_eq!(s.to_vec(), mixed());
        assert_eq!(v.into_iter().collect::<LagSamples>().to_vec(), mixed());
        // In order up to a point, then not: the same.
        let mut late = mixed();
        let last = late.remove(3);
        late.push(last);
        assert_eq!(late.into_iter().collect::<LagSamples>().to_vec(), mixed());
        // Two at the same time keep their order.
        let twins = vec![
            sample(at(T0, 0), Some(Duration::from_secs(1))),
            sample(at(T0, 0), None),
        ];
        assert_eq!(LagSamples::from(twins.clone()).to_vec(), twins);
    }

    #[test]
    fn the_newest_sample_is_the_latest_in_time() {
        assert_eq!(LagSamples::new().newest(), None);
        let s = LagSamples::from(vec![
            sample(at(T0 + 60, 5), Some(Duration::from_secs(9))),
            sample(at(T0, 0), Some(Duration::from_secs(1))),
        ]);
        assert_eq!(
            s.newest(),
            Some(sample(at(T0 + 60, 5), Some(Duration::from_secs(9))))
        );
        let packed = LagSamples::from(vec![
            sample(at(T0, 0), Some(Duration::from_secs(1))),
            sample(at(T0 + 60, 0), None),
        ]);
        assert_eq!(packed.newest(), Some(sample(at(T0 + 60, 0), None)));
    }

    #[test]
    fn samples_before_the_epoch_come_out_exactly() {
        let v = vec![
            sample(at(-10, -500_000_000), Some(Duration::from_secs(1))),
            sample(at(-5, 0), Some(Duration::from_secs(2))),
            sample(at(0, 0), None),
        ];
        assert_eq!(LagSamples::from(v.clone()).to_vec(), v);
    }

    #[test]
    fn marking_not_active_from_an_instant_leaves_the_earlier_samples() {
        let mut s = LagSamples::from(mixed());
        let from = at(T0 + 30 * 60, 0);
        s.not_active_from(from);
        for (got, was) in s.iter().zip(mixed()) {
            assert_eq!(got.at, was.at);
            let want = if was.at >= from { None } else { was.lag };
            assert_eq!(got.lag, want, "at {}", was.at);
        }
        let mut kept = LagSamples::from(mixed());
        kept.retain(|x| x.at <= from);
        assert_eq!(kept.to_vec(), mixed()[..=30].to_vec());
    }

    #[test]
    fn serializes_as_the_list_of_samples() {
        let v = mixed();
        assert_eq!(
            serde_json::to_value(LagSamples::from(v.clone())).expect("serializes"),
            serde_json::to_value(v).expect("serializes")
        );
    }
}
