//! Run ids: the runbook's name, the UTC second the run started, and a short random part,
//! `rds-cross-region-failover-20261121T030000Z-3fa9c1`. Readable, and sorted by runbook and
//! time; the random part keeps two runs started in the same second (in one cockpit, or in
//! two) apart. Ids written before the random part existed (`…-20261121T030000Z`) are still
//! just ids: nothing parses them.

use crate::runbook::lang::model::Runbook;
use jiff::Timestamp;
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

/// The id of a run of `book` started at `now`, with `suffix` as its random part.
pub fn run_id(book: &Runbook, now: Timestamp, suffix: &str) -> String {
    format!("{}-{}-{suffix}", book.name, now.strftime("%Y%m%dT%H%M%SZ"))
}

/// Where the random parts of run ids come from.
pub struct RunIds {
    rng: SmallRng,
}

impl RunIds {
    /// Seeded from the operating system's generator.
    pub fn random() -> RunIds {
        RunIds {
            rng: SmallRng::from_os_rng(),
        }
    }

    /// The same sequence of ids every time: for tests and snapshots only.
    pub fn seeded(seed: u64) -> RunIds {
        RunIds {
            rng: SmallRng::seed_from_u64(seed),
        }
    }

    /// A new run id: 24 random bits as six hex digits after the time.
    pub fn next(&mut self, book: &Runbook, now: Timestamp) -> String {
        let suffix = format!("{:06x}", self.rng.random::<u32>() & 0x00ff_ffff);
        run_id(book, now, &suffix)
    }
}

impl Default for RunIds {
    fn default() -> Self {
        RunIds::random()
    }
}

impl std::fmt::Debug for RunIds {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RunIds")
    }
}
