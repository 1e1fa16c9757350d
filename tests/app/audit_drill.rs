//! The audit log in front of real drills: the cockpit's journal (the same `gate` the event loop
//! calls) between `App::update` and the worker, against the simulated fleet. What is on disk is
//! the run log, chained; a directory or disk that cannot be written stops every action; a run
//! rebuilt from its file goes on where it was, with a step in doubt held for the operator; a
//! restore sent again after a crash starts no second job; secrets never reach the file.

use crate::common;

use common::drill::Drill;
use crossterm::event::KeyCode;
use ripcord::app::Command;
use ripcord::audit::journal::{Attachment, Journal};
use ripcord::audit::lock::RunLock;
use ripcord::audit::read::read_run;
use ripcord::audit::verify::verify;
use ripcord::audit::writer::AuditWriter;
use ripcord::audit::{report, resume};
use ripcord::runbook::Actions;
use ripcord::runbook::act::port::CallerIdentity;
use ripcord::runbook::act::port::RestoreRequest;
use ripcord::runbook::exec::log::{InDoubtDecision, LogEvent};
use ripcord::runbook::exec::work::Job;
use ripcord::runbook::exec::{RunOutcome, StepState};
use ripcord::source::sim::Scenario;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

fn only_file(dir: &Path) -> std::path::PathBuf {
    let files = ripcord::audit::runs::files(dir).expect("lists");
    assert_eq!(files.len(), 1, "{files:?}");
    files[0].clone()
}

/// Starts the RDS failover and brings it to the promotion, confirmed up to the typed name.
async fn to_the_promotion(d: &mut Drill) {
    d.command("run rds-cross-region-failover").await;
    d.enter().await;
    d.enter().await;
    d.enter().await;
    assert_eq!(d.at(), 3, "at the promotion: {}", d.flash());
    d.enter().await;
}

async fn replica_source(d: &Drill) -> Option<String> {
    d.sim
        .db_instance("us-west-2", "orders-dr-usw2")
        .await
        .expect("answers")
        .value
        .expect("exists")
        .replica_source
}

#[tokio::test]
async fn an_audited_drill_leaves_a_verified_private_chain_that_is_the_run_log() {
    let dir = tempfile::tempdir().expect("tempdir");
    let audit = dir.path().join("audit");
    let mut d = Drill::audited(Scenario::Normal, 0, &audit);
    to_the_promotion(&mut d).await;
    d.type_line("orders-dr-usw2").await;
    for _ in 4..=8 {
        d.enter().await;
    }
    assert!(
        matches!(d.run().state.finished, Some((_, RunOutcome::Completed))),
        "{}",
        d.flash()
    );
    let path = only_file(&audit);
    let file = read_run(&path).expect("reads");
    let on_disk: Vec<_> = file.records.iter().map(|r| r.entry()).collect();
    assert_eq!(on_disk, d.run().log, "every entry, in order, nothing else");
    let bytes = std::fs::read(&path).expect("read");
    let verified = verify(&bytes, None).expect("chain");
    assert_eq!(verified.records, d.run().log.len() + 1, "and the seal");
    let seal = file.seal.as_ref().expect("an ended run is sealed");
    assert_eq!(seal.seal.outcome, "finished");
    assert_eq!(seal.seal.records as usize, d.run().log.len());
    assert_eq!(verified.head, seal.hash, "the seal is the last record");
    assert_eq!(
        file.nonce().map(str::len),
        Some(32),
        "the first record's nonce"
    );
    let mode = |p: &Path| std::fs::metadata(p).expect("meta").permissions().mode() & 0o777;
    assert_eq!(mode(&path), 0o600, "the file is private");
    assert_eq!(mode(&audit), 0o700, "the directory is private");
    let first = &file.records[0];
    assert_eq!(first.runbook.name, "rds-cross-region-failover");
    assert_eq!(first.runbook.sha256, d.run().book.sha256);
    assert_eq!(first.operator.aws.describe(), "simulated");
    // The intent of the promotion is on disk before its result.
    let intent = file
        .records
        .iter()
        .position(|r| matches!(r.event, LogEvent::Intent { .. }))
        .expect("an intent");
    let done = file
        .records
        .iter()
        .position(|r| {
            r.step == file.records[intent].step && matches!(r.event, LogEvent::StepDone { .. })
        })
        .expect("its result");
    assert!(intent < done);
}

#[tokio::test]
async fn an_audit_directory_that_cannot_be_written_means_no_action_is_carried_out() {
    let dir = tempfile::tempdir().expect("tempdir");
    // A directory under a regular file cannot be created, whoever runs the test (root too).
    let blocker = dir.path().join("not-a-directory");
    std::fs::write(&blocker, "").expect("write");
    let mut d = Drill::audited(Scenario::Normal, 0, &blocker.join("audit"));
    to_the_promotion(&mut d).await;
    assert!(
        d.app
            .runbooks
            .audit_failure
            .as_ref()
            .is_some_and(|(_, m)| m.contains("cannot create the directory")),
        "{:?}",
        d.app.runbooks.audit_failure
    );
    d.type_line("orders-dr-usw2").await;
    assert_eq!(d.states()[2], StepState::Failed, "{}", d.flash());
    let note = d.run().state.steps[2].note.clone().unwrap_or_default();
    assert!(note.starts_with("refused before any call:"), "{note}");
    assert!(note.contains("nothing was sent"), "{note}");
    assert_eq!(
        replica_source(&d).await.as_deref(),
        Some("orders-primary"),
        "the replica was never promoted: it still replicates"
    );
    // A retry is refused the same way.
    d.key(KeyCode::Char('r')).await;
    d.type_line("orders-dr-usw2").await;
    assert_eq!(replica_source(&d).await.as_deref(), Some("orders-primary"));
}

#[tokio::test]
async fn a_disk_that_fills_up_mid_run_stops_the_next_action() {
    let dir = tempfile::tempdir().expect("tempdir");
    let audit = dir.path().join("audit");
    let mut d = Drill::audited(Scenario::Normal, 0, &audit);
    to_the_promotion(&mut d).await;
    let written = read_run(&only_file(&audit)).expect("reads");
    // From here on every write fails as on a full disk (ENOSPC): /dev/full.
    let full =
        AuditWriter::continue_file(Path::new("/dev/full"), 0, written.last_seq(), &written.head)
            .expect("opens /dev/full");
    let run = d.run().id.clone();
    let lock_dir = tempfile::tempdir().expect("tempdir");
    // A journal holds a run id once: a new one (as after a restart) takes the full disk on.
    d.journal = Some(Journal::new(
        audit.clone(),
        ripcord::audit::identity::current(CallerIdentity::Simulated),
    ));
    d.journal
        .as_mut()
        .expect("journal")
        .attach(
            Attachment {
                run: run.clone(),
                runbook: written.records[0].runbook.clone(),
                writer: full,
                lock: RunLock::acquire(&lock_dir.path().join("locks"), &run).expect("lock"),
                secrets: Vec::new(),
            },
            written.records.last().map(|r| r.entry()),
        )
        .expect("the journal holds no run of this id yet");
    d.type_line("orders-dr-usw2").await;
    assert_eq!(d.states()[2], StepState::Failed, "{}", d.flash());
    let failure = d.app.runbooks.audit_failure.clone().expect("reported");
    assert!(failure.1.contains("/dev/full"), "{failure:?}");
    assert_eq!(replica_source(&d).await.as_deref(), Some("orders-primary"));
    // What was written before the disk filled is still a sound chain.
    assert!(verify(&std::fs::read(only_file(&audit)).expect("read"), None).is_ok());
}

#[tokio::test]
async fn a_run_lost_after_its_intent_resumes_in_a_new_cockpit_with_the_step_in_doubt() {
    let dir = tempfile::tempdir().expect("tempdir");
    let audit = dir.path().join("audit");
    let mut d = Drill::audited(Scenario::Normal, 0, &audit);
    to_the_promotion(&mut d).await;
    // The cockpit writes the intent, then dies before sending the promotion.
    for c in "orders-dr-usw2".chars() {
        d.app.update(
            ripcord::app::Event::Key(crossterm::event::KeyEvent::new(
                KeyCode::Char(c),
                crossterm::event::KeyModifiers::NONE,
            )),
            d.clock.now(),
        );
    }
    let commands = d.app.update(
        ripcord::app::Event::Key(crossterm::event::KeyEvent::new(
            KeyCode::Enter,
            crossterm::event::KeyModifiers::NONE,
        )),
        d.clock.now(),
    );
    let admitted = d.admit(commands);
    assert!(matches!(
        &admitted[..],
        [Command::Runbook(w)] if matches!(w.job, Job::Perform { .. })
    ));
    let run_id = d.run().id.clone();
    drop(admitted);
    let mut second = d.restart(&audit);
    assert_eq!(second.app.runbooks.unfinished.len(), 1);
    second.app.offer_unfinished();
    assert_eq!(second.app.runbooks.picker, Some(0), "offered at start");
    second.enter().await;
    assert!(second.app.runbooks.run.is_some(), "{}", second.flash());
    let run = second.run();
    assert_eq!(run.id, run_id, "{}", second.flash());
    assert_eq!(
        second.states(),
        vec![
            StepState::Done,
            StepState::Done,
            StepState::InDoubt,
            StepState::Pending,
            StepState::Pending,
            StepState::Pending,
            StepState::Pending,
            StepState::Pending
        ]
    );
    assert_eq!(
        replica_source(&second).await.as_deref(),
        Some("orders-primary"),
        "nothing was sent on resuming"
    );
    assert_eq!(run.in_doubt_decision(), Some(InDoubtDecision::RunAgain));
    second.enter().await;
    assert_eq!(
        second.states()[2],
        StepState::InDoubt,
        "Enter alone sends nothing"
    );
    second.type_line("orders-dr-usw2").await;
    assert_eq!(
        replica_source(&second).await,
        None,
        "promoted once confirmed"
    );
    for _ in 4..=8 {
        second.enter().await;
    }
    assert!(
        matches!(
            second.run().state.finished,
            Some((_, RunOutcome::Completed))
        ),
        "{}",
        second.flash()
    );
    let file = read_run(&only_file(&audit)).expect("one file, one chain");
    assert!(file.is_over());
    assert_eq!(
        file.records.iter().map(|r| r.entry()).collect::<Vec<_>>(),
        second.run().log
    );
    let text = report::markdown(&file, None);
    for wanted in [
        "resumed by drill-2",
        "IN DOUBT",
        "sent again",
        "COMPLETED",
        "typed `orders-dr-usw2`",
    ] {
        assert!(text.contains(wanted), "{wanted} missing from:\n{text}");
    }
}

#[tokio::test]
async fn a_restore_lost_after_its_call_is_finished_without_a_second_job() {
    let dir = tempfile::tempdir().expect("tempdir");
    let audit = dir.path().join("audit");
    let mut d = Drill::audited(Scenario::Normal, 0, &audit);
    d.command("run backup-restore-drill").await;
    d.enter().await;
    assert_eq!(d.at(), 2, "{}", d.flash());
    let commands = d.app.update(
        ripcord::app::Event::Key(crossterm::event::KeyEvent::new(
            KeyCode::Enter,
            crossterm::event::KeyModifiers::NONE,
        )),
        d.clock.now(),
    );
    let admitted = d.admit(commands);
    let [Command::Runbook(work)] = &admitted[..] else {
        panic!("the restore job: {admitted:?}")
    };
    let Job::Perform { intent, .. } = &work.job else {
        panic!("a perform job")
    };
    let LogEvent::Intent {
        idempotency_token: Some(token),
        ..
    } = &intent.event
    else {
        panic!("the intent carries the token: {intent:?}")
    };
    // The call reaches AWS (the job starts), then the process dies before the result.
    let point = d
        .sim
        .newest_recovery_point("us-west-2", "dr-usw2", "orders-primary-copy")
        .await
        .expect("answers")
        .value
        .expect("a point");
    let first_job = d
        .sim
        .start_restore_job(
            "us-west-2",
            &RestoreRequest {
                recovery_point_arn: point.arn,
                vault: point.vault,
                resource_type: point.resource_type,
                target: "orders-restore-drill".into(),
                iam_role: None,
                idempotency_token: token.clone(),
            },
        )
        .await
        .expect("started")
        .value;
    let mut second = d.restart(&audit);
    let id = second.app.runbooks.unfinished[0].id.clone();
    let commands = second.app.start_resume(&id);
    second.settle(commands).await;
    assert_eq!(second.states()[1], StepState::InDoubt, "{}", second.flash());
    let checks = &second.run().live[1]
        .readings
        .as_ref()
        .expect("end state")
        .checks;
    assert!(
        checks[0].detail.contains(&first_job) && checks[0].detail.contains("RUNNING"),
        "{checks:?}"
    );
    second.enter().await;
    assert_eq!(second.at(), 3, "{}", second.flash());
    let done = second
        .run()
        .log
        .iter()
        .rev()
        .find_map(|e| match &e.event {
            LogEvent::StepDone { aws_ids, .. }
                if e.step.as_deref() == Some("restore-the-newest-recovery-point") =>
            {
                Some(aws_ids.clone())
            }
            _ => None,
        })
        .expect("the restore is done");
    assert_eq!(
        done,
        vec![format!("backup restore job {first_job}")],
        "the step finished the job it had started, and started no other"
    );
}

#[tokio::test]
async fn a_run_held_by_another_process_is_not_resumed_and_a_changed_runbook_is_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let audit = dir.path().join("audit");
    let mut d = Drill::audited(Scenario::Normal, 0, &audit);
    to_the_promotion(&mut d).await;
    let id = d.run().id.clone();
    // `d` is alive and holds the run's lock.
    let library = ripcord::runbook::Library::shipped();
    let err = resume::prepare(&audit, &id, &library, &[])
        .err()
        .expect("locked");
    assert!(matches!(err, resume::ResumeRefusal::Held(_)), "{err}");
    assert!(
        err.to_string()
            .contains("being carried out by another ripcord"),
        "{err}"
    );
    let mut watcher = Drill::audited(Scenario::Normal, 0, &audit);
    watcher.app.runbooks.unfinished = ripcord::audit::runs::unfinished(&audit);
    assert!(watcher.app.runbooks.unfinished[0].locked_by.is_some());
    let commands = watcher.app.start_resume(&id);
    assert!(commands.is_empty());
    assert!(
        watcher.flash().contains("audit show"),
        "{}",
        watcher.flash()
    );
    drop(d);
    // Free now, but the runbook is not the one the run started with.
    let changed = ripcord::runbook::lang::library::Library {
        entries: library
            .entries
            .iter()
            .map(|e| {
                let mut e = e.clone();
                if let Ok(book) = &e.loaded {
                    let mut book = (**book).clone();
                    book.sha256 = "0".repeat(64);
                    e.loaded = Ok(std::sync::Arc::new(book));
                }
                e
            })
            .collect(),
        unreadable: Vec::new(),
    };
    let err = resume::prepare(&audit, &id, &changed, &[])
        .err()
        .expect("changed");
    assert!(
        matches!(err, resume::ResumeRefusal::RunbookChanged { .. }),
        "{err}"
    );
    assert!(resume::prepare(&audit, &id, &library, &[]).is_ok());
    let err = resume::prepare(&audit, "no-such-run", &library, &[])
        .err()
        .expect("missing");
    assert!(matches!(err, resume::ResumeRefusal::NoSuchRun(_)), "{err}");
    assert!(err.to_string().contains("no run `no-such-run` in"), "{err}");
}

/// A drill's file says it acted on the simulator: a cockpit whose actions are AWS's neither
/// offers it nor resumes it (nor does the demo go on with a run that acted on AWS), and the
/// refusal leaves the run free for the right cockpit.
#[tokio::test]
async fn a_drill_is_not_resumed_against_aws_nor_a_run_on_aws_against_the_simulator() {
    use ripcord::audit::journal::Journal;
    use ripcord::runbook::act::port::CallerIdentity;

    let dir = tempfile::tempdir().expect("tempdir");
    let audit = dir.path().join("audit");
    let mut d = Drill::audited(Scenario::Normal, 0, &audit);
    to_the_promotion(&mut d).await;
    let id = d.run().id.clone();
    drop(d);
    let on_aws = CallerIdentity::Known {
        arn: "arn:aws:sts::123456789012:assumed-role/dr-operator/alice".into(),
        account: "123456789012".into(),
    };
    assert!(ripcord::audit::runs::unfinished_for(&audit, &on_aws).is_empty());
    assert_eq!(
        ripcord::audit::runs::unfinished_for(&audit, &CallerIdentity::Simulated).len(),
        1
    );
    let library = ripcord::runbook::Library::shipped();
    let mut live = Journal::new(
        audit.clone(),
        ripcord::audit::identity::current(on_aws.clone()),
    );
    let err = live.resume(&id, &library, &[]).expect_err("refused");
    assert!(
        matches!(err, resume::ResumeRefusal::DrillNotOnAws { .. })
            && err.to_string().contains("--sim"),
        "{err}"
    );
    // Refused without keeping the lock: the demo can go on with it.
    let mut demo = Journal::new(
        audit.clone(),
        ripcord::audit::identity::current(CallerIdentity::Simulated),
    );
    assert!(demo.resume(&id, &library, &[]).is_ok());
    drop(demo);
    // The other way round: the same file, as if it had acted on AWS.
    let file = only_file(&audit);
    let prepared = resume::prepare(&audit, &id, &library, &[]).expect("prepared");
    let as_aws = resume::Prepared {
        acted_as: on_aws,
        ..prepared
    };
    let mut sim = Journal::new(
        audit.clone(),
        ripcord::audit::identity::current(CallerIdentity::Simulated),
    );
    let err = sim.adopt(as_aws).expect_err("refused");
    assert!(
        matches!(err, resume::ResumeRefusal::AwsRunNotOnSimulator { .. }),
        "{err}"
    );
    assert!(
        resume::prepare(&audit, &id, &library, &[]).is_ok(),
        "{}",
        file.display()
    );
}

const CANARY: &str = "canary-5f3a9c17e2";

/// A runbook that hands a secret parameter to an action and to a script.
const CANARY_BOOK: &str = include_str!("../fixtures/secret/canary.md");

#[tokio::test]
async fn a_secret_reaches_the_action_and_the_script_but_never_the_audit_log() {
    let dir = tempfile::tempdir().expect("tempdir");
    let audit = dir.path().join("audit");
    let books = dir.path().join("books");
    std::fs::create_dir(&books).expect("mkdir");
    std::fs::write(books.join("canary.md"), CANARY_BOOK).expect("write");
    let proof = dir.path().join("proof");
    let mut d = Drill::audited(Scenario::Normal, 0, &audit);
    d.app.runbooks.library = ripcord::runbook::Library::load(&[books]);
    d.command(&format!(
        "run canary token={CANARY} proof={}",
        proof.display()
    ))
    .await;
    d.enter().await;
    d.enter().await;
    assert!(
        matches!(d.run().state.finished, Some((_, RunOutcome::Completed))),
        "{} {:?}",
        d.flash(),
        d.states()
    );
    assert_eq!(
        std::fs::read_to_string(&proof).expect("the script ran"),
        CANARY,
        "the script got the secret"
    );
    let record = d
        .sim
        .record_sets(
            ripcord::source::sim::drill::ZONE_ID,
            "canary.example.com.",
            Some("TXT"),
        )
        .await
        .expect("answers")
        .value;
    assert_eq!(
        record[0].values,
        vec![CANARY.to_string()],
        "the action got it"
    );
    let on_disk = std::fs::read_to_string(only_file(&audit)).expect("read");
    assert!(
        !on_disk.contains(CANARY),
        "the secret is in the audit log:\n{on_disk}"
    );
    assert!(on_disk.contains("••••••"), "it was replaced, not dropped");
    let in_memory = format!("{:?}", d.run().log);
    assert!(!in_memory.contains(CANARY), "{in_memory}");
    let shown = d
        .run()
        .live
        .iter()
        .flat_map(|s| s.output.clone())
        .collect::<Vec<_>>();
    assert!(!shown.join("\n").contains(CANARY), "{shown:?}");
}

#[tokio::test]
async fn resuming_a_run_asks_for_its_secrets_again() {
    let dir = tempfile::tempdir().expect("tempdir");
    let audit = dir.path().join("audit");
    let books = dir.path().join("books");
    std::fs::create_dir(&books).expect("mkdir");
    std::fs::write(books.join("canary.md"), CANARY_BOOK).expect("write");
    let library = ripcord::runbook::Library::load(&[books]);
    let mut d = Drill::audited(Scenario::Normal, 0, &audit);
    d.app.runbooks.library = library.clone();
    d.command(&format!("run canary token={CANARY} proof=/dev/null"))
        .await;
    let run = d.run().id.clone();
    drop(d);
    let err = resume::prepare(&audit, &run, &library, &[])
        .err()
        .expect("the secret is needed");
    assert!(
        matches!(&err, resume::ResumeRefusal::SecretNeeded { name, .. } if name == "token"),
        "{err}"
    );
    assert!(err.to_string().contains("--param token=VALUE"), "{err}");
    let err = resume::prepare(
        &audit,
        &run,
        &library,
        &[
            ("token".into(), CANARY.into()),
            ("proof".into(), "/tmp/x".into()),
        ],
    )
    .err()
    .expect("not a secret");
    assert!(
        matches!(&err, resume::ResumeRefusal::ParamFixed { name, .. } if name == "proof"),
        "{err}"
    );
    let prepared = resume::prepare(&audit, &run, &library, &[("token".into(), CANARY.into())])
        .expect("resumable with the secret");
    assert_eq!(prepared.data.params.get("token"), Some(CANARY));
    assert_eq!(prepared.data.params.get("proof"), Some("/dev/null"));
}

#[tokio::test]
async fn the_restore_drill_report_measures_the_restore_against_the_rto() {
    let dir = tempfile::tempdir().expect("tempdir");
    let audit = dir.path().join("audit");
    let mut d = Drill::audited(Scenario::Normal, 0, &audit);
    d.command("run backup-restore-drill").await;
    d.enter().await;
    d.enter().await;
    d.enter().await;
    d.enter().await;
    d.enter().await;
    d.enter().await;
    d.type_line("orders-restore-drill").await;
    assert!(
        matches!(d.run().state.finished, Some((_, RunOutcome::Completed))),
        "{}",
        d.flash()
    );
    let file = read_run(&only_file(&audit)).expect("reads");
    let text = report::markdown(&file, None);
    for wanted in [
        "## Measured recovery",
        "- Restore the newest recovery point: measured 8s — within the RTO of 1h00m",
        "[backup restore job restore-job-sim-0001]",
        "idempotency token `backup-restore-drill-20261121T030000Z-764d4f-s2-a1`",
        "| 5 | Delete the test instance | done: orders-restore-drill is deleted",
        "typed `orders-restore-drill`",
        "| Outcome | COMPLETED in ",
    ] {
        assert!(text.contains(wanted), "{wanted} missing from:\n{text}");
    }
}

// ---- Losses the chain alone cannot show: the seal, the index, the directory's mode ----

/// Runs the RDS failover drill to its end (completed) in `audit`; returns the drill.
async fn completed_failover(audit: &Path) -> Drill {
    let mut d = Drill::audited(Scenario::Normal, 0, audit);
    to_the_promotion(&mut d).await;
    d.type_line("orders-dr-usw2").await;
    for _ in 4..=8 {
        d.enter().await;
    }
    assert!(
        matches!(d.run().state.finished, Some((_, RunOutcome::Completed))),
        "{}",
        d.flash()
    );
    d
}

/// `ripcord audit verify [RUN...]` on `dir`: the exit code, stdout and stderr.
fn audit_verify(dir: &Path, runs: &[&str]) -> (u8, String, String) {
    use ripcord::audit::cli::{AuditCmd, VerifyArgs};
    let cmd = AuditCmd::Verify(VerifyArgs {
        files: runs.iter().map(|r| r.to_string()).collect(),
        expect_head: None,
    });
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = ripcord::audit::commands::run(
        &cmd,
        dir,
        &ripcord::runbook::Library::shipped(),
        &mut out,
        &mut err,
    )
    .expect("writes to memory");
    (
        code,
        String::from_utf8_lossy(&out).into_owned(),
        String::from_utf8_lossy(&err).into_owned(),
    )
}

fn without_last_lines(path: &Path, n: usize) {
    let text = std::fs::read_to_string(path).expect("read");
    let lines: Vec<&str> = text.lines().collect();
    let kept = lines[..lines.len() - n].join("\n") + "\n";
    std::fs::write(path, kept).expect("write");
}

#[tokio::test]
async fn a_finished_run_cut_short_at_its_end_is_reported_truncated() {
    let dir = tempfile::tempdir().expect("tempdir");
    let audit = dir.path().join("audit");
    let d = completed_failover(&audit).await;
    let id = d.run().id.clone();
    drop(d);
    let (code, out, err) = audit_verify(&audit, &[]);
    assert_eq!(code, 0, "whole, it verifies: {out}{err}");
    // Whoever cuts records off the end of a finished run leaves a shorter chain that is still
    // a chain: the missing seal and the index give it away.
    for cut in [1, 3] {
        let copy = tempfile::tempdir().expect("tempdir");
        for entry in std::fs::read_dir(&audit).expect("list") {
            let path = entry.expect("entry").path();
            std::fs::copy(&path, copy.path().join(path.file_name().expect("name"))).expect("cp");
        }
        let file = ripcord::audit::writer::file_for(copy.path(), &id);
        without_last_lines(&file, cut);
        for runs in [vec![], vec![id.as_str()]] {
            let (code, out, err) = audit_verify(copy.path(), &runs);
            assert_eq!(code, 1, "cut {cut}, verify {runs:?}: {out}{err}");
            assert!(
                out.contains(&id) && out.contains("truncated"),
                "cut {cut}: {out}"
            );
        }
    }
}

#[tokio::test]
async fn a_deleted_run_file_is_reported_by_name() {
    let dir = tempfile::tempdir().expect("tempdir");
    let audit = dir.path().join("audit");
    let d = completed_failover(&audit).await;
    let id = d.run().id.clone();
    drop(d);
    std::fs::remove_file(ripcord::audit::writer::file_for(&audit, &id)).expect("rm");
    let (code, out, err) = audit_verify(&audit, &[]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        out.contains(&format!(
            "run {id}: deleted (the index records it started at 2026-11-21"
        )),
        "{out}"
    );
}

#[tokio::test]
async fn a_run_file_replaced_by_another_valid_chain_is_reported_replaced() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (audit, other) = (dir.path().join("audit"), dir.path().join("other"));
    let d = completed_failover(&audit).await;
    let id = d.run().id.clone();
    drop(d);
    // Another run of the same runbook, made elsewhere: a whole, valid chain of its own.
    let e = completed_failover(&other).await;
    let forged = only_file(&other);
    drop(e);
    let file = ripcord::audit::writer::file_for(&audit, &id);
    std::fs::copy(&forged, &file).expect("cp");
    let bytes = std::fs::read(&file).expect("read");
    assert!(verify(&bytes, None).is_ok(), "the copy is a sound chain");
    let (code, out, err) = audit_verify(&audit, &[]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(out.contains(&id) && out.contains("replaced"), "{out}");
}

#[tokio::test]
async fn an_audit_directory_others_can_read_or_write_is_refused_with_the_chmod_to_run() {
    for mode in [0o777, 0o755, 0o750, 0o702] {
        let dir = tempfile::tempdir().expect("tempdir");
        let audit = dir.path().join("audit");
        std::fs::create_dir(&audit).expect("mkdir");
        std::fs::set_permissions(&audit, std::fs::Permissions::from_mode(mode)).expect("chmod");
        let mut d = Drill::audited(Scenario::Normal, 0, &audit);
        to_the_promotion(&mut d).await;
        let failure = d.app.runbooks.audit_failure.clone();
        assert!(
            failure
                .as_ref()
                .is_some_and(|(_, m)| m.contains(&audit.display().to_string())
                    && m.contains(&format!("chmod 700 {}", audit.display()))),
            "mode {mode:o}: {failure:?}"
        );
        d.type_line("orders-dr-usw2").await;
        assert_eq!(d.states()[2], StepState::Failed, "mode {mode:o}");
        assert_eq!(
            replica_source(&d).await.as_deref(),
            Some("orders-primary"),
            "mode {mode:o}: nothing was sent"
        );
        assert!(
            ripcord::audit::runs::files(&audit)
                .expect("lists")
                .is_empty(),
            "mode {mode:o}: nothing was written where others can read it"
        );
    }
}

#[tokio::test]
async fn the_final_head_is_shown_when_a_run_ends_and_is_in_its_report() {
    let dir = tempfile::tempdir().expect("tempdir");
    let audit = dir.path().join("audit");
    let d = completed_failover(&audit).await;
    let id = d.run().id.clone();
    let flash = d.flash();
    let (code, out, err) = audit_verify(&audit, &[&id]);
    assert_eq!(code, 0, "{out}{err}");
    let head = out.trim().rsplit(' ').next().expect("head").to_string();
    assert_eq!(head.len(), 64, "{out}");
    assert!(
        flash.contains(&head),
        "the end of the run shows {head}: {flash}"
    );
    let file = read_run(&only_file(&audit)).expect("reads");
    assert_eq!(file.head, head);
    let text = report::markdown(&file, None);
    assert!(text.contains(&format!("head `{head}`")), "{text}");
    assert!(text.contains("sealed"), "{text}");
}

#[tokio::test]
async fn an_interrupted_run_is_open_not_damaged() {
    let dir = tempfile::tempdir().expect("tempdir");
    let audit = dir.path().join("audit");
    let mut d = Drill::audited(Scenario::Normal, 0, &audit);
    to_the_promotion(&mut d).await;
    let id = d.run().id.clone();
    drop(d);
    let (code, out, err) = audit_verify(&audit, &[]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("open"), "{out}");
    let (code, out, err) = audit_verify(&audit, &[&id]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("open"), "{out}");
}

/// A run file as ripcord wrote them before the index: no nonce, no seal; and no index beside.
fn as_written_before_the_index(dir: &Path) {
    use ripcord::audit::model::{GENESIS, seal};
    for entry in std::fs::read_dir(dir).expect("list") {
        let path = entry.expect("entry").path();
        if path.extension().is_none_or(|x| x != "jsonl") {
            std::fs::remove_file(&path).expect("rm");
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("read");
        let mut head = GENESIS.to_string();
        let mut out = String::new();
        let mut seq = 0;
        for line in text.lines() {
            let serde_json::Value::Object(mut body) =
                serde_json::from_str::<serde_json::Value>(line).expect("json")
            else {
                panic!("an object")
            };
            if body.contains_key("seal") {
                continue;
            }
            body.remove("nonce");
            seq += 1;
            let (line, hash) = seal(body, seq, &head);
            head = hash;
            out.push_str(&line);
            out.push('\n');
        }
        std::fs::write(&path, out).expect("write");
    }
}

#[tokio::test]
async fn an_audit_directory_from_before_the_index_still_verifies_and_reads() {
    let dir = tempfile::tempdir().expect("tempdir");
    let audit = dir.path().join("audit");
    let d = completed_failover(&audit).await;
    let id = d.run().id.clone();
    drop(d);
    as_written_before_the_index(&audit);
    let (code, out, err) = audit_verify(&audit, &[]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("predates the index"), "{out}");
    let file = read_run(&only_file(&audit)).expect("reads");
    assert!(file.is_over());
    let text = report::markdown(&file, None);
    assert!(text.contains("COMPLETED"), "{text}");
    let (runs, problems) = ripcord::audit::runs::list(&audit).expect("lists");
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(runs[0].id, id);
}

#[tokio::test]
async fn an_aborted_run_is_sealed_too_and_a_deleted_index_is_reported() {
    let dir = tempfile::tempdir().expect("tempdir");
    let audit = dir.path().join("audit");
    let mut d = Drill::audited(Scenario::Normal, 0, &audit);
    to_the_promotion(&mut d).await;
    d.key(KeyCode::Esc).await;
    d.key(KeyCode::Char('a')).await;
    d.type_line("drill over").await;
    assert!(
        matches!(d.run().state.finished, Some((_, RunOutcome::Aborted(_)))),
        "{}",
        d.flash()
    );
    let file = read_run(&only_file(&audit)).expect("reads");
    assert_eq!(
        file.seal.as_ref().map(|s| s.seal.outcome.as_str()),
        Some("aborted")
    );
    assert!(d.flash().contains(&file.head), "{}", d.flash());
    drop(d);
    let (code, out, err) = audit_verify(&audit, &[]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("OK, sealed (aborted)"), "{out}");
    assert!(out.contains("runs.index: OK, 2 records, head "), "{out}");
    // The index gone: the run files say there was one.
    std::fs::remove_file(ripcord::audit::index::path(&audit)).expect("rm");
    let (code, out, err) = audit_verify(&audit, &[]);
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        out.contains("unindexed") && out.contains("the index was deleted"),
        "{out}"
    );
    // A copy of a run file kept elsewhere, named by its path, is checked on its own.
    let kept = dir.path().join("kept");
    std::fs::create_dir(&kept).expect("mkdir");
    let copy = kept.join("copy.jsonl");
    std::fs::copy(only_file(&audit), &copy).expect("cp");
    let (code, out, err) = audit_verify(&audit, &[copy.to_str().expect("utf8")]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("no index beside it"), "{out}");
}

/// Presses a key in the app and writes what it logged, without carrying out any work: the
/// commands that got through the journal are returned.
fn press_unsettled(d: &mut Drill, code: KeyCode) -> Vec<Command> {
    let commands = d.app.update(
        ripcord::app::Event::Key(crossterm::event::KeyEvent::new(
            code,
            crossterm::event::KeyModifiers::NONE,
        )),
        d.clock.now(),
    );
    d.admit(commands)
}

/// The promotion confirmed and sent (its intent on disk, its result not back), then the run
/// aborted: the result may still come, so the file is not sealed yet.
async fn aborted_while_promoting(audit: &Path) -> (Drill, Box<ripcord::runbook::exec::work::Work>) {
    let mut d = Drill::audited(Scenario::Normal, 0, audit);
    to_the_promotion(&mut d).await;
    for c in "orders-dr-usw2".chars() {
        press_unsettled(&mut d, KeyCode::Char(c));
    }
    let mut sent = press_unsettled(&mut d, KeyCode::Enter);
    let Some(Command::Runbook(work)) = sent.pop() else {
        panic!("the promotion is sent: {sent:?}")
    };
    assert!(matches!(work.job, Job::Perform { .. }));
    press_unsettled(&mut d, KeyCode::Char('a'));
    for c in "drill over".chars() {
        press_unsettled(&mut d, KeyCode::Char(c));
    }
    press_unsettled(&mut d, KeyCode::Enter);
    assert!(d.run().is_over(), "{}", d.flash());
    let file = read_run(&only_file(audit)).expect("reads");
    assert!(file.is_over());
    assert!(
        file.seal.is_none(),
        "not sealed while a late result may come"
    );
    (d, work)
}

#[tokio::test]
async fn a_run_aborted_while_a_step_runs_is_sealed_after_its_late_result_or_when_the_cockpit_closes()
 {
    // The late result comes: recorded, then the seal.
    let dir = tempfile::tempdir().expect("tempdir");
    let audit = dir.path().join("audit");
    let (mut d, work) = aborted_while_promoting(&audit).await;
    let (tx, mut rx) = tokio::sync::mpsc::channel(64);
    ripcord::runbook::runner::execute(
        *work,
        d.actions.clone(),
        d.clock.clone(),
        tx,
        ripcord::app::Event::Runbook,
    )
    .await;
    let mut reports = Vec::new();
    while let Some(event) = rx.recv().await {
        reports.push(event);
    }
    d.settle(Vec::new()).await;
    for event in reports {
        let commands = d.app.update(event, d.clock.now());
        d.settle(commands).await;
    }
    let file = read_run(&only_file(&audit)).expect("reads");
    assert!(
        matches!(
            file.records.last().map(|r| &r.event),
            Some(LogEvent::LateResult { .. })
        ),
        "{:?}",
        file.records.last()
    );
    assert_eq!(
        file.seal.as_ref().map(|s| s.seal.outcome.as_str()),
        Some("aborted")
    );
    drop(d);
    let (code, out, err) = audit_verify(&audit, &[]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("OK, sealed (aborted)"), "{out}");

    // The cockpit closes first: nothing more will be written, so it seals.
    let dir = tempfile::tempdir().expect("tempdir");
    let audit = dir.path().join("audit");
    let (mut d, _work) = aborted_while_promoting(&audit).await;
    let id = d.run().id.clone();
    let now = d.clock.now();
    let journal = d.journal.as_mut().expect("journal");
    let sealed = ripcord::effects::close(&mut d.app, journal, || now);
    let file = read_run(&only_file(&audit)).expect("reads");
    assert_eq!(sealed, vec![(id, file.head.clone(), only_file(&audit))]);
    assert!(file.seal.is_some());
    drop(d);
    let (code, out, err) = audit_verify(&audit, &[]);
    assert_eq!(code, 0, "{out}{err}");
}

/// A run lost between deciding on a step in doubt (`in-doubt-resolved`) and the record of what
/// followed (the intent sent again, or the step accepted as done) is still IN DOUBT where the
/// cockpit offers it: the list of runs reads the log as the fold does, which keeps the step in
/// doubt until that next record.
#[tokio::test]
async fn a_run_lost_right_after_an_in_doubt_decision_is_still_offered_in_doubt() {
    let dir = tempfile::tempdir().expect("tempdir");
    let audit = dir.path().join("audit");
    let mut d = Drill::audited(Scenario::Normal, 0, &audit);
    to_the_promotion(&mut d).await;
    let key = |c: KeyCode| {
        ripcord::app::Event::Key(crossterm::event::KeyEvent::new(
            c,
            crossterm::event::KeyModifiers::NONE,
        ))
    };
    for c in "orders-dr-usw2".chars() {
        d.app.update(key(KeyCode::Char(c)), d.clock.now());
    }
    let commands = d.app.update(key(KeyCode::Enter), d.clock.now());
    drop(d.admit(commands));
    // A second cockpit resumes it and decides to send the step again; its intent follows.
    let mut second = d.restart(&audit);
    second.app.offer_unfinished();
    second.enter().await;
    second.enter().await;
    for c in "orders-dr-usw2".chars() {
        second.app.update(key(KeyCode::Char(c)), second.clock.now());
    }
    let commands = second.app.update(key(KeyCode::Enter), second.clock.now());
    drop(second.admit(commands));
    // The session is lost right after the decision: the file ends at `in-doubt-resolved`.
    let path = only_file(&audit);
    let text = std::fs::read_to_string(&path).expect("reads");
    let lines: Vec<&str> = text.lines().collect();
    let decided = lines
        .iter()
        .rposition(|l| l.contains("\"type\":\"in-doubt-resolved\""))
        .expect("the decision is recorded");
    std::fs::write(&path, format!("{}\n", lines[..=decided].join("\n"))).expect("cut");
    let offered = ripcord::audit::runs::unfinished(&audit);
    assert_eq!(offered.len(), 1, "{offered:?}");
    assert!(
        offered[0].in_doubt.is_some(),
        "still in doubt after the decision alone: {:?}",
        offered[0]
    );
    // And the run rebuilt from the same file agrees.
    let mut third = second.restart(&audit);
    third.app.offer_unfinished();
    third.enter().await;
    assert_eq!(third.states()[2], StepState::InDoubt, "{}", third.flash());
}
