//! The live cockpit, `ripcord runbook run` against AWS and `ripcord status` refuse bad AWS
//! input plainly, before any terminal is touched: no region anywhere, a region name with a
//! typo, no credentials, a bad timeout.

use std::path::Path;
use std::process::{Command, Output};

/// The binary in an environment with nothing of this machine's AWS setup: an empty home (no
/// ~/.aws), no AWS variables, and no instance metadata lookups.
fn ripcord(home: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let config = home.join("config.toml");
    std::fs::write(&config, "").expect("write config");
    Command::new(env!("CARGO_BIN_EXE_ripcord"))
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", home)
        .env("RIPCORD_LOG_DIR", home.join("logs"))
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .envs(env.iter().copied())
        .arg("--config")
        .arg(&config)
        .args(args)
        .output()
        .expect("runs")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn the_live_cockpit_without_a_region_says_how_to_give_one() {
    let home = tempfile::tempdir().expect("tempdir");
    let out = ripcord(home.path(), &[], &[]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    assert!(
        err.contains("no AWS region") && err.contains("--regions") && err.contains("AWS_REGION"),
        "{err}"
    );
    assert!(out.stdout.is_empty(), "the terminal was not taken over");
}

#[test]
fn a_region_typo_is_refused_with_the_name() {
    let home = tempfile::tempdir().expect("tempdir");
    let out = ripcord(home.path(), &["--regions", "us-east-1,eu_west_1"], &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("`eu_west_1` is not an AWS region name"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn no_credentials_are_reported_with_what_to_do() {
    let home = tempfile::tempdir().expect("tempdir");
    let out = ripcord(
        home.path(),
        &["--profile", "nosuch", "--regions", "us-east-1"],
        &[],
    );
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(
        err.contains("no usable AWS credentials (profile nosuch)") && err.contains("aws sso login"),
        "{err}"
    );
    assert!(out.stdout.is_empty());
}

#[test]
fn a_runbook_run_against_aws_sets_up_aws_as_the_cockpit_does() {
    let home = tempfile::tempdir().expect("tempdir");
    let run = ["runbook", "run", "route53-failover-flip"];
    let out = ripcord(home.path(), &run, &[]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("no AWS region") && stderr(&out).contains("--regions"),
        "{}",
        stderr(&out)
    );
    assert!(out.stdout.is_empty(), "the terminal was not taken over");
    let mut with_profile = run.to_vec();
    with_profile.extend(["--profile", "nosuch", "--regions", "us-east-1"]);
    let out = ripcord(home.path(), &with_profile, &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("no usable AWS credentials (profile nosuch)"),
        "{}",
        stderr(&out)
    );
    assert!(out.stdout.is_empty());
}

#[test]
fn status_without_credentials_exits_3_nothing_fetched() {
    let home = tempfile::tempdir().expect("tempdir");
    let out = ripcord(home.path(), &["status"], &[("AWS_REGION", "eu-west-1")]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    assert!(stderr(&out).contains("nothing fetched: no usable AWS credentials"));
}

#[test]
fn status_refuses_a_bad_timeout_and_sim_only_flags_without_sim() {
    let home = tempfile::tempdir().expect("tempdir");
    let out = ripcord(home.path(), &["status", "--timeout", "soon"], &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("write it like 20s"),
        "{}",
        stderr(&out)
    );
    let out = ripcord(home.path(), &["status", "--timeout", "2h"], &[]);
    assert!(
        stderr(&out).contains("between 1s and 10m"),
        "{}",
        stderr(&out)
    );
    let out = ripcord(home.path(), &["status", "--scenario", "region-outage"], &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--sim"), "{}", stderr(&out));
}

#[test]
fn status_on_the_simulator_prints_a_table_or_json_and_exits_by_verdict() {
    let home = tempfile::tempdir().expect("tempdir");
    let out = ripcord(home.path(), &["status", "--sim"], &[]);
    let table = String::from_utf8_lossy(&out.stdout);
    // The simulated estate has a volume whose backups keep failing: always CRIT.
    assert_eq!(out.status.code(), Some(2), "{table}{}", stderr(&out));
    assert!(
        table.contains("WORKLOAD") && table.contains("orders") && table.contains("PROBLEMS"),
        "{table}"
    );
    let out = ripcord(
        home.path(),
        &["status", "--sim", "--json", "--seed", "7"],
        &[],
    );
    assert_eq!(out.status.code(), Some(2));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).expect("valid JSON");
    assert_eq!(json["schema_version"], 1);
    assert_eq!(json["source"], "sim");
    assert_eq!(json["overall"], "CRIT");
    assert_eq!(json["exit_code"], 2);
    assert!(json["replicas"].as_array().is_some_and(|r| r.len() == 6));
    assert!(json["fetch_errors"].as_array().is_some_and(Vec::is_empty));
    // Readiness, with its reasons; the audit directory (under this HOME) holds no drill.
    let readiness = json["readiness"].as_array().expect("readiness");
    assert_eq!(
        readiness.len(),
        4,
        "one per workload of the simulated estate"
    );
    assert!(
        readiness.iter().any(
            |w| w["reasons"]
                .as_array()
                .is_some_and(|r| r.iter().any(|r| r["text"]
                    .as_str()
                    .is_some_and(|t| t.contains("no audit directory"))))
        ),
        "{readiness:#?}"
    );
    assert!(table.contains("READINESS"), "{table}");
}

#[test]
fn report_readiness_writes_markdown_and_names_a_file_it_cannot_write() {
    let home = tempfile::tempdir().expect("tempdir");
    let path = home.path().join("readiness.md");
    let out = ripcord(
        home.path(),
        &[
            "report",
            "readiness",
            "--sim",
            "-o",
            path.to_str().expect("utf-8"),
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let md = std::fs::read_to_string(&path).expect("written");
    assert!(md.starts_with("# DR readiness\n"), "{md}");
    assert!(md.contains("## catalog — ✖ NOT READY"), "{md}");
    let bad = home.path().join("no-such-dir").join("r.md");
    let out = ripcord(
        home.path(),
        &[
            "report",
            "readiness",
            "--sim",
            "-o",
            bad.to_str().expect("utf-8"),
        ],
        &[],
    );
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("no-such-dir/r.md: cannot write the report"),
        "{}",
        stderr(&out)
    );
}
