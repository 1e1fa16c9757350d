//! The terminal: raw mode and the alternate screen in, and always back out — on quit, on
//! error, on panic, on SIGTERM and on SIGHUP.

use crossterm::{cursor, execute, terminal};
use ratatui::Terminal;
use ratatui::backend::CrosstermBackend;
use std::io::{self, Stdout};
use std::mem::ManuallyDrop;

pub type Tui = Terminal<CrosstermBackend<Stdout>>;

/// Puts the terminal back the way the shell expects it. Safe to call more than once, and
/// when the terminal is already gone (after a hang-up every write fails; that is fine).
pub fn restore() {
    let _ = terminal::disable_raw_mode();
    let _ = execute!(io::stdout(), terminal::LeaveAlternateScreen, cursor::Show);
}

/// Owns the terminal while the cockpit runs; restores it when dropped, so an early return
/// or an error cannot leave the shell in raw mode.
pub struct TerminalGuard {
    /// Never dropped: ratatui's `Drop` for `Terminal` prints with `eprintln!`, which panics
    /// when the terminal has hung up. `restore` does the same work without that risk.
    pub terminal: ManuallyDrop<Tui>,
}

impl TerminalGuard {
    pub fn enter() -> io::Result<Self> {
        install_panic_hook();
        terminal::enable_raw_mode()?;
        let mut stdout = io::stdout();
        if let Err(e) = execute!(stdout, terminal::EnterAlternateScreen, cursor::Hide) {
            restore();
            return Err(e);
        }
        let terminal = Terminal::new(CrosstermBackend::new(stdout)).inspect_err(|_| restore())?;
        Ok(Self {
            terminal: ManuallyDrop::new(terminal),
        })
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore();
    }
}

/// Restores the terminal before the panic message prints, so it is readable, then lets the
/// default hook report it (and never calls `process::exit`, which would lose the log).
fn install_panic_hook() {
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore();
        tracing::error!("panic: {info}");
        previous(info);
    }));
}
