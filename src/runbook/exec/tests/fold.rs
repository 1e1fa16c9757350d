//! The property of issue 8: the run is a fold over its log. For random runs (confirmations,
//! typed names right and wrong, skips, failures, retries, aborts, late results, time passing,
//! and crashes at random entries followed by a resume), the state rebuilt from the log equals
//! the live state at every point the live run was seen; a resumed run never stands on a step
//! that is already over, and resuming never sends anything by itself.

use super::*;
use proptest::prelude::*;

/// Every kind of step, a gate with `otherwise`, and a `next:` that jumps over a step.
const PROP_BOOK: &str = r#"---
title: Fold property
rto: 10m
rpo: 1m
parameters:
  replica:
    type: rds-instance-id
    default: orders-dr-usw2
  region:
    type: region
    default: us-west-2
---
## Page the owner

- [ ] page the owner
- [ ] open the bridge

## Lag is small

```ripcord
gate: replica-lag-below
replica: "{{replica}}"
region: "{{region}}"
max: rpo
otherwise: fail-over
```

## Promote

```ripcord
action: promote-read-replica
replica: "{{replica}}"
region: "{{region}}"
next: wait-for-it
```

## Fail over

```ripcord
action: failover-db-cluster
cluster: orders-aurora
region: "{{region}}"
```

## Wait for it

```ripcord
wait: db-instance-available
instance: "{{replica}}"
region: "{{region}}"
timeout: 5m
```

## Note it

```sh
echo done
```
"#;

/// What happens next, to the run or to the cockpit.
#[derive(Debug, Clone)]
enum Move {
    /// Enter, with what was asked typed right (or wrong).
    Confirm {
        typed_right: bool,
    },
    Skip,
    /// `o`: down the current gate's `otherwise:` way (refused where there is none).
    Otherwise,
    /// `o` at an action: its liftable pre-check's limit lifted (refused where none blocks).
    Lift,
    Retry,
    Abort,
    /// The oldest read still out is answered: holds, does not, or cannot tell; and whether
    /// the check is a limit the operator may lift.
    Answer(Option<bool>, bool),
    /// The oldest job still out ends.
    Finish {
        ok: bool,
    },
    /// Time passes (live values age, ticks read them again).
    Wait(u8),
    /// The cockpit dies; the log survives up to `keep` (a share of its entries, per mille);
    /// a new cockpit resumes from it.
    Crash {
        keep: u16,
    },
}

fn a_move() -> impl Strategy<Value = Move> {
    prop_oneof![
        // Mostly typed right: a wrong name is a refusal, worth seeing now and then.
        5 => Just(Move::Confirm { typed_right: true }),
        1 => Just(Move::Confirm { typed_right: false }),
        2 => Just(Move::Skip),
        1 => Just(Move::Otherwise),
        1 => Just(Move::Lift),
        2 => Just(Move::Retry),
        1 => Just(Move::Abort),
        6 => (
            prop_oneof![Just(Some(true)), Just(Some(false)), Just(None)],
            any::<bool>()
        )
            .prop_map(|(holds, liftable)| Move::Answer(holds, liftable)),
        4 => any::<bool>().prop_map(|ok| Move::Finish { ok }),
        2 => (1u8..45).prop_map(Move::Wait),
        2 => (0u16..=1000).prop_map(|keep| Move::Crash { keep }),
    ]
}

/// The state the log gives, folded from scratch with `RunState::apply`.
fn fold(book: &Runbook, log: &[crate::runbook::exec::log::LogEntry]) -> RunState {
    let mut state = RunState::new(book);
    for entry in log {
        state.apply(book, entry).expect("every entry applies");
    }
    state
}

struct Cockpit {
    run: Run,
    /// Work issued and not answered yet, oldest first.
    out: Vec<Work>,
    now: i64,
    /// The live state each time the run was seen, with the length of its log then.
    seen: Vec<(usize, RunState)>,
}

impl Cockpit {
    fn look(&mut self) {
        self.seen.push((self.run.log.len(), self.run.state.clone()));
    }

    fn take(&mut self, work: Result<Vec<Work>, Refusal>) {
        if let Ok(work) = work {
            self.out.extend(work);
        }
    }

    fn play(&mut self, m: &Move) {
        self.now += 1;
        let now = t(self.now);
        match m {
            Move::Confirm { typed_right } => {
                let typed = self.run.typed_name_needed().map(|name| {
                    if *typed_right {
                        name
                    } else {
                        format!("{name}-x")
                    }
                });
                let work = self.run.confirm(typed.as_deref(), now);
                self.take(work);
            }
            Move::Skip => {
                let work = self.run.skip("the property says so", now);
                self.take(work);
            }
            Move::Otherwise => {
                let work = self.run.take_otherwise("the property says so", now);
                self.take(work);
            }
            Move::Retry => {
                let work = self.run.retry(now);
                self.take(work);
            }
            Move::Abort => {
                let _ = self.run.abort("the property says so", now);
            }
            Move::Lift => {
                let work = self.run.lift_limit("the property says so", now);
                self.take(work);
            }
            Move::Answer(holds, liftable) => {
                if let Some(i) = self
                    .out
                    .iter()
                    .position(|w| matches!(w.job, Job::Inspect(_)))
                {
                    let w = self.out.remove(i);
                    let check = match holds {
                        Some(h) => Check::new("condition", *h, "read"),
                        None => Check::unknown("condition", "timed out"),
                    };
                    let checks = vec![if *liftable { check.liftable() } else { check }];
                    let more = self
                        .run
                        .on_report(report(&self.run, &w, ReportBody::Inspected(checks)), now);
                    self.out.extend(more);
                }
            }
            Move::Finish { ok } => {
                if let Some(i) = self
                    .out
                    .iter()
                    .position(|w| matches!(w.job, Job::Perform { .. }))
                {
                    let w = self.out.remove(i);
                    let body = if *ok {
                        ReportBody::Done(Outcome::new("done"))
                    } else {
                        ReportBody::Failed("refused".into())
                    };
                    let more = self.run.on_report(report(&self.run, &w, body), now);
                    self.out.extend(more);
                }
            }
            Move::Wait(secs) => {
                self.now += i64::from(*secs);
                let more = self.run.tick(t(self.now));
                self.out.extend(more);
            }
            Move::Crash { keep } => self.crash(*keep, now),
        }
        self.look();
    }

    /// The cockpit dies with the log cut after some entry, and a new one resumes from it.
    fn crash(&mut self, keep: u16, now: Timestamp) {
        let len = self.run.log.len();
        let kept = (len * usize::from(keep) / 1000).clamp(1, len);
        if let Some((resumed, work)) = resumed_from(&self.run, kept, now) {
            // What was seen past the cut is gone with the old cockpit; what was seen
            // before it is a prefix of the new log too.
            self.seen.retain(|(len, _)| *len <= kept);
            self.run = resumed;
            self.out = work;
        }
    }
}

/// `run`'s log cut after `kept` entries, resumed: checked to go on as the live run would
/// have, or to be refused only when the run was over.
fn resumed_from(run: &Run, kept: usize, now: Timestamp) -> Option<(Run, Vec<Work>)> {
    let log = run.log[..kept].to_vec();
    let before = fold(&run.book, &log);
    match Run::resume(
        run.book.clone(),
        run.params.clone(),
        log.clone(),
        "next-operator",
        None,
        now,
    ) {
        Ok((resumed, work)) => {
            assert!(
                before.finished.is_none(),
                "a finished run was resumed: {before:?}"
            );
            assert!(
                work.iter().all(|w| matches!(w.job, Job::Inspect(_))),
                "resuming sent something: {work:?}"
            );
            assert_eq!(
                &resumed.log[..kept],
                &log[..],
                "the stored entries are kept as they are"
            );
            assert_eq!(fold(&resumed.book, &resumed.log), resumed.state);
            for (i, step) in before.steps.iter().enumerate() {
                if matches!(step.state, StepState::Done | StepState::Skipped) {
                    assert_eq!(
                        resumed.state.steps[i].state, step.state,
                        "step {i} was over and stays so"
                    );
                }
            }
            if let Some(i) = resumed.state.current {
                let state = resumed.state.steps[i].state;
                assert!(
                    !matches!(state, StepState::Done | StepState::Skipped),
                    "resumed on step {i}, which is already {state:?}: Enter would run it again"
                );
                assert_ne!(state, StepState::Running, "a sent step comes back in doubt");
            }
            Some((resumed, work))
        }
        Err(why) => {
            assert!(
                before.finished.is_some(),
                "an unfinished run must resume: {why}"
            );
            None
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn the_state_rebuilt_from_the_log_is_the_live_state_at_every_prefix(
        moves in prop::collection::vec(a_move(), 1..60)
    ) {
        let b = book(PROP_BOOK);
        let values = params::resolve(&b, &[]).expect("defaults fit");
        let (run, work) = Run::start(test_id(&b), b, values, "tester", t(0)).expect("starts");
        let mut cockpit = Cockpit { run, out: work, now: 0, seen: Vec::new() };
        cockpit.look();
        for m in &moves {
            cockpit.play(m);
            let run = &cockpit.run;
            prop_assert_eq!(&fold(&run.book, &run.log), &run.state, "after {:?}", m);
            let seqs: Vec<u64> = run.log.iter().map(|e| e.seq).collect();
            prop_assert_eq!(seqs, (1..=run.log.len() as u64).collect::<Vec<_>>());
        }
        // Every state the live run was seen in is the fold of the log as it was then.
        let run = &cockpit.run;
        for (len, state) in &cockpit.seen {
            prop_assert_eq!(&fold(&run.book, &run.log[..*len]), state);
        }
        // And a crash after any entry of the final log resumes as the live run would go on.
        for kept in 1..=run.log.len() {
            resumed_from(run, kept, t(cockpit.now + 1));
        }
    }
}
