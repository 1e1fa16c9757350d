//! Boxes drawn over the panes: key help, and the detail of the selected row.

use crate::app::feed::Feed;
use crate::app::{App, BackupView, Overlay, Pane, keys};
use crate::fleet::Place;
use crate::fleet::{CheckerObservation, NewestPoint, Window, format_age, format_duration};
use crate::ui::widgets::{clock_time, sparkline, verdict_style};
use ratatui::Frame;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph, Wrap};

pub fn draw(frame: &mut Frame, area: Rect, app: &App) {
    let Some(overlay) = &app.overlay else { return };
    // A small screen gives help every row it has.
    let box_area = centered(area, 92, if area.height < 30 { 100 } else { 90 });
    let inner_width = box_area.width.saturating_sub(2);
    let (title, lines) = match overlay {
        Overlay::Help => (" Keys — Esc closes ".to_string(), help_lines(app)),
        Overlay::Detail(pane) => (
            format!(" {} — Esc closes ", pane.title()),
            detail_lines(app, *pane, inner_width),
        ),
    };
    frame.render_widget(Clear, box_area);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Double)
        .border_style(app.theme.border_focused)
        .title(Span::styled(title, app.theme.title));
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .style(app.theme.text)
            .wrap(Wrap { trim: false }),
        box_area,
    );
}

fn centered(area: Rect, percent_x: u16, percent_y: u16) -> Rect {
    let [v] = Layout::vertical([Constraint::Percentage(percent_y)])
        .flex(Flex::Center)
        .areas(area);
    let [h] = Layout::horizontal([Constraint::Percentage(percent_x)])
        .flex(Flex::Center)
        .areas(v);
    h
}

fn help_lines(app: &App) -> Vec<Line<'static>> {
    let theme = &app.theme;
    let mut lines: Vec<Line> = keys::HELP
        .iter()
        .map(|(k, what)| {
            Line::from(vec![
                Span::styled(format!(" {k:<20}"), theme.accent),
                Span::raw(what.to_string()),
            ])
        })
        .collect();
    if app.read_only {
        lines.push(Line::from(Span::styled(
            " READ-ONLY: started with --read-only, so runbooks cannot run",
            theme.warn,
        )));
    } else {
        lines.extend(crate::app::runbook::HELP.iter().map(|(k, what)| {
            Line::from(vec![
                Span::styled(format!(" {k:<20}"), theme.accent),
                Span::raw(what.to_string()),
            ])
        }));
    }
    lines.push(Line::default());
    lines.push(Line::from(Span::styled(
        " Verdicts: ✔ OK  ▲ WARN  ✖ CRIT  ? N/A (no data to judge).  STALE: older than twice its refresh interval.",
        theme.dim,
    )));
    lines.push(Line::from(Span::styled(
        format!(
            " Theme: {}. Log file location: ripcord config path",
            theme.name
        ),
        theme.dim,
    )));
    lines
}

fn field(app: &App, name: &str, value: impl Into<String>) -> Line<'static> {
    Line::from(vec![
        Span::styled(format!(" {name:<16}"), app.theme.dim),
        Span::raw(value.into()),
    ])
}

fn fetched(app: &App, at: jiff::Timestamp, stale: bool) -> Line<'static> {
    let mut line = field(
        app,
        "fetched",
        format!("{} ({})", clock_time(at), format_age(at, app.now)),
    );
    if stale {
        line.spans.push(Span::styled("  STALE", app.theme.stale));
    }
    line
}

fn detail_lines(app: &App, pane: Pane, width: u16) -> Vec<Line<'static>> {
    let index = app.selected_index(pane);
    let theme = &app.theme;
    let verdict_line = |eval: &crate::fleet::Evaluation| {
        Line::from(vec![
            Span::styled(format!(" {:<16}", "verdict"), theme.dim),
            Span::styled(eval.verdict.label(), verdict_style(theme, eval.verdict)),
            Span::raw(format!("  {}", eval.reason)),
        ])
    };
    let gone = || {
        vec![Line::from(
            " the selected row is no longer there (the data changed); Esc closes",
        )]
    };
    match pane {
        Pane::Replicas => {
            let rows = app.replica_rows();
            let Some(row) = rows.get(index) else {
                return gone();
            };
            let r = row.replica;
            let lags: Vec<f64> = r
                .lag_samples
                .iter()
                .filter_map(|s| s.lag)
                .map(|d| d.as_secs_f64())
                .collect();
            let stat = |f: fn(f64, f64) -> f64, init: f64| lags.iter().copied().fold(init, f);
            let mut lines = vec![
                verdict_line(row.eval),
                field(
                    app,
                    "replica",
                    format!("{} ({}, {})", r.id, r.kind.short(), r.engine),
                ),
                // `account/region` when accounts are named, as stale marks and errors say it.
                field(
                    app,
                    "region",
                    Place::new(row.account, r.region.to_string()).to_string(),
                ),
                field(
                    app,
                    "source",
                    format!("{} in {}", r.source_id, r.source_region),
                ),
                field(
                    app,
                    "replication",
                    match &r.state {
                        crate::fleet::ReplicationState::Broken(why) => format!("BROKEN: {why}"),
                        other => other.short().to_string(),
                    },
                ),
                field(
                    app,
                    "workload",
                    row.targets
                        .workload
                        .clone()
                        .unwrap_or_else(|| "(defaults)".into()),
                ),
                field(
                    app,
                    "RPO / RTO",
                    format!(
                        "{} / {}",
                        format_duration(row.targets.rpo),
                        format_duration(row.targets.rto)
                    ),
                ),
            ];
            let value = |s: &crate::fleet::LagSample| {
                s.lag.map_or_else(
                    || "replication not active".to_string(),
                    crate::fleet::format_lag,
                )
            };
            let lag_now = match r.lag_reading(app.now) {
                crate::fleet::LagReading::Current(s) => Some(format!(
                    "{} (datapoint {})",
                    value(&s),
                    format_age(s.at, app.now)
                )),
                crate::fleet::LagReading::Old(s) => Some(format!(
                    "no recent lag: newest datapoint {}, {}",
                    value(&s),
                    format_age(s.at, app.now)
                )),
                crate::fleet::LagReading::Unread { why, last } => Some(format!(
                    "cannot tell: {why}{}",
                    last.map_or_else(String::new, |s| format!(
                        " (earlier read: {}, {})",
                        value(&s),
                        format_age(s.at, app.now)
                    ))
                )),
                crate::fleet::LagReading::NoData => None,
            };
            if let Some(text) = lag_now {
                lines.push(field(app, "lag now", text));
            }
            if !lags.is_empty() {
                let avg = lags.iter().sum::<f64>() / lags.len() as f64;
                lines.push(field(
                    app,
                    "last hour",
                    format!(
                        "min {} · avg {} · max {} over {} datapoints",
                        format_duration(std::time::Duration::from_secs_f64(stat(
                            f64::min,
                            f64::MAX
                        ))),
                        format_duration(std::time::Duration::from_secs_f64(avg)),
                        format_duration(std::time::Duration::from_secs_f64(stat(f64::max, 0.0))),
                        lags.len()
                    ),
                ));
                lines.push(field(
                    app,
                    "",
                    // The hour in one row: at 80 columns a minute a character would wrap.
                    sparkline(
                        &r.lag_samples,
                        usize::from(width)
                            .saturating_sub(crate::ui::lag_history::LABEL + 1)
                            .clamp(8, 60),
                        row.targets.rpo.as_secs_f64(),
                    ),
                ));
            }
            lines.push(fetched(app, row.from.fetched_at, row.from.stale));
            lines.extend(crate::ui::lag_history::lines(
                app,
                r,
                row.targets.rpo,
                width,
            ));
            lines
        }
        Pane::Backups => match app.backup_view {
            BackupView::Vaults => {
                let rows = app.vault_rows();
                let Some(row) = rows.get(index) else {
                    return gone();
                };
                let mut lines = vec![
                    verdict_line(&row.eval),
                    field(
                        app,
                        "vault",
                        format!(
                            "{} in {}",
                            row.vault,
                            Place::new(row.account.as_deref(), row.region.clone())
                        ),
                    ),
                    field(app, "resource type", row.resource_type.clone()),
                    Line::from(Span::styled(
                        format!(
                            " {:<16}{:>7} {:>9} {:>7} {:>7} {:>7} {:>7} {:>8}",
                            "window",
                            "rate",
                            "completed",
                            "issues",
                            "failed",
                            "expired",
                            "aborted",
                            "running"
                        ),
                        theme.table_header,
                    )),
                ];
                for (w, counts) in Window::ALL.iter().zip(row.counts) {
                    let Some(c) = counts else { continue };
                    let rate = c
                        .success_rate()
                        .map_or_else(|| "—".to_string(), |r| format!("{:.1}%", r * 100.0));
                    lines.push(Line::from(format!(
                        " {:<16}{:>7} {:>9} {:>7} {:>7} {:>7} {:>7} {:>8}",
                        w.label(),
                        rate,
                        c.completed,
                        c.completed_with_issues,
                        c.failed,
                        c.expired,
                        c.aborted,
                        c.running
                    )));
                }
                lines.push(fetched(app, row.from.fetched_at, row.from.stale));
                lines
            }
            BackupView::RecoveryPoints => {
                let rows = app.point_rows();
                let Some(row) = rows.get(index) else {
                    return gone();
                };
                let p = &row.point;
                vec![
                    verdict_line(row.eval),
                    field(
                        app,
                        "resource",
                        format!("{} ({})", p.resource_id, p.resource_type),
                    ),
                    field(
                        app,
                        "vault",
                        format!(
                            "{} in {}",
                            p.vault,
                            Place::new(row.account, p.region.to_string())
                        ),
                    ),
                    field(
                        app,
                        "newest good",
                        match &p.newest {
                            NewestPoint::Taken(t) => {
                                format!("{} ({})", clock_time(*t), format_age(*t, app.now))
                            }
                            NewestPoint::None => "none".to_string(),
                            NewestPoint::CannotTell(why) => format!("cannot tell: {why}"),
                        },
                    ),
                    field(app, "backup RPO", format_duration(row.targets.backup_rpo)),
                    field(
                        app,
                        "workload",
                        row.targets
                            .workload
                            .clone()
                            .unwrap_or_else(|| "(defaults)".into()),
                    ),
                    fetched(app, row.from.fetched_at, row.from.stale),
                ]
            }
            BackupView::Failures => {
                let rows = app.failure_rows();
                let Some(row) = rows.get(index) else {
                    return gone();
                };
                let j = row.job;
                vec![
                    field(app, "state", j.state.word()),
                    field(app, "job", j.job_id.clone()),
                    field(
                        app,
                        "resource",
                        format!("{} ({})", j.resource_id, j.resource_type),
                    ),
                    field(
                        app,
                        "vault",
                        format!(
                            "{} in {}",
                            j.vault,
                            Place::new(row.account, j.region.to_string())
                        ),
                    ),
                    field(
                        app,
                        "created",
                        format!(
                            "{} ({})",
                            clock_time(j.created_at),
                            format_age(j.created_at, app.now)
                        ),
                    ),
                    field(app, "message", j.message.to_string()),
                    fetched(app, row.from.fetched_at, row.from.stale),
                ]
            }
        },
        Pane::Health => {
            let rows = app.check_rows();
            let Some(row) = rows.get(index) else {
                return gone();
            };
            let c = row.check;
            let mut lines = vec![
                verdict_line(&row.eval),
                field(app, "check", format!("{} ({})", c.name, c.id)),
                field(app, "target", c.target.clone()),
                field(app, "status", status_detail(c, app.now)),
            ];
            if !c.qualifiers().is_empty() {
                lines.push(field(app, "kind", c.qualifiers().join(", ")));
            }
            for g in &c.guards {
                lines.push(field(
                    app,
                    "guards",
                    format!(
                        "{} {} {} → {} (set {})",
                        g.name,
                        g.record_type,
                        g.role.word(),
                        g.value,
                        g.set_identifier
                    ),
                ));
            }
            lines.push(fetched(app, row.from.fetched_at, row.from.stale));
            lines.push(Line::default());
            lines.extend(checker_lines(app, c));
            lines
        }
    }
}

/// A check's status with the age of its newest datapoint: a status is true when it was
/// published, not when it was fetched.
fn status_detail(c: &crate::fleet::HealthCheck, now: jiff::Timestamp) -> String {
    match c.status_at {
        _ if c.kind == crate::fleet::CheckKind::AliasTarget => {
            "decided by Route 53 from the alias target's health".to_string()
        }
        Some(at) => format!("{} (datapoint {})", c.status.word(), format_age(at, now)),
        None => format!("{}, no datapoint", c.status.word()),
    }
}

/// Per-checker-region observations: the on-demand detail when it has arrived, else whatever
/// the polled snapshot carried. Calculated checks and records decided by an alias target have
/// no checker regions.
fn checker_lines(app: &App, check: &crate::fleet::HealthCheck) -> Vec<Line<'static>> {
    let theme = &app.theme;
    if !check.kind.has_checkers() && check.observations.is_empty() {
        let why = match check.kind {
            crate::fleet::CheckKind::Calculated => {
                "calculated from its child checks: no checker regions (status from the \
                 HealthCheckStatus metric)"
            }
            crate::fleet::CheckKind::AliasTarget => {
                "no health check: Route 53 decides this record by its alias target's health"
            }
            _ => "no checker regions",
        };
        return vec![Line::from(Span::styled(format!(" {why}"), theme.dim))];
    }
    let detail: Option<&Feed<Vec<CheckerObservation>>> = app
        .checker_detail
        .as_ref()
        .filter(|(id, _)| *id == check.id)
        .map(|(_, f)| f);
    let (observations, note) = match detail {
        Some(feed) if feed.data().is_some() => (feed.data().cloned().unwrap_or_default(), None),
        Some(feed) => (
            check.observations.clone(),
            Some(match &feed.last_error {
                Some((_, e)) => format!("checker detail failed: {e}"),
                None => "fetching checker detail…".to_string(),
            }),
        ),
        None => (check.observations.clone(), None),
    };
    let mut lines = vec![Line::from(Span::styled(
        " checker region    seen    report",
        theme.table_header,
    ))];
    if let Some(note) = note {
        lines.push(Line::from(Span::styled(format!(" {note}"), theme.dim)));
    }
    if observations.is_empty() {
        lines.push(Line::from(Span::styled(" no observations", theme.dim)));
    }
    for o in observations {
        let (mark, style) = if o.healthy {
            ("✔", theme.ok)
        } else {
            ("✖", theme.crit)
        };
        lines.push(Line::from(vec![
            Span::styled(format!(" {mark} {:<15}", o.checker_region), style),
            Span::styled(
                format!(
                    "{:<8}",
                    format_duration(crate::fleet::age_between(o.observed_at, app.now))
                ),
                theme.dim,
            ),
            Span::raw(o.report),
        ]));
    }
    lines
}
