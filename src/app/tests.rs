use super::*;
use crate::clock::Clock;
use crate::fleet::Place;
use crate::fleet::{LagSample, Replica, ReplicaKind, ReplicationState, Snapshot};
use crate::source::sim::{SimFleet, SimOptions};
use crate::source::{SourceError, SourceErrorKind};
use crossterm::event::{KeyCode, KeyEventKind, KeyModifiers};
use std::time::Duration;

fn t(s: i64) -> Timestamp {
    Timestamp::from_second(1_800_000_000 + s).expect("valid")
}

fn key(code: KeyCode) -> Event {
    Event::Key(KeyEvent::new(code, KeyModifiers::NONE))
}

fn regions() -> Vec<String> {
    ["us-east-1", "us-west-2", "eu-west-1"]
        .iter()
        .map(|s| s.to_string())
        .collect()
}

fn sim() -> SimFleet {
    SimFleet::new(SimOptions {
        clock: Clock::manual(t(0)),
        ..SimOptions::default()
    })
}

/// An app fed one round of snapshots from the simulated fleet at `t(0)`.
fn loaded_app() -> App {
    let sim = sim();
    let mut app = App::new(
        Mode::Demo {
            scenario: Scenario::Normal,
        },
        "sim",
        &regions(),
        crate::config::Config::default().workloads(sim.workloads()),
        Refresh::demo(),
        Theme::mono(),
        t(0),
    );
    for region in regions() {
        app.update(
            Event::Fetched(Fetched::Replicas {
                place: region.clone().into(),
                result: sim.replicas_at(&region, t(0)),
            }),
            t(0),
        );
        app.update(
            Event::Fetched(Fetched::Backups {
                place: region.clone().into(),
                result: sim.backups_at(&region, t(0)),
            }),
            t(0),
        );
    }
    app.update(
        Event::Fetched(Fetched::Health {
            account: None,
            result: sim.health_checks_at(t(0)),
        }),
        t(0),
    );
    app
}

fn replica(id: &str, lag: Option<u64>, state: ReplicationState) -> Replica {
    Replica {
        id: id.into(),
        region: "us-west-2".into(),
        source_id: "orders-primary".into(),
        source_region: "us-east-1".into(),
        engine: "postgres".into(),
        kind: ReplicaKind::RdsReadReplica,
        state,
        lag_samples: lag
            .map(|l| {
                vec![LagSample {
                    at: t(0),
                    lag: Some(Duration::from_secs(l)),
                }]
                .into()
            })
            .unwrap_or_default(),
        lag_problem: None,
    }
}

#[test]
fn tab_and_hjkl_move_between_panes_and_rows() {
    let mut app = loaded_app();
    assert_eq!(app.focus, Pane::Replicas);
    app.update(key(KeyCode::Tab), t(1));
    assert_eq!(app.focus, Pane::Backups);
    app.update(key(KeyCode::Char('l')), t(1));
    assert_eq!(app.focus, Pane::Health);
    app.update(key(KeyCode::Right), t(1));
    assert_eq!(app.focus, Pane::Replicas, "wraps around");
    app.update(key(KeyCode::Char('h')), t(1));
    assert_eq!(app.focus, Pane::Health);
    app.update(key(KeyCode::BackTab), t(1));
    assert_eq!(app.focus, Pane::Backups);

    app.update(key(KeyCode::Char('1')), t(1));
    let rows = app.replica_rows().len();
    assert!(rows > 2);
    app.update(key(KeyCode::Char('j')), t(1));
    app.update(key(KeyCode::Down), t(1));
    assert_eq!(app.selected_index(Pane::Replicas), 2);
    app.update(key(KeyCode::Char('k')), t(1));
    assert_eq!(app.selected_index(Pane::Replicas), 1);
    app.update(key(KeyCode::Char('G')), t(1));
    assert_eq!(app.selected_index(Pane::Replicas), rows - 1);
    app.update(key(KeyCode::Down), t(1));
    assert_eq!(
        app.selected_index(Pane::Replicas),
        rows - 1,
        "stops at the last row"
    );
    app.update(key(KeyCode::Char('g')), t(1));
    app.update(key(KeyCode::Up), t(1));
    assert_eq!(
        app.selected_index(Pane::Replicas),
        0,
        "stops at the first row"
    );
}

#[test]
fn each_backup_list_keeps_its_own_selection() {
    let mut app = loaded_app();
    app.update(key(KeyCode::Char('2')), t(1));
    app.update(key(KeyCode::Char('j')), t(1));
    app.update(key(KeyCode::Char('v')), t(1));
    assert_eq!(app.backup_view, BackupView::RecoveryPoints);
    assert_eq!(app.selected_index(Pane::Backups), 0);
    app.update(key(KeyCode::Char('v')), t(1));
    app.update(key(KeyCode::Char('v')), t(1));
    assert_eq!(app.backup_view, BackupView::Vaults);
    assert_eq!(app.selected_index(Pane::Backups), 1);
}

#[test]
fn filter_narrows_every_pane_as_typed_and_escape_clears_it() {
    let mut app = loaded_app();
    let all = app.replica_rows().len();
    app.update(key(KeyCode::Char('/')), t(1));
    for c in "orders".chars() {
        app.update(key(KeyCode::Char(c)), t(1));
    }
    assert_eq!(app.filter, "orders");
    let rows = app.replica_rows();
    assert!(!rows.is_empty() && rows.len() < all);
    assert!(
        rows.iter()
            .all(|r| r.replica.id.contains("orders") || r.replica.source_id.contains("orders"))
    );
    assert!(
        app.point_rows()
            .iter()
            .all(|r| r.point.resource_id.contains("orders"))
    );
    app.update(key(KeyCode::Enter), t(1));
    assert_eq!(app.prompt, None);
    assert_eq!(app.filter, "orders", "Enter keeps the filter");
    app.update(key(KeyCode::Esc), t(1));
    assert_eq!(app.filter, "");
    assert_eq!(app.replica_rows().len(), all);
}

#[test]
fn filter_matches_case_insensitively_and_by_verdict() {
    let mut app = loaded_app();
    app.run_command("filter EU-WEST");
    assert!(
        app.replica_rows()
            .iter()
            .all(|r| &*r.replica.region == "eu-west-1")
    );
    app.run_command("filter crit");
    assert!(
        app.point_rows()
            .iter()
            .all(|r| r.eval.verdict == Verdict::Crit)
    );
}

#[test]
fn selection_is_clamped_when_a_filter_shrinks_the_list() {
    let mut app = loaded_app();
    app.update(key(KeyCode::Char('G')), t(1));
    app.run_command("filter sessions");
    let count = app.replica_rows().len();
    assert!(app.selected_index(Pane::Replicas) < count.max(1));
}

#[test]
fn staleness_follows_the_injected_clock() {
    let mut app = loaded_app();
    assert!(app.stale_feeds().is_empty());
    let interval = Refresh::demo().replicas.as_secs() as i64;
    app.update(Event::Tick, t(2 * interval));
    assert!(
        app.stale_feeds().iter().all(|(p, _)| *p != Pane::Replicas),
        "exactly twice the interval is fresh"
    );
    app.update(Event::Tick, t(2 * interval + 1));
    let stale = app.stale_feeds();
    assert!(
        stale
            .iter()
            .any(|(p, r)| *p == Pane::Replicas && r == "us-west-2"),
        "{stale:?}"
    );
    assert!(app.replica_rows().iter().all(|r| r.from.stale));
    assert!(
        app.overall() >= Verdict::Warn,
        "stale data is never shown as all clear"
    );
}

#[test]
fn a_stale_row_is_never_judged_ok() {
    let mut app = loaded_app();
    assert!(
        app.replica_rows()
            .iter()
            .any(|r| r.eval.verdict == Verdict::Ok),
        "fresh rows can be OK"
    );
    let interval = Refresh::demo().replicas.as_secs() as i64;
    app.update(Event::Tick, t(2 * interval + 1));
    let rows = app.replica_rows();
    assert!(rows.iter().all(|r| r.from.stale));
    for r in &rows {
        assert_ne!(
            r.eval.verdict,
            Verdict::Ok,
            "{}: {}",
            r.replica.id,
            r.eval.reason
        );
    }
    let was_ok = rows
        .iter()
        .find(|r| r.eval.verdict == Verdict::Unknown)
        .expect("an OK row turned cannot-tell");
    assert!(
        was_ok.eval.reason.contains("old") && was_ok.eval.reason.contains("OK"),
        "says how old and what it said then: {}",
        was_ok.eval.reason
    );
}

#[test]
fn a_failed_region_keeps_its_last_good_rows_and_others_refresh() {
    let mut app = loaded_app();
    let err = SourceError::new(
        SourceErrorKind::Timeout,
        "rds:DescribeDBInstances",
        "no answer",
    );
    app.update(
        Event::Fetched(Fetched::Replicas {
            place: "us-west-2".into(),
            result: Err(err),
        }),
        t(1),
    );
    let west = &app.fleet.replicas[&Place::from("us-west-2")];
    assert!(west.last_error.is_some());
    assert!(
        app.replica_rows()
            .iter()
            .any(|r| &*r.replica.region == "us-west-2"),
        "last good data stays"
    );
    let sim = sim();
    app.update(
        Event::Fetched(Fetched::Replicas {
            place: "eu-west-1".into(),
            result: sim.replicas_at("eu-west-1", t(30)),
        }),
        t(30),
    );
    let rows = app.replica_rows();
    assert!(
        rows.iter()
            .filter(|r| &*r.replica.region == "eu-west-1")
            .all(|r| !r.from.stale && r.from.fetched_at == t(30))
    );
    assert!(
        rows.iter()
            .filter(|r| &*r.replica.region == "us-west-2")
            .all(|r| r.from.stale)
    );
}

#[test]
fn verdicts_sort_worst_first_and_reach_the_header() {
    let mut app = App::new(
        Mode::Live { profile: None },
        "aws",
        &["us-west-2".to_string()],
        Workloads::default(),
        Refresh::default(),
        Theme::mono(),
        t(0),
    );
    let replicas = vec![
        replica("a-fine", Some(1), ReplicationState::Replicating),
        replica(
            "b-broken",
            Some(0),
            ReplicationState::Broken("IO error".into()),
        ),
        replica("c-slow", Some(1000), ReplicationState::Replicating),
        replica("d-warn", Some(500), ReplicationState::Replicating),
    ];
    app.update(
        Event::Fetched(Fetched::Replicas {
            place: "us-west-2".into(),
            result: Ok(Snapshot::new(replicas, t(0))),
        }),
        t(0),
    );
    let all = app.replica_rows();
    let rows: Vec<(&str, Verdict)> = all
        .iter()
        .map(|r| (r.replica.id.as_str(), r.eval.verdict))
        .collect();
    assert_eq!(
        rows,
        vec![
            ("b-broken", Verdict::Crit),
            ("c-slow", Verdict::Crit),
            ("d-warn", Verdict::Warn),
            ("a-fine", Verdict::Ok)
        ]
    );
    assert_eq!(app.overall(), Verdict::Crit);
    assert_eq!(app.offenders()[0].0, Verdict::Crit);
}

#[test]
fn enter_on_a_health_check_asks_for_its_checker_detail() {
    let mut app = loaded_app();
    app.update(key(KeyCode::Char('3')), t(1));
    let first = app.check_rows()[0].check.id.clone();
    let commands = app.update(key(KeyCode::Enter), t(1));
    assert_eq!(
        commands,
        vec![Command::FetchCheckerDetail {
            account: None,
            check_id: first.clone()
        }]
    );
    assert_eq!(app.overlay, Some(Overlay::Detail(Pane::Health)));
    let obs = sim().health_checks_at(t(2)).expect("ok").data[0]
        .observations
        .clone();
    app.update(
        Event::CheckerDetail {
            account: None,
            check_id: first.clone(),
            result: Ok(Snapshot::new(obs, t(2))),
        },
        t(2),
    );
    assert!(
        app.checker_detail
            .as_ref()
            .is_some_and(|(id, f)| *id == first && f.data().is_some())
    );
    app.update(key(KeyCode::Esc), t(3));
    assert_eq!(app.overlay, None);
    assert!(app.checker_detail.is_none());
}

#[test]
fn a_late_detail_for_another_check_is_ignored() {
    let mut app = loaded_app();
    app.update(key(KeyCode::Char('3')), t(1));
    app.update(key(KeyCode::Enter), t(1));
    app.update(
        Event::CheckerDetail {
            account: None,
            check_id: "someone-else".into(),
            result: Ok(Snapshot::new(vec![], t(2))),
        },
        t(2),
    );
    assert!(
        app.checker_detail
            .as_ref()
            .is_some_and(|(_, f)| f.data().is_none())
    );
}

#[test]
fn keys_while_a_prompt_is_open_go_to_the_prompt() {
    let mut app = loaded_app();
    app.update(key(KeyCode::Char(':')), t(1));
    app.update(key(KeyCode::Char('q')), t(1));
    assert!(
        !app.should_quit,
        "q typed into the command line does not quit"
    );
    let commands = app.update(key(KeyCode::Enter), t(1));
    assert_eq!(commands, vec![Command::Quit]);
    assert!(app.should_quit);
}

#[test]
fn commands_and_their_errors() {
    let mut app = loaded_app();
    assert_eq!(
        app.run_command("theme light"),
        vec![Command::LoadTheme("light".into())]
    );
    assert!(app.run_command("frobnicate").is_empty());
    assert!(
        app.flash
            .as_ref()
            .is_some_and(|f| f.is_error && f.text.contains("frobnicate"))
    );
    assert_eq!(
        app.run_command("scenario region-outage"),
        vec![Command::SetScenario(Scenario::RegionOutage)]
    );
    assert_eq!(
        app.mode,
        Mode::Demo {
            scenario: Scenario::RegionOutage
        }
    );
    app.run_command("pane dns");
    assert_eq!(app.focus, Pane::Health);
    app.update(
        Event::ThemeLoaded(Err("themes/x.toml:1:1: bad".into())),
        t(2),
    );
    assert!(app.flash.as_ref().is_some_and(|f| f.is_error));
    app.update(Event::Tick, t(2 + FLASH_SECONDS));
    assert!(app.flash.is_none(), "flashes expire");
}

#[test]
fn capital_r_and_refresh_fetch_every_feed_now_and_say_so() {
    let mut app = loaded_app();
    assert_eq!(
        app.update(key(KeyCode::Char('R')), t(2)),
        vec![Command::RefreshAll]
    );
    assert!(
        app.flash
            .as_ref()
            .is_some_and(|f| !f.is_error && f.text.contains("refreshing"))
    );
    assert_eq!(app.run_command("refresh"), vec![Command::RefreshAll]);
    assert!(
        crate::app::keys::HELP
            .iter()
            .any(|(keys, what)| *keys == "R" && what.contains("refresh")),
        "the help lists it"
    );
}

#[test]
fn scenarios_are_refused_outside_the_demo() {
    let mut app = App::new(
        Mode::Live { profile: None },
        "aws",
        &[],
        Workloads::default(),
        Refresh::default(),
        Theme::mono(),
        t(0),
    );
    assert!(app.run_command("scenario region-outage").is_empty());
    assert!(app.flash.as_ref().is_some_and(|f| f.is_error));
}

#[test]
fn ctrl_c_quits_from_anywhere_and_release_events_are_ignored() {
    let mut app = loaded_app();
    app.update(key(KeyCode::Char('/')), t(1));
    let mut release = KeyEvent::new(KeyCode::Char('x'), KeyModifiers::NONE);
    release.kind = KeyEventKind::Release;
    app.update(Event::Key(release), t(1));
    assert_eq!(app.prompt, Some(Prompt::Filter(String::new())));
    let commands = app.update(
        Event::Key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL)),
        t(1),
    );
    assert_eq!(commands, vec![Command::Quit]);
}

#[test]
fn every_event_marks_the_screen_dirty() {
    let mut app = loaded_app();
    app.dirty = false;
    app.update(Event::Tick, t(1));
    assert!(app.dirty);
}
