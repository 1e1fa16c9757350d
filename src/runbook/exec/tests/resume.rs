//! A run rebuilt from its log goes on where the live run would have.

use super::*;

#[test]
fn a_resumed_run_keeps_finished_steps_and_holds_a_step_sent_without_result_in_doubt() {
    let (mut run, _) = at_promote();
    run.confirm(Some("orders-dr-usw2"), t(7)).expect("sent");
    // The session is lost here: the intent is in the log, the result never came.
    let (mut resumed, work) = rebuilt(&run, t(100));
    assert_eq!(resumed.id, run.id);
    assert_eq!(resumed.started_at(), run.started_at());
    assert_eq!(
        resumed
            .state
            .steps
            .iter()
            .map(|s| s.state)
            .collect::<Vec<_>>(),
        vec![
            StepState::Done,
            StepState::Done,
            StepState::InDoubt,
            StepState::Pending
        ]
    );
    assert_eq!(resumed.state.current, Some(2));
    assert_eq!(resumed.state.steps[0].ticked, 2);
    let LogEvent::RunResumed {
        in_doubt, operator, ..
    } = &resumed.log.last().expect("entry").event
    else {
        panic!("the resume is recorded")
    };
    assert_eq!(in_doubt.as_deref(), Some("promote"));
    assert_eq!(operator, "second-operator");
    // Only the live end state is read: nothing is sent.
    assert_eq!(work.len(), 1);
    assert!(matches!(work[0].job, Job::Inspect(Subject::EndState(_))));
    let err = resumed.confirm(None, t(101)).expect_err("no end state yet");
    assert_eq!(err, Refusal::ReadingEndState);
    resumed.on_report(
        report(&resumed, &work[0], ReportBody::Inspected(holds(true))),
        t(102),
    );
    assert_eq!(
        resumed.in_doubt_decision(),
        Some(InDoubtDecision::AcceptEndState)
    );
    assert_eq!(resumed.typed_name_needed(), None, "accepting sends nothing");
    let next = resumed.confirm(None, t(103)).expect("accepted");
    assert_eq!(resumed.state.steps[2].state, StepState::Done);
    assert!(
        next.iter().all(|w| matches!(w.job, Job::Inspect(_))),
        "no step was sent again: {next:?}"
    );
    assert!(resumed.log.iter().any(|e| matches!(
        e.event,
        LogEvent::InDoubtResolved {
            decision: InDoubtDecision::AcceptEndState,
            ..
        }
    )));
    assert_eq!(resumed.state.current, Some(3));
}

#[test]
fn a_run_that_is_over_or_a_log_that_is_not_a_run_does_not_resume() {
    let mut run = at_gate(true);
    run.abort("drill over", t(5)).expect("aborted");
    let err = Run::resume(
        run.book.clone(),
        run.params.clone(),
        run.log.clone(),
        "x",
        None,
        t(6),
    )
    .err()
    .expect("over");
    assert!(err.contains("already over"), "{err}");
    let err = Run::resume(
        run.book.clone(),
        run.params.clone(),
        run.log[2..].to_vec(),
        "x",
        None,
        t(6),
    )
    .err()
    .expect("no start");
    assert!(err.contains("not `run-started`"), "{err}");
    let err = Run::resume(
        run.book.clone(),
        run.params.clone(),
        Vec::new(),
        "x",
        None,
        t(6),
    )
    .err()
    .expect("empty");
    assert!(err.contains("no records"), "{err}");
}

#[test]
fn a_resumed_run_goes_on_numbering_its_log() {
    let (mut run, _) = at_promote();
    run.confirm(Some("orders-dr-usw2"), t(7)).expect("sent");
    run.session_lost("SIGHUP", t(8));
    let (resumed, _) = rebuilt(&run, t(100));
    let seqs: Vec<u64> = resumed.log.iter().map(|e| e.seq).collect();
    assert_eq!(seqs, (1..=resumed.log.len() as u64).collect::<Vec<_>>());
    assert!(resumed.log.iter().any(|e| matches!(
        &e.event,
        LogEvent::SessionLost { why } if why == "SIGHUP"
    )));
}

#[test]
fn a_crash_between_step_done_and_the_next_step_reached_resumes_at_the_successor() {
    let (mut run, _) = at_promote();
    let work = run.confirm(Some("orders-dr-usw2"), t(7)).expect("sent");
    run.on_report(
        report(&run, &work[0], ReportBody::Done(Outcome::new("promoted"))),
        t(8),
    );
    let done = run
        .log
        .iter()
        .position(|e| {
            matches!(e.event, LogEvent::StepDone { .. }) && e.step.as_deref() == Some("promote")
        })
        .expect("the promotion's step-done");
    assert!(matches!(
        run.log[done + 1].event,
        LogEvent::StepReached { .. }
    ));
    // The crash: `step-done` is on disk, the next `step-reached` is not.
    let mut lost = run.log.clone();
    lost.truncate(done + 1);
    let (mut resumed, _) = Run::resume(
        run.book.clone(),
        run.params.clone(),
        lost,
        "second-operator",
        None,
        t(100),
    )
    .expect("resumes");
    assert_eq!(resumed.state.steps[2].state, StepState::Done);
    assert_eq!(
        resumed.state.current,
        Some(3),
        "the run goes on at the step after the promotion, as the live run did"
    );
    let next = resumed.confirm(Some("orders-dr-usw2"), t(101));
    assert!(
        next.as_ref().map_or(true, |w| w.iter().all(|w| !matches!(
            &w.job,
            Job::Perform {
                task: Task::Action { .. },
                ..
            }
        ))),
        "Enter must never promote again: {next:?}"
    );
}

#[test]
fn a_crash_after_the_last_step_done_finishes_the_run_on_resume() {
    let (mut run, _) = start(BOOK);
    run.skip("a", t(1)).expect("skip");
    run.skip("b", t(1)).expect("skip");
    run.skip("c", t(1)).expect("skip");
    let work = run.confirm(None, t(2)).expect("the script is sent");
    run.on_report(
        report(&run, &work[0], ReportBody::Done(Outcome::new("exit 0"))),
        t(3),
    );
    assert!(matches!(
        run.log.last().expect("entry").event,
        LogEvent::RunFinished { .. }
    ));
    let mut lost = run.log.clone();
    lost.pop();
    let (resumed, work) = Run::resume(
        run.book.clone(),
        run.params.clone(),
        lost,
        "second-operator",
        None,
        t(100),
    )
    .expect("resumes");
    assert!(work.is_empty(), "nothing is sent: {work:?}");
    assert_eq!(
        resumed.state.finished.as_ref().map(|f| &f.1),
        Some(&RunOutcome::Completed),
        "the script is not run again"
    );
}
