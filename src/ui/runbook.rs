//! The run view (beside the panes when wide, above the focused pane at 80 columns) and the
//! runbook picker. Pure functions of `&App`, like the rest of the UI.
//!
//! Every state reads without colour: steps carry a symbol and, where it matters, a word.

use crate::app::App;
use crate::app::runbook::{Purpose, RunInput};
use crate::fleet::{age_between, format_duration};
use crate::runbook::act::shell::{SHELL, SHELL_FLAGS};
use crate::runbook::exec::work::Check;
use crate::runbook::exec::{NextMove, Resolved, Run, RunOutcome, StepState};
use crate::runbook::lang::params;
use crate::theme::Theme;
use crate::ui::widgets::clock_time;
use ratatui::Frame;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders, Clear, Paragraph, Wrap};

/// At least this wide, the run view sits beside the panes and lists the steps by title.
const BESIDE_WIDTH: u16 = 120;
/// Rows left to the focused pane under the run view when they are stacked.
const PANE_ROWS: u16 = 7;

/// Where the body's parts go.
pub enum Split {
    PanesOnly,
    /// Wide: the panes on the left, the run view on the right.
    Beside {
        panes: Rect,
        run: Rect,
    },
    /// Narrow: the run view on top, the focused pane below it.
    Above {
        run: Rect,
        pane: Rect,
    },
}

pub fn split(app: &App, body: Rect) -> Split {
    if app.runbooks.run.is_none() || !app.runbooks.visible {
        return Split::PanesOnly;
    }
    if body.width >= BESIDE_WIDTH {
        let [panes, run] =
            Layout::horizontal([Constraint::Percentage(45), Constraint::Percentage(55)])
                .areas(body);
        Split::Beside { panes, run }
    } else {
        let pane_rows = if body.height >= 12 + PANE_ROWS {
            PANE_ROWS
        } else {
            0
        };
        let [run, pane] =
            Layout::vertical([Constraint::Fill(1), Constraint::Length(pane_rows)]).areas(body);
        Split::Above { run, pane }
    }
}

fn fit(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        text.to_string()
    } else {
        let mut out: String = text.chars().take(width.saturating_sub(1)).collect();
        out.push('…');
        out
    }
}

/// The symbol a step's state reads as.
pub fn symbol(state: StepState, current: bool) -> &'static str {
    match state {
        StepState::Pending if current => "▶",
        StepState::Pending => "·",
        StepState::Running => "⟳",
        StepState::Done => "✔",
        StepState::Failed => "✖",
        StepState::Skipped => "↷",
        StepState::InDoubt => "?",
    }
}

fn state_style(theme: &Theme, state: StepState, current: bool) -> Style {
    match state {
        _ if current => theme.selected,
        StepState::Pending => theme.dim,
        StepState::Running => theme.warn,
        StepState::Done => theme.ok,
        StepState::Failed => theme.crit,
        StepState::Skipped => theme.dim,
        StepState::InDoubt => theme.warn,
    }
}

pub fn draw(frame: &mut Frame, area: Rect, app: &App) {
    let Some(run) = app.runbooks.run.as_ref() else {
        return;
    };
    let theme = &app.theme;
    let now = app.now;
    let book = &run.book;
    let progress = match (&run.state.finished, run.state.current) {
        (Some((_, RunOutcome::Completed)), _) => format!(
            " DONE in {} · RTO {} ",
            format_duration(run.elapsed(now)),
            format_duration(book.rto)
        ),
        (Some((_, RunOutcome::Aborted(_))), _) => " ABORTED ".to_string(),
        (None, current) => format!(
            " step {}/{} · {} of RTO {} ",
            current.map_or(0, |i| i + 1),
            book.steps.len(),
            format_duration(run.elapsed(now)),
            format_duration(book.rto)
        ),
    };
    let room = usize::from(area.width).saturating_sub(progress.chars().count() + 14);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Thick)
        .border_style(theme.border_focused)
        .title(Line::from(vec![
            Span::styled(" Runbook ", theme.title),
            Span::styled(format!("{} ", fit(&book.title, room)), theme.text),
        ]))
        .title_top(Line::from(Span::styled(progress, theme.accent)).right_aligned());
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let [content, footer] =
        Layout::vertical([Constraint::Fill(1), Constraint::Length(2)]).areas(inner);
    let wide = area.width >= 90;
    let detail_area = if wide {
        let list_width = (inner.width / 3).clamp(24, 40);
        let [list, detail] =
            Layout::horizontal([Constraint::Length(list_width), Constraint::Fill(1)])
                .areas(content);
        frame.render_widget(
            Paragraph::new(step_list(app, run, usize::from(list_width))).block(
                Block::default()
                    .borders(Borders::RIGHT)
                    .border_style(theme.border),
            ),
            list,
        );
        Rect {
            x: detail.x + 1,
            width: detail.width.saturating_sub(1),
            ..detail
        }
    } else {
        let [strip, detail] =
            Layout::vertical([Constraint::Length(1), Constraint::Fill(1)]).areas(content);
        frame.render_widget(Paragraph::new(step_strip(app, run)), strip);
        detail
    };
    let lines = if app.runbooks.show_log {
        log_lines(app, run, detail_area)
    } else if run.is_over() {
        summary_lines(app, run, usize::from(detail_area.width))
    } else {
        detail_lines(app, run, wide)
    };
    frame.render_widget(
        Paragraph::new(lines)
            .style(theme.text)
            .wrap(Wrap { trim: false }),
        detail_area,
    );
    frame.render_widget(
        Paragraph::new(footer_lines(app, run)).style(theme.text),
        footer,
    );
}

fn step_list(app: &App, run: &Run, width: usize) -> Vec<Line<'static>> {
    let theme = &app.theme;
    run.state
        .steps
        .iter()
        .zip(&run.book.steps)
        .enumerate()
        .map(|(i, (state, step))| {
            let current = run.state.current == Some(i);
            let text = format!(
                "{} {:>2} {}",
                symbol(state.state, current),
                i + 1,
                step.title
            );
            Line::from(Span::styled(
                fit(&text, width.saturating_sub(1)),
                state_style(theme, state.state, current),
            ))
        })
        .collect()
}

/// The steps as one line of symbols, for narrow screens: `✔1 ✔2 [▶3] ·4`.
fn step_strip(app: &App, run: &Run) -> Line<'static> {
    let theme = &app.theme;
    let mut spans = vec![Span::styled("Steps ", theme.dim)];
    for (i, s) in run.state.steps.iter().enumerate() {
        let current = run.state.current == Some(i);
        let text = if current {
            format!("[{}{}]", symbol(s.state, true), i + 1)
        } else {
            format!("{}{}", symbol(s.state, false), i + 1)
        };
        spans.push(Span::styled(text, state_style(theme, s.state, current)));
        spans.push(Span::raw(" "));
    }
    Line::from(spans)
}

fn check_line(theme: &Theme, check: &Check, now: jiff::Timestamp) -> Line<'static> {
    let (mark, style) = match check.holds {
        Some(true) => ("✔", theme.ok),
        Some(false) => ("✖", theme.crit),
        None => ("?", theme.unknown),
    };
    let mut spans = vec![
        Span::styled(format!("{mark} "), style),
        Span::raw(format!("{} — {}", check.label, check.detail)),
    ];
    if let Some(at) = check.observed_at {
        spans.push(Span::styled(
            format!(" ({} old)", format_duration(age_between(at, now))),
            theme.dim,
        ));
    }
    Line::from(spans)
}

fn detail_lines(app: &App, run: &Run, wide: bool) -> Vec<Line<'static>> {
    let theme = &app.theme;
    let now = app.now;
    let Some(index) = run.state.current else {
        return Vec::new();
    };
    let step = &run.book.steps[index];
    let state = &run.state.steps[index];
    let live = &run.live[index];
    let resolved = &run.resolved[index];
    let destructive = run.shows_destructive(index);
    let mut header = vec![Span::styled(
        format!("{}/{} {}", index + 1, run.book.steps.len(), step.title),
        theme.title,
    )];
    header.push(Span::styled(format!(" · {}", step.body.word()), theme.dim));
    if destructive {
        header.push(Span::styled(" · DESTRUCTIVE", theme.crit));
    }
    if let Some(account) = production_account_changed(app, run, index) {
        header.push(Span::styled(
            format!(" · PRODUCTION account {account}"),
            theme.crit.add_modifier(Modifier::BOLD),
        ));
    }
    if state.state != StepState::Pending {
        header.push(Span::styled(
            format!(" · {}", state.state.word()),
            state_style(theme, state.state, false),
        ));
    }
    if state.attempt > 1 || (state.attempt == 1 && state.state == StepState::Pending) {
        header.push(Span::styled(
            format!(" · attempt {}", state.attempt + 1),
            theme.dim,
        ));
    }
    let mut lines = vec![Line::from(header)];
    if let Some((failed, message)) = &app.runbooks.audit_failure
        && *failed == run.id
    {
        lines.push(Line::from(Span::styled(
            format!("✖ AUDIT LOG FAILED: {message}: no action of this run will be sent"),
            theme.crit,
        )));
    }
    if let Some(reason) = &state.limit_lifted {
        lines.push(Line::from(Span::styled(
            format!(
                "LIMIT LIFTED by the operator ({}): the change runs without it; writes within the lag are lost",
                run.params.hide_secrets(reason)
            ),
            theme.warn,
        )));
    }
    if state.state == StepState::InDoubt {
        lines.push(Line::from(Span::styled(
            format!(
                "IN DOUBT: the session was lost after attempt {} was sent and before its result was recorded. It may or may not have happened; nothing is sent again without you.",
                state.attempt
            ),
            theme.warn,
        )));
        if let Some(needed) = run.cannot_tell_needs() {
            lines.push(Line::from(Span::styled(
                format!(
                    "ripcord CANNOT TELL whether it happened: its end state cannot be read. Sending it again needs `{needed}` typed.",
                ),
                theme.crit,
            )));
        }
    }
    // What goes last when space is short: on a narrow screen the live values come before the
    // runbook's prose and the longer explanations, so they are never cut off.
    let mut later: Vec<Line<'static>> = Vec::new();
    let prose = step
        .prose
        .iter()
        .filter(|l| !l.is_empty())
        .map(|l| Line::from(Span::styled(l.clone(), theme.dim)));
    if wide {
        lines.extend(prose);
    } else {
        later.extend(prose);
    }
    match resolved {
        Resolved::Manual => {
            if step.checklist.is_empty() {
                lines.push(Line::from("Manual step: do it, then press Enter."));
            }
            for (n, item) in step.checklist.iter().enumerate() {
                let (mark, style) = if n < state.ticked {
                    ("☑", theme.ok)
                } else if n == state.ticked {
                    ("▶☐", theme.selected)
                } else {
                    ("☐", theme.text)
                };
                lines.push(Line::from(Span::styled(format!("{mark} {item}"), style)));
            }
        }
        Resolved::Action { op, .. } => {
            lines.push(Line::from(vec![
                Span::styled("action ", theme.dim),
                Span::styled(op.kind().name().to_string(), theme.accent),
            ]));
            // A secret parameter's value is never drawn: the description says where it goes.
            let described = op
                .describe()
                .into_iter()
                .map(|l| run.params.hide_secrets(&l));
            for (n, line) in described.enumerate() {
                if wide || n == 0 {
                    lines.push(Line::from(line));
                } else {
                    later.insert(n - 1, Line::from(line));
                }
            }
        }
        Resolved::Gate { probe, otherwise } => {
            let mut spans = vec![
                Span::styled("gate ", theme.dim),
                Span::styled(run.params.hide_secrets(&probe.describe()), theme.accent),
            ];
            if let Some(target) = otherwise {
                let to = match target {
                    crate::runbook::lang::model::Target::Step(j) => {
                        run.book.steps[*j].title.clone()
                    }
                    crate::runbook::lang::model::Target::End => "the end".to_string(),
                };
                spans.push(Span::styled(format!("; if not, go to: {to}"), theme.dim));
            }
            lines.push(Line::from(spans));
        }
        Resolved::Wait { probe, timeout } => {
            lines.push(Line::from(vec![
                Span::styled("wait until ", theme.dim),
                Span::styled(run.params.hide_secrets(&probe.describe()), theme.accent),
                Span::styled(format!(" (up to {})", format_duration(*timeout)), theme.dim),
            ]));
        }
        Resolved::Shell {
            script,
            env,
            timeout,
            ..
        } => {
            // Every line as it is, unless a character of the script would not be seen as
            // itself (a tab, a carriage return before the newline, a control or direction-
            // changing character, a trailing space): then every line escaped, and said so.
            let script_lines: Vec<&str> = script
                .strip_suffix('\n')
                .unwrap_or(script)
                .split('\n')
                .collect();
            let escaped = script_lines
                .iter()
                .any(|l| l.ends_with(' ') || !l.chars().all(params::prints_as_itself));
            lines.push(Line::from(Span::styled(
                format!(
                    "{SHELL} {} -c SCRIPT (up to {}), exactly this script{}:",
                    SHELL_FLAGS.join(" "),
                    format_duration(*timeout),
                    if escaped {
                        ", shown escaped as it holds characters that do not print (\\t a tab, \\r a carriage return, \\\\ a backslash)"
                    } else {
                        ""
                    }
                ),
                theme.dim,
            )));
            for line in script_lines {
                let line = if escaped {
                    line.escape_debug().to_string()
                } else {
                    line.to_string()
                };
                lines.push(Line::from(Span::styled(format!("│ {line}"), theme.accent)));
            }
            lines.push(Line::from(Span::styled(
                "with these environment variables (parameters never enter the script; a value in quotes is escaped):",
                theme.dim,
            )));
            for var in &env.0 {
                let value = if var.secret {
                    params::REDACTED.to_string()
                } else {
                    params::exact(&var.value)
                };
                lines.push(Line::from(format!("  {}={value}", var.name)));
            }
        }
    }
    let mut readings_lines = Vec::new();
    if let Some(readings) = &live.readings {
        let what = match resolved {
            _ if state.state == StepState::InDoubt => "live end state",
            Resolved::Action { .. } => "pre-checks",
            _ => "live value",
        };
        readings_lines.push(Line::from(Span::styled(
            format!(
                "{what}, read {} ago{}:",
                format_duration(age_between(readings.at, now)),
                if live.is_inspecting() {
                    " (reading again)"
                } else {
                    ""
                }
            ),
            theme.dim,
        )));
        for check in &readings.checks {
            readings_lines.push(check_line(theme, check, now));
        }
    } else if live.is_inspecting() {
        readings_lines.push(Line::from(Span::styled("reading live values…", theme.dim)));
    }
    let mut result_lines = Vec::new();
    if state.state == StepState::Failed
        && let Some(note) = &state.note
    {
        result_lines.push(Line::from(Span::styled(
            format!("✖ FAILED: {note}"),
            theme.crit,
        )));
    }
    if !live.output.is_empty() {
        let keep = if wide { 12 } else { 5 };
        result_lines.push(Line::from(Span::styled("output:", theme.dim)));
        let from = live.output.len().saturating_sub(keep);
        for line in &live.output[from..] {
            result_lines.push(Line::from(format!("  {line}")));
        }
    }
    // Before the step runs, the live values decide; once it ran, what it did matters more.
    if matches!(state.state, StepState::Pending | StepState::InDoubt) {
        lines.extend(readings_lines);
        lines.extend(result_lines);
    } else {
        lines.extend(result_lines);
        lines.extend(readings_lines);
    }
    lines.extend(later);
    lines
}

fn summary_lines(app: &App, run: &Run, width: usize) -> Vec<Line<'static>> {
    let theme = &app.theme;
    let now = app.now;
    let mut lines = Vec::new();
    let elapsed = run.elapsed(now);
    match &run.state.finished {
        Some((at, RunOutcome::Completed)) => {
            let within = elapsed <= run.book.rto;
            lines.push(Line::from(vec![
                Span::styled("✔ Completed", theme.ok),
                Span::raw(format!(
                    " at {} in {} — RTO {}: ",
                    clock_time(*at),
                    format_duration(elapsed),
                    format_duration(run.book.rto)
                )),
                Span::styled(
                    if within { "within" } else { "MISSED" },
                    if within { theme.ok } else { theme.crit },
                ),
            ]));
        }
        Some((at, RunOutcome::Aborted(reason))) => lines.push(Line::from(vec![
            Span::styled("✖ ABORTED", theme.crit),
            Span::raw(format!(" at {}: {reason}", clock_time(*at))),
        ])),
        None => {}
    }
    let count = |s: StepState| run.state.steps.iter().filter(|x| x.state == s).count();
    lines.push(Line::from(format!(
        "{} done · {} skipped · {} failed · {} not taken",
        count(StepState::Done),
        count(StepState::Skipped),
        count(StepState::Failed),
        count(StepState::Pending)
    )));
    for (i, s) in run.state.steps.iter().enumerate() {
        let title = &run.book.steps[i].title;
        let note = match (s.state, &s.note) {
            (StepState::Pending, _) => "not taken".to_string(),
            (StepState::Running, _) => "still running when the run was aborted".to_string(),
            (_, Some(note)) => note.clone(),
            (_, None) => String::new(),
        };
        let measured = s
            .measured
            .map(|m| {
                format!(
                    " [measured {} vs RTO {}]",
                    format_duration(m),
                    format_duration(run.book.rto)
                )
            })
            .unwrap_or_default();
        lines.push(Line::from(Span::styled(
            fit(
                &format!(
                    "{} {} {title}{measured}: {note}",
                    symbol(s.state, false),
                    i + 1
                ),
                width,
            ),
            state_style(theme, s.state, false),
        )));
    }
    lines.push(Line::from(Span::styled(
        format!(
            "run {} · {} log entries (L shows them)",
            run.id,
            run.log.len()
        ),
        theme.dim,
    )));
    lines
}

/// The newest entries of the run log, one line each, so the latest is always in view.
fn log_lines(app: &App, run: &Run, area: Rect) -> Vec<Line<'static>> {
    let theme = &app.theme;
    let keep = usize::from(area.height).max(1);
    let width = usize::from(area.width);
    let from = run.log.len().saturating_sub(keep);
    run.log[from..]
        .iter()
        .map(|e| {
            let step = e
                .step
                .as_ref()
                .and_then(|id| run.book.steps.iter().position(|s| s.id == *id))
                .map(|i| format!("#{} ", i + 1))
                .unwrap_or_default();
            let time = format!("{} ", e.at.strftime("%H:%M:%S"));
            let text = run
                .params
                .hide_secrets(&format!("{step}{}", e.event.describe()));
            Line::from(vec![
                Span::styled(time.clone(), theme.dim),
                Span::raw(fit(&text, width.saturating_sub(time.len()))),
            ])
        })
        .collect()
}

fn footer_lines(app: &App, run: &Run) -> Vec<Line<'static>> {
    let theme = &app.theme;
    let key = |k: &str, what: &str| {
        vec![
            Span::styled(format!(" {k}"), theme.bar_key),
            Span::styled(format!(" {what} "), theme.text),
        ]
    };
    if let Some(RunInput { purpose, text }) = &app.runbooks.input {
        let ask = match purpose {
            Purpose::Confirm(name) => match run
                .state
                .current
                .and_then(|i| production_account_changed(app, run, i))
            {
                // Said first: a long name must not push it off a narrow screen.
                Some(account) => format!(
                    "PRODUCTION account {account} · Type {} to confirm: ",
                    params::exact(name)
                ),
                None => format!("Type {} to confirm: ", params::exact(name)),
            },
            Purpose::Skip => "Why skip this step? ".to_string(),
            Purpose::Otherwise => "Why take the gate's otherwise way? ".to_string(),
            Purpose::LiftLimit => {
                "Why lift the limit (writes within the lag are lost)? ".to_string()
            }
            Purpose::Abort => "Why abort the run? ".to_string(),
        };
        let keys: Vec<Span> = [key("Enter", "submit"), key("Esc", "cancel")].concat();
        return vec![
            Line::from(vec![
                Span::styled(ask, theme.warn),
                Span::styled(format!("{text}█"), theme.text),
            ]),
            Line::from(keys),
        ];
    }
    if run.is_over() {
        return vec![
            Line::default(),
            Line::from(
                [
                    key("L", "log"),
                    key("r", "another run"),
                    key("Esc", "close"),
                ]
                .concat(),
            ),
        ];
    }
    let now = app.now;
    let status = match run.state.current {
        Some(i) if run.state.steps[i].state == StepState::Running => Line::from(Span::styled(
            format!(
                "⟳ running for {}…",
                format_duration(
                    run.state.steps[i]
                        .started_at
                        .map_or(std::time::Duration::ZERO, |t| age_between(t, now))
                )
            ),
            theme.warn,
        )),
        _ => match run.next_move(now) {
            Ok(next) => Line::from(Span::styled(enter_text(&next), theme.ok)),
            Err(why) => Line::from(Span::styled(format!("✖ {why}"), theme.crit)),
        },
    };
    vec![
        status,
        Line::from(
            [
                key("Enter", "confirm"),
                key("s", "skip"),
                key("r", "retry"),
                key("a", "abort"),
                key("L", "log"),
                key("Esc", "hide"),
            ]
            .concat(),
        ),
    ]
}

/// The production account step `index` changes, when it is an action on a resource the rows
/// place in an account marked production: the operator is told before confirming. Told by
/// the same placement that picks the account the step acts in (`placement`).
fn production_account_changed(app: &App, run: &Run, index: usize) -> Option<String> {
    let Resolved::Action { op, .. } = run.resolved.get(index)? else {
        return None;
    };
    crate::placement::production_account_of(&app.fleet, op)
}

/// What Enter will do now, as the executor decided it (`Run::next_move`), in words.
fn enter_text(next: &NextMove) -> String {
    match next {
        NextMove::AcceptEndState => {
            "Enter accepts it as done: the end state holds (nothing is sent)".to_string()
        }
        NextMove::SendAgain {
            typed: Some(name),
            cannot_tell: true,
        } => format!(
            "ripcord cannot tell whether it happened: Enter, then type {}, sends it again; s skips it with a reason if it did",
            params::exact(name)
        ),
        NextMove::SendAgain {
            typed: Some(name), ..
        } => format!("Enter, then type {}, sends it again", params::exact(name)),
        NextMove::SendAgain { typed: None, .. } => {
            "Enter sends it again; s skips it with a reason if it already happened".to_string()
        }
        NextMove::TickItem => "Enter ticks the next item once it is done".to_string(),
        NextMove::MarkDone => "Enter marks the step done".to_string(),
        NextMove::AcceptGate { otherwise: true } => {
            "Enter accepts the gate; o takes its otherwise way (with a reason)".to_string()
        }
        NextMove::AcceptGate { otherwise: false } => {
            "Enter accepts the gate and goes on".to_string()
        }
        NextMove::StartWaiting => "Enter starts waiting".to_string(),
        NextMove::Run { typed: Some(name) } => {
            format!("Enter, then type {}, runs it", params::exact(name))
        }
        NextMove::Run { typed: None } => "Enter runs it".to_string(),
    }
}

/// The runbook picker, over the body.
pub fn draw_picker(frame: &mut Frame, body: Rect, app: &App) {
    let Some(selected) = app.runbooks.picker else {
        return;
    };
    let theme = &app.theme;
    let [v] = Layout::vertical([Constraint::Percentage(80)])
        .flex(Flex::Center)
        .areas(body);
    let [area] = Layout::horizontal([Constraint::Percentage(90)])
        .flex(Flex::Center)
        .areas(v);
    frame.render_widget(Clear, area);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_type(BorderType::Double)
        .border_style(theme.border_focused)
        .title(Span::styled(
            " Runbooks — Enter runs · Esc closes ",
            theme.title,
        ));
    let width = usize::from(area.width.saturating_sub(4));
    let entries = &app.runbooks.library.entries;
    let unfinished = &app.runbooks.unfinished;
    let name_width = entries.iter().map(|e| e.name.len()).max().unwrap_or(0) + 2;
    let mut lines: Vec<Line> = Vec::new();
    if !unfinished.is_empty() {
        lines.push(Line::from(Span::styled(
            "Unfinished runs (from the audit log) — Enter resumes:",
            theme.warn,
        )));
        for (i, r) in unfinished.iter().enumerate() {
            let marker = if i == selected { "›" } else { " " };
            let mut text = format!(
                "{marker} ↻ {} — at {}",
                r.id,
                r.at_step.as_deref().unwrap_or("the start")
            );
            if let Some(step) = &r.in_doubt {
                text.push_str(&format!(" · IN DOUBT: {step}"));
            }
            if r.locked_by.is_some() {
                text.push_str(" · being carried out elsewhere");
            }
            let style = if i == selected {
                theme.selected
            } else {
                theme.warn
            };
            lines.push(Line::from(Span::styled(fit(&text, width), style)));
        }
        lines.push(Line::from(Span::styled("Runbooks:", theme.dim)));
    }
    let selected_entry = selected.checked_sub(unfinished.len());
    lines.extend(entries.iter().enumerate().map(|(i, e)| {
        let marker = if Some(i) == selected_entry {
            "›"
        } else {
            " "
        };
        let broken = e.loaded.is_err();
        let text = format!("{marker} {:<name_width$}{}", e.name, e.title());
        let style = match (Some(i) == selected_entry, broken) {
            (true, _) => theme.selected,
            (false, true) => theme.crit,
            (false, false) => theme.text,
        };
        Line::from(Span::styled(fit(&text, width), style))
    }));
    if let Some(r) = unfinished.get(selected) {
        lines.push(Line::default());
        lines.push(Line::from(Span::styled(
            format!(
                "{} · started {} · {} records · {}",
                r.runbook,
                r.started.strftime("%Y-%m-%d %H:%M:%S UTC"),
                r.records,
                r.state_word()
            ),
            theme.dim,
        )));
        lines.push(Line::from(
            "Resuming rebuilds the run from its audit log: finished steps stay done; a step sent without a recorded result is IN DOUBT and is not sent again until you have seen its live end state.",
        ));
    }
    if let Some(entry) = selected_entry.and_then(|i| entries.get(i)) {
        lines.push(Line::default());
        let origin = match &entry.origin {
            crate::runbook::lang::library::Origin::BuiltIn => "built in".to_string(),
            crate::runbook::lang::library::Origin::File(p) => p.display().to_string(),
        };
        match &entry.loaded {
            Ok(book) => {
                lines.push(Line::from(Span::styled(
                    format!(
                        "{} · {} steps · RTO {}{}",
                        origin,
                        book.steps.len(),
                        format_duration(book.rto),
                        book.rpo
                            .map(|r| format!(" · RPO {}", format_duration(r)))
                            .unwrap_or_default()
                    ),
                    theme.dim,
                )));
                lines.push(Line::from(book.summary.clone()));
                let params: Vec<String> = book
                    .params
                    .iter()
                    .map(|p| match (&p.default, p.secret) {
                        (_, true) => format!("{}=••••••", p.name),
                        (Some(d), false) => format!("{}={d}", p.name),
                        (None, false) if p.required => format!("{}=?", p.name),
                        (None, false) => format!("{}=(optional)", p.name),
                    })
                    .collect();
                if !params.is_empty() {
                    lines.push(Line::from(Span::styled(
                        format!("parameters: {}", params.join(" ")),
                        theme.dim,
                    )));
                }
            }
            Err(problems) => {
                lines.push(Line::from(Span::styled(
                    format!("{origin}: cannot run, fix these first:"),
                    theme.crit,
                )));
                for p in problems {
                    lines.push(Line::from(p.to_string()));
                }
            }
        }
    }
    frame.render_widget(
        Paragraph::new(lines)
            .block(block)
            .style(theme.text)
            .wrap(Wrap { trim: false }),
        area,
    );
}

/// Badges for the status bar: READ-ONLY, and a run going on behind the panes.
pub fn status_badges(app: &App) -> Vec<Span<'static>> {
    let theme = &app.theme;
    let mut spans = Vec::new();
    if app.read_only {
        spans.push(Span::styled(" READ-ONLY ", theme.warn));
    }
    if let Some(run) = app.runbooks.active()
        && app
            .runbooks
            .audit_failure
            .as_ref()
            .is_some_and(|(failed, _)| *failed == run.id)
    {
        spans.push(Span::styled(" AUDIT LOG FAILED ", theme.crit));
    }
    if let Some(run) = app.runbooks.active()
        && !app.runbooks.visible
    {
        spans.push(Span::styled(
            format!(
                " RUN {}/{} (r) ",
                run.state.current.map_or(0, |i| i + 1),
                run.book.steps.len()
            ),
            theme.warn,
        ));
    }
    spans
}

/// Where the audit log of the run going on is written, for the status bar (after any message).
pub fn audit_badge(app: &App) -> Option<Span<'static>> {
    let run = app.runbooks.active()?;
    let failed = app
        .runbooks
        .audit_failure
        .as_ref()
        .is_some_and(|(failed, _)| *failed == run.id);
    let dir = app.runbooks.audit_dir.as_ref().filter(|_| !failed)?;
    Some(Span::styled(format!(" audit {dir} "), app.theme.bar))
}

#[cfg(test)]
mod tests;
