//! The run view through `App::update`, keys and all, with an injected clock and answers
//! written by hand: confirm, typed names, skip with a reason, retry, abort, read-only.

use super::*;
use crate::app::{Event, Mode};
use crate::config::Refresh;
use crate::fleet::Workloads;
use crate::runbook::exec::StepState;
use crate::runbook::exec::log::LogEvent;
use crate::runbook::exec::work::{Check, Job, ReportBody, Subject};
use crate::source::sim::Scenario;
use crate::theme::Theme;
use crossterm::event::KeyEvent;

fn t(s: i64) -> Timestamp {
    Timestamp::from_second(1_800_000_000 + s).expect("valid")
}

fn app() -> App {
    let mut app = App::new(
        Mode::Demo {
            scenario: Scenario::Normal,
        },
        "sim",
        &[],
        Workloads::default(),
        Refresh::demo(),
        Theme::mono(),
        t(0),
    );
    app.runbooks.library = Library::shipped();
    app.runbooks.actions_available = true;
    app.runbooks.operator = "tester".into();
    app
}

fn press(app: &mut App, code: KeyCode, at: i64) -> Vec<Command> {
    app.update(Event::Key(KeyEvent::new(code, KeyModifiers::NONE)), t(at))
}

fn type_text(app: &mut App, text: &str, at: i64) {
    for c in text.chars() {
        press(app, KeyCode::Char(c), at);
    }
}

fn works(commands: Vec<Command>) -> Vec<Work> {
    commands
        .into_iter()
        .filter_map(|c| match c {
            Command::Runbook(w) => Some(*w),
            _ => None,
        })
        .collect()
}

/// Answers every inspection in `commands` with checks that hold.
fn answer_inspections(app: &mut App, commands: Vec<Command>, at: i64) -> Vec<Command> {
    let mut out = Vec::new();
    for w in works(commands) {
        match &w.job {
            Job::Inspect(_) => out.extend(app.update(
                Event::Runbook(Report {
                    run: w.run.clone(),
                    request: w.request,
                    step: w.step,
                    body: ReportBody::Inspected(vec![Check::new("fine", true, "all good")]),
                }),
                t(at),
            )),
            Job::Perform { .. } => out.push(Command::Runbook(Box::new(w))),
        }
    }
    out
}

fn run(app: &App) -> &Run {
    app.runbooks.run.as_ref().expect("a run")
}

/// Starts the RDS failover runbook and ticks through its manual first step.
fn at_lag_gate(app: &mut App) {
    let started = app.run_command("run rds-cross-region-failover");
    assert!(
        works(started).is_empty(),
        "a manual first step reads nothing"
    );
    assert!(app.runbooks.visible);
    press(app, KeyCode::Enter, 1);
    let commands = press(app, KeyCode::Enter, 2);
    assert_eq!(run(app).current(), Some(1));
    assert!(answer_inspections(app, commands, 3).is_empty());
}

#[test]
fn r_opens_the_picker_and_enter_starts_the_selected_runbook() {
    let mut app = app();
    press(&mut app, KeyCode::Char('r'), 0);
    assert_eq!(app.runbooks.picker, Some(0));
    press(&mut app, KeyCode::Char('j'), 0);
    press(&mut app, KeyCode::Enter, 0);
    assert_eq!(app.runbooks.picker, None);
    let started = run(&app);
    assert_eq!(started.book.name, app.runbooks.library.entries[1].name);
    // The runbook, the UTC second, and a random part that keeps runs of one second apart.
    let prefix = format!("{}-20270115T080000Z-", started.book.name);
    let suffix = started
        .id
        .strip_prefix(&prefix)
        .expect("name and time first");
    assert!(
        suffix.len() == 6 && suffix.chars().all(|c| c.is_ascii_hexdigit()),
        "{}",
        started.id
    );
}

#[test]
fn enter_confirms_and_a_destructive_step_asks_for_the_typed_name() {
    let mut app = app();
    at_lag_gate(&mut app);
    let commands = press(&mut app, KeyCode::Enter, 4);
    assert_eq!(run(&app).current(), Some(2), "the gate passed");
    assert!(answer_inspections(&mut app, commands, 5).is_empty());
    let nothing = press(&mut app, KeyCode::Enter, 6);
    assert!(
        nothing.is_empty(),
        "Enter alone never runs a destructive step"
    );
    assert_eq!(
        app.runbooks.input.as_ref().map(|i| &i.purpose),
        Some(&Purpose::Confirm("orders-dr-usw2".into()))
    );
    type_text(&mut app, "orders-dr-usw", 6);
    let wrong = press(&mut app, KeyCode::Enter, 6);
    assert!(wrong.is_empty());
    assert_eq!(run(&app).state.steps[2].state, StepState::Pending);
    let flash = app.flash.as_ref().expect("says why");
    assert!(
        flash.is_error && flash.text.contains("nothing was done"),
        "{flash:?}"
    );
    press(&mut app, KeyCode::Enter, 7);
    type_text(&mut app, "orders-dr-usw2", 7);
    let go = works(press(&mut app, KeyCode::Enter, 7));
    assert_eq!(go.len(), 1);
    assert!(matches!(go[0].job, Job::Perform { .. }));
    assert_eq!(run(&app).state.steps[2].state, StepState::Running);
}

#[test]
fn escape_cancels_a_typed_confirmation_and_nothing_runs() {
    let mut app = app();
    at_lag_gate(&mut app);
    let commands = press(&mut app, KeyCode::Enter, 4);
    answer_inspections(&mut app, commands, 5);
    press(&mut app, KeyCode::Enter, 6);
    type_text(&mut app, "orders-dr-usw2", 6);
    let cancelled = press(&mut app, KeyCode::Esc, 6);
    assert!(cancelled.is_empty());
    assert!(app.runbooks.input.is_none());
    assert_eq!(run(&app).state.steps[2].state, StepState::Pending);
    assert!(app.runbooks.visible, "Esc closed the input, not the run");
}

#[test]
fn s_skips_with_a_typed_reason() {
    let mut app = app();
    at_lag_gate(&mut app);
    press(&mut app, KeyCode::Char('s'), 4);
    assert_eq!(
        app.runbooks.input.as_ref().map(|i| &i.purpose),
        Some(&Purpose::Skip)
    );
    press(&mut app, KeyCode::Enter, 4);
    assert_eq!(
        run(&app).state.steps[1].state,
        StepState::Pending,
        "no reason, no skip"
    );
    press(&mut app, KeyCode::Char('s'), 4);
    type_text(&mut app, "IC accepts 2m of loss", 4);
    let commands = press(&mut app, KeyCode::Enter, 5);
    assert_eq!(run(&app).state.steps[1].state, StepState::Skipped);
    assert_eq!(
        run(&app).state.steps[1].note.as_deref(),
        Some("IC accepts 2m of loss")
    );
    assert_eq!(
        works(commands).len(),
        1,
        "the promotion's pre-checks are read"
    );
}

#[test]
fn r_retries_a_failed_step_and_a_aborts_with_a_reason() {
    let mut app = app();
    at_lag_gate(&mut app);
    let commands = press(&mut app, KeyCode::Enter, 4);
    answer_inspections(&mut app, commands, 5);
    press(&mut app, KeyCode::Enter, 6);
    type_text(&mut app, "orders-dr-usw2", 6);
    let go = works(press(&mut app, KeyCode::Enter, 6));
    let failed = Report {
        run: go[0].run.clone(),
        request: go[0].request,
        step: go[0].step,
        body: ReportBody::Failed("rds:PromoteReadReplica failed: throttled".into()),
    };
    app.update(Event::Runbook(failed), t(7));
    assert_eq!(run(&app).state.steps[2].state, StepState::Failed);
    let again = works(press(&mut app, KeyCode::Char('r'), 8));
    assert!(matches!(again[0].job, Job::Inspect(Subject::PreChecks(_))));
    assert_eq!(run(&app).state.steps[2].state, StepState::Pending);

    press(&mut app, KeyCode::Char('a'), 9);
    type_text(&mut app, "wrong replica", 9);
    press(&mut app, KeyCode::Enter, 9);
    assert!(run(&app).is_over());
    assert!(matches!(
        &run(&app).log.last().expect("entry").event,
        LogEvent::RunAborted { reason, .. } if reason == "wrong replica"
    ));
    let after = press(&mut app, KeyCode::Char('q'), 10);
    assert_eq!(after, vec![Command::Quit], "q quits once the run is over");
}

#[test]
fn q_does_not_quit_in_the_middle_of_a_run() {
    let mut app = app();
    at_lag_gate(&mut app);
    press(&mut app, KeyCode::Esc, 4);
    assert!(!app.runbooks.visible);
    assert!(press(&mut app, KeyCode::Char('q'), 4).is_empty());
    assert!(!app.should_quit);
    press(&mut app, KeyCode::Char('r'), 4);
    assert!(app.runbooks.visible, "r shows the hidden run again");
}

#[test]
fn read_only_refuses_to_run_anything() {
    let mut app = app();
    app.read_only = true;
    press(&mut app, KeyCode::Char('r'), 0);
    assert_eq!(app.runbooks.picker, None);
    assert!(
        app.flash
            .as_ref()
            .is_some_and(|f| f.text.contains("read-only"))
    );
    let commands = app.run_command("run rds-cross-region-failover");
    assert!(commands.is_empty());
    assert!(app.runbooks.run.is_none());
}

#[test]
fn bad_names_and_parameters_never_start_a_run() {
    let mut app = app();
    app.run_command("run no-such-book");
    assert!(app.runbooks.run.is_none());
    assert!(
        app.flash
            .as_ref()
            .is_some_and(|f| f.text.starts_with("no runbook `no-such-book`"))
    );
    app.run_command("run rds-cross-region-failover replica=Not_An_Id!");
    assert!(app.runbooks.run.is_none());
    let flash = &app.flash.as_ref().expect("flash").text;
    assert!(
        flash.starts_with("runbooks/rds-cross-region-failover.md:11:3: parameter `replica` (given): `Not_An_Id!` is not an RDS instance identifier"),
        "{flash}"
    );
    app.run_command("run rds-cross-region-failover colour=blue");
    assert!(app.runbooks.run.is_none());
    assert!(
        app.flash
            .as_ref()
            .is_some_and(|f| f.text.contains("unknown parameter `colour`"))
    );
    app.run_command("run rds-cross-region-failover replica");
    assert!(
        app.flash
            .as_ref()
            .is_some_and(|f| f.text.contains("is not NAME=VALUE"))
    );
}

#[test]
fn only_one_run_at_a_time() {
    let mut app = app();
    app.run_command("run rds-cross-region-failover");
    let first = run(&app).id.clone();
    app.run_command("run route53-failover-flip");
    assert_eq!(run(&app).id, first);
    assert!(
        app.flash
            .as_ref()
            .is_some_and(|f| f.text.contains("is still going"))
    );
}

#[test]
fn ticks_keep_the_live_values_fresh() {
    let mut app = app();
    at_lag_gate(&mut app);
    assert!(works(app.update(Event::Tick, t(4))).is_empty());
    let again = works(app.update(Event::Tick, t(9)));
    assert_eq!(again.len(), 1);
    assert!(matches!(again[0].job, Job::Inspect(Subject::Condition(_))));
}

#[test]
fn picking_a_runbook_that_needs_values_puts_them_on_the_command_line() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("needs-ticket.md"),
        "---\ntitle: Needs a ticket\nrto: 5m\nparameters:\n  ticket:\n    pattern: 'INC-[0-9]+'\n---\n## Say it\n\nDone.\n",
    )
    .expect("write");
    let mut app = app();
    app.runbooks.library = Library::load(&[dir.path().to_path_buf()]);
    press(&mut app, KeyCode::Char('r'), 0);
    for _ in 0..app.runbooks.library.entries.len() {
        press(&mut app, KeyCode::Char('j'), 0);
    }
    press(&mut app, KeyCode::Enter, 0);
    assert!(app.runbooks.run.is_none());
    assert_eq!(
        app.prompt,
        Some(Prompt::Command("run needs-ticket ".into()))
    );
    assert!(
        app.flash
            .as_ref()
            .is_some_and(|f| f.text.contains("needs ticket"))
    );
    type_text(&mut app, "ticket=INC-9", 1);
    press(&mut app, KeyCode::Enter, 1);
    assert_eq!(run(&app).params.get("ticket"), Some("INC-9"));
}

#[test]
fn a_run_started_again_in_the_same_second_gets_its_own_id_and_its_own_audit_file() {
    use crate::audit::journal::Journal;
    use crate::runbook::act::port::CallerIdentity;
    let root = tempfile::tempdir().expect("tempdir");
    // A directory of ripcord's own making (0700): an open one is refused.
    let audit = root.path().join("audit");
    let mut journal = Journal::new(
        audit.clone(),
        crate::audit::identity::current(CallerIdentity::Simulated),
    );
    let mut app = app();
    let started = app.run_command("run rds-cross-region-failover");
    let now = || t(0);
    crate::effects::through_journal(&mut app, &mut journal, started, now);
    let first = run(&app).id.clone();
    press(&mut app, KeyCode::Char('a'), 0);
    type_text(&mut app, "wrong parameters", 0);
    press(&mut app, KeyCode::Enter, 0);
    crate::effects::through_journal(&mut app, &mut journal, Vec::new(), now);
    // Started again within the same second, in the same cockpit.
    let again = app.run_command("run rds-cross-region-failover");
    crate::effects::through_journal(&mut app, &mut journal, again, now);
    let second = run(&app).id.clone();
    assert_ne!(first, second, "run ids never repeat");
    let file = crate::audit::writer::file_for(&audit, &second);
    let text = std::fs::read_to_string(&file).expect("the second run has its own file");
    assert!(
        text.lines()
            .next()
            .is_some_and(|l| l.contains("\"type\":\"run-started\"")),
        "{text}"
    );
}
