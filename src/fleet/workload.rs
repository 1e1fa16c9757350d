//! Workloads and their recovery targets: which RPO and RTO apply to which resource.

use serde::{Deserialize, Serialize};
use std::time::Duration;

/// The recovery objectives that apply to a resource.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Targets {
    /// The workload these came from; `None` for the configured defaults.
    pub workload: Option<String>,
    #[serde(with = "humantime_serde")]
    pub rpo: Duration,
    #[serde(with = "humantime_serde")]
    pub rto: Duration,
    /// How old the newest recovery point may be. Backups usually run far less often than
    /// replication, so this has its own target; it defaults to the RPO.
    #[serde(with = "humantime_serde")]
    pub backup_rpo: Duration,
}

/// A named group of resources with shared recovery targets, from the config file.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Workload {
    pub name: String,
    #[serde(with = "humantime_serde")]
    pub rpo: Duration,
    #[serde(with = "humantime_serde")]
    pub rto: Duration,
    #[serde(default, with = "humantime_serde")]
    pub backup_rpo: Option<Duration>,
    /// Resource identifiers, names or ARNs; `*` matches any run of characters.
    pub resources: Vec<String>,
    /// How often a runbook serving this workload must be drilled: a last drill older than
    /// this is AT RISK (`drill_every = "90d"`). `None`: no policy, only "never drilled" counts.
    #[serde(
        default,
        with = "humantime_serde",
        skip_serializing_if = "Option::is_none"
    )]
    pub drill_every: Option<Duration>,
}

/// The last segment of an ARN (`arn:aws:rds:us-east-1:1:db:orders-primary` → `orders-primary`).
fn arn_tail(id: &str) -> &str {
    id.rsplit([':', '/']).next().unwrap_or(id)
}

impl Workload {
    /// Whether `id` (an identifier or an ARN) belongs to this workload. An ARN also matches by
    /// its last segment, so `orders-*` covers `arn:aws:rds:us-east-1:1:db:orders-primary`.
    pub fn contains(&self, id: &str) -> bool {
        self.patterns().iter().any(|p| matches_pattern(p, id))
    }

    /// The resource patterns, compiled; a pattern that is not a valid glob matches literally.
    fn patterns(&self) -> Vec<Pattern> {
        self.resources
            .iter()
            .map(|r| {
                glob::Pattern::new(r).map_or_else(|_| Pattern::Literal(r.clone()), Pattern::Glob)
            })
            .collect()
    }

    pub fn targets(&self) -> Targets {
        Targets {
            workload: Some(self.name.clone()),
            rpo: self.rpo,
            rto: self.rto,
            backup_rpo: self.backup_rpo.unwrap_or(self.rpo),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Pattern {
    Glob(glob::Pattern),
    Literal(String),
}

fn matches_pattern(pattern: &Pattern, id: &str) -> bool {
    let short = arn_tail(id);
    match pattern {
        Pattern::Glob(p) => p.matches(id) || p.matches(short),
        Pattern::Literal(l) => l == id || l == short,
    }
}

/// When a value turns WARN before it turns CRIT.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize)]
#[serde(deny_unknown_fields, default)]
pub struct Thresholds {
    /// WARN when replica lag passes this share of the RPO (CRIT past the RPO itself).
    pub lag_warn_ratio: f64,
    /// WARN when the newest recovery point is older than this share of the backup RPO.
    pub recovery_point_warn_ratio: f64,
    /// Backup success rate (0..1, over 24 h) under which the vault is WARN.
    pub backup_success_warn: f64,
    /// Backup success rate (0..1, over 24 h) under which the vault is CRIT.
    pub backup_success_crit: f64,
}

impl Default for Thresholds {
    fn default() -> Self {
        Self {
            lag_warn_ratio: 0.5,
            recovery_point_warn_ratio: 0.8,
            backup_success_warn: 0.98,
            backup_success_crit: 0.90,
        }
    }
}

/// All workloads plus the defaults for resources that belong to none. Patterns are compiled
/// once here: every pane row asks for its targets on every draw.
#[derive(Debug, Clone, PartialEq)]
pub struct Workloads {
    pub list: Vec<Workload>,
    compiled: Vec<(Vec<Pattern>, Targets)>,
    pub default_targets: Targets,
    pub thresholds: Thresholds,
}

impl Workloads {
    pub fn new(list: Vec<Workload>, default_targets: Targets, thresholds: Thresholds) -> Self {
        let compiled = list.iter().map(|w| (w.patterns(), w.targets())).collect();
        Self {
            list,
            compiled,
            default_targets,
            thresholds,
        }
    }

    /// The first workload that claims `id`, or the defaults.
    pub fn targets_for(&self, id: &str) -> Targets {
        self.compiled
            .iter()
            .find(|(patterns, _)| patterns.iter().any(|p| matches_pattern(p, id)))
            .map(|(_, targets)| targets.clone())
            .unwrap_or_else(|| self.default_targets.clone())
    }
}

impl Default for Workloads {
    fn default() -> Self {
        Self::new(
            Vec::new(),
            Targets {
                workload: None,
                rpo: Duration::from_secs(15 * 60),
                rto: Duration::from_secs(3600),
                backup_rpo: Duration::from_secs(26 * 3600),
            },
            Thresholds::default(),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn orders() -> Workload {
        Workload {
            name: "orders".into(),
            rpo: Duration::from_secs(300),
            rto: Duration::from_secs(900),
            backup_rpo: None,
            resources: vec!["orders-*".into(), "exact-db".into()],
            drill_every: None,
        }
    }

    #[test]
    fn matches_globs_exact_names_and_arn_tails() {
        let w = orders();
        assert!(w.contains("orders-replica-usw2"));
        assert!(w.contains("exact-db"));
        assert!(w.contains("arn:aws:rds:us-east-1:123456789012:db:orders-primary"));
        assert!(!w.contains("billing-primary"));
    }

    #[test]
    fn unmatched_resources_get_the_defaults_and_backup_rpo_falls_back_to_rpo() {
        let d = Workloads::default();
        let all = Workloads::new(vec![orders()], d.default_targets, d.thresholds);
        let t = all.targets_for("orders-x");
        assert_eq!(t.workload.as_deref(), Some("orders"));
        assert_eq!(t.backup_rpo, Duration::from_secs(300));
        assert_eq!(all.targets_for("other").workload, None);
    }
}
