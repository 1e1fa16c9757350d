//! The lag history in a replica's detail: a row of characters per span (24 h, 7 d) against
//! the RPO, the share of time within it, and how old the history is. Told by glyphs, not by
//! colour alone, so it reads the same in 16 colours and under NO_COLOR:
//!
//! - `▁`…`▇` a period's worst lag as a share of the RPO (`▇` is at the RPO);
//! - `!` over the RPO (the line crossed);
//! - `×` replication not active;
//! - `·` no datapoint (a gap).
//!
//! Each character stands for several periods and shows the worst of them: a stop or a crossing
//! of the line is never hidden behind good periods, and a gap is never shown as a good one.

use crate::app::App;
use crate::app::feed::Feed;
use crate::fleet::{
    HistorySpan, LagHistory, LagSeries, PeriodLag, Replica, format_age, format_duration,
};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use std::time::Duration;

/// The label column of the detail, as `overlay::field` draws it.
pub const LABEL: usize = 17;
/// At most this many characters a row: 24 h in half hours, 7 d in four-hour steps.
const DAY_CHARS: usize = 48;
const WEEK_CHARS: usize = 42;

const BARS: [char; 7] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇'];
const OVER: char = '!';
const NOT_ACTIVE: char = '×';
const GAP: char = '·';

/// The history's lines for `replica`, in a detail `width` characters wide inside its border.
pub fn lines(app: &App, replica: &Replica, rpo: Duration, width: u16) -> Vec<Line<'static>> {
    let theme = &app.theme;
    let asked: Option<&Feed<LagHistory>> = app
        .lag_history
        .as_ref()
        .filter(|(of, _)| of.is(replica))
        .map(|(_, feed)| feed);
    let label = |name: &str| Span::styled(format!(" {name:<16}"), theme.dim);
    let note = |name: &str, text: String, style: Style| {
        Line::from(vec![label(name), Span::styled(text, style)])
    };
    let Some(feed) = asked else {
        return vec![note(
            "lag history",
            "cannot tell: not fetched for this replica (Esc, then Enter)".into(),
            theme.unknown,
        )];
    };
    let Some(snapshot) = &feed.last_good else {
        let text = match &feed.last_error {
            Some((at, e)) => format!("cannot tell: {e} ({})", format_age(*at, app.now)),
            None => "cannot tell yet: fetching the last 24h and 7d…".to_string(),
        };
        return vec![note("lag history", text, theme.unknown)];
    };
    let history = &snapshot.data;
    let newest = history.newest().map_or_else(
        || "no datapoint at all".to_string(),
        |s| format!("newest datapoint {}", format_age(s.at, app.now)),
    );
    let mut out = vec![note(
        "lag history",
        format!(
            "fetched {}, {newest}",
            format_age(snapshot.fetched_at, app.now)
        ),
        theme.text,
    )];
    let room = usize::from(width).saturating_sub(LABEL + 1).max(8);
    for span in HistorySpan::ALL {
        let series = history.span(span);
        let chars = match span {
            HistorySpan::Day => DAY_CHARS,
            HistorySpan::Week => WEEK_CHARS,
        }
        .min(room);
        let name = match span {
            HistorySpan::Day => "24h by 5m",
            HistorySpan::Week => "7d by 1h",
        };
        let mut row = vec![label(name)];
        row.extend(row_spans(app, &series.by_period(), rpo, chars));
        out.push(Line::from(row));
        out.push(note(
            "",
            share_text(series, rpo),
            share_style(app, series, rpo),
        ));
        if let Some(problem) = &series.problem {
            out.push(note("", format!("incomplete: {problem}"), theme.warn));
        }
    }
    out.push(note(
        "",
        format!(
            "{}…{} up to RPO {}  {OVER} over  {NOT_ACTIVE} not active  {GAP} no data",
            BARS[0],
            BARS[BARS.len() - 1],
            format_duration(rpo)
        ),
        theme.dim,
    ));
    out
}

/// "98.3% within RPO 1m · 2 of 288 periods without data", or why there is no share to tell.
fn share_text(series: &LagSeries, rpo: Duration) -> String {
    let w = series.within_rpo(rpo);
    let Some(share) = w.share() else {
        return format!(
            "cannot tell: no datapoints in the last {}",
            series.span.label()
        );
    };
    let gaps = match w.gaps() {
        0 => "no gaps".to_string(),
        n => format!("{n} of {} periods without data", w.periods),
    };
    format!(
        "{:.1}% within RPO {} · {gaps}",
        share * 100.0,
        format_duration(rpo)
    )
}

fn share_style(app: &App, series: &LagSeries, rpo: Duration) -> Style {
    let w = series.within_rpo(rpo);
    match w.share() {
        None => app.theme.unknown,
        Some(_) if w.within == w.periods => app.theme.ok,
        Some(_) => app.theme.warn,
    }
}

/// The row's characters with their styles, runs of one style in one span.
fn row_spans(app: &App, slots: &[PeriodLag], rpo: Duration, chars: usize) -> Vec<Span<'static>> {
    let theme = &app.theme;
    let mut spans: Vec<Span<'static>> = Vec::new();
    let mut run = String::new();
    let mut run_style = theme.text;
    for c in glyphs(slots, rpo, chars).chars() {
        let style = match c {
            OVER | NOT_ACTIVE => theme.crit,
            GAP => theme.dim,
            _ => theme.ok,
        };
        if style != run_style && !run.is_empty() {
            spans.push(Span::styled(std::mem::take(&mut run), run_style));
        }
        run_style = style;
        run.push(c);
    }
    if !run.is_empty() {
        spans.push(Span::styled(run, run_style));
    }
    spans
}

/// The periods in at most `chars` characters, oldest first, each the worst of its periods:
/// not active, then over the RPO, then a gap, then the largest lag.
pub fn glyphs(slots: &[PeriodLag], rpo: Duration, chars: usize) -> String {
    if slots.is_empty() || chars == 0 {
        return String::new();
    }
    let per = slots.len().div_ceil(chars);
    slots
        .chunks(per)
        .map(|bucket| {
            if bucket.contains(&PeriodLag::NotActive) {
                return NOT_ACTIVE;
            }
            let worst = bucket
                .iter()
                .filter_map(|s| match s {
                    PeriodLag::Lag(lag) => Some(*lag),
                    _ => None,
                })
                .max();
            match worst {
                Some(lag) if lag > rpo => OVER,
                _ if bucket.contains(&PeriodLag::Gap) => GAP,
                Some(lag) => bar(lag, rpo),
                None => GAP,
            }
        })
        .collect()
}

fn bar(lag: Duration, rpo: Duration) -> char {
    if rpo.is_zero() {
        return BARS[0];
    }
    let top = (BARS.len() - 1) as f64;
    let level = (lag.as_secs_f64() / rpo.as_secs_f64() * top).round();
    BARS[level.clamp(0.0, top) as usize]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::{Mode, feed::Feed};
    use crate::config::Refresh;
    use crate::fleet::{
        HistoryOf, LagSample, ReplicaKind, ReplicationState, Snapshot, Workloads, history_end,
    };
    use crate::source::sim::Scenario;
    use crate::theme::Theme;
    use jiff::Timestamp;

    fn now() -> Timestamp {
        Timestamp::from_second(1_800_000_000).expect("valid")
    }

    fn replica() -> Replica {
        Replica {
            id: "orders-dr".into(),
            region: "us-west-2".into(),
            source_id: "orders".into(),
            source_region: "us-east-1".into(),
            engine: "postgres".into(),
            kind: ReplicaKind::RdsReadReplica,
            state: ReplicationState::Replicating,
            lag_samples: Default::default(),
            lag_problem: None,
        }
    }

    /// The history's lines as text, for `app` holding `feed` for the replica.
    fn text(feed: Option<Feed<LagHistory>>) -> String {
        let mut app = App::new(
            Mode::Demo {
                scenario: Scenario::Normal,
            },
            "sim",
            &["us-west-2".to_string()],
            Workloads::default(),
            Refresh::demo(),
            Theme::mono(),
            now(),
        );
        app.lag_history = feed.map(|f| (HistoryOf::of(&replica()), f));
        lines(&app, &replica(), RPO, 71)
            .iter()
            .map(|l| {
                l.spans
                    .iter()
                    .map(|s| s.content.as_ref())
                    .collect::<String>()
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    fn loaded(history: LagHistory) -> Feed<LagHistory> {
        let mut feed = Feed::new(Duration::from_secs(2));
        feed.apply(Ok(Snapshot::new(history, now())), now());
        feed
    }

    #[test]
    fn what_cannot_be_told_says_so_and_never_shows_a_share() {
        let not_asked = text(None);
        assert!(
            not_asked.contains("cannot tell: not fetched"),
            "{not_asked}"
        );
        let loading = text(Some(Feed::new(Duration::from_secs(2))));
        assert!(loading.contains("cannot tell yet: fetching"), "{loading}");
        // Nothing came back: no share for either span, whatever CloudWatch said.
        let to = history_end(now());
        let mut week = LagSeries::empty(HistorySpan::Week, to);
        week.problem = Some("CloudWatch answered ReplicaLag with Forbidden".into());
        let empty = text(Some(loaded(LagHistory {
            of: HistoryOf::of(&replica()),
            day: LagSeries::empty(HistorySpan::Day, to),
            week,
        })));
        assert!(empty.contains("no datapoint at all"), "{empty}");
        assert!(
            empty.contains("cannot tell: no datapoints in the last 24h"),
            "{empty}"
        );
        assert!(
            empty.contains("cannot tell: no datapoints in the last 7d"),
            "{empty}"
        );
        assert!(empty.contains("incomplete: CloudWatch answered ReplicaLag with Forbidden"));
        assert!(!empty.contains("within RPO"), "{empty}");
    }

    #[test]
    fn a_day_with_a_gap_and_a_crossing_shows_both() {
        let to = history_end(now());
        let mut day = LagSeries::empty(HistorySpan::Day, to);
        day.samples = (0..288)
            .filter(|p| !(100..112).contains(p))
            .map(|p| LagSample {
                at: Timestamp::from_second(day.from.as_second() + p * 300).expect("valid"),
                lag: Some(Duration::from_secs(if p == 200 { 90 } else { 5 })),
            })
            .collect();
        let shown = text(Some(loaded(LagHistory {
            of: HistoryOf::of(&replica()),
            day,
            week: LagSeries::empty(HistorySpan::Week, to),
        })));
        let row = shown
            .lines()
            .find(|l| l.contains("24h by 5m"))
            .expect("a day row");
        // Six periods a character: the twelve missing touch three of them.
        assert_eq!(row.matches(GAP).count(), 3, "{row}");
        assert_eq!(row.matches(OVER).count(), 1, "{row}");
        // 288 periods, 12 without data, one over: 275 within.
        assert!(
            shown.contains("95.5% within RPO 1m · 12 of 288 periods without data"),
            "{shown}"
        );
    }

    const RPO: Duration = Duration::from_secs(60);

    fn lag(secs: u64) -> PeriodLag {
        PeriodLag::Lag(Duration::from_secs(secs))
    }

    #[test]
    fn one_character_a_period_when_there_is_room() {
        let slots = [
            lag(0),
            lag(30),
            lag(60),
            lag(61),
            PeriodLag::NotActive,
            PeriodLag::Gap,
        ];
        assert_eq!(glyphs(&slots, RPO, 6), "▁▄▇!×·");
    }

    #[test]
    fn each_character_is_the_worst_of_its_periods() {
        // Not active beats over the RPO, which beats a gap, which beats any lag within.
        let slots = [
            lag(1),
            PeriodLag::NotActive,
            lag(90),
            lag(1),
            PeriodLag::Gap,
            lag(90),
            PeriodLag::Gap,
            lag(59),
            lag(1),
            lag(60),
        ];
        assert_eq!(glyphs(&slots, RPO, 5), "×!!·▇");
    }

    #[test]
    fn a_day_fits_48_characters_and_a_week_42() {
        let day = vec![lag(1); 288];
        assert_eq!(glyphs(&day, RPO, DAY_CHARS).chars().count(), 48);
        let week = vec![lag(1); 168];
        assert_eq!(glyphs(&week, RPO, WEEK_CHARS).chars().count(), 42);
        assert_eq!(glyphs(&[], RPO, 10), "");
    }
}
