//! What an idle cockpit redraws, and when: ages move at their shown precision, and a verdict
//! that turns (a feed gone stale) shows on the first frame past its instant.

use crate::app::{App, Event, Fetched, Mode};
use crate::clock::Clock;
use crate::config::{Config, Refresh};
use crate::source::sim::{SimFleet, SimOptions};
use crate::theme::Theme;
use jiff::{SignedDuration, Timestamp};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;

const REGIONS: [&str; 3] = ["us-east-1", "us-west-2", "eu-west-1"];

fn t0() -> Timestamp {
    Timestamp::from_second(1_800_000_000).expect("valid")
}

fn at(millis: i64) -> Timestamp {
    t0() + SignedDuration::from_millis(millis)
}

/// The live cockpit's refresh (lag and DNS every 30 s, backups every 5 min), a small fleet,
/// every feed answered once at `t0`.
fn live_app() -> App {
    let sim = SimFleet::new(SimOptions {
        fleet_size: 4,
        clock: Clock::manual(t0()),
        ..SimOptions::default()
    });
    let regions: Vec<String> = REGIONS.map(String::from).to_vec();
    let mut app = App::new(
        Mode::Live { profile: None },
        "aws",
        &regions,
        Config::default().workloads(sim.workloads()),
        Refresh::default(),
        Theme::mono(),
        t0(),
    );
    for region in &regions {
        let replicas = sim.replicas_at(region, t0());
        let backups = sim.backups_at(region, t0());
        for fetched in [
            Fetched::Replicas {
                place: region.clone().into(),
                result: replicas,
            },
            Fetched::Backups {
                place: region.clone().into(),
                result: backups,
            },
        ] {
            app.update(Event::Fetched(fetched), t0());
        }
    }
    app.update(
        Event::Fetched(Fetched::Health {
            account: None,
            result: sim.health_checks_at(t0()),
        }),
        t0(),
    );
    app
}

/// The 80x24 screen a tick at `now` draws.
fn screen(app: &mut App, now: Timestamp) -> Buffer {
    app.update(Event::Tick, now);
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).expect("backend");
    terminal
        .draw(|frame| super::render(app, frame))
        .expect("draws");
    terminal.backend().buffer().clone()
}

fn text(buffer: &Buffer) -> String {
    buffer
        .content()
        .chunks(usize::from(buffer.area.width))
        .map(|row| row.iter().map(|c| c.symbol()).collect::<String>() + "\n")
        .collect()
}

#[test]
fn an_idle_second_changes_no_cell_until_a_shown_age_moves() {
    let mut app = live_app();
    // 11 s to 14.9 s after the answers: every age on screen reads "10s".
    let first = screen(&mut app, at(11_000));
    assert!(text(&first).contains("10s"), "{}", text(&first));
    for millis in [12_000, 13_000, 14_000, 14_999] {
        let later = screen(&mut app, at(millis));
        assert_eq!(
            text(&later),
            text(&first),
            "{millis} ms: no shown age moved, so no cell may change"
        );
    }
    // At 15 s they read "15s": the ages' cells change, and every one of them says so.
    let moved = screen(&mut app, at(15_000));
    assert_ne!(text(&moved), text(&first));
    assert!(!text(&moved).contains("10s"), "{}", text(&moved));
}

#[test]
fn a_feed_turns_stale_on_the_first_frame_past_its_instant() {
    let mut app = live_app();
    // Twice the 30 s refresh: fresh at 60 s, stale a millisecond later, whatever the
    // precision of the ages shown beside it.
    let before = text(&screen(&mut app, at(60_000)));
    assert!(!before.contains("STALE"), "{before}");
    let after = text(&screen(&mut app, at(60_001)));
    assert!(after.contains("STALE"), "{after}");
}
