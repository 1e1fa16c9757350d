//! Route 53 health checks: the list (ListHealthChecks), their `Name` tags
//! (ListTagsForResources, ten checks a call), status and healthy share from CloudWatch
//! (`HealthCheckStatus`, `HealthCheckPercentageHealthy`: namespace AWS/Route53, published in
//! us-east-1 only), the failover records each check guards (from the hosted zones), and
//! per-checker-region detail (GetHealthCheckStatus) only when asked for one check: AWS
//! documents that call as unfit for high-rate polling, and it does not answer for calculated
//! checks.
//!
//! Each part has its own deadline and keeps its last good value: a zone scan or a metrics
//! read that hangs leaves the list on screen with the failure named beside it. The zone scan
//! and the names are read at most every five minutes, failed or not: Route 53 allows five
//! requests a second per account, shared with everything else the account runs.

use super::calls;
use super::cloudwatch::{SeriesQuery, read_series};
use super::error::aws_error;
use super::parts::Parts;
use super::sdk::is_region_name;
use super::time::{from_aws, minute_floor, seconds_before};
use crate::fleet::{
    CheckKind, CheckStatus, CheckerObservation, FailoverRecord, FailoverRole, HealthCheck,
    RecordHealth, Snapshot, format_duration,
};
use crate::source::{FetchResult, SourceError, SourceErrorKind};
use aws_sdk_route53::Client;
use aws_sdk_route53::types::{
    HealthCheckConfig, ResourceRecordSet, ResourceRecordSetFailover, TagResourceType,
};
use jiff::Timestamp;
use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Mutex;
use std::time::Duration;

/// Failover records change rarely, and reading every zone costs a call per zone and page
/// against Route 53's five requests a second per account: read them at most this often.
pub const GUARDS_TTL_SECS: i64 = 300;
/// Names (tags) change rarely too: read them at most this often, or when a check is new.
pub const NAMES_TTL_SECS: i64 = 300;
/// ListTagsForResources takes at most this many resource ids per call.
pub const TAGS_PER_CALL: usize = 10;
/// How far back to look for the newest status datapoint: far enough that a status that
/// stopped is shown with its age rather than as none.
const STATUS_LOOKBACK_SECS: i64 = 3600;
/// The list of checks comes first; the parts that need it then run side by side. Both
/// deadlines together stay inside the poller's 20 s for the whole feed.
pub const LIST_DEADLINE: Duration = Duration::from_secs(8);
pub const PART_DEADLINE: Duration = Duration::from_secs(10);

/// Failover records by the health check that decides for them.
pub type GuardsByCheck = BTreeMap<String, Vec<FailoverRecord>>;

/// The failover records of every zone, by what Route 53 decides each by.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Guards {
    pub by_check: GuardsByCheck,
    /// Alias records with `EvaluateTargetHealth` and no health check: decided by their
    /// alias target's health.
    pub by_target: Vec<FailoverRecord>,
}

/// The newest status of one check, and when it was true.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct StatusReading {
    pub status: CheckStatus,
    pub at: Timestamp,
    pub healthy_percent: Option<f64>,
}

/// A part read at most every `ttl` seconds: its last good value, and the outcome of the last
/// attempt (a failure is remembered like a success, so a failing part is not asked again at
/// every refresh).
struct Cached<T> {
    good: Option<(Timestamp, T)>,
    tried: Option<(Timestamp, Option<SourceError>)>,
}

impl<T> Default for Cached<T> {
    fn default() -> Self {
        Self {
            good: None,
            tried: None,
        }
    }
}

impl<T: Clone> Cached<T> {
    fn due(&self, now: Timestamp, ttl_secs: i64) -> bool {
        self.tried
            .as_ref()
            .is_none_or(|(at, _)| now.as_second() - at.as_second() >= ttl_secs)
    }

    fn record(&mut self, now: Timestamp, result: Result<T, SourceError>) {
        match result {
            Ok(v) => {
                self.good = Some((now, v));
                self.tried = Some((now, None));
            }
            Err(e) => self.tried = Some((now, Some(e))),
        }
    }

    /// The last good value, and the last attempt's failure told with the age of what is kept.
    fn answer(&self, now: Timestamp) -> (Option<T>, Option<SourceError>) {
        let good = self.good.as_ref().map(|(_, v)| v.clone());
        let failed = self
            .tried
            .as_ref()
            .and_then(|(_, e)| e.clone())
            .map(|mut e| {
                match &self.good {
                    Some((at, _)) => e.message.push_str(&format!(
                        " (showing what was read {} ago)",
                        format_duration(crate::fleet::age_between(*at, now))
                    )),
                    None => e.message.push_str(" (nothing read yet)"),
                }
                e
            });
        (good, failed)
    }
}

/// What the health feed keeps between refreshes: the zone scan and the names (read at most
/// every five minutes), the last good status of each check, and each check's kind (which
/// decides whether GetHealthCheckStatus may be asked about it).
#[derive(Default)]
pub struct GuardCache {
    guards: Mutex<Cached<Guards>>,
    /// Every check asked about, with its `Name` tag when it has one.
    names: Mutex<Cached<BTreeMap<String, Option<String>>>>,
    status: Mutex<BTreeMap<String, StatusReading>>,
    kinds: Mutex<BTreeMap<String, CheckKind>>,
}

fn locked<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl GuardCache {
    /// Why GetHealthCheckStatus is not asked about `check_id`, when it is not: a calculated
    /// check has no checker regions (AWS does not answer for it), and a record decided by its
    /// alias target is no health check at all.
    pub fn no_checker_detail(&self, check_id: &str) -> Option<SourceError> {
        let kind = locked(&self.kinds).get(check_id).copied()?;
        let why = match kind {
            CheckKind::Calculated => {
                "a calculated health check has no checker regions, and AWS does not answer                  GetHealthCheckStatus for it: its status comes from the HealthCheckStatus metric"
            }
            CheckKind::AliasTarget => {
                "not a health check: Route 53 decides this record by its alias target's health"
            }
            _ => return None,
        };
        Some(SourceError::new(
            SourceErrorKind::Other,
            calls::ROUTE53_GET_HEALTH_CHECK_STATUS,
            why,
        ))
    }
}

/// Reads the part behind `cached` when it is due (`fetch`), else gives what was kept.
async fn through_cache<T: Clone>(
    cached: &Mutex<Cached<T>>,
    ttl_secs: i64,
    now: Timestamp,
    fetch: impl Future<Output = Result<T, SourceError>>,
) -> (Option<T>, Option<SourceError>) {
    if locked(cached).due(now, ttl_secs) {
        let result = fetch.await;
        locked(cached).record(now, result);
    }
    locked(cached).answer(now)
}

pub async fn health_checks(
    route53: &Client,
    cloudwatch: &aws_sdk_cloudwatch::Client,
    cache: &GuardCache,
    parts: &Parts,
    now: Timestamp,
) -> FetchResult<Vec<HealthCheck>> {
    let guards = through_cache(
        &cache.guards,
        GUARDS_TTL_SECS,
        now,
        parts.fetch_within(
            "route53 failover records",
            calls::ROUTE53_LIST_RESOURCE_RECORD_SETS,
            now,
            PART_DEADLINE,
            failover_records(route53),
        ),
    );
    let listed = async {
        let checks = parts
            .fetch_within(
                "route53 health checks",
                calls::ROUTE53_LIST_HEALTH_CHECKS,
                now,
                LIST_DEADLINE,
                list_checks(route53),
            )
            .await?;
        let ids: Vec<String> = checks.iter().map(|c| c.id.clone()).collect();
        let kinds: Vec<(String, CheckKind)> =
            checks.iter().map(|c| (c.id.clone(), c.kind)).collect();
        let names_due = {
            let names = locked(&cache.names);
            // A check listed since the last read is asked about at once, unless the last
            // read failed: a failure waits out its five minutes like a success.
            let last_failed = names.tried.as_ref().is_some_and(|(_, e)| e.is_some());
            !last_failed
                && names
                    .good
                    .as_ref()
                    .is_some_and(|(_, known)| ids.iter().any(|id| !known.contains_key(id)))
        };
        if names_due {
            locked(&cache.names).tried = None;
        }
        let (status, names) = tokio::join!(
            parts.fetch_within(
                "route53 status metrics",
                calls::CLOUDWATCH_GET_METRIC_DATA,
                now,
                PART_DEADLINE,
                read_status(cloudwatch, &kinds, now),
            ),
            through_cache(
                &cache.names,
                NAMES_TTL_SECS,
                now,
                parts.fetch_within(
                    "route53 check names",
                    calls::ROUTE53_LIST_TAGS_FOR_RESOURCES,
                    now,
                    PART_DEADLINE,
                    read_names(route53, &ids),
                ),
            ),
        );
        Ok::<_, SourceError>((checks, status, names))
    };
    let (listed, (guards, guards_failed)) = tokio::join!(listed, guards);
    let mut missing: Vec<SourceError> = Vec::new();
    let (mut checks, status, (names, names_failed)) = match listed {
        Ok(listed) => listed,
        Err(mut e) => {
            // The feed fails, naming every call that failed with it.
            e.also.extend(guards_failed);
            return Err(e);
        }
    };
    // Status: this read where it answered, else the last good reading, which keeps its own
    // time and so is judged by its age.
    let readings = {
        let mut kept = locked(&cache.status);
        match status {
            Ok(read) => kept.extend(read),
            Err(e) => missing.push(e),
        }
        kept.retain(|id, _| checks.iter().any(|c| &c.id == id));
        kept.clone()
    };
    missing.extend(names_failed);
    missing.extend(guards_failed);
    for check in &mut checks {
        if let Some(r) = readings.get(&check.id) {
            check.status = r.status;
            check.status_at = Some(r.at);
            check.healthy_percent = r.healthy_percent;
        }
        if let Some(Some(name)) = names.as_ref().and_then(|n| n.get(&check.id)) {
            check.name = name.clone();
        }
        if let Some(g) = &guards {
            check.guards = g.by_check.get(&check.id).cloned().unwrap_or_default();
        }
    }
    if let Some(g) = &guards {
        checks.extend(g.by_target.iter().map(decided_by_target));
    }
    *locked(&cache.kinds) = checks.iter().map(|c| (c.id.clone(), c.kind)).collect();
    Ok(Snapshot::new(checks, now).with_missing(missing))
}

/// A row for a failover record that Route 53 decides by its alias target's health.
fn decided_by_target(record: &FailoverRecord) -> HealthCheck {
    let alias = record.value.trim_start_matches("ALIAS ");
    HealthCheck {
        id: format!(
            "{}/{}/{}",
            record.name, record.record_type, record.set_identifier
        ),
        name: record.name.clone(),
        target: format!("{} (EvaluateTargetHealth)", record.value),
        target_region: region_in_name(alias),
        kind: CheckKind::AliasTarget,
        inverted: false,
        disabled: false,
        status: CheckStatus::Unknown,
        status_at: None,
        healthy_percent: None,
        observations: Vec::new(),
        guards: vec![record.clone()],
    }
}

/// Every health check, status unknown until the metrics say otherwise.
async fn list_checks(route53: &Client) -> Result<Vec<HealthCheck>, SourceError> {
    let mut pages = route53.list_health_checks().into_paginator().send();
    let mut out = Vec::new();
    while let Some(page) = pages.next().await {
        let page = page.map_err(|e| aws_error(calls::ROUTE53_LIST_HEALTH_CHECKS, e))?;
        out.extend(page.health_checks().iter().map(|hc| {
            let config = hc.health_check_config();
            let (name, target) = describe(config);
            HealthCheck {
                id: hc.id().to_string(),
                target_region: region_in_name(&name),
                name,
                target,
                kind: config.map_or(CheckKind::Endpoint, kind_of),
                inverted: config.and_then(|c| c.inverted()).unwrap_or(false),
                disabled: config.and_then(|c| c.disabled()).unwrap_or(false),
                status: CheckStatus::Unknown,
                status_at: None,
                healthy_percent: None,
                observations: Vec::new(),
                guards: Vec::new(),
            }
        }));
    }
    Ok(out)
}

/// What kind of check a configuration makes.
pub fn kind_of(config: &HealthCheckConfig) -> CheckKind {
    match config.r#type().as_str() {
        "CALCULATED" => CheckKind::Calculated,
        "CLOUDWATCH_METRIC" => CheckKind::CloudWatchAlarm,
        "RECOVERY_CONTROL" => CheckKind::RecoveryControl,
        _ => CheckKind::Endpoint,
    }
}

/// The `Name` tag of every check in `ids` that has one, ten checks a call.
async fn read_names(
    route53: &Client,
    ids: &[String],
) -> Result<BTreeMap<String, Option<String>>, SourceError> {
    let mut out: BTreeMap<String, Option<String>> =
        ids.iter().map(|id| (id.clone(), None)).collect();
    for batch in ids.chunks(TAGS_PER_CALL) {
        let answer = route53
            .list_tags_for_resources()
            .resource_type(TagResourceType::Healthcheck)
            .set_resource_ids(Some(batch.to_vec()))
            .send()
            .await
            .map_err(|e| aws_error(calls::ROUTE53_LIST_TAGS_FOR_RESOURCES, e))?;
        for set in answer.resource_tag_sets() {
            let name = set
                .tags()
                .iter()
                .find(|t| t.key() == Some("Name"))
                .and_then(|t| t.value())
                .filter(|v| !v.trim().is_empty());
            if let (Some(id), Some(name)) = (set.resource_id(), name) {
                out.insert(id.to_string(), Some(name.to_string()));
            }
        }
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

/// The newest status (and healthy share) of every check that has a datapoint in the last
/// hour, in one batched read. Calculated checks have no checker share, so only their status
/// is asked.
pub(crate) async fn read_status(
    cloudwatch: &aws_sdk_cloudwatch::Client,
    checks: &[(String, CheckKind)],
    now: Timestamp,
) -> Result<BTreeMap<String, StatusReading>, SourceError> {
    let mut queries = Vec::with_capacity(checks.len() * 2);
    // (check, index of its status series, index of its share series)
    let mut asked = Vec::with_capacity(checks.len());
    for (id, kind) in checks {
        let query = |metric, stat| SeriesQuery {
            namespace: "AWS/Route53",
            metric,
            dimension: "HealthCheckId",
            value: id.clone(),
            stat,
        };
        let status = queries.len();
        queries.push(query("HealthCheckStatus", "Minimum"));
        let share = kind.has_checkers().then(|| {
            queries.push(query("HealthCheckPercentageHealthy", "Average"));
            queries.len() - 1
        });
        asked.push((id, status, share));
    }
    if queries.is_empty() {
        return Ok(BTreeMap::new());
    }
    let to = minute_floor(now);
    let from = seconds_before(to, STATUS_LOOKBACK_SECS);
    let series = read_series(cloudwatch, &queries, from, to, 60).await?;
    let mut out = BTreeMap::new();
    for (id, status, share) in asked {
        let Some(&(at, value)) = series[status].last() else {
            continue;
        };
        // The share of the same minute (or a newer one): an older share is not this status's.
        let healthy_percent = share
            .and_then(|i| series[i].last())
            .filter(|(t, _)| *t >= at)
            .map(|(_, v)| *v);
        out.insert(
            id.clone(),
            StatusReading {
                status: if value >= 1.0 {
                    CheckStatus::Healthy
                } else {
                    CheckStatus::Unhealthy
                },
                at,
                healthy_percent,
            },
        );
    }
    Ok(out)
}

/// PRIMARY and SECONDARY records from every hosted zone, by what Route 53 decides each by.
async fn failover_records(route53: &Client) -> Result<Guards, SourceError> {
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
    let mut guards = Guards::default();
    for (zone_id, zone_name) in zones {
        for record in zone_records(route53, &zone_id).await? {
            match failover_record(&zone_name, &record) {
                Some((RecordHealth::Check(check), guard)) => {
                    guards.by_check.entry(check).or_default().push(guard);
                }
                Some((RecordHealth::AliasTarget, guard)) => guards.by_target.push(guard),
                // Always healthy to Route 53: nothing to watch.
                Some((RecordHealth::AlwaysHealthy, _)) | None => {}
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

/// What Route 53 decides a record's health by: its health check, else (an alias with
/// `EvaluateTargetHealth`) its alias target's health, else nothing: always healthy.
pub fn record_health(record: &ResourceRecordSet) -> RecordHealth {
    RecordHealth::of(
        record.health_check_id(),
        record
            .alias_target()
            .is_some_and(|a| a.evaluate_target_health()),
    )
}

/// The check a failover record depends on, and the record as ripcord shows it; `None` for a
/// record without a health check (see `failover_record`).
pub fn guard_of(zone: &str, record: &ResourceRecordSet) -> Option<(String, FailoverRecord)> {
    match failover_record(zone, record)? {
        (RecordHealth::Check(check), guard) => Some((check, guard)),
        _ => None,
    }
}

/// A failover record as ripcord shows it, and what Route 53 decides its health by; `None`
/// for records of other routing policies.
pub fn failover_record(
    zone: &str,
    record: &ResourceRecordSet,
) -> Option<(RecordHealth, FailoverRecord)> {
    let role = match record.failover()? {
        ResourceRecordSetFailover::Primary => FailoverRole::Primary,
        ResourceRecordSetFailover::Secondary => FailoverRole::Secondary,
        _ => return None,
    };
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
        record_health(record),
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
    #[test]
    fn failover_aliases_without_a_check_are_decided_by_their_target() {
        let alias = |evaluate: bool| {
            ResourceRecordSet::builder()
                .name("shop.example.com.")
                .r#type(RrType::A)
                .set_identifier("use1")
                .failover(ResourceRecordSetFailover::Primary)
                .alias_target(
                    AliasTarget::builder()
                        .hosted_zone_id("Z1")
                        .dns_name("shop.us-east-1.elb.amazonaws.com.")
                        .evaluate_target_health(evaluate)
                        .build()
                        .expect("ok"),
                )
                .build()
                .expect("valid")
        };
        let (health, record) = failover_record("example.com", &alias(true)).expect("failover");
        assert_eq!(health, RecordHealth::AliasTarget);
        assert_eq!(record.value, "ALIAS shop.us-east-1.elb.amazonaws.com");
        assert!(
            guard_of("example.com", &alias(true)).is_none(),
            "no check to guard"
        );
        let (health, _) = failover_record("example.com", &alias(false)).expect("failover");
        assert_eq!(health, RecordHealth::AlwaysHealthy);
        let row = decided_by_target(&record);
        assert_eq!(row.kind, CheckKind::AliasTarget);
        assert_eq!(row.target_region.as_deref(), Some("us-east-1"));
        assert_eq!(row.guards, vec![record]);
    }

    #[test]
    fn kinds_and_flags_of_configurations() {
        let calculated = HealthCheckConfig::builder()
            .r#type(HealthCheckType::Calculated)
            .child_health_checks("a")
            .build()
            .expect("valid");
        assert_eq!(kind_of(&calculated), CheckKind::Calculated);
        let alarm = HealthCheckConfig::builder()
            .r#type(HealthCheckType::CloudwatchMetric)
            .build()
            .expect("valid");
        assert_eq!(kind_of(&alarm), CheckKind::CloudWatchAlarm);
        assert!(!CheckKind::Calculated.has_checkers());
        assert!(CheckKind::Endpoint.has_checkers());
    }
}
