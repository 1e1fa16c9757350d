//! A fresh `ripcord demo`, wired as `demo_with` wires it: the demo's drill history rehearsed
//! first (`rehearsal::ensure`: the shipped restore drill, run headless against a simulator of
//! its own three days back, into the demo's own audit directory), then `assemble` with the
//! demo's parts (its two accounts), fed one round as the pollers feed it. Readiness shows the
//! three kinds of workload at once, each with its reasons; the glance (`status --json`) and
//! the Markdown report carry them; the drill record passes `ripcord audit verify`; and the
//! rehearsal is never evidence for an AWS account.

use crate::common;

use common::*;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ripcord::app::readiness::ReadinessView;
use ripcord::app::{App, Event, Mode};
use ripcord::assemble::rehearsal::{self, Rehearsal};
use ripcord::assemble::{Assembled, Parts, Settings, assemble};
use ripcord::audit::cli::{AuditCmd, VerifyArgs};
use ripcord::clock::Clock;
use ripcord::config::{Config, Refresh};
use ripcord::fleet::Verdict;
use ripcord::fleet::readiness::{REHEARSED, Readiness, WorkloadReadiness};
use ripcord::runbook::Actions;
use ripcord::runbook::Library;
use ripcord::runbook::act::port::CallerIdentity;
use ripcord::runbook::act::route::Acting;
use ripcord::source::sim::{Scenario, SimFleet, SimOptions, accounts};
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

/// The demo as `ripcord demo` starts it at `t0`, its audit directory `<dir>/audit`; and the
/// run id and chain head of the rehearsal it found or ran.
async fn fresh_demo(dir: &Path) -> (Assembled, String, String) {
    let audit = dir.join("audit");
    let (run, head) = match rehearsal::ensure(&audit, 42, t0()).await {
        Ok(Rehearsal::Ran { run, head, .. }) => (run, head),
        other => panic!("a fresh demo rehearses: {other:?}"),
    };
    let sim = Arc::new(SimFleet::new(SimOptions {
        clock: Clock::manual(t0()),
        ..SimOptions::default()
    }));
    let actions: Arc<dyn Actions> = sim.clone();
    let parts = Parts {
        mode: Mode::Demo {
            scenario: Scenario::Normal,
        },
        fleets: accounts::fleets(&sim),
        sim: Some(sim.clone()),
        acting: Some(Acting::One(actions)),
        // The simulator acts as one, as `demo_with` wires it.
        accounts: Vec::new(),
        workloads: Config::default().workloads(sim.workloads()),
        refresh: Refresh::demo(),
        caller: CallerIdentity::Simulated,
    };
    let settings = Settings {
        theme: dark(),
        read_only: false,
        runbook_dirs: vec![],
        audit_dir: audit,
        operator: "demo".into(),
    };
    let mut assembled = assemble(parts, settings, None, None, t0()).expect("assembles");
    let answers =
        ripcord::status::poll_accounts(&assembled.sources.fleets, Duration::from_secs(5)).await;
    for answer in answers {
        assembled.app.update(Event::Fetched(answer), t0());
    }
    (assembled, run, head)
}

fn of<'a>(all: &'a [WorkloadReadiness], name: &str) -> &'a WorkloadReadiness {
    all.iter()
        .find(|w| w.workload == name)
        .unwrap_or_else(|| panic!("{name} judged: {all:#?}"))
}

fn screen(app: &App) -> String {
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).expect("test backend");
    terminal
        .draw(|frame| ripcord::ui::render(app, frame))
        .expect("draws");
    terminal.backend().to_string()
}

fn press(app: &mut App, code: KeyCode) {
    let now = app.now;
    app.update(Event::Key(KeyEvent::new(code, KeyModifiers::NONE)), now);
}

#[tokio::test]
async fn a_fresh_demo_shows_a_ready_an_at_risk_and_a_not_ready_workload_with_their_reasons() {
    let tmp = tempfile::tempdir().expect("tmp");
    let (mut assembled, run, head) = fresh_demo(tmp.path()).await;
    let app = &mut assembled.app;
    let judged = app.readiness();

    // READY: orders, whose restore the demo drilled in the simulator three days ago (it ended
    // 2d23h ago: the drill took some seconds).
    let orders = of(&judged, "orders");
    assert_eq!(orders.verdict, Readiness::Ready, "{:#?}", orders.reasons);
    assert!(orders.reasons.iter().all(|r| r.verdict == Verdict::Ok));
    let drill = orders
        .reasons
        .iter()
        .find(|r| r.subject == "drill of backup-restore-drill")
        .unwrap_or_else(|| panic!("{:#?}", orders.reasons));
    assert!(
        drill
            .text
            .starts_with("drilled in the simulator 2d23h ago: took "),
        "{drill:#?}"
    );
    assert!(
        drill.evidence.contains(&run)
            && drill.evidence.contains(&head)
            && drill.evidence.contains(REHEARSED),
        "{drill:#?}"
    );
    assert!(
        orders
            .reasons
            .iter()
            .any(|r| r.subject.starts_with("restore test") && r.text.contains("within the RTO")),
        "{:#?}",
        orders.reasons
    );
    // Every finding once: the two accounts do not both report orders' database.
    let mut subjects: Vec<&str> = orders.reasons.iter().map(|r| r.subject.as_str()).collect();
    let all = subjects.len();
    subjects.sort_unstable();
    subjects.dedup();
    assert_eq!(subjects.len(), all, "{:#?}", orders.reasons);

    // AT RISK: billing, whose runbook was never drilled.
    let billing = of(&judged, "billing");
    assert_eq!(billing.verdict, Readiness::AtRisk, "{:#?}", billing.reasons);
    assert!(
        billing.reasons[0].text.starts_with("never drilled"),
        "{:#?}",
        billing.reasons
    );

    // NOT READY: catalog, whose backups never leave us-east-1.
    let catalog = of(&judged, "catalog");
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

    // On screen: `d` lists the three, Enter on orders says where and when it was drilled.
    press(app, KeyCode::Char('d'));
    let text = screen(app);
    for word in ["✔ READY", "▲ AT RISK", "✖ NOT READY"] {
        assert!(text.contains(word), "{word}:\n{text}");
    }
    let at = app
        .readiness()
        .iter()
        .position(|w| w.workload == "orders")
        .expect("orders listed");
    for _ in 0..at {
        press(app, KeyCode::Char('j'));
    }
    press(app, KeyCode::Enter);
    let mut seen = screen(app);
    for _ in 0..40 {
        if seen.contains("drilled in the simulator 2d23h ago") {
            break;
        }
        press(app, KeyCode::Char('j'));
        seen = screen(app);
    }
    assert!(seen.contains("DR readiness: orders"), "{seen}");
    assert!(
        seen.contains("drilled in the simulator 2d23h ago"),
        "{seen}"
    );
}

#[tokio::test]
async fn status_json_and_the_report_carry_the_verdicts_and_the_rehearsed_drill() {
    let tmp = tempfile::tempdir().expect("tmp");
    let (assembled, run, head) = fresh_demo(tmp.path()).await;
    let audit = tmp.path().join("audit");
    // What `status --sim` and `report readiness --sim` read besides the feeds.
    let evidence = ripcord::status::readiness_evidence(&[], &audit, true);
    let fleet = &assembled.app.fleet;
    let report = ripcord::status::report(fleet, None).with_readiness(fleet.readiness(&evidence));
    let json: serde_json::Value =
        serde_json::from_str(&serde_json::to_string(&report).expect("encodes")).expect("json");
    let verdicts: Vec<(String, String)> = json["readiness"]
        .as_array()
        .expect("a readiness array")
        .iter()
        .map(|w| {
            (
                w["workload"].as_str().expect("name").to_string(),
                w["verdict"].as_str().expect("verdict").to_string(),
            )
        })
        .collect();
    for (name, verdict) in [
        ("orders", "READY"),
        ("billing", "AT_RISK"),
        ("catalog", "NOT_READY"),
    ] {
        assert!(
            verdicts.contains(&(name.to_string(), verdict.to_string())),
            "{name} {verdict}: {verdicts:?}"
        );
    }
    let orders = json["readiness"]
        .as_array()
        .expect("array")
        .iter()
        .find(|w| w["workload"] == "orders")
        .expect("orders");
    assert!(
        orders["reasons"]
            .as_array()
            .expect("reasons")
            .iter()
            .any(|r| r["evidence"].as_str().is_some_and(|e| e.contains(&run))),
        "{orders:#}"
    );

    let md = ripcord::status::readiness_report::markdown(&report, &evidence);
    let row = md
        .lines()
        .find(|l| l.starts_with(&format!("| `{run}` |")))
        .unwrap_or_else(|| panic!("no row for {run}:\n{md}"));
    assert!(row.contains(REHEARSED), "{row}");
    assert!(row.contains(&format!("`{head}`")), "{row}");
    assert!(md.contains("## orders — ✔ READY"), "{md}");
    assert!(md.contains("## billing — ▲ AT RISK"), "{md}");
    assert!(md.contains("## catalog — ✖ NOT READY"), "{md}");

    // The head in the report is what `ripcord audit verify RUN --expect-head HEAD` checks.
    let mut out = Vec::new();
    let mut err = Vec::new();
    let code = ripcord::audit::commands::run(
        &AuditCmd::Verify(VerifyArgs {
            files: vec![run.clone()],
            expect_head: Some(head.clone()),
        }),
        &rehearsal::history_dir(&audit),
        &Library::shipped(),
        &mut out,
        &mut err,
    )
    .expect("writes to memory");
    assert_eq!(
        code,
        0,
        "{}{}",
        String::from_utf8_lossy(&out),
        String::from_utf8_lossy(&err)
    );
}

#[tokio::test]
async fn the_demo_rehearsal_is_no_evidence_for_an_aws_account() {
    let tmp = tempfile::tempdir().expect("tmp");
    let (assembled, run, _) = fresh_demo(tmp.path()).await;
    let audit = tmp.path().join("audit");
    // As `ripcord status` and `report readiness` read it for AWS: the demo's directory is
    // not even read, and judged against the same fleet, orders was never drilled.
    let evidence = ripcord::status::readiness_evidence(&[], &audit, false);
    assert!(evidence.rehearsals.is_none());
    let fleet = &assembled.app.fleet;
    let orders = fleet
        .readiness(&evidence)
        .into_iter()
        .find(|w| w.workload == "orders")
        .expect("orders");
    assert_eq!(orders.verdict, Readiness::AtRisk, "{:#?}", orders.reasons);
    assert!(
        orders.reasons.iter().all(|r| !r.evidence.contains(&run)),
        "{:#?}",
        orders.reasons
    );
    // Even handed to a view that judges an AWS account, the rehearsals do not count.
    let view = ReadinessView {
        rehearsals: ripcord::status::readiness_evidence(&[], &audit, true).rehearsals,
        ..evidence
    };
    assert!(view.rehearsals.is_some());
    let orders = fleet
        .readiness(&view)
        .into_iter()
        .find(|w| w.workload == "orders")
        .expect("orders");
    assert_eq!(orders.verdict, Readiness::AtRisk, "{:#?}", orders.reasons);
    let report = ripcord::status::report(fleet, None).with_readiness(fleet.readiness(&view));
    let md = ripcord::status::readiness_report::markdown(&report, &view);
    assert!(!md.contains(&run), "{md}");
}
