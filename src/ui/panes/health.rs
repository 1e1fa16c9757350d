//! DNS health: each Route 53 health check, what it probes, how many checker regions see it
//! healthy, and the failover record it decides for.

use super::{PaneTable, draw_table, empty_text, is_wide, title_line};
use crate::app::{App, Pane};
use crate::ui::columns::{Col, Holds, headers, lay_out, table_width};
use crate::ui::widgets::{
    feed_errors, feeds_summary, pane_block, seen_span, verdict_span, verdict_style,
};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Span;

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
    let cells: Vec<Vec<Span<'static>>> = app
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
            let mut cells = vec![
                verdict_span(theme, r.eval.verdict),
                Span::raw(c.name.clone()),
                Span::raw(c.target_region.clone().unwrap_or_else(|| "—".into())),
                Span::styled(c.status.word(), verdict_style(theme, r.eval.verdict)),
                Span::raw(checkers),
                Span::raw(if guards.is_empty() {
                    "—".to_string()
                } else {
                    guards
                }),
            ];
            if wide {
                cells.insert(2, Span::raw(c.target.clone()));
            }
            cells.push(seen_span(theme, &r.from, app.now));
            cells
        })
        .collect();
    let cols: Vec<Col> = if wide {
        vec![
            Col::new("verdict", Holds::Value(7)),
            Col::new("check", Holds::Id),
            Col::new("target", Holds::Text),
            Col::new("region", Holds::Value(14)),
            Col::new("status", Holds::Value(9)),
            Col::new("healthy", Holds::Value(7)),
            Col::new("guards", Holds::Ref),
            Col::new("seen", Holds::Value(6)),
        ]
    } else {
        vec![
            Col::new("verdict", Holds::Value(7)),
            Col::new("check", Holds::Id),
            Col::new("region", Holds::Value(9)),
            Col::new("status", Holds::Value(9)),
            Col::new("healthy", Holds::Value(7)),
            Col::new("guards", Holds::Ref),
            Col::new("seen", Holds::Value(5)),
        ]
    };
    let (widths, rows) = lay_out(&cols, cells, table_width(area.width));
    let header = headers(&cols);
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
