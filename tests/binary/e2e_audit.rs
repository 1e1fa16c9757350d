//! The real binary, crashed on purpose: `kill -9` at each point of carrying out a step (the
//! test hook `RIPCORD_TEST_PAUSE_AT` holds it there), a hang-up mid-run, a whole drill lost and
//! resumed; then what a restarted ripcord offers, what it refuses to do on its own, and what
//! `ripcord audit verify` says about the file.

use crate::common;

use common::tmux::{Tmux, confirm_the_promotion, files_under};

/// Runs the drill to the promotion with the hook at `point`, kills ripcord there with
/// SIGKILL, and returns the session (ended) and the run's file.
fn killed_at(point: &str) -> (Tmux, std::path::PathBuf) {
    let env = format!("RIPCORD_TEST_PAUSE_AT={point} RIPCORD_TEST_PAUSE_MARKER=$D/paused");
    let t = Tmux::start_with(80, 24, &env, "", "demo");
    confirm_the_promotion(&t);
    assert_eq!(t.wait_for_file("paused"), point, "paused at the hook");
    t.signal("KILL");
    assert_eq!(t.wait_for_exit(), "exit=137", "killed, not stopped");
    let files = t.audit_files();
    assert_eq!(files.len(), 1, "{files:?}");
    (t, files[0].clone())
}

/// The replica's row in the lag pane (once it is on screen) says `replicating`: no promotion
/// reached the fleet.
fn assert_still_replicating(t: &Tmux) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let screen = t.screen();
        let row = screen.lines().find(|l| {
            l.contains("orders-dr-usw2") && l.contains("orders-prim") && l.contains("us-west-2")
        });
        if let Some(row) = row {
            assert!(row.contains("replicating"), "{row}");
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no lag row for orders-dr-usw2:\n{screen}"
        );
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

fn records_of(file: &std::path::Path, kind: &str) -> usize {
    let text = std::fs::read_to_string(file).expect("read");
    text.lines()
        .filter(|l| l.contains(&format!("\"type\":\"{kind}\"")))
        .count()
}

/// A new ripcord in the same place: the unfinished run is offered at start; Enter resumes it.
fn restart_and_resume(t: &Tmux) -> Tmux {
    let again = t.again(86, 40, "", "demo");
    again.wait_for(&[
        "Unfinished runs (from the audit log)",
        "↻ rds-cross-region-failover-",
    ]);
    again.keys(&["Enter"]);
    again
}

/// Quits a cockpit with a run going on (Ctrl-C), then checks the chain with the binary.
fn quit_and_verify(t: &Tmux) {
    t.keys(&["C-c"]);
    assert_eq!(t.wait_for_exit(), "exit=0");
    let (code, out, err) = t.ripcord(&["audit", "verify"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains(": OK, ") && out.contains("head "), "{out}");
}

#[test]
fn killed_before_the_intent_is_written_the_step_was_never_started() {
    let (t, file) = killed_at("before-intent");
    assert_eq!(records_of(&file, "intent"), 0, "no intent on disk");
    let again = restart_and_resume(&t);
    let screen = again.wait_for(&["[▶3]", "Enter, then type orders-dr-usw2, runs it"]);
    assert!(!screen.contains("IN DOUBT"), "{screen}");
    assert_still_replicating(&again);
    quit_and_verify(&again);
}

#[test]
fn killed_in_the_middle_of_writing_the_intent_the_torn_line_is_reported_then_discarded() {
    let (t, file) = killed_at("torn-intent");
    let (code, out, _) = t.ripcord(&["audit", "verify"]);
    assert_eq!(code, 1, "{out}");
    let lines = std::fs::read_to_string(&file)
        .expect("read")
        .lines()
        .count();
    assert!(
        out.contains(&format!(":{lines}: torn: the last line is cut short")),
        "{out}"
    );
    let again = restart_and_resume(&t);
    let screen = again.wait_for(&["[▶3]", "Enter, then type orders-dr-usw2, runs it"]);
    assert!(!screen.contains("IN DOUBT"), "{screen}");
    quit_and_verify(&again);
    let text = std::fs::read_to_string(&file).expect("read");
    assert!(
        text.contains("\"torn_tail\":\"line ") && text.contains("a write cut short by a crash"),
        "the resume records what it discarded"
    );
}

#[test]
fn killed_after_the_intent_and_before_the_call_the_step_is_in_doubt_and_not_sent_again() {
    let (t, file) = killed_at("before-call");
    assert_eq!(records_of(&file, "intent"), 1, "the intent is on disk");
    assert_eq!(
        records_of(&file, "step-done"),
        1,
        "only the checklist step is done"
    );
    let again = restart_and_resume(&t);
    again.wait_for(&[
        "[?3]",
        "IN DOUBT",
        "is promoted (no longer a read replica) — still replicates from",
        "Enter, then type orders-dr-usw2, sends it again",
    ]);
    assert_still_replicating(&again);
    // A second ripcord cannot take the run while this one has it; it can watch.
    let run = file
        .file_stem()
        .expect("stem")
        .to_string_lossy()
        .into_owned();
    let (code, _, err) = again.ripcord(&["runbook", "resume", &run, "--sim"]);
    assert_eq!(code, 1, "{err}");
    assert!(
        err.contains("being carried out by another ripcord"),
        "{err}"
    );
    let (code, out, _) = again.ripcord(&["audit", "show", &run]);
    assert_eq!(code, 0);
    assert!(out.contains("IN DOUBT"), "{out}");
    // Time passes; nothing is sent without the operator.
    std::thread::sleep(std::time::Duration::from_secs(3));
    again.wait_for(&["[?3]", "IN DOUBT"]);
    assert_still_replicating(&again);
    assert_eq!(records_of(&file, "intent"), 1, "not sent again");
    // Another terminal watches the run read-only until it ends.
    let watcher = std::process::Command::new(env!("CARGO_BIN_EXE_ripcord"))
        .arg("--config")
        .arg(again.path("config.toml"))
        .args(["audit", "show", &run, "--follow"])
        .env("RIPCORD_AUDIT_DIR", again.path("audit"))
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("watcher starts");
    again.keys(&["a"]);
    again.wait_for(&["Why abort the run?"]);
    again.type_text("drill over");
    again.keys(&["Enter"]);
    again.wait_for(&["ABORTED"]);
    let watched = watcher
        .wait_with_output()
        .expect("the watcher ends with the run");
    assert!(watched.status.success());
    let watched = String::from_utf8_lossy(&watched.stdout);
    assert!(watched.contains("ABORTED: drill over"), "{watched}");
    again.keys(&["q"]);
    assert_eq!(again.wait_for_exit(), "exit=0");
    let (code, out, err) = again.ripcord(&["audit", "verify"]);
    assert_eq!(code, 0, "{out}{err}");
}

#[test]
fn killed_after_the_call_and_before_the_result_the_step_is_in_doubt() {
    let (t, file) = killed_at("after-call");
    assert_eq!(records_of(&file, "intent"), 1);
    // The promotion happened in the killed process's simulated fleet, which died with it: the
    // new demo's fleet is fresh, so its end state says "not promoted". Against AWS the live
    // state would say it was; either way the operator decides.
    let again = restart_and_resume(&t);
    let screen = again.wait_for(&["[?3]", "IN DOUBT", "the session was lost after attempt 1"]);
    assert!(screen.contains("live end state"), "{screen}");
    assert_eq!(records_of(&file, "intent"), 1, "not sent again");
    quit_and_verify(&again);
}

/// SIGTERM and SIGHUP while a step is being carried out (the promotion sent, its answer not
/// yet in: the hook holds it there): the terminal is restored, the exit code is 128 + the
/// signal, the audit log's last record is the lost session naming the signal, and a new
/// ripcord resumes the step as in doubt, without sending it again.
#[test]
fn a_signal_mid_step_records_the_lost_session_and_the_step_resumes_in_doubt() {
    for (signal, code) in [("TERM", "exit=143"), ("HUP", "exit=129")] {
        let env = "RIPCORD_TEST_PAUSE_AT=after-call RIPCORD_TEST_PAUSE_MARKER=$D/paused";
        let t = Tmux::start_with(80, 24, env, "", "demo");
        confirm_the_promotion(&t);
        assert_eq!(t.wait_for_file("paused"), "after-call", "paused mid-step");
        t.signal(signal);
        assert_eq!(t.wait_for_exit(), code, "SIG{signal}");
        assert_eq!(
            t.tmux(&["display", "-p", "#{alternate_on}"]).trim(),
            "0",
            "terminal restored after SIG{signal}"
        );
        let file = t.audit_files()[0].clone();
        let text = std::fs::read_to_string(&file).expect("read");
        let last = text.lines().last().unwrap_or_default();
        assert!(
            last.contains("\"type\":\"session-lost\"")
                && last.contains(&format!("\"why\":\"SIG{signal}\"")),
            "SIG{signal}: {last}"
        );
        assert_eq!(records_of(&file, "intent"), 1);
        let again = restart_and_resume(&t);
        again.wait_for(&["[?3]", "IN DOUBT"]);
        assert_eq!(
            records_of(&file, "intent"),
            1,
            "SIG{signal}: not sent again"
        );
        quit_and_verify(&again);
    }
}

#[test]
fn a_hangup_mid_run_restores_the_terminal_and_records_the_lost_session() {
    let t = Tmux::start(80, 24, "demo");
    t.wait_for(&["orders-dr-usw2"]);
    t.keys(&["r"]);
    t.wait_for(&["Runbooks — Enter runs"]);
    t.keys(&["Enter"]);
    t.wait_for(&["[▶1]"]);
    t.keys(&["Enter"]);
    t.wait_for(&["☑ Page the orders database owner"]);
    t.wait_for(&["audit /"]);
    t.signal("HUP");
    assert_eq!(t.wait_for_exit(), "exit=129");
    assert_eq!(
        t.tmux(&["display", "-p", "#{alternate_on}"]).trim(),
        "0",
        "terminal restored after SIGHUP"
    );
    let file = &t.audit_files()[0];
    let last = std::fs::read_to_string(file)
        .expect("read")
        .lines()
        .last()
        .unwrap_or_default()
        .to_string();
    assert!(
        last.contains("\"type\":\"session-lost\"") && last.contains("\"why\":\"SIGHUP\""),
        "{last}"
    );
    let (code, out, err) = t.ripcord(&["audit", "verify"]);
    assert_eq!(code, 0, "{out}{err}");
}

#[test]
fn a_drill_lost_with_its_terminal_is_resumed_finished_reported_and_any_changed_byte_is_caught() {
    let t = Tmux::start(80, 24, "demo");
    confirm_the_promotion(&t);
    t.wait_for(&["[▶4]", "Enter starts waiting"]);
    // The terminal goes away (an SSH drop): SIGHUP to everything in it.
    t.tmux(&["kill-server"]);
    assert_eq!(t.wait_for_exit(), "exit=129");
    let again = restart_and_resume(&t);
    again.wait_for(&["[▶4]", "Enter starts waiting"]);
    for step in 4..=8 {
        again.wait_for(&[&format!("[▶{step}]")]);
        again.keys(&["Enter"]);
    }
    again.wait_for(&["DONE in", "✔ Completed", "8 done · 0 skipped"]);
    again.keys(&["Escape"]);
    again.wait_gone("DONE in");
    again.keys(&["q"]);
    assert_eq!(again.wait_for_exit(), "exit=0");
    // Printed once the terminal is back, for the incident ticket (wrapped at 80 columns).
    let printed = again.screen().replace('\n', "");

    let file = &t.audit_files()[0];
    let run = file
        .file_stem()
        .expect("stem")
        .to_string_lossy()
        .into_owned();
    let (code, out, err) = t.ripcord(&["audit", "verify", &run]);
    assert_eq!(code, 0, "{out}{err}");
    let head = out
        .trim()
        .rsplit(' ')
        .next()
        .expect("the head hash")
        .to_string();
    assert_eq!(head.len(), 64, "{out}");
    assert!(
        printed.contains(&format!("sealed: head {head}")),
        "the final head is printed at the end: {printed}"
    );
    let (code, report, err) = t.ripcord(&["audit", "report", &run]);
    assert_eq!(code, 0, "{err}");
    for wanted in [
        "# Run report: Fail over orders",
        "SESSION LOST (",
        "resumed by",
        "COMPLETED in",
        "against an RTO of 15m: within",
        "typed `orders-dr-usw2`",
        "| 8 | Write the failover into the incident timeline | done:",
    ] {
        assert!(report.contains(wanted), "{wanted} missing:\n{report}");
    }
    let (code, listing, _) = t.ripcord(&["audit", "show"]);
    assert_eq!(code, 0);
    assert!(listing.contains("finished within RTO"), "{listing}");

    // One byte changed on line 5: verify names that line.
    let original = std::fs::read(file).expect("read");
    let line_starts: Vec<usize> = std::iter::once(0)
        .chain(
            original
                .iter()
                .enumerate()
                .filter(|(_, b)| **b == b'\n')
                .map(|(i, _)| i + 1),
        )
        .collect();
    let mut damaged = original.clone();
    let at = line_starts[4] + 20;
    damaged[at] = if damaged[at] == b'7' { b'8' } else { b'7' };
    std::fs::write(file, &damaged).expect("write");
    let (code, out, _) = t.ripcord(&["audit", "verify", &run]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains(":5: modified: "), "{out}");
    // Records cut off the end of the finished run: the seal and the index give it away, and
    // the head kept elsewhere says the same.
    let cut = line_starts[line_starts.len() - 2];
    std::fs::write(file, &original[..cut]).expect("write");
    let (code, out, _) = t.ripcord(&["audit", "verify", &run]);
    assert_eq!(
        code, 1,
        "a shorter chain is still a chain, but not this run's: {out}"
    );
    assert!(out.contains(": truncated: "), "{out}");
    let (code, out, _) = t.ripcord(&["audit", "verify", &run, "--expect-head", &head]);
    assert_eq!(code, 1, "{out}");
    assert!(out.contains(": truncated: the expected head"), "{out}");
}

#[test]
fn bad_audit_input_gets_a_message_naming_the_run_or_file() {
    let t = Tmux::start(80, 24, "demo");
    t.keys(&["q"]);
    assert_eq!(t.wait_for_exit(), "exit=0");
    let (code, _, err) = t.ripcord(&["audit", "report", "no-such-run"]);
    assert_eq!(code, 2);
    assert!(err.contains("no run `no-such-run` in "), "{err}");
    let torn = t.path("torn.jsonl");
    std::fs::write(&torn, "{\"seq\":1").expect("write");
    let (code, out, _) = t.ripcord(&["audit", "verify", torn.to_str().expect("utf8")]);
    assert_eq!(code, 1);
    assert!(out.contains("torn.jsonl:1: torn: "), "{out}");
    let (code, _, err) = t.ripcord(&["audit", "verify", "--expect-head"]);
    assert_eq!(code, 2, "{err}");
    let (code, out, _) = t.ripcord(&["runbook", "resume"]);
    assert_eq!(code, 0);
    assert!(out.contains("no unfinished runs"), "{out}");
}

const CANARY: &str = "canary-e2e-8d41f0b7c3";
/// Canaries in the AWS credentials of the environment (the secret key and the session token).
const CANARY_KEY: &str = "canary-key-3f9a61d2e8";
const CANARY_TOKEN: &str = "canary-token-b7c2049e51";

/// A runbook that hands a secret parameter to an action and to a script.
const CANARY_BOOK: &str = include_str!("../fixtures/secret/canary.md");

#[test]
fn a_secret_canary_never_reaches_the_audit_log_the_debug_log_or_the_screen() {
    let books = tempfile::tempdir().expect("tempdir");
    std::fs::write(books.path().join("canary.md"), CANARY_BOOK).expect("write");
    let proof = books.path().join("proof");
    let t = Tmux::start_with(
        80,
        24,
        &format!(
            "RIPCORD_LOG=debug AWS_ACCESS_KEY_ID=AKIDCANARY AWS_SECRET_ACCESS_KEY={CANARY_KEY} \
             AWS_SESSION_TOKEN={CANARY_TOKEN}"
        ),
        &format!("runbook_dirs = [\"{}\"]\n", books.path().display()),
        &format!(
            "runbook run canary --param token={CANARY} --param proof={} --sim",
            proof.display()
        ),
    );
    // Every screen the run shows, captured when it is whole.
    let mut screens = Vec::new();
    t.wait_for(&["[▶1]", "Enter runs it"]);
    screens.push(t.screen());
    t.keys(&["Enter"]);
    t.wait_for(&["[▶2]", "Enter runs it"]);
    screens.push(t.screen());
    t.keys(&["Enter"]);
    t.wait_for(&["DONE in"]);
    screens.push(t.screen());
    for screen in &screens {
        for canary in [CANARY, CANARY_KEY, CANARY_TOKEN] {
            assert!(!screen.contains(canary), "{canary} on screen:\n{screen}");
        }
    }
    t.keys(&["Escape"]);
    t.wait_gone("DONE in");
    t.keys(&["q"]);
    assert_eq!(t.wait_for_exit(), "exit=0");
    assert_eq!(
        std::fs::read_to_string(&proof).expect("the script ran"),
        CANARY,
        "the secret did reach the script"
    );
    let written: Vec<_> = files_under(&t.path("audit"))
        .into_iter()
        .chain(files_under(&t.path("logs")))
        .collect();
    assert!(
        written
            .iter()
            .any(|p| p.extension().is_some_and(|x| x == "jsonl")),
        "{written:?}"
    );
    assert!(
        written
            .iter()
            .any(|p| p.to_string_lossy().contains("ripcord.")),
        "a debug log was written: {written:?}"
    );
    for path in &written {
        let bytes = std::fs::read(path).expect("read");
        for canary in [CANARY, CANARY_KEY, CANARY_TOKEN] {
            assert!(
                !String::from_utf8_lossy(&bytes).contains(canary),
                "the secret {canary} is in {}",
                path.display()
            );
        }
    }
}
