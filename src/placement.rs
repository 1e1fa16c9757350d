//! Which named account a runbook step acts in, told from what the fleet has seen: the accounts
//! whose rows show the step's resource (`runbook::act::route::Whereabouts`). The same rules as
//! the rows' own `FleetView::account_of_resource` (which the confirmation's production warning
//! reads), so the account a step is confirmed for is the account it acts in; but every
//! account is looked at, so that a resource two accounts show is refused, never picked.

use crate::app::FleetView;
use crate::runbook::act::Operation;
use crate::runbook::act::route::{self, Whereabouts};
use crate::runbook::exec::work::Work;

/// The named accounts whose rows show `what`, in the order the config gives them.
pub fn accounts_seen_in(fleet: &FleetView, what: &Whereabouts) -> Vec<String> {
    let tail = |id: &str| id.rsplit([':', '/']).next().unwrap_or(id).to_string();
    let dns = |n: &str| n.trim_end_matches('.').to_ascii_lowercase();
    let mut seen: Vec<&str> = Vec::new();
    match what {
        Whereabouts::Resource(name) => {
            for (place, feed) in &fleet.replicas {
                if feed
                    .data()
                    .is_some_and(|list| list.iter().any(|r| r.id == *name || r.source_id == *name))
                {
                    seen.extend(place.account.as_deref());
                }
            }
            for (place, feed) in &fleet.backups {
                if feed.data().is_some_and(|h| {
                    h.recovery_points
                        .iter()
                        .any(|p| p.resource_id == *name || tail(&p.resource_id) == *name)
                }) {
                    seen.extend(place.account.as_deref());
                }
            }
            for (account, feed) in &fleet.health {
                if feed.data().is_some_and(|checks| {
                    checks.iter().any(|c| {
                        c.id == *name || c.guards.iter().any(|g| dns(&g.name) == dns(name))
                    })
                }) {
                    seen.extend(account.as_deref());
                }
            }
        }
        Whereabouts::Vault(vault) => {
            for (place, feed) in &fleet.backups {
                if feed
                    .data()
                    .is_some_and(|h| h.recovery_points.iter().any(|p| p.vault == *vault))
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

/// The account `work` acts in: `Ok(None)` for a step that acts in no account (a shell step),
/// `Ok(Some(name))` when exactly one account shows its resource, else why it is refused.
pub fn place(fleet: &FleetView, work: &Work) -> Result<Option<String>, String> {
    let Some(what) = route::of_work(work) else {
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
