//! Logs go to a file, never to the terminal the cockpit owns. `RIPCORD_LOG` sets the filter
//! (e.g. `debug`, `ripcord=trace`); the default is `info`.

use std::io::Write;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};
use tracing_appender::non_blocking::{NonBlockingBuilder, WorkerGuard};
use tracing_appender::rolling::{RollingFileAppender, Rotation};
use tracing_subscriber::EnvFilter;

/// Lines waiting for the writer thread at most (`init`).
const BUFFERED_LINES: usize = 8_192;

/// Keep this alive for as long as logs should be written; dropping it flushes them.
pub struct LogGuard {
    _worker: WorkerGuard,
    pub dir: PathBuf,
}

/// Starts logging to daily files `ripcord.YYYY-MM-DD.log` in `dir` (two weeks kept).
/// An error here is reported by the caller and ripcord runs on without a log file.
pub fn init(dir: &Path) -> Result<LogGuard, String> {
    let appender = open(dir)?;
    // The channel to the writer thread holds its lines in a ring allocated up front:
    // tracing-appender's default of 128,000 lines is 4 MB held from start to exit, for a
    // program that logs a line per change of a feed's state. A burst past the limit drops
    // lines (counted by tracing-appender), never blocks the UI.
    let (writer, worker) = NonBlockingBuilder::default()
        .buffered_lines_limit(BUFFERED_LINES)
        .finish(appender);
    let filter = EnvFilter::try_from_env("RIPCORD_LOG").unwrap_or_else(|_| EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .with_ansi(false)
        .try_init()
        .map_err(|e| format!("cannot start logging: {e}"))?;
    Ok(LogGuard {
        _worker: worker,
        dir: dir.to_path_buf(),
    })
}

/// The daily files in `dir`, as the logger writes them: the directory private (0700, made so
/// when ripcord creates it; one that group or others can read is refused with the `chmod` to
/// run), and each day's file 0600, whatever the umask.
fn open(dir: &Path) -> Result<PrivateDaily, String> {
    if dir.is_dir() {
        check_private(dir)?;
    } else {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(|e| format!("cannot create log directory {}: {e}", dir.display()))?;
    }
    // The appender opens today's file as it is built: made first, it is made private.
    let today = utc_day();
    prepare_day(dir, today)?;
    let appender = RollingFileAppender::builder()
        .rotation(Rotation::DAILY)
        .filename_prefix(PREFIX)
        .filename_suffix(SUFFIX)
        .max_log_files(14)
        .build(dir)
        .map_err(|e| format!("cannot open a log file in {}: {e}", dir.display()))?;
    Ok(PrivateDaily {
        appender,
        dir: dir.to_path_buf(),
        day: today,
    })
}

const PREFIX: &str = "ripcord";
const SUFFIX: &str = "log";

/// The day the appender names its file by (it rotates on UTC days).
fn utc_day() -> jiff::civil::Date {
    jiff::Timestamp::now()
        .to_zoned(jiff::tz::TimeZone::UTC)
        .date()
}

fn check_private(dir: &Path) -> Result<(), String> {
    let mode = std::fs::metadata(dir)
        .map_err(|e| format!("cannot read the permissions of {}: {e}", dir.display()))?
        .permissions()
        .mode()
        & 0o777;
    if mode & 0o066 == 0 {
        return Ok(());
    }
    Err(format!(
        "log directory {} is open to group or others (mode {mode:04o}) and the log names accounts and resources: run `chmod 700 {}`, or set RIPCORD_LOG_DIR to a private directory",
        dir.display(),
        dir.display()
    ))
}

/// Creates `day`'s file with mode 0600 if it is not there, so the appender, which creates
/// files with the umask's mode, only ever opens a private one.
fn prepare_day(dir: &Path, day: jiff::civil::Date) -> Result<(), String> {
    let path = dir.join(format!("{PREFIX}.{}.{SUFFIX}", day.strftime("%Y-%m-%d")));
    std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .mode(0o600)
        .open(&path)
        .map(drop)
        .map_err(|e| format!("cannot create log file {}: {e}", path.display()))
}

/// The rolling appender, with each new day's file made private just before the appender
/// rolls over to it (on the first line written that day).
pub struct PrivateDaily {
    appender: RollingFileAppender,
    dir: PathBuf,
    day: jiff::civil::Date,
}

impl Write for PrivateDaily {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let today = utc_day();
        if today != self.day {
            // Best effort: a file that cannot be made here is made by the appender, which
            // reports its own error.
            let _ = prepare_day(&self.dir, today);
            self.day = today;
        }
        self.appender.write(buf)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.appender.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path)
            .expect("exists")
            .permissions()
            .mode()
            & 0o777
    }

    /// The log can hold account ids, resource names and AWS's error messages: what ripcord
    /// creates for it is for its user only, whatever the umask.
    #[test]
    fn the_log_directory_is_0700_and_each_days_file_0600() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let dir = tmp.path().join("state/logs");
        let mut writer = open(&dir).expect("opens");
        writer.write_all(b"a line\n").expect("writes");
        writer.flush().expect("flushes");
        assert_eq!(mode(&dir), 0o700);
        let files: Vec<_> = std::fs::read_dir(&dir)
            .expect("readable")
            .map(|e| e.expect("entry").path())
            .collect();
        assert_eq!(files.len(), 1, "{files:?}");
        assert_eq!(mode(&files[0]), 0o600, "{}", files[0].display());
        assert_eq!(
            std::fs::read_to_string(&files[0]).expect("readable"),
            "a line\n"
        );
        // The next day's file, made before the appender opens it at midnight.
        let tomorrow = jiff::civil::date(2031, 1, 2);
        prepare_day(&dir, tomorrow).expect("prepared");
        assert_eq!(mode(&dir.join("ripcord.2031-01-02.log")), 0o600);
    }

    #[test]
    fn a_log_directory_others_can_read_is_refused_naming_the_chmod() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let dir = tmp.path().join("logs");
        std::fs::create_dir(&dir).expect("mkdir");
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).expect("chmod");
        let err = open(&dir).err().expect("refused");
        assert!(
            err.contains(&format!("chmod 700 {}", dir.display())),
            "{err}"
        );
        assert_eq!(std::fs::read_dir(&dir).expect("readable").count(), 0);
    }
}
