//! Running a `sh` step: the block's text exactly as written, parameters only in the
//! environment (`RIPCORD_PARAM_NAME`), output streamed line by line, a deadline enforced on
//! the whole process group: a timeout ends `sh` and everything it started (an `aws` CLI call
//! left running would go on changing things after the step was reported killed).

use crate::fleet::format_duration;
use crate::runbook::act::dispatch::Progress;
use crate::runbook::exec::work::{Env, Outcome};
use std::process::Stdio;
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
        // $0 of the script, as error messages from sh show it.
        .arg("ripcord-step");
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

#[cfg(test)]
mod tests {
    use crate::runbook::exec::work::{Job, ReportBody, Task};
    use crate::runbook::exec::{Run, run_id};
    use crate::runbook::lang::{check, params};
    use std::sync::Arc;

    /// Each parameter well under the 128 KiB one environment variable may hold.
    const EACH: usize = 100_000;

    /// A runbook of `count` parameters whose first step writes a file and whose second
    /// step is a shell step: every shell step gets every parameter.
    fn book_of(count: usize) -> String {
        let mut text = String::from("---\ntitle: Big environment\nrto: 5m\nparameters:\n");
        for n in 0..count {
            text.push_str(&format!("  p{n:02}:\n    description: a big value\n"));
        }
        text.push_str("  dir:\n    description: where the steps write\n---\n");
        text.push_str("## Mark\n\n```sh\ntouch \"$RIPCORD_PARAM_DIR/first\"\n```\n\n");
        text.push_str(
            // The prefix split, so that the checker does not take it for a parameter.
            "## Count\n\n```sh\nenv | grep -c '^RIPCORD_''PARAM_P' > \"$RIPCORD_PARAM_DIR/count\"\n```\n",
        );
        text
    }

    fn t0() -> jiff::Timestamp {
        "2026-11-21T03:00:00Z".parse().expect("valid")
    }

    /// Starts a run of `count` big parameters writing into `dir`.
    fn start(count: usize, dir: &std::path::Path) -> Result<Run, Vec<String>> {
        let book = Arc::new(check::load("big", "big.md", &book_of(count)).expect("valid"));
        let mut given: Vec<(String, String)> = (0..count)
            .map(|n| (format!("p{n:02}"), "x".repeat(EACH)))
            .collect();
        given.push(("dir".to_string(), dir.display().to_string()));
        let values = params::resolve(&book, &given).expect("each value fits");
        Run::start(run_id(&book, t0(), "0a1b2c"), book, values, "tester", t0())
            .map(|(run, _)| run)
            .map_err(|ps| ps.iter().map(ToString::to_string).collect())
    }

    /// Runs the current shell step of `run` with a real `sh`, and feeds back its reports.
    async fn run_step(run: &mut Run, at: jiff::Timestamp) -> Vec<ReportBody> {
        let work = run.confirm(None, at).expect("runs");
        let Job::Perform {
            task: Task::Shell { .. },
            ..
        } = &work[0].job
        else {
            panic!("a shell job")
        };
        let sim = Arc::new(crate::source::sim::SimFleet::new(
            crate::source::sim::SimOptions::default(),
        ));
        let (tx, mut rx) = tokio::sync::mpsc::channel(1024);
        crate::runbook::act::runner::execute(
            work[0].clone(),
            sim,
            crate::clock::Clock::System,
            tx,
            |r| r,
        )
        .await;
        let mut bodies = Vec::new();
        while let Ok(report) = rx.try_recv() {
            bodies.push(report.body.clone());
            run.on_report(report, at);
        }
        bodies
    }

    /// Linux refuses to start a program whose arguments and environment together pass
    /// ARG_MAX (E2BIG). Parameters that each fit but together do not are refused before the
    /// run starts, naming the total and the limit, instead of a run that does its first steps
    /// and then cannot start `sh`; a set that fits reaches `sh` whole.
    #[tokio::test]
    async fn an_environment_too_big_for_sh_is_refused_before_the_run_and_one_that_fits_runs() {
        let limit = crate::runbook::exec::env_limit::for_sh();
        let too_many = limit / EACH + 2;
        let dir = tempfile::tempdir().expect("tempdir");
        let Err(refused) = start(too_many, dir.path()) else {
            let mut run = start(too_many, dir.path()).expect("started");
            let first = run_step(&mut run, t0()).await;
            panic!("the run started; its first step: {first:?}");
        };
        assert_eq!(refused.len(), 2, "each shell step: {refused:#?}");
        assert!(
            refused[0].starts_with("big.md:")
                && refused[0].contains("step `Mark`")
                && refused[0].contains("ARG_MAX")
                && refused[0].contains(&limit.to_string()),
            "{}",
            refused[0]
        );
        assert!(!dir.path().join("first").exists(), "nothing ran");

        let fits = limit / EACH - 2;
        let mut run = start(fits, dir.path()).expect("starts");
        let first = run_step(&mut run, t0()).await;
        assert!(
            matches!(first.last(), Some(ReportBody::Done(_))),
            "{first:?}"
        );
        let second = run_step(&mut run, t0()).await;
        assert!(
            matches!(second.last(), Some(ReportBody::Done(_))),
            "{second:?}"
        );
        let count = std::fs::read_to_string(dir.path().join("count")).expect("written");
        assert_eq!(count.trim(), fits.to_string(), "every parameter reached sh");
    }
}
