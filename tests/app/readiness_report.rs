//! `ripcord report readiness` from a real drill: the RDS failover drilled against the
//! simulated fleet through the journal (as the cockpit runs it), then the report read off the
//! same App, with the run's id and chain head from the file the journal wrote.

use crate::common;

use common::drill::Drill;
use ripcord::audit::read::read_run;
use ripcord::fleet::readiness::Readiness;
use ripcord::runbook::exec::RunOutcome;
use ripcord::source::sim::Scenario;

#[tokio::test]
async fn the_report_names_the_drill_its_run_id_chain_head_and_what_is_missing() {
    let dir = tempfile::tempdir().expect("tempdir");
    let audit = dir.path().join("audit");
    let mut d = Drill::audited(Scenario::Normal, 0, &audit);
    d.command("run rds-cross-region-failover").await;
    for _ in 0..4 {
        d.enter().await;
    }
    d.type_line("orders-dr-usw2").await;
    for _ in 4..=8 {
        d.enter().await;
    }
    assert!(
        matches!(d.run().state.finished, Some((_, RunOutcome::Completed))),
        "{}",
        d.flash()
    );
    let files = ripcord::audit::runs::files(&audit).expect("lists");
    assert_eq!(files.len(), 1);
    let file = read_run(&files[0]).expect("reads");
    let run_id = file.records[0].run.clone();
    let head = file.seal.as_ref().expect("sealed").hash.clone();

    // The fleet as it is after the drill, and the audit log's drills.
    let now = d.clock.now();
    common::feed_round(&mut d.app, &d.sim, now);
    d.app.read_readiness_evidence(&audit);
    let report = ripcord::status::report(&d.app.fleet, None).with_readiness(d.app.readiness());
    let md = ripcord::status::readiness_report::markdown(&report, &d.app.readiness_view);

    assert!(md.starts_with("# DR readiness\n"), "{md}");
    assert!(md.contains("## orders — "), "{md}");
    assert!(
        md.contains("Targets: RPO 1m, RTO 15m, backup RPO 2h00m, drills every 90d00h."),
        "{md}"
    );
    // The drill, by run id, with its outcome, measured time and chain head.
    let row = md
        .lines()
        .find(|l| l.starts_with(&format!("| `{run_id}` |")))
        .unwrap_or_else(|| panic!("no row for {run_id}:\n{md}"));
    assert!(
        row.contains("| rds-cross-region-failover | the simulator |"),
        "{row}"
    );
    assert!(row.contains("| finished |"), "{row}");
    assert!(row.contains("(within)"), "{row}");
    assert!(row.contains(&format!("`{head}`")), "{row}");
    // The finding it proves, with its evidence.
    assert!(
        md.lines()
            .any(|l| l.contains("| drill of rds-cross-region-failover |")
                && l.contains("within the RTO 15m")
                && l.contains(&run_id)),
        "{md}"
    );
    // The drill promoted orders' DR replica: the new primary has no recovery point yet,
    // and that is what is missing.
    let orders = report
        .readiness
        .iter()
        .find(|w| w.workload == "orders")
        .expect("orders");
    assert_eq!(orders.verdict, Readiness::NotReady);
    assert!(
        md.contains("- **CRIT** recovery point orders-dr-usw2 (us-west-2): no recovery point"),
        "{md}"
    );
    // catalog: no runbook, and backups that never leave us-east-1.
    assert!(md.contains("## catalog — ✖ NOT READY"), "{md}");
    assert!(md.contains("No runbook names `workload: catalog`"), "{md}");

    // Judged as an AWS account, the drill against the simulator is named and not counted.
    d.app.readiness_view.on_simulator = Some(false);
    let report = ripcord::status::report(&d.app.fleet, None).with_readiness(d.app.readiness());
    let md = ripcord::status::readiness_report::markdown(&report, &d.app.readiness_view);
    assert!(
        md.contains(&format!(
            "1 run against the simulator not counted here: `{run_id}`."
        )),
        "{md}"
    );
    assert!(md.contains("- **WARN** drills: never drilled"), "{md}");
}

/// The demo's promise: a workload turns READY once it is drilled. orders' restore drill
/// (restore the newest recovery point in the DR region into a test instance, measure it,
/// delete it) runs through the journal against the simulator and leaves the topology as it
/// was; the next round of the fleet is judged with the drill as evidence.
#[tokio::test]
async fn orders_is_ready_after_its_restore_drill_in_the_demo() {
    let dir = tempfile::tempdir().expect("tempdir");
    let audit = dir.path().join("audit");
    let mut d = Drill::audited(Scenario::Normal, 0, &audit);
    d.app.read_readiness_evidence(&audit);
    let orders = |d: &Drill| {
        d.app
            .readiness()
            .into_iter()
            .find(|w| w.workload == "orders")
            .expect("orders")
    };
    let before = orders(&d);
    assert_eq!(before.verdict, Readiness::AtRisk, "{:#?}", before.reasons);
    assert!(
        before.reasons[0].text.starts_with("never drilled"),
        "{:#?}",
        before.reasons
    );
    d.command("run backup-restore-drill").await;
    for _ in 0..5 {
        d.enter().await;
    }
    d.enter().await;
    d.type_line("orders-restore-drill").await;
    assert!(
        matches!(d.run().state.finished, Some((_, RunOutcome::Completed))),
        "{}",
        d.flash()
    );
    let now = d.clock.now();
    common::feed_round(&mut d.app, &d.sim, now);
    d.app.read_readiness_evidence(&audit);
    let after = orders(&d);
    assert_eq!(after.verdict, Readiness::Ready, "{:#?}", after.reasons);
    assert!(
        after
            .reasons
            .iter()
            .any(|r| r.subject == "drill of backup-restore-drill")
    );
}

/// A failover drill moves the writer: billing's switchover leaves its new primary in
/// us-west-2 with no recovery point, and readiness says so instead of calling it ready.
#[tokio::test]
async fn a_failover_drill_that_leaves_the_new_primary_unbacked_is_not_ready() {
    let dir = tempfile::tempdir().expect("tempdir");
    let audit = dir.path().join("audit");
    let mut d = Drill::audited(Scenario::Normal, 0, &audit);
    d.command("run aurora-global-failover").await;
    for _ in 0..5 {
        d.enter().await;
    }
    assert!(
        matches!(d.run().state.finished, Some((_, RunOutcome::Completed))),
        "{}",
        d.flash()
    );
    let now = d.clock.now();
    common::feed_round(&mut d.app, &d.sim, now);
    d.app.read_readiness_evidence(&audit);
    let billing = d
        .app
        .readiness()
        .into_iter()
        .find(|w| w.workload == "billing")
        .expect("billing");
    assert_eq!(
        billing.verdict,
        Readiness::NotReady,
        "{:#?}",
        billing.reasons
    );
    assert_eq!(
        billing.reasons[0].subject,
        "recovery point billing-usw2 (us-west-2)"
    );
    assert!(
        billing
            .reasons
            .iter()
            .any(|r| r.subject == "drill of aurora-global-failover"
                && r.verdict == ripcord::fleet::Verdict::Ok)
    );
}
