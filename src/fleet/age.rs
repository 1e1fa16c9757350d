//! Compact, human durations for a cramped terminal: `4s`, `12m`, `3h05m`, `2d04h`.

use jiff::Timestamp;
use std::time::Duration;

/// How long ago `then` was, seen from `now`. A timestamp from the future (clock skew between
/// a source and this machine) counts as zero rather than as a negative age.
pub fn age_between(then: Timestamp, now: Timestamp) -> Duration {
    let signed = now.duration_since(then);
    Duration::try_from(signed).unwrap_or(Duration::ZERO)
}

/// Formats a duration with at most two units, rounding down.
pub fn format_duration(d: Duration) -> String {
    DurationText(d).to_string()
}

/// `format_duration`, written where it is needed (a row's reason) without a string of its own.
#[derive(Debug, Clone, Copy)]
pub struct DurationText(pub Duration);

impl std::fmt::Display for DurationText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let secs = self.0.as_secs();
        match secs {
            0..60 => write!(f, "{secs}s"),
            60..3600 => {
                let (m, s) = (secs / 60, secs % 60);
                if m < 10 && s != 0 {
                    write!(f, "{m}m{s:02}s")
                } else {
                    write!(f, "{m}m")
                }
            }
            3600..86_400 => write!(f, "{}h{:02}m", secs / 3600, (secs % 3600) / 60),
            _ => write!(f, "{}d{:02}h", secs / 86_400, (secs % 86_400) / 3600),
        }
    }
}

/// How many columns `format_duration(d)` takes, without formatting it (a pane sizes a column
/// by the ages of thousands of rows every frame).
pub fn duration_width(d: Duration) -> usize {
    fn digits(n: u64) -> usize {
        n.checked_ilog10().map_or(1, |l| l as usize + 1)
    }
    let secs = d.as_secs();
    match secs {
        0..60 => digits(secs) + 1,
        60..3600 if secs / 60 < 10 && !secs.is_multiple_of(60) => 5,
        60..3600 => digits(secs / 60) + 1,
        3600..86_400 => digits(secs / 3600) + 4,
        _ => digits(secs / 86_400) + 4,
    }
}

/// Replica lag, with sub-second and single-digit values kept precise: Aurora lags in
/// milliseconds, and "0s" would hide the difference between 40 ms and 900 ms.
pub fn format_lag(d: Duration) -> String {
    LagText(d).to_string()
}

/// `format_lag`, written where it is needed without a string of its own. Every replica's lag
/// is written twice an answer (its reason, its cell): whole tenths are counted, not
/// formatted as a float, except within a microsecond of a half tenth, where the float's own
/// rounding (`{:.1}` of the seconds) decides as it always did.
#[derive(Debug, Clone, Copy)]
pub struct LagText(pub Duration);

impl std::fmt::Display for LagText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let d = self.0;
        match d.as_millis() {
            0..1000 => write!(f, "{}ms", d.as_millis()),
            1000..60_000 => {
                const TENTH: u128 = 100_000_000;
                let nanos = d.as_nanos();
                let (tenths, rest) = (nanos / TENTH, nanos % TENTH);
                if rest.abs_diff(TENTH / 2) <= 1_000 {
                    write!(f, "{:.1}s", d.as_secs_f64())
                } else {
                    let tenths = tenths + u128::from(rest > TENTH / 2);
                    write!(f, "{}.{}s", tenths / 10, tenths % 10)
                }
            }
            _ => DurationText(d).fmt(f),
        }
    }
}

/// `format_duration` of the age, with " ago" so a number never stands without its meaning.
pub fn format_age(then: Timestamp, now: Timestamp) -> String {
    format!("{} ago", format_duration(age_between(then, now)))
}

/// The step at which the age of data moves on screen (a pane title's "12s ago", a row's
/// `seen`, the status bar's ages, a failed feed's "(40s ago)"): 5 s under a minute, 10 s
/// under ten minutes, then the minute and from a day the hour, where `format_duration`
/// itself stops showing finer. An age is read against refresh intervals of tens of seconds
/// and a STALE mark that appears at its own instant; a count that ticks every second says
/// nothing more, and costs bytes on every idle second over SSH.
pub fn age_precision(age: Duration) -> Duration {
    Duration::from_secs(match age.as_secs() {
        0..60 => 5,
        60..600 => 10,
        600..86_400 => 60,
        _ => 3600,
    })
}

/// The age as shown: rounded down to its precision, so it is never older than the truth and
/// younger by less than one step.
pub fn shown_age(age: Duration) -> Duration {
    let step = age_precision(age).as_secs();
    Duration::from_secs(age.as_secs() / step * step)
}

/// `format_duration` of the shown age (`shown_age`): the text moves only at its precision.
pub fn format_data_age(age: Duration) -> String {
    format_duration(shown_age(age))
}

/// `format_data_age` of the age of `then`, with " ago".
pub fn format_data_age_ago(then: Timestamp, now: Timestamp) -> String {
    format!("{} ago", format_data_age(age_between(then, now)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lag_in_seconds_reads_as_the_float_rounded_to_a_tenth_always_did() {
        let float = |d: Duration| format!("{:.1}s", d.as_secs_f64());
        // Every millisecond from one second to a minute, with nanoseconds on either side of
        // a half tenth and on it, and the halves a float holds exactly (x.25, x.75).
        for ms in 1_000u64..60_000 {
            for nanos in [0, 1, 999, 1_001, 499_999, 500_000, 500_001, 999_999] {
                let d = Duration::from_millis(ms) + Duration::from_nanos(nanos);
                assert_eq!(LagText(d).to_string(), float(d), "{d:?}");
            }
        }
        for tie in [1_250, 1_750, 2_250, 10_050, 59_950, 59_999] {
            let d = Duration::from_millis(tie);
            assert_eq!(format_lag(d), float(d), "{d:?}");
        }
        assert_eq!(format_lag(Duration::from_millis(999)), "999ms");
        assert_eq!(format_lag(Duration::from_millis(1_050)), "1.1s");
        assert_eq!(format_lag(Duration::from_millis(60_000)), "1m");
    }

    /// Ages from 0 to past two days: every second to a day, then coarser.
    fn ages() -> impl Iterator<Item = Duration> {
        let mut secs = 0u64;
        std::iter::from_fn(move || {
            let d = Duration::from_secs(secs);
            secs = if secs < 86_400 + 7_200 {
                secs + 1
            } else {
                secs + 599
            };
            (secs < 3 * 86_400).then_some(d)
        })
    }

    #[test]
    fn a_shown_age_is_never_older_than_the_truth_nor_younger_by_its_precision() {
        for age in ages() {
            let shown = shown_age(age);
            assert!(shown <= age, "{age:?} shown as {shown:?}");
            assert!(
                age - shown < age_precision(age),
                "{age:?} shown as {shown:?}, precision {:?}",
                age_precision(age)
            );
            // What the text says is the shown age, to the unit it prints.
            assert_eq!(format_data_age(age), format_duration(shown), "{age:?}");
        }
    }

    #[test]
    fn a_shown_age_moves_only_at_its_precision() {
        let text = |s: u64| format_data_age(Duration::from_secs(s));
        assert_eq!(text(0), "0s");
        assert_eq!(text(4), "0s");
        assert_eq!(text(5), "5s");
        assert_eq!(text(14), "10s");
        assert_eq!(text(59), "55s");
        assert_eq!(text(60), "1m");
        assert_eq!(text(69), "1m");
        assert_eq!(text(70), "1m10s");
        assert_eq!(text(599), "9m50s");
        assert_eq!(text(600), "10m");
        assert_eq!(text(3 * 3600 + 5 * 60 + 59), "3h05m");
        // How often the text changes over the first minute and the first ten minutes: 11 and
        // 65 times, where a count of seconds changes 59 and 599 times.
        let changes = |to: u64| (1..to).filter(|s| text(*s) != text(s - 1)).count();
        assert_eq!(changes(60), 11);
        assert_eq!(changes(600), 11 + 54);
    }

    #[test]
    fn from_ten_minutes_the_shown_age_is_format_duration() {
        for age in ages().filter(|a| a.as_secs() >= 600) {
            assert_eq!(format_data_age(age), format_duration(age), "{age:?}");
        }
    }

    #[test]
    fn formats_each_unit() {
        assert_eq!(format_duration(Duration::from_secs(0)), "0s");
        assert_eq!(format_duration(Duration::from_secs(59)), "59s");
        assert_eq!(format_duration(Duration::from_secs(61)), "1m01s");
        assert_eq!(format_duration(Duration::from_secs(600)), "10m");
        assert_eq!(format_duration(Duration::from_secs(3600 + 5 * 60)), "1h05m");
        assert_eq!(
            format_duration(Duration::from_secs(2 * 86_400 + 4 * 3600)),
            "2d04h"
        );
    }

    #[test]
    fn the_width_is_the_formatted_length() {
        let mut secs = 0u64;
        while secs < 2_000 * 86_400 {
            let d = Duration::from_secs(secs);
            assert_eq!(duration_width(d), format_duration(d).len(), "{secs} s");
            secs = if secs < 100_000 {
                secs + 1
            } else {
                secs * 11 / 10 + 7
            };
        }
    }

    #[test]
    fn lag_keeps_small_values_precise() {
        assert_eq!(format_lag(Duration::from_millis(40)), "40ms");
        assert_eq!(format_lag(Duration::from_millis(4250)), "4.2s");
        assert_eq!(format_lag(Duration::from_millis(30_400)), "30.4s");
        assert_eq!(format_lag(Duration::from_secs(75)), "1m15s");
    }

    #[test]
    fn future_timestamps_are_zero_age() {
        let now = Timestamp::from_second(1_000).expect("valid");
        let later = Timestamp::from_second(1_010).expect("valid");
        assert_eq!(age_between(later, now), Duration::ZERO);
        assert_eq!(format_age(now, later), "10s ago");
    }
}
