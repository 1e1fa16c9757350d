//! The `health-check-failing` condition: its arguments, its words, and how it is read.

use super::*;

/// What the vocabulary says about this condition: its name and its arguments.
pub const SPEC: ConditionSpec = ConditionSpec {
    name: "health-check-failing",
    args: health_check::ARGS,
    summary: "a Route 53 health check is failing",
    uses: &["health_check"],
};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HealthCheckFailing {
    pub check: String,
}
impl HealthCheckFailing {
    /// From checked arguments; `rpo` is the runbook's, for `max: rpo`.
    pub fn build(args: &Filled, _rpo: Option<Duration>) -> Self {
        let t = |name| take(args, name);
        Self { check: t("check") }
    }
}

#[async_trait]
impl Condition for HealthCheckFailing {
    fn describe(&self) -> String {
        let Self { check } = self;
        format!("health check {check} is failing")
    }
    async fn evaluate(&self, actions: &dyn Actions, _clock: &Clock) -> Check {
        health_check::evaluate(&self.check, false, self.describe(), actions).await
    }
}
