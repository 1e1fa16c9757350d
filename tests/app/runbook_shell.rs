//! Shell steps with a real `sh`: parameter values reach the script only through the
//! environment, byte for byte, whatever quotes, metacharacters or newlines they hold; the
//! script runs exactly as written; output comes back line by line; failures stop it.

use jiff::Timestamp;
use ripcord::clock::Clock;
use ripcord::runbook::exec::work::{Job, Report, ReportBody, Task};
use ripcord::runbook::exec::{Run, StepState, run_id};
use ripcord::runbook::lang::params;
use ripcord::runbook::{lang::check, runner};
use ripcord::source::sim::{SimFleet, SimOptions};
use std::sync::Arc;
use tokio::sync::mpsc;

const BOOK: &str = r#"---
title: Shell parameters
rto: 5m
parameters:
  value:
    description: anything at all
  dir:
    description: where the script works
---
## Write the value

```sh
cd "$RIPCORD_PARAM_DIR"
printf '%s' "$RIPCORD_PARAM_VALUE" > value.out
printf '%s\n' "$RIPCORD_PARAM_VALUE"
```

## Fail early

```sh
false
echo "never printed"
```
"#;

/// Quotes of both kinds, command substitution, backticks, globs, redirections, variables,
/// an escape, a tab and newlines: if any of it were pasted into the script, sh would act on it.
const NASTY: &str = "it's \"quoted\" $(touch pwned) `touch pwned2` ; rm -rf pwned3 #\n* ? [x] | & > out < in $HOME ${PATH} \\ tab\there\nlast line";

fn t0() -> Timestamp {
    "2026-11-21T03:00:00Z".parse().expect("valid")
}

/// Runs one job the way the cockpit does, and returns every report it sent.
async fn carry_out(work: ripcord::runbook::exec::work::Work) -> Vec<Report> {
    let sim = Arc::new(SimFleet::new(SimOptions {
        clock: Clock::manual(t0()),
        ..SimOptions::default()
    }));
    let (tx, mut rx) = mpsc::channel(1024);
    runner::execute(work, sim, Clock::System, tx, |r| r).await;
    let mut reports = Vec::new();
    while let Ok(r) = rx.try_recv() {
        reports.push(r);
    }
    reports
}

#[tokio::test]
async fn a_parameter_reaches_sh_byte_for_byte_as_data() {
    let dir = tempfile::tempdir().expect("tempdir");
    let book = Arc::new(check::load("shell", "shell.md", BOOK).expect("valid runbook"));
    let given = vec![
        ("value".to_string(), NASTY.to_string()),
        ("dir".to_string(), dir.path().display().to_string()),
    ];
    let values = params::resolve(&book, &given).expect("any text is a string");
    let (mut run, _) =
        Run::start(run_id(&book, t0(), "0a1b2c"), book, values, "tester", t0()).expect("starts");
    let work = run.confirm(None, t0()).expect("runs");
    let Job::Perform {
        task: Task::Shell { script, env, .. },
        ..
    } = &work[0].job
    else {
        panic!("a shell job")
    };
    assert!(
        !script.contains("pwned"),
        "the value is not in the script: {script}"
    );
    assert_eq!(
        script,
        "cd \"$RIPCORD_PARAM_DIR\"\nprintf '%s' \"$RIPCORD_PARAM_VALUE\" > value.out\nprintf '%s\\n' \"$RIPCORD_PARAM_VALUE\"\n"
    );
    assert!(
        env.0
            .iter()
            .any(|v| v.name == "RIPCORD_PARAM_VALUE" && v.value == NASTY)
    );

    let reports = carry_out(work[0].clone()).await;
    let last = reports.last().expect("a final report");
    assert!(
        matches!(&last.body, ReportBody::Done(o) if o.summary == "sh exited 0 (3 lines of output)"),
        "{reports:?}"
    );
    let written = std::fs::read(dir.path().join("value.out")).expect("the script wrote it");
    assert_eq!(written, NASTY.as_bytes(), "byte for byte");
    let lines: Vec<String> = reports
        .iter()
        .filter_map(|r| match &r.body {
            ReportBody::Progress(line) => Some(line.clone()),
            _ => None,
        })
        .collect();
    assert_eq!(lines.join("\n"), NASTY, "the output came back line by line");
    let mut made: Vec<String> = std::fs::read_dir(dir.path())
        .expect("dir")
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    made.sort();
    assert_eq!(made, vec!["value.out"], "nothing in the value was executed");

    for report in reports {
        run.on_report(report, t0());
    }
    assert_eq!(run.state.steps[0].state, StepState::Done);
}

#[tokio::test]
async fn sh_stops_at_the_first_failing_command() {
    let book = Arc::new(check::load("shell", "shell.md", BOOK).expect("valid runbook"));
    let values = params::resolve(
        &book,
        &[("value".into(), "x".into()), ("dir".into(), "/".into())],
    )
    .expect("fits");
    let (mut run, _) =
        Run::start(run_id(&book, t0(), "0a1b2c"), book, values, "tester", t0()).expect("starts");
    run.skip("not this one", t0()).expect("skipped");
    let work = run.confirm(None, t0()).expect("runs");
    let reports = carry_out(work[0].clone()).await;
    let last = reports.last().expect("a final report");
    assert!(
        matches!(&last.body, ReportBody::Failed(e) if e == "sh exited 1: see the output above"),
        "{reports:?}"
    );
    assert!(
        !reports
            .iter()
            .any(|r| matches!(&r.body, ReportBody::Progress(l) if l.contains("never printed"))),
        "sh -e stopped before the echo"
    );
}

/// Whether a process is gone: no such pid, or only its exit status left (a zombie nobody
/// reaped yet, which runs nothing).
fn process_gone(pid: &str) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Err(_) => true,
        Ok(stat) => stat
            .rsplit(')')
            .next()
            .is_some_and(|rest| rest.trim_start().starts_with('Z')),
    }
}

/// A step's timeout ends everything the step started, not only `sh`: an `aws` CLI call (here
/// a child that sleeps, then writes a file) must not go on changing things after ripcord
/// reported the step as killed.
#[tokio::test]
async fn a_timeout_ends_the_children_of_sh_too() {
    let dir = tempfile::tempdir().expect("temp dir");
    let script = r#"cd "$RIPCORD_PARAM_DIR"
sh -c 'echo $$ > child.pid; sleep 5; touch late' &
while [ ! -s child.pid ]; do sleep 0.1; done
sleep 300
"#;
    let env = ripcord::runbook::exec::work::Env(vec![ripcord::runbook::exec::work::EnvVar {
        name: "RIPCORD_PARAM_DIR".to_string(),
        value: dir.path().display().to_string(),
        secret: false,
    }]);
    let progress = |_line: String| {};
    let result = ripcord::runbook::act::shell::run(
        script,
        &env,
        std::time::Duration::from_secs(2),
        &progress,
    )
    .await;
    let error = result.expect_err("the script outlives its timeout");
    assert!(error.contains("killed"), "{error}");
    let pid = std::fs::read_to_string(dir.path().join("child.pid")).expect("the child started");
    let pid = pid.trim().to_string();
    // The kill is sent before `run` returns; the kernel may take a moment to finish it.
    let mut gone = process_gone(&pid);
    for _ in 0..100 {
        if gone {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        gone = process_gone(&pid);
    }
    if !gone {
        // Leave nothing behind, even when the test fails.
        let _ = std::process::Command::new("kill")
            .args(["-KILL", &pid])
            .status();
    }
    assert!(
        gone,
        "the child {pid} of sh is still running after the step's timeout"
    );
    assert!(
        !dir.path().join("late").exists(),
        "the child of sh wrote its file after the step was reported killed"
    );
}

/// `destructive=PARAM` asks the operator to type PARAM's value; an empty value would let
/// Enter alone run the script, so such a run never starts.
#[test]
fn a_run_whose_confirmation_value_is_empty_never_starts() {
    let text = r#"---
title: Empty confirmation
rto: 5m
parameters:
  scratch:
    description: the scratch database to drop
---
## Drop it

```sh destructive=scratch
echo "dropping $RIPCORD_PARAM_SCRATCH"
```
"#;
    let book = Arc::new(check::load("empty", "empty.md", text).expect("a valid runbook"));
    let values = params::resolve(&book, &[("scratch".to_string(), String::new())])
        .expect("an empty string is a string");
    let problems = Run::start(run_id(&book, t0(), "0a1b2c"), book, values, "tester", t0())
        .err()
        .expect("an empty confirmation value refuses the run");
    let got: Vec<String> = problems.iter().map(ToString::to_string).collect();
    assert_eq!(
        got,
        vec![
            "empty.md:10:1: step `Drop it`: destructive=scratch asks the operator to type the value of `scratch`, and it is empty: Enter alone would run the script; give scratch=VALUE"
        ]
    );
}

/// A run of `BOOK` with this `value`, writing into `dir`: the run refused, or every report of
/// its first step and what the script wrote.
async fn write_value(
    value: &str,
    dir: &std::path::Path,
) -> Result<(Vec<Report>, Vec<u8>), Vec<String>> {
    let book = Arc::new(check::load("shell", "shell.md", BOOK).expect("valid runbook"));
    let given = vec![
        ("value".to_string(), value.to_string()),
        ("dir".to_string(), dir.display().to_string()),
    ];
    let values = params::resolve(&book, &given)
        .map_err(|ps| ps.iter().map(ToString::to_string).collect::<Vec<_>>())?;
    let (mut run, _) = Run::start(run_id(&book, t0(), "0a1b2c"), book, values, "tester", t0())
        .map_err(|ps| ps.iter().map(ToString::to_string).collect::<Vec<_>>())?;
    let work = run.confirm(None, t0()).expect("runs");
    let reports = carry_out(work[0].clone()).await;
    let written = std::fs::read(dir.join("value.out")).unwrap_or_default();
    Ok((reports, written))
}

/// Linux holds at most 128 KiB in one environment variable (`MAX_ARG_STRLEN`, its
/// `NAME=` included), and shell steps get parameters only as environment variables. A value
/// of a megabyte is refused before the run starts, naming the parameter, its size and the
/// limit, instead of failing the step when sh cannot be started; a value just under the limit
/// reaches sh whole.
#[tokio::test]
async fn a_megabyte_value_is_refused_before_the_run_and_one_under_the_limit_arrives_whole() {
    let dir = tempfile::tempdir().expect("tempdir");
    let megabyte: String = NASTY.chars().cycle().take(1 << 20).collect();
    let refused = write_value(&megabyte, dir.path())
        .await
        .expect_err("the run is refused before it starts");
    let why = format!(
        "parameter `value` is {} bytes, and a shell step gets it as the environment variable RIPCORD_PARAM_VALUE, which holds at most 131051 bytes here: pass a shorter value (a file name, say)",
        megabyte.len()
    );
    assert_eq!(
        refused,
        vec![
            format!("shell.md:12:1: step `Write the value`: {why}"),
            // Every shell step gets every parameter.
            format!("shell.md:20:1: step `Fail early`: {why}"),
        ]
    );
    assert!(!dir.path().join("value.out").exists(), "nothing ran");

    // One line of output: `carry_out` reads the reports only once the step is over, and a
    // step's channel holds 1,024 of them.
    let fits: String = NASTY
        .replace('\n', " ")
        .chars()
        .cycle()
        .take(131_051 - 64)
        .collect();
    let (reports, written) = write_value(&fits, dir.path())
        .await
        .expect("the run starts");
    assert!(
        matches!(
            &reports.last().expect("a final report").body,
            ReportBody::Done(_)
        ),
        "{:?}",
        reports.last()
    );
    assert_eq!(written, fits.as_bytes(), "byte for byte");
}

// ---------------------------------------------------------------------------------------
// The environment as a whole: ARG_MAX

/// Each parameter well under the 128 KiB one environment variable may hold.
const EACH: usize = 100_000;

/// A runbook of `count` parameters whose first step writes a file and whose second
/// step is a shell step: every shell step gets every parameter.
fn big_book(count: usize) -> String {
    let mut text = String::from("---\ntitle: Big environment\nrto: 5m\nparameters:\n");
    for n in 0..count {
        text.push_str(&format!("  p{n:02}:\n    description: a big value\n"));
    }
    text.push_str("  dir:\n    description: where the steps write\n---\n");
    text.push_str("## Mark\n\n```sh\ntouch \"$RIPCORD_PARAM_DIR/first\"\n```\n\n");
    text.push_str(
        // The prefix split, so that the checker does not take it for a parameter.
        "## Count\n\n```sh\nenv | grep -c '^RIPCORD_''PARAM_P' > \"$RIPCORD_PARAM_DIR/count\"\n```\n",
    );
    text
}

/// Starts a run of `count` big parameters writing into `dir`.
fn start_big(count: usize, dir: &std::path::Path) -> Result<Run, Vec<String>> {
    let book = Arc::new(check::load("big", "big.md", &big_book(count)).expect("valid"));
    let mut given: Vec<(String, String)> = (0..count)
        .map(|n| (format!("p{n:02}"), "x".repeat(EACH)))
        .collect();
    given.push(("dir".to_string(), dir.display().to_string()));
    let values = params::resolve(&book, &given).expect("each value fits");
    Run::start(run_id(&book, t0(), "0a1b2c"), book, values, "tester", t0())
        .map(|(run, _)| run)
        .map_err(|ps| ps.iter().map(ToString::to_string).collect())
}

/// Runs the current shell step of `run` with a real `sh`, and feeds back its reports.
async fn run_shell_step(run: &mut Run, at: Timestamp) -> Vec<ReportBody> {
    let work = run.confirm(None, at).expect("runs");
    let Job::Perform {
        task: Task::Shell { .. },
        ..
    } = &work[0].job
    else {
        panic!("a shell job")
    };
    let sim = Arc::new(SimFleet::new(SimOptions::default()));
    let (tx, mut rx) = mpsc::channel(1024);
    runner::execute(work[0].clone(), sim, Clock::System, tx, |r| r).await;
    let mut bodies = Vec::new();
    while let Ok(report) = rx.try_recv() {
        bodies.push(report.body.clone());
        run.on_report(report, at);
    }
    bodies
}

/// Linux refuses to start a program whose arguments and environment together pass
/// ARG_MAX (E2BIG). Parameters that each fit but together do not are refused before the
/// run starts, naming the total and the limit, instead of a run that does its first steps
/// and then cannot start `sh`; a set that fits reaches `sh` whole.
#[tokio::test]
async fn an_environment_too_big_for_sh_is_refused_before_the_run_and_one_that_fits_runs() {
    let limit = ripcord::runbook::act::shell::left_for_a_step();
    let too_many = limit / EACH + 2;
    let dir = tempfile::tempdir().expect("tempdir");
    let Err(refused) = start_big(too_many, dir.path()) else {
        let mut run = start_big(too_many, dir.path()).expect("started");
        let first = run_shell_step(&mut run, t0()).await;
        panic!("the run started; its first step: {first:?}");
    };
    assert_eq!(refused.len(), 2, "each shell step: {refused:#?}");
    assert!(
        refused[0].starts_with("big.md:")
            && refused[0].contains("step `Mark`")
            && refused[0].contains("ARG_MAX")
            && refused[0].contains(&limit.to_string()),
        "{}",
        refused[0]
    );
    assert!(!dir.path().join("first").exists(), "nothing ran");

    let fits = limit / EACH - 2;
    let mut run = start_big(fits, dir.path()).expect("starts");
    let first = run_shell_step(&mut run, t0()).await;
    assert!(
        matches!(first.last(), Some(ReportBody::Done(_))),
        "{first:?}"
    );
    let second = run_shell_step(&mut run, t0()).await;
    assert!(
        matches!(second.last(), Some(ReportBody::Done(_))),
        "{second:?}"
    );
    let count = std::fs::read_to_string(dir.path().join("count")).expect("written");
    assert_eq!(count.trim(), fits.to_string(), "every parameter reached sh");
}
