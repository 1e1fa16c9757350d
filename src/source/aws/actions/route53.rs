//! Route 53 for runbook actions: the records of one name, what Route 53 answers for it, the
//! status of a health check and of a change, and change batches built on the records as
//! Route 53 holds them.

use super::{change_error, receipt};
use crate::fleet::{CheckKind, CheckStatus, FailoverRole, RecordHealth};
use crate::runbook::act::port::{
    ActionResult, ChangeStatus, HealthState, Observed, Receipt, RecordChange, RecordSet,
};
use crate::source::aws::calls;
use crate::source::aws::error::aws_error;
use crate::source::aws::route53::{kind_of, observations, read_status, record_health};
use crate::source::{SourceError, SourceErrorKind};
use aws_sdk_route53::Client;
use aws_sdk_route53::types::{
    Change, ChangeAction, ChangeBatch, ResourceRecord, ResourceRecordSet,
    ResourceRecordSetFailover, RrType,
};
use jiff::Timestamp;

/// Records listed per page; a name rarely has more than a handful.
const PAGE: i32 = 100;

/// Route 53 writes names with a final dot and `*` as `\052`; runbooks may write either.
fn normal(name: &str) -> String {
    name.trim_end_matches('.')
        .replace("\\052", "*")
        .to_ascii_lowercase()
}

pub fn same_name(a: &str, b: &str) -> bool {
    normal(a) == normal(b)
}

pub fn changed(change: &RecordChange) -> &RecordSet {
    match change {
        RecordChange::Create(r) | RecordChange::Delete(r) | RecordChange::Upsert(r) => r,
    }
}

/// The record sets of `name` (of one type, or all), as Route 53 holds them. The listing is
/// ordered by name then type, so it starts at the name and stops at the first other name.
pub async fn records_named(
    route53: &Client,
    zone: &str,
    name: &str,
    record_type: Option<&str>,
) -> Result<Vec<ResourceRecordSet>, SourceError> {
    let mut out = Vec::new();
    let mut start = (
        Some(name.to_string()),
        record_type.map(RrType::from),
        None::<String>,
    );
    loop {
        let page = route53
            .list_resource_record_sets()
            .hosted_zone_id(zone)
            .set_start_record_name(start.0.take())
            .set_start_record_type(start.1.take())
            .set_start_record_identifier(start.2.take())
            .max_items(PAGE)
            .send()
            .await
            .map_err(|e| aws_error(calls::ROUTE53_LIST_RESOURCE_RECORD_SETS, e))?;
        for r in page.resource_record_sets() {
            if !same_name(r.name(), name) {
                return Ok(out);
            }
            if record_type.is_none_or(|t| r.r#type().as_str().eq_ignore_ascii_case(t)) {
                out.push(r.clone());
            }
        }
        if !page.is_truncated() || page.next_record_name().is_none() {
            return Ok(out);
        }
        start = (
            page.next_record_name().map(str::to_string),
            page.next_record_type().cloned(),
            page.next_record_identifier().map(str::to_string),
        );
    }
}

/// A record as runbooks see it. An alias record's value is its target's DNS name.
pub fn view(r: &ResourceRecordSet) -> RecordSet {
    RecordSet {
        name: r.name().to_string(),
        record_type: r.r#type().as_str().to_string(),
        set_identifier: r.set_identifier().map(str::to_string),
        failover: match r.failover() {
            Some(ResourceRecordSetFailover::Primary) => Some(FailoverRole::Primary),
            Some(ResourceRecordSetFailover::Secondary) => Some(FailoverRole::Secondary),
            _ => None,
        },
        values: match r.alias_target() {
            Some(alias) => vec![alias.dns_name().trim_end_matches('.').to_string()],
            None => r
                .resource_records()
                .iter()
                .map(|v| v.value().to_string())
                .collect(),
        },
        ttl: r.ttl().and_then(|t| u32::try_from(t).ok()),
        health_check: r.health_check_id().map(str::to_string),
    }
}

pub async fn record_sets(
    route53: &Client,
    zone: &str,
    name: &str,
    record_type: Option<&str>,
) -> ActionResult<Observed<Vec<RecordSet>>> {
    let sets = records_named(route53, zone, name, record_type).await?;
    Ok(Observed::new(
        sets.iter().map(view).collect(),
        Timestamp::now(),
    ))
}

/// The routing policy of a record other than simple or failover, if it has one.
fn other_routing(r: &ResourceRecordSet) -> Option<&'static str> {
    if r.weight().is_some() {
        Some("weight")
    } else if r.region().is_some() {
        Some("latency")
    } else if r.geo_location().is_some() {
        Some("geolocation")
    } else if r.geo_proximity_location().is_some() {
        Some("geoproximity")
    } else if r.multi_value_answer().is_some() {
        Some("multivalue answer")
    } else if r.cidr_routing_config().is_some() {
        Some("IP-based routing")
    } else {
        None
    }
}

/// What Route 53 answers for the name: a simple record's values; for a failover pair the
/// PRIMARY while its health check passes, else a SECONDARY that passes, else the PRIMARY (as
/// Route 53 does when both fail). A record without a health check counts as healthy, as it
/// does for Route 53 — unless it is an alias with `EvaluateTargetHealth`: Route 53 then
/// decides it by the target's health, which ripcord does not read, and the answer cannot be
/// told. Worked out from the records and GetHealthCheckStatus rather than asked of
/// TestDNSAnswer, which AWS emulators do not serve.
pub async fn dns_answer(
    health: &HealthReader<'_>,
    zone: &str,
    name: &str,
    record_type: &str,
) -> ActionResult<Observed<Vec<String>>> {
    let sets = records_named(health.route53, zone, name, Some(record_type)).await?;
    if let Some(policy) = sets.iter().find_map(other_routing) {
        return Err(SourceError::new(
            SourceErrorKind::Other,
            calls::ROUTE53_LIST_RESOURCE_RECORD_SETS,
            format!(
                "{name} {record_type} is routed by {policy}: ripcord works out the answer of simple and failover records only"
            ),
        ));
    }
    let role = |role| sets.iter().find(|r| r.failover() == Some(&role));
    let answer = match (
        role(ResourceRecordSetFailover::Primary),
        role(ResourceRecordSetFailover::Secondary),
    ) {
        (Some(primary), Some(secondary)) => {
            if passes(health, primary).await? || !passes(health, secondary).await? {
                view(primary).values
            } else {
                view(secondary).values
            }
        }
        (Some(only), None) | (None, Some(only)) => view(only).values,
        (None, None) => sets.first().map(|r| view(r).values).unwrap_or_default(),
    };
    Ok(Observed::new(answer, Timestamp::now()))
}

/// Whether Route 53 counts a record healthy; an error when its check's status is unknown,
/// or when Route 53 decides it by its alias target's health, which ripcord does not read.
async fn passes(
    health: &HealthReader<'_>,
    record: &ResourceRecordSet,
) -> Result<bool, SourceError> {
    let guard = record_health(record);
    if let Some(why) = guard.cannot_tell(record.name()) {
        return Err(SourceError::new(
            SourceErrorKind::Other,
            calls::ROUTE53_LIST_RESOURCE_RECORD_SETS,
            why,
        ));
    }
    let RecordHealth::Check(check) = guard else {
        return Ok(true);
    };
    let state = health.read(&check).await?.value;
    match state.status {
        CheckStatus::Healthy => Ok(true),
        CheckStatus::Unhealthy => Ok(false),
        CheckStatus::Unknown => Err(SourceError::new(
            SourceErrorKind::Other,
            calls::ROUTE53_GET_HEALTH_CHECK_STATUS,
            format!(
                "health check {check} has no status to read: cannot tell what Route 53 answers"
            ),
        )),
    }
}

pub async fn dns_change(route53: &Client, change_id: &str) -> ActionResult<Observed<ChangeStatus>> {
    let out = route53
        .get_change()
        .id(change_id)
        .send()
        .await
        .map_err(|e| aws_error(calls::ROUTE53_GET_CHANGE, e))?;
    let status = match out.change_info().map(|c| c.status()) {
        Some(aws_sdk_route53::types::ChangeStatus::Insync) => ChangeStatus::InSync,
        _ => ChangeStatus::Pending,
    };
    Ok(Observed::new(status, Timestamp::now()))
}

/// Route 53 counts an endpoint healthy when more than 18% of its checkers see it healthy.
pub fn health_of(id: &str, healthy: usize, checkers: usize) -> HealthState {
    let status = if checkers == 0 {
        CheckStatus::Unknown
    } else if healthy * 100 > checkers * 18 {
        CheckStatus::Healthy
    } else {
        CheckStatus::Unhealthy
    };
    HealthState {
        id: id.to_string(),
        status,
        healthy_checkers: healthy,
        checkers,
    }
}

/// What a health check's status is read from: Route 53, and CloudWatch (us-east-1) for a
/// calculated check, whose status GetHealthCheckStatus cannot give.
pub struct HealthReader<'a> {
    pub route53: &'a Client,
    pub metrics: Result<aws_sdk_cloudwatch::Client, SourceError>,
}

impl HealthReader<'_> {
    /// The status now. Its kind first (route53:GetHealthCheck): a calculated check has no
    /// checker regions, AWS does not answer GetHealthCheckStatus for it, and its status is the
    /// `HealthCheckStatus` metric; any other check is read from every checker region's last
    /// look (GetHealthCheckStatus). Asked on demand by a step, never polled for all checks.
    pub async fn read(&self, id: &str) -> ActionResult<Observed<HealthState>> {
        let config = self
            .route53
            .get_health_check()
            .health_check_id(id)
            .send()
            .await
            .map_err(|e| aws_error(calls::ROUTE53_GET_HEALTH_CHECK, e))?;
        let calculated = config
            .health_check()
            .and_then(|c| c.health_check_config())
            .is_some_and(|c| kind_of(c) == CheckKind::Calculated);
        if !calculated {
            return health_check(self.route53, id).await;
        }
        let metrics = self.metrics.as_ref().map_err(Clone::clone)?;
        let now = Timestamp::now();
        let readings =
            read_status(metrics, &[(id.to_string(), CheckKind::Calculated)], now).await?;
        Ok(match readings.get(id) {
            Some(reading) => Observed::new(
                HealthState {
                    id: id.to_string(),
                    status: reading.status,
                    healthy_checkers: 0,
                    checkers: 0,
                },
                reading.at,
            ),
            // No datapoint in the last hour: cannot tell, never "unhealthy".
            None => Observed::new(
                HealthState {
                    id: id.to_string(),
                    status: CheckStatus::Unknown,
                    healthy_checkers: 0,
                    checkers: 0,
                },
                now,
            ),
        })
    }
}

/// The status now, from what every checker region last saw (GetHealthCheckStatus).
async fn health_check(route53: &Client, id: &str) -> ActionResult<Observed<HealthState>> {
    let out = route53
        .get_health_check_status()
        .health_check_id(id)
        .send()
        .await
        .map_err(|e| aws_error(calls::ROUTE53_GET_HEALTH_CHECK_STATUS, e))?;
    let now = Timestamp::now();
    let seen = observations(&out, now);
    let healthy = seen.iter().filter(|o| o.healthy).count();
    Ok(Observed::new(health_of(id, healthy, seen.len()), now))
}

fn role(role: Option<FailoverRole>) -> Option<ResourceRecordSetFailover> {
    role.map(|r| match r {
        FailoverRole::Primary => ResourceRecordSetFailover::Primary,
        FailoverRole::Secondary => ResourceRecordSetFailover::Secondary,
    })
}

/// The change batch for `changes`, on the records Route 53 holds now (`current`). A DELETE
/// repeats Route 53's own record, and refuses when it differs from what the step read; a
/// change of role alone keeps everything else of the record (an alias target, say).
pub fn batch(
    changes: &[RecordChange],
    current: &[ResourceRecordSet],
) -> Result<Vec<Change>, String> {
    let find = |r: &RecordSet| {
        current.iter().find(|c| {
            same_name(c.name(), &r.name)
                && c.r#type().as_str().eq_ignore_ascii_case(&r.record_type)
                && c.set_identifier() == r.set_identifier.as_deref()
        })
    };
    let describe = |r: &RecordSet| {
        format!(
            "{} {}{}",
            r.name,
            r.record_type,
            r.set_identifier
                .as_ref()
                .map(|s| format!(" ({s})"))
                .unwrap_or_default()
        )
    };
    changes
        .iter()
        .map(|change| {
            let (action, record) = match change {
                RecordChange::Delete(r) => {
                    let held = find(r).ok_or_else(|| {
                        format!("{} no longer exists: read the records again", describe(r))
                    })?;
                    if view(held) != *r {
                        return Err(format!(
                            "{} changed since it was read: read the records again",
                            describe(r)
                        ));
                    }
                    (ChangeAction::Delete, held.clone())
                }
                RecordChange::Create(r) => (ChangeAction::Create, build(r, find(r))?),
                RecordChange::Upsert(r) => (ChangeAction::Upsert, build(r, find(r))?),
            };
            Change::builder()
                .action(action)
                .resource_record_set(record)
                .build()
                .map_err(|e| e.to_string())
        })
        .collect()
}

fn build(r: &RecordSet, held: Option<&ResourceRecordSet>) -> Result<ResourceRecordSet, String> {
    let only_the_role_changes = |h: &ResourceRecordSet| {
        let with_role = RecordSet {
            failover: r.failover,
            ..view(h)
        };
        with_role == *r
    };
    if let Some(h) = held
        && only_the_role_changes(h)
    {
        return ResourceRecordSet::builder()
            .name(h.name())
            .r#type(h.r#type().clone())
            .set_set_identifier(h.set_identifier().map(str::to_string))
            .set_weight(h.weight())
            .set_region(h.region().cloned())
            .set_geo_location(h.geo_location().cloned())
            .set_failover(role(r.failover))
            .set_multi_value_answer(h.multi_value_answer())
            .set_ttl(h.ttl())
            .set_resource_records(
                (!h.resource_records().is_empty()).then(|| h.resource_records().to_vec()),
            )
            .set_alias_target(h.alias_target().cloned())
            .set_health_check_id(h.health_check_id().map(str::to_string))
            .set_traffic_policy_instance_id(h.traffic_policy_instance_id().map(str::to_string))
            .set_cidr_routing_config(h.cidr_routing_config().cloned())
            .set_geo_proximity_location(h.geo_proximity_location().cloned())
            .build()
            .map_err(|e| e.to_string());
    }
    let values = r
        .values
        .iter()
        .map(|v| ResourceRecord::builder().value(v).build())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| e.to_string())?;
    ResourceRecordSet::builder()
        .name(&r.name)
        .r#type(RrType::from(r.record_type.as_str()))
        .set_set_identifier(r.set_identifier.clone())
        .set_failover(role(r.failover))
        .ttl(i64::from(r.ttl.unwrap_or(60)))
        .set_resource_records(Some(values))
        .set_health_check_id(r.health_check.clone())
        .build()
        .map_err(|e| e.to_string())
}

/// Sends one change batch: all of it happens, or none.
pub async fn submit(
    route53: &Client,
    zone: &str,
    batch: Vec<Change>,
    comment: &str,
) -> ActionResult<Receipt<String>> {
    let call = calls::ROUTE53_CHANGE_RESOURCE_RECORD_SETS;
    let batch = ChangeBatch::builder()
        .comment(comment)
        .set_changes(Some(batch))
        .build()
        .map_err(|e| SourceError::new(SourceErrorKind::Other, call, e.to_string()))?;
    let out = route53
        .change_resource_record_sets()
        .hosted_zone_id(zone)
        .change_batch(batch)
        .send()
        .await
        .map_err(|e| change_error(call, e))?;
    let id = out
        .change_info()
        .map(|c| c.id().trim_start_matches("/change/").to_string())
        .ok_or_else(|| {
            SourceError::new(
                SourceErrorKind::Other,
                call,
                "accepted, but no change id came back",
            )
        })?;
    Ok(receipt(id, &out))
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_sdk_route53::types::AliasTarget;

    fn failover(set: &str, role: ResourceRecordSetFailover, check: &str) -> ResourceRecordSet {
        ResourceRecordSet::builder()
            .name("api.example.com.")
            .r#type(RrType::Cname)
            .set_identifier(set)
            .failover(role)
            .ttl(60)
            .health_check_id(check)
            .resource_records(
                ResourceRecord::builder()
                    .value(format!("{set}.example.com"))
                    .build()
                    .expect("valid"),
            )
            .build()
            .expect("valid")
    }

    #[test]
    fn names_compare_without_case_final_dot_or_escapes() {
        assert!(same_name("api.example.com.", "API.example.com"));
        assert!(same_name("\\052.example.com.", "*.example.com"));
        assert!(!same_name("api.example.com", "www.example.com"));
    }

    #[test]
    fn more_than_18_percent_of_checkers_is_healthy() {
        assert_eq!(health_of("hc", 2, 8).status, CheckStatus::Healthy, "25%");
        assert_eq!(
            health_of("hc", 1, 8).status,
            CheckStatus::Unhealthy,
            "12.5%"
        );
        assert_eq!(health_of("hc", 1, 1).status, CheckStatus::Healthy);
        assert_eq!(
            health_of("hc", 0, 0).status,
            CheckStatus::Unknown,
            "no observations"
        );
    }

    #[test]
    fn a_flip_deletes_route53_records_verbatim_and_recreates_them_with_the_roles_swapped() {
        let primary = failover("use1", ResourceRecordSetFailover::Primary, "hc-1");
        let alias = ResourceRecordSet::builder()
            .name("api.example.com.")
            .r#type(RrType::Cname)
            .set_identifier("usw2")
            .failover(ResourceRecordSetFailover::Secondary)
            .health_check_id("hc-2")
            .alias_target(
                AliasTarget::builder()
                    .hosted_zone_id("Z1")
                    .dns_name("lb.us-west-2.elb.amazonaws.com.")
                    .evaluate_target_health(true)
                    .build()
                    .expect("valid"),
            )
            .build()
            .expect("valid");
        let current = vec![primary.clone(), alias.clone()];
        let (p, s) = (view(&primary), view(&alias));
        let changes = vec![
            RecordChange::Delete(p.clone()),
            RecordChange::Create(RecordSet {
                failover: Some(FailoverRole::Secondary),
                ..p
            }),
            RecordChange::Delete(s.clone()),
            RecordChange::Create(RecordSet {
                failover: Some(FailoverRole::Primary),
                ..s
            }),
        ];
        let out = batch(&changes, &current).expect("a batch");
        assert_eq!(out[0].action(), &ChangeAction::Delete);
        assert_eq!(out[0].resource_record_set(), Some(&primary));
        assert_eq!(out[2].resource_record_set(), Some(&alias));
        let promoted = out[3].resource_record_set().expect("a record");
        assert_eq!(
            promoted.failover(),
            Some(&ResourceRecordSetFailover::Primary)
        );
        assert_eq!(
            promoted.alias_target(),
            alias.alias_target(),
            "the alias target survives the flip"
        );
        assert!(promoted.resource_records().is_empty());
        assert_eq!(
            out[1].resource_record_set().and_then(|r| r.failover()),
            Some(&ResourceRecordSetFailover::Secondary)
        );
    }

    #[test]
    fn a_record_that_changed_since_it_was_read_is_not_deleted() {
        let held = failover("use1", ResourceRecordSetFailover::Primary, "hc-1");
        let stale = RecordSet {
            health_check: Some("hc-old".into()),
            ..view(&held)
        };
        let err = batch(&[RecordChange::Delete(stale.clone())], &[held]).expect_err("refused");
        assert!(err.contains("changed since it was read"), "{err}");
        let err = batch(&[RecordChange::Delete(stale)], &[]).expect_err("refused");
        assert!(err.contains("no longer exists"), "{err}");
    }

    #[test]
    fn an_upsert_builds_a_simple_record() {
        let r = RecordSet {
            name: "db.example.com.".into(),
            record_type: "CNAME".into(),
            set_identifier: None,
            failover: None,
            values: vec!["orders-dr.example.com".into()],
            ttl: Some(30),
            health_check: None,
        };
        let out = batch(&[RecordChange::Upsert(r)], &[]).expect("a batch");
        let record = out[0].resource_record_set().expect("a record");
        assert_eq!(out[0].action(), &ChangeAction::Upsert);
        assert_eq!(record.ttl(), Some(30));
        assert_eq!(
            record.resource_records()[0].value(),
            "orders-dr.example.com"
        );
        assert_eq!(record.r#type(), &RrType::Cname);
    }
}
