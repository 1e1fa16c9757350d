//! A source that never answers cannot hang a run: reads give up with "cannot tell", and a
//! step whose calls never return fails after its timeout with a message saying the change may
//! still be under way. Tokio's paused clock makes the minutes pass at once.

use async_trait::async_trait;
use ripcord::clock::Clock;
use ripcord::runbook::act;
use ripcord::runbook::act::port::*;
use ripcord::runbook::act::probe;
use ripcord::runbook::exec::log::{Confirmation, Intended, LogEntry, LogEvent};
use ripcord::runbook::exec::work::{ActionContext, Job, ReportBody, Subject, Task, Work};
use ripcord::runbook::lang::vocab::{Operation, Probe};
use ripcord::runbook::runner;
use std::future::pending;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;

/// Every call waits for ever, like a region whose endpoint accepts and never replies.
struct Silent;

#[async_trait]
impl Actions for Silent {
    fn name(&self) -> &str {
        "silent"
    }
    async fn db_instance(&self, _: &str, _: &str) -> ActionResult<Observed<Option<DbInstance>>> {
        pending().await
    }
    async fn replication_lag(&self, _: &str, _: &str) -> ActionResult<Observed<Option<Duration>>> {
        pending().await
    }
    async fn global_cluster(
        &self,
        _: &str,
        _: &str,
    ) -> ActionResult<Observed<Option<GlobalCluster>>> {
        pending().await
    }
    async fn db_cluster(&self, _: &str, _: &str) -> ActionResult<Observed<Option<DbCluster>>> {
        pending().await
    }
    async fn record_sets(
        &self,
        _: &str,
        _: &str,
        _: Option<&str>,
    ) -> ActionResult<Observed<Vec<RecordSet>>> {
        pending().await
    }
    async fn dns_answer(&self, _: &str, _: &str, _: &str) -> ActionResult<Observed<Vec<String>>> {
        pending().await
    }
    async fn dns_change(&self, _: &str) -> ActionResult<Observed<ChangeStatus>> {
        pending().await
    }
    async fn health_check(&self, _: &str) -> ActionResult<Observed<HealthState>> {
        pending().await
    }
    async fn newest_recovery_point(
        &self,
        _: &str,
        _: &str,
        _: &str,
    ) -> ActionResult<Observed<Option<RecoveryPoint>>> {
        pending().await
    }
    async fn restore_job(&self, _: &str, _: &str) -> ActionResult<Observed<RestoreJob>> {
        pending().await
    }
    async fn restore_job_that_created(
        &self,
        _: &str,
        _: &str,
    ) -> ActionResult<Observed<Option<RestoreJob>>> {
        pending().await
    }
    async fn promote_read_replica(&self, _: &str, _: &str, _: u32) -> ActionResult<Receipt> {
        pending().await
    }
    async fn switchover_global_cluster(&self, _: &str, _: &str, _: &str) -> ActionResult<Receipt> {
        pending().await
    }
    async fn failover_global_cluster(
        &self,
        _: &str,
        _: &str,
        _: &str,
        _: bool,
    ) -> ActionResult<Receipt> {
        pending().await
    }
    async fn failover_db_cluster(
        &self,
        _: &str,
        _: &str,
        _: Option<&str>,
    ) -> ActionResult<Receipt> {
        pending().await
    }
    async fn change_record_sets(
        &self,
        _: &str,
        _: &[RecordChange],
        _: &str,
    ) -> ActionResult<Receipt<String>> {
        pending().await
    }
    async fn start_restore_job(
        &self,
        _: &str,
        _: &RestoreRequest,
    ) -> ActionResult<Receipt<String>> {
        pending().await
    }
    async fn delete_db_instance(&self, _: &str, _: &str) -> ActionResult<Receipt> {
        pending().await
    }
}

fn promote() -> Operation {
    Operation::PromoteReadReplica(act::PromoteReadReplica {
        region: "us-west-2".into(),
        replica: "orders-dr-usw2".into(),
        max_lag: None,
        backup_retention_days: Some(7),
    })
}

async fn run(job: Job) -> ReportBody {
    let (tx, mut rx) = mpsc::channel(16);
    let work = Work {
        run: "r".into(),
        request: 1,
        step: 0,
        job,
    };
    runner::execute(work, Arc::new(Silent), Clock::System, tx, |r| r).await;
    let mut last = None;
    while let Ok(r) = rx.try_recv() {
        last = Some(r.body);
    }
    last.expect("a report")
}

#[tokio::test(start_paused = true)]
async fn reads_from_a_silent_source_give_up_with_cannot_tell() {
    let started = tokio::time::Instant::now();
    let body = run(Job::Inspect(Subject::Condition(Probe::HealthCheckHealthy(
        probe::HealthCheckHealthy { check: "hc".into() },
    ))))
    .await;
    let ReportBody::Inspected(checks) = body else {
        panic!("an inspection")
    };
    assert_eq!(checks[0].holds, None);
    assert_eq!(checks[0].detail, "no answer within 20s");
    assert_eq!(started.elapsed(), runner::INSPECT_DEADLINE);
}

#[tokio::test(start_paused = true)]
async fn a_change_whose_call_never_returns_fails_after_its_timeout() {
    let op = promote();
    let intent = LogEntry {
        seq: 1,
        at: jiff::Timestamp::UNIX_EPOCH,
        run: "r".into(),
        step: None,
        event: LogEvent::Intent {
            what: Intended::Action { op: op.clone() },
            destructive: true,
            how: Confirmation::TypedName {
                typed: "orders-dr-usw2".into(),
            },
            readings: Vec::new(),
            attempt: 1,
            idempotency_token: None,
        },
    };
    let body = run(Job::Perform {
        intent: Box::new(intent),
        task: Task::Action {
            op,
            timeout: Duration::from_secs(120),
            context: ActionContext::new("r", 0, 1, Duration::from_secs(900)),
        },
    })
    .await;
    let ReportBody::Failed(why) = body else {
        panic!("a failure")
    };
    assert!(
        why.starts_with(
            "no end state within 3m: a call did not return, and the change may still be under way"
        ),
        "{why}"
    );
}
