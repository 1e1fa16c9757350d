//! Replica lag: each replica, its source, state, current lag, the last hour, and the verdict.

use super::{PaneTable, draw_table, empty_text, is_wide, title_line};
use crate::app::{App, Pane};
use crate::fleet::format_duration;
use crate::ui::columns::{Col, Holds, headers, lay_out_within, near_selection, table_width};
use crate::ui::widgets::{
    AccountsShown, feed_errors, feeds_summary, pane_block, seen_span, sparkline, verdict_span,
    verdict_style,
};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Span;

pub fn draw(frame: &mut Frame, area: Rect, app: &App, focused: bool) {
    let theme = &app.theme;
    let rows = app.replica_rows();
    let wide = is_wide(area);
    let spark_width: u16 = if wide { 20 } else { 8 };
    let shown = AccountsShown::of(app, rows.iter().map(|r| r.account));
    let mut extra = shown.title_spans(app);
    extra.extend(feeds_summary(theme, app.fleet.replicas.iter(), app.now));
    let title = title_line(theme, Pane::Replicas.title(), extra);
    let block = pane_block(theme, title, focused);
    // Only rows near the selection can be on screen: the sparkline (the costly cell) is drawn
    // for those alone; every row's text still sets the column widths.
    let selected = app.selected_index(Pane::Replicas);
    let visible = near_selection(selected, rows.len(), area.height);
    let mut cells: Vec<Vec<Span<'static>>> = rows
        .iter()
        .enumerate()
        .map(|(i, row)| {
            let r = row.replica;
            // Only a recent datapoint from a read that worked is the lag now; an old one or
            // one left over from an earlier read is history (the detail says which).
            let lag = match r.current_lag(app.now) {
                Some(lag) => lag.map_or_else(|| "off".to_string(), crate::fleet::format_lag),
                None => "—".to_string(),
            };
            let spark = if visible.contains(&i) {
                sparkline(
                    &r.lag_samples,
                    usize::from(spark_width),
                    row.targets.rpo.as_secs_f64(),
                )
            } else {
                String::new()
            };
            let mut cells = vec![
                verdict_span(theme, row.eval.verdict),
                Span::raw(r.id.clone()),
                Span::raw(r.source_id.clone()),
                Span::raw(r.region.clone()),
                Span::raw(r.state.short().to_string()),
                Span::styled(lag, verdict_style(theme, row.eval.verdict)),
                Span::raw(spark),
            ];
            if wide {
                cells.insert(6, Span::raw(format_duration(row.targets.rpo)));
                cells.push(Span::raw(
                    row.targets.workload.clone().unwrap_or_else(|| "-".into()),
                ));
            }
            cells.push(seen_span(theme, &row.from, app.now));
            cells
        })
        .collect();
    let mut cols: Vec<Col> = if wide {
        vec![
            Col::new("verdict", Holds::Value(7)),
            Col::new("replica", Holds::Id),
            Col::new("source", Holds::Ref),
            Col::new("region", Holds::Value(14)),
            Col::new("state", Holds::Value(13)),
            Col::new("lag", Holds::Value(7)),
            Col::new("RPO", Holds::Value(5)),
            Col::new("last hour", Holds::Chart(spark_width)),
            Col::new("workload", Holds::Ref),
            Col::new("seen", Holds::Value(6)),
        ]
    } else {
        vec![
            Col::new("verdict", Holds::Value(7)),
            Col::new("replica", Holds::Id),
            Col::new("source", Holds::Ref),
            Col::new("region", Holds::Value(9)),
            Col::new("state", Holds::Value(11)),
            Col::new("lag", Holds::Value(6)),
            Col::new("1h", Holds::Chart(spark_width)),
            Col::new("seen", Holds::Value(5)),
        ]
    };
    shown.add_column(
        app,
        1,
        &mut cols,
        &mut cells,
        rows.iter().map(|r| r.account),
    );
    let (widths, table_rows) = lay_out_within(&cols, cells, table_width(area.width), visible);
    let header = headers(&cols);
    let errors = feed_errors(app.fleet.replicas.iter(), app.now);
    let empty = empty_text(
        app,
        app.fleet.replicas.values(),
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
            selected,
            focused,
            empty,
            errors: &errors,
        },
    );
}
