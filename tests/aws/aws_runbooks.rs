//! Runbooks against AWS, end to end through moto: the shipped runbooks driven through
//! `App::update` (keys in, every `Command::Runbook` carried out by the cockpit's worker) with
//! the AWS `Actions` talking to a moto server over HTTP, then moto asked what changed.
//!
//! What moto cannot do, and how these tests deal with it:
//! - CloudWatch does not answer the Rust SDK (moto lacks its CBOR protocol): the lag reads go
//!   to a typed SDK mock (aws-smithy-mocks) answering `ReplicaLag`; everything else is moto.
//! - PromoteReadReplica changes nothing moto shows; `common/moto_server.py` detaches the
//!   replica as RDS does, so the end state ripcord verifies (no
//!   ReadReplicaSourceDBInstanceIdentifier) is the one asserted here, as it is on AWS. It also
//!   gives hosted zone ids Route 53's leading `Z`, so the shipped runbooks run unchanged with
//!   the ids moto made given as parameters, and lets a failover pair be flipped back (moto
//!   refuses to re-create a record it once created while its partner exists).

use crate::common;

use aws_sdk_cloudwatch::operation::get_metric_data::GetMetricDataOutput;
use aws_sdk_cloudwatch::primitives::DateTime;
use aws_sdk_cloudwatch::types::{MetricDataResult, StatusCode as MetricStatus};
use aws_sdk_route53::types::{ChangeBatch, ResourceRecordSetFailover, RrType};
use aws_smithy_mocks::{RuleMode, mock, mock_client};
use common::driver::Driver;
use common::moto::{
    EAST, Moto, WEST, create_health_check, create_postgres, create_read_replica, create_zone,
    failover_record,
};
use crossterm::event::KeyCode;
use jiff::Timestamp;
use ripcord::app::{App, Mode};
use ripcord::clock::Clock;
use ripcord::config::Refresh;
use ripcord::fleet::{FailoverRole, Workloads};
use ripcord::runbook::act;
use ripcord::runbook::act::port::{Actions, RecordChange};
use ripcord::runbook::act::probe;
use ripcord::runbook::exec::log::LogEvent;
use ripcord::runbook::exec::{RunOutcome, StepState};
use ripcord::runbook::{Library, exec::work::RequestId};
use ripcord::source::aws::actions::{AwsActions, RegionActionClients, Route53Clients, sts_client};
use ripcord::theme::Theme;
use std::collections::BTreeMap;
use std::sync::Arc;

const RECORD: &str = "api.example.com.";
const PRIMARY_ENDPOINT: &str = "api.us-east-1.example.com";
const DR_ENDPOINT: &str = "api.us-west-2.example.com";

/// What `seed` made, by the ids moto gave it.
struct Estate {
    zone: String,
    primary_check: String,
    dr_check: String,
}

/// us-east-1: `orders-primary` and an in-region read replica of it; us-west-2: the DR replica
/// `orders-dr-usw2`, its source named by ARN. Route 53: `example.com` with the CNAME failover
/// pair of the shipped runbooks (`api-primary` → us-east-1, `api-dr` → us-west-2), each record
/// guarded by a health check of its endpoint.
async fn seed(moto: &Moto) -> Estate {
    let east = aws_sdk_rds::Client::new(&moto.sdk(EAST).await);
    let west = aws_sdk_rds::Client::new(&moto.sdk(WEST).await);
    let primary_arn = create_postgres(&east, "orders-primary").await;
    create_read_replica(&east, "orders-read-use1", "orders-primary").await;
    create_read_replica(&west, "orders-dr-usw2", &primary_arn).await;

    let route53 = aws_sdk_route53::Client::new(&moto.sdk(EAST).await);
    let zone = create_zone(&route53, "example.com").await;
    let primary_check = create_health_check(&route53, PRIMARY_ENDPOINT).await;
    let dr_check = create_health_check(&route53, DR_ENDPOINT).await;
    let pair = ChangeBatch::builder()
        .changes(failover_record(
            RECORD,
            RrType::Cname,
            "api-primary",
            ResourceRecordSetFailover::Primary,
            &primary_check,
            PRIMARY_ENDPOINT,
        ))
        .changes(failover_record(
            RECORD,
            RrType::Cname,
            "api-dr",
            ResourceRecordSetFailover::Secondary,
            &dr_check,
            DR_ENDPOINT,
        ))
        .build()
        .expect("valid batch");
    route53
        .change_resource_record_sets()
        .hosted_zone_id(&zone)
        .change_batch(pair)
        .send()
        .await
        .expect("failover pair");
    Estate {
        zone,
        primary_check,
        dr_check,
    }
}

/// GetMetricData answering `ReplicaLag` of `lag_secs` a minute before the end of the asked
/// window, for any replica; the Aurora series stay empty.
pub(crate) fn replica_lag(lag_secs: f64) -> aws_sdk_cloudwatch::Client {
    let rule = mock!(aws_sdk_cloudwatch::Client::get_metric_data).then_compute_output(move |req| {
        let end = req.end_time().expect("an end time").secs();
        let results = req
            .metric_data_queries()
            .iter()
            .map(|q| {
                let lag = q
                    .metric_stat()
                    .and_then(|s| s.metric())
                    .and_then(|m| m.metric_name())
                    == Some("ReplicaLag");
                let result = MetricDataResult::builder()
                    .set_id(q.id().map(str::to_string))
                    .status_code(MetricStatus::Complete);
                if lag {
                    result
                        .timestamps(DateTime::from_secs(end - 60))
                        .values(lag_secs)
                        .build()
                } else {
                    result.build()
                }
            })
            .collect();
        GetMetricDataOutput::builder()
            .set_metric_data_results(Some(results))
            .build()
    });
    mock_client!(aws_sdk_cloudwatch, RuleMode::MatchAny, [&rule])
}

/// The AWS actions, on moto (lag from the mock).
async fn actions_on(moto: &Moto, lag_secs: f64) -> Arc<AwsActions> {
    let mut regional = BTreeMap::new();
    for region in [EAST, WEST] {
        let mut clients = RegionActionClients::new(&moto.sdk(region).await, region);
        clients.reads.cloudwatch = replica_lag(lag_secs);
        regional.insert(region.to_string(), clients);
    }
    Arc::new(
        AwsActions::from_clients(regional, Route53Clients::new(&moto.sdk(EAST).await))
            .with_sts(sts_client(&moto.sdk(EAST).await)),
    )
}

/// The live cockpit's App with the shipped runbooks, carrying work out on `actions`. The
/// clock starts at the real time (moto's answers are stamped with it) and moves on, rather
/// than sleeping, while a step waits between reads: an end state that never comes fails the
/// step within its timeout at once.
fn cockpit(actions: Arc<AwsActions>) -> Driver {
    let mut app = App::new(
        Mode::Live { profile: None },
        "aws",
        &[EAST.to_string(), WEST.to_string()],
        Workloads::default(),
        Refresh::default(),
        Theme::mono(),
        Timestamp::now(),
    );
    app.runbooks.library = Library::shipped();
    app.runbooks.actions_available = true;
    app.runbooks.operator = "moto-test".into();
    Driver::on(app, actions, Clock::manual(Timestamp::now()))
}

async fn instance(moto: &Moto, region: &str, id: &str) -> aws_sdk_rds::types::DbInstance {
    aws_sdk_rds::Client::new(&moto.sdk(region).await)
        .describe_db_instances()
        .db_instance_identifier(id)
        .send()
        .await
        .expect("described")
        .db_instances()
        .first()
        .cloned()
        .expect("the instance")
}

/// The failover role and value of each record of the pair, by set identifier, as Route 53
/// (moto) lists them.
async fn pair(moto: &Moto, zone: &str) -> BTreeMap<String, (String, String)> {
    let out = aws_sdk_route53::Client::new(&moto.sdk(EAST).await)
        .list_resource_record_sets()
        .hosted_zone_id(zone)
        .send()
        .await
        .expect("listed");
    out.resource_record_sets()
        .iter()
        .filter_map(|r| {
            Some((
                r.set_identifier()?.to_string(),
                (
                    r.failover()?.as_str().to_string(),
                    r.resource_records().first()?.value().to_string(),
                ),
            ))
        })
        .collect()
}

fn roles(primary: &str, secondary: &str) -> BTreeMap<String, (String, String)> {
    BTreeMap::from([
        (
            "api-primary".to_string(),
            (primary.to_string(), PRIMARY_ENDPOINT.to_string()),
        ),
        (
            "api-dr".to_string(),
            (secondary.to_string(), DR_ENDPOINT.to_string()),
        ),
    ])
}

/// The request ids the run log recorded for the step `step` (1-based).
fn requests_of(d: &Driver, step: usize) -> Vec<RequestId> {
    let id = &d.run().book.steps[step - 1].id;
    d.run()
        .log
        .iter()
        .filter(|e| e.step.as_ref() == Some(id))
        .find_map(|e| match &e.event {
            LogEvent::StepDone { requests, .. } => Some(requests.clone()),
            _ => None,
        })
        .unwrap_or_default()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_rds_failover_runbook_promotes_the_replica_and_moves_dns_on_moto() {
    let moto = Moto::start();
    let estate = seed(&moto).await;
    let mut d = cockpit(actions_on(&moto, 3.0).await);
    assert_eq!(
        pair(&moto, &estate.zone).await,
        roles("PRIMARY", "SECONDARY"),
        "seeded as the shipped runbook expects"
    );

    d.command(&format!(
        "run rds-cross-region-failover zone={} dr_check={} incident=INC-9",
        estate.zone, estate.dr_check
    ))
    .await;
    assert!(d.app.runbooks.run.is_some(), "started: {}", d.flash());
    d.enter().await;
    d.enter().await;
    assert_eq!(d.at(), 2, "checklist ticked: {}", d.flash());
    let gate = d.run().live[1].readings.clone().expect("the lag was read");
    assert_eq!(gate.checks[0].detail, "lag 3.0s", "{gate:?}");
    d.enter().await;
    assert_eq!(d.at(), 3, "3s of lag is within the 1m RPO: {}", d.flash());

    d.enter().await;
    assert_eq!(
        d.states()[2],
        StepState::Pending,
        "Enter alone promotes nothing"
    );
    let still = instance(&moto, WEST, "orders-dr-usw2").await;
    assert!(
        still.read_replica_source_db_instance_identifier().is_some(),
        "nothing was sent before the name was typed"
    );
    d.type_line("orders-dr-usw2").await;
    assert_eq!(
        d.at(),
        4,
        "promoted: {} {:?}",
        d.flash(),
        d.run().state.steps[2]
    );
    for step in 4..=8 {
        assert_eq!(
            d.at(),
            step,
            "{} {:?}",
            d.flash(),
            d.run().state.steps[step - 1]
        );
        d.enter().await;
    }
    assert!(
        matches!(d.run().state.finished, Some((_, RunOutcome::Completed))),
        "{:?} {}",
        d.states(),
        d.flash()
    );
    assert!(d.states().iter().all(|s| *s == StepState::Done));
    d.intents_precede_results();
    let timeline = &d.run().live[7].output;
    assert!(
        timeline[0].ends_with(
            "INC-9: promoted orders-dr-usw2 in us-west-2; api.example.com. now answers api.us-west-2.example.com"
        ),
        "{timeline:?}"
    );

    // The replica was promoted: it names no source, and its source no longer lists it (what
    // RDS shows after a promotion; see moto_server.py). The in-region replica is untouched.
    let promoted = instance(&moto, WEST, "orders-dr-usw2").await;
    assert_eq!(promoted.read_replica_source_db_instance_identifier(), None);
    let source = instance(&moto, EAST, "orders-primary").await;
    assert_eq!(
        source.read_replica_db_instance_identifiers(),
        ["orders-read-use1"],
        "the DR replica left its source's list"
    );
    let other = instance(&moto, EAST, "orders-read-use1").await;
    assert_eq!(
        other.read_replica_source_db_instance_identifier(),
        Some("orders-primary")
    );
    // DNS points at the DR region.
    assert_eq!(
        pair(&moto, &estate.zone).await,
        roles("SECONDARY", "PRIMARY")
    );

    // The run log names each change by the request id AWS (moto) gave it.
    let promote = requests_of(&d, 3);
    assert_eq!(promote.len(), 1, "{promote:?}");
    assert_eq!(promote[0].call, "rds:PromoteReadReplica");
    assert!(!promote[0].id.is_empty());
    let flip = requests_of(&d, 5);
    assert_eq!(
        flip.iter().map(|r| r.call.as_str()).collect::<Vec<_>>(),
        ["route53:ChangeResourceRecordSets"]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_route53_flip_runbook_moves_traffic_and_fails_back_on_moto() {
    let moto = Moto::start();
    let estate = seed(&moto).await;
    let actions = actions_on(&moto, 3.0).await;
    let mut d = cockpit(actions.clone());
    d.command(&format!(
        "run route53-failover-flip zone={} primary_check={} dr_check={}",
        estate.zone, estate.primary_check, estate.dr_check
    ))
    .await;
    // moto reports every health check healthy: the "primary is failing" gate cannot hold,
    // which is the runbook's planned-drill case (skip it with the reason).
    d.enter().await;
    assert_eq!(d.at(), 1, "the primary is healthy: {}", d.flash());
    d.key(KeyCode::Char('s')).await;
    d.type_line("planned drill").await;
    assert_eq!(d.at(), 2);
    d.enter().await;
    assert_eq!(d.at(), 3, "the DR endpoint is healthy: {}", d.flash());
    d.enter().await;
    assert_eq!(
        d.at(),
        4,
        "flipped: {} {:?}",
        d.flash(),
        d.run().state.steps[2]
    );
    assert_eq!(
        pair(&moto, &estate.zone).await,
        roles("SECONDARY", "PRIMARY")
    );
    let answer = actions
        .dns_answer(&estate.zone, RECORD, "CNAME")
        .await
        .expect("answers");
    assert_eq!(
        answer.value,
        [DR_ENDPOINT],
        "both healthy: the new PRIMARY answers"
    );
    d.enter().await;
    assert_eq!(d.at(), 5, "{}", d.flash());
    d.enter().await;
    assert_eq!(d.at(), 6, "{}", d.flash());
    d.enter().await;
    assert_eq!(d.at(), 6, "failing back asks for the record's name first");
    assert_eq!(
        pair(&moto, &estate.zone).await,
        roles("SECONDARY", "PRIMARY")
    );
    d.type_line(RECORD).await;
    assert_eq!(
        d.at(),
        7,
        "failed back: {} {:?}",
        d.flash(),
        d.run().state.steps[5]
    );
    d.enter().await;
    assert!(
        matches!(d.run().state.finished, Some((_, RunOutcome::Completed))),
        "{:?} {}",
        d.states(),
        d.flash()
    );
    assert_eq!(d.states()[0], StepState::Skipped);
    assert!(d.states()[1..].iter().all(|s| *s == StepState::Done));
    assert_eq!(
        pair(&moto, &estate.zone).await,
        roles("PRIMARY", "SECONDARY")
    );
    let answer = actions
        .dns_answer(&estate.zone, RECORD, "CNAME")
        .await
        .expect("answers");
    assert_eq!(answer.value, [PRIMARY_ENDPOINT]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn what_the_aws_actions_read_from_moto() {
    let moto = Moto::start();
    let estate = seed(&moto).await;
    let actions = actions_on(&moto, 3.0).await;

    let dr = actions
        .db_instance(WEST, "orders-dr-usw2")
        .await
        .expect("read")
        .value
        .expect("exists");
    assert_eq!(
        dr.replica_source.as_deref(),
        Some("arn:aws:rds:us-east-1:123456789012:db:orders-primary")
    );
    assert_eq!(
        (dr.status.as_str(), dr.engine.as_str()),
        ("available", "postgres")
    );
    let none = actions.db_instance(WEST, "no-such-db").await.expect("read");
    assert_eq!(
        none.value, None,
        "a missing instance is an answer, not an error"
    );

    let sets = actions
        .record_sets(&estate.zone, "API.example.com", None)
        .await
        .expect("read")
        .value;
    assert_eq!(sets.len(), 2, "{sets:?}");
    let primary = sets
        .iter()
        .find(|s| s.failover == Some(FailoverRole::Primary))
        .expect("a primary");
    assert_eq!(primary.set_identifier.as_deref(), Some("api-primary"));
    assert_eq!(primary.values, [PRIMARY_ENDPOINT]);
    assert_eq!(
        primary.health_check.as_deref(),
        Some(estate.primary_check.as_str())
    );

    let health = actions.health_check(&estate.dr_check).await.expect("read");
    assert_eq!(health.value.checkers, 1, "moto's one canned observation");
    assert_eq!(health.value.healthy_checkers, 1);

    // A change Route 53 refuses is reported with the call and what Route 53 said, and
    // nothing changes: here the CREATE of a record that is there already.
    let again = RecordChange::Create(primary.clone());
    let refused = actions
        .change_record_sets(&estate.zone, &[again], "test")
        .await
        .expect_err("refused");
    assert_eq!(refused.call, "route53:ChangeResourceRecordSets");
    assert!(refused.message.contains("request id"), "{refused}");
    assert_eq!(
        pair(&moto, &estate.zone).await,
        roles("PRIMARY", "SECONDARY")
    );

    // upsert-record: a CNAME made, INSYNC, and read back.
    let upsert = ripcord::runbook::lang::vocab::Operation::UpsertRecord(act::UpsertRecord {
        zone: estate.zone.clone(),
        name: "db.example.com.".into(),
        record_type: "CNAME".into(),
        value: "orders-dr-usw2.example.com".into(),
        ttl: 30,
    });
    let context = ripcord::runbook::exec::work::ActionContext::new(
        "moto",
        0,
        1,
        std::time::Duration::from_secs(900),
    );
    let quiet = |_: String| {};
    let outcome = ripcord::runbook::act::dispatch::carry_out(
        &upsert,
        std::time::Duration::from_secs(300),
        &context,
        actions.as_ref(),
        &Clock::manual(Timestamp::now()),
        &quiet,
    )
    .await
    .expect("upserted");
    assert!(
        outcome
            .summary
            .starts_with("db.example.com. CNAME is orders-dr-usw2.example.com (change "),
        "{}",
        outcome.summary
    );
    let answer = actions
        .dns_answer(&estate.zone, "db.example.com", "CNAME")
        .await
        .expect("answers");
    assert_eq!(answer.value, ["orders-dr-usw2.example.com"]);

    // A zone that is not there.
    let err = actions
        .record_sets("ZNOSUCHZONE", RECORD, None)
        .await
        .expect_err("no zone");
    assert_eq!(err.call, "route53:ListResourceRecordSets");
    assert!(err.message.contains("NoSuchHostedZone"), "{err}");
}

/// The real binary, live (`ripcord` with no subcommand), given only the standard AWS
/// variables pointing at moto: open the failover runbook, confirm each step, and the record
/// points at the DR region afterwards. moto serves no CloudWatch to the Rust SDK, so the lag
/// gate cannot tell and is skipped with that reason, as an operator would; the promotion's own
/// lag pre-check cannot tell either, so the run is started with the deliberate, recorded
/// override `max_data_loss=any`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_live_cockpit_runs_the_failover_runbook_against_moto() {
    let moto = Moto::start();
    let estate = seed(&moto).await;
    let t =
        common::tmux::Tmux::start_with_env(120, 40, "--regions us-east-1,us-west-2", &moto.env());
    t.wait_for(&["orders-dr-usw2", "AWS"]);
    t.keys(&[":"]);
    t.type_text(&format!(
        "run rds-cross-region-failover zone={} dr_check={} max_data_loss=any",
        estate.zone, estate.dr_check
    ));
    t.keys(&["Enter"]);
    t.wait_for(&["[▶1]", "Page the orders database owner"]);
    t.keys(&["Enter"]);
    t.wait_for(&["☑ Page the orders database owner"]);
    t.keys(&["Enter"]);
    t.wait_for(&[
        "[▶2]",
        "could not read:",
        "cloudwatch:GetMetricData: HTTP 404",
    ]);
    t.keys(&["Enter"]);
    let blocked = t.wait_for(&["✖ cannot tell whether lag of orders-dr-usw2"]);
    assert!(
        blocked.contains("[▶2]"),
        "the gate cannot be accepted:\n{blocked}"
    );
    t.keys(&["s"]);
    t.wait_for(&["Why skip this step?"]);
    t.type_text("moto serves no CloudWatch");
    t.keys(&["Enter"]);
    t.wait_for(&["[▶3]", "Enter, then type orders-dr-usw2, runs it"]);
    t.keys(&["Enter"]);
    t.wait_for(&["Type orders-dr-usw2 to confirm:"]);
    let replica = instance(&moto, WEST, "orders-dr-usw2").await;
    assert!(
        replica
            .read_replica_source_db_instance_identifier()
            .is_some(),
        "one key press promoted nothing"
    );
    t.type_text("orders-dr-usw2");
    t.keys(&["Enter"]);
    t.wait_for(&["[▶4]", "Enter starts waiting"]);
    t.keys(&["Enter"]);
    t.wait_for(&["[▶5]", "Enter runs it"]);
    t.keys(&["Enter"]);
    t.wait_for(&["[▶6]", "Enter starts waiting"]);
    t.keys(&["Enter"]);
    t.wait_for(&["[▶7]", "Enter accepts the gate"]);
    t.keys(&["Enter"]);
    t.wait_for(&["[▶8]", "Enter runs it"]);
    t.keys(&["Enter"]);
    t.wait_for(&["✔ Completed", "7 done · 1 skipped"]);

    assert_eq!(
        pair(&moto, &estate.zone).await,
        roles("SECONDARY", "PRIMARY")
    );
    let promoted = instance(&moto, WEST, "orders-dr-usw2").await;
    assert_eq!(promoted.read_replica_source_db_instance_identifier(), None);
    t.keys(&["Escape"]);
    t.wait_gone("✔ Completed");
    t.keys(&["q"]);
    assert_eq!(t.wait_for_exit(), "exit=0");

    // The live run went through the audit log, as a drill does: one verified file whose
    // records name the credentials (sts:GetCallerIdentity, answered by moto) and the request
    // id of each change.
    let files = t.audit_files();
    assert_eq!(files.len(), 1, "{files:?}");
    let (code, out, err) = t.ripcord(&["audit", "verify"]);
    assert_eq!(code, 0, "{out}{err}");
    let text = std::fs::read_to_string(&files[0]).expect("read");
    assert!(
        text.contains(r#""aws":{"account":"123456789012","arn":"arn:aws:"#),
        "{text}"
    );
    assert!(
        text.contains(r#""requests":[{"call":"rds:PromoteReadReplica","id":""#),
        "{text}"
    );
    let run = files[0]
        .file_stem()
        .expect("stem")
        .to_string_lossy()
        .into_owned();
    let (code, report, err) = t.ripcord(&["audit", "report", &run]);
    assert_eq!(code, 0, "{err}");
    assert!(
        report.contains("| AWS identity | arn:aws:") && report.contains("123456789012"),
        "{report}"
    );
    assert!(
        report.contains("request id rds:PromoteReadReplica ")
            && report.contains("request id route53:ChangeResourceRecordSets "),
        "{report}"
    );
}

/// FailoverDBCluster and the cluster reads, on moto: an Aurora cluster with a writer and a
/// reader fails over to the named reader; the global database it is the primary of reads back
/// from the secondary's region (moto has no global switchover or failover: see
/// aws_actions_mocks.rs).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_aurora_cluster_fails_over_to_the_named_reader_on_moto() {
    use ripcord::runbook::act::dispatch::{carry_out, evaluate, prechecks};
    use ripcord::runbook::exec::work::ActionContext;
    use ripcord::runbook::lang::vocab::{Operation, Probe};

    let moto = Moto::start();
    let rds = aws_sdk_rds::Client::new(&moto.sdk(EAST).await);
    rds.create_global_cluster()
        .global_cluster_identifier("orders-global")
        .engine("aurora-postgresql")
        .send()
        .await
        .expect("global cluster");
    rds.create_db_cluster()
        .db_cluster_identifier("orders-aurora")
        .engine("aurora-postgresql")
        .global_cluster_identifier("orders-global")
        .master_username("dbadmin")
        .master_user_password("not-a-secret-1")
        .send()
        .await
        .expect("primary cluster");
    aws_sdk_rds::Client::new(&moto.sdk(WEST).await)
        .create_db_cluster()
        .db_cluster_identifier("orders-aurora-usw2")
        .engine("aurora-postgresql")
        .global_cluster_identifier("orders-global")
        .send()
        .await
        .expect("secondary cluster");
    for id in ["orders-aurora-a", "orders-aurora-b"] {
        rds.create_db_instance()
            .db_instance_identifier(id)
            .db_cluster_identifier("orders-aurora")
            .engine("aurora-postgresql")
            .db_instance_class("db.r6g.large")
            .send()
            .await
            .expect("cluster instance");
    }
    let actions = actions_on(&moto, 3.0).await;
    let clock = Clock::manual(Timestamp::now());

    let available = Probe::DbClusterAvailable(probe::DbClusterAvailable {
        region: EAST.into(),
        cluster: "orders-aurora".into(),
    });
    let check = evaluate(&available, actions.as_ref(), &clock).await;
    assert_eq!(check.holds, Some(true), "{check:?}");
    assert_eq!(check.detail, "status available, writer orders-aurora-a");

    let op = Operation::FailoverDbCluster(act::FailoverDbCluster {
        region: EAST.into(),
        cluster: "orders-aurora".into(),
        target_instance: Some("orders-aurora-b".into()),
    });
    let checks = prechecks(&op, actions.as_ref(), &clock).await;
    assert!(checks.iter().all(|c| c.holds == Some(true)), "{checks:?}");
    let quiet = |_: String| {};
    let context = ActionContext::new("moto", 0, 1, std::time::Duration::from_secs(900));
    let outcome = carry_out(
        &op,
        std::time::Duration::from_secs(600),
        &context,
        actions.as_ref(),
        &clock,
        &quiet,
    )
    .await
    .expect("failed over");
    assert_eq!(
        outcome.summary,
        "orders-aurora's writer is now orders-aurora-b"
    );
    assert_eq!(outcome.requests[0].call, "rds:FailoverDBCluster");
    let writer = rds
        .describe_db_clusters()
        .db_cluster_identifier("orders-aurora")
        .send()
        .await
        .expect("described")
        .db_clusters()[0]
        .db_cluster_members()
        .iter()
        .find(|m| m.is_cluster_writer() == Some(true))
        .and_then(|m| m.db_instance_identifier().map(str::to_string));
    assert_eq!(writer.as_deref(), Some("orders-aurora-b"));

    let global = actions
        .global_cluster(WEST, "orders-global")
        .await
        .expect("read")
        .value
        .expect("exists");
    let writer = global.writer().expect("a writer");
    assert_eq!(
        (writer.cluster.as_str(), writer.region.as_str()),
        ("orders-aurora", EAST)
    );
    let secondary = global.member("orders-aurora-usw2").expect("a member");
    assert_eq!(
        (secondary.region.as_str(), secondary.is_writer),
        (WEST, false)
    );
    assert_eq!(global.changing, None);
    let none = actions
        .global_cluster(EAST, "no-such-global")
        .await
        .expect("an answer");
    assert_eq!(none.value, None);
}

/// `ripcord runbook run NAME --param ...` without `--sim` opens the live cockpit on AWS (here
/// moto, through the standard variables only) with the run started; nothing changes until a
/// step is confirmed, and an aborted run leaves the records as they were.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn runbook_run_without_sim_starts_the_run_against_aws() {
    let moto = Moto::start();
    let estate = seed(&moto).await;
    let t = common::tmux::Tmux::start_with_env(
        120,
        40,
        &format!(
            "runbook run route53-failover-flip --param zone={} --param primary_check={} \
             --param dr_check={} --regions us-east-1",
            estate.zone, estate.primary_check, estate.dr_check
        ),
        &moto.env(),
    );
    t.wait_for(&["[▶1]", "Confirm the primary endpoint is failing", "LIVE"]);
    t.keys(&["a"]);
    t.wait_for(&["Why abort the run?"]);
    t.type_text("only checking the wiring");
    t.keys(&["Enter"]);
    t.wait_for(&["ABORTED"]);
    assert_eq!(
        pair(&moto, &estate.zone).await,
        roles("PRIMARY", "SECONDARY")
    );
    // Escape alone, its effect awaited: Escape and q back to back read as Alt-q.
    t.keys(&["Escape"]);
    t.wait_gone("ABORTED");
    t.keys(&["q"]);
    assert_eq!(t.wait_for_exit(), "exit=0");
}

/// The live cockpit with `--read-only` on AWS (moto): READ-ONLY on screen, and neither `r` nor
/// `:run` starts anything.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_only_live_cockpit_refuses_every_run() {
    let moto = Moto::start();
    let estate = seed(&moto).await;
    let t = common::tmux::Tmux::start_with_env(
        120,
        40,
        "--read-only --regions us-east-1,us-west-2",
        &moto.env(),
    );
    t.wait_for(&["READ-ONLY", "orders-dr-usw2"]);
    t.keys(&["r"]);
    t.wait_for(&["read-only mode: runbooks cannot run"]);
    t.wait_gone("read-only mode: runbooks cannot run");
    t.keys(&[":"]);
    t.type_text(&format!(
        "run route53-failover-flip zone={} primary_check={} dr_check={}",
        estate.zone, estate.primary_check, estate.dr_check
    ));
    t.keys(&["Enter"]);
    t.wait_for(&["read-only mode: runbooks cannot run"]);
    let screen = t.screen();
    assert!(!screen.contains("[▶1]"), "no run started:\n{screen}");
    assert_eq!(
        pair(&moto, &estate.zone).await,
        roles("PRIMARY", "SECONDARY")
    );
    t.keys(&["q"]);
    assert_eq!(t.wait_for_exit(), "exit=0");
}

/// A run on AWS goes through the audit journal like a drill: every record names the
/// credentials (sts:GetCallerIdentity, answered by moto), each change's record its request id,
/// and the report shows both. A run read back from that file goes on only with credentials of
/// the same account.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_audited_run_on_aws_records_the_credentials_and_each_request_id() {
    use ripcord::audit::journal::Journal;
    use ripcord::audit::read::read_run;
    use ripcord::audit::{report, resume};
    use ripcord::runbook::act::port::CallerIdentity;

    let moto = Moto::start();
    let estate = seed(&moto).await;
    let actions = actions_on(&moto, 3.0).await;
    let caller = actions.caller_identity().await;
    let CallerIdentity::Known { account, arn } = &caller else {
        panic!("moto answers sts:GetCallerIdentity: {caller:?}")
    };
    assert_eq!(account, "123456789012");
    assert!(
        arn.starts_with("arn:aws:") && arn.contains(account),
        "{arn}"
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let audit = dir.path().join("audit");
    let mut d = cockpit(actions.clone());
    d.journal = Some(Journal::new(
        audit.clone(),
        ripcord::audit::identity::current(caller.clone()),
    ));
    d.command(&format!(
        "run route53-failover-flip zone={} primary_check={} dr_check={}",
        estate.zone, estate.primary_check, estate.dr_check
    ))
    .await;
    d.enter().await;
    d.key(KeyCode::Char('s')).await;
    d.type_line("planned drill").await;
    d.enter().await;
    assert_eq!(d.at(), 3, "{}", d.flash());
    d.enter().await;
    assert_eq!(
        d.at(),
        4,
        "flipped: {} {:?}",
        d.flash(),
        d.run().state.steps[2]
    );
    let in_log = requests_of(&d, 3);
    assert_eq!(in_log.len(), 1, "{in_log:?}");
    assert_eq!(in_log[0].call, "route53:ChangeResourceRecordSets");

    let files = ripcord::audit::runs::files(&audit).expect("lists");
    assert_eq!(files.len(), 1, "{files:?}");
    let file = read_run(&files[0]).expect("a verified chain");
    assert!(
        file.records.iter().all(|r| r.operator.aws == caller),
        "every record names the credentials"
    );
    let on_disk: Vec<RequestId> = file
        .records
        .iter()
        .flat_map(|r| match &r.event {
            LogEvent::StepDone { requests, .. } => requests.clone(),
            _ => Vec::new(),
        })
        .collect();
    assert_eq!(
        on_disk, in_log,
        "the audit record holds the run log's request ids"
    );
    let markdown = report::markdown(&file, None);
    let id = format!(
        "request id route53:ChangeResourceRecordSets {}",
        in_log[0].id
    );
    assert!(markdown.contains(&id), "{markdown}");
    assert!(
        markdown.contains(&format!("| AWS identity | {arn} |")),
        "{markdown}"
    );

    // The cockpit is lost (its journal and lock with it). Read back, the run goes on with
    // other credentials of the same account, and not with another account's.
    let run = d.run().id.clone();
    drop(d);
    let library = Library::shipped();
    let other_account = CallerIdentity::Known {
        arn: "arn:aws:sts::210987654321:assumed-role/dr-operator/mallory".into(),
        account: "210987654321".into(),
    };
    let mut elsewhere = Journal::new(
        audit.clone(),
        ripcord::audit::identity::current(other_account),
    );
    let err = elsewhere.resume(&run, &library, &[]).expect_err("refused");
    assert!(
        matches!(
            &err,
            resume::ResumeRefusal::OtherAccount { then, now, .. }
                if then == "123456789012" && now == "210987654321"
        ),
        "{err}"
    );
    let colleague = CallerIdentity::Known {
        arn: "arn:aws:sts::123456789012:assumed-role/dr-operator/bob".into(),
        account: "123456789012".into(),
    };
    let mut here = Journal::new(audit.clone(), ripcord::audit::identity::current(colleague));
    let data = here.resume(&run, &library, &[]).expect("resumed");
    assert_eq!(data.entries.len(), file.records.len());
    assert!(
        matches!(
            resume::prepare(&audit, &run, &library, &[]),
            Err(resume::ResumeRefusal::Held(_))
        ),
        "held by `here`"
    );
}

/// The live binary on moto: a run lost with its terminal (kill -9) is offered by the next live
/// cockpit, refused by the simulator, and goes on against AWS with `ripcord runbook resume
/// RUN`; the report tells the whole story with the request id of the change made after.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_live_run_lost_with_its_terminal_is_resumed_against_aws() {
    let moto = Moto::start();
    let estate = seed(&moto).await;
    let t = common::tmux::Tmux::start_with_env(
        120,
        40,
        &format!(
            "runbook run route53-failover-flip --param zone={} --param primary_check={} \
             --param dr_check={} --regions us-east-1",
            estate.zone, estate.primary_check, estate.dr_check
        ),
        &moto.env(),
    );
    t.wait_for(&["[▶1]", "Confirm the primary endpoint is failing", "LIVE"]);
    t.keys(&["s"]);
    t.wait_for(&["Why skip this step?"]);
    t.type_text("planned drill");
    t.keys(&["Enter"]);
    t.wait_for(&["[▶2]"]);
    t.signal("KILL");
    assert_eq!(t.wait_for_exit(), "exit=137", "killed, not stopped");
    let files = t.audit_files();
    assert_eq!(files.len(), 1, "{files:?}");
    let run = files[0]
        .file_stem()
        .expect("stem")
        .to_string_lossy()
        .into_owned();

    // The next live cockpit on the same account offers it.
    let offered = t.again_with_env(120, 40, "--regions us-east-1", &moto.env());
    offered.wait_for(&[
        "Unfinished runs (from the audit log)",
        "↻ route53-failover-flip-",
    ]);
    offered.keys(&["Escape"]);
    // Esc and q sent back to back can read as Alt-q: one key at a time.
    offered.wait_gone("Unfinished runs (from the audit log)");
    offered.keys(&["q"]);
    assert_eq!(offered.wait_for_exit(), "exit=0");
    // The simulator does not take it, and says why; nothing was changed.
    let (code, _, err) = t.ripcord(&["runbook", "resume", &run, "--sim"]);
    assert_eq!(code, 1, "{err}");
    assert!(err.contains("acted on AWS"), "{err}");

    let again = t.again_with_env(
        120,
        40,
        &format!("runbook resume {run} --regions us-east-1"),
        &moto.env(),
    );
    again.wait_for(&["[▶2]", "resumed where it was"]);
    assert_eq!(
        pair(&moto, &estate.zone).await,
        roles("PRIMARY", "SECONDARY"),
        "nothing sent on its own"
    );
    // Enter is refused until the gate's live value has been read: wait for it (on a loaded
    // machine the resumed cockpit's first read can come after the screen).
    again.wait_for(&["[▶2]", "live value, read"]);
    again.keys(&["Enter"]);
    // Enter is refused until the pre-checks of the change have been read: wait for them.
    again.wait_for(&["[▶3]", "pre-checks, read"]);
    again.keys(&["Enter"]);
    again.wait_for(&["[▶4]"]);
    assert_eq!(
        pair(&moto, &estate.zone).await,
        roles("SECONDARY", "PRIMARY")
    );
    again.keys(&["a"]);
    again.wait_for(&["Why abort the run?"]);
    again.type_text("the wiring is proven");
    again.keys(&["Enter"]);
    again.wait_for(&["ABORTED"]);
    again.keys(&["Escape"]);
    again.wait_gone("ABORTED");
    again.keys(&["q"]);
    assert_eq!(again.wait_for_exit(), "exit=0");

    let (code, out, err) = again.ripcord(&["audit", "verify"]);
    assert_eq!(code, 0, "{out}{err}");
    let (code, report, err) = again.ripcord(&["audit", "report", &run]);
    assert_eq!(code, 0, "{err}");
    for wanted in [
        "resumed by",
        "request id route53:ChangeResourceRecordSets ",
        "| AWS identity | arn:aws:",
        "ABORTED: the wiring is proven",
    ] {
        assert!(report.contains(wanted), "{wanted}:\n{report}");
    }
}

/// moto honours PromoteReadReplica's BackupRetentionPeriod (and keeps the replica's when the
/// parameter is left out, so only an explicit value different from it tells): the promoted
/// instance keeps the retention the step asked for.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_promotion_on_moto_sets_the_backup_retention_it_was_given() {
    use ripcord::runbook::act::dispatch::carry_out;
    use ripcord::runbook::exec::work::ActionContext;
    use ripcord::runbook::lang::vocab::Operation;
    let moto = Moto::start();
    seed(&moto).await;
    let actions = actions_on(&moto, 3.0).await;
    let before = instance(&moto, WEST, "orders-dr-usw2").await;
    assert_ne!(
        before.backup_retention_period(),
        Some(14),
        "seeded otherwise"
    );
    let op = Operation::PromoteReadReplica(act::PromoteReadReplica {
        region: WEST.into(),
        replica: "orders-dr-usw2".into(),
        max_lag: None,
        backup_retention_days: Some(14),
    });
    let quiet = |_: String| {};
    let context = ActionContext::new("moto", 0, 1, std::time::Duration::from_secs(900));
    let clock = Clock::manual(Timestamp::now());
    carry_out(
        &op,
        std::time::Duration::from_secs(600),
        &context,
        actions.as_ref(),
        &clock,
        &quiet,
    )
    .await
    .expect("promoted");
    let after = instance(&moto, WEST, "orders-dr-usw2").await;
    assert_eq!(after.backup_retention_period(), Some(14));
}
