//! Every way a config or theme file can be wrong, one fixture file per case, with the exact
//! message the user sees: file, line and column, key, and what is wrong.

use ripcord::config::Config;
use ripcord::theme::Theme;
use std::path::{Path, PathBuf};
use std::process::Command;

fn fixture(kind: &str, name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(kind)
        .join(name)
}

/// The message with the fixture directory cut off, so the expectation reads as the file name.
fn relative(message: String, kind: &str) -> String {
    message.replace(
        &format!(
            "{}/",
            fixture(kind, "")
                .display()
                .to_string()
                .trim_end_matches('/')
        ),
        "",
    )
}

const CONFIG_CASES: &[(&str, &str)] = &[
    (
        "syntax_error.toml",
        "syntax_error.toml:1:23: unclosed array, expected `]`",
    ),
    (
        "unknown_key.toml",
        "unknown_key.toml:2:1: key `refresh_interval`: unknown field `refresh_interval`, expected one of `profile`, `regions`, `theme`, `refresh`, `defaults`, `thresholds`, `workload`, `runbook_dirs`, `account`",
    ),
    (
        "bad_duration.toml",
        "bad_duration.toml:2:12: key `refresh.replicas`: invalid value: string \"thirty seconds\", expected a duration such as \"30s\", \"5m\" or \"1h\"",
    ),
    (
        "duration_not_string.toml",
        "duration_not_string.toml:2:12: key `refresh.replicas`: invalid type: integer `30`, expected a duration such as \"30s\", \"5m\" or \"1h\"",
    ),
    (
        "workload_missing_rto.toml",
        "workload_missing_rto.toml:1:1: key `workload[0]`: missing field `rto`",
    ),
    (
        "workload_duplicate.toml",
        "workload_duplicate.toml:8:1: key `workload[1].name`: workload `orders` is defined twice",
    ),
    (
        "thresholds_inverted.toml",
        "thresholds_inverted.toml:3:1: key `thresholds.backup_success_crit`: must not be above thresholds.backup_success_warn",
    ),
    (
        "refresh_too_short.toml",
        "refresh_too_short.toml:2:1: key `refresh.health`: refresh interval 200ms is too short; use at least 1s",
    ),
    (
        "regions_not_a_list.toml",
        "regions_not_a_list.toml:1:11: key `regions`: invalid type: string \"us-east-1\", expected a sequence",
    ),
    (
        "workload_bad_drill_every.toml",
        "workload_bad_drill_every.toml:5:15: key `workload[0].drill_every`: invalid value: string \"quarterly\", expected a duration such as \"30s\", \"5m\" or \"1h\"",
    ),
    (
        "workload_bad_pattern.toml",
        "workload_bad_pattern.toml:5:1: key `workload[0].resources`: `orders-[abc` is not a valid pattern: Pattern syntax error near position 7: invalid range pattern",
    ),
    (
        "account_duplicate.toml",
        "account_duplicate.toml:6:1: key `account[1].name`: account `workload` is defined twice",
    ),
    (
        "account_bad_role_arn.toml",
        "account_bad_role_arn.toml:3:1: key `account[0].role_arn`: `ripcord-read` is not an IAM role ARN (expected arn:aws:iam::123456789012:role/NAME)",
    ),
    (
        "account_external_id_without_role.toml",
        "account_external_id_without_role.toml:4:1: key `account[0].external_id`: `external_id` is for assuming a role: set `role_arn` too",
    ),
    (
        "account_unknown_key.toml",
        "account_unknown_key.toml:3:1: key `account[0].role`: unknown field `role`, expected one of `name`, `profile`, `role_arn`, `external_id`, `session_name`, `regions`, `environment`",
    ),
    (
        "account_missing_name.toml",
        "account_missing_name.toml:3:1: key `account[0]`: missing field `name`",
    ),
    (
        "account_bad_name.toml",
        "account_bad_name.toml:2:1: key `account[0].name`: `prod/east` is not a usable account name: use letters, digits, - and _ (at most 64)",
    ),
    (
        "account_bad_region.toml",
        "account_bad_region.toml:4:1: key `account[0].regions`: `uswest2` is not an AWS region name (e.g. us-east-1)",
    ),
];

const THEME_CASES: &[(&str, &str)] = &[
    (
        "syntax_error.toml",
        "syntax_error.toml:2:8: unclosed table, expected `]`",
    ),
    (
        "unknown_colour.toml",
        "unknown_colour.toml:3:15: key `styles.crit.fg`: unknown colour `blood`: use a name (red, lightblue, darkgray, reset, ...), #rrggbb, or 0-255",
    ),
    (
        "unknown_style.toml",
        "unknown_style.toml:3:1: key `styles.critical`: unknown field `critical`, expected one of `text`, `dim`, `accent`, `border`, `border_focused`, `title`, `table_header`, `selected`, `ok`, `warn`, `crit`, `unknown`, `stale`, `error`, `bar`, `bar_key`",
    ),
    (
        "unknown_modifier.toml",
        "unknown_modifier.toml:3:38: key `styles.warn.modifiers[0]`: unknown variant `blink`, expected one of `bold`, `dim`, `italic`, `underlined`, `reversed`",
    ),
    (
        "unknown_base.toml",
        "unknown_base.toml:1:1: key `base`: no built-in theme `solarized`; built-in themes: dark, light, high-contrast, mono",
    ),
    (
        "incomplete_without_base.toml",
        "incomplete_without_base.toml: key `styles.text`: missing: set it, or set base = \"dark\" to inherit it",
    ),
];

#[test]
fn each_bad_config_names_file_line_and_key() {
    for (name, expected) in CONFIG_CASES {
        let err = Config::load(Some(&fixture("config", name))).expect_err(name);
        assert_eq!(relative(err.to_string(), "config"), *expected);
    }
}

#[test]
fn each_bad_theme_names_file_line_and_key() {
    for (name, expected) in THEME_CASES {
        let err = Theme::load(fixture("theme", name).to_str().expect("utf-8")).expect_err(name);
        assert_eq!(relative(err.to_string(), "theme"), *expected);
    }
}

#[test]
fn every_fixture_file_has_a_case() {
    for (kind, cases) in [("config", CONFIG_CASES), ("theme", THEME_CASES)] {
        for entry in std::fs::read_dir(fixture(kind, "")).expect("fixture dir") {
            let name = entry
                .expect("entry")
                .file_name()
                .into_string()
                .expect("utf-8");
            assert!(
                cases.iter().any(|(n, _)| *n == name),
                "{kind}/{name} has no expected message"
            );
        }
    }
}

fn ripcord(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_ripcord"))
        .args(args)
        .env_remove("RIPCORD_CONFIG")
        .output()
        .expect("runs")
}

#[test]
fn config_check_exits_1_with_the_message_on_stderr() {
    let path = fixture("config", "bad_duration.toml");
    let out = ripcord(&["config", "check", "--config", path.to_str().expect("utf-8")]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("bad_duration.toml:2:12: key `refresh.replicas`"),
        "{err}"
    );
}

#[test]
fn a_bad_config_stops_the_demo_before_the_terminal_is_touched() {
    let path = fixture("config", "unknown_key.toml");
    let out = ripcord(&["demo", "--config", path.to_str().expect("utf-8")]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown_key.toml:2:1"));
    assert!(out.stdout.is_empty(), "no escape codes were written");
}

#[test]
fn a_missing_explicit_config_is_an_error_but_a_missing_default_is_not() {
    let out = ripcord(&["config", "check", "--config", "/nonexistent/ripcord.toml"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("/nonexistent/ripcord.toml: no such file")
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let out = Command::new(env!("CARGO_BIN_EXE_ripcord"))
        .args(["config", "check"])
        .env_remove("RIPCORD_CONFIG")
        .env("XDG_CONFIG_HOME", dir.path())
        .env("HOME", dir.path())
        .output()
        .expect("runs");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("defaults apply"));
}

#[test]
fn the_example_config_passes_check_and_bad_flags_are_refused() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("config.toml");
    let example = ripcord(&["config", "example"]);
    std::fs::write(&path, &example.stdout).expect("write");
    let out = ripcord(&["config", "check", "--config", path.to_str().expect("utf-8")]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = ripcord(&["demo", "--scenario", "meteor"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("invalid value 'meteor'"));
    let out = ripcord(&["demo", "--fleet-size", "0"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn help_tells_where_logs_and_config_live() {
    let out = ripcord(&["--help"]);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("logs") && text.contains("RIPCORD_LOG_DIR") && text.contains("demo"),
        "{text}"
    );
}

/// With `[[account]]` tables, runbook actions act in the account each step's resource is in
/// (tests/aws/accounts_act.rs): `runbook resume` is no longer refused for the tables, and goes
/// on to read the run asked for; one that is not there is said plainly, before anything is set
/// up and before the terminal is taken over.
#[test]
fn runbooks_with_named_accounts_are_not_refused_for_them() {
    let dir = tempfile::tempdir().expect("tempdir");
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        "[[account]]\nname = \"workload\"\nprofile = \"workload-read\"\nenvironment = \"prod\"\n",
    )
    .expect("write config");
    let config = config.to_str().expect("utf-8");
    let args = [
        "runbook",
        "resume",
        "20261121T030000Z-abcd",
        "--config",
        config,
    ];
    let out = Command::new(env!("CARGO_BIN_EXE_ripcord"))
        .args(args)
        .env_remove("RIPCORD_CONFIG")
        .env("RIPCORD_AUDIT_DIR", dir.path().join("audit"))
        .env("RIPCORD_LOG_DIR", dir.path().join("logs"))
        .output()
        .expect("runs");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(!err.contains("[[account]]"), "{err}");
    assert!(err.contains("20261121T030000Z-abcd"), "{err}");
    assert!(out.stdout.is_empty(), "no escape codes were written");
}
