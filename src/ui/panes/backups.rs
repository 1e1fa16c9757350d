//! Backups: success rate per vault and window, the oldest last-good recovery points, and the
//! jobs that failed, expired or completed with issues, with what AWS said.

use super::{PaneTable, draw_table, empty_text, title_line};
use crate::app::{App, BackupView, Pane};
use crate::fleet::{JobCounts, NewestPoint, Verdict, format_duration};
use crate::ui::columns::{Col, Holds, headers, lay_out, table_width};
use crate::ui::widgets::{
    AccountsShown, feed_errors, feeds_summary, pane_block, seen_span, short_name, verdict_span,
    verdict_style,
};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Span;

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
            let mut cells: Vec<Vec<Span<'static>>> = point_rows
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
                    vec![
                        verdict_span(theme, r.eval.verdict),
                        // AWS Backup names resources by ARN: its last part tells them apart,
                        // and Enter shows the whole ARN.
                        Span::raw(short_name(&p.resource_id).to_string()),
                        Span::raw(p.resource_type.clone()),
                        Span::raw(p.vault.clone()),
                        Span::styled(age, verdict_style(theme, r.eval.verdict)),
                        Span::raw(format_duration(r.targets.backup_rpo)),
                        seen_span(theme, &r.from, app.now),
                    ]
                })
                .collect();
            let mut cols = [
                Col::new("verdict", Holds::Value(7)),
                Col::new("resource", Holds::Id),
                Col::new("type", Holds::Value(8)),
                Col::new("vault", Holds::Ref),
                Col::new("last good", Holds::Value(9)),
                Col::new("limit", Holds::Value(6)),
                Col::new("seen", Holds::Value(5)),
            ]
            .to_vec();
            shown.add_column(
                app,
                1,
                &mut cols,
                &mut cells,
                point_rows.iter().map(|r| r.account),
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
                        Span::raw(j.message.clone()),
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
