//! TEST HOOK, for the crash tests only: `RIPCORD_TEST_PAUSE_AT=POINT` makes the runner stop
//! (sleep for an hour) at one point of carrying out a step, so that a test can kill -9 it
//! exactly there. `RIPCORD_TEST_PAUSE_MARKER=FILE` makes it write the point's name to FILE when
//! it stops, so the test knows when to kill. Only in builds with the `test-hooks` feature, which
//! `cargo test` turns on and no other build does; unset, it does nothing either.
//!
//! | point | where the runner stops |
//! |---|---|
//! | `before-intent` | the step was confirmed; its intent is not written yet |
//! | `torn-intent` | half of the intent's line is written and synced, as a crash mid-write leaves it |
//! | `before-call` | the intent is written and synced; the action is not sent yet |
//! | `after-call` | the action was carried out; its result is not recorded yet |

use std::time::Duration;

pub const PAUSE_AT: &str = "RIPCORD_TEST_PAUSE_AT";
pub const PAUSE_MARKER: &str = "RIPCORD_TEST_PAUSE_MARKER";
const PAUSE_FOR: Duration = Duration::from_secs(3600);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Point {
    BeforeIntent,
    TornIntent,
    BeforeCall,
    AfterCall,
}

impl Point {
    pub fn name(self) -> &'static str {
        match self {
            Point::BeforeIntent => "before-intent",
            Point::TornIntent => "torn-intent",
            Point::BeforeCall => "before-call",
            Point::AfterCall => "after-call",
        }
    }
}

/// The point asked for, if any. Always none in a build without the `test-hooks` feature (every
/// build a user runs): the environment variable is not even read.
pub fn requested() -> Option<Point> {
    if !cfg!(feature = "test-hooks") {
        return None;
    }
    let wanted = std::env::var(PAUSE_AT).ok()?;
    [
        Point::BeforeIntent,
        Point::TornIntent,
        Point::BeforeCall,
        Point::AfterCall,
    ]
    .into_iter()
    .find(|p| p.name() == wanted)
}

fn mark(point: Point) {
    tracing::warn!("test hook: paused at {}", point.name());
    if let Some(marker) = std::env::var_os(PAUSE_MARKER) {
        // One whole line: the test waits for the newline, never for the file's existence.
        let _ = std::fs::write(marker, format!("{}\n", point.name()));
    }
}

/// Stops the calling thread at `point` when the hook asks for it.
pub fn pause_blocking(point: Point) {
    if requested() == Some(point) {
        mark(point);
        std::thread::sleep(PAUSE_FOR);
    }
}

/// Stops the calling task at `point` when the hook asks for it.
pub async fn pause(point: Point) {
    if requested() == Some(point) {
        mark(point);
        tokio::time::sleep(PAUSE_FOR).await;
    }
}
