//! Named accounts on screen: the demo's two-account estate (the production `shop` account and
//! the `backup` account holding the DR copies), fed as the pollers feed it, one feed per
//! account and region. Each row names its account, the header names the accounts in view and
//! marks production in a word and a style (it reads in NO_COLOR), and an account whose feeds
//! fail goes stale alone.

use crate::common;

use common::*;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::style::Modifier;
use ripcord::app::feed::Freshness;
use ripcord::app::{App, Event, Fetched, Mode, Pane};
use ripcord::clock::Clock;
use ripcord::config::{Config, Refresh};
use ripcord::fleet::Place;
use ripcord::source::sim::{Scenario, SimFleet, SimOptions, accounts};
use ripcord::source::{AccountFleet, FleetSource, SourceError, SourceErrorKind};
use ripcord::theme::Theme;
use std::sync::Arc;
use std::time::Duration;

/// The demo's accounts over a fresh simulator, and an App watching them, fed one round.
async fn two_accounts(theme: Theme) -> (Arc<SimFleet>, Clock, Vec<AccountFleet>, App) {
    let clock = Clock::manual(t0());
    let sim = Arc::new(SimFleet::new(SimOptions {
        clock: clock.clone(),
        ..SimOptions::default()
    }));
    let fleets = accounts::fleets(&sim);
    let events = ripcord::status::poll_accounts(&fleets, Duration::from_secs(5)).await;
    let mut app = App::new(
        Mode::Demo {
            scenario: Scenario::Normal,
        },
        "sim",
        &[],
        Config::default().workloads(sim.workloads()),
        Refresh::demo(),
        theme,
        t0(),
    );
    app.fleet.watch_fleets(&fleets);
    for event in events {
        app.update(Event::Fetched(event), t0());
    }
    (sim, clock, fleets, app)
}

fn draw(app: &App, width: u16, height: u16) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("test backend");
    terminal
        .draw(|frame| ripcord::ui::render(app, frame))
        .expect("draws");
    terminal
}

#[tokio::test]
async fn every_row_names_its_account_and_the_header_marks_production_without_colour() {
    let mono = Theme::select("dark", true).expect("mono");
    let (_, _, _, app) = two_accounts(mono).await;
    let terminal = draw(&app, 80, 24);
    let screen = terminal.backend().to_string();
    let header = screen.lines().next().expect("a header line");
    assert!(header.contains("shop PROD"), "{header}");

    // PROD is a word with a style of its own, bold and reversed: no colour needed.
    let buffer = terminal.backend().buffer();
    let y = 0;
    let at = (0..buffer.area.width)
        .find(|&x| {
            (0..4)
                .all(|i| buffer[(x + i, y)].symbol() == &"PROD"[usize::from(i)..usize::from(i) + 1])
        })
        .expect("PROD on the header line");
    let style = buffer[(at, y)].style();
    assert!(
        style
            .add_modifier
            .contains(Modifier::BOLD | Modifier::REVERSED),
        "{style:?}"
    );

    // Every replica is in the shop account; the DR vault's copies in the backup account.
    let replicas = app.replica_rows();
    assert!(!replicas.is_empty());
    assert!(
        replicas
            .iter()
            .all(|r| r.account == Some(accounts::WORKLOAD))
    );
    let vaults = app.vault_rows();
    let dr: Vec<_> = vaults.iter().filter(|v| v.vault == "dr-usw2").collect();
    assert!(!dr.is_empty());
    assert!(
        dr.iter()
            .all(|v| v.account.as_deref() == Some(accounts::BACKUP))
    );
    assert!(
        screen.contains("account"),
        "the panes have an account column:\n{screen}"
    );
    insta::assert_snapshot!("two_accounts_mono_80x24", screen);

    // The row's detail says where it is as the rest of the cockpit does: account/region.
    let mut app = app;
    let at = app
        .vault_rows()
        .iter()
        .position(|v| v.vault == "dr-usw2")
        .expect("a DR vault row");
    let press = |app: &mut App, code: KeyCode| {
        let now = app.now;
        app.update(Event::Key(KeyEvent::new(code, KeyModifiers::NONE)), now);
    };
    press(&mut app, KeyCode::Char('2'));
    for _ in 0..at {
        press(&mut app, KeyCode::Char('j'));
    }
    press(&mut app, KeyCode::Enter);
    let detail = draw(&app, 120, 40).backend().to_string();
    assert!(detail.contains("dr-usw2 in backup/us-west-2"), "{detail}");
}

#[tokio::test]
async fn an_account_whose_credentials_fail_goes_stale_alone_and_says_what_to_do() {
    let (sim, clock, fleets, mut app) = two_accounts(dark()).await;
    // A minute on: the shop account answers; every call of the backup account is denied.
    let later = at(60);
    clock.advance(Duration::from_secs(60));
    let denied = || {
        SourceError::new(
            SourceErrorKind::AccessDenied,
            "sts:AssumeRole",
            "account backup: the default credentials cannot assume arn:aws:iam::210987654321:role/ripcord-read",
        )
    };
    for event in ripcord::status::poll_accounts(&fleets[..1], Duration::from_secs(5)).await {
        app.update(Event::Fetched(event), later);
    }
    for region in sim.regions() {
        let place = Place::new(Some(accounts::BACKUP), region);
        app.update(
            Event::Fetched(Fetched::Replicas {
                place: place.clone(),
                result: Err(denied()),
            }),
            later,
        );
        app.update(
            Event::Fetched(Fetched::Backups {
                place,
                result: Err(denied()),
            }),
            later,
        );
    }
    app.update(
        Event::Fetched(Fetched::Health {
            account: Some(accounts::BACKUP.to_string()),
            result: Err(denied()),
        }),
        later,
    );
    let stale = app.stale_feeds();
    assert!(!stale.is_empty());
    assert!(
        stale.iter().all(|(_, place)| place.starts_with("backup/")),
        "only the backup account is stale: {stale:?}"
    );
    for (place, feed) in &app.fleet.replicas {
        let expected = if place.account.as_deref() == Some(accounts::BACKUP) {
            Freshness::Stale
        } else {
            Freshness::Fresh
        };
        assert_eq!(feed.freshness(later), expected, "{place}");
    }
    // The shop account's rows are fresh; the backup account's copies are marked stale.
    assert!(app.replica_rows().iter().all(|r| !r.from.stale));
    let copies: Vec<_> = app
        .vault_rows()
        .into_iter()
        .filter(|v| v.account.as_deref() == Some(accounts::BACKUP))
        .collect();
    assert!(!copies.is_empty() && copies.iter().all(|v| v.from.stale));
    // The pane says which account failed and what to do.
    let mut app = app;
    app.focus = Pane::Backups;
    let screen = draw(&app, 200, 50).backend().to_string();
    assert!(
        screen.contains("backup/eu-west-1: access denied"),
        "{screen}"
    );
    assert!(screen.contains("cannot assume"), "{screen}");
}

/// A runbook step that changes a resource of a production account says so, in words, where
/// it is confirmed; the same step on an estate with no named accounts says nothing of it.
#[tokio::test]
async fn a_step_that_changes_a_production_account_says_so_in_its_confirmation() {
    use common::drill::Drill;
    use crossterm::event::KeyCode;
    async fn at_promotion(accounts_named: bool) -> String {
        let mut d = Drill::new(Scenario::Normal, 0);
        if accounts_named {
            let fleets = accounts::fleets(&d.sim);
            d.app.fleet.watch_fleets(&fleets);
            let now = d.app.now;
            for event in ripcord::status::poll_accounts(&fleets, Duration::from_secs(5)).await {
                d.app.update(Event::Fetched(event), now);
            }
        }
        d.command("run rds-cross-region-failover").await;
        d.enter().await;
        d.enter().await;
        d.enter().await;
        assert_eq!(d.at(), 3, "{}", d.flash());
        d.enter().await;
        for c in "orders-dr".chars() {
            d.key(KeyCode::Char(c)).await;
        }
        draw(&d.app, 80, 24).backend().to_string()
    }
    let named = at_promotion(true).await;
    assert!(
        named.contains("PRODUCTION account shop"),
        "the confirmation names the production account:\n{named}"
    );
    assert!(named.contains("Type orders-dr-usw2 to confirm"), "{named}");
    let unnamed = at_promotion(false).await;
    assert!(!unnamed.contains("PRODUCTION"), "{unnamed}");
}
