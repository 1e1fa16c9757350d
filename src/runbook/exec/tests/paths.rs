//! Where the run goes: skipping (by the step's own way out), gates and `otherwise`.

use super::*;

#[test]
fn skipping_needs_a_reason_and_goes_on_with_the_step_below() {
    let mut run = at_gate(false);
    let err = run.skip("  ", t(4)).expect_err("no reason");
    assert!(matches!(err, Refusal::NoReason { .. }), "{err}");
    assert!(err.to_string().contains("say why"), "{err}");
    let work = run.skip("lag accepted by the IC", t(4)).expect("skipped");
    assert_eq!(run.state.steps[1].state, StepState::Skipped);
    assert_eq!(
        run.state.steps[1].note.as_deref(),
        Some("lag accepted by the IC")
    );
    assert_eq!(run.state.current, Some(2));
    assert_eq!(work.len(), 1, "the next step's pre-checks are read");
    assert!(run.log.iter().any(|e| matches!(
        &e.event,
        LogEvent::StepSkipped { reason } if reason == "lag accepted by the IC"
    )));
}

#[test]
fn a_gate_with_otherwise_branches_when_it_does_not_hold() {
    let text = BOOK.replace("max: rpo\n", "max: rpo\notherwise: note-it\n");
    let b = book(&text);
    let (mut run, _) = Run::start(
        test_id(&b),
        b.clone(),
        params::resolve(&b, &[]).expect("ok"),
        "t",
        t(0),
    )
    .expect("starts");
    run.confirm(None, t(1)).expect("tick");
    let work = run.confirm(None, t(1)).expect("tick");
    run.on_report(
        report(&run, &work[0], ReportBody::Inspected(holds(false))),
        t(2),
    );
    run.confirm(None, t(3)).expect("branch");
    assert_eq!(run.state.current, Some(3), "went to note-it");
    assert_eq!(
        run.state.steps[2].state,
        StepState::Pending,
        "promotion not taken"
    );
}

const AURORA: &str = include_str!("../../../../runbooks/aurora-global-failover.md");

#[test]
fn skipping_the_planned_switchover_follows_its_next_not_the_unplanned_failover() {
    let b = Arc::new(
        check::load(
            "aurora-global-failover",
            "runbooks/aurora-global-failover.md",
            AURORA,
        )
        .expect("the shipped runbook loads"),
    );
    let values = params::resolve(&b, &[]).expect("defaults fit");
    let (mut run, _) = Run::start(test_id(&b), b, values, "tester", t(0)).expect("starts");
    let work = run.confirm(None, t(1)).expect("the page is ticked");
    assert_eq!(run.state.current, Some(1), "at the gate");
    run.on_report(
        report(&run, &work[0], ReportBody::Inspected(holds(true))),
        t(2),
    );
    run.confirm(None, t(3)).expect("the primary answers");
    assert_eq!(run.book.steps[2].id, "planned-switchover");
    assert_eq!(run.state.current, Some(2));
    run.skip("switched over by hand from the console", t(4))
        .expect("skipped");
    let at = run.state.current.map(|i| run.book.steps[i].id.clone());
    assert_eq!(
        at.as_deref(),
        Some("point-billing-at-the-new-primary"),
        "skipping follows the step's `next:`; it never lands on the data-loss failover"
    );
}
