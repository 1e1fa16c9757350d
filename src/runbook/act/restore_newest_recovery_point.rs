//! The `restore-newest-recovery-point` action: its arguments, what it says it will do, its pre-checks,
//! the change and its end state.

use super::*;

const START_RESTORE_JOB: &str = "backup:StartRestoreJob";

/// What the vocabulary says about this action: its name, its arguments, how it is confirmed.
pub const SPEC: ActionSpec = ActionSpec {
    name: "restore-newest-recovery-point",
    args: &[
        REGION,
        arg(
            "vault",
            K::String,
            "the backup vault holding the recovery points",
        ),
        arg(
            "resource",
            K::String,
            "the protected resource (identifier or ARN)",
        ),
        arg(
            "target",
            K::RdsInstanceId,
            "the name of the restored instance",
        ),
        optional(
            "iam_role",
            K::String,
            "the IAM role AWS Backup restores with",
        ),
    ],
    always_destructive: false,
    confirm_arg: "target",
    default_timeout: Duration::from_secs(180 * 60),
    summary: "restore the newest AWS Backup recovery point into a new instance",
    lint: no_lint,
    uses: &["db_instance", "newest_recovery_point", "restore_job", "restore_job_that_created", "start_restore_job"],
};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RestoreNewestRecoveryPoint {
    pub region: String,
    pub vault: String,
    pub resource: String,
    pub target: String,
    pub iam_role: Option<String>,
    /// The recovery point the pre-checks read, pinned when the step is confirmed (before
    /// its intent is recorded): the change restores exactly this one, never another.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recovery_point: Option<PinnedRecoveryPoint>,
}

impl RestoreNewestRecoveryPoint {
    /// From checked arguments (`check` and the run's start made sure the required ones are
    /// there and valid); `rpo` is the runbook's.
    pub fn build(args: &Filled, _rpo: Option<Duration>) -> Self {
        let t = |name| take(args, name);
        Self {
            region: t("region"),
            vault: t("vault"),
            resource: t("resource"),
            target: t("target"),
            iam_role: take_optional(args, "iam_role"),
            recovery_point: None,
        }
    }
}

#[async_trait]
impl Action for RestoreNewestRecoveryPoint {
    fn resource_name(&self) -> &str {
        let Self { target, .. } = self;
        target
    }
    fn describe(&self) -> Vec<String> {
        let Self {
            region,
            vault,
            resource,
            target,
            recovery_point,
            ..
        } = self;
        vec![
                match recovery_point {
                    Some(p) => format!(
                        "Restore recovery point {} of {resource} from vault {vault} ({region}) into a new instance {target}.",
                        p.arn
                    ),
                    None => format!(
                        "Restore the newest recovery point of {resource} from vault {vault} ({region}) into a new instance {target}: the one the pre-checks read is pinned when you confirm."
                    ),
                },
                "Measures how long the restore takes, against the runbook's RTO.".to_string(),
                "AWS: backup:StartRestoreJob (with an idempotency token), then backup:DescribeRestoreJob."
                    .to_string(),
            ]
    }
    fn takes_idempotency_token(&self) -> bool {
        true
    }
    fn pin(&mut self, pin: &Pin) {
        match pin {
            Pin::RecoveryPoint(point) => self.recovery_point = Some(point.clone()),
        }
    }
    async fn prechecks(&self, actions: &dyn Actions, _clock: &Clock) -> Vec<Check> {
        let Self {
            region,
            vault,
            resource,
            target,
            ..
        } = self;
        {
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
    }
    async fn end_state(&self, actions: &dyn Actions) -> Vec<Check> {
        let Self { region, target, .. } = self;
        {
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
    }
    async fn change(&self, cx: &Change<'_>) -> Result<Outcome, String> {
        let Self {
            region,
            vault,
            resource,
            target,
            iam_role,
            recovery_point,
        } = self;
        let Change {
            timeout,
            context,
            actions,
            clock,
            progress,
            requests,
            ..
        } = *cx;
        let every = actions.poll_every();
        {
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
                    Err(e) if e.may_have_happened() && !cx.past_deadline() => {
                        progress(format!(
                            "{START_RESTORE_JOB} {} ({e}); asking again with the same idempotency token {}",
                            e.lost_answer(),
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
                if cx.past_deadline() {
                    return Err(format!(
                        "restore not finished after {}: {last}",
                        format_duration(timeout)
                    ));
                }
                pause(clock, every).await;
            }
        }
    }
}
