//! The runs in an audit directory: which there are, how far each got, which are unfinished
//! (and whether another ripcord is carrying one out now).

use super::lock::RunLock;
use super::read::{RunFile, read_run};
use crate::runbook::act::port::CallerIdentity;
use crate::runbook::exec::log::LogEvent;
use jiff::Timestamp;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RunState {
    Finished { within_rto: bool },
    Aborted(String),
    Unfinished,
}

/// One run, as `audit show` lists it and the cockpit offers it.
#[derive(Debug, Clone, PartialEq)]
pub struct RunSummary {
    pub id: String,
    pub path: PathBuf,
    pub runbook: String,
    pub started: Timestamp,
    pub last: Timestamp,
    pub records: usize,
    pub state: RunState,
    /// The title of the last step reached.
    pub at_step: Option<String>,
    /// A step whose intent has no result after it.
    pub in_doubt: Option<String>,
    /// Who holds the run's lock now (another ripcord carrying it out).
    pub locked_by: Option<String>,
    /// The file ends in a torn line (discarded on resume).
    pub torn: bool,
    /// Whose credentials the run started with: the simulator's, or an AWS identity.
    pub acted_as: CallerIdentity,
}

impl RunSummary {
    pub fn from_file(dir: &Path, file: &RunFile) -> Option<RunSummary> {
        let first = file.first()?;
        let last = file.records.last()?;
        let mut state = RunState::Unfinished;
        let mut at_step = None;
        let mut sent: BTreeMap<String, bool> = BTreeMap::new();
        for r in &file.records {
            match &r.event {
                LogEvent::StepReached { title } => at_step = Some(title.clone()),
                LogEvent::RunFinished { within_rto, .. } => {
                    state = RunState::Finished {
                        within_rto: *within_rto,
                    }
                }
                LogEvent::RunAborted { reason, .. } => state = RunState::Aborted(reason.clone()),
                _ => {}
            }
            if let Some(step) = &r.step {
                match &r.event {
                    LogEvent::Intent { .. } => {
                        sent.insert(step.clone(), true);
                    }
                    // A decision on a step in doubt settles nothing by itself: what follows it
                    // (the intent again, or the step done) does, as in the run's own fold.
                    LogEvent::StepDone { .. }
                    | LogEvent::StepFailed { .. }
                    | LogEvent::StepSkipped { .. }
                    | LogEvent::LateResult { .. } => {
                        sent.insert(step.clone(), false);
                    }
                    _ => {}
                }
            }
        }
        let in_doubt = sent
            .into_iter()
            .find(|(_, waiting)| *waiting)
            .map(|(step, _)| step);
        Some(RunSummary {
            id: first.run.clone(),
            path: file.path.clone(),
            runbook: first.runbook.name.clone(),
            started: first.at,
            last: last.at,
            records: file.records.len(),
            in_doubt: if state == RunState::Unfinished {
                in_doubt
            } else {
                None
            },
            state,
            at_step,
            locked_by: RunLock::holder(dir, &first.run),
            torn: file.torn.is_some(),
            acted_as: first.operator.aws.clone(),
        })
    }

    pub fn state_word(&self) -> String {
        match &self.state {
            RunState::Finished { within_rto: true } => "finished within RTO".to_string(),
            RunState::Finished { within_rto: false } => "finished, RTO MISSED".to_string(),
            RunState::Aborted(_) => "aborted".to_string(),
            RunState::Unfinished if self.locked_by.is_some() => "running elsewhere".to_string(),
            RunState::Unfinished if self.in_doubt.is_some() => "unfinished, IN DOUBT".to_string(),
            RunState::Unfinished => "unfinished".to_string(),
        }
    }
}

/// The run files in `dir`, oldest first (a missing directory holds none).
pub fn files(dir: &Path) -> Result<Vec<PathBuf>, String> {
    let listing = match std::fs::read_dir(dir) {
        Ok(listing) => listing,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => {
            return Err(format!(
                "{}: cannot list the audit directory: {e}",
                dir.display()
            ));
        }
    };
    let mut paths: Vec<PathBuf> = listing
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
        .collect();
    paths.sort();
    Ok(paths)
}

/// Every run in `dir`, with the files that could not be read (and why).
pub fn list(dir: &Path) -> Result<(Vec<RunSummary>, Vec<String>), String> {
    let mut runs = Vec::new();
    let mut problems = Vec::new();
    for path in files(dir)? {
        match read_run(&path) {
            Ok(file) => match RunSummary::from_file(dir, &file) {
                Some(summary) => runs.push(summary),
                None => problems.push(format!("{}: holds no records", path.display())),
            },
            Err(e) => problems.push(e),
        }
    }
    runs.sort_by_key(|r| r.started);
    Ok((runs, problems))
}

/// The unfinished runs in `dir` that may go on with actions whose credentials are `now`
/// (`resume::same_source`): what a cockpit offers to resume.
pub fn unfinished_for(dir: &Path, now: &CallerIdentity) -> Vec<RunSummary> {
    unfinished(dir)
        .into_iter()
        .filter(|r| super::resume::same_source(&r.acted_as, now, &r.id).is_ok())
        .collect()
}

/// The unfinished runs in `dir`, for the cockpit and `runbook resume` to offer.
pub fn unfinished(dir: &Path) -> Vec<RunSummary> {
    list(dir)
        .map(|(runs, _)| {
            runs.into_iter()
                .filter(|r| r.state == RunState::Unfinished)
                .collect()
        })
        .unwrap_or_default()
}

/// The file of a run given by id (in `dir`) or by path.
pub fn locate(dir: &Path, arg: &str) -> Result<PathBuf, String> {
    let as_path = Path::new(arg);
    if as_path.is_file() {
        return Ok(as_path.to_path_buf());
    }
    let in_dir = super::writer::file_for(dir, arg);
    if in_dir.is_file() {
        return Ok(in_dir);
    }
    let known: Vec<String> = files(dir)
        .unwrap_or_default()
        .iter()
        .filter_map(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
        .collect();
    let hint = if known.is_empty() {
        "it holds no runs".to_string()
    } else {
        format!(
            "`ripcord audit show` lists them (newest: {})",
            known.last().map_or("", |s| s)
        )
    };
    Err(format!(
        "no run `{arg}` in {} ({hint}); give a run id or the path of a .jsonl file",
        dir.display()
    ))
}
