//! Each typed action against the simulated fleet, through the same `perform` code the
//! cockpit runs: the pre-checks, the change, the end state, and what the panes then show.

use super::*;
use crate::clock::Clock;
use crate::runbook::act;
use crate::runbook::act::dispatch::{carry_out, evaluate, prechecks};
use crate::runbook::act::probe;
use crate::runbook::exec::work::ActionContext;
use crate::runbook::lang::vocab::{Operation, Probe};
use crate::source::sim::{Scenario, SimOptions};
use std::sync::Arc;

fn start() -> Timestamp {
    Timestamp::from_second(1_800_000_000).expect("valid")
}

fn fleet(scenario: Scenario) -> (Arc<SimFleet>, Clock) {
    let clock = Clock::manual(start());
    let sim = SimFleet::new(SimOptions {
        scenario,
        clock: clock.clone(),
        ..SimOptions::default()
    });
    (Arc::new(sim), clock)
}

fn context() -> ActionContext {
    ActionContext::new("test-run", 0, 1, Duration::from_secs(3600))
}

async fn run(sim: &SimFleet, clock: &Clock, op: &Operation) -> Result<String, String> {
    let quiet = |_: String| {};
    carry_out(op, Duration::from_secs(600), &context(), sim, clock, &quiet)
        .await
        .map(|o| o.summary)
}

fn promote() -> Operation {
    Operation::PromoteReadReplica(act::PromoteReadReplica {
        region: "us-west-2".into(),
        replica: "orders-dr-usw2".into(),
        max_lag: Some(Duration::from_secs(60)),
        backup_retention_days: None,
    })
}

fn flip(to: &str) -> Operation {
    Operation::FlipFailoverRecords(act::FlipFailoverRecords {
        zone: ZONE_ID.into(),
        name: "api.example.com.".into(),
        primary: to.into(),
    })
}

fn answers(value: &str) -> Probe {
    Probe::DnsAnswerIs(probe::DnsAnswerIs {
        zone: ZONE_ID.into(),
        name: "api.example.com.".into(),
        record_type: "CNAME".into(),
        value: value.into(),
    })
}

fn orders_replica(sim: &SimFleet, now: Timestamp) -> Replica {
    sim.replicas_at("us-west-2", now)
        .expect("west answers")
        .data
        .into_iter()
        .find(|r| r.id == "orders-dr-usw2")
        .expect("present")
}

#[tokio::test]
async fn promoting_the_replica_detaches_it_and_the_pane_shows_it_promoted() {
    let (sim, clock) = fleet(Scenario::Normal);
    let checks = prechecks(&promote(), sim.as_ref(), &clock).await;
    assert!(checks.iter().all(|c| c.holds == Some(true)), "{checks:?}");
    let summary = run(&sim, &clock, &promote()).await.expect("promoted");
    assert!(
        summary.starts_with("orders-dr-usw2 is a standalone instance"),
        "{summary}"
    );
    let replica = orders_replica(&sim, clock.now());
    assert_eq!(replica.state, ReplicationState::Promoted);
    assert_eq!(
        replica.latest_sample().and_then(|s| s.lag),
        None,
        "it no longer lags"
    );
    let again = prechecks(&promote(), sim.as_ref(), &clock).await;
    assert!(
        again
            .iter()
            .any(|c| c.holds == Some(false) && c.detail.contains("already promoted")),
        "a second promotion is refused by its pre-check: {again:?}"
    );
    let available = Probe::DbInstanceAvailable(probe::DbInstanceAvailable {
        region: "us-west-2".into(),
        instance: "orders-dr-usw2".into(),
    });
    assert_eq!(
        evaluate(&available, sim.as_ref(), &clock).await.holds,
        Some(false),
        "backing up"
    );
    clock.advance(Duration::from_secs(5));
    assert_eq!(
        evaluate(&available, sim.as_ref(), &clock).await.holds,
        Some(true)
    );
}

#[tokio::test]
async fn flipping_the_pair_makes_route53_answer_from_the_dr_region() {
    let (sim, clock) = fleet(Scenario::Normal);
    let east = "api.us-east-1.example.com";
    let west = "api.us-west-2.example.com";
    assert_eq!(
        evaluate(&answers(east), sim.as_ref(), &clock).await.holds,
        Some(true)
    );
    let pre = prechecks(&flip("api-dr"), sim.as_ref(), &clock).await;
    assert!(pre.iter().all(|c| c.holds == Some(true)), "{pre:?}");
    let summary = run(&sim, &clock, &flip("api-dr")).await.expect("flipped");
    assert!(
        summary.contains("`api-dr` is PRIMARY → api.us-west-2.example.com"),
        "{summary}"
    );
    assert_eq!(
        evaluate(&answers(west), sim.as_ref(), &clock).await.holds,
        Some(true)
    );
    let checks = sim.health_checks_at(clock.now()).expect("route53").data;
    let west_check = checks
        .iter()
        .find(|c| c.id == "hc-api-usw2")
        .expect("present");
    assert_eq!(
        west_check.guards[0].role,
        FailoverRole::Primary,
        "the pane shows the new roles"
    );
    let back = prechecks(&flip("api-dr"), sim.as_ref(), &clock).await;
    assert!(
        back.iter().any(|c| c.holds == Some(false)),
        "already PRIMARY: {back:?}"
    );
    run(&sim, &clock, &flip("api-primary"))
        .await
        .expect("failed back");
    assert_eq!(
        evaluate(&answers(east), sim.as_ref(), &clock).await.holds,
        Some(true)
    );
}

#[tokio::test]
async fn in_an_outage_the_dr_endpoint_recovers_once_its_database_is_promoted() {
    let (sim, clock) = fleet(Scenario::RegionOutage);
    clock.advance(Duration::from_secs(30));
    let healthy = Probe::HealthCheckHealthy(probe::HealthCheckHealthy {
        check: "hc-api-usw2".into(),
    });
    let before = evaluate(&healthy, sim.as_ref(), &clock).await;
    assert_eq!(before.holds, Some(false), "{before:?}");
    let pre = prechecks(&flip("api-dr"), sim.as_ref(), &clock).await;
    assert!(
        pre.iter()
            .any(|c| c.holds == Some(false) && c.label.contains("hc-api-usw2")),
        "no flip to an unhealthy endpoint: {pre:?}"
    );
    run(&sim, &clock, &promote()).await.expect("promoted");
    let after = evaluate(&healthy, sim.as_ref(), &clock).await;
    assert_eq!(after.holds, Some(true), "{after:?}");
    run(&sim, &clock, &flip("api-dr")).await.expect("flipped");
    let west = answers("api.us-west-2.example.com");
    assert_eq!(
        evaluate(&west, sim.as_ref(), &clock).await.holds,
        Some(true)
    );
}

#[tokio::test]
async fn a_switchover_needs_the_primary_region_and_a_failover_does_not() {
    let switchover = Operation::SwitchoverGlobalCluster(act::SwitchoverGlobalCluster {
        region: "us-west-2".into(),
        global_cluster: "billing-global".into(),
        target_cluster: "billing-usw2".into(),
    });
    let failover = Operation::FailoverGlobalCluster(act::FailoverGlobalCluster {
        region: "us-west-2".into(),
        global_cluster: "billing-global".into(),
        target_cluster: "billing-usw2".into(),
    });
    let (sim, clock) = fleet(Scenario::Normal);
    let pre = prechecks(&switchover, sim.as_ref(), &clock).await;
    assert!(pre.iter().all(|c| c.holds == Some(true)), "{pre:?}");
    let summary = run(&sim, &clock, &switchover).await.expect("switched over");
    assert!(
        summary.contains("billing-usw2 is the primary of billing-global"),
        "{summary}"
    );
    let west = sim.replicas_at("us-west-2", clock.now()).expect("ok").data;
    let billing = west
        .iter()
        .find(|r| r.id == "billing-usw2")
        .expect("present");
    assert_eq!(billing.state, ReplicationState::Promoted);

    let (sim, clock) = fleet(Scenario::RegionOutage);
    clock.advance(Duration::from_secs(30));
    let pre = prechecks(&switchover, sim.as_ref(), &clock).await;
    assert!(
        pre.iter().any(|c| c.holds.is_none()
            && c.detail
                .contains("skip it for the failover if the region is down")),
        "a primary that does not answer cannot tell, and blocks the switchover: {pre:?}"
    );
    assert!(run(&sim, &clock, &switchover).await.is_err());
    let pre = prechecks(&failover, sim.as_ref(), &clock).await;
    assert!(pre.iter().all(|c| c.holds == Some(true)), "{pre:?}");
    assert!(
        pre.iter()
            .any(|c| c.label.starts_with("DATA LOSS") && c.detail.starts_with("lag")),
        "the loss is shown before confirming: {pre:?}"
    );
    run(&sim, &clock, &failover).await.expect("failed over");
    let gate = Probe::DbClusterAvailable(probe::DbClusterAvailable {
        region: "us-east-1".into(),
        cluster: "billing-use1".into(),
    });
    let check = evaluate(&gate, sim.as_ref(), &clock).await;
    assert_eq!(
        check.holds, None,
        "a region that does not answer cannot tell: {check:?}"
    );
}

#[tokio::test]
async fn a_restore_takes_time_is_measured_and_only_its_instance_can_be_deleted() {
    let (sim, clock) = fleet(Scenario::Normal);
    let restore = Operation::RestoreNewestRecoveryPoint(act::RestoreNewestRecoveryPoint {
        region: "us-west-2".into(),
        vault: "dr-usw2".into(),
        resource: "orders-primary-copy".into(),
        target: "orders-restore-drill".into(),
        iam_role: None,
        recovery_point: None,
    });
    let pre = prechecks(&restore, sim.as_ref(), &clock).await;
    assert!(pre.iter().all(|c| c.holds == Some(true)), "{pre:?}");
    // Confirming pins the point the pre-checks read; the change restores exactly that one.
    let restore = restore.pinned(&pre);
    let begun = clock.now();
    let quiet = |_: String| {};
    let outcome = carry_out(
        &restore,
        Duration::from_secs(600),
        &context(),
        sim.as_ref(),
        &clock,
        &quiet,
    )
    .await
    .expect("restored");
    assert_eq!(outcome.measured, Some(Duration::from_secs(8)));
    assert!(
        outcome.summary.contains("in 8s: RTO 1h00m within"),
        "{}",
        outcome.summary
    );
    assert!(
        clock.now() > begun,
        "the simulated restore took simulated time"
    );
    let delete = Operation::DeleteRestoredInstance(act::DeleteRestoredInstance {
        region: "us-west-2".into(),
        instance: "orders-restore-drill".into(),
    });
    let pre = prechecks(&delete, sim.as_ref(), &clock).await;
    assert!(pre.iter().all(|c| c.holds == Some(true)), "{pre:?}");
    run(&sim, &clock, &delete).await.expect("deleted");
    let gone = sim
        .db_instance("us-west-2", "orders-restore-drill")
        .await
        .expect("answers");
    assert_eq!(gone.value, None);
    let not_restored = Operation::DeleteRestoredInstance(act::DeleteRestoredInstance {
        region: "us-west-2".into(),
        instance: "orders-dr-usw2".into(),
    });
    let pre = prechecks(&not_restored, sim.as_ref(), &clock).await;
    assert!(
        pre.iter()
            .any(|c| c.holds == Some(false) && c.detail.contains("refusing")),
        "{pre:?}"
    );
    assert!(
        run(&sim, &clock, &not_restored).await.is_err(),
        "refused at the last moment too"
    );
}

#[tokio::test]
async fn an_aurora_cluster_failover_moves_the_writer() {
    let (sim, clock) = fleet(Scenario::Normal);
    let op = Operation::FailoverDbCluster(act::FailoverDbCluster {
        region: "us-east-1".into(),
        cluster: "billing-use1".into(),
        target_instance: Some("billing-use1-b".into()),
    });
    let pre = prechecks(&op, sim.as_ref(), &clock).await;
    assert!(pre.iter().all(|c| c.holds == Some(true)), "{pre:?}");
    let summary = run(&sim, &clock, &op).await.expect("moved");
    assert_eq!(summary, "billing-use1's writer is now billing-use1-b");
}

#[tokio::test]
async fn a_bad_change_batch_changes_nothing() {
    let (sim, _) = fleet(Scenario::Normal);
    let ghost = RecordSet {
        name: "api.example.com.".into(),
        record_type: "CNAME".into(),
        set_identifier: Some("nope".into()),
        failover: Some(FailoverRole::Primary),
        values: vec!["x".into()],
        ttl: Some(60),
        health_check: None,
    };
    let err = sim
        .change_record_sets(ZONE_ID, &[RecordChange::Delete(ghost)], "test")
        .await
        .expect_err("not found");
    assert!(err.message.contains("InvalidChangeBatch"), "{err}");
    let err = sim
        .record_sets("Z0OTHER", "api.example.com.", None)
        .await
        .expect_err("unknown zone");
    assert!(err.message.contains("NoSuchHostedZone"), "{err}");
}
