//! The readiness view (key `d`): every workload, worst first, with its verdict and worst
//! finding; Enter shows the selected workload's findings with their evidence and age.

use crate::app::App;
use crate::fleet::Verdict;
use crate::fleet::format_duration;
use crate::fleet::readiness::{Reason, WorkloadReadiness};
use crate::ui::widgets::{pane_block, verdict_style};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};
use std::time::Duration;

/// A finding's verdict as the view shows it: "cannot tell" in words, never a bare N/A.
fn finding_label(r: &Reason) -> String {
    if r.verdict == Verdict::Unknown {
        "? cannot tell".to_string()
    } else {
        r.verdict.label().to_string()
    }
}

fn age(r: &Reason) -> String {
    r.age_seconds.map_or_else(
        || "—".to_string(),
        |s| format!("{} ago", format_duration(Duration::from_secs(s))),
    )
}

fn secs(s: u64) -> String {
    format_duration(Duration::from_secs(s))
}

pub fn draw(frame: &mut Frame, area: Rect, app: &App) {
    let theme = &app.theme;
    let judged = app.readiness();
    let selected = app
        .readiness_view
        .selected
        .min(judged.len().saturating_sub(1));
    let detail = app
        .readiness_view
        .detail
        .then(|| judged.get(selected))
        .flatten();
    let title = match detail {
        Some(w) => format!(" DR readiness: {} — j/k scroll · Esc back ", w.workload),
        None => " DR readiness — Enter findings · d closes ".to_string(),
    };
    let block = pane_block(theme, Line::from(Span::styled(title, theme.title)), true);
    let widget = match detail {
        // Findings wrap (every word of the evidence matters) and scroll with j/k.
        Some(w) => Paragraph::new(findings(app, w))
            .wrap(Wrap { trim: false })
            .scroll((app.readiness_view.scroll, 0)),
        // One line per workload: the worst finding gives way, ending in `…`.
        None => Paragraph::new(overview(
            app,
            &judged,
            selected,
            usize::from(area.width.saturating_sub(2)),
        )),
    };
    frame.render_widget(widget.block(block), area);
}

/// `text` cut to `width` characters, ending in `…` when cut.
fn fit(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_string();
    }
    let kept: String = text.chars().take(width.saturating_sub(1)).collect();
    format!("{kept}…")
}

fn overview(
    app: &App,
    judged: &[WorkloadReadiness],
    selected: usize,
    width: usize,
) -> Vec<Line<'static>> {
    let theme = &app.theme;
    if judged.is_empty() {
        return vec![Line::from(Span::styled(
            "No workloads: define [[workload]] tables in the config (ripcord config example).",
            theme.dim,
        ))];
    }
    let name_width = judged
        .iter()
        .map(|w| w.workload.chars().count())
        .max()
        .unwrap_or(0)
        .max(8);
    let mut lines = vec![Line::from(Span::styled(
        format!(
            "  {:<11} {:<name_width$} {:>5} {:>5}  worst finding",
            "readiness", "workload", "RPO", "RTO"
        ),
        theme.table_header,
    ))];
    for (i, w) in judged.iter().enumerate() {
        let marker = if i == selected { "›" } else { " " };
        let worst = match w.headline() {
            Some(r) if r.verdict != Verdict::Ok => format!("{}: {}", r.subject, r.text),
            Some(_) => format!("every finding OK ({})", w.reasons.len()),
            None => String::new(),
        };
        let head = format!(
            " {:<name_width$} {:>5} {:>5}  ",
            w.workload,
            secs(w.rpo_seconds),
            secs(w.rto_seconds)
        );
        let used = 2 + 11 + head.chars().count();
        let mut line = Line::from(vec![
            Span::raw(format!("{marker} ")),
            Span::styled(
                format!("{:<11}", w.verdict.label()),
                verdict_style(theme, w.verdict.as_verdict()),
            ),
            Span::raw(head),
            Span::raw(fit(&worst, width.saturating_sub(used))),
        ]);
        if i == selected {
            line = line.style(theme.selected);
        }
        lines.push(line);
    }
    lines
}

fn findings(app: &App, w: &WorkloadReadiness) -> Vec<Line<'static>> {
    let theme = &app.theme;
    let mut lines = vec![Line::from(vec![
        Span::styled(
            w.verdict.label(),
            verdict_style(theme, w.verdict.as_verdict()),
        ),
        Span::raw(format!(
            "  RPO {} · RTO {} · backup RPO {} · drills {}",
            secs(w.rpo_seconds),
            secs(w.rto_seconds),
            secs(w.backup_rpo_seconds),
            w.drill_every_seconds
                .map_or("without a policy".to_string(), |s| format!(
                    "every {}",
                    secs(s)
                ))
        )),
    ])];
    for r in &w.reasons {
        lines.push(Line::from(vec![
            Span::styled(
                format!("{:<14}", finding_label(r)),
                verdict_style(theme, r.verdict),
            ),
            Span::styled(format!("{} ", r.side.word()), theme.dim),
            Span::raw(format!("{}: {}", r.subject, r.text)),
        ]));
        lines.push(Line::from(Span::styled(
            format!("      evidence ({}): {}", age(r), r.evidence),
            theme.dim,
        )));
    }
    lines
}
