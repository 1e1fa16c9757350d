//! The `replica-lag-below` condition: its arguments, its words, and how it is read.

use super::*;

/// What the vocabulary says about this condition: its name and its arguments.
pub const SPEC: ConditionSpec = ConditionSpec {
    name: "replica-lag-below",
    args: &[
        arg(
            "replica",
            K::String,
            "the replica (instance or secondary cluster)",
        ),
        REGION,
        ArgSpec {
            allows_rpo: true,
            ..arg(
                "max",
                K::Duration,
                "a duration, or `rpo` for the runbook's RPO",
            )
        },
    ],
    summary: "a replica's lag is below a limit",
    uses: &["replication_lag"],
};

/// A lag datapoint older than this (or than the limit it is judged against, when that is
/// shorter) cannot pass a gate: the metric may have stopped.
pub const MAX_DATAPOINT_AGE: Duration = Duration::from_secs(5 * 60);

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplicaLagBelow {
    pub region: String,
    pub replica: String,
    #[serde(with = "humantime_serde")]
    pub max: Duration,
}
impl ReplicaLagBelow {
    /// From checked arguments; `rpo` is the runbook's, for `max: rpo`.
    pub fn build(args: &Filled, rpo: Option<Duration>) -> Self {
        let t = |name| take(args, name);
        {
            let max = t("max");
            Self {
                region: t("region"),
                replica: t("replica"),
                max: if max == "rpo" {
                    rpo.unwrap_or_default()
                } else {
                    humantime::parse_duration(&max).unwrap_or_default()
                },
            }
        }
    }
}

#[async_trait]
impl Condition for ReplicaLagBelow {
    fn describe(&self) -> String {
        let Self {
            region,
            replica,
            max,
        } = self;
        format!(
            "lag of {replica} ({region}) below {}",
            crate::fleet::format_duration(*max)
        )
    }
    async fn evaluate(&self, actions: &dyn Actions, clock: &Clock) -> Check {
        let Self {
            region,
            replica,
            max,
        } = self;
        let label = self.describe();
        match actions.replication_lag(region, replica).await {
            Err(e) => failed(&label, &e),
            Ok(Observed { value: None, at }) => {
                Check::new(label, false, "replication is not active").at(at)
            }
            Ok(Observed {
                value: Some(lag),
                at,
            }) => {
                let old = age_between(at, clock.now());
                // A value older than the limit it is judged against says nothing about now.
                let oldest_usable = (*max).min(MAX_DATAPOINT_AGE);
                if old > oldest_usable {
                    Check::unknown(
                        label,
                        format!(
                            "lag {} but the newest datapoint is {} old, older than the {} it is judged against",
                            format_lag(lag),
                            format_duration(old),
                            format_duration(oldest_usable)
                        ),
                    )
                    .at(at)
                } else {
                    Check::new(label, lag < *max, format!("lag {}", format_lag(lag))).at(at)
                }
            }
        }
    }
}
