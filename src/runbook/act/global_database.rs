//! What the planned switchover and the unplanned failover of an Aurora global database share: the same pre-checks, change and end state, told apart by `planned`.

use super::*;

/// The arguments both take, borrowed.
pub(super) struct Move<'a> {
    pub region: &'a String,
    pub global_cluster: &'a String,
    pub target_cluster: &'a String,
}

pub(super) async fn prechecks(planned: bool, m: Move<'_>, actions: &dyn Actions) -> Vec<Check> {
    let Move {
        region,
        global_cluster,
        target_cluster,
    } = m;
    {
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
}

pub(super) async fn end_state(m: Move<'_>, actions: &dyn Actions) -> Vec<Check> {
    let Move {
        region,
        global_cluster,
        target_cluster,
    } = m;
    {
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
                        Check::new(label, writer.as_deref() == Some(target_cluster), detail).at(at),
                    ]
                }
            }
        }
    }
}

pub(super) async fn change(planned: bool, m: Move<'_>, cx: &Change<'_>) -> Result<Outcome, String> {
    let Move {
        region,
        global_cluster,
        target_cluster,
    } = m;
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
                    if writer.as_deref() == Some(target_cluster.as_str()) && g.changing.is_none() {
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
            if cx.past_deadline() {
                return Err(format!(
                    "{target_cluster} is not the primary after {}: {last}",
                    format_duration(timeout)
                ));
            }
            pause(clock, every).await;
        }
    }
}
