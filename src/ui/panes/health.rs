//! DNS health: each Route 53 health check, what it probes, how many checker regions see it
//! healthy, and the failover record it decides for.

use super::{PaneTable, draw_table, empty_text, is_wide, title_line};
use crate::app::feed::Feed;
use crate::app::view::KeptCheckRow;
use crate::app::{App, Pane};
use crate::fleet::{HealthCheck, Place};
#[cfg(test)]
use crate::ui::columns::lay_out;
use crate::ui::columns::{
    Col, Holds, headers, lay_out_window, natural_widths, near_selection, table_width,
};
use crate::ui::widgets::{
    AccountsShown, account_span, feed_errors, feeds_summary, pane_block, seen_span, verdict_span,
    verdict_style,
};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Span;

pub fn draw(frame: &mut Frame, area: Rect, app: &App, focused: bool) {
    draw_rows(frame, area, app, focused, Rows::NearSelection);
}

/// Which rows get cells.
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
    // Route 53 is global: one feed per account, named `global` (or `ACCOUNT/global`).
    let keyed: Vec<(Place, &Feed<Vec<HealthCheck>>)> = app
        .fleet
        .health
        .iter()
        .map(|(account, feed)| (Place::new(account.as_deref(), "global"), feed))
        .collect();
    let feeds = keyed.iter().map(|(place, feed)| (place, *feed));
    let check_rows = app.kept_check_rows();
    let shown = AccountsShown::of(app, check_rows.iter().map(|r| r.account));
    let mut extra = shown.title_spans(app);
    extra.extend(feeds_summary(theme, feeds, app.now));
    let block = pane_block(
        theme,
        title_line(theme, Pane::Health.title(), extra),
        focused,
    );
    let wide = is_wide(area);
    let mut cols = columns(wide);
    let with_account = shown == AccountsShown::Column;
    if with_account {
        cols.insert(1, Col::new("account", Holds::Value(7)));
    }
    let width = table_width(area.width);
    let selected = app.selected_index(Pane::Health);
    let (widths, rows, selected) = match drawn {
        Rows::NearSelection => {
            // Only rows near the selection can be on screen: only those get cells; the
            // columns are sized by every row, measured once while the rows are kept (every
            // cell of a kept check row is constant until it is judged again).
            let visible = near_selection(selected, check_rows.len(), area.height);
            let natural =
                check_rows.measured(u64::from(wide) | (u64::from(with_account) << 1), |all| {
                    natural_widths(
                        &cols,
                        all.iter().map(|r| cells(app, &r, wide, with_account)),
                    )
                });
            let window: Vec<Vec<Span<'static>>> = check_rows
                .range(visible.clone())
                .map(|r| cells(app, &r, wide, with_account))
                .collect();
            let (widths, rows) = lay_out_window(&cols, &natural, window, width);
            let selected = selected.min(check_rows.len().saturating_sub(1)) - visible.start;
            (widths, rows, selected)
        }
        #[cfg(test)]
        Rows::Every => {
            let all = check_rows
                .iter()
                .map(|r| cells(app, &r, wide, with_account));
            let (widths, rows) = lay_out(&cols, all.collect(), width);
            (widths, rows, selected)
        }
    };
    let header = headers(&cols);
    let errors = feed_errors(keyed.iter().map(|(place, feed)| (place, *feed)), app.now);
    let empty = empty_text(
        app,
        app.fleet.health.values(),
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
            selected,
            focused,
            empty,
            errors: &errors,
        },
    );
}

/// One check row's cells, in the order of the pane's columns.
fn cells(app: &App, r: &KeptCheckRow<'_>, wide: bool, with_account: bool) -> Vec<Span<'static>> {
    let theme = &app.theme;
    let c = r.check;
    // The healthy share belongs to its status's minute: an old one is not shown as current.
    let share = c.healthy_percent.filter(|_| c.status_is_recent(app.now));
    let checkers = match (c.checker_counts(), share) {
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
    // Calculated, inverted and disabled checks say so beside their name.
    let name = match c.qualifiers() {
        q if q.is_empty() => c.name.clone(),
        q => format!("{} [{}]", c.name, q.join(", ")),
    };
    let mut cells = vec![
        verdict_span(theme, r.eval.verdict),
        Span::raw(name),
        Span::raw(c.target_region.clone().unwrap_or_else(|| "—".into())),
        Span::styled(c.status_text(app.now), verdict_style(theme, r.eval.verdict)),
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
    if with_account {
        cells.insert(1, account_span(app, r.account));
    }
    cells
}

/// The pane's columns, with the optional ones when `wide`.
fn columns(wide: bool) -> Vec<Col> {
    if wide {
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
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::{Event, Fetched, Mode};
    use crate::config::Refresh;
    use crate::fleet::{
        CheckKind, CheckStatus, FailoverRecord, FailoverRole, HealthCheck, Snapshot, Workloads,
    };
    use crate::source::sim::Scenario;
    use crate::theme::Theme;
    use jiff::Timestamp;
    use ratatui::Terminal;
    use ratatui::backend::TestBackend;

    fn t(s: i64) -> Timestamp {
        Timestamp::from_second(1_800_000_000 + s).expect("valid")
    }

    fn check(id: &str, name: &str) -> HealthCheck {
        HealthCheck {
            id: id.into(),
            name: name.into(),
            target: format!("HTTPS {name}:443/health"),
            target_region: None,
            kind: CheckKind::Endpoint,
            inverted: false,
            disabled: false,
            status: CheckStatus::Healthy,
            status_at: Some(t(0)),
            healthy_percent: Some(100.0),
            observations: vec![],
            guards: vec![],
        }
    }

    #[test]
    fn old_statuses_show_their_age_and_kinds_are_named() {
        let now = t(20 * 60);
        let mut app = App::new(
            Mode::Demo {
                scenario: Scenario::Normal,
            },
            "test",
            &[],
            Workloads::default(),
            Refresh::default(),
            Theme::mono(),
            now,
        );
        let stopped = check("hc-old", "old.example.com");
        let mut calculated = check("hc-calc", "checkout");
        calculated.kind = CheckKind::Calculated;
        calculated.status_at = Some(now);
        let mut by_target = check("shop/A/use1", "shop.example.com");
        by_target.kind = CheckKind::AliasTarget;
        by_target.status = CheckStatus::Unknown;
        by_target.status_at = None;
        by_target.guards = vec![FailoverRecord {
            zone: "example.com".into(),
            name: "shop.example.com".into(),
            record_type: "A".into(),
            set_identifier: "use1".into(),
            role: FailoverRole::Primary,
            value: "ALIAS shop.elb.amazonaws.com".into(),
        }];
        app.update(
            Event::Fetched(Fetched::Health {
                account: None,
                result: Ok(Snapshot::new(vec![stopped, calculated, by_target], now)),
            }),
            now,
        );
        let mut terminal = Terminal::new(TestBackend::new(100, 8)).expect("test backend");
        terminal
            .draw(|frame| draw(frame, frame.area(), &app, true))
            .expect("draws");
        let screen = terminal.backend().to_string();
        let row = |name: &str| {
            screen
                .lines()
                .find(|l| l.contains(name))
                .unwrap_or_else(|| panic!("a row for {name}: {screen}"))
                .to_string()
        };
        let old = row("old.example.com");
        assert!(old.contains("? N/A") && old.contains("20m old"), "{old}");
        assert!(
            !old.contains("100%"),
            "an old share is not shown as current: {old}"
        );
        let target = row("shop.example.com");
        assert!(
            target.contains("? N/A") && target.contains("by target"),
            "{target}"
        );
        assert!(!target.contains("100%"), "{target}");
        // Column widths are the layout's; the qualifier starts right after the name.
        assert!(row("checkout").contains("checkout [calc"), "{screen}");
    }

    fn screen(app: &App, (w, h): (u16, u16), drawn: Rows) -> String {
        let mut terminal = Terminal::new(TestBackend::new(w, h)).expect("backend");
        terminal
            .draw(|f| draw_rows(f, f.area(), app, true, drawn))
            .expect("draws");
        format!("{:?}", terminal.backend().buffer())
    }

    #[test]
    fn drawing_only_the_checks_near_the_selection_draws_what_every_check_drew() {
        let start = t(0);
        let mut app = App::new(
            Mode::Demo {
                scenario: Scenario::Normal,
            },
            "test",
            &[],
            Workloads::default(),
            Refresh::demo(),
            Theme::mono(),
            start,
        );
        // 120 checks whose statuses are of different ages: some turn old (5 min) while the
        // clock moves, with names of different lengths.
        let checks: Vec<HealthCheck> = (0..120)
            .map(|i| {
                let mut c = check(
                    &format!("hc-{i:03}"),
                    &format!("api{}.example.com", "x".repeat(i % 13)),
                );
                c.status_at = Some(t(-(i as i64) * 7));
                c
            })
            .collect();
        app.update(
            Event::Fetched(Fetched::Health {
                account: None,
                result: Ok(Snapshot::new(checks, start)),
            }),
            start,
        );
        app.focus = Pane::Health;
        let count = app.kept_check_rows().len();
        let later = [0, 1, 4, 7, 65, 400];
        for (n, target) in [0, 1, 40, 70, count - 2, count - 1, count + 5]
            .into_iter()
            .enumerate()
        {
            let now = t(later[n % later.len()]);
            app.update(Event::Tick, now);
            app.selected.insert(crate::app::ListId::Health, target);
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
