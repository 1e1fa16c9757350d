//! The AWS runbook actions against typed SDK mocks (aws-smithy-mocks), for what moto cannot
//! serve: Aurora global-database switchover and failover, AWS Backup restores, and calls that
//! never answer. Each action runs through the same `perform` code the cockpit runs (pre-checks
//! aside), on a clock that moves on instead of sleeping between reads.

use aws_sdk_backup::operation::describe_restore_job::DescribeRestoreJobOutput;
use aws_sdk_backup::operation::get_recovery_point_restore_metadata::GetRecoveryPointRestoreMetadataOutput;
use aws_sdk_backup::operation::list_recovery_points_by_backup_vault::ListRecoveryPointsByBackupVaultOutput;
use aws_sdk_backup::operation::list_restore_jobs::ListRestoreJobsOutput;
use aws_sdk_backup::types::{
    RecoveryPointByBackupVault, RecoveryPointStatus, RestoreJobStatus, RestoreJobsListMember,
};
use aws_sdk_rds::operation::delete_db_instance::DeleteDbInstanceOutput;
use aws_sdk_rds::operation::describe_db_instances::DescribeDbInstancesOutput;
use aws_sdk_rds::operation::describe_global_clusters::DescribeGlobalClustersOutput;
use aws_sdk_rds::operation::failover_global_cluster::FailoverGlobalClusterOutput;
use aws_sdk_rds::operation::switchover_global_cluster::SwitchoverGlobalClusterOutput;
use aws_sdk_rds::types::{
    DbInstance, FailoverState, FailoverStatus, GlobalCluster, GlobalClusterMember,
};
use aws_sdk_route53::operation::get_change::GetChangeOutput;
use aws_sdk_route53::operation::list_resource_record_sets::ListResourceRecordSetsOutput;
use aws_sdk_route53::types::{
    ResourceRecord, ResourceRecordSet, ResourceRecordSetFailover, RrType,
};
use aws_smithy_mocks::{Rule, RuleMode, mock, mock_client};
use aws_smithy_runtime_api::client::http::{
    HttpConnector, HttpConnectorFuture, SharedHttpConnector, http_client_fn,
};
use aws_smithy_runtime_api::client::orchestrator::{HttpRequest, HttpResponse};
use aws_smithy_runtime_api::client::result::ConnectorError;
use aws_smithy_runtime_api::http::StatusCode;
use aws_smithy_types::DateTime;
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::timeout::TimeoutConfig;
use jiff::Timestamp;
use ripcord::clock::Clock;
use ripcord::runbook::act;
use ripcord::runbook::act::dispatch::carry_out;
use ripcord::runbook::act::port::Actions;
use ripcord::runbook::act::probe;
use ripcord::runbook::exec::work::{ActionContext, Outcome, RequestId};
use ripcord::runbook::lang::vocab::{Operation, PinnedRecoveryPoint};
use ripcord::source::aws::actions::{
    AwsActions, Changes, Reads, RegionActionClients, Route53Clients,
};
use ripcord::source::aws::sdk::CallLimits;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

const REGION: &str = "us-west-2";
const GLOBAL: &str = "billing-global";
const USE1_ARN: &str = "arn:aws:rds:us-east-1:123456789012:cluster:billing-use1";
const USW2_ARN: &str = "arn:aws:rds:us-west-2:123456789012:cluster:billing-usw2";

fn t0() -> Timestamp {
    "2026-11-21T03:00:00Z".parse().expect("valid")
}

fn aws_time(secs_after_t0: i64) -> DateTime {
    DateTime::from_secs(t0().as_second() + secs_after_t0)
}

fn idle_rds() -> aws_sdk_rds::Client {
    mock_client!(aws_sdk_rds, RuleMode::MatchAny, &[] as &[&Rule])
}
fn idle_backup() -> aws_sdk_backup::Client {
    mock_client!(aws_sdk_backup, RuleMode::MatchAny, &[] as &[&Rule])
}
fn idle_route53() -> aws_sdk_route53::Client {
    mock_client!(aws_sdk_route53, RuleMode::MatchAny, &[] as &[&Rule])
}
fn idle_cloudwatch() -> aws_sdk_cloudwatch::Client {
    mock_client!(aws_sdk_cloudwatch, RuleMode::MatchAny, &[] as &[&Rule])
}

/// Clients for one region and Route 53; a test replaces the ones it exercises. Idle clients
/// have no rules: reaching one is a call the test did not expect, and fails it.
struct Clients {
    reads: Reads,
    changes: Changes,
    route53: Route53Clients,
}

impl Clients {
    fn idle() -> Clients {
        Clients {
            reads: Reads {
                rds: idle_rds(),
                backup: idle_backup(),
                cloudwatch: idle_cloudwatch(),
            },
            changes: Changes {
                rds: idle_rds(),
                backup: idle_backup(),
            },
            route53: Route53Clients {
                reads: idle_route53(),
                changes: idle_route53(),
            },
        }
    }

    fn actions(self) -> AwsActions {
        AwsActions::from_clients(
            BTreeMap::from([(
                REGION.to_string(),
                RegionActionClients {
                    reads: self.reads,
                    changes: self.changes,
                },
            )]),
            self.route53,
        )
    }
}

fn context() -> ActionContext {
    ActionContext::new("drill-20261121T030000Z", 1, 1, Duration::from_secs(3600))
}

/// Carries `op` out with a 30-minute step timeout; the outcome and every progress line.
async fn carry(op: &Operation, actions: &AwsActions) -> (Result<Outcome, String>, Vec<String>) {
    let lines = Mutex::new(Vec::new());
    let progress = |line: String| lines.lock().expect("not poisoned").push(line);
    let clock = Clock::manual(t0());
    let result = carry_out(
        op,
        Duration::from_secs(30 * 60),
        &context(),
        actions,
        &clock,
        &progress,
    )
    .await;
    (result, lines.into_inner().expect("not poisoned"))
}

/// Answers `outputs` one per call, then the last one for ever.
fn in_turn<I, O>(outputs: Vec<O>) -> impl Fn(&I) -> O + Send + Sync + 'static
where
    O: Clone + Send + Sync + 'static,
{
    let next = AtomicUsize::new(0);
    move |_| {
        let i = next.fetch_add(1, Ordering::SeqCst);
        outputs[i.min(outputs.len() - 1)].clone()
    }
}

fn http_answer(status: u16, content_type: &str, body: &str, request_id: &str) -> HttpResponse {
    let mut response = HttpResponse::new(
        StatusCode::try_from(status).expect("valid status"),
        SdkBody::from(body.to_string()),
    );
    response
        .headers_mut()
        .insert("content-type", content_type.to_string());
    response
        .headers_mut()
        .insert("x-amzn-requestid", request_id.to_string());
    response
}

/// An HTTP connector that never answers the first `hang` requests (like an endpoint that
/// accepts and then says nothing) and answers the rest with `answer`; it records every
/// request body it is given, so a test can count attempts and read what each carried.
#[derive(Clone, Debug)]
struct Silence {
    hang: usize,
    answer: Option<(String, String)>,
    bodies: Arc<Mutex<Vec<String>>>,
}

impl Silence {
    fn forever() -> Silence {
        Silence {
            hang: usize::MAX,
            answer: None,
            bodies: Arc::default(),
        }
    }

    fn then_json(hang: usize, body: &str, request_id: &str) -> Silence {
        Silence {
            hang,
            answer: Some((body.to_string(), request_id.to_string())),
            bodies: Arc::default(),
        }
    }

    fn bodies(&self) -> Vec<String> {
        self.bodies.lock().expect("not poisoned").clone()
    }
}

impl HttpConnector for Silence {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let body = request
            .body()
            .bytes()
            .map(|b| String::from_utf8_lossy(b).into_owned())
            .unwrap_or_default();
        let n = {
            let mut bodies = self.bodies.lock().expect("not poisoned");
            bodies.push(body);
            bodies.len()
        };
        match &self.answer {
            Some((body, id)) if n > self.hang => {
                HttpConnectorFuture::ready(Ok(http_answer(200, "application/json", body, id)))
            }
            _ => HttpConnectorFuture::new(std::future::pending()),
        }
    }
}

/// The production retry setting of change clients (one attempt), with timeouts short enough
/// for a test: a retrying client would try again within the operation's 5 s.
fn change_timeouts() -> TimeoutConfig {
    TimeoutConfig::builder()
        .operation_attempt_timeout(Duration::from_millis(300))
        .operation_timeout(Duration::from_secs(5))
        .build()
}

fn silent_rds(silence: &Silence) -> aws_sdk_rds::Client {
    let connector = silence.clone();
    aws_sdk_rds::Client::from_conf(
        aws_sdk_rds::Config::builder()
            .with_test_defaults_v2()
            .http_client(http_client_fn(move |_, _| {
                SharedHttpConnector::new(connector.clone())
            }))
            .retry_config(CallLimits::CHANGES.retry_config())
            .timeout_config(change_timeouts())
            .build(),
    )
}

fn silent_backup(silence: &Silence) -> aws_sdk_backup::Client {
    let connector = silence.clone();
    aws_sdk_backup::Client::from_conf(
        aws_sdk_backup::Config::builder()
            .with_test_defaults_v2()
            .http_client(http_client_fn(move |_, _| {
                SharedHttpConnector::new(connector.clone())
            }))
            .retry_config(CallLimits::CHANGES.retry_config())
            .timeout_config(change_timeouts())
            .build(),
    )
}

fn silent_route53(silence: &Silence) -> aws_sdk_route53::Client {
    let connector = silence.clone();
    aws_sdk_route53::Client::from_conf(
        aws_sdk_route53::Config::builder()
            .with_test_defaults_v2()
            .http_client(http_client_fn(move |_, _| {
                SharedHttpConnector::new(connector.clone())
            }))
            .retry_config(CallLimits::CHANGES.retry_config())
            .timeout_config(change_timeouts())
            .build(),
    )
}

// --- Aurora global databases ---------------------------------------------------------------

/// The global database with `writer` as its primary, in the middle of `changing` if given.
fn global(writer: &str, changing: Option<&str>) -> DescribeGlobalClustersOutput {
    let member = |arn: &str| {
        GlobalClusterMember::builder()
            .db_cluster_arn(arn)
            .is_writer(arn == writer)
            .build()
    };
    DescribeGlobalClustersOutput::builder()
        .global_clusters(
            GlobalCluster::builder()
                .global_cluster_identifier(GLOBAL)
                .status("available")
                .global_cluster_members(member(USE1_ARN))
                .global_cluster_members(member(USW2_ARN))
                .set_failover_state(changing.map(|s| {
                    FailoverState::builder()
                        .status(FailoverStatus::from(s))
                        .build()
                }))
                .build(),
        )
        .build()
}

fn to_usw2(op: &str) -> Operation {
    let (region, global_cluster, target_cluster) =
        (REGION.into(), GLOBAL.into(), "billing-usw2".into());
    match op {
        "switchover" => Operation::SwitchoverGlobalCluster(act::SwitchoverGlobalCluster {
            region,
            global_cluster,
            target_cluster,
        }),
        _ => Operation::FailoverGlobalCluster(act::FailoverGlobalCluster {
            region,
            global_cluster,
            target_cluster,
        }),
    }
}

#[tokio::test]
async fn a_switchover_names_the_target_by_arn_never_allows_data_loss_and_is_polled_until_done() {
    let describe =
        mock!(aws_sdk_rds::Client::describe_global_clusters).then_compute_output(in_turn(vec![
            global(USE1_ARN, None),
            global(USE1_ARN, Some("switching-over")),
            global(USW2_ARN, Some("switching-over")),
            global(USW2_ARN, None),
        ]));
    let switchover = mock!(aws_sdk_rds::Client::switchover_global_cluster)
        .match_requests(|r| {
            r.global_cluster_identifier() == Some(GLOBAL)
                && r.target_db_cluster_identifier() == Some(USW2_ARN)
        })
        .then_http_response(|| {
            http_answer(
                200,
                "text/xml",
                "<SwitchoverGlobalClusterResponse xmlns=\"http://rds.amazonaws.com/doc/2014-10-31/\">\
                 <SwitchoverGlobalClusterResult><GlobalCluster><GlobalClusterIdentifier>billing-global\
                 </GlobalClusterIdentifier></GlobalCluster></SwitchoverGlobalClusterResult>\
                 <ResponseMetadata><RequestId>req-switchover-1</RequestId></ResponseMetadata>\
                 </SwitchoverGlobalClusterResponse>",
                "req-switchover-1",
            )
        });
    let failover = mock!(aws_sdk_rds::Client::failover_global_cluster)
        .then_output(|| FailoverGlobalClusterOutput::builder().build());
    let mut clients = Clients::idle();
    clients.reads.rds = mock_client!(aws_sdk_rds, RuleMode::MatchAny, [&describe]);
    clients.changes.rds = mock_client!(aws_sdk_rds, RuleMode::MatchAny, [&switchover, &failover]);
    let actions = clients.actions();

    let (result, progress) = carry(&to_usw2("switchover"), &actions).await;
    let outcome = result.expect("switched over");
    assert!(
        outcome
            .summary
            .starts_with("billing-usw2 is the primary of billing-global"),
        "{}",
        outcome.summary
    );
    assert_eq!(switchover.num_calls(), 1);
    assert_eq!(
        failover.num_calls(),
        0,
        "a planned move never calls FailoverGlobalCluster"
    );
    assert_eq!(
        describe.num_calls(),
        4,
        "the ARN lookup, then polled while switching over: {progress:?}"
    );
    for seen in [
        "primary billing-use1; switching-over",
        "primary billing-usw2; switching-over",
    ] {
        assert!(progress.iter().any(|l| l == seen), "{seen}: {progress:?}");
    }
    assert_eq!(
        outcome.requests,
        [RequestId {
            call: "rds:SwitchoverGlobalCluster".into(),
            id: "req-switchover-1".into()
        }],
        "the request id AWS gave the change is kept for the run log"
    );
}

#[tokio::test]
async fn an_unplanned_failover_and_only_it_allows_data_loss() {
    let describe =
        mock!(aws_sdk_rds::Client::describe_global_clusters).then_compute_output(in_turn(vec![
            global(USE1_ARN, None),
            global(USE1_ARN, Some("failing-over")),
            global(USW2_ARN, None),
        ]));
    let failover = mock!(aws_sdk_rds::Client::failover_global_cluster)
        .match_requests(|r| {
            r.allow_data_loss() == Some(true)
                && r.switchover().is_none()
                && r.global_cluster_identifier() == Some(GLOBAL)
                && r.target_db_cluster_identifier() == Some(USW2_ARN)
        })
        .then_output(|| FailoverGlobalClusterOutput::builder().build());
    let switchover = mock!(aws_sdk_rds::Client::switchover_global_cluster)
        .then_output(|| SwitchoverGlobalClusterOutput::builder().build());
    let mut clients = Clients::idle();
    clients.reads.rds = mock_client!(aws_sdk_rds, RuleMode::MatchAny, [&describe]);
    clients.changes.rds = mock_client!(aws_sdk_rds, RuleMode::MatchAny, [&failover, &switchover]);
    let actions = clients.actions();

    let (result, progress) = carry(&to_usw2("failover"), &actions).await;
    result.expect("failed over");
    assert_eq!(failover.num_calls(), 1, "with AllowDataLoss: {progress:?}");
    assert_eq!(switchover.num_calls(), 0);
    assert!(
        progress
            .iter()
            .any(|l| l == "primary billing-use1; failing-over")
    );

    // Without AllowDataLoss, FailoverGlobalCluster would be a switchover in disguise: refused
    // before anything is asked of AWS.
    let calls_before = describe.num_calls();
    let refused = actions
        .failover_global_cluster(REGION, GLOBAL, "billing-usw2", false)
        .await
        .expect_err("refused");
    assert!(
        refused.message.contains("switchover-global-cluster"),
        "{refused}"
    );
    assert_eq!(failover.num_calls(), 1);
    assert_eq!(describe.num_calls(), calls_before);
}

// --- AWS Backup restores -------------------------------------------------------------------

const VAULT: &str = "orders-daily";
const ROLE: &str = "arn:aws:iam::123456789012:role/ripcord-restore";
const NEWEST: &str = "arn:aws:backup:us-west-2:123456789012:recovery-point:newest-complete";
const PRIMARY_ARN: &str = "arn:aws:rds:us-west-2:123456789012:db:orders-primary";
const TARGET: &str = "orders-restore-drill";

fn point(
    arn: &str,
    resource: &str,
    status: RecoveryPointStatus,
    hours_ago: i64,
) -> RecoveryPointByBackupVault {
    RecoveryPointByBackupVault::builder()
        .recovery_point_arn(arn)
        .backup_vault_name(VAULT)
        .resource_arn(resource)
        .resource_type("RDS")
        .status(status)
        .creation_date(aws_time(-hours_ago * 3600))
        .completion_date(aws_time(-hours_ago * 3600 + 600))
        .build()
}

/// The vault: an older and a newer completed point of orders-primary, a still newer one that
/// is not usable, and the newest of all for another database.
fn recovery_points() -> Rule {
    mock!(aws_sdk_backup::Client::list_recovery_points_by_backup_vault)
        .match_requests(|r| r.backup_vault_name() == Some(VAULT))
        .then_output(|| {
            ListRecoveryPointsByBackupVaultOutput::builder()
                .recovery_points(point(
                    "arn:older",
                    PRIMARY_ARN,
                    RecoveryPointStatus::Completed,
                    26,
                ))
                .recovery_points(point(
                    NEWEST,
                    PRIMARY_ARN,
                    RecoveryPointStatus::Completed,
                    2,
                ))
                .recovery_points(point(
                    "arn:partial",
                    PRIMARY_ARN,
                    RecoveryPointStatus::Partial,
                    1,
                ))
                .recovery_points(point(
                    "arn:other",
                    "arn:aws:rds:us-west-2:123456789012:db:billing",
                    RecoveryPointStatus::Completed,
                    0,
                ))
                .build()
        })
}

fn restore_metadata() -> Rule {
    mock!(aws_sdk_backup::Client::get_recovery_point_restore_metadata)
        .match_requests(|r| {
            r.backup_vault_name() == Some(VAULT) && r.recovery_point_arn() == Some(NEWEST)
        })
        .then_output(|| {
            GetRecoveryPointRestoreMetadataOutput::builder()
                .restore_metadata("DBInstanceIdentifier", "orders-primary")
                .restore_metadata("DBInstanceClass", "db.t3.micro")
                .build()
        })
}

fn restore_job(status: RestoreJobStatus, done: bool) -> DescribeRestoreJobOutput {
    let job = DescribeRestoreJobOutput::builder()
        .restore_job_id("restore-1")
        .status(status)
        .creation_date(aws_time(0))
        .created_resource_arn(format!("arn:aws:rds:us-west-2:123456789012:db:{TARGET}"));
    if done {
        job.completion_date(aws_time(25 * 60)).build()
    } else {
        job.build()
    }
}

fn restore_states() -> Rule {
    mock!(aws_sdk_backup::Client::describe_restore_job)
        .match_requests(|r| r.restore_job_id() == Some("restore-1"))
        .then_compute_output(in_turn(vec![
            restore_job(RestoreJobStatus::Pending, false),
            restore_job(RestoreJobStatus::Running, false),
            restore_job(RestoreJobStatus::Completed, true),
        ]))
}

fn instance(id: &str, status: &str, created: DateTime) -> DescribeDbInstancesOutput {
    DescribeDbInstancesOutput::builder()
        .db_instances(
            DbInstance::builder()
                .db_instance_identifier(id)
                .db_instance_status(status)
                .engine("postgres")
                .instance_create_time(created)
                .build(),
        )
        .build()
}

fn restored_instance() -> Rule {
    mock!(aws_sdk_rds::Client::describe_db_instances)
        .match_requests(|r| r.db_instance_identifier() == Some(TARGET))
        .then_output(|| instance(TARGET, "available", aws_time(60)))
}

fn restore() -> Operation {
    Operation::RestoreNewestRecoveryPoint(act::RestoreNewestRecoveryPoint {
        region: REGION.into(),
        vault: VAULT.into(),
        resource: "orders-primary".into(),
        target: TARGET.into(),
        iam_role: Some(ROLE.into()),
        // As the executor pins it on confirming: the point the pre-checks read.
        recovery_point: Some(PinnedRecoveryPoint {
            arn: NEWEST.into(),
            resource_type: "RDS".into(),
        }),
    })
}

#[tokio::test]
async fn a_restore_starts_from_the_newest_usable_point_with_the_token_and_waits_for_completed() {
    let token = context().idempotency_token().to_string();
    let expected = token.clone();
    let start = mock!(aws_sdk_backup::Client::start_restore_job)
        .match_requests(move |r| {
            r.idempotency_token() == Some(expected.as_str())
                && r.recovery_point_arn() == Some(NEWEST)
                && r.iam_role_arn() == Some(ROLE)
                && r.resource_type() == Some("RDS")
                && r.metadata().is_some_and(|m| {
                    m.get("DBInstanceIdentifier").map(String::as_str) == Some(TARGET)
                        && m.get("DBInstanceClass").map(String::as_str) == Some("db.t3.micro")
                })
        })
        .then_http_response(|| {
            http_answer(
                200,
                "application/json",
                r#"{"RestoreJobId":"restore-1"}"#,
                "req-restore-1",
            )
        });
    let (points, metadata, states, made) = (
        recovery_points(),
        restore_metadata(),
        restore_states(),
        restored_instance(),
    );
    let mut clients = Clients::idle();
    clients.reads.backup = mock_client!(
        aws_sdk_backup,
        RuleMode::MatchAny,
        [&points, &metadata, &states]
    );
    clients.changes.backup = mock_client!(aws_sdk_backup, RuleMode::MatchAny, [&start]);
    clients.reads.rds = mock_client!(aws_sdk_rds, RuleMode::MatchAny, [&made]);
    let actions = clients.actions();

    let newest = actions
        .newest_recovery_point(REGION, VAULT, "orders-primary")
        .await
        .expect("read")
        .value
        .expect("a usable point");
    assert_eq!(
        newest.arn, NEWEST,
        "the newest completed point of this resource"
    );

    let (result, progress) = carry(&restore(), &actions).await;
    let outcome = result.expect("restored");
    assert_eq!(start.num_calls(), 1, "{progress:?}");
    assert_eq!(
        states.num_calls(),
        3,
        "PENDING, RUNNING, COMPLETED: {progress:?}"
    );
    assert_eq!(
        outcome.measured,
        Some(Duration::from_secs(25 * 60)),
        "the restore time is the job's own"
    );
    assert!(
        outcome.summary.contains("RTO 1h00m within"),
        "{}",
        outcome.summary
    );
    assert_eq!(
        outcome.requests,
        [RequestId {
            call: "backup:StartRestoreJob".into(),
            id: "req-restore-1".into()
        }]
    );
    assert!(
        progress
            .iter()
            .any(|l| l.contains("restore job restore-1 RUNNING")),
        "{progress:?}"
    );
}

#[tokio::test]
async fn a_restore_start_that_times_out_is_asked_again_with_the_same_token_not_retried_blindly() {
    let silence = Silence::then_json(1, r#"{"RestoreJobId":"restore-1"}"#, "req-restore-2");
    let (points, metadata, states, made) = (
        recovery_points(),
        restore_metadata(),
        restore_states(),
        restored_instance(),
    );
    let mut clients = Clients::idle();
    clients.reads.backup = mock_client!(
        aws_sdk_backup,
        RuleMode::MatchAny,
        [&points, &metadata, &states]
    );
    clients.changes.backup = silent_backup(&silence);
    clients.reads.rds = mock_client!(aws_sdk_rds, RuleMode::MatchAny, [&made]);
    let actions = clients.actions();

    let (result, progress) = carry(&restore(), &actions).await;
    result.expect("restored after asking again");
    let bodies = silence.bodies();
    assert_eq!(
        bodies.len(),
        2,
        "one attempt that timed out (the SDK did not retry it), then the engine's one repeat: {progress:?}"
    );
    let token = context().idempotency_token().to_string();
    for body in &bodies {
        let sent: serde_json::Value = serde_json::from_str(body).expect("a JSON body");
        assert_eq!(sent["IdempotencyToken"], token.as_str(), "{body}");
        assert_eq!(sent["Metadata"]["DBInstanceIdentifier"], TARGET);
    }
    assert!(
        progress
            .iter()
            .any(|l| l.starts_with("backup:StartRestoreJob timed out")
                && l.ends_with(&format!(
                    "asking again with the same idempotency token {token}"
                ))),
        "{progress:?}"
    );
    assert_eq!(states.num_calls(), 3);
}

// --- Changes that time out -----------------------------------------------------------------

fn replica(source: Option<&str>) -> DescribeDbInstancesOutput {
    DescribeDbInstancesOutput::builder()
        .db_instances(
            DbInstance::builder()
                .db_instance_identifier("orders-dr-usw2")
                .db_instance_status("available")
                .engine("postgres")
                .backup_retention_period(7)
                .set_read_replica_source_db_instance_identifier(source.map(str::to_string))
                .build(),
        )
        .build()
}

fn promote() -> Operation {
    Operation::PromoteReadReplica(act::PromoteReadReplica {
        region: REGION.into(),
        replica: "orders-dr-usw2".into(),
        max_lag: Some(Duration::from_secs(60)),
        backup_retention_days: None,
    })
}

#[tokio::test]
async fn a_promotion_that_times_out_is_not_sent_again_and_the_real_state_decides() {
    let silence = Silence::forever();
    let describe = mock!(aws_sdk_rds::Client::describe_db_instances)
        .then_compute_output(in_turn(vec![replica(None)]));
    let mut clients = Clients::idle();
    clients.changes.rds = silent_rds(&silence);
    clients.reads.rds = mock_client!(aws_sdk_rds, RuleMode::MatchAny, [&describe]);
    let actions = clients.actions();

    let (result, progress) = carry(&promote(), &actions).await;
    let outcome = result.expect("the real state shows it promoted");
    assert_eq!(
        silence.bodies().len(),
        1,
        "one attempt, not retried: {progress:?}"
    );
    assert!(
        progress
            .iter()
            .any(|l| l.starts_with("rds:PromoteReadReplica timed out")
                && l.ends_with("reading the real state before deciding")),
        "{progress:?}"
    );
    assert_eq!(
        describe.num_calls(),
        2,
        "read for its backup retention, then once more: it was done"
    );
    assert!(
        outcome.summary.contains("standalone"),
        "{}",
        outcome.summary
    );
    assert!(outcome.requests.is_empty(), "no answer, no request id");
}

#[tokio::test]
async fn a_promotion_that_timed_out_and_never_shows_fails_at_the_step_timeout_without_a_repeat() {
    let silence = Silence::forever();
    let source = "arn:aws:rds:us-east-1:123456789012:db:orders-primary";
    let describe = mock!(aws_sdk_rds::Client::describe_db_instances)
        .then_compute_output(in_turn(vec![replica(Some(source))]));
    let mut clients = Clients::idle();
    clients.changes.rds = silent_rds(&silence);
    clients.reads.rds = mock_client!(aws_sdk_rds, RuleMode::MatchAny, [&describe]);
    let actions = clients.actions();

    let (result, progress) = carry(&promote(), &actions).await;
    let error = result.expect_err("never promoted");
    assert!(
        error.starts_with("orders-dr-usw2 still has a source after 30m"),
        "{error}"
    );
    assert_eq!(
        silence.bodies().len(),
        1,
        "read again and again, never promoted again: {progress:?}"
    );
    assert!(describe.num_calls() > 100, "{}", describe.num_calls());
}

fn record(set: &str, role: ResourceRecordSetFailover, value: &str) -> ResourceRecordSet {
    ResourceRecordSet::builder()
        .name("api.example.com.")
        .r#type(RrType::Cname)
        .set_identifier(set)
        .failover(role)
        .ttl(60)
        .health_check_id(format!("hc-{set}"))
        .resource_records(ResourceRecord::builder().value(value).build().expect("ok"))
        .build()
        .expect("valid")
}

fn pair(dr_primary: bool) -> ListResourceRecordSetsOutput {
    let (p, s) = (
        ResourceRecordSetFailover::Primary,
        ResourceRecordSetFailover::Secondary,
    );
    let (use1, usw2) = if dr_primary {
        (s.clone(), p.clone())
    } else {
        (p, s)
    };
    ListResourceRecordSetsOutput::builder()
        .resource_record_sets(record("api-dr", usw2, "api.us-west-2.example.com"))
        .resource_record_sets(record("api-primary", use1, "api.us-east-1.example.com"))
        .is_truncated(false)
        .max_items(100)
        .build()
        .expect("valid")
}

#[tokio::test]
async fn a_dns_change_that_times_out_is_judged_by_the_records_read_afterwards() {
    let silence = Silence::forever();
    // The pair as read before the change (the engine's read, then the batch's own), then as
    // Route 53 holds it afterwards: the change went through although its answer was lost.
    let list = mock!(aws_sdk_route53::Client::list_resource_record_sets)
        .then_compute_output(in_turn(vec![pair(false), pair(false), pair(true)]));
    let get_change = mock!(aws_sdk_route53::Client::get_change)
        .then_output(|| GetChangeOutput::builder().build());
    let mut clients = Clients::idle();
    clients.route53 = Route53Clients {
        reads: mock_client!(aws_sdk_route53, RuleMode::MatchAny, [&list, &get_change]),
        changes: silent_route53(&silence),
    };
    let actions = clients.actions();
    let flip = Operation::FlipFailoverRecords(act::FlipFailoverRecords {
        zone: "Z0123456789ABC".into(),
        name: "api.example.com.".into(),
        primary: "api-dr".into(),
    });
    let (result, progress) = carry(&flip, &actions).await;
    let outcome = result.expect("the records show the flip");
    assert!(
        outcome
            .summary
            .contains("went through although its call timed out"),
        "{}",
        outcome.summary
    );
    assert_eq!(silence.bodies().len(), 1, "sent once: {progress:?}");
    assert!(
        silence.bodies()[0].contains("<Action>DELETE</Action>"),
        "one batch: {}",
        silence.bodies()[0]
    );
    assert_eq!(
        get_change.num_calls(),
        0,
        "no change id came back to follow"
    );
    assert_eq!(list.num_calls(), 3);
}

// --- Deleting a restored instance ----------------------------------------------------------

fn jobs_that_made(made: &[(&str, i64)]) -> ListRestoreJobsOutput {
    let mut out = ListRestoreJobsOutput::builder();
    for (i, (id, created)) in made.iter().enumerate() {
        out = out.restore_jobs(
            RestoreJobsListMember::builder()
                .restore_job_id(format!("restore-{i}"))
                .status(RestoreJobStatus::Completed)
                .creation_date(aws_time(*created))
                .completion_date(aws_time(*created + 1500))
                .created_resource_arn(format!("arn:aws:rds:us-west-2:123456789012:db:{id}"))
                .build(),
        );
    }
    out.build()
}

#[tokio::test]
async fn only_an_instance_a_restore_job_made_is_ever_deleted() {
    let delete = mock!(aws_sdk_rds::Client::delete_db_instance)
        .match_requests(|r| r.skip_final_snapshot() == Some(true))
        .then_output(|| DeleteDbInstanceOutput::builder().build());
    let jobs = mock!(aws_sdk_backup::Client::list_restore_jobs)
        .then_output(|| jobs_that_made(&[(TARGET, 0), ("reused-name", 0)]));
    // `orders-primary` no job made; `reused-name` was made by a job once, but the instance of
    // that name now is older than the job; `orders-restore-drill` is the job's.
    let instances = mock!(aws_sdk_rds::Client::describe_db_instances).then_compute_output(|r| {
        let id = r.db_instance_identifier().unwrap_or_default().to_string();
        let created = if id == TARGET {
            aws_time(60)
        } else {
            aws_time(-86_400)
        };
        instance(&id, "available", created)
    });
    let mut clients = Clients::idle();
    clients.reads.backup = mock_client!(aws_sdk_backup, RuleMode::MatchAny, [&jobs]);
    clients.reads.rds = mock_client!(aws_sdk_rds, RuleMode::MatchAny, [&instances]);
    clients.changes.rds = mock_client!(aws_sdk_rds, RuleMode::MatchAny, [&delete]);
    let actions = clients.actions();

    for never in ["orders-primary", "reused-name"] {
        let made = actions
            .restore_job_that_created(REGION, never)
            .await
            .expect("read");
        assert_eq!(made.value, None, "{never}");
        let refused = actions
            .delete_db_instance(REGION, never)
            .await
            .expect_err("refused");
        assert!(
            refused.message.starts_with("refusing to delete"),
            "{refused}"
        );
    }
    assert_eq!(delete.num_calls(), 0, "nothing was deleted");

    let made = actions
        .restore_job_that_created(REGION, TARGET)
        .await
        .expect("read")
        .value
        .expect("made by a job");
    assert_eq!(made.id, "restore-0");
    actions
        .delete_db_instance(REGION, TARGET)
        .await
        .expect("deleted");
    assert_eq!(delete.num_calls(), 1, "without a final snapshot");
}

/// sts:GetCallerIdentity names the credentials in the audit log: their account and ARN when
/// STS answers; "unknown", with the call and why, when it does not (never a guess).
#[tokio::test]
async fn the_caller_identity_is_what_sts_answers_or_unknown_with_why() {
    use aws_sdk_sts::operation::get_caller_identity::GetCallerIdentityOutput;
    use ripcord::runbook::act::port::CallerIdentity;

    let answered = mock!(aws_sdk_sts::Client::get_caller_identity).then_output(|| {
        GetCallerIdentityOutput::builder()
            .account("123456789012")
            .arn("arn:aws:sts::123456789012:assumed-role/dr-operator/alice")
            .user_id("AROAEXAMPLE:alice")
            .build()
    });
    let actions = Clients::idle().actions().with_sts(mock_client!(
        aws_sdk_sts,
        RuleMode::MatchAny,
        [&answered]
    ));
    assert_eq!(
        actions.caller_identity().await,
        CallerIdentity::Known {
            arn: "arn:aws:sts::123456789012:assumed-role/dr-operator/alice".into(),
            account: "123456789012".into(),
        }
    );
    assert_eq!(answered.num_calls(), 1);

    let expired = mock!(aws_sdk_sts::Client::get_caller_identity).then_http_response(|| {
        HttpResponse::new(
            StatusCode::try_from(403).expect("valid"),
            SdkBody::from(
                "<ErrorResponse><Error><Type>Sender</Type><Code>ExpiredToken</Code>\
                 <Message>The security token included in the request is expired</Message>\
                 </Error></ErrorResponse>",
            ),
        )
    });
    let actions = Clients::idle().actions().with_sts(mock_client!(
        aws_sdk_sts,
        RuleMode::MatchAny,
        [&expired]
    ));
    let CallerIdentity::Unknown { why } = actions.caller_identity().await else {
        panic!("an identity STS did not give is unknown")
    };
    assert!(
        why.starts_with("sts:GetCallerIdentity failed (credentials expired)")
            && why.contains("aws sso login --profile")
            && why.contains("expired"),
        "{why}"
    );

    let CallerIdentity::Unknown { why } = Clients::idle().actions().caller_identity().await else {
        panic!("no STS client, no identity")
    };
    assert!(why.contains("sts:GetCallerIdentity was not asked"), "{why}");
}

// --- Changes whose answer was lost (a broken connection, an unreadable reply) -------------
//
// Like a timeout, these leave the change unknown: the request may have reached AWS and been
// carried out. The real state decides, and only StartRestoreJob is asked again (its token
// makes the repeat the same request).

/// How a connector loses the answer of its first `lost` requests.
#[derive(Clone, Copy, Debug)]
enum Lost {
    /// The connection breaks after the request went out (a reset, a proxy that drops it).
    Reset,
    /// An answer arrives but cannot be read (a truncated or garbled body).
    Garbled,
    /// AWS answers with a server error (HTTP 500 `InternalFailure`): the request reached it,
    /// and AWS does not say whether it was carried out.
    ServerError,
}

/// Loses the answer of the first `lost` requests as `how`, answers the rest with `answer`
/// (status 200, `content_type`); records every request body, so a test can count attempts.
#[derive(Clone, Debug)]
struct LostAnswer {
    how: Lost,
    lost: usize,
    answer: Option<(String, String)>,
    bodies: Arc<Mutex<Vec<String>>>,
}

impl LostAnswer {
    fn always(how: Lost) -> LostAnswer {
        LostAnswer {
            how,
            lost: usize::MAX,
            answer: None,
            bodies: Arc::default(),
        }
    }

    fn then(how: Lost, lost: usize, content_type: &str, body: &str) -> LostAnswer {
        LostAnswer {
            how,
            lost,
            answer: Some((content_type.to_string(), body.to_string())),
            bodies: Arc::default(),
        }
    }

    fn bodies(&self) -> Vec<String> {
        self.bodies.lock().expect("not poisoned").clone()
    }

    fn http_client(&self) -> aws_smithy_runtime_api::client::http::SharedHttpClient {
        let connector = self.clone();
        http_client_fn(move |_, _| SharedHttpConnector::new(connector.clone()))
    }
}

impl HttpConnector for LostAnswer {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let body = request
            .body()
            .bytes()
            .map(|b| String::from_utf8_lossy(b).into_owned())
            .unwrap_or_default();
        let n = {
            let mut bodies = self.bodies.lock().expect("not poisoned");
            bodies.push(body);
            bodies.len()
        };
        let answer = match (&self.answer, self.how) {
            (Some((content_type, body)), _) if n > self.lost => {
                Ok(http_answer(200, content_type, body, "req-after"))
            }
            (_, Lost::Reset) => Err(ConnectorError::io(
                "connection reset by peer after the request was sent".into(),
            )),
            (_, Lost::Garbled) => Ok(http_answer(
                200,
                "application/json",
                "<<<\u{0}garbled",
                "req-garbled",
            )),
            (_, Lost::ServerError) => Ok(http_answer(
                500,
                "text/xml",
                "<ErrorResponse><Error><Type>Receiver</Type><Code>InternalFailure</Code>\
                 <Message>We encountered an internal error. Please try again.</Message>\
                 </Error><RequestId>req-500</RequestId></ErrorResponse>",
                "req-500",
            )),
        };
        HttpConnectorFuture::ready(answer)
    }
}

fn lost_rds(lost: &LostAnswer) -> aws_sdk_rds::Client {
    aws_sdk_rds::Client::from_conf(
        aws_sdk_rds::Config::builder()
            .with_test_defaults_v2()
            .http_client(lost.http_client())
            .retry_config(CallLimits::CHANGES.retry_config())
            .timeout_config(change_timeouts())
            .build(),
    )
}

fn lost_backup(lost: &LostAnswer) -> aws_sdk_backup::Client {
    aws_sdk_backup::Client::from_conf(
        aws_sdk_backup::Config::builder()
            .with_test_defaults_v2()
            .http_client(lost.http_client())
            .retry_config(CallLimits::CHANGES.retry_config())
            .timeout_config(change_timeouts())
            .build(),
    )
}

fn lost_route53(lost: &LostAnswer) -> aws_sdk_route53::Client {
    aws_sdk_route53::Client::from_conf(
        aws_sdk_route53::Config::builder()
            .with_test_defaults_v2()
            .http_client(lost.http_client())
            .retry_config(CallLimits::CHANGES.retry_config())
            .timeout_config(change_timeouts())
            .build(),
    )
}

#[tokio::test]
async fn a_promotion_whose_answer_was_lost_is_judged_by_the_real_state_not_called_failed() {
    for how in [Lost::Reset, Lost::Garbled, Lost::ServerError] {
        let lost = LostAnswer::always(how);
        let describe = mock!(aws_sdk_rds::Client::describe_db_instances)
            .then_compute_output(in_turn(vec![replica(None)]));
        let mut clients = Clients::idle();
        clients.changes.rds = lost_rds(&lost);
        clients.reads.rds = mock_client!(aws_sdk_rds, RuleMode::MatchAny, [&describe]);
        let actions = clients.actions();

        let (result, progress) = carry(&promote(), &actions).await;
        let outcome = result.unwrap_or_else(|e| panic!("{how:?}: the real state decides: {e}"));
        assert_eq!(lost.bodies().len(), 1, "{how:?}: sent once: {progress:?}");
        assert!(
            progress
                .iter()
                .any(|l| l.starts_with("rds:PromoteReadReplica")
                    && l.ends_with("reading the real state before deciding")),
            "{how:?}: {progress:?}"
        );
        assert!(
            outcome.summary.contains("standalone"),
            "{how:?}: {}",
            outcome.summary
        );
    }
}

#[tokio::test]
async fn a_dns_change_whose_answer_was_lost_is_judged_by_the_records_read_afterwards() {
    for how in [Lost::Reset, Lost::Garbled] {
        let lost = LostAnswer::always(how);
        let list = mock!(aws_sdk_route53::Client::list_resource_record_sets)
            .then_compute_output(in_turn(vec![pair(false), pair(false), pair(true)]));
        let mut clients = Clients::idle();
        clients.route53 = Route53Clients {
            reads: mock_client!(aws_sdk_route53, RuleMode::MatchAny, [&list]),
            changes: lost_route53(&lost),
        };
        let actions = clients.actions();
        let flip = Operation::FlipFailoverRecords(act::FlipFailoverRecords {
            zone: "Z0123456789ABC".into(),
            name: "api.example.com.".into(),
            primary: "api-dr".into(),
        });
        let (result, progress) = carry(&flip, &actions).await;
        let outcome = result.unwrap_or_else(|e| panic!("{how:?}: the records decide: {e}"));
        assert!(
            outcome.summary.contains("`api-dr` is PRIMARY"),
            "{how:?}: {}",
            outcome.summary
        );
        assert!(
            progress
                .iter()
                .any(|l| l.starts_with("route53:ChangeResourceRecordSets")
                    && l.ends_with("reading the records before deciding")),
            "{how:?}: {progress:?}"
        );
        assert_eq!(lost.bodies().len(), 1, "{how:?}: sent once: {progress:?}");
        assert_eq!(list.num_calls(), 3, "{how:?}");
    }
}

#[tokio::test]
async fn a_restore_start_whose_answer_was_lost_is_asked_again_with_the_same_token() {
    for how in [Lost::Reset, Lost::Garbled] {
        let lost = LostAnswer::then(
            how,
            1,
            "application/json",
            r#"{"RestoreJobId":"restore-1"}"#,
        );
        let (points, metadata, states, made) = (
            recovery_points(),
            restore_metadata(),
            restore_states(),
            restored_instance(),
        );
        let mut clients = Clients::idle();
        clients.reads.backup = mock_client!(
            aws_sdk_backup,
            RuleMode::MatchAny,
            [&points, &metadata, &states]
        );
        clients.changes.backup = lost_backup(&lost);
        clients.reads.rds = mock_client!(aws_sdk_rds, RuleMode::MatchAny, [&made]);
        let actions = clients.actions();

        let (result, progress) = carry(&restore(), &actions).await;
        result.unwrap_or_else(|e| panic!("{how:?}: restored after asking again: {e}"));
        let bodies = lost.bodies();
        assert_eq!(
            bodies.len(),
            2,
            "{how:?}: the lost one, then one repeat: {progress:?}"
        );
        let token = context().idempotency_token().to_string();
        for body in &bodies {
            let sent: serde_json::Value = serde_json::from_str(body).expect("a JSON body");
            assert_eq!(sent["IdempotencyToken"], token.as_str(), "{how:?}: {body}");
        }
        assert!(
            progress
                .iter()
                .any(|l| l.starts_with("backup:StartRestoreJob")
                    && l.ends_with(&format!(
                        "asking again with the same idempotency token {token}"
                    ))),
            "{how:?}: {progress:?}"
        );
    }
}
// --- Conditions that cannot be told ----------------------------------------------------------

use aws_sdk_cloudwatch::operation::get_metric_data::GetMetricDataOutput;
use aws_sdk_cloudwatch::types::MetricDataResult;
use ripcord::runbook::act::dispatch::evaluate;
use ripcord::runbook::lang::vocab::Probe;

/// GetMetricData answering one `ReplicaLag` datapoint: `lag_secs`, stamped `age_secs` ago
/// (the start of its minute: it describes the lag until a minute later).
fn lag_datapoint(lag_secs: f64, age_secs: i64) -> Rule {
    mock!(aws_sdk_cloudwatch::Client::get_metric_data).then_compute_output(move |_| {
        let at = Timestamp::now().as_second() - age_secs;
        GetMetricDataOutput::builder()
            .metric_data_results(
                MetricDataResult::builder()
                    .id("instance")
                    .timestamps(DateTime::from_secs(at))
                    .values(lag_secs)
                    .build(),
            )
            .build()
    })
}

/// A region that does not answer says nothing about its cluster: "cannot tell", never
/// "not available" (which would send the Aurora runbook down its data-loss branch).
#[tokio::test]
async fn a_cluster_that_does_not_answer_cannot_be_told_available_or_not() {
    let silence = Silence::forever();
    let mut clients = Clients::idle();
    clients.reads.rds = silent_rds(&silence);
    let actions = clients.actions();
    let probe = Probe::DbClusterAvailable(probe::DbClusterAvailable {
        region: REGION.into(),
        cluster: "billing-usw2".into(),
    });
    let check = evaluate(&probe, &actions, &Clock::System).await;
    assert_eq!(check.holds, None, "{check:?}");
    assert!(check.detail.contains("could not read"), "{check:?}");
}

/// A lag datapoint older than the limit it is judged against says nothing about the lag
/// now: a 10 s lag whose minute ended 2 minutes ago cannot pass a 1-minute RPO.
#[tokio::test]
async fn a_lag_datapoint_older_than_the_limit_cannot_pass_it() {
    let old = lag_datapoint(10.0, 180);
    let mut clients = Clients::idle();
    clients.reads.cloudwatch = mock_client!(aws_sdk_cloudwatch, RuleMode::MatchAny, [&old]);
    let actions = clients.actions();
    let probe = Probe::ReplicaLagBelow(probe::ReplicaLagBelow {
        region: REGION.into(),
        replica: "orders-dr-usw2".into(),
        max: Duration::from_secs(60),
    });
    let check = evaluate(&probe, &actions, &Clock::System).await;
    assert_eq!(check.holds, None, "{check:?}");
    assert!(check.detail.contains("old"), "{check:?}");

    let fresh = lag_datapoint(10.0, 20);
    let mut clients = Clients::idle();
    clients.reads.cloudwatch = mock_client!(aws_sdk_cloudwatch, RuleMode::MatchAny, [&fresh]);
    let check = evaluate(&probe, &clients.actions(), &Clock::System).await;
    assert_eq!(
        check.holds,
        Some(true),
        "a fresh datapoint within the limit: {check:?}"
    );
}

/// A gate on an Aurora global secondary: CloudWatch publishes its lag with the primary's
/// region as `SourceRegion` beside the cluster, and answers a query by the cluster alone with
/// nothing. The gate reads the global database's members and asks again with their regions,
/// instead of reading "no lag datapoints" at every refresh.
#[tokio::test]
async fn a_gate_on_a_global_secondary_reads_the_lag_published_with_its_source_region() {
    let globals =
        mock!(aws_sdk_rds::Client::describe_global_clusters).then_output(|| global(USE1_ARN, None));
    let metrics = mock!(aws_sdk_cloudwatch::Client::get_metric_data).then_compute_output(|req| {
        let at = Timestamp::now().as_second() - 20;
        let results = req.metric_data_queries().iter().map(|q| {
            let metric = q.metric_stat().and_then(|s| s.metric());
            let published = metric.is_some_and(|m| {
                m.metric_name() == Some("AuroraGlobalDBRPOLag")
                    && m.dimensions()
                        .iter()
                        .any(|d| d.name() == Some("SourceRegion") && d.value() == Some("us-east-1"))
                    && m.dimensions().iter().any(|d| {
                        d.name() == Some("DBClusterIdentifier") && d.value() == Some("billing-usw2")
                    })
            });
            let result = MetricDataResult::builder().id(q.id().unwrap_or_default());
            if published {
                result
                    .timestamps(DateTime::from_secs(at))
                    .values(850.0)
                    .build()
            } else {
                result.build()
            }
        });
        GetMetricDataOutput::builder()
            .set_metric_data_results(Some(results.collect()))
            .build()
    });
    let mut clients = Clients::idle();
    clients.reads.rds = mock_client!(aws_sdk_rds, RuleMode::MatchAny, [&globals]);
    clients.reads.cloudwatch = mock_client!(aws_sdk_cloudwatch, RuleMode::MatchAny, [&metrics]);
    let probe = Probe::ReplicaLagBelow(probe::ReplicaLagBelow {
        region: REGION.into(),
        replica: "billing-usw2".into(),
        max: Duration::from_secs(60),
    });
    let check = evaluate(&probe, &clients.actions(), &Clock::System).await;
    assert_eq!(check.holds, Some(true), "{check:?}");
    assert!(check.detail.contains("850ms"), "{check:?}");
}

// --- What the pre-checks read is what the change uses ------------------------------------

use aws_sdk_rds::operation::promote_read_replica::PromoteReadReplicaOutput;
use ripcord::runbook::act::dispatch::prechecks;

const EXPIRED: &str = "arn:aws:backup:us-west-2:123456789012:recovery-point:expired";

/// The recovery point shown before confirming is pinned into the operation (and so into the
/// intent); the change restores exactly that one and, when it is gone, fails rather than
/// restoring another (here the newer one the vault still has).
#[tokio::test]
async fn a_restore_restores_the_pinned_point_and_fails_when_it_is_gone() {
    let (points, metadata) = (recovery_points(), restore_metadata());
    let start = mock!(aws_sdk_backup::Client::start_restore_job).then_http_response(|| {
        http_answer(
            200,
            "application/json",
            r#"{"RestoreJobId":"restore-1"}"#,
            "req-restore-1",
        )
    });
    let free = mock!(aws_sdk_rds::Client::describe_db_instances)
        .then_output(|| DescribeDbInstancesOutput::builder().build());
    let expired = mock!(aws_sdk_backup::Client::get_recovery_point_restore_metadata)
        .match_requests(|r| r.recovery_point_arn() == Some(EXPIRED))
        .then_http_response(|| {
            http_answer(
                404,
                "application/json",
                r#"{"__type":"ResourceNotFoundException","Message":"no such recovery point"}"#,
                "req-expired",
            )
        });
    let mut clients = Clients::idle();
    clients.reads.backup = mock_client!(
        aws_sdk_backup,
        RuleMode::MatchAny,
        [&points, &metadata, &expired]
    );
    clients.changes.backup = mock_client!(aws_sdk_backup, RuleMode::MatchAny, [&start]);
    clients.reads.rds = mock_client!(aws_sdk_rds, RuleMode::MatchAny, [&free]);
    let actions = clients.actions();
    let unpinned = Operation::RestoreNewestRecoveryPoint(act::RestoreNewestRecoveryPoint {
        region: REGION.into(),
        vault: VAULT.into(),
        resource: "orders-primary".into(),
        target: TARGET.into(),
        iam_role: None,
        recovery_point: None,
    });

    let clock = Clock::manual(t0());
    let pre = prechecks(&unpinned, &actions, &clock).await;
    let Operation::RestoreNewestRecoveryPoint(act::RestoreNewestRecoveryPoint {
        recovery_point,
        ..
    }) = unpinned.clone().pinned(&pre)
    else {
        panic!("a restore")
    };
    assert_eq!(
        recovery_point.map(|p| p.arn),
        Some(NEWEST.to_string()),
        "the point shown is the point pinned: {pre:?}"
    );

    let (result, _) = carry(&unpinned, &actions).await;
    let error = result.expect_err("nothing pinned: nothing chosen behind the operator's back");
    assert!(error.contains("no recovery point"), "{error}");

    let gone = Operation::RestoreNewestRecoveryPoint(act::RestoreNewestRecoveryPoint {
        region: REGION.into(),
        vault: VAULT.into(),
        resource: "orders-primary".into(),
        target: TARGET.into(),
        iam_role: None,
        recovery_point: Some(PinnedRecoveryPoint {
            arn: EXPIRED.into(),
            resource_type: "RDS".into(),
        }),
    });
    let (result, progress) = carry(&gone, &actions).await;
    result.expect_err("the pinned point is gone");
    assert_eq!(
        start.num_calls(),
        0,
        "no other point restored: {progress:?}"
    );
}

/// PromoteReadReplica always carries BackupRetentionPeriod: the step's, else the replica's
/// own; left out, AWS would give the new primary one day of point-in-time recovery.
#[tokio::test]
async fn a_promotion_sends_the_backup_retention_explicitly() {
    for (given, sent) in [(None, 7), (Some(14), 14)] {
        let describe =
            mock!(aws_sdk_rds::Client::describe_db_instances).then_compute_output(in_turn(vec![
                replica(Some("arn:aws:rds:us-east-1:123456789012:db:orders-primary")),
                replica(None),
            ]));
        let promote_call = mock!(aws_sdk_rds::Client::promote_read_replica)
            .match_requests(move |r| r.backup_retention_period() == Some(sent))
            .then_output(|| PromoteReadReplicaOutput::builder().build());
        let mut clients = Clients::idle();
        clients.reads.rds = mock_client!(aws_sdk_rds, RuleMode::MatchAny, [&describe]);
        clients.changes.rds = mock_client!(aws_sdk_rds, RuleMode::MatchAny, [&promote_call]);
        let actions = clients.actions();
        let op = Operation::PromoteReadReplica(act::PromoteReadReplica {
            region: REGION.into(),
            replica: "orders-dr-usw2".into(),
            max_lag: Some(Duration::from_secs(60)),
            backup_retention_days: given,
        });
        let (result, progress) = carry(&op, &actions).await;
        result.expect("promoted");
        assert_eq!(
            promote_call.num_calls(),
            1,
            "BackupRetentionPeriod={sent}: {progress:?}"
        );
    }
}

/// The promotion re-reads the lag itself, judged against the runbook's RPO: over it, or not
/// known, it does not pass; `max_lag: any` passes it as a visible override.
#[tokio::test]
async fn the_promotions_own_pre_checks_judge_a_fresh_lag_against_the_rpo() {
    let lag_check = |checks: &[ripcord::runbook::exec::work::Check]| {
        checks
            .iter()
            .find(|c| c.label.starts_with("writes not yet on the replica"))
            .cloned()
            .expect("a lag check")
    };
    let clock = Clock::System;
    let op = |max_lag| {
        Operation::PromoteReadReplica(act::PromoteReadReplica {
            region: REGION.into(),
            replica: "orders-dr-usw2".into(),
            max_lag,
            backup_retention_days: None,
        })
    };
    let source = "arn:aws:rds:us-east-1:123456789012:db:orders-primary";
    for (lag, max_lag, expected) in [
        (Some(180.0), Some(Duration::from_secs(60)), Some(false)),
        (Some(20.0), Some(Duration::from_secs(60)), Some(true)),
        (None, Some(Duration::from_secs(60)), None),
        (Some(180.0), None, Some(true)),
    ] {
        let describe = mock!(aws_sdk_rds::Client::describe_db_instances)
            .then_compute_output(in_turn(vec![replica(Some(source))]));
        // No lag: CloudWatch answers without a datapoint, so the lag cannot be told.
        let cloudwatch = match lag {
            Some(secs) => lag_datapoint(secs, 20),
            None => mock!(aws_sdk_cloudwatch::Client::get_metric_data)
                .then_output(|| GetMetricDataOutput::builder().build()),
        };
        // With no lag datapoint the read asks whether the replica is a global secondary
        // (whose lag is published with its source region): it is in no global database.
        let no_globals = mock!(aws_sdk_rds::Client::describe_global_clusters)
            .then_output(|| DescribeGlobalClustersOutput::builder().build());
        let mut clients = Clients::idle();
        clients.reads.rds = mock_client!(aws_sdk_rds, RuleMode::MatchAny, [&describe, &no_globals]);
        clients.reads.cloudwatch =
            mock_client!(aws_sdk_cloudwatch, RuleMode::MatchAny, [&cloudwatch]);
        let checks = prechecks(&op(max_lag), &clients.actions(), &clock).await;
        let check = lag_check(&checks);
        assert_eq!(
            check.holds, expected,
            "lag {lag:?}, max {max_lag:?}: {check:?}"
        );
        if max_lag.is_none() {
            assert!(check.detail.contains("NOT LIMITED"), "{check:?}");
        }
    }
}

// --- A calculated health check, which GetHealthCheckStatus cannot read ---------------------

use aws_sdk_cloudwatch::types::StatusCode as MetricStatus;
use aws_sdk_route53::operation::get_health_check::GetHealthCheckOutput;
use aws_sdk_route53::operation::get_health_check_status::GetHealthCheckStatusOutput;
use aws_sdk_route53::types::{
    HealthCheck as AwsCheck, HealthCheckConfig, HealthCheckObservation, HealthCheckType,
    StatusReport,
};
use ripcord::fleet::CheckStatus;

fn check_of(kind: HealthCheckType) -> Rule {
    mock!(aws_sdk_route53::Client::get_health_check).then_output(move || {
        let config = HealthCheckConfig::builder().r#type(kind.clone());
        let config = if kind == HealthCheckType::Calculated {
            config.child_health_checks("hc-a").health_threshold(1)
        } else {
            config
                .fully_qualified_domain_name("api.example.com")
                .port(443)
        };
        GetHealthCheckOutput::builder()
            .health_check(
                AwsCheck::builder()
                    .id("hc-1")
                    .caller_reference("hc-1")
                    .health_check_version(1)
                    .health_check_config(config.build().expect("valid"))
                    .build()
                    .expect("valid"),
            )
            .build()
    })
}

/// GetMetricData answering every query with `value` a minute ago, or with no datapoint.
fn status_metric(value: Option<f64>) -> Rule {
    mock!(aws_sdk_cloudwatch::Client::get_metric_data).then_compute_output(move |req| {
        let at = DateTime::from_secs(Timestamp::now().as_second() - 60);
        let results = req
            .metric_data_queries()
            .iter()
            .map(|q| {
                let result = MetricDataResult::builder()
                    .set_id(q.id().map(str::to_string))
                    .status_code(MetricStatus::Complete);
                match value {
                    Some(v) => result.timestamps(at).values(v).build(),
                    None => result.build(),
                }
            })
            .collect();
        GetMetricDataOutput::builder()
            .set_metric_data_results(Some(results))
            .build()
    })
}

/// Actions whose Route 53 reads answer `route53` and whose us-east-1 CloudWatch answers
/// `metrics` (where Route 53 keeps its health checks' metrics).
fn health_actions(route53: &[&Rule], metrics: &[&Rule]) -> AwsActions {
    let mut clients = Clients::idle();
    clients.route53.reads = mock_client!(aws_sdk_route53, RuleMode::MatchAny, route53);
    let mut east = Clients::idle();
    east.reads.cloudwatch = mock_client!(aws_sdk_cloudwatch, RuleMode::MatchAny, metrics);
    AwsActions::from_clients(
        BTreeMap::from([
            (
                REGION.to_string(),
                RegionActionClients {
                    reads: clients.reads,
                    changes: clients.changes,
                },
            ),
            (
                "us-east-1".to_string(),
                RegionActionClients {
                    reads: east.reads,
                    changes: east.changes,
                },
            ),
        ]),
        clients.route53,
    )
}

/// AWS does not answer GetHealthCheckStatus for a calculated check (it has no checker
/// regions): its status is the `HealthCheckStatus` metric, and with no datapoint it is
/// "cannot tell", never unhealthy. A runbook step on a calculated check used to read nothing.
#[tokio::test]
async fn a_calculated_check_is_read_from_its_metric_and_cannot_be_told_without_one() {
    let calculated = check_of(HealthCheckType::Calculated);
    let healthy = status_metric(Some(1.0));
    let actions = health_actions(&[&calculated], &[&healthy]);
    let read = actions.health_check("hc-1").await.expect("read");
    assert_eq!(read.value.status, CheckStatus::Healthy);
    assert_eq!(read.value.checkers, 0, "a calculated check has no checkers");
    assert_eq!(healthy.num_calls(), 1);

    let failing = status_metric(Some(0.0));
    let actions = health_actions(&[&calculated], &[&failing]);
    let read = actions.health_check("hc-1").await.expect("read");
    assert_eq!(read.value.status, CheckStatus::Unhealthy);

    let silent = status_metric(None);
    let actions = health_actions(&[&calculated], &[&silent]);
    let read = actions.health_check("hc-1").await.expect("read");
    assert_eq!(
        read.value.status,
        CheckStatus::Unknown,
        "no datapoint: cannot tell"
    );
}

/// Any other check is still read from what its checker regions saw.
#[tokio::test]
async fn an_endpoint_check_is_read_from_its_checkers() {
    let https = check_of(HealthCheckType::Https);
    let status = mock!(aws_sdk_route53::Client::get_health_check_status).then_output(|| {
        let seen = |status: &str| {
            HealthCheckObservation::builder()
                .region(aws_sdk_route53::types::HealthCheckRegion::UsEast1)
                .status_report(
                    StatusReport::builder()
                        .status(status)
                        .checked_time(DateTime::from_secs(Timestamp::now().as_second()))
                        .build(),
                )
                .build()
        };
        GetHealthCheckStatusOutput::builder()
            .health_check_observations(seen("Success: HTTP Status Code 200, OK"))
            .health_check_observations(seen("Success: HTTP Status Code 200, OK"))
            .build()
            .expect("valid")
    });
    let unused = status_metric(Some(0.0));
    let actions = health_actions(&[&https, &status], &[&unused]);
    let read = actions.health_check("hc-1").await.expect("read");
    assert_eq!(read.value.status, CheckStatus::Healthy);
    assert_eq!(read.value.checkers, 2);
    assert_eq!(unused.num_calls(), 0, "no metric is read for it");
}
