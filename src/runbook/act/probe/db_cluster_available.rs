//! The `db-cluster-available` condition: its arguments, its words, and how it is read.

use super::*;

/// What the vocabulary says about this condition: its name and its arguments.
pub const SPEC: ConditionSpec = ConditionSpec {
    name: "db-cluster-available",
    args: &[arg("cluster", K::DbClusterId, "the cluster"), REGION],
    summary: "a DB cluster answers and reports `available` (a region that does not answer cannot tell)",
    uses: &["db_cluster"],
};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DbClusterAvailable {
    pub region: String,
    pub cluster: String,
}
impl DbClusterAvailable {
    /// From checked arguments; `rpo` is the runbook's, for `max: rpo`.
    pub fn build(args: &Filled, _rpo: Option<Duration>) -> Self {
        let t = |name| take(args, name);
        Self {
            region: t("region"),
            cluster: t("cluster"),
        }
    }
}

#[async_trait]
impl Condition for DbClusterAvailable {
    fn describe(&self) -> String {
        let Self { region, cluster } = self;
        format!("cluster {cluster} ({region}) answers and is available")
    }
    async fn evaluate(&self, actions: &dyn Actions, _clock: &Clock) -> Check {
        let Self { region, cluster } = self;
        let label = self.describe();
        {
            match actions.db_cluster(region, cluster).await {
                // Silence is not "unavailable": a region that does not answer (or a denied,
                // throttled read) cannot tell, and never picks a branch.
                Err(e) => failed(&label, &e),
                Ok(Observed { value: None, at }) => {
                    Check::new(label, false, format!("no cluster {cluster} in {region}")).at(at)
                }
                Ok(Observed { value: Some(c), at }) => Check::new(
                    label,
                    c.status == "available",
                    format!(
                        "status {}, writer {}",
                        c.status,
                        c.writer().unwrap_or("none")
                    ),
                )
                .at(at),
            }
        }
    }
}
