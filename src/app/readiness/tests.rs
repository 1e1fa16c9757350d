//! Each readiness reason, from live data fed through `App::update` and drills read from real
//! run files written by the audit writer.

use super::*;
use crate::app::fleet::Fetched;
use crate::app::{Event, Mode};
use crate::audit::evidence::{
    self,
    testing::{End, write_run},
};
use crate::config::Refresh;
use crate::fleet::readiness::{Readiness, Reason};
use crate::fleet::{
    AutomatedBackups, BackupHealth, CheckKind, CheckStatus, FailoverRecord, FailoverRole,
    HealthCheck, LagSample, Listing, NewestPoint, OffsiteCopy, RecoveryPointAge, Replica,
    ReplicaKind, ReplicationState, RestoreWindow, Snapshot, Targets, Thresholds, Verdict, Workload,
    Workloads,
};
use crate::source::sim::Scenario;
use crate::theme::Theme;
use jiff::SignedDuration;
use std::path::Path;
use std::time::Duration;

const EAST: &str = "us-east-1";
const WEST: &str = "us-west-2";
const DAY: i64 = 86_400;

fn t(s: i64) -> Timestamp {
    Timestamp::from_second(1_800_000_000 + s).expect("valid")
}

fn ago(now: Timestamp, secs: i64) -> Timestamp {
    now.checked_sub(SignedDuration::from_secs(secs))
        .expect("in range")
}

fn orders() -> Workload {
    Workload {
        name: "orders".into(),
        rpo: Duration::from_secs(60),
        rto: Duration::from_secs(900),
        backup_rpo: Some(Duration::from_secs(2 * 3600)),
        resources: vec!["orders-*".into()],
        drill_every: Some(Duration::from_secs(90 * DAY as u64)),
    }
}

fn app(now: Timestamp) -> App {
    let d = Workloads::default();
    App::new(
        Mode::Demo {
            scenario: Scenario::Normal,
        },
        "sim",
        &[EAST.to_string(), WEST.to_string()],
        Workloads::new(vec![orders()], d.default_targets, Thresholds::default()),
        Refresh::default(),
        Theme::mono(),
        now,
    )
}

fn dr_replica(now: Timestamp, lag_secs: u64) -> Replica {
    Replica {
        id: "orders-dr-usw2".into(),
        region: WEST.into(),
        source_id: "orders-primary".into(),
        source_region: EAST.into(),
        engine: "postgres".into(),
        kind: ReplicaKind::RdsReadReplica,
        state: ReplicationState::Replicating,
        lag_samples: vec![LagSample {
            at: now,
            lag: Some(Duration::from_secs(lag_secs)),
        }]
        .into(),
        lag_problem: None,
    }
}

/// us-east-1's backups: the primary's newest point `point_age` old, its copies to us-west-2.
fn east_backups(now: Timestamp, point_age: i64, copies: Listing<OffsiteCopy>) -> BackupHealth {
    BackupHealth {
        recovery_points: vec![RecoveryPointAge {
            region: EAST.into(),
            vault: "prod-use1".into(),
            resource_id: "orders-primary".into(),
            resource_type: "RDS".into(),
            newest: NewestPoint::Taken(ago(now, point_age)),
        }],
        protected_listed: true,
        copies,
        restore_windows: Listing::Read(vec![RestoreWindow {
            region: EAST.into(),
            db_id: "orders-primary".into(),
            latest_restorable: Some(ago(now, 300)),
            listed_at: now,
        }]),
        automated_backups: Listing::Read(vec![]),
        ..BackupHealth::default()
    }
}

fn copied(now: Timestamp, age: i64) -> Listing<OffsiteCopy> {
    Listing::Read(vec![OffsiteCopy {
        resource_id: "orders-primary".into(),
        source_region: EAST.into(),
        destination_region: WEST.into(),
        destination_vault: "dr-usw2".into(),
        completed_at: ago(now, age),
    }])
}

fn west_backups(now: Timestamp) -> BackupHealth {
    BackupHealth {
        protected_listed: true,
        copies: Listing::Read(vec![]),
        restore_windows: Listing::Read(vec![]),
        automated_backups: Listing::Read(vec![AutomatedBackups {
            held_in: WEST.into(),
            db_id: "orders-primary".into(),
            db_region: EAST.into(),
            latest_restorable: Some(ago(now, 600)),
        }]),
        ..BackupHealth::default()
    }
}

fn check(
    id: &str,
    name: &str,
    role: FailoverRole,
    status: CheckStatus,
    now: Timestamp,
) -> HealthCheck {
    HealthCheck {
        id: id.into(),
        name: name.into(),
        target: format!("HTTPS {name}.example.com:443/health"),
        target_region: None,
        kind: CheckKind::Endpoint,
        inverted: false,
        disabled: false,
        status,
        status_at: Some(now),
        healthy_percent: Some(100.0),
        observations: vec![],
        guards: vec![FailoverRecord {
            zone: "example.com.".into(),
            name: "api.example.com.".into(),
            record_type: "CNAME".into(),
            set_identifier: id.into(),
            role,
            value: format!("{name}.example.com"),
        }],
    }
}

fn checks(now: Timestamp, secondary: CheckStatus) -> Vec<HealthCheck> {
    vec![
        check(
            "hc-1",
            "orders-api",
            FailoverRole::Primary,
            CheckStatus::Healthy,
            now,
        ),
        check("hc-2", "api-dr", FailoverRole::Secondary, secondary, now),
    ]
}

/// Feeds one round of every feed into `app` at `now`.
fn feed(
    app: &mut App,
    now: Timestamp,
    replicas: Vec<Replica>,
    east: BackupHealth,
    health: Vec<HealthCheck>,
) {
    app.update(
        Event::Fetched(Fetched::Replicas {
            place: EAST.into(),
            result: Ok(Snapshot::new(vec![], now)),
        }),
        now,
    );
    app.update(
        Event::Fetched(Fetched::Replicas {
            place: WEST.into(),
            result: Ok(Snapshot::new(replicas, now)),
        }),
        now,
    );
    app.update(
        Event::Fetched(Fetched::Backups {
            place: EAST.into(),
            result: Ok(Snapshot::new(east, now)),
        }),
        now,
    );
    app.update(
        Event::Fetched(Fetched::Backups {
            place: WEST.into(),
            result: Ok(Snapshot::new(west_backups(now), now)),
        }),
        now,
    );
    app.update(
        Event::Fetched(Fetched::Health {
            account: None,
            result: Ok(Snapshot::new(health, now)),
        }),
        now,
    );
}

/// The drills of `dir` and which runbook serves orders, as the runtime gives them.
fn with_drills(app: &mut App, dir: &Path) {
    app.readiness_view.drills = Some(evidence::drills(dir));
    app.readiness_view.serving = vec![Serving {
        runbook: "rds-cross-region-failover".into(),
        workload: "orders".into(),
    }];
}

/// An app where every input says ready, with a drill 10 days ago that took 7 minutes.
fn ready_app(dir: &Path) -> (App, Timestamp) {
    let now = t(100 * DAY);
    write_run(
        dir,
        "rds-cross-region-failover",
        ago(now, 10 * DAY),
        End::Finished { elapsed_secs: 420 },
    );
    let mut app = app(now);
    feed(
        &mut app,
        now,
        vec![dr_replica(now, 5)],
        east_backups(now, 3600, copied(now, 1800)),
        checks(now, CheckStatus::Healthy),
    );
    with_drills(&mut app, dir);
    (app, now)
}

fn orders_of(app: &App) -> crate::fleet::readiness::WorkloadReadiness {
    app.readiness()
        .into_iter()
        .find(|w| w.workload == "orders")
        .expect("orders judged")
}

fn reason<'a>(r: &'a [Reason], subject: &str) -> &'a Reason {
    r.iter()
        .find(|r| r.subject.starts_with(subject))
        .unwrap_or_else(|| panic!("no reason about {subject}: {r:#?}"))
}

#[test]
fn every_input_ok_is_ready_and_every_reason_has_evidence_and_age() {
    let tmp = tempfile::tempdir().expect("tmp");
    let (app, _) = ready_app(&tmp.path().join("audit"));
    let w = orders_of(&app);
    assert_eq!(w.verdict, Readiness::Ready, "{:#?}", w.reasons);
    for subject in [
        "DR replica orders-dr-usw2",
        "recovery point orders-primary",
        "copy of orders-primary out of us-east-1",
        "point-in-time restore orders-primary",
        "replicated backups of orders-primary in us-west-2",
        "drill of rds-cross-region-failover",
        "DNS failover api.example.com",
    ] {
        let r = reason(&w.reasons, subject);
        assert_eq!(r.verdict, Verdict::Ok, "{r:#?}");
        assert!(!r.evidence.is_empty() && r.age_seconds.is_some(), "{r:#?}");
    }
    let drill = reason(&w.reasons, "drill of");
    // It ended 7 minutes after it started, ten days ago.
    assert_eq!(drill.age_seconds, Some((10 * DAY - 420) as u64));
    assert!(drill.evidence.contains("chain head"), "{}", drill.evidence);
}

#[test]
fn lag_over_the_rpo_is_not_ready() {
    let tmp = tempfile::tempdir().expect("tmp");
    let (mut app, now) = ready_app(&tmp.path().join("audit"));
    app.update(
        Event::Fetched(Fetched::Replicas {
            place: WEST.into(),
            result: Ok(Snapshot::new(vec![dr_replica(now, 90)], now)),
        }),
        now,
    );
    let w = orders_of(&app);
    assert_eq!(w.verdict, Readiness::NotReady);
    let r = reason(&w.reasons, "DR replica");
    assert_eq!(r.verdict, Verdict::Crit);
    assert!(r.text.contains("exceeds RPO"), "{}", r.text);
}

#[test]
fn a_dr_replica_that_is_not_available_is_not_ready() {
    let tmp = tempfile::tempdir().expect("tmp");
    let (mut app, now) = ready_app(&tmp.path().join("audit"));
    let mut broken = dr_replica(now, 1);
    broken.state = ReplicationState::Broken("deleting".into());
    app.update(
        Event::Fetched(Fetched::Replicas {
            place: WEST.into(),
            result: Ok(Snapshot::new(vec![broken], now)),
        }),
        now,
    );
    assert_eq!(
        reason(&orders_of(&app).reasons, "DR replica").verdict,
        Verdict::Crit
    );
}

#[test]
fn old_data_is_cannot_tell_never_ready() {
    let tmp = tempfile::tempdir().expect("tmp");
    let (mut app, now) = ready_app(&tmp.path().join("audit"));
    // Eleven minutes on, nothing new has arrived: every feed is past twice its interval
    // (backups: 5 minutes).
    let later = now
        .checked_add(SignedDuration::from_secs(660))
        .expect("in range");
    app.update(Event::Tick, later);
    let w = orders_of(&app);
    assert_ne!(w.verdict, Readiness::Ready);
    assert_eq!(reason(&w.reasons, "DR replica").verdict, Verdict::Unknown);
    let r = reason(&w.reasons, "recovery point orders-primary");
    assert_eq!(r.verdict, Verdict::Unknown);
    assert!(
        r.text
            .starts_with("cannot tell: no fresh data, it is 11m old"),
        "{}",
        r.text
    );
}

#[test]
fn a_feed_never_read_is_cannot_tell() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path().join("audit");
    let now = t(100 * DAY);
    let mut app = app(now);
    with_drills(&mut app, &dir);
    let w = orders_of(&app);
    assert_eq!(w.verdict, Readiness::AtRisk);
    assert_eq!(
        reason(&w.reasons, "replicas in us-east-1").verdict,
        Verdict::Unknown
    );
    assert_eq!(
        reason(&w.reasons, "backups in us-west-2").verdict,
        Verdict::Unknown
    );
    // A fetch that failed says why.
    app.update(
        Event::Fetched(Fetched::Replicas {
            place: EAST.into(),
            result: Err(crate::source::SourceError::new(
                crate::source::SourceErrorKind::AccessDenied,
                "rds:DescribeDBInstances",
                "not authorized",
            )),
        }),
        now,
    );
    let w = orders_of(&app);
    let r = reason(&w.reasons, "replicas in us-east-1");
    assert_eq!(r.verdict, Verdict::Unknown);
    assert!(r.text.contains("rds:DescribeDBInstances"), "{}", r.text);
}

#[test]
fn a_recovery_point_older_than_the_backup_rpo_is_not_ready() {
    let tmp = tempfile::tempdir().expect("tmp");
    let (mut app, now) = ready_app(&tmp.path().join("audit"));
    app.update(
        Event::Fetched(Fetched::Backups {
            place: EAST.into(),
            result: Ok(Snapshot::new(
                east_backups(now, 3 * 3600, copied(now, 1800)),
                now,
            )),
        }),
        now,
    );
    let w = orders_of(&app);
    let r = reason(&w.reasons, "recovery point orders-primary");
    assert_eq!(r.verdict, Verdict::Crit);
}

#[test]
fn backups_not_copied_out_of_region_are_not_ready() {
    let tmp = tempfile::tempdir().expect("tmp");
    let (mut app, now) = ready_app(&tmp.path().join("audit"));
    app.update(
        Event::Fetched(Fetched::Backups {
            place: EAST.into(),
            result: Ok(Snapshot::new(
                east_backups(now, 3600, Listing::Read(vec![])),
                now,
            )),
        }),
        now,
    );
    let w = orders_of(&app);
    assert_eq!(w.verdict, Readiness::NotReady);
    let r = reason(&w.reasons, "copy of orders-primary");
    assert_eq!(r.verdict, Verdict::Crit);
    assert!(r.text.contains("not copied out of us-east-1"), "{}", r.text);
}

#[test]
fn an_old_copy_is_at_risk_and_an_unread_copy_listing_is_cannot_tell() {
    let tmp = tempfile::tempdir().expect("tmp");
    let (mut app, now) = ready_app(&tmp.path().join("audit"));
    app.update(
        Event::Fetched(Fetched::Backups {
            place: EAST.into(),
            result: Ok(Snapshot::new(
                east_backups(now, 3600, copied(now, 5 * 3600)),
                now,
            )),
        }),
        now,
    );
    let w = orders_of(&app);
    let r = reason(&w.reasons, "copy of");
    assert_eq!(r.verdict, Verdict::Warn);
    assert_eq!(r.age_seconds, Some(5 * 3600));
    app.update(
        Event::Fetched(Fetched::Backups {
            place: EAST.into(),
            result: Ok(Snapshot::new(
                east_backups(
                    now,
                    3600,
                    Listing::Failed("backup:ListCopyJobs: AccessDenied".into()),
                ),
                now,
            )),
        }),
        now,
    );
    let w = orders_of(&app);
    let r = reason(&w.reasons, "copy of");
    assert_eq!(r.verdict, Verdict::Unknown);
    assert!(r.text.contains("AccessDenied"), "{}", r.text);
    assert_eq!(w.verdict, Readiness::AtRisk);
}

#[test]
fn point_in_time_restore_off_is_at_risk() {
    let tmp = tempfile::tempdir().expect("tmp");
    let (mut app, now) = ready_app(&tmp.path().join("audit"));
    let mut east = east_backups(now, 3600, copied(now, 1800));
    east.restore_windows = Listing::Read(vec![RestoreWindow {
        region: EAST.into(),
        db_id: "orders-primary".into(),
        latest_restorable: None,
        listed_at: now,
    }]);
    app.update(
        Event::Fetched(Fetched::Backups {
            place: EAST.into(),
            result: Ok(Snapshot::new(east, now)),
        }),
        now,
    );
    let w = orders_of(&app);
    assert_eq!(
        reason(&w.reasons, "point-in-time restore").verdict,
        Verdict::Warn
    );
    assert_eq!(w.verdict, Readiness::AtRisk);
}

/// Issue 10: the AWS source takes the restore windows from the replicas feed's listing, which
/// may be older than the backups feed that carries them. A window is as old as its listing:
/// within the backups feed's bound it is judged; past it, it is "cannot tell" with the
/// listing's own age, however fresh the backups feed is.
#[test]
fn a_restore_window_is_as_old_as_its_listing_and_an_old_one_is_cannot_tell() {
    let tmp = tempfile::tempdir().expect("tmp");
    let (mut app, now) = ready_app(&tmp.path().join("audit"));
    let window = |listed_ago: i64| {
        let mut east = east_backups(now, 3600, copied(now, 1800));
        east.restore_windows = Listing::Read(vec![RestoreWindow {
            region: EAST.into(),
            db_id: "orders-primary".into(),
            latest_restorable: None,
            listed_at: ago(now, listed_ago),
        }]);
        east
    };
    let backups_every = Refresh::default().backups.as_secs() as i64;
    // Listed a minute before the backups feed was fetched (now): judged, and its evidence
    // gives the listing's time.
    app.update(
        Event::Fetched(Fetched::Backups {
            place: EAST.into(),
            result: Ok(Snapshot::new(window(60), now)),
        }),
        now,
    );
    let w = orders_of(&app);
    let r = reason(&w.reasons, "point-in-time restore");
    assert_eq!(r.verdict, Verdict::Warn, "{}", r.text);
    assert_eq!(r.age_seconds, Some(60), "the listing's age, not the feed's");
    assert!(
        r.evidence.contains(&ago(now, 60).to_string()),
        "{}",
        r.evidence
    );
    // Listed longer ago than the backups feed may be old: cannot tell, with its age.
    let listed_ago = 2 * backups_every + 120;
    let mut east = window(listed_ago);
    east.restore_windows = Listing::Read(vec![RestoreWindow {
        latest_restorable: Some(ago(now, listed_ago + 60)),
        ..east.restore_windows.read().expect("read")[0].clone()
    }]);
    app.update(
        Event::Fetched(Fetched::Backups {
            place: EAST.into(),
            result: Ok(Snapshot::new(east, now)),
        }),
        now,
    );
    let w = orders_of(&app);
    let r = reason(&w.reasons, "point-in-time restore");
    assert_eq!(r.verdict, Verdict::Unknown, "{}", r.text);
    assert!(
        r.text
            .starts_with("cannot tell: no fresh data, it is 12m old"),
        "{}",
        r.text
    );
    assert_eq!(w.verdict, Readiness::AtRisk);
    // The rest of the backups feed, fresh, is judged as before.
    assert_eq!(reason(&w.reasons, "copy of").verdict, Verdict::Ok);
}

/// A restore-window listing that failed is "cannot tell" with the reason, never OK, and takes
/// nothing else of the backups feed with it.
#[test]
fn a_failed_restore_window_listing_is_cannot_tell_beside_the_rest() {
    let tmp = tempfile::tempdir().expect("tmp");
    let (mut app, now) = ready_app(&tmp.path().join("audit"));
    let mut east = east_backups(now, 3600, copied(now, 1800));
    east.restore_windows =
        Listing::Failed("rds:DescribeDBInstances: Throttling: Rate exceeded".into());
    app.update(
        Event::Fetched(Fetched::Backups {
            place: EAST.into(),
            result: Ok(Snapshot::new(east, now)),
        }),
        now,
    );
    let w = orders_of(&app);
    let r = reason(&w.reasons, "point-in-time restore");
    assert_eq!(r.verdict, Verdict::Unknown);
    assert!(r.text.contains("Rate exceeded"), "{}", r.text);
    assert_eq!(w.verdict, Readiness::AtRisk);
    assert_eq!(reason(&w.reasons, "copy of").verdict, Verdict::Ok);
    assert_eq!(reason(&w.reasons, "recovery point").verdict, Verdict::Ok);
}

#[test]
fn an_unhealthy_secondary_is_not_ready() {
    let tmp = tempfile::tempdir().expect("tmp");
    let (mut app, now) = ready_app(&tmp.path().join("audit"));
    app.update(
        Event::Fetched(Fetched::Health {
            account: None,
            result: Ok(Snapshot::new(checks(now, CheckStatus::Unhealthy), now)),
        }),
        now,
    );
    let w = orders_of(&app);
    assert_eq!(w.verdict, Readiness::NotReady);
    assert!(
        reason(&w.reasons, "DNS failover")
            .text
            .contains("secondary api-dr")
    );
}

#[test]
fn no_runbook_serving_the_workload_is_a_plain_reason() {
    let tmp = tempfile::tempdir().expect("tmp");
    let (mut app, _) = ready_app(&tmp.path().join("audit"));
    app.readiness_view.serving.clear();
    let w = orders_of(&app);
    assert_eq!(w.verdict, Readiness::AtRisk);
    assert!(
        reason(&w.reasons, "runbooks")
            .text
            .contains("no runbook serves orders")
    );
}

#[test]
fn never_drilled_and_a_missing_audit_directory_are_at_risk() {
    let tmp = tempfile::tempdir().expect("tmp");
    let (mut app, _) = ready_app(&tmp.path().join("audit"));
    app.readiness_view.serving[0].runbook = "backup-restore-drill".into();
    let r = reason(&orders_of(&app).reasons, "drills").clone();
    assert_eq!(r.verdict, Verdict::Warn);
    assert!(
        r.text
            .starts_with("never drilled: no finished or aborted run of backup-restore-drill"),
        "{}",
        r.text
    );
    app.readiness_view.drills = Some(evidence::drills(&tmp.path().join("nowhere")));
    let r = reason(&orders_of(&app).reasons, "drills").clone();
    assert_eq!(r.verdict, Verdict::Warn);
    assert!(r.text.contains("no audit directory"), "{}", r.text);
}

#[test]
fn a_drill_older_than_the_policy_is_at_risk() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path().join("audit");
    let (mut app, now) = ready_app(&dir);
    std::fs::remove_dir_all(&dir).expect("clear");
    write_run(
        &dir,
        "rds-cross-region-failover",
        ago(now, 120 * DAY),
        End::Finished { elapsed_secs: 420 },
    );
    with_drills(&mut app, &dir);
    let w = orders_of(&app);
    assert_eq!(w.verdict, Readiness::AtRisk);
    assert!(
        reason(&w.reasons, "drill of")
            .text
            .contains("older than the drill policy (every 90d00h)")
    );
}

#[test]
fn a_drill_over_the_rto_or_aborted_is_not_ready() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path().join("audit");
    let (mut app, now) = ready_app(&dir);
    write_run(
        &dir,
        "rds-cross-region-failover",
        ago(now, 2 * DAY),
        End::Finished { elapsed_secs: 1500 },
    );
    with_drills(&mut app, &dir);
    let r = reason(&orders_of(&app).reasons, "drill of").clone();
    assert_eq!(r.verdict, Verdict::Crit);
    assert!(r.text.contains("took 25m, over the RTO 15m"), "{}", r.text);
    write_run(
        &dir,
        "rds-cross-region-failover",
        ago(now, DAY),
        End::Aborted("promotion failed"),
    );
    with_drills(&mut app, &dir);
    let r = reason(&orders_of(&app).reasons, "drill of").clone();
    assert_eq!(r.verdict, Verdict::Crit);
    assert!(r.text.contains("aborted: promotion failed"), "{}", r.text);
}

#[test]
fn the_last_restore_test_is_judged_against_the_rto() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path().join("audit");
    let (mut app, now) = ready_app(&dir);
    write_run(
        &dir,
        "rds-cross-region-failover",
        ago(now, DAY),
        End::Restored {
            elapsed_secs: 800,
            restore_secs: 480,
        },
    );
    with_drills(&mut app, &dir);
    let w = orders_of(&app);
    let r = reason(&w.reasons, "restore test");
    assert_eq!(r.verdict, Verdict::Ok, "{r:#?}");
    assert!(
        r.text.contains("restored in 8m, within the RTO 15m"),
        "{}",
        r.text
    );
    assert_eq!(w.verdict, Readiness::Ready);
    write_run(
        &dir,
        "rds-cross-region-failover",
        ago(now, 3600),
        End::Restored {
            elapsed_secs: 1000,
            restore_secs: 1000,
        },
    );
    with_drills(&mut app, &dir);
    let w = orders_of(&app);
    let r = reason(&w.reasons, "restore test");
    assert_eq!(r.verdict, Verdict::Crit);
    assert!(r.text.contains("over the RTO 15m"), "{}", r.text);
    assert_eq!(w.verdict, Readiness::NotReady);
}

#[test]
fn a_drill_that_fails_verify_is_not_evidence() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path().join("audit");
    let (mut app, now) = ready_app(&dir);
    let forged = write_run(
        &dir,
        "rds-cross-region-failover",
        ago(now, DAY),
        End::Finished { elapsed_secs: 1500 },
    );
    let text = std::fs::read_to_string(&forged).expect("read");
    std::fs::write(
        &forged,
        text.replace("\"elapsed_secs\":1500", "\"elapsed_secs\":150"),
    )
    .expect("write");
    with_drills(&mut app, &dir);
    let w = orders_of(&app);
    let bad = w
        .reasons
        .iter()
        .find(|r| r.text.contains("is not evidence"))
        .unwrap_or_else(|| panic!("{:#?}", w.reasons));
    assert_eq!(bad.verdict, Verdict::Unknown);
    assert!(
        bad.text.contains("fails `ripcord audit verify`"),
        "{}",
        bad.text
    );
    assert_eq!(
        w.verdict,
        Readiness::AtRisk,
        "the forged fast drill proves nothing"
    );
}

#[test]
fn workloads_come_worst_first() {
    let tmp = tempfile::tempdir().expect("tmp");
    let (mut app, now) = ready_app(&tmp.path().join("audit"));
    let d = Workloads::default();
    let mut billing = orders();
    billing.name = "billing".into();
    billing.resources = vec!["billing-*".into()];
    app.fleet.workloads = Workloads::new(
        vec![orders(), billing],
        Targets {
            ..d.default_targets
        },
        Thresholds::default(),
    );
    app.update(Event::Tick, now);
    let names: Vec<_> = app
        .readiness()
        .into_iter()
        .map(|w| (w.workload, w.verdict))
        .collect();
    assert_eq!(
        names,
        vec![
            ("billing".to_string(), Readiness::NotReady),
            ("orders".to_string(), Readiness::Ready)
        ]
    );
}

/// The demo's fleet at `now`, one round of every feed, with the shipped runbooks serving
/// their workloads and the drills of `dir`.
fn demo_app(dir: &Path, now: Timestamp) -> App {
    use crate::clock::Clock;
    use crate::source::sim::{SimFleet, SimOptions};
    let sim = SimFleet::new(SimOptions {
        clock: Clock::manual(now),
        ..SimOptions::default()
    });
    let regions: Vec<String> = crate::source::sim::estate::REGIONS
        .iter()
        .map(|r| r.to_string())
        .collect();
    let mut app = App::new(
        Mode::Demo {
            scenario: Scenario::Normal,
        },
        "sim",
        &regions,
        crate::config::Config::default().workloads(sim.workloads()),
        Refresh::demo(),
        Theme::mono(),
        now,
    );
    for region in &regions {
        app.update(
            Event::Fetched(Fetched::Replicas {
                place: region.clone().into(),
                result: sim.replicas_at(region, now),
            }),
            now,
        );
        app.update(
            Event::Fetched(Fetched::Backups {
                place: region.clone().into(),
                result: sim.backups_at(region, now),
            }),
            now,
        );
    }
    app.update(
        Event::Fetched(Fetched::Health {
            account: None,
            result: sim.health_checks_at(now),
        }),
        now,
    );
    app.readiness_view.serving = crate::runbook::lang::library::Library::shipped().serving();
    app.readiness_view.drills = Some(evidence::drills(dir));
    app
}

#[test]
fn the_demo_shows_a_workload_never_drilled_one_not_copied_out_of_region_and_one_ready() {
    let tmp = tempfile::tempdir().expect("tmp");
    let dir = tmp.path().join("audit");
    let now = t(0);
    let judged = demo_app(&dir, now).readiness();
    let of = |name: &str| {
        judged
            .iter()
            .find(|w| w.workload == name)
            .unwrap_or_else(|| panic!("{name} judged"))
    };
    let orders = of("orders");
    assert_eq!(orders.verdict, Readiness::AtRisk, "{:#?}", orders.reasons);
    assert!(
        orders
            .reasons
            .iter()
            .any(|r| r.text.contains("no audit directory"))
    );
    let catalog = of("catalog");
    assert_eq!(
        catalog.verdict,
        Readiness::NotReady,
        "{:#?}",
        catalog.reasons
    );
    assert!(
        catalog
            .reasons
            .iter()
            .any(|r| r.verdict == Verdict::Crit && r.text.contains("not copied out of us-east-1")),
        "{:#?}",
        catalog.reasons
    );
    assert_eq!(of("billing").verdict, Readiness::AtRisk);
    // A drill of billing's runbook, recorded by the audit writer, makes billing READY.
    write_run(
        &dir,
        "aurora-global-failover",
        ago(now, 3 * DAY),
        End::Finished { elapsed_secs: 360 },
    );
    let judged = demo_app(&dir, now).readiness();
    let billing = judged
        .iter()
        .find(|w| w.workload == "billing")
        .expect("billing");
    assert_eq!(billing.verdict, Readiness::Ready, "{:#?}", billing.reasons);
    assert!(
        billing
            .reasons
            .iter()
            .any(|r| r.subject.starts_with("copy of billing-use1") && r.verdict == Verdict::Ok)
    );
}

#[test]
fn a_sealed_run_asks_for_the_drills_again_and_d_opens_and_closes_the_view() {
    let tmp = tempfile::tempdir().expect("tmp");
    let (mut app, now) = ready_app(&tmp.path().join("audit"));
    let commands = app.update(
        Event::AuditSealed {
            run: "rds-cross-region-failover-x".into(),
            head: "ab".repeat(32),
        },
        now,
    );
    assert!(
        commands.contains(&crate::app::Command::ReadDrills),
        "{commands:?}"
    );
    let key = |c| {
        Event::Key(crossterm::event::KeyEvent::new(
            c,
            crossterm::event::KeyModifiers::NONE,
        ))
    };
    use crossterm::event::KeyCode;
    let commands = app.update(key(KeyCode::Char('d')), now);
    assert_eq!(commands, vec![crate::app::Command::ReadDrills]);
    assert!(app.readiness_view.open);
    app.update(key(KeyCode::Enter), now);
    assert!(app.readiness_view.detail);
    app.update(key(KeyCode::Char('j')), now);
    assert_eq!(app.readiness_view.scroll, 1, "j scrolls the findings");
    app.update(key(KeyCode::Esc), now);
    assert!(app.readiness_view.open && !app.readiness_view.detail);
    app.update(key(KeyCode::Char('d')), now);
    assert!(!app.readiness_view.open);
}

#[test]
fn a_drill_against_the_simulator_is_no_evidence_for_an_aws_account() {
    let tmp = tempfile::tempdir().expect("tmp");
    let (mut app, _) = ready_app(&tmp.path().join("audit"));
    // write_run records its runs as the simulator's, as a drill in the demo is.
    app.readiness_view.on_simulator = Some(true);
    assert_eq!(orders_of(&app).verdict, Readiness::Ready);
    app.readiness_view.on_simulator = Some(false);
    let w = orders_of(&app);
    assert_eq!(w.verdict, Readiness::AtRisk);
    assert!(
        reason(&w.reasons, "drills")
            .text
            .starts_with("never drilled"),
        "{:#?}",
        w.reasons
    );
}

/// `ready_app`'s inputs, watched as two named accounts: the databases and the primary's
/// health check in `shop`, the DR endpoint's check (the SECONDARY of the failover pair) in
/// `edge`, as an estate whose DNS lives in an account of its own has them. `edge_health`:
/// what `edge`'s Route 53 answered, `None` for nothing yet.
fn two_account_app(dir: &Path, edge_health: Option<CheckStatus>) -> (App, Timestamp) {
    use crate::fleet::{AccountLabel, Place};
    let (mut app, now) = ready_app(dir);
    app.fleet.watch_accounts(&[
        (
            AccountLabel::new("shop", Some("prod".into())),
            vec![EAST.to_string(), WEST.to_string()],
        ),
        (AccountLabel::new("edge", None), vec![]),
    ]);
    let shop = |region: &str| Place::new(Some("shop"), region);
    let [primary, secondary] =
        <[HealthCheck; 2]>::try_from(checks(now, edge_health.unwrap_or(CheckStatus::Healthy)))
            .expect("two checks");
    let fetched = [
        Fetched::Replicas {
            place: shop(EAST),
            result: Ok(Snapshot::new(vec![], now)),
        },
        Fetched::Replicas {
            place: shop(WEST),
            result: Ok(Snapshot::new(vec![dr_replica(now, 5)], now)),
        },
        Fetched::Backups {
            place: shop(EAST),
            result: Ok(Snapshot::new(
                east_backups(now, 3600, copied(now, 1800)),
                now,
            )),
        },
        Fetched::Backups {
            place: shop(WEST),
            result: Ok(Snapshot::new(west_backups(now), now)),
        },
        Fetched::Health {
            account: Some("shop".into()),
            result: Ok(Snapshot::new(vec![primary], now)),
        },
    ];
    for f in fetched {
        app.update(Event::Fetched(f), now);
    }
    if edge_health.is_some() {
        app.update(
            Event::Fetched(Fetched::Health {
                account: Some("edge".into()),
                result: Ok(Snapshot::new(vec![secondary], now)),
            }),
            now,
        );
    }
    (app, now)
}

#[test]
fn a_failover_pair_whose_checks_live_in_two_accounts_is_judged_across_them() {
    let tmp = tempfile::tempdir().expect("tmp");
    let (app, _) = two_account_app(&tmp.path().join("audit"), Some(CheckStatus::Healthy));
    let w = orders_of(&app);
    assert_eq!(w.verdict, Readiness::Ready, "{:#?}", w.reasons);
    let r = reason(&w.reasons, "DNS failover api.example.com");
    assert_eq!(r.verdict, Verdict::Ok, "{r:#?}");
    assert!(r.text.contains("secondary api-dr is healthy"), "{r:#?}");
    assert!(
        r.evidence.contains("hc-2") && r.evidence.contains("account edge"),
        "the evidence names the check and the account it lives in: {r:#?}"
    );

    // The secondary failing in the other account is as bad as in the same one.
    let (app, _) = two_account_app(&tmp.path().join("audit-2"), Some(CheckStatus::Unhealthy));
    let w = orders_of(&app);
    assert_eq!(w.verdict, Readiness::NotReady, "{:#?}", w.reasons);
    assert_eq!(
        reason(&w.reasons, "DNS failover api.example.com").verdict,
        Verdict::Crit
    );
}

#[test]
fn a_secondary_in_an_account_not_read_is_cannot_tell_not_missing() {
    let tmp = tempfile::tempdir().expect("tmp");
    let (app, _) = two_account_app(&tmp.path().join("audit"), None);
    let w = orders_of(&app);
    assert_eq!(w.verdict, Readiness::AtRisk, "{:#?}", w.reasons);
    let r = reason(&w.reasons, "DNS failover api.example.com");
    // Not "no SECONDARY record" (a WARN about the zone): the account that may hold it was
    // not read.
    assert_eq!(r.verdict, Verdict::Unknown, "{r:#?}");
    assert!(r.text.contains("edge"), "{r:#?}");
    assert!(!r.text.contains("no health-checked SECONDARY"), "{r:#?}");
}
