//! The demo's accounts: an estate spread over two AWS accounts, as big estates are. The
//! workload account, `shop` (production), holds the databases, their replicas, their own
//! backups and the health checks; the backup account holds the copies in the DR vault. Each
//! account is a fleet source of its own, polled on its own, over the one simulated estate.

use super::SimFleet;
use super::estate::Estate;
use crate::fleet::{
    AccountLabel, BackupHealth, CheckerObservation, HealthCheck, HistoryOf, LagHistory, Replica,
    Snapshot,
};
use crate::source::{AccountFleet, FetchResult, FleetSource};
use async_trait::async_trait;
use std::collections::HashMap;
use std::sync::Arc;

pub const WORKLOAD: &str = "shop";
pub const BACKUP: &str = "backup";

/// The vaults the backup account holds; every other resource is the workload account's.
const BACKUP_ACCOUNT_VAULTS: [&str; 1] = ["dr-usw2"];

/// The account a vault belongs to.
pub fn account_of_vault(vault: &str) -> &'static str {
    if BACKUP_ACCOUNT_VAULTS.contains(&vault) {
        BACKUP
    } else {
        WORKLOAD
    }
}

/// The account of each protected resource that is not the workload account's: its vault's.
/// Every other resource (a replica, a check, a resource backed up in the workload account's
/// vaults) is the workload account's. Made once: the estate does not change, and a lookup per
/// row must not scan the estate (at 10,000 replicas that scan was most of the demo's CPU).
fn accounts_of_resources(estate: &Estate) -> HashMap<String, &'static str> {
    estate
        .protected
        .iter()
        .map(|p| (p.id.clone(), account_of_vault(p.vault)))
        .filter(|(_, account)| *account != WORKLOAD)
        .collect()
}

/// The demo's two accounts, each a view of `fleet`.
pub fn fleets(fleet: &Arc<SimFleet>) -> Vec<AccountFleet> {
    let elsewhere = Arc::new(accounts_of_resources(&fleet.estate));
    [
        (WORKLOAD, Some("prod".to_string())),
        (BACKUP, Some("backup".to_string())),
    ]
    .into_iter()
    .map(|(name, environment)| {
        AccountFleet::named(
            AccountLabel::new(name, environment),
            Arc::new(SimAccount {
                fleet: fleet.clone(),
                account: name,
                elsewhere: elsewhere.clone(),
            }),
        )
    })
    .collect()
}

/// One account's share of the simulated estate.
pub struct SimAccount {
    fleet: Arc<SimFleet>,
    account: &'static str,
    /// The resources of accounts other than the workload account (`accounts_of_resources`).
    elsewhere: Arc<HashMap<String, &'static str>>,
}

impl SimAccount {
    fn mine(&self, id: &str) -> bool {
        self.elsewhere.get(id).copied().unwrap_or(WORKLOAD) == self.account
    }

    fn only_mine<T>(result: FetchResult<T>, keep: impl FnOnce(T) -> T) -> FetchResult<T> {
        result.map(|snapshot| Snapshot {
            data: keep(snapshot.data),
            ..snapshot
        })
    }
}

#[async_trait]
impl FleetSource for SimAccount {
    fn name(&self) -> &str {
        "sim"
    }

    fn regions(&self) -> Vec<String> {
        self.fleet.regions()
    }

    async fn replicas(&self, region: &str) -> FetchResult<Vec<Replica>> {
        let now = self.fleet.clock.now();
        let only_mine = self.fleet.replicas_where(region, now, |id| self.mine(id));
        // What a drill changed is applied after: keep only this account's rows of that too.
        Self::only_mine(only_mine, |mut list| {
            list.retain(|r| self.mine(&r.id));
            list
        })
    }

    async fn backups(&self, region: &str) -> FetchResult<BackupHealth> {
        let now = self.fleet.clock.now();
        // Only this account's share is made: what its vaults hold, and the copies, restore
        // windows and replicated automated backups of its own databases (listed where the
        // database lives, so the backup account, which holds no database, lists none).
        self.fleet.backups_where(
            region,
            now,
            |vault| account_of_vault(vault) == self.account,
            |id| self.mine(id),
        )
    }

    async fn health_checks(&self) -> FetchResult<Vec<HealthCheck>> {
        Self::only_mine(self.fleet.health_checks().await, |mut checks| {
            checks.retain(|c| self.mine(&c.id));
            checks
        })
    }

    async fn checker_detail(&self, check_id: &str) -> FetchResult<Vec<CheckerObservation>> {
        self.fleet.checker_detail(check_id).await
    }

    async fn lag_history(&self, of: &HistoryOf) -> FetchResult<LagHistory> {
        self.fleet.lag_history(of).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::Clock;
    use crate::fleet::Listing;
    use crate::source::sim::{Scenario, SimOptions};
    use jiff::Timestamp;

    #[tokio::test]
    async fn the_two_accounts_share_the_estate_without_overlap() {
        let sim = Arc::new(SimFleet::new(SimOptions {
            clock: Clock::manual(Timestamp::from_second(1_800_000_000).expect("valid")),
            ..SimOptions::default()
        }));
        let fleets = fleets(&sim);
        let names: Vec<Option<&str>> = fleets.iter().map(AccountFleet::name).collect();
        assert_eq!(names, [Some(WORKLOAD), Some(BACKUP)]);
        assert!(
            fleets[0]
                .account
                .as_ref()
                .is_some_and(AccountLabel::is_production)
        );
        let mut points_by_account = Vec::new();
        let mut replicas_by_account = Vec::new();
        for f in &fleets {
            let mut points = Vec::new();
            let mut replicas = Vec::new();
            for region in f.fleet.regions() {
                let health = f.fleet.backups(&region).await.expect("backups").data;
                points.extend(health.recovery_points.into_iter().map(|p| p.resource_id));
                let list = f.fleet.replicas(&region).await.expect("replicas").data;
                replicas.extend(list.into_iter().map(|r| r.id));
            }
            points_by_account.push(points);
            replicas_by_account.push(replicas);
        }
        assert!(
            points_by_account[1].contains(&"orders-primary-copy".to_string()),
            "the backup account holds the copies: {points_by_account:?}"
        );
        assert!(
            !points_by_account[0].contains(&"orders-primary-copy".to_string()),
            "{points_by_account:?}"
        );
        assert!(points_by_account[0].contains(&"orders-primary".to_string()));
        assert!(replicas_by_account[1].is_empty());
        let mut all = Vec::new();
        for region in sim.regions() {
            let health = sim.backups(&region).await.expect("backups").data;
            all.extend(health.recovery_points.into_iter().map(|p| p.resource_id));
        }
        assert_eq!(
            points_by_account[0].len() + points_by_account[1].len(),
            all.len(),
            "every point is in exactly one account"
        );
    }

    /// Copy jobs are listed by the account of the resource copied, restore windows and
    /// replicated automated backups by the account of the database: the backup account,
    /// which holds no database, lists none of them (readiness would count each twice).
    #[tokio::test]
    async fn copies_and_restore_windows_are_listed_by_their_databases_account_only() {
        let sim = Arc::new(SimFleet::new(SimOptions {
            clock: Clock::manual(Timestamp::from_second(1_800_000_000).expect("valid")),
            ..SimOptions::default()
        }));
        let fleets = fleets(&sim);
        let mut listed = Vec::new();
        for f in &fleets {
            let (mut copies, mut windows, mut replicated) = (0, 0, 0);
            for region in f.fleet.regions() {
                let health = f.fleet.backups(&region).await.expect("backups").data;
                copies += health.copies.read().map_or(0, <[_]>::len);
                windows += health.restore_windows.read().map_or(0, <[_]>::len);
                replicated += health.automated_backups.read().map_or(0, <[_]>::len);
            }
            listed.push((copies, windows, replicated));
        }
        let (copies, windows, replicated) = listed[0];
        assert!(copies > 0 && windows > 0 && replicated > 0, "{listed:?}");
        assert_eq!(listed[1], (0, 0, 0), "the backup account: {listed:?}");
    }

    /// The old way, the reference: each account made the whole region's backups and kept
    /// its own share.
    fn kept_by(a: &SimAccount, mut health: BackupHealth) -> BackupHealth {
        health
            .stats
            .retain(|s| account_of_vault(&s.vault) == a.account);
        health.resource_stats.retain(|s| a.mine(&s.resource_id));
        health
            .problem_jobs
            .retain(|j| account_of_vault(&j.vault) == a.account);
        health
            .recovery_points
            .retain(|p| account_of_vault(&p.vault) == a.account);
        retain_listed(&mut health.copies, |c| a.mine(&c.resource_id));
        retain_listed(&mut health.restore_windows, |w| a.mine(&w.db_id));
        retain_listed(&mut health.automated_backups, |b| a.mine(&b.db_id));
        health
    }

    /// Keeps the items of a listing that was read for which `keep` holds.
    fn retain_listed<T>(listing: &mut Listing<T>, keep: impl Fn(&T) -> bool) {
        if let Listing::Read(list) = listing {
            list.retain(|item| keep(item));
        }
    }

    /// Each account now makes only its own share of a region's backups: the same rows, in the
    /// same order, as keeping its share of the whole region's, in calm and in an outage.
    #[tokio::test]
    async fn an_accounts_backups_are_its_share_of_the_regions() {
        for scenario in [Scenario::Normal, Scenario::RegionOutage] {
            let sim = Arc::new(SimFleet::new(SimOptions {
                clock: Clock::manual(Timestamp::from_second(1_800_000_000).expect("valid")),
                fleet_size: 600,
                scenario,
                ..SimOptions::default()
            }));
            let elsewhere = Arc::new(accounts_of_resources(&sim.estate));
            for account in [WORKLOAD, BACKUP] {
                let a = SimAccount {
                    fleet: sim.clone(),
                    account,
                    elsewhere: elsewhere.clone(),
                };
                let mut points = 0;
                for region in sim.regions() {
                    let whole = sim.backups(&region).await.expect("backups");
                    let share = a.backups(&region).await.expect("backups");
                    assert_eq!(share.fetched_at, whole.fetched_at);
                    let want = kept_by(&a, whole.data);
                    points += want.recovery_points.len();
                    assert_eq!(share.data, want, "{account} in {region}, {scenario:?}");
                }
                assert!(points > 0, "{account} keeps some points in the fixture");
            }
        }
    }
}
