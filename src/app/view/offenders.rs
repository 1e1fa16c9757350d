//! What the header says of the offenders, counted over the kept rows without copying them:
//! `FleetView::offenders` copies every one (for `ripcord status`), which at 10,000 replicas in
//! an outage is thousands of strings a frame.

use super::checks::ChecksOf;
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
}

impl FleetView {
    /// `offenders`, counted: what the header needs, without a copy of every offender.
    pub fn offender_counts(&self) -> OffenderCounts {
        let mut counts = OffenderCounts::default();
        for r in &self.replica_rows("") {
            counts.count(r.eval.verdict, || {
                (r.replica.id.clone(), r.eval.reason.clone())
            });
        }
        for r in &self.point_rows("") {
            counts.count(r.eval.verdict, || {
                (r.point.resource_id.clone(), r.eval.reason.clone())
            });
        }
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
    use crate::app::view::tests::outage_app;
    use crate::app::{Event, Fetched};
    use crate::clock::Clock;
    use crate::fleet::Verdict;
    use crate::source::sim::{Scenario, SimFleet, SimOptions};
    use jiff::Timestamp;

    #[test]
    fn the_counts_say_what_the_list_of_offenders_says() {
        let mut app = outage_app();
        let start = Timestamp::from_second(1_800_000_000).expect("valid");
        let sim = SimFleet::new(SimOptions {
            fleet_size: 300,
            scenario: Scenario::RegionOutage,
            clock: Clock::manual(start),
            ..SimOptions::default()
        });
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
}
