use super::*;

const HEAD: &str = "---\ntitle: T\nrto: 15m\nrpo: 1m\nparameters:\n  replica:\n    type: rds-instance-id\n    default: orders-dr-usw2\n  region:\n    type: region\n    default: us-west-2\n---\n";

fn check(body: &str) -> Result<Runbook, Vec<String>> {
    load("t", "t.md", &format!("{HEAD}{body}"))
        .map_err(|ds| ds.into_iter().map(|d| d.to_string()).collect())
}

#[test]
fn a_good_runbook_loads_with_its_steps() {
    let book = check(
        "## Check lag\n\n```ripcord\ngate: replica-lag-below\nreplica: \"{{replica}}\"\nregion: \"{{region}}\"\nmax: rpo\n```\n\n## Promote\n\n```ripcord\naction: promote-read-replica\nreplica: \"{{replica}}\"\nregion: \"{{ region }}\"\n```\n",
    )
    .expect("valid");
    assert_eq!(book.steps.len(), 2);
    assert_eq!(book.steps[1].id, "promote");
    let StepBody::Action(a) = &book.steps[1].body else {
        panic!("an action")
    };
    assert!(a.destructive, "promotion always needs the typed name");
    assert_eq!(
        a.args.get("region").map(|t| t.raw.as_str()),
        Some("{{ region }}")
    );
}

#[test]
fn the_workload_a_runbook_serves_is_read_and_a_bad_one_is_placed() {
    let text = |w: &str| format!("---\ntitle: T\nrto: 15m\nworkload: {w}\n---\n## S\n\nTick.\n");
    let book = load("t", "t.md", &text("orders")).expect("valid");
    assert_eq!(book.workload.as_deref(), Some("orders"));
    let errs: Vec<String> = load("t", "t.md", &text("\"orders and billing\""))
        .expect_err("not a name")
        .into_iter()
        .map(|d| d.to_string())
        .collect();
    assert_eq!(
        errs,
        vec![
            "t.md:4:11: workload `orders and billing` is not a workload name: give the `name` of a `[[workload]]` in the config (letters, digits, - _ .)"
        ]
    );
}

#[test]
fn unknown_parameters_are_placed_on_the_reference() {
    let errs = check("## S\n\n```ripcord\naction: promote-read-replica\nregion: \"{{region}}\"\nreplica: \"x-{{replca}}\"\n```\n")
        .expect_err("unknown param");
    assert_eq!(
        errs,
        vec![
            "t.md:18:13: unknown parameter {{replca}}: did you mean {{replica}}? the front matter declares replica, region"
        ]
    );
}

#[test]
fn jumps_must_go_forward_to_a_known_step_and_orphans_are_found() {
    let errs = check("## A\n\n```ripcord\ngate: health-check-healthy\ncheck: hc\nnext: c\n```\n\n## B\n\nTick.\n\n## C\n\nDone.\n")
        .expect_err("b unreachable");
    assert_eq!(errs.len(), 1);
    assert!(
        errs[0].starts_with("t.md:21:1: step `B` can never be reached"),
        "{errs:?}"
    );
    let errs = check(
        "## A\n\nx\n\n## B\n\n```ripcord\nwait: health-check-healthy\ncheck: hc\nnext: a\n```\n",
    )
    .expect_err("backwards");
    assert!(errs[0].contains("only jump forward"), "{errs:?}");
}

/// A runbook of the given step kinds, in order: 0 manual with a checklist, 1 an action,
/// 2 a gate jumping to the next step, 3 a `sh` block with an option, 4 an action with an
/// unknown parameter (a problem placed inside its block), 5 a `sh` block with an unknown
/// option (a problem placed on its fence line).
fn book_of(kinds: &[u8]) -> String {
    let mut text = HEAD.to_string();
    for (i, kind) in kinds.iter().enumerate() {
        text.push_str(&format!("## Step {i}\n\n"));
        text.push_str(&match kind % 6 {
            0 => format!("Tell them.\n\n- [ ] Page the on-call for step {i}\n\n"),
            1 => "```ripcord\naction: promote-read-replica\nreplica: \"{{replica}}\"\nregion: \"{{region}}\"\n```\n\n".to_string(),
            2 => format!("```ripcord\ngate: replica-lag-below\nreplica: \"{{{{replica}}}}\"\nregion: \"{{{{region}}}}\"\nmax: rpo\nnext: step-{}\n```\n\n", i + 1),
            3 => "```sh timeout=30s\necho \"$RIPCORD_PARAM_REPLICA\"\n```\n\n".to_string(),
            4 => "```ripcord\naction: promote-read-replica\nreplica: \"{{replca}}\"\nregion: \"{{region}}\"\n```\n\n".to_string(),
            _ => "```sh retries=3\necho \"$RIPCORD_PARAM_REGION\"\n```\n\n".to_string(),
        });
    }
    text.push_str(&format!("## Step {}\n\nDone.\n", kinds.len()));
    text
}

/// The work of placing positions and resolving jumps while checking a runbook.
fn effort_of(text: &str) -> usize {
    parse::effort::take();
    let _ = load("t", "t.md", text);
    parse::effort::take()
}

proptest::proptest! {
    #![proptest_config(proptest::prelude::ProptestConfig { cases: 12, ..Default::default() })]

    /// Doubling the steps at most doubles the work (with some slack for a longer first
    /// line number): `ripcord runbook check` took 12 s for 8,000 steps because every
    /// position was found by reading the file from its start.
    #[test]
    fn checking_twice_the_steps_is_twice_the_work(
        kinds in proptest::collection::vec(0u8..6, 100..200)
    ) {
        let steps = kinds.len();
        let once = effort_of(&book_of(&kinds));
        let twice = effort_of(&book_of(&[kinds.clone(), kinds].concat()));
        proptest::prop_assert!(
            twice <= once * 5 / 2,
            "work for {steps} steps was {once}, for twice as many {twice}"
        );
    }
}

#[test]
fn gates_with_otherwise_reach_both_branches() {
    let book = check("## A\n\n```ripcord\ngate: health-check-healthy\ncheck: hc\notherwise: c\n```\n\n## B\n\n```ripcord\nwait: health-check-healthy\ncheck: hc\nnext: end\n```\n\n## C\n\nDone.\n")
        .expect("valid");
    assert_eq!(reachable(&book), vec![true, true, true]);
    assert_eq!(successor(&book, 1), Target::End);
}
