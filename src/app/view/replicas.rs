//! The replica rows, derived (evaluated, sorted) once and kept until the data or the clock can
//! change them; the filter picks from the kept rows. A frame, a key press and the header all
//! read the same derivation instead of evaluating every replica again.
//!
//! When the clock can change a row: every judgement of a replica row that moves with time is
//! a function of whole seconds of an age (`age_between` shown by `format_duration`, or compared
//! with whole-second limits such as `LAG_CURRENT_FOR`) measured from its feed's fetch or its
//! newest lag sample, or of its feed turning stale at twice the refresh interval. So between
//! two such instants nothing about a row can differ, and the derivation is kept exactly that
//! long: a row turns STALE at the same instant as if it were derived afresh every frame.

use super::{Provenance, judged_with_age, matches, provenance};
use crate::app::fleet::FleetView;
use crate::fleet::{Evaluation, Replica, Targets, Verdict, evaluate};
use jiff::{SignedDuration, Timestamp};
use std::sync::{Arc, Mutex, MutexGuard};

/// One replica, evaluated: where it is in its feed, and what was judged.
pub(crate) struct Evaluated {
    /// Which replicas feed (in the order of `FleetView::replicas`) and where in its list.
    feed: usize,
    index: usize,
    targets: Targets,
    eval: Evaluation,
    from: Provenance,
}

/// Every replica row, worst first, as judged at `judged_at`.
struct Derived {
    generation: u64,
    judged_at: Timestamp,
    /// A later instant before this one judges every row alike; `None` when `judged_at` is
    /// itself an instant where something turns (then only that very instant is alike).
    alike_until: Option<Timestamp>,
    rows: Arc<[Evaluated]>,
    /// What the screen measured over every row (no filter); see `ReplicaRows::measured`.
    measured: Arc<Measured>,
    /// The last filter asked for, the rows it keeps (indices into `rows`) and what the
    /// screen measured over them.
    filtered: Option<(String, Arc<[usize]>, Arc<Measured>)>,
}

/// Column widths the screen measured over a list of rows, by which columns it asked for.
/// Every cell of a replica row is constant while its derivation is kept (ages move only at
/// the instants that end it), so widths measured once hold until then.
#[derive(Default)]
struct Measured(Mutex<Vec<(u64, Arc<[u16]>)>>);

impl Derived {
    fn holds_for(&self, generation: u64, now: Timestamp) -> bool {
        self.generation == generation
            && (now == self.judged_at
                || (now > self.judged_at && self.alike_until.is_some_and(|until| now < until)))
    }
}

/// The kept derivation of a `FleetView`'s replica rows.
#[derive(Default)]
pub struct ReplicaCache {
    derived: Mutex<Option<Derived>>,
    /// How many times every replica was evaluated, for the tests that prove the reuse.
    derivations: Mutex<u64>,
}

impl ReplicaCache {
    fn lock(&self) -> MutexGuard<'_, Option<Derived>> {
        // A panic while deriving leaves nothing half-written that matters: derive again.
        self.derived.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// How many full derivations have been made so far.
    pub fn derivations(&self) -> u64 {
        *self.derivations.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The replica rows a filter keeps, worst verdict first, then by identifier: a cheap handle on
/// the kept derivation, from which rows are read one at a time (a pane reads only those on
/// screen).
pub struct ReplicaRows<'a> {
    lists: Vec<&'a [Replica]>,
    /// The account of each list (its feed's place), when accounts are named.
    accounts: Vec<Option<&'a str>>,
    rows: Arc<[Evaluated]>,
    /// `None`: every row (no filter).
    kept: Option<Arc<[usize]>>,
    measured: Arc<Measured>,
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
        self.kept.as_ref().map_or(self.rows.len(), |k| k.len())
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The `i`-th row, if there is one.
    pub fn get(&self, i: usize) -> Option<ReplicaRow<'_>> {
        let at = match &self.kept {
            Some(kept) => *kept.get(i)?,
            None => i,
        };
        let e = self.rows.get(at)?;
        Some(ReplicaRow {
            account: self.accounts[e.feed],
            replica: &self.lists[e.feed][e.index],
            targets: &e.targets,
            eval: &e.eval,
            from: e.from,
        })
    }

    /// What `measure` gives over these rows, measured once for each `columns` (a number
    /// naming the set of columns) and kept with the rows: a pane that draws only the rows
    /// on screen still sizes its columns by every row, without going through them per frame.
    pub fn measured(
        &self,
        columns: u64,
        measure: impl FnOnce(&ReplicaRows<'a>) -> Vec<u16>,
    ) -> Arc<[u16]> {
        let lock = || self.measured.0.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((_, widths)) = lock().iter().find(|(c, _)| *c == columns) {
            return Arc::clone(widths);
        }
        let widths: Arc<[u16]> = measure(self).into();
        lock().push((columns, Arc::clone(&widths)));
        widths
    }

    pub fn iter(&self) -> impl Iterator<Item = ReplicaRow<'_>> + '_ {
        (0..self.len()).filter_map(|i| self.get(i))
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
}

impl FleetView {
    /// The replica rows `filter` keeps, worst verdict first, then by identifier; derived again
    /// only when a replicas feed answered or the clock reached an instant that can change a row.
    pub fn replica_rows(&self, filter: &str) -> ReplicaRows<'_> {
        let lists: Vec<&[Replica]> = self
            .replicas
            .values()
            .map(|feed| feed.data().map_or(&[][..], |list| list.as_slice()))
            .collect();
        let accounts: Vec<Option<&str>> = self
            .replicas
            .keys()
            .map(|place| place.account.as_deref())
            .collect();
        let mut kept = self.replica_cache.lock();
        if !kept
            .as_ref()
            .is_some_and(|d| d.holds_for(self.replica_generation, self.now))
        {
            *kept = Some(Derived {
                generation: self.replica_generation,
                judged_at: self.now,
                alike_until: self.judged_alike_until(),
                rows: self.derive_replica_rows().into(),
                measured: Arc::default(),
                filtered: None,
            });
            *self
                .replica_cache
                .derivations
                .lock()
                .unwrap_or_else(|p| p.into_inner()) += 1;
        }
        let derived = kept.as_mut().expect("derived just above");
        let rows = Arc::clone(&derived.rows);
        if filter.is_empty() {
            return ReplicaRows {
                lists,
                accounts,
                rows,
                kept: None,
                measured: Arc::clone(&derived.measured),
            };
        }
        let (indices, measured) = match &derived.filtered {
            Some((f, indices, measured)) if f == filter => {
                (Arc::clone(indices), Arc::clone(measured))
            }
            _ => {
                let indices: Arc<[usize]> = rows
                    .iter()
                    .enumerate()
                    .filter(|(_, e)| keeps(filter, accounts[e.feed], &lists[e.feed][e.index], e))
                    .map(|(i, _)| i)
                    .collect();
                let measured = Arc::<Measured>::default();
                derived.filtered = Some((
                    filter.to_string(),
                    Arc::clone(&indices),
                    Arc::clone(&measured),
                ));
                (indices, measured)
            }
        };
        ReplicaRows {
            lists,
            accounts,
            rows,
            kept: Some(indices),
            measured,
        }
    }

    /// Every replica row, evaluated at `now` and sorted: worst verdict first, then by
    /// identifier (stable: equal rows keep their feed order).
    fn derive_replica_rows(&self) -> Vec<Evaluated> {
        let mut rows: Vec<Evaluated> = self
            .replicas
            .values()
            .enumerate()
            .filter_map(|(feed, f)| Some((feed, f.data()?, provenance(f, self.now)?)))
            .flat_map(|(feed, replicas, from)| {
                replicas.iter().enumerate().map(move |(index, replica)| {
                    let targets = self.workloads.targets_for(&replica.id);
                    let eval = judged_with_age(
                        evaluate::replica(replica, &targets, &self.workloads.thresholds, self.now),
                        from,
                        self.now,
                    );
                    Evaluated {
                        feed,
                        index,
                        targets,
                        eval,
                        from,
                    }
                })
            })
            .collect();
        let lists: Vec<&[Replica]> = self
            .replicas
            .values()
            .map(|feed| feed.data().map_or(&[][..], |list| list.as_slice()))
            .collect();
        let id = |e: &Evaluated| lists[e.feed][e.index].id.as_str();
        rows.sort_by(|a, b| {
            b.eval
                .verdict
                .cmp(&a.eval.verdict)
                .then_with(|| id(a).cmp(id(b)))
        });
        rows
    }

    /// The first instant after `now` at which a replica row may be judged otherwise (see the
    /// module's comment), or `None` when `now` is itself such an instant.
    fn judged_alike_until(&self) -> Option<Timestamp> {
        let now = self.now;
        let mut until: Option<Timestamp> = None;
        let mut earliest = |t: Timestamp| until = Some(until.map_or(t, |u| u.min(t)));
        for feed in self.replicas.values() {
            let Some(fetched_at) = feed.fetched_at() else {
                continue;
            };
            earliest(next_whole_second_of_age(fetched_at, now)?);
            let stale_after = SignedDuration::try_from(feed.interval * 2).ok();
            if let Some(turn) = stale_after.and_then(|d| fetched_at.checked_add(d).ok()) {
                match turn.cmp(&now) {
                    std::cmp::Ordering::Equal => return None,
                    std::cmp::Ordering::Greater => earliest(turn),
                    std::cmp::Ordering::Less => {}
                }
            }
            for replica in feed.data().into_iter().flatten() {
                if let Some(sample) = replica.latest_sample() {
                    earliest(next_whole_second_of_age(sample.at, now)?);
                }
            }
        }
        // Nothing is dated at all: no row depends on the clock.
        Some(until.unwrap_or(Timestamp::MAX))
    }
}

/// When the age of `then` next reaches a whole second after `now`: `then` itself while it is
/// ahead (an age from the future counts as zero); `None` when the age at `now` is a whole
/// number of seconds (the instant a comparison or a shown age turns).
fn next_whole_second_of_age(then: Timestamp, now: Timestamp) -> Option<Timestamp> {
    if now < then {
        return Some(then);
    }
    let age = now.duration_since(then);
    if age.subsec_nanos() == 0 {
        return None;
    }
    then.checked_add(SignedDuration::from_secs(age.as_secs() + 1))
        .ok()
}

/// Whether `filter` keeps a replica's row: any of its words, its workload or its verdict.
fn keeps(filter: &str, account: Option<&str>, r: &Replica, e: &Evaluated) -> bool {
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
            }],
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
        // Kept between the instants that can change a row: here the whole seconds of the
        // fetch (.4) and of the datapoint (.7), each derived on the instant and once after
        // it, so at most four a second, against twenty frames a second.
        assert!(
            view.replica_cache.derivations() <= 7 * 4 + 2,
            "{} derivations for 144 frames",
            view.replica_cache.derivations()
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
        assert_eq!(view.replica_cache.derivations(), 2);
        let ids: Vec<&str> = rows.iter().map(|r| r.replica.id.as_str()).collect();
        assert_eq!(ids, ["c-new"]);
        assert_eq!(
            view.replica_rows("steady").len(),
            0,
            "a new answer, a new pick"
        );
    }
}
