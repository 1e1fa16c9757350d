//! Replicas: RDS read replicas (in-region or cross-region) and Aurora global-database secondaries.

use super::lag_samples::LagSamples;
use jiff::Timestamp;
use serde::Serialize;
use std::sync::Arc;
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ReplicaKind {
    /// An RDS instance read replica; lag from the `ReplicaLag` metric.
    RdsReadReplica,
    /// A secondary cluster of an Aurora global database; lag from `AuroraGlobalDBRPOLag`, or
    /// `AuroraGlobalDBReplicationLag` where the engine does not publish it (`source::aws::lag`).
    AuroraGlobalSecondary,
    /// A reader instance of an Aurora cluster, replicating from the cluster's writer; lag
    /// from `AuroraReplicaLag` (ms).
    AuroraReader,
    /// An Aurora MySQL cluster that is a binlog replica of another region's cluster (its
    /// `ReplicationSourceIdentifier`), outside any global database; lag from
    /// `AuroraBinlogReplicaLag` (s).
    AuroraReplicaCluster,
    /// A reader instance of a Multi-AZ DB cluster; lag from `ReplicaLag` (s).
    MultiAzClusterReader,
}

impl ReplicaKind {
    pub fn short(self) -> &'static str {
        match self {
            ReplicaKind::RdsReadReplica => "rds",
            ReplicaKind::AuroraGlobalSecondary => "aurora-global",
            ReplicaKind::AuroraReader => "aurora-reader",
            ReplicaKind::AuroraReplicaCluster => "aurora-replica-cluster",
            ReplicaKind::MultiAzClusterReader => "multi-az-reader",
        }
    }
}

/// Where replication stands, as the control plane (not the lag metric) reports it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "state", content = "detail")]
pub enum ReplicationState {
    Replicating,
    /// Replication is stopped or errored; the text is what the API said.
    Broken(String),
    /// The replica is being promoted or the global database is switching over.
    Transitioning(String),
    /// Promoted: no longer a replica. Kept so an operator sees the result of a failover.
    Promoted,
    /// The replica is being deleted; the text is RDS's status (`deleting`,
    /// `delete-precheck`). Not broken, going away: it will stop replicating for good.
    Deleting(String),
    Unknown,
    /// The part of the control plane that lists this replica could not be read this time
    /// (the text says what failed): the row is the one last read, its state unknown now.
    Unread(String),
    /// A status the control plane gave that ripcord has no meaning for (one added after this
    /// was written): shown as it is, and judged as "cannot tell", never as healthy.
    Unrecognized(String),
}

impl ReplicationState {
    pub fn short(&self) -> &str {
        match self {
            ReplicationState::Replicating => "replicating",
            ReplicationState::Broken(_) => "BROKEN",
            ReplicationState::Transitioning(what) => what,
            ReplicationState::Promoted => "promoted",
            ReplicationState::Deleting(status) => status,
            ReplicationState::Unknown => "unknown",
            ReplicationState::Unrecognized(status) => status,
            ReplicationState::Unread(_) => "unknown",
        }
    }
}

/// One lag datapoint. `lag` is `None` when the metric said replication is not active
/// (`ReplicaLag` = -1) so that "no replication" is never mistaken for "zero lag".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct LagSample {
    pub at: Timestamp,
    #[serde(with = "humantime_serde")]
    pub lag: Option<Duration>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Replica {
    /// Instance identifier, or the secondary cluster identifier for Aurora.
    pub id: String,
    /// The region, the source's region and the engine repeat on thousands of replicas:
    /// shared names (`Arc<str>`), which a source may give every row of an answer one copy of.
    pub region: Arc<str>,
    pub source_id: String,
    pub source_region: Arc<str>,
    pub engine: Arc<str>,
    pub kind: ReplicaKind,
    pub state: ReplicationState,
    /// Oldest first; the last hour at one-minute resolution when the source has it.
    pub lag_samples: LagSamples,
    /// Why the lag could not be read on the last fetch, in what AWS said (a metrics call that
    /// failed or hung, a series CloudWatch answered with an error). The samples, if any, are
    /// then from an earlier read: history, never the lag now.
    pub lag_problem: Option<String>,
}

/// How long the newest lag datapoint stands for "the lag now". Replica lag is published once
/// a minute and a minute's datapoint arrives a minute or two after it ends; five intervals
/// without one means the series stopped, whatever its last value said.
pub const LAG_CURRENT_FOR: Duration = Duration::from_secs(300);

/// What can be said about a replica's lag at a given moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LagReading<'a> {
    /// The newest datapoint is recent enough to be the lag now.
    Current(LagSample),
    /// The newest datapoint is older than `LAG_CURRENT_FOR`: no recent lag.
    Old(LagSample),
    /// The last read failed; `last` is history from an earlier read, if any.
    Unread {
        why: &'a str,
        last: Option<LagSample>,
    },
    /// No datapoints at all.
    NoData,
}

impl Replica {
    /// The newest sample, if any, however old. Use `lag_reading` for "the lag now".
    pub fn latest_sample(&self) -> Option<LagSample> {
        self.lag_samples.newest()
    }

    /// The lag as it stands at `now`: only a recent datapoint from a read that worked is
    /// the current lag.
    pub fn lag_reading(&self, now: Timestamp) -> LagReading<'_> {
        let last = self.latest_sample();
        match (&self.lag_problem, last) {
            (Some(why), last) => LagReading::Unread { why, last },
            (None, None) => LagReading::NoData,
            (None, Some(s)) if super::age_between(s.at, now) > LAG_CURRENT_FOR => {
                LagReading::Old(s)
            }
            (None, Some(s)) => LagReading::Current(s),
        }
    }

    /// The current lag, if there is one: `Some(None)` when replication is not active now.
    pub fn current_lag(&self, now: Timestamp) -> Option<Option<Duration>> {
        match self.lag_reading(now) {
            LagReading::Current(s) => Some(s.lag),
            _ => None,
        }
    }

    /// Whether `other` is this replica with, at most, other lag: where it is, what it
    /// replicates and its state are the same.
    pub fn same_but_lag(&self, other: &Replica) -> bool {
        self.id == other.id
            && self.region == other.region
            && self.source_id == other.source_id
            && self.source_region == other.source_region
            && self.engine == other.engine
            && self.kind == other.kind
            && self.state == other.state
    }

    pub fn is_cross_region(&self) -> bool {
        self.region != self.source_region
    }
}
