//! Where a feed's data comes from: an account (when the config names accounts) and a region.
//! Each place is polled on its own, so a dead account or region is stale alone.

use serde::Serialize;
use std::fmt;

/// An AWS account as the config names it, and the environment it serves.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct AccountLabel {
    pub name: String,
    /// `prod`, `staging`, ...: what the config says, if anything.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub environment: Option<String>,
}

impl AccountLabel {
    pub fn new(name: impl Into<String>, environment: Option<String>) -> Self {
        Self {
            name: name.into(),
            environment,
        }
    }

    /// A production account: changes to it are called out as such, on screen and in
    /// confirmations. `prod` and `production`, in any case.
    pub fn is_production(&self) -> bool {
        self.environment.as_deref().is_some_and(|e| {
            let e = e.trim().to_ascii_lowercase();
            e == "prod" || e == "production"
        })
    }
}

/// One account's region (or, without named accounts, a region of the one account).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Place {
    /// The account's name; `None` when the config names no accounts.
    pub account: Option<String>,
    pub region: String,
}

impl Place {
    pub fn new(account: Option<&str>, region: impl Into<String>) -> Self {
        Self {
            account: account.map(str::to_string),
            region: region.into(),
        }
    }
}

/// A region alone is a place of the one account.
impl From<&str> for Place {
    fn from(region: &str) -> Self {
        Place::new(None, region)
    }
}

impl From<String> for Place {
    fn from(region: String) -> Self {
        Place {
            account: None,
            region,
        }
    }
}

impl From<&String> for Place {
    fn from(region: &String) -> Self {
        Place::from(region.as_str())
    }
}

/// `us-east-1`, or `workload/us-east-1` in a named account: how errors and stale marks name it.
impl fmt::Display for Place {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.account {
            Some(account) => write!(f, "{account}/{}", self.region),
            None => write!(f, "{}", self.region),
        }
    }
}

/// Whether `name` looks like an AWS region (`us-east-1`, `ap-southeast-2`, `us-gov-west-1`),
/// so that a typo is caught before any call is made.
pub fn is_region_name(name: &str) -> bool {
    let parts: Vec<&str> = name.split('-').collect();
    parts.len() >= 3
        && parts[0].len() == 2
        && parts[..parts.len() - 1]
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_lowercase()))
        && parts
            .last()
            .is_some_and(|n| !n.is_empty() && n.chars().all(|c| c.is_ascii_digit()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_place_reads_as_its_region_or_account_and_region() {
        assert_eq!(Place::from("us-east-1").to_string(), "us-east-1");
        assert_eq!(
            Place::new(Some("backup"), "us-west-2").to_string(),
            "backup/us-west-2"
        );
    }

    #[test]
    fn production_is_named_not_guessed() {
        let env = |e: &str| AccountLabel::new("a", Some(e.to_string()));
        assert!(env("prod").is_production());
        assert!(env(" Production").is_production());
        assert!(!env("preprod").is_production());
        assert!(!AccountLabel::new("a", None).is_production());
    }
}
