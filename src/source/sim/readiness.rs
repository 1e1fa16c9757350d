//! What the simulated estate's backups say about readiness: copies to the DR region (a
//! backup plan's copy rule), RDS point-in-time-restore windows, and automated backups
//! replicated to another region. Deterministic, from the same jobs the backups pane shows.

use super::estate::ProtectedResource;
use super::signals::SimJob;
use crate::fleet::{AutomatedBackups, JobState, OffsiteCopy, RestoreWindow};
use jiff::{SignedDuration, Timestamp};

/// A copy starts when its backup finishes and takes this long.
const COPY_TAKES_SECS: i64 = 20 * 60;
/// RDS uploads transaction logs every five minutes: the newest restorable time trails now.
const RESTORABLE_TRAILS_SECS: i64 = 5 * 60;
/// Replicated automated backups trail the source's window a little more.
const REPLICATED_TRAILS_SECS: i64 = 12 * 60;

fn before(now: Timestamp, secs: i64) -> Timestamp {
    now.checked_sub(SignedDuration::from_secs(secs))
        .unwrap_or(Timestamp::UNIX_EPOCH)
}

/// One finished copy per completed backup job whose copy has had time to finish.
pub fn copies(
    res: &ProtectedResource,
    jobs: &[SimJob],
    to_region: &str,
    to_vault: &str,
    now: Timestamp,
) -> Vec<OffsiteCopy> {
    jobs.iter()
        .filter(|j| matches!(j.state, JobState::Completed | JobState::CompletedWithIssues))
        .filter_map(|j| {
            let done = j
                .finished_at
                .checked_add(SignedDuration::from_secs(COPY_TAKES_SECS))
                .ok()?;
            (done <= now).then(|| OffsiteCopy {
                resource_id: res.id.clone(),
                source_region: res.region.to_string(),
                destination_region: to_region.to_string(),
                destination_vault: to_vault.to_string(),
                completed_at: done,
            })
        })
        .collect()
}

pub fn restore_window(res: &ProtectedResource, now: Timestamp) -> RestoreWindow {
    RestoreWindow {
        region: res.region.to_string(),
        db_id: res.id.clone(),
        latest_restorable: Some(before(now, RESTORABLE_TRAILS_SECS)),
        // The simulator reads each window when its backups feed is fetched.
        listed_at: now,
    }
}

pub fn replicated_backups(
    res: &ProtectedResource,
    held_in: &str,
    now: Timestamp,
) -> AutomatedBackups {
    AutomatedBackups {
        held_in: held_in.to_string(),
        db_id: res.id.clone(),
        db_region: res.region.to_string(),
        latest_restorable: Some(before(now, REPLICATED_TRAILS_SECS)),
    }
}
