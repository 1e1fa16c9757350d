//! Every way a runbook can be wrong, one fixture file per case, with the exact message the
//! operator sees: `file:line:column: what is wrong and what to do`. Then the binary: `check`
//! exits 1 on them and 0 on every shipped runbook, and `run` refuses to start a runbook with
//! a syntax error, an unknown action, a missing parameter or a parameter that fails its check.

use ripcord::runbook::lang::check;
use std::path::{Path, PathBuf};
use std::process::Command;

fn dir(kind: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(kind)
}

/// `(fixture, the exact problems reported, one per line)`.
const CASES: &[(&str, &str)] = &[
    (
        "bad_literal_argument.md",
        "bad_literal_argument.md:17:9: `region`: `us-west` is not a region such as us-west-2 or eu-central-1",
    ),
    (
        "bad_parameter_name.md",
        "bad_parameter_name.md:5:3: parameter name `Replica-Id` must be lower-case letters, digits and _, starting with a letter (it becomes the shell variable RIPCORD_PARAM_REPLICA_ID)",
    ),
    (
        "bad_pattern.md",
        "bad_pattern.md:6:14: pattern of `ticket` is not a valid regular expression: non-empty character class has no closing bracket",
    ),
    (
        "block_before_first_step.md",
        "block_before_first_step.md:12:1: executable block before the first step: put it under a `## Step title` heading",
    ),
    (
        "block_without_verb.md",
        "block_without_verb.md:15:1: the ripcord block says neither `action`, `gate` nor `wait`: add one, e.g. action: promote-read-replica",
    ),
    (
        "checklist_in_a_shell_step.md",
        "checklist_in_a_shell_step.md:17:3: `- [ ] Paste the output into the incident`: checklist items belong to manual steps (steps without a block), and this is a shell step, which would not show or enforce them: move them into a manual step of their own",
    ),
    (
        "checklist_in_an_action_step.md",
        "checklist_in_an_action_step.md:14:1: `- [ ] The incident commander agreed`: checklist items belong to manual steps (steps without a block), and this is an action step, which would not show or enforce them: move them into a manual step of their own",
    ),
    (
        "default_fails_validation.md",
        "default_fails_validation.md:7:14: default of `replica`: `Orders_DR` is not an RDS instance identifier: 1 to 63 letters, digits or hyphens, starting with a letter, without two hyphens in a row or a hyphen at the end",
    ),
    (
        "destructive_optional_parameter.md",
        "destructive_optional_parameter.md:11:7: `destructive=instance` names an optional parameter: left empty, Enter alone would confirm the script; make `instance` required (or give it a default)",
    ),
    (
        "destructive_secret_parameter.md",
        "destructive_secret_parameter.md:12:18: `destructive=token` names a secret parameter: its value would be shown in the confirmation prompt; confirm with a parameter that is not secret",
    ),
    (
        "failover_without_data_loss.md",
        "failover_without_data_loss.md:19:18: failover-global-cluster loses the writes not yet replicated: write allow_data_loss: true to accept that, or use switchover-global-cluster for a planned move without loss",
    ),
    (
        "front_matter_not_closed.md",
        "front_matter_not_closed.md:1:1: the front matter is not closed: end the YAML header with a line holding only `---`",
    ),
    (
        "front_matter_syntax_error.md",
        "front_matter_syntax_error.md:3:6: bad YAML: expected a single value here (text, a number, true or false)",
    ),
    (
        "front_matter_unterminated_quote.md",
        "front_matter_unterminated_quote.md:3:1: bad YAML: invalid indentation in multiline quoted scalar",
    ),
    (
        "jump_backwards.md",
        "jump_backwards.md:21:7: `first` is this step or an earlier one: runbooks only jump forward (a failed step is retried with r)",
    ),
    (
        "jump_to_unknown_step.md",
        "jump_to_unknown_step.md:17:7: `finish` names no step: did you mean `finished`? use a step's anchor (check, finished) or `end`",
    ),
    (
        "max_rpo_without_rpo.md",
        "max_rpo_without_rpo.md:18:6: `max: rpo` means the runbook's RPO, but the front matter has no `rpo:`: add one, or write a duration",
    ),
    (
        "missing_argument.md",
        "missing_argument.md:15:9: `promote-read-replica` needs `region` (the region the resource lives in): add region: \"{{PARAM}}\" or a value",
    ),
    (
        "no_front_matter.md",
        "no_front_matter.md:1:1: no front matter: start the file with a `---` line, then the YAML header (title, rto, parameters), then a closing `---` line",
    ),
    (
        "no_steps.md",
        "no_steps.md:5:1: the runbook has no steps: add a `## Step title` heading for each step",
    ),
    (
        "otherwise_on_an_action.md",
        "otherwise_on_an_action.md:18:1: `otherwise` belongs to gates (an action has no condition to fail): use `next`",
    ),
    (
        "parameter_in_shell_text.md",
        "parameter_in_shell_text.md:15:17: parameters reach shell steps only as environment variables, never in the script text: write \"$RIPCORD_PARAM_REPLICA\" instead of {{replica}}",
    ),
    (
        "promote_not_destructive.md",
        "promote_not_destructive.md:18:1: promote-read-replica cannot be undone, so it always needs the typed confirmation: remove `destructive: false`",
    ),
    (
        "rto_not_a_duration.md",
        "rto_not_a_duration.md:3:6: `rto: soon` is not a duration: write it like 30s, 15m or 1h",
    ),
    (
        "two_executable_blocks.md",
        "two_executable_blocks.md:20:1: step `Promote and note` has more than one executable block: a step runs at most one; split it into two `##` steps",
    ),
    (
        "two_verbs_in_one_block.md",
        "two_verbs_in_one_block.md:17:1: a step does one thing, and this block already has `gate`: split it into two `##` steps",
    ),
    (
        "unknown_action.md",
        "unknown_action.md:15:9: unknown action `promote-replica`: did you mean `promote-read-replica`? known actions are promote-read-replica, switchover-global-cluster, failover-global-cluster, failover-db-cluster, flip-failover-records, upsert-record, restore-newest-recovery-point, delete-restored-instance",
    ),
    (
        "unknown_argument.md",
        "unknown_argument.md:18:1: `promote-read-replica` takes no argument `force`: it takes replica, region, max_lag, backup_retention_days",
    ),
    (
        "unknown_condition.md",
        "unknown_condition.md:15:7: unknown condition `lag-is-fine`: known conditions are replica-lag-below, db-instance-available, db-cluster-available, health-check-healthy, health-check-failing, dns-answer-is",
    ),
    (
        "unknown_front_matter_key.md",
        "unknown_front_matter_key.md:2:1: unknown key `titel`: did you mean `title`? the keys here are title, summary, rto, rpo, workload, parameters",
    ),
    (
        "workload_not_a_name.md",
        "workload_not_a_name.md:4:11: workload `orders and billing` is not a workload name: give the `name` of a `[[workload]]` in the config (letters, digits, - _ .)",
    ),
    (
        "unknown_parameter_reference.md",
        "unknown_parameter_reference.md:16:11: unknown parameter {{replca}}: did you mean {{replica}}? the front matter declares replica, region",
    ),
    (
        "unknown_parameter_type.md",
        "unknown_parameter_type.md:6:11: unknown parameter type `rds-instance`: use one of string, rds-instance-id, db-cluster-id, global-cluster-id, hosted-zone-id, region, dns-name, duration, integer, boolean",
    ),
    (
        "unknown_sh_option.md",
        "unknown_sh_option.md:14:7: unknown option `destrutive=replica` on the sh block: it takes destructive=PARAM and timeout=DURATION",
    ),
    (
        "unknown_shell_variable.md",
        "unknown_shell_variable.md:15:18: `RIPCORD_PARAM_REPLCA` names no parameter: the front matter declares RIPCORD_PARAM_REPLICA, RIPCORD_PARAM_REGION",
    ),
    (
        "unquoted_parameter_in_yaml.md",
        "unquoted_parameter_in_yaml.md:16:10: bad YAML: an unquoted {{ starts a YAML mapping: quote the value, as in replica: \"{{replica}}\"",
    ),
    (
        "unreachable_step.md",
        "unreachable_step.md:20:1: step `Forgotten` can never be reached: the steps before it jump past it; point a `next:` or `otherwise:` at `forgotten`, or remove it",
    ),
];

#[test]
fn every_bad_runbook_gets_its_exact_message() {
    for (file, expected) in CASES {
        let text = std::fs::read_to_string(dir("runbooks").join(file)).expect("fixture");
        let name = file.trim_end_matches(".md");
        let problems = check::load(name, file, &text).expect_err(file);
        let got: Vec<String> = problems.iter().map(ToString::to_string).collect();
        assert_eq!(got.join("\n"), *expected, "{file}");
    }
}

#[test]
fn every_fixture_has_a_case_and_every_case_a_fixture() {
    let mut on_disk: Vec<String> = std::fs::read_dir(dir("runbooks"))
        .expect("fixtures")
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    on_disk.sort();
    let mut listed: Vec<String> = CASES.iter().map(|(f, _)| f.to_string()).collect();
    listed.sort();
    listed.dedup();
    assert_eq!(on_disk, listed);
}

fn ripcord(args: &[&str]) -> std::process::Output {
    let config = tempfile::NamedTempFile::new().expect("temp config");
    Command::new(env!("CARGO_BIN_EXE_ripcord"))
        .arg("--config")
        .arg(config.path())
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("ripcord runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn check_exits_0_on_every_shipped_runbook() {
    let shipped: Vec<String> =
        std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("runbooks"))
            .expect("runbooks/")
            .filter_map(Result::ok)
            .map(|e| e.path())
            .filter(|p| p.extension().is_some_and(|x| x == "md") && !p.ends_with("README.md"))
            .map(|p| p.display().to_string())
            .collect();
    assert_eq!(shipped.len(), 4);
    let mut args = vec!["runbook", "check"];
    args.extend(shipped.iter().map(String::as_str));
    let out = ripcord(&args);
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{stdout}{}", text(&out.stderr));
    assert_eq!(stdout.matches(": OK (").count(), 4, "{stdout}");
}

#[test]
fn check_exits_1_and_prints_file_line_column() {
    let out = ripcord(&[
        "runbook",
        "check",
        "tests/fixtures/runbooks/unknown_action.md",
        "runbooks/route53-failover-flip.md",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let stdout = text(&out.stdout);
    assert!(
        stdout.starts_with("tests/fixtures/runbooks/unknown_action.md:15:9: unknown action `promote-replica`: did you mean `promote-read-replica`?"),
        "{stdout}"
    );
    assert!(
        stdout.contains("runbooks/route53-failover-flip.md: OK (7 steps, 8 parameters)"),
        "{stdout}"
    );
}

/// A file whose name is not UTF-8 (Latin-1 `café.md`, as an old tool might have saved it) is
/// found and checked by its real name, and the message says what is wrong with the name.
#[test]
fn a_runbook_file_name_that_is_not_utf8_gets_a_clear_message() {
    use std::os::unix::ffi::OsStrExt;
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join(std::ffi::OsStr::from_bytes(b"caf\xe9.md"));
    std::fs::write(
        &path,
        "---\ntitle: Latin-1\nrto: 5m\n---\n## Only step\n\nDo it.\n",
    )
    .expect("write");
    let config = tempfile::NamedTempFile::new().expect("temp config");
    let out = Command::new(env!("CARGO_BIN_EXE_ripcord"))
        .arg("--config")
        .arg(config.path())
        .args(["runbook", "check"])
        .arg(&path)
        .output()
        .expect("ripcord runs");
    let stdout = text(&out.stdout);
    let shown = format!("{}/caf\u{fffd}.md", dir.path().display());
    assert_eq!(
        stdout,
        format!(
            "{shown}:1:1: the file name is not valid UTF-8 (shown here with \u{fffd}): rename it, as ripcord names a runbook by its file name (`:run`, the audit log)\n"
        ),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(out.status.code(), Some(1));
}

/// A run that must not start: exit 1, the problem on stderr, and nothing else happened
/// (no terminal taken over, nothing printed to stdout).
fn refused(args: &[&str]) -> String {
    let out = ripcord(args);
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(out.stdout.is_empty(), "{}", text(&out.stdout));
    text(&out.stderr)
}

#[test]
fn a_broken_runbook_never_starts() {
    let err = refused(&[
        "runbook",
        "run",
        "tests/fixtures/runbooks/front_matter_syntax_error.md",
        "--sim",
    ]);
    assert_eq!(
        err,
        "tests/fixtures/runbooks/front_matter_syntax_error.md:3:6: bad YAML: expected a single value here (text, a number, true or false)\n"
    );
    let err = refused(&[
        "runbook",
        "run",
        "tests/fixtures/runbooks/unknown_action.md",
        "--sim",
    ]);
    assert!(
        err.starts_with("tests/fixtures/runbooks/unknown_action.md:15:9: unknown action"),
        "{err}"
    );
}

#[test]
fn a_missing_or_invalid_parameter_never_starts_a_run() {
    let ok = "tests/fixtures/runbook_ok/needs_a_ticket.md";
    let err = refused(&["runbook", "run", ok, "--sim"]);
    assert_eq!(
        err,
        format!(
            "{ok}:5:3: parameter `ticket` is required and has no default: give it as ticket=VALUE (text without NUL bytes)\n"
        )
    );
    let err = refused(&["runbook", "run", ok, "--sim", "--param", "ticket=42"]);
    assert_eq!(
        err,
        format!(
            "{ok}:5:3: parameter `ticket` (given): `42` does not match the pattern `INC-[0-9]+`: give a valid ticket=VALUE\n"
        )
    );
    let err = refused(&[
        "runbook",
        "run",
        ok,
        "--sim",
        "-p",
        "ticket=INC-1",
        "-p",
        "replica=orders_dr",
    ]);
    assert!(
        err.starts_with(&format!(
            "{ok}:8:3: parameter `replica` (given): `orders_dr` is not an RDS instance identifier"
        )),
        "{err}"
    );
    let err = refused(&[
        "runbook",
        "run",
        ok,
        "--sim",
        "-p",
        "ticket=INC-1",
        "-p",
        "colour=blue",
    ]);
    assert!(
        err.contains("unknown parameter `colour`: it declares ticket, replica"),
        "{err}"
    );
}

#[test]
fn read_only_runs_are_refused_plainly() {
    let ok = "tests/fixtures/runbook_ok/needs_a_ticket.md";
    let out = ripcord(&["--read-only", "runbook", "run", ok, "-p", "ticket=INC-1"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("read-only"),
        "{}",
        text(&out.stderr)
    );
    let out = ripcord(&[
        "--read-only",
        "runbook",
        "run",
        ok,
        "-p",
        "ticket=INC-1",
        "--sim",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("read-only"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn list_shows_the_shipped_runbooks_and_the_configured_directories() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/runbooks/unknown_action.md"),
        dir.path().join("team-broken.md"),
    )
    .expect("copy");
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        format!("runbook_dirs = [{:?}]\n", dir.path().display().to_string()),
    )
    .expect("write");
    let out = Command::new(env!("CARGO_BIN_EXE_ripcord"))
        .arg("--config")
        .arg(&config)
        .args(["runbook", "list"])
        .output()
        .expect("runs");
    assert_eq!(out.status.code(), Some(0));
    let stdout = text(&out.stdout);
    for name in [
        "rds-cross-region-failover",
        "aurora-global-failover",
        "backup-restore-drill",
        "route53-failover-flip",
    ] {
        assert!(stdout.contains(name), "{stdout}");
    }
    assert!(
        stdout.contains("team-broken")
            && stdout.contains("BROKEN: 1 problem: ripcord runbook check"),
        "{stdout}"
    );
}

/// The format's documentation shows every feature in one example: it must stay a valid runbook.
#[test]
fn the_example_in_the_format_documentation_passes_the_checks() {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("runbooks/README.md"))
            .expect("runbooks/README.md");
    let start = readme
        .find("<!-- example:start -->\n````markdown\n")
        .expect("example start");
    let body = &readme[start..];
    let body = &body[body.find("````markdown\n").expect("fence") + "````markdown\n".len()..];
    let example = &body[..body
        .find("\n````\n<!-- example:end -->")
        .expect("example end")
        + 1];
    let book = check::load("example", "runbooks/README.md#example", example).unwrap_or_else(|p| {
        panic!(
            "{}",
            p.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n")
        )
    });
    assert_eq!(book.steps.len(), 8);
    let kinds: Vec<&str> = book.steps.iter().map(|s| s.body.word()).collect();
    assert_eq!(
        kinds,
        [
            "manual", "gate", "manual", "action", "action", "action", "wait", "shell"
        ]
    );
    assert!(book.params.iter().any(|p| p.secret));
    assert!(
        book.params
            .iter()
            .any(|p| p.pattern.is_some() && !p.required)
    );
}
