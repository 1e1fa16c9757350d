//! Appends records to one run's file, durably: each line is written whole and the file is
//! synced before `append` returns, so a record that `append` accepted survives a crash or a
//! power cut. The directory is created 0700 and synced when a file is created in it (so the
//! file's name survives too); files are 0600.

use super::model::{GENESIS, seal};
use std::fs::{DirBuilder, File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

/// A write the audit log could not make. Actions stop when this happens (fail closed).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("audit log {path}: cannot {what}: {cause}")]
pub struct AuditError {
    pub path: PathBuf,
    pub what: String,
    pub cause: String,
}

impl AuditError {
    pub fn new(path: &Path, what: impl Into<String>, cause: impl ToString) -> Self {
        Self {
            path: path.to_path_buf(),
            what: what.into(),
            cause: cause.to_string(),
        }
    }
}

/// The file a run's records go to.
pub fn file_for(dir: &Path, run: &str) -> PathBuf {
    let safe: String = run
        .chars()
        .map(|c| if c == '/' || c == '\0' { '_' } else { c })
        .collect();
    dir.join(format!("{safe}.jsonl"))
}

pub struct AuditWriter {
    path: PathBuf,
    file: File,
    next_seq: u64,
    head: String,
    /// Set by the first failed write: the file may now end in a partial line, so nothing more
    /// is appended to it by this process.
    broken: Option<AuditError>,
}

impl AuditWriter {
    /// Starts a run's file. It must not exist yet.
    pub fn create(dir: &Path, run: &str) -> Result<AuditWriter, AuditError> {
        ensure_dir(dir)?;
        let path = file_for(dir, run);
        let file = OpenOptions::new()
            .append(true)
            .create_new(true)
            .mode(0o600)
            .open(&path)
            .map_err(|e| AuditError::new(&path, "create the file", e))?;
        sync_dir(dir)?;
        Ok(AuditWriter {
            path,
            file,
            next_seq: 1,
            head: GENESIS.to_string(),
            broken: None,
        })
    }

    /// Goes on with an existing file whose chain was verified up to `valid_len` bytes, ending
    /// at record `last_seq` with hash `head`. Bytes after `valid_len` (a torn last line) are cut
    /// off first, so the chain stays whole.
    pub fn continue_file(
        path: &Path,
        valid_len: u64,
        last_seq: u64,
        head: &str,
    ) -> Result<AuditWriter, AuditError> {
        let file = OpenOptions::new()
            .read(true)
            .write(true)
            .open(path)
            .map_err(|e| AuditError::new(path, "open the file to go on with it", e))?;
        let len = file
            .metadata()
            .map_err(|e| AuditError::new(path, "read the file's size", e))?
            .len();
        if len > valid_len {
            file.set_len(valid_len)
                .map_err(|e| AuditError::new(path, "discard the torn last line", e))?;
            file.sync_all()
                .map_err(|e| AuditError::new(path, "sync the file", e))?;
        }
        drop(file);
        let file = OpenOptions::new()
            .append(true)
            .open(path)
            .map_err(|e| AuditError::new(path, "open the file for appending", e))?;
        Ok(AuditWriter {
            path: path.to_path_buf(),
            file,
            next_seq: last_seq + 1,
            head: head.to_string(),
            broken: None,
        })
    }

    pub fn next_seq(&self) -> u64 {
        self.next_seq
    }

    /// The line the next record would be, and its hash.
    pub fn prepare(&self, body: serde_json::Map<String, serde_json::Value>) -> (String, String) {
        seal(body, self.next_seq, &self.head)
    }

    /// Appends a record and syncs the file. Returns its hash.
    pub fn append(
        &mut self,
        body: serde_json::Map<String, serde_json::Value>,
    ) -> Result<String, AuditError> {
        let (line, hash) = self.prepare(body);
        self.write_line(&line, &hash)?;
        Ok(hash)
    }

    /// Writes a prepared line (from `prepare`) with its newline, in one write, and syncs.
    pub fn write_line(&mut self, line: &str, hash: &str) -> Result<(), AuditError> {
        if let Some(broken) = &self.broken {
            return Err(broken.clone());
        }
        let mut bytes = Vec::with_capacity(line.len() + 1);
        bytes.extend_from_slice(line.as_bytes());
        bytes.push(b'\n');
        let written = self
            .file
            .write_all(&bytes)
            .and_then(|()| self.file.sync_all());
        if let Err(e) = written {
            let error = AuditError::new(&self.path, "append a record", e);
            self.broken = Some(error.clone());
            return Err(error);
        }
        self.next_seq += 1;
        self.head = hash.to_string();
        Ok(())
    }

    /// Test hook only: writes the first half of a line and syncs it, as a crash in the middle
    /// of a write would leave it.
    pub fn write_torn_for_test(&mut self, line: &str) -> Result<(), AuditError> {
        let half = &line.as_bytes()[..line.len() / 2];
        self.file
            .write_all(half)
            .and_then(|()| self.file.sync_all())
            .map_err(|e| AuditError::new(&self.path, "write the torn test line", e))
    }
}

/// Creates the directory (0700, parents too) when it is missing, and syncs its parent so the
/// new directory survives a crash.
pub fn ensure_dir(dir: &Path) -> Result<(), AuditError> {
    if dir.is_dir() {
        return Ok(());
    }
    DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|e| AuditError::new(dir, "create the directory", e))?;
    if let Some(parent) = dir.parent().filter(|p| !p.as_os_str().is_empty()) {
        sync_dir(parent)?;
    }
    Ok(())
}

fn sync_dir(dir: &Path) -> Result<(), AuditError> {
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| AuditError::new(dir, "sync the directory", e))
}

/// Reads a file whole, naming it in the error.
pub fn read(path: &Path) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| match e.kind() {
        io::ErrorKind::NotFound => format!("{}: no such audit log", path.display()),
        _ => format!("{}: cannot read it: {e}", path.display()),
    })
}
