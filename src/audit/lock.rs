//! One process at a time executes a run: an exclusive advisory lock (`flock`, through std's
//! `File::try_lock`) on `<dir>/<run>.lock`, held for as long as the run's journal is open and
//! released by the kernel when the process ends, however it ends (kill -9 included). The file
//! says who holds it; it is left in place afterwards (removing a lock file while another
//! process opens it would let two of them lock different files).

use std::fs::{File, OpenOptions, TryLockError};
use std::io::{Read, Seek, SeekFrom, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

pub struct RunLock {
    _file: File,
    pub path: PathBuf,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LockError {
    /// Another process holds it; what its lock file says about it.
    Held(String),
    Io(String),
}

impl LockError {
    pub fn describe(&self, run: &str) -> String {
        match self {
            LockError::Held(holder) => format!(
                "run {run} is being carried out by another ripcord ({holder}): two cannot run it at once; watch it with `ripcord audit show {run} --follow`"
            ),
            LockError::Io(e) => e.clone(),
        }
    }
}

pub fn lock_path(dir: &Path, run: &str) -> PathBuf {
    let file = super::writer::file_for(dir, run);
    file.with_extension("lock")
}

impl RunLock {
    /// Takes the run's lock, or says who has it.
    pub fn acquire(dir: &Path, run: &str) -> Result<RunLock, LockError> {
        super::writer::ensure_dir(dir).map_err(|e| LockError::Io(e.to_string()))?;
        let path = lock_path(dir, run);
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .mode(0o600)
            .open(&path)
            .map_err(|e| LockError::Io(format!("{}: cannot open the lock: {e}", path.display())))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => return Err(LockError::Held(read_holder(&mut file))),
            Err(TryLockError::Error(e)) => {
                return Err(LockError::Io(format!(
                    "{}: cannot lock it: {e}",
                    path.display()
                )));
            }
        }
        let holder = format!(
            "pid {} on {} since {}",
            std::process::id(),
            super::identity::host(),
            jiff::Timestamp::now().strftime("%Y-%m-%dT%H:%M:%SZ")
        );
        let written = file
            .set_len(0)
            .and_then(|()| file.seek(SeekFrom::Start(0)))
            .and_then(|_| file.write_all(holder.as_bytes()))
            .and_then(|()| file.sync_all());
        written.map_err(|e| LockError::Io(format!("{}: cannot write it: {e}", path.display())))?;
        Ok(RunLock { _file: file, path })
    }

    /// Who holds the run's lock now, if anyone.
    pub fn holder(dir: &Path, run: &str) -> Option<String> {
        let mut file = File::open(lock_path(dir, run)).ok()?;
        match file.try_lock_shared() {
            Ok(()) => {
                let _ = file.unlock();
                None
            }
            Err(TryLockError::WouldBlock) => Some(read_holder(&mut file)),
            Err(TryLockError::Error(_)) => None,
        }
    }
}

impl Drop for RunLock {
    /// Unlocks before the file is closed: the lock belongs to the open file, which a child
    /// forked meanwhile (a shell step) holds a copy of until it execs; closing ours alone would
    /// leave the run locked for as long as that copy lives.
    fn drop(&mut self) {
        let _ = self._file.unlock();
    }
}

fn read_holder(file: &mut File) -> String {
    let mut text = String::new();
    let _ = file.read_to_string(&mut text);
    let text = text.trim();
    if text.is_empty() {
        "a process that has not said who it is".to_string()
    } else {
        text.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A process that forks (a shell step, in this cockpit or in a test beside it) gives the
    /// child a copy of every open descriptor until it execs; the lock belongs to the open file,
    /// so closing ours alone left it held by that copy, and a cockpit opening the run right
    /// after was told another ripcord has it. Dropping the lock unlocks it first.
    #[test]
    fn a_dropped_lock_is_free_at_once_even_while_a_copy_of_its_descriptor_is_open() {
        let root = tempfile::tempdir().expect("tempdir");
        let dir = root.path().join("audit");
        let lock = RunLock::acquire(&dir, "r-1").expect("locks");
        let inherited = lock
            ._file
            .try_clone()
            .expect("a copy, as a forked child has");
        drop(lock);
        let again = RunLock::acquire(&dir, "r-1");
        assert!(again.is_ok(), "{:?}", again.err());
        drop(inherited);
    }

    #[test]
    fn a_second_lock_on_the_same_run_is_refused_and_names_the_holder() {
        let root = tempfile::tempdir().expect("tempdir");
        let dir = root.path().join("audit");
        let first = RunLock::acquire(&dir, "drill-1").expect("free");
        let Err(LockError::Held(holder)) = RunLock::acquire(&dir, "drill-1") else {
            panic!("the second lock must be refused")
        };
        assert!(
            holder.contains(&format!("pid {}", std::process::id())),
            "{holder}"
        );
        assert!(RunLock::holder(&dir, "drill-1").is_some());
        assert!(
            RunLock::acquire(&dir, "drill-2").is_ok(),
            "other runs are free"
        );
        drop(first);
        assert_eq!(RunLock::holder(&dir, "drill-1"), None);
        assert!(
            RunLock::acquire(&dir, "drill-1").is_ok(),
            "released on drop"
        );
    }
}
