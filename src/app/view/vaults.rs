//! The vault rows (one per account, region, vault and resource type), kept between frames
//! (`kept.rs`): derived when a backups feed answers, and again only when the clock reaches an
//! instant that can change one: a feed turning stale, or the age a stale row's reason shows.

use super::alike::Alike;
use super::kept::{Derive, Judged, KeptRow};
use super::{VaultRow, judged_with_age, matches, provenance};
use crate::app::fleet::FleetView;
use crate::fleet::{Evaluation, Verdict, Window, evaluate};
use jiff::Timestamp;
use std::collections::BTreeMap;

impl KeptRow for VaultRow {
    fn verdict(&self) -> Verdict {
        self.eval.verdict
    }
}

/// How the vault rows are derived from a view.
pub(super) struct VaultsOf<'a>(pub &'a FleetView);

impl Derive<VaultRow> for VaultsOf<'_> {
    fn derive(&self) -> Vec<VaultRow> {
        let view = self.0;
        type Key = (Option<String>, String, String, String);
        let mut grouped: BTreeMap<Key, VaultRow> = BTreeMap::new();
        for (place, feed) in &view.backups {
            let (Some(health), Some(from)) = (feed.data(), provenance(feed, view.now)) else {
                continue;
            };
            for s in &health.stats {
                let key = (
                    place.account.clone(),
                    s.region.to_string(),
                    s.vault.to_string(),
                    s.resource_type.to_string(),
                );
                let row = grouped.entry(key).or_insert_with(|| VaultRow {
                    account: place.account.clone(),
                    region: s.region.to_string(),
                    vault: s.vault.to_string(),
                    resource_type: s.resource_type.to_string(),
                    counts: [None; 3],
                    eval: Evaluation::unknown("no finished jobs in 24h"),
                    from,
                });
                let slot = Window::ALL.iter().position(|w| *w == s.window).unwrap_or(0);
                row.counts[slot] = Some(s.counts);
                if s.window == Window::Day {
                    row.eval = judged_with_age(
                        evaluate::backup_stats(s, &view.workloads.thresholds),
                        from,
                        view.now,
                    );
                }
            }
        }
        let mut rows: Vec<VaultRow> = grouped.into_values().collect();
        self.sort(&mut rows);
        rows
    }

    fn judge_again(&self, rows: &mut [VaultRow]) -> Judged {
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

    fn sort(&self, rows: &mut [VaultRow]) {
        rows.sort_by(|a, b| {
            let rate = |r: &VaultRow| r.counts[0].and_then(|c| c.success_rate()).unwrap_or(1.0);
            b.eval
                .verdict
                .cmp(&a.eval.verdict)
                .then_with(|| rate(a).total_cmp(&rate(b)))
        });
    }

    fn alike_until(&self, _rows: &[VaultRow]) -> Option<Timestamp> {
        // A vault's counts do not age: only its feed's freshness, and a stale row's reason.
        let view = self.0;
        let mut alike = Alike::new(view.now);
        for feed in view.backups.values() {
            let Some(from) = provenance(feed, view.now) else {
                continue;
            };
            alike.turns_after(from.fetched_at, feed.interval * 2);
            if from.stale {
                alike.shown_age(from.fetched_at);
            }
        }
        alike.until()
    }

    fn keeps(&self, filter: &str, r: &VaultRow) -> bool {
        matches(
            filter,
            &[
                r.account.as_deref().unwrap_or(""),
                &r.region,
                &r.vault,
                &r.resource_type,
                r.eval.verdict.word(),
            ],
        )
    }
}

impl FleetView {
    /// One row per (account, region, vault, resource type), worst 24 h success rate first.
    pub fn vault_rows(&self, filter: &str) -> Vec<VaultRow> {
        let picked = self.vault_cache.rows(
            [self.backup_generation, 0],
            self.now,
            filter,
            &VaultsOf(self),
        );
        (0..picked.len())
            .filter_map(|i| picked.get(i).cloned())
            .collect()
    }
}
