//! tmux drives the real binary as a person would: start it, type, read the screen.
//! Shared by every end-to-end test of the binary.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::rc::Rc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

static SESSIONS: AtomicUsize = AtomicUsize::new(0);

/// One tmux server per session (its own socket), killed on drop so nothing outlives the test.
/// Sessions started with `again` share the first one's directory (config, logs, audit log), as
/// a person restarting ripcord on the same machine would.
pub struct Tmux {
    socket: String,
    pub dir: Rc<tempfile::TempDir>,
    exit_name: String,
    /// The pane's shell, read at start: a test may kill the tmux server itself, and the shell
    /// (which ignores the hang-up) and what it started must still be found at drop.
    shell: String,
}

impl Tmux {
    pub fn start(width: u16, height: u16, args: &str) -> Tmux {
        Tmux::start_with(width, height, "", "", args)
    }

    /// `env` is prepended to ripcord's command line (`NAME=value ...`, where `$D` is the
    /// session's directory); `config` is the config file's text.
    pub fn start_with(width: u16, height: u16, env: &str, config: &str, args: &str) -> Tmux {
        Tmux::fresh(width, height, env, config, args, None)
    }

    /// Like `start`, but ripcord gets none of this machine's environment: only a path, a home
    /// (the test's directory), a terminal type, and `env` (e.g. the AWS variables of an
    /// emulator).
    pub fn start_with_env(width: u16, height: u16, args: &str, env: &[(&str, String)]) -> Tmux {
        Tmux::fresh(width, height, "", "", args, Some(env))
    }

    fn fresh(
        width: u16,
        height: u16,
        env: &str,
        config: &str,
        args: &str,
        clean: Option<&[(&str, String)]>,
    ) -> Tmux {
        let found = Command::new("tmux").arg("-V").output();
        assert!(
            found.is_ok_and(|o| o.status.success()),
            "tmux is needed for the end-to-end tests: install it (apt-get install tmux)"
        );
        let dir = Rc::new(tempfile::tempdir().expect("tempdir"));
        std::fs::write(dir.path().join("config.toml"), config).expect("write config");
        let clean = clean.map(|vars| {
            vars.iter()
                .map(|(n, v)| (n.to_string(), v.clone()))
                .collect()
        });
        Tmux::launch(dir, width, height, env, args, clean)
    }

    /// Another ripcord in the same directory (after the first one ended), with this machine's
    /// environment plus `env`.
    pub fn again(&self, width: u16, height: u16, env: &str, args: &str) -> Tmux {
        Tmux::launch(self.dir.clone(), width, height, env, args, None)
    }

    /// Another ripcord in the same directory (after the first one ended), with only `env` of
    /// this machine's environment, as `start_with_env`.
    pub fn again_with_env(
        &self,
        width: u16,
        height: u16,
        args: &str,
        env: &[(&str, String)],
    ) -> Tmux {
        let clean = env
            .iter()
            .map(|(n, v)| (n.to_string(), v.clone()))
            .collect();
        Tmux::launch(self.dir.clone(), width, height, "", args, Some(clean))
    }

    /// `clean`: ripcord starts from an empty environment with only these variables (and a
    /// path, a home in the directory, a terminal type); `None`: it inherits this machine's.
    fn launch(
        dir: Rc<tempfile::TempDir>,
        width: u16,
        height: u16,
        env: &str,
        args: &str,
        clean: Option<Vec<(String, String)>>,
    ) -> Tmux {
        let n = SESSIONS.fetch_add(1, Ordering::SeqCst);
        let socket = format!("ripcord-e2e-{}-{n}", std::process::id());
        let exit_name = format!("exit-{n}");
        let bin = env!("CARGO_BIN_EXE_ripcord");
        let d = dir.path().display();
        let environment = match clean {
            None => String::new(),
            Some(vars) => {
                let mut text = format!("env -i PATH=\"$PATH\" HOME={d} TERM=xterm-256color ");
                for (name, value) in vars {
                    text.push_str(&format!("{name}='{value}' "));
                }
                text
            }
        };
        // The wrapper ignores SIGHUP itself so that it can record how ripcord ended. `env` may
        // name the session's directory as `$D`.
        let script = format!(
            "trap '' HUP; D={d}; {environment}{env} RIPCORD_LOG_DIR={d}/logs RIPCORD_AUDIT_DIR={d}/audit '{bin}' --config {d}/config.toml {args}; echo \"exit=$?\" > {d}/{exit_name}; sleep 30"
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
        let mut tmux = Tmux {
            socket,
            dir,
            exit_name,
            shell: String::new(),
        };
        tmux.shell = tmux
            .tmux(&["display", "-p", "#{pane_pid}"])
            .trim()
            .to_string();
        assert!(
            !tmux.shell.is_empty(),
            "tmux did not say its pane's process"
        );
        tmux
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
        self.dir.path().join(&self.exit_name)
    }

    pub fn wait_for_exit(&self) -> String {
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            // The shell creates the file before it writes the line: wait for the whole line.
            if let Some(line) = std::fs::read_to_string(self.exit_file())
                .ok()
                .as_deref()
                .and_then(complete_line)
            {
                return line.to_string();
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        panic!("ripcord did not exit; screen:\n{}", self.screen());
    }

    /// The ids of the ripcord processes started in this directory.
    pub fn ripcord_pids(&self) -> Vec<String> {
        // Anchored at the binary so the shell wrapper, whose command line quotes it, never matches.
        let pattern = format!(
            "^{} --config {}",
            env!("CARGO_BIN_EXE_ripcord"),
            self.dir.path().join("config.toml").display()
        );
        Command::new("pgrep")
            .args(["-f", &pattern])
            .output()
            .map(|o| {
                String::from_utf8_lossy(&o.stdout)
                    .split_whitespace()
                    .map(str::to_string)
                    .collect()
            })
            .unwrap_or_default()
    }

    pub fn ripcord_still_running(&self) -> bool {
        !self.ripcord_pids().is_empty()
    }

    /// Sends `signal` (`KILL`, `HUP`, ...) to the one ripcord this session started, by its id.
    pub fn signal(&self, signal: &str) {
        let pids = self.ripcord_pids();
        assert_eq!(pids.len(), 1, "one ripcord to signal: {pids:?}");
        let sent = Command::new("kill")
            .args([&format!("-{signal}"), &pids[0]])
            .status()
            .expect("kill runs");
        assert!(sent.success(), "kill -{signal} {}", pids[0]);
    }

    /// Runs the same binary once, without a terminal, in this directory; returns the exit
    /// code, stdout and stderr.
    pub fn ripcord(&self, args: &[&str]) -> (i32, String, String) {
        let d = self.dir.path();
        let out = Command::new(env!("CARGO_BIN_EXE_ripcord"))
            .arg("--config")
            .arg(d.join("config.toml"))
            .args(args)
            .env("RIPCORD_AUDIT_DIR", d.join("audit"))
            .env("RIPCORD_LOG_DIR", d.join("logs"))
            .output()
            .expect("ripcord runs");
        (
            out.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    /// Waits until `file` (under the directory) holds a whole line, and returns it without
    /// the newline. A file is created before it is written: its existence says nothing.
    pub fn wait_for_file(&self, file: &str) -> String {
        let path = self.dir.path().join(file);
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(line) = std::fs::read_to_string(&path)
                .ok()
                .as_deref()
                .and_then(complete_line)
            {
                return line.to_string();
            }
            assert!(
                Instant::now() < deadline,
                "{} never held a whole line; screen:\n{}",
                path.display(),
                self.screen()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    pub fn path(&self, file: &str) -> PathBuf {
        self.dir.path().join(file)
    }

    /// The run files in the audit directory.
    pub fn audit_files(&self) -> Vec<PathBuf> {
        let mut files: Vec<PathBuf> = std::fs::read_dir(self.dir.path().join("audit"))
            .map(|d| {
                d.filter_map(Result::ok)
                    .map(|e| e.path())
                    .filter(|p| p.extension().is_some_and(|x| x == "jsonl"))
                    .collect()
            })
            .unwrap_or_default();
        files.sort();
        files
    }
}

impl Drop for Tmux {
    /// Nothing outlives the test, pass or fail. Killing the tmux server hangs up the shell and
    /// ripcord, but a ripcord held by the test hook (asleep for an hour) or one that ignores the
    /// hang-up would survive it: every process of this session's panes is killed outright.
    fn drop(&mut self) {
        let mut pids = descendants(&self.shell);
        pids.push(self.shell.clone());
        let _ = Command::new("tmux")
            .args(["-L", &self.socket, "kill-server"])
            .output();
        let _ = Command::new("kill").arg("-KILL").args(&pids).output();
        let deadline = Instant::now() + Duration::from_secs(10);
        while pids.iter().any(|p| alive(p)) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// Whether process `pid` still runs (a zombie waiting to be reaped does not).
pub fn alive(pid: &str) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|stat| {
            // The state follows the command name, which is in parentheses and may hold spaces.
            let after = stat.rsplit_once(')')?.1;
            after.split_whitespace().next().map(|state| state != "Z")
        })
        .unwrap_or(false)
}

/// Every process below `pid`, children first found first.
fn descendants(pid: &str) -> Vec<String> {
    let children: Vec<String> = Command::new("pgrep")
        .args(["-P", pid])
        .output()
        .map(|o| {
            String::from_utf8_lossy(&o.stdout)
                .split_whitespace()
                .map(str::to_string)
                .collect()
        })
        .unwrap_or_default();
    let mut all = children.clone();
    for child in &children {
        all.extend(descendants(child));
    }
    all
}

/// The first line of `text` if it is complete (ends in a newline): a writer may be mid-line.
fn complete_line(text: &str) -> Option<&str> {
    text.split_once('\n').map(|(line, _)| line.trim())
}

impl Tmux {
    /// Types text literally (no key names).
    pub fn type_text(&self, text: &str) {
        self.tmux(&["send-keys", "-l", text]);
    }
}

/// Every file under `dir`, recursively, for scanning what ripcord wrote.
pub fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    if let Ok(entries) = std::fs::read_dir(dir) {
        for e in entries.filter_map(Result::ok) {
            let p = e.path();
            if p.is_dir() {
                out.extend(files_under(&p));
            } else {
                out.push(p);
            }
        }
    }
    out
}

/// From the demo's first screen to the promotion of the RDS failover, confirmed with the typed
/// name: the step's intent is written next.
pub fn confirm_the_promotion(t: &Tmux) {
    t.wait_for(&["orders-dr-usw2", "DEMO"]);
    t.keys(&["r"]);
    t.wait_for(&["Runbooks — Enter runs", "rds-cross-region-failover"]);
    t.keys(&["Enter"]);
    t.wait_for(&["[▶1]", "Page the orders database owner"]);
    t.keys(&["Enter"]);
    t.wait_for(&["☑ Page the orders database owner"]);
    t.keys(&["Enter"]);
    t.wait_for(&["[▶2]", "Enter accepts the gate"]);
    t.keys(&["Enter"]);
    t.wait_for(&["[▶3]", "Enter, then type orders-dr-usw2, runs it"]);
    t.keys(&["Enter"]);
    t.wait_for(&["Type orders-dr-usw2 to confirm:"]);
    t.type_text("orders-dr-usw2");
    t.wait_for(&["confirm: orders-dr-usw2█"]);
    t.keys(&["Enter"]);
}
