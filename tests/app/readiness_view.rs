//! The readiness view (key `d`) on the demo's fleet: workloads worst first, Enter for the
//! findings and their evidence, at 80x24 in the 16-colour theme and with NO_COLOR (mono).

use crate::common;

use common::*;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::style::Color;
use ripcord::app::{App, Command, Event};
use ripcord::fleet::readiness::{Drill, DrillOutcome, Drills};
use ripcord::runbook::Library;
use ripcord::source::sim::Scenario;
use ripcord::theme::Theme;
use std::time::Duration;

fn screen(app: &App) -> (String, Terminal<TestBackend>) {
    let mut terminal = Terminal::new(TestBackend::new(80, 24)).expect("test backend");
    terminal
        .draw(|frame| ripcord::ui::render(app, frame))
        .expect("draws");
    (terminal.backend().to_string(), terminal)
}

fn press(app: &mut App, code: KeyCode) -> Vec<Command> {
    let now = app.now;
    app.update(Event::Key(KeyEvent::new(code, KeyModifiers::NONE)), now)
}

/// The demo at t0 with billing's runbook drilled three days before (a sealed run, as the
/// audit log gives it) and orders' never.
fn demo(theme: Theme) -> App {
    let mut app = app_fed(&sim(Scenario::Normal), theme, t0());
    app.runbooks.library = Library::shipped();
    app.readiness_view.serving = app.runbooks.library.serving();
    app.readiness_view.drills = Some(Drills::Found {
        dir: "~/.local/share/ripcord/audit".into(),
        runs: vec![Drill {
            run_id: "aurora-global-failover-20261118T030000Z-3fa9c1".into(),
            runbook: "aurora-global-failover".into(),
            started: at(-3 * 86_400),
            ended: Some(at(-3 * 86_400 + 360)),
            outcome: DrillOutcome::Finished {
                elapsed: Duration::from_secs(360),
                within_runbook_rto: true,
            },
            measured_restore: None,
            head: "9f2c".repeat(16),
            sealed: true,
            against: "the simulator".into(),
            simulated: true,
        }],
        not_evidence: vec![],
    });
    app
}

#[test]
fn d_opens_the_view_worst_first_and_reads_the_drills_again() {
    let mut app = demo(dark());
    let commands = press(&mut app, KeyCode::Char('d'));
    assert_eq!(commands, vec![Command::ReadDrills]);
    let (text, _) = screen(&app);
    let order: Vec<usize> = ["catalog", "sessions", "orders", "billing"]
        .iter()
        .map(|w| {
            text.find(&format!(" {w} "))
                .unwrap_or_else(|| panic!("{w}:\n{text}"))
        })
        .collect();
    assert!(
        order.windows(2).all(|p| p[0] < p[1]),
        "worst first:\n{text}"
    );
    insta::assert_snapshot!("readiness_80x24", text);
}

#[test]
fn enter_shows_the_findings_with_their_evidence_and_esc_goes_back_then_closes() {
    let mut app = demo(dark());
    press(&mut app, KeyCode::Char('d'));
    // Down to billing, the ready one.
    for _ in 0..3 {
        press(&mut app, KeyCode::Char('j'));
    }
    press(&mut app, KeyCode::Enter);
    let (text, _) = screen(&app);
    assert!(text.contains("DR readiness: billing"), "{text}");
    assert!(text.contains("✔ READY"), "{text}");
    insta::assert_snapshot!("readiness_detail_80x24", text);
    // The drill's run id and chain head are further down: j scrolls to them.
    let mut seen = text;
    for _ in 0..40 {
        if seen.contains("aurora-global-failover-20261118T030000Z") {
            break;
        }
        press(&mut app, KeyCode::Char('j'));
        seen = screen(&app).0;
    }
    assert!(seen.contains("drill of aurora-global-failover"), "{seen}");
    assert!(
        seen.contains("aurora-global-failover-20261118T030000Z"),
        "{seen}"
    );
    press(&mut app, KeyCode::Esc);
    assert!(app.readiness_view.open && !app.readiness_view.detail);
    press(&mut app, KeyCode::Esc);
    assert!(!app.readiness_view.open);
    let (text, _) = screen(&app);
    assert!(text.contains("Replica lag"), "the panes are back:\n{text}");
}

#[test]
fn no_color_tells_readiness_by_words_and_symbols_alone() {
    let mono = Theme::select("dark", true).expect("mono loads");
    let mut app = demo(mono);
    press(&mut app, KeyCode::Char('d'));
    let (text, terminal) = screen(&app);
    for cell in terminal.backend().buffer().content() {
        assert!(
            matches!(cell.fg, Color::Reset) && matches!(cell.bg, Color::Reset),
            "colour in mono at {:?}",
            cell.symbol()
        );
    }
    for word in ["✖ NOT READY", "▲ AT RISK", "✔ READY"] {
        assert!(text.contains(word), "{word}:\n{text}");
    }
    insta::assert_snapshot!("readiness_mono_80x24", text);
}

#[test]
fn the_key_help_lists_d() {
    let mut app = demo(dark());
    press(&mut app, KeyCode::Char('?'));
    let (text, _) = screen(&app);
    assert!(text.contains("1 2 3, d"), "{text}");
    assert!(text.contains("DNS health, DR readiness"), "{text}");
}
