//! The index of an audit directory's runs, `runs.index`: one record when a run's file is
//! started (its nonce and its first record's hash) and one when it is sealed (its final head
//! and how many records it holds). It is hash-chained, appended and synced like a run's file
//! (the same `AuditWriter`, the same canonical JSON), so a run file deleted, cut short or put
//! in another's place no longer matches what the index says of it, and the index itself cannot
//! lose a record in its middle unnoticed (`ripcord audit verify` prints its head, too).
//!
//! Every ripcord writing to the directory appends to the same index, so an append takes an
//! exclusive lock on the file, reads its head from the file itself, then writes: two processes
//! never fork the chain.

use super::model::{GENESIS, Seal};
use super::verify::{split_lines, verify_complete};
use super::writer::{AuditError, AuditWriter, ensure_dir, sync_dir};
use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::fs::OpenOptions;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

/// Not `.jsonl`, so that it is never taken for a run's file.
pub const INDEX_FILE: &str = "runs.index";

pub fn path(dir: &Path) -> PathBuf {
    dir.join(INDEX_FILE)
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "kebab-case", deny_unknown_fields)]
pub enum IndexEvent {
    /// The run's file was started: its first record carries `nonce` and hashes to `first`.
    Started { nonce: String, first: String },
    /// The run was sealed: its file holds `records` records (the seal included) and ends at
    /// `head` (the seal's hash).
    Sealed {
        outcome: String,
        records: u64,
        head: String,
    },
}

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IndexRecord {
    pub seq: u64,
    pub at: Timestamp,
    pub run: String,
    /// The run's file name in the directory.
    pub file: String,
    pub event: IndexEvent,
    pub prev: String,
    pub hash: String,
}

#[derive(Serialize)]
struct Body<'a> {
    at: Timestamp,
    run: &'a str,
    file: &'a str,
    event: &'a IndexEvent,
}

/// Records that `run`'s file was started, with its nonce and first hash.
pub fn record_started(
    run_file: &Path,
    run: &str,
    at: Timestamp,
    nonce: &str,
    first: &str,
) -> Result<String, AuditError> {
    let event = IndexEvent::Started {
        nonce: nonce.to_string(),
        first: first.to_string(),
    };
    append(run_file, run, at, &event)
}

/// Records that `run`'s file was sealed, ending at `head` after `records` records.
pub fn record_sealed(
    run_file: &Path,
    run: &str,
    at: Timestamp,
    seal: &Seal,
    head: &str,
) -> Result<String, AuditError> {
    let event = IndexEvent::Sealed {
        outcome: seal.outcome.clone(),
        records: seal.records + 1,
        head: head.to_string(),
    };
    append(run_file, run, at, &event)
}

/// Appends one record to the index of `run_file`'s directory, under the index's lock.
fn append(
    run_file: &Path,
    run: &str,
    at: Timestamp,
    event: &IndexEvent,
) -> Result<String, AuditError> {
    let dir = run_file.parent().unwrap_or(Path::new("."));
    ensure_dir(dir)?;
    let path = path(dir);
    let existed = path.exists();
    let lock = OpenOptions::new()
        .read(true)
        .append(true)
        .create(true)
        .mode(0o600)
        .open(&path)
        .map_err(|e| AuditError::new(&path, "open the index", e))?;
    if !existed {
        sync_dir(dir)?;
    }
    // Held until the end of this function: another ripcord appends before or after, never
    // from the same head.
    lock.lock()
        .map_err(|e| AuditError::new(&path, "lock the index", e))?;
    let bytes = std::fs::read(&path).map_err(|e| AuditError::new(&path, "read the index", e))?;
    let lines = split_lines(&bytes);
    let verified = verify_complete(&lines.complete).map_err(|p| {
        AuditError::new(
            &path,
            "add to the index",
            format!(
                "line {}: {}: {}; nothing more is added to a damaged index: keep it as evidence under another name (`mv {} {}.damaged`) and a new one is started with the next run",
                p.line,
                p.kind.word(),
                p.detail,
                path.display(),
                path.display()
            ),
        )
    })?;
    let valid_len = lines.complete.iter().map(|l| l.len() as u64 + 1).sum();
    let mut writer =
        AuditWriter::continue_file(&path, valid_len, verified.records as u64, &verified.head)?;
    let file = run_file
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_default();
    let body = match serde_json::to_value(Body {
        at,
        run,
        file: &file,
        event,
    }) {
        Ok(serde_json::Value::Object(body)) => body,
        _ => {
            return Err(AuditError::new(
                &path,
                "encode an index record",
                "not an object",
            ));
        }
    };
    let hash = writer.append(body)?;
    drop(lock);
    Ok(hash)
}

/// What the index says of one run's file.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Indexed {
    pub run: String,
    /// When, the nonce and the first record's hash.
    pub started: Option<(Timestamp, String, String)>,
    /// When, the outcome, the records (the seal included) and the final head.
    pub sealed: Option<(Timestamp, String, u64, String)>,
}

/// An index read back, its chain verified.
#[derive(Debug, Clone, PartialEq)]
pub struct Index {
    pub path: PathBuf,
    pub records: usize,
    pub head: String,
    /// When its first record was written: a run file started later must be in it.
    pub since: Option<Timestamp>,
    /// By file name.
    pub runs: BTreeMap<String, Indexed>,
}

/// The directory's index, `None` when there is none; a damaged one is an error naming the
/// file, the line and what is wrong (as for a run's file).
pub fn read(dir: &Path) -> Result<Option<Index>, String> {
    let path = path(dir);
    let bytes = match std::fs::read(&path) {
        Ok(bytes) => bytes,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(format!("{}: cannot read it: {e}", path.display())),
    };
    let verified = super::verify::verify(&bytes, None).map_err(|p| {
        format!(
            "{}:{}: {}: {}",
            path.display(),
            p.line,
            p.kind.word(),
            p.detail
        )
    })?;
    let mut index = Index {
        path: path.clone(),
        records: verified.records,
        head: if verified.records == 0 {
            GENESIS.to_string()
        } else {
            verified.head
        },
        since: None,
        runs: BTreeMap::new(),
    };
    for (i, line) in split_lines(&bytes).complete.iter().enumerate() {
        let record: IndexRecord = serde_json::from_slice(line).map_err(|e| {
            format!(
                "{}:{}: the chain is sound but the record is not one this ripcord reads: {e}",
                path.display(),
                i + 1
            )
        })?;
        index.since.get_or_insert(record.at);
        let entry = index.runs.entry(record.file.clone()).or_default();
        entry.run = record.run.clone();
        match record.event {
            IndexEvent::Started { nonce, first } => {
                entry.started = Some((record.at, nonce, first));
            }
            IndexEvent::Sealed {
                outcome,
                records,
                head,
            } => entry.sealed = Some((record.at, outcome, records, head)),
        }
    }
    Ok(Some(index))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A private directory inside a temporary one (which may be open to others).
    struct PrivateDir(PathBuf);

    impl PrivateDir {
        fn path(&self) -> &Path {
            &self.0
        }
    }

    fn seal(records: u64) -> Seal {
        Seal {
            outcome: "finished".into(),
            records,
            head: "ab".repeat(32),
        }
    }

    #[test]
    fn appends_chain_from_the_file_and_read_back_by_run_file() {
        let root = tempfile::tempdir().expect("tempdir");
        let dir = &PrivateDir(root.path().join("audit"));
        let at: Timestamp = "2026-11-21T03:00:00Z".parse().expect("time");
        let a = dir.path().join("a.jsonl");
        let b = dir.path().join("b.jsonl");
        record_started(&a, "a", at, "n1", "f1").expect("a started");
        record_started(&b, "b", at, "n2", "f2").expect("b started");
        let head = record_sealed(&a, "a", at, &seal(9), "h1").expect("a sealed");
        let index = read(dir.path()).expect("sound").expect("there");
        assert_eq!((index.records, index.head.as_str()), (3, head.as_str()));
        assert_eq!(index.since, Some(at));
        let ia = &index.runs["a.jsonl"];
        assert_eq!(ia.started, Some((at, "n1".into(), "f1".into())));
        assert_eq!(ia.sealed, Some((at, "finished".into(), 10, "h1".into())));
        assert_eq!(index.runs["b.jsonl"].sealed, None);
        let mode = std::os::unix::fs::PermissionsExt::mode(
            &std::fs::metadata(path(dir.path()))
                .expect("meta")
                .permissions(),
        ) & 0o777;
        assert_eq!(mode, 0o600);
    }

    #[test]
    fn ripcords_appending_at_once_never_fork_the_chain() {
        let root = tempfile::tempdir().expect("tempdir");
        let dir = root.path().join("audit");
        let at: Timestamp = "2026-11-21T03:00:00Z".parse().expect("time");
        let writers: Vec<_> = (0..4)
            .map(|w| {
                let file = dir.join(format!("run-{w}.jsonl"));
                std::thread::spawn(move || {
                    for i in 0..25 {
                        record_started(&file, "run", at, &format!("{w}-{i}"), "f")
                            .expect("appended");
                    }
                })
            })
            .collect();
        for w in writers {
            w.join().expect("joined");
        }
        let index = read(&dir).expect("one whole chain").expect("there");
        assert_eq!(index.records, 100);
    }

    #[test]
    fn a_damaged_index_is_named_and_not_added_to() {
        let root = tempfile::tempdir().expect("tempdir");
        let dir = &PrivateDir(root.path().join("audit"));
        let at: Timestamp = "2026-11-21T03:00:00Z".parse().expect("time");
        let a = dir.path().join("a.jsonl");
        record_started(&a, "a", at, "n1", "f1").expect("started");
        record_started(&a, "a", at, "n1", "f1").expect("again");
        let text = std::fs::read_to_string(path(dir.path())).expect("read");
        let second = text.lines().nth(1).expect("line 2");
        std::fs::write(path(dir.path()), format!("{second}\n")).expect("write");
        let e = read(dir.path()).expect_err("damaged");
        assert!(e.contains("runs.index:1: "), "{e}");
        let e = record_sealed(&a, "a", at, &seal(1), "h").expect_err("refused");
        assert!(e.to_string().contains("line 1: "), "{e}");
        assert_eq!(
            std::fs::read_to_string(path(dir.path())).expect("read"),
            format!("{second}\n"),
            "left as it was"
        );
    }
}
