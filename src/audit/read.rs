//! Reading a run's file back: its chain verified, its records parsed. A torn last line (a
//! write cut short by a crash) is set aside and reported, so a run can be resumed after one;
//! any other damage is an error naming the file and the line.

use super::model::{GENESIS, Record};
use super::verify::{split_lines, verify_complete};
use super::writer;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone)]
pub struct RunFile {
    pub path: PathBuf,
    pub records: Vec<Record>,
    /// The last record's hash.
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

    /// Whether the run ended (finished or aborted).
    pub fn is_over(&self) -> bool {
        self.records.iter().any(|r| r.event.ends_run())
    }
}

/// Reads and verifies a run's file.
pub fn read_run(path: &Path) -> Result<RunFile, String> {
    let bytes = writer::read(path)?;
    let lines = split_lines(&bytes);
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
    for (i, line) in lines.complete.iter().enumerate() {
        let record: Record = serde_json::from_slice(line).map_err(|e| {
            format!(
                "{}:{}: the chain is sound but the record is not one this ripcord reads: {e}",
                path.display(),
                i + 1
            )
        })?;
        records.push(record);
    }
    let valid_len = lines.complete.iter().map(|l| l.len() as u64 + 1).sum();
    Ok(RunFile {
        path: path.to_path_buf(),
        head: if records.is_empty() {
            GENESIS.to_string()
        } else {
            verified.head
        },
        records,
        valid_len,
        torn: lines.torn.map(|t| TornTail {
            line: lines.complete.len() + 1,
            bytes: t.to_vec(),
        }),
    })
}
