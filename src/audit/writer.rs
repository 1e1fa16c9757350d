//! Appends records to one run's file, durably: each line is written whole and the file is
//! synced before `append` returns, so a record that `append` accepted survives a crash or a
//! power cut. The directory is created 0700 and synced when a file is created in it (so the
//! file's name survives too); files are 0600. A directory that group or others can read or
//! write is refused: its records could be read, or changed without trace, by them.
//!
//! A new file's first record carries a random `nonce`, so that no two runs' chains are alike
//! and a file put in another's place is told apart by the index (`index.rs`).

use super::model::{GENESIS, Seal, SealRecord, seal};
use jiff::Timestamp;
use std::fs::{DirBuilder, File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
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
    /// Put in the first record (a new file's): see the module's comment.
    nonce: Option<String>,
    /// Set by the first failed write: the file may now end in a partial line, so nothing more
    /// is appended to it by this process.
    broken: Option<AuditError>,
}

impl AuditWriter {
    /// Starts a run's file. It must not exist yet.
    pub fn create(dir: &Path, run: &str) -> Result<AuditWriter, AuditError> {
        ensure_dir(dir)?;
        let path = file_for(dir, run);
        let nonce = new_nonce().map_err(|e| AuditError::new(&path, "draw the run's nonce", e))?;
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
            nonce: Some(nonce),
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
            nonce: None,
            broken: None,
        })
    }

    pub fn next_seq(&self) -> u64 {
        self.next_seq
    }

    /// The nonce this file's first record carries (a file this writer created).
    pub fn nonce(&self) -> Option<&str> {
        self.nonce.as_deref()
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The hash of the last record written (`GENESIS` before the first).
    pub fn head(&self) -> &str {
        &self.head
    }

    /// The line the next record would be, and its hash.
    pub fn prepare(
        &self,
        mut body: serde_json::Map<String, serde_json::Value>,
    ) -> (String, String) {
        if let (1, Some(nonce)) = (self.next_seq, &self.nonce) {
            body.insert("nonce".to_string(), nonce.clone().into());
        }
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

    /// Ends the file with a seal over every record written so far (`outcome`: `finished` or
    /// `aborted`). Returns the seal and its hash, the file's final head.
    pub fn seal(
        &mut self,
        at: Timestamp,
        run: &str,
        outcome: &str,
    ) -> Result<(Seal, String), AuditError> {
        let seal = Seal {
            outcome: outcome.to_string(),
            records: self.next_seq - 1,
            head: self.head.clone(),
        };
        let hash = self.append(SealRecord::body(at, run, &seal))?;
        Ok((seal, hash))
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
/// new directory survives a crash. An existing one must be private (`check_private`).
pub fn ensure_dir(dir: &Path) -> Result<(), AuditError> {
    if dir.is_dir() {
        return check_private(dir);
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

/// Refuses a directory that group or others can read or write: they could read the records,
/// or delete and replace them. It is not changed here: the directory was given (`--audit-dir`)
/// and may be shared on purpose (`/tmp`), so the operator is told the command to run instead.
pub fn check_private(dir: &Path) -> Result<(), AuditError> {
    let mode = std::fs::metadata(dir)
        .map_err(|e| AuditError::new(dir, "read the directory's permissions", e))?
        .permissions()
        .mode()
        & 0o777;
    if mode & 0o066 == 0 {
        return Ok(());
    }
    Err(AuditError::new(
        dir,
        "keep records in it",
        format!(
            "group or others can read or write it (mode {mode:04o}), so they could read its records or delete and replace them: run `chmod 700 {}`, or give a private directory (--audit-dir or RIPCORD_AUDIT_DIR), then try again",
            dir.display()
        ),
    ))
}

/// A random nonce: 16 bytes from the operating system's generator, as hex.
fn new_nonce() -> io::Result<String> {
    use rand::TryRngCore;
    let mut bytes = [0u8; 16];
    rand::rngs::OsRng
        .try_fill_bytes(&mut bytes)
        .map_err(io::Error::other)?;
    Ok(hex::encode(bytes))
}

pub(crate) fn sync_dir(dir: &Path) -> Result<(), AuditError> {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).expect("meta").permissions().mode() & 0o777
    }

    #[test]
    fn a_new_directory_is_private_and_an_open_one_is_refused_naming_the_chmod() {
        let root = tempfile::tempdir().expect("tempdir");
        let dir = root.path().join("a/b/audit");
        ensure_dir(&dir).expect("created");
        assert_eq!(mode(&dir), 0o700);
        assert_eq!(mode(&root.path().join("a")), 0o700, "parents too");
        ensure_dir(&dir).expect("a private one is used");
        for open in [0o777, 0o755, 0o740, 0o704, 0o720, 0o702] {
            std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(open)).expect("chmod");
            let e = ensure_dir(&dir).expect_err("refused");
            let text = e.to_string();
            assert!(
                text.contains(&format!("chmod 700 {}", dir.display()))
                    && text.contains(&format!("mode {open:04o}")),
                "{text}"
            );
            assert_eq!(mode(&dir), open, "left as it was");
        }
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o711)).expect("chmod");
        ensure_dir(&dir).expect("others may pass through, not read or write");
    }

    #[test]
    fn only_the_first_record_of_a_new_file_carries_a_nonce_and_each_file_its_own() {
        let root = tempfile::tempdir().expect("tempdir");
        let dir = root.path().join("audit");
        let mut a = AuditWriter::create(&dir, "a").expect("a");
        let b = AuditWriter::create(&dir, "b").expect("b");
        let nonce = a.nonce().expect("drawn").to_string();
        assert_eq!(nonce.len(), 32);
        assert_ne!(Some(nonce.as_str()), b.nonce());
        a.append(serde_json::Map::new()).expect("1");
        a.append(serde_json::Map::new()).expect("2");
        let text = std::fs::read_to_string(file_for(&dir, "a")).expect("read");
        let lines: Vec<&str> = text.lines().collect();
        assert!(
            lines[0].contains(&format!("\"nonce\":\"{nonce}\"")),
            "{}",
            lines[0]
        );
        assert!(!lines[1].contains("nonce"), "{}", lines[1]);
    }
}
