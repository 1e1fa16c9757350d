//! The drills in an audit directory, as evidence for readiness (`fleet::readiness`).
//!
//! Each run file is checked as `ripcord audit verify` checks it (its chain, then against the
//! directory's index); a file that fails is not evidence and is listed as such, with why. A
//! missing directory and an unreadable file are findings, not errors.

use super::read::parse;
use super::runs::files;
use super::verify::against_index::{self, IndexLookup};
use super::verify::verify;
use super::writer;
use crate::fleet::readiness::{Drill, DrillOutcome, Drills, NotEvidence};
use crate::runbook::exec::log::LogEvent;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Where `ripcord demo` keeps the drills it rehearses against the simulator
/// (`assemble::rehearsal`): `demo/audit` beside the audit directory, so
/// `~/.local/share/ripcord/demo/audit` by default; never the audit directory itself. An audit
/// directory with no parent (`/`) keeps it inside, never in the current directory.
pub fn rehearsals_dir(audit_dir: &Path) -> PathBuf {
    audit_dir
        .parent()
        .unwrap_or(audit_dir)
        .join("demo")
        .join("audit")
}

/// Every run in `dir` that passes verification, and every file that does not.
pub fn drills(dir: &Path) -> Drills {
    let shown = dir.display().to_string();
    if !dir.exists() {
        return Drills::NoDirectory { dir: shown };
    }
    let paths = match files(dir) {
        Ok(paths) => paths,
        Err(why) => return Drills::Unlisted { dir: shown, why },
    };
    let lookup = IndexLookup::of(dir);
    let mut runs = Vec::new();
    let mut not_evidence = Vec::new();
    for path in paths {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        match drill(&path, &lookup) {
            Ok(Some(d)) => runs.push(d),
            Ok(None) => {}
            Err(why) => not_evidence.push(NotEvidence { file: name, why }),
        }
    }
    Drills::Found {
        dir: shown,
        runs,
        not_evidence,
    }
}

/// One run file read and verified; `None` for a file with no records.
fn drill(path: &Path, lookup: &IndexLookup) -> Result<Option<Drill>, String> {
    let bytes = writer::read(path)?;
    let verified = verify(&bytes, None)
        .map_err(|p| format!("line {}: {}: {}", p.line, p.kind.word(), p.detail))?;
    let file = parse(path, &bytes)?;
    against_index::judge(path, &file, &verified, lookup, false)
        .map_err(|p| format!("line {}: {}: {}", p.line, p.kind.word(), p.detail))?;
    let Some(first) = file.first() else {
        return Ok(None);
    };
    let mut outcome = DrillOutcome::Unfinished;
    let mut ended = None;
    let mut measured_restore = None;
    for r in &file.records {
        match &r.event {
            LogEvent::StepDone {
                measured_secs: Some(secs),
                ..
            } => measured_restore = Some(Duration::from_secs(*secs)),
            LogEvent::RunFinished {
                elapsed_secs,
                within_rto,
                ..
            } => {
                outcome = DrillOutcome::Finished {
                    elapsed: Duration::from_secs(*elapsed_secs),
                    within_runbook_rto: *within_rto,
                };
                ended = Some(r.at);
            }
            LogEvent::RunAborted { reason, .. } => {
                outcome = DrillOutcome::Aborted(reason.clone());
                ended = Some(r.at);
            }
            _ => {}
        }
    }
    let simulated = first.operator.aws == crate::runbook::act::port::CallerIdentity::Simulated;
    let against = if simulated {
        "the simulator".to_string()
    } else {
        format!("AWS as {}", first.operator.aws.describe())
    };
    Ok(Some(Drill {
        run_id: first.run.clone(),
        runbook: first.runbook.name.clone(),
        started: first.at,
        ended,
        outcome,
        measured_restore,
        head: file.head.clone(),
        sealed: file.seal.is_some(),
        against,
        simulated,
    }))
}

/// Real run files for tests, written by the audit writer and indexed as the journal does.
#[cfg(test)]
pub(crate) mod testing {
    use crate::audit::index;
    use crate::audit::model::{Draft, Operator, RunbookRef};
    use crate::audit::writer::AuditWriter;
    use crate::runbook::act::port::CallerIdentity;
    use crate::runbook::exec::log::LogEvent;
    use jiff::Timestamp;
    use std::path::{Path, PathBuf};

    /// How a written run ends.
    pub enum End {
        Finished {
            elapsed_secs: u64,
        },
        /// Finished after a step that measured a restore of `restore_secs`.
        Restored {
            elapsed_secs: u64,
            restore_secs: u64,
        },
        Aborted(&'static str),
    }

    /// Writes a sealed, indexed run of `runbook` started at `at`; returns its file.
    pub fn write_run(dir: &Path, runbook: &str, at: Timestamp, end: End) -> PathBuf {
        crate::audit::writer::ensure_dir(dir).expect("audit dir");
        let run = format!(
            "{runbook}-{}Z-abc{}",
            at.strftime("%Y%m%dT%H%M%S"),
            at.as_second() % 1000
        );
        let mut w = AuditWriter::create(dir, &run).expect("create");
        let draft = |at: Timestamp, event: LogEvent| Draft {
            at,
            run: run.clone(),
            runbook: RunbookRef {
                name: runbook.to_string(),
                file: format!("runbooks/{runbook}.md"),
                sha256: "ab".repeat(32),
            },
            step: None,
            event,
            operator: Operator {
                user: "ops".into(),
                host: "bastion".into(),
                ssh_connection: None,
                aws: CallerIdentity::Simulated,
            },
            account: None,
        };
        let body = |d: Draft| match serde_json::to_value(d).expect("encodes") {
            serde_json::Value::Object(map) => map,
            _ => unreachable!("a record is an object"),
        };
        w.append(body(draft(
            at,
            LogEvent::RunStarted {
                runbook: runbook.to_string(),
                file: format!("runbooks/{runbook}.md"),
                title: "drill".into(),
                operator: "ops@bastion".into(),
            },
        )))
        .expect("first record");
        let nonce = w.nonce().expect("a new file has a nonce").to_string();
        index::record_started(w.path(), &run, at, &nonce, w.head()).expect("index start");
        let end = match end {
            End::Restored {
                elapsed_secs,
                restore_secs,
            } => {
                let mut done = draft(
                    at.saturating_add(jiff::SignedDuration::from_secs(restore_secs as i64))
                        .expect("in range"),
                    LogEvent::StepDone {
                        summary: "restored".into(),
                        measured_secs: Some(restore_secs),
                        aws_ids: vec![],
                        requests: vec![],
                    },
                );
                done.step = Some("restore".into());
                w.append(body(done)).expect("restore record");
                End::Finished { elapsed_secs }
            }
            other => other,
        };
        let (event, outcome, end_at) = match end {
            End::Restored { .. } => unreachable!("turned into Finished above"),
            End::Finished { elapsed_secs } => (
                LogEvent::RunFinished {
                    elapsed_secs,
                    rto_secs: 900,
                    within_rto: elapsed_secs <= 900,
                },
                "finished",
                at.saturating_add(jiff::SignedDuration::from_secs(elapsed_secs as i64))
                    .expect("in range"),
            ),
            End::Aborted(reason) => (
                LogEvent::RunAborted {
                    reason: reason.into(),
                    running: None,
                },
                "aborted",
                at.saturating_add(jiff::SignedDuration::from_secs(60))
                    .expect("in range"),
            ),
        };
        w.append(body(draft(end_at, event))).expect("last record");
        let (seal, head) = w.seal(end_at, &run, outcome).expect("seal");
        index::record_sealed(w.path(), &run, end_at, &seal, &head).expect("index seal");
        w.path().to_path_buf()
    }
}

#[cfg(test)]
mod tests {
    use super::testing::{End, write_run};
    use super::*;
    use jiff::Timestamp;

    fn at(s: i64) -> Timestamp {
        Timestamp::from_second(1_800_000_000 + s).expect("valid")
    }

    #[test]
    fn a_missing_directory_is_a_finding_not_an_error() {
        let tmp = tempfile::tempdir().expect("tmp");
        let gone = tmp.path().join("never-made");
        assert!(matches!(drills(&gone), Drills::NoDirectory { .. }));
    }

    #[test]
    fn a_sealed_run_is_evidence_with_its_outcome_time_and_head() {
        let tmp = tempfile::tempdir().expect("tmp");
        let dir = tmp.path().join("audit");
        write_run(
            &dir,
            "aurora-global-failover",
            at(0),
            End::Finished { elapsed_secs: 420 },
        );
        write_run(
            &dir,
            "backup-restore-drill",
            at(100),
            End::Aborted("restore failed"),
        );
        let Drills::Found {
            runs, not_evidence, ..
        } = drills(&dir)
        else {
            panic!("the directory exists");
        };
        assert!(not_evidence.is_empty(), "{not_evidence:?}");
        assert_eq!(runs.len(), 2);
        let aurora = runs
            .iter()
            .find(|d| d.runbook == "aurora-global-failover")
            .expect("run");
        assert_eq!(
            aurora.outcome,
            DrillOutcome::Finished {
                elapsed: Duration::from_secs(420),
                within_runbook_rto: true
            }
        );
        assert!(aurora.sealed);
        assert_eq!(aurora.head.len(), 64);
        assert_eq!(aurora.against, "the simulator");
        let restore = runs
            .iter()
            .find(|d| d.runbook == "backup-restore-drill")
            .expect("run");
        assert_eq!(
            restore.outcome,
            DrillOutcome::Aborted("restore failed".into())
        );
    }

    #[test]
    fn a_run_file_that_fails_verify_is_not_evidence_and_says_why() {
        let tmp = tempfile::tempdir().expect("tmp");
        let dir = tmp.path().join("audit");
        let path = write_run(
            &dir,
            "aurora-global-failover",
            at(0),
            End::Finished { elapsed_secs: 420 },
        );
        // A drill's measured time edited after the fact: the chain breaks there.
        let text = std::fs::read_to_string(&path).expect("read");
        std::fs::write(
            &path,
            text.replace("\"elapsed_secs\":420", "\"elapsed_secs\":42"),
        )
        .expect("write");
        let Drills::Found {
            runs, not_evidence, ..
        } = drills(&dir)
        else {
            panic!("the directory exists");
        };
        assert!(runs.is_empty(), "a damaged run is no evidence: {runs:?}");
        assert_eq!(not_evidence.len(), 1);
        assert!(
            not_evidence[0].why.contains("line 2"),
            "{}",
            not_evidence[0].why
        );
    }

    #[test]
    fn an_unreadable_run_file_is_not_evidence_and_not_an_error() {
        let tmp = tempfile::tempdir().expect("tmp");
        let dir = tmp.path().join("audit");
        write_run(
            &dir,
            "aurora-global-failover",
            at(0),
            End::Finished { elapsed_secs: 420 },
        );
        std::fs::create_dir(dir.join("route53-failover-flip-20270115T000000Z-x.jsonl"))
            .expect("a directory where a file should be");
        let Drills::Found {
            runs, not_evidence, ..
        } = drills(&dir)
        else {
            panic!("the directory exists");
        };
        assert_eq!(runs.len(), 1);
        assert_eq!(not_evidence.len(), 1, "{not_evidence:?}");
        assert!(not_evidence[0].file.starts_with("route53-failover-flip-"));
    }
}
