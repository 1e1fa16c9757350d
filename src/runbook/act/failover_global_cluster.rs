//! The `failover-global-cluster` action: its arguments, what it says it will do, its pre-checks,
//! the change and its end state.

use super::*;

/// What the vocabulary says about this action: its name, its arguments, how it is confirmed.
pub const SPEC: ActionSpec = ActionSpec {
    name: "failover-global-cluster",
    args: &[
        GLOBAL,
        TARGET,
        REGION,
        arg(
            "allow_data_loss",
            K::Boolean,
            "must be true: writes not yet replicated are lost",
        ),
    ],
    always_destructive: true,
    confirm_arg: "global_cluster",
    default_timeout: Duration::from_secs(60 * 60),
    summary: "unplanned failover of an Aurora global database: data loss allowed",
    lint: refuse_without_data_loss,
    uses: &["global_cluster", "db_cluster", "replication_lag", "failover_global_cluster"],
};

/// The unplanned failover loses the writes not yet replicated: a runbook must say it accepts
/// that in so many words.
fn refuse_without_data_loss(args: &Args) -> Vec<(Pos, &'static str)> {
    match args.get("allow_data_loss") {
        Some(t) if t.raw.trim() != "true" => vec![(
            t.pos,
            "failover-global-cluster loses the writes not yet replicated: write allow_data_loss: true to accept that, or use switchover-global-cluster for a planned move without loss",
        )],
        _ => Vec::new(),
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FailoverGlobalCluster {
    pub region: String,
    pub global_cluster: String,
    pub target_cluster: String,
}

impl FailoverGlobalCluster {
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

impl FailoverGlobalCluster {
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
impl Action for FailoverGlobalCluster {
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
                    "Fail over (unplanned, DATA LOSS allowed) global database {global_cluster} to {target_cluster} ({region})."
                ),
                "Writes the secondary has not received are lost (its lag is in the pre-checks); the old primary is cut off."
                    .to_string(),
                "AWS: rds:FailoverGlobalCluster with AllowDataLoss, then rds:DescribeGlobalClusters."
                    .to_string(),
            ]
    }
    async fn prechecks(&self, actions: &dyn Actions, _clock: &Clock) -> Vec<Check> {
        global_database::prechecks(false, self.moves(), actions).await
    }
    async fn end_state(&self, actions: &dyn Actions) -> Vec<Check> {
        global_database::end_state(self.moves(), actions).await
    }
    async fn change(&self, cx: &Change<'_>) -> Result<Outcome, String> {
        global_database::change(false, self.moves(), cx).await
    }
}
