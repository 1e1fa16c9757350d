//! A list of rows derived from the feeds and kept between frames: derived again when a feed it
//! reads answers (its `key` moves), judged again when the clock reaches an instant that can
//! change a row (`alike`), and picked by the filter from the kept rows. The lists of the
//! backups and health panes use it; the replica rows have their own (`replicas.rs`).

use super::alike::holds;
use crate::fleet::Verdict;
use jiff::Timestamp;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

/// Column widths the screen measured over a list of rows, by which columns it asked for: they
/// hold while the list's rows are unchanged (see `Picked::measured`).
#[derive(Default)]
pub(crate) struct Measured(Mutex<Vec<(u64, Arc<[u16]>)>>);

impl Measured {
    /// The widths measured for `columns`, measured now when they are not yet.
    pub(crate) fn get_or(&self, columns: u64, measure: impl FnOnce() -> Vec<u16>) -> Arc<[u16]> {
        let lock = || self.0.lock().unwrap_or_else(|p| p.into_inner());
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
    /// The list after some of the feeds it reads answered, from the rows `kept` before (judged
    /// at or before the view's `now`): the rows of the feeds that did not answer kept (judged
    /// again where their judgement no longer holds), the others derived, all in the list's
    /// order, exactly the rows `derive` would give. `None` (the default): derive them all.
    fn derive_again(&self, _kept: &[E]) -> Option<Rederived<E>> {
        None
    }
}

/// For a `derive_again` whose rows each come from one answer of one feed: the rows of `kept`
/// still of their feed's last answer (`stamps`, by feed), in order, and the feeds whose rows
/// must be derived again. `of_answer` gives a row's feed and answer; `None` for a row read
/// from every feed, which is never kept.
pub(crate) fn unmoved_rows<E: Clone>(
    kept: &[E],
    stamps: &[u64],
    of_answer: impl Fn(&E) -> Option<(usize, u64)>,
) -> (Vec<E>, Vec<usize>) {
    let mut unmoved = vec![false; stamps.len()];
    for (feed, stamp) in kept.iter().filter_map(&of_answer) {
        if stamps.get(feed) == Some(&stamp) {
            unmoved[feed] = true;
        }
    }
    let rows = kept
        .iter()
        .filter(|e| of_answer(e).is_some_and(|(feed, _)| unmoved.get(feed) == Some(&true)))
        .cloned()
        .collect();
    let moved = (0..stamps.len()).filter(|f| !unmoved[*f]).collect();
    (rows, moved)
}

/// A list derived again in part (`Derive::derive_again`).
pub(crate) struct Rederived<E> {
    pub rows: Vec<E>,
    /// How many of them were derived (the others were kept).
    pub derived: u64,
}

struct List<E> {
    key: [u64; 2],
    judged_at: Timestamp,
    until: Option<Timestamp>,
    rows: Arc<[E]>,
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
                    l.rows = l.rows.to_vec().into();
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
                let again = list
                    .as_ref()
                    .filter(|l| now >= l.judged_at)
                    .and_then(|l| how.derive_again(&l.rows));
                let rows = match again {
                    Some(again) => {
                        self.rows_derived
                            .fetch_add(again.derived, Ordering::Relaxed);
                        again.rows
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
                    rows: rows.into(),
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
    rows: Arc<[E]>,
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
