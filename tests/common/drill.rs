//! A cockpit on the simulated fleet that carries out runbook work the way the real one does
//! (the same worker, the simulator's `Actions`), on a clock that moves only when work waits.

use super::driver::Driver;
use super::*;
use ripcord::audit::journal::Journal;
use ripcord::clock::Clock;
use ripcord::fleet::CheckStatus;
use ripcord::runbook::act::port::CallerIdentity;
use ripcord::runbook::exec::RunIds;
use ripcord::runbook::{Actions, Library};
use ripcord::source::sim::drill::ZONE_ID;
use ripcord::source::sim::{Scenario, SimFleet, SimOptions};
use std::sync::Arc;
use std::time::Duration;

/// The driver of a cockpit on the simulated fleet, which it keeps (`sim`) for the test to read.
pub type Drill = Driver<Arc<SimFleet>>;

impl Drill {
    /// The demo's cockpit on a simulated fleet, `after` seconds into the scenario.
    pub fn new(scenario: Scenario, after: u64) -> Drill {
        let clock = Clock::manual(t0());
        let sim = Arc::new(SimFleet::new(SimOptions {
            scenario,
            clock: clock.clone(),
            ..SimOptions::default()
        }));
        clock.advance(Duration::from_secs(after));
        let mut app = app_fed(&sim, dark(), clock.now());
        app.runbooks.library = Library::shipped();
        app.runbooks.actions_available = true;
        app.runbooks.operator = "drill".into();
        // Run ids with a fixed random part, so that screens and tokens read the same each time.
        app.runbooks.ids = RunIds::seeded(42);
        let actions: Arc<dyn Actions> = sim.clone();
        Driver {
            app,
            actions,
            clock,
            journal: None,
            sim,
        }
    }

    /// The same, with run logs audited in `dir` as the cockpit does.
    pub fn audited(scenario: Scenario, after: u64, dir: &std::path::Path) -> Drill {
        let mut drill = Drill::new(scenario, after);
        drill.journal = Some(Journal::new(
            dir.to_path_buf(),
            ripcord::audit::identity::current(CallerIdentity::Simulated),
        ));
        drill
    }

    /// A second cockpit on the same simulated fleet, as after a crash and a restart: this one
    /// is gone (its journal closed, its lock released); the new app and journal start afresh
    /// and find the unfinished runs in `dir`; the fleet kept what was done to it.
    pub fn restart(self, dir: &std::path::Path) -> Drill {
        let Driver {
            app,
            actions,
            clock,
            journal,
            sim,
        } = self;
        // Gone before the new cockpit looks: the lock goes with the journal.
        drop(journal);
        drop(app);
        let mut app = app_fed(&sim, dark(), clock.now());
        app.runbooks.library = Library::shipped();
        app.runbooks.actions_available = true;
        app.runbooks.operator = "drill-2".into();
        app.runbooks.ids = RunIds::seeded(43);
        app.runbooks.unfinished = ripcord::audit::runs::unfinished(dir);
        Driver {
            app,
            actions,
            clock,
            journal: Some(Journal::new(
                dir.to_path_buf(),
                ripcord::audit::identity::current(CallerIdentity::Simulated),
            )),
            sim,
        }
    }

    pub async fn answer(&self, value: &str) -> bool {
        self.sim
            .dns_answer(ZONE_ID, "api.example.com.", "CNAME")
            .await
            .expect("route53 answers")
            .value
            .iter()
            .any(|a| a == value)
    }

    pub async fn check(&self, id: &str) -> CheckStatus {
        self.sim
            .health_check(id)
            .await
            .expect("known check")
            .value
            .status
    }
}
