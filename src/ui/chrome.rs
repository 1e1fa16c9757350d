//! The header (overall verdict, worst offenders) and the status bar (mode, data ages, keys).

use crate::app::{App, Mode, Pane, Prompt};
use crate::fleet::{Verdict, format_data_age};
use crate::source::sim::Scenario;
use crate::ui::widgets::{accounts_in_view, short_name, verdict_style};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

pub fn header(frame: &mut Frame, area: Rect, app: &App) {
    let theme = &app.theme;
    // Counted over the kept rows: the header copies only the worst offender.
    let offenders = app.fleet.offender_counts();
    let count = |v: Verdict| match v {
        Verdict::Crit => offenders.crit,
        Verdict::Warn => offenders.warn,
        Verdict::Unknown => offenders.unknown,
        Verdict::Ok => 0,
    };
    let stale = app.stale_feeds().len();
    let overall = app
        .fleet
        .overall_with_worst(offenders.worst.as_ref().map(|(v, _, _)| *v));
    // At 80 columns an outage's counts and mode do not all fit: the compact form drops words
    // that the rest says anyway, so the mode (DEMO or AWS) is never the part that is cut.
    let line = |compact: bool| {
        let mut first = vec![Span::styled(" ripcord ", theme.accent)];
        if app.has_any_data() {
            first.push(Span::styled(
                format!(" {} ", overall.label()),
                verdict_style(theme, overall),
            ));
            first.push(Span::styled(
                format!(
                    "  {} crit · {} warn",
                    count(Verdict::Crit),
                    count(Verdict::Warn)
                ),
                theme.text,
            ));
            if count(Verdict::Unknown) > 0 {
                first.push(Span::styled(
                    format!(" · {} unknown", count(Verdict::Unknown)),
                    theme.unknown,
                ));
            }
            if stale > 0 {
                let feeds = match (compact, stale) {
                    (true, _) => "",
                    (false, 1) => " feed",
                    (false, _) => " feeds",
                };
                first.push(Span::styled(
                    format!(" · {stale} stale{feeds}"),
                    theme.stale,
                ));
            }
        } else {
            first.push(Span::styled(" waiting for data… ", theme.dim));
        }
        let gap = if compact { "  " } else { "   " };
        first.push(Span::styled(
            format!("{gap}{}", mode_label(&app.mode)),
            theme.dim,
        ));
        // Which accounts are in view, production ones marked PROD; after the mode, so that
        // a narrow terminal cuts the other accounts' names first.
        let accounts = accounts_in_view(app, compact);
        if !accounts.is_empty() {
            first.push(Span::styled(" · ", theme.dim));
            first.extend(accounts);
        }
        Line::from(first)
    };
    let full = line(false);
    let first = if full.width() > usize::from(area.width) {
        line(true)
    } else {
        full
    };
    let second = match &offenders.worst {
        Some((v, what, why)) => {
            let mut spans = vec![
                Span::styled(" worst: ", theme.dim),
                Span::styled(
                    format!("{} {}", v.symbol(), short_name(what)),
                    verdict_style(theme, *v),
                ),
                Span::raw(format!(" — {why}")),
            ];
            if offenders.total() > 1 {
                spans.push(Span::styled(
                    format!("  (+{} more)", offenders.total() - 1),
                    theme.dim,
                ));
            }
            Line::from(spans)
        }
        None if app.has_any_data() => {
            Line::from(Span::styled(" nothing outside its targets", theme.dim))
        }
        None => Line::default(),
    };
    frame.render_widget(Paragraph::new(vec![first, second]).style(theme.text), area);
}

pub fn mode_label(mode: &Mode) -> String {
    match mode {
        Mode::Demo {
            scenario: Scenario::Normal,
        } => "DEMO".to_string(),
        Mode::Demo {
            scenario: Scenario::RegionOutage,
        } => "DEMO · REGION OUTAGE".to_string(),
        Mode::Live { profile: Some(p) } => format!("AWS profile {p}"),
        Mode::Live { profile: None } => "AWS".to_string(),
    }
}

/// The oldest data of each kind, at its shown precision: "lag 5s · backups 1m10s · dns 0s".
fn ages(app: &App) -> Vec<Span<'static>> {
    let theme = &app.theme;
    let stale = app.stale_feeds();
    let oldest = |ages: Vec<Option<std::time::Duration>>| -> String {
        if ages.iter().all(Option::is_none) {
            return "—".to_string();
        }
        ages.into_iter()
            .flatten()
            .max()
            .map_or_else(|| "—".to_string(), format_data_age)
    };
    let kinds = [
        (
            "lag",
            Pane::Replicas,
            oldest(
                app.fleet
                    .replicas
                    .values()
                    .map(|f| f.age(app.now))
                    .collect(),
            ),
        ),
        (
            "backups",
            Pane::Backups,
            oldest(app.fleet.backups.values().map(|f| f.age(app.now)).collect()),
        ),
        (
            "dns",
            Pane::Health,
            oldest(app.fleet.health.values().map(|f| f.age(app.now)).collect()),
        ),
    ];
    let mut spans = Vec::new();
    for (i, (name, pane, age)) in kinds.into_iter().enumerate() {
        if i > 0 {
            spans.push(Span::styled(" · ", theme.bar));
        }
        if stale.iter().any(|(p, _)| *p == pane) {
            spans.push(Span::styled(format!("{name} {age} STALE"), theme.stale));
        } else {
            spans.push(Span::styled(format!("{name} {age}"), theme.bar));
        }
    }
    spans
}

pub fn status_bar(frame: &mut Frame, area: Rect, app: &App) {
    let theme = &app.theme;
    let line = match &app.prompt {
        Some(Prompt::Filter(text)) => Line::from(vec![
            Span::styled("/", theme.bar_key),
            Span::styled(format!("{text}█"), theme.bar),
            Span::styled("   Enter keep · Esc clear", theme.bar),
        ]),
        Some(Prompt::Command(text)) => Line::from(vec![
            Span::styled(":", theme.bar_key),
            Span::styled(format!("{text}█"), theme.bar),
            Span::styled(
                "   quit · theme NAME · scenario NAME · pane NAME · Esc cancel",
                theme.bar,
            ),
        ]),
        None => {
            let mode = match app.mode {
                Mode::Demo { .. } => "DEMO",
                Mode::Live { .. } => "LIVE",
            };
            let mut spans = vec![Span::styled(format!(" {mode} "), theme.bar_key)];
            spans.extend(crate::ui::runbook::status_badges(app));
            // A message comes first: on a narrow screen it must not be cut off after the ages.
            if let Some(flash) = &app.flash {
                let style = if flash.is_error {
                    theme.error
                } else {
                    theme.bar_key
                };
                spans.push(Span::styled(format!(" {} ", flash.text), style));
            }
            spans.extend(crate::ui::runbook::audit_badge(app));
            spans.push(Span::styled(" ", theme.bar));
            spans.extend(ages(app));
            if !app.filter.is_empty() {
                spans.push(Span::styled(
                    format!("  filter: {}", app.filter),
                    theme.bar_key,
                ));
            }
            if app.flash.is_none() {
                for (key, what) in [("?", "help"), ("/", "filter"), (":", "cmd"), ("q", "quit")] {
                    spans.push(Span::styled(format!("  {key}"), theme.bar_key));
                    spans.push(Span::styled(format!(" {what}"), theme.bar));
                }
            }
            Line::from(spans)
        }
    };
    frame.render_widget(Paragraph::new(line).style(theme.bar), area);
}
