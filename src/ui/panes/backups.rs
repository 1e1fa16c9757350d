//! Backups: success rate per vault and window, the oldest last-good recovery points, and the
//! jobs that failed, expired or completed with issues, with what AWS said.

use super::{PaneTable, draw_table, empty_text, title_line};
use crate::app::view::{PointRow, PointRows};
use crate::app::{App, BackupView, Pane};
use crate::fleet::duration_width;
use crate::fleet::{JobCounts, NewestPoint, Verdict, format_duration};
use crate::ui::columns::{
    Col, Holds, headers, lay_out, lay_out_window, least_width, natural_widths, near_selection,
    table_width,
};
use crate::ui::widgets::{
    AccountsShown, account_span, feed_errors, feeds_summary, pane_block, seen_span, short_name,
    verdict_span, verdict_style,
};
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::Span;
use ratatui::widgets::Row;

fn rate(counts: Option<JobCounts>) -> String {
    match counts.and_then(|c| c.success_rate()) {
        Some(r) if r >= 0.9995 => "100%".to_string(),
        Some(r) => format!("{:.1}%", r * 100.0),
        None => "—".to_string(),
    }
}

/// The recovery points' columns (without the account column).
fn point_columns() -> Vec<Col> {
    vec![
        Col::new("verdict", Holds::Value(7)),
        Col::new("resource", Holds::Id),
        Col::new("type", Holds::Value(8)),
        Col::new("vault", Holds::Ref),
        Col::new(LAST_GOOD, Holds::Value(9)),
        Col::new("limit", Holds::Value(6)),
        Col::new(SEEN, Holds::Value(5)),
    ]
}

/// The recovery points' columns whose cells move with the clock.
const LAST_GOOD: &str = "last good";
const SEEN: &str = "seen";

/// One recovery-point row's cells, in the order of the columns.
fn point_cells(app: &App, r: &PointRow<'_>, with_account: bool) -> Vec<Span<'static>> {
    let theme = &app.theme;
    let p = r.point;
    let age = match &p.newest {
        NewestPoint::Taken(t) => format_duration(crate::fleet::age_between(*t, app.now)),
        NewestPoint::None => "none".to_string(),
        // Not known is never shown as "none": the reason is in the detail.
        NewestPoint::CannotTell(_) => "?".to_string(),
    };
    let mut cells = vec![
        verdict_span(theme, r.eval.verdict),
        // AWS Backup names resources by ARN: its last part tells them apart, and Enter shows
        // the whole ARN.
        Span::raw(short_name(&p.resource_id).to_string()),
        Span::raw(p.resource_type.to_string()),
        Span::raw(p.vault.to_string()),
        Span::styled(age, verdict_style(theme, r.eval.verdict)),
        Span::raw(format_duration(r.targets.backup_rpo)),
        seen_span(theme, &r.from, app.now),
    ];
    if with_account {
        cells.insert(1, account_span(app, r.account));
    }
    cells
}

/// The table of the recovery points for the rows near the selection only, and the selection
/// within them: the screen `lay_out` gives for every row. Only rows near the selection can be
/// on screen, so only those get cells; the columns are sized by every row, the cells that do
/// not move with the clock measured once while the rows are kept, the ages every frame.
fn point_window(
    app: &App,
    rows: &PointRows<'_>,
    cols: &[Col],
    with_account: bool,
    selected: usize,
    area: Rect,
    width: u16,
) -> (Vec<Constraint>, Vec<Row<'static>>, usize) {
    let visible = near_selection(selected, rows.len(), area.height);
    let mut natural = rows
        .measured(u64::from(with_account), |all| {
            natural_widths(cols, all.iter().map(|r| point_cells(app, &r, with_account)))
        })
        .to_vec();
    aged_widths(app, rows, cols, &mut natural);
    let window: Vec<Vec<Span<'static>>> = rows
        .range(visible.clone())
        .map(|r| point_cells(app, &r, with_account))
        .collect();
    let (widths, table) = lay_out_window(cols, &natural, window, width);
    // The table scrolls to the selection as it would among all rows.
    let selected = selected.min(rows.len().saturating_sub(1)) - visible.start;
    (widths, table, selected)
}

/// The natural widths of the columns whose cells move with the clock, over every row at
/// `app.now`, measured without formatting a cell: the age of each newest point, and how old
/// each row's data is (a few distinct values: one per feed).
fn aged_widths(app: &App, rows: &PointRows<'_>, cols: &[Col], natural: &mut [u16]) {
    let at = |name: &str| cols.iter().position(|c| c.header == name);
    let (Some(last_good), Some(seen)) = (at(LAST_GOOD), at(SEEN)) else {
        return;
    };
    let mut ages = least_width(&cols[last_good]);
    let mut seens = least_width(&cols[seen]);
    let mut froms: Vec<crate::app::view::Provenance> = Vec::new();
    let width = |w: usize| u16::try_from(w).unwrap_or(u16::MAX);
    for r in rows {
        let shown = match r.point.newest {
            NewestPoint::Taken(t) => duration_width(crate::fleet::age_between(t, app.now)),
            NewestPoint::None => "none".len(),
            NewestPoint::CannotTell(_) => "?".len(),
        };
        ages = ages.max(width(shown));
        if !froms.contains(&r.from) {
            froms.push(r.from);
            seens = seens.max(width(seen_span(&app.theme, &r.from, app.now).width()));
        }
    }
    natural[last_good] = ages;
    natural[seen] = seens;
}

pub fn draw(frame: &mut Frame, area: Rect, app: &App, focused: bool) {
    draw_rows(frame, area, app, focused, Rows::NearSelection);
}

/// Which rows of a long list get cells.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Rows {
    /// Only those a screen either side of the selection: all the table can show.
    NearSelection,
    /// Every row (how the tests draw the screen the window must match).
    #[cfg(test)]
    Every,
}

fn draw_rows(frame: &mut Frame, area: Rect, app: &App, focused: bool, drawn: Rows) {
    let theme = &app.theme;
    let mut extra = Vec::new();
    for view in BackupView::ALL {
        let style = if view == app.backup_view {
            theme.accent
        } else {
            theme.dim
        };
        let label = if view == app.backup_view {
            format!("[{}]", view.label())
        } else {
            view.label().to_string()
        };
        extra.push(Span::styled(format!("{label} "), style));
    }
    if focused {
        extra.push(Span::styled("(v) ", theme.dim));
    }
    let block = |shown: &AccountsShown| {
        let mut extra = extra.clone();
        extra.extend(shown.title_spans(app));
        extra.extend(feeds_summary(theme, app.fleet.backups.iter(), app.now));
        pane_block(
            theme,
            title_line(theme, Pane::Backups.title(), extra),
            focused,
        )
    };
    let errors = feed_errors(app.fleet.backups.iter(), app.now);
    let selected = app.selected_index(Pane::Backups);
    let empty = |none: &str| empty_text(app, app.fleet.backups.values(), "backup", none);
    let width = table_width(area.width);
    match app.backup_view {
        BackupView::Vaults => {
            let vault_rows = app.vault_rows();
            let shown = AccountsShown::of(app, vault_rows.iter().map(|r| r.account.as_deref()));
            let mut cells: Vec<Vec<Span<'static>>> = vault_rows
                .iter()
                .map(|r| {
                    let issues = r.counts[0].map_or(0, |c| c.problems());
                    let issues_style = if issues > 0 {
                        verdict_style(theme, Verdict::Warn)
                    } else {
                        theme.text
                    };
                    vec![
                        verdict_span(theme, r.eval.verdict),
                        Span::raw(r.vault.clone()),
                        Span::raw(r.resource_type.clone()),
                        Span::raw(r.region.clone()),
                        Span::raw(rate(r.counts[0])),
                        Span::raw(rate(r.counts[1])),
                        Span::raw(rate(r.counts[2])),
                        Span::styled(issues.to_string(), issues_style),
                        seen_span(theme, &r.from, app.now),
                    ]
                })
                .collect();
            let mut cols = [
                Col::new("verdict", Holds::Value(7)),
                Col::new("vault", Holds::Id),
                Col::new("type", Holds::Value(8)),
                Col::new("region", Holds::Value(9)),
                Col::new("24h", Holds::Value(6)),
                Col::new("7d", Holds::Value(6)),
                Col::new("14d", Holds::Value(6)),
                Col::new("issues", Holds::Value(6)),
                Col::new("seen", Holds::Value(5)),
            ]
            .to_vec();
            shown.add_column(
                app,
                1,
                &mut cols,
                &mut cells,
                vault_rows.iter().map(|r| r.account.as_deref()),
            );
            let (widths, rows) = lay_out(&cols, cells, width);
            let header = headers(&cols);
            draw_table(
                frame,
                area,
                app,
                PaneTable {
                    block: block(&shown),
                    header: &header,
                    widths: &widths,
                    rows,
                    selected,
                    focused,
                    empty: empty("no backup jobs in the last 14 days"),
                    errors: &errors,
                },
            );
        }
        BackupView::RecoveryPoints => {
            let point_rows = app.point_rows();
            let shown = AccountsShown::of(app, point_rows.iter().map(|r| r.account));
            let mut cols = point_columns();
            let with_account = shown == AccountsShown::Column;
            if with_account {
                cols.insert(1, Col::new("account", Holds::Value(7)));
            }
            let (widths, rows, selected) = match drawn {
                Rows::NearSelection => {
                    point_window(app, &point_rows, &cols, with_account, selected, area, width)
                }
                #[cfg(test)]
                Rows::Every => {
                    let all = point_rows
                        .iter()
                        .map(|r| point_cells(app, &r, with_account));
                    let (widths, rows) = lay_out(&cols, all.collect(), width);
                    (widths, rows, selected)
                }
            };
            let header = headers(&cols);
            draw_table(
                frame,
                area,
                app,
                PaneTable {
                    block: block(&shown),
                    header: &header,
                    widths: &widths,
                    rows,
                    selected,
                    focused,
                    empty: empty("no protected resources found"),
                    errors: &errors,
                },
            );
        }
        BackupView::Failures => {
            let failure_rows = app.failure_rows();
            let shown = AccountsShown::of(app, failure_rows.iter().map(|r| r.account));
            let mut cells: Vec<Vec<Span<'static>>> = failure_rows
                .iter()
                .map(|r| {
                    let j = r.job;
                    let state_verdict = if j.state == crate::fleet::JobState::CompletedWithIssues {
                        Verdict::Warn
                    } else {
                        Verdict::Crit
                    };
                    vec![
                        Span::raw(format_duration(crate::fleet::age_between(
                            j.created_at,
                            app.now,
                        ))),
                        Span::styled(j.state.word(), verdict_style(theme, state_verdict)),
                        Span::raw(short_name(&j.resource_id).to_string()),
                        Span::raw(j.message.to_string()),
                        seen_span(theme, &r.from, app.now),
                    ]
                })
                .collect();
            let mut cols = [
                Col::new("ago", Holds::Value(6)),
                Col::new("state", Holds::Value(10)),
                Col::new("resource", Holds::Id),
                Col::new("message", Holds::Text),
                Col::new("seen", Holds::Value(5)),
            ]
            .to_vec();
            shown.add_column(
                app,
                2,
                &mut cols,
                &mut cells,
                failure_rows.iter().map(|r| r.account),
            );
            let (widths, rows) = lay_out(&cols, cells, width);
            let header = headers(&cols);
            draw_table(
                frame,
                area,
                app,
                PaneTable {
                    block: block(&shown),
                    header: &header,
                    widths: &widths,
                    rows,
                    selected,
                    focused,
                    empty: empty("no failed, expired or incomplete jobs in 14 days"),
                    errors: &errors,
                },
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::{Event, ListId};
    use jiff::SignedDuration;
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;

    /// A 1,000-replica fleet a minute into a region outage, with its backups, looking at the
    /// recovery points.
    fn app() -> App {
        let mut app = crate::app::view::tests::outage_app_of(1_000, true);
        app.focus = Pane::Backups;
        app.backup_view = BackupView::RecoveryPoints;
        app
    }

    fn screen(app: &App, (w, h): (u16, u16), drawn: Rows) -> String {
        let mut terminal = Terminal::new(TestBackend::new(w, h)).expect("backend");
        terminal
            .draw(|f| draw_rows(f, f.area(), app, true, drawn))
            .expect("draws");
        format!("{:?}", terminal.backend().buffer())
    }

    #[test]
    fn drawing_only_the_points_near_the_selection_draws_what_every_point_drew() {
        let mut app = app();
        let count = app.point_rows().len();
        assert!(count > 100, "{count} rows");
        let start = app.now;
        // The clock moves too: the ages shown (and the widths they need) move with it, and
        // the backups feed (refresh 10 s) turns stale past 20 s.
        let later = [0, 1_000, 9_500, 21_000, 60_000, 3_600_000];
        for (n, target) in [0, 1, 40, count / 2, count - 2, count - 1, count + 50]
            .into_iter()
            .enumerate()
        {
            let now = start + SignedDuration::from_millis(later[n % later.len()]);
            app.update(Event::Tick, now);
            app.selected
                .insert(ListId::Backups(BackupView::RecoveryPoints), target);
            for size in [(80, 24), (200, 60)] {
                assert_eq!(
                    screen(&app, size, Rows::NearSelection),
                    screen(&app, size, Rows::Every),
                    "selection {target} at {now}, {size:?}"
                );
            }
        }
    }
}
