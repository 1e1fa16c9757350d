//! A step in doubt after a lost session: its end state decides, and what cannot be told is never sent again untyped.

use super::*;

#[test]
fn a_step_in_doubt_whose_end_state_does_not_hold_is_sent_again_only_with_the_typed_name() {
    let (mut run, _) = at_promote();
    run.confirm(Some("orders-dr-usw2"), t(7)).expect("sent");
    let (mut resumed, work) = rebuilt(&run, t(100));
    resumed.on_report(
        report(&resumed, &work[0], ReportBody::Inspected(holds(false))),
        t(101),
    );
    assert_eq!(resumed.in_doubt_decision(), Some(InDoubtDecision::RunAgain));
    let err = resumed.confirm(None, t(102)).expect_err("destructive");
    assert_eq!(
        err,
        Refusal::NeedsName {
            needed: "orders-dr-usw2".into()
        }
    );
    assert_eq!(
        resumed.state.steps[2].state,
        StepState::InDoubt,
        "still held"
    );
    // Stale end state: read again before deciding.
    let err = resumed
        .confirm(Some("orders-dr-usw2"), t(200))
        .expect_err("stale");
    assert!(matches!(err, Refusal::OldEndState { .. }), "{err}");
    assert!(err.to_string().contains("r reads it again"), "{err}");
    let again = resumed.retry(t(200)).expect("re-read");
    assert!(matches!(again[0].job, Job::Inspect(Subject::EndState(_))));
    resumed.on_report(
        report(&resumed, &again[0], ReportBody::Inspected(holds(false))),
        t(201),
    );
    let work = resumed
        .confirm(Some("orders-dr-usw2"), t(202))
        .expect("sent again");
    let Job::Perform { intent, .. } = &work[0].job else {
        panic!("a perform job")
    };
    let LogEvent::Intent { attempt, .. } = intent.event else {
        panic!("an intent")
    };
    assert_eq!(attempt, 2);
    assert_eq!(resumed.state.steps[2].state, StepState::Running);
}

const RESTORE_BOOK: &str = r#"---
title: Restore drill
rto: 1h
---
## Restore

```ripcord
action: restore-newest-recovery-point
region: us-west-2
vault: dr-usw2
resource: orders-primary
target: orders-restore-drill
```
"#;

#[test]
fn a_restore_sent_again_after_a_lost_session_reuses_its_idempotency_token() {
    let (mut run, work) = start(RESTORE_BOOK);
    run.on_report(
        report(&run, &work[0], ReportBody::Inspected(holds(true))),
        t(1),
    );
    let first = run.confirm(None, t(2)).expect("sent");
    let Job::Perform {
        intent,
        task: Task::Action { context, .. },
    } = &first[0].job
    else {
        panic!("an action")
    };
    let token = context.idempotency_token().to_string();
    assert!(matches!(
        &intent.event,
        LogEvent::Intent { idempotency_token: Some(t), .. } if *t == token
    ));
    let (mut resumed, work) = rebuilt(&run, t(50));
    resumed.on_report(
        report(&resumed, &work[0], ReportBody::Inspected(holds(false))),
        t(51),
    );
    let again = resumed.confirm(None, t(52)).expect("sent again");
    let Job::Perform {
        task: Task::Action { context, .. },
        ..
    } = &again[0].job
    else {
        panic!("an action")
    };
    assert_eq!(context.attempt, 2);
    assert_eq!(
        context.idempotency_token(),
        token,
        "the same token: AWS cannot start a second restore"
    );
    // A deliberate retry after a failure is a new attempt with a new token.
    resumed.on_report(
        report(&resumed, &again[0], ReportBody::Failed("boom".into())),
        t(53),
    );
    let check = resumed.retry(t(54)).expect("retry");
    resumed.on_report(
        report(&resumed, &check[0], ReportBody::Inspected(holds(true))),
        t(55),
    );
    let third = resumed.confirm(None, t(56)).expect("third");
    let Job::Perform {
        task: Task::Action { context, .. },
        ..
    } = &third[0].job
    else {
        panic!("an action")
    };
    assert_ne!(context.idempotency_token(), token);
}

#[test]
fn a_script_in_doubt_has_no_end_state_to_read_and_runs_again_only_when_its_id_is_typed() {
    let (mut run, _) = start(BOOK);
    run.skip("a", t(1)).expect("skip");
    run.skip("b", t(1)).expect("skip");
    run.skip("c", t(1)).expect("skip");
    run.confirm(None, t(2)).expect("the script is sent");
    let (mut resumed, work) = rebuilt(&run, t(50));
    assert_eq!(resumed.state.steps[3].state, StepState::InDoubt);
    assert!(work.is_empty(), "nothing to read, and nothing sent");
    let err = resumed.retry(t(51)).expect_err("nothing to read");
    assert!(matches!(err, Refusal::ScriptCannotBeRead { .. }), "{err}");
    assert_eq!(resumed.in_doubt_decision(), Some(InDoubtDecision::RunAgain));
    let again = resumed.confirm(Some("note-it"), t(52)).expect("run again");
    assert!(matches!(
        again[0].job,
        Job::Perform {
            task: Task::Shell { .. },
            ..
        }
    ));
}

const FAILOVER_CLUSTER: &str = r#"---
title: Aurora failover in region
rto: 10m
---
## Fail over

```ripcord
action: failover-db-cluster
cluster: orders-aurora
region: us-west-2
```
"#;

#[test]
fn an_action_in_doubt_whose_end_state_cannot_be_told_is_sent_again_only_with_the_typed_name() {
    let (mut run, work) = start(FAILOVER_CLUSTER);
    run.on_report(
        report(&run, &work[0], ReportBody::Inspected(holds(true))),
        t(1),
    );
    assert_eq!(
        run.typed_name_needed(),
        None,
        "not destructive when it is sure"
    );
    run.confirm(None, t(2)).expect("sent");
    let (mut resumed, work) = rebuilt(&run, t(50));
    assert!(matches!(work[0].job, Job::Inspect(Subject::EndState(_))));
    resumed.on_report(
        report(
            &resumed,
            &work[0],
            ReportBody::Inspected(vec![Check::unknown(
                "the writer of orders-aurora moved",
                "writer orders-aurora-2: compare with the writer in the run log",
            )]),
        ),
        t(51),
    );
    assert_eq!(
        resumed.typed_name_needed().as_deref(),
        Some("orders-aurora"),
        "ripcord cannot tell whether it happened: sending again needs the typed name"
    );
    let err = resumed.confirm(None, t(52)).expect_err("needs the name");
    assert!(matches!(err, Refusal::CannotTellTypeName { .. }), "{err}");
    assert!(err.to_string().contains("cannot tell"), "{err}");
    let again = resumed
        .confirm(Some("orders-aurora"), t(53))
        .expect("sent again, typed");
    assert!(matches!(again[0].job, Job::Perform { .. }));
}

#[test]
fn a_script_in_doubt_runs_again_only_when_its_step_id_is_typed() {
    let (mut run, _) = start(BOOK);
    run.skip("a", t(1)).expect("skip");
    run.skip("b", t(1)).expect("skip");
    run.skip("c", t(1)).expect("skip");
    run.confirm(None, t(2)).expect("the script is sent");
    let (mut resumed, _) = rebuilt(&run, t(50));
    assert_eq!(resumed.typed_name_needed().as_deref(), Some("note-it"));
    let err = resumed.confirm(None, t(51)).expect_err("typed");
    assert_eq!(
        err,
        Refusal::CannotTellTypeName {
            needed: "note-it".into()
        }
    );
    let again = resumed.confirm(Some("note-it"), t(52)).expect("typed");
    assert!(matches!(
        again[0].job,
        Job::Perform {
            task: Task::Shell { .. },
            ..
        }
    ));
}
