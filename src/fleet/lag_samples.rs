//! A replica's lag samples (an hour at one a minute), stored compactly: every replica of a
//! fleet carries them, and at 10,000 replicas a `Vec` of timestamped `Option<Duration>`s
//! (32 bytes a sample) was most of a replicas feed's memory.
//!
//! A sample is packed in 8 bytes: its time as whole seconds after the first sample's second,
//! and its lag in whole milliseconds or a marker for "replication not active". What the
//! sources give fits: CloudWatch stamps datapoints on whole seconds and `ReplicaLag` is whole
//! seconds, the Aurora lags whole milliseconds. A sample that does not fit (a time with a
//! fraction of a second, such as the simulator's "now", a lag with a fraction of a
//! millisecond, a span of more than a century) is kept whole beside the packed ones, so
//! nothing is rounded: what goes in comes out, to the nanosecond. Times are not put on a grid
//! (CloudWatch's datapoints are not always one period apart), and a minute without a
//! datapoint has no sample: it is never read as a lag of zero.

use super::replica::LagSample;
use jiff::Timestamp;
use serde::{Serialize, Serializer};
use std::fmt;
use std::iter::FusedIterator;
use std::time::Duration;

/// `Packed::lag` of a sample whose metric said replication is not active (`lag: None`).
const NOT_ACTIVE: u32 = u32::MAX;
/// `Packed::lag` of a sample kept whole in `LagSamples::whole`, in order.
const WHOLE: u32 = u32::MAX - 1;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Packed {
    /// Whole seconds after `LagSamples::base`.
    after: u32,
    /// Whole milliseconds of lag, or `NOT_ACTIVE`, or `WHOLE`.
    lag: u32,
}

/// Lag samples, oldest first (samples given out of order are sorted by time; two at the same
/// time keep the order they were given in).
#[derive(Clone, Default, PartialEq, Eq)]
pub struct LagSamples {
    /// The first sample's whole second since the Unix epoch.
    base: i64,
    packed: Box<[Packed]>,
    /// The samples that do not pack, in order: one for each `WHOLE` in `packed`.
    whole: Box<[LagSample]>,
}

impl LagSamples {
    /// No samples.
    pub fn new() -> Self {
        Self::default()
    }

    pub fn len(&self) -> usize {
        self.packed.len()
    }

    pub fn is_empty(&self) -> bool {
        self.packed.is_empty()
    }

    /// The samples, oldest first.
    pub fn iter(&self) -> Iter<'_> {
        Iter {
            base: self.base,
            packed: self.packed.iter(),
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
}

impl From<Vec<LagSample>> for LagSamples {
    fn from(mut samples: Vec<LagSample>) -> Self {
        if !samples.is_sorted_by_key(|s| s.at) {
            samples.sort_by_key(|s| s.at);
        }
        let base = samples.first().map_or(0, |s| s.at.as_second());
        let mut whole = Vec::new();
        let packed = samples
            .into_iter()
            .map(|s| {
                pack(base, &s).unwrap_or_else(|| {
                    whole.push(s);
                    Packed {
                        after: 0,
                        lag: WHOLE,
                    }
                })
            })
            .collect();
        Self {
            base,
            packed,
            whole: whole.into_boxed_slice(),
        }
    }
}

impl FromIterator<LagSample> for LagSamples {
    fn from_iter<I: IntoIterator<Item = LagSample>>(iter: I) -> Self {
        Self::from(iter.into_iter().collect::<Vec<_>>())
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

/// `s` packed against `base`, if it comes back out exactly as it went in.
fn pack(base: i64, s: &LagSample) -> Option<Packed> {
    let after = u32::try_from(s.at.as_second().checked_sub(base)?).ok()?;
    let lag = match s.lag {
        None => NOT_ACTIVE,
        Some(d) => u32::try_from(d.as_millis()).ok().filter(|ms| *ms < WHOLE)?,
    };
    let p = Packed { after, lag };
    (unpack(base, p)? == *s).then_some(p)
}

/// The sample `p` stands for, unless it is `WHOLE` (kept apart).
fn unpack(base: i64, p: Packed) -> Option<LagSample> {
    let lag = match p.lag {
        WHOLE => return None,
        NOT_ACTIVE => None,
        ms => Some(Duration::from_millis(u64::from(ms))),
    };
    let at = Timestamp::from_second(base.checked_add(i64::from(p.after))?).ok()?;
    Some(LagSample { at, lag })
}

/// The samples of a `LagSamples`, oldest first.
#[derive(Clone)]
pub struct Iter<'a> {
    base: i64,
    packed: std::slice::Iter<'a, Packed>,
    whole: std::slice::Iter<'a, LagSample>,
}

impl Iterator for Iter<'_> {
    type Item = LagSample;

    fn next(&mut self) -> Option<LagSample> {
        let p = *self.packed.next()?;
        // A packed sample always unpacks (`pack` checked it); a `WHOLE` one is the next kept.
        unpack(self.base, p).or_else(|| self.whole.next().copied())
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.packed.size_hint()
    }
}

impl DoubleEndedIterator for Iter<'_> {
    fn next_back(&mut self) -> Option<LagSample> {
        let p = *self.packed.next_back()?;
        unpack(self.base, p).or_else(|| self.whole.next_back().copied())
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
    fn the_samples_that_fit_are_packed() {
        let s = LagSamples::from(mixed());
        // The hour, the off-grid whole second and the not-active one pack; the fraction of a
        // second, the fraction of a millisecond, the 60 days and the far one are kept whole.
        assert_eq!(s.whole.len(), 4, "{:?}", s.whole);
        assert_eq!(std::mem::size_of::<Packed>(), 8);
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
        let s = LagSamples::from(v);
        assert_eq!(s.to_vec(), mixed());
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
