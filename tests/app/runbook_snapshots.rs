//! The run view and the picker on ratatui's TestBackend, at 80x24 and wide, with a fixed
//! clock and seed, driven by real drills against the simulated fleet.

use crate::common;

use common::drill::Drill;
use crossterm::event::KeyCode;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::style::Color;
use ripcord::app::App;
use ripcord::source::sim::Scenario;
use ripcord::theme::Theme;

fn draw(app: &App, width: u16, height: u16) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("test backend");
    terminal
        .draw(|frame| ripcord::ui::render(app, frame))
        .expect("draws");
    terminal
}

fn screen(app: &App, width: u16, height: u16) -> String {
    draw(app, width, height).backend().to_string()
}

/// The RDS failover at its promotion, pre-checks read, the name half typed.
async fn at_promotion(scenario: Scenario) -> Drill {
    let mut d = Drill::new(scenario, 0);
    d.command("run rds-cross-region-failover").await;
    d.enter().await;
    d.enter().await;
    d.enter().await;
    assert_eq!(d.at(), 3, "{}", d.flash());
    d.enter().await;
    for c in "orders-dr".chars() {
        d.key(KeyCode::Char(c)).await;
    }
    d
}

#[tokio::test]
async fn promotion_waiting_for_the_typed_name() {
    let d = at_promotion(Scenario::Normal).await;
    let narrow = screen(&d.app, 80, 24);
    for must in [
        "Type orders-dr-usw2 to confirm: orders-dr█",
        "DESTRUCTIVE",
        "✔ orders-dr-usw2 is a read replica",
    ] {
        assert!(narrow.contains(must), "80x24 lacks {must}:\n{narrow}");
    }
    insta::assert_snapshot!("run_promotion_80x24", narrow);
    let wide = screen(&d.app, 200, 50);
    assert!(wide.contains("▶  3 Promote the replica"), "{wide}");
    insta::assert_snapshot!("run_promotion_wide", wide);
}

#[tokio::test]
async fn a_gate_that_does_not_hold_says_why_with_the_value_and_its_age() {
    let mut d = Drill::new(Scenario::RegionOutage, 120);
    d.command("run rds-cross-region-failover").await;
    d.enter().await;
    d.enter().await;
    let text = screen(&d.app, 80, 24);
    assert!(
        text.contains("✖ lag of orders-dr-usw2 (us-west-2) below 1m — lag"),
        "{text}"
    );
    insta::assert_snapshot!("run_gate_blocked_80x24", text);
}

#[tokio::test]
async fn a_finished_run_sums_up_each_step() {
    let mut d = Drill::new(Scenario::Normal, 0);
    d.command("run backup-restore-drill").await;
    for _ in 0..5 {
        d.enter().await;
    }
    d.enter().await;
    for c in "orders-restore-drill".chars() {
        d.key(KeyCode::Char(c)).await;
    }
    d.enter().await;
    let text = screen(&d.app, 80, 24);
    assert!(text.contains("DONE in"), "{text}");
    assert!(text.contains("[measured 8s vs RTO 1h00m]"), "{text}");
    insta::assert_snapshot!("run_finished_80x24", text);
    insta::assert_snapshot!("run_finished_wide", screen(&d.app, 200, 50));
}

#[tokio::test]
async fn the_picker_lists_the_shipped_runbooks() {
    let mut d = Drill::new(Scenario::Normal, 0);
    d.key(KeyCode::Char('r')).await;
    insta::assert_snapshot!("picker_80x24", screen(&d.app, 80, 24));
}

/// NO_COLOR: the run view uses no colour, and every state still reads.
#[tokio::test]
async fn the_run_view_reads_without_colour() {
    let mut d = at_promotion(Scenario::Normal).await;
    d.app.theme = Theme::select("dark", true).expect("mono");
    let terminal = draw(&d.app, 80, 24);
    for cell in terminal.backend().buffer().content() {
        assert!(
            matches!(cell.fg, Color::Reset) && matches!(cell.bg, Color::Reset),
            "colour in mono at {:?}",
            cell.symbol()
        );
    }
    let text = terminal.backend().to_string();
    for word in ["[▶3]", "✔1", "DESTRUCTIVE", "✔ orders-dr-usw2 exists"] {
        assert!(text.contains(word), "mono lacks {word}:\n{text}");
    }
    insta::assert_snapshot!("run_promotion_mono_80x24", text);
}

#[tokio::test]
async fn read_only_shows_in_the_status_bar_and_hides_the_run_keys_from_help() {
    let mut d = Drill::new(Scenario::Normal, 0);
    d.app.read_only = true;
    let text = screen(&d.app, 80, 24);
    assert!(text.contains("READ-ONLY"), "{text}");
    d.key(KeyCode::Char('?')).await;
    let help = screen(&d.app, 80, 24);
    assert!(help.contains("runbooks cannot run"), "{help}");
    assert!(!help.contains(":run NAME"), "{help}");
}

#[tokio::test]
async fn every_size_draws_a_run() {
    let d = at_promotion(Scenario::RegionOutage).await;
    for (w, h) in [
        (60, 15),
        (80, 24),
        (100, 30),
        (119, 40),
        (120, 40),
        (300, 80),
        (20, 5),
    ] {
        draw(&d.app, w, h);
    }
}

/// The promotion sent (its intent on disk), the cockpit lost, a new one resumed from the audit
/// log: the step is in doubt, with its live end state.
#[tokio::test]
async fn a_resumed_run_holds_the_step_in_doubt_with_its_end_state() {
    let dir = tempfile::tempdir().expect("tempdir");
    let audit = dir.path().join("audit");
    let mut d = Drill::audited(Scenario::Normal, 0, &audit);
    d.command("run rds-cross-region-failover").await;
    d.enter().await;
    d.enter().await;
    d.enter().await;
    d.enter().await;
    for c in "orders-dr-usw2".chars() {
        d.key(KeyCode::Char(c)).await;
    }
    let commands = d.app.update(
        ripcord::app::Event::Key(crossterm::event::KeyEvent::new(
            KeyCode::Enter,
            crossterm::event::KeyModifiers::NONE,
        )),
        d.clock.now(),
    );
    // The intent is written; the cockpit dies before the promotion is sent.
    assert_eq!(d.admit(commands).len(), 1);
    let mut second = d.restart(&audit);
    second.app.offer_unfinished();
    let picker = screen(&second.app, 80, 24);
    assert!(
        picker.contains("↻ rds-cross-region-failover-20261121T030000Z"),
        "{picker}"
    );
    insta::assert_snapshot!("picker_unfinished_80x24", picker);
    second.enter().await;
    let narrow = screen(&second.app, 80, 24);
    for must in ["[?3]", "IN DOUBT", "live end state", "— still replicates"] {
        assert!(narrow.contains(must), "80x24 lacks {must}:\n{narrow}");
    }
    insta::assert_snapshot!("run_in_doubt_80x24", narrow);
    let wide = screen(&second.app, 200, 50);
    assert!(wide.contains("?  3 Promote the replica"), "{wide}");
    assert!(
        wide.contains("Enter, then type orders-dr-usw2, sends it again"),
        "{wide}"
    );
    insta::assert_snapshot!("run_in_doubt_wide", wide);
}

/// Every view at every size from 1x1 to 300x120, through random resize sequences: nothing
/// panics, and below the minimum the screen says it is too small (as much of it as fits).
mod every_size {
    use super::*;
    use proptest::prelude::*;
    use proptest::test_runner::{Config, TestRunner};
    use ripcord::app::Event;
    use ripcord::ui::{MIN_HEIGHT, MIN_WIDTH};

    /// The cockpit in each view an operator can reach, by the keys an operator presses.
    async fn views() -> Vec<(&'static str, Drill)> {
        let panes = Drill::new(Scenario::RegionOutage, 0);
        let mut help = Drill::new(Scenario::Normal, 0);
        help.key(KeyCode::Char('?')).await;
        let mut detail = Drill::new(Scenario::RegionOutage, 0);
        detail.enter().await;
        let mut picker = Drill::new(Scenario::Normal, 0);
        picker.key(KeyCode::Char('r')).await;
        let mut run = Drill::new(Scenario::Normal, 0);
        run.command("run rds-cross-region-failover").await;
        let confirm = at_promotion(Scenario::RegionOutage).await;
        assert!(help.app.overlay.is_some(), "help is open");
        assert!(detail.app.overlay.is_some(), "the detail is open");
        vec![
            ("panes", panes),
            ("help", help),
            ("detail", detail),
            ("picker", picker),
            ("run", run),
            ("typed confirmation", confirm),
        ]
    }

    fn sizes() -> impl Strategy<Value = Vec<(u16, u16)>> {
        prop::collection::vec((1u16..=300, 1u16..=120), 1..6)
    }

    #[tokio::test]
    async fn no_view_panics_at_any_size_and_small_ones_say_so() {
        // The runner's closure is `Fn`; the apps take a resize event by `&mut`.
        let views = std::cell::RefCell::new(views().await);
        let mut runner = TestRunner::new(Config {
            cases: 24,
            failure_persistence: None,
            ..Config::default()
        });
        runner
            .run(&sizes(), |sequence| {
                for (name, drill) in views.borrow_mut().iter_mut() {
                    let (w0, h0) = sequence[0];
                    let mut terminal =
                        Terminal::new(TestBackend::new(w0, h0)).expect("test backend");
                    for &(w, h) in &sequence {
                        terminal.backend_mut().resize(w, h);
                        let now = drill.app.now;
                        drill.app.update(Event::Resize, now);
                        terminal
                            .draw(|frame| ripcord::ui::render(&drill.app, frame))
                            .expect("draws");
                        if w < MIN_WIDTH || h < MIN_HEIGHT {
                            let text = terminal.backend().to_string();
                            let first = text.lines().next().unwrap_or_default();
                            let notice = "Terminal too small";
                            let fits = &notice[..notice.len().min(usize::from(w))];
                            prop_assert!(
                                first.trim_matches('"').starts_with(fits),
                                "{name} at {w}x{h} lacks the notice:\n{text}"
                            );
                        }
                    }
                }
                Ok(())
            })
            .expect("every view draws at every size");
    }
}
