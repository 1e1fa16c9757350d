//! A cockpit that carries out runbook work the way the real one does (the same worker, any
//! `Actions`: the simulator's, or AWS's against moto or mocks; with an audit journal in front
//! of every job when it has one), feeding every report back into `App::update` until the app
//! asks for nothing more.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ripcord::app::{App, Command, Event};
use ripcord::audit::journal::Journal;
use ripcord::clock::Clock;
use ripcord::effects;
use ripcord::runbook::exec::StepState;
use ripcord::runbook::exec::log::LogEvent;
use ripcord::runbook::{Actions, runner};
use std::sync::Arc;
use tokio::sync::mpsc;

/// `S` is what a test keeps beside the cockpit: the simulated fleet for a drill (`Drill`),
/// nothing for AWS.
pub struct Driver<S = ()> {
    pub app: App,
    pub actions: Arc<dyn Actions>,
    pub clock: Clock,
    /// The audit journal the cockpit puts in front of every job, when the test has one.
    pub journal: Option<Journal>,
    pub sim: S,
}

impl Driver {
    /// A cockpit carrying work out on `actions` (AWS's), without an audit journal.
    pub fn on(app: App, actions: Arc<dyn Actions>, clock: Clock) -> Driver {
        Driver {
            app,
            actions,
            clock,
            journal: None,
            sim: (),
        }
    }
}

impl<S> Driver<S> {
    /// Carries out commands as the cockpit would, feeding every report back, until the app
    /// asks for nothing more. The app is told the time of `clock`.
    pub async fn settle(&mut self, mut commands: Vec<Command>) {
        loop {
            // The cockpit's own gate: the log on disk first, and only admitted work goes out.
            if let Some(journal) = self.journal.as_mut() {
                let clock = self.clock.clone();
                commands = effects::through_journal(
                    &mut self.app,
                    journal,
                    std::mem::take(&mut commands),
                    || clock.now(),
                );
            }
            if commands.is_empty() {
                break;
            }
            let (tx, mut rx) = mpsc::channel(4096);
            for command in commands.drain(..) {
                if let Command::ResumeRun(id) = &command {
                    // As the cockpit does: read back, checked against these credentials.
                    let journal = self.journal.as_mut().expect("resuming needs a journal");
                    let result = journal.resume(id, &self.app.runbooks.library, &[]);
                    let _ = tx.send(Event::Resumed(result)).await;
                    continue;
                }
                if let Command::Runbook(work) = command {
                    runner::execute(
                        *work,
                        self.actions.clone(),
                        self.clock.clone(),
                        tx.clone(),
                        Event::Runbook,
                    )
                    .await;
                }
            }
            drop(tx);
            while let Some(event) = rx.recv().await {
                commands.extend(self.app.update(event, self.clock.now()));
            }
        }
    }

    /// The cockpit's gate alone: `commands` through the audit journal, and what it admits,
    /// without carrying anything out (as a cockpit that dies right after).
    #[allow(dead_code)]
    pub fn admit(&mut self, commands: Vec<Command>) -> Vec<Command> {
        let clock = self.clock.clone();
        let journal = self.journal.as_mut().expect("a journal");
        effects::through_journal(&mut self.app, journal, commands, || clock.now())
    }

    pub async fn key(&mut self, code: KeyCode) {
        let event = Event::Key(KeyEvent::new(code, KeyModifiers::NONE));
        let commands = self.app.update(event, self.clock.now());
        self.settle(commands).await;
    }

    pub async fn enter(&mut self) {
        self.key(KeyCode::Enter).await;
    }

    pub async fn type_line(&mut self, text: &str) {
        for c in text.chars() {
            self.key(KeyCode::Char(c)).await;
        }
        self.enter().await;
    }

    pub async fn command(&mut self, line: &str) {
        let commands = self.app.run_command(line);
        self.settle(commands).await;
    }

    /// A tick, as the cockpit sends every second: starts a run launched from the command line.
    pub async fn tick(&mut self) {
        let commands = self.app.update(Event::Tick, self.clock.now());
        self.settle(commands).await;
    }

    pub fn run(&self) -> &ripcord::runbook::Run {
        self.app.runbooks.run.as_ref().expect("a run")
    }

    /// The number (1-based) of the step waiting for the operator.
    pub fn at(&self) -> usize {
        self.run().current().map_or(0, |i| i + 1)
    }

    pub fn flash(&self) -> String {
        self.app
            .flash
            .as_ref()
            .map(|f| f.text.clone())
            .unwrap_or_default()
    }

    pub fn states(&self) -> Vec<StepState> {
        self.run().state.steps.iter().map(|s| s.state).collect()
    }

    /// Every action and shell step was announced in the log before it ran.
    pub fn intents_precede_results(&self) {
        let log = &self.run().log;
        for (i, entry) in log.iter().enumerate() {
            if let LogEvent::StepDone { .. } | LogEvent::StepFailed { .. } = entry.event {
                let step = &entry.step;
                let body = &self.run().book.steps[self
                    .run()
                    .book
                    .steps
                    .iter()
                    .position(|s| Some(&s.id) == step.as_ref())
                    .expect("a step")]
                .body;
                let acts = !matches!(
                    body,
                    ripcord::runbook::lang::model::StepBody::Manual
                        | ripcord::runbook::lang::model::StepBody::Gate(_)
                );
                if acts {
                    assert!(
                        log[..i]
                            .iter()
                            .any(|e| e.step == *step && matches!(e.event, LogEvent::Intent { .. })),
                        "no intent before the result of {step:?}"
                    );
                }
            }
        }
        let seqs: Vec<u64> = log.iter().map(|e| e.seq).collect();
        assert_eq!(seqs, (1..=log.len() as u64).collect::<Vec<_>>());
    }
}
