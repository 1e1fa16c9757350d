//! How the simulated estate behaves over time: lag that wanders and spikes, health checks
//! that flap, backup jobs that mostly succeed. Every value is a pure function of the seed, the
//! entity and the time, so a given seed and clock always show the same fleet.

use super::estate::{CHECKER_REGIONS, LagProfile, ProtectedResource, SimHealthCheck};
use crate::fleet::JobState;
use jiff::Timestamp;
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use std::f64::consts::TAU;
use std::time::Duration;

/// A region-wide outage under way since `since`.
#[derive(Debug, Clone, PartialEq)]
pub struct Outage {
    pub region: String,
    pub since: Timestamp,
}

impl Outage {
    /// Seconds the outage has lasted at `t` (zero before it began).
    pub fn elapsed(&self, t: Timestamp) -> f64 {
        secs(t) - secs(self.since)
    }

    /// The region's APIs stop answering a little after the outage starts, as they do in life.
    pub fn api_down(&self, region: &str, t: Timestamp) -> bool {
        self.region == region && self.elapsed(t) >= API_DOWN_AFTER_SECS
    }
}

/// How long into an outage the region's control-plane APIs stop answering.
pub const API_DOWN_AFTER_SECS: f64 = 20.0;

/// How long before an outage a replica whose lag metric stops (`OutageRole::MetricStops`)
/// published its last datapoint: long enough that its newest datapoint is already too old
/// to be the lag now when the demo starts.
pub const METRIC_STOPPED_BEFORE_SECS: i64 = 12 * 60;

impl Outage {
    /// The last moment a replica whose metric stops still published lag.
    pub fn metric_stopped_at(&self) -> Timestamp {
        Timestamp::from_second(self.since.as_second() - METRIC_STOPPED_BEFORE_SECS)
            .unwrap_or(self.since)
    }
}

pub fn secs(t: Timestamp) -> f64 {
    t.as_millisecond() as f64 / 1000.0
}

/// A uniform number in [0, 1) fixed by its three inputs.
pub fn noise(seed: u64, a: u64, b: u64) -> f64 {
    let mixed =
        seed ^ a.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ b.wrapping_mul(0xC2B2_AE3D_27D4_EB4F);
    SmallRng::seed_from_u64(mixed).random::<f64>()
}

/// Replica lag in seconds at time `t` when nothing is wrong.
pub fn normal_lag(seed: u64, index: u64, p: &LagProfile, t: f64) -> f64 {
    let phase = noise(seed, index, 0) * TAU;
    let wave = p.base * (1.0 + p.swing * (TAU * t / p.period + phase).sin());
    // One in three quarter-hours carries a two-minute triangular spike at a random offset.
    let bucket = (t / 900.0).floor();
    let spike = if noise(seed, index, 1 + bucket as u64) < 0.33 {
        let start = bucket * 900.0 + noise(seed, index, 7 + bucket as u64) * 780.0;
        let into = t - start;
        if (0.0..120.0).contains(&into) {
            p.spike * (1.0 - (into - 60.0).abs() / 60.0)
        } else {
            0.0
        }
    } else {
        0.0
    };
    let jitter = p.base * 0.3 * (noise(seed, index, 10_000 + (t / 10.0).floor() as u64) - 0.5);
    (wave + spike + jitter).max(0.0)
}

/// Replica lag in seconds, with an outage of the source's region making it climb in step
/// with the clock: a replica that receives nothing falls one second behind every second.
pub fn lag_at(
    seed: u64,
    index: u64,
    p: &LagProfile,
    source_region: &str,
    outage: Option<&Outage>,
    t: Timestamp,
) -> f64 {
    match outage {
        Some(o) if o.region == source_region && o.elapsed(t) > 0.0 => {
            normal_lag(seed, index, p, secs(o.since)) + o.elapsed(t)
        }
        _ => normal_lag(seed, index, p, secs(t)),
    }
}

/// A lag in seconds as a replica's metric publishes it: in whole milliseconds (the Aurora
/// lags are milliseconds, `ReplicaLag` whole seconds), which is also what a replica's samples
/// keep packed (`fleet::LagSamples`). Cut, not rounded: the lag column shows whole
/// milliseconds cut, so the screen reads as it did with the exact value.
pub fn published_lag(seconds: f64) -> Duration {
    Duration::from_millis((seconds.max(0.0) * 1000.0) as u64)
}

/// What each checker region sees for a health check at `t`: `(checker_region, healthy)`.
pub fn checker_results(
    seed: u64,
    index: u64,
    check: &SimHealthCheck,
    outage: Option<&Outage>,
    t: Timestamp,
) -> Vec<(&'static str, bool)> {
    let now = secs(t);
    let failing = match outage {
        // Checkers notice one after another, a few seconds apart, until none sees it healthy.
        Some(o) if o.region == check.target_region && o.elapsed(t) > 0.0 => {
            ((o.elapsed(t) / 4.0).floor() as usize + 1).min(CHECKER_REGIONS.len())
        }
        _ if check.flappy => {
            let bucket = (now / 120.0).floor() as u64;
            let into = now - bucket as f64 * 120.0;
            let roll = noise(seed, 50_000 + index, bucket);
            if !(40.0..70.0).contains(&into) {
                0
            } else if roll < 0.12 {
                7
            } else if roll < 0.5 {
                2 + (roll * 10.0) as usize % 2
            } else {
                0
            }
        }
        _ => 0,
    };
    // Which checkers fail first is fixed per check, so the picture is stable between polls.
    let start = (noise(seed, 60_000 + index, 0) * CHECKER_REGIONS.len() as f64) as usize;
    CHECKER_REGIONS
        .iter()
        .enumerate()
        .map(|(i, region)| {
            let rank = (i + CHECKER_REGIONS.len() - start) % CHECKER_REGIONS.len();
            (*region, rank >= failing)
        })
        .collect()
}

pub const HEALTHY_REPORT: &str = "Success: HTTP Status Code 200, OK";
pub const TIMEOUT_REPORT: &str = "Failure: Connection timed out. The endpoint or the internet connection is down, or requests are being blocked by your firewall.";

/// One scheduled backup job of a protected resource.
#[derive(Debug, Clone, PartialEq)]
pub struct SimJob {
    pub slot: i64,
    pub created_at: Timestamp,
    pub finished_at: Timestamp,
    pub state: JobState,
    pub message: &'static str,
}

/// The backup jobs of `resource` created in `(from, to]`, oldest first.
pub fn jobs_between(
    seed: u64,
    index: u64,
    resource: &ProtectedResource,
    outage: Option<&Outage>,
    from: Timestamp,
    to: Timestamp,
) -> Vec<SimJob> {
    let period = i64::from(resource.every_hours.max(1)) * 3600;
    let offset = (noise(seed, 70_000 + index, 0) * period as f64) as i64;
    let first = (from.as_second() - offset).div_euclid(period) + 1;
    let last = (to.as_second() - offset).div_euclid(period);
    let chronic_since = to.as_second() - 3 * 86_400;
    (first..=last)
        .filter_map(|slot| {
            let created = slot * period + offset;
            let created_at = Timestamp::from_second(created).ok()?;
            let runtime = 600 + (noise(seed, 80_000 + index, slot as u64) * 2400.0) as i64;
            let finished_at = Timestamp::from_second(created + runtime).ok()?;
            let (state, message) = if finished_at > to {
                (JobState::Running, "")
            } else if outage.is_some_and(|o| o.region == resource.region && created_at >= o.since) {
                (JobState::Failed, "Backup job failed: the service endpoint in the source region did not respond (regional outage)")
            } else if let Some(why) = resource.chronic_failure.filter(|_| created >= chronic_since) {
                (JobState::Failed, why)
            } else {
                random_outcome(noise(seed, 90_000 + index, slot as u64), resource.resource_type)
            };
            Some(SimJob { slot, created_at, finished_at, state, message })
        })
        .collect()
}

fn random_outcome(roll: f64, resource_type: &str) -> (JobState, &'static str) {
    match roll {
        r if r < 0.94 => (JobState::Completed, ""),
        r if r < 0.965 => (
            JobState::CompletedWithIssues,
            if resource_type == "EFS" {
                "Backup completed with issues: 3 files were skipped because they were modified during the backup"
            } else {
                "Backup completed, but the copy to the DR vault was delayed and will be retried"
            },
        ),
        r if r < 0.985 => (
            JobState::Failed,
            "Backup job failed because the resource was being modified by another operation",
        ),
        r if r < 0.995 => (
            JobState::Expired,
            "Backup job expired: the backup window closed before the job could start",
        ),
        _ => (JobState::Aborted, "Backup job was aborted by a user"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: i64) -> Timestamp {
        Timestamp::from_second(1_800_000_000 + s).expect("valid")
    }

    fn profile() -> LagProfile {
        LagProfile {
            base: 5.0,
            swing: 0.5,
            period: 300.0,
            spike: 30.0,
        }
    }

    #[test]
    fn same_seed_same_values_other_seed_other_values() {
        let p = profile();
        let a: Vec<f64> = (0..50)
            .map(|i| normal_lag(7, 1, &p, 1e9 + f64::from(i) * 60.0))
            .collect();
        let b: Vec<f64> = (0..50)
            .map(|i| normal_lag(7, 1, &p, 1e9 + f64::from(i) * 60.0))
            .collect();
        let c: Vec<f64> = (0..50)
            .map(|i| normal_lag(8, 1, &p, 1e9 + f64::from(i) * 60.0))
            .collect();
        assert_eq!(a, b);
        assert_ne!(a, c);
        assert!(a.iter().all(|v| *v >= 0.0));
    }

    #[test]
    fn outage_makes_lag_climb_with_the_clock() {
        let outage = Outage {
            region: "us-east-1".into(),
            since: t(0),
        };
        let p = profile();
        let at = |s| lag_at(1, 0, &p, "us-east-1", Some(&outage), t(s));
        assert!((at(600) - at(0) - 600.0).abs() < 1e-6);
        let elsewhere = lag_at(1, 0, &p, "eu-west-1", Some(&outage), t(600));
        assert!(
            elsewhere < 100.0,
            "replicas of other regions are unaffected: {elsewhere}"
        );
    }

    #[test]
    fn outage_fails_checkers_one_after_another() {
        let check = SimHealthCheck {
            id: "hc".into(),
            name: "api".into(),
            target: "https://api".into(),
            target_region: "us-east-1".into(),
            guards: vec![],
            flappy: false,
        };
        let outage = Outage {
            region: "us-east-1".into(),
            since: t(0),
        };
        let healthy = |s| {
            checker_results(3, 0, &check, Some(&outage), t(s))
                .iter()
                .filter(|(_, ok)| *ok)
                .count()
        };
        assert_eq!(
            checker_results(3, 0, &check, None, t(10))
                .iter()
                .filter(|(_, ok)| *ok)
                .count(),
            8
        );
        assert_eq!(healthy(1), 7);
        assert!(healthy(9) < healthy(1));
        assert_eq!(healthy(60), 0);
    }

    #[test]
    fn jobs_follow_the_schedule_and_fail_in_an_outage() {
        let res = ProtectedResource {
            id: "db".into(),
            resource_type: "RDS",
            region: "us-east-1",
            vault: "v",
            every_hours: 1,
            chronic_failure: None,
            copy_to: None,
            point_in_time: false,
            backups_replicated_to: None,
        };
        let jobs = jobs_between(1, 0, &res, None, t(0), t(24 * 3600));
        assert_eq!(jobs.len(), 24);
        assert!(jobs.windows(2).all(|w| w[0].created_at < w[1].created_at));
        let outage = Outage {
            region: "us-east-1".into(),
            since: t(12 * 3600),
        };
        let jobs = jobs_between(1, 0, &res, Some(&outage), t(0), t(24 * 3600));
        let after: Vec<_> = jobs
            .iter()
            .filter(|j| j.created_at >= outage.since && j.state != JobState::Running)
            .collect();
        assert!(!after.is_empty());
        assert!(after.iter().all(|j| j.state == JobState::Failed));
    }
}
