//! What the cockpit costs at scale (issue 10, benchmark 1): for fleets of 1,000 and 10,000
//! replicas in 3 regions (with the simulator's 14 days of backup jobs and 200 health checks),
//! at 80x24 and 200x60:
//! - one full draw,
//! - one replica snapshot applied (`App::update` with a region's fresh listing),
//! - a key press that moves the selection (`j`), followed by the draw it causes,
//! - a filter keystroke (typing one letter at the `/` prompt), followed by its draw,
//! - a tick of the clock (one second later: what an idle cockpit does), and its draw,
//!
//! The clock moves with the keys as it does at a keyboard (100 ms a press), so rows kept
//! between frames are derived again whenever the time reaches an instant that can change one.
//!
//! plus the simulator's own cost and the row derivation alone.
//!
//! Run with `cargo bench --bench cockpit` (several minutes); `cargo bench --bench cockpit --
//! 10000` runs only the 10,000-replica cases. Results: `benches/README.md`.

use criterion::{BatchSize, BenchmarkId, Criterion, criterion_group, criterion_main};
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use jiff::Timestamp;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ripcord::app::{App, Event, Fetched, Mode};
use ripcord::clock::Clock;
use ripcord::config::{Config, Refresh};
use ripcord::source::sim::{Scenario, SimFleet, SimOptions};
use ripcord::theme::Theme;
use std::hint::black_box;

const FLEETS: [usize; 2] = [1_000, 10_000];
const SIZES: [(u16, u16); 2] = [(80, 24), (200, 60)];
/// The target estate has 200 health checks; the simulator builds a handful, so the
/// bench adds copies under new ids until there are this many.
const CHECKS: usize = 200;
const REGIONS: [&str; 3] = ["us-east-1", "us-west-2", "eu-west-1"];

fn t0() -> Timestamp {
    Timestamp::from_second(1_800_000_000).expect("valid")
}

fn sim(fleet: usize) -> SimFleet {
    SimFleet::new(SimOptions {
        fleet_size: fleet,
        scenario: Scenario::RegionOutage,
        clock: Clock::manual(t0()),
        ..SimOptions::default()
    })
}

fn key(code: KeyCode) -> Event {
    Event::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

fn fed_app(sim: &SimFleet) -> App {
    let regions: Vec<String> = REGIONS.map(String::from).to_vec();
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
            Event::Fetched(Fetched::Replicas {
                place: region.clone().into(),
                result: sim.replicas_at(region, t0()),
            }),
            t0(),
        );
        app.update(
            Event::Fetched(Fetched::Backups {
                place: region.clone().into(),
                result: sim.backups_at(region, t0()),
            }),
            t0(),
        );
    }
    let health = sim.health_checks_at(t0()).map(|mut snapshot| {
        let base = snapshot.data.clone();
        let mut n = 0;
        while snapshot.data.len() < CHECKS {
            let mut check = base[n % base.len()].clone();
            check.id = format!("{}-copy{n}", check.id);
            check.name = format!("{} copy {n}", check.name);
            snapshot.data.push(check);
            n += 1;
        }
        snapshot
    });
    app.update(
        Event::Fetched(Fetched::Health {
            account: None,
            result: health,
        }),
        t0(),
    );
    app
}

/// When the `n`-th key of a run is pressed: 100 ms after the one before.
fn at_press(n: usize) -> Timestamp {
    t0() + jiff::SignedDuration::from_millis(100 * i64::try_from(n).unwrap_or(i64::MAX / 200))
}

fn draw(terminal: &mut Terminal<TestBackend>, app: &App) {
    terminal
        .draw(|f| ripcord::ui::render(app, f))
        .map(|_| ())
        .expect("draws")
}

/// The events the idle demo's UI thread takes in over the 10 s from `start`, in order.
fn idle_demo_window(sim: &SimFleet, start: Timestamp) -> Vec<(Event, Timestamp)> {
    let at = |millis: i64| start + jiff::SignedDuration::from_millis(millis);
    let mut events = Vec::new();
    for second in 0..10 {
        events.push((Event::Tick, at(1000 * second)));
    }
    for (n, region) in REGIONS.iter().enumerate() {
        // The regions' pollers answer a little apart, as they do live.
        let offset = 100 * i64::try_from(n).unwrap_or(0);
        for every_2s in 0..5 {
            let now = at(2000 * every_2s + offset);
            events.push((
                Event::Fetched(Fetched::Replicas {
                    place: (*region).into(),
                    result: sim.replicas_at(region, now),
                }),
                now,
            ));
        }
        let now = at(offset + 50);
        events.push((
            Event::Fetched(Fetched::Backups {
                place: (*region).into(),
                result: sim.backups_at(region, now),
            }),
            now,
        ));
    }
    for every_3s in 0..4 {
        let now = at(3000 * every_3s + 500);
        events.push((
            Event::Fetched(Fetched::Health {
                account: None,
                result: sim.health_checks_at(now),
            }),
            now,
        ));
    }
    events.sort_by_key(|(_, now)| *now);
    events
}

fn benches(c: &mut Criterion) {
    for fleet in FLEETS {
        let sim = sim(fleet);
        let per_region = fleet.div_ceil(REGIONS.len());
        let mut group = c.benchmark_group(format!("{fleet} replicas"));
        group.sample_size(20);

        group.bench_function(
            format!("sim: replicas of one region ({per_region}, 60 samples each)"),
            |b| b.iter(|| black_box(sim.replicas_at("us-west-2", t0()))),
        );
        let app = fed_app(&sim);
        group.bench_function("app: replica rows (evaluate, filter, sort)", |b| {
            b.iter(|| black_box(app.replica_rows().len()))
        });
        group.bench_function("app: one snapshot applied", |b| {
            let mut app = fed_app(&sim);
            let snapshot = sim.replicas_at("us-west-2", t0());
            b.iter(|| {
                app.update(
                    Event::Fetched(Fetched::Replicas {
                        place: "us-west-2".into(),
                        result: snapshot.clone(),
                    }),
                    t0(),
                )
            })
        });
        for (w, h) in SIZES {
            let size = format!("{w}x{h}");
            let mut terminal = Terminal::new(TestBackend::new(w, h)).expect("backend");
            group.bench_function(BenchmarkId::new("ui: full draw", &size), |b| {
                b.iter(|| draw(&mut terminal, &app))
            });
            group.bench_function(BenchmarkId::new("key j (selection) + draw", &size), |b| {
                let mut app = fed_app(&sim);
                let mut pressed = 0usize;
                b.iter(|| {
                    // 30 rows down, then 30 up, and again: the selection moves every time
                    // (it never rests against the end of the list) and scrolls the table.
                    let code = if pressed % 60 < 30 {
                        KeyCode::Char('j')
                    } else {
                        KeyCode::Char('k')
                    };
                    pressed += 1;
                    app.update(key(code), at_press(pressed));
                    draw(&mut terminal, &app);
                })
            });
            group.bench_function(BenchmarkId::new("tick (1 s later) + draw", &size), |b| {
                let mut app = fed_app(&sim);
                let mut ticks = 0i64;
                b.iter(|| {
                    ticks += 1;
                    app.update(Event::Tick, t0() + jiff::SignedDuration::from_secs(ticks));
                    draw(&mut terminal, &app);
                })
            });
            group.bench_function(BenchmarkId::new("idle demo, 10 s + draws", &size), |b| {
                // What the idle demo's UI thread does in 10 s: each region's replicas feed
                // answers every 2 s with a whole new list (the lag moved), its backups every
                // 10 s, the health checks every 3 s (demo refresh), the clock ticks every
                // second, and a frame is drawn after each. The simulator makes the answers in
                // the untimed set-up: its own cost is the "sim:" line, not the cockpit's.
                let mut app = fed_app(&sim);
                let mut windows = 0i64;
                b.iter_batched(
                    || {
                        windows += 1;
                        idle_demo_window(&sim, t0() + jiff::SignedDuration::from_secs(10 * windows))
                    },
                    |events| {
                        for (event, now) in events {
                            app.update(event, now);
                            draw(&mut terminal, &app);
                        }
                    },
                    BatchSize::PerIteration,
                )
            });
            group.bench_function(BenchmarkId::new("filter keystroke + draw", &size), |b| {
                let mut app = fed_app(&sim);
                app.update(key(KeyCode::Char('/')), t0());
                let mut typed = 0usize;
                b.iter(|| {
                    // Type `e`, then erase it, alternately: each press re-filters the fleet.
                    let code = if typed.is_multiple_of(2) {
                        KeyCode::Char('e')
                    } else {
                        KeyCode::Backspace
                    };
                    typed += 1;
                    app.update(key(code), at_press(typed));
                    draw(&mut terminal, &app);
                })
            });
        }
        group.finish();
    }
}

criterion_group!(cockpit, benches);
criterion_main!(cockpit);
