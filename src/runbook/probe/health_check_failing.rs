//! The `health-check-failing` condition: its arguments, its words, and how it is read.

use super::*;

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
