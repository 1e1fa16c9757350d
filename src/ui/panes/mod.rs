//! The three live panes. Each draws from `&App` only.

pub mod backups;
pub mod health;
pub mod lag;

use crate::app::App;
use crate::app::feed::Feed;
use crate::theme::Theme;
use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Row, Table, TableState, Wrap};

/// What a pane's table consists of.
pub(crate) struct PaneTable<'a> {
    pub block: ratatui::widgets::Block<'a>,
    pub header: &'a [&'a str],
    pub widths: &'a [Constraint],
    pub rows: Vec<Row<'a>>,
    pub selected: usize,
    pub focused: bool,
    /// Shown instead of the table when it has no rows.
    pub empty: String,
    /// Fetch failures; the first is shown on the bottom border.
    pub errors: &'a [String],
}

/// Draws a table with its selection, or a one-line notice when it has no rows.
pub(crate) fn draw_table(frame: &mut Frame, area: Rect, app: &App, t: PaneTable<'_>) {
    let theme = &app.theme;
    let block = match t.errors.first() {
        Some(first) => t
            .block
            .title_bottom(Line::from(Span::styled(first.clone(), theme.error))),
        None => t.block,
    };
    if t.rows.is_empty() {
        let text = Paragraph::new(Line::from(Span::styled(t.empty, theme.dim)))
            .block(block)
            .wrap(Wrap { trim: true });
        frame.render_widget(text, area);
        return;
    }
    let table = Table::new(t.rows, t.widths.to_vec())
        .header(Row::new(t.header.iter().map(|h| h.to_string())).style(theme.table_header))
        .column_spacing(1)
        .block(block)
        .style(theme.text)
        .row_highlight_style(if t.focused {
            theme.selected
        } else {
            theme.text
        })
        .highlight_symbol(if t.focused { "›" } else { " " });
    let mut state = TableState::default().with_selected(Some(t.selected));
    frame.render_stateful_widget(table, area, &mut state);
}

/// What an empty table says: that nothing has arrived yet, that the filter hides everything,
/// or that there really is nothing (`none`).
pub(crate) fn empty_text<'a, T: 'a>(
    app: &App,
    mut feeds: impl Iterator<Item = &'a Feed<T>>,
    what: &str,
    none: &str,
) -> String {
    if feeds.all(|f| f.last_good.is_none() && f.last_error.is_none()) {
        format!("waiting for the first {what} data…")
    } else if !app.filter.is_empty() {
        format!(
            "nothing matches the filter `{}` (Esc clears it)",
            app.filter
        )
    } else {
        none.to_string()
    }
}

/// Whether the area is wide enough for the optional columns.
pub(crate) fn is_wide(area: Rect) -> bool {
    area.width >= 120
}

pub(crate) fn title_line<'a>(theme: &Theme, title: &str, extra: Vec<Span<'static>>) -> Line<'a> {
    let mut spans = vec![Span::styled(format!(" {title} "), theme.title)];
    spans.extend(extra);
    Line::from(spans)
}
