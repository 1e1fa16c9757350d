//! A run's file against what its directory's index says of it: the losses a whole chain does
//! not show. A file whose first record is not the one the index recorded was `replaced`; one
//! that ends before the head the index recorded at its seal, or that ended without its seal,
//! was `truncated`; a file the index should know and does not is `unindexed`; a run the index
//! knows whose file is gone was `deleted` (`deleted_runs`). A run that has not ended is `open`:
//! interrupted, resumable, not damaged. Files from before the index (no nonce) are said to
//! predate it.

use super::super::index::{Index, Indexed};
use super::super::read::RunFile;
use super::{Problem, ProblemKind, Verified};
use std::path::Path;

/// What is known of the index of a file's directory.
#[derive(Debug, Clone)]
pub enum IndexLookup {
    Missing,
    Read(Index),
    /// Damaged: reported once, on its own; files are then checked without it.
    Damaged(String),
}

impl IndexLookup {
    pub fn of(dir: &Path) -> IndexLookup {
        match super::super::index::read(dir) {
            Ok(Some(index)) => IndexLookup::Read(index),
            Ok(None) => IndexLookup::Missing,
            Err(e) => IndexLookup::Damaged(e),
        }
    }
}

/// Judges a file whose chain is whole (`verified`, `file` parsed from it). `named_by_path`: a
/// file given by its path (a copy kept elsewhere may have no index beside it). Ok is the
/// state to print (`sealed`, `open`, ...).
pub fn judge(
    path: &Path,
    file: &RunFile,
    verified: &Verified,
    lookup: &IndexLookup,
    named_by_path: bool,
) -> Result<String, Problem> {
    let lines = verified.records;
    let problem = |line: usize, kind: ProblemKind, detail: String| Problem {
        line: line.max(1),
        kind,
        detail,
    };
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let dir = path.parent().unwrap_or(Path::new("."));
    let ended_unsealed = || {
        file.records
            .iter()
            .find(|r| r.event.ends_run())
            .filter(|_| file.seal.is_none())
            .map(|r| {
                problem(
                    lines,
                    ProblemKind::Truncated,
                    format!(
                        "the run ended ({} at record {}) but its seal is missing: records were cut off its end",
                        r.event.kind(),
                        r.seq
                    ),
                )
            })
    };
    let Some(nonce) = file.nonce() else {
        // Written before the index. Once there is one, a run started after it must be in it.
        if let IndexLookup::Read(index) = lookup
            && !index.runs.contains_key(&name)
            && let (Some(since), Some(first)) = (index.since, file.first())
            && first.at >= since
        {
            return Err(problem(
                1,
                ProblemKind::Unindexed,
                format!(
                    "it has no nonce, yet it started ({}) after the index began ({since}): ripcord did not write it",
                    first.at
                ),
            ));
        }
        return Ok("predates the index (no nonce, no seal)".to_string());
    };
    let index = match lookup {
        IndexLookup::Read(index) => index,
        IndexLookup::Damaged(_) => {
            return match ended_unsealed() {
                Some(p) => Err(p),
                None => Ok(format!(
                    "{}, not checked against the damaged index",
                    state(file)
                )),
            };
        }
        IndexLookup::Missing if named_by_path => {
            return match ended_unsealed() {
                Some(p) => Err(p),
                None => Ok(format!(
                    "{}, no index beside it to check it against",
                    state(file)
                )),
            };
        }
        IndexLookup::Missing => {
            return Err(problem(
                1,
                ProblemKind::Unindexed,
                format!(
                    "its first record has a nonce, so the run was recorded in {}, which is gone: the index was deleted",
                    super::super::index::path(dir).display()
                ),
            ));
        }
    };
    let Some(indexed) = index.runs.get(&name) else {
        return Err(problem(
            1,
            ProblemKind::Unindexed,
            format!(
                "{} has no record of this run: the file was put there afterwards, or the index lost its last records",
                index.path.display()
            ),
        ));
    };
    check_start(file, nonce, indexed).map_err(|d| problem(1, ProblemKind::Replaced, d))?;
    match &indexed.sealed {
        Some((at, outcome, records, head)) => {
            let (records, have) = (*records as usize, verified.records);
            if *head == verified.head && records == have {
                return Ok(format!("sealed ({outcome})"));
            }
            let told = format!(
                "the index recorded it sealed ({outcome}) at {at} with {records} records ending at {head}, and the file holds {have} ending at {}",
                verified.head
            );
            Err(if have < records {
                problem(
                    lines,
                    ProblemKind::Truncated,
                    format!("{told}: records were cut off its end"),
                )
            } else if have > records {
                problem(
                    records + 1,
                    ProblemKind::Inserted,
                    format!("{told}: records were added after its seal"),
                )
            } else {
                problem(
                    lines,
                    ProblemKind::Replaced,
                    format!("{told}: its records were rewritten"),
                )
            })
        }
        None if file.seal.is_some() => Err(problem(
            lines,
            ProblemKind::Unindexed,
            "it is sealed but the index has no record of the seal: the index lost its last records, or ripcord stopped between the two writes".to_string(),
        )),
        None => match ended_unsealed() {
            Some(p) => Err(p),
            None => Ok(state(file)),
        },
    }
}

/// The first record is the one the index recorded when the run started.
fn check_start(file: &RunFile, nonce: &str, indexed: &Indexed) -> Result<(), String> {
    let Some((at, want_nonce, want_first)) = &indexed.started else {
        return Ok(());
    };
    let first = file.first().map(|r| r.hash.as_str()).unwrap_or_default();
    if nonce == want_nonce && first == want_first {
        return Ok(());
    }
    Err(format!(
        "its first record (nonce {nonce}) is not the one the index recorded when the run started at {at} (nonce {want_nonce}, hash {want_first}): another chain was put in its place"
    ))
}

fn state(file: &RunFile) -> String {
    match (&file.seal, file.is_over()) {
        (Some(seal), _) => format!("sealed ({})", seal.seal.outcome),
        (None, false) => "open (not ended: it can be resumed)".to_string(),
        (None, true) => "ended".to_string(),
    }
}

/// The runs the index knows whose files are gone, one line each.
pub fn deleted_runs(dir: &Path, index: &Index) -> Vec<String> {
    index
        .runs
        .iter()
        .filter(|(name, _)| !dir.join(name).exists())
        .map(|(name, indexed)| {
            let mut line = format!(
                "run {}: deleted (the index records it started at ",
                indexed.run
            );
            match &indexed.started {
                Some((at, _, _)) => line.push_str(&at.to_string()),
                None => line.push_str("an unknown time"),
            }
            if let Some((at, outcome, records, head)) = &indexed.sealed {
                line.push_str(&format!(
                    " and was sealed ({outcome}) at {at} with {records} records, head {head}"
                ));
            }
            line.push_str(&format!("; its file {name} is gone)"));
            line
        })
        .collect()
}
