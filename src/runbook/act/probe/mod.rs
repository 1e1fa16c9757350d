//! The conditions gates and waits test, one module per kind, each behind the `Condition`
//! trait: its typed arguments, its words, and how it is read. `registry!` below is the
//! registry: one line per kind (it makes `ProbeKind`, `Probe` and the dispatch between them). A
//! condition that cannot be told (a read that failed or timed out, a value too old) is
//! `holds: None` with the reason: never "does not hold".

mod health_check;

pub use replica_lag_below::MAX_DATAPOINT_AGE;

use crate::clock::Clock;
use crate::fleet::{CheckStatus, age_between, format_duration, format_lag};
use crate::runbook::act::answer::Check;
use crate::runbook::act::answer::failed;
use crate::runbook::act::port::same_name;
use crate::runbook::act::port::{Actions, Observed};
use crate::runbook::words::ParamKind as K;
use crate::runbook::words::{ArgSpec, Filled, REGION, arg, optional, take, take_optional};
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
    /// The methods of `Actions` reading it calls (`port::AWS_CALLS`).
    pub uses: &'static [&'static str],
}

/// One kind of condition. Reading it never changes anything.
#[async_trait]
pub trait Condition: Send + Sync {
    /// The condition in words: "lag of orders-dr-usw2 (us-west-2) below 1m".
    fn describe(&self) -> String;
    /// Whether it holds now, with the value seen and its age.
    async fn evaluate(&self, actions: &dyn Actions, clock: &Clock) -> Check;
}

/// Makes, from one line per kind (`Type => module`): the modules, `ProbeKind` (the words, each
/// with its module's `SPEC`), `Probe` (a condition with every argument known: what a gate or a
/// wait tests) and the dispatch between them.
macro_rules! registry {
    ($($kind:ident => $module:ident),+ $(,)?) => {
        $(mod $module; pub use $module::$kind;)+

        #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
        #[serde(rename_all = "kebab-case")]
        pub enum ProbeKind {
            $($kind),+
        }

        impl ProbeKind {
            pub const ALL: [ProbeKind; [$(stringify!($kind)),+].len()] = [$(ProbeKind::$kind),+];

            /// What the kind's module says about it.
            pub fn spec(self) -> &'static ConditionSpec {
                match self {
                    $(ProbeKind::$kind => &$module::SPEC),+
                }
            }
        }

        #[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
        #[serde(tag = "condition", rename_all = "kebab-case")]
        pub enum Probe {
            $($kind($kind)),+
        }

        impl Probe {
            /// The kind's module, behind the `Condition` trait.
            pub fn condition(&self) -> &dyn Condition {
                match self {
                    $(Probe::$kind(c) => c),+
                }
            }

            pub fn kind(&self) -> ProbeKind {
                match self {
                    $(Probe::$kind(_) => ProbeKind::$kind),+
                }
            }

            /// Builds the probe from checked arguments; `rpo` is the runbook's, for `max: rpo`.
            pub fn build(kind: ProbeKind, args: &Filled, rpo: Option<Duration>) -> Probe {
                match kind {
                    $(ProbeKind::$kind => Probe::$kind($kind::build(args, rpo))),+
                }
            }
        }
    };
}

registry! {
    ReplicaLagBelow => replica_lag_below,
    DbInstanceAvailable => db_instance_available,
    DbClusterAvailable => db_cluster_available,
    HealthCheckHealthy => health_check_healthy,
    HealthCheckFailing => health_check_failing,
    DnsAnswerIs => dns_answer_is,
}

impl Probe {
    /// The condition in words.
    pub fn describe(&self) -> String {
        self.condition().describe()
    }
}

/// What the words of a condition kind are, read off its module's `SPEC`.
impl ProbeKind {
    pub fn name(self) -> &'static str {
        self.spec().name
    }

    pub fn parse(name: &str) -> Option<ProbeKind> {
        ProbeKind::ALL.into_iter().find(|k| k.name() == name)
    }

    pub fn args(self) -> &'static [ArgSpec] {
        self.spec().args
    }

    pub fn summary(self) -> &'static str {
        self.spec().summary
    }
}
