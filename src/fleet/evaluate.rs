//! Judging each item against its workload's targets. Pure functions of the data and `now`.

use super::age::{DurationText, LagText, age_between, format_age, format_duration};
use super::replica::LagReading;
use super::{
    BackupWindowStats, Evaluation, HealthCheck, JobCounts, LagSample, NewestPoint,
    RecoveryPointAge, Replica, ReplicationState, Targets, Thresholds, Window,
};
use jiff::Timestamp;

/// A replica against its RPO. Broken replication is CRIT whatever the lag number says:
/// a replica that stopped applying changes shows a small, stale lag.
pub fn replica(
    r: &Replica,
    targets: &Targets,
    thresholds: &Thresholds,
    now: Timestamp,
) -> Evaluation {
    let rpo = targets.rpo;
    match &r.state {
        ReplicationState::Broken(why) => {
            return Evaluation::crit(format!("replication broken: {why}"));
        }
        ReplicationState::Promoted => return Evaluation::ok("promoted: now a standalone primary"),
        ReplicationState::Deleting(status) => {
            return Evaluation::crit(format!(
                "replica is being deleted (RDS status {status}): it will stop replicating"
            ));
        }
        ReplicationState::Transitioning(what) => {
            return Evaluation::warn(format!("{what} in progress"));
        }
        // What the state cannot tell, the lag cannot make healthy: a replica in a state
        // ripcord does not know may be applying nothing at all.
        ReplicationState::Unknown => {
            return Evaluation::unknown("replication state unknown");
        }
        ReplicationState::Unread(why) => {
            return Evaluation::unknown(format!("cannot tell: replication state not read: {why}"));
        }
        ReplicationState::Unrecognized(status) => {
            return Evaluation::unknown(format!(
                "RDS status \"{status}\" is not one ripcord knows: cannot tell"
            ));
        }
        ReplicationState::Replicating => {}
    }
    let sample = match r.lag_reading(now) {
        LagReading::Current(sample) => sample,
        LagReading::NoData => return Evaluation::unknown("no lag datapoints"),
        LagReading::Old(last) => {
            return Evaluation::unknown(format!(
                "no recent lag: newest datapoint {} ({})",
                format_age(last.at, now),
                sample_value(&last)
            ));
        }
        LagReading::Unread { why, last } => {
            let history = last.map_or_else(String::new, |s| {
                format!(
                    "; last datapoint {} ({})",
                    format_age(s.at, now),
                    sample_value(&s)
                )
            });
            return Evaluation::unknown(format!("cannot tell: lag not read: {why}{history}"));
        }
    };
    let Some(lag) = sample.lag else {
        return Evaluation::crit("lag metric says replication is not active");
    };
    // Written into the reason, not formatted apart: every replica is judged at every answer.
    let (shown, limit) = (LagText(lag), DurationText(rpo));
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

/// A datapoint's value in words, for reasons that quote an old one.
fn sample_value(s: &LagSample) -> String {
    s.lag.map_or_else(
        || "replication not active".to_string(),
        |lag| format!("lag {}", super::age::format_lag(lag)),
    )
}

/// The newest good recovery point of a resource against its backup RPO.
pub fn recovery_point(
    rp: &RecoveryPointAge,
    targets: &Targets,
    thresholds: &Thresholds,
    now: Timestamp,
) -> Evaluation {
    let limit = format_duration(targets.backup_rpo);
    let newest = match &rp.newest {
        NewestPoint::Taken(t) => *t,
        NewestPoint::None => return Evaluation::crit("no recovery point"),
        NewestPoint::CannotTell(why) => return Evaluation::unknown(format!("cannot tell: {why}")),
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
    backup_counts(&stats.counts, stats.window, thresholds)
}

/// Job counts over a window (a vault's, or a workload's resources') against the thresholds.
pub fn backup_counts(c: &JobCounts, window: Window, thresholds: &Thresholds) -> Evaluation {
    let Some(rate) = c.success_rate() else {
        return Evaluation::unknown(format!("no finished jobs in {}", window.label()));
    };
    let pct = rate * 100.0;
    let detail = format!(
        "{pct:.1}% of {} jobs succeeded in {}",
        c.finished(),
        window.label()
    );
    if rate < thresholds.backup_success_crit {
        Evaluation::crit(detail)
    } else if rate < thresholds.backup_success_warn {
        Evaluation::warn(detail)
    } else {
        Evaluation::ok(detail)
    }
}

/// A health check at `now`: judged in `health::judge`, next to the model it reads.
pub fn health_check(h: &HealthCheck, now: Timestamp) -> Evaluation {
    super::health::judge(h, now)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fleet::{
        CheckStatus, CheckerObservation, JobCounts, JobState, LagSample, ReplicaKind, Verdict,
        Window, Workloads,
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
                    .into()
                })
                .unwrap_or_default(),
            lag_problem: None,
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
                at(0),
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
            at(0),
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
                &th,
                at(0),
            )
            .verdict,
            Verdict::Crit
        );
        assert_eq!(
            replica(
                &replica_with(ReplicationState::Replicating, None),
                &targets(300),
                &th,
                at(0),
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
                at(0),
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
            at(0),
        );
        assert!(e.reason.contains("some-new-status"), "{}", e.reason);
    }

    /// Issue 9 item 1: CloudWatch returns only the datapoints that exist. A replica whose
    /// metric stopped 55 minutes ago at 2 s has no lag now, whatever that value was.
    #[test]
    fn an_old_lag_datapoint_is_no_recent_lag_never_ok() {
        let r = replica_with(ReplicationState::Replicating, Some(Some(2)));
        let th = Thresholds::default();
        let fresh = replica(&r, &targets(300), &th, at(90));
        assert_eq!(fresh.verdict, Verdict::Ok, "{}", fresh.reason);
        let old = replica(&r, &targets(300), &th, at(55 * 60));
        assert_eq!(old.verdict, Verdict::Unknown, "{}", old.reason);
        assert!(
            old.reason.contains("no recent lag") && old.reason.contains("55m"),
            "{}",
            old.reason
        );
        // An old "not active" is just as old: it cannot say replication is stopped now.
        let stopped = replica_with(ReplicationState::Replicating, Some(None));
        assert_eq!(
            replica(&stopped, &targets(300), &th, at(55 * 60)).verdict,
            Verdict::Unknown
        );
    }

    /// Issue 9 items 2 and 8: a lag that could not be read is "cannot tell", with what AWS
    /// said, even when an earlier read left a good-looking datapoint behind.
    #[test]
    fn a_lag_that_could_not_be_read_is_cannot_tell_with_the_reason() {
        let mut r = replica_with(ReplicationState::Replicating, Some(Some(2)));
        r.lag_problem = Some("CloudWatch said InternalError".into());
        let e = replica(&r, &targets(300), &Thresholds::default(), at(30));
        assert_eq!(e.verdict, Verdict::Unknown, "{}", e.reason);
        assert!(e.reason.contains("InternalError"), "{}", e.reason);
        // Broken replication is still CRIT: the state does not depend on the metric.
        r.state = ReplicationState::Broken("instance is storage-full".into());
        assert_eq!(
            replica(&r, &targets(300), &Thresholds::default(), at(30)).verdict,
            Verdict::Crit
        );
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
            newest,
        };
        let now = at(10_000);
        assert_eq!(
            recovery_point(&rp(NewestPoint::Taken(at(10_000 - 60))), &t, &th, now).verdict,
            Verdict::Ok
        );
        assert_eq!(
            recovery_point(&rp(NewestPoint::Taken(at(10_000 - 3000))), &t, &th, now).verdict,
            Verdict::Warn
        );
        assert_eq!(
            recovery_point(&rp(NewestPoint::Taken(at(10_000 - 3601))), &t, &th, now).verdict,
            Verdict::Crit
        );
        assert_eq!(
            recovery_point(&rp(NewestPoint::None), &t, &th, now).verdict,
            Verdict::Crit
        );
        let unknown = recovery_point(
            &rp(NewestPoint::CannotTell("vault x: timed out".into())),
            &t,
            &th,
            now,
        );
        assert_eq!(unknown.verdict, Verdict::Unknown, "cannot tell is not none");
        assert!(unknown.reason.contains("vault x"), "{}", unknown.reason);
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
            kind: crate::fleet::CheckKind::Endpoint,
            inverted: false,
            disabled: false,
            status: CheckStatus::Healthy,
            status_at: Some(at(0)),
            healthy_percent: None,
            observations: vec![obs(true), obs(true)],
            guards: vec![],
        };
        assert_eq!(health_check(&h, at(0)).verdict, Verdict::Ok);
        h.observations.push(obs(false));
        let e = health_check(&h, at(0));
        assert_eq!(e.verdict, Verdict::Warn);
        assert!(e.reason.contains("2/3"), "{}", e.reason);
        h.status = CheckStatus::Unhealthy;
        assert_eq!(health_check(&h, at(0)).verdict, Verdict::Crit);
    }
}
