//! One way to wire a cockpit: the demo and the live account differ only in their `Parts` (the
//! fleet, who carries out actions, whose credentials those are); the app, its runbook sessions,
//! the audit journal and the sources are put together here, once, for both.

use crate::app::runbook::Launch;
use crate::app::{App, Mode};
use crate::audit::journal::Journal;
use crate::audit::model::ActedIn;
use crate::audit::resume::Prepared;
use crate::cockpit::Sources;
use crate::config::Refresh;
use crate::fleet::Workloads;
use crate::runbook::Library;
use crate::runbook::act::port::CallerIdentity;
use crate::runbook::act::route::Acting;
use crate::source::AccountFleet;
use crate::source::sim::SimFleet;
use crate::theme::Theme;
use jiff::Timestamp;
use std::path::PathBuf;
use std::sync::Arc;

/// The demo's drill history, rehearsed before the demo's cockpit is assembled.
pub mod rehearsal;

/// What differs between the demo and the live cockpit.
pub struct Parts {
    pub mode: Mode,
    /// Each account's fleet (one, unnamed, when the config names no accounts).
    pub fleets: Vec<AccountFleet>,
    /// The simulator itself, when the fleet is simulated (`:scenario`).
    pub sim: Option<Arc<SimFleet>>,
    /// What carries out runbook steps (one `Actions`, or each named account's); none when
    /// read-only.
    pub acting: Option<Acting>,
    /// With named accounts that act: each account and whose credentials act there (asked
    /// before the terminal was taken over); the audit records of a step name its account's.
    pub accounts: Vec<ActedIn>,
    pub workloads: Workloads,
    pub refresh: Refresh,
    /// Whose credentials the actions use, asked before the terminal was taken over (with
    /// named accounts, unknown: each account's is in `accounts`).
    pub caller: CallerIdentity,
}

/// What the operator chose, the same for both.
pub struct Settings {
    pub theme: Theme,
    pub read_only: bool,
    pub runbook_dirs: Vec<PathBuf>,
    pub audit_dir: PathBuf,
    /// Who is at the keyboard, for the run log.
    pub operator: String,
}

/// A cockpit ready to run: its app, its sources and the journal every run goes through.
pub struct Assembled {
    pub app: App,
    pub sources: Sources,
    pub journal: Journal,
}

/// Wires a cockpit from its `parts`. `launch` is a run asked for by `ripcord runbook run`,
/// `resumed` one read back by `ripcord runbook resume`: the journal adopts it only now that the
/// credentials are known, and refuses one of another account or source (the error says why).
pub fn assemble(
    parts: Parts,
    settings: Settings,
    launch: Option<Launch>,
    resumed: Option<Prepared>,
    now: Timestamp,
) -> Result<Assembled, String> {
    // With named accounts a run that acted with one set of credentials cannot go on here
    // (`resume::same_accounts`): it is not offered.
    let per_account = !parts.accounts.is_empty();
    let mut journal = Journal::new(
        settings.audit_dir.clone(),
        crate::audit::identity::current(parts.caller.clone()),
    )
    .with_accounts(parts.accounts);
    let launch = match resumed {
        Some(prepared) => Some(Launch::Resume(
            journal
                .adopt(prepared)
                .map_err(|refused| refused.to_string())?,
        )),
        None => launch,
    };
    // The unnamed account's regions make its feeds; named accounts are watched after.
    let unnamed: Vec<String> = parts
        .fleets
        .iter()
        .filter(|f| f.account.is_none())
        .flat_map(|f| f.fleet.regions())
        .collect();
    let mut app = App::new(
        parts.mode,
        parts.fleets.first().map_or("aws", |f| f.fleet.name()),
        &unnamed,
        parts.workloads,
        parts.refresh,
        settings.theme,
        now,
    );
    app.fleet.watch_fleets(&parts.fleets);
    app.read_only = settings.read_only;
    let runbooks = &mut app.runbooks;
    runbooks.library = Library::load(&settings.runbook_dirs);
    runbooks.actions_available = parts.acting.is_some();
    runbooks.operator = settings.operator;
    runbooks.launch = launch;
    runbooks.audit_dir = Some(home_relative(&settings.audit_dir));
    // Only runs of this source and these credentials are offered: drills of the simulator in
    // the live cockpit, or runs of another account, are not.
    runbooks.unfinished = crate::audit::runs::unfinished_for(&settings.audit_dir, &parts.caller)
        .into_iter()
        .filter(|r| !(per_account && matches!(r.acted_as, CallerIdentity::Known { .. })))
        .collect();
    app.offer_unfinished();
    // Readiness: which runbook serves which workload, and the drills in the audit log.
    app.read_readiness_evidence(&settings.audit_dir);
    Ok(Assembled {
        app,
        sources: Sources {
            fleets: parts.fleets,
            sim: parts.sim,
            acting: parts.acting,
            refresh: parts.refresh,
        },
        journal,
    })
}

/// A path as the status bar shows it: `~` for the home directory.
fn home_relative(path: &std::path::Path) -> String {
    let text = path.display().to_string();
    match std::env::var("HOME") {
        Ok(home) if !home.is_empty() && text.starts_with(&home) => {
            format!("~{}", &text[home.len()..])
        }
        _ => text,
    }
}
