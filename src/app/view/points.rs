//! The recovery-point rows (one per protected resource, and one per database the listings
//! cannot show), kept between frames (`kept.rs`): derived when a backups feed answers or a
//! replicas feed answers with more than lag (`FleetView::replica_layout_generation`), and each row judged again only when the clock reaches an instant that can change
//! it (`alike.rs`): its newest point's age at the precision the reason shows it, the backup
//! RPO and its warning share, its feed turning stale. Their order does not move with time.

use super::alike::{Alike, holds};
use super::kept::{Derive, Judged, KeptRow, Picked, Tally, stamps_by_feed, unmoved_feeds};
use super::{Provenance, judged_with_age, matches, provenance};
use crate::app::feed::Feed;
use crate::app::fleet::FleetView;
use crate::fleet::{
    BackupHealth, Evaluation, NewestPoint, Place, RecoveryPointAge, Targets, Verdict, evaluate,
};
use jiff::Timestamp;
use std::sync::Arc;

/// Where a row's point is.
#[derive(Clone)]
enum Source {
    /// The `index`-th point of the `feed`-th backups feed (in `FleetView::backups` order), of
    /// its answer `stamp` (`FleetView::backup_stamps`).
    Listed {
        feed: usize,
        index: usize,
        stamp: u64,
    },
    /// A database the listings cannot show (`fleet::coverage`), in its account.
    Uncovered {
        account: Option<String>,
        point: Arc<RecoveryPointAge>,
    },
}

/// One recovery-point row as judged.
#[derive(Clone)]
pub(crate) struct PointEntry {
    source: Source,
    targets: Targets,
    eval: Evaluation,
    from: Provenance,
    judged_at: Timestamp,
    until: Option<Timestamp>,
}

impl KeptRow for PointEntry {
    fn verdict(&self) -> Verdict {
        self.eval.verdict
    }
}

/// One recovery-point row: the point, its targets, its verdict and where its data came from.
#[derive(Clone, Copy)]
pub struct PointRow<'a> {
    pub point: &'a RecoveryPointAge,
    pub account: Option<&'a str>,
    pub targets: &'a Targets,
    pub eval: &'a Evaluation,
    pub from: Provenance,
}

/// The recovery-point rows a filter keeps, in the pane's order: a handle on the kept rows.
pub struct PointRows<'a> {
    lists: Vec<(Option<&'a str>, &'a [RecoveryPointAge])>,
    picked: Picked<PointEntry>,
}

impl PointRows<'_> {
    pub fn len(&self) -> usize {
        self.picked.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The `i`-th row, if there is one.
    pub fn get(&self, i: usize) -> Option<PointRow<'_>> {
        let e = self.picked.get(i)?;
        let (point, account) = match &e.source {
            Source::Listed { feed, index, .. } => {
                let (account, list) = self.lists.get(*feed)?;
                (list.get(*index)?, *account)
            }
            Source::Uncovered { account, point } => (&**point, account.as_deref()),
        };
        Some(PointRow {
            point,
            account,
            targets: &e.targets,
            eval: &e.eval,
            from: e.from,
        })
    }

    pub fn iter(&self) -> impl Iterator<Item = PointRow<'_>> + '_ {
        (0..self.len()).filter_map(|i| self.get(i))
    }

    /// How many rows have each verdict and where the first of each is, counted once while
    /// the rows hold.
    pub(crate) fn tally(&self) -> Tally {
        self.picked.tally()
    }

    /// The rows from `range` that exist, in order.
    pub fn range(&self, range: std::ops::Range<usize>) -> impl Iterator<Item = PointRow<'_>> + '_ {
        range
            .take_while(|&i| i < self.len())
            .filter_map(|i| self.get(i))
    }

    /// Widths measured once over these rows per set of `columns` (see `Picked::measured`):
    /// only cells that do not move with the clock may be measured so.
    pub fn measured(&self, columns: u64, measure: impl FnOnce(&Self) -> Vec<u16>) -> Arc<[u16]> {
        self.picked.measured(columns, || measure(self))
    }
}

impl<'r> IntoIterator for &'r PointRows<'_> {
    type Item = PointRow<'r>;
    type IntoIter = Box<dyn Iterator<Item = PointRow<'r>> + 'r>;

    fn into_iter(self) -> Self::IntoIter {
        Box::new(self.iter())
    }
}

/// The instants at which a feed's rows turn: stale past twice its refresh, and the age of
/// its data, shown in the reason of a stale row.
fn feed_turns<T>(alike: &mut Alike, feed: Option<&Feed<T>>) {
    if let Some(fetched_at) = feed.and_then(Feed::fetched_at) {
        alike.turns_after(
            fetched_at,
            feed.map_or_else(Default::default, |f| f.interval * 2),
        );
    }
}

/// How the point rows are derived from a view.
pub(super) struct PointsOf<'a> {
    view: &'a FleetView,
    /// The backups feeds, in `FleetView::backups` order.
    feeds: Vec<(&'a Place, &'a Feed<BackupHealth>)>,
    /// Each feed's last answer (`FleetView::backup_stamps`; 0: none).
    stamps: Vec<u64>,
}

impl<'a> PointsOf<'a> {
    pub(super) fn new(view: &'a FleetView) -> Self {
        Self {
            view,
            feeds: view.backups.iter().collect(),
            stamps: stamps_by_feed(view.backups.keys(), &view.backup_stamps),
        }
    }

    /// The rows of the `feed`-th feed's listing, in its order.
    fn derive_feed(&self, feed: usize, rows: &mut Vec<PointEntry>) {
        let Some((_, f)) = self.feeds.get(feed) else {
            return;
        };
        // A feed that never answered has no rows of its own (`dated` rows stand in).
        if f.fetched_at().is_none() {
            return;
        }
        let Some(health) = f.data() else { return };
        let stamp = self.stamps.get(feed).copied().unwrap_or(0);
        rows.reserve(health.recovery_points.len());
        for (index, point) in health.recovery_points.iter().enumerate() {
            rows.push(self.entry(Source::Listed { feed, index, stamp }, point));
        }
    }

    /// The rows of the databases no listing shows, from every feed: few, and read from all.
    fn derive_uncovered(&self, rows: &mut Vec<PointEntry>) {
        for (account, point) in self.view.uncovered_points() {
            let point = Arc::new(point);
            let source = Source::Uncovered {
                account: account.map(str::to_string),
                point: Arc::clone(&point),
            };
            rows.push(self.entry(source, &point));
        }
    }

    fn listed(&self, feed: usize, index: usize) -> Option<&'a RecoveryPointAge> {
        self.feeds.get(feed)?.1.data()?.recovery_points.get(index)
    }

    fn point<'e>(&'e self, source: &'e Source) -> Option<&'e RecoveryPointAge> {
        match source {
            Source::Listed { feed, index, .. } => self.listed(*feed, *index),
            Source::Uncovered { point, .. } => Some(point),
        }
    }

    /// Judges a point at the view's `now`, with where its data came from; says whether the
    /// verdict carries the age of its data (an old OK, `judged_with_age`).
    fn judge(
        &self,
        point: &RecoveryPointAge,
        targets: &Targets,
        from: Provenance,
    ) -> (Evaluation, bool) {
        let view = self.view;
        let eval = evaluate::recovery_point(point, targets, &view.workloads.thresholds, view.now);
        let aged = from.stale && eval.verdict == Verdict::Ok;
        (judged_with_age(eval, from, view.now), aged)
    }

    /// Until when a row's judgement holds (`evaluate::recovery_point`, `judged_with_age`).
    fn alike_until(
        &self,
        entry: &PointEntry,
        point: &RecoveryPointAge,
        aged: bool,
    ) -> Option<Timestamp> {
        let view = self.view;
        let mut alike = Alike::new(view.now);
        if let NewestPoint::Taken(t) = point.newest {
            alike.shown_age(t);
            alike.turns_after(t, entry.targets.backup_rpo);
            alike.turns_near(
                t,
                entry.targets.backup_rpo.as_secs_f64()
                    * view.workloads.thresholds.recovery_point_warn_ratio,
            );
        }
        match &entry.source {
            Source::Listed { feed, .. } => {
                feed_turns(&mut alike, self.feeds.get(*feed).map(|(_, f)| *f));
            }
            Source::Uncovered { account, point } => {
                // Dated by its region's backups feed, else its replicas feed (`dated`).
                let place = Place::new(account.as_deref(), point.region.to_string());
                feed_turns(&mut alike, view.backups.get(&place));
                feed_turns(&mut alike, view.replicas.get(&place));
            }
        }
        if aged {
            alike.shown_age(entry.from.fetched_at);
        }
        alike.until()
    }

    /// Where a row's data came from, at the view's `now`.
    fn provenance(&self, source: &Source) -> Provenance {
        let view = self.view;
        match source {
            Source::Listed { feed, .. } => self
                .feeds
                .get(*feed)
                .and_then(|(_, f)| provenance(f, view.now))
                .unwrap_or(Provenance {
                    fetched_at: view.now,
                    stale: true,
                }),
            Source::Uncovered { account, point } => {
                view.dated(&Place::new(account.as_deref(), point.region.to_string()))
            }
        }
    }

    fn entry(&self, source: Source, point: &RecoveryPointAge) -> PointEntry {
        let view = self.view;
        let targets = view.workloads.targets_for(&point.resource_id);
        let from = self.provenance(&source);
        let (eval, aged) = self.judge(point, &targets, from);
        let mut entry = PointEntry {
            source,
            targets,
            eval,
            from,
            judged_at: view.now,
            until: None,
        };
        entry.until = self.alike_until(&entry, point, aged);
        entry
    }
}

/// The order of the pane: none at all first, then the ones that cannot be told, then the
/// oldest; then by identifier.
fn rank(p: &RecoveryPointAge) -> (u8, Option<Timestamp>, &str) {
    let rank = match p.newest {
        NewestPoint::None => 0,
        NewestPoint::CannotTell(_) => 1,
        NewestPoint::Taken(_) => 2,
    };
    (rank, p.newest.taken_at(), &p.resource_id)
}

impl Derive<PointEntry> for PointsOf<'_> {
    fn derive(&self) -> Vec<PointEntry> {
        let mut rows: Vec<PointEntry> = Vec::new();
        for feed in 0..self.feeds.len() {
            self.derive_feed(feed, &mut rows);
        }
        self.derive_uncovered(&mut rows);
        self.sort(&mut rows);
        rows
    }

    /// A region's backups answered: its listing's rows are derived again, the other regions'
    /// kept (judged again where their turn came), the uncovered ones derived again.
    fn derive_again(&self, rows: &mut Vec<PointEntry>) -> Option<u64> {
        let of_answer = |e: &PointEntry| match e.source {
            Source::Listed { feed, stamp, .. } => Some((feed, stamp)),
            Source::Uncovered { .. } => None,
        };
        let unmoved = unmoved_feeds(rows, &self.stamps, of_answer);
        rows.retain(|e| of_answer(e).is_some_and(|(feed, _)| unmoved.get(feed) == Some(&true)));
        self.judge_again(rows);
        let before = rows.len();
        for feed in (0..unmoved.len()).filter(|&f| !unmoved[f]) {
            self.derive_feed(feed, rows);
        }
        self.derive_uncovered(rows);
        let derived = (rows.len() - before) as u64;
        self.sort(rows);
        Some(derived)
    }

    fn judge_again(&self, rows: &mut [PointEntry]) -> Judged {
        let now = self.view.now;
        let mut judged = 0;
        for entry in rows.iter_mut() {
            if holds(entry.judged_at, entry.until, now) {
                continue;
            }
            let uncovered;
            let point: &RecoveryPointAge = match &entry.source {
                Source::Listed { feed, index, .. } => match self.listed(*feed, *index) {
                    Some(point) => point,
                    None => continue,
                },
                Source::Uncovered { point, .. } => {
                    uncovered = Arc::clone(point);
                    &uncovered
                }
            };
            entry.from = self.provenance(&entry.source);
            let (eval, aged) = self.judge(point, &entry.targets, entry.from);
            entry.eval = eval;
            entry.judged_at = now;
            entry.until = self.alike_until(entry, point, aged);
            judged += 1;
        }
        Judged {
            rows: judged,
            // The order is by the points alone, which the clock does not move; a verdict
            // (compared by the list) is the only cell measured once that can change.
            reordered: false,
            cells_changed: false,
        }
    }

    fn sort(&self, rows: &mut [PointEntry]) {
        // Equal points in the listings' order, then the uncovered ones in theirs (stable): the
        // same order however the rows came to be (derived at once, or kept and in part).
        let listed_at = |e: &PointEntry| match e.source {
            Source::Listed { feed, index, .. } => (0, feed, index),
            Source::Uncovered { .. } => (1, 0, 0),
        };
        rows.sort_by(|a, b| {
            let (pa, pb) = (self.point(&a.source), self.point(&b.source));
            pa.map(rank)
                .cmp(&pb.map(rank))
                .then_with(|| listed_at(a).cmp(&listed_at(b)))
        });
    }

    fn alike_until(&self, rows: &[PointEntry]) -> Option<Timestamp> {
        let mut until = Timestamp::MAX;
        for row in rows {
            // A row judged before now that holds past now: its own instant; one judged on a
            // turn holds for that instant alone.
            until = until.min(row.until?);
        }
        Some(until)
    }

    fn keeps(&self, filter: &str, row: &PointEntry) -> bool {
        let Some(p) = self.point(&row.source) else {
            return false;
        };
        let account = match &row.source {
            Source::Listed { feed, .. } => self
                .feeds
                .get(*feed)
                .and_then(|(place, _)| place.account.as_deref()),
            Source::Uncovered { account, .. } => account.as_deref(),
        };
        matches(
            filter,
            &[
                account.unwrap_or(""),
                &p.resource_id,
                &p.resource_type,
                &p.vault,
                &p.region,
                row.eval.verdict.word(),
            ],
        )
    }
}

impl FleetView {
    /// The recovery-point rows `filter` keeps: none at all first, then the ones that cannot be
    /// told, then the oldest. Kept between calls (see the module's comment).
    pub fn point_rows(&self, filter: &str) -> PointRows<'_> {
        let lists = self
            .backups
            .iter()
            .map(|(place, feed)| {
                (
                    place.account.as_deref(),
                    feed.data()
                        .map_or(&[][..], |h| h.recovery_points.as_slice()),
                )
            })
            .collect();
        let key = [self.backup_generation, self.replica_layout_generation];
        let picked = self
            .point_cache
            .rows(key, self.now, filter, &PointsOf::new(self));
        PointRows { lists, picked }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::Fetched;
    use crate::config::{Config, Refresh};
    use crate::fleet::{LagSample, Replica, ReplicaKind, ReplicationState, Snapshot};
    use jiff::SignedDuration;
    use std::time::Duration;

    fn at(millis: i64) -> Timestamp {
        Timestamp::from_millisecond(1_800_000_000_000 + millis).expect("valid")
    }

    fn point(id: &str, taken: Timestamp) -> RecoveryPointAge {
        RecoveryPointAge {
            region: "us-west-2".into(),
            vault: "default".into(),
            resource_id: id.into(),
            resource_type: "RDS".into(),
            newest: NewestPoint::Taken(taken),
        }
    }

    /// Default targets: backup RPO 26 h, warned past 80 % of it (20.8 h).
    const RPO_MS: i64 = 26 * 3600 * 1000;
    const WARN_MS: i64 = RPO_MS * 8 / 10;

    /// One region: backups fetched at 0.4 s (refresh 2 s here: stale past 4.4 s), with points
    /// that turn during the seconds after it (WARN at 1.7 s, CRIT at 2.3 s, a shown minute at
    /// 3.2 s, shown seconds), and a promoted replica no listing shows (replicas fetched at
    /// 0.9 s, stale past 4.9 s once the backups feed is stale too).
    fn view() -> FleetView {
        view_refreshed_every(Duration::from_secs(2))
    }

    fn view_refreshed_every(every: Duration) -> FleetView {
        let regions = vec!["us-west-2".to_string()];
        let refresh = Refresh {
            replicas: every,
            backups: every,
            health: every,
        };
        let mut view = FleetView::new(
            "test",
            &regions,
            Config::default().workloads(Vec::new()),
            refresh,
            at(0),
        );
        let points = vec![
            point("a-turns-crit", at(2_300 - RPO_MS)),
            point("b-turns-warn", at(1_700 - WARN_MS)),
            point(
                "c-shown-minute",
                at(3_200 - 3 * 3600 * 1000 - 7 * 60 * 1000),
            ),
            point("d-seconds", at(450 - 30_000)),
        ];
        view.apply(
            Fetched::Backups {
                place: "us-west-2".into(),
                result: Ok(Snapshot::new(
                    BackupHealth {
                        recovery_points: points,
                        protected_listed: true,
                        ..BackupHealth::default()
                    },
                    at(400),
                )),
            },
            at(400),
        );
        let promoted = Replica {
            id: "e-promoted".into(),
            region: "us-west-2".into(),
            source_id: "(no writer)".into(),
            source_region: "us-east-1".into(),
            engine: "postgres".into(),
            kind: ReplicaKind::RdsReadReplica,
            state: ReplicationState::Promoted,
            lag_samples: vec![LagSample {
                at: at(900),
                lag: None,
            }]
            .into(),
            lag_problem: None,
        };
        view.apply(
            Fetched::Replicas {
                place: "us-west-2".into(),
                result: Ok(Snapshot::new(vec![promoted], at(900))),
            },
            at(900),
        );
        view
    }

    /// What a row shows and is judged by.
    fn seen(rows: &PointRows<'_>) -> Vec<(String, Verdict, String, bool)> {
        rows.iter()
            .map(|r| {
                (
                    r.point.resource_id.clone(),
                    r.eval.verdict,
                    r.eval.reason.clone(),
                    r.from.stale,
                )
            })
            .collect()
    }

    #[test]
    fn a_kept_point_row_turns_at_the_same_instant_as_one_derived_afresh() {
        let mut view = view();
        // Every 50 ms for 7 s, and the very instants where something turns (and a nanosecond
        // either side of them).
        let mut instants: Vec<Timestamp> = (0..=140).map(|i| at(900 + i * 50)).collect();
        for turn in [1_700, 2_300, 3_200, 4_400, 4_900] {
            let t = at(turn);
            let ns = SignedDuration::from_nanos(1);
            instants.extend([t - ns, t, t + ns]);
        }
        instants.sort();
        let mut turned = Vec::new();
        let mut before: Option<Vec<(String, Verdict, String, bool)>> = None;
        for now in instants {
            view.now = now;
            let kept = seen(&view.point_rows(""));
            let mut afresh = self::view();
            afresh.now = now;
            assert_eq!(kept, seen(&afresh.point_rows("")), "at {now}");
            if let Some(before) = &before {
                for (was, is) in before.iter().zip(&kept) {
                    if was.1 != is.1 || was.3 != is.3 {
                        turned.push((is.0.clone(), is.1, is.3, now));
                    }
                }
            }
            before = Some(kept);
        }
        let just_after = |ms: i64| at(ms) + SignedDuration::from_nanos(1);
        assert!(
            turned.contains(&(
                "b-turns-warn".into(),
                Verdict::Warn,
                false,
                just_after(1_700)
            )),
            "{turned:?}"
        );
        assert!(
            turned.contains(&(
                "a-turns-crit".into(),
                Verdict::Crit,
                false,
                just_after(2_300)
            )),
            "{turned:?}"
        );
        assert!(
            turned.contains(&(
                "d-seconds".into(),
                Verdict::Unknown,
                true,
                just_after(4_400)
            )),
            "an old OK is no longer OK: {turned:?}"
        );
        // Derived once (the feeds answered once each); judged again only at the turns.
        assert_eq!(view.point_cache.derivations(), 1);
        let judged = view.point_cache.rows_judged();
        assert!(
            judged < 5 * 40,
            "{judged} rows judged again over 156 frames of 5 rows"
        );
    }

    /// The promoted replica of `view`, answered again at `ms` in `state`, with new lag.
    fn promoted_again(view: &mut FleetView, ms: i64, state: ReplicationState) {
        let mut promoted = view.replicas[&Place::from("us-west-2")]
            .data()
            .expect("answered")[0]
            .clone();
        promoted.state = state;
        promoted.lag_samples = promoted
            .lag_samples
            .iter()
            .chain([LagSample {
                at: at(ms),
                lag: Some(Duration::from_secs(3)),
            }])
            .collect();
        view.apply(
            Fetched::Replicas {
                place: "us-west-2".into(),
                result: Ok(Snapshot::new(vec![promoted], at(ms))),
            },
            at(ms),
        );
    }

    #[test]
    fn a_replicas_answer_that_moves_only_lag_keeps_the_point_rows() {
        let mut view = view();
        let _ = view.point_rows("");
        let derived = view.point_cache.rows_derived();
        let answers = [1_100, 1_300];
        for (n, ms) in answers.iter().enumerate() {
            promoted_again(&mut view, *ms, ReplicationState::Promoted);
            // The same answers, rows derived from them afresh.
            let mut afresh = self::view();
            for ms in &answers[..=n] {
                promoted_again(&mut afresh, *ms, ReplicationState::Promoted);
            }
            let kept = seen(&view.point_rows(""));
            assert_eq!(kept, seen(&afresh.point_rows("")), "at {ms} ms");
            assert!(kept.iter().any(|r| r.0 == "e-promoted"), "{kept:?}");
        }
        // A failed answer beside the data kept: what the rows read of the feed stays.
        let failed = |view: &mut FleetView| {
            view.apply(
                Fetched::Replicas {
                    place: "us-west-2".into(),
                    result: Err(crate::source::SourceError::new(
                        crate::source::SourceErrorKind::Timeout,
                        "rds:DescribeDBInstances",
                        "no answer",
                    )),
                },
                at(1_400),
            );
        };
        failed(&mut view);
        let mut afresh = self::view();
        for ms in answers {
            promoted_again(&mut afresh, ms, ReplicationState::Promoted);
        }
        failed(&mut afresh);
        assert_eq!(seen(&view.point_rows("")), seen(&afresh.point_rows("")));
        assert_eq!(
            view.point_cache.rows_derived(),
            derived,
            "lag alone, or a failure beside the data kept, derived rows again"
        );

        // A replica whose state moved may change which databases no listing shows.
        promoted_again(&mut view, 1_500, ReplicationState::Replicating);
        let rows = seen(&view.point_rows(""));
        let mut afresh = self::view();
        for ms in answers {
            promoted_again(&mut afresh, ms, ReplicationState::Promoted);
        }
        promoted_again(&mut afresh, 1_500, ReplicationState::Replicating);
        assert_eq!(rows, seen(&afresh.point_rows("")));
        assert!(rows.iter().all(|r| r.0 != "e-promoted"), "{rows:?}");
    }

    #[test]
    fn a_region_answering_derives_its_listing_alone_and_the_rows_are_those_derived_afresh() {
        use crate::app::view::tests::{outage_sim, outage_start, waiting_view};
        let start = outage_start();
        let (sim, regions) = outage_sim(300);
        let new_view = || waiting_view(&sim, &regions);
        // Each answer of the run: a region's backups or replicas, at an instant.
        let answer = |view: &mut FleetView, (n, now): (i64, Timestamp)| {
            let region = &regions[usize::try_from(n).expect("small") % regions.len()];
            let place = region.clone().into();
            let fetched = if n % 2 == 0 {
                Fetched::Backups {
                    place,
                    result: sim.backups_at(region, now),
                }
            } else {
                Fetched::Replicas {
                    place,
                    result: sim.replicas_at(region, now),
                }
            };
            view.apply(fetched, now);
        };
        let mut view = new_view();
        let mut answers = Vec::new();
        // Backups and replicas answering in turn, 900 ms apart, for 36 s into an outage (the
        // dead region failing), with frames in between.
        for n in 0..40i64 {
            let now = start + SignedDuration::from_millis(900 * n);
            answers.push((n, now));
            answer(&mut view, (n, now));
            for later in [0, 450] {
                view.now = now + SignedDuration::from_millis(later);
                let kept = seen(&view.point_rows(""));
                let mut afresh = new_view();
                for a in &answers {
                    answer(&mut afresh, *a);
                }
                afresh.now = view.now;
                assert_eq!(
                    kept,
                    seen(&afresh.point_rows("")),
                    "answer {n}, +{later} ms"
                );
            }
        }
        assert_eq!(view.point_cache.derivations(), 1);
        let listed: usize = view
            .backups
            .values()
            .filter_map(|f| f.data())
            .map(|h| h.recovery_points.len())
            .sum();
        let derived = view.point_cache.rows_derived();
        assert!(
            derived < 20 * listed as u64 / 2,
            "{derived} rows derived for 20 backups answers of about a third of {listed} points"
        );
    }

    #[test]
    fn a_replicas_answer_dates_the_rows_of_a_place_no_backups_listing_dates() {
        // No backups answer yet: the uncovered rows are dated by the replicas feed, so each
        // of its answers moves them, lag alone or not.
        let regions = vec!["us-west-2".to_string()];
        let mut view = FleetView::new(
            "test",
            &regions,
            Config::default().workloads(Vec::new()),
            Refresh::demo(),
            at(0),
        );
        let answer = |view: &mut FleetView, ms: i64| {
            let replica = Replica {
                id: "r".into(),
                region: "us-west-2".into(),
                source_id: "w".into(),
                source_region: "us-west-2".into(),
                engine: "postgres".into(),
                kind: ReplicaKind::RdsReadReplica,
                state: ReplicationState::Replicating,
                lag_samples: vec![LagSample {
                    at: at(ms),
                    lag: Some(Duration::from_secs(1)),
                }]
                .into(),
                lag_problem: None,
            };
            view.apply(
                Fetched::Replicas {
                    place: "us-west-2".into(),
                    result: Ok(Snapshot::new(vec![replica], at(ms))),
                },
                at(ms),
            );
            view.point_rows("")
                .iter()
                .map(|r| r.from.fetched_at)
                .collect::<Vec<_>>()
        };
        assert_eq!(answer(&mut view, 100), vec![at(100)]);
        assert_eq!(answer(&mut view, 1_100), vec![at(1_100)]);
    }

    #[test]
    fn a_tick_judges_again_only_the_rows_whose_shown_age_or_verdict_can_move() {
        // Refreshed hourly: fresh all along.
        let mut view = view_refreshed_every(Duration::from_secs(3600));
        // Ages in hours move once a minute: over ten minutes, a second at a time, a row shown
        // in hours is judged again about ten times, not six hundred.
        view.now = at(5_000);
        let _ = view.point_rows("");
        let judged = view.point_cache.rows_judged();
        for s in 1..=600 {
            view.now = at(5_000 + s * 1000);
            assert_eq!(view.point_rows("").len(), 5);
        }
        let per_row = view.point_cache.rows_judged() - judged;
        // Only "d-seconds" (30 s old: shown to the second until it is ten minutes old) turns
        // each second; the others each minute, each hour, or never (no point at all), against
        // 5 rows x 600 ticks when every row is judged every second.
        assert!(per_row <= 600 + 3 * 11, "{per_row} rows judged");
        assert_eq!(view.point_cache.derivations(), 1);
    }
}
