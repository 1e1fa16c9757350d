//! What each action and condition declares it uses of `Actions` (its `SPEC`'s `uses`, from
//! which the runbook IAM policy is read: `tests/lint`) is what it really calls: every step of
//! every shipped runbook is read and carried out against the simulator through a recording
//! `Actions`, and each method it called must be among those its kind declares.

use crate::common::recording::Recording;
use ripcord::clock::Clock;
use ripcord::runbook::Run;
use ripcord::runbook::act::dispatch;
use ripcord::runbook::exec::Resolved;
use ripcord::runbook::exec::work::ActionContext;
use ripcord::runbook::lang::library::SHIPPED;
use ripcord::runbook::lang::{check, params};
use ripcord::source::sim::{Scenario, SimFleet, SimOptions};
use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

#[tokio::test]
async fn every_action_and_condition_calls_only_what_its_spec_declares() {
    let mut tried = BTreeSet::new();
    for (name, text) in SHIPPED {
        let clock = Clock::manual(crate::common::t0());
        let sim = Arc::new(SimFleet::new(SimOptions {
            scenario: Scenario::Normal,
            clock: clock.clone(),
            ..SimOptions::default()
        }));
        let recording = Recording::new(sim);
        let book = Arc::new(check::load(name, name, text).expect("a shipped runbook checks"));
        let values = params::resolve(&book, &[]).expect("its defaults fit");
        let (run, _) =
            Run::start("port-calls".into(), book, values, "tester", clock.now()).expect("starts");
        for (index, resolved) in run.resolved.iter().enumerate() {
            match resolved {
                Resolved::Action { op, .. } => {
                    recording.take();
                    dispatch::prechecks(op, &recording, &clock).await;
                    dispatch::end_state(op, &recording).await;
                    let context = ActionContext::new("port-calls", index, 1, run.book.rto);
                    let quiet = |_: String| {};
                    let _ = dispatch::carry_out(
                        op,
                        Duration::from_secs(3600),
                        &context,
                        &recording,
                        &clock,
                        &quiet,
                    )
                    .await;
                    let called = recording.take();
                    let declared: BTreeSet<&str> = op.kind().spec().uses.iter().copied().collect();
                    let undeclared: Vec<&&str> = called.difference(&declared).collect();
                    assert!(
                        undeclared.is_empty(),
                        "{name} step {}: {} calls {undeclared:?}, which its SPEC does not declare",
                        index + 1,
                        op.kind().name()
                    );
                    assert!(
                        !called.is_empty(),
                        "{name} step {}: nothing called",
                        index + 1
                    );
                    tried.insert(op.kind().name());
                }
                Resolved::Gate { probe, .. } | Resolved::Wait { probe, .. } => {
                    recording.take();
                    dispatch::evaluate(probe, &recording, &clock).await;
                    let called = recording.take();
                    let declared: BTreeSet<&str> =
                        probe.kind().spec().uses.iter().copied().collect();
                    assert!(
                        called.is_subset(&declared),
                        "{name} step {}: {} calls {called:?}, declared {declared:?}",
                        index + 1,
                        probe.kind().name()
                    );
                    tried.insert(probe.kind().name());
                }
                Resolved::Manual | Resolved::Shell { .. } => {}
            }
        }
    }
    assert!(
        tried.contains("promote-read-replica") && tried.contains("restore-newest-recovery-point"),
        "the shipped runbooks were tried: {tried:?}"
    );
}
