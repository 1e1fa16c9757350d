use super::*;

#[test]
fn what_cannot_be_told_is_never_ready() {
    assert_eq!(Readiness::of(Verdict::Ok), Readiness::Ready);
    assert_eq!(Readiness::of(Verdict::Unknown), Readiness::AtRisk);
    assert_eq!(Readiness::of(Verdict::Warn), Readiness::AtRisk);
    assert_eq!(Readiness::of(Verdict::Crit), Readiness::NotReady);
    assert!(Readiness::NotReady > Readiness::AtRisk && Readiness::AtRisk > Readiness::Ready);
}

#[test]
fn a_workload_with_nothing_read_is_at_risk() {
    let now = Timestamp::from_second(1_800_000_000).expect("valid");
    let d = Workloads::default();
    let w = crate::fleet::Workload {
        name: "w".into(),
        rpo: Duration::from_secs(60),
        rto: Duration::from_secs(60),
        backup_rpo: None,
        resources: vec!["w-*".into()],
        drill_every: None,
    };
    let all = Workloads::new(vec![w], d.default_targets, d.thresholds);
    let judged = judge(
        &all,
        &Fleet::default(),
        &Drills::NoDirectory { dir: "/x".into() },
        &[],
        now,
    );
    assert_eq!(judged[0].verdict, Readiness::AtRisk);
}

fn drill(run_id: &str, simulated: bool) -> Drill {
    let at = Timestamp::from_second(1_800_000_000).expect("valid");
    Drill {
        run_id: run_id.into(),
        runbook: "backup-restore-drill".into(),
        started: at,
        ended: Some(at),
        outcome: DrillOutcome::Finished {
            elapsed: Duration::from_secs(13),
            within_runbook_rto: true,
        },
        measured_restore: None,
        head: "ab".repeat(32),
        sealed: true,
        against: if simulated { "the simulator" } else { "AWS" }.into(),
        simulated,
    }
}

#[test]
fn rehearsals_join_the_drills_named_as_such_and_never_hide_an_unlisted_audit_directory() {
    let rehearsals = Drills::Found {
        dir: "/d/demo/audit".into(),
        runs: vec![drill("rehearsed", true), drill("not-simulated", false)],
        not_evidence: vec![NotEvidence {
            file: "x.jsonl".into(),
            why: "line 2: broken chain".into(),
        }],
    };
    // No audit directory yet: the rehearsal is the only drill, named as a rehearsal; a run in
    // that directory that is not against the simulator is not taken.
    let joined = Drills::NoDirectory {
        dir: "/d/audit".into(),
    }
    .with_rehearsals(&rehearsals);
    let Drills::Found {
        dir,
        runs,
        not_evidence,
    } = &joined
    else {
        panic!("{joined:?}");
    };
    assert!(
        dir.contains("/d/audit") && dir.contains("/d/demo/audit"),
        "{dir}"
    );
    assert_eq!(runs.len(), 1, "{runs:?}");
    assert_eq!(runs[0].run_id, "rehearsed");
    assert_eq!(runs[0].against, REHEARSED);
    assert_eq!(not_evidence[0].file, "/d/demo/audit/x.jsonl");
    // The audit directory's own drills stay, beside it.
    let joined = Drills::Found {
        dir: "/d/audit".into(),
        runs: vec![drill("mine", true)],
        not_evidence: vec![],
    }
    .with_rehearsals(&rehearsals);
    let Drills::Found { runs, .. } = &joined else {
        panic!("{joined:?}");
    };
    let ids: Vec<&str> = runs.iter().map(|d| d.run_id.as_str()).collect();
    assert_eq!(ids, ["mine", "rehearsed"]);
    // An audit directory that could not be listed may hold a newer, failed drill: cannot tell.
    let unlisted = Drills::Unlisted {
        dir: "/d/audit".into(),
        why: "permission denied".into(),
    };
    assert_eq!(unlisted.with_rehearsals(&rehearsals), unlisted);
    // No rehearsal directory: the drills as they were.
    let none = Drills::NoDirectory {
        dir: "/d/demo/audit".into(),
    };
    let found = Drills::Found {
        dir: "/d/audit".into(),
        runs: vec![drill("mine", true)],
        not_evidence: vec![],
    };
    assert_eq!(found.with_rehearsals(&none), found);
}
