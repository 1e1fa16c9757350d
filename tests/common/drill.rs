//! A cockpit on the simulated fleet that carries out runbook work the way the real one does
//! (the same worker, the simulator's `Actions`), on a clock that moves only when work waits.

use super::*;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ripcord::app::{App, Command, Event};
use ripcord::audit::journal::Journal;
use ripcord::clock::Clock;
use ripcord::fleet::CheckStatus;
use ripcord::runbook::actions::CallerIdentity;
use ripcord::runbook::exec::StepState;
use ripcord::runbook::log::LogEvent;
use ripcord::runbook::{Actions, Library, worker};
use ripcord::source::sim::drill::ZONE_ID;
use ripcord::source::sim::{Scenario, SimFleet, SimOptions};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;

pub struct Drill {
    pub app: App,
    pub sim: Arc<SimFleet>,
    pub clock: Clock,
    /// The audit journal the cockpit puts in front of every job, when the drill has one.
    pub journal: Option<Journal>,
}

impl Drill {
    /// The demo's cockpit on a simulated fleet, `after` seconds into the scenario.
    pub fn new(scenario: Scenario, after: u64) -> Drill {
        let clock = Clock::manual(t0());
        let sim = Arc::new(SimFleet::new(SimOptions {
            scenario,
            clock: clock.clone(),
            ..SimOptions::default()
        }));
        clock.advance(Duration::from_secs(after));
        let mut app = app_fed(&sim, dark(), clock.now());
        app.runbooks.library = Library::shipped();
        app.runbooks.actions_available = true;
        app.runbooks.operator = "drill".into();
        Drill {
            app,
            sim,
            clock,
            journal: None,
        }
    }

    /// The same, with run logs audited in `dir` as the cockpit does.
    pub fn audited(scenario: Scenario, after: u64, dir: &std::path::Path) -> Drill {
        let mut drill = Drill::new(scenario, after);
        drill.journal = Some(Journal::new(
            dir.to_path_buf(),
            ripcord::audit::identity::current(CallerIdentity::Simulated),
        ));
        drill
    }

    /// A second cockpit on the same simulated fleet, as after a crash and a restart: this one
    /// is gone (its journal closed, its lock released); the new app and journal start afresh
    /// and find the unfinished runs in `dir`; the fleet kept what was done to it.
    pub fn restart(self, dir: &std::path::Path) -> Drill {
        let Drill {
            app,
            sim,
            clock,
            journal,
        } = self;
        // Gone before the new cockpit looks: the lock goes with the journal.
        drop(journal);
        drop(app);
        let mut app = app_fed(&sim, dark(), clock.now());
        app.runbooks.library = Library::shipped();
        app.runbooks.actions_available = true;
        app.runbooks.operator = "drill-2".into();
        app.runbooks.unfinished = ripcord::audit::runs::unfinished(dir);
        Drill {
            app,
            sim,
            clock,
            journal: Some(Journal::new(
                dir.to_path_buf(),
                ripcord::audit::identity::current(CallerIdentity::Simulated),
            )),
        }
    }

    /// Carries out commands as the cockpit would, feeding every report back, until the app
    /// asks for nothing more.
    pub async fn settle(&mut self, mut commands: Vec<Command>) {
        loop {
            // As the cockpit does: the log on disk first, and only admitted work goes out.
            if let Some(journal) = self.journal.as_mut() {
                let gated = journal.gate(&self.app.runbooks, std::mem::take(&mut commands));
                commands = gated.commands;
                let refused = !gated.events.is_empty();
                for event in gated.events {
                    commands.extend(self.app.update(event, self.clock.now()));
                }
                if refused {
                    continue;
                }
            }
            if commands.is_empty() {
                break;
            }
            let (tx, mut rx) = mpsc::channel(4096);
            for command in commands.drain(..) {
                if let Command::ResumeRun(id) = &command {
                    let journal = self.journal.as_mut().expect("resuming needs a journal");
                    let result = ripcord::audit::resume::prepare(
                        journal.dir(),
                        id,
                        &self.app.runbooks.library,
                        &[],
                    )
                    .map(|p| {
                        journal.attach(p.attachment);
                        Box::new(p.data)
                    });
                    let _ = tx.send(Event::Resumed(result)).await;
                    continue;
                }
                if let Command::Runbook(work) = command {
                    let actions: Arc<dyn Actions> = self.sim.clone();
                    worker::execute(
                        *work,
                        actions,
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

    pub fn run(&self) -> &ripcord::runbook::Run {
        self.app.runbooks.run.as_ref().expect("a run")
    }

    /// The number (1-based) of the step waiting for the operator.
    pub fn at(&self) -> usize {
        self.run().current.map_or(0, |i| i + 1)
    }

    pub fn flash(&self) -> String {
        self.app
            .flash
            .as_ref()
            .map(|f| f.text.clone())
            .unwrap_or_default()
    }

    pub fn states(&self) -> Vec<StepState> {
        self.run().steps.iter().map(|s| s.state).collect()
    }

    pub async fn answer(&self, value: &str) -> bool {
        self.sim
            .dns_answer(ZONE_ID, "api.example.com.", "CNAME")
            .await
            .expect("route53 answers")
            .value
            .iter()
            .any(|a| a == value)
    }

    pub async fn check(&self, id: &str) -> CheckStatus {
        self.sim
            .health_check(id)
            .await
            .expect("known check")
            .value
            .status
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
                    ripcord::runbook::model::StepBody::Manual
                        | ripcord::runbook::model::StepBody::Gate(_)
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
