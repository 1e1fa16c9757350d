//! The `promote-read-replica` action: its arguments, what it says it will do, its pre-checks,
//! the change and its end state.

use super::*;

/// What the vocabulary says about this action: its name, its arguments, how it is confirmed.
pub const SPEC: ActionSpec = ActionSpec {
    name: "promote-read-replica",
    args: &[
        arg("replica", K::RdsInstanceId, "the read replica to promote"),
        REGION,
        ArgSpec {
            allows_rpo: true,
            allows_any: true,
            ..optional(
                "max_lag",
                K::Duration,
                "the most replica lag the promotion accepts: a duration, `rpo` (the default) or `any` (a recorded override)",
            )
        },
        optional(
            "backup_retention_days",
            K::Integer,
            "days of point-in-time recovery the promoted instance keeps; the replica's own retention when not given",
        ),
    ],
    always_destructive: true,
    confirm_arg: "replica",
    default_timeout: Duration::from_secs(60 * 60),
    summary: "promote an RDS read replica to a standalone instance (irreversible)",
    lint: no_lint,
    uses: &["db_instance", "replication_lag", "promote_read_replica"],
};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PromoteReadReplica {
    pub region: String,
    pub replica: String,
    /// The lag the promotion accepts (the runbook's RPO unless the step says otherwise);
    /// `None`: not limited (`max_lag: any`, or a runbook without an RPO).
    #[serde(default, with = "humantime_serde")]
    pub max_lag: Option<Duration>,
    /// Sent with the promotion; the replica's own retention when not given.
    #[serde(default)]
    pub backup_retention_days: Option<u32>,
}

impl PromoteReadReplica {
    /// From checked arguments (`check` and the run's start made sure the required ones are
    /// there and valid); `rpo` is the runbook's.
    pub fn build(args: &Filled, rpo: Option<Duration>) -> Self {
        let t = |name| take(args, name);
        Self {
            region: t("region"),
            replica: t("replica"),
            max_lag: match take_optional(args, "max_lag").as_deref() {
                Some("any") => None,
                None | Some("rpo") => rpo,
                // Checked before the run started; never unlimited by accident.
                Some(d) => humantime::parse_duration(d).ok().or(rpo),
            },
            backup_retention_days: take_optional(args, "backup_retention_days")
                .and_then(|d| d.parse().ok()),
        }
    }
}

#[async_trait]
impl Action for PromoteReadReplica {
    fn resource_name(&self) -> &str {
        let Self { replica, .. } = self;
        replica
    }
    fn describe(&self) -> Vec<String> {
        let Self {
            region,
            replica,
            max_lag,
            backup_retention_days,
        } = self;
        vec![
                format!("Promote read replica {replica} in {region} to a standalone instance."),
                "Replication from its source stops for good: it can never be a replica of it again."
                    .to_string(),
                match max_lag {
                    Some(max) => format!(
                        "Refused unless its lag, read fresh, is below {} (writes within the lag are lost).",
                        crate::fleet::format_duration(*max)
                    ),
                    None => "Its lag is NOT limited (max_lag: any, or no RPO): writes within the lag are lost.".to_string(),
                },
                match backup_retention_days {
                    Some(days) => format!("The promoted instance keeps {days} days of point-in-time recovery."),
                    None => "The promoted instance keeps the replica's backup retention (sent explicitly, not AWS's 1-day default).".to_string(),
                },
                "AWS: rds:PromoteReadReplica, then rds:DescribeDBInstances until it has no source."
                    .to_string(),
            ]
    }
    fn lift_limit(&mut self) {
        self.max_lag = None;
    }
    async fn prechecks(&self, actions: &dyn Actions, clock: &Clock) -> Vec<Check> {
        let Self {
            region,
            replica,
            max_lag,
            backup_retention_days,
        } = self;
        {
            let mut checks = Vec::new();
            let exists = format!("{replica} exists in {region}");
            match actions.db_instance(region, replica).await {
                Err(e) => checks.push(failed(&exists, &e)),
                Ok(Observed { value: None, at }) => {
                    checks.push(Check::new(exists, false, "no such instance").at(at));
                }
                Ok(Observed {
                    value: Some(db),
                    at,
                }) => {
                    checks.push(Check::new(exists, true, db.engine.clone()).at(at));
                    checks.push(
                        Check::new(
                            format!("{replica} is a read replica"),
                            db.replica_source.is_some(),
                            db.replica_source.as_ref().map_or_else(
                                || "it has no source: already promoted?".to_string(),
                                |s| format!("replicates from {s}"),
                            ),
                        )
                        .at(at),
                    );
                    checks.push(
                        Check::new(
                            format!("{replica} is available"),
                            db.status == "available",
                            format!("status {}", db.status),
                        )
                        .at(at),
                    );
                    checks.push(retention_check(&db, *backup_retention_days, at));
                }
            }
            checks.push(lag_within(actions, clock, region, replica, *max_lag).await);
            checks
        }
    }
    async fn end_state(&self, actions: &dyn Actions) -> Vec<Check> {
        let Self {
            region, replica, ..
        } = self;
        {
            let label = format!("{replica} is promoted (no longer a read replica)");
            match actions.db_instance(region, replica).await {
                Err(e) => vec![failed(&label, &e)],
                Ok(Observed { value: None, at }) => {
                    vec![
                        Check::new(label, false, format!("no instance {replica} in {region}"))
                            .at(at),
                    ]
                }
                Ok(Observed {
                    value: Some(db),
                    at,
                }) => vec![
                    Check::new(
                        label,
                        db.replica_source.is_none(),
                        match &db.replica_source {
                            Some(source) => format!("still replicates from {source}"),
                            None => format!("standalone, status {}", db.status),
                        },
                    )
                    .at(at),
                ],
            }
        }
    }
    async fn change(&self, cx: &Change<'_>) -> Result<Outcome, String> {
        let Self {
            region,
            replica,
            backup_retention_days,
            ..
        } = self;
        let Change {
            timeout,
            actions,
            clock,
            progress,
            start,
            ..
        } = *cx;
        let accepted = |result: ActionResult<Receipt>, call: &str| cx.accepted(result, call);
        let every = actions.poll_every();
        {
            let retention = match backup_retention_days {
                Some(days) => *days,
                None => match actions.db_instance(region, replica).await {
                    Ok(Observed {
                        value: Some(db), ..
                    }) => match db.backup_retention_days {
                        Some(days) if days >= 1 => days,
                        _ => {
                            return Err(format!(
                                "{replica} keeps no backups (or RDS did not say how many): give backup_retention_days, so the new primary has point-in-time recovery"
                            ));
                        }
                    },
                    Ok(Observed { value: None, .. }) => {
                        return Err(format!("no instance {replica} in {region}"));
                    }
                    Err(e) => {
                        return Err(format!("reading {replica}'s backup retention failed: {e}"));
                    }
                },
            };
            accepted(
                actions
                    .promote_read_replica(region, replica, retention)
                    .await,
                "rds:PromoteReadReplica",
            )?;
            progress(format!(
                "the promoted instance keeps {retention} days of point-in-time recovery"
            ));
            let mut last = String::new();
            loop {
                match actions.db_instance(region, replica).await {
                    Ok(Observed {
                        value: Some(db), ..
                    }) if db.replica_source.is_none() => {
                        return Ok(Outcome::new(format!(
                            "{replica} is a standalone instance (status {}) after {}",
                            db.status,
                            format_duration(age_between(start, clock.now()))
                        )));
                    }
                    Ok(Observed {
                        value: Some(db), ..
                    }) => {
                        note(
                            progress,
                            &mut last,
                            format!("{replica}: status {}", db.status),
                        );
                    }
                    Ok(Observed { value: None, .. }) => {
                        return Err(format!("{replica} disappeared while being promoted"));
                    }
                    Err(e) => note(
                        progress,
                        &mut last,
                        format!("reading {replica} failed: {e}"),
                    ),
                }
                if cx.past_deadline() {
                    return Err(format!(
                        "{replica} still has a source after {}: {last}",
                        format_duration(timeout)
                    ));
                }
                pause(clock, every).await;
            }
        }
    }
}

/// The promotion's own lag gate, read fresh: within `max` (the runbook's RPO unless the step
/// says otherwise), or, with no limit (`max_lag: any`), shown and marked as the override it is.
async fn lag_within(
    actions: &dyn Actions,
    clock: &Clock,
    region: &str,
    replica: &str,
    max: Option<Duration>,
) -> Check {
    let lost = "writes not yet on the replica (lost with the source)";
    match max {
        Some(max) => {
            let probe = ReplicaLagBelow {
                region: region.to_string(),
                replica: replica.to_string(),
                max,
            };
            let mut check = probe.evaluate(actions, clock).await;
            check.label = format!(
                "{lost}: lag below {} (max_lag; o lifts it, with a reason)",
                format_duration(max)
            );
            check.liftable()
        }
        None => {
            let mut check = lag_info(actions, region, replica, lost).await;
            check.detail = format!(
                "{}; NOT LIMITED: max_lag is `any` (or the runbook has no RPO)",
                check.detail
            );
            check
        }
    }
}

/// The retention the promoted instance will keep: the step's, else the replica's own, which
/// must keep point-in-time recovery (at least a day).
fn retention_check(db: &DbInstance, given: Option<u32>, at: Timestamp) -> Check {
    let label = format!("{} keeps point-in-time recovery once promoted", db.id);
    match (given, db.backup_retention_days) {
        (Some(days), _) => Check::new(label, days >= 1, format!("backup_retention_days {days}")),
        (None, Some(days)) => Check::new(
            label,
            days >= 1,
            if days >= 1 {
                format!("{days} days, as the replica keeps now")
            } else {
                "the replica keeps no backups: give backup_retention_days".to_string()
            },
        ),
        (None, None) => Check::unknown(label, "RDS did not report the replica's backup retention"),
    }
    .at(at)
}
