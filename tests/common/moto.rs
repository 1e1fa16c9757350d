//! moto, a real AWS API emulator, on a free loopback port of each test's own, and what the
//! AWS tests seed it with through the SDK.
//!
//! moto runs through `moto_server.py` (beside this file): moto as installed, with two
//! documented corrections (a promoted replica is detached, as RDS does, where moto 5.2 changes
//! nothing any read shows; hosted zone ids start with `Z`, as Route 53's do).
//! `scripts/test` installs moto into `.venv` and sets `RIPCORD_MOTO_SERVER`; without it these
//! tests fail, saying so: they are never skipped.

use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_sdk_route53::types::{
    Change, ChangeAction, HealthCheckConfig, HealthCheckType, ResourceRecord, ResourceRecordSet,
    ResourceRecordSetFailover, RrType,
};
use ripcord::source::aws::sdk::{self, CallLimits};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const EAST: &str = "us-east-1";
pub const WEST: &str = "us-west-2";

/// A moto server of this test's own, on a free loopback port, stopped on drop.
pub struct Moto {
    child: Child,
    port: u16,
}

impl Moto {
    pub fn start() -> Moto {
        let bin = std::env::var_os("RIPCORD_MOTO_SERVER").map(PathBuf::from);
        let bin = match bin {
            Some(b) if b.exists() => b,
            other => panic!(
                "moto is needed for these tests and was not found (RIPCORD_MOTO_SERVER={other:?}).\n\
                 Run the tests with scripts/test: it installs moto from requirements-test.txt \
                 into .venv and sets RIPCORD_MOTO_SERVER to .venv/bin/moto_server."
            ),
        };
        // The Python of the environment moto is installed in.
        let python = bin.with_file_name("python");
        let launcher = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/common/moto_server.py");
        let port = free_port();
        let child = Command::new(&python)
            .arg(&launcher)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!(
                    "cannot start {} {}: {e}",
                    python.display(),
                    launcher.display()
                )
            });
        let moto = Moto { child, port };
        let started = Instant::now();
        while moto.post("/moto-api/reset").is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "moto did not answer on port {port} within 60s"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        moto
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// A bodiless POST to moto's own API (reset, seed), answered 200.
    pub fn post(&self, path: &str) -> std::io::Result<()> {
        let mut s = TcpStream::connect(("127.0.0.1", self.port))?;
        s.set_read_timeout(Some(Duration::from_secs(10)))?;
        write!(
            s,
            "POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            self.port
        )?;
        let mut answer = String::new();
        s.read_to_string(&mut answer)?;
        if answer.starts_with("HTTP/1.1 200") || answer.starts_with("HTTP/1.0 200") {
            Ok(())
        } else {
            Err(std::io::Error::other(format!("moto answered {answer:?}")))
        }
    }

    /// The SDK configuration a test seeds with: this moto, test credentials, `region`.
    pub async fn sdk(&self, region: &str) -> SdkConfig {
        sdk_for(&self.url(), region).await
    }

    /// The standard AWS variables that point the real binary at this moto, and nothing else.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("AWS_ENDPOINT_URL", self.url()),
            ("AWS_ACCESS_KEY_ID", "test".into()),
            ("AWS_SECRET_ACCESS_KEY", "test".into()),
            ("AWS_REGION", EAST.into()),
        ]
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

pub async fn sdk_for(endpoint: &str, region: &str) -> SdkConfig {
    aws_config::defaults(BehaviorVersion::latest())
        .http_client(sdk::https_client())
        .endpoint_url(endpoint)
        .region(Region::new(region.to_string()))
        .credentials_provider(aws_sdk_rds::config::Credentials::new(
            "test", "test", None, None, "moto",
        ))
        .timeout_config(CallLimits::READS.timeout_config())
        .load()
        .await
}

/// A hosted zone; its id as Route 53 users write it (`Z...`, without `/hostedzone/`).
pub async fn create_zone(route53: &aws_sdk_route53::Client, name: &str) -> String {
    let zone = route53
        .create_hosted_zone()
        .name(name)
        .caller_reference(format!("ripcord-test-{name}"))
        .send()
        .await
        .expect("hosted zone");
    zone.hosted_zone()
        .map(|z| z.id().trim_start_matches("/hostedzone/").to_string())
        .expect("zone id")
}

/// An HTTPS health check of `fqdn`; its id.
pub async fn create_health_check(route53: &aws_sdk_route53::Client, fqdn: &str) -> String {
    route53
        .create_health_check()
        .caller_reference(fqdn)
        .health_check_config(
            HealthCheckConfig::builder()
                .r#type(HealthCheckType::Https)
                .fully_qualified_domain_name(fqdn)
                .port(443)
                .resource_path("/health")
                .build()
                .expect("valid config"),
        )
        .send()
        .await
        .expect("health check")
        .health_check()
        .map(|h| h.id().to_string())
        .expect("id")
}

/// One record of a failover pair, to CREATE.
pub fn failover_record(
    name: &str,
    record_type: RrType,
    set: &str,
    role: ResourceRecordSetFailover,
    check: &str,
    value: &str,
) -> Change {
    Change::builder()
        .action(ChangeAction::Create)
        .resource_record_set(
            ResourceRecordSet::builder()
                .name(name)
                .r#type(record_type)
                .ttl(60)
                .set_identifier(set)
                .failover(role)
                .health_check_id(check)
                .resource_records(ResourceRecord::builder().value(value).build().expect("ok"))
                .build()
                .expect("valid record"),
        )
        .build()
        .expect("valid change")
}

/// Creates a PostgreSQL instance (a primary) in the client's region; returns its ARN, which a
/// replica in another region names as its source.
pub async fn create_postgres(rds: &aws_sdk_rds::Client, id: &str) -> String {
    let created = rds
        .create_db_instance()
        .db_instance_identifier(id)
        .engine("postgres")
        .db_instance_class("db.t3.micro")
        .allocated_storage(20)
        .master_username("dbadmin")
        .master_user_password("not-a-secret-1")
        .send()
        .await
        .unwrap_or_else(|e| panic!("create {id}: {e:?}"));
    created
        .db_instance()
        .and_then(|db| db.db_instance_arn())
        .expect("an ARN")
        .to_string()
}

/// Creates a read replica of `source` (its id in the same region, its ARN from another).
pub async fn create_read_replica(rds: &aws_sdk_rds::Client, id: &str, source: &str) {
    rds.create_db_instance_read_replica()
        .db_instance_identifier(id)
        .source_db_instance_identifier(source)
        .db_instance_class("db.t3.micro")
        .send()
        .await
        .unwrap_or_else(|e| panic!("create the replica {id} of {source}: {e:?}"));
}
