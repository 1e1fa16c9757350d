//! What each typed action and condition means, written once against `Actions`: the pre-checks
//! read before confirming, the change, and the verification of the end state. The AWS source
//! and the simulator only translate single calls; the judgement lives here.

use super::actions::DbInstance;
use super::actions::{
    ActionResult, Actions, ChangeStatus, Observed, Receipt, RecordChange, RecordSet,
    RestoreRequest, RestoreStatus,
};
use super::vocab::{Operation, Pin, PinnedRecoveryPoint, Probe};
use super::work::{ActionContext, Check, Outcome, RequestId, Subject};
use crate::clock::Clock;
use crate::fleet::{CheckStatus, FailoverRole, age_between, format_duration, format_lag};
use crate::source::{SourceError, SourceErrorKind};
use jiff::Timestamp;
use std::time::Duration;

/// A lag datapoint older than this (or than the limit it is judged against, when that is
/// shorter) cannot pass a gate: the metric may have stopped.
pub const MAX_DATAPOINT_AGE: Duration = Duration::from_secs(5 * 60);

/// Where progress lines go while a step runs.
pub type Progress<'a> = &'a (dyn Fn(String) + Send + Sync);

/// Waits between reads. A manual clock (tests, drills) is moved on instead of slept on, so a
/// simulated ten-minute restore takes no real time.
pub async fn pause(clock: &Clock, d: Duration) {
    match clock {
        Clock::Manual(_) => {
            clock.advance(d);
            tokio::task::yield_now().await;
        }
        Clock::System => tokio::time::sleep(d).await,
    }
}

/// Reads what a step depends on.
pub async fn inspect(subject: &Subject, actions: &dyn Actions, clock: &Clock) -> Vec<Check> {
    match subject {
        Subject::PreChecks(op) => prechecks(op, actions, clock).await,
        Subject::Condition(probe) => vec![evaluate(probe, actions, clock).await],
        Subject::EndState(op) => end_state(op, actions).await,
    }
}

/// Whether an action's end state already holds, read from the live state. Asked for a step
/// in doubt (its intent was recorded, its result was not): the operator sees this before
/// deciding to accept the step as done or to send it again. Reads only.
pub async fn end_state(op: &Operation, actions: &dyn Actions) -> Vec<Check> {
    match op {
        Operation::PromoteReadReplica {
            region, replica, ..
        } => {
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
        Operation::SwitchoverGlobalCluster {
            region,
            global_cluster,
            target_cluster,
        }
        | Operation::FailoverGlobalCluster {
            region,
            global_cluster,
            target_cluster,
        } => {
            let label = format!("{target_cluster} is the primary of {global_cluster}");
            match actions.global_cluster(region, global_cluster).await {
                Err(e) => vec![failed(&label, &e)],
                Ok(Observed { value: None, at }) => {
                    vec![Check::new(label, false, "no such global cluster").at(at)]
                }
                Ok(Observed { value: Some(g), at }) => {
                    let writer = g.writer().map(|w| w.cluster.clone());
                    let detail = format!(
                        "primary {}; {}",
                        writer.clone().unwrap_or_else(|| "none".to_string()),
                        g.changing.clone().unwrap_or_else(|| g.status.clone())
                    );
                    if g.changing.is_some() {
                        // Under way: it may end either way, so it cannot be told yet.
                        vec![Check::unknown(label, detail).at(at)]
                    } else {
                        vec![
                            Check::new(label, writer.as_deref() == Some(target_cluster), detail)
                                .at(at),
                        ]
                    }
                }
            }
        }
        Operation::FailoverDbCluster {
            region,
            cluster,
            target_instance,
        } => {
            let label = match target_instance {
                Some(t) => format!("{t} is the writer of {cluster}"),
                None => format!("the writer of {cluster} moved"),
            };
            match actions.db_cluster(region, cluster).await {
                Err(e) => vec![failed(&label, &e)],
                Ok(Observed { value: None, at }) => {
                    vec![Check::new(label, false, "no such cluster").at(at)]
                }
                Ok(Observed { value: Some(c), at }) => {
                    let writer = c.writer().unwrap_or("none").to_string();
                    let detail = format!("writer {writer}, status {}", c.status);
                    match target_instance {
                        Some(t) => vec![Check::new(label, writer == *t, detail).at(at)],
                        // Without a target the end state is "a different writer than before",
                        // and the writer before is in the run log, not in the live state.
                        None => vec![
                            Check::unknown(
                                label,
                                format!("{detail}: compare with the writer in the run log"),
                            )
                            .at(at),
                        ],
                    }
                }
            }
        }
        Operation::FlipFailoverRecords {
            zone,
            name,
            primary,
        } => match failover_pair(actions, zone, name).await {
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
        },
        Operation::UpsertRecord {
            zone,
            name,
            record_type,
            value,
            ..
        } => {
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
        Operation::RestoreNewestRecoveryPoint { region, target, .. } => {
            let label = format!("a restore made {target}");
            match actions.restore_job_that_created(region, target).await {
                Err(e) => vec![failed(&label, &e)],
                Ok(Observed { value: None, at }) => vec![
                    Check::new(label, false, "no restore job made it: none was started").at(at),
                ],
                Ok(Observed {
                    value: Some(job),
                    at,
                }) => {
                    let check = Check::new(
                        label,
                        job.status == RestoreStatus::Completed,
                        format!(
                            "restore job {} {}{}",
                            job.id,
                            job.status.word(),
                            if job.status == RestoreStatus::Completed {
                                ""
                            } else {
                                ": sending again reuses its idempotency token, so no second job starts"
                            }
                        ),
                    )
                    .at(at);
                    // Sent again, the step asks for the very point this job restores.
                    let pin = match (&job.recovery_point, &job.resource_type) {
                        (Some(arn), Some(resource_type)) => {
                            Some(Pin::RecoveryPoint(PinnedRecoveryPoint {
                                arn: arn.clone(),
                                resource_type: resource_type.clone(),
                            }))
                        }
                        _ => None,
                    };
                    vec![match pin {
                        Some(pin) => check.pinning(pin),
                        None => check,
                    }]
                }
            }
        }
        Operation::DeleteRestoredInstance { region, instance } => {
            let label = format!("{instance} is deleted");
            match actions.db_instance(region, instance).await {
                Err(e) => vec![failed(&label, &e)],
                Ok(Observed { value: None, at }) => {
                    vec![Check::new(label, true, "no such instance").at(at)]
                }
                Ok(Observed {
                    value: Some(db),
                    at,
                }) => vec![Check::new(label, false, format!("status {}", db.status)).at(at)],
            }
        }
    }
}

fn failed(label: &str, e: &SourceError) -> Check {
    Check::unknown(label, format!("could not read: {e}"))
}

/// Whether a condition holds now, with the value seen and its age.
pub async fn evaluate(probe: &Probe, actions: &dyn Actions, clock: &Clock) -> Check {
    let label = probe.describe();
    match probe {
        Probe::ReplicaLagBelow {
            region,
            replica,
            max,
        } => match actions.replication_lag(region, replica).await {
            Err(e) => failed(&label, &e),
            Ok(Observed { value: None, at }) => {
                Check::new(label, false, "replication is not active").at(at)
            }
            Ok(Observed {
                value: Some(lag),
                at,
            }) => {
                let old = age_between(at, clock.now());
                // A value older than the limit it is judged against says nothing about now.
                let oldest_usable = (*max).min(MAX_DATAPOINT_AGE);
                if old > oldest_usable {
                    Check::unknown(
                        label,
                        format!(
                            "lag {} but the newest datapoint is {} old, older than the {} it is judged against",
                            format_lag(lag),
                            format_duration(old),
                            format_duration(oldest_usable)
                        ),
                    )
                    .at(at)
                } else {
                    Check::new(label, lag < *max, format!("lag {}", format_lag(lag))).at(at)
                }
            }
        },
        Probe::DbInstanceAvailable { region, instance } => {
            match actions.db_instance(region, instance).await {
                Err(e) => failed(&label, &e),
                Ok(Observed { value: None, at }) => {
                    Check::new(label, false, format!("no instance {instance} in {region}")).at(at)
                }
                Ok(Observed {
                    value: Some(db),
                    at,
                }) => Check::new(
                    label,
                    db.status == "available",
                    format!("status {}", db.status),
                )
                .at(at),
            }
        }
        Probe::DbClusterAvailable { region, cluster } => {
            match actions.db_cluster(region, cluster).await {
                // Silence is not "unavailable": a region that does not answer (or a denied,
                // throttled read) cannot tell, and never picks a branch.
                Err(e) => failed(&label, &e),
                Ok(Observed { value: None, at }) => {
                    Check::new(label, false, format!("no cluster {cluster} in {region}")).at(at)
                }
                Ok(Observed { value: Some(c), at }) => Check::new(
                    label,
                    c.status == "available",
                    format!(
                        "status {}, writer {}",
                        c.status,
                        c.writer().unwrap_or("none")
                    ),
                )
                .at(at),
            }
        }
        Probe::HealthCheckHealthy { check } | Probe::HealthCheckFailing { check } => {
            let want_healthy = matches!(probe, Probe::HealthCheckHealthy { .. });
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
        Probe::DnsAnswerIs {
            zone,
            name,
            record_type,
            value,
        } => match actions.dns_answer(zone, name, record_type).await {
            Err(e) => failed(&label, &e),
            Ok(Observed { value: answers, at }) => {
                let holds = answers.iter().any(|a| same_name(a, value));
                let detail = if answers.is_empty() {
                    "no answer".to_string()
                } else {
                    format!("answers {}", answers.join(", "))
                };
                Check::new(label, holds, detail).at(at)
            }
        },
    }
}

/// DNS names compare without case and without the trailing dot.
fn same_name(a: &str, b: &str) -> bool {
    a.trim_end_matches('.')
        .eq_ignore_ascii_case(b.trim_end_matches('.'))
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
            let probe = Probe::ReplicaLagBelow {
                region: region.to_string(),
                replica: replica.to_string(),
                max,
            };
            let mut check = evaluate(&probe, actions, clock).await;
            check.label = format!(
                "{lost}: lag below {} (max_lag; `any` overrides)",
                format_duration(max)
            );
            check
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

/// Lag read for information: shown, never blocking (a failed read says so instead).
async fn lag_info(actions: &dyn Actions, region: &str, replica: &str, label: &str) -> Check {
    match actions.replication_lag(region, replica).await {
        Ok(Observed {
            value: Some(lag),
            at,
        }) => Check::new(label, true, format!("lag {}", format_lag(lag))).at(at),
        Ok(Observed { value: None, at }) => {
            Check::new(label, true, "replication not active").at(at)
        }
        Err(e) => Check::new(label, true, format!("lag unknown: {e}")),
    }
}

/// What must hold before an action may run, with the values seen.
pub async fn prechecks(op: &Operation, actions: &dyn Actions, clock: &Clock) -> Vec<Check> {
    match op {
        Operation::PromoteReadReplica {
            region,
            replica,
            max_lag,
            backup_retention_days,
        } => {
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
        Operation::SwitchoverGlobalCluster {
            region,
            global_cluster,
            target_cluster,
        }
        | Operation::FailoverGlobalCluster {
            region,
            global_cluster,
            target_cluster,
        } => {
            let planned = matches!(op, Operation::SwitchoverGlobalCluster { .. });
            let mut checks = Vec::new();
            let exists = format!("global database {global_cluster} exists");
            match actions.global_cluster(region, global_cluster).await {
                Err(e) => checks.push(failed(&exists, &e)),
                Ok(Observed { value: None, at }) => {
                    checks.push(Check::new(exists, false, "no such global cluster").at(at));
                }
                Ok(Observed { value: Some(g), at }) => {
                    let writer = g.writer().cloned();
                    checks.push(
                        Check::new(
                            exists,
                            true,
                            format!(
                                "primary {}",
                                writer.as_ref().map_or("none".to_string(), |w| format!(
                                    "{} ({})",
                                    w.cluster, w.region
                                ))
                            ),
                        )
                        .at(at),
                    );
                    let target = g.member(target_cluster);
                    checks.push(
                        Check::new(
                            format!("{target_cluster} is a secondary of it"),
                            target.is_some_and(|m| !m.is_writer),
                            match target {
                                None => "not a member".to_string(),
                                Some(m) if m.is_writer => "it is already the primary".to_string(),
                                Some(m) => format!("secondary in {}", m.region),
                            },
                        )
                        .at(at),
                    );
                    checks.push(
                        Check::new(
                            "no role change under way",
                            g.changing.is_none(),
                            g.changing.clone().unwrap_or_else(|| g.status.clone()),
                        )
                        .at(at),
                    );
                    if planned && let Some(w) = writer {
                        let label = format!("the primary {} answers in {}", w.cluster, w.region);
                        match actions.db_cluster(&w.region, &w.cluster).await {
                            Ok(Observed { value: Some(c), at }) => checks.push(
                                Check::new(label, true, format!("status {}", c.status)).at(at),
                            ),
                            Ok(Observed { value: None, at }) => checks.push(
                                Check::new(label, false, "the primary cluster is gone").at(at),
                            ),
                            // Cannot tell is not "gone": it blocks, and says what to do.
                            Err(e) => checks.push(Check::unknown(
                                label,
                                format!(
                                    "could not read: {e}: a switchover needs both regions; skip it for the failover if the region is down"
                                ),
                            )),
                        }
                    }
                }
            }
            let label = if planned {
                "secondary's lag (the switchover waits it out)"
            } else {
                "DATA LOSS if failed over now: writes within the lag"
            };
            checks.push(lag_info(actions, region, target_cluster, label).await);
            checks
        }
        Operation::FailoverDbCluster {
            region,
            cluster,
            target_instance,
        } => {
            let exists = format!("cluster {cluster} exists in {region}");
            match actions.db_cluster(region, cluster).await {
                Err(e) => vec![failed(&exists, &e)],
                Ok(Observed { value: None, at }) => {
                    vec![Check::new(exists, false, "no such cluster").at(at)]
                }
                Ok(Observed { value: Some(c), at }) => {
                    let mut checks = vec![
                        Check::new(
                            exists,
                            true,
                            format!("writer {}", c.writer().unwrap_or("none")),
                        )
                        .at(at),
                        Check::new(
                            format!("{cluster} has a reader to fail over to"),
                            c.members.len() >= 2,
                            format!("{} instances", c.members.len()),
                        )
                        .at(at),
                        Check::new(
                            format!("{cluster} is available"),
                            c.status == "available",
                            format!("status {}", c.status),
                        )
                        .at(at),
                    ];
                    if let Some(t) = target_instance {
                        let member = c.members.iter().find(|m| m.instance == *t);
                        checks.push(
                            Check::new(
                                format!("{t} is a reader of {cluster}"),
                                member.is_some_and(|m| !m.is_writer),
                                match member {
                                    None => "not a member".to_string(),
                                    Some(m) if m.is_writer => "already the writer".to_string(),
                                    Some(_) => "reader".to_string(),
                                },
                            )
                            .at(at),
                        );
                    }
                    checks
                }
            }
        }
        Operation::FlipFailoverRecords {
            zone,
            name,
            primary,
        } => match failover_pair(actions, zone, name).await {
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
        },
        Operation::UpsertRecord {
            zone,
            name,
            record_type,
            value,
            ..
        } => {
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
        Operation::RestoreNewestRecoveryPoint {
            region,
            vault,
            resource,
            target,
            ..
        } => {
            let mut checks = Vec::new();
            let label = format!("{resource} has a recovery point in {vault}");
            match actions.newest_recovery_point(region, vault, resource).await {
                Err(e) => checks.push(failed(&label, &e)),
                Ok(Observed { value: None, at }) => {
                    checks.push(Check::new(label, false, "none completed").at(at));
                }
                Ok(Observed { value: Some(p), .. }) => {
                    // The point shown is the point restored: confirming pins it.
                    checks.push(
                        Check::new(
                            label,
                            true,
                            format!("newest {} (restored if you confirm)", p.arn),
                        )
                        .at(p.completed_at)
                        .pinning(Pin::RecoveryPoint(PinnedRecoveryPoint {
                            arn: p.arn.clone(),
                            resource_type: p.resource_type.clone(),
                        })),
                    );
                }
            }
            let free = format!("no instance is called {target} yet");
            checks.push(match actions.db_instance(region, target).await {
                Err(e) => failed(&free, &e),
                Ok(Observed { value: None, at }) => Check::new(free, true, "name is free").at(at),
                Ok(Observed {
                    value: Some(db),
                    at,
                }) => Check::new(free, false, format!("it exists ({})", db.status)).at(at),
            });
            checks
        }
        Operation::DeleteRestoredInstance { region, instance } => {
            let mut checks = Vec::new();
            let exists = format!("{instance} exists in {region}");
            match actions.db_instance(region, instance).await {
                Err(e) => checks.push(failed(&exists, &e)),
                Ok(Observed { value, at }) => checks.push(
                    Check::new(
                        exists,
                        value.is_some(),
                        value.map_or("no such instance".to_string(), |d| {
                            format!("status {}", d.status)
                        }),
                    )
                    .at(at),
                ),
            }
            let label = format!("a restore job created {instance}");
            checks.push(
                match actions.restore_job_that_created(region, instance).await {
                    Err(e) => failed(&label, &e),
                    Ok(Observed {
                        value: Some(job),
                        at,
                    }) => Check::new(label, true, format!("restore job {}", job.id)).at(at),
                    Ok(Observed { value: None, at }) => Check::new(
                        label,
                        false,
                        "no restore job made it: refusing to delete it",
                    )
                    .at(at),
                },
            );
            checks
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

/// The request ids of the changes a step made, collected as they are accepted.
#[derive(Default)]
struct Requests(std::sync::Mutex<Vec<RequestId>>);

impl Requests {
    fn record<T>(&self, call: &str, receipt: &Receipt<T>, progress: Progress<'_>) {
        match &receipt.request_id {
            Some(id) => {
                progress(format!("{call} accepted (request id {id})"));
                self.0
                    .lock()
                    .unwrap_or_else(|p| p.into_inner())
                    .push(RequestId {
                        call: call.to_string(),
                        id: id.clone(),
                    });
            }
            None => progress(format!("{call} accepted")),
        }
    }

    fn take(&self) -> Vec<RequestId> {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(|p| p.into_inner()))
    }
}

const CHANGE_RECORD_SETS: &str = "route53:ChangeResourceRecordSets";
const START_RESTORE_JOB: &str = "backup:StartRestoreJob";

/// Runs an action and waits for its end state. The request ids of the changes it made go
/// into the outcome, or into the error when the step fails after a change was accepted: that
/// is when an operator needs them most.
pub async fn carry_out(
    op: &Operation,
    timeout: Duration,
    context: &ActionContext,
    actions: &dyn Actions,
    clock: &Clock,
    progress: Progress<'_>,
) -> Result<Outcome, String> {
    let requests = Requests::default();
    let result = change_and_verify(op, timeout, context, actions, clock, progress, &requests).await;
    let ids = requests.take();
    match result {
        Ok(mut outcome) => {
            outcome.requests = ids;
            Ok(outcome)
        }
        Err(error) if ids.is_empty() => Err(error),
        Err(error) => Err(format!(
            "{error} (accepted before: {})",
            ids.iter()
                .map(|r| format!("{} request id {}", r.call, r.id))
                .collect::<Vec<_>>()
                .join(", ")
        )),
    }
}

async fn change_and_verify(
    op: &Operation,
    timeout: Duration,
    context: &ActionContext,
    actions: &dyn Actions,
    clock: &Clock,
    progress: Progress<'_>,
    requests: &Requests,
) -> Result<Outcome, String> {
    let start = clock.now();
    let deadline = |clock: &Clock| age_between(start, clock.now()) > timeout;
    // One attempt per change: a timeout may mean it happened, so the end state decides.
    let accepted = |result: ActionResult<Receipt>, call: &str| -> Result<(), String> {
        match result {
            Ok(receipt) => {
                requests.record(call, &receipt, progress);
                Ok(())
            }
            Err(e) if e.kind == SourceErrorKind::Timeout => {
                progress(format!(
                    "{call} timed out ({e}); reading the real state before deciding"
                ));
                Ok(())
            }
            Err(e) => Err(format!("{call} failed: {e}")),
        }
    };
    let every = actions.poll_every();
    match op {
        Operation::PromoteReadReplica {
            region,
            replica,
            backup_retention_days,
            ..
        } => {
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
                if deadline(clock) {
                    return Err(format!(
                        "{replica} still has a source after {}: {last}",
                        format_duration(timeout)
                    ));
                }
                pause(clock, every).await;
            }
        }
        Operation::SwitchoverGlobalCluster {
            region,
            global_cluster,
            target_cluster,
        }
        | Operation::FailoverGlobalCluster {
            region,
            global_cluster,
            target_cluster,
        } => {
            let planned = matches!(op, Operation::SwitchoverGlobalCluster { .. });
            if planned {
                accepted(
                    actions
                        .switchover_global_cluster(region, global_cluster, target_cluster)
                        .await,
                    "rds:SwitchoverGlobalCluster",
                )?;
            } else {
                accepted(
                    actions
                        .failover_global_cluster(region, global_cluster, target_cluster, true)
                        .await,
                    "rds:FailoverGlobalCluster",
                )?;
            }
            let mut last = String::new();
            loop {
                match actions.global_cluster(region, global_cluster).await {
                    Ok(Observed { value: Some(g), .. }) => {
                        let writer = g.writer().map(|w| w.cluster.clone());
                        if writer.as_deref() == Some(target_cluster.as_str())
                            && g.changing.is_none()
                        {
                            return Ok(Outcome::new(format!(
                                "{target_cluster} is the primary of {global_cluster} after {}",
                                format_duration(age_between(start, clock.now()))
                            )));
                        }
                        note(
                            progress,
                            &mut last,
                            format!(
                                "primary {}; {}",
                                writer.unwrap_or_else(|| "none".to_string()),
                                g.changing.unwrap_or_else(|| g.status.clone())
                            ),
                        );
                    }
                    Ok(Observed { value: None, .. }) => {
                        return Err(format!("global cluster {global_cluster} disappeared"));
                    }
                    Err(e) => note(progress, &mut last, format!("reading failed: {e}")),
                }
                if deadline(clock) {
                    return Err(format!(
                        "{target_cluster} is not the primary after {}: {last}",
                        format_duration(timeout)
                    ));
                }
                pause(clock, every).await;
            }
        }
        Operation::FailoverDbCluster {
            region,
            cluster,
            target_instance,
        } => {
            let before = match actions.db_cluster(region, cluster).await {
                Ok(Observed { value: Some(c), .. }) => c.writer().map(str::to_string),
                Ok(Observed { value: None, .. }) => return Err(format!("no cluster {cluster}")),
                Err(e) => return Err(format!("reading {cluster} failed: {e}")),
            };
            accepted(
                actions
                    .failover_db_cluster(region, cluster, target_instance.as_deref())
                    .await,
                "rds:FailoverDBCluster",
            )?;
            let mut last = String::new();
            loop {
                if let Ok(Observed { value: Some(c), .. }) =
                    actions.db_cluster(region, cluster).await
                {
                    let writer = c.writer().map(str::to_string);
                    let moved = writer != before
                        && target_instance
                            .as_ref()
                            .is_none_or(|t| writer.as_deref() == Some(t.as_str()));
                    if moved && c.status == "available" {
                        return Ok(Outcome::new(format!(
                            "{cluster}'s writer is now {}",
                            writer.unwrap_or_default()
                        )));
                    }
                    note(
                        progress,
                        &mut last,
                        format!("writer {}; status {}", writer.unwrap_or_default(), c.status),
                    );
                }
                if deadline(clock) {
                    return Err(format!(
                        "the writer did not move within {}: {last}",
                        format_duration(timeout)
                    ));
                }
                pause(clock, every).await;
            }
        }
        Operation::FlipFailoverRecords {
            zone,
            name,
            primary,
        } => {
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
        Operation::UpsertRecord {
            zone,
            name,
            record_type,
            value,
            ttl,
        } => {
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
        Operation::RestoreNewestRecoveryPoint {
            region,
            vault,
            resource,
            target,
            iam_role,
            recovery_point,
        } => {
            // Exactly the point pinned when the step was confirmed (and named by its intent):
            // never chosen again here, so a point that is gone fails the step.
            let Some(point) = recovery_point else {
                return Err(format!(
                    "no recovery point of {resource} was pinned when the step was confirmed: r reads the pre-checks again and pins the newest"
                ));
            };
            let request = RestoreRequest {
                recovery_point_arn: point.arn.clone(),
                vault: vault.clone(),
                resource_type: point.resource_type.clone(),
                target: target.clone(),
                iam_role: iam_role.clone(),
                idempotency_token: context.idempotency_token().to_string(),
            };
            // The one change that is asked again after a timeout: the idempotency token makes
            // the repeat the same request, which AWS Backup answers with the job it already
            // started (or starts it, if the first never arrived). Nothing else can tell.
            let job_id = loop {
                match actions.start_restore_job(region, &request).await {
                    Ok(receipt) => {
                        requests.record(START_RESTORE_JOB, &receipt, progress);
                        break receipt.value;
                    }
                    Err(e) if e.kind == SourceErrorKind::Timeout && !deadline(clock) => {
                        progress(format!(
                            "{START_RESTORE_JOB} timed out ({e}); asking again with the same idempotency token {}",
                            request.idempotency_token
                        ));
                        pause(clock, every).await;
                    }
                    Err(e) => return Err(format!("{START_RESTORE_JOB} failed: {e}")),
                }
            };
            progress(format!(
                "restore job {job_id} started from {}, the recovery point pinned at confirmation",
                point.arn
            ));
            let mut last = String::new();
            loop {
                match actions.restore_job(region, &job_id).await {
                    Ok(Observed { value: job, .. }) => match job.status {
                        RestoreStatus::Completed => {
                            let measured = age_between(
                                job.created_at,
                                job.completed_at.unwrap_or_else(|| clock.now()),
                            );
                            let verdict = if measured <= context.rto {
                                "within"
                            } else {
                                "OVER"
                            };
                            let made = job
                                .created_resource
                                .clone()
                                .unwrap_or_else(|| target.clone());
                            match actions.db_instance(region, target).await {
                                Ok(Observed {
                                    value: Some(db), ..
                                }) => {
                                    return Ok(Outcome {
                                        summary: format!(
                                            "restored {made} (status {}) in {}: RTO {} {verdict}",
                                            db.status,
                                            format_duration(measured),
                                            format_duration(context.rto)
                                        ),
                                        measured: Some(measured),
                                        aws_ids: vec![format!("backup restore job {job_id}")],
                                        requests: Vec::new(),
                                    });
                                }
                                Ok(Observed { value: None, .. }) => {
                                    return Err(format!(
                                        "restore job {job_id} COMPLETED but {target} does not exist"
                                    ));
                                }
                                Err(e) => {
                                    note(progress, &mut last, format!("reading {target}: {e}"))
                                }
                            }
                        }
                        RestoreStatus::Failed | RestoreStatus::Aborted => {
                            return Err(format!(
                                "restore job {job_id} {}: {}",
                                job.status.word(),
                                job.message
                            ));
                        }
                        status => note(
                            progress,
                            &mut last,
                            format!(
                                "restore job {job_id} {} for {}",
                                status.word(),
                                format_duration(age_between(job.created_at, clock.now()))
                            ),
                        ),
                    },
                    Err(e) => note(progress, &mut last, format!("reading the job failed: {e}")),
                }
                if deadline(clock) {
                    return Err(format!(
                        "restore not finished after {}: {last}",
                        format_duration(timeout)
                    ));
                }
                pause(clock, every).await;
            }
        }
        Operation::DeleteRestoredInstance { region, instance } => {
            // Checked again right before deleting: the pre-check may be seconds old.
            match actions.restore_job_that_created(region, instance).await {
                Ok(Observed { value: Some(_), .. }) => {}
                Ok(Observed { value: None, .. }) => {
                    return Err(format!(
                        "no restore job created {instance}: refusing to delete it"
                    ));
                }
                Err(e) => {
                    return Err(format!(
                        "could not confirm a restore created {instance}: {e}"
                    ));
                }
            }
            accepted(
                actions.delete_db_instance(region, instance).await,
                "rds:DeleteDBInstance",
            )?;
            let mut last = String::new();
            loop {
                match actions.db_instance(region, instance).await {
                    Ok(Observed { value: None, .. }) => {
                        return Ok(Outcome::new(format!("{instance} is deleted")));
                    }
                    Ok(Observed {
                        value: Some(db), ..
                    }) => {
                        note(
                            progress,
                            &mut last,
                            format!("{instance}: status {}", db.status),
                        );
                    }
                    Err(e) => note(progress, &mut last, format!("reading failed: {e}")),
                }
                if deadline(clock) {
                    return Err(format!(
                        "{instance} still exists after {}: {last}",
                        format_duration(timeout)
                    ));
                }
                pause(clock, every).await;
            }
        }
    }
}

/// The change id of an accepted Route 53 change batch; `None` when the call timed out, so
/// that the caller reads the records before deciding whether it happened.
fn submitted(
    result: ActionResult<Receipt<String>>,
    requests: &Requests,
    progress: Progress<'_>,
) -> Result<Option<String>, String> {
    match result {
        Ok(receipt) => {
            requests.record(CHANGE_RECORD_SETS, &receipt, progress);
            progress(format!("change {} submitted", receipt.value));
            Ok(Some(receipt.value))
        }
        Err(e) if e.kind == SourceErrorKind::Timeout => {
            progress(format!(
                "{CHANGE_RECORD_SETS} timed out ({e}); reading the records before deciding"
            ));
            Ok(None)
        }
        Err(e) => Err(format!("{CHANGE_RECORD_SETS} failed: {e}")),
    }
}

/// Reports a progress line only when it changed, so a long wait is not a wall of repeats.
fn note(progress: Progress<'_>, last: &mut String, line: String) {
    if *last != line {
        progress(line.clone());
        *last = line;
    }
}

async fn wait_in_sync(
    actions: &dyn Actions,
    clock: &Clock,
    change: &str,
    start: Timestamp,
    timeout: Duration,
    progress: Progress<'_>,
) -> Result<(), String> {
    let mut last = String::new();
    loop {
        match actions.dns_change(change).await {
            Ok(Observed {
                value: ChangeStatus::InSync,
                ..
            }) => {
                progress(format!("change {change} INSYNC"));
                return Ok(());
            }
            Ok(_) => note(progress, &mut last, format!("change {change} PENDING")),
            Err(e) => note(
                progress,
                &mut last,
                format!("route53:GetChange failed: {e}"),
            ),
        }
        if age_between(start, clock.now()) > timeout {
            return Err(format!(
                "change {change} not INSYNC after {}",
                format_duration(timeout)
            ));
        }
        pause(clock, actions.poll_every()).await;
    }
}

/// Waits until a condition holds.
pub async fn wait_for(
    probe: &Probe,
    timeout: Duration,
    actions: &dyn Actions,
    clock: &Clock,
    progress: Progress<'_>,
) -> Result<Outcome, String> {
    let start = clock.now();
    let mut last = String::new();
    loop {
        let check = evaluate(probe, actions, clock).await;
        if check.holds == Some(true) {
            return Ok(Outcome::new(format!(
                "{} after {}: {}",
                check.label,
                format_duration(age_between(start, clock.now())),
                check.detail
            )));
        }
        note(progress, &mut last, check.detail.clone());
        if age_between(start, clock.now()) > timeout {
            return Err(format!(
                "not true after {}: {} ({})",
                format_duration(timeout),
                check.label,
                check.detail
            ));
        }
        pause(clock, actions.poll_every()).await;
    }
}
