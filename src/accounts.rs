//! The AWS accounts in view: the config's `[[account]]` tables, checked, and the choice of
//! some of them (`--accounts a,b`). With no table there is one account, the one the default
//! credential chain (or `--profile`) gives, exactly as before accounts could be named.

use crate::fleet::AccountLabel;
use crate::tomlfile::{self, FileError};
use serde::Deserialize;
use std::path::Path;

/// One `[[account]]` table: how to reach an account, and which of its regions to poll.
/// `Debug` hides the external id (below).
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Account {
    /// What the cockpit calls it: on its rows, in the header, in `--accounts`, in runbooks.
    pub name: String,
    /// The AWS profile whose credentials reach the account (or, with `role_arn`, the
    /// credentials that assume the role). Neither: the top-level profile or the default chain.
    #[serde(default)]
    pub profile: Option<String>,
    /// A role in the account to assume (sts:AssumeRole) from the profile's credentials.
    #[serde(default)]
    pub role_arn: Option<String>,
    /// The external id the role's trust policy asks for, if it asks for one.
    #[serde(default)]
    pub external_id: Option<String>,
    /// The role session's name, as CloudTrail records it (default `ripcord`).
    #[serde(default)]
    pub session_name: Option<String>,
    /// Regions to poll in this account; empty: the config's top-level `regions`.
    #[serde(default)]
    pub regions: Vec<String>,
    /// A label such as `prod` or `staging`; `prod` or `production` is shown as production.
    #[serde(default)]
    pub environment: Option<String>,
}

/// Every field but the external id, which a role's trust policy uses as a secret shared by
/// the two accounts: a log line or a panic message may print an account, never that.
impl std::fmt::Debug for Account {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Account")
            .field("name", &self.name)
            .field("profile", &self.profile)
            .field("role_arn", &self.role_arn)
            .field(
                "external_id",
                &self
                    .external_id
                    .as_ref()
                    .map(|_| crate::runbook::words::REDACTED),
            )
            .field("session_name", &self.session_name)
            .field("regions", &self.regions)
            .field("environment", &self.environment)
            .finish()
    }
}

impl Account {
    /// The account as the cockpit shows it: its name and environment.
    pub fn label(&self) -> AccountLabel {
        AccountLabel::new(self.name.clone(), self.environment.clone())
    }
}

/// Names go into feed names (`prod/us-east-1`), runbook parameters and the command line:
/// letters, digits, `-` and `_` keep them unambiguous there.
fn is_account_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
}

/// `arn:PARTITION:iam::ACCOUNT_ID:role/PATH/NAME`: the shape is checked before any call.
fn is_role_arn(arn: &str) -> bool {
    let parts: Vec<&str> = arn.splitn(6, ':').collect();
    parts.len() == 6
        && parts[0] == "arn"
        && parts[1].starts_with("aws")
        && parts[2] == "iam"
        && parts[3].is_empty()
        && parts[4].len() == 12
        && parts[4].chars().all(|c| c.is_ascii_digit())
        && parts[5].starts_with("role/")
        && parts[5].len() > "role/".len()
}

/// Checks what serde cannot: names unique and well formed, a role's extras only with a role,
/// region names. Errors name the file, line and key.
pub fn validate(accounts: &[Account], path: &Path, text: &str) -> Result<(), FileError> {
    for (i, a) in accounts.iter().enumerate() {
        let fail = |leaf: &str, message: String| {
            let key = format!("account[{i}].{leaf}");
            FileError {
                path: path.to_path_buf(),
                position: tomlfile::locate_key(text, &key),
                key: Some(key),
                message,
            }
        };
        if !is_account_name(&a.name) {
            return Err(fail(
                "name",
                format!(
                    "`{}` is not a usable account name: use letters, digits, - and _ (at most 64)",
                    a.name
                ),
            ));
        }
        if accounts[..i].iter().any(|other| other.name == a.name) {
            return Err(fail(
                "name",
                format!("account `{}` is defined twice", a.name),
            ));
        }
        match &a.role_arn {
            Some(arn) if !is_role_arn(arn) => {
                return Err(fail(
                    "role_arn",
                    format!(
                        "`{arn}` is not an IAM role ARN (expected arn:aws:iam::123456789012:role/NAME)"
                    ),
                ));
            }
            Some(_) => {}
            None => {
                for (leaf, set) in [
                    ("external_id", a.external_id.is_some()),
                    ("session_name", a.session_name.is_some()),
                ] {
                    if set {
                        return Err(fail(
                            leaf,
                            format!("`{leaf}` is for assuming a role: set `role_arn` too"),
                        ));
                    }
                }
            }
        }
        if let Some(bad) = a.regions.iter().find(|r| !crate::fleet::is_region_name(r)) {
            return Err(fail(
                "regions",
                format!("`{bad}` is not an AWS region name (e.g. us-east-1)"),
            ));
        }
    }
    Ok(())
}

/// The accounts `--accounts` chose (all of them when it names none), in config order. A name
/// the config does not define is refused with the names it does.
pub fn choose<'a>(accounts: &'a [Account], asked: &[String]) -> Result<Vec<&'a Account>, String> {
    if asked.is_empty() {
        return Ok(accounts.iter().collect());
    }
    if accounts.is_empty() {
        return Err(format!(
            "--accounts {}: the config file defines no [[account]] tables (see `ripcord config example`)",
            asked.join(",")
        ));
    }
    if let Some(unknown) = asked
        .iter()
        .find(|name| !accounts.iter().any(|a| &a.name == *name))
    {
        let known: Vec<&str> = accounts.iter().map(|a| a.name.as_str()).collect();
        return Err(format!(
            "--accounts: no account `{unknown}` in the config file; its accounts: {}",
            known.join(", ")
        ));
    }
    Ok(accounts
        .iter()
        .filter(|a| asked.contains(&a.name))
        .collect())
}

#[cfg(test)]
mod tests {
    /// The external id a role's trust policy asks for is a shared secret between two
    /// accounts: a stray `{:?}` (a log line, a panic message) must not print it.
    #[test]
    fn an_accounts_debug_print_hides_its_external_id() {
        let canary = "ext-canary-7f1e2d";
        let account = Account {
            name: "dr".into(),
            profile: None,
            role_arn: Some("arn:aws:iam::123456789012:role/ripcord".into()),
            external_id: Some(canary.into()),
            session_name: None,
            regions: Vec::new(),
            environment: None,
        };
        let printed = format!("{account:?} {:?}", vec![account.clone()]);
        assert!(!printed.contains(canary), "{printed}");
        assert!(printed.contains("external_id"), "{printed}");
    }

    use super::*;

    fn account(name: &str) -> Account {
        Account {
            name: name.into(),
            profile: None,
            role_arn: None,
            external_id: None,
            session_name: None,
            regions: Vec::new(),
            environment: None,
        }
    }

    #[test]
    fn role_arns_are_checked_for_shape() {
        assert!(is_role_arn("arn:aws:iam::123456789012:role/ripcord-read"));
        assert!(is_role_arn("arn:aws-us-gov:iam::123456789012:role/path/x"));
        for bad in [
            "ripcord-read",
            "arn:aws:iam::12345:role/x",
            "arn:aws:iam::123456789012:user/x",
            "arn:aws:iam::123456789012:role/",
            "arn:aws:sts::123456789012:role/x",
        ] {
            assert!(!is_role_arn(bad), "{bad}");
        }
    }

    #[test]
    fn choosing_keeps_config_order_and_refuses_unknown_names() {
        let all = vec![account("workload"), account("backup"), account("dr")];
        let names = |chosen: Vec<&Account>| -> Vec<String> {
            chosen.iter().map(|a| a.name.clone()).collect()
        };
        assert_eq!(
            names(choose(&all, &[]).expect("all")),
            ["workload", "backup", "dr"]
        );
        assert_eq!(
            names(choose(&all, &["dr".into(), "workload".into()]).expect("two")),
            ["workload", "dr"]
        );
        let err = choose(&all, &["prd".into()]).expect_err("unknown");
        assert_eq!(
            err,
            "--accounts: no account `prd` in the config file; its accounts: workload, backup, dr"
        );
        let err = choose(&[], &["prod".into()]).expect_err("none defined");
        assert!(err.contains("no [[account]] tables"), "{err}");
    }
}
