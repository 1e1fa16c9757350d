//! DNS health: each Route 53 health check, what it probes, how many checker regions see it
//! healthy, and the failover record it decides for.

use super::{PaneTable, draw_table, empty_text, is_wide, title_line};
use crate::app::{App, Pane};
use crate::ui::widgets::{
    feed_errors, feeds_summary, pane_block, seen_cell, verdict_cell, verdict_style,
};
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::Span;
use ratatui::widgets::{Cell, Row};

pub fn draw(frame: &mut Frame, area: Rect, app: &App, focused: bool) {
    let theme = &app.theme;
    let global = "global".to_string();
    let feeds = std::iter::once((&global, &app.health));
    let block = pane_block(
        theme,
        title_line(
            theme,
            Pane::Health.title(),
            feeds_summary(theme, feeds, app.now),
        ),
        focused,
    );
    let wide = is_wide(area);
    let rows: Vec<Row> = app
        .check_rows()
        .iter()
        .map(|r| {
            let c = r.check;
            let checkers = match (c.checker_counts(), c.healthy_percent) {
                (Some((ok, total)), _) => format!("{ok}/{total}"),
                (None, Some(p)) => format!("{p:.0}%"),
                (None, None) => "—".to_string(),
            };
            let guards = c
                .guards
                .iter()
                .map(|g| format!("{} {}", g.role.word(), g.name.trim_end_matches('.')))
                .collect::<Vec<_>>()
                .join(", ");
            // Calculated, inverted and disabled checks say so beside their name.
            let name = match c.qualifiers() {
                q if q.is_empty() => c.name.clone(),
                q => format!("{} [{}]", c.name, q.join(", ")),
            };
            let mut cells = vec![
                verdict_cell(theme, r.eval.verdict),
                Cell::from(name),
                Cell::from(c.target_region.clone().unwrap_or_else(|| "—".into())),
                Cell::from(Span::styled(
                    c.status_text(app.now),
                    verdict_style(theme, r.eval.verdict),
                )),
                Cell::from(checkers),
                Cell::from(if guards.is_empty() {
                    "—".to_string()
                } else {
                    guards
                }),
            ];
            if wide {
                cells.insert(2, Cell::from(c.target.clone()));
            }
            cells.push(seen_cell(theme, &r.from, app.now));
            Row::new(cells)
        })
        .collect();
    let (header, widths) = if wide {
        (
            vec![
                "verdict", "check", "target", "region", "status", "healthy", "guards", "seen",
            ],
            vec![
                Constraint::Length(7),
                Constraint::Length(12),
                Constraint::Fill(2),
                Constraint::Length(14),
                Constraint::Length(9),
                Constraint::Length(7),
                Constraint::Fill(2),
                Constraint::Length(6),
            ],
        )
    } else {
        (
            vec![
                "verdict", "check", "region", "status", "healthy", "guards", "seen",
            ],
            vec![
                Constraint::Length(7),
                Constraint::Fill(1),
                Constraint::Length(9),
                Constraint::Length(9),
                Constraint::Length(7),
                Constraint::Fill(2),
                Constraint::Length(5),
            ],
        )
    };
    let errors = feed_errors(std::iter::once((&global, &app.health)), app.now);
    let empty = empty_text(
        app,
        std::iter::once(&app.health),
        "health-check",
        "no Route 53 health checks",
    );
    draw_table(
        frame,
        area,
        app,
        PaneTable {
            block,
            header: &header,
            widths: &widths,
            rows,
            selected: app.selected_index(Pane::Health),
            focused,
            empty,
            errors: &errors,
        },
    );
}
