//! A cockpit on the simulated fleet that carries out runbook work the way the real one does
//! (the same worker, the simulator's `Actions`), on a clock that moves only when work waits.

use super::driver::Driver;
use super::*;
use ripcord::clock::Clock;
use ripcord::fleet::CheckStatus;
use ripcord::runbook::{Actions, Library};
use ripcord::source::sim::drill::ZONE_ID;
use ripcord::source::sim::{Scenario, SimFleet, SimOptions};
use std::ops::{Deref, DerefMut};
use std::sync::Arc;
use std::time::Duration;

pub struct Drill {
    pub driver: Driver,
    pub sim: Arc<SimFleet>,
}

impl Deref for Drill {
    type Target = Driver;
    fn deref(&self) -> &Driver {
        &self.driver
    }
}

impl DerefMut for Drill {
    fn deref_mut(&mut self) -> &mut Driver {
        &mut self.driver
    }
}

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
        let actions: Arc<dyn Actions> = sim.clone();
        Drill {
            driver: Driver {
                app,
                actions,
                clock,
            },
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
