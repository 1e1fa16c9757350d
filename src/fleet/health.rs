//! Route 53 health checks, what each checker region observed, and the failover record guarded;
//! and how ripcord judges a check, as Route 53 itself decides it.

use super::age::{age_between, format_duration};
use super::verdict::Evaluation;
use jiff::Timestamp;
use serde::Serialize;
use std::time::Duration;

/// Route 53 publishes `HealthCheckStatus` every minute. A newest datapoint older than five
/// publishing intervals says what the check was, not what it is: "no recent status".
pub const STATUS_RECENT_FOR: Duration = Duration::from_secs(5 * 60);

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

/// What a row of the health pane stands for, which decides how its status can be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum CheckKind {
    /// Probes an endpoint (HTTP, HTTPS, TCP...) from several checker regions.
    #[default]
    Endpoint,
    /// Combines child checks. It has no checker regions: AWS does not answer
    /// GetHealthCheckStatus for it, so its status comes from the `HealthCheckStatus` metric.
    Calculated,
    /// Follows a CloudWatch alarm.
    CloudWatchAlarm,
    /// Follows an Application Recovery Controller routing control.
    RecoveryControl,
    /// Not a health check: a failover alias record with `EvaluateTargetHealth` and no health
    /// check of its own. Route 53 decides it by its alias target's health, which ripcord does
    /// not read.
    AliasTarget,
}

impl CheckKind {
    /// Whether GetHealthCheckStatus may be asked about it: not for a calculated check (AWS
    /// does not answer), nor for a record that is no health check.
    pub fn has_checkers(self) -> bool {
        !matches!(self, CheckKind::Calculated | CheckKind::AliasTarget)
    }
}

/// What a record's health is decided by, as Route 53 decides it for failover routing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecordHealth {
    /// The health check the record names.
    Check(String),
    /// No health check, `EvaluateTargetHealth` on an alias: the alias target's health.
    AliasTarget,
    /// Neither: Route 53 counts the record healthy.
    AlwaysHealthy,
}

impl RecordHealth {
    /// A record with a health check is decided by it; an alias record without one but with
    /// `EvaluateTargetHealth` by its target; any other record is always healthy to Route 53.
    pub fn of(health_check: Option<&str>, evaluates_target_health: bool) -> Self {
        match health_check {
            Some(id) => RecordHealth::Check(id.to_string()),
            None if evaluates_target_health => RecordHealth::AliasTarget,
            None => RecordHealth::AlwaysHealthy,
        }
    }

    /// Why ripcord cannot tell whether Route 53 counts the record `name` healthy, or `None`
    /// when it can be told.
    pub fn cannot_tell(&self, name: &str) -> Option<String> {
        match self {
            RecordHealth::AliasTarget => Some(format!(
                "Route 53 decides {} by its alias target's health (EvaluateTargetHealth), \
                 which ripcord does not read: cannot tell what it answers",
                name.trim_end_matches('.')
            )),
            _ => None,
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
    /// The check's `Name` tag when it has one, else a name made from what it probes.
    pub name: String,
    /// What is probed, e.g. `https://api.us-east-1.example.com:443/health`.
    pub target: String,
    /// The region the probed endpoint lives in, when it can be told.
    pub target_region: Option<String>,
    pub kind: CheckKind,
    /// Route 53 reads the check's status the other way round.
    pub inverted: bool,
    /// Route 53 probes nothing and counts the check healthy whatever the endpoint does.
    pub disabled: bool,
    pub status: CheckStatus,
    /// When the status was true: the newest `HealthCheckStatus` datapoint (or observation).
    /// `None` when there is none.
    pub status_at: Option<Timestamp>,
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

    /// How old the status is at `now`, when there is one.
    pub fn status_age(&self, now: Timestamp) -> Option<Duration> {
        self.status_at.map(|at| age_between(at, now))
    }

    /// Whether the status is recent enough to be judged at `now`.
    pub fn status_is_recent(&self, now: Timestamp) -> bool {
        self.status_age(now)
            .is_some_and(|age| age <= STATUS_RECENT_FOR)
    }

    /// The status as the pane's status column shows it: the word while recent, else what is
    /// known of its age.
    pub fn status_text(&self, now: Timestamp) -> String {
        if self.kind == CheckKind::AliasTarget {
            return "by target".to_string();
        }
        match self.status_age(now) {
            Some(age) if age > STATUS_RECENT_FOR => format!("{} old", format_duration(age)),
            None if self.status != CheckStatus::Unknown => "no time".to_string(),
            _ => self.status.word().to_string(),
        }
    }

    /// The domain name (or address) an endpoint check probes, from its target
    /// (`HTTPS api.example.com:443/health`): a check shown by its `Name` tag is still found by
    /// what it probes.
    pub fn probed_host(&self) -> Option<&str> {
        if self.kind != CheckKind::Endpoint {
            return None;
        }
        let (_, rest) = self.target.split_once(' ')?;
        let host = rest.split([':', '/']).next()?;
        (!host.is_empty()).then_some(host)
    }

    /// Words that qualify the status: `inverted`, `disabled`, `calculated`.
    pub fn qualifiers(&self) -> Vec<&'static str> {
        let mut out = Vec::new();
        if self.kind == CheckKind::Calculated {
            out.push("calculated");
        }
        if self.inverted {
            out.push("inverted");
        }
        if self.disabled {
            out.push("disabled");
        }
        out
    }
}

/// A health check's verdict at `now`. Failing is CRIT; healthy overall but with some checkers
/// failing is WARN, because that is how a regional problem first shows. A status whose newest
/// datapoint is older than `STATUS_RECENT_FOR` is "no recent status" whatever it said; a
/// disabled check guards nothing (Route 53 counts it healthy without probing); a record that
/// Route 53 decides by its alias target cannot be told.
pub fn judge(h: &HealthCheck, now: Timestamp) -> Evaluation {
    if h.kind == CheckKind::AliasTarget {
        let name = h
            .guards
            .first()
            .map_or(h.name.as_str(), |g| g.name.as_str());
        return Evaluation::unknown(
            RecordHealth::AliasTarget
                .cannot_tell(name)
                .unwrap_or_default(),
        );
    }
    if h.disabled {
        return Evaluation::warn(
            "disabled: Route 53 probes nothing and counts it healthy, so it fails over nothing",
        );
    }
    let inverted = if h.inverted { " (inverted)" } else { "" };
    match h.status_age(now) {
        None if h.status == CheckStatus::Unknown => {
            return Evaluation::unknown("no status datapoint yet");
        }
        None => return Evaluation::unknown("status without a time: cannot tell how old"),
        Some(age) if age > STATUS_RECENT_FOR => {
            return Evaluation::unknown(format!(
                "no recent status: the newest is {} old (it said {}{inverted})",
                format_duration(age),
                h.status.word()
            ));
        }
        Some(_) => {}
    }
    let checkers = match (h.kind, h.checker_counts(), h.healthy_percent) {
        (CheckKind::Calculated, _, _) => "calculated from its child checks".to_string(),
        (_, Some((ok, total)), _) => format!("{ok}/{total} checkers healthy"),
        (_, None, Some(pct)) => format!("{pct:.0}% of checkers healthy"),
        (_, None, None) => "checker detail not fetched".to_string(),
    };
    let some_failing = match (h.checker_counts(), h.healthy_percent) {
        (Some((ok, total)), _) => ok < total,
        (None, Some(pct)) => pct < 100.0,
        (None, None) => false,
    };
    match h.status {
        CheckStatus::Unhealthy => Evaluation::crit(format!("failing{inverted}: {checkers}")),
        CheckStatus::Unknown => Evaluation::unknown("no status datapoint yet"),
        // An inverted check is healthy when its endpoint fails: the checker share says
        // nothing about a problem.
        CheckStatus::Healthy if some_failing && !h.inverted => {
            Evaluation::warn(format!("healthy, but {checkers}"))
        }
        CheckStatus::Healthy => Evaluation::ok(format!("healthy{inverted}: {checkers}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fleet::Verdict;

    fn at(s: i64) -> Timestamp {
        Timestamp::from_second(1_800_000_000 + s).expect("valid")
    }

    fn check() -> HealthCheck {
        HealthCheck {
            id: "hc".into(),
            name: "api".into(),
            target: "HTTPS api:443/health".into(),
            target_region: None,
            kind: CheckKind::Endpoint,
            inverted: false,
            disabled: false,
            status: CheckStatus::Healthy,
            status_at: Some(at(0)),
            healthy_percent: Some(100.0),
            observations: vec![],
            guards: vec![],
        }
    }

    #[test]
    fn an_old_status_is_no_recent_status_whatever_it_said() {
        let h = check();
        assert_eq!(judge(&h, at(300)).verdict, Verdict::Ok, "5 minutes old");
        let old = judge(&h, at(301));
        assert_eq!(old.verdict, Verdict::Unknown);
        assert!(old.reason.contains("no recent status"), "{}", old.reason);
        assert!(old.reason.contains("5m01s old"), "{}", old.reason);
        assert_eq!(h.status_text(at(1200)), "20m old");
        let mut failing = check();
        failing.status = CheckStatus::Unhealthy;
        assert_eq!(judge(&failing, at(1200)).verdict, Verdict::Unknown);
        let mut timeless = check();
        timeless.status_at = None;
        assert_eq!(judge(&timeless, at(0)).verdict, Verdict::Unknown);
    }

    #[test]
    fn the_probed_host_is_read_from_the_target() {
        let mut h = check();
        h.target = "HTTPS api.us-east-1.example.com:443/health".into();
        assert_eq!(h.probed_host(), Some("api.us-east-1.example.com"));
        h.target = "TCP 192.0.2.1:5432".into();
        assert_eq!(h.probed_host(), Some("192.0.2.1"));
        h.kind = CheckKind::Calculated;
        assert_eq!(h.probed_host(), None);
    }

    #[test]
    fn disabled_inverted_and_calculated_checks_say_so() {
        let mut disabled = check();
        disabled.disabled = true;
        let e = judge(&disabled, at(0));
        assert_eq!(e.verdict, Verdict::Warn);
        assert!(e.reason.contains("disabled"), "{}", e.reason);
        let mut inverted = check();
        inverted.inverted = true;
        inverted.healthy_percent = Some(0.0);
        let e = judge(&inverted, at(0));
        assert_eq!(e.verdict, Verdict::Ok, "{}", e.reason);
        assert!(e.reason.contains("inverted"), "{}", e.reason);
        let mut calculated = check();
        calculated.kind = CheckKind::Calculated;
        calculated.healthy_percent = None;
        let e = judge(&calculated, at(0));
        assert_eq!(e.verdict, Verdict::Ok);
        assert!(e.reason.contains("calculated"), "{}", e.reason);
        assert_eq!(calculated.qualifiers(), vec!["calculated"]);
    }

    #[test]
    fn a_record_decided_by_its_alias_target_cannot_be_told() {
        let mut h = check();
        h.kind = CheckKind::AliasTarget;
        let e = judge(&h, at(0));
        assert_eq!(e.verdict, Verdict::Unknown);
        assert!(e.reason.contains("alias target"), "{}", e.reason);
        assert_eq!(
            RecordHealth::of(None, true),
            RecordHealth::AliasTarget,
            "EvaluateTargetHealth without a check"
        );
        assert_eq!(
            RecordHealth::of(Some("hc-1"), true),
            RecordHealth::Check("hc-1".into()),
            "a health check decides when there is one"
        );
        assert_eq!(RecordHealth::of(None, false), RecordHealth::AlwaysHealthy);
        assert!(RecordHealth::AlwaysHealthy.cannot_tell("x").is_none());
    }
}
