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

    ripcord::status::add_readiness_evidence(&mut d.app, &[], &audit);
    let report = ripcord::status::report(&d.app, None);
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
    // orders' other runbooks were never drilled: that is what is missing.
    let orders = report
        .readiness
        .iter()
        .find(|w| w.workload == "orders")
        .expect("orders");
    assert_ne!(orders.verdict, Readiness::Ready);
    assert!(
        md.contains("- **WARN** drill of backup-restore-drill: never drilled"),
        "{md}"
    );
    // catalog: no runbook, and backups that never leave us-east-1.
    assert!(md.contains("## catalog — ✖ NOT READY"), "{md}");
    assert!(md.contains("No runbook names `workload: catalog`"), "{md}");
}
