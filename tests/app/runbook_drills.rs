//! Every shipped runbook, end to end, the way `ripcord demo` runs it: keys into `App::update`,
//! each `Command::Runbook` carried out by the same worker the cockpit spawns, against the
//! simulated fleet's `Actions`, on a clock that moves only when the work waits. Then the
//! fleet itself is asked what changed.

use crate::common;

use common::drill::Drill;
use common::*;
use crossterm::event::KeyCode;
use ripcord::fleet::{CheckStatus, ReplicationState};
use ripcord::runbook::Actions;
use ripcord::runbook::exec::log::{Intended, LogEvent};
use ripcord::runbook::exec::{RunOutcome, StepState};
use ripcord::runbook::lang::vocab::Operation;
use ripcord::source::sim::Scenario;
use std::time::Duration;

const EAST: &str = "api.us-east-1.example.com";
const WEST: &str = "api.us-west-2.example.com";

#[tokio::test]
async fn rds_failover_promotes_the_replica_and_moves_dns_to_the_dr_region() {
    let mut d = Drill::new(Scenario::Normal, 0);
    assert!(d.answer(EAST).await);
    d.command("run rds-cross-region-failover incident=INC-7")
        .await;
    d.enter().await;
    d.enter().await;
    assert_eq!(d.at(), 2, "checklist ticked: {}", d.flash());
    d.enter().await;
    assert_eq!(d.at(), 3, "the lag gate holds: {}", d.flash());
    d.enter().await;
    assert_eq!(
        d.states()[2],
        StepState::Pending,
        "Enter alone does not promote"
    );
    d.type_line("orders-dr-usw2").await;
    assert_eq!(d.at(), 4, "promoted: {}", d.flash());
    for step in 4..=8 {
        assert_eq!(d.at(), step, "{}", d.flash());
        d.enter().await;
    }
    let run = d.run();
    assert!(
        matches!(run.state.finished, Some((_, RunOutcome::Completed))),
        "{:?}",
        d.states()
    );
    assert!(d.states().iter().all(|s| *s == StepState::Done));
    let timeline = &run.live[7].output;
    assert!(
        timeline[0].ends_with(
            "INC-7: promoted orders-dr-usw2 in us-west-2; api.example.com. now answers api.us-west-2.example.com"
        ),
        "{timeline:?}"
    );
    d.intents_precede_results();

    let replica = d
        .sim
        .replicas_at("us-west-2", d.clock.now())
        .expect("west answers")
        .data
        .into_iter()
        .find(|r| r.id == "orders-dr-usw2")
        .expect("present");
    assert_eq!(replica.state, ReplicationState::Promoted);
    assert!(d.answer(WEST).await, "DNS points at the DR region");
    assert_eq!(d.check("hc-api-usw2").await, CheckStatus::Healthy);
    // And the cockpit's panes show it on their next poll.
    let (now, sim) = (d.clock.now(), d.sim.clone());
    feed_round(&mut d.app, &sim, now);
    let rows = d.app.replica_rows();
    let row = rows
        .iter()
        .find(|r| r.replica.id == "orders-dr-usw2")
        .expect("row");
    assert_eq!(row.replica.state, ReplicationState::Promoted);
}

#[tokio::test]
async fn in_a_region_outage_the_failover_brings_the_dr_endpoint_back() {
    let mut d = Drill::new(Scenario::RegionOutage, 30);
    assert_eq!(
        d.check("hc-api-usw2").await,
        CheckStatus::Unhealthy,
        "the DR endpoint fails while its database is read-only"
    );
    d.command("run rds-cross-region-failover").await;
    d.enter().await;
    d.enter().await;
    d.enter().await;
    assert_eq!(d.at(), 3, "34s of lag is within the 1m RPO: {}", d.flash());
    d.enter().await;
    d.type_line("orders-dr-usw2").await;
    for _ in 4..=8 {
        d.enter().await;
    }
    assert!(
        matches!(d.run().state.finished, Some((_, RunOutcome::Completed))),
        "{:?} {}",
        d.states(),
        d.flash()
    );
    assert_eq!(
        d.check("hc-api-usw2").await,
        CheckStatus::Healthy,
        "health recovered"
    );
    assert_eq!(
        d.check("hc-api-use1").await,
        CheckStatus::Unhealthy,
        "the dead region stays dead"
    );
    assert!(d.answer(WEST).await);
}

#[tokio::test]
async fn a_lag_over_the_rpo_blocks_promotion_until_skipped_with_a_reason() {
    let mut d = Drill::new(Scenario::RegionOutage, 120);
    d.command("run rds-cross-region-failover").await;
    d.enter().await;
    d.enter().await;
    d.enter().await;
    assert_eq!(d.at(), 2, "the gate does not hold");
    assert!(
        d.flash().contains("the gate does not hold"),
        "{}",
        d.flash()
    );
    d.key(KeyCode::Char('s')).await;
    d.type_line("IC accepts up to 2m of lost orders").await;
    assert_eq!(d.at(), 3);
    assert_eq!(d.states()[1], StepState::Skipped);
}

/// In a region outage the lag is over the RPO (or cannot be read): the promotion's own lag
/// limit stops it too. The operator lifts that limit at the step with `o` and a reason, types
/// the replica's name, and the promotion goes on, without aborting and starting the run again.
#[tokio::test]
async fn the_promotion_goes_on_once_the_operator_lifts_its_lag_limit_with_a_reason() {
    let mut d = Drill::new(Scenario::RegionOutage, 120);
    d.command("run rds-cross-region-failover").await;
    d.enter().await;
    d.enter().await;
    d.enter().await;
    d.key(KeyCode::Char('s')).await;
    d.type_line("IC accepts up to 2m of lost orders").await;
    assert_eq!(d.at(), 3, "at the promotion: {}", d.flash());
    d.enter().await;
    assert_eq!(d.states()[2], StepState::Pending, "the lag limit stops it");
    assert!(d.flash().contains("o lifts the limit"), "{}", d.flash());
    d.key(KeyCode::Char('o')).await;
    d.type_line("IC accepts up to 2m of lost orders").await;
    assert!(d.run().log.iter().any(|e| matches!(
        &e.event,
        LogEvent::LimitLifted { reason, .. } if reason.contains("IC accepts")
    )));
    assert_eq!(d.states()[2], StepState::Pending, "lifting sends nothing");
    d.enter().await;
    d.type_line("orders-dr-usw2").await;
    assert_eq!(d.at(), 4, "promoted: {}", d.flash());
    let limit = d.run().log.iter().find_map(|e| match &e.event {
        LogEvent::Intent {
            what:
                Intended::Action {
                    op: Operation::PromoteReadReplica(p),
                    ..
                },
            ..
        } => Some(p.max_lag),
        _ => None,
    });
    assert_eq!(
        limit,
        Some(None),
        "the intent names a promotion without the limit"
    );
    d.intents_precede_results();
}

#[tokio::test]
async fn aurora_switches_over_when_the_primary_answers() {
    let mut d = Drill::new(Scenario::Normal, 0);
    d.command("run aurora-global-failover").await;
    d.enter().await;
    d.enter().await;
    assert_eq!(d.at(), 3, "the primary answers: planned switchover");
    d.enter().await;
    assert_eq!(
        d.at(),
        5,
        "next: skips the unplanned failover: {}",
        d.flash()
    );
    d.enter().await;
    d.enter().await;
    assert!(matches!(
        d.run().state.finished,
        Some((_, RunOutcome::Completed))
    ));
    assert_eq!(
        d.states()[3],
        StepState::Pending,
        "the failover was not taken"
    );
    let g = d
        .sim
        .global_cluster("us-west-2", "billing-global")
        .await
        .expect("answers")
        .value
        .expect("exists");
    assert_eq!(g.writer().map(|w| w.cluster.as_str()), Some("billing-usw2"));
    assert!(matches!(
        &d.run()
            .log
            .iter()
            .find(|e| matches!(e.event, LogEvent::Intent { .. }))
            .expect("intent")
            .event,
        LogEvent::Intent {
            what: Intended::Action { .. },
            destructive: false,
            ..
        }
    ));
}

#[tokio::test]
async fn aurora_fails_over_with_the_typed_name_when_the_primary_region_is_down() {
    let mut d = Drill::new(Scenario::RegionOutage, 30);
    d.command("run aurora-global-failover").await;
    d.enter().await;
    d.enter().await;
    // No answer from us-east-1 is "cannot tell", not "unavailable": the gate does not pick
    // the data-loss branch by itself. The operator decides, and says why.
    assert_eq!(d.at(), 2, "the gate cannot tell: {}", d.flash());
    assert!(d.flash().contains("cannot tell"), "{}", d.flash());
    assert!(
        d.flash().contains("o takes the gate's otherwise way"),
        "{}",
        d.flash()
    );
    // Skipping the gate would go on to the planned switchover; the operator who knows the
    // region is down sends the run down the gate's otherwise way, with the reason recorded.
    d.key(KeyCode::Char('o')).await;
    d.type_line("us-east-1 is down (AWS Health event): unplanned failover")
        .await;
    assert_eq!(d.at(), 4, "unplanned failover: {}", d.flash());
    assert!(d.run().log.iter().any(|e| matches!(
        &e.event,
        LogEvent::GateOverridden { reason, goes_to, .. }
            if reason.contains("AWS Health event") && goes_to == "unplanned-failover"
    )));
    d.enter().await;
    d.type_line("billing-global").await;
    assert_eq!(d.at(), 5, "{}", d.flash());
    d.enter().await;
    d.enter().await;
    assert!(matches!(
        d.run().state.finished,
        Some((_, RunOutcome::Completed))
    ));
    assert_eq!(d.states()[2], StepState::Pending, "no switchover was tried");
    let west = d
        .sim
        .replicas_at("us-west-2", d.clock.now())
        .expect("ok")
        .data;
    let billing = west.iter().find(|r| r.id == "billing-usw2").expect("row");
    assert_eq!(billing.state, ReplicationState::Promoted);
}

#[tokio::test]
async fn the_restore_drill_measures_the_restore_and_cleans_up() {
    let mut d = Drill::new(Scenario::Normal, 0);
    d.command("run backup-restore-drill").await;
    d.enter().await;
    d.enter().await;
    assert_eq!(d.at(), 3, "restore done: {}", d.flash());
    // The intent names the recovery point the pre-checks showed, pinned before the change.
    let pinned = d
        .run()
        .log
        .iter()
        .find_map(|e| match &e.event {
            LogEvent::Intent {
                what:
                    Intended::Action {
                        op: Operation::RestoreNewestRecoveryPoint(r),
                    },
                ..
            } => Some(r.recovery_point.clone()),
            _ => None,
        })
        .expect("the restore's intent");
    let newest = d
        .sim
        .newest_recovery_point("us-west-2", "dr-usw2", "orders-primary-copy")
        .await
        .expect("answers")
        .value
        .expect("a point");
    assert_eq!(pinned.map(|p| p.arn), Some(newest.arn));
    let restore = &d.run().state.steps[1];
    assert_eq!(restore.measured, Some(Duration::from_secs(8)));
    assert!(
        restore
            .note
            .as_deref()
            .is_some_and(|n| n.contains("RTO 1h00m within")),
        "{:?}",
        restore.note
    );
    let made = d
        .sim
        .db_instance("us-west-2", "orders-restore-drill")
        .await
        .expect("answers")
        .value;
    assert!(made.is_some(), "the test instance exists");
    d.enter().await;
    d.enter().await;
    d.enter().await;
    assert_eq!(d.at(), 5);
    d.enter().await;
    d.type_line("orders-restore-drill").await;
    assert!(
        matches!(d.run().state.finished, Some((_, RunOutcome::Completed))),
        "{}",
        d.flash()
    );
    let gone = d
        .sim
        .db_instance("us-west-2", "orders-restore-drill")
        .await
        .expect("answers")
        .value;
    assert!(gone.is_none(), "cleaned up");
}

#[tokio::test]
async fn the_route53_flip_moves_traffic_and_fails_back() {
    let mut d = Drill::new(Scenario::Normal, 0);
    d.command("run route53-failover-flip").await;
    d.enter().await;
    assert_eq!(d.at(), 1, "the primary is healthy: the gate does not hold");
    d.key(KeyCode::Char('s')).await;
    d.type_line("planned drill").await;
    d.enter().await;
    d.enter().await;
    assert!(d.answer(WEST).await, "flipped to the DR region");
    let checks = d.sim.health_checks_at(d.clock.now()).expect("ok").data;
    let west = checks
        .iter()
        .find(|c| c.id == "hc-api-usw2")
        .expect("check");
    assert_eq!(west.guards[0].role.word(), "PRIMARY");
    d.enter().await;
    d.enter().await;
    assert_eq!(d.at(), 6);
    d.enter().await;
    assert_eq!(
        d.at(),
        6,
        "failing back is destructive here: the name is asked for"
    );
    d.type_line("api.example.com.").await;
    d.enter().await;
    assert!(
        matches!(d.run().state.finished, Some((_, RunOutcome::Completed))),
        "{}",
        d.flash()
    );
    assert!(d.answer(EAST).await, "failed back");
    assert_eq!(
        d.states(),
        vec![
            StepState::Skipped,
            StepState::Done,
            StepState::Done,
            StepState::Done,
            StepState::Done,
            StepState::Done,
            StepState::Done
        ]
    );
}
