//! Replica lag: each replica, its source, state, current lag, the last hour, and the verdict.

use super::{PaneTable, draw_table, empty_text, is_wide, title_line};
use crate::app::{App, Pane};
use crate::fleet::format_duration;
use crate::ui::widgets::{
    feed_errors, feeds_summary, pane_block, seen_cell, sparkline, verdict_cell,
};
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::Span;
use ratatui::widgets::{Cell, Row};

pub fn draw(frame: &mut Frame, area: Rect, app: &App, focused: bool) {
    let theme = &app.theme;
    let rows = app.replica_rows();
    let wide = is_wide(area);
    let spark_width: u16 = if wide { 20 } else { 8 };
    let title = title_line(
        theme,
        Pane::Replicas.title(),
        feeds_summary(theme, app.replicas.iter(), app.now),
    );
    let block = pane_block(theme, title, focused);
    let table_rows: Vec<Row> = rows
        .iter()
        .map(|row| {
            let r = row.replica;
            // Only a recent datapoint from a read that worked is the lag now; an old one or
            // one left over from an earlier read is history (the detail says which).
            let lag = match r.current_lag(app.now) {
                Some(lag) => lag.map_or_else(|| "off".to_string(), crate::fleet::format_lag),
                None => "—".to_string(),
            };
            let spark = sparkline(
                &r.lag_samples,
                usize::from(spark_width),
                row.targets.rpo.as_secs_f64(),
            );
            let mut cells = vec![
                verdict_cell(theme, row.eval.verdict),
                Cell::from(r.id.clone()),
                Cell::from(r.source_id.clone()),
                Cell::from(r.region.clone()),
                Cell::from(r.state.short().to_string()),
                Cell::from(Span::styled(
                    lag,
                    crate::ui::widgets::verdict_style(theme, row.eval.verdict),
                )),
                Cell::from(spark),
            ];
            if wide {
                cells.insert(6, Cell::from(format_duration(row.targets.rpo)));
                cells.push(Cell::from(
                    row.targets.workload.clone().unwrap_or_else(|| "-".into()),
                ));
            }
            cells.push(seen_cell(theme, &row.from, app.now));
            Row::new(cells)
        })
        .collect();
    let (header, widths): (Vec<&str>, Vec<Constraint>) = if wide {
        (
            vec![
                "verdict",
                "replica",
                "source",
                "region",
                "state",
                "lag",
                "RPO",
                "last hour",
                "workload",
                "seen",
            ],
            vec![
                Constraint::Length(7),
                Constraint::Fill(3),
                Constraint::Fill(2),
                Constraint::Length(14),
                Constraint::Length(13),
                Constraint::Length(7),
                Constraint::Length(5),
                Constraint::Length(spark_width),
                Constraint::Length(10),
                Constraint::Length(6),
            ],
        )
    } else {
        (
            vec![
                "verdict", "replica", "source", "region", "state", "lag", "1h", "seen",
            ],
            vec![
                Constraint::Length(7),
                Constraint::Fill(3),
                Constraint::Fill(2),
                Constraint::Length(9),
                Constraint::Length(11),
                Constraint::Length(6),
                Constraint::Length(spark_width),
                Constraint::Length(5),
            ],
        )
    };
    let errors = feed_errors(app.replicas.iter(), app.now);
    let empty = empty_text(
        app,
        app.replicas.values(),
        "replica",
        "no replicas in the polled regions",
    );
    draw_table(
        frame,
        area,
        app,
        PaneTable {
            block,
            header: &header,
            widths: &widths,
            rows: table_rows,
            selected: app.selected_index(Pane::Replicas),
            focused,
            empty,
            errors: &errors,
        },
    );
}
