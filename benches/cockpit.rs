//! What the cockpit costs at scale: the simulator producing a round of snapshots, the app
//! deriving its rows, and one full draw, for a 1,200-replica fleet.
//! Run with `cargo bench --bench cockpit`.

use criterion::{Criterion, criterion_group, criterion_main};
use jiff::Timestamp;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ripcord::app::{App, Event, Mode};
use ripcord::clock::Clock;
use ripcord::config::{Config, Refresh};
use ripcord::source::sim::{Scenario, SimFleet, SimOptions};
use ripcord::theme::Theme;
use std::hint::black_box;

const FLEET: usize = 1200;

fn t0() -> Timestamp {
    Timestamp::from_second(1_800_000_000).expect("valid")
}

fn sim() -> SimFleet {
    SimFleet::new(SimOptions {
        fleet_size: FLEET,
        scenario: Scenario::RegionOutage,
        clock: Clock::manual(t0()),
        ..SimOptions::default()
    })
}

fn fed_app(sim: &SimFleet) -> App {
    let regions: Vec<String> = ["us-east-1", "us-west-2", "eu-west-1"]
        .map(String::from)
        .to_vec();
    let mut app = App::new(
        Mode::Demo {
            scenario: Scenario::RegionOutage,
        },
        "sim",
        &regions,
        Config::default().workloads(sim.workloads()),
        Refresh::demo(),
        Theme::load("dark").expect("built in"),
        t0(),
    );
    for region in &regions {
        app.update(
            Event::Replicas {
                region: region.clone(),
                result: sim.replicas_at(region, t0()),
            },
            t0(),
        );
        app.update(
            Event::Backups {
                region: region.clone(),
                result: sim.backups_at(region, t0()),
            },
            t0(),
        );
    }
    app.update(Event::Health(sim.health_checks_at(t0())), t0());
    app
}

fn benches(c: &mut Criterion) {
    let sim = sim();
    c.bench_function(
        "sim: replicas of one region (600 replicas, 60 samples each)",
        |b| b.iter(|| black_box(sim.replicas_at("us-west-2", t0()))),
    );
    c.bench_function("sim: backups of us-east-1 (14 days of jobs)", |b| {
        b.iter(|| black_box(sim.backups_at("us-east-1", t0())))
    });
    let app = fed_app(&sim);
    c.bench_function("app: replica rows (evaluate, filter, sort 1200)", |b| {
        b.iter(|| black_box(app.replica_rows().len()))
    });
    c.bench_function(
        "app: one snapshot event (apply and clamp selections)",
        |b| {
            let mut app = fed_app(&sim);
            let snapshot = sim.replicas_at("us-west-2", t0());
            b.iter(|| {
                app.update(
                    Event::Replicas {
                        region: "us-west-2".into(),
                        result: snapshot.clone(),
                    },
                    t0(),
                )
            })
        },
    );
    for (w, h) in [(80, 24), (200, 50)] {
        let mut terminal = Terminal::new(TestBackend::new(w, h)).expect("backend");
        c.bench_function(&format!("ui: full draw at {w}x{h}"), |b| {
            b.iter(|| {
                terminal
                    .draw(|f| ripcord::ui::render(&app, f))
                    .map(|_| ())
                    .expect("draws")
            })
        });
    }
}

criterion_group!(cockpit, benches);
criterion_main!(cockpit);
