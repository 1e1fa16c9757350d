//! One `SdkConfig` for the whole program, built the way AWS users expect: the standard
//! credential chain (environment, `AWS_PROFILE`, SSO and other profiles, containers, instance
//! roles), `AWS_REGION`, `AWS_ENDPOINT_URL` and the service-specific `AWS_ENDPOINT_URL_<SERVICE>`
//! variables; plus ripcord's own `--profile` / `--regions` and the config file's keys.

use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, SdkConfig};
use aws_smithy_http_client::tls::{self, rustls_provider::CryptoMode};
use std::time::Duration;

pub mod expiry;
pub mod whole_xml;

/// How long one AWS call may take, and how often it is tried. Every client gets these
/// explicitly: with the SDK defaults a server that accepts and never answers is still being
/// waited on after 45 s.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CallLimits {
    pub connect: Duration,
    pub read: Duration,
    /// One attempt, from sending to the last byte of the answer.
    pub attempt: Duration,
    /// The whole operation, all attempts and back-off included.
    pub operation: Duration,
    pub max_attempts: u32,
}

impl CallLimits {
    /// Reads: retried with back-off (throttling and transient errors usually pass), and short
    /// enough that a dead region is reported within one refresh.
    pub const READS: CallLimits = CallLimits {
        connect: Duration::from_secs(3),
        read: Duration::from_secs(10),
        attempt: Duration::from_secs(10),
        operation: Duration::from_secs(20),
        max_attempts: 3,
    };

    /// Changes (promote, fail over, change DNS, start a restore, delete): one attempt, never
    /// retried by the SDK. A repeated change may act twice, or fail confusingly after the
    /// first one worked; after a failure or timeout the runbook engine reads the real state
    /// instead. Each of these calls only starts work that AWS then carries out on its own, so
    /// 30 s is ample for the answer.
    pub const CHANGES: CallLimits = CallLimits {
        connect: Duration::from_secs(3),
        read: Duration::from_secs(20),
        attempt: Duration::from_secs(30),
        operation: Duration::from_secs(30),
        max_attempts: 1,
    };

    pub fn timeout_config(&self) -> TimeoutConfig {
        TimeoutConfig::builder()
            .connect_timeout(self.connect)
            .read_timeout(self.read)
            .operation_attempt_timeout(self.attempt)
            .operation_timeout(self.operation)
            .build()
    }

    pub fn retry_config(&self) -> RetryConfig {
        if self.max_attempts <= 1 {
            RetryConfig::disabled()
        } else {
            RetryConfig::standard().with_max_attempts(self.max_attempts)
        }
    }
}

/// The profile this process's credentials come from, named in the hint an expired session
/// gives. Set once, by `load`: one process speaks for one profile.
static PROFILE: std::sync::OnceLock<String> = std::sync::OnceLock::new();

/// What to do about expired credentials: `run \`aws sso login --profile NAME\``. NAME is the
/// profile `load` was given, else `AWS_PROFILE`, else `default` (as the SDK picks it).
pub fn login_hint() -> String {
    format!(
        "run `aws sso login --profile {}`",
        PROFILE.get().map_or("NAME", String::as_str)
    )
}

/// Loads the shared AWS configuration. `profile` overrides `AWS_PROFILE`. Nothing here talks
/// to AWS except, where the environment names no region, the region lookup of the chain.
pub async fn load(profile: Option<&str>, limits: CallLimits) -> SdkConfig {
    PROFILE.get_or_init(|| {
        profile
            .map(str::to_string)
            .or_else(|| std::env::var("AWS_PROFILE").ok().filter(|p| !p.is_empty()))
            .unwrap_or_else(|| "default".to_string())
    });
    load_quietly(profile, limits).await
}

/// As `load`, without making `profile` the one the process's hints name: each named account
/// (`source::aws::account`) gives its own hint.
pub async fn load_quietly(profile: Option<&str>, limits: CallLimits) -> SdkConfig {
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .http_client(https_client())
        .timeout_config(limits.timeout_config())
        .retry_config(limits.retry_config());
    if let Some(profile) = profile {
        loader = loader.profile_name(profile);
    }
    expiry::watch(loader.load().await)
}

/// The HTTP client every AWS client shares (it also speaks plain HTTP, for local emulators).
/// rustls with ring: the SDK's default TLS stack needs a C toolchain to build aws-lc.
pub fn https_client() -> aws_sdk_rds::config::SharedHttpClient {
    aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(CryptoMode::Ring))
        .build_https()
}

// What a region name looks like is the domain's (`fleet::place`): the config's accounts check
// it too, without reaching into the AWS source.
pub use crate::fleet::is_region_name;

/// Flags win over the config file; what neither names is left to the AWS environment.
pub fn pick_profile(flag: Option<&str>, config: Option<&str>) -> Option<String> {
    flag.or(config).map(str::to_string)
}

/// Flags win over the config file; empty means the AWS environment's region.
pub fn pick_regions(flag: &[String], config: &[String]) -> Vec<String> {
    if flag.is_empty() {
        config.to_vec()
    } else {
        flag.to_vec()
    }
}

/// The regions to poll: those asked for (flags, else config), else the SDK's own region.
pub fn resolve_regions(asked: &[String], sdk: &SdkConfig) -> Result<Vec<String>, String> {
    if let Some(bad) = asked.iter().find(|r| !is_region_name(r)) {
        return Err(format!(
            "`{bad}` is not an AWS region name (expected something like us-east-1)"
        ));
    }
    let mut regions: Vec<String> = Vec::new();
    for r in asked {
        if !regions.contains(r) {
            regions.push(r.clone());
        }
    }
    if regions.is_empty() {
        match sdk.region() {
            Some(r) => regions.push(r.to_string()),
            None => {
                return Err(
                    "no AWS region to poll: pass --regions us-east-1,us-west-2, set \
                            `regions` in the config file, or set AWS_REGION (or a region in \
                            your AWS profile)"
                        .to_string(),
                );
            }
        }
    }
    Ok(regions)
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_config::Region;

    #[test]
    fn region_names_are_checked_for_shape() {
        for good in ["us-east-1", "eu-west-2", "ap-southeast-2", "us-gov-west-1"] {
            assert!(is_region_name(good), "{good}");
        }
        for bad in [
            "",
            "us-east",
            "useast1",
            "US-EAST-1",
            "us-east-1a",
            "us--1",
            "u-east-1",
        ] {
            assert!(!is_region_name(bad), "{bad}");
        }
    }

    #[test]
    fn asked_regions_win_over_the_sdk_region_and_duplicates_collapse() {
        let sdk = SdkConfig::builder()
            .region(Region::new("eu-west-1"))
            .build();
        let asked = vec!["us-east-1".to_string(), "us-east-1".to_string()];
        assert_eq!(
            resolve_regions(&asked, &sdk).expect("valid"),
            vec!["us-east-1"]
        );
        assert_eq!(
            resolve_regions(&[], &sdk).expect("valid"),
            vec!["eu-west-1"]
        );
    }

    #[test]
    fn flags_win_over_the_config_file() {
        let (flag, config) = (vec!["eu-west-1".to_string()], vec!["us-east-1".to_string()]);
        assert_eq!(pick_regions(&flag, &config), flag);
        assert_eq!(pick_regions(&[], &config), config);
        assert!(pick_regions(&[], &[]).is_empty());
        assert_eq!(pick_profile(Some("a"), Some("b")).as_deref(), Some("a"));
        assert_eq!(pick_profile(None, Some("b")).as_deref(), Some("b"));
        assert_eq!(pick_profile(None, None), None);
    }

    #[test]
    fn no_region_anywhere_says_how_to_give_one() {
        let err = resolve_regions(&[], &SdkConfig::builder().build()).expect_err("no region");
        assert!(
            err.contains("--regions") && err.contains("AWS_REGION"),
            "{err}"
        );
        let typo = resolve_regions(&["us-est-1x".to_string()], &SdkConfig::builder().build())
            .expect_err("typo");
        assert!(typo.contains("us-est-1x"), "{typo}");
    }

    #[test]
    fn limits_become_explicit_timeouts_and_retries() {
        let t = CallLimits::READS.timeout_config();
        assert_eq!(t.connect_timeout(), Some(Duration::from_secs(3)));
        assert_eq!(t.read_timeout(), Some(Duration::from_secs(10)));
        assert_eq!(t.operation_attempt_timeout(), Some(Duration::from_secs(10)));
        assert_eq!(t.operation_timeout(), Some(Duration::from_secs(20)));
        assert_eq!(CallLimits::READS.retry_config().max_attempts(), 3);
        assert_eq!(CallLimits::CHANGES.retry_config().max_attempts(), 1);
        assert_eq!(
            CallLimits::CHANGES.timeout_config().operation_timeout(),
            Some(Duration::from_secs(30))
        );
    }
}
