//! Several AWS accounts against moto, which keeps each account id's resources apart: the
//! workload account is the one of the test keys (123456789012); the backup account is reached
//! as ripcord reaches it, by sts:AssumeRole into another account id; a third account's
//! credentials cannot be loaded at all. Read back by `ripcord status --json` (the real binary,
//! given a config file with `[[account]]` tables).
//!
//! `scripts/test` installs moto into `.venv` and sets `RIPCORD_MOTO_SERVER`. Without it these
//! tests fail, saying so: they are never skipped.

use crate::common;

use aws_config::{BehaviorVersion, Region};
use common::moto::{EAST, Moto, create_postgres, create_read_replica, sdk_for};
use ripcord::source::aws::sdk;
use std::path::Path;
use std::process::{Command, Output};

/// The role ripcord assumes in the backup account (id 210987654321).
const BACKUP_ROLE: &str = "arn:aws:iam::210987654321:role/ripcord-read";

/// An RDS client acting in the account `role` belongs to, with credentials from assuming it
/// (moto files what they create under that account id).
async fn rds_as(moto: &Moto, role: &str) -> aws_sdk_rds::Client {
    let sts = aws_sdk_sts::Client::new(&sdk_for(&moto.url(), EAST).await);
    let assumed = sts
        .assume_role()
        .role_arn(role)
        .role_session_name("seed")
        .send()
        .await
        .expect("moto assumes the role");
    let c = assumed.credentials().expect("credentials");
    let conf = aws_config::defaults(BehaviorVersion::latest())
        .http_client(sdk::https_client())
        .endpoint_url(moto.url())
        .region(Region::new(EAST))
        .credentials_provider(aws_sdk_rds::config::Credentials::new(
            c.access_key_id(),
            c.secret_access_key(),
            Some(c.session_token().to_string()),
            None,
            "assumed",
        ))
        .load()
        .await;
    aws_sdk_rds::Client::new(&conf)
}

/// A primary and a replica of it, in the account `rds` acts in.
async fn primary_and_replica(rds: &aws_sdk_rds::Client, primary: &str, replica: &str) {
    create_postgres(rds, primary).await;
    create_read_replica(rds, replica, primary).await;
}

/// `ripcord ARGS` with `config` as its config file and an AWS config whose profiles are: `home`
/// (the test keys), and `broken` (a credential process that fails). No AWS keys in the
/// environment: each account's credentials come from its profile, as on an operator's laptop.
fn ripcord_with_accounts(moto: &Moto, home: &Path, config: &str, args: &[&str]) -> Output {
    let config_path = home.join("config.toml");
    std::fs::write(&config_path, config).expect("write config");
    let aws_config = home.join("aws-config");
    std::fs::write(
        &aws_config,
        "[profile home]\naws_access_key_id = test\naws_secret_access_key = test\n\n\
         [profile broken]\ncredential_process = /bin/false\n",
    )
    .expect("write AWS config");
    Command::new(env!("CARGO_BIN_EXE_ripcord"))
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("RIPCORD_CONFIG", &config_path)
        .env("RIPCORD_LOG_DIR", home.join("logs"))
        .env("AWS_CONFIG_FILE", &aws_config)
        .env("AWS_SHARED_CREDENTIALS_FILE", home.join("no-credentials"))
        .env("AWS_ENDPOINT_URL", moto.url())
        .env("AWS_REGION", EAST)
        .args(args)
        .output()
        .expect("ripcord runs")
}

const THREE_ACCOUNTS: &str = r#"
regions = ["us-east-1"]

[[account]]
name = "workload"
profile = "home"
environment = "prod"

[[account]]
name = "backup"
profile = "home"
role_arn = "arn:aws:iam::210987654321:role/ripcord-read"
external_id = "ripcord-test"

[[account]]
name = "expired"
profile = "broken"
"#;

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
async fn each_account_is_read_with_its_own_credentials_and_a_broken_one_fails_alone() {
    let moto = Moto::start();
    let workload = aws_sdk_rds::Client::new(&sdk_for(&moto.url(), EAST).await);
    primary_and_replica(&workload, "orders-primary", "orders-read-use1").await;
    let backup = rds_as(&moto, BACKUP_ROLE).await;
    primary_and_replica(&backup, "vault-primary", "vault-read-use1").await;

    let home = tempfile::tempdir().expect("tempdir");
    let out = ripcord_with_accounts(&moto, home.path(), THREE_ACCOUNTS, &["status", "--json"]);
    let report = json_of(&out);
    assert_eq!(out.status.code(), Some(3), "{report:#}");
    assert_eq!(
        report["accounts"],
        serde_json::json!([
            {"name": "workload", "environment": "prod"},
            {"name": "backup"},
            {"name": "expired"},
        ])
    );

    // Each replica once, in the account it lives in: moto keeps the two account ids apart, so
    // the backup account's replica is seen only through the assumed role.
    let replicas = report["replicas"].as_array().expect("replicas");
    let placed: Vec<(String, String)> = replicas
        .iter()
        .map(|r| (r["account"].to_string(), r["id"].to_string()))
        .collect();
    assert_eq!(
        placed.len(),
        2,
        "one replica per readable account: {placed:?}"
    );
    assert!(
        placed.contains(&("\"workload\"".into(), "\"orders-read-use1\"".into())),
        "{placed:?}"
    );
    assert!(
        placed.contains(&("\"backup\"".into(), "\"vault-read-use1\"".into())),
        "{placed:?}"
    );

    // The account whose credentials fail: every one of its feeds, named by account, saying
    // what to do; the others' errors are only what moto cannot serve (metrics, backup jobs).
    let errors = report["fetch_errors"].as_array().expect("fetch errors");
    let of = |account: &str| -> Vec<&serde_json::Value> {
        errors.iter().filter(|e| e["account"] == account).collect()
    };
    let broken = of("expired");
    let feeds: Vec<&str> = broken.iter().filter_map(|e| e["feed"].as_str()).collect();
    for feed in ["replicas", "backups", "health"] {
        assert!(feeds.contains(&feed), "{feed}: {broken:#?}");
    }
    for e in &broken {
        let message = e["message"].as_str().unwrap_or("");
        assert!(
            message.starts_with("account expired: ")
                && message.contains("aws sso login --profile broken"),
            "{e:#}"
        );
    }
    for account in ["workload", "backup"] {
        for e in of(account) {
            let call = e["call"].as_str().unwrap_or("");
            assert!(
                call.starts_with("cloudwatch:") || call.starts_with("backup:"),
                "{account} fails only where moto does: {e:#}"
            );
        }
    }

    // The table for people says the same: the accounts (production in words) and which
    // account's feeds were not fetched.
    let out = ripcord_with_accounts(&moto, home.path(), THREE_ACCOUNTS, &["status"]);
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(
        table.contains("accounts workload (PROD), backup, expired"),
        "{table}"
    );
    assert!(
        table.contains("expired/us-east-1 replicas: access-denied"),
        "{table}"
    );

    // `--accounts` watches some of them: the broken one left out, nothing of it is asked.
    let out = ripcord_with_accounts(
        &moto,
        home.path(),
        THREE_ACCOUNTS,
        &["status", "--json", "--accounts", "backup"],
    );
    let report = json_of(&out);
    assert_eq!(report["accounts"], serde_json::json!([{"name": "backup"}]));
    let ids: Vec<&str> = report["replicas"]
        .as_array()
        .expect("replicas")
        .iter()
        .filter_map(|r| r["id"].as_str())
        .collect();
    assert_eq!(ids, ["vault-read-use1"]);

    // An account the config does not define is refused before anything is fetched.
    let out = ripcord_with_accounts(
        &moto,
        home.path(),
        THREE_ACCOUNTS,
        &["status", "--accounts", "bakup"],
    );
    assert_eq!(out.status.code(), Some(3));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(
            "no account `bakup` in the config file; its accounts: workload, backup, expired"
        ),
        "{err}"
    );
}
