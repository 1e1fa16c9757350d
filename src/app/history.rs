//! A replica's lag history in its detail: asked for once when the detail opens (never
//! polled: it is evidence over days, not the lag now), and kept until the detail closes.

use super::feed::Feed;
use super::{App, Command, Pane};
use crate::fleet::{HistoryOf, LagHistory};
use crate::source::FetchResult;
use jiff::Timestamp;

impl App {
    /// Asks for the history of the replica selected in the replicas pane.
    pub(super) fn ask_lag_history(&mut self) -> Vec<Command> {
        let index = self.selected_index(Pane::Replicas);
        let Some(of) = self
            .replica_rows()
            .get(index)
            .map(|row| HistoryOf::of(row.replica))
        else {
            return Vec::new();
        };
        self.lag_history = Some((of.clone(), Feed::new(self.fleet.refresh.replicas)));
        vec![Command::FetchLagHistory(of)]
    }

    /// An answer is kept only while the detail it was asked for is open: one that arrives
    /// after the detail closed, or for another replica, is dropped.
    pub(super) fn on_lag_history(
        &mut self,
        of: HistoryOf,
        result: FetchResult<LagHistory>,
        now: Timestamp,
    ) -> Vec<Command> {
        if let Some((asked, feed)) = &mut self.lag_history
            && *asked == of
        {
            feed.apply(result, now);
        }
        Vec::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::{Event, Fetched, Mode, Overlay};
    use crate::clock::Clock;
    use crate::config::Refresh;
    use crate::source::sim::{Scenario, SimFleet, SimOptions};
    use crate::source::{FleetSource, SourceError, SourceErrorKind};
    use crate::theme::Theme;
    use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

    fn t(s: i64) -> Timestamp {
        Timestamp::from_second(1_800_000_000 + s).expect("valid")
    }

    fn key(code: KeyCode) -> Event {
        Event::Key(KeyEvent::new(code, KeyModifiers::NONE))
    }

    fn sim() -> SimFleet {
        SimFleet::new(SimOptions {
            clock: Clock::manual(t(0)),
            ..SimOptions::default()
        })
    }

    /// An app fed the simulated fleet's replicas and backups at `t(0)`.
    fn app(sim: &SimFleet) -> App {
        let regions = sim.regions();
        let mut app = App::new(
            Mode::Demo {
                scenario: Scenario::Normal,
            },
            "sim",
            &regions,
            crate::config::Config::default().workloads(sim.workloads()),
            Refresh::demo(),
            Theme::mono(),
            t(0),
        );
        for region in regions {
            let result = sim.replicas_at(&region, t(0));
            app.update(
                Event::Fetched(Fetched::Replicas {
                    place: region.clone().into(),
                    result,
                }),
                t(0),
            );
            let result = sim.backups_at(&region, t(0));
            app.update(
                Event::Fetched(Fetched::Backups {
                    place: region.into(),
                    result,
                }),
                t(0),
            );
        }
        app
    }

    #[test]
    fn enter_on_a_replica_asks_once_for_its_history_and_never_again() {
        let sim = sim();
        let mut app = app(&sim);
        app.update(key(KeyCode::Char('j')), t(1));
        let selected = HistoryOf::of(app.replica_rows().get(1).expect("a replica row").replica);
        let commands = app.update(key(KeyCode::Enter), t(1));
        assert_eq!(commands, vec![Command::FetchLagHistory(selected.clone())]);
        assert_eq!(app.overlay, Some(Overlay::Detail(Pane::Replicas)));
        let (of, feed) = app.lag_history.as_ref().expect("asked");
        assert_eq!(*of, selected);
        assert!(
            feed.data().is_none() && feed.last_error.is_none(),
            "loading"
        );
        // Ticks, new lag and a refresh of every feed do not ask again: it is not polled.
        for s in 2..10 {
            let mut commands = app.update(Event::Tick, t(s));
            for region in ["us-east-1", "us-west-2", "eu-west-1"] {
                commands.extend(app.update(
                    Event::Fetched(Fetched::Replicas {
                        place: region.into(),
                        result: sim.replicas_at(region, t(s)),
                    }),
                    t(s),
                ));
            }
            assert!(
                !commands
                    .iter()
                    .any(|c| matches!(c, Command::FetchLagHistory(_))),
                "{commands:?}"
            );
        }
        let history = sim.lag_history_at(&selected, t(10));
        app.update(
            Event::LagHistory {
                of: selected.clone(),
                result: history.clone(),
            },
            t(10),
        );
        let (_, feed) = app.lag_history.as_ref().expect("kept");
        assert_eq!(feed.data(), history.ok().as_ref().map(|s| &s.data));
        assert_eq!(feed.fetched_at(), Some(t(10)));
        app.update(key(KeyCode::Esc), t(11));
        assert_eq!(app.overlay, None);
        assert!(app.lag_history.is_none(), "closing the detail drops it");
    }

    #[test]
    fn an_answer_for_a_closed_detail_or_another_replica_is_dropped() {
        let sim = sim();
        let mut app = app(&sim);
        let first = HistoryOf::of(app.replica_rows().get(0).expect("a replica row").replica);
        let other = HistoryOf::of(app.replica_rows().get(1).expect("a replica row").replica);
        app.update(key(KeyCode::Enter), t(1));
        app.update(
            Event::LagHistory {
                of: other.clone(),
                result: sim.lag_history_at(&other, t(2)),
            },
            t(2),
        );
        let (of, feed) = app.lag_history.as_ref().expect("still asked");
        assert_eq!(*of, first);
        assert!(
            feed.data().is_none(),
            "another replica's history is not this one's"
        );
        app.update(key(KeyCode::Esc), t(3));
        app.update(
            Event::LagHistory {
                of: first.clone(),
                result: sim.lag_history_at(&first, t(4)),
            },
            t(4),
        );
        assert!(app.lag_history.is_none(), "nobody is looking any more");
    }

    #[test]
    fn a_failed_history_keeps_the_reason_and_no_data() {
        let sim = sim();
        let mut app = app(&sim);
        let first = HistoryOf::of(app.replica_rows().get(0).expect("a replica row").replica);
        app.update(key(KeyCode::Enter), t(1));
        let denied = SourceError::new(
            SourceErrorKind::AccessDenied,
            "cloudwatch:GetMetricData",
            "not authorized",
        );
        app.update(
            Event::LagHistory {
                of: first,
                result: Err(denied.clone()),
            },
            t(2),
        );
        let (_, feed) = app.lag_history.as_ref().expect("asked");
        assert!(feed.data().is_none());
        assert_eq!(feed.last_error, Some((t(2), denied)));
    }

    #[test]
    fn enter_on_other_panes_asks_for_no_history() {
        let sim = sim();
        let mut app = app(&sim);
        app.update(key(KeyCode::Char('2')), t(1));
        assert_eq!(app.update(key(KeyCode::Enter), t(1)), vec![]);
        assert_eq!(app.overlay, Some(Overlay::Detail(Pane::Backups)));
        assert!(app.lag_history.is_none());
    }
}
