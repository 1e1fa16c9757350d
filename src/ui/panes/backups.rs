//! Backups: success rate per vault and window, the oldest last-good recovery points, and the
//! jobs that failed, expired or completed with issues, with what AWS said.

use super::{PaneTable, draw_table, empty_text, is_wide, title_line};
use crate::app::{App, BackupView, Pane};
use crate::fleet::{JobCounts, NewestPoint, Verdict, format_duration};
use crate::ui::widgets::{
    feed_errors, feeds_summary, pane_block, seen_cell, verdict_cell, verdict_style,
};
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::Span;
use ratatui::widgets::{Cell, Row};

fn rate(counts: Option<JobCounts>) -> String {
    match counts.and_then(|c| c.success_rate()) {
        Some(r) if r >= 0.9995 => "100%".to_string(),
        Some(r) => format!("{:.1}%", r * 100.0),
        None => "—".to_string(),
    }
}

pub fn draw(frame: &mut Frame, area: Rect, app: &App, focused: bool) {
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
    extra.extend(feeds_summary(theme, app.backups.iter(), app.now));
    let block = pane_block(
        theme,
        title_line(theme, Pane::Backups.title(), extra),
        focused,
    );
    let errors = feed_errors(app.backups.iter(), app.now);
    let selected = app.selected_index(Pane::Backups);
    let empty = |none: &str| empty_text(app, app.backups.values(), "backup", none);
    let wide = is_wide(area);
    match app.backup_view {
        BackupView::Vaults => {
            let rows: Vec<Row> = app
                .vault_rows()
                .iter()
                .map(|r| {
                    let issues = r.counts[0].map_or(0, |c| c.problems());
                    let issues_style = if issues > 0 {
                        verdict_style(theme, Verdict::Warn)
                    } else {
                        theme.text
                    };
                    Row::new(vec![
                        verdict_cell(theme, r.eval.verdict),
                        Cell::from(r.vault.clone()),
                        Cell::from(r.resource_type.clone()),
                        Cell::from(r.region.clone()),
                        Cell::from(rate(r.counts[0])),
                        Cell::from(rate(r.counts[1])),
                        Cell::from(rate(r.counts[2])),
                        Cell::from(Span::styled(issues.to_string(), issues_style)),
                        seen_cell(theme, &r.from, app.now),
                    ])
                })
                .collect();
            let widths = [
                Constraint::Length(7),
                Constraint::Fill(1),
                Constraint::Length(8),
                Constraint::Length(9),
                Constraint::Length(6),
                Constraint::Length(6),
                Constraint::Length(6),
                Constraint::Length(6),
                Constraint::Length(5),
            ];
            let header = [
                "verdict", "vault", "type", "region", "24h", "7d", "14d", "issues", "seen",
            ];
            draw_table(
                frame,
                area,
                app,
                PaneTable {
                    block,
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
            let rows: Vec<Row> = app
                .point_rows()
                .iter()
                .map(|r| {
                    let p = &r.point;
                    let age = match &p.newest {
                        NewestPoint::Taken(t) => {
                            format_duration(crate::fleet::age_between(*t, app.now))
                        }
                        NewestPoint::None => "none".to_string(),
                        // Not known is never shown as "none": the reason is in the detail.
                        NewestPoint::CannotTell(_) => "?".to_string(),
                    };
                    Row::new(vec![
                        verdict_cell(theme, r.eval.verdict),
                        Cell::from(p.resource_id.clone()),
                        Cell::from(p.resource_type.clone()),
                        Cell::from(p.vault.clone()),
                        Cell::from(Span::styled(age, verdict_style(theme, r.eval.verdict))),
                        Cell::from(format_duration(r.targets.backup_rpo)),
                        seen_cell(theme, &r.from, app.now),
                    ])
                })
                .collect();
            let widths = [
                Constraint::Length(7),
                Constraint::Fill(1),
                Constraint::Length(8),
                Constraint::Length(10),
                Constraint::Length(9),
                Constraint::Length(6),
                Constraint::Length(5),
            ];
            let header = [
                "verdict",
                "resource",
                "type",
                "vault",
                "last good",
                "limit",
                "seen",
            ];
            draw_table(
                frame,
                area,
                app,
                PaneTable {
                    block,
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
            let rows: Vec<Row> = app
                .failure_rows()
                .iter()
                .map(|r| {
                    let j = r.job;
                    let state_verdict = if j.state == crate::fleet::JobState::CompletedWithIssues {
                        Verdict::Warn
                    } else {
                        Verdict::Crit
                    };
                    Row::new(vec![
                        Cell::from(format_duration(crate::fleet::age_between(
                            j.created_at,
                            app.now,
                        ))),
                        Cell::from(Span::styled(
                            j.state.word(),
                            verdict_style(theme, state_verdict),
                        )),
                        Cell::from(j.resource_id.clone()),
                        Cell::from(j.message.clone()),
                        seen_cell(theme, &r.from, app.now),
                    ])
                })
                .collect();
            let widths = [
                Constraint::Length(6),
                Constraint::Length(10),
                Constraint::Length(if wide { 24 } else { 16 }),
                Constraint::Fill(1),
                Constraint::Length(5),
            ];
            let header = ["ago", "state", "resource", "message", "seen"];
            draw_table(
                frame,
                area,
                app,
                PaneTable {
                    block,
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
