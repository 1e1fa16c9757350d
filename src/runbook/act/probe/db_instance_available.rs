//! The `db-instance-available` condition: its arguments, its words, and how it is read.

use super::*;

/// What the vocabulary says about this condition: its name and its arguments.
pub const SPEC: ConditionSpec = ConditionSpec {
    name: "db-instance-available",
    args: &[arg("instance", K::RdsInstanceId, "the instance"), REGION],
    summary: "an RDS instance reports `available`",
    uses: &["db_instance"],
};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DbInstanceAvailable {
    pub region: String,
    pub instance: String,
}
impl DbInstanceAvailable {
    /// From checked arguments; `rpo` is the runbook's, for `max: rpo`.
    pub fn build(args: &Filled, _rpo: Option<Duration>) -> Self {
        let t = |name| take(args, name);
        Self {
            region: t("region"),
            instance: t("instance"),
        }
    }
}

#[async_trait]
impl Condition for DbInstanceAvailable {
    fn describe(&self) -> String {
        let Self { region, instance } = self;
        format!("{instance} ({region}) is available")
    }
    async fn evaluate(&self, actions: &dyn Actions, _clock: &Clock) -> Check {
        let Self { region, instance } = self;
        let label = self.describe();
        {
            match actions.db_instance(region, instance).await {
                Err(e) => failed(&label, &e),
                Ok(Observed { value: None, at }) => {
                    Check::new(label, false, format!("no instance {instance} in {region}")).at(at)
                }
                Ok(Observed {
                    value: Some(db),
                    at,
                }) => Check::new(
                    label,
                    db.status == "available",
                    format!("status {}", db.status),
                )
                .at(at),
            }
        }
    }
}
