//! The `flip-failover-records` action: its arguments, what it says it will do, its pre-checks,
//! the change and its end state.

use super::*;

/// What the vocabulary says about this action: its name, its arguments, how it is confirmed.
pub const SPEC: ActionSpec = ActionSpec {
    name: "flip-failover-records",
    args: &[
        arg("zone", K::HostedZoneId, "the hosted zone id"),
        arg("name", K::DnsName, "the record name, e.g. api.example.com."),
        arg(
            "primary",
            K::String,
            "the set identifier of the record that becomes PRIMARY",
        ),
    ],
    always_destructive: false,
    confirm_arg: "name",
    default_timeout: Duration::from_secs(10 * 60),
    summary: "make the other record of a Route 53 failover pair PRIMARY",
    lint: no_lint,
    uses: &["record_sets", "health_check", "change_record_sets", "dns_change"],
};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FlipFailoverRecords {
    pub zone: String,
    pub name: String,
    pub primary: String,
}

impl FlipFailoverRecords {
    /// From checked arguments (`check` and the run's start made sure the required ones are
    /// there and valid); `rpo` is the runbook's.
    pub fn build(args: &Filled, _rpo: Option<Duration>) -> Self {
        let t = |name| take(args, name);
        Self {
            zone: t("zone"),
            name: t("name"),
            primary: t("primary"),
        }
    }
}

#[async_trait]
impl Action for FlipFailoverRecords {
    fn resource_name(&self) -> &str {
        let Self { name, .. } = self;
        name
    }
    fn describe(&self) -> Vec<String> {
        let Self {
            zone,
            name,
            primary,
        } = self;
        vec![
                format!(
                    "Make record set `{primary}` the PRIMARY of failover pair {name} (zone {zone}); the other becomes SECONDARY."
                ),
                "Traffic follows within the record's TTL. One change batch: both records change together."
                    .to_string(),
                "AWS: route53:ChangeResourceRecordSets, then route53:GetChange until INSYNC."
                    .to_string(),
            ]
    }
    async fn prechecks(&self, actions: &dyn Actions, _clock: &Clock) -> Vec<Check> {
        let Self {
            zone,
            name,
            primary,
        } = self;
        match failover_pair(actions, zone, name).await {
            Err(check) => vec![check],
            Ok((pair, at)) => {
                let mut checks = Vec::new();
                let chosen = pair
                    .iter()
                    .find(|r| r.set_identifier.as_deref() == Some(primary));
                checks.push(
                    Check::new(
                        format!("`{primary}` is the SECONDARY of {name}"),
                        chosen.is_some_and(|r| r.failover == Some(FailoverRole::Secondary)),
                        match chosen {
                            None => format!(
                                "no such set; the pair is {}",
                                pair.iter()
                                    .filter_map(|r| r.set_identifier.clone())
                                    .collect::<Vec<_>>()
                                    .join(" and ")
                            ),
                            Some(r) => format!(
                                "{} → {}",
                                r.failover.map_or("?", FailoverRole::word),
                                r.values.join(", ")
                            ),
                        },
                    )
                    .at(at),
                );
                if let Some(check_id) = chosen.and_then(|r| r.health_check.clone()) {
                    let label = format!("its health check {check_id} is healthy");
                    checks.push(match actions.health_check(&check_id).await {
                        Ok(Observed { value: h, at }) => Check::new(
                            label,
                            h.status == CheckStatus::Healthy,
                            format!(
                                "{} ({}/{})",
                                h.status.word(),
                                h.healthy_checkers,
                                h.checkers
                            ),
                        )
                        .at(at),
                        Err(e) => failed(&label, &e),
                    });
                }
                checks
            }
        }
    }
    async fn end_state(&self, actions: &dyn Actions) -> Vec<Check> {
        let Self {
            zone,
            name,
            primary,
        } = self;
        match failover_pair(actions, zone, name).await {
            Err(check) => vec![check],
            Ok((pair, at)) => {
                let now_primary = pair
                    .iter()
                    .find(|r| r.failover == Some(FailoverRole::Primary));
                vec![
                    Check::new(
                        format!("`{primary}` is the PRIMARY of {name}"),
                        now_primary.is_some_and(|r| r.set_identifier.as_deref() == Some(primary)),
                        now_primary.map_or_else(
                            || "no PRIMARY record".to_string(),
                            |r| {
                                format!(
                                    "PRIMARY is `{}` → {}",
                                    r.set_identifier.clone().unwrap_or_default(),
                                    r.values.join(", ")
                                )
                            },
                        ),
                    )
                    .at(at),
                ]
            }
        }
    }
    async fn change(&self, cx: &Change<'_>) -> Result<Outcome, String> {
        let Self {
            zone,
            name,
            primary,
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
            let (pair, _) = failover_pair(actions, zone, name)
                .await
                .map_err(|c| format!("{}: {}", c.label, c.detail))?;
            let mut changes = Vec::new();
            for record in &pair {
                let role = if record.set_identifier.as_deref() == Some(primary) {
                    FailoverRole::Primary
                } else {
                    FailoverRole::Secondary
                };
                changes.push(RecordChange::Delete(record.clone()));
                changes.push(RecordChange::Create(RecordSet {
                    failover: Some(role),
                    ..record.clone()
                }));
            }
            let result = actions
                .change_record_sets(zone, &changes, &format!("ripcord run {}", context.run))
                .await;
            let change = submitted(result, requests, progress)?;
            if let Some(change) = &change {
                wait_in_sync(actions, clock, change, start, timeout, progress).await?;
            }
            let (after, _) = failover_pair(actions, zone, name)
                .await
                .map_err(|c| format!("{}: {}", c.label, c.detail))?;
            let now_primary = after
                .iter()
                .find(|r| r.failover == Some(FailoverRole::Primary));
            match (now_primary, change) {
                (Some(r), Some(change)) if r.set_identifier.as_deref() == Some(primary) => {
                    Ok(Outcome::new(format!(
                        "{name}: `{primary}` is PRIMARY → {} (change {change} INSYNC)",
                        r.values.join(", ")
                    ))
                    .with_aws_id(format!("route53 change {change}")))
                }
                (Some(r), None) if r.set_identifier.as_deref() == Some(primary) => {
                    Ok(Outcome::new(format!(
                        "{name}: `{primary}` is PRIMARY → {} (the change went through although its call timed out; Route 53 answers it everywhere within about a minute)",
                        r.values.join(", ")
                    )))
                }
                (_, Some(_)) => Err(format!(
                    "the change is INSYNC but `{primary}` is not PRIMARY: read the records in the console"
                )),
                (_, None) => Err(format!(
                    "{CHANGE_RECORD_SETS} timed out and `{primary}` is not PRIMARY in the records read afterwards: r reads them again before trying again"
                )),
            }
        }
    }
}

/// The PRIMARY and SECONDARY records of a failover pair, or a check saying what is wrong.
async fn failover_pair(
    actions: &dyn Actions,
    zone: &str,
    name: &str,
) -> Result<(Vec<RecordSet>, Timestamp), Check> {
    let label = format!("{name} is a failover pair");
    let Observed { value: sets, at } = actions
        .record_sets(zone, name, None)
        .await
        .map_err(|e| failed(&label, &e))?;
    let pair: Vec<RecordSet> = sets.into_iter().filter(|s| s.failover.is_some()).collect();
    let roles: Vec<FailoverRole> = pair.iter().filter_map(|r| r.failover).collect();
    if pair.len() == 2
        && roles.contains(&FailoverRole::Primary)
        && roles.contains(&FailoverRole::Secondary)
    {
        Ok((pair, at))
    } else {
        Err(Check::new(
            label,
            false,
            format!(
                "{} failover records, need one PRIMARY and one SECONDARY",
                pair.len()
            ),
        )
        .at(at))
    }
}
