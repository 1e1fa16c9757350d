//! Judging each item against its workload's targets. Pure functions of the data and `now`.

use super::age::{age_between, format_duration};
use super::{
    BackupWindowStats, CheckStatus, Evaluation, HealthCheck, RecoveryPointAge, Replica,
    ReplicationState, Targets, Thresholds,
};
use jiff::Timestamp;

/// A replica against its RPO. Broken replication is CRIT whatever the lag number says:
/// a replica that stopped applying changes shows a small, stale lag.
pub fn replica(r: &Replica, targets: &Targets, thresholds: &Thresholds) -> Evaluation {
    let rpo = targets.rpo;
    match &r.state {
        ReplicationState::Broken(why) => {
            return Evaluation::crit(format!("replication broken: {why}"));
        }
        ReplicationState::Promoted => return Evaluation::ok("promoted: now a standalone primary"),
        ReplicationState::Transitioning(what) => {
            return Evaluation::warn(format!("{what} in progress"));
        }
        // What the state cannot tell, the lag cannot make healthy: a replica in a state
        // ripcord does not know may be applying nothing at all.
        ReplicationState::Unknown => {
            return Evaluation::unknown("replication state unknown");
        }
        ReplicationState::Unrecognized(status) => {
            return Evaluation::unknown(format!(
                "RDS status \"{status}\" is not one ripcord knows: cannot tell"
            ));
        }
        ReplicationState::Replicating => {}
    }
    let Some(sample) = r.latest_sample() else {
        return Evaluation::unknown("no lag datapoints");
    };
    let Some(lag) = sample.lag else {
        return Evaluation::crit("lag metric says replication is not active");
    };
    let shown = super::age::format_lag(lag);
    let limit = format_duration(rpo);
    if lag > rpo {
        Evaluation::crit(format!("lag {shown} exceeds RPO {limit}"))
    } else if lag.as_secs_f64() > rpo.as_secs_f64() * thresholds.lag_warn_ratio {
        Evaluation::warn(format!(
            "lag {shown} is over {:.0}% of RPO {limit}",
            thresholds.lag_warn_ratio * 100.0
        ))
    } else {
        Evaluation::ok(format!("lag {shown} within RPO {limit}"))
    }
}

/// The newest good recovery point of a resource against its backup RPO.
pub fn recovery_point(
    rp: &RecoveryPointAge,
    targets: &Targets,
    thresholds: &Thresholds,
    now: Timestamp,
) -> Evaluation {
    let limit = format_duration(targets.backup_rpo);
    let Some(newest) = rp.newest_completed else {
        return Evaluation::crit("no completed recovery point");
    };
    let age = age_between(newest, now);
    let shown = format_duration(age);
    if age > targets.backup_rpo {
        Evaluation::crit(format!(
            "newest recovery point {shown} old, backup RPO {limit}"
        ))
    } else if age.as_secs_f64()
        > targets.backup_rpo.as_secs_f64() * thresholds.recovery_point_warn_ratio
    {
        Evaluation::warn(format!(
            "newest recovery point {shown} old, nearing backup RPO {limit}"
        ))
    } else {
        Evaluation::ok(format!("newest recovery point {shown} old, within {limit}"))
    }
}

/// A vault's success rate over a window against the thresholds.
pub fn backup_stats(stats: &BackupWindowStats, thresholds: &Thresholds) -> Evaluation {
    let c = &stats.counts;
    let Some(rate) = c.success_rate() else {
        return Evaluation::unknown(format!("no finished jobs in {}", stats.window.label()));
    };
    let pct = rate * 100.0;
    let detail = format!(
        "{pct:.1}% of {} jobs succeeded in {}",
        c.finished(),
        stats.window.label()
    );
    if rate < thresholds.backup_success_crit {
        Evaluation::crit(detail)
    } else if rate < thresholds.backup_success_warn {
        Evaluation::warn(detail)
    } else {
        Evaluation::ok(detail)
    }
}

/// A health check: failing is CRIT; healthy overall but with some checkers failing is WARN,
/// because that is how a regional problem first shows.
pub fn health_check(h: &HealthCheck) -> Evaluation {
    let checkers = match (h.checker_counts(), h.healthy_percent) {
        (Some((ok, total)), _) => format!("{ok}/{total} checkers healthy"),
        (None, Some(pct)) => format!("{pct:.0}% of checkers healthy"),
        (None, None) => "checker detail not fetched".to_string(),
    };
    let some_failing = match (h.checker_counts(), h.healthy_percent) {
        (Some((ok, total)), _) => ok < total,
        (None, Some(pct)) => pct < 100.0,
        (None, None) => false,
    };
    match h.status {
        CheckStatus::Unhealthy => Evaluation::crit(format!("failing: {checkers}")),
        CheckStatus::Unknown => Evaluation::unknown("no status yet"),
        CheckStatus::Healthy if some_failing => {
            Evaluation::warn(format!("healthy, but {checkers}"))
        }
        CheckStatus::Healthy => Evaluation::ok(checkers),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fleet::{
        CheckerObservation, JobCounts, JobState, LagSample, ReplicaKind, Verdict, Window, Workloads,
    };
    use std::time::Duration;

    fn at(s: i64) -> Timestamp {
        Timestamp::from_second(1_800_000_000 + s).expect("valid")
    }

    fn replica_with(state: ReplicationState, lag: Option<Option<u64>>) -> Replica {
        Replica {
            id: "r1".into(),
            region: "us-west-2".into(),
            source_id: "p1".into(),
            source_region: "us-east-1".into(),
            engine: "postgres".into(),
            kind: ReplicaKind::RdsReadReplica,
            state,
            lag_samples: lag
                .map(|l| {
                    vec![LagSample {
                        at: at(0),
                        lag: l.map(Duration::from_secs),
                    }]
                })
                .unwrap_or_default(),
        }
    }

    fn targets(rpo: u64) -> Targets {
        Targets {
            workload: None,
            rpo: Duration::from_secs(rpo),
            rto: Duration::from_secs(600),
            backup_rpo: Duration::from_secs(rpo),
        }
    }

    #[test]
    fn replica_lag_against_rpo() {
        let t = targets(300);
        let th = Thresholds::default();
        let v = |lag| {
            replica(
                &replica_with(ReplicationState::Replicating, Some(Some(lag))),
                &t,
                &th,
            )
            .verdict
        };
        assert_eq!(v(10), Verdict::Ok);
        assert_eq!(v(150), Verdict::Ok, "exactly half the RPO is still OK");
        assert_eq!(v(151), Verdict::Warn);
        assert_eq!(v(300), Verdict::Warn);
        assert_eq!(v(301), Verdict::Crit);
    }

    #[test]
    fn broken_replication_is_crit_even_with_zero_lag() {
        let e = replica(
            &replica_with(
                ReplicationState::Broken("IO thread stopped".into()),
                Some(Some(0)),
            ),
            &targets(300),
            &Thresholds::default(),
        );
        assert_eq!(e.verdict, Verdict::Crit);
        assert!(e.reason.contains("IO thread stopped"));
    }

    #[test]
    fn inactive_replication_and_missing_data() {
        let th = Thresholds::default();
        assert_eq!(
            replica(
                &replica_with(ReplicationState::Replicating, Some(None)),
                &targets(300),
                &th
            )
            .verdict,
            Verdict::Crit
        );
        assert_eq!(
            replica(
                &replica_with(ReplicationState::Replicating, None),
                &targets(300),
                &th
            )
            .verdict,
            Verdict::Unknown
        );
    }

    /// Issue 9 item 4: a state ripcord cannot read is "cannot tell", whatever the lag says.
    #[test]
    fn an_unrecognized_state_is_never_ok() {
        for state in [
            ReplicationState::Unrecognized("some-new-status".into()),
            ReplicationState::Unknown,
        ] {
            let e = replica(
                &replica_with(state.clone(), Some(Some(0))),
                &targets(300),
                &Thresholds::default(),
            );
            assert_eq!(e.verdict, Verdict::Unknown, "{state:?}");
        }
        let e = replica(
            &replica_with(
                ReplicationState::Unrecognized("some-new-status".into()),
                Some(Some(0)),
            ),
            &targets(300),
            &Thresholds::default(),
        );
        assert!(e.reason.contains("some-new-status"), "{}", e.reason);
    }

    #[test]
    fn recovery_point_age() {
        let t = targets(3600);
        let th = Thresholds::default();
        let rp = |newest| RecoveryPointAge {
            region: "r".into(),
            vault: "v".into(),
            resource_id: "x".into(),
            resource_type: "RDS".into(),
            newest_completed: newest,
        };
        let now = at(10_000);
        assert_eq!(
            recovery_point(&rp(Some(at(10_000 - 60))), &t, &th, now).verdict,
            Verdict::Ok
        );
        assert_eq!(
            recovery_point(&rp(Some(at(10_000 - 3000))), &t, &th, now).verdict,
            Verdict::Warn
        );
        assert_eq!(
            recovery_point(&rp(Some(at(10_000 - 3601))), &t, &th, now).verdict,
            Verdict::Crit
        );
        assert_eq!(
            recovery_point(&rp(None), &t, &th, now).verdict,
            Verdict::Crit
        );
        let _ = Workloads::default();
    }

    #[test]
    fn backup_success_rates() {
        let th = Thresholds::default();
        let stats = |ok, failed| {
            let mut counts = JobCounts::default();
            counts.add(JobState::Completed, ok);
            counts.add(JobState::Failed, failed);
            BackupWindowStats {
                region: "r".into(),
                vault: "v".into(),
                resource_type: "RDS".into(),
                window: Window::Day,
                counts,
            }
        };
        assert_eq!(backup_stats(&stats(100, 0), &th).verdict, Verdict::Ok);
        assert_eq!(backup_stats(&stats(95, 5), &th).verdict, Verdict::Warn);
        assert_eq!(backup_stats(&stats(80, 20), &th).verdict, Verdict::Crit);
        assert_eq!(backup_stats(&stats(0, 0), &th).verdict, Verdict::Unknown);
    }

    #[test]
    fn health_check_partial_failure_is_warn() {
        let obs = |healthy| CheckerObservation {
            checker_region: "us-east-1".into(),
            healthy,
            report: String::new(),
            observed_at: at(0),
        };
        let mut h = HealthCheck {
            id: "hc".into(),
            name: "api".into(),
            target: "https://api".into(),
            target_region: None,
            status: CheckStatus::Healthy,
            healthy_percent: None,
            observations: vec![obs(true), obs(true)],
            guards: vec![],
        };
        assert_eq!(health_check(&h).verdict, Verdict::Ok);
        h.observations.push(obs(false));
        let e = health_check(&h);
        assert_eq!(e.verdict, Verdict::Warn);
        assert!(e.reason.contains("2/3"), "{}", e.reason);
        h.status = CheckStatus::Unhealthy;
        assert_eq!(health_check(&h).verdict, Verdict::Crit);
    }
}
