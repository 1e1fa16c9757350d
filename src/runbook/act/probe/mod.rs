//! The conditions gates and waits test, one module per kind, each behind the `Condition`
//! trait: its typed arguments, its words, and how it is read. `Probe` is the registry. A
//! condition that cannot be told (a read that failed or timed out, a value too old) is
//! `holds: None` with the reason: never "does not hold".

mod db_cluster_available;
mod db_instance_available;
mod dns_answer_is;
mod health_check;
mod health_check_failing;
mod health_check_healthy;
mod replica_lag_below;

pub use db_cluster_available::DbClusterAvailable;
pub use db_instance_available::DbInstanceAvailable;
pub use dns_answer_is::DnsAnswerIs;
pub use health_check_failing::HealthCheckFailing;
pub use health_check_healthy::HealthCheckHealthy;
pub use replica_lag_below::{MAX_DATAPOINT_AGE, ReplicaLagBelow};

use crate::clock::Clock;
use crate::fleet::{CheckStatus, age_between, format_duration, format_lag};
use crate::runbook::act::dispatch::{failed, same_name};
use crate::runbook::act::port::{Actions, Observed};
use crate::runbook::exec::work::Check;
use crate::runbook::lang::params::ParamKind as K;
use crate::runbook::lang::vocab::{
    ArgSpec, Filled, ProbeKind, REGION, arg, optional, take, take_optional,
};
use async_trait::async_trait;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// What the vocabulary knows of a condition kind: what `runbook check` checks its block
/// against.
pub struct ConditionSpec {
    /// The word after `gate:` or `wait:`.
    pub name: &'static str,
    pub args: &'static [ArgSpec],
    /// One line for `runbook` help and the format documentation.
    pub summary: &'static str,
}

/// The registry of specs, in the order the vocabulary lists them.
pub fn spec(kind: ProbeKind) -> &'static ConditionSpec {
    match kind {
        ProbeKind::ReplicaLagBelow => &replica_lag_below::SPEC,
        ProbeKind::DbInstanceAvailable => &db_instance_available::SPEC,
        ProbeKind::DbClusterAvailable => &db_cluster_available::SPEC,
        ProbeKind::HealthCheckHealthy => &health_check_healthy::SPEC,
        ProbeKind::HealthCheckFailing => &health_check_failing::SPEC,
        ProbeKind::DnsAnswerIs => &dns_answer_is::SPEC,
    }
}

/// One kind of condition. Reading it never changes anything.
#[async_trait]
pub trait Condition: Send + Sync {
    /// The condition in words: "lag of orders-dr-usw2 (us-west-2) below 1m".
    fn describe(&self) -> String;
    /// Whether it holds now, with the value seen and its age.
    async fn evaluate(&self, actions: &dyn Actions, clock: &Clock) -> Check;
}

/// A condition with every argument known: what a gate or a wait tests.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "condition", rename_all = "kebab-case")]
pub enum Probe {
    ReplicaLagBelow(ReplicaLagBelow),
    DbInstanceAvailable(DbInstanceAvailable),
    DbClusterAvailable(DbClusterAvailable),
    HealthCheckHealthy(HealthCheckHealthy),
    HealthCheckFailing(HealthCheckFailing),
    DnsAnswerIs(DnsAnswerIs),
}

impl Probe {
    /// The registry: each kind's module.
    pub fn condition(&self) -> &dyn Condition {
        match self {
            Probe::ReplicaLagBelow(c) => c,
            Probe::DbInstanceAvailable(c) => c,
            Probe::DbClusterAvailable(c) => c,
            Probe::HealthCheckHealthy(c) => c,
            Probe::HealthCheckFailing(c) => c,
            Probe::DnsAnswerIs(c) => c,
        }
    }

    /// Builds the probe from checked arguments; `rpo` is the runbook's, for `max: rpo`.
    pub fn build(kind: ProbeKind, args: &Filled, rpo: Option<Duration>) -> Probe {
        match kind {
            ProbeKind::ReplicaLagBelow => Probe::ReplicaLagBelow(ReplicaLagBelow::build(args, rpo)),
            ProbeKind::DbInstanceAvailable => {
                Probe::DbInstanceAvailable(DbInstanceAvailable::build(args, rpo))
            }
            ProbeKind::DbClusterAvailable => {
                Probe::DbClusterAvailable(DbClusterAvailable::build(args, rpo))
            }
            ProbeKind::HealthCheckHealthy => {
                Probe::HealthCheckHealthy(HealthCheckHealthy::build(args, rpo))
            }
            ProbeKind::HealthCheckFailing => {
                Probe::HealthCheckFailing(HealthCheckFailing::build(args, rpo))
            }
            ProbeKind::DnsAnswerIs => Probe::DnsAnswerIs(DnsAnswerIs::build(args, rpo)),
        }
    }

    /// The condition in words.
    pub fn describe(&self) -> String {
        self.condition().describe()
    }
}
