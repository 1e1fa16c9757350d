//! The executor on its own: decisions and reports in, work out, with a hand-moved clock.

use super::*;
use crate::runbook::check;
use crate::runbook::log::InDoubtDecision;
use crate::runbook::params::{self, ParamValues};
use crate::runbook::work::Outcome;

const BOOK: &str = r#"---
title: Test failover
rto: 10m
rpo: 1m
parameters:
  replica:
    type: rds-instance-id
    default: orders-dr-usw2
  region:
    type: region
    default: us-west-2
  label:
    default: plain
---
## Page the owner

- [ ] page the owner
- [ ] open the bridge

## Lag is small

```ripcord
gate: replica-lag-below
replica: "{{replica}}"
region: "{{region}}"
max: rpo
```

## Promote

```ripcord
action: promote-read-replica
replica: "{{replica}}"
region: "{{region}}"
```

## Note it

```sh
echo "$RIPCORD_PARAM_REPLICA"
```
"#;

fn t(s: i64) -> Timestamp {
    Timestamp::from_second(1_800_000_000 + s).expect("valid")
}

fn book(text: &str) -> Arc<Runbook> {
    Arc::new(check::load("test", "test.md", text).expect("valid runbook"))
}

fn start(text: &str) -> (Run, Vec<Work>) {
    let b = book(text);
    let values = params::resolve(&b, &[]).expect("defaults fit");
    Run::start(b, values, "tester", t(0)).expect("starts")
}

fn holds(yes: bool) -> Vec<Check> {
    vec![Check::new(
        "condition",
        yes,
        if yes { "fine" } else { "not fine" },
    )]
}

fn report(run: &Run, work: &Work, body: ReportBody) -> Report {
    Report {
        run: run.id.clone(),
        request: work.request,
        step: work.step,
        body,
    }
}

/// Runs the manual first step, then answers the gate's inspection with `gate_holds`.
fn at_gate(gate_holds: bool) -> Run {
    let (mut run, work) = start(BOOK);
    assert!(work.is_empty(), "a manual step reads nothing");
    run.confirm(None, t(1)).expect("tick 1");
    let work = run.confirm(None, t(2)).expect("tick 2");
    assert_eq!(run.current, Some(1));
    assert_eq!(work.len(), 1);
    assert!(matches!(work[0].job, Job::Inspect(Subject::Condition(_))));
    run.on_report(
        report(&run, &work[0], ReportBody::Inspected(holds(gate_holds))),
        t(3),
    );
    run
}

/// Past the gate, at the promotion, with its pre-checks answered.
fn at_promote() -> (Run, Work) {
    let mut run = at_gate(true);
    let work = run.confirm(None, t(4)).expect("gate passes");
    assert_eq!(run.current, Some(2));
    let inspect = work.into_iter().next().expect("pre-checks requested");
    assert!(matches!(inspect.job, Job::Inspect(Subject::PreChecks(_))));
    run.on_report(
        report(&run, &inspect, ReportBody::Inspected(holds(true))),
        t(5),
    );
    (run, inspect)
}

#[test]
fn a_checklist_is_ticked_one_item_per_confirm() {
    let (mut run, _) = start(BOOK);
    run.confirm(None, t(1)).expect("tick");
    assert_eq!(run.steps[0].ticked, 1);
    assert_eq!(run.steps[0].state, StepState::Pending, "one item left");
    run.confirm(None, t(2)).expect("tick");
    assert_eq!(run.steps[0].state, StepState::Done);
    let ticks: Vec<&LogEvent> = run
        .log
        .iter()
        .map(|e| &e.event)
        .filter(|e| matches!(e, LogEvent::ItemTicked { .. }))
        .collect();
    assert_eq!(ticks.len(), 2);
}

#[test]
fn a_gate_waits_for_readings_and_refuses_while_it_does_not_hold() {
    let (mut run, _) = start(BOOK);
    run.confirm(None, t(1)).expect("tick");
    run.confirm(None, t(2)).expect("tick");
    let err = run.confirm(None, t(2)).expect_err("no readings yet");
    assert!(err.contains("still reading"), "{err}");
    let mut run = at_gate(false);
    let err = run.confirm(None, t(4)).expect_err("does not hold");
    assert!(err.contains("the gate does not hold"), "{err}");
    assert_eq!(run.current, Some(1), "still at the gate");
}

#[test]
fn decisions_are_never_taken_on_old_readings() {
    let mut run = at_gate(true);
    let err = run.confirm(None, t(3 + 31)).expect_err("stale");
    assert!(err.contains("old: r reads them again"), "{err}");
}

#[test]
fn live_values_are_read_again_every_few_seconds_while_waiting() {
    let mut run = at_gate(true);
    assert!(
        run.tick(t(4)).is_empty(),
        "fresh readings are not read again"
    );
    let again = run.tick(t(8));
    assert_eq!(again.len(), 1, "5s later they are");
    assert!(run.tick(t(9)).is_empty(), "one read at a time");
}

#[test]
fn a_destructive_action_needs_the_typed_name_and_logs_its_intent_first() {
    let (mut run, _) = at_promote();
    assert_eq!(run.typed_name_needed().as_deref(), Some("orders-dr-usw2"));
    let err = run.confirm(None, t(6)).expect_err("needs the name");
    assert!(err.contains("type `orders-dr-usw2`"), "{err}");
    let err = run
        .confirm(Some("orders-dr-usw"), t(6))
        .expect_err("wrong name");
    assert!(err.contains("nothing was done"), "{err}");
    assert_eq!(run.steps[2].state, StepState::Pending);
    let log_len = run.log.len();
    let work = run
        .confirm(Some("orders-dr-usw2"), t(7))
        .expect("confirmed");
    assert_eq!(run.steps[2].state, StepState::Running);
    let Job::Perform { intent, task } = &work[0].job else {
        panic!("a perform job")
    };
    assert_eq!(run.log.len(), log_len + 1);
    assert_eq!(
        **intent, run.log[log_len],
        "the job carries the logged intent"
    );
    let LogEvent::Intent {
        how,
        destructive,
        readings,
        attempt,
        ..
    } = &intent.event
    else {
        panic!("an intent entry")
    };
    assert_eq!(
        *how,
        Confirmation::TypedName {
            typed: "orders-dr-usw2".into()
        }
    );
    assert!(*destructive);
    assert_eq!(
        readings,
        &Seen::all(&holds(true), t(7)),
        "the evidence the decision was taken on"
    );
    assert_eq!(*attempt, 1);
    let Task::Action { context, .. } = task else {
        panic!("an action")
    };
    assert_eq!(context.idempotency_token(), format!("{}-s3-a1", run.id));
}

#[test]
fn a_failed_step_is_retried_after_reading_again_with_a_new_attempt() {
    let (mut run, _) = at_promote();
    let work = run.confirm(Some("orders-dr-usw2"), t(7)).expect("go");
    run.on_report(
        report(&run, &work[0], ReportBody::Progress("promoting".into())),
        t(8),
    );
    run.on_report(
        report(&run, &work[0], ReportBody::Failed("throttled".into())),
        t(9),
    );
    assert_eq!(run.steps[2].state, StepState::Failed);
    assert_eq!(run.steps[2].output, vec!["promoting"]);
    let err = run
        .confirm(Some("orders-dr-usw2"), t(10))
        .expect_err("failed");
    assert!(err.contains("r retries it"), "{err}");
    let again = run.retry(t(10)).expect("retry");
    assert!(matches!(again[0].job, Job::Inspect(Subject::PreChecks(_))));
    run.on_report(
        report(&run, &again[0], ReportBody::Inspected(holds(true))),
        t(11),
    );
    let work = run
        .confirm(Some("orders-dr-usw2"), t(12))
        .expect("second attempt");
    let Job::Perform {
        task: Task::Action { context, .. },
        ..
    } = &work[0].job
    else {
        panic!("an action")
    };
    assert_eq!(context.attempt, 2);
    run.on_report(
        report(&run, &work[0], ReportBody::Done(Outcome::new("promoted"))),
        t(13),
    );
    assert_eq!(run.steps[2].state, StepState::Done);
    assert_eq!(run.current, Some(3));
}

#[test]
fn skipping_needs_a_reason_and_goes_on_with_the_step_below() {
    let mut run = at_gate(false);
    let err = run.skip("  ", t(4)).expect_err("no reason");
    assert!(err.contains("say why"), "{err}");
    let work = run.skip("lag accepted by the IC", t(4)).expect("skipped");
    assert_eq!(run.steps[1].state, StepState::Skipped);
    assert_eq!(run.steps[1].note.as_deref(), Some("lag accepted by the IC"));
    assert_eq!(run.current, Some(2));
    assert_eq!(work.len(), 1, "the next step's pre-checks are read");
    assert!(run.log.iter().any(|e| matches!(
        &e.event,
        LogEvent::StepSkipped { reason } if reason == "lag accepted by the IC"
    )));
}

#[test]
fn aborting_stops_the_run_and_a_late_result_is_still_recorded() {
    let (mut run, _) = at_promote();
    let work = run.confirm(Some("orders-dr-usw2"), t(7)).expect("go");
    assert!(run.abort("", t(8)).is_err(), "a reason is needed");
    run.abort("wrong region", t(8)).expect("aborted");
    assert!(run.is_over());
    assert!(run.confirm(None, t(9)).is_err());
    assert!(run.skip("x", t(9)).is_err());
    let LogEvent::RunAborted { running, .. } = &run.log.last().expect("entry").event else {
        panic!("abort logged")
    };
    assert_eq!(running.as_deref(), Some("promote"));
    let more = run.on_report(
        report(&run, &work[0], ReportBody::Done(Outcome::new("promoted"))),
        t(20),
    );
    assert!(more.is_empty(), "nothing follows an aborted run");
    assert!(matches!(
        run.log.last().expect("entry").event,
        LogEvent::LateResult { ok: true, .. }
    ));
}

#[test]
fn answers_to_old_requests_are_set_aside() {
    let mut run = at_gate(true);
    let first = run.retry(t(4)).expect("re-read");
    let second = run.retry(t(5)).expect("re-read again");
    run.on_report(
        report(&run, &first[0], ReportBody::Inspected(holds(false))),
        t(6),
    );
    assert!(
        run.steps[1]
            .readings
            .as_ref()
            .is_some_and(Readings::all_hold),
        "old answer ignored"
    );
    run.on_report(
        report(&run, &second[0], ReportBody::Inspected(holds(false))),
        t(6),
    );
    assert!(
        !run.steps[1]
            .readings
            .as_ref()
            .is_some_and(Readings::all_hold)
    );
}

#[test]
fn a_gate_with_otherwise_branches_when_it_does_not_hold() {
    let text = BOOK.replace("max: rpo\n", "max: rpo\notherwise: note-it\n");
    let b = book(&text);
    let (mut run, _) =
        Run::start(b.clone(), params::resolve(&b, &[]).expect("ok"), "t", t(0)).expect("starts");
    run.confirm(None, t(1)).expect("tick");
    let work = run.confirm(None, t(1)).expect("tick");
    run.on_report(
        report(&run, &work[0], ReportBody::Inspected(holds(false))),
        t(2),
    );
    run.confirm(None, t(3)).expect("branch");
    assert_eq!(run.current, Some(3), "went to note-it");
    assert_eq!(
        run.steps[2].state,
        StepState::Pending,
        "promotion not taken"
    );
}

#[test]
fn the_shell_step_gets_parameters_as_environment_only() {
    let (mut run, _) = at_promote();
    let work = run.confirm(Some("orders-dr-usw2"), t(7)).expect("go");
    run.on_report(
        report(&run, &work[0], ReportBody::Done(Outcome::new("ok"))),
        t(8),
    );
    assert_eq!(run.current, Some(3));
    let work = run.confirm(None, t(9)).expect("shell runs");
    let Job::Perform {
        task: Task::Shell { script, env, .. },
        ..
    } = &work[0].job
    else {
        panic!("a shell job")
    };
    assert_eq!(script, "echo \"$RIPCORD_PARAM_REPLICA\"\n");
    assert!(
        env.0
            .iter()
            .any(|v| v.name == "RIPCORD_PARAM_REPLICA" && v.value == "orders-dr-usw2")
    );
    run.on_report(
        report(&run, &work[0], ReportBody::Done(Outcome::new("exit 0"))),
        t(10),
    );
    assert_eq!(
        run.finished.as_ref().map(|f| &f.1),
        Some(&RunOutcome::Completed)
    );
    assert!(matches!(
        run.log.last().expect("entry").event,
        LogEvent::RunFinished {
            within_rto: true,
            elapsed_secs: 10,
            ..
        }
    ));
}

#[test]
fn a_parameter_that_does_not_fit_its_argument_stops_the_start() {
    let text = BOOK.replace(
        "replica: \"{{replica}}\"\nregion: \"{{region}}\"\n```\n\n## Note",
        "replica: \"{{label}}-x--y\"\nregion: \"{{region}}\"\n```\n\n## Note",
    );
    let b = book(&text);
    let values: ParamValues = params::resolve(&b, &[]).expect("params fit their own types");
    let Err(problems) = Run::start(b, values, "t", t(0)) else {
        panic!("must not start")
    };
    assert_eq!(problems.len(), 1);
    let message = problems[0].to_string();
    assert!(
        message.starts_with("test.md:33:10: step `Promote`: `replica` = `plain-x--y` from {{label}}-x--y: `plain-x--y` is not an RDS instance identifier"),
        "{message}"
    );
}

#[test]
fn a_secret_reaches_the_shell_but_never_the_log_or_a_debug_print() {
    let text = BOOK.replace(
        "  label:\n    default: plain\n",
        "  label:\n    default: plain\n  token:\n    secret: true\n",
    );
    let b = book(&text);
    let values = params::resolve(&b, &[("token".into(), "hunter2".into())]).expect("fits");
    assert!(!format!("{values:?}").contains("hunter2"));
    let (mut run, _) = Run::start(b, values, "t", t(0)).expect("starts");
    let LogEvent::ParamsBound { params } = &run.log[1].event else {
        panic!("parameters bound")
    };
    assert!(
        params
            .iter()
            .any(|p| p.name == "token" && p.value == params::REDACTED && p.secret && p.given)
    );
    run.skip("a", t(1)).expect("skip");
    run.skip("b", t(1)).expect("skip");
    run.skip("c", t(1)).expect("skip");
    let work = run.confirm(None, t(2)).expect("the shell step runs");
    let Job::Perform {
        intent,
        task: Task::Shell { env, .. },
    } = &work[0].job
    else {
        panic!("a shell job")
    };
    assert!(
        env.0
            .iter()
            .any(|v| v.name == "RIPCORD_PARAM_TOKEN" && v.value == "hunter2")
    );
    let everything = format!(
        "{:?}\n{}",
        work,
        serde_json::to_string(&run.log).expect("serializes")
    );
    assert!(!everything.contains("hunter2"), "{everything}");
    assert!(
        serde_json::to_string(intent)
            .expect("json")
            .contains("RIPCORD_PARAM_TOKEN")
    );
}

/// The run rebuilt from `run`'s log, as after a lost session (the same book and values).
fn rebuilt(run: &Run, at: Timestamp) -> (Run, Vec<Work>) {
    Run::resume(
        run.book.clone(),
        run.params.clone(),
        run.log.clone(),
        "second-operator",
        None,
        at,
    )
    .expect("resumes")
}

#[test]
fn a_resumed_run_keeps_finished_steps_and_holds_a_step_sent_without_result_in_doubt() {
    let (mut run, _) = at_promote();
    run.confirm(Some("orders-dr-usw2"), t(7)).expect("sent");
    // The session is lost here: the intent is in the log, the result never came.
    let (mut resumed, work) = rebuilt(&run, t(100));
    assert_eq!(resumed.id, run.id);
    assert_eq!(resumed.started_at, run.started_at);
    assert_eq!(
        resumed.steps.iter().map(|s| s.state).collect::<Vec<_>>(),
        vec![
            StepState::Done,
            StepState::Done,
            StepState::InDoubt,
            StepState::Pending
        ]
    );
    assert_eq!(resumed.current, Some(2));
    assert_eq!(resumed.steps[0].ticked, 2);
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
    assert!(err.contains("reading the live end state"), "{err}");
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
    assert_eq!(resumed.steps[2].state, StepState::Done);
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
    assert_eq!(resumed.current, Some(3));
}

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
    assert!(err.contains("type `orders-dr-usw2`"), "{err}");
    assert_eq!(resumed.steps[2].state, StepState::InDoubt, "still held");
    // Stale end state: read again before deciding.
    let err = resumed
        .confirm(Some("orders-dr-usw2"), t(200))
        .expect_err("stale");
    assert!(err.contains("r reads it again"), "{err}");
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
    assert_eq!(resumed.steps[2].state, StepState::Running);
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
fn a_script_in_doubt_has_no_end_state_to_read_and_runs_again_only_when_confirmed() {
    let (mut run, _) = start(BOOK);
    run.skip("a", t(1)).expect("skip");
    run.skip("b", t(1)).expect("skip");
    run.skip("c", t(1)).expect("skip");
    run.confirm(None, t(2)).expect("the script is sent");
    let (mut resumed, work) = rebuilt(&run, t(50));
    assert_eq!(resumed.steps[3].state, StepState::InDoubt);
    assert!(work.is_empty(), "nothing to read, and nothing sent");
    let err = resumed.retry(t(51)).expect_err("nothing to read");
    assert!(err.contains("cannot read what a script did"), "{err}");
    assert_eq!(resumed.in_doubt_decision(), Some(InDoubtDecision::RunAgain));
    let again = resumed.confirm(None, t(52)).expect("run again");
    assert!(matches!(
        again[0].job,
        Job::Perform {
            task: Task::Shell { .. },
            ..
        }
    ));
}
