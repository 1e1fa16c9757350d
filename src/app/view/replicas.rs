//! The replica rows, derived (evaluated, sorted) once per answer of the replicas feeds and kept
//! (`kept.rs`); the filter picks from the kept rows. A frame, a key press and the header all
//! read the same rows instead of evaluating every replica again.
//!
//! When the clock can change a row: a replica's judgement moves with time only through its
//! newest lag datapoint (the lag now while at most `LAG_CURRENT_FOR` old; an older one is
//! quoted with its age), its feed turning stale at twice the refresh interval, and the age of a
//! stale feed quoted in an old OK's reason. Each row keeps the first instant at which any of
//! these can turn (ages at the precision they are shown, `alike.rs`), and only the rows that
//! reach theirs are judged again: a tick costs the rows that can change, not the fleet, and a
//! row turns at the same instant as if it were derived afresh every frame.

use super::alike::{Alike, holds};
use super::kept::{Derive, Judged, KeptRow, Picked, Tally, stamps_by_feed, unmoved_feeds};
use super::{Provenance, judged_with_age, matches, provenance};
use crate::app::feed::Feed;
use crate::app::fleet::FleetView;
use crate::fleet::replica::LagReading;
use crate::fleet::{Evaluation, LAG_CURRENT_FOR, Replica, Targets, Verdict, evaluate};
use jiff::Timestamp;
use std::borrow::Cow;
use std::sync::{Arc, OnceLock};

/// One replica, evaluated: where it is in its feed, what was judged, and until when.
#[derive(Clone)]
pub(crate) struct ReplicaEntry {
    /// Which replicas feed (in the order of `FleetView::replicas`) and where in its list.
    feed: usize,
    index: usize,
    /// Which answer of its feed it was derived from (`FleetView::replica_stamps`).
    stamp: u64,
    /// The answer its feed's list last changed more than lag at (`FleetView::replica_layouts`).
    layout: u64,
    /// Shared, so that keeping a row when another region answers copies no strings.
    targets: Arc<Targets>,
    /// Judged anew at each answer of its feed (the rows are changed where they are).
    eval: Evaluation,
    from: Provenance,
    judged_at: Timestamp,
    until: Option<Timestamp>,
    /// The row's cells' widths, measured by the screen for one set of columns while the row's
    /// judgement holds (`ReplicaRows::measured_by_row`); kept with the row.
    widths: OnceLock<(u64, Vec<u16>)>,
}

impl KeptRow for ReplicaEntry {
    fn verdict(&self) -> Verdict {
        self.eval.verdict
    }
}

/// The replica rows a filter keeps, worst verdict first, then by identifier: a cheap handle on
/// the kept rows, from which rows are read one at a time (a pane reads only those on screen).
pub struct ReplicaRows<'a> {
    lists: Vec<&'a [Replica]>,
    /// The account of each list (its feed's place), when accounts are named.
    accounts: Vec<Option<&'a str>>,
    picked: Picked<ReplicaEntry>,
}

/// One replica row: the replica, its targets, its verdict and where its data came from.
#[derive(Clone, Copy)]
pub struct ReplicaRow<'a> {
    /// The account the replica lives in, when accounts are named.
    pub account: Option<&'a str>,
    pub replica: &'a Replica,
    pub targets: &'a Targets,
    pub eval: &'a Evaluation,
    pub from: Provenance,
}

impl<'a> ReplicaRows<'a> {
    pub fn len(&self) -> usize {
        self.picked.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The `i`-th row, if there is one.
    pub fn get(&self, i: usize) -> Option<ReplicaRow<'_>> {
        let e = self.picked.get(i)?;
        Some(ReplicaRow {
            account: *self.accounts.get(e.feed)?,
            replica: self.lists.get(e.feed)?.get(e.index)?,
            targets: &e.targets,
            eval: &e.eval,
            from: e.from,
        })
    }

    /// What `measure` gives over these rows, measured once for each `columns` (a number
    /// naming the set of columns) and kept with the rows: a pane that draws only the rows
    /// on screen still sizes its columns by every row, without going through them per frame.
    /// Only cells that do not move while a row is kept may be measured so (not an age).
    pub fn measured(
        &self,
        columns: u64,
        measure: impl FnOnce(&ReplicaRows<'a>) -> Vec<u16>,
    ) -> Arc<[u16]> {
        self.picked.measured(columns, || measure(self))
    }

    /// `measured`, from the widths of each row (`measure_row`), combined by `widest`: each
    /// row is measured once while it is kept and its judgement holds, so that when one
    /// region answers, only its rows are measured again.
    pub fn measured_by_row(
        &self,
        columns: u64,
        measure_row: impl Fn(&ReplicaRow<'_>) -> Vec<u16>,
        widest: impl FnOnce(&mut dyn Iterator<Item = Cow<'_, [u16]>>) -> Vec<u16>,
    ) -> Arc<[u16]> {
        self.picked.measured(columns, || {
            let mut each = (0..self.len()).filter_map(|i| {
                let e = self.picked.get(i)?;
                let row = self.get(i)?;
                Some(match e.widths.get() {
                    Some((c, widths)) if *c == columns => Cow::Borrowed(widths.as_slice()),
                    // Measured for other columns (the pane was wide): not kept again.
                    Some(_) => Cow::Owned(measure_row(&row)),
                    None => Cow::Borrowed(
                        e.widths
                            .get_or_init(|| (columns, measure_row(&row)))
                            .1
                            .as_slice(),
                    ),
                })
            });
            widest(&mut each)
        })
    }

    pub fn iter(&self) -> impl Iterator<Item = ReplicaRow<'_>> + '_ {
        (0..self.len()).filter_map(|i| self.get(i))
    }

    /// How many rows have each verdict and where the first of each is, counted once while
    /// the rows hold.
    pub(crate) fn tally(&self) -> Tally {
        self.picked.tally()
    }

    /// The rows from `range` that exist, in order.
    pub fn range(
        &self,
        range: std::ops::Range<usize>,
    ) -> impl Iterator<Item = (usize, ReplicaRow<'_>)> + '_ {
        range
            .take_while(|&i| i < self.len())
            .filter_map(|i| Some((i, self.get(i)?)))
    }

    /// Where the rows' data came from, each once (one per feed): what the `seen` column
    /// shows, which moves with the clock.
    pub fn provenances(&self) -> Vec<Provenance> {
        let mut out: Vec<Provenance> = Vec::new();
        for i in 0..self.len() {
            if let Some(e) = self.picked.get(i)
                && !out.contains(&e.from)
            {
                out.push(e.from);
            }
        }
        out
    }
}

/// How the replica rows are derived from a view.
struct ReplicasOf<'a> {
    view: &'a FleetView,
    feeds: Vec<&'a Feed<Vec<Replica>>>,
    /// Each feed's last answer, as `FleetView::replica_stamps` numbers it (0: none).
    stamps: Vec<u64>,
    /// Each feed's last answer that changed more than lag (`FleetView::replica_layouts`).
    layouts: Vec<u64>,
}

impl<'a> ReplicasOf<'a> {
    fn new(view: &'a FleetView) -> Self {
        Self {
            view,
            feeds: view.replicas.values().collect(),
            stamps: stamps_by_feed(view.replicas.keys(), &view.replica_stamps),
            layouts: stamps_by_feed(view.replicas.keys(), &view.replica_layouts),
        }
    }

    /// The rows of the `feed`-th feed, in its list's order, judged at the view's `now`.
    fn derive_feed(&self, feed: usize, rows: &mut Vec<ReplicaEntry>) {
        let view = self.view;
        let Some(f) = self.feeds.get(feed) else {
            return;
        };
        let (Some(replicas), Some(from)) = (f.data(), provenance(f, view.now)) else {
            return;
        };
        let stamp = self.stamps.get(feed).copied().unwrap_or(0);
        let layout = self.layouts.get(feed).copied().unwrap_or(0);
        rows.reserve(replicas.len());
        for (index, replica) in replicas.iter().enumerate() {
            let targets = view.workloads.targets_for(&replica.id);
            let (eval, until) = self.judge(replica, &targets, f, from);
            rows.push(ReplicaEntry {
                feed,
                index,
                stamp,
                layout,
                targets: Arc::new(targets),
                eval,
                from,
                judged_at: view.now,
                until,
                widths: OnceLock::new(),
            });
        }
    }

    /// For each feed that answered since `kept` was derived (not `unmoved`), whether its
    /// list is the one `kept`'s rows of it were derived from but for lag: every row of it kept
    /// since its last change of more than lag, one row per replica. Its rows then stand for the
    /// same replicas, at the same places in its list, with the same identifiers and targets.
    fn same_lists(&self, kept: &[ReplicaEntry], unmoved: &[bool]) -> Vec<bool> {
        let feeds = self.feeds.len();
        let mut rows = vec![0usize; feeds];
        let mut same = vec![true; feeds];
        for e in kept {
            let Some(layout) = self.layouts.get(e.feed) else {
                continue;
            };
            rows[e.feed] += 1;
            same[e.feed] &= *layout != 0 && e.layout == *layout;
        }
        (0..feeds)
            .map(|f| {
                let listed = self.feeds[f].data().map(Vec::len);
                !unmoved[f]
                    && same[f]
                    && listed == Some(rows[f])
                    && rows[f] > 0
                    && provenance(self.feeds[f], self.view.now).is_some()
            })
            .collect()
    }

    /// A kept row of a list that is the same but for lag, judged at the view's `now` from
    /// its feed's last answer, where it stands; `None` if its replica is not there.
    fn judge_anew(&self, e: &mut ReplicaEntry) -> Option<()> {
        let feed = self.feeds.get(e.feed)?;
        let replica = feed.data()?.get(e.index)?;
        let from = provenance(feed, self.view.now)?;
        let (eval, until) = self.judge(replica, &e.targets, feed, from);
        e.stamp = self.stamps.get(e.feed).copied().unwrap_or(0);
        e.eval = eval;
        e.from = from;
        e.judged_at = self.view.now;
        e.until = until;
        e.widths = OnceLock::new();
        Some(())
    }

    fn replica(&self, e: &ReplicaEntry) -> Option<&'a Replica> {
        self.feeds.get(e.feed)?.data()?.get(e.index)
    }

    /// Judges a replica at the view's `now`: its verdict, and until when that holds.
    fn judge(
        &self,
        replica: &Replica,
        targets: &Targets,
        feed: &Feed<Vec<Replica>>,
        from: Provenance,
    ) -> (Evaluation, Option<Timestamp>) {
        let now = self.view.now;
        let eval = evaluate::replica(replica, targets, &self.view.workloads.thresholds, now);
        let mut alike = Alike::new(now);
        if let Some(fetched_at) = feed.fetched_at() {
            alike.turns_after(fetched_at, feed.interval * 2);
        }
        // An old OK quotes how old its data is.
        if from.stale && eval.verdict == Verdict::Ok {
            alike.shown_age(from.fetched_at);
        }
        match replica.lag_reading(now) {
            LagReading::Current(s) => alike.turns_after(s.at, LAG_CURRENT_FOR),
            // Quoted with its age.
            LagReading::Old(s) | LagReading::Unread { last: Some(s), .. } => {
                alike.turns_after(s.at, LAG_CURRENT_FOR);
                alike.shown_age(s.at);
            }
            LagReading::Unread { last: None, .. } | LagReading::NoData => {}
        }
        (judged_with_age(eval, from, now), alike.until())
    }
}

impl Derive<ReplicaEntry> for ReplicasOf<'_> {
    fn derive(&self) -> Vec<ReplicaEntry> {
        let mut rows: Vec<ReplicaEntry> = Vec::new();
        for feed in 0..self.feeds.len() {
            self.derive_feed(feed, &mut rows);
        }
        self.sort(&mut rows);
        rows
    }

    /// A region answers every few seconds with every replica's lag moved: its rows are
    /// judged again where they stand when its list is the same but for lag, derived again
    /// when it is not; the other regions' rows are kept (judged again where their turn came).
    /// The rows are sorted again only where an order may have moved.
    fn derive_again(&self, rows: &mut Vec<ReplicaEntry>) -> Option<u64> {
        let feeds = self.feeds.len();
        let unmoved = unmoved_feeds(rows, &self.stamps, |e| Some((e.feed, e.stamp)));
        let in_place = self.same_lists(rows, &unmoved);
        let mut reordered = false;
        let mut judged_anew = 0;
        let mut lost = false;
        rows.retain_mut(|e| {
            if unmoved.get(e.feed) == Some(&true) {
                true
            } else if in_place.get(e.feed) == Some(&true) {
                // Its place in the order moves only with its verdict.
                let verdict = e.eval.verdict;
                lost |= self.judge_anew(e).is_none();
                reordered |= e.eval.verdict != verdict;
                judged_anew += 1;
                true
            } else {
                false
            }
        });
        if lost {
            return None;
        }
        reordered |= self.judge_again(rows).reordered;
        let before = rows.len();
        for feed in (0..feeds).filter(|&f| !unmoved[f] && !in_place[f]) {
            self.derive_feed(feed, rows);
        }
        let derived = rows.len() - before;
        if reordered || derived > 0 {
            self.sort(rows);
        }
        Some((judged_anew + derived) as u64)
    }

    fn judge_again(&self, rows: &mut [ReplicaEntry]) -> Judged {
        let now = self.view.now;
        let mut judged = Judged::default();
        for e in rows.iter_mut() {
            if holds(e.judged_at, e.until, now) {
                continue;
            }
            let (Some(replica), Some(feed)) = (self.replica(e), self.feeds.get(e.feed)) else {
                continue;
            };
            let Some(from) = provenance(feed, now) else {
                continue;
            };
            let lag_before = replica.current_lag(e.judged_at);
            let (eval, until) = self.judge(replica, &e.targets, feed, from);
            // The pane's lag cell and the verdict are measured with the rows; the order is
            // by verdict.
            if eval.verdict != e.eval.verdict {
                judged.reordered = true;
            }
            if lag_before != replica.current_lag(now) {
                judged.cells_changed = true;
            }
            e.eval = eval;
            e.from = from;
            e.judged_at = now;
            e.until = until;
            // Its cells may read otherwise now.
            e.widths = OnceLock::new();
            judged.rows += 1;
        }
        judged
    }

    fn sort(&self, rows: &mut [ReplicaEntry]) {
        // Equal identifiers (one in two accounts) in feed order, then list order: the same
        // order however the rows came to be (derived at once, or kept and derived in part).
        let id = |e: &ReplicaEntry| self.replica(e).map(|r| r.id.as_str());
        rows.sort_by(|a, b| {
            b.eval
                .verdict
                .cmp(&a.eval.verdict)
                .then_with(|| id(a).cmp(&id(b)))
                .then_with(|| (a.feed, a.index).cmp(&(b.feed, b.index)))
        });
    }

    fn alike_until(&self, rows: &[ReplicaEntry]) -> Option<Timestamp> {
        let mut until = Timestamp::MAX;
        for row in rows {
            until = until.min(row.until?);
        }
        Some(until)
    }

    fn keeps(&self, filter: &str, e: &ReplicaEntry) -> bool {
        let Some(r) = self.replica(e) else {
            return false;
        };
        let account = self
            .view
            .replicas
            .keys()
            .nth(e.feed)
            .and_then(|place| place.account.as_deref());
        let workload = e.targets.workload.as_deref().unwrap_or("");
        matches(
            filter,
            &[
                account.unwrap_or(""),
                &r.id,
                &r.source_id,
                &r.region,
                r.state.short(),
                &r.engine,
                workload,
                e.eval.verdict.word(),
            ],
        )
    }
}

impl FleetView {
    /// The replica rows `filter` keeps, worst verdict first, then by identifier; derived again
    /// only when a replicas feed answered, each row judged again only when the clock reaches
    /// an instant that can change it.
    pub fn replica_rows(&self, filter: &str) -> ReplicaRows<'_> {
        let how = ReplicasOf::new(self);
        let picked = self
            .replica_cache
            .rows([self.replica_generation, 0], self.now, filter, &how);
        ReplicaRows {
            lists: how
                .feeds
                .iter()
                .map(|feed| feed.data().map_or(&[][..], |list| list.as_slice()))
                .collect(),
            accounts: self
                .replicas
                .keys()
                .map(|place| place.account.as_deref())
                .collect(),
            picked,
        }
    }
}

/// The header's replica offenders: the rows that are not OK, in the pane's order.
pub(super) fn troubled(rows: &ReplicaRows<'_>) -> Vec<(Verdict, String, String)> {
    rows.iter()
        .filter(|r| r.eval.verdict > Verdict::Ok)
        .map(|r| (r.eval.verdict, r.replica.id.clone(), r.eval.reason.clone()))
        .collect()
}

impl<'r> IntoIterator for &'r ReplicaRows<'_> {
    type Item = ReplicaRow<'r>;
    type IntoIter = Box<dyn Iterator<Item = ReplicaRow<'r>> + 'r>;

    fn into_iter(self) -> Self::IntoIter {
        Box::new(self.iter())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::Fetched;
    use crate::config::{Config, Refresh};
    use crate::fleet::{LAG_CURRENT_FOR, LagSample, ReplicaKind, ReplicationState, Snapshot};
    use jiff::SignedDuration;
    use std::time::Duration;

    fn at(millis: i64) -> Timestamp {
        Timestamp::from_millisecond(1_800_000_000_000 + millis).expect("valid")
    }

    fn replica(id: &str, newest_sample: Timestamp) -> Replica {
        Replica {
            id: id.into(),
            region: "us-west-2".into(),
            source_id: "orders-primary".into(),
            source_region: "us-east-1".into(),
            engine: "postgres".into(),
            kind: ReplicaKind::RdsReadReplica,
            state: ReplicationState::Replicating,
            lag_samples: vec![LagSample {
                at: newest_sample,
                lag: Some(Duration::from_secs(1)),
            }]
            .into(),
            lag_problem: None,
        }
    }

    /// A view of one region fetched at 0.4 s (refresh 2 s: stale once older than 4 s), with a
    /// replica whose newest lag datapoint stops being "the lag now" at 3.7 s.
    fn view() -> FleetView {
        let regions = vec!["us-west-2".to_string()];
        let mut view = FleetView::new(
            "test",
            &regions,
            Config::default().workloads(Vec::new()),
            Refresh::demo(),
            at(0),
        );
        let replicas = vec![
            replica(
                "a-current",
                at(3_700) - SignedDuration::try_from(LAG_CURRENT_FOR).expect("fits"),
            ),
            replica("b-steady", at(400)),
        ];
        view.apply(
            Fetched::Replicas {
                place: "us-west-2".into(),
                result: Ok(Snapshot::new(replicas, at(400))),
            },
            at(400),
        );
        view
    }

    /// What a row shows and is judged by.
    fn seen(rows: &ReplicaRows<'_>) -> Vec<(String, Verdict, String, bool)> {
        rows.iter()
            .map(|r| {
                let e = r.eval;
                (
                    r.replica.id.clone(),
                    e.verdict,
                    e.reason.clone(),
                    r.from.stale,
                )
            })
            .collect()
    }

    /// Each row's identifier and the targets it keeps (shared while the row is kept).
    fn targets_by_id(rows: &ReplicaRows<'_>) -> Vec<(String, Arc<Targets>)> {
        (0..rows.len())
            .filter_map(|i| {
                let id = rows.get(i)?.replica.id.clone();
                Some((id, Arc::clone(&rows.picked.get(i)?.targets)))
            })
            .collect()
    }

    #[test]
    fn an_answer_that_moves_only_lag_judges_its_rows_where_they_stand_as_if_derived_afresh() {
        let lagging = |id: &str, lag_secs: u64, at_ms: i64| Replica {
            lag_samples: vec![LagSample {
                at: at(at_ms),
                lag: Some(Duration::from_secs(lag_secs)),
            }]
            .into(),
            ..replica(id, at(at_ms))
        };
        let answers = [
            vec![
                lagging("a", 1, 400),
                lagging("b", 1, 400),
                lagging("c", 1, 400),
            ],
            // Lag alone moves, and with it c's verdict: its row moves to the top.
            vec![
                lagging("a", 2, 1_400),
                lagging("b", 1, 1_400),
                lagging("c", 3_600, 1_400),
            ],
            // Lag alone moves, no verdict turns.
            vec![
                lagging("a", 1, 2_400),
                lagging("b", 2, 2_400),
                lagging("c", 3_000, 2_400),
            ],
            // More than lag: b stopped replicating.
            vec![
                lagging("a", 1, 3_400),
                Replica {
                    state: ReplicationState::Broken("replication stopped".into()),
                    ..lagging("b", 1, 3_400)
                },
                lagging("c", 3_000, 3_400),
            ],
        ];
        let fresh = || {
            FleetView::new(
                "test",
                &["us-west-2".to_string()],
                Config::default().workloads(Vec::new()),
                Refresh::demo(),
                at(0),
            )
        };
        let answer = |view: &mut FleetView, n: usize| {
            let now = at(400 + 1_000 * n as i64);
            view.apply(
                Fetched::Replicas {
                    place: "us-west-2".into(),
                    result: Ok(Snapshot::new(answers[n].clone(), now)),
                },
                now,
            );
        };
        let mut view = fresh();
        let mut kept: Vec<Vec<(String, Arc<Targets>)>> = Vec::new();
        for n in 0..answers.len() {
            answer(&mut view, n);
            let rows = view.replica_rows("");
            let mut afresh = fresh();
            for m in 0..=n {
                answer(&mut afresh, m);
            }
            assert_eq!(seen(&rows), seen(&afresh.replica_rows("")), "answer {n}");
            kept.push(targets_by_id(&rows));
        }
        assert_eq!(
            seen(&view.replica_rows(""))
                .iter()
                .map(|(id, verdict, ..)| (id.as_str(), *verdict))
                .collect::<Vec<_>>(),
            [
                ("b", Verdict::Crit),
                ("c", Verdict::Crit),
                ("a", Verdict::Ok)
            ],
            "c moved up when its lag grew, b when it stopped"
        );
        let same_targets = |before: &[(String, Arc<Targets>)], after: &[(String, Arc<Targets>)]| {
            after.iter().all(|(id, t)| {
                before
                    .iter()
                    .any(|(was, kept)| was == id && Arc::ptr_eq(kept, t))
            })
        };
        // Lag alone: the rows stood where they were (their targets kept, not looked up).
        assert!(same_targets(&kept[0], &kept[1]));
        assert!(same_targets(&kept[1], &kept[2]));
        // A state moved: the region's rows were derived again.
        assert!(!same_targets(&kept[2], &kept[3]));
        assert_eq!(view.replica_cache.derivations(), 1);
    }

    #[test]
    fn a_region_answering_derives_its_rows_alone_and_they_are_the_rows_derived_afresh() {
        use crate::app::view::tests::{outage_sim, outage_start, waiting_view};
        use crate::fleet::FetchResult;
        let start = outage_start();
        let (sim, regions) = outage_sim(300);
        let new_view = || waiting_view(&sim, &regions);
        let answer =
            |view: &mut FleetView,
             (region, now, result): &(usize, Timestamp, FetchResult<Vec<Replica>>)| {
                view.apply(
                    Fetched::Replicas {
                        place: regions[*region].clone().into(),
                        result: result.clone(),
                    },
                    *now,
                );
            };
        let mut view = new_view();
        let mut answers = Vec::new();
        // The regions answer in turn, 700 ms apart, for 42 s into an outage (lag moving at
        // every answer, verdicts turning, the dead region failing), and frames in between.
        for n in 0..60i64 {
            let now = start + SignedDuration::from_millis(700 * n);
            let region = usize::try_from(n).expect("small") % regions.len();
            answers.push((region, now, sim.replicas_at(&regions[region], now)));
            answer(&mut view, answers.last().expect("pushed"));
            for later in [0, 350] {
                view.now = now + SignedDuration::from_millis(later);
                let kept = seen(&view.replica_rows(""));
                let mut afresh = new_view();
                for a in &answers {
                    answer(&mut afresh, a);
                }
                afresh.now = view.now;
                assert_eq!(
                    kept,
                    seen(&afresh.replica_rows("")),
                    "answer {n}, +{later} ms"
                );
            }
        }
        // Derived whole once (the first answer); then each answer its own region's ~100 rows.
        assert_eq!(view.replica_cache.derivations(), 1);
        let derived = view.replica_cache.rows_derived();
        assert!(
            derived <= 60 * 101,
            "{derived} rows derived for 60 answers of about 100 replicas each"
        );
    }

    #[test]
    fn a_kept_row_turns_stale_and_unknown_at_the_same_instant_as_one_derived_afresh() {
        let mut view = view();
        let mut turned_stale = None;
        let mut turned_unknown = None;
        // Every 50 ms for 7 s, and the very instants where something turns.
        let mut instants: Vec<Timestamp> = (0..=140).map(|i| at(400 + i * 50)).collect();
        instants.extend([at(3_700), at(4_400), at(4_401)]);
        instants.sort();
        for now in instants {
            view.now = now;
            let kept = seen(&view.replica_rows(""));
            let mut afresh = self::view();
            afresh.now = now;
            assert_eq!(kept, seen(&afresh.replica_rows("")), "at {now}");
            if turned_stale.is_none() && kept.iter().all(|r| r.3) {
                turned_stale = Some(now);
            }
            if turned_unknown.is_none() && kept.iter().any(|r| r.1 == Verdict::Unknown) {
                turned_unknown = Some(now);
            }
        }
        // Stale once older than twice the refresh: the first instant past 4.4 s.
        assert_eq!(turned_stale, Some(at(4_401)));
        // "The lag now" only while the datapoint is at most 300 s old: past 3.7 s.
        assert_eq!(turned_unknown, Some(at(3_750)));
        // Derived once (the feed answered once); each row judged again only at its own
        // turns: the datapoint leaving "the lag now" (3.7 s) and then each second of the age
        // its reason quotes, the feed turning stale (4.4 s), each on the instant and once
        // after it; against 144 frames of 2 rows.
        assert_eq!(view.replica_cache.derivations(), 1);
        assert!(
            view.replica_cache.rows_judged() <= 2 * 12,
            "{} rows judged again in 144 frames",
            view.replica_cache.rows_judged()
        );
    }

    #[test]
    fn the_rows_are_derived_again_when_a_replicas_feed_answers_and_the_filter_only_picks() {
        let mut view = view();
        view.now = at(1_000);
        assert_eq!(view.replica_rows("").len(), 2);
        assert_eq!(view.replica_rows("steady").len(), 1);
        assert_eq!(view.replica_rows("").len(), 2);
        assert_eq!(
            view.replica_cache.derivations(),
            1,
            "the filter picks from kept rows"
        );
        view.apply(
            Fetched::Replicas {
                place: "us-west-2".into(),
                result: Ok(Snapshot::new(vec![replica("c-new", at(900))], at(1_000))),
            },
            at(1_000),
        );
        let rows = view.replica_rows("");
        // The one region's rows derived again (one row now), from its answer.
        assert_eq!(view.replica_cache.rows_derived(), 2 + 1);
        let ids: Vec<&str> = rows.iter().map(|r| r.replica.id.as_str()).collect();
        assert_eq!(ids, ["c-new"]);
        assert_eq!(
            view.replica_rows("steady").len(),
            0,
            "a new answer, a new pick"
        );
    }
}
