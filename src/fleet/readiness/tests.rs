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
