//! When the journal indexes and seals a run's file: the index learns of a file when its first
//! record (with the nonce) is on disk, and of its end when the run is over and nothing more can
//! be written to it. Then the seal is the file's last record, and its hash, the run's final
//! head, goes to the index and to the operator (for the incident ticket).

use super::index;
use super::writer::AuditWriter;
use crate::runbook::exec::log::LogEntry;
use crate::runbook::exec::{Run, RunOutcome, StepState};

/// After the first record of a file this process created: the index records its start.
pub fn index_if_first(writer: &AuditWriter, entry: &LogEntry) -> Result<(), String> {
    let Some(nonce) = writer.nonce() else {
        return Ok(());
    };
    if entry.seq != 1 {
        return Ok(());
    }
    index::record_started(writer.path(), &entry.run, entry.at, nonce, writer.head())
        .map(drop)
        .map_err(|e| e.to_string())
}

/// Seals the file when `run` is over, every entry of its log is on disk (`written_seq`), and
/// no step is still running, whose result would be recorded late; `closing` seals it even
/// then (the process is going away: no result will be recorded). Returns the final head when
/// it sealed the file.
pub fn seal_if_ended(
    writer: &mut AuditWriter,
    run: &Run,
    written_seq: u64,
    closing: bool,
) -> Result<Option<String>, String> {
    let Some((_, outcome)) = &run.state.finished else {
        return Ok(None);
    };
    let all_written = run.log.last().is_some_and(|e| e.seq == written_seq);
    let result_may_come = run
        .state
        .steps
        .iter()
        .any(|s| s.state == StepState::Running);
    if !all_written || (result_may_come && !closing) {
        return Ok(None);
    }
    let outcome = match outcome {
        RunOutcome::Completed => "finished",
        RunOutcome::Aborted(_) => "aborted",
    };
    let at = run.log.last().map_or(run.started_at(), |e| e.at);
    let (seal, head) = writer
        .seal(at, &run.id, outcome)
        .map_err(|e| e.to_string())?;
    index::record_sealed(writer.path(), &run.id, at, &seal, &head).map_err(|e| e.to_string())?;
    tracing::info!(run = %run.id, %head, "audit: run sealed");
    Ok(Some(head))
}
