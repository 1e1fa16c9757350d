//! Confirming, typed names, retries, aborts, and what reaches the log.

use super::*;

#[test]
fn a_checklist_is_ticked_one_item_per_confirm() {
    let (mut run, _) = start(BOOK);
    run.confirm(None, t(1)).expect("tick");
    assert_eq!(run.state.steps[0].ticked, 1);
    assert_eq!(
        run.state.steps[0].state,
        StepState::Pending,
        "one item left"
    );
    run.confirm(None, t(2)).expect("tick");
    assert_eq!(run.state.steps[0].state, StepState::Done);
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
    assert_eq!(err, Refusal::StillReading);
    let mut run = at_gate(false);
    let err = run.confirm(None, t(4)).expect_err("does not hold");
    assert_eq!(err, Refusal::GateDoesNotHold);
    assert_eq!(run.state.current, Some(1), "still at the gate");
}

#[test]
fn decisions_are_never_taken_on_old_readings() {
    let mut run = at_gate(true);
    let err = run.confirm(None, t(3 + 31)).expect_err("stale");
    assert!(matches!(err, Refusal::OldReadings { .. }), "{err}");
    assert!(err.to_string().contains("old: r reads them again"), "{err}");
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
    assert_eq!(
        err,
        Refusal::NeedsName {
            needed: "orders-dr-usw2".into()
        }
    );
    assert!(err.to_string().contains("type `orders-dr-usw2`"), "{err}");
    let err = run
        .confirm(Some("orders-dr-usw"), t(6))
        .expect_err("wrong name");
    assert_eq!(
        err,
        Refusal::WrongName {
            typed: "orders-dr-usw".into(),
            needed: "orders-dr-usw2".into()
        }
    );
    assert!(err.to_string().contains("nothing was done"), "{err}");
    assert_eq!(run.state.steps[2].state, StepState::Pending);
    let log_len = run.log.len();
    let work = run
        .confirm(Some("orders-dr-usw2"), t(7))
        .expect("confirmed");
    assert_eq!(run.state.steps[2].state, StepState::Running);
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
    assert_eq!(run.state.steps[2].state, StepState::Failed);
    assert_eq!(run.live[2].output, vec!["promoting"]);
    let err = run
        .confirm(Some("orders-dr-usw2"), t(10))
        .expect_err("failed");
    assert!(matches!(err, Refusal::Failed { .. }), "{err}");
    assert!(err.to_string().contains("r retries it"), "{err}");
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
    assert_eq!(run.state.steps[2].state, StepState::Done);
    assert_eq!(run.state.current, Some(3));
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
        run.live[1]
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
        !run.live[1]
            .readings
            .as_ref()
            .is_some_and(Readings::all_hold)
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
    assert_eq!(run.state.current, Some(3));
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
        run.state.finished.as_ref().map(|f| &f.1),
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
    let Err(problems) = Run::start(test_id(&b), b, values, "t", t(0)) else {
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
    let (mut run, _) = Run::start(test_id(&b), b, values, "t", t(0)).expect("starts");
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

/// The run view words what `next_move` says; `confirm` must then do just that: a name it asks
/// for is refused when missing, and the step it says it marks or ticks is marked or ticked.
#[test]
fn what_next_move_says_enter_does_is_what_confirm_does() {
    let (mut run, _) = at_promote();
    let next = run.next_move(t(6)).expect("ready");
    assert_eq!(
        next,
        NextMove::Run {
            typed: Some("orders-dr-usw2".to_string())
        }
    );
    run.confirm(None, t(6)).expect_err("the name it asks for");
    assert_eq!(run.state.steps[2].state, StepState::Pending);
    run.confirm(Some("orders-dr-usw2"), t(6)).expect("runs");
    assert_eq!(run.state.steps[2].state, StepState::Running);

    let (mut run, _) = start(BOOK);
    assert_eq!(run.next_move(t(1)), Ok(NextMove::TickItem));
    run.confirm(None, t(1)).expect("tick");
    assert_eq!(run.state.steps[0].ticked, 1);
    let gate = at_gate(false);
    assert!(
        gate.next_move(t(4)).is_err(),
        "a gate that does not hold: Enter does nothing, and says why"
    );
    let gate = at_gate(true);
    assert_eq!(
        gate.next_move(t(4)),
        Ok(NextMove::AcceptGate { otherwise: false })
    );
}

/// A lag the promotion cannot pass (over its limit, or unreadable in a region outage): `o`
/// lifts the limit with a reason, on the record, and the step then needs only its typed name;
/// the intent names the promotion without a lag limit, and a resumed run keeps it lifted.
#[test]
fn the_operator_lifts_the_lag_limit_at_the_promotion_with_a_reason() {
    let mut run = at_gate(true);
    let work = run.confirm(None, t(4)).expect("gate passes");
    let inspect = work.into_iter().next().expect("pre-checks requested");
    let lag = Check::unknown("lag below 1m", "cloudwatch timed out").liftable();
    run.on_report(
        report(&run, &inspect, ReportBody::Inspected(vec![lag])),
        t(5),
    );
    let err = run
        .confirm(Some("orders-dr-usw2"), t(6))
        .expect_err("cannot tell the lag");
    assert!(
        matches!(err, Refusal::CannotTell { liftable: true, .. }),
        "{err}"
    );
    assert!(err.to_string().contains("o lifts the limit"), "{err}");
    assert_eq!(
        run.lift_limit("  ", t(6)),
        Err(Refusal::NoReason {
            what: "the limit is lifted"
        })
    );
    let work = run
        .lift_limit("IC agreed: us-east-1 is down", t(6))
        .expect("lifted");
    assert!(work.is_empty(), "lifting sends nothing");
    assert!(matches!(
        run.log.last().map(|e| &e.event),
        Some(LogEvent::LimitLifted { reason, .. }) if reason == "IC agreed: us-east-1 is down"
    ));
    assert_eq!(
        run.next_move(t(6)),
        Ok(NextMove::Run {
            typed: Some("orders-dr-usw2".into())
        })
    );
    run.confirm(None, t(6))
        .expect_err("still needs the typed name");
    let work = run.confirm(Some("orders-dr-usw2"), t(7)).expect("promotes");
    let Job::Perform { task, .. } = &work[0].job else {
        panic!("a perform job")
    };
    let Task::Action { op, .. } = task else {
        panic!("an action")
    };
    assert!(
        op.describe().iter().any(|l| l.contains("NOT limited")),
        "the intent's operation runs without the limit: {:?}",
        op.describe()
    );
    let (resumed, _) = rebuilt(&run, t(8));
    assert_eq!(
        resumed.state.steps[2].limit_lifted.as_deref(),
        Some("IC agreed: us-east-1 is down")
    );
}

#[test]
fn there_is_nothing_to_lift_where_no_limit_stands_in_the_way() {
    let mut gate = at_gate(false);
    assert_eq!(
        gate.lift_limit("why not", t(4)),
        Err(Refusal::NothingToLift)
    );
    let (mut run, _) = at_promote();
    assert_eq!(
        run.lift_limit("why not", t(6)),
        Err(Refusal::NothingToLift),
        "every pre-check holds"
    );
}
