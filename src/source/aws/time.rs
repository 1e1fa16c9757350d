//! Between the SDK's `DateTime` and the `jiff::Timestamp` the rest of ripcord speaks.

use aws_sdk_cloudwatch::primitives::DateTime;
use jiff::Timestamp;

pub fn from_aws(t: &DateTime) -> Option<Timestamp> {
    Timestamp::new(t.secs(), i32::try_from(t.subsec_nanos()).ok()?).ok()
}

pub fn to_aws(t: Timestamp) -> DateTime {
    DateTime::from_secs(t.as_second())
}

/// `now` rounded down to the minute: CloudWatch periods start on the minute, and a query that
/// ends mid-minute would ask for a datapoint that is not complete yet.
pub fn minute_floor(now: Timestamp) -> Timestamp {
    Timestamp::from_second(now.as_second().div_euclid(60) * 60).unwrap_or(now)
}

/// `t` minus `secs` seconds, saturating at the epoch.
pub fn seconds_before(t: Timestamp, secs: i64) -> Timestamp {
    Timestamp::from_second(t.as_second().saturating_sub(secs)).unwrap_or(Timestamp::UNIX_EPOCH)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_floors() {
        let t = Timestamp::from_second(1_800_000_123).expect("valid");
        assert_eq!(from_aws(&to_aws(t)), Some(t));
        assert_eq!(minute_floor(t).as_second(), 1_800_000_120);
        assert_eq!(seconds_before(t, 123).as_second(), 1_800_000_000);
    }
}
