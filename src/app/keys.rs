//! What each key does. Keyboard only, and discoverable: `?` lists all of this.

use super::{App, Command, Overlay, Pane, Prompt};
use crate::source::sim::Scenario;
use crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

/// The key help, one `(keys, what)` per line; the help overlay draws exactly this.
pub const HELP: &[(&str, &str)] = &[
    ("Tab / l / →", "next pane"),
    ("S-Tab / h / ←", "previous pane"),
    (
        "1 2 3, d",
        "replica lag / backups / DNS health, DR readiness",
    ),
    ("j / k / ↓ / ↑", "next / previous row"),
    ("g / G, PgUp / PgDn", "first / last row, page up / down"),
    ("v", "backups: vaults → recovery points → failures"),
    ("Enter", "detail of the selected row"),
    ("R", "refresh every feed now (e.g. after aws sso login)"),
    ("/", "filter rows in every pane (Esc clears)"),
    (":", "command: quit theme scenario pane run refresh help"),
    ("Esc", "close, cancel, clear the filter"),
    ("? / q, Ctrl-C", "this help / quit"),
];

const PAGE: isize = 10;

impl App {
    pub(super) fn on_key(&mut self, key: KeyEvent) -> Vec<Command> {
        // Terminals that report key releases would otherwise act twice.
        if key.kind == KeyEventKind::Release {
            return Vec::new();
        }
        if key.code == KeyCode::Char('c') && key.modifiers.contains(KeyModifiers::CONTROL) {
            self.should_quit = true;
            return vec![Command::Quit];
        }
        if let Some(commands) = self.runbook_keys(key) {
            return commands;
        }
        if let Some(commands) = self.readiness_keys(key) {
            return commands;
        }
        if self.prompt.is_some() {
            return self.on_prompt_key(key);
        }
        if let Some(overlay) = &self.overlay {
            return match key.code {
                KeyCode::Esc | KeyCode::Char('q') | KeyCode::Enter => {
                    self.overlay = None;
                    self.checker_detail = None;
                    self.lag_history = None;
                    Vec::new()
                }
                KeyCode::Char('?') if *overlay == Overlay::Help => {
                    self.overlay = None;
                    Vec::new()
                }
                _ => Vec::new(),
            };
        }
        match key.code {
            KeyCode::Char('q') if self.runbooks.active().is_some() => {
                self.flash_error(
                    "a runbook run is going: abort it (r, then a) or press Ctrl-C to quit anyway",
                );
                Vec::new()
            }
            KeyCode::Char('q') => {
                self.should_quit = true;
                vec![Command::Quit]
            }
            KeyCode::Char('r') => self.runbook_key_r(),
            KeyCode::Char('d') => self.open_readiness(),
            KeyCode::Char('R') => self.refresh_all(),
            KeyCode::Tab | KeyCode::Char('l') | KeyCode::Right => {
                self.focus_pane(self.focus.next())
            }
            KeyCode::BackTab | KeyCode::Char('h') | KeyCode::Left => {
                self.focus_pane(self.focus.prev())
            }
            KeyCode::Char('1') => self.focus_pane(Pane::Replicas),
            KeyCode::Char('2') => self.focus_pane(Pane::Backups),
            KeyCode::Char('3') => self.focus_pane(Pane::Health),
            KeyCode::Char('j') | KeyCode::Down => self.step(1),
            KeyCode::Char('k') | KeyCode::Up => self.step(-1),
            KeyCode::PageDown => self.step(PAGE),
            KeyCode::PageUp => self.step(-PAGE),
            KeyCode::Char('g') | KeyCode::Home => self.step(isize::MIN / 2),
            KeyCode::Char('G') | KeyCode::End => self.step(isize::MAX / 2),
            KeyCode::Char('v') if self.focus == Pane::Backups => {
                self.backup_view = self.backup_view.next();
                Vec::new()
            }
            KeyCode::Char('v') => {
                self.flash_info("v switches lists in the backups pane (press 2 to go there)");
                Vec::new()
            }
            KeyCode::Enter => self.open_detail(),
            KeyCode::Char('/') => {
                self.prompt = Some(Prompt::Filter(self.filter.clone()));
                Vec::new()
            }
            KeyCode::Char(':') => {
                self.prompt = Some(Prompt::Command(String::new()));
                Vec::new()
            }
            KeyCode::Char('?') => {
                self.overlay = Some(Overlay::Help);
                Vec::new()
            }
            KeyCode::Esc => {
                self.filter.clear();
                self.clamp_selection();
                Vec::new()
            }
            _ => Vec::new(),
        }
    }

    /// Every feed fetched at once: after `aws sso login`, nobody should wait for the next tick.
    fn refresh_all(&mut self) -> Vec<Command> {
        self.flash_info("refreshing every feed");
        vec![Command::RefreshAll]
    }

    fn focus_pane(&mut self, pane: Pane) -> Vec<Command> {
        self.focus = pane;
        Vec::new()
    }

    fn step(&mut self, delta: isize) -> Vec<Command> {
        self.move_selection(delta);
        Vec::new()
    }

    fn open_detail(&mut self) -> Vec<Command> {
        if self.row_count(self.focus) == 0 {
            self.flash_info("nothing selected");
            return Vec::new();
        }
        self.overlay = Some(Overlay::Detail(self.focus));
        match self.focus {
            Pane::Replicas => return self.ask_lag_history(),
            Pane::Backups => return Vec::new(),
            Pane::Health => {}
        }
        let index = self.selected_index(Pane::Health);
        let Some((id, account)) = self
            .check_rows()
            .get(index)
            .map(|r| (r.check.id.clone(), r.account.map(str::to_string)))
        else {
            return Vec::new();
        };
        self.checker_detail = Some((id.clone(), super::Feed::new(self.fleet.refresh.health)));
        vec![Command::FetchCheckerDetail {
            account,
            check_id: id,
        }]
    }

    fn on_prompt_key(&mut self, key: KeyEvent) -> Vec<Command> {
        let Some(prompt) = self.prompt.as_mut() else {
            return Vec::new();
        };
        let (Prompt::Filter(text) | Prompt::Command(text)) = prompt;
        match key.code {
            KeyCode::Esc => {
                if matches!(prompt, Prompt::Filter(_)) {
                    self.filter.clear();
                }
                self.prompt = None;
                self.clamp_selection();
                Vec::new()
            }
            KeyCode::Enter => {
                let prompt = self.prompt.take();
                match prompt {
                    Some(Prompt::Command(line)) => self.run_command(line.trim()),
                    _ => Vec::new(),
                }
            }
            KeyCode::Backspace => {
                text.pop();
                self.sync_filter();
                Vec::new()
            }
            KeyCode::Char(c) if !key.modifiers.contains(KeyModifiers::CONTROL) => {
                text.push(c);
                self.sync_filter();
                Vec::new()
            }
            _ => Vec::new(),
        }
    }

    /// The filter applies as it is typed, so the operator sees the rows narrow.
    fn sync_filter(&mut self) {
        if let Some(Prompt::Filter(text)) = &self.prompt {
            self.filter = text.clone();
            self.clamp_selection();
        }
    }

    /// Runs a `:` command line.
    pub fn run_command(&mut self, line: &str) -> Vec<Command> {
        let mut words = line.split_whitespace();
        let verb = words.next().unwrap_or("");
        let arg: Vec<&str> = words.collect();
        let arg = arg.join(" ");
        match (verb, arg.as_str()) {
            ("", _) => Vec::new(),
            ("q" | "quit" | "exit", _) => {
                self.should_quit = true;
                vec![Command::Quit]
            }
            ("refresh", _) => self.refresh_all(),
            ("help" | "h", _) => {
                self.overlay = Some(Overlay::Help);
                Vec::new()
            }
            ("theme", "") => {
                self.flash_error(format!(
                    "usage: theme NAME|PATH (now: {}; built in: dark, light, high-contrast, mono)",
                    self.theme.name
                ));
                Vec::new()
            }
            ("theme", name) => vec![Command::LoadTheme(name.to_string())],
            ("filter", text) => {
                self.filter = text.to_string();
                self.clamp_selection();
                Vec::new()
            }
            ("pane", name) => {
                match name {
                    "replicas" | "lag" | "1" => self.focus = Pane::Replicas,
                    "backups" | "2" => self.focus = Pane::Backups,
                    "dns" | "health" | "3" => self.focus = Pane::Health,
                    _ => self.flash_error(format!("no pane `{name}`: replicas, backups, dns")),
                }
                Vec::new()
            }
            ("scenario", name) => self.switch_scenario(name),
            ("run", args) => self.run_command_line(args),
            ("resume", "") => self.open_picker(),
            ("resume", id) => self.start_resume(id),
            (other, _) => {
                self.flash_error(format!(
                    "unknown command `{other}`: try quit, theme, scenario, pane, filter, run, refresh, help"
                ));
                Vec::new()
            }
        }
    }

    fn switch_scenario(&mut self, name: &str) -> Vec<Command> {
        if !self.is_demo() {
            self.flash_error("scenarios belong to the simulated fleet (ripcord demo)");
            return Vec::new();
        }
        let scenario = match name {
            "normal" => Scenario::Normal,
            "region-outage" | "outage" => Scenario::RegionOutage,
            _ => {
                self.flash_error(format!("no scenario `{name}`: normal, region-outage"));
                return Vec::new();
            }
        };
        self.mode = super::Mode::Demo { scenario };
        self.flash_info(format!("scenario: {name}"));
        vec![Command::SetScenario(scenario)]
    }
}
