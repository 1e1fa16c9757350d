//! What the run view says about a step in doubt whose end state cannot be told.

use super::enter_text;
use crate::runbook::exec::work::{Check, Report, ReportBody, Work};
use crate::runbook::exec::{Run, run_id};
use crate::runbook::lang::check;
use crate::runbook::lang::params;
use jiff::Timestamp;
use std::sync::Arc;

const BOOK: &str = r#"---
title: Aurora failover in region
rto: 10m
---
## Fail over

```ripcord
action: failover-db-cluster
cluster: orders-aurora
region: us-west-2
```
"#;

fn t(s: i64) -> Timestamp {
    Timestamp::from_second(1_800_000_000 + s).expect("valid")
}

fn answer(run: &mut Run, work: &Work, checks: Vec<Check>, at: i64) {
    run.on_report(
        Report {
            run: run.id.clone(),
            request: work.request,
            step: work.step,
            body: ReportBody::Inspected(checks),
        },
        t(at),
    );
}

#[test]
fn a_step_in_doubt_that_cannot_be_told_says_so_and_asks_for_the_name() {
    let book = Arc::new(check::load("t", "t.md", BOOK).expect("valid"));
    let values = params::resolve(&book, &[]).expect("fits");
    let id = run_id(&book, t(0), "0a1b2c");
    let (mut run, work) = Run::start(id, book, values, "tester", t(0)).expect("starts");
    answer(
        &mut run,
        &work[0],
        vec![Check::new("exists", true, "yes")],
        1,
    );
    assert_eq!(
        enter_text(&run.next_move(t(2)).expect("Enter can be pressed")),
        "Enter runs it",
        "not destructive by itself"
    );
    run.confirm(None, t(2)).expect("sent");
    let (mut resumed, work) = Run::resume(
        run.book.clone(),
        run.params.clone(),
        run.log.clone(),
        "next",
        None,
        t(10),
    )
    .expect("resumes");
    answer(
        &mut resumed,
        &work[0],
        vec![Check::unknown(
            "the writer of orders-aurora moved",
            "compare with the writer in the run log",
        )],
        11,
    );
    assert_eq!(
        enter_text(&resumed.next_move(t(12)).expect("Enter can be pressed")),
        "ripcord cannot tell whether it happened: Enter, then type orders-aurora, sends it again; s skips it with a reason if it did"
    );
}
