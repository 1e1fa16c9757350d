//! The real binary in tmux: `ripcord demo`, open the failover runbook with `r`, confirm each
//! step (typing the replica's name for the promotion), and watch it finish and the fleet
//! change; a read-only cockpit shows READ-ONLY and opens no picker.

use crate::common;

use common::tmux::{Tmux, confirm_the_promotion};

#[test]
fn the_failover_runbook_runs_to_the_end_in_the_demo() {
    let t = Tmux::start(80, 24, "demo");
    confirm_the_promotion(&t);
    // Promotion runs for a few simulated seconds, then the wait for `available` is reached.
    t.wait_for(&["[▶4]", "Enter starts waiting"]);
    t.keys(&["Enter"]);
    t.wait_for(&["[▶5]", "Enter runs it"]);
    t.keys(&["Enter"]);
    t.wait_for(&["[▶6]", "Enter starts waiting"]);
    t.keys(&["Enter"]);
    t.wait_for(&["[▶7]", "Enter accepts the gate"]);
    t.keys(&["Enter"]);
    t.wait_for(&["[▶8]", "Enter runs it"]);
    t.keys(&["Enter"]);
    let done = t.wait_for(&["DONE in", "✔ Completed", "8 done · 0 skipped"]);
    assert!(done.contains("RTO 15m: within"), "{done}");
    // The live pane under the run view shows the promoted replica.
    t.wait_for(&["promoted"]);
    t.keys(&["Escape"]);
    t.wait_gone("DONE in");
    t.keys(&["q"]);
    assert_eq!(t.wait_for_exit(), "exit=0");
}

#[test]
fn read_only_shows_and_refuses_runbooks() {
    let t = Tmux::start(80, 24, "--read-only demo");
    t.wait_for(&["READ-ONLY", "orders-dr-usw2"]);
    t.keys(&["r"]);
    t.wait_for(&["read-only mode: runbooks cannot run"]);
    assert!(!t.screen().contains("Runbooks — Enter runs"));
    t.keys(&["q"]);
    assert_eq!(t.wait_for_exit(), "exit=0");
}
