//! Shared builders for integration tests: an App fed from the simulated fleet at a fixed time.
#![allow(dead_code)]

pub mod drill;
pub mod driver;
pub mod moto;
pub mod recording;
pub mod tmux;

use jiff::Timestamp;
use ripcord::app::{App, Event, FeedId, Fetched, Mode};
use ripcord::clock::Clock;
use ripcord::config::{Config, Refresh};
use ripcord::source::sim::{Scenario, SimFleet, SimOptions};
use ripcord::theme::Theme;
use std::time::Duration;

/// A fixed instant, so that snapshots never depend on when the test runs.
pub fn t0() -> Timestamp {
    "2026-11-21T03:00:00Z".parse().expect("valid timestamp")
}

pub fn at(offset_secs: i64) -> Timestamp {
    t0().checked_add(jiff::SignedDuration::from_secs(offset_secs))
        .expect("in range")
}

pub fn sim(scenario: Scenario) -> SimFleet {
    SimFleet::new(SimOptions {
        scenario,
        clock: Clock::manual(t0()),
        ..SimOptions::default()
    })
}

pub fn regions() -> Vec<String> {
    ["us-east-1", "us-west-2", "eu-west-1"]
        .iter()
        .map(|s| s.to_string())
        .collect()
}

/// An app that has received one full round of snapshots from `sim` at `when`.
pub fn app_fed(sim: &SimFleet, theme: Theme, when: Timestamp) -> App {
    let mut app = App::new(
        Mode::Demo {
            scenario: sim.scenario(),
        },
        "sim",
        &regions(),
        Config::default().workloads(sim.workloads()),
        Refresh::demo(),
        theme,
        when,
    );
    feed_round(&mut app, sim, when);
    app
}

/// Sends every feed's answer at `when`, as the pollers would: the pollers' own list of
/// feeds (`FeedId::all`), each read from the simulator at `when`.
pub fn feed_round(app: &mut App, sim: &SimFleet, when: Timestamp) {
    for feed in FeedId::all(&regions()) {
        app.update(Event::Fetched(sim_answer(sim, &feed, when)), when);
    }
}

/// What the simulator answers for `feed` at `when`.
pub fn sim_answer(sim: &SimFleet, feed: &FeedId, when: Timestamp) -> Fetched {
    match feed {
        FeedId::Replicas(place) => Fetched::Replicas {
            place: place.clone(),
            result: sim.replicas_at(&place.region, when),
        },
        FeedId::Backups(place) => Fetched::Backups {
            place: place.clone(),
            result: sim.backups_at(&place.region, when),
        },
        FeedId::Health(account) => Fetched::Health {
            account: account.clone(),
            result: sim.health_checks_at(when),
        },
    }
}

pub fn dark() -> Theme {
    Theme::load("dark").expect("built-in theme")
}

pub fn secs(n: u64) -> Duration {
    Duration::from_secs(n)
}
