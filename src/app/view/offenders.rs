//! What the header says of the offenders, counted over the kept rows without copying them:
//! `FleetView::offenders` copies every one (for `ripcord status`), which at 10,000 replicas in
//! an outage is thousands of strings a frame.

use super::checks::ChecksOf;
use super::kept::Tally;
use crate::app::fleet::FleetView;
use crate::fleet::Verdict;

/// The offenders as the header shows them: how many of each verdict, and the worst one.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OffenderCounts {
    pub crit: usize,
    pub warn: usize,
    pub unknown: usize,
    /// The first of `FleetView::offenders`: `(verdict, what, why)`.
    pub worst: Option<(Verdict, String, String)>,
}

impl OffenderCounts {
    /// How many rows are not OK.
    pub fn total(&self) -> usize {
        self.crit + self.warn + self.unknown
    }

    /// Counts one row; the worst is the first row of the highest verdict (the order of
    /// `offenders`: replicas, recovery points, vaults, checks, each in its pane's order).
    fn count(&mut self, verdict: Verdict, what: impl FnOnce() -> (String, String)) {
        match verdict {
            Verdict::Crit => self.crit += 1,
            Verdict::Warn => self.warn += 1,
            Verdict::Unknown => self.unknown += 1,
            Verdict::Ok => return,
        }
        if self.worst.as_ref().is_none_or(|(v, _, _)| verdict > *v) {
            let (what, why) = what();
            self.worst = Some((verdict, what, why));
        }
    }

    /// Counts a list of rows by its `tally`, as `count` would count them one by one:
    /// `what_at` tells the row at a position.
    fn count_tally(
        &mut self,
        tally: Tally,
        what_at: impl FnOnce(usize) -> Option<(String, String)>,
    ) {
        self.crit += tally.count(Verdict::Crit);
        self.warn += tally.count(Verdict::Warn);
        self.unknown += tally.count(Verdict::Unknown);
        // The list's worst: the first row of its highest verdict.
        let Some((verdict, at)) = [Verdict::Crit, Verdict::Warn, Verdict::Unknown]
            .into_iter()
            .find_map(|v| Some((v, tally.first(v)?)))
        else {
            return;
        };
        if self.worst.as_ref().is_none_or(|(v, _, _)| verdict > *v)
            && let Some((what, why)) = what_at(at)
        {
            self.worst = Some((verdict, what, why));
        }
    }
}

impl FleetView {
    /// `offenders`, counted: what the header needs, without a copy of every offender.
    pub fn offender_counts(&self) -> OffenderCounts {
        let mut counts = OffenderCounts::default();
        // Counted once while the rows hold: 10,000 replicas are not gone through every frame.
        let replicas = self.replica_rows("");
        counts.count_tally(replicas.tally(), |i| {
            let r = replicas.get(i)?;
            Some((r.replica.id.clone(), r.eval.reason.clone()))
        });
        let points = self.point_rows("");
        counts.count_tally(points.tally(), |i| {
            let r = points.get(i)?;
            Some((r.point.resource_id.clone(), r.eval.reason.clone()))
        });
        for r in self.vault_rows("") {
            counts.count(r.eval.verdict, || {
                (format!("{}/{}", r.vault, r.resource_type), r.eval.reason)
            });
        }
        let checks = ChecksOf::new(self);
        let picked = self.checks_picked(&checks, "");
        for i in 0..picked.len() {
            let Some(e) = picked.get(i) else { continue };
            let Some((_, c)) = checks.check(e) else {
                continue;
            };
            counts.count(e.eval.verdict, || {
                (format!("{} ({})", c.name, c.id), e.eval.reason.clone())
            });
        }
        counts
    }
}

#[cfg(test)]
mod tests {
    use crate::app::view::tests::{outage_app, outage_sim, outage_start, waiting_view};
    use crate::app::{Event, Fetched};
    use crate::fleet::Verdict;

    #[test]
    fn the_counts_say_what_the_list_of_offenders_says() {
        let mut app = outage_app();
        let (sim, _) = outage_sim(300);
        let now = app.now;
        for region in ["us-east-1", "us-west-2", "eu-west-1"] {
            let result = sim.backups_at(region, now);
            app.update(
                Event::Fetched(Fetched::Backups {
                    place: region.into(),
                    result,
                }),
                now,
            );
        }
        let result = sim.health_checks_at(now);
        app.update(
            Event::Fetched(Fetched::Health {
                account: None,
                result,
            }),
            now,
        );
        let all = app.offenders();
        let counts = app.fleet.offender_counts();
        let of = |v: Verdict| all.iter().filter(|(x, _, _)| *x == v).count();
        assert!(of(Verdict::Crit) > 0 && of(Verdict::Warn) > 0, "{all:?}");
        assert_eq!(
            (counts.crit, counts.warn, counts.unknown, counts.total()),
            (
                of(Verdict::Crit),
                of(Verdict::Warn),
                of(Verdict::Unknown),
                all.len()
            )
        );
        assert_eq!(counts.worst.as_ref(), all.first());
        assert_eq!(app.fleet.overall(), app.fleet.overall_of(&all));
    }

    #[test]
    fn the_counts_kept_with_the_rows_follow_every_answer_and_turn_of_the_clock() {
        let (sim, regions) = outage_sim(300);
        let mut view = waiting_view(&sim, &regions);
        let mut changed = 0;
        let mut before = None;
        // The regions answer in turn, 700 ms apart, into the outage (lag moving at every
        // answer, verdicts turning); backups every third answer; frames in between. Then no
        // answer for a minute: the clock alone turns rows (feeds going stale).
        for n in 0..150i64 {
            let now = outage_start() + jiff::SignedDuration::from_millis(700 * n);
            if n >= 90 {
                view.now = now;
            } else {
                let region = &regions[usize::try_from(n).expect("small") % regions.len()];
                view.apply(
                    Fetched::Replicas {
                        place: region.clone().into(),
                        result: sim.replicas_at(region, now),
                    },
                    now,
                );
                if n % 3 == 0 {
                    view.apply(
                        Fetched::Backups {
                            place: region.clone().into(),
                            result: sim.backups_at(region, now),
                        },
                        now,
                    );
                }
            }
            for later in [0, 350] {
                view.now = now + jiff::SignedDuration::from_millis(later);
                let counts = view.offender_counts();
                let all = view.offenders();
                let of = |v: Verdict| all.iter().filter(|(x, _, _)| *x == v).count();
                assert_eq!(
                    (counts.crit, counts.warn, counts.unknown),
                    (of(Verdict::Crit), of(Verdict::Warn), of(Verdict::Unknown)),
                    "answer {n}, +{later} ms"
                );
                assert_eq!(
                    counts.worst.as_ref(),
                    all.first(),
                    "answer {n}, +{later} ms"
                );
                if before.as_ref().is_some_and(|b| *b != counts) {
                    changed += 1;
                }
                before = Some(counts);
            }
        }
        assert!(
            changed > 3,
            "the counts moved {changed} times: the outage must move them"
        );
    }
}
