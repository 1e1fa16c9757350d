//! Route 53 health checks, what each checker region observed, and the failover record guarded.

use jiff::Timestamp;
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum CheckStatus {
    Healthy,
    Unhealthy,
    /// No datapoint yet (a new check, or the metric is missing).
    Unknown,
}

impl CheckStatus {
    pub fn word(self) -> &'static str {
        match self {
            CheckStatus::Healthy => "healthy",
            CheckStatus::Unhealthy => "UNHEALTHY",
            CheckStatus::Unknown => "unknown",
        }
    }
}

/// What one Route 53 checker region last saw.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CheckerObservation {
    pub checker_region: String,
    pub healthy: bool,
    /// The status line Route 53 reports, e.g. "Failure: Connection timed out".
    pub report: String,
    pub observed_at: Timestamp,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum FailoverRole {
    Primary,
    Secondary,
}

/// A failover record set a health check decides for.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FailoverRecord {
    pub zone: String,
    pub name: String,
    pub record_type: String,
    pub set_identifier: String,
    pub role: FailoverRole,
    /// The record's value (an address, a CNAME target, or an alias target).
    pub value: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HealthCheck {
    pub id: String,
    pub name: String,
    /// What is probed, e.g. `https://api.us-east-1.example.com:443/health`.
    pub target: String,
    /// The region the probed endpoint lives in, when it can be told.
    pub target_region: Option<String>,
    pub status: CheckStatus,
    /// Share of checker regions reporting healthy, 0..=100, when known.
    pub healthy_percent: Option<f64>,
    /// Per-checker-region detail. Sources may leave it empty and fetch it on demand.
    pub observations: Vec<CheckerObservation>,
    pub guards: Vec<FailoverRecord>,
}

impl FailoverRole {
    pub fn word(self) -> &'static str {
        match self {
            FailoverRole::Primary => "PRIMARY",
            FailoverRole::Secondary => "SECONDARY",
        }
    }
}

impl HealthCheck {
    /// `(healthy, total)` checker regions, from observations when there are some.
    pub fn checker_counts(&self) -> Option<(usize, usize)> {
        if self.observations.is_empty() {
            return None;
        }
        let healthy = self.observations.iter().filter(|o| o.healthy).count();
        Some((healthy, self.observations.len()))
    }
}
