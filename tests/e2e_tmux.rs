//! The real binary in a real terminal: tmux runs `ripcord demo` as a person would, keys are
//! typed with send-keys, the screen is read with capture-pane.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

static SESSIONS: AtomicUsize = AtomicUsize::new(0);

/// One tmux server per test (its own socket), killed on drop so nothing outlives the test.
struct Tmux {
    socket: String,
    dir: tempfile::TempDir,
}

impl Tmux {
    fn start(width: u16, height: u16, args: &str) -> Tmux {
        Tmux::start_with_env(width, height, "", args)
    }

    /// `env` is prepended to ripcord's command line, e.g. `NO_COLOR=1`.
    fn start_with_env(width: u16, height: u16, env: &str, args: &str) -> Tmux {
        let found = Command::new("tmux").arg("-V").output();
        assert!(
            found.is_ok_and(|o| o.status.success()),
            "tmux is needed for the end-to-end tests: install it (apt-get install tmux)"
        );
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("config.toml"), "").expect("write config");
        let socket = format!(
            "ripcord-e2e-{}-{}",
            std::process::id(),
            SESSIONS.fetch_add(1, Ordering::SeqCst)
        );
        let bin = env!("CARGO_BIN_EXE_ripcord");
        let d = dir.path().display();
        // The wrapper ignores SIGHUP itself so that it can record how ripcord ended.
        let script = format!(
            "trap '' HUP; {env} RIPCORD_LOG_DIR={d}/logs RIPCORD_AUDIT_DIR={d}/audit '{bin}' --config {d}/config.toml {args}; echo \"exit=$?\" > {d}/exit; sleep 30"
        );
        let status = Command::new("tmux")
            .args([
                "-L",
                &socket,
                "-f",
                "/dev/null",
                "new-session",
                "-d",
                "-x",
                &width.to_string(),
                "-y",
                &height.to_string(),
            ])
            .args(["sh", "-c", &script])
            .env_remove("NO_COLOR")
            .env("TERM", "xterm-256color")
            .status()
            .expect("tmux runs");
        assert!(status.success(), "tmux new-session failed");
        Tmux { socket, dir }
    }

    fn tmux(&self, args: &[&str]) -> String {
        let out = Command::new("tmux")
            .args(["-L", &self.socket])
            .args(args)
            .output()
            .expect("tmux runs");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn screen(&self) -> String {
        self.tmux(&["capture-pane", "-p"])
    }

    fn keys(&self, keys: &[&str]) {
        for k in keys {
            self.tmux(&["send-keys", k]);
        }
    }

    /// Waits until the screen shows every one of `wanted`, and returns it.
    fn wait_for(&self, wanted: &[&str]) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let screen = self.screen();
            if wanted.iter().all(|w| screen.contains(w)) {
                return screen;
            }
            assert!(
                Instant::now() < deadline,
                "screen never showed {wanted:?}:\n{screen}"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Waits until the screen no longer shows `text`.
    fn wait_gone(&self, text: &str) {
        let deadline = Instant::now() + Duration::from_secs(20);
        while self.screen().contains(text) {
            assert!(
                Instant::now() < deadline,
                "screen kept showing {text:?}:\n{}",
                self.screen()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn exit_file(&self) -> PathBuf {
        self.dir.path().join("exit")
    }

    fn wait_for_exit(&self) -> String {
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            // The shell creates the file before it writes the line: wait for the whole line.
            if let Ok(text) = std::fs::read_to_string(self.exit_file())
                && text.ends_with('\n')
            {
                return text.trim().to_string();
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("ripcord did not exit; screen:\n{}", self.screen());
    }

    fn ripcord_still_running(&self) -> bool {
        // Anchored at the binary so the shell wrapper, whose command line quotes it, never matches.
        let pattern = format!(
            "^{} --config {}",
            env!("CARGO_BIN_EXE_ripcord"),
            self.dir.path().join("config.toml").display()
        );
        Command::new("pgrep")
            .args(["-f", &pattern])
            .output()
            .is_ok_and(|o| !o.stdout.is_empty())
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .args(["-L", &self.socket, "kill-server"])
            .output();
    }
}

fn logs_written(dir: &Path) -> bool {
    std::fs::read_dir(dir.join("logs")).is_ok_and(|entries| entries.count() > 0)
}

#[test]
fn demo_shows_three_live_panes_takes_keys_and_quits_cleanly() {
    let t = Tmux::start(80, 24, "demo");
    let screen = t.wait_for(&[
        "Replica lag",
        "Backups",
        "DNS health",
        "orders-dr-usw2",
        "DEMO",
    ]);
    assert!(!screen.contains("waiting for"), "data arrived:\n{screen}");
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
        "exit=130",
        "SIGHUP is a clean stop, not a crash"
    );
    assert!(
        !t.ripcord_still_running(),
        "no ripcord process left behind after the hang-up"
    );
}

#[test]
fn sigterm_restores_the_terminal_and_ends_the_process() {
    let t = Tmux::start(80, 24, "demo");
    t.wait_for(&["Replica lag"]);
    let pattern = format!(
        "^{} --config {}",
        env!("CARGO_BIN_EXE_ripcord"),
        t.dir.path().join("config.toml").display()
    );
    let killed = Command::new("pkill")
        .args(["-TERM", "-f", &pattern])
        .status()
        .expect("pkill runs");
    assert!(killed.success(), "pkill found the process");
    assert_eq!(t.wait_for_exit(), "exit=130");
    assert_eq!(
        t.tmux(&["display", "-p", "#{alternate_on}"]).trim(),
        "0",
        "terminal restored after SIGTERM"
    );
    assert!(!t.ripcord_still_running());
}

#[test]
fn no_color_draws_without_any_colour_and_still_tells_states_apart() {
    let t = Tmux::start_with_env(120, 40, "NO_COLOR=1", "demo --scenario region-outage");
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
