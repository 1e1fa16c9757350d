//! Drawing. `render` is a pure function of `&App`: it reads state and never changes it.

pub mod chrome;
pub mod columns;
pub mod lag_history;
pub mod overlay;
pub mod panes;
pub mod readiness;
pub mod runbook;
pub mod widgets;

use crate::app::{App, Pane};
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

/// Below this the panes cannot say anything useful; a notice is shown instead.
pub const MIN_WIDTH: u16 = 60;
pub const MIN_HEIGHT: u16 = 15;

/// Wide enough for the panes side by side.
const TWO_COLUMNS_WIDTH: u16 = 240;

pub fn render(app: &App, frame: &mut Frame) {
    let area = frame.area();
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        too_small(app, frame, area);
        return;
    }
    let [header, body, bar] = Layout::vertical([
        Constraint::Length(2),
        Constraint::Fill(1),
        Constraint::Length(1),
    ])
    .areas(area);
    chrome::header(frame, header, app);
    if app.readiness_view.open {
        readiness::draw(frame, body, app);
        chrome::status_bar(frame, bar, app);
        overlay::draw(frame, body, app);
        return;
    }
    match runbook::split(app, body) {
        runbook::Split::PanesOnly => draw_panes(frame, body, app),
        runbook::Split::Beside { panes, run } => {
            draw_panes(frame, panes, app);
            runbook::draw(frame, run, app);
        }
        runbook::Split::Above { run, pane } => {
            if pane.height > 0 {
                draw_pane(frame, app.focus, pane, app);
            }
            runbook::draw(frame, run, app);
        }
    }
    chrome::status_bar(frame, bar, app);
    runbook::draw_picker(frame, body, app);
    overlay::draw(frame, body, app);
}

fn draw_pane(frame: &mut Frame, pane: Pane, area: Rect, app: &App) {
    let focused = app.focus == pane && app.overlay.is_none();
    match pane {
        Pane::Replicas => panes::lag::draw(frame, area, app, focused),
        Pane::Backups => panes::backups::draw(frame, area, app, focused),
        Pane::Health => panes::health::draw(frame, area, app, focused),
    }
}

fn draw_panes(frame: &mut Frame, area: Rect, app: &App) {
    let weight = |pane: Pane| if app.focus == pane { 3 } else { 2 };
    let draw = |frame: &mut Frame, pane: Pane, area: Rect| draw_pane(frame, pane, area, app);
    if area.width >= TWO_COLUMNS_WIDTH {
        let [left, right] =
            Layout::horizontal([Constraint::Fill(1), Constraint::Fill(1)]).areas(area);
        let [top, bottom] = Layout::vertical([
            Constraint::Fill(weight(Pane::Backups)),
            Constraint::Fill(weight(Pane::Health)),
        ])
        .areas(right);
        draw(frame, Pane::Replicas, left);
        draw(frame, Pane::Backups, top);
        draw(frame, Pane::Health, bottom);
    } else {
        let areas: [Rect; 3] =
            Layout::vertical(Pane::ALL.map(|p| Constraint::Fill(weight(p)))).areas(area);
        for (pane, area) in Pane::ALL.into_iter().zip(areas) {
            draw(frame, pane, area);
        }
    }
}

fn too_small(app: &App, frame: &mut Frame, area: Rect) {
    let lines = vec![
        Line::from(Span::styled("Terminal too small", app.theme.warn)),
        Line::from(format!(
            "{}x{}, need {MIN_WIDTH}x{MIN_HEIGHT}",
            area.width, area.height
        )),
        Line::from(format!("{} — q quits", app.overall().label())),
    ];
    frame.render_widget(Paragraph::new(lines).style(app.theme.text), area);
}

#[cfg(test)]
mod idle_tests;
