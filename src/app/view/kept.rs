//! A list of rows derived from the feeds and kept between frames: derived again when a feed it
//! reads answers (its `key` moves), judged again when the clock reaches an instant that can
//! change a row (`alike`), and picked by the filter from the kept rows. The lists of the
//! backups and health panes use it; the replica rows have their own (`replicas.rs`).

use super::alike::holds;
use crate::fleet::{Place, Verdict};
use jiff::Timestamp;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

/// What is read over a whole list of rows and holds while its rows are unchanged: the column
/// widths the screen measured, by which columns it asked for (see `Picked::measured`), and
/// its verdicts counted (`Picked::tally`).
#[derive(Default)]
pub(crate) struct Measured {
    widths: Mutex<Vec<(u64, Arc<[u16]>)>>,
    tally: OnceLock<Tally>,
}

/// How many rows of a list have each verdict, and which is the first of each.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Tally {
    count: [usize; 4],
    first: [Option<usize>; 4],
}

impl Tally {
    fn of<E: KeptRow>(rows: &Picked<E>) -> Self {
        let mut tally = Self::default();
        for i in 0..rows.len() {
            let Some(row) = rows.get(i) else { continue };
            let v = row.verdict() as usize;
            tally.count[v] += 1;
            tally.first[v].get_or_insert(i);
        }
        tally
    }

    pub(crate) fn count(&self, verdict: Verdict) -> usize {
        self.count[verdict as usize]
    }

    /// The position of the first row judged `verdict`, if any is.
    pub(crate) fn first(&self, verdict: Verdict) -> Option<usize> {
        self.first[verdict as usize]
    }
}

impl Measured {
    /// The widths measured for `columns`, measured now when they are not yet.
    pub(crate) fn get_or(&self, columns: u64, measure: impl FnOnce() -> Vec<u16>) -> Arc<[u16]> {
        let lock = || self.widths.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((_, widths)) = lock().iter().find(|(c, _)| *c == columns) {
            return Arc::clone(widths);
        }
        let widths: Arc<[u16]> = measure().into();
        lock().push((columns, Arc::clone(&widths)));
        widths
    }
}

/// A kept row: what it was judged and until when that holds.
pub(crate) trait KeptRow: Clone {
    fn verdict(&self) -> Verdict;
}

/// What judging a list again did.
#[derive(Default)]
pub(crate) struct Judged {
    /// How many rows were judged again.
    pub rows: u64,
    /// Whether the order may have changed (the list is then sorted again).
    pub reordered: bool,
    /// Whether a cell the screen measures once per list (see `Picked::measured`) may have
    /// changed, besides the verdict (always compared).
    pub cells_changed: bool,
}

/// How a list is derived and judged again, given the view it reads.
pub(crate) trait Derive<E> {
    /// Every row, in the list's order, judged at the view's `now`.
    fn derive(&self) -> Vec<E>;
    /// Judges again, at the view's `now`, the rows whose judgement no longer holds.
    fn judge_again(&self, rows: &mut [E]) -> Judged;
    /// Puts the rows in the list's order (stable).
    fn sort(&self, rows: &mut [E]);
    /// The first instant after `now` at which a row may be judged otherwise; `None` when
    /// `now` itself is one (see `alike::Alike`).
    fn alike_until(&self, rows: &[E]) -> Option<Timestamp>;
    /// Whether `filter` (not empty) keeps a row.
    fn keeps(&self, filter: &str, row: &E) -> bool;
    /// Makes `rows`, the list kept before (judged at or before the view's `now`), the list
    /// after some of the feeds it reads answered: the rows of the feeds that did not answer
    /// kept (judged again where their judgement no longer holds), the others derived, all in
    /// the list's order, exactly the rows `derive` would give; says how many rows were
    /// derived. The rows are changed where they are: at 10,000 rows, a copy of the list per
    /// answer cost as much as deriving a region's. `None` (the default): derive them all
    /// (`rows` is then dropped, however far it was changed).
    fn derive_again(&self, _rows: &mut Vec<E>) -> Option<u64> {
        None
    }
}

/// `stamps` (answers numbered by place, as `FleetView::replica_stamps`) in the order of the
/// feeds at `places`; 0 where a feed has no answer yet.
pub(crate) fn stamps_by_feed<'p>(
    places: impl Iterator<Item = &'p Place>,
    stamps: &BTreeMap<Place, u64>,
) -> Vec<u64> {
    places
        .map(|place| stamps.get(place).copied().unwrap_or(0))
        .collect()
}

/// For a `derive_again` whose rows each come from one answer of one feed: by feed, whether the
/// feed has not answered since `kept` was derived, that is whether a row of it is of its last
/// answer (`stamps`, by feed). `of_answer` gives a row's feed and answer; `None` for a row
/// read from every feed, which is never kept.
pub(crate) fn unmoved_feeds<E>(
    kept: &[E],
    stamps: &[u64],
    of_answer: impl Fn(&E) -> Option<(usize, u64)>,
) -> Vec<bool> {
    let mut unmoved = vec![false; stamps.len()];
    for (feed, stamp) in kept.iter().filter_map(&of_answer) {
        if stamps.get(feed) == Some(&stamp) {
            unmoved[feed] = true;
        }
    }
    unmoved
}

struct List<E> {
    key: [u64; 2],
    judged_at: Timestamp,
    until: Option<Timestamp>,
    /// A `Vec`, so that an answer changes the rows where they are (`Derive::derive_again`).
    rows: Arc<Vec<E>>,
    measured: Arc<Measured>,
    /// The last filter asked for, the rows it keeps (indices into `rows`) and what the
    /// screen measured over them.
    filtered: Option<(String, Arc<[usize]>, Arc<Measured>)>,
}

/// The kept rows of one list.
pub(crate) struct Kept<E> {
    list: Mutex<Option<List<E>>>,
    derivations: AtomicU64,
    rows_derived: AtomicU64,
    rows_judged: AtomicU64,
}

impl<E> Default for Kept<E> {
    fn default() -> Self {
        Self {
            list: Mutex::new(None),
            derivations: AtomicU64::new(0),
            rows_derived: AtomicU64::new(0),
            rows_judged: AtomicU64::new(0),
        }
    }
}

impl<E: KeptRow> Kept<E> {
    /// The rows `filter` keeps at `now`, from the feeds as `key` counts their answers.
    pub(crate) fn rows(
        &self,
        key: [u64; 2],
        now: Timestamp,
        filter: &str,
        how: &impl Derive<E>,
    ) -> Picked<E> {
        let mut list = self.list.lock().unwrap_or_else(|p| p.into_inner());
        match list.as_mut() {
            Some(l) if l.key == key && holds(l.judged_at, l.until, now) => {}
            // Later than judged, same answers: judge again only the rows that turned.
            Some(l) if l.key == key && now > l.judged_at => {
                let before: Vec<Verdict> = l.rows.iter().map(KeptRow::verdict).collect();
                if Arc::get_mut(&mut l.rows).is_none() {
                    // A handle from an earlier frame still reads them: copy, then judge.
                    l.rows = Arc::new(l.rows.to_vec());
                }
                let rows = Arc::get_mut(&mut l.rows).expect("not shared: copied above");
                let judged = how.judge_again(rows);
                self.rows_judged.fetch_add(judged.rows, Ordering::Relaxed);
                let reordered = judged.reordered;
                if reordered {
                    how.sort(rows);
                }
                let changed = reordered
                    || judged.cells_changed
                    || l.rows
                        .iter()
                        .map(KeptRow::verdict)
                        .ne(before.iter().copied());
                if changed {
                    // A verdict is a cell and a word the filter matches; the filter's picks are
                    // indices into the rows' order.
                    l.measured = Arc::default();
                    l.filtered = None;
                }
                l.judged_at = now;
                l.until = how.alike_until(&l.rows);
            }
            _ => {
                // Other answers: where the list can say which rows they moved, only those.
                let again = list.as_mut().filter(|l| now >= l.judged_at).and_then(|l| {
                    // Unless a handle from an earlier frame still reads them, the rows
                    // themselves, not a copy.
                    let mut rows = Arc::try_unwrap(std::mem::take(&mut l.rows))
                        .unwrap_or_else(|shared| shared.to_vec());
                    let derived = how.derive_again(&mut rows)?;
                    Some((rows, derived))
                });
                let rows = match again {
                    Some((rows, derived)) => {
                        self.rows_derived.fetch_add(derived, Ordering::Relaxed);
                        rows
                    }
                    None => {
                        self.derivations.fetch_add(1, Ordering::Relaxed);
                        let rows = how.derive();
                        self.rows_derived
                            .fetch_add(rows.len() as u64, Ordering::Relaxed);
                        rows
                    }
                };
                *list = Some(List {
                    key,
                    judged_at: now,
                    until: how.alike_until(&rows),
                    rows: Arc::new(rows),
                    measured: Arc::default(),
                    filtered: None,
                });
            }
        }
        let l = list.as_mut().expect("kept just above");
        if filter.is_empty() {
            return Picked {
                rows: Arc::clone(&l.rows),
                kept: None,
                measured: Arc::clone(&l.measured),
            };
        }
        let (kept, measured) = match &l.filtered {
            Some((f, kept, measured)) if f == filter => (Arc::clone(kept), Arc::clone(measured)),
            _ => {
                let kept: Arc<[usize]> = l
                    .rows
                    .iter()
                    .enumerate()
                    .filter(|(_, row)| how.keeps(filter, row))
                    .map(|(i, _)| i)
                    .collect();
                let measured = Arc::<Measured>::default();
                l.filtered = Some((filter.to_string(), Arc::clone(&kept), Arc::clone(&measured)));
                (kept, measured)
            }
        };
        Picked {
            rows: Arc::clone(&l.rows),
            kept: Some(kept),
            measured,
        }
    }

    /// How many times every row was derived (a feed answered and the list could not say which
    /// rows that moved), for the tests of the reuse.
    #[cfg(test)]
    pub(crate) fn derivations(&self) -> u64 {
        self.derivations.load(Ordering::Relaxed)
    }

    /// How many rows were derived in all, by whole derivations and by parts
    /// (`Derive::derive_again`).
    #[cfg(test)]
    pub(crate) fn rows_derived(&self) -> u64 {
        self.rows_derived.load(Ordering::Relaxed)
    }

    /// How many rows were judged again in all (the clock reached their turns).
    #[cfg(test)]
    pub(crate) fn rows_judged(&self) -> u64 {
        self.rows_judged.load(Ordering::Relaxed)
    }
}

/// The rows a filter keeps, in the list's order: a cheap handle on the kept list.
pub(crate) struct Picked<E> {
    rows: Arc<Vec<E>>,
    /// `None`: every row (no filter).
    kept: Option<Arc<[usize]>>,
    measured: Arc<Measured>,
}

impl<E> Picked<E> {
    pub(crate) fn len(&self) -> usize {
        self.kept.as_ref().map_or(self.rows.len(), |k| k.len())
    }

    pub(crate) fn get(&self, i: usize) -> Option<&E> {
        let at = match &self.kept {
            Some(kept) => *kept.get(i)?,
            None => i,
        };
        self.rows.get(at)
    }

    /// Widths measured once over these rows for each `columns` (a number naming the set of
    /// columns): valid while the rows are kept unchanged, so only cells that do not move with
    /// the clock may be measured this way.
    pub(crate) fn measured(&self, columns: u64, measure: impl FnOnce() -> Vec<u16>) -> Arc<[u16]> {
        self.measured.get_or(columns, measure)
    }
}

impl<E: KeptRow> Picked<E> {
    /// The rows' verdicts counted, once while the rows and their verdicts are unchanged (what
    /// `measured` holds): the header reads them every frame.
    pub(crate) fn tally(&self) -> Tally {
        *self.measured.tally.get_or_init(|| Tally::of(self))
    }
}
