//! The chain against every kind of damage, at random places in long logs: verify must name the
//! exact line and the kind every time. Plus the cases by hand.

use super::*;
use crate::audit::model::seal;
use proptest::prelude::*;
use serde_json::{Map, Value, json};

/// A realistic record body: the fields the journal writes, the event varying with `i`.
fn body(i: usize) -> Map<String, Value> {
    let event = match i % 4 {
        0 => json!({"type": "step-reached", "title": format!("Step {i}")}),
        1 => json!({"type": "intent", "attempt": 1, "destructive": i.is_multiple_of(3),
                    "how": {"by": "enter"}, "readings": [], "what": {"kind": "shell", "script": "true", "env": []}}),
        2 => json!({"type": "step-done", "summary": format!("done {i} ✔")}),
        _ => json!({"type": "session-lost", "why": "SIGHUP"}),
    };
    let value = json!({
        "at": format!("2026-11-21T03:{:02}:{:02}Z", (i / 60) % 60, i % 60),
        "run": "drill-20261121T030000Z",
        "runbook": {"name": "drill", "file": "runbooks/drill.md", "sha256": "ab".repeat(32)},
        "step": format!("step-{}", i / 4),
        "event": event,
        "operator": {"user": "ops", "host": "bastion", "aws": {"kind": "simulated"}},
    });
    match value {
        Value::Object(map) => map,
        _ => unreachable!("an object literal"),
    }
}

/// `n` chained lines, as the writer would produce them (without newlines).
fn chain(n: usize) -> Vec<String> {
    let mut head = GENESIS.to_string();
    (0..n)
        .map(|i| {
            let (line, hash) = seal(body(i), i as u64 + 1, &head);
            head = hash;
            line
        })
        .collect()
}

fn file(lines: &[String]) -> Vec<u8> {
    let mut out = Vec::new();
    for l in lines {
        out.extend_from_slice(l.as_bytes());
        out.push(b'\n');
    }
    out
}

fn head_of(lines: &[String]) -> String {
    check_line(lines.last().expect("a line").as_bytes())
        .expect("sound")
        .hash
}

fn expect_problem(bytes: &[u8], head: Option<&str>, line: usize, kind: ProblemKind) {
    match verify(bytes, head) {
        Ok(v) => panic!(
            "verify passed ({} records) but line {line} is {kind:?}",
            v.records
        ),
        Err(p) => assert_eq!((p.line, p.kind), (line, kind), "wrong diagnosis: {p}"),
    }
}

#[test]
fn an_untouched_chain_verifies_and_reports_its_head() {
    let lines = chain(30);
    let v = verify(&file(&lines), None).expect("sound");
    assert_eq!(v.records, 30);
    assert_eq!(v.head, head_of(&lines));
    assert!(verify(&file(&lines), Some(&v.head)).is_ok());
    assert_eq!(
        verify(b"", None).expect("empty").head,
        GENESIS,
        "an empty file is an empty chain"
    );
}

#[test]
fn a_rehashed_modification_is_named_at_the_changed_line() {
    let mut lines = chain(10);
    // Changed and resealed with a correct hash: only the next line's `prev` gives it away.
    let prev = check_line(lines[3].as_bytes()).expect("sound").hash;
    let mut forged = body(4);
    forged.insert("step".into(), json!("step-forged"));
    lines[4] = seal(forged, 5, &prev).0;
    expect_problem(&file(&lines), None, 5, ProblemKind::Modified);
}

#[test]
fn a_changed_newline_merges_two_lines_and_is_a_modification() {
    let lines = chain(6);
    let mut bytes = file(&lines);
    let first_newline = bytes.iter().position(|b| *b == b'\n').expect("newline");
    bytes[first_newline] = b' ';
    expect_problem(&bytes, None, 1, ProblemKind::Modified);
}

#[test]
fn a_line_moved_far_away_is_a_reorder() {
    let mut lines = chain(12);
    let moved = lines.remove(2);
    lines.insert(9, moved);
    expect_problem(&file(&lines), None, 3, ProblemKind::Reordered);
}

#[derive(Debug, Clone)]
enum Damage {
    /// Change one byte (not a newline) of a line.
    Modify { line: usize, at: usize, byte: u8 },
    /// Remove a line that is not the last (removing the last is a truncation).
    Delete { line: usize },
    /// Swap a line with the next.
    Swap { line: usize },
    /// Put a copy of line `from` before line `at` (`at` may be the end).
    Copy { from: usize, at: usize },
    /// Put a well-formed record before line `at`, chained to the line before it.
    Forge { at: usize },
    /// Put a record with a made-up `prev` and `seq` before line `at`.
    Stray { at: usize, seq: u64 },
    /// Keep only the first `keep` lines.
    Truncate { keep: usize },
    /// Cut the file in the middle of a line.
    Tear { at_byte: usize },
}

fn damage() -> impl Strategy<Value = (usize, Damage)> {
    (8usize..80).prop_flat_map(|n| {
        let any_line = 0..n;
        let not_last = 0..n - 1;
        prop_oneof![
            (any_line.clone(), any::<prop::sample::Index>(), 1u8..=255).prop_map(
                move |(line, at, byte)| (
                    n,
                    Damage::Modify {
                        line,
                        at: at.index(usize::MAX),
                        byte
                    }
                )
            ),
            not_last
                .clone()
                .prop_map(move |line| (n, Damage::Delete { line })),
            not_last
                .clone()
                .prop_map(move |line| (n, Damage::Swap { line })),
            (any_line.clone(), 0..=n)
                .prop_filter(
                    "a copy just before its original is indistinguishable from it",
                    |(from, at)| from != at
                )
                .prop_map(move |(from, at)| (n, Damage::Copy { from, at })),
            any_line
                .clone()
                .prop_map(move |at| (n, Damage::Forge { at })),
            (any_line.clone(), 1u64..200).prop_map(move |(at, seq)| (n, Damage::Stray { at, seq })),
            (1..n).prop_map(move |keep| (n, Damage::Truncate { keep })),
            any::<prop::sample::Index>().prop_map(move |i| (
                n,
                Damage::Tear {
                    at_byte: i.index(usize::MAX)
                }
            )),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn verify_names_the_exact_line_and_kind_of_any_damage((n, damage) in damage()) {
        let mut lines = chain(n);
        let full_head = head_of(&lines);
        match damage {
            Damage::Modify { line, at, byte } => {
                let mut bytes = lines[line].clone().into_bytes();
                let at = at % bytes.len();
                let byte = if byte == b'\n' || byte == bytes[at] { if bytes[at] == b'x' { b'y' } else { b'x' } } else { byte };
                bytes[at] = byte;
                let mut out = file(&lines[..line]);
                out.extend_from_slice(&bytes);
                out.push(b'\n');
                out.extend_from_slice(&file(&lines[line + 1..]));
                expect_problem(&out, None, line + 1, ProblemKind::Modified);
            }
            Damage::Delete { line } => {
                lines.remove(line);
                expect_problem(&file(&lines), None, line + 1, ProblemKind::Deleted);
            }
            Damage::Swap { line } => {
                lines.swap(line, line + 1);
                expect_problem(&file(&lines), None, line + 1, ProblemKind::Reordered);
            }
            Damage::Copy { from, at } => {
                let copy = lines[from].clone();
                lines.insert(at, copy);
                expect_problem(&file(&lines), None, at + 1, ProblemKind::Inserted);
            }
            Damage::Forge { at } => {
                let prev = if at == 0 { GENESIS.to_string() } else { head_of(&lines[..at]) };
                let mut forged = body(at);
                forged.insert("step".into(), json!("forged"));
                lines.insert(at, seal(forged, at as u64 + 1, &prev).0);
                expect_problem(&file(&lines), None, at + 1, ProblemKind::Inserted);
            }
            Damage::Stray { at, seq } => {
                let (line, _) = seal(body(at), seq, &"ab".repeat(32));
                lines.insert(at, line);
                expect_problem(&file(&lines), None, at + 1, ProblemKind::Inserted);
            }
            Damage::Truncate { keep } => {
                lines.truncate(keep);
                let v = verify(&file(&lines), None).expect("a truncated chain is a sound chain");
                prop_assert_eq!(v.records, keep);
                expect_problem(&file(&lines), Some(&full_head), keep, ProblemKind::Truncated);
            }
            Damage::Tear { at_byte } => {
                let bytes = file(&lines);
                // A cut that is not just after a newline (that would be a whole-line truncation).
                let mut cut = 1 + at_byte % (bytes.len() - 1);
                while bytes[cut - 1] == b'\n' {
                    cut -= 1;
                }
                let cut_bytes = &bytes[..cut];
                let whole = cut_bytes.iter().filter(|b| **b == b'\n').count();
                expect_problem(cut_bytes, None, whole + 1, ProblemKind::Torn);
            }
        }
    }
}
