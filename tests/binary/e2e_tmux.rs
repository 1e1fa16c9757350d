//! The real binary in a real terminal: tmux runs `ripcord demo` as a person would, keys are
//! typed with send-keys, the screen is read with capture-pane.

use crate::common;

use common::tmux::{Tmux, alive, confirm_the_promotion};
use std::path::Path;
use std::time::{Duration, Instant};

fn logs_written(dir: &Path) -> bool {
    std::fs::read_dir(dir.join("logs")).is_ok_and(|entries| entries.count() > 0)
}

#[test]
fn demo_shows_three_live_panes_takes_keys_and_quits_cleanly() {
    let t = Tmux::start(80, 24, "demo");
    t.wait_for(&[
        "Replica lag",
        "Backups",
        "DNS health",
        "orders-dr-usw2",
        "DEMO",
    ]);
    // Each pane's feed arrives on its own (on a loaded machine the first replicas can be drawn
    // before the backups or checks have come): every pane gets its data, none stays waiting.
    t.wait_gone("waiting for");
    assert_eq!(
        t.tmux(&["display", "-p", "#{alternate_on}"]).trim(),
        "1",
        "the cockpit owns the alternate screen"
    );

    t.keys(&["?"]);
    t.wait_for(&["Keys — Esc closes", "next pane"]);
    // Escape is sent alone and its effect awaited: an Escape followed at once by another key
    // reads as Alt+key to the terminal, as it would for a person typing that fast.
    t.keys(&["Escape"]);
    t.wait_gone("Keys — Esc closes");
    // Enter on a replica: its lag history arrives from the simulator through the cockpit's
    // own fetch, with the share of time within the RPO.
    t.keys(&["Enter"]);
    t.wait_for(&["lag history", "24h by 5m", "7d by 1h", "within RPO"]);
    t.keys(&["Escape"]);
    t.wait_gone("24h by 5m");
    t.keys(&["Tab", "v"]);
    t.wait_for(&["[recovery points]", "vol-0f9e-reports"]);
    t.keys(&["Enter"]);
    t.wait_for(&["newest good", "backup RPO"]);
    t.keys(&["Escape"]);
    t.wait_gone("newest good");
    t.keys(&["/", "s", "e", "s", "s"]);
    let filtered = t.wait_for(&["/sess", "sessions-read"]);
    assert!(
        !filtered.contains("orders-dr-usw2"),
        "the filter hides other replicas:\n{filtered}"
    );
    t.keys(&["Escape"]);
    t.wait_gone("/sess");
    t.keys(&[":", "b", "o", "g", "u", "s", "Enter"]);
    t.wait_for(&["unknown command `bogus`"]);

    assert!(
        t.ripcord_still_running(),
        "the process check sees a running ripcord"
    );
    t.keys(&["q"]);
    assert_eq!(t.wait_for_exit(), "exit=0");
    assert_eq!(
        t.tmux(&["display", "-p", "#{alternate_on}"]).trim(),
        "0",
        "terminal restored after quit"
    );
    assert!(!t.ripcord_still_running(), "no ripcord process left behind");
    assert!(
        logs_written(t.dir.path()),
        "a log file was written to RIPCORD_LOG_DIR"
    );
}

#[test]
fn the_cockpit_moves_by_itself() {
    let t = Tmux::start(80, 24, "demo");
    let first = t.wait_for(&["orders-dr-usw2"]);
    let deadline = Instant::now() + Duration::from_secs(15);
    let lag_line = |s: &str| {
        s.lines()
            .find(|l| l.contains("orders-dr-usw2"))
            .map(str::to_string)
    };
    while lag_line(&t.screen()) == lag_line(&first) {
        assert!(
            Instant::now() < deadline,
            "the lag of orders-dr-usw2 never changed"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    t.keys(&["q"]);
    assert_eq!(t.wait_for_exit(), "exit=0");
}

#[test]
fn resizing_to_20x5_shows_a_notice_and_back_restores_the_panes() {
    let t = Tmux::start(80, 24, "demo");
    t.wait_for(&["Replica lag"]);
    t.tmux(&["resize-window", "-x", "20", "-y", "5"]);
    t.wait_for(&["Terminal too"]);
    t.tmux(&["resize-window", "-x", "80", "-y", "24"]);
    t.wait_for(&["Replica lag", "DNS health"]);
    t.keys(&["q"]);
    assert_eq!(t.wait_for_exit(), "exit=0");
}

#[test]
fn a_hangup_ends_ripcord_and_leaves_no_process() {
    let t = Tmux::start(80, 24, "demo --scenario region-outage");
    t.wait_for(&["REGION OUTAGE"]);
    let pane_tty = t.tmux(&["display", "-p", "#{pane_tty}"]);
    assert!(!pane_tty.trim().is_empty());
    t.tmux(&["kill-server"]);
    assert_eq!(
        t.wait_for_exit(),
        "exit=129",
        "SIGHUP is a clean stop, not a crash: 128 + 1"
    );
    assert!(
        !t.ripcord_still_running(),
        "no ripcord process left behind after the hang-up"
    );
}

#[test]
fn sigint_restores_the_terminal_and_exits_130() {
    let t = Tmux::start(80, 24, "demo");
    t.wait_for(&["Replica lag"]);
    t.signal("INT");
    assert_eq!(t.wait_for_exit(), "exit=130", "128 + SIGINT's 2");
    assert_eq!(
        t.tmux(&["display", "-p", "#{alternate_on}"]).trim(),
        "0",
        "terminal restored after SIGINT"
    );
    assert!(!t.ripcord_still_running());
}

#[test]
fn sigterm_restores_the_terminal_and_ends_the_process() {
    let t = Tmux::start(80, 24, "demo");
    t.wait_for(&["Replica lag"]);
    t.signal("TERM");
    assert_eq!(t.wait_for_exit(), "exit=143", "128 + SIGTERM's 15");
    assert_eq!(
        t.tmux(&["display", "-p", "#{alternate_on}"]).trim(),
        "0",
        "terminal restored after SIGTERM"
    );
    assert!(!t.ripcord_still_running());
}

#[test]
fn no_color_draws_without_any_colour_and_still_tells_states_apart() {
    let t = Tmux::start_with(120, 40, "NO_COLOR=1", "", "demo --scenario region-outage");
    let screen = t.wait_for(&["✖ CRIT", "▲ WARN", "✔ OK", "REGION OUTAGE", "DNS health"]);
    assert!(
        screen.contains("STALE") || screen.contains("seen"),
        "{screen}"
    );
    let escaped = t.tmux(&["capture-pane", "-p", "-e"]);
    // SGR colour parameters: 30-37/90-97 foreground, 40-47/100-107 background, 38;/48; extended.
    let colour = regex_free_colour_scan(&escaped);
    assert!(
        colour.is_none(),
        "a colour escape under NO_COLOR: {colour:?}"
    );
    t.keys(&["q"]);
}

/// Finds an SGR sequence that sets a colour, without pulling in a regex crate.
fn regex_free_colour_scan(text: &str) -> Option<String> {
    for seq in text.split("\u{1b}[").skip(1) {
        let Some(end) = seq.find('m') else { continue };
        let params = &seq[..end];
        if !params.chars().all(|c| c.is_ascii_digit() || c == ';') {
            continue;
        }
        for p in params.split(';') {
            if let Ok(n) = p.parse::<u32>()
                && matches!(n, 30..=37 | 38 | 40..=47 | 48 | 90..=97 | 100..=107)
            {
                return Some(params.to_string());
            }
        }
    }
    None
}

#[test]
fn a_session_dropped_mid_test_leaves_no_process_even_one_that_ignores_the_hangup() {
    // The test hook holds ripcord asleep before the intent: it cannot act on SIGHUP, so killing
    // the tmux server alone would leave it running for an hour.
    let env = "RIPCORD_TEST_PAUSE_AT=before-intent RIPCORD_TEST_PAUSE_MARKER=$D/paused";
    let t = Tmux::start_with(80, 24, env, "", "demo");
    confirm_the_promotion(&t);
    assert_eq!(t.wait_for_file("paused"), "before-intent");
    let pids = t.ripcord_pids();
    assert_eq!(pids.len(), 1, "{pids:?}");
    drop(t);
    assert!(!alive(&pids[0]), "ripcord {} outlived its session", pids[0]);
}
