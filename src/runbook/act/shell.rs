//! Running a `sh` step: the block's text exactly as written, parameters only in the
//! environment (`RIPCORD_PARAM_NAME`), output streamed line by line, a deadline enforced on
//! the whole process group: a timeout ends `sh` and everything it started (an `aws` CLI call
//! left running would go on changing things after the step was reported killed).

use crate::fleet::format_duration;
use crate::runbook::act::answer::{Env, Outcome};
use crate::runbook::act::dispatch::Progress;
use std::process::Stdio;
use std::sync::OnceLock;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};

/// `sh -e -u`: stop at the first failing command and at any unset variable (a misspelt
/// `$RIPCORD_PARAM_...` must fail, not expand to nothing).
pub const SHELL: &str = "sh";
pub const SHELL_FLAGS: [&str; 2] = ["-e", "-u"];

pub async fn run(
    script: &str,
    env: &Env,
    timeout: Duration,
    progress: Progress<'_>,
) -> Result<Outcome, String> {
    let mut command = tokio::process::Command::new(SHELL);
    command
        .args(SHELL_FLAGS)
        .arg("-c")
        .arg(script)
        .arg(SCRIPT_NAME);
    // Values left in the operator's own environment must not pose as this run's parameters.
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("RIPCORD_PARAM_") {
            command.env_remove(name);
        }
    }
    for var in &env.0 {
        command.env(&var.name, &var.value);
    }
    command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        // Its own process group (pgid = its pid), so the group can be ended as one.
        .process_group(0)
        .kill_on_drop(true);
    let mut child = command
        .spawn()
        .map_err(|e| format!("cannot start {SHELL}: {e}"))?;
    // Ends the group however this function is left: the timeout below, or the caller
    // dropping it (the worker's own deadline).
    let mut group = ProcessGroup(child.id());
    let stdout = child.stdout.take();
    let stderr = child.stderr.take();
    let lines = std::sync::atomic::AtomicUsize::new(0);
    let count = |line: String| {
        lines.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        progress(line);
    };
    let finished = tokio::time::timeout(timeout, async {
        tokio::join!(pump(stdout, "", &count), pump(stderr, "stderr: ", &count));
        child.wait().await
    })
    .await;
    let lines = lines.load(std::sync::atomic::Ordering::Relaxed);
    if let Ok(Ok(_)) = &finished {
        // sh was reaped: its pid (the group's id) may already belong to someone else.
        group.disarm();
    }
    match finished {
        Ok(Ok(status)) if status.success() => Ok(Outcome::new(format!(
            "sh exited 0 ({lines} line{} of output)",
            if lines == 1 { "" } else { "s" }
        ))),
        Ok(Ok(status)) => Err(match status.code() {
            Some(code) => format!("sh exited {code}: see the output above"),
            None => "sh was killed by a signal".to_string(),
        }),
        Ok(Err(e)) => Err(format!("waiting for sh failed: {e}")),
        Err(_) => {
            // The group first: killing sh alone would orphan its children.
            drop(group);
            let _ = child.kill().await;
            Err(format!(
                "sh did not finish within {}: it was killed",
                format_duration(timeout)
            ))
        }
    }
}

/// The process group of a running step. Dropping it sends SIGKILL to every process left in
/// the group; a group that already ended is not an error.
struct ProcessGroup(Option<u32>);

impl ProcessGroup {
    fn disarm(&mut self) {
        self.0 = None;
    }
}

impl Drop for ProcessGroup {
    fn drop(&mut self) {
        if let Some(pid) = self.0.and_then(|p| i32::try_from(p).ok()) {
            let _ = nix::sys::signal::killpg(
                nix::unistd::Pid::from_raw(pid),
                nix::sys::signal::Signal::SIGKILL,
            );
        }
    }
}

/// Forwards a stream line by line; bytes that are not UTF-8 are shown replaced, not dropped.
async fn pump(stream: Option<impl AsyncRead + Unpin>, prefix: &str, out: &(dyn Fn(String) + Sync)) {
    let Some(stream) = stream else { return };
    let mut reader = BufReader::new(stream);
    let mut buf = Vec::new();
    loop {
        buf.clear();
        match reader.read_until(b'\n', &mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(_) => {
                let line = String::from_utf8_lossy(&buf);
                out(format!("{prefix}{}", line.trim_end_matches(['\n', '\r'])));
            }
        }
    }
}

// ---------------------------------------------------------------------------------------
// How much one `sh` may be handed. Linux refuses to start a program whose arguments and
// environment together pass ARG_MAX (E2BIG), so a run whose parameters each fit but together
// do not would stop at its first shell step, after the steps before it: the run is checked
// against this before it starts. What is left to a step's script and parameters is ARG_MAX
// less what goes to `sh` anyway: ripcord's own environment and `sh`'s fixed arguments. It is
// read once; ripcord never changes its own environment.

/// Kept aside for what the kernel counts besides the strings: the program's path, the
/// auxiliary vector, alignment.
const MARGIN: usize = 4096;
/// One pointer per string in argv and envp, and one ending each list.
const POINTER: usize = std::mem::size_of::<usize>();
/// `$0` of the script, as error messages from sh show it.
const SCRIPT_NAME: &str = "ripcord-step";

/// ARG_MAX as the system reports it; Linux's floor (32 pages) when it cannot be read.
pub fn arg_max() -> usize {
    nix::unistd::sysconf(nix::unistd::SysconfVar::ARG_MAX)
        .ok()
        .flatten()
        .and_then(|v| usize::try_from(v).ok())
        .unwrap_or(32 * 4096)
}

/// What one argument or environment string of `len` bytes costs: itself, its NUL, its
/// pointer.
pub fn cost(len: usize) -> usize {
    len + 1 + POINTER
}

/// What is left for a shell step's script and `RIPCORD_PARAM_*` variables.
pub fn left_for_a_step() -> usize {
    static LEFT: OnceLock<usize> = OnceLock::new();
    *LEFT.get_or_init(|| {
        // Every variable of ripcord's own goes to sh, but the RIPCORD_PARAM_* ones, which a
        // shell step replaces with its own.
        let inherited: usize = std::env::vars_os()
            .filter(|(name, _)| !name.to_string_lossy().starts_with("RIPCORD_PARAM_"))
            .map(|(name, value)| cost(name.len() + 1 + value.len()))
            .sum();
        let fixed: usize = [SHELL, "-c", SCRIPT_NAME]
            .iter()
            .chain(SHELL_FLAGS.iter())
            .map(|a| cost(a.len()))
            .sum();
        arg_max().saturating_sub(inherited + fixed + 2 * POINTER + MARGIN)
    })
}
