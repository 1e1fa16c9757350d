//! What the run view says about a step in doubt whose end state cannot be told.

use super::enter_text;
use crate::runbook::exec::work::{Check, Report, ReportBody, Work};
use crate::runbook::exec::{Resolved, Run, run_id};
use crate::runbook::lang::check;
use crate::runbook::lang::params;
use jiff::Timestamp;
use std::sync::Arc;

const BOOK: &str = r#"---
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

fn t(s: i64) -> Timestamp {
    Timestamp::from_second(1_800_000_000 + s).expect("valid")
}

fn answer(run: &mut Run, work: &Work, checks: Vec<Check>, at: i64) {
    run.on_report(
        Report {
            run: run.id.clone(),
            request: work.request,
            step: work.step,
            body: ReportBody::Inspected(checks),
        },
        t(at),
    );
}

#[test]
fn a_step_in_doubt_that_cannot_be_told_says_so_and_asks_for_the_name() {
    let book = Arc::new(check::load("t", "t.md", BOOK).expect("valid"));
    let values = params::resolve(&book, &[]).expect("fits");
    let id = run_id(&book, t(0), "0a1b2c");
    let (mut run, work) = Run::start(id, book, values, "tester", t(0)).expect("starts");
    answer(
        &mut run,
        &work[0],
        vec![Check::new("exists", true, "yes")],
        1,
    );
    assert_eq!(
        enter_text(&run.next_move(t(2)).expect("Enter can be pressed")),
        "Enter runs it",
        "not destructive by itself"
    );
    run.confirm(None, t(2)).expect("sent");
    let (mut resumed, work) = Run::resume(
        run.book.clone(),
        run.params.clone(),
        run.log.clone(),
        "next",
        None,
        t(10),
    )
    .expect("resumes");
    answer(
        &mut resumed,
        &work[0],
        vec![Check::unknown(
            "the writer of orders-aurora moved",
            "compare with the writer in the run log",
        )],
        11,
    );
    assert_eq!(
        enter_text(&resumed.next_move(t(12)).expect("Enter can be pressed")),
        "ripcord cannot tell whether it happened: Enter, then type orders-aurora, sends it again; s skips it with a reason if it did"
    );
}

// ---------------------------------------------------------------------------------------
// What the run view shows before a run is what then runs, byte for byte.

/// A shell step whose script holds a tab and a line that ends in CRLF, and an action whose
/// value is a parameter.
const WHAT_RUNS: &str = "---\ntitle: What runs\nrto: 10m\nparameters:\n  value:\n    description: anything at all\n  dir:\n    description: where the script writes\n---\n## Write it\n\n```sh\ncd \"$RIPCORD_PARAM_DIR\"\nprintf '%s' \"$RIPCORD_PARAM_VALUE\" > value.out\nprintf 'a\tb' > tab.out\nprintf 'x' > crlf.out\r\n```\n\n## Point the record\n\n```ripcord\naction: upsert-record\nzone: Z0EXAMPLE\nname: api.example.com.\ntype: TXT\nvalue: \"{{value}}\"\n```\n";

/// `$(...)`, backticks, `;`, quotes, a newline, a lone CR, a tab, control characters (ESC,
/// BEL, SOH, DEL, NEL), right-to-left marks and an override, trailing spaces, and length.
fn hostile_value() -> String {
    let mut value = String::from(
        "$(touch pwned) `touch pwned2`; rm -rf x 'single' \"double\" \\ back\nnext line\rover\ttab \u{1b}[31mred\u{7}\u{1}\u{7f}\u{85} \u{200f}rtl \u{202e}txet\u{202c} end  ",
    );
    value.push_str(&"long ".repeat(600));
    value.push(' ');
    value
}

/// Whether the terminal draws `c` as itself: no control character, no zero-width or
/// direction-changing character (ratatui drops the first, the terminal obeys the second).
fn drawn_as_itself(c: char) -> bool {
    !c.is_control()
        && !matches!(c, '\u{200b}'..='\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2060}'..='\u{2069}' | '\u{061c}' | '\u{feff}')
}

/// Reads a value back from the screen: as drawn, or, in double quotes, Rust's escapes
/// (`escape_debug`) undone.
fn read_back(shown: &str) -> String {
    let Some(inner) = shown.strip_prefix('"').and_then(|s| s.strip_suffix('"')) else {
        return shown.to_string();
    };
    unescape(inner)
}

fn unescape(text: &str) -> String {
    let mut out = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('t') => out.push('\t'),
            Some('0') => out.push('\0'),
            Some('u') => {
                let hex: String = chars.by_ref().skip(1).take_while(|&h| h != '}').collect();
                out.push(
                    char::from_u32(u32::from_str_radix(&hex, 16).expect("hex")).expect("char"),
                );
            }
            Some(other) => out.push(other),
            None => panic!("a lone backslash at the end of {text:?}"),
        }
    }
    out
}

fn text_of(lines: &[ratatui::text::Line<'_>]) -> Vec<String> {
    lines
        .iter()
        .map(|l| l.spans.iter().map(|s| s.content.as_ref()).collect())
        .collect()
}

fn app_showing(run: Run) -> crate::app::App {
    let mut app = crate::app::App::new(
        crate::app::Mode::Demo {
            scenario: crate::source::sim::Scenario::Normal,
        },
        "sim",
        &["us-east-1".to_string()],
        crate::fleet::Workloads::default(),
        crate::config::Refresh::demo(),
        crate::theme::Theme::mono(),
        t(0),
    );
    app.runbooks.run = Some(run);
    app
}

#[tokio::test]
async fn the_run_view_shows_exactly_the_bytes_that_run() {
    use crate::runbook::exec::work::{Job, Task};
    let dir = tempfile::tempdir().expect("tempdir");
    let value = hostile_value();
    let book = Arc::new(check::load("t", "t.md", WHAT_RUNS).expect("valid"));
    let given = vec![
        ("value".to_string(), value.clone()),
        ("dir".to_string(), dir.path().display().to_string()),
    ];
    let values = params::resolve(&book, &given).expect("any text but NUL is a string");
    let id = run_id(&book, t(0), "0a1b2c");
    let (run, _) = Run::start(id, book, values, "tester", t(0)).expect("starts");
    let mut app = app_showing(run);

    // The shell step, as the operator sees it before pressing Enter.
    let run = app.runbooks.run.as_ref().expect("a run");
    let shown = text_of(&super::detail_lines(&app, run, true));
    for line in &shown {
        assert!(
            line.chars().all(drawn_as_itself),
            "every character on screen is drawn as itself: {line:?}"
        );
    }
    let Resolved::Shell { script, .. } = &run.resolved[0] else {
        panic!("a shell step")
    };
    let script = script.clone();
    let from = shown
        .iter()
        .position(|l| l.contains("exactly this script"))
        .expect("the script is shown");
    let escaped = shown[from].contains("escaped");
    let script_lines: Vec<&str> = shown[from + 1..]
        .iter()
        .map_while(|l| l.strip_prefix("│ "))
        .collect();
    let read: String = script_lines
        .iter()
        .map(|l| {
            let line = if escaped { unescape(l) } else { l.to_string() };
            line + "\n"
        })
        .collect();
    assert_eq!(
        read, script,
        "the script read back from the screen is the one sh gets"
    );
    let env_line = shown
        .iter()
        .find_map(|l| l.trim_start().strip_prefix("RIPCORD_PARAM_VALUE="))
        .expect("the value is shown");
    assert_eq!(
        read_back(env_line),
        value,
        "the value read back from the screen"
    );

    // What sh then got: the script it ran and the value in its environment.
    let mut run = app.runbooks.run.take().expect("a run");
    let work = run.confirm(None, t(1)).expect("runs");
    let Job::Perform {
        task: Task::Shell { script: ran, .. },
        ..
    } = &work[0].job
    else {
        panic!("a shell job")
    };
    assert_eq!(ran, &script, "the job runs the script shown");
    let sim = Arc::new(crate::source::sim::SimFleet::new(
        crate::source::sim::SimOptions::default(),
    ));
    let (tx, mut rx) = tokio::sync::mpsc::channel(1024);
    crate::runbook::runner::execute(work[0].clone(), sim, crate::clock::Clock::System, tx, |r| r)
        .await;
    let mut reports = Vec::new();
    while let Ok(r) = rx.try_recv() {
        reports.push(r);
    }
    assert!(
        matches!(&reports.last().expect("a report").body, ReportBody::Done(_)),
        "{reports:?}"
    );
    let got = std::fs::read(dir.path().join("value.out")).expect("written");
    assert_eq!(
        got,
        value.as_bytes(),
        "sh got the value shown, byte for byte"
    );
    assert_eq!(
        std::fs::read(dir.path().join("tab.out")).expect("written"),
        b"a\tb"
    );
    // The reader ends a line at CRLF: the script holds no carriage return, and sh writes the
    // file the screen names.
    assert!(!script.contains('\r'), "{script:?}");
    assert!(
        dir.path().join("crlf.out").exists(),
        "sh ran the line shown"
    );
    assert!(!dir.path().join("pwned").exists() && !dir.path().join("pwned2").exists());

    // The action, as the operator sees it: the value it will set is the one shown.
    for report in reports {
        run.on_report(report, t(2));
    }
    let app = app_showing(run);
    let run = app.runbooks.run.as_ref().expect("a run");
    assert_eq!(run.state.current, Some(1), "on the action");
    let shown = text_of(&super::detail_lines(&app, run, true));
    for line in &shown {
        assert!(
            line.chars().all(drawn_as_itself),
            "every character on screen is drawn as itself: {line:?}"
        );
    }
    let Resolved::Action {
        op: crate::runbook::act::Operation::UpsertRecord(record),
        ..
    } = &run.resolved[1]
    else {
        panic!("the upsert")
    };
    let described = shown
        .iter()
        .find_map(|l| l.strip_prefix("Set api.example.com. TXT to "))
        .expect("the change is described");
    let value_shown = described.rsplit_once(" (TTL ").expect("then the TTL").0;
    assert_eq!(
        read_back(value_shown),
        record.value,
        "the value read back from the screen"
    );
    assert_eq!(record.value, value, "and it is the parameter, whole");
}

/// Escaping a value for the screen must not let a secret through: a secret with a quote, a
/// tab and a backslash, escaped in the action's description, is still hidden.
#[test]
fn an_escaped_secret_is_still_hidden() {
    let book = WHAT_RUNS.replace(
        "    description: anything at all\n",
        "    description: anything at all\n    secret: true\n",
    );
    let book = Arc::new(check::load("t", "t.md", &book).expect("valid"));
    let secret = "s3cr\"et\tw\\ith";
    let given = vec![
        ("value".to_string(), secret.to_string()),
        ("dir".to_string(), "/nonexistent".to_string()),
    ];
    let values = params::resolve(&book, &given).expect("fits");
    let id = run_id(&book, t(0), "0a1b2c");
    let (mut run, _) = Run::start(id, book, values, "tester", t(0)).expect("starts");
    run.state.current = Some(1);
    let app = app_showing(run);
    let shown = text_of(&super::detail_lines(
        &app,
        app.runbooks.run.as_ref().expect("a run"),
        true,
    ))
    .join("\n");
    assert!(shown.contains("Set api.example.com. TXT to"), "{shown}");
    for form in ["s3cr", "et\\tw", "ith"] {
        assert!(!shown.contains(form), "{form} on screen:\n{shown}");
    }
}

/// The name to type is shown as `exact` shows it: a value with a tab or a right-to-left mark
/// is not shown as another.
#[test]
fn the_name_to_type_is_shown_exactly() {
    use crate::runbook::exec::NextMove;
    let text = enter_text(&NextMove::Run {
        typed: Some("orders\t\u{202e}db".to_string()),
    });
    assert_eq!(text, "Enter, then type \"orders\\t\\u{202e}db\", runs it");
    let plain = enter_text(&NextMove::Run {
        typed: Some("orders-db".to_string()),
    });
    assert_eq!(plain, "Enter, then type orders-db, runs it");
}
