//! The live fleet: RDS replicas and their lag, AWS Backup health, Route 53 health checks, read
//! from a real AWS account. The only place that knows the AWS SDK: everything leaves this
//! module as the domain model of `fleet`.
//!
//! One client per (service, region), each with explicit timeouts and retries (`sdk.rs`). Each
//! region is fetched on its own, so a region that does not answer delays only its own data.

pub mod account;
pub mod actions;
pub mod backup;
pub mod calls;
pub mod cloudwatch;
pub mod error;
pub mod instances;
pub mod lag;
pub mod lag_history;
pub mod parts;
pub mod rds;
pub mod readiness;
pub mod route53;
pub mod sdk;
pub mod time;

use crate::fleet::{
    BackupHealth, CheckerObservation, HealthCheck, HistoryOf, LagHistory, Replica, Snapshot,
};
use crate::source::{FetchResult, FleetSource, SourceError, SourceErrorKind};
use async_trait::async_trait;
use aws_config::{Region, SdkConfig};
use instances::{RESTORE_WINDOWS_MAX_AGE, Take};
use jiff::Timestamp;
use sdk::CallLimits;
use std::collections::BTreeMap;

/// Route 53 is a global service, signed as us-east-1, and publishes its health-check metrics
/// there only.
pub const ROUTE53_REGION: &str = "us-east-1";

/// The clients of one region.
#[derive(Clone, Debug)]
pub struct RegionClients {
    pub rds: aws_sdk_rds::Client,
    pub backup: aws_sdk_backup::Client,
    pub cloudwatch: aws_sdk_cloudwatch::Client,
}

impl RegionClients {
    pub fn new(sdk: &SdkConfig, region: &str, limits: CallLimits) -> Self {
        let region = Region::new(region.to_string());
        // Limits are set on each client as well as on `sdk`: a client must never fall back to
        // the SDK's defaults, whatever config it was built from.
        Self {
            rds: aws_sdk_rds::Client::from_conf(
                aws_sdk_rds::config::Builder::from(sdk)
                    .region(region.clone())
                    .timeout_config(limits.timeout_config())
                    .retry_config(limits.retry_config())
                    .interceptor(sdk::whole_xml::WholeXml)
                    .build(),
            ),
            backup: aws_sdk_backup::Client::from_conf(
                aws_sdk_backup::config::Builder::from(sdk)
                    .region(region.clone())
                    .timeout_config(limits.timeout_config())
                    .retry_config(limits.retry_config())
                    .build(),
            ),
            cloudwatch: cloudwatch_client(sdk, region, limits),
        }
    }
}

fn cloudwatch_client(
    sdk: &SdkConfig,
    region: Region,
    limits: CallLimits,
) -> aws_sdk_cloudwatch::Client {
    aws_sdk_cloudwatch::Client::from_conf(
        aws_sdk_cloudwatch::config::Builder::from(sdk)
            .region(region)
            .timeout_config(limits.timeout_config())
            .retry_config(limits.retry_config())
            .build(),
    )
}

/// The clients of the global services.
#[derive(Clone, Debug)]
pub struct GlobalClients {
    pub route53: aws_sdk_route53::Client,
    /// CloudWatch in us-east-1, where Route 53 publishes health-check metrics.
    pub health_metrics: aws_sdk_cloudwatch::Client,
}

impl GlobalClients {
    pub fn new(sdk: &SdkConfig, limits: CallLimits) -> Self {
        let region = Region::new(ROUTE53_REGION);
        Self {
            route53: aws_sdk_route53::Client::from_conf(
                aws_sdk_route53::config::Builder::from(sdk)
                    .region(region.clone())
                    .timeout_config(limits.timeout_config())
                    .retry_config(limits.retry_config())
                    .interceptor(sdk::whole_xml::WholeXml)
                    .build(),
            ),
            health_metrics: cloudwatch_client(sdk, region, limits),
        }
    }
}

pub struct AwsFleet {
    regional: BTreeMap<String, RegionClients>,
    global: GlobalClients,
    rds_page_size: i32,
    guards: route53::GuardCache,
    parts: parts::Parts,
    /// Each region's instance listing, shared by the replicas and backups feeds.
    instances: instances::SharedListings,
    last_lag: lag::LastLag,
    known_replicas: rds::KnownReplicas,
    /// Kept apart from `known_replicas`: each remembers one listing's replicas.
    known_replica_clusters: rds::KnownReplicas,
    last_listed: rds::LastListed,
}

/// Why the live fleet could not be set up, in words that say what to do.
#[derive(Debug, thiserror::Error)]
pub enum SetupError {
    #[error("{0}")]
    Regions(String),
    #[error(
        "no usable AWS credentials{profile}: {detail}\n\
         Set AWS_PROFILE or pass --profile (run `aws sso login --profile NAME` for SSO \
         profiles), or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY."
    )]
    Credentials { profile: String, detail: String },
}

impl AwsFleet {
    /// Loads the AWS configuration (`profile` over `AWS_PROFILE`), settles the regions (those
    /// asked for, else the configuration's own), and checks that credentials resolve, so that
    /// a bad profile is reported now rather than as every feed failing.
    pub async fn connect(profile: Option<&str>, regions: &[String]) -> Result<Self, SetupError> {
        let (sdk, regions) = Self::setup(profile, regions).await?;
        Ok(Self::from_sdk_config(&sdk, &regions, CallLimits::READS))
    }

    /// What `connect` checks, returning the configuration itself: runbook actions
    /// (`actions::AwsActions`) are made from the same one, so they act as the same identity.
    pub async fn setup(
        profile: Option<&str>,
        regions: &[String],
    ) -> Result<(SdkConfig, Vec<String>), SetupError> {
        let sdk = sdk::load(profile, CallLimits::READS).await;
        let regions = sdk::resolve_regions(regions, &sdk).map_err(SetupError::Regions)?;
        let credentials_failed = |detail: String| SetupError::Credentials {
            profile: profile
                .map(|p| format!(" (profile {p})"))
                .unwrap_or_default(),
            detail,
        };
        let provider = sdk
            .credentials_provider()
            .ok_or_else(|| credentials_failed("no credential provider configured".to_string()))?;
        use aws_sdk_rds::config::ProvideCredentials;
        // The error's own text lists every provider tried and why each gave nothing.
        provider
            .provide_credentials()
            .await
            .map_err(|e| credentials_failed(error::chain(&e)))?;
        Ok((sdk, regions))
    }

    /// Clients for `regions` from one shared configuration.
    pub fn from_sdk_config(sdk: &SdkConfig, regions: &[String], limits: CallLimits) -> Self {
        Self::from_clients(
            regions
                .iter()
                .map(|r| (r.clone(), RegionClients::new(sdk, r, limits)))
                .collect(),
            GlobalClients::new(sdk, limits),
        )
    }

    /// From clients built elsewhere: tests give a region a dead endpoint, or mocked clients.
    pub fn from_clients(regional: BTreeMap<String, RegionClients>, global: GlobalClients) -> Self {
        Self {
            regional,
            global,
            rds_page_size: rds::DEFAULT_PAGE_SIZE,
            guards: route53::GuardCache::default(),
            parts: parts::Parts::default(),
            instances: instances::SharedListings::default(),
            last_lag: lag::LastLag::default(),
            known_replicas: rds::KnownReplicas::default(),
            known_replica_clusters: rds::KnownReplicas::default(),
            last_listed: rds::LastListed::default(),
        }
    }

    /// DescribeDBInstances page size (20 to 100).
    pub fn with_rds_page_size(mut self, size: i32) -> Self {
        self.rds_page_size = size.clamp(20, 100);
        self
    }

    pub fn clients(&self, region: &str) -> Option<&RegionClients> {
        self.regional.get(region)
    }

    pub fn global_clients(&self) -> &GlobalClients {
        &self.global
    }

    fn region_clients(&self, region: &str, call: &str) -> Result<&RegionClients, SourceError> {
        self.regional.get(region).ok_or_else(|| {
            SourceError::new(
                SourceErrorKind::Unreachable,
                call,
                format!("region {region} is not among the configured regions"),
            )
        })
    }
}

/// A part's answer as a listing; a failure is also named among what is missing from the feed.
fn listing<T>(
    read: Result<Vec<T>, SourceError>,
    missing: &mut Vec<SourceError>,
) -> crate::fleet::Listing<T> {
    match read {
        Ok(list) => crate::fleet::Listing::Read(list),
        Err(e) => {
            let why = e.to_string();
            missing.push(e);
            crate::fleet::Listing::Failed(why)
        }
    }
}

#[async_trait]
impl FleetSource for AwsFleet {
    fn name(&self) -> &str {
        "aws"
    }

    fn regions(&self) -> Vec<String> {
        self.regional.keys().cloned().collect()
    }

    async fn replicas(&self, region: &str) -> FetchResult<Vec<Replica>> {
        let clients = self.region_clients(region, calls::RDS_DESCRIBE_DB_INSTANCES)?;
        let now = Timestamp::now();
        let started = tokio::time::Instant::now();
        let (listed, globals, clusters) = tokio::join!(
            self.instances
                .get(region, now, Take::New, |at| instances::list(
                    &clients.rds,
                    region,
                    self.rds_page_size,
                    at
                )),
            self.parts.fetch(
                format!("{region} global clusters"),
                calls::RDS_DESCRIBE_GLOBAL_CLUSTERS,
                now,
                rds::global_secondaries(&clients.rds, region),
            ),
            self.parts.fetch(
                format!("{region} clusters"),
                calls::RDS_DESCRIBE_DB_CLUSTERS,
                now,
                rds::db_clusters(&clients.rds),
            ),
        );
        let listed = match listed {
            Ok(listed) => listed,
            Err(mut e) => {
                // The feed fails, naming every call that failed with it.
                e.also.extend(globals.err());
                e.also.extend(clusters.err());
                return Err(e);
            }
        };
        let without_source: Vec<String> = listed.others.keys().cloned().collect();
        let mut replicas =
            self.known_replicas
                .settle(region, listed.replicas.clone(), &without_source);
        let mut missing = Vec::new();
        // A part that fails keeps its last rows, each saying its state cannot be told now.
        let clusters = clusters.map(|c| {
            let replicas = rds::cluster_replicas(&c, region, &listed.others);
            let promoted_to = rds::clusters_without_source(&c);
            self.known_replica_clusters
                .settle(region, replicas, &promoted_to)
        });
        for (part, read) in [("global clusters", globals), ("clusters", clusters)] {
            let (listed, failure) = self.last_listed.keep(region, part, read);
            replicas.extend(listed);
            missing.extend(failure);
        }
        // Without lag the replicas are still worth showing: their replication state comes
        // from RDS itself, and the failed metrics read is shown beside them. The lag read
        // comes after the listing, so it gets what the listing left of the part deadline:
        // a slow listing and a hung metrics call together must not take the feed down.
        let left = parts::PART_DEADLINE.saturating_sub(started.elapsed());
        let lag = lag::fill(
            &clients.cloudwatch,
            region,
            &mut replicas,
            now,
            &self.last_lag,
        );
        let read = self
            .parts
            .fetch_within(
                format!("{region} lag"),
                calls::CLOUDWATCH_GET_METRIC_DATA,
                now,
                left,
                lag,
            )
            .await;
        match read {
            Ok(()) => self.last_lag.remember(region, &replicas),
            Err(e) => {
                self.last_lag.recall(region, &mut replicas, &e);
                missing.push(e);
            }
        }
        // A listing the backups feed was making when this fetch asked is a moment older
        // than the fetch: the rows are as old as it is.
        Ok(Snapshot::new(replicas, now.min(listed.at)).with_missing(missing))
    }

    async fn backups(&self, region: &str) -> FetchResult<BackupHealth> {
        let clients = self.region_clients(region, calls::BACKUP_LIST_BACKUP_JOBS)?;
        let now = Timestamp::now();
        let (health, copies, windows, automated) = tokio::join!(
            backup::backup_health(&clients.backup, region, now, &self.parts),
            self.parts.fetch(
                format!("{region} copy jobs"),
                calls::BACKUP_LIST_COPY_JOBS,
                now,
                readiness::offsite_copies(&clients.backup, region, now),
            ),
            self.parts.fetch(
                format!("{region} restore windows"),
                calls::RDS_DESCRIBE_DB_INSTANCES,
                now,
                async {
                    let listed = self
                        .instances
                        .get(
                            region,
                            now,
                            Take::NoOlderThan(RESTORE_WINDOWS_MAX_AGE),
                            |at| instances::list(&clients.rds, region, self.rds_page_size, at),
                        )
                        .await?;
                    Ok(listed.restore_windows.clone())
                },
            ),
            self.parts.fetch(
                format!("{region} automated backups"),
                calls::RDS_DESCRIBE_DB_INSTANCE_AUTOMATED_BACKUPS,
                now,
                readiness::automated_backups(&clients.rds, region),
            ),
        );
        // The readiness parts ride on the backup health: when it failed as a whole, the feed
        // fails as before.
        let mut snapshot = health?;
        snapshot.data.copies = listing(copies, &mut snapshot.missing);
        snapshot.data.restore_windows = listing(windows, &mut snapshot.missing);
        snapshot.data.automated_backups = listing(automated, &mut snapshot.missing);
        Ok(snapshot)
    }

    async fn health_checks(&self) -> FetchResult<Vec<HealthCheck>> {
        route53::health_checks(
            &self.global.route53,
            &self.global.health_metrics,
            &self.guards,
            &self.parts,
            Timestamp::now(),
        )
        .await
    }

    async fn checker_detail(&self, check_id: &str) -> FetchResult<Vec<CheckerObservation>> {
        if let Some(refused) = self.guards.no_checker_detail(check_id) {
            return Err(refused);
        }
        route53::checker_detail(&self.global.route53, check_id, Timestamp::now()).await
    }

    async fn lag_history(&self, of: &HistoryOf) -> FetchResult<LagHistory> {
        let clients = self.region_clients(&of.region, calls::CLOUDWATCH_GET_METRIC_DATA)?;
        lag_history::read(&clients.cloudwatch, of, Timestamp::now()).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_config::BehaviorVersion;
    use std::time::Duration;

    #[test]
    fn every_client_carries_the_limits() {
        let sdk = SdkConfig::builder()
            .behavior_version(BehaviorVersion::latest())
            .build();
        let fleet = AwsFleet::from_sdk_config(
            &sdk,
            &["us-east-1".to_string(), "eu-west-1".to_string()],
            CallLimits::READS,
        );
        let want_timeouts = CallLimits::READS.timeout_config();
        let want_retries = CallLimits::READS.retry_config();
        for region in ["us-east-1", "eu-west-1"] {
            let c = fleet.clients(region).expect("configured");
            assert_eq!(c.rds.config().timeout_config(), Some(&want_timeouts));
            assert_eq!(c.rds.config().retry_config(), Some(&want_retries));
            assert_eq!(c.backup.config().timeout_config(), Some(&want_timeouts));
            assert_eq!(c.backup.config().retry_config(), Some(&want_retries));
            assert_eq!(c.cloudwatch.config().timeout_config(), Some(&want_timeouts));
            assert_eq!(c.cloudwatch.config().retry_config(), Some(&want_retries));
            assert_eq!(c.rds.config().region().map(|r| r.as_ref()), Some(region));
        }
        let g = fleet.global_clients();
        assert_eq!(g.route53.config().timeout_config(), Some(&want_timeouts));
        assert_eq!(g.route53.config().retry_config(), Some(&want_retries));
        assert_eq!(
            g.health_metrics.config().region().map(|r| r.as_ref()),
            Some(ROUTE53_REGION)
        );
        assert_eq!(
            want_timeouts.operation_timeout(),
            Some(Duration::from_secs(20))
        );
        assert_eq!(fleet.regions(), vec!["eu-west-1", "us-east-1"]);
    }
}
