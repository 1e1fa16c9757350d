//! The two least-privilege policies in docs/ grant exactly the AWS calls the code makes, each
//! the calls of its own part: `iam-readonly-policy.json` what the cockpit and `status` read
//! (every SDK call in src/source/aws outside `actions`, listed in `calls::READ_ONLY`), and
//! `iam-runbook-policy.json` what runbook actions call (every SDK call under
//! src/source/aws/actions, listed in `calls::RUNBOOK`). Nothing is missing, nothing is extra.
//! The one call no policy grants is sts:GetCallerIdentity (`calls::NEEDS_NO_PERMISSION`): AWS
//! answers it whatever the policies say, so granting it would only be noise.

use ripcord::source::aws::calls;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

fn policy(file: &str) -> serde_json::Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("docs")
        .join(file);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{} cannot be read: {e}", path.display()));
    let policy: serde_json::Value = serde_json::from_str(&text).expect("the policy is JSON");
    assert_eq!(policy["Version"], "2012-10-17");
    policy
}

fn actions_of(policy: &serde_json::Value) -> BTreeSet<String> {
    let mut actions = BTreeSet::new();
    for statement in policy["Statement"].as_array().expect("statements") {
        assert_eq!(statement["Effect"], "Allow");
        for a in statement["Action"].as_array().expect("an action list") {
            let a = a.as_str().expect("action names are strings");
            assert!(
                !a.contains('*'),
                "no wildcard actions in a least-privilege policy: {a}"
            );
            assert!(actions.insert(a.to_string()), "{a} is granted twice");
        }
    }
    actions
}

/// `describe_db_instances` and `DescribeDBInstances` are the same call.
fn folded(service: &str, op: &str) -> String {
    format!("{service}:{}", op.replace('_', "").to_lowercase())
}

fn fold(set: &BTreeSet<String>) -> BTreeSet<String> {
    set.iter()
        .map(|a| {
            let (service, op) = a.split_once(':').expect("service:Action");
            folded(service, op)
        })
        .collect()
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("a readable directory") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// SDK calls in the product code of src/source/aws, split into the runbook actions' (the
/// `actions` module and its directory) and the rest. By the module's convention each client
/// is named after its service (`rds`, `backup`, `cloudwatch`, `route53`, `sts`), so a call reads
/// `rds.describe_db_instances()` (possibly across lines).
fn calls_in_source() -> (BTreeSet<String>, BTreeSet<String>) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/source/aws");
    let mut files = Vec::new();
    rust_files(&root, &mut files);
    let (mut feeds, mut actions) = (BTreeSet::new(), BTreeSet::new());
    for path in files {
        let relative = path.strip_prefix(&root).expect("under the root");
        let is_action = relative.starts_with("actions") || relative == Path::new("actions.rs");
        let text = std::fs::read_to_string(&path).expect("readable");
        let product = text.split("#[cfg(test)]").next().unwrap_or("");
        let found = if is_action { &mut actions } else { &mut feeds };
        for service in ["rds", "backup", "cloudwatch", "route53", "sts"] {
            for (at, _) in product.match_indices(service) {
                let before = product[..at].chars().next_back();
                if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
                    continue;
                }
                let rest = product[at + service.len()..].trim_start();
                let Some(rest) = rest.strip_prefix('.') else {
                    continue;
                };
                let op: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_')
                    .collect();
                if !op.is_empty() && rest[op.len()..].starts_with("()") {
                    found.insert(folded(service, &op));
                }
            }
        }
    }
    (feeds, actions)
}

fn listed(names: &[&str]) -> BTreeSet<String> {
    names.iter().map(|c| c.to_string()).collect()
}

#[test]
fn the_read_only_policy_grants_exactly_the_calls_of_the_cockpit() {
    let granted = actions_of(&policy("iam-readonly-policy.json"));
    assert_eq!(
        granted,
        listed(calls::READ_ONLY),
        "docs/iam-readonly-policy.json and calls::READ_ONLY differ"
    );
    for a in &granted {
        let op = a.split_once(':').map_or("", |(_, op)| op);
        assert!(
            ["Describe", "List", "Get"]
                .iter()
                .any(|p| op.starts_with(p)),
            "the read-only policy grants a change: {a}"
        );
    }
    let (feeds, _) = calls_in_source();
    assert!(feeds.len() >= 10, "the scan finds the SDK calls: {feeds:?}");
    assert_eq!(
        feeds,
        fold(&granted),
        "every SDK call in src/source/aws outside actions must be granted by the read-only policy, and nothing else"
    );
}

#[test]
fn the_runbook_policy_grants_exactly_the_calls_of_the_actions() {
    let document = policy("iam-runbook-policy.json");
    let granted = actions_of(&document);
    let mut expected = listed(calls::RUNBOOK);
    expected.extend(listed(calls::RUNBOOK_PERMISSIONS));
    assert_eq!(
        granted, expected,
        "docs/iam-runbook-policy.json and calls::RUNBOOK (+ RUNBOOK_PERMISSIONS) differ"
    );
    let (_, actions) = calls_in_source();
    assert!(
        actions.len() >= 15,
        "the scan finds the actions' SDK calls: {actions:?}"
    );
    let mut called = listed(calls::RUNBOOK);
    called.extend(listed(calls::NEEDS_NO_PERMISSION));
    assert_eq!(
        actions,
        fold(&called),
        "every SDK call under src/source/aws/actions must be granted by the runbook policy (or need no permission), and nothing else"
    );
    assert!(
        actions.contains(&folded("sts", "GetCallerIdentity")),
        "the actions ask whose credentials they use: {actions:?}"
    );
    // The restore role may be handed to AWS Backup, and to nothing else.
    let pass_role = document["Statement"]
        .as_array()
        .expect("statements")
        .iter()
        .find(|s| {
            s["Action"]
                .as_array()
                .is_some_and(|a| a.iter().any(|a| a == "iam:PassRole"))
        })
        .expect("a PassRole statement");
    assert_eq!(
        pass_role["Condition"]["StringEquals"]["iam:PassedToService"],
        "backup.amazonaws.com"
    );
    assert_eq!(pass_role["Action"].as_array().map(Vec::len), Some(1));
}

#[test]
fn calls_that_need_no_permission_are_in_neither_policy() {
    assert_eq!(
        calls::NEEDS_NO_PERMISSION,
        &[calls::STS_GET_CALLER_IDENTITY]
    );
    for file in ["iam-readonly-policy.json", "iam-runbook-policy.json"] {
        let granted = actions_of(&policy(file));
        for call in calls::NEEDS_NO_PERMISSION {
            assert!(!granted.contains(*call), "{file} grants {call}");
        }
    }
    for call in calls::NEEDS_NO_PERMISSION {
        assert!(!calls::READ_ONLY.contains(call) && !calls::RUNBOOK.contains(call));
    }
}

#[test]
fn changes_are_granted_only_to_runbook_operators() {
    let read_only = listed(calls::READ_ONLY);
    for change in [
        calls::RDS_PROMOTE_READ_REPLICA,
        calls::RDS_SWITCHOVER_GLOBAL_CLUSTER,
        calls::RDS_FAILOVER_GLOBAL_CLUSTER,
        calls::RDS_FAILOVER_DB_CLUSTER,
        calls::RDS_DELETE_DB_INSTANCE,
        calls::ROUTE53_CHANGE_RESOURCE_RECORD_SETS,
        calls::BACKUP_START_RESTORE_JOB,
    ] {
        assert!(
            !read_only.contains(change),
            "{change} in the read-only policy"
        );
        assert!(
            calls::RUNBOOK.contains(&change),
            "{change} missing from RUNBOOK"
        );
    }
}

/// The runbook policy read off the trait: the AWS calls (`port::AWS_CALLS`) of the `Actions`
/// methods every action and condition declares it uses (`SPEC.uses`, held against what each
/// really calls by `tests/app` `port_calls`) are exactly what the policy grants.
#[test]
fn the_runbook_policy_is_what_the_actions_and_conditions_declare_they_use() {
    use ripcord::runbook::act::port::aws_calls;
    use ripcord::runbook::lang::vocab::{ActionKind, ProbeKind};
    let uses = ActionKind::ALL
        .iter()
        .flat_map(|k| k.spec().uses)
        .chain(ProbeKind::ALL.iter().flat_map(|k| k.spec().uses));
    let declared: BTreeSet<String> = uses
        .flat_map(|method| aws_calls(method))
        .map(|call| call.to_string())
        .collect();
    assert_eq!(
        actions_of(&policy("iam-runbook-policy.json")),
        declared,
        "docs/iam-runbook-policy.json and what the actions and conditions declare they use differ"
    );
}
