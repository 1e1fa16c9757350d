//! End to end against moto, a real AWS API emulator, on loopback: primaries, in-region and
//! cross-region replicas, a hosted zone with failover records and health checks are created
//! through the SDK, then read back by `ripcord status` (the real binary, given only the
//! standard AWS variables), by the App, and by the live cockpit in a terminal.
//!
//! moto serves RDS and Route 53, but not CloudWatch to the Rust SDK (it answers 404 to the
//! CBOR protocol) nor AWS Backup jobs: those feeds must show as not fetched while the
//! replicas and health checks arrive.
//!
//! `scripts/test` installs moto into `.venv` and sets `RIPCORD_MOTO_SERVER`. Without it these
//! tests fail, saying so: they are never skipped.

use crate::common;
use ripcord::fleet::Place;

use aws_sdk_route53::types::{
    ChangeBatch, ResourceRecordSetFailover, RrType, Tag, TagResourceType,
};
use common::moto::{
    EAST, Moto, WEST, create_health_check, create_postgres, create_read_replica, create_zone,
    failover_record, sdk_for,
};
use jiff::Timestamp;
use ripcord::app::feed::Freshness;
use ripcord::app::{Event, Fetched, Mode};
use ripcord::config::Refresh;
use ripcord::fleet::{CheckStatus, FailoverRole, ReplicaKind, ReplicationState, Workloads};
use ripcord::source::aws::sdk::CallLimits;
use ripcord::source::aws::{AwsFleet, GlobalClients, RegionClients};
use ripcord::source::{FleetSource, SourceErrorKind};
use std::collections::BTreeMap;
use std::net::TcpListener;
use std::path::Path;
use std::process::{Command, Output};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// The `Name` tag of the secondary health check.
const SECONDARY_NAME: &str = "api secondary (us-west-2)";

/// What the seeded estate holds.
struct Seeded {
    in_region_replicas_west: usize,
    primary_check: String,
    secondary_check: String,
}

/// us-east-1: `orders-primary` with an in-region replica. us-west-2: a cross-region replica of
/// it (source named by ARN), and `svc-primary` with enough in-region replicas that listing
/// them takes two pages of 20. Route 53: a zone whose `api` name fails over from us-east-1 to
/// us-west-2, each record guarded by a health check.
async fn seed(moto: &Moto) -> Seeded {
    let east = aws_sdk_rds::Client::new(&moto.sdk(EAST).await);
    let west = aws_sdk_rds::Client::new(&moto.sdk(WEST).await);
    let orders_arn = create_postgres(&east, "orders-primary").await;
    create_postgres(&west, "svc-primary-usw2").await;
    create_read_replica(&east, "orders-read-use1", "orders-primary").await;
    create_read_replica(&west, "orders-dr-usw2", &orders_arn).await;
    let in_region = 22;
    for i in 0..in_region {
        create_read_replica(&west, &format!("svc-read-{i:02}"), "svc-primary-usw2").await;
    }

    let route53 = aws_sdk_route53::Client::new(&moto.sdk(EAST).await);
    let zone_id = create_zone(&route53, "example.com").await;
    let primary_check = create_health_check(&route53, "api.us-east-1.example.com").await;
    let secondary_check = create_health_check(&route53, "api.us-west-2.example.com").await;
    // A check with a Name tag is shown by it (ListTagsForResources).
    route53
        .change_tags_for_resource()
        .resource_type(TagResourceType::Healthcheck)
        .resource_id(&secondary_check)
        .add_tags(Tag::builder().key("Name").value(SECONDARY_NAME).build())
        .send()
        .await
        .expect("Name tag");
    let record = |set, role, check: &str, ip| {
        failover_record("api.example.com", RrType::A, set, role, check, ip)
    };
    route53
        .change_resource_record_sets()
        .hosted_zone_id(&zone_id)
        .change_batch(
            ChangeBatch::builder()
                .changes(record(
                    "use1",
                    ResourceRecordSetFailover::Primary,
                    &primary_check,
                    "192.0.2.10",
                ))
                .changes(record(
                    "usw2",
                    ResourceRecordSetFailover::Secondary,
                    &secondary_check,
                    "198.51.100.20",
                ))
                .build()
                .expect("valid batch"),
        )
        .send()
        .await
        .expect("failover records");
    Seeded {
        in_region_replicas_west: in_region,
        primary_check,
        secondary_check,
    }
}

/// The real binary, with the standard AWS variables and nothing else of this machine's.
/// Issue 9 item 14: after a promotion RDS reports the former replica with no source (moto
/// too, with the correction in moto_server.py). The cockpit showed it only in the simulator;
/// on AWS the replica simply vanished from the list.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_promoted_replica_shows_as_promoted_instead_of_vanishing() {
    let moto = Moto::start();
    let east = aws_sdk_rds::Client::new(&moto.sdk(EAST).await);
    let west = aws_sdk_rds::Client::new(&moto.sdk(WEST).await);
    let orders_arn = create_postgres(&east, "orders-primary").await;
    create_read_replica(&west, "orders-dr-usw2", &orders_arn).await;
    let fleet = AwsFleet::from_sdk_config(
        &moto.sdk(WEST).await,
        &[WEST.to_string()],
        CallLimits::READS,
    );
    let dr = |snapshot: &ripcord::fleet::Snapshot<Vec<ripcord::fleet::Replica>>| {
        snapshot
            .data
            .iter()
            .find(|r| r.id == "orders-dr-usw2")
            .cloned()
            .unwrap_or_else(|| panic!("orders-dr-usw2 is shown: {:#?}", snapshot.data))
    };
    let before = fleet.replicas(WEST).await.expect("listed");
    assert_eq!(dr(&before).state, ReplicationState::Replicating);

    west.promote_read_replica()
        .db_instance_identifier("orders-dr-usw2")
        .send()
        .await
        .expect("promoted");
    let after = fleet.replicas(WEST).await.expect("listed");
    let promoted = dr(&after);
    assert_eq!(promoted.state, ReplicationState::Promoted);
    assert_eq!(
        (promoted.source_id.as_str(), &*promoted.source_region),
        ("orders-primary", EAST),
        "where it was promoted from is still told"
    );
    let view = ripcord::status::fleet_from(
        "aws",
        &[WEST.to_string()],
        Workloads::default(),
        vec![Fetched::Replicas {
            place: WEST.to_string().into(),
            result: Ok(after),
        }],
        Timestamp::now(),
    );
    let rows = view.replica_rows("");
    let row = rows
        .iter()
        .find(|r| r.replica.id == "orders-dr-usw2")
        .expect("a row");
    assert!(row.eval.reason.contains("promoted"), "{}", row.eval.reason);
}

/// Issue 9 item 13 against moto: the readers of an Aurora cluster are replicas of its writer,
/// read from DescribeDBClusters (who writes) and DescribeDBInstances (each one's status).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn aurora_readers_are_listed_as_replicas_of_their_writer() {
    let moto = Moto::start();
    let rds = aws_sdk_rds::Client::new(&moto.sdk(EAST).await);
    rds.create_db_cluster()
        .db_cluster_identifier("orders-aurora")
        .engine("aurora-postgresql")
        .master_username("dbadmin")
        .master_user_password("not-a-secret-1")
        .send()
        .await
        .expect("cluster");
    for id in ["orders-aurora-a", "orders-aurora-b", "orders-aurora-c"] {
        rds.create_db_instance()
            .db_instance_identifier(id)
            .db_cluster_identifier("orders-aurora")
            .engine("aurora-postgresql")
            .db_instance_class("db.r6g.large")
            .send()
            .await
            .expect("cluster instance");
    }
    let clusters = rds
        .describe_db_clusters()
        .db_cluster_identifier("orders-aurora")
        .send()
        .await
        .expect("described");
    let members = clusters.db_clusters()[0].db_cluster_members();
    let writer = members
        .iter()
        .find(|m| m.is_cluster_writer() == Some(true))
        .and_then(|m| m.db_instance_identifier())
        .expect("moto names a writer")
        .to_string();
    let fleet = AwsFleet::from_sdk_config(
        &moto.sdk(EAST).await,
        &[EAST.to_string()],
        CallLimits::READS,
    );
    let snapshot = fleet.replicas(EAST).await.expect("listed");
    let mut readers: Vec<(String, String, &str)> = snapshot
        .data
        .iter()
        .map(|r| (r.id.clone(), r.source_id.clone(), r.kind.short()))
        .collect();
    readers.sort();
    let mut want: Vec<(String, String, &str)> =
        ["orders-aurora-a", "orders-aurora-b", "orders-aurora-c"]
            .into_iter()
            .filter(|id| *id != writer)
            .map(|id| {
                (
                    id.to_string(),
                    writer.clone(),
                    ReplicaKind::AuroraReader.short(),
                )
            })
            .collect();
    want.sort();
    assert_eq!(
        readers, want,
        "the writer is no replica; each reader replicates from it"
    );
    assert!(
        snapshot
            .missing
            .iter()
            .all(|e| e.call == "cloudwatch:GetMetricData"),
        "only CloudWatch, which moto does not serve to the Rust SDK, is missing: {:?}",
        snapshot.missing
    );
}

fn ripcord_with_aws(endpoint: &str, home: &Path, args: &[&str]) -> Output {
    ripcord_with_aws_env(endpoint, home, args, &[])
}

fn ripcord_with_aws_env(
    endpoint: &str,
    home: &Path,
    args: &[&str],
    extra_env: &[(&str, &str)],
) -> Output {
    let config = home.join("config.toml");
    std::fs::write(&config, "").expect("write config");
    Command::new(env!("CARGO_BIN_EXE_ripcord"))
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("RIPCORD_CONFIG", &config)
        .env("RIPCORD_LOG_DIR", home.join("logs"))
        .env("AWS_ENDPOINT_URL", endpoint)
        .env("AWS_ACCESS_KEY_ID", "test")
        .env("AWS_SECRET_ACCESS_KEY", "test")
        .env("AWS_REGION", EAST)
        .envs(extra_env.iter().copied())
        .args(args)
        .output()
        .expect("ripcord runs")
}

fn json_of(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "status --json printed no JSON ({e}):\n{}\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn status_json_reports_what_moto_holds_and_what_it_cannot_serve() {
    let moto = Moto::start();
    let seeded = seed(&moto).await;
    let home = tempfile::tempdir().expect("tempdir");
    let out = ripcord_with_aws(
        &moto.url(),
        home.path(),
        &["status", "--json", "--regions", "us-east-1,us-west-2"],
    );
    let report = json_of(&out);
    assert_eq!(
        out.status.code(),
        Some(3),
        "metrics and backup jobs are not served by moto: some feeds are missing\n{report:#}"
    );
    assert_eq!(report["exit_code"], 3);
    assert_eq!(report["overall"], "UNKNOWN");
    assert_eq!(report["source"], "aws");
    assert_eq!(report["regions"], serde_json::json!([EAST, WEST]));

    let replicas = report["replicas"].as_array().expect("replicas");
    assert_eq!(replicas.len(), 2 + seeded.in_region_replicas_west);
    let find = |id: &str| {
        replicas
            .iter()
            .find(|r| r["id"] == id)
            .unwrap_or_else(|| panic!("{id} is listed: {replicas:#?}"))
    };
    let dr = find("orders-dr-usw2");
    assert_eq!(dr["region"], WEST);
    assert_eq!(dr["source_id"], "orders-primary");
    assert_eq!(dr["source_region"], EAST, "the source was named by its ARN");
    assert_eq!(dr["kind"], "rds");
    assert_eq!(dr["state"], "replicating");
    assert_eq!(
        dr["lag_seconds"],
        serde_json::Value::Null,
        "no metrics from moto"
    );
    assert_eq!(dr["verdict"], "UNKNOWN");
    let local = find("orders-read-use1");
    assert_eq!(
        (&local["region"], &local["source_region"]),
        (&EAST.into(), &EAST.into())
    );

    let checks = report["health_checks"].as_array().expect("health checks");
    assert_eq!(checks.len(), 2);
    let primary = checks
        .iter()
        .find(|c| c["id"] == seeded.primary_check.as_str())
        .expect("the primary check");
    assert_eq!(primary["name"], "api.us-east-1.example.com");
    assert_eq!(primary["status"], "UNKNOWN", "status comes from CloudWatch");
    assert_eq!(primary["guards"][0]["role"], "PRIMARY");
    assert_eq!(primary["guards"][0]["name"], "api.example.com");
    assert_eq!(primary["guards"][0]["value"], "192.0.2.10");
    let secondary = checks
        .iter()
        .find(|c| c["id"] == seeded.secondary_check.as_str())
        .expect("the secondary check");
    assert_eq!(secondary["guards"][0]["role"], "SECONDARY");
    assert_eq!(secondary["name"], SECONDARY_NAME, "shown by its Name tag");

    // What could not be fetched, each with the call that failed.
    let errors = report["fetch_errors"].as_array().expect("fetch errors");
    let has = |feed: &str, region: &str, call_prefix: &str| {
        errors.iter().any(|e| {
            e["feed"] == feed
                && e["region"] == region
                && e["call"]
                    .as_str()
                    .is_some_and(|c| c.starts_with(call_prefix))
        })
    };
    for region in [EAST, WEST] {
        assert!(
            has("replicas", region, "cloudwatch:GetMetricData"),
            "{errors:#?}"
        );
        // Every part of the backups feed failed: each failed call is named, not only the first.
        for call in [
            "backup:ListBackupJobSummaries",
            "backup:ListBackupJobs",
            "backup:ListProtectedResources",
        ] {
            assert!(has("backups", region, call), "{call}: {errors:#?}");
        }
    }
    assert!(
        has("health", "global", "cloudwatch:GetMetricData"),
        "{errors:#?}"
    );
    assert_eq!(errors.len(), 9, "{errors:#?}");

    // The table says the same in words.
    let out = ripcord_with_aws(
        &moto.url(),
        home.path(),
        &["status", "--regions", "us-east-1,us-west-2"],
    );
    assert_eq!(out.status.code(), Some(3));
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(table.contains("NOT FETCHED"), "{table}");
    assert!(table.contains("us-west-2 backups"), "{table}");

    // No --regions and no config: the environment's region (AWS_REGION) alone.
    let out = ripcord_with_aws(&moto.url(), home.path(), &["status", "--json"]);
    let report = json_of(&out);
    assert_eq!(report["regions"], serde_json::json!([EAST]));
    assert_eq!(report["replicas"].as_array().map(Vec::len), Some(1));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_app_lists_replicas_over_several_pages_and_shows_the_failing_feeds() {
    let moto = Moto::start();
    let seeded = seed(&moto).await;
    let sdk = moto.sdk(EAST).await;
    // The fixture does span pages: at 20 a page, us-west-2's instances need a second one.
    let first_page = aws_sdk_rds::Client::new(&moto.sdk(WEST).await)
        .describe_db_instances()
        .max_records(20)
        .send()
        .await
        .expect("a page");
    assert_eq!(first_page.db_instances().len(), 20);
    assert!(
        first_page.marker().is_some(),
        "moto pages DescribeDBInstances"
    );
    let regions = vec![EAST.to_string(), WEST.to_string()];
    let fleet: Arc<dyn FleetSource> = Arc::new(
        AwsFleet::from_sdk_config(&sdk, &regions, CallLimits::READS).with_rds_page_size(20),
    );
    let events = ripcord::status::poll_once(fleet.clone(), Duration::from_secs(20)).await;
    let now = Timestamp::now();
    let app =
        ripcord::status::fleet_from(fleet.name(), &regions, Workloads::default(), events, now);
    let west: Vec<_> = app
        .replica_rows("")
        .into_iter()
        .filter(|r| &*r.replica.region == WEST)
        .map(|r| r.replica.clone())
        .collect();
    assert_eq!(
        west.len(),
        seeded.in_region_replicas_west + 1,
        "more than one page of 20 instances was read"
    );
    assert!(west.iter().all(|r| r.kind == ReplicaKind::RdsReadReplica));
    assert!(
        west.iter()
            .all(|r| r.state == ReplicationState::Replicating)
    );
    let dr = west
        .iter()
        .find(|r| r.id == "orders-dr-usw2")
        .expect("listed");
    assert!(dr.is_cross_region());
    assert!(dr.lag_samples.is_empty());

    // Data and failure side by side: the replicas are fresh, the metrics read failed.
    for region in [EAST, WEST] {
        let feed = &app.replicas[&Place::from(region)];
        assert_eq!(feed.freshness(now), Freshness::Fresh);
        let (_, e) = feed
            .last_error
            .as_ref()
            .expect("the metrics failure is shown");
        assert_eq!(e.call, "cloudwatch:GetMetricData");
        let backups = &app.backups[&Place::from(region)];
        assert!(backups.last_good.is_none());
        assert_eq!(
            backups.freshness(now),
            Freshness::Stale,
            "never fetched, failing"
        );
    }
    let checks = app.check_rows("");
    assert_eq!(checks.len(), 2);
    assert!(
        checks
            .iter()
            .all(|c| c.check.status == CheckStatus::Unknown)
    );
    let guarded: BTreeMap<&str, FailoverRole> = checks
        .iter()
        .flat_map(|c| {
            c.check
                .guards
                .iter()
                .map(move |g| (c.check.id.as_str(), g.role))
        })
        .collect();
    assert_eq!(
        guarded[seeded.primary_check.as_str()],
        FailoverRole::Primary
    );
    assert_eq!(
        guarded[seeded.secondary_check.as_str()],
        FailoverRole::Secondary
    );

    // Checker detail on demand: moto's canned answer is one healthy observation.
    let detail = fleet
        .checker_detail(&seeded.primary_check)
        .await
        .expect("checker detail");
    assert!(!detail.data.is_empty());
}

/// A TCP listener that accepts connections and never answers: a region that is down in the
/// worst way (no refusal, no reset, nothing).
struct DeadEndpoint {
    port: u16,
}

impl DeadEndpoint {
    fn start() -> DeadEndpoint {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        std::thread::spawn(move || {
            let mut held = Vec::new();
            for conn in listener.incoming().flatten() {
                held.push(conn);
            }
        });
        DeadEndpoint { port }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dead_region_goes_stale_on_its_own_while_the_others_arrive() {
    let moto = Moto::start();
    seed(&moto).await;
    let dead = DeadEndpoint::start();
    let alive = moto.sdk(EAST).await;
    let silent = sdk_for(&dead.url(), WEST).await;
    let fleet = Arc::new(AwsFleet::from_clients(
        BTreeMap::from([
            (
                EAST.to_string(),
                RegionClients::new(&alive, EAST, CallLimits::READS),
            ),
            (
                WEST.to_string(),
                RegionClients::new(&silent, WEST, CallLimits::READS),
            ),
        ]),
        GlobalClients::new(&alive, CallLimits::READS),
    ));

    // The cockpit's pollers, with a 3 s deadline per fetch.
    let (tx, mut rx) = tokio::sync::mpsc::channel(64);
    let cancel = tokio_util::sync::CancellationToken::new();
    let refresh = Refresh {
        replicas: Duration::from_secs(2),
        backups: Duration::from_secs(2),
        health: Duration::from_secs(2),
    };
    ripcord::poll::spawn_all(
        fleet.clone(),
        refresh,
        Duration::from_secs(3),
        tx,
        cancel.clone(),
    );
    let mut app = ripcord::app::App::new(
        Mode::Live { profile: None },
        "aws",
        &[EAST.to_string(), WEST.to_string()],
        Workloads::default(),
        refresh,
        ripcord::theme::Theme::mono(),
        Timestamp::now(),
    );
    let started = Instant::now();
    let (mut east_arrived, mut west_timed_out) = (false, false);
    while !(east_arrived && west_timed_out) {
        let event = tokio::time::timeout(Duration::from_secs(30), rx.recv())
            .await
            .expect("an event within 30s")
            .expect("pollers running");
        match &event {
            Event::Fetched(Fetched::Replicas {
                place,
                result: Ok(_),
            }) if place.region == EAST => east_arrived = true,
            Event::Fetched(Fetched::Replicas {
                place,
                result: Err(e),
            }) if place.region == WEST => {
                assert_eq!(e.kind, SourceErrorKind::Timeout, "{e}");
                west_timed_out = true;
            }
            Event::Fetched(Fetched::Replicas {
                place,
                result: Ok(_),
            }) if place.region == WEST => {
                panic!("the dead region answered")
            }
            _ => {}
        }
        app.update(event, Timestamp::now());
    }
    cancel.cancel();
    assert!(
        started.elapsed() < Duration::from_secs(15),
        "{:?}",
        started.elapsed()
    );
    let now = Timestamp::now();
    assert_eq!(
        app.fleet.replicas[&Place::from(EAST)].freshness(now),
        Freshness::Fresh
    );
    assert_eq!(
        app.fleet.replicas[&Place::from(WEST)].freshness(now),
        Freshness::Stale
    );
    assert!(
        app.replica_rows()
            .iter()
            .any(|r| r.replica.id == "orders-read-use1")
    );
    assert!(
        app.stale_feeds().iter().any(|(_, region)| region == WEST),
        "{:?}",
        app.stale_feeds()
    );

    // `ripcord status` against a dead endpoint: bounded by --timeout, exit 3, timeouts named.
    let home = tempfile::tempdir().expect("tempdir");
    let started = Instant::now();
    let out = ripcord_with_aws(
        &dead.url(),
        home.path(),
        &[
            "status",
            "--json",
            "--timeout",
            "5s",
            "--regions",
            "us-east-1,us-west-2",
        ],
    );
    let took = started.elapsed();
    assert!(
        took < Duration::from_secs(30),
        "status took {took:?} with a 5s timeout"
    );
    assert_eq!(
        out.status.code(),
        Some(3),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report = json_of(&out);
    let errors = report["fetch_errors"].as_array().expect("fetch errors");
    assert_eq!(errors.len(), 5, "every feed: {errors:#?}");
    assert!(errors.iter().all(|e| e["kind"] == "timeout"), "{errors:#?}");

    // A service-specific endpoint variable wins over AWS_ENDPOINT_URL: RDS alone is dead here.
    let out = ripcord_with_aws_env(
        &moto.url(),
        home.path(),
        &["status", "--json", "--timeout", "4s"],
        &[("AWS_ENDPOINT_URL_RDS", &dead.url())],
    );
    let report = json_of(&out);
    let errors = report["fetch_errors"].as_array().expect("fetch errors");
    let kind_of = |feed: &str| {
        errors
            .iter()
            .find(|e| e["feed"] == feed)
            .map(|e| e["kind"].as_str().unwrap_or("").to_string())
    };
    assert_eq!(
        kind_of("replicas").as_deref(),
        Some("timeout"),
        "{errors:#?}"
    );
    assert_eq!(
        kind_of("health").as_deref(),
        Some("error"),
        "moto's CloudWatch 404: {errors:#?}"
    );
    assert_eq!(
        report["health_checks"].as_array().map(Vec::len),
        Some(2),
        "Route 53 answered"
    );
}

/// The live cockpit (`ripcord` with no subcommand) in a real terminal, on moto.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_live_cockpit_shows_moto_replicas_and_quits_cleanly() {
    let moto = Moto::start();
    seed(&moto).await;
    let t =
        common::tmux::Tmux::start_with_env(160, 45, "--regions us-east-1,us-west-2", &moto.env());
    let shown = t.wait_for(&["orders-dr-usw2", "GetMetricData"]);
    assert!(shown.contains("AWS"), "the mode says AWS:\n{shown}");
    t.keys(&["q"]);
    assert_eq!(t.wait_for_exit(), "exit=0", "q quits with 0");
}
