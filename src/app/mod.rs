//! All of the cockpit's state, and the one function that changes it.
//!
//! `App::update(event, now)` does no I/O and never awaits: keys, snapshots and ticks go in;
//! state changes and `Command`s (for the runtime to carry out) come out. Time is an argument,
//! so staleness and ages are plain unit tests.

pub mod feed;
pub mod fleet;
pub mod history;
pub mod keys;
pub mod readiness;
pub mod runbook;
pub mod view;

use crate::config::Refresh;
use crate::fleet::{CheckerObservation, HistoryOf, LagHistory, Verdict, Workloads};
use crate::source::FetchResult;
use crate::source::sim::Scenario;
use crate::theme::Theme;
use crossterm::event::KeyEvent;
use feed::Feed;
pub use fleet::{FeedId, Fetched, FleetView};
use jiff::Timestamp;
use std::collections::BTreeMap;

/// Something that happened: a key, a snapshot from a poller, a tick of the clock.
#[derive(Debug)]
pub enum Event {
    Key(KeyEvent),
    /// The terminal changed size; a redraw is due.
    Resize,
    /// Time passed (ages on screen move even when no data arrives).
    Tick,
    /// A polled feed answered (or failed).
    Fetched(Fetched),
    CheckerDetail {
        account: Option<String>,
        check_id: String,
        result: FetchResult<Vec<CheckerObservation>>,
    },
    /// The lag history asked for when a replica's detail opened.
    LagHistory {
        of: HistoryOf,
        result: FetchResult<LagHistory>,
    },
    ThemeLoaded(Result<Theme, String>),
    /// An answer about a runbook step (live values, progress, the result).
    Runbook(crate::runbook::exec::work::Report),
    /// A run's audit log cannot be written: no action of that run will be carried out.
    AuditFailed {
        run: String,
        message: String,
    },
    /// A run that ended was sealed in the audit log: `head` is its final hash, for the
    /// incident ticket.
    AuditSealed {
        run: String,
        head: String,
    },
    /// A run read back from its audit log, ready to go on (or why it cannot).
    Resumed(Result<Box<crate::audit::resume::ResumeData>, crate::audit::resume::ResumeRefusal>),
    /// The cockpit is stopping (a hang-up, SIGTERM, Ctrl-C): a run going on records it.
    SessionLost(String),
}

/// Something for the runtime to do on the app's behalf.
#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    Quit,
    /// Fetch per-checker-region detail for one health check (on demand, never polled for all),
    /// from the account the check belongs to.
    FetchCheckerDetail {
        account: Option<String>,
        check_id: String,
    },
    /// Fetch one replica's lag over 24 hours and 7 days (once per detail opened, never polled).
    FetchLagHistory(HistoryOf),
    /// Load a theme by name or path (may read a file, so not done inside `update`).
    LoadTheme(String),
    /// Switch the simulated fleet's scenario (demo only).
    SetScenario(Scenario),
    /// Read or act for a runbook step.
    Runbook(Box<crate::runbook::exec::work::Work>),
    /// Read an unfinished run back from its audit log, to resume it.
    ResumeRun(String),
    /// Fetch every feed now instead of at its next tick (after renewing credentials).
    RefreshAll,
    /// Read the drills in the audit directory again, for readiness (`readiness_view`).
    ReadDrills,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Pane {
    Replicas,
    Backups,
    Health,
}

impl Pane {
    pub const ALL: [Pane; 3] = [Pane::Replicas, Pane::Backups, Pane::Health];

    pub fn title(self) -> &'static str {
        match self {
            Pane::Replicas => "Replica lag",
            Pane::Backups => "Backups",
            Pane::Health => "DNS health",
        }
    }

    fn next(self) -> Pane {
        match self {
            Pane::Replicas => Pane::Backups,
            Pane::Backups => Pane::Health,
            Pane::Health => Pane::Replicas,
        }
    }

    fn prev(self) -> Pane {
        self.next().next()
    }
}

/// The backups pane shows one of three lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum BackupView {
    Vaults,
    RecoveryPoints,
    Failures,
}

impl BackupView {
    pub const ALL: [BackupView; 3] = [
        BackupView::Vaults,
        BackupView::RecoveryPoints,
        BackupView::Failures,
    ];

    pub fn label(self) -> &'static str {
        match self {
            BackupView::Vaults => "vaults",
            BackupView::RecoveryPoints => "recovery points",
            BackupView::Failures => "failures",
        }
    }

    fn next(self) -> BackupView {
        match self {
            BackupView::Vaults => BackupView::RecoveryPoints,
            BackupView::RecoveryPoints => BackupView::Failures,
            BackupView::Failures => BackupView::Vaults,
        }
    }
}

/// Which list a selection belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ListId {
    Replicas,
    Backups(BackupView),
    Health,
}

/// What the cockpit is looking at, shown in the status bar.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mode {
    Demo { scenario: Scenario },
    Live { profile: Option<String> },
}

/// A line of text being typed at the bottom of the screen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Prompt {
    Filter(String),
    Command(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Overlay {
    Help,
    /// Detail of the row that was selected when Enter was pressed.
    Detail(Pane),
}

/// A short message at the bottom of the screen, e.g. an unknown command.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flash {
    pub text: String,
    pub is_error: bool,
    pub at: Timestamp,
}

pub struct App {
    pub mode: Mode,
    /// The feeds and their verdicts (what `ripcord status` judges with, too).
    pub fleet: FleetView,
    pub theme: Theme,
    pub now: Timestamp,
    /// Per-checker-region detail for the check whose detail is open.
    pub checker_detail: Option<(String, Feed<Vec<CheckerObservation>>)>,
    /// The lag history of the replica whose detail is open.
    pub lag_history: Option<(HistoryOf, Feed<LagHistory>)>,
    pub focus: Pane,
    pub backup_view: BackupView,
    /// The selected row of each list, by index into that list's current rows.
    pub selected: BTreeMap<ListId, usize>,
    pub filter: String,
    pub prompt: Option<Prompt>,
    pub overlay: Option<Overlay>,
    pub flash: Option<Flash>,
    /// Set by anything that changes what is on screen; the runtime draws only when set.
    pub dirty: bool,
    pub should_quit: bool,
    /// `--read-only`: nothing runs, and the run keys are hidden.
    pub read_only: bool,
    pub runbooks: runbook::Runbooks,
    pub readiness_view: readiness::ReadinessView,
}

/// How long a flash message stays up.
const FLASH_SECONDS: i64 = 6;

impl App {
    pub fn new(
        mode: Mode,
        source_name: &str,
        regions: &[String],
        workloads: Workloads,
        refresh: Refresh,
        theme: Theme,
        now: Timestamp,
    ) -> Self {
        Self {
            mode,
            fleet: FleetView::new(source_name, regions, workloads, refresh, now),
            theme,
            now,
            checker_detail: None,
            lag_history: None,
            focus: Pane::Replicas,
            backup_view: BackupView::Vaults,
            selected: BTreeMap::new(),
            filter: String::new(),
            prompt: None,
            overlay: None,
            flash: None,
            dirty: true,
            should_quit: false,
            read_only: false,
            runbooks: runbook::Runbooks::default(),
            readiness_view: readiness::ReadinessView::default(),
        }
    }

    pub fn update(&mut self, event: Event, now: Timestamp) -> Vec<Command> {
        self.now = now;
        // The verdicts are judged at the same time the screen shows (a tick ages them too).
        self.fleet.now = now;
        if self
            .flash
            .as_ref()
            .is_some_and(|f| now.as_second() - f.at.as_second() >= FLASH_SECONDS)
        {
            self.flash = None;
        }
        // Every event may change what is on screen (even a tick moves the ages shown).
        self.dirty = true;
        match event {
            Event::Key(key) => self.on_key(key),
            Event::Resize => Vec::new(),
            Event::Tick => self.runbook_tick(now),
            Event::Runbook(report) => self.on_runbook_report(report, now),
            Event::AuditFailed { run, message } => self.on_audit_failed(run, message),
            Event::AuditSealed { run, head } => {
                // A run that ended is a drill: readiness reads the audit log again.
                let mut commands = self.on_audit_sealed(&run, &head);
                commands.push(Command::ReadDrills);
                commands
            }
            Event::Resumed(result) => self.on_resumed(result, now),
            Event::SessionLost(why) => {
                self.on_session_lost(&why, now);
                Vec::new()
            }
            Event::Fetched(fetched) => {
                self.fleet.apply(fetched, now);
                self.clamp_selection();
                Vec::new()
            }
            // Route 53 check ids are unique across accounts: the id alone tells the detail.
            Event::CheckerDetail {
                account: _,
                check_id,
                result,
            } => {
                if let Some((id, feed)) = &mut self.checker_detail
                    && *id == check_id
                {
                    feed.apply(result, now);
                }
                Vec::new()
            }
            Event::LagHistory { of, result } => self.on_lag_history(of, result, now),
            Event::ThemeLoaded(Ok(theme)) => {
                self.flash_info(format!("theme: {}", theme.name));
                self.theme = theme;
                Vec::new()
            }
            Event::ThemeLoaded(Err(e)) => {
                self.flash_error(e);
                Vec::new()
            }
        }
    }

    pub fn flash_info(&mut self, text: impl Into<String>) {
        self.flash = Some(Flash {
            text: text.into(),
            is_error: false,
            at: self.now,
        });
    }

    pub fn flash_error(&mut self, text: impl Into<String>) {
        self.flash = Some(Flash {
            text: text.into(),
            is_error: true,
            at: self.now,
        });
    }

    /// The list the cursor is in.
    pub fn current_list(&self) -> ListId {
        match self.focus {
            Pane::Replicas => ListId::Replicas,
            Pane::Backups => ListId::Backups(self.backup_view),
            Pane::Health => ListId::Health,
        }
    }

    pub fn list_of(&self, pane: Pane) -> ListId {
        match pane {
            Pane::Replicas => ListId::Replicas,
            Pane::Backups => ListId::Backups(self.backup_view),
            Pane::Health => ListId::Health,
        }
    }

    pub fn selected_index(&self, pane: Pane) -> usize {
        self.selected.get(&self.list_of(pane)).copied().unwrap_or(0)
    }

    fn move_selection(&mut self, delta: isize) {
        let count = self.row_count(self.focus);
        let list = self.current_list();
        let current = self.selected.get(&list).copied().unwrap_or(0);
        let next = if count == 0 {
            0
        } else {
            current.saturating_add_signed(delta).min(count - 1)
        };
        self.selected.insert(list, next);
    }

    /// Keeps every selection inside its list when new data shrinks a list.
    fn clamp_selection(&mut self) {
        let lists: Vec<(ListId, usize)> = self.selected.iter().map(|(k, v)| (*k, *v)).collect();
        for (list, index) in lists {
            let count = match list {
                ListId::Replicas => self.replica_rows().len(),
                ListId::Backups(BackupView::Vaults) => self.vault_rows().len(),
                ListId::Backups(BackupView::RecoveryPoints) => self.point_rows().len(),
                ListId::Backups(BackupView::Failures) => self.failure_rows().len(),
                ListId::Health => self.check_rows().len(),
            };
            self.selected
                .insert(list, index.min(count.saturating_sub(1)));
        }
    }

    /// The worst verdict anywhere, counting data we cannot trust as at least WARN.
    pub fn overall(&self) -> Verdict {
        self.fleet.overall()
    }

    /// Feeds that are stale or failing, as `(what, region)`, for the header and status bar.
    pub fn stale_feeds(&self) -> Vec<(Pane, String)> {
        self.fleet.stale_feeds()
    }

    /// Whether any data has arrived at all, so the UI can say "waiting" rather than "all OK".
    pub fn has_any_data(&self) -> bool {
        self.fleet.has_any_data()
    }

    pub fn is_demo(&self) -> bool {
        matches!(self.mode, Mode::Demo { .. })
    }
}

#[cfg(test)]
mod tests;
