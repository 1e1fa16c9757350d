//! AWS Backup health: job outcomes per vault and window, failures, newest good recovery points.
//!
//! The names that repeat on many rows (a region, a vault, a resource type, a job's message)
//! are `Arc<str>`: a source can give every row of an answer one shared copy (the simulator
//! does; at 10,000 protected resources a `String` each was megabytes of every answer).

use jiff::Timestamp;
use serde::Serialize;
use std::sync::Arc;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum JobState {
    Completed,
    /// COMPLETED with a message category other than SUCCESS.
    CompletedWithIssues,
    Failed,
    Expired,
    Aborted,
    Running,
}

impl JobState {
    pub fn word(self) -> &'static str {
        match self {
            JobState::Completed => "COMPLETED",
            JobState::CompletedWithIssues => "COMPLETED*",
            JobState::Failed => "FAILED",
            JobState::Expired => "EXPIRED",
            JobState::Aborted => "ABORTED",
            JobState::Running => "RUNNING",
        }
    }

    /// Jobs worth showing an operator: they did not produce a clean recovery point.
    pub fn is_problem(self) -> bool {
        matches!(
            self,
            JobState::CompletedWithIssues
                | JobState::Failed
                | JobState::Expired
                | JobState::Aborted
        )
    }
}

/// The look-back windows AWS Backup job summaries come in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub enum Window {
    #[serde(rename = "24h")]
    Day,
    #[serde(rename = "7d")]
    Week,
    #[serde(rename = "14d")]
    TwoWeeks,
}

impl Window {
    pub const ALL: [Window; 3] = [Window::Day, Window::Week, Window::TwoWeeks];

    pub fn label(self) -> &'static str {
        match self {
            Window::Day => "24h",
            Window::Week => "7d",
            Window::TwoWeeks => "14d",
        }
    }

    pub fn seconds(self) -> i64 {
        match self {
            Window::Day => 86_400,
            Window::Week => 7 * 86_400,
            Window::TwoWeeks => 14 * 86_400,
        }
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct JobCounts {
    pub completed: u32,
    pub completed_with_issues: u32,
    pub failed: u32,
    pub expired: u32,
    pub aborted: u32,
    pub running: u32,
}

impl JobCounts {
    pub fn add(&mut self, state: JobState, n: u32) {
        let slot = match state {
            JobState::Completed => &mut self.completed,
            JobState::CompletedWithIssues => &mut self.completed_with_issues,
            JobState::Failed => &mut self.failed,
            JobState::Expired => &mut self.expired,
            JobState::Aborted => &mut self.aborted,
            JobState::Running => &mut self.running,
        };
        *slot += n;
    }

    pub fn merge(&mut self, other: &JobCounts) {
        self.completed += other.completed;
        self.completed_with_issues += other.completed_with_issues;
        self.failed += other.failed;
        self.expired += other.expired;
        self.aborted += other.aborted;
        self.running += other.running;
    }

    /// Jobs that have finished one way or another; running jobs have no outcome yet.
    pub fn finished(&self) -> u32 {
        self.completed + self.completed_with_issues + self.failed + self.expired + self.aborted
    }

    pub fn problems(&self) -> u32 {
        self.completed_with_issues + self.failed + self.expired + self.aborted
    }

    /// Share of finished jobs that completed (with or without issues: a recovery point exists).
    /// `None` when nothing finished, which is not the same as 0 %.
    pub fn success_rate(&self) -> Option<f64> {
        let finished = self.finished();
        (finished > 0)
            .then(|| f64::from(self.completed + self.completed_with_issues) / f64::from(finished))
    }
}

/// The vault of region-wide rows. AWS Backup's job summaries count jobs per resource type but
/// not per vault, so a source may give these alongside per-vault rows that overlap them.
pub const ALL_VAULTS: &str = "(all vaults)";

/// Job counts for one vault and resource type over one window.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BackupWindowStats {
    pub region: Arc<str>,
    pub vault: Arc<str>,
    pub resource_type: Arc<str>,
    pub window: Window,
    pub counts: JobCounts,
}

/// Job counts of one resource over one window, from the jobs' resource ARNs: what a
/// workload's success rate is made of, whichever vaults its resources share with others.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ResourceJobStats {
    pub region: Arc<str>,
    /// The resource's ARN (or, in the simulator, its identifier).
    pub resource_id: String,
    pub window: Window,
    pub counts: JobCounts,
}

/// A job worth an operator's attention, with what AWS said about it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BackupJob {
    pub job_id: String,
    pub region: Arc<str>,
    pub vault: Arc<str>,
    pub resource_id: String,
    pub resource_type: Arc<str>,
    pub state: JobState,
    pub message: Arc<str>,
    pub created_at: Timestamp,
}

/// What is known of a resource's newest usable (completed) recovery point.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "state", content = "detail")]
pub enum NewestPoint {
    /// When the backup behind the newest usable point was taken.
    Taken(Timestamp),
    /// AWS answered, and has no usable recovery point of this resource.
    None,
    /// Not known, and why (a vault listing failed, the backups were not read): never "none".
    CannotTell(String),
}

impl NewestPoint {
    pub fn taken_at(&self) -> Option<Timestamp> {
        match self {
            NewestPoint::Taken(t) => Some(*t),
            NewestPoint::None | NewestPoint::CannotTell(_) => None,
        }
    }

    /// Known to have none: AWS said so. "Cannot tell" is not none.
    pub fn is_none(&self) -> bool {
        matches!(self, NewestPoint::None)
    }
}

/// The newest completed recovery point of one resource.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RecoveryPointAge {
    pub region: Arc<str>,
    pub vault: Arc<str>,
    pub resource_id: String,
    pub resource_type: Arc<str>,
    pub newest: NewestPoint,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct BackupHealth {
    pub stats: Vec<BackupWindowStats>,
    /// Per-resource counts over the windows the job listing covers (24 h and 7 d).
    pub resource_stats: Vec<ResourceJobStats>,
    pub problem_jobs: Vec<BackupJob>,
    pub recovery_points: Vec<RecoveryPointAge>,
    /// Whether `recovery_points` lists every resource AWS Backup has a point of (the
    /// protected-resource listing answered). Only then does a database missing from it have
    /// no recovery point; otherwise that cannot be told.
    pub protected_listed: bool,
    /// Copies of this region's recovery points that AWS Backup finished into another
    /// region's vault (ListCopyJobs): what is left of the backups if this region is lost.
    #[serde(skip_serializing_if = "Listing::is_not_asked")]
    pub copies: Listing<OffsiteCopy>,
    /// The point-in-time-restore window of each RDS instance of this region that takes
    /// writes (DescribeDBInstances `LatestRestorableTime`).
    #[serde(skip_serializing_if = "Listing::is_not_asked")]
    pub restore_windows: Listing<RestoreWindow>,
    /// Automated backups held in this region, including those replicated here from another
    /// region (DescribeDBInstanceAutomatedBackups).
    #[serde(skip_serializing_if = "Listing::is_not_asked")]
    pub automated_backups: Listing<AutomatedBackups>,
}

/// A list a fetch may have read, failed to read, or not asked for: an empty list read from
/// AWS says "none"; the other two say "cannot tell", never "none".
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "state", content = "detail")]
pub enum Listing<T> {
    /// This source does not read it (yet): cannot tell.
    #[default]
    NotAsked,
    Read(Vec<T>),
    /// The call failed; what it said.
    Failed(String),
}

impl<T> Listing<T> {
    pub fn is_not_asked(&self) -> bool {
        matches!(self, Listing::NotAsked)
    }

    /// The list, or why it cannot be told.
    pub fn read(&self) -> Result<&[T], String> {
        match self {
            Listing::Read(list) => Ok(list),
            Listing::NotAsked => Err("not read by this source".to_string()),
            Listing::Failed(why) => Err(why.clone()),
        }
    }
}

/// A finished copy of a resource's recovery point into a vault of another region.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OffsiteCopy {
    /// The resource's ARN (in the simulator, its identifier).
    pub resource_id: String,
    pub source_region: String,
    pub destination_region: String,
    pub destination_vault: String,
    /// When the copy job finished: the copy exists from then on, of a point taken before.
    pub completed_at: Timestamp,
}

/// An RDS instance's point-in-time-restore window, as RDS reports it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RestoreWindow {
    pub region: String,
    pub db_id: String,
    /// The newest moment a point-in-time restore can reach; `None` when automated backups
    /// are off (retention 0).
    pub latest_restorable: Option<Timestamp>,
    /// When the instance listing it was read from was asked for: its age. The AWS source
    /// takes it from the listing the replicas feed made, which may be older than the backups
    /// feed that carries it.
    pub listed_at: Timestamp,
}

/// Automated backups of one instance held in a region: its own, or replicated from the
/// instance's region to this one.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AutomatedBackups {
    /// The region the backups are held in (where they were listed).
    pub held_in: String,
    /// The instance they are of, and its region.
    pub db_id: String,
    pub db_region: String,
    /// The newest moment a restore from them can reach.
    pub latest_restorable: Option<Timestamp>,
}

impl BackupHealth {
    /// Counts over one window summed across vaults and resource types. Region-wide rows
    /// (`ALL_VAULTS`), where the source gave them, already include every vault's jobs: then
    /// only they are summed, so no job counts twice.
    pub fn totals(&self, window: Window) -> JobCounts {
        let in_window = || self.stats.iter().filter(|s| s.window == window);
        let region_wide = in_window().any(|s| &*s.vault == ALL_VAULTS);
        let mut total = JobCounts::default();
        for s in in_window().filter(|s| !region_wide || &*s.vault == ALL_VAULTS) {
            total.merge(&s.counts);
        }
        total
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn success_rate_counts_issues_as_success_and_ignores_running() {
        let mut c = JobCounts::default();
        c.add(JobState::Completed, 7);
        c.add(JobState::CompletedWithIssues, 1);
        c.add(JobState::Failed, 1);
        c.add(JobState::Expired, 1);
        c.add(JobState::Running, 50);
        assert_eq!(c.finished(), 10);
        assert_eq!(c.problems(), 3);
        assert_eq!(c.success_rate(), Some(0.8));
    }

    #[test]
    fn region_wide_rows_are_not_added_to_the_vault_rows_they_include() {
        let row = |vault: &str, completed: u32| BackupWindowStats {
            region: "us-east-1".into(),
            vault: vault.into(),
            resource_type: "RDS".into(),
            window: Window::Day,
            counts: JobCounts {
                completed,
                ..JobCounts::default()
            },
        };
        let mut health = BackupHealth {
            stats: vec![row("a", 2), row("b", 3)],
            ..BackupHealth::default()
        };
        assert_eq!(health.totals(Window::Day).completed, 5);
        health.stats.push(row(ALL_VAULTS, 6));
        assert_eq!(health.totals(Window::Day).completed, 6);
    }

    #[test]
    fn no_finished_jobs_has_no_rate() {
        let mut c = JobCounts::default();
        c.add(JobState::Running, 2);
        assert_eq!(c.success_rate(), None);
    }
}
