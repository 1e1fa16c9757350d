//! Logs go to a file, never to the terminal the cockpit owns. `RIPCORD_LOG` sets the filter
//! (e.g. `debug`, `ripcord=trace`); the default is `info`.

use std::path::{Path, PathBuf};
use tracing_appender::non_blocking::WorkerGuard;
use tracing_appender::rolling::{RollingFileAppender, Rotation};
use tracing_subscriber::EnvFilter;

/// Keep this alive for as long as logs should be written; dropping it flushes them.
pub struct LogGuard {
    _worker: WorkerGuard,
    pub dir: PathBuf,
}

/// Starts logging to daily files `ripcord.YYYY-MM-DD.log` in `dir` (two weeks kept).
/// An error here is reported by the caller and ripcord runs on without a log file.
pub fn init(dir: &Path) -> Result<LogGuard, String> {
    std::fs::create_dir_all(dir)
        .map_err(|e| format!("cannot create log directory {}: {e}", dir.display()))?;
    let appender = RollingFileAppender::builder()
        .rotation(Rotation::DAILY)
        .filename_prefix("ripcord")
        .filename_suffix("log")
        .max_log_files(14)
        .build(dir)
        .map_err(|e| format!("cannot open a log file in {}: {e}", dir.display()))?;
    let (writer, worker) = tracing_appender::non_blocking(appender);
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
