//! What the two health-check conditions share: they read the same check and differ in the
//! status that holds.

use super::*;

/// The argument both take.
pub(super) const ARGS: &[ArgSpec] = &[arg("check", K::String, "the Route 53 health check id")];

pub(super) async fn evaluate(
    check: &str,
    want_healthy: bool,
    label: String,
    actions: &dyn Actions,
) -> Check {
    {
        match actions.health_check(check).await {
            Err(e) => failed(&label, &e),
            Ok(Observed { value: h, at }) => {
                let detail = format!(
                    "{} ({}/{} checkers healthy)",
                    h.status.word(),
                    h.healthy_checkers,
                    h.checkers
                );
                let holds = match h.status {
                    CheckStatus::Healthy => want_healthy,
                    CheckStatus::Unhealthy => !want_healthy,
                    CheckStatus::Unknown => {
                        return Check::unknown(label, detail).at(at);
                    }
                };
                Check::new(label, holds, detail).at(at)
            }
        }
    }
}
