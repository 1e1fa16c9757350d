//! The `delete-restored-instance` action: its arguments, what it says it will do, its pre-checks,
//! the change and its end state.

use super::*;

/// What the vocabulary says about this action: its name, its arguments, how it is confirmed.
pub const SPEC: ActionSpec = ActionSpec {
    name: "delete-restored-instance",
    args: &[
        arg(
            "instance",
            K::RdsInstanceId,
            "an instance a restore job created",
        ),
        REGION,
    ],
    always_destructive: true,
    confirm_arg: "instance",
    default_timeout: Duration::from_secs(60 * 60),
    summary: "delete an instance that a restore job created (and nothing else)",
    lint: no_lint,
    uses: &["db_instance", "restore_job_that_created", "delete_db_instance"],
};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeleteRestoredInstance {
    pub region: String,
    pub instance: String,
}

impl DeleteRestoredInstance {
    /// From checked arguments (`check` and the run's start made sure the required ones are
    /// there and valid); `rpo` is the runbook's.
    pub fn build(args: &Filled, _rpo: Option<Duration>) -> Self {
        let t = |name| take(args, name);
        Self {
            region: t("region"),
            instance: t("instance"),
        }
    }
}

#[async_trait]
impl Action for DeleteRestoredInstance {
    fn resource_name(&self) -> &str {
        let Self { instance, .. } = self;
        instance
    }
    fn describe(&self) -> Vec<String> {
        let Self { region, instance } = self;
        vec![
            format!("Delete instance {instance} in {region}, without a final snapshot."),
            "Refused unless a restore job created it: this action never deletes anything else."
                .to_string(),
            "AWS: rds:DeleteDBInstance, then rds:DescribeDBInstances until it is gone.".to_string(),
        ]
    }
    async fn prechecks(&self, actions: &dyn Actions, _clock: &Clock) -> Vec<Check> {
        let Self { region, instance } = self;
        {
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
    async fn end_state(&self, actions: &dyn Actions) -> Vec<Check> {
        let Self { region, instance } = self;
        {
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
    async fn change(&self, cx: &Change<'_>) -> Result<Outcome, String> {
        let Self { region, instance } = self;
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
                if cx.past_deadline() {
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
