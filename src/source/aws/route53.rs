//! Route 53 health checks: the list (ListHealthChecks), status and healthy share from
//! CloudWatch (`HealthCheckStatus`, `HealthCheckPercentageHealthy`: namespace AWS/Route53,
//! published in us-east-1 only), the failover records each check guards (from the hosted
//! zones), and per-checker-region detail (GetHealthCheckStatus) only when asked for one check:
//! AWS documents that call as unfit for high-rate polling.

use super::calls;
use super::cloudwatch::{SeriesQuery, read_series};
use super::error::aws_error;
use super::parts::Parts;
use super::sdk::is_region_name;
use super::time::{from_aws, minute_floor, seconds_before};
use crate::fleet::{
    CheckStatus, CheckerObservation, FailoverRecord, FailoverRole, HealthCheck, Snapshot,
};
use crate::source::{FetchResult, SourceError};
use aws_sdk_route53::Client;
use aws_sdk_route53::types::{HealthCheckConfig, ResourceRecordSet, ResourceRecordSetFailover};
use jiff::Timestamp;
use std::collections::BTreeMap;
use std::sync::Mutex;

/// Failover records change rarely, and reading every zone costs a call per zone and page
/// against Route 53's five requests a second per account: read them at most this often.
pub const GUARDS_TTL_SECS: i64 = 300;
/// How far back to look for the newest status datapoint.
const STATUS_LOOKBACK_SECS: i64 = 600;

/// Failover records by the health check that decides for them.
pub type GuardsByCheck = BTreeMap<String, Vec<FailoverRecord>>;

/// The last failover records read, and when.
#[derive(Default)]
pub struct GuardCache {
    last: Mutex<Option<(Timestamp, GuardsByCheck)>>,
}

impl GuardCache {
    fn fresh(&self, now: Timestamp) -> Option<GuardsByCheck> {
        let last = self.last.lock().unwrap_or_else(|p| p.into_inner());
        last.as_ref()
            .filter(|(at, _)| now.as_second() - at.as_second() < GUARDS_TTL_SECS)
            .map(|(_, g)| g.clone())
    }

    /// Whatever was last read, however old: better than no guards when a refresh fails.
    fn any(&self) -> Option<GuardsByCheck> {
        let last = self.last.lock().unwrap_or_else(|p| p.into_inner());
        last.as_ref().map(|(_, g)| g.clone())
    }

    fn store(&self, now: Timestamp, guards: GuardsByCheck) {
        *self.last.lock().unwrap_or_else(|p| p.into_inner()) = Some((now, guards));
    }
}

pub async fn health_checks(
    route53: &Client,
    cloudwatch: &aws_sdk_cloudwatch::Client,
    cache: &GuardCache,
    parts: &Parts,
    now: Timestamp,
) -> FetchResult<Vec<HealthCheck>> {
    let guards = async {
        if let Some(g) = cache.fresh(now) {
            return Ok(g);
        }
        let g = parts
            .fetch(
                "route53 failover records",
                calls::ROUTE53_LIST_RESOURCE_RECORD_SETS,
                now,
                failover_records(route53),
            )
            .await?;
        cache.store(now, g.clone());
        Ok::<_, SourceError>(g)
    };
    let (checks, guards) = tokio::join!(list_checks(route53), guards);
    let mut checks = checks?;
    let mut missing = Vec::new();
    let guards = match guards {
        Ok(g) => Some(g),
        Err(e) => {
            missing.push(e);
            cache.any()
        }
    };
    if let Some(guards) = guards {
        for check in &mut checks {
            check.guards = guards.get(&check.id).cloned().unwrap_or_default();
        }
    }
    let status = fill_status(cloudwatch, &mut checks, now);
    if let Err(e) = parts
        .fetch(
            "route53 status metrics",
            calls::CLOUDWATCH_GET_METRIC_DATA,
            now,
            status,
        )
        .await
    {
        missing.push(e);
    }
    Ok(Snapshot::new(checks, now).with_missing(missing))
}

/// Every health check, status unknown until the metrics say otherwise.
async fn list_checks(route53: &Client) -> Result<Vec<HealthCheck>, SourceError> {
    let mut pages = route53.list_health_checks().into_paginator().send();
    let mut out = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| aws_error(calls::ROUTE53_LIST_HEALTH_CHECKS, e))?;
        out.extend(page.health_checks().iter().map(|hc| {
            let (name, target) = describe(hc.health_check_config());
            HealthCheck {
                id: hc.id().to_string(),
                target_region: region_in_name(&name),
                name,
                target,
                status: CheckStatus::Unknown,
                healthy_percent: None,
                observations: Vec::new(),
                guards: Vec::new(),
            }
        }));
    }
    Ok(out)
}

/// A short name and the probed target, e.g. `api.us-east-1.example.com` and
/// `HTTPS api.us-east-1.example.com:443/health`.
pub fn describe(config: Option<&HealthCheckConfig>) -> (String, String) {
    let Some(c) = config else {
        return ("(no configuration)".to_string(), String::new());
    };
    let kind = c.r#type().as_str();
    let host = c
        .fully_qualified_domain_name()
        .or(c.ip_address())
        .unwrap_or("");
    match kind {
        "CALCULATED" => (
            format!("calculated ({} children)", c.child_health_checks().len()),
            format!("CALCULATED of {}", c.child_health_checks().join(", ")),
        ),
        "CLOUDWATCH_METRIC" => {
            let alarm = c.alarm_identifier().map_or("?", |a| a.name());
            (
                format!("alarm {alarm}"),
                format!("CLOUDWATCH_METRIC {alarm}"),
            )
        }
        "RECOVERY_CONTROL" => {
            let arn = c.routing_control_arn().unwrap_or("?");
            (
                arn.rsplit('/').next().unwrap_or(arn).to_string(),
                format!("RECOVERY_CONTROL {arn}"),
            )
        }
        _ => {
            let port = c.port().map(|p| format!(":{p}")).unwrap_or_default();
            let path = c.resource_path().unwrap_or("");
            (host.to_string(), format!("{kind} {host}{port}{path}"))
        }
    }
}

/// `api.us-east-1.example.com` is in us-east-1; names without a region say nothing.
fn region_in_name(name: &str) -> Option<String> {
    name.split('.')
        .find(|label| is_region_name(label))
        .map(str::to_string)
}

/// Status and healthy share of every check, two series per check, in one batched read.
async fn fill_status(
    cloudwatch: &aws_sdk_cloudwatch::Client,
    checks: &mut [HealthCheck],
    now: Timestamp,
) -> Result<(), SourceError> {
    if checks.is_empty() {
        return Ok(());
    }
    let mut queries = Vec::with_capacity(checks.len() * 2);
    for c in checks.iter() {
        for (metric, stat) in [
            ("HealthCheckStatus", "Minimum"),
            ("HealthCheckPercentageHealthy", "Average"),
        ] {
            queries.push(SeriesQuery {
                namespace: "AWS/Route53",
                metric,
                dimension: "HealthCheckId",
                value: c.id.clone(),
                stat,
            });
        }
    }
    let to = minute_floor(now);
    let from = seconds_before(to, STATUS_LOOKBACK_SECS);
    let series = read_series(cloudwatch, &queries, from, to, 60).await?;
    let mut series = series.into_iter();
    for c in checks.iter_mut() {
        let status = series.next().unwrap_or_default();
        let percent = series.next().unwrap_or_default();
        c.status = match status.last() {
            Some((_, v)) if *v >= 1.0 => CheckStatus::Healthy,
            Some(_) => CheckStatus::Unhealthy,
            None => CheckStatus::Unknown,
        };
        c.healthy_percent = percent.last().map(|(_, v)| *v);
    }
    Ok(())
}

/// PRIMARY and SECONDARY records with a health check, from every hosted zone.
async fn failover_records(route53: &Client) -> Result<GuardsByCheck, SourceError> {
    let mut zones = Vec::new();
    let mut pages = route53.list_hosted_zones().into_paginator().send();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| aws_error(calls::ROUTE53_LIST_HOSTED_ZONES, e))?;
        zones.extend(page.hosted_zones().iter().map(|z| {
            (
                z.id().to_string(),
                z.name().trim_end_matches('.').to_string(),
            )
        }));
    }
    let mut guards = GuardsByCheck::new();
    for (zone_id, zone_name) in zones {
        for record in zone_records(route53, &zone_id).await? {
            if let Some((check, guard)) = guard_of(&zone_name, &record) {
                guards.entry(check).or_default().push(guard);
            }
        }
    }
    Ok(guards)
}

/// All record sets of one zone. This listing pages by record name, type and identifier
/// rather than by a token, so the SDK has no paginator for it.
async fn zone_records(
    route53: &Client,
    zone_id: &str,
) -> Result<Vec<ResourceRecordSet>, SourceError> {
    let mut out = Vec::new();
    let mut next: Option<(
        Option<String>,
        Option<aws_sdk_route53::types::RrType>,
        Option<String>,
    )> = None;
    loop {
        let (name, kind, identifier) = next.take().unwrap_or_default();
        let page = route53
            .list_resource_record_sets()
            .hosted_zone_id(zone_id)
            .set_start_record_name(name)
            .set_start_record_type(kind)
            .set_start_record_identifier(identifier)
            .send()
            .await
            .map_err(|e| aws_error(calls::ROUTE53_LIST_RESOURCE_RECORD_SETS, e))?;
        out.extend_from_slice(page.resource_record_sets());
        if !page.is_truncated() || page.next_record_name().is_none() {
            return Ok(out);
        }
        next = Some((
            page.next_record_name().map(str::to_string),
            page.next_record_type().cloned(),
            page.next_record_identifier().map(str::to_string),
        ));
    }
}

/// The check a failover record depends on, and the record as ripcord shows it.
pub fn guard_of(zone: &str, record: &ResourceRecordSet) -> Option<(String, FailoverRecord)> {
    let role = match record.failover()? {
        ResourceRecordSetFailover::Primary => FailoverRole::Primary,
        ResourceRecordSetFailover::Secondary => FailoverRole::Secondary,
        _ => return None,
    };
    let check = record.health_check_id()?.to_string();
    let value = match record.alias_target() {
        Some(alias) => format!("ALIAS {}", alias.dns_name().trim_end_matches('.')),
        None => record
            .resource_records()
            .iter()
            .map(|r| r.value())
            .collect::<Vec<_>>()
            .join(", "),
    };
    Some((
        check,
        FailoverRecord {
            zone: zone.to_string(),
            name: record.name().trim_end_matches('.').to_string(),
            record_type: record.r#type().as_str().to_string(),
            set_identifier: record.set_identifier().unwrap_or("").to_string(),
            role,
            value,
        },
    ))
}

/// What each Route 53 checker region last saw of one check.
pub async fn checker_detail(
    route53: &Client,
    check_id: &str,
    now: Timestamp,
) -> FetchResult<Vec<CheckerObservation>> {
    let out = route53
        .get_health_check_status()
        .health_check_id(check_id)
        .send()
        .await
        .map_err(|e| aws_error(calls::ROUTE53_GET_HEALTH_CHECK_STATUS, e))?;
    Ok(Snapshot::new(observations(&out, now), now))
}

/// Each checker region's last observation, from a GetHealthCheckStatus answer.
pub fn observations(
    out: &aws_sdk_route53::operation::get_health_check_status::GetHealthCheckStatusOutput,
    now: Timestamp,
) -> Vec<CheckerObservation> {
    out.health_check_observations()
        .iter()
        .map(|o| {
            let report = o.status_report();
            let text = report.and_then(|r| r.status()).unwrap_or("no report");
            CheckerObservation {
                checker_region: o
                    .region()
                    .map(|r| r.as_str().to_string())
                    .or_else(|| o.ip_address().map(str::to_string))
                    .unwrap_or_else(|| "unknown".to_string()),
                // Route 53 words every passing observation "Success: ...".
                healthy: text.starts_with("Success"),
                report: text.to_string(),
                observed_at: report
                    .and_then(|r| r.checked_time())
                    .and_then(from_aws)
                    .unwrap_or(now),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_route53::types::{AliasTarget, HealthCheckType, ResourceRecord, RrType};

    #[test]
    fn names_targets_and_regions_of_checks() {
        let config = HealthCheckConfig::builder()
            .r#type(HealthCheckType::Https)
            .fully_qualified_domain_name("api.us-east-1.example.com")
            .port(443)
            .resource_path("/health")
            .build()
            .expect("valid");
        let (name, target) = describe(Some(&config));
        assert_eq!(name, "api.us-east-1.example.com");
        assert_eq!(target, "HTTPS api.us-east-1.example.com:443/health");
        assert_eq!(region_in_name(&name).as_deref(), Some("us-east-1"));
        assert_eq!(region_in_name("api.example.com"), None);
    }

    #[test]
    fn only_failover_records_with_a_check_are_guards() {
        let primary = ResourceRecordSet::builder()
            .name("api.example.com.")
            .r#type(RrType::A)
            .set_identifier("use1")
            .failover(ResourceRecordSetFailover::Primary)
            .health_check_id("hc-1")
            .resource_records(
                ResourceRecord::builder()
                    .value("192.0.2.10")
                    .build()
                    .expect("ok"),
            )
            .build()
            .expect("valid");
        let (check, guard) = guard_of("example.com", &primary).expect("a guard");
        assert_eq!(check, "hc-1");
        assert_eq!(guard.role, FailoverRole::Primary);
        assert_eq!(
            (
                guard.name.as_str(),
                guard.value.as_str(),
                guard.set_identifier.as_str()
            ),
            ("api.example.com", "192.0.2.10", "use1")
        );
        let secondary = ResourceRecordSet::builder()
            .name("api.example.com.")
            .r#type(RrType::A)
            .set_identifier("usw2")
            .failover(ResourceRecordSetFailover::Secondary)
            .health_check_id("hc-2")
            .alias_target(
                AliasTarget::builder()
                    .hosted_zone_id("Z1")
                    .dns_name("lb.us-west-2.elb.amazonaws.com.")
                    .evaluate_target_health(true)
                    .build()
                    .expect("ok"),
            )
            .build()
            .expect("valid");
        let (_, guard) = guard_of("example.com", &secondary).expect("a guard");
        assert_eq!(guard.role, FailoverRole::Secondary);
        assert_eq!(guard.value, "ALIAS lb.us-west-2.elb.amazonaws.com");
        let plain = ResourceRecordSet::builder()
            .name("www.example.com.")
            .r#type(RrType::A)
            .health_check_id("hc-3")
            .build()
            .expect("valid");
        assert!(guard_of("example.com", &plain).is_none());
    }
}
