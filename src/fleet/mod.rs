//! The domain model: what ripcord knows about a fleet, free of any AWS type.
//!
//! Sources (AWS, the simulator) produce these values; the app and the UI only ever read them.
//! Every value that came from a source travels inside a [`Snapshot`] that says when it was
//! fetched, so nothing on screen can lose track of its age.

pub mod age;
pub mod backup;
pub mod coverage;
pub mod evaluate;
pub mod failure;
pub mod health;
pub mod lag_history;
pub mod lag_samples;
pub mod place;
pub mod readiness;
pub mod replica;
pub mod verdict;
pub mod workload;

pub use age::{
    DurationText, LagText, age_between, age_precision, duration_width, format_age, format_data_age,
    format_data_age_ago, format_duration, format_lag, shown_age,
};
pub use backup::{
    AutomatedBackups, BackupHealth, BackupJob, BackupWindowStats, JobCounts, JobState, Listing,
    NewestPoint, OffsiteCopy, RecoveryPointAge, ResourceJobStats, RestoreWindow, Window,
};
pub use failure::{FetchResult, SourceError, SourceErrorKind};
pub use health::{
    CheckKind, CheckStatus, CheckerObservation, FailoverRecord, FailoverRole, HealthCheck,
    RecordHealth,
};
pub use lag_history::{
    HistoryOf, HistorySpan, LagHistory, LagSeries, PeriodLag, WithinRpo, history_end,
};
pub use lag_samples::LagSamples;
pub use place::{AccountLabel, Place, is_region_name};
pub use replica::{LAG_CURRENT_FOR, LagReading, LagSample, Replica, ReplicaKind, ReplicationState};
pub use verdict::{Evaluation, Verdict};
pub use workload::{Targets, Thresholds, Workload, Workloads};

use jiff::Timestamp;

/// A value as a source delivered it, stamped with when it was fetched.
#[derive(Debug, Clone, PartialEq)]
pub struct Snapshot<T> {
    pub data: T,
    pub fetched_at: Timestamp,
    /// Parts of the fetch that failed while the rest arrived, e.g. the lag metrics of replicas
    /// that were listed. The data is shown, and so is what is missing from it: a partial answer
    /// is worth more to an operator than none.
    pub missing: Vec<SourceError>,
}

impl<T> Snapshot<T> {
    pub fn new(data: T, fetched_at: Timestamp) -> Self {
        Self {
            data,
            fetched_at,
            missing: Vec::new(),
        }
    }

    /// The same snapshot, noting what could not be fetched.
    pub fn with_missing(mut self, missing: Vec<SourceError>) -> Self {
        self.missing = missing;
        self
    }
}
