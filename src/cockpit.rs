//! The cockpit's event loop: input, pollers and ticks in; `App::update`; draw only when
//! something changed; commands out to spawned tasks. Nothing here waits on the network.

use crate::app::{App, Command, Event};
use crate::audit::journal::Journal;
use crate::clock::Clock;
use crate::config::Refresh;
use crate::effects;
use crate::poll;
use crate::runbook::Actions;
use crate::runbook::act::route::Acting;
use crate::runbook::runner;
use crate::source::sim::SimFleet;
use crate::source::{AccountFleet, FleetSource};
use crate::theme::Theme;
use crate::tui::{ChangesOnly, TerminalGuard};
use crate::ui;
use crossterm::event::{Event as TermEvent, EventStream};
use futures_util::StreamExt;
use jiff::Timestamp;
use std::sync::Arc;
use std::time::Duration;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

/// Ages on screen are shown to the second; nothing else needs a clock tick.
const TICK: Duration = Duration::from_secs(1);
/// The longest any one fetch may take before its region is reported as not answering.
const MAX_FETCH_DEADLINE: Duration = Duration::from_secs(20);

/// Why the loop ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    Quit,
    /// A signal stopped the cockpit (SIGHUP when the SSH session dropped, SIGTERM, SIGINT), or
    /// the terminal went away, which is a hang-up by another name.
    Signal(Stop),
}

/// How the cockpit was stopped from outside, and the exit status that tells it: 128 plus the
/// signal's number, the shell's convention, so a supervisor can tell a hang-up from a kill.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    Hangup,
    Interrupt,
    Terminate,
    /// The terminal closed or failed without a signal reaching us: reported as a hang-up.
    TerminalLost(&'static str),
}

impl Stop {
    /// What the audit log and stderr say stopped the cockpit.
    pub fn why(self) -> &'static str {
        match self {
            Stop::Hangup => "SIGHUP",
            Stop::Interrupt => "SIGINT",
            Stop::Terminate => "SIGTERM",
            Stop::TerminalLost(why) => why,
        }
    }

    pub fn exit_status(self) -> u8 {
        const SIGHUP: u8 = 1;
        const SIGINT: u8 = 2;
        const SIGTERM: u8 = 15;
        128 + match self {
            Stop::Hangup | Stop::TerminalLost(_) => SIGHUP,
            Stop::Interrupt => SIGINT,
            Stop::Terminate => SIGTERM,
        }
    }
}

pub struct Sources {
    /// Each account's fleet (one, unnamed, when the config names no accounts).
    pub fleets: Vec<AccountFleet>,
    /// The simulator itself, when the fleet is simulated, for `:scenario`.
    pub sim: Option<Arc<SimFleet>>,
    /// What carries out runbook steps: the simulator's actions or AWS's (one account's, or
    /// each named account's); none when read-only.
    pub acting: Option<Acting>,
    pub refresh: Refresh,
}

impl Sources {
    /// The fleet of the account named `account` (`None`: the unnamed one).
    fn fleet_of(&self, account: Option<&str>) -> Option<Arc<dyn FleetSource>> {
        crate::source::fleet_of(&self.fleets, account).map(|f| f.fleet.clone())
    }
}

/// Runs the cockpit, the demo's and the live one alike; every run's log goes through
/// `journal` (write-ahead, fail closed) before any of its work is done. The journal comes with
/// its directory (`--audit-dir`) and the operator, whose credentials `main` asked the actions
/// for (`Actions::caller_identity`) before the terminal was taken over.
pub async fn run_with_journal(
    mut app: App,
    sources: Sources,
    mut journal: Journal,
) -> anyhow::Result<Exit> {
    let mut hangup = signal(SignalKind::hangup())?;
    let mut terminate = signal(SignalKind::terminate())?;
    // In raw mode Ctrl-C is a key, not a signal; SIGINT still comes from `kill -INT` or a
    // supervisor, and must restore the terminal like the others.
    let mut interrupt = signal(SignalKind::interrupt())?;
    let mut guard = TerminalGuard::enter()?;
    let (tx, mut rx) = mpsc::channel::<Event>(1024);
    let cancel = CancellationToken::new();
    let refresh_now = poll::spawn_accounts(
        &sources.fleets,
        sources.refresh,
        MAX_FETCH_DEADLINE,
        tx.clone(),
        cancel.clone(),
    );
    let mut input = EventStream::new();
    // A tick redraws so that ages and verdicts move on time; only what changed is written.
    let mut screen = ChangesOnly::default();
    let mut tick = tokio::time::interval(TICK);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);

    let exit = loop {
        if app.dirty {
            if let Err(e) = screen.draw(&mut *guard.terminal, |frame| ui::render(&app, frame)) {
                // Drawing fails once the terminal is gone (an SSH drop): stop, do not error.
                tracing::warn!("drawing failed: {e}");
                break Exit::Signal(Stop::TerminalLost("terminal lost"));
            }
            app.dirty = false;
        }
        let first = tokio::select! {
            Some(event) = rx.recv() => event,
            term = input.next() => match term {
                Some(Ok(TermEvent::Key(key))) => Event::Key(key),
                Some(Ok(TermEvent::Resize(..))) => Event::Resize,
                Some(Ok(_)) => continue,
                // The terminal is gone (hang-up, closed pty): stop rather than spin on errors.
                Some(Err(e)) => {
                    tracing::warn!("terminal input failed: {e}");
                    break Exit::Signal(Stop::TerminalLost("terminal lost"));
                }
                None => break Exit::Signal(Stop::TerminalLost("terminal closed")),
            },
            _ = tick.tick() => Event::Tick,
            _ = hangup.recv() => break Exit::Signal(Stop::Hangup),
            _ = terminate.recv() => break Exit::Signal(Stop::Terminate),
            _ = interrupt.recv() => break Exit::Signal(Stop::Interrupt),
        };
        let mut commands = app.update(first, Timestamp::now());
        // Take everything already waiting before drawing once (a burst of snapshots at start).
        while let Ok(event) = rx.try_recv() {
            commands.extend(app.update(event, Timestamp::now()));
        }
        // The audit log first: new run-log entries on disk, and only admitted work goes out.
        for command in effects::through_journal(&mut app, &mut journal, commands, Timestamp::now) {
            carry_out(command, &mut app, &sources, &tx, &mut journal, &refresh_now);
        }
        if app.should_quit {
            break Exit::Quit;
        }
    };
    cancel.cancel();
    let why = match exit {
        Exit::Quit => "the operator quit the cockpit (Ctrl-C or :quit) during the run",
        Exit::Signal(stop) => stop.why(),
    };
    app.update(Event::SessionLost(why.to_string()), Timestamp::now());
    let sealed = effects::close(&mut app, &mut journal, Timestamp::now);
    drop(guard);
    // Once the terminal is back: each run sealed in this session, with the head to note in
    // the incident ticket (`ripcord audit verify RUN --expect-head HEAD` checks it later).
    for (run, head, path) in sealed {
        println!("run {run} sealed: head {head} ({})", path.display());
    }
    tracing::info!(?exit, "cockpit stopped");
    Ok(exit)
}

fn carry_out(
    command: Command,
    app: &mut App,
    sources: &Sources,
    tx: &mpsc::Sender<Event>,
    journal: &mut Journal,
    refresh_now: &poll::RefreshNow,
) {
    match command {
        Command::Quit => app.should_quit = true,
        Command::RefreshAll => refresh_now.now(),
        Command::ReadDrills => {
            // A few small files, read between draws: readiness needs them, nothing waits.
            if let Some(dir) = &app.readiness_view.audit_dir {
                app.readiness_view.drills = Some(crate::audit::evidence::drills(dir));
                app.dirty = true;
            }
        }
        Command::FetchCheckerDetail { account, check_id } => {
            let Some(fleet) = sources.fleet_of(account.as_deref()) else {
                app.flash_error(format!(
                    "no fleet for account {}",
                    account.as_deref().unwrap_or("(default)")
                ));
                return;
            };
            let tx = tx.clone();
            tokio::spawn(async move {
                let result = crate::source::with_deadline(
                    MAX_FETCH_DEADLINE,
                    "route53:GetHealthCheckStatus",
                    fleet.checker_detail(&check_id),
                )
                .await;
                let _ = tx
                    .send(Event::CheckerDetail {
                        account,
                        check_id,
                        result,
                    })
                    .await;
            });
        }
        Command::FetchLagHistory(of) => {
            // From the account the replica is in (the rows know it); the one fleet otherwise.
            let account = app
                .fleet
                .account_of_resource(&of.id)
                .map(|a| a.name.clone());
            let Some(fleet) = sources.fleet_of(account.as_deref()) else {
                app.flash_error(format!("no fleet to read the lag history of {}", of.id));
                return;
            };
            let tx = tx.clone();
            tokio::spawn(async move {
                let result = crate::source::with_deadline(
                    MAX_FETCH_DEADLINE,
                    "cloudwatch:GetMetricData",
                    fleet.lag_history(&of),
                )
                .await;
                let _ = tx.send(Event::LagHistory { of, result }).await;
            });
        }
        Command::LoadTheme(name) => {
            if crate::theme::no_color_requested() {
                app.flash_error("NO_COLOR is set: staying monochrome");
                return;
            }
            let tx = tx.clone();
            tokio::spawn(async move {
                let result = Theme::load(&name).map_err(|e| e.to_string());
                let _ = tx.send(Event::ThemeLoaded(result)).await;
            });
        }
        Command::SetScenario(scenario) => match &sources.sim {
            Some(sim) => {
                sim.set_scenario(scenario);
                tracing::info!(?scenario, "scenario switched");
            }
            None => app.flash_error("no simulated fleet to switch"),
        },
        Command::Runbook(work) => match runbook_actions(sources, journal.take_account(&work)) {
            Some(actions) => {
                let tx = tx.clone();
                tokio::spawn(runner::execute(
                    *work,
                    actions,
                    Clock::System,
                    tx,
                    Event::Runbook,
                ));
            }
            None => app.flash_error("this source cannot carry out runbook actions"),
        },
        Command::ResumeRun(id) => {
            let result = journal.resume(&id, &app.runbooks.library, &[]);
            let _ = tx.try_send(Event::Resumed(result));
        }
    }
}

/// What carries out a runbook job for these sources (chosen in `main`): with named accounts,
/// the `Actions` of the account the journal placed the job in.
fn runbook_actions(sources: &Sources, account: Option<String>) -> Option<Arc<dyn Actions>> {
    sources.acting.as_ref()?.for_account(account.as_deref())
}
