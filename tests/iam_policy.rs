//! The least-privilege policy in docs/ grants exactly the AWS calls the code makes: every call
//! (found in the source, and listed in `calls::ALL`) is granted, and nothing more is.

use ripcord::source::aws::calls;
use std::collections::BTreeSet;
use std::path::Path;

fn policy_actions() -> BTreeSet<String> {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/iam-readonly-policy.json"),
    )
    .expect("docs/iam-readonly-policy.json exists");
    let policy: serde_json::Value = serde_json::from_str(&text).expect("the policy is JSON");
    assert_eq!(policy["Version"], "2012-10-17");
    let mut actions = BTreeSet::new();
    for statement in policy["Statement"].as_array().expect("statements") {
        assert_eq!(statement["Effect"], "Allow");
        for a in statement["Action"].as_array().expect("an action list") {
            let a = a.as_str().expect("action names are strings");
            assert!(
                !a.contains('*'),
                "no wildcard actions in a least-privilege policy: {a}"
            );
            actions.insert(a.to_string());
        }
    }
    actions
}

/// `describe_db_instances` and `DescribeDBInstances` are the same call.
fn folded(service: &str, op: &str) -> String {
    format!("{service}:{}", op.replace('_', "").to_lowercase())
}

/// SDK calls in the product code of src/source/aws: by the module's convention each client
/// is named after its service (`rds`, `backup`, `cloudwatch`, `route53`), so a call reads
/// `rds.describe_db_instances()` (possibly across lines).
fn calls_in_source() -> BTreeSet<String> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("src/source/aws");
    let mut found = BTreeSet::new();
    for entry in std::fs::read_dir(&dir).expect("src/source/aws") {
        let path = entry.expect("entry").path();
        if path.extension().is_none_or(|e| e != "rs") {
            continue;
        }
        let text = std::fs::read_to_string(&path).expect("readable");
        let product = text.split("#[cfg(test)]").next().unwrap_or("");
        for service in ["rds", "backup", "cloudwatch", "route53"] {
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
    found
}

#[test]
fn the_policy_grants_exactly_the_calls_the_code_makes() {
    let policy = policy_actions();
    let listed: BTreeSet<String> = calls::ALL.iter().map(|c| c.to_string()).collect();
    assert_eq!(
        policy, listed,
        "docs/iam-readonly-policy.json and calls::ALL differ"
    );

    let fold = |set: &BTreeSet<String>| -> BTreeSet<String> {
        set.iter()
            .map(|a| {
                let (service, op) = a.split_once(':').expect("service:Action");
                folded(service, op)
            })
            .collect()
    };
    let in_code = calls_in_source();
    assert!(
        in_code.len() >= 10,
        "the scan finds the SDK calls: {in_code:?}"
    );
    assert_eq!(
        in_code,
        fold(&policy),
        "every SDK call in src/source/aws must be granted by the policy, and nothing else"
    );
}
