//! How a table's columns share its width: by what they hold. Identifiers get their room first;
//! what must be cut ends in `…`, never silently (a replica cut to its primary's name reads as
//! the primary). The whole value is one Enter away, in the row's detail.

use ratatui::layout::Constraint;
use ratatui::text::Span;
use ratatui::widgets::{Cell, Row};

/// What a column holds, which decides how it gives up width when the table does not fit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Holds {
    /// Short values of a known shape (verdict, region, lag, age, percentages): always whole,
    /// at least this wide, so that a column does not jitter as its values change.
    Value(u16),
    /// The name of the row's own resource (replica, vault, resource, check): cut last.
    Id,
    /// The name of another resource the row points to (a replica's source): cut before `Id`.
    Ref,
    /// A drawing of this many columns (the lag sparkline): narrowed before any name is cut.
    Chart(u16),
    /// Free text (AWS's message, a URL): cut first.
    Text,
}

impl Holds {
    /// Which columns give up width first: the lowest rank.
    fn rank(self) -> Option<u8> {
        match self {
            Holds::Value(_) => None,
            Holds::Text => Some(0),
            Holds::Chart(_) => Some(1),
            Holds::Ref => Some(2),
            Holds::Id => Some(3),
        }
    }

    /// The narrowest the column is made before a column of a higher rank gives up anything.
    fn min(self, natural: u16) -> u16 {
        match self {
            Holds::Value(_) => natural,
            Holds::Chart(_) => natural.min(4),
            Holds::Text | Holds::Ref | Holds::Id => natural.min(8),
        }
    }
}

/// One column: its header and what it holds.
#[derive(Debug, Clone, Copy)]
pub struct Col {
    pub header: &'static str,
    pub holds: Holds,
}

impl Col {
    pub const fn new(header: &'static str, holds: Holds) -> Self {
        Self { header, holds }
    }
}

/// The space between columns, as the panes' tables draw it.
const SPACING: u16 = 1;

/// The width of each column for `rows` (one span per cell) in `width` columns of text.
/// Every column first gets its natural width (its widest cell or header). When that does not
/// fit, columns give up width by rank (text, then charts, then references, then identifiers),
/// the widest of a rank first, each down to its minimum. Width left over is left blank after
/// the last column: a column padded to fill it reads as a name that is missing.
pub fn fit(cols: &[Col], rows: &[Vec<Span<'_>>], width: u16) -> Vec<u16> {
    fit_natural(cols, &natural_widths(cols, rows.iter()), width)
}

/// Each column's natural width over `rows`: its widest cell or header, and at least the
/// width a `Value` column promises; a chart's own width.
pub fn natural_widths<'s, R: AsRef<[Span<'s>]>>(
    cols: &[Col],
    rows: impl Iterator<Item = R>,
) -> Vec<u16> {
    widest(cols, rows.map(|row| cell_widths(cols, row.as_ref())))
}

/// The width of each of a row's cells as `natural_widths` counts them (a chart's as none).
pub fn cell_widths(cols: &[Col], row: &[Span<'_>]) -> Vec<u16> {
    cols.iter()
        .zip(row)
        .map(|(c, span)| match c.holds {
            Holds::Chart(_) => 0,
            _ => clamp_width(text_width(&span.content)),
        })
        .collect()
}

/// `natural_widths`, from each row's `cell_widths`.
pub fn widest<W: AsRef<[u16]>>(cols: &[Col], rows: impl Iterator<Item = W>) -> Vec<u16> {
    let mut natural: Vec<u16> = cols.iter().map(least_width).collect();
    for row in rows {
        for (n, w) in natural.iter_mut().zip(row.as_ref()) {
            *n = (*n).max(*w);
        }
    }
    natural
}

/// A column's natural width before any cell: its header, and at least the width a `Value`
/// column promises; a chart's own width.
pub fn least_width(c: &Col) -> u16 {
    match c.holds {
        Holds::Chart(w) => w,
        Holds::Value(w) => w.max(header_width(c)),
        _ => header_width(c),
    }
}

fn header_width(c: &Col) -> u16 {
    clamp_width(Span::raw(c.header).width())
}

/// `fit`, from the natural widths (`natural_widths`) of the rows.
pub fn fit_natural(cols: &[Col], natural: &[u16], width: u16) -> Vec<u16> {
    let natural = natural.to_vec();
    // Never narrower than the header either, or the header would be cut.
    let floor: Vec<u16> = cols
        .iter()
        .zip(&natural)
        .map(|(c, &n)| c.holds.min(n).max(header_width(c).min(n)))
        .collect();
    let mut widths = natural;
    let gaps = u16::try_from(cols.len().saturating_sub(1)).unwrap_or(u16::MAX);
    let room = width.saturating_sub(SPACING.saturating_mul(gaps));
    let total = |w: &[u16]| w.iter().map(|&x| u32::from(x)).sum::<u32>();
    let mut over = total(&widths).saturating_sub(u32::from(room));
    for rank in 0..=3 {
        // One column at a time off the widest: the short names of a rank stay whole.
        while over > 0 {
            let widest = (0..cols.len())
                .filter(|&i| cols[i].holds.rank() == Some(rank) && widths[i] > floor[i])
                .max_by_key(|&i| (widths[i], std::cmp::Reverse(i)));
            let Some(i) = widest else { break };
            widths[i] -= 1;
            over -= 1;
        }
    }
    widths
}

/// The columns `text` takes, as `Span::width` counts them: its length where it is printable
/// ASCII (identifiers, lags, regions: nearly every cell of 10,000 rows measured), without
/// looking each character up.
fn text_width(text: &str) -> usize {
    if text.bytes().all(|b| (b' '..=b'~').contains(&b)) {
        text.len()
    } else {
        Span::raw(text).width()
    }
}

fn clamp_width(w: usize) -> u16 {
    u16::try_from(w).unwrap_or(u16::MAX)
}

/// `text` cut to `width` columns, ending in `…` when anything was cut.
pub fn cut(text: &str, width: u16) -> String {
    let width = usize::from(width);
    if Span::raw(text).width() <= width {
        return text.to_string();
    }
    if width == 0 {
        return String::new();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in text.chars() {
        let w = Span::raw(c.to_string()).width();
        if used + w > width - 1 {
            break;
        }
        out.push(c);
        used += w;
    }
    out.push('…');
    out
}

/// The last `width` characters of a chart drawn oldest first: a narrowed chart keeps the
/// newest stretch of time.
fn newest(chart: &str, width: u16) -> String {
    let n = chart.chars().count();
    chart
        .chars()
        .skip(n.saturating_sub(usize::from(width)))
        .collect()
}

/// The table's rows and column widths for `rows` (one span per cell) in `width` columns:
/// widths from `fit`, and every cell that is too long cut with `…`, its style kept.
pub fn lay_out(
    cols: &[Col],
    rows: Vec<Vec<Span<'_>>>,
    width: u16,
) -> (Vec<Constraint>, Vec<Row<'static>>) {
    lay_out_within(cols, rows, width, 0..usize::MAX)
}

/// `lay_out`, with the cells cut and styled only for the rows in `visible`: the others become
/// empty one-line rows, which hold their place for the table's scrolling but are never drawn.
/// Every row still counts towards the column widths, so the screen is the same as `lay_out`'s
/// as long as `visible` covers the rows the table shows.
pub fn lay_out_within(
    cols: &[Col],
    rows: Vec<Vec<Span<'_>>>,
    width: u16,
    visible: std::ops::Range<usize>,
) -> (Vec<Constraint>, Vec<Row<'static>>) {
    let widths = fit(cols, &rows, width);
    let rows = rows
        .into_iter()
        .enumerate()
        .map(|(i, cells)| {
            if visible.contains(&i) {
                cut_row(cols, &widths, cells)
            } else {
                Row::new(Vec::<Cell>::new())
            }
        })
        .collect();
    (widths.into_iter().map(Constraint::Length).collect(), rows)
}

/// The table for only the rows of a window of a longer list (`window`: their cells), its
/// columns sized by the natural widths of every row of the list (`natural`). Drawn with the
/// selection less the window's start, it is the screen `lay_out` gives for the whole list,
/// as long as the window is `near_selection`'s.
pub fn lay_out_window(
    cols: &[Col],
    natural: &[u16],
    window: Vec<Vec<Span<'_>>>,
    width: u16,
) -> (Vec<Constraint>, Vec<Row<'static>>) {
    let widths = fit_natural(cols, natural, width);
    let rows = window
        .into_iter()
        .map(|cells| cut_row(cols, &widths, cells))
        .collect();
    (widths.into_iter().map(Constraint::Length).collect(), rows)
}

/// One row's cells cut to their columns' widths (a chart keeps its newest end), styles kept.
fn cut_row(cols: &[Col], widths: &[u16], cells: Vec<Span<'_>>) -> Row<'static> {
    Row::new(
        cells
            .into_iter()
            .zip(cols.iter().zip(widths))
            .map(|(span, (col, &w))| {
                let text = match col.holds {
                    Holds::Chart(_) => newest(&span.content, w),
                    _ => cut(&span.content, w),
                };
                Cell::from(Span::styled(text, span.style))
            }),
    )
}

/// The rows a table of `area_height` lines can show around `selected` among `count` rows: a
/// table drawn with a fresh state scrolls just far enough to show the selected row, so nothing
/// more than a screen away from it is on screen. Generous (a screen on each side) on purpose.
pub fn near_selection(selected: usize, count: usize, area_height: u16) -> std::ops::Range<usize> {
    let selected = selected.min(count.saturating_sub(1));
    let reach = usize::from(area_height);
    selected.saturating_sub(reach)..selected.saturating_add(reach).saturating_add(1)
}

/// The headers of `cols`, for the table's header row.
pub fn headers(cols: &[Col]) -> Vec<&'static str> {
    cols.iter().map(|c| c.header).collect()
}

/// The width a pane's table has for its columns: its area less the two borders and the
/// selection mark.
pub fn table_width(area_width: u16) -> u16 {
    area_width.saturating_sub(3)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cells_width_is_what_the_span_says_for_ascii_controls_and_wide_characters() {
        let mut texts: Vec<String> = (0u8..=127).map(|b| char::from(b).to_string()).collect();
        texts.extend(
            [
                "orders-replica-0001",
                "✔ OK",
                "東京",
                "a\tb",
                "é",
                "",
                "x\u{200b}y",
            ]
            .map(String::from),
        );
        for t in &texts {
            assert_eq!(text_width(t), Span::raw(t.as_str()).width(), "{t:?}");
        }
    }

    fn row(cells: &[&str]) -> Vec<Span<'static>> {
        cells.iter().map(|c| Span::raw(c.to_string())).collect()
    }

    const LAG: [Col; 4] = [
        Col::new("verdict", Holds::Value(7)),
        Col::new("replica", Holds::Id),
        Col::new("source", Holds::Ref),
        Col::new("1h", Holds::Chart(8)),
    ];

    #[test]
    fn everything_whole_when_it_fits_and_the_table_ends_early_without_text() {
        let rows = vec![row(&[
            "✔ OK",
            "zz-billing-mysql-dr",
            "zz-billing-mysql",
            "",
        ])];
        assert_eq!(fit(&LAG, &rows, 200), vec![7, 19, 16, 8]);
    }

    #[test]
    fn charts_then_references_give_way_before_the_rows_own_name() {
        let rows = vec![row(&[
            "✔ OK",
            "zz-billing-mysql-dr",
            "zz-billing-mysql",
            "",
        ])];
        // 7 + 19 + 16 + 8 + 3 spaces = 53: four too many.
        assert_eq!(fit(&LAG, &rows, 49), vec![7, 19, 16, 4]);
        assert_eq!(fit(&LAG, &rows, 45), vec![7, 19, 12, 4]);
        assert_eq!(fit(&LAG, &rows, 37), vec![7, 15, 8, 4]);
    }

    #[test]
    fn the_widest_name_of_a_rank_is_cut_first() {
        let cols = [Col::new("a", Holds::Id), Col::new("b", Holds::Id)];
        let rows = vec![row(&["short-name", "a-much-longer-identifier"])];
        assert_eq!(fit(&cols, &rows, 31), vec![10, 20]);
    }

    #[test]
    fn free_text_is_cut_first_and_never_padded() {
        let cols = [
            Col::new("resource", Holds::Id),
            Col::new("message", Holds::Text),
        ];
        let rows = vec![row(&[
            "vol-0f9e-reports",
            "Backup job failed: no space left",
        ])];
        assert_eq!(fit(&cols, &rows, 80), vec![16, 32], "whole, and no wider");
        assert_eq!(fit(&cols, &rows, 30), vec![16, 13]);
        assert_eq!(fit(&cols, &rows, 20), vec![11, 8]);
    }

    #[test]
    fn a_cut_name_ends_in_an_ellipsis_and_a_whole_one_does_not() {
        assert_eq!(cut("zz-billing-mysql-dr", 17), "zz-billing-mysql…");
        assert_eq!(cut("zz-billing-mysql-dr", 19), "zz-billing-mysql-dr");
        assert_eq!(cut("abc", 1), "…");
        assert_eq!(cut("abc", 0), "");
        assert_eq!(
            newest("▁▂▃▄▅▆▇█", 3),
            "▆▇█",
            "a narrowed chart keeps the newest"
        );
    }

    /// Draws `rows` as the panes do (a fresh table state with `selected`) into a small screen.
    fn drawn(widths: Vec<Constraint>, rows: Vec<Row<'static>>, selected: usize) -> String {
        use ratatui::Terminal;
        use ratatui::backend::TestBackend;
        use ratatui::widgets::{Block, Borders, Table, TableState};
        let mut terminal = Terminal::new(TestBackend::new(40, 7)).expect("backend");
        terminal
            .draw(|f| {
                let table = Table::new(rows, widths)
                    .block(Block::default().borders(Borders::ALL))
                    .highlight_symbol(">");
                let mut state = TableState::default().with_selected(Some(selected));
                f.render_stateful_widget(table, f.area(), &mut state);
            })
            .expect("draws");
        format!("{:?}", terminal.backend().buffer())
    }

    #[test]
    fn laying_out_only_the_rows_near_the_selection_draws_the_same_screen() {
        let rows: Vec<Vec<Span<'static>>> = (0..30)
            .map(|i| {
                let name = format!("replica-{}", "x".repeat(i % 7));
                row(&["✔ OK", &name, "source", "▁▂▃▄▅▆▇█"])
            })
            .collect();
        // The last selections lie past the end: the table clamps them to the last row.
        for selected in (0..30).chain([31, 45]) {
            let (all_widths, all) = lay_out(&LAG, rows.clone(), 38);
            let visible = near_selection(selected, rows.len(), 7);
            assert!(visible.len() < rows.len(), "some rows are left out");
            let (near_widths, near) = lay_out_within(&LAG, rows.clone(), 38, visible);
            assert_eq!(near_widths, all_widths, "every row still sets the widths");
            assert_eq!(
                drawn(near_widths, near, selected),
                drawn(all_widths, all, selected),
                "selection {selected}"
            );
        }
    }

    #[test]
    fn laying_out_only_a_window_of_rows_sized_by_all_draws_the_same_screen() {
        let rows: Vec<Vec<Span<'static>>> = (0..30)
            .map(|i| {
                // The widest name is far from most selections: it must still size its column.
                let name = format!("replica-{}", "x".repeat(if i == 29 { 12 } else { i % 7 }));
                row(&["✔ OK", &name, "source", "▁▂▃▄▅▆▇█"])
            })
            .collect();
        let natural = natural_widths(&LAG, rows.iter());
        for selected in (0..30).chain([31, 45]) {
            let (all_widths, all) = lay_out(&LAG, rows.clone(), 38);
            let visible = near_selection(selected, rows.len(), 7);
            let window: Vec<Vec<Span<'static>>> = rows
                .iter()
                .skip(visible.start)
                .take(visible.len())
                .cloned()
                .collect();
            assert!(window.len() < rows.len(), "some rows are left out");
            let (window_widths, shown) = lay_out_window(&LAG, &natural, window, 38);
            assert_eq!(window_widths, all_widths, "every row still sets the widths");
            let local = selected.min(rows.len() - 1) - visible.start;
            assert_eq!(
                drawn(window_widths, shown, local),
                drawn(all_widths, all, selected),
                "selection {selected}"
            );
        }
    }
}
