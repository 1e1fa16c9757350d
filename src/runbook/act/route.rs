//! Acting in several accounts: which resource a step's work is about (so the runner can tell
//! which `[[account]]` it belongs to), and the `Actions` of each account.
//!
//! With no `[[account]]` tables (and in the simulator) one `Actions` carries out every step,
//! as before. With them, every account has its own `Actions`, made from the same credentials
//! its fleet is polled with, and a step acts through the one account its resource was seen in.
//! Where that is, is told from what the fleet has seen (`placement.rs`, from `Whereabouts`);
//! this module only says what to look for. Nothing here guesses: a step whose resource is
//! found in no account, or in two, is refused before anything is read or sent.

use crate::runbook::act::Operation;
use crate::runbook::act::port::Actions;
use crate::runbook::act::probe::Probe;
use std::sync::Arc;

/// What to look for in the fleet's rows to tell which account a step acts in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Whereabouts {
    /// An RDS instance or cluster (a replica, its source), a health check, or a DNS record a
    /// health check guards: named as the rows name them.
    Resource(String),
    /// An AWS Backup vault: a restore acts in the account holding the vault it restores from.
    Vault(String),
}

impl Whereabouts {
    /// For messages: `orders-dr-usw2`, `vault dr-usw2`.
    pub fn describe(&self) -> String {
        match self {
            Whereabouts::Resource(name) => name.clone(),
            Whereabouts::Vault(vault) => format!("vault {vault}"),
        }
    }
}

/// What an action acts on, to find its account. Every kind is listed (no default): a new
/// kind must say where it acts before it can be carried out across accounts.
pub fn of_operation(op: &Operation) -> Whereabouts {
    match op {
        Operation::PromoteReadReplica(a) => Whereabouts::Resource(a.replica.clone()),
        Operation::SwitchoverGlobalCluster(a) => Whereabouts::Resource(a.global_cluster.clone()),
        Operation::FailoverGlobalCluster(a) => Whereabouts::Resource(a.global_cluster.clone()),
        Operation::FailoverDbCluster(a) => Whereabouts::Resource(a.cluster.clone()),
        Operation::FlipFailoverRecords(a) => Whereabouts::Resource(a.name.clone()),
        Operation::UpsertRecord(a) => Whereabouts::Resource(a.name.clone()),
        // The restored instance does not exist yet: the vault it comes from is what is known.
        Operation::RestoreNewestRecoveryPoint(a) => Whereabouts::Vault(a.vault.clone()),
        Operation::DeleteRestoredInstance(a) => Whereabouts::Resource(a.instance.clone()),
    }
}

/// What a condition reads, to find its account.
pub fn of_probe(probe: &Probe) -> Whereabouts {
    match probe {
        Probe::ReplicaLagBelow(c) => Whereabouts::Resource(c.replica.clone()),
        Probe::DbInstanceAvailable(c) => Whereabouts::Resource(c.instance.clone()),
        Probe::DbClusterAvailable(c) => Whereabouts::Resource(c.cluster.clone()),
        Probe::HealthCheckHealthy(c) => Whereabouts::Resource(c.check.clone()),
        Probe::HealthCheckFailing(c) => Whereabouts::Resource(c.check.clone()),
        Probe::DnsAnswerIs(c) => Whereabouts::Resource(c.name.clone()),
    }
}

/// The one account among `seen_in` (the accounts whose rows show `what`), or why a step on it
/// is refused: found nowhere (not polled yet, or in no account in view), or in several.
pub fn one_account(what: &Whereabouts, seen_in: &[String]) -> Result<String, String> {
    match seen_in {
        [one] => Ok(one.clone()),
        [] => Err(format!(
            "cannot tell which account {} is in: no account in view shows it (yet). Nothing was \
             read or sent; wait for the accounts' rows to load, or check --accounts and the name",
            what.describe()
        )),
        several => Err(format!(
            "cannot tell which account {} is in: accounts {} all show it. Nothing was read or \
             sent; run this step with --accounts naming the one to act in",
            what.describe(),
            several.join(" and ")
        )),
    }
}

/// Who carries out runbook steps.
#[derive(Clone)]
pub enum Acting {
    /// One `Actions` for every step: no `[[account]]` tables, or the simulator.
    One(Arc<dyn Actions>),
    /// Each named account's `Actions` (its own credentials), by account name.
    PerAccount(Vec<(String, Arc<dyn Actions>)>),
}

impl Acting {
    /// The `Actions` a job goes through: with named accounts, the account the journal placed
    /// it in (`account`); `None` when it was placed nowhere or the account has none, and then
    /// nothing is carried out.
    pub fn for_account(&self, account: Option<&str>) -> Option<Arc<dyn Actions>> {
        match (self, account) {
            (Acting::One(actions), _) => Some(actions.clone()),
            (Acting::PerAccount(all), Some(name)) => {
                all.iter().find(|(n, _)| n == name).map(|(_, a)| a.clone())
            }
            // A shell step acts in no account; any account's actions do (they are not called).
            (Acting::PerAccount(all), None) => all.first().map(|(_, a)| a.clone()),
        }
    }

    pub fn per_account(&self) -> bool {
        matches!(self, Acting::PerAccount(_))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_account_or_a_plain_refusal() {
        let replica = Whereabouts::Resource("orders-dr-usw2".into());
        assert_eq!(
            one_account(&replica, &["backup".into()]).as_deref(),
            Ok("backup")
        );
        let none = one_account(&replica, &[]).expect_err("nowhere");
        assert!(
            none.starts_with("cannot tell which account orders-dr-usw2 is in: no account"),
            "{none}"
        );
        let two = one_account(&Whereabouts::Vault("dr".into()), &["a".into(), "b".into()])
            .expect_err("two");
        assert!(two.contains("vault dr") && two.contains("a and b"), "{two}");
    }
}
