//! Small pieces every pane uses: verdict cells, text sparklines, pane frames, ages.

use crate::app::App;
use crate::app::feed::{Feed, Freshness};
use crate::app::view::Provenance;
use crate::fleet::{LagSamples, Verdict, format_data_age};
use crate::theme::Theme;
use crate::ui::columns::{Col, Holds};
use jiff::Timestamp;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, BorderType, Borders};

/// How a table shows the accounts of its rows, when named accounts are in view.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccountsShown {
    /// No named accounts: the table is as it always was.
    Nothing,
    /// Every row is in this one account: the pane's title names it, and no column repeats it
    /// on every row (at 80 columns that column would cut the identifiers).
    InTitle(String),
    /// Rows of several accounts: an `account` column.
    Column,
}

impl AccountsShown {
    pub fn of<'a>(app: &App, accounts: impl Iterator<Item = Option<&'a str>>) -> Self {
        if app.fleet.accounts.is_empty() {
            return AccountsShown::Nothing;
        }
        let mut seen: Option<Option<&str>> = None;
        for account in accounts {
            match seen {
                None => seen = Some(account),
                Some(first) if first != account => return AccountsShown::Column,
                Some(_) => {}
            }
        }
        match seen {
            Some(Some(one)) => AccountsShown::InTitle(one.to_string()),
            // No rows: nothing to tell apart.
            _ => AccountsShown::Nothing,
        }
    }

    /// The title's part: the one account the rows are in.
    pub fn title_spans(&self, app: &App) -> Vec<Span<'static>> {
        match self {
            AccountsShown::InTitle(name) => {
                vec![
                    Span::raw(" "),
                    account_span(app, Some(name)),
                    Span::raw(" "),
                ]
            }
            _ => Vec::new(),
        }
    }

    /// With rows of several accounts, the `account` column at `at`, one cell per row from
    /// `accounts` (the rows' accounts, in order).
    pub fn add_column<'a>(
        &self,
        app: &App,
        at: usize,
        cols: &mut Vec<Col>,
        cells: &mut [Vec<Span<'static>>],
        accounts: impl Iterator<Item = Option<&'a str>>,
    ) {
        if *self != AccountsShown::Column {
            return;
        }
        cols.insert(at, Col::new("account", Holds::Value(7)));
        for (row, account) in cells.iter_mut().zip(accounts) {
            row.insert(at, account_span(app, account));
        }
    }
}

/// An account's name in a row: bold when it is production (the header says PROD in words).
pub fn account_span(app: &App, account: Option<&str>) -> Span<'static> {
    let cell = account_cell(app, account);
    Span::styled(cell.content.into_owned(), cell.style)
}

/// `account_span`, borrowing the name (a pane measures every row's cells at each answer).
pub fn account_cell<'a>(app: &App, account: Option<&'a str>) -> Span<'a> {
    let name = account.unwrap_or("—");
    match app.account(account) {
        Some(a) if a.is_production() => {
            Span::styled(name, app.theme.text.add_modifier(Modifier::BOLD))
        }
        _ => Span::raw(name),
    }
}

/// The accounts in view, for the header: each name, a production one followed by PROD in
/// reversed bold (a word and a style, so it reads without colour). `compact` names only the
/// production accounts and counts the others.
pub fn accounts_in_view(app: &App, compact: bool) -> Vec<Span<'static>> {
    let theme = &app.theme;
    let prod = theme.crit.add_modifier(Modifier::BOLD | Modifier::REVERSED);
    let mut spans = Vec::new();
    let mut others = 0;
    for a in &app.fleet.accounts {
        if compact && !a.is_production() {
            others += 1;
            continue;
        }
        spans.push(Span::styled(
            format!("{}{}", if spans.is_empty() { "" } else { ", " }, a.name),
            theme.dim,
        ));
        if a.is_production() {
            spans.push(Span::raw(" "));
            spans.push(Span::styled("PROD", prod));
        }
    }
    if others > 0 {
        spans.push(Span::styled(
            format!("{}+{others}", if spans.is_empty() { "" } else { " " }),
            theme.dim,
        ));
    }
    spans
}

pub fn verdict_style(theme: &Theme, v: Verdict) -> Style {
    match v {
        Verdict::Ok => theme.ok,
        Verdict::Warn => theme.warn,
        Verdict::Crit => theme.crit,
        Verdict::Unknown => theme.unknown,
    }
}

/// The verdict as symbol and word, never colour alone.
pub fn verdict_span(theme: &Theme, v: Verdict) -> Span<'static> {
    Span::styled(v.label(), verdict_style(theme, v))
}

/// How old a row's data is: its age at its shown precision (`format_data_age`), or STALE
/// when it is past twice its refresh interval (at that instant, whatever the precision).
pub fn seen_span(theme: &Theme, from: &Provenance, now: Timestamp) -> Span<'static> {
    if from.stale {
        Span::styled("STALE", theme.stale)
    } else {
        Span::styled(
            format_data_age(crate::fleet::age_between(from.fetched_at, now)),
            theme.dim,
        )
    }
}

/// The short name of a resource: the last part of an ARN (`arn:aws:ec2:…:volume/vol-0f9e`
/// is `vol-0f9e`), anything else as it is. The whole ARN is in the row's detail.
pub fn short_name(id: &str) -> &str {
    if id.starts_with("arn:") {
        id.rsplit([':', '/']).find(|s| !s.is_empty()).unwrap_or(id)
    } else {
        id
    }
}

const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/// A sparkline of lag in `width` characters, each the worst sample of its stretch of time.
/// Scaled to `ceiling` (the RPO) or the worst sample, whichever is larger, so a full bar means
/// "at or past the RPO". A stretch where replication was not active shows as `×`.
pub fn sparkline(samples: &LagSamples, width: usize, ceiling: f64) -> String {
    if samples.is_empty() || width == 0 {
        return String::new();
    }
    let max = samples
        .iter()
        .filter_map(|s| s.lag)
        .map(|d| d.as_secs_f64())
        .fold(ceiling, f64::max);
    let per = samples.len().div_ceil(width).max(1);
    let mut lags = samples
        .iter()
        .map(|s| s.lag.map(|d| d.as_secs_f64()))
        .peekable();
    let mut out = String::new();
    while lags.peek().is_some() {
        // The whole stretch is read (no short cut at a `None`), so the next starts after it.
        let mut worst = Some(0.0_f64);
        for v in lags.by_ref().take(per) {
            worst = worst.zip(v).map(|(a, v)| a.max(v));
        }
        out.push(match worst {
            None => '×',
            Some(_) if max <= 0.0 => BARS[0],
            Some(v) => {
                BARS[((v / max) * (BARS.len() - 1) as f64)
                    .round()
                    .clamp(0.0, (BARS.len() - 1) as f64) as usize]
            }
        });
    }
    out
}

/// A pane's frame: its title, how old its data is, and focus shown by border weight as well
/// as colour (so it survives NO_COLOR).
pub fn pane_block<'a>(theme: &Theme, title: Line<'a>, focused: bool) -> Block<'a> {
    Block::default()
        .borders(Borders::ALL)
        .border_type(if focused {
            BorderType::Thick
        } else {
            BorderType::Plain
        })
        .border_style(if focused {
            theme.border_focused
        } else {
            theme.border
        })
        .title(title)
}

/// " 5s ago" for fresh feeds, or which regions are stale and why, for a pane title (ages at
/// their shown precision, `format_data_age`).
pub fn feeds_summary<'a, K: std::fmt::Display + 'a, T: 'a>(
    theme: &Theme,
    feeds: impl Iterator<Item = (&'a K, &'a Feed<T>)>,
    now: Timestamp,
) -> Vec<Span<'static>> {
    let mut spans = Vec::new();
    let mut oldest_fresh: Option<std::time::Duration> = None;
    let mut waiting = 0;
    for (region, feed) in feeds {
        match feed.freshness(now) {
            Freshness::Waiting => waiting += 1,
            Freshness::Fresh => {
                let age = feed.age(now).unwrap_or_default();
                oldest_fresh = Some(oldest_fresh.map_or(age, |o| o.max(age)));
            }
            Freshness::Stale => {
                let age = feed.age(now).map_or_else(
                    || "never fetched".to_string(),
                    |a| format!("{} old", format_data_age(a)),
                );
                spans.push(Span::styled(format!(" {region} STALE {age} "), theme.stale));
            }
        }
    }
    if let Some(age) = oldest_fresh {
        spans.insert(
            0,
            Span::styled(format!(" {} ago ", format_data_age(age)), theme.dim),
        );
    }
    if waiting > 0 {
        spans.push(Span::styled(
            format!(
                " waiting for {waiting} region{} ",
                if waiting == 1 { "" } else { "s" }
            ),
            theme.dim,
        ));
    }
    spans
}

/// Failing feeds as lines: "us-east-1: timed out — rds:DescribeDBInstances: no answer (12s
/// ago)". When several calls failed, the line counts them and names each call before any
/// message, so the border shows them all: "global: 2 calls failed — route53:ListHealthChecks
/// timed out, cloudwatch:GetMetricData access denied — …".
pub fn feed_errors<'a, K: std::fmt::Display + 'a, T: 'a>(
    feeds: impl Iterator<Item = (&'a K, &'a Feed<T>)>,
    now: Timestamp,
) -> Vec<String> {
    feeds
        .filter_map(|(region, feed)| {
            let (at, err) = feed.last_error.as_ref()?;
            let age = crate::fleet::format_data_age_ago(*at, now);
            let every = err.every();
            if every.len() == 1 {
                return Some(format!("{region}: {} — {} ({age})", err.kind, err));
            }
            let calls: Vec<String> = every
                .iter()
                .map(|e| format!("{} {}", e.call, e.kind))
                .collect();
            Some(format!(
                "{region}: {} calls failed — {} — {err} ({age})",
                every.len(),
                calls.join(", ")
            ))
        })
        .collect()
}

/// A timestamp for people: UTC to the second, the way incident timelines are written.
pub fn clock_time(t: Timestamp) -> String {
    t.strftime("%Y-%m-%d %H:%M:%SZ").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fleet::LagSample;
    use std::time::Duration;

    #[test]
    fn a_resource_named_by_arn_is_shown_by_its_short_name() {
        assert_eq!(
            short_name("arn:aws:ec2:us-east-1:123456789012:volume/vol-0f9e-reports"),
            "vol-0f9e-reports"
        );
        assert_eq!(
            short_name("arn:aws:rds:us-east-1:123456789012:db:orders-primary"),
            "orders-primary"
        );
        assert_eq!(short_name("prod-use1/EBS"), "prod-use1/EBS", "not an ARN");
    }

    fn samples(lags: &[Option<u64>]) -> LagSamples {
        lags.iter()
            .enumerate()
            .map(|(i, l)| LagSample {
                at: Timestamp::from_second(i as i64 * 60).expect("valid"),
                lag: l.map(Duration::from_secs),
            })
            .collect()
    }

    #[test]
    fn sparkline_scales_to_the_rpo_and_marks_inactive_replication() {
        let s = sparkline(&samples(&[Some(0), Some(30), Some(60), None]), 4, 60.0);
        assert_eq!(s, "▁▅█×");
        let over = sparkline(&samples(&[Some(0), Some(120)]), 2, 60.0);
        assert_eq!(
            over, "▁█",
            "the worst sample sets the top once it passes the RPO"
        );
    }

    #[test]
    fn sparkline_takes_the_worst_of_each_stretch() {
        let s = sparkline(&samples(&[Some(0), Some(60), Some(0), Some(0)]), 2, 60.0);
        assert_eq!(s, "█▁");
        // A stretch that is not active is read to its end: the next starts after it.
        let s = sparkline(&samples(&[None, Some(60), Some(0), Some(0)]), 2, 60.0);
        assert_eq!(s, "×▁");
        assert_eq!(sparkline(&LagSamples::new(), 10, 60.0), "");
    }
}
