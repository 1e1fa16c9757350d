//! Reading a run's file back: its chain verified, its records parsed. A torn last line (a
//! write cut short by a crash) is set aside and reported, so a run can be resumed after one;
//! any other damage is an error naming the file and the line. An ended run's last record is
//! its seal (`model::Seal`), kept apart from the run log's records.

use super::model::{GENESIS, Record, SealRecord};
use super::verify::{split_lines, verify_complete};
use super::writer;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone)]
pub struct RunFile {
    pub path: PathBuf,
    /// The run log's records (the seal is not one of them).
    pub records: Vec<Record>,
    /// The seal, when the run ended and was sealed.
    pub seal: Option<SealRecord>,
    /// The last record's hash: the seal's, once there is one.
    pub head: String,
    /// Where the complete lines end: a torn tail starts here.
    pub valid_len: u64,
    pub torn: Option<TornTail>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TornTail {
    pub line: usize,
    pub bytes: Vec<u8>,
}

impl TornTail {
    /// For the record that notes it was discarded: where, how long, and what it said.
    pub fn describe(&self) -> String {
        format!(
            "line {}, {} bytes with no newline (a write cut short by a crash): {}",
            self.line,
            self.bytes.len(),
            String::from_utf8_lossy(&self.bytes)
        )
    }
}

impl RunFile {
    pub fn last_seq(&self) -> u64 {
        self.records.last().map_or(0, |r| r.seq)
    }

    pub fn first(&self) -> Option<&Record> {
        self.records.first()
    }

    /// The nonce of the first record (none in a file written before the index).
    pub fn nonce(&self) -> Option<&str> {
        self.first().and_then(|r| r.nonce.as_deref())
    }

    /// Whether the run ended (finished or aborted).
    pub fn is_over(&self) -> bool {
        self.records.iter().any(|r| r.event.ends_run())
    }
}

/// Reads and verifies a run's file.
pub fn read_run(path: &Path) -> Result<RunFile, String> {
    let bytes = writer::read(path)?;
    parse(path, &bytes)
}

/// Verifies and parses the bytes of the run file at `path` (named in errors).
pub fn parse(path: &Path, bytes: &[u8]) -> Result<RunFile, String> {
    let lines = split_lines(bytes);
    let verified = verify_complete(&lines.complete).map_err(|p| {
        format!(
            "{}:{}: {}: {}",
            path.display(),
            p.line,
            p.kind.word(),
            p.detail
        )
    })?;
    let mut records = Vec::with_capacity(lines.complete.len());
    let mut seal: Option<SealRecord> = None;
    for (i, line) in lines.complete.iter().enumerate() {
        let unreadable = |e: serde_json::Error| {
            format!(
                "{}:{}: the chain is sound but the record is not one this ripcord reads: {e}",
                path.display(),
                i + 1
            )
        };
        if let Some(sealed) = &seal {
            return Err(format!(
                "{}:{}: inserted: the run was sealed at line {} and nothing follows a seal",
                path.display(),
                i + 1,
                sealed.seq
            ));
        }
        if is_seal(line) {
            let sealed: SealRecord = serde_json::from_slice(line).map_err(unreadable)?;
            if !sealed.matches_chain() {
                return Err(format!(
                    "{}:{}: modified: the seal says {} records ending at {}, which is not what it follows",
                    path.display(),
                    i + 1,
                    sealed.seal.records,
                    sealed.seal.head
                ));
            }
            seal = Some(sealed);
            continue;
        }
        records.push(serde_json::from_slice(line).map_err(unreadable)?);
    }
    let valid_len = lines.complete.iter().map(|l| l.len() as u64 + 1).sum();
    Ok(RunFile {
        path: path.to_path_buf(),
        head: if records.is_empty() && seal.is_none() {
            GENESIS.to_string()
        } else {
            verified.head
        },
        records,
        seal,
        valid_len,
        torn: lines.torn.map(|t| TornTail {
            line: lines.complete.len() + 1,
            bytes: t.to_vec(),
        }),
    })
}

/// Whether a (sound) line is a seal rather than a run-log record.
fn is_seal(line: &[u8]) -> bool {
    serde_json::from_slice::<serde_json::Value>(line)
        .ok()
        .is_some_and(|v| v.get("seal").is_some())
}
