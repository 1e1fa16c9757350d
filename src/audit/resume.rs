//! Getting a run ready to resume: its file read and verified, its lock taken, the very
//! runbook it started with (same SHA-256), its parameters (secrets given again), and its file
//! opened to go on with. Everything that can go wrong is found here, before the run is rebuilt.

use super::journal::Attachment;
use super::lock::RunLock;
use super::model::RunbookRef;
use super::read::read_run;
use super::runs::locate;
use super::writer::AuditWriter;
use crate::runbook::actions::CallerIdentity;
use crate::runbook::library::{self, Library};
use crate::runbook::log::{BoundParam, LogEntry, LogEvent};
use crate::runbook::model::Runbook;
use crate::runbook::params::{self, ParamValues};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// What the app needs to rebuild the run (`Run::resume`).
#[derive(Debug, Clone)]
pub struct ResumeData {
    pub book: Arc<Runbook>,
    pub params: ParamValues,
    pub entries: Vec<LogEntry>,
    /// A torn last line that was discarded, described for the `run-resumed` record.
    pub torn_tail: Option<String>,
    pub path: PathBuf,
}

pub struct Prepared {
    pub data: ResumeData,
    /// For the journal: the file to go on with, and the lock.
    pub attachment: Attachment,
    /// Whose credentials the run started with (its first record's): it goes on only against
    /// the same kind of fleet and account (`same_source`).
    pub acted_as: CallerIdentity,
}

/// Whether a run that started with the credentials `acted_as` may go on with actions whose
/// credentials are `now`: a drill against the simulated fleet never goes on against AWS, a run
/// on AWS never against the simulator, and a run on one AWS account never on another. (Other
/// credentials on the same account may: a colleague taking over; the resume records who.)
/// Where either identity could not be told, only the simulator is told apart.
pub fn same_source(
    acted_as: &CallerIdentity,
    now: &CallerIdentity,
    run: &str,
) -> Result<(), String> {
    match (acted_as, now) {
        (CallerIdentity::Simulated, CallerIdentity::Simulated) => Ok(()),
        (CallerIdentity::Simulated, _) => Err(format!(
            "run {run} is a drill against the simulated fleet: it goes on there, never against AWS (ripcord runbook resume {run} --sim, or ripcord demo)"
        )),
        (_, CallerIdentity::Simulated) => Err(format!(
            "run {run} acted on AWS ({}): it cannot go on against the simulated fleet; resume it without --sim, with the same account's credentials",
            acted_as.describe()
        )),
        (
            CallerIdentity::Known { account: then, arn },
            CallerIdentity::Known { account: now, .. },
        ) if then != now => Err(format!(
            "run {run} acted on AWS account {then} ({arn}), and these credentials are for account {now}: resume it with credentials for account {then} (--profile)"
        )),
        _ => Ok(()),
    }
}

/// Prepares the run given by id or path. `given` are `--param` values: secrets given when the
/// run started must be given again (they are never in the log).
pub fn prepare(
    dir: &Path,
    run_arg: &str,
    library: &Library,
    given: &[(String, String)],
) -> Result<Prepared, String> {
    let path = locate(dir, run_arg)?;
    let file = read_run(&path)?;
    let Some(first) = file.first() else {
        return Err(format!(
            "{}: holds no records: there is nothing to resume",
            path.display()
        ));
    };
    let run = first.run.clone();
    let recorded = first.runbook.clone();
    if file.is_over() {
        return Err(format!(
            "run {run} is already over: there is nothing to resume (`ripcord audit report {run}` writes its report)"
        ));
    }
    // The file's directory holds the lock, so a run given by path is locked where it lives.
    let lock_dir = path.parent().unwrap_or(dir);
    let lock = RunLock::acquire(lock_dir, &run).map_err(|e| e.describe(&run))?;
    let book = same_runbook(&recorded, library, &run)?;
    let bound: Vec<BoundParam> = file
        .records
        .iter()
        .find_map(|r| match &r.event {
            LogEvent::ParamsBound { params } => Some(params.clone()),
            _ => None,
        })
        .unwrap_or_default();
    let sim_flag = if first.operator.aws == CallerIdentity::Simulated {
        " --sim"
    } else {
        ""
    };
    let params = params_for_resume(&book, &bound, given, &run, sim_flag)?;
    let writer = AuditWriter::continue_file(&path, file.valid_len, file.last_seq(), &file.head)
        .map_err(|e| e.to_string())?;
    let torn_tail = file.torn.as_ref().map(|t| t.describe());
    let acted_as = first.operator.aws.clone();
    Ok(Prepared {
        acted_as,
        attachment: Attachment {
            run: run.clone(),
            runbook: recorded,
            writer,
            lock,
            secrets: params.secret_values(),
        },
        data: ResumeData {
            book,
            params,
            entries: file.records.iter().map(|r| r.entry()).collect(),
            torn_tail,
            path,
        },
    })
}

/// The runbook the run started with, found by name (or at its file), and unchanged.
fn same_runbook(
    recorded: &RunbookRef,
    library: &Library,
    run: &str,
) -> Result<Arc<Runbook>, String> {
    let entry = library
        .find(&recorded.name)
        .cloned()
        .or_else(|| {
            Path::new(&recorded.file)
                .is_file()
                .then(|| library::read_file(Path::new(&recorded.file)))
        })
        .ok_or_else(|| {
            format!(
                "run {run} followed runbook `{}` ({}), which ripcord cannot find now: put it back in a runbook_dirs directory",
                recorded.name, recorded.file
            )
        })?;
    let book = entry.loaded.clone().map_err(|problems| {
        format!(
            "{} no longer passes its checks ({}): fix it back to the version the run started with",
            entry.file,
            problems
                .first()
                .map(ToString::to_string)
                .unwrap_or_default()
        )
    })?;
    if book.sha256 != recorded.sha256 {
        return Err(format!(
            "{} has changed since run {run} started (SHA-256 {} then, {} now): resuming would follow different steps; restore that version, or start a new run",
            entry.file,
            short(&recorded.sha256),
            short(&book.sha256)
        ));
    }
    Ok(book)
}

fn short(hash: &str) -> &str {
    hash.get(..12).unwrap_or(hash)
}

/// The run's parameter values: the ones logged, with every secret that was given supplied
/// again in `given`. `sim_flag` is ` --sim` for a drill, for the command line it suggests.
fn params_for_resume(
    book: &Runbook,
    bound: &[BoundParam],
    given: &[(String, String)],
    run: &str,
    sim_flag: &str,
) -> Result<ParamValues, String> {
    let mut pairs: Vec<(String, String)> = Vec::new();
    for p in bound {
        let again = given.iter().find(|(n, _)| *n == p.name);
        match (p.secret, p.given, again) {
            (_, _, Some((n, v))) if p.secret => pairs.push((n.clone(), v.clone())),
            (_, _, Some(_)) => {
                return Err(format!(
                    "parameter `{}` was {} when run {run} started and cannot change now: leave out --param {}",
                    p.name, p.value, p.name
                ));
            }
            (true, true, None) => {
                return Err(format!(
                    "parameter `{}` is secret and was given when run {run} started; secrets are never written to the audit log, so give it again: ripcord runbook resume {run}{} --param {}=VALUE",
                    p.name, sim_flag, p.name
                ));
            }
            (false, true, None) => pairs.push((p.name.clone(), p.value.clone())),
            (_, false, None) => {}
        }
    }
    for (name, _) in given {
        if !bound.iter().any(|p| p.name == *name) {
            return Err(format!(
                "run {run} has no parameter `{name}` (its parameters: {})",
                bound
                    .iter()
                    .map(|p| p.name.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
    }
    params::resolve(book, &pairs).map_err(|problems| {
        problems
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("; ")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn aws(account: &str, who: &str) -> CallerIdentity {
        CallerIdentity::Known {
            arn: format!("arn:aws:sts::{account}:assumed-role/dr/{who}"),
            account: account.to_string(),
        }
    }

    fn unknown() -> CallerIdentity {
        CallerIdentity::Unknown {
            why: "sts:GetCallerIdentity failed".to_string(),
        }
    }

    #[test]
    fn a_drill_goes_on_only_against_the_simulator() {
        let sim = CallerIdentity::Simulated;
        assert!(same_source(&sim, &sim, "r").is_ok());
        for other in [aws("111111111111", "alice"), unknown()] {
            let why = same_source(&sim, &other, "r").expect_err("not on AWS");
            assert!(why.contains("drill against the simulated fleet"), "{why}");
        }
    }

    #[test]
    fn a_run_on_aws_goes_on_only_on_aws_and_on_the_same_account() {
        let alice = aws("111111111111", "alice");
        let why = same_source(&alice, &CallerIdentity::Simulated, "r").expect_err("not sim");
        assert!(why.contains("acted on AWS"), "{why}");
        assert!(
            same_source(&alice, &aws("111111111111", "bob"), "r").is_ok(),
            "a colleague on the same account takes over"
        );
        let why = same_source(&alice, &aws("222222222222", "alice"), "r").expect_err("other");
        assert!(
            why.contains("account 111111111111") && why.contains("account 222222222222"),
            "{why}"
        );
        // Where an identity could not be told, only the simulator is told apart.
        assert!(same_source(&alice, &unknown(), "r").is_ok());
        assert!(same_source(&unknown(), &alice, "r").is_ok());
        assert!(same_source(&unknown(), &CallerIdentity::Simulated, "r").is_err());
    }
}
