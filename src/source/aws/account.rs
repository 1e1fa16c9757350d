//! One named account (`[[account]]`): its own AWS configuration, from its profile or from a
//! role assumed with aws-config's `AssumeRoleProvider`, and its fleet, whose credential
//! failures say what to do about that account.
//!
//! Nothing here checks the credentials before the cockpit starts: one account whose SSO
//! session expired or whose role cannot be assumed must not keep the others from being
//! watched. Its failure shows on its own rows, with the advice below.

use super::sdk::{self, CallLimits};
use super::{AwsFleet, SetupError};
use crate::accounts::Account;
use crate::fleet::{
    BackupHealth, CheckerObservation, HealthCheck, HistoryOf, LagHistory, Replica, Snapshot,
};
use crate::source::{AccountFleet, FetchResult, FleetSource, SourceError, SourceErrorKind};
use async_trait::async_trait;
use aws_config::SdkConfig;
use aws_config::sts::AssumeRoleProvider;
use aws_sdk_rds::config::SharedCredentialsProvider;
use std::sync::Arc;

/// The session name CloudTrail shows for ripcord's reads when the config gives none.
pub const DEFAULT_SESSION_NAME: &str = "ripcord";

/// How one account's credentials come about, for the advice its failures carry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reach {
    pub account: String,
    /// The profile whose credentials are used (or assume the role); `None`: the default chain.
    pub profile: Option<String>,
    pub role_arn: Option<String>,
}

impl Reach {
    pub fn of(account: &Account, fallback_profile: Option<&str>) -> Self {
        Self {
            account: account.name.clone(),
            profile: account
                .profile
                .clone()
                .or_else(|| fallback_profile.map(str::to_string)),
            role_arn: account.role_arn.clone(),
        }
    }

    fn profile_words(&self) -> String {
        self.profile.as_ref().map_or_else(
            || "the default credentials".to_string(),
            |p| format!("the credentials of profile {p}"),
        )
    }

    /// What to do when this account's reads fail this way; `None` when the failure is not
    /// about credentials (a timeout, a throttle) and the error says enough.
    pub fn advice(&self, kind: &SourceErrorKind) -> Option<String> {
        let login = match &self.profile {
            Some(p) => format!("run `aws sso login --profile {p}`"),
            None => "renew the default credentials (`aws sso login`, or new keys)".to_string(),
        };
        match (kind, &self.role_arn) {
            (SourceErrorKind::CredentialsExpired, _) => {
                Some(format!("account {}: {login}", self.account))
            }
            (SourceErrorKind::AccessDenied, Some(role)) => Some(format!(
                "account {}: {} cannot assume {role}, or the role lacks a read permission: \
                 check the role's trust policy (and external id) and its policy (docs/iam.md)",
                self.account,
                self.profile_words()
            )),
            (SourceErrorKind::AccessDenied, None) => Some(format!(
                "account {}: {} lack a read permission or cannot be loaded: {login}, or grant \
                 the read policy (docs/iam.md)",
                self.account,
                self.profile_words()
            )),
            _ => None,
        }
    }

    /// `e`, led by what to do about this account, when there is something to do.
    fn advise(&self, mut e: SourceError) -> SourceError {
        if let Some(advice) = self.advice(&e.kind) {
            // The process-wide hint names no account: this account's advice replaces it.
            let generic = sdk::login_hint();
            let detail = e
                .message
                .strip_prefix(&generic)
                .map_or(e.message.as_str(), str::trim_start);
            e.message = format!("{advice} ({detail})");
        }
        e.also = e.also.into_iter().map(|a| self.advise(a)).collect();
        e
    }

    fn advise_result<T>(&self, result: FetchResult<T>) -> FetchResult<T> {
        match result {
            Ok(snapshot) => {
                let missing = snapshot
                    .missing
                    .iter()
                    .cloned()
                    .map(|e| self.advise(e))
                    .collect();
                Ok(Snapshot {
                    missing,
                    ..snapshot
                })
            }
            Err(e) => Err(self.advise(e)),
        }
    }
}

/// The AWS configuration of `account`: its profile (else `fallback_profile`, else the default
/// chain), and, with `role_arn`, credentials from assuming that role; and the regions to poll
/// there (the account's, else `top_regions`, else the configuration's own region).
pub async fn setup(
    account: &Account,
    fallback_profile: Option<&str>,
    top_regions: &[String],
    limits: CallLimits,
) -> Result<(SdkConfig, Vec<String>), SetupError> {
    let reach = Reach::of(account, fallback_profile);
    let base = sdk::load_quietly(reach.profile.as_deref(), limits).await;
    let asked = if account.regions.is_empty() {
        top_regions
    } else {
        &account.regions
    };
    let regions = sdk::resolve_regions(asked, &base)
        .map_err(|e| SetupError::Regions(format!("account {}: {e}", account.name)))?;
    let Some(role) = &account.role_arn else {
        return Ok((base, regions));
    };
    let mut assume = AssumeRoleProvider::builder(role.clone())
        .session_name(
            account
                .session_name
                .clone()
                .unwrap_or_else(|| DEFAULT_SESSION_NAME.to_string()),
        )
        .configure(&base);
    if let Some(id) = &account.external_id {
        assume = assume.external_id(id.clone());
    }
    let provider = assume.build().await;
    let assumed = base
        .to_builder()
        .credentials_provider(SharedCredentialsProvider::new(provider))
        .build();
    Ok((assumed, regions))
}

/// The fleets of `accounts`, each from its own configuration (see `setup`). Nothing is asked
/// of AWS here beyond a region lookup where none is given.
pub async fn fleets(
    accounts: &[&Account],
    fallback_profile: Option<&str>,
    top_regions: &[String],
    limits: CallLimits,
) -> Result<Vec<AccountFleet>, SetupError> {
    Ok(configured(accounts, fallback_profile, top_regions, limits)
        .await?
        .into_iter()
        .map(|c| c.fleet)
        .collect())
}

/// One named account set up: its fleet, and the configuration it is read with, from which
/// its runbook actions are made too (the same credentials: profile or assumed role).
pub struct Configured {
    pub name: String,
    pub fleet: AccountFleet,
    pub sdk: SdkConfig,
}

/// `fleets`, each with its account's configuration.
pub async fn configured(
    accounts: &[&Account],
    fallback_profile: Option<&str>,
    top_regions: &[String],
    limits: CallLimits,
) -> Result<Vec<Configured>, SetupError> {
    let mut all = Vec::new();
    for account in accounts {
        let (aws, regions) = setup(account, fallback_profile, top_regions, limits).await?;
        let fleet = AccountAwsFleet::new(
            AwsFleet::from_sdk_config(&aws, &regions, limits),
            Reach::of(account, fallback_profile),
        );
        all.push(Configured {
            name: account.name.clone(),
            fleet: AccountFleet::named(account.label(), Arc::new(fleet)),
            sdk: aws,
        });
    }
    Ok(all)
}

/// One named account's fleet: reads as `AwsFleet` does, and a failure of its credentials says
/// what to do about this account (which profile to log in with, which role's trust to check).
pub struct AccountAwsFleet {
    fleet: AwsFleet,
    reach: Reach,
}

impl AccountAwsFleet {
    pub fn new(fleet: AwsFleet, reach: Reach) -> Self {
        Self { fleet, reach }
    }
}

#[async_trait]
impl FleetSource for AccountAwsFleet {
    fn name(&self) -> &str {
        self.fleet.name()
    }

    fn regions(&self) -> Vec<String> {
        self.fleet.regions()
    }

    async fn replicas(&self, region: &str) -> FetchResult<Vec<Replica>> {
        self.reach.advise_result(self.fleet.replicas(region).await)
    }

    async fn backups(&self, region: &str) -> FetchResult<BackupHealth> {
        self.reach.advise_result(self.fleet.backups(region).await)
    }

    async fn health_checks(&self) -> FetchResult<Vec<HealthCheck>> {
        self.reach.advise_result(self.fleet.health_checks().await)
    }

    async fn checker_detail(&self, check_id: &str) -> FetchResult<Vec<CheckerObservation>> {
        self.reach
            .advise_result(self.fleet.checker_detail(check_id).await)
    }

    async fn lag_history(&self, of: &HistoryOf) -> FetchResult<LagHistory> {
        self.reach.advise_result(self.fleet.lag_history(of).await)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reach(profile: Option<&str>, role: Option<&str>) -> Reach {
        Reach {
            account: "backup".into(),
            profile: profile.map(str::to_string),
            role_arn: role.map(str::to_string),
        }
    }

    #[test]
    fn an_expired_session_names_the_accounts_own_profile() {
        let e = SourceError::new(
            SourceErrorKind::CredentialsExpired,
            "rds:DescribeDBInstances",
            format!("{} (the SSO token has expired)", sdk::login_hint()),
        );
        let advised = reach(Some("backup-sso"), None).advise(e);
        assert_eq!(
            advised.message,
            "account backup: run `aws sso login --profile backup-sso` ((the SSO token has expired))"
        );
    }

    #[test]
    fn a_denied_role_says_which_role_and_where_to_look() {
        let e = SourceError::new(
            SourceErrorKind::AccessDenied,
            "rds:DescribeDBInstances",
            "failed to load credentials: AccessDenied",
        );
        let role = "arn:aws:iam::210987654321:role/ripcord-read";
        let advised = reach(None, Some(role)).advise(e);
        assert!(
            advised.message.starts_with(&format!(
                "account backup: the default credentials cannot assume {role}"
            )),
            "{}",
            advised.message
        );
        assert!(
            advised.message.contains("docs/iam.md"),
            "{}",
            advised.message
        );
        assert!(
            advised
                .message
                .ends_with("(failed to load credentials: AccessDenied)")
        );
    }

    #[test]
    fn a_timeout_is_left_as_it_is() {
        let e = SourceError::new(SourceErrorKind::Timeout, "rds:DescribeDBInstances", "slow");
        assert_eq!(reach(Some("p"), None).advise(e.clone()), e);
    }
}
