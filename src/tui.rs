//! The terminal: raw mode and the alternate screen in, and always back out — on quit, on
//! error, on panic, on SIGTERM and on SIGHUP.

use crossterm::{cursor, execute, terminal};
use ratatui::backend::{Backend, CrosstermBackend};
use ratatui::buffer::Buffer;
use ratatui::{Frame, Terminal};
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

/// Writes to the terminal only what changed since the last frame it wrote.
///
/// ratatui already sends only the cells that differ, but it ends every frame with a style
/// reset and a cursor hide (26 bytes) even when no cell changed; the cockpit draws once a
/// second so that ages and verdicts move on time, and most of those seconds change nothing
/// on screen. A frame the same as the one on screen writes nothing at all.
#[derive(Debug, Default)]
pub struct ChangesOnly {
    /// What the terminal shows: the last frame written.
    shown: Option<Buffer>,
}

impl ChangesOnly {
    /// Renders a frame; writes its changes, if it has any. True when something was written.
    pub fn draw<B: Backend>(
        &mut self,
        terminal: &mut Terminal<B>,
        render: impl FnOnce(&mut Frame),
    ) -> Result<bool, B::Error> {
        // A resized terminal is cleared and its last frame forgotten; `shown` then has the
        // old size and differs from any new frame, so the whole frame is written.
        terminal.autoresize()?;
        let mut frame = terminal.get_frame();
        render(&mut frame);
        let current = terminal.current_buffer_mut();
        if self.shown.as_ref() == Some(current) {
            // The next frame is rendered into a blank buffer, as ratatui's own draw does.
            current.reset();
            return Ok(false);
        }
        self.shown = Some(current.clone());
        // The changed cells, then the frame kept to diff the next one against. The cursor
        // stays as `TerminalGuard::enter` left it, hidden: the cockpit never shows one, so
        // it is not hidden again each frame.
        terminal.flush()?;
        terminal.swap_buffers();
        terminal.backend_mut().flush()?;
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::TerminalOptions;
    use ratatui::Viewport;
    use ratatui::layout::Rect;
    use ratatui::widgets::Paragraph;
    use std::cell::RefCell;
    use std::rc::Rc;

    /// What a terminal was sent, kept where the test can read it.
    #[derive(Clone, Default)]
    struct Sent(Rc<RefCell<Vec<u8>>>);

    impl io::Write for Sent {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            self.0.borrow_mut().extend_from_slice(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    impl Sent {
        /// What was sent since the last call.
        fn take(&self) -> String {
            String::from_utf8(std::mem::take(&mut *self.0.borrow_mut())).expect("utf-8")
        }
    }

    /// A terminal whose bytes land in `Sent`, fixed at 40x5 (no size query to a real tty).
    fn terminal() -> (Terminal<CrosstermBackend<Sent>>, Sent) {
        let sent = Sent::default();
        let terminal = Terminal::with_options(
            CrosstermBackend::new(sent.clone()),
            TerminalOptions {
                viewport: Viewport::Fixed(Rect::new(0, 0, 40, 5)),
            },
        )
        .expect("terminal");
        (terminal, sent)
    }

    fn text(frame: &mut Frame, lines: &str) {
        frame.render_widget(Paragraph::new(lines.to_string()), frame.area());
    }

    #[test]
    fn a_frame_the_same_as_the_one_on_screen_writes_nothing() {
        let (mut terminal, sent) = terminal();
        let mut screen = ChangesOnly::default();
        assert!(
            screen
                .draw(&mut terminal, |f| text(f, "lag 5s\nok"))
                .expect("draws")
        );
        // Blank cells were blank already: only the text is sent.
        assert_eq!(strip_escapes(&sent.take()), "lag5sok");
        let again = screen
            .draw(&mut terminal, |f| text(f, "lag 5s\nok"))
            .expect("draws");
        assert!(!again, "nothing changed, so nothing is written");
        assert_eq!(sent.take(), "");
    }

    #[test]
    fn a_frame_that_changes_one_cell_writes_that_cell_and_no_other_text() {
        let (mut terminal, sent) = terminal();
        let mut screen = ChangesOnly::default();
        screen
            .draw(&mut terminal, |f| text(f, "lag 5s\nok"))
            .expect("draws");
        sent.take();
        // An unchanged frame in between must not lose track of what is on screen.
        screen
            .draw(&mut terminal, |f| text(f, "lag 5s\nok"))
            .expect("draws");
        assert!(
            screen
                .draw(&mut terminal, |f| text(f, "lag 10s\nok"))
                .expect("draws")
        );
        let out = sent.take();
        let printed: String = strip_escapes(&out);
        assert_eq!(printed, "10s", "only the cells that changed: {out:?}");
    }

    #[test]
    fn after_a_frame_is_skipped_the_next_one_is_drawn_whole_and_right() {
        // The skipped frame's cells must not leak into the next render (a widget that
        // draws less than the last one left behind).
        let (mut terminal, sent) = terminal();
        let mut screen = ChangesOnly::default();
        screen
            .draw(&mut terminal, |f| text(f, "abcdef"))
            .expect("draws");
        screen
            .draw(&mut terminal, |f| text(f, "abcdef"))
            .expect("draws");
        sent.take();
        screen
            .draw(&mut terminal, |f| text(f, "ab"))
            .expect("draws");
        let out = sent.take();
        assert_eq!(strip_escapes(&out), "    ", "\"cdef\" blanked: {out:?}");
        screen
            .draw(&mut terminal, |f| text(f, "ab"))
            .expect("draws");
        assert_eq!(sent.take(), "", "what is on screen is \"ab\"");
    }

    /// The characters printed, without escape sequences (CSI only: what crossterm writes).
    fn strip_escapes(out: &str) -> String {
        let mut printed = String::new();
        let mut chars = out.chars().peekable();
        while let Some(c) = chars.next() {
            if c == '\x1b' && chars.peek() == Some(&'[') {
                chars.next();
                for c in chars.by_ref() {
                    if ('@'..='~').contains(&c) {
                        break;
                    }
                }
            } else {
                printed.push(c);
            }
        }
        printed
    }
}
