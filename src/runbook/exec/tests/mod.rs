//! The executor on its own: decisions and reports in, work out, with a hand-moved clock.
//! Helpers here; the tests by topic: decisions, paths through a runbook, resuming, steps in
//! doubt, and the fold property (the state rebuilt from the log is the live state).

use super::*;
use crate::runbook::exec::log::{Confirmation, InDoubtDecision, LogEvent, Seen};
use crate::runbook::exec::work::{Check, Job, Outcome, Report, ReportBody, Subject, Task, Work};
use crate::runbook::lang::check;
use crate::runbook::lang::model::Runbook;
use crate::runbook::lang::params::{self, ParamValues};
use jiff::Timestamp;
use std::sync::Arc;

mod decide;
mod doubt;
mod fold;
mod paths;
mod resume;

pub(super) const BOOK: &str = r#"---
title: Test failover
rto: 10m
rpo: 1m
parameters:
  replica:
    type: rds-instance-id
    default: orders-dr-usw2
  region:
    type: region
    default: us-west-2
  label:
    default: plain
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
```

## Promote

```ripcord
action: promote-read-replica
replica: "{{replica}}"
region: "{{region}}"
```

## Note it

```sh
echo "$RIPCORD_PARAM_REPLICA"
```
"#;

pub(super) fn t(s: i64) -> Timestamp {
    Timestamp::from_second(1_800_000_000 + s).expect("valid")
}

/// A fixed run id, as `RunIds` makes them.
pub(super) fn test_id(book: &Runbook) -> String {
    run_id(book, t(0), "0a1b2c")
}

pub(super) fn book(text: &str) -> Arc<Runbook> {
    Arc::new(check::load("test", "test.md", text).expect("valid runbook"))
}

pub(super) fn start(text: &str) -> (Run, Vec<Work>) {
    let b = book(text);
    let values = params::resolve(&b, &[]).expect("defaults fit");
    Run::start(test_id(&b), b, values, "tester", t(0)).expect("starts")
}

pub(super) fn holds(yes: bool) -> Vec<Check> {
    vec![Check::new(
        "condition",
        yes,
        if yes { "fine" } else { "not fine" },
    )]
}

pub(super) fn report(run: &Run, work: &Work, body: ReportBody) -> Report {
    Report {
        run: run.id.clone(),
        request: work.request,
        step: work.step,
        body,
    }
}

/// Runs the manual first step, then answers the gate's inspection with `gate_holds`.
pub(super) fn at_gate(gate_holds: bool) -> Run {
    let (mut run, work) = start(BOOK);
    assert!(work.is_empty(), "a manual step reads nothing");
    run.confirm(None, t(1)).expect("tick 1");
    let work = run.confirm(None, t(2)).expect("tick 2");
    assert_eq!(run.state.current, Some(1));
    assert_eq!(work.len(), 1);
    assert!(matches!(work[0].job, Job::Inspect(Subject::Condition(_))));
    run.on_report(
        report(&run, &work[0], ReportBody::Inspected(holds(gate_holds))),
        t(3),
    );
    run
}

/// Past the gate, at the promotion, with its pre-checks answered.
pub(super) fn at_promote() -> (Run, Work) {
    let mut run = at_gate(true);
    let work = run.confirm(None, t(4)).expect("gate passes");
    assert_eq!(run.state.current, Some(2));
    let inspect = work.into_iter().next().expect("pre-checks requested");
    assert!(matches!(inspect.job, Job::Inspect(Subject::PreChecks(_))));
    run.on_report(
        report(&run, &inspect, ReportBody::Inspected(holds(true))),
        t(5),
    );
    (run, inspect)
}

/// The run rebuilt from `run`'s log, as after a lost session (the same book and values).
pub(super) fn rebuilt(run: &Run, at: Timestamp) -> (Run, Vec<Work>) {
    Run::resume(
        run.book.clone(),
        run.params.clone(),
        run.log.clone(),
        "second-operator",
        None,
        at,
    )
    .expect("resumes")
}
