//! The health-check rows, kept between frames (`kept.rs`): derived when a health feed answers,
//! and again when the clock reaches a whole second of the age of a check's status or of its
//! feed's fetch (every judgement of a check compares or shows such an age in whole seconds).

use super::alike::Alike;
use super::kept::{Derive, Judged, KeptRow, Picked};
use super::{CheckRow, Provenance, judged_with_age, matches, provenance};
use crate::app::feed::Feed;
use crate::app::fleet::FleetView;
use crate::fleet::{Evaluation, HealthCheck, Verdict, evaluate};
use jiff::Timestamp;
use std::sync::Arc;

/// One check as judged: where it is (the `feed`-th health feed, in `FleetView::health`
/// order, and its place in that list) and what was judged.
#[derive(Clone)]
pub(crate) struct CheckEntry {
    feed: usize,
    index: usize,
    pub(super) eval: Evaluation,
    from: Provenance,
}

impl KeptRow for CheckEntry {
    fn verdict(&self) -> Verdict {
        self.eval.verdict
    }
}

type Feeds<'a> = Vec<(Option<&'a str>, &'a Feed<Vec<HealthCheck>>)>;

/// How the check rows are derived from a view.
pub(super) struct ChecksOf<'a> {
    view: &'a FleetView,
    feeds: Feeds<'a>,
}

impl<'a> ChecksOf<'a> {
    pub(super) fn new(view: &'a FleetView) -> Self {
        Self {
            view,
            feeds: view
                .health
                .iter()
                .map(|(account, feed)| (account.as_deref(), feed))
                .collect(),
        }
    }

    pub(super) fn check(&self, e: &CheckEntry) -> Option<(Option<&'a str>, &'a HealthCheck)> {
        let (account, feed) = self.feeds.get(e.feed)?;
        Some((*account, feed.data()?.get(e.index)?))
    }
}

impl Derive<CheckEntry> for ChecksOf<'_> {
    fn derive(&self) -> Vec<CheckEntry> {
        let now = self.view.now;
        let mut rows: Vec<CheckEntry> = self
            .feeds
            .iter()
            .enumerate()
            .filter_map(|(feed, (_, f))| Some((feed, f.data()?, provenance(f, now)?)))
            .flat_map(|(feed, checks, from)| {
                checks
                    .iter()
                    .enumerate()
                    .map(move |(index, check)| CheckEntry {
                        feed,
                        index,
                        eval: judged_with_age(evaluate::health_check(check, now), from, now),
                        from,
                    })
            })
            .collect();
        self.sort(&mut rows);
        rows
    }

    fn judge_again(&self, rows: &mut [CheckEntry]) -> Judged {
        // Few rows: derived again whole (same answers, so the same rows in their new order).
        for (row, fresh) in rows.iter_mut().zip(self.derive()) {
            *row = fresh;
        }
        Judged {
            rows: rows.len() as u64,
            reordered: false,
            cells_changed: true,
        }
    }

    fn sort(&self, rows: &mut [CheckEntry]) {
        let id = |e: &CheckEntry| self.check(e).map(|(_, c)| c.id.as_str());
        rows.sort_by(|a, b| {
            b.eval
                .verdict
                .cmp(&a.eval.verdict)
                .then_with(|| id(a).cmp(&id(b)))
        });
    }

    fn alike_until(&self, rows: &[CheckEntry]) -> Option<Timestamp> {
        let now = self.view.now;
        let mut alike = Alike::new(now);
        for (_, feed) in &self.feeds {
            if let Some(fetched_at) = feed.fetched_at() {
                alike.turns_after(fetched_at, feed.interval * 2);
                alike.whole_seconds_of_age(fetched_at);
            }
        }
        for (_, check) in rows.iter().filter_map(|e| self.check(e)) {
            if let Some(at) = check.status_at {
                alike.whole_seconds_of_age(at);
            }
        }
        alike.until()
    }

    fn keeps(&self, filter: &str, row: &CheckEntry) -> bool {
        let Some((account, c)) = self.check(row) else {
            return false;
        };
        let region = c.target_region.as_deref().unwrap_or("");
        let mut fields = vec![
            account.unwrap_or(""),
            c.id.as_str(),
            &c.name,
            &c.target,
            region,
            c.status.word(),
            row.eval.verdict.word(),
        ];
        fields.extend(c.guards.iter().map(|g| g.name.as_str()));
        matches(filter, &fields)
    }
}

/// The check rows a filter keeps, worst first: a handle on the kept rows, read one at a time
/// (the pane reads only those on screen).
pub struct CheckRows<'a> {
    how: ChecksOf<'a>,
    picked: Picked<CheckEntry>,
}

/// One kept check row, borrowed: as `CheckRow`, without a copy of its verdict.
#[derive(Clone, Copy)]
pub struct KeptCheckRow<'a> {
    pub account: Option<&'a str>,
    pub check: &'a HealthCheck,
    pub eval: &'a Evaluation,
    pub from: Provenance,
}

impl CheckRows<'_> {
    pub fn len(&self) -> usize {
        self.picked.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The `i`-th row, if there is one.
    pub fn get(&self, i: usize) -> Option<KeptCheckRow<'_>> {
        let e = self.picked.get(i)?;
        let (account, check) = self.how.check(e)?;
        Some(KeptCheckRow {
            account,
            check,
            eval: &e.eval,
            from: e.from,
        })
    }

    pub fn iter(&self) -> impl Iterator<Item = KeptCheckRow<'_>> + '_ {
        (0..self.len()).filter_map(|i| self.get(i))
    }

    /// The rows from `range` that exist, in order.
    pub fn range(
        &self,
        range: std::ops::Range<usize>,
    ) -> impl Iterator<Item = KeptCheckRow<'_>> + '_ {
        range
            .take_while(|&i| i < self.len())
            .filter_map(|i| self.get(i))
    }

    /// Widths measured once over these rows per set of `columns` (see `Picked::measured`).
    /// Every cell of a check row is constant while it is kept: its ages move only at the
    /// whole seconds that end it.
    pub fn measured(&self, columns: u64, measure: impl FnOnce(&Self) -> Vec<u16>) -> Arc<[u16]> {
        self.picked.measured(columns, || measure(self))
    }
}

impl FleetView {
    /// The kept check rows `filter` keeps.
    pub(super) fn checks_picked(&self, how: &ChecksOf<'_>, filter: &str) -> Picked<CheckEntry> {
        self.check_cache
            .rows([self.health_generation, 0], self.now, filter, how)
    }

    /// The kept check rows `filter` keeps, as a handle (what the pane reads).
    pub fn kept_check_rows(&self, filter: &str) -> CheckRows<'_> {
        let how = ChecksOf::new(self);
        let picked = self.checks_picked(&how, filter);
        CheckRows { how, picked }
    }

    /// Health checks, worst first, then by identifier.
    pub fn check_rows(&self, filter: &str) -> Vec<CheckRow<'_>> {
        let how = ChecksOf::new(self);
        let picked = self.checks_picked(&how, filter);
        (0..picked.len())
            .filter_map(|i| {
                let e = picked.get(i)?;
                let (account, check) = how.check(e)?;
                Some(CheckRow {
                    account,
                    check,
                    eval: e.eval.clone(),
                    from: e.from,
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::Fetched;
    use crate::config::{Config, Refresh};
    use crate::fleet::{CheckKind, CheckStatus, Snapshot};
    use jiff::SignedDuration;

    fn at(millis: i64) -> Timestamp {
        Timestamp::from_millisecond(1_800_000_000_000 + millis).expect("valid")
    }

    fn check(id: &str, status_at: Timestamp) -> HealthCheck {
        HealthCheck {
            id: id.into(),
            name: id.into(),
            target: format!("HTTPS {id}:443/health"),
            target_region: None,
            kind: CheckKind::Endpoint,
            inverted: false,
            disabled: false,
            status: CheckStatus::Healthy,
            status_at: Some(status_at),
            healthy_percent: Some(100.0),
            observations: vec![],
            guards: vec![],
        }
    }

    /// Checks fetched at 0.4 s (refresh 3 s: stale past 6.4 s), one whose status stops
    /// being recent at 2.7 s.
    fn view() -> FleetView {
        let mut view = FleetView::new(
            "test",
            &[],
            Config::default().workloads(Vec::new()),
            Refresh::demo(),
            at(0),
        );
        let recent_for =
            SignedDuration::try_from(crate::fleet::health::STATUS_RECENT_FOR).expect("fits");
        let checks = vec![
            check("a-turns-old", at(2_700) - recent_for),
            check("b-steady", at(300)),
        ];
        view.apply(
            Fetched::Health {
                account: None,
                result: Ok(Snapshot::new(checks, at(400))),
            },
            at(400),
        );
        view
    }

    fn seen(rows: &[CheckRow<'_>]) -> Vec<(String, Verdict, String, bool)> {
        rows.iter()
            .map(|r| {
                (
                    r.check.id.clone(),
                    r.eval.verdict,
                    r.eval.reason.clone(),
                    r.from.stale,
                )
            })
            .collect()
    }

    #[test]
    fn a_kept_check_row_turns_at_the_same_instant_as_one_derived_afresh() {
        let mut view = view();
        let mut instants: Vec<Timestamp> = (0..=160).map(|i| at(400 + i * 50)).collect();
        instants.extend([at(2_700), at(6_400)].iter().flat_map(|t| {
            let ns = SignedDuration::from_nanos(1);
            [*t - ns, *t, *t + ns]
        }));
        instants.sort();
        let mut turned_unknown = None;
        for now in instants {
            view.now = now;
            let kept = seen(&view.check_rows(""));
            let mut afresh = self::view();
            afresh.now = now;
            assert_eq!(kept, seen(&afresh.check_rows("")), "at {now}");
            if turned_unknown.is_none() && kept.iter().any(|r| r.1 == Verdict::Unknown) {
                turned_unknown = Some(now);
            }
        }
        assert_eq!(
            turned_unknown,
            Some(at(2_700) + SignedDuration::from_nanos(1))
        );
        assert_eq!(view.check_cache.derivations(), 1);
    }
}
