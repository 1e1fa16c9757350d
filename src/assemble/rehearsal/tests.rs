use super::*;
use crate::audit::cli::{AuditCmd, VerifyArgs};
use crate::fleet::readiness::Drill;
use std::os::unix::fs::PermissionsExt;

fn now() -> Timestamp {
    "2026-11-21T03:00:00Z".parse().expect("valid")
}

fn days(n: i64) -> SignedDuration {
    SignedDuration::from_hours(24 * n)
}

/// `ripcord audit verify` (every file) on `dir`: its exit code and what it printed.
fn audit_verify(dir: &Path) -> (u8, String) {
    let mut out = Vec::new();
    let mut err = Vec::new();
    let code = crate::audit::commands::run(
        &AuditCmd::Verify(VerifyArgs {
            files: vec![],
            expect_head: None,
        }),
        dir,
        &Library::shipped(),
        &mut out,
        &mut err,
    )
    .expect("writes to memory");
    (
        code,
        format!(
            "{}{}",
            String::from_utf8_lossy(&out),
            String::from_utf8_lossy(&err)
        ),
    )
}

fn drills_in(dir: &Path) -> Vec<Drill> {
    match crate::audit::evidence::drills(dir) {
        Drills::Found {
            runs, not_evidence, ..
        } => {
            assert!(not_evidence.is_empty(), "{not_evidence:?}");
            runs
        }
        other => panic!("no drills in {}: {other:?}", dir.display()),
    }
}

#[tokio::test]
async fn a_fresh_history_gets_a_real_sealed_drill_days_back_that_audit_verify_accepts() {
    let tmp = tempfile::tempdir().expect("tmp");
    let audit = tmp.path().join("audit");
    let done = ensure(&audit, 42, now()).await.expect("rehearses");
    let Rehearsal::Ran { run, head, file } = done else {
        panic!("a fresh history is rehearsed: {done:?}");
    };
    let history = tmp.path().join("demo").join("audit");
    assert_eq!(history_dir(&audit), history);
    assert!(file.starts_with(&history), "{}", file.display());
    assert!(
        !audit.exists(),
        "the user's audit directory is never written"
    );
    let mode = std::fs::metadata(&history)
        .expect("made")
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o700, "{mode:o}");

    let (code, said) = audit_verify(&history);
    assert_eq!(code, 0, "{said}");
    assert!(said.contains(&head), "{said}");

    // What readiness reads: the restore drill of orders, finished, against the simulator,
    // DAYS_BACK days ago, with the restore time the restore step measured.
    let runs = drills_in(&history);
    assert_eq!(runs.len(), 1, "{runs:?}");
    let d = &runs[0];
    assert_eq!(d.run_id, run);
    assert_eq!(d.runbook, RUNBOOK);
    assert!(d.simulated && d.sealed, "{d:?}");
    assert_eq!(d.head, head);
    assert!(
        matches!(d.outcome, DrillOutcome::Finished { .. }),
        "{:?}",
        d.outcome
    );
    assert!(d.measured_restore.is_some(), "{d:?}");
    let back = now().checked_sub(days(DAYS_BACK)).expect("in range");
    assert_eq!(d.started, back);
    assert!(
        d.ended
            .is_some_and(|e| e > back && e < back.saturating_add(days(1)).expect("in range"))
    );
    // The run log says who carried it out.
    let text = std::fs::read_to_string(&file).expect("reads");
    assert!(text.contains(OPERATOR), "{text}");
}

#[tokio::test]
async fn a_recent_rehearsal_is_kept_and_an_old_one_is_run_again() {
    let tmp = tempfile::tempdir().expect("tmp");
    let audit = tmp.path().join("audit");
    let Rehearsal::Ran { run: first, .. } = ensure(&audit, 42, now()).await.expect("rehearses")
    else {
        panic!("rehearsed");
    };
    let a_week_on = now().checked_add(days(7)).expect("in range");
    assert!(
        matches!(
            ensure(&audit, 42, a_week_on).await.expect("reads"),
            Rehearsal::OnRecord { ref run, .. } if *run == first
        ),
        "a rehearsal ten days old is kept"
    );
    let later = now()
        .checked_add(days(FRESH_FOR_DAYS as i64 + 1))
        .expect("in range");
    let again = ensure(&audit, 42, later).await.expect("rehearses again");
    assert!(
        matches!(&again, Rehearsal::Ran { run, .. } if *run != first),
        "{again:?}"
    );
    assert_eq!(drills_in(&history_dir(&audit)).len(), 2);
    let (code, said) = audit_verify(&history_dir(&audit));
    assert_eq!(code, 0, "{said}");
}

#[tokio::test]
async fn an_aborted_rehearsal_is_not_on_record_as_a_drill_that_passed() {
    let tmp = tempfile::tempdir().expect("tmp");
    let audit = tmp.path().join("audit");
    let history = history_dir(&audit);
    crate::audit::evidence::testing::write_run(
        &history,
        RUNBOOK,
        now().checked_sub(days(1)).expect("in range"),
        crate::audit::evidence::testing::End::Aborted("the restore failed"),
    );
    assert_eq!(on_record(&history, now()), None);
    assert!(matches!(
        ensure(&audit, 42, now()).await.expect("rehearses"),
        Rehearsal::Ran { .. }
    ));
}
