//! Where "now" comes from. The app never reads the wall clock itself: time is passed in, so
//! staleness and ages are testable; the simulator reads a `Clock` so tests can freeze it.

use jiff::{SignedDuration, Timestamp};
use std::sync::{Arc, Mutex};

#[derive(Debug, Clone, Default)]
pub enum Clock {
    #[default]
    System,
    /// A clock that only moves when told to.
    Manual(Arc<Mutex<Timestamp>>),
}

impl Clock {
    pub fn manual(start: Timestamp) -> Self {
        Clock::Manual(Arc::new(Mutex::new(start)))
    }

    pub fn now(&self) -> Timestamp {
        match self {
            Clock::System => Timestamp::now(),
            Clock::Manual(t) => *t.lock().unwrap_or_else(|poisoned| poisoned.into_inner()),
        }
    }

    /// Moves a manual clock forward; a no-op on the system clock.
    pub fn advance(&self, by: std::time::Duration) {
        if let Clock::Manual(t) = self {
            let mut guard = t.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
            let step = SignedDuration::try_from(by).unwrap_or(SignedDuration::MAX);
            *guard = guard.saturating_add(step).unwrap_or(*guard);
        }
    }
}
