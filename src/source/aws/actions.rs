//! Runbook actions against AWS: the `Actions` trait of `runbook::actions`, one SDK call (or a
//! short fixed series) per method. Only translation lives here; what a step checks before and
//! after its change is decided once for every backend in `runbook::perform`.
//!
//! Each region gets two sets of clients. Reads (pre-checks, conditions, end states) have the
//! cockpit's limits and are retried with back-off. Changes have `CallLimits::CHANGES`: one
//! attempt and a deadline, because a retried promotion or DNS change may act twice; after a
//! failure or a timeout the engine reads the real state instead. Clients are made on first use
//! for whatever region a runbook names, which need not be a region the cockpit polls.
//!
//! The XML clients (RDS, Route 53, STS) carry `WholeXml`, as the cockpit's do: an answer cut
//! inside its XML is unreadable ("cannot tell"), never a shorter whole answer.
//!
//! Every SDK call under `actions/` is granted by `docs/iam-runbook-policy.json` (a test holds
//! the two together), except sts:GetCallerIdentity, which needs no permission. Accepted
//! changes carry AWS's request id back, for the run log and the audit log.

mod backup;
mod lag;
mod rds;
mod route53;

use super::ROUTE53_REGION;
use super::error::aws_error;
use super::sdk::whole_xml::WholeXml;
use super::sdk::{CallLimits, is_region_name};
use crate::runbook::act::port::{
    ActionResult, Actions, CallerIdentity, ChangeStatus, DbCluster, DbInstance, GlobalCluster,
    HealthState, Observed, Receipt, RecordChange, RecordSet, RecoveryPoint, RestoreJob,
    RestoreRequest,
};
use crate::source::{SourceError, SourceErrorKind};
use async_trait::async_trait;
use aws_config::{Region, SdkConfig};
use aws_sdk_rds::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_rds::operation::RequestId;
use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::Duration;

/// The clients that read, in one region.
#[derive(Clone, Debug)]
pub struct Reads {
    pub rds: aws_sdk_rds::Client,
    pub backup: aws_sdk_backup::Client,
    pub cloudwatch: aws_sdk_cloudwatch::Client,
}

/// The clients that change things, in one region: one attempt per call.
#[derive(Clone, Debug)]
pub struct Changes {
    pub rds: aws_sdk_rds::Client,
    pub backup: aws_sdk_backup::Client,
}

#[derive(Clone, Debug)]
pub struct RegionActionClients {
    pub reads: Reads,
    pub changes: Changes,
}

/// Route 53 is global (signed as us-east-1): one pair of clients for every zone.
#[derive(Clone, Debug)]
pub struct Route53Clients {
    pub reads: aws_sdk_route53::Client,
    pub changes: aws_sdk_route53::Client,
}

impl RegionActionClients {
    pub fn new(sdk: &SdkConfig, region: &str) -> Self {
        let (r, c) = (CallLimits::READS, CallLimits::CHANGES);
        Self {
            reads: Reads {
                rds: rds_client(sdk, region, r),
                backup: backup_client(sdk, region, r),
                cloudwatch: aws_sdk_cloudwatch::Client::from_conf(
                    aws_sdk_cloudwatch::config::Builder::from(sdk)
                        .region(Region::new(region.to_string()))
                        .timeout_config(r.timeout_config())
                        .retry_config(r.retry_config())
                        .build(),
                ),
            },
            changes: Changes {
                rds: rds_client(sdk, region, c),
                backup: backup_client(sdk, region, c),
            },
        }
    }
}

impl Route53Clients {
    pub fn new(sdk: &SdkConfig) -> Self {
        let client = |limits: CallLimits| {
            aws_sdk_route53::Client::from_conf(
                aws_sdk_route53::config::Builder::from(sdk)
                    .region(Region::new(ROUTE53_REGION))
                    .timeout_config(limits.timeout_config())
                    .retry_config(limits.retry_config())
                    .interceptor(WholeXml)
                    .build(),
            )
        };
        Self {
            reads: client(CallLimits::READS),
            changes: client(CallLimits::CHANGES),
        }
    }
}

fn rds_client(sdk: &SdkConfig, region: &str, limits: CallLimits) -> aws_sdk_rds::Client {
    aws_sdk_rds::Client::from_conf(
        aws_sdk_rds::config::Builder::from(sdk)
            .region(Region::new(region.to_string()))
            .timeout_config(limits.timeout_config())
            .retry_config(limits.retry_config())
            .interceptor(WholeXml)
            .build(),
    )
}

fn backup_client(sdk: &SdkConfig, region: &str, limits: CallLimits) -> aws_sdk_backup::Client {
    aws_sdk_backup::Client::from_conf(
        aws_sdk_backup::config::Builder::from(sdk)
            .region(Region::new(region.to_string()))
            .timeout_config(limits.timeout_config())
            .retry_config(limits.retry_config())
            .build(),
    )
}

/// The STS client that asks whose credentials these are: the configuration's region (STS
/// answers in every region), else Route 53's, with the limits of a read.
pub fn sts_client(sdk: &SdkConfig) -> aws_sdk_sts::Client {
    let region = sdk
        .region()
        .map_or_else(|| ROUTE53_REGION.to_string(), |r| r.to_string());
    let limits = CallLimits::READS;
    aws_sdk_sts::Client::from_conf(
        aws_sdk_sts::config::Builder::from(sdk)
            .region(Region::new(region))
            .timeout_config(limits.timeout_config())
            .retry_config(limits.retry_config())
            .interceptor(WholeXml)
            .build(),
    )
}

/// How often an end state is read again while AWS carries a change out.
const POLL_EVERY: Duration = Duration::from_secs(10);

pub struct AwsActions {
    /// Where clients for a region not yet seen come from; `None` when only the clients given
    /// at construction may be used (tests with mocked clients).
    sdk: Option<SdkConfig>,
    regional: Mutex<BTreeMap<String, RegionActionClients>>,
    route53: Route53Clients,
    /// For `caller_identity`; `None` when built from given clients without one.
    sts: Option<aws_sdk_sts::Client>,
    poll_every: Duration,
}

impl AwsActions {
    /// Actions on the account of `sdk`, in any region.
    pub fn new(sdk: &SdkConfig) -> Self {
        Self {
            sdk: Some(sdk.clone()),
            regional: Mutex::new(BTreeMap::new()),
            route53: Route53Clients::new(sdk),
            sts: Some(sts_client(sdk)),
            poll_every: POLL_EVERY,
        }
    }

    /// Actions with clients built elsewhere (mocked, or pointed at an emulator), in exactly
    /// the regions given.
    pub fn from_clients(
        regional: BTreeMap<String, RegionActionClients>,
        route53: Route53Clients,
    ) -> Self {
        Self {
            sdk: None,
            regional: Mutex::new(regional),
            route53,
            sts: None,
            poll_every: POLL_EVERY,
        }
    }

    /// With this STS client for `caller_identity` (mocked, or pointed at an emulator).
    pub fn with_sts(mut self, sts: aws_sdk_sts::Client) -> Self {
        self.sts = Some(sts);
        self
    }

    /// The clients of `region`, made on first use.
    /// Reads health checks: Route 53's, and the Route 53 metrics CloudWatch keeps in us-east-1.
    fn health_reader(&self) -> route53::HealthReader<'_> {
        route53::HealthReader {
            route53: &self.route53.reads,
            metrics: self
                .region(ROUTE53_REGION, super::calls::CLOUDWATCH_GET_METRIC_DATA)
                .map(|c| c.reads.cloudwatch),
        }
    }

    pub fn region(&self, region: &str, call: &str) -> Result<RegionActionClients, SourceError> {
        if !is_region_name(region) {
            return Err(SourceError::new(
                SourceErrorKind::Other,
                call,
                format!("`{region}` is not an AWS region name (expected something like us-west-2)"),
            ));
        }
        let mut regional = self.regional.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(clients) = regional.get(region) {
            return Ok(clients.clone());
        }
        let Some(sdk) = &self.sdk else {
            return Err(SourceError::new(
                SourceErrorKind::Unreachable,
                call,
                format!("no clients for region {region}"),
            ));
        };
        let clients = RegionActionClients::new(sdk, region);
        regional.insert(region.to_string(), clients.clone());
        Ok(clients)
    }
}

/// A change AWS turned down (or that never got an answer), with the request id when AWS gave
/// one: the operator may need it for a support case.
fn change_error<E>(call: &str, err: SdkError<E>) -> SourceError
where
    E: ProvideErrorMetadata + std::error::Error + Send + Sync + 'static,
{
    let request_id = err.request_id().map(str::to_string);
    let mut e = aws_error(call, err);
    if let Some(id) = request_id {
        e.message = format!("{} (request id {id})", e.message);
    }
    e
}

fn receipt<T>(value: T, output: &impl RequestId) -> Receipt<T> {
    Receipt::new(value, output.request_id().map(str::to_string))
}

/// `arn:aws:rds:us-east-1:123456789012:db:orders` and `orders` name the same resource.
fn same_resource(arn_or_id: &str, wanted: &str) -> bool {
    let last = |s: &str| {
        s.rsplit([':', '/'])
            .next()
            .unwrap_or(s)
            .to_ascii_lowercase()
    };
    if arn_or_id.starts_with("arn:") && wanted.starts_with("arn:") {
        arn_or_id.eq_ignore_ascii_case(wanted)
    } else {
        last(arn_or_id) == last(wanted)
    }
}

#[async_trait]
impl Actions for AwsActions {
    fn name(&self) -> &str {
        "aws"
    }

    /// sts:GetCallerIdentity: the account and ARN of the credentials in use. A failure is
    /// recorded as such (with why), never guessed; it does not stop a run.
    async fn caller_identity(&self) -> CallerIdentity {
        let call = super::calls::STS_GET_CALLER_IDENTITY;
        let Some(sts) = &self.sts else {
            return CallerIdentity::Unknown {
                why: format!("{call} was not asked: these actions have no STS client"),
            };
        };
        match sts.get_caller_identity().send().await {
            Ok(out) => match (out.account(), out.arn()) {
                (Some(account), Some(arn)) => CallerIdentity::Known {
                    arn: arn.to_string(),
                    account: account.to_string(),
                },
                _ => CallerIdentity::Unknown {
                    why: format!("{call} answered without an account or an ARN"),
                },
            },
            Err(e) => {
                let e = aws_error(call, e);
                CallerIdentity::Unknown {
                    why: format!("{call} failed ({}): {}", e.kind, e.message),
                }
            }
        }
    }

    fn poll_every(&self) -> Duration {
        self.poll_every
    }

    async fn db_instance(
        &self,
        region: &str,
        id: &str,
    ) -> ActionResult<Observed<Option<DbInstance>>> {
        let clients = self.region(region, super::calls::RDS_DESCRIBE_DB_INSTANCES)?;
        rds::db_instance(&clients.reads.rds, region, id).await
    }

    async fn replication_lag(
        &self,
        region: &str,
        replica: &str,
    ) -> ActionResult<Observed<Option<Duration>>> {
        let clients = self.region(region, super::calls::CLOUDWATCH_GET_METRIC_DATA)?;
        lag::replication_lag(
            &clients.reads.cloudwatch,
            &clients.reads.rds,
            region,
            replica,
        )
        .await
    }

    async fn global_cluster(
        &self,
        region: &str,
        id: &str,
    ) -> ActionResult<Observed<Option<GlobalCluster>>> {
        let clients = self.region(region, super::calls::RDS_DESCRIBE_GLOBAL_CLUSTERS)?;
        rds::global_cluster(&clients.reads.rds, id).await
    }

    async fn db_cluster(
        &self,
        region: &str,
        id: &str,
    ) -> ActionResult<Observed<Option<DbCluster>>> {
        let clients = self.region(region, super::calls::RDS_DESCRIBE_DB_CLUSTERS)?;
        rds::db_cluster(&clients.reads.rds, region, id).await
    }

    async fn record_sets(
        &self,
        zone: &str,
        name: &str,
        record_type: Option<&str>,
    ) -> ActionResult<Observed<Vec<RecordSet>>> {
        route53::record_sets(&self.route53.reads, zone, name, record_type).await
    }

    async fn dns_answer(
        &self,
        zone: &str,
        name: &str,
        record_type: &str,
    ) -> ActionResult<Observed<Vec<String>>> {
        route53::dns_answer(&self.health_reader(), zone, name, record_type).await
    }

    async fn dns_change(&self, change_id: &str) -> ActionResult<Observed<ChangeStatus>> {
        route53::dns_change(&self.route53.reads, change_id).await
    }

    async fn health_check(&self, id: &str) -> ActionResult<Observed<HealthState>> {
        self.health_reader().read(id).await
    }

    async fn newest_recovery_point(
        &self,
        region: &str,
        vault: &str,
        resource: &str,
    ) -> ActionResult<Observed<Option<RecoveryPoint>>> {
        let clients = self.region(
            region,
            super::calls::BACKUP_LIST_RECOVERY_POINTS_BY_BACKUP_VAULT,
        )?;
        backup::newest_recovery_point(&clients.reads.backup, vault, resource).await
    }

    async fn restore_job(&self, region: &str, job_id: &str) -> ActionResult<Observed<RestoreJob>> {
        let clients = self.region(region, super::calls::BACKUP_DESCRIBE_RESTORE_JOB)?;
        backup::restore_job(&clients.reads.backup, job_id).await
    }

    async fn restore_job_that_created(
        &self,
        region: &str,
        resource: &str,
    ) -> ActionResult<Observed<Option<RestoreJob>>> {
        let clients = self.region(region, super::calls::BACKUP_LIST_RESTORE_JOBS)?;
        let job = backup::newest_restore_creating(&clients.reads.backup, region, resource).await?;
        // A name can be used again: a job that restored `orders-drill` last month did not make
        // today's `orders-drill` if that instance is older than the job.
        let Some(found) = job.value else {
            return Ok(job);
        };
        let created = rds::instance_created_at(&clients.reads.rds, resource).await?;
        let made_by_job = created.is_none_or(|at| at >= found.created_at);
        Ok(Observed::new(made_by_job.then_some(found), job.at))
    }

    async fn promote_read_replica(
        &self,
        region: &str,
        id: &str,
        backup_retention_days: u32,
    ) -> ActionResult<Receipt> {
        let clients = self.region(region, super::calls::RDS_PROMOTE_READ_REPLICA)?;
        rds::promote(&clients.changes.rds, id, backup_retention_days).await
    }

    async fn switchover_global_cluster(
        &self,
        region: &str,
        global_cluster: &str,
        target_cluster: &str,
    ) -> ActionResult<Receipt> {
        let call = super::calls::RDS_SWITCHOVER_GLOBAL_CLUSTER;
        let clients = self.region(region, call)?;
        let target =
            rds::member_arn(&clients.reads.rds, global_cluster, target_cluster, call).await?;
        rds::switchover(&clients.changes.rds, global_cluster, &target).await
    }

    async fn failover_global_cluster(
        &self,
        region: &str,
        global_cluster: &str,
        target_cluster: &str,
        allow_data_loss: bool,
    ) -> ActionResult<Receipt> {
        let call = super::calls::RDS_FAILOVER_GLOBAL_CLUSTER;
        if !allow_data_loss {
            // Without AllowDataLoss, FailoverGlobalCluster is a switchover in disguise:
            // planned moves go through SwitchoverGlobalCluster, by name.
            return Err(SourceError::new(
                SourceErrorKind::Other,
                call,
                "an unplanned failover must allow data loss; use switchover-global-cluster for a planned move",
            ));
        }
        let clients = self.region(region, call)?;
        let target =
            rds::member_arn(&clients.reads.rds, global_cluster, target_cluster, call).await?;
        rds::failover_global(&clients.changes.rds, global_cluster, &target).await
    }

    async fn failover_db_cluster(
        &self,
        region: &str,
        cluster: &str,
        target_instance: Option<&str>,
    ) -> ActionResult<Receipt> {
        let clients = self.region(region, super::calls::RDS_FAILOVER_DB_CLUSTER)?;
        rds::failover_cluster(&clients.changes.rds, cluster, target_instance).await
    }

    async fn change_record_sets(
        &self,
        zone: &str,
        changes: &[RecordChange],
        comment: &str,
    ) -> ActionResult<Receipt<String>> {
        // A DELETE must repeat the record exactly (alias target, TTL, every value), which the
        // runbook's view of a record does not carry: the batch is built on Route 53's own.
        let mut current = Vec::new();
        let mut names: Vec<&str> = Vec::new();
        for change in changes {
            let name = route53::changed(change).name.as_str();
            if !names.iter().any(|n| route53::same_name(n, name)) {
                names.push(name);
                current
                    .extend(route53::records_named(&self.route53.reads, zone, name, None).await?);
            }
        }
        let batch = route53::batch(changes, &current).map_err(|why| {
            SourceError::new(
                SourceErrorKind::Other,
                super::calls::ROUTE53_CHANGE_RESOURCE_RECORD_SETS,
                why,
            )
        })?;
        route53::submit(&self.route53.changes, zone, batch, comment).await
    }

    async fn start_restore_job(
        &self,
        region: &str,
        request: &RestoreRequest,
    ) -> ActionResult<Receipt<String>> {
        let clients = self.region(region, super::calls::BACKUP_START_RESTORE_JOB)?;
        let metadata = backup::restore_metadata(&clients.reads.backup, request).await?;
        backup::start(&clients.changes.backup, request, metadata).await
    }

    async fn delete_db_instance(&self, region: &str, id: &str) -> ActionResult<Receipt> {
        let call = super::calls::RDS_DELETE_DB_INSTANCE;
        // Whatever the caller checked, this never deletes an instance no restore job made.
        let made_by_restore = self.restore_job_that_created(region, id).await?;
        if made_by_restore.value.is_none() {
            return Err(SourceError::new(
                SourceErrorKind::Other,
                call,
                format!(
                    "refusing to delete {id}: no AWS Backup restore job in {region} created it"
                ),
            ));
        }
        let clients = self.region(region, call)?;
        rds::delete(&clients.changes.rds, id).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_config::BehaviorVersion;

    #[test]
    fn changes_get_one_attempt_and_reads_keep_their_retries() {
        let sdk = SdkConfig::builder()
            .behavior_version(BehaviorVersion::latest())
            .build();
        let actions = AwsActions::new(&sdk);
        let c = actions
            .region("eu-west-1", "test")
            .expect("any region gets clients");
        let one = CallLimits::CHANGES.retry_config();
        assert_eq!(one.max_attempts(), 1);
        let changes = CallLimits::CHANGES.timeout_config();
        assert_eq!(c.changes.rds.config().retry_config(), Some(&one));
        assert_eq!(c.changes.backup.config().retry_config(), Some(&one));
        assert_eq!(actions.route53.changes.config().retry_config(), Some(&one));
        assert_eq!(c.changes.rds.config().timeout_config(), Some(&changes));
        assert_eq!(
            actions.route53.changes.config().timeout_config(),
            Some(&changes)
        );
        let reads = CallLimits::READS.retry_config();
        assert_eq!(c.reads.rds.config().retry_config(), Some(&reads));
        assert_eq!(c.reads.cloudwatch.config().retry_config(), Some(&reads));
        assert_eq!(actions.route53.reads.config().retry_config(), Some(&reads));
        assert_eq!(
            c.reads.rds.config().region().map(|r| r.as_ref()),
            Some("eu-west-1")
        );
        assert_eq!(
            actions
                .route53
                .changes
                .config()
                .region()
                .map(|r| r.as_ref()),
            Some(ROUTE53_REGION)
        );
        let sts = actions.sts.as_ref().expect("an STS client");
        assert_eq!(sts.config().retry_config(), Some(&reads));
        assert_eq!(
            sts.config().timeout_config(),
            Some(&CallLimits::READS.timeout_config())
        );
        assert_eq!(
            sts.config().region().map(|r| r.as_ref()),
            Some(ROUTE53_REGION),
            "without a configured region, STS is asked in Route 53's"
        );
    }

    #[test]
    fn a_region_name_is_checked_before_any_client_is_made() {
        let actions = AwsActions::new(
            &SdkConfig::builder()
                .behavior_version(BehaviorVersion::latest())
                .build(),
        );
        let err = actions
            .region("us_west_2", "rds:PromoteReadReplica")
            .expect_err("not a region");
        assert!(err.message.contains("us_west_2"), "{err}");
        let fixed = AwsActions::from_clients(BTreeMap::new(), actions.route53.clone());
        let err = fixed.region("us-west-2", "x").expect_err("no clients");
        assert_eq!(err.kind, SourceErrorKind::Unreachable);
    }

    #[test]
    fn resources_match_by_arn_or_by_identifier() {
        let arn = "arn:aws:rds:us-west-2:123456789012:db:orders-drill";
        assert!(same_resource(arn, "orders-drill"));
        assert!(same_resource(arn, arn));
        assert!(same_resource("orders-drill", "ORDERS-DRILL"));
        assert!(!same_resource(arn, "orders"));
        assert!(!same_resource(
            arn,
            "arn:aws:rds:us-east-1:123456789012:db:orders-drill"
        ));
    }
}
