//! Where fleet data comes from. A source knows AWS (or simulates it); nothing else does.
//! The rest of ripcord sees only the domain model in `fleet`.

pub mod aws;
mod deadline;
pub mod sim;

use crate::fleet::{
    AccountLabel, BackupHealth, CheckerObservation, HealthCheck, HistoryOf, LagHistory, Place,
    Replica,
};
use async_trait::async_trait;
use std::sync::Arc;

// The failure of a fetch belongs to the domain (a snapshot carries the parts that failed):
// it lives in `fleet`, and is named here too, where every source makes one.
pub use crate::fleet::failure::{FetchResult, SourceError, SourceErrorKind};
pub use deadline::with_deadline;

/// A read-only view of a fleet, polled per region. Implemented by the AWS source and by the
/// simulator, so the cockpit, `status` and drills run the same code against either.
#[async_trait]
pub trait FleetSource: Send + Sync + 'static {
    /// Short name for the status bar: `sim`, `aws`.
    fn name(&self) -> &str;
    /// The regions to poll, each independently of the others.
    fn regions(&self) -> Vec<String>;
    /// Replicas that live in `region`, with their recent lag.
    async fn replicas(&self, region: &str) -> FetchResult<Vec<Replica>>;
    /// Backup job outcomes and recovery points for vaults in `region`.
    async fn backups(&self, region: &str) -> FetchResult<BackupHealth>;
    /// Route 53 health checks (a global service: one feed).
    async fn health_checks(&self) -> FetchResult<Vec<HealthCheck>>;
    /// What each checker region sees for one check, fetched on demand, never polled for all.
    async fn checker_detail(&self, check_id: &str) -> FetchResult<Vec<CheckerObservation>>;
    /// One replica's lag over the last 24 hours and 7 days, fetched on demand (when its
    /// detail opens), never polled.
    async fn lag_history(&self, of: &HistoryOf) -> FetchResult<LagHistory>;
}

/// One account's fleet, as the pollers and `status` fetch it: which account (`None`: the one
/// account of the default chain, when the config names none) and its source. Each account has
/// its own source, so its credentials failing fails its feeds alone.
#[derive(Clone)]
pub struct AccountFleet {
    pub account: Option<AccountLabel>,
    pub fleet: Arc<dyn FleetSource>,
}

impl AccountFleet {
    /// The one account, unnamed: what ripcord watches when the config names no accounts.
    pub fn single(fleet: Arc<dyn FleetSource>) -> Self {
        Self {
            account: None,
            fleet,
        }
    }

    pub fn named(account: AccountLabel, fleet: Arc<dyn FleetSource>) -> Self {
        Self {
            account: Some(account),
            fleet,
        }
    }

    pub fn name(&self) -> Option<&str> {
        self.account.as_ref().map(|a| a.name.as_str())
    }

    /// Each region of this account, as a place.
    pub fn places(&self) -> Vec<Place> {
        self.fleet
            .regions()
            .into_iter()
            .map(|r| Place::new(self.name(), r))
            .collect()
    }
}

/// The fleet of the account named `account` (`None`: the unnamed one) among `fleets`.
pub fn fleet_of<'a>(fleets: &'a [AccountFleet], account: Option<&str>) -> Option<&'a AccountFleet> {
    fleets.iter().find(|f| f.name() == account)
}
