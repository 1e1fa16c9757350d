//! Until when a judged row stays as it was judged: the first instant after `now` at which
//! anything a row says can differ (a comparison of an age with a limit turns, an age shown at
//! its precision moves, a feed turns stale). Rows kept between frames are judged again only
//! at such instants, so a kept row turns at the same instant as one judged afresh every frame.

use jiff::{SignedDuration, Timestamp};
use std::time::Duration;

/// Gathers the instants at which what was judged at `now` can turn; `until` gives the first.
pub(crate) struct Alike {
    now: Timestamp,
    until: Timestamp,
    /// `now` is itself an instant where something turns: only `now` is judged alike.
    on_a_turn: bool,
}

/// How close to an instant computed through floating point (a share of a limit) a judgement
/// made at `now` is held to that instant alone: far wider than any rounding of `f64` seconds.
const FUZZ: SignedDuration = SignedDuration::from_micros(1);

impl Alike {
    pub(crate) fn new(now: Timestamp) -> Self {
        Self {
            now,
            until: Timestamp::MAX,
            on_a_turn: false,
        }
    }

    /// A comparison that turns at `t`: `age > limit` (true from just after `t`), or a whole
    /// second of an age (a comparison with whole seconds, a shown age).
    pub(crate) fn turns_at(&mut self, t: Timestamp) {
        match t.cmp(&self.now) {
            std::cmp::Ordering::Equal => self.on_a_turn = true,
            std::cmp::Ordering::Greater => self.until = self.until.min(t),
            std::cmp::Ordering::Less => {}
        }
    }

    /// `turns_at(then + after)`, when that instant exists.
    pub(crate) fn turns_after(&mut self, then: Timestamp, after: Duration) {
        if let Some(t) = SignedDuration::try_from(after)
            .ok()
            .and_then(|d| then.checked_add(d).ok())
        {
            self.turns_at(t);
        }
    }

    /// A comparison of an age in `f64` seconds with a share of a limit, which turns within a
    /// rounding of `then + after`: held to the instant alone within `FUZZ` of it, and ended
    /// `FUZZ` before it otherwise.
    pub(crate) fn turns_near(&mut self, then: Timestamp, after_secs: f64) {
        let Ok(after) = SignedDuration::try_from_secs_f64(after_secs) else {
            return;
        };
        let Ok(t) = then.checked_add(after) else {
            return;
        };
        if self.now.duration_until(t).abs() <= FUZZ {
            self.on_a_turn = true;
        } else if let Ok(before) = t.checked_sub(FUZZ)
            && before > self.now
        {
            self.until = self.until.min(before);
        }
    }

    /// The age of `then` as `format_duration` shows it, which moves at its precision: every
    /// second below ten minutes, every minute below a day, every hour after.
    pub(crate) fn shown_age(&mut self, then: Timestamp) {
        if self.now < then {
            // Zero (a time from the future) until `then`.
            self.turns_at(then);
            return;
        }
        let secs = self.now.duration_since(then).as_secs();
        let unit = match secs {
            0..600 => 1,
            600..86_400 => 60,
            _ => 3600,
        };
        let next = (secs / unit + 1) * unit;
        self.turns_after(then, Duration::from_secs(next.unsigned_abs()));
    }

    /// Every whole second of the age of `then` (a comparison with whole-second limits).
    pub(crate) fn whole_seconds_of_age(&mut self, then: Timestamp) {
        if self.now < then {
            self.turns_at(then);
            return;
        }
        let age = self.now.duration_since(then);
        if age.subsec_nanos() == 0 {
            self.on_a_turn = true;
            return;
        }
        self.turns_after(then, Duration::from_secs(age.as_secs().unsigned_abs() + 1));
    }

    /// The first instant after `now` that can judge otherwise (`Timestamp::MAX`: none), or
    /// `None` when `now` is itself such an instant.
    pub(crate) fn until(&self) -> Option<Timestamp> {
        (!self.on_a_turn).then_some(self.until)
    }
}

/// Whether what was judged at `judged_at`, alike `until` (see `Alike::until`), holds at `now`.
pub(crate) fn holds(judged_at: Timestamp, until: Option<Timestamp>, now: Timestamp) -> bool {
    now == judged_at || (now > judged_at && until.is_some_and(|u| now < u))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fleet::{age_between, format_duration};

    fn at(millis: i64) -> Timestamp {
        Timestamp::from_millisecond(1_800_000_000_000 + millis).expect("valid")
    }

    /// For ages across every precision of `format_duration`, the shown age does not move
    /// before `shown_age`'s instant, and does move at it.
    #[test]
    fn a_shown_age_is_kept_exactly_until_it_moves() {
        let then = at(0);
        let starts: Vec<i64> = [0, 1, 59, 60, 61, 599, 600, 601, 3599, 3600, 86_399, 86_400]
            .iter()
            .flat_map(|s| [s * 1000, s * 1000 + 250, s * 1000 + 999])
            .chain([90_000_000, 200_000_123])
            .collect();
        for start in starts {
            let now = at(start);
            let mut alike = Alike::new(now);
            alike.shown_age(then);
            let until = alike
                .until()
                .expect("a shown age alone never holds at one instant");
            let shown = |t: Timestamp| format_duration(age_between(then, t));
            let millis = now.duration_until(until).as_millis();
            assert!(millis > 0, "{start}");
            for m in [0, millis / 2, millis - 1] {
                let t = now + SignedDuration::from_millis(i64::try_from(m).expect("fits"));
                assert_eq!(shown(t), shown(now), "from {start} ms, {m} ms later");
            }
            assert_ne!(
                shown(until),
                shown(now),
                "from {start} ms: moves at {until}"
            );
        }
    }

    #[test]
    fn a_comparison_holds_its_instant_alone_and_a_rounded_one_ends_just_before() {
        let mut on = Alike::new(at(5_000));
        on.turns_after(at(0), Duration::from_secs(5));
        assert_eq!(on.until(), None);
        let mut before = Alike::new(at(4_000));
        before.turns_after(at(0), Duration::from_secs(5));
        assert_eq!(before.until(), Some(at(5_000)));
        let mut near = Alike::new(at(4_000));
        near.turns_near(at(0), 5.0);
        assert_eq!(near.until(), Some(at(5_000) - FUZZ));
        let mut within = Alike::new(at(5_000) - SignedDuration::from_nanos(10));
        within.turns_near(at(0), 5.0);
        assert_eq!(within.until(), None);
        assert!(holds(at(1), None, at(1)) && !holds(at(1), None, at(2)));
        assert!(holds(at(1), Some(at(3)), at(2)) && !holds(at(1), Some(at(3)), at(3)));
    }
}
