//! Whole-screen snapshots of the cockpit on ratatui's TestBackend, at 80x24 and at a wide
//! size, for fresh, stale and failed data. Fixed clock and seed: the same pixels every run.

use crate::common;

use common::*;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::style::{Color, Modifier};
use ripcord::app::{App, Event, Fetched};
use ripcord::source::sim::Scenario;
use ripcord::source::{SourceError, SourceErrorKind};
use ripcord::theme::Theme;

fn draw(app: &App, width: u16, height: u16) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("test backend");
    terminal
        .draw(|frame| ripcord::ui::render(app, frame))
        .expect("draws");
    terminal
}

fn press(app: &mut App, code: KeyCode) {
    let now = app.now;
    app.update(Event::Key(KeyEvent::new(code, KeyModifiers::NONE)), now);
}

fn screen(app: &App, width: u16, height: u16) -> String {
    draw(app, width, height).backend().to_string()
}

#[test]
fn fresh_replicas_80x24() {
    let app = app_fed(&sim(Scenario::Normal), dark(), t0());
    insta::assert_snapshot!(screen(&app, 80, 24));
}

#[test]
fn fresh_wide() {
    let app = app_fed(&sim(Scenario::Normal), dark(), t0());
    insta::assert_snapshot!(screen(&app, 200, 50));
}

#[test]
fn fresh_mid_width_single_column() {
    let app = app_fed(&sim(Scenario::Normal), dark(), t0());
    insta::assert_snapshot!(screen(&app, 120, 40));
}

#[test]
fn backups_views_80x24() {
    let mut app = app_fed(&sim(Scenario::Normal), dark(), t0());
    press(&mut app, KeyCode::Char('2'));
    insta::assert_snapshot!("backups_vaults_80x24", screen(&app, 80, 24));
    press(&mut app, KeyCode::Char('v'));
    insta::assert_snapshot!("backups_points_80x24", screen(&app, 80, 24));
    press(&mut app, KeyCode::Char('v'));
    insta::assert_snapshot!("backups_failures_80x24", screen(&app, 80, 24));
    insta::assert_snapshot!("backups_failures_wide", screen(&app, 200, 50));
}

#[test]
fn health_pane_and_checker_detail_80x24() {
    let s = sim(Scenario::RegionOutage);
    let when = at(30);
    let mut app = app_fed(&s, dark(), when);
    press(&mut app, KeyCode::Char('3'));
    insta::assert_snapshot!("health_outage_80x24", screen(&app, 80, 24));
    insta::assert_snapshot!("health_outage_wide", screen(&app, 200, 50));
    press(&mut app, KeyCode::Enter);
    insta::assert_snapshot!("health_detail_80x24", screen(&app, 80, 24));
}

#[test]
fn stale_data_is_marked_80x24_and_wide() {
    let s = sim(Scenario::Normal);
    let mut app = app_fed(&s, dark(), t0());
    // Health refreshes, the others stop: lag and backups pass twice their interval.
    let later = at(25);
    app.update(
        Event::Fetched(Fetched::Health {
            account: None,
            result: s.health_checks_at(later),
        }),
        later,
    );
    insta::assert_snapshot!("stale_80x24", screen(&app, 80, 24));
    insta::assert_snapshot!("stale_wide", screen(&app, 200, 50));
}

#[test]
fn failed_region_keeps_last_data_and_says_why() {
    let s = sim(Scenario::Normal);
    let mut app = app_fed(&s, dark(), t0());
    let later = at(8);
    feed_round(&mut app, &s, later);
    let timeout = SourceError::new(
        SourceErrorKind::Timeout,
        "rds:DescribeDBInstances",
        "no answer within 2s",
    );
    app.update(
        Event::Fetched(Fetched::Replicas {
            place: "us-west-2".into(),
            result: Err(timeout),
        }),
        later,
    );
    let denied = SourceError::new(
        SourceErrorKind::AccessDenied,
        "backup:ListBackupJobs",
        "not authorized to perform backup:ListBackupJobs",
    );
    app.update(
        Event::Fetched(Fetched::Backups {
            place: "eu-west-1".into(),
            result: Err(denied),
        }),
        later,
    );
    insta::assert_snapshot!("failed_80x24", screen(&app, 80, 24));
    insta::assert_snapshot!("failed_wide", screen(&app, 200, 50));
}

#[test]
fn nothing_fetched_yet_and_everything_failing() {
    let mut app = app_fed(&sim(Scenario::Normal), dark(), t0());
    app.fleet
        .replicas
        .values_mut()
        .for_each(|f| f.last_good = None);
    app.fleet
        .backups
        .values_mut()
        .for_each(|f| f.last_good = None);
    app.fleet
        .health
        .values_mut()
        .for_each(|f| f.last_good = None);
    insta::assert_snapshot!("waiting_80x24", screen(&app, 80, 24));
    let err = SourceError::new(
        SourceErrorKind::Unreachable,
        "route53:ListHealthChecks",
        "connection refused",
    );
    app.update(
        Event::Fetched(Fetched::Health {
            account: None,
            result: Err(err),
        }),
        at(1),
    );
    insta::assert_snapshot!("health_failed_never_fetched_80x24", screen(&app, 80, 24));
}

#[test]
fn help_overlay_80x24() {
    let mut app = app_fed(&sim(Scenario::Normal), dark(), t0());
    press(&mut app, KeyCode::Char('?'));
    insta::assert_snapshot!(screen(&app, 80, 24));
}

#[test]
fn filter_prompt_80x24() {
    let mut app = app_fed(&sim(Scenario::Normal), dark(), t0());
    press(&mut app, KeyCode::Char('/'));
    for c in "orders".chars() {
        press(&mut app, KeyCode::Char(c));
    }
    insta::assert_snapshot!(screen(&app, 80, 24));
}

#[test]
fn too_small_shows_a_notice_not_a_panic() {
    let app = app_fed(&sim(Scenario::Normal), dark(), t0());
    let text = screen(&app, 20, 5);
    assert!(text.contains("Terminal too"), "{text}");
    for (w, h) in [(1, 1), (0, 0), (59, 24), (80, 14), (200, 3)] {
        draw(&app, w, h);
    }
}

#[test]
fn every_size_from_tiny_to_wide_draws() {
    let mut app = app_fed(&sim(Scenario::RegionOutage), dark(), at(40));
    for focus in ['1', '2', '3'] {
        press(&mut app, KeyCode::Char(focus));
        for (w, h) in [
            (60, 15),
            (80, 24),
            (100, 30),
            (119, 40),
            (120, 40),
            (239, 60),
            (240, 60),
            (300, 80),
        ] {
            draw(&app, w, h);
        }
    }
}

/// NO_COLOR: the mono theme uses no colour at all, and every verdict still reads as a word.
#[test]
fn monochrome_tells_every_state_apart_without_colour() {
    let s = sim(Scenario::RegionOutage);
    let mono = Theme::select("dark", true).expect("mono loads");
    let mut app = app_fed(&s, mono, at(40));
    feed_round(&mut app, &s, at(40));
    app.update(Event::Tick, at(70));
    // One region answers again: fresh rows (OK among them) beside stale ones (never OK).
    app.update(
        Event::Fetched(Fetched::Replicas {
            place: "eu-west-1".into(),
            result: s.replicas_at("eu-west-1", at(70)),
        }),
        at(70),
    );
    app.update(
        Event::Fetched(Fetched::Backups {
            place: "eu-west-1".into(),
            result: s.backups_at("eu-west-1", at(70)),
        }),
        at(70),
    );
    let terminal = draw(&app, 200, 50);
    let buffer = terminal.backend().buffer();
    for cell in buffer.content() {
        assert!(
            matches!(cell.fg, Color::Reset) && matches!(cell.bg, Color::Reset),
            "colour in mono at {:?}: {:?}",
            cell.symbol(),
            cell
        );
    }
    let text = terminal.backend().to_string();
    for word in ["✖ CRIT", "▲ WARN", "✔ OK", "? N/A", "STALE", "UNHEALTHY"] {
        assert!(text.contains(word), "mono screen lacks {word}:\n{text}");
    }
    // Emphasis still separates the worst from the rest, by weight instead of colour.
    let crit_cell = buffer
        .content()
        .iter()
        .find(|c| c.symbol() == "✖")
        .expect("a crit verdict");
    assert!(crit_cell.modifier.contains(Modifier::BOLD));
    insta::assert_snapshot!("mono_outage_wide", text);
}

/// The light theme (for light terminal backgrounds): every verdict is on screen as a word, and
/// CRIT, WARN, OK, N/A and STALE are each drawn in a style of their own, so colour and word
/// both tell them apart.
#[test]
fn the_light_theme_tells_every_state_apart() {
    let s = sim(Scenario::RegionOutage);
    let light = Theme::load("light").expect("light loads");
    let mut app = app_fed(&s, light, at(40));
    feed_round(&mut app, &s, at(40));
    app.update(Event::Tick, at(70));
    app.update(
        Event::Fetched(Fetched::Replicas {
            place: "eu-west-1".into(),
            result: s.replicas_at("eu-west-1", at(70)),
        }),
        at(70),
    );
    app.update(
        Event::Fetched(Fetched::Backups {
            place: "eu-west-1".into(),
            result: s.backups_at("eu-west-1", at(70)),
        }),
        at(70),
    );
    let terminal = draw(&app, 200, 50);
    let buffer = terminal.backend().buffer();
    let text = terminal.backend().to_string();
    let mut styles = Vec::new();
    for (symbol, word) in [("✖", "CRIT"), ("▲", "WARN"), ("✔", "OK"), ("?", "N/A")] {
        assert!(
            text.contains(&format!("{symbol} {word}")),
            "light screen lacks {word}:\n{text}"
        );
        let cell = buffer
            .content()
            .iter()
            .find(|c| c.symbol() == symbol)
            .unwrap_or_else(|| panic!("a {word} verdict"));
        styles.push((word, cell.fg, cell.bg, cell.modifier));
    }
    for (i, a) in styles.iter().enumerate() {
        for b in &styles[i + 1..] {
            assert!(
                (a.1, a.2, a.3) != (b.1, b.2, b.3),
                "{} and {} look alike in the light theme: {a:?} {b:?}",
                a.0,
                b.0
            );
        }
    }
    assert!(text.contains("STALE"), "{text}");
    insta::assert_snapshot!("light_outage_wide", text);
}

/// A fleet with names as long as real ones: a replica whose name starts with its primary's,
/// replicas longer than any column gives them, and a recovery point named by its ARN (as
/// AWS Backup names protected resources).
fn app_with_long_names() -> (App, Vec<String>, Vec<String>) {
    let s = sim(Scenario::Normal);
    let mut app = app_fed(&s, dark(), t0());
    let mut west = s.replicas_at("us-west-2", t0()).expect("sim answers");
    let model = west.data[0].clone();
    for (id, source) in [
        ("zz-billing-mysql-dr", "zz-billing-mysql"),
        (
            "sessions-read-euw1-reporting-replica",
            "sessions-primary-cluster-writer",
        ),
    ] {
        let mut r = model.clone();
        r.id = id.to_string();
        r.source_id = source.to_string();
        west.data.push(r);
    }
    let mut east = s.backups_at("us-east-1", t0()).expect("sim answers");
    for p in &mut east.data.recovery_points {
        p.resource_id = format!(
            "arn:aws:ec2:us-east-1:123456789012:volume/{}",
            p.resource_id
        );
    }
    // The new replicas' sources are backed up too (newest point as fresh as the freshest), so
    // that the worst offender stays the volume named by ARN.
    let freshest = east
        .data
        .recovery_points
        .iter()
        .max_by_key(|p| p.newest.taken_at())
        .cloned()
        .expect("the simulator lists recovery points");
    for source in ["zz-billing-mysql", "sessions-primary-cluster-writer"] {
        let mut p = freshest.clone();
        p.resource_id = format!(
            "arn:aws:rds:{}:123456789012:db:{source}",
            model.source_region
        );
        p.resource_type = "RDS".into();
        east.data.recovery_points.push(p);
    }
    let replicas: Vec<String> = west.data.iter().map(|r| r.id.clone()).collect();
    let sources: Vec<String> = west.data.iter().map(|r| r.source_id.clone()).collect();
    app.update(
        Event::Fetched(Fetched::Replicas {
            place: "us-west-2".into(),
            result: Ok(west),
        }),
        t0(),
    );
    app.update(
        Event::Fetched(Fetched::Backups {
            place: "us-east-1".into(),
            result: Ok(east),
        }),
        t0(),
    );
    let mut all_replicas: Vec<String> = app
        .fleet
        .replicas
        .values()
        .filter_map(|f| f.data())
        .flatten()
        .map(|r| r.id.clone())
        .collect();
    all_replicas.extend(replicas);
    let mut all_sources: Vec<String> = app
        .fleet
        .replicas
        .values()
        .filter_map(|f| f.data())
        .flatten()
        .map(|r| r.source_id.clone())
        .collect();
    all_sources.extend(sources);
    (app, all_replicas, all_sources)
}

/// `shown` is one of `names` whole, or the start of one of them ending in `…`.
fn whole_or_marked(shown: &str, names: &[String]) -> bool {
    names.iter().any(|n| n == shown)
        || shown
            .strip_suffix('…')
            .is_some_and(|head| names.iter().any(|n| n.starts_with(head)))
}

/// The replica and source cells of every row of the lag pane on `screen`.
fn lag_cells(screen: &str) -> Vec<(String, String)> {
    screen
        .lines()
        .filter(|l| l.starts_with("\"┃"))
        .filter_map(|l| {
            let words: Vec<&str> = l.split_whitespace().collect();
            let at = words
                .iter()
                .position(|w| ["OK", "WARN", "CRIT", "N/A"].contains(w))?;
            Some((
                words.get(at + 1)?.to_string(),
                words.get(at + 2)?.to_string(),
            ))
        })
        .collect()
}

#[test]
fn long_names_are_never_cut_silently_80x24_and_120_wide() {
    let (mut app, replicas, sources) = app_with_long_names();
    for (w, h) in [(80, 24), (120, 40)] {
        let text = screen(&app, w, h);
        let cells = lag_cells(&text);
        assert!(cells.len() >= 6, "{w}x{h}: rows found {cells:?}\n{text}");
        for (replica, source) in &cells {
            assert!(
                whole_or_marked(replica, &replicas),
                "{w}x{h}: replica cell `{replica}` is cut without `…`:\n{text}"
            );
            assert!(
                whole_or_marked(source, &sources),
                "{w}x{h}: source cell `{source}` is cut without `…`:\n{text}"
            );
        }
        let worst = text.lines().nth(1).unwrap_or_default();
        assert!(
            worst.contains("vol-0f9e-reports") && !worst.contains("arn:"),
            "{w}x{h}: the header names a resource by its short name: {worst}"
        );
    }
    // At 120 the replicas get their room: a name whole, never its primary's in its place.
    let wide = screen(&app, 120, 40);
    assert!(
        lag_cells(&wide)
            .iter()
            .any(|(replica, _)| replica == "zz-billing-mysql-dr"),
        "{wide}"
    );
    // The vault column is as wide as its names, not a stretch of blanks.
    assert!(
        wide.lines()
            .filter(|l| l.contains("prod-use1"))
            .all(|l| !l.contains("prod-use1          ")),
        "{wide}"
    );
    insta::assert_snapshot!("long_names_80x24", screen(&app, 80, 24));
    insta::assert_snapshot!("long_names_120x40", wide);
    // Enter shows a name the table had to cut, whole.
    let long = "sessions-read-euw1-reporting-replica";
    assert!(!wide.contains(long), "cut in the table at 120: {wide}");
    let row = lag_cells(&wide)
        .iter()
        .position(|(replica, _)| replica.starts_with("sessions-read-euw1-rep"))
        .expect("the long replica's row");
    for _ in 0..row {
        press(&mut app, KeyCode::Char('j'));
    }
    press(&mut app, KeyCode::Enter);
    let detail = screen(&app, 120, 40);
    assert!(detail.contains(long), "{detail}");
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Char('2'));
    press(&mut app, KeyCode::Char('v'));
    insta::assert_snapshot!("long_names_points_80x24", screen(&app, 80, 24));
}

/// Selects the replica `id` in the replicas pane and opens its detail; returns what the
/// detail asked for.
fn open_replica(app: &mut App, id: &str) -> ripcord::fleet::HistoryOf {
    press(app, KeyCode::Char('1'));
    let index = app
        .replica_rows()
        .iter()
        .position(|r| r.replica.id == id)
        .expect("the replica is listed");
    press(app, KeyCode::Char('g'));
    for _ in 0..index {
        press(app, KeyCode::Char('j'));
    }
    let now = app.now;
    let commands = app.update(
        Event::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE)),
        now,
    );
    match commands.as_slice() {
        [ripcord::app::Command::FetchLagHistory(of)] => {
            assert_eq!(of.id, id);
            of.clone()
        }
        other => panic!("Enter on a replica asks for its history once: {other:?}"),
    }
}

/// Enter on a replica: its lag over 24 h and 7 d against the RPO, with the share within it,
/// while it loads, once it has arrived, and when it failed.
/// In an outage of its source's region, the DR replica's lag climbs past the RPO: the newest
/// periods cross the line (`!`).
#[test]
fn replica_detail_with_lag_history_80x24() {
    let s = sim(Scenario::RegionOutage);
    let mut app = app_fed(&s, dark(), at(400));
    let of = open_replica(&mut app, "orders-dr-usw2");
    insta::assert_snapshot!("replica_history_loading_80x24", screen(&app, 80, 24));
    app.update(
        Event::LagHistory {
            of: of.clone(),
            result: s.lag_history_at(&of, at(400)),
        },
        at(402),
    );
    insta::assert_snapshot!("replica_history_80x24", screen(&app, 80, 24));
    // A denied read says so, and says nothing about the share.
    let mut failed = app_fed(&s, dark(), at(400));
    let of = open_replica(&mut failed, "orders-dr-usw2");
    failed.update(
        Event::LagHistory {
            of,
            result: Err(SourceError::new(
                SourceErrorKind::AccessDenied,
                "cloudwatch:GetMetricData",
                "not authorized to perform cloudwatch:GetMetricData",
            )),
        },
        at(402),
    );
    let text = screen(&failed, 80, 24);
    assert!(text.contains("cannot tell: "), "{text}");
    assert!(text.contains("not authorized"), "{text}");
    assert!(!text.contains("within RPO"), "{text}");
}

/// NO_COLOR: the history reads without colour. The replica whose metric stopped before the
/// outage: its newest periods are gaps (`·`), not good lag.
#[test]
fn replica_history_in_mono_80x24() {
    let s = sim(Scenario::RegionOutage);
    let mono = Theme::select("dark", true).expect("mono loads");
    let mut app = app_fed(&s, mono, at(400));
    let of = open_replica(&mut app, "orders-read-euw1");
    app.update(
        Event::LagHistory {
            of: of.clone(),
            result: s.lag_history_at(&of, at(400)),
        },
        at(402),
    );
    let terminal = draw(&app, 80, 24);
    for cell in terminal.backend().buffer().content() {
        assert!(
            matches!(cell.fg, Color::Reset) && matches!(cell.bg, Color::Reset),
            "colour in mono at {:?}: {:?}",
            cell.symbol(),
            cell
        );
    }
    let text = terminal.backend().to_string();
    insta::assert_snapshot!("replica_history_mono_80x24", text);
}
