//! tmux drives the real binary as a person would: start it, type, read the screen.
//! (The same helper as `e2e_tmux.rs`, shared here for the tests added since.)

use std::path::PathBuf;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

static SESSIONS: AtomicUsize = AtomicUsize::new(0);

/// One tmux server per test (its own socket), killed on drop so nothing outlives the test.
pub struct Tmux {
    socket: String,
    pub dir: tempfile::TempDir,
}

impl Tmux {
    pub fn start(width: u16, height: u16, args: &str) -> Tmux {
        Self::launch(width, height, args, None)
    }

    /// Like `start`, but ripcord gets none of this machine's environment: only a path, a home
    /// (the test's directory), a terminal type, and `env` (e.g. the AWS variables of an
    /// emulator).
    pub fn start_with_env(width: u16, height: u16, args: &str, env: &[(&str, String)]) -> Tmux {
        Self::launch(width, height, args, Some(env))
    }

    fn launch(width: u16, height: u16, args: &str, env: Option<&[(&str, String)]>) -> Tmux {
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
        let environment = match env {
            None => String::new(),
            Some(vars) => {
                let mut text = format!("env -i PATH=\"$PATH\" HOME={d} TERM=xterm-256color ");
                for (name, value) in vars {
                    text.push_str(&format!("{name}='{value}' "));
                }
                text
            }
        };
        // The wrapper ignores SIGHUP itself so that it can record how ripcord ended.
        let script = format!(
            "trap '' HUP; {environment}RIPCORD_LOG_DIR={d}/logs '{bin}' --config {d}/config.toml {args}; echo \"exit=$?\" > {d}/exit; sleep 30"
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

    pub fn tmux(&self, args: &[&str]) -> String {
        let out = Command::new("tmux")
            .args(["-L", &self.socket])
            .args(args)
            .output()
            .expect("tmux runs");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    pub fn screen(&self) -> String {
        self.tmux(&["capture-pane", "-p"])
    }

    pub fn keys(&self, keys: &[&str]) {
        for k in keys {
            self.tmux(&["send-keys", k]);
        }
    }

    /// Waits until the screen shows every one of `wanted`, and returns it.
    pub fn wait_for(&self, wanted: &[&str]) -> String {
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
    pub fn wait_gone(&self, text: &str) {
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

    pub fn exit_file(&self) -> PathBuf {
        self.dir.path().join("exit")
    }

    pub fn wait_for_exit(&self) -> String {
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(text) = std::fs::read_to_string(self.exit_file()) {
                return text.trim().to_string();
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("ripcord did not exit; screen:\n{}", self.screen());
    }

    pub fn ripcord_still_running(&self) -> bool {
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

impl Tmux {
    /// Types text literally (no key names).
    pub fn type_text(&self, text: &str) {
        self.tmux(&["send-keys", "-l", text]);
    }
}
