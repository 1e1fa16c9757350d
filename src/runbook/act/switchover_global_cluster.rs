//! The `switchover-global-cluster` action: its arguments, what it says it will do, its pre-checks,
//! the change and its end state.

use super::*;

/// What the vocabulary says about this action: its name, its arguments, how it is confirmed.
pub const SPEC: ActionSpec = ActionSpec {
    name: "switchover-global-cluster",
    args: &[GLOBAL, TARGET, REGION],
    always_destructive: false,
    confirm_arg: "global_cluster",
    default_timeout: Duration::from_secs(60 * 60),
    summary: "planned switchover of an Aurora global database: no data loss",
    lint: no_lint,
    uses: &["global_cluster", "db_cluster", "replication_lag", "switchover_global_cluster"],
};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SwitchoverGlobalCluster {
    pub region: String,
    pub global_cluster: String,
    pub target_cluster: String,
}

impl SwitchoverGlobalCluster {
    /// From checked arguments (`check` and the run's start made sure the required ones are
    /// there and valid); `rpo` is the runbook's.
    pub fn build(args: &Filled, _rpo: Option<Duration>) -> Self {
        let t = |name| take(args, name);
        Self {
            region: t("region"),
            global_cluster: t("global_cluster"),
            target_cluster: t("target_cluster"),
        }
    }
}

impl SwitchoverGlobalCluster {
    /// Which global database moves where, as `global_database` reads it.
    fn moves(&self) -> global_database::Move<'_> {
        global_database::Move {
            region: &self.region,
            global_cluster: &self.global_cluster,
            target_cluster: &self.target_cluster,
        }
    }
}

#[async_trait]
impl Action for SwitchoverGlobalCluster {
    fn resource_name(&self) -> &str {
        let Self { global_cluster, .. } = self;
        global_cluster
    }
    fn describe(&self) -> Vec<String> {
        let Self {
            region,
            global_cluster,
            target_cluster,
        } = self;
        vec![
                format!(
                    "Switch over (planned, NO data loss) global database {global_cluster}: {target_cluster} ({region}) becomes the primary."
                ),
                "Aurora waits until the secondary has every write, then swaps roles; the old primary becomes a secondary."
                    .to_string(),
                "Needs both regions answering. AWS: rds:SwitchoverGlobalCluster, then rds:DescribeGlobalClusters."
                    .to_string(),
            ]
    }
    async fn prechecks(&self, actions: &dyn Actions, _clock: &Clock) -> Vec<Check> {
        global_database::prechecks(true, self.moves(), actions).await
    }
    async fn end_state(&self, actions: &dyn Actions) -> Vec<Check> {
        global_database::end_state(self.moves(), actions).await
    }
    async fn change(&self, cx: &Change<'_>) -> Result<Outcome, String> {
        global_database::change(true, self.moves(), cx).await
    }
}
