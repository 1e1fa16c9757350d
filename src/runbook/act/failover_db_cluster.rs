//! The `failover-db-cluster` action: its arguments, what it says it will do, its pre-checks,
//! the change and its end state.

use super::*;

/// What the vocabulary says about this action: its name, its arguments, how it is confirmed.
pub const SPEC: ActionSpec = ActionSpec {
    name: "failover-db-cluster",
    args: &[
        arg("cluster", K::DbClusterId, "the Aurora cluster"),
        REGION,
        optional(
            "target_instance",
            K::RdsInstanceId,
            "the reader to make the writer (else Aurora picks)",
        ),
    ],
    always_destructive: false,
    confirm_arg: "cluster",
    default_timeout: Duration::from_secs(15 * 60),
    summary: "fail over an Aurora cluster to another instance",
    lint: no_lint,
    uses: &["db_cluster", "failover_db_cluster"],
};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FailoverDbCluster {
    pub region: String,
    pub cluster: String,
    pub target_instance: Option<String>,
}

impl FailoverDbCluster {
    /// From checked arguments (`check` and the run's start made sure the required ones are
    /// there and valid); `rpo` is the runbook's.
    pub fn build(args: &Filled, _rpo: Option<Duration>) -> Self {
        let t = |name| take(args, name);
        Self {
            region: t("region"),
            cluster: t("cluster"),
            target_instance: take_optional(args, "target_instance"),
        }
    }
}

#[async_trait]
impl Action for FailoverDbCluster {
    fn resource_name(&self) -> &str {
        let Self { cluster, .. } = self;
        cluster
    }
    fn describe(&self) -> Vec<String> {
        let Self {
            region,
            cluster,
            target_instance,
        } = self;
        vec![
            match target_instance {
                Some(t) => {
                    format!("Fail over Aurora cluster {cluster} ({region}) to instance {t}.")
                }
                None => format!(
                    "Fail over Aurora cluster {cluster} ({region}) to a reader Aurora picks."
                ),
            },
            "Connections drop for a few seconds while the writer moves.".to_string(),
            "AWS: rds:FailoverDBCluster, then rds:DescribeDBClusters until the writer changed."
                .to_string(),
        ]
    }
    async fn prechecks(&self, actions: &dyn Actions, _clock: &Clock) -> Vec<Check> {
        let Self {
            region,
            cluster,
            target_instance,
        } = self;
        {
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
    }
    async fn end_state(&self, actions: &dyn Actions) -> Vec<Check> {
        let Self {
            region,
            cluster,
            target_instance,
        } = self;
        {
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
    }
    async fn change(&self, cx: &Change<'_>) -> Result<Outcome, String> {
        let Self {
            region,
            cluster,
            target_instance,
        } = self;
        let Change {
            timeout,
            actions,
            clock,
            progress,
            ..
        } = *cx;
        let accepted = |result: ActionResult<Receipt>, call: &str| cx.accepted(result, call);
        let every = actions.poll_every();
        {
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
                if cx.past_deadline() {
                    return Err(format!(
                        "the writer did not move within {}: {last}",
                        format_duration(timeout)
                    ));
                }
                pause(clock, every).await;
            }
        }
    }
}
