//! The `upsert-record` action: its arguments, what it says it will do, its pre-checks,
//! the change and its end state.

use super::*;
use crate::runbook::words::exact;

/// What the vocabulary says about this action: its name, its arguments, how it is confirmed.
pub const SPEC: ActionSpec = ActionSpec {
    name: "upsert-record",
    args: &[
        arg("zone", K::HostedZoneId, "the hosted zone id"),
        arg("name", K::DnsName, "the record name"),
        arg("type", K::String, "the record type, e.g. CNAME"),
        arg("value", K::String, "the new value"),
        optional("ttl", K::Integer, "seconds; 60 when not given"),
    ],
    always_destructive: false,
    confirm_arg: "name",
    default_timeout: Duration::from_secs(10 * 60),
    summary: "create or change a Route 53 record",
    lint: no_lint,
    uses: &["record_sets", "change_record_sets", "dns_change"],
};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpsertRecord {
    pub zone: String,
    pub name: String,
    pub record_type: String,
    pub value: String,
    pub ttl: u32,
}

impl UpsertRecord {
    /// From checked arguments (`check` and the run's start made sure the required ones are
    /// there and valid); `rpo` is the runbook's.
    pub fn build(args: &Filled, _rpo: Option<Duration>) -> Self {
        let t = |name| take(args, name);
        Self {
            zone: t("zone"),
            name: t("name"),
            record_type: t("type"),
            value: t("value"),
            ttl: take_optional(args, "ttl")
                .and_then(|v| v.parse().ok())
                .unwrap_or(60),
        }
    }
}

#[async_trait]
impl Action for UpsertRecord {
    fn resource_name(&self) -> &str {
        let Self { name, .. } = self;
        name
    }
    fn describe(&self) -> Vec<String> {
        let Self {
            zone,
            name,
            record_type,
            value,
            ttl,
        } = self;
        vec![
            // The type and value are any text: shown so that what is read is what is sent.
            format!(
                "Set {name} {} to {} (TTL {ttl}s) in zone {zone}.",
                exact(record_type),
                exact(value)
            ),
            "AWS: route53:ChangeResourceRecordSets (UPSERT), then route53:GetChange until INSYNC."
                .to_string(),
        ]
    }
    async fn prechecks(&self, actions: &dyn Actions, _clock: &Clock) -> Vec<Check> {
        let Self {
            zone,
            name,
            record_type,
            value,
            ..
        } = self;
        {
            let label = format!("zone {zone} answers for {name}");
            match actions.record_sets(zone, name, Some(record_type)).await {
                Err(e) => vec![failed(&label, &e)],
                Ok(Observed { value: sets, at }) => {
                    let now = sets
                        .iter()
                        .flat_map(|s| s.values.iter().cloned())
                        .collect::<Vec<_>>();
                    let detail = if now.is_empty() {
                        format!("no {record_type} record yet: it will be created")
                    } else {
                        format!("now {}; becomes {value}", now.join(", "))
                    };
                    vec![Check::new(label, true, detail).at(at)]
                }
            }
        }
    }
    async fn end_state(&self, actions: &dyn Actions) -> Vec<Check> {
        let Self {
            zone,
            name,
            record_type,
            value,
            ..
        } = self;
        {
            let label = format!("{name} {record_type} is {value}");
            match actions.record_sets(zone, name, Some(record_type)).await {
                Err(e) => vec![failed(&label, &e)],
                Ok(Observed { value: sets, at }) => {
                    let now: Vec<String> =
                        sets.iter().flat_map(|s| s.values.iter().cloned()).collect();
                    vec![
                        Check::new(
                            label,
                            now.iter().any(|v| same_name(v, value)),
                            if now.is_empty() {
                                "no record".to_string()
                            } else {
                                format!("now {}", now.join(", "))
                            },
                        )
                        .at(at),
                    ]
                }
            }
        }
    }
    async fn change(&self, cx: &Change<'_>) -> Result<Outcome, String> {
        let Self {
            zone,
            name,
            record_type,
            value,
            ttl,
        } = self;
        let Change {
            timeout,
            context,
            actions,
            clock,
            progress,
            requests,
            start,
            ..
        } = *cx;
        {
            let record = RecordSet {
                name: name.clone(),
                record_type: record_type.clone(),
                set_identifier: None,
                failover: None,
                values: vec![value.clone()],
                ttl: Some(*ttl),
                health_check: None,
            };
            let result = actions
                .change_record_sets(
                    zone,
                    &[RecordChange::Upsert(record)],
                    &format!("ripcord run {}", context.run),
                )
                .await;
            let change = submitted(result, requests, progress)?;
            if let Some(change) = &change {
                wait_in_sync(actions, clock, change, start, timeout, progress).await?;
            }
            let sets = actions
                .record_sets(zone, name, Some(record_type))
                .await
                .map_err(|e| format!("reading {name} back failed: {e}"))?;
            let reads_back = sets
                .value
                .iter()
                .any(|s| s.values.iter().any(|v| same_name(v, value)));
            match (reads_back, change) {
                (true, Some(change)) => Ok(Outcome::new(format!(
                    "{name} {record_type} is {value} (change {change} INSYNC)"
                ))
                .with_aws_id(format!("route53 change {change}"))),
                (true, None) => Ok(Outcome::new(format!(
                    "{name} {record_type} is {value} (the change went through although its call timed out)"
                ))),
                (false, Some(_)) => Err(format!("{name} does not read back as {value}")),
                (false, None) => Err(format!(
                    "{CHANGE_RECORD_SETS} timed out and {name} does not read {value} afterwards: r reads it again before trying again"
                )),
            }
        }
    }
}
