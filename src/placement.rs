//! Which named account a runbook step acts in, told from what the fleet has seen: the accounts
//! whose rows show the step's resource (`runbook::act::route::Whereabouts`). The rows' own
//! `FleetView::accounts_showing` decides, as it does for `account_of_resource` (which the
//! confirmation's production warning reads), so the account a step is confirmed for is the
//! account it acts in; but every account is looked at, so that a resource two accounts show
//! is refused, never picked.

use crate::app::FleetView;
use crate::runbook::act::Operation;
use crate::runbook::act::route::{self, Whereabouts};
use crate::runbook::exec::work::{Job, Subject, Task, Work};

/// The named accounts whose rows show `what`, in the order the config gives them.
pub fn accounts_seen_in(fleet: &FleetView, what: &Whereabouts) -> Vec<String> {
    let mut seen: Vec<&str> = Vec::new();
    match what {
        Whereabouts::Resource(name) => seen.extend(fleet.accounts_showing(name)),
        Whereabouts::Vault(vault) => {
            for (place, feed) in &fleet.backups {
                if feed
                    .data()
                    .is_some_and(|h| h.recovery_points.iter().any(|p| *p.vault == **vault))
                {
                    seen.extend(place.account.as_deref());
                }
            }
        }
    }
    fleet
        .accounts
        .iter()
        .filter(|a| seen.contains(&a.name.as_str()))
        .map(|a| a.name.clone())
        .collect()
}

/// What a job reads or changes in AWS; `None` for a shell step, which acts in no account.
pub fn whereabouts_of(work: &Work) -> Option<Whereabouts> {
    match &work.job {
        Job::Inspect(Subject::PreChecks(op) | Subject::EndState(op)) => {
            Some(route::of_operation(op))
        }
        Job::Inspect(Subject::Condition(probe)) => Some(route::of_probe(probe)),
        Job::Perform { task, .. } => match task {
            Task::Action { op, .. } => Some(route::of_operation(op)),
            Task::Wait { probe, .. } => Some(route::of_probe(probe)),
            Task::Shell { .. } => None,
        },
    }
}

/// The account `work` acts in: `Ok(None)` for a step that acts in no account (a shell step),
/// `Ok(Some(name))` when exactly one account shows its resource, else why it is refused.
pub fn place(fleet: &FleetView, work: &Work) -> Result<Option<String>, String> {
    let Some(what) = whereabouts_of(work) else {
        return Ok(None);
    };
    route::one_account(&what, &accounts_seen_in(fleet, &what)).map(Some)
}

/// The production account `op` changes: the one account its resource is seen in (the account
/// it acts in), when that account is marked production. What the confirmation says.
pub fn production_account_of(fleet: &FleetView, op: &Operation) -> Option<String> {
    let what = route::of_operation(op);
    let name = route::one_account(&what, &accounts_seen_in(fleet, &what)).ok()?;
    fleet
        .account(Some(&name))
        .filter(|a| a.is_production())
        .map(|a| a.name.clone())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::Fetched;
    use crate::config::Refresh;
    use crate::fleet::{
        AccountLabel, BackupHealth, NewestPoint, Place, RecoveryPointAge, Replica, ReplicaKind,
        ReplicationState, Snapshot, Workloads,
    };
    use crate::runbook::act::{DeleteRestoredInstance, RestoreNewestRecoveryPoint};
    use jiff::Timestamp;

    const EAST: &str = "us-east-1";

    fn replica(id: &str, source: &str) -> Replica {
        Replica {
            id: id.into(),
            region: EAST.into(),
            source_id: source.into(),
            source_region: EAST.into(),
            engine: "postgres".into(),
            kind: ReplicaKind::RdsReadReplica,
            state: ReplicationState::Replicating,
            lag_samples: Default::default(),
            lag_problem: None,
        }
    }

    /// `shop` (production) holds `orders-dr` and its own vault `daily`; `backup` holds the
    /// DR vault `dr-usw2` with a copy of `orders-primary`; both show `shared-replica`.
    fn two_accounts() -> FleetView {
        let now = Timestamp::from_second(1_800_000_000).expect("valid");
        let mut fleet = FleetView::new("aws", &[], Workloads::default(), Refresh::default(), now);
        fleet.watch_accounts(&[
            (
                AccountLabel::new("shop", Some("prod".into())),
                vec![EAST.to_string()],
            ),
            (AccountLabel::new("backup", None), vec![EAST.to_string()]),
        ]);
        let point = |vault: &str| RecoveryPointAge {
            region: EAST.into(),
            vault: vault.into(),
            resource_id: "arn:aws:rds:us-east-1:111111111111:db:orders-primary".into(),
            resource_type: "RDS".into(),
            newest: NewestPoint::Taken(now),
        };
        for (account, replicas, vault) in [
            (
                "shop",
                vec![
                    replica("orders-dr", "orders-primary"),
                    replica("shared-replica", "x"),
                ],
                "daily",
            ),
            ("backup", vec![replica("shared-replica", "y")], "dr-usw2"),
        ] {
            let place = Place::new(Some(account), EAST);
            fleet.apply(
                Fetched::Replicas {
                    place: place.clone(),
                    result: Ok(Snapshot::new(replicas, now)),
                },
                now,
            );
            let health = BackupHealth {
                recovery_points: vec![point(vault)],
                ..BackupHealth::default()
            };
            fleet.apply(
                Fetched::Backups {
                    place,
                    result: Ok(Snapshot::new(health, now)),
                },
                now,
            );
        }
        fleet
    }

    fn restore(vault: &str) -> Operation {
        Operation::RestoreNewestRecoveryPoint(RestoreNewestRecoveryPoint {
            region: EAST.into(),
            vault: vault.into(),
            resource: "orders-primary".into(),
            target: "orders-restored".into(),
            iam_role: None,
            recovery_point: None,
        })
    }

    #[test]
    fn a_resource_is_placed_in_the_one_account_that_shows_it_or_refused() {
        let fleet = two_accounts();
        let seen = |name: &str| accounts_seen_in(&fleet, &Whereabouts::Resource(name.into()));
        assert_eq!(seen("orders-dr"), ["shop"]);
        assert_eq!(seen("shared-replica"), ["shop", "backup"]);
        assert!(seen("ghost").is_empty());
        // The copy of orders-primary is in both accounts' vaults: by name it cannot be told;
        // a restore is placed by the vault it restores from.
        assert_eq!(seen("orders-primary"), ["shop", "backup"]);
        assert_eq!(
            accounts_seen_in(&fleet, &Whereabouts::Vault("dr-usw2".into())),
            ["backup"]
        );
        let two = route::one_account(
            &Whereabouts::Resource("shared-replica".into()),
            &seen("shared-replica"),
        )
        .expect_err("two accounts");
        assert!(
            two.contains("accounts shop and backup all show it"),
            "{two}"
        );
    }

    /// The confirmation's production warning follows the account the step acts in: a
    /// restore from the production account's vault says so (its target, not made yet, is in
    /// no account's rows), one from the backup account's vault does not; a resource two
    /// accounts show is acted on in neither, and no account is claimed for it.
    #[test]
    fn the_production_warning_names_the_account_the_step_acts_in() {
        let fleet = two_accounts();
        assert_eq!(
            production_account_of(&fleet, &restore("daily")).as_deref(),
            Some("shop")
        );
        assert_eq!(production_account_of(&fleet, &restore("dr-usw2")), None);
        let delete = |instance: &str| {
            Operation::DeleteRestoredInstance(DeleteRestoredInstance {
                region: EAST.into(),
                instance: instance.into(),
            })
        };
        assert_eq!(
            production_account_of(&fleet, &delete("orders-dr")).as_deref(),
            Some("shop")
        );
        assert_eq!(
            production_account_of(&fleet, &delete("shared-replica")),
            None
        );
    }
}
