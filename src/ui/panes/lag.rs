//! Replica lag: each replica, its source, state, current lag, the last hour, and the verdict.

use super::{PaneTable, draw_table, empty_text, is_wide, title_line};
use crate::app::view::ReplicaRow;
use crate::app::{App, Pane};
use crate::fleet::format_duration;
use crate::ui::columns::{
    Col, Holds, cell_widths, headers, lay_out_window, least_width, near_selection, table_width,
    widest,
};
use crate::ui::widgets::{
    AccountsShown, account_cell, feed_errors, feeds_summary, pane_block, seen_span, sparkline,
    verdict_span, verdict_style,
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
    let mut cols = columns(wide, spark_width);
    // Rows spanning several accounts get an account column after the verdict.
    let with_account = shown == AccountsShown::Column;
    if with_account {
        cols.insert(1, Col::new("account", Holds::Value(7)));
    }
    // Only rows near the selection can be on screen: only those are drawn (cells, sparkline),
    // the selection counted from the first of them. The columns are sized by every row, as
    // measured once per derivation of the rows (nothing in a row moves before it ends).
    let selected = app.selected_index(Pane::Replicas);
    let visible = near_selection(selected, rows.len(), area.height);
    // Measured once per set of columns: wide or not, with the account column or not.
    // Each row is measured once while its judgement holds: an answer of one region measures
    // that region's rows alone.
    let mut natural = rows
        .measured_by_row(
            u64::from(wide) | (u64::from(with_account) << 1),
            |row| cell_widths(&cols, &cells(app, row, wide, with_account, Drawn::Measured)),
            |all| widest(&cols, all),
        )
        .to_vec();
    // Except `seen`, the age of each feed's data, which moves with the clock: measured now.
    if let Some(seen) = cols.iter().position(|c| c.header == "seen") {
        natural[seen] = rows
            .provenances()
            .iter()
            .map(|from| seen_span(theme, from, app.now).width())
            .map(|w| u16::try_from(w).unwrap_or(u16::MAX))
            .fold(least_width(&cols[seen]), u16::max);
    }
    let window: Vec<Vec<Span<'_>>> = rows
        .range(visible.clone())
        .map(|(_, row)| {
            let spark = sparkline(
                &row.replica.lag_samples,
                usize::from(spark_width),
                row.targets.rpo.as_secs_f64(),
            );
            cells(app, &row, wide, with_account, Drawn::Shown { spark })
        })
        .collect();
    let (widths, table_rows) = lay_out_window(&cols, &natural, window, table_width(area.width));
    // The table scrolls to the selection as it would among all rows (`near_selection`).
    let selected = selected.min(rows.len().saturating_sub(1)) - visible.start;
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

/// What a row's cells are made for.
enum Drawn {
    /// To be shown, with the row's sparkline.
    Shown { spark: String },
    /// To size the columns by: no sparkline (a chart's width is its own) and no `seen` (sized
    /// from the feeds, `draw`), which every row of every answer would otherwise format.
    Measured,
}

/// One replica row's cells, in the order of the pane's columns; borrowed from the row where
/// they can be (every row is measured at each answer).
fn cells<'r>(
    app: &App,
    row: &ReplicaRow<'r>,
    wide: bool,
    with_account: bool,
    drawn: Drawn,
) -> Vec<Span<'r>> {
    let theme = &app.theme;
    let r = row.replica;
    // Only a recent datapoint from a read that worked is the lag now; an old one or one left
    // over from an earlier read is history (the detail says which).
    let lag = match r.current_lag(app.now) {
        Some(lag) => lag.map_or_else(|| "off".to_string(), crate::fleet::format_lag),
        None => "—".to_string(),
    };
    let (spark, seen) = match drawn {
        Drawn::Shown { spark } => (Span::raw(spark), seen_span(theme, &row.from, app.now)),
        Drawn::Measured => (Span::raw(""), Span::raw("")),
    };
    let eval = row.eval;
    // Room for the optional columns: no second allocation per row measured.
    let mut cells = Vec::with_capacity(11);
    cells.extend([
        verdict_span(theme, eval.verdict),
        Span::raw(r.id.as_str()),
        Span::raw(r.source_id.as_str()),
        Span::raw(r.region.as_str()),
        Span::raw(r.state.short()),
        Span::styled(lag, verdict_style(theme, eval.verdict)),
        spark,
    ]);
    if wide {
        cells.insert(6, Span::raw(format_duration(row.targets.rpo)));
        cells.push(Span::raw(row.targets.workload.as_deref().unwrap_or("-")));
    }
    cells.push(seen);
    if with_account {
        cells.insert(1, account_cell(app, row.account));
    }
    cells
}

/// The pane's columns, with the optional ones when `wide`.
fn columns(wide: bool, spark_width: u16) -> Vec<Col> {
    if wide {
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
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::Event;
    use crate::app::view::tests::outage_app;
    use crate::ui::columns::lay_out;
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;

    /// The pane drawn from every row (cells and sparklines for all), as it was before only
    /// the rows near the selection were drawn.
    fn draw_every_row(frame: &mut Frame, area: Rect, app: &App) {
        let rows = app.replica_rows();
        let wide = is_wide(area);
        let spark_width: u16 = if wide { 20 } else { 8 };
        let cols = columns(wide, spark_width);
        let all: Vec<Vec<Span<'_>>> = rows
            .iter()
            .map(|row| {
                let spark = sparkline(
                    &row.replica.lag_samples,
                    usize::from(spark_width),
                    row.targets.rpo.as_secs_f64(),
                );
                cells(app, &row, wide, false, Drawn::Shown { spark })
            })
            .collect();
        let (widths, table_rows) = lay_out(&cols, all, table_width(area.width));
        let title = title_line(
            &app.theme,
            Pane::Replicas.title(),
            feeds_summary(&app.theme, app.fleet.replicas.iter(), app.now),
        );
        let errors = feed_errors(app.fleet.replicas.iter(), app.now);
        draw_table(
            frame,
            area,
            app,
            PaneTable {
                block: pane_block(&app.theme, title, true),
                header: &headers(&cols),
                widths: &widths,
                rows: table_rows,
                selected: app.selected_index(Pane::Replicas),
                focused: true,
                empty: String::new(),
                errors: &errors,
            },
        );
    }

    fn screen(app: &App, (w, h): (u16, u16), every_row: bool) -> String {
        let mut terminal = Terminal::new(TestBackend::new(w, h)).expect("backend");
        terminal
            .draw(|f| {
                if every_row {
                    draw_every_row(f, f.area(), app);
                } else {
                    draw(f, f.area(), app, true);
                }
            })
            .expect("draws");
        format!("{:?}", terminal.backend().buffer())
    }

    #[test]
    fn drawing_only_the_rows_near_the_selection_draws_what_every_row_drew() {
        let mut app = outage_app();
        let count = app.replica_rows().len();
        assert!(count > 200, "{count} rows");
        let start = app.now;
        let mut at = 0;
        // The clock moves too (kept rows are judged again as it does; the feeds turn stale
        // past 4 s and the newest datapoints stop being the lag now).
        let later = [0, 1_000, 3_900, 4_500, 61_000, 330_000, 3_600_000];
        for (n, target) in [0, 1, 40, 150, count - 2, count - 1, count + 50]
            .into_iter()
            .enumerate()
        {
            let now = start + jiff::SignedDuration::from_millis(later[n % later.len()]);
            app.update(Event::Tick, now);
            while at < target {
                let key = KeyEvent::new(KeyCode::Char('j'), KeyModifiers::NONE);
                app.update(Event::Key(key), now);
                at += 1;
            }
            for size in [(80, 24), (200, 60)] {
                assert_eq!(
                    screen(&app, size, false),
                    screen(&app, size, true),
                    "selection {target}, {size:?}"
                );
            }
        }
    }

    #[test]
    fn rows_measured_once_draw_what_every_row_drew_as_the_regions_answer() {
        use crate::app::Fetched;
        use crate::app::view::tests::outage_sim;
        // The fleet `outage_app` shows, answering again a region at a time: each row's
        // widths are kept until its region answers or its judgement turns.
        let mut app = outage_app();
        let (sim, regions) = outage_sim(300);
        let start = app.now;
        for n in 1..=12i64 {
            let now = start + jiff::SignedDuration::from_millis(700 * n);
            let region = &regions[usize::try_from(n).expect("small") % regions.len()];
            app.update(
                Event::Fetched(Fetched::Replicas {
                    place: region.clone().into(),
                    result: sim.replicas_at(region, now),
                }),
                now,
            );
            // Both sizes, in turn: the narrow pane's columns, then the wide one's.
            for size in [(80, 24), (200, 60)] {
                assert_eq!(
                    screen(&app, size, false),
                    screen(&app, size, true),
                    "answer {n}, {size:?}"
                );
            }
        }
    }
}
