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
    let secs = d.as_secs();
    match secs {
        0..60 => format!("{secs}s"),
        60..3600 => {
            let (m, s) = (secs / 60, secs % 60);
            if m < 10 && s != 0 {
                format!("{m}m{s:02}s")
            } else {
                format!("{m}m")
            }
        }
        3600..86_400 => format!("{}h{:02}m", secs / 3600, (secs % 3600) / 60),
        _ => format!("{}d{:02}h", secs / 86_400, (secs % 86_400) / 3600),
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
    match d.as_millis() {
        0..1000 => format!("{}ms", d.as_millis()),
        1000..60_000 => format!("{:.1}s", d.as_secs_f64()),
        _ => format_duration(d),
    }
}

/// `format_duration` of the age, with " ago" so a number never stands without its meaning.
pub fn format_age(then: Timestamp, now: Timestamp) -> String {
    format!("{} ago", format_duration(age_between(then, now)))
}

#[cfg(test)]
mod tests {
    use super::*;

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
